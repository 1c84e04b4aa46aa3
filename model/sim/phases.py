"""The model's own phases: the parts of a step that are no mechanism of the source's.

They have the mechanisms' shape (:class:`~cogov.model.sim.mechanism.Mechanism`), so
the step is one loop over :data:`~cogov.model.sim.mechanisms.PHASES`: need drift and shocks
(:mod:`.needs`, :mod:`.shocks`), the budget's opening and close, need per cell, settlement
(what citizens received and their satisfaction, 7.7) and grievance as the step leaves it.
"""

from __future__ import annotations

import numpy as np

from .mechanism import Mechanism
from .population import gate, settle


class OpenBudget(Mechanism):
    """Budget appropriation: this step's money reaches the treasury (7.9)."""

    name = "budget"
    reads = ("government",)
    writes = ("budget",)

    def reform(self, ctx, params) -> None:
        """A reform of ``budget.per_capita`` changes the appropriation from this step on."""
        s = ctx.scenario
        ctx.government.budget = s.budget.per_capita * s.population.citizens

    def step(self, ctx) -> None:
        ctx.budget = ctx.government.open_budget()


class NeedPerCell(Mechanism):
    """Need per cell that services target, and per citizen without private relocation
    losses (None when nobody is displaced)."""

    name = "need_per_cell"
    reads = ("citizens", "needs", "headcount")
    writes = ("cell_need", "ordinary")

    def step(self, ctx) -> None:
        c = ctx.citizens
        ordinary = ctx.needs.ordinary(c)
        ctx.cell_need = np.bincount(c.cell, weights=c.need if ordinary is None else ordinary,
                                    minlength=ctx.cells)
        ctx.ordinary = ordinary


class Settlement(Mechanism):
    """Settlement (7.7): citizens take up NGO service by g(T_ngo) and combine this step's
    services into need met and satisfaction; the unmet share of need per cell is kept
    for next step's readers (incubation, consultation)."""

    name = "settlement"
    reads = ("scenario", "citizens", "headcount")
    writes = ("uptake", "served", "unmet_share", "citizens.received", "citizens.satisfaction")

    @classmethod
    def build(cls, ctx):
        ctx.unmet_share = np.zeros(ctx.cells)
        unit = cls()
        unit.readers = []  # the phases that read unmet_share and run: see find_readers
        return unit

    def find_readers(self, units: dict) -> None:
        """Note the phases that read ``unmet_share`` and run; the model calls this once every
        phase is built, and again after a reform (which may switch a reader on or off)."""
        self.readers = [u for u in units.values()
                        if "unmet_share" in u.reads and getattr(u, "enabled", True)]

    def step(self, ctx) -> None:
        c = ctx.citizens
        ctx.uptake = uptake(ctx)
        settle(c, ctx.uptake)
        ctx.served = True
        if self.readers:  # two passes over the citizens: only when someone reads it
            ctx.unmet_share = unmet_share(c, ctx.cells)


def uptake(ctx) -> np.ndarray:
    """Citizens' uptake of NGO service, g(T_ngo); 1 when trust does not gate collaboration
    (the counterfactual ``mechanisms.trust.gates_collaboration: off``)."""
    trust = ctx.scenario.mechanisms.trust
    c = ctx.citizens
    if not trust.gates_collaboration:
        return np.ones(c.n)
    return gate(c.trust_ngo, trust.basis)


def unmet_share(c, cells: int) -> np.ndarray:
    """Unmet share of need per cell, 1 − Σ received / Σ need, of this step's need and service."""
    need = np.bincount(c.cell, weights=c.need, minlength=cells)
    met = np.bincount(c.cell, weights=c.received, minlength=cells)
    return np.divide(need - met, need, out=np.zeros(cells), where=need > 0)


class Grievance(Mechanism):
    """Grievance as the step leaves it (7.10), for observers and the metrics, when a
    mechanism that reads it runs (mediation, unrest, early warning)."""

    name = "grievance"
    reads = ("scenario", "citizens", "dispute_pressure", "law_legitimacy")
    writes = ("citizens.grievance",)

    def step(self, ctx) -> None:
        mech = ctx.scenario.mechanisms
        if mech.mediation.enabled or mech.unrest.enabled or mech.early_warning.enabled:
            ctx.update_grievance()


class CloseBudget(Mechanism):
    """Budget close: what the treasury still holds lapses into the reserve (7.9)."""

    name = "budget_close"
    reads = ("government",)

    def step(self, ctx) -> None:
        ctx.government.close_budget()

"""Need: heterogeneous across planning cells (district x field), drifting over time.

need_i(t) = base_i * m_c(i)(t) * spike_d(i)(t) * (1 + harm_i), with cell multipliers m_c log-normal
(sd of log = ``need.heterogeneity``) and harm_i the lasting harm of a relocation
shock (0 unless displaced). Every ``shift.every`` steps each multiplier
takes a log-normal step of size ``shift.size`` and all are renormalised so the
population's total base need stays constant (the budget's adequacy is unchanged).
"""

from __future__ import annotations

import numpy as np

from .mechanism import Mechanism
from .population import CitizenState, lognormal_unit


class Needs:
    """Exogenous need process (not a governance mechanism: it is the world)."""

    def __init__(self, scenario, state: CitizenState, rng: np.random.Generator):
        need = scenario.population.need
        self.every, self.size = need.shift.every, need.shift.size
        self.cells = scenario.population.districts * need.fields
        self.rng = rng
        self.weight = np.bincount(state.cell, weights=state.base_need, minlength=self.cells)
        self.multiplier = self._normalise(lognormal_unit(rng, need.heterogeneity, self.cells))
        self.spike = np.ones(scenario.population.districts)  # set by shocks
        self.harm = np.zeros(state.n)  # relocation harm per citizen (see displace)
        self.harmed_at = np.full(state.n, -1)  # step of displacement (-1: never)
        self.displaced = False  # anyone displaced yet (keeps the common case off the arrays)
        self.apply(state)

    def _normalise(self, m: np.ndarray) -> np.ndarray:
        total = self.weight.sum()
        return m * total / (m * self.weight).sum() if total > 0 else m

    def step(self, state: CitizenState, t: int) -> None:
        """Drift the cell multipliers on schedule, then recompute every citizen's need."""
        if self.every > 0 and self.size > 0 and t % self.every == 0:
            self.multiplier = self._normalise(
                self.multiplier * lognormal_unit(self.rng, self.size, self.cells)
            )
        self.apply(state)

    def displace(self, who: np.ndarray, harm: np.ndarray, t: int) -> None:
        """Citizens ``who`` (a mask) are displaced at step t with lasting harm ``harm``."""
        self.harm[who] = harm
        self.harmed_at[who] = t
        self.displaced = self.displaced or bool(who.any())

    def ordinary(self, state: CitizenState) -> np.ndarray | None:
        """Need without relocation harm (what public services target), or None if nobody is harmed."""
        return state.need / (1.0 + self.harm) if self.displaced else None

    def apply(self, state: CitizenState) -> None:
        """need_i = base_i * m_cell * spike_district * (1 + harm_i)."""
        np.multiply(state.base_need, self.multiplier[state.cell], out=state.need)
        state.need *= self.spike[state.district]
        if self.displaced:
            state.need *= 1.0 + self.harm


class NeedDrift(Mechanism):
    """Need drift and spikes (7.2): this step's need per citizen."""

    name = "needs"
    attribute = "need_drift"  # model.needs is the Needs state itself
    reads = ("citizens", "needs", "t")
    writes = ("citizens.need",)

    def step(self, ctx) -> None:
        ctx.needs.step(ctx.citizens, ctx.t)

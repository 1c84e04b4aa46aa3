"""Shock timelines from the scenario's ``shocks:`` list.

Each shock ``{step, kind, size, over, where}`` ramps in linearly over ``over``
steps starting at ``step`` (over = 1: sudden) and then persists; progress
f(t) = clip((t - step + 1) / over, 0, 1). A need spike or budget cut with
``until`` is lifted at that step (f = 0 from then on): a temporary shock.

* ``need_spike``: need in district ``where`` (all if omitted) × (1 + size·f).
* ``budget_cut``: government budget × (1 - size·f).
* ``legitimacy_drop``: trust in government falls by size/over in each of the
  ``over`` steps (absolute, clipped at 0); trust then recovers only through its
  own dynamics.
* ``incident``: a negative public-opinion event. In each of the ``over`` steps,
  1 % of the citizens of ``where`` (all if omitted) become engaged with it and
  lose a share ``size`` of their opinion of government; attention then spreads
  through the opinion mechanism (which must be enabled for it to have effect).
  Each citizen loses opinion to an incident once, however often it engages with it.
* ``relocation``: a policy (urban renewal, land requisition) displaces citizens of
  ``where`` (all if omitted): in each of the ``over`` steps, each citizen of the
  area not yet displaced is displaced with probability share/over (``share``,
  default 0.2). A displaced citizen carries a lasting harm
  η_i = size·ε_i, ε_i log-normal with mean 1 and sd of log 0.8 (losses are
  unequal; an assumption): its need becomes need_i·(1 + η_i) (7.17).
"""

from __future__ import annotations

import numpy as np

from .mechanism import Mechanism
from .population import lognormal_unit

INCIDENT_SEED_SHARE = 0.01  # share of the area's citizens who see an incident first
HARM_SPREAD = 0.8  # sd of log of relocation harm across displaced citizens (assumption)


def progress(shock, t: int) -> float:
    """Fraction of the shock in force at step t."""
    if shock.until is not None and t >= shock.until:
        return 0.0
    return float(np.clip((t - shock.step + 1) / shock.over, 0.0, 1.0))


class Shocks(Mechanism):
    """Applies the scenario's shocks; entry point :meth:`step`."""

    name = "shocks"
    reads = ("scenario", "t", "needs", "government", "citizens", "opinion")
    writes = ("needs", "government", "citizens.trust_gov", "citizens.opinion",
              "citizens.attention")

    def __init__(self, shocks, districts: int, rng: np.random.Generator):
        self.shocks = tuple(shocks)
        self.districts = districts
        self.rng = rng  # who sees an incident first

    @classmethod
    def build(cls, ctx):
        return cls(ctx.scenario.shocks, ctx.districts, ctx.stream("shocks"))

    def step(self, ctx) -> None:
        self.update(ctx.t, ctx.needs, ctx.government, ctx.citizens, ctx.opinion)

    def update(self, t: int, needs, government, state, opinion) -> None:
        """Set need spikes and budget factor for step t; apply trust drops and incidents."""
        spike = np.ones(self.districts)
        budget = 1.0
        for shock in self.shocks:
            f = progress(shock, t)
            if shock.kind == "need_spike":
                where = slice(None) if shock.where is None else shock.where
                spike[where] *= 1.0 + shock.size * f
            elif shock.kind == "budget_cut":
                budget *= 1.0 - shock.size * f
            elif shock.kind == "legitimacy_drop" and shock.step <= t < shock.step + shock.over:
                drop = shock.size / shock.over
                mask = np.ones(state.n, bool) if shock.where is None else state.district == shock.where
                state.trust_gov[mask] = np.maximum(0.0, state.trust_gov[mask] - drop)
            elif shock.kind == "incident" and shock.step <= t < shock.step + shock.over:
                where = np.ones(state.n, bool) if shock.where is None else state.district == shock.where
                seeds = where & (self.rng.random(state.n) < INCIDENT_SEED_SHARE)
                opinion.seed_incident(state, seeds, shock.size, new=t == shock.step)
            elif shock.kind == "relocation" and shock.step <= t < shock.step + shock.over:
                self._displace(shock, t, needs, state)
        needs.spike = spike
        government.budget_factor = budget

    def _displace(self, shock, t: int, needs, state) -> None:
        where = np.ones(state.n, bool) if shock.where is None else state.district == shock.where
        new = where & (needs.harmed_at < 0) & (self.rng.random(state.n) < shock.share / shock.over)
        needs.displace(new, shock.size * lognormal_unit(self.rng, HARM_SPREAD, int(new.sum())), t)

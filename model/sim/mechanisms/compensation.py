"""Interest balancing: compensating citizens harmed by a policy (利益补偿, 动态利益均衡).

Extends interest compensation (``mechanisms.incentives.compensation``, the
co-production top-up of 7.5) to losses a policy imposes: a ``relocation`` shock
(7.8) displaces citizens, each with its own harm η_i, so its need becomes
need_i·(1 + η_i) and its loss this step is L_i = need_i·η_i / (1 + η_i). The loss
is private (a home, a livelihood): public services are planned and shared on need
without it (Needs.ordinary), so only compensation makes it good. The government
compensates each displaced citizen from the treasury (ledger use ``relocation``;
cash meets need one for one) once the case is registered:

* ``fixed`` rule (top-down management: a statutory schedule applied after the
  fact): after ``delay_fixed`` steps, every displaced citizen gets the same
  payment, ``share``·mean(L) over the citizens being compensated;
* ``observed`` rule (adaptive collaboration: losses expressed, aggregated and
  arbitrated through hubs and community consultation [SGNM Essay 2 §5]): after
  ``delay_observed`` steps, each gets ``share``·L̂_i, its own loss observed with
  log-normal error (sd of log ``noise``, mean 1).

``auto`` uses the observed rule under ``governance.adaptation`` and the fixed rule
otherwise. Both rules pay the same total in expectation: they differ in whom the
money reaches and when. If the treasury cannot pay all, every payment is cut pro
rata. Disabled: harmed citizens are not compensated. Values are assumptions.
"""

from __future__ import annotations

import math

import numpy as np

from ..mechanism import Mechanism, metric
from ..population import _ratio, lognormal_unit


@metric("relocation compensation", "money per step", 0)
def relocation_compensation(m) -> float:
    """Compensation paid to citizens displaced by relocation this step."""
    return m.relocation.total


@metric("unmet need of the displaced", "share of their need", 0, 1)
def relocation_unmet(m) -> float:
    """Unmet share of need among displaced citizens (NaN if nobody is displaced)."""
    if not m.needs.displaced:
        return math.nan
    c, harmed = m.citizens, m.needs.harmed_at >= 0
    return _ratio(float((c.need - c.received)[harmed].sum()), float(c.need[harmed].sum()))


class RelocationCompensation(Mechanism):
    """Compensation for policy harm; phase :meth:`step`, equations :meth:`update`."""

    name = "compensation"
    attribute = "relocation"
    reads = ("scenario", "citizens", "needs", "government", "favour_weights", "t")
    writes = ("citizens.compensation",)
    metrics = (relocation_compensation, relocation_unmet)

    def __init__(self, params, adaptation: bool, n: int, rng: np.random.Generator):
        self.params = params
        self.enabled = params.enabled
        rule = params.rule if params.rule != "auto" else ("observed" if adaptation else "fixed")
        self.observed = rule == "observed"
        self.delay = params.delay_observed if self.observed else params.delay_fixed
        self.rng = rng
        self.paid = np.zeros(n)
        self.total = 0.0

    def update(self, need: np.ndarray, harm: np.ndarray, harmed_at: np.ndarray, t: int,
             government, weights: np.ndarray | None = None) -> np.ndarray:
        """Pay this step's compensation; returns the payment per citizen (also ``self.paid``).

        ``harm`` is η_i (0 for citizens not harmed), ``harmed_at`` the step each was harmed
        (-1 if never). ``weights`` (one per citizen; law-based governance, 7.22) tilt the
        payments among the citizens due, at the same total: wanted_i · w_i / mean(w).
        """
        self.paid[:] = 0.0
        self.total = 0.0
        if not self.enabled:
            return self.paid
        p = self.params
        due = (harmed_at >= 0) & (harmed_at + self.delay <= t)
        if not due.any():
            return self.paid
        loss = need[due] * harm[due] / (1.0 + harm[due])
        if self.observed:
            wanted = p.share * loss * lognormal_unit(self.rng, p.noise, loss.size)
        else:
            wanted = np.full(loss.size, p.share * loss.mean())
        if weights is not None:  # discretion's favours, at the same total
            w = weights[due]
            wanted = wanted * w / w.mean()
        asked = float(wanted.sum())
        got = government.pay(asked, "relocation")
        self.paid[due] = wanted * (got / asked if asked > 0 else 0.0)
        self.total = got
        return self.paid

    @classmethod
    def build(cls, ctx):
        s = ctx.scenario
        return cls(s.mechanisms.incentives.relocation, s.governance.adaptation, ctx.n,
                   ctx.stream("relocation"))

    def reform(self, ctx, params) -> None:
        s = ctx.scenario
        p = self.params = s.mechanisms.incentives.relocation
        self.enabled = p.enabled
        rule = p.rule if p.rule != "auto" else ("observed" if s.governance.adaptation else "fixed")
        self.observed = rule == "observed"
        self.delay = p.delay_observed if self.observed else p.delay_fixed

    def step(self, ctx) -> None:
        """Compensation for relocation losses (7.17), once anyone is displaced."""
        needs, c = ctx.needs, ctx.citizens
        if needs.displaced:
            c.compensation = self.update(c.need, needs.harm, needs.harmed_at, ctx.t,
                                         ctx.government, ctx.favour_weights)



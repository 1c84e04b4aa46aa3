"""Risk early warning (风险预警网络, DIGEST "Risk early-warning network"; Essay 7 §3).

Observers watch one indicator per district: mean grievance, unmet need, the
share of citizens engaged with an incident (attention) or open disputes per
citizen. Who observes depends on the regime's information channel: the
government alone (collaboration off: ``delay_top_down`` steps late, log-normal
error ``noise_top_down``) or hubs and NGOs on the ground (collaboration on:
``delay_collaborative``, ``noise_collaborative``). The opinion mechanism's
``noise`` (water armies) further blurs the attention indicator:
observed = (1 − noise)·true + noise·U(0, 1).

Prevention is paid for in advance: every step a share ``contingency`` of the
budget B goes into a contingency fund F (a ledger balance), as far as the treasury
still holds it, so less is spent by plan. The fund holds at most ``fund_cap`` steps
of budget; the excess goes back to the treasury and is spent by plan that step:

    F ← min(F + min(contingency·B, treasury), fund_cap·B).

Money set aside is not spent (it is not in ``gov_spent``) until the fund pays for
a response.
A district whose observed indicator exceeds ``threshold`` is warned, which starts
(or extends) a preventive response lasting ``response_steps`` steps: each step,
targeted service worth ``response_budget`` × the step's budget per responding
district, as far as the fund allows (spent as direct provision on the district's
cells in proportion to need; metric ``response_spend``), people's-mediation
capacity × (1 + ``mediation_boost``) in the district, and communication that
moves its citizens' opinion of government a share ``communication`` of the way
up. Disabled: nothing is set aside, observed or done.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ..mechanism import Mechanism, metric
from ..population import lognormal_unit


@metric("early warnings", "districts per step", 0)
def warnings(m) -> int:
    """Districts warned this step."""
    return int(m.early_warning.warned.sum())


@metric("early-warning response", "money per step", 0)
def response_spend(m) -> float:
    """Money spent on early-warning responses (targeted service) this step."""
    return m.resources.response_spend


class EarlyWarning(Mechanism):
    """Observation, thresholds and responses; phase :meth:`step`, equations :meth:`update`."""

    name = "early_warning"
    headline = ("warnings", "response_spend")
    reads = ("scenario", "citizens", "open_disputes", "served", "government", "budget", "t")
    writes = ("warning_response", "responding")
    metrics = (warnings, response_spend)

    def __init__(self, params, collaboration: bool, districts: int, rng: np.random.Generator):
        self.params = params
        self.enabled = params.enabled
        self.rng = rng
        self.delay = params.delay_collaborative if collaboration else params.delay_top_down
        self.noise = params.noise_collaborative if collaboration else params.noise_top_down
        self.history: deque[np.ndarray] = deque(maxlen=self.delay + 1)
        self.districts = districts
        self.warned = np.zeros(districts, dtype=bool)  # crossed the threshold this step
        self.responding_until = np.full(districts, np.iinfo(np.int64).min // 2)  # never warned
        self.t = 0
        self.fund = 0.0  # contingency money held (a ledger balance)

    @property
    def responding(self) -> np.ndarray:
        """Districts with a response running this step."""
        return self.responding_until > self.t

    def update(self, indicator: np.ndarray, government, budget: float, t: int,
             chatter: float = 0.0) -> np.ndarray:
        """Save into the fund, observe, and return response money per district.

        The returned money is handed back to the government's treasury to be spent
        on the responding districts this step. ``chatter`` is the share of noise in
        the information environment (applies to the attention indicator).
        """
        self.warned = np.zeros(self.districts, dtype=bool)
        self.t = t
        if not self.enabled:
            return np.zeros(self.districts)
        self.history.append(indicator.copy())
        seen = self.history[0] * lognormal_unit(self.rng, self.noise, self.districts)
        if chatter > 0:
            seen = (1 - chatter) * seen + chatter * self.rng.random(self.districts)
        self.warned = seen > self.params.threshold
        self.responding_until[self.warned] = t + self.params.response_steps
        self.fund += government.set_aside(self.params.contingency * budget)
        excess = max(0.0, self.fund - self.params.fund_cap * budget)
        if excess > 0:  # released back to the treasury, to be spent by plan this step
            self.fund -= excess
            government.draw(excess)
        wanted = self.responding * self.params.response_budget * budget
        total = float(wanted.sum())
        if total <= 0:
            return wanted
        paid = wanted * min(1.0, self.fund / total)
        self.fund = max(0.0, self.fund - float(paid.sum()))  # rounding: never below zero
        government.draw(float(paid.sum()))
        return paid

    @classmethod
    def build(cls, ctx):
        s = ctx.scenario
        unit = cls(s.mechanisms.early_warning, s.governance.collaboration, ctx.districts,
                   ctx.stream("early_warning"))
        unit.indicator = np.zeros(ctx.districts)
        ctx.responding = unit.responding
        return unit

    def observe(self, ctx) -> None:
        """The indicator per district, from the state the last step left (nothing before
        any service was delivered)."""
        self.indicator = warning_indicator(ctx) if self.enabled and ctx.served \
            else np.zeros(ctx.districts)

    def reform(self, ctx, params) -> None:
        super().reform(ctx, params)
        collaboration = ctx.scenario.governance.collaboration
        self.delay = params.delay_collaborative if collaboration else params.delay_top_down
        self.noise = params.noise_collaborative if collaboration else params.noise_top_down
        self.history = deque(self.history, maxlen=self.delay + 1)

    def step(self, ctx) -> None:
        """Save into the fund, warn districts, pay responses (7.13)."""
        mech = ctx.scenario.mechanisms
        noise = mech.opinion.noise if mech.early_warning.indicator == "attention" else 0.0
        ctx.warning_response = self.update(self.indicator, ctx.government, ctx.budget, ctx.t,
                                           noise)
        ctx.responding = self.responding


def warning_indicator(ctx) -> np.ndarray:
    """The early-warning indicator per district, from the current state (7.13)."""
    c, d = ctx.citizens, ctx.districts
    size = np.maximum(np.bincount(c.district, minlength=d), 1)
    kind = ctx.scenario.mechanisms.early_warning.indicator
    if kind == "grievance":
        return np.bincount(c.district, weights=c.grievance, minlength=d) / size
    if kind == "unmet_need":
        need = np.bincount(c.district, weights=c.need, minlength=d)
        unmet = np.bincount(c.district, weights=c.need - c.received, minlength=d)
        return np.divide(unmet, need, out=np.zeros(d), where=need > 0)
    if kind == "attention":
        return np.bincount(c.district, weights=c.attention == 1, minlength=d) / size
    # open disputes, as 7.13 says
    return np.bincount(c.district, weights=ctx.open_disputes, minlength=d) / size

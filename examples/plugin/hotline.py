"""A citizens' hotline (12345 市民服务热线): an example plug-in mechanism for cogov.

Citizens whose need went unmet call the city's service hotline; a call centre answers as
many calls as it has operators for and the treasury pays for; an answered call is either
resolved on the line, which raises the caller's trust in government a little, or routed
to the department responsible for the case; a call nobody answers costs a little trust.

Each step, after the budget is opened (``after = "budget"``), citizen i (not in jail)
calls with probability

    p_i = propensity · (1 − s_i),

s_i the satisfaction the last step left (the share of its need met). The call centre
answers at most ``capacity`` calls per 1,000 citizens, at ``cost`` money each, paid from
the treasury through the government's payment method (``pay_each``, ledger use
``petitions``: the hotline is a channel of the letters-and-calls system), so the money
balances in the ledger. Answered calls are picked at random among the callers; a share
``resolve`` of them is resolved on the line, T ← T + ``trust_gain`` · (1 − T), the rest is
routed; unanswered callers lose trust, T ← T − ``trust_loss`` · T.

The plug-in draws only from its own random stream (``ctx.stream("hotline")``), so
switching it off (``mechanisms.hotline.enabled: off``) leaves every other number of the
model exactly as without it. docs/plugins.md walks through this file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cogov.model.scenario.sections import _p
from cogov.model.sim.mechanisms import Mechanism, metric


@metric("hotline calls", "calls per 1,000 citizens per step", 0)
def hotline_calls(m) -> float:
    """Calls to the hotline this step per 1,000 citizens."""
    return 1000.0 * m.hotline.calls / m.citizens.n


@metric("hotline answer rate", "share of calls", 0, 1)
def hotline_answered(m) -> float:
    """Share of this step's calls that were answered (0 when nobody called)."""
    h = m.hotline
    return h.answered / h.calls if h.calls else 0.0


@metric("hotline cases routed", "cases per 1,000 citizens per step", 0)
def hotline_routed(m) -> float:
    """Answered calls routed to a department this step, per 1,000 citizens."""
    return 1000.0 * m.hotline.routed / m.citizens.n


@metric("hotline spending", "money per citizen per step", 0)
def hotline_spend(m) -> float:
    """Money spent on the call centre this step, per citizen."""
    return m.hotline.spend / m.citizens.n


class Hotline(Mechanism):
    """The citizens' hotline; one ``step`` per model step (see the module docstring)."""

    name = "hotline"  # its key: mechanisms.hotline, m.hotline, ctx.units["hotline"]
    after = "budget"  # runs right after the budget is opened, before anything is planned
    reads = ("scenario", "citizens", "government", "jailed", "stream")
    writes = ("citizens.trust_gov",)
    metrics = (hotline_calls, hotline_answered, hotline_routed, hotline_spend)

    @dataclass(frozen=True, kw_only=True)
    class Params:
        enabled: bool = _p(True, doc="the hotline runs", src="design (switch)")
        propensity: float = _p(
            0.2, 0.0, 1.0, doc="probability that a citizen whose need went wholly unmet calls",
            src="assumption")
        capacity: float = _p(
            20.0, 0.0, doc="calls the call centre can answer per step per 1,000 citizens",
            src="assumption")
        cost: float = _p(
            0.5, 0.0, doc="money per answered call (operators, case handling)",
            src="assumption")
        resolve: float = _p(
            0.6, 0.0, 1.0, doc="share of answered calls resolved on the line (the rest is routed)",
            src="assumption")
        trust_gain: float = _p(
            0.05, 0.0, 1.0, doc="share of the way to full trust a resolved call moves the caller",
            src="assumption")
        trust_loss: float = _p(
            0.02, 0.0, 1.0, doc="share of trust an unanswered caller loses", src="assumption")

    def __init__(self, params: Params, rng: np.random.Generator):
        self.params = params
        self.rng = rng
        self.calls = self.answered = self.routed = 0
        self.spend = 0.0

    @classmethod
    def build(cls, ctx) -> Hotline:
        return cls(cls.params_of(ctx.scenario), ctx.stream(cls.name))

    def step(self, ctx) -> None:
        """Citizens call, the call centre answers what it can pay for, trust follows."""
        self.calls = self.answered = self.routed = 0
        self.spend = 0.0
        p, c = self.params, ctx.citizens
        if not p.enabled:
            return
        calling = self.rng.random(c.n) < p.propensity * (1.0 - c.satisfaction)
        if ctx.jailed is not None:  # a signal: None while unrest is off
            calling &= ~ctx.jailed
        callers = np.flatnonzero(calling)
        self.calls = int(callers.size)
        room = min(self.calls, int(p.capacity * c.n / 1000.0))
        answered = ctx.government.pay_each(p.cost, room, "petitions")
        self.spend = p.cost * answered
        order = self.rng.permutation(callers)
        taken, missed = order[:answered], order[answered:]
        solved = taken[self.rng.random(taken.size) < p.resolve]
        self.answered, self.routed = int(answered), int(answered - solved.size)
        c.trust_gov[solved] += p.trust_gain * (1.0 - c.trust_gov[solved])
        c.trust_gov[missed] -= p.trust_loss * c.trust_gov[missed]

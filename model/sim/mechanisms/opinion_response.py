"""Online opinion forces offline action (Essay 3 §3; docs/model.md 7.11, "Responsiveness").

An extension of the opinion mechanism (keys under ``mechanisms.opinion``), on when
opinion is on and ``responsiveness`` > 0. Per step and district d:

1. **Online pressure** partly mirrors offline opinion: its real part is the
   district's negativity plus its heat,

       n_d = min(1, (1 − ō_d) + a_d),

   ō_d the mean opinion of government and a_d the share engaged with an incident
   among d's citizens. Water armies (水军, paid posters) and false information
   make up a share η = ``online_noise`` of what is posted about a district and
   point anywhere: the government sees y_d = (1 − η)·n_d + η·ξ_d, ξ_d ~ U(0, 1)
   drawn afresh per district and step.
2. **Delay**: the government acts on what was posted ``response_delay_top_down``
   steps ago under top-down management, ``response_delay_adaptive`` steps ago under
   adaptation (the local level acts on current reports instead of passing them up
   the hierarchy; the same switch that makes planning current, 7.3).
3. **Response**: every district whose observed pressure stands out from the city's,
   y_d > ȳ + θ (ȳ the mean over districts, θ = ``response_threshold``; attention is
   limited and goes to what stands out), hottest first, gets an inspection of the department responsible (an indivisible item:
   ``inspection_cost`` per citizen of the district, paid in full or not at all,
   ledger use ``inspection``) and, only if the inspection is paid, targeted service
   worth ρ = ``responsiveness`` × the district's share of the step's budget,
   ρ·B_t·N_d/N, returned as money per district to be provided directly on the
   district's cells in proportion to need (part of the treasury, not extra money).

A response to noise buys service where need is already met (wasted: received ≤
need) and takes it from the plan elsewhere, so responsiveness pays only while the
online signal is mostly true.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ..mechanism import Mechanism, metric


@metric("responses to online opinion", "districts per step", 0)
def responses_to_opinion(m) -> int:
    """Districts the government responded to this step because of online opinion (inspection
    and targeted service, 7.11): a count of districts, which does not grow with citizens."""
    return int(m.opinion_response.responded.sum())


@metric("spending on responses to opinion", "money per citizen per step", 0)
def response_spend_opinion(m) -> float:
    """Money per citizen spent this step on responses to online opinion: inspections of the
    responsible departments plus the targeted service delivered (7.11)."""
    return (m.opinion_response.inspection + m.resources.opinion_response_spend) / m.citizens.n


class OpinionResponse(Mechanism):
    """Government responsiveness to online opinion; phase :meth:`step`, equations :meth:`update`."""

    name = "opinion_response"
    reads = ("scenario", "citizens", "government", "budget")
    writes = ("opinion_response",)
    metrics = (responses_to_opinion, response_spend_opinion)

    def __init__(self, params, adaptation: bool, district: np.ndarray, districts: int,
                 rng: np.random.Generator):
        self.params = params
        self.enabled = bool(params.enabled and params.responsiveness > 0)
        self.rng = rng
        self.district = district
        self.size = np.bincount(district, minlength=districts).astype(float)
        self.delay = params.response_delay_adaptive if adaptation else params.response_delay_top_down
        self.history: deque[np.ndarray] = deque(maxlen=self.delay + 1)
        self.responded = np.zeros(districts, dtype=bool)  # districts responded to this step
        self.inspection = 0.0  # inspection money paid this step
        self.service = np.zeros(districts)  # targeted service money asked for this step

    def pressure(self, state) -> np.ndarray:
        """True online pressure per district, n_d = min(1, (1 − ō_d) + a_d)."""
        size = np.maximum(self.size, 1.0)
        negativity = np.bincount(self.district, weights=1.0 - state.opinion,
                                 minlength=self.size.size) / size
        heat = np.bincount(self.district, weights=state.attention == 1,
                           minlength=self.size.size) / size
        return np.minimum(1.0, negativity + heat)

    def update(self, state, government, budget: float) -> np.ndarray:
        """Observe online pressure, inspect and return targeted service money per district."""
        self.responded = np.zeros(self.size.size, dtype=bool)
        self.inspection = 0.0
        self.service = np.zeros(self.size.size)
        if not self.enabled:
            return self.service
        p = self.params
        noise = self.rng.random(self.size.size)  # drawn every step: the stream stays aligned
        seen = (1.0 - p.online_noise) * self.pressure(state) + p.online_noise * noise
        self.history.append(seen)
        observed = self.history[0]  # what was posted `delay` steps ago (the oldest early on)
        bar = observed.mean() + p.response_threshold
        for d in np.argsort(-observed, kind="stable"):  # hottest first, while money lasts
            if observed[d] <= bar or self.size[d] == 0:
                continue
            cost = p.inspection_cost * self.size[d]
            if government.pay_all(cost, "inspection"):
                self.responded[d] = True
                self.inspection += cost
        self.service = self.responded * p.responsiveness * budget * self.size / self.size.sum()
        return self.service

    @classmethod
    def build(cls, ctx):
        s = ctx.scenario
        return cls(s.mechanisms.opinion, s.governance.adaptation, ctx.citizens.district,
                   ctx.districts, ctx.stream("opinion_response"))

    def reform(self, ctx, params) -> None:
        s = ctx.scenario
        p = self.params = s.mechanisms.opinion
        self.enabled = bool(p.enabled and p.responsiveness > 0)
        adaptive = s.governance.adaptation
        self.delay = p.response_delay_adaptive if adaptive else p.response_delay_top_down
        self.history = deque(self.history, maxlen=self.delay + 1)

    def step(self, ctx) -> None:
        ctx.opinion_response = self.update(ctx.citizens, ctx.government, ctx.budget)



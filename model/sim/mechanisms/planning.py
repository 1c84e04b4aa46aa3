"""Planning and adaptation: how the budget is split across planning cells.

A cell is one field of service in one district. Shares a_c sum to 1.

* top-down (``governance.adaptation: off``): every ``plan_period`` steps the plan is
  reset to need observed through ``layers`` levels of hierarchy; each level adds
  ``layer_delay`` steps of delay and a log-normal error of sd ``layer_noise``:
  a_c ∝ need_c(t - L·δ) · Π_l ε_{c,l}; between plans it stays fixed.
* adaptive (``adaptation: on``): every step, a_c ∝ need_c(t) · ε_c with local
  feedback error ε_c of sd ``feedback_noise`` (hubs, NGOs and citizens report now).
* disabled: a_c ∝ head count of the cell (no need information used).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ..mechanism import Mechanism
from ..population import lognormal_unit


class Planning(Mechanism):
    """Allocation rule of the government; phase :meth:`step`, equations :meth:`update`."""

    name = "planning"
    reads = ("scenario", "headcount", "cell_need", "t")
    writes = ("plan",)

    def __init__(self, params, adaptive: bool, headcount: np.ndarray, rng: np.random.Generator):
        self.params = params
        self.enabled = params.enabled
        self.adaptive = adaptive
        self.rng = rng
        self.delay = params.layers * params.layer_delay
        self.history: deque[np.ndarray] = deque(maxlen=self.delay + 1)
        self.headcount = headcount.astype(float)
        self.shares = self._normalise(self.headcount)
        self.last_plan = None

    @staticmethod
    def _normalise(x: np.ndarray) -> np.ndarray:
        total = x.sum()
        return x / total if total > 0 else np.full(x.size, 1.0 / x.size)

    def update(self, cell_need: np.ndarray, t: int) -> np.ndarray:
        """Return this step's budget shares per cell."""
        if not self.enabled:
            return self.shares
        if self.adaptive:
            report = cell_need * lognormal_unit(self.rng, self.params.feedback_noise, cell_need.size)
            self.shares = self._normalise(report)
            return self.shares
        self.history.append(cell_need.copy())
        if self.last_plan is None or t - self.last_plan >= self.params.plan_period:
            observed = self.history[0].copy()  # need as it was `delay` steps ago
            for _ in range(self.params.layers):
                observed *= lognormal_unit(self.rng, self.params.layer_noise, observed.size)
            self.shares = self._normalise(observed)
            self.last_plan = t
        return self.shares

    @classmethod
    def build(cls, ctx):
        s = ctx.scenario
        return cls(s.mechanisms.planning, s.governance.adaptation, ctx.headcount,
                   ctx.stream("planning"))

    def reform(self, ctx, params) -> None:
        super().reform(ctx, params)
        self.adaptive = ctx.scenario.governance.adaptation
        self.delay = params.layers * params.layer_delay
        self.history = deque(self.history, maxlen=self.delay + 1)

    def step(self, ctx) -> None:
        ctx.plan = self.update(ctx.cell_need, ctx.t)

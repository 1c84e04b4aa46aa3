"""Grand mediation (大调解): people's, administrative and judicial mediation.

Disputes arise between citizens at a rate that grows with grievance: a citizen
without an open dispute opens one with probability base_rate + grievance_rate·G_i
(sources listed in Essay 7 §2: land, demolition, labour, doctor-patient...).
Three channels process the oldest disputes first, each step up to its capacity
(capacities are per citizen per step: people's mediation per district, the
others city-wide; a fractional capacity is met with that probability), at a cost
per case (ledger use ``mediation``) and with a success rate:

| channel | where | default capacity | cost | success |
|---|---|---|---|---|
| 0 people's mediation (community, NGOs) | district | 0.004 | 0.5 | 0.6 |
| 1 administrative mediation (government) | city | 0.002 | 2.0 | 0.5 |
| 2 judicial mediation (courts) | city | 0.001 | 8.0 | 0.9 |

With linkage (``linkage: on``, or ``auto`` under collaboration: the grand-mediation
system links the channels with referral and follow-up, Essays 4 and 6), disputes
enter at people's mediation and a failed case moves to the next channel. Without
it (``off``, or ``auto`` under top-down) they enter at the administrative channel
and failures go on to the courts. Judicial outcomes are final: a case processed
there closes whether or not it succeeds (only successes count as resolved).
Citizens with an open dispute carry ``grievance_weight`` extra grievance.
Disabled: no disputes.
"""

from __future__ import annotations

import numpy as np

CHANNELS = ("people", "admin", "judicial")


class Mediation:
    """The dispute queue and its three channels; entry point :meth:`step`."""

    def __init__(self, params, collaboration: bool, district: np.ndarray, districts: int,
                 rng: np.random.Generator):
        self.params = params
        self.enabled = params.enabled
        self.rng = rng
        self.linkage = collaboration if params.linkage == "auto" else params.linkage == "on"
        self.district = district
        self.district_size = np.bincount(district, minlength=districts)
        self.owner = np.zeros(0, dtype=np.int64)  # citizen of each open dispute
        self.opened = np.zeros(0, dtype=np.int64)
        self.channel = np.zeros(0, dtype=np.int8)
        self.resolved = 0
        self.resolution_time = float("nan")
        self.cost = 0.0

    @property
    def open_count(self) -> int:
        """Disputes open now."""
        return int(self.owner.size)

    def pressure(self, n: int) -> np.ndarray:
        """1 for citizens with an open dispute, else 0."""
        out = np.zeros(n)
        out[self.owner] = 1.0
        return out

    def _capacity(self, rate: float, size: np.ndarray) -> np.ndarray:
        cap = rate * size
        whole = np.floor(cap)
        return (whole + (self.rng.random(cap.shape) < cap - whole)).astype(np.int64)

    def step(self, grievance: np.ndarray, t: int, boost: np.ndarray, government,
             labour: np.ndarray | None = None) -> None:
        """New disputes, then each channel processes its oldest cases.

        ``boost[d]`` multiplies district d's people's-mediation capacity (early warning);
        ``labour`` marks citizens who bring a labour dispute this step (collective
        bargaining); they join the queue like any other dispute.
        """
        self.resolved, self.resolution_time, self.cost = 0, float("nan"), 0.0
        if not self.enabled:
            return
        p = self.params
        n = grievance.size
        free = np.ones(n, dtype=bool)
        free[self.owner] = False
        arising = self.rng.random(n) < p.base_rate + p.grievance_rate * grievance
        if labour is not None:
            arising |= labour
        new = np.flatnonzero(free & arising)
        self.owner = np.concatenate([self.owner, new])
        self.opened = np.concatenate([self.opened, np.full(new.size, t)])
        self.channel = np.concatenate([self.channel, np.full(new.size, 0 if self.linkage else 1,
                                                             dtype=np.int8)])
        closed = np.zeros(self.owner.size, dtype=bool)
        success_age = []
        for ch, (cap_rate, cost, success) in enumerate((
                (p.people_capacity, p.people_cost, p.people_success),
                (p.admin_capacity, p.admin_cost, p.admin_success),
                (p.judicial_capacity, p.judicial_cost, p.judicial_success))):
            picked = self._pick(ch, cap_rate, boost, closed)
            if picked.size == 0:
                continue
            self.cost += cost * picked.size
            ok = self.rng.random(picked.size) < success
            closed[picked[ok]] = True
            success_age.append(t - self.opened[picked[ok]])
            failed = picked[~ok]
            if ch == 2:
                closed[failed] = True  # judicial outcomes are final
            else:
                self.channel[failed] = ch + 1  # referral (linkage) or going to court (no linkage)
        government.pay(self.cost, "mediation")
        ages = np.concatenate(success_age) if success_age else np.zeros(0)
        self.resolved = int(ages.size)
        if ages.size:
            self.resolution_time = float(ages.mean())
        keep = ~closed
        self.owner, self.opened, self.channel = self.owner[keep], self.opened[keep], self.channel[keep]

    def _pick(self, ch: int, rate: float, boost: np.ndarray, closed: np.ndarray) -> np.ndarray:
        """Indices of the oldest open cases in channel ``ch`` within capacity."""
        waiting = np.flatnonzero((self.channel == ch) & ~closed)
        if waiting.size == 0:
            return waiting
        if ch != 0:
            cap = int(self._capacity(rate, np.array([self.district.size]))[0])
            return waiting[np.argsort(self.opened[waiting], kind="stable")[:cap]]
        cap = self._capacity(rate, self.district_size * boost)
        d = self.district[self.owner[waiting]]
        order = np.lexsort((self.opened[waiting], d))
        d_sorted = d[order]
        first = np.searchsorted(d_sorted, d_sorted, side="left")
        rank = np.arange(d_sorted.size) - first
        return waiting[order[rank < cap[d_sorted]]]

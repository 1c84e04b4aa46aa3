"""Grand mediation (大调解): people's, administrative and judicial mediation.

Disputes arise between citizens at a rate that grows with grievance: a free citizen
(not in jail, see unrest) without an open dispute opens one with probability
base_rate + grievance_rate·G_i (sources listed in Essay 7 §2: land, demolition,
labour, doctor-patient...). Three channels process the oldest disputes first, each
step up to its capacity, at a cost per case (ledger use ``mediation``) and with a
success rate. A case is paid in full when it is processed: when the treasury cannot
pay for all the cases a channel could take, it processes only the oldest ones it can
pay for (``Government.pay_each``); the others wait in the queue, and the capacity
left unpaid is lost for the step (staff without a budget for the case). Capacities
are cases per citizen per step, kept as credit so that no rounding is lost (see
:meth:`Mediation._pick`): people's mediation per district, the others city-wide; a
district's credit it cannot use on its own empty queue is lent to the oldest cases
elsewhere.

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
A dispute still open after ``patience`` steps in the queue is abandoned (metric
``disputes_abandoned``): the citizen gives up, but the grievance stays with them
(a backlog) until a later dispute of theirs is resolved or, each step with
probability 1/``patience``, it fades (on average they carry it as long as they
were prepared to wait; an assumption). Citizens with an open or
abandoned dispute carry ``grievance_weight`` extra grievance. Disabled: no disputes.
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
        self.backlog = np.zeros(district.size, dtype=bool)  # carries an abandoned grievance
        # capacity not yet used up as whole cases: people's per district, the others city-wide
        self.carry = [np.zeros(districts), np.zeros(1), np.zeros(1)]
        self.resolved = 0
        self.abandoned = 0
        self.resolution_time = float("nan")
        self.cost = 0.0

    @property
    def open_count(self) -> int:
        """Disputes open now."""
        return int(self.owner.size)

    def open_mask(self, n: int) -> np.ndarray:
        """True for citizens with an open dispute."""
        out = np.zeros(n, dtype=bool)
        out[self.owner] = True
        return out

    def pressure(self, n: int) -> np.ndarray:
        """1 for citizens with an unresolved grievance (an open or an abandoned dispute), else 0."""
        return (self.open_mask(n) | self.backlog).astype(float)

    def step(self, grievance: np.ndarray, t: int, boost: np.ndarray, government,
             labour: np.ndarray | None = None, jailed: np.ndarray | None = None) -> None:
        """New disputes, then each channel processes its oldest cases; the patient give up.

        ``boost[d]`` multiplies district d's people's-mediation capacity (early warning);
        ``labour`` marks citizens who bring a labour dispute this step (collective
        bargaining); they join the queue like any other dispute. ``jailed`` citizens
        (unrest) open no disputes.
        """
        self.resolved, self.abandoned, self.resolution_time, self.cost = 0, 0, float("nan"), 0.0
        if not self.enabled:
            return
        p = self.params
        n = grievance.size
        free = ~self.open_mask(n)
        if jailed is not None:
            free &= ~jailed
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
            paid = government.pay_each(cost, picked.size, "mediation")
            if paid < picked.size:  # the treasury pays for the oldest cases; the rest wait
                picked = picked[np.argsort(self.opened[picked], kind="stable")[:paid]]
            self.cost += cost * paid
            ok = self.rng.random(picked.size) < success
            closed[picked[ok]] = True
            self.backlog[self.owner[picked[ok]]] = False  # resolved: the old grievance goes too
            success_age.append(t - self.opened[picked[ok]])
            failed = picked[~ok]
            if ch == 2:
                closed[failed] = True  # judicial outcomes are final
            else:
                self.channel[failed] = ch + 1  # referral (linkage) or going to court (no linkage)
        ages = np.concatenate(success_age) if success_age else np.zeros(0)
        self.resolved = int(ages.size)
        if ages.size:
            self.resolution_time = float(ages.mean())
        # an old grievance fades after `patience` steps on average (geometric)
        held = np.flatnonzero(self.backlog)
        self.backlog[held[self.rng.random(held.size) < 1.0 / p.patience]] = False
        # after `patience` steps in the queue people give up; the grievance stays with them
        gave_up = ~closed & (t - self.opened >= p.patience - 1)
        self.backlog[self.owner[gave_up]] = True
        self.abandoned = int(gave_up.sum())
        keep = ~(closed | gave_up)
        self.owner, self.opened = self.owner[keep], self.opened[keep]
        self.channel = self.channel[keep]

    def _pick(self, ch: int, rate: float, boost: np.ndarray, closed: np.ndarray) -> np.ndarray:
        """Indices of the cases channel ``ch`` takes this step, oldest first, within capacity.

        Capacity is credit in cases: each step a unit earns rate·size (people's mediation:
        per district, × boost; the others: one city-wide unit). It takes as many of its own
        oldest cases as its whole credit allows; credit it could not use because its own
        queue is empty is lent to the oldest cases left anywhere (people's mediation: the
        grand-mediation network refers cases to committees with time). Credit is kept up
        to max(1 case, one step's capacity). So a unit with a queue handles exactly
        rate·size cases per step over time at any N, and small units are not starved by
        rounding.
        """
        size = rate * (self.district_size * boost if ch == 0 else np.array([self.district.size]))
        credit = self.carry[ch] + size
        waiting = np.flatnonzero((self.channel == ch) & ~closed)
        unit = self.district[self.owner[waiting]] if ch == 0 else np.zeros(waiting.size, int)
        order = np.lexsort((self.opened[waiting], unit))  # by unit, oldest first
        u_sorted = unit[order]
        rank = np.arange(u_sorted.size) - np.searchsorted(u_sorted, u_sorted, side="left")
        own = rank < np.floor(credit + 1e-9)[u_sorted]
        credit -= np.bincount(u_sorted[own], minlength=credit.size)
        idle = np.bincount(u_sorted[~own], minlength=credit.size) == 0
        left = order[~own]
        left = left[np.argsort(self.opened[waiting[left]], kind="stable")]
        spare = credit[idle].sum()
        lent = left[:int(np.floor(spare + 1e-9))]
        if lent.size:  # idle units pay in proportion to their credit
            credit[idle] -= lent.size * credit[idle] / spare
        self.carry[ch] = np.minimum(credit, np.maximum(1.0, size))
        return np.concatenate([waiting[order[own]], waiting[lent]])

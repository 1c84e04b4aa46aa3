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

The full procedure (Essay 4 §3, Essay 6: 受理登记、首问负责、联动联调、定期回访、调处督办、
责任查究; docs/model.md 7.14a), each part off by default:

- ``recurrence``: a share of the agreements reached by people's or administrative
  mediation does not hold and the dispute comes back ``recurrence_lag`` steps later
  (metric ``disputes_recurred``); 0 by default (resolutions hold).
- ``deadlines``: a case that waited its channel's deadline is escalated to the next
  channel (the courts grant an extension) and counts against the channel (metric
  ``disputes_overdue``).
- ``follow_up``: every resolution is visited ``lag`` steps later, at a cost per visit
  (ledger use ``follow_up``); a visit catches an agreement that did not hold, so it
  does not recur.
- ``accountability``: each unit's capacity is multiplied by an effort that rises with
  its overdue cases per 1,000 citizens it serves, decays, and is capped.
- ``petitions`` (信访): a citizen whose case failed in court or who gave up petitions,
  at a cost per petition (ledger use ``petitions``); a few petitions solve the problem,
  the others leave the petitioner with extra grievance until it fades (metric
  ``petitions``).
"""

from __future__ import annotations

import numpy as np

from ..mechanism import Mechanism, metric

CHANNELS = ("people", "admin", "judicial")


@metric("open disputes", "count", 0)
def disputes_open(m) -> int:
    """Disputes open at the end of the step."""
    return m.mediation.open_count


@metric("open disputes per 1,000 citizens", "per 1,000 citizens", 0)
def disputes_open_per_1000(m) -> float:
    """Disputes open at the end of the step, per 1,000 citizens (``disputes_open`` scaled:
    the count grows with the population, this does not; issue 22)."""
    return 1000.0 * m.mediation.open_count / m.citizens.n


@metric("disputes resolved", "count per step", 0)
def disputes_resolved(m) -> int:
    """Disputes resolved this step."""
    return m.mediation.resolved


@metric("disputes abandoned", "count per step", 0)
def disputes_abandoned(m) -> int:
    """Disputes given up this step after waiting ``patience`` steps (the grievance stays)."""
    return m.mediation.abandoned


@metric("time to resolve a dispute", "steps", 0)
def resolution_time(m) -> float:
    """Mean age in steps of the disputes resolved this step (NaN if none)."""
    return m.mediation.resolution_time


@metric("overdue disputes", "per 1,000 citizens per step", 0)
def disputes_overdue(m) -> float:
    """Cases past their channel's deadline this step, per 1,000 citizens (7.14a)."""
    return 1000.0 * m.mediation.overdue / m.citizens.n


@metric("recurred disputes", "per 1,000 citizens per step", 0)
def disputes_recurred(m) -> float:
    """Resolved disputes that came back this step, per 1,000 citizens (7.14a)."""
    return 1000.0 * m.mediation.recurred / m.citizens.n


@metric("petitions", "per 1,000 citizens per step", 0)
def petitions(m) -> float:
    """Petitions lodged this step, per 1,000 citizens (7.14a)."""
    return 1000.0 * m.mediation.petitions / m.citizens.n


@metric("mediation cost", "money per step", 0)
def mediation_cost(m) -> float:
    """Money spent on mediation this step."""
    return m.mediation.cost


class Mediation(Mechanism):
    """The dispute queue and its three channels; phase :meth:`step`, equations :meth:`update`."""

    name = "mediation"
    headline = ("disputes_open", "resolution_time")
    reads = ("scenario", "citizens", "responding", "joint_mediation", "government",
             "disputing", "jailed", "appealing", "law_legitimacy", "dispute_pressure", "t")
    writes = ("open_disputes", "dispute_pressure", "citizens.grievance")
    metrics = (disputes_open, disputes_resolved, disputes_abandoned, resolution_time,
               mediation_cost, disputes_overdue, disputes_recurred, petitions,
               disputes_open_per_1000)

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
        self.entered = np.zeros(0, dtype=np.int64)  # step each case entered its channel
        self.backlog = np.zeros(district.size, dtype=bool)  # carries an abandoned grievance
        self.petitioning = np.zeros(district.size, dtype=bool)  # carries a failed petition
        # capacity not yet used up as whole cases: people's per district, the others city-wide
        self.carry = [np.zeros(districts), np.zeros(1), np.zeros(1)]
        self.effort = [np.ones(districts), np.ones(1), np.ones(1)]  # accountability
        # resolutions still to be visited or that may come back: owner, step, holds or not
        self.settled = np.zeros(0, dtype=np.int64)
        self.settled_at = np.zeros(0, dtype=np.int64)
        self.fragile = np.zeros(0, dtype=bool)
        self.resolved = 0
        self.abandoned = 0
        self.overdue = 0
        self.recurred = 0
        self.petitions = 0
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
        """1 for citizens with an unresolved grievance (an open or an abandoned dispute), else 0;
        a petitioner whose petition failed carries ``petitions.grievance`` more."""
        out = (self.open_mask(n) | self.backlog).astype(float)
        if self.params.petitions.enabled:
            out += self.params.petitions.grievance * self.petitioning
        return out

    def update(self, grievance: np.ndarray, t: int, boost: np.ndarray, government,
             labour: np.ndarray | None = None, jailed: np.ndarray | None = None,
             appeals: np.ndarray | None = None) -> None:
        """New disputes, then each channel processes its oldest cases; the patient give up.

        ``boost[d]`` multiplies district d's people's-mediation capacity (early warning);
        ``labour`` marks citizens who bring a labour dispute this step (collective
        bargaining); they join the queue like any other dispute. ``jailed`` citizens
        (unrest) open no disputes. ``appeals`` marks citizens appealing a government
        decision this step (law-based governance, 7.22): their case enters at the judicial
        channel.
        """
        self.resolved, self.abandoned, self.resolution_time, self.cost = 0, 0, float("nan"), 0.0
        self.overdue, self.recurred, self.petitions = 0, 0, 0
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
        if appeals is not None:
            arising |= appeals
        coming_back = self._follow_up(t, n, government)
        if coming_back is not None:
            self.recurred = int((free & coming_back).sum())
            arising |= coming_back
        new = np.flatnonzero(free & arising)
        self.owner = np.concatenate([self.owner, new])
        self.opened = np.concatenate([self.opened, np.full(new.size, t)])
        self.entered = np.concatenate([self.entered, np.full(new.size, t)])
        entry = np.full(new.size, 0 if self.linkage else 1, dtype=np.int8)
        if appeals is not None:
            entry[appeals[new]] = 2  # an appeal goes to the courts
        self.channel = np.concatenate([self.channel, entry])
        closed, failed_court = self._process(t, boost, government)
        # an old grievance fades after `patience` steps on average (geometric)
        held = np.flatnonzero(self.backlog)
        self.backlog[held[self.rng.random(held.size) < 1.0 / p.patience]] = False
        # after `patience` steps in the queue people give up; the grievance stays with them
        gave_up = ~closed & (t - self.opened >= p.patience - 1)
        self.backlog[self.owner[gave_up]] = True
        self.abandoned = int(gave_up.sum())
        self._hold_to_account(self._deadlines(t, ~(closed | gave_up)))
        self._petition(np.concatenate([failed_court, self.owner[gave_up]]), government)
        keep = ~(closed | gave_up)
        self.owner, self.opened = self.owner[keep], self.opened[keep]
        self.channel, self.entered = self.channel[keep], self.entered[keep]

    def _process(self, t: int, boost: np.ndarray, government) -> tuple[np.ndarray, np.ndarray]:
        """Each channel takes its oldest cases within capacity and pays for them; returns the
        mask of closed cases and the citizens whose case failed in court."""
        p = self.params
        closed = np.zeros(self.owner.size, dtype=bool)
        success_age, failed_court = [], np.zeros(0, dtype=np.int64)
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
            self.petitioning[self.owner[picked[ok]]] = False
            success_age.append(t - self.opened[picked[ok]])
            self._settle(self.owner[picked[ok]], t, agreement=ch < 2)
            failed = picked[~ok]
            if ch == 2:
                closed[failed] = True  # judicial outcomes are final
                failed_court = self.owner[failed]
            else:
                self.channel[failed] = ch + 1  # referral (linkage) or going to court (no linkage)
                self.entered[failed] = t
        ages = np.concatenate(success_age) if success_age else np.zeros(0)
        self.resolved = int(ages.size)
        if ages.size:
            self.resolution_time = float(ages.mean())
        return closed, failed_court

    # ------------------------------------------------- the full procedure (7.14a)
    def _settle(self, owners: np.ndarray, t: int, agreement: bool) -> None:
        """Log resolutions for follow-up and recurrence. A mediated agreement (people's or
        administrative) fails to hold with probability ``recurrence``; court judgments are
        enforced and hold. Nothing is drawn or logged when neither part is on."""
        p = self.params
        if owners.size == 0 or not (p.recurrence > 0 or p.follow_up.enabled):
            return
        if agreement and p.recurrence > 0:
            fragile = self.rng.random(owners.size) < p.recurrence
        else:
            fragile = np.zeros(owners.size, dtype=bool)
        self.settled = np.concatenate([self.settled, owners])
        self.settled_at = np.concatenate([self.settled_at, np.full(owners.size, t)])
        self.fragile = np.concatenate([self.fragile, fragile])

    def _follow_up(self, t: int, n: int, government) -> np.ndarray | None:
        """Follow-up visits (回访) of the resolutions reached ``follow_up.lag`` steps ago, as
        many as the treasury pays for, oldest first: a visit catches an agreement that did not
        hold (it is re-mediated on the spot). Agreements that did not hold and were not caught
        come back ``recurrence_lag`` steps after they were reached. Returns the mask of
        citizens whose dispute comes back this step (None when nothing is logged)."""
        p = self.params
        if self.settled.size == 0:
            return None
        age = t - self.settled_at
        drop = np.zeros(self.settled.size, dtype=bool)
        if p.follow_up.enabled:
            due = np.flatnonzero(age == p.follow_up.lag)  # logged in step order: oldest first
            paid = government.pay_each(p.follow_up.cost, due.size, "follow_up")
            self.cost += p.follow_up.cost * paid
            drop[due[:paid]] = True  # visited: caught if it did not hold, done if it did
        back = ~drop & self.fragile & (age >= p.recurrence_lag)
        out = np.zeros(n, dtype=bool)
        out[self.settled[back]] = True
        later = p.follow_up.lag if p.follow_up.enabled else 0
        keep = ~(drop | back | (~self.fragile & (age >= later)))  # held, and no visit due
        self.settled, self.settled_at = self.settled[keep], self.settled_at[keep]
        self.fragile = self.fragile[keep]
        return out
    def _deadlines(self, t: int, waiting: np.ndarray) -> list[np.ndarray] | None:
        """Cases still waiting that have waited their channel's deadline (in processing
        rounds, as patience) are overdue: escalated to the next channel, or at the courts
        given an extension (the clock restarts). Returns the overdue mask of each channel
        (None without deadlines)."""
        d = self.params.deadlines
        if not d.enabled:
            return None
        limit = np.array([d.people, d.admin, d.judicial])[self.channel]
        overdue = waiting & (t - self.entered >= limit - 1)
        self.overdue = int(overdue.sum())
        by_channel = [overdue & (self.channel == ch) for ch in range(3)]
        self.channel[overdue & (self.channel < 2)] += 1
        self.entered[overdue] = t + 1
        return by_channel

    def _hold_to_account(self, overdue: list[np.ndarray] | None) -> None:
        """Supervision and accountability (调处督办、责任查究): each unit's effort e (a
        multiplier of its capacity) decays towards 1 and rises with its overdue cases per
        1,000 citizens it serves, o: e <- min(max_effort, 1 + (e - 1)(1 - decay) + rate·o)."""
        a = self.params.accountability
        if not a.enabled or overdue is None:  # without deadlines nothing is overdue
            return
        for ch, late in enumerate(overdue):
            if ch == 0:
                count = np.bincount(self.district[self.owner[late]],
                                    minlength=self.district_size.size)
                served = self.district_size
            else:
                count, served = np.array([late.sum()]), np.array([self.district.size])
            per_1000 = 1000.0 * count / np.maximum(served, 1)
            self.effort[ch] = np.minimum(
                a.max_effort, 1.0 + (self.effort[ch] - 1.0) * (1.0 - a.decay) + a.rate * per_1000)

    def _petition(self, failed: np.ndarray, government) -> None:
        """Petitions (信访): each citizen whose case failed in court or who gave up petitions
        with probability ``propensity``; the office handles as many as the treasury pays for
        and solves a share ``success`` of them (the grievance goes); the others carry the
        petition's grievance until it fades (probability 1/patience per step, as a backlog)."""
        q = self.params.petitions
        if not q.enabled:
            return
        held = np.flatnonzero(self.petitioning)
        self.petitioning[held[self.rng.random(held.size) < 1.0 / self.params.patience]] = False
        lodged = failed[self.rng.random(failed.size) < q.propensity]
        self.petitions = int(lodged.size)
        paid = government.pay_each(q.cost, lodged.size, "petitions")
        self.cost += q.cost * paid
        solved = np.zeros(lodged.size, dtype=bool)
        solved[:paid] = self.rng.random(paid) < q.success
        self.petitioning[lodged[~solved]] = True
        self.backlog[lodged[solved]] = False
        self.petitioning[lodged[solved]] = False

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
        if self.params.accountability.enabled:
            size = size * self.effort[ch]
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

    @classmethod
    def build(cls, ctx):
        s = ctx.scenario
        unit = cls(s.mechanisms.mediation, s.governance.collaboration, ctx.citizens.district,
                   ctx.districts, ctx.stream("mediation"))
        unit.publish(ctx)
        return unit

    def reform(self, ctx, params) -> None:
        super().reform(ctx, params)
        collaboration = ctx.scenario.governance.collaboration
        self.linkage = collaboration if params.linkage == "auto" else params.linkage == "on"

    def publish(self, ctx) -> None:
        ctx.open_disputes = self.open_mask(ctx.n)
        ctx.dispute_pressure = self.pressure(ctx.n)

    def step(self, ctx) -> None:
        """Disputes on the grievance citizens carry into the step (7.14); grievance then
        counts the disputes as mediation left them."""
        if not self.enabled:
            return
        ctx.update_grievance()
        boost = (1.0 + ctx.scenario.mechanisms.early_warning.mediation_boost * ctx.responding) \
            * ctx.joint_mediation
        self.update(ctx.citizens.grievance, ctx.t, boost, ctx.government, ctx.disputing,
                    ctx.jailed, ctx.appealing)  # jailed citizens open none
        self.publish(ctx)
        ctx.update_grievance()



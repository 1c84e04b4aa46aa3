"""Social credit: graded supervision, blacklists, and information sharing (Essay 5).

Every buyer of NGO projects (each hub, and the government department where it
buys itself) keeps a credit record of each NGO, starting at 1. At the start of a
step each buyer may inspect each NGO it paid in the previous step; supervision is
graded by credit (低信用多查, 高信用少查): the inspection probability is
``inspect_max`` − (``inspect_max`` − ``inspect_min``)·credit. One step's delivery
is one observation: buyers sharing a record that choose to inspect the same NGO in
the same step make one joint inspection (the record is updated once, not once per
buyer). Each inspection costs ``inspection_cost`` per citizen of the NGO's cell
(ledger use ``inspection``), paid in full or not done. An inspection reveals the
share of the promised service delivered (1 for an honest NGO, 1 − shirk for an
opportunist, see ``organizations.opportunists``) and updates the record,
credit ← (1 − ``learning``)·credit + ``learning``·share. A buyer blacklists an NGO
whose credit falls below ``threshold`` and pays it nothing from then on.

``sharing: on``: all buyers keep one shared record and one blacklist, so an NGO
caught once is excluded everywhere ("fail once, constrained everywhere",
一处失信、处处受制). ``off``: each buyer knows only its own inspections. Disabled:
no inspections, records or blacklists (NGO credit then follows citizens' uptake).

Enterprises (``enterprises: on``, with the firm layer of collective bargaining):
the labour authority keeps one record per firm, starting at 1, and inspects each
firm each step with the same graded probability, at ``inspection_cost`` per worker
(``collective_bargaining.firm_size`` workers a firm). An inspection reveals
whether the firm breached its labour obligations this step and sets
credit ← (1 − ``learning``)·credit + ``learning``·(0 if it breached, else 1). A firm
caught breaching with credit below ``threshold`` is sanctioned: joint punishment makes it
rectify, closing a share ``rectification`` of its compliance gap for good, and its
record is restored to 1 (credit repair, 信用修复). This is a government instrument,
available under either regime.

Extensions (docs/model.md 7.16a, each off by default, all need ``enabled``):

* ``budget`` B > 0 caps the programme at B per citizen per step (0: no cap). With
  ``rewards`` on, a share ``rewards.share`` of it is the reward pot and the rest pays
  inspections; a capped step inspects in random order until its money is used, and
  inspection money a step leaves unspent carries over (up to one step's allowance).
* ``rewards`` (守信激励): the pot is split equally among the kinds of actor that
  keep records (NGOs, firms, citizens). NGOs with credit ≥ ``rewards.threshold``
  get a rebate in proportion to last step's contract money (lower costs); firms
  with credit ≥ the threshold share their part equally (per worker). Ledger use
  ``credit_reward``. Rewards make keeping faith pay: each step a funded opportunist
  NGO reforms (becomes honest) with probability ``reform``·min(1, q/shirk), q the
  rebate per unit of money; every firm closes a share ``reform``·min(1, q_f/stake) of
  its compliance gap, q_f the reward per worker and stake the money per worker a
  breach withholds.
* ``citizens``: a co-production record per citizen, r ← (1 − λ_c)·r + λ_c·s (s = 1
  contributes, 0 defects): defection lowers it, contributing restores it. Citizens
  below ``threshold`` lose the co-production subsidy (失信约束); with rewards,
  contributors at or above ``rewards.threshold`` share the citizens' part of the pot.
* ``government``: a record per district department, g ← (1 − λ_g)·g + λ_g·kept,
  kept = (share of need met)·(1 − share of citizens with an open dispute); trust in
  government then falls faster there by the factor 1 + ``weight``·(1 − g).
* ``association``: inspections are graded by (1 − w)·own record + w·the mean record
  of the actor's association (an NGO's hub; firms under the same district's
  collective contracts), w = ``association.weight``.
"""

from __future__ import annotations

import math

import numpy as np

from ..mechanism import Mechanism, metric

SHARED = "shared"


@metric("blacklisted NGOs", "count", 0)
def blacklisted(m) -> int:
    """NGOs on at least one buyer's blacklist."""
    return m.credit.blacklisted(m.ngos)


@metric("firms sanctioned", "count per step", 0)
def firm_sanctions(m) -> int:
    """Firms sanctioned by labour inspection this step (enterprise social credit)."""
    return m.credit.firm_sanctions


@metric("credit rewards paid", "money per 1,000 citizens per step", 0)
def rewards_paid(m) -> float:
    """Social-credit rewards paid this step per 1,000 citizens (7.16a)."""
    return 1000.0 * m.credit.rewards_paid / m.citizens.n


@metric("credit programme spending", "money per 1,000 citizens per step", 0)
def credit_spend(m) -> float:
    """Social credit's inspections and rewards this step per 1,000 citizens (7.16, 7.16a)."""
    return 1000.0 * m.credit.spent / m.citizens.n


@metric("citizens' credit", "index", 0, 1)
def citizen_credit_mean(m) -> float:
    """Mean of citizens' co-production credit records (NaN when citizens' credit is off)."""
    r = m.credit.citizen_credit
    return float(r.mean()) if r is not None else math.nan


@metric("government bodies' credit", "index", 0, 1)
def government_credit(m) -> float:
    """Mean record of the district departments, weighted by citizens (NaN when off)."""
    g = m.credit.government_credit
    return float(g[m.citizens.district].mean()) if g is not None else math.nan


class SocialCredit(Mechanism):
    """Records, inspections, blacklists and rewards. Its phase :meth:`step` supervises NGOs
    (and :meth:`eligible` guards purchases); :class:`FirmCredit`, :class:`CitizenCredit` and
    :class:`GovernmentCredit` are its other phases (:meth:`inspect_firms`,
    :meth:`reward_firms`, :meth:`citizens_step`, :meth:`government_step`, 7.16a)."""

    name = "credit"
    headline = ("ngo_default_rate", "blacklisted")
    reads = ("scenario", "ngos", "government", "headcount", "firms")
    writes = ("ngo_credit", "ngo_eligible", "ngos")
    metrics = (blacklisted, firm_sanctions, rewards_paid, credit_spend, citizen_credit_mean,
               government_credit)

    def __init__(self, params, rng: np.random.Generator):
        self.params = params
        self.enabled = params.enabled
        self.rng = rng
        self.records: dict = {}  # book -> {ngo unique_id: credit}
        self.blacklists: dict = {}  # book -> set of ngo unique_ids
        self.inspections = 0
        self.firm_credit = None  # the labour authority's record per firm (enterprises)
        self.firm_sanctions = 0
        self.spent = 0.0  # this step's inspections and rewards
        self.rewards_paid = 0.0  # this step's rewards
        self.citizen_credit = None  # per citizen (citizens' records)
        self.government_credit = None  # per district department (government records)
        self._inspection_left = np.inf  # inspection money left this step (budget)
        self._pot = 0.0  # reward money per kind of actor this step

    def _open(self, citizens: float, kinds: int) -> None:
        """Split this step's budget between inspections and rewards."""
        p = self.params
        self.spent = self.rewards_paid = 0.0
        if p.budget <= 0:
            self._inspection_left, self._pot = np.inf, 0.0
            return
        pot = p.budget * citizens * p.rewards.share if p.rewards.enabled else 0.0
        allowance = p.budget * citizens - pot
        # inspections are lumpy: what a step leaves unspent carries over (at most one step's
        # allowance), so over a run inspections spend their whole allowance when they need it
        carry = 0.0 if np.isinf(self._inspection_left) else min(self._inspection_left, allowance)
        self._inspection_left = allowance + carry
        self._pot = pot / kinds if kinds else 0.0

    def _pay_inspection(self, government, amount: float) -> bool:
        """One inspection, paid in full from the treasury and the budget, or not made."""
        if amount > self._inspection_left or not government.pay_all(amount, "inspection"):
            return False
        self._inspection_left -= amount
        self.spent += amount
        return True

    def _pay_reward(self, government) -> float:
        """This step's reward money for one kind of actor (as far as the treasury holds it)."""
        paid = government.pay(self._pot, "credit_reward")
        self.spent += paid
        self.rewards_paid += paid
        return paid

    def kinds(self, ngos, firms: int) -> int:
        """Kinds of actor that share the reward pot: NGOs, firms, citizens."""
        p = self.params
        return (bool(ngos) + bool(p.enterprises and firms > 0) + bool(p.citizens.enabled))

    def book(self, buyer):
        """Whose record a buyer consults: the shared one, or its own."""
        return SHARED if self.params.sharing else buyer.unique_id

    def credit(self, buyer, ngo) -> float:
        """The buyer's view of an NGO's credit."""
        return self.records.get(self.book(buyer), {}).get(ngo.unique_id, 1.0)

    def eligible(self, buyer, ngo) -> bool:
        """False once the buyer's book blacklists the NGO."""
        return ngo.unique_id not in self.blacklists.get(self.book(buyer), set())

    def blacklisted(self, ngos) -> int:
        """NGOs on at least one blacklist."""
        ids = {g.unique_id for g in ngos}
        return len(ids & set().union(*self.blacklists.values())) if self.blacklists else 0

    def update(self, ngos, government, headcount: np.ndarray, firms: int = 0) -> None:
        """Inspect last step's projects, update records and blacklists.

        Each book inspects an NGO it paid at most once a step: one NGO's delivery last
        step is one observation, so the shared book learns from it once however many
        buyers paid the NGO (each buyer's own book under ``sharing: off``). Inspections
        stop, unpaid, when the treasury (or the credit budget) cannot pay for one more.
        ``headcount``: citizens per cell; ``firms``: how many firms keep records. Then
        pays NGOs' rewards (7.16a).
        """
        self.inspections = 0
        if not self.enabled:
            return
        p = self.params
        self._open(float(headcount.sum()), self.kinds(ngos, firms))
        broke = False
        order = self.rng.permutation(len(ngos)) if p.budget > 0 else range(len(ngos))
        for ngo in (ngos[i] for i in order):
            if ngo.promised <= 0 or broke:
                continue
            delivered = ngo.service / ngo.promised
            books: dict = {}  # book -> how many of its buyers paid the NGO (funders' order)
            for b in ngo.funders:
                books[self.book(b)] = books.get(self.book(b), 0) + 1
            for book, buyers in books.items():
                c = self.records.get(book, {}).get(ngo.unique_id, 1.0)
                chance = p.inspect_max - (p.inspect_max - p.inspect_min) * self._graded(book, ngo, c)
                if not (self.rng.random(buyers) < chance).any():
                    continue  # none of the book's buyers chose to inspect
                if not self._pay_inspection(government, p.inspection_cost * headcount[ngo.cell]):
                    broke = True  # no money left for supervision this step
                    break
                self.inspections += 1
                new = (1 - p.learning) * c + p.learning * delivered
                self.records.setdefault(book, {})[ngo.unique_id] = new
                if new < p.threshold:
                    self.blacklists.setdefault(book, set()).add(ngo.unique_id)
        for ngo in ngos:
            books = [b for b in self.records if ngo.unique_id in self.records[b]]
            ngo.credit = (float(np.mean([self.records[b][ngo.unique_id] for b in books]))
                          if books else 1.0)
        if p.rewards.enabled:
            self._reward_ngos(ngos, government)

    def _graded(self, book, ngo, own: float) -> float:
        """The credit supervision is graded by: the NGO's own record, or blended with its
        hub's (its industry association's) mean record in the same book."""
        a = self.params.association
        if not (a.enabled and ngo.hub is not None):
            return own
        record = self.records.get(book, {})
        peers = np.mean([record.get(g.unique_id, 1.0) for g in ngo.hub.members])
        return (1 - a.weight) * own + a.weight * float(peers)

    def _reward_ngos(self, ngos, government) -> None:
        """Rebates to NGOs in good standing, in proportion to last step's contract money;
        every funded opportunist weighs the rebate a clean record earns against what it
        withholds (the premium it risks as long as it shirks)."""
        r = self.params.rewards
        good = [g for g in ngos if g.funds > 0 and g.credit >= r.threshold]
        if not good:
            return
        money = sum(g.funds for g in good)
        rate = self._pay_reward(government) / money  # rebate per unit of contract money
        tempted = [g for g in ngos if g.opportunist and g.funds > 0]
        draws = self.rng.random(len(tempted))
        for g, u in zip(tempted, draws, strict=True):
            if u < r.reform * min(1.0, rate / g.shirk if g.shirk > 0 else 1.0):
                g.opportunist = False  # keeping faith now pays better than shirking

    def inspect_firms(self, breached: np.ndarray, government, firm_size: float,
                      groups: np.ndarray | None = None, intensity: float = 1.0) -> np.ndarray:
        """Graded labour inspection of firms; returns the indices of firms sanctioned now.

        ``breached[f]`` says whether firm f breached its obligations this step; an
        inspection costs ``inspection_cost`` per worker, ``firm_size`` workers a firm.
        ``groups[f]``: firm f's association (-1: none), for ``association``;
        ``intensity`` (≥ 1, a rule set through consultation, 7.18a) multiplies each
        firm's inspection probability, capped at 1.
        """
        self.firm_sanctions = 0
        if not (self.enabled and self.params.enterprises):
            return np.zeros(0, dtype=np.int64)
        p = self.params
        if self.firm_credit is None:
            self.firm_credit = np.ones(breached.size)
        graded = self._graded_firms(groups)
        chance = p.inspect_max - (p.inspect_max - p.inspect_min) * graded
        if intensity != 1.0:
            chance = np.minimum(1.0, intensity * chance)
        inspected = np.flatnonzero(self.rng.random(breached.size) < chance)
        unit = p.inspection_cost * firm_size
        if p.budget > 0:  # a capped budget: random order, as many as it covers
            inspected = self.rng.permutation(inspected)
            if unit > 0:
                inspected = inspected[:int(np.floor(self._inspection_left / unit + 1e-10))]
        inspected = inspected[:government.pay_each(unit, inspected.size, "inspection")]
        self._inspection_left -= unit * inspected.size
        self.spent += unit * inspected.size
        c = self.firm_credit
        c[inspected] = (1 - p.learning) * c[inspected] + p.learning * ~breached[inspected]
        sanctioned = inspected[breached[inspected] & (c[inspected] < p.threshold)]
        c[sanctioned] = 1.0  # rectified: the record is repaired
        self.firm_sanctions = int(sanctioned.size)
        return sanctioned

    def _graded_firms(self, groups: np.ndarray | None) -> np.ndarray:
        """Firms' own records, or blended with their association's mean record."""
        a, c = self.params.association, self.firm_credit
        if not (a.enabled and groups is not None and (groups >= 0).any()):
            return c
        member = groups >= 0
        size = np.bincount(groups[member], minlength=groups.max() + 1)
        mean = np.bincount(groups[member], weights=c[member], minlength=size.size) / \
            np.maximum(size, 1)
        return np.where(member, (1 - a.weight) * c + a.weight * mean[np.maximum(groups, 0)], c)

    def reward_firms(self, government, firm_size: float, stake: float):
        """Rewards to firms in good standing, equal per firm; returns (firms, shares): every
        firm closes the same share of its compliance gap, the reward per worker against what
        a breach withholds per worker (``stake``)."""
        none = np.zeros(0, dtype=np.int64), np.zeros(0)
        r = self.params.rewards
        if not (self.enabled and self.params.enterprises and r.enabled) or \
                self.firm_credit is None:
            return none
        good = self.firm_credit >= r.threshold
        if not good.any():
            return none
        per_worker = self._pay_reward(government) / (good.sum() * firm_size)
        share = r.reform * min(1.0, per_worker / stake) if stake > 0 else r.reform
        return np.arange(good.size), np.full(good.size, share)

    def citizens_step(self, strategy: np.ndarray, government):
        """Citizens' co-production records: returns (bonus, eligible) for this round.

        ``bonus``: reward money per citizen (paid here, ledger ``credit_reward``) to
        contributors with a record at or above ``rewards.threshold``; ``eligible``: 1
        where the record is at or above ``threshold`` (others lose the subsidy). Then
        the record learns this round's strategy. (None, None) when off.
        """
        p = self.params
        if not (self.enabled and p.citizens.enabled):
            return None, None
        if self.citizen_credit is None:
            self.citizen_credit = np.ones(strategy.size)
        r = self.citizen_credit
        eligible = (r >= p.threshold).astype(float)
        bonus = np.zeros(strategy.size)
        winners = (r >= p.rewards.threshold) & (strategy > 0)
        if p.rewards.enabled and winners.any():
            bonus[winners] = self._pay_reward(government) / winners.sum()
        lam = p.citizens.learning
        self.citizen_credit = (1 - lam) * r + lam * (strategy > 0)
        return bonus, eligible

    def government_step(self, district: np.ndarray, need: np.ndarray, received: np.ndarray,
                        disputing: np.ndarray, districts: int):
        """Departments' records from the commitments they kept; returns the factor per
        citizen on the loss rate of trust in government (None when off).

        kept_d = (Σ received / Σ need, capped at 1)·(1 − share of d's citizens with an
        open dispute); g_d ← (1 − λ_g)·g_d + λ_g·kept_d; factor 1 + weight·(1 − g_d).
        """
        p = self.params
        if not (self.enabled and p.government.enabled):
            return None
        if self.government_credit is None:
            self.government_credit = np.ones(districts)
        size = np.bincount(district, minlength=districts)
        want = np.bincount(district, weights=need, minlength=districts)
        got = np.bincount(district, weights=np.minimum(received, need), minlength=districts)
        met = np.divide(got, want, out=np.ones(districts), where=want > 0)
        open_share = np.divide(np.bincount(district, weights=disputing, minlength=districts),
                               size, out=np.zeros(districts), where=size > 0)
        g, lam = self.government_credit, p.government.learning
        self.government_credit = (1 - lam) * g + lam * np.minimum(met, 1.0) * (1 - open_share)
        return 1.0 + p.government.weight * (1.0 - self.government_credit[district])

    @classmethod
    def build(cls, ctx):
        unit = cls(ctx.scenario.mechanisms.credit, ctx.stream("credit"))
        if unit.enabled:
            ctx.ngo_credit, ctx.ngo_eligible = unit.credit, unit.eligible
        return unit

    def reform(self, ctx, params) -> None:
        super().reform(ctx, params)
        on = self.enabled
        ctx.ngo_credit, ctx.ngo_eligible = (self.credit, self.eligible) if on else (None, None)

    def step(self, ctx) -> None:
        """Supervision of last step's projects and enterprises (7.16)."""
        self.update(ctx.ngos, ctx.government, ctx.headcount, ctx.firms)


class CreditPhase(Mechanism):
    """A further phase of social credit: it acts on the records of :class:`SocialCredit`."""

    def __init__(self, credit: SocialCredit):
        self.credit = credit

    @classmethod
    def build(cls, ctx):
        return cls(ctx.units["credit"])


class FirmCredit(CreditPhase):
    """Enterprise credit (7.16, 7.16a), right after collective bargaining: labour inspection
    of this step's breaches, sanctioned firms rectify; then rewards, and unrewarded firms
    reform. A phase of :class:`SocialCredit` (its records)."""

    name = "firm_credit"
    reads = ("scenario", "citizens", "government", "bargaining", "inspection", "t")
    writes = ("bargaining.breached",)  # acts on the enterprises' books, not the signal

    def step(self, ctx) -> None:
        bargaining = ctx.bargaining
        if bargaining is None:
            return
        mech, credit = ctx.scenario.mechanisms, self.credit
        size = mech.collective_bargaining.firm_size
        groups = bargaining.associations(ctx.t) if mech.credit.association.enabled else None
        bargaining.rectify(credit.inspect_firms(bargaining.breached, ctx.government, size,
                                                groups, ctx.inspection),
                           mech.credit.rectification)
        # what a breach withholds per worker: the hardship share of a worker's mean need
        stake = mech.collective_bargaining.hardship * float(ctx.citizens.base_need.mean())
        bargaining.rectify(*credit.reward_firms(ctx.government, size, stake))


class CitizenCredit(CreditPhase):
    """Citizens' co-production records (7.16a), before co-production: the bonus of good
    records and who keeps the subsidy. A phase of :class:`SocialCredit`."""

    name = "citizen_credit"
    reads = ("citizens", "government")
    writes = ("credit_bonus", "credit_eligible")

    def step(self, ctx) -> None:
        ctx.credit_bonus, ctx.credit_eligible = self.credit.citizens_step(ctx.citizens.strategy,
                                                                          ctx.government)


class GovernmentCredit(CreditPhase):
    """Government departments' records of kept commitments (7.16a), before trust learns:
    the factor on the loss rate of trust in government. A phase of :class:`SocialCredit`."""

    name = "government_credit"
    reads = ("scenario", "citizens", "open_disputes")
    writes = ("trust_loss",)

    def reform(self, ctx, params) -> None:
        credit = ctx.scenario.mechanisms.credit
        if not (credit.enabled and credit.government.enabled):
            ctx.trust_loss = None  # records switched off: trust loses at its own rate

    def step(self, ctx) -> None:
        credit = self.credit
        if not (credit.enabled and credit.params.government.enabled):
            return
        c = ctx.citizens
        ctx.trust_loss = credit.government_step(c.district, c.need, c.received,
                                                ctx.open_disputes, ctx.districts)

"""A multi-level emergency collaboration network (应急处置协同网络; Essay 2 §5, docs/model.md 7.21).

Risks pile up and amplify; the essay finds that unions "have not built a multi-level
emergency collaboration network" (各地工会并未构建多层级的应急处置协同网络). This mechanism
gives the city an emergency mode for large shocks, run by four levels: the street
office of each district, the district level above it, the city, and society (hubs and
the NGOs of a district). Per step and district d (N_d citizens, N in all, B the step's
budget):

1. **Reserves.** Every step a share ``reserve`` of B is set aside (as far as the
   treasury holds it) into emergency reserves held by the levels, at most
   ``reserve_cap`` steps of budget in all: the street office of d and the district
   level hold shares ``street_share`` and ``district_share`` of the saving, each in
   proportion N_d/N, the city the rest. The reserves are ledger balances; money set
   aside is not spent until a level pays a response with it.
2. **Detection from the model's state** (never from the shock schedule): the gap the
   ordinary services leave, G_d = unmet need per citizen of d in the last step +
   the emergency service per citizen the mechanism itself bought there (added back,
   so that a response does not hide the emergency it answers). Its baseline b_d and
   the baseline need per citizen n̄_d are exponential averages,
   b_d ← b_d + ``baseline_rate``·(G_d − b_d) (n̄_d alike), kept only while d is not in
   an emergency (the warm-up teaches them; no emergency is declared before step 1).
   The jump is measured in units of the district's normal need, x_d = (G_d − b_d)/n̄_d,
   so that a shock that doubles need shows alike in a needy and a well-off district,
   and the ordinary drift of needs (7.1) rarely looks like a large shock. d enters an
   emergency when x_d > ``threshold``. The onset is the step whose outcome showed the
   jump (the step before the detection). The emergency lasts while the district's
   need or its unmet need stands above normal, y_d = (need_d − n̄_d)/n̄_d >
   ``tolerance`` or u_d = (U_d − b_d)/n̄_d > ``tolerance`` (U_d the unmet need per
   citizen the step left, response included), for at most ``max_steps`` steps from the
   onset: an emergency response is temporary, and a lasting change (a permanent loss)
   is then left to the ordinary plan. (Ending on x_d instead would feed on itself:
   the service a response over-supplies counts in G_d as if it had been needed.)
3. **Response.** A district in an emergency needs R_d = (G_d − b_d)·N_d / e_gov money
   (e_gov the efficiency of direct provision) to bring its gap back to the baseline.
   * Network off (each level alone, the source's present): counted from the
     detection, the street office pays from its own reserve after ``delay_street``
     steps, the district level from its own after ``delay_district``, the NGOs of d
     donate after ``delay_social`` and the city pays from its reserve after
     ``delay_city``; each pays at most what d still lacks, in that order.
   * Network on: all levels act together ``delay_network`` steps after the detection
     and pool their resources: the street and district reserves of the affected
     districts and of their neighbours (districts d ± 1 on a ring, an assumption), the
     city's reserve and society's donations from the affected and neighbouring
     districts (from the affected districts only without hubs to link them). The
     pool is shared over the affected districts in proportion to R_d, at most R_d
     each; the network pays a coordination cost ``coordination_cost`` per citizen of
     the affected and neighbouring districts per step of emergency (ledger use
     ``coordination``, from the treasury, as far as it holds).
   Society's donations in a district are at most ``social``·N_d·min(1, K_d / K̄)
   per step, K_d the capacity of the district's NGOs and K̄ its mean over districts
   (NGOs are what mobilises donations; none, no donations); they enter the treasury
   as a ledger source (``social_funds``). Reserves are drawn idle money first (the
   accounts in proportion to what they hold), donations only for what is still lacking.
   The money is returned per district and provided directly on the district's
   cells in proportion to need, like the early-warning responses.
4. **Equal money (optional).** With ``episode_money`` set, one emergency (from the
   first district entering it while none was in one until none is) spends at most
   ``episode_money``·N in all, whatever the levels hold: the lone levels in their
   order, the network in its pooled payment (which then pays no coordination once
   the limit is reached). Set below what both arms spend unlimited, it makes the
   two arms spend the same money, so that the comparison shows what timing and
   pooling do at equal money (docs/model.md 7.21). Null (the default): no limit.

Metrics: ``emergency_response_time``, steps from the onset of the latest emergency
(the first district to enter it while none was in one) to the first response paid
in it; ``shock_recovery_steps``, steps from that onset until the unmet need per
citizen of every district it hit is back within ``tolerance`` (u_d ≤ ``tolerance``) for
good: a return while the emergency still runs counts only if unmet need stays back
until the emergency ends (a response that runs out of money before the shock ends
does not count as recovery); after the emergency, the first return counts. Both are
0 before any emergency and, while one is running and has not yet been answered or
recovered from, the steps elapsed so far. The mechanism draws no random numbers (its
stream is reserved).
Disabled: nothing is set aside, observed or paid.
"""

from __future__ import annotations

import numpy as np

from ..mechanism import Mechanism, metric

LEVELS = ("street", "district", "social", "city")  # order in which lone levels pay


def ring_neighbours(districts: int) -> np.ndarray:
    """Boolean matrix: district d's neighbours are d ± 1 on a ring (none with one district)."""
    near = np.zeros((districts, districts), dtype=bool)
    if districts > 1:
        d = np.arange(districts)
        near[d, (d + 1) % districts] = True
        near[d, (d - 1) % districts] = True
    return near


@metric("emergency response time", "steps", 0)
def emergency_response_time(m) -> int:
    """Steps from the latest large shock's onset (as the emergency mechanism detected it) to
    its first response; running while unanswered; 0 before any (7.21)."""
    return m.emergency.response_time


@metric("shock recovery time", "steps", 0)
def shock_recovery_steps(m) -> int:
    """Steps from the latest large shock's onset until unmet need per citizen was back within
    the tolerance of its pre-shock level in every district it hit; running until then; 0
    before any (7.21)."""
    return m.emergency.recovery_steps


@metric("emergency spending", "money per citizen per step", 0)
def emergency_spend(m) -> float:
    """Money per citizen spent this step on emergency responses (7.21)."""
    return m.resources.emergency_spend / m.citizens.n


@metric("unmet need where the shock hit", "need units per citizen", 0)
def emergency_unmet(m) -> float:
    """Unmet need per citizen, Σ max(0, need − received) / N, in the districts the latest
    emergency hit (0 before any emergency, 7.21)."""
    if not m.emergency.hit.any():  # per district: no per-citizen work before an emergency
        return 0.0
    c = m.citizens
    hit = m.emergency.hit[c.district]
    return float(np.maximum(0.0, c.need[hit] - c.received[hit]).mean())


class Emergency(Mechanism):
    """Emergency reserves, detection and multi-level response; see :meth:`step`, :meth:`update`."""

    name = "emergency"
    headline = ("emergency_response_time", "shock_recovery_steps", "emergency_unmet")
    reads = ("scenario", "citizens", "served", "ngos", "hubs", "government", "budget", "t")
    writes = ("emergency_relief",)
    metrics = (emergency_response_time, shock_recovery_steps, emergency_spend, emergency_unmet)

    def __init__(self, params, district: np.ndarray, districts: int, rng: np.random.Generator):
        self.params = params
        self.enabled = params.enabled
        self.network = params.network
        self.rng = rng  # reserved: the mechanism is deterministic
        self.size = np.bincount(district, minlength=districts).astype(float)
        self.near = ring_neighbours(districts)
        self.street = np.zeros(districts)  # reserves held by each district's street office
        self.district = np.zeros(districts)  # reserves held by the district level
        self.city = 0.0  # reserve held by the city
        self.baseline: np.ndarray | None = None  # b_d, learnt from the state
        self.normal: np.ndarray | None = None  # n̄_d, the baseline need per citizen
        self.active = np.zeros(districts, dtype=bool)  # in an emergency this step
        self.onset = np.zeros(districts, dtype=int)  # onset of each district's emergency
        self.paid = np.zeros(districts)  # emergency money per district this step
        self.donated = 0.0  # society's donations this step
        self.t = 0
        self.episode: dict | None = None  # the latest emergency, city-wide

    @property
    def fund(self) -> float:
        """Money held in all the levels' reserves (a ledger balance)."""
        return float(self.street.sum() + self.district.sum() + self.city)

    # ------------------------------------------------------------- metrics
    @property
    def response_time(self) -> int:
        """Steps from the latest emergency's onset to its first response (running while
        unanswered; 0 before any)."""
        e = self.episode
        if e is None:
            return 0
        return (e["responded"] if e["responded"] is not None else self.t) - e["onset"]

    @property
    def recovery_steps(self) -> int:
        """Steps from the latest emergency's onset until unmet need was back within the
        tolerance of its baseline in every district it hit (running until then; 0 before any)."""
        e = self.episode
        if e is None:
            return 0
        return (e["recovered"] if e["recovered"] is not None else self.t) - e["onset"]

    @property
    def hit(self) -> np.ndarray:
        """Districts the latest emergency hit (none before any)."""
        if self.episode is None:
            return np.zeros(self.size.size, dtype=bool)
        return self.episode["hit"]

    # ---------------------------------------------------------------- step
    def update(self, t: int, observed: tuple | None, government, budget: float,
             efficiency: float, ngo_capacity: np.ndarray, hubs: bool) -> np.ndarray:
        """Save, observe and return emergency money per district for this step.

        ``observed``: (unmet need, need) per citizen of each district as the last step
        left them (None before anything was delivered); ``efficiency``: service per money unit of direct
        provision; ``ngo_capacity``: the capacity of the NGOs of each district; ``hubs``:
        whether hubs link the NGOs (society pools across districts only through them).
        """
        self.t = t
        own = self.paid * efficiency / np.maximum(self.size, 1.0)  # last step's own service
        self.paid = np.zeros(self.size.size)
        self.donated = 0.0
        if not self.enabled:
            return self.paid
        self._save(government, budget)
        if observed is None:
            return self.paid
        unmet, need = observed
        gap = unmet + own
        if self.baseline is None:
            self.baseline, self.normal = gap.copy(), need.copy()
        if t >= 1:
            scale = np.maximum(self.normal, 1e-12)
            self._declare(t, (gap - self.baseline) / scale, (unmet - self.baseline) / scale,
                          (need - self.normal) / scale)
        calm, rate = ~self.active, self.params.baseline_rate
        self.baseline[calm] += rate * (unmet[calm] - self.baseline[calm])
        self.normal[calm] += rate * (need[calm] - self.normal[calm])
        if self.active.any():
            lacking = np.where(self.active, np.maximum(0.0, gap - self.baseline), 0.0)
            lacking = lacking * self.size / max(efficiency, 1e-12)
            purse = self._purse(ngo_capacity)
            room = self._room()
            if self.network:
                self._pooled(t, lacking, purse, government, hubs, room)
            else:
                self._alone(t, lacking, purse, government, room)
            # .get: a state saved before the key existed has no "spent" yet
            self.episode["spent"] = self.episode.get("spent", 0.0) + float(self.paid.sum())
        if self.paid.sum() > 0 and self.episode is not None and self.episode["responded"] is None:
            self.episode["responded"] = t
        return self.paid

    def _room(self) -> float:
        """Money the latest emergency may still spend: ``episode_money``·N less what it spent
        (no limit when ``episode_money`` is null)."""
        cap = self.params.episode_money
        if cap is None:
            return float("inf")
        return max(0.0, cap * float(self.size.sum()) - self.episode.get("spent", 0.0))

    def _save(self, government, budget: float) -> None:
        """Set aside ``reserve``·B into the levels' reserves, up to ``reserve_cap``·B in all."""
        p = self.params
        room = max(0.0, p.reserve_cap * budget - self.fund)
        saved = government.set_aside(min(p.reserve * budget, room))
        if saved <= 0:
            return
        weight = self.size / max(self.size.sum(), 1.0)
        self.street += p.street_share * saved * weight
        self.district += p.district_share * saved * weight
        self.city += (1.0 - p.street_share - p.district_share) * saved

    def _declare(self, t: int, excess: np.ndarray, actual: np.ndarray,
                 surge: np.ndarray) -> None:
        """Enter and leave emergencies; open the latest episode and record its recovery.

        ``excess``, ``actual`` and ``surge``: x_d, u_d and y_d, in units of normal need."""
        p = self.params
        new = ~self.active & (excess > p.threshold)
        if new.any():
            if not self.active.any():  # a new city-wide emergency
                self.episode = {"onset": t - 1, "responded": None, "recovered": None,
                                "hit": np.zeros(self.size.size, dtype=bool), "spent": 0.0}
            self.onset[new] = t - 1
            self.episode["hit"] |= new
            self.episode["recovered"] = None  # a district newly hit has not recovered
        going = (surge > p.tolerance) | (actual > p.tolerance)
        self.active = new | (self.active & going & (t - 1 - self.onset < p.max_steps))
        e = self.episode
        if e is not None and (self.active.any() or e["recovered"] is None):
            if not (actual[e["hit"]] <= p.tolerance).all():
                e["recovered"] = None  # back above: not recovered until it stays back
            elif e["recovered"] is None:
                e["recovered"] = t - 1

    def _purse(self, ngo_capacity: np.ndarray) -> np.ndarray:
        """Donations society can make per district this step: social·N_d·min(1, K_d / K̄)."""
        mean = ngo_capacity.mean() if ngo_capacity.size else 0.0
        reach = np.minimum(1.0, np.divide(ngo_capacity, mean, out=np.zeros_like(ngo_capacity),
                                          where=mean > 0))
        return self.params.social * self.size * reach

    def _alone(self, t: int, need: np.ndarray, purse: np.ndarray, government,
               room: float = float("inf")) -> None:
        """Each level pays from its own resources once its delay has passed, all of them
        together at most ``room``."""
        p = self.params
        waited = t - (self.onset + 1)  # steps since the detection
        lacking = need.copy()
        for level in LEVELS[:3]:
            ready = self.active & (waited >= getattr(p, f"delay_{level}"))
            if level == "social":
                give = _within(np.where(ready, np.minimum(purse, lacking), 0.0), room)
                self._donate(float(give.sum()), government)
            else:
                held = getattr(self, level)
                give = _within(np.where(ready, np.minimum(held, lacking), 0.0), room)
                held -= give
                government.draw(float(give.sum()))
            self.paid += give
            lacking -= give
            room -= float(give.sum())
        ready = self.active & (waited >= p.delay_city)
        wanted = float(lacking[ready].sum())
        if wanted > 0 and self.city > 0 and room > 0:
            give = np.where(ready, lacking, 0.0) * min(1.0, self.city / wanted, room / wanted)
            self.city = max(0.0, self.city - float(give.sum()))  # rounding: never below zero
            government.draw(float(give.sum()))
            self.paid += give

    def _pooled(self, t: int, need: np.ndarray, purse: np.ndarray, government,
                hubs: bool, room: float = float("inf")) -> None:
        """All levels together: pool reserves and donations of the affected and
        neighbouring districts with the city's, share them by need, at most ``room``."""
        p = self.params
        ready = self.active & (t - (self.onset + 1) >= p.delay_network)
        wanted = float(need[ready].sum())
        if wanted <= 0 or room <= 0:
            return
        area = ready | self.near[ready].any(axis=0)
        government.pay(p.coordination_cost * float(self.size[area].sum()), "coordination")
        held = float(self.street[area].sum() + self.district[area].sum()) + self.city
        need_in_room = min(wanted, room)
        drawn = min(held, need_in_room)
        if drawn > 0:  # each account gives in proportion to what it holds
            keep = 1.0 - drawn / held
            self.street[area] *= keep
            self.district[area] *= keep
            self.city *= keep
            government.draw(drawn)
        donors = area if hubs else ready
        donated = min(float(purse[donors].sum()), need_in_room - drawn)
        self._donate(donated, government)
        self.paid = np.where(ready, need, 0.0) * ((drawn + donated) / wanted)

    def _donate(self, amount: float, government) -> None:
        """Society's donations enter the treasury (a ledger source)."""
        if amount > 0:
            government.accept(amount, "social_funds")
            self.donated += amount

    @classmethod
    def build(cls, ctx):
        unit = cls(ctx.scenario.mechanisms.emergency, ctx.citizens.district, ctx.districts,
                   ctx.stream("emergency"))
        unit.observed = None
        return unit

    def observe(self, ctx) -> None:
        """Unmet need and need per citizen of each district, as the last step left them."""
        self.observed = unmet_by_district(ctx) if self.enabled and ctx.served else None

    def reform(self, ctx, params) -> None:
        super().reform(ctx, params)
        self.network = params.network

    def step(self, ctx) -> None:
        """Reserves, detection and the levels' responses (7.21): money per district."""
        d = ctx.districts
        if not self.enabled:
            ctx.emergency_relief = np.zeros(d)
            return
        ngos, gov = ctx.ngos, ctx.government
        capacity = np.bincount([g.district for g in ngos], weights=[g.capacity for g in ngos],
                               minlength=d)
        ctx.emergency_relief = self.update(ctx.t, self.observed, gov, ctx.budget, gov.efficiency,
                                           capacity.astype(float), bool(ctx.hubs))


def _within(give: np.ndarray, room: float) -> np.ndarray:
    """``give`` scaled down so that its sum is at most ``room`` (unchanged if it fits)."""
    total = float(give.sum())
    return give if total <= room else give * (max(0.0, room) / total)


def unmet_by_district(ctx) -> tuple[np.ndarray, np.ndarray]:
    """Unmet need, Σ max(0, need − received) / N_d, and need, Σ need / N_d, per citizen of
    each district as the last step left them."""
    c, d = ctx.citizens, ctx.districts
    size = np.maximum(np.bincount(c.district, minlength=d), 1)
    short = np.maximum(0.0, c.need - c.received)
    return (np.bincount(c.district, weights=short, minlength=d) / size,
            np.bincount(c.district, weights=c.need, minlength=d) / size)

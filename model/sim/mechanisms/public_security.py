"""Comprehensive public-security governance (Essay 8; docs/model.md 7.23).

A crime and prevention layer on routine-activity theory (Cohen & Felson 1979): an
offence happens where a motivated offender meets a suitable target without a capable
guardian. Everything is held in arrays over **places** and citizens.

Places: district d holds max(1, round(N_d · ``places_per_citizen``)) places (1,000 at
the defaults), on a ring (each place has two neighbours in its district). Place p has
a target attractiveness a_p, log-normal with mean 1 and sd of log ``attractiveness``,
plus a boost B_p from repeat and near-repeat victimisation (Johnson & Bowers 2004; Short
et al. 2008): B ← (1 − ω)·B + θ·(E_p + η·(E_left + E_right)), E the step's offences,
θ = ``repeat``, η = ``near_repeat``, ω = ``repeat_decay``; offenders choose places
∝ a_p + B_p. Every citizen lives at a place of its district.

Offending. Citizen i has a propensity π_i = min(1, ``motivation`` · X_i), X_i
log-normal with mean 1 and sd of log ``motivation_spread``. Free citizens offend with

    q_i = π_i · M · (1 − ``supervision`` · s_i) · exp(−``deterrence`` · ĉ_d(i) · D),

M the education multiplier, s_i the share of the step i is supervised, ĉ_d the
perceived certainty of arrest in i's home district (its clearances over its offences,
both smoothed at rate ``perception``), D = (1 − δ^L)/(1 − δ) the discounted sentence of
L = ``sentence`` steps (δ = ``discount``: a sanction far away counts less, so certainty
deters more than severity, Nagin 2013). An offender picks a place ∝ a_p in its own district (in
any district with probability ``mobility``); a guardian there stops it with
probability g_p; a stopped offender moves to a neighbouring place with probability
``displacement`` and tries once more. Victims are residents of the place.

The security budget S = ``budget_share`` · B_t is split by the six links' shares
(``strike``, ``prevent``, ``educate``, ``manage``, ``build``, ``reform``; 0 = off);
money a link cannot use stays in the treasury. Ledger use ``security``.

Records: an arrest puts the offender on record; a record is expunged (and the count of
arrests restarts) once its holder has been free for ``record_memory`` steps without a
new arrest (Blumstein & Nakamura 2009), so the share of citizens on record is bounded.
"""

from __future__ import annotations

import numpy as np

from ..mechanism import Mechanism, metric

LINKS = ("strike", "prevent", "educate", "manage", "build", "reform")
FOLLOW_UP = 12  # steps after release in which a new offence counts as recidivism


@metric("crime rate", "offences per 1,000 citizens per step", 0)
def crime_rate(m) -> float:
    """Offences this step per 1,000 citizens (7.23; 0 when public security is off)."""
    return 1000.0 * m.security.offences / m.citizens.n


@metric("victimisation", "share of citizens", 0, 1)
def victimisation(m) -> float:
    """Share of citizens victimised at least once in the last 12 steps (7.23)."""
    return m.security.victimised()


@metric("crime concentration", "share of offences", 0, 1)
def crime_concentration(m) -> float:
    """Share of the recent window's offences at the top 5 % of places (7.23)."""
    return m.security.concentration()


@metric("recidivism", "share of releases", 0, 1)
def recidivism(m) -> float:
    """Share of releases 12-23 steps ago followed by an offence within 12 steps (7.23)."""
    return m.security.recidivism()


@metric("guardianship", "index", 0, 1)
def guardianship(m) -> float:
    """Capable guardianship where targets are, Σ a_p·g_p / Σ a_p (7.23)."""
    return m.security.mean_guardianship()


@metric("security spending", "money per citizen per step", 0)
def security_spend(m) -> float:
    """Money per citizen spent on the six links this step (7.23)."""
    return m.security.spend / m.citizens.n


@metric("clearance rate", "share of offences", 0, 1)
def clearance_rate(m) -> float:
    """Offences cleared by arrest this step / offences this step (0 when none, 7.23)."""
    s = m.security
    return s.clearances / s.offences if s.offences else 0.0


class PublicSecurity(Mechanism):
    """Places, offences, the six links; phase :meth:`step`, equations :meth:`update`."""

    name = "public_security"
    headline = ("crime_rate", "victimisation", "crime_concentration", "recidivism",
                "guardianship", "clearance_rate", "security_spend")
    attribute = "security"
    reads = ("scenario", "citizens", "government", "budget", "t")
    writes = ()
    metrics = (crime_rate, victimisation, crime_concentration, recidivism, guardianship,
               security_spend, clearance_rate)

    def __init__(self, params, district: np.ndarray, districts: int, rng: np.random.Generator):
        self.params = params
        self.enabled = bool(params.enabled)
        self.rng = rng
        self.districts = districts
        n = district.size
        self.n = n
        self.offences = 0
        self.clearances = 0
        self.spend = 0.0
        self.link_spend = dict.fromkeys(LINKS, 0.0)
        if not self.enabled:
            return
        p = params
        self.home = district
        self._build_places(district, districts)
        self.propensity = np.minimum(1.0, p.motivation * self._unit_lognormal(
            p.motivation_spread, n))
        self.perceived = np.zeros(districts)  # ĉ_d = smoothed clearances / smoothed offences
        self.seen_cleared = np.zeros(districts)
        self.seen_offences = np.zeros(districts)
        self.effort = np.ones(districts)  # leaders' effort, 1 = no extra effort
        self.efficacy = np.zeros(districts)  # collective efficacy E_d
        self.education = 0.0  # education stock, money per citizen
        self.build_stock = np.zeros(districts)  # money per citizen of the district
        self.hardening = np.zeros(self.places)  # physical defence stock, money per place
        self.cameras = np.zeros(self.places)  # technical defence stock, money per place
        self.officers = np.zeros(self.places)  # patrol officers at each place this step
        self.guard = np.zeros(self.places)  # g_p this step
        # offences per place in each of the last `window` steps (a ring) and their sum
        self.recent = np.zeros((p.window, self.places), dtype=np.int32)
        self.recorded = np.zeros(self.places, dtype=np.int64)
        self.slot = 0
        self.custody_until = np.full(n, -(1 << 40))
        self.in_custody = np.zeros(n, dtype=bool)
        self.served = np.zeros(n, dtype=np.int32)  # steps of the current sentence served
        self.treated = np.zeros(n)  # of which in a rehabilitation programme (a place's share)
        self.record = np.full(n, -1, dtype=np.int32)  # district of the last arrest (-1: none)
        self.clean_from = np.zeros(n, dtype=np.int64)  # step from which time clean counts
        self.priors = np.zeros(n, dtype=np.int32)  # arrests so far
        self.supervised = np.zeros(n)  # share of the step under supervision (1 or a last part)
        self.released_at = np.full(n, -(1 << 40))
        self.reoffended = np.zeros(n, dtype=bool)  # offended since the last release
        self.releases: dict[int, int] = {}  # release step -> people released
        self.relapses: dict[int, int] = {}  # release step -> of them offending within 12 steps
        self.victim_at = np.full(n, -(1 << 40))
        self.t = 0

    # ------------------------------------------------------------------ set-up
    def _unit_lognormal(self, sd: float, size: int) -> np.ndarray:
        """Log-normal draws with mean 1 and sd of log ``sd``."""
        return np.exp(self.rng.normal(-0.5 * sd * sd, sd, size))

    def _build_places(self, district: np.ndarray, districts: int) -> None:
        p = self.params
        size = np.bincount(district, minlength=districts)
        per = np.maximum(1, np.round(size * p.places_per_citizen)).astype(np.int64)
        self.places = int(per.sum())
        self.place_district = np.repeat(np.arange(districts), per)
        self.first = np.concatenate([[0], np.cumsum(per)[:-1]])
        self.count = per
        self.attract = self._unit_lognormal(p.attractiveness, self.places)
        # repeat and near-repeat victimisation: boost B_p, neighbours on the district's ring
        self.boost = np.zeros(self.places)
        local = np.arange(self.places) - self.first[self.place_district]
        size_of = per[self.place_district]
        self.left = self.first[self.place_district] + (local - 1) % size_of
        self.right = self.first[self.place_district] + (local + 1) % size_of
        self._weigh(self.attract)
        # residents: each citizen lives at a uniformly drawn place of its district
        self.place_of = (self.first[district]
                         + np.floor(self.rng.random(district.size) * per[district])
                         ).astype(np.int64)
        self.residents = np.argsort(self.place_of, kind="stable")
        self.res_count = np.bincount(self.place_of, minlength=self.places)
        self.res_first = np.concatenate([[0], np.cumsum(self.res_count)[:-1]])
        self.district_size = np.maximum(size, 1).astype(float)
        self.by_district = np.argsort(district, kind="stable")  # citizens grouped by district
        self.by_district_count = size
        self.by_district_first = np.concatenate([[0], np.cumsum(size)[:-1]])

    def _weigh(self, weight: np.ndarray) -> None:
        """Choice weights of the places (a_p·(1 + B_p)) and their cumulative sums."""
        self.weight = weight
        self.cum = np.cumsum(weight)
        self.lo = self.cum[self.first] - weight[self.first]
        self.hi = self.cum[self.first + self.count - 1]

    # -------------------------------------------------------------------- step
    def update(self, t: int, budget: float, government, trust: np.ndarray,
             participation: np.ndarray) -> None:
        """One step of the six links and of offending; ``budget`` is the step's budget B_t,
        ``trust`` and ``participation`` (co-production, 0/1) per citizen feed collective
        efficacy."""
        self.offences = self.clearances = 0
        self.spend = 0.0
        self.link_spend = dict.fromkeys(LINKS, 0.0)
        if not self.enabled:
            return
        self.t = t
        money = self._link_money(budget)
        self._release(t)
        strike = self._custody(money["strike"], government)
        self._rehabilitate(money["reform"], government)
        self._prevent(money["prevent"], government)
        self._educate(money["educate"], government)
        self._build(money["build"], government, trust, participation)
        self._manage(money["manage"], government)
        offender, place = self._offend()
        self._clear(offender, place, strike, government)
        self._account(t, offender, place)

    def _link_money(self, budget: float) -> dict[str, float]:
        p = self.params
        total = p.budget_share * max(0.0, budget)
        return {k: total * getattr(p, k) for k in LINKS}

    def _pay(self, link: str, amount: float, government) -> float:
        paid = government.pay(amount, "security") if amount > 0 else 0.0
        self.link_spend[link] += paid
        self.spend += paid
        return paid

    def _pay_each(self, link: str, unit: float, count: int, government) -> int:
        if count <= 0:
            return 0
        done = government.pay_each(unit, count, "security")
        self.link_spend[link] += unit * done
        self.spend += unit * done
        return done

    @staticmethod
    def _portions(amount: float, size: int) -> np.ndarray:
        """``amount`` units handed out one each in order, the last a fraction: [1, 1, .., f,
        0, ..] of length ``size`` (capacity is divisible, so nothing is lost to rounding and
        results do not depend on the population's size)."""
        return np.clip(amount - np.arange(size), 0.0, 1.0)

    # ------------------------------------------------------------------ links
    def _release(self, t: int) -> None:
        """Sentences served end; rehabilitation lowers the propensity of those treated.
        Records of people free and clean for ``record_memory`` steps are expunged."""
        out = self.in_custody & (self.custody_until <= t)
        if out.any():
            self._set_free(np.flatnonzero(out), t)
        stale = (self.record >= 0) & ~self.in_custody \
            & (t - self.clean_from >= self.params.record_memory)
        self.record[stale] = -1
        self.priors[stale] = 0

    def _set_free(self, who: np.ndarray, t: int) -> None:
        share = self.treated[who] / np.maximum(self.served[who], 1)
        self.propensity[who] *= 1.0 - self.params.reform_effect * share
        self.in_custody[who] = False
        self.released_at[who] = t
        self.clean_from[who] = t
        self.releases[t] = self.releases.get(t, 0) + int(who.size)
        self.reoffended[who] = False
        self.served[who] = self.treated[who] = 0

    def _custody(self, money: float, government) -> float:
        """Prisoners are kept first (``custody_cost`` each, from the strike money; those the
        money cannot keep are released early, latest-ending last); the rest pays
        investigators. Returns the investigation money."""
        p = self.params
        held = np.flatnonzero(self.in_custody)
        if held.size == 0:
            return money
        keep = held.size
        if p.custody_cost * held.size > money:  # (a quotient by a tiny cost may overflow)
            keep = int(np.floor(money / p.custody_cost + 1e-10))
        if keep < held.size:  # prison capacity bound: release those nearest the end
            order = held[np.argsort(self.custody_until[held], kind="stable")]
            self._set_free(order[:held.size - keep], self.t)
            held = np.flatnonzero(self.in_custody)
        kept = self._pay_each("strike", p.custody_cost, held.size, government)
        if kept < held.size:  # the treasury ran short of the strike money: release the rest
            self._set_free(held[kept:], self.t)
            held = held[:kept]
        self.served[held] += 1
        return max(0.0, money - p.custody_cost * kept)

    def _rehabilitate(self, money: float, government) -> None:
        """Rehabilitation places for prisoners, drawn at random (``reform_cost`` each)."""
        p = self.params
        held = np.flatnonzero(self.in_custody)
        if money <= 0 or held.size == 0:
            return
        places = self._pay("reform", min(money, held.size * p.reform_cost), government) \
            / p.reform_cost
        self.treated[self.rng.permutation(held)] += self._portions(places, held.size)

    def _prevent(self, money: float, government) -> None:
        """Human (patrols), physical (hardening) and technical (cameras) defence."""
        p = self.params
        weights = np.array([p.human, p.physical, p.technical], dtype=float)
        human, physical, technical = money * weights / max(weights.sum(), 1e-12)
        officers = self._pay("prevent", min(human, self.places * p.officer_cost),
                             government) / p.officer_cost
        self.officers = np.zeros(self.places)
        posts = self._posts(min(self.places, int(np.ceil(officers - 1e-9))))
        self.officers[posts] = self._portions(officers, posts.size)
        spread = self._spread()
        decay = 1.0 - p.depreciation
        self.hardening = decay * self.hardening + self._pay("prevent", physical, government) \
            * spread
        self.cameras = decay * self.cameras + self._pay("prevent", technical, government) * spread

    def _posts(self, officers: int) -> np.ndarray:
        """Places patrolled: the hot spots of the recent record, or places at random."""
        if officers <= 0:
            return np.zeros(0, dtype=np.int64)
        if self.params.allocation == "random":
            return self.rng.choice(self.places, size=officers, replace=False)
        score = self.recorded + 0.5 * self.rng.random(self.places)  # ties broken at random
        top = np.argpartition(-score, officers - 1)[:officers]
        return top[np.argsort(-score[top], kind="stable")]  # hottest first

    def _spread(self) -> np.ndarray:
        """Each place's share of capital spending: by recorded crime (hot spots) or even."""
        counts = self.recorded.astype(float)
        if self.params.allocation == "hot_spots" and counts.sum() > 0:
            return counts / counts.sum()
        return np.full(self.places, 1.0 / self.places)

    def _educate(self, money: float, government) -> None:
        p = self.params
        paid = self._pay("educate", money, government)
        self.education = (1.0 - p.education_decay) * self.education + paid / self.n

    def _build(self, money: float, government, trust, participation) -> None:
        """Collective efficacy E_d moves toward E*_d = mean(T_gov·(1 + part)/2) ·
        (1 + ``build_gain``·(1 − exp(−stock_d/``build_unit``))), capped at 1."""
        p = self.params
        paid = self._pay("build", money, government)
        share = self.district_size / self.district_size.sum()
        self.build_stock = (1.0 - p.build_decay) * self.build_stock \
            + paid * share / self.district_size
        base = np.bincount(self.home, weights=trust * (1.0 + participation) / 2.0,
                           minlength=self.districts) / self.district_size
        gain = 1.0 + p.build_gain * (1.0 - np.exp(-self.build_stock / p.build_unit))
        target = np.minimum(1.0, base * gain)
        self.efficacy += p.efficacy_rate * (target - self.efficacy)

    def _manage(self, money: float, government) -> None:
        """Graded supervision: free citizens on record, most arrests first (ties random),
        as many as the money pays for. Without sharing, a district knows only the arrests
        made in it."""
        p = self.params
        self.supervised = np.zeros(self.n)
        known = (self.record >= 0) & ~self.in_custody
        if not p.sharing:
            known &= self.record == self.home
        who = np.flatnonzero(known)
        if money <= 0 or who.size == 0:
            return
        slots = self._pay("manage", min(money, who.size * p.supervision_cost), government) \
            / p.supervision_cost
        grade = self.priors[who] + self.rng.random(who.size)
        self.supervised[who[np.argsort(-grade, kind="stable")]] = self._portions(slots, who.size)

    # --------------------------------------------------------------- offending
    def guardianship(self) -> np.ndarray:
        """g_p = 1 − (1 − g0)·exp(−(patrol·e_d·o_p + physical_effect·H_p +
        technical_effect·C_p + watch·E_d))."""
        p = self.params
        d = self.place_district
        load = (p.patrol_effect * self.effort[d] * self.officers
                + p.physical_effect * self.hardening + p.technical_effect * self.cameras
                + p.watch * self.efficacy[d])
        return 1.0 - (1.0 - p.base_guardianship) * np.exp(-load)

    def sentence_weight(self) -> float:
        """D = (1 − δ^L)/(1 − δ): the sentence as the offender discounts it."""
        p = self.params
        if p.discount >= 1.0:
            return float(p.sentence)
        return (1.0 - p.discount ** p.sentence) / (1.0 - p.discount)

    def _offend(self) -> tuple[np.ndarray, np.ndarray]:
        """Who offends where this step (after guardians and displacement)."""
        p, rng = self.params, self.rng
        self.guard = self.guardianship()
        motive = 1.0 - p.education_max * (1.0 - np.exp(-self.education / p.education_unit))
        q = (self.propensity * motive * (1.0 - p.supervision * self.supervised)
             * np.exp(-p.deterrence * self.perceived[self.home] * self.sentence_weight()))
        q[self.in_custody] = 0.0
        offender = np.flatnonzero(rng.random(self.n) < q)
        place = self._choose(offender)
        stopped = rng.random(offender.size) < self.guard[place]
        moved = stopped & (rng.random(offender.size) < p.displacement)
        place = np.where(moved, self._neighbour(place), place)
        stopped &= ~moved | (rng.random(offender.size) < self.guard[place])
        return offender[~stopped], place[~stopped]

    def _choose(self, offender: np.ndarray) -> np.ndarray:
        """A place ∝ attractiveness, in the home district or (``mobility``) anywhere."""
        rng = self.rng
        d = self.home[offender]
        roam = rng.random(offender.size) < self.params.mobility
        lo = np.where(roam, 0.0, self.lo[d])
        hi = np.where(roam, self.cum[-1], self.hi[d])
        u = lo + rng.random(offender.size) * (hi - lo)
        place = np.searchsorted(self.cum, u, side="right")
        first, last = self.first[d], self.first[d] + self.count[d] - 1
        own = np.clip(place, first, last)  # float rounding at a district's edge
        return np.where(roam, np.minimum(place, self.places - 1), own)

    def _neighbour(self, place: np.ndarray) -> np.ndarray:
        """One of the two places next to ``place`` on its district's ring."""
        d = self.place_district[place]
        step = np.where(self.rng.random(place.size) < 0.5, -1, 1)
        local = (place - self.first[d] + step) % self.count[d]
        return self.first[d] + local

    def _clear(self, offender, place, money: float, government) -> None:
        """Detection and arrest under capacity: K investigators (``case_cost`` each per step,
        each can work one case) share the step's n cases; a case is cleared with probability
        d_p·min(1, e_d·K/n)."""
        p = self.params
        # a standing force: the money pays investigators' time, busy or not
        staff = self._pay("strike", money, government) / p.case_cost
        if offender.size == 0 or staff <= 0:
            self._arrest(offender, place, np.zeros(offender.size, dtype=bool))
            return
        d = self.place_district[place]
        detect = p.detection + (1.0 - p.detection) * (1.0 - np.exp(
            -p.camera_detection * self.cameras[place]))
        known = self.record[offender] >= 0
        if not p.sharing:
            known &= self.record[offender] == d
        detect = np.where(known, detect + (1.0 - detect) * p.record_detection, detect)
        cover = np.minimum(1.0, self.effort[d] * staff / offender.size)
        self._arrest(offender, place, self.rng.random(offender.size) < detect * cover)

    def _arrest(self, offender, place, cleared) -> None:
        p, t = self.params, self.t
        who = offender[cleared]
        self.clearances = int(who.size)
        self.custody_until[who] = t + p.sentence + 1  # held in steps t+1 .. t+sentence
        self.in_custody[who] = p.sentence > 0
        self.served[who] = self.treated[who] = 0
        self.record[who] = self.place_district[place[cleared]]
        self.clean_from[who] = t + p.sentence + 1  # clean time counts from the release
        self.priors[who] += 1
        # perceived certainty: each district's clearances over its offences, both smoothed
        # (a ratio of smoothed counts: steady where a district sees few offences a step)
        d = self.place_district[place]
        rho = p.perception
        self.seen_offences += rho * (np.bincount(d, minlength=self.districts)
                                     - self.seen_offences)
        self.seen_cleared += rho * (np.bincount(d, weights=cleared, minlength=self.districts)
                                    - self.seen_cleared)
        self.perceived = np.divide(self.seen_cleared, self.seen_offences,
                                   out=np.zeros(self.districts), where=self.seen_offences > 0)

    def _account(self, t: int, offender, place) -> None:
        """Records for the metrics, victims, recidivism, and the leaders' effort."""
        p = self.params
        self.offences = int(offender.size)
        counts = np.bincount(place, minlength=self.places).astype(np.int32)
        self.slot = (self.slot + 1) % self.recent.shape[0]  # overwrite the oldest step
        self.recorded += counts - self.recent[self.slot]
        self.recent[self.slot] = counts
        if p.repeat > 0:  # B ← (1 − ω)·B + θ·(E_p + η·(E_left + E_right))
            near = counts[self.left] + counts[self.right]
            self.boost = (1.0 - p.repeat_decay) * self.boost \
                + p.repeat * (counts + p.near_repeat * near)
            self._weigh(self.attract + self.boost)
        late = offender[((t - self.released_at[offender]) <= FOLLOW_UP)
                        & ~self.reoffended[offender]]
        self.reoffended[late] = True
        steps, counts = np.unique(self.released_at[late], return_counts=True)
        for step, k in zip(steps.tolist(), counts.tolist(), strict=True):
            self.relapses[step] = self.relapses.get(step, 0) + k
        for old in [s for s in self.releases if s < t - 2 * FOLLOW_UP]:
            self.releases.pop(old)
            self.relapses.pop(old, None)
        self.victim_at[self._victims(place)] = t
        if p.responsibility:
            self._evaluate()

    def _victims(self, place: np.ndarray) -> np.ndarray:
        """A resident of each place (a citizen of its district if nobody lives there)."""
        u = self.rng.random(place.size)
        has = self.res_count[place] > 0
        idx = self.res_first[place] + np.floor(u * self.res_count[place]).astype(np.int64)
        victims = self.residents[np.minimum(idx, self.n - 1)]
        if not has.all():  # a citizen of the place's district (anyone if it has none)
            d = self.place_district[place[~has]]
            size = self.by_district_count[d]
            pick = np.where(size > 0, self.by_district_first[d]
                            + np.floor(u[~has] * size).astype(np.int64),
                            np.floor(u[~has] * self.n).astype(np.int64))
            victims[~has] = np.where(size > 0, self.by_district[np.minimum(pick, self.n - 1)],
                                     pick)
        return victims

    def _evaluate(self) -> None:
        """Leadership responsibility under target evaluation: leaders of districts whose
        recent crime rate exceeds the city's raise effort, e ← clip(e + rate·miss −
        decay·(e − 1), 1, max_effort), miss = max(0, r_d/r̄ − 1)."""
        p = self.params
        crimes = np.bincount(self.place_district, weights=self.recorded,
                             minlength=self.districts)
        rate = crimes / self.district_size
        mean = rate.mean()
        miss = np.maximum(0.0, rate / mean - 1.0) if mean > 0 else np.zeros(self.districts)
        self.effort = np.clip(self.effort + p.effort_rate * miss
                              - p.effort_decay * (self.effort - 1.0), 1.0, p.max_effort)

    # ------------------------------------------------------------------ metrics
    def concentration(self) -> float:
        """Share of the recent window's offences at the top 5 % of places (0 if none)."""
        if not self.enabled:
            return 0.0
        total = self.recorded.sum()
        if total == 0:
            return 0.0
        top = max(1, int(np.ceil(0.05 * self.places)))
        counts = np.partition(self.recorded, self.places - top)[self.places - top:]
        return float(counts.sum() / total)

    def victimised(self) -> float:
        """Share of citizens victimised at least once in the last 12 steps."""
        if not self.enabled:
            return 0.0
        return float(np.mean(self.t - self.victim_at < FOLLOW_UP))

    def recidivism(self) -> float:
        """Share of the releases 12-23 steps ago followed by a new offence within 12 steps
        (caught or not; 0 when nobody was released then)."""
        if not self.enabled:
            return 0.0
        cohort = range(self.t - 2 * FOLLOW_UP + 1, self.t - FOLLOW_UP + 1)
        out = sum(self.releases.get(s, 0) for s in cohort)
        back = sum(self.relapses.get(s, 0) for s in cohort)
        return back / out if out else 0.0

    def mean_guardianship(self) -> float:
        """Guardianship where the targets are: Σ w_p·g_p / Σ w_p, w_p = a_p·(1 + B_p)."""
        if not self.enabled:
            return 0.0
        return float((self.weight * self.guard).sum() / self.cum[-1])

    @classmethod
    def build(cls, ctx):
        return cls(ctx.scenario.mechanisms.public_security, ctx.citizens.district, ctx.districts,
                   ctx.stream("public_security"))

    def reform(self, ctx, params) -> None:
        was = self.enabled
        super().reform(ctx, params)
        if self.switched_on(was):  # places and propensities, drawn now from its stream
            self.__init__(params, ctx.citizens.district, ctx.districts, self.rng)

    def step(self, ctx) -> None:
        """The six links, paid from the security budget, then offending (7.23)."""
        if self.enabled:
            c = ctx.citizens
            self.update(ctx.t, ctx.budget, ctx.government, c.trust_gov, c.strategy)



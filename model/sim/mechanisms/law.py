"""Law-based governance (依法治理, 法治保障): a published rule against discretion.

Runs with ``mechanisms.law.enabled`` (a city whose government decides by a mix of rule
and discretion, and enforces rules); ``governance.law_based: on`` switches it on at the
law-based regime's ``rule_of_law`` (model/scenario/shifts.py: 0.9). Every
discretionary decision the government takes here mixes a published rule, with weight
ρ = ``rule_of_law``, and discretion, with weight 1 − ρ. Discretion sees each case (it
targets special cases better) but favours connected citizens (关系: a share
``connected`` of citizens, drawn once, an assumption) and is noisy. docs/model.md 7.22.

Service allocation within a cell (the weights handed to resources): the published rule
is a flat entitlement, the cell's mean need per head, r_i = need_c / N_c (``rule_basis``
flat), or each citizen's assessed need, r_i = need_i (``rule_basis`` need); discretion weighs
d_i = need_i · (1 + favouritism·k_i) · exp(σ·z_i − σ²/2) (k_i = 1 if connected, z_i
standard normal, σ = ``noise``). Citizen i's claim is w_i = ρ·r_i + (1 − ρ)·d_i,
rescaled within the cell so that the claims sum to the cell's need (resources.reweigh).

Enforcement (Kleiman & Kilmer 2009): each free citizen violates a rule when its
temptation b_i ~ U(0, ``temptation``) (drawn once) exceeds
``norm``·L_i + ``deterrence``·π_i, L_i its legitimacy and π_i the sanction chance it
perceives from last step's enforcement. Capacity is fixed: K = ``capacity`` sanctions
per 1,000 citizens per step, each paid ``sanction_cost`` (ledger use ``sanctions``), or,
with ``funding`` capacity, the whole capacity paid every step whether used or not.
A share ρ of K is rule-bound and concentrated: violators are sanctioned in a published
priority order (a rank u_i ~ U(0, 1) drawn once); whoever ranks below the last violator
reached knows a violation is sanctioned for sure (π = 1; all of them when the capacity
reached every violator). The rest is discretionary: random among the other violators,
connected ones spared with weight 1 − favouritism; they perceive π = K_d / Σ weights.

Appeals: citizens given less than the rule's entitlement by more than ``tolerance`` and
sanctioned citizens want to appeal with probability ``appeal_rate``. An appeal is heard
when there are courts (mediation's judicial channel) and the decision can be reviewed
against a published rule: a sanction imposed by the rule-bound priority order always, a
discretionary sanction never (it has no stated basis), an allocation with probability ρ
(the share of it taken under the rule; an assumption). Heard appeals enter that channel
(mediation.step's ``appeals``). Arrests in unrest: officers
pick among the active citizens in their reach with weight 1 − (1 − ρ)·favouritism·k_i
(:meth:`arrest_weights`, handed to unrest). Relocation compensation: payments among the
citizens due are tilted by 1 + (1 − ρ)·favouritism·k_i at the same total
(:meth:`favour_weights`, handed to compensation).

Procedural justice (Tyler 2006; Sunshine & Tyler 2003), from what citizens observe of
themselves and their contacts S_i = {i} ∪ N(i), never from ρ itself: J_i moves by
``perception`` a step towards the mean of consistency (1 − mean over S_i of
min(1, |q_j / r_j − 1|): departures from the published rule), neutrality (1 − the
favour seen: the mean departure q_j / r_j − 1 of the connected in S_i minus that of the
others, in [0, 1]; 1 when S_i holds no pair to compare) and voice (V_i, the share of the
appeals wanted in S_i that were heard, followed at the rate ``perception``; it starts at
1 and stays where it is while nobody in S_i wants to appeal; 0 without courts). Rule and
discretion that treat citizens alike give the same J (tests/test_law.py). Legitimacy
L_i = ``justice_weight``·J_i + (1 − justice_weight)·T_gov,i; the model uses it instead of
trust in grievance, unrest and co-production. Disabled: nothing is drawn or paid.
"""

from __future__ import annotations

import math

import numpy as np

from ..mechanism import Mechanism, metric
from .resources import reweigh


@metric("procedural justice", "index", 0, 1)
def procedural_justice(m) -> float:
    """Mean perceived procedural justice J (7.22; NaN when law-based governance is off:
    there is no such perception to measure, and 0 would read as the worst)."""
    return float(m.law.justice.mean()) if _law_on(m) else math.nan


@metric("legitimacy", "index", 0, 1)
def legitimacy(m) -> float:
    """Mean legitimacy L = w·J + (1 − w)·T_gov (7.22; NaN when law-based governance is off)."""
    return float(m.law.legitimacy.mean()) if _law_on(m) else math.nan


@metric("rule violations", "share of citizens", 0, 1)
def violations(m) -> float:
    """Share of citizens violating a rule this step (7.22)."""
    return m.law.violations if _law_on(m) else 0.0


@metric("sanctions", "per 1,000 citizens per step", 0, 1000.0)
def sanctions(m) -> float:
    """Sanctions imposed this step per 1,000 citizens (7.22)."""
    return 1000.0 * m.law.sanctions / m.citizens.n if _law_on(m) else 0.0


@metric("appeals", "per 1,000 citizens per step", 0, 1000.0)
def appeals(m) -> float:
    """Appeals of government decisions lodged this step per 1,000 citizens (7.22)."""
    return 1000.0 * m.law.appeals / m.citizens.n if _law_on(m) else 0.0


class Law(Mechanism):
    """Rule and discretion in allocation, enforcement, appeals; see :meth:`step`, :meth:`update`."""

    name = "law"
    headline = ("procedural_justice", "legitimacy", "violations", "sanctions", "appeals")
    reads = ("scenario", "citizens", "needs", "headcount", "adjacency", "degree", "government",
             "jailed", "open_disputes")
    writes = ("law_legitimacy", "rule_weights", "favour_weights", "arrest_weights", "appealing")
    metrics = (procedural_justice, legitimacy, violations, sanctions, appeals)

    def __init__(self, params, trust: np.ndarray, rng: np.random.Generator):
        self.params = params
        self.enabled = bool(params.enabled)
        self.rng = rng
        n = trust.size
        on = self.enabled
        self.connected = rng.random(n) < params.connected if on else np.zeros(n, dtype=bool)
        self.temptation = params.temptation * rng.random(n) if on else np.zeros(n)
        self.rank = rng.permutation(n) / n if on else np.zeros(n)  # published priority order
        # citizens start judging procedures as they judge performance (an assumption)
        self.justice = trust.copy() if on else np.zeros(n)
        self.legitimacy = trust.copy() if on else np.zeros(n)
        self.voice = np.ones(n) if on else np.zeros(n)  # share of appeals seen heard
        self.weights: np.ndarray | None = None  # claims on the cell's service this step
        self.appealing = np.zeros(n, dtype=bool)  # appeals heard this step (to the courts)
        self.wanting = np.zeros(n, dtype=bool)  # appeals wanted last step (heard or not)
        self.by_rule = np.zeros(n, dtype=bool)  # sanctioned by the rule-bound order last step
        self.cutoff = 0.0  # rank up to which rule-bound enforcement reached last step
        self.chance = 0.0  # discretionary sanction chance per unit of weight, last step
        self.carry = 0.0  # capacity below one whole sanction, kept for the next step
        self.violations = 0.0  # share of citizens violating this step
        self.sanctions = 0  # sanctions this step
        self.appeals = 0  # appeals lodged this step
        self.parts = (0.0, 0.0, 0.0)  # mean consistency, neutrality, voice (last perception)

    def update(self, need, cell, cells: int, trust, adj, degree, government, jailed,
             disputing, courts: bool) -> None:
        """Allocate claims, perceive, enforce, appeal (in that order, one step)."""
        self.violations, self.sanctions, self.appeals = 0.0, 0, 0
        if not self.enabled:
            return
        rule, claims = self._allocate(need, cell, cells)
        self._perceive(rule, claims, trust, adj, degree, courts)
        sanctioned = self._enforce(jailed, government)
        self._appeal(rule, claims, sanctioned, jailed | disputing, courts)
        self._hear(adj, courts)

    # ----------------------------------------------------------------- parts
    def _allocate(self, need, cell, cells):
        """Rule entitlements r_i and claims q_i (Σ_c q = Σ_c need); keeps the weights."""
        p, rho = self.params, self.params.rule_of_law
        if p.rule_basis == "need":  # the published rule allocates by assessed need
            rule = need.astype(float, copy=True)
        else:  # a flat entitlement, the cell's mean need per head
            headcount = np.bincount(cell, minlength=cells)
            cell_need = np.bincount(cell, weights=need, minlength=cells)
            rule = np.divide(cell_need, headcount, out=np.zeros(cells),
                             where=headcount > 0)[cell]
        noise = np.exp(p.noise * self.rng.standard_normal(need.size) - 0.5 * p.noise ** 2)
        discretion = need * (1.0 + p.favouritism * self.connected) * noise
        self.weights = rho * rule + (1.0 - rho) * discretion
        return rule, reweigh(need, cell, cells, self.weights)

    def _perceive(self, rule, claims, trust, adj, degree, courts: bool) -> None:
        """Procedural justice from how i and its contacts are treated (what they observe:
        departures from the published rule, favours, appeals heard); legitimacy. ρ is not
        read here: rule and discretion that treat citizens alike give the same J."""
        p = self.params
        departure = np.divide(claims, rule, out=np.ones_like(rule), where=rule > 0) - 1.0
        gap = np.minimum(1.0, np.abs(departure))
        consistency = 1.0 - (gap + adj @ gap) / (1.0 + degree)
        neutrality = 1.0 - self._favour_seen(departure, adj)
        voice = self.voice if courts else 0.0
        fair = (consistency + neutrality + voice) / 3.0
        # this step's mean criteria, for the docs' decomposition of the J gap (7.22)
        self.parts = (float(consistency.mean()), float(neutrality.mean()), float(np.mean(voice)))
        self.justice += p.perception * (fair - self.justice)
        self.legitimacy = p.justice_weight * self.justice + (1.0 - p.justice_weight) * trust

    def _favour_seen(self, departure, adj) -> np.ndarray:
        """Favour seen by i in S_i = {i} ∪ N(i): the connected's mean departure from the
        rule minus the others' (noise alone cancels on average), in [0, 1]; 0 where S_i
        holds no connected citizen or no other to compare."""
        k = self.connected.astype(float)
        count_k = k + adj @ k
        count_o = (1.0 - k) + adj @ (1.0 - k)
        sum_k = k * departure + adj @ (k * departure)
        sum_o = (1.0 - k) * departure + adj @ ((1.0 - k) * departure)
        both = (count_k > 0) & (count_o > 0)
        mean_k = np.divide(sum_k, count_k, out=np.zeros_like(sum_k), where=both)
        mean_o = np.divide(sum_o, count_o, out=np.zeros_like(sum_o), where=both)
        return np.clip(mean_k - mean_o, 0.0, 1.0)

    def _hear(self, adj, courts: bool) -> None:
        """Voice: V_i follows the share of the appeals wanted in S_i that were heard
        (unchanged where nobody in S_i wanted to appeal this step)."""
        if not courts:
            return
        wanted = self.wanting.astype(float)
        heard = (self.wanting & self.appealing).astype(float)
        wanted_seen = wanted + adj @ wanted
        heard_seen = heard + adj @ heard
        seen = wanted_seen > 0
        share = np.divide(heard_seen, wanted_seen, out=np.ones_like(wanted_seen), where=seen)
        self.voice = np.where(seen, self.voice + self.params.perception * (share - self.voice),
                              self.voice)

    def favour_weights(self) -> np.ndarray:
        """Weights of relocation compensation among the citizens due (7.17), at the same
        total: discretion favours the connected, 1 + (1 − ρ)·favouritism·k_i."""
        p = self.params
        return 1.0 + (1.0 - p.rule_of_law) * p.favouritism * self.connected

    def arrest_weights(self) -> np.ndarray:
        """Weights of officers' picks among active citizens in unrest (7.12): the rule
        arrests whoever is active, discretion spares the connected,
        1 − (1 − ρ)·favouritism·k_i."""
        p = self.params
        return 1.0 - (1.0 - p.rule_of_law) * p.favouritism * self.connected

    def perceived_chance(self) -> np.ndarray:
        """π_i: 1 within the rule's reach, else the discretionary chance (connected spared)."""
        spared = 1.0 - self.params.favouritism * self.connected
        return np.where(self.rank < self.cutoff, 1.0, np.minimum(1.0, self.chance * spared))

    def violators(self, legitimacy, chance, free) -> np.ndarray:
        """Free citizens whose temptation exceeds norm·L + deterrence·π."""
        p = self.params
        return free & (self.temptation > p.norm * legitimacy + p.deterrence * chance)

    def _enforce(self, jailed, government) -> np.ndarray:
        """Violations, then sanctions within capacity: rule-bound first, in priority order,
        then discretionary; returns the mask of citizens sanctioned (as many as are paid for)."""
        p, n = self.params, self.rank.size
        violating = self.violators(self.legitimacy, self.perceived_chance(), ~jailed)
        self.violations = float(violating.mean())
        credit = p.capacity * n / 1000.0 + self.carry
        capacity = int(np.floor(credit + 1e-9))
        self.carry = credit - capacity
        by_rule = int(round(p.rule_of_law * capacity))
        at_will = capacity - by_rule
        who = np.flatnonzero(violating)
        who = who[np.argsort(self.rank[who], kind="stable")]  # in the published order
        ruled, rest = who[:by_rule], who[by_rule:]
        weight = 1.0 - p.favouritism * self.connected[rest]
        # weighted sampling without replacement (Efraimidis & Spirakis 2006)
        keys = self.rng.random(rest.size) ** (1.0 / np.maximum(weight, 1e-12))
        order = np.argsort(-keys, kind="stable")[:at_will]
        chosen = rest[order[weight[order] > 0]]  # fully spared citizens are never sanctioned
        picked = np.concatenate([ruled, chosen])
        if p.funding == "capacity":  # the whole force is paid, used or not
            paid = min(picked.size, government.pay_each(p.sanction_cost, capacity, "sanctions"))
        else:
            paid = government.pay_each(p.sanction_cost, picked.size, "sanctions")
        self.sanctions = int(paid)
        # what citizens will perceive next step, from the sanctions actually imposed
        reached = min(paid, ruled.size)
        if by_rule == 0:
            self.cutoff = 0.0
        else:  # everyone ranked below the first violator not reached is sure to be sanctioned
            self.cutoff = float(self.rank[who[reached]]) if reached < who.size else 1.0
        total = float(weight.sum())
        imposed = paid - reached
        self.chance = min(1.0, imposed / total) if total > 0 else float(at_will > 0)
        sanctioned = np.zeros(n, dtype=bool)
        sanctioned[picked[:paid]] = True
        self.by_rule = np.zeros(n, dtype=bool)
        self.by_rule[ruled[:reached]] = True  # imposed by the published order: reviewable
        return sanctioned

    def _appeal(self, rule, claims, sanctioned, barred, courts: bool) -> None:
        """Appeals wanted (decisions below the rule's entitlement, sanctions) and heard
        (courts, and a decision reviewable against a published rule)."""
        p = self.params
        draw = self.rng.random(rule.size)
        if not courts:
            self.appealing[:] = False
            self.wanting[:] = False
            return
        short = claims < rule * (1.0 - p.tolerance)
        self.wanting = (short | sanctioned) & ~barred & (draw < p.appeal_rate)
        # an allocation is reviewable as far as it was taken under the rule (share ρ);
        # a sanction if the published order imposed it, a discretionary one never
        review = self.rng.random(rule.size) < p.rule_of_law
        reviewable = self.by_rule | (short & review)
        self.appealing = self.wanting & reviewable
        self.appeals = int(self.appealing.sum())

    @classmethod
    def build(cls, ctx):
        unit = cls(ctx.scenario.mechanisms.law, ctx.citizens.trust_gov, ctx.stream("law"))
        if unit.enabled:
            unit.publish(ctx)
        return unit

    def reform(self, ctx, params) -> None:
        was = self.enabled
        super().reform(ctx, params)
        if self.switched_on(was):  # citizens' traits, drawn now from the law's stream
            self.__init__(params, ctx.citizens.trust_gov, self.rng)
        if self.enabled:
            self.publish(ctx)
        else:
            ctx.law_legitimacy = ctx.rule_weights = ctx.favour_weights = None
            ctx.arrest_weights = ctx.appealing = None

    def publish(self, ctx) -> None:
        ctx.law_legitimacy = self.legitimacy
        ctx.rule_weights = self.weights
        ctx.favour_weights = self.favour_weights()
        ctx.arrest_weights = self.arrest_weights()
        ctx.appealing = self.appealing

    def step(self, ctx) -> None:
        """This step's allocation claims, procedural justice and legitimacy, violations and
        sanctions, appeals (to mediation's judicial channel), 7.22."""
        if not self.enabled:
            return
        c, mech = ctx.citizens, ctx.scenario.mechanisms
        ordinary = ctx.needs.ordinary(c)
        courts = mech.mediation.enabled and mech.mediation.judicial_capacity > 0
        self.update(c.need if ordinary is None else ordinary, c.cell, ctx.cells, c.trust_gov,
                    ctx.adjacency, ctx.degree, ctx.government, ctx.jailed, ctx.open_disputes,
                    courts)
        self.publish(ctx)


def _law_on(m) -> bool:
    law = getattr(m, "law", None)
    return law is not None and law.enabled



"""Grievance and unrest, after Epstein (2002), on the citizen network.

Grievance G_i = H_i·(1 − L_i) with hardship H_i = 1 − S_i (unmet need) and
legitimacy L_i = T_gov,i, plus the pressure of unresolved disputes (mediation;
computed by the model, see docs/model.md). Epstein's own set-up is available:
``legitimacy`` fixes one global L for everybody and ``hardship: uniform`` draws
H_i ~ U(0, 1) once; then G_i = H_i·(1 − L) and nothing else enters.

A free citizen is active when

    G_i − R_i·P_i > T,    P_i = 1 − exp(−k · round(C / (A_i + 1)))

with risk aversion R_i ~ U(0, 1) drawn once, threshold T = ``threshold``, k = ``k``,
C = ``enforcement`` (officers within a neighbourhood on average: Epstein's cops in
vision, as citizens perceive them) and A_i the active neighbours at the start of
the step (Python's round, as in Mesa's Epstein example). P_i is what citizens
perceive; arrests are made by officers. There are M = round(C·N/(k̄ + 1)) of them,
so a neighbourhood of mean size k̄ + 1 holds C on average. Each step they stand at
uniformly random citizens (Epstein's cops move at random); an officer's reach is
the citizen it stands at and that citizen's neighbours, and it arrests at most one
active citizen in its reach, drawn at random (Epstein 2002; officers who pick the
same citizen make one arrest, so arrests ≤ M). The arrested are jailed for a
uniform 1..``jail_term`` steps; jailed citizens are inactive and, through
:attr:`jailed`, out of the other mechanisms (the ``jailed`` signal of the step context).
Enforcement costs ``officer_cost`` per officer per step (ledger use
``enforcement``), and only officers that are paid for are on the street: when the
treasury cannot pay all M, the M' it can pay for are placed and arrest, and the
perceived P_i uses C' = C·M'/M, the officers a neighbourhood holds on average of
the force actually fielded (citizens see the police on their streets, not its
budget; with a full treasury C' = C).

The jail does not start empty: :meth:`warm_up` runs the rule 3·``jail_term``
steps at set-up on the initial grievance (nothing paid or recorded), so step 1
starts from the jail's equilibrium rather than a first-step outburst.
Disabled: nobody is ever active and nothing is paid.
"""

from __future__ import annotations

import numpy as np

from ..mechanism import Mechanism, metric
from ..network import neighbours_of


@metric("unrest", "share of citizens", 0, 1)
def unrest(m) -> float:
    """Fraction of citizens active (protesting) this step."""
    return m.unrest.protesting


@metric("arrests", "count per step", 0)
def arrests(m) -> int:
    """Arrests this step."""
    return m.unrest.arrests


class Unrest(Mechanism):
    """Officers, activation, arrests and jail; phase :meth:`step`, equations :meth:`update`."""

    name = "unrest"
    headline = ("unrest", "arrests")
    reads = ("scenario", "citizens", "adjacency", "degree", "government", "law_legitimacy",
             "dispute_pressure", "arrest_weights", "t")
    writes = ("jailed", "protesting", "citizens.grievance")
    metrics = (unrest, arrests)

    def __init__(self, params, n: int, rng: np.random.Generator):
        self.params = params
        self.enabled = params.enabled
        self.rng = rng
        self.risk_aversion = rng.random(n) if self.enabled else np.zeros(n)
        self.hardship = rng.random(n) if self.enabled and params.hardship == "uniform" else None
        self.active = np.zeros(n, dtype=bool)
        self.jailed_until = np.full(n, np.iinfo(np.int64).min // 2)  # free before any step
        self.jailed = np.zeros(n, dtype=bool)  # in jail for the rest of the current step
        self.arrests = 0
        self.protesting = 0.0  # share of citizens active this step (arrested ones included)
        self.fielded = 0  # officers paid for and on the street this step

    def arrest_probability(self, active_neighbours: np.ndarray, share: float = 1.0) -> np.ndarray:
        """Perceived P = 1 − exp(−k · round(C' / (A + 1))), C' = C × ``share`` (the share of
        the M officers on the street); round half to even like Python's."""
        p = self.params
        return 1.0 - np.exp(-p.k * np.round(p.enforcement * share / (active_neighbours + 1.0)))

    def officers(self, deg: np.ndarray) -> int:
        """M = round(C·N/(k̄ + 1)): C officers in a neighbourhood of mean size."""
        return int(round(self.params.enforcement * deg.size / (deg.mean() + 1.0)))

    def grievance(self, grievance, satisfaction, trust) -> np.ndarray:
        """The model's grievance, or Epstein's H·(1 − L) when legitimacy or hardship is fixed."""
        p = self.params
        if p.legitimacy is None and self.hardship is None:
            return grievance
        hardship = 1.0 - satisfaction if self.hardship is None else self.hardship
        legitimacy = trust if p.legitimacy is None else p.legitimacy
        return hardship * (1.0 - legitimacy)

    def warm_up(self, grievance, adj, deg, first: int = 1) -> None:
        """Run the rule 3·jail_term steps before step ``first`` (the model's first step, which
        is ≤ 0 when the whole model warms up too), paying and recording nothing."""
        if not self.enabled:
            return
        steps = 3 * max(1, self.params.jail_term)
        for t in range(first - steps, first):
            self._act(grievance, adj, deg, t, self.officers(deg))
        self.arrests, self.protesting = 0, 0.0

    def update(self, grievance, adj, deg, government, t: int, weights=None) -> None:
        """Pay officers, decide who is active, arrest within capacity.

        Only the officers the treasury pays for this step are on the street
        (``Government.pay_each``): fewer officers, fewer arrests and a lower perceived P.
        ``weights`` (one per citizen, law-based governance 7.22) make an officer's pick
        among the active citizens in its reach weighted (weight 0: never arrested);
        None: uniform, as in Epstein's model.
        """
        self.arrests = 0
        self.protesting = 0.0
        self.fielded = 0
        if not self.enabled:
            return
        self.fielded = government.pay_each(self.params.officer_cost, self.officers(deg),
                                           "enforcement")
        self._act(grievance, adj, deg, t, self.fielded, weights)

    def _act(self, grievance, adj, deg, t: int, fielded: int, weights=None) -> None:
        p, n = self.params, deg.size
        wanted = self.officers(deg)
        prob = self.arrest_probability(adj @ self.active.astype(float),
                                       fielded / wanted if wanted else 1.0)
        free = self.jailed_until <= t
        self.active = free & (grievance - self.risk_aversion * prob > p.threshold)
        self.protesting = float(self.active.mean())
        post = self.rng.integers(0, n, fielded)  # where each officer on the street stands
        arrested = self._arrest(post, adj, weights)
        term = self.rng.integers(1, max(1, p.jail_term) + 1, size=arrested.size)
        self.jailed_until[arrested] = t + term
        self.active[arrested] = False
        self.jailed = self.jailed_until > t
        self.arrests = int(arrested.size)

    def _arrest(self, post: np.ndarray, adj, weights=None) -> np.ndarray:
        """Each officer picks one active citizen in its reach at random (in proportion to
        ``weights`` when given: the largest u^(1/w), Efraimidis & Spirakis 2006); distinct
        picks."""
        if not self.active.any() or post.size == 0:
            return np.zeros(0, dtype=np.int64)
        who, around = neighbours_of(adj, post)
        officer = np.concatenate([np.arange(post.size), who])
        reach = np.concatenate([post, around])
        hit = self.active[reach]
        if weights is not None:
            hit &= weights[reach] > 0
        officer, reach = officer[hit], reach[hit]
        keys = self.rng.random(officer.size)
        if weights is not None:
            keys = -(keys ** (1.0 / weights[reach]))
        order = np.lexsort((keys, officer))  # random order per officer
        first = np.unique(officer[order], return_index=True)[1]
        return np.unique(reach[order][first])

    @classmethod
    def build(cls, ctx):
        c = ctx.citizens
        unit = cls(ctx.scenario.mechanisms.unrest, c.n, ctx.stream("unrest"))
        if unit.enabled:  # start from the jail's equilibrium, not an empty jail
            ctx.update_grievance()
            unit.warm_up(unit.grievance(c.grievance, c.satisfaction, ctx.legitimacy),
                         ctx.adjacency, ctx.degree, first=1 - ctx.scenario.warmup)
        unit.publish(ctx)
        return unit

    def reform(self, ctx, params) -> None:
        was = self.enabled
        super().reform(ctx, params)
        if self.switched_on(was):  # risk aversion (and hardship), drawn now from its stream
            self.__init__(params, ctx.citizens.n, self.rng)
            self.publish(ctx)
        elif was and not self.enabled:  # switched off: the jail opens, nobody protests
            self.jailed[:] = self.active[:] = False
            self.jailed_until[:] = np.iinfo(np.int64).min // 2

    def publish(self, ctx) -> None:
        ctx.jailed, ctx.protesting = self.jailed, self.active

    def step(self, ctx) -> None:
        """Unrest on the grievance citizens carry (7.12), after mediation's."""
        if not self.enabled:
            return
        c = ctx.citizens
        ctx.update_grievance()
        self.update(self.grievance(c.grievance, c.satisfaction, ctx.legitimacy), ctx.adjacency,
                    ctx.degree, ctx.government, ctx.t, ctx.arrest_weights)
        self.publish(ctx)


FROZEN_IN_JAIL = ("trust_gov", "trust_ngo", "opinion")  # what jailed citizens do not update


class JailHold(Mechanism):
    """Jailed citizens' trust and opinion, kept out of this step's learning (7.12)."""

    name = "jail_hold"
    reads = ("citizens", "jailed")
    writes = ("held",)

    def step(self, ctx) -> None:
        jailed, c = ctx.jailed, ctx.citizens
        ctx.held = None if not jailed.any() else {
            k: getattr(c, k)[jailed].copy() for k in FROZEN_IN_JAIL if getattr(c, k) is not None}


class JailRelease(Mechanism):
    """Jailed citizens get back the trust and opinion they held before learning (7.12)."""

    name = "jail_release"
    reads = ("citizens", "jailed", "held")
    writes = ("citizens.trust_gov", "citizens.trust_ngo", "citizens.opinion")

    def step(self, ctx) -> None:
        if ctx.held is not None:
            for k, v in ctx.held.items():
                getattr(ctx.citizens, k)[ctx.jailed] = v

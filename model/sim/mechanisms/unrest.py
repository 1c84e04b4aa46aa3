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

Epstein's own space (``space: grid``, model/sim/grid.py): citizens and M =
round(``grid.officers``·width·height) officers stand on the cells of a torus and see the
von Neumann diamond of radius ``grid.vision``. Then A_i and C_i are the active citizens
and the officers on the street in i's vision, P_i = 1 − exp(−k · round(C_i / (A_i + 1)))
(``enforcement`` is not used), an officer arrests one active citizen in its vision, and
with ``grid.movement`` free citizens and all officers then move to a random empty cell in
vision, as in Mesa's example of the model; the citizen network carries the rest of the
model as before.

The jail does not start empty: :meth:`warm_up` runs the rule 3·``jail_term``
steps at set-up on the initial grievance (nothing paid or recorded), so step 1
starts from the jail's equilibrium rather than a first-step outburst.
Disabled: nobody is ever active and nothing is paid.
"""

from __future__ import annotations

import numpy as np

from ..grid import StreetGrid
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
        self.grid: StreetGrid | None = None  # Epstein's streets (space: grid), placed at build

    def arrest_probability(self, active_neighbours: np.ndarray, share: float = 1.0) -> np.ndarray:
        """Perceived P = 1 − exp(−k · round(C' / (A + 1))), C' = C × ``share`` (the share of
        the M officers on the street); round half to even like Python's."""
        p = self.params
        return 1.0 - np.exp(-p.k * np.round(p.enforcement * share / (active_neighbours + 1.0)))

    def officers(self, deg: np.ndarray) -> int:
        """M = round(C·N/(k̄ + 1)): C officers in a neighbourhood of mean size; on the grid,
        round(officers per cell × cells)."""
        if self.grid is not None:
            return self.grid.cell.size - self.grid.n
        return int(round(self.params.enforcement * deg.size / (deg.mean() + 1.0)))

    def place(self, n: int, rng: np.random.Generator) -> None:
        """Stand citizens and officers on Epstein's grid (``space: grid``) at random cells."""
        p = self.params
        if not self.enabled or p.space != "grid":
            self.grid = None
            return
        g = p.grid
        officers = int(round(g.officers * g.width * g.height))
        self.grid = StreetGrid(g.width, g.height, g.vision, n, officers, rng)

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
        if self.grid is not None and p.grid.update == "sequential":
            self._act_in_turn(grievance, t, fielded, weights)
            return
        free = self.jailed_until <= t
        if self.grid is not None:
            prob = self._grid_probability(fielded)
        else:
            wanted = self.officers(deg)
            prob = self.arrest_probability(adj @ self.active.astype(float),
                                           fielded / wanted if wanted else 1.0)
        self.active = free & (grievance - self.risk_aversion * prob > p.threshold)
        self.protesting = float(self.active.mean())
        if self.grid is not None:
            arrested = self._grid_arrest(fielded, weights)
        else:
            post = self.rng.integers(0, n, fielded)  # where each officer on the street stands
            arrested = self._arrest(post, adj, weights)
        term = self.rng.integers(1, max(1, p.jail_term) + 1, size=arrested.size)
        self.jailed_until[arrested] = t + term
        self.active[arrested] = False
        self.jailed = self.jailed_until > t
        self.arrests = int(arrested.size)
        if self.grid is not None and p.grid.movement:  # the jailed stay where they were taken
            officers = np.arange(n, self.grid.cell.size)
            self.grid.move(np.concatenate([np.flatnonzero(~self.jailed), officers]), self.rng)

    def _act_in_turn(self, grievance, t: int, fielded: int, weights=None) -> None:
        """Mesa's schedule on the grid: citizens and officers act one at a time in a random
        order, each on the current state, and move right after acting (Python work per agent,
        meant for Epstein-sized grids)."""
        p, g, n, rng = self.params, self.grid, self.grid.n, self.rng
        occupant = np.full(g.cells, -1, dtype=np.int64)
        occupant[g.cell] = np.arange(g.cell.size)
        vision = g.around(np.arange(g.cells))
        on_duty = n + fielded  # officers beyond the paid ones stay off the street
        arrested = []
        for a in rng.permutation(on_duty).tolist():
            seen = occupant[vision[g.cell[a]]]
            citizens = seen[(seen >= 0) & (seen < n)]
            if a < n:
                if self.jailed_until[a] > t:
                    continue  # the jailed neither act nor move
                cops = int(((seen >= n) & (seen < on_duty)).sum())
                active = int(self.active[citizens].sum())
                prob = 1.0 - np.exp(-p.k * round(cops / (active + 1)))
                self.active[a] = grievance[a] - self.risk_aversion[a] * prob > p.threshold
            else:
                suspects = citizens[self.active[citizens]]
                if weights is not None:
                    suspects = suspects[weights[suspects] > 0]
                if suspects.size:
                    w = None if weights is None else weights[suspects] / weights[suspects].sum()
                    x = int(rng.choice(suspects, p=w))
                    self.active[x] = False
                    self.jailed_until[x] = t + int(rng.integers(1, max(1, p.jail_term) + 1))
                    arrested.append(x)
            if p.grid.movement:
                empty = vision[g.cell[a]][seen < 0]
                if empty.size:
                    to = int(empty[rng.integers(empty.size)])
                    occupant[g.cell[a]], occupant[to] = -1, a
                    g.cell[a] = to
        self.jailed = self.jailed_until > t
        self.arrests = len(arrested)
        # active this step: those active now and those arrested while active
        self.protesting = float(self.active.mean()) + self.arrests / n

    def _on_street(self, fielded: int) -> np.ndarray:
        """Agent indices of the officers on the street: the first ``fielded`` (those paid)."""
        return np.arange(self.grid.n, self.grid.n + fielded)

    def _grid_probability(self, fielded: int) -> np.ndarray:
        """P_i = 1 − exp(−k · round(C_i / (A_i + 1))) from the officers and actives in vision."""
        g, cells = self.grid, self.grid.cell[: self.grid.n]
        active = g.in_vision(np.flatnonzero(self.active), cells)
        cops = g.in_vision(self._on_street(fielded), cells)
        return 1.0 - np.exp(-self.params.k * np.round(cops / (active + 1.0)))

    def _grid_arrest(self, fielded: int, weights=None) -> np.ndarray:
        """Each officer on the street picks one active citizen in its vision (distinct picks)."""
        if not self.active.any() or fielded == 0:
            return np.zeros(0, dtype=np.int64)
        g = self.grid
        who = np.full(g.cells, -1)
        who[g.cell[: g.n]] = np.arange(g.n)
        seen = who[g.around(g.cell[self._on_street(fielded)])]  # officers x cells in vision
        officer = np.repeat(np.arange(fielded), seen.shape[1])
        reach = seen.ravel()
        hit = reach >= 0
        hit[hit] = self.active[reach[hit]]
        return self._pick(officer[hit], reach[hit], weights)

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
        return self._pick(officer[hit], reach[hit], weights)

    def _pick(self, officer: np.ndarray, reach: np.ndarray, weights=None) -> np.ndarray:
        """One active citizen per officer among its (officer, citizen) pairs, at random."""
        if weights is not None:
            keep = weights[reach] > 0
            officer, reach = officer[keep], reach[keep]
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
        unit.place(c.n, ctx.stream("unrest_grid"))
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
            self.place(ctx.citizens.n, self.rng)
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

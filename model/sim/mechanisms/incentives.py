"""Interest incentives as co-production: a networked public-goods game.

After Santos, Santos & Pacheco (2008): every citizen y centres a group made of
itself and its k_y neighbours (size G_y = k_y + 1) and takes part in the G_x
groups centred on itself and on each neighbour. With s ∈ {0, 1} (1 = contribute):

* ``contribution: per_group`` (default): a contributor puts c (``cost``) into every
  group it belongs to, so it pays c·G_x in all; group y's pot is r·c·n_y with
  n_y = s_y + Σ_{z∈N(y)} s_z.
* ``per_individual``: a contributor's total c is split over its groups, c/G_x each;
  pot_y = r · (a_y + Σ_{z∈N(y)} a_z) with a_x = s_x c / G_x.

Each pot is shared equally among the group, so the co-produced service a citizen
receives is P⁺_x = Σ_{y∈{x}∪N(x)} pot_y / G_y. With π_x = P⁺_x − cost_x + σ s_x its
payoff is P_x = π_x + κ max(0, π̄_N(x) − π_x): σ is the government's ``subsidy`` per
unit contributed and κ (``compensation``) tops up a citizen who gains less than its
neighbours on average (π̄_N(x)), so that the split of co-produced gains is fairer
(interest compensation, 利益补偿). A contributor's input is scaled by its
participation g(T_gov) (trust basis). Levers are set from the payoffs at the start
of the round and paid from the treasury; if it cannot pay all, every payment is cut
pro rata (ratio ρ).

Strategies then update by Fermi imitation (Szabó & Tőke 1998; Szolnoki et al.
2009): x picks a random neighbour y and copies its strategy with probability
1 / (1 + exp((P_x − P_y) / (K·c))). Payoffs are measured in units of the cost c,
so K keeps its published meaning whatever the money scale. ``synchronous``: all
citizens compare the same payoffs at once; ``asynchronous``: N random sequential
elementary updates per step (a Monte Carlo step), payoffs recomputed locally.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from ..mechanism import Mechanism, metric
from ..network import neighbour_mean, random_neighbour
from ..population import gate


def group_payoffs(adj, deg, s: np.ndarray, r: float, c: float, per_group: bool):
    """Co-produced service P⁺ and contribution cost for contribution levels ``s`` in [0, 1]."""
    size = deg + 1.0
    if per_group:
        pot = r * c * (s + adj @ s)
        cost = s * c * size
    else:
        a = s * c / size
        pot = r * (a + adj @ a)
        cost = s * c
    share = pot / size
    return share + adj @ share, cost


def lever_payments(gross, cost, s, subsidy: float, compensation: float, adj, deg):
    """Subsidy to contributors and compensation toward the neighbourhood mean, before cuts."""
    sub = subsidy * s
    if compensation == 0:
        return sub, np.zeros_like(sub)
    pi = gross - cost + sub
    comp = compensation * np.maximum(0.0, neighbour_mean(adj, pi, deg) - pi)
    return sub, comp


@metric("incentive spending", "money per step", 0)
def incentive_spend(m) -> float:
    """Subsidies and compensation paid this step."""
    return float(m.ledger.this_step["subsidy"] + m.ledger.this_step["compensation"])


class Incentives(Mechanism):
    """The co-production game; phase :meth:`step` (:meth:`warm_up` at build)."""

    name = "incentives"
    reads = ("scenario", "citizens", "adjacency", "degree", "government", "law_legitimacy",
             "jailed", "credit_bonus", "credit_eligible")
    writes = ("citizens.strategy", "citizens.payoff", "citizens.service_coprod")
    metrics = (incentive_spend,)

    def __init__(self, params, n: int, rng: np.random.Generator):
        self.params = params
        self.enabled = params.enabled
        self.rng = rng
        self.initial = (rng.random(n) < params.initial_cooperation).astype(float)
        self.contributed = 0.0  # citizens' own contributions this step (money-equivalent)
        self.warmup_rounds = 0  # rounds the warm-up took
        self._rho = 1.0
        self._eligible = None  # who may receive the subsidy this round (citizens' credit)

    def warm_up(self, state, adj, deg, participation) -> None:
        """Play ``warmup`` rounds before step 1, so step 1 starts near the game's steady state.

        Cooperator clusters grow slowly from a random start (hundreds of rounds on a
        small-world ring), far longer than a run's transient. The warm-up plays all its
        rounds unless strategies are absorbed (all or none contribute: imitation cannot
        change anything any more). It has no convergence test: on the default ring the
        level's slow fluctuations (about 0.01 between blocks of 100 rounds, even at 10,000
        citizens) never let a tolerance tight enough to matter be met; docs/model.md 7.5
        reports how settled it is after 2,000 rounds. Warm-up rounds are history: levers
        count in payoffs as if paid in full, but no money moves and no service is
        delivered (docs/model.md 7.5).
        """
        self.warmup_rounds = 0
        if not self.enabled:
            return
        self._rho = 1.0
        for k in range(1, self.params.warmup + 1):
            gross, cost, sub, comp = self._payoffs(state.strategy, adj, deg, participation)
            state.payoff[:] = gross - cost + sub + comp
            state.strategy = self._imitate(state, participation, adj, deg, comp)
            self.warmup_rounds = k
            if state.strategy.min() == state.strategy.max():
                break  # absorbed: imitation cannot change anything any more

    def update(self, state, adj, deg, government, participation, bonus=None,
             eligible=None) -> None:
        """Play one round: co-produced service, levers paid, strategies updated.

        ``participation`` (per citizen, in [0, 1]) scales what a contributor puts in.
        Citizens' credit (7.16a): ``bonus`` is reward money per citizen, already paid,
        added to payoffs; ``eligible`` (0 or 1 per citizen) who may receive the subsidy.
        """
        if not self.enabled:
            state.service_coprod[:] = 0.0
            self.contributed = 0.0
            return
        gross, cost, sub, comp = self._payoffs(state.strategy, adj, deg, participation,
                                               eligible)
        wanted = sub.sum() + comp.sum()
        available = max(0.0, government.treasury)  # an overdrawn treasury pays nothing
        rho = 1.0 if wanted <= available else available / wanted
        self._rho = rho
        government.pay(rho * sub.sum(), "subsidy")
        government.pay(rho * comp.sum(), "compensation")
        state.service_coprod[:] = gross
        self.contributed = float(cost.sum())
        state.payoff[:] = gross - cost + rho * (sub + comp)
        extra = rho * comp
        if bonus is not None:  # credit rewards, fixed for the round like compensation
            state.payoff += bonus
            extra = extra + bonus
        self._eligible = eligible
        state.strategy = self._imitate(state, participation, adj, deg, extra)

    def _payoffs(self, s, adj, deg, participation, eligible=None):
        p = self.params
        q = s * participation
        gross, cost = group_payoffs(adj, deg, q, p.r, p.cost, p.contribution == "per_group")
        subsidy = p.subsidy if eligible is None else p.subsidy * eligible
        sub, comp = lever_payments(gross, cost, q, subsidy, p.compensation, adj, deg)
        return gross, cost, sub, comp

    def _imitate(self, state, participation, adj, deg, comp):
        if self.params.update == "synchronous":
            return self._imitate_synchronous(state.payoff, state.strategy, adj, deg)
        return self._imitate_asynchronous(state.strategy.copy(), participation, adj, deg, comp)

    def _imitate_synchronous(self, payoff, s, adj, deg):
        p = self.params
        y = random_neighbour(adj, deg, self.rng.random(s.size))
        accept = self.rng.random(s.size)
        has = y >= 0
        y = np.where(has, y, np.arange(s.size))  # isolated citizens compare with themselves
        prob = expit((payoff[y] - payoff) / (p.K * p.cost))
        return np.where(has & (accept < prob), s[y], s)

    def _imitate_asynchronous(self, s, participation, adj, deg, comp):
        """Random sequential updates; O(N · k²) Python work, meant for small populations.

        ``comp``: compensation per citizen, fixed for the round (set at its start)."""
        p = self.params
        n = s.size
        xs = self.rng.integers(0, n, size=n)
        us = self.rng.random(n)
        accept = self.rng.random(n)
        indptr, indices = adj.indptr, adj.indices
        for x, u, a in zip(xs, us, accept, strict=True):
            k = deg[x]
            if k == 0:
                continue
            y = indices[indptr[x] + int(u * k)]
            if s[x] == s[y]:
                continue
            px = self._local_payoff(x, s, participation, indptr, indices, deg) + comp[x]
            py = self._local_payoff(y, s, participation, indptr, indices, deg) + comp[y]
            if a < expit((py - px) / (p.K * p.cost)):
                s[x] = s[y]
        return s

    def _local_payoff(self, x, s, participation, indptr, indices, deg):
        """π_x of citizen x alone under the current strategies (same formula as vectorised)."""
        p = self.params
        per_group = p.contribution == "per_group"
        q = lambda z: s[z] * participation[z]  # noqa: E731
        gross = 0.0
        for y in (x, *indices[indptr[x] : indptr[x + 1]]):
            members = indices[indptr[y] : indptr[y + 1]]
            size = deg[y] + 1.0
            if per_group:
                pot = p.r * p.cost * (q(y) + q(members).sum())
            else:
                pot = p.r * (q(y) * p.cost / size + (q(members) * p.cost / (deg[members] + 1)).sum())
            gross += pot / size
        cost = q(x) * p.cost * ((deg[x] + 1) if per_group else 1)
        subsidy = p.subsidy if self._eligible is None else p.subsidy * self._eligible[x]
        return gross - cost + self._rho * subsidy * q(x)

    @classmethod
    def build(cls, ctx):
        s, c = ctx.scenario, ctx.citizens
        game = cls(s.mechanisms.incentives, c.n, ctx.stream("incentives"))
        c.strategy = game.initial.copy()
        game.warm_up(c, ctx.adjacency, ctx.degree, gate(c.trust_gov, s.mechanisms.trust.basis))
        return game

    def step(self, ctx) -> None:
        """Co-production: participation is g(legitimacy); prisoners sit out."""
        participation = gate(ctx.legitimacy, ctx.scenario.mechanisms.trust.basis)
        if ctx.jailed.any():
            participation = np.where(ctx.jailed, 0.0, participation)
        self.update(ctx.citizens, ctx.adjacency, ctx.degree, ctx.government, participation,
                    ctx.credit_bonus, ctx.credit_eligible)



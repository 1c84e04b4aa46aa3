"""Grievance and unrest, after Epstein (2002), on the citizen network.

Grievance G_i = H_i·(1 − L_i) with hardship H_i = 1 − S_i (unmet need) and
legitimacy L_i = T_gov,i, plus the pressure of unresolved disputes (mediation;
computed by the model, see docs/model.md). A free citizen is active when

    G_i − R_i·P_i > T,    P_i = 1 − exp(−k · round(C / (A_i + 1)))

with risk aversion R_i ~ U(0, 1) drawn once, threshold T = ``threshold``, k = ``k``,
C = ``enforcement`` (officers within any citizen's neighbourhood: Epstein's cops in
vision; with C = 2, one active neighbour leaves P ≈ 0.90 and three or more P = 0) and A_i the
active neighbours at the start of the step (Python's round, as in Mesa's Epstein
example). Each active citizen is arrested with probability P_i and jailed for a
uniform 1..``jail_term`` steps (inactive while jailed). Enforcement costs
officers · ``officer_cost`` per step, with officers = C·N/(k̄ + 1) so that a
neighbourhood of mean size k̄ + 1 sees C of them (ledger use ``enforcement``).
Disabled: nobody is ever active and nothing is paid.
"""

from __future__ import annotations

import numpy as np


class Unrest:
    """Activation, arrests and jail; entry point :meth:`step`."""

    def __init__(self, params, n: int, rng: np.random.Generator):
        self.params = params
        self.enabled = params.enabled
        self.rng = rng
        self.risk_aversion = rng.random(n) if self.enabled else np.zeros(n)
        self.active = np.zeros(n, dtype=bool)
        self.jailed_until = np.zeros(n, dtype=np.int64)
        self.arrests = 0
        self.protesting = 0.0  # share of citizens active this step (arrested ones included)

    def arrest_probability(self, active_neighbours: np.ndarray) -> np.ndarray:
        """P = 1 − exp(−k · round(C / (A + 1))), with round-half-to-even like Python's round."""
        p = self.params
        return 1.0 - np.exp(-p.k * np.round(p.enforcement / (active_neighbours + 1.0)))

    def step(self, grievance, adj, deg, government, t: int) -> None:
        """Decide who is active, arrest some, pay for enforcement."""
        self.arrests = 0
        self.protesting = 0.0
        if not self.enabled:
            return
        p = self.params
        officers = p.enforcement * deg.size / (deg.mean() + 1.0)
        government.pay(officers * p.officer_cost, "enforcement")
        prob = self.arrest_probability(adj @ self.active.astype(float))
        free = self.jailed_until <= t
        self.active = free & (grievance - self.risk_aversion * prob > p.threshold)
        self.protesting = float(self.active.mean())
        arrested = self.active & (self.rng.random(deg.size) < prob)
        term = self.rng.integers(1, max(1, p.jail_term) + 1, size=int(arrested.sum()))
        self.jailed_until[arrested] = t + term
        self.active &= ~arrested
        self.arrests = int(arrested.sum())

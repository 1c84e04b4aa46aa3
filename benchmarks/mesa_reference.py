"""The citizen dynamics written the textbook Mesa way: one Agent per citizen.

This is the reference cogov is benchmarked (and tested) against. It runs the same
rules as cogov's population core (GovernanceModel with resources and planning
disabled, see :func:`core_scenario`): the co-production game with trust-scaled
participation and Fermi imitation, satisfaction from co-produced service, and
trust learning plus social influence. Updates are synchronous, staged the Mesa
way: every agent computes from the current state (``shuffle_do``), then all
apply (``do("advance")``). Neighbour agents are cached at set-up (the fastest
idiomatic variant measured in shared/notes/mesa-3.3.1.md).
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from cogov.model import GovernanceModel, Scenario


def core_scenario(n: int, degree: int = 10, **overrides) -> Scenario:
    """cogov with only the citizen dynamics on: incentives (co-production) and trust."""
    return Scenario().replace(**{
        "population.citizens": n, "network.kind": "regular", "network.degree": degree,
        "mechanisms.resources.enabled": False, "mechanisms.planning.enabled": False,
        "population.need.shift.every": 0, "population.agents": "none",
        "organizations.ngos": 0, "organizations.hubs": 0, **overrides})


class ReferenceCitizen(mesa.Agent):
    """A citizen holding its own state, reading neighbours through Python objects."""

    def __init__(self, model, need, trust_gov, trust_ngo, strategy):
        super().__init__(model)
        self.need, self.trust_gov, self.trust_ngo = need, trust_gov, trust_ngo
        self.strategy = strategy
        self.neighbors: tuple = ()
        self.share = self.payoff = self.satisfaction = 0.0

    def participation(self) -> float:
        return min(1.0, self.trust_gov / self.model.basis) * self.strategy

    def compute_share(self) -> None:
        """Stage 1: the pot of the group centred on me, per member."""
        p = self.model.p
        pot = p.r * p.cost * (self.participation() + sum(n.participation() for n in self.neighbors))
        self.share = pot / (len(self.neighbors) + 1)

    def compute_payoff(self) -> None:
        """Stage 2: co-produced service, cost and payoff; satisfaction."""
        p = self.model.p
        gross = self.share + sum(n.share for n in self.neighbors)
        self.payoff = gross - p.cost * self.participation() * (len(self.neighbors) + 1)
        self.satisfaction = min(self.need, gross) / self.need

    def step(self) -> None:
        """Stage 3: decide next strategy and trust from the current state."""
        p, t = self.model.p, self.model.trust
        self.next_strategy = self.strategy
        if self.neighbors:
            other = self.neighbors[int(self.random.random() * len(self.neighbors))]
            x = (other.payoff - self.payoff) / (p.K * p.cost)
            if self.random.random() < 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0:
                self.next_strategy = other.strategy
        gap = self.satisfaction - self.trust_gov
        rate = t.rate if gap >= 0 else min(1.0, t.rate * t.negativity)
        self.next_trust_gov = self._social(self.trust_gov, "trust_gov") + rate * gap
        self.next_trust_ngo = self._social(self.trust_ngo, "trust_ngo")

    def _social(self, own: float, name: str) -> float:
        if not self.neighbors:
            return own
        mean = sum(getattr(n, name) for n in self.neighbors) / len(self.neighbors)
        return own + self.model.trust.social * (mean - own)

    def advance(self) -> None:
        """Stage 4: apply."""
        self.strategy = self.next_strategy
        self.trust_gov = min(1.0, max(0.0, self.next_trust_gov))
        self.trust_ngo = min(1.0, max(0.0, self.next_trust_ngo))


class ReferenceModel(mesa.Model):
    """Idiomatic Mesa model on the same network and initial state as a cogov model."""

    def __init__(self, source: GovernanceModel, seed: int = 0):
        super().__init__(seed=seed)
        s = source.scenario.mechanisms
        self.p, self.trust, self.basis = s.incentives, s.trust, s.trust.basis
        c = source.citizens
        agents = [ReferenceCitizen(self, float(c.need[i]), float(c.trust_gov[i]),
                                   float(c.trust_ngo[i]), float(c.strategy[i]))
                  for i in range(c.n)]
        adj = source.adjacency
        for i, agent in enumerate(agents):
            agent.neighbors = tuple(agents[j] for j in adj.indices[adj.indptr[i]:adj.indptr[i + 1]])
        self.datacollector = mesa.DataCollector(model_reporters={
            "cooperation": cooperation, "trust_gov": trust_gov})
        self.datacollector.collect(self)

    def step(self) -> None:
        """The staged synchronous update."""
        self.agents.do("compute_share")
        self.agents.do("compute_payoff")
        self.agents.shuffle_do("step")
        self.agents.do("advance")
        self.datacollector.collect(self)


def cooperation(model) -> float:
    """Fraction contributing."""
    return float(np.mean(model.agents.get("strategy")))


def trust_gov(model) -> float:
    """Mean trust in government."""
    return float(np.mean(model.agents.get("trust_gov")))

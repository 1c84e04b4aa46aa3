"""Citizens: Mesa agents that are views on the model's citizen arrays."""

from __future__ import annotations

import mesa


def _view(name: str, doc: str):
    def get(self):
        return getattr(self.model.citizens, name)[self.index].item()

    def set_(self, value):
        getattr(self.model.citizens, name)[self.index] = value

    return property(get, set_, doc=doc)


class Citizen(mesa.Agent):
    """One citizen; every attribute reads and writes the model's arrays.

    Population updates are vectorised over ``model.citizens`` (a CitizenState);
    this class exists so Mesa idioms still work: ``model.agents_by_type[Citizen]``,
    ``AgentSet.get("trust_gov")``, inspecting one citizen in a notebook. For large
    populations the views are not created (``population.agents``, docs/model.md).

    Example:
        >>> from cogov.model import GovernanceModel
        >>> m = GovernanceModel(seed=1, **{"population.citizens": 100, "steps": 2})
        >>> c = m.agents_by_type[Citizen][0]
        >>> bool(c.trust_gov == m.citizens.trust_gov[c.index])
        True
    """

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index  # position in the arrays; unique_id is index + 1

    district = _view("district", "Planning district.")
    field = _view("field", "Field of service needed.")
    need = _view("need", "Current need per step.")
    trust_gov = _view("trust_gov", "Trust in government, [0, 1].")
    trust_ngo = _view("trust_ngo", "Trust in NGOs, [0, 1].")
    strategy = _view("strategy", "1 = contributes to co-production.")
    payoff = _view("payoff", "Last co-production payoff.")
    received = _view("received", "Need met this step.")
    satisfaction = _view("satisfaction", "received / need, [0, 1].")

    @property
    def neighbor_indices(self) -> list[int]:
        """Network neighbours as indices into the model's citizen arrays."""
        adj = self.model.adjacency
        return adj.indices[adj.indptr[self.index] : adj.indptr[self.index + 1]].tolist()

    @property
    def neighbors(self) -> list[Citizen]:
        """Network neighbours as Citizen agents (``neighbor_indices`` for their indices)."""
        views = self.model.citizen_agents
        return [views[i] for i in self.neighbor_indices]

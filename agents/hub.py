"""Hub organisations (枢纽型社会组织): umbrella bodies linking the NGOs of one field."""

from __future__ import annotations

import mesa


class HubOrganization(mesa.Agent):
    """A hub of one field (e.g. a trade-union federation), DIGEST "Hub organisations".

    It receives government grants, raises matching social funds in proportion to
    the grant and to the trust basis among the citizens it serves (Pudong 2016:
    8M yuan of union money drew nearly 13M from grassroots units and firms, a
    match of 1.625 per unit), keeps a procurement overhead and buys services from
    its member NGOs through projects.

    Attributes:
        field: the field of service the hub federates.
        members: its member NGOs (the hub-NGO bipartite layer).
        cash: money held (a ledger balance; zero between steps).
        grant: government money received this step.
        raised: social funds raised this step.
        room: what its projects lacked after the grant this step (the most social
            funds could have added, had society's purse been deeper).
    """

    def __init__(self, model, field: int):
        super().__init__(model)
        self.field = field
        self.members: list = []
        self.cash = 0.0
        self.grant = 0.0
        self.raised = 0.0
        self.room = 0.0

    def receive_grant(self, amount: float) -> None:
        """Government money for this step's projects."""
        if not amount >= 0:  # also catches NaN
            raise ValueError(f"hub receiving a grant of {amount}")
        self.grant = amount
        self.cash += amount

    def raise_funds(self, match_ratio: float, trust_gate: float, room: float) -> float:
        """Social funds = min(match_ratio * grant * g(trust), room); a ledger source.

        ``room`` is what its projects still lack after the grant, capped by the social
        money within reach.
        """
        self.raised = min(match_ratio * self.grant * trust_gate, room)
        self.cash += self.raised
        self.model.ledger.source("social_funds", self.raised)
        return self.raised

    def take_overhead(self, rate: float) -> None:
        """Coordination and project-management cost, a fraction of the money handled."""
        cost = rate * self.cash
        self.cash -= cost
        self.model.ledger.use("procurement_overhead", cost)

    def coordinate(self, cost: float) -> bool:
        """Pay the cost of coordinating the partnership in full, or pay nothing and return
        False (then there is no partnership this step)."""
        if cost > self.cash:
            return False
        self.cash -= cost
        self.model.ledger.use("coordination", cost)
        return True

    def pay_out(self, amount: float) -> float:
        """Money handed to a member NGO for a project (never more than the hub holds)."""
        if not 0 <= amount <= self.cash:
            raise ValueError(f"hub paying out {amount} with {self.cash} in cash")
        self.cash -= amount
        return amount

"""NGOs / social organisations: specialised service providers."""

from __future__ import annotations

import mesa


class NGO(mesa.Agent):
    """A social organisation serving one field in one district (its catchment).

    Attributes:
        field: the field of service it provides.
        district: its catchment.
        cell: its planning cell, district x fields + field.
        capacity: relative size; money in a cell is split among NGOs by capacity.
        efficiency: service units per money unit (DIGEST: NGOs are specialised).
        credit: credit score in [0, 1], an exponential average of the share of
            its offered service that citizens took up (assumption; issue 6 extends).
        hub: its hub organisation, or None.
        cash: money held (ledger balance; zero between steps).
        funds: money received this step; service: service offered this step.
    """

    CREDIT_MEMORY = 0.9  # weight of the past in the credit average (assumption)

    def __init__(self, model, field: int, district: int, capacity: float, efficiency: float):
        super().__init__(model)
        self.field = field
        self.district = district
        self.cell = district * model.scenario.population.need.fields + field  # planning cell
        self.capacity = capacity
        self.efficiency = efficiency
        self.credit = 1.0
        self.hub = None
        self.cash = 0.0
        self.funds = 0.0
        self.service = 0.0
        self.unfunded_steps = 0  # consecutive steps without project money (incubation exits)
        self.funders: dict = {}  # buyer -> money paid this step
        self.sharing_gain = 1.0  # efficiency multiplier from a hub's shared resources
        self.opportunist = False  # delivers only (1 - shirk) of what it is paid for
        self.shirk = 0.0
        self.promised = 0.0
        self.committed = 0.0  # service it took on for citizens this step (kept if it collapses)
        self.overpromise = 0.0  # share by which a project bid overstates service (projects)
        self.collapsed: set = set()  # buyers whose project site collapsed this step (projects)

    def receive(self, amount: float, buyer=None) -> None:
        """Project money from a hub or the government (``buyer``, remembered for supervision)."""
        if not amount >= 0:  # also catches NaN
            raise ValueError(f"NGO receiving {amount}")
        self.cash += amount
        self.funds += amount
        if buyer is not None:
            self.funders[buyer] = self.funders.get(buyer, 0.0) + amount

    def deliver(self) -> float:
        """Turn all cash into service (efficiency x money, less what an opportunist withholds).

        It promised what it bid (``overpromise`` above its means); a collapsed project
        site (one buyer's contract) delivers and promises nothing, and its money is
        spent all the same; the NGO's other contracts go on.
        """
        lost = sum(self.funders.get(b, 0.0) for b in self.collapsed)
        means = self.efficiency * self.sharing_gain * max(0.0, self.cash - lost)
        self.promised = means * (1.0 + self.overpromise) if self.overpromise else means
        self.service = means * (1.0 - self.shirk if self.opportunist else 1.0)
        # what citizens were told to expect from all its contracts, collapsed ones included
        self.committed = self.efficiency * self.sharing_gain * self.cash * (1.0 + self.overpromise)
        self.model.ledger.use("ngo_service", self.cash)
        self.cash = 0.0
        return self.service

    def update_credit(self, taken_up_share: float) -> None:
        """credit <- m * credit + (1 - m) * share of offered service taken up."""
        m = self.CREDIT_MEMORY
        self.credit = m * self.credit + (1 - m) * taken_up_share

    def reset_step(self) -> None:
        """Clear per-step flows (counting a step without money first)."""
        self.unfunded_steps = self.unfunded_steps + 1 if self.funds <= 0 else 0
        self.funds = 0.0
        self.service = 0.0
        self.promised = 0.0
        self.committed = 0.0
        self.collapsed = set()
        self.funders = {}

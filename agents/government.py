"""The government: budget, treasury, credibility and its instruments."""

from __future__ import annotations

import mesa


class Government(mesa.Agent):
    """The one government of the model (DIGEST: "Party / government").

    Instruments: direct provision (``provide``), purchase of services (grants to
    hubs, contracts with NGOs, see ``transfer``), subsidies and compensation
    (``pay``). Money is appropriated into a treasury each step; whatever is left
    at the end lapses into ``reserve`` (it is not re-spent: an assumption).

    Attributes:
        budget: appropriation per step before shocks (money units).
        budget_factor: multiplier set by ``budget_cut`` shocks (1 = no cut).
        efficiency: service units per money unit of direct provision (``e_gov``).
        treasury: money still available in the current step.
        reserve: cumulative unspent money (a balance in the ledger).
        spent: government money spent or transferred this step.
    """

    def __init__(self, model, budget: float, efficiency: float):
        super().__init__(model)
        self.budget = budget
        self.budget_factor = 1.0
        self.efficiency = efficiency
        self.treasury = 0.0
        self.reserve = 0.0
        self.spent = 0.0

    @property
    def credibility(self) -> float:
        """Government credibility (公信力) = citizens' mean trust in government."""
        return float(self.model.citizens.trust_gov.mean())

    def open_budget(self) -> float:
        """Appropriate this step's budget into the treasury (a ledger source)."""
        amount = self.budget * self.budget_factor
        self.treasury = amount
        self.spent = 0.0
        self.model.ledger.source("government_budget", amount)
        return amount

    def pay(self, amount: float, account: str) -> float:
        """Spend out of the treasury on a ledger use (subsidy, overhead...); returns what was paid."""
        paid = min(amount, max(0.0, self.treasury))
        self.treasury -= paid
        self.spent += paid
        self.model.ledger.use(account, paid)
        return paid

    def pay_each(self, unit_cost: float, count: int, account: str) -> int:
        """Pay ``unit_cost`` for as many of ``count`` items as the treasury covers; returns how
        many (all of them when an item costs nothing)."""
        if unit_cost > 0 and unit_cost * count > self.treasury:
            count = int(max(0.0, self.treasury) // unit_cost)
        self.pay(unit_cost * count, account)
        return count

    def provide(self, money):
        """Direct provision: spend ``money`` (array per cell) on services; returns service units."""
        total = float(money.sum())
        self.treasury -= total
        self.spent += total
        self.model.ledger.use("direct_service", total)
        return self.efficiency * money

    def transfer(self, amount: float) -> float:
        """Hand money to a hub or contractor (a transfer between holders, not a use)."""
        self.treasury -= amount
        self.spent += amount
        return amount

    def receive(self, amount: float) -> None:
        """Money handed back to the treasury (e.g. from the contingency fund) to spend now."""
        self.treasury += amount
        self.spent -= amount

    def close_budget(self) -> None:
        """Unspent treasury lapses into the reserve."""
        self.reserve += self.treasury
        self.treasury = 0.0

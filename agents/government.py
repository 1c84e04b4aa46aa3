"""The government: budget, treasury, credibility and its instruments."""

from __future__ import annotations

import mesa
import numpy as np


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
        treasury: money still available in the current step; never negative.
        reserve: cumulative unspent money (a balance in the ledger).
        spent: government money spent or transferred this step (money set aside in the
            contingency fund is not spent until the fund pays for a response).
    """

    TOLERANCE = 1e-9  # relative rounding a sum of per-cell amounts may overshoot the treasury by

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

    def _take(self, amount: float) -> float:
        """Take ``amount`` out of the treasury; an overdraft beyond rounding is a bug."""
        if not amount >= 0:  # also catches NaN
            raise ValueError(f"government payment of {amount}")
        self.treasury -= amount
        if self.treasury < 0:
            if self.treasury < -self.TOLERANCE * max(1.0, amount):
                raise ValueError(f"treasury overdrawn by {-self.treasury} (paying {amount})")
            self.treasury = 0.0  # rounding of a sum of parts: nothing real was overspent
        return amount

    def pay(self, amount: float, account: str) -> float:
        """Spend up to ``amount`` on a divisible ledger use (subsidy, overhead, compensation...):
        as much as the treasury holds; returns what was paid."""
        paid = self._take(min(amount, max(0.0, self.treasury)))
        self.spent += paid
        self.model.ledger.use(account, paid)
        return paid

    def pay_all(self, amount: float, account: str) -> bool:
        """Pay for one indivisible item (an inspection, an incubated NGO...) in full, or pay
        nothing and return False: no money is spent on work that is not done."""
        if amount > self.treasury:
            return False
        self.pay(amount, account)
        return True

    def pay_each(self, unit_cost: float, count: int, account: str) -> int:
        """Pay ``unit_cost`` for as many of ``count`` items as the treasury covers; returns how
        many (all of them when an item costs nothing)."""
        if unit_cost > 0 and unit_cost * count > self.treasury:
            # 10.0 // 0.1 is 99: a quotient a rounding error below a whole number is that
            # number (the overshoot, at most 1e-10 of the payment, is within _take's rounding)
            count = min(count, int(np.floor(max(0.0, self.treasury) / unit_cost + 1e-10)))
        self.pay(unit_cost * count, account)
        return count

    def provide(self, money):
        """Direct provision: spend ``money`` (array per cell) on services; returns service units.

        Cells a rounding error below zero (money − delegated money) are read as 0.
        """
        if money.size and money.min() < 0:
            if money.min() < -self.TOLERANCE * max(1.0, float(np.abs(money).max())):
                raise ValueError(f"direct provision of {money.min()} in a cell")
            money = np.maximum(money, 0.0)
        total = self._take(float(money.sum()))
        self.spent += total
        self.model.ledger.use("direct_service", total)
        return self.efficiency * money

    def transfer(self, amount: float) -> float:
        """Hand money to a hub or contractor (a transfer between holders, not a use)."""
        self.spent += self._take(amount)
        return amount

    def receive(self, amount: float) -> None:
        """Money a buyer hands back unspent (it was counted as spent when transferred)."""
        self.treasury += amount
        self.spent -= amount

    def set_aside(self, amount: float) -> float:
        """Move up to ``amount`` into a fund (the contingency fund): not spent, so not counted
        in ``spent``; returns what was set aside."""
        return self._take(min(amount, max(0.0, self.treasury)))

    def draw(self, amount: float) -> None:
        """Money from a fund back into the treasury (spent only when the treasury spends it)."""
        if not amount >= 0:
            raise ValueError(f"draw of {amount}")
        self.treasury += amount

    def accept(self, amount: float, account: str) -> None:
        """Money given to the government from outside (donations to an emergency response):
        a ledger source, into the treasury, spent only when the treasury spends it."""
        if not amount >= 0:
            raise ValueError(f"accepting {amount}")
        self.model.ledger.source(account, amount)
        self.treasury += amount

    def close_budget(self) -> None:
        """Unspent treasury lapses into the reserve."""
        self.reserve += self.treasury
        self.treasury = 0.0

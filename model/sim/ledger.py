"""Double-entry style money accounting: every unit is a source, a use or a balance.

Sources (money entering the governance system): the government's budget and the
social funds hubs raise. Uses (money leaving it): services delivered, overheads,
subsidies, compensation. Balances: what holders (government reserve, hubs, NGOs)
still hold. The check sources = uses + balances is made against balances that the
holders keep themselves, so a leak anywhere shows up as ``ledger_error``.

    >>> led = Ledger()
    >>> led.source("government_budget", 10.0); led.use("direct_service", 7.5)
    >>> led.error(balance=2.5)
    0.0
"""

from __future__ import annotations

import math
from collections import defaultdict

SOURCES = ("government_budget", "social_funds", "opening_balance")
USES = (
    "direct_service",
    "ngo_service",
    "procurement_overhead",
    "subsidy",
    "compensation",
    "enforcement",
    "mediation",
    "incubation",
    "inspection",
    "coordination",
    "evaluation",
    "relocation",
    "negotiation",
    "follow_up",
    "petitions",
    "credit_reward",
    "consultation",
    "sanctions",
    "security",
)


class Ledger:
    """Per-step and cumulative totals by account."""

    def __init__(self):
        self.total: dict[str, float] = defaultdict(float)
        self.this_step: dict[str, float] = defaultdict(float)

    def reopen(self, balance: float) -> None:
        """Start the cumulative books afresh, with what holders hold now as the opening
        balance (a source): the model's warm-up is not part of the accounts it reports.

        This step's accounts are kept: they are the flows of the last warm-up step, which
        row 0 of the metrics reports alongside the state that step left (their sum is not
        in the reopened totals).

            >>> led = Ledger()
            >>> led.source("government_budget", 10.0); led.use("direct_service", 7.5)
            >>> led.reopen(2.5)
            >>> led.total["opening_balance"], led.uses(), led.this_step["direct_service"]
            (2.5, 0.0, 7.5)
        """
        if not (math.isfinite(balance) and balance >= 0):
            raise ValueError(f"opening balance {balance}: must be finite and non-negative")
        self.total = defaultdict(float)
        if balance > 0:
            self.total["opening_balance"] = balance

    def new_step(self) -> None:
        """Start a new step's accounts (cumulative totals carry on)."""
        self.this_step = defaultdict(float)

    def source(self, account: str, amount: float) -> None:
        """Money entering the system."""
        if account not in SOURCES:
            raise KeyError(f"unknown source account {account!r}")
        self._post(account, amount)

    def use(self, account: str, amount: float) -> None:
        """Money leaving the system."""
        if account not in USES:
            raise KeyError(f"unknown use account {account!r}")
        self._post(account, amount)

    def _post(self, account: str, amount: float) -> None:
        if not (math.isfinite(amount) and amount >= 0):
            raise ValueError(f"posting {amount} to {account}: must be finite and non-negative")
        self.this_step[account] += amount
        self.total[account] += amount

    def sources(self, step_only: bool = False) -> float:
        """Sum over source accounts (cumulative, or this step)."""
        book = self.this_step if step_only else self.total
        return sum(book[a] for a in SOURCES)

    def uses(self, step_only: bool = False) -> float:
        """Sum over use accounts (cumulative, or this step)."""
        book = self.this_step if step_only else self.total
        return sum(book[a] for a in USES)

    def error(self, balance: float) -> float:
        """|sources - uses - balance| / sources, cumulative (0 when nothing entered).

        A NaN or infinite total, or a negative or non-finite balance, is an error, not a zero.
        """
        s, u = self.sources(), self.uses()
        if not (math.isfinite(s) and math.isfinite(u) and math.isfinite(balance)):
            raise ValueError(f"ledger not finite: sources {s}, uses {u}, balance {balance}")
        if balance < -1e-12 * max(1.0, s):
            raise ValueError(f"negative balance {balance}: some holder is overdrawn")
        return abs(s - u - balance) / s if s > 0 else 0.0

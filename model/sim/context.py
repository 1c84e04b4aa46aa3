"""The step context: what the model's phases and mechanisms share, typed and declared.

One :class:`StepContext` lives as long as its model. Its *world* fields are set at build
(the scenario, citizens' arrays, the network, the government and organisations); its
*signals* are written by exactly one phase each (:data:`SIGNALS` names the writer) and read
by the phases after it, in this step or, for a phase earlier in the order, the next. A
mechanism declares which fields it reads and which it writes (``reads``/``writes``); the
contract tests (tests/test_mechanism_contract.py) check both declarations and the one
writer of every signal against what each phase actually touches.

A signal that is not written keeps its neutral value (``None`` for "this mechanism is
off": readers then behave as without it), so switching a mechanism off needs no guard
in any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .population import grievance

# world: set when the model is built, read by anyone who declares them
WORLD = {
    "scenario": "the validated Scenario",
    "citizens": "CitizenState: every citizen's arrays (population.py)",
    "needs": "Needs: cell multipliers, drift and relocation harm (needs.py)",
    "adjacency": "the citizens' network, scipy CSR",
    "degree": "each citizen's degree (float)",
    "weights": "tie weights, CSR with the adjacency's pattern (the adjacency itself unless "
               "network.weights: true)",
    "strength": "each citizen's summed tie weights (the degree itself unless network.weights)",
    "government": "the Government agent (budget, treasury, reserve)",
    "hubs": "the hub organisations (Mesa agents)",
    "ngos": "the NGOs (Mesa agents); incubation replaces the list",
    "risk": "conflict-proneness of each cell, r_c = u², u ~ U(0, 1)",
    "headcount": "citizens per cell",
    "field_size": "citizens per field",
    "new_ngo": "a function making an NGO in (field, district) from the organisations' stream",
    "stream": "a function giving the named random stream of the model (build only)",
    "units": "the phases built so far, by name (build only: a mechanism's second phase)",
    "t": "the step being run (<= 0 in the warm-up)",
}

# signal: (the one phase that writes it, what it is)
SIGNALS = {
    "budget": ("budget", "this step's appropriation, opened by the government"),
    "cell_need": ("need_per_cell", "need per cell that services target"),
    "ordinary": ("need_per_cell", "need per citizen without relocation losses (None: none)"),
    "plan": ("planning", "the plan's share of the budget per cell"),
    "consulted": ("interests", "the plan's shares as consultation corrected them (None: off)"),
    "warning_response": ("early_warning", "early-warning response money per district"),
    "opinion_response": ("opinion_response", "money per district answering online opinion"),
    "emergency_relief": ("emergency", "emergency response money per district"),
    "responding": ("early_warning", "districts answering a warning this step"),
    "law_legitimacy": ("law", "legitimacy under law-based governance (None: off)"),
    "rule_weights": ("law", "claims on a cell's service, rule and discretion (None: off)"),
    "favour_weights": ("law", "weights of relocation compensation (None: off)"),
    "arrest_weights": ("law", "weights of officers' picks in unrest (None: off)"),
    "appealing": ("law", "citizens appealing to the courts this step (None: off)"),
    "open_disputes": ("mediation", "citizens with an open dispute"),
    "dispute_pressure": ("mediation", "unresolved grievance per citizen"),
    "jailed": ("unrest", "citizens in jail for the rest of the step"),
    "protesting": ("unrest", "citizens active in unrest"),
    "held": ("jail_hold", "jailed citizens' trust and opinion, kept out of learning"),
    "disputing": ("collective_bargaining", "workers bringing a labour dispute (None: off)"),
    "bargaining": ("collective_bargaining", "the enterprises' books: firms, breaches"),
    "firms": ("collective_bargaining", "number of enterprises (0: none)"),
    "hub_gather": ("hub_strategy", "fund-raising multiplier per hub (None: off)"),
    "hub_support": ("hub_strategy", "hazard each hub's borrowed power removes"),
    "joint_mediation": ("hub_strategy", "people's-mediation capacity multiplier"),
    "delegation": ("hub_strategy", "delegated share per cell"),
    "ngo_credit": ("credit", "a buyer's credit record of an NGO (None: off)"),
    "ngo_eligible": ("credit", "whether a buyer may pay an NGO (None: off)"),
    "credit_bonus": ("citizen_credit", "citizens' credit bonus in co-production (None: off)"),
    "credit_eligible": ("citizen_credit", "citizens eligible for incentives (None: off)"),
    "trust_loss": ("government_credit", "factor on the loss rate of trust (None: off)"),
    "contracts": ("projects", "which of a cell's NGOs a buyer pays (None: by capacity)"),
    "delivery_books": ("resources", "(planned, delegated, served) per hub field"),
    "uptake": ("settlement", "citizens' uptake of NGO service this step"),
    "unmet_share": ("settlement", "unmet share of need per cell, as service left it"),
    "served": ("settlement", "has any step delivered service yet"),
    "opinion": ("opinion", "the opinion mechanism, for incidents (shocks seed them)"),
    "inspection": ("interests", "labour-inspection intensity, the union's rule (7.18a)"),
}


@dataclass(eq=False)
class StepContext:
    """World and signals of one model (see the module docstring and :data:`SIGNALS`)."""

    scenario: Any
    citizens: Any
    needs: Any
    adjacency: Any
    degree: np.ndarray
    weights: Any
    strength: np.ndarray
    government: Any
    hubs: list
    ngos: list
    risk: np.ndarray
    headcount: np.ndarray
    field_size: np.ndarray
    new_ngo: Callable
    stream: Callable
    units: dict = field(default_factory=dict)
    t: int = 0
    # signals (neutral values until their writer runs)
    budget: float = 0.0
    cell_need: np.ndarray | None = None
    ordinary: np.ndarray | None = None
    plan: np.ndarray | None = None
    consulted: np.ndarray | None = None
    warning_response: np.ndarray | None = None
    opinion_response: np.ndarray | None = None
    emergency_relief: np.ndarray | None = None
    responding: np.ndarray | None = None
    law_legitimacy: np.ndarray | None = None
    rule_weights: np.ndarray | None = None
    favour_weights: np.ndarray | None = None
    arrest_weights: np.ndarray | None = None
    appealing: np.ndarray | None = None
    open_disputes: np.ndarray | None = None
    dispute_pressure: np.ndarray | None = None
    jailed: np.ndarray | None = None
    protesting: np.ndarray | None = None
    held: dict | None = None
    disputing: np.ndarray | None = None
    bargaining: Any = None
    firms: int = 0
    hub_gather: dict | None = None
    hub_support: dict = field(default_factory=dict)
    joint_mediation: float = 1.0
    delegation: Any = None
    ngo_credit: Callable | None = None
    ngo_eligible: Callable | None = None
    credit_bonus: np.ndarray | None = None
    credit_eligible: np.ndarray | None = None
    trust_loss: np.ndarray | None = None
    contracts: Callable | None = None
    delivery_books: tuple | None = None
    uptake: np.ndarray | None = None
    unmet_share: np.ndarray | None = None
    served: bool = False
    opinion: Any = None
    inspection: float = 1.0

    # ------------------------------------------------------------ derived views
    @property
    def legitimacy(self) -> np.ndarray:
        """Legitimacy citizens grant the government: trust in it, or with law-based
        governance procedural justice combined with it (7.22)."""
        return self.citizens.trust_gov if self.law_legitimacy is None else self.law_legitimacy

    @property
    def shares(self) -> np.ndarray:
        """The shares the budget follows this step: the plan, as consultation corrected it."""
        return self.plan if self.consulted is None else self.consulted

    @property
    def districts(self) -> int:
        return self.scenario.population.districts

    @property
    def fields(self) -> int:
        return self.scenario.population.need.fields

    @property
    def cells(self) -> int:
        return self.headcount.size

    @property
    def n(self) -> int:
        return self.citizens.n

    def update_grievance(self) -> None:
        """Grievance from satisfaction, legitimacy and unresolved disputes (7.10)."""
        c = self.citizens
        pressure = np.zeros(c.n) if self.dispute_pressure is None else self.dispute_pressure
        c.grievance = grievance(c, pressure, self.scenario.mechanisms.mediation.grievance_weight,
                                self.legitimacy)


DERIVED = {"legitimacy": ("law_legitimacy", "citizens"), "shares": ("plan", "consulted"),
           "districts": ("scenario",), "fields": ("scenario",), "cells": ("headcount",),
           "n": ("citizens",),
           "update_grievance": ("citizens", "dispute_pressure", "law_legitimacy", "scenario")}

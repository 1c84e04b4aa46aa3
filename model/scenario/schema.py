"""Scenarios: the frozen, typed description from which a model is built.

A scenario is a tree of frozen, keyword-only dataclasses. The YAML file is its
serialisation; :func:`load_scenario` reads it (following ``extends:``), applies
``--set`` overrides and validates every value against the field's type and
range, naming the dotted path of each problem::

    >>> s = scenario_from_dict({"mechanisms": {"trust": {"rate": 0.2}}})
    >>> s.mechanisms.trust.rate
    0.2
    >>> scenario_from_dict({"mechanisms": {"trust": {"rate": "fast"}}})
    Traceback (most recent call last):
    ...
    cogov.model.scenario.schema.ScenarioError: mechanisms.trust.rate: expected a number in [0, 1], got 'fast'

Every parameter is documented, with its equation and source, in docs/model.md.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import yaml

from ..sim.network import EVEN_DEGREE
from .shifts import apply_shifts, overridden

COMPLETE_MAX = 5000  # a complete graph beyond this would not fit in memory sensibly
LIFTABLE = ("need_spike", "budget_cut")  # shocks that `until` can end (the others act once)


class ScenarioError(ValueError):
    """One or more problems in a scenario, each naming its dotted key path."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


class CogovWarning(UserWarning):
    """Input that is valid but probably not what was meant (a shock that can never act, a
    network file whose weights are ignored...); the CLI prints these as ``warning: ...``."""


def warn(messages: list[str] | tuple[str, ...]) -> None:
    """Issue each message as a :class:`CogovWarning` (shown once per message and place)."""
    import warnings

    for message in messages:
        warnings.warn(message, CogovWarning, stacklevel=3)


def _p(default: Any, lo: float | None = None, hi: float | None = None, *, open_lo: bool = False):
    """A scenario field with an allowed range ``[lo, hi]`` (``(lo, hi]`` if open_lo)."""
    return field(default=default, metadata={"lo": lo, "hi": hi, "open_lo": open_lo})


def _sub(cls):
    return field(default_factory=cls)


# --------------------------------------------------------------------- sections
@dataclass(frozen=True, kw_only=True)
class Governance:
    collaboration: bool = False  # systemic governance (系统治理)
    adaptation: bool = False
    law_based: bool = False  # mechanisms.law on at the law-based rule_of_law (7.22, 7.24)
    # Essay 7's comprehensive and source shifts: overlays of instruments (model/shifts.py)
    comprehensive: bool = False
    source: bool = False


@dataclass(frozen=True, kw_only=True)
class Budget:
    per_capita: float = _p(0.8, 0.0)


@dataclass(frozen=True, kw_only=True)
class NeedShift:
    every: int = _p(10, 0)
    size: float = _p(0.3, 0.0, 3.0)  # sd of a log step: exp of a wider normal overflows


@dataclass(frozen=True, kw_only=True)
class Need:
    mean: float = _p(1.0, 0.0, open_lo=True)
    heterogeneity: float = _p(0.5, 0.0, 3.0)  # exp of a wider normal overflows
    individual: float = _p(0.2, 0.0, 3.0)
    fields: int = _p(3, 1)
    shift: NeedShift = _sub(NeedShift)


@dataclass(frozen=True, kw_only=True)
class InitialTrust:
    government: float = _p(0.6, 0.0, 1.0)
    ngo: float = _p(0.5, 0.0, 1.0)
    spread: float = _p(0.1, 0.0, 0.5)


@dataclass(frozen=True, kw_only=True)
class Population:
    # "auto" (with network.kind: file) is resolved to the file's node count when the scenario
    # is validated, so a built Scenario, and the model, always hold an int
    citizens: int | Literal["auto"] = _p(2500, 2)
    districts: int = _p(10, 1)
    need: Need = _sub(Need)
    initial_trust: InitialTrust = _sub(InitialTrust)
    agents: Literal["auto", "all", "none"] = "auto"


@dataclass(frozen=True, kw_only=True)
class Network:
    kind: Literal[
        "lattice", "regular", "small_world", "scale_free", "erdos_renyi", "complete", "file"
    ] = "small_world"
    degree: int = _p(4, 1)
    rewire: float = _p(0.05, 0.0, 1.0)
    path: str | None = None
    format: Literal[
        "auto", "graphml", "gml", "pajek", "gexf", "edgelist", "csv", "tsv"
    ] = "auto"  # of network.path; auto: from its extension (network.FORMATS)


@dataclass(frozen=True, kw_only=True)
class Organizations:
    hubs: int = _p(3, 0)
    ngos: int = _p(30, 0)
    gov_efficiency: float = _p(0.75, 0.0, 1.0)
    ngo_efficiency: float = _p(0.9, 0.0, 1.0)
    ngo_efficiency_sd: float = _p(0.05, 0.0)
    opportunists: float = _p(0.0, 0.0, 1.0)
    shirk: float = _p(0.5, 0.0, 1.0)


@dataclass(frozen=True, kw_only=True)
class Sharing:
    enabled: bool = False
    gain: float = _p(0.3, 0.0)
    cost: float = _p(0.0024, 0.0)
    exponent: float = _p(1.5, 1.0)


@dataclass(frozen=True, kw_only=True)
class Resources:
    enabled: bool = True
    delegation: float = _p(0.8, 0.0, 1.0)
    overhead: float = _p(0.1, 0.0, 1.0)
    match_ratio: float = _p(1.625, 0.0)
    social_capacity: float = _p(0.25, 0.0)
    government_share: float = _p(0.0, 0.0, 1.0)
    sharing: Sharing = _sub(Sharing)


@dataclass(frozen=True, kw_only=True)
class Planning:
    enabled: bool = True
    plan_period: int = _p(12, 1)
    layers: int = _p(3, 0)
    layer_delay: int = _p(2, 0)
    layer_noise: float = _p(0.1, 0.0)
    feedback_noise: float = _p(0.05, 0.0)


@dataclass(frozen=True, kw_only=True)
class Trust:
    enabled: bool = True
    rate: float = _p(0.1, 0.0, 1.0)
    negativity: float = _p(2.0, 1.0)
    social: float = _p(0.1, 0.0, 1.0)
    basis: float = _p(0.5, 0.0, 1.0, open_lo=True)
    attribution: float = _p(0.5, 0.0, 1.0)
    gates_collaboration: bool = True  # off: a counterfactual, g = 1 for uptake and fund-raising


@dataclass(frozen=True, kw_only=True)
class Relocation:
    enabled: bool = True
    rule: Literal["auto", "fixed", "observed"] = "auto"
    share: float = _p(0.8, 0.0)
    noise: float = _p(0.1, 0.0)
    delay_fixed: int = _p(6, 0)
    delay_observed: int = _p(1, 0)


@dataclass(frozen=True, kw_only=True)
class Incentives:
    enabled: bool = True
    r: float = _p(4.5, 0.0)
    cost: float = _p(0.01, 0.0, open_lo=True)
    contribution: Literal["per_group", "per_individual"] = "per_group"
    K: float = _p(0.5, 0.0, open_lo=True)
    update: Literal["synchronous", "asynchronous"] = "synchronous"
    subsidy: float = _p(0.0, 0.0)
    compensation: float = _p(0.0, 0.0, 1.0)
    initial_cooperation: float = _p(0.9, 0.0, 1.0)
    warmup: int = _p(2000, 0)
    relocation: Relocation = _sub(Relocation)


@dataclass(frozen=True, kw_only=True)
class Opinion:
    enabled: bool = False
    initial: float = _p(0.6, 0.0, 1.0)
    initial_distribution: Literal["normal", "uniform"] = "normal"
    initial_spread: float = _p(0.1, 0.0)
    confidence: float = _p(0.3, 0.0, 1.0)
    convergence: float = _p(0.3, 0.0, 0.5)
    coupling: float = _p(0.05, 0.0, 0.5)
    amplifiers: float = _p(0.005, 0.0, 1.0)
    followers: int = _p(100, 0)
    spread: float = _p(0.3, 0.0, 1.0)
    decay: float = _p(0.2, 0.0, 1.0)
    forget: float = _p(0.0, 0.0, 1.0)
    noise: float = _p(0.1, 0.0, 1.0)
    fail_visibility: float = _p(0.9, 0.0, 1.0)
    repair_visibility: float = _p(0.2, 0.0, 1.0)
    news_weight: float = _p(0.5, 0.0, 1.0)
    responsiveness: float = _p(0.0, 0.0)  # 0: online opinion changes nothing offline
    online_noise: float = _p(0.1, 0.0, 1.0)
    response_threshold: float = _p(0.1, 0.0, 1.0)
    response_delay_top_down: int = _p(4, 0)
    response_delay_adaptive: int = _p(1, 0)
    inspection_cost: float = _p(0.01, 0.0)


@dataclass(frozen=True, kw_only=True)
class Unrest:
    enabled: bool = False
    threshold: float = _p(0.1, 0.0, 1.0)
    k: float = _p(2.3, 0.0)
    enforcement: float = _p(2.0, 0.0)
    officer_cost: float = _p(0.1, 0.0)
    jail_term: int = _p(10, 0)
    legitimacy: float | None = _p(None, 0.0, 1.0)
    hardship: Literal["model", "uniform"] = "model"


@dataclass(frozen=True, kw_only=True)
class EarlyWarning:
    enabled: bool = False
    indicator: Literal["unmet_need", "grievance", "attention", "disputes"] = "unmet_need"
    threshold: float = _p(0.6, 0.0)
    delay_top_down: int = _p(6, 0)
    delay_collaborative: int = _p(1, 0)
    noise_top_down: float = _p(0.2, 0.0)
    noise_collaborative: float = _p(0.05, 0.0)
    contingency: float = _p(0.1, 0.0, 1.0)
    fund_cap: float = _p(2.0, 0.0)
    response_budget: float = _p(0.25, 0.0, 1.0)
    response_steps: int = _p(6, 1)
    mediation_boost: float = _p(1.0, 0.0)
    communication: float = _p(0.05, 0.0, 1.0)


@dataclass(frozen=True, kw_only=True)
class Deadlines:
    enabled: bool = False
    people: int = _p(2, 1)
    admin: int = _p(3, 1)
    judicial: int = _p(6, 1)


@dataclass(frozen=True, kw_only=True)
class FollowUp:
    enabled: bool = False
    lag: int = _p(1, 1)
    cost: float = _p(0.2, 0.0)


@dataclass(frozen=True, kw_only=True)
class Accountability:
    enabled: bool = False
    rate: float = _p(0.5, 0.0)
    decay: float = _p(0.1, 0.0, 1.0)
    max_effort: float = _p(2.0, 1.0)


@dataclass(frozen=True, kw_only=True)
class Petitions:
    enabled: bool = False
    propensity: float = _p(0.5, 0.0, 1.0)
    cost: float = _p(3.0, 0.0)
    success: float = _p(0.1, 0.0, 1.0)
    grievance: float = _p(1.0, 0.0)


@dataclass(frozen=True, kw_only=True)
class Mediation:
    enabled: bool = False
    base_rate: float = _p(0.001, 0.0, 1.0)
    grievance_rate: float = _p(0.02, 0.0, 1.0)
    linkage: Literal["auto", "on", "off"] = "auto"
    people_capacity: float = _p(0.004, 0.0)
    people_cost: float = _p(0.5, 0.0)
    people_success: float = _p(0.6, 0.0, 1.0)
    admin_capacity: float = _p(0.002, 0.0)
    admin_cost: float = _p(2.0, 0.0)
    admin_success: float = _p(0.5, 0.0, 1.0)
    judicial_capacity: float = _p(0.001, 0.0)
    judicial_cost: float = _p(8.0, 0.0)
    judicial_success: float = _p(0.9, 0.0, 1.0)
    grievance_weight: float = _p(0.2, 0.0, 1.0)
    patience: int = _p(12, 1)
    recurrence: float = _p(0.0, 0.0, 1.0)
    recurrence_lag: int = _p(3, 1)
    deadlines: Deadlines = _sub(Deadlines)
    follow_up: FollowUp = _sub(FollowUp)
    accountability: Accountability = _sub(Accountability)
    petitions: Petitions = _sub(Petitions)


@dataclass(frozen=True, kw_only=True)
class Incubation:
    enabled: bool = False
    rate: float = _p(0.3, 0.0, 1.0)
    need_threshold: float = _p(0.3, 0.0, 1.0)
    cost: float = _p(0.24, 0.0)
    startup_capacity: float = _p(0.5, 0.0, open_lo=True)
    exit_after: int = _p(6, 1)
    member_support: bool = False


@dataclass(frozen=True, kw_only=True)
class CreditRewards:
    enabled: bool = False
    threshold: float = _p(0.9, 0.0, 1.0)
    share: float = _p(0.5, 0.0, 1.0)
    reform: float = _p(0.5, 0.0, 1.0)


@dataclass(frozen=True, kw_only=True)
class CitizenCredit:
    enabled: bool = False
    learning: float = _p(0.2, 0.0, 1.0)


@dataclass(frozen=True, kw_only=True)
class GovernmentCredit:
    enabled: bool = False
    learning: float = _p(0.2, 0.0, 1.0)
    weight: float = _p(2.0, 0.0)


@dataclass(frozen=True, kw_only=True)
class Association:
    enabled: bool = False
    weight: float = _p(0.5, 0.0, 1.0)


@dataclass(frozen=True, kw_only=True)
class Credit:
    enabled: bool = False
    sharing: bool = True
    threshold: float = _p(0.7, 0.0, 1.0)
    learning: float = _p(0.5, 0.0, 1.0)
    inspect_min: float = _p(0.05, 0.0, 1.0)
    inspect_max: float = _p(0.8, 0.0, 1.0)
    inspection_cost: float = _p(0.012, 0.0)
    enterprises: bool = False
    rectification: float = _p(0.5, 0.0, 1.0)
    budget: float = _p(0.0, 0.0)
    rewards: CreditRewards = _sub(CreditRewards)
    citizens: CitizenCredit = _sub(CitizenCredit)
    government: GovernmentCredit = _sub(GovernmentCredit)
    association: Association = _sub(Association)


@dataclass(frozen=True, kw_only=True)
class HubStrategy:
    enabled: bool = False
    gather: float = _p(1.0, 0.0)
    borrow: float = _p(1.0, 0.0)
    avoid: float = _p(1.0, 0.0)
    returns: float = _p(0.5, 0.0, 1.0)
    adapt_rate: float = _p(0.2, 0.0, 1.0)
    floor: float = _p(0.05, 0.0)
    support: float = _p(0.5, 0.0, 1.0)
    screen: float = _p(0.3, 0.0, 1.0)


@dataclass(frozen=True, kw_only=True)
class Projects:
    enabled: bool = False
    length: int = _p(12, 1)
    price_weight: float = _p(0.4, 0.0)
    quality_weight: float = _p(0.3, 0.0)
    credit_weight: float = _p(0.3, 0.0)
    underbid: float = _p(0.3, 0.0)
    evaluation: float = _p(0.3, 0.0, 1.0)
    evaluation_cost: float = _p(0.012, 0.0)
    tolerance: float = _p(0.8, 0.0, 1.0)
    failure_base: float = _p(0.002, 0.0, 1.0)
    failure_risk: float = _p(0.03, 0.0, 1.0)
    retender: int = _p(2, 0)


@dataclass(frozen=True, kw_only=True)
class CollectiveBargaining:
    enabled: bool = False
    firm_size: float = _p(27.4, 1.0)
    firms_per_contract: float = _p(4.47, 1.0)
    rate: float = _p(0.015, 0.0, 1.0)
    contract_length: int = _p(36, 1)
    negotiation_cost: float = _p(2.0, 0.0)
    compliance: float = _p(0.85, 0.0, 1.0)
    compliance_spread: float = _p(0.1, 0.0, 0.5)
    improvement: float = _p(0.6, 0.0, 1.0)
    hardship: float = _p(0.3, 0.0)
    dispute_rate: float = _p(0.01, 0.0, 1.0)


@dataclass(frozen=True, kw_only=True)
class Emergency:
    enabled: bool = False
    network: bool = False
    threshold: float = _p(1.0, 0.0)
    tolerance: float = _p(0.2, 0.0)
    baseline_rate: float = _p(0.1, 0.0, 1.0)
    max_steps: int = _p(12, 1)
    reserve: float = _p(0.02, 0.0, 1.0)
    reserve_cap: float = _p(2.0, 0.0)
    street_share: float = _p(0.3, 0.0, 1.0)
    district_share: float = _p(0.3, 0.0, 1.0)
    delay_street: int = _p(1, 0)
    delay_district: int = _p(3, 0)
    delay_social: int = _p(4, 0)
    delay_city: int = _p(6, 0)
    delay_network: int = _p(0, 0)
    social: float = _p(0.05, 0.0)
    coordination_cost: float = _p(0.005, 0.0)


@dataclass(frozen=True, kw_only=True)
class Interests:
    enabled: bool = False
    consultation_weight: float = _p(0.5, 0.0, 1.0)
    coverage: float = _p(0.8, 0.0, 1.0)
    report_noise: float = _p(0.3, 0.0)
    report_cost: float = _p(0.002, 0.0)
    conflict_gain: float = _p(3.0, 0.0)
    delay: int = _p(2, 0)
    rule_threshold: float = _p(0.05, 0.0, 1.0)
    rule_step: float = _p(0.5, 0.0)
    max_intensity: float = _p(3.0, 1.0)


@dataclass(frozen=True, kw_only=True)
class Law:
    enabled: bool = False  # governance.law_based: on switches it on (model/shifts.py)
    rule_of_law: float = _p(0.5, 0.0, 1.0)
    connected: float = _p(0.2, 0.0, 1.0)
    favouritism: float = _p(0.5, 0.0, 1.0)
    noise: float = _p(0.1, 0.0, 3.0)
    perception: float = _p(0.2, 0.0, 1.0)
    justice_weight: float = _p(0.5, 0.0, 1.0)
    temptation: float = _p(1.0, 0.0)
    norm: float = _p(0.5, 0.0)
    deterrence: float = _p(0.6, 0.0)
    capacity: float = _p(60.0, 0.0, 1000.0)
    sanction_cost: float = _p(0.5, 0.0)
    appeal_rate: float = _p(0.3, 0.0, 1.0)
    tolerance: float = _p(0.1, 0.0, 1.0)


@dataclass(frozen=True, kw_only=True)
class PublicSecurity:
    enabled: bool = False
    budget_share: float = _p(0.1, 0.0, 1.0)  # of the step's budget B_t
    # the six links: shares of the security budget (0 = the link is off; sum <= 1)
    strike: float = _p(1.0, 0.0, 1.0)
    prevent: float = _p(0.0, 0.0, 1.0)
    educate: float = _p(0.0, 0.0, 1.0)
    manage: float = _p(0.0, 0.0, 1.0)
    build: float = _p(0.0, 0.0, 1.0)
    reform: float = _p(0.0, 0.0, 1.0)
    places_per_citizen: float = _p(0.4, 0.0, 1.0, open_lo=True)
    attractiveness: float = _p(1.6, 0.0, 3.0)
    motivation: float = _p(0.03, 0.0, 1.0)
    motivation_spread: float = _p(1.0, 0.0, 3.0)
    mobility: float = _p(0.1, 0.0, 1.0)
    displacement: float = _p(0.3, 0.0, 1.0)
    base_guardianship: float = _p(0.1, 0.0, 1.0)
    window: int = _p(24, 1)
    # strike: certainty under capacity, severity
    detection: float = _p(0.3, 0.0, 1.0)
    case_cost: float = _p(10.0, 0.0, open_lo=True)
    sentence: int = _p(6, 0)
    custody_cost: float = _p(2.0, 0.0)
    deterrence: float = _p(1.0, 0.0)
    discount: float = _p(0.8, 0.0, 1.0)
    perception: float = _p(0.2, 0.0, 1.0)
    # prevent: human, physical and technical defence
    allocation: Literal["hot_spots", "random"] = "hot_spots"
    human: float = _p(0.5, 0.0, 1.0)
    physical: float = _p(0.25, 0.0, 1.0)
    technical: float = _p(0.25, 0.0, 1.0)
    officer_cost: float = _p(0.5, 0.0, open_lo=True)
    patrol_effect: float = _p(1.0, 0.0)
    physical_effect: float = _p(0.2, 0.0)
    technical_effect: float = _p(0.1, 0.0)
    camera_detection: float = _p(0.5, 0.0)
    depreciation: float = _p(0.05, 0.0, 1.0)
    watch: float = _p(0.3, 0.0)
    # educate, manage, build, reform
    education_max: float = _p(0.3, 0.0, 1.0)
    education_unit: float = _p(0.25, 0.0, open_lo=True)
    education_decay: float = _p(0.05, 0.0, 1.0)
    supervision: float = _p(0.5, 0.0, 1.0)
    supervision_cost: float = _p(1.0, 0.0, open_lo=True)
    build_gain: float = _p(1.0, 0.0)
    build_unit: float = _p(0.25, 0.0, open_lo=True)
    build_decay: float = _p(0.05, 0.0, 1.0)
    efficacy_rate: float = _p(0.1, 0.0, 1.0)
    reform_cost: float = _p(1.0, 0.0, open_lo=True)
    reform_effect: float = _p(0.4, 0.0, 1.0)
    # leadership responsibility and information sharing
    responsibility: bool = False
    effort_rate: float = _p(0.5, 0.0)
    effort_decay: float = _p(0.1, 0.0, 1.0)
    max_effort: float = _p(2.0, 1.0)
    sharing: bool = True
    record_detection: float = _p(0.3, 0.0, 1.0)


@dataclass(frozen=True, kw_only=True)
class Mechanisms:
    resources: Resources = _sub(Resources)
    planning: Planning = _sub(Planning)
    trust: Trust = _sub(Trust)
    incentives: Incentives = _sub(Incentives)
    opinion: Opinion = _sub(Opinion)
    unrest: Unrest = _sub(Unrest)
    early_warning: EarlyWarning = _sub(EarlyWarning)
    mediation: Mediation = _sub(Mediation)
    incubation: Incubation = _sub(Incubation)
    credit: Credit = _sub(Credit)
    hub_strategy: HubStrategy = _sub(HubStrategy)
    projects: Projects = _sub(Projects)
    collective_bargaining: CollectiveBargaining = _sub(CollectiveBargaining)
    emergency: Emergency = _sub(Emergency)
    interests: Interests = _sub(Interests)
    law: Law = _sub(Law)
    public_security: PublicSecurity = _sub(PublicSecurity)


@dataclass(frozen=True, kw_only=True)
class Shock:
    step: int = _p(1, 1)
    kind: Literal["need_spike", "budget_cut", "legitimacy_drop", "incident",
                  "relocation"] = "need_spike"
    size: float = _p(0.5, 0.0)
    over: int = _p(1, 1)
    where: int | None = _p(None, 0)
    share: float = _p(0.2, 0.0, 1.0)
    until: int | None = _p(None, 2)


@dataclass(frozen=True, kw_only=True)
class Outputs:
    window: int = _p(20, 1)
    agents: bool = False


@dataclass(frozen=True, kw_only=True)
class Scenario:
    name: str = "scenario"
    description: str = ""
    seed: int | None = _p(None, 0)  # None: a fresh seed from the OS, recorded where used
    steps: int = _p(100, 0)
    warmup: int = _p(50, 0)
    governance: Governance = _sub(Governance)
    budget: Budget = _sub(Budget)
    population: Population = _sub(Population)
    network: Network = _sub(Network)
    organizations: Organizations = _sub(Organizations)
    mechanisms: Mechanisms = _sub(Mechanisms)
    shocks: tuple[Shock, ...] = ()
    outputs: Outputs = _sub(Outputs)

    def to_dict(self) -> dict:
        """Plain-data form (what YAML and run.json hold)."""
        return _to_plain(self)

    def replace(self, **changes: Any) -> Scenario:
        """A copy with dotted-path changes, validated: ``s.replace(**{"budget.per_capita": 1})``."""
        raw = self.to_dict()
        return _validate(raw, _apply_overrides(raw, changes))


# ------------------------------------------------------------------ conversion
def _to_plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        return {f.name: _to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple):
        return [_to_plain(x) for x in obj]
    return obj


# the words a scenario file or --set may write for a boolean (shifts.py reads them too)
BOOL_WORDS = {"on": True, "off": False, "true": True, "false": False, "yes": True, "no": False}


def _fmt(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _range_text(meta: dict, kind: str) -> str:
    lo, hi = meta.get("lo"), meta.get("hi")
    num = lambda x: f"{x:g}" if isinstance(x, float) else str(x)  # noqa: E731
    if lo is not None and hi is not None:
        left = "(" if meta.get("open_lo") else "["
        return f"{kind} in {left}{num(lo)}, {num(hi)}]"
    if lo is not None:
        return f"{kind} {'>' if meta.get('open_lo') else '>='} {num(lo)}"
    return kind


def _in_range(x: float, meta: dict) -> bool:
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is not None and (x < lo or (meta.get("open_lo") and x == lo)):
        return False
    return hi is None or x <= hi


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _convert(tp: Any, value: Any, path: str, meta: dict, errors: list[str]) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        words = [w for a in args if get_origin(a) is Literal for w in get_args(a)]
        if value in words:  # e.g. population.citizens: auto
            return value
        options = [a for a in args if a is not type(None) and get_origin(a) is not Literal]
        return _convert(options[0], value, path, {**meta, "words": words}, errors)
    if origin is Literal:
        choices = get_args(tp)
        if value in choices:
            return value
        hint = did_you_mean(str(value), [str(c) for c in choices])
        errors.append(
            f"{path}: expected one of {', '.join(map(repr, choices))}, got {_fmt(value)}{hint}"
        )
        return choices[0]
    if origin is tuple:
        item_tp = get_args(tp)[0]
        if value is None:
            return ()
        if not isinstance(value, list | tuple):
            errors.append(f"{path}: expected a list, got {_fmt(value)}")
            return ()
        return tuple(_convert(item_tp, v, f"{path}.{i}", {}, errors) for i, v in enumerate(value))
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, path, errors)
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in BOOL_WORDS:
            return BOOL_WORDS[value.lower()]
        errors.append(f"{path}: expected on/off (true/false), got {_fmt(value)}")
        return False
    if tp is str:
        if isinstance(value, str):
            return value
        errors.append(f"{path}: expected text, got {_fmt(value)}")
        return ""
    if tp in (int, float):
        kind = "an integer" if tp is int else "a number"
        x = _as_number(value)
        ok = x is not None and math.isfinite(x) and (tp is float or float(x).is_integer())
        if not ok or not _in_range(x, meta):
            also = "".join(f" or {w!r}" for w in meta.get("words", ()))
            errors.append(f"{path}: expected {_range_text(meta, kind)}{also}, got {_fmt(value)}")
            return meta.get("lo") or 0
        return int(x) if tp is int else float(x)
    raise TypeError(f"unsupported scenario type {tp!r} at {path}")  # programming error


def did_you_mean(word: str, options: list[str]) -> str:
    """A "; did you mean 'x'?" suffix for the closest option, or ""."""
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _build(cls: type, raw: Any, path: str, errors: list[str]) -> Any:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        errors.append(f"{path or 'scenario'}: expected a mapping of keys, got {_fmt(raw)}")
        return cls()
    hints = get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in known:
            where = f"{path}.{key}" if path else str(key)
            hint = did_you_mean(str(key), list(known)) or f" (known: {', '.join(known)})"
            errors.append(f"{where}: unknown key{hint}")
    kwargs = {}
    for name, f in known.items():
        if name in raw:
            where = f"{path}.{name}" if path else name
            kwargs[name] = _convert(hints[name], raw[name], where, dict(f.metadata), errors)
    return cls(**kwargs)


def _error_paths(errors: list[str]) -> set[str]:
    """The key paths named by error messages ("population.citizens: ..." -> that path)."""
    return {e.split(":", 1)[0] for e in errors}


def _cross_checks(s: Scenario, bad: set[str] = frozenset()) -> list[str]:
    """Rules that involve more than one key.

    They run in the same pass as the single-key checks; a rule is skipped when one of
    its keys (or a section above it) already has an error, because that key then holds
    a stand-in value and the rule would report a problem that is not there.
    """

    def ok(*keys: str) -> bool:
        return not any(k == b or k.startswith(b + ".") for k in keys for b in bad)

    errors = []
    n, net = s.population.citizens, s.network
    pop = "population.citizens"
    if net.kind == "lattice" and ok("network.kind", pop):
        if math.isqrt(n) ** 2 != n:
            errors.append(f"network.kind: 'lattice' needs population.citizens to be a square "
                          f"number, got {n}")
        if n < 9:
            errors.append("network.kind: 'lattice' needs at least 9 citizens")
    if net.kind == "file" and ok("network.kind", "network.path"):
        if not net.path:
            errors.append("network.path: required when network.kind is 'file'")
        elif not Path(net.path).is_file():
            errors.append(f"network.path: no such file {net.path!r}")
    if net.kind == "complete" and n > COMPLETE_MAX and ok("network.kind", pop):
        errors.append(f"network.kind: 'complete' is limited to {COMPLETE_MAX} citizens, got {n}")
    degree_kinds = ("regular", "small_world", "scale_free", "erdos_renyi")
    if net.kind in degree_kinds and ok("network.kind", "network.degree", pop):
        if net.degree >= n:
            errors.append(f"network.degree: must be below population.citizens ({n}), "
                          f"got {net.degree}")
        if net.kind == "regular" and (n * net.degree) % 2:
            errors.append("network.degree: citizens x degree must be even for a 'regular' network")
    if net.kind in EVEN_DEGREE and ok("network.kind", "network.degree") and (
            net.degree < 2 or net.degree % 2):
        errors.append(f"network.degree: {net.kind!r} needs an even degree of at least 2 "
                      f"({EVEN_DEGREE[net.kind]}), got {net.degree}")
    hs = s.mechanisms.hub_strategy
    keys = [f"mechanisms.hub_strategy.{k}" for k in ("gather", "borrow", "avoid")]
    if hs.gather + hs.borrow + hs.avoid <= 0 and ok(*keys):
        errors.append("mechanisms.hub_strategy: gather, borrow and avoid cannot all be 0")
    em, keys = s.mechanisms.emergency, ("mechanisms.emergency.street_share",
                                        "mechanisms.emergency.district_share")
    if em.street_share + em.district_share > 1 and ok(*keys):
        errors.append("mechanisms.emergency.street_share: street_share + district_share must "
                      f"not exceed 1 (the city holds the rest), got "
                      f"{em.street_share + em.district_share:g}")
    if em.tolerance > em.threshold and ok("mechanisms.emergency.tolerance",
                                          "mechanisms.emergency.threshold"):
        errors.append(f"mechanisms.emergency.tolerance: must not exceed threshold "
                      f"({em.threshold:g}), got {em.tolerance:g}")
    cr = s.mechanisms.credit
    if cr.enabled and cr.rewards.enabled and cr.budget <= 0 and ok(
            "mechanisms.credit.budget", "mechanisms.credit.rewards.enabled"):
        errors.append("mechanisms.credit.budget: rewards (mechanisms.credit.rewards) are paid "
                      "from the credit budget, so it must be above 0, got 0")
    errors += _security_checks(s.mechanisms.public_security, ok)
    if s.population.districts > n and ok("population.districts", pop):
        errors.append(f"population.districts: must not exceed population.citizens ({n}), "
                      f"got {s.population.districts}")
    return errors + _shock_checks(s, ok)


SECURITY_LINKS = ("strike", "prevent", "educate", "manage", "build", "reform")


def _security_checks(ps, ok) -> list[str]:
    """The six links share one security budget; the prevention mix needs some weight."""
    at = "mechanisms.public_security"
    errors = []
    keys = [f"{at}.{k}" for k in SECURITY_LINKS]
    total = sum(getattr(ps, k) for k in SECURITY_LINKS)
    if total > 1 + 1e-9 and ok(*keys):
        errors.append(f"{at}: the link shares strike, prevent, educate, manage, build and "
                      f"reform must sum to at most 1, got {total:g}")
    mix = [f"{at}.{k}" for k in ("human", "physical", "technical")]
    if ps.prevent > 0 and ps.human + ps.physical + ps.technical <= 0 and ok(*mix):
        errors.append(f"{at}: human, physical and technical cannot all be 0 when prevent > 0")
    return errors


def _shock_checks(s: Scenario, ok) -> list[str]:
    errors = []
    for i, shock in enumerate(s.shocks):
        where = f"shocks.{i}.where"
        if (shock.where is not None and shock.where >= s.population.districts
                and ok(where, "population.districts")):
            errors.append(f"{where}: district {shock.where} does not exist "
                          f"(districts are 0..{s.population.districts - 1})")
        if shock.kind in ("budget_cut", "incident") and shock.size > 1 and ok(
                f"shocks.{i}.kind", f"shocks.{i}.size"):
            errors.append(f"shocks.{i}.size: a {shock.kind} is a fraction in [0, 1], "
                          f"got {shock.size}")
        if shock.until is not None and ok(f"shocks.{i}.kind", f"shocks.{i}.until"):
            if shock.kind not in LIFTABLE:
                errors.append(f"shocks.{i}.until: only {' and '.join(LIFTABLE)} can be lifted, "
                              f"not {shock.kind}")
            elif shock.until <= shock.step and ok(f"shocks.{i}.step"):
                errors.append(f"shocks.{i}.until: must be after shocks.{i}.step ({shock.step}), "
                              f"got {shock.until}")
    return errors


def _resolve_auto(s: Scenario, errors: list[str]) -> tuple[Scenario, bool]:
    """``population.citizens: auto`` -> the node count of the network file.

    Returns the scenario and whether its count is real: with no file to count, an error
    is appended and a stand-in of 2 citizens returned (the caller then skips the rules
    that involve the count).
    """
    if s.population.citizens != "auto":
        return s, True
    net, count = s.network, None
    if net.kind != "file":
        errors.append("population.citizens: 'auto' takes the count from a network file; it "
                      f"needs network.kind: file, got {net.kind!r}")
    elif net.path and Path(net.path).is_file():
        from ..sim.network import read_file

        try:
            count = read_file(net.path, net.format).n
        except ScenarioError as exc:
            errors.extend(exc.errors)
        if count is not None and count < 2:
            errors.append(f"population.citizens: 'auto' found {count} nodes in network.path; "
                          "a population needs at least 2")
            count = None
    population = dataclasses.replace(s.population, citizens=2 if count is None else count)
    return dataclasses.replace(s, population=population), count is not None


def scenario_from_dict(raw: dict) -> Scenario:
    """Validate plain data into a :class:`Scenario`; raise :class:`ScenarioError` listing all problems."""
    return _validate(raw, [])


def _validate(raw: dict, errors: list[str], read_network: bool = False) -> Scenario:
    """Single-key and cross-key checks in one pass; ``errors`` may already hold some
    (from overrides), and all are raised together. ``read_network``: also check a
    network file's contents against the scenario (node count, districts)."""
    raw = {k: v for k, v in (raw or {}).items() if k != "extends"}
    scenario = _build(Scenario, raw, "", errors)
    scenario, counted = _resolve_auto(scenario, errors)
    scenario = apply_shifts(scenario)  # the four shifts' instruments (docs/model.md 7.24)
    bad = _error_paths(errors) | (set() if counted else {"population.citizens"})
    errors.extend(e for e in _cross_checks(scenario, bad) if e not in errors)
    bad |= _error_paths(errors)
    net_keys = ("network", "network.kind", "network.path", "network.format", "population",
                "population.citizens", "population.districts")
    if read_network and scenario.network.kind == "file" and not bad & set(net_keys):
        from ..sim.network import file_errors

        errors.extend(e for e in file_errors(scenario) if e not in errors)
    if errors:
        raise ScenarioError(errors)
    return scenario


# ----------------------------------------------------------------- YAML files
def _deep_merge(base: dict, child: dict) -> dict:
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def presets_dir() -> Path:
    """The folder of named presets: ``scenarios/`` in a checkout, shipped inside the wheel."""
    import cogov

    for entry in cogov.__path__:
        folder = Path(entry) / "scenarios"
        if (folder / "base.yaml").is_file():
            return folder
    raise FileNotFoundError("cogov's presets (scenarios/) are missing from this installation")


def presets() -> list[str]:
    """Names of the shipped presets, e.g. ``adaptive`` or ``calibrated/pudong``."""
    folder = presets_dir()
    return sorted(p.relative_to(folder).with_suffix("").as_posix()
                  for p in folder.rglob("*.yaml") if "targets" not in p.relative_to(folder).parts)


def preset(name: str) -> Path:
    """Path of the preset called ``name`` (``adaptive``, ``calibrated/pudong``)."""
    path = presets_dir() / f"{name}.yaml"
    if not path.is_file():
        raise ScenarioError([f"{name}: no such scenario file or preset"
                             f"{did_you_mean(name, presets()) or ''}"])
    return path


def resolve_scenario_path(path: str | Path) -> Path:
    """A scenario argument as a file: an existing path, else a preset name.

    A path that exists (relative to the current directory) wins; a bare name
    such as ``adaptive`` or ``adaptive.yaml`` names a shipped preset.
    """
    path = Path(path)
    if path.is_file():
        return path.resolve()
    name = path.as_posix().removesuffix(".yaml").removesuffix(".yml")
    if not path.is_absolute() and (path.parent == Path(".") or name.startswith("calibrated/")):
        return preset(name)
    return path.resolve()


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader, but a key given twice in one mapping is recorded (PyYAML keeps
    the last one silently, so a second ``mechanisms:`` block would drop the first)."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[str] = []

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            first: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # `<<:` merges may be overridden
                    continue
                key, line = self.construct_object(key_node, deep=True), key_node.start_mark.line
                try:
                    if key in first:
                        self.duplicates.append(f"line {line + 1}: duplicate key {key!r} (first "
                                               f"on line {first[key] + 1})")
                    first.setdefault(key, line)
                except TypeError:  # an unhashable key: SafeLoader reports it below
                    continue
        return super().construct_mapping(node, deep)


def load_yaml(text: str, where: str) -> Any:
    """Parse YAML text like ``yaml.safe_load``; duplicate keys and syntax errors raise a
    :class:`ScenarioError` naming ``where`` (a file or a --set)."""
    loader = _StrictLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise ScenarioError([f"{where}: not valid YAML: {exc}".replace("\n", " ")]) from None
    finally:
        loader.dispose()
    if loader.duplicates:
        raise ScenarioError([f"{where}: {d}" for d in loader.duplicates])
    return data


def read_text_file(path: Path, what: str) -> str:
    """A UTF-8 text file's content; unreadable or binary files raise a ScenarioError."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read {what} ({exc.strerror})"]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError([f"{path}: not a text file (not UTF-8: byte "
                             f"{exc.object[exc.start]:#04x} at offset {exc.start}); a {what} "
                             "is YAML text"]) from None


def read_scenario_file(path: str | Path, _seen: tuple[Path, ...] = ()) -> dict:
    """Read a scenario YAML into plain data, resolving ``extends:`` (relative to the file)."""
    path = resolve_scenario_path(path) if not _seen else Path(path).resolve()
    if path in _seen:
        chain = " -> ".join(p.name for p in (*_seen, path))
        raise ScenarioError([f"extends: circular chain {chain}"])
    raw = load_yaml(read_text_file(path, "scenario file"), str(path))
    if raw is None:
        raise ScenarioError([f"{path}: the scenario file is empty (write at least "
                             "`extends: base.yaml`, or `{}` for every default)"])
    if not isinstance(raw, dict):
        raise ScenarioError([f"{path}: a scenario file must be a mapping of keys"])
    raw.setdefault("name", path.stem)
    net = raw.get("network")
    if isinstance(net, dict) and isinstance(net.get("path"), str):
        net["path"] = str((path.parent / net["path"]).resolve())
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise ScenarioError([f"extends: expected a file name, got {_fmt(parent)}"])
    base = read_scenario_file(path.parent / parent, (*_seen, path))
    return _deep_merge(base, raw)


def _no_item(listed: str, index: int, items: list) -> str:
    have = {0: "there are none", 1: f"there is one, {listed}.0"}.get(
        len(items), f"there are {len(items)}, {listed}.0 to {listed}.{len(items) - 1}")
    return (f"{listed}.{index}: no such item ({have}); to add one, set the whole list, "
            f"e.g. --set '{listed}=[{{...}}]'")


def _set_path(raw: dict, dotted: str, value: Any) -> None:
    """Set ``raw[a][b][0][c] = value`` for ``"a.b.0.c"``, creating missing sections.

    A list item that does not exist is an error, never created or silently dropped
    (``shocks.0.size`` on a scenario without shocks used to do nothing).
    """
    keys = dotted.split(".")
    node: Any = raw
    for i, key in enumerate(keys):
        here, last = ".".join(keys[: i + 1]), i == len(keys) - 1
        if isinstance(node, list):
            if not key.isdigit():
                raise ScenarioError([f"{here}: expected a list index (0, 1, ...), got {key!r}"])
            if int(key) >= len(node):
                raise ScenarioError([_no_item(".".join(keys[:i]), int(key), node)])
            key = int(key)
        elif not isinstance(node, dict):
            raise ScenarioError([f"{here}: {'.'.join(keys[:i])} is a value, not a section"])
        if last:
            node[key] = value
            return
        nxt = node[key] if isinstance(node, list) else node.get(key)
        if nxt is None and isinstance(node, dict):
            if keys[i + 1].isdigit():  # a list that is not there has no item to change
                raise ScenarioError([_no_item(here, int(keys[i + 1]), [])])
            nxt = node[key] = {}
        node = nxt


def _apply_overrides(raw: dict, overrides: dict[str, Any]) -> list[str]:
    """Apply every ``--set``; return the problems (all of them, not just the first)."""
    errors = []
    for key, value in overrides.items():
        try:
            _set_path(raw, key, value)
        except ScenarioError as exc:
            errors.extend(exc.errors)
    return errors


def parse_overrides(pairs: list[str] | None) -> dict[str, Any]:
    """Parse ``key.path=value`` strings; values are read as YAML (``off`` -> False, ``4.5`` -> 4.5)."""
    out: dict[str, Any] = {}
    errors = []
    for pair in pairs or []:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            errors.append(f"--set {pair!r}: expected key.path=value")
            continue
        try:
            out[key.strip()] = load_yaml(text, f"--set {key.strip()}") if text.strip() else ""
        except ScenarioError as exc:
            if "duplicate key" in exc.errors[0]:
                errors.extend(exc.errors)
            out[key.strip()] = text  # not YAML: the text itself (a name, a path)
    if errors:
        raise ScenarioError(errors)
    return out


def load_scenario(
    path: str | Path, overrides: dict[str, Any] | list[str] | None = None, **top: Any
) -> Scenario:
    """Load, merge, override and validate a scenario file.

    Every problem is reported at once: unknown keys, wrong values, overrides of list
    items that do not exist, rules across keys and, for ``network.kind: file``, the
    file itself (readable, node count, ``district`` attributes). Warnings (a shock that
    can never act, what a network file loses) are issued as :class:`CogovWarning`.

    Args:
        path: YAML file or preset name (``"adaptive"``); ``extends:`` and
            ``network.path`` inside a file resolve relative to that file, an
            override of ``network.path`` relative to the current directory.
        overrides: ``{"mechanisms.incentives.r": 4.5}`` or ``["mechanisms.incentives.r=4.5"]``.
        **top: top-level values that win over everything (e.g. ``steps=50``, ``seed=3``);
            ``None`` values are ignored.

    Example:
        >>> s = load_scenario("scenarios/adaptive.yaml", ["budget.per_capita=1.2"], steps=10)
        >>> (s.governance.adaptation, s.budget.per_capita, s.steps)
        (True, 1.2, 10)
    """
    raw = read_scenario_file(path)
    if isinstance(overrides, list):
        overrides = parse_overrides(overrides)
    errors = _apply_overrides(raw, overrides or {})
    for key, value in top.items():
        if value is not None:
            raw[key] = value
    scenario = _validate(raw, errors, read_network=True)
    warn([f"{scenario.name}: {w}" for w in scenario_warnings(scenario)])
    warn([f"{scenario.name}: {w}" for w in overridden(overrides or {}, scenario.governance)])
    return scenario


def scenario_warnings(s: Scenario) -> list[str]:
    """Valid input that cannot do what it says: shocks that never act, and what a network
    file loses (weights, direction...). ``load_scenario`` issues them as warnings."""
    out = []
    for i, shock in enumerate(s.shocks):
        if shock.step > s.steps:
            out.append(f"shocks.{i}.step: {shock.step} is after the last step ({s.steps}), so "
                       f"this {shock.kind} never acts")
        elif shock.kind == "incident" and not s.mechanisms.opinion.enabled:
            out.append(f"shocks.{i}.kind: an incident acts through public opinion, but "
                       "mechanisms.opinion.enabled is off, so it has no effect")
        elif shock.size == 0 and shock.kind != "relocation":
            out.append(f"shocks.{i}.size: 0, so this {shock.kind} has no effect")
    op = s.mechanisms.opinion
    if op.responsiveness > 0 and not op.enabled:
        out.append("mechanisms.opinion.responsiveness: the government responds to online "
                   "opinion, but mechanisms.opinion.enabled is off, so it has no effect")
    if s.network.kind == "file":
        from ..sim.network import read_file

        out.extend(read_file(s.network.path, s.network.format).notes)
    return out


def comparison_warnings(scenarios: list[Scenario]) -> list[str]:
    """Scenarios compared side by side should share population and length: totals scale
    with the number of citizens, and final windows of runs of different lengths are
    different moments of the dynamics."""
    why = {"population.citizens": "counts and money totals scale with the population; only "
                                  "per-capita metrics compare",
           "steps": "their final windows fall at different times",
           "warmup": "they start step 1 from different states"}
    out = []
    for key, reason in why.items():
        values = [s.population.citizens if key == "population.citizens" else getattr(s, key)
                  for s in scenarios]
        if len(set(values)) > 1:
            each = ", ".join(f"{s.name} {v}" for s, v in zip(scenarios, values, strict=True))
            out.append(f"compare: the scenarios differ in {key} ({each}): {reason}")
    return out


def scenario_fields(cls: type = Scenario, prefix: str = "") -> list[tuple[str, Any]]:
    """Every leaf key path with its default, for docs and tests."""
    out = []
    for f in dataclasses.fields(cls):
        path = f"{prefix}{f.name}"
        default = f.default_factory() if f.default is dataclasses.MISSING else f.default
        if dataclasses.is_dataclass(default):
            out.extend(scenario_fields(type(default), path + "."))
        else:
            out.append((path, default))
    return out


def leaf_type(dotted: str, cls: type = Scenario) -> Any:
    """The Python type of a scenario key (``int``, ``float``, ``bool``...); unknown keys raise.

    >>> leaf_type("population.citizens"), leaf_type("shocks.0.size")
    (<class 'int'>, <class 'float'>)
    """
    tp: Any = cls
    done: list[str] = []
    for key in dotted.split("."):
        if get_origin(tp) is tuple:
            if not key.isdigit():
                raise ScenarioError([f"{'.'.join([*done, key])}: expected a list index"])
            tp = get_args(tp)[0]
        elif dataclasses.is_dataclass(tp):
            hints = get_type_hints(tp)
            if key not in hints:
                hint = did_you_mean(key, list(hints)) or f" (known: {', '.join(hints)})"
                raise ScenarioError([f"{'.'.join([*done, key])}: unknown key{hint}"])
            tp = hints[key]
        else:
            raise ScenarioError([f"{'.'.join(done)}: is a value, not a section"])
        done.append(key)
    if get_origin(tp) in (Union, types.UnionType):
        tp = next(a for a in get_args(tp) if a is not type(None))
    return tp

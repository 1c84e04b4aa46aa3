"""The typed sections of a scenario: one frozen dataclass per YAML section.

Each field declares its default and, with :func:`_p`, its allowed range; the cross-key
rules of a section sit beside it. :mod:`.schema` converts, validates and overrides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

COMPLETE_MAX = 5000  # a complete graph beyond this would not fit in memory sensibly


LIFTABLE = ("need_spike", "budget_cut")  # shocks that `until` can end (the others act once)


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
    ] = "auto"  # of network.path; auto: from its extension (network_file.FORMATS)


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


# generators whose construction needs an even mean degree k, and why (an odd k would be
# floored silently; the scenario check and the generators refuse it instead)
EVEN_DEGREE = {
    "small_world": "k/2 neighbours on each side of the ring",
    "scale_free": "m = k/2 links per new node",
}

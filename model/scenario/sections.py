"""The typed sections of a scenario: one frozen dataclass per YAML section.

Each field declares, with :func:`_p`, its default, its allowed range, what it means and
where its default comes from (its provenance); the cross-key rules of a section sit
beside it. :mod:`.schema` converts, validates and overrides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

COMPLETE_MAX = 5000  # a complete graph beyond this would not fit in memory sensibly

# Upper bounds of keys that have no natural one (issue 26): every accepted value must run
# clean, so each key is bounded where the model would overflow, run out of memory or run
# for hours, far beyond any experiment's values (the defaults are 0.8, 2,500, 100...).
STEPS_MAX = 100_000  # steps (and a shock's step): ~6 min at 2,500 citizens (3.5 ms a step)
WARMUP_MAX = 10_000  # unrecorded steps before step 1: ~40 s at 2,500 citizens
TIME_MAX = 1000  # delays, lags, periods, terms, windows in steps (83 years of monthly steps);
# a jail term's warm-up is 3 x jail_term steps
CITIZENS_MAX = 1_000_000  # citizens: ~1.3 GB, set-up ~6 min (0.26 GB, 68 s at 200,000);
# districts and followers at most this too
MONEY_MAX = 1e6  # money per citizen (or per case, per unit) per step: the budget's 0.8 x 1e6
SCALE_MAX = 1e6  # dimensionless gains, weights, ratios, capacities per citizen
SIGMA_MAX = 3.0  # sd of a log-normal error: exp of a wider normal overflows (a factor 20 per sd)
C_LONG_MAX = 2**63 - 1  # the largest integer numpy and the model's arrays take as a number
# planning cells (districts x fields): the delegation step's time grows with their square
# (measured at 150 citizens: 0.03 s a step at 30,000 cells, 1.8 s at 100,000, 20 s at 327,670)
CELLS_MAX = 30_000
# A positive float below this is neither 0 nor a value the model resolves (5e-324 gave NaN
# satisfaction, 1e-200 an unbalanced ledger): it is rejected, naming the key; write 0.
RESOLUTION = 1e-12


LIFTABLE = ("need_spike", "budget_cut")  # shocks that `until` can end (the others act once)


def _p(default: Any, lo: float | None = None, hi: float | None = None, *, open_lo: bool = False,
       doc: str, src: str):
    """A scenario field with an allowed range ``[lo, hi]`` (``(lo, hi]`` if open_lo).

    ``doc`` says what the parameter means, ``src`` where its default comes from: text that
    starts with "assumption" (a value the modellers chose; a reason may follow after a colon
    or in parentheses), with "design" (it defines the experiment: a switch, a label, a file,
    an output setting) or else cites a reference (``[SGNM Essay 7 §3]``, ``[Epstein2002]``).
    Both are stored in the field's metadata; :mod:`.parameters` reads them into the table of
    docs/model.md, section 9.
    """
    metadata = {"lo": lo, "hi": hi, "open_lo": open_lo, "doc": doc, "src": src}
    if isinstance(default, dict):  # a mapping (outputs.reporters): a fresh copy per scenario
        return field(default_factory=partial(dict, default), hash=False, metadata=metadata)
    return field(default=default, metadata=metadata)


def _sub(cls):
    return field(default_factory=cls)


# --------------------------------------------------------------------- sections
@dataclass(frozen=True, kw_only=True)
class Governance:
    # systemic governance (系统治理)
    collaboration: bool = _p(
        False, doc="delegate to hubs/NGOs (7.6)", src="design (switch); [SGNM Essay 7 §3]")
    adaptation: bool = _p(
        False, doc="re-target every step from local reports (7.3)",
        src="design (switch); [SGNM Essay 2]")
    # mechanisms.law on at the law-based rule_of_law (7.22, 7.24)
    law_based: bool = _p(
        False, doc="law-based governance: `mechanisms.law` on at `rule_of_law` 0.9 (7.22, 7.24)",
        src="design (switch); [SGNM Essay 7 §3, Essay 4, Essay 6 §3]")
    # Essay 7's comprehensive and source shifts: overlays of instruments (model/scenario/shifts.py)
    comprehensive: bool = _p(
        False,
        doc="comprehensive governance (综合治理): on turns on the instruments of its row in "
            "`model/scenario/shifts.py` (interest incentives, social credit, linked grand mediation), "
            "overriding the file for those keys; off leaves the file as it is (7.24)",
        src="design (switch); [SGNM Essay 7 §3, Essay 4 §1]")
    source: bool = _p(
        False,
        doc="source governance (源头治理): on turns on prevention at the source (early warning "
            "and risk assessment, 7.13) at an equal total budget, overriding the file for those "
            "keys; off leaves the file as it is (7.24)",
        src="design (switch); [SGNM Essay 7 §3]")


@dataclass(frozen=True, kw_only=True)
class Budget:
    per_capita: float = _p(
        0.8, 0.0, MONEY_MAX, doc="government money per citizen per step",
        src="assumption (top-down can meet ≤ 60 % of need)")


@dataclass(frozen=True, kw_only=True)
class NeedShift:
    every: int = _p(10, 0, TIME_MAX, doc="steps between need drifts (0 = never)", src="assumption")
    # sd of a log step: exp of a wider normal overflows
    size: float = _p(0.3, 0.0, 3.0, doc="sd of log drift step, in [0, 3]", src="assumption")


@dataclass(frozen=True, kw_only=True)
class Need:
    mean: float = _p(
        1.0, 0.0, SCALE_MAX, open_lo=True,
        doc="mean need per citizen per step", src="assumption (scale)")
    # exp of a wider normal overflows
    heterogeneity: float = _p(
        0.5, 0.0, 3.0, doc="sd of log cell multipliers, in [0, 3]", src="assumption")
    individual: float = _p(
        0.2, 0.0, 3.0, doc="sd of log individual need, in [0, 3]", src="assumption")
    # the field index is an int16 (model/sim/population.py)
    fields: int = _p(3, 1, 32767, doc="F fields of service", src="assumption")
    shift: NeedShift = _sub(NeedShift)


@dataclass(frozen=True, kw_only=True)
class InitialTrust:
    government: float = _p(0.6, 0.0, 1.0, doc="mean initial T_gov", src="assumption")
    ngo: float = _p(0.5, 0.0, 1.0, doc="mean initial T_ngo", src="assumption")
    spread: float = _p(0.1, 0.0, 0.5, doc="sd of initial trust", src="assumption")


@dataclass(frozen=True, kw_only=True)
class Population:
    # "auto" (with network.kind: file) is resolved to the file's node count when the scenario
    # is validated, so a built Scenario, and the model, always hold an int
    citizens: int | Literal["auto"] = _p(
        2500, 2, CITIZENS_MAX,
        doc="N; `auto` (with `network.kind: file`) takes the file's node count (section 6)",
        src="assumption")
    districts: int = _p(10, 1, CITIZENS_MAX, doc="D", src="assumption")
    need: Need = _sub(Need)
    initial_trust: InitialTrust = _sub(InitialTrust)
    agents: Literal["auto", "all", "none"] = _p(
        "auto", doc="create Citizen views: auto (≤ 100,000), all, none", src="design")


@dataclass(frozen=True, kw_only=True)
class Network:
    kind: Literal[
        "lattice", "regular", "small_world", "scale_free", "erdos_renyi", "complete", "file"
    ] = _p("small_world", doc="7.1", src="design")
    degree: int = _p(4, 1, 1000, doc="average degree k", src="assumption")
    rewire: float = _p(0.05, 0.0, 1.0, doc="small-world rewiring p", src="assumption")
    path: str | None = _p(None, doc="network file (section 6)", src="design (input file)")
    # of network.path; auto: from its extension (network_file.FORMATS)
    format: Literal[
        "auto", "graphml", "gml", "pajek", "gexf", "edgelist", "csv", "tsv"
    ] = _p(
        "auto",
        doc="how to read `network.path`: auto (by extension), graphml, gml, pajek, gexf, "
            "edgelist, csv, tsv (section 6)",
        src="design (input file)")
    # off: every tie weighs 1, bit-identical to a file without weights
    weights: bool = _p(
        False,
        doc="keep a network file's edge weights: trust's social influence and opinion's "
            "choice of whom to hear weigh neighbours by them (section 6)",
        src="design (switch)")


@dataclass(frozen=True, kw_only=True)
class Organizations:
    hubs: int = _p(3, 0, 1000, doc="number of hubs (field h mod F)", src="assumption")
    ngos: int = _p(
        30, 0, 10000, doc="number of NGOs",
        src="assumption (Beijing's unions linked 976 organisations city-wide [SGNM Essay 2 §2])")
    gov_efficiency: float = _p(
        0.75, 0.0, 1.0, doc="service per money, direct provision", src="assumption")
    ngo_efficiency: float = _p(
        0.9, 0.0, 1.0, doc="mean NGO service per money",
        src="assumption (specialised providers [SGNM Essay 1 §3.1])")
    ngo_efficiency_sd: float = _p(0.05, 0.0, 1.0, doc="sd across NGOs", src="assumption")
    opportunists: float = _p(
        0.0, 0.0, 1.0, doc="share of NGOs that withhold service (7.16)", src="assumption")
    shirk: float = _p(
        0.5, 0.0, 1.0, doc="share of paid service an opportunist withholds", src="assumption")


@dataclass(frozen=True, kw_only=True)
class Sharing:
    enabled: bool = _p(
        False, doc="resource integration and sharing (7.6)",
        src="design (switch); [SGNM Essay 2 §4]")
    gain: float = _p(
        0.3, 0.0, SCALE_MAX, doc="γ_s, efficiency gain with many partners", src="assumption")
    cost: float = _p(
        0.0024, 0.0, MONEY_MAX,
        doc="c_s, coordination cost, money per citizen served per partner^κ per step (0.0024 × "
            "833 citizens a hub ≈ the former 2.0 per hub at N = 2,500)",
        src="assumption")
    exponent: float = _p(
        1.5, 1.0, 5.0, doc="κ, growth of coordination cost with partners", src="assumption")


@dataclass(frozen=True, kw_only=True)
class Resources:
    enabled: bool = _p(True, doc="7.6", src="design (switch)")
    delegation: float = _p(
        0.8, 0.0, 1.0, doc="share of a served cell's money delegated", src="assumption")
    overhead: float = _p(0.1, 0.0, 1.0, doc="procurement/coordination overhead", src="assumption")
    match_ratio: float = _p(
        1.625, 0.0, SCALE_MAX,
        doc="social funds per unit of hub money", src="Pudong 2016 [SGNM Essay 2 §2]")
    social_capacity: float = _p(
        0.25, 0.0, MONEY_MAX, doc="social money available per citizen per step", src="assumption")
    government_share: float = _p(
        0.0, 0.0, 1.0,
        doc="share of a hub field's delegated money the government buys itself (1+1+N, 7.16)",
        src="assumption")
    sharing: Sharing = _sub(Sharing)


@dataclass(frozen=True, kw_only=True)
class Planning:
    enabled: bool = _p(True, doc="7.3", src="design (switch)")
    plan_period: int = _p(
        12, 1, TIME_MAX,
        doc="steps between top-down plans", src="assumption (annual plan, monthly steps)")
    layers: int = _p(
        3, 0, 100, doc="hierarchy levels (city/district/street)", src="[SGNM Essay 2 §3]")
    layer_delay: int = _p(2, 0, TIME_MAX, doc="delay per level, steps", src="assumption")
    layer_noise: float = _p(0.1, 0.0, SIGMA_MAX, doc="sd of log error per level", src="assumption")
    feedback_noise: float = _p(
        0.05, 0.0, SIGMA_MAX, doc="sd of log error of local reports", src="assumption")


@dataclass(frozen=True, kw_only=True)
class Trust:
    enabled: bool = _p(True, doc="7.4", src="design (switch)")
    rate: float = _p(0.1, 0.0, 1.0, doc="ρ, learning rate for gains", src="assumption")
    negativity: float = _p(
        2.0, 1.0, SCALE_MAX,
        doc="ν, loss/gain rate ratio", src="assumption (value); [Slovic1993] (direction)")
    social: float = _p(0.1, 0.0, 1.0, doc="ω, social influence", src="assumption")
    basis: float = _p(
        0.5, 0.0, 1.0, open_lo=True, doc="β, trust for full collaboration",
        src="assumption (value); [SGNM Essay 1 §3.2]")
    attribution: float = _p(
        0.5, 0.0, 1.0,
        doc="α, share of commissioned NGO service government is held responsible for (7.4)",
        src="assumption (value); [Marvel2016] (direction: government keeps part of the blame)")
    # off: a counterfactual, g = 1 for uptake and fund-raising
    gates_collaboration: bool = _p(
        True,
        doc="whether trust gates collaboration, g(T) for NGO uptake and hubs' fund-raising "
            "(7.4); off is a counterfactual (g = 1 there) that isolates the trust step of the "
            "regime gap (`cogov decompose`); co-production keeps its gate",
        src="design (counterfactual switch)")


@dataclass(frozen=True, kw_only=True)
class Relocation:
    enabled: bool = _p(
        True, doc="compensate relocation harm (7.17)", src="design (switch); [SGNM Essay 1 §3.2]")
    rule: Literal["auto", "fixed", "observed"] = _p(
        "auto", doc="auto (observed under adaptation, fixed otherwise), fixed, observed",
        src="[SGNM Essay 2 §5] (direction)")
    share: float = _p(
        0.8, 0.0, SCALE_MAX, doc="φ, share of the loss compensated", src="assumption")
    noise: float = _p(
        0.1, 0.0, SIGMA_MAX, doc="σ, sd of log error of observed losses", src="assumption")
    delay_fixed: int = _p(
        6, 0, TIME_MAX, doc="steps before a fixed-schedule payment starts", src="assumption")
    delay_observed: int = _p(
        1, 0, TIME_MAX, doc="steps before an observed-loss payment starts", src="assumption")


@dataclass(frozen=True, kw_only=True)
class Incentives:
    enabled: bool = _p(True, doc="7.5", src="design (switch)")
    r: float = _p(
        4.5, 0.0, SCALE_MAX,
        doc="synergy factor", src="assumption (r/G = 0.9 on the default network)")
    cost: float = _p(
        0.01, 0.0, MONEY_MAX, open_lo=True, doc="contribution per group (money)", src="assumption")
    contribution: Literal["per_group", "per_individual"] = _p(
        "per_group", doc="per_group or per_individual", src="[Santos2008]")
    K: float = _p(
        0.5, 0.0, SCALE_MAX, open_lo=True,
        doc="imitation noise (units of cost)", src="[Szolnoki2009]")
    update: Literal["synchronous", "asynchronous"] = _p(
        "synchronous", doc="synchronous or asynchronous", src="assumption")
    subsidy: float = _p(
        0.0, 0.0, MONEY_MAX, doc="σ, per unit contributed", src="assumption (lever)")
    compensation: float = _p(
        0.0, 0.0, 1.0, doc="κ, share of the shortfall topped up", src="assumption (lever)")
    initial_cooperation: float = _p(
        0.9, 0.0, 1.0, doc="initial fraction of contributors, where the warm-up starts (7.5)",
        src="assumption: near the steady state, so small populations keep their cooperator "
            "clusters (7.5)")
    warmup: int = _p(
        2000, 0, 100000,
        doc="rounds of the game played at set-up, before the model's warm-up and step 1, no "
            "money or service (7.5)",
        src="assumption: long enough for the default network to settle (measured, 7.5) [Law2015]")
    relocation: Relocation = _sub(Relocation)


@dataclass(frozen=True, kw_only=True)
class Opinion:
    enabled: bool = _p(False, doc="7.11", src="design (switch)")
    initial: float = _p(0.6, 0.0, 1.0, doc="mean initial opinion", src="assumption")
    initial_distribution: Literal["normal", "uniform"] = _p(
        "normal", doc="initial opinions: normal (sd = spread) or uniform (initial ± spread) (7.11)",
        src="assumption (normal); uniform: [Deffuant2000]")
    initial_spread: float = _p(
        0.1, 0.0, 1.0, doc="sd (normal) or half-width (uniform) of initial opinions",
        src="assumption; 0.5 with uniform and initial 0.5 is [Deffuant2000]")
    confidence: float = _p(
        0.3, 0.0, 1.0, doc="d, bounded confidence", src="assumption (value); [Deffuant2000] (form)")
    convergence: float = _p(0.3, 0.0, 0.5, doc="μ", src="[Deffuant2000]")
    coupling: float = _p(0.05, 0.0, 0.5, doc="κ, opinion ↔ trust", src="assumption")
    amplifiers: float = _p(0.005, 0.0, 1.0, doc="share of self-media amplifiers", src="assumption")
    followers: int = _p(100, 0, CITIZENS_MAX, doc="followers per amplifier", src="assumption")
    spread: float = _p(0.3, 0.0, 1.0, doc="σ, engagement per engaged contact", src="assumption")
    decay: float = _p(
        0.2, 0.0, 1.0, doc="boredom per step",
        src="assumption (hot topics turn over fast [SGNM Essay 3])")
    forget: float = _p(0.0, 0.0, 1.0, doc="bored → receptive per step", src="assumption")
    noise: float = _p(
        0.1, 0.0, 1.0, doc="ν, share of noise in traffic", src="assumption [SGNM Essay 3]")
    fail_visibility: float = _p(
        0.9, 0.0, 1.0,
        doc="share of a fall in contacts' satisfaction taken into perceived performance per step",
        src="assumption [SGNM Essay 3 §2]")
    repair_visibility: float = _p(
        0.2, 0.0, 1.0, doc="share of a rise taken in per step", src="assumption [SGNM Essay 3 §2]")
    news_weight: float = _p(
        0.5, 0.0, 1.0, doc="λ, opinion change per change of perceived performance",
        src="assumption")
    # 0: online opinion changes nothing offline
    responsiveness: float = _p(
        0.0, 0.0, SCALE_MAX,
        doc="ρ, targeted service per responding district per step as a share of its share of the "
            "budget, ρ·B_t·N_d/N; 0: online opinion changes nothing offline (the model before "
            'issue 16) (7.11, "Responsiveness")',
        src="assumption (value); form [SGNM Essay 3 §3], [Chen2016], [Distelhorst2017]")
    online_noise: float = _p(
        0.1, 0.0, 1.0,
        doc="η, share of what is posted about a district that is water-army noise or false "
            "information (水军), pointing at random",
        src="assumption [SGNM Essay 3 §3]")
    response_threshold: float = _p(
        0.1, 0.0, 1.0,
        doc="θ, how far a district's observed pressure must exceed the mean over districts to be "
            "responded to",
        src="assumption")
    response_delay_top_down: int = _p(
        4, 0, TIME_MAX,
        doc="steps between posting and response with `governance.adaptation: off` (verification "
            "climbs the hierarchy)",
        src="assumption [SGNM Essay 3 §3, Essay 1 §1]")
    response_delay_adaptive: int = _p(
        1, 0, TIME_MAX,
        doc="the same with `governance.adaptation: on` (the local level acts on current reports)",
        src="assumption [SGNM Essay 2 §5]")
    inspection_cost: float = _p(
        0.01, 0.0, MONEY_MAX,
        doc="cost of inspecting the department responsible, per citizen of the district (ledger "
            "use `inspection`, paid in full or not done)",
        src="assumption")


@dataclass(frozen=True, kw_only=True)
class UnrestGrid:
    width: int = _p(40, 3, 10_000, doc="cells across the torus", src="[Epstein2002] (40)")
    height: int = _p(40, 3, 10_000, doc="cells down the torus", src="[Epstein2002] (40)")
    vision: int = _p(
        7, 1, 1_000, doc="v, radius of the von Neumann diamond citizens and officers see",
        src="[Epstein2002] (7)")
    officers: float = _p(
        0.04, 0.0, 1.0, doc="officers per cell (M = round(officers × width × height))",
        src="[Epstein2002] (0.04 in Run 1)")
    movement: bool = _p(
        True, doc="free citizens and officers move to a random empty cell in vision each step",
        src="design (switch); [Epstein2002]")
    update: Literal["synchronous", "sequential"] = _p(
        "synchronous",
        doc="`synchronous`: all decide on the state at the step's start, then officers arrest, "
            "then all move (vectorised); `sequential`: one agent at a time in a random order, "
            "as Mesa's example (a Python loop, for Epstein-sized grids)",
        src="design; `sequential`: [Epstein2002] and Mesa's example")


@dataclass(frozen=True, kw_only=True)
class Unrest:
    enabled: bool = _p(False, doc="7.12", src="design (switch)")
    threshold: float = _p(0.1, 0.0, 1.0, doc="T", src="[Epstein2002]")
    k: float = _p(2.3, 0.0, SCALE_MAX, doc="arrest constant", src="[Epstein2002]")
    enforcement: float = _p(2.0, 0.0, 100.0, doc="C, officers per neighbourhood", src="assumption")
    officer_cost: float = _p(
        0.1, 0.0, MONEY_MAX, doc="money per officer per step", src="assumption")
    jail_term: int = _p(10, 0, TIME_MAX, doc="maximum jail term, steps", src="assumption")
    legitimacy: float | None = _p(
        None, 0.0, 1.0, doc="one global legitimacy L for everyone (null: each citizen's T_gov)",
        src="design (null: the model's own trust); [Epstein2002] (0.82 in his Run 1)")
    hardship: Literal["model", "uniform"] = _p(
        "model", doc="`model`: H = 1 − S; `uniform`: H ~ U(0, 1) drawn once",
        src="design (`model`: the model's own satisfaction); `uniform`: [Epstein2002]")
    space: Literal["network", "grid"] = _p(
        "network",
        doc="where unrest happens: `network`, the citizen network with C officers per "
            "neighbourhood; `grid`, Epstein's torus with vision and movement (`grid.*`)",
        src="design (`network`); `grid`: [Epstein2002]")
    grid: UnrestGrid = _sub(UnrestGrid)


@dataclass(frozen=True, kw_only=True)
class EarlyWarning:
    enabled: bool = _p(False, doc="7.13", src="design (switch)")
    indicator: Literal["unmet_need", "grievance", "attention", "disputes"] = _p(
        "unmet_need",
        doc="unmet_need (leading), grievance (lags behind trust), attention, disputes",
        src="assumption")
    threshold: float = _p(0.6, 0.0, SCALE_MAX, doc="warning threshold", src="assumption")
    delay_top_down: int = _p(6, 0, TIME_MAX, doc="steps", src="assumption")
    delay_collaborative: int = _p(1, 0, TIME_MAX, doc="steps", src="assumption")
    noise_top_down: float = _p(
        0.2, 0.0, SIGMA_MAX, doc="sd of log observation error", src="assumption")
    noise_collaborative: float = _p(
        0.05, 0.0, SIGMA_MAX, doc="sd of log observation error", src="assumption")
    contingency: float = _p(0.1, 0.0, 1.0, doc="share of budget saved per step", src="assumption")
    fund_cap: float = _p(
        2.0, 0.0, SCALE_MAX,
        doc="φ, most the contingency fund holds, in steps of budget; the excess returns to the "
            "treasury",
        src="assumption")
    response_budget: float = _p(
        0.25, 0.0, 1.0, doc="response per district per step, share of budget", src="assumption")
    response_steps: int = _p(6, 1, TIME_MAX, doc="length of a response", src="assumption")
    mediation_boost: float = _p(
        1.0, 0.0, SCALE_MAX, doc="extra people's-mediation capacity", src="assumption")
    communication: float = _p(0.05, 0.0, 1.0, doc="opinion lift per step", src="assumption")


@dataclass(frozen=True, kw_only=True)
class Deadlines:
    enabled: bool = _p(
        False, doc="deadlines per channel (时限): overdue cases escalated and counted",
        src="design (switch); [SGNM Essay 4 §3]")
    people: int = _p(
        2, 1, TIME_MAX,
        doc="D, processing rounds a case may wait at people's mediation", src="assumption")
    admin: int = _p(3, 1, TIME_MAX, doc="D at administrative mediation", src="assumption")
    judicial: int = _p(6, 1, TIME_MAX, doc="D at the courts (overdue: extension)", src="assumption")


@dataclass(frozen=True, kw_only=True)
class FollowUp:
    enabled: bool = _p(
        False, doc="follow-up visits (定期回访) of every resolution",
        src="design (switch); [SGNM Essay 4 §3]")
    lag: int = _p(
        1, 1, TIME_MAX, doc="steps after a resolution at which it is visited", src="assumption")
    cost: float = _p(
        0.2, 0.0, MONEY_MAX, doc="per visit (ledger use `follow_up`)", src="assumption")


@dataclass(frozen=True, kw_only=True)
class Accountability:
    enabled: bool = _p(
        False,
        doc="supervision and accountability (调处督办、责任查究): effort responds to overdue "
            "cases (needs deadlines)",
        src="design (switch); [SGNM Essay 4 §3]; [Edin2003]")
    rate: float = _p(
        0.5, 0.0, SCALE_MAX, doc="a, effort added per overdue case per 1,000 citizens served",
        src="assumption")
    decay: float = _p(0.1, 0.0, 1.0, doc="δ, share of extra effort lost per step", src="assumption")
    max_effort: float = _p(
        2.0, 1.0, SCALE_MAX, doc="E, cap on the capacity multiplier", src="assumption")


@dataclass(frozen=True, kw_only=True)
class Petitions:
    enabled: bool = _p(
        False, doc="petition channel (信访) for citizens whose cases failed",
        src="design (switch); [SGNM Essay 4 §3]; [Minzner2006]")
    propensity: float = _p(
        0.5, 0.0, 1.0,
        doc="π, probability that a citizen whose case failed at the courts or who gave up "
            "petitions",
        src="assumption")
    cost: float = _p(
        3.0, 0.0, MONEY_MAX, doc="per petition handled (ledger use `petitions`)",
        src="assumption (between administrative and judicial)")
    success: float = _p(
        0.1, 0.0, 1.0, doc="σ, share of handled petitions that solve the problem",
        src="assumption (few do [Minzner2006])")
    grievance: float = _p(
        1.0, 0.0, SCALE_MAX, doc="g_p, extra D_i (7.10) of a petitioner whose petition failed",
        src="assumption")


@dataclass(frozen=True, kw_only=True)
class Mediation:
    enabled: bool = _p(False, doc="7.14", src="design (switch)")
    base_rate: float = _p(0.001, 0.0, 1.0, doc="disputes per citizen per step", src="assumption")
    grievance_rate: float = _p(0.02, 0.0, 1.0, doc="extra per unit grievance", src="assumption")
    linkage: Literal["auto", "on", "off"] = _p(
        "auto", doc="on, off, auto", src="[SGNM Essays 4, 6]")
    people_capacity: float = _p(
        0.004, 0.0, SCALE_MAX, doc="cases per citizen per step", src="assumption")
    people_cost: float = _p(0.5, 0.0, MONEY_MAX, doc="per case", src="assumption (cheap)")
    people_success: float = _p(
        0.6, 0.0, 1.0, doc="share of people's-mediation cases resolved", src="assumption")
    admin_capacity: float = _p(
        0.002, 0.0, SCALE_MAX, doc="administrative cases per citizen per step", src="assumption")
    admin_cost: float = _p(2.0, 0.0, MONEY_MAX, doc="per administrative case", src="assumption")
    admin_success: float = _p(
        0.5, 0.0, 1.0, doc="share of administrative cases resolved", src="assumption")
    judicial_capacity: float = _p(
        0.001, 0.0, SCALE_MAX, doc="court cases per citizen per step", src="assumption (slow)")
    judicial_cost: float = _p(8.0, 0.0, MONEY_MAX, doc="per court case", src="assumption (costly)")
    judicial_success: float = _p(
        0.9, 0.0, 1.0, doc="share of court cases resolved (judicial outcomes are final)",
        src="assumption (final)")
    grievance_weight: float = _p(
        0.2, 0.0, 1.0, doc="w, grievance of an open dispute", src="assumption")
    patience: int = _p(
        12, 1, TIME_MAX,
        doc="steps a dispute waits before it is abandoned; an abandoned grievance fades with "
            "probability 1/patience per step",
        src="assumption (a year of monthly steps)")
    recurrence: float = _p(
        0.0, 0.0, 1.0,
        doc="ρ, share of people's and administrative agreements that do not hold (7.14a); 0 = "
            "resolutions hold",
        src="assumption (0.3 in the mediation presets); [Pruitt1993]")
    recurrence_lag: int = _p(
        3, 1, TIME_MAX,
        doc="L, steps after the agreement at which one that did not hold comes back",
        src="assumption")
    deadlines: Deadlines = _sub(Deadlines)
    follow_up: FollowUp = _sub(FollowUp)
    accountability: Accountability = _sub(Accountability)
    petitions: Petitions = _sub(Petitions)


@dataclass(frozen=True, kw_only=True)
class Incubation:
    enabled: bool = _p(False, doc="7.15", src="design (switch)")
    rate: float = _p(0.3, 0.0, 1.0, doc="chance per step that a hub incubates", src="assumption")
    need_threshold: float = _p(
        0.3, 0.0, 1.0, doc="unmet share that calls for a new NGO", src="assumption")
    cost: float = _p(
        0.24, 0.0, MONEY_MAX,
        doc="money per citizen of the cell where an NGO is incubated (≈ the former 20 per NGO at "
            "N = 2,500)",
        src="assumption")
    startup_capacity: float = _p(
        0.5, 0.0, SCALE_MAX, open_lo=True, doc="capacity of a new NGO", src="assumption")
    exit_after: int = _p(
        6, 1, TIME_MAX, doc="unfunded steps before an NGO closes", src="assumption")
    member_support: bool = _p(
        False,
        doc="on: a member of a hub that received a grant last step does not close for want of "
            "project money (the hub's venues, publicity and people keep it); off: the "
            "`exit_after` rule applies to every NGO",
        src="design (switch); [SGNM Essay 2 §4] (hubs' non-money support); Beijing 2015 (976 "
            "linked, 92 funded)")


@dataclass(frozen=True, kw_only=True)
class CreditRewards:
    enabled: bool = _p(
        False, doc="rewards for keeping faith, from the budget (7.16a; needs budget > 0)",
        src="design (switch); [SGNM Essay 5 §1(一), §2(一)]")
    threshold: float = _p(
        0.9, 0.0, 1.0, doc="θ_r, credit at or above which an actor is in good standing",
        src="assumption")
    share: float = _p(0.5, 0.0, 1.0, doc="σ, share of the budget paid as rewards", src="assumption")
    reform: float = _p(
        0.5, 0.0, 1.0,
        doc="μ, response to the reward: reform probability (NGOs) or share of the compliance gap "
            "closed (firms) at a reward as large as the gain from cheating",
        src="assumption")


@dataclass(frozen=True, kw_only=True)
class CitizenCredit:
    enabled: bool = _p(
        False, doc="citizens' co-production credit records (7.16a)",
        src="design (switch); [SGNM Essay 5 §3(二)]")
    learning: float = _p(
        0.2, 0.0, 1.0, doc="λ_c, weight of one round in a citizen's record", src="assumption")


@dataclass(frozen=True, kw_only=True)
class GovernmentCredit:
    enabled: bool = _p(
        False, doc="government bodies' credit records (7.16a)",
        src="design (switch); [SGNM Essay 5 §3(二)]")
    learning: float = _p(
        0.2, 0.0, 1.0, doc="λ_g, weight of one step in a department's record", src="assumption")
    weight: float = _p(
        2.0, 0.0, SCALE_MAX,
        doc="w_g, factor on the loss rate of trust in government at record 0 is 1 + w_g",
        src="assumption")


@dataclass(frozen=True, kw_only=True)
class Association:
    enabled: bool = _p(
        False,
        doc="records shared within an industry association (a hub; firms under a district's "
            "collective contracts) (7.16a)",
        src="design (switch); [SGNM Essay 5 §2(三)]")
    weight: float = _p(
        0.5, 0.0, 1.0, doc="w_a, weight of the association's mean record in graded supervision",
        src="assumption")


@dataclass(frozen=True, kw_only=True)
class Credit:
    enabled: bool = _p(False, doc="7.16", src="design (switch)")
    sharing: bool = _p(
        True, doc="one shared record and blacklist", src="design (switch); [SGNM Essay 5]")
    threshold: float = _p(0.7, 0.0, 1.0, doc="blacklist below this credit", src="assumption")
    learning: float = _p(0.5, 0.0, 1.0, doc="λ, weight of an inspection", src="assumption")
    inspect_min: float = _p(
        0.05, 0.0, 1.0, doc="inspection probability at credit 1", src="assumption")
    inspect_max: float = _p(
        0.8, 0.0, 1.0, doc="inspection probability at credit 0", src="assumption")
    inspection_cost: float = _p(
        0.012, 0.0, MONEY_MAX,
        doc="money per citizen of the inspected NGO's cell (per worker for firms), per "
            "inspection (≈ the former 1.0 per inspection at N = 2,500, 83 citizens a cell)",
        src="assumption")
    enterprises: bool = _p(
        False, doc="firms' labour credit records and graded labour inspection (7.16)",
        src="design (switch); [SGNM Essay 5]")
    rectification: float = _p(
        0.5, 0.0, 1.0, doc="ρ, share of a sanctioned firm's compliance gap closed",
        src="assumption")
    budget: float = _p(
        0.0, 0.0, MONEY_MAX,
        doc="B, money per citizen per step for inspections and rewards; 0 = no cap (7.16a)",
        src="assumption")
    rewards: CreditRewards = _sub(CreditRewards)
    citizens: CitizenCredit = _sub(CitizenCredit)
    government: GovernmentCredit = _sub(GovernmentCredit)
    association: Association = _sub(Association)


@dataclass(frozen=True, kw_only=True)
class HubStrategy:
    enabled: bool = _p(False, doc="7.18", src="design (switch); [SGNM Essay 2 §3]")
    gather: float = _p(
        1.0, 0.0, SCALE_MAX, doc="initial effort weight, gathering", src="assumption")
    borrow: float = _p(
        1.0, 0.0, SCALE_MAX, doc="initial effort weight, borrowing", src="assumption")
    avoid: float = _p(
        1.0, 0.0, SCALE_MAX, doc="initial effort weight, avoiding resistance", src="assumption")
    returns: float = _p(0.5, 0.0, 1.0, doc="α, concavity of returns to effort", src="assumption")
    adapt_rate: float = _p(
        0.2, 0.0, 1.0, doc="η, effort shift per step (under adaptation)", src="assumption")
    floor: float = _p(0.05, 0.0, SCALE_MAX, doc="ε, effort kept on every force", src="assumption")
    support: float = _p(
        0.5, 0.0, 1.0, doc="share of project conflict hazard removed at the even split",
        src="assumption")
    screen: float = _p(
        0.3, 0.0, 1.0, doc="risk screen at the even split (cells with r_c > 0.7 withheld)",
        src="assumption")


@dataclass(frozen=True, kw_only=True)
class Projects:
    enabled: bool = _p(False, doc="7.19", src="design (switch); [SGNM Essay 2 §4]")
    length: int = _p(12, 1, TIME_MAX, doc="contract length, steps", src="assumption (a year)")
    price_weight: float = _p(0.4, 0.0, SCALE_MAX, doc="w_p", src="assumption")
    quality_weight: float = _p(0.3, 0.0, SCALE_MAX, doc="w_q", src="assumption")
    credit_weight: float = _p(0.3, 0.0, SCALE_MAX, doc="w_c", src="assumption")
    underbid: float = _p(
        0.3, 0.0, SCALE_MAX,
        doc="u, opportunists' overstatement of service per money", src="assumption")
    evaluation: float = _p(
        0.3, 0.0, 1.0, doc="probability the evaluator checks a contract per step", src="assumption")
    evaluation_cost: float = _p(
        0.012, 0.0, MONEY_MAX,
        doc="money per citizen of the contract's cell, per evaluation (≈ the former 1.0 at N = "
            "2,500)",
        src="assumption")
    tolerance: float = _p(
        0.8, 0.0, 1.0, doc="delivered share of the promise below which a contract fails",
        src="assumption")
    failure_base: float = _p(
        0.002, 0.0, 1.0, doc="collapse hazard per step, anywhere", src="assumption")
    failure_risk: float = _p(
        0.03, 0.0, 1.0, doc="extra hazard at conflict risk 1", src="assumption")
    retender: int = _p(2, 0, TIME_MAX, doc="steps a collapsed site stays closed", src="assumption")


@dataclass(frozen=True, kw_only=True)
class CollectiveBargaining:
    enabled: bool = _p(False, doc="7.20", src="design (switch); [SGNM Essay 2 §2]")
    firm_size: float = _p(
        27.4, 1.0, SCALE_MAX, doc="workers per firm",
        src="Guangzhou 2015: 2.95M workers / 107,800 firms [SGNM Essay 2 §2]")
    firms_per_contract: float = _p(
        4.47, 1.0, SCALE_MAX, doc="firms covered by one contract",
        src="Guangzhou 2015: 107,800 firms / 24,100 contracts [SGNM Essay 2 §2]")
    rate: float = _p(
        0.015, 0.0, 1.0, doc="chance per step an uncovered firm signs",
        src="assumption (coverage ≈ 0.35)")
    contract_length: int = _p(
        36, 1, TIME_MAX, doc="steps a contract lasts", src="assumption (three years)")
    negotiation_cost: float = _p(
        2.0, 0.0, MONEY_MAX,
        doc="money per collective contract, a contract of a given size (`firms_per_contract` "
            "firms of `firm_size` workers), so it scales with the population",
        src="assumption")
    compliance: float = _p(0.85, 0.0, 1.0, doc="mean firm compliance", src="assumption")
    compliance_spread: float = _p(
        0.1, 0.0, 0.5, doc="sd of compliance across firms", src="assumption")
    improvement: float = _p(
        0.6, 0.0, 1.0, doc="share of the compliance gap a contract closes", src="assumption")
    hardship: float = _p(
        0.3, 0.0, SCALE_MAX, doc="need increase of a breached worker", src="assumption")
    dispute_rate: float = _p(
        0.01, 0.0, 1.0, doc="labour disputes per breached worker per step", src="assumption")


@dataclass(frozen=True, kw_only=True)
class Emergency:
    enabled: bool = _p(False, doc="7.21", src="design (switch); [SGNM Essay 2 §5]")
    network: bool = _p(
        False,
        doc="on: the levels and hubs/NGOs of the affected and neighbouring districts pool their "
            "resources and act at once; off: each level alone and late (the source's present)",
        src="design (switch); [SGNM Essay 2 §5]")
    threshold: float = _p(
        1.0, 0.0, SCALE_MAX,
        doc="jump of the ordinary services' gap above its baseline that declares an emergency, "
            "in units of the district's normal need per citizen",
        src="assumption (above the ordinary drift of needs: no false alarm in 8 seeds of 100 "
            "steps at 2,500 citizens)")
    tolerance: float = _p(
        0.2, 0.0, SCALE_MAX,
        doc="need and unmet need within this (same unit) of normal: the emergency is over, the "
            "district recovered; at most `threshold`",
        src="assumption")
    baseline_rate: float = _p(
        0.1, 0.0, 1.0, doc="rate of the exponential averages that learn normal need and unmet need",
        src="assumption")
    max_steps: int = _p(
        12, 1, TIME_MAX, doc="most steps an emergency lasts from its onset", src="assumption")
    reserve: float = _p(
        0.02, 0.0, 1.0, doc="share of the budget set aside per step into the levels' reserves",
        src="assumption")
    reserve_cap: float = _p(
        2.0, 0.0, SCALE_MAX,
        doc="most the reserves hold in all, in steps of budget", src="assumption")
    street_share: float = _p(
        0.3, 0.0, 1.0,
        doc="share of the saving held by street offices (per district, by population)",
        src="assumption")
    district_share: float = _p(
        0.3, 0.0, 1.0,
        doc="share held by the district level (per district, by population); the city holds the "
            "rest",
        src="assumption")
    delay_street: int = _p(
        1, 0, TIME_MAX, doc="steps after detection a lone street office pays", src="assumption")
    delay_district: int = _p(
        3, 0, TIME_MAX, doc="steps after detection the lone district level pays", src="assumption")
    delay_social: int = _p(
        4, 0, TIME_MAX,
        doc="steps after detection a district's NGOs donate, alone", src="assumption")
    delay_city: int = _p(
        6, 0, TIME_MAX, doc="steps after detection the lone city pays", src="assumption")
    delay_network: int = _p(
        0, 0, TIME_MAX, doc="steps after detection the network pays",
        src='assumption ("respond within a step")')
    social: float = _p(
        0.05, 0.0, MONEY_MAX,
        doc="most donations per citizen per step a district's NGOs mobilise in an emergency (at "
            "mean NGO capacity)",
        src="assumption")
    coordination_cost: float = _p(
        0.005, 0.0, MONEY_MAX,
        doc="network coordination, money per citizen of the affected and neighbouring districts "
            "per step",
        src="assumption")
    episode_money: float | None = _p(
        None, 0.0, MONEY_MAX,
        doc="most emergency money one emergency spends in all, per citizen of the city (null: no "
            "limit); set below both arms' spending, network and lone levels spend the same",
        src="design (null: no limit; the equal-money comparison of 7.21)")


@dataclass(frozen=True, kw_only=True)
class Interests:
    enabled: bool = _p(
        False, doc="7.18a: hubs carry members' interests upward",
        src="design (switch); [SGNM Essay 2 §5]")
    consultation_weight: float = _p(
        0.5, 0.0, 1.0,
        doc="ω, weight of reports against the plan's own estimate (0: the plan alone; 1: reports "
            "at face value)",
        src="assumption")
    coverage: float = _p(
        0.8, 0.0, 1.0,
        doc="chance per step a hub of full strength reports a cell of its field (κ_f = "
            "coverage·s_f)",
        src="assumption")
    report_noise: float = _p(
        0.3, 0.0, SIGMA_MAX,
        doc="sd of the log error of a full-strength hub's report (σ_f = report_noise·(2 − s_f)); "
            "also of the union's breach report",
        src="assumption")
    report_cost: float = _p(
        0.002, 0.0, MONEY_MAX,
        doc="money per citizen of a reported cell per step (ledger use `consultation`)",
        src="assumption")
    conflict_gain: float = _p(
        3.0, 0.0, SCALE_MAX,
        doc="disputes and protest read as unmet need, z = gain·share of the cell",
        src="assumption")
    delay: int = _p(
        2, 0, TIME_MAX, doc="steps from a report to the policy change", src="assumption")
    rule_threshold: float = _p(
        0.05, 0.0, 1.0,
        doc="reported share of workers in breaching firms above which labour inspection is "
            "tightened (relaxed below half of it)",
        src="assumption")
    rule_step: float = _p(
        0.5, 0.0, SCALE_MAX,
        doc="inspection intensity added or removed per change", src="assumption")
    max_intensity: float = _p(
        3.0, 1.0, SCALE_MAX,
        doc="the highest inspection intensity (multiplier of the inspection probability)",
        src="assumption")


@dataclass(frozen=True, kw_only=True)
class Law:
    # governance.law_based: on switches it on (model/scenario/shifts.py)
    enabled: bool = _p(
        False,
        doc="7.22; the rule and discretion layer (`governance.law_based: on` switches it on at "
            "`rule_of_law` 0.9)",
        src="design (switch); [SGNM Essay 4, Essay 6 §3]")
    rule_of_law: float = _p(
        0.5, 0.0, 1.0,
        doc="ρ ∈ [0, 1], weight of the published rule in every discretionary decision (presets: "
            "0.9 `law_based`, 0.1 `law_discretion`)",
        src="assumption")
    connected: float = _p(
        0.2, 0.0, 1.0, doc="share of citizens with connections (关系), drawn once",
        src="assumption [SGNM Essay 6 §3]")
    favouritism: float = _p(
        0.5, 0.0, 1.0,
        doc="extra weight discretion gives connected citizens in allocation, and the share of "
            "their sanctions it spares, in [0, 1]",
        src="assumption")
    noise: float = _p(
        0.1, 0.0, 3.0, doc="σ, sd of log noise of discretionary decisions", src="assumption")
    perception: float = _p(
        0.2, 0.0, 1.0, doc="rate at which procedural justice follows what citizens see",
        src="assumption")
    justice_weight: float = _p(
        0.5, 0.0, 1.0, doc="weight of procedural justice (against trust) in legitimacy",
        src="assumption [Sunshine2003]")
    temptation: float = _p(
        1.0, 0.0, SCALE_MAX, doc="upper bound of the gain from violating, b_i ~ U(0, temptation)",
        src="assumption")
    norm: float = _p(
        0.5, 0.0, SCALE_MAX, doc="weight of legitimacy in compliance", src="assumption [Tyler2006]")
    deterrence: float = _p(
        0.6, 0.0, SCALE_MAX, doc="weight of the perceived sanction chance in compliance",
        src="assumption [Kleiman2009]")
    capacity: float = _p(
        60.0, 0.0, 1000.0, doc="sanctions per 1,000 citizens per step (fixed enforcement capacity)",
        src="assumption [Kleiman2009]")
    sanction_cost: float = _p(
        0.5, 0.0, MONEY_MAX, doc="money per sanction (ledger use `sanctions`)", src="assumption")
    appeal_rate: float = _p(
        0.3, 0.0, 1.0,
        doc="chance that a citizen short of the rule's entitlement or sanctioned wants to appeal "
            "(heard if reviewable: rule-bound sanctions, allocations with chance ρ; 7.22)",
        src="assumption")
    tolerance: float = _p(
        0.1, 0.0, 1.0, doc="relative shortfall below the rule's entitlement that prompts an appeal",
        src="assumption")
    rule_basis: Literal["flat", "need"] = _p(
        "flat",
        doc="the published allocation rule: flat = the cell's mean need per head; need = each "
            "citizen's assessed need (a rule that allocates by need); consistency is judged "
            "against it",
        src="assumption (design of the rule, 7.22)")
    funding: Literal["per_sanction", "capacity"] = _p(
        "per_sanction",
        doc="how enforcement is paid: per_sanction = `sanction_cost` per sanction imposed; "
            "capacity = the whole capacity paid every step, used or not (equal enforcement "
            "money at equal capacity, 7.22)",
        src="design (comparison at equal money)")


@dataclass(frozen=True, kw_only=True)
class PublicSecurity:
    enabled: bool = _p(
        False, doc="comprehensive public-security governance (7.23)",
        src="design (switch); [SGNM Essay 8]")
    # of the step's budget B_t
    budget_share: float = _p(
        0.1, 0.0, 1.0, doc="security budget as a share of the step's budget B_t", src="assumption")
    # the six links: shares of the security budget (0 = the link is off; sum <= 1)
    strike: float = _p(
        1.0, 0.0, 1.0,
        doc="share of the security budget for strike (detection, arrest, custody); 0 = off; the "
            "six shares sum to ≤ 1",
        src="assumption (value); [SGNM Essay 8] 打击; [Nagin2013]")
    prevent: float = _p(
        0.0, 0.0, 1.0, doc="share for prevention (patrols, hardening, cameras)",
        src="assumption (value); [SGNM Essay 8] 防范, §2(3); [Weisburd2017]")
    educate: float = _p(
        0.0, 0.0, 1.0, doc="share for education (lowers motivation)",
        src="assumption; [SGNM Essay 8] 教育")
    manage: float = _p(
        0.0, 0.0, 1.0, doc="share for graded supervision of people on record",
        src="assumption (value); [SGNM Essay 8] 管理; 7.16")
    build: float = _p(
        0.0, 0.0, 1.0, doc="share for building collective efficacy",
        src="assumption (value); [SGNM Essay 8] 建设; [Sampson1997]")
    reform: float = _p(
        0.0, 0.0, 1.0, doc="share for rehabilitation of prisoners",
        src="assumption; [SGNM Essay 8] 改造")
    places_per_citizen: float = _p(
        0.4, 0.0, 1.0, open_lo=True,
        doc="places per citizen of a district (1,000 at 2,500 citizens)",
        src="assumption")
    attractiveness: float = _p(
        1.6, 0.0, 3.0, doc="sd of log place attractiveness a_p, in [0, 3]",
        src="[Weisburd2015] (about half of crime at the top 5 %)")
    motivation: float = _p(
        0.03, 0.0, 1.0, doc="mean offending propensity per step", src="assumption")
    motivation_spread: float = _p(
        1.0, 0.0, 3.0, doc="sd of log individual propensity, in [0, 3]", src="assumption")
    mobility: float = _p(
        0.1, 0.0, 1.0, doc="probability an offender goes to any district's places",
        src="assumption")
    displacement: float = _p(
        0.3, 0.0, 1.0, doc="probability a stopped offender tries a neighbouring place",
        src="assumption (value); [Guerette2009] (partial displacement)")
    base_guardianship: float = _p(
        0.1, 0.0, 1.0, doc="guardianship g₀ without any defence", src="assumption")
    window: int = _p(
        24, 1, TIME_MAX,
        doc="steps of recorded offences (hot spots, leaders' evaluation, concentration)",
        src="assumption")
    # repeat and near-repeat victimisation: a place's attractiveness is boosted by each
    # offence at it and at its ring neighbours, the boost decaying back
    repeat: float = _p(
        10.0, 0.0, SCALE_MAX,
        doc="θ, rise of a place's attractiveness boost B_p per offence there (its "
            "attractiveness is a_p + B_p, a_p of mean 1); 0 = off",
        src="assumption (value: a place of mean attractiveness hit once is 11 times as "
            "attractive the next month, the order of [Polvi1991]'s twelvefold repeat risk in "
            "the first month); [Johnson2004], [Short2008]")
    near_repeat: float = _p(
        0.5, 0.0, 1.0,
        doc="η, share of θ each of a place's two ring neighbours gains per offence there",
        src="assumption (value); [Johnson2004] (risk communicated to nearby homes)")
    repeat_decay: float = _p(
        0.5, 0.0, 1.0, open_lo=True,
        doc="ω, per-step decay of the boost B_p (0.5: it halves every step, a month)",
        src="assumption (value); [Johnson2004] (risk elevated for 1-2 months)")
    # strike: certainty under capacity, severity
    detection: float = _p(
        0.3, 0.0, 1.0, doc="probability a worked case is cleared without cameras or records",
        src="assumption")
    case_cost: float = _p(
        10.0, 0.0, MONEY_MAX, open_lo=True, doc="money per investigator per step (one case each)",
        src="assumption")
    sentence: int = _p(
        6, 0, TIME_MAX, doc="steps in custody after an arrest (severity)", src="assumption")
    custody_cost: float = _p(
        2.0, 0.0, MONEY_MAX, doc="money per prisoner per step", src="assumption")
    deterrence: float = _p(
        1.0, 0.0, SCALE_MAX, doc="weight of perceived certainty × discounted sentence in q_i",
        src="assumption")
    discount: float = _p(
        0.8, 0.0, 1.0, doc="per-step discount δ offenders apply to a sentence",
        src="assumption; [Nagin2013]")
    perception: float = _p(
        0.2, 0.0, 1.0, doc="rate at which perceived certainty follows the clearance rate",
        src="assumption")
    # prevent: human, physical and technical defence
    allocation: Literal["hot_spots", "random"] = _p(
        "hot_spots",
        doc="patrols and defences at hot spots or at random (random: patrols at random places, "
            "defences spread evenly)",
        src="[Weisburd2017]")
    human: float = _p(
        0.5, 0.0, 1.0, doc="weight of patrols (人防) in the prevention money",
        src="assumption (weight); [SGNM Essay 8 §2(3)]")
    physical: float = _p(
        0.25, 0.0, 1.0, doc="weight of target hardening (物防)",
        src="assumption (weight); [SGNM Essay 8 §2(3)]")
    technical: float = _p(
        0.25, 0.0, 1.0, doc="weight of cameras (技防)",
        src="assumption (weight); [SGNM Essay 8 §2(3)]")
    officer_cost: float = _p(
        0.5, 0.0, MONEY_MAX, open_lo=True,
        doc="money per patrol officer per step", src="assumption")
    patrol_effect: float = _p(
        1.0, 0.0, SCALE_MAX, doc="β_o, guardianship load of one officer", src="assumption")
    physical_effect: float = _p(
        0.2, 0.0, SCALE_MAX,
        doc="β_H, load per unit of hardening money per place", src="assumption")
    technical_effect: float = _p(
        0.1, 0.0, SCALE_MAX, doc="β_C, load per unit of camera money per place", src="assumption")
    camera_detection: float = _p(
        0.5, 0.0, SCALE_MAX,
        doc="detection gain per unit of camera money per place", src="assumption")
    depreciation: float = _p(
        0.05, 0.0, 1.0, doc="per-step depreciation of hardening and cameras", src="assumption")
    watch: float = _p(
        0.3, 0.0, SCALE_MAX, doc="w, community-watch load per unit of collective efficacy",
        src="assumption; [Sampson1997]")
    # educate, manage, build, reform
    education_max: float = _p(
        0.3, 0.0, 1.0, doc="largest cut of motivation from education", src="assumption")
    education_unit: float = _p(
        0.25, 0.0, MONEY_MAX, open_lo=True,
        doc="education stock (money per citizen) for 63 % of the largest cut",
        src="assumption")
    education_decay: float = _p(
        0.05, 0.0, 1.0, doc="per-step decay of the education stock", src="assumption")
    supervision: float = _p(
        0.5, 0.0, 1.0, doc="cut of a supervised person's offending probability", src="assumption")
    supervision_cost: float = _p(
        1.0, 0.0, MONEY_MAX, open_lo=True,
        doc="money per supervised person per step", src="assumption")
    build_gain: float = _p(
        1.0, 0.0, SCALE_MAX, doc="largest relative rise of collective efficacy from building",
        src="assumption")
    build_unit: float = _p(
        0.25, 0.0, MONEY_MAX, open_lo=True,
        doc="build stock (money per citizen) for 63 % of the largest rise",
        src="assumption")
    build_decay: float = _p(
        0.05, 0.0, 1.0, doc="per-step decay of the build stock", src="assumption")
    efficacy_rate: float = _p(
        0.1, 0.0, 1.0, doc="rate at which collective efficacy moves to its target",
        src="assumption")
    reform_cost: float = _p(
        1.0, 0.0, MONEY_MAX, open_lo=True,
        doc="money per rehabilitation place per step", src="assumption")
    reform_effect: float = _p(
        0.4, 0.0, 1.0, doc="cut of propensity after a sentence spent wholly in rehabilitation",
        src="assumption")
    # leadership responsibility and information sharing
    responsibility: bool = _p(
        False, doc="leadership responsibility under target evaluation (effort rule)",
        src="design (switch); [SGNM Essay 8 §3, §3(1)]")
    effort_rate: float = _p(
        0.5, 0.0, SCALE_MAX, doc="effort rise per unit of relative shortfall", src="assumption")
    effort_decay: float = _p(
        0.1, 0.0, 1.0, doc="effort's per-step return toward 1", src="assumption")
    max_effort: float = _p(2.0, 1.0, SCALE_MAX, doc="largest effort multiplier", src="assumption")
    sharing: bool = _p(
        True, doc="arrest records shared across districts",
        src="design (switch); [SGNM Essay 8 §3(2)]")
    record_detection: float = _p(
        0.3, 0.0, 1.0,
        doc="detection gain when the offender's record is known where the offence happens",
        src="assumption")
    record_memory: int = _p(
        60, 1, TIME_MAX,
        doc="steps a free person stays on record after custody without a new arrest; the "
            "record is then expunged (no longer known for detection or supervision, arrests "
            "count from zero)",
        src="assumption (value: 5 years of monthly steps); [Blumstein2009] (the hazard of "
            "re-arrest falls to the general population's after about 4-8 years clean)")


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
    # a shock is part of the experiment (design); the numbers it leaves unset are assumptions
    step: int = _p(
        1, 1, STEPS_MAX, doc="first step of shock N", src="assumption (when a shock sets none)")
    kind: Literal["need_spike", "budget_cut", "legitimacy_drop", "incident",
                  "relocation"] = _p("need_spike", doc="7.8", src="design (experiment)")
    size: float = _p(
        0.5, 0.0, SCALE_MAX, doc="magnitude", src="assumption (when a shock sets none)")
    over: int = _p(
        1, 1, TIME_MAX,
        doc="ramp length in steps (1 = sudden)", src="assumption (when a shock sets none)")
    where: int | None = _p(
        None, 0, CITIZENS_MAX, doc="district (null = all)", src="design (experiment)")
    share: float = _p(
        0.2, 0.0, 1.0, doc="share of the area displaced (relocation only)",
        src="assumption (when a shock sets none)")
    until: int | None = _p(
        None, 2, STEPS_MAX,
        doc="step at which a need spike or budget cut is lifted (null = it persists)",
        src="design (experiment)")


@dataclass(frozen=True, kw_only=True)
class Reform:
    # a reform is part of the experiment (design); model/scenario/reforms.py schedules it
    step: int = _p(1, 1, doc="step at which reform N starts", src="design (experiment)")
    set: dict = field(
        default_factory=dict, hash=False,
        metadata={"lo": None, "hi": None, "open_lo": False,
                  "doc": "the keys reform N changes, `{dotted.key: value}`: governance switches "
                         "(the four shifts with their instruments), `budget.per_capita`, "
                         "mechanisms' parameters and `enabled` switches, and the counts "
                         "`organizations.hubs` and `organizations.ngos` (raised only: "
                         "organisations brought in); a number moves "
                         "linearly over `over` steps, a switch or a word changes at `step`",
                  "src": "design (experiment)"})
    over: int = _p(
        1, 1, doc="steps over which reform N's numbers move to their new values (1 = at once)",
        src="design (experiment)")


@dataclass(frozen=True, kw_only=True)
class Outputs:
    window: int = _p(20, 1, STEPS_MAX, doc="steps in the final window", src="design (output)")
    agents: bool = _p(False, doc="write agents.parquet (as `--agents`)", src="design (output)")
    # checked by model/scenario/reporters.py (form) and model/sim/custom_reporters.py (names)
    reporters: dict = _p(
        {}, doc="custom reporters, `{NAME: \"expression\"}` over the step's metrics, `t`, `n` and "
                "`citizens.<array>`, or `{NAME: \"file.py:function\"}`: each a column NAME after "
                "the model's metrics (docs/experiments.md, \"Custom reporters\")",
        src="design (output)")


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

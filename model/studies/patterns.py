"""Pattern-oriented validation [Grimm2005]: every pattern the model claims, as data.

A :class:`Pattern` names its source, states the expected outcome as a criterion on one
statistic (:class:`Check`), and lists the runs it needs as *arms*: a preset plus
overrides (so every pattern reproduces from scenario files alone, ``run.py run PRESET
--set ...``). The arms of a pattern share their replicate seeds (common random numbers,
a paired design), the statistic is computed per replicate from the arms' metrics, and
:func:`measure` reports its mean with the 95 % t-interval (``engine.stats.interval``) and
whether the claim holds.

Pass rule (docs/validation.md): a claim holds when the whole 95 % interval lies in the
expected region, so a direction or threshold is established at 95 % confidence and not
by the luck of a few replicates. Calibration targets (:func:`target_patterns`) pass when
the replicate mean is within the target's tolerance (the scale of error the calibration
accepted; an interval covering the value would reward noisy estimates).

    >>> from cogov.model.studies.patterns import above, within
    >>> above(0).holds(mean=0.2, ci_low=0.1, ci_high=0.3), str(above(0))
    (True, '> 0')
    >>> within(0.3, 0.4).holds(mean=0.35, ci_low=0.29, ci_high=0.41)
    False
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..scenario.errors import ScenarioError
from ..scenario.files import load_scenario, preset, presets_dir
from ..scenario.schema import Scenario
from .targets import Target, read_targets

Runs = dict[str, pd.DataFrame]  # one replicate: arm name -> its metrics, one row per step
Statistic = Callable[[Runs], float]


# ------------------------------------------------------------------ criteria
@dataclass(frozen=True)
class Check:
    """The expected region of a statistic: (lo, hi), open or closed, judged on the 95 %
    interval (``on="ci"``: the whole interval inside) or on the mean (``on="mean"``)."""

    lo: float = -math.inf
    hi: float = math.inf
    closed: bool = False
    on: str = "ci"
    text: str = ""  # how to print it, if not as a region

    def holds(self, mean: float, ci_low: float, ci_high: float) -> bool:
        low, high = (mean, mean) if self.on == "mean" else (ci_low, ci_high)
        if not (np.isfinite(low) and np.isfinite(high)):
            return False
        if self.closed:
            return bool(self.lo <= low and high <= self.hi)
        return bool(self.lo < low and high < self.hi)

    def __str__(self) -> str:
        if self.text:
            return self.text
        if self.lo == -math.inf:
            return f"{'≤' if self.closed else '<'} {_num(self.hi)}"
        if self.hi == math.inf:
            return f"{'≥' if self.closed else '>'} {_num(self.lo)}"
        return f"in [{_num(self.lo)}, {_num(self.hi)}]"


def _num(x: float) -> str:
    return f"{x:.4g}"


def above(x: float) -> Check:
    return Check(lo=x)


def below(x: float) -> Check:
    return Check(hi=x)


def within(lo: float, hi: float) -> Check:
    return Check(lo=lo, hi=hi, closed=True)


def near(value: float, tolerance: float) -> Check:
    """A calibration target: the mean within ``tolerance`` of ``value``."""
    return Check(lo=value - tolerance, hi=value + tolerance, closed=True, on="mean",
                 text=f"{_num(value)} ± {_num(tolerance)} (mean)")


# ---------------------------------------------------------------- statistics
# Each returns a Statistic: a function of one replicate's runs. Row 0 (the last warm-up
# step) is left out unless start=0, as in the final window of every command.
def _body(runs: Runs, arm: str, metric: str, start: int = 1) -> np.ndarray:
    table = runs[arm]
    return table.loc[table["step"] >= start, metric].to_numpy(dtype=float)


def final(metric: str, arm: str, window: int = 20) -> Statistic:
    """Mean over the last ``window`` steps (the final window; steps where the metric is
    undefined, NaN, are skipped)."""
    return lambda runs: float(np.nanmean(_body(runs, arm, metric)[-window:]))


def whole(metric: str, arm: str, start: int = 1) -> Statistic:
    """Mean over the run from step ``start`` (NaN steps skipped)."""
    return lambda runs: float(np.nanmean(_body(runs, arm, metric, start)))


def peak(metric: str, arm: str, start: int = 1) -> Statistic:
    return lambda runs: float(np.nanmax(_body(runs, arm, metric, start)))


def lowest(metric: str, arm: str, start: int = 1) -> Statistic:
    return lambda runs: float(np.nanmin(_body(runs, arm, metric, start)))


def last(metric: str, arm: str) -> Statistic:
    """The value at the last step."""
    return lambda runs: float(_body(runs, arm, metric)[-1])


def at_step(metric: str, arm: str, step: int) -> Statistic:
    def value(runs: Runs) -> float:
        table = runs[arm]
        row = table.loc[table["step"] == step, metric]
        return float(row.iloc[0]) if len(row) else math.nan
    return value


def difference(a: Statistic, b: Statistic) -> Statistic:
    return lambda runs: a(runs) - b(runs)


def ratio(a: Statistic, b: Statistic) -> Statistic:
    def value(runs: Runs) -> float:
        den = b(runs)
        return a(runs) / den if den != 0 else math.nan
    return value


def excess_kurtosis(metric: str, arm: str, skip: int = 20) -> Statistic:
    """Excess kurtosis of a series after ``skip`` steps (0 for Gaussian fluctuations
    about a steady level; large for long quiet spells broken by bursts)."""
    from scipy import stats

    return lambda runs: float(stats.kurtosis(_body(runs, arm, metric)[skip:]))


def outbursts(metric: str, arm: str, skip: int = 20) -> Statistic:
    """Entries into a burst (above 5× the median), each after a return to quiet (below
    2× the median): the count of tests/test_unrest_mediation.py."""
    def value(runs: Runs) -> float:
        u = _body(runs, arm, metric)[skip:]
        quiet, burst = 2 * np.median(u), 5 * np.median(u)
        count, in_burst = 0, False
        for x in u:
            if not in_burst and x > burst:
                count, in_burst = count + 1, True
            elif in_burst and x < quiet:
                in_burst = False
        return float(count)
    return value


def loss_gain_ratio(arm: str, loss_step: int, gain_step: int) -> Statistic:
    """How much faster trust follows a fall in satisfaction than an equal rise.

    The share of the gap between trust in government T and satisfaction S that trust
    closes in one step, (T_t − T_{t−1}) / (S_t − T_{t−1}), at the step satisfaction
    falls (``loss_step``) divided by the same at the step it rises (``gain_step``).
    Under top-down management trust learns from S alone (docs/model.md 7.4), so this
    estimates ν, the weight of losses over gains, from the aggregate run."""
    def share(t: np.ndarray, s: np.ndarray, k: int) -> float:
        return (t[k] - t[k - 1]) / (s[k] - t[k - 1])

    def value(runs: Runs) -> float:
        table = runs[arm].set_index("step")
        t, s = table["trust_gov"], table["satisfaction"]
        steps = np.arange(int(table.index.max()) + 1)
        t, s = t.reindex(steps).to_numpy(float), s.reindex(steps).to_numpy(float)
        return share(t, s, loss_step) / share(t, s, gain_step)
    return value


def max_over_arms(metric: str) -> Statistic:
    return lambda runs: float(max(np.nanmax(t[metric].to_numpy(float)) for t in runs.values()))


# ------------------------------------------------------------------ patterns
@dataclass(frozen=True)
class Arm:
    """One scenario a pattern runs: a preset (``pgg_lattice``, ``patterns/legitimacy_drop``,
    ``calibrated/pudong``) or a scenario file (``.yaml``), plus ``--set`` overrides."""

    preset: str
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def path(self) -> Path:
        return Path(self.preset) if self.preset.endswith(".yaml") else preset(self.preset)

    def scenario(self, name: str, extra: Mapping[str, Any] | None = None) -> Scenario:
        s = load_scenario(self.path(), {**self.overrides, **(extra or {})})
        return s.replace(name=name)

    def command(self) -> str:
        """The scenario file and overrides that run this arm (docs and patterns.csv)."""
        sets = " ".join(f"--set {k}={_yaml(v)}" for k, v in self.overrides.items())
        where = self.preset if self.preset.endswith(".yaml") else f"scenarios/{self.preset}.yaml"
        return where + (f" {sets}" if sets else "")


def _yaml(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


@dataclass(frozen=True)
class Pattern:
    """A claim of the model, its source, its runs and its test."""

    name: str
    source: str  # literature key (docs/references.md) and where in it
    claim: str  # the expected outcome in words
    statistic_text: str  # what is measured, per replicate
    arms: Mapping[str, Arm]
    statistic: Statistic
    check: Check
    metric: str  # drawn over time in the pattern's figure
    fast: Mapping[str, Any] = field(default_factory=dict)  # overrides of every arm in --fast
    replicates: tuple[int, int] = (5, 10)  # (fast, full)
    draw: str = "mean"  # "mean": mean ± 95 % band per arm; "replicates": every run
    marks: tuple[float, ...] = ()  # steps marked on the figure (shocks)
    reference: float | None = None  # a level drawn on the figure (an analytic limit)
    group: str = "literature"
    note: str = ""  # what the reader should know to judge the result (no numbers: they change)

    def scenarios(self, fast: bool) -> list[Scenario]:
        return [arm.scenario(name, self.fast if fast else None) for name, arm in self.arms.items()]

    def setup(self, fast: bool) -> str:
        """The arms as commands, with the --fast overrides if any."""
        extra = " ".join(f"--set {k}={_yaml(v)}" for k, v in self.fast.items()) if fast else ""
        return "; ".join(f"{name}: {arm.command()}{' ' + extra if extra else ''}"
                         for name, arm in self.arms.items())


@dataclass
class Measurement:
    """A pattern's result: the statistic per replicate, its interval, pass or fail."""

    pattern: Pattern
    values: np.ndarray
    n: int
    mean: float
    ci_low: float
    ci_high: float
    passed: bool
    timeseries: pd.DataFrame  # run_replicates' tidy table; `scenario` is the arm
    seconds: float
    fast: bool
    seed: int


def replicate_runs(timeseries: pd.DataFrame) -> list[Runs]:
    """The tidy table split into one {arm: metrics} per replicate, in replicate order."""
    out = []
    for _, rep in timeseries.groupby("replicate", sort=True):
        out.append({name: table.reset_index(drop=True)
                    for name, table in rep.groupby("scenario", sort=False)})
    return out


def measure(pattern: Pattern, fast: bool = False, seed: int = 42, workers: int = 1,
            replicates: int | None = None, cache: dict | None = None) -> Measurement:
    """Run a pattern's arms with paired replicate seeds and evaluate its claim.

    ``cache`` (a dict the caller keeps) reuses the runs of patterns that share their
    arms, e.g. two statistics of the Epstein runs or several targets of one preset."""
    import json

    from ..engine.compare import run_replicates
    from ..engine.stats import interval

    started = time.perf_counter()
    r = replicates or pattern.replicates[0 if fast else 1]
    scenarios = pattern.scenarios(fast)
    key = json.dumps([[s.to_dict() for s in scenarios], r, seed], sort_keys=True, default=str)
    if cache is not None and key in cache:
        ts = cache[key]
    else:
        ts = run_replicates(scenarios, r, seed, workers=workers)
        if cache is not None:
            cache[key] = ts
    with np.errstate(all="ignore"):
        values = np.array([pattern.statistic(runs) for runs in replicate_runs(ts)], dtype=float)
    stats = interval(values)
    return Measurement(pattern, values, stats["n"], stats["mean"], stats["ci_low"],
                       stats["ci_high"], pattern.check.holds(stats["mean"], stats["ci_low"],
                                                             stats["ci_high"]),
                       ts, time.perf_counter() - started, fast, seed)


# ------------------------------------------------------------------ registry
STABLE_NEED = {"population.need.heterogeneity": 0.0, "population.need.shift.size": 0.0}
SHIFTING_NEED = {"population.need.heterogeneity": 0.8, "population.need.shift.size": 0.5}
NO_TRUST_BASIS = {"population.initial_trust.ngo": 0.1, "population.initial_trust.spread": 0.0,
                  "mechanisms.trust.enabled": False}
SMALL = {"population.citizens": 500}
SMALL_LATTICE = {"population.citizens": 400}  # a 20 x 20 lattice
# presets with every mechanism on between them, for the books (pattern 5 of docs/model.md §1)
LEDGER_PRESETS = ("incident_adaptive", "projects_best_value", "collective_bargaining",
                  "relocation_adaptive", "incubation", "credit_sharing", "hub_strategy",
                  "resource_sharing")


def _pgg(r: float, **extra: Any) -> Arm:
    return Arm("pgg_lattice", {"mechanisms.incentives.r": r, **extra})


def _planning() -> list[Pattern]:
    gap = difference(final("unmet_need", "top_down"), final("unmet_need", "responsive_top_down"))
    text = "unmet_need in the final window, top_down − responsive_top_down (paired)"
    return [
        Pattern("adaptation_equal_when_need_is_stable", "[Hayek1945]; [SGNM] Essay 1 §1",
                "With homogeneous, stable needs, planning from delayed, noisy reports loses "
                "nothing: top-down and responsive top-down management leave the same share of "
                "need unmet (within 0.005).", text,
                {"top_down": Arm("top_down", STABLE_NEED),
                 "responsive_top_down": Arm("responsive_top_down", STABLE_NEED)},
                gap, within(-0.005, 0.005), "unmet_need", SMALL,
                note="Delay alone costs nothing here: with the reporting errors set to 0 "
                     "(`mechanisms.planning.layer_noise` and `feedback_noise`) the two "
                     "regimes meet exactly the same need. What remains is noise: three layers "
                     "of log-normal error against one local error of smaller spread."),
        Pattern("adaptation_pays_when_need_shifts", "[Hayek1945]; [SGNM] Essay 1 §1",
                "With heterogeneous, shifting needs, re-targeting every step from local "
                "reports meets more need than central plans from delayed reports.", text,
                {"top_down": Arm("top_down", SHIFTING_NEED),
                 "responsive_top_down": Arm("responsive_top_down", SHIFTING_NEED)},
                gap, above(0.0), "unmet_need", {"population.citizens": 1000}, replicates=(8, 10),
                note="The gain varies much between replicates: it depends on how far the "
                     "drawn needs drift from the plan between plans."),
    ]


def _trust() -> list[Pattern]:
    low, high = Arm("collaborative", NO_TRUST_BASIS), \
        Arm("collaborative", {**NO_TRUST_BASIS, "population.initial_trust.ngo": 0.9})
    arms = {"trust_ngo_0.1": low, "trust_ngo_0.9": high}
    return [
        Pattern("trust_hard_to_build_easy_to_lose", "[Slovic1993]",
                "Trust is hard to build and easy to lose: in the step after the budget is "
                "halved trust closes more of its gap to satisfaction than in the step after "
                "it is restored (ratio > 1).",
                "share of the trust–satisfaction gap closed in step 31 (cut) / in step 67 "
                "(restoration)",
                {"trust_asymmetry": Arm("patterns/trust_asymmetry")},
                loss_gain_ratio("trust_asymmetry", 31, 67), above(1.0), "trust_gov", SMALL,
                marks=(31, 67)),
        Pattern("trust_basis_social_funds", "[SGNM] Essay 1 §3.2",
                "Collaboration without a trust basis does not work: with trust in NGOs at 0.1 "
                "hubs raise less social funds than at 0.9 (ratio < 1).",
                "social_funds in the final window, trust 0.1 / trust 0.9 (paired)", arms,
                ratio(final("social_funds", "trust_ngo_0.1"), final("social_funds", "trust_ngo_0.9")),
                below(1.0), "social_funds", SMALL),
        Pattern("trust_basis_unmet_need", "[SGNM] Essay 1 §3.2",
                "Without a trust basis citizens take up less NGO service: more need is left "
                "unmet with trust in NGOs at 0.1 than at 0.9.",
                "unmet_need in the final window, trust 0.1 − trust 0.9 (paired)", arms,
                difference(final("unmet_need", "trust_ngo_0.1"), final("unmet_need", "trust_ngo_0.9")),
                above(0.0), "unmet_need", SMALL),
    ]


def _public_goods() -> list[Pattern]:
    coop = "cooperation in the final window"
    return [
        Pattern("pgg_lattice_cooperators_die_below_3.74", "[Szolnoki2009] Fig. 1 (K = 0.5, G = 5)",
                "On the square lattice cooperators die out below r ≈ 3.74: at r = 3.5 fewer "
                "than 5 % cooperate.", coop, {"r_3.5": _pgg(3.5)},
                final("cooperation", "r_3.5"), below(0.05), "cooperation", SMALL_LATTICE),
        Pattern("pgg_lattice_coexistence", "[Szolnoki2009] Fig. 1",
                "Between the thresholds both strategies persist: at r = 4.5 between 5 % and "
                "95 % cooperate.", coop, {"r_4.5": _pgg(4.5)},
                final("cooperation", "r_4.5"), within(0.05, 0.95), "cooperation", SMALL_LATTICE),
        Pattern("pgg_lattice_defectors_die_above_5.49", "[Szolnoki2009] Fig. 1",
                "Defectors die out above r ≈ 5.49: at r = 6 more than 90 % cooperate.", coop,
                {"r_6.0": _pgg(6.0)},
                final("cooperation", "r_6.0"), above(0.9), "cooperation", SMALL_LATTICE),
        Pattern("pgg_well_mixed_no_cooperation", "analytic (docs/model.md 7.5); cf. [Santos2008]",
                "In a well-mixed population (complete graph) a contributor always earns c·G "
                "less than a defector, so imitation removes cooperation for any r, even r "
                "above the group size (r = 150, G = 100).", coop,
                {"complete": _pgg(150.0, **{"network.kind": "complete",
                                            "population.citizens": 100})},
                final("cooperation", "complete"), below(0.01), "cooperation"),
        Pattern("pgg_scale_free_beats_lattice", "[Santos2008] (contributions per game)",
                "Social diversity promotes cooperation: at r = 3.5 (η = r/(z+1) = 0.7), where "
                "cooperators die out on the lattice, a scale-free network of the same mean "
                "degree keeps more of them.",
                "cooperation in the final window, scale-free − lattice (paired)",
                {"lattice": _pgg(3.5),
                 "scale_free": _pgg(3.5, **{"network.kind": "scale_free", "network.degree": 4})},
                difference(final("cooperation", "scale_free"), final("cooperation", "lattice")),
                above(0.0), "cooperation"),
    ]


def _ecology() -> list[Pattern]:
    cb = load_scenario(preset("collective_bargaining")).mechanisms.collective_bargaining
    limit = cb.contract_length / (cb.contract_length + (1 - cb.rate) / cb.rate)
    return [
        Pattern("money_is_accounted_for", "docs/model.md 7.9 (ledger)",
                "Every unit of money is accounted for: sources = uses + balances to 1e-9, "
                "with every mechanism on in some preset.",
                f"largest ledger_error of any step of {len(LEDGER_PRESETS)} presets that "
                "switch every mechanism on between them",
                {name: Arm(name) for name in LEDGER_PRESETS},
                max_over_arms("ledger_error"), below(1e-9), "ledger_error", SMALL,
                replicates=(2, 5)),
        Pattern("credit_sharing_lowers_defaults", "[SGNM] Essay 5",
                "Fail once, constrained everywhere: a shared credit blacklist lowers the "
                "default rate of funded projects below isolated records.",
                "ngo_default_rate over the whole run, isolated − shared (paired)",
                {"credit_sharing": Arm("credit_sharing"), "credit_isolated": Arm("credit_isolated")},
                difference(whole("ngo_default_rate", "credit_isolated"),
                           whole("ngo_default_rate", "credit_sharing")),
                above(0.0), "ngo_default_rate", SMALL),
        Pattern("credit_records_lower_defaults", "[SGNM] Essay 5",
                "Isolated credit records still lower the default rate below no social credit.",
                "ngo_default_rate over the whole run, no credit − isolated (paired)",
                {"credit_isolated": Arm("credit_isolated"),
                 "no_credit": Arm("credit_isolated", {"mechanisms.credit.enabled": False})},
                difference(whole("ngo_default_rate", "no_credit"),
                           whole("ngo_default_rate", "credit_isolated")),
                above(0.0), "ngo_default_rate", SMALL),
        Pattern("lowest_price_adverse_selection", "[SGNM] Essay 2 §4 (project-based operation)",
                "Lowest-price tenders select underbidding opportunists (adverse selection); "
                "scoring quality and credit keeps them out: the default rate is higher under "
                "lowest price.",
                "ngo_default_rate in the final window, lowest price − best value (paired)",
                {"projects_lowest_price": Arm("projects_lowest_price"),
                 "projects_best_value": Arm("projects_best_value")},
                difference(final("ngo_default_rate", "projects_lowest_price"),
                           final("ngo_default_rate", "projects_best_value")),
                above(0.0), "ngo_default_rate", SMALL),
        Pattern("collective_contract_limit", "docs/model.md 7.20 (renewal process); [SGNM] Essay 2 §2",
                f"Collective-contract coverage reaches its renewal-process limit "
                f"L/(L + (1 − r)/r) = {limit:.3f} (L = {cb.contract_length}, r = {cb.rate}) "
                "to within 0.02.",
                "contract_coverage, mean of steps 101–300 (the long-run level)",
                {"collective_bargaining": Arm("collective_bargaining", {"steps": 300})},
                final("contract_coverage", "collective_bargaining", window=200),
                within(limit - 0.02, limit + 0.02), "contract_coverage",
                reference=limit),
    ]


def _deffuant(confidence: float) -> Pattern:
    k = math.floor(1 / (2 * confidence))
    return Pattern(f"deffuant_clusters_d_{confidence}", "[Deffuant2000]",
                   f"Bounded confidence d = {confidence} from a uniform start on a complete graph "
                   f"gives about ⌊1/(2d)⌋ = {k} opinion clusters (within ±1).",
                   "opinion_clusters at the last step",
                   {"deffuant": Arm("deffuant", {"mechanisms.opinion.confidence": confidence})},
                   last("opinion_clusters", "deffuant"), within(k - 1, k + 1),
                   "opinion_clusters", {"population.citizens": 400},
                   note="The model's opinion updates are synchronous and one-sided, Deffuant's "
                        "pairwise (docs/model.md 7.11); clusters are counted when they hold at "
                        "least 5 % of citizens (`opinion_clusters`).")


def _conflict() -> list[Pattern]:
    epstein = {"epstein": Arm("epstein")}
    return [
        *(_deffuant(d) for d in (0.5, 0.25, 0.1)),
        Pattern("epstein_heavy_tailed_unrest", "[Epstein2002] Run 1",
                "With one global legitimacy and Epstein's parameters the active share is not "
                "a steady level but long quiet spells broken by bursts: its excess kurtosis "
                "exceeds 3 (0 for fluctuations about a level).",
                "excess kurtosis of unrest, steps 21–500", epstein,
                excess_kurtosis("unrest", "epstein"), above(3.0), "unrest",
                draw="replicates"),
        Pattern("epstein_outbursts", "[Epstein2002] Run 1",
                "Unrest comes in punctuated outbursts: at least one burst (above 5× the median "
                "after a return below 2×) per 500 steps.",
                "outbursts of unrest per run, steps 21–500", epstein,
                outbursts("unrest", "epstein"), Check(lo=1.0, closed=True), "unrest",
                draw="replicates"),
        Pattern("epstein_sudden_vs_gradual", "[Epstein2002]",
                "The same fall in legitimacy (0.45) brings a larger outburst of unrest when it "
                "is sudden than when it is spread over 40 steps (peak ratio > 1).",
                "peak unrest, sudden / gradual (paired)",
                {"sudden": Arm("patterns/legitimacy_drop"),
                 "gradual": Arm("patterns/legitimacy_drop", {"shocks.0.over": 40})},
                ratio(peak("unrest", "sudden"), peak("unrest", "gradual")), above(1.0), "unrest",
                marks=(20, 60)),
    ]


def builtin_patterns() -> list[Pattern]:
    """The patterns of docs/model.md §1 and the literature replications."""
    return [*_planning(), *_trust(), *_public_goods(), *_ecology(), *_conflict()]


# ------------------------------------------------------- calibration targets
def _target_statistic(t: Target, arm: str, window: int) -> tuple[Statistic, str]:
    by_name = {
        "final_mean": (final(t.metric, arm, window), f"{t.metric}, mean of the final {window} steps"),
        # mean, max and min over steps 1 … end, as model/studies/targets.py's moment reads them
        # for `run.py calibrate` (row 0 is the state before step 1)
        "mean": (whole(t.metric, arm, 1), f"{t.metric}, mean over steps 1 … end"),
        "max": (peak(t.metric, arm, 1), f"{t.metric}, largest value, steps 1 … end"),
        "min": (lowest(t.metric, arm, 1), f"{t.metric}, smallest value, steps 1 … end"),
        "at_step": (at_step(t.metric, arm, t.step or 0), f"{t.metric} at step {t.step}"),
    }
    return by_name[t.statistic]


def target_patterns(folder: Path | None = None) -> list[Pattern]:
    """One pattern per target of every ``calibrated/targets/NAME.yaml``, run on the preset
    ``calibrated/NAME`` at its own size (``--fast`` only runs fewer replicates). None when
    no targets file exists yet."""
    folder = presets_dir() / "calibrated" if folder is None else Path(folder)
    out = []
    for path in sorted((folder / "targets").glob("*.yaml")):
        name = f"calibrated/{path.stem}"
        if not (folder / f"{path.stem}.yaml").is_file():
            raise ScenarioError([f"{path}: no preset {folder / path.name} beside the targets"])
        window = load_scenario(folder / f"{path.stem}.yaml").outputs.window
        for t in read_targets(path):
            statistic, text = _target_statistic(t, path.stem, window)
            label = t.metric + (f"@{t.step}" if t.statistic == "at_step" else
                                "" if t.statistic == "final_mean" else f"_{t.statistic}")
            out.append(Pattern(
                f"{name}: {label}", t.source or f"{path.name}",
                f"The calibrated preset {name} meets its target {t.metric} = {_num(t.value)} "
                f"± {_num(t.tolerance)} ({t.statistic}).", text,
                {path.stem: Arm(name) if folder == presets_dir() / "calibrated"
                 else Arm(str(folder / f"{path.stem}.yaml"))},
                statistic, near(t.value, t.tolerance), t.metric, group="calibrated"))
    return out


def all_patterns() -> list[Pattern]:
    """Every pattern the report runs: the built-in ones, then each calibrated target."""
    return [*builtin_patterns(), *target_patterns()]

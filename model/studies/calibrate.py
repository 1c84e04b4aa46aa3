"""Calibration by the method of simulated moments, on Optuna (``run.py calibrate``).

The method of simulated moments [McFadden1989] chooses the parameters θ whose
simulated moments come closest to observed ones; for agent-based models see
[Grazzini2015]. Here the distance is

    J(θ) = Σ_k ((m_k(θ) − y_k) / τ_k)²

over the targets k (model/studies/targets.py): y_k the observed value, τ_k its
tolerance, m_k(θ) the mean over R replicates of the target's statistic. The R
replicates use the same R seeds at every θ (common random numbers [Law2015]),
so J is a smooth function of θ rather than of the noise. An Optuna study
[Akiba2019] minimises J: TPE [Bergstra2011] by default, CMA-ES [Hansen2016] on
request.

Trials are asked in batches of a fixed size (``batch``); each batch's
trials x replicates are jobs on the sweep executors (model/engine/sweep.py), so they
run in parallel on one core, many cores or a Dask cluster, and are told back in
trial order. The sampler of trial n is seeded from the base seed and n alone,
so the study does not depend on the worker count, on completion order or on
interruptions.

Results on disk (``out/``)::

    study.log          Optuna's journal (JournalFileBackend): every trial asked and told
    trials.csv         one row per trial: parameters, objective, moments, their sd, status
    best.yaml          a scenario that extends the input with the best parameters
    calibration.json   targets, bounds, seeds, sampler, best trial, versions, commit, command
    fit.png            each target against its simulated value; the objective over trials

``resume`` reopens the journal: trials that were running when the process
died are run again with their recorded parameters and told, then the study goes
on, so the finished study equals an uninterrupted one.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..engine.design import cast_value, parse_bounds
from ..engine.executors import progress_bar
from ..engine.seeds import base_seed, replicate_seeds
from ..engine.sweep import Job, execute, make_executor
from ..figures.plots import OKABE_ITO, _grid, save
from ..scenario.errors import FolderConflict, ScenarioError, did_you_mean
from ..scenario.files import load_scenario
from ..scenario.schema import Scenario, leaf_type
from .targets import Target, check_steps, moment, parse_targets, read_targets

SAMPLERS = ("tpe", "cmaes")
STUDY_NAME = "cogov-calibrate"
JOURNAL = "study.log"
OBJECTIVE_TEXT = "sum over targets of ((simulated - value) / tolerance)^2"


class CalibrationInterrupted(Exception):
    """Raised after a Ctrl-C, once every told trial is on disk."""


@dataclass
class Calibration:
    """Result of :func:`calibrate`.

    Attributes:
        best_params: the best trial's parameters (empty if no trial succeeded).
        best_objective: its objective J (NaN if none).
        best_trial: its number (-1 if none).
        trials: the trials.csv table.
        out: the results folder (None if temporary).
    """

    best_params: dict
    best_objective: float
    best_trial: int
    trials: pd.DataFrame
    out: str | None


# ------------------------------------------------------------------- inputs
TargetsLike = str | Path | dict | list
"""A targets file, its content as ``{"targets": [...]}``, or the list of targets (dicts such
as ``{"metric": "unmet_need", "value": 0.1, "tolerance": 0.02}``, or Targets)."""
ParamsLike = dict[str, tuple[float, float]] | list[str]
"""The parameters to calibrate with their bounds: ``{"budget.per_capita": (0.4, 1.2)}`` or
``["budget.per_capita=0.4:1.2"]``."""


def parse_params(specs: ParamsLike) -> dict[str, tuple[float, float]]:
    """``["key=lo:hi", ...]`` (or a ``{key: (lo, hi)}`` dict) -> ``{key: (lo, hi)}``.

    Unknown keys get a did-you-mean; ``lo >= hi`` and non-numeric keys are errors.
    """
    if isinstance(specs, dict):
        specs = [f"{k}={lo}:{hi}" for k, (lo, hi) in specs.items()]
    bounds = parse_bounds(list(specs), "--params")
    if not bounds:
        raise ScenarioError(["--params: give at least one KEY=LO:HI to calibrate"])
    errors = []
    for key in bounds:
        tp = leaf_type(key)
        if tp not in (int, float):
            name = getattr(tp, "__name__", str(tp))
            errors.append(f"--params {key}: calibrate needs a numeric key, this one is {name}")
    if errors:
        raise ScenarioError(errors)
    return bounds


def check_bounds(base: Scenario, bounds: dict[str, tuple[float, float]]) -> None:
    """Both ends of every range must be valid values of the key in this scenario."""
    errors = []
    for key, (lo, hi) in bounds.items():
        if leaf_type(key) is int and math.ceil(lo) >= math.floor(hi):
            errors.append(f"--params {key}: an integer key needs two whole numbers in "
                          f"[{lo:g}, {hi:g}]")
            continue
        for end in (lo, hi):
            try:
                base.replace(**{key: _cast(key, end)})
            except ScenarioError as exc:
                errors.extend(f"--params {e}" for e in exc.errors if f"--params {e}" not in errors)
    if errors:
        raise ScenarioError(errors)


def _cast(key: str, x: float):
    return int(math.ceil(x)) if leaf_type(key) is int else float(x)


def load_targets(targets: TargetsLike | list[Target]) -> list[Target]:
    """A targets file path, a ``{"targets": [...]}`` mapping, a list of dicts or of Targets."""
    if isinstance(targets, str | Path):
        return read_targets(targets)
    if isinstance(targets, list) and targets and all(isinstance(t, Target) for t in targets):
        return list(targets)
    return parse_targets(targets, "targets argument")


# ---------------------------------------------------------------- objective
def objective(means: list[float], targets: list[Target]) -> float:
    """J = Σ ((m_k − y_k) / τ_k)²; NaN if a moment is missing.

    >>> t = parse_targets([{"metric": "unmet_need", "value": 0.1, "tolerance": 0.05}])
    >>> round(objective([0.2], t), 6)
    4.0
    """
    return float(sum(((m - t.value) / t.tolerance) ** 2 for m, t in zip(means, targets,
                                                                        strict=True)))


def evaluate(replicates: list[dict], targets: list[Target], window: int) -> dict:
    """Moments, their sd over replicates, and J, from one trial's job results (in
    replicate order); ``error`` says why a trial failed."""
    bad = [r["row"] for r in replicates if r["row"]["status"] != "ok"]
    if bad:
        return {"moments": [], "sd": [], "objective": math.nan,
                "error": f"replicate {bad[0]['replicate']}: {bad[0]['error']}"}
    values = np.array([[moment(t, r["timeseries"], window) for t in targets] for r in replicates])
    means = values.mean(axis=0)
    sd = values.std(axis=0, ddof=1) if len(values) > 1 else np.zeros(len(targets))
    missing = [t.label for t, m in zip(targets, means, strict=True) if not math.isfinite(m)]
    error = f"no value for {', '.join(missing)} (NaN)" if missing else ""
    return {"moments": [float(m) for m in means], "sd": [float(s) for s in sd],
            "objective": math.nan if missing else objective(list(means), targets), "error": error}


# -------------------------------------------------------------------- study
def _optuna():
    import optuna

    return optuna


def trial_seed(seed: int, number: int) -> int:
    """The sampler seed of trial ``number``: spawned from the base seed, 32 bits."""
    sequence = np.random.SeedSequence(seed, spawn_key=(zlib.crc32(b"sampler"), number))
    return int(sequence.generate_state(1)[0])


def make_sampler(name: str, seed: int):
    """Optuna's TPE or CMA-ES sampler with a fixed seed."""
    optuna = _optuna()
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)


def _storage(out: Path):
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    return JournalStorage(JournalFileBackend(str(out / JOURNAL)))


def _repair_journal(path: Path) -> None:
    """Cut a line half-written by a killed process (Optuna would stop reading there)."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with path.open("r+b") as f:
            f.truncate(data.rfind(b"\n") + 1)


def open_study(out: Path, config: dict, resume: bool, sampler):
    """Create the study in ``out``, or reopen it with ``resume`` (same config only)."""
    optuna = _optuna()
    journal = out / JOURNAL
    if journal.exists() and not resume:
        raise FolderConflict([f"--out {out}: already holds a calibration ({JOURNAL}); pass --resume "
                             "to continue it, or choose another folder"])
    if not journal.exists():
        out.mkdir(parents=True, exist_ok=True)
        study = optuna.create_study(study_name=STUDY_NAME, storage=_storage(out),
                                    direction="minimize", sampler=sampler)
        study.set_user_attr("config", config)
        return study
    _repair_journal(journal)
    # A process killed inside a write leaves the journal's lock behind (Optuna would
    # wait 30 s before breaking it); one process drives a calibration folder.
    Path(f"{journal}.lock").unlink(missing_ok=True)
    study = optuna.load_study(study_name=STUDY_NAME, storage=_storage(out), sampler=sampler)
    old = study.user_attrs.get("config", {})
    changed = [k for k in config if old.get(k) != config[k]]
    if changed:
        raise FolderConflict([f"--resume: the calibration in {out} was started with other "
                             f"settings ({', '.join(changed)}); use the same, or another --out"])
    return study


def recorded_seed(out: Path) -> int | None:
    """The base seed a calibration in ``out`` was started with, if any."""
    if not (out / JOURNAL).exists():
        return None
    optuna = _optuna()
    _repair_journal(out / JOURNAL)
    study = optuna.load_study(study_name=STUDY_NAME, storage=_storage(out))
    return study.user_attrs.get("config", {}).get("seed")


def _distributions(bounds: dict[str, tuple[float, float]]) -> dict:
    from optuna.distributions import FloatDistribution, IntDistribution

    return {k: IntDistribution(math.ceil(lo), math.floor(hi)) if leaf_type(k) is int
            else FloatDistribution(lo, hi) for k, (lo, hi) in bounds.items()}


def next_batch(study, bounds: dict, total: int, batch: int, sampler: str, seed: int) -> list:
    """The trials to run next, as Optuna trials with their parameters.

    Batch b holds trial numbers b·batch .. (b+1)·batch − 1 (the last one cut at
    ``total``). Trials still RUNNING (the process died before telling them) are
    taken first with their recorded parameters; the rest of their batch is then
    asked, exactly as an uninterrupted study would have asked it.
    """
    optuna = _optuna()
    state = optuna.trial.TrialState
    known = study.get_trials(deepcopy=False)
    running = [t for t in known if t.state == state.RUNNING]
    start = min((t.number for t in running), default=len(known))
    if not running and start >= total:
        return []
    end = max(min((start // batch + 1) * batch, total), max((t.number + 1 for t in running),
                                                               default=0))
    dists = _distributions(bounds)
    trials = []
    for frozen in running:
        study.sampler = make_sampler(sampler, trial_seed(seed, frozen.number))
        trials.append(_reopen(study, frozen, dists))
    for number in range(len(known), end):
        study.sampler = make_sampler(sampler, trial_seed(seed, number))
        trials.append(study.ask(fixed_distributions=dists))
    return sorted(trials, key=lambda t: t.number)


def _reopen(study, frozen, dists: dict):
    """A trial a dead process left RUNNING, with all its parameters.

    Suggesting returns the recorded values. If the process died while sampling
    the trial, the draws of the values it had set are replayed first (the sampler
    is freshly seeded for this trial, as it was then), so the missing ones come
    out as they would have.
    """
    optuna = _optuna()
    trial = optuna.trial.Trial(study, frozen._trial_id)  # Optuna has no public reopen
    if set(frozen.params) != set(dists):
        relative = trial.relative_params  # sampled jointly at the first suggestion, as then
        for name, dist in dists.items():
            if name not in frozen.params:
                break
            if name not in relative:
                study.sampler.sample_independent(study, frozen, name, dist)
    for name, dist in dists.items():
        _suggest(trial, name, dist)
    return trial


def _suggest(trial, name: str, dist):
    from optuna.distributions import IntDistribution

    if isinstance(dist, IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high)
    return trial.suggest_float(name, dist.low, dist.high)


def _params(trial, bounds: dict) -> dict:
    return {k: trial.params[k] for k in bounds}


def run_batch(executor, trials: list, base: Scenario, bounds: dict, seeds: list[int],
              on_result=None) -> dict[int, list[dict]]:
    """Every trial x replicate as a job in one map; results per trial, in replicate order."""
    jobs, replicates = [], len(seeds)
    for trial in trials:
        params = _params(trial, bounds)
        scenario = base.replace(**params)
        for r, s in enumerate(seeds):
            jobs.append(Job(trial.number * replicates + r, trial.number, r, s, scenario, params,
                            None, base.outputs.window))
    results: dict[int, list] = {t.number: [None] * replicates for t in trials}
    for result in executor.map(execute, jobs):
        row = result["row"]
        results[row["point"]][row["replicate"]] = result
        if on_result:
            on_result(result)
    return results


def tell(study, trial, evaluation: dict) -> None:
    """Record a trial's moments and tell Optuna its objective (or that it failed)."""
    optuna = _optuna()
    trial.set_user_attr("moments", evaluation["moments"])
    trial.set_user_attr("sd", evaluation["sd"])
    if evaluation["error"]:
        trial.set_user_attr("error", evaluation["error"])
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
    else:
        study.tell(trial, evaluation["objective"])


# ------------------------------------------------------------------ outputs
STATUS = {"COMPLETE": "ok", "FAIL": "failed", "RUNNING": "running"}


def trials_table(study, bounds: dict, targets: list[Target]) -> pd.DataFrame:
    """trials.csv: trial, parameters, objective, moments, their sd, status, error."""
    rows = []
    for t in study.get_trials(deepcopy=False):
        row = {"trial": t.number, **{k: t.params.get(k, math.nan) for k in bounds},
               "objective": t.value if t.value is not None else math.nan}
        moments, sd = t.user_attrs.get("moments") or [], t.user_attrs.get("sd") or []
        for i, target in enumerate(targets):
            row[target.label] = moments[i] if moments else math.nan
        for i, target in enumerate(targets):
            row[f"{target.label}.sd"] = sd[i] if sd else math.nan
        row["status"] = STATUS.get(t.state.name, t.state.name.lower())
        row["error"] = t.user_attrs.get("error", "")
        rows.append(row)
    columns = ["trial", *bounds, "objective", *[t.label for t in targets],
               *[f"{t.label}.sd" for t in targets], "status", "error"]
    return pd.DataFrame(rows, columns=columns)


def best_row(table: pd.DataFrame) -> pd.Series | None:
    """The successful trial with the lowest objective (the earliest on a tie)."""
    ok = table[table["status"] == "ok"]
    if ok.empty:
        return None
    return ok.sort_values(["objective", "trial"], kind="stable").iloc[0]


def _changes(best: Scenario, keys: list[str]) -> dict:
    """Nested YAML for the changed keys, values as the resolved scenario holds them.

    ``extends:`` replaces lists whole, so a key inside a list (``shocks.0.size``)
    writes that whole list.
    """
    flat, out = best.to_dict(), {}
    for key in keys:
        parts = key.split(".")
        if any(p.isdigit() for p in parts):
            out[parts[0]] = flat[parts[0]]
            continue
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        value = flat
        for part in parts:
            value = value[part]
        node[parts[-1]] = str(Path(value).resolve()) if key == "network.path" and value else value
    return out


def _extends_path(source: Path, folder: Path) -> str:
    """``source`` as best.yaml's ``extends:``: relative to ``folder`` when they share a
    folder below the root (a checkout with its out/), absolute otherwise."""
    source, folder = source.resolve(), folder.resolve()
    if Path(os.path.commonpath([source, folder])) == Path(folder.anchor):
        return str(source)
    return os.path.relpath(source, folder)


def write_best_yaml(path: Path, best: Scenario, source: Path | None, keys: list[str],
                    header: list[str]) -> None:
    """best.yaml: ``extends:`` the input file with the changed keys, or (no input file)
    the whole scenario; checked to load back as ``best``."""
    from ..engine.outputs import atomic_path

    name = f"{best.name}_calibrated"
    if source is not None:
        data = {"extends": _extends_path(source, path.parent), "name": name,
                **{k: v for k, v in _changes(best, keys).items() if k != "name"}}
    else:
        data = {**best.to_dict(), "name": name}
    text = "".join(f"# {line}\n" for line in header)
    text += yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    with atomic_path(path) as tmp:  # beside best.yaml, so extends: resolves the same
        tmp.write_text(text, encoding="utf-8")
        if {**load_scenario(tmp).to_dict(), "name": best.name} != best.to_dict():
            raise RuntimeError(f"{path} would not reproduce the best scenario")  # a bug


def _moments_of(row: pd.Series, targets: list[Target]) -> dict:
    return {t.label: {"metric": t.metric, "statistic": t.statistic, "target": t.value,
                      "simulated": float(row[t.label]), "sd": float(row[f"{t.label}.sd"]),
                      "tolerance": t.tolerance,
                      "error_in_tolerances": float((row[t.label] - t.value) / t.tolerance)}
            for t in targets}


# ---------------------------------------------------------------- the study
@dataclass(frozen=True)
class Plan:
    """What a calibration runs: fixed for the life of its study folder (except ``trials``)."""

    base: Scenario
    targets: list[Target]
    bounds: dict
    seed: int
    seeds: list[int]
    trials: int
    batch: int
    sampler: str
    out: Path

    def config(self) -> dict:
        """What a resumed study must share with the one it continues."""
        return {"scenario": self.base.to_dict(), "targets": [t.to_dict() for t in self.targets],
                "bounds": {k: list(v) for k, v in self.bounds.items()},
                "replicates": len(self.seeds), "seed": self.seed, "sampler": self.sampler,
                "batch": self.batch}


def run_calibration(base: Scenario, targets: list[Target], bounds: dict, *, out: str | Path,
                    trials: int = 100, replicates: int = 3, seed: int | None = None,
                    workers: int = 1, scheduler: str | None = None, executor: str | None = None,
                    resume: bool = False, sampler: str = "tpe", batch: int = 4,
                    progress: bool = False, source: Path | None = None,
                    changed_keys: list[str] | None = None) -> Calibration:
    """Run (or resume) a calibration study, writing its results under ``out``.

    ``base`` is the resolved scenario (overrides and steps applied); ``source``
    the file it came from (best.yaml extends it) and ``changed_keys`` the keys
    the overrides set on top of it.

    Raises:
        ScenarioError: bad input, or ``out`` holds another calibration.
        CalibrationInterrupted: after Ctrl-C, with every told trial on disk.
    """
    for flag, value in (("--trials", trials), ("--replicates", replicates),
                        ("--workers", workers), ("--batch", batch)):
        if value < 1:
            raise ScenarioError([f"{flag}: must be at least 1, got {value}"])
    if sampler not in SAMPLERS:
        raise ScenarioError([f"--sampler: expected one of {', '.join(SAMPLERS)}, got {sampler!r}"
                             f"{did_you_mean(sampler, list(SAMPLERS))}"])
    check_steps(targets, base.steps)
    check_bounds(base, bounds)
    out = Path(out)
    if seed is None and base.seed is None and resume:
        seed = recorded_seed(out)
    seed = base_seed(base, seed)
    plan = Plan(base, targets, bounds, seed, replicate_seeds(seed, replicates), trials, batch,
                sampler, out)
    optuna = _optuna()
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no line per trial: the bar shows it
    try:
        study = open_study(out, plan.config(), resume, make_sampler(sampler, trial_seed(seed, 0)))
        meta = _meta(plan, workers, scheduler, source)
        _write_meta(out, meta)
        started = time.perf_counter()
        _loop(study, plan, executor_args=(workers, scheduler, executor,
                                          Path(out) / "slurm" / "logs"), meta=meta,
              progress=progress)
        table = _write_results(study, plan, source, changed_keys or [], meta,
                               time.perf_counter() - started)
    finally:
        optuna.logging.set_verbosity(verbosity)
    best = best_row(table)
    if best is None:
        return Calibration({}, math.nan, -1, table, str(out))
    return Calibration({k: cast_value(k, best[k]) for k in bounds}, float(best["objective"]),
                       int(best["trial"]), table, str(out))


def _loop(study, plan: Plan, executor_args: tuple, meta: dict, progress: bool) -> None:
    """Ask, run and tell batches until ``plan.trials`` trials are told."""
    done = sum(t.state.is_finished() for t in study.get_trials(deepcopy=False))
    bar = progress_bar(max(plan.trials - done, 0) * len(plan.seeds), progress)
    window = plan.base.outputs.window
    executor = None
    try:
        while trials := next_batch(study, plan.bounds, plan.trials, plan.batch, plan.sampler,
                                   plan.seed):
            executor = executor or make_executor(*executor_args)
            results = run_batch(executor, trials, plan.base, plan.bounds, plan.seeds,
                                on_result=lambda _: bar.update())
            for trial in trials:  # in trial order, whatever order the runs finished in
                tell(study, trial, evaluate(results[trial.number], plan.targets, window))
            best = best_row(_write_trials(study, plan))
            if best is not None:
                bar.set_postfix(best=f"{best['objective']:.4g}", trial=int(best["trial"]))
    except KeyboardInterrupt:
        _write_trials(study, plan)
        _write_meta(plan.out, {**meta, "status": "interrupted"})
        raise CalibrationInterrupted(f"interrupted; told trials are saved in {plan.out}/, rerun "
                                     "the same command with --resume to go on") from None
    finally:
        bar.close()
        if executor is not None:
            executor.close()


def _write_trials(study, plan: Plan) -> pd.DataFrame:
    from ..engine.outputs import write_csv

    table = trials_table(study, plan.bounds, plan.targets)
    write_csv(table, plan.out / "trials.csv")
    return table


def _meta(plan: Plan, workers: int, scheduler: str | None, source: Path | None) -> dict:
    """calibration.json while the study runs."""
    import json

    from ..engine.outputs import provenance

    optuna = _optuna()
    config = plan.config()
    meta = {"status": "running", "scenario_file": str(source) if source else None,
            "scenario": config["scenario"], "targets": config["targets"],
            "bounds": config["bounds"], "objective": OBJECTIVE_TEXT, "trials": plan.trials,
            "batch": plan.batch, "replicates": len(plan.seeds), "steps": plan.base.steps,
            "base_seed": plan.seed, "seeds": plan.seeds, "sampler": plan.sampler,
            "sampler_seed": "trial n: SeedSequence(base_seed, spawn_key=(crc32(b'sampler'), n))",
            "workers": workers, "scheduler": scheduler,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **provenance()}
    meta["versions"] = {**meta["versions"], "optuna": optuna.__version__}
    old_path = plan.out / "calibration.json"
    if old_path.exists():
        old = json.loads(old_path.read_text())
        meta["started_at"] = old.get("started_at", meta["started_at"])
        meta["resumed_at"] = [*old.get("resumed_at", []), time.strftime("%Y-%m-%dT%H:%M:%S%z")]
    return meta


def _write_meta(out: Path, meta: dict) -> None:
    from ..engine.outputs import write_json

    write_json(meta, out / "calibration.json")


def _write_results(study, plan: Plan, source: Path | None, changed_keys: list[str], meta: dict,
                   seconds: float) -> pd.DataFrame:
    """trials.csv, best.yaml, fit.png and the final calibration.json."""
    from .calibrate import plot_fit

    table = _write_trials(study, plan)
    best = best_row(table)
    failed = int((table["status"] == "failed").sum())
    final = {**meta, "status": "done" if failed == 0 else "done_with_failures",
             "trials_told": int(table["status"].isin(["ok", "failed"]).sum()),
             "trials_failed": failed, "wall_time_s": round(seconds, 3),
             "ended_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if best is not None:
        params = {k: cast_value(k, best[k]) for k in plan.bounds}
        replicates = len(plan.seeds)
        header = [f"Calibrated by: {' '.join(meta['command'])}",
                  f"Best of {len(table)} trials: trial {int(best['trial'])}, objective "
                  f"{best['objective']:.6g} ({OBJECTIVE_TEXT}).",
                  f"Its moments are means over {replicates} replicates, seeds spawned from "
                  f"{plan.seed}; reproduce them with",
                  f"  run.py compare best.yaml --replicates {replicates} --seed {plan.seed}",
                  "See calibration.json for the targets and their sources."]
        write_best_yaml(plan.out / "best.yaml", plan.base.replace(**params), source,
                        [*changed_keys, *plan.bounds], header)
        final["best"] = {"trial": int(best["trial"]), "objective": float(best["objective"]),
                         "params": params, "moments": _moments_of(best, plan.targets)}
    _write_meta(plan.out, final)
    plot_fit(table, [t.to_dict() for t in plan.targets], list(plan.bounds),
             plan.out / "fit.png")
    return table


# ---------------------------------------------------------------- Python API
def calibrate(scenario: str | Path | Scenario, targets: TargetsLike, params: ParamsLike, *,
              trials: int = 100, replicates: int = 3, steps: int | None = None, seed: int | None = None,
              overrides: dict | list[str] | None = None, workers: int = 1,
              scheduler: str | None = None, executor: str | None = None,
              out: str | Path | None = None, resume: bool = False,
              sampler: str = "tpe", batch: int = 4, progress: bool = False) -> Calibration:
    """Python API of ``run.py calibrate``.

    Args:
        scenario: a scenario file or preset name (best.yaml then ``extends:`` it), or a
            :class:`Scenario` (best.yaml then holds the whole scenario).
        targets: a targets file, or its content (``{"targets": [...]}`` or the list).
        params: ``{"budget.per_capita": (0.4, 1.2), ...}`` or ``["key=lo:hi", ...]``.
        trials, replicates, steps, seed, overrides, workers, scheduler, executor, resume, sampler,
            batch: as on the command line (``overrides`` is ``--set``).
        out: results folder; a temporary folder (deleted afterwards) if None.

    Example:
        >>> result = calibrate("adaptive", [{"metric": "unmet_need", "value": 0.1,
        ...                                  "tolerance": 0.02}],
        ...                    {"budget.per_capita": (0.5, 1.0)}, trials=2, replicates=1,
        ...                    steps=3, seed=1, overrides={"population.citizens": 200,
        ...                                                "warmup": 0})
        >>> len(result.trials), sorted(result.trials["status"].unique())
        (2, ['ok'])
    """
    from ..scenario.files import parse_overrides, resolve_scenario_path

    target_list = load_targets(targets)
    bounds = parse_params(params)
    if isinstance(overrides, list):
        overrides = parse_overrides(overrides)
    overrides = dict(overrides or {})
    if isinstance(scenario, Scenario):
        top = {} if steps is None else {"steps": steps}
        base, source = scenario.replace(**overrides, **top), None
    else:
        source = resolve_scenario_path(scenario)
        base = load_scenario(source, overrides, steps=steps)
    keys = [*overrides, *(["steps"] if steps is not None else [])]
    kwargs = {"trials": trials, "replicates": replicates, "seed": seed, "workers": workers,
              "scheduler": scheduler, "executor": executor, "resume": resume, "sampler": sampler, "batch": batch,
              "progress": progress, "source": source, "changed_keys": keys}
    if out is None:
        with tempfile.TemporaryDirectory() as tmp:
            result = run_calibration(base, target_list, bounds, out=tmp, **kwargs)
        result.out = None
        return result
    return run_calibration(base, target_list, bounds, out=out, **kwargs)


# ---------------------------------------------------------------- calibration
def plot_fit(trials, targets: list[dict], keys: list[str], path: str | Path | None = None):
    """A calibration's fit (fit.png).

    Panel 1: each target's miss at the best trial in tolerances, (simulated − value) / τ,
    with the replicate spread (± 1 sd / τ); the band is ± 1 tolerance. Panel 2: the
    objective of every trial and the best so far. Then one panel per parameter: the
    objective against the parameter's value (a flat floor means the targets do not
    pin the parameter down).
    """
    ok = trials[trials["status"] == "ok"]
    fig, axes = _grid(2 + len(keys))
    ax = axes[0]
    labels = [_target_label(t) for t in targets]
    ax.axvspan(-1, 1, color="#009E73", alpha=0.12, lw=0)
    ax.axvline(0, color="#009E73", lw=1)
    if len(ok):
        best = ok.sort_values(["objective", "trial"], kind="stable").iloc[0]
        miss = [(best[lb] - t["value"]) / t["tolerance"] for lb, t in zip(labels, targets,
                                                                          strict=True)]
        spread = [best[f"{lb}.sd"] / t["tolerance"] for lb, t in zip(labels, targets, strict=True)]
        y = np.arange(len(targets))
        ax.errorbar(miss, y, xerr=spread, fmt="o", color=OKABE_ITO[0], capsize=3)
        ax.set_yticks(y, [f"{lb}\n{t['value']:.4g} vs {best[lb]:.4g} ± {best[f'{lb}.sd']:.2g}"
                          for lb, t in zip(labels, targets, strict=True)], fontsize=7)
        ax.set_title(f"best trial {int(best['trial'])}: miss in tolerances", fontsize=10)
        ax.invert_yaxis()
    ax.set_xlabel("(simulated − target) / tolerance", fontsize=8)
    ax.grid(alpha=0.3, axis="x")
    ax = axes[1]
    if len(ok):
        positive = (ok["objective"] > 0).all()
        ax.scatter(ok["trial"], ok["objective"], s=10, alpha=0.6, label="trial")
        running = ok.set_index("trial")["objective"].sort_index().cummin()
        ax.step(running.index, running.to_numpy(), where="post", color=OKABE_ITO[1], label="best so far")
        if positive:
            ax.set_yscale("log")
        ax.legend(fontsize=7)
    failed = trials[trials["status"] == "failed"]
    ax.set_title(f"objective ({len(failed)} failed)" if len(failed) else "objective", fontsize=10)
    ax.set_xlabel("trial", fontsize=8)
    ax.grid(alpha=0.3)
    for ax, key in zip(axes[2:], keys, strict=False):
        if len(ok):
            ax.scatter(ok[key], ok["objective"], s=10, alpha=0.6)
            if (ok["objective"] > 0).all():
                ax.set_yscale("log")
        ax.set_xlabel(key, fontsize=8)
        ax.set_title("objective", fontsize=10)
        ax.grid(alpha=0.3)
    save(fig, path)
    return fig


def _target_label(t: dict) -> str:
    from ..studies.targets import Target

    return Target(**t).label

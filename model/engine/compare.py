"""Replicated comparisons of scenarios, on the sweep engine (job -> executor -> store).

Each scenario is a point of a sweep whose store lives in ``out/sweep/`` (the files
of model/engine/sweep.py: ``sweep.json``, ``chunks/``, ``timeseries/``, ``runs.parquet``),
so a comparison streams its runs to disk, resumes after Ctrl-C or ``kill -9`` with
no replicate lost or repeated, and runs on the same executors as a sweep. Every
scenario gets the same replicate seeds (common random numbers, a paired design).

    >>> from cogov.model import Scenario
    >>> a = Scenario().replace(**{"name": "a", "population.citizens": 200, "steps": 3})
    >>> ts = compare([a, a.replace(name="b")], replicates=2, seed=1)
    >>> ts.groupby("scenario")["seed"].unique().map(tuple).nunique(), len(ts)
    (1, 16)
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..scenario.errors import ScenarioError
from ..scenario.files import ScenarioLike, as_scenarios
from ..scenario.schema import Scenario
from .seeds import replicate_seeds
from .sweep import (
    Job,
    SweepInterrupted,
    SweepStore,
    branch_plan,
    in_folder,
    read_timeseries,
    resume_seed,
    run_jobs,
)

STORE = "sweep"  # the store's folder inside a comparison's folder


class RunsFailed(RuntimeError):
    """Some runs raised; the comparison has no outputs until they succeed."""


def store_of(out: str | Path) -> Path:
    """The sweep store inside a comparison's folder."""
    return Path(out) / STORE


def compare_jobs(scenarios: Sequence[Scenario], replicates: int, seed: int,
                 steps: int | None, state: str | None = None) -> list[Job]:
    """Scenario p, replicate r as run p x replicates + r, with the r-th spawned seed
    (``state``: each a continuation of that saved state)."""
    seeds = replicate_seeds(seed, replicates)
    window = scenarios[0].outputs.window
    return [Job(p * replicates + r, p, r, s, scenario, {"scenario": scenario.name}, steps, window,
                state)
            for p, scenario in enumerate(scenarios) for r, s in enumerate(seeds)]


def fingerprint(scenarios: Sequence[Scenario], replicates: int, steps: int | None) -> str:
    """What a comparison runs, to refuse resuming a different one (the seed is checked apart)."""
    blob = json.dumps([[s.to_dict() for s in scenarios], replicates, steps], sort_keys=True,
                      default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def compare(scenarios: Sequence[ScenarioLike], replicates: int = 10, *, steps: int | None = None,
            seed: int | None = None, workers: int = 1, scheduler: str | None = None,
            executor: str | None = None, out: str | Path | None = None, resume: bool = False,
            progress: bool = False, from_state: str | Path | None = None) -> pd.DataFrame:
    """Every scenario x replicate; the tidy time series (scenario, replicate, seed, step,
    metrics...), sorted by scenario (as given), replicate and step.

    Args:
        scenarios: Scenarios, preset names or scenario files, with distinct names (each
            is a point of the sweep), e.g. ``["adaptive", "top_down"]``.
        seed: the base seed; default the first scenario's, else one recorded by a
            comparison being resumed, else a fresh one.
        out: the comparison's folder (the store goes to ``out/sweep/``); a temporary
            folder if None. A finished comparison there is replaced; an unfinished one
            is refused unless ``resume``.
        workers, scheduler, executor, resume, progress: as for :func:`~cogov.model.engine.sweep.sweep`.
        from_state: a saved state (``run --save-state``): every scenario is an arm branched
            from it, replicate r continuing it with streams reseeded from the r-th seed
            spawned from ``seed`` (default: the state's seed), ``steps`` more steps (default:
            each arm's ``steps``); docs/experiments.md, "Branching from a saved state".

    Raises:
        ScenarioError: bad arguments, or ``out`` holds an unfinished or different comparison.
        RunsFailed: some runs raised (their rows, with the error, are in the store).
        SweepInterrupted, SweepFailed: stopped early; finished runs are on disk.
    """
    scenarios = as_scenarios(scenarios)
    names = [s.name for s in scenarios]
    if not scenarios or len(set(names)) != len(names):
        raise ScenarioError([f"compare: give scenarios with distinct names (got {', '.join(names)});"
                             " set a distinct `name:` in each"])
    if replicates < 1 or workers < 1:
        raise ScenarioError(["compare: --replicates and --workers must be at least 1"])
    branch = branch_plan(from_state, scenarios, seed)
    if branch is None:
        seed = resume_seed(scenarios[0], seed, None if out is None else store_of(out), resume)
    else:
        seed = branch["base_seed"]

    def run(folder) -> pd.DataFrame:
        store = store_of(folder)
        if not resume and SweepStore(store).status() == "done":
            shutil.rmtree(store)  # a finished comparison is replaced, as its CSVs are
        meta = {"design": {"scenarios": names}, "keys": [], "points": len(scenarios),
                "replicates": replicates, "runs": len(scenarios) * replicates, "steps": steps,
                "base_seed": seed, "seeds": replicate_seeds(seed, replicates),
                "scenarios": [s.to_dict() for s in scenarios]}
        print_ = fingerprint(scenarios, replicates, steps)
        if branch is not None:
            meta["from_state"] = branch["record"]
            print_ = hashlib.sha256((print_ + branch["record"]["sha256"]).encode()).hexdigest()[:16]
        runs = run_jobs(compare_jobs(scenarios, replicates, seed, steps,
                                     branch and branch["path"]), out=store,
                        fingerprint=print_, meta=meta,
                        workers=workers, scheduler=scheduler, executor=executor, resume=resume,
                        progress=progress)
        failed = runs[runs["status"] != "ok"]
        if len(failed):
            first = failed.iloc[0]
            raise RunsFailed(f"{len(failed)} of {len(runs)} runs failed, e.g. scenario "
                             f"{first['scenario']} replicate {first['replicate']}: "
                             f"{first['error']} (every row is in {store}/runs.parquet; fix the "
                             "cause and resume to run them again)")
        try:
            return tidy(runs, read_timeseries(store))
        except KeyboardInterrupt:
            raise outputs_interrupted(folder) from None

    return in_folder(out, run)


def outputs_interrupted(out: str | Path) -> SweepInterrupted:
    """After a Ctrl-C once every run is stored, while the comparison's outputs were being
    read or written: its store's sweep.json says ``interrupted`` (stage ``outputs``), not
    ``done``, so the folder is not taken for a finished comparison, and ``--resume``
    (which runs nothing more) writes the outputs. Returns the exception to raise."""
    from .executors import second_interrupt_exits
    from .sweep import _now

    store = SweepStore(store_of(out))
    with second_interrupt_exits():
        if store.meta_path.exists():
            meta = json.loads(store.meta_path.read_text())
            store.write_meta({**meta, "status": "interrupted", "stage": "outputs",
                              "ended_at": _now()})
    return SweepInterrupted("interrupted while writing the comparison's outputs (every run is "
                            "saved; --resume runs nothing again and writes them)", store.out)


def tidy(runs: pd.DataFrame, series: pd.DataFrame) -> pd.DataFrame:
    """The store's time series with scenario, replicate and seed in front, ordered by run."""
    head = runs.set_index("run_id").loc[series["run_id"], ["scenario", "replicate", "seed"]]
    table = pd.concat([head.reset_index(drop=True), series.drop(columns="run_id")], axis=1)
    return table


def run_replicates(
    scenarios: Sequence[ScenarioLike],
    replicates: int,
    base_seed: int,
    steps: int | None = None,
    workers: int = 1,
    progress: bool = False,
) -> pd.DataFrame:
    """Every scenario x replicate; tidy table (scenario, replicate, seed, step, metrics...).

    Every scenario gets the same seeds (common random numbers, a paired design),
    so differences between scenarios are not masked by different draws. Runs go
    through the sweep engine (:func:`compare`, in a temporary folder),
    and rows are sorted, so the table does not depend on ``workers``. With
    workers > 1, call it under ``if __name__ == "__main__":`` in a script.
    """
    return compare(scenarios, replicates, steps=steps, seed=base_seed, workers=workers,
                   progress=progress)


def check_horizon(scenarios, replicates: int, factor: int = 3, *, seed: int | None = None,
                  steps: int | None = None, workers: int = 1, at_horizon=None,
                  metrics: Sequence[str] | None = None, out=None, resume: bool = False,
                  progress: bool = False):
    """Run ``scenarios`` to ``factor`` times their horizon on the same replicate seeds and
    test every metric across horizons (:func:`horizon_table`); returns that table.

    Args:
        scenarios: Scenarios or preset names (distinct names), as for ``compare``.
        factor: K, the longer horizon is K·N (N: ``steps`` or each scenario's own steps).
        seed: the base seed of the replicates (the comparison at N must have used it).
        at_horizon: the tidy time series at N of these scenarios and seeds (``compare``'s
            return value); run here when None.
        metrics: default every metric of the time series.
        out: folder of the longer comparison (``compare``'s store goes there); temporary
            when None.

    The patterns study calls this with its pattern's scenarios; ``cogov compare
    --check-horizon K`` with the comparison's.
    """
    from .stationarity import horizon_table
    from .stats import metric_columns

    if factor < 2:
        raise ValueError("check_horizon: the factor must be at least 2")
    scenarios = as_scenarios(scenarios)
    if at_horizon is None:
        at_horizon = compare(scenarios, replicates, steps=steps, seed=seed, workers=workers,
                             progress=progress)
    longer = [s.replace(steps=factor * (steps or s.steps)) for s in scenarios]
    at_long = compare(longer, replicates, seed=seed, workers=workers, out=out, resume=resume,
                      progress=progress)
    metrics = list(metrics) if metrics is not None else metric_columns(at_horizon)
    metrics = [m for m in metrics if m in at_horizon and m in at_long]
    return horizon_table(at_horizon, at_long, scenarios[0].outputs.window, metrics)

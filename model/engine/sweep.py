"""Parameter sweeps: many runs, on one core, many cores or a Dask cluster, resumable.

The seams follow Mesa's run protocol (mesa#3753): a :class:`Job` holds a
resolved scenario and a seed; :func:`execute` builds the model, runs it and
extracts a result row plus its time series; an executor maps ``execute`` over
jobs; a :class:`SweepStore` writes results as they arrive.

Results on disk (``out/``)::

    sweep.json            design, base scenario, seeds, versions, commit, times, status
    runs.parquet          one row per run (consolidated at the end, sorted by run_id)
    summary.csv           per point and metric: mean ± 95 % CI over replicates, stationary
    chunks/runs-NNNNN.parquet       result rows, one file per finished chunk
    timeseries/part-NNNNN.parquet   every metric at every step, same chunks

A chunk's time-series file is written before its rows file, each to a temporary
name and renamed, so a sweep killed at any moment leaves only whole files;
``resume`` drops time series whose rows never landed and runs whatever has no
``ok`` row. Replicate r of every point uses the r-th seed spawned from the base
seed, so results do not depend on workers, chunking or interruptions.

    >>> from cogov.model import Scenario
    >>> from cogov.model.engine.design import Design
    >>> base = Scenario().replace(**{"population.citizens": 200, "steps": 5})
    >>> runs = sweep(base, Design(grid={"mechanisms.incentives.r": [3.0, 5.0]}), replicates=2)
    >>> len(runs), sorted(runs["status"].unique())
    (4, ['ok'])
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..scenario.errors import FolderConflict, ScenarioError
from ..scenario.files import ScenarioLike, as_scenario
from ..scenario.schema import Scenario
from ..sim.reporters import METRICS
from .design import Design, check_points, points_hash
from .executors import (
    DaskExecutor,
    InProcessExecutor,
    ProcessExecutor,
    WorkerLost,
    check_executor,
    executor_name,
    make_executor,
    progress_bar,
    refuse_in_starting_worker,
    run_batch,
    second_interrupt_exits,
)
from .run import check_plugins, run_scenario
from .seeds import base_seed, replicate_seeds
from .stats import final_window, interval, metric_columns

RESULT_METRICS = [m for m in METRICS if m != "step"]
# the executors live in model/engine/executors.py; sweeps were first written with them here
__all__ = ["DaskExecutor", "InProcessExecutor", "Job", "ProcessExecutor", "SweepFailed",
           "SweepInterrupted", "SweepStore", "execute", "make_executor", "read_timeseries",
           "run_batch", "run_jobs", "run_sweep", "sweep"]


class SweepStopped(Exception):
    """A sweep stopped before its end; ``reason`` says why, the message how to go on."""

    def __init__(self, reason: str, out: str | Path | None):
        self.reason, self.out = reason, out
        super().__init__(f"{reason}; {rerun_advice(out)}")


class SweepInterrupted(SweepStopped):
    """Raised after a Ctrl-C, once finished runs are safely on disk."""


class SweepFailed(SweepStopped, RuntimeError):
    """Raised when a worker process died, once finished runs are safely on disk."""


def rerun_advice(out: str | Path | None) -> str:
    """How to continue a stopped sweep, for Python and command-line users alike."""
    if out is None:
        return ("its results were in a temporary folder, now deleted; pass out=FOLDER to keep "
                "finished runs and be able to resume")
    return (f"finished runs are saved in {out}/; to run the rest, repeat the same call with "
            "resume=True (on the command line: the same command plus --resume)")


@dataclass(frozen=True)
class Job:
    """One model run of a sweep."""

    run_id: int
    point: int
    replicate: int
    seed: int
    scenario: Scenario
    params: dict
    steps: int | None
    window: int
    state: str | None = None  # a saved state to branch from (model/engine/state.py)


def scenario_hash(scenario: Scenario) -> str:
    """Short fingerprint of a resolved scenario, seed excluded."""
    data = scenario.to_dict()
    data.pop("seed")
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]


def execute(job: Job) -> dict:
    """Run one job; never raises: a failure is a row with status ``error``."""
    start = time.perf_counter()
    row = {"run_id": job.run_id, "point": job.point, "replicate": job.replicate,
           "seed": job.seed, "scenario_hash": scenario_hash(job.scenario), **job.params}
    try:
        if job.state is None:
            metrics = run_scenario(job.scenario, seed=job.seed, steps=job.steps).metrics
        else:
            from .state import continuation

            metrics = continuation(job.state, job.scenario, job.seed, job.steps)
        row.update(final_window(metrics, job.window).to_dict())
        series = metrics.copy()
        series.insert(0, "run_id", job.run_id)
        status, error = "ok", ""
    except Exception as exc:  # a model failure is data about that parameter combination
        row.update({m: math.nan for m in RESULT_METRICS})
        series, status, error = None, "error", f"{type(exc).__name__}: {exc}"
    row.update({"wall_time": time.perf_counter() - start, "status": status, "error": error})
    return {"row": row, "timeseries": series}


# --------------------------------------------------------------------- store
def _atomic_parquet(df: pd.DataFrame, path: Path) -> None:
    from .outputs import atomic_path

    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False)


class SweepStore:
    """Durable, chunked results of one sweep folder."""

    def __init__(self, out: Path, chunk_runs: int = 20, chunk_seconds: float = 15.0):
        self.out = Path(out)
        self.chunk_runs, self.chunk_seconds = chunk_runs, chunk_seconds
        self.rows: list[dict] = []
        self.series: list[pd.DataFrame] = []
        self.next_chunk = 1
        self.last_flush = time.monotonic()

    @property
    def meta_path(self) -> Path:
        """sweep.json."""
        return self.out / "sweep.json"

    def _chunk_number(self, path: Path) -> int:
        return int(path.stem.rsplit("-", 1)[1])

    def open(self, fingerprint: str, resume: bool, seed: int | None = None) -> set[int]:
        """Prepare the folder; return run ids already finished with status ok.

        Raises:
            ScenarioError: the folder holds results and ``resume`` is off, or it holds
                results of something else (fingerprint or base seed differ).
        """
        exists = self.meta_path.exists() or (self.out / "chunks").exists()
        if exists and not resume:
            raise FolderConflict([f"--out {self.out}: already holds a sweep; to continue it, pass "
                                 "--resume (Python: resume=True), or choose another folder"])
        if not exists:
            return set()
        old = json.loads(self.meta_path.read_text()) if self.meta_path.exists() else {}
        if old.get("fingerprint") not in (None, fingerprint):
            raise FolderConflict([f"--resume: the sweep in {self.out} was started with a different "
                                 "scenario, design, replicates or steps"])
        if None not in (seed, old.get("base_seed")) and old["base_seed"] != seed:
            raise FolderConflict([f"--resume: the sweep in {self.out} was started with base seed "
                                 f"{old['base_seed']}, not {seed}"])
        chunks = sorted((self.out / "chunks").glob("runs-*.parquet"))
        landed = {self._chunk_number(p) for p in chunks}
        for part in (self.out / "timeseries").glob("part-*.parquet"):
            if self._chunk_number(part) not in landed:
                part.unlink()  # its rows never landed: those runs will run again
        self.next_chunk = max(landed, default=0) + 1
        table = self.read_rows()
        return set(table.loc[table["status"] == "ok", "run_id"]) if len(table) else set()

    def status(self) -> str | None:
        """The status sweep.json records (None if there is none)."""
        if not self.meta_path.exists():
            return None
        return json.loads(self.meta_path.read_text()).get("status")

    def add(self, result: dict) -> None:
        """Buffer one result; flush a chunk when it is full or old enough."""
        self.rows.append(result["row"])
        if result["timeseries"] is not None:
            self.series.append(result["timeseries"])
        if (len(self.rows) >= self.chunk_runs
                or time.monotonic() - self.last_flush >= self.chunk_seconds):
            self.flush()

    def flush(self) -> None:
        """Write the buffered chunk: time series first, then rows (the commit point)."""
        if not self.rows:
            return
        n = self.next_chunk
        if self.series:
            _atomic_parquet(pd.concat(self.series, ignore_index=True),
                            self.out / "timeseries" / f"part-{n:05d}.parquet")
        _atomic_parquet(pd.DataFrame(self.rows), self.out / "chunks" / f"runs-{n:05d}.parquet")
        self.rows, self.series = [], []
        self.next_chunk += 1
        self.last_flush = time.monotonic()

    def read_rows(self) -> pd.DataFrame:
        """Every landed row; a run's latest row wins; sorted by run_id."""
        chunks = sorted((self.out / "chunks").glob("runs-*.parquet"), key=self._chunk_number)
        if not chunks:
            return pd.DataFrame()
        table = pd.concat([pd.read_parquet(p) for p in chunks], ignore_index=True)
        table = table.drop_duplicates("run_id", keep="last")
        return table.sort_values("run_id").reset_index(drop=True)

    def consolidate(self) -> pd.DataFrame:
        """Write runs.parquet from the chunks and return it."""
        table = self.read_rows()
        _atomic_parquet(table, self.out / "runs.parquet")
        return table

    def write_meta(self, meta: dict) -> None:
        """sweep.json, atomically."""
        from .outputs import write_json

        write_json(meta, self.meta_path)


def recorded_seed(out: str | Path) -> int | None:
    """The base seed the sweep in ``out`` recorded (None if there is none): a resumed
    sweep whose scenario has no seed continues with it, not with a fresh one."""
    meta = Path(out) / "sweep.json"
    return json.loads(meta.read_text()).get("base_seed") if meta.is_file() else None


def resume_seed(scenario: Scenario, seed: int | None, store: str | Path | None,
                resume: bool) -> int:
    """The base seed of a run of sweeps: given, the scenario's, the one the store being
    resumed recorded, or fresh (:func:`.seeds.base_seed`)."""
    if seed is None and scenario.seed is None and resume and store is not None:
        seed = recorded_seed(store)
    return base_seed(scenario, seed)


def read_timeseries(out: str | Path) -> pd.DataFrame:
    """All time series of a sweep folder, sorted by (run_id, step)."""
    parts = sorted((Path(out) / "timeseries").glob("part-*.parquet"))
    if not parts:
        return pd.DataFrame()
    table = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    table = table.drop_duplicates(["run_id", "step"], keep="last")
    return table.sort_values(["run_id", "step"]).reset_index(drop=True)


# ----------------------------------------------------------------- the sweep
def make_jobs(base: Scenario, points: list[dict], replicates: int, seed: int,
              steps: int | None, state: str | None = None) -> list[Job]:
    """Every (point, replicate) as a Job; run_id = point x replicates + replicate
    (``state``: every job a continuation of that saved state)."""
    seeds = replicate_seeds(seed, replicates)
    jobs = []
    for p, point in enumerate(points):
        scenario = base.replace(**point) if point else base
        flat = scenario.to_dict()
        params = {k: _lookup(flat, k) for k in point}
        for r, s in enumerate(seeds):
            jobs.append(Job(p * replicates + r, p, r, s, scenario, params, steps,
                            base.outputs.window, state))
    return jobs


def _lookup(flat: dict, dotted: str):
    node = flat
    for key in dotted.split("."):
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def run_jobs(jobs: list[Job], *, out: str | Path, fingerprint: str, meta: dict,
             workers: int = 1, scheduler: str | None = None, executor: str | None = None,
             resume: bool = False, progress: bool = False) -> pd.DataFrame:
    """The engine under sweep, compare and sensitivity: run every job without an ``ok`` row
    in the store at ``out``, then return the runs table (sorted by run_id).

    ``meta`` is what sweep.json records besides the engine's own keys (status, times,
    workers, provenance); its ``base_seed``, if any, must match a resumed store's. The
    status is ``running`` while jobs run, then ``done``, ``done_with_failures`` (runs
    with status error), ``interrupted`` (Ctrl-C) or ``failed`` (the sweep itself
    stopped on an error, recorded under ``error``).

    Raises:
        ScenarioError: ``out`` holds another sweep, or one and ``resume`` is off.
        SweepInterrupted: after Ctrl-C, with every finished run on disk.
        SweepFailed: a worker process died; finished runs are on disk.
    """
    refuse_in_starting_worker()
    try:
        check_executor(workers, scheduler, executor)
    except ValueError as exc:
        raise ScenarioError([str(exc)]) from None
    check_plugins(job.scenario for job in jobs)  # a bad plug-in is bad input, not n failed runs
    store = SweepStore(Path(out), chunk_runs=max(8, 4 * workers))
    done = store.open(fingerprint, resume, meta.get("base_seed"))
    todo = [j for j in jobs if j.run_id not in done]
    from .outputs import provenance

    meta = {"status": "running", "fingerprint": fingerprint, **meta, "workers": workers,
            "scheduler": scheduler, "executor": executor_name(executor), "started_at": _now(),
            **({"slurm": executor.to_dict()} if hasattr(executor, "to_dict") else {}),
            **provenance()}
    if store.meta_path.exists():
        old = json.loads(store.meta_path.read_text())
        meta["started_at"] = old.get("started_at", meta["started_at"])
        meta["resumed_at"] = [*old.get("resumed_at", []), _now()]
    store.write_meta(meta)
    try:
        _run_todo(todo, store, workers, scheduler, executor, progress)
        table = store.consolidate()
    except KeyboardInterrupt:
        with second_interrupt_exits():
            store.flush()
            store.write_meta({**meta, "status": "interrupted", "ended_at": _now()})
        raise SweepInterrupted("interrupted", out) from None
    except BaseException as exc:
        with suppress(Exception):  # keep what can be kept; the error to report is exc
            store.flush()
        with suppress(Exception):
            store.write_meta({**meta, "status": "failed",
                              "error": f"{type(exc).__name__}: {exc}", "ended_at": _now()})
        if isinstance(exc, WorkerLost):
            raise SweepFailed(str(exc), out) from None
        exc.add_note(f"cogov: the sweep's status is now 'failed'; {rerun_advice(out)}")
        raise
    failed = int((table["status"] != "ok").sum()) if len(table) else 0
    store.write_meta({**meta, "status": "done" if failed == 0 else "done_with_failures",
                      "failed": failed, "ended_at": _now()})
    return table


def _run_todo(jobs: list[Job], store: SweepStore, workers: int, scheduler: str | None,
              kind: str | None, progress: bool) -> None:
    """Map execute over the jobs, storing results as they arrive."""
    if not jobs:
        return
    # before the bar: forked workers; Slurm jobs' output in the store's slurm/logs/
    executor = make_executor(workers, scheduler, kind, logs=store.out / "slurm" / "logs")
    bar = progress_bar(len(jobs), progress)              # start before its monitor thread
    failed = 0
    try:
        for result in executor.map(execute, jobs):
            store.add(result)
            failed += result["row"]["status"] != "ok"
            bar.update()
            if failed:
                bar.set_postfix(failed=failed)
        store.flush()
    except BaseException:
        with second_interrupt_exits():  # stopping the workers is bounded; Ctrl-C again: now
            bar.close()
            executor.close()
        raise
    bar.close()
    executor.close()


def run_sweep(base: ScenarioLike, points: list[dict], *, replicates: int = 1, steps: int | None = None,
              seed: int | None = None, workers: int = 1, scheduler: str | None = None,
              executor: str | None = None, out: str | Path, resume: bool = False,
              progress: bool = False, design: dict | None = None,
              from_state: str | Path | None = None) -> pd.DataFrame:
    """Run every point x replicate, writing results under ``out``; return the runs table
    (``from_state``: every run a continuation of that saved state, :func:`branch_plan`).

    Raises:
        ScenarioError: a point is invalid, or ``out`` holds another sweep.
        SweepInterrupted: after Ctrl-C, with every finished run on disk.
        SweepFailed: a worker process died, with every finished run on disk.
    """
    base = as_scenario(base)
    if replicates < 1 or workers < 1:
        raise ScenarioError(["--replicates and --workers must be at least 1"])
    jobs, fingerprint, meta = sweep_plan(base, points, replicates=replicates, steps=steps,
                                         seed=seed, design=design, from_state=from_state)
    table = run_jobs(jobs, out=out, fingerprint=fingerprint, meta=meta, workers=workers,
                     scheduler=scheduler, executor=executor, resume=resume, progress=progress)
    write_summary(Path(out), table, base.outputs.window)
    return table


def sweep_plan(base: Scenario, points: list[dict], *, replicates: int = 1,
               steps: int | None = None, seed: int | None = None,
               design: dict | None = None,
               from_state: str | Path | None = None) -> tuple[list[Job], str, dict]:
    """What a sweep runs: its jobs, its fingerprint (a resumed store must match it) and
    what sweep.json records about it (design, seeds, scenario).

    Raises:
        ScenarioError: a point is invalid.
    """
    check_points(base, points)
    branch = branch_plan(from_state, [base.replace(**p) if p else base for p in points], seed,
                         [f"point {i}" + (" (" + ", ".join(f"{k}={v}" for k, v in p.items()) + ")"
                                          if p else "") for i, p in enumerate(points)])
    seed = base_seed(base, seed) if branch is None else branch["base_seed"]
    meta = {"design": design or {"points": points},
            "keys": list(dict.fromkeys(k for point in points for k in point)),
            "points": len(points), "replicates": replicates, "runs": len(points) * replicates,
            "steps": steps or base.steps, "base_seed": seed,
            "seeds": replicate_seeds(seed, replicates), "scenario": base.to_dict()}
    state = None
    fingerprint = points_hash(base, points, replicates, steps or base.steps)
    if branch is not None:
        meta["from_state"] = branch["record"]
        state = branch["path"]
        fingerprint = hashlib.sha256((fingerprint + branch["record"]["sha256"]).encode()
                                     ).hexdigest()[:16]
    return make_jobs(base, points, replicates, seed, steps, state), fingerprint, meta


def branch_plan(from_state: str | Path | None, scenarios: list[Scenario],
                seed: int | None, labels: list[str] | None = None) -> dict | None:
    """Check that every scenario can continue the saved state ``from_state`` (raises the
    ScenarioError of :func:`~.state.arm_scenario`, or of an unreadable state); its base seed
    (``seed``, else the state's) and what sweep.json / compare.json record. None: no state."""
    if from_state is None:
        return None
    from .state import StateError, arm_scenario, load_state

    try:
        model, header = load_state(from_state)
    except StateError as exc:
        raise ScenarioError([str(exc)]) from None
    errors = []
    labels = labels or [f"scenario {s.name}" for s in scenarios]
    for scenario, label in zip(scenarios, labels, strict=True):
        try:
            arm_scenario(model, scenario, label)
        except ScenarioError as exc:
            errors.extend(e for e in exc.errors if e not in errors)
    if errors:
        raise ScenarioError(errors)
    base = int(header["seed"]) if seed is None else int(seed)
    return {"path": str(Path(from_state).resolve()), "base_seed": base,
            "record": {"path": str(from_state), "step": header["step"],
                       "seed": header["seed"], "sha256": header["sha256"],
                       "saved_by": header.get("cogov")}}


def write_summary(out: Path, runs: pd.DataFrame, window: int) -> pd.DataFrame | None:
    """summary.csv: per point and metric, n, mean, sd, 95 % t-interval of the final-window
    mean over replicates, and ``stationary`` (model/engine/stationarity.py), as ``compare`` writes."""
    from .outputs import write_csv
    from .stationarity import stationary_table

    ok = runs[runs["status"] == "ok"] if len(runs) else runs
    series = read_timeseries(out)
    if not len(ok) or not len(series):
        return None
    metrics = metric_columns(series)  # the model's, then any a plug-in added
    series = series.merge(ok[["run_id", "point", "replicate"]], on="run_id")
    steady = stationary_table(series, window, metrics, by=("point",))
    params = [c for c in ok.columns if c not in ("run_id", "point", "replicate", "seed",
                                                 "scenario_hash", "wall_time", "status", "error",
                                                 *metrics)]
    rows = []
    for point, block in ok.groupby("point", sort=True):
        head = {"point": point, **{k: block[k].iloc[0] for k in params}}
        for metric in metrics:
            rows.append({**head, "metric": metric,
                         **interval(block[metric].to_numpy(dtype=float)),
                         "stationary": steady.get((point, metric), True)})
    summary = pd.DataFrame(rows)
    write_csv(summary, out / "summary.csv")
    return summary


def sweep(scenario: ScenarioLike, design: Design | None = None, *, points: list[dict] | None = None,
          replicates: int = 1, steps: int | None = None, seed: int | None = None,
          workers: int = 1, scheduler: str | None = None, executor: str | None = None,
          out: str | Path | None = None, resume: bool = False,
          progress: bool = False, from_state: str | Path | None = None) -> pd.DataFrame:
    """Python API of ``run.py sweep``: the runs table as a DataFrame.

    Args:
        scenario: the base scenario: a Scenario, a preset name or a scenario file.
        design: a :class:`~model.design.Design`; or give ``points`` directly.
        replicates, steps, seed, workers, scheduler, executor, resume: as on the command
            line. With workers > 1, call it under ``if __name__ == "__main__":`` in a
            script (worker processes import the script again).
        out: results folder; a temporary folder (deleted afterwards) if None.
        from_state: a saved state (``run --save-state``): every run continues it, branched
            (docs/experiments.md, "Branching from a saved state").

    The returned frame's ``attrs["out"]`` names the folder (None if temporary).
    """
    scenario = as_scenario(scenario)
    if points is None:
        points = (design or Design()).points(scenario)
    kwargs = {"replicates": replicates, "steps": steps, "seed": seed, "workers": workers,
              "scheduler": scheduler, "executor": executor, "resume": resume, "progress": progress,
              "design": design.to_dict() if design else None, "from_state": from_state}
    return in_folder(out, lambda folder: run_sweep(scenario, points, out=folder, **kwargs))


def in_folder(out: str | Path | None, run) -> pd.DataFrame:
    """``run(folder)`` in ``out``, or in a temporary folder (deleted afterwards) if None;
    the table's ``attrs["out"]`` names the folder (None if temporary)."""
    if out is not None:
        table = run(out)
        table.attrs["out"] = str(out)
        return table
    with tempfile.TemporaryDirectory() as tmp:
        try:
            table = run(tmp)
        except SweepStopped as exc:
            raise type(exc)(exc.reason, None) from None
    table.attrs["out"] = None
    return table

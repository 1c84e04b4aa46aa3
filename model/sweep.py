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
    >>> from cogov.model.design import Design
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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .design import Design, check_points, points_hash
from .metrics import METRICS
from .runner import base_seed, final_window, interval, progress_bar, replicate_seeds, run_scenario
from .scenario import Scenario, ScenarioError

RESULT_METRICS = [m for m in METRICS if m != "step"]


class SweepInterrupted(Exception):
    """Raised after a Ctrl-C, once finished runs are safely on disk."""


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
        result = run_scenario(job.scenario, seed=job.seed, steps=job.steps)
        row.update(final_window(result.metrics, job.window).to_dict())
        series = result.metrics.copy()
        series.insert(0, "run_id", job.run_id)
        status, error = "ok", ""
    except Exception as exc:  # a model failure is data about that parameter combination
        row.update({m: math.nan for m in RESULT_METRICS})
        series, status, error = None, "error", f"{type(exc).__name__}: {exc}"
    row.update({"wall_time": time.perf_counter() - start, "status": status, "error": error})
    return {"row": row, "timeseries": series}


# ---------------------------------------------------------------- executors
class InProcessExecutor:
    """Runs jobs one after another in this process (``--workers 1``: easy to debug)."""

    workers = 1

    def map(self, fn, jobs: Iterable[Job]) -> Iterator[dict]:
        """Results in job order."""
        for job in jobs:
            yield fn(job)

    def close(self) -> None:
        """Nothing to release."""


def run_batch(fn, jobs: list[Job]) -> list[dict]:
    """Several jobs in one task: fewer round trips to the scheduler."""
    return [fn(job) for job in jobs]


class DaskExecutor:
    """Runs jobs on dask.distributed: a LocalCluster, or an existing cluster's scheduler.

    Jobs travel in batches of up to ``batch`` runs (about 16 batches per worker,
    so the load stays balanced while the scheduler, which shares the cores on a
    LocalCluster, has little to do). At most ``2 x workers`` batches are in
    flight, so memory stays bounded however long the sweep; results stream back
    as batches finish.
    """

    batch = 4

    def __init__(self, workers: int, scheduler: str | None = None):
        import logging

        import dask
        from dask.distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            self.client = Client(scheduler)
            self.workers = max(1, len(self.client.scheduler_info()["workers"]))
        else:
            with dask.config.set(_local_cluster_config()):
                self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                            processes=True, dashboard_address=None,
                                            silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
            self.workers = workers

    def map(self, fn, jobs: Iterable[Job]) -> Iterator[dict]:
        """Results in completion order (``fn`` must be picklable, like :func:`execute`)."""
        from dask.distributed import as_completed

        jobs = list(jobs)
        size = max(1, min(self.batch, len(jobs) // (16 * self.workers)))
        batches = iter([jobs[i:i + size] for i in range(0, len(jobs), size)])

        def submit(batch):
            return self.client.submit(run_batch, fn, batch, pure=False,
                                      key=f"cogov-runs-{batch[0].run_id}-{id(self)}")

        pending = as_completed([submit(b) for b in _take(batches, 2 * self.workers)])
        for future in pending:
            yield from future.result()
            future.release()
            for batch in _take(batches, 1):
                pending.add(submit(batch))

    def close(self) -> None:
        """Shut the client (and a local cluster) down, quietly."""
        import logging

        logging.getLogger("distributed").setLevel(logging.CRITICAL)  # shutdown chatter
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _local_cluster_config() -> dict:
    """Dask settings for a LocalCluster running cogov (measured in docs/performance.md).

    Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in its workers: for a model that
    allocates and frees arrays every step this made half the CPU time kernel time
    (page faults); its statistical profiler samples the task thread every 10 ms.
    Together they cut the parallel efficiency on 2 cores from ~88 % to ~60 %.
    """
    import dask

    environ = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ").items()
               if k != "MALLOC_TRIM_THRESHOLD_"}
    return {"distributed.nanny.pre-spawn-environ": environ,
            "distributed.worker.profile.enabled": False,
            "distributed.worker.memory.target": False,  # results are small: never spill
            "distributed.worker.memory.spill": False,
            "distributed.worker.memory.monitor-interval": "5s",
            "distributed.admin.system-monitor.interval": "5s",
            "distributed.admin.tick.interval": "1s"}


def _take(iterator: Iterator, n: int) -> list:
    out = []
    for item in iterator:
        out.append(item)
        if len(out) == n:
            break
    return out


def make_executor(workers: int, scheduler: str | None = None):
    """In-process for one worker without a scheduler; Dask otherwise."""
    if scheduler is None and workers <= 1:
        return InProcessExecutor()
    return DaskExecutor(workers, scheduler)


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

    def open(self, fingerprint: str, resume: bool) -> set[int]:
        """Prepare the folder; return run ids already finished with status ok."""
        exists = self.meta_path.exists() or (self.out / "chunks").exists()
        if exists and not resume:
            raise ScenarioError([f"--out {self.out}: already holds a sweep; pass --resume to "
                                 "continue it, or choose another folder"])
        if not exists:
            return set()
        old = json.loads(self.meta_path.read_text()) if self.meta_path.exists() else {}
        if old.get("fingerprint") not in (None, fingerprint):
            raise ScenarioError([f"--resume: the sweep in {self.out} was started with a different "
                                 "scenario, design, replicates or steps"])
        chunks = sorted((self.out / "chunks").glob("runs-*.parquet"))
        landed = {self._chunk_number(p) for p in chunks}
        for part in (self.out / "timeseries").glob("part-*.parquet"):
            if self._chunk_number(part) not in landed:
                part.unlink()  # its rows never landed: those runs will run again
        self.next_chunk = max(landed, default=0) + 1
        table = self.read_rows()
        return set(table.loc[table["status"] == "ok", "run_id"]) if len(table) else set()

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
              steps: int | None) -> list[Job]:
    """Every (point, replicate) as a Job; run_id = point x replicates + replicate."""
    seeds = replicate_seeds(seed, replicates)
    jobs = []
    for p, point in enumerate(points):
        scenario = base.replace(**point) if point else base
        flat = scenario.to_dict()
        params = {k: _lookup(flat, k) for k in point}
        for r, s in enumerate(seeds):
            jobs.append(Job(p * replicates + r, p, r, s, scenario, params, steps,
                            base.outputs.window))
    return jobs


def _lookup(flat: dict, dotted: str):
    node = flat
    for key in dotted.split("."):
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def run_sweep(base: Scenario, points: list[dict], *, replicates: int = 1, steps: int | None = None,
              seed: int | None = None, workers: int = 1, scheduler: str | None = None,
              out: str | Path, resume: bool = False, progress: bool = False,
              design: dict | None = None) -> pd.DataFrame:
    """Run every point x replicate, writing results under ``out``; return the runs table.

    Raises:
        ScenarioError: a point is invalid, or ``out`` holds another sweep.
        SweepInterrupted: after Ctrl-C, with every finished run on disk.
    """
    if replicates < 1 or workers < 1:
        raise ScenarioError(["--replicates and --workers must be at least 1"])
    check_points(base, points)
    seed = base_seed(base, seed)
    fingerprint = points_hash(base, points, replicates, steps or base.steps)
    store = SweepStore(Path(out), chunk_runs=max(8, 4 * workers))
    done = store.open(fingerprint, resume)
    jobs = [j for j in make_jobs(base, points, replicates, seed, steps) if j.run_id not in done]
    from .outputs import provenance

    meta = {"status": "running", "fingerprint": fingerprint, "design": design or {"points": points},
            "keys": list(dict.fromkeys(k for point in points for k in point)),
            "points": len(points), "replicates": replicates, "runs": len(points) * replicates,
            "steps": steps or base.steps, "base_seed": seed,
            "seeds": replicate_seeds(seed, replicates), "scenario": base.to_dict(),
            "workers": workers, "scheduler": scheduler,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **provenance()}
    if store.meta_path.exists():
        old = json.loads(store.meta_path.read_text())
        meta["started_at"] = old.get("started_at", meta["started_at"])
        meta["resumed_at"] = [*old.get("resumed_at", []), time.strftime("%Y-%m-%dT%H:%M:%S%z")]
    store.write_meta(meta)
    bar = progress_bar(len(jobs), progress)
    failed = 0
    executor = make_executor(workers, scheduler) if jobs else InProcessExecutor()
    try:
        for result in executor.map(execute, jobs):
            store.add(result)
            failed += result["row"]["status"] != "ok"
            bar.update()
            if failed:
                bar.set_postfix(failed=failed)
    except KeyboardInterrupt:
        store.flush()
        store.write_meta({**meta, "status": "interrupted"})
        raise SweepInterrupted(f"interrupted; finished runs are saved in {out}/, rerun the same "
                               "command with --resume to run the rest") from None
    finally:
        bar.close()
        executor.close()
    store.flush()
    table = store.consolidate()
    write_summary(Path(out), table, base.outputs.window)
    n_failed = int((table["status"] != "ok").sum()) if len(table) else 0
    store.write_meta({**meta, "status": "done" if n_failed == 0 else "done_with_failures",
                      "failed": n_failed, "ended_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    return table


def write_summary(out: Path, runs: pd.DataFrame, window: int) -> pd.DataFrame | None:
    """summary.csv: per point and metric, n, mean, sd, 95 % t-interval of the final-window
    mean over replicates, and ``stationary`` (model/stationarity.py), as ``compare`` writes."""
    from .outputs import write_csv
    from .stationarity import stationary_table

    ok = runs[runs["status"] == "ok"] if len(runs) else runs
    series = read_timeseries(out)
    if not len(ok) or not len(series):
        return None
    series = series.merge(ok[["run_id", "point", "replicate"]], on="run_id")
    steady = stationary_table(series, window, RESULT_METRICS, by=("point",))
    params = [c for c in ok.columns if c not in ("run_id", "point", "replicate", "seed",
                                                 "scenario_hash", "wall_time", "status", "error",
                                                 *RESULT_METRICS)]
    rows = []
    for point, block in ok.groupby("point", sort=True):
        head = {"point": point, **{k: block[k].iloc[0] for k in params}}
        for metric in RESULT_METRICS:
            rows.append({**head, "metric": metric,
                         **interval(block[metric].to_numpy(dtype=float)),
                         "stationary": steady.get((point, metric), True)})
    summary = pd.DataFrame(rows)
    write_csv(summary, out / "summary.csv")
    return summary


def sweep(scenario: Scenario, design: Design | None = None, *, points: list[dict] | None = None,
          replicates: int = 1, steps: int | None = None, seed: int | None = None,
          workers: int = 1, scheduler: str | None = None, out: str | Path | None = None,
          resume: bool = False, progress: bool = False) -> pd.DataFrame:
    """Python API of ``run.py sweep``: the runs table as a DataFrame.

    Args:
        scenario: the base scenario.
        design: a :class:`~model.design.Design`; or give ``points`` directly.
        replicates, steps, seed, workers, scheduler, resume: as on the command line.
        out: results folder; a temporary folder (deleted afterwards) if None.

    The returned frame's ``attrs["out"]`` names the folder (None if temporary).
    """
    if points is None:
        points = (design or Design()).points()
    kwargs = {"replicates": replicates, "steps": steps, "seed": seed, "workers": workers,
              "scheduler": scheduler, "resume": resume, "progress": progress,
              "design": design.to_dict() if design else None}
    if out is None:
        with tempfile.TemporaryDirectory() as tmp:
            table = run_sweep(scenario, points, out=tmp, **kwargs)
        table.attrs["out"] = None
        return table
    table = run_sweep(scenario, points, out=out, **kwargs)
    table.attrs["out"] = str(out)
    return table


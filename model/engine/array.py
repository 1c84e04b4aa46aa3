"""Slurm job arrays: a sweep's runs as an ``sbatch --array`` of K tasks, no live client.

``cogov sweep ... --array K --out DIR`` calls :func:`submit_array`, which writes::

    DIR/sweep.json                 the sweep (design, seeds, scenario), status "array"
    DIR/slurm/plan.pkl             the sweep's jobs, exactly as a local sweep has them
    DIR/slurm/attempt-NN.json      submission NN: its tasks and the run ids still to run
    DIR/slurm/array.sbatch         the script of the latest submission (K tasks)
    DIR/slurm/logs/%A_%a.out       the tasks' output
    DIR/slurm/shards/aNN-tKKKKK.{rows,ts}.parquet   what task K of submission NN ran

and submits the script with ``sbatch`` (or prints the command). Task k runs runs
k, k+K, k+2K, ... of the submission's list (:func:`run_task`) and appends each run to its
shard as it finishes: while the task runs the shard is an Arrow IPC stream
(``.rows.arrows`` and ``.ts.arrows``, one record batch per run, time series first, its row
last, flushed), which can be read up to its last whole run however the task ended; when the
task ends (or Slurm sends SIGTERM at walltime or on scancel) the stream becomes one
Parquet file. A task killed at its walltime loses at most the run in progress, and a
task writes two files, not one per run.

``cogov sweep --collect DIR`` (:func:`collect`) merges the shards into the usual store
(runs.parquet, chunks/, timeseries/, summary.csv, sweep.json) and reports runs missing
or failed; ``--array K --resume`` submits only the runs without an ``ok`` row. Every run
is a :class:`~cogov.model.engine.sweep.Job` run by :func:`~cogov.model.engine.sweep.execute`,
so the collected store equals a local sweep of the same scenario, design and seed.
"""

from __future__ import annotations

import json
import os
import pickle
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd

from ..scenario.errors import FolderConflict, ScenarioError
from .outputs import atomic_path, provenance, write_json
from .sweep import Job, SweepStore, execute, write_summary

SHARD_SUFFIXES = (".rows", ".ts")


class TaskStopped(BaseException):
    """Slurm asked the task to stop (SIGTERM: walltime, scancel, preemption); a
    BaseException, like KeyboardInterrupt, so the run in progress does not catch it as
    its own failure."""


def slurm_dir(out: Path) -> Path:
    """DIR/slurm."""
    return Path(out) / "slurm"


def _now() -> str:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


# ------------------------------------------------------------------- shards
class ShardWriter:
    """One task's results: Arrow IPC streams while it runs, Parquet once it ends."""

    def __init__(self, stem: Path):
        self.stem = Path(stem)
        self.stem.parent.mkdir(parents=True, exist_ok=True)
        self.streams: dict[str, tuple] = {}  # suffix -> (file, writer, schema)

    def _write(self, suffix: str, table) -> None:
        import pyarrow as pa

        if suffix not in self.streams:
            sink = open(self.stem.with_name(self.stem.name + suffix + ".arrows"), "wb")  # noqa: SIM115
            self.streams[suffix] = (sink, pa.ipc.new_stream(sink, table.schema), table.schema)
        sink, writer, schema = self.streams[suffix]
        writer.write_table(table.cast(schema) if table.schema != schema else table)
        sink.flush()
        os.fsync(sink.fileno())

    def add(self, result: dict) -> None:
        """Append one run: its time series, then its row (the run's commit point)."""
        import pyarrow as pa

        if result["timeseries"] is not None:
            self._write(".ts", pa.Table.from_pandas(result["timeseries"], preserve_index=False))
        schema = self.streams[".rows"][2] if ".rows" in self.streams else None
        self._write(".rows", pa.Table.from_pylist([result["row"]], schema=schema))

    def close(self) -> None:
        """End the streams and turn each into one Parquet file."""
        for suffix, (sink, writer, _) in self.streams.items():
            writer.close()
            sink.close()
            stream = self.stem.with_name(self.stem.name + suffix + ".arrows")
            import pyarrow.parquet as pq

            with atomic_path(stream.with_suffix(".parquet")) as tmp:
                pq.write_table(read_stream(stream), tmp)
            stream.unlink()
        self.streams = {}


def read_stream(path: Path):
    """The whole record batches of an Arrow IPC stream, however it ended (None if none)."""
    import pyarrow as pa

    batches = []
    try:
        with pa.OSFile(str(path)) as source, pa.ipc.open_stream(source) as reader:
            for batch in reader:
                batches.append(batch)
    except (pa.ArrowInvalid, OSError, EOFError):
        pass  # a run cut off mid-write: everything before it counts
    return pa.Table.from_batches(batches) if batches else None


def _read_shard(path: Path) -> pd.DataFrame | None:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    table = read_stream(path)
    return None if table is None else table.to_pandas()


def shard_stems(out: Path) -> list[Path]:
    """Every shard's stem (aNN-tKKKKK[-rR]) in submission, task order."""
    names = {p.name.split(".")[0] for p in (slurm_dir(out) / "shards").glob("a*.rows.*")}
    return [slurm_dir(out) / "shards" / n for n in sorted(names)]


def read_shards(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every landed row (a run's latest wins) and the time series of those rows' runs."""
    rows, series = [], []
    for stem in shard_stems(out):
        found = [p for p in stem.parent.glob(stem.name + ".rows.*")]
        block = _read_shard(sorted(found)[-1]) if found else None  # .parquet after .arrows
        if block is None or not len(block):
            continue
        rows.append(block)
        ts_found = sorted(stem.parent.glob(stem.name + ".ts.*"))
        ts = _read_shard(ts_found[-1]) if ts_found else None
        if ts is not None and len(ts):
            series.append(ts[ts["run_id"].isin(block["run_id"])])  # rows are the commit point
    if not rows:
        return pd.DataFrame(), pd.DataFrame()
    table = pd.concat(rows, ignore_index=True).drop_duplicates("run_id", keep="last")
    table = table.sort_values("run_id").reset_index(drop=True)
    if not series:
        return table, pd.DataFrame()
    ts = pd.concat(series, ignore_index=True).drop_duplicates(["run_id", "step"], keep="last")
    ts = ts[ts["run_id"].isin(table.loc[table["status"] == "ok", "run_id"])]
    return table, ts.sort_values(["run_id", "step"]).reset_index(drop=True)


# --------------------------------------------------------------------- plan
def _plan(out: Path) -> dict:
    path = slurm_dir(out) / "plan.pkl"
    if not path.is_file():
        raise ScenarioError([f"{out}: holds no job-array sweep (no slurm/plan.pkl); start one "
                             "with cogov sweep SCENARIO ... --array K --out DIR"])
    with path.open("rb") as f:
        return pickle.load(f)


def attempts(out: Path) -> list[Path]:
    """The submissions' files, oldest first."""
    return sorted(slurm_dir(out).glob("attempt-*.json"))


def submit_array(jobs: list[Job], *, out: str | Path, fingerprint: str, meta: dict, tasks: int,
                 config, resume: bool = False, dry_run: bool = False,
                 python: str | None = None) -> dict:
    """Write the plan and DIR/slurm/array.sbatch for the runs without an ``ok`` row, and
    submit it (unless ``dry_run``); return the submission (its file's contents plus the
    ``command`` and, when submitted, the ``job_id``).

    Raises:
        ScenarioError: ``out`` holds another sweep, or one and ``resume`` is off; tasks < 1;
            sbatch refused the script.
    """
    out = Path(out).resolve()
    if tasks < 1:
        raise ScenarioError([f"--array: expected at least 1 task, got {tasks}"])
    plan_path = slurm_dir(out) / "plan.pkl"
    exists = plan_path.exists() or (out / "sweep.json").exists()
    if exists and not resume:
        raise FolderConflict([f"--out {out}: already holds a sweep; to run what is missing, "
                             "pass --resume, or choose another folder"])
    done: set = set()
    if plan_path.exists():
        if _plan(out)["fingerprint"] != fingerprint:
            raise FolderConflict([f"--resume: the sweep in {out} was started with a different "
                                 "scenario, design, replicates or steps"])
        _refuse_while_queued(out)
        table, _ = read_shards(out)
        done = set(table.loc[table["status"] == "ok", "run_id"]) if len(table) else set()
    elif exists:
        raise FolderConflict([f"--resume: {out} holds a sweep that was not run as a job array; "
                             "resume it the way it was started"])
    else:
        slurm_dir(out).mkdir(parents=True, exist_ok=True)
        with atomic_path(plan_path) as tmp, tmp.open("wb") as f:
            pickle.dump({"fingerprint": fingerprint, "jobs": jobs}, f)
    todo = [j.run_id for j in jobs if j.run_id not in done]
    number = len(attempts(out)) + 1
    tasks = max(1, min(tasks, len(todo)))
    script = slurm_dir(out) / "array.sbatch"
    submission = {"attempt": number, "tasks": tasks, "run_ids": todo, "written_at": _now(),
                  "slurm": config.to_dict(), "script": str(script)}
    command = ["sbatch", "--parsable", str(script)]
    submission["command"] = shlex.join(command)
    if not todo:
        submission["command"] = None
        return submission
    write_json(submission, slurm_dir(out) / f"attempt-{number:02d}.json")
    _write_script(script, out, number, tasks, config, python or sys.executable, meta)
    previous = json.loads((out / "sweep.json").read_text()) if (out / "sweep.json").exists() \
        else {"started_at": _now()}
    write_json({**meta, "status": "array", "fingerprint": fingerprint,
                "executor": "slurm-array", "slurm": config.to_dict(), "array_tasks": tasks,
                "submissions": [*previous.get("submissions", []), number],
                "started_at": previous["started_at"], **provenance()}, out / "sweep.json")
    if dry_run:
        return submission
    done_sbatch = subprocess.run(command, capture_output=True, text=True)
    if done_sbatch.returncode != 0:
        raise ScenarioError([f"sbatch refused {script}: "
                             f"{done_sbatch.stderr.strip() or done_sbatch.stdout.strip()}"])
    submission["job_id"] = done_sbatch.stdout.strip().split(";")[0]
    write_json(submission, slurm_dir(out) / f"attempt-{number:02d}.json")
    return submission


def _refuse_while_queued(out: Path) -> None:
    """A resubmission while an earlier one is still queued or running would run runs twice."""
    for path in attempts(out):
        job = json.loads(path.read_text()).get("job_id")
        if not job:
            continue
        try:
            queued = subprocess.run(["squeue", "-h", "-j", job, "-o", "%i"], capture_output=True,
                                    text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return  # no squeue here (a dry run elsewhere): nothing to check
        if queued:
            raise FolderConflict([f"--resume: Slurm job {job} of this sweep is still queued or "
                                 f"running; wait for it (squeue -j {job}) or cancel it "
                                 f"(scancel {job}) first"])


def _write_script(path: Path, out: Path, attempt: int, tasks: int, config, python: str,
                  meta: dict) -> None:
    logs = slurm_dir(out) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    name = f"cogov-{meta.get('scenario', {}).get('name', 'sweep')}"
    directives = [f"--job-name={name}", f"--array=0-{tasks - 1}",
                  f"--output={logs}/%A_%a.out", *config.sbatch_directives()]
    task = [python, "-m", "cogov", "sweep", "--task", str(out), "--attempt", str(attempt),
            "--workers", str(config.cpus)]
    lines = ["#!/bin/bash", f"# cogov job array: submission {attempt} of the sweep in {out}",
             *(f"#SBATCH {d}" for d in directives), "",
             "# the environment is the submitting shell's (sbatch --export=ALL, the default);",
             "# the task runs the runs k, k+K, ... of the submission, k = SLURM_ARRAY_TASK_ID",
             f"cd {shlex.quote(os.getcwd())}",
             f"exec {shlex.join(task)}", ""]
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines), encoding="utf-8")
    os.chmod(path, 0o755)


# --------------------------------------------------------------------- task
def run_task(out: str | Path, index: int | None = None, attempt: int | None = None,
             workers: int = 1) -> dict:
    """Run task ``index`` (default: $SLURM_ARRAY_TASK_ID) of submission ``attempt`` (default:
    the latest): the runs index, index + K, ... of its list, each appended to the task's
    shard as it finishes; return {"ran", "failed", "stopped"}.

    Raises:
        ScenarioError: no plan, no such submission or task.
    """
    from .executors import make_executor

    out = Path(out)
    if index is None:
        env = os.environ.get("SLURM_ARRAY_TASK_ID")
        if env is None:
            raise ScenarioError(["--task: give --index K (or run it as a Slurm array task)"])
        index = int(env)
    files = attempts(out)
    if not files:
        raise ScenarioError([f"--task: {out} has no submission (slurm/attempt-NN.json)"])
    number = attempt or len(files)
    path = slurm_dir(out) / f"attempt-{number:02d}.json"
    if not path.is_file():
        raise ScenarioError([f"--task: {out} has no submission {number}"])
    submission = json.loads(path.read_text())
    if not 0 <= index < submission["tasks"]:
        raise ScenarioError([f"--index: submission {number} has tasks 0..{submission['tasks'] - 1}"])
    jobs = {j.run_id: j for j in _plan(out)["jobs"]}
    mine = submission["run_ids"][index::submission["tasks"]]
    stem = slurm_dir(out) / "shards" / f"a{number:02d}-t{index:05d}"
    again = [s for s in shard_stems(out) if s.name.split("-r")[0] == stem.name]
    if again:  # the same task run again (requeued): skip what its earlier shards hold
        table, _ = read_shards(out)
        ok = set(table.loc[table["status"] == "ok", "run_id"]) if len(table) else set()
        mine = [r for r in mine if r not in ok]
        stem = stem.with_name(f"{stem.name}-r{len(again)}")
    writer = ShardWriter(stem)
    ran = failed = 0
    stopped = False

    term = []

    def stop(signum, frame):
        term.append(signum)
        raise TaskStopped()

    previous = signal.signal(signal.SIGTERM, stop)
    executor = None
    try:
        executor = make_executor(max(1, min(workers, len(mine))))
        for result in executor.map(execute, [jobs[r] for r in mine]):
            writer.add(result)
            ran += 1
            failed += result["row"]["status"] != "ok"
    except (Exception, TaskStopped) as exc:  # SIGTERM here, or a pool worker it killed
        if not (term or isinstance(exc, TaskStopped)):
            raise
        stopped = True
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # finish the files undisturbed
        if executor is not None:
            executor.close()
        writer.close()
        signal.signal(signal.SIGTERM, previous)
    return {"ran": ran, "failed": failed, "stopped": stopped, "of": len(mine)}


# ------------------------------------------------------------------ collect
def collect(out: str | Path) -> dict:
    """Merge the shards into the usual store: chunks/runs-00001.parquet,
    timeseries/part-00001.parquet, runs.parquet, summary.csv, sweep.json (status ``done``,
    ``done_with_failures`` or ``incomplete``); return {"runs", "ok", "failed", "missing"}
    (missing and failed: run ids).

    Raises:
        ScenarioError: ``out`` holds no job-array sweep.
    """
    out = Path(out)
    plan = _plan(out)
    jobs: list[Job] = plan["jobs"]
    table, series = read_shards(out)
    store = SweepStore(out)
    for folder, pattern in (("chunks", "runs-*.parquet"), ("timeseries", "part-*.parquet")):
        for old in (out / folder).glob(pattern):
            old.unlink()
    if len(series):
        with atomic_path(out / "timeseries" / "part-00001.parquet") as tmp:
            series.to_parquet(tmp, index=False)
    if len(table):
        with atomic_path(out / "chunks" / "runs-00001.parquet") as tmp:
            table.to_parquet(tmp, index=False)
        table = store.consolidate()
        write_summary(out, table, jobs[0].window)
    landed = set(table["run_id"]) if len(table) else set()
    missing = [j.run_id for j in jobs if j.run_id not in landed]
    failed = [int(r) for r in table.loc[table["status"] != "ok", "run_id"]] if len(table) else []
    status = "incomplete" if missing else ("done_with_failures" if failed else "done")
    meta = json.loads((out / "sweep.json").read_text()) if (out / "sweep.json").exists() else {}
    write_json({**meta, "status": status, "failed": len(failed), "missing": len(missing),
                "collected_at": _now(), "ended_at": _now()}, out / "sweep.json")
    return {"runs": len(jobs), "ok": len(landed) - len(failed), "failed": failed,
            "missing": missing, "table": table}

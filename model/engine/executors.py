"""Executors: map a function over jobs in this process, on a local process pool, or on Dask.

Every executor has ``workers``, ``map(fn, jobs)`` (yields ``fn(job)`` for every job,
in completion order) and ``close()`` (closing while results are still pending stops
the workers at once). :func:`make_executor` picks one:

- one worker, no scheduler: :class:`InProcessExecutor` (easy to debug);
- more workers: :class:`ProcessExecutor`, a plain pool of worker processes, which
  leaves both cores to the model (docs/performance.md measures it against Dask);
- a scheduler address, or ``kind="dask"``: :class:`DaskExecutor`, on an existing
  Dask cluster or a LocalCluster;
- ``kind="slurm"`` (or a :class:`~cogov.model.engine.slurm.SlurmConfig`): :class:`SlurmExecutor`,
  Dask workers in Slurm jobs (dask-jobqueue's SLURMCluster).

On Linux, when this process runs no other thread, the pool's workers are forked: they
start in milliseconds with everything already imported (a spawned worker spends about
a second importing cogov, which on a short sweep costs several per cent of parallel
efficiency: docs/performance.md). Elsewhere (macOS, Windows, a notebook kernel or any
process with threads, where forking is unsafe), or with ``COGOV_START_METHOD=spawn``,
they start with ``spawn`` and import the caller's script again: a script that starts
workers must then keep its calls under ``if __name__ == "__main__":``. Without that
guard each worker would start the sweep again; :func:`refuse_in_starting_worker` stops
it with a message. Keep the guard in scripts meant to run anywhere.

    >>> ex = make_executor(1)
    >>> list(ex.map(abs, [-2, 3])), type(ex).__name__
    ([2, 3], 'InProcessExecutor')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

KINDS = ("process", "dask", "slurm")
STOP_TIMEOUT = 5.0  # seconds the process pool may take to stop after Ctrl-C
START_METHODS = ("fork", "spawn")

GUARD_HINT = ("a script that starts worker processes must keep its calls under "
              "`if __name__ == \"__main__\":` (worker processes import the script again)")


class WorkerLost(RuntimeError):
    """A worker process died (killed, out of memory, or a script without a __main__ guard)."""


def refuse_in_starting_worker() -> None:
    """Stop a worker process that reached a sweep while importing the caller's script.

    With ``spawn``, a worker process first imports the parent's main script; a
    script without a ``__main__`` guard would start the whole sweep again in every
    worker. Exiting with a message (no traceback) lets the parent report it.
    """
    import multiprocessing

    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise SystemExit(f"cogov: this worker process was asked to start a sweep while it "
                         f"imported your script; {GUARD_HINT}")


def _main_is_a_script() -> bool:
    """Whether worker processes import a script of the caller's: not for cogov's own command
    line (run.py, python -m cogov, the console script), a notebook or an interactive session."""
    import sys

    main = sys.modules.get("__main__")
    if not getattr(main, "__file__", None):
        return False
    cli = sys.modules.get("cogov.model.ui.cli")
    return cli is None or getattr(main, "main", None) is not cli.main


def run_batch(fn: Callable, jobs: list) -> list:
    """Several jobs in one task: fewer round trips to the workers."""
    return [fn(job) for job in jobs]


def batches(jobs: list, workers: int, largest: int = 4) -> list[list]:
    """Jobs cut into batches of up to ``largest`` (about 16 batches per worker, so the load
    stays balanced while each task carries enough work to hide its round trip)."""
    size = max(1, min(largest, len(jobs) // (16 * workers)))
    return [jobs[i:i + size] for i in range(0, len(jobs), size)]


def _take(iterator: Iterator, n: int) -> list:
    out = []
    for item in iterator:
        out.append(item)
        if len(out) == n:
            break
    return out


class InProcessExecutor:
    """Runs jobs one after another in this process (``--workers 1``)."""

    name = "in-process"
    workers = 1

    def map(self, fn: Callable, jobs: Iterable) -> Iterator:
        """Results in job order."""
        for job in jobs:
            yield fn(job)

    def close(self) -> None:
        """Nothing to release."""


def _ignore_sigint() -> None:
    # Ctrl-C in a terminal reaches every process of the group; the parent alone
    # handles it (it saves finished runs, then stops the workers), so workers print
    # no KeyboardInterrupt tracebacks.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _workers_ignore_sigint():
    """Start worker processes with Ctrl-C ignored from their first instruction.

    An ignored signal stays ignored across exec, and Python then installs no
    KeyboardInterrupt handler. This process ignores Ctrl-C only while it starts
    workers, and blocks it too: on Linux a blocked signal is kept pending even while
    ignored, so a Ctrl-C in that moment is delivered here when the block ends (it used to
    be lost, and the sweep ran on to its end); the children inherit the block and the
    ignoring but not the pending signal. Signal handlers can only be set from the main
    thread, so elsewhere this does nothing.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    block = getattr(signal, "pthread_sigmask", None)  # not on Windows
    mask = block(signal.SIG_BLOCK, {signal.SIGINT}) if block else None
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if block:
            block(signal.SIG_SETMASK, mask)  # a pending Ctrl-C arrives now


def start_method() -> str:
    """How the process pool starts workers: ``fork`` on Linux when no other thread runs in
    this process (forking a process with threads can deadlock the child), else ``spawn``;
    the environment variable ``COGOV_START_METHOD`` (fork or spawn) overrides it."""
    import multiprocessing
    import os
    import sys
    import threading

    asked = os.environ.get("COGOV_START_METHOD", "").strip().lower()
    if asked:
        if asked not in START_METHODS:
            raise ValueError(f"COGOV_START_METHOD={asked!r}: expected fork or spawn")
        return asked
    forkable = sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()
    return "fork" if forkable and threading.active_count() == 1 else "spawn"


class ProcessExecutor:
    """A local pool of ``workers`` processes (concurrent.futures; fork or spawn:
    :func:`start_method`).

    At most 2 x workers batches are in flight, so memory stays bounded however long
    the sweep, and results stream back as batches finish.
    """

    name = "process"

    def __init__(self, workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.workers = workers
        self.start_method = start_method()
        self.pool = ProcessPoolExecutor(workers,
                                        mp_context=multiprocessing.get_context(self.start_method),
                                        initializer=_ignore_sigint)
        self.pending: set = set()
        self.stuck = False  # a thread of the pool outlived close()'s timeout
        if self.start_method == "fork":  # fork every worker now, before a thread starts here
            try:
                with _workers_ignore_sigint():  # (a progress bar's monitor, the pool's manager)
                    self.pending = {self.pool.submit(int)}
                next(iter(self.pending)).result()
                self.pending = set()
            except BaseException:  # Ctrl-C while the workers start: stop them, then go on
                self.close()
                raise

    def map(self, fn: Callable, jobs: Iterable) -> Iterator:
        """Results in completion order (``fn`` must be picklable: a module-level function)."""
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        todo = iter(batches(list(jobs), self.workers))
        with _workers_ignore_sigint():  # the first submissions start the processes
            self.pending = {self.pool.submit(run_batch, fn, b)
                            for b in _take(todo, 2 * self.workers)}
        while self.pending:
            done, self.pending = wait(self.pending, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    results = future.result()
                except BrokenProcessPool as exc:
                    guard = f", or {GUARD_HINT}" if _main_is_a_script() else ""
                    raise WorkerLost(f"a worker process stopped unexpectedly ({exc}): it was "
                                     f"killed or ran out of memory{guard}") from None
                self.pending |= {self.pool.submit(run_batch, fn, b) for b in _take(todo, 1)}
                yield from results

    def close(self, timeout: float = STOP_TIMEOUT) -> None:
        """Shut the pool down; if work is still pending (Ctrl-C, an error), stop the workers
        now, within about ``timeout`` seconds however they were stopped.

        A worker terminated while it sends a result leaves half a message in the result
        pipe; the pool's manager thread then waits for the rest forever, and so did
        ``shutdown(wait=True)`` (issue 26: a sweep hung after Ctrl-C). So with work pending
        the workers are terminated, then killed if they do not end, the parent's end of the
        result pipe is closed (the manager thread reads end-of-file and stops), and nothing
        is waited for without a timeout. ``self.stuck`` tells whether a thread of the pool
        outlived the timeout (the command line then exits without waiting for it).
        """
        self.stuck = False
        if not any(not f.done() for f in self.pending):
            self.pending = set()
            self.pool.shutdown(wait=True, cancel_futures=True)
            return
        import time

        deadline = time.monotonic() + timeout
        # not cancelled here: the manager thread fails them (a cancelled future it tried to
        # fail raised InvalidStateError in that thread)
        self.pending = set()
        processes = list((getattr(self.pool, "_processes", None) or {}).values())
        _stop(processes, deadline)
        call_queue = getattr(self.pool, "_call_queue", None)
        if call_queue is not None:  # its feeder thread may block on a pipe no worker reads
            call_queue.cancel_join_thread()
        result_queue = getattr(self.pool, "_result_queue", None)
        writer = getattr(result_queue, "_writer", None)
        if writer is not None and not _alive(processes):
            writer.close()  # half a message now ends in EOF: the manager thread stops
        manager = getattr(self.pool, "_executor_manager_thread", None)
        if manager is not None:
            manager.join(max(0.1, deadline - time.monotonic()))
            self.stuck = manager.is_alive()
        if not self.stuck:
            self.pool.shutdown(wait=False, cancel_futures=True)


def _stop(processes: list, deadline: float) -> None:
    """Terminate worker processes, then kill those still alive; wait only until
    ``deadline`` (a ``time.monotonic()`` value), half of what is left for each stage.
    A process counts as ended when its sentinel is ready (whichever thread reaps it)."""
    import time

    for p in _alive(processes):
        p.terminate()
    _wait(processes, time.monotonic() + (deadline - time.monotonic()) / 2)
    for p in _alive(processes):
        p.kill()
    _wait(processes, deadline)


def _alive(processes: list) -> list:
    from multiprocessing.connection import wait

    ended = set(wait([p.sentinel for p in processes], timeout=0)) if processes else set()
    return [p for p in processes if p.sentinel not in ended]


def _wait(processes: list, deadline: float) -> None:
    import time
    from multiprocessing.connection import wait

    while (left := _alive(processes)) and time.monotonic() < deadline:
        wait([p.sentinel for p in left], timeout=max(0.0, deadline - time.monotonic()))


@contextmanager
def second_interrupt_exits(message: str = "interrupted again: stopped at once"):
    """While the block runs (saving what finished, stopping workers after a Ctrl-C), a
    second Ctrl-C ends the process at once with exit code 130, without waiting for anything.
    Only in the main thread (elsewhere signal handlers cannot be set; it then does nothing)."""
    import os
    import signal
    import sys
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def now(signum, frame):
        try:
            print(message, file=sys.stderr, flush=True)
        finally:
            os._exit(130)

    previous = signal.signal(signal.SIGINT, now)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class DaskExecutor:
    """Runs jobs on dask.distributed: a LocalCluster, or an existing cluster's scheduler.

    Batches as :class:`ProcessExecutor`. On a cluster, a worker that dies loses
    nothing: the scheduler runs its tasks again elsewhere (results depend only on
    the job, so they are the same).
    """

    name = "dask"

    def __init__(self, workers: int, scheduler: str | None = None):
        import logging
        import warnings

        import dask
        from dask.distributed import Client, LocalCluster

        self.cluster = None
        with warnings.catch_warnings():
            # "Port 8787 is already in use": Dask's notice about its web server, not
            # something a cogov user asked for or can act on
            warnings.filterwarnings("ignore", message=r"Port \d+ is already in use")
            if scheduler:
                self.client = Client(scheduler)
                self.workers = max(1, len(self.client.scheduler_info()["workers"]))
                return
            with dask.config.set(_local_cluster_config()), _workers_ignore_sigint():
                self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                            processes=True, dashboard_address=None,
                                            scheduler_kwargs={"dashboard_address": ":0"},
                                            # CRITICAL: after Ctrl-C the workers log their
                                            # lost heartbeat to the closed scheduler as an
                                            # ERROR with a traceback; failures of runs reach
                                            # the user as rows with status error instead
                                            silence_logs=logging.CRITICAL)
            self.client = Client(self.cluster)
            self.workers = workers

    def map(self, fn: Callable, jobs: Iterable) -> Iterator:
        """Results in completion order (``fn`` must be picklable)."""
        from dask.distributed import as_completed

        todo = iter(batches(list(jobs), self.workers))

        def submit(batch):
            return self.client.submit(run_batch, fn, batch, pure=False)  # a fresh random key

        pending = as_completed([submit(b) for b in _take(todo, 2 * self.workers)])
        for future in pending:
            results = future.result()
            future.release()
            for batch in _take(todo, 1):
                pending.add(submit(batch))
            yield from results

    def close(self) -> None:
        """Shut the client (and a local cluster) down, quietly."""
        import logging

        logging.getLogger("distributed").setLevel(logging.CRITICAL)  # shutdown chatter
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


class SlurmExecutor(DaskExecutor):
    """Dask workers in Slurm jobs: dask-jobqueue's SLURMCluster, ``jobs`` jobs of
    ``config.cpus`` single-threaded worker processes each, this process the scheduler.

    The jobs' script is checked with ``sbatch --test-only`` first, so a bad partition,
    walltime or option stops with Slurm's message instead of waiting for workers that
    never come. Workers run this Python (``sys.executable``) and inherit this environment
    (sbatch's default ``--export=ALL``): the cluster's nodes must see the same installation.
    The jobs' output (``cogov-dask-JOBID.out`` and ``.err``) goes to ``logs`` (the sweep's
    ``slurm/logs/``), not to the working directory.
    """

    name = "slurm"

    def __init__(self, jobs: int, config, logs: str | Path | None = None):
        import logging
        import subprocess
        import sys
        import tempfile

        from dask.distributed import Client

        try:
            from dask_jobqueue import SLURMCluster
        except ImportError:
            raise ValueError("--executor slurm needs dask-jobqueue: pip install 'cogov[slurm]'") \
                from None
        skip = [] if config.mem else ["--mem"]
        # the #SBATCH lines dask-jobqueue writes itself: -p, -t, --mem, --cpus-per-task
        extra = [o for o in config.sbatch_directives()
                 if not o.startswith(("--partition=", "--time=", "--mem=", "--cpus-per-task="))]
        self.cluster = SLURMCluster(
            cores=config.cpus, processes=config.cpus, memory=config.dask_memory(),
            queue=config.partition, walltime=config.time, job_extra_directives=extra,
            job_directives_skip=skip, python=sys.executable, job_name="cogov-dask",
            scheduler_options={"dashboard_address": None}, silence_logs=logging.CRITICAL,
            log_directory=None if logs is None else str(Path(logs).resolve()))
        with tempfile.NamedTemporaryFile("w", suffix=".sh") as script:
            script.write(self.cluster.job_script())
            script.flush()
            test = subprocess.run(["sbatch", "--test-only", script.name], capture_output=True,
                                  text=True)
        if test.returncode != 0:
            self.cluster.close()
            raise ValueError(f"--executor slurm: sbatch refused the workers' job: "
                             f"{test.stderr.strip() or test.stdout.strip()}")
        self.cluster.scale(jobs=jobs)
        self.client = Client(self.cluster)
        self.workers = jobs * config.cpus  # closing the cluster cancels the jobs


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


def check_executor(workers: int, scheduler: str | None, kind: str | None) -> None:
    """Raise ValueError for an unknown kind, a process pool with a scheduler, workers < 1,
    or an unknown ``COGOV_START_METHOD``."""
    if _is_slurm(kind):
        if scheduler:
            raise ValueError("--executor slurm starts its own scheduler; --scheduler needs dask")
    elif kind not in (None, *KINDS):
        raise ValueError(f"--executor: expected one of {', '.join(KINDS)}, got {kind!r}")
    if kind == "process" and scheduler:
        raise ValueError("--executor process runs on this machine; --scheduler needs dask")
    if workers < 1:
        raise ValueError("--workers must be at least 1")
    start_method()  # a bad COGOV_START_METHOD is reported before anything runs


def _is_slurm(kind) -> bool:
    return kind == "slurm" or hasattr(kind, "sbatch_directives")


def executor_name(kind) -> str | None:
    """What sweep.json records as the executor: its kind (a Slurm configuration is "slurm")."""
    return "slurm" if _is_slurm(kind) else kind


def make_executor(workers: int, scheduler: str | None = None, kind: str | None = None,
                  logs: str | Path | None = None):
    """The executor for ``workers`` local workers, or a Dask cluster's ``scheduler``.

    ``kind``: None picks in-process (1 worker), a process pool (more) or Dask (with
    a scheduler); ``"process"`` or ``"dask"`` asks for one (even with 1 worker);
    ``"slurm"`` (settings from pyproject.toml and the environment) or a
    :class:`~cogov.model.engine.slurm.SlurmConfig` runs ``workers`` Slurm jobs, whose
    output goes to the folder ``logs`` (made if missing; None: sbatch's default, the
    working directory).

    Raises:
        ValueError: as :func:`check_executor`.
    """
    check_executor(workers, scheduler, kind)
    if _is_slurm(kind):
        from .slurm import slurm_config

        return SlurmExecutor(workers, slurm_config() if kind == "slurm" else kind, logs)
    if scheduler or kind == "dask":
        return DaskExecutor(workers, scheduler)
    if kind == "process" or workers > 1:
        return ProcessExecutor(workers)
    return InProcessExecutor()


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, **values) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(total: int, show: bool):
    """A tqdm bar (runs done / total, ETA) on a terminal when asked for; silent otherwise."""
    import sys

    if not show or not sys.stderr.isatty():
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="run", file=sys.stderr, smoothing=0.1)

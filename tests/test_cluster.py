"""A real Dask cluster: a scheduler and two workers as separate processes, a sweep through
the command line with --scheduler, one worker killed mid-sweep.

The cluster's processes are the `dask scheduler` and `dask worker` commands of the test
environment, started on 127.0.0.1 from a temporary folder that is not the checkout. They
import cogov as that environment has it installed (the choice documented in
docs/experiments.md: every machine of a cluster installs the project, at the same
commit). `pip install -e .` (as `make test` does) installs this checkout, so workers
and client run the same code; if the environment's cogov is another checkout (a git
worktree sharing one virtual environment), the test puts this checkout first on the
processes' PYTHONPATH, as pytest does for itself, so both sides still run the code
under test.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from cogov.model.engine.sweep import read_timeseries
from cogov.model.ui.cli import main
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

DASK = Path(sys.executable).parent / "dask"
SWEEP = ["sweep", "adaptive", "--grid", "mechanisms.incentives.r=3,4,5,6",
         "--range", "budget.per_capita=0.6:1.0:3", "--replicates", "3", "--steps", "25",
         "--set", "population.citizens=300", "--set", "population.districts=3",
         "--set", "organizations.ngos=9", "--set", "warmup=10"]  # 36 runs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cluster_env(cwd: Path) -> dict:
    """The environment for every process of the cluster (see the module docstring)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([sys.executable, "-c", "import cogov; print(cogov.__file__)"],
                           cwd=cwd, env=env, capture_output=True, text=True).stdout.strip()
    if not where or Path(where).resolve().parent.parent != ROOT:
        env["PYTHONPATH"] = str(ROOT)
    return env


def start(cmd: list, cwd: Path, env: dict, log: Path) -> subprocess.Popen:
    """A process in its own session (so teardown can stop it and anything it started)."""
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


@pytest.fixture
def cluster(tmp_path):
    """A scheduler and two single-threaded workers (no nanny: a killed worker stays dead)."""
    from dask.distributed import Client

    home = tmp_path / "cluster"
    home.mkdir()
    env = cluster_env(home)
    address = f"tcp://127.0.0.1:{free_port()}"
    procs = []
    try:
        procs.append(start([str(DASK), "scheduler", "--host", "127.0.0.1",
                            "--port", address.rsplit(":", 1)[1], "--no-dashboard"],
                           home, env, home / "scheduler.log"))
        for name in ("w0", "w1"):
            procs.append(start([str(DASK), "worker", address, "--name", name, "--nthreads", "1",
                                "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
                                "--local-directory", str(home / name)],
                               home, env, home / f"{name}.log"))
        client = Client(address, timeout=30)
        try:
            client.wait_for_workers(2, timeout=60)
        finally:
            client.close()
        yield {"address": address, "home": home, "env": env, "workers": procs[1:]}
    finally:
        for proc in reversed(procs):
            stop(proc)


def test_sweep_survives_a_killed_worker_and_matches_a_local_run(cluster, tmp_path):
    home, out = cluster["home"], tmp_path / "remote"
    sweep = start([sys.executable, "-m", "cogov", *SWEEP, "--scheduler", cluster["address"],
                   "--out", str(out)], home, cluster["env"], tmp_path / "sweep.log")
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list((out / "chunks").glob("runs-*.parquet")):
            assert sweep.poll() is None, (tmp_path / "sweep.log").read_text()
            time.sleep(0.02)
        victim = cluster["workers"][0]
        assert not (out / "runs.parquet").exists() and sweep.poll() is None  # mid-sweep
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
        assert sweep.wait(timeout=120) == 0, (tmp_path / "sweep.log").read_text()
    finally:
        stop(sweep)
    log = (tmp_path / "sweep.log").read_text()
    assert "Traceback" not in log and "already in use" not in log
    assert main([*SWEEP, "--workers", "1", "--out", str(tmp_path / "local")]) == 0
    remote = pd.read_parquet(out / "runs.parquet").drop(columns="wall_time")
    local = pd.read_parquet(tmp_path / "local/runs.parquet").drop(columns="wall_time")
    assert len(remote) == 36 and remote["run_id"].is_unique
    pd.testing.assert_frame_equal(remote, local)
    pd.testing.assert_frame_equal(read_timeseries(out), read_timeseries(tmp_path / "local"))
    meta = json.loads((out / "sweep.json").read_text())
    assert meta["status"] == "done" and meta["scheduler"] == cluster["address"]

"""A real Slurm: munge, slurmctld and slurmd on loopback from Debian's packages (slurm-wlm,
munge), configured by a slurm.conf this test writes in a temporary folder.

A small sweep runs as a job array (``--array``), one task is cancelled (scancel) while it
runs, ``--array --resume`` runs what is missing, and ``--collect`` must give the store a
local run gives (same rows, same numbers, no run lost or repeated). The same sweep then
runs through ``--executor slurm`` (Dask workers in Slurm jobs) when dask-jobqueue is
installed. Every daemon the test starts is stopped, whatever happens. Where Slurm cannot
start (packages missing, not root, a daemon that does not come up), the test skips and
says why; `.ci/run` installs the packages.
"""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from cogov.model.engine.array import ShardWriter, read_shards
from cogov.model.engine.sweep import execute, make_jobs, read_timeseries
from cogov.model.scenario import load_scenario
from cogov.model.ui.cli import main
from tests.test_cluster import cluster_env, free_port, start, stop

SWEEP = ["sweep", "adaptive", "--grid", "mechanisms.incentives.r=3,4,5", "--replicates", "4",
         "--steps", "5", "--set", "population.citizens=200", "--seed", "7"]  # 12 tiny runs
DAEMONS = ("munged", "munge", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "sinfo")


def _tail(path: Path, n: int = 15) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-n:]) if path.exists() else ""


def _memory_mb() -> int:
    with open("/proc/meminfo") as f:
        total_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    return max(512, total_kb // 1024 - 1024)


def slurm_conf(home: Path, socket: Path) -> str:
    return "\n".join([
        "ClusterName=cogovtest", "SlurmctldHost=localhost",
        f"SlurmctldPort={free_port()}", f"SlurmdPort={free_port()}",
        "SlurmUser=root", "SlurmdUser=root", "AuthType=auth/munge", "CredType=cred/munge",
        f"AuthInfo=socket={socket}", f"StateSaveLocation={home}/state",
        f"SlurmdSpoolDir={home}/spool", f"SlurmctldPidFile={home}/slurmctld.pid",
        f"SlurmdPidFile={home}/slurmd.pid", f"SlurmctldLogFile={home}/log/slurmctld.log",
        f"SlurmdLogFile={home}/log/slurmd.log", "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none", "SelectType=select/cons_tres", "SelectTypeParameters=CR_Core",
        "JobAcctGatherType=jobacct_gather/none", "AccountingStorageType=accounting_storage/none",
        "MpiDefault=none", "ReturnToService=2", "SchedulerType=sched/builtin", "KillWait=5",
        f"NodeName=localhost CPUs=2 RealMemory={_memory_mb()} State=UNKNOWN",
        "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP", ""])


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    """A single-node Slurm; yields the environment that reaches it (SLURM_CONF)."""
    missing = [d for d in DAEMONS if shutil.which(d) is None
               and not Path("/usr/sbin", d).exists()]
    if missing:
        pytest.skip(f"Slurm not installed (missing {', '.join(missing)}; "
                    "apt-get install slurm-wlm munge)")
    if os.geteuid() != 0:
        pytest.skip("a test Slurm runs its daemons as root (SlurmUser=root); not root here")
    home = tmp_path_factory.mktemp("slurm")
    for sub in ("state", "spool", "log", "munge"):
        (home / sub).mkdir()
    (home / "munge").chmod(0o755)
    key = home / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o600)
    socket = home / "munge" / "munge.sock"
    (home / "slurm.conf").write_text(slurm_conf(home, socket))
    env = {**cluster_env(home), "SLURM_CONF": str(home / "slurm.conf")}
    sbin = lambda name: shutil.which(name) or f"/usr/sbin/{name}"  # noqa: E731
    procs = []
    try:
        procs.append(start([sbin("munged"), "--force", "-F", "-S", str(socket),
                            f"--key-file={key}", f"--log-file={home}/log/munged.log",
                            f"--pid-file={home}/munge/munged.pid",
                            f"--seed-file={home}/munge/seed"], home, env, home / "log/munged.out"))
        deadline = time.monotonic() + 15
        while not socket.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        if not socket.exists():
            pytest.skip(f"munged did not start: {_tail(home / 'log/munged.out')}")
        procs.append(start([sbin("slurmctld"), "-D", "-i"], home, env, home / "log/ctld.out"))
        procs.append(start([sbin("slurmd"), "-D", "-N", "localhost"], home, env,
                           home / "log/slurmd.out"))
        deadline, state = time.monotonic() + 30, ""
        while time.monotonic() < deadline:
            state = subprocess.run(["sinfo", "-h", "-o", "%T"], env=env, capture_output=True,
                                   text=True).stdout.strip()
            if state in ("idle", "mixed", "allocated"):
                break
            time.sleep(0.3)
        else:
            pytest.skip(f"Slurm did not come up (node state {state!r}):\n"
                        f"{_tail(home / 'log/slurmctld.log')}\n{_tail(home / 'log/slurmd.log')}")
        yield env
    finally:
        if len(procs) == 3:
            subprocess.run(["scancel", "--user", "root"], env=env, capture_output=True)
            _wait_for_queue(env, None, 30, check=False)
        for proc in reversed(procs):
            stop(proc)


def _wait_for_queue(env: dict, job: str | None, seconds: float, check: bool = True) -> None:
    deadline = time.monotonic() + seconds
    args = ["squeue", "-h", "-o", "%i %T"] + (["-j", job] if job else [])
    while time.monotonic() < deadline:
        queued = subprocess.run(args, env=env, capture_output=True, text=True).stdout.strip()
        if not queued:
            return
        time.sleep(0.2)
    if check:
        pytest.fail(f"Slurm job {job} still queued after {seconds} s: {queued}")


@pytest.fixture
def on_slurm(slurm, tmp_path, monkeypatch):
    """This process talks to the test Slurm; jobs inherit its environment (sbatch
    --export=ALL) and run in tmp_path."""
    for name, value in slurm.items():
        monkeypatch.setenv(name, value)
    if "PYTHONPATH" not in slurm:
        monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """The same sweep, run here in one process."""
    out = tmp_path_factory.mktemp("local") / "sweep"
    assert main([*SWEEP, "--workers", "1", "--out", str(out)]) == 0
    return out


def assert_same_store(out: Path, local: Path) -> None:
    remote = pd.read_parquet(out / "runs.parquet")
    assert remote["run_id"].is_unique and len(remote) == 12
    pd.testing.assert_frame_equal(remote.drop(columns="wall_time"),
                                  pd.read_parquet(local / "runs.parquet").drop(columns="wall_time"))
    pd.testing.assert_frame_equal(read_timeseries(out), read_timeseries(local))
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"),
                                  pd.read_csv(local / "summary.csv"))


def _job(submission: Path) -> str:
    return json.loads(submission.read_text())["job_id"]


@pytest.mark.slow
def test_job_array_cancelled_task_resumes_and_collects_to_the_local_store(on_slurm, local, slurm,
                                                                           capsys):
    out = on_slurm / "array"
    assert main([*SWEEP, "--array", "2", "--out", str(out)]) == 0
    job = _job(out / "slurm/attempt-01.json")
    # task 0 is cancelled once its first run has landed (SIGTERM: it keeps its finished runs)
    stream = out / "slurm/shards/a01-t00000.rows.arrows"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        rows, _ = read_shards(out)
        if stream.exists() and len(rows) and (rows["run_id"] % 2 == 0).any():
            break
        time.sleep(0.02)
    else:
        pytest.fail("task 0 never stored a run")
    subprocess.run(["scancel", f"{job}_0"], env=slurm, check=True)
    _wait_for_queue(slurm, job, 90)
    rows, _ = read_shards(out)
    assert (rows["status"] == "ok").all()  # the run cut short left no row
    kept = set(rows["run_id"])
    assert not (out / "slurm/shards/a01-t00000.rows.arrows").exists()  # SIGTERM closed it
    assert 1 <= len({r for r in kept if r % 2 == 0}) < 6, "task 0 was not stopped mid-way"
    assert {r for r in kept if r % 2 == 1} == {1, 3, 5, 7, 9, 11}  # task 1 ran all its runs
    capsys.readouterr()
    assert main(["sweep", "--collect", str(out)]) == 1  # missing runs are reported
    assert "runs missing" in capsys.readouterr().err
    assert json.loads((out / "sweep.json").read_text())["status"] == "incomplete"

    assert main([*SWEEP, "--array", "2", "--out", str(out), "--resume"]) == 0
    second = json.loads((out / "slurm/attempt-02.json").read_text())
    assert sorted(second["run_ids"]) == sorted(set(range(12)) - kept)  # only what is missing
    _wait_for_queue(slurm, second["job_id"], 90)
    assert main(["sweep", "--collect", str(out)]) == 0
    assert_same_store(out, local)
    meta = json.loads((out / "sweep.json").read_text())
    assert meta["status"] == "done" and meta["submissions"] == [1, 2]
    assert len(list((out / "slurm/shards").iterdir())) <= 8  # a few files, not one per run


@pytest.mark.slow
def test_executor_slurm_matches_a_local_run(on_slurm, local):
    pytest.importorskip("dask_jobqueue", reason="--executor slurm needs dask-jobqueue")
    out = on_slurm / "dask"
    assert main([*SWEEP, "--executor", "slurm", "--workers", "1", "--slurm-cpus", "2",
                 "--slurm-time", "10", "--out", str(out)]) == 0
    assert_same_store(out, local)
    meta = json.loads((out / "sweep.json").read_text())
    assert meta["executor"] == "slurm" and meta["slurm"]["cpus"] == 2
    assert list((out / "slurm/logs").glob("cogov-dask-*.out"))  # not slurm-N.out in the cwd


def test_executor_slurm_writes_the_jobs_output_under_the_sweep(tmp_path, monkeypatch):
    """The Dask workers' Slurm jobs log to <out>/slurm/logs/, not to the working directory
    (issue 24): the job script dask-jobqueue writes says so (checked with sbatch faked)."""
    pytest.importorskip("dask_jobqueue", reason="--executor slurm needs dask-jobqueue")
    from cogov.model.engine.slurm import SlurmConfig
    from cogov.model.engine.sweep import run_sweep

    scripts = []

    def fake_sbatch(cmd, **kwargs):
        scripts.append(Path(cmd[-1]).read_text())
        return subprocess.CompletedProcess(cmd, 1, "", "refused by the test")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(subprocess, "run", fake_sbatch)
    out = tmp_path / "s"
    with pytest.raises(ValueError, match="refused by the test"):
        run_sweep(load_scenario("adaptive"), [{}], executor=SlurmConfig(cpus=1), out=out)
    logs = out / "slurm" / "logs"
    assert logs.is_dir() and len(scripts) == 1
    assert f"#SBATCH -o {logs}/cogov-dask-%J.out" in scripts[0]
    assert f"#SBATCH -e {logs}/cogov-dask-%J.err" in scripts[0]


def test_bad_slurm_values_exit_2_naming_the_flag(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.cogov.slurm]\ncpus = 'many'\n")
    assert main([*SWEEP, "--executor", "slurm", "--out", "x"]) == 2
    assert "[tool.cogov.slurm] cpus" in capsys.readouterr().err
    assert main([*SWEEP, "--executor", "slurm", "--slurm-cpus", "2", "--slurm-time", "soon",
                 "--out", "x"]) == 2
    assert "--slurm-time" in capsys.readouterr().err
    monkeypatch.setenv("COGOV_SLURM_MEM", "a lot")
    assert main([*SWEEP, "--array", "2", "--slurm-cpus", "1", "--dry-run", "--out", "x"]) == 2
    assert "COGOV_SLURM_MEM" in capsys.readouterr().err
    assert not Path("x").exists()


def test_dry_run_writes_the_script_and_prints_sbatch(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.cogov.slurm]\npartition = 'short'\n"
                                             "time = '1:00:00'\noptions = ['--account=abc']\n")
    monkeypatch.setenv("COGOV_SLURM_TIME", "2:00:00")
    assert main([*SWEEP, "--array", "5", "--slurm-mem", "2G", "--dry-run", "--out", "arr"]) == 0
    assert "sbatch --parsable" in capsys.readouterr().out
    script = (tmp_path / "arr/slurm/array.sbatch").read_text()
    for line in ("--array=0-4", "--partition=short", "--time=2:00:00", "--mem=2G",
                 "--account=abc", "sweep --task"):
        assert line in script


def test_a_task_killed_hard_loses_only_the_run_in_progress(tmp_path):
    base = load_scenario("adaptive", ["population.citizens=200"], steps=5)
    jobs = make_jobs(base, [{}], 3, 7, None)
    writer = ShardWriter(tmp_path / "slurm/shards/a01-t00000")
    for job in jobs:
        writer.add(execute(job))
    stream = tmp_path / "slurm/shards/a01-t00000.rows.arrows"
    data = stream.read_bytes()
    stream.write_bytes(data[:-40])  # SIGKILL mid-write of the third row
    rows, series = read_shards(tmp_path)
    assert list(rows["run_id"]) == [0, 1] and set(series["run_id"]) == {0, 1}

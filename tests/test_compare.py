"""compare on the sweep engine: the store under --out, --resume, status, quiet Ctrl-C,
scripts without a __main__ guard, and the same flags and defaults as sweep."""

import json
import os
import shlex
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from cogov.model import Scenario
from cogov.model.engine.compare import RunsFailed, compare
from cogov.model.engine.sweep import SweepFailed, SweepInterrupted, SweepStore, run_sweep
from cogov.model.scenario.errors import ScenarioError
from cogov.model.ui.cli import build_parser, main
from tests.conftest import ROOT

QUICK = ["--set", "population.citizens=200", "--set", "population.districts=2",
         "--set", "organizations.ngos=6", "--set", "warmup=5", "--steps", "25"]
COMPARE = ["compare", "scenarios/top_down.yaml", "scenarios/adaptive.yaml", *QUICK]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}  # subprocesses import this checkout's cogov


def tiny(name: str, seed: int | None = 42) -> Scenario:
    return Scenario().replace(**{"name": name, "seed": seed, "population.citizens": 200,
                                 "population.districts": 2, "organizations.ngos": 6,
                                 "warmup": 5, "steps": 8})


def files(folder) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in ("timeseries.csv", "summary.csv")}


def store_rows(store) -> pd.DataFrame:
    """Every row ever written to the store's chunks (a repeated run would show twice)."""
    return pd.concat([pd.read_parquet(p) for p in sorted((store / "chunks").glob("*.parquet"))])


# ------------------------------------------------------------------ the store
def test_compare_writes_the_sweep_store_underneath(tmp_path):
    assert main([*COMPARE, "--replicates", "2", "--workers", "1", "--out", str(tmp_path)]) == 0
    runs = pd.read_parquet(tmp_path / "sweep/runs.parquet")
    assert list(runs["scenario"]) == ["top_down"] * 2 + ["adaptive"] * 2
    assert (runs["status"] == "ok").all() and list(runs["run_id"]) == [0, 1, 2, 3]
    meta = json.loads((tmp_path / "sweep/sweep.json").read_text())
    assert meta["status"] == "done" and meta["design"] == {"scenarios": ["top_down", "adaptive"]}
    assert meta["seeds"] == json.loads((tmp_path / "compare.json").read_text())["seeds"]
    ts = pd.read_csv(tmp_path / "timeseries.csv")
    assert list(ts.columns[:4]) == ["scenario", "replicate", "seed", "step"]


def test_a_finished_compare_is_replaced_an_unfinished_one_refused(tmp_path):
    args = [*COMPARE, "--replicates", "2", "--workers", "1", "--out", str(tmp_path)]
    assert main(args) == 0
    assert main(args[:-4] + ["--seed", "7", *args[-4:]]) == 0  # rerun: replaced
    assert json.loads((tmp_path / "sweep/sweep.json").read_text())["base_seed"] == 7
    meta = tmp_path / "sweep/sweep.json"
    meta.write_text(meta.read_text().replace('"status": "done"', '"status": "interrupted"'))
    res = subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=ROOT, env=ENV,
                         capture_output=True, text=True)
    assert res.returncode == 2 and "--resume" in res.stderr and "resume=True" in res.stderr


# -------------------------------------------------------------------- resume
def interrupt_after(monkeypatch, n: int) -> None:
    """Make the engine see Ctrl-C once ``n`` results have arrived."""
    add = SweepStore.add
    seen = []

    def add_then_interrupt(self, result):
        add(self, result)
        seen.append(1)
        if len(seen) == n:
            raise KeyboardInterrupt

    monkeypatch.setattr(SweepStore, "add", add_then_interrupt)


def test_interrupted_compare_resumes_to_the_same_bytes(tmp_path, monkeypatch):
    scenarios = [tiny("a", seed=None), tiny("b", seed=None)]  # a fresh seed, recorded
    interrupt_after(monkeypatch, 5)
    with pytest.raises(SweepInterrupted, match="resume=True") as info:
        compare(scenarios, 4, out=tmp_path / "c")
    assert "--resume" in str(info.value)
    store = tmp_path / "c/sweep"
    assert json.loads((store / "sweep.json").read_text())["status"] == "interrupted"
    assert len(store_rows(store)) == 5
    monkeypatch.undo()
    resumed = compare(scenarios, 4, out=tmp_path / "c", resume=True)
    seed = json.loads((store / "sweep.json").read_text())["base_seed"]
    full = compare(scenarios, 4, seed=seed, out=tmp_path / "full")
    pd.testing.assert_frame_equal(resumed, full)
    rows = store_rows(store)
    assert sorted(rows["run_id"]) == list(range(8))  # no replicate lost or repeated


def ctrl_c(args: list, store) -> str:
    """Run the command, press Ctrl-C once a chunk of runs has landed; return its stderr."""
    # a new session, as a terminal's foreground job: Ctrl-C reaches every process in it.
    # A background job of a non-interactive shell (as CI may be) ignores SIGINT, and the
    # child would inherit that; restore the default so this behaves like a terminal.
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), *args], cwd=ROOT, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((store / "chunks").glob("runs-*.parquet")):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err  # no worker noise
    assert json.loads((store / "sweep.json").read_text())["status"] == "interrupted"
    return err


def test_ctrl_c_is_quiet_and_the_printed_command_resumes(tmp_path):
    out = tmp_path / "c"
    args = [*COMPARE, "--replicates", "12", "--workers", "2", "--out", str(out)]
    err = ctrl_c(args, out / "sweep")
    assert not (out / "summary.csv").exists()
    command = err.split("to run the rest: ", 1)[1].strip()
    words = shlex.split(command)
    script = next(i for i, w in enumerate(words) if w.endswith("run.py"))
    assert words[-1] == "--resume" and words[script + 1:-1] == args
    res = subprocess.run(words, cwd=ROOT, env=ENV, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert main([*args[:-4], "--workers", "1", "--out", str(tmp_path / "full")]) == 0
    assert files(out) == files(tmp_path / "full")
    assert sorted(store_rows(out / "sweep")["run_id"]) == list(range(24))


def test_ctrl_c_is_quiet_on_a_dask_local_cluster_too(tmp_path):
    args = ["sweep", "scenarios/adaptive.yaml", "--grid", "mechanisms.incentives.r=3,4,5,6",
            "--replicates", "6", *QUICK, "--workers", "2", "--executor", "dask",
            "--out", str(tmp_path)]
    assert "--resume" in ctrl_c(args, tmp_path)


# --------------------------------------------------------------- failures
def test_a_crash_records_status_failed(tmp_path, monkeypatch):
    import cogov.model.engine.sweep as sweep_module

    def broken(*args, **kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr(sweep_module, "make_executor", broken)
    with pytest.raises(OSError, match="disk on fire") as info:
        run_sweep(tiny("a"), [{}], replicates=2, workers=2, out=tmp_path)
    assert any("resume=True" in note for note in info.value.__notes__)
    meta = json.loads((tmp_path / "sweep.json").read_text())
    assert meta["status"] == "failed" and meta["error"] == "OSError: disk on fire"


def test_failed_runs_stop_compare_with_exit_1(tmp_path):
    bad = tmp_path / "bad.graphml"
    bad.write_text("<graphml>not really</graphml>")
    good = tmp_path / "good.graphml"
    import networkx as nx

    nx.write_graphml(nx.cycle_graph(200), good)
    a = tiny("a").replace(**{"network.kind": "file", "network.path": str(good)})
    with pytest.raises(RunsFailed, match="2 of 4 runs failed, e.g. scenario b replicate 0"):
        compare([a, a.replace(**{"name": "b", "network.path": str(bad)})], 2, out=tmp_path / "c")
    assert json.loads((tmp_path / "c/sweep/sweep.json").read_text())["status"] == \
        "done_with_failures"


GUARDED = """
from cogov.model.engine.compare import compare
from cogov.model.scenario.schema import Scenario

def scenarios():
    base = Scenario().replace(**{{"seed": 1, "population.citizens": 200, "warmup": 2, "steps": 3}})
    return [base.replace(name="a"), base.replace(name="b")]

{call}
"""


def script(tmp_path, call: str, start_method: str = "spawn"):
    """Run a script calling compare; workers start with ``start_method`` (spawn unless
    asked: the start method where a missing guard matters)."""
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(GUARDED.format(call=call)))
    return subprocess.run([sys.executable, str(path)], cwd=tmp_path,
                          env={**ENV, "COGOV_START_METHOD": start_method},
                          capture_output=True, text=True, timeout=300)


def test_two_workers_from_a_guarded_script(tmp_path):
    done = script(tmp_path, 'if __name__ == "__main__":\n'
                            '    print(len(compare(scenarios(), 2, workers=2, out="c")))')
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["16"]


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_forked_workers_need_no_guard_and_give_the_same_numbers(tmp_path):
    """On Linux a script with no other thread forks its workers: no guard needed, and the
    runs equal those of spawned workers and of one process."""
    call = ('import sys\n'
            'ts = compare(scenarios(), 2, workers=int(sys.argv[1]), out=None)\n'
            'print(ts.sort_values(["scenario", "replicate", "step"]).to_csv(index=False))')
    guarded = 'if __name__ == "__main__":\n' + textwrap.indent(call, "    ")
    runs = {}
    for method, workers in (("fork", 2), ("spawn", 2), ("fork", 1)):
        path = tmp_path / method / str(workers)
        path.mkdir(parents=True)
        body = guarded if method == "spawn" else call  # spawn needs the guard, fork does not
        (path / "script.py").write_text(textwrap.dedent(GUARDED.format(call=body)))
        done = subprocess.run([sys.executable, "script.py", str(workers)], cwd=path,
                              env={**ENV, "COGOV_START_METHOD": method},
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        runs[method, workers] = done.stdout
    assert runs["fork", 2] == runs["spawn", 2] == runs["fork", 1]


def test_default_start_method_forks_only_without_threads(monkeypatch):
    import threading

    from cogov.model.engine.executors import start_method

    monkeypatch.delenv("COGOV_START_METHOD", raising=False)
    expected = "fork" if sys.platform == "linux" else "spawn"
    assert start_method() == (expected if threading.active_count() == 1 else "spawn")
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert start_method() == "spawn"  # forking a process with threads is unsafe
    finally:
        stop.set()
        thread.join()
    monkeypatch.setenv("COGOV_START_METHOD", "forked")
    with pytest.raises(ScenarioError, match="COGOV_START_METHOD"):
        compare([Scenario().replace(seed=1)], 1, workers=2, out=None)


def test_unguarded_script_fails_with_a_clear_message_and_status(tmp_path):
    done = script(tmp_path, 'compare(scenarios(), 2, workers=2, out="c")')
    assert done.returncode == 1
    assert 'if __name__ == "__main__":' in done.stderr and "resume=True" in done.stderr
    assert "SweepFailed" in done.stderr and "BrokenProcessPool" not in done.stderr
    meta = json.loads((tmp_path / "c/sweep/sweep.json").read_text())
    assert meta["status"] == "failed" and "__main__" in meta["error"]


# ---------------------------------------------------------------- the flags
def test_compare_and_sweep_share_execution_flags_and_defaults():
    parser = build_parser()
    args = {cmd: parser.parse_args([cmd, "adaptive"]) for cmd in ("compare", "sweep",
                                                                 "sensitivity")}
    assert len({a.workers for a in args.values()}) == 1
    assert args["compare"].workers == (os.cpu_count() or 1)
    for a in args.values():
        assert a.executor is None and a.scheduler is None and a.resume is False
    assert parser.parse_args(["compare", "a", "--executor", "dask", "--resume"]).executor == "dask"


def test_process_executor_with_a_scheduler_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="--scheduler needs dask"):
        compare([tiny("a")], 1, executor="process", scheduler="tcp://127.0.0.1:1",
                out=tmp_path)


def test_no_dask_port_warning(capfd, recwarn):
    """Dask's web server defaults to port 8787; taking it must not make Dask warn."""
    import socket

    from cogov.model.engine.executors import DaskExecutor

    holder = socket.socket()
    try:
        holder.bind(("", 8787))
        holder.listen()
    except OSError:
        pass  # someone else holds it: the port is in use either way
    try:
        executor = DaskExecutor(1)
        assert executor.workers == 1
        executor.close()
    finally:
        holder.close()
    assert not [w for w in recwarn if "already in use" in str(w.message)]
    assert "already in use" not in capfd.readouterr().err


def test_python_interrupt_message_without_a_folder(monkeypatch):
    interrupt_after(monkeypatch, 1)
    with pytest.raises(SweepInterrupted, match="pass out=FOLDER"):
        compare([tiny("a")], 2)
    assert issubclass(SweepFailed, RuntimeError)


@pytest.mark.parametrize("orig,argv,expected", [
    ([".venv/bin/python", "run.py", "sweep", "a"], ["run.py", "sweep", "a"],
     ".venv/bin/python run.py sweep a --resume"),
    (["python3", "-m", "cogov", "compare", "a b", "c"], ["/x/cogov/__main__.py", "compare", "a b", "c"],
     "python3 -m cogov compare 'a b' c --resume"),
    (["/v/bin/python", "/v/bin/cogov", "sweep", "a", "--resume"], ["/v/bin/cogov", "sweep", "a", "--resume"],
     "/v/bin/cogov sweep a --resume"),
])
def test_resume_command_repeats_the_command_as_invoked(monkeypatch, orig, argv, expected):
    from cogov.model.ui.cli import resume_command

    monkeypatch.setattr(sys, "orig_argv", orig)
    monkeypatch.setattr(sys, "argv", argv)
    assert resume_command(None) == expected
    assert resume_command(["sweep", "a"]) == "cogov sweep a --resume"

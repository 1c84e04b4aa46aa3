"""Nothing breaks at the edges (issue 26): every value the validator accepts runs clean,
everything else is exit 2 naming the key or flag, output folders are checked and locked."""

from __future__ import annotations

import contextlib
import os

import pytest

from cogov.model.engine.design import read_design_file
from cogov.model.engine.run import run_scenario
from cogov.model.scenario.errors import CogovWarning, ScenarioError
from cogov.model.scenario.files import load_scenario
from cogov.model.ui import cli
from tests.test_inputs import TINY, bad, run_py

HUGE = "1" + "0" * 400  # an integer literal far beyond a C long


def main(capsys, *argv) -> tuple[int, str]:
    code = cli.main([str(a) for a in argv])
    return code, capsys.readouterr().err


# ------------------------------------------------- defect 2: the CLI's numeric flags
@pytest.mark.parametrize(("argv", "message"), [
    (["run", "base", "--seed", "-1"], "--seed: expected an integer in [0, "),
    (["sweep", "base", "--seed", "-1"], "--seed: expected an integer in [0, "),
    (["compare", "base", "adaptive", "--seed", "-1"], "--seed: expected an integer in [0, "),
    (["run", "base", "--seed", HUGE], "--seed: expected an integer in [0, 9223372036854775807], "
                                      "got an integer of about 401 digits"),
    (["sweep", "base", "--replicates", "0"], "--replicates: expected an integer in [1, "),
    (["sweep", "base", "--n", "-3"], "--n: expected an integer in [0, "),
    (["sensitivity", "base", "--n", "0"], "--n: expected an integer in [1, "),
    (["compare", "base", "adaptive", "--workers", "0"], "--workers: expected an integer in [1, "),
    (["calibrate", "base", "--targets", "t.yaml", "--params", "budget.per_capita=0:1",
      "--trials", "0"], "--trials: expected an integer in [1, "),
    (["calibrate", "base", "--targets", "t.yaml", "--params", "budget.per_capita=0:1",
      "--batch", "-2"], "--batch: expected an integer in [1, "),
    (["app", "base", "--port", "70000"], "--port: expected an integer in [1, 65535]"),
    (["gap", "adaptive", "top_down", "--sobol", "0"], "--sobol: expected an integer in [1, "),
])
def test_numeric_flags_are_checked_like_scenario_keys(capsys, tmp_path, argv, message):
    code, err = main(capsys, *argv, "--out", tmp_path / "out") if argv[0] != "app" else \
        main(capsys, *argv)
    assert code == 2 and message in err, err
    assert not (tmp_path / "out").exists()


def test_seed_minus_one_through_run_py_is_exit_2(tmp_path):
    bad(run_py("run", "base", "--seed", "-1", *TINY, "--out", tmp_path / "o"),
        "--seed: expected an integer in [0, ")


# --------------------------------------------- defect 4: sampling without bounds
def test_sample_lhs_without_bounds_is_exit_2(capsys, tmp_path):
    code, err = main(capsys, "sweep", "base", "--sample", "lhs", "--n", "3",
                     "--out", tmp_path / "o")
    assert code == 2 and "--sample lhs samples the --bounds keys" in err
    code, err = main(capsys, "sweep", "base", "--n", "3", "--out", tmp_path / "o")
    assert code == 2 and "--n is the number of sampled points" in err


def test_design_file_sample_without_bounds_is_an_error(tmp_path):
    path = tmp_path / "design.yaml"
    path.write_text("sample: {method: lhs, n: 3}\n")
    with pytest.raises(ScenarioError, match="sample.bounds: required"):
        read_design_file(path)
    path.write_text(f"sample: {{method: lhs, n: {HUGE}, bounds: {{budget.per_capita: [0, 1]}}}}\n"
                    f"steps: {HUGE}\n")
    with pytest.raises(ScenarioError) as err:
        read_design_file(path)
    assert any(e.startswith("sample.n: expected an integer in [1, ") for e in err.value.errors)
    assert any(e.startswith("steps: expected a whole number in [0, ") for e in err.value.errors)


# ----------------------------------------- defect 5: more fields than int16 holds
def test_need_fields_is_bounded_by_the_int16_field_index():
    with pytest.raises(ScenarioError, match=r"population.need.fields: expected an integer in "
                                            r"\[1, 32767\], got 32768"):
        load_scenario("base", ["population.need.fields=32768"])
    one = ["population.districts=1", "population.need.fields=30000"]
    assert load_scenario("base", one).population.need.fields == 30000
    with pytest.raises(ScenarioError, match=r"population.need.fields: districts x fields \(10 x "
                                            r"32767 = 327,670 planning cells\) must not exceed "
                                            r"30,000"):
        load_scenario("base", ["population.need.fields=32767"])


# ------------------------------- defect 6: integer literals too large for a C long
@pytest.mark.parametrize("key", ["steps", "mechanisms.law.capacity", "budget.per_capita",
                                 "population.citizens"])
def test_huge_integer_literals_name_the_key(tmp_path, key):
    with pytest.raises(ScenarioError, match=rf"{key}: expected .*, got an integer of about 401 "
                                            r"digits \(at most 9223372036854775807, a C long\)"):
        load_scenario("base", [f"{key}={HUGE}"])
    section, _, leaf = key.rpartition(".")
    body = f"{leaf}: {HUGE}"
    for part in reversed(section.split(".") if section else []):
        body = f"{part}: {{{body}}}"
    path = tmp_path / "big.yaml"
    path.write_text(f"extends: base.yaml\n{body}\n")
    (tmp_path / "base.yaml").write_text("{}\n")
    with pytest.raises(ScenarioError, match=rf"{key}: expected .*about 401 digits"):
        load_scenario(path)


def test_integer_beyond_pythons_digit_limit_is_exit_2(capsys):
    code, err = main(capsys, "validate", "base", "--set", "steps=1" + "0" * 5000)
    assert code == 2 and "steps: expected an integer in [0, 100000]" in err and "Traceback" not in err
    assert len(err) < 400  # the value is shortened in the message


# ------------------------------------------------------- defect 7: a bad --out
def test_out_that_is_a_file_or_cannot_be_made_is_exit_2(capsys, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    for out, message in ((afile, "exists and is not a folder"),
                         (afile / "sub", "cannot make the folder"),
                         ("/proc/cogov-no/such", "cannot make the folder")):
        code, err = main(capsys, "run", "base", *TINY, "--out", out)
        assert code == 2 and f"--out {out}: {message}" in err, err
    assert afile.read_text() == "x"


# ------------------------- defects 9 and 3: every key bounded, values below the resolution
@pytest.mark.parametrize(("key", "value"), [
    ("mechanisms.resources.sharing.exponent", 400),  # OverflowError in len(members)**exponent
    ("mechanisms.unrest.enforcement", 1e12),  # MemoryError (292 TiB)
    ("mechanisms.unrest.enforcement", 1e5),  # 28 s for 20 steps
    ("mechanisms.unrest.jail_term", 100_000),  # the unrest warm-up is 3 x jail_term steps
    ("warmup", 1_000_000), ("organizations.ngos", 1_000_000), ("organizations.hubs", 1_000_000),
    ("budget.per_capita", 1e250),  # posting inf to ngo_service
    ("mechanisms.planning.feedback_noise", 1e155),  # OverflowError in lognormal_unit
    ("mechanisms.incentives.relocation.noise", 1e155),
    ("mechanisms.early_warning.noise_collaborative", 1e155),
    ("mechanisms.interests.report_noise", 1e155),
    ("mechanisms.resources.delegation", 1e-310),  # posting nan to social_funds
    ("mechanisms.credit.inspection_cost", 5e-324),  # cannot convert float infinity to integer
    ("population.need.mean", 5e-324),  # NaN satisfaction, unmet_need, service_gini
    ("budget.per_capita", 1e-200),  # ledger_error 0.82
])
def test_values_the_model_cannot_run_are_rejected_naming_the_key(capsys, key, value):
    with pytest.raises(ScenarioError, match=rf"^{key}: expected"):
        load_scenario("base", [f"{key}={value}"])
    code, err = main(capsys, "validate", "base", "--set", f"{key}={value}")
    assert code == 2 and f"  {key}: expected" in err and "Traceback" not in err


def test_below_the_resolution_is_rejected_and_zero_runs():
    with pytest.raises(ScenarioError, match=r"0 or at least 1e-12 \(the model's resolution\), "
                                            r"got '1e-13'"):
        load_scenario("base", ["budget.per_capita=1e-13"])
    for value in (0, 1e-12):
        s = load_scenario("adaptive", [f"budget.per_capita={value}", "population.citizens=200",
                                       "organizations.ngos=6", "warmup=2", "steps=3"])
        metrics = run_scenario(s, seed=1).metrics
        assert metrics["ledger_error"].max() < 1e-9
        assert metrics[["satisfaction", "unmet_need", "service_gini"]].notna().all().all()


def test_the_bounds_at_their_highest_run_clean():
    """The issue's keys at the new bounds: a tiny model runs them in seconds, books balanced."""
    s = load_scenario("adaptive", [
        "population.citizens=200", "organizations.ngos=10000", "organizations.hubs=1000",
        "mechanisms.resources.sharing.enabled=on", "mechanisms.resources.sharing.exponent=5",
        "mechanisms.unrest.enabled=on", "mechanisms.unrest.enforcement=100",
        "mechanisms.unrest.jail_term=1000", "budget.per_capita=1e6",
        "mechanisms.planning.feedback_noise=3", "warmup=2", "steps=3"])
    metrics = run_scenario(s, seed=1).metrics
    assert metrics["ledger_error"].max() < 1e-9 and metrics["unmet_need"].notna().all()


def test_a_long_run_is_announced_with_an_estimate():
    from cogov.model.scenario.files import scenario_warnings

    with pytest.warns(CogovWarning, match="minutes a run on one core"):
        s = load_scenario("base", ["population.citizens=100000", "steps=5000"])
    [line] = [w for w in scenario_warnings(s) if w.startswith("steps:")]
    assert "100,000 citizens x 5,050 steps" in line and "minutes a run" in line
    assert not [w for w in scenario_warnings(load_scenario("base")) if w.startswith("steps:")]


# ------------------------------------------------ defect 8: output folders are locked
def test_a_locked_folder_refuses_a_second_writer_naming_the_pid(tmp_path):
    import os

    from cogov.model.engine.outputs import LOCK_NAME, FolderBusy, FolderLock

    first = FolderLock(tmp_path).acquire()
    assert (tmp_path / LOCK_NAME).read_text().strip() == str(os.getpid())
    with pytest.raises(FolderBusy, match=rf"another cogov process \(pid {os.getpid()}\)"):
        FolderLock(tmp_path).acquire()
    first.release()
    assert not (tmp_path / LOCK_NAME).exists()
    FolderLock(tmp_path).acquire().release()  # free again


def test_a_stale_lock_file_of_a_killed_process_does_not_block(tmp_path):
    from cogov.model.engine.outputs import LOCK_NAME, FolderLock

    (tmp_path / LOCK_NAME).write_text("999999\n")  # left by a SIGKILL: no process holds it
    FolderLock(tmp_path).acquire().release()


def test_two_commands_into_one_folder_the_second_exits_2(tmp_path):
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    out = tmp_path / "sweep"
    first = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "sweep", "base", "--grid",
         "mechanisms.incentives.r=2,3,4,5", "--replicates", "3", "--steps", "40", "--workers",
         "1", "--set", "population.citizens=400", "--out", str(out)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while not (out / ".cogov.lock").exists() and time.time() < deadline:
            time.sleep(0.05)
        second = run_py("sweep", "base", "--grid", "mechanisms.incentives.r=2,3,4,5",
                        "--replicates", "3", "--steps", "40", "--workers", "1",
                        "--set", "population.citizens=400", "--out", out, "--resume")
        if first.poll() is None:  # the first still runs: the second must have been refused
            bad(second, f"--out {out}: another cogov process (pid {first.pid})")
    finally:
        assert first.wait(timeout=300) == 0, first.stderr.read()
    assert not (out / ".cogov.lock").exists()


# ------------------------------------------------ defect 1: Ctrl-C never hangs a sweep
INTERRUPT_TRIES = int(os.environ.get("COGOV_INTERRUPT_TRIES", "15") or 15)
INTERRUPTED_SWEEP = ["sweep", "base", "--grid", "mechanisms.incentives.r=2,3,4,5,6,7",
                     "--replicates", "6", "--steps", "40", "--set", "population.citizens=200",
                     "--set", "warmup=5", "--workers", "2"]


@pytest.mark.slow
def test_ctrl_c_at_random_moments_never_hangs_a_2_worker_sweep(tmp_path):
    """The issue's reproduction, in a loop: SIGINT to the process group at a random moment
    (before the workers start, while chunks land, while the sweep finishes); every process
    must end within seconds, with exit 130 and the resume hint (or 0 if it had finished)."""
    import random
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    rng = random.Random(26)
    for i in range(INTERRUPT_TRIES):
        out = tmp_path / f"s{i}"
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), *INTERRUPTED_SWEEP, "--out", str(out)],
            cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        if rng.random() < 0.5:  # a moment after the first chunk landed, as in the issue
            deadline = time.monotonic() + 60
            while not list((out / "chunks").glob("runs-*.parquet")) and proc.poll() is None \
                    and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 2.0))
        else:
            time.sleep(rng.uniform(0.2, 5.0))
        sent = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise AssertionError(f"try {i}: still running 20 s after Ctrl-C") from None
        took = time.monotonic() - sent
        assert proc.returncode in (0, 130), (i, proc.returncode, err)
        assert "Traceback" not in err, (i, err)
        if proc.returncode == 130:
            assert "--resume" in err or "interrupted" in err, (i, err)
        assert took < 15, (i, took)
        # no worker is left behind: the process group empties (init reaps the orphans)
        gone = time.monotonic() + 5
        while time.monotonic() < gone:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"try {i}: worker processes outlived the sweep")

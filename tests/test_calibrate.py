"""Calibration: recovery of known parameters, target validation, resume, workers, best.yaml."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import yaml

import cogov
from cogov.model.engine.compare import run_replicates
from cogov.model.engine.run import run_scenario
from cogov.model.engine.seeds import replicate_seeds
from cogov.model.scenario.errors import ScenarioError
from cogov.model.scenario.files import load_scenario
from cogov.model.studies import calibrate as cal
from cogov.model.studies.targets import moment, parse_targets
from cogov.model.ui.cli import main
from tests.conftest import ROOT

# -------------------------------------------------------- recovery (the test of the method)
# Synthetic data: the adaptive preset at known values, the "observed" moments the mean
# of 6 runs on seeds the calibration never uses. Three moments: unmet need in the final
# window pins the budget, NGO trust after the warm-up (row 0, nearly noise-free) pins
# the trust rate, mean trust in government depends on both.
RECOVERY_SET = {"population.citizens": 400, "warmup": 10, "steps": 30,
                "mechanisms.incentives.warmup": 200}
TRUE = {"budget.per_capita": 0.7, "mechanisms.trust.rate": 0.15}
BOUNDS = {"budget.per_capita": (0.4, 1.2), "mechanisms.trust.rate": (0.02, 0.4)}
MOMENTS = [{"metric": "unmet_need", "tolerance": 0.01},
           {"metric": "trust_ngo", "statistic": "at_step", "step": 0, "tolerance": 0.005},
           {"metric": "trust_gov", "statistic": "mean", "tolerance": 0.02}]
# Documented in docs/experiments.md ("Calibration"): 60 trials of 3 replicates recover
# the budget within 0.05 (6 % of its range) and the trust rate within 0.02 (5 %);
# measured errors over 10 calibration seeds: budget 0.006-0.035, trust rate 0.0003-0.008.
RECOVERY_TOLERANCE = {"budget.per_capita": 0.05, "mechanisms.trust.rate": 0.02}


def synthetic_targets(truth: dict, spec: list[dict], runs: int = 6, seed: int = 1000) -> list:
    scenario = load_scenario("adaptive", {**RECOVERY_SET, **truth})
    targets = parse_targets([{**s, "value": 0.0} for s in spec])
    values = [[moment(t, run_scenario(scenario, seed=s).metrics, scenario.outputs.window)
               for t in targets] for s in replicate_seeds(seed, runs)]
    return [{**s, "value": float(v), "source": "synthetic"}
            for s, v in zip(spec, np.mean(values, axis=0), strict=True)]


def test_recovers_known_parameters(tmp_path):
    targets = synthetic_targets(TRUE, MOMENTS)
    result = cogov.calibrate("adaptive", targets, BOUNDS, trials=60, replicates=3, seed=7,
                             overrides=RECOVERY_SET, workers=1, out=tmp_path)
    errors = {k: abs(result.best_params[k] - TRUE[k]) for k in TRUE}
    assert all(errors[k] < RECOVERY_TOLERANCE[k] for k in TRUE), errors
    assert len(result.trials) == 60 and (result.trials["status"] == "ok").all()
    assert result.best_objective == result.trials["objective"].min()
    info = json.loads((tmp_path / "calibration.json").read_text())
    assert info["best"]["params"] == result.best_params and info["status"] == "done"
    assert info["base_seed"] == 7 and info["seeds"] == replicate_seeds(7, 3)
    assert [t["source"] for t in info["targets"]] == ["synthetic"] * 3
    assert info["versions"]["optuna"] and "cogov_commit" in info and info["command"]
    assert (tmp_path / "fit.png").stat().st_size > 10_000


# ------------------------------------------------------------------ small, fast studies
SMALL = ["--set", "population.citizens=300", "--set", "population.districts=3",
         "--set", "organizations.ngos=9", "--set", "warmup=5",
         "--set", "mechanisms.incentives.warmup=100", "--steps", "12"]
PARAMS = ["--params", "budget.per_capita=0.4:1.2", "mechanisms.trust.rate=0.02:0.4"]
TARGETS = {"targets": [
    {"metric": "unmet_need", "value": 0.12, "tolerance": 0.01, "source": "made up"},
    {"metric": "trust_gov", "statistic": "at_step", "step": 3, "value": 0.8, "tolerance": 0.02},
]}


def targets_file(tmp_path, content=None, name="targets.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(content or TARGETS, sort_keys=False))
    return path


def calibrate_cli(tmp_path, out, *extra):
    args = ["calibrate", str(ROOT / "scenarios/adaptive.yaml"), "--targets",
            str(targets_file(tmp_path)), *PARAMS, "--trials", "8", "--replicates", "2",
            "--seed", "5", *SMALL, "--out", str(out), *extra]
    return main(args)


def cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


def read_trials(path):
    return pd.read_csv(path)


BAD_TARGETS = [
    ({"targets": [{"metric": "unmet_ned", "value": 0.1, "tolerance": 0.1}]},
     "targets.0.metric: unknown metric 'unmet_ned'; did you mean 'unmet_need'?"),
    ({"targets": [{"metric": "unmet_need", "value": 0.1, "tolerance": 0.1,
                   "statistic": "final_man"}]},
     "targets.0.statistic: expected one of final_mean, mean, max, min, at_step, got "
     "'final_man'; did you mean 'final_mean'?"),
    ({"targets": [{"metric": "unmet_need", "value": 0.1, "tolerance": 0.1},
                  {"metric": "trust_gov", "value": 0.5, "tolerance": 0.1,
                   "statistic": "at_step"}]},
     "targets.1.step: required with statistic at_step"),
    ({"targets": [{"metric": "unmet_need", "value": 0.1, "tolerance": 0}]},
     "targets.0.tolerance: expected a number > 0, got 0"),
    ({"targets": [{"metric": "unmet_need", "value": 0.1, "tolerance": -1}]},
     "targets.0.tolerance: expected a number > 0, got -1"),
    ({"targets": [{"metric": "unmet_need", "value": 0.1}]}, "targets.0.tolerance: required"),
    ({"targets": [{"metric": "unmet_need", "value": "low", "tolerance": 0.1}]},
     "targets.0.value: expected a finite number, got 'low'"),
    ({"targets": [{"metric": "unmet_need", "value": 0.1, "tolerance": 0.1, "wieght": 2}]},
     "targets.0.wieght: unknown key"),
    ({"targets": [{"metric": "unmet_need", "value": 0.1, "tolerance": 0.1, "step": 4}]},
     "targets.0.step: only used with statistic at_step"),
    ({"targets": [{"metric": "unmet_need", "value": 0.1, "tolerance": 0.1,
                   "statistic": "at_step", "step": 13}]},
     "targets.0.step: the runs record steps 0..12, got 13"),
    ({"targets": [{"metric": "unmet_need", "value": 0.1, "tolerance": 0.1},
                  {"metric": "unmet_need", "value": 0.2, "tolerance": 0.1}]},
     "targets.1: same metric and statistic as targets.0"),
    ({"targts": []}, "targts: unknown key; did you mean 'targets'?"),
    ({"targets": []}, "targets: expected a non-empty list"),
]


@pytest.mark.parametrize(("content", "expected"), BAD_TARGETS)
def test_bad_targets_exit_2_naming_the_key(content, expected, tmp_path, capsys):
    path = targets_file(tmp_path, content)
    code = main(["calibrate", "adaptive", "--targets", str(path), *PARAMS, *SMALL,
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and expected in err, err
    assert not (tmp_path / "out").exists()  # nothing written


BAD_PARAMS = [
    (["budget.per_capita=0.4:1.2", "mechanisms.trust.rte=0.1:0.2"],
     "mechanisms.trust.rte: unknown key; did you mean 'rate'?"),
    (["budget.per_capita=1.2:0.4"], "--params budget.per_capita: lo must be below hi"),
    (["budget.per_capita=0.5:0.5"], "--params budget.per_capita: lo must be below hi"),
    (["budget.per_capita=0.4"], "--params budget.per_capita: expected lo:hi"),
    (["mechanisms.trust.rate=0.5:1.5"],
     "--params mechanisms.trust.rate: expected a number in [0, 1], got 1.5"),
    (["governance.adaptation=0:1"],
     "--params governance.adaptation: calibrate needs a numeric key, this one is bool"),
]


@pytest.mark.parametrize(("params", "expected"), BAD_PARAMS)
def test_bad_params_exit_2_naming_the_key(params, expected, tmp_path, capsys):
    code = main(["calibrate", "adaptive", "--targets", str(targets_file(tmp_path)),
                 "--params", *params, *SMALL, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and expected in err, err


def test_targets_file_errors_name_the_file(tmp_path, capsys):
    bad = tmp_path / "t.yaml"
    bad.write_text("targets: [unclosed")
    assert main(["calibrate", "adaptive", "--targets", str(bad), *PARAMS]) == 2
    assert "not valid YAML" in capsys.readouterr().err
    assert main(["calibrate", "adaptive", "--targets", str(tmp_path / "none.yaml"), *PARAMS]) == 2
    assert "cannot read targets file" in capsys.readouterr().err


def test_outputs_and_best_yaml_runs_as_it_is(tmp_path):
    out = tmp_path / "cal"
    assert calibrate_cli(tmp_path, out, "--workers", "1") == 0
    trials = read_trials(out / "trials.csv")
    assert list(trials.columns) == ["trial", "budget.per_capita", "mechanisms.trust.rate",
                                    "objective", "unmet_need", "trust_gov.at_step_3",
                                    "unmet_need.sd", "trust_gov.at_step_3.sd", "status", "error"]
    assert list(trials["trial"]) == list(range(8)) and (trials["status"] == "ok").all()
    # the objective is the weighted distance of the recorded moments
    j = ((trials["unmet_need"] - 0.12) / 0.01) ** 2 + ((trials["trust_gov.at_step_3"] - 0.8)
                                                       / 0.02) ** 2
    np.testing.assert_allclose(trials["objective"], j, rtol=1e-12)
    best = trials.loc[trials["objective"].idxmin()]
    text = (out / "best.yaml").read_text()
    assert "extends: " in text and "run.py compare best.yaml --replicates 2 --seed 5" in text
    scenario = load_scenario(out / "best.yaml")
    assert scenario.budget.per_capita == best["budget.per_capita"]
    assert scenario.mechanisms.trust.rate == best["mechanisms.trust.rate"]
    assert (scenario.population.citizens, scenario.steps, scenario.warmup) == (300, 12, 5)
    # the recorded moments are the compare command's: same R seeds, same statistics
    series = run_replicates([scenario], 2, 5)
    again = [np.mean([moment(t, run, scenario.outputs.window)
                      for _, run in series.groupby("replicate")])
             for t in parse_targets(TARGETS)]
    assert again == [best["unmet_need"], best["trust_gov.at_step_3"]]
    # runnable as it is, from another folder (extends resolves from best.yaml's folder)
    res = cli("run", out / "best.yaml", "--out", tmp_path / "run", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("adaptive_calibrated: 12 steps")
    info = json.loads((out / "calibration.json").read_text())
    assert info["best"]["trial"] == int(best["trial"]) and info["trials_told"] == 8
    assert info["scenario_file"] == str(ROOT / "scenarios/adaptive.yaml")


def test_existing_study_needs_resume_and_the_same_config(tmp_path, capsys):
    out = tmp_path / "cal"
    assert calibrate_cli(tmp_path, out, "--workers", "1", "--trials", "4") == 0
    before = (out / "trials.csv").read_bytes()
    assert calibrate_cli(tmp_path, out, "--workers", "1", "--trials", "4") == 2
    assert "already holds a calibration" in capsys.readouterr().err
    assert calibrate_cli(tmp_path, out, "--workers", "1", "--replicates", "3", "--resume") == 2
    assert "other settings (replicates)" in capsys.readouterr().err
    assert (out / "trials.csv").read_bytes() == before  # nothing already written is lost


def test_results_do_not_depend_on_workers(tmp_path):
    assert calibrate_cli(tmp_path, tmp_path / "w1", "--workers", "1") == 0
    assert calibrate_cli(tmp_path, tmp_path / "w2", "--workers", "2") == 0
    assert (tmp_path / "w1/trials.csv").read_bytes() == (tmp_path / "w2/trials.csv").read_bytes()


def test_extending_a_study_with_resume_equals_one_run(tmp_path):
    # the first run ends on a batch boundary (--trials a multiple of --batch), so the
    # trials after it are asked from the same history as in one run
    assert calibrate_cli(tmp_path, tmp_path / "a", "--workers", "1", "--trials", "4") == 0
    assert calibrate_cli(tmp_path, tmp_path / "a", "--workers", "1", "--resume") == 0
    assert calibrate_cli(tmp_path, tmp_path / "b", "--workers", "1") == 0
    assert (tmp_path / "a/trials.csv").read_bytes() == (tmp_path / "b/trials.csv").read_bytes()
    assert len(json.loads((tmp_path / "a/calibration.json").read_text())["resumed_at"]) == 1


class _Dies:
    """An in-process executor interrupted (as by Ctrl-C or a kill) after ``after`` runs."""

    workers = 1

    def __init__(self, after: int):
        self.left = after

    def map(self, fn, jobs):
        for job in jobs:
            if self.left == 0:
                raise KeyboardInterrupt
            self.left -= 1
            yield fn(job)

    def close(self):
        pass


@pytest.mark.parametrize("where", ["sampling", "sampling-cmaes", "running", "telling"])
def test_interrupted_study_resumes_with_no_trial_lost_or_repeated(where, tmp_path, monkeypatch):
    """Trials cut off mid-batch stay RUNNING in the journal; --resume runs them with their
    recorded parameters, and the study ends as an uninterrupted one does."""
    out = tmp_path / "cut"
    sampler = ["--sampler", "cmaes"] if where.endswith("cmaes") else []
    if where.startswith("sampling"):  # killed between the two parameters of trial 5
        import optuna

        suggest, calls = optuna.trial.Trial._suggest, []

        def dying_suggest(self, name, dist):
            calls.append(name)
            if len(calls) == 12:
                raise KeyboardInterrupt
            return suggest(self, name, dist)
        monkeypatch.setattr(optuna.trial.Trial, "_suggest", dying_suggest)
    elif where == "running":  # killed while batch 1 (trials 4-7) runs: 4 trials x 2 runs + 3
        monkeypatch.setattr(cal, "make_executor", lambda w, s, k=None, logs=None: _Dies(4 * 2 + 3))
    else:  # killed after telling trial 5 of batch 1
        tell, told = cal.tell, []

        def dying_tell(*args):
            if len(told) == 6:
                raise KeyboardInterrupt
            told.append(tell(*args))
        monkeypatch.setattr(cal, "tell", dying_tell)
    assert calibrate_cli(tmp_path, out, "--workers", "1", *sampler) == 130
    cut = read_trials(out / "trials.csv")
    assert (cut["status"] == "running").any() and (cut["status"] == "ok").sum() >= 4
    if where.startswith("sampling"):
        assert cut["mechanisms.trust.rate"].isna().sum() == 1  # trial 5 got one parameter
    assert json.loads((out / "calibration.json").read_text())["status"] == "interrupted"
    with (out / "study.log").open("ab") as f:
        f.write(b'{"op_code": 5, "worker_id": "half-writ')  # a line cut by the kill
    monkeypatch.undo()
    assert calibrate_cli(tmp_path, out, "--workers", "1", "--resume", *sampler) == 0
    assert calibrate_cli(tmp_path, tmp_path / "full", "--workers", "1", *sampler) == 0
    resumed = read_trials(out / "trials.csv")
    assert list(resumed["trial"]) == list(range(8)) and (resumed["status"] == "ok").all()
    assert (out / "trials.csv").read_bytes() == (tmp_path / "full/trials.csv").read_bytes()


@pytest.mark.slow
def test_kill_minus_9_then_resume_matches_uninterrupted(tmp_path):
    args = ["calibrate", "scenarios/adaptive.yaml", "--targets", targets_file(tmp_path),
            *PARAMS, "--trials", "24", "--replicates", "2", "--seed", "5", *SMALL,
            "--workers", "1", "--batch", "4"]
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), *map(str, args),
                             "--out", str(out)], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    csv = out / "trials.csv"
    while time.monotonic() < deadline and not (csv.exists() and len(csv.read_text().split()) > 5):
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "best.yaml").exists()  # killed mid-way
    res = cli(*args, "--out", out, "--resume")
    assert res.returncode == 0, res.stderr
    assert cli(*args, "--out", tmp_path / "full").returncode == 0
    a = read_trials(out / "trials.csv")
    assert list(a["trial"]) == list(range(24)) and (a["status"] == "ok").all()
    assert csv.read_bytes() == (tmp_path / "full/trials.csv").read_bytes()


def test_cmaes_sampler_and_failed_trials(tmp_path, capsys):
    out = tmp_path / "cma"
    assert calibrate_cli(tmp_path, out, "--workers", "1", "--sampler", "cmaes") == 0
    assert json.loads((out / "calibration.json").read_text())["sampler"] == "cmaes"
    assert (read_trials(out / "trials.csv")["status"] == "ok").all()
    # a moment the model does not produce (no mediation -> no resolution time) fails
    # every trial: recorded, reported, exit 1, no best.yaml
    nan = targets_file(tmp_path, {"targets": [{"metric": "resolution_time", "value": 3,
                                               "tolerance": 1}]}, "nan.yaml")
    code = main(["calibrate", "adaptive", "--targets", str(nan), *PARAMS, "--trials", "2",
                 "--replicates", "1", "--workers", "1", *SMALL, "--out", str(tmp_path / "nan")])
    assert code == 1 and "no value for resolution_time" in capsys.readouterr().err
    failed = read_trials(tmp_path / "nan/trials.csv")
    assert (failed["status"] == "failed").all() and not (tmp_path / "nan/best.yaml").exists()


def test_python_api_takes_a_scenario_object(tmp_path):
    base = load_scenario("adaptive", {"population.citizens": 300, "warmup": 5,
                                      "mechanisms.incentives.warmup": 100}, steps=12)
    result = cogov.calibrate(base, TARGETS, ["budget.per_capita=0.4:1.2"], trials=3,
                             replicates=1, seed=5, out=tmp_path)
    assert list(result.trials["trial"]) == [0, 1, 2]
    best = load_scenario(tmp_path / "best.yaml")  # the whole scenario: no file to extend
    assert "extends" not in (tmp_path / "best.yaml").read_text()
    assert best.budget.per_capita == result.best_params["budget.per_capita"]
    with pytest.raises(ScenarioError, match="--sampler: expected one of tpe, cmaes"):
        cogov.calibrate(base, TARGETS, {"budget.per_capita": (0.4, 1.2)}, sampler="cma",
                        out=tmp_path / "x")


@pytest.mark.parametrize(("given", "full"), [
    ("social_capacity", "mechanisms.resources.social_capacity"),
    ("resources.social_capacity", "mechanisms.resources.social_capacity"),
    ("incentives.r", "mechanisms.incentives.r")])
def test_params_given_without_their_sections_suggest_the_full_key(given, full):
    """Issue #25, list 9: `--params social_capacity=...` did not suggest the full key."""
    with pytest.raises(ScenarioError, match=f"unknown key; did you mean '{full}'"):
        cal.parse_params([f"{given}=0.1:0.5"])

"""run.py: outputs, provenance, determinism, and clean errors on bad input."""

import json
import subprocess
import sys

import pandas as pd
import pyarrow.parquet as pq
import pytest

from cogov.model.sim.reporters import METRICS
from cogov.model.ui.cli import main
from tests.conftest import PRESETS, ROOT

FAST = ["--set", "population.citizens=300", "--set", "population.districts=3",
        "--set", "organizations.ngos=9", "--steps", "12"]


def cli(*args):
    """Run run.py in a subprocess (so exit codes and stderr are the real ones)."""
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT)


def test_run_writes_metrics_provenance_and_plot(tmp_path):
    assert main(["run", str(ROOT / "scenarios/adaptive.yaml"), *FAST, "--out", str(tmp_path)]) == 0
    df = pd.read_csv(tmp_path / "model_metrics.csv")
    assert list(df.columns) == list(METRICS) and len(df) == 13
    info = json.loads((tmp_path / "run.json").read_text())
    assert info["seed"] == 42 and info["scenario"]["governance"]["adaptation"] is True
    assert info["scenario"]["population"]["citizens"] == 300
    assert info["versions"]["mesa"] == "3.3.1" and "cogov_commit" in info
    assert (tmp_path / "metrics.png").stat().st_size > 10_000


def test_same_seed_same_bytes(tmp_path):
    for d in ("a", "b"):
        main(["run", str(ROOT / "scenarios/collaborative.yaml"), *FAST, "--seed", "9",
              "--out", str(tmp_path / d)])
    assert (tmp_path / "a/model_metrics.csv").read_bytes() == \
        (tmp_path / "b/model_metrics.csv").read_bytes()


def test_agents_table(tmp_path):
    main(["run", str(ROOT / "scenarios/adaptive.yaml"), *FAST, "--agents", "--out", str(tmp_path)])
    t = pq.read_table(tmp_path / "agents.parquet").to_pandas()
    assert set(t["type"]) == {"Citizen", "Government", "HubOrganization", "NGO"}
    assert sorted(t["step"].unique()) == list(range(13))
    assert (t["type"] == "Citizen").sum() == 300 * 13
    assert {"trust_gov", "strategy", "credit", "funds"} <= set(t.columns)


def test_validate_ok_and_bad():
    ok = cli("validate", "scenarios/top_down.yaml")
    assert ok.returncode == 0 and ok.stdout.startswith("ok: top_down")
    bad = cli("validate", "scenarios/top_down.yaml", "--set", "mechanisms.trust.rate=fast",
              "--set", "network.knd=lattice")
    assert bad.returncode == 2
    assert "mechanisms.trust.rate: expected a number in [0, 1], got 'fast'" in bad.stderr
    assert "network.knd: unknown key; did you mean 'kind'?" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize("args", [
    ["run", "scenarios/nope.yaml"],
    ["run", "scenarios/adaptive.yaml", "--set", "population.citizens=-5"],
    ["compare", "scenarios/adaptive.yaml", "scenarios/adaptive.yaml", "--replicates", "2"],
    ["compare", "scenarios/adaptive.yaml", "--replicates", "0"],
    ["run", "scenarios/adaptive.yaml", "--steps", "many"],
    ["frobnicate"],
])
def test_bad_input_exits_2_without_traceback(args):
    res = cli(*args)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr and res.stderr.strip()


def test_bad_input_leaves_existing_outputs_alone(tmp_path):
    main(["run", str(ROOT / "scenarios/adaptive.yaml"), *FAST, "--out", str(tmp_path)])
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    res = cli("run", "scenarios/adaptive.yaml", "--set", "budget.per_capita=lots",
              "--out", tmp_path)
    assert res.returncode == 2
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_compare_outputs_and_worker_independence(tmp_path, capsys):
    files = [str(ROOT / f"scenarios/{p}.yaml") for p in ("top_down", "adaptive")]
    main(["compare", *files, "--replicates", "3", *FAST, "--workers", "1",
          "--out", str(tmp_path / "w1")])
    printed = capsys.readouterr().out
    assert "top_down" in printed and "±" in printed
    main(["compare", *files, "--replicates", "3", *FAST, "--workers", "2",
          "--out", str(tmp_path / "w2")])
    for name in ("timeseries.csv", "summary.csv"):
        assert (tmp_path / "w1" / name).read_bytes() == (tmp_path / "w2" / name).read_bytes()
    summary = pd.read_csv(tmp_path / "w1/summary.csv")
    row = summary[(summary.scenario == "adaptive") & (summary.metric == "unmet_need")].iloc[0]
    assert row["n"] == 3 and row["ci_low"] <= row["mean"] <= row["ci_high"]
    ts = pd.read_csv(tmp_path / "w1/timeseries.csv")
    assert ts.groupby("scenario")["seed"].unique().map(tuple).nunique() == 1  # paired seeds
    assert ts["seed"].nunique() == 3
    info = json.loads((tmp_path / "w1/compare.json").read_text())
    assert info["seeds"] == sorted(ts["seed"].unique().tolist(), key=info["seeds"].index)
    assert (tmp_path / "w1/compare.png").exists()


def test_replicate_rerun_alone_reproduces_its_row(tmp_path):
    files = [str(ROOT / "scenarios/adaptive.yaml")]
    main(["compare", *files, "--replicates", "2", *FAST, "--out", str(tmp_path / "c")])
    ts = pd.read_csv(tmp_path / "c/timeseries.csv")
    seed = int(ts[ts.replicate == 1]["seed"].iloc[0])
    main(["run", *files, *FAST, "--seed", str(seed), "--out", str(tmp_path / "r")])
    single = pd.read_csv(tmp_path / "r/model_metrics.csv")
    again = ts[ts.replicate == 1][list(METRICS)].reset_index(drop=True)
    pd.testing.assert_frame_equal(single, again)


def test_help_is_fast_and_lists_commands():
    res = cli("--help")
    assert res.returncode == 0 and all(c in res.stdout for c in ("run", "compare", "validate"))


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_smoke(preset, tmp_path):
    """Every preset runs a few seeded steps through the CLI."""
    assert main(["run", str(ROOT / f"scenarios/{preset}.yaml"), "--steps", "3",
                 "--out", str(tmp_path)]) == 0


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_scenario_file_validates_and_runs(path, tmp_path):
    assert main(["run", str(path), "--steps", "3", "--set", "population.citizens=400",
                 "--set", "population.districts=4", "--out", str(tmp_path)]) == 0


def test_app_without_the_app_extra_names_the_extra(monkeypatch, capsys):
    """A plain `pip install` has no solara: `cogov app` printed a traceback (exit 1)."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name.startswith("solara") else real(name, *a))
    assert main(["app", "adaptive"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'cogov[app]'" in err and "solara" in err and "Traceback" not in err


def test_app_with_the_app_extra_finds_nothing_missing():
    from cogov.model.ui.cli import missing_extra

    assert missing_extra("app", "cogov app") is None  # the test environment has the extra


def test_sensitivity_rejects_an_unknown_metric_before_printing_its_plan(tmp_path, capsys):
    """Issue #25, list 9: `--metric unmet` was rejected only after the run plan was printed."""
    code = main(["sensitivity", "adaptive", "--bounds", "budget.per_capita=0.5:1", "--n", "2",
                 "--metric", "unmet", "--out", str(tmp_path / "sa")])
    out, err = capsys.readouterr()
    assert code == 2 and "model runs" not in out
    assert "--metric: unknown metric 'unmet'" in err and "unmet_need" in err
    assert not (tmp_path / "sa").exists()


def test_a_drift_warning_names_the_sweep_point_by_its_values(capsys):
    """Issue #25, list 9: drift warnings named sweep points by index only."""
    from cogov.model.ui.cli import warn_unsteady

    summary = pd.DataFrame([
        {"point": 0, "mechanisms.incentives.warmup": 0, "shocks.0.size": 0.2,
         "metric": "cooperation", "n": 6, "mean": 0.4, "sd": 0.1, "ci_low": 0.3,
         "ci_high": 0.5, "stationary": False},
        {"point": 1, "mechanisms.incentives.warmup": 2000, "shocks.0.size": 0.2,
         "metric": "cooperation", "n": 6, "mean": 0.4, "sd": 0.1, "ci_low": 0.3,
         "ci_high": 0.5, "stationary": True}])
    lines = warn_unsteady(summary, "point")
    assert lines == ["warning: point 0 (mechanisms.incentives.warmup=0, shocks.0.size=0.2): "
                     "cooperation is still drifting in the final window (not a steady state; "
                     "run longer or see docs/experiments.md)"]
    assert lines[0] in capsys.readouterr().err

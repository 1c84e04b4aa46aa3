"""The steady-state check of final windows (model/engine/stationarity.py, docs/experiments.md)."""

import numpy as np
import pandas as pd
import pytest

from cogov.model.engine.stationarity import is_stationary, stationary_table, window_shift
from cogov.model.engine.stats import summarize

W = 20


def ar1(rng, n=2 * W, phi=0.7, sd=0.05, level=0.5):
    x = np.empty(n)
    x[0] = rng.normal(0, sd / np.sqrt(1 - phi**2))
    for t in range(1, n):
        x[t] = phi * x[t - 1] + rng.normal(0, sd)
    return level + x


@pytest.mark.parametrize("replicates", [1, 5])
def test_stationary_ar1_passes(replicates):
    """A stationary, autocorrelated series passes in (almost) every draw: false alarms stay
    near the test's nominal rate despite the autocorrelation."""
    rng = np.random.default_rng(11)
    flagged = [not is_stationary([ar1(rng) for _ in range(replicates)], W) for _ in range(300)]
    assert np.mean(flagged) < 0.08


@pytest.mark.parametrize("replicates", [1, 5])
def test_trend_fails(replicates):
    """Cooperation creeping up as in the final window of the old co-production (0.002 per
    step, from 0.1)."""
    rng = np.random.default_rng(12)
    caught = [not is_stationary([0.1 + 0.002 * np.arange(2 * W)
                                 + ar1(rng, sd=0.003, level=0.0) for _ in range(replicates)], W)
              for _ in range(100)]
    assert np.mean(caught) >= (0.55 if replicates == 1 else 1.0)  # one replicate: weak, documented


@pytest.mark.parametrize("replicates", [1, 5])
def test_step_change_fails(replicates):
    """A level shift in the middle of the final window (say a shock). One replicate has only
    its own 40 points to judge autocorrelation by, so it is tested with less of it."""
    rng = np.random.default_rng(13)
    caught = [not is_stationary([np.where(np.arange(2 * W) < 30, 0.5, 0.6)
                                 + ar1(rng, sd=0.01, level=0.0, phi=0.3 if replicates == 1
                                       else 0.7) for _ in range(replicates)], W)
              for _ in range(100)]
    assert np.mean(caught) >= (0.55 if replicates == 1 else 1.0)  # one replicate: weak, documented


def test_cycles_shorter_than_the_window_pass():
    """A sawtooth like the plan cycle (period 12 < W) is a steady state, though any 20 steps
    of it have a slope."""
    rng = np.random.default_rng(14)
    saw = lambda: 0.3 - 0.05 * ((np.arange(100) % 12) / 12) + 0.003 * rng.standard_normal(100)  # noqa: E731
    assert is_stationary([saw() for _ in range(5)], W)


def test_immaterial_shift_passes():
    """A clear but tiny shift (0.5 % of the level) is not worth a warning."""
    runs = [0.8 + 2e-4 * np.arange(2 * W) + 1e-6 * np.sin(np.arange(2 * W) + k) for k in range(5)]
    shift, critical, _ = window_shift(runs, W)
    assert abs(shift) > critical  # statistically clear ...
    assert is_stationary(runs, W)  # ... but below the material tolerance


def test_constant_and_undefined_series_are_stationary():
    assert is_stationary([np.full(2 * W, 3.0)] * 3, W)
    assert is_stationary([np.full(2 * W, np.nan)] * 3, W)  # resolution_time, nothing resolved


def table(late_step=30):
    rows = []
    for scenario in ("a", "b"):
        for rep in range(3):
            for step in range(61):
                rows.append({"scenario": scenario, "replicate": rep, "step": step,
                             "early": min(step, 10) * 0.1 + 0.001 * ((step * 7 + rep) % 3),
                             "late": (step >= 50) + 0.001 * ((step * 5 + rep) % 3)})
    return pd.DataFrame(rows)


def test_table_uses_the_final_windows_only():
    """A metric that settles before the last 2W steps is stationary; one that jumps inside
    the final window is not."""
    steady = stationary_table(table(), W, ["early", "late"])
    assert steady[("a", "early")] and steady[("b", "early")]
    assert not steady[("a", "late")] and not steady[("b", "late")]


def test_summary_has_a_stationary_column():
    from cogov.model.sim.reporters import METRICS

    ts = table()
    for metric in METRICS:
        if metric not in ts:
            ts[metric] = 0.5
    ts["cooperation"] = ts["late"]
    summary = summarize(ts, W).set_index(["scenario", "metric"])
    assert summary.loc[("a", "trust_gov"), "stationary"]
    assert not summary.loc[("a", "cooperation"), "stationary"]


# the old defaults: no warm-up, a random half contributing at the start
CREEP = ["--set", "population.citizens=2500", "--set", "mechanisms.incentives.warmup=0",
         "--set", "mechanisms.incentives.initial_cooperation=0.5", "--steps", "100"]


def test_compare_reports_and_warns(tmp_path, capsys):
    """Without the warm-up, co-production creeps through the final window (item 10 of
    issue 11): compare flags it in summary.csv and on the terminal; with it, it does not."""
    from cogov.model.ui.cli import main
    from tests.conftest import ROOT

    main(["compare", str(ROOT / "scenarios/top_down.yaml"), "--replicates", "6", *CREEP,
          "--out", str(tmp_path / "c")])
    err = capsys.readouterr().err
    summary = pd.read_csv(tmp_path / "c/summary.csv").set_index("metric")
    assert not summary.loc["cooperation", "stationary"]
    assert "top_down: cooperation is still drifting" in err
    main(["compare", str(ROOT / "scenarios/top_down.yaml"), "--replicates", "3",
          "--out", str(tmp_path / "w")])
    assert "cooperation is still drifting" not in capsys.readouterr().err
    assert pd.read_csv(tmp_path / "w/summary.csv").set_index("metric").loc["cooperation",
                                                                            "stationary"]


def test_sweep_writes_summary_with_stationary(tmp_path, capsys):
    from cogov.model.ui.cli import main
    from tests.conftest import ROOT

    main(["sweep", str(ROOT / "scenarios/top_down.yaml"), "--grid",
          "mechanisms.incentives.warmup=0,2000", "--replicates", "6", "--workers", "1",
          "--set", "population.citizens=2500", "--set",
          "mechanisms.incentives.initial_cooperation=0.5", "--steps", "100",
          "--out", str(tmp_path / "s")])
    summary = pd.read_csv(tmp_path / "s/summary.csv")
    coop = summary[summary.metric == "cooperation"].set_index("mechanisms.incentives.warmup")
    assert not coop.loc[0, "stationary"] and coop.loc[2000, "stationary"]
    assert "cooperation is still drifting" in capsys.readouterr().err


@pytest.mark.slow
def test_core_presets_are_stationary_at_their_default_length():
    """Issue 11: every headline metric of the four core presets is a steady state in the
    final window of a default-length run (5 replicates)."""
    from cogov.model.engine.compare import run_replicates
    from cogov.model.scenario.files import load_scenario
    from cogov.model.ui.cli import KEY_METRICS
    from tests.conftest import PRESETS, ROOT

    scenarios = [load_scenario(ROOT / "scenarios" / f"{p}.yaml") for p in PRESETS]
    ts = run_replicates(scenarios, 5, 42)
    steady = stationary_table(ts, scenarios[0].outputs.window, KEY_METRICS)
    assert all(steady.values()), [k for k, v in steady.items() if not v]

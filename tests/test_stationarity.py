"""The steady-state check of final windows (model/stationarity.py, docs/experiments.md)."""

import numpy as np
import pandas as pd
import pytest

from model.stationarity import is_stationary, stationary_table, window_drift


def ar1(rng, n, phi=0.7, sd=0.05, level=0.5):
    x = np.empty(n)
    x[0] = rng.normal(0, sd / np.sqrt(1 - phi**2))
    for t in range(1, n):
        x[t] = phi * x[t - 1] + rng.normal(0, sd)
    return level + x


@pytest.mark.parametrize("replicates", [1, 5])
def test_stationary_ar1_passes(replicates):
    """A stationary, autocorrelated series passes in (almost) every draw: false alarms stay
    near the test's 5 %, despite the autocorrelation."""
    rng = np.random.default_rng(11)
    flagged = [not is_stationary([ar1(rng, 20) for _ in range(replicates)]) for _ in range(300)]
    assert np.mean(flagged) < (0.13 if replicates == 1 else 0.08)


@pytest.mark.parametrize("replicates", [1, 5])
def test_trend_fails(replicates):
    """Cooperation creeping up as at step 100 of the old co-production (0.002 per step)."""
    rng = np.random.default_rng(12)
    caught = [not is_stationary([0.1 + 0.002 * np.arange(20) + ar1(rng, 20, sd=0.003, level=0.0)
                                 for _ in range(replicates)]) for _ in range(100)]
    assert np.mean(caught) >= (0.9 if replicates == 1 else 1.0)


@pytest.mark.parametrize("replicates", [1, 5])
def test_step_change_fails(replicates):
    """A level shift inside the window (say a shock at its middle). One replicate has only
    its own 20 points to judge autocorrelation by, so it needs a clearer shift."""
    rng = np.random.default_rng(13)
    caught = [not is_stationary([np.where(np.arange(20) < 10, 0.5, 0.6)
                                 + ar1(rng, 20, sd=0.01, level=0.0,
                                       phi=0.3 if replicates == 1 else 0.7)
                                 for _ in range(replicates)]) for _ in range(100)]
    assert np.mean(caught) >= (0.9 if replicates == 1 else 1.0)


def test_immaterial_drift_passes():
    """A clear but tiny drift (0.2 % of the level over the window) is not worth a warning."""
    runs = [0.8 + 1e-4 * np.arange(20) + 1e-6 * np.sin(np.arange(20) + k) for k in range(5)]
    drift, critical, _ = window_drift(runs)
    assert abs(drift) > critical  # statistically clear ...
    assert is_stationary(runs)  # ... but below the material tolerance


def test_constant_and_undefined_series_are_stationary():
    assert is_stationary([np.full(20, 3.0)] * 3)
    assert is_stationary([np.full(20, np.nan)] * 3)  # e.g. resolution_time with nothing resolved


def test_table_groups_replicates_and_uses_the_final_window():
    """A metric that moves only before the window is stationary in it; one that moves inside
    it is not."""
    rows = []
    for scenario in ("a", "b"):
        for rep in range(3):
            for step in range(41):
                early = min(step, 10) * 0.1  # settles at step 10
                late = 0.0 if step < 30 else 1.0  # jumps inside the final window
                rows.append({"scenario": scenario, "replicate": rep, "step": step,
                             "early": early + 0.001 * ((step * 7 + rep) % 3),
                             "late": late + 0.001 * ((step * 5 + rep) % 3)})
    table = stationary_table(pd.DataFrame(rows), 20, ["early", "late"])
    assert table[("a", "early")] and table[("b", "early")]
    assert not table[("a", "late")]

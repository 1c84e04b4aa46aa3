"""Statistics of runs: the final window, confidence intervals, and summaries with the
stationarity verdict of each metric (docs/model.md, section 10)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..sim.reporters import METRICS


def final_window(metrics: pd.DataFrame, window: int) -> pd.Series:
    """Mean of every metric over the last ``window`` steps (step 0 excluded)."""
    body = metrics[metrics["step"] > 0]
    return body.tail(window)[[m for m in METRICS if m != "step"]].mean()


def interval(values: np.ndarray) -> dict:
    """n, mean, sd and the 95 % t-interval of the mean (sd and half-width 0 for one value)."""
    from scipy import stats

    n = len(values)
    mean = float(np.mean(values))
    sd = float(np.std(values, ddof=1)) if n > 1 else 0.0
    half = float(stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)) if n > 1 else 0.0
    return {"n": n, "mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half}


def summarize(timeseries: pd.DataFrame, window: int) -> pd.DataFrame:
    """Per scenario and metric: mean, sd and 95% t-interval of the final-window value,
    and whether the final window is a steady state (``stationary``, model/engine/stationarity.py)."""
    from .stationarity import stationary_table

    rows = []
    for (name, _), run in timeseries.groupby(["scenario", "replicate"], sort=False):
        rows.append(final_window(run, window).rename(name))
    finals = pd.DataFrame(rows)
    steady = stationary_table(timeseries, window, list(finals.columns))
    out = []
    for name in dict.fromkeys(timeseries["scenario"]):
        block = finals.loc[[name]]
        for metric in finals.columns:
            out.append({"scenario": name, "metric": metric,
                        **interval(block[metric].to_numpy(dtype=float)),
                        "stationary": steady[(name, metric)]})
    return pd.DataFrame(out)

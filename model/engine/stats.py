"""Statistics of runs: the final window, confidence intervals, and summaries with the
stationarity verdict of each metric (docs/model.md, section 10)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..sim.reporters import METRICS

# columns of run tables that say which run a row is, not what it measured
ID_COLUMNS = ("run_id", "point", "scenario", "replicate", "seed", "step")


def metric_columns(table: pd.DataFrame) -> list[str]:
    """The metrics a table of runs holds: the model's (:data:`METRICS`, in their order), then
    the columns a plug-in mechanism added (docs/plugins.md), in the table's order."""
    extra = [c for c in table.columns if c not in METRICS and c not in ID_COLUMNS]
    return [m for m in METRICS if m != "step"] + extra


def final_window(metrics: pd.DataFrame, window: int) -> pd.Series:
    """Mean of every metric over the last ``window`` steps (step 0 excluded)."""
    body = metrics[metrics["step"] > 0]
    return body.tail(window)[metric_columns(metrics)].mean()


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
            if metric not in METRICS and block[metric].isna().all():
                continue  # a plug-in's metric, which this scenario's runs did not record
            out.append({"scenario": name, "metric": metric,
                        **interval(block[metric].to_numpy(dtype=float)),
                        "stationary": steady[(name, metric)]})
    return pd.DataFrame(out)

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


def final_values(timeseries: pd.DataFrame, window: int) -> pd.DataFrame:
    """One row per run (scenario, replicate, seed): the final-window mean of every metric."""
    metrics = [m for m in metric_columns(timeseries) if m in timeseries]
    rows = []
    for (name, replicate), run in timeseries.groupby(["scenario", "replicate"], sort=False):
        body = run[run["step"] > 0].tail(window)[metrics].mean()
        rows.append({"scenario": name, "replicate": replicate,
                     "seed": int(run["seed"].iloc[0]), **body.to_dict()})
    return pd.DataFrame(rows)


def paired_differences(timeseries: pd.DataFrame, window: int, baseline: str) -> pd.DataFrame:
    """Every other scenario's paired difference from ``baseline`` on every metric (the
    final-window means; ``compare --baseline``, differences.csv).

    Replicates are paired by seed (every scenario of a comparison gets the same seeds,
    common random numbers): the difference is the mean over seeds of scenario − baseline,
    with the 95 % t-interval of that mean on n − 1 degrees of freedom (n: seeds where both
    values are defined; no interval with one). Columns: scenario, baseline, metric, n,
    baseline_mean, scenario_mean, difference, sd, ci_low, ci_high.

        >>> ts = pd.DataFrame({"scenario": ["a"] * 4 + ["b"] * 4, "replicate": [0, 0, 1, 1] * 2,
        ...                    "seed": [7, 7, 8, 8] * 2, "step": [0, 1] * 4,
        ...                    "unmet_need": [0, 0.5, 0, 0.4, 0, 0.3, 0, 0.1]})
        >>> d = paired_differences(ts, 1, "a")
        >>> d.loc[d.metric == "unmet_need", ["scenario", "n", "difference"]].values.tolist()
        [['b', 2, -0.25]]
    """
    finals = final_values(timeseries, window)
    names = list(dict.fromkeys(finals["scenario"]))
    if baseline not in names:
        raise ValueError(f"baseline {baseline!r} is not one of the scenarios ({', '.join(names)})")
    metrics = [m for m in metric_columns(timeseries) if m in finals]
    base = finals[finals["scenario"] == baseline].set_index("seed")
    out = []
    for name in names:
        if name == baseline:
            continue
        other = finals[finals["scenario"] == name].set_index("seed")
        for metric in metrics:
            pair = pd.concat([base[metric].rename("b"), other[metric].rename("s")], axis=1,
                             join="inner").astype(float).dropna()
            if not len(pair):
                continue  # never measured (a plug-in's metric one of them lacks, or NaN)
            diff = interval((pair["s"] - pair["b"]).to_numpy())
            if diff["n"] < 2:
                diff["ci_low"] = diff["ci_high"] = diff["sd"] = np.nan
            out.append({"scenario": name, "baseline": baseline, "metric": metric,
                        "n": diff["n"], "baseline_mean": float(pair["b"].mean()),
                        "scenario_mean": float(pair["s"].mean()), "difference": diff["mean"],
                        "sd": diff["sd"], "ci_low": diff["ci_low"], "ci_high": diff["ci_high"]})
    return pd.DataFrame(out, columns=["scenario", "baseline", "metric", "n", "baseline_mean",
                                      "scenario_mean", "difference", "sd", "ci_low", "ci_high"])

"""Is a final window a steady state? A trend test on the window, across replicates.

A summary reports the mean of the last W steps as "the" value of a scenario. That
is only meaningful if the metric has stopped moving there. The test (docs/model.md
section 10, docs/experiments.md):

1. In every replicate r, fit an ordinary least-squares line to the metric over the
   final window (steps with a defined value) and take the drift across the window,
   Δ_r = b_r · (W − 1), b_r the slope per step.
2. With R ≥ 3 replicates, Δ̄ = mean(Δ_r) and se = sd(Δ_r)/√R: the replicates are
   independent, so their spread already holds the autocorrelation of each series.
   With one or two, se = √(Σ se_r²)/R, se_r the OLS standard error of Δ_r inflated
   by √((1 + φ)/(1 − φ)), φ ∈ [0, 0.95] the lag-1 autocorrelation of the deviations from
   the two half-window means plus its small-sample bias (1 + 3φ)/W (effective sample size of an AR(1) series).
3. The window is **not stationary** when the drift is both statistically clear,
   |Δ̄| > t · se (t₀.₉₇₅ with R − 1 degrees of freedom; with fewer than three
   replicates the stricter t₀.₉₉₅ with Σ(W − 2), since φ from a short window is
   uncertain), and material,
   |Δ̄| > ``rel_tol`` · |window mean| + ``abs_tol`` (default 2 % of the level): a drift
   that moves the reported mean by less than that is not worth a warning.

Metrics with fewer than three defined values in every replicate's window have no
trend to test and count as stationary.

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> flat = [0.5 + 0.01 * rng.standard_normal(20) for _ in range(5)]
    >>> rising = [0.5 + 0.01 * np.arange(20) + 0.01 * rng.standard_normal(20) for _ in range(5)]
    >>> is_stationary(flat), is_stationary(rising)
    (True, False)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

REL_TOL = 0.02
ABS_TOL = 1e-9


def _fit(y: np.ndarray) -> tuple[float, float, int] | None:
    """Drift across the window, its AR(1)-inflated standard error, and the points used."""
    t = np.arange(y.size, dtype=float)
    ok = np.isfinite(y)
    if ok.sum() < 3:
        return None
    t, y = t[ok], y[ok]
    span = float(y.size - 1) if ok.all() else float(t[-1] - t[0])
    tc = t - t.mean()
    sxx = float((tc**2).sum())
    slope = float((tc * (y - y.mean())).sum() / sxx)
    resid = y - y.mean() - slope * tc
    dof = y.size - 2
    s2 = float((resid**2).sum()) / dof if dof > 0 else 0.0
    # autocorrelation about the two half-window means, so that a trend or a level shift
    # is not mistaken for autocorrelated noise
    half = y.size // 2
    dev = np.concatenate([y[:half] - y[:half].mean(), y[half:] - y[half:].mean()])
    phi = 0.0
    if dev.size > 2 and float((dev**2).sum()) > 0:
        phi = float((dev[1:] * dev[:-1]).sum() / (dev**2).sum())
    phi += (1 + 3 * phi) / y.size  # small-sample bias of the lag-1 estimate (Kendall 1954)
    phi = min(max(phi, 0.0), 0.95)
    se = np.sqrt(s2 / sxx) * np.sqrt((1 + phi) / (1 - phi))
    return slope * span, float(se * span), y.size


def window_drift(series: Sequence[np.ndarray]) -> tuple[float, float, int]:
    """(mean drift Δ̄ across the window, critical value t·se, replicates used)."""
    fits = [f for f in (_fit(np.asarray(s, dtype=float)) for s in series) if f is not None]
    if not fits:
        return 0.0, np.inf, 0
    drifts = np.array([f[0] for f in fits])
    r = len(fits)
    if r < 3:  # too few replicates for their spread: pool the within-series errors
        se = float(np.sqrt(sum(f[1] ** 2 for f in fits)) / r)
        dof = max(sum(f[2] - 2 for f in fits), 1)
        return float(drifts.mean()), float(stats.t.ppf(0.995, dof) * se), r
    se = float(drifts.std(ddof=1) / np.sqrt(r))
    return float(drifts.mean()), float(stats.t.ppf(0.975, r - 1) * se), r


def is_stationary(series: Sequence[np.ndarray], rel_tol: float = REL_TOL,
                  abs_tol: float = ABS_TOL) -> bool:
    """True unless the window drifts clearly and materially (module docstring).

    Args:
        series: one array per replicate: the metric over the final window, in step order.
        rel_tol, abs_tol: the material drift, rel_tol·|mean| + abs_tol.
    """
    drift, critical, used = window_drift(series)
    if used == 0:
        return True
    values = np.concatenate([np.asarray(s, dtype=float) for s in series])
    level = abs(float(np.nanmean(values))) if np.isfinite(values).any() else 0.0
    return not (abs(drift) > critical and abs(drift) > rel_tol * level + abs_tol)


def stationary_table(timeseries, window: int, metrics: Sequence[str],
                     by: Sequence[str] = ("scenario",)) -> dict:
    """``{(group..., metric): bool}`` for a tidy table with columns ``by``, replicate, step.

    The final window is the last ``window`` steps after step 0, as in
    :func:`model.runner.final_window`.
    """
    out = {}
    body = timeseries[timeseries["step"] > 0]
    keys = list(by)
    for group, block in body.groupby(keys, sort=False):
        group = group if isinstance(group, tuple) else (group,)
        runs = [run.sort_values("step").tail(window) for _, run in block.groupby("replicate")]
        for metric in metrics:
            out[(*group, metric)] = is_stationary([r[metric].to_numpy(dtype=float) for r in runs])
    return out

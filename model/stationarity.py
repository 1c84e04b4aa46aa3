"""Is a final window a steady state? The final window against the window before it.

A summary reports the mean of the last W steps as "the" value of a scenario. That
is only meaningful if the metric has stopped moving there. The test (docs/model.md
section 10, docs/experiments.md) asks whether moving the window back by its own
length would change the reported value:

1. In every replicate r, Δ_r = mean(last W steps) − mean(the W steps before them)
   (steps ≥ 1 with a defined value). A trend over the last 2W steps, or a level
   shift in either window, shows up in Δ; cycles shorter than W (the plan period,
   the need drift) average out, whereas a trend fitted inside one window would
   mistake a plan update for a drift.
2. With R ≥ 3 replicates, Δ̄ = mean(Δ_r) and se = sd(Δ_r)/√R: the replicates are
   independent, so their spread already holds the autocorrelation of each series;
   the critical value is t₀.₉₇₅ with R − 1 degrees of freedom. With one or two
   replicates, se = √(Σ se_r²)/R with se_r² = σ²(1/n₁ + 1/n₂)·(1 + φ)/(1 − φ), the
   effective sample size of an AR(1) series, estimated from the first differences d
   (which a trend moves only by a constant, and a level shift by one outlier):
   σ² = sd_d²/(2(1 − φ)), sd_d = 1.4826·MAD(d); φ = 1 + 2ρ_d ∈ [0, 0.95], ρ_d the
   lag-1 autocorrelation of d winsorised at 3 sd_d, plus the small-sample bias
   (1 + 3φ)/n of a lag-1 estimate (Kendall 1954); the critical value is the stricter t₀.₉₉₅ (φ from so few
   points is uncertain), Σ(n₁ + n₂ − 2) degrees of freedom.
3. The final window is **not stationary** when the shift is both statistically clear,
   |Δ̄| > t · se, and material, |Δ̄| > ``rel_tol`` · |final-window mean| + ``abs_tol``
   (default 2 % of the level): a shift smaller than that does not change the reported
   number in a way that matters.

Metrics with fewer than three defined values in either window of every replicate
have nothing to test and count as stationary (e.g. ``resolution_time`` when nothing
was resolved).

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> flat = [0.5 + 0.01 * rng.standard_normal(40) for _ in range(5)]
    >>> rising = [0.5 + 0.01 * np.arange(40) + 0.01 * rng.standard_normal(40) for _ in range(5)]
    >>> is_stationary(flat, 20), is_stationary(rising, 20)
    (True, False)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

REL_TOL = 0.02
ABS_TOL = 1e-9


def _compare(y: np.ndarray, window: int) -> tuple[float, float, int] | None:
    """Shift of the final window against the one before it, its AR(1)-inflated standard
    error, and the degrees of freedom; None if either window has < 3 defined values."""
    last, before = y[-window:], y[-2 * window:-window]
    last, before = last[np.isfinite(last)], before[np.isfinite(before)]
    if last.size < 3 or before.size < 3:
        return None
    # Noise from first differences, which a trend shifts only by a constant and a level
    # shift only by one outlier (winsorised at 3 robust sd): for AR(1),
    # corr(d_t, d_t-1) = −(1 − φ)/2 and var(d) = 2σ²(1 − φ).
    d = np.concatenate([np.diff(before), np.diff(last)])
    med = float(np.median(d))
    sd_d = 1.4826 * float(np.median(np.abs(d - med)))
    d = np.clip(d, med - 3 * sd_d, med + 3 * sd_d) - med
    ss = float((d**2).sum())
    rho = float((d[1:] * d[:-1]).sum() / ss) if ss > 0 else -0.5
    phi = 1.0 + 2.0 * rho
    n = before.size + last.size
    phi += (1 + 3 * phi) / n  # small-sample bias of the lag-1 estimate
    phi = min(max(phi, 0.0), 0.95)
    sigma2 = sd_d**2 / (2 * (1 - phi))
    var = sigma2 * (1 / last.size + 1 / before.size) * (1 + phi) / (1 - phi)
    return float(last.mean() - before.mean()), float(np.sqrt(var)), n - 2


def window_shift(series: Sequence[np.ndarray], window: int) -> tuple[float, float, int]:
    """(mean shift Δ̄, critical value t·se, replicates used) for per-replicate series
    ending at the run's last step."""
    fits = [f for f in (_compare(np.asarray(s, dtype=float), window) for s in series)
            if f is not None]
    if not fits:
        return 0.0, np.inf, 0
    shifts = np.array([f[0] for f in fits])
    r = len(fits)
    if r < 3:  # too few replicates for their spread: pool the within-series errors
        se = float(np.sqrt(sum(f[1] ** 2 for f in fits)) / r)
        dof = max(sum(f[2] for f in fits), 1)
        return float(shifts.mean()), float(stats.t.ppf(0.995, dof) * se), r
    se = float(shifts.std(ddof=1) / np.sqrt(r))
    return float(shifts.mean()), float(stats.t.ppf(0.975, r - 1) * se), r


def is_stationary(series: Sequence[np.ndarray], window: int, rel_tol: float = REL_TOL,
                  abs_tol: float = ABS_TOL) -> bool:
    """True unless the final window moved clearly and materially (module docstring).

    Args:
        series: one array per replicate, the metric at steps ≥ 1 in step order (at least
            the last 2·window steps are used).
        window: the final window's length W.
        rel_tol, abs_tol: a material shift exceeds rel_tol·|final-window mean| + abs_tol.
    """
    shift, critical, used = window_shift(series, window)
    if used == 0:
        return True
    finals = np.concatenate([np.asarray(s, dtype=float)[-window:] for s in series])
    level = abs(float(np.nanmean(finals))) if np.isfinite(finals).any() else 0.0
    return not (abs(shift) > critical and abs(shift) > rel_tol * level + abs_tol)


def stationary_table(timeseries, window: int, metrics: Sequence[str],
                     by: Sequence[str] = ("scenario",)) -> dict:
    """``{(group..., metric): bool}`` for a tidy table with columns ``by``, replicate, step.

    The final window is the last ``window`` steps after step 0, as in
    :func:`model.runner.final_window`.
    """
    out = {}
    body = timeseries[timeseries["step"] > 0]
    for group, block in body.groupby(list(by), sort=False):
        group = group if isinstance(group, tuple) else (group,)
        runs = [run.sort_values("step").tail(2 * window)
                for _, run in block.groupby("replicate")]
        for metric in metrics:
            out[(*group, metric)] = is_stationary(
                [r[metric].to_numpy(dtype=float) for r in runs], window)
    return out

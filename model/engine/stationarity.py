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

**Across horizons.** A slow drift moves the final window by less than the noise over one
window's length and passes the test above, yet the value read at the horizon N is not
the one the model settles at. :func:`holds_across_horizons` compares, replicate by
replicate (the same seeds), the final-window mean of a run to N with that of a run to
K·N (``cogov compare --check-horizon K``; :func:`.compare.check_horizon` runs both): the same test with the
window at N in place of "the window before" and the window at K·N as "the final window"
(R ≥ 3: paired t-interval over replicates; fewer: the AR(1) errors of step 2), and the
same materiality rule (2 % of the level at K·N). A metric that moved clearly and
materially is **transient at N**.

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> flat = [0.5 + 0.01 * rng.standard_normal(40) for _ in range(5)]
    >>> rising = [0.5 + 0.01 * np.arange(40) + 0.01 * rng.standard_normal(40) for _ in range(5)]
    >>> is_stationary(flat, 20), is_stationary(rising, 20)
    (True, False)
    >>> slow = [0.5 + 0.0002 * np.arange(300) + 0.01 * rng.standard_normal(300) for _ in range(5)]
    >>> is_stationary([s[:100] for s in slow], 20), holds_across_horizons([s[:100] for s in slow], slow, 20)
    (True, False)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
from scipy import stats

REL_TOL = 0.02
ABS_TOL = 1e-9


@cache
def _t(q: float, dof: int) -> float:
    """Student's t quantile (cached: a summary asks for the same few thousands of times)."""
    return float(stats.t.ppf(q, dof))


def _compare(y: np.ndarray, window: int) -> tuple[float, float, int] | None:
    """Shift of the final window against the one before it, its AR(1)-inflated standard
    error, and the degrees of freedom; None if either window has < 3 defined values."""
    last, before = _windows(y, window)
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


def _windows(y: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """The final window and the one before it, defined values only."""
    last, before = y[-window:], y[-2 * window:-window]
    return last[np.isfinite(last)], before[np.isfinite(before)]


def window_shift(series: Sequence[np.ndarray], window: int) -> tuple[float, float, int]:
    """(mean shift Δ̄, critical value t·se, replicates used) for per-replicate series
    ending at the run's last step."""
    pairs = [_windows(np.asarray(s, dtype=float), window) for s in series]
    usable = [(last, before) for last, before in pairs if last.size >= 3 and before.size >= 3]
    r = len(usable)
    if r == 0:
        return 0.0, np.inf, 0
    if r < 3:  # too few replicates for their spread: pool the within-series errors
        fits = [_compare(np.asarray(s, dtype=float), window) for s in series]
        fits = [f for f in fits if f is not None]
        shifts = np.array([f[0] for f in fits])
        se = float(np.sqrt(sum(f[1] ** 2 for f in fits)) / r)
        dof = max(sum(f[2] for f in fits), 1)
        return float(shifts.mean()), _t(0.995, int(dof)) * se, r
    shifts = np.array([last.mean() - before.mean() for last, before in usable])
    return _across_replicates(shifts)


def _across_replicates(shifts: np.ndarray) -> tuple[float, float, int]:
    """Mean shift and t₀.₉₇₅·se from R ≥ 3 independent replicates' shifts."""
    r = shifts.size
    se = float(shifts.std(ddof=1) / np.sqrt(r))
    return float(shifts.mean()), _t(0.975, r - 1) * se, r


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
    return not _moved(shift, critical, finals, rel_tol, abs_tol)


def _moved(shift: float, critical: float, finals: np.ndarray, rel_tol: float,
           abs_tol: float) -> bool:
    """Whether a shift is clear (beyond ``critical``) and material (beyond rel_tol·|level|
    + abs_tol, the level the mean of the final windows' defined values)."""
    level = abs(float(np.nanmean(finals))) if np.isfinite(finals).any() else 0.0
    return abs(shift) > critical and abs(shift) > rel_tol * level + abs_tol


def stationary_table(timeseries, window: int, metrics: Sequence[str],
                     by: Sequence[str] = ("scenario",)) -> dict:
    """``{(group..., metric): bool}`` for a tidy table with columns ``by``, replicate, step.

    The final window is the last ``window`` steps after step 0, as in
    :func:`.stats.final_window`. Replicates of equal length without gaps in the
    last 2·W steps (every sweep and compare) are tested for all metrics at once; anything
    else metric by metric with :func:`is_stationary`.
    """
    out = {}
    metrics = list(metrics)
    body = timeseries[timeseries["step"] > 0].sort_values([*by, "replicate", "step"])
    for group, block in body.groupby(list(by), sort=False):
        group = group if isinstance(group, tuple) else (group,)
        runs = [run.tail(2 * window) for _, run in block.groupby("replicate", sort=False)]
        cube = _cube(runs, metrics, window)
        verdicts = _stationary_cube(cube, window) if cube is not None else None
        for k, metric in enumerate(metrics):
            if verdicts is not None and verdicts[k] is not None:
                out[(*group, metric)] = verdicts[k]
            else:
                out[(*group, metric)] = is_stationary(
                    [r[metric].to_numpy(dtype=float) for r in runs], window)
    return out


def _cube(runs: list, metrics: list[str], window: int) -> np.ndarray | None:
    """Replicates x last 2·W steps x metrics, or None unless every replicate has 2·W rows."""
    if len(runs) < 3 or any(len(r) != 2 * window for r in runs):
        return None
    return np.stack([r[metrics].to_numpy(dtype=float) for r in runs])


def _stationary_cube(cube: np.ndarray, window: int) -> list[bool | None]:
    """:func:`is_stationary` per metric for R ≥ 3 full replicates at once; None where a
    metric needs the within-series path (fewer than 3 replicates with 3 defined values in
    both windows)."""
    before, last = cube[:, :window, :], cube[:, window:, :]
    n_last, n_before = np.isfinite(last).sum(axis=1), np.isfinite(before).sum(axis=1)
    usable = (n_last >= 3) & (n_before >= 3)  # replicates x metrics
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = (np.where(np.isfinite(last), last, 0).sum(axis=1) / n_last
                 - np.where(np.isfinite(before), before, 0).sum(axis=1) / n_before)
    verdicts: list[bool | None] = []
    for k in range(cube.shape[2]):
        used = usable[:, k]
        if not used.any():
            verdicts.append(True)
            continue
        if used.sum() < 3:
            verdicts.append(None)
            continue
        mean, critical, _ = _across_replicates(shift[used, k])
        verdicts.append(not _moved(mean, critical, last[:, :, k], REL_TOL, ABS_TOL))
    return verdicts


# ---------------------------------------------------------------- across horizons
def _joined(at_horizon: Sequence[np.ndarray], at_long: Sequence[np.ndarray],
            window: int) -> list[np.ndarray]:
    if len(at_horizon) != len(at_long):
        raise ValueError("across horizons: give the same replicates (seeds) at both horizons")
    return [np.concatenate([np.asarray(a, dtype=float)[-window:],
                            np.asarray(b, dtype=float)[-window:]])
            for a, b in zip(at_horizon, at_long, strict=True)]


def horizon_shift(at_horizon: Sequence[np.ndarray], at_long: Sequence[np.ndarray],
                  window: int) -> tuple[float, float, int]:
    """(mean shift of the final-window mean from the horizon to the longer horizon,
    critical value t·se, replicates used), replicate r of both lists being the same seed."""
    return window_shift(_joined(at_horizon, at_long, window), window)


def holds_across_horizons(at_horizon: Sequence[np.ndarray], at_long: Sequence[np.ndarray],
                          window: int, rel_tol: float = REL_TOL, abs_tol: float = ABS_TOL) -> bool:
    """True unless the final-window mean moved clearly and materially between the horizon
    and the longer run (module docstring, "Across horizons").

    Args:
        at_horizon: one array per replicate, the metric at steps ≥ 1 of a run to the horizon.
        at_long: the same replicates (seeds) run to the longer horizon.
        window: the final window's length W (the last W values of each array are used).
        rel_tol, abs_tol: a material shift exceeds rel_tol·|level at the longer horizon| + abs_tol.
    """
    return is_stationary(_joined(at_horizon, at_long, window), window, rel_tol, abs_tol)


def horizon_table(at_horizon, at_long, window: int, metrics: Sequence[str],
                  by: Sequence[str] = ("scenario",)):
    """Per group and metric, from two tidy time series of the same replicates (columns
    ``by``, replicate, step, metrics), one run to the horizon N and one to K·N: ``horizon``
    (N), ``long_horizon`` (K·N), ``mean`` and ``mean_long`` (final-window means over
    replicates), ``horizon_shift`` (mean_long − mean, paired), ``horizon_critical``
    (t·se) and ``stationary_horizon`` (:func:`holds_across_horizons`)."""
    import pandas as pd

    rows = []
    short = at_horizon[at_horizon["step"] > 0]
    long = at_long[at_long["step"] > 0]
    for group, block in short.groupby(list(by), sort=False):
        group = group if isinstance(group, tuple) else (group,)
        mask = np.ones(len(long), dtype=bool)
        for key, value in zip(by, group, strict=True):
            mask &= (long[key] == value).to_numpy()
        other = long[mask]
        reps = sorted(set(block["replicate"]) & set(other["replicate"]))
        a = [block[block["replicate"] == r].sort_values("step") for r in reps]
        b = [other[other["replicate"] == r].sort_values("step") for r in reps]
        for metric in metrics:
            xa = [run[metric].to_numpy(dtype=float) for run in a]
            xb = [run[metric].to_numpy(dtype=float) for run in b]
            shift, critical, _ = horizon_shift(xa, xb, window) if reps else (0.0, np.inf, 0)
            level, level_long = _level(xa, window), _level(xb, window)
            rows.append({**dict(zip(by, group, strict=True)), "metric": metric,
                         "horizon": int(block["step"].max()),
                         "long_horizon": int(other["step"].max()) if len(other) else np.nan,
                         "mean": level, "mean_long": level_long, "horizon_shift": shift,
                         "horizon_critical": critical,
                         "stationary_horizon": bool(holds_across_horizons(xa, xb, window))
                         if reps else True})
    return pd.DataFrame(rows)


def _level(series: list[np.ndarray], window: int) -> float:
    """Mean of the final windows' defined values (NaN when there are none)."""
    values = np.concatenate([x[-window:] for x in series]) if series else np.array([])
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else float("nan")


def transient_note(stationary: bool, horizon: int) -> str:
    """The label of a value read at step ``horizon`` that is not a steady state ('' if it is)."""
    return "" if stationary else f"transient: still moving at step {horizon}"

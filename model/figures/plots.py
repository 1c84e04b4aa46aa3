"""Figures: one run's metrics, scenarios compared, and sweeps.

A study draws its own figure (sensitivity indices in :mod:`..studies.sensitivity`, the
calibration fit in :mod:`..studies.calibrate`, factorial effects in
:mod:`..studies.factorial`) from the pieces here; this module imports no study.

Every function draws on a new :class:`matplotlib.figure.Figure` (never pyplot, and
never a change of backend, so a Jupyter kernel keeps inline plotting), saves it when
given a path, and returns it. Panel titles, y labels and the range a confidence band
is kept within come from docs/model.md's metric table (:mod:`.labels`).

Reusable pieces for any figure or table of cogov's:

- :func:`title`, :func:`axis_label`, :func:`bounds`: a metric's documented label,
  unit and range; :data:`STEP_LABEL` for a time axis.
- :func:`bootstrap_ci`: mean and 95 % percentile-bootstrap interval of replicates,
  which never leaves the range of the data (hence of the metric), and is NaN with
  one replicate; :func:`estimate_text` writes "0.123 ± 0.010" or "0.123 ± n/a".
- :func:`scenario_styles`: colour and line style per scenario, the 2x2 design
  (collaboration x adaptation) as colour x line style in the Okabe-Ito palette.
- :func:`shock_marks` / :func:`mark_shocks`: shocks and incidents on a time axis.
- :func:`default_metrics`: the panels a set of scenarios calls for (the headline
  metrics of the mechanisms they switch on).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ..sim.mechanisms import headlines
from .labels import axis_label, bounds, title

__all__ = ["STEP_LABEL", "OKABE_ITO", "TRUST_CMAP", "axis_label", "bounds", "title",
           "bootstrap_ci", "estimate_text", "scenario_styles", "shock_marks", "mark_shocks",
           "default_metrics", "metrics_to_draw", "plot_run", "plot_compare", "plot_sweep"]

# docs/model.md section 2, "Time"
STEP_LABEL = "step (one step = one budget period, about a month)"

# Okabe & Ito (2008), distinguishable with every common colour-vision deficiency;
# yellow last (faint on white)
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
             "#F0E442")
# the 2x2 design: colour = collaboration, line style = adaptation
COLLABORATION_COLOURS = {False: "#D55E00", True: "#0072B2"}  # vermillion, blue
ADAPTATION_STYLES = {False: "--", True: "-"}
# a colour-blind-safe map for values in [0, 1] (trust) in the app
TRUST_CMAP = "cividis"

MAIN_METRICS = ("trust_gov", "trust_ngo", "satisfaction", "unmet_need", "cooperation",
                "service_gini", "resource_leverage", "cost_per_need")
CONFLICT_METRICS = ("opinion_mean", "attention", "unrest", "arrests", "warnings", "response_spend",
                    "disputes_open", "resolution_time")
ECOLOGY_METRICS = ("ngo_default_rate", "blacklisted", "project_failures", "relocation_unmet",
                   "contract_coverage", "labour_disputes")
SWEEP_METRICS = ("trust_gov", "unmet_need", "satisfaction", "cooperation")

# the headline metrics of each mechanism that is off by default, declared by the mechanism
MECHANISM_METRICS = headlines()
SHOCK_METRICS = {"relocation": ("relocation_unmet", "relocation_compensation"),
                 "incident": ("attention",)}
CORE_METRICS = ("unmet_need", "trust_gov", "satisfaction")

CONFIDENCE = 0.95
RESAMPLES = 2000
CI_METHOD = (f"{CONFIDENCE:.0%} percentile-bootstrap interval of the mean "
             f"({RESAMPLES:,} resamples; it stays within the metric's range)")


# ------------------------------------------------------------------ scenarios
def _get(scenario, dotted: str, default=None):
    """A key of a Scenario or of its plain-data form (compare.json, run.json)."""
    node = scenario
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
        if node is None:
            return default
    return node


def _name(scenario) -> str:
    return str(_get(scenario, "name", "scenario"))


def default_metrics(scenarios: Sequence = (), table=None) -> tuple[str, ...]:
    """Panels for these scenarios: the headline metrics of their shocks' kinds and of
    every mechanism that one of them switches on, their custom reporters
    (``outputs.reporters``), then unmet need, trust and satisfaction; the main metrics when
    none does. Metrics absent from ``table`` (if given) are left out.
    """
    shocks: list[str] = []  # what a preset with a shock is about comes first
    extra: list[str] = []
    for s in scenarios:
        for shock in _get(s, "shocks", ()) or ():
            shocks += SHOCK_METRICS.get(_get(shock, "kind"), ())
        for key, names in MECHANISM_METRICS.items():
            if _get(s, f"{key}.enabled", False):
                extra += names
        extra += plugin_metrics(s)
        extra += list(_get(s, "outputs.reporters", {}) or {})  # a researcher's own columns
    extra = shocks + extra
    names = list(dict.fromkeys([*extra, *CORE_METRICS])) if extra else list(MAIN_METRICS)
    if table is not None:
        names = [m for m in names if m in table and table[m].notna().any()]
    return tuple(names)


def plugin_metrics(scenario) -> list[str]:
    """The metrics of the plug-in mechanisms a scenario (or its ``to_dict()``) switches on:
    each one's ``headline`` if it declares one, else all its metrics (docs/plugins.md)."""
    from ..scenario.plugins import PluginError, load_plugin

    names = []
    for spec in _get(scenario, "plugins", ()) or ():
        try:
            cls = load_plugin(spec)
        except PluginError:  # e.g. a results folder whose plug-in file has moved
            continue
        settings = (scenario.plugin_settings.get(cls.name, {})
                    if hasattr(scenario, "plugin_settings")
                    else _get(scenario, f"mechanisms.{cls.name}", {}))
        if settings.get("enabled", True):
            names += getattr(cls, "headline", ()) or [fn.__name__ for fn in cls.metrics]
    return names


def metrics_to_draw(table) -> tuple[str, ...]:
    """The main metrics, plus conflict and ecology metrics that carry data (their
    mechanisms are on), the NGO count when it changes (incubation), and the metrics of
    plug-in mechanisms (docs/plugins.md) and custom reporters (``outputs.reporters``)."""
    extra = [m for m in (*CONFLICT_METRICS, *ECOLOGY_METRICS)
             if m in table and table[m].notna().any() and (table[m].fillna(0) != 0).any()]
    if "ngo_count" in table and table["ngo_count"].nunique() > 1:
        extra.insert(0, "ngo_count")
    from ..engine.stats import metric_columns
    from ..sim.reporters import METRICS  # columns beyond the model's: a plug-in's, a reporter's

    extra += [m for m in metric_columns(table) if m not in METRICS and table[m].notna().any()]
    return (*MAIN_METRICS, *extra)


def scenario_styles(scenarios: Sequence) -> dict[str, dict]:
    """Colour, line style and legend label per scenario name.

    When the scenarios are distinct cells of the 2x2 design (each a different pair of
    ``governance.collaboration`` and ``governance.adaptation``), colour encodes
    collaboration (vermillion off, blue on) and line style adaptation (dashed off,
    solid on); markers tell the four cells apart where lines coincide. Otherwise each scenario gets its own Okabe-Ito colour (and a new line
    style once the eight colours are used).
    """
    names = [_name(s) for s in scenarios]
    markers = ("o", "s", "^", "D", "v", "P", "X", "*")
    cells = [(bool(_get(s, "governance.collaboration", False)),
              bool(_get(s, "governance.adaptation", False))) for s in scenarios]
    if len(scenarios) > 1 and len(set(cells)) == len(cells):
        return {n: {"color": COLLABORATION_COLOURS[c], "linestyle": ADAPTATION_STYLES[a],
                    "marker": markers[2 * c + a],
                    "label": f"{n} (collaboration {'on' if c else 'off'}, "
                             f"adaptation {'on' if a else 'off'})"}
                for n, (c, a) in zip(names, cells, strict=True)}
    dashes = ("-", "--", ":", "-.")
    return {n: {"color": OKABE_ITO[i % len(OKABE_ITO)],
                "linestyle": dashes[(i // len(OKABE_ITO)) % len(dashes)],
                "marker": markers[i % len(markers)], "label": n}
            for i, n in enumerate(names)}


def _styles_for(names: Sequence[str], scenarios: Sequence | None) -> tuple[dict, str]:
    """Styles for the scenario names of a table, and the caption's word on them."""
    known = {_name(s): s for s in scenarios or ()}
    if known and all(n in known for n in names):
        styles = scenario_styles([known[n] for n in names])
    else:
        styles = scenario_styles([{"name": n} for n in names])
    design = any(v["label"] != n for n, v in styles.items())
    note = ("colour: collaboration (vermillion off, blue on); line: adaptation (dashed off, "
            "solid on)") if design else ""
    return styles, note


def shock_marks(scenarios: Sequence) -> list[tuple[int, int, str]]:
    """(first step, last step, kind) of every shock of these scenarios, once each."""
    marks = []
    for s in scenarios:
        for shock in _get(s, "shocks", ()) or ():
            step, over = int(_get(shock, "step", 1)), int(_get(shock, "over", 1))
            marks.append((step, step + over - 1, str(_get(shock, "kind", "shock"))))
    return sorted(set(marks))


def mark_shocks(ax, marks: Iterable[tuple[int, int, str]], label: bool = False) -> None:
    """Dotted line at a one-step shock, a shaded span over a longer one; kind as text."""
    for first, last, kind in marks:
        if last > first:
            ax.axvspan(first - 0.5, last + 0.5, color="0.5", alpha=0.15, lw=0, zorder=0)
        else:
            ax.axvline(first, color="0.35", ls=":", lw=1.1, zorder=0)
        if label:
            ax.annotate(kind.replace("_", " "), (first, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(2, -2), textcoords="offset points", fontsize=7, color="0.3",
                        va="top", ha="left")


def _shock_caption(marks) -> str:
    if not marks:
        return ""
    parts = [f"{kind.replace('_', ' ')} at step {a}" + (f"-{b}" if b > a else "")
             for a, b, kind in marks]
    return "dotted lines / shading: " + ", ".join(parts)


# ---------------------------------------------------------------- intervals
def bootstrap_ci(values, metric: str | None = None, *, confidence: float = CONFIDENCE,
                 resamples: int = RESAMPLES, seed: int = 0):
    """Mean over replicates and its percentile-bootstrap interval, per column.

    ``values`` is (replicates x points); NaNs are ignored. The interval comes from
    means of resampled replicates, so it lies within the range of the data and hence
    within the metric's documented range (clipped to it as well, for rounding). With
    one replicate (per point) the interval is NaN: there is no spread to estimate.
    A fixed ``seed`` keeps figures identical from run to run.

        >>> mean, low, high = bootstrap_ci([[0.0, 1.0], [0.0, 1.0], [0.1, 1.0]], "unmet_need")
        >>> bool(low[0] >= 0 and high[1] <= 1), mean.round(3).tolist()
        (True, [0.033, 1.0])
    """
    x = np.asarray(values, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    counts = np.sum(~np.isnan(x), axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: NaN, as wanted
        mean = np.nanmean(x, axis=0)
        rng = np.random.default_rng(seed)
        picks = rng.integers(0, x.shape[0], size=(resamples, x.shape[0]))
        means = np.nanmean(x[picks], axis=1)  # (resamples x points)
        tail = (1 - confidence) / 2
        low, high = np.nanquantile(means, [tail, 1 - tail], axis=0)
    low = np.where(counts > 1, low, np.nan)
    high = np.where(counts > 1, high, np.nan)
    if metric is not None:
        lo, hi = bounds(metric)
        low, high = np.clip(low, lo, hi), np.clip(high, lo, hi)
    return mean, low, high


def estimate_text(mean: float, half: float | None, n: int, digits: int = 3) -> str:
    """'0.123 ± 0.010'; '0.123 ± n/a' with one replicate (no spread to estimate);
    'n/a' for a mean that is not defined (NaN)."""
    if mean is None or not math.isfinite(mean):
        return "n/a"
    if n < 2 or half is None or not math.isfinite(half):
        return f"{mean:.{digits}f} ± n/a"
    return f"{mean:.{digits}f} ± {half:.{digits}f}"


# ------------------------------------------------------------------- layout
def _grid(n_panels: int, cols: int = 4, width: float = 3.7, height: float = 2.8):
    """A Figure with n_panels axes (no empty ones), and the axes."""
    from matplotlib.figure import Figure

    cols = max(1, min(cols, n_panels))
    rows = max(1, math.ceil(n_panels / cols))
    fig = Figure(figsize=(width * cols, height * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[n_panels:]:
        fig.delaxes(ax)
    return fig, list(axes[:n_panels])


def _caption(fig, *lines: str) -> None:
    """Small text under the panels (saved with a tight bounding box, so it is kept)."""
    text = "\n".join(line for line in lines if line)
    if text:
        fig.text(0.01, 0.0, text, ha="left", va="top", fontsize=7.5, color="0.25", wrap=True)


def _panel(ax, metric: str, xlabel: str = "step") -> None:
    ax.set_title(title(metric), fontsize=10)
    ax.set_ylabel(axis_label(metric), fontsize=8)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)


def save(fig, path: str | Path | None) -> None:
    """Write the figure as PNG (atomically) when a path is given."""
    if path is None:
        return
    from ..engine.outputs import atomic_path

    with atomic_path(Path(path)) as tmp:
        fig.savefig(tmp, dpi=110, format="png", bbox_inches="tight", pad_inches=0.15)


def _check_metrics(metrics: Sequence[str], table) -> list[str]:
    missing = [m for m in metrics if m not in table]
    if missing:
        raise ValueError(f"no such metric in the results: {', '.join(missing)}")
    return list(metrics)


# --------------------------------------------------------------- run, compare
def plot_run(metrics, path: str | Path | None = None, title: str = "", *,
             scenario=None, panels: Sequence[str] | None = None):
    """One panel per metric over time (from step 1; row 0 is the warm-up's last state).

    Args:
        metrics: a run's model_metrics table.
        path: where to save the PNG (not saved if None).
        title: figure title.
        scenario: the run's scenario (Scenario or its dict), for its shocks.
        panels: metrics to draw; default :func:`metrics_to_draw`.
    """
    body = metrics[metrics["step"] > 0]
    names = _check_metrics(panels, body) if panels else list(metrics_to_draw(body))
    marks = shock_marks([scenario]) if scenario is not None else []
    fig, axes = _grid(len(names))
    for i, (ax, name) in enumerate(zip(axes, names, strict=True)):
        ax.plot(body["step"], body[name], lw=1.4, color=OKABE_ITO[0])
        mark_shocks(ax, marks, label=i == 0)
        _panel(ax, name)
    fig.suptitle(title or "one run", fontsize=11)
    fig.supxlabel(STEP_LABEL, fontsize=9)
    _caption(fig, "One run (one seed): no confidence interval.", _shock_caption(marks))
    save(fig, path)
    return fig


def plot_compare(timeseries, path: str | Path | None = None, metrics=None, scenarios=None):
    """Mean over replicates with a bounded 95 % band, one line per scenario, a panel
    per metric; shocks marked. Default panels: :func:`default_metrics` of the scenarios
    (the main metrics when they are unknown)."""
    body = timeseries[timeseries["step"] > 0]
    names = list(dict.fromkeys(body["scenario"]))
    if metrics:
        metrics = _check_metrics(metrics, body)
    elif scenarios:
        metrics = list(default_metrics(scenarios, body))
    else:
        metrics = list(metrics_to_draw(body))
    styles, design_note = _styles_for(names, scenarios)
    marks = shock_marks(scenarios or [])
    fig, axes = _grid(len(metrics))
    counts = set()
    for k, name in enumerate(names):
        block = body[body["scenario"] == name]
        for ax, metric in zip(axes, metrics, strict=True):
            wide = block.pivot_table(index="replicate", columns="step", values=metric,
                                     dropna=False)
            counts.add(wide.shape[0])
            mean, low, high = bootstrap_ci(wide.to_numpy(), metric)
            style = styles[name]
            # markers at staggered steps, so lines that coincide all stay visible
            every = max(1, len(wide.columns) // 8)
            ax.plot(wide.columns, mean, lw=1.5, color=style["color"], ls=style["linestyle"],
                    marker=style["marker"], ms=4, markevery=(k * every // len(names), every),
                    label=style["label"])
            ax.fill_between(wide.columns, low, high, color=style["color"], alpha=0.13, lw=0)
    for i, (ax, metric) in enumerate(zip(axes, metrics, strict=True)):
        mark_shocks(ax, marks, label=i == 0)
        _panel(ax, metric)
    fig.supxlabel(STEP_LABEL, fontsize=9)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=min(len(names), 2),
               fontsize=8, frameon=False)
    n = "/".join(str(c) for c in sorted(counts))
    if max(counts) > 1:
        lines = (f"Lines: mean of n = {n} replicates per scenario (the same seeds in every "
                 f"scenario); bands: {CI_METHOD}.")
    else:
        lines = "Lines: one run per scenario (the same seed in each): no confidence interval."
    _caption(fig, lines, design_note, _shock_caption(marks))
    save(fig, path)
    return fig


# --------------------------------------------------------------------- sweeps
def _is_categorical(runs, key: str) -> bool:
    """A boolean or text key, drawn on a categorical axis (off/on for a switch)."""
    import pandas as pd

    column = runs[key]
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        return True
    try:
        from ..scenario.schema import leaf_type

        return leaf_type(key) is bool
    except Exception:  # a key the scenario does not know (e.g. an older results folder)
        return False


def _tick(value) -> str:
    if isinstance(value, bool | np.bool_):
        return "on" if value else "off"
    if isinstance(value, float | np.floating):
        return f"{value:g}"
    return str(value)


def _point_table(ok, keys, metrics):
    """Per point: key values, n, mean and bounded CI of each metric's replicate finals."""
    import pandas as pd

    rows = []
    for point, block in ok.groupby("point", sort=True):
        row = {"point": point, "n": len(block), **{k: block[k].iloc[0] for k in keys}}
        for m in metrics:
            mean, low, high = bootstrap_ci(block[m].to_numpy(dtype=float), m)
            row.update({m: mean[0], f"{m}__low": low[0], f"{m}__high": high[0]})
        rows.append(row)
    return pd.DataFrame(rows)


def plot_sweep(runs, keys: list[str], path: str | Path | None = None, metrics=SWEEP_METRICS):
    """A metric over swept parameters, replicates aggregated; None if nothing to plot.

    One key: mean and bounded 95 % CI against the key (a categorical axis, off/on,
    for a switch). Two keys on a grid: a heatmap per metric with its own colour scale,
    each cell printing the mean and its CI. Otherwise (more keys, or sampled values):
    the point means against each key.
    """
    ok = runs[runs["status"] == "ok"] if len(runs) else runs
    keys = [k for k in keys if k in ok]
    if ok.empty or not keys:
        return None
    metrics = _check_metrics(metrics, ok)
    table = _point_table(ok, keys, metrics)
    gridded = all(ok[k].nunique() <= 20 for k in keys)
    if len(keys) == 1:
        fig = _sweep_line(table, keys[0], metrics, _is_categorical(ok, keys[0]))
    elif len(keys) == 2 and gridded:
        fig = _sweep_heatmaps(table, keys, metrics, [_is_categorical(ok, k) for k in keys])
    else:
        fig = _sweep_scatter(table, keys, metrics, [_is_categorical(ok, k) for k in keys])
    n = "/".join(str(c) for c in sorted(set(table["n"])))
    interval = CI_METHOD if table["n"].max() > 1 else "one replicate: no confidence interval"
    _caption(fig, f"{len(table)} points; final-window mean over n = {n} replicates per point; "
             f"intervals: {interval}.")
    save(fig, path)
    return fig


def _sweep_line(table, key, metrics, categorical):
    fig, axes = _grid(len(metrics))
    table = table.sort_values(key)
    levels = list(table[key])
    x = np.arange(len(levels)) if categorical else table[key].to_numpy(dtype=float)
    for ax, m in zip(axes, metrics, strict=True):
        y, lo, hi = (table[c].to_numpy(dtype=float) for c in (m, f"{m}__low", f"{m}__high"))
        if categorical:
            err = np.vstack([y - lo, hi - y])
            ax.errorbar(x, y, yerr=np.nan_to_num(err), fmt="o", capsize=4, color=OKABE_ITO[0])
            ax.set_xticks(x, [_tick(v) for v in levels])
            ax.set_xlim(-0.5, len(levels) - 0.5)
        else:
            ax.plot(x, y, "o-", lw=1.4, color=OKABE_ITO[0])
            ax.fill_between(x, lo, hi, alpha=0.2, lw=0, color=OKABE_ITO[0])
        _panel(ax, m, xlabel=key)
    return fig


def _sweep_heatmaps(table, keys, metrics, categorical):
    # more values across (x), fewer down (y)
    order = sorted(range(2), key=lambda i: -table[keys[i]].nunique())
    xkey, ykey = keys[order[0]], keys[order[1]]
    fig, axes = _grid(len(metrics), cols=2, width=5.2, height=3.6)
    for ax, m in zip(axes, metrics, strict=True):
        grid = table.pivot_table(index=ykey, columns=xkey, values=[m, f"{m}__low", f"{m}__high"],
                                 dropna=False)
        mean = grid[m].to_numpy(dtype=float)
        im = ax.imshow(mean, origin="lower", aspect="auto", cmap="viridis")
        bar = fig.colorbar(im, ax=ax, shrink=0.85)
        bar.set_label(axis_label(m), fontsize=8)
        if mean.size <= 80:
            _cell_text(ax, im, mean, grid[f"{m}__low"].to_numpy(dtype=float),
                       grid[f"{m}__high"].to_numpy(dtype=float))
        ax.set_xticks(range(mean.shape[1]), [_tick(v) for v in grid[m].columns], fontsize=7)
        ax.set_yticks(range(mean.shape[0]), [_tick(v) for v in grid[m].index], fontsize=7)
        ax.set_xlabel(xkey, fontsize=8)
        ax.set_ylabel(ykey, fontsize=8)
        ax.set_title(title(m), fontsize=10)
    return fig


def _cell_text(ax, image, mean, low, high) -> None:
    """Each cell's mean and interval, dark on light cells and light on dark ones."""
    norm = image.norm
    for (r, c), value in np.ndenumerate(mean):
        if not math.isfinite(value):
            continue
        ci = f"\n[{low[r, c]:.3g}, {high[r, c]:.3g}]" if math.isfinite(low[r, c]) else ""
        shade = norm(value)
        ax.text(c, r, f"{value:.3g}{ci}", ha="center", va="center", fontsize=6.5,
                color="black" if shade > 0.55 else "white")


def _sweep_scatter(table, keys, metrics, categorical):
    """Each point's mean with its interval against each key: booleans and text on a
    categorical axis (off/on), points of one category spread a little apart so their
    intervals do not overlap; numbers on a continuous axis."""
    fig, axes = _grid(len(metrics) * len(keys), cols=min(4, len(keys)))
    flags = dict(zip(keys, categorical, strict=True))
    for ax, (m, k) in zip(axes, [(m, k) for m in metrics for k in keys], strict=True):
        y, lo, hi = (table[c].to_numpy(dtype=float) for c in (m, f"{m}__low", f"{m}__high"))
        if flags[k]:
            levels = sorted(dict.fromkeys(table[k]), key=lambda v: (str(type(v)), v))
            x = _spread(table[k].map({v: i for i, v in enumerate(levels)}).to_numpy(int))
            ax.set_xticks(range(len(levels)), [_tick(v) for v in levels])
            ax.set_xlim(-0.5, len(levels) - 0.5)
        else:
            x = table[k].to_numpy(dtype=float)
        err = np.nan_to_num(np.vstack([y - lo, hi - y]))
        ax.errorbar(x, y, yerr=err, fmt="o", ms=3.5, alpha=0.75, elinewidth=0.9, capsize=0,
                    color=OKABE_ITO[0])
        _panel(ax, m, xlabel=k)
    return fig


def _spread(codes: np.ndarray, width: float = 0.6) -> np.ndarray:
    """Category positions with the points of each category spread evenly over ``width``
    (in their order), so that their intervals are side by side."""
    x = codes.astype(float)
    for code in np.unique(codes):
        at = np.flatnonzero(codes == code)
        if len(at) > 1:
            x[at] += np.linspace(-width / 2, width / 2, len(at))
    return x



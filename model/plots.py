"""Figures: metrics of one run, and scenarios compared with 95% CI bands."""

from __future__ import annotations

from pathlib import Path

import numpy as np

MAIN_METRICS = ("trust_gov", "trust_ngo", "satisfaction", "unmet_need", "cooperation",
                "service_gini", "resource_leverage", "cost_per_need")
CONFLICT_METRICS = ("opinion_mean", "attention", "unrest", "arrests", "warnings", "response_spend",
                    "disputes_open", "resolution_time")
ECOLOGY_METRICS = ("ngo_default_rate", "blacklisted", "project_failures", "relocation_unmet",
                   "contract_coverage", "labour_disputes")


def metrics_to_draw(table) -> tuple[str, ...]:
    """The main metrics, plus conflict and ecology metrics that carry data (their
    mechanisms are on), and the NGO count when it changes (incubation)."""
    extra = [m for m in (*CONFLICT_METRICS, *ECOLOGY_METRICS)
             if m in table and table[m].notna().any() and (table[m].fillna(0) != 0).any()]
    if "ngo_count" in table and table["ngo_count"].nunique() > 1:
        extra.insert(0, "ngo_count")
    return (*MAIN_METRICS, *extra)


def _figure(n_panels: int):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 4
    rows = int(np.ceil(n_panels / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.8 * rows), squeeze=False)
    for ax in axes.ravel()[n_panels:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def _save(fig, path: Path) -> None:
    from .outputs import atomic_path

    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    import matplotlib.pyplot as plt

    plt.close(fig)


def plot_run(metrics, path: Path, title: str = "") -> None:
    """One panel per metric over time (from step 1)."""
    body = metrics[metrics["step"] > 0]
    names = metrics_to_draw(body)
    fig, axes = _figure(len(names))
    for ax, name in zip(axes, names, strict=False):
        ax.plot(body["step"], body[name], lw=1.4)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    _save(fig, path)


def plot_compare(timeseries, path: Path, metrics=None) -> None:
    """Mean over replicates ± 95% t-interval, one line per scenario, one panel per metric."""
    from scipy import stats

    body = timeseries[timeseries["step"] > 0]
    metrics = metrics or metrics_to_draw(body)
    fig, axes = _figure(len(metrics))
    for name, block in body.groupby("scenario", sort=False):
        grouped = block.groupby("step")
        n = grouped.size().to_numpy()
        tcrit = stats.t.ppf(0.975, np.maximum(n - 1, 1))
        for ax, metric in zip(axes, metrics, strict=False):
            mean = grouped[metric].mean()
            sd = grouped[metric].std(ddof=1).fillna(0.0).to_numpy()
            half = np.where(n > 1, tcrit * sd / np.sqrt(n), 0.0)
            (line,) = ax.plot(mean.index, mean.to_numpy(), lw=1.4, label=name)
            ax.fill_between(mean.index, mean - half, mean + half, color=line.get_color(),
                            alpha=0.2, lw=0)
    for ax, metric in zip(axes, metrics, strict=False):
        ax.set_title(metric, fontsize=10)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    _save(fig, path)


SWEEP_METRICS = ("trust_gov", "unmet_need", "satisfaction", "cooperation")


def plot_sweep(runs, keys: list[str], path: Path, metrics=SWEEP_METRICS) -> bool:
    """A metric over swept parameters, replicates aggregated; False if nothing to plot.

    One key: mean ± 95% CI against the key. Two keys on a grid: heatmaps of the
    mean. Otherwise (more keys, or sampled values): the metric against each key.
    Only numeric (and on/off) keys can be drawn.
    """
    import pandas as pd
    from scipy import stats

    ok = runs[runs["status"] == "ok"]
    keys = [k for k in keys if pd.api.types.is_numeric_dtype(ok[k])]
    if ok.empty or not keys:
        return False
    per_point = ok.groupby("point")
    means = pd.concat([per_point[keys].first().astype(float), per_point[list(metrics)].mean()],
                      axis=1)
    gridded = all(ok[k].nunique() <= 20 for k in keys)
    if len(keys) == 1:
        fig, axes = _figure(len(metrics))
        n = per_point.size().to_numpy()
        tcrit = stats.t.ppf(0.975, np.maximum(n - 1, 1))[:, None]
        sd = per_point[list(metrics)].std(ddof=1).fillna(0.0)
        half = sd * (tcrit / np.sqrt(n)[:, None])
        order = means[keys[0]].argsort().to_numpy()
        for ax, m in zip(axes, metrics, strict=False):
            x, y, h = means[keys[0]].to_numpy()[order], means[m].to_numpy()[order], \
                half[m].to_numpy()[order]
            ax.plot(x, y, "o-", lw=1.4)
            ax.fill_between(x, y - h, y + h, alpha=0.2, lw=0)
            ax.set_title(m, fontsize=10)
            ax.set_xlabel(keys[0], fontsize=8)
            ax.grid(alpha=0.3)
    elif len(keys) == 2 and gridded:
        fig, axes = _figure(len(metrics))
        for ax, m in zip(axes, metrics, strict=False):
            table = means.pivot_table(index=keys[1], columns=keys[0], values=m)
            im = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
            ax.set_xticks(range(table.shape[1]), [f"{v:g}" for v in table.columns], fontsize=7)
            ax.set_yticks(range(table.shape[0]), [f"{v:g}" for v in table.index], fontsize=7)
            ax.set_xlabel(keys[0], fontsize=8)
            ax.set_ylabel(keys[1], fontsize=8)
            ax.set_title(m, fontsize=10)
            fig.colorbar(im, ax=ax, shrink=0.8)
    else:
        fig, axes = _figure(len(metrics) * len(keys))
        for i, (m, k) in enumerate((m, k) for m in metrics for k in keys):
            axes[i].scatter(means[k], means[m], s=8, alpha=0.6)
            axes[i].set_xlabel(k, fontsize=8)
            axes[i].set_title(m, fontsize=10)
            axes[i].grid(alpha=0.3)
    _save(fig, path)
    return True


def plot_indices(indices, path: Path, method: str) -> None:
    """Bars of S1/ST (Sobol) or mu*/sigma (Morris) per parameter, one panel per metric."""
    metrics = list(dict.fromkeys(indices["metric"]))
    fig, axes = _figure(len(metrics))
    kinds = ("S1", "ST") if method == "sobol" else ("mu_star", "sigma")
    for ax, metric in zip(axes, metrics, strict=False):
        block = indices[indices["metric"] == metric]
        names = list(dict.fromkeys(block["parameter"]))
        x = np.arange(len(names))
        for j, kind in enumerate(kinds):
            rows = block[block["index"] == kind].set_index("parameter").loc[names]
            err = rows["conf"].fillna(0).to_numpy()
            ax.bar(x + (j - 0.5) * 0.38, rows["value"], 0.38, yerr=err, capsize=2, label=kind)
        ax.set_xticks(x, [n.split(".")[-1] for n in names], rotation=30, fontsize=8)
        ax.set_title(metric, fontsize=10)
        ax.grid(alpha=0.3, axis="y")
    axes[0].legend(fontsize=8)
    _save(fig, path)


def redraw(folder: Path) -> list[Path]:
    """Redraw every figure a results folder supports (run, compare, sweep, sensitivity,
    decompose, gap)."""
    import json

    import pandas as pd

    folder = Path(folder)
    made = []
    if (folder / "model_metrics.csv").exists():
        plot_run(pd.read_csv(folder / "model_metrics.csv"), folder / "metrics.png", folder.name)
        made.append(folder / "metrics.png")
    if (folder / "timeseries.csv").exists():
        plot_compare(pd.read_csv(folder / "timeseries.csv"), folder / "compare.png")
        made.append(folder / "compare.png")
    from .decompose import redraw_decomposition
    from .gap import redraw_gap

    made += redraw_decomposition(folder) + redraw_gap(folder)
    runs_path = folder / "runs.parquet"
    if runs_path.exists():
        meta = json.loads((folder / "sweep.json").read_text())
        runs = pd.read_parquet(runs_path)
        design = meta.get("design", {})
        if "method" in design and (folder / "indices.csv").exists():
            plot_indices(pd.read_csv(folder / "indices.csv"), folder / "indices.png",
                         design["method"])
            made.append(folder / "indices.png")
        else:
            if plot_sweep(runs, meta.get("keys", []), folder / "sweep.png"):
                made.append(folder / "sweep.png")
    return made

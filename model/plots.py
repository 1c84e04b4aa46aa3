"""Figures: metrics of one run, and scenarios compared with 95% CI bands."""

from __future__ import annotations

from pathlib import Path

import numpy as np

MAIN_METRICS = ("trust_gov", "trust_ngo", "satisfaction", "unmet_need", "cooperation",
                "service_gini", "resource_leverage", "cost_per_need")


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
    """One panel per main metric over time (from step 1)."""
    body = metrics[metrics["step"] > 0]
    fig, axes = _figure(len(MAIN_METRICS))
    for ax, name in zip(axes, MAIN_METRICS, strict=False):
        ax.plot(body["step"], body[name], lw=1.4)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    _save(fig, path)


def plot_compare(timeseries, path: Path, metrics=MAIN_METRICS) -> None:
    """Mean over replicates ± 95% t-interval, one line per scenario, one panel per metric."""
    from scipy import stats

    body = timeseries[timeseries["step"] > 0]
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

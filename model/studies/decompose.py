"""Where does the regime gap come from? ``cogov decompose``: cumulative stages, paired.

The gap between a collaborative scenario and top-down management is split into
stages that switch its assumptions on one at a time, cumulatively, from top-down
management to the scenario itself:

    0 top-down                   collaboration off, adaptation off
    1 + adaptation               local feedback every step
    2 + collaboration (neutral)  hubs and NGOs deliver, but NGO efficiency =
                                 government efficiency (sd 0), no social funds,
                                 no overhead, trust does not gate collaboration
    3 + NGO efficiency           the scenario's ngo_efficiency and its sd
    4 + social funds             the scenario's social_capacity
    5 + overhead                 the scenario's overhead
    6 + trust gate               trust gates collaboration = the scenario itself

Every stage runs the same replicate seeds (common random numbers), so stage s's
contribution is the paired difference, replicate by replicate, between stage s
and stage s − 1; the contributions sum to the total gap (stage 6 − stage 0) in
every replicate. The order matters (the assumptions interact): a contribution is
what that assumption adds given the ones before it.

    >>> points = stage_points(Scenario())
    >>> len(points), points[0]["governance.collaboration"], points[-1]["governance.adaptation"]
    (7, False, True)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..engine.stats import interval
from ..scenario.errors import ScenarioError
from ..scenario.files import ScenarioLike, as_scenario
from ..scenario.schema import Scenario

ON = object()  # the stage's key takes the scenario's own value (True for the regime switches)

# Each key of the decomposition and its value before its stage switches it on.
OFF = {
    "governance.adaptation": False,
    "governance.collaboration": False,
    "organizations.ngo_efficiency": "organizations.gov_efficiency",  # a key: its value
    "organizations.ngo_efficiency_sd": 0.0,
    "mechanisms.resources.social_capacity": 0.0,
    "mechanisms.resources.overhead": 0.0,
    "mechanisms.trust.gates_collaboration": False,
}

# (label, keys this stage switches on), cumulative, in order.
STAGES = (
    ("top-down", ()),
    ("+ adaptation", ("governance.adaptation",)),
    ("+ collaboration (neutral)", ("governance.collaboration",)),
    ("+ NGO efficiency", ("organizations.ngo_efficiency", "organizations.ngo_efficiency_sd")),
    ("+ social funds", ("mechanisms.resources.social_capacity",)),
    ("+ overhead", ("mechanisms.resources.overhead",)),
    ("+ trust gate", ("mechanisms.trust.gates_collaboration",)),
)
REGIME = ("governance.adaptation", "governance.collaboration")
METRICS = ("unmet_need", "trust_gov")  # drawn and printed; the CSV has every metric

# axis labels with units, for the figures of this module and model/gap.py
AXIS_LABELS = {
    "unmet_need": "unmet need (share of total need)",
    "trust_gov": "trust in government (mean, 0–1)",
    "trust_ngo": "trust in NGOs (mean, 0–1)",
    "satisfaction": "satisfaction (mean received / need)",
    "cost_per_need": "cost per unit of need met (money)",
}


def value_of(scenario: Scenario, key: str):
    """A scenario's value at a dotted key."""
    node = scenario.to_dict()
    for part in key.split("."):
        node = node[part]
    return node


def _off_value(scenario: Scenario, key: str):
    off = OFF[key]
    return value_of(scenario, off) if isinstance(off, str) else off


def _on_value(scenario: Scenario, key: str):
    return True if key in REGIME else value_of(scenario, key)


def stage_points(scenario: Scenario) -> list[dict]:
    """One point per stage, each giving every key of the decomposition a value.

    Raises:
        ScenarioError: the last stage is not the scenario with collaboration and
            adaptation on (cannot happen unless STAGES and OFF disagree).
    """
    point = {key: _off_value(scenario, key) for key in OFF}
    points = []
    for _, keys in STAGES:
        point = {**point, **{key: _on_value(scenario, key) for key in keys}}
        points.append(point)
    target = scenario.replace(**{key: True for key in REGIME})
    if scenario.replace(**points[-1]).to_dict() != target.to_dict():
        raise ScenarioError(["decompose: the last stage differs from the scenario with "
                             "collaboration and adaptation on"])
    return points


def stage_table(scenario: Scenario) -> list[dict]:
    """The stages as plain data (for decomposition.json): label, the keys it switches
    on with their values, and the full point it runs."""
    points = stage_points(scenario)
    return [{"stage": s, "label": label, "switches_on": {k: points[s][k] for k in keys},
             "point": points[s]} for s, (label, keys) in enumerate(STAGES)]


# ------------------------------------------------------------------- analysis
def paired_values(runs: pd.DataFrame, metric: str) -> np.ndarray:
    """Replicates x points matrix of a metric's final-window mean, keeping only the
    replicates that finished at every point (the design is paired)."""
    points = sorted(runs["point"].unique())
    ok = runs[runs["status"] == "ok"]
    complete = ok.groupby("replicate")["point"].nunique() == len(points)
    ok = ok[ok["replicate"].isin(complete[complete].index)]
    table = ok.pivot(index="replicate", columns="point", values=metric)
    return table.reindex(columns=points).to_numpy(dtype=float)  # NaN: metric not measured


def contributions(values: np.ndarray) -> np.ndarray:
    """Replicates x (stages − 1): each stage's paired difference from the previous one."""
    return np.diff(values, axis=1)


def _ci(prefix: str, values: np.ndarray) -> dict:
    stats = interval(values)
    return {prefix: stats["mean"], f"{prefix}_ci_low": stats["ci_low"],
            f"{prefix}_ci_high": stats["ci_high"]}


def _blank(prefix: str) -> dict:
    return {prefix: np.nan, f"{prefix}_ci_low": np.nan, f"{prefix}_ci_high": np.nan}


def decomposition(runs: pd.DataFrame, metrics) -> pd.DataFrame:
    """Per metric and stage: the level (mean and 95 % CI over replicates) and the
    contribution (paired difference from the previous stage, mean and 95 % CI), then a
    ``total`` row: the paired difference between the last and the first stage."""
    rows = []
    for metric in metrics:
        values = paired_values(runs, metric)
        if values.shape[0] == 0:
            raise ScenarioError([f"decompose: no replicate finished every stage ({metric})"])
        steps = contributions(values)
        for s, (label, _) in enumerate(STAGES):
            rows.append({"stage": s, "label": label, "metric": metric, "n": values.shape[0],
                         **_ci("mean", values[:, s]),
                         **(_ci("contribution", steps[:, s - 1]) if s else _blank("contribution"))})
        rows.append({"stage": pd.NA, "label": "total (scenario − top-down)",
                     "metric": metric, "n": values.shape[0], **_blank("mean"),
                     **_ci("contribution", values[:, -1] - values[:, 0])})
    table = pd.DataFrame(rows)
    table["stage"] = table["stage"].astype("Int64")
    return table


def format_table(table: pd.DataFrame, metrics=METRICS) -> str:
    """Plain text: stages down; per metric its level and contribution, 'mean ± half-width'."""
    def cell(mean, high):
        return "" if pd.isna(mean) else f"{mean:+.3f} ± {high - mean:.3f}"

    def level(mean, high):
        return "" if pd.isna(mean) else f"{mean:.3f} ± {high - mean:.3f}"

    header = ["stage"] + [f"{m} {part}" for m in metrics for part in ("level", "contribution")]
    labels = list(dict.fromkeys(table["label"]))
    lines = [header]
    for label in labels:
        line = [label]
        for metric in metrics:
            row = table[(table["label"] == label) & (table["metric"] == metric)].iloc[0]
            line += [level(row["mean"], row["mean_ci_high"]),
                     cell(row["contribution"], row["contribution_ci_high"])]
        lines.append(line)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(line, widths, strict=True)))
                     for line in lines)


# ---------------------------------------------------------------------- figure
def plot_waterfall(table: pd.DataFrame, path: Path, metrics=METRICS, title: str = "",
                   name: str = "scenario"):
    """A waterfall per metric: the top-down level, each stage's contribution as a
    floating bar with its 95 % CI whisker, and the level of the scenario (``name``).
    Returns the Figure (saved when ``path`` is given)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from ..figures.plots import save

    fig = Figure(figsize=(6.2 * len(metrics), 5.0), layout="tight")
    axes = fig.subplots(1, len(metrics), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        rows = table[table["metric"] == metric]
        zoomed = _waterfall(ax, rows, better_colours(metric), name)
        total = rows[rows["stage"].isna()].iloc[0]
        ax.set_ylabel(AXIS_LABELS.get(metric, metric))
        ax.set_title(f"{metric}: total {total['contribution']:+.3f} "
                     f"[{total['contribution_ci_low']:+.3f}, {total['contribution_ci_high']:+.3f}]"
                     + ("\n(axis does not start at 0)" if zoomed else ""), fontsize=10)
    fig.legend(handles=[Patch(color=BETTER, label="contribution: better"),
                        Patch(color=WORSE, label="contribution: worse"),
                        Patch(color=LEVEL, label="level (whisker: 95 % CI)")],
               loc="upper right", ncol=3, fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=11, x=0.02, ha="left")
    save(fig, path)
    return fig


BETTER, WORSE, LEVEL = "#0072B2", "#E69F00", "#999999"  # Okabe-Ito: colour-blind safe


def better_colours(metric: str) -> tuple[str, str]:
    """(colour of a rise, colour of a fall): blue for better, orange for worse."""
    from .gap import GAP_METRICS

    lower = GAP_METRICS.get(metric, "higher") == "lower"
    return (WORSE, BETTER) if lower else (BETTER, WORSE)


def _waterfall(ax, rows: pd.DataFrame, colours: tuple[str, str], name: str) -> bool:
    """Draw one waterfall; return whether the value axis was zoomed (not from 0)."""
    stages = rows[rows["stage"].notna()].sort_values("stage")
    means = stages["mean"].to_numpy(dtype=float)
    low = stages["contribution_ci_low"].to_numpy(dtype=float)
    high = stages["contribution_ci_high"].to_numpy(dtype=float)
    change = stages["contribution"].to_numpy(dtype=float)
    labels = [*stages["label"], name]
    x = np.arange(len(labels))
    ends = [means[0], *(means[:-1] + high[1:]), *(means[:-1] + low[1:]), means[-1],
            stages["mean_ci_high"].iloc[-1], stages["mean_ci_low"].iloc[-1], stages["mean_ci_high"].iloc[0]]
    top, bottom = np.nanmax(ends), np.nanmin(ends)
    zoomed = bottom > 0.4 * top
    floor = max(0.0, bottom - 0.25 * (top - bottom)) if zoomed else min(0.0, bottom)
    pad = 0.06 * (top - floor)
    for i, s in ((0, 0), (len(labels) - 1, len(means) - 1)):
        ax.bar(x[i], means[s] - floor, bottom=floor, color=LEVEL, width=0.6)
        ci = stages[["mean_ci_low", "mean_ci_high"]].iloc[s].to_numpy(dtype=float)
        ax.errorbar(x[i], means[s], yerr=[[means[s] - ci[0]], [ci[1] - means[s]]],
                    color="black", capsize=3, lw=1)
        ax.annotate(f"{means[s]:.3f}", (x[i], ci[1]), ha="center", va="bottom", fontsize=8,
                    xytext=(0, 2), textcoords="offset points")
    for s in range(1, len(means)):
        ax.bar(x[s], change[s], bottom=means[s - 1], width=0.6,
               color=colours[0] if change[s] >= 0 else colours[1])
        ax.errorbar(x[s], means[s - 1] + change[s],
                    yerr=[[change[s] - low[s]], [high[s] - change[s]]],
                    color="black", capsize=3, lw=1)
        ax.plot([x[s - 1] + 0.3, x[s] - 0.3], [means[s - 1]] * 2, color="black", lw=0.6)
        ax.annotate(f"{change[s]:+.3f}", (x[s], max(means[s - 1], means[s - 1] + high[s])),
                    ha="center", va="bottom", fontsize=8, xytext=(0, 2),
                    textcoords="offset points")
    ax.plot([x[-2] + 0.3, x[-1] - 0.3], [means[-1]] * 2, color="black", lw=0.6)
    ax.set_ylim(floor, top + 2 * pad)
    ax.set_xticks(x, labels, rotation=35, ha="right", fontsize=8)
    if floor < 0:
        ax.axhline(0, color="black", lw=0.5)
    return zoomed


def redraw_decomposition(folder: Path) -> list[Path]:
    """decomposition.png from a decompose folder's CSV and JSON (``cogov plot``)."""
    import json

    csv, meta = Path(folder) / "decomposition.csv", Path(folder) / "decomposition.json"
    if not (csv.exists() and meta.exists()):
        return []
    table = pd.read_csv(csv)
    table["stage"] = table["stage"].astype("Int64")
    name = json.loads(meta.read_text())["scenario"]["name"]
    plot_waterfall(table, Path(folder) / "decomposition.png", title=_title(name, table), name=name)
    return [Path(folder) / "decomposition.png"]


def _title(name: str, table: pd.DataFrame) -> str:
    return (f"{name} − top-down, stage by stage ({table['n'].iloc[0]} paired replicates, "
            "final-window mean ± 95 % CI)")


# ------------------------------------------------------------------------ API
def decompose(scenario: ScenarioLike, *, replicates: int = 10, steps: int | None = None,
              seed: int | None = None, workers: int = 1, scheduler: str | None = None,
              executor: str | None = None, out: str | Path, resume: bool = False,
              progress: bool = False) -> pd.DataFrame:
    """Python API of ``cogov decompose``: run the stages as one sweep (resumable, parallel)
    and write decomposition.csv, decomposition.png and decomposition.json into ``out``;
    return the table.

    Raises:
        ScenarioError: bad input, ``out`` holds another sweep, or every run failed.
    """
    from ..engine.outputs import provenance, write_csv, write_json
    from ..engine.seeds import base_seed, replicate_seeds
    from ..engine.sweep import run_sweep
    from ..sim.plugins import metric_names

    scenario = as_scenario(scenario)
    out = Path(out)
    points = stage_points(scenario)
    seed = base_seed(scenario, seed)
    runs = run_sweep(scenario, points, replicates=replicates, steps=steps, seed=seed,
                     workers=workers, scheduler=scheduler, executor=executor,
                     out=out / "runs", resume=resume, progress=progress)
    table = decomposition(runs, list(metric_names(scenario)[1:]))
    write_csv(table, out / "decomposition.csv")
    plot_waterfall(table, out / "decomposition.png", title=_title(scenario.name, table),
                   name=scenario.name)
    failed = int((runs["status"] != "ok").sum())
    write_json({"scenario": scenario.to_dict(), "stages": stage_table(scenario),
                "replicates": replicates, "paired_replicates": int(table["n"].iloc[0]),
                "failed_runs": failed, "base_seed": seed,
                "seeds": replicate_seeds(seed, replicates), "steps": steps or scenario.steps,
                "final_window_steps": scenario.outputs.window, "runs": str(out / "runs"),
                **provenance()}, out / "decomposition.json")
    return table

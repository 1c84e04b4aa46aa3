"""Where does the regime gap come from? ``cogov decompose``: stages, all their orders, paired.

The gap between a collaborative scenario and top-down management is split into
stages that each switch some of its assumptions on, from top-down management to the
scenario itself:

    0 top-down                   collaboration off, adaptation off
    1 + adaptation               local feedback every step
    2 + collaboration (neutral)  hubs and NGOs deliver, but NGO efficiency =
                                 government efficiency (sd 0), no social funds,
                                 no overhead, trust does not gate collaboration
    3 + NGO efficiency           the scenario's ngo_efficiency and its sd
    4 + social funds             the scenario's social_capacity
    5 + overhead                 the scenario's overhead
    6 + trust gate               trust gates collaboration = the scenario itself

Switched on one at a time in this order (the *sequential* decomposition, column
``contribution``) a stage's share depends on its place when stages interact. So the
study runs every *arm*: every set of stages that can be switched on together (the
stages 3–6 act through collaboration and switch nothing on without it, so a set that
holds one of them holds stage 2: 2 × 17 = 34 arms for six stages). From the arms,
each stage's marginal contribution in every admissible order (stage 2 before 3–6:
144 of the 720 orders) gives

* ``shapley``: its mean over the orders, the Shapley value under precedence
  constraints (Faigle & Kern 1992; with no constraint, Shapley 1953), with a paired
  95 % t-interval over replicates (``shapley_ci_low``, ``shapley_ci_high``). The
  values add up to the total gap in every replicate, exactly;
* ``order_min``, ``order_max``: the smallest and largest of the stage's
  contributions over the orders (means over replicates): how far its place moves it;
* two-way interactions (``decomposition_interactions.csv``): the 2 × 2
  difference-in-differences v(B∪ij) − v(B∪i) − v(B∪j) + v(B) at the smallest base B
  (no stage on, or collaboration when one of the pair needs it), paired, with its CI.

Every arm runs the same replicate seeds (common random numbers), so every difference is
paired replicate by replicate.

    >>> points = stage_points(Scenario())
    >>> len(points), points[0]["governance.collaboration"], points[-1]["governance.adaptation"]
    (7, False, True)
    >>> len(arms()), len(orders())
    (34, 144)
"""

from __future__ import annotations

from itertools import combinations, permutations
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
# stage -> the stages it needs before it: NGO efficiency, social funds, overhead and the
# trust gate act through collaboration and change nothing without it (tested)
REQUIRES = {3: (2,), 4: (2,), 5: (2,), 6: (2,)}
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


def players() -> tuple[int, ...]:
    """The stages that switch something on (every stage but top-down, stage 0)."""
    return tuple(range(1, len(STAGES)))


def _admissible(arm, requires=None) -> bool:
    requires = REQUIRES if requires is None else requires
    return all(set(requires.get(s, ())) <= set(arm) for s in arm)


def effective(arm, requires=None) -> frozenset:
    """The stages of ``arm`` that act: a stage without the stages it needs drops out
    (it changes nothing there), repeatedly."""
    requires = REQUIRES if requires is None else requires
    arm = set(arm)
    while not _admissible(arm, requires):
        arm = {s for s in arm if set(requires.get(s, ())) <= arm}
    return frozenset(arm)


def arms(n: int | None = None, requires=None) -> list[frozenset]:
    """Every admissible set of stages, the sequential chain first (arm k = stages 1..k,
    so the first len(STAGES) arms are the stages), then the rest by size and stage."""
    stages = tuple(range(1, len(STAGES))) if n is None else tuple(range(1, n + 1))
    chain = [frozenset(stages[:k]) for k in range(len(stages) + 1)]
    rest = [frozenset(c) for size in range(len(stages) + 1)
            for c in combinations(stages, size) if _admissible(c, requires)]
    return chain + [a for a in rest if a not in chain]


def orders(n: int | None = None, requires=None) -> list[tuple[int, ...]]:
    """Every order of the stages in which each comes after the stages it needs."""
    requires = REQUIRES if requires is None else requires
    stages = tuple(range(1, len(STAGES))) if n is None else tuple(range(1, n + 1))
    out = []
    for order in permutations(stages):
        place = {s: i for i, s in enumerate(order)}
        if all(place[r] < place[s] for s in order for r in requires.get(s, ())):
            out.append(order)
    return out


def arm_points(scenario: Scenario) -> list[dict]:
    """One sweep point per arm (:func:`arms`), each giving every key a value; the first
    len(STAGES) are :func:`stage_points`."""
    off = {key: _off_value(scenario, key) for key in OFF}
    points = []
    for arm in arms():
        point = dict(off)
        for s in sorted(arm):
            point.update({key: _on_value(scenario, key) for key in STAGES[s][1]})
        points.append(point)
    if points[:len(STAGES)] != stage_points(scenario):
        raise ScenarioError(["decompose: the first arms differ from the stages"])
    return points


def arm_labels(arm) -> str:
    """'top-down' or the stages' labels joined: '+ adaptation + social funds'."""
    return " ".join(STAGES[s][0] for s in sorted(arm)) if arm else STAGES[0][0]


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


def marginals(values: np.ndarray, arm_list=None, order_list=None) -> np.ndarray:
    """Replicates x orders x stages: each stage's paired contribution in each order, from
    a replicates x arms matrix of values (columns in the order of ``arm_list``). In every
    order and replicate they add up to v(all stages) − v(none)."""
    arm_list = arms() if arm_list is None else arm_list
    order_list = orders() if order_list is None else order_list
    index = {a: k for k, a in enumerate(arm_list)}
    stages = sorted(set().union(*arm_list))
    col = {s: k for k, s in enumerate(stages)}
    out = np.empty((values.shape[0], len(order_list), len(stages)))
    for o, order in enumerate(order_list):
        before = frozenset()
        for s in order:
            after = before | {s}
            out[:, o, col[s]] = values[:, index[after]] - values[:, index[before]]
            before = after
    return out


def shapley_values(values: np.ndarray, arm_list=None, order_list=None) -> np.ndarray:
    """Replicates x stages: each stage's contribution averaged over the orders (the Shapley
    value under the stages' precedence constraints); each row adds up to the total."""
    return marginals(values, arm_list, order_list).mean(axis=1)


def interaction_values(values: np.ndarray, arm_list=None, requires=None) -> list[dict]:
    """Per pair of stages i < j, per replicate: the 2 x 2 difference-in-differences
    v(B∪ij) − v(B∪i) − v(B∪j) + v(B) at the smallest base B (the stages the pair needs,
    other than i and j; a set missing a needed stage counts as the set without the stages
    that lack it, which changes nothing: :func:`effective`). ``nested``: one of the pair
    needs the other, so their interaction is the dependent stage's effect there."""
    arm_list = arms() if arm_list is None else arm_list
    requires = REQUIRES if requires is None else requires
    index = {a: k for k, a in enumerate(arm_list)}
    stages = sorted(set().union(*arm_list))

    def v(arm):
        return values[:, index[effective(arm, requires)]]

    out = []
    for i, j in combinations(stages, 2):
        base = (set(requires.get(i, ())) | set(requires.get(j, ()))) - {i, j}
        did = v(base | {i, j}) - v(base | {i}) - v(base | {j}) + v(base)
        out.append({"i": i, "j": j, "base": frozenset(base), "values": did,
                    "nested": i in requires.get(j, ()) or j in requires.get(i, ())})
    return out


def _ci(prefix: str, values: np.ndarray) -> dict:
    stats = interval(values)
    return {prefix: stats["mean"], f"{prefix}_ci_low": stats["ci_low"],
            f"{prefix}_ci_high": stats["ci_high"]}


def _blank(prefix: str) -> dict:
    return {prefix: np.nan, f"{prefix}_ci_low": np.nan, f"{prefix}_ci_high": np.nan}


def _all_arms(values: np.ndarray) -> bool:
    return values.shape[1] == len(arms())


def decomposition(runs: pd.DataFrame, metrics) -> pd.DataFrame:
    """Per metric and stage: the level (mean and 95 % CI over replicates), the sequential
    contribution (paired difference from the previous stage, mean and 95 % CI), and, when
    the runs hold every arm (:func:`arms`), the Shapley value (mean, 95 % CI) and the
    smallest and largest contribution over the orders; then a ``total`` row: the paired
    difference between the last and the first stage (Shapley values add up to it)."""
    rows = []
    for metric in metrics:
        values = paired_values(runs, metric)
        if values.shape[0] == 0:
            raise ScenarioError([f"decompose: no replicate finished every stage ({metric})"])
        chain = values[:, :len(STAGES)]
        steps = contributions(chain)
        if _all_arms(values):
            marg = marginals(values)
            shap, by_order = marg.mean(axis=1), marg.mean(axis=0)
        for s, (label, _) in enumerate(STAGES):
            extra = {**_blank("shapley"), "order_min": np.nan, "order_max": np.nan}
            if s and _all_arms(values):
                extra = {**_ci("shapley", shap[:, s - 1]),
                         "order_min": float(by_order[:, s - 1].min()),
                         "order_max": float(by_order[:, s - 1].max())}
            rows.append({"stage": s, "label": label, "metric": metric, "n": values.shape[0],
                         **_ci("mean", chain[:, s]),
                         **(_ci("contribution", steps[:, s - 1]) if s else _blank("contribution")),
                         **extra})
        total = chain[:, -1] - chain[:, 0]
        whole = {**_ci("shapley", total), "order_min": float(total.mean()),
                 "order_max": float(total.mean())} if _all_arms(values) else \
            {**_blank("shapley"), "order_min": np.nan, "order_max": np.nan}
        rows.append({"stage": pd.NA, "label": "total (scenario − top-down)",
                     "metric": metric, "n": values.shape[0], **_blank("mean"),
                     **_ci("contribution", total), **whole})
    table = pd.DataFrame(rows)
    table["stage"] = table["stage"].astype("Int64")
    return table


def interactions(runs: pd.DataFrame, metrics) -> pd.DataFrame:
    """Per metric and pair of stages: the paired 2 x 2 interaction at the smallest base
    (:func:`interaction_values`), mean and 95 % CI over replicates."""
    rows = []
    for metric in metrics:
        values = paired_values(runs, metric)
        if values.shape[0] == 0 or not _all_arms(values):
            continue
        for pair in interaction_values(values):
            rows.append({"metric": metric, "stage_i": pair["i"], "stage_j": pair["j"],
                         "label_i": STAGES[pair["i"]][0], "label_j": STAGES[pair["j"]][0],
                         "base": arm_labels(pair["base"]), "nested": pair["nested"],
                         "n": values.shape[0], **_ci("interaction", pair["values"])})
    return pd.DataFrame(rows, columns=["metric", "stage_i", "stage_j", "label_i", "label_j",
                                       "base", "nested", "n", "interaction",
                                       "interaction_ci_low", "interaction_ci_high"])


def format_table(table: pd.DataFrame, metrics=METRICS) -> str:
    """Plain text: stages down; per metric its level, its sequential contribution and (when
    measured) its Shapley value with the range of its contribution over the orders, each
    'mean ± half-width'."""
    def cell(mean, high):
        return "" if pd.isna(mean) else f"{mean:+.3f} ± {high - mean:.3f}"

    def level(mean, high):
        return "" if pd.isna(mean) else f"{mean:.3f} ± {high - mean:.3f}"

    def span(low, high):
        return "" if pd.isna(low) else f"[{low:+.3f}, {high:+.3f}]"

    shapley = "shapley" in table and table["shapley"].notna().any()
    parts = ("level", "contribution", "shapley", "orders min..max") if shapley \
        else ("level", "contribution")
    header = ["stage"] + [f"{m} {part}" for m in metrics for part in parts]
    labels = list(dict.fromkeys(table["label"]))
    lines = [header]
    for label in labels:
        line = [label]
        for metric in metrics:
            row = table[(table["label"] == label) & (table["metric"] == metric)].iloc[0]
            line += [level(row["mean"], row["mean_ci_high"]),
                     cell(row["contribution"], row["contribution_ci_high"])]
            if shapley:
                line += [cell(row["shapley"], row["shapley_ci_high"]),
                         span(row["order_min"], row["order_max"])]
        lines.append(line)
    return _columns(lines)


def _columns(lines: list[list[str]]) -> str:
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(line, widths, strict=True)))
                     for line in lines)


def format_interactions(pairs: pd.DataFrame, metrics=METRICS) -> str:
    """Plain text: one line per pair of stages, its interaction per metric 'mean ± half';
    pairs where one stage needs the other are marked (nested)."""
    if pairs.empty:
        return ""
    lines = [["pair (at base)"] + [f"{m} interaction" for m in metrics]]
    first = pairs[pairs["metric"] == metrics[0]]
    for row in first.itertuples():
        name = f"{row.label_i[2:]} x {row.label_j[2:]}" + (" (nested)" if row.nested else "") \
            + ("" if row.base == STAGES[0][0] else f" (at {row.base.replace('+ ', '')})")
        line = [name]
        for metric in metrics:
            r = pairs[(pairs["metric"] == metric) & (pairs["stage_i"] == row.stage_i)
                      & (pairs["stage_j"] == row.stage_j)].iloc[0]
            line.append(f"{r['interaction']:+.3f} ± {r['interaction_ci_high'] - r['interaction']:.3f}")
        lines.append(line)
    return _columns(lines)


# ---------------------------------------------------------------------- figure
def plot_waterfall(table: pd.DataFrame, path: Path, metrics=METRICS, title: str = "",
                   name: str = "scenario"):
    """A waterfall per metric: the top-down level, each stage's Shapley value (or, for a
    table without them, its sequential contribution) as a floating bar with its 95 % CI
    whisker, beside it the range of the stage's contribution over all orders (grey) and
    its sequential contribution (x), and the level of the scenario (``name``). Returns
    the Figure (saved when ``path`` is given)."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from ..figures.plots import save

    fig = Figure(figsize=(6.2 * len(metrics), 5.6), layout="constrained")
    axes = fig.subplots(1, len(metrics), squeeze=False)
    shapley = False
    for ax, metric in zip(axes[0], metrics, strict=True):
        rows = table[table["metric"] == metric]
        zoomed, shapley = _waterfall(ax, rows, better_colours(metric), name)
        total = rows[rows["stage"].isna()].iloc[0]
        ax.set_ylabel(AXIS_LABELS.get(metric, metric))
        ax.set_title(f"{metric}: total {total['contribution']:+.3f} "
                     f"[{total['contribution_ci_low']:+.3f}, {total['contribution_ci_high']:+.3f}]"
                     + ("\n(axis does not start at 0)" if zoomed else ""), fontsize=10)
    what = "Shapley value" if shapley else "contribution"
    handles = [Patch(color=BETTER, label=f"{what}: better"),
               Patch(color=WORSE, label=f"{what}: worse"),
               Patch(color=LEVEL, label="level (whisker: 95 % CI)")]
    if shapley:
        handles += [Line2D([], [], color=RANGE, lw=2.5, label="range over orders"),
                    Line2D([], [], color="black", marker="x", ls="", label="sequential order")]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=8,
               frameon=False)
    if title:
        fig.suptitle(title, fontsize=11, x=0.02, ha="left")
    save(fig, path)
    return fig


BETTER, WORSE, LEVEL, RANGE = "#0072B2", "#E69F00", "#999999", "#555555"  # Okabe-Ito + greys


def better_colours(metric: str) -> tuple[str, str]:
    """(colour of a rise, colour of a fall): blue for better, orange for worse."""
    from .gap import GAP_METRICS

    lower = GAP_METRICS.get(metric, "higher") == "lower"
    return (WORSE, BETTER) if lower else (BETTER, WORSE)


def _waterfall(ax, rows: pd.DataFrame, colours: tuple[str, str], name: str) -> tuple[bool, bool]:
    """Draw one waterfall; return whether the value axis was zoomed (not from 0) and
    whether it shows Shapley values (else sequential contributions)."""
    stages = rows[rows["stage"].notna()].sort_values("stage")
    shapley = "shapley" in stages and bool(stages["shapley"].iloc[1:].notna().all())
    value = "shapley" if shapley else "contribution"
    means = stages["mean"].to_numpy(dtype=float)
    change = stages[value].to_numpy(dtype=float)
    low = stages[f"{value}_ci_low"].to_numpy(dtype=float)
    high = stages[f"{value}_ci_high"].to_numpy(dtype=float)
    level = np.concatenate([[means[0]], means[0] + np.cumsum(change[1:])])  # after stage s
    level[-1] = means[-1]  # the same number; rounding aside
    labels = [*stages["label"], name]
    x = np.arange(len(labels))
    ends = [means[0], *(level[:-1] + high[1:]), *(level[:-1] + low[1:]), means[-1],
            stages["mean_ci_high"].iloc[-1], stages["mean_ci_low"].iloc[-1],
            stages["mean_ci_high"].iloc[0]]
    if shapley:
        omin = stages["order_min"].to_numpy(dtype=float)
        omax = stages["order_max"].to_numpy(dtype=float)
        seq = stages["contribution"].to_numpy(dtype=float)
        ends += [*(level[:-1] + omin[1:]), *(level[:-1] + omax[1:])]
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
        ax.bar(x[s] - (0.1 if shapley else 0), change[s], bottom=level[s - 1],
               width=0.5 if shapley else 0.6,
               color=colours[0] if change[s] >= 0 else colours[1])
        ax.errorbar(x[s] - (0.1 if shapley else 0), level[s - 1] + change[s],
                    yerr=[[change[s] - low[s]], [high[s] - change[s]]],
                    color="black", capsize=3, lw=1)
        ax.plot([x[s - 1] + 0.3, x[s] - 0.3], [level[s - 1]] * 2, color="black", lw=0.6)
        top_of = max(level[s - 1], level[s - 1] + high[s])
        if shapley:
            ax.plot([x[s] + 0.25] * 2, [level[s - 1] + omin[s], level[s - 1] + omax[s]],
                    color=RANGE, lw=2.5, solid_capstyle="butt")
            ax.plot(x[s] + 0.25, level[s - 1] + seq[s], marker="x", color="black", ms=5)
            top_of = max(top_of, level[s - 1] + omax[s])
        ax.annotate(f"{change[s]:+.3f}", (x[s], top_of), ha="center", va="bottom", fontsize=8,
                    xytext=(0, 2), textcoords="offset points")
    ax.plot([x[-2] + 0.3, x[-1] - 0.3], [means[-1]] * 2, color="black", lw=0.6)
    ax.set_ylim(floor, top + 2 * pad)
    ax.set_xticks(x, labels, rotation=35, ha="right", fontsize=8)
    if floor < 0:
        ax.axhline(0, color="black", lw=0.5)
    return zoomed, shapley


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
    what = ("Shapley values over all orders" if "shapley" in table
            and table["shapley"].notna().any() else "stage by stage")
    return (f"{name} − top-down, {what} ({table['n'].iloc[0]} paired replicates, "
            "final-window mean ± 95 % CI)")


# ------------------------------------------------------------------------ API
def decompose(scenario: ScenarioLike, *, replicates: int = 10, steps: int | None = None,
              seed: int | None = None, workers: int = 1, scheduler: str | None = None,
              executor: str | None = None, out: str | Path, resume: bool = False,
              progress: bool = False) -> pd.DataFrame:
    """Python API of ``cogov decompose``: run every arm (every admissible set of stages,
    :func:`arms`) as one sweep (resumable, parallel) and write decomposition.csv (stages
    with their sequential contribution and Shapley value), decomposition_interactions.csv,
    decomposition.png and decomposition.json into ``out``; return the stages' table.

    Raises:
        ScenarioError: bad input, ``out`` holds another sweep, or every run failed.
    """
    from ..engine.outputs import provenance, write_csv, write_json
    from ..engine.seeds import base_seed, replicate_seeds
    from ..engine.sweep import run_sweep
    from ..sim.plugins import metric_names

    scenario = as_scenario(scenario)
    out = Path(out)
    points = arm_points(scenario)
    seed = base_seed(scenario, seed)
    runs = run_sweep(scenario, points, replicates=replicates, steps=steps, seed=seed,
                     workers=workers, scheduler=scheduler, executor=executor,
                     out=out / "runs", resume=resume, progress=progress)
    metrics = list(metric_names(scenario)[1:])
    table = decomposition(runs, metrics)
    write_csv(table, out / "decomposition.csv")
    write_csv(interactions(runs, metrics), out / "decomposition_interactions.csv")
    plot_waterfall(table, out / "decomposition.png", title=_title(scenario.name, table),
                   name=scenario.name)
    failed = int((runs["status"] != "ok").sum())
    write_json({"scenario": scenario.to_dict(), "stages": stage_table(scenario),
                "requires": {STAGES[s][0]: [STAGES[r][0] for r in need]
                             for s, need in REQUIRES.items()},
                "arms": [{"point": k, "stages": sorted(arm), "label": arm_labels(arm)}
                         for k, arm in enumerate(arms())],
                "orders": len(orders()),
                "replicates": replicates, "paired_replicates": int(table["n"].iloc[0]),
                "failed_runs": failed, "base_seed": seed,
                "seeds": replicate_seeds(seed, replicates), "steps": steps or scenario.steps,
                "final_window_steps": scenario.outputs.window, "runs": str(out / "runs"),
                **provenance()}, out / "decomposition.json")
    return table

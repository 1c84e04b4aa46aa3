"""When does collaboration win? ``cogov gap A B``: the regime gap as a map.

Scenarios A and B (e.g. ``adaptive`` and ``top_down``) run over the same design
with the same replicate seeds, as two sweeps into ``out/A`` and ``out/B`` (each
resumable). At every point the gap is A − B, replicate by replicate (common random
numbers: a paired design), with its 95 % t-interval over replicates, and the
winner is the scenario the interval favours, or ``neither`` when it covers 0:

    >>> winner(-0.12, -0.02, "lower")   # A has less unmet need, surely
    'A'
    >>> winner(-0.05, 0.01, "lower")
    'neither'
    >>> winner(-0.05, -0.01, "higher")  # A has less trust
    'B'

With ``--sobol N --bounds KEY=LO:HI ...`` the points are a Saltelli sample instead
and the output is the Sobol' indices of the mean paired gap (model/studies/sensitivity.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine.design import Design, cast_value, check_points
from ..engine.stats import interval
from ..scenario.errors import ScenarioError
from ..scenario.files import ScenarioLike, as_scenario
from ..scenario.schema import Scenario

# metric -> which direction is better (decides the winner)
GAP_METRICS = {"unmet_need": "lower", "trust_gov": "higher"}
MAP_METRIC = "unmet_need"


def winner(low: float, high: float, better: str) -> str:
    """'A', 'B' or 'neither' from the 95 % CI [low, high] of the gap A − B."""
    if low > 0:
        return "A" if better == "higher" else "B"
    if high < 0:
        return "B" if better == "higher" else "A"
    return "neither"


def pair_seed(a: Scenario, seed: int | None, out: Path, resume: bool) -> int:
    """The base seed both scenarios share: given, A's own, the one a resumed run
    recorded, or fresh."""
    from ..engine.sweep import resume_seed

    meta = Path(out) / "gap.json"
    if seed is None and a.seed is None and resume and meta.is_file():
        return int(json.loads(meta.read_text())["base_seed"])
    return resume_seed(a, seed, Path(out) / a.name, resume)


def check_pair(a: Scenario, b: Scenario, points: list[dict]) -> None:
    """Both scenarios accept every point, and their folders differ; one error list."""
    if a.name == b.name:
        raise ScenarioError([f"gap: both scenarios are named {a.name!r}; give each a distinct "
                             "`name:` (their results go to out/<name>)"])
    errors = []
    for scenario in (a, b):
        try:
            check_points(scenario, points)
        except ScenarioError as exc:
            errors += [e for e in exc.errors if e not in errors]
    if errors:
        raise ScenarioError(errors)


def run_pair(a: Scenario, b: Scenario, points: list[dict], *, replicates: int,
             steps: int | None, seed: int, workers: int, scheduler: str | None, out: Path,
             resume: bool, progress: bool,
             executor: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A and B over the same points and seeds, into out/<A name> and out/<B name>."""
    from ..engine.sweep import run_sweep

    check_pair(a, b, points)
    kwargs = {"replicates": replicates, "steps": steps, "seed": seed, "workers": workers,
              "scheduler": scheduler, "executor": executor, "resume": resume,
              "progress": progress}
    runs_a = run_sweep(a, points, out=Path(out) / a.name, **kwargs)
    runs_b = run_sweep(b, points, out=Path(out) / b.name, **kwargs)
    return runs_a, runs_b


def paired_gap(runs_a: pd.DataFrame, runs_b: pd.DataFrame, points: list[dict],
               metrics: dict[str, str] = GAP_METRICS) -> pd.DataFrame:
    """Per point: its keys, then per metric A's and B's means, the gap A − B with its
    paired 95 % CI, and the winner (``winner`` for the first metric, ``<metric>_winner``
    for the others). Only replicates that finished in both scenarios are paired."""
    cols = ["point", "replicate", "seed", *metrics]
    ok_a = runs_a.loc[runs_a["status"] == "ok", cols]
    ok_b = runs_b.loc[runs_b["status"] == "ok", cols]
    pairs = ok_a.merge(ok_b, on=["point", "replicate"], suffixes=("_A", "_B"))
    if not (pairs["seed_A"] == pairs["seed_B"]).all():
        raise ScenarioError(["gap: A and B ran different seeds; they are not paired"])
    rows = []
    for p, point in enumerate(points):
        block = pairs[pairs["point"] == p]
        row = {"point": p, **point, "n": len(block)}
        for i, (metric, better) in enumerate(metrics.items()):
            a, b = block[f"{metric}_A"].to_numpy(float), block[f"{metric}_B"].to_numpy(float)
            stats = interval(a - b) if len(block) else {"mean": np.nan, "ci_low": np.nan,
                                                        "ci_high": np.nan}
            row.update({f"{metric}_A": a.mean() if len(a) else np.nan,
                        f"{metric}_B": b.mean() if len(b) else np.nan,
                        f"{metric}_gap": stats["mean"], f"{metric}_gap_ci_low": stats["ci_low"],
                        f"{metric}_gap_ci_high": stats["ci_high"]})
            name = "winner" if i == 0 else f"{metric}_winner"
            row[name] = (winner(stats["ci_low"], stats["ci_high"], better) if len(block)
                         else "no data")
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------- figure
def map_axes(keys: list[str], ranges: list[str]) -> tuple[list[str], list[str]]:
    """(heatmap keys: x then y, facet keys): the first two range keys (or the first two
    keys) are the axes, any others make one panel per combination of their values."""
    axes = (ranges or keys)[:2]
    return axes, [k for k in keys if k not in axes]


def plot_gap(table: pd.DataFrame, keys: list[str], ranges: list[str], path: Path,
             names: tuple[str, str], metric: str = MAP_METRIC, n: int | None = None):
    """Heatmap of the gap over the two axis keys (one panel per facet combination): cell
    values printed, a diverging colour-blind-safe map centred at 0, cells B wins hatched
    and outlined, cells whose CI covers 0 dotted. Returns the Figure (saved when ``path``
    is given)."""
    import textwrap

    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    axes_keys, facets = map_axes(keys, ranges)
    groups = list(table.groupby(facets, sort=False)) if facets else [((), table)]
    if len(axes_keys) == 1:
        return _plot_gap_line(groups, axes_keys[0], facets, path, names, metric, n)
    size = np.nanmax(np.abs(table[f"{metric}_gap"].to_numpy(float)), initial=1e-9)
    norm = Normalize(-size, size)
    ncols = min(3, len(groups))
    nrows = int(np.ceil(len(groups) / ncols))
    fig = Figure(figsize=(7.2 * ncols, 6.2 * nrows + 0.6), layout="constrained")
    grid = fig.subplots(nrows, ncols, squeeze=False)
    for ax in grid.ravel()[len(groups):]:
        ax.set_visible(False)
    for ax, (facet, block) in zip(grid.ravel(), groups, strict=False):
        image = _heatmap(ax, block, axes_keys, metric, norm)
        if facets:
            ax.set_title(_facet_title(facets, facet), fontsize=9)
    bar = fig.colorbar(image, ax=grid.ravel().tolist(), shrink=0.8)
    bar.set_label(textwrap.fill(_gap_label(metric, names), 34), fontsize=9)
    fig.legend(handles=[Patch(facecolor="white", edgecolor="black", hatch="///", lw=2,
                              label=f"{names[1]} wins (95 % CI of the gap excludes 0)"),
                        Patch(facecolor="white", edgecolor="grey", hatch="..", ls="--",
                              label="neither: the 95 % CI covers 0")],
               loc="outside lower center", ncol=2, fontsize=9, frameon=False)
    fig.suptitle(_gap_title(metric, names, n, 70 * ncols), fontsize=11)
    _save(fig, path)
    return fig


def _gap_label(metric: str, names: tuple[str, str]) -> str:
    better = f"  (< 0: {names[0]} better)" if GAP_METRICS.get(metric) == "lower" else ""
    return f"{metric} gap, {names[0]} − {names[1]}{better}"


def _gap_title(metric: str, names: tuple[str, str], n: int | None, width: int) -> str:
    """The figure's title, wrapped so that long scenario names are not clipped."""
    import textwrap

    replicates = f", {n} paired replicates" if n else ""
    return textwrap.fill(f"{metric}: {names[0]} − {names[1]}, final-window mean{replicates}",
                         max(40, width))


def _facet_title(facets: list[str], facet) -> str:
    import textwrap

    values = facet if isinstance(facet, tuple) else (facet,)
    return textwrap.fill(", ".join(f"{k} = {_tick(v) if isinstance(v, float) else v}"
                                   for k, v in zip(facets, values, strict=True)), 60)


def _plot_gap_line(groups, key: str, facets: list[str], path: Path | None,
                   names: tuple[str, str], metric: str, n: int | None):
    """A one-key map: the gap against the key as a line with its 95 % band (one panel
    per facet), 0 marked, each point coloured by who wins there."""
    import textwrap

    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    ncols = min(3, len(groups))
    nrows = int(np.ceil(len(groups) / ncols))
    fig = Figure(figsize=(6.0 * ncols, 4.2 * nrows + 1.0), layout="constrained")
    grid = fig.subplots(nrows, ncols, squeeze=False)
    for ax in grid.ravel()[len(groups):]:
        ax.set_visible(False)
    colours = {"A": "#0072B2", "B": "#D55E00", "neither": "0.55"}
    for ax, (facet, block) in zip(grid.ravel(), groups, strict=False):
        block = block.sort_values(key)
        values = list(block[key])
        numeric = all(isinstance(v, int | float | np.integer | np.floating)
                      and not isinstance(v, bool | np.bool_) for v in values)
        x = np.asarray(values, dtype=float) if numeric else np.arange(len(values), dtype=float)
        gap = block[f"{metric}_gap"].to_numpy(float)
        low = block[f"{metric}_gap_ci_low"].to_numpy(float)
        high = block[f"{metric}_gap_ci_high"].to_numpy(float)
        ax.fill_between(x, low, high, color="#0072B2", alpha=0.18, lw=0)
        ax.plot(x, gap, "-", color="#0072B2", lw=1.5)
        winner = block["winner"] if metric == MAP_METRIC else block.get(f"{metric}_winner")
        who = list(winner) if winner is not None else ["neither"] * len(block)
        ax.scatter(x, gap, s=28, zorder=3, c=[colours.get(w, "0.55") for w in who])
        ax.axhline(0.0, color="black", lw=0.8)
        if not numeric:
            ax.set_xticks(x, [_tick(v) for v in values], fontsize=8)
        ax.set_xlabel(key)
        ax.set_ylabel(textwrap.fill(_gap_label(metric, names), 40), fontsize=9)
        ax.grid(alpha=0.3)
        if facets:
            ax.set_title(_facet_title(facets, facet), fontsize=9)
    handles = [Line2D([], [], color="#0072B2", lw=6, alpha=0.3, label="95 % CI of the gap"),
               *(Line2D([], [], marker="o", ls="", color=c, label=label) for c, label in (
                   (colours["A"], f"{names[0]} wins"), (colours["B"], f"{names[1]} wins"),
                   (colours["neither"], "neither: the CI covers 0")))]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, fontsize=9, frameon=False)
    fig.suptitle(_gap_title(metric, names, n, 60 * ncols), fontsize=11)
    _save(fig, path)
    return fig


def _save(fig, path: Path | None) -> None:
    """Save as laid out (constrained layout places the shared colour bar; a tight bounding
    box would move it)."""
    if path is None:
        return
    from ..engine.outputs import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")


def _heatmap(ax, block: pd.DataFrame, axes_keys: list[str], metric: str, norm):
    """One panel: the gap per cell, printed, with B's cells and undecided cells marked."""
    from matplotlib.patches import Rectangle

    xkey = axes_keys[0] if axes_keys else None
    ykey = axes_keys[1] if len(axes_keys) > 1 else None
    xs = sorted(block[xkey].unique()) if xkey else [None]
    ys = sorted(block[ykey].unique()) if ykey else [None]
    grid = np.full((len(ys), len(xs)), np.nan)
    for _, row in block.iterrows():
        i = ys.index(row[ykey]) if ykey else 0
        j = xs.index(row[xkey]) if xkey else 0
        grid[i, j] = row[f"{metric}_gap"]
    image = ax.imshow(grid, origin="lower", cmap="RdBu_r", norm=norm, aspect="auto")
    for _, row in block.iterrows():
        i = ys.index(row[ykey]) if ykey else 0
        j = xs.index(row[xkey]) if xkey else 0
        gap, low, high = (row[f"{metric}_gap"], row[f"{metric}_gap_ci_low"],
                          row[f"{metric}_gap_ci_high"])
        ax.text(j, i, f"{gap:+.3f}\n±{(high - low) / 2:.3f}", ha="center", va="center",
                fontsize=8, bbox={"boxstyle": "round,pad=0.2", "facecolor": "white",
                                  "alpha": 0.8, "edgecolor": "none"})
        who = row["winner"] if metric == MAP_METRIC else row.get(f"{metric}_winner")
        if who == "B":
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///",
                                   edgecolor="black", lw=2))
        elif who == "neither":
            ax.add_patch(Rectangle((j - 0.46, i - 0.46), 0.92, 0.92, fill=False, hatch="..",
                                   edgecolor="grey", lw=1, ls="--"))
    ax.set_xticks(range(len(xs)), [_tick(v) for v in xs], fontsize=8)
    ax.set_yticks(range(len(ys)), [_tick(v) for v in ys], fontsize=8)
    ax.set_xlabel(xkey or "")
    ax.set_ylabel(ykey or "")
    return image


def _tick(value) -> str:
    return "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


def redraw_gap(folder: Path) -> list[Path]:
    """gap.png (a map) or gap_indices.png (Sobol') from a gap folder (``cogov plot``)."""
    from .sensitivity import plot_indices

    folder = Path(folder)
    if not (folder / "gap.json").exists():
        return []
    meta = json.loads((folder / "gap.json").read_text())
    design = meta["design"]
    if design["kind"] == "sobol":
        plot_indices(pd.read_csv(folder / "gap_indices.csv"), folder / "gap_indices.png", "sobol")
        return [folder / "gap_indices.png"]
    keys = [*design["grid"], *design["ranges"]]
    table = pd.read_csv(folder / "gap.csv")
    plot_gap(table, keys, list(design["ranges"]), folder / "gap.png",
             (meta["A"]["name"], meta["B"]["name"]), n=int(table["n"].min()))
    return [folder / "gap.png"]


# ------------------------------------------------------------------------ API
def gap_map(a: ScenarioLike, b: ScenarioLike, design: Design, *, replicates: int = 10,
            steps: int | None = None, seed: int | None = None, workers: int = 1,
            scheduler: str | None = None, executor: str | None = None, out: str | Path,
            resume: bool = False, progress: bool = False) -> pd.DataFrame:
    """Python API of ``cogov gap A B --range ... [--grid ...]``: writes gap.csv, gap.png
    and gap.json into ``out`` (the runs into out/<A name> and out/<B name>); returns the
    gap table."""
    from ..engine.outputs import write_csv

    a, b = as_scenario(a), as_scenario(b)
    if not design.keys:
        raise ScenarioError(["gap: give at least one --range or --grid key to map over"])
    out = Path(out)
    points = design.points()
    seed = pair_seed(a, seed, out, resume)
    runs_a, runs_b = run_pair(a, b, points, replicates=replicates, steps=steps, seed=seed,
                              workers=workers, scheduler=scheduler, out=out, resume=resume,
                              progress=progress, executor=executor)
    table = paired_gap(runs_a, runs_b, points)
    write_csv(table, out / "gap.csv")
    plot_gap(table, design.keys, list(design.ranges), out / "gap.png", (a.name, b.name),
             n=int(table["n"].min()))
    _write_meta(out, a, b, {"kind": "map", **design.to_dict()}, table, seed, replicates,
                steps, runs_a, runs_b)
    return table


def gap_sobol(a: ScenarioLike, b: ScenarioLike, bounds: dict[str, tuple[float, float]], n: int, *,
              replicates: int = 1, steps: int | None = None, seed: int | None = None,
              workers: int = 1, scheduler: str | None = None, executor: str | None = None,
              out: str | Path, resume: bool = False, progress: bool = False) -> pd.DataFrame:
    """Python API of ``cogov gap A B --sobol N --bounds ...``: Sobol' indices (S1, ST with
    95 % CIs) of the mean paired gap per metric over a Saltelli sample of N·(2k+2) points;
    writes gap.csv (every point), gap_indices.csv, gap_indices.png and gap.json."""
    from ..engine.outputs import write_csv
    from .sensitivity import analyze, plot_indices, problem_of, sample

    a, b = as_scenario(a), as_scenario(b)
    if not bounds:
        raise ScenarioError(["--sobol: give the keys to vary as --bounds key.path=lo:hi"])
    if n < 1:
        raise ScenarioError([f"--sobol: N must be at least 1, got {n}"])
    out = Path(out)
    seed = pair_seed(a, seed, out, resume)
    problem = problem_of(bounds)
    x = sample("sobol", problem, n, seed)
    points = [{k: cast_value(k, v) for k, v in zip(problem["names"], row, strict=True)}
              for row in x]
    runs_a, runs_b = run_pair(a, b, points, replicates=replicates, steps=steps, seed=seed,
                              workers=workers, scheduler=scheduler, out=out, resume=resume,
                              progress=progress, executor=executor)
    table = paired_gap(runs_a, runs_b, points)
    if (table["n"] == 0).any():
        raise ScenarioError([f"{int((table['n'] == 0).sum())} points have no paired run, so "
                             f"no indices; see the status columns of {out}/*/runs.parquet"])
    indices = pd.concat([analyze("sobol", problem, x, table[f"{m}_gap"].to_numpy(float), seed)
                         .assign(metric=f"{m}_gap") for m in GAP_METRICS], ignore_index=True)
    indices = indices[["metric", "parameter", "index", "value", "conf"]]
    write_csv(table, out / "gap.csv")
    write_csv(indices, out / "gap_indices.csv")
    plot_indices(indices, out / "gap_indices.png", "sobol")
    _write_meta(out, a, b, {"kind": "sobol", "n": n, "problem": problem}, table, seed,
                replicates, steps, runs_a, runs_b)
    return indices


def _write_meta(out: Path, a: Scenario, b: Scenario, design: dict, table: pd.DataFrame,
                seed: int, replicates: int, steps: int | None, runs_a, runs_b) -> None:
    from ..engine.outputs import provenance, write_json
    from ..engine.seeds import replicate_seeds

    counts = table["winner"].value_counts().to_dict()
    write_json({"A": a.to_dict(), "B": b.to_dict(), "design": design,
                "points": len(table), "replicates": replicates, "base_seed": seed,
                "seeds": replicate_seeds(seed, replicates), "steps": steps or a.steps,
                "final_window_steps": a.outputs.window,
                "metrics": GAP_METRICS, "winners": {k: int(v) for k, v in counts.items()},
                "failed_runs": {a.name: int((runs_a["status"] != "ok").sum()),
                                b.name: int((runs_b["status"] != "ok").sum())},
                "runs": {a.name: str(out / a.name), b.name: str(out / b.name)},
                **provenance()}, out / "gap.json")

"""Global sensitivity analysis with SALib: sample -> run as a sweep -> analyze.

Sobol' indices (Saltelli sampling; S1 and ST with confidence intervals) or
Morris elementary effects (mu*, sigma). Each sample point is a sweep point, so
runs go through the same executor and store as ``run.py sweep`` (resumable,
parallel, identical whatever the number of workers). With replicates, the
analysed output is the mean over replicates of the final-window metric.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine.design import cast_value
from ..engine.sweep import resume_seed, run_sweep
from ..figures.labels import axis_label, title
from ..figures.plots import OKABE_ITO, _caption, _grid, save
from ..scenario.errors import ScenarioError, did_you_mean, warn
from ..scenario.files import ScenarioLike, as_scenario
from ..scenario.schema import Scenario

METHODS = ("sobol", "morris")
SOBOL_TOLERANCE = 0.05  # share of output variance below which Sobol' noise is not flagged


def problem_of(bounds: dict[str, tuple[float, float]]) -> dict:
    """SALib's problem dict."""
    return {"num_vars": len(bounds), "names": list(bounds),
            "bounds": [list(b) for b in bounds.values()]}


def planned_runs(method: str, n: int, k: int, replicates: int = 1) -> int:
    """Model runs SALib's design needs: Sobol N·(2k+2), Morris N·(k+1), times replicates."""
    per = n * (2 * k + 2) if method == "sobol" else n * (k + 1)
    return per * replicates


def sample(method: str, problem: dict, n: int, seed: int) -> np.ndarray:
    """The SALib sample matrix (rows = points)."""
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, n, calc_second_order=True, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, n, num_levels=4, seed=seed)


def analyze(method: str, problem: dict, x: np.ndarray, y: np.ndarray, seed: int) -> pd.DataFrame:
    """Indices for one output, long format: parameter, index, value, conf."""
    rows = []
    if method == "sobol":
        from SALib.analyze import sobol

        si = sobol.analyze(problem, y, calc_second_order=True, seed=seed)
        for i, name in enumerate(problem["names"]):
            rows.append({"parameter": name, "index": "S1", "value": si["S1"][i],
                         "conf": si["S1_conf"][i]})
            rows.append({"parameter": name, "index": "ST", "value": si["ST"][i],
                         "conf": si["ST_conf"][i]})
    else:
        from SALib.analyze import morris

        si = morris.analyze(problem, x, y, num_levels=4, seed=seed)
        for i, name in enumerate(problem["names"]):
            rows.append({"parameter": name, "index": "mu_star", "value": si["mu_star"][i],
                         "conf": si["mu_star_conf"][i]})
            rows.append({"parameter": name, "index": "sigma", "value": si["sigma"][i],
                         "conf": np.nan})
    return pd.DataFrame(rows)


def sensitivity(scenario: ScenarioLike, bounds: dict[str, tuple[float, float]], *, method: str = "sobol",
                n: int = 64, metrics: list[str] | tuple[str, ...] = ("unmet_need",),
                replicates: int = 1, steps: int | None = None, seed: int | None = None,
                workers: int = 1, scheduler: str | None = None, executor: str | None = None,
                out: str | Path, resume: bool = False, progress: bool = False) -> pd.DataFrame:
    """Python API of ``run.py sensitivity``; returns the indices (also in out/indices.csv).

    Raises:
        ScenarioError: bad method, bounds or metric names; or runs failed (no indices).
    """
    scenario = as_scenario(scenario)
    if method not in METHODS:
        raise ScenarioError([f"--method: expected one of {', '.join(METHODS)}, got {method!r}"])
    if not bounds:
        raise ScenarioError(["--bounds: give at least one key.path=lo:hi"])
    check_metrics(scenario, metrics)
    seed = resume_seed(scenario, seed, out, resume)
    problem = problem_of(bounds)
    x = sample(method, problem, n, seed)
    points = [{k: cast_value(k, v, scenario) for k, v in zip(problem["names"], row, strict=True)}
              for row in x]
    design = {"method": method, "n": n, "problem": problem}
    runs = run_sweep(scenario, points, replicates=replicates, steps=steps, seed=seed,
                     workers=workers, scheduler=scheduler, executor=executor, out=out,
                     resume=resume, progress=progress, design=design)
    if (runs["status"] != "ok").any():
        bad = int((runs["status"] != "ok").sum())
        raise ScenarioError([f"{bad} runs failed, so no indices can be computed; see the status "
                             f"and error columns of {out}/runs.parquet"])
    means = runs.groupby("point")[list(metrics)].mean().sort_index()
    tables = []
    for metric in metrics:
        table = analyze(method, problem, x, means[metric].to_numpy(), seed)
        table.insert(0, "metric", metric)
        tables.append(table)
    indices = pd.concat(tables, ignore_index=True)
    if method == "sobol":
        warn(sobol_warnings(indices, n))
    from ..engine.outputs import write_csv
    from .sensitivity import plot_indices

    write_csv(indices, Path(out) / "indices.csv")
    plot_indices(indices, Path(out) / "indices.png", method, n=n, runs=len(runs))
    return indices


def check_metrics(scenario: Scenario, metrics) -> None:
    """Raise a ScenarioError naming every metric the scenario's models do not record (the
    command line checks before it prints the run plan)."""
    from ..sim.plugins import metric_names

    known = metric_names(scenario)  # the model's, then the scenario's plug-ins'
    unknown = [m for m in metrics if m not in known or m == "step"]
    if unknown:
        raise ScenarioError([f"--metric: unknown metric {m!r}{did_you_mean(m, known[1:]) or ''} "
                             f"(known: {', '.join(known[1:])})" for m in unknown])


def sobol_warnings(indices: pd.DataFrame, n: int) -> list[str]:
    """One warning per metric whose Sobol' estimates show that N is too small.

    S1 and ST are shares of the output variance, so they lie in [0, 1], and S1 ≤ ST;
    estimates outside [0, 1], whose 95 % interval (``conf``, a half-width) is wider than
    the index itself, or with S1 above ST by more than their intervals combined, are
    sampling noise. Differences under ``SOBOL_TOLERANCE`` are not
    flagged (an unimportant parameter's index is ~0 and its interval always covers it).
    """
    out = []
    sobol = indices[indices["index"].isin(["S1", "ST"])]
    for metric, block in sobol.groupby("metric", sort=False):
        value, conf, tol = block["value"], block["conf"], SOBOL_TOLERANCE
        outside = block[(value < -tol) | (value > 1 + tol)]
        wide = block[(conf > value.abs()) & (conf > tol)]
        inverted = _s1_above_st(block, tol)
        if outside.empty and wide.empty and not inverted:
            continue
        parts = []
        if len(outside):
            row = outside.iloc[0]
            parts.append(f"{len(outside)} outside [0, 1] (e.g. {row['index']} of "
                         f"{row['parameter']} = {row['value']:.3f})")
        if len(wide):
            row = wide.iloc[0]
            parts.append(f"{len(wide)} with a 95 % interval wider than the index (e.g. "
                         f"{row['index']} of {row['parameter']} = {row['value']:.3f} ± "
                         f"{row['conf']:.3f})")
        if inverted:
            name, s1, st = inverted[0]
            parts.append(f"{len(inverted)} parameter{'s' if len(inverted) > 1 else ''} with S1 "
                         f"above ST beyond their intervals (e.g. {name}: S1 {s1:.3f} > ST "
                         f"{st:.3f}; a first-order share cannot exceed the total)")
        out.append(f"sensitivity: {metric}: of {len(block)} Sobol indices, {'; '.join(parts)}: "
                   f"N={n} is too small for stable estimates; raise --n")
    return out


def _s1_above_st(block: pd.DataFrame, tol: float) -> list[tuple[str, float, float]]:
    """(parameter, S1, ST) for each parameter whose S1 exceeds its ST by more than both
    95 % half-widths combined (and than ``tol``): impossible for true indices (the
    first-order share is part of the total), so sampling noise."""
    out = []
    for name, rows in block.groupby("parameter", sort=False):
        by = rows.set_index("index")
        if not {"S1", "ST"} <= set(by.index):
            continue
        s1, st = float(by.at["S1", "value"]), float(by.at["ST", "value"])
        c1, ct = (float(np.nan_to_num(by.at[k, "conf"])) for k in ("S1", "ST"))
        if s1 - st > max(tol, float(np.hypot(c1, ct))):
            out.append((str(name), s1, st))
    return out


# --------------------------------------------------------------- sensitivity
def plot_indices(indices, path: str | Path | None = None, method: str = "sobol", *,
                 n: int | None = None, runs: int | None = None,
                 metrics: Sequence[str] | None = None):
    """Sobol (S1, ST) or Morris (mu*, sigma) per parameter, one panel per metric.

    Horizontal bars with the full parameter names; 95 % intervals from SALib; the
    base sample size N and the number of runs in the title when given.
    """
    names_all = list(dict.fromkeys(indices["metric"]))
    shown = [m for m in (metrics or names_all) if m in names_all]
    if not shown:
        raise ValueError(f"no indices for {', '.join(metrics or [])} (have: {', '.join(names_all)})")
    kinds = ("S1", "ST") if method == "sobol" else ("mu_star", "sigma")
    params = list(dict.fromkeys(indices["parameter"]))
    fig, axes = _grid(len(shown), cols=2, width=6.0, height=0.9 + 0.55 * len(params))
    for ax, metric in zip(axes, shown, strict=True):
        block = indices[indices["metric"] == metric]
        y = np.arange(len(params))
        for j, kind in enumerate(kinds):
            rows = block[block["index"] == kind].set_index("parameter").reindex(params)
            err = rows["conf"].to_numpy(dtype=float)
            ax.barh(y + (0.5 - j) * 0.38, rows["value"], 0.38, xerr=np.nan_to_num(err),
                    capsize=2, color=OKABE_ITO[j], label=kind.replace("_star", "*"))
        ax.set_yticks(y, params, fontsize=7.5)
        ax.set_ylabel("parameter", fontsize=8)
        ax.invert_yaxis()
        if method == "sobol":
            ax.axvspan(0, 1, color="0.9", zorder=0)
            ax.set_xlabel("share of the output's variance", fontsize=8)
        else:
            ax.set_xlabel(f"elementary effect ({axis_label(metric)})", fontsize=8)
        ax.axvline(0, color="black", lw=0.6)
        ax.set_title(title(metric), fontsize=10)
        ax.grid(alpha=0.3, axis="x")
        ax.tick_params(axis="x", labelsize=7)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper right", fontsize=8, frameon=False)
    what = "Sobol indices (S1 first order, ST total)" if method == "sobol" else \
        "Morris elementary effects (mu*, sigma)"
    size = f", N = {n}" if n else ""
    size += f" ({runs:,} runs)" if runs else ""
    fig.suptitle(what + size, fontsize=11)
    note = ("shaded: [0, 1], where Sobol indices lie; estimates outside it or with intervals "
            "wider than the index mean N is too small") if method == "sobol" else ""
    _caption(fig, "Error bars: 95 % confidence intervals from SALib's bootstrap.", note)
    save(fig, path)
    return fig

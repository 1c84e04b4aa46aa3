"""Redraw the figures of a results folder from its saved outputs (``cogov plot FOLDER``).

Each study draws its own figure; this module only knows which study made a folder
and which files it left, so it sits above the studies, in the front ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..figures.plots import SWEEP_METRICS, _get, plot_compare, plot_run, plot_sweep
from ..studies.calibrate import plot_fit
from ..studies.factorial import plot_effects, with_linked_factors
from ..studies.sensitivity import plot_indices


def redraw(folder: str | Path, metrics: Sequence[str] | None = None) -> list[Path]:
    """Redraw every figure a results folder supports (run, compare, sweep, sensitivity,
    decompose, gap, calibration); ``metrics`` chooses the panels of run, compare, sweep
    and sensitivity figures (default: as the command that made the folder)."""
    import json

    import pandas as pd

    folder = Path(folder)
    made = []

    def meta(name: str) -> dict:
        path = folder / name
        return json.loads(path.read_text()) if path.exists() else {}

    if (folder / "model_metrics.csv").exists():
        scenario = meta("run.json").get("scenario")
        plot_run(pd.read_csv(folder / "model_metrics.csv"), folder / "metrics.png",
                 _get(scenario, "name", folder.name) if scenario else folder.name,
                 scenario=scenario, panels=metrics)
        made.append(folder / "metrics.png")
    if (folder / "timeseries.csv").exists():
        plot_compare(pd.read_csv(folder / "timeseries.csv"), folder / "compare.png",
                     metrics=metrics, scenarios=meta("compare.json").get("scenarios"))
        made.append(folder / "compare.png")
    from ..studies.decompose import redraw_decomposition
    from ..studies.gap import redraw_gap

    made += redraw_decomposition(folder) + redraw_gap(folder)
    if (folder / "trials.csv").exists() and (folder / "calibration.json").exists():
        calibration = meta("calibration.json")
        plot_fit(pd.read_csv(folder / "trials.csv"),
                 calibration["targets"], list(calibration["bounds"]), folder / "fit.png")
        made.append(folder / "fit.png")
    if (folder / "runs.parquet").exists():
        sweep = meta("sweep.json")
        runs = pd.read_parquet(folder / "runs.parquet")
        design = sweep.get("design", {})
        if "method" in design and (folder / "indices.csv").exists():
            plot_indices(pd.read_csv(folder / "indices.csv"), folder / "indices.png",
                         design["method"], n=design.get("n"), runs=sweep.get("runs"),
                         metrics=metrics)
            made.append(folder / "indices.png")
        elif plot_sweep(*with_linked_factors(runs, sweep.get("keys", []), design.get("grid", {})),
                        folder / "sweep.png", metrics=metrics or SWEEP_METRICS) is not None:
            made.append(folder / "sweep.png")
        made += _redraw_effects(folder)
    return made


def _redraw_effects(folder: Path) -> list[Path]:
    """effects.csv and effects.png of a sweep that is a two-level factorial over on/off
    switches (e.g. the four shifts, docs/model.md 7.24); nothing otherwise."""
    from ..engine.outputs import write_csv
    from ..studies.factorial import short, sweep_effects

    found = sweep_effects(folder)
    if found is None or not len(found[0]):
        return []
    table, keys, skipped = found
    write_csv(table, folder / "effects.csv")
    plot_effects(table, folder / "effects.png", skipped=skipped,
                 title_text="main effects and two-way interactions of "
                            f"{', '.join(short(k) for k in keys)}")
    return [folder / "effects.csv", folder / "effects.png"]

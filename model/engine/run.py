"""Running scenarios: one run, replicates with spawned seeds, and comparisons.

The seams follow Mesa's run protocol (mesa#3753): build the model from a
scenario and seed, run it, extract its output. Replicate seeds come from
``numpy.random.SeedSequence(base).spawn(R)``, so they are distinct,
reproducible and independent of how many workers run them.

    >>> seeds = replicate_seeds(42, 3)
    >>> seeds == replicate_seeds(42, 3), len(set(seeds))
    (True, 3)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..sim.metrics import METRICS
from ..sim.model import GovernanceModel, fresh_seed
from ..scenario.schema import Scenario


def base_seed(scenario: Scenario, seed: int | None = None) -> int:
    """The seed to use: the one given, else the scenario's, else a fresh one."""
    if seed is not None:
        return int(seed)
    return fresh_seed() if scenario.seed is None else scenario.seed


def replicate_seeds(base_seed: int, replicates: int) -> list[int]:
    """Seeds for R replicates, spawned from ``base_seed`` (63-bit integers)."""
    children = np.random.SeedSequence(base_seed).spawn(replicates)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


@dataclass
class RunResult:
    """Output of one run: metrics per step (row 0 = initial state) and provenance."""

    scenario: Scenario
    seed: int
    metrics: pd.DataFrame
    wall_time: float


def run_scenario(
    scenario: Scenario,
    seed: int | None = None,
    steps: int | None = None,
    on_step: Callable[[GovernanceModel], None] | None = None,
) -> RunResult:
    """Build, run and read out one model.

    Args:
        scenario: what to run.
        seed: overrides ``scenario.seed``.
        steps: overrides ``scenario.steps``.
        on_step: called with the model after set-up and after every step
            (used to stream per-agent tables to Parquet).
    """
    start = time.perf_counter()
    model = GovernanceModel(scenario, seed=seed)
    if on_step:
        on_step(model)
    for _ in range(scenario.steps if steps is None else steps):
        model.step()
        if on_step:
            on_step(model)
    metrics = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    return RunResult(scenario, model.seed, metrics, time.perf_counter() - start)


def final_window(metrics: pd.DataFrame, window: int) -> pd.Series:
    """Mean of every metric over the last ``window`` steps (step 0 excluded)."""
    body = metrics[metrics["step"] > 0]
    return body.tail(window)[[m for m in METRICS if m != "step"]].mean()


def run_replicates(
    scenarios: Sequence[Scenario],
    replicates: int,
    base_seed: int,
    steps: int | None = None,
    workers: int = 1,
    progress: bool = False,
) -> pd.DataFrame:
    """Every scenario x replicate; tidy table (scenario, replicate, seed, step, metrics...).

    Every scenario gets the same seeds (common random numbers, a paired design),
    so differences between scenarios are not masked by different draws. Runs go
    through the sweep engine (:func:`model.compare.compare`, in a temporary folder),
    and rows are sorted, so the table does not depend on ``workers``. With
    workers > 1, call it under ``if __name__ == "__main__":`` in a script.
    """
    from .compare import compare

    return compare(scenarios, replicates, steps=steps, seed=base_seed, workers=workers,
                   progress=progress)


def interval(values: np.ndarray) -> dict:
    """n, mean, sd and the 95 % t-interval of the mean (sd and half-width 0 for one value)."""
    from scipy import stats

    n = len(values)
    mean = float(np.mean(values))
    sd = float(np.std(values, ddof=1)) if n > 1 else 0.0
    half = float(stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)) if n > 1 else 0.0
    return {"n": n, "mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half}


def summarize(timeseries: pd.DataFrame, window: int) -> pd.DataFrame:
    """Per scenario and metric: mean, sd and 95% t-interval of the final-window value,
    and whether the final window is a steady state (``stationary``, model/stationarity.py)."""
    from .stationarity import stationary_table

    rows = []
    for (name, _), run in timeseries.groupby(["scenario", "replicate"], sort=False):
        rows.append(final_window(run, window).rename(name))
    finals = pd.DataFrame(rows)
    steady = stationary_table(timeseries, window, list(finals.columns))
    out = []
    for name in dict.fromkeys(timeseries["scenario"]):
        block = finals.loc[[name]]
        for metric in finals.columns:
            out.append({"scenario": name, "metric": metric,
                        **interval(block[metric].to_numpy(dtype=float)),
                        "stationary": steady[(name, metric)]})
    return pd.DataFrame(out)


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, **values) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(total: int, show: bool):
    """A tqdm bar (runs done / total, ETA) on a terminal when asked for; silent otherwise."""
    import sys

    if not show or not sys.stderr.isatty():
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="run", file=sys.stderr, smoothing=0.1)

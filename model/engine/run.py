"""One run: build the model from a scenario and seed, run it, read out its metrics.

The seam follows Mesa's run protocol (mesa#3753). Replicates and comparisons of many
runs go through the sweep engine (:mod:`.compare`, :mod:`.sweep`); seeds are :mod:`.seeds`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from ..scenario.files import ScenarioLike, as_scenario
from ..scenario.schema import Scenario
from ..sim.custom_reporters import check_reporters
from ..sim.model import GovernanceModel, model_attributes
from ..sim.plugins import plugin_classes


@dataclass
class RunResult:
    """Output of one run: metrics per step (row 0 = initial state) and provenance."""

    scenario: Scenario
    seed: int
    metrics: pd.DataFrame
    wall_time: float


def run_scenario(
    scenario: ScenarioLike,
    seed: int | None = None,
    steps: int | None = None,
    on_step: Callable[[GovernanceModel], None] | None = None,
    keep: dict | None = None,
) -> RunResult:
    """Build, run and read out one model.

    Args:
        scenario: what to run: a Scenario, a preset name or a scenario file.
        seed: overrides ``scenario.seed``.
        steps: overrides ``scenario.steps``.
        on_step: called with the model after set-up and after every step
            (used to stream per-agent tables to Parquet).
        keep: a dict that receives the model after the run (``keep["model"]``: to save
            its state).
    """
    scenario = as_scenario(scenario)
    start = time.perf_counter()
    model = GovernanceModel(scenario, seed=seed)
    if on_step:
        on_step(model)
    for _ in range(scenario.steps if steps is None else steps):
        model.step()
        if on_step:
            on_step(model)
    metrics = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    if keep is not None:
        keep["model"] = model
    return RunResult(scenario, model.seed, metrics, time.perf_counter() - start)




def check_plugins(scenarios: Iterable[Scenario]) -> None:
    """Raise the :class:`~cogov.model.scenario.ScenarioError` a model of any of these
    scenarios would raise for its plug-ins (``after``, names, metrics) or its custom
    reporters (names an expression reads, a reporter named as a metric), before anything
    runs."""
    seen = set()
    for scenario in scenarios:
        key = (scenario.plugins, tuple(scenario.outputs.reporters.items()))
        if key in seen:
            continue
        seen.add(key)
        if scenario.plugins:
            plugin_classes(scenario, model_attributes())
        check_reporters(scenario)

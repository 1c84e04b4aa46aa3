"""EMA Workbench adapter: cogov as an ``ema_workbench`` model.

Uncertainties are scenario keys with ranges, levers are governance choices
(by default the two regime switches), outcomes are final-window metrics. Each
experiment is replicated with seeds spawned from the base seed (the same seeds
for every experiment: common random numbers), and EMA's ``ScalarOutcome``
averages over replications.

    >>> from cogov.model import Scenario
    >>> m = ema_model(Scenario(), {"mechanisms.trust.basis": (0.2, 0.8)}, replications=2)
    >>> [u.name for u in m.uncertainties], [lv.name for lv in m.levers]
    (['mechanisms__trust__basis'], ['governance__collaboration', 'governance__adaptation'])

EMA parameter names cannot hold dots, so ``.`` becomes ``__`` (:func:`ema_name`).
Needs the optional dependency ``ema-workbench`` (``pip install ".[ema]"``).
"""

from __future__ import annotations

import numpy as np

from ..engine.run import run_scenario
from ..engine.seeds import base_seed, replicate_seeds
from ..engine.stats import final_window
from ..scenario.schema import Scenario, leaf_type

DEFAULT_LEVERS = {"governance.collaboration": [False, True],
                  "governance.adaptation": [False, True]}
DEFAULT_OUTCOMES = ("unmet_need", "trust_gov", "satisfaction", "service_gini", "cost_per_need")


def ema_name(key: str) -> str:
    """Scenario key -> EMA parameter name."""
    return key.replace(".", "__")


def scenario_key(name: str) -> str:
    """EMA parameter name -> scenario key."""
    return name.replace("__", ".")


class CogovFunction:
    """The callable EMA runs: parameters in, final-window metrics out (picklable)."""

    def __init__(self, scenario: Scenario, outcomes, steps: int | None = None):
        self.scenario, self.outcomes, self.steps = scenario, tuple(outcomes), steps

    def __call__(self, seed: int, **params) -> dict:
        """One replication."""
        scenario = self.scenario.replace(**{scenario_key(k): _plain(v) for k, v in params.items()})
        metrics = run_scenario(scenario, seed=seed, steps=self.steps).metrics
        final = final_window(metrics, scenario.outputs.window)
        return {name: float(final[name]) for name in self.outcomes}


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def ema_model(scenario: Scenario, uncertainties: dict[str, tuple[float, float]],
              levers: dict[str, list] | None = None, outcomes=DEFAULT_OUTCOMES,
              replications: int = 3, seed: int | None = None, steps: int | None = None,
              name: str = "cogov"):
    """An ``ema_workbench.ReplicatorModel`` of the scenario.

    Args:
        scenario: base scenario.
        uncertainties: key -> (lo, hi); integer keys become IntegerParameters.
        levers: key -> list of options (booleans become BooleanParameters);
            default: the two governance switches.
        outcomes: metric names, each a ScalarOutcome (mean over replications).
        replications: seeds per experiment, spawned from ``seed`` (default: scenario's).
    """
    from ema_workbench import (
        BooleanParameter,
        CategoricalParameter,
        IntegerParameter,
        RealParameter,
        ReplicatorModel,
        ScalarOutcome,
    )

    model = ReplicatorModel(name, function=CogovFunction(scenario, outcomes, steps))
    params = []
    for key, (lo, hi) in uncertainties.items():
        cls = IntegerParameter if leaf_type(key) is int else RealParameter
        params.append(cls(ema_name(key), lo, hi))
    model.uncertainties = params
    levers = DEFAULT_LEVERS if levers is None else levers
    model.levers = [BooleanParameter(ema_name(k)) if set(v) <= {False, True}
                    else CategoricalParameter(ema_name(k), v) for k, v in levers.items()]
    model.outcomes = [ScalarOutcome(o, function=np.mean) for o in outcomes]
    base = base_seed(scenario, seed)
    model.replications = [{"seed": s} for s in replicate_seeds(base, replications)]
    return model

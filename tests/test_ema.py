"""EMA Workbench adapter and the PRIM scenario-discovery example."""

import numpy as np
import pytest

from cogov.model import Scenario
from cogov.model.studies.ema import CogovFunction, ema_model, ema_name, scenario_key

pytest.importorskip("ema_workbench")  # installed by `make test` (extra "test")


def test_names_round_trip():
    assert scenario_key(ema_name("mechanisms.trust.basis")) == "mechanisms.trust.basis"


def test_model_declares_uncertainties_levers_outcomes():
    from ema_workbench import IntegerParameter, RealParameter

    m = ema_model(Scenario(), {"population.districts": (2, 12), "mechanisms.trust.basis": (0.2, 0.8)},
                  outcomes=("unmet_need",), replications=3, seed=5)
    kinds = {u.name: type(u) for u in m.uncertainties}
    assert kinds == {"population__districts": IntegerParameter,
                     "mechanisms__trust__basis": RealParameter}
    assert [o.name for o in m.outcomes] == ["unmet_need"]
    assert len({r["seed"] for r in m.replications}) == 3


def test_function_is_deterministic_and_maps_keys():
    f = CogovFunction(Scenario().replace(**{"population.citizens": 200, "organizations.ngos": 6,
                                            "population.districts": 2, "steps": 6}),
                      ("unmet_need",))
    a = f(seed=1, governance__collaboration=True, population__need__heterogeneity=np.float64(0.3))
    b = f(seed=1, governance__collaboration=True, population__need__heterogeneity=0.3)
    c = f(seed=1, governance__collaboration=False, population__need__heterogeneity=0.3)
    assert a == b and a != c


def test_prim_example_runs():
    import sys
    sys.path.insert(0, "examples")
    from ema_prim import discover

    x, y, box = discover(scenarios=16, citizens=200, steps=8, replications=1)
    assert len(x) == 16 and y.dtype == bool
    assert box is None or box.peeling_trajectory.shape[0] >= 1

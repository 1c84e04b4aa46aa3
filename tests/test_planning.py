"""Planning: top-down plans vs adaptive re-targeting."""

import numpy as np
import pytest

from cogov.model import Scenario
from cogov.model.scenario.sections import Planning as PlanningParams
from cogov.model.sim.mechanisms.planning import Planning
from tests.conftest import final

SEEDS = (1, 2, 3, 4, 5)


def regimes(het, shift, collaboration=False):
    s = Scenario().replace(**{"population.need.heterogeneity": het,
                              "population.need.shift.size": shift,
                              "governance.collaboration": collaboration, "steps": 60})
    return s, s.replace(**{"governance.adaptation": True})


def test_equal_under_homogeneous_stable_need():
    top_down, adaptive = regimes(0.0, 0.0)
    a = final(top_down, "unmet_need", SEEDS, 30)
    b = final(adaptive, "unmet_need", SEEDS, 30)
    assert a == pytest.approx(b, abs=0.005)


@pytest.mark.parametrize("collaboration,margin", [(False, 0.02), (True, 0.05)])
def test_adaptation_pays_under_heterogeneous_shifting_need(collaboration, margin):
    top_down, adaptive = regimes(0.8, 0.5, collaboration)
    assert final(adaptive, "unmet_need", SEEDS, 30) < final(top_down, "unmet_need", SEEDS, 30) - margin


def test_top_down_plan_is_fixed_between_plans_and_delayed():
    params = PlanningParams(plan_period=5, layers=2, layer_delay=1, layer_noise=0.0)
    plan = Planning(params, adaptive=False, headcount=np.ones(2), rng=np.random.default_rng(0))
    needs = [np.array([1.0, 1.0])] * 3 + [np.array([1.0, 3.0])] + [np.array([3.0, 1.0])] * 2
    shares = [plan.update(n, t).copy() for t, n in enumerate(needs, start=1)]
    assert all(np.allclose(s, [0.5, 0.5]) for s in shares[:5])  # fixed for plan_period
    # re-planned at t = 6 from the need of t = 4 (2 layers x 1 step), not today's [3, 1]
    assert np.allclose(shares[5], [0.25, 0.75])


def test_adaptive_follows_current_need():
    params = PlanningParams(feedback_noise=0.0)
    plan = Planning(params, adaptive=True, headcount=np.ones(2), rng=np.random.default_rng(0))
    assert np.allclose(plan.update(np.array([1.0, 3.0]), 1), [0.25, 0.75])


def test_disabled_allocates_by_headcount():
    params = PlanningParams(enabled=False)
    plan = Planning(params, adaptive=True, headcount=np.array([1, 3]), rng=np.random.default_rng(0))
    assert np.allclose(plan.update(np.array([5.0, 1.0]), 1), [0.25, 0.75])

"""Shock timelines: need spikes, budget cuts, legitimacy drops; sudden vs gradual."""

import numpy as np
import pytest

from cogov.model.scenario.sections import Shock
from cogov.model.sim.shocks import progress
from tests.conftest import run_model, small


def test_progress_ramps_then_holds():
    shock = Shock(step=5, over=4)
    assert [progress(shock, t) for t in (4, 5, 6, 8, 20)] == [0, 0.25, 0.5, 1, 1]


def test_until_lifts_a_shock():
    shock = Shock(step=5, over=4, until=7)
    assert [progress(shock, t) for t in (4, 5, 6, 7, 20)] == [0, 0.25, 0.5, 0, 0]


def test_a_lifted_budget_cut_restores_spending():
    df = run_model(small(shocks=[{"kind": "budget_cut", "step": 10, "size": 0.5, "until": 20}])) \
        .datacollector.get_model_vars_dataframe()
    assert df["gov_spent"].iloc[15] == pytest.approx(0.5 * df["gov_spent"].iloc[5], rel=1e-9)
    assert df["gov_spent"].iloc[25] == pytest.approx(df["gov_spent"].iloc[5], rel=1e-9)


@pytest.mark.parametrize("shock, message", [
    ({"kind": "legitimacy_drop", "step": 5, "until": 9}, "shocks.0.until: only need_spike"),
    ({"kind": "budget_cut", "step": 5, "until": 5}, "shocks.0.until: must be after"),
])
def test_until_is_validated(shock, message):
    from cogov.model.scenario.errors import ScenarioError

    with pytest.raises(ScenarioError, match=message):
        small(shocks=[shock])


def test_need_spike_raises_need_in_one_district_only():
    base = run_model(small(), steps=12)
    spiked = run_model(small(shocks=[{"kind": "need_spike", "step": 10, "size": 1.0, "where": 2}]),
                       steps=12)
    d = base.citizens.district
    ratio = spiked.citizens.need / base.citizens.need
    assert np.allclose(ratio[d == 2], 2.0) and np.allclose(ratio[d != 2], 1.0)


def test_budget_cut_cuts_spending():
    df = run_model(small(shocks=[{"kind": "budget_cut", "step": 20, "size": 0.5}])) \
        .datacollector.get_model_vars_dataframe()
    assert df["gov_spent"].iloc[25] == pytest.approx(0.5 * df["gov_spent"].iloc[15], rel=1e-9)


def test_gradual_drop_takes_effect_over_time():
    sudden = small(**{"mechanisms.trust.enabled": False},
                   shocks=[{"kind": "legitimacy_drop", "step": 5, "size": 0.3}])
    gradual = sudden.replace(**{"shocks.0.over": 10})
    a = run_model(sudden).datacollector.get_model_vars_dataframe()["trust_gov"]
    b = run_model(gradual).datacollector.get_model_vars_dataframe()["trust_gov"]
    assert a[5] < b[5] - 0.2  # sudden: the whole drop at step 5
    assert a[30] == pytest.approx(b[30], abs=0.02)  # same total drop in the end

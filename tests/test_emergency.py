"""A multi-level emergency collaboration network (issue 16, item 5; docs/model.md 7.21)."""

from __future__ import annotations

import numpy as np
import pytest

from cogov.model import load_scenario
from cogov.model.engine.run import run_scenario
from cogov.model.scenario.errors import ScenarioError
from cogov.model.scenario.schema import Scenario
from cogov.model.sim.model import GovernanceModel
from tests.conftest import ROOT

SMALL = {"population.citizens": 500, "steps": 45, "warmup": 20}
SEEDS = (1, 2, 3)
METRICS = ("emergency_response_time", "shock_recovery_steps", "emergency_spend",
           "emergency_unmet")


def preset(name: str, **overrides) -> Scenario:
    return load_scenario(ROOT / f"scenarios/{name}.yaml", {**SMALL, **overrides})


def run(name: str, seed: int, **overrides):
    model = GovernanceModel(preset(name, **overrides), seed=seed)
    model.run()
    return model, model.datacollector.get_model_vars_dataframe()


def test_off_by_default_and_then_silent():
    assert not Scenario().mechanisms.emergency.enabled
    s = preset("emergency_alone", **{"mechanisms.emergency.enabled": False})
    df = run_scenario(s, seed=1).metrics
    for metric in METRICS:
        assert (df[metric] == 0).all(), metric


def test_off_leaves_every_number_unchanged():
    """Disabled, the emergency keys change nothing (the shock still hits)."""
    off = {"mechanisms.emergency.enabled": False}
    a = run_scenario(preset("emergency_alone", **off), seed=4).metrics
    b = run_scenario(preset("emergency_network", **off, **{
        "mechanisms.emergency.reserve": 0.5, "mechanisms.emergency.threshold": 0.1,
        "mechanisms.emergency.tolerance": 0.0, "mechanisms.emergency.social": 3.0}),
        seed=4).metrics
    assert a.equals(b)


@pytest.mark.parametrize("name", ["emergency_alone", "emergency_network"])
def test_a_large_shock_is_detected_from_the_state_at_its_onset(name):
    """The mechanism never reads the schedule: it sees the jump in unmet need in the
    step after the shock's first step, and only in the district hit."""
    model = GovernanceModel(preset(name), seed=2)
    model.run(29)
    assert model.emergency.episode is None  # the warm-up and calm steps raise no alarm
    model.run(2)
    e = model.emergency
    assert e.episode is not None and e.episode["onset"] == 30
    assert np.flatnonzero(e.hit).tolist() == [2]


def test_a_small_shock_is_no_emergency():
    _, df = run("emergency_network", 1,
                shocks=[{"kind": "need_spike", "step": 30, "size": 0.2, "where": 2,
                         "until": 36}])
    assert (df["emergency_response_time"] == 0).all()
    assert (df["emergency_spend"] == 0).all()


def test_a_jump_made_by_hand_is_detected_too():
    """No shock in the schedule: doubling a district's need through the state is enough."""
    model = GovernanceModel(preset("emergency_alone", shocks=[], warmup=50), seed=3)
    model.run(12)
    assert model.emergency.episode is None
    model.citizens.base_need[model.citizens.district == 5] *= 4.0
    model.run(2)
    e = model.emergency
    assert e.episode is not None and e.episode["onset"] == 13
    assert np.flatnonzero(e.hit).tolist() == [5]


def test_the_network_responds_at_once_and_alone_levels_late():
    delay = Scenario().mechanisms.emergency.delay_street
    for seed in SEEDS:
        _, net = run("emergency_network", seed)
        _, alone = run("emergency_alone", seed)
        assert net["emergency_response_time"].iloc[-1] == 1
        assert alone["emergency_response_time"].iloc[-1] == 1 + delay


def test_unanswered_emergency_counts_up():
    """With every lone level waiting longer than the run, the response time keeps running."""
    late = {f"mechanisms.emergency.delay_{k}": 99 for k in ("street", "district", "social",
                                                             "city")}
    _, df = run("emergency_alone", 1, **late)
    body = df[df["step"] >= 30]
    assert (body["emergency_spend"] == 0).all()
    assert body["emergency_response_time"].tolist() == [t - 30 for t in body["step"]]


def test_the_network_lowers_unmet_need_and_unrest_during_the_shock():
    """Direction of effect: pooled, timely money meets more of the hit district's need."""
    gains, calmer = [], []
    for seed in SEEDS:
        _, net = run("emergency_network", seed)
        _, alone = run("emergency_alone", seed)
        shock = slice(31, 37)  # the steps the shock lasts once it is seen
        gains.append(alone["emergency_unmet"].iloc[shock].mean()
                     - net["emergency_unmet"].iloc[shock].mean())
        calmer.append(alone["unrest"].iloc[shock].mean() - net["unrest"].iloc[shock].mean())
        assert net["emergency_spend"].sum() > alone["emergency_spend"].sum()
    assert min(gains) > 0
    assert np.mean(calmer) >= 0


def test_recovery_is_counted_from_the_onset():
    for name in ("emergency_alone", "emergency_network"):
        _, df = run(name, 1)
        steps = df["shock_recovery_steps"]
        assert (steps[df["step"] < 30] == 0).all()
        assert 1 <= steps.iloc[-1] <= 15  # the shock lasts 6 steps
        assert steps.notna().all() and (steps >= 0).all()


@pytest.mark.parametrize("network", [False, True])
def test_ledger_balanced_with_reserves_beyond_the_treasury(network):
    model, df = run("emergency_alone", 5, **{
        "mechanisms.emergency.network": network, "mechanisms.emergency.reserve": 1.0,
        "mechanisms.emergency.reserve_cap": 5.0, "mechanisms.emergency.social": 5.0,
        "mechanisms.emergency.coordination_cost": 2.0, "mechanisms.early_warning.enabled": True})
    assert df["ledger_error"].max() < 1e-9
    assert model.emergency.fund >= 0 and (model.emergency.street >= 0).all()
    assert (df["emergency_spend"] >= 0).all()
    assert df["social_funds"].sum() > 0  # donations entered as a source


def test_bad_input_names_the_key():
    with pytest.raises(ScenarioError, match="mechanisms.emergency.street_share"):
        Scenario().replace(**{"mechanisms.emergency.street_share": 0.7,
                              "mechanisms.emergency.district_share": 0.6})
    with pytest.raises(ScenarioError, match="mechanisms.emergency.tolerance"):
        Scenario().replace(**{"mechanisms.emergency.tolerance": 2.0})
    with pytest.raises(ScenarioError, match="mechanisms.emergency.delay_city"):
        Scenario().replace(**{"mechanisms.emergency.delay_city": -1})

"""Presets calibrated to the source (scenarios/calibrated/) and the metrics they are fitted on.

Each preset meets every target of its targets file within the target's tolerance, the
simulated moment being the mean over replicates of the target's statistic (docs/model.md,
"Calibration to the source"); the metrics' definitions are checked on cases whose value
is known in closed form.
"""

import math

import numpy as np
import pytest

from cogov.model import load_scenario
from cogov.model.engine.run import run_scenario
from cogov.model.engine.seeds import replicate_seeds
from cogov.model.engine.stats import final_window
from cogov.model.studies.targets import Target, moment, read_targets
from tests.conftest import ROOT, run_model, small

CALIBRATED = ("pudong", "beijing")
REPLICATES = 2


def targets(name: str) -> list[Target]:
    """The targets of a calibrated preset, read as `run.py calibrate` reads them."""
    return read_targets(ROOT / "scenarios/calibrated/targets" / f"{name}.yaml")


def table(**overrides):
    return run_model(small(**overrides)).datacollector.get_model_vars_dataframe()


COLLAB = {"governance.collaboration": True, "governance.adaptation": True}


# ----------------------------------------------------------------- presets and targets
@pytest.mark.parametrize("name", CALIBRATED)
def test_preset_validates_and_its_targets_are_well_formed(name):
    s = load_scenario(f"calibrated/{name}")
    assert s.name == name and s.seed == 42 and s.governance.collaboration
    rows = targets(name)  # validated on reading: metric, statistic, step, tolerance
    assert rows
    for t in rows:
        assert "Essay 2" in t.source, t


@pytest.mark.parametrize("name", CALIBRATED)
def test_preset_meets_its_targets(name):
    s = load_scenario(f"calibrated/{name}")
    runs = [run_scenario(s, seed=seed).metrics for seed in replicate_seeds(s.seed, REPLICATES)]
    for t in targets(name):
        simulated = np.mean([moment(t, m, s.outputs.window) for m in runs])
        assert abs(simulated - t.value) <= t.tolerance, (t.metric, simulated, t)
        assert all(m["ledger_error"].max() < 1e-9 for m in runs)


def test_default_leverage_is_far_from_pudong_and_the_match_ratio_does_not_bind():
    """At the defaults society's purse binds: raised = γ·N, grant = δ·b·N (every cell
    served, trust gate 1), so hub_leverage = 1 + γ/(δ·b) = 1 + 0.25/0.64 = 1.390625,
    below the 1 + μ = 2.625 of Pudong."""
    s = load_scenario("adaptive", steps=30)
    last = final_window(run_scenario(s, seed=3).metrics, 10)
    assert last["hub_leverage"] == pytest.approx(1 + 0.25 / 0.64, abs=2e-3)
    cal = final_window(run_scenario(load_scenario("calibrated/pudong", steps=30), seed=3).metrics, 10)
    assert cal["hub_leverage"] == pytest.approx(1 + 1.625, abs=1e-12)  # the match binds
    assert cal["social_funds"] == pytest.approx(1.625 * 0.5 * 0.8 * 2500, rel=1e-9)


def test_a_deep_purse_alone_cannot_reach_pudong_at_default_delegation():
    """With δ = 0.8 the room (what projects still lack after the grant) binds before the
    match: the source's 2.625 needs less delegation, not only more social money."""
    s = load_scenario("adaptive", {"mechanisms.resources.social_capacity": 5.0}, steps=30)
    lev = final_window(run_scenario(s, seed=3).metrics, 10)["hub_leverage"]
    assert 1.5 < lev < 2.2


# ------------------------------------------------------------ metric definitions
def test_without_social_funds_hub_leverage_is_one():
    df = table(**COLLAB, **{"mechanisms.resources.social_capacity": 0.0, "steps": 10})
    assert (df["hub_leverage"] == 1.0).all()
    assert (df["social_funds"] == 0.0).all()


def test_hub_leverage_is_one_plus_the_match_ratio_when_nothing_else_binds():
    df = table(**COLLAB, **{"mechanisms.resources.match_ratio": 0.5,
                            "mechanisms.resources.delegation": 0.3,
                            "mechanisms.resources.social_capacity": 5.0, "steps": 10})
    assert np.allclose(df["hub_leverage"], 1.5, rtol=0, atol=1e-12)


def test_under_top_down_no_hub_is_granted_and_no_ngo_funded():
    df = table(**{"steps": 5})
    assert df["hub_leverage"].isna().all()
    assert (df["ngos_linked"] == 12).all() and (df["ngos_funded"] == 0).all()
    assert (df["ngos_funded_share"] == 0).all() and df["projects_per_funded_ngo"].isna().all()


def test_without_hubs_no_ngo_is_linked():
    df = table(**COLLAB, **{"organizations.hubs": 0, "steps": 5})
    assert (df["ngos_linked"] == 0).all() and (df["ngos_funded"] == 0).all()
    assert df["ngos_funded_share"].isna().all() and df["hub_leverage"].isna().all()


@pytest.mark.parametrize("extra, buyers", [
    ({}, 1.0),  # one hub per field pays every NGO of its cells
    ({"organizations.hubs": 6}, 2.0),  # two hubs per field each pay every NGO
    ({"mechanisms.resources.government_share": 0.5}, 2.0),  # the department buys too
])
def test_purchases_per_funded_ngo_count_the_buyers(extra, buyers):
    df = table(**COLLAB, **extra, **{"steps": 5})
    assert (df["ngos_funded"] == 12).all() and (df["ngos_funded_share"] == 1.0).all()
    assert (df["projects_per_funded_ngo"] == buyers).all()


def test_with_projects_one_ngo_per_buyer_and_cell_is_funded():
    """Project procurement: a contract per (buyer, cell), so funded NGOs are at most the
    cells and purchases equal the running contracts."""
    df = table(**COLLAB, **{"organizations.ngos": 48, "mechanisms.projects.enabled": True,
                            "steps": 10})
    cells = 4 * 3
    assert (df["ngos_funded"] <= cells).all() and (df["ngos_funded"] >= cells - 2).all()
    assert (df["ngos_funded"] <= df["ngos_linked"]).all()
    assert np.allclose(df["projects_per_funded_ngo"] * df["ngos_funded"], df["projects_active"])


# ------------------------------------------------------------ the unfunded majority
BEIJING_SMALL = {"population.citizens": 500, "steps": 20}


def beijing(**extra):
    s = load_scenario("calibrated/beijing", {**BEIJING_SMALL, **extra})
    return run_scenario(s, seed=5).metrics


def test_member_support_keeps_the_unfunded_majority_linked():
    kept = beijing()
    assert (kept["ngos_linked"] == 976).all() and kept["ngo_exits"].sum() == 0
    assert kept["ngos_funded_share"].iloc[1:].between(0.08, 0.11).all()
    gone = beijing(**{"mechanisms.incubation.member_support": False})
    # without it the NGOs that hold no contract close during the warm-up
    assert (gone["ngos_linked"] <= 96).all()
    assert gone["ngos_funded_share"].iloc[1:].mean() > 0.9


def test_member_support_needs_a_funded_hub():
    """Under top-down management hubs get no grants: their members close as before."""
    df = beijing(**{"governance.collaboration": False, "governance.adaptation": False})
    assert (df["ngos_linked"] == 0).all() and (df["ngo_count"] == 0).all()
    assert math.isnan(df["hub_leverage"].iloc[-1])

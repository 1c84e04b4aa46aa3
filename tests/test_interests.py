"""Hubs carry members' interests upward (issue 16, item 4; docs/model.md 7.18a)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from cogov.model import load_scenario
from cogov.model.engine.run import run_scenario
from cogov.model.scenario.schema import Scenario
from cogov.model.scenario.sections import Credit
from cogov.model.scenario.sections import Interests as Params
from cogov.model.sim.mechanisms.credit import SocialCredit
from cogov.model.sim.mechanisms.interests import Interests, hub_strength
from cogov.model.sim.model import GovernanceModel
from tests.conftest import ROOT, UnlimitedTreasury

SMALL = {"population.citizens": 500, "steps": 60, "warmup": 20}
SEEDS = (1, 2, 3)


def preset(name: str, **overrides) -> Scenario:
    return load_scenario(ROOT / f"scenarios/{name}.yaml", {**SMALL, **overrides})


@cache
def finals(name: str) -> pd.DataFrame:
    """Per seed (rows), every metric's mean over the last 30 steps of the preset."""
    return pd.DataFrame([run_scenario(preset(name), seed=s).metrics.iloc[-30:].mean()
                         for s in SEEDS])


def test_off_by_default_and_silent_when_off():
    assert not Scenario().mechanisms.interests.enabled
    df = run_scenario(preset("interests_hubs", **{"mechanisms.interests.enabled": False}),
                      seed=1).metrics
    assert (df["interests_reported"] == 0).all() and (df["policy_changes"] == 0).all()


def test_hub_reports_lower_unmet_need():
    """Same world and seeds: hubs that carry their members' unmet need upward leave less
    need unmet than hubs that report nothing (the plan hears only disputes)."""
    hubs, none = finals("interests_hubs"), finals("interests_none")
    assert (hubs["unmet_need"] < none["unmet_need"]).all(), (hubs, none)
    assert hubs["interests_reported"].min() > 0.5 and (none["interests_reported"] == 0).all()
    assert hubs["policy_changes"].min() > 0


def test_top_down_hears_no_hub_reports():
    df = run_scenario(preset("interests_hubs", **{"governance.collaboration": False}),
                      seed=2).metrics
    assert (df["interests_reported"] == 0).all()


def test_fields_without_a_hub_are_not_reported():
    """One hub (field 0): only field 0's citizens can be reported."""
    m = GovernanceModel(preset("interests_hubs", **{"organizations.hubs": 1}), seed=3)
    share = float(np.mean(m.citizens.field == 0))
    m.run(20)
    df = m.datacollector.get_model_vars_dataframe()
    assert 0 < df["interests_reported"].max() <= share + 1e-12
    assert np.array_equal(hub_strength(m.ctx) > 0, [True, False, False])


def shares_after(params: Params, collaboration: bool, steps: int, unmet, conflict=None):
    """Run the mechanism alone on four equal cells of one field with a full-strength hub."""
    mech = Interests(params, collaboration, np.random.default_rng(0))
    plan = np.full(4, 0.25)
    conflict = np.zeros(4) if conflict is None else conflict
    out = []
    for _ in range(steps):
        out.append(mech.update(plan, np.asarray(unmet, float), conflict, np.full(4, 100.0),
                             np.zeros(4, dtype=int), np.ones(1), None, UnlimitedTreasury()))
    return out, mech


def test_reports_shift_shares_after_the_delay():
    p = Params(enabled=True, coverage=1.0, report_noise=0.0, delay=2, consultation_weight=1.0)
    out, mech = shares_after(p, True, 4, [0.5, 0.0, 0.0, 0.0])
    assert np.allclose(out[0], 0.25) and np.allclose(out[1], 0.25)  # the delay
    assert out[2][0] == pytest.approx(2 / 5)  # need read as 1/(1 − 0.5) of the plan's
    assert out[2].sum() == pytest.approx(1.0) and mech.changes == 4
    weaker, _ = shares_after(Params(**{**p.__dict__, "consultation_weight": 0.5}), True, 3,
                             [0.5, 0.0, 0.0, 0.0])
    assert 0.25 < weaker[2][0] < out[2][0]


def test_without_collaboration_only_conflict_is_heard():
    p = Params(enabled=True, coverage=1.0, report_noise=0.0, delay=0)
    out, mech = shares_after(p, False, 1, [0.5, 0.0, 0.0, 0.0])
    assert np.allclose(out[0], 0.25) and mech.reported == 0
    out, _ = shares_after(p, False, 1, [0.5, 0.0, 0.0, 0.0], conflict=np.array([0, 0, 10.0, 0]))
    assert out[0].argmax() == 2  # the loud cell, not the needy one


def test_union_reports_tighten_labour_inspection():
    p = Params(enabled=True, rule_threshold=0.05, rule_step=0.5, max_intensity=2.0, delay=0)
    args = (np.full(3, 1 / 3), np.zeros(3), np.zeros(3), np.full(3, 100.0),
            np.zeros(3, dtype=int), np.ones(1))
    heard = Interests(p, True, np.random.default_rng(0))
    unheard = Interests(p, False, np.random.default_rng(0))
    for _ in range(4):  # 20 % of workers in breaching firms, no labour dispute filed
        heard.update(*args, (0.2, 0.0), UnlimitedTreasury())
        unheard.update(*args, (0.2, 0.0), UnlimitedTreasury())
    assert heard.intensity == 2.0 and unheard.intensity == 1.0
    for _ in range(2):  # breaches stop: the rule is relaxed step by step
        heard.update(*args, (0.0, 0.0), UnlimitedTreasury())
    assert heard.intensity == 1.0 and heard.changes == 1


def test_intensity_raises_labour_inspections():
    counts = []
    for intensity in (1.0, 3.0):
        credit = SocialCredit(Credit(enabled=True, enterprises=True, inspect_min=0.05,
                                     inspect_max=0.2), np.random.default_rng(1))
        sanctioned = credit.inspect_firms(np.ones(2000, dtype=bool), UnlimitedTreasury(), 27.4,
                                          intensity=intensity)
        counts.append(sanctioned.size + np.count_nonzero(credit.firm_credit < 1))
    assert counts[1] > 2 * counts[0]


@pytest.mark.parametrize("cost", [0.002, 1000.0])
def test_ledger_balanced(cost):
    """Consultation paid from the treasury, or not made when it cannot be paid."""
    s = preset("interests_hubs", **{"mechanisms.interests.report_cost": cost})
    m = GovernanceModel(s, seed=4)
    m.run()
    df = m.datacollector.get_model_vars_dataframe()
    assert df["ledger_error"].max() < 1e-9
    spent = m.ledger.total["consultation"]
    if cost > 1:
        assert spent == 0 and (df["interests_reported"] == 0).all()
    else:
        assert spent > 0
    assert np.isfinite(df[["interests_reported", "policy_changes"]].to_numpy()).all()


def test_size_invariance_of_its_metrics():
    """Share reported and changes per step (cells are fixed) agree at 500 and 2,000 citizens."""
    out = {}
    for n in (500, 2000):
        runs = [run_scenario(preset("interests_hubs", **{"population.citizens": n}), seed=s)
                .metrics.iloc[-30:] for s in SEEDS]
        out[n] = np.mean([[r["interests_reported"].mean(), r["policy_changes"].mean()]
                          for r in runs], axis=0)
    assert out[500][0] == pytest.approx(out[2000][0], abs=0.03)
    assert out[500][1] == pytest.approx(out[2000][1], rel=0.25, abs=1.0)

"""Credit for every actor, with rewards (docs/model.md 7.16a)."""

import numpy as np
import pytest

from cogov.model import GovernanceModel, ScenarioError, load_scenario
from cogov.model.scenario.sections import Association, CitizenCredit, Credit, CreditRewards
from cogov.model.sim.mechanisms.credit import SocialCredit
from cogov.model.sim.mechanisms.trust import learn
from tests.conftest import UnlimitedTreasury, run_model

SMALL = {"population.citizens": 500, "steps": 40}
SANCTIONS = {"mechanisms.credit.budget": 0.0008}
# the same inspection money (0.0008 per citizen), and a large reward pot on top
WITH_REWARDS = {"mechanisms.credit.budget": 0.08, "mechanisms.credit.rewards.enabled": True,
                "mechanisms.credit.rewards.share": 0.99}


def run_means(extra: dict, seeds=(1, 2)):
    """Each metric's mean over the run and the seeds."""
    s = load_scenario("credit_sanctions").replace(**SMALL, **extra)
    return sum(run_model(s, seed).datacollector.get_model_vars_dataframe().iloc[1:].mean()
               for seed in seeds) / len(seeds)


def test_rewards_on_top_of_the_same_inspections_lower_defaults_and_raise_cooperation():
    """Keeping faith pays: opportunists reform, firms comply, contributors are rewarded."""
    rewarded, sanctions = run_means(WITH_REWARDS), run_means(SANCTIONS)
    for metric in ("ngo_default_rate", "labour_disputes"):  # 0.13 -> 0.08, 0.59 -> 0.31
        assert rewarded[metric] < 0.75 * sanctions[metric]
    assert rewarded["cooperation"] > sanctions["cooperation"] + 0.005


def test_presets_cost_the_same_and_the_books_balance():
    """Equal cost: both presets spend their budget (0.8 per 1,000 citizens per step)."""
    spend = {}
    for name in ("credit_sanctions", "credit_rewards"):
        m = run_model(load_scenario(name).replace(**SMALL), seed=3)
        df = m.datacollector.get_model_vars_dataframe().iloc[1:]
        spend[name] = df["credit_spend"].mean()
        assert df["ledger_error"].max() < 1e-9
        rewards = m.ledger.total["credit_reward"]
        assert rewards == pytest.approx(df["rewards_paid"].sum() * m.citizens.n / 1000)
        assert (rewards > 0) == (name == "credit_rewards")
        assert df["credit_spend"].min() >= 0 and df["rewards_paid"].min() >= 0
    assert spend["credit_rewards"] == pytest.approx(spend["credit_sanctions"], rel=0.03)
    assert spend["credit_sanctions"] == pytest.approx(0.8, rel=0.03)


def test_rewards_need_a_budget():
    with pytest.raises(ScenarioError, match=r"mechanisms\.credit\.budget"):
        load_scenario("credit_rewards", overrides={"mechanisms.credit.budget": 0.0})


def test_citizens_records_fall_with_defection_and_recover():
    p = Credit(enabled=True, threshold=0.7, budget=1.0,
               citizens=CitizenCredit(enabled=True, learning=0.5),
               rewards=CreditRewards(enabled=True, threshold=0.9, share=1.0))
    credit = SocialCredit(p, np.random.default_rng(0))
    credit._open(citizens=4.0, kinds=1)  # a pot of 4 for the citizens
    s = np.array([1.0, 0.0, 1.0, 0.0])
    bonus, eligible = credit.citizens_step(s, UnlimitedTreasury())
    assert bonus.tolist() == [2.0, 0.0, 2.0, 0.0]  # contributors in good standing share it
    assert eligible.tolist() == [1, 1, 1, 1]
    credit.citizens_step(s, UnlimitedTreasury())
    assert credit.citizen_credit.tolist() == [1.0, 0.25, 1.0, 0.25]  # defectors' records
    _, eligible = credit.citizens_step(np.ones(4), UnlimitedTreasury())
    assert eligible.tolist() == [1, 0, 1, 0]  # a bad record loses the subsidy
    assert credit.citizen_credit[1] == pytest.approx(0.625)  # contributing restores it


def test_government_credit_speeds_the_loss_of_trust():
    assert learn(0.8, 0.4, 0.2, 2.0, np.array([2.0])) == pytest.approx(2 * learn(0.8, 0.4, 0.2, 2.0))
    assert learn(0.4, 0.8, 0.2, 2.0, np.array([3.0])) == pytest.approx(learn(0.4, 0.8, 0.2, 2.0))
    base = load_scenario("credit_sanctions").replace(**SMALL, **{
        "shocks": [{"kind": "budget_cut", "step": 5, "size": 0.5}]})
    trust = {}
    for weight in (0.0, 5.0):
        s = base.replace(**{"mechanisms.credit.government.weight": weight})
        df = run_model(s, seed=2).datacollector.get_model_vars_dataframe()
        trust[weight] = df["trust_gov"].iloc[10:].mean()
        assert 0 < df["government_credit"].iloc[-1] <= 1
    off = base.replace(**{"mechanisms.credit.government.enabled": False})
    df_off = run_model(off, seed=2).datacollector.get_model_vars_dataframe()
    assert df_off["trust_gov"].iloc[10:].mean() == trust[0.0]  # weight 0: no effect
    assert trust[5.0] < trust[0.0] - 0.005


def test_association_blends_a_firms_record_with_its_associations():
    p = Credit(enabled=True, enterprises=True,
               association=Association(enabled=True, weight=0.5))
    credit = SocialCredit(p, np.random.default_rng(0))
    credit.firm_credit = np.array([1.0, 0.2, 0.6, 0.4])
    graded = credit._graded_firms(np.array([0, 0, -1, 1]))
    assert graded.tolist() == pytest.approx([0.8, 0.4, 0.6, 0.4])


def test_everything_off_by_default():
    m = GovernanceModel(load_scenario("base").replace(**{"population.citizens": 300, "steps": 3,
                                                         "warmup": 0}), seed=1)
    m.run()
    df = m.datacollector.get_model_vars_dataframe()
    for metric in ("rewards_paid", "credit_spend"):  # flows: nothing paid
        assert (df[metric] == 0).all()
    for metric in ("citizen_credit_mean", "government_credit"):  # states: none to measure
        assert df[metric].isna().all()  # (0 read as the worst record; issue 25)

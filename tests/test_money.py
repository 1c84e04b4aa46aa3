"""Money and bookkeeping (issue 11, items 5, 6 and 8): no negative account, no payment for
work not done, NaN is an error, money costs scale with the population, timing is right."""

import math

import numpy as np
import pytest

from cogov.model import GovernanceModel, Scenario
from cogov.model.scenario.errors import ScenarioError
from cogov.model.scenario.files import load_scenario
from cogov.model.sim.ledger import Ledger
from cogov.model.ui.cli import main
from tests.conftest import ROOT, UnlimitedTreasury, run_model

STARVED = {  # issue 11's reproduction: incubation eats the budget before early warning saves
    "population.citizens": 100, "organizations.ngos": 3, "governance.collaboration": True,
    "mechanisms.incubation.enabled": True, "mechanisms.incubation.rate": 1.0,
    "mechanisms.incubation.need_threshold": 0.0, "mechanisms.incubation.cost": 12.0,
    "mechanisms.early_warning.enabled": True, "steps": 20,
}


def balances_never_negative(m) -> list:
    """Step the model to its end, collecting every holder's smallest balance."""
    lows = []
    while m.running:
        m.step()
        lows.append(min([m.government.treasury, m.government.reserve, m.early_warning.fund,
                         *(h.cash for h in m.hubs), *(g.cash for g in m.ngos)]))
    return lows


# ----------------------------------------------------------------- item 5: no negative money
def test_starved_treasury_stays_finite_and_non_negative():
    m = GovernanceModel(Scenario().replace(**STARVED), seed=1)
    lows = balances_never_negative(m)
    df = m.datacollector.get_model_vars_dataframe()
    assert m.ledger.total["incubation"] > 0  # incubation did spend the budget
    assert min(lows) >= 0
    for col in ("unmet_need", "gov_spent", "satisfaction", "trust_gov", "cooperation"):
        assert np.isfinite(df[col]).all(), col
    assert df["ledger_error"].max() < 1e-9


def test_saving_into_the_fund_never_overdraws_the_treasury():
    # warmup 0: a fresh, empty fund (the warm-up would already have filled it to its cap)
    m = GovernanceModel(Scenario().replace(**{**STARVED, "mechanisms.incubation.enabled": False,
                                              "warmup": 0}), seed=1)
    gov = m.government
    gov.open_budget()
    gov.pay(gov.treasury, "incubation")  # step 5 spent everything
    m.early_warning.update(np.zeros(m.scenario.population.districts), gov, gov.budget, 2)
    assert gov.treasury == 0 and m.early_warning.fund == 0


def test_government_refuses_to_overdraw():
    gov = GovernanceModel(Scenario().replace(**{"population.citizens": 100}), seed=1).government
    gov.open_budget()
    budget = gov.treasury
    with pytest.raises(ValueError, match="overdrawn"):
        gov.transfer(budget + 1.0)
    gov.treasury = budget
    assert not gov.pay_all(budget + 1.0, "inspection") and gov.treasury == budget
    assert gov.pay_each(budget / 2.5, 5, "negotiation") == 2


def test_response_money_is_what_the_treasury_still_holds():
    """Mediation or policing may spend part of the drawn response money before delivery;
    the earmark is cut to what is left (it used to plan negative money for the cells)."""
    m = GovernanceModel(Scenario().replace(**{"population.citizens": 200,
                                              "mechanisms.early_warning.enabled": True}), seed=1)
    m.government.treasury = 5.0
    d = m.scenario.population.districts
    m.ctx.cell_need = np.ones(d * 3)
    money = m.resources.earmark((np.r_[10.0, np.zeros(d - 1)], np.zeros(d), np.zeros(d)), m.ctx)
    assert money.sum() == pytest.approx(5.0) and m.resources.response_spend == pytest.approx(5.0)


def test_nan_in_the_ledger_is_an_error_not_a_zero():
    led = Ledger()
    with pytest.raises(ValueError):
        led.source("government_budget", math.nan)
    led.source("government_budget", 10.0)
    led.total["direct_service"] = math.nan  # however it got there
    with pytest.raises(ValueError, match="not finite"):
        led.error(balance=0.0)
    with pytest.raises(ValueError, match="not finite"):
        Ledger().error(balance=math.nan)
    with pytest.raises(ValueError, match="negative balance"):
        led2 = Ledger()
        led2.source("government_budget", 10.0)
        led2.error(balance=-1.0)


def test_incubation_is_paid_in_full_or_not_at_all():
    """A treasury short of one incubation pays nothing (it used to pay what it had and
    open no NGO)."""
    s = Scenario().replace(**{**STARVED, "mechanisms.early_warning.enabled": False,
                              "mechanisms.incubation.cost": 1000.0, "steps": 5})
    m = run_model(s, seed=1)
    assert m.ledger.total["incubation"] == 0 and m.incubation.entries == 0


def test_inspection_is_paid_in_full_or_not_made():
    from cogov.model.scenario.sections import Credit
    from cogov.model.sim.mechanisms.credit import SocialCredit

    # warmup 0: a government that has spent nothing yet (after the warm-up, spent is step 0's)
    gov = GovernanceModel(Scenario().replace(**{"population.citizens": 100, "warmup": 0}),
                          seed=1).government
    gov.treasury = 0.5
    credit = SocialCredit(Credit(enabled=True, inspect_min=1.0, inspect_max=1.0,
                                 inspection_cost=1.0), np.random.default_rng(1))
    ngo = _FakeNGO(uid=1, cell=0, funders={"hub": 1.0})
    credit.update([ngo], gov, np.array([1.0]))
    assert credit.inspections == 0 and gov.treasury == 0.5 and gov.spent == 0


def test_unpaid_coordination_buys_no_pooled_resources():
    s = load_scenario(ROOT / "scenarios/resource_sharing.yaml").replace(
        **{"population.citizens": 300, "mechanisms.resources.sharing.cost": 10.0, "steps": 3})
    m = run_model(s, seed=1)
    assert m.ledger.total["coordination"] == 0
    assert all(g.sharing_gain == 1.0 for g in m.ngos)


# ---------------------------------------------------- item 6: money costs scale with N
@pytest.mark.slow
def test_resource_sharing_effect_does_not_depend_on_population_size():
    """resource_sharing − adaptive in final-window unmet need: same sign, similar size at
    N = 500, 2,500, 10,000 (it was +0.23, −0.09, −0.12 with costs fixed per hub)."""
    def effect(n):
        diffs = []
        for seed in (1, 2):
            vals = []
            for name in ("resource_sharing", "adaptive"):
                s = load_scenario(ROOT / f"scenarios/{name}.yaml").replace(
                    **{"population.citizens": n})
                df = run_model(s, seed).datacollector.get_model_vars_dataframe()
                vals.append(df["unmet_need"].iloc[-20:].mean())
            diffs.append(vals[0] - vals[1])
        return float(np.mean(diffs))

    effects = [effect(n) for n in (500, 2500, 10_000)]
    assert all(e < -0.04 for e in effects), effects
    assert max(effects) - min(effects) < 0.03, effects


def test_money_costs_are_per_citizen():
    """Doubling the population doubles the incubation, inspection and evaluation bills of
    the same events (per citizen of the cell served)."""
    from cogov.model.scenario.sections import Incubation as Params
    from cogov.model.sim.mechanisms.incubation import Incubation

    paid = []
    for headcount in (50.0, 100.0):
        gov = _Till(1e9)
        inc = Incubation(Params(enabled=True, rate=1.0, need_threshold=0.0, cost=0.5), 1,
                         np.random.default_rng(0))
        hub = _FakeHub()
        inc.update(np.array([0.5]), np.array([headcount]), [hub], [], gov,
                 lambda f, d, c: _FakeNGO(uid=9, cell=0, funders={}))
        paid.append(gov.paid)
    assert paid == [25.0, 50.0]


# ------------------------------------------------------- item 8: timing and bookkeeping
def test_incubation_reads_the_need_that_was_served():
    """Need is redrawn at the start of a step; the unmet share incubation sees must be the
    previous step's need against the previous step's service."""
    s = Scenario().replace(**{"governance.collaboration": True, "governance.adaptation": True,
                              "mechanisms.incubation.enabled": True, "organizations.ngos": 6,
                              "population.need.shift.every": 1, "population.need.shift.size": 0.5,
                              "population.citizens": 600, "steps": 15})
    m = GovernanceModel(s, seed=1)
    seen, orig = [], m.incubation.update
    m.incubation.update = lambda unmet, *a: seen.append(unmet.copy()) or orig(unmet, *a)
    c, cells, truth = m.citizens, m.planning.headcount.size, []
    for _ in range(15):
        m.step()
        need = np.bincount(c.cell, weights=c.need, minlength=cells)
        truth.append(1 - np.bincount(c.cell, weights=c.received, minlength=cells) / need)
    for t in range(1, 15):
        np.testing.assert_allclose(seen[t], truth[t - 1], atol=1e-12)
        assert seen[t].min() >= 0


def test_collapse_hazard_is_per_contract():
    """Three buyers per NGO: failures per contract-step equal the hazard (they were about
    three times it when one draw failed all of an NGO's contracts)."""
    s = Scenario().replace(**{
        "governance.collaboration": True, "mechanisms.projects.enabled": True,
        "organizations.hubs": 6, "mechanisms.resources.government_share": 0.5,
        "mechanisms.projects.failure_base": 0.01, "mechanisms.projects.failure_risk": 0.0,
        "mechanisms.projects.evaluation": 0.0, "mechanisms.projects.retender": 0, "steps": 150})
    fails = contract_steps = 0
    for seed in (1, 2):
        m = GovernanceModel(s, seed=seed)
        for _ in range(s.steps):
            m.step()
            contract_steps += m.projects.active
        fails += m.datacollector.get_model_vars_dataframe()["project_failures"].sum()
    assert 0.007 < fails / contract_steps < 0.013


def test_a_terminated_ngo_sits_out_one_tender_only():
    from cogov.model.scenario.sections import Projects as Params
    from cogov.model.sim.mechanisms.projects import Projects

    proj = Projects(Params(enabled=True), np.zeros(1), np.random.default_rng(0))
    buyer, cheat, other = _FakeHub(), _FakeNGO(uid=1, cell=0), _FakeNGO(uid=2, cell=0)
    proj.t = 1
    proj.excluded[(buyer.unique_id, 0)] = cheat
    assert proj.award(buyer, 0, [cheat, other]) == [(other, 1.0)]
    assert not proj.excluded  # cleared by the tender it sat out
    proj.contracts.clear()
    assert [g for g, _ in proj.award(buyer, 0, [cheat])] == [cheat]


def test_one_observation_updates_the_shared_record_once():
    from cogov.model.scenario.sections import Credit
    from cogov.model.sim.mechanisms.credit import SocialCredit

    credit = SocialCredit(Credit(enabled=True, sharing=True, learning=0.5, inspect_min=1.0,
                                 inspect_max=1.0, threshold=0.0), np.random.default_rng(1))
    ngo = _FakeNGO(uid=1, cell=0, funders={"gov": 1.0, "hub1": 1.0, "hub2": 1.0})
    ngo.promised, ngo.service = 1.0, 0.4
    credit.update([ngo], UnlimitedTreasury(), np.array([1.0]))
    assert credit.inspections == 1
    assert ngo.credit == pytest.approx(0.5 * 1.0 + 0.5 * 0.4)


def test_row_zero_is_consistent():
    # warmup 0: row 0 is the set-up state, where satisfaction is the initial trust
    m = GovernanceModel(Scenario().replace(**{"population.citizens": 300, "steps": 1,
                                              "warmup": 0}), seed=1)
    row = m.datacollector.get_model_vars_dataframe().iloc[0]
    c = m.citizens
    assert row["unmet_need"] == pytest.approx(1 - (c.need * c.satisfaction).sum() / c.need.sum())
    assert row["unmet_need"] < 0.6 and row["satisfaction"] == pytest.approx(c.trust_gov.mean())
    assert row["gov_spent"] == 0 and row["social_funds"] == 0


def test_row_zero_after_the_warm_up_is_step_zero_whole():
    """Row 0 reports the last warm-up step, its state and all its flows; the reopened books
    hold only the opening balance, and the flow columns from row 1 sum to the ledger's
    totals. Before, reopening wiped step 0's ledger flows but not the others: row 0 had
    gov_spent 400 but social_funds 0, resource_leverage 1 and cost_per_need 0.97 against
    1.31 and 1.26 at every later step."""
    s = load_scenario(ROOT / "scenarios/collaborative.yaml").replace(
        **{"population.citizens": 500, "steps": 5})
    m = GovernanceModel(s, seed=1)
    row = m.datacollector.get_model_vars_dataframe().iloc[0]
    assert row["social_funds"] > 0 and row["gov_spent"] > 0
    # hubs here spend all they get: step 0's uses are government's and society's money
    assert row["gov_spent"] + row["social_funds"] == pytest.approx(m.ledger.uses(step_only=True))
    assert row["resource_leverage"] == pytest.approx(
        (row["gov_spent"] + row["social_funds"]) / row["gov_spent"])
    assert m.ledger.uses() == 0 and m.ledger.sources() == pytest.approx(m.balance())
    assert m.ledger.total["opening_balance"] == pytest.approx(m.balance())
    c = m.citizens
    assert row["unmet_need"] == pytest.approx(1 - (c.need * c.satisfaction).sum() / c.need.sum())
    m.run()
    df = m.datacollector.get_model_vars_dataframe()
    for col in ("resource_leverage", "cost_per_need"):  # row 0 is a row like the others
        assert row[col] == pytest.approx(df[col].iloc[1:].mean(), rel=0.05), col
    assert (df["gov_spent"] + df["social_funds"]).iloc[1:].sum() == pytest.approx(m.ledger.uses())
    assert df["social_funds"].iloc[1:].sum() == pytest.approx(m.ledger.total["social_funds"])


def test_odd_small_world_degree_is_a_scenario_error(capsys):
    with pytest.raises(ScenarioError, match="network.degree"):
        Scenario().replace(**{"network.degree": 5})
    code = main(["run", str(ROOT / "scenarios/adaptive.yaml"), "--set", "network.degree=5",
                 "--set", "steps=2"])
    assert code == 2 and "network.degree" in capsys.readouterr().err


def test_contingency_fund_is_capped_and_saving_is_not_spending():
    """No warnings: the fund fills to fund_cap steps of budget and stops; government
    spending each step is exactly the money it used (saving is a transfer)."""
    s = Scenario().replace(**{"population.citizens": 500, "mechanisms.early_warning.enabled": True,
                              "mechanisms.early_warning.threshold": 1e6, "steps": 40})
    m = GovernanceModel(s, seed=1)
    for _ in range(40):
        m.step()
        assert m.government.spent == pytest.approx(m.ledger.uses(step_only=True))
    cap = s.mechanisms.early_warning.fund_cap * m.government.budget
    assert m.early_warning.fund == pytest.approx(cap)
    assert m.datacollector.get_model_vars_dataframe()["ledger_error"].max() < 1e-9


# ------------------------------------------------------------------------------ fakes
class _Till(UnlimitedTreasury):
    """A treasury that records what it paid."""

    def __init__(self, treasury):
        self.treasury, self.paid = treasury, 0.0

    def pay_all(self, amount, account):
        self.paid += amount
        return True


class _FakeHub:
    unique_id = 77
    field = 0
    grant = 1.0

    def __init__(self):
        self.members = []


class _FakeNGO:
    def __init__(self, uid, cell, funders=None):
        self.unique_id, self.cell, self.funders = uid, cell, funders or {}
        self.promised, self.service = 1.0, 1.0
        self.efficiency, self.credit, self.opportunist = 0.9, 1.0, False
        self.collapsed, self.hub, self.overpromise = set(), None, 0.0

"""Project procurement: tenders, contracts that run their length, failures, selection."""

import numpy as np

from cogov.model import GovernanceModel, Scenario
from tests.conftest import run_model

MARKET = {"governance.collaboration": True, "governance.adaptation": True,
          "mechanisms.projects.enabled": True, "organizations.ngos": 90, "steps": 60}
CALM = {"mechanisms.projects.failure_base": 0.0, "mechanisms.projects.failure_risk": 0.0}
PRICE_ONLY = {"mechanisms.projects.price_weight": 1.0, "mechanisms.projects.quality_weight": 0.0,
              "mechanisms.projects.credit_weight": 0.0}
CHEATS = {"organizations.opportunists": 0.3, "organizations.shirk": 0.6}


def market(**extra):
    return Scenario().replace(**{**MARKET, **extra})


def late_mean(scenario, metric, seeds=(1, 2, 3, 4), start=10):
    return np.mean([run_model(scenario, seed).datacollector.get_model_vars_dataframe()
                    [metric].iloc[start:].mean() for seed in seeds])


def test_contracts_run_their_length_and_are_retendered():
    s = market(**CALM, steps=30)
    length = s.mechanisms.projects.length
    # the contracts running at step 1 were signed in the warm-up, every `length` steps from
    # its first step 1 - warmup (-49, -37, …, -1 for 50 and 12): they end at step 10
    end = length - s.warmup % length
    m = GovernanceModel(s, seed=1)
    m.run(1)
    first = {key: k.ngo for key, k in m.projects.contracts.items()}
    assert first and {k.end for k in m.projects.contracts.values()} == {end}
    assert all(hub.unique_id == key[0] for key in first for hub in m.hubs if hub.unique_id == key[0])
    m.run(end - 1)  # through step `end`: the same NGOs hold the same contracts
    assert {key: k.ngo for key, k in m.projects.contracts.items()} == first
    m.run(1)  # the step after: all expired and were tendered again, for their full length
    assert {k.end for k in m.projects.contracts.values()} == {end + length}
    df = m.datacollector.get_model_vars_dataframe()
    assert df["project_failures"].sum() == 0 and df["ledger_error"].max() < 1e-9


def test_friction_fails_projects_and_costs_service():
    calm, risky = market(**CALM), market(**{"mechanisms.projects.failure_risk": 0.5})
    assert late_mean(calm, "project_failures") == 0
    assert late_mean(risky, "project_failures") > 1
    assert late_mean(risky, "unmet_need") > late_mean(calm, "unmet_need") + 0.02


def test_selection_on_credit_keeps_opportunists_out():
    """Lowest price wins: underbidding opportunists get the projects. Weighing quality and
    social-credit records (with supervision on) cuts the money-weighted default rate."""
    cheap = market(**CALM, **CHEATS, **PRICE_ONLY)
    careful = market(**CALM, **CHEATS, **{"mechanisms.credit.enabled": True,
                                          "mechanisms.projects.price_weight": 0.0})
    assert late_mean(careful, "ngo_default_rate") < 0.25 * late_mean(cheap, "ngo_default_rate")


def test_price_only_tenders_favour_underbidders():
    """The first round of tenders, before any evaluation has caught anyone."""
    def opportunists_hired(weights):  # warmup 0: step 1's tenders are then the first ones
        m = GovernanceModel(market(**CALM, **CHEATS, **weights, warmup=0), seed=2)
        m.run(1)
        return np.mean([k.ngo.opportunist for k in m.projects.contracts.values()])

    no_price = opportunists_hired({"mechanisms.projects.price_weight": 0.0})
    assert opportunists_hired(PRICE_ONLY) > no_price + 0.2
    assert abs(no_price - CHEATS["organizations.opportunists"]) < 0.15


def test_evaluation_terminates_contracts_that_underdeliver():
    cheats = market(**CALM, **{"organizations.opportunists": 1.0, "steps": 20})
    never = cheats.replace(**{"mechanisms.projects.evaluation": 0.0})
    assert late_mean(never, "project_failures", start=1) == 0
    assert late_mean(cheats, "project_failures", start=1) > 3
    m = run_model(cheats, seed=1)
    assert m.ledger.total["evaluation"] > 0  # the 1+1+N evaluator is paid by government


def test_honest_ngos_pass_evaluation():
    m = run_model(market(**CALM, **{"mechanisms.projects.evaluation": 1.0, "steps": 20}), seed=3)
    df = m.datacollector.get_model_vars_dataframe()
    assert df["project_failures"].sum() == 0 and m.ledger.total["evaluation"] > 0

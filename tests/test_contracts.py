"""Contracts every mechanism honours (the Axelrod TestPlayer idea).

* disabled = no effect: with ``enabled: off``, changing the mechanism's other
  parameters changes nothing;
* the same seed gives the same trajectory, another seed a different one;
* a model pickles mid-run and the copy continues identically;
* switching one mechanism leaves the random numbers of the others alone.
"""

import pickle

import numpy as np
import pandas as pd
import pytest

from cogov.model import GovernanceModel
from tests.conftest import run_model, small

# for each mechanism: two parameter sets that differ in every parameter but `enabled`
MECHANISMS = {
    "resources": ({"delegation": 0.8, "overhead": 0.1, "match_ratio": 1.6, "social_capacity": 0.2},
                  {"delegation": 0.3, "overhead": 0.4, "match_ratio": 0.2, "social_capacity": 0.9,
                   "government_share": 0.5, "sharing.enabled": True, "sharing.cost": 0.5}),
    "planning": ({"plan_period": 12, "layers": 3, "layer_delay": 2, "layer_noise": 0.1,
                  "feedback_noise": 0.05},
                 {"plan_period": 2, "layers": 1, "layer_delay": 0, "layer_noise": 0.5,
                  "feedback_noise": 0.4}),
    "trust": ({"rate": 0.1, "negativity": 2.0, "social": 0.1},
              {"rate": 0.6, "negativity": 5.0, "social": 0.5}),
    "incentives": ({"r": 4.5, "cost": 0.01, "K": 0.5, "subsidy": 0.0, "compensation": 0.0,
                    "contribution": "per_group", "initial_cooperation": 0.5},
                   {"r": 9.0, "cost": 0.05, "K": 2.0, "subsidy": 0.05, "compensation": 1.0,
                    "contribution": "per_individual", "initial_cooperation": 0.5}),
    # mechanisms that are off by default: "enabled" is set by the tests
    "opinion": ({"confidence": 0.3, "convergence": 0.3, "coupling": 0.05, "noise": 0.1},
                {"confidence": 0.05, "convergence": 0.5, "coupling": 0.4, "noise": 0.6}),
    "unrest": ({"threshold": 0.1, "k": 2.3, "enforcement": 2.0, "officer_cost": 0.1},
               {"threshold": 0.0, "k": 0.5, "enforcement": 0.5, "officer_cost": 0.5}),
    "early_warning": ({"threshold": 0.25, "contingency": 0.05, "response_budget": 0.1},
                      {"threshold": 0.0, "contingency": 0.3, "response_budget": 0.5}),
    "mediation": ({"base_rate": 0.001, "grievance_rate": 0.02, "people_capacity": 0.004},
                  {"base_rate": 0.05, "grievance_rate": 0.5, "people_capacity": 0.0}),
    "incubation": ({"rate": 0.3, "need_threshold": 0.3, "cost": 20.0, "exit_after": 6},
                   {"rate": 1.0, "need_threshold": 0.05, "cost": 5.0, "exit_after": 2}),
    "credit": ({"sharing": True, "threshold": 0.7, "learning": 0.5, "inspection_cost": 1.0},
               {"sharing": False, "threshold": 0.9, "learning": 0.9, "inspection_cost": 5.0,
                "enterprises": True, "rectification": 0.9, "budget": 0.05,
                "rewards.enabled": True, "rewards.threshold": 0.95, "rewards.share": 0.3,
                "rewards.reform": 0.9, "citizens.enabled": True, "citizens.learning": 0.5,
                "government.enabled": True, "government.learning": 0.5,
                "government.weight": 4.0, "association.enabled": True,
                "association.weight": 0.8}),
    "hub_strategy": ({"gather": 1.0, "borrow": 1.0, "avoid": 1.0, "returns": 0.5,
                      "adapt_rate": 0.2, "support": 0.5, "screen": 0.3},
                     {"gather": 3.0, "borrow": 0.5, "avoid": 2.0, "returns": 0.9,
                      "adapt_rate": 0.6, "support": 0.9, "screen": 0.6}),
    "projects": ({"length": 12, "price_weight": 0.4, "underbid": 0.3, "evaluation": 0.3,
                  "tolerance": 0.8, "failure_base": 0.002, "failure_risk": 0.03},
                 {"length": 3, "price_weight": 1.0, "underbid": 0.8, "evaluation": 0.9,
                  "tolerance": 0.95, "failure_base": 0.05, "failure_risk": 0.5}),
    "collective_bargaining": ({"rate": 0.015, "contract_length": 36, "improvement": 0.6,
                               "hardship": 0.3, "dispute_rate": 0.01},
                              {"rate": 0.2, "contract_length": 6, "improvement": 0.1,
                               "hardship": 0.8, "dispute_rate": 0.2}),
    "emergency": ({"network": False, "threshold": 1.0, "tolerance": 0.2, "baseline_rate": 0.1,
                   "max_steps": 12, "reserve": 0.02, "reserve_cap": 2.0, "street_share": 0.3,
                   "district_share": 0.3, "delay_street": 1, "delay_district": 3,
                   "delay_social": 4, "delay_city": 6, "delay_network": 0, "social": 0.05,
                   "coordination_cost": 0.005},
                  {"network": True, "threshold": 0.5, "tolerance": 0.1, "baseline_rate": 0.3,
                   "max_steps": 4, "reserve": 0.1, "reserve_cap": 4.0, "street_share": 0.5,
                   "district_share": 0.1, "delay_street": 0, "delay_district": 1,
                   "delay_social": 2, "delay_city": 2, "delay_network": 1, "social": 0.5,
                   "coordination_cost": 0.05}),
    "interests": ({"consultation_weight": 0.5, "coverage": 0.8, "report_noise": 0.3,
                   "report_cost": 0.002, "conflict_gain": 3.0, "delay": 2,
                   "rule_threshold": 0.05, "rule_step": 0.5, "max_intensity": 3.0},
                  {"consultation_weight": 1.0, "coverage": 0.4, "report_noise": 0.8,
                   "report_cost": 0.02, "conflict_gain": 20.0, "delay": 0,
                   "rule_threshold": 0.01, "rule_step": 1.0, "max_intensity": 5.0}),
    "law": ({"rule_of_law": 0.5, "connected": 0.2, "favouritism": 0.5, "noise": 0.1,
             "perception": 0.2, "justice_weight": 0.5, "temptation": 1.0, "norm": 0.5,
             "deterrence": 0.6, "capacity": 60.0, "sanction_cost": 0.5, "appeal_rate": 0.3,
             "tolerance": 0.1},
            {"rule_of_law": 0.9, "connected": 0.5, "favouritism": 0.9, "noise": 0.5,
             "perception": 0.6, "justice_weight": 0.8, "temptation": 0.7, "norm": 0.2,
             "deterrence": 0.3, "capacity": 20.0, "sanction_cost": 2.0, "appeal_rate": 0.8,
             "tolerance": 0.3}),
    "public_security": ({"budget_share": 0.1, "strike": 1.0, "prevent": 0.0, "sentence": 6,
                         "motivation": 0.03, "allocation": "hot_spots", "sharing": True,
                         "responsibility": False},
                        {"budget_share": 0.3, "strike": 0.2, "prevent": 0.2, "educate": 0.2,
                         "manage": 0.1, "build": 0.1, "reform": 0.2, "sentence": 2,
                         "motivation": 0.1, "allocation": "random", "sharing": False,
                         "responsibility": True}),
    "incentives.relocation": ({"rule": "fixed", "share": 0.8, "noise": 0.1, "delay_fixed": 6},
                              {"rule": "observed", "share": 0.3, "noise": 0.5,
                               "delay_observed": 3}),
}
OFF_BY_DEFAULT = {"opinion", "unrest", "early_warning", "mediation", "incubation", "credit",
                  "hub_strategy", "projects", "collective_bargaining", "emergency",
                  "interests", "public_security", "law"}
RELOCATION = [{"kind": "relocation", "step": 5, "size": 1.0, "share": 0.3}]
SETTING = {"incubation": {"organizations.ngos": 4},  # leave cells without NGOs to fill
           "credit": {"organizations.opportunists": 0.4, "organizations.hubs": 6,
                      "mechanisms.resources.government_share": 0.5,
                      "mechanisms.collective_bargaining.enabled": True},  # firms to inspect
           "projects": {"organizations.opportunists": 0.4, "organizations.ngos": 24},
           "incentives.relocation": {"shocks": RELOCATION},
           "emergency": {"shocks": [{"kind": "need_spike", "step": 10, "size": 3.0, "where": 1,
                                     "until": 16}]},
           "interests": {"mechanisms.mediation.enabled": True,  # disputes and firms to hear
                         "mechanisms.collective_bargaining.enabled": True,
                         "mechanisms.credit.enabled": True, "mechanisms.credit.enterprises": True},
           # the law runs under governance.law_based; mediation's courts hear its appeals
           "law": {"mechanisms.mediation.enabled": True}}
REGIMES = [{"governance.collaboration": c, "governance.adaptation": a}
           for c in (False, True) for a in (False, True)]


def table(scenario, seed=1, steps=None):
    return run_model(scenario, seed, steps).datacollector.get_model_vars_dataframe()


def with_params(name, params, **extra):
    return small(**{f"mechanisms.{name}.{k}": v for k, v in params.items()},
                 **SETTING.get(name, {}), **extra)


@pytest.mark.parametrize("name", MECHANISMS)
@pytest.mark.parametrize("regime", REGIMES, ids=["td", "rtd", "collab", "adaptive"])
def test_disabled_means_no_effect(name, regime):
    off = {f"mechanisms.{name}.enabled": False, **regime}
    a, b = MECHANISMS[name]
    pd.testing.assert_frame_equal(table(with_params(name, a, **off)),
                                  table(with_params(name, b, **off)))


@pytest.mark.parametrize("name", MECHANISMS)
def test_enabled_parameters_matter(name):
    """The converse, so the test above cannot pass vacuously."""
    regime = {"governance.collaboration": True}
    if name in OFF_BY_DEFAULT:
        regime[f"mechanisms.{name}.enabled"] = True
    a, b = MECHANISMS[name]
    ta, tb = table(with_params(name, a, **regime)), table(with_params(name, b, **regime))
    assert not ta.equals(tb)


@pytest.mark.parametrize("regime", REGIMES, ids=["td", "rtd", "collab", "adaptive"])
def test_same_seed_same_trajectory(regime):
    s = small(**regime, **{"mechanisms.incentives.subsidy": 0.01},
              **{f"mechanisms.{m}.enabled": True for m in OFF_BY_DEFAULT},
              shocks=[{"kind": "incident", "step": 5, "size": 0.5}, *RELOCATION])
    pd.testing.assert_frame_equal(table(s, seed=11), table(s, seed=11))
    assert not table(s, seed=11).equals(table(s, seed=12))


def test_async_update_is_seeded_too():
    s = small(**{"mechanisms.incentives.update": "asynchronous", "steps": 10})
    pd.testing.assert_frame_equal(table(s, seed=3), table(s, seed=3))


@pytest.mark.parametrize("regime", REGIMES, ids=["td", "rtd", "collab", "adaptive"])
def test_pickles_mid_run_and_continues_identically(regime):
    model = GovernanceModel(small(**regime, **{f"mechanisms.{m}.enabled": True
                                               for m in OFF_BY_DEFAULT},
                                  shocks=RELOCATION), seed=5)
    model.run(7)
    clone = pickle.loads(pickle.dumps(model))
    model.run(8)
    clone.run(8)
    pd.testing.assert_frame_equal(model.datacollector.get_model_vars_dataframe(),
                                  clone.datacollector.get_model_vars_dataframe())


@pytest.mark.parametrize("name", MECHANISMS)
def test_switching_a_mechanism_keeps_other_streams(name):
    """Common random numbers: the exogenous world (network, needs) is the same draw."""
    on = run_model(small(**{f"mechanisms.{name}.enabled": True}), seed=9, steps=25)
    off = run_model(small(**{f"mechanisms.{name}.enabled": False}), seed=9, steps=25)
    assert (on.adjacency != off.adjacency).nnz == 0
    assert np.array_equal(on.citizens.base_need, off.citizens.base_need)
    if name != "collective_bargaining":  # breaches raise workers' need: its own effect
        assert np.array_equal(on.citizens.need, off.citizens.need)
    assert np.array_equal(on.needs.multiplier, off.needs.multiplier)

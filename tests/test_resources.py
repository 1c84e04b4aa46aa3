"""Resources: delivery routes, social funds, the ledger, zero organisations."""

import pytest

from cogov.model.sim.ledger import Ledger
from tests.conftest import final, run_model, small

COLLAB = {"governance.collaboration": True}


def metrics(scenario, seed=1):
    return run_model(scenario, seed).datacollector.get_model_vars_dataframe()


def test_top_down_uses_no_ngos_and_raises_nothing():
    df = metrics(small())
    assert df["social_funds"].sum() == 0 and (df["resource_leverage"].iloc[1:] == 1).all()


def test_collaboration_draws_social_funds_within_caps():
    s = small(**COLLAB)
    m = run_model(s)
    df = m.datacollector.get_model_vars_dataframe()
    gov = df["gov_spent"].iloc[1:]
    raised = df["social_funds"].iloc[1:]
    assert (raised > 0).all()
    assert (raised <= 1.625 * 0.8 * gov + 1e-9).all()  # match_ratio x delegated grant
    n = s.population.citizens
    assert (raised <= 0.25 * n + 1e-9).all()  # society's purse: social_capacity x N
    assert sum(h.raised for h in m.hubs) == pytest.approx(raised.iloc[-1])


def test_match_ratio_zero_means_no_leverage():
    df = metrics(small(**COLLAB, **{"mechanisms.resources.match_ratio": 0.0}))
    assert df["resource_leverage"].iloc[1:].max() == pytest.approx(1.0)


def test_collaboration_meets_more_need_on_equal_budget():
    assert final(small(**COLLAB), "unmet_need") < final(small(), "unmet_need") - 0.05


@pytest.mark.parametrize("hubs,ngos", [(0, 0), (0, 12), (3, 0), (1, 5), (7, 40)])
def test_any_number_of_organisations_runs_and_balances(hubs, ngos):
    s = small(**COLLAB, **{"organizations.hubs": hubs, "organizations.ngos": ngos})
    df = metrics(s)
    assert df["ledger_error"].max() < 1e-9
    assert df["ngo_count"].iloc[-1] == ngos
    if hubs == 0:
        assert df["social_funds"].sum() == 0


def test_disabled_spends_nothing():
    s = small(**COLLAB, **{"mechanisms.resources.enabled": False,
                           "mechanisms.incentives.enabled": False})
    m = run_model(s)
    assert m.citizens.received.sum() == 0 and m.ledger.uses() == 0
    # every budget lapses into the reserve, the warm-up's too (they are the opening balance)
    assert m.government.reserve == pytest.approx(0.8 * 400 * (s.steps + s.warmup))
    assert m.ledger.total["opening_balance"] == pytest.approx(0.8 * 400 * s.warmup)


@pytest.mark.parametrize("collaboration", [False, True])
@pytest.mark.parametrize("adaptation", [False, True])
def test_ledger_balances_in_every_regime(collaboration, adaptation):
    s = small(**{"governance.collaboration": collaboration, "governance.adaptation": adaptation,
                 "mechanisms.incentives.subsidy": 0.02, "mechanisms.incentives.compensation": 0.5,
                 "shocks": [{"kind": "budget_cut", "step": 10, "size": 0.5, "over": 5}]})
    m = run_model(s)
    df = m.datacollector.get_model_vars_dataframe()
    assert df["ledger_error"].max() < 1e-9
    led = m.ledger
    assert led.sources() == pytest.approx(led.uses() + m.balance(), rel=1e-9)


def test_ledger_catches_a_leak():
    led = Ledger()
    led.source("government_budget", 100.0)
    led.use("direct_service", 60.0)
    assert led.error(balance=40.0) == 0.0
    assert led.error(balance=30.0) == pytest.approx(0.1)
    with pytest.raises(KeyError):
        led.use("bribes", 1.0)
    with pytest.raises(ValueError):
        led.use("subsidy", -1.0)


def test_ngo_service_only_in_its_catchment():
    m = run_model(small(**COLLAB, **{"organizations.ngos": 1}), steps=3)
    ngo = m.ngos[0]
    c = m.citizens
    served = c.service_ngo > 0
    assert served.any()
    assert (c.district[served] == ngo.district).all() and (c.field[served] == ngo.field).all()


def sharing_gain(ngos, seeds=range(2)):
    """Unmet need avoided by resource sharing, with ngos/3 partners per hub."""
    out = []
    for on in (False, True):
        s = small(**{"governance.collaboration": True, "governance.adaptation": True,
                     "population.citizens": 2500, "population.districts": 10,
                     "organizations.ngos": ngos, "mechanisms.resources.sharing.enabled": on})
        out.append(final(s, "unmet_need", seeds))
    return out[0] - out[1]


def test_resource_sharing_has_an_optimum_number_of_partners():
    """The gain saturates, the coordination cost grows faster: good with ~10 partners
    per hub, harmful with 40."""
    assert sharing_gain(30) > 0.03
    assert sharing_gain(120) < -0.1


def test_coordination_is_paid_and_booked():
    m = run_model(small(**COLLAB, **{"mechanisms.resources.sharing.enabled": True}))
    assert m.ledger.total["coordination"] > 0
    assert m.datacollector.get_model_vars_dataframe()["ledger_error"].max() < 1e-9
    assert all(g.sharing_gain > 1 for g in m.ngos if g.hub is not None)

"""Collective consultation: firms, coverage, and what contracts do to labour disputes."""

import numpy as np
import pytest

from cogov.model import GovernanceModel, Scenario
from cogov.model.scenario.sections import CollectiveBargaining as Params
from cogov.model.sim.mechanisms.collective_bargaining import CollectiveBargaining
from tests.conftest import UnlimitedTreasury, run_model

ON = {"mechanisms.collective_bargaining.enabled": True}



def late(s, metric, seeds=(1, 2, 3)):
    return np.mean([run_model(s, seed).datacollector.get_model_vars_dataframe()
                    [metric].iloc[-30:].mean() for seed in seeds])


def adaptive(**extra):
    return Scenario().replace(**{"governance.collaboration": True, "governance.adaptation": True,
                                 "steps": 120, **ON, **extra})


def test_firms_have_guangzhou_size_and_workers_stay_in_their_district():
    m = GovernanceModel(Scenario().replace(**ON), seed=1)
    b = m.bargaining
    assert b.firms == pytest.approx(2500 / 27.4, rel=0.05)
    size = np.bincount(m.citizens.district)
    first = np.concatenate([[0], np.cumsum(np.maximum(1, np.rint(size / 27.4)))])
    d = m.citizens.district
    assert ((b.firm_of >= first[d]) & (b.firm_of < first[d + 1])).all()


def test_coverage_approaches_its_analytic_level():
    """Covered for L steps, then uncovered for a geometric (1 - r)/r steps on average:
    coverage -> L / (L + (1 - r)/r)."""
    p = Params(enabled=True, rate=0.05, contract_length=20, negotiation_cost=0.0)
    district = np.repeat(np.arange(10), 20_000)
    b = CollectiveBargaining(p, True, district, 10, np.random.default_rng(4))
    need = np.ones(district.size)
    levels = []
    for t in range(1, 601):
        b.update(t, need, UnlimitedTreasury(), union=True)
        need[:] = 1.0
        if t > 300:
            levels.append(b.coverage)
    assert np.mean(levels) == pytest.approx(20 / (20 + 0.95 / 0.05), abs=0.01)


def test_no_negotiation_under_top_down_or_without_a_hub():
    top_down = run_model(Scenario().replace(**ON, steps=30), 1)
    no_hub = run_model(adaptive(**{"organizations.hubs": 0, "steps": 30}), 1)
    for m in (top_down, no_hub):
        df = m.datacollector.get_model_vars_dataframe()
        assert df["contract_coverage"].max() == 0 and df["labour_disputes"].sum() > 0


def test_coverage_lowers_labour_disputes_and_raises_satisfaction():
    none = adaptive(**{"mechanisms.collective_bargaining.rate": 0.0})
    some = adaptive(**{"mechanisms.collective_bargaining.rate": 0.05})
    assert late(some, "contract_coverage") > 0.5
    assert late(some, "labour_disputes") < 0.7 * late(none, "labour_disputes")
    assert late(some, "satisfaction") > late(none, "satisfaction")


def test_labour_disputes_feed_mediation():
    base = {"mechanisms.mediation.enabled": True, "steps": 40}
    # mediation keeps up under collaboration (7.14), so the extra caseload shows in cases handled
    without = late(adaptive(**base, **{"mechanisms.collective_bargaining.enabled": False}),
                   "mediation_cost")
    assert late(adaptive(**base), "mediation_cost") > without + 1
    m = run_model(adaptive(**base), 1)
    assert m.ledger.total["negotiation"] > 0 and \
        m.datacollector.get_model_vars_dataframe()["ledger_error"].max() < 1e-9

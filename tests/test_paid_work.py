"""Issue 11, item 5 follow-up: no payment for work not done. Mediation processes only the
cases the treasury pays for, and only the officers paid for are on the street; divisible
payments (subsidies, compensation, relocation, overhead) may be cut pro rata."""

import numpy as np
import pytest

from cogov.model import GovernanceModel, Scenario
from cogov.model.scenario.sections import Mediation as MediationParams
from cogov.model.scenario.sections import Unrest as UnrestParams
from cogov.model.sim.mechanisms.mediation import Mediation
from cogov.model.sim.mechanisms.unrest import Unrest
from cogov.model.sim.network import build_adjacency, degrees


def government(treasury: float):
    gov = GovernanceModel(Scenario().replace(**{"population.citizens": 100}), seed=1).government
    gov.open_budget()
    gov.treasury = treasury
    return gov


def ten_cases_a_step():
    """100 citizens who all open a dispute at step 1; the administrative channel takes 10 a
    step at 1.0 each and always succeeds (no linkage: disputes enter there)."""
    p = MediationParams(enabled=True, base_rate=1.0, grievance_rate=0.0, people_capacity=0.0,
                        admin_capacity=0.1, admin_cost=1.0, admin_success=1.0,
                        judicial_capacity=0.0, patience=1000)
    return Mediation(p, False, np.zeros(100, dtype=np.int64), 1, np.random.default_rng(0))


def test_mediation_processes_only_the_cases_it_pays_for():
    """A treasury that covers half the cases: half are processed and exactly their cost is
    paid. Before: all 10 were resolved for the 5.0 the treasury had (and mediation_cost
    reported 10.0)."""
    med, gov = ten_cases_a_step(), government(5.0)
    med.update(np.zeros(100), 1, np.ones(1), gov)
    assert med.resolved == 5 and med.open_count == 95
    assert med.cost == 5.0 and gov.spent == 5.0 and gov.treasury == 0.0
    assert gov.model.ledger.this_step["mediation"] == 5.0


def test_mediation_with_an_empty_treasury_processes_nothing():
    med, gov = ten_cases_a_step(), government(0.0)
    med.update(np.zeros(100), 1, np.ones(1), gov)
    assert med.resolved == 0 and med.open_count == 100 and med.cost == 0.0  # before: 10 resolved


def test_unpaid_cases_are_the_youngest_and_wait():
    """Cases opened at steps 1 and 2; the treasury pays for 3 of the 10 the channel could
    take at step 2: the 3 processed are the oldest, the others stay in the queue."""
    p = MediationParams(enabled=True, base_rate=0.05, grievance_rate=0.0, people_capacity=0.0,
                        admin_capacity=0.01, admin_cost=1.0, admin_success=1.0,
                        judicial_capacity=0.0, patience=1000)
    med = Mediation(p, False, np.zeros(1000, dtype=np.int64), 1, np.random.default_rng(3))
    med.update(np.zeros(1000), 1, np.ones(1), government(0.0))
    first = set(med.owner.tolist())
    gov = government(3.0)
    med.update(np.zeros(1000), 2, np.ones(1), gov)
    assert med.resolved == 3 and med.cost == 3.0 and gov.spent == 3.0
    assert med.resolution_time == 1.0  # all three opened at step 1
    assert len(first - set(med.owner.tolist())) == 3


def ring(n=1000):
    adj = build_adjacency("small_world", n, np.random.default_rng(1), 4, 0.0)
    return adj, degrees(adj).astype(float)


def test_only_officers_paid_for_make_arrests():
    """M = 200 officers at 1.0 each; the treasury pays for 50. Before: 182 arrests for 50.0."""
    adj, deg = ring()
    u = Unrest(UnrestParams(enabled=True, enforcement=1.0, threshold=0.0, officer_cost=1.0),
               1000, np.random.default_rng(2))
    assert u.officers(deg) == 200
    gov = government(50.0)
    u.update(np.ones(1000), adj, deg, gov, 1)
    assert 0 < u.arrests <= 50 and gov.spent == 50.0
    assert u.fielded == 50
    gov = government(0.0)
    u.update(np.ones(1000), adj, deg, gov, 2)
    assert u.fielded == 0 and u.arrests == 0 and gov.spent == 0.0


def test_perceived_arrest_probability_follows_the_fielded_force():
    """C' = C·M'/M: a quarter of the force (C' = 0.5 of C = 2) rounds to 0 officers in an
    empty neighbourhood's view, as in Epstein's rounding: no deterrence."""
    u = Unrest(UnrestParams(enabled=True, enforcement=2.0, k=2.3), 10, np.random.default_rng(0))
    a = np.array([0.0, 1.0])
    assert u.arrest_probability(a) == pytest.approx(1 - np.exp(-2.3 * np.array([2.0, 1.0])))
    assert u.arrest_probability(a, 0.5) == pytest.approx(1 - np.exp(-2.3 * np.array([1.0, 0.0])))
    assert u.arrest_probability(a, 0.25) == pytest.approx([0.0, 0.0])


def test_pay_each_counts_a_whole_number_of_items_despite_rounding():
    """10.0 // 0.1 == 99 in floating point: the treasury of 10.0 paid for 99 officers at 0.1."""
    gov = government(10.0)
    assert gov.pay_each(0.1, 160, "enforcement") == 100
    assert gov.treasury == 0.0


def test_short_treasury_run_pays_exactly_for_the_work_done():
    """A whole run whose budget cannot pay for mediation and police: every step the money
    posted to mediation and enforcement is exactly the cases processed and the officers on
    the street, the metrics say so, and the ledger balances."""
    s = Scenario().replace(**{"population.citizens": 400, "population.districts": 4,
                              "organizations.ngos": 12, "steps": 30, "budget.per_capita": 0.01,
                              "mechanisms.mediation.enabled": True,
                              "mechanisms.mediation.judicial_cost": 20.0,
                              "mechanisms.unrest.enabled": True})
    m = GovernanceModel(s, seed=1)
    steps = []
    while m.running:
        m.step()
        led = m.ledger.this_step
        steps.append((m.unrest.officers(m.degree), m.unrest.arrests,
                      round(led["enforcement"] / s.mechanisms.unrest.officer_cost),
                      led["mediation"], m.mediation.cost, getattr(m.unrest, "fielded", None)))
    for officers, arrests, paid_for, med_paid, med_cost, _ in steps:
        assert arrests <= paid_for <= officers  # before: 69 arrests by 20 paid officers
        assert med_paid == pytest.approx(med_cost, abs=1e-12)  # before: 4.0 paid for 22.0
    assert [f for *_, f in steps] == [paid for _, _, paid, *_ in steps]
    assert sum(paid < officers for officers, _, paid, *_ in steps) > 10  # really short
    df = m.datacollector.get_model_vars_dataframe()
    # row 0 is the last warm-up step, paid before the books reopened: the run's sum is rows 1..
    assert df["mediation_cost"].iloc[1:].sum() == pytest.approx(m.ledger.total["mediation"])
    assert df["mediation_cost"].iloc[0] > 0  # the warm-up did mediate (and is not in the books)
    assert df["ledger_error"].max() < 1e-9

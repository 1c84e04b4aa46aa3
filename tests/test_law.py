"""Law-based governance (docs/model.md 7.22): rule vs discretion, procedural justice,
enforcement under fixed capacity (Kleiman & Kilmer 2009), appeals to the courts."""

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from cogov.model import GovernanceModel, Scenario
from cogov.model.scenario.errors import ScenarioError
from cogov.model.scenario.files import load_scenario
from cogov.model.scenario.sections import Law as LawParams
from cogov.model.scenario.sections import Mediation as MediationParams
from cogov.model.sim.mechanisms import Law, Mediation
from cogov.model.sim.mechanisms.resources import reweigh
from tests.conftest import UnlimitedTreasury, run_model, small

N = 2000
LAW = {"mechanisms.law.enabled": True, "mechanisms.mediation.enabled": True}


def metrics(scenario, seed=1):
    return run_model(scenario, seed).datacollector.get_model_vars_dataframe()


def tail(df, column, window=10):
    return float(df[column].iloc[-window:].mean())


def enforcement_only(trust=0.8, steps=40, **params):
    """The mechanism alone on an empty network: one cell, equal need, a fixed trust
    (performance), so only the law's own parameters differ between runs."""
    p = LawParams(**{"enabled": True, "perception": 0.0, **params})
    law = Law(p, np.full(N, trust), np.random.default_rng(3))
    adj = sp.csr_array((N, N))  # contacts do not matter here
    need, cell = np.ones(N), np.zeros(N, dtype=int)
    no = np.zeros(N, dtype=bool)
    return law, lambda: law.update(need, cell, 1, np.full(N, trust), adj, np.zeros(N),
                                 UnlimitedTreasury(), no, no, courts=False)


def run_enforcement(steps=40, justice=None, **params):
    law, step = enforcement_only(**params)
    if justice is not None:
        law.justice[:] = justice
    violations, sanctions = [], []
    for _ in range(steps):
        step()
        violations.append(law.violations)
        sanctions.append(law.sanctions)
    return np.array(violations), np.array(sanctions)


def test_off_by_default_and_presets_keep_it_off():
    assert not Scenario().governance.law_based
    assert not load_scenario("top_down").governance.law_based
    m = run_model(small(steps=3), seed=1)
    assert not m.law.enabled
    df = m.datacollector.get_model_vars_dataframe()
    for col in ("violations", "sanctions", "appeals"):  # flows: none happened
        assert (df[col] == 0).all()
    for col in ("procedural_justice", "legitimacy"):  # states: none to measure (issue 25)
        assert df[col].isna().all()


def test_the_governance_switch_runs_it_at_the_law_based_rule_of_law():
    assert not run_model(small(**{"governance.law_based": False}), steps=1).law.enabled
    on = small(**{"governance.law_based": True})
    assert on.mechanisms.law.enabled and on.mechanisms.law.rule_of_law == 0.9
    assert run_model(on, steps=1).law.enabled
    # discretion without the law-based regime: the layer on at the file's rule_of_law
    alone = small(**{"mechanisms.law.enabled": True, "mechanisms.law.rule_of_law": 0.1})
    assert not alone.governance.law_based and alone.mechanisms.law.rule_of_law == 0.1


def test_rule_of_law_out_of_range_names_the_key():
    with pytest.raises(ScenarioError, match="mechanisms.law.rule_of_law"):
        Scenario().replace(**{"mechanisms.law.rule_of_law": 1.5})


def test_reweigh_keeps_each_cells_need():
    need = np.array([1.0, 2.0, 3.0, 4.0])
    cell = np.array([0, 0, 1, 1])
    q = reweigh(need, cell, 2, np.array([1.0, 1.0, 3.0, 1.0]))
    assert np.allclose(q, [1.5, 1.5, 5.25, 1.75])


def test_rule_raises_procedural_justice_legitimacy_and_compliance():
    """Direction of effect in the whole model: ρ = 0.9 against ρ = 0.1."""
    rule = metrics(small(**LAW, **{"mechanisms.law.rule_of_law": 0.9}))
    discretion = metrics(small(**LAW, **{"mechanisms.law.rule_of_law": 0.1}))
    assert tail(rule, "procedural_justice") > tail(discretion, "procedural_justice") + 0.2
    assert tail(rule, "legitimacy") > tail(discretion, "legitimacy") + 0.1
    assert tail(rule, "violations") < 0.5 * tail(discretion, "violations")
    assert tail(rule, "sanctions") < tail(discretion, "sanctions")
    assert (rule["ledger_error"].abs() < 1e-9).all()
    assert (discretion["ledger_error"].abs() < 1e-9).all()


def within_cell_spread(m):
    """Mean over citizens of |S_i − mean S of its cell|: how unequally a cell is served."""
    c = m.citizens
    count = np.bincount(c.cell)
    mean = np.bincount(c.cell, weights=c.satisfaction) / np.maximum(count, 1)
    return float(np.abs(c.satisfaction - mean[c.cell]).mean())


def test_discretion_targets_special_cases_better():
    """The other side of the trade-off: impartial, exact discretion shares service by
    individual need, the flat published rule does not (no sanctions here, so the budget
    left for services is the same)."""
    exact = {"mechanisms.law.favouritism": 0.0, "mechanisms.law.noise": 0.0,
             "mechanisms.law.capacity": 0.0}
    rule = run_model(small(**LAW, **exact, **{"mechanisms.law.rule_of_law": 1.0}))
    discretion = run_model(small(**LAW, **exact, **{"mechanisms.law.rule_of_law": 0.0}))
    assert within_cell_spread(discretion) < 0.5 * within_cell_spread(rule)
    justice = [float(m.law.justice.mean()) for m in (discretion, rule)]
    assert justice[0] < justice[1]


def test_procedural_justice_raises_compliance_at_equal_outcomes():
    """Same need, service, trust and enforcement: only perceived procedural justice
    differs (Tyler 2006; Sunshine & Tyler 2003)."""
    high, s_high = run_enforcement(justice=0.9, rule_of_law=0.5)
    low, s_low = run_enforcement(justice=0.4, rule_of_law=0.5)
    assert high[-10:].mean() < low[-10:].mean()
    assert s_high.sum() <= s_low.sum()


def test_concentrated_rule_beats_random_discretion_at_equal_capacity():
    """Kleiman & Kilmer (2009): the same capacity, announced priority order against
    random sanctions; rule-bound enforcement tips to low violation with fewer sanctions."""
    same = {"favouritism": 0.0, "noise": 0.0, "justice_weight": 0.0, "capacity": 60.0}
    rule, s_rule = run_enforcement(rule_of_law=1.0, **same)
    random, s_random = run_enforcement(rule_of_law=0.0, **same)
    assert rule[-10:].mean() < 0.02
    assert random[-10:].mean() > 0.3
    assert s_rule.sum() < 0.5 * s_random.sum()
    assert s_random[-1] == round(60.0 * N / 1000)  # random enforcement runs at capacity


def test_sanction_chance_falls_as_violators_grow():
    law, _ = enforcement_only(rule_of_law=0.0, favouritism=0.0)
    chances = []
    for share in (0.1, 0.3, 0.6):
        law.temptation[:] = 0.0
        law.temptation[: int(share * N)] = 10.0  # these violate whatever the chance
        law._enforce(np.zeros(N, dtype=bool), UnlimitedTreasury())
        chances.append(law.chance)
    assert chances[0] > chances[1] > chances[2]


def test_favouritism_spares_connected_violators():
    law, _ = enforcement_only(rule_of_law=0.0, favouritism=1.0, connected=0.3)
    law.temptation[:] = 10.0  # everybody violates
    sanctioned = law._enforce(np.zeros(N, dtype=bool), UnlimitedTreasury())
    assert sanctioned.sum() > 0 and not (sanctioned & law.connected).any()


def test_appeals_go_to_the_courts_and_need_them():
    with_courts = metrics(small(**LAW, **{"mechanisms.law.rule_of_law": 0.5}))
    assert tail(with_courts, "appeals") > 0
    no_courts = metrics(small(**{"mechanisms.law.enabled": True,
                                 "mechanisms.law.rule_of_law": 0.5}))
    assert (no_courts["appeals"] == 0).all()
    med = Mediation(MediationParams(enabled=True, base_rate=0.0, grievance_rate=0.0), False,
                    np.zeros(10, dtype=np.int32), 1, np.random.default_rng(0))
    appeals = np.zeros(10, dtype=bool)
    appeals[[2, 5]] = True
    med.update(np.zeros(10), 1, np.ones(1), UnlimitedTreasury(), appeals=appeals)
    assert set(med.owner.tolist()) == {2, 5}  # no judicial capacity yet: both wait
    assert (med.channel == 2).all()


def test_sanctions_paid_through_the_ledger():
    m = run_model(small(**LAW, **{"mechanisms.law.rule_of_law": 0.1}), seed=2)
    df = m.datacollector.get_model_vars_dataframe()
    cost = m.scenario.mechanisms.law.sanction_cost
    paid = df["sanctions"].iloc[1:].sum() * m.citizens.n / 1000 * cost
    assert m.ledger.total["sanctions"] == pytest.approx(paid)
    assert m.ledger.total["sanctions"] > 0
    assert df["ledger_error"].abs().max() < 1e-9


def test_same_seed_same_run_and_pickles():
    s = small(**LAW, steps=12)
    pd.testing.assert_frame_equal(metrics(s, 4), metrics(s, 4))
    model = GovernanceModel(s, seed=5)
    model.run(5)
    clone = pickle.loads(pickle.dumps(model))
    model.run(6)
    clone.run(6)
    pd.testing.assert_frame_equal(model.datacollector.get_model_vars_dataframe(),
                                  clone.datacollector.get_model_vars_dataframe())


def test_discretionary_arrests_spare_the_connected():
    """Arrests in unrest (7.12) under discretion with full favouritism: no connected citizen
    is arrested; under the rule they are arrested like anyone else."""
    s = small(**{"mechanisms.law.enabled": True, "mechanisms.unrest.enabled": True,
                 "mechanisms.unrest.threshold": 0.0, "mechanisms.law.favouritism": 1.0,
                 "mechanisms.law.connected": 0.5, "steps": 15})
    for rho, connected_jailed in ((0.0, False), (1.0, True)):
        m = run_model(s.replace(**{"mechanisms.law.rule_of_law": rho}), seed=3)
        assert m.unrest.jailed.any()
        assert bool((m.unrest.jailed & m.law.connected).any()) is connected_jailed


def test_discretionary_compensation_favours_the_connected():
    """Relocation compensation (7.17) under the fixed schedule: equal payments under the
    rule; under discretion the connected get more, at the same total."""
    s = small(**{"mechanisms.law.enabled": True, "mechanisms.law.favouritism": 1.0,
                 "mechanisms.law.connected": 0.5, "steps": 12, "warmup": 0,
                 "mechanisms.incentives.relocation.rule": "fixed",
                 "mechanisms.incentives.relocation.delay_fixed": 2,
                 "shocks": [{"kind": "relocation", "step": 3, "size": 1.0, "share": 0.5}]})
    for rho in (0.0, 1.0):
        m = GovernanceModel(s.replace(**{"mechanisms.law.rule_of_law": rho}), seed=2)
        m.run(5)  # the first payments are due at step 5
        paid = m.relocation.paid
        due = paid > 0
        assert due.any()
        conn, other = paid[due & m.law.connected], paid[due & ~m.law.connected]
        if rho == 0.0:
            assert conn.mean() == pytest.approx(2 * other.mean())
        else:
            assert conn.mean() == pytest.approx(other.mean())


def test_procedural_justice_raises_compliance_in_the_whole_model():
    """No enforcement and impartial exact discretion: services as good under discretion as
    under the rule (or better), yet fewer violations under the rule, whose procedures are
    seen as fairer (docs/model.md 7.22, the no-enforcement variant)."""
    exact = {"mechanisms.law.favouritism": 0.0, "mechanisms.law.noise": 0.0,
             "mechanisms.law.capacity": 0.0}
    rule = metrics(small(**LAW, **exact, **{"mechanisms.law.rule_of_law": 0.9}))
    discretion = metrics(small(**LAW, **exact, **{"mechanisms.law.rule_of_law": 0.1}))
    assert tail(discretion, "unmet_need") <= tail(rule, "unmet_need") + 0.005
    assert tail(rule, "procedural_justice") > tail(discretion, "procedural_justice")
    assert tail(rule, "violations") < tail(discretion, "violations") - 0.03
    assert (rule["sanctions"] == 0).all() and (discretion["sanctions"] == 0).all()


def test_identical_treatment_gives_identical_procedural_justice():
    """Issue 22, finding 2: procedural justice is computed from what citizens observe, not
    from ρ. A published rule that allocates by need, impartial exact discretion and no
    enforcement treat every citizen alike at ρ = 0.9 and 0.1: the same J, step by step."""
    alike = {"mechanisms.law.rule_basis": "need", "mechanisms.law.favouritism": 0.0,
             "mechanisms.law.noise": 0.0, "mechanisms.law.capacity": 0.0}
    runs = [metrics(small(**LAW, **alike, **{"mechanisms.law.rule_of_law": rho}))
            for rho in (0.9, 0.1)]
    assert runs[0]["procedural_justice"].iloc[-1] > 0
    np.testing.assert_allclose(runs[0]["procedural_justice"], runs[1]["procedural_justice"],
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(runs[0]["legitimacy"], runs[1]["legitimacy"], rtol=0, atol=1e-12)


def test_perception_reads_observations_not_rule_of_law():
    """The same observations (claims, rule, favours, appeals heard) give the same J at any ρ;
    treatment that differs (favours seen, appeals refused) gives a lower J."""
    n = 200
    rng = np.random.default_rng(0)
    adj = sp.random(n, n, density=0.03, random_state=1, format="csr")
    adj = ((adj + adj.T) > 0).astype(float)
    degree = np.asarray(adj.sum(axis=1)).ravel()
    rule = rng.uniform(0.5, 1.5, n)
    claims = rule * rng.uniform(0.9, 1.1, n)
    out = []
    for rho in (0.9, 0.1):
        law = Law(LawParams(enabled=True, rule_of_law=rho, connected=0.3, perception=1.0),
                  np.full(n, 0.5), np.random.default_rng(4))
        law._perceive(rule, claims, np.full(n, 0.5), adj, degree, courts=True)
        out.append(law.justice.copy())
    np.testing.assert_array_equal(out[0], out[1])
    law = Law(LawParams(enabled=True, connected=0.3, perception=1.0), np.full(n, 0.5),
              np.random.default_rng(4))
    favoured = np.where(law.connected, claims * 1.5, claims)
    law._perceive(rule, favoured, np.full(n, 0.5), adj, degree, courts=True)
    assert law.justice.mean() < out[0].mean() - 0.01
    law.wanting[:] = True  # everybody wanted to appeal, nobody was heard
    law.appealing[:] = False
    law._hear(adj, courts=True)
    assert (law.voice == 0).all()


def test_equal_money_arms_spend_equal_enforcement_money():
    """Issue 22, finding 3: with funding: capacity the rule and discretion pay the same
    enforcement bill (the ledger's `sanctions` use), though the rule imposes far fewer."""
    fixed = {"mechanisms.law.funding": "capacity"}
    rule = run_model(small(**LAW, **fixed, **{"mechanisms.law.rule_of_law": 0.9}), seed=2)
    discretion = run_model(small(**LAW, **fixed, **{"mechanisms.law.rule_of_law": 0.1}), seed=2)
    bills = [m.ledger.total["sanctions"] for m in (rule, discretion)]
    p = rule.scenario.mechanisms.law
    steps = rule.scenario.steps
    assert bills[0] == pytest.approx(bills[1])
    assert bills[0] == pytest.approx(p.capacity * rule.citizens.n / 1000 * p.sanction_cost * steps)
    imposed = [m.datacollector.get_model_vars_dataframe()["sanctions"].iloc[1:].sum()
               for m in (rule, discretion)]
    assert imposed[0] < 0.5 * imposed[1]
    for m in (rule, discretion):
        assert m.datacollector.get_model_vars_dataframe()["ledger_error"].abs().max() < 1e-9
    # the default pays per sanction: the bills differ
    per = [run_model(small(**LAW, **{"mechanisms.law.rule_of_law": rho}), seed=2)
           .ledger.total["sanctions"] for rho in (0.9, 0.1)]
    assert per[0] < 0.5 * per[1]


@pytest.mark.parametrize("key, bad", [("mechanisms.law.rule_basis", "by_need"),
                                      ("mechanisms.law.funding", "fixed")])
def test_new_keys_are_validated(key, bad):
    with pytest.raises(ScenarioError, match=key):
        Scenario().replace(**{key: bad})

"""Trust: hard to build, easy to lose; social influence; the trust basis gate."""

import numpy as np
import pytest

from cogov.model.scenario.files import load_scenario
from cogov.model.scenario.sections import Trust
from cogov.model.sim.mechanisms.resources import field_trust_gate
from cogov.model.sim.mechanisms.trust import TrustDynamics, experiences, learn
from cogov.model.sim.phases import uptake
from cogov.model.sim.population import CitizenState, gate
from tests.conftest import ROOT, final, run_model, small


def test_losses_weigh_more_than_gains():
    up = learn(np.array([0.5]), np.array([0.8]), rate=0.1, negativity=2.0)
    down = learn(np.array([0.5]), np.array([0.2]), rate=0.1, negativity=2.0)
    assert up[0] == pytest.approx(0.03) and down[0] == pytest.approx(-0.06)


def _state(n, trust, satisfaction):
    z = np.zeros(n)
    return CitizenState(district=z.astype(int), field=z.astype(int), cell=z.astype(int),
                        base_need=z + 1, need=z + 1, trust_gov=np.full(n, trust),
                        trust_ngo=np.full(n, trust), strategy=z.copy(), payoff=z.copy(),
                        service_gov=z.copy(), service_ngo=z.copy(), service_coprod=z.copy(),
                        received=z.copy(), satisfaction=np.full(n, satisfaction),
                        grievance=z.copy())


def test_recovery_takes_longer_than_the_fall():
    """One bad step undoes more than one good step builds (Slovic 1993)."""
    import scipy.sparse as sp
    adj = sp.csr_array((4, 4))
    deg = np.zeros(4)
    mech = TrustDynamics(Trust(social=0.0))
    state = _state(4, 0.6, 0.2)
    mech.update(state, adj, deg)
    fall = 0.6 - state.trust_gov[0]
    steps_back = 0
    while state.trust_gov[0] < 0.6 - 1e-12:
        state.satisfaction[:] = 1.0
        mech.update(state, adj, deg)
        steps_back += 1
    assert fall > 0 and steps_back > 1


def test_social_influence_pulls_toward_neighbours():
    import scipy.sparse as sp
    adj = sp.csr_array(np.array([[0, 1], [1, 0]], dtype=float))
    state = _state(2, 0.5, 0.5)
    state.trust_gov[:] = [0.2, 0.8]
    state.satisfaction[:] = state.trust_gov  # no experience term
    TrustDynamics(Trust(rate=0.0, social=0.5)).update(state, adj, np.ones(2))
    assert state.trust_gov == pytest.approx([0.5, 0.5])


def test_ngo_trust_moves_only_with_ngo_service_or_neighbours():
    import scipy.sparse as sp
    state = _state(3, 0.5, 1.0)
    taken = np.array([0.6, 0.0, 0.0])
    TrustDynamics(Trust(social=0.0)).update(state, sp.csr_array((3, 3)), np.zeros(3), taken, taken)
    assert state.trust_ngo[0] > 0.5 and list(state.trust_ngo[1:]) == [0.5, 0.5]


def test_each_trust_learns_from_its_own_provider():
    """X_ngo = D/K (promise kept); X_gov = (r - (1-a)D) / (n - (1-a)K), capped at 1."""
    need, received = np.array([2.0, 2.0, 2.0]), np.array([1.6, 1.2, 0.6])
    taken = np.array([0.0, 0.6, 0.6])  # NGO service taken up
    committed = np.array([0.0, 1.2, 1.2])  # an opportunist delivered half of what it took on
    sat = received / need
    x_gov, x_ngo, served = experiences(sat, need, taken, committed, attribution=0.5)
    assert list(served) == [False, True, True]
    assert x_ngo[1:] == pytest.approx([0.5, 0.5])
    assert x_gov == pytest.approx([0.8, 0.45 / 0.7, 0.15 / 0.7])
    # attribution 1: government answers for everything (the old rule, X_gov = S)
    assert experiences(sat, need, taken, committed, 1.0)[0] == pytest.approx(sat)
    # attribution 0 and NGOs took on all the need: government is responsible for nothing
    x_gov, *_ = experiences(np.ones(3), need, need, need, 0.0)
    assert np.isnan(x_gov).all()


def test_trust_in_ngos_and_in_government_differ_in_collaborative():
    """They used to learn from the same satisfaction: max |T_gov - T_ngo| was 6.6e-7."""
    s = load_scenario(ROOT / "scenarios/collaborative.yaml").replace(
        **{"population.citizens": 1000, "steps": 60})
    c = run_model(s, seed=1).citizens
    assert np.abs(c.trust_gov - c.trust_ngo).max() > 0.1
    assert abs(c.trust_gov.mean() - c.trust_ngo.mean()) > 0.05


def test_shirking_ngos_lose_more_trust_than_government():
    """Opportunist NGOs withhold service: trust in NGOs falls more than trust in government."""
    honest = small(**{"governance.collaboration": True, "steps": 60})
    shirking = honest.replace(**{"organizations.opportunists": 1.0, "organizations.shirk": 0.5})
    drop_gov = final(honest, "trust_gov") - final(shirking, "trust_gov")
    drop_ngo = final(honest, "trust_ngo") - final(shirking, "trust_ngo")
    assert drop_ngo > 0.1 and drop_ngo > 1.5 * drop_gov


def test_gate():
    assert list(gate(np.array([0.0, 0.25, 0.5, 0.9]), 0.5)) == [0.0, 0.5, 1.0, 1.0]


def test_low_trust_starves_collaboration():
    """Without a trust basis, hubs raise less and citizens take up less NGO service."""
    low = small(**{"governance.collaboration": True, "population.initial_trust.ngo": 0.1,
                   "population.initial_trust.spread": 0.0, "mechanisms.trust.enabled": False})
    high = low.replace(**{"population.initial_trust.ngo": 0.9})
    assert final(low, "social_funds") < 0.5 * final(high, "social_funds")
    assert final(low, "unmet_need") > final(high, "unmet_need") + 0.05


# ------------------------------------- the counterfactual: trust does not gate collaboration
def _ungated(**overrides):
    return small(**{"warmup": 0, "steps": 10, "population.initial_trust.ngo": 0.2,
                    "population.initial_trust.spread": 0.0, **overrides})


def test_without_the_trust_gate_uptake_is_one_and_trust_still_learns():
    on = _ungated(**{"governance.collaboration": True})
    off = on.replace(**{"mechanisms.trust.gates_collaboration": False})
    model = run_model(off, steps=0)
    assert (uptake(model.ctx) == 1.0).all()
    assert (field_trust_gate(model.ctx, 0.5) == 1.0).all()
    # gated, citizens with trust 0.2 take up 0.4 of NGO service
    assert uptake(run_model(on, steps=0).ctx) == pytest.approx(0.4)
    start = model.citizens.trust_ngo.copy()
    model.run(3)
    assert not np.array_equal(model.citizens.trust_ngo, start)  # the dynamics still run
    assert (uptake(model.ctx) == 1.0).all()
    # the gate matters while trust is below the basis: held there, lifting it helps
    low = {"mechanisms.trust.enabled": False}
    assert final(off.replace(**low), "unmet_need", seeds=(1,), window=3) \
        < final(on.replace(**low), "unmet_need", seeds=(1,), window=3) - 0.05


def test_without_the_trust_gate_co_production_keeps_its_gate():
    """Participation in co-production is g(T_gov) whether or not collaboration is gated."""
    on = _ungated(**{"governance.collaboration": True, "population.initial_trust.government": 0.1})
    off = on.replace(**{"mechanisms.trust.gates_collaboration": False})
    a, b = run_model(on, steps=1), run_model(off, steps=1)
    # co-production comes before delivery in a step: step 1's is the same in both
    assert np.array_equal(a.citizens.service_coprod, b.citizens.service_coprod)
    assert not np.array_equal(a.citizens.service_ngo, b.citizens.service_ngo)
    assert b.citizens.service_coprod.sum() < run_model(
        off.replace(**{"population.initial_trust.government": 0.9}), steps=1
    ).citizens.service_coprod.sum()


@pytest.mark.parametrize("adaptation", [False, True])
def test_without_collaboration_the_trust_switch_changes_nothing(adaptation):
    base = _ungated(**{"governance.collaboration": False, "governance.adaptation": adaptation})
    a = run_model(base).datacollector.get_model_vars_dataframe()
    b = run_model(base.replace(**{"mechanisms.trust.gates_collaboration": False})) \
        .datacollector.get_model_vars_dataframe()
    assert a.to_csv() == b.to_csv()  # byte-identical

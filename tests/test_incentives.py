"""Co-production as a networked public-goods game (Santos, Santos & Pacheco 2008)."""

import numpy as np
import pytest
import scipy.sparse as sp

from cogov.model import GovernanceModel, Scenario
from cogov.model.sim import network as net
from cogov.model.sim.mechanisms.incentives import group_payoffs, lever_payments
from tests.conftest import final, run_model, small


def test_group_payoffs_by_hand():
    # path a - b - c, only b contributes, r = 3, c = 1
    adj = sp.csr_array(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float))
    deg = np.array([1.0, 2.0, 1.0])
    gross, cost = group_payoffs(adj, deg, np.array([0.0, 1.0, 0.0]), 3.0, 1.0, per_group=True)
    # groups: a={a,b} pot 3 -> 1.5 each; b={a,b,c} pot 3 -> 1 each; c={b,c} pot 3 -> 1.5 each
    assert gross == pytest.approx([1.5 + 1, 1.5 + 1 + 1.5, 1 + 1.5])
    assert cost == pytest.approx([0, 3, 0])
    gross, cost = group_payoffs(adj, deg, np.array([0.0, 1.0, 0.0]), 3.0, 1.0, per_group=False)
    assert cost == pytest.approx([0, 1, 0])
    assert gross.sum() == pytest.approx(3.0)  # the whole multiplied contribution is shared out


def test_levers():
    adj = sp.csr_array(np.array([[0, 1], [1, 0]], dtype=float))
    sub, comp = lever_payments(np.array([1.0, 0.0]), np.array([3.0, 0.0]), np.array([1.0, 0.0]),
                               0.5, 0.5, adj, np.ones(2))
    # pi = [-1.5, 0]: the contributor gains 1.5 less than its neighbour, half is made up
    assert list(sub) == [0.5, 0.0] and comp[0] == pytest.approx(0.75) and comp[1] == 0


def pgg(n, kind, r, update="synchronous", steps=300, contribution="per_group", **extra):
    s = small(**{"population.citizens": n, "network.kind": kind, "mechanisms.incentives.r": r,
                 "mechanisms.incentives.update": update, "steps": steps,
                 "mechanisms.incentives.contribution": contribution,
                 "population.initial_trust.government": 1.0,
                 "population.initial_trust.spread": 0.0, "mechanisms.trust.enabled": False,
                 **extra})
    return s


@pytest.mark.parametrize("contribution", ["per_group", "per_individual"])
def test_well_mixed_limit(contribution):
    """Complete graph: everyone sits in the same groups, so a contributor earns exactly
    c·G (per_group) or c (per_individual) less than a defector, whatever r is; imitation
    therefore removes cooperation for any r. Networks are what let it survive."""
    n = 20
    adj = net.complete(n)
    s = (np.arange(n) < 7).astype(float)
    gross, cost = group_payoffs(adj, net.degrees(adj).astype(float), s, 30.0, 1.0,
                                contribution == "per_group")
    payoff = gross - cost
    gap = n if contribution == "per_group" else 1.0
    assert payoff[s == 0] - payoff[s == 1][0] == pytest.approx(np.full(13, gap))
    for r in (0.5 * n, 1.5 * n):
        model = run_model(pgg(n, "complete", r, steps=100, contribution=contribution))
        assert model.citizens.strategy.mean() == 0.0


def test_subsidy_raises_cooperation_and_is_paid_from_ledger():
    base = pgg(900, "lattice", 3.5, steps=150)
    subsidised = base.replace(**{"mechanisms.incentives.subsidy": 0.02})
    assert final(subsidised, "cooperation") > final(base, "cooperation") + 0.3
    m = run_model(subsidised)
    df = m.datacollector.get_model_vars_dataframe()
    assert df["incentive_spend"].iloc[-1] > 0 and df["ledger_error"].max() < 1e-9


def test_compensation_protects_cooperators():
    """Topping up those who gain less than their neighbours shields exploited contributors."""
    base = pgg(900, "lattice", 4.0, steps=150)
    compensated = base.replace(**{"mechanisms.incentives.compensation": 1.0})
    assert final(compensated, "cooperation") > final(base, "cooperation") + 0.2


def test_participation_scales_with_trust():
    """Citizens who distrust the government hold back their contribution."""
    trusting = pgg(400, "lattice", 6.5, steps=60)
    distrust = trusting.replace(**{"population.initial_trust.government": 0.1})
    a, b = run_model(trusting), run_model(distrust)
    assert b.citizens.service_coprod.mean() < 0.5 * a.citizens.service_coprod.mean()


def test_random_neighbour_is_uniform():
    adj = net.lattice(9)
    deg = net.degrees(adj).astype(float)
    picks = [net.random_neighbour(adj, deg, np.array([u] * 9))[0] for u in (0.0, 0.3, 0.6, 0.9)]
    assert sorted(picks) == sorted(adj.indices[adj.indptr[0]:adj.indptr[1]])


def test_default_coproduction_is_stationary_from_step_1():
    """The game is warmed up before step 1 (mechanisms.incentives.warmup): cooperation in the
    first steps is already the level of the final window, which is a steady state. Before,
    cooperation fell from 0.50 to 0.09 in 5 steps and crept up through the final window
    (0.19 at step 100, 0.51 at 400, 0.79 at 800)."""
    from cogov.model.engine.compare import run_replicates
    from cogov.model.engine.stationarity import stationary_table

    ts = run_replicates([Scenario().replace(name="defaults")], 3, 5)
    coop = ts.groupby("step")["cooperation"].mean()
    assert abs(coop.loc[1:10].mean() - coop.loc[81:100].mean()) < 0.05
    assert stationary_table(ts, 20, ["cooperation"])[("defaults", "cooperation")]
    assert coop.loc[81:100].mean() > 0.5  # what the defaults co-produce (docs/model.md 7.5)


def test_warmup_moves_no_money_and_delivers_no_service():
    # model warmup 0: this is about the game's own warm-up rounds (the model's warm-up steps
    # do spend and deliver, like any step)
    s = small(**{"mechanisms.incentives.subsidy": 0.05, "mechanisms.incentives.warmup": 300,
                 "warmup": 0})
    m = GovernanceModel(s, seed=1)
    assert m.government.spent == 0 and m.citizens.service_coprod.sum() == 0
    assert m.datacollector.get_model_vars_dataframe()["ledger_error"].iloc[0] == 0
    cold = GovernanceModel(s.replace(**{"mechanisms.incentives.warmup": 0}), seed=1)
    assert not np.array_equal(m.citizens.strategy, cold.citizens.strategy)


def _game(model):
    return next(p for p in model.phases if p.name == "incentives")


def test_warmup_plays_every_round_unless_absorbed():
    """No convergence test stops the warm-up (docs/model.md 7.5): it plays all its rounds,
    and stops early only when nobody or everybody contributes."""
    base = {"mechanisms.incentives.warmup": 400, "warmup": 0}
    playing = GovernanceModel(small(**base), seed=1)
    assert _game(playing).warmup_rounds == 400
    assert 0 < playing.citizens.strategy.mean() < 1
    # no neighbour contributes at the start: nobody can copy a contributor, absorbed at once
    dead = GovernanceModel(small(**base, **{"mechanisms.incentives.initial_cooperation": 0.0}),
                           seed=1)
    assert _game(dead).warmup_rounds == 1 and dead.citizens.strategy.max() == 0


def test_cost_per_need_counts_citizens_contributions():
    """Citizens' own contributions are a cost of the service they co-produce."""
    m = run_model(small(steps=5))
    row = m.datacollector.get_model_vars_dataframe().iloc[-1]
    assert row["citizen_contributions"] > 0
    assert row["cost_per_need"] == pytest.approx(
        (row["gov_spent"] + row["social_funds"] + row["citizen_contributions"])
        / m.citizens.received.sum())
    off = run_model(small(steps=5, **{"mechanisms.incentives.enabled": False}))
    assert off.datacollector.get_model_vars_dataframe()["citizen_contributions"].iloc[-1] == 0


class Overdrawn:
    """A government whose treasury a rounding error (or a defect elsewhere) left below 0."""

    treasury = -1e-12

    def __init__(self):
        self.paid = []

    def pay(self, amount, account):
        self.paid.append(amount)
        return amount


@pytest.mark.parametrize("subsidy", [0.0, 0.05])
def test_overdrawn_treasury_pays_no_levers_and_stays_finite(subsidy):
    """Issue 11, item 5: with nothing wanted and a treasury below 0, ρ was 0/−0 → −inf·0 =
    NaN payoffs; with levers wanted, ρ < 0 asked for negative payments."""
    from cogov.model.scenario.sections import Incentives as Params
    from cogov.model.sim.mechanisms.incentives import Incentives

    adj = net.lattice(9)
    deg = net.degrees(adj).astype(float)
    m = GovernanceModel(small(**{"population.citizens": 9, "network.kind": "lattice",
                                 "population.districts": 1}), seed=1)
    game = Incentives(Params(subsidy=subsidy, warmup=0), 9, np.random.default_rng(0))
    gov = Overdrawn()
    game.update(m.citizens, adj, deg, gov, np.ones(9))
    assert all(p == 0 for p in gov.paid)
    assert np.isfinite(m.citizens.payoff).all() and game._rho >= 0

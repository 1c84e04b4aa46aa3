"""Co-production as a networked public-goods game (Santos, Santos & Pacheco 2008)."""

import numpy as np
import pytest
import scipy.sparse as sp

from model import network as net
from model.mechanisms.incentives import group_payoffs, lever_payments
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


@pytest.mark.parametrize("update,side", [("synchronous", 30), ("asynchronous", 20)])
def test_lattice_regression_szolnoki_2009(update, side):
    """Square lattice, K = 0.5: cooperators die out below r ≈ 3.74 and take over above
    r ≈ 5.49 (Szolnoki, Perc & Szabó 2009, Fig. 1, r/G ≈ 0.75 and 1.10, G = 5)."""
    steps = 300 if update == "synchronous" else 150
    low = final(pgg(side**2, "lattice", 3.0, update, steps), "cooperation", window=20)
    high = final(pgg(side**2, "lattice", 6.5, update, steps), "cooperation", window=20)
    assert low < 0.05
    assert high > 0.9


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

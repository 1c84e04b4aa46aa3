"""The emergency network at equal emergency money (issue 22, finding 6; docs/model.md 7.21).

Unlimited, the network spends several times what the lone levels spend; with
``mechanisms.emergency.episode_money`` set below both arms' spending, both spend exactly
that money on the emergency, as the ledger and the spending metric record it.
"""

from __future__ import annotations

import numpy as np
import pytest

from cogov.model import load_scenario
from cogov.model.sim.model import GovernanceModel
from tests.conftest import ROOT

SMALL = {"population.citizens": 500, "steps": 45, "warmup": 20}
CAP = 0.02  # money per citizen: below what the lone street office alone pays here


def run(name: str, seed: int, **overrides):
    s = load_scenario(ROOT / f"scenarios/{name}.yaml", {**SMALL, **overrides})
    model = GovernanceModel(s, seed=seed)
    model.run()
    return model, model.datacollector.get_model_vars_dataframe()


def spent(model, df) -> float:
    """Emergency money delivered over the run (the metric is per citizen per step)."""
    return float(df["emergency_spend"].iloc[1:].sum()) * model.citizens.n


@pytest.mark.parametrize("seed", [1, 2])
def test_equal_money_arms_spend_equal_emergency_money(seed):
    cap = {"mechanisms.emergency.episode_money": CAP}
    free_net, free_df = run("emergency_network", seed)
    free_alone, free_alone_df = run("emergency_alone", seed)
    net, net_df = run("emergency_network", seed, **cap)
    alone, alone_df = run("emergency_alone", seed, **cap)
    limit = CAP * net.citizens.n
    # unlimited, the network spends more than the limit and more than the lone levels:
    # the limit binds, so equality below is its doing
    assert spent(free_net, free_df) > 2 * limit
    assert spent(free_net, free_df) > 1.5 * spent(free_alone, free_alone_df)
    assert spent(free_alone, free_alone_df) > limit
    for model, df in ((net, net_df), (alone, alone_df)):
        assert model.emergency.episode["spent"] == pytest.approx(limit, rel=1e-9)
        assert spent(model, df) == pytest.approx(limit, rel=1e-9)  # delivered, not only drawn
        assert np.abs(df["ledger_error"]).max() < 1e-6
        assert min(model.emergency.street.min(), model.emergency.district.min(),
                   model.emergency.city) >= 0.0
    assert spent(net, net_df) == pytest.approx(spent(alone, alone_df), rel=1e-9)


def test_no_limit_is_the_default_and_changes_nothing():
    """Null and a limit no emergency reaches give the same numbers, bit for bit."""
    _, a = run("emergency_network", 3)
    _, b = run("emergency_network", 3, **{"mechanisms.emergency.episode_money": 1e6})
    assert load_scenario(ROOT / "scenarios/emergency_network.yaml") \
        .mechanisms.emergency.episode_money is None
    assert a.equals(b)

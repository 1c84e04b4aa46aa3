"""Online opinion forces offline action (issue 16, item 1; docs/model.md 7.11, "Responsiveness")."""

from __future__ import annotations

import numpy as np
import pytest

from cogov.model import load_scenario
from cogov.model.engine.run import run_scenario
from cogov.model.scenario.schema import Scenario
from cogov.model.sim.model import GovernanceModel
from tests.conftest import ROOT

SMALL = {"population.citizens": 500, "steps": 60, "warmup": 20}
SEEDS = (1, 2, 3)


def preset(name: str, **overrides) -> Scenario:
    return load_scenario(ROOT / f"scenarios/{name}.yaml", {**SMALL, **overrides})


def test_off_by_default():
    assert Scenario().mechanisms.opinion.responsiveness == 0.0
    s = preset("opinion_unresponsive")
    m = GovernanceModel(s, seed=1)
    assert not m.opinion_response.enabled
    df = run_scenario(s, seed=1).metrics
    assert (df["responses_to_opinion"] == 0).all()
    assert (df["response_spend_opinion"] == 0).all()


def test_off_leaves_every_number_unchanged():
    """Responsiveness 0 with the other new keys changed is the model without the extension."""
    a = run_scenario(preset("opinion_unresponsive"), seed=4).metrics
    b = run_scenario(preset("opinion_unresponsive", **{
        "mechanisms.opinion.online_noise": 0.7, "mechanisms.opinion.response_threshold": 0.0,
        "mechanisms.opinion.inspection_cost": 5.0}), seed=4).metrics
    assert a.equals(b)


def test_responsiveness_needs_opinion():
    with pytest.warns(UserWarning, match="mechanisms.opinion.responsiveness"):
        s = preset("opinion_responsive", **{"mechanisms.opinion.enabled": False})
    assert not GovernanceModel(s, seed=1).opinion_response.enabled


def trust_by_district(name: str, seed: int, **overrides) -> tuple[np.ndarray, np.ndarray, object]:
    """Mean trust in government per district over steps 31-60, the number of responses each
    district received, and the run's metrics."""
    m = GovernanceModel(preset(name, **overrides), seed=seed)
    c, districts = m.citizens, m.scenario.population.districts
    size = np.bincount(c.district, minlength=districts)
    trust, responses = [], np.zeros(districts)
    for _ in range(60):
        m.step()
        responses += m.opinion_response.responded
        if m.steps > 30:
            trust.append(np.bincount(c.district, weights=c.trust_gov, minlength=districts) / size)
    return np.mean(trust, axis=0), responses, m.datacollector.get_model_vars_dataframe()


def test_response_without_noise_raises_trust_in_the_districts_responded_to():
    """Same world, same seeds (common random numbers): the districts the government responds
    to keep more trust than they do when online opinion changes nothing."""
    gains = []
    for seed in SEEDS:
        off, _, _ = trust_by_district("opinion_unresponsive", seed)
        on, responses, df = trust_by_district("opinion_responsive", seed,
                                              **{"mechanisms.opinion.online_noise": 0.0})
        target = responses > 0
        assert target.any() and df["responses_to_opinion"].iloc[1:].sum() == responses.sum()
        gains.append(float((on[target] - off[target]).mean()))
    assert min(gains) > 0, gains


def test_noise_wastes_money():
    """A government that answers water armies spends more and buys less trust with it."""
    spend, trust = {}, {}
    for noise in (0.0, 0.8):
        runs = [trust_by_district("opinion_responsive", seed,
                                  **{"mechanisms.opinion.online_noise": noise}) for seed in SEEDS]
        spend[noise] = np.mean([df["response_spend_opinion"].iloc[31:].mean() for *_, df in runs])
        trust[noise] = np.mean([df["trust_gov"].iloc[31:].mean() for *_, df in runs])
    assert spend[0.8] > spend[0.0]
    assert trust[0.8] < trust[0.0]


@pytest.mark.parametrize("rho,cost", [(0.5, 0.5), (50.0, 0.01)])
def test_ledger_balanced_and_finite(rho, cost):
    """Dear inspections, and responses asking for far more than the treasury holds."""
    s = preset("opinion_responsive", **{"mechanisms.opinion.online_noise": 0.5,
                                        "mechanisms.opinion.responsiveness": rho,
                                        "mechanisms.opinion.inspection_cost": cost})
    df = run_scenario(s, seed=5).metrics
    assert df["ledger_error"].max() < 1e-9
    cols = ["trust_gov", "opinion_mean", "responses_to_opinion", "response_spend_opinion"]
    assert np.isfinite(df[cols].to_numpy()).all()
    assert (df["response_spend_opinion"] >= 0).all()


def test_inspection_is_paid_in_full_or_not_done():
    """With inspections dearer than the treasury, nothing is inspected, nothing targeted."""
    s = preset("opinion_responsive", **{"mechanisms.opinion.online_noise": 0.5,
                                        "mechanisms.opinion.inspection_cost": 1000.0})
    df = run_scenario(s, seed=5).metrics
    assert (df["responses_to_opinion"] == 0).all()
    assert df["ledger_error"].max() < 1e-9


def test_delay_depends_on_the_regime():
    top = GovernanceModel(preset("opinion_responsive"), seed=1).opinion_response
    ada = GovernanceModel(preset("opinion_responsive", **{"governance.adaptation": True}),
                          seed=1).opinion_response
    assert top.delay == 4 and ada.delay == 1


def test_pressure_mirrors_opinion_and_attention():
    m = GovernanceModel(preset("opinion_responsive"), seed=1)
    c = m.citizens
    c.opinion[:] = 0.8
    c.attention[:] = 0
    c.opinion[c.district == 2] = 0.3
    c.attention[np.flatnonzero(c.district == 3)[::2]] = 1  # half of district 3 engaged
    p = m.opinion_response.pressure(c)
    assert p[2] == pytest.approx(0.7)
    assert p[3] == pytest.approx(0.2 + (np.flatnonzero(c.district == 3)[::2].size
                                        / (c.district == 3).sum()))
    assert p[0] == pytest.approx(0.2)


def test_size_invariance_of_per_capita_metrics():
    """Per-capita spend and district counts agree at 500 and 2,500 citizens (3 seeds each;
    a few seconds, so not marked slow)."""
    out = {}
    for n in (500, 2500):
        vals = []
        for seed in SEEDS:
            s = load_scenario(ROOT / "scenarios/opinion_responsive.yaml",
                              {"population.citizens": n, "steps": 60, "warmup": 20,
                               "mechanisms.opinion.online_noise": 0.3})
            df = run_scenario(s, seed=seed).metrics.iloc[31:]
            vals.append((df["response_spend_opinion"].mean(), df["responses_to_opinion"].mean(),
                         df["trust_gov"].mean()))
        out[n] = np.mean(vals, axis=0)
    small, big = out[500], out[2500]
    assert small[0] == pytest.approx(big[0], rel=0.25, abs=0.003)  # money per citizen
    assert small[1] == pytest.approx(big[1], rel=0.25, abs=0.1)  # districts responded to
    assert abs(small[2] - big[2]) < 0.02  # trust

"""Reforms: scenario keys that change during a run (docs/experiments.md, "Reforms")."""

import pandas as pd
import pytest

from cogov.model.scenario.errors import ScenarioError
from cogov.model.scenario.reforms import in_force
from cogov.model.scenario.schema import leaf_type
from cogov.model.sim.model import GovernanceModel
from cogov.model.ui.cli import main
from tests.conftest import ROOT, run_model, small

OFF_BY_DEFAULT = ("opinion", "unrest", "early_warning", "mediation", "incubation", "credit",
                  "hub_strategy", "projects", "collective_bargaining", "emergency",
                  "interests", "public_security", "law")
TO_ADAPTIVE = {"governance.collaboration": True, "governance.adaptation": True}


def frame(model) -> pd.DataFrame:
    return model.datacollector.get_model_vars_dataframe()


def test_a_run_is_identical_to_the_unreformed_one_before_the_first_reform():
    every = {f"mechanisms.{m}.enabled": True for m in OFF_BY_DEFAULT}
    reforms = [{"step": 15, "set": {**TO_ADAPTIVE, "governance.law_based": True,
                                    "governance.source": True, "governance.comprehensive": True,
                                    **every, "budget.per_capita": 1.2}, "over": 6}]
    plain = frame(run_model(small(steps=25), seed=4))
    reformed = frame(run_model(small(steps=25, reforms=reforms), seed=4))
    pd.testing.assert_frame_equal(plain.iloc[:15], reformed.iloc[:15])  # rows 0..14: steps ≤ 14
    assert not plain.iloc[15].equals(reformed.iloc[15])  # the reform acts at step 15


def test_a_reformed_run_ends_where_the_reform_leads():
    model = run_model(small(steps=20, reforms=[{"step": 10, "set": TO_ADAPTIVE}]), seed=2)
    assert model.scenario.governance.collaboration and model.scenario.governance.adaptation
    assert model.planning.adaptive and model.resources.collaboration
    assert model.planned.governance.collaboration is False  # the scenario as written


def test_numbers_move_linearly_over_and_switches_flip_at_the_step():
    s = small(**{"budget.per_capita": 1.0}, reforms=[
        {"step": 10, "set": {"budget.per_capita": 2.0, "mechanisms.planning.layers": 5,
                             "governance.adaptation": True}, "over": 4}])
    assert in_force(s, 9) == {}
    assert [in_force(s, t)["budget.per_capita"] for t in (10, 11, 13, 30)] == [1.25, 1.5, 2.0, 2.0]
    assert [in_force(s, t)["mechanisms.planning.layers"] for t in (10, 11, 13)] == [4, 4, 5]
    assert in_force(s, 10)["governance.adaptation"] is True


def test_a_later_reform_moves_on_from_where_the_earlier_left():
    s = small(**{"budget.per_capita": 1.0}, reforms=[
        {"step": 30, "set": {"budget.per_capita": 1.0}, "over": 2},
        {"step": 10, "set": {"budget.per_capita": 3.0}, "over": 1}])
    assert [in_force(s, t)["budget.per_capita"] for t in (10, 29, 30, 31)] == [3.0, 3.0, 2.0, 1.0]


def test_a_budget_reform_changes_the_appropriation_from_its_step():
    model = GovernanceModel(small(reforms=[{"step": 8, "set": {"budget.per_capita": 1.6}}]), seed=1)
    model.run(7)
    assert model.government.budget == pytest.approx(small().budget.per_capita * 400)
    model.run(1)
    assert model.government.budget == pytest.approx(1.6 * 400)


@pytest.mark.parametrize("name", OFF_BY_DEFAULT)
def test_a_mechanism_switched_on_by_a_reform_starts_and_keeps_the_books(name):
    reforms = [{"step": 6, "set": {f"mechanisms.{name}.enabled": True, **TO_ADAPTIVE}},
               {"step": 14, "set": {f"mechanisms.{name}.enabled": False}},
               {"step": 18, "set": {f"mechanisms.{name}.enabled": True}}]
    model = run_model(small(steps=22, reforms=reforms), seed=3)
    assert frame(model)["ledger_error"].abs().max() < 1e-9  # on, off and on again
    assert model.ctx.units[name].enabled


def test_a_mechanism_switched_on_draws_from_its_own_stream():
    """The law's traits come from the law's stream: the same as when built on."""
    on = GovernanceModel(small(**{"mechanisms.law.enabled": True}), seed=6)
    later = run_model(small(steps=3, reforms=[{"step": 2, "set": {"mechanisms.law.enabled": True}}]),
                      seed=6)
    assert (on.law.connected == later.law.connected).all()
    assert (on.law.rank == later.law.rank).all()


@pytest.mark.parametrize("key", ["population.citizens", "network.degree",
                                 "organizations.ngo_efficiency",
                                 "seed", "steps", "warmup", "outputs.window",
                                 "mechanisms.public_security.window"])
def test_keys_fixed_for_a_run_are_refused_by_path(key):
    with pytest.raises(ScenarioError, match=rf"reforms\.0\.set\.{key}: cannot change"):
        small(reforms=[{"step": 5, "set": {key: 3}}])


def test_bad_values_and_states_are_refused_by_path():
    with pytest.raises(ScenarioError, match=r"reforms\.0\.set\.mechanisms\.trust\.rate: expected"):
        small(reforms=[{"step": 5, "set": {"mechanisms.trust.rate": 2}}])
    with pytest.raises(ScenarioError, match=r"reforms\.0\.set\.mechanisms\.trus: unknown key"):
        small(reforms=[{"step": 5, "set": {"mechanisms.trus.rate": 0.1}}])
    with pytest.raises(ScenarioError, match=r"reforms\.0\.set: at step 5, mechanisms\.credit"):
        small(reforms=[{"step": 5, "set": {"mechanisms.credit.enabled": True,
                                            "mechanisms.credit.rewards.enabled": True}}])
    with pytest.raises(ScenarioError, match=r"reforms\.0\.step: expected an integer >= 1"):
        small(reforms=[{"step": 0, "set": TO_ADAPTIVE}])


def test_a_shift_switched_on_by_a_reform_brings_its_instruments():
    model = run_model(small(steps=8, reforms=[{"step": 4, "set": {"governance.source": True}}]))
    assert model.scenario.mechanisms.early_warning.enabled and model.early_warning.enabled


def test_dotted_overrides_reach_reforms():
    s = small(reforms=[{"step": 5, "set": TO_ADAPTIVE}]).replace(
        **{"reforms.0.step": 9, "reforms.0.over": 3, "reforms.0.set.budget.per_capita": 1.1})
    assert (s.reforms[0].step, s.reforms[0].over) == (9, 3)
    assert s.reforms[0].set == {**TO_ADAPTIVE, "budget.per_capita": 1.1}
    assert leaf_type("reforms.0.set.budget.per_capita") is float
    assert "reforms" not in small().to_dict()  # no reforms: serialised as before


def test_cli_run_and_sweep_vary_reforms(tmp_path, capsys):
    scenario = tmp_path / "reform.yaml"
    scenario.write_text(f"extends: {ROOT / 'scenarios/top_down.yaml'}\nsteps: 12\nwarmup: 4\n"
                        "population: {citizens: 300, districts: 3}\n"
                        "reforms:\n  - {step: 5, set: {governance.collaboration: on}}\n")
    assert main(["run", str(scenario), "--set", "reforms.0.step=8", "--out",
                 str(tmp_path / "r")]) == 0
    assert main(["sweep", str(scenario), "--grid", "reforms.0.step=4,8", "--workers", "1",
                 "--out", str(tmp_path / "s")]) == 0
    runs = pd.read_parquet(tmp_path / "s" / "runs.parquet")
    assert sorted(runs["reforms.0.step"]) == [4, 8]
    assert main(["run", str(scenario), "--set", "reforms.0.set.network.degree=4"]) == 2
    assert "reforms.0.set.network.degree: cannot change" in capsys.readouterr().err


def test_a_reader_of_the_unmet_share_switched_on_by_a_reform_gets_it():
    """Settlement computes the unmet share of need only when a running phase reads it; a
    reform that switches such a reader on (here incubation, with consultation off) must be
    seen, or incubation reads zeros for the rest of the run (it did when settlement fixed its
    readers at the first step)."""
    s = small(steps=6, reforms=[{"step": 3, "set": {"mechanisms.incubation.enabled": True}}],
              **{"mechanisms.incubation.enabled": False, "mechanisms.interests.enabled": False})
    m = GovernanceModel(s, seed=1)
    settlement = m.ctx.units["settlement"]
    assert settlement.readers == [] and not m.ctx.unmet_share.any()
    m.run(3)
    assert [u.name for u in settlement.readers] == ["incubation"]
    assert m.ctx.unmet_share.any()

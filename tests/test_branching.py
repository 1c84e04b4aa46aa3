"""compare / sweep --from-state: every arm branched from one saved history (issue 23, item 2;
model/engine/state.py: reseed, arm_scenario, continuation)."""

import json

import numpy as np
import pandas as pd
import pytest

from cogov.model.engine.compare import compare
from cogov.model.engine.seeds import replicate_seeds
from cogov.model.engine.state import (
    _random_objects,
    arm_scenario,
    continuation,
    load_state,
    reseed,
    save_state,
)
from cogov.model.scenario.errors import ScenarioError
from cogov.model.scenario.files import load_scenario
from cogov.model.sim.model import GovernanceModel
from cogov.model.ui.cli import main

SMALL = {"population.citizens": 300, "population.districts": 3, "warmup": 5, "steps": 12}
FLAGS = [x for k, v in SMALL.items() if k != "steps" for x in ("--set", f"{k}={v}")]


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    """A top-down city after 12 steps, saved, and the model that wrote it."""
    root = tmp_path_factory.mktemp("branch")
    model = GovernanceModel(load_scenario("top_down", SMALL), seed=9)
    model.run()
    save_state(model, root / "td.state")
    return root / "td.state", model


def _states(model):
    out = []
    for obj in _random_objects(model):
        out.append(obj.getstate() if hasattr(obj, "getstate") else obj.bit_generator.state)
    return out


def test_reseeded_streams_start_where_the_documented_rule_says(state):
    """After reseed(m, S): the stream named NAME is at the start of
    SeedSequence(S, spawn_key=(crc32(NAME),)), Mesa's rng at SeedSequence(S), Python's random
    at Random(S); the model's root is S, so streams made later derive from it."""
    import random
    import zlib

    path, _ = state
    model, _ = load_state(path)
    before = _states(model)
    reseed(model, 77)
    keys = []
    for obj in _random_objects(model):
        if isinstance(obj, random.Random):
            assert obj.getstate() == random.Random(77).getstate()
            continue
        key = obj.bit_generator.seed_seq.spawn_key
        keys.append(key)
        fresh = np.random.PCG64(np.random.SeedSequence(77, spawn_key=key))
        assert obj.bit_generator.state == fresh.state
    assert (zlib.crc32(b"needs"),) in keys and () in keys
    assert _states(model) != before
    assert model.seed == 77 and model.stream("x").random() == GovernanceModel(
        load_scenario("top_down", {**SMALL, "warmup": 0}), seed=77).stream("x").random()


def test_a_continuation_shares_the_past_and_is_reproducible(state):
    path, model = state
    arm = load_scenario("top_down", {**SMALL, "steps": 6})
    seeds = replicate_seeds(9, 2)
    a, b = (continuation(path, arm, seeds[0]) for _ in range(2))
    c = continuation(path, arm, seeds[1])
    history = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    assert len(a) == 19
    pd.testing.assert_frame_equal(a.iloc[:13], history)  # steps 0..12: the saved past
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["unmet_need"].iloc[13:], c["unmet_need"].iloc[13:])


def test_an_arm_changes_reformable_keys_from_the_next_step(state):
    path, model = state
    adaptive = load_scenario("adaptive", {**SMALL, "steps": 8})
    planned = arm_scenario(load_state(path)[0], adaptive)
    assert planned.reforms[-1].step == 13 and planned.reforms[-1].set["governance.collaboration"]
    assert planned.name == "adaptive" and planned.population.citizens == 300
    stay = continuation(path, load_scenario("top_down", {**SMALL, "steps": 8}), 4)
    reform = continuation(path, adaptive, 4)
    pd.testing.assert_frame_equal(stay.iloc[:13], reform.iloc[:13])
    assert reform["unmet_need"].iloc[-1] < stay["unmet_need"].iloc[-1]


@pytest.mark.parametrize("change, message", [
    ({"population.citizens": 400}, "population.citizens: cannot differ from the saved state"),
    ({"network.degree": 6}, "network.degree: cannot differ"),
    ({"organizations.ngos": 3}, "organizations.ngos: cannot differ"),
    ({"reforms": [{"step": 5, "set": {"budget.per_capita": 2.0}}]},
     "reforms.0.step: 5 is in the saved state's past"),
])
def test_keys_that_cannot_change_mid_run_are_refused(state, change, message):
    path, _ = state
    arm = load_scenario("top_down", SMALL).replace(**change)
    with pytest.raises(ScenarioError, match=message):
        arm_scenario(load_state(path)[0], arm)


def test_compare_from_state_is_identical_for_one_or_two_workers(state, tmp_path):
    path, _ = state
    arms = [load_scenario(n, {**SMALL, "steps": 5}) for n in ("top_down", "adaptive")]
    one = compare(arms, 2, seed=3, from_state=path, workers=1)
    two = compare(arms, 2, seed=3, from_state=path, workers=2)
    pd.testing.assert_frame_equal(one, two)
    assert sorted(one["seed"].unique()) == sorted(replicate_seeds(3, 2))
    # replicate r is the continuation with the r-th spawned seed
    r1 = one[(one["scenario"] == "adaptive") & (one["replicate"] == 1)]
    alone = continuation(path, arms[1], replicate_seeds(3, 2)[1])
    np.testing.assert_array_equal(r1["unmet_need"].to_numpy(), alone["unmet_need"].to_numpy())
    # with no seed, the state's seed is the base
    default = compare(arms[:1], 1, from_state=path)
    assert default["seed"].iloc[0] == replicate_seeds(9, 1)[0]


def test_the_command_line_branches_and_refuses_bad_arms(state, tmp_path, capsys):
    path, _ = state
    out = tmp_path / "c"
    assert main(["compare", "top_down", "adaptive", *FLAGS, "--from-state", str(path),
                 "--steps", "4", "--replicates", "2", "--out", str(out)]) == 0
    record = json.loads((out / "compare.json").read_text())
    assert record["from_state"]["step"] == 12 and record["base_seed"] == 9
    ts = pd.read_csv(out / "timeseries.csv")
    assert ts["step"].max() == 16
    assert main(["compare", "top_down", "adaptive", *FLAGS, "--set", "network.degree=6",
                 "--from-state", str(path), "--out", str(tmp_path / "bad")]) == 2
    assert "network.degree: cannot differ" in capsys.readouterr().err
    assert main(["sweep", "--from-state", str(path), "--grid", "budget.per_capita=0.8,1.2",
                 "--steps", "3", "--out", str(tmp_path / "s")]) == 0
    runs = pd.read_parquet(tmp_path / "s" / "runs.parquet")
    assert len(runs) == 2 and set(runs["status"]) == {"ok"}
    assert main(["sweep", "--from-state", str(path), "--grid", "population.districts=2,3",
                 "--out", str(tmp_path / "s2")]) == 2
    assert "population.districts: cannot differ" in capsys.readouterr().err
    (tmp_path / "junk.state").write_bytes(b"junk")
    assert main(["compare", "top_down", "adaptive", "--from-state",
                 str(tmp_path / "junk.state"), "--out", str(tmp_path / "j")]) == 2
    assert "not a cogov saved state" in capsys.readouterr().err


def test_an_arm_adds_its_reporters_from_the_branch_on(state):
    """outputs.reporters of an arm are collected from the branch on (NaN in the shared
    past), and the other columns are what the arm gives without them."""
    path, _ = state
    plain = load_scenario("top_down", {**SMALL, "steps": 4})
    arm = load_scenario("top_down", {**SMALL, "steps": 4,
                                     "outputs.reporters": {"gap": "trust_gov - unmet_need"}})
    seed = replicate_seeds(9, 1)[0]
    with_gap, without = continuation(path, arm, seed), continuation(path, plain, seed)
    assert with_gap["gap"].iloc[:13].isna().all()  # steps 0..12: the saved past
    np.testing.assert_allclose(with_gap["gap"].iloc[13:],
                               with_gap["trust_gov"].iloc[13:] - with_gap["unmet_need"].iloc[13:])
    pd.testing.assert_frame_equal(with_gap.drop(columns="gap"), without)


def test_a_branch_cannot_redefine_a_saved_reporter(tmp_path):
    model = GovernanceModel(load_scenario("top_down", {
        **SMALL, "steps": 3, "outputs.reporters": {"gap": "trust_gov - unmet_need"}}), seed=2)
    model.run()
    save_state(model, tmp_path / "r.state")
    arm = load_scenario("top_down", {**SMALL, "steps": 2,
                                     "outputs.reporters": {"gap": "trust_gov"}})
    with pytest.raises(ScenarioError, match="outputs.reporters.gap: the saved state"):
        continuation(tmp_path / "r.state", arm, 1)
    same = load_scenario("top_down", {**SMALL, "steps": 2,
                                      "outputs.reporters": {"gap": "trust_gov - unmet_need"}})
    assert continuation(tmp_path / "r.state", same, 1)["gap"].notna().all()


def test_run_from_state_collects_a_reporter_given_with_set(state, tmp_path, capsys):
    path, _ = state
    code = main(["run", "--from-state", str(path), "--steps", "2", "--out", str(tmp_path),
                 "--set", "outputs.reporters.gap=trust_gov - unmet_need"])
    assert code == 0
    table = pd.read_csv(tmp_path / "model_metrics.csv")
    assert table["gap"].iloc[:13].isna().all() and table["gap"].iloc[13:].notna().all()
    bad = main(["run", "--from-state", str(path), "--steps", "2", "--out", str(tmp_path / "b"),
                "--set", "outputs.reporters.gap=trust_gv"])
    assert bad == 2 and "did you mean 'trust_gov'" in capsys.readouterr().err


def test_a_reporter_added_to_a_continuation_is_declared_and_saved(state, tmp_path, capsys):
    """run.json names it, and a state saved after it collects it as its own: continuing
    that state with the same reporter is fine, with another definition exit 2."""
    path, _ = state
    gap = ["--set", "outputs.reporters.gap=trust_gov - unmet_need"]
    assert main(["run", "--from-state", str(path), "--steps", "2", "--out", str(tmp_path / "a"),
                 "--save-state", str(tmp_path / "a.state"), *gap]) == 0
    run = json.loads((tmp_path / "a" / "run.json").read_text())
    assert run["scenario"]["outputs"]["reporters"] == {"gap": "trust_gov - unmet_need"}
    assert main(["run", "--from-state", str(tmp_path / "a.state"), "--steps", "1",
                 "--out", str(tmp_path / "b"), *gap]) == 0
    table = pd.read_csv(tmp_path / "b" / "model_metrics.csv")
    assert table["gap"].iloc[13:].notna().all() and len(table) == 16
    capsys.readouterr()
    assert main(["run", "--from-state", str(tmp_path / "a.state"), "--steps", "1",
                 "--out", str(tmp_path / "c"), "--set", "outputs.reporters.gap=trust_gov"]) == 2
    assert "the saved state collects it" in capsys.readouterr().err

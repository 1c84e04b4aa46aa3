"""cogov decompose: cumulative stages from top-down to the scenario, paired over seeds."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from cogov.model import GovernanceModel
from cogov.model.engine.run import run_scenario
from cogov.model.engine.sweep import SweepInterrupted
from cogov.model.scenario.errors import ScenarioError
from cogov.model.scenario.files import load_scenario
from cogov.model.studies.decompose import (
    OFF,
    REQUIRES,
    STAGES,
    arm_points,
    arms,
    contributions,
    decompose,
    decomposition,
    effective,
    interactions,
    marginals,
    orders,
    paired_values,
    shapley_values,
    stage_points,
)
from cogov.model.ui.redraw import redraw
from tests.conftest import ROOT

TINY = {"population.citizens": 200, "population.districts": 2, "organizations.ngos": 6,
        "steps": 6, "warmup": 3, "outputs.window": 3, "mechanisms.incentives.warmup": 20}
SMALL_CLI = [f"--set={k}={v}" for k, v in TINY.items() if k != "steps"]


def tiny(name="adaptive", **extra):
    return load_scenario(name).replace(**{**TINY, **extra})


def cli(*args):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT)


# ------------------------------------------------------------------- stages
@pytest.mark.parametrize("name", ["adaptive", "collaborative", "top_down"])
def test_last_stage_is_the_scenario_with_both_switches_on(name):
    s = load_scenario(name).replace(**{"mechanisms.resources.social_capacity": 0.4,
                                       "organizations.ngo_efficiency": 0.7})
    last = s.replace(**stage_points(s)[-1])
    on = s.replace(**{"governance.collaboration": True, "governance.adaptation": True})
    assert last.to_dict() == on.to_dict()


def test_stages_are_cumulative_and_switch_on_only_their_keys():
    s = load_scenario("adaptive")
    points = stage_points(s)
    assert len(points) == len(STAGES) and all(set(p) == set(OFF) for p in points)
    first = points[0]
    assert first["governance.collaboration"] is False and first["governance.adaptation"] is False
    assert first["organizations.ngo_efficiency"] == s.organizations.gov_efficiency == 0.75
    assert first["mechanisms.resources.social_capacity"] == 0.0
    assert first["mechanisms.trust.gates_collaboration"] is False
    on = set()
    for (_, keys), before, after in zip(STAGES[1:], points[:-1], points[1:], strict=True):
        changed = {k for k in OFF if before[k] != after[k]}
        assert changed <= set(keys)  # a stage changes its own keys, nothing else
        on |= set(keys)
        assert all(after[k] == points[-1][k] for k in on)  # and they stay on
    assert on == set(OFF)


def test_stage_zero_is_top_down_itself():
    """Without collaboration the neutral NGO values, overhead and social funds play no
    part: stage 0 is byte-identical to the scenario with both switches off."""
    s = tiny()
    stage0 = run_scenario(s.replace(**stage_points(s)[0]), seed=5).metrics
    top_down = run_scenario(s.replace(**{"governance.collaboration": False,
                                         "governance.adaptation": False}), seed=5).metrics
    assert stage0.to_csv() == top_down.to_csv()


def test_neutral_collaboration_delivers_what_direct_provision_does():
    """NGOs as efficient as government, no overhead, no social funds, no trust gate:
    the same money buys the same service (the issue's observation, re-measured). Only
    co-production can differ a little: trust in government learns from a different
    experience under collaboration (7.4) and gates participation below the basis."""
    s = tiny()
    points = stage_points(s)
    need = [GovernanceModel(s.replace(**points[k]), seed=3) for k in (1, 2)]
    for m in need:
        m.run()
    a, b = (m.datacollector.get_model_vars_dataframe()["unmet_need"] for m in need)
    assert np.allclose(a, b, rtol=0, atol=1e-3) and not np.allclose(a, 0)


# ----------------------------------------------------------------- analysis
def _runs(levels: np.ndarray, status=None) -> pd.DataFrame:
    """A runs table from a replicates x points matrix of one metric."""
    rows = []
    for r, row in enumerate(levels):
        for p, value in enumerate(row):
            rows.append({"run_id": p * len(levels) + r, "point": p, "replicate": r, "seed": r,
                         "status": "ok", "unmet_need": value, "opinion_mean": np.nan})
    table = pd.DataFrame(rows)
    if status:
        for (p, r), value in status.items():
            table.loc[(table["point"] == p) & (table["replicate"] == r), "status"] = value
    return table


def test_contributions_telescope_to_the_total_in_every_replicate():
    rng = np.random.default_rng(1)
    levels = rng.random((5, len(STAGES)))
    steps = contributions(levels)
    assert steps.shape == (5, len(STAGES) - 1)
    assert np.allclose(steps.sum(axis=1), levels[:, -1] - levels[:, 0], rtol=0, atol=1e-14)
    table = decomposition(_runs(levels), ["unmet_need"])
    stages, total = table[table["stage"].notna()], table[table["stage"].isna()].iloc[0]
    assert stages["contribution"].sum() == pytest.approx(total["contribution"], abs=1e-14)


def test_contribution_intervals_are_paired():
    """Replicates differ a lot in level but every stage lowers each by the same amount:
    the levels' CIs are wide, the contributions' have zero width."""
    base = np.array([0.1, 0.3, 0.5, 0.7])[:, None]
    levels = base - 0.02 * np.arange(len(STAGES))[None, :]
    table = decomposition(_runs(levels), ["unmet_need"])
    rows = table[table["stage"] == 3].iloc[0]
    assert rows["mean_ci_high"] - rows["mean_ci_low"] > 0.3
    assert rows["contribution"] == pytest.approx(-0.02)
    assert rows["contribution_ci_high"] - rows["contribution_ci_low"] == pytest.approx(0, abs=1e-12)
    assert pd.isna(table[table["stage"] == 0]["contribution"].iloc[0])


def test_a_replicate_that_failed_at_any_stage_is_left_out_of_every_stage():
    levels = np.tile(np.arange(len(STAGES), dtype=float), (3, 1))
    runs = _runs(levels, status={(4, 1): "error"})
    assert paired_values(runs, "unmet_need").shape == (2, len(STAGES))
    assert paired_values(runs, "opinion_mean").shape == (2, len(STAGES))  # NaN metric kept
    assert decomposition(runs, ["unmet_need"])["n"].eq(2).all()


# ------------------------------------------------------------------ Shapley
def test_arms_are_every_admissible_set_with_the_stages_first():
    every = arms()
    assert len(every) == len(set(every)) == 2 * (1 + 2 ** 4)  # adaptation x (no collab | collab x 2^4)
    assert every[:len(STAGES)] == [frozenset(range(1, k + 1)) for k in range(len(STAGES))]
    assert all(set(REQUIRES.get(s, ())) <= arm for arm in every for s in arm)
    points = arm_points(load_scenario("adaptive"))
    assert points[:len(STAGES)] == stage_points(load_scenario("adaptive"))
    assert len({tuple(sorted(p.items())) for p in points}) == len(points)  # all different


def test_orders_put_collaboration_before_the_ngo_stages():
    every = orders()
    assert len(every) == 720 // 5 and len(set(every)) == len(every)
    assert all(o.index(2) < o.index(s) for o in every for s in (3, 4, 5, 6))
    assert effective({1, 3, 4}) == {1} and effective({2, 3}) == {2, 3}


def test_the_ngo_stages_change_nothing_without_collaboration():
    """The precedence the Shapley values assume (REQUIRES): with collaboration off, the NGO
    stages' keys play no part, with adaptation on too (byte-identical runs)."""
    s = tiny()
    index = {a: k for k, a in enumerate(arms())}
    points = arm_points(s)
    adapt = s.replace(**points[index[frozenset({1})]])
    ngo = s.replace(**{**points[index[frozenset(range(1, len(STAGES)))]],
                       "governance.collaboration": False})
    assert ngo.mechanisms.resources.social_capacity > 0 and ngo.governance.adaptation
    assert run_scenario(adapt, seed=2).metrics.to_csv() == run_scenario(ngo, seed=2).metrics.to_csv()


def _game(effects: dict, bonus: dict | None = None, replicates: int = 4) -> np.ndarray:
    """Replicates x arms: v(S) = base_r + sum of the effects of S + each bonus whose pair is
    in S (an interaction), with replicate-specific levels (paired designs remove them)."""
    base = np.linspace(0.1, 0.4, replicates)[:, None]
    values = [sum(effects[s] for s in arm) + sum(b for pair, b in (bonus or {}).items()
                                                 if set(pair) <= arm) for arm in arms()]
    return base + np.array(values)[None, :]


EFFECTS = {1: -0.03, 2: 0.0, 3: -0.08, 4: -0.13, 5: 0.04, 6: 0.0}


def test_shapley_values_add_up_to_the_total_in_every_replicate():
    rng = np.random.default_rng(7)
    values = rng.normal(size=(6, len(arms())))
    total = values[:, len(STAGES) - 1] - values[:, 0]
    assert np.allclose(shapley_values(values).sum(axis=1), total, rtol=0, atol=1e-12)
    assert np.allclose(marginals(values).sum(axis=2), total[:, None], rtol=0, atol=1e-12)
    table = decomposition(_runs(values), ["unmet_need"])
    stages, whole = table[table["stage"] > 0], table[table["stage"].isna()].iloc[0]
    assert stages["shapley"].sum() == pytest.approx(whole["contribution"], abs=1e-12)
    assert whole["shapley"] == pytest.approx(whole["contribution"], abs=1e-15)


def test_additive_stages_have_their_own_effect_in_every_order():
    table = decomposition(_runs(_game(EFFECTS)), ["unmet_need"])
    for s, effect in EFFECTS.items():
        row = table[table["stage"] == s].iloc[0]
        assert row["shapley"] == pytest.approx(effect, abs=1e-12)
        assert row["contribution"] == pytest.approx(effect, abs=1e-12)
        assert row["order_min"] == pytest.approx(row["order_max"], abs=1e-12)
        assert row["shapley_ci_high"] - row["shapley_ci_low"] == pytest.approx(0, abs=1e-12)
    pairs = interactions(_runs(_game(EFFECTS)), ["unmet_need"])
    assert np.allclose(pairs[~pairs["nested"]]["interaction"], 0, atol=1e-12)


def test_interacting_stages_split_their_interaction_and_depend_on_the_order():
    """NGO efficiency and social funds together do 0.04 more than apart: in the sequential
    order social funds (after efficiency) gets all of it; Shapley splits it equally; the
    order range spans alone..with; their interaction is 0.04, every other pair's 0."""
    values = _game(EFFECTS, bonus={(3, 4): 0.04})
    table = decomposition(_runs(values), ["unmet_need"])
    e, s = (table[table["stage"] == k].iloc[0] for k in (3, 4))
    assert e["contribution"] == pytest.approx(-0.08) and s["contribution"] == pytest.approx(-0.09)
    assert e["shapley"] == pytest.approx(-0.06) and s["shapley"] == pytest.approx(-0.11)
    assert (e["order_min"], e["order_max"]) == (pytest.approx(-0.08), pytest.approx(-0.04))
    assert (s["order_min"], s["order_max"]) == (pytest.approx(-0.13), pytest.approx(-0.09))
    other = table[table["stage"] == 1].iloc[0]
    assert other["order_min"] == pytest.approx(other["order_max"])
    pairs = interactions(_runs(values), ["unmet_need"]).set_index(["stage_i", "stage_j"])
    assert pairs.loc[(3, 4), "interaction"] == pytest.approx(0.04)
    assert pairs.loc[(3, 4), "base"] == "+ collaboration (neutral)"
    free = pairs[~pairs["nested"]].drop(index=(3, 4))
    assert np.allclose(free["interaction"], 0, atol=1e-12)
    assert pairs.loc[(2, 3), "nested"] and pairs.loc[(2, 3), "interaction"] == pytest.approx(-0.08)


def test_runs_with_the_stages_only_leave_the_shapley_columns_empty():
    table = decomposition(_runs(np.tile(np.arange(len(STAGES), dtype=float), (3, 1))),
                          ["unmet_need"])
    assert table["shapley"].isna().all() and table["contribution"].notna().sum() == len(STAGES)


# -------------------------------------------------------------- end to end
def test_decompose_writes_its_files_and_sums_up(tmp_path):
    s = tiny()
    table = decompose(s, replicates=2, seed=11, out=tmp_path / "d")
    files = {p.name for p in (tmp_path / "d").iterdir()}
    assert {"decomposition.csv", "decomposition.png", "decomposition.json", "runs"} <= files
    csv = pd.read_csv(tmp_path / "d" / "decomposition.csv")
    assert {"unmet_need", "trust_gov"} <= set(csv["metric"])
    assert list(csv.columns[:3]) == ["stage", "label", "metric"]
    for metric in ("unmet_need", "trust_gov"):
        rows = table[table["metric"] == metric]
        stages = rows[rows["stage"].notna()]
        total = rows[rows["stage"].isna()]["contribution"].iloc[0]
        assert stages["contribution"].sum() == pytest.approx(total, abs=1e-12)
        assert total == pytest.approx(stages["mean"].iloc[-1] - stages["mean"].iloc[0], abs=1e-12)
    meta = json.loads((tmp_path / "d" / "decomposition.json").read_text())
    assert [st["label"] for st in meta["stages"]] == [label for label, _ in STAGES]
    assert meta["base_seed"] == 11 and len(meta["seeds"]) == 2
    assert meta["stages"][4]["switches_on"] == {"mechanisms.resources.social_capacity": 0.25}
    assert "cogov_commit" in meta and "versions" in meta
    (tmp_path / "d" / "decomposition.png").unlink()
    assert redraw(tmp_path / "d") == [tmp_path / "d" / "decomposition.png"]  # cogov plot
    # the last stage ran the scenario itself: same numbers as running it directly
    seed = meta["seeds"][1]
    direct = run_scenario(s, seed=seed).metrics
    runs = pd.read_parquet(tmp_path / "d" / "runs" / "runs.parquet")
    last = runs[(runs["point"] == len(STAGES) - 1) & (runs["replicate"] == 1)]
    assert last["unmet_need"].iloc[0] == pytest.approx(direct["unmet_need"].iloc[-3:].mean(),
                                                      rel=1e-12)


def test_an_interrupted_decomposition_resumes_to_the_same_numbers(tmp_path, monkeypatch):
    s = tiny()
    whole = decompose(s, replicates=2, seed=4, out=tmp_path / "whole")
    calls = {"n": 0}
    step = GovernanceModel.step

    def interrupting(self):
        calls["n"] += 1
        if calls["n"] == 40:  # in the fifth run (9 steps a run)
            raise KeyboardInterrupt
        step(self)

    monkeypatch.setattr(GovernanceModel, "step", interrupting)
    with pytest.raises(SweepInterrupted):
        decompose(s, replicates=2, seed=4, out=tmp_path / "cut")
    assert not (tmp_path / "cut" / "decomposition.csv").exists()
    monkeypatch.setattr(GovernanceModel, "step", step)
    with pytest.raises(ScenarioError, match="--resume"):  # refuses to overwrite
        decompose(s, replicates=2, seed=4, out=tmp_path / "cut")
    resumed = decompose(s, replicates=2, seed=4, out=tmp_path / "cut", resume=True)
    pd.testing.assert_frame_equal(resumed, whole)


# ---------------------------------------------------------------------- CLI
def test_cli_decompose_prints_the_table(tmp_path):
    res = cli("decompose", "adaptive", "--replicates", "2", "--workers", "1", "--steps", "6",
              "--seed", "3", *SMALL_CLI, "--out", tmp_path / "d")
    assert res.returncode == 0, res.stderr
    for label, _ in STAGES:
        assert label in res.stdout
    assert "unmet_need contribution" in res.stdout and "total (scenario − top-down)" in res.stdout
    assert "unmet_need shapley" in res.stdout and "orders min..max" in res.stdout
    assert "social funds x overhead" in res.stdout
    csv = pd.read_csv(tmp_path / "d" / "decomposition.csv")
    new = ["shapley", "shapley_ci_low", "shapley_ci_high", "order_min", "order_max"]
    headline = csv[(csv["stage"] > 0) & csv["metric"].isin(["unmet_need", "trust_gov"])]
    assert set(new) <= set(csv.columns) and headline[new].notna().all().all()
    rows = csv[csv["metric"] == "unmet_need"]
    assert rows["shapley"].iloc[1:-1].sum() == pytest.approx(rows["contribution"].iloc[-1], abs=1e-12)
    pairs = pd.read_csv(tmp_path / "d" / "decomposition_interactions.csv")
    assert len(pairs[pairs["metric"] == "unmet_need"]) == 15
    assert {"interaction", "interaction_ci_low", "interaction_ci_high", "nested"} <= set(pairs.columns)


@pytest.mark.parametrize("args, expected", [
    (["--set", "mechanisms.resources.social_capacty=0.1"],
     "mechanisms.resources.social_capacty: unknown key; did you mean 'social_capacity'?"),
    (["--replicates", "0"], "--replicates: expected an integer in [1, "),
    (["no_such_preset"], "no_such_preset"),
])
def test_cli_decompose_bad_input_exits_2_and_writes_nothing(tmp_path, args, expected):
    res = cli("decompose", *args, "--workers", "1", "--out", tmp_path / "d")
    assert res.returncode == 2 and expected in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "d").exists()


def test_the_worker_count_does_not_change_the_numbers(tmp_path):
    s = tiny()
    one = decompose(s, replicates=2, seed=8, workers=1, out=tmp_path / "one")
    two = decompose(s, replicates=2, seed=8, workers=2, out=tmp_path / "two")
    pd.testing.assert_frame_equal(one, two)
    assert (tmp_path / "one" / "decomposition.csv").read_bytes() \
        == (tmp_path / "two" / "decomposition.csv").read_bytes()

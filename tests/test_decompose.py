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
    STAGES,
    contributions,
    decompose,
    decomposition,
    paired_values,
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

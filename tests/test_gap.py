"""cogov gap: the paired gap between two scenarios over a design, its map and Sobol'."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from cogov.model.engine.design import Design, parse_grid, parse_range
from cogov.model.engine.seeds import replicate_seeds
from cogov.model.scenario.errors import ScenarioError
from cogov.model.scenario.files import load_scenario
from cogov.model.studies.gap import gap_map, gap_sobol, map_axes, paired_gap, plot_gap, winner
from cogov.model.ui.redraw import redraw
from tests.conftest import ROOT

TINY = {"population.citizens": 200, "population.districts": 2, "organizations.ngos": 6,
        "steps": 6, "warmup": 3, "outputs.window": 3, "mechanisms.incentives.warmup": 20}
SMALL_CLI = [f"--set={k}={v}" for k, v in TINY.items() if k != "steps"]
KEY = "mechanisms.resources.social_capacity"


def tiny(name):
    return load_scenario(name).replace(**TINY)


def cli(*args):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT)


# ------------------------------------------------------------------- winner
@pytest.mark.parametrize("low, high, better, expected", [
    (-0.2, -0.1, "lower", "A"), (0.1, 0.2, "lower", "B"), (-0.1, 0.1, "lower", "neither"),
    (0.1, 0.2, "higher", "A"), (-0.2, -0.1, "higher", "B"), (-0.1, 0.1, "higher", "neither"),
    (0.0, 0.1, "lower", "neither"),  # an interval touching 0 covers it
])
def test_winner(low, high, better, expected):
    assert winner(low, high, better) == expected


def _runs(values: dict, points: int, seeds=None) -> pd.DataFrame:
    """Runs table: values[metric] is a points x replicates matrix."""
    rows = []
    reps = next(iter(values.values())).shape[1]
    for p in range(points):
        for r in range(reps):
            rows.append({"run_id": p * reps + r, "point": p, "replicate": r,
                         "seed": (seeds or list(range(reps)))[r], "status": "ok",
                         **{m: v[p, r] for m, v in values.items()}})
    return pd.DataFrame(rows)


def test_paired_gap_on_a_constructed_table():
    """Point 0: A has 0.1 less unmet need in every replicate (replicates differ by a lot);
    point 1: A is worse; point 2: the difference changes sign between replicates."""
    level = np.array([0.2, 0.4, 0.6])[None, :].repeat(3, axis=0)
    b = {"unmet_need": level, "trust_gov": level}
    shift = np.array([[-0.1, -0.1, -0.1], [0.05, 0.05, 0.05], [-0.1, 0.1, 0.0]])
    a = {"unmet_need": level + shift, "trust_gov": level - shift}
    points = [{KEY: 0.0}, {KEY: 0.25}, {KEY: 0.5}]
    table = paired_gap(_runs(a, 3), _runs(b, 3), points)
    assert list(table[KEY]) == [0.0, 0.25, 0.5]
    assert table["unmet_need_gap"].tolist() == pytest.approx([-0.1, 0.05, 0.0])
    # paired: the replicates' different levels do not widen the interval
    assert table["unmet_need_gap_ci_high"][0] - table["unmet_need_gap_ci_low"][0] < 1e-12
    assert table["unmet_need_A"][0] == pytest.approx(0.3)
    assert list(table["winner"]) == ["A", "B", "neither"]
    assert list(table["trust_gov_winner"]) == ["A", "B", "neither"]  # more trust is better
    assert (table["n"] == 3).all()


def test_paired_gap_pairs_only_runs_that_finished_in_both():
    v = {"unmet_need": np.zeros((1, 3)), "trust_gov": np.zeros((1, 3))}
    a, b = _runs(v, 1), _runs(v, 1)
    b.loc[b["replicate"] == 2, "status"] = "error"
    assert paired_gap(a, b, [{KEY: 0.1}])["n"].tolist() == [2]


def test_paired_gap_refuses_unpaired_seeds():
    v = {"unmet_need": np.zeros((1, 2)), "trust_gov": np.zeros((1, 2))}
    with pytest.raises(ScenarioError, match="different seeds"):
        paired_gap(_runs(v, 1), _runs(v, 1, seeds=[5, 6]), [{KEY: 0.1}])


def test_map_axes_are_the_ranges_and_the_rest_are_panels():
    assert map_axes(["g", "r1", "r2"], ["r1", "r2"]) == (["r1", "r2"], ["g"])
    assert map_axes(["g1", "g2"], []) == (["g1", "g2"], [])
    assert map_axes(["r1"], ["r1"]) == (["r1"], [])


def test_plot_gap_draws_panels_and_single_axes(tmp_path):
    rows = [{"point": i, "g": g, KEY: x, "n": 2, "unmet_need_gap": x - 0.2,
             "unmet_need_gap_ci_low": x - 0.3, "unmet_need_gap_ci_high": x - 0.1,
             "winner": winner(x - 0.3, x - 0.1, "lower")}
            for i, (g, x) in enumerate((g, x) for g in (1, 2) for x in (0.0, 0.2, 0.4))]
    table = pd.DataFrame(rows)
    plot_gap(table, ["g", KEY], [KEY], tmp_path / "panels.png", ("A", "B"), n=2)
    plot_gap(table[table["g"] == 1], [KEY], [KEY], tmp_path / "one.png", ("A", "B"))
    assert (tmp_path / "panels.png").stat().st_size > 10_000
    assert (tmp_path / "one.png").stat().st_size > 10_000


# -------------------------------------------------------------- end to end
def test_gap_map_runs_both_scenarios_on_the_same_seeds(tmp_path):
    a, b = tiny("adaptive"), tiny("top_down")
    design = Design(ranges=parse_range([f"{KEY}=0:0.5:2"]),
                    grid=parse_grid(["organizations.ngo_efficiency=0.75"]))
    table = gap_map(a, b, design, replicates=2, seed=9, out=tmp_path / "g")
    out = tmp_path / "g"
    assert {"gap.csv", "gap.png", "gap.json", "adaptive", "top_down"} <= {p.name for p in out.iterdir()}
    runs_a = pd.read_parquet(out / "adaptive" / "runs.parquet")
    runs_b = pd.read_parquet(out / "top_down" / "runs.parquet")
    assert sorted(runs_a["seed"].unique()) == sorted(runs_b["seed"].unique()) \
        == sorted(replicate_seeds(9, 2))
    csv = pd.read_csv(out / "gap.csv")
    assert len(csv) == 2 and {KEY, "organizations.ngo_efficiency", "unmet_need_gap",
                              "unmet_need_gap_ci_low", "unmet_need_gap_ci_high", "winner",
                              "trust_gov_gap"} <= set(csv.columns)
    for p in range(2):
        diff = (runs_a[runs_a["point"] == p].sort_values("replicate")["unmet_need"].to_numpy()
                - runs_b[runs_b["point"] == p].sort_values("replicate")["unmet_need"].to_numpy())
        assert table["unmet_need_gap"][p] == pytest.approx(diff.mean(), abs=1e-12)
    meta = json.loads((out / "gap.json").read_text())
    assert meta["base_seed"] == 9 and meta["design"]["kind"] == "map"
    assert sum(meta["winners"].values()) == 2
    (out / "gap.png").unlink()
    assert redraw(out) == [out / "gap.png"] and (out / "gap.png").exists()  # cogov plot
    # resuming a finished map runs nothing new and gives the same table
    again = gap_map(a, b, design, replicates=2, seed=9, out=out, resume=True)
    pd.testing.assert_frame_equal(again, table)
    with pytest.raises(ScenarioError, match="--resume"):
        gap_map(a, b, design, replicates=2, seed=9, out=out)


def test_gap_sobol_gives_s1_and_st_per_key(tmp_path):
    a, b = tiny("adaptive"), tiny("top_down")
    bounds = {KEY: (0.0, 0.5), "organizations.ngo_efficiency": (0.6, 0.95)}
    indices = gap_sobol(a, b, bounds, 2, replicates=1, seed=3, out=tmp_path / "s")
    assert set(indices["metric"]) == {"unmet_need_gap", "trust_gov_gap"}
    assert set(indices["index"]) == {"S1", "ST"} and set(indices["parameter"]) == set(bounds)
    assert len(pd.read_csv(tmp_path / "s" / "gap.csv")) == 2 * (2 * 2 + 2)
    (tmp_path / "s" / "gap_indices.png").unlink()
    assert redraw(tmp_path / "s") == [tmp_path / "s" / "gap_indices.png"]


# ---------------------------------------------------------------------- CLI
def test_cli_gap_prints_the_map(tmp_path):
    res = cli("gap", "adaptive", "top_down", "--range", f"{KEY}=0:0.5:2", "--replicates", "2",
              "--workers", "1", "--steps", "6", "--seed", "1", *SMALL_CLI, "--out", tmp_path / "g")
    assert res.returncode == 0, res.stderr
    assert "social_capacity" in res.stdout and "adaptive wins" in res.stdout


@pytest.mark.parametrize("args, expected", [
    (["--range", "organizations.ngo_eficiency=0.6:0.9:3"],
     "organizations.ngo_eficiency: unknown key; did you mean 'ngo_efficiency'?"),
    (["--range", f"{KEY}=0:0.5"], f"--range {KEY}: expected lo:hi:n"),
    (["--range", f"{KEY}=0:0.5:0"], "n must be a whole number >= 1"),
    (["--range", "organizations.ngo_efficiency=0.6:1.5:3"], "organizations.ngo_efficiency"),
    ([], "give --range/--grid keys for a map, or --sobol N --bounds"),
    (["--bounds", f"{KEY}=0:1"], "--bounds needs --sobol N"),
    (["--sobol", "4", "--range", f"{KEY}=0:0.5:2"], "it does not take --range/--grid"),
])
def test_cli_gap_bad_input_exits_2_and_writes_nothing(tmp_path, args, expected):
    res = cli("gap", "adaptive", "top_down", *args, "--workers", "1", "--out", tmp_path / "g")
    assert res.returncode == 2 and expected in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "g").exists()


def test_cli_gap_refuses_two_scenarios_of_one_name(tmp_path):
    res = cli("gap", "adaptive", "adaptive", "--range", f"{KEY}=0:0.5:2", "--workers", "1",
              "--out", tmp_path / "g")
    assert res.returncode == 2 and "distinct `name:`" in res.stderr
    assert not (tmp_path / "g").exists()

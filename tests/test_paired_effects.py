"""Paired effects for any factor (issue 25, item 5): ``compare --baseline`` writes
differences.csv, and a sweep of any categorical or numeric factors gets main effects,
simple effects and difference-in-differences, each paired by seed."""

import numpy as np
import pandas as pd
import pytest

from cogov.model.engine.design import Design
from cogov.model.engine.stats import paired_differences
from cogov.model.engine.sweep import sweep
from cogov.model.scenario.files import load_scenario
from cogov.model.studies.factorial import factor_effects, factor_keys, sweep_effects
from cogov.model.ui.cli import main
from cogov.model.ui.redraw import redraw

TINY = ["--set", "population.citizens=200", "--set", "population.districts=2",
        "--set", "organizations.ngos=6", "--set", "warmup=2", "--set", "outputs.window=3",
        "--steps", "6"]


def _timeseries(seeds=8, shift=0.1, noise=0.001):
    """Scenario b = a + shift, with a seed effect of sd 1 that pairing must cancel."""
    rng = np.random.default_rng(0)
    rows = []
    for r in range(seeds):
        level = rng.normal(0, 1)
        for name, extra in (("a", 0.0), ("b", shift)):
            for step in (0, 1, 2):
                rows.append({"scenario": name, "replicate": r, "seed": 100 + r, "step": step,
                             "unmet_need": level + extra + rng.normal(0, noise)})
    return pd.DataFrame(rows)


def test_differences_are_paired_by_seed():
    d = paired_differences(_timeseries(), 2, "a")
    (row,) = d[d["metric"] == "unmet_need"].itertuples()
    assert row.scenario == "b" and row.n == 8
    assert row.ci_low < 0.1 < row.ci_high and row.ci_high - row.ci_low < 0.01  # unpaired: ~1.7
    with pytest.raises(ValueError, match="baseline 'c' is not one of the scenarios"):
        paired_differences(_timeseries(), 2, "c")


def test_compare_baseline_writes_differences_and_prints_them(tmp_path, capsys):
    out = tmp_path / "c"
    assert main(["compare", "top_down", "adaptive", "--baseline", "top_down",
                 "--replicates", "3", "--workers", "1", *TINY, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "paired differences from top_down" in printed
    assert "adaptive             unmet_need" in printed
    d = pd.read_csv(out / "differences.csv")
    assert set(d["scenario"]) == {"adaptive"} and (d["baseline"] == "top_down").all()
    assert {"unmet_need", "trust_gov", "satisfaction"} <= set(d["metric"])
    ts = pd.read_csv(out / "timeseries.csv")
    final = ts[ts["step"] > 3].groupby(["scenario", "seed"])["unmet_need"].mean().unstack(0)
    row = d.set_index("metric").loc["unmet_need"]
    assert row["difference"] == pytest.approx((final["adaptive"] - final["top_down"]).mean())
    assert row["n"] == 3 and row["ci_low"] <= row["difference"] <= row["ci_high"]


def test_an_unknown_baseline_is_refused_before_any_run(tmp_path, capsys):
    assert main(["compare", "top_down", "adaptive", "--baseline", "adaptve", *TINY,
                 "--out", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert "--baseline 'adaptve' is not the name of one of the scenarios" in err
    assert "did you mean 'adaptive'" in err and not (tmp_path / "c" / "sweep").exists()


def _grid_runs(seeds=6):
    """unmet = seed effect + regime + cut·(0.1 under td, 0.3 under ad, 0.5 under co), with
    three regimes (a categorical factor) and cut sizes 0, 0.3 (numeric)."""
    rng = np.random.default_rng(1)
    hurt = {"td": 0.1, "ad": 0.3, "co": 0.5}
    rows = []
    for s in range(seeds):
        level = rng.normal(0, 1)
        for regime in hurt:
            for size in (0.0, 0.3):
                rows.append({"regime": regime, "size": size, "seed": s, "status": "ok",
                             "y": level + {"td": 0, "ad": -0.2, "co": -0.1}[regime]
                             + (hurt[regime] if size else 0) + rng.normal(0, 0.001)})
    return pd.DataFrame(rows)


def test_main_simple_and_interaction_of_a_categorical_and_a_numeric_factor():
    runs = _grid_runs()
    assert factor_keys(runs, ["regime", "size"]) == ["regime", "size"]
    t = factor_effects(runs, ["regime", "size"], ["y"]).set_index("term")
    assert t.loc["size: 0.3 − 0", "effect"] == pytest.approx(0.3, abs=0.002)  # mean of 3
    assert t.loc["size: 0.3 − 0 | regime=td", "effect"] == pytest.approx(0.1, abs=0.002)
    assert t.loc["size: 0.3 − 0 | regime=co", "effect"] == pytest.approx(0.5, abs=0.002)
    did = t.loc["regime × size: (co − td) × (0.3 − 0)"]
    assert did["effect"] == pytest.approx(0.4, abs=0.003) and did["order"] == 2
    assert did["ci_high"] - did["ci_low"] < 0.02  # the seed effect (sd 1) cancels
    assert t.loc["regime: ad − td", "effect"] == pytest.approx(-0.2 + 0.1, abs=0.003)
    assert len(t[t["kind"] == "interaction"]) == 2  # (ad, co) × 0.3
    assert (t["n"] == 6).all()


def test_an_incomplete_grid_is_not_a_factorial():
    runs = _grid_runs()
    cell = (runs["regime"] == "td") & (runs["size"] == 0.3)
    assert factor_keys(runs[~cell], ["regime", "size"]) == []
    with pytest.raises(ValueError, match="not a full factorial"):
        factor_effects(runs[~cell], ["regime", "size"], ["y"])
    failed = runs.assign(status=np.where(cell & (runs["seed"] == 0), "error", "ok"))
    t = factor_effects(failed, ["regime", "size"], ["y"]).set_index("term")
    assert t.loc["size: 0.3 − 0 | regime=td", "n"] == 5  # seed 0 lacks a cell: left out
    assert t.loc["size: 0.3 − 0 | regime=co", "n"] == 6


@pytest.mark.slow
def test_a_regime_by_budget_cut_sweep_gives_the_cut_per_regime(tmp_path):
    base = load_scenario("top_down", ["population.citizens=300", "population.districts=3",
                                      "organizations.ngos=9", "warmup=2", "outputs.window=5",
                                      "shocks=[{kind: budget_cut, step: 4, size: 0.3}]"],
                         steps=12)
    design = Design(grid={"governance.adaptation": ["off", "on"], "shocks.0.size": [0, 0.3]})
    sweep(base, design, replicates=3, seed=5, out=tmp_path)
    made = redraw(tmp_path)
    assert tmp_path / "effects.csv" in made and tmp_path / "effects.png" in made
    t = pd.read_csv(tmp_path / "effects.csv")
    t = t[t["metric"] == "unmet_need"].set_index("term")
    off = t.loc["size: 0.3 − 0 | adaptation=off", "effect"]
    on = t.loc["size: 0.3 − 0 | adaptation=on", "effect"]
    did = t.loc["adaptation × size: (on − off) × (0.3 − 0)"]
    assert did["effect"] == pytest.approx(on - off)  # difference-in-differences
    assert off > 0 and on > 0  # a cut raises unmet need under both regimes
    assert np.isfinite(did["ci_low"]) and did["n"] == 3
    found = sweep_effects(tmp_path)
    assert found is not None and found[1] == ["governance.adaptation", "shocks.0.size"]


# ------------------------------------------------- linked factors: a regime of two switches
def test_a_linked_grid_sets_its_keys_together():
    from cogov.model.engine.design import parse_grid

    grid = parse_grid(["governance.collaboration+governance.adaptation=off+off,on+on",
                       "shocks.0.size=0,0.3"])
    assert grid["governance.collaboration+governance.adaptation"] == [[False, False],
                                                                      [True, True]]
    points = Design(grid=grid).points()
    assert len(points) == 4  # two regimes x two cuts, not 2 x 2 x 2
    assert points[2] == {"governance.collaboration": True, "governance.adaptation": True,
                         "shocks.0.size": 0}


@pytest.mark.parametrize("spec, message", [
    ("governance.collaboration+governance.adaptation=off+off,on", "needs 2 parts"),
    ("governance.collaboration+governance.adaptaton=off+off", "adaptaton"),
    ("governance.adaptation+governance.adaptation=off+off", "appears twice"),
])
def test_a_bad_linked_grid_names_the_factor(spec, message):
    from cogov.model.engine.design import parse_grid
    from cogov.model.scenario.errors import ScenarioError

    with pytest.raises(ScenarioError, match=message):
        parse_grid([spec])


def test_a_design_file_takes_a_linked_factor(tmp_path):
    from cogov.model.engine.design import parse_grid, read_design_file

    path = tmp_path / "design.yaml"
    path.write_text("grid:\n  governance.collaboration+governance.adaptation: "
                    "[[off, off], [on, on]]\n  shocks.0.size: [0, 0.3]\n")
    grid = parse_grid(read_design_file(path)["grid"])
    assert grid["governance.collaboration+governance.adaptation"] == [[False, False],
                                                                      [True, True]]
    path.write_text("grid:\n  governance.collaboration+governance.adaptation: [off, on]\n")
    from cogov.model.scenario.errors import ScenarioError

    with pytest.raises(ScenarioError, match="linked factor's values are lists"):
        read_design_file(path)


@pytest.mark.slow
def test_top_down_against_adaptive_by_a_cut_from_one_sweep(tmp_path):
    """The regime (both switches together) x the cut: the cut per regime and its
    difference-in-differences, from sweep alone (no analysis code)."""
    code = main(["sweep", "top_down", *TINY, "--set",
                 "shocks=[{kind: budget_cut, step: 3, size: 0.3}]",
                 "--grid", "governance.collaboration+governance.adaptation=off+off,on+on",
                 "--grid", "shocks.0.size=0,0.3", "--replicates", "3", "--workers", "1",
                 "--out", str(tmp_path)])
    assert code == 0
    t = pd.read_csv(tmp_path / "effects.csv")
    t = t[t["metric"] == "unmet_need"].set_index("term")
    td = t.loc["size: 0.3 − 0 | collaboration+adaptation=off+off", "effect"]
    ad = t.loc["size: 0.3 − 0 | collaboration+adaptation=on+on", "effect"]
    did = t.loc["collaboration+adaptation × size: (on+on − off+off) × (0.3 − 0)", "effect"]
    assert did == pytest.approx(ad - td)
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    cell = runs[(runs["governance.collaboration"]) & (runs["shocks.0.size"] == 0.3)]
    assert cell["governance.adaptation"].all() and len(cell) == 3
    assert (tmp_path / "sweep.png").exists() and (tmp_path / "effects.png").exists()


@pytest.mark.parametrize("axes", [
    {"grid": {"governance.collaboration+governance.adaptation": [[False, False], [True, True]],
              "governance.adaptation": [True]}},
    {"grid": {"shocks.0.size": [0, 0.3]}, "ranges": {"shocks.0.size": (0, 0.3, 2)}},
    {"grid": {"budget.per_capita+governance.adaptation": [[1.0, False]]},
     "bounds": {"budget.per_capita": (0.5, 1.5)}, "samples": 2},
])
def test_a_key_on_two_axes_is_refused(axes):
    from cogov.model.scenario.errors import ScenarioError

    with pytest.raises(ScenarioError, match="on two axes of the design"):
        Design(**axes)

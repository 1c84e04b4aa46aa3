"""Custom reporters (``outputs.reporters``, docs/experiments.md "Custom reporters"): a
researcher's own columns, from an expression or a function, in every output."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from cogov.model.engine.run import run_scenario
from cogov.model.scenario import ScenarioError, load_scenario
from cogov.model.scenario import reporters as form
from cogov.model.sim import custom_reporters as evaluation
from cogov.model.sim.reporters import METRICS
from cogov.model.ui.cli import main
from tests.conftest import ROOT

SMALL = ["population.citizens=200", "population.districts=2", "organizations.ngos=6",
         "warmup=3"]
FAST = [a for kv in SMALL for a in ("--set", kv)] + ["--steps", "5"]
REPORTERS = {"trust_gap": "trust_gov - trust_ngo",
             "high_need_share": "mean(citizens.need > 0.5)",
             "trust_q90": "quantile(citizens.trust_gov, 0.9) * n / n + 0 * t"}


def small(name="adaptive", reporters=None, *overrides):
    s = load_scenario(name, [*SMALL, *overrides], steps=5)
    return s.replace(**{"outputs.reporters": reporters}) if reporters else s


def write_module(folder, body="def index(model):\n    return float(model.citizens.trust_gov.mean() * 2)\n"):
    path = folder / "my_reporters.py"
    path.write_text(textwrap.dedent(body))
    return path


# ----------------------------------------------------------------- the values
def test_an_expression_over_metrics_is_their_difference():
    metrics = run_scenario(small(reporters=REPORTERS), seed=3).metrics
    assert (metrics["trust_gap"] == metrics["trust_gov"] - metrics["trust_ngo"]).all()


def test_an_expression_over_citizens_arrays_is_the_hand_computation():
    kept = {}
    metrics = run_scenario(small(reporters=REPORTERS), seed=3, keep=kept).metrics
    c = kept["model"].citizens
    last = metrics.iloc[-1]
    assert last["high_need_share"] == np.mean(c.need > 0.5)
    assert last["trust_q90"] == pytest.approx(np.quantile(c.trust_gov, 0.9), abs=1e-15)


def test_a_function_from_a_module_file_beside_the_scenario(tmp_path):
    write_module(tmp_path)
    (tmp_path / "city.yaml").write_text("extends: adaptive\noutputs:\n  reporters:\n"
                                        "    my_index: \"my_reporters.py:index\"\n")
    s = load_scenario(tmp_path / "city.yaml", SMALL, steps=5)
    assert s.outputs.reporters["my_index"] == f"{tmp_path / 'my_reporters.py'}:index"
    kept = {}
    metrics = run_scenario(s, seed=3, keep=kept).metrics
    assert metrics["my_index"].iloc[-1] == kept["model"].citizens.trust_gov.mean() * 2


def test_a_function_from_an_importable_module(tmp_path, monkeypatch):
    write_module(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    metrics = run_scenario(small(reporters={"my_index": "my_reporters:index"}), seed=3).metrics
    assert metrics["my_index"].notna().all()


def test_reporters_change_no_other_column():
    without = run_scenario(small(), seed=5).metrics
    with_ = run_scenario(small(reporters=REPORTERS), seed=5).metrics
    assert list(with_.columns) == [*METRICS, *REPORTERS]  # after the model's metrics
    pd.testing.assert_frame_equal(with_[list(without.columns)], without)


def test_comparisons_count_one_where_they_hold():
    """A test is 1.0 or 0.0, so tests add, subtract and negate as counts (booleans would
    make + an "or" and - a TypeError)."""
    reporters = {"both": "sum((citizens.need > 0.5) + (citizens.trust_gov > 0.2))",
                 "apart": "sum(citizens.need > 0.5) + sum(citizens.trust_gov > 0.2)",
                 "minus": "sum((citizens.need > 0.5) - (citizens.trust_gov > 0.2))",
                 "negated": "-(t > 1)", "not_": "sum(not (citizens.need > 0.5))"}
    kept = {}
    metrics = run_scenario(small(reporters=reporters), seed=3, keep=kept).metrics
    c, last = kept["model"].citizens, metrics.iloc[-1]
    a, b = c.need > 0.5, c.trust_gov > 0.2
    assert last["both"] == last["apart"] == a.sum() + b.sum()
    assert last["minus"] == a.sum() - b.sum() and last["not_"] == (~a).sum()
    assert list(metrics["negated"]) == [0, 0, -1, -1, -1, -1]


def test_a_value_that_cannot_be_computed_stops_the_run_naming_the_key(capsys):
    code = main(["run", "top_down", *FAST, "--set", "outputs.reporters.q=quantile(citizens.need, t)",
                 "--out", "/dev/null/x"])
    assert code == 2


def test_results_are_numbers_nan_where_not_finite_or_never_made():
    s = small("top_down", {"inf": "log(0) + t", "nan": "0 / 0", "big": "10 ** 10 ** 10",
                           "off": "mean(citizens.compensation)"})
    kept = {}
    metrics = run_scenario(s, seed=1, keep=kept).metrics
    assert kept["model"].citizens.compensation is None  # no relocation shock: never made
    assert metrics[["inf", "nan", "big", "off"]].isna().all().all()


# ------------------------------------------------------------------ bad input
BAD = [
    ("trust_gov - trust_ng", "unknown name 'trust_ng'; did you mean 'trust_ngo'?"),
    ("mean(citizens.nede)", "citizens.nede is no array of the citizens; did you mean 'need'?"),
    ("trust_gov -", "syntax error"),
    ("citizens.need", "'citizens.need' gives one value per citizen, not one number"),
    ("open('x')", "open(...): not a function an expression may call"),
    ("citizens.need.__class__", "citizens.need.__class__: the only attributes"),
    ("__import__", "'__import__' is not a name an expression may use"),
    ("nowhere.py:index", "cannot import {dir}/nowhere.py: no such file"),
    ("my_reporters.py:indx", "{dir}/my_reporters.py has no function 'indx'; did you mean "
                             "'index'?"),
    ("quantile(citizens.need, 90)", "quantile(citizens.need, 90): the quantile is a share in "
                                    "[0, 1], got 90"),
    ("+".join(["t"] * 200), "nested too deeply"),
    ("t" + " + t" * 1000, "an expression of 4001 characters; at most 2000"),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[t[:30] for t, _ in BAD])
def test_bad_reporters_exit_2_naming_the_key(tmp_path, capsys, monkeypatch, text, message):
    write_module(tmp_path)
    monkeypatch.chdir(tmp_path)  # a relative file given with --set: the working directory's
    expected = f"outputs.reporters.r: {message.format(dir=tmp_path.resolve())}"
    bad = ["--set", f"outputs.reporters.r={text}"]
    for argv in (["validate", "top_down", *bad], ["run", "top_down", *FAST, *bad, "--out", "out"]):
        code = main(argv)
        err = capsys.readouterr().err
        assert code == 2 and expected in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["trust_gov", "step", "seed", "2x", "_x"])
def test_a_reporter_may_not_take_a_metric_or_a_table_column(capsys, name):
    code = main(["validate", "top_down", "--set", f"outputs.reporters.{name}=t"])
    err = capsys.readouterr().err
    assert code == 2 and f"outputs.reporters.{name}: the name {name!r}" in err, err


def test_the_command_line_exits_2_from_a_scenario_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: top_down\noutputs:\n  reporters:\n    trust_gov: \"1\"\n")
    for argv in (["validate", bad], ["run", bad, "--out", tmp_path / "out"]):
        done = subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, argv)],
                              capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 2, done.stderr
        assert "outputs.reporters.trust_gov: the name 'trust_gov' is a metric" in done.stderr


def test_a_function_that_returns_no_number_is_an_error(tmp_path):
    write_module(tmp_path, "def words(model):\n    return 'many'\n")
    s = small(reporters={"w": f"{tmp_path / 'my_reporters.py'}:words"})
    with pytest.raises(ScenarioError, match="outputs.reporters.w: .* gave str 'many', not one"):
        run_scenario(s, seed=1)


def test_both_layers_know_the_same_functions():
    assert set(form.FUNCTIONS) == set(evaluation.FUNCTIONS)


# ------------------------------------------------------- many runs, every output
def test_a_sweep_with_a_reporter_does_not_depend_on_workers(tmp_path, capsys):
    args = ["sweep", "top_down", *FAST, "--set", "outputs.reporters.trust_gap=trust_gov - "
            "trust_ngo", "--grid", "budget.per_capita=0.6,1.0", "--replicates", "2"]
    for workers in (1, 2):
        assert main([*args, "--workers", str(workers), "--out", str(tmp_path / f"w{workers}")]) == 0
    one, two = (pd.read_parquet(tmp_path / f"w{w}/runs.parquet").drop(columns="wall_time")
                for w in (1, 2))
    pd.testing.assert_frame_equal(one, two)
    assert np.allclose(one["trust_gap"], one["trust_gov"] - one["trust_ngo"], rtol=0, atol=1e-14)
    assert "trust_gap" in set(pd.read_csv(tmp_path / "w1/summary.csv")["metric"])


def test_compare_takes_a_reporter_as_metric(tmp_path, capsys):
    code = main(["compare", "top_down", "adaptive", *FAST, "--replicates", "2", "--workers", "1",
                 "--set", "outputs.reporters.trust_gap=trust_gov - trust_ngo",
                 "--metric", "trust_gap", "--out", str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert set(summary.loc[summary.metric == "trust_gap", "scenario"]) == {"top_down", "adaptive"}


def test_the_scenario_stays_plain_data_and_pickles(tmp_path):
    s = small(reporters=REPORTERS)
    assert pickle.loads(pickle.dumps(s)) == s
    assert s.to_dict()["outputs"]["reporters"] == REPORTERS
    assert json.loads(json.dumps(s.to_dict()))["outputs"]["reporters"] == REPORTERS
    assert "reporters" not in small().to_dict()["outputs"]  # as before reporters existed
    kept = {}
    run_scenario(s, seed=1, keep=kept)  # a model with reporters pickles (saved states)
    model = pickle.loads(pickle.dumps(kept["model"]))
    model.step()
    assert len(model.datacollector.model_vars["trust_gap"]) == 7

"""Metrics of a mechanism that is off read NaN, not 0 (issue 25, item 9), and what reads
them copes: summaries say n/a, a factorial leaves them out as never measured, figures draw."""

import math

import numpy as np

from cogov.model.engine.compare import compare
from cogov.model.engine.stats import paired_differences, summarize
from cogov.model.scenario.files import load_scenario
from cogov.model.studies.factorial import present_metrics

SMALL = {"population.citizens": 200, "population.districts": 2, "organizations.ngos": 6,
         "steps": 6, "warmup": 2, "outputs.window": 3}


def test_state_metrics_of_off_mechanisms_are_nan_and_summaries_cope(tmp_path):
    off = load_scenario("top_down").replace(**SMALL)
    on = off.replace(name="law", **{"governance.law_based": True})
    ts = compare([off, on], 2, seed=3, out=tmp_path / "c")
    rows = ts[ts["scenario"] == "top_down"]
    assert rows["legitimacy"].isna().all() and rows["procedural_justice"].isna().all()
    assert rows["citizen_credit_mean"].isna().all()
    assert (rows["sanctions"] == 0).all()  # a flow of an off mechanism: 0, what happened
    law = ts[(ts["scenario"] == "law") & (ts["step"] > 0)]
    assert np.isfinite(law["legitimacy"]).all() and (law["legitimacy"] > 0).all()
    summary = summarize(ts, 3).set_index(["scenario", "metric"])
    assert math.isnan(summary.loc[("top_down", "legitimacy"), "mean"])
    assert 0 < summary.loc[("law", "legitimacy"), "mean"] <= 1
    d = paired_differences(ts, 3, "top_down")
    assert "legitimacy" not in set(d["metric"])  # no pair to difference: left out
    runs = ts[ts["step"] == ts["step"].max()].assign(status="ok")
    keep, skipped = present_metrics(runs[runs["scenario"] == "top_down"], ["legitimacy"])
    assert keep == [] and skipped == {"legitimacy": "never measured"}

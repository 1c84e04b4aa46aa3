"""run.py patterns: the pattern registry, its statistics, calibration targets and the report."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

import cogov.model.studies.patterns as patterns
from cogov.model.scenario.errors import ScenarioError
from cogov.model.studies.patterns import (
    Arm,
    Pattern,
    above,
    below,
    builtin_patterns,
    final,
    loss_gain_ratio,
    measure,
    near,
    read_targets,
    target_patterns,
    within,
)
from cogov.model.studies.validation import COLUMNS, slug
from cogov.model.ui.cli import main
from tests.conftest import ROOT

# Patterns that do not hold in the --fast run (docs/validation.md says why; the full run
# has the same two). A change of model that makes one hold, or breaks another, shows here.
# The patterns of the newer mechanisms and README comparisons (issue 22) that did not hold
# in the fast run of 2026-12-07, before the mechanism fixes of issue 22 (expected to change).
KNOWN_FAILING = {"adaptation_equal_when_need_is_stable", "deffuant_clusters_d_0.1",
                 "security_comprehensive_lowers_recidivism", "security_crime_concentrates",
                 "security_comprehensive_lowers_crime", "security_certainty_beats_severity",
                 "interests_hubs_raise_trust", "shift_source_lowers_crime",
                 "collective_bargaining_lowers_disputes"}
BASE = (ROOT / "scenarios" / "base.yaml").as_posix()


def cheap(name="cheap_holds", check=None) -> Pattern:
    """Cooperators die out on a small lattice at r = 3.5: about 0.1 s a replicate."""
    check = below(0.05) if check is None else check
    arm = Arm("pgg_lattice", {"mechanisms.incentives.r": 3.5, "population.citizens": 100,
                              "steps": 30})
    return Pattern(name, "[Szolnoki2009]", "cooperators die out", "cooperation, final window",
                   {"lattice": arm}, final("cooperation", "lattice", 10), check, "cooperation")


# ------------------------------------------------------------------ criteria
def test_checks_judge_the_whole_interval_or_the_mean():
    assert above(0).holds(0.2, 0.01, 0.4) and not above(0).holds(0.2, -0.01, 0.4)
    assert below(1).holds(0.5, 0.4, 0.6) and not below(1).holds(0.9, 0.8, 1.0)
    assert within(1, 3).holds(2, 1, 3) and not within(1, 3).holds(2, 0.9, 3)
    assert near(2.625, 0.1).holds(2.7, 1.0, 4.0)  # targets: the mean, whatever the spread
    assert not near(2.625, 0.1).holds(2.8, 2.79, 2.81) and str(near(2.625, 0.1)) == "2.625 ± 0.1 (mean)"
    assert not above(0).holds(math.nan, math.nan, math.nan)
    assert [str(c) for c in (above(1), below(0.05), within(0.05, 0.95))] == \
        ["> 1", "< 0.05", "in [0.05, 0.95]"]


# ---------------------------------------------------------------- statistics
def test_loss_gain_ratio_recovers_the_weight_of_losses():
    """Trust learning with rate 0.1 for gains and 0.1 x 2 for losses gives exactly 2."""
    s = np.r_[np.full(31, 0.8), np.full(36, 0.5), np.full(24, 0.8)]  # steps 0..90
    t = np.empty_like(s)
    t[0] = 0.8
    for k in range(1, len(s)):
        rate = 0.1 if s[k] >= t[k - 1] else 0.2
        t[k] = t[k - 1] + rate * (s[k] - t[k - 1])
    runs = {"a": pd.DataFrame({"step": np.arange(len(s)), "trust_gov": t, "satisfaction": s})}
    assert loss_gain_ratio("a", 31, 67)(runs) == pytest.approx(2.0)


# ------------------------------------------------------------------ registry
def test_every_pattern_runs_from_scenario_files_with_its_source_and_a_figure_name():
    refs = (ROOT / "docs/references.md").read_text(encoding="utf-8")
    found = builtin_patterns()
    names = [p.name for p in found]
    assert len(names) == len(set(names)) and len({slug(n) for n in names}) == len(names)
    for p in found:
        for fast in (False, True):
            assert len(p.scenarios(fast)) == len(p.arms)  # every arm validates
        for key in re.findall(r"\[([A-Z][a-z]+\d{4})\]", p.source):
            assert f"**[{key}]**" in refs, (p.name, key)
        assert p.arms and p.claim and p.statistic_text


def test_the_reform_questions_are_patterns_whose_commands_reproduce_the_arms():
    """Issue 23's results are registered claims (issue 22): each arm's printed command
    (scenario file and --set, reforms as YAML flow) gives exactly the arm's scenario."""
    from cogov.model.scenario.files import load_scenario, parse_overrides

    found = {p.name: p for p in builtin_patterns() if p.group == "reforms"}
    assert set(found) == {"reform_no_j_curve", "reform_rollback_returns",
                          "reform_gradual_costs_on_the_way",
                          "reform_budget_cut_same_in_transition",
                          "reform_systemic_shift_first_is_cheaper"}
    for p in found.values():
        for (name, arm), scenario in zip(p.arms.items(), p.scenarios(False), strict=True):
            path, *sets = arm.command().split(" --set ")
            again = load_scenario(ROOT / path, parse_overrides(
                [s.replace("'", "") for s in sets]))
            assert again.replace(name=name).to_dict() == scenario.to_dict(), (p.name, name)
    assert any(s.reforms for s in found["reform_rollback_returns"].scenarios(False))


def test_the_arms_of_a_pattern_share_seeds_and_the_result_does_not_depend_on_workers():
    p = cheap()
    one, two = measure(p, fast=True, seed=3, replicates=3), \
        measure(p, fast=True, seed=3, replicates=3, workers=2)
    assert one.passed and one.n == 3 and list(one.values) == list(two.values)
    assert measure(p, seed=3, replicates=3).values.tolist() == one.values.tolist()


# ----------------------------------------------------- calibration targets
def _write(folder, name, targets: str, preset: str | None = None):
    (folder / "targets").mkdir(parents=True, exist_ok=True)
    (folder / "targets" / f"{name}.yaml").write_text(targets, encoding="utf-8")
    if preset is not None:
        (folder / f"{name}.yaml").write_text(preset, encoding="utf-8")


SMALL_PRESET = (f"extends: {BASE}\nname: tiny\nsteps: 12\nwarmup: 5\n"
                "population: {citizens: 300, districts: 3}\norganizations: {ngos: 9}\n")


def test_no_targets_folder_means_no_target_patterns(tmp_path):
    assert target_patterns(tmp_path) == []


def test_targets_are_read_and_each_becomes_a_pattern_on_its_preset(tmp_path):
    from cogov.model.engine.run import run_scenario
    from cogov.model.engine.seeds import replicate_seeds
    from cogov.model.scenario.files import load_scenario

    _write(tmp_path, "tiny", "targets: []\n", SMALL_PRESET)
    # the value runs of the preset give, so the first target is met and the second is not
    s = load_scenario(tmp_path / "tiny.yaml")
    level = np.mean([run_scenario(s, seed=seed).metrics["trust_gov"].iloc[1:]
                     .tail(s.outputs.window).mean() for seed in replicate_seeds(42, 2)])
    _write(tmp_path, "tiny", f"""targets:
  - metric: trust_gov
    value: {level}
    tolerance: 0.001
    source: "a run of the preset"
  - metric: unmet_need
    statistic: at_step
    step: 12
    value: 5.0
    tolerance: 0.1
""")
    found = target_patterns(tmp_path)
    assert [p.name for p in found] == ["calibrated/tiny: trust_gov", "calibrated/tiny: unmet_need@12"]
    assert found[0].source == "a run of the preset" and found[1].source == "tiny.yaml"
    assert found[0].group == "calibrated" and str(found[0].check) == f"{level:.4g} ± 0.001 (mean)"
    met, missed = (measure(p, replicates=2) for p in found)
    assert met.passed and met.mean == pytest.approx(level)
    assert not missed.passed and 0 <= missed.mean <= 1


def test_bad_targets_name_every_key_path(tmp_path):
    _write(tmp_path, "bad", """targets:
  - metric: trust_gv
    value: high
    tolerance: 0
  - metric: unmet_need
    value: 0.1
    tolerance: 0.01
    statistic: at_step
    weight: 2
""", SMALL_PRESET)
    with pytest.raises(ScenarioError) as err:
        read_targets(tmp_path / "targets" / "bad.yaml")
    text = "\n".join(err.value.errors)
    assert "targets.0.metric: unknown metric 'trust_gv'; did you mean 'trust_gov'" in text
    assert "targets.0.value: expected a finite number" in text and "targets.0.tolerance:" in text
    assert "targets.1.step: required with statistic at_step" in text
    assert "targets.1.weight: unknown key" in text
    _write(tmp_path, "empty", "targets: []\n")
    with pytest.raises(ScenarioError, match="non-empty list"):
        read_targets(tmp_path / "targets" / "empty.yaml")


def test_a_targets_file_without_its_preset_is_an_error(tmp_path):
    _write(tmp_path, "orphan", "targets:\n  - {metric: trust_gov, value: 0.5, tolerance: 0.1}\n")
    with pytest.raises(ScenarioError, match="no preset"):
        target_patterns(tmp_path)


# ----------------------------------------------------------------------- CLI
def test_cli_writes_the_report_and_a_failing_pattern_is_reported_not_fatal(tmp_path, monkeypatch):
    monkeypatch.setattr(patterns, "all_patterns", lambda: [cheap(), cheap("cheap_fails", above(0.5))])
    out = tmp_path / "report"
    assert main(["patterns", "--fast", "--workers", "1", "--out", str(out)]) == 0
    csv = pd.read_csv(out / "patterns.csv")
    assert list(csv.columns) == list(COLUMNS) and csv["pass"].tolist() == [True, False]
    assert csv["scenario"][0].startswith("lattice: scenarios/pgg_lattice.yaml --set ")
    md = (out / "validation.md").read_text(encoding="utf-8")
    assert "**1 of 2 patterns hold.** Not holding: `cheap_fails`" in md
    assert (out / "figures/validation/cheap_fails.png").stat().st_size > 10_000
    assert main(["patterns", "--fast", "--workers", "1", "--out", str(out), "--strict"]) == 1
    assert main(["patterns", "--fast", "--workers", "1", "--out", str(out), "--strict",
                 "--only", "cheap_h"]) == 0


def test_cli_bad_input_exits_2(tmp_path, monkeypatch, capsys):
    assert main(["patterns", "--only", "no_such_pattern", "--out", str(tmp_path)]) == 2
    assert "no pattern named no_such_pattern" in capsys.readouterr().err
    assert main(["patterns", "--replicates", "1", "--out", str(tmp_path)]) == 2
    _write(tmp_path / "calibrated", "bad", "targets:\n  - {metric: hub_levrage, value: 2, tolerance: 1}\n",
           SMALL_PRESET)
    monkeypatch.setattr(patterns, "presets_dir", lambda: tmp_path)
    assert main(["patterns", "--out", str(tmp_path / "report")]) == 2
    assert "targets.0.metric: unknown metric 'hub_levrage'" in capsys.readouterr().err
    assert not (tmp_path / "report").exists()


@pytest.mark.slow
def test_every_pattern_in_the_fast_run(tmp_path):
    """The suite's run of the report (about 1.5 minutes on one core before the patterns of
    the newer mechanisms; their reach, --robustness and the long horizon, has its own
    tests in tests/test_patterns_reach.py)."""
    out = tmp_path / "fast"
    assert main(["patterns", "--fast", "--workers", "1", "--out", str(out), "--no-long"]) == 0
    csv = pd.read_csv(out / "patterns.csv")
    names = [p.name for p in patterns.all_patterns()]
    assert csv["pattern"].tolist() == names
    assert np.isfinite(csv[["measured", "ci_low", "ci_high"]].to_numpy()).all()
    for (_, row), p in zip(csv.iterrows(), patterns.all_patterns(), strict=True):
        assert row["expected"] == str(p.check) and row["n"] >= 2
        assert row["pass"] == p.check.holds(row["measured"], row["ci_low"], row["ci_high"])
        assert (out / "figures/validation" / f"{slug(p.name)}.png").is_file()
    failing = set(csv.loc[~csv["pass"], "pattern"])
    assert failing == KNOWN_FAILING, "update KNOWN_FAILING and docs/validation.md"

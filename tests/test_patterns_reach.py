"""run.py patterns, a claim's reach (issue 22): its assumptions, robust_share over Latin-
hypercube draws of them, and holds_long at three times its horizon. Tiny runs only."""

from __future__ import annotations

import pandas as pd
import pytest

import cogov.model.studies.patterns as patterns
from cogov.model.scenario.parameters import parameters
from cogov.model.studies.patterns import (
    LONG_FACTOR,
    Arm,
    Pattern,
    above,
    assumption_range,
    at_step,
    builtin_patterns,
    candidate_assumptions,
    final,
    measure,
    robustness_draws,
)
from cogov.model.studies.validation import COLUMNS
from cogov.model.ui.cli import main

TINY = {"population.citizens": 100, "steps": 6, "warmup": 0}
KEY = "population.initial_trust.government"


def trust_pattern(name: str = "trust_starts_high") -> Pattern:
    """A claim that depends on an assumption by construction: trust in government after
    one step is above 0.6 only where its initial value (drawn over [0, 1]) is high."""
    return Pattern(name, "test", "trust starts high", "trust_gov at step 1",
                   {"top_down": Arm("top_down", TINY)}, at_step("trust_gov", "top_down", 1),
                   above(0.6), "trust_gov", assumptions=(KEY,), replicates=(2, 2))


def test_a_claim_that_depends_on_an_assumption_holds_in_some_draws_only():
    m = measure(trust_pattern(), fast=True, seed=5, robustness=8)
    rb = m.robustness
    assert rb.assumptions == (KEY,) and rb.ranges == {KEY: (0.0, 1.0)}
    assert len(rb.draws) == 8 and rb.invalid == 0
    assert 0 < m.robust_share < 1
    # the claim holds exactly in the draws whose initial trust is high, so it is the
    # assumption, not noise, that decides (and the draw reached the arm)
    held = sorted(d.draw[KEY] for d in rb.draws if d.passed)
    failed = sorted(d.draw[KEY] for d in rb.draws if not d.passed)
    assert max(failed) < min(held)
    # a Latin hypercube: one draw in each eighth of the range
    assert sorted(int(d.draw[KEY] * 8) for d in rb.draws) == list(range(8))


def test_the_same_seed_gives_the_same_robust_share_and_another_seed_other_draws():
    p = trust_pattern()
    one, two = (measure(p, fast=True, seed=5, robustness=3) for _ in range(2))
    assert one.robust_share == two.robust_share
    assert [d.draw for d in one.robustness.draws] == [d.draw for d in two.robustness.draws]
    assert [d.mean for d in one.robustness.draws] == [d.mean for d in two.robustness.draws]
    other = robustness_draws(p, 3, seed=6)[1]
    assert other != [d.draw for d in one.robustness.draws]


def test_holds_long_runs_every_arm_at_three_times_its_steps():
    p = Pattern("two_arms", "test", "x", "y",
                {"a": Arm("top_down", TINY), "b": Arm("top_down", {**TINY, "steps": 4})},
                final("trust_gov", "a", 2), above(0.0), "trust_gov", replicates=(2, 2))
    assert [s.steps for s in p.scenarios(True, steps_factor=LONG_FACTOR)] == [18, 12]
    m = measure(p, fast=True, seed=1, long=True)
    assert m.long.steps == (6 * LONG_FACTOR, 4 * LONG_FACTOR)
    ts = m.timeseries
    assert ts.groupby("scenario")["step"].max().to_dict() == {"a": 6, "b": 4}
    assert m.holds_long is True and m.long.mean != m.mean


def test_every_builtin_pattern_declares_assumptions_that_are_assumptions_with_ranges():
    kinds = {p.key: p.kind for p in parameters()}
    for p in builtin_patterns():
        keys = p.assumed()
        assert keys, p.name
        for key in keys:
            assert kinds[key] == "assumption", (p.name, key)
            assert not any(key in arm.overrides for arm in p.arms.values()), (p.name, key)
        for entry in p.assumptions or ():
            if entry.endswith("."):  # a prefix picks candidates: it must pick some
                assert any(k.startswith(entry) for k in candidate_assumptions(p)), (p.name, entry)


def test_open_ranges_are_drawn_around_the_value():
    assert assumption_range("mechanisms.trust.rate", 0.1) == (0.0, 1.0)
    assert assumption_range("mechanisms.law.capacity", 60.0) == (30.0, 120.0)
    assert assumption_range("mechanisms.credit.budget", 0.0) == (0.0, 0.0)
    assert assumption_range("mechanisms.unrest.enforcement", 2.0) == (1.0, 4.0)


def test_cli_writes_the_reach_columns(tmp_path, monkeypatch):
    monkeypatch.setattr(patterns, "all_patterns", lambda: [trust_pattern()])
    out = tmp_path / "report"
    assert main(["patterns", "--fast", "--workers", "1", "--out", str(out),
                 "--robustness", "3"]) == 0
    csv = pd.read_csv(out / "patterns.csv")
    assert list(csv.columns) == list(COLUMNS)
    assert list(COLUMNS[:12]) == ["pattern", "group", "source", "expected", "statistic",
                                  "measured", "ci_low", "ci_high", "n", "pass", "values",
                                  "scenario"]
    row = csv.iloc[0]
    assert row["assumptions"] == KEY and row["robust_draws"] == 3
    assert 0 <= row["robust_share"] <= 1 and row["holds_long"] in (True, False)
    md = (out / "validation.md").read_text(encoding="utf-8")
    assert "| holds at 3× steps | robust share | general |" in md
    assert main(["patterns", "--robustness", "-1", "--out", str(tmp_path / "x")]) == 2


@pytest.mark.parametrize("presets", [("law_based", "law_discretion"),
                                     ("security_strike_only", "security_comprehensive"),
                                     ("emergency_network", "emergency_alone"),
                                     ("interests_hubs", "interests_none"),
                                     ("credit_rewards", "credit_sanctions"), ("four_shifts",)])
def test_the_newer_mechanisms_headline_comparisons_are_patterns(presets):
    """Issue 22: the headline comparisons of docs/model.md 7.16a, 7.18a, 7.21-7.24 and the
    README are registered patterns, each with assumptions of its own mechanism."""
    found = [p for p in builtin_patterns()
             if set(presets) <= {arm.preset for arm in p.arms.values()}]
    assert found, presets
    for p in found:
        assert p.group in ("mechanisms", "reforms") and p.assumptions

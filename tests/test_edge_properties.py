"""Every value the validator accepts runs clean (issue 26): a standing property test.

Hypothesis draws scenarios over the whole declared space of the numeric keys, read from
their declarations (:func:`cogov.model.scenario.parameters.parameters`: key, default, lo,
hi), not listed by hand: each example moves a random subset of the keys, each to an edge
(0, the lowest and highest value, the smallest positive float, the resolution, huge values
within the bounds) or anywhere in its range, with every mechanism on. A tiny model is built
and run (100-200 citizens, 3 steps, warm-up 2). The outcome must be either a
:class:`ScenarioError` (the command line's clean exit 2 naming the key) or a run in which
no metric documented as never NaN is NaN or infinite, the ledger balances (error < 1e-9)
and no stock of money (treasury, reserve, hubs' and NGOs' cash, the early-warning fund) is
negative.

A fixed number of examples runs in CI (derandomised, so every run draws the same ones);
``COGOV_FUZZ_EXAMPLES=2000`` draws more, at random.
"""

from __future__ import annotations

import math
import os
from typing import Literal, get_args, get_origin

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cogov.model import GovernanceModel, Scenario
from cogov.model.scenario.errors import ScenarioError
from cogov.model.scenario.parameters import parameters
from cogov.model.scenario.schema import leaf_type
from cogov.model.scenario.sections import RESOLUTION
from cogov.model.sim.reporters import METRICS
from tests.test_properties import NAN_OK, check_money

STEPS, WARMUP = 3, 2
EXAMPLES = int(os.environ.get("COGOV_FUZZ_EXAMPLES", "0") or 0)
TINY = 5e-324  # the smallest positive float
# fixed by the test (a tiny model), or not numbers to draw
FIXED = {"seed", "steps", "warmup", "population.citizens"}


def _numeric(p) -> bool:
    if p.lo is None or p.key in FIXED or p.key.startswith(("shocks.", "reforms.")):
        return False
    tp = leaf_type(p.key.replace(".N.", ".0."))
    return tp in (int, float)


NUMERIC = [p for p in parameters() if _numeric(p)]
SWITCHES = [p.key for p in parameters() if p.key.endswith(".enabled")]
CHOICES = {p.key: [c for c in get_args(leaf_type(p.key)) if c != "file"]
           for p in parameters() if not p.key.startswith(("shocks.", "reforms."))
           and get_origin(leaf_type(p.key)) is Literal}
GOVERNANCE = [p.key for p in parameters() if p.key.startswith("governance.")]
SHOCK = [p for p in parameters() if p.key.startswith("shocks.N.") and p.lo is not None]


# a tiny model with every mechanism on (credit rewards are paid from a credit budget)
BASE = {"steps": STEPS, "warmup": WARMUP, "population.agents": "none",
        "mechanisms.incentives.warmup": 20, "mechanisms.credit.budget": 0.05,
        **{key: True for key in SWITCHES}}


def test_every_numeric_key_has_an_upper_bound():
    """The property test can draw only from a bounded space; an unbounded key was how 1e12
    officers or 1e6 NGOs got in."""
    assert [p.key for p in NUMERIC if p.hi is None] == []
    assert len(NUMERIC) > 200


def value(p):
    """A strategy for one key: its edges, or anywhere in [lo, hi]."""
    tp = leaf_type(p.key.replace(".N.", ".0."))
    lo, hi = p.lo, p.hi
    if tp is int:
        lo, hi = int(lo), int(hi)
        spread = st.integers(0, max(0, int(math.log2(max(1, hi - lo))))).map(
            lambda b: min(hi, lo + 2 ** b - 1))  # every order of magnitude
        return st.one_of(st.sampled_from(sorted({lo, hi, min(hi, lo + 1)})),
                         st.integers(lo, hi), spread)
    lo, hi = float(lo), float(hi)
    edges = st.sampled_from(sorted({lo, hi, min(hi, lo + RESOLUTION), min(hi, max(lo, 1.0))}))
    magnitudes = st.floats(math.log10(max(lo, RESOLUTION)), math.log10(hi)).map(
        lambda e: min(hi, max(lo, 10.0 ** e)))
    anywhere = st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    # the smallest positive float, and lo plus it, are below the resolution: rejected
    # cleanly, so drawn less often than the values that run
    return st.one_of(edges, edges, magnitudes, magnitudes, anywhere,
                     st.sampled_from([TINY, lo + TINY]))


@st.composite
def scenarios(draw) -> dict:
    """Changes to the default scenario: a tiny model, every mechanism on, some keys moved."""
    n = draw(st.integers(100, 200))
    changes = {**BASE, "population.citizens": n}
    changes |= {key: draw(st.booleans()) for key in GOVERNANCE}
    size = draw(st.sampled_from([1, 3, 10, 30]))  # how many keys an example moves
    for p in draw(st.lists(st.sampled_from(NUMERIC), min_size=1, max_size=size)):
        changes[p.key] = draw(value(p))
    for key in draw(st.lists(st.sampled_from(sorted(CHOICES)), max_size=size // 3)):
        if key not in ("population.agents", "network.kind"):
            changes[key] = draw(st.sampled_from(CHOICES[key]))
    if draw(st.booleans()):
        shock = {p.key.split(".")[-1]: draw(value(p)) for p in SHOCK if draw(st.booleans())}
        shock["step"] = draw(st.integers(1, STEPS))
        shock["kind"] = draw(st.sampled_from(CHOICES.get("shocks.N.kind") or
                                             list(get_args(leaf_type("shocks.0.kind")))))
        shock.pop("until", None)
        shock.pop("where", None)
        changes["shocks"] = [shock]
    return changes


def _moved(changes: dict) -> dict:
    return {k: v for k, v in changes.items()
            if not (k.endswith(".enabled") and v is True) and k not in ("steps", "warmup")}


def check(changes: dict) -> str:
    """'invalid' (a clean ScenarioError) or 'ran'; an AssertionError says what broke."""
    try:
        scenario = Scenario().replace(**changes)
    except ScenarioError:
        return "invalid"
    try:
        m = GovernanceModel(scenario, seed=1)
    except Exception as exc:
        raise AssertionError(f"set-up raised {exc!r} for {_moved(changes)}") from exc
    for _ in range(STEPS):
        try:
            m.step()
        except Exception as exc:
            raise AssertionError(f"step {m.steps} raised {exc!r} for {_moved(changes)}") from exc
        row = m.datacollector.get_model_vars_dataframe().iloc[-1]
        where = f"step {m.steps} of {_moved(changes)}"
        bad = [k for k in METRICS if not np.isfinite(row[k])
               and not (k in NAN_OK and np.isnan(row[k]))]
        assert not bad, f"non-finite metrics {bad} at {where}"
        assert not check_money(m), f"{check_money(m)} at {where}"
        assert row["ledger_error"] < 1e-9, f"ledger error {row['ledger_error']} at {where}"
    return "ran"


def test_the_base_is_valid_and_runs():
    assert check({**BASE, "population.citizens": 100}) == "ran"


@settings(max_examples=EXAMPLES or 40, deadline=None, derandomize=not EXAMPLES, database=None,
          suppress_health_check=list(HealthCheck))
@given(scenarios())
def test_every_accepted_scenario_runs_clean(changes):
    check(changes)

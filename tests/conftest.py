"""Shared helpers: small, fast scenarios built from the defaults."""

from __future__ import annotations

from pathlib import Path

# Imported now, while the worker starts, not at the end: Hypothesis's pytest plug-in imports
# the whole package in its terminal summary, which a pytest-xdist worker runs after it has
# reported "finished". A worker that ran no Hypothesis test spent 0.1-1.5 s there (more on a
# loaded machine); execnet sends a worker still busy 5 s after the controller's shutdown a
# SIGINT (execnet/gateway_base.py, _terminate_execution), hence the stray KeyboardInterrupt
# traceback at the end of `make test` (issue 25, item 9). tests/test_test_suite.py checks it.
import hypothesis  # noqa: F401
import pytest

from cogov.model import GovernanceModel, Scenario
from cogov.model.engine.run import run_scenario
from cogov.model.engine.seeds import replicate_seeds

ROOT = Path(__file__).resolve().parent.parent
PRESETS = ("top_down", "responsive_top_down", "collaborative", "adaptive")


class UnlimitedTreasury:
    """A government stand-in that pays for everything (for mechanism unit tests)."""

    treasury = float("inf")

    def pay(self, amount, account):
        return amount

    def pay_all(self, amount, account):
        return True

    def pay_each(self, unit_cost, count, account):
        return count


def small(**overrides) -> Scenario:
    """Default scenario shrunk to 400 citizens and 40 steps, plus dotted overrides."""
    base = {"population.citizens": 400, "population.districts": 4, "organizations.ngos": 12,
            "steps": 40}
    base.update(overrides)
    return Scenario().replace(**base)


def final(scenario: Scenario, metric: str, seeds=(1, 2, 3), window: int = 10) -> float:
    """Mean over seeds of a metric's mean over the last ``window`` steps."""
    values = []
    for seed in seeds:
        m = run_scenario(scenario, seed=seed).metrics
        values.append(m[metric].iloc[-window:].mean())
    return sum(values) / len(values)


def run_model(scenario: Scenario, seed: int = 1, steps: int | None = None) -> GovernanceModel:
    """Build and run a model, returning it for inspection."""
    model = GovernanceModel(scenario, seed=seed)
    model.run(steps)
    return model


@pytest.fixture
def seeds5():
    """Five spawned replicate seeds."""
    return replicate_seeds(7, 5)

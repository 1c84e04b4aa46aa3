"""Figures draw the metrics of the mechanisms that are on, and only those."""

from cogov.model.plots import MAIN_METRICS, metrics_to_draw
from cogov.model.runner import run_scenario
from tests.conftest import small


def drawn(**keys):
    return metrics_to_draw(run_scenario(small(steps=12, **keys), seed=1).metrics)


def test_core_runs_draw_the_main_metrics_only():
    assert drawn() == MAIN_METRICS
    assert drawn(**{"governance.collaboration": True}) == MAIN_METRICS


def test_ecology_metrics_appear_with_their_mechanisms():
    # co-production off: with it, need is met well enough that no cell needs incubation;
    # warmup 0: the warm-up fills the gaps before step 1, so the NGO count would not change
    names = drawn(**{"governance.collaboration": True, "organizations.ngos": 4, "warmup": 0,
                     "mechanisms.incentives.enabled": False,
                     "mechanisms.incubation.enabled": True,
                     "mechanisms.collective_bargaining.enabled": True,
                     "mechanisms.collective_bargaining.rate": 0.2})
    assert {"ngo_count", "contract_coverage", "labour_disputes"} <= set(names)
    assert "project_failures" not in names

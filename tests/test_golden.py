"""Golden trajectories: the presets' numbers for a fixed seed.

These catch unintended changes to any random stream or equation (a refactoring
that reorders two draws changes every published number without failing any
other test). When a change is meant to alter results, update the values here and
say so in the commit message and the issue note.
"""

import pytest

from model import load_scenario
from model.runner import run_scenario
from tests.conftest import ROOT

SMALL = {"population.citizens": 400, "population.districts": 4, "organizations.ngos": 12,
         "steps": 40}
GOLDEN = {
    "top_down": {"trust_gov": 0.6037741335527677, "unmet_need": 0.38390911199146394,
                 "cooperation": 0.0875, "social_funds": 0.0},
    "adaptive": {"trust_gov": 0.8335586412575319, "unmet_need": 0.14612175639102068,
                 "cooperation": 0.0875, "social_funds": 100.0},
    "incident_adaptive": {"trust_gov": 0.6799050411872776, "unmet_need": 0.2402530346653363,
                          "unrest": 0.0075, "disputes_open": 3.0},
}


@pytest.mark.parametrize("preset", GOLDEN)
def test_preset_trajectory_is_unchanged(preset):
    s = load_scenario(ROOT / f"scenarios/{preset}.yaml", SMALL)
    last = run_scenario(s, seed=7).metrics.iloc[-1]
    for metric, value in GOLDEN[preset].items():
        assert last[metric] == pytest.approx(value, rel=1e-9, abs=1e-12), metric

"""Golden trajectories: the presets' numbers for a fixed seed.

These catch unintended changes to any random stream or equation (a refactoring
that reorders two draws changes every published number without failing any
other test). When a change is meant to alter results, update the values here and
say so in the commit message and the issue note.
"""

import pytest

from cogov.model import load_scenario
from cogov.model.engine.run import run_scenario
from tests.conftest import ROOT

SMALL = {
    "population.citizens": 400,
    "population.districts": 4,
    "organizations.ngos": 12,
    "steps": 40,
}
GOLDEN = {
    "incident_top_down": {
        "trust_gov": 0.8465396318337725,
        "unmet_need": 0.3296748471233323,
        "opinion_mean": 0.8283639024610514,
        "unrest": 0.0,
        "arrests": 0.0,
        "disputes_open": 2.0,
    },
    "top_down": {
        "trust_gov": 0.8584525784980954,
        "unmet_need": 0.42672568156605084,
        "cooperation": 0.9075,
        "social_funds": 0.0,
        "satisfaction": 0.8875196442893841,
    },
    "adaptive": {
        "trust_gov": 0.9438880072865947,
        "trust_ngo": 0.9999621166230627,
        "unmet_need": 0.13655003958877024,
        "cooperation": 0.9075,
        "social_funds": 93.417677931002,
    },
    "incident_adaptive": {
        "trust_gov": 0.913752675687931,
        "unmet_need": 0.1595141297525519,
        "opinion_mean": 0.878247915244763,
        "unrest": 0.0,
        "arrests": 0.0,
        "disputes_resolved": 0.0,
    },
}


@pytest.mark.parametrize("preset", GOLDEN)
def test_preset_trajectory_is_unchanged(preset):
    s = load_scenario(ROOT / f"scenarios/{preset}.yaml", SMALL)
    last = run_scenario(s, seed=7).metrics.iloc[-1]
    for metric, value in GOLDEN[preset].items():
        assert last[metric] == pytest.approx(value, rel=1e-9, abs=1e-12), metric

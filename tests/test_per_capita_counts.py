"""Counts that grow with the population have per-capita twins (issue 22, finding 12).

``disputes_open`` and ``labour_disputes`` are counts: five times the citizens, about five
times the disputes. ``disputes_open_per_1000`` and ``labour_disputes_per_1000`` are the
same counts per 1,000 citizens, and must agree between 500 and 2,500 citizens within
noise (95 % intervals that overlap, or within 15 %), while the counts must not.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from scipy import stats

from cogov.model import load_scenario
from cogov.model.engine.run import run_scenario
from tests.conftest import ROOT

SEEDS = (1, 2, 3)
SIZES = (500, 2500)
# top-down management (disputes pile up) with the firm layer (labour disputes)
SETS = {"mechanisms.mediation.enabled": True, "mechanisms.collective_bargaining.enabled": True,
        "steps": 80}


@cache
def finals(n: int) -> dict[str, np.ndarray]:
    s = load_scenario(ROOT / "scenarios/top_down.yaml", {**SETS, "population.citizens": n})
    out: dict[str, list] = {}
    for seed in SEEDS:
        df = run_scenario(s, seed=seed).metrics
        body = df[df["step"] > 0]
        assert np.allclose(body["disputes_open_per_1000"], 1000 * body["disputes_open"] / n)
        assert np.allclose(body["labour_disputes_per_1000"], 1000 * body["labour_disputes"] / n)
        for col in ("disputes_open", "labour_disputes", "disputes_open_per_1000",
                    "labour_disputes_per_1000"):
            out.setdefault(col, []).append(float(body[col].tail(s.outputs.window).mean()))
    return {k: np.array(v) for k, v in out.items()}


def ci(x: np.ndarray) -> tuple[float, float]:
    return float(x.mean()), float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))


@pytest.mark.slow
@pytest.mark.parametrize("count", ["disputes_open", "labour_disputes"])
def test_per_1000_agrees_across_population_sizes_and_the_count_does_not(count):
    small, large = finals(SIZES[0]), finals(SIZES[1])
    (a, ha), (b, hb) = ci(small[f"{count}_per_1000"]), ci(large[f"{count}_per_1000"])
    assert b > 0
    assert abs(a - b) <= max(ha + hb, 0.15 * max(a, b)), (a, ha, b, hb)
    # the raw count grows with the population: it is not comparable across sizes
    assert large[count].mean() > 3 * small[count].mean()

"""Size invariance: per-capita results do not depend on how many citizens are simulated.

Every preset in scenarios/ is run at 500, 2,500 and 10,000 citizens (a lattice at the
nearest square, 484), 3 replicates of its default length, and compared on per-capita
final-window metrics. At each of 500 and 2,500 citizens a metric agrees with 10,000
when the two 95 % confidence intervals overlap or the means differ by less than a
documented tolerance (``TOLERANCE``: absolute, or relative where marked; docs/model.md
section 10). Every paired comparison the README reports (``PAIRS``) must keep its sign
at all three sizes.

Slow (about 2 minutes in all on one core); run it alone with
    python -m pytest -p no:cacheprovider -m slow tests/test_size_invariance.py
"""

from __future__ import annotations

import fcntl
import math
import os
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from cogov.model.engine.run import run_scenario
from cogov.model.engine.seeds import replicate_seeds
from cogov.model.scenario.files import load_scenario
from tests.conftest import ROOT

SIZES = (500, 2500, 10_000)
REPLICATES = 3
# deffuant.yaml is a literature replication on a complete graph, which is capped at 5,000
# citizens; tests/test_opinion.py checks its cluster counts at 500 and 2,500
PRESETS = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml") if p.stem != "deffuant")
PER_THOUSAND = ("disputes_open", "arrests")
# metric: (tolerance, relative?, absolute floor) -- differences below max(tolerance (x the
# larger mean if relative), floor) are immaterial for the model's use
TOLERANCE = {
    "unmet_need": (0.02, False, 0.0),
    "trust_gov": (0.02, False, 0.0),
    "trust_ngo": (0.02, False, 0.0),
    "satisfaction": (0.02, False, 0.0),
    "cooperation": (0.03, False, 0.0),
    "disputes_open": (0.10, True, 0.1),  # per 1,000 citizens; floor: 1 dispute at 10,000
    # the model's own per-1,000 columns (issue 22), already per capita: the same tolerance
    "disputes_open_per_1000": (0.10, True, 0.1),
    "labour_disputes_per_1000": (0.10, True, 0.1),
    "arrests": (0.10, True, 0.05),  # per 1,000 citizens
    "cost_per_need": (0.03, True, 0.0),
    # public security (7.23; 0 in presets without it): crime per 1,000 citizens within 10 %,
    # shares within 0.02-0.05 (concentration: a share of few offences per place at 500)
    "crime_rate": (0.10, True, 0.0),
    "victimisation": (0.01, False, 0.0),
    "crime_concentration": (0.05, False, 0.0),
    "recidivism": (0.05, False, 0.0),
    "guardianship": (0.02, False, 0.0),
    "clearance_rate": (0.02, False, 0.0),
}
# (A, B, metric, sign of A − B) as the README reports them
PAIRS = [
    ("adaptive", "top_down", "unmet_need", -1),
    ("adaptive", "top_down", "trust_gov", +1),
    ("collaborative", "top_down", "unmet_need", -1),
    ("adaptive", "collaborative", "unmet_need", -1),
    ("hub_strategy", "hub_strategy_fixed", "unmet_need", -1),
    ("projects_best_value", "projects_lowest_price", "ngo_default_rate", -1),
    ("projects_best_value", "projects_lowest_price", "unmet_need", -1),
    ("incubation", "no_incubation", "unmet_need", -1),
    ("credit_sharing", "credit_isolated", "ngo_default_rate", -1),
    ("credit_rewards", "credit_sanctions", "ngo_default_rate", +1),
    ("resource_sharing", "adaptive", "unmet_need", -1),
    ("relocation_adaptive", "relocation_top_down", "relocation_unmet", -1),
    ("collective_bargaining", "no_collective_bargaining", "labour_disputes", -1),
    ("collective_bargaining", "no_collective_bargaining", "mediation_cost", -1),
    ("incident_adaptive", "incident_top_down", "disputes_open", -1),
    ("incident_adaptive", "incident_top_down", "unrest", -1),
    ("incident_adaptive", "incident_top_down", "trust_gov", +1),
    ("mediation_procedure", "mediation_referral", "disputes_open", -1),
    ("mediation_procedure", "mediation_referral", "petitions", -1),
    ("mediation_procedure", "mediation_referral", "disputes_recurred", -1),
    ("opinion_responsive", "opinion_unresponsive", "unmet_need", -1),
    ("opinion_responsive", "opinion_unresponsive", "trust_gov", -1),
    ("emergency_network", "emergency_alone", "emergency_response_time", -1),
    ("interests_hubs", "interests_none", "unmet_need", -1),
    ("interests_hubs", "interests_none", "trust_gov", +1),
    ("law_based", "law_discretion", "procedural_justice", +1),
    ("law_based", "law_discretion", "legitimacy", +1),
    ("law_based", "law_discretion", "violations", -1),
    ("law_based", "law_discretion", "sanctions", -1),
    ("law_based", "law_discretion", "unmet_need", -1),
    # crime_rate: no sign claimed at the presets' horizon since issue 22 (−0.2, CI −1.6 to
    # +1.3 at step 100; README)
    ("security_comprehensive", "security_strike_only", "crime_concentration", -1),
    ("security_comprehensive", "security_strike_only", "recidivism", -1),
    ("security_comprehensive", "security_strike_only", "guardianship", +1),
]
WHOLE_RUN = {"ngo_default_rate"}  # the README reports these over the whole run


def citizens(preset: str, n: int) -> int:
    s = load_scenario(ROOT / "scenarios" / f"{preset}.yaml")
    return math.isqrt(n) ** 2 if s.network.kind == "lattice" else n


SHARED: list[Path] = []  # with pytest-xdist: a folder all workers of this run share


@pytest.fixture(autouse=True, scope="module")
def _share_runs_between_workers(tmp_path_factory):
    """Under pytest-xdist the presets' runs are computed once and shared through files, so
    the README pairs below need not run a preset again on another worker."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        SHARED[:] = [tmp_path_factory.getbasetemp().parent]
    yield
    SHARED.clear()


@cache
def finals(preset: str, n: int) -> dict[str, np.ndarray]:
    """Per replicate: final-window mean of every metric (per 1,000 citizens where marked),
    plus whole-run means under ``run:<metric>`` (computed once per test run: see above)."""
    if not SHARED:
        return compute_finals(preset, n)
    path = SHARED[0] / f"size-invariance-{preset}-{n}.npz"
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker computing it: wait for its file
        if path.exists():
            with np.load(path) as stored:
                return {k: stored[k] for k in stored.files}
        out = compute_finals(preset, n)
        np.savez(path.with_suffix(".tmp.npz"), **out)
        path.with_suffix(".tmp.npz").replace(path)
        return out


def sized(preset: str, size: int) -> list[str]:
    """A preset's overrides at ``size`` citizens. On Epstein's grid (docs/model.md 7.12) the
    grid grows with the city at his density of 0.7 citizens per cell (40 x 40 cells hold at
    most 1,536), and the check runs the vectorised schedule: the sequential one is a Python
    loop over agents, meant for his 1,120."""
    sets = [f"population.citizens={size}"]
    if preset == "epstein":
        side = math.ceil(math.sqrt(size / 0.7))
        sets += [f"mechanisms.unrest.grid.width={side}", f"mechanisms.unrest.grid.height={side}",
                 "mechanisms.unrest.grid.update=synchronous"]
    return sets


def compute_finals(preset: str, n: int) -> dict[str, np.ndarray]:
    """The runs behind :func:`finals`."""
    size = citizens(preset, n)
    s = load_scenario(ROOT / "scenarios" / f"{preset}.yaml", sized(preset, size))
    out: dict[str, list] = {}
    for seed in replicate_seeds(2024, REPLICATES):
        m = run_scenario(s, seed=seed).metrics
        body = m[m["step"] > 0]
        window = body.tail(s.outputs.window)
        for col in body.columns:
            scale = 1000.0 / size if col in PER_THOUSAND or col == "labour_disputes" else 1.0
            out.setdefault(col, []).append(float(window[col].mean()) * scale)
            out.setdefault(f"run:{col}", []).append(float(body[col].mean()) * scale)
    return {k: np.array(v) for k, v in out.items()}


def ci(values: np.ndarray) -> tuple[float, float]:
    mean = float(np.mean(values))
    half = float(stats.t.ppf(0.975, len(values) - 1) * np.std(values, ddof=1) / np.sqrt(len(values)))
    return mean, half


def disagreements(preset: str) -> list[str]:
    ref = finals(preset, SIZES[-1])
    out = []
    for n in SIZES[:-1]:
        here = finals(preset, n)
        for metric, (tol, relative, floor) in TOLERANCE.items():
            (a, ha), (b, hb) = ci(here[metric]), ci(ref[metric])
            if math.isnan(a) and math.isnan(b):
                continue
            allowed = max(tol * max(abs(a), abs(b)) if relative else tol, floor)
            overlap = abs(a - b) <= ha + hb
            if not (overlap or abs(a - b) <= allowed):
                out.append(f"{metric}: {a:.4g} ± {ha:.2g} at {citizens(preset, n)} vs "
                           f"{b:.4g} ± {hb:.2g} at {citizens(preset, SIZES[-1])} "
                           f"(tolerance {tol:g}{' relative' if relative else ''})")
    return out


@pytest.mark.slow
@pytest.mark.parametrize("preset", PRESETS)
def test_per_capita_metrics_do_not_depend_on_population_size(preset):
    bad = disagreements(preset)
    assert not bad, f"{preset}:\n  " + "\n  ".join(bad)


@pytest.mark.slow
@pytest.mark.parametrize("a,b,metric,sign", PAIRS, ids=[f"{a}-{b}-{m}" for a, b, m, _ in PAIRS])
def test_readme_comparisons_keep_their_sign_at_every_size(a, b, metric, sign):
    key = f"run:{metric}" if metric in WHOLE_RUN else metric
    diffs = {citizens(a, n): float(np.mean(finals(a, n)[key]) - np.mean(finals(b, n)[key]))
             for n in SIZES}
    wrong = {n: round(d, 4) for n, d in diffs.items() if np.sign(d) != sign}
    assert not wrong, f"{a} − {b} in {metric} should be {'+' if sign > 0 else '−'}: {diffs}"

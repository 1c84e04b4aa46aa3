"""Identification study: which parameters can `run.py calibrate` recover from which moments?

Synthetic data: the adaptive preset (400 citizens, 30 steps, warm-up 10) at known
parameter values; the "observed" moments are means over 10 runs on seeds the
calibration never uses. The script then calibrates four parameters from those
moments and reports, per parameter:

- the recovered value and its error (relative to the searched range);
- the local standard error from the moments' slopes at the true values,
  SE = sqrt(diag((G' W G)^-1)) with G = d moments / d parameters (central
  differences, common random numbers) and W = diag(1 / tolerance^2): the MSM
  formula [McFadden1989] read with the tolerances as the moments' standard errors;
- a slice of the objective along each parameter, the others at their true
  values: the share of the range where J stays within 4 of the slice's minimum
  (about a 95 % region when the tolerances are standard errors); close to 100 %
  means the targets do not pin the parameter down even when the others are known;
- the objective at the true values beside the best one found, and the span of
  each parameter over the trials within 4 of the best (TPE samples densely only
  where it has found good values, so this span understates a flat direction).

It runs three studies: every target with TPE, the same with CMA-ES, and TPE
without resource_leverage, to show what goes when one moment is dropped.

    .venv/bin/python examples/identification.py            # about 5 minutes on one core
    .venv/bin/python examples/identification.py --trials 60 --out out/identification
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETTINGS = {"population.citizens": 400, "warmup": 10, "steps": 30,
            "mechanisms.incentives.warmup": 200}
TRUE = {"budget.per_capita": 0.7, "mechanisms.resources.social_capacity": 0.25,
        "mechanisms.trust.rate": 0.15, "mechanisms.trust.basis": 0.5}
BOUNDS = {"budget.per_capita": (0.4, 1.2), "mechanisms.resources.social_capacity": (0.0, 0.5),
          "mechanisms.trust.rate": (0.02, 0.4), "mechanisms.trust.basis": (0.1, 0.9)}
# Tolerances: about the standard error of the gap between the observed mean (10 runs)
# and a trial's mean (3 runs), 0.63 x the replicate sd at the true values (unmet need
# 0.03, trust in government 0.035, cooperation 0.08), so that J is roughly chi-squared;
# moments with almost no run-to-run noise (leverage, NGO trust after the warm-up) get
# the precision one could hope to measure them with.
MOMENTS = [
    {"metric": "unmet_need", "tolerance": 0.02},
    {"metric": "resource_leverage", "tolerance": 0.02},
    {"metric": "trust_ngo", "statistic": "at_step", "step": 0, "tolerance": 0.005},
    {"metric": "trust_gov", "statistic": "mean", "tolerance": 0.02},
    {"metric": "cooperation", "tolerance": 0.05},
]
STUDIES = [  # name, targets, sampler
    ("all_targets", MOMENTS, "tpe"),
    ("all_targets_cmaes", MOMENTS, "cmaes"),
    ("no_leverage", [m for m in MOMENTS if m["metric"] != "resource_leverage"], "tpe"),
]


def simulated(point: dict, targets, seeds) -> list[float]:
    """Mean over ``seeds`` of each target's statistic at ``point``."""
    import numpy as np

    from cogov.model.engine.run import run_scenario
    from cogov.model.scenario.files import load_scenario
    from cogov.model.studies.targets import moment

    scenario = load_scenario("adaptive", {**SETTINGS, **point})
    runs = [run_scenario(scenario, seed=s).metrics for s in seeds]
    return [float(np.mean([moment(t, m, scenario.outputs.window) for m in runs]))
            for t in targets]


def local_se(targets, seeds) -> dict:
    """Standard errors from the moments' slopes at the true values (central differences)."""
    import numpy as np

    columns = []
    for key, (lo, hi) in BOUNDS.items():
        h = 0.05 * (hi - lo)
        up = simulated({**TRUE, key: TRUE[key] + h}, targets, seeds)
        down = simulated({**TRUE, key: TRUE[key] - h}, targets, seeds)
        columns.append((np.array(up) - np.array(down)) / (2 * h))
    g = np.column_stack(columns) / np.array([[t.tolerance] for t in targets])
    info = g.T @ g
    try:
        cov = np.linalg.inv(info)
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:
        se = np.full(len(BOUNDS), np.inf)
    return dict(zip(BOUNDS, se, strict=True))


_CHECKS: dict = {}


def objective_slices(targets, seeds, points: int = 11) -> tuple[float, dict]:
    """J at the true values, and per parameter the share of its range where J, with the
    other parameters held at their true values, stays within 4 of the slice's minimum."""
    import numpy as np

    from cogov.model.studies.calibrate import objective

    at_truth = objective(simulated(TRUE, targets, seeds), targets)
    widths = {}
    for key, (lo, hi) in BOUNDS.items():
        grid = np.linspace(lo, hi, points)
        j = np.array([objective(simulated({**TRUE, key: float(x)}, targets, seeds), targets)
                      for x in grid])
        inside = grid[j <= j.min() + 4]
        widths[key] = 100 * (inside.max() - inside.min()) / (hi - lo)
    return at_truth, widths


def study(name: str, spec: list[dict], sampler: str, args) -> list[dict]:
    from cogov.model.engine.seeds import replicate_seeds
    from cogov.model.studies.calibrate import calibrate
    from cogov.model.studies.targets import parse_targets

    targets = parse_targets([{**s, "value": 0.0} for s in spec])
    observed = simulated(TRUE, targets, replicate_seeds(args.data_seed, 10))
    data = [{**s, "value": v, "source": f"synthetic: adaptive at {TRUE}"}
            for s, v in zip(spec, observed, strict=True)]
    start = time.perf_counter()
    result = calibrate("adaptive", data, BOUNDS, trials=args.trials, replicates=3,
                       seed=args.seed, overrides=SETTINGS, workers=args.workers,
                       out=args.out / name, sampler=sampler, progress=True)
    seconds = time.perf_counter() - start
    seeds = replicate_seeds(args.seed, 3)  # the calibration's own seeds
    key = tuple(t["metric"] for t in spec)
    if key not in _CHECKS:  # slopes and slices depend on the targets, not the sampler
        _CHECKS[key] = (local_se(parse_targets(data), seeds),
                        *objective_slices(parse_targets(data), seeds))
    se, at_truth, widths = _CHECKS[key]
    ok = result.trials[result.trials["status"] == "ok"]
    near = ok[ok["objective"] <= result.best_objective + 4]
    rows = []
    for key, (lo, hi) in BOUNDS.items():
        error = result.best_params[key] - TRUE[key]
        rows.append({"study": name, "parameter": key.split(".")[-1], "true": TRUE[key],
                     "recovered": result.best_params[key], "error": error,
                     "error_pct_range": 100 * abs(error) / (hi - lo),
                     "local_se": se[key], "slice_pct_range": widths[key],
                     "near_best_lo": near[key].min(), "near_best_hi": near[key].max()})
    print(f"{name} ({sampler}): {args.trials} trials in {seconds:.0f} s, best objective "
          f"{result.best_objective:.3g} (trial {result.best_trial}), objective at the true "
          f"values {at_truth:.3g}; {len(near)} trials within 4 of the best")
    return rows


def main() -> int:
    import pandas as pd

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=160)
    p.add_argument("--seed", type=int, default=7, help="calibration seed")
    p.add_argument("--data-seed", type=int, default=2024, help="seed of the synthetic data")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--out", type=Path, default=Path("out/identification"))
    args = p.parse_args()
    rows = [row for name, spec, sampler in STUDIES for row in study(name, spec, sampler, args)]
    table = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "identification.csv", index=False)
    print(table.to_markdown(index=False, floatfmt=".3g") if _has_tabulate()
          else table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    return 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())

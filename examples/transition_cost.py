"""The transition cost of a reform (issue 23, item 3, first question): a top-down city that
switches to adaptive collaboration at step 50, against the same city staying top-down.

Both arms run on the same seeds (common random numbers: the same city, needs and streams),
so the difference reformed - stayed is paired per replicate. For unmet need (lower is
better) and trust in government (higher is better) it reports, with 95 % bootstrap CIs over
replicates: the difference at steps 50, 51, 55, 60, 75, 100 and in the last 20 steps; the
depth of any worsening after the reform (worst paired difference in the direction of
harm) and its duration (steps after the reform at which the reformed city is worse); the
break-even step (first step after the reform from which the reformed city is never worse
again).

    python examples/transition_cost.py [--replicates 5] [--citizens 1000] [--steps 150]
        [--set KEY=VALUE ...]   (keys of both arms, e.g. organizations.ngos=3)
        [--reform-set KEY=VALUE ...] [--over N]   (more keys the reform sets, its ramp)

A thin sector brought back by the reform (docs/experiments.md, "Reforms"): NGO entry and exit
on, so a top-down city's NGOs all close in the warm-up, and the reform brings 30 in:

    python examples/transition_cost.py --set mechanisms.incubation.enabled=on \
        --reform-set organizations.ngos=30
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from cogov.model.engine.seeds import replicate_seeds
from cogov.model.scenario.files import load_scenario, parse_overrides
from cogov.model.sim.model import GovernanceModel

METRICS = {"unmet_need": -1, "trust_gov": +1, "trust_ngo": +1}  # sign: +1 if higher is better


def run(scenario, seed: int):
    model = GovernanceModel(scenario, seed=seed)
    model.run()
    return model.datacollector.get_model_vars_dataframe()


def boot(values, rng, n: int = 5000) -> tuple[float, float, float]:
    values = np.asarray(values, dtype=float)
    means = rng.choice(values, (n, values.size)).mean(axis=1)
    return float(values.mean()), float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=5)
    ap.add_argument("--citizens", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--at", type=int, default=50)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--set", dest="overrides", action="append", default=[],
                    metavar="KEY=VALUE", help="a scenario key of both arms (repeatable)")
    ap.add_argument("--reform-set", dest="reform_set", action="append", default=[],
                    metavar="KEY=VALUE", help="a further key the reform sets, e.g. "
                    "organizations.ngos=30 (repeatable)")
    ap.add_argument("--over", type=int, default=1, help="steps over which the reform's numbers "
                    "move (default 1: at once)")
    args = ap.parse_args()
    overrides = {"population.citizens": args.citizens, "steps": args.steps}
    overrides.update(parse_overrides(args.overrides))
    stay = load_scenario("top_down", overrides)
    keys = {"governance.collaboration": True, "governance.adaptation": True}
    keys.update(parse_overrides(args.reform_set))
    reform = stay.replace(reforms=[{"step": args.at, "set": keys, "over": args.over}])
    seeds = replicate_seeds(args.seed, args.replicates)
    diffs = {m: [] for m in METRICS}
    runs = {m: ([], []) for m in METRICS}
    ngos = ([], [])  # NGOs alive per step, stayed and reformed
    for seed in seeds:
        a, b = run(stay, seed), run(reform, seed)
        assert a.iloc[:args.at].equals(b.iloc[:args.at])  # identical before the reform
        ngos[0].append(a["ngo_count"].to_numpy())
        ngos[1].append(b["ngo_count"].to_numpy())
        for m in METRICS:
            diffs[m].append((b[m] - a[m]).to_numpy())
            runs[m][0].append(a[m].to_numpy())
            runs[m][1].append(b[m].to_numpy())
    levels_t = {m: (np.array(x), np.array(y)) for m, (x, y) in runs.items()}
    levels = {m: (x[:, -20:].mean(axis=1), y[:, -20:].mean(axis=1)) for m, (x, y) in
              levels_t.items()}
    rng = np.random.default_rng(0)
    out = {}
    for m, sign in METRICS.items():
        d = np.array(diffs[m])  # replicates x (steps + 1); row 0 = the initial state
        after = d[:, args.at:]  # steps at, at+1, ...
        harm = -sign * after  # > 0: the reformed city is worse
        worse = harm > 0
        depth = harm.max(axis=1)
        duration = worse.sum(axis=1)
        last_worse = np.array([np.flatnonzero(w).max() if w.any() else -1 for w in worse])
        even = args.at + last_worse + 1
        out[m] = {
            "difference_at": {t: boot(d[:, t], rng) for t in (args.at - 1, args.at, args.at + 1,
                                                              args.at + 5, args.at + 10,
                                                              args.at + 25, args.at + 50)
                              if t <= args.steps},
            "final_20": boot(d[:, -20:].mean(axis=1), rng),
            "worsening_depth": boot(np.maximum(depth, 0), rng),
            "worsening_steps": boot(duration, rng),
            "break_even_step": boot(even, rng),
            "per_replicate": {"depth": depth.round(4).tolist(), "steps_worse": duration.tolist(),
                              "break_even": even.tolist()},
            "levels_final_20": {"stay": boot(levels[m][0], rng), "reform": boot(levels[m][1], rng)},
            "levels_at": {t: {"stay": boot(levels_t[m][0][:, t], rng),
                              "reform": boot(levels_t[m][1][:, t], rng)}
                          for t in (args.at - 1, args.at + 1, args.at + 10) if t <= args.steps},
        }
    at = [t for t in (args.at - 1, args.at, args.at + 10, args.at + 50, args.steps)
          if t <= args.steps]
    out["ngo_count"] = {arm: {t: boot(np.array(x)[:, t], rng) for t in at}
                        for arm, x in zip(("stay", "reform"), ngos, strict=True)}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

"""The violation threshold of law-based governance as a map (issue 22, finding 4).

A free citizen violates a rule when its temptation b_i ~ U(0, T) exceeds
norm·L_i + deterrence·π_i (docs/model.md 7.22). Under the rule-bound order a citizen the
order reaches perceives π = 1, so even then a share

    v* = mean_i max(0, 1 − (norm·L_i + deterrence) / T)

violates. The order reaches every violator only while v*·N ≤ ρ·K (K = `capacity` per
1,000 citizens): the low-violation equilibrium holds when

    norm·L̄ + deterrence ≥ T · (1 − ρ·capacity / 1000)        (the condition)

and collapses to the discretionary level when it fails (Kleiman & Kilmer 2009: a
concentrated threat works only while the capacity covers those it must sanction).

This script runs `law_based` (ρ = 0.9) and `law_discretion` (ρ = 0.1) over a grid of
deterrence × norm, final-window mean of `violations`, and writes a CSV and a two-panel
figure with the condition's boundary (at the mean legitimacy measured at the defaults).

    python examples/law_violation_map.py [--seeds 1,2] [--steps 100] [--citizens 2500]
        [--out docs/figures/law_violation_map.png] [--set KEY=VALUE ...] [--replot]

docs/figures/law_violation_map.png was made with ``--seeds 1 --citizens 500`` (100 steps).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from cogov.model.engine.run import run_scenario
from cogov.model.engine.stats import final_window
from cogov.model.scenario.files import load_scenario, parse_overrides

DETERRENCE = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
NORM = (0.2, 0.35, 0.5, 0.65, 0.8)
ARMS = ("law_based", "law_discretion")


def final(scenario, seed: int, steps: int) -> dict:
    m = run_scenario(scenario, seed=seed, steps=steps).metrics
    fw = final_window(m, scenario.outputs.window)
    return {"violations": float(fw["violations"]), "legitimacy": float(fw["legitimacy"])}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--citizens", type=int, default=2500)
    ap.add_argument("--out", default="docs/figures/law_violation_map.png")
    ap.add_argument("--set", action="append", default=[], dest="sets")
    ap.add_argument("--replot", action="store_true", help="redraw the figure from its CSV")
    a = ap.parse_args(argv)
    out = Path(a.out)
    if a.replot:
        with open(out.with_suffix(".csv")) as f:
            rows = [{k: (v if k == "arm" else float(v)) for k, v in r.items()}
                    for r in csv.DictReader(f)]
        plot(rows, out, a)
        return
    seeds = [int(s) for s in a.seeds.split(",")]
    extra = parse_overrides(a.sets) if a.sets else {}
    rows = []
    for arm in ARMS:
        base = load_scenario(arm).replace(**{"population.citizens": a.citizens, **extra})
        for d in DETERRENCE:
            for n in NORM:
                s = base.replace(**{"mechanisms.law.deterrence": d, "mechanisms.law.norm": n})
                runs = [final(s, seed, a.steps) for seed in seeds]
                rows.append({"arm": arm, "deterrence": d, "norm": n,
                             "violations": float(np.mean([r["violations"] for r in runs])),
                             "legitimacy": float(np.mean([r["legitimacy"] for r in runs])),
                             "rule_of_law": s.mechanisms.law.rule_of_law,
                             "capacity": s.mechanisms.law.capacity,
                             "temptation": s.mechanisms.law.temptation})
                print(arm, d, n, round(rows[-1]["violations"], 4), flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.with_suffix(".csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    plot(rows, out, a)


def plot(rows, out: Path, a) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.8), sharey=True)
    for ax, arm in zip(axes, ARMS, strict=True):
        sel = [r for r in rows if r["arm"] == arm]
        grid = np.array([[next(r["violations"] for r in sel
                               if r["deterrence"] == d and r["norm"] == n) for d in DETERRENCE]
                         for n in NORM])
        im = ax.imshow(grid, origin="lower", vmin=0, vmax=1, cmap="viridis", aspect="auto",
                       extent=(DETERRENCE[0] - 0.05, DETERRENCE[-1] + 0.05,
                               NORM[0] - 0.075, NORM[-1] + 0.075))
        for i, n in enumerate(NORM):
            for j, d in enumerate(DETERRENCE):
                ax.text(d, n, f"{100 * grid[i, j]:.0f}", ha="center", va="center", fontsize=7,
                        color="white" if grid[i, j] < 0.5 else "black")
        rho, cap, temp = sel[0]["rule_of_law"], sel[0]["capacity"], sel[0]["temptation"]
        legit = float(np.mean([r["legitimacy"] for r in sel]))
        norms = np.linspace(NORM[0] - 0.075, NORM[-1] + 0.075, 50)
        if arm == ARMS[0]:  # the rule-bound order covers the violators left at π = 1
            boundary = temp * (1 - rho * cap / 1000) - norms * legit
            label = f"norm·L̄ + deterrence = T(1 − ρK/1000), L̄ = {legit:.2f}"
        else:  # random enforcement: tips only where almost nobody is tempted at π = 1
            boundary = temp - norms * legit
            label = f"norm·L̄ + deterrence = T, L̄ = {legit:.2f}"
        ax.plot(boundary, norms, "w--", lw=1.2)
        ax.text(0.02, -0.3, label, transform=ax.transAxes, fontsize=8)
        ax.set_xlim(DETERRENCE[0] - 0.05, DETERRENCE[-1] + 0.05)
        ax.set_title(f"{arm} (ρ = {rho})", fontsize=10)
        ax.set_xlabel("deterrence")
        if arm == ARMS[0]:
            ax.set_ylabel("norm (weight of legitimacy)")
    fig.colorbar(im, ax=axes, label="rule violations (share of citizens)", shrink=0.9)
    fig.suptitle(f"Violations over deterrence × norm ({a.citizens} citizens, steps "
                 f"{a.steps - 19}–{a.steps}, seeds {a.seeds}; numbers in %)", fontsize=10)
    fig.savefig(out, dpi=110, bbox_inches="tight")


if __name__ == "__main__":
    main()

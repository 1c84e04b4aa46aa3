"""Co-production's two basins and what decides between them (issue 22, findings 12 and 14).

The co-production game (docs/model.md 7.5) has two absorbing states, everybody contributes
and nobody does; which one a city reaches depends on where the game starts
(``mechanisms.incentives.initial_cooperation``) and on the network's degree k through the
ratio r/(k+1) that sets networked public-goods thresholds [Santos2008]. This script maps
both:

1. ``basins``: the game alone, played from each start over a grid of degrees and r, for up
   to ``--rounds`` rounds (it stops when absorbed). Per cell and seed it records the level
   after the default warm-up (2,000 rounds) and at the end, and whether and when the game
   was absorbed, in which state.
2. ``headline``: whole runs of top_down and adaptive over the degree, with the game's
   defaults: cooperation and unmet need in the final window, and the regime gap.

    python examples/coproduction_basins.py [--citizens 2500] [--seeds 3] [--rounds 10000]
        [--out out/coproduction]    -> basins.csv, headline.csv, coproduction_basins.png
"""

from __future__ import annotations

import argparse
import itertools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from cogov.model.engine.seeds import replicate_seeds
from cogov.model.scenario.files import load_scenario
from cogov.model.sim.mechanisms import incentives
from cogov.model.sim.model import GovernanceModel

DEFAULT_WARMUP = 2000  # the preset's warm-up rounds: the level a run starts from


def play(citizens: int, degree: int, r: float, start: float, rounds: int, seed: int) -> dict:
    """The game alone from ``start``: levels after DEFAULT_WARMUP rounds and at the end."""
    trace: list[float] = []
    imitate = incentives.Incentives._imitate

    def traced(self, *args):
        s = imitate(self, *args)
        trace.append(float(s.mean()))
        return s

    s = load_scenario("adaptive", {
        "population.citizens": citizens, "network.degree": degree,
        "mechanisms.incentives.r": r, "mechanisms.incentives.initial_cooperation": start,
        "mechanisms.incentives.warmup": rounds, "warmup": 0}, steps=1, seed=seed)
    incentives.Incentives._imitate = traced
    try:
        GovernanceModel(s)
    finally:
        incentives.Incentives._imitate = imitate
    x = np.array(trace[:rounds])
    end = float(x[-1])
    absorbed = end in (0.0, 1.0)
    return {"citizens": citizens, "degree": degree, "r": r, "ratio": r / (degree + 1),
            "start": start, "seed": seed,
            "at_warmup": float(x[min(DEFAULT_WARMUP, x.size) - 1]), "end": end,
            "absorbed": "all" if end == 1.0 else "none" if end == 0.0 else "",
            "rounds": int(x.size) if absorbed else rounds}


def basins(citizens, degrees, rs, starts, rounds, seeds) -> pd.DataFrame:
    rows = [play(citizens, k, r, a, rounds, seed)
            for k, r, a, seed in itertools.product(degrees, rs, starts, seeds)]
    return pd.DataFrame(rows)


def headline(citizens, degrees, seeds, steps: int = 100) -> pd.DataFrame:
    rows = []
    for k, regime, seed in itertools.product(degrees, ("top_down", "adaptive"), seeds):
        s = load_scenario(regime, {"population.citizens": citizens, "network.degree": k},
                          steps=steps, seed=seed)
        m = GovernanceModel(s)
        m.run()
        df = m.datacollector.get_model_vars_dataframe().iloc[-20:]
        rows.append({"degree": k, "ratio": 4.5 / (k + 1), "regime": regime, "seed": seed,
                     "cooperation": df["cooperation"].mean(),
                     "unmet_need": df["unmet_need"].mean()})
    return pd.DataFrame(rows)


def figure(b: pd.DataFrame, h: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    ax = axes[0]
    styles = {0.1: ":", 0.5: "--", 0.9: "-"}
    degrees = sorted(b.degree.unique())
    shades = plt.cm.viridis(np.linspace(0, 0.85, len(degrees)))
    colours = dict(zip(degrees, shades, strict=True))
    for (k, start), g in b.groupby(["degree", "start"]):
        m = g.groupby("ratio")["end"].mean()
        ax.plot(m.index, m.values, styles.get(start, "-"), marker="o", ms=4,
                color=colours[k], label=f"k = {k}" if start == 0.9 else None)
    for start, ls in styles.items():
        ax.plot([], [], ls, color="grey", label=f"start {start:g}")
    ax.axvline(4.5 / 5, color="k", lw=0.6, alpha=0.5)
    ax.annotate("defaults", (0.9, 0.5), rotation=90, fontsize=8, ha="right")
    ax.set_xlabel("r / (k + 1)   (r = 3, 4.5, 6)")
    ax.set_ylabel("share contributing at the end")
    ax.set_title(f"(a) Basins: up to {int(b.rounds.max()):,} rounds, "
                 f"{b.citizens.iloc[0]:,} citizens, mean of {b.seed.nunique()} seeds",
                 fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)
    ax = axes[1]
    for regime, g in h.groupby("regime"):
        m = g.groupby("degree")["unmet_need"].agg(["mean", "std", "count"])
        half = 1.96 * m["std"] / np.sqrt(m["count"])
        ax.errorbar(m.index, m["mean"], yerr=half, marker="o", capsize=3, label=regime)
    ax2 = ax.twinx()
    c = h.groupby("degree")["cooperation"].mean()
    ax2.plot(c.index, c.values, "k:", label="cooperation")
    ax2.set_ylabel("share contributing (dotted)")
    ax2.set_ylim(-0.03, 1.03)
    ax.set_xlabel("network degree k (r = 4.5)")
    ax.set_ylabel("unmet need, final 20 steps (±95 % CI)")
    ax.set_title("(b) The headline over the degree", fontsize=10)
    ax.legend(fontsize=8, loc="center left")
    ax.grid(alpha=0.3)
    fig.savefig(path, dpi=150)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--citizens", type=int, default=2500)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default="out/coproduction")
    ap.add_argument("--redraw", action="store_true", help="redraw the figure from --out's CSVs")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.redraw:
        figure(pd.read_csv(out / "basins.csv"), pd.read_csv(out / "headline.csv"),
               out / "coproduction_basins.png")
        return
    seeds = replicate_seeds(args.seed, args.seeds)
    degrees = (2, 4, 6, 8)
    b = basins(args.citizens, degrees, (3.0, 4.5, 6.0), (0.1, 0.5, 0.9), args.rounds, seeds)
    b.to_csv(out / "basins.csv", index=False)
    h = headline(args.citizens, degrees, seeds)
    h.to_csv(out / "headline.csv", index=False)
    figure(b, h, out / "coproduction_basins.png")
    with pd.option_context("display.width", 160):
        print(b.groupby(["degree", "r", "start"]).agg(
            ratio=("ratio", "first"), at_warmup=("at_warmup", "mean"), end=("end", "mean"),
            all_=("absorbed", lambda a: (a == "all").sum()),
            none=("absorbed", lambda a: (a == "none").sum()),
            rounds=("rounds", "median")).round(3).to_string())
        print(h.groupby(["degree", "regime"])[["cooperation", "unmet_need"]].agg(
            ["mean", "std"]).round(4).to_string())


if __name__ == "__main__":
    main()

"""Epstein (2002) Run 1, like for like: Mesa's own example against ``scenarios/epstein.yaml``.

Both sides use Run 1's parameters: legitimacy 0.82, J_max 30, officers 0.04 per cell,
vision 7, a 40 × 40 torus with movement, threshold 0.1, k 2.3; Mesa's example is
``mesa.examples.advanced.epstein_civil_violence`` (its von Neumann grid, random sequential
activation). Per run and seed it reports the statistics of the active share over
``--steps`` steps: the mean and the peak (in %) and the outbursts, entries above 2 %
after a return below it (:func:`outbursts_above`). cogov's own warm-ups are part of its
scenario, so its step 1 starts from the jail's equilibrium; Mesa's example starts with
everybody quiet.

    python benchmarks/epstein_reference.py [--seeds 5] [--steps 250] [--record]

``--record`` writes Mesa's side (per seed: its counts and statistics) to
tests/data/epstein_mesa.json, the reference tests/test_unrest_grid.py compares
``epstein.yaml`` with (at each seed's counts: like for like).
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REFERENCE = Path(__file__).resolve().parent.parent / "tests" / "data" / "epstein_mesa.json"
LEVEL = 0.02  # an outburst: the active share rises above 2 %


def outbursts_above(series: np.ndarray, level: float = LEVEL) -> int:
    """Entries above ``level`` (each after being at or below it)."""
    above = np.asarray(series) > level
    return int(above[0] + np.sum(above[1:] & ~above[:-1]))


def mesa_run(seed: int, steps: int) -> tuple[np.ndarray, int, int]:
    """Mesa's active share, and how many citizens and officers its draw placed."""
    from mesa.examples.advanced.epstein_civil_violence.agents import Citizen, Cop
    from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

    m = EpsteinCivilViolence(cop_density=0.04, legitimacy=0.82, max_jail_term=30, seed=seed)
    for _ in range(steps):
        m.step()
    df = m.datacollector.get_model_vars_dataframe()
    total = df[["active", "quiet", "arrested"]].sum(axis=1)
    counts = len(m.agents_by_type[Citizen]), len(m.agents_by_type[Cop])
    return (df["active"] / total).to_numpy()[1:], *counts


def cogov_run(seed: int, steps: int, citizens: int | None = None,
              officers: int | None = None) -> np.ndarray:
    """``epstein.yaml``'s active share; with Mesa's counts of citizens and officers if given
    (Mesa's example fills each cell at random, so its counts vary from seed to seed)."""
    from cogov.model.scenario.files import load_scenario
    from cogov.model.sim.model import GovernanceModel

    sets = {}
    if citizens is not None:
        sets["population.citizens"] = citizens
    if officers is not None:
        sets["mechanisms.unrest.grid.officers"] = officers / 1600
    m = GovernanceModel(load_scenario("epstein", sets, steps=steps, seed=seed))
    m.run()
    df = m.datacollector.get_model_vars_dataframe().iloc[1:]
    # cogov's `unrest` counts the citizens arrested this step (they were active); Mesa's
    # example counts them as arrested, so they are taken out to compare like for like
    return (df["unrest"] - df["arrests"] / m.citizens.n).to_numpy()


def statistics(series: np.ndarray) -> dict:
    return {"mean_pct": 100 * series.mean(), "peak_pct": 100 * series.max(),
            "outbursts": outbursts_above(series)}


def compare(seeds: int, steps: int) -> pd.DataFrame:
    rows = []
    for seed in range(1, seeds + 1):
        series, citizens, officers = mesa_run(seed, steps)
        counts = {"citizens": citizens, "officers": officers}
        rows.append({"model": "mesa example", "seed": seed, **counts, **statistics(series)})
        rows.append({"model": "cogov epstein.yaml", "seed": seed, "citizens": 1120,
                     "officers": 64, **statistics(cogov_run(seed, steps))})
        rows.append({"model": "cogov, Mesa's counts", "seed": seed, **counts,
                     **statistics(cogov_run(seed, steps, citizens, officers))})
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=250)
    ap.add_argument("--record", action="store_true", help=f"write Mesa's side to {REFERENCE}")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    df = compare(args.seeds, args.steps)
    if args.record:
        mesa = df[df.model == "mesa example"].drop(columns="model")
        REFERENCE.write_text(json.dumps({"steps": args.steps, "level": LEVEL,
                                         "runs": mesa.to_dict(orient="records")}, indent=1))
    print(df.round(3).to_string(index=False))
    print(df.groupby("model")[["mean_pct", "peak_pct", "outbursts"]].agg(["min", "max"])
          .round(2).to_string())


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(REFERENCE.parent.parent.parent))  # this checkout's cogov
    main()

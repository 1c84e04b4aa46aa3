"""Public security's claims measured where they hold (issue 22, findings 1, 5 and 7;
docs/model.md 7.23).

Three parts, each printing a table (2,500 citizens, paired seeds 1..R unless set):

    python examples/security_claims.py horizons [--replicates 5] [--steps 500]
        comprehensive − strike only (crime, recidivism, concentration, guardianship,
        clearance, victimisation) over the final 20 steps ending at steps 100, 300, 500
        (one run per seed read at each horizon), with the share of citizens holding an
        arrest record, paired mean differences and 95 % t-intervals.
    python examples/security_claims.py concentration [--replicates 3]
        top-5 % share of offences against the analytic top-5 % mass of the drawn
        log-normal attractiveness, at several σ_a, with and without repeat and
        near-repeat victimisation.
    python examples/security_claims.py certainty [--replicates 3] [--figure PATH]
        certainty vs severity as a map: crime with a 6-step sentence minus crime with a
        24-step one at the same strike money, over the monthly discount δ × custody cost
        (negative = certainty beats severity); draws docs/figures/certainty_severity.png.
    python examples/security_claims.py sizes
        per-capita security metrics at 500 / 2,500 / 10,000 citizens.
    python examples/security_claims.py shifts [--replicates 3] [--steps 300]
        four_shifts' crime: the comprehensive and source effects in the 2 × 2 with
        systemic and law-based governance off, at steps 100 and 300.

Every arm of a comparison is run on the same seeds (common random numbers). ``--set
KEY=VALUE`` overrides keys of every arm (e.g. mechanisms.public_security.record_memory=1000).
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy import stats

from cogov.model.scenario.files import load_scenario, parse_overrides
from cogov.model.sim.model import GovernanceModel

P = "mechanisms.public_security."
METRICS = ("crime_rate", "recidivism", "crime_concentration", "guardianship", "clearance_rate",
           "victimisation", "security_spend")
WINDOW = 20


def run(preset: str, seed: int, steps: int, sets: dict) -> tuple:
    """One run: the metrics table and, per step, the share of citizens with a record."""
    s = load_scenario(preset, {**sets, "steps": steps})
    m = GovernanceModel(s, seed=seed)

    def share() -> float:
        return float(np.mean(m.security.record >= 0)) if m.security.enabled else 0.0

    records = [share()]  # the table's first row is the state after set-up
    for _ in range(steps):
        m.step()
        records.append(share())
    df = m.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    df["record_share"] = records
    return df


def mean_ci(x) -> tuple[float, float, float]:
    x = np.asarray(x, dtype=float)
    if x.size < 2:
        return float(x.mean()), float("nan"), float("nan")
    h = stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
    return float(x.mean()), float(x.mean() - h), float(x.mean() + h)


def window(df, end: int, metric: str, width: int | None = None) -> float:
    """Mean of ``metric`` over the ``width`` (default 20) steps ending at step ``end``."""
    width = width or WINDOW
    return float(df[metric].iloc[end - width + 1:end + 1].mean())  # row k = step k


def horizons(args, sets) -> None:
    seeds = range(1, args.replicates + 1)
    ends = [h for h in (100, 200, 300, 500) if h <= args.steps]
    a = [run("security_comprehensive", s, args.steps, sets) for s in seeds]
    b = [run("security_strike_only", s, args.steps, sets) for s in seeds]
    print(f"comprehensive − strike only, {args.replicates} paired seeds, final {WINDOW} steps "
          "ending at each horizon: A mean, B mean, A − B [95 % CI]")
    for metric in ("record_share", *METRICS):
        for end in ends:
            va = [window(d, end, metric) for d in a]
            vb = [window(d, end, metric) for d in b]
            d, lo, hi = mean_ci(np.subtract(va, vb))
            print(f"{metric:20s} step {end:3d}: {np.mean(va):8.4f} {np.mean(vb):8.4f} "
                  f"{d:+8.4f} [{lo:+.4f}, {hi:+.4f}]", flush=True)


def top_mass(sigma: float, share: float = 0.05) -> float:
    """Analytic top-``share`` mass of a mean-1 log-normal with sd of log σ:
    1 − Φ(z − σ), z the (1 − share) quantile of the standard normal."""
    z = stats.norm.ppf(1.0 - share)
    return float(1.0 - stats.norm.cdf(z - sigma))


def concentration(args, sets) -> None:
    seeds = range(1, args.replicates + 1)
    print("top-5 % share of offences (strike only, final 20 steps at step "
          f"{args.steps}) vs the analytic top-5 % mass of the attractiveness")
    for repeat in ("off", "on"):
        for sigma in (0.0, 0.3, 0.8, 1.2, 1.6):
            over = {**sets, P + "attractiveness": sigma}
            if repeat == "off":
                over[P + "repeat"] = 0.0
            dfs = [run("security_strike_only", s, args.steps, over) for s in seeds]
            m, lo, hi = mean_ci([window(d, args.steps, "crime_concentration") for d in dfs])
            crime = np.mean([window(d, args.steps, "crime_rate") for d in dfs])
            print(f"repeat {repeat:3s} σ {sigma:3.1f}: share {m:.3f} [{lo:.3f}, {hi:.3f}]  "
                  f"analytic {top_mass(sigma):.3f}  crime {crime:.1f}", flush=True)


def certainty(args, sets) -> None:
    seeds = range(1, args.replicates + 1)
    discounts = (0.8, 0.9, 0.95, 1.0)
    costs = (0.0, 0.5, 1.0, 2.0)
    diff = np.zeros((len(costs), len(discounts)))
    half = np.zeros_like(diff)
    print("crime (per 1,000 per step) sentence 6 minus sentence 24 at equal strike money, "
          f"{args.replicates} paired seeds, {args.citizens} citizens, final {args.window} "
          f"steps at step {args.steps}; negative = certainty beats severity", flush=True)
    for i, cost in enumerate(costs):
        for j, delta in enumerate(discounts):
            out = {}
            for sentence in (6, 24):
                over = {**sets, "population.citizens": args.citizens,
                        P + "discount": delta, P + "custody_cost": cost,
                        P + "sentence": sentence}
                out[sentence] = [run("security_strike_only", s, args.steps, over)
                                 for s in seeds]
            w = args.window
            c6 = [window(d, args.steps, "crime_rate", w) for d in out[6]]
            c24 = [window(d, args.steps, "crime_rate", w) for d in out[24]]
            s6 = np.mean([window(d, args.steps, "security_spend", w) for d in out[6]])
            s24 = np.mean([window(d, args.steps, "security_spend", w) for d in out[24]])
            m, lo, hi = mean_ci(np.subtract(c6, c24))
            diff[i, j], half[i, j] = m, (hi - lo) / 2
            print(f"custody {cost:3.1f} δ {delta:4.2f}: {np.mean(c6):6.2f} vs {np.mean(c24):6.2f}"
                  f"  {m:+6.2f} [{lo:+.2f}, {hi:+.2f}]  spend {s6:.4f} / {s24:.4f}", flush=True)
    if args.figure:
        draw(diff, half, discounts, costs, args)


def draw(diff, half, discounts, costs, args) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    lim = float(np.abs(diff).max()) or 1.0
    im = ax.imshow(diff, cmap="RdBu_r", vmin=-lim, vmax=lim, origin="lower", aspect="auto")
    for i in range(len(costs)):
        for j in range(len(discounts)):
            sure = abs(diff[i, j]) > half[i, j]
            ax.text(j, i, f"{diff[i, j]:+.1f}" + ("" if sure else "\n(n.s.)"), ha="center",
                    va="center", fontsize=8)
    ax.set_xticks(range(len(discounts)), [f"{d:g}" for d in discounts])
    ax.set_yticks(range(len(costs)), [f"{c:g}" for c in costs])
    ax.set_xlabel("monthly discount δ of a future sentence")
    ax.set_ylabel("custody cost (money per prisoner per step)")
    ax.set_title("crime, sentence 6 − sentence 24, at equal strike money\n"
                 "(blue: certainty beats severity; red: severity wins)", fontsize=10)
    fig.colorbar(im, ax=ax, label="offences per 1,000 citizens per step")
    fig.tight_layout()
    fig.savefig(args.figure, dpi=120)
    print("wrote", args.figure)


def sizes(args, sets) -> None:
    for preset in ("security_strike_only", "security_comprehensive"):
        for n in (500, 2500, 10_000):
            dfs = [run(preset, s, args.steps, {**sets, "population.citizens": n})
                   for s in range(1, args.replicates + 1)]
            row = "  ".join(f"{k} {np.mean([window(d, args.steps, k) for d in dfs]):.4f}"
                            for k in ("record_share", *METRICS))
            print(f"{preset:24s} {n:6d}: {row}")


def shifts(args, sets) -> None:
    """four_shifts' crime: the comprehensive and source effects (2 × 2, systemic and
    law-based off), read at steps 100 and 300 of the same runs."""
    seeds = range(1, args.replicates + 1)
    cells = {}
    for comp in ("off", "on"):
        for src in ("off", "on"):
            over = {**sets, "governance.comprehensive": comp, "governance.source": src}
            cells[comp, src] = [run("four_shifts", s, args.steps, over) for s in seeds]
    ends = [h for h in (100, 300, 500) if h <= args.steps]
    for metric in ("crime_rate", "record_share", "crime_concentration"):
        for end in ends:
            v = {k: np.array([window(d, end, metric) for d in runs]) for k, runs in cells.items()}
            comp = (v["on", "off"] + v["on", "on"] - v["off", "off"] - v["off", "on"]) / 2
            src = (v["off", "on"] + v["on", "on"] - v["off", "off"] - v["on", "off"]) / 2
            means = " ".join(f"{k[0]}/{k[1]} {x.mean():.3f}" for k, x in v.items())
            (c, clo, chi), (o, olo, ohi) = mean_ci(comp), mean_ci(src)
            print(f"{metric:20s} step {end}: comprehensive {c:+.3f} [{clo:+.3f}, {chi:+.3f}]"
                  f"  source {o:+.3f} [{olo:+.3f}, {ohi:+.3f}]  ({means})", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("part", choices=("horizons", "concentration", "certainty", "sizes",
                                     "shifts"))
    ap.add_argument("--replicates", type=int, default=5)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--citizens", type=int, default=1000)
    ap.add_argument("--figure", default=None)
    ap.add_argument("--window", type=int, default=40, help="certainty: steps averaged")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args()
    sets = parse_overrides(args.set)
    default_steps = {"horizons": 500, "concentration": 100, "certainty": 120, "sizes": 100,
                     "shifts": 300}
    args.steps = args.steps or default_steps[args.part]
    {"horizons": horizons, "concentration": concentration, "certainty": certainty,
     "sizes": sizes, "shifts": shifts}[args.part](args, sets)


if __name__ == "__main__":
    main()

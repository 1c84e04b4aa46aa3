"""Reform paths (issue 23, item 3): what a city goes through on its way from top-down
management to adaptive collaboration (docs/experiments.md, "Reform paths").

Five questions, each a function returning plain DataFrames: the trajectories of every arm
(``path``, ``replicate``, ``seed``, ``step`` and the metrics of :data:`METRICS`) and a table
of paired differences with 95 % t-intervals over replicates. All arms of a question run on
the same replicate seeds (common random numbers), so each replicate's difference between
two arms is paired; arms are identical before their first reform.

- :func:`transition_cost`: switching at step ``at`` against staying top-down;
- :func:`hysteresis`: the reform rolled back after ``length`` steps;
- :func:`gradual`: the delegated share of money raised over ``over`` steps (1, 12, 36);
- :func:`sequencing`: Essay 7's four shifts introduced one every ``every`` steps, all 24
  orders;
- :func:`budget_cut`: a budget cut during the transition against the same cut in a city
  collaborative from the start.

:func:`plot_paths` draws docs/figures/reform_paths.png; ``python -m
cogov.model.studies.reforms [--fast] [--out DIR]`` runs all five and writes their tables.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..engine.seeds import replicate_seeds
from ..scenario.files import load_scenario
from ..sim.model import GovernanceModel

METRICS = ("unmet_need", "trust_gov", "trust_ngo", "cooperation", "ngos_funded", "ngo_count")
REFORM = {"governance.collaboration": True, "governance.adaptation": True}
ROLLBACK = {"governance.collaboration": False, "governance.adaptation": False}
# Essay 7's four shifts (model/scenario/shifts.py); the systemic shift is collaboration
SHIFTS = {"comprehensive": "governance.comprehensive", "source": "governance.source",
          "law_based": "governance.law_based", "systemic": "governance.collaboration"}


def city(citizens: int = 1000, steps: int = 150, preset: str = "top_down", thin: bool = False,
         **keys):
    """The city of the questions: ``preset`` at ``citizens`` (its 3 hubs and 30 NGOs; the
    organisational ecology is which NGOs are funded and citizens' trust in them). ``thin``:
    6 NGOs and NGO entry and exit (``mechanisms.incubation``) on. Under top-down management
    no NGO is funded, so with incubation on every NGO closes, and a reform of the switches
    alone brings none back: with no NGO nothing is delegated, no hub receives a grant and none
    incubates (the notebook shows it); a reform that raises ``organizations.ngos`` brings
    them in (docs/experiments.md, "A thin sector brought back by the reform")."""
    extra = {"organizations.ngos": 6, "mechanisms.incubation.enabled": True} if thin else {}
    return load_scenario(preset, {"population.citizens": citizens, "steps": steps, **extra,
                                  **keys})


def run_paths(arms: dict, replicates: int = 5, seed: int = 42,
              metrics=METRICS) -> pd.DataFrame:
    """Every arm (name -> Scenario) x replicate, on the same replicate seeds; the tidy
    trajectories (row step 0 = the initial state)."""
    rows = []
    for r, s in enumerate(replicate_seeds(seed, replicates)):
        for name, scenario in arms.items():
            model = GovernanceModel(scenario, seed=s)
            model.run()
            df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
            keep = [m for m in metrics if m in df.columns]
            part = df[["step", *keep]].copy()
            part.insert(0, "seed", s)
            part.insert(0, "replicate", r)
            part.insert(0, "path", name)
            rows.append(part)
    return pd.concat(rows, ignore_index=True)


def ci(values) -> tuple[float, float, float]:
    """Mean and 95 % t-interval of replicate values."""
    x = np.asarray(values, dtype=float)
    m = float(x.mean())
    if x.size < 2:
        return m, np.nan, np.nan
    half = float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return m, m - half, m + half


def wide(ts: pd.DataFrame, path: str, metric: str) -> np.ndarray:
    """replicates x steps of one arm's metric (column t = step t)."""
    return ts[ts["path"] == path].pivot(index="replicate", columns="step",
                                        values=metric).to_numpy()


def diff(ts: pd.DataFrame, a: str, b: str, metric: str) -> np.ndarray:
    """Paired b - a, replicates x steps."""
    return wide(ts, b, metric) - wide(ts, a, metric)


def _row(question, contrast, metric, what, values) -> dict:
    m, lo, hi = ci(values)
    return {"question": question, "contrast": contrast, "metric": metric, "what": what,
            "mean": m, "ci_low": lo, "ci_high": hi, "n": len(values)}


def bands(ts: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per arm and step: mean and 95 % t-interval over replicates (for figures)."""
    out = []
    for (path, step), x in ts.groupby(["path", "step"], sort=False)[metric]:
        m, lo, hi = ci(x.to_numpy())
        out.append({"path": path, "step": step, "mean": m, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(out)


# ------------------------------------------------------------------ the questions
def transition_cost(citizens=1000, replicates=5, seed=42, at=50, steps=150, thin=False):
    """Top-down switching to adaptive collaboration at ``at`` vs staying; table: the paired
    difference at ``at``, +10, +50 and in the last 20 steps, the steps at which the reformed
    city is worse, the break-even step. Default city: the presets' 30 NGOs (``thin=False``,
    examples/transition_cost.py's question)."""
    stay = city(citizens, steps, thin=thin).replace(name="stay")
    arms = {"stay": stay, "reform": stay.replace(
        name="reform", reforms=[{"step": at, "set": REFORM}])}
    ts = run_paths(arms, replicates, seed)
    rows = []
    for metric, sign in (("unmet_need", -1), ("trust_gov", 1)):
        d = diff(ts, "stay", "reform", metric)
        for t in (at, at + 10, at + 50):
            if t <= steps:
                rows.append(_row("transition", "reform - stay", metric, f"step {t}", d[:, t]))
        rows.append(_row("transition", "reform - stay", metric, "last 20 steps",
                         d[:, -20:].mean(axis=1)))
        worse = -sign * d[:, at:] > 1e-12
        rows.append(_row("transition", "reform - stay", metric, "steps worse after the reform",
                         worse.sum(axis=1)))
        last = np.array([np.flatnonzero(w).max() + 1 if w.any() else 0 for w in worse])
        rows.append(_row("transition", "reform - stay", metric, "break-even step", at + last))
    return ts, pd.DataFrame(rows)


def hysteresis(citizens=1000, replicates=5, seed=42, at=50, length=60, steps=300,
               metrics=("unmet_need", "trust_gov", "trust_ngo", "cooperation", "ngos_funded"),
               thin=False):
    """The reform at ``at`` rolled back at ``at + length``: against the city that stayed
    top-down (does it return?) and the one that kept the reform (what the roll-back costs).

    Table per metric: rolled back - stay just before the roll-back, 10 and 50 steps after it
    and in the last 20 steps (the residual: 0 = full return); the return time, per replicate
    the steps after the roll-back until the 10-step moving mean of |rolled back - stay| is
    within 10 % of its value just before the roll-back (censored at the run's end); and the
    rolled-back city's level in the last 20 steps against its own level before the reform.
    """
    back = at + length
    stay = city(citizens, steps, thin=thin).replace(name="stay")
    arms = {"stay": stay,
            "reform": stay.replace(name="reform", reforms=[{"step": at, "set": REFORM}]),
            "rolled back": stay.replace(name="rolled back", reforms=[
                {"step": at, "set": REFORM}, {"step": back, "set": ROLLBACK}])}
    ts = run_paths(arms, replicates, seed)
    rows = []
    for metric in metrics:
        d = diff(ts, "stay", "rolled back", metric)
        for label, t in (("before the roll-back", back - 1), ("10 steps after", back + 9),
                         ("50 steps after", back + 49)):
            if t > steps:
                continue
            rows.append(_row("hysteresis", "rolled back - stay", metric, label, d[:, t]))
        rows.append(_row("hysteresis", "rolled back - stay", metric, "last 20 steps",
                         d[:, -20:].mean(axis=1)))
        smooth = pd.DataFrame(np.abs(d[:, back:])).T.rolling(10, min_periods=1).mean().T
        peak = np.abs(d[:, back - 10:back].mean(axis=1))
        times = []
        for i, row in enumerate(smooth.to_numpy()):
            within = np.flatnonzero(row <= 0.1 * peak[i]) if peak[i] > 1e-9 else np.array([0])
            times.append(within[0] if within.size else steps - back + 1)
        rows.append(_row("hysteresis", "rolled back - stay", metric,
                         "steps to return within 10 %", times))
        own = wide(ts, "rolled back", metric)
        rows.append(_row("hysteresis", "rolled back: last 20 - before the reform", metric,
                         "own level", own[:, -20:].mean(axis=1) - own[:, max(0, at - 10):at].mean(axis=1)))
        r = diff(ts, "reform", "rolled back", metric)
        rows.append(_row("hysteresis", "rolled back - reform", metric, "last 20 steps",
                         r[:, -20:].mean(axis=1)))
    return ts, pd.DataFrame(rows)


def gradual(citizens=1000, replicates=5, seed=42, at=50, overs=(1, 12, 36), steps=150):
    """Sudden vs gradual: at ``at`` collaboration and adaptation switch on and the share of a
    served cell's money delegated to hubs and NGOs (``mechanisms.resources.delegation``)
    rises from 0 to the default over ``over`` steps (``over: 1``: at once, the sudden
    reform). Top-down management delegates nothing, so the share 0 before ``at`` changes no
    number of the top-down city. Table: each path - stay, and each gradual path - sudden, as
    the mean over steps ``at``..``at + 49`` (the cost on the way), at ``at + 36`` and in the
    last 20 steps."""
    full = city(citizens, steps).mechanisms.resources.delegation
    stay = city(citizens, steps, **{"mechanisms.resources.delegation": 0.0}).replace(name="stay")
    arms = {"stay": stay}
    for over in overs:
        arms[f"over {over}"] = stay.replace(name=f"over {over}", reforms=[
            {"step": at, "set": {**REFORM, "mechanisms.resources.delegation": full},
             "over": over}])
    ts = run_paths(arms, replicates, seed)
    rows = []
    sudden = f"over {overs[0]}"
    for metric in ("unmet_need", "trust_gov", "trust_ngo", "ngos_funded"):
        for name in arms:
            if name == "stay":
                continue
            for ref in ("stay", sudden):
                if ref == name:
                    continue
                d = diff(ts, ref, name, metric)
                contrast = f"{name} - {ref}"
                rows.append(_row("gradual", contrast, metric, f"mean of steps {at}-{at + 49}",
                                 d[:, at:at + 50].mean(axis=1)))
                if at + 36 <= steps:
                    rows.append(_row("gradual", contrast, metric, f"step {at + 36}",
                                     d[:, at + 36]))
                rows.append(_row("gradual", contrast, metric, "last 20 steps",
                                 d[:, -20:].mean(axis=1)))
    return ts, pd.DataFrame(rows)


def shift_orders(names=tuple(SHIFTS)) -> list[tuple[str, ...]]:
    """All orders of the shifts (24 for four)."""
    return list(itertools.permutations(names))


def sequencing(citizens=1000, replicates=5, seed=42, every=24, steps=150, orders=None):
    """Essay 7's four shifts switched on one every ``every`` steps (at ``every``, 2 ``every``,
    ...), in every order, from the ``four_shifts`` city (top-down management with disputes,
    unrest, crime and discretionary decisions). Table per order: unmet need and trust in
    government in the last 20 steps (how far the city got), unmet need summed over steps 1..
    ``steps`` (the cost on the way), each also as the paired difference from the order with
    the lowest mean cumulative unmet need."""
    base = city(citizens, steps, preset="four_shifts", thin=False)
    orders = shift_orders() if orders is None else orders
    arms = {}
    for order in orders:
        name = " > ".join(order)
        arms[name] = base.replace(name=name.replace(" > ", "-"), reforms=[
            {"step": every * (i + 1), "set": {SHIFTS[s]: True}} for i, s in enumerate(order)])
    ts = run_paths(arms, replicates, seed, metrics=("unmet_need", "trust_gov", "unrest",
                                                    "disputes_open"))
    per = {name: {"final unmet need": wide(ts, name, "unmet_need")[:, -20:].mean(axis=1),
                  "final trust in government": wide(ts, name, "trust_gov")[:, -20:].mean(axis=1),
                  "cumulative unmet need": wide(ts, name, "unmet_need")[:, 1:].sum(axis=1)}
           for name in arms}
    best = min(per, key=lambda n: per[n]["cumulative unmet need"].mean())
    rows = []
    for name, values in per.items():
        for what, x in values.items():
            rows.append(_row("sequencing", name, what, "level", x))
            rows.append(_row("sequencing", name, what, f"- ({best})", x - per[best][what]))
    return ts, pd.DataFrame(rows)


def budget_cut(citizens=1000, replicates=5, seed=42, at=50, cut_at=55, cut=0.2, steps=200,
               window=50):
    """A cut of ``budget.per_capita`` by ``cut`` (a share) at ``cut_at``: in the city that
    reformed at ``at`` (during the transition) and in the same city collaborative since step 1
    (a settled regime), each against its own uncut arm (paired). Table: the cut's effect (cut
    - uncut) as the mean over the ``window`` steps after the cut and in the last 20 steps, in
    each regime, and the difference of the two effects (during - settled)."""
    stay = city(citizens, steps)
    lower = stay.budget.per_capita * (1 - cut)
    reform = stay.replace(name="reform", reforms=[{"step": at, "set": REFORM}])
    settled = city(citizens, steps, **REFORM).replace(name="settled")
    cut_reform = {"step": cut_at, "set": {"budget.per_capita": lower}}
    arms = {"reform": reform,
            "reform, cut": reform.replace(name="reform-cut", reforms=[
                {"step": at, "set": REFORM}, cut_reform]),
            "settled": settled,
            "settled, cut": settled.replace(name="settled-cut", reforms=[cut_reform])}
    ts = run_paths(arms, replicates, seed)
    rows = []
    for metric in ("unmet_need", "trust_gov", "trust_ngo", "ngos_funded"):
        during = diff(ts, "reform", "reform, cut", metric)
        calm = diff(ts, "settled", "settled, cut", metric)
        span = slice(cut_at, cut_at + window)
        for what, a, b in ((f"mean of steps {cut_at}-{cut_at + window - 1}",
                            during[:, span].mean(axis=1), calm[:, span].mean(axis=1)),
                           ("last 20 steps", during[:, -20:].mean(axis=1),
                            calm[:, -20:].mean(axis=1))):
            rows.append(_row("budget cut", "during the transition: cut - uncut", metric, what, a))
            rows.append(_row("budget cut", "settled regime: cut - uncut", metric, what, b))
            rows.append(_row("budget cut", "during - settled (the cut's extra effect)", metric,
                             what, a - b))
    return ts, pd.DataFrame(rows)


# ------------------------------------------------------------------ the figure
def plot_paths(results: dict, path: str | Path | None = None):
    """Trajectories of the reform paths with 95 % bands, reform steps marked: hysteresis
    (trust in government, NGOs), gradual vs sudden, the best and worst order of the shifts,
    a budget cut during the transition and in a settled regime. ``results``: question ->
    (trajectories, table, marks), marks the reform steps to draw."""
    from matplotlib.figure import Figure

    from ..figures.labels import METRIC_INFO
    from ..figures.plots import OKABE_ITO, save

    panels = [("hysteresis", "trust_gov", None, "a  roll-back after 60 steps", None),
              ("hysteresis", "unmet_need", None, "b  roll-back: the plan's stale record", None),
              ("hysteresis", "trust_ngo", None,
               "c  roll-back: trust in NGOs (reform = rolled back)", None),
              ("gradual", "unmet_need", None, "d  sudden or gradual (over 1, 12, 36)", (35, 110)),
              ("sequencing", "unmet_need", "extremes",
               "e  four shifts: lowest and highest cumulative cost", None),
              ("budget cut", "unmet_need", None, "f  a 20 % budget cut at step 55", None)]
    panels = [p for p in panels if p[0] in results]
    fig = Figure(figsize=(13, 7.2), layout="constrained")
    axes = fig.subplots(2, 3)
    for ax, (question, metric, pick, label, xlim) in zip(axes.flat, panels, strict=False):
        ts, table, marks = results[question]
        if pick == "extremes":
            cum = table[(table["metric"] == "cumulative unmet need") & (table["what"] == "level")]
            cum = cum.sort_values("mean")
            keep = [cum["contrast"].iloc[0], cum["contrast"].iloc[-1]]
            ts = ts[ts["path"].isin(keep)]
        b = bands(ts, metric)
        for i, (name, part) in enumerate(b.groupby("path", sort=False)):
            color = OKABE_ITO[i % len(OKABE_ITO)]
            part = part[part["step"] >= 1]
            short = name if len(name) < 40 else name.replace("comprehensive", "comp.").replace(
                "law_based", "law").replace("systemic", "syst.")
            ax.plot(part["step"], part["mean"], color=color, lw=1.6, label=short)
            ax.fill_between(part["step"], part["ci_low"], part["ci_high"], color=color,
                            alpha=0.2, lw=0)
        for t in marks:
            ax.axvline(t, color="0.4", ls=":", lw=1)
        ax.set_title(label, loc="left", fontsize=10)
        ax.set_xlabel("step")
        ax.set_ylabel(METRIC_INFO[metric].label if metric in METRIC_INFO else metric)
        if xlim:
            ax.set_xlim(*xlim)
        ax.legend(fontsize=7.5, frameon=False, loc="best")
        ax.grid(alpha=0.25)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    fig.suptitle("Reform paths: means over paired replicates with 95 % bands; dotted lines: "
                 "reform steps", fontsize=11)
    if path is not None:
        save(fig, path)
    return fig


# ------------------------------------------------------------------ all five
def all_questions(citizens=1000, replicates=5, seed=42, fast=False) -> dict:
    """The five questions; question -> (trajectories, table, reform steps). ``fast``: short
    runs and few orders, for a quick look (not the documented numbers)."""
    if fast:
        steps, long, every = 70, 100, 10
        orders = shift_orders()[::8]
        at, length, cut_at = 20, 25, 23
    else:
        steps, long, every, orders, at, length, cut_at = 150, 300, 24, None, 50, 60, 55
    kw = {"citizens": citizens, "replicates": replicates, "seed": seed}
    out = {}
    ts, table = transition_cost(at=at, steps=steps, **kw)
    out["transition"] = (ts, table, [at])
    ts, table = hysteresis(at=at, length=length, steps=long, **kw)
    out["hysteresis"] = (ts, table, [at, at + length])
    ts, table = gradual(at=at, steps=steps, overs=(1, 12, 36) if not fast else (1, 6, 18), **kw)
    out["gradual"] = (ts, table, [at])
    ts, table = sequencing(every=every, steps=steps, orders=orders, **kw)
    out["sequencing"] = (ts, table, [every * i for i in range(1, 5)])
    ts, table = budget_cut(at=at, cut_at=cut_at, steps=long if not fast else steps,
                           window=50 if not fast else steps - cut_at + 1, **kw)
    out["budget cut"] = (ts, table, [at, cut_at])
    return out


# reform steps of the documented runs (main), drawn as dotted lines
MARKS = {"transition": [50], "hysteresis": [50, 110], "gradual": [50],
         "sequencing": [24, 48, 72, 96], "budget cut": [50, 55]}


def read_results(folder: str | Path) -> dict:
    """The results ``main`` wrote to ``folder``: question -> (trajectories, table, marks)."""
    folder = Path(folder)
    out = {}
    for name, marks in MARKS.items():
        stem = name.replace(" ", "_")
        if (folder / f"{stem}.parquet").exists():
            out[name] = (pd.read_parquet(folder / f"{stem}.parquet"),
                         pd.read_csv(folder / f"{stem}.csv"), marks)
    return out


def main(argv=None) -> None:  # pragma: no cover - the documented run
    """``python -m cogov.model.studies.reforms [--only Q] [--out DIR] [--figure PNG]``: the five
    questions at 1,000 citizens, 5 replicates from base seed 42; tables and trajectories to
    DIR; ``--figure``: draw docs/figures/reform_paths.png from DIR (``--only none``: draw only)."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m cogov.model.studies.reforms")
    ap.add_argument("--citizens", type=int, default=1000)
    ap.add_argument("--replicates", type=int, default=5)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--out", type=Path, default=Path("out/reform_paths"))
    ap.add_argument("--figure", type=Path)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    kw = {"citizens": args.citizens, "replicates": args.replicates, "seed": args.seed}
    jobs = {"transition": lambda: transition_cost(**kw),
            "hysteresis": lambda: hysteresis(**kw), "gradual": lambda: gradual(**kw),
            "sequencing": lambda: sequencing(**kw), "budget cut": lambda: budget_cut(**kw)}
    for name, job in jobs.items():
        if args.only and name not in args.only:
            continue
        ts, table = job()
        stem = name.replace(" ", "_")
        ts.to_parquet(args.out / f"{stem}.parquet", index=False)
        table.to_csv(args.out / f"{stem}.csv", index=False)
        print(f"== {name}\n{table.round(4).to_string(index=False)}", flush=True)
    if args.figure:
        plot_paths(read_results(args.out), args.figure)
        print(f"figure -> {args.figure}")


if __name__ == "__main__":  # pragma: no cover
    main()

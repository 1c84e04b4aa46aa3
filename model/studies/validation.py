"""``run.py patterns``: run every pattern (model/studies/patterns.py) and write the report.

Writes, in the output folder: ``patterns.csv`` (one row per pattern: source, expected,
measured with its 95 % interval, pass), ``figures/validation/<pattern>.png`` (the
metric over time per arm, and the statistic per replicate against the expected region)
and ``validation.md`` (the table, then each pattern with its claim, runs, result and
figure). ``run.py patterns --out docs`` regenerates docs/validation.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from .patterns import Measurement, Pattern, measure

FIGURES = Path("figures") / "validation"
COLUMNS = ("pattern", "group", "source", "expected", "statistic", "measured", "ci_low", "ci_high",
           "n", "pass", "values", "scenario",
           # its reach (issue 22): at 3x the horizon, and over draws of its assumptions
           "holds_long", "measured_long", "robust_share", "robust_draws", "assumptions")


def slug(name: str) -> str:
    """A file name for a pattern: ``calibrated/pudong: hub_leverage`` -> ``calibrated_pudong_hub_leverage``."""
    return re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9.-]", "_", name)).strip("_")


def select(patterns: list[Pattern], only: list[str]) -> list[Pattern]:
    """The patterns named in ``only`` (a full name or the start of names); all if empty."""
    if not only:
        return patterns
    picked = [p for p in patterns if any(p.name == o or p.name.startswith(o) for o in only)]
    unknown = [o for o in only if not any(p.name == o or p.name.startswith(o) for p in patterns)]
    if unknown:
        raise ValueError(f"--only: no pattern named {', '.join(unknown)} (see run.py patterns --list)")
    return picked


def run_all(patterns: list[Pattern], fast: bool, seed: int, workers: int = 1,
            replicates: int | None = None,
            report: Callable[[str], None] = print, long: bool = True,
            robustness: int = 0) -> list[Measurement]:
    """Measure each pattern in turn, printing one line per pattern as it finishes: the
    claim, at 3x the horizon (``long``) and over ``robustness`` draws of its assumptions."""
    cache: dict = _Recent()
    out = []
    for i, pattern in enumerate(patterns, 1):
        if robustness:
            report(f"[{i}/{len(patterns)}] {pattern.name} ...")
        m = measure(pattern, fast=fast, seed=seed, workers=workers, replicates=replicates,
                    cache=cache, long=long, robustness=robustness, report=report)
        out.append(m)
        reach = ""
        if m.long is not None:
            reach += f"; x3 horizon {_fmt(m.long.mean)} -> {_yes(m.holds_long)}"
        if m.robustness is not None:
            rb = m.robustness
            reach += (f"; robust {sum(d.passed for d in rb.draws)}/{len(rb.draws)} draws"
                      + (f" ({rb.invalid} invalid)" if rb.invalid else ""))
        report(f"[{i}/{len(patterns)}] {pattern.name}: {_fmt(m.mean)} [{_fmt(m.ci_low)}, "
               f"{_fmt(m.ci_high)}] expected {pattern.check} -> {'pass' if m.passed else 'FAIL'}"
               f"{reach} ({m.n} replicates, {m.seconds:.1f} s)")
    return out


class _Recent(dict):
    """The runs of the last few measurements (patterns that share their arms follow each
    other in the registry), so a long report does not keep every run in memory."""

    def __init__(self, size: int = 6):
        super().__init__()
        self.size = size

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        while len(self) > self.size:
            del self[next(iter(self))]


def _yes(flag: bool | None) -> str:
    return "n/a" if flag is None else ("pass" if flag else "FAIL")


def _fmt(x: float) -> str:
    return "nan" if not np.isfinite(x) else f"{x:.4g}"


def table(measurements: list[Measurement]) -> pd.DataFrame:
    """patterns.csv: one row per pattern (no timings, so a rerun gives the same bytes)."""
    rows = []
    for m in measurements:
        p = m.pattern
        rows.append({"pattern": p.name, "group": p.group, "source": p.source,
                     "expected": str(p.check), "statistic": p.statistic_text, "measured": m.mean,
                     "ci_low": m.ci_low, "ci_high": m.ci_high, "n": m.n, "pass": m.passed,
                     "values": ";".join(f"{v:.6g}" for v in m.values),
                     "scenario": p.setup(m.fast),
                     "holds_long": m.holds_long,
                     "measured_long": m.long.mean if m.long is not None else np.nan,
                     "robust_share": m.robust_share,
                     "robust_draws": len(m.robustness.draws) if m.robustness else 0,
                     "assumptions": ";".join(p.assumed())})
    return pd.DataFrame(rows, columns=list(COLUMNS))


# ------------------------------------------------------------------- figures
def _band(ts: pd.DataFrame, metric: str):
    from scipy import stats

    g = ts[ts["step"] > 0].groupby("step")[metric]
    mean, sd, n = g.mean(), g.std(ddof=1).fillna(0.0), g.count()
    half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    return mean.index.to_numpy(), mean.to_numpy(), half.to_numpy()


def plot_pattern(m: Measurement, path: Path | None):
    """Left: the pattern's metric over time per arm. Right: the statistic per replicate,
    its mean with the 95 % interval, and the expected region (green). Returns the Figure."""
    from matplotlib.figure import Figure

    from ..figures.plots import save

    fig = Figure(figsize=(11, 3.8), layout="tight")
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    _plot_series(left, m)
    _plot_statistic(right, m)
    fig.suptitle(f"{m.pattern.name}: {'holds' if m.passed else 'does NOT hold'}", fontsize=11)
    save(fig, path)
    return fig


def _plot_series(ax, m: Measurement) -> None:
    p = m.pattern
    arms = list(m.timeseries.groupby("scenario", sort=False))
    for k, (arm, ts) in enumerate(arms):
        if p.draw == "replicates":  # bursts would be averaged away: show single runs
            for j, (_, run) in enumerate(list(ts.groupby("replicate"))[:3]):
                body = run[run["step"] > 0]
                label = f"replicate {j + 1}" if len(arms) == 1 else (arm if j == 0 else None)
                ax.plot(body["step"], body[p.metric], lw=0.8,
                        color=f"C{j if len(arms) == 1 else k}", label=label)
        else:
            x, mean, half = _band(ts, p.metric)
            ax.plot(x, mean, lw=1.4, color=f"C{k}", label=arm)
            ax.fill_between(x, mean - half, mean + half, color=f"C{k}", alpha=0.2, lw=0)
    for step in p.marks:
        ax.axvline(step, color="grey", ls=":", lw=1)
    if p.reference is not None:
        ax.axhline(p.reference, color="green", ls="--", lw=1, label="expected level")
    ax.set_xlabel("step")
    ax.set_ylabel(p.metric)
    ax.legend(fontsize=8)
    what = "first 3 replicates" if p.draw == "replicates" else "mean ± 95 % CI"
    ax.set_title(f"{p.metric} over time ({what})", fontsize=10)


def _plot_statistic(ax, m: Measurement) -> None:
    check = m.pattern.check
    finite = [v for v in (*m.values, m.ci_low, m.ci_high, check.lo, check.hi) if np.isfinite(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    pad = 0.1 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.1
    lo, hi = lo - pad, hi + pad
    ax.axhspan(max(check.lo, lo), min(check.hi, hi), color="green", alpha=0.12,
               label=f"expected {check}")
    x = np.linspace(-0.15, 0.15, len(m.values)) if len(m.values) > 1 else np.zeros(1)
    ax.scatter(x, m.values, s=14, color="C0", label="replicates", zorder=3)
    ax.errorbar([0.45], [m.mean], yerr=[[m.mean - m.ci_low], [m.ci_high - m.mean]],
                fmt="o", color="black" if m.passed else "red", capsize=4,
                label="mean, 95 % CI", zorder=4)
    ax.set_xlim(-0.4, 1.9)
    ax.set_ylim(lo, hi)
    ax.set_xticks([])
    ax.set_title(m.pattern.statistic_text, fontsize=9, wrap=True)
    ax.legend(fontsize=8, loc="center right")


# ------------------------------------------------------------------ markdown
def markdown(measurements: list[Measurement], fast: bool, seed: int, command: str) -> str:
    """validation.md: how it was made, the rule, the table, then one section per pattern."""
    held = sum(m.passed for m in measurements)
    failing = [m.pattern.name for m in measurements if not m.passed]
    lines = [
        "# Validation: the patterns the model claims",
        "",
        f"Generated by `{command}`{' (**fast run: small sizes, few replicates; not the documented numbers**)' if fast else ''}; "
        "do not edit by hand. The patterns, their sources, runs and criteria are data in "
        "`model/studies/patterns.py`; `run.py patterns` is documented in docs/experiments.md.",
        "",
        "Pattern-oriented modelling [Grimm2005]: a model is credible when it reproduces, "
        "at once, several patterns observed in the system or reported in the literature. "
        "Each pattern below states the expected outcome as a criterion on one statistic, "
        "measured per replicate (replicate seeds spawned from "
        f"{seed}; the runs of a pattern share their seeds, a paired design) and reported as the "
        "mean with its 95 % t-interval. **A pattern holds when the whole 95 % interval lies in "
        "the expected region**, so a direction or a threshold is established at 95 % confidence. "
        "A calibration target holds when the replicate mean is within its tolerance. "
        "A pattern that does not hold is reported here as failing, not removed.",
        "",
        f"**{held} of {len(measurements)} patterns hold.**"
        + (f" Not holding: {', '.join(f'`{n}`' for n in failing)}." if failing else ""),
        "",
        *_reach_text(measurements),
        "| # | pattern | source | expected | measured (95 % CI) | n | holds | holds at 3× steps "
        "| robust share | general |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, m in enumerate(measurements, 1):
        p = m.pattern
        lines.append(f"| {i} | [`{p.name}`](#{_anchor(i, p.name)}) | {p.source} | {p.check} | "
                     f"{_fmt(m.mean)} [{_fmt(m.ci_low)}, {_fmt(m.ci_high)}] | {m.n} | "
                     f"{'yes' if m.passed else '**no**'} | {_yes_no(m.holds_long)} | "
                     f"{_share(m)} | {_yes_no(general(m))} |")
    for i, m in enumerate(measurements, 1):
        lines += ["", *_section(i, m)]
    return "\n".join(lines) + "\n"


GENERAL_SHARE = 0.8  # README states a claim as general at this robust share or above


def general(m: Measurement) -> bool | None:
    """The README's rule (issue 22): a claim is stated as general only when it holds, holds
    at three times its horizon and in at least 80 % of the draws of its assumptions; None
    when its reach was not measured."""
    if m.long is None or m.robustness is None or not m.robustness.draws:
        return None
    return bool(m.passed and m.long.passed and m.robust_share >= GENERAL_SHARE)


def _yes_no(flag: bool | None) -> str:
    return "–" if flag is None else ("yes" if flag else "**no**")


def _share(m: Measurement) -> str:
    if m.robustness is None:
        return "–"
    rb = m.robustness
    if not rb.draws:
        return "no draws"
    return f"{rb.share:.2f} ({sum(d.passed for d in rb.draws)}/{len(rb.draws)})"


def _reach_text(measurements: list[Measurement]) -> list[str]:
    draws = max((len(m.robustness.draws) + m.robustness.invalid for m in measurements
                 if m.robustness is not None), default=0)
    text = [
        "**Reach.** Every pattern is measured again at three times its horizon (each arm's "
        "`steps` × 3, same replicates and criterion; statistics of a final window or of the "
        "whole run then read the longer run, shock steps stay where they are): *holds at 3× "
        "steps*. "
        + (f"And at {draws} Latin-hypercube draws over the assumed parameters it declares "
           "(`assumptions` in patterns.csv: keys of provenance kind *assumption*, "
           "docs/model.md §9, of the mechanisms its arms switch on, narrowed per pattern), one "
           "draw applied to every arm (paired), each draw judged by the same 95 % rule with "
           "the same replicates: *robust share* = the share of draws where the claim holds. "
           "A key is drawn over its declared range [lo, hi], unless that range is open (hi ≥ "
           "1000, or wider than 10 × the value the arms use), then over [value/2, 2·value] "
           "clipped to the bounds; draws the scenario rules refuse are left out. The draws' "
           "seed is derived from the run's seed and the pattern's name. "
           "**A claim is general** (README) only when it holds, holds at 3× steps and in at "
           f"least {GENERAL_SHARE:.0%} of its draws; otherwise README states the condition "
           "under which it holds." if draws else
           "Robustness over the assumptions was not measured in this run (`--robustness N`)."),
        "",
    ]
    return text


def _anchor(i: int, name: str) -> str:
    # GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens
    text = f"{i} {name}".lower()
    return re.sub(r"[^a-z0-9 _-]", "", text).replace(" ", "-")


def _section(i: int, m: Measurement) -> list[str]:
    p = m.pattern
    runs = "\n".join(f"  - `{line}`" for line in p.setup(m.fast).split("; "))
    return [
        f"## {i} {p.name}",
        "",
        f"**Claim** ({p.source}). {p.claim}",
        "",
        f"**Runs** ({m.n} replicates of each; replicate r has seed `replicate_seeds({m.seed}, "
        f"{m.n})[r]` of cogov.model.engine.run, as in `run.py compare --seed {m.seed} --replicates "
        f"{m.n}`, so `run.py run <scenario> --set ... --seed <seed>` repeats any run):",
        "",
        runs,
        "",
        f"**Statistic.** {p.statistic_text}; expected {p.check}.",
        "",
        f"**Result.** {_fmt(m.mean)}, 95 % CI [{_fmt(m.ci_low)}, {_fmt(m.ci_high)}] "
        f"(replicates: {', '.join(_fmt(v) for v in m.values)}): "
        f"{'holds' if m.passed else '**does not hold**'}.",
        *_section_reach(m),
        *([""] + [f"*Note.* {p.note}"] if p.note else []),
        "",
        f"![{p.name}]({(FIGURES / (slug(p.name) + '.png')).as_posix()})",
    ]


def _section_reach(m: Measurement) -> list[str]:
    out = []
    if m.long is not None:
        out += ["", f"**At 3× the horizon** (steps {', '.join(map(str, sorted(set(m.long.steps))))}). "
                f"{_fmt(m.long.mean)}, 95 % CI [{_fmt(m.long.ci_low)}, {_fmt(m.long.ci_high)}]: "
                f"{'holds' if m.long.passed else '**does not hold**'}."]
    rb = m.robustness
    if rb is not None:
        keys = ", ".join(f"`{k}` [{_fmt(lo)}, {_fmt(hi)}]" for k, (lo, hi) in rb.ranges.items())
        means = [d.mean for d in rb.draws]
        spread = (f"; the statistic ranged {_fmt(min(means))} … {_fmt(max(means))} over the draws"
                  if means else "")
        out += ["", f"**Robustness** over {len(rb.ranges)} assumptions ({keys or 'none'}): "
                f"holds in {sum(d.passed for d in rb.draws)} of {len(rb.draws)} draws"
                + (f" ({rb.invalid} refused by the scenario rules)" if rb.invalid else "")
                + f"{spread}."]
    return out


def write_report(measurements: list[Measurement], out: Path, fast: bool, seed: int,
                 command: str, prune: bool = False) -> list[Path]:
    """patterns.csv, one figure per pattern and validation.md in ``out``. ``prune`` (a run
    of every pattern) removes figures of patterns that no longer exist."""
    from ..engine.outputs import atomic_path, write_csv

    out = Path(out)
    written = [out / "patterns.csv"]
    write_csv(table(measurements), written[0])
    for m in measurements:
        path = out / FIGURES / f"{slug(m.pattern.name)}.png"
        plot_pattern(m, path)
        written.append(path)
    if prune:
        for stale in set((out / FIGURES).glob("*.png")) - set(written):
            stale.unlink()
    with atomic_path(out / "validation.md") as tmp:
        tmp.write_text(markdown(measurements, fast, seed, command), encoding="utf-8")
    written.append(out / "validation.md")
    return written

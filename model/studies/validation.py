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
           "n", "pass", "values", "scenario")


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
            report: Callable[[str], None] = print) -> list[Measurement]:
    """Measure each pattern in turn, printing one line per pattern as it finishes."""
    cache: dict = {}
    out = []
    for i, pattern in enumerate(patterns, 1):
        m = measure(pattern, fast=fast, seed=seed, workers=workers, replicates=replicates,
                    cache=cache)
        out.append(m)
        report(f"[{i}/{len(patterns)}] {pattern.name}: {_fmt(m.mean)} [{_fmt(m.ci_low)}, "
               f"{_fmt(m.ci_high)}] expected {pattern.check} -> {'pass' if m.passed else 'FAIL'} "
               f"({m.n} replicates, {m.seconds:.1f} s)")
    return out


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
                     "scenario": p.setup(m.fast)})
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
        "| # | pattern | source | expected | measured (95 % CI) | n | holds |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, m in enumerate(measurements, 1):
        p = m.pattern
        lines.append(f"| {i} | [`{p.name}`](#{_anchor(i, p.name)}) | {p.source} | {p.check} | "
                     f"{_fmt(m.mean)} [{_fmt(m.ci_low)}, {_fmt(m.ci_high)}] | {m.n} | "
                     f"{'yes' if m.passed else '**no**'} |")
    for i, m in enumerate(measurements, 1):
        lines += ["", *_section(i, m)]
    return "\n".join(lines) + "\n"


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
        *([""] + [f"*Note.* {p.note}"] if p.note else []),
        "",
        f"![{p.name}]({(FIGURES / (slug(p.name) + '.png')).as_posix()})",
    ]


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

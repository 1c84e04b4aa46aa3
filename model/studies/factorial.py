"""Main effects and two-way interactions of a 2^k factorial sweep over on/off switches.

A sweep whose grid keys are all on/off switches with both values (e.g. Essay 7's four
shifts: ``--grid governance.collaboration=off,on --grid governance.source=off,on ...``)
is a two-level full factorial. With each switch coded x = −1 (off) / +1 (on), the
effect of a term (one switch, or the product of two) on a metric is the usual contrast
of cell means [Montgomery, Design and Analysis of Experiments, ch. 6]:

    effect = (1 / 2^(k−1)) · Σ_cells c_j · ȳ_j,   c_j = the product of the term's codes,

so a main effect is the mean of the metric with the switch on minus with it off,
averaged over the other switches, and a two-way interaction AB is half the difference
between A's effect with B on and with B off. Its 95 % interval is a t-interval with
the within-cell (pure error) variance pooled over cells:

    se² = (1 / 2^(k−1))² · Σ_j s² / n_j,   s² = Σ_j (n_j − 1)·s_j² / Σ_j (n_j − 1),

on Σ_j (n_j − 1) degrees of freedom (exact for normal replicates; failed runs just
make n_j unequal). Replicates are final-window means (the sweep's runs table).

    >>> import pandas as pd
    >>> runs = pd.DataFrame({"a": [False, True] * 4, "b": [False] * 4 + [True] * 4,
    ...                      "y": [0.0, 2.0, 0.2, 2.2, 1.0, 3.0, 1.2, 3.2], "status": "ok"})
    >>> table = effects(runs, ["a", "b"], ["y"])
    >>> table[["term", "effect"]].round(3).values.tolist()
    [['a', 2.0], ['b', 1.0], ['a × b', 0.0]]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine.design import linked_keys
from ..figures.labels import axis_label, title
from ..figures.plots import OKABE_ITO, _caption, _grid, save
from ..scenario.errors import BOOL_WORDS

# the outcomes the source's framework is about (issue 13): service, credibility, order
# (unrest, crime) and the disputes the comprehensive and source shifts act on
FACTORIAL_METRICS = ("unmet_need", "trust_gov", "unrest", "crime_rate", "disputes_open_per_1000")
CONFIDENCE = 0.95
MAX_LEVELS = 6  # sweeps with more levels of a factor get no effects table (a response curve)


def short(key: str) -> str:
    """``governance.source`` -> ``source``: a switch's name in a term (each part of a
    linked factor ``a.x+b.y`` -> ``x+y``)."""
    return "+".join(k.rsplit(".", 1)[-1] for k in key.split("+"))


def _as_switch(values: pd.Series) -> pd.Series | None:
    """The column as booleans if it holds exactly the two values off and on (in any of the
    words a scenario accepts for them), else None."""
    mapped = values.map(lambda v: BOOL_WORDS.get(v.lower(), v) if isinstance(v, str) else v)
    if set(mapped.unique()) == {False, True}:
        return mapped.astype(bool)
    return None


def switch_keys(runs: pd.DataFrame, keys: Sequence[str]) -> list[str]:
    """The keys of a sweep that make a two-level full factorial, or [] if it is not one:
    every key an on/off switch with both values, every combination present."""
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    if not keys or not len(ok) or any(k not in ok for k in keys):
        return []
    coded = [_as_switch(ok[k]) for k in keys]
    if any(c is None for c in coded):
        return []
    cells = pd.concat(coded, axis=1).drop_duplicates()
    return list(keys) if len(cells) == 2 ** len(keys) else []


def present_metrics(runs: pd.DataFrame, metrics: Sequence[str]) -> tuple[list[str], dict]:
    """The metrics that carry data, and why each other one was left out: absent from the
    results (its mechanism is not in this version, e.g. ``crime_rate``), never
    measured (all NaN), or the same value in every run (its mechanism is off)."""
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    keep, skipped = [], {}
    for m in metrics:
        if m not in ok:
            skipped[m] = "not in the results"
        elif ok[m].isna().all():
            skipped[m] = "never measured"
        elif ok[m].nunique(dropna=True) == 1:
            skipped[m] = f"{ok[m].dropna().iloc[0]:g} in every run"
        else:
            keep.append(m)
    return keep, skipped


def terms(keys: Sequence[str]) -> list[tuple[str, ...]]:
    """Main effects, then every two-way interaction, in the keys' order."""
    return [(k,) for k in keys] + list(itertools.combinations(keys, 2))


def effects(runs: pd.DataFrame, keys: Sequence[str], metrics: Sequence[str],
            confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Every main effect and two-way interaction of ``keys`` on each metric (module doc).

    Columns: metric, term (``source`` or ``collaboration × source``), order (1 or 2),
    effect, se, df, ci_low, ci_high, n (runs). Raises ValueError if ``keys`` are not a
    two-level full factorial in ``runs``.
    """
    from scipy import stats

    if switch_keys(runs, keys) != list(keys):
        raise ValueError(f"not a two-level full factorial over on/off switches: {list(keys)}")
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    codes = pd.DataFrame({k: np.where(_as_switch(ok[k]), 1.0, -1.0) for k in keys},
                         index=ok.index)
    half_cells = 2.0 ** (len(keys) - 1)
    rows = []
    for metric in metrics:
        data = pd.concat([codes, ok[metric].astype(float).rename("_y")], axis=1).dropna()
        cells = data.groupby(list(keys))["_y"].agg(["mean", "var", "count"]).reset_index()
        dof = float((cells["count"] - 1).sum())
        pooled = float(((cells["count"] - 1) * cells["var"].fillna(0)).sum() / dof) \
            if dof > 0 else math.nan
        t = float(stats.t.ppf(0.5 + confidence / 2, dof)) if dof > 0 else math.nan
        for term in terms(keys):
            sign = np.prod([cells[k].to_numpy() for k in term], axis=0)
            effect = float((sign * cells["mean"]).sum() / half_cells)
            se = math.sqrt(pooled * float((1.0 / cells["count"]).sum())) / half_cells \
                if dof > 0 else math.nan
            rows.append({"metric": metric, "term": " × ".join(short(k) for k in term),
                         "order": len(term), "effect": effect, "se": se, "df": dof,
                         "ci_low": effect - t * se, "ci_high": effect + t * se,
                         "n": int(cells["count"].sum())})
    return pd.DataFrame(rows)


def cell_means(runs: pd.DataFrame, keys: Sequence[str], metrics: Sequence[str]) -> pd.DataFrame:
    """Mean of each metric in each cell of the design (one row per cell)."""
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    table = ok[list(keys)].apply(_as_switch).join(ok[list(metrics)])
    return table.groupby(list(keys)).mean().reset_index()


def sweep_effects(folder) -> tuple[pd.DataFrame, list[str], dict] | None:
    """(effects, switch keys, skipped metrics) of a sweep folder that is a two-level
    factorial over on/off switches, or None; the metrics are :data:`FACTORIAL_METRICS`
    that carry data."""
    import json
    from pathlib import Path

    folder = Path(folder)
    if not (folder / "runs.parquet").exists() or not (folder / "sweep.json").exists():
        return None
    runs = pd.read_parquet(folder / "runs.parquet")
    meta = json.loads((folder / "sweep.json").read_text())
    runs, grid = with_linked_factors(runs, meta.get("keys", []),
                                     meta.get("design", {}).get("grid", {}))
    keys = switch_keys(runs, grid)
    if keys:
        metrics, skipped = present_metrics(runs, FACTORIAL_METRICS)
        return effects(runs, keys, metrics), keys, skipped
    if "method" in meta.get("design", {}):
        return None  # a sensitivity analysis: its samples are no grid
    keys = factor_keys(runs, grid)
    if not keys or any(len(levels(runs[k])) > MAX_LEVELS for k in keys):
        return None
    metrics, skipped = present_metrics(runs, FACTORIAL_METRICS)
    return factor_effects(runs, keys, metrics), keys, skipped


def with_linked_factors(runs: pd.DataFrame, keys: Sequence[str],
                        grid: dict) -> tuple[pd.DataFrame, list[str]]:
    """The runs with one column per linked grid factor ``a+b`` (its level as ``on+off``
    text) and the sweep's keys with each linked factor in place of the keys it sets."""
    linked = [k for k in grid if "+" in k]
    if not linked:
        return runs, list(keys)
    runs, keys = runs.copy(), list(keys)
    for name in linked:
        members = linked_keys(name)
        if any(m not in runs for m in members):
            continue
        runs[name] = ["+".join(level_text(v) for v in row)
                      for row in runs[members].itertuples(index=False)]
        at = min(keys.index(m) for m in members if m in keys)
        keys = [k for k in keys if k not in members]
        keys.insert(min(at, len(keys)), name)
    return runs, keys


def format_effects(table: pd.DataFrame, digits: int = 3) -> str:
    """A plain-text table: one line per metric and term, effect and its 95 % interval."""
    width = max([30, *(len(t) for t in table["term"])])
    lines = [f"{'metric':<14} {'term':<{width}} {'effect':>9}   95 % CI"]
    for row in table.itertuples():
        ci = (f"[{row.ci_low:+.{digits}f}, {row.ci_high:+.{digits}f}]"
              if math.isfinite(row.ci_low) else "n/a")
        lines.append(f"{row.metric:<14} {row.term:<{width}} {row.effect:>+9.{digits}f}   {ci}")
    return "\n".join(lines)


# ----------------------------------------------------------------- factorial
def plot_effects(table, path: str | Path | None = None, *, skipped: dict | None = None,
                 title_text: str = ""):
    """Main effects and two-way interactions of a two-level factorial (model/studies/factorial.py)
    with their 95 % t-intervals: one panel per metric, one row per term.

    Args:
        table: :func:`cogov.model.studies.factorial.effects`'s table.
        path: where to save the PNG (not saved if None).
        skipped: metrics left out and why (:func:`cogov.model.studies.factorial.present_metrics`),
            named in the caption.
        title_text: figure title.
    """
    from matplotlib.ticker import MaxNLocator

    metrics = list(dict.fromkeys(table["metric"]))
    if not metrics:
        raise ValueError("no metric carries data: nothing to draw")
    general = "kind" in table  # factor_effects: any factors, paired by seed
    # the term labels take room beside each panel: about 0.055 in per character at 7 pt
    longest = max(len(str(t)) for t in table["term"])
    fig, axes = _grid(len(metrics), cols=min(4, len(metrics)),
                      width=2.2 + 0.055 * max(longest, 30),
                      height=0.32 * table["term"].nunique() + 1.4)
    for ax, metric in zip(axes, metrics, strict=True):
        rows = table[table["metric"] == metric].reset_index(drop=True)
        y = np.arange(len(rows))[::-1].astype(float)
        kinds = rows["kind"] if "kind" in rows else rows["order"].map({1: "main", 2: "interaction"})
        colours = [KIND_COLOURS[k] for k in kinds]
        for row, at, colour in zip(rows.itertuples(), y, colours, strict=True):
            ax.errorbar([row.effect], [at], xerr=[[row.effect - row.ci_low],
                                                  [row.ci_high - row.effect]],
                        fmt="o", color=colour, ms=4, elinewidth=1.2, capsize=2)
        ax.axvline(0.0, color="0.3", lw=0.8)
        ax.set_yticks(y, rows["term"], fontsize=7)
        ax.set_title(title(metric), fontsize=10)
        ax.set_xlabel(f"effect ({'level − reference' if general else 'on − off'}), "
                      f"{axis_label(metric)}", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.grid(alpha=0.3, axis="x")
    if title_text:
        fig.suptitle(title_text, fontsize=11)
    n = int(table["n"].iloc[0])
    left_out = "; ".join(f"{title(m) if m in _known_metrics() else m} ({why})"
                         for m, why in (skipped or {}).items())
    if general:
        text = (f"blue: main effect (level − reference, the grid's first value, averaged over "
                f"the other factors); green: simple effect (the same at one level of another "
                f"factor, after |); vermillion: interaction (difference-in-differences); paired "
                f"by seed, 95 % t-intervals over {n} seeds (final-window means).")
    else:
        text = (f"blue: main effect (mean with the switch on − off, averaged over the "
                f"others); vermillion: two-way interaction (half the change of one switch's "
                f"effect when the other is on); 95 % t-intervals, pooled within-cell "
                f"variance, {n} runs (final-window means).")
    _caption(fig, text, f"left out: {left_out}" if left_out else "")
    save(fig, path)
    return fig


KIND_COLOURS = {"main": OKABE_ITO[0], "simple": OKABE_ITO[2], "interaction": OKABE_ITO[1]}


def _known_metrics() -> set[str]:
    from ..figures.labels import METRIC_INFO

    return set(METRIC_INFO)


# ------------------------------------------------------- any factor, paired by seed
def levels(values: pd.Series) -> list:
    """A factor's levels in the order they first appear in the runs (the grid's order, so
    the reference level is the first value given to ``--grid``)."""
    return list(dict.fromkeys(v for v in values if not _missing(v)))


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def level_text(value) -> str:
    """A level as written in a term: on/off for booleans, ``0.3`` (not 0.30000000000000004)."""
    if isinstance(value, bool | np.bool_):
        return "on" if value else "off"
    if isinstance(value, float | np.floating):
        return f"{float(value):.10g}"
    return str(value)


def factor_keys(runs: pd.DataFrame, keys: Sequence[str]) -> list[str]:
    """The keys of a sweep that make a full factorial of any factors (two or more levels
    each, every combination present among the ok runs, every seed at every point), or []."""
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    if not keys or not len(ok) or any(k not in ok for k in keys) or "seed" not in ok:
        return []
    found = [levels(ok[k]) for k in keys]
    if any(len(x) < 2 for x in found):
        return []
    cells = ok[list(keys)].astype(str).drop_duplicates()
    return list(keys) if len(cells) == math.prod(len(x) for x in found) else []


def _contrast(y: pd.DataFrame, weights: np.ndarray, confidence: float) -> dict:
    """A contrast of the cells (rows of ``y``, seeds in columns), per seed, then its mean
    and t-interval over the seeds where every weighted cell is defined."""
    from scipy import stats

    used = weights != 0
    values = y.to_numpy(dtype=float)
    per_seed = weights[used] @ values[used]
    per_seed = per_seed[np.isfinite(per_seed)]
    n = len(per_seed)
    effect = float(per_seed.mean()) if n else math.nan
    if n < 2:
        return {"effect": effect, "se": math.nan, "df": float(max(n - 1, 0)),
                "ci_low": math.nan, "ci_high": math.nan, "n": n}
    se = float(per_seed.std(ddof=1) / math.sqrt(n))
    t = float(stats.t.ppf(0.5 + confidence / 2, n - 1))
    return {"effect": effect, "se": se, "df": float(n - 1), "ci_low": effect - t * se,
            "ci_high": effect + t * se, "n": n}


def factor_effects(runs: pd.DataFrame, keys: Sequence[str], metrics: Sequence[str],
                   confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Main effects, simple effects and interactions (difference-in-differences) of any
    categorical or numeric factors of a full-factorial grid, paired by seed.

    Every point of a sweep runs the same replicate seeds, so each contrast is computed
    within a seed and its 95 % t-interval taken over the seeds (n − 1 degrees of freedom;
    seeds with a failed or undefined cell are left out of that contrast). A factor's
    reference level is its first value in the grid. With ȳ(cell, seed) a run's
    final-window mean:

    - main effect of A at level a: mean over the other factors' cells of
      ȳ(A=a) − ȳ(A=a₀) (``kind`` main; ``term`` ``size: 0.3 − 0``);
    - simple effect of A at level a given B=b: the same within B=b (``kind`` simple;
      ``size: 0.3 − 0 | adaptation=on``), e.g. the effect of a budget cut under each regime;
    - interaction A × B at (a, b): [ȳ(a, b) − ȳ(a₀, b)] − [ȳ(a, b₀) − ȳ(a₀, b₀)], averaged
      over the other factors (``kind`` interaction): how much B changes A's effect. (Twice
      the ±1-coded interaction of two switches' table, :func:`effects`.)

    Columns: metric, term, order (1 main/simple, 2 interaction), effect, se, df, ci_low,
    ci_high, n (seeds paired), kind, factor, level, reference, given.

        >>> runs = pd.DataFrame({"regime": ["td"] * 4 + ["ad"] * 4, "cut": [0.0, 0.3] * 4,
        ...                      "seed": [1, 1, 2, 2] * 2,
        ...                      "y": [0.2, 0.5, 0.3, 0.6, 0.1, 0.2, 0.1, 0.3]})
        >>> t = factor_effects(runs, ["regime", "cut"], ["y"])
        >>> t[["term", "effect"]].round(3).values.tolist()[-1]
        ['regime × cut: (ad − td) × (0.3 − 0)', -0.15]
    """
    if factor_keys(runs, keys) != list(keys):
        raise ValueError(f"not a full factorial with every seed at every point: {list(keys)}")
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    found = {k: levels(ok[k]) for k in keys}
    coded = pd.DataFrame({k: ok[k].map({v: i for i, v in enumerate(found[k])}) for k in keys},
                         index=ok.index)
    rows = []
    for metric in metrics:
        table = coded.assign(seed=ok["seed"], _y=ok[metric].astype(float))
        y = table.groupby([*keys, "seed"])["_y"].mean().unstack("seed")
        cells = y.index.to_frame(index=False) if len(keys) > 1 else \
            pd.DataFrame({keys[0]: y.index.to_numpy()})

        def add(weights, metric=metric, y=y, **info):
            rows.append({"metric": metric, **info, **_contrast(y, weights, confidence)})

        for a in keys:
            ref = found[a][0]
            for i, level in enumerate(found[a][1:], start=1):
                name = f"{short(a)}: {level_text(level)} − {level_text(ref)}"
                hi, lo = (cells[a] == i).to_numpy(), (cells[a] == 0).to_numpy()
                add((hi / hi.sum() - lo / lo.sum()), term=name, order=1, kind="main",
                    factor=a, level=level_text(level), reference=level_text(ref), given="")
                for b in keys:
                    if b == a:
                        continue
                    for j, value in enumerate(found[b]):
                        at = (cells[b] == j).to_numpy()
                        w = (hi & at) / (hi & at).sum() - (lo & at) / (lo & at).sum()
                        given = f"{short(b)}={level_text(value)}"
                        add(w, term=f"{name} | {given}", order=1, kind="simple", factor=a,
                            level=level_text(level), reference=level_text(ref),
                            given=f"{b}={level_text(value)}")
        for a, b in itertools.combinations(keys, 2):
            for i, la in enumerate(found[a][1:], start=1):
                for j, lb in enumerate(found[b][1:], start=1):
                    ca, cb = cells[a].to_numpy(), cells[b].to_numpy()
                    w = np.zeros(len(cells))
                    for (x, y_), sign in (((i, j), 1), ((0, j), -1), ((i, 0), -1), ((0, 0), 1)):
                        at = (ca == x) & (cb == y_)
                        w += sign * at / at.sum()
                    add(w, term=f"{short(a)} × {short(b)}: ({level_text(la)} − "
                               f"{level_text(found[a][0])}) × ({level_text(lb)} − "
                               f"{level_text(found[b][0])})",
                        order=2, kind="interaction", factor=f"{a} × {b}",
                        level=f"{level_text(la)} × {level_text(lb)}",
                        reference=f"{level_text(found[a][0])} × {level_text(found[b][0])}",
                        given="")
    columns = ["metric", "term", "order", "effect", "se", "df", "ci_low", "ci_high", "n",
               "kind", "factor", "level", "reference", "given"]
    return pd.DataFrame(rows, columns=columns)

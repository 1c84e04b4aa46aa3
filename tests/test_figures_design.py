"""Figures of issue 25, item 8: sweep.png of a mixed design draws switches as categories
with each point's interval; gap.png keeps long titles and the colour-bar label inside
the figure, and draws a one-key range as a line with its band."""

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg

from cogov.model.figures.plots import plot_sweep
from cogov.model.studies.gap import plot_gap, winner

KEY = "mechanisms.resources.social_capacity"


def _mixed_runs():
    rows, point = [], 0
    for adaptation in (False, True):
        for size in (0.0, 0.3):
            for budget in (1.0, 1.2):
                for r in range(3):
                    y = 0.2 + 0.1 * size - 0.05 * adaptation + 0.01 * r
                    rows.append({"point": point, "replicate": r, "seed": r, "status": "ok",
                                 "governance.adaptation": adaptation, "shocks.0.size": size,
                                 "budget.per_capita": budget, "unmet_need": y})
                point += 1
    return pd.DataFrame(rows)


def test_a_mixed_sweep_draws_switches_as_categories_with_intervals():
    keys = ["governance.adaptation", "shocks.0.size", "budget.per_capita"]
    fig = plot_sweep(_mixed_runs(), keys, metrics=["unmet_need"])
    switch, size = fig.axes[0], fig.axes[1]
    assert [t.get_text() for t in switch.get_xticklabels()] == ["off", "on"]
    assert switch.get_xlim() == (-0.5, 1.5)
    xs = switch.containers[0].lines[0].get_xdata()
    assert len(set(np.round(xs, 6))) == 8  # points of a category side by side, not stacked
    for ax in (switch, size):
        (bars,) = ax.containers  # an errorbar per point: the caption's intervals are drawn
        segments = bars.lines[2][0].get_segments()
        assert len(segments) == 8 and any(s[1][1] > s[0][1] for s in segments)
    assert "interval" in " ".join(t.get_text() for t in fig.texts)


def _gap_table(groups=(1,), xs=(0.0, 0.2, 0.4)):
    return pd.DataFrame([{"point": i, "g": g, KEY: x, "n": 2, "unmet_need_gap": x - 0.2,
                          "unmet_need_gap_ci_low": x - 0.3, "unmet_need_gap_ci_high": x - 0.1,
                          "winner": winner(x - 0.3, x - 0.1, "lower")}
                         for i, (g, x) in enumerate((g, x) for g in groups for x in xs)])


def _inside(fig, artist) -> bool:
    FigureCanvasAgg(fig).draw()
    box = artist.get_window_extent()
    page = fig.bbox
    return box.x0 >= page.x0 - 1 and box.x1 <= page.x1 + 1 and box.y1 <= page.y1 + 1


def test_a_one_key_gap_is_a_line_with_its_band():
    fig = plot_gap(_gap_table(), [KEY], [KEY], None, ("A", "B"), n=2)
    (ax,) = [a for a in fig.axes if a.get_visible()]
    assert not ax.images  # no one-row heat map
    (line,) = [x for x in ax.get_lines() if len(x.get_xdata()) == 3]
    assert list(line.get_ydata()) == [-0.2, 0.0, 0.2]
    assert ax.collections  # the band (and the points coloured by the winner)


def test_long_names_stay_inside_the_gap_figure():
    names = ("adaptive_collaboration_with_thirty_percent_budget_cut",
             "top_down_administration_with_thirty_percent_budget_cut")
    table = _gap_table(xs=(0.0, 0.2))
    table = pd.concat([table.assign(**{"r2": v}) for v in (0.5, 1.0)], ignore_index=True)
    fig = plot_gap(table, [KEY, "r2"], [KEY, "r2"], None, names, n=2)
    assert _inside(fig, fig._suptitle) and "\n" in fig._suptitle.get_text()
    bar = fig.axes[-1]
    assert _inside(fig, bar.yaxis.label)

"""Figures: every kind renders something readable, labelled from docs/model.md, with
confidence bands inside each metric's range, the 2x2 design encoded and shocks marked."""

import math
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from cogov.model import load_scenario
from cogov.model.engine.compare import run_replicates
from cogov.model.engine.run import run_scenario
from cogov.model.engine.stats import summarize
from cogov.model.figures import plots
from cogov.model.figures.labels import METRIC_INFO, parse_metric_table
from cogov.model.figures.plots import MAIN_METRICS, metrics_to_draw
from cogov.model.sim.reporters import METRICS
from cogov.model.studies.sensitivity import plot_indices
from cogov.model.ui.cli import format_summary, main
from tests.conftest import ROOT, small

TINY = ["--set", "population.citizens=300", "--set", "population.districts=3",
        "--set", "organizations.ngos=9", "--set", "warmup=5", "--steps", "12"]


def drawn(**keys):
    return metrics_to_draw(run_scenario(small(steps=12, **keys), seed=1).metrics)


def pixels(fig) -> np.ndarray:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3]


def assert_readable(fig, min_panels: int = 1) -> None:
    """Not blank, and every panel has a title and axis labels."""
    image = pixels(fig)
    assert image.std() > 10, "the figure is (nearly) one colour"
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) >= min_panels
    for ax in panels:
        assert ax.get_title() and ax.get_ylabel() and ax.get_xlabel(), ax
        assert ax.has_data()


def table_header(printed: str) -> list[str]:
    """The column names of the printed summary table (its line starting with 'scenario')."""
    return next(line.split() for line in printed.splitlines() if line.startswith("scenario "))


def ts_of(*names, replicates=3, **keys):
    scenarios = [load_scenario(n, {"population.citizens": 300, "population.districts": 3,
                                   "organizations.ngos": 9, "warmup": 5, "steps": 15, **keys})
                 for n in names]
    return scenarios, run_replicates(scenarios, replicates, base_seed=3)


# ------------------------------------------------------------ labels and rules
def test_metric_labels_are_docs_models_table():
    table = parse_metric_table((ROOT / "docs/model.md").read_text(encoding="utf-8"))
    assert table == METRIC_INFO, "docs/model.md section 8 must match the @metric declarations"
    assert set(METRICS) == set(table)
    assert METRIC_INFO["unmet_need"].bounds == (0.0, 1.0)
    assert METRIC_INFO["resource_leverage"].bounds == (1.0, math.inf)


# modules that still draw with pyplot and switch to Agg (written before model/plots.py's
# Figure-based helpers; they can adopt them: docs/experiments.md, "What the figures show")
PENDING: set[str] = set()  # modules still drawing with pyplot (none)


def test_library_code_never_switches_the_backend_or_uses_pyplot():
    for path in (ROOT / "model").rglob("*.py"):
        if path.name in PENDING:
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"matplotlib\.use\(|\buse\(\"Agg\"\)", text), path.name
        assert not re.search(r"import matplotlib\.pyplot|from matplotlib import pyplot", text), \
            path.name


def test_core_runs_draw_the_main_metrics_only():
    assert drawn() == MAIN_METRICS
    assert drawn(**{"governance.collaboration": True}) == MAIN_METRICS


def test_ecology_metrics_appear_with_their_mechanisms():
    # co-production off: with it, need is met well enough that no cell needs incubation;
    # warmup 0: the warm-up fills the gaps before step 1, so the NGO count would not change
    names = drawn(**{"governance.collaboration": True, "organizations.ngos": 4, "warmup": 0,
                     "mechanisms.incentives.enabled": False,
                     "mechanisms.incubation.enabled": True,
                     "mechanisms.collective_bargaining.enabled": True,
                     "mechanisms.collective_bargaining.rate": 0.2})
    assert {"ngo_count", "contract_coverage", "labour_disputes"} <= set(names)
    assert "project_failures" not in names


def test_mechanism_presets_get_their_headline_metrics():
    hubs = [load_scenario("hub_strategy"), load_scenario("hub_strategy_fixed")]
    panels = plots.default_metrics(hubs)
    assert panels[:2] == ("hub_funds_raised", "hub_reach") and "unmet_need" in panels
    core = [load_scenario(p) for p in ("top_down", "adaptive")]
    assert plots.default_metrics(core) == MAIN_METRICS
    relocation = plots.default_metrics([load_scenario("relocation_adaptive")])
    assert relocation[:2] == ("relocation_unmet", "relocation_compensation")


# ------------------------------------------------------------------ intervals
def test_bootstrap_band_stays_within_the_metric_range():
    # a t-interval of these would go below 0 (mean 0.1, sd 0.17, n = 3)
    values = np.array([[0.0, 5.0], [0.0, 0.0], [0.3, 0.0]])
    mean, low, high = plots.bootstrap_ci(values[:, :1], "unmet_need")
    assert low[0] >= 0 and high[0] <= 1 and low[0] <= mean[0] <= high[0]
    _, low, _ = plots.bootstrap_ci(values[:, 1:], "project_failures")
    assert low[0] >= 0
    mean, low, high = plots.bootstrap_ci(np.array([[0.4]]), "unmet_need")
    assert mean[0] == 0.4 and np.isnan(low[0]) and np.isnan(high[0])  # one replicate: none


def test_one_replicate_prints_n_a_not_zero():
    assert plots.estimate_text(0.5, 0.0, 1) == "0.500 ± n/a"
    assert plots.estimate_text(0.5, 0.02, 10) == "0.500 ± 0.020"
    assert plots.estimate_text(float("nan"), 0.0, 10) == "n/a"
    _, ts = ts_of("top_down", "adaptive", replicates=1)
    table = format_summary(summarize(ts, 5))
    assert "± n/a" in table and "± 0.000" not in table


def test_compare_bands_are_bounded_and_the_design_is_encoded(tmp_path):
    scenarios, ts = ts_of("top_down", "responsive_top_down", "collaborative", "adaptive")
    fig = plots.plot_compare(ts, tmp_path / "c.png", scenarios=scenarios)
    assert (tmp_path / "c.png").stat().st_size > 20_000
    assert_readable(fig, 8)
    by_title = {ax.get_title(): ax for ax in fig.axes}
    assert set(by_title) == {METRIC_INFO[m].label for m in MAIN_METRICS}
    assert by_title["unmet need"].get_ylabel() == "share of need"
    for metric in ("unmet_need", "service_gini", "satisfaction"):
        for band in by_title[METRIC_INFO[metric].label].collections:
            y = np.concatenate([p.vertices[:, 1] for p in band.get_paths()])
            y = y[np.isfinite(y)]
            assert y.min() >= 0 and y.max() <= 1, metric
    lines = {ln.get_label(): ln for ln in by_title["unmet need"].get_lines()
             if not ln.get_label().startswith("_")}
    colours = {name.split()[0]: (ln.get_color(), ln.get_linestyle()) for name, ln in lines.items()}
    assert colours["top_down"][0] == colours["responsive_top_down"][0]  # collaboration off
    assert colours["collaborative"][0] == colours["adaptive"][0] != colours["top_down"][0]
    assert colours["top_down"][1] == colours["collaborative"][1] != colours["adaptive"][1]
    assert {c for c, _ in colours.values()} <= set(plots.OKABE_ITO)
    assert "n = 3 replicates" in "".join(t.get_text() for t in fig.texts)
    assert "one budget period" in fig._supxlabel.get_text()


def test_other_scenario_sets_get_distinct_colours():
    styles = plots.scenario_styles([load_scenario("hub_strategy"),
                                    load_scenario("hub_strategy_fixed")])
    assert len({s["color"] for s in styles.values()}) == 2


def test_shocks_are_marked_on_the_time_axis():
    scenarios, ts = ts_of("incident_top_down", "incident_adaptive", replicates=2,
                          **{"shocks.0.step": 8})
    fig = plots.plot_compare(ts, scenarios=scenarios, metrics=["attention", "unmet_need"])
    for ax in fig.axes:
        vertical = [ln for ln in ax.get_lines() if list(ln.get_xdata()) == [8, 8]]
        assert vertical, ax.get_title()
    assert "incident at step 8" in "".join(t.get_text() for t in fig.texts)
    assert_readable(fig, 2)


# ---------------------------------------------------------------- every kind
def test_run_figure(tmp_path):
    result = run_scenario(small(steps=12), seed=1)
    fig = plots.plot_run(result.metrics, tmp_path / "m.png", title="small")
    assert_readable(fig, len(MAIN_METRICS))
    assert (tmp_path / "m.png").exists()


def _sweep_runs(keys_values: dict, replicates: int = 2):
    from cogov.model.engine.design import Design
    from cogov.model.engine.sweep import sweep

    base = small(steps=10, warmup=5, **{"population.citizens": 300})
    return sweep(base, Design(grid=keys_values), replicates=replicates)


def test_sweep_heatmap_has_off_on_labels_cell_values_and_a_scale_per_metric(tmp_path):
    runs = _sweep_runs({"governance.adaptation": [False, True],
                        "population.need.shift.size": [0.0, 0.3, 0.6]})
    keys = ["governance.adaptation", "population.need.shift.size"]
    fig = plots.plot_sweep(runs, keys, tmp_path / "s.png", metrics=["unmet_need", "trust_gov"])
    assert (tmp_path / "s.png").exists()
    assert_readable(fig, 2)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == len(panels) == 2
    for ax in panels:
        assert [t.get_text() for t in ax.get_yticklabels()] == ["off", "on"]
        assert ax.get_ylabel() == "governance.adaptation"
        cells = [t.get_text() for t in ax.texts]
        assert len(cells) == 6 and all("[" in c for c in cells)  # mean and CI per cell


def test_sweep_of_one_switch_is_categorical(tmp_path):
    runs = _sweep_runs({"governance.adaptation": [False, True]})
    fig = plots.plot_sweep(runs, ["governance.adaptation"], metrics=["unmet_need"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["off", "on"]
    assert_readable(fig, 1)


def test_indices_figure_has_full_names_n_and_no_empty_panels():
    rows = []
    for metric in ("unmet_need", "trust_gov", "satisfaction"):
        for p in ("mechanisms.trust.basis", "organizations.ngo_efficiency"):
            rows += [{"metric": metric, "parameter": p, "index": k, "value": v, "conf": 0.05}
                     for k, v in (("S1", 0.3), ("ST", 0.4))]
    fig = plot_indices(pd.DataFrame(rows), method="sobol", n=64, runs=384)
    assert len(fig.axes) == 3  # one per metric, none empty
    assert_readable(fig, 3)
    names = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert names == ["mechanisms.trust.basis", "organizations.ngo_efficiency"]
    assert "N = 64" in fig._suptitle.get_text()


def test_plot_redraws_compare_and_sensitivity_folders_with_metric(tmp_path, capsys):
    out = tmp_path / "c"
    assert main(["compare", "hub_strategy", "hub_strategy_fixed", "--replicates", "2",
                 *TINY, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "hub_funds_raised" in printed and "hub_reach" in printed
    (out / "compare.png").unlink()
    assert main(["plot", str(out), "--metric", "hub_reach", "unmet_need"]) == 0
    printed = capsys.readouterr().out
    assert table_header(printed) == ["scenario", "hub_reach", "unmet_need"]
    assert (out / "compare.png").stat().st_size > 10_000
    assert main(["plot", str(out), "--metric", "no_such_metric"]) == 2
    sens = tmp_path / "s"
    assert main(["sensitivity", "top_down", "--bounds", "budget.per_capita=0.4:1.2",
                 "--n", "2", "--workers", "1", *TINY, "--out", str(sens)]) == 0
    (sens / "indices.png").unlink()
    assert main(["plot", str(sens)]) == 0 and (sens / "indices.png").exists()


def test_compare_metric_flag_chooses_panels(tmp_path, capsys):
    out = tmp_path / "c"
    assert main(["compare", "top_down", "adaptive", "--replicates", "1", "--metric",
                 "cooperation", *TINY, "--out", str(out)]) == 0
    assert table_header(capsys.readouterr().out) == ["scenario", "cooperation"]
    assert main(["compare", "top_down", "adaptive", "--metric", "nope", *TINY,
                 "--out", str(tmp_path / "x")]) == 2


@pytest.mark.parametrize("kind", ["run", "compare", "sweep", "indices"])
def test_figures_leave_the_backend_alone(kind, tmp_path):
    import matplotlib

    before = matplotlib.get_backend()
    if kind == "run":
        plots.plot_run(run_scenario(small(steps=5), seed=1).metrics)
    elif kind == "compare":
        plots.plot_compare(ts_of("top_down", replicates=2)[1])
    elif kind == "sweep":
        plots.plot_sweep(_sweep_runs({"budget.per_capita": [0.5, 1.0]}, 1), ["budget.per_capita"])
    else:
        plot_indices(pd.DataFrame([{"metric": "unmet_need", "parameter": "a", "index": i,
                                          "value": 0.5, "conf": 0.1} for i in ("S1", "ST")]))
    assert matplotlib.get_backend() == before

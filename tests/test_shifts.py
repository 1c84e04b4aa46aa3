"""Essay 7's four shifts as switches (model/scenario/shifts.py) and the factorial analysis
(model/studies/factorial.py): overlay semantics, presets unchanged, what each switch does,
effects recovered from a table with known effects."""

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from cogov.model import Scenario
from cogov.model.scenario.errors import CogovWarning
from cogov.model.scenario.files import load_scenario, preset, presets
from cogov.model.scenario.schema import leaf_type, scenario_from_dict
from cogov.model.scenario.sections import Governance
from cogov.model.scenario.shifts import SHIFTS, apply_shifts, overlay, switches
from cogov.model.studies.factorial import effects, plot_effects, present_metrics, switch_keys
from tests.conftest import run_model

SMALL = {"population.citizens": 400, "population.districts": 4, "warmup": 10, "steps": 30,
         "mechanisms.incentives.warmup": 200}


# ------------------------------------------------------------------ the table
def test_every_row_is_a_governance_switch_and_every_key_a_valid_scenario_key():
    fields = {f.name for f in dataclasses.fields(Governance)}
    for row_key, row in SHIFTS.items():
        for switch in switches(row_key):
            assert switch in fields and Governance.__annotations__[switch] in (bool, "bool")
        for key in row:
            leaf_type(key)  # raises on an unknown key
        # valid values, together (cross-key rules such as the link shares' sum), on top of
        # the rows of its single switches for a combination row
        merged = {k: v for s in switches(row_key) if s in SHIFTS and s != row_key
                  for k, v in SHIFTS[s].items()}
        assert Scenario().replace(**{**merged, **row}) is not None


def test_rows_that_disagree_are_settled_by_a_later_combination_row():
    order = list(SHIFTS)
    singles = [k for k in order if isinstance(k, str)]
    for i, a in enumerate(singles):
        for b in singles[i + 1:]:
            for key in set(SHIFTS[a]) & set(SHIFTS[b]):
                if SHIFTS[a][key] != SHIFTS[b][key]:
                    settled = [k for k in order if not isinstance(k, str) and {a, b} <= set(k)
                               and key in SHIFTS[k]]
                    assert settled, f"{a} and {b} set {key} differently and no row for both"
    for row_key in order:
        if not isinstance(row_key, str):
            assert all(order.index(s) < order.index(row_key) for s in row_key if s in SHIFTS)


def test_a_combination_row_overrides_when_both_are_on(monkeypatch):
    import cogov.model.scenario.shifts as shifts

    table = {"comprehensive": {"mechanisms.early_warning.threshold": 0.3},
             "source": {"mechanisms.early_warning.enabled": True},
             ("comprehensive", "source"): {"mechanisms.early_warning.threshold": 0.9}}
    monkeypatch.setattr(shifts, "SHIFTS", table)
    both = Scenario().replace(**{"governance.source": True, "governance.comprehensive": True})
    assert both.mechanisms.early_warning.threshold == 0.9
    one = Scenario().replace(**{"governance.comprehensive": True})
    assert one.mechanisms.early_warning.threshold == 0.3
    assert not one.mechanisms.early_warning.enabled


def _nested(dotted, value):
    out = node = {}
    keys = dotted.split(".")
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value
    return out


# ----------------------------------------------------------- overlay semantics
@pytest.mark.parametrize("name", presets())
def test_presets_keep_their_meaning_with_the_switches_off(name):
    s = load_scenario(preset(name))
    assert not s.governance.comprehensive and not s.governance.source
    if not s.governance.law_based:  # law_based.yaml states the law-based regime itself
        assert overlay(s.governance) == {}
    assert apply_shifts(s) == s  # the file agrees with what its switches set


def test_off_leaves_the_file_as_it_is():
    s = load_scenario("four_shifts", ["governance.comprehensive=off", "governance.source=off",
                                      "mechanisms.credit.enabled=on"])
    assert s.mechanisms.credit.enabled and not s.mechanisms.early_warning.enabled
    assert s.mechanisms.mediation.linkage == "auto"


def test_on_forces_its_instruments_and_keeps_the_files_parameters():
    s = load_scenario("top_down", ["governance.source=on", "mechanisms.early_warning.threshold=0.9",
                                   "governance.comprehensive=on"])
    assert s.mechanisms.early_warning.enabled and s.mechanisms.early_warning.threshold == 0.9
    assert s.mechanisms.credit.enabled and s.mechanisms.mediation.linkage == "on"
    assert s.mechanisms.credit.threshold == load_scenario("top_down").mechanisms.credit.threshold
    # the resolved scenario (as run.json records it) shows the instruments; idempotent
    again = scenario_from_dict(s.to_dict())
    assert again == s and apply_shifts(s) == s


def test_a_set_that_contradicts_a_switch_is_replaced_with_a_warning():
    with pytest.warns(CogovWarning, match="mechanisms.credit.enabled: --set off is replaced "
                                          "by governance.comprehensive: on"):
        s = load_scenario("top_down", ["governance.comprehensive=on",
                                       "mechanisms.credit.enabled=off"])
    assert s.mechanisms.credit.enabled
    with warnings.catch_warnings():
        warnings.simplefilter("error", CogovWarning)  # agreeing values: no warning
        load_scenario("top_down", ["governance.comprehensive=on", "mechanisms.credit.enabled=on"])


def test_replace_and_grid_points_apply_the_overlay():
    s = Scenario().replace(**{"governance.source": True})
    assert s.mechanisms.early_warning.enabled
    assert not s.replace(**{"governance.source": False}).governance.source


def test_bad_switch_value_names_the_key():
    with pytest.raises(Exception, match="governance.source: expected on/off"):
        load_scenario("top_down", ["governance.source=maybe"])


# ------------------------------------------------------------ what they change
def _late(model, metric, last=15):
    return model.datacollector.get_model_vars_dataframe()[metric].iloc[-last:]


def test_comprehensive_sends_disputes_to_linked_channels_and_turns_on_credit():
    base = load_scenario("four_shifts", seed=1).replace(**SMALL)
    on = base.replace(**{"governance.comprehensive": True})
    m_off, m_on = run_model(base, 1), run_model(on, 1)
    assert m_on.scenario.mechanisms.credit.enabled and m_on.mediation.linkage
    assert not m_off.mediation.linkage
    # people's mediation joins the administrative channel: fewer disputes wait
    assert _late(m_on, "disputes_open").mean() < _late(m_off, "disputes_open").mean()
    assert abs(_late(m_on, "ledger_error")).max() < 1e-6


def test_source_prevents_at_equal_total_budget():
    base = load_scenario("four_shifts", seed=2).replace(**SMALL)
    on = base.replace(**{"governance.source": True})
    m_off, m_on = run_model(base, 2), run_model(on, 2)
    assert _late(m_on, "warnings", 30).sum() > 0 and _late(m_on, "response_spend", 30).sum() > 0
    assert _late(m_off, "warnings", 30).sum() == 0
    # the same budget is appropriated; prevention is paid out of it
    budget = [m.ledger.total["government_budget"] for m in (m_off, m_on)]
    assert budget[0] == pytest.approx(budget[1])
    assert abs(_late(m_on, "ledger_error", 30)).max() < 1e-6


# ----------------------------------------------------------- factorial analysis
def _synthetic(reps=8, sd=0.1, seed=0):
    """y = 1 + 0.5·a − 0.3·b + 0.2·a·b + 0·c (codes ±1), so effects (twice the
    coefficients) are a 1.0, b −0.6, c 0, a×b 0.4, others 0."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in (False, True):
        for b in (False, True):
            for c in (False, True):
                xa, xb = (1 if a else -1), (1 if b else -1)
                for _ in range(reps):
                    y = 1 + 0.5 * xa - 0.3 * xb + 0.2 * xa * xb + rng.normal(0, sd)
                    rows.append({"g.a": a, "g.b": b, "g.c": c, "y": y, "flat": 0.0,
                                 "status": "ok"})
    return pd.DataFrame(rows)


def test_effects_recover_known_main_effects_and_interactions():
    truth = {"a": 1.0, "b": -0.6, "c": 0.0, "a × b": 0.4, "a × c": 0.0, "b × c": 0.0}
    exact = effects(_synthetic(sd=0.0), ["g.a", "g.b", "g.c"], ["y"]).set_index("term")
    assert list(exact.index) == list(truth)
    assert exact["effect"].to_dict() == pytest.approx(truth)
    noisy = effects(_synthetic(), ["g.a", "g.b", "g.c"], ["y"]).set_index("term")
    # se of a contrast of 64 runs with sd 0.1: 2·0.1/√64 = 0.025
    assert noisy["se"].to_numpy() == pytest.approx(0.025, rel=0.3)
    for term, value in truth.items():
        assert abs(noisy.loc[term, "effect"] - value) < 4 * noisy.loc[term, "se"], term
    assert noisy["df"].iloc[0] == 8 * 7  # pooled within-cell degrees of freedom


def test_intervals_cover_the_truth_at_about_their_level():
    hits = [effects(_synthetic(reps=4, seed=s), ["g.a", "g.b", "g.c"], ["y"])
            .query("term == 'a × b'").pipe(lambda t: (t.ci_low < 0.4) & (t.ci_high > 0.4))
            .item() for s in range(120)]
    assert 0.88 < np.mean(hits) < 1.0


def test_unbalanced_cells_and_failed_runs():
    runs = _synthetic(reps=6, sd=0.0)
    runs.loc[[0, 1, 9], "status"] = "error"
    table = effects(runs, ["g.a", "g.b"], ["y"]).set_index("term")
    assert table.loc["a", "effect"] == pytest.approx(1.0)
    assert table.loc["a × b", "effect"] == pytest.approx(0.4)
    assert table.loc["a", "n"] == 48 - 3


def test_what_is_not_a_factorial_is_refused():
    runs = _synthetic()
    assert switch_keys(runs, ["g.a", "g.b"]) == ["g.a", "g.b"]
    assert switch_keys(runs[runs["g.a"] | runs["g.b"]], ["g.a", "g.b"]) == []  # a cell missing
    numeric = runs.assign(r=np.where(runs["g.a"], 4.5, 3.0))
    assert switch_keys(numeric, ["r"]) == []
    with pytest.raises(ValueError, match="not a two-level full factorial"):
        effects(numeric, ["r"], ["y"])


def test_metrics_left_out_and_the_figure():
    runs = _synthetic()
    keep, skipped = present_metrics(runs, ["y", "flat", "crime_rate"])
    assert keep == ["y"]
    assert skipped == {"flat": "0 in every run", "crime_rate": "not in the results"}
    fig = plot_effects(effects(runs.rename(columns={"y": "unmet_need"}), ["g.a", "g.b"],
                               ["unmet_need"]), skipped=skipped)
    ax = fig.axes[0]
    assert ax.get_title() == "unmet need"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "a × b"]
    assert "crime rate (not in the results)" in " ".join(t.get_text() for t in fig.texts)


def test_a_switch_sweep_writes_effects(tmp_path):
    from cogov.model.engine.design import Design
    from cogov.model.engine.sweep import sweep
    from cogov.model.ui.redraw import redraw

    base = load_scenario("four_shifts").replace(**{**SMALL, "steps": 8, "warmup": 2,
                                                   "outputs.window": 4})
    design = Design(grid={"governance.comprehensive": [False, True],
                          "governance.source": [False, True]})
    sweep(base, design, replicates=2, seed=3, out=tmp_path)
    made = redraw(tmp_path)
    assert tmp_path / "effects.png" in made
    table = pd.read_csv(tmp_path / "effects.csv")
    assert set(table["term"]) == {"comprehensive", "source", "comprehensive × source"}
    assert {"unmet_need", "crime_rate"} <= set(table["metric"])  # four_shifts has crime


def test_one_replicate_has_effects_without_intervals():
    runs = _synthetic(reps=1)
    table = effects(runs, ["g.a", "g.b"], ["y"])
    # 8 runs in 4 cells: two per cell (g.c varies), so the interval exists...
    assert np.isfinite(table["ci_low"]).all()
    single = runs[~runs["g.c"]]  # ...one run per cell: none
    table = effects(single, ["g.a", "g.b"], ["y"])
    assert table["ci_low"].isna().all() and table["effect"].notna().all()
    from cogov.model.studies.factorial import format_effects

    assert "n/a" in format_effects(table)
    plot_effects(table.assign(metric="unmet_need"))  # draws points without bars


def test_a_scenario_built_field_by_field_gets_its_instruments_too():
    from cogov.model import GovernanceModel

    s = dataclasses.replace(Scenario().replace(**SMALL), governance=Governance(source=True))
    assert not s.mechanisms.early_warning.enabled  # not validated: no overlay yet
    m = GovernanceModel(s, seed=1)
    assert m.scenario.mechanisms.early_warning.enabled and m.early_warning.enabled

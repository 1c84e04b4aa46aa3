"""The Python API is discoverable and consistent (issue #25, item 2): every export is listed
by dir(cogov), documented, and in docs/api.md; every function taking a scenario takes a
preset name, a path or a Scenario alike."""

import inspect
import pydoc
import typing

import pytest

import cogov
from cogov.model.scenario import Scenario, ScenarioError, as_scenario
from cogov.model.ui import apidoc
from tests.conftest import ROOT

API_PAGE = ROOT / "docs" / "api.md"
SMALL = {"population.citizens": 200, "warmup": 0}


def test_dir_lists_every_export():
    listed = dir(cogov)
    assert [n for n in cogov._EXPORTS if n not in listed] == []
    assert set(cogov.__all__) <= set(listed)


def test_help_shows_every_export():
    text = pydoc.render_doc(cogov, renderer=pydoc.plaintext)
    for name in cogov._EXPORTS:
        assert f"{name}(" in text or f"class {name}" in text, name


@pytest.mark.parametrize("name", sorted(cogov._EXPORTS))
def test_every_export_has_a_docstring(name):
    assert (inspect.getdoc(getattr(cogov, name)) or "").strip(), name


def test_scenario_has_its_own_docstring():
    assert not Scenario.__doc__.startswith("Scenario(")  # not the dataclass's signature
    assert "load_scenario" in Scenario.__doc__


def test_api_page_documents_every_export():
    text = API_PAGE.read_text(encoding="utf-8")
    for name in apidoc.exports():
        assert f"### `{name}`" in text, f"docs/api.md has no section for {name}"
        first = inspect.getdoc(getattr(cogov, name)).splitlines()[0]
        assert first in text, f"docs/api.md lacks {name}'s docstring"


def test_api_page_is_up_to_date():
    assert API_PAGE.read_text(encoding="utf-8") == apidoc.page(), (
        "docs/api.md is out of date: python -m cogov.model.ui.apidoc docs/api.md")


def test_calibrate_types_its_targets_and_params():
    hints = typing.get_type_hints(cogov.calibrate)
    assert {"targets", "params", "scenario"} <= set(hints)
    assert list in typing.get_args(hints["params"]) or any(
        typing.get_origin(a) is list for a in typing.get_args(hints["params"]))


@pytest.mark.parametrize("name", ["run_scenario", "compare", "run_replicates", "sweep",
                                  "run_sweep", "sensitivity", "calibrate", "decompose",
                                  "gap_map", "gap_sobol", "load_scenario", "GovernanceModel"])
def test_every_scenario_parameter_admits_names_paths_and_scenarios(name):
    obj = getattr(cogov, name)
    params = list(inspect.signature(obj).parameters.values())
    first = params[0] if params[0].name != "self" else params[1]
    note = str(first.annotation)
    assert ("ScenarioLike" in note or ("str" in note and "Path" in note and "Scenario" in note)), (
        f"{name}({first.name}: {note})")


def test_as_scenario_takes_a_name_a_path_or_a_scenario(tmp_path):
    by_name = as_scenario("top_down")
    by_path = as_scenario(cogov.preset("top_down"))
    assert by_name == by_path and as_scenario(by_name) is by_name
    with pytest.raises(ScenarioError, match="expected a Scenario, a preset name or a scenario"):
        as_scenario(42)


def test_load_scenario_takes_a_scenario():
    s = cogov.load_scenario("adaptive")
    assert cogov.load_scenario(s) is not None
    t = cogov.load_scenario(s, {"budget.per_capita": 1.2}, steps=7)
    assert (t.budget.per_capita, t.steps, t.name) == (1.2, 7, "adaptive")


def test_compare_takes_preset_names_paths_and_scenarios(tmp_path):
    """The issue's `cogov.compare(["a.yaml", "b.yaml"])` raised AttributeError on str."""
    own = tmp_path / "cut.yaml"
    own.write_text(f"extends: {cogov.preset('top_down')}\nname: cut\n"
                   "population: {citizens: 200}\nwarmup: 0\n")
    mine = cogov.load_scenario("adaptive", SMALL, name="mine")
    runs = cogov.compare(["adaptive", str(own), mine], replicates=1, steps=1)
    assert list(runs["scenario"].unique()) == ["adaptive", "cut", "mine"]


def test_run_scenario_takes_a_name():
    result = cogov.run_scenario(cogov.preset("top_down"), seed=1, steps=1)
    assert result.scenario.name == "top_down" and len(result.metrics) == 2

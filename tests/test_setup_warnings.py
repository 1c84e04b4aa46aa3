"""Implausible set-ups warn (not fail), naming the keys (issue 25, item 6)."""

import warnings

import networkx as nx
import pytest

from cogov.model.scenario.errors import CogovWarning
from cogov.model.scenario.files import load_scenario
from cogov.model.ui.cli import main
from tests.conftest import ROOT


def _file_scenario(tmp_path, graph, districts, ngos=30, name="people"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"extends: {ROOT / 'scenarios/adaptive.yaml'}\nname: {name}\n"
                    f"network: {{kind: file, path: {graph}}}\n"
                    f"population: {{citizens: auto, districts: {districts}}}\n"
                    f"organizations: {{ngos: {ngos}}}\nsteps: 2\nwarmup: 0\n")
    return path


def _messages(record):
    return [str(w.message) for w in record if issubclass(w.category, CogovWarning)]


def test_florentine_with_the_defaults_warns_of_ngos_hubs_and_districts(tmp_path):
    nx.write_graphml(nx.florentine_families_graph(), tmp_path / "f.graphml")
    with pytest.warns(CogovWarning) as record:
        load_scenario(_file_scenario(tmp_path, "f.graphml", districts=10))
    text = "\n".join(_messages(record))
    assert "organizations.ngos: 30 NGOs for 15 citizens" in text
    assert "organizations.hubs: 3 hubs for 15 citizens" in text
    assert "population.districts: 10 districts for 15 citizens" in text


def test_karate_district_attribute_leaving_districts_empty(tmp_path):
    g = nx.karate_club_graph()
    g.graph.clear()
    nx.set_node_attributes(g, {i: int(g.nodes[i]["club"] != "Mr. Hi") for i in g}, "district")
    nx.write_graphml(g, tmp_path / "k.graphml")
    with pytest.warns(CogovWarning) as record:
        load_scenario(_file_scenario(tmp_path, "k.graphml", districts=10, ngos=6))
    (empty,) = [m for m in _messages(record) if "population.districts" in m]
    assert "uses only 2 of them, so 8 districts are empty (2, 3, 4, 5, 6, 7, 8, 9)" in empty
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", CogovWarning)  # 2 districts, 6 NGOs, 3 hubs: plausible
        s = load_scenario(_file_scenario(tmp_path, "k.graphml", districts=2, ngos=6))
    assert s.population.citizens == 34
    # what the file loses is reported (weights, the `club` attribute), nothing else
    assert [m for m in _messages(record) if "weights" not in m and "club" not in m] == []


def test_presets_do_not_warn():
    for preset in ("adaptive", "top_down", "collaborative", "scenarios/calibrated/beijing.yaml"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", CogovWarning)
            load_scenario(preset)


def test_the_cli_prints_each_warning_once(tmp_path, capsys):
    nx.write_graphml(nx.florentine_families_graph(), tmp_path / "f.graphml")
    path = _file_scenario(tmp_path, "f.graphml", districts=10)
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    for key in ("organizations.ngos", "organizations.hubs", "population.districts"):
        assert err.count(f"warning: people: {key}:") == 1, err

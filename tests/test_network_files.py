"""Network files (`network.kind: file`): every common format, labels, districts, warnings.

networkx's own real graphs (Zachary's karate club, Les Misérables, the Florentine
families, Davis' southern women), built in memory, are written in each format and
read back: same nodes, same ties, labels in the documented order.
"""

import json
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from cogov.model.scenario import network_file as net
from cogov.model.scenario.errors import CogovWarning, ScenarioError
from cogov.model.scenario.files import load_scenario
from cogov.model.sim.model import GovernanceModel
from cogov.model.ui.cli import main
from tests.conftest import ROOT


def _clean(g):
    g.graph.clear()  # graph-level lists (davis' top/bottom) are not GraphML data
    return g


GRAPHS = {
    "karate": lambda: _clean(nx.karate_club_graph()),  # integer nodes, weighted
    "les_miserables": lambda: _clean(nx.les_miserables_graph()),  # names, weighted
    "florentine": lambda: _clean(nx.florentine_families_graph()),  # names
    "davis": lambda: _clean(nx.davis_southern_women_graph()),  # names with spaces
}


def _table(g, path, sep):
    nx.to_pandas_edgelist(g).to_csv(path, sep=sep, index=False)


def _pajek(g, path):
    with warnings.catch_warnings():  # networkx skips non-string node attributes, and says so
        warnings.simplefilter("ignore")
        nx.write_pajek(g, path)


WRITERS = {  # format: (file name, writer)
    "graphml": ("g.graphml", nx.write_graphml),
    "gml": ("g.gml", nx.write_gml),
    "pajek": ("g.net", _pajek),
    "gexf": ("g.gexf", nx.write_gexf),
    "edgelist": ("g.txt", lambda g, p: nx.write_edgelist(g, p, data=False)),
    "weighted": ("g.edges", lambda g, p: nx.write_weighted_edgelist(g, p)),
    "networkx_edgelist": ("g.edgelist", nx.write_edgelist),  # u v {'weight': 4}
    "csv": ("g.csv", lambda g, p: _table(g, p, ",")),
    "tsv": ("g.tsv", lambda g, p: _table(g, p, "\t")),
}
EDGE_ONLY = {"edgelist", "weighted", "networkx_edgelist", "csv", "tsv"}  # no isolated nodes
WHITESPACE = {"edgelist", "weighted", "networkx_edgelist"}  # names cannot hold spaces


def _expected_labels(g, fmt):
    nodes = list(g.nodes)
    if fmt in EDGE_ONLY:  # nodes as they first appear in the edges
        nodes = list(dict.fromkeys(x for edge in g.edges() for x in edge))
    # canonical order whatever the file's: integers numerically, then other labels as text
    return sorted((str(x) for x in nodes), key=net.canonical_key)


def _ties(found):
    adj = found.adjacency.tocoo()
    return {frozenset((found.labels[i], found.labels[j])) for i, j in zip(adj.row, adj.col, strict=True)}


def _cases():
    for name in GRAPHS:
        for fmt in WRITERS:
            weighted = name in ("karate", "les_miserables")
            if (name == "davis" and fmt in WHITESPACE) or (fmt == "weighted" and not weighted):
                continue
            yield name, fmt


@pytest.mark.parametrize(("name", "fmt"), list(_cases()))
def test_real_graphs_round_trip_in_every_format(tmp_path, name, fmt):
    g = GRAPHS[name]()
    file, write = WRITERS[fmt]
    write(g, tmp_path / file)
    found = net.read_file(tmp_path / file)
    assert found.n == g.number_of_nodes()
    assert list(found.labels) == _expected_labels(g, fmt)
    assert _ties(found) == {frozenset((str(u), str(v))) for u, v in g.edges()}
    adj = found.adjacency
    assert (adj != adj.T).nnz == 0 and adj.diagonal().sum() == 0 and adj.max() == 1
    carries_weights = name in ("karate", "les_miserables") and fmt != "edgelist"
    ignored = [note for note in found.notes if ": ignored " in note]
    if carries_weights:  # what these files hold that the model drops: weights...
        assert len(ignored) == 1 and "ignored edge weights" in ignored[0]
    else:
        assert ignored == []
    # ... and the node attributes the formats with node data keep (karate's club, davis'
    # bipartite; Pajek's writer keeps text attributes only), named in one note
    kept = {"karate": "club", "davis": "bipartite"}.get(name) if fmt in net.LABELLED else None
    kept = "club" if (name, fmt) == ("karate", "pajek") else kept
    dropped = [note for note in found.notes if "dropped node attributes" in note]
    assert dropped == ([f"{found.head}: dropped node attributes: {kept} (the model reads "
                        "`district`, `trust`, `trust_ngo`, `need`; a citizen's connectedness is "
                        "its degree in the graph)"] if kept else [])


def test_gml_is_read_as_gml_not_as_an_edge_list(tmp_path):
    """Before, a .gml file went to the edge-list reader: "163 nodes" for Les Misérables."""
    nx.write_gml(GRAPHS["les_miserables"](), tmp_path / "les.gml")
    found = net.read_file(tmp_path / "les.gml")
    assert found.n == 77 and found.adjacency.nnz // 2 == 254
    assert found.labels[:2] == ("Anzelma", "Babet")  # canonical (text) order


def test_names_with_spaces_in_csv_gml_graphml_and_pajek(tmp_path):
    g = GRAPHS["davis"]()
    for file, write in [("d.csv", lambda g, p: _table(g, p, ",")), ("d.gml", nx.write_gml),
                        ("d.graphml", nx.write_graphml), ("d.net", _pajek)]:
        write(g, tmp_path / file)
        found = net.read_file(tmp_path / file)
        assert "Evelyn Jefferson" in found.labels and found.n == 32, file


def _metrics(path, seed=3):
    s = load_scenario(path, ["steps=8"])
    model = GovernanceModel(s, seed=seed)
    for _ in range(s.steps):
        model.step()
    return model.datacollector.get_model_vars_dataframe()


@pytest.mark.parametrize("name", ["karate", "les_miserables"])
def test_the_same_graph_gives_the_same_numbers_in_every_format(tmp_path, name):
    """Before, the file's node order set the district blocks: Les Misérables as CSV (nodes
    in order of first appearance in the edges) and as GML (order of the node list) gave
    different numbers with one seed."""
    g = GRAPHS[name]()
    runs = {}
    for fmt in ("csv", "gml", "graphml", "edgelist", "gexf"):
        if fmt == "edgelist" and name != "karate":
            continue  # names without spaces only; karate's are integers
        file, write = WRITERS[fmt]
        order = list(g.nodes)[::-1] if fmt == "gexf" else list(g.nodes)
        h = nx.Graph()
        h.add_nodes_from(order)  # the file's node order differs from format to format
        h.add_edges_from(g.edges(data=True))
        write(h, tmp_path / file)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CogovWarning)
            runs[fmt] = _metrics(_scenario(tmp_path, file, districts=3))
    first = next(iter(runs.values()))
    assert len(runs) >= 4
    for fmt, df in runs.items():
        pd.testing.assert_frame_equal(df, first, obj=fmt)


def test_mixed_labels_integers_first_then_text(tmp_path):
    (tmp_path / "m.txt").write_text("b 10\n10 2\n2 a\na 01\n")
    assert net.read_file(tmp_path / "m.txt").labels == ("01", "2", "10", "a", "b")


def test_integer_labels_keep_numeric_order(tmp_path):
    """Text order would put 10 before 2; citizen i must be the i-th smallest label."""
    edges = [(i, i + 1) for i in range(1, 12)]
    rng = np.random.default_rng(0)
    lines = [f"{u} {v}" for u, v in (edges[i] for i in rng.permutation(len(edges)))]
    (tmp_path / "ring.txt").write_text("# a path of 12 people\n" + "\n".join(lines) + "\n")
    found = net.read_file(tmp_path / "ring.txt")
    assert list(found.labels) == [str(i) for i in range(1, 13)]
    assert found.adjacency[0, 1] == 1 and found.adjacency[9, 10] == 1  # 1-2 and 10-11
    assert found.adjacency[1, 9] == 0


def test_karate_citizen_i_is_member_i(tmp_path):
    g = GRAPHS["karate"]()
    nx.write_graphml(g, tmp_path / "k.graphml")
    adj = net.read_file(tmp_path / "k.graphml").adjacency
    for member in (2, 10, 33):  # text order made citizen 2 karate member 10
        row = set(adj.indices[adj.indptr[member]:adj.indptr[member + 1]].tolist())
        assert row == set(g.neighbors(member))


def test_format_key_overrides_the_extension(tmp_path):
    nx.write_gml(GRAPHS["florentine"](), tmp_path / "families.txt")
    with pytest.raises(ScenarioError, match="cannot read .* as edgelist: it looks like gml"):
        net.read_file(tmp_path / "families.txt")
    assert net.read_file(tmp_path / "families.txt", "gml").n == 15
    assert net.file_format("x.GRAPHML") == "graphml" and net.file_format("x.dat") == "edgelist"


def test_dropped_direction_parallel_edges_and_self_loops_are_named(tmp_path):
    g = nx.DiGraph([("a", "b"), ("b", "a"), ("b", "c"), ("c", "c")])
    nx.write_graphml(g, tmp_path / "d.graphml")
    found = net.read_file(tmp_path / "d.graphml")
    assert found.n == 3 and found.adjacency.nnz // 2 == 2
    (note,) = found.notes
    assert "direction" in note and "1 parallel or reciprocal edges" in note
    assert "with network.weights: true their weights add up" in note
    assert "1 self-loops" in note and "edge weights (" not in note  # no weight note
    (tmp_path / "e.txt").write_text("a b\na b\nb a\nb c\n")
    (note,) = net.read_file(tmp_path / "e.txt").notes
    assert "2 parallel edges" in note and "direction" not in note


def test_csv_header_any_case_with_weights_and_errors(tmp_path):
    (tmp_path / "t.csv").write_text("Source,Target,Weight,Type\n"
                                    "Anna Maria,Bo Li,2,Undirected\nBo Li, Chen Wei ,1,Undirected\n")
    found = net.read_file(tmp_path / "t.csv")
    assert found.labels == ("Anna Maria", "Bo Li", "Chen Wei")
    assert "edge weights" in found.notes[0]
    (tmp_path / "nohead.csv").write_text("a,b\nb,c\n")
    with pytest.raises(ScenarioError, match="needs a header row with source and target"):
        net.read_file(tmp_path / "nohead.csv")
    (tmp_path / "gap.tsv").write_text("source\ttarget\na\tb\nb\t\n")
    with pytest.raises(ScenarioError, match="line 3 has an empty source or target"):
        net.read_file(tmp_path / "gap.tsv")
    (tmp_path / "head.txt").write_text("source target\na b\n")
    with pytest.raises(ScenarioError, match="network.format: csv or tsv"):
        net.read_file(tmp_path / "head.txt")


def test_label_attribute_used_when_distinct(tmp_path):
    g = nx.path_graph(3)
    nx.set_node_attributes(g, {0: "Ann", 1: "Bo", 2: "Cy"}, "label")
    nx.write_graphml(g, tmp_path / "l.graphml")
    assert net.read_file(tmp_path / "l.graphml").labels == ("Ann", "Bo", "Cy")
    nx.set_node_attributes(g, {0: "Ann", 1: "Ann", 2: "Cy"}, "label")
    nx.write_graphml(g, tmp_path / "dup.graphml")
    found = net.read_file(tmp_path / "dup.graphml")
    assert found.labels == ("0", "1", "2") and "node ids are used" in found.notes[0]


# --------------------------------------------------------------------- districts
def _karate_with_districts(path, bad=None):
    g = GRAPHS["karate"]()
    clubs = nx.get_node_attributes(g, "club")
    nx.set_node_attributes(g, {i: int(clubs[i] != "Mr. Hi") for i in g}, "district")
    if bad:
        g.nodes[bad[0]]["district"] = bad[1]
        if bad[1] is None:
            del g.nodes[bad[0]]["district"]
    {".graphml": nx.write_graphml, ".gml": nx.write_gml, ".gexf": nx.write_gexf}[path.suffix](
        g, path)
    return np.array([int(clubs[i] != "Mr. Hi") for i in sorted(g)])


@pytest.mark.parametrize("ext", [".graphml", ".gml", ".gexf"])
def test_district_attribute_places_citizens(tmp_path, ext):
    expected = _karate_with_districts(tmp_path / f"k{ext}")
    assert list(net.read_file(tmp_path / f"k{ext}").districts(2)) == list(expected)


def test_pajek_district_attribute(tmp_path):
    g = GRAPHS["florentine"]()
    nx.set_node_attributes(g, {x: str(i % 3) for i, x in enumerate(g)}, "district")
    nx.write_pajek(g, tmp_path / "f.net")
    given = {x: i % 3 for i, x in enumerate(g)}
    found = net.read_file(tmp_path / "f.net")
    assert list(found.districts(3)) == [given[x] for x in found.labels]
    assert list(found.labels) == sorted(g)  # names: text order


@pytest.mark.parametrize(("bad", "message"), [
    ((5, 7), "node '5' has district 7; a `district` attribute must be an integer 0..1"),
    ((5, "east"), "node '5' has district 'east'"),
    ((5, 0.5), "node '5' has district 0.5"),
    ((5, None), "node '5' has no district"),
])
def test_bad_district_names_the_node(tmp_path, bad, message):
    _karate_with_districts(tmp_path / "k.graphml", bad)
    with pytest.raises(ScenarioError, match=message):
        net.read_file(tmp_path / "k.graphml").districts(2)


# ------------------------------------------------------------- in a scenario
def _scenario(tmp_path, network: str, citizens="auto", districts=2, extra=""):
    path = tmp_path / "people.yaml"
    path.write_text(f"extends: {ROOT / 'scenarios/adaptive.yaml'}\nname: people\n"
                    f"network: {{kind: file, path: {network}}}\n"
                    f"population: {{citizens: {citizens}, districts: {districts}}}\n"
                    "organizations: {ngos: 6}\nsteps: 3\nwarmup: 0\n" + extra)
    return path


def test_citizens_auto_takes_the_count_and_districts_are_used(tmp_path):
    expected = _karate_with_districts(tmp_path / "karate.gml")
    with pytest.warns(CogovWarning, match="karate.gml .*ignored edge weights"):
        s = load_scenario(_scenario(tmp_path, "karate.gml"))
    assert s.population.citizens == 34 and isinstance(s.population.citizens, int)
    assert s.to_dict()["population"]["citizens"] == 34
    model = GovernanceModel(s, seed=1)
    assert model.network_labels == tuple(str(i) for i in range(34))
    assert list(model.citizens.district) == list(expected)


def test_auto_needs_a_file_and_counts_each_file(tmp_path):
    with pytest.raises(ScenarioError, match="population.citizens: 'auto' takes the count from"):
        load_scenario("adaptive", ["population.citizens=auto"])
    nx.write_graphml(GRAPHS["florentine"](), tmp_path / "f.graphml")
    nx.write_graphml(GRAPHS["davis"](), tmp_path / "d.graphml")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", CogovWarning)  # an unweighted simple graph loses nothing
        s = load_scenario(_scenario(tmp_path, "f.graphml"))
    assert not [w for w in record if "network.path" in str(w.message)]  # (15 citizens warn)
    assert s.population.citizens == 15
    other = s.replace(**{"network.path": str(tmp_path / "d.graphml"),
                         "population.citizens": "auto"})
    assert other.population.citizens == 32


def test_validate_checks_the_node_count_and_districts(tmp_path, capsys):
    _karate_with_districts(tmp_path / "karate.graphml", bad=(3, 9))
    path = _scenario(tmp_path, "karate.graphml", citizens=30,
                     extra="mechanisms: {trust: {rate: fast}}\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "network.path: the file has 34 nodes but population.citizens is 30" in err
    assert "network.path: node '3' has district 9" in err
    assert "mechanisms.trust.rate: expected a number" in err  # all in one pass
    assert "Traceback" not in err


def test_run_writes_labels_to_agents_and_run_json(tmp_path, capsys):
    nx.write_gml(GRAPHS["les_miserables"](), tmp_path / "les.gml")
    out = tmp_path / "out"
    assert main(["run", str(_scenario(tmp_path, "les.gml", districts=4)), "--agents",
                 "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert err.count("ignored edge weights") == 1  # once, though the file is read twice
    labels = json.loads((out / "run.json").read_text())["network_labels"]
    assert labels[:3] == ["Anzelma", "Babet", "Bahorel"] and len(labels) == 77
    table = pd.read_parquet(out / "agents.parquet")
    citizens = table[(table["type"] == "Citizen") & (table["step"] == 0)]
    assert list(citizens["label"]) == labels and list(citizens["id"]) == list(range(1, 78))
    assert table.loc[table["type"] != "Citizen", "label"].isna().all()


def test_generated_networks_have_null_labels(tmp_path):
    out = tmp_path / "out"
    assert main(["run", "adaptive", "--agents", "--steps", "1", "--set", "warmup=0",
                 "--set", "population.citizens=200", "--set", "population.districts=2",
                 "--set", "organizations.ngos=6", "--out", str(out)]) == 0
    assert "network_labels" not in json.loads((out / "run.json").read_text())
    assert pd.read_parquet(out / "agents.parquet")["label"].isna().all()


def test_unknown_format_is_a_scenario_error():
    with pytest.raises(ScenarioError, match="network.format: expected one of .*did you mean 'gml'"):
        load_scenario("adaptive", ["network.format=gmll"])


def test_auto_on_a_file_of_one_node_is_an_error(tmp_path):
    g = nx.Graph()
    g.add_node("alone")
    nx.write_graphml(g, tmp_path / "one.graphml")
    with pytest.raises(ScenarioError, match="'auto' found 1 nodes in network.path"):
        load_scenario(_scenario(tmp_path, "one.graphml"))


def test_a_csv_table_saved_as_txt_suggests_the_csv_format(tmp_path):
    """Issue #25, list 9: it gave "list index out of range"."""
    path = tmp_path / "ties.txt"
    path.write_text("source,target\nAnna,Bert\nBert,Cleo\n")
    with pytest.raises(ScenarioError, match="separated by commas.*network.format: csv"):
        net.read_file(path)
    (tmp_path / "one.txt").write_text("Anna\nBert\n")
    with pytest.raises(ScenarioError, match="has one column"):
        net.read_file(tmp_path / "one.txt")
    assert net.read_file(path, "csv").n == 3

"""Network generators: simple, symmetric, right degrees, seeded."""

import networkx as nx
import numpy as np
import pytest

from cogov.model.scenario import network_file
from cogov.model.scenario.errors import ScenarioError
from cogov.model.scenario.sections import EVEN_DEGREE
from cogov.model.sim import network as net

KINDS = ("lattice", "regular", "small_world", "scale_free", "erdos_renyi", "complete")


@pytest.mark.parametrize("kind", KINDS)
def test_simple_symmetric(kind):
    adj = net.build_adjacency(kind, 400, np.random.default_rng(0), degree=6, rewire=0.1)
    assert (adj != adj.T).nnz == 0
    assert adj.diagonal().sum() == 0
    assert adj.max() == 1


@pytest.mark.parametrize("kind", ["regular", "small_world", "erdos_renyi", "scale_free"])
def test_mean_degree_near_target(kind):
    deg = net.degrees(net.build_adjacency(kind, 5000, np.random.default_rng(1), 10, 0.1))
    assert deg.mean() == pytest.approx(10, rel=0.05)


def test_lattice_is_von_neumann_torus():
    adj = net.lattice(25)
    assert set(net.degrees(adj)) == {4}
    assert sorted(adj.indices[adj.indptr[0]:adj.indptr[1]]) == [1, 4, 5, 20]


def test_small_world_without_rewiring_is_a_ring():
    deg = net.degrees(net.small_world(100, 4, 0.0, np.random.default_rng(0)))
    assert set(deg) == {4}


def test_scale_free_has_hubs():
    deg = net.degrees(net.scale_free(20000, 4, np.random.default_rng(2)))
    assert deg.max() > 20 * deg.mean()  # heavy tail, unlike Poisson
    assert deg.min() >= 1


def test_same_seed_same_graph():
    a = net.scale_free(500, 4, np.random.default_rng(5))
    b = net.scale_free(500, 4, np.random.default_rng(5))
    assert (a != b).nnz == 0


def test_graphml_with_districts(tmp_path):
    g = nx.path_graph(6)
    nx.set_node_attributes(g, {i: 0 if i < 3 else 1 for i in g}, "district")
    nx.write_graphml(g, tmp_path / "g.graphml")
    found = network_file.read_file(tmp_path / "g.graphml")
    assert found.adjacency.shape == (6, 6) and found.adjacency.nnz == 10
    assert list(found.districts(2)) == [0, 0, 0, 1, 1, 1]
    # district names are not numbers 0..D-1: an error naming the node, no silent mapping
    nx.set_node_attributes(g, {i: "north" if i < 3 else "south" for i in g}, "district")
    nx.write_graphml(g, tmp_path / "names.graphml")
    with pytest.raises(ScenarioError, match="node '0' has district 'north'"):
        network_file.read_file(tmp_path / "names.graphml").districts(2)


def test_unreadable_network_file_is_scenario_error(tmp_path):
    (tmp_path / "g.graphml").write_text("<not graphml")
    with pytest.raises(ScenarioError, match="network.path: cannot read"):
        network_file.read_file(tmp_path / "g.graphml")


def test_neighbour_helpers():
    adj = net.lattice(9)
    deg = net.degrees(adj).astype(float)
    x = np.arange(9.0)
    assert net.neighbour_mean(adj, x, deg)[0] == pytest.approx((1 + 2 + 3 + 6) / 4)
    pick = net.random_neighbour(adj, deg, np.zeros(9))
    assert all(pick[i] in adj.indices[adj.indptr[i]:adj.indptr[i + 1]] for i in range(9))


@pytest.mark.parametrize("kind", ["small_world", "scale_free"])
@pytest.mark.parametrize("degree", [1, 5])
def test_odd_degree_is_refused_not_floored(kind, degree, capsys):
    """Before, scale_free(5000, 5) had mean degree 4.0 and scale_free(5000, 1) 2.0: the odd
    degree was floored (m = k // 2) without a word. Every generator that builds k/2 of
    something refuses an odd k: a ValueError, a ScenarioError naming network.degree, exit 2."""
    from cogov.model.scenario.schema import Scenario
    from cogov.model.ui.cli import main
    from tests.conftest import ROOT

    with pytest.raises(ValueError, match="even degree"):
        net.build_adjacency(kind, 500, np.random.default_rng(0), degree)
    with pytest.raises(ScenarioError, match="network.degree"):
        Scenario().replace(**{"network.kind": kind, "network.degree": degree})
    code = main(["run", str(ROOT / "scenarios/base.yaml"), "--set", f"network.kind={kind}",
                 "--set", f"network.degree={degree}", "--set", "steps=2"])
    assert code == 2 and "network.degree" in capsys.readouterr().err


def test_generators_that_accept_an_odd_degree_honour_it():
    """regular and erdos_renyi build k itself, not k/2: an odd k is kept."""
    for kind in ("regular", "erdos_renyi"):
        deg = net.degrees(net.build_adjacency(kind, 5000, np.random.default_rng(1), 5))
        assert deg.mean() == pytest.approx(5, rel=0.05), kind


def test_every_even_degree_generator_is_checked():
    assert set(EVEN_DEGREE) == {"small_world", "scale_free"}

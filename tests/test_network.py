"""Network generators: simple, symmetric, right degrees, seeded."""

import networkx as nx
import numpy as np
import pytest

from model import network as net
from model.scenario import ScenarioError

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
    nx.set_node_attributes(g, {i: "north" if i < 3 else "south" for i in g}, "district")
    nx.write_graphml(g, tmp_path / "g.graphml")
    adj, districts = net.read_file(tmp_path / "g.graphml")
    assert adj.shape == (6, 6) and adj.nnz == 10
    assert list(districts) == [0, 0, 0, 1, 1, 1]


def test_unreadable_network_file_is_scenario_error(tmp_path):
    (tmp_path / "g.graphml").write_text("<not graphml")
    with pytest.raises(ScenarioError, match="network.path: cannot read"):
        net.read_file(tmp_path / "g.graphml")


def test_neighbour_helpers():
    adj = net.lattice(9)
    deg = net.degrees(adj).astype(float)
    x = np.arange(9.0)
    assert net.neighbour_mean(adj, x, deg)[0] == pytest.approx((1 + 2 + 3 + 6) / 4)
    pick = net.random_neighbour(adj, deg, np.zeros(9))
    assert all(pick[i] in adj.indices[adj.indptr[i]:adj.indptr[i + 1]] for i in range(9))

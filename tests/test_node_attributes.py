"""Network files' node attributes (initial trust, trust in NGOs, need) and edge weights
(`network.weights: true`): docs/model.md, section 6.

Attributes replace drawn values after every draw, so the random streams, and whatever
does not depend on the replaced values, are as without them. Weights weigh neighbours in
trust's social influence (a weighted mean) and in whom a citizen hears in bounded
confidence (a weighted pick); with every weight 1 both are the unweighted rules, bit for bit.
"""

import warnings

import networkx as nx
import numpy as np
import pytest

from cogov.model.scenario import network_file as net
from cogov.model.scenario.errors import CogovWarning
from cogov.model.scenario.files import load_scenario
from cogov.model.scenario.sections import Trust
from cogov.model.sim.mechanisms import PHASES
from cogov.model.sim.mechanisms.trust import TrustDynamics
from cogov.model.sim.model import GovernanceModel
from cogov.model.sim.network import random_neighbour, strengths, weighted_neighbour
from cogov.model.sim.population import make_population
from cogov.model.ui.cli import main
from tests.conftest import ROOT

N = 40


def _graph(weights=None) -> nx.Graph:
    """A small-world graph of N people, integer labels (citizen i is node i)."""
    g = nx.connected_watts_strogatz_graph(N, 4, 0.2, seed=7)
    if weights is not None:
        nx.set_edge_attributes(g, weights(g), "weight")
    return g


def _scenario(tmp_path, network: str, extra: str = "", name: str = "people",
              weights: bool = False, districts: int = 2):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"extends: {ROOT / 'scenarios/adaptive.yaml'}\nname: {name}\n"
                    f"network: {{kind: file, path: {network}, weights: {str(weights).lower()}}}\n"
                    f"population: {{citizens: auto, districts: {districts}}}\n"
                    "organizations: {ngos: 4, hubs: 2}\nsteps: 6\nwarmup: 0\n" + extra)
    return path


def _load(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CogovWarning)
        return load_scenario(path)


def _messages(path) -> list[str]:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", CogovWarning)
        load_scenario(path)
    return [str(w.message) for w in record if issubclass(w.category, CogovWarning)]


# ------------------------------------------------------------------ node attributes
def test_trust_and_need_attributes_set_exactly_those_values(tmp_path):
    g = _graph()
    nx.write_gml(g, tmp_path / "plain.gml")
    trust = {i: round(0.05 + 0.9 * i / (N - 1), 3) for i in g}  # 0.05 .. 0.95 by hand
    need = {i: 0.5 + (i % 4) * 0.25 for i in g}  # 0.5, 0.75, 1, 1.25
    nx.set_node_attributes(g, trust, "trust")
    nx.set_node_attributes(g, need, "need")
    nx.write_graphml(g, tmp_path / "people.graphml")
    plain = GovernanceModel(_load(_scenario(tmp_path, "plain.gml", name="plain")), seed=4)
    given = GovernanceModel(_load(_scenario(tmp_path, "people.graphml")), seed=4)
    c, p = given.citizens, plain.citizens
    assert c.trust_gov.tolist() == [trust[i] for i in range(N)]
    assert c.base_need.tolist() == [need[i] for i in range(N)]
    assert np.array_equal(c.satisfaction, c.trust_gov)  # citizens arrive satisfied as they trust
    # need is base need times the cell multipliers, renormalised to the file's total need
    assert np.allclose(c.need, c.base_need * given.needs.multiplier[c.cell])
    assert np.isclose((c.base_need * given.needs.multiplier[c.cell]).sum(), c.base_need.sum())
    for name in ("district", "field", "cell", "trust_ngo"):  # drawn as without attributes
        assert np.array_equal(getattr(c, name), getattr(p, name)), name
    assert not np.array_equal(c.trust_gov, p.trust_gov)


def test_attributes_equal_to_the_draws_change_nothing(tmp_path):
    """The draw happens, then is overwritten: a file whose attributes are the values the
    model would draw runs bit for bit as the file without them (every stream consumed alike)."""
    g = _graph()
    nx.write_gml(g, tmp_path / "plain.gml")
    s = _load(_scenario(tmp_path, "plain.gml", "mechanisms: {opinion: {enabled: true}}\n"))
    plain = GovernanceModel(s, seed=11)
    drawn = plain.citizens
    for attr, array in (("trust", drawn.trust_gov), ("trust_ngo", drawn.trust_ngo),
                        ("need", drawn.base_need)):
        nx.set_node_attributes(g, {i: float(array[i]) for i in g}, attr)
    nx.write_gml(g, tmp_path / "same.gml")
    same = GovernanceModel(s.replace(**{"network.path": str(tmp_path / "same.gml")}), seed=11)
    plain.run()
    same.run()
    a, b = (m.datacollector.get_model_vars_dataframe() for m in (plain, same))
    assert a.equals(b)


def test_missing_and_out_of_range_attributes_exit_2_naming_them(tmp_path, capsys):
    g = _graph()
    nx.set_node_attributes(g, {i: 0.5 for i in g if i != 7}, "trust")  # node 7 lacks it
    nx.set_node_attributes(g, {i: 1.0 for i in g}, "need")
    g.nodes[3]["need"] = 0.0  # need must be > 0
    g.nodes[5]["trust"] = 1.5  # above 1
    nx.set_node_attributes(g, {i: 0.2 for i in g}, "trust_ngo")
    g.nodes[9]["trust_ngo"] = "high"
    nx.write_gml(g, tmp_path / "bad.gml")
    assert main(["validate", str(_scenario(tmp_path, "bad.gml"))]) == 2
    err = capsys.readouterr().err
    assert "network.path: node '7' has no `trust`, which other nodes have" in err
    assert "network.path: node '5' has trust 1.5, above the bound: `trust` must be <= 1" in err
    assert "network.path: node '3' has need 0.0, below the bound: `need` must be > 0" in err
    assert "network.path: node '9' has trust_ngo 'high', not a number" in err
    assert "Traceback" not in err


def test_dropped_attributes_are_named_in_one_warning(tmp_path):
    g = _graph()
    nx.set_node_attributes(g, {i: 30 + i for i in g}, "age")
    nx.set_node_attributes(g, {i: "x" for i in g}, "club")
    nx.set_node_attributes(g, {i: 0.4 for i in g}, "trust")  # read, so not named
    nx.write_graphml(g, tmp_path / "g.graphml")
    found = [m for m in _messages(_scenario(tmp_path, "g.graphml")) if "attributes" in m]
    assert len(found) == 1
    assert "dropped node attributes: age, club (the model reads `district`, `trust`" in found[0]
    assert "connectedness is its degree" in found[0]


# ----------------------------------------------------------------------- weights
def test_unit_weights_kept_run_bit_for_bit_as_without(tmp_path):
    """weights: true with every weight 1: weights are the adjacency's ones, strengths are the
    degrees, the weighted mean is the plain mean and the weighted pick floor(u·k), exactly."""
    nx.write_gml(_graph(lambda g: dict.fromkeys(g.edges, 1.0)), tmp_path / "ones.gml")
    s = _load(_scenario(tmp_path, "ones.gml", "mechanisms: {opinion: {enabled: true}}\n"))
    runs = []
    for kept in (False, True):
        m = GovernanceModel(s.replace(**{"network.weights": kept}), seed=2)
        assert (m.weights is m.adjacency) != kept and m.opinion.weighted == kept
        m.run()
        runs.append(m.datacollector.get_model_vars_dataframe())
    assert runs[0].equals(runs[1])


def test_weighted_neighbour_is_random_neighbour_for_unit_weights_and_by_weight_otherwise():
    rng = np.random.default_rng(0)
    adj = nx.to_scipy_sparse_array(nx.gnm_random_graph(300, 900, seed=1), format="csr")
    deg = np.diff(adj.indptr).astype(float)
    for _ in range(20):
        u = rng.random(300)
        assert np.array_equal(weighted_neighbour(adj, strengths(adj), u),
                              random_neighbour(adj, deg, u))
    # 0 hears 2 three times as often as 1
    g = nx.Graph([(0, 1, {"weight": 1.0}), (0, 2, {"weight": 3.0})])
    g.add_node(3)
    w = nx.to_scipy_sparse_array(g, nodelist=[0, 1, 2, 3], format="csr")
    picks = weighted_neighbour(w, strengths(w), np.array([0.2, 0.5, 0.5, 0.5]))
    assert picks.tolist() == [1, 0, 0, -1]  # 0.2·4 < 1: neighbour 1; isolated: -1
    picks = weighted_neighbour(w, strengths(w), np.full(4, 0.3))
    assert picks[0] == 2  # 0.3·4 = 1.2 >= 1: neighbour 2
    many = weighted_neighbour(w[[0] * 4000], strengths(w[[0] * 4000]), rng.random(4000))
    assert abs((many == 2).mean() - 0.75) < 0.03


def _four(tmp_path):
    """0-1 (1), 0-2 (3), 1-2 (2, given as two parallel edges 0.5 + 1.5), 2-3 (4)."""
    text = ("graph [\n multigraph 1\n"
            + "".join(f" node [ id {i} label \"{i}\" trust {t} ]\n"
                      for i, t in enumerate((0.2, 0.4, 0.6, 1.0)))
            + "".join(f" edge [ source {a} target {b} weight {w} ]\n"
                      for a, b, w in ((0, 1, 1), (0, 2, 3), (1, 2, 0.5), (1, 2, 1.5), (2, 3, 4)))
            + "]\n")
    (tmp_path / "four.gml").write_text(text)
    return tmp_path / "four.gml"


def test_weighted_trust_update_matches_a_hand_computation(tmp_path):
    found = net.read_file(_four(tmp_path))
    w = found.weights.toarray()
    assert w.tolist() == [[0, 1, 3, 0], [1, 0, 2, 0], [3, 2, 0, 4], [0, 0, 4, 0]]
    s = _load(_scenario(tmp_path, "four.gml", weights=True, districts=1))
    state = make_population(s, np.zeros(4, dtype=np.int32), np.random.default_rng(0))
    state.trust_gov = np.array([0.2, 0.4, 0.6, 1.0])
    state.trust_ngo = state.trust_gov.copy()
    TrustDynamics(Trust(rate=0.0, social=0.5)).update(state, found.weights,
                                                      strengths(found.weights))
    # T_i + ω (Σ_j w_ij T_j / Σ_j w_ij - T_i), ω = 0.5, by hand:
    hand = [0.2 + 0.5 * ((1 * 0.4 + 3 * 0.6) / 4 - 0.2),  # 0.375
            0.4 + 0.5 * ((1 * 0.2 + 2 * 0.6) / 3 - 0.4),  # 0.4333...
            0.6 + 0.5 * ((3 * 0.2 + 2 * 0.4 + 4 * 1.0) / 9 - 0.6),  # 0.6
            1.0 + 0.5 * (0.6 - 1.0)]  # 0.8
    assert np.allclose(state.trust_gov, hand) and np.allclose(hand, [0.375, 13 / 30, 0.6, 0.8])
    unweighted = [0.2 + 0.5 * (0.5 - 0.2), 0.4 + 0.5 * (0.4 - 0.4),
                  0.6 + 0.5 * ((0.2 + 0.4 + 1.0) / 3 - 0.6), 0.8]
    assert not np.allclose(state.trust_gov, unweighted)
    model = GovernanceModel(s, seed=1)  # the model hands trust the same weights
    assert model.ctx.weights.toarray().tolist() == w.tolist()
    assert model.ctx.strength.tolist() == [4, 3, 9, 4]


def test_varying_weights_change_the_run(tmp_path):
    nx.write_gml(_graph(lambda g: {e: 1.0 + 9.0 * (k % 2) for k, e in enumerate(g.edges)}),
                 tmp_path / "w.gml")
    s = _load(_scenario(tmp_path, "w.gml", "mechanisms: {opinion: {enabled: true}}\n"))
    runs = []
    for kept in (False, True):
        m = GovernanceModel(s.replace(**{"network.weights": kept}), seed=2)
        m.run()
        runs.append(m.datacollector.get_model_vars_dataframe())
    assert not runs[0]["trust_gov"].equals(runs[1]["trust_gov"])
    assert not runs[0]["opinion_mean"].equals(runs[1]["opinion_mean"])


@pytest.mark.parametrize("weight", ["-1", "0", "nan", "inf"])
def test_bad_weights_exit_2_naming_the_edge(tmp_path, capsys, weight):
    (tmp_path / "e.csv").write_text(f"source,target,weight\na,b,1\nb,c,{weight}\nc,a,2\n")
    path = _scenario(tmp_path, "e.csv", weights=True, districts=1)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "network.path: edge ('b', 'c') has weight" in err
    assert "every edge weight must be a finite number > 0" in err
    path.write_text(path.read_text().replace("weights: true", "weights: false"))
    assert main(["validate", str(path)]) == 0  # dropped weights are not checked


def test_weight_warnings_say_what_is_kept_and_what_is_not(tmp_path):
    nx.write_gml(_graph(lambda g: {e: 2.0 for e in g.edges}), tmp_path / "w.gml")
    dropped = _messages(_scenario(tmp_path, "w.gml"))
    assert any("ignored edge weights" in m and "network.weights: true keeps them" in m
               for m in dropped)
    kept = _messages(_scenario(tmp_path, "w.gml", weights=True))
    assert not any("ignored edge weights" in m for m in kept)
    (note,) = [m for m in kept if "network.weights:" in m]
    assert note.endswith("network.weights: the tie weights weigh neighbours in trust (social "
                         "influence, 7.4); these read the network without them (every tie "
                         "weighs 1): incentives (co-production groups, compensation and "
                         "imitation, 7.5)")  # opinion, unrest and law are off in adaptive
    on = _messages(_scenario(tmp_path, "w.gml", "mechanisms: {opinion: {enabled: true}}\n",
                             weights=True))
    (note,) = [m for m in on if "network.weights:" in m]
    assert "trust (social influence, 7.4), opinion (whom a citizen hears" in note
    assert note.endswith("opinion (attention and news, 7.11)")
    generated = _messages(ROOT / "scenarios/adaptive.yaml")
    assert not any("network.weights" in m for m in generated)
    assert any("has no effect" in m for m in _messages(_generated(tmp_path)))


def _generated(tmp_path):
    path = tmp_path / "gen.yaml"
    path.write_text(f"extends: {ROOT / 'scenarios/adaptive.yaml'}\nname: gen\n"
                    "network: {weights: true}\n")
    return path


def test_the_warning_tables_follow_the_mechanisms():
    """Who reads the weights (declares `weights`) and who reads the bare network
    (`adjacency`) is what the warning says."""
    assert {p.name for p in PHASES if "weights" in p.reads} == set(net.WEIGHTED_BY)
    assert {p.name for p in PHASES if "adjacency" in p.reads} == set(net.UNWEIGHTED_BY)


def test_a_huge_tie_elsewhere_does_not_swamp_a_row_of_small_ones():
    """Each row is picked in units of its own largest weight: with a 1e17 tie between 0
    and 1, node 2's three unit ties are still heard about a third of the time each."""
    import scipy.sparse as sp

    from cogov.model.sim.network import strengths, weighted_neighbour

    rows, cols = [0, 1, 2, 2, 2, 3, 4, 5], [1, 0, 3, 4, 5, 2, 2, 2]
    w = sp.csr_array(([1e17, 1e17, 1, 1, 1, 1, 1, 1], (rows, cols)), shape=(6, 6))
    u = np.random.default_rng(0).random((3000, 6))
    picks = np.array([weighted_neighbour(w, strengths(w), x)[2] for x in u])
    assert set(picks) == {3, 4, 5} and np.bincount(picks)[3:].min() > 900

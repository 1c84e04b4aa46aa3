"""Reading a network file (`network.kind: file`) into an adjacency matrix, with node
labels, districts, node attributes that set citizens' initial state and, on request, tie
weights (docs/model.md, section 6). Part of what a run *is*: the model only receives the
matrices and arrays. Readers are networkx's, chosen by format."""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .errors import ScenarioError
from .sections import SCALE_MAX


def _from_edges(n: int, u: np.ndarray, v: np.ndarray) -> sp.csr_array:
    """Undirected simple graph from edge lists (self-loops and duplicates dropped)."""
    keep = u != v
    u, v = u[keep], v[keep]
    lo, hi = np.minimum(u, v).astype(np.int64), np.maximum(u, v).astype(np.int64)
    key = np.unique(lo * n + hi)
    lo, hi = key // n, key % n
    rows = np.concatenate([lo, hi])
    cols = np.concatenate([hi, lo])
    data = np.ones(rows.size, dtype=np.float64)
    adj = sp.csr_array((data, (rows, cols)), shape=(n, n))
    adj.sort_indices()
    adj.indices = adj.indices.astype(np.int32, copy=False)
    adj.indptr = adj.indptr.astype(np.int64, copy=False)
    return adj


# ------------------------------------------------------------- network files
# network.format: auto picks by extension; anything not listed is a whitespace edge list
FORMATS = {".graphml": "graphml", ".xml": "graphml", ".gml": "gml", ".net": "pajek",
           ".paj": "pajek", ".gexf": "gexf", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv"}


LABELLED = ("graphml", "gml", "gexf")  # formats whose nodes may carry a `label` attribute

# node attributes that replace a citizen's drawn initial state (docs/model.md, section 6):
# attribute -> (CitizenState array, lower bound, upper bound, lower bound open). `need` is
# the individual need base_i (before cell multipliers), so it must be > 0 like its mean
NODE_STATE = {
    "trust": ("trust_gov", 0.0, 1.0, False),
    "trust_ngo": ("trust_ngo", 0.0, 1.0, False),
    "need": ("base_need", 0.0, SCALE_MAX, True),
}
# node attributes read for something else, and those a reader makes of a format's own
# fields (Pajek's vertex number, coordinates and shape; GEXF's drawing data): neither is
# reported as dropped
READ_OTHERWISE = {"label", "district"}
READER_MADE = {"pajek": {"id", "x", "y", "shape"}, "gexf": {"viz"}}

# what the tie weights of `network.weights: true` do in each mechanism that reads the
# network (the mechanisms' own code holds the truth; tests/test_node_attributes.py keeps
# these tables in step with the mechanisms that declare `weights`)
WEIGHTED_BY = {"trust": "social influence, 7.4",
               "opinion": "whom a citizen hears in bounded confidence, 7.11"}
UNWEIGHTED_BY = {"incentives": "co-production groups, compensation and imitation, 7.5",
                 "unrest": "officers' reach, 7.12",
                 "law": "what neighbours see of the rules, 7.22",
                 "opinion": "attention and news, 7.11"}


_INTEGER = re.compile(r"[+-]?\d+")


def file_format(path: str | Path, fmt: str = "auto") -> str:
    """The reader for a network file: ``fmt``, or from the extension when ``auto``.

    >>> file_format("karate.gml"), file_format("ties.txt"), file_format("x.csv", "tsv")
    ('gml', 'edgelist', 'tsv')
    """
    return FORMATS.get(Path(path).suffix.lower(), "edgelist") if fmt == "auto" else fmt


@dataclass(frozen=True)
class NetworkFile:
    """A network read from a file: citizen i is node ``labels[i]`` of the file.

    ``district`` holds each citizen's raw ``district`` node attribute (None where
    missing), or is None when no node has one; ``state`` the raw values of the
    :data:`NODE_STATE` attributes some node has (None where missing). ``weights`` is the
    adjacency with tie strengths (the sum of the weights of the file's edges between two
    nodes; 1 for an edge without one) and ``bad_weights`` the edges whose weight is not a
    finite number > 0. ``notes`` says what the file held that the model does not use
    (weights, direction, parallel edges, self-loops, node attributes);
    :meth:`report` says it for a scenario that keeps the weights.
    """

    adjacency: sp.csr_array
    labels: tuple[str, ...]
    district: tuple | None
    state: dict[str, tuple]
    weights: sp.csr_array
    bad_weights: tuple[tuple[str, str, object], ...]
    head: str  # "network.path: name (format, nodes, ties)"
    ignored: tuple[str, ...]  # what is dropped whatever the scenario says
    weight_note: str | None  # the weights, dropped unless network.weights: true
    dropped_attributes: tuple[str, ...]

    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def notes(self) -> tuple[str, ...]:
        """The warnings of a scenario that drops the weights (the default)."""
        return self.report(weights=False)

    def report(self, weights: bool) -> tuple[str, ...]:
        """One warning of what the file holds beyond what the model reads (the weights are
        read with ``network.weights: true``), one naming the dropped node attributes."""
        dropped = list(self.ignored)
        if self.weight_note and not weights:
            dropped.insert(0, self.weight_note)
        out = [f"{self.head}: ignored {'; '.join(dropped)}"] if dropped else []
        if self.dropped_attributes:
            out.append(f"{self.head}: dropped node attributes: "
                       f"{', '.join(self.dropped_attributes)} (the model reads `district`, "
                       f"{', '.join(f'`{a}`' for a in NODE_STATE)}; a citizen's connectedness "
                       "is its degree in the graph)")
        return tuple(out)

    def weight_errors(self) -> list[str]:
        """One error per edge whose weight is not a finite number > 0 (at most 5 shown)."""
        errors = [f"network.path: edge ({a!r}, {b!r}) has weight {w!r}; with network.weights: "
                  "true every edge weight must be a finite number > 0"
                  for a, b, w in self.bad_weights[:5]]
        if len(self.bad_weights) > 5:
            errors.append(f"network.path: ... and {len(self.bad_weights) - 5} more edges with a "
                          "bad weight")
        return errors

    def state_errors(self) -> list[str]:
        """Errors of the initial-state attributes: a node without one that other nodes
        have, a value that is not a number or out of its bounds (at most 5 per attribute)."""
        errors = []
        for name, values in self.state.items():
            bad = [(label, _state_problem(name, v)) for label, v in zip(self.labels, values,
                                                                        strict=True)]
            bad = [(label, why) for label, why in bad if why]
            errors += [f"network.path: node {label!r} {why}" for label, why in bad[:5]]
            if len(bad) > 5:
                errors.append(f"network.path: ... and {len(bad) - 5} more nodes with a bad "
                              f"`{name}`")
        return errors

    def initial_state(self) -> dict[str, np.ndarray]:
        """The citizens' arrays the file sets (CitizenState name -> values); bad values raise."""
        errors = self.state_errors()
        if errors:
            raise ScenarioError(errors)
        return {NODE_STATE[name][0]: np.array([float(v) for v in values])
                for name, values in self.state.items()}

    def district_errors(self, districts: int) -> list[str]:
        """One error per node whose ``district`` is not an integer 0..districts-1 (at most 5
        shown); none when the file has no district attribute."""
        if self.district is None:
            return []
        bad = [(label, value) for label, value in zip(self.labels, self.district, strict=True)
               if not 0 <= _as_district(value) < districts]
        rule = (f"a `district` attribute must be an integer 0..{districts - 1} on every node "
                f"(population.districts is {districts})")
        errors = [f"network.path: node {label!r} has " +
                  ("no district" if value is None else f"district {value!r}") + f"; {rule}"
                  for label, value in bad[:5]]
        if len(bad) > 5:
            errors.append(f"network.path: ... and {len(bad) - 5} more nodes with a bad district")
        return errors

    def districts(self, districts: int) -> np.ndarray | None:
        """The citizens' districts from the attribute (None without one); bad values raise."""
        if self.district is None:
            return None
        errors = self.district_errors(districts)
        if errors:
            raise ScenarioError(errors)
        return np.array([_as_district(v) for v in self.district], dtype=np.int32)


def _state_problem(name: str, value) -> str | None:
    """Why a node's value of attribute ``name`` cannot set its state (None: it can)."""
    _, lo, hi, open_lo = NODE_STATE[name]
    if value is None:
        return (f"has no `{name}`, which other nodes have; an attribute that sets initial "
                "state must be on every node")
    number = _as_number(value)
    if number is None:
        return f"has {name} {value!r}, not a number"
    if number < lo or (open_lo and number == lo):
        sign = ">" if open_lo else ">="
        return f"has {name} {value!r}, below the bound: `{name}` must be {sign} {lo:g}"
    if number > hi:
        return f"has {name} {value!r}, above the bound: `{name}` must be <= {hi:g}"
    return None


def _as_number(value) -> float | None:
    """A finite number from an attribute (GraphML and GML give numbers, GEXF may give
    text); None for anything else, booleans included."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _as_district(value) -> int:
    """A district attribute as an int; -1 when it is not a whole number."""
    if isinstance(value, bool) or value is None:
        return -1
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return int(value) if float(value).is_integer() else -1
    text = str(value).strip()
    return int(text) if _INTEGER.fullmatch(text) else -1


def read_file(path: str | Path, fmt: str = "auto") -> NetworkFile:
    """Read a network file (GraphML, GML, Pajek, GEXF, edge list, CSV/TSV edge table).

    Node order is canonical, never the file's (:func:`canonical_key`): integer labels
    in numeric order (node i is citizen i for labels 0..n-1), then the other labels in
    text order, so CSV, GML, GraphML, GEXF, Pajek and edge lists of one graph give the
    same citizens, districts and numbers. Reading is
    cached per process (path, format, modification time), so a scenario check and
    the model build read a file once. Problems raise a ScenarioError naming
    ``network.path`` (docs/model.md, section 6).
    """
    path, fmt = Path(path), file_format(path, fmt)
    try:
        stat = path.stat()
    except OSError as exc:
        raise ScenarioError([f"network.path: cannot read {str(path)!r}: {exc.strerror}"]) from None
    cached = _read_cached(str(path.resolve()), fmt, stat.st_mtime_ns, stat.st_size)
    # copies: a model owns its matrices, the cache keeps its own
    return dataclasses.replace(cached, adjacency=cached.adjacency.copy(),
                               weights=cached.weights.copy())


@functools.lru_cache(maxsize=4)
def _read_cached(path: str, fmt: str, mtime: int, size: int) -> NetworkFile:
    try:
        g = _readers()[fmt](Path(path))
    except Exception as exc:  # networkx and pandas raise many kinds for a malformed file
        text = str(exc) or type(exc).__name__
        raise ScenarioError([f"network.path: cannot read {path!r} as {fmt}: {text}"]) from None
    return _from_graph(g, fmt, Path(path).name)


def _from_graph(g, fmt: str, name: str) -> NetworkFile:
    nodes = list(g.nodes())
    labels, notes = _labels(g, nodes, fmt)
    order = sorted(range(len(nodes)), key=lambda i: canonical_key(labels[i]))
    nodes, labels = [nodes[i] for i in order], [labels[i] for i in order]
    index = {node: i for i, node in enumerate(nodes)}
    pairs = np.array([(index[a], index[b]) for a, b in g.edges()], dtype=np.int64).reshape(-1, 2)
    adj = _from_edges(len(nodes), pairs[:, 0], pairs[:, 1])
    district = tuple(g.nodes[node].get("district") for node in nodes)
    weights, bad = _weights(g, index, labels, adj)
    head = f"network.path: {name} ({fmt}, {len(nodes)} nodes, {adj.nnz // 2} ties)"
    return NetworkFile(
        adj, tuple(labels), None if all(d is None for d in district) else district,
        state=_node_state(g, nodes), weights=weights, bad_weights=bad, head=head,
        ignored=tuple(_dropped(g, adj) + notes), weight_note=_weight_note(g),
        dropped_attributes=_dropped_attributes(g, fmt))


def _node_state(g, nodes: list) -> dict[str, tuple]:
    """Raw values of each initial-state attribute that some node has (None where missing)."""
    out = {}
    for name in NODE_STATE:
        values = tuple(g.nodes[node].get(name) for node in nodes)
        if any(v is not None for v in values):
            out[name] = values
    return out


def _dropped_attributes(g, fmt: str) -> tuple[str, ...]:
    """Names of the node attributes the model does not read, sorted."""
    seen = {key for _, data in g.nodes(data=True) for key in data}
    return tuple(sorted(seen - READ_OTHERWISE - set(NODE_STATE) - READER_MADE.get(fmt, set())))


def _weights(g, index: dict, labels: list, adj: sp.csr_array):
    """The adjacency with tie strengths, and the edges with a weight that is not a finite
    number > 0 (their labels and weight). Two nodes' tie weighs the sum of their edges'
    weights, as networkx adds parallel edges up (``to_scipy_sparse_array``): parallel edges
    and the two arcs of a reciprocal pair add up; an edge without a weight counts 1."""
    u, v, w, bad = [], [], [], []
    for a, b, data in g.edges(data=True):
        i, j = index[a], index[b]
        if i == j:
            continue  # self-loops are dropped, and their weights with them
        raw = data.get("weight", 1.0)
        number = _as_number(raw)
        if number is None or number <= 0:
            bad.append((labels[i], labels[j], raw))
        u.append(i)
        v.append(j)
        w.append(1.0 if number is None else number)
    n = adj.shape[0]
    rows, cols = np.array(u + v, dtype=np.int64), np.array(v + u, dtype=np.int64)
    weights = sp.csr_array((np.array(w + w, dtype=np.float64), (rows, cols)), shape=(n, n))
    weights.sum_duplicates()
    weights.sort_indices()
    # the same pattern and index types as the adjacency, so the two line up entry by entry
    weights.indices = weights.indices.astype(np.int32, copy=False)
    weights.indptr = weights.indptr.astype(np.int64, copy=False)
    return weights, tuple(bad)


def _weight_note(g) -> str | None:
    """The note for weights other than 1, dropped unless network.weights: true."""
    weights = [d["weight"] for _, _, d in g.edges(data=True) if "weight" in d]
    if not any(w != 1 for w in weights):
        return None
    return (f"edge weights ({len(weights)} weighted edges; every tie counts the same; "
            "network.weights: true keeps them)")


def canonical_key(label: str) -> tuple:
    """Sort key of a node label, so that the same graph gives the same citizens in any
    file format: integer labels first in numeric order, then every other label in
    text (Unicode code point) order; ties (e.g. ``"01"`` and ``"1"``) by text.

    >>> sorted(["b", "10", "2", "a", "-1"], key=canonical_key)
    ['-1', '2', '10', 'a', 'b']
    """
    text = label.strip()
    if _INTEGER.fullmatch(text):
        return (0, int(text), label)
    return (1, 0, label)


def _labels(g, nodes: list, fmt: str) -> tuple[list[str], list[str]]:
    """Each node's label: its `label` attribute when every node has a distinct one (GML,
    GEXF, GraphML), else its id; and a note when labels had to fall back to ids."""
    ids = [str(node) for node in nodes]
    if fmt not in LABELLED:
        return ids, []
    given = [g.nodes[node].get("label") for node in nodes]
    if all(x is None for x in given):
        return ids, []
    text = [str(x) for x in given]
    if None in given or len(set(text)) < len(text):
        return ids, ["the `label` attributes (missing or repeated on some nodes; node ids are "
                     "used as labels instead)"]
    return text, []


def _dropped(g, adj: sp.csr_array) -> list[str]:
    """What the file holds beyond an undirected simple graph (weights: :func:`_weight_note`)."""
    import networkx as nx

    out = []
    if g.is_directed():
        out.append("direction (arcs are read as two-way ties)")
    loops = nx.number_of_selfloops(g)
    merged = g.number_of_edges() - loops - adj.nnz // 2
    if merged:
        kind = "parallel or reciprocal" if g.is_directed() else "parallel"
        out.append(f"{merged} {kind} edges (merged into one tie per pair; with "
                   "network.weights: true their weights add up, each edge counting 1 "
                   "without one)")
    if loops:
        out.append(f"{loops} self-loops")
    return out


def _read_edgelist(path: Path):
    """``u v`` or ``u v weight`` (or networkx's ``u v {'weight': 2}``) per line, split on
    whitespace; ``#`` starts a comment. Parallel edges are kept (to be counted)."""
    import networkx as nx

    first = _first_data_line(path)
    if first is None:
        raise ValueError("no edges in the file")
    if [x.lower() for x in first[:2]] == ["source", "target"]:
        raise ValueError("its first line is a header; a table with a header is read with "
                         "network.format: csv or tsv")
    looks = _looks_like(first[0])
    if looks:  # read as an edge list, a GML file would give nodes called "graph" and "["
        raise ValueError(f"it looks like {looks}, not an edge list; set network.format: {looks}")
    if len(first) < 2 and "," in first[0]:  # a CSV edge table saved as .txt
        raise ValueError(f"its first line {first[0]!r} is separated by commas: a CSV edge "
                         "table is read with network.format: csv (with a source,target header)")
    if len(first) < 2:
        raise ValueError(f"line {first[0]!r} has one column; an edge list has `u v` or "
                         "`u v weight` per line, separated by spaces")
    multi = nx.MultiGraph()
    if len(first) == 2:
        return nx.read_edgelist(path, nodetype=str, data=False, create_using=multi)
    if first[2].startswith("{"):
        return nx.read_edgelist(path, nodetype=str, data=True, create_using=multi)
    if len(first) == 3:
        return nx.read_weighted_edgelist(path, nodetype=str, create_using=multi)
    raise ValueError(f"line {' '.join(first)!r} has {len(first)} columns; an edge list has "
                     "`u v` or `u v weight` per line (names without spaces)")


def _looks_like(token: str) -> str | None:
    """The format whose files start with ``token`` (first word of the first line)."""
    token = token.lower()
    if token.startswith("*"):
        return "pajek"
    if token.startswith("<"):
        return "gexf" if "gexf" in token else "graphml"
    if token in ("graph", "graph[", "creator"):
        return "gml"
    return None


def _first_data_line(path: Path) -> list[str] | None:
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split("#", 1)[0].split()
            if fields:
                return fields
    return None


def _read_table(path: Path, sep: str):
    """A CSV/TSV edge table with a header naming ``source`` and ``target`` (any case;
    ``weight`` optional; other columns ignored). Names may contain spaces."""
    import networkx as nx
    import pandas as pd

    df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True)
    columns = {str(c).strip().lower(): c for c in df.columns}
    if "source" not in columns or "target" not in columns:
        raise ValueError("an edge table needs a header row with source and target columns "
                         f"(and optionally weight); its header is {list(df.columns)}")
    ends = pd.DataFrame({"source": df[columns["source"]].str.strip(),
                         "target": df[columns["target"]].str.strip()})
    empty = np.flatnonzero((ends["source"] == "") | (ends["target"] == ""))
    if empty.size:
        raise ValueError(f"line {empty[0] + 2} has an empty source or target")
    if "weight" in columns:
        ends["weight"] = pd.to_numeric(df[columns["weight"]], errors="coerce")
    return nx.from_pandas_edgelist(ends, edge_attr="weight" if "weight" in ends else None,
                                   create_using=nx.MultiGraph)


def _readers() -> dict:
    import networkx as nx

    return {
        "graphml": nx.read_graphml,
        "gml": lambda p: nx.read_gml(p, label=None),  # ids as nodes; `label` kept as attribute
        "pajek": nx.read_pajek,
        "gexf": nx.read_gexf,
        "edgelist": _read_edgelist,
        "csv": lambda p: _read_table(p, ","),
        "tsv": lambda p: _read_table(p, "\t"),
    }


def file_errors(scenario) -> list[str]:
    """Problems of a scenario's network file: unreadable, node count other than
    ``population.citizens``, ``district`` attributes that are not 0..districts-1,
    initial-state attributes missing on a node or out of bounds, and with
    ``network.weights: true`` edge weights that are not finite and > 0."""
    try:
        nf = read_file(scenario.network.path, scenario.network.format)
    except ScenarioError as exc:
        return exc.errors
    errors = []
    n = scenario.population.citizens
    if nf.n != n:
        errors.append(f"network.path: the file has {nf.n} nodes but population.citizens is {n} "
                      "(population.citizens: auto takes the count from the file)")
    errors += nf.district_errors(scenario.population.districts) + nf.state_errors()
    return errors + (nf.weight_errors() if scenario.network.weights else [])


def weight_warnings(scenario) -> list[str]:
    """With ``network.weights: true``: what the weights do, and which switched-on mechanisms
    read the network without them (named); on a generated network, that there are none."""
    if not scenario.network.weights:
        return []
    if scenario.network.kind != "file":
        return [f"network.weights: a {scenario.network.kind!r} network has no weights (every "
                "tie weighs 1), so it has no effect; it keeps a network file's weights"]
    on = [name for name in UNWEIGHTED_BY if _enabled(scenario, name)]
    used = ", ".join(f"{name} ({what})" for name, what in WEIGHTED_BY.items()
                     if _enabled(scenario, name))
    text = f"network.weights: the tie weights weigh neighbours in {used or 'no mechanism on'}"
    if on:
        text += ("; these read the network without them (every tie weighs 1): "
                 + ", ".join(f"{name} ({UNWEIGHTED_BY[name]})" for name in on))
    return [text]


def _enabled(scenario, name: str) -> bool:
    section = getattr(scenario.mechanisms, name, None)
    return bool(getattr(section, "enabled", True))

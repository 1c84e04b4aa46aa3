"""Reading a network file (`network.kind: file`) into an adjacency matrix, with node
labels and districts (docs/model.md, section 6). Part of what a run *is*: the model
only receives the matrix. Readers are networkx's, chosen by format."""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .errors import ScenarioError


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
    missing), or is None when no node has one; ``notes`` says what the file held that
    the model does not use (weights, direction, parallel edges, self-loops).
    """

    adjacency: sp.csr_array
    labels: tuple[str, ...]
    district: tuple | None
    notes: tuple[str, ...]

    @property
    def n(self) -> int:
        return len(self.labels)

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
    return dataclasses.replace(cached, adjacency=cached.adjacency.copy())


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
    dropped = _dropped(g, adj) + notes
    summary = (f"network.path: {name} ({fmt}, {len(nodes)} nodes, {adj.nnz // 2} ties): "
               f"ignored {'; '.join(dropped)}")
    return NetworkFile(adj, tuple(labels), None if all(d is None for d in district) else district,
                       (summary,) if dropped else ())


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
    """What the file holds beyond an undirected, unweighted simple graph."""
    import networkx as nx

    out = []
    weights = [d["weight"] for _, _, d in g.edges(data=True) if "weight" in d]
    if any(w != 1 for w in weights):
        out.append(f"edge weights ({len(weights)} weighted edges; every tie counts the same)")
    if g.is_directed():
        out.append("direction (arcs are read as two-way ties)")
    loops = nx.number_of_selfloops(g)
    merged = g.number_of_edges() - loops - adj.nnz // 2
    if merged:
        kind = "parallel or reciprocal" if g.is_directed() else "parallel"
        out.append(f"{merged} {kind} edges (merged into one tie per pair)")
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
    ``population.citizens``, ``district`` attributes that are not 0..districts-1."""
    try:
        nf = read_file(scenario.network.path, scenario.network.format)
    except ScenarioError as exc:
        return exc.errors
    errors = []
    n = scenario.population.citizens
    if nf.n != n:
        errors.append(f"network.path: the file has {nf.n} nodes but population.citizens is {n} "
                      "(population.citizens: auto takes the count from the file)")
    return errors + nf.district_errors(scenario.population.districts)

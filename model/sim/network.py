"""Citizen networks, built directly as symmetric CSR adjacency matrices.

Every generator works on numpy arrays, so building a network of 10^6 citizens
never goes through per-node Python code; a networkx graph is made only when
asked for (:func:`to_networkx`) or when a network is read from a file
(:func:`read_file`: GraphML, GML, Pajek, GEXF, edge lists, CSV/TSV edge tables,
with networkx's readers). Generators follow the textbook definitions,
with one documented simplification: where random wiring produces a duplicate
edge or a self-loop it is dropped, so degrees can fall slightly short of the
target (a fraction ~ degree / citizens of edges).

    >>> import numpy as np
    >>> adj = build_adjacency("lattice", 16, np.random.default_rng(0))
    >>> adj.shape, int(adj.sum(axis=1).min()), int(adj.sum(axis=1).max())
    ((16, 16), 4, 4)
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..scenario.network_file import _from_edges
from ..scenario.sections import EVEN_DEGREE


def _even_degree(kind: str, degree: int) -> None:
    if degree < 2 or degree % 2:
        raise ValueError(f"{kind} needs an even degree of at least 2 ({EVEN_DEGREE[kind]}), "
                         f"got {degree}")


def lattice(n: int) -> sp.csr_array:
    """2-D periodic square lattice, von Neumann neighbourhood (4 neighbours)."""
    side = int(round(np.sqrt(n)))
    idx = np.arange(n).reshape(side, side)
    right = np.roll(idx, -1, axis=1)
    down = np.roll(idx, -1, axis=0)
    u = np.concatenate([idx.ravel(), idx.ravel()])
    v = np.concatenate([right.ravel(), down.ravel()])
    return _from_edges(n, u, v)


def ring(n: int, degree: int) -> tuple[np.ndarray, np.ndarray]:
    """Edges of a ring where each node links to its degree//2 nearest on each side."""
    half = max(1, degree // 2)
    u = np.repeat(np.arange(n), half)
    v = (u + np.tile(np.arange(1, half + 1), n)) % n
    return u, v


def small_world(n: int, degree: int, rewire: float, rng: np.random.Generator) -> sp.csr_array:
    """Watts & Strogatz (1998): ring lattice, each edge's far end rewired with prob. ``rewire``.

    The ring has degree/2 neighbours on each side, so ``degree`` must be even.
    """
    _even_degree("small_world", degree)
    u, v = ring(n, degree)
    moved = rng.random(u.size) < rewire
    v = v.copy()
    v[moved] = rng.integers(0, n, size=int(moved.sum()))
    return _from_edges(n, u, v)


def regular(n: int, degree: int, rng: np.random.Generator) -> sp.csr_array:
    """Random regular graph by the configuration model (stubs paired at random)."""
    stubs = rng.permutation(np.repeat(np.arange(n), degree))
    return _from_edges(n, stubs[0::2], stubs[1::2])


def erdos_renyi(n: int, degree: int, rng: np.random.Generator) -> sp.csr_array:
    """Erdős–Rényi G(n, p) with p = degree / (n - 1), drawn as G(n, M) with M ~ Binomial."""
    pairs = n * (n - 1) // 2
    m = rng.binomial(pairs, min(1.0, degree / (n - 1)))
    u = rng.integers(0, n, size=m)
    v = rng.integers(0, n, size=m)
    return _from_edges(n, u, v)


def scale_free(n: int, degree: int, rng: np.random.Generator) -> sp.csr_array:
    """Barabási & Albert (1999) preferential attachment with m = degree / 2 links per new node.

    The mean degree is 2m, so ``degree`` must be even (an odd one is refused, not floored).

    Uses the edge-list copy model of Batagelj & Brandes (2005): the target of each
    new edge is a uniformly chosen earlier edge end. Resolving "copy the end at
    slot r" chains is done by pointer jumping, so the whole graph is vectorised.
    """
    _even_degree("scale_free", degree)
    m = degree // 2
    slots = 2 * n * m
    src = np.repeat(np.arange(n), m)  # even slots: the new node
    pos = np.arange(0, slots, 2)
    # odd slot 2k+1 copies a uniformly chosen earlier slot in [0, 2k]
    target = (rng.random(pos.size) * (pos + 1)).astype(np.int64)
    resolved = np.full(pos.size, -1, dtype=np.int64)
    while True:
        even = target % 2 == 0
        todo = resolved < 0
        hit = todo & even
        resolved[hit] = src[target[hit] // 2]
        follow = todo & ~even
        if not follow.any():
            break
        target[follow] = target[(target[follow] - 1) // 2]
    return _from_edges(n, src, resolved)


def complete(n: int) -> sp.csr_array:
    """Every citizen linked to every other (well-mixed population)."""
    u, v = np.triu_indices(n, k=1)
    return _from_edges(n, u, v)


def build_adjacency(
    kind: str, n: int, rng: np.random.Generator, degree: int = 6, rewire: float = 0.0
) -> sp.csr_array:
    """Dispatch to the generator for ``kind`` (all but ``file``)."""
    if kind == "lattice":
        return lattice(n)
    if kind == "small_world":
        return small_world(n, degree, rewire, rng)
    if kind == "regular":
        return regular(n, degree, rng)
    if kind == "erdos_renyi":
        return erdos_renyi(n, degree, rng)
    if kind == "scale_free":
        return scale_free(n, degree, rng)
    if kind == "complete":
        return complete(n)
    raise ValueError(f"unknown network kind {kind!r}")


def block_districts(n: int, districts: int) -> np.ndarray:
    """Contiguous blocks of node indices: stripes on a lattice, arcs on a ring."""
    return (np.arange(n, dtype=np.int64) * districts // n).astype(np.int32)


def to_networkx(adj: sp.csr_array, districts: np.ndarray | None = None):
    """A networkx Graph of the adjacency (for export and small-N inspection)."""
    import networkx as nx

    g = nx.from_scipy_sparse_array(adj)
    if districts is not None:
        nx.set_node_attributes(g, {i: int(d) for i, d in enumerate(districts)}, "district")
    return g


def degrees(adj: sp.csr_array) -> np.ndarray:
    """Number of neighbours of every citizen."""
    return np.diff(adj.indptr)


def neighbours_of(adj: sp.csr_array, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The neighbours of each of ``rows`` (repeats allowed), row after row, as pairs
    (k, j): k the position in ``rows``, j the neighbour."""
    sizes = degrees(adj)[rows]
    start = np.repeat(adj.indptr[rows], sizes)
    within = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return np.repeat(np.arange(rows.size), sizes), adj.indices[start + within]


def neighbour_mean(adj: sp.csr_array, x: np.ndarray, deg: np.ndarray) -> np.ndarray:
    """Mean of x over each citizen's neighbours (own value for isolated citizens); with
    tie weights for ``adj`` and strengths for ``deg``, the weighted mean Σ_j w_ij x_j / s_i."""
    out = adj @ x
    isolated = deg == 0
    if isolated.any():
        out[isolated] = x[isolated]
        return np.divide(out, deg, out=out, where=~isolated)
    return np.divide(out, deg, out=out)


def strengths(weights: sp.csr_array) -> np.ndarray:
    """Each citizen's summed tie weights (its degree when every weight is 1)."""
    return np.asarray(weights.sum(axis=1), dtype=np.float64).ravel()


def weighted_neighbour(weights: sp.csr_array, strength: np.ndarray, u: np.ndarray) -> np.ndarray:
    """For each citizen i, neighbour j with probability w_ij / s_i: the first whose running
    total of the row's weights passes u_i * s_i; -1 if isolated. With every weight 1 the
    running totals are 1, 2, ..., k_i, exact, so the pick is :func:`random_neighbour`'s
    floor(u_i * k_i) bit for bit (the same u, the same neighbour)."""
    deg = np.diff(weights.indptr)
    row = np.repeat(np.arange(deg.size), deg)
    # each row in units of its largest weight: one running total over the whole network
    # then keeps every row's precision (a huge tie elsewhere would swamp a row of small
    # ones); unit weights stay 1, so the totals stay exact
    top = np.ones(deg.size)
    if weights.nnz:
        starts = weights.indptr[:-1][deg > 0]
        top[deg > 0] = np.maximum.reduceat(weights.data, starts)
    total = np.cumsum(weights.data / top[row])
    before = np.concatenate([[0.0], total])[weights.indptr[:-1]]  # running total at row start
    passed = np.bincount(row, weights=(total - before[row]) <= (u * strength / top)[row],
                         minlength=deg.size).astype(np.int64)
    # rounding may pass the last total: stay in the row
    offset = weights.indptr[:-1] + np.minimum(passed, np.maximum(deg - 1, 0))
    pick = np.full(deg.size, -1, dtype=np.int64)
    has = deg > 0
    pick[has] = weights.indices[offset[has]]
    return pick


def random_neighbour(adj: sp.csr_array, deg: np.ndarray, u: np.ndarray) -> np.ndarray:
    """For each citizen, the neighbour at uniform position floor(u * degree); -1 if isolated."""
    has = deg > 0
    offset = adj.indptr[:-1] + (u * deg).astype(np.int64)
    if has.all():
        return adj.indices[offset].astype(np.int64)
    pick = np.full(deg.size, -1, dtype=np.int64)
    pick[has] = adj.indices[offset[has]]
    return pick

"""Epstein's (2002) streets: a torus of cells on which citizens and officers stand and move.

Unrest (docs/model.md 7.12) normally happens on the citizen network. With
``mechanisms.unrest.space: grid`` it happens on this grid instead, as in Epstein's civil
violence model and Mesa's example of it: a ``width`` × ``height`` torus, one agent per
cell, and vision the von Neumann diamond of radius ``vision`` (every cell within
Manhattan distance 1..v; 112 cells at v = 7), the neighbourhood of Mesa's
``OrthogonalVonNeumannGrid.get_neighborhood(radius=v)``. Counts in vision are one
wrap-around convolution of the occupancy with the diamond.

Movement, vectorised: every mover draws a cell of its diamond at random and takes it if it
is empty and no mover earlier in a random order claimed it; movers that failed draw again
(up to ``ATTEMPTS`` times). A mover with an empty cell in vision thus moves to one of them,
uniformly, as an agent of Mesa's example does, except that all move at once rather than one
after another (the closest equivalent without a Python loop over agents).
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import convolve

ATTEMPTS = 16  # draws per mover: at Epstein's density (74 % occupied) 0.74^16 < 1 % stay put


def diamond(radius: int) -> np.ndarray:
    """Offsets (dy, dx) with 1 <= |dy| + |dx| <= radius."""
    r = np.arange(-radius, radius + 1)
    dy, dx = np.meshgrid(r, r, indexing="ij")
    keep = (np.abs(dy) + np.abs(dx) >= 1) & (np.abs(dy) + np.abs(dx) <= radius)
    return np.stack([dy[keep], dx[keep]], axis=1)


class StreetGrid:
    """Cells of citizens (``cell[:n]``) and officers (``cell[n:]``) on a torus."""

    def __init__(self, width: int, height: int, vision: int, citizens: int, officers: int,
                 rng: np.random.Generator):
        if citizens + officers > width * height:
            raise ValueError(f"{citizens} citizens and {officers} officers do not fit on "
                             f"{width} x {height} cells")
        self.shape = (height, width)
        self.n = citizens
        self.offsets = diamond(vision)
        self.kernel = np.zeros((2 * vision + 1,) * 2)
        self.kernel[self.offsets[:, 0] + vision, self.offsets[:, 1] + vision] = 1.0
        self.cell = rng.choice(width * height, citizens + officers, replace=False)

    @property
    def cells(self) -> int:
        return self.shape[0] * self.shape[1]

    def in_vision(self, who: np.ndarray, where: np.ndarray) -> np.ndarray:
        """For each cell of ``where``: how many of the agents ``who`` (indices) stand in its
        vision (not counting the cell itself)."""
        counts = np.bincount(self.cell[who], minlength=self.cells).reshape(self.shape)
        seen = convolve(counts.astype(float), self.kernel, mode="wrap")
        return np.rint(seen.ravel()[where]).astype(np.int64)

    def around(self, cells: np.ndarray) -> np.ndarray:
        """The cells in vision of each of ``cells``: shape (len(cells), len(offsets))."""
        h, w = self.shape
        y, x = np.divmod(cells, w)
        yy = (y[:, None] + self.offsets[:, 0]) % h
        xx = (x[:, None] + self.offsets[:, 1]) % w
        return yy * w + xx

    def move(self, movers: np.ndarray, rng: np.random.Generator) -> None:
        """Each mover (agent index) goes to a random empty cell in its vision, if it finds one."""
        occupied = np.zeros(self.cells, dtype=bool)
        occupied[self.cell] = True
        h, w = self.shape
        pending = rng.permutation(movers)
        for _ in range(ATTEMPTS):
            if pending.size == 0:
                break
            off = self.offsets[rng.integers(0, len(self.offsets), pending.size)]
            y, x = np.divmod(self.cell[pending], w)
            target = ((y + off[:, 0]) % h) * w + (x + off[:, 1]) % w
            free = ~occupied[target]
            cand, tgt = pending[free], target[free]
            first = np.unique(tgt, return_index=True)[1]  # the earliest claimant in the order
            win, goal = cand[first], tgt[first]
            occupied[self.cell[win]] = False
            occupied[goal] = True
            self.cell[win] = goal
            pending = pending[~np.isin(pending, win)]

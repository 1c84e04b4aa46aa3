"""Seeds: the one a run uses, and the replicates' seeds spawned from it.

Replicate seeds come from ``numpy.random.SeedSequence(base).spawn(R)``, so they are
distinct, reproducible and independent of how many workers run them.

    >>> seeds = replicate_seeds(42, 3)
    >>> seeds == replicate_seeds(42, 3), len(set(seeds))
    (True, 3)
"""

from __future__ import annotations

import numpy as np

from ..scenario.schema import Scenario
from ..sim.model import fresh_seed


def base_seed(scenario: Scenario, seed: int | None = None) -> int:
    """The seed to use: the one given, else the scenario's, else a fresh one."""
    if seed is not None:
        return int(seed)
    return fresh_seed() if scenario.seed is None else scenario.seed


def replicate_seeds(base_seed: int, replicates: int) -> list[int]:
    """Seeds for R replicates, spawned from ``base_seed`` (63-bit integers)."""
    children = np.random.SeedSequence(base_seed).spawn(replicates)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]

"""Epstein's own space for unrest (docs/model.md 7.12, ``mechanisms.unrest.space: grid``)."""

import numpy as np
import pytest

from cogov.model import GovernanceModel, ScenarioError
from cogov.model.sim.grid import StreetGrid, diamond
from tests.conftest import small

GRID = {"mechanisms.unrest.enabled": True, "mechanisms.unrest.space": "grid",
        "mechanisms.unrest.legitimacy": 0.82, "mechanisms.unrest.hardship": "uniform",
        "mechanisms.unrest.jail_term": 30, "population.citizens": 300,
        "mechanisms.unrest.grid.width": 20, "mechanisms.unrest.grid.height": 20,
        "mechanisms.unrest.grid.vision": 3}


def test_vision_is_the_von_neumann_diamond():
    assert len(diamond(7)) == 2 * 7 * 8  # Mesa's get_neighborhood(radius=7): 112 cells
    assert len(diamond(1)) == 4
    assert not (diamond(3) == 0).all(axis=1).any()  # a cell does not see itself


def test_counts_in_vision_wrap_around_the_torus():
    g = StreetGrid(10, 10, 2, citizens=2, officers=0, rng=np.random.default_rng(0))
    g.cell[:] = [0, 9]  # (0, 0) and (0, 9): neighbours across the edge
    seen = g.in_vision(np.array([1]), np.arange(100)).reshape(10, 10)
    assert seen[0, 0] == 1 and seen[0, 8] == 1 and seen[0, 9] == 0  # not itself
    assert seen[2, 9] == 1 and seen[3, 9] == 0  # distance 2 seen, 3 not
    assert seen[1, 0] == 1 and seen[1, 1] == 0  # (1,1) is 3 steps from (0,9) on the torus
    assert seen.sum() == len(diamond(2))


def test_movers_go_to_empty_cells_in_vision_and_never_share_one():
    rng = np.random.default_rng(1)
    g = StreetGrid(12, 12, 2, citizens=100, officers=6, rng=rng)
    before = g.cell.copy()
    stay = np.arange(0, 100, 2)  # half stay (the jailed)
    movers = np.setdiff1d(np.arange(106), stay)
    for _ in range(20):
        g.move(movers, rng)
        assert np.unique(g.cell).size == g.cell.size  # one agent per cell
        assert (g.cell[stay] == before[stay]).all()
    moved = g.cell[movers] != before[movers]
    assert moved.mean() > 0.9
    h, w = g.shape
    one = StreetGrid(12, 12, 2, citizens=1, officers=0, rng=rng)
    start = int(one.cell[0])
    one.move(np.array([0]), rng)  # alone on the grid: always finds a cell in vision
    dy = abs(start // w - int(one.cell[0]) // w)
    dx = abs(start % w - int(one.cell[0]) % w)
    assert 1 <= min(dy, h - dy) + min(dx, w - dx) <= 2


def test_grid_unrest_runs_clean_and_arrests_within_capacity():
    m = GovernanceModel(small(steps=40, **GRID), seed=3)
    m.run()
    df = m.datacollector.get_model_vars_dataframe()
    officers = round(0.04 * 400)
    assert m.unrest.officers(m.degree) == officers == 16
    assert df["arrests"].max() <= officers and df["arrests"].sum() > 0
    assert np.unique(m.unrest.grid.cell).size == 300 + officers
    assert df[["unrest", "arrests"]].notna().all().all()
    assert (df["unrest"] > 0).any()


def test_more_officers_fewer_protesters():
    few = GovernanceModel(small(steps=40, **GRID, **{"mechanisms.unrest.grid.officers": 0.0}),
                          seed=2)
    many = GovernanceModel(small(steps=40, **GRID, **{"mechanisms.unrest.grid.officers": 0.2}),
                           seed=2)
    few.run()
    many.run()
    u = [x.datacollector.get_model_vars_dataframe()["unrest"].mean() for x in (few, many)]
    # with no officers everybody whose grievance exceeds T protests: H(1 - L) > 0.1
    assert u[0] > 0.3 and u[1] < 0.5 * u[0]


@pytest.mark.parametrize("key, value, message", [
    ("mechanisms.unrest.grid.width", 10, "mechanisms.unrest.grid.width: 10 x 20 cells cannot hold"),
    ("mechanisms.unrest.grid.vision", 10, "mechanisms.unrest.grid.vision: 2 x vision + 1"),
])
def test_bad_grids_name_the_key(key, value, message):
    with pytest.raises(ScenarioError) as e:
        small(**{**GRID, key: value})
    assert message in str(e.value)


def test_the_grid_cannot_change_mid_run():
    with pytest.raises(ScenarioError, match=r"reforms\.0\.set\.mechanisms\.unrest\.space"):
        small(**GRID, reforms=[{"step": 3, "set": {"mechanisms.unrest.space": "network"}}])


@pytest.mark.slow
def test_epstein_yaml_matches_mesas_example_like_for_like():
    """Epstein's Run 1 from scenarios/epstein.yaml, at the counts of citizens and officers
    Mesa's example drew for seeds 1-3 (tests/data/epstein_mesa.json, written by
    benchmarks/epstein_reference.py --record): the mean active share, its peak and the
    outbursts above 2 % in 250 steps, averaged over the seeds, lie within the range of
    Mesa's own runs; every run has outbursts (punctuated, not a steady level)."""
    import json
    from pathlib import Path

    from benchmarks.epstein_reference import cogov_run, statistics

    ref = json.loads((Path(__file__).parent / "data" / "epstein_mesa.json").read_text())
    mesa = ref["runs"]
    ours = [statistics(cogov_run(r["seed"], ref["steps"], r["citizens"], r["officers"]))
            for r in mesa[:3]]
    for key in ("mean_pct", "peak_pct", "outbursts"):
        low, high = min(r[key] for r in mesa), max(r[key] for r in mesa)
        mean = float(np.mean([o[key] for o in ours]))
        assert low <= mean <= high, (key, mean, low, high)
    assert min(o["outbursts"] for o in ours) >= 3

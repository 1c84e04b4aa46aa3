"""Sweeps: designs, seeds, failures, worker independence, kill -9 and --resume."""

import json
import os
import signal
import subprocess
import sys
import time

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from cogov.model import Scenario
from cogov.model.engine.design import (
    Design,
    parse_bounds,
    parse_grid,
    parse_range,
    read_design_file,
)
from cogov.model.engine.sweep import make_jobs, read_timeseries, run_sweep
from cogov.model.scenario.errors import ScenarioError
from tests.conftest import ROOT

SMALL = ["--set", "population.citizens=300", "--set", "population.districts=3",
         "--set", "organizations.ngos=9"]


def cli(*args, **kw):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, **kw)


def tiny(**extra):
    return Scenario().replace(**{"seed": 42, "population.citizens": 200, "population.districts": 2,
                                 "organizations.ngos": 6, "warmup": 5, "steps": 8, **extra})


# ----------------------------------------------------------------- designs
def test_grid_and_range_are_a_full_factorial():
    d = Design(grid=parse_grid(["mechanisms.incentives.r=3,4.5"]),
               ranges=parse_range(["budget.per_capita=0.5:1.0:3", "population.districts=2:10:3"]))
    points = d.points()
    assert len(points) == 2 * 3 * 3
    assert points[0] == {"mechanisms.incentives.r": 3, "budget.per_capita": 0.5,
                         "population.districts": 2}
    assert {p["population.districts"] for p in points} == {2, 6, 10}  # integers stay integers


def test_latin_hypercube_is_seeded_stratified_and_bounded():
    bounds = parse_bounds(["mechanisms.trust.rate=0.1:0.3", "budget.per_capita=0.5:1.5"])
    a = Design(bounds=bounds, samples=50, seed=3).points()
    assert a == Design(bounds=bounds, samples=50, seed=3).points()
    assert a != Design(bounds=bounds, samples=50, seed=4).points()
    rates = np.array([p["mechanisms.trust.rate"] for p in a])
    assert rates.min() >= 0.1 and rates.max() <= 0.3
    strata = np.floor((rates - 0.1) / 0.2 * 50).astype(int)
    assert sorted(strata) == list(range(50))  # one sample in each of the 50 strata


def test_replicate_seeds_distinct_and_shared_across_points():
    jobs = make_jobs(tiny(), [{"budget.per_capita": 0.5}, {"budget.per_capita": 1.0}], 4, 7, None)
    seeds = [[j.seed for j in jobs if j.point == p] for p in (0, 1)]
    assert seeds[0] == seeds[1] and len(set(seeds[0])) == 4
    assert [j.run_id for j in jobs] == list(range(8))


@pytest.mark.parametrize("args,expected", [
    (["--grid", "mechanisms.trust.rat=0.1,0.2"], "mechanisms.trust.rat: unknown key; did you mean 'rate'?"),
    (["--grid", "mechanisms.trust.rate=0.1,fast"], "mechanisms.trust.rate: expected a number in [0, 1], got 'fast'"),
    (["--range", "budget.per_capita=1:2"], "--range budget.per_capita: expected lo:hi:n"),
    (["--bounds", "budget.per_capita=0:1"], "--bounds needs --sample lhs"),
    (["--sample", "lhs", "--n", "5", "--bounds", "budget.per_capita=2:1"], "lo must be below hi"),
])
def test_bad_sweep_specs_exit_2_naming_the_key(args, expected, tmp_path):
    res = cli("sweep", "scenarios/adaptive.yaml", *args, "--out", tmp_path / "s")
    assert res.returncode == 2 and expected in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "s").exists()


def test_design_file_validated_with_paths(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("grid: {mechanisms.incentives.r: 4}\nsample: {method: sobol}\nreplicate: 3\n")
    with pytest.raises(ScenarioError) as info:
        read_design_file(bad)
    text = str(info.value)
    assert "grid.mechanisms.incentives.r: expected a non-empty list" in text
    assert "sample.method: expected 'lhs'" in text
    assert "replicate: unknown design key; did you mean 'replicates'?" in text


def test_design_file_runs(tmp_path):
    design = tmp_path / "d.yaml"
    design.write_text("grid: {mechanisms.incentives.r: [3.0, 6.0]}\nreplicates: 2\nsteps: 5\n"
                      "set: {population.citizens: 200, organizations.ngos: 6, population.districts: 2}\n")
    res = cli("sweep", "scenarios/top_down.yaml", "--design", design, "--workers", "1",
              "--out", tmp_path / "s")
    assert res.returncode == 0, res.stderr
    runs = pd.read_parquet(tmp_path / "s/runs.parquet")
    assert len(runs) == 4 and set(runs["mechanisms.incentives.r"]) == {3.0, 6.0}
    meta = json.loads((tmp_path / "s/sweep.json").read_text())
    assert meta["status"] == "done" and meta["design"]["grid"] and meta["cogov_commit"] is not None


# ------------------------------------------------------------- execution
def test_every_row_reruns_alone(tmp_path):
    runs = run_sweep(tiny(), [{"mechanisms.incentives.r": 6.0}], replicates=2, out=tmp_path)
    row = runs.iloc[1]
    from cogov.model.engine.run import run_scenario
    from cogov.model.engine.stats import final_window
    again = final_window(run_scenario(tiny().replace(**{"mechanisms.incentives.r": 6.0}),
                                      seed=int(row["seed"])).metrics, 20)
    assert again["unmet_need"] == row["unmet_need"]


def test_failing_run_is_isolated(tmp_path):
    good = tmp_path / "good.graphml"
    nx.write_graphml(nx.cycle_graph(200), good)
    bad = tmp_path / "bad.graphml"
    bad.write_text("<graphml>not really</graphml>")
    res = cli("sweep", "scenarios/top_down.yaml", "--grid", f"network.path={good},{bad}",
              "--set", "network.kind=file", "--set", f"network.path={good}",
              "--set", "population.citizens=200",
              "--set", "population.districts=2", "--steps", "4", "--workers", "1",
              "--out", tmp_path / "s")
    assert res.returncode == 1
    assert "1 runs failed" in res.stderr and "Traceback" not in res.stderr
    runs = pd.read_parquet(tmp_path / "s/runs.parquet")
    assert list(runs["status"]) == ["ok", "error"]
    assert "network.path: cannot read" in runs["error"].iloc[1]
    assert np.isnan(runs["unmet_need"].iloc[1]) and not np.isnan(runs["unmet_need"].iloc[0])


@pytest.mark.parametrize("executor,workers", [("process", 2), ("dask", 2), ("process", 1)])
def test_results_do_not_depend_on_workers(tmp_path, executor, workers):
    """In-process, a process pool or a Dask LocalCluster: the same rows and time series."""
    points = Design(grid={"mechanisms.incentives.r": [3.0, 6.0]},
                    ranges={"budget.per_capita": (0.5, 1.0, 2)}).points()
    one = run_sweep(tiny(), points, replicates=3, workers=1, out=tmp_path / "w1")
    other = run_sweep(tiny(), points, replicates=3, workers=workers, executor=executor,
                      out=tmp_path / "w2")
    meta = json.loads((tmp_path / "w2/sweep.json").read_text())
    assert meta["executor"] == executor and meta["workers"] == workers
    pd.testing.assert_frame_equal(one.drop(columns="wall_time"), other.drop(columns="wall_time"))
    pd.testing.assert_frame_equal(read_timeseries(tmp_path / "w1"), read_timeseries(tmp_path / "w2"))
    assert (tmp_path / "w1/summary.csv").read_bytes() == (tmp_path / "w2/summary.csv").read_bytes()


def test_existing_folder_needs_resume(tmp_path):
    run_sweep(tiny(), [{}], out=tmp_path)
    with pytest.raises(ScenarioError, match="already holds a sweep"):
        run_sweep(tiny(), [{}], out=tmp_path)
    with pytest.raises(ScenarioError, match="different"):
        run_sweep(tiny(), [{}], replicates=2, out=tmp_path, resume=True)
    done = run_sweep(tiny(), [{}], out=tmp_path, resume=True)  # nothing left to do
    assert len(done) == 1


SWEEP = ["sweep", "scenarios/adaptive.yaml", "--grid", "mechanisms.incentives.r=3,4,5,6",
         "--range", "budget.per_capita=0.6:1.0:3", "--replicates", "4", "--steps", "60",
         "--set", "population.citizens=2000"]


def test_kill_minus_9_then_resume_matches_uninterrupted(tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), *SWEEP, "--workers", "2",
                             "--out", str(out)], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((out / "chunks").glob("runs-*.parquet")):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    landed = len(list((out / "chunks").glob("runs-*.parquet")))
    assert landed > 0 and not (out / "runs.parquet").exists()  # killed mid-way
    res = cli(*SWEEP, "--workers", "2", "--out", out, "--resume")
    assert res.returncode == 0, res.stderr
    full = cli(*SWEEP, "--workers", "1", "--out", tmp_path / "full")
    assert full.returncode == 0
    a = pd.read_parquet(out / "runs.parquet").drop(columns="wall_time")
    b = pd.read_parquet(tmp_path / "full/runs.parquet").drop(columns="wall_time")
    assert len(a) == 48 and a["run_id"].is_unique
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(read_timeseries(out), read_timeseries(tmp_path / "full"))
    meta = json.loads((out / "sweep.json").read_text())
    assert meta["status"] == "done" and len(meta["resumed_at"]) == 1


def test_ctrl_c_saves_finished_runs(tmp_path):
    out = tmp_path / "s"
    # A background job of a non-interactive shell (as CI may be) ignores SIGINT, and the
    # child would inherit that; restore the default so this behaves like a terminal.
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), *SWEEP, "--workers", "1",
                             "--out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((out / "chunks").glob("runs-*.parquet")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "--resume" in err and "Traceback" not in err
    assert json.loads((out / "sweep.json").read_text())["status"] == "interrupted"


# ---------------------------------------------------------- sensitivity & plot
def test_sobol_sensitivity(tmp_path):
    res = cli("sensitivity", "scenarios/collaborative.yaml", "--method", "sobol", "--n", "8",
              "--bounds", "budget.per_capita=0.4:1.2", "--bounds", "mechanisms.trust.rate=0.05:0.3",
              "--metric", "unmet_need", "--metric", "trust_gov", *SMALL, "--steps", "15",
              "--workers", "1", "--out", tmp_path)
    assert res.returncode == 0, res.stderr
    assert "N·(2k+2) = 48 points" in res.stdout and "48 model runs" in res.stdout
    idx = pd.read_csv(tmp_path / "indices.csv")
    assert set(idx["index"]) == {"S1", "ST"} and set(idx["metric"]) == {"unmet_need", "trust_gov"}
    budget = idx[(idx.metric == "unmet_need") & (idx["index"] == "ST")
                 & (idx.parameter == "budget.per_capita")]["value"].iloc[0]
    rate = idx[(idx.metric == "unmet_need") & (idx["index"] == "ST")
               & (idx.parameter == "mechanisms.trust.rate")]["value"].iloc[0]
    assert budget > rate  # the budget drives unmet need, the trust rate hardly does
    assert (tmp_path / "indices.png").exists()


def test_morris_sensitivity(tmp_path):
    res = cli("sensitivity", "scenarios/top_down.yaml", "--method", "morris", "--n", "4",
              "--bounds", "budget.per_capita=0.4:1.2", "--bounds", "mechanisms.incentives.r=2:6",
              *SMALL, "--steps", "10", "--workers", "1", "--out", tmp_path)
    assert res.returncode == 0, res.stderr
    assert set(pd.read_csv(tmp_path / "indices.csv")["index"]) == {"mu_star", "sigma"}


def test_plot_redraws_any_results_folder(tmp_path):
    cli("run", "scenarios/adaptive.yaml", *SMALL, "--steps", "5", "--out", tmp_path / "r")
    run_sweep(tiny(), Design(grid={"mechanisms.incentives.r": [3.0, 6.0]},
                             ranges={"budget.per_capita": (0.5, 1.0, 2)}).points(),
              out=tmp_path / "s")
    (tmp_path / "r/metrics.png").unlink()
    for folder, figure in (("r", "metrics.png"), ("s", "sweep.png")):
        res = cli("plot", tmp_path / folder)
        assert res.returncode == 0 and (tmp_path / folder / figure).exists()
    assert cli("plot", tmp_path / "nothing").returncode == 2


def test_range_values_carry_no_float_artefacts():
    """Issue #25, list 9: `shocks.0.size` was 0.19999999999999998 in gap.csv, so
    `df[x == 0.2]` found nothing."""
    from cogov.model.engine.design import Design

    raw = np.linspace(0, 0.6, 4).tolist() + np.linspace(0, 1, 6).tolist()
    assert 0.19999999999999998 in raw or 0.6000000000000001 in raw  # what linspace gives
    points = Design(ranges={"shocks.0.size": (0, 0.6, 4),
                            "budget.per_capita": (0, 1, 6)}).points()
    assert sorted({p["shocks.0.size"] for p in points}) == [0.0, 0.2, 0.4, 0.6]
    assert sorted({p["budget.per_capita"] for p in points}) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert Design(ranges={"population.citizens": (100, 300, 3)}).points()[1] == {
        "population.citizens": 200}

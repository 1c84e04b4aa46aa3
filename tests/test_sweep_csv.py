"""``sweep --csv``: spreadsheet-ready CSV beside Parquet (issue 25, users' wishes)."""

import pandas as pd

from cogov.model.ui.cli import main

TINY = ["--set", "population.citizens=200", "--set", "population.districts=2",
        "--set", "organizations.ngos=6", "--set", "warmup=2", "--set", "outputs.window=3",
        "--steps", "4", "--replicates", "2", "--workers", "1"]


def test_sweep_csv_writes_runs_and_timeseries(tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["sweep", "top_down", "--grid", "governance.adaptation=off,on", "--csv", *TINY,
                 "--out", str(out)]) == 0
    runs = pd.read_csv(out / "runs.csv")
    parquet = pd.read_parquet(out / "runs.parquet")
    assert list(runs.columns) == list(parquet.columns) and len(runs) == 4
    ts = pd.read_csv(out / "timeseries.csv")
    assert list(ts.columns[:6]) == ["run_id", "point", "replicate", "seed",
                                    "governance.adaptation", "step"]
    assert len(ts) == 4 * 5 and set(ts["governance.adaptation"]) == {False, True}
    assert "runs.csv, timeseries.csv" in capsys.readouterr().out


def test_without_csv_only_parquet(tmp_path):
    out = tmp_path / "s"
    assert main(["sweep", "top_down", "--grid", "governance.adaptation=off,on", *TINY,
                 "--out", str(out)]) == 0
    assert not (out / "runs.csv").exists() and not (out / "timeseries.csv").exists()

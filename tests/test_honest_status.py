"""Honest status after Ctrl-C in compare's final write, and a folder conflict reported as
what it is (issue 25, item 9)."""

import json

import pandas as pd

from cogov.model.figures import plots
from cogov.model.ui.cli import main

TINY = ["--set", "population.citizens=200", "--set", "population.districts=2",
        "--set", "organizations.ngos=6", "--set", "warmup=2", "--set", "outputs.window=3",
        "--steps", "5", "--replicates", "2", "--workers", "1"]


def test_ctrl_c_while_writing_leaves_an_honest_resumable_comparison(tmp_path, capsys,
                                                                     monkeypatch):
    out = tmp_path / "c"
    args = ["compare", "top_down", "adaptive", "--baseline", "top_down", *TINY, "--out", str(out)]

    def interrupted(*_, **__):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(plots, "plot_compare", interrupted)
        assert main(args) == 130
    err = capsys.readouterr().err
    assert "interrupted while writing the comparison's outputs" in err and "--resume" in err
    meta = json.loads((out / "sweep" / "sweep.json").read_text())
    assert meta["status"] == "interrupted" and meta["stage"] == "outputs"  # not "done"
    assert not (out / "compare.json").exists()
    # without --resume the folder is refused as a folder conflict, not an invalid scenario
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "already holds a sweep" in err and "invalid scenario" not in err
    assert main([*args, "--resume"]) == 0
    captured = capsys.readouterr()
    assert "paired differences from top_down" in captured.out
    assert json.loads((out / "sweep" / "sweep.json").read_text())["status"] == "done"
    assert len(pd.read_csv(out / "summary.csv")) and (out / "compare.json").exists()
    assert (out / "differences.csv").exists()


def test_a_resume_with_other_settings_is_a_folder_error(tmp_path, capsys):
    out = tmp_path / "s"
    grid = ["sweep", "top_down", "--grid", "budget.per_capita=1.0,1.2", *TINY, "--out", str(out)]
    assert main(grid) == 0
    capsys.readouterr()
    other = [x.replace("1.0,1.2", "1.0,1.4") for x in grid]
    assert main([*other, "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --resume: the sweep in") and "invalid scenario" not in err

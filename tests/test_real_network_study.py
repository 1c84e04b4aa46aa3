"""The real-network study of docs/experiments.md ("A study on a real network, start to
finish", issue 25) runs as written, from an empty folder outside the checkout, with no
analysis code: its bash blocks are executed with fewer replicates."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT

SECTION = "### A study on a real network, start to finish"


def study_blocks() -> list[str]:
    text = (ROOT / "docs/experiments.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.index("\n### ", start + len(SECTION))
    return re.findall(r"```bash\n(.*?)```", text[start:end], flags=re.S)


def test_the_study_is_in_the_docs_with_its_commands():
    blocks = study_blocks()
    assert len(blocks) == 2
    assert "governance.collaboration+governance.adaptation=off+off,on+on" in blocks[0]
    assert "cogov validate lesmis.yaml" in blocks[0]


@pytest.mark.slow
def test_the_study_runs_from_the_docs(tmp_path):
    bindir = Path(sys.executable).parent
    cogov = shutil.which("cogov", path=str(bindir))
    if cogov is None:
        pytest.skip("the cogov console script is not installed beside this Python")
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    script = "set -euo pipefail\n" + "\n".join(study_blocks())
    # fewer replicates, steps and warm-up: the commands are what is tested, not the numbers
    script = script.replace("--replicates 10",
                            "--replicates 2 --workers 1 --steps 60 --set warmup=10")
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ignored edge weights" in done.stderr
    for city in ("lesmis", "karate"):
        effects = pd.read_csv(tmp_path / "lesmis" / "out" / city / "effects.csv")
        terms = set(effects.loc[effects["metric"] == "unmet_need", "term"])
        assert "collaboration+adaptation × size: (on+on − off+off) × (0.3 − 0)" in terms
        assert "size: 0.3 − 0 | collaboration+adaptation=on+on" in terms
    assert (tmp_path / "lesmis" / "out" / "lesmis" / "timeseries.csv").exists()
    runs = pd.read_parquet(tmp_path / "lesmis" / "out" / "karate" / "runs.parquet")
    assert len(runs) == 8 and (runs["status"] == "ok").all()

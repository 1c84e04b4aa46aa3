"""The benchmark command keeps working (small sizes); no timing is asserted."""

import subprocess
import sys

from tests.conftest import ROOT


def test_quick_benchmark_writes_a_report(tmp_path):
    out = tmp_path / "performance.md"
    subprocess.run([sys.executable, str(ROOT / "benchmarks/run.py"), "--quick", "--out", str(out)],
                   check=True, capture_output=True, cwd=ROOT)
    text = out.read_text()
    for heading in ("cogov vs the textbook Mesa model", "mat-vec floor", "Scaling", "Start-up",
                    "Where the time goes", "Every mechanism on",
                    "Sweeps: parallel efficiency and store overhead", "process pool (local default)",
                    "Dask LocalCluster", "Store overhead"):
        assert heading in text
    assert (tmp_path / "figures/scaling.png").exists()


def test_cli_help_imports_no_heavy_library():
    code = ("import sys; sys.argv=['run.py','--help']; import cogov.model.ui.cli as c; "
            "heavy=[m for m in ('mesa','numpy','scipy','pandas','matplotlib') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"

"""The installed package: a wheel in a fresh environment, and Mesa's batch_run idioms.

The wheel test builds cogov's wheel from a copy of the checkout, installs it into a
new virtual environment and runs it from a directory outside the checkout. The new
environment borrows the test environment's third-party packages through a .pth
line (no download); a .pth line only adds a path, so the test environment's own
editable cogov is not visible there.
"""

import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import mesa
import pandas as pd
import pytest

from cogov.model import GovernanceModel
from tests.conftest import ROOT

SKIP = shutil.ignore_patterns(".git", ".venv", "out", "build", "*.egg-info", "__pycache__",
                              ".pytest_cache", "notebooks", "docs")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src") / "cogov"
    shutil.copytree(ROOT, src, ignore=SKIP)
    dist = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps",
                           "--no-build-isolation", "-v", "-w", str(dist)],
                          capture_output=True, text=True)
    (dist / "build.log").write_text(done.stdout + done.stderr)  # -v: setuptools' warnings
    assert done.returncode == 0, done.stderr[-3000:]
    return next(dist.glob("cogov-*.whl"))


@pytest.fixture(scope="module")
def fresh_env(wheel, tmp_path_factory) -> Path:
    env = tmp_path_factory.mktemp("env") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    site = next((env / "lib").glob("python3*/site-packages"))
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(env / "bin" / "python"),
                    "install", "--no-deps", "--quiet", str(wheel)], check=True)
    return env


def test_wheel_installs_one_import_package_with_the_presets(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"cogov", wheel.name.split("-")[0] + "-"
                                                + wheel.name.split("-")[1] + ".dist-info"}
    assert "cogov/scenarios/adaptive.yaml" in names and "cogov/model/sim/model.py" in names
    assert "cogov/agents/citizen.py" in names and "cogov/model/sim/mechanisms/trust.py" in names


def test_wheel_builds_without_setuptools_warnings_and_ships_every_preset(wheel):
    """Issue #25, list 9: `pip install` warned "Package would be ignored" for the preset
    folders cogov.scenarios.calibrated and patterns."""
    log = (wheel.parent / "build.log").read_text()
    assert "would be ignored" not in log and "absent from the `packages`" not in log
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.relative_to(ROOT / "scenarios").as_posix()
               for p in (ROOT / "scenarios").rglob("*.yaml")}
    assert {f"cogov/scenarios/{n}" for n in shipped} <= names


def test_fresh_environment_runs_a_preset_by_name_outside_the_checkout(fresh_env, tmp_path):
    python, cogov = fresh_env / "bin" / "python", fresh_env / "bin" / "cogov"
    where = subprocess.run([str(python), "-c", "import cogov; print(cogov.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert str(fresh_env) in where and str(ROOT) not in where
    for name in ("model", "agents"):  # no top-level name but cogov is installed
        gone = subprocess.run([str(python), "-c", f"import {name}"], cwd=tmp_path,
                              capture_output=True, text=True)
        assert gone.returncode != 0 and "ModuleNotFoundError" in gone.stderr
    done = subprocess.run([str(cogov), "run", "adaptive", "--steps", "3", "--seed", "5",
                           "--set", "population.citizens=200", "--set", "warmup=2",
                           "--out", "res"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "res" / "model_metrics.csv").is_file()
    bad = subprocess.run([str(cogov), "run", "adaptiv"], cwd=tmp_path, capture_output=True,
                         text=True)
    assert bad.returncode == 2 and "did you mean 'adaptive'" in bad.stderr


SMALL = {"population.citizens": 200, "population.districts": 2, "organizations.ngos": 6,
         "warmup": 2}


def test_batch_run_iterations_are_independent_runs():
    runs = pd.DataFrame(mesa.batch_run(GovernanceModel, parameters=SMALL, iterations=3,
                                       max_steps=3, display_progress=False))
    finals = runs.groupby("iteration")["trust_gov"].last()
    assert finals.nunique() == 3


def test_batch_run_with_a_seed_is_reproducible():
    params = {**SMALL, "seed": [11, 11]}
    runs = pd.DataFrame(mesa.batch_run(GovernanceModel, parameters=params, iterations=1,
                                       max_steps=3, display_progress=False))
    assert runs.groupby("RunId")["trust_gov"].last().nunique() == 1


def test_model_records_the_seed_it_drew():
    a, b = GovernanceModel(**SMALL), GovernanceModel(**SMALL)
    assert a.seed != b.seed
    again = GovernanceModel(seed=a.seed, **SMALL)
    assert (again.citizens.trust_gov == a.citizens.trust_gov).all()


def test_batch_run_on_two_processes_from_a_guarded_script(tmp_path):
    script = tmp_path / "batch.py"
    script.write_text(textwrap.dedent(f"""
        import mesa
        import pandas as pd
        from cogov import GovernanceModel

        if __name__ == "__main__":  # needed: Mesa starts worker processes with spawn
            runs = mesa.batch_run(GovernanceModel,
                                  parameters={{**{SMALL!r}, "governance.adaptation": [False, True]}},
                                  iterations=2, max_steps=2, number_processes=2,
                                  display_progress=False)
            df = pd.DataFrame(runs)
            print(len(df["RunId"].unique()), df.groupby("RunId")["trust_gov"].last().nunique())
    """))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["4", "4"]


def test_every_export_of_the_package_resolves():
    import cogov

    for name in cogov.__all__:
        assert getattr(cogov, name) is not None, name

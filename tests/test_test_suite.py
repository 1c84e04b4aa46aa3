"""The test suite's own exit under pytest-xdist (issue 25, item 9): nothing slow may run in a
worker after it has reported "finished", or execnet interrupts it with a SIGINT after 5 s and
`make test` ends with a KeyboardInterrupt traceback."""

import subprocess
import sys
import textwrap

from tests.conftest import ROOT

PLUGIN = textwrap.dedent('''
    import sys, time
    import pytest

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(session):
        # after this, in a worker: the "finished" message, then the terminal summary
        session.config._finished_at = time.perf_counter()
        session.config._had_hypothesis = "hypothesis" in sys.modules

    @pytest.hookimpl(tryfirst=True)
    def pytest_unconfigure(config):
        if hasattr(config, "workerinput") and hasattr(config, "_finished_at"):
            print(f"AFTER-FINISH {time.perf_counter() - config._finished_at:.3f} "
                  f"HYPOTHESIS-LOADED {config._had_hypothesis}", file=sys.__stderr__, flush=True)
''')


def test_a_worker_has_nothing_slow_left_to_import_after_it_finished(tmp_path):
    """A worker that ran no Hypothesis test has Hypothesis imported before it finishes (the
    plug-in's terminal summary imported it after, taking 1-1.5 s), and spends well under
    execnet's 5 s between finishing and unconfiguring."""
    (tmp_path / "exit_timing.py").write_text(PLUGIN)
    env = {"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"}
    res = subprocess.run([sys.executable, "-m", "pytest", "-n", "1", "-p", "exit_timing", "-q",
                          "-p", "no:cacheprovider", "tests/test_crate.py::test_version_citation_and_changelog_agree"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    line = next(x for x in res.stderr.splitlines() if x.startswith("AFTER-FINISH"))
    _, seconds, _, loaded = line.split()
    assert loaded == "True", line
    assert float(seconds) < 2.5, line  # half of execnet's 5 s, on a loaded machine
    assert "KeyboardInterrupt" not in res.stdout + res.stderr

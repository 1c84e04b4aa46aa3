"""Input that used to be silently ignored or to crash: exit 2 naming the key path, every
problem in one pass, warnings for valid input that cannot act, nothing written lost."""

import argparse
import re
import subprocess
import sys
import warnings

import pandas as pd
import pytest

from cogov.model.scenario.errors import CogovWarning, ScenarioError
from cogov.model.scenario.files import comparison_warnings, load_scenario
from cogov.model.scenario.schema import Scenario, scenario_from_dict
from cogov.model.studies.sensitivity import sobol_warnings
from cogov.model.ui import cli
from tests.conftest import ROOT

TINY = ["--set", "population.citizens=200", "--set", "population.districts=2",
        "--set", "organizations.ngos=6", "--set", "warmup=0", "--steps", "3"]


def run_py(*args, python=(sys.executable,), cwd=ROOT):
    return subprocess.run([*python, str(ROOT / "run.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


def bad(res, *fragments):
    """Exit 2, no traceback, every fragment in stderr."""
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    for fragment in fragments:
        assert fragment in res.stderr, res.stderr


def three_shocks(tmp_path):
    path = tmp_path / "three.yaml"
    path.write_text(f"extends: {ROOT / 'scenarios/base.yaml'}\nname: three\nshocks:\n"
                    "  - {kind: need_spike, step: 5}\n  - {kind: budget_cut, step: 6, size: 0.2}\n"
                    "  - {kind: legitimacy_drop, step: 7}\n")
    return path


# ------------------------------------------------------- list items that are not there
def test_set_shock_on_a_scenario_without_shocks_is_exit_2():
    """The README's old example: it exited 0 and changed nothing."""
    bad(run_py("validate", "adaptive", "--set", "shocks.0.size=0.8"),
        "shocks.0: no such item (there are none)")


def test_set_shock_beyond_the_last_is_exit_2(tmp_path):
    bad(run_py("run", three_shocks(tmp_path), "--set", "shocks.5.size=1", *TINY,
               "--out", tmp_path / "out"),
        "shocks.5: no such item (there are 3, shocks.0 to shocks.2)")
    assert not (tmp_path / "out").exists()
    s = load_scenario(three_shocks(tmp_path), ["shocks.2.size=0.3"])
    assert s.shocks[2].size == 0.3  # an item that exists is still set


def test_sweep_grid_over_a_missing_shock_is_exit_2_not_index_error(tmp_path):
    out = tmp_path / "sweep"
    out.mkdir()
    (out / "keep.txt").write_text("earlier results")
    bad(run_py("sweep", "adaptive", "--grid", "shocks.0.size=0.5,0.8", "--workers", "1",
               *TINY, "--out", out), "shocks.0: no such item")
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_replace_and_overrides_report_every_problem():
    with pytest.raises(ScenarioError) as info:
        Scenario().replace(**{"shocks.1.size": 1, "mechanisms.trust.rate": 5,
                              "budget.per_capita.low": 1})
    assert info.value.errors == [
        "shocks.1: no such item (there are none); to add one, set the whole list, e.g. "
        "--set 'shocks=[{...}]'",
        "budget.per_capita.low: budget.per_capita is a value, not a section",
        "mechanisms.trust.rate: expected a number in [0, 1], got 5"]


def test_readme_shock_example_works():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"run\.py run (\S+) (--set shocks\.[^\s`]+)", text)
    assert examples, "the README shows --set on a shock"
    for scenario, setting in examples:
        s = load_scenario(scenario, [setting.removeprefix("--set ")])
        assert s.shocks, scenario
    adding = re.search(r"--set '(shocks=\[.*?\])'", text).group(1)
    assert load_scenario("adaptive", [adding]).shocks[0].size == 0.8


# ----------------------------------------------------------- one pass, every problem
def test_cross_key_checks_run_with_single_key_errors():
    raw = {"mechanisms": {"trust": {"rate": "fast"}}, "network": {"knd": "x", "kind": "lattice"},
           "population": {"citizens": 50, "districts": 60},
           "shocks": [{"kind": "budget_cut", "size": 1.5}, {"where": 70}]}
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(raw)
    assert info.value.errors == [
        "network.knd: unknown key; did you mean 'kind'?",
        "mechanisms.trust.rate: expected a number in [0, 1], got 'fast'",
        "network.kind: 'lattice' needs population.citizens to be a square number, got 50",
        "population.districts: must not exceed population.citizens (50), got 60",
        "shocks.0.size: a budget_cut is a fraction in [0, 1], got 1.5",
        "shocks.1.where: district 70 does not exist (districts are 0..59)"]


def test_cross_checks_skip_keys_that_already_have_an_error():
    """A bad value holds a stand-in; a rule on it would report a problem that is not there."""
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"network": {"kind": "lattice"}, "population": {"citizens": "many"}})
    assert info.value.errors == [
        "population.citizens: expected an integer in [2, 1000000] or 'auto', got 'many'"]
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"population": {"districts": "ten"}, "shocks": [{"where": 3}]})
    assert [e.split(":")[0] for e in info.value.errors] == ["population.districts"]


def test_cli_reports_all_problems_at_once(tmp_path):
    bad(run_py("validate", "top_down", "--set", "network.kind=lattice", "--set",
               "population.citizens=50", "--set", "mechanisms.trust.rate=fast",
               "--set", "shocks.0.size=1"),
        "invalid scenario (3 problems)", "square number", "mechanisms.trust.rate", "shocks.0")


# ---------------------------------------------------------------- files that are wrong
@pytest.mark.parametrize(("content", "message"), [
    (b"", "the scenario file is empty"),
    (b"# only a comment\n\n", "the scenario file is empty"),
    (b"steps: 5\nbudget: {per_capita: 1}\nbudget:\n  per_capita: 2\n",
     "line 3: duplicate key 'budget' (first on line 2)"),
    (b"mechanisms:\n  trust: {rate: 0.1, rate: 0.2}\n", "line 2: duplicate key 'rate'"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file (not UTF-8: byte 0x89"),
    ("name: Zürich\n".encode("latin-1"), "not a text file (not UTF-8: byte 0xfc"),
])
def test_bad_scenario_files_are_exit_2(tmp_path, content, message):
    path = tmp_path / "s.yaml"
    path.write_bytes(content)
    bad(run_py("validate", path), f"{path}: ", message)


def test_duplicate_keys_in_an_extended_file_and_in_set(tmp_path):
    (tmp_path / "parent.yaml").write_text("steps: 5\nsteps: 6\n")
    (tmp_path / "child.yaml").write_text("extends: parent.yaml\n")
    with pytest.raises(ScenarioError, match="parent.yaml: line 2: duplicate key 'steps'"):
        load_scenario(tmp_path / "child.yaml")
    with pytest.raises(ScenarioError, match="--set shocks: line 1: duplicate key 'size'"):
        load_scenario("adaptive", ["shocks=[{size: 0.1, size: 0.2}]"])
    assert load_scenario("adaptive", ["name=[a"]).name == "[a"  # not YAML: the text itself


# ------------------------------------------------------ valid input that cannot act
def test_shocks_that_can_never_act_warn():
    with pytest.warns(CogovWarning) as record:
        s = load_scenario("incident", ["mechanisms.opinion.enabled=off"])
    assert [str(w.message) for w in record] == [
        "incident: shocks.0.kind: an incident acts through public opinion, but "
        "mechanisms.opinion.enabled is off, so it has no effect"]
    assert s.shocks[0].kind == "incident"
    with pytest.warns(CogovWarning, match="shocks.0.step: 30 is after the last step .20."):
        load_scenario("incident", steps=20)
    with pytest.warns(CogovWarning, match="shocks.0.size: 0, so this budget_cut has no effect"):
        load_scenario("adaptive", ["shocks=[{kind: budget_cut, size: 0}]"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", CogovWarning)
        load_scenario("incident")  # a shock that acts: no warning


def test_validate_shows_warnings_and_exits_0():
    res = run_py("validate", "incident", "--steps", "20")
    assert res.returncode == 0 and res.stdout.startswith("ok: incident")
    assert res.stderr.strip() == ("warning: incident: shocks.0.step: 30 is after the last step "
                                  "(20), so this incident never acts")


def test_compare_warns_on_different_populations_and_lengths(tmp_path):
    a = load_scenario("top_down", ["population.citizens=200", "population.districts=2"])
    b = load_scenario("adaptive", ["population.citizens=300", "population.districts=2"], steps=50)
    lines = comparison_warnings([a, b])
    assert len(lines) == 2
    assert lines[0].startswith("compare: the scenarios differ in population.citizens "
                               "(top_down 200, adaptive 300)")
    assert "steps (top_down 100, adaptive 50)" in lines[1]
    assert comparison_warnings([a, a.replace(name="twin")]) == []
    res = run_py("compare", "top_down", "adaptive", "--replicates", "1", *TINY[:2],
                 "--set", "population.districts=2", "--set", "organizations.ngos=6",
                 "--set", "warmup=0", "--steps", "2", "--out", tmp_path / "c")
    assert res.returncode == 0, res.stderr
    assert "warning: compare" not in res.stderr  # same population and length: no warning


def test_compare_cli_prints_the_warning(tmp_path):
    (tmp_path / "big.yaml").write_text(
        f"extends: {ROOT / 'scenarios/adaptive.yaml'}\nname: big\npopulation: {{citizens: 300}}\n")
    res = run_py("compare", "top_down", tmp_path / "big.yaml", "--replicates", "1",
                 "--set", "population.districts=2", "--set", "organizations.ngos=6",
                 "--set", "warmup=0", "--steps", "2", "--out", tmp_path / "c")
    assert res.returncode == 0, res.stderr
    assert ("warning: compare: the scenarios differ in population.citizens (top_down 2500, "
            "big 300)") in res.stderr


def _indices(rows):
    return pd.DataFrame([{"metric": m, "parameter": p, "index": i, "value": v, "conf": c}
                         for m, p, i, v, c in rows])


def test_sobol_warns_when_n_is_too_small():
    noisy = _indices([("unmet_need", "budget.per_capita", "S1", -0.3, 0.5),
                      ("unmet_need", "budget.per_capita", "ST", 1.2, 0.4),
                      ("trust_gov", "budget.per_capita", "S1", 0.6, 0.3),
                      ("trust_gov", "budget.per_capita", "ST", 0.7, 0.01)])
    lines = sobol_warnings(noisy, 16)
    assert lines == [
        "sensitivity: unmet_need: of 2 Sobol indices, 2 outside [0, 1] (e.g. S1 of "
        "budget.per_capita = -0.300); 1 with a 95 % interval wider than the index (e.g. S1 of "
        "budget.per_capita = -0.300 ± 0.500): N=16 is too small for stable estimates; raise --n"]
    settled = _indices([("unmet_need", "a", "S1", 0.62, 0.04), ("unmet_need", "a", "ST", 0.7, 0.05),
                        ("unmet_need", "b", "S1", -0.01, 0.02), ("unmet_need", "b", "ST", 0.01, 0.02)])
    assert sobol_warnings(settled, 1024) == []


def test_sensitivity_with_a_tiny_n_warns(tmp_path):
    from cogov.model.studies.sensitivity import sensitivity

    base = load_scenario("adaptive", ["population.citizens=200", "population.districts=2",
                                      "organizations.ngos=6", "warmup=0"], steps=3)
    with pytest.warns(CogovWarning, match="N=2 is too small for stable estimates"):
        sensitivity(base, {"budget.per_capita": (0.2, 2.0), "mechanisms.trust.rate": (0.0, 1.0)},
                    n=2, metrics=["unmet_need"], out=tmp_path / "s")


# --------------------------------------------------------- the interpreter and the CLI
def test_missing_dependencies_name_the_setup_command(tmp_path):
    """`python -S` hides site-packages: numpy, pandas, yaml... are missing, as in a bare
    interpreter; run.py must say how to set them up instead of a traceback."""
    res = run_py("validate", "adaptive", python=(sys.executable, "-S"), cwd=tmp_path)
    bad(res, "lacks cogov's dependencies", "numpy", "make venv", "pip install -e .")


def test_missing_dependency_check_in_process(monkeypatch, capsys):
    monkeypatch.setattr(cli, "REQUIRED", ("numpy", "surely_not_a_module_cogov"))
    assert cli.main(["validate", "adaptive"]) == 2
    assert "surely_not_a_module_cogov" in capsys.readouterr().err


def _actions():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        for action in command._actions:
            if not isinstance(action, argparse._HelpAction):
                yield name, command, action


def test_every_argument_has_help_with_its_default():
    for name, command, action in _actions():
        flag = f"{name} {'/'.join(action.option_strings) or action.dest}"
        if action.help == argparse.SUPPRESS:  # hidden on purpose (sweep --task: one array task)
            continue
        assert action.help, f"{flag} has no help text"
        text = command._get_formatter()._expand_help(action)
        optional = (bool(action.option_strings) and not action.required) or action.nargs in ("?", "*")
        if optional:
            assert "default" in text, f"{flag}: help does not give its default: {text!r}"


def test_specific_help_texts():
    helps = {(name, action.dest): command._get_formatter()._expand_help(action)
             for name, command, action in _actions()}
    assert "(default: 8765)" in helps[("app", "port")]
    assert "replicate" not in helps[("run", "seed")]
    assert "replicate" in helps[("compare", "seed")]
    out = run_py("app", "--help").stdout
    assert "default: 8765" in out


def test_binary_design_and_network_files_are_exit_2(tmp_path):
    (tmp_path / "design.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00")
    bad(run_py("sweep", "adaptive", "--design", tmp_path / "design.yaml", "--out", tmp_path / "o"),
        "design.yaml: not a text file (not UTF-8: byte 0x89")
    (tmp_path / "people.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00")
    bad(run_py("validate", "adaptive", "--set", "network.kind=file", "--set",
               f"network.path={tmp_path / 'people.txt'}", "--set", "population.citizens=auto"),
        "network.path: cannot read", "as edgelist")
    assert not (tmp_path / "o").exists()

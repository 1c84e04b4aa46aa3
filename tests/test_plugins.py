"""Plug-in mechanisms (issue #21 item 4, docs/plugins.md): a researcher's own mechanism,
loaded from a file, a module or an entry point, validated, placed, run everywhere."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from cogov.model import GovernanceModel
from cogov.model.engine.run import run_scenario
from cogov.model.figures.labels import info
from cogov.model.scenario import ScenarioError, leaf_type, load_scenario
from cogov.model.sim.reporters import METRICS
from cogov.model.ui.cli import main
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples/plugin/hotline.yaml"
HOTLINE = ROOT / "examples/plugin/hotline.py"
HOTLINE_METRICS = ["hotline_calls", "hotline_answered", "hotline_routed", "hotline_spend"]
SMALL = ["population.citizens=300", "population.districts=3", "organizations.ngos=9",
         "warmup=5"]
FAST = [a for kv in SMALL for a in ("--set", kv)] + ["--steps", "5"]


def cli(*args, env=None):
    """run.py in a subprocess, from the checkout (real exit codes and stderr)."""
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, env=env)


def small(*overrides, path=EXAMPLE, steps=5):
    return load_scenario(path, [*SMALL, *overrides], steps=steps)


# ------------------------------------------------------------------ the example
def test_the_example_runs_from_its_scenario_file_alone(tmp_path):
    done = cli("run", "examples/plugin/hotline.yaml", "--steps", "5", "--set",
               "population.citizens=300", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "model_metrics.csv")
    assert list(table.columns) == [*METRICS, *HOTLINE_METRICS] and len(table) == 6
    assert (table["hotline_calls"] > 0).all() and (table["hotline_spend"] > 0).all()
    assert table["ledger_error"].max() < 1e-12  # the call centre is paid through the ledger
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["scenario"]["plugins"] == [f"{HOTLINE}:Hotline"]
    assert run["scenario"]["mechanisms"]["hotline"]["capacity"] == 20.0
    assert set(HOTLINE_METRICS) <= set(run["final_window"])
    (tmp_path / "metrics.png").unlink()  # redrawn from the results folder alone
    redrawn = cli("plot", tmp_path)
    assert redrawn.returncode == 0 and (tmp_path / "metrics.png").exists(), redrawn.stderr


def test_a_plugin_key_is_validated_like_a_built_in_one():
    done = cli("validate", EXAMPLE, "--set", "mechanisms.hotline.capcity=3",
               "--set", "mechanisms.hotline.cost=-1", "--set", "mechanisms.hotlin.cost=1")
    assert done.returncode == 2
    assert "mechanisms.hotline.capcity: unknown key; did you mean 'capacity'?" in done.stderr
    assert "mechanisms.hotline.cost: expected a number >= 0, got -1" in done.stderr
    assert "mechanisms.hotlin: unknown key; did you mean 'hotline'?" in done.stderr


def test_overrides_params_of_and_the_plain_scenario():
    s = small("mechanisms.hotline.capacity=7", "mechanisms.hotline.enabled=off")
    assert s.plugin_settings["hotline"]["capacity"] == 7.0
    assert s.to_dict()["mechanisms"]["hotline"]["enabled"] is False
    model = GovernanceModel(s, seed=1)
    params = type(model.hotline).params_of(s)
    assert (params.capacity, params.enabled, params.cost) == (7.0, False, 0.5)
    assert type(params).__qualname__ == "Hotline.Params"
    again = s.replace(**{"mechanisms.hotline.cost": 2})
    assert again.plugin_settings["hotline"]["cost"] == 2.0 and again.plugins == s.plugins
    # plain data: a worker unpickles the scenario without the plug-in's classes
    assert b"cogov_plugin" not in pickle.dumps(s) and pickle.loads(pickle.dumps(s)) == s
    with pytest.raises(ScenarioError, match="mechanisms.hotline.capacity: expected a number"):
        s.replace(**{"mechanisms.hotline.capacity": "many"})


def test_leaf_type_knows_plugin_keys_given_the_scenario():
    s = small()
    assert leaf_type("mechanisms.hotline.capacity", scenario=s) is float
    assert leaf_type("mechanisms.hotline.enabled", scenario=s) is bool
    assert leaf_type("population.citizens", scenario=s) is int
    with pytest.raises(ScenarioError, match="capcity: unknown key; did you mean 'capacity'"):
        leaf_type("mechanisms.hotline.capcity", scenario=s)
    with pytest.raises(ScenarioError, match="mechanisms.hotline: unknown key"):
        leaf_type("mechanisms.hotline.capacity")


def test_figures_label_a_plugin_metric_from_its_declaration():
    small()  # loads the plug-in
    assert info("hotline_calls").label == "hotline calls"
    assert info("hotline_answered").bounds == (0.0, 1.0)
    assert info("no_such_metric").label == "no_such_metric"


# ------------------------------------------------------------------- placement
def _write(folder, name, body):
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


PLUGIN = """
from dataclasses import dataclass

from cogov.model.scenario.sections import _p
from cogov.model.sim.mechanisms import Mechanism, metric


@metric("{label}", "count", 0)
def {metric}(m):
    return float(m.{name}.seen)


class {cls}(Mechanism):
    name = "{name}"
    after = {after!r}
    reads = ("t",)
    metrics = ({metric},)

    @dataclass(frozen=True, kw_only=True)
    class Params:
        enabled: bool = _p(True, doc="on", src="design (switch)")

    def __init__(self):
        self.seen = 0

    @classmethod
    def build(cls, ctx):
        return cls()

    def step(self, ctx):
        self.seen = ctx.t
"""


def plugin(folder, cls="Probe", name="probe", after="settlement", metric=None, label="probe"):
    metric = metric or f"{name}_seen"
    return _write(folder, f"{name}_{cls.lower()}", PLUGIN.format(
        cls=cls, name=name, after=after, metric=metric, label=label))


def test_plugins_are_placed_after_the_phase_they_name(tmp_path):
    first = plugin(tmp_path, "First", "first", after="settlement")
    second = plugin(tmp_path, "Second", "second", after="first")  # after another plug-in
    s = small(f"plugins=[{HOTLINE}:Hotline, {first}:First, {second}:Second]")
    model = GovernanceModel(s, seed=1)
    names = [p.name for p in model.phases]
    assert names[names.index("budget") + 1] == "hotline"
    assert names[names.index("settlement") + 1:names.index("settlement") + 3] == ["first",
                                                                                  "second"]
    model.run(2)
    table = model.datacollector.get_model_vars_dataframe()
    assert list(table.columns) == [*METRICS, *HOTLINE_METRICS, "first_seen", "second_seen"]
    assert table["second_seen"].tolist() == [0.0, 1.0, 2.0]


def test_switched_off_the_plugin_changes_no_number_of_the_preset():
    """It draws only from its own stream: loaded but off, every built-in column is
    bit-identical to the preset's; a scenario without plug-ins serialises as before."""
    preset = run_scenario(load_scenario("top_down", SMALL, steps=5), seed=3).metrics
    off = run_scenario(small("mechanisms.hotline.enabled=off"), seed=3).metrics
    assert off[list(METRICS)].equals(preset)
    assert (off[HOTLINE_METRICS] == 0).all().all()
    on = run_scenario(small(), seed=3).metrics
    assert not on["trust_gov"].equals(preset["trust_gov"])
    assert "plugins" not in load_scenario("top_down").to_dict()


# --------------------------------------------------------------------- sweeps
def test_a_sweep_over_a_plugin_key_does_not_depend_on_workers(tmp_path):
    args = ["sweep", "examples/plugin/hotline.yaml", *FAST, "--grid",
            "mechanisms.hotline.capacity=5,40", "--replicates", "2"]
    for workers in (1, 2):
        done = cli(*args, "--workers", workers, "--out", tmp_path / f"w{workers}")
        assert done.returncode == 0, done.stderr
    one, two = (pd.read_parquet(tmp_path / f"w{w}/runs.parquet").drop(columns="wall_time")
                for w in (1, 2))
    pd.testing.assert_frame_equal(one, two)
    assert set(HOTLINE_METRICS) <= set(one.columns)
    assert sorted(one["mechanisms.hotline.capacity"].unique()) == [5.0, 40.0]
    # a larger call centre answers a larger share of the calls
    answered = one.groupby("mechanisms.hotline.capacity")["hotline_answered"].mean()
    assert answered[40.0] > answered[5.0]
    summary = pd.read_csv(tmp_path / "w1/summary.csv")
    assert set(HOTLINE_METRICS) <= set(summary["metric"])
    assert "hotline_calls" not in summary.columns  # a metric, not a swept key


# --------------------------------------------------------------- entry points
def test_an_installed_package_offers_a_mechanism_by_entry_point(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(HOTLINE, site / "cogov_hotline.py")
    info_dir = site / "cogov_hotline-0.1.dist-info"
    info_dir.mkdir()
    (info_dir / "METADATA").write_text("Metadata-Version: 2.1\nName: cogov-hotline\n"
                                       "Version: 0.1\n")
    (info_dir / "entry_points.txt").write_text("[cogov.mechanisms]\n"
                                               "hotline = cogov_hotline:Hotline\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    done = cli("run", "top_down", *FAST, "--set", "plugins=[hotline]", "--set",
               "mechanisms.hotline.capacity=10", "--out", tmp_path / "out", env=env)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "out/model_metrics.csv")
    assert list(table.columns) == [*METRICS, *HOTLINE_METRICS]
    typo = cli("validate", "top_down", "--set", "plugins=[hotlin]", env=env)
    assert typo.returncode == 2 and "plugins.0: cannot import 'hotlin': no 'cogov.mechanisms' " \
        "entry point of that name; did you mean 'hotline'?" in typo.stderr


def test_a_module_spec(tmp_path, monkeypatch):
    shutil.copy(HOTLINE, tmp_path / "my_hotline.py")
    monkeypatch.syspath_prepend(str(tmp_path))
    s = load_scenario("top_down", [*SMALL, "plugins=[my_hotline:Hotline]"], steps=2)
    assert s.plugins == ("my_hotline:Hotline",)
    assert list(run_scenario(s, seed=1).metrics.columns) == [*METRICS, *HOTLINE_METRICS]


# ------------------------------------------------------------------- bad specs
BAD_PARAMS = """
from dataclasses import dataclass

from cogov.model.scenario.sections import _p
from cogov.model.sim.mechanisms import Mechanism


class NoSwitch(Mechanism):
    name = "no_switch"
    after = "settlement"

    @dataclass(frozen=True, kw_only=True)
    class Params:
        rate: float = _p(0.1, 0, 1, doc="a rate", src="assumption")


class NoDoc(Mechanism):
    name = "no_doc"
    after = "settlement"

    @dataclass(frozen=True, kw_only=True)
    class Params:
        enabled: bool = _p(True, doc="on", src="design (switch)")
        rate: float = 0.1


class BadDefault(Mechanism):
    name = "bad_default"
    after = "settlement"

    @dataclass(frozen=True, kw_only=True)
    class Params:
        enabled: bool = _p(True, doc="on", src="design (switch)")
        rate: float = _p(2.0, 0, 1, doc="a rate", src="assumption")


class Unmetric(Mechanism):
    name = "unmetric"
    after = "settlement"
    metrics = (len,)

    @dataclass(frozen=True, kw_only=True)
    class Params:
        enabled: bool = _p(True, doc="on", src="design (switch)")


class Writer(Mechanism):
    name = "writer"
    after = "settlement"
    writes = ("plan", "citizens.trust_gov", "plna")

    @dataclass(frozen=True, kw_only=True)
    class Params:
        enabled: bool = _p(True, doc="on", src="design (switch)")

raise_here = None
"""


@pytest.mark.parametrize("spec, message", [
    ("nothere.py:Hotline", "plugins.0: cannot import {tmp}/nothere.py: no such file"),
    ("{hotline}:Hotlin", "plugins.0: {hotline} has no class 'Hotlin'; did you mean 'Hotline'?"),
    ("json:JSONDecoder", "plugins.0: JSONDecoder is not a cogov Mechanism (it lacks name, "
                         "build, step, Params"),
    ("no_such_module.sub:X", "plugins.0: cannot import no_such_module.sub: "
                             "ModuleNotFoundError: No module named 'no_such_module'"),
    ("no_such_entry_point", "plugins.0: cannot import 'no_such_entry_point': no "
                            "'cogov.mechanisms' entry point of that name"),
    ("{broken}:X", "plugins.0: cannot import {broken}: ZeroDivisionError: division by zero"),
    ("{bad}:NoSwitch", "plugins.0: NoSwitch.Params: has no `enabled` field"),
    ("{bad}:NoDoc", "plugins.0: NoDoc.Params.rate: declares no doc and src"),
    ("{bad}:BadDefault", "plugins.0: BadDefault.Params: the default of rate: expected a number "
                         "in [0, 1], got 2.0"),
    ("{nowhere}:Probe", "plugins.0: after='settlment' is no phase; did you mean 'settlement'?"),
    ("{clash}:Probe", "plugins.0: metric 'trust_gov' of Probe clashes with a built-in metric's"),
    ("{trust}:Probe", "plugins.0: Probe.name 'trust' is a built-in mechanism's "
                      "(mechanisms.trust)"),
    ("{budget}:Probe", "plugins.0: Probe.name 'budget' is a built-in phase's"),
    ("{ledger}:Probe", "plugins.0: Probe.name 'ledger' is taken by the model (m.ledger)"),
    ("{bad}:Unmetric", "plugins.0: Unmetric.metrics[0] (len) is not declared with @metric"),
    ("{bad}:Writer", "plugins.0: Writer writes 'plan', the signal planning writes"),
    ("{bad}:Writer", "plugins.0: Writer.writes: 'plna' is no field of the step context; "
                     "did you mean 'plan'?"),
])
def test_bad_plugin_specs_exit_2_naming_the_key(tmp_path, capsys, monkeypatch, spec, message):
    (tmp_path / "broken.py").write_text("x = 1 / 0\n")
    where = {"tmp": tmp_path, "hotline": HOTLINE, "broken": tmp_path / "broken.py",
             "bad": _write(tmp_path, "bad", BAD_PARAMS),
             "nowhere": plugin(tmp_path, "Probe", "nowhere", after="settlment"),
             "clash": plugin(tmp_path, "Probe", "clash", metric="trust_gov"),
             "trust": plugin(tmp_path, "Probe", "trust"),
             "budget": plugin(tmp_path, "Probe", "budget"),
             "ledger": plugin(tmp_path, "Probe", "ledger")}
    spec, message = spec.format(**where), message.format(**where)
    monkeypatch.chdir(tmp_path)  # a relative file spec given with --set is the working
    code = main(["validate", "top_down", "--set", f"plugins=[{spec}]"])  # directory's
    err = capsys.readouterr().err
    assert code == 2 and message in err, err


def test_a_bad_plugin_stops_a_sweep_before_it_runs(tmp_path, capsys):
    spec = plugin(tmp_path, "Probe", "nowhere", after="nowhere")
    code = main(["sweep", "top_down", *FAST, "--set", f"plugins=[{spec}:Probe]", "--grid",
                 "budget.per_capita=0.5,1", "--workers", "1", "--out", str(tmp_path / "out")])
    assert code == 2 and "plugins.0: after='nowhere' is no phase" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_model_lists_every_attribute_a_plugin_may_not_take():
    from cogov.model.sim.model import model_attributes

    model = GovernanceModel(load_scenario("top_down", SMALL, steps=1), seed=1)
    phases = {p.name for p in model.phases} | {type(p).attribute for p in model.phases}
    public = {k for k in vars(model) if not k.startswith("_")}
    assert public - phases <= model_attributes()

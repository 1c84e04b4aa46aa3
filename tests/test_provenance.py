"""Every scenario parameter declares its meaning and provenance; docs/model.md's table of
them (section 9) is generated from those declarations (issue #21, item 3)."""

import dataclasses

import pytest

from cogov.model.scenario.parameters import (
    BEGIN,
    END,
    KINDS,
    counts,
    main,
    parameters,
    provenance_kind,
    rewrite,
)
from cogov.model.scenario.schema import Scenario, leaf_type, scenario_fields
from cogov.model.scenario.sections import Reform, Shock
from tests.conftest import ROOT

MODEL_MD = ROOT / "docs/model.md"
# keys the hand-written table called an assumption (wholly or for the value)
OLD_ASSUMPTIONS = [line for line in
                   (ROOT / "tests/data/assumptions_before_provenance.txt").read_text().splitlines()
                   if line and not line.startswith("#")]
# numbers whose default is not a claimed value: the seed, an output setting, when a reform
# comes and how long it takes, and optional
# numbers whose default null means "not set" (all districts, never lifted, the model's trust)
DESIGN_NUMBERS = {"seed", "outputs.window", "shocks.N.where", "shocks.N.until",
                  "reforms.N.step", "reforms.N.over",
                  "mechanisms.unrest.legitimacy", "mechanisms.emergency.episode_money"}


def _leaf_type(key: str):
    return leaf_type(key.replace(".N.", ".0."))


def test_every_parameter_declares_meaning_and_provenance():
    params = parameters()
    keys = [p.key for p in params]
    expected = [k for k, _ in scenario_fields()] + [f"shocks.N.{k}" for k, _ in
                                                    scenario_fields(Shock)] + [
        f"reforms.N.{k}" for k, _ in scenario_fields(Reform)]
    assert sorted(keys) == sorted(expected) and len(set(keys)) == len(keys)
    bad = [p.key for p in params if not (p.doc.strip() and p.src.strip() and p.kind in KINDS)]
    assert not bad, f"declare doc= and src= (with a known kind) for: {bad}"


def test_every_leaf_field_is_declared_with_p():
    """Plain fields (``x: bool = False``) carry no doc or src: every leaf goes through _p
    (the scenario's own bookkeeping, metadata ``internal``, is no key of a file)."""
    def walk(cls, prefix=""):
        for f in dataclasses.fields(cls):
            if f.metadata.get("internal"):
                continue
            default = f.default_factory() if f.default is dataclasses.MISSING else f.default
            if dataclasses.is_dataclass(default):
                yield from walk(type(default), f"{prefix}{f.name}.")
            else:
                yield f"{prefix}{f.name}", f.metadata

    leaves = [*walk(Scenario), *walk(Shock, "shocks.N.")]
    assert not [k for k, meta in leaves if not {"doc", "src", "lo", "hi"} <= set(meta)]


def test_records_hold_the_declared_numbers():
    params = {p.key: p for p in parameters()}
    assert params["population.citizens"][:4] == ("population.citizens", 2500, 2, 1000000)
    assert params["mechanisms.trust.basis"].open_lo and params["mechanisms.trust.basis"].hi == 1
    assert params["shocks.N.share"].default == 0.2 and params["shocks"].default == ()
    assert dict(scenario_fields()) == {k: p.default for k, p in params.items()
                                       if not k.startswith(("shocks.N.", "reforms.N."))}


@pytest.mark.parametrize("src, kind", [
    ("assumption", "assumption"),
    ("assumption (annual plan, monthly steps)", "assumption"),
    ("assumption: long enough for the network to settle (measured, 7.5) [Law2015]",
     "assumption"),
    ("assumption (value); [Slovic1993] (direction)", "assumption"),
    ("[SGNM Essay 7 §3]", "source"),
    ("[Epstein2002]", "source"),
    ("Pudong 2016 [SGNM Essay 2 §2]", "source"),
    ("design (switch); [SGNM Essay 2 §4]", "design"),
    ("design", "design"),
])
def test_provenance_kind(src, kind):
    assert provenance_kind(src) == kind


@pytest.mark.parametrize("src", ["", "—", "scale", "measured", "lever", "7.16"])
def test_provenance_without_a_kind_is_refused(src):
    with pytest.raises(ValueError):
        provenance_kind(src)


def test_assumptions_are_counted():
    n = counts()
    print(f"\nscenario parameters: {n['assumption']} assumptions, {n['source']} with a source, "
          f"{n['design']} design, {sum(n.values())} in all")
    assert sum(n.values()) == len(parameters()) and n["assumption"] > n["source"]


def test_what_the_table_called_an_assumption_stays_one():
    kinds = {p.key: p.kind for p in parameters()}
    assert len(OLD_ASSUMPTIONS) > 200 and set(OLD_ASSUMPTIONS) <= set(kinds)
    assert not [k for k in OLD_ASSUMPTIONS if kinds[k] != "assumption"]


def test_switches_are_design_and_unsourced_numbers_assumptions():
    """A switch defines the experiment; a number is a claim unless it is one of the few
    that define the experiment, and a claim without a source is an assumption."""
    params = parameters()
    switches = [p for p in params if _leaf_type(p.key) is bool]
    assert switches and all(p.kind == "design" for p in switches)
    assert all(p.kind == "design" for p in params if p.key.endswith(".enabled"))
    numbers = {p.key: p.kind for p in params if _leaf_type(p.key) in (int, float)}
    assert {k for k, kind in numbers.items() if kind == "design"} == DESIGN_NUMBERS


def test_the_docs_table_is_generated():
    text = MODEL_MD.read_text(encoding="utf-8")
    section = text[text.index("## 9. Parameters"):text.index("## 10. ")]
    assert BEGIN in section and END in section
    assert rewrite(text) == text, (
        "docs/model.md's parameter table differs from the declarations; run "
        "python -m cogov.model.scenario.parameters docs/model.md")


def test_the_generator_rewrites_only_the_table(tmp_path, capsys):
    text = MODEL_MD.read_text(encoding="utf-8")
    stale = tmp_path / "model.md"
    head, rest = text.split(BEGIN)
    stale.write_text(f"{head}{BEGIN}\n| old | table |\n{END}{rest.split(END)[1]}",
                     encoding="utf-8")
    assert main(["--check", str(stale)]) == 1
    assert main([str(stale)]) == 0 and stale.read_text(encoding="utf-8") == text
    assert main(["--check", str(stale)]) == 0
    with pytest.raises(ValueError):
        rewrite("no markers here")
    capsys.readouterr()

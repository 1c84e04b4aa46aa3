"""Provenance with every output folder (ro-crate-metadata.json), cogov's version, CITATION.cff
and CHANGELOG.md (issue #24)."""

import json
import sys

import pytest
import yaml

import cogov
from cogov.model.engine.crate import CRATE, sha256
from cogov.model.ui.cli import main
from tests.conftest import ROOT

SWEEP = ["sweep", "adaptive", "--grid", "mechanisms.incentives.r=3,5", "--steps", "5",
         "--set", "population.citizens=200", "--seed", "5", "--workers", "1"]


def graph(folder) -> dict:
    data = json.loads((folder / CRATE).read_text())
    assert "ro/crate" in str(data["@context"])
    return {e["@id"]: e for e in data["@graph"]}


def check_crate(folder, command: list[str]) -> dict:
    g = graph(folder)
    action = g["#command"]
    assert action["@type"] == "CreateAction" and action["description"] == " ".join(command)
    assert action["startTime"] <= action["endTime"]
    written = {p.relative_to(folder).as_posix() for p in folder.rglob("*")
               if p.is_file() and p.name != CRATE}
    assert {r["@id"] for r in action["result"]} == written
    assert {r["@id"] for r in g["./"]["hasPart"]} == written
    for name in written:
        assert g[name]["sha256"] == sha256(folder / name)
    cogov_app = g[action["instrument"]["@id"]]
    assert cogov_app["name"] == "cogov" and cogov_app["version"] == cogov.__version__
    assert "identifier" in cogov_app  # the git commit (None for an installed wheel)
    needs = {g[r["@id"]]["name"]: g[r["@id"]]["version"] for r in cogov_app["softwareRequirements"]}
    assert needs["Python"] == ".".join(map(str, sys.version_info[:3])) and "mesa" in needs
    return g


def test_a_sweep_folder_carries_its_provenance(tmp_path):
    out = tmp_path / "sweep"
    assert main([*SWEEP, "--out", str(out)]) == 0
    g = check_crate(out, ["cogov", *SWEEP, "--out", str(out)])
    scenario = ROOT / "scenarios/adaptive.yaml"
    assert g[scenario.resolve().as_uri()]["sha256"] == sha256(scenario)
    assert g["#base_seed"]["value"] == 5 and len(json.loads(g["#seeds"]["value"])) == 1
    assert json.loads(g["#executor"]["value"])["kind"] == "in-process"


def test_a_run_folder_carries_its_provenance_without_ro_crate_py(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "rocrate", None)  # ImportError: the JSON-LD by hand
    monkeypatch.setitem(sys.modules, "rocrate.rocrate", None)
    command = ["run", "adaptive", "--steps", "5", "--set", "population.citizens=200",
               "--seed", "3", "--out", str(tmp_path / "r")]
    assert main(command) == 0
    g = check_crate(tmp_path / "r", ["cogov", *command])
    assert g[CRATE]["conformsTo"]["@id"] == "https://w3id.org/ro/crate/1.1"
    assert g["#seed"]["value"] == 3


def test_the_crate_hashes_the_files_a_scenario_extends(tmp_path):
    """A scenario file's extends: parents were read too: the crate lists each with its hash
    (here a local parent, which extends the preset adaptive, which extends base)."""
    (tmp_path / "parent.yaml").write_text("extends: adaptive\nbudget:\n  per_capita: 0.9\n")
    (tmp_path / "child.yaml").write_text("extends: parent.yaml\nname: child\n")
    command = ["run", str(tmp_path / "child.yaml"), "--steps", "3", "--set",
               "population.citizens=200", "--seed", "3", "--out", str(tmp_path / "r")]
    assert main(command) == 0
    g = graph(tmp_path / "r")
    read = {g[o["@id"]]["alternateName"] for o in g["#command"]["object"] if o["@id"] in g
            and g[o["@id"]].get("@type") == "File"}
    chain = [tmp_path / "child.yaml", tmp_path / "parent.yaml", ROOT / "scenarios/adaptive.yaml",
             ROOT / "scenarios/base.yaml"]
    assert read == {str(p.resolve()) for p in chain}
    for p in chain:
        assert g[p.resolve().as_uri()]["sha256"] == sha256(p)


def test_bad_input_writes_no_crate(tmp_path):
    out = tmp_path / "bad"
    assert main([*SWEEP, "--set", "budget.per_capita=lots", "--out", str(out)]) == 2
    assert not (out / CRATE).exists()


def test_version_citation_and_changelog_agree(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"cogov {cogov.__version__}"
    project = (ROOT / "pyproject.toml").read_text()
    version = next(line.split('"')[1] for line in project.splitlines()
                   if line.startswith("version = "))
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and str(citation["version"]) == version
    assert f"## [{version}]" in (ROOT / "CHANGELOG.md").read_text()

"""The documentation keeps up with the code: every key, metric and citation."""

import re

from cogov.model.scenario.schema import scenario_fields
from cogov.model.scenario.sections import Reform, Shock
from cogov.model.sim.reporters import METRICS
from tests.conftest import ROOT

MODEL_MD = (ROOT / "docs/model.md").read_text(encoding="utf-8")
REFS_MD = (ROOT / "docs/references.md").read_text(encoding="utf-8")


def test_every_scenario_key_is_documented():
    keys = [path for path, _ in scenario_fields()]
    keys += [f"shocks.N.{name}" for name, _ in scenario_fields(Shock)]
    keys += [f"reforms.N.{name}" for name, _ in scenario_fields(Reform)]
    missing = [k for k in keys if f"`{k}`" not in MODEL_MD]
    assert not missing, f"undocumented scenario keys: {missing}"


def test_every_metric_is_documented():
    missing = [m for m in METRICS if f"| `{m}` |" not in MODEL_MD]
    assert not missing, f"undocumented metrics: {missing}"


def test_every_citation_resolves():
    cited = set(re.findall(r"\b([A-Z][a-z]+\d{4})\b", MODEL_MD))
    cited |= {"SGNM"} if "[SGNM" in MODEL_MD else set()
    defined = set(re.findall(r"\*\*\[([A-Za-z]+\d*)\]\*\*", REFS_MD))
    assert cited and not (cited - defined), f"unresolved: {cited - defined}"


def test_code_citations_resolve():
    defined = set(re.findall(r"\*\*\[([A-Za-z]+\d*)\]\*\*", REFS_MD))
    for path in [*ROOT.glob("model/**/*.py"), *ROOT.glob("agents/*.py")]:
        for key in re.findall(r"\[([A-Z][a-z]+\d{4})\]", path.read_text(encoding="utf-8")):
            assert key in defined, f"{path.name} cites [{key}], not in references.md"


def test_the_readme_mission_table_names_real_switches_and_sections():
    """README's table of the source's mechanisms: every switch is a scenario key
    (".x" continues the key before it) and every section exists in docs/model.md."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## The source's mechanisms and their switches", 1)[1].split("\n## ", 1)[0]
    keys = {path for path, _ in scenario_fields()}
    rows = [r for r in table.splitlines() if r.startswith("| ") and not r.startswith("| source")]
    assert len(rows) >= 20
    for row in rows:
        switch, sections = row.split(" | ")[2], row.split(" | ")[3]
        prefix = ""
        for key in re.findall(r"`([a-z_.]+)`", switch):
            if key.startswith("."):
                key = prefix + key
            else:
                prefix = key.rsplit(".", 1)[0]
            assert key in keys or any(k.startswith(key + ".") for k in keys), (key, row)
        for section in re.findall(r"7\.\d+a?", sections):
            assert f"### {section} " in MODEL_MD, (section, row)


def test_the_readme_lists_every_shock_kind():
    """Issue #25, list 9: README's shock list omitted `relocation`."""
    import typing

    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    listed = re.search(r"`shocks` \(([^)]*)\)", readme).group(1)
    kinds = typing.get_args(typing.get_type_hints(Shock)["kind"])
    assert [k for k in kinds if f"`{k}`" not in listed] == []


def test_the_experiments_api_snippet_defines_every_name_it_uses():
    """Issue #25, list 9: docs/experiments.md's snippet called cogov.calibrate without
    `import cogov`. Its imports run; every name it reads is imported, assigned or builtin."""
    import ast
    import builtins

    text = (ROOT / "docs/experiments.md").read_text(encoding="utf-8")
    part = text[text.index("## Python API\n"):]
    code = part[part.index("```python\n") + 10:part.index("\n```", part.index("```python"))]
    tree = ast.parse(code)
    defined = set(dir(builtins)) | {"__name__"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            defined |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    assert used - defined == set()
    exec(compile(code, "docs/experiments.md", "exec"), {"__name__": "docs"})  # noqa: S102 - imports only

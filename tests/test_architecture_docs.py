"""The documentation follows the house: docs/model.md section 3 lists the step's phases as
PHASES has them, and every source path the README and docs/*.md name exists.

docs/architecture.md describes the house; tests/test_architecture.py enforces it.
"""

import re

from cogov.model.sim.mechanism import Mechanism
from cogov.model.sim.mechanisms import PHASES
from tests.conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# A source path: model/..., agents/..., benchmarks/..., examples/... ending in .py, or a
# mechanism module named without its folder (mechanisms/x.py, which no longer exists).
PATH = re.compile(r"(?<![\w/.-])((?:model|agents|benchmarks|examples|mechanisms)/[\w/]*\w\.py)\b")

# Paths in generated text, stale at their source (code other engineers own); the test
# fails once a source is fixed and the text regenerated, so the entry goes too.
GENERATED: set[tuple[str, str]] = set()  # (doc, path) written by a generator from a stale source


def section_3() -> str:
    text = (ROOT / "docs/model.md").read_text(encoding="utf-8")
    return text.split("## 3. Process overview and scheduling", 1)[1].split("\n## 4.", 1)[0]


def listed_phases() -> list[str]:
    """The numbered list of section 3: ``N. `name` ...``, numbered 1, 2, 3... in order."""
    items = re.findall(r"^(\d+)\. `(\w+)`", section_3(), flags=re.MULTILINE)
    assert [int(n) for n, _ in items] == list(range(1, len(items) + 1)), "numbering"
    return [name for _, name in items]


def test_section_3_lists_the_phases_in_order():
    assert listed_phases() == [p.name for p in PHASES]


def test_section_3_names_every_observe_hook():
    observers = [p.name for p in PHASES if p.observe is not Mechanism.observe]
    assert observers, "no phase observes: section 3's paragraph on observe is stale"
    text = section_3()
    missing = [name for name in observers if f"`{name}.observe`" not in text]
    assert not missing, f"observe hooks not named in docs/model.md section 3: {missing}"
    named = set(re.findall(r"`(\w+)\.observe`", text))
    assert named <= set(observers), f"named as observing but do not: {named - set(observers)}"


def test_every_source_path_in_the_docs_exists():
    missing, stale_sources = [], []
    for doc in DOCS:
        rel = doc.relative_to(ROOT).as_posix()
        found = set(PATH.findall(doc.read_text(encoding="utf-8")))
        for path in sorted(found):
            if not (ROOT / path).is_file() and (rel, path) not in GENERATED:
                missing.append(f"{rel}: {path}")
        stale_sources += [(rel, p) for (d, p) in GENERATED if d == rel and p not in found]
    assert not missing, "paths that do not exist:\n" + "\n".join(missing)
    assert not stale_sources, f"fixed at the source, drop from GENERATED: {stale_sources}"

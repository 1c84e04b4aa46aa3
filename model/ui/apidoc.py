"""docs/api.md, the Python API's reference, written from the exports' docstrings.

    python -m cogov.model.ui.apidoc docs/api.md     # rewrite the page
    python -m cogov.model.ui.apidoc --check docs/api.md   # exit 1 if it is out of date

Every export of :mod:`cogov` (``cogov._EXPORTS``) gets a section: its signature, the module
it lives in and its docstring; a class also gets its public methods. tests/test_api.py
keeps the page equal to what this writes, so a changed docstring or signature shows up
there.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from importlib import import_module
from pathlib import Path

import cogov

GROUPS = {
    "Scenarios": ["Scenario", "ScenarioError", "load_scenario", "scenario_from_dict", "preset",
                  "presets"],
    "One model": ["GovernanceModel", "run_scenario"],
    "Many runs": ["compare", "run_replicates", "replicate_seeds", "sweep", "run_sweep", "Design"],
    "Studies": ["sensitivity", "calibrate", "decompose", "gap_map", "gap_sobol"],
    "The command line": ["main"],
}

INTRO = """# The Python API

<!-- written by `python -m cogov.model.ui.apidoc docs/api.md` from the docstrings; do not
edit by hand (tests/test_api.py checks that it is up to date) -->

Everything below is importable from `cogov` itself (`import cogov; cogov.compare(...)`);
`dir(cogov)` lists it and `help(cogov.compare)` shows the same text. Exports are loaded on
first use, so `import cogov` is quick.

**Scenarios, given any way.** Every function that takes a scenario takes a preset name
(`"adaptive"`; `cogov.presets()` lists them), the path of a scenario file or a `Scenario`:

```python
import cogov

runs = cogov.compare(["adaptive", "top_down"], replicates=5, steps=50)
mine = cogov.load_scenario("adaptive", {"budget.per_capita": 1.2}, steps=50)
runs = cogov.compare([mine, "my_study/cut.yaml"], replicates=5)
```

The command line (`cogov --help`, docs/experiments.md) runs the same functions.
"""


def exports() -> list[str]:
    """The names ``cogov`` exports (``__version__`` aside)."""
    return [n for n in cogov.__all__ if not n.startswith("_")]


def _signature(name: str, obj) -> str:
    try:
        sig = str(inspect.signature(obj))
    except (TypeError, ValueError):
        sig = "(...)"
    if inspect.isclass(obj) and obj.__name__ == "Scenario":
        sig = "(*, name=..., seed=..., steps=..., ...)"  # every key: docs/model.md
    return f"{name}{sig}"


def _doc(obj) -> str:
    return inspect.cleandoc(obj.__doc__ or "").strip()


def _methods(cls) -> list[tuple[str, object]]:
    out = []
    for name, member in vars(cls).items():
        if name.startswith("_") or not callable(member) or not member.__doc__:
            continue
        out.append((name, member))
    return out


def section(name: str) -> str:
    """The markdown of one export: heading, signature, module, docstring, methods."""
    obj = getattr(cogov, name)
    kind = "class" if inspect.isclass(obj) else "function"
    lines = [f"### `{name}`", "", "```python", f"{'class ' if kind == 'class' else ''}"
             f"{_signature(name, obj)}", "```", "",
             f"*{kind} in `{obj.__module__}`*", "", _doc(obj) or "(no docstring)", ""]
    if kind == "class" and name != "ScenarioError":
        for mname, method in _methods(obj):
            lines += [f"#### `{name}.{mname}`", "", "```python",
                      f"{_signature(mname, method)}", "```", "", _doc(method), ""]
    return "\n".join(lines)


def page() -> str:
    """docs/api.md's whole text."""
    listed = [n for names in GROUPS.values() for n in names]
    missing = [n for n in exports() if n not in listed]
    if missing:  # a new export must be placed in a group
        raise SystemExit(f"apidoc: exports in no group of GROUPS: {', '.join(missing)}")
    parts = [INTRO, "## Contents", ""]
    for group, names in GROUPS.items():
        parts.append(f"- {group}: " + ", ".join(f"[`{n}`](#{n.lower()})" for n in names))
    parts.append("")
    for group, names in GROUPS.items():
        parts += [f"## {group}", ""]
        parts += [section(n) for n in names]
    return "\n".join(parts).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cogov.model.ui.apidoc",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="the page to write (docs/api.md)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the page differs from the docstrings")
    args = parser.parse_args(argv)
    for module in {m for m in cogov._EXPORTS.values()}:
        import_module(module)
    text = page()
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.is_file() else ""
        if current != text:
            print(f"{args.path} is out of date: run python -m cogov.model.ui.apidoc {args.path}",
                  file=sys.stderr)
            return 1
        return 0
    args.path.write_text(text, encoding="utf-8")
    print(f"wrote {args.path} ({len(exports())} exports)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Every scenario parameter with its provenance; docs/model.md's parameter table is made here.

Each leaf field of a scenario declares, with ``_p`` (:mod:`.sections`), its default, its
range, what it means (``doc``) and where its default comes from (``src``). The kind of
provenance is read from ``src`` by :func:`provenance_kind`:

- ``"assumption"``: a value the modellers chose (``src`` starts with "assumption"; a
  reason may follow after a colon or in parentheses, a reference for the form or the
  direction after a semicolon);
- ``"design"``: it defines the experiment rather than claim a value, a switch that turns
  a mechanism on or off, a label, the seed, a file, an output setting (``src`` starts
  with "design");
- ``"source"``: ``src`` cites the reference the value comes from (``[Epstein2002]``,
  ``Pudong 2016 [SGNM Essay 2 §2]``).

    >>> provenance_kind("assumption (annual plan, monthly steps)")
    'assumption'
    >>> provenance_kind("Pudong 2016 [SGNM Essay 2 §2]")
    'source'
    >>> rate = next(p for p in parameters() if p.key == "mechanisms.trust.rate")
    >>> rate.default, rate.lo, rate.hi, rate.kind
    (0.1, 0.0, 1.0, 'assumption')

The table of docs/model.md, section 9, sits between two markers (:data:`BEGIN`,
:data:`END`) and is written from the declarations::

    python -m cogov.model.scenario.parameters docs/model.md          # rewrite the table
    python -m cogov.model.scenario.parameters --check docs/model.md  # exit 1 if it is stale
    python -m cogov.model.scenario.parameters                        # print the table
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

from .schema import field_default, leaf_fields

KINDS = ("source", "assumption", "design")
BEGIN = "<!-- BEGIN PARAMETERS (generated: python -m cogov.model.scenario.parameters) -->"
END = "<!-- END PARAMETERS -->"
_REFERENCE = re.compile(r"\[[A-Z][^\]]*\]")  # [SGNM Essay 7 §3], [Epstein2002]


class Parameter(NamedTuple):
    """One scenario key as plain data: its default, range, meaning and provenance."""

    key: str  # dotted path; the keys of list items are written shocks.N.size
    default: Any
    lo: float | None
    hi: float | None
    doc: str
    src: str
    kind: str  # provenance_kind(src)
    open_lo: bool = False  # the range is (lo, hi] rather than [lo, hi]


def provenance_kind(src: str) -> str:
    """``"assumption"``, ``"design"`` or ``"source"``, read from a field's ``src`` text.

    >>> provenance_kind("design (switch); [SGNM Essay 2 §4]")
    'design'
    >>> provenance_kind("assumption (value); [Slovic1993] (direction)")
    'assumption'
    >>> provenance_kind("measured")
    Traceback (most recent call last):
    ...
    ValueError: src 'measured' is none of assumption..., design..., or a [reference]
    """
    text = src.strip().lower()
    if text.startswith("assumption"):
        return "assumption"
    if text.startswith("design"):
        return "design"
    if _REFERENCE.search(src):
        return "source"
    raise ValueError(f"src {src!r} is none of assumption..., design..., or a [reference]")


def parameters() -> list[Parameter]:
    """Every leaf key of a scenario (list items as ``shocks.N.<name>``), in field order."""
    out = []
    for key, f in leaf_fields(items=True):
        meta = f.metadata
        src = meta.get("src", "")
        out.append(Parameter(key, field_default(f), meta.get("lo"), meta.get("hi"),
                             meta.get("doc", ""), src, provenance_kind(src) if src else "",
                             bool(meta.get("open_lo"))))
    return out


def counts(params: list[Parameter] | None = None) -> dict[str, int]:
    """How many parameters there are of each kind."""
    found = Counter(p.kind for p in (parameters() if params is None else params))
    return {kind: found[kind] for kind in KINDS}


def default_text(value: Any) -> str:
    """A default as the table writes it (on/off, null, [] as in YAML)."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None:
        return "null"
    if value == "":
        return '""'
    if isinstance(value, tuple):
        return "[]" if not value else repr(list(value))
    return repr(value) if isinstance(value, float) else str(value)


def _cell(text: str, key: str) -> str:
    if "|" in text or "\n" in text:
        raise ValueError(f"{key}: doc and src go into a table cell, no '|' or line breaks")
    return text


def table() -> str:
    """docs/model.md's parameter table (with a line counting the kinds), no markers."""
    params = parameters()
    n = counts(params)
    lines = [f"{len(params)} keys: {n['source']} with a source, {n['assumption']} "
             f"assumptions, {n['design']} design.", "",
             "| key | default | meaning | source |", "|---|---|---|---|"]
    lines += [f"| `{p.key}` | {default_text(p.default)} | {_cell(p.doc, p.key)} | "
              f"{_cell(p.src, p.key)} |" for p in params]
    return "\n".join(lines)


def rewrite(text: str) -> str:
    """``text`` with the table between the markers written anew; the rest stays as it is."""
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(END) < text.index(BEGIN):
        raise ValueError(f"expected one {BEGIN!r} and, after it, one {END!r}")
    head, rest = text.split(BEGIN)
    tail = rest.split(END)[1]
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cogov.model.scenario.parameters",
        description="Write the parameter table of docs/model.md from the scenario's "
                    "declarations (or print it, given no file).")
    parser.add_argument("file", nargs="?", type=Path, help="markdown file with the markers")
    parser.add_argument("--check", action="store_true",
                        help="only check: exit 1 if the file's table is out of date")
    args = parser.parse_args(argv)
    if args.file is None:
        print(table())
        return 0
    text = args.file.read_text(encoding="utf-8")
    new = rewrite(text)
    n = counts()
    summary = ", ".join(f"{n[kind]} {kind}" for kind in KINDS)
    if new == text:
        print(f"{args.file}: parameter table up to date ({summary})")
        return 0
    if args.check:
        print(f"{args.file}: parameter table out of date; run "
              f"python -m cogov.model.scenario.parameters {args.file}", file=sys.stderr)
        return 1
    args.file.write_text(new, encoding="utf-8")
    print(f"{args.file}: parameter table written ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

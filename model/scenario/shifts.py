"""Essay 7's four shifts as switches: which instruments each ``governance`` switch turns on.

Essay 7, §3 of the source names four shifts from management to governance (系统治理,
依法治理, 综合治理, 源头治理; docs/model.md 7.24). ``governance.collaboration`` is the
systemic shift and acts inside the mechanisms (it has always done so); the
comprehensive and source shifts are switches over instruments the model already has,
and are resolved here, as an **overlay** on the scenario:

- A switch that is **on** sets every key of its row in :data:`SHIFTS` to the row's
  value, whatever the scenario file or a ``--set`` says for that key (the switch is
  the higher-level statement). Every other key keeps the file's value, so an
  instrument the switch turns on runs with the file's parameters.
- A switch that is **off** leaves the scenario exactly as the file has it. The
  switches are off by default, so every preset, golden number and README figure is
  what it was before they existed.

The overlay is applied when a scenario is validated (``load_scenario``,
``scenario_from_dict``, ``Scenario.replace``), so ``--set governance.source=on`` and
``--grid governance.source=off,on`` work in every command, and the resolved
scenario written to run.json / sweep.json shows the instruments actually used.
Applying it twice changes nothing. To run a shift with one of its instruments off,
leave the switch off and set the instruments wanted.

A switch's instruments are paid from the same treasury (budget.per_capita is never
changed), so every combination runs at an equal total budget: what prevention or an
extra instrument costs is money not spent on services.

To add a shift's instruments (law-based governance, public security, interests), add
one line to its row, e.g. ``"mechanisms.public_security.prevent": 0.5``; rows may be
added for any boolean field of :class:`~cogov.model.scenario.sections.Governance` (a row for
``collaboration`` changes every preset with collaboration on). Where two shifts set
the same key differently, a row keyed by both, e.g. ``("comprehensive", "source")``,
placed after their own rows, says what the key is when both are on (single rows may
disagree only where such a row settles it). tests/test_shifts.py checks every key and value against the scenario
schema, and the order and agreement of the rows.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .errors import BOOL_WORDS

# switch -> {scenario key: value while the switch is on}; off changes nothing
# (a row keyed by a tuple of switches applies when all of them are on)
SHIFTS: dict[str | tuple[str, ...], dict[str, Any]] = {
    # 综合治理: several instruments combined instead of one per problem (Essay 7, §3)
    "comprehensive": {
        # interest incentives: the co-production game (7.5; on in base.yaml already)
        "mechanisms.incentives.enabled": True,
        # social credit: graded supervision and blacklists instead of no sanction (7.16)
        "mechanisms.credit.enabled": True,
        # grand mediation: people's, administrative and judicial mediation linked, cases
        # entering at people's mediation, instead of the administrative channel alone
        # (7.14; acts where disputes exist, mechanisms.mediation.enabled)
        "mechanisms.mediation.linkage": "on",
        # public security: the six links, equal shares of the same security budget,
        # instead of strike alone; leadership responsibility and information sharing (7.23)
        **{f"mechanisms.public_security.{link}": 1 / 6
           for link in ("strike", "prevent", "educate", "manage", "build", "reform")},
        "mechanisms.public_security.responsibility": True,
        "mechanisms.public_security.sharing": True,
    },
    # 依法治理: decisions by a published rule rather than discretion (Essay 7, §3; Essay 6)
    "law_based": {
        # rule and discretion in allocation, enforcement and appeals (7.22), at the
        # law-based regime's weight on the rule (law_based.yaml; discretion: 0.1)
        "mechanisms.law.enabled": True,
        "mechanisms.law.rule_of_law": 0.9,
    },
    # 源头治理: prevention at the source instead of handling events after they erupt
    "source": {
        # early warning and risk assessment: a contingency fund from the same budget,
        # targeted service and more people's mediation where risk is seen (7.13)
        "mechanisms.early_warning.enabled": True,
        # public security: half of the security budget moves from strike to prevention
        # (guardianship at hot spots, 7.23)
        "mechanisms.public_security.strike": 0.5,
        "mechanisms.public_security.prevent": 0.5,
    },
    # both: the six links with prevention weighted up (an assumption, docs/model.md 7.24)
    ("comprehensive", "source"): {
        "mechanisms.public_security.strike": 0.1,
        "mechanisms.public_security.prevent": 0.3,
        **{f"mechanisms.public_security.{link}": 0.15
           for link in ("educate", "manage", "build", "reform")},
    },
}

# what each shift is, for documentation, the app and the figure
SHIFT_NAMES = {
    "collaboration": "systemic (系统治理)",
    "law_based": "law-based (依法治理)",
    "comprehensive": "comprehensive (综合治理)",
    "source": "source (源头治理)",
}


def switches(row_key: str | tuple[str, ...]) -> tuple[str, ...]:
    """The switches a row of :data:`SHIFTS` belongs to: ``"source"`` -> ``("source",)``."""
    return (row_key,) if isinstance(row_key, str) else tuple(row_key)


def overlay(governance) -> dict[str, Any]:
    """The keys the switches that are on set, in :data:`SHIFTS` order (a row for two
    switches, after their own rows, overrides them where they disagree).

    ``governance`` is a :class:`~cogov.model.scenario.sections.Governance` or its plain dict.
    """

    def on(switch: str) -> bool:
        value = governance.get(switch) if isinstance(governance, dict) else getattr(
            governance, switch, False)
        return value is True

    out: dict[str, Any] = {}
    for row_key, row in SHIFTS.items():
        if all(on(switch) for switch in switches(row_key)):
            out.update(row)
    return out


def _replace_path(obj, keys: list[str], value: Any):
    """A copy of the frozen dataclass ``obj`` with ``obj.a.b.c = value`` (keys a, b, c)."""
    if len(keys) == 1:
        return dataclasses.replace(obj, **{keys[0]: value})
    child = getattr(obj, keys[0])
    return dataclasses.replace(obj, **{keys[0]: _replace_path(child, keys[1:], value)})


def apply_shifts(scenario):
    """The scenario with the instruments of every shift that is on (module docstring).

    >>> from cogov.model.scenario.schema import Scenario
    >>> s = apply_shifts(Scenario().replace(**{"governance.source": True}))
    >>> s.mechanisms.early_warning.enabled, apply_shifts(s) == s
    (True, True)
    """
    for dotted, value in overlay(scenario.governance).items():
        scenario = _replace_path(scenario, dotted.split("."), value)
    return scenario


def overridden(overrides: dict[str, Any], governance) -> list[str]:
    """Warnings for ``--set`` values a switch that is on replaces (``base.yaml`` sets every
    instrument off, so only explicit overrides can be told apart from the file's defaults)."""
    forced = overlay(governance)
    out = []
    for dotted, given in overrides.items():
        if dotted in forced and not _same(given, forced[dotted]):
            out.append(f"{dotted}: --set {_word(given)} is replaced by governance."
                       f"{switch_of(dotted)}: on, which sets it to {_word(forced[dotted])} "
                       "(docs/model.md 7.24; turn the switch off to choose instruments one by one)")
    return out


def _same(given: Any, value: Any) -> bool:
    """``on`` written as a word means True."""
    if isinstance(given, str) and isinstance(value, bool):
        return BOOL_WORDS.get(given.lower()) == value
    return given == value


def _word(value: Any) -> str:
    return {True: "on", False: "off"}.get(value, str(value)) if isinstance(value, bool) \
        else str(value)


def switch_of(dotted: str) -> str | None:
    """The shift(s) whose rows set ``dotted`` (``source``, ``comprehensive + source``), or
    None."""
    rows = [" + ".join(switches(k)) for k, row in SHIFTS.items() if dotted in row]
    return " / ".join(rows) or None

"""What goes wrong in a scenario: errors naming key paths, warnings, and the on/off words.

The lowest module of the house: every other imports it, it imports nothing of cogov.
"""

from __future__ import annotations

import difflib
from typing import Any


class ScenarioError(ValueError):
    """One or more problems in a scenario, each naming its dotted key path."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


class FolderConflict(ScenarioError):
    """An output folder holds results that conflict with the command (a sweep, comparison or
    calibration there, without ``--resume``, or one of something else): not a problem of the
    scenario. A ScenarioError still, so code catching those keeps working; the CLI reports
    it as ``error: ...`` (exit 2), not as an invalid scenario."""


class CogovWarning(UserWarning):
    """Input that is valid but probably not what was meant (a shock that can never act, a
    network file whose weights are ignored...); the CLI prints these as ``warning: ...``."""


def warn(messages: list[str] | tuple[str, ...]) -> None:
    """Issue each message as a :class:`CogovWarning` (shown once per message and place)."""
    import warnings

    for message in messages:
        warnings.warn(message, CogovWarning, stacklevel=3)


# the words a scenario file or --set may write for a boolean (shifts.py reads them too)
BOOL_WORDS = {"on": True, "off": False, "true": True, "false": False, "yes": True, "no": False}


def _fmt(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else f"{text[:60]}... ({len(text)} characters)"


def did_you_mean(word: str, options: list[str]) -> str:
    """A "; did you mean 'x'?" suffix for the closest option, or ""."""
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""

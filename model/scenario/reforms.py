"""Reforms: keys of a scenario that change during a run (docs/experiments.md, "Reforms").

A scenario's ``reforms:`` is a list of ``{step, set: {dotted.key: value}, over}``. At
``step`` the keys take their new values: a number moves linearly from the value in force
just before the reform (step - 1) to its new value over ``over`` steps, reaching it at
``step + over - 1`` (progress ``clip((t - step + 1) / over, 0, 1)``, as a shock's ramp);
an integer is rounded on the way; a switch or a word changes at ``step``. Reforms apply
in the order of their steps (a list order for equal steps), so a later reform of the same
key moves it on from where the earlier one left it (a roll-back is a second reform).

:func:`in_force` gives the overrides in force at a step; the model builds the scenario in
force from them (``Scenario.replace``, validated, with the four shifts' overlay) and hands
it to every phase (``Mechanism.reform``). Which keys may be set is checked when the
scenario is validated (``_reform_checks`` in :mod:`.schema`).

A shift switch turned on by a reform sets its instruments as a file's switch does; a shift
turned *off* by a reform leaves the instruments as they are in force (the overlay has
already replaced the file's values): set them in the same reform to turn them off too.

>>> from cogov.model.scenario.schema import scenario_from_dict
>>> s = scenario_from_dict({"budget": {"per_capita": 1.0}, "reforms": [
...     {"step": 10, "set": {"budget.per_capita": 2.0, "governance.collaboration": True},
...      "over": 4}]})
>>> in_force(s, 9)
{}
>>> in_force(s, 10), in_force(s, 13)
({'budget.per_capita': 1.25, 'governance.collaboration': True}, {'budget.per_capita': 2.0, 'governance.collaboration': True})
"""

from __future__ import annotations

from typing import Any


def _progress(reform, t: int) -> float:
    return min(1.0, max(0.0, (t - reform.step + 1) / reform.over))


def _base_value(scenario, key: str) -> Any:
    """The scenario's own value of ``key`` (a plug-in's from its settings)."""
    parts = key.split(".")
    node: Any = scenario
    if parts[0] == "mechanisms" and not hasattr(scenario.mechanisms, parts[1]):
        node, parts = scenario.plugin_settings, parts[1:]
    for part in parts:
        node = node.get(part) if isinstance(node, dict) else getattr(node, part)
    return node


def _ordered(scenario) -> list:
    return sorted(scenario.reforms, key=lambda r: r.step)  # stable: list order for ties


def value_at(scenario, key: str, t: int, reforms: list | None = None) -> Any:
    """The value of ``key`` in force at step ``t`` under the scenario's reforms."""
    reforms = _ordered(scenario) if reforms is None else reforms
    value = _base_value(scenario, key)
    for i, reform in enumerate(reforms):
        if key not in reform.set or t < reform.step:
            continue
        target = reform.set[key]
        if _numeric(target) and _numeric(value) and reform.over > 1:
            start = value_at(scenario, key, reform.step - 1, reforms[:i])
            x = start + (target - start) * _progress(reform, t)
            value = round(x) if isinstance(target, int) else float(x)
        else:
            value = target
    return value


def _numeric(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def in_force(scenario, t: int) -> dict[str, Any]:
    """The keys reforms have changed by step ``t`` with their values then (empty before the
    first reform)."""
    reforms = _ordered(scenario)
    keys = dict.fromkeys(k for r in reforms if r.step <= t for k in r.set)
    return {k: value_at(scenario, k, t, reforms) for k in keys}


def first_step(scenario) -> int | None:
    """The step of the first reform (None: no reforms)."""
    return min((r.step for r in scenario.reforms), default=None)


def settled_after(scenario) -> int:
    """The last step at which a reform still moves a key (after it, nothing changes)."""
    return max((r.step + r.over - 1 for r in scenario.reforms), default=0)

"""Plug-in mechanisms in the step: where each goes, and what it may not take.

:mod:`cogov.model.scenario.plugins` loads a scenario's plug-ins and checks their shape by
duck typing; this module checks what only the simulation knows, each problem as a
:class:`ScenarioError` naming ``plugins.N``:

* the class subclasses :class:`~.mechanisms.Mechanism`;
* ``after`` names a phase (a built-in one, or a plug-in listed before it);
* its name is no built-in phase's and no attribute of the model (``m.<name>`` is the unit);
* its metrics are declared with ``@metric`` and named unlike the model's and other
  plug-ins' metrics;
* what it ``reads`` and ``writes`` are fields of the step context, and it writes no signal
  that a built-in phase writes (each signal has one writer).

docs/plugins.md is the researcher's guide.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..scenario.errors import ScenarioError, did_you_mean
from ..scenario.plugins import PluginError, load_plugin
from ..scenario.schema import Scenario
from ..scenario.schema import plugin_classes as _listed
from .context import DERIVED, SIGNALS, WORLD
from .mechanisms import PHASES, Mechanism, phases
from .reporters import METRICS, declared, reporters


def plugin_classes(scenario: Scenario, taken: Iterable[str] = ()) -> tuple[type[Mechanism], ...]:
    """The scenario's plug-in classes, checked (see the module docstring).

    Args:
        taken: names the model already uses for attributes (a plug-in is reachable as
            ``m.<its name>``, so it may not take one of them).

    Raises:
        ScenarioError: every problem, each naming ``plugins.N``.
    """
    if not scenario.plugins:
        return ()
    try:
        classes = _listed(scenario)
    except PluginError as exc:  # a Scenario built by hand, not validated
        raise ScenarioError([f"plugins: {exc}"]) from None
    errors = []
    builtin = [p.name for p in PHASES]
    placed = list(builtin)
    taken = set(taken)
    metrics = {m: "the model" for m in (*declared(PHASES), "step")}
    for i, cls in enumerate(classes):
        where, label = f"plugins.{i}", cls.__name__
        if not issubclass(cls, Mechanism):
            errors.append(f"{where}: {label} is not a cogov Mechanism (subclass "
                          "cogov.model.sim.mechanisms.Mechanism, see docs/plugins.md)")
            continue
        if cls.name in builtin:
            errors.append(f"{where}: {label}.name {cls.name!r} is a built-in phase's; give the "
                          "plug-in another name")
        elif cls.name in taken:
            errors.append(f"{where}: {label}.name {cls.name!r} is taken by the model "
                          f"(m.{cls.name}); give the plug-in another name")
        if cls.after is None:
            errors.append(f"{where}: {label} declares no `after` (the phase it runs after, "
                          f"e.g. after = 'settlement'; phases: {', '.join(placed)})")
        elif cls.after not in placed:
            errors.append(f"{where}: after={cls.after!r} is no phase"
                          f"{did_you_mean(str(cls.after), placed)} (phases: {', '.join(placed)})")
        placed.append(cls.name)
        errors += _metric_errors(cls, where, metrics)
        errors += _field_errors(cls, where)
    if errors:
        raise ScenarioError(errors)
    return classes


def _metric_errors(cls: type, where: str, seen: dict[str, str]) -> list[str]:
    errors = []
    for j, fn in enumerate(cls.metrics):
        name = getattr(fn, "__name__", repr(fn))
        if not callable(fn) or getattr(fn, "info", None) is None:
            errors.append(f"{where}: {cls.__name__}.metrics[{j}] ({name}) is not declared with "
                          "@metric(label, unit, low, high)")
        elif name in seen:
            owner = seen[name]
            errors.append(f"{where}: metric {name!r} of {cls.__name__} clashes with "
                          f"{'a built-in metric' if owner == 'the model' else owner}'s; "
                          "rename the function (its name is the column's)")
        else:
            seen[name] = where
    return errors


def _field_errors(cls: type, where: str) -> list[str]:
    known = [*WORLD, *SIGNALS, *DERIVED]
    errors = []
    for kind in ("reads", "writes"):
        for name in getattr(cls, kind):
            if name.startswith("citizens.") or name in known:
                continue
            errors.append(f"{where}: {cls.__name__}.{kind}: {name!r} is no field of the step "
                          f"context{did_you_mean(name, known)} (docs/plugins.md lists them; a "
                          "citizens' array is written citizens.<array>)")
    for name in cls.writes:
        if name in SIGNALS:
            errors.append(f"{where}: {cls.__name__} writes {name!r}, the signal "
                          f"{SIGNALS[name][0]} writes (every signal has one writer); keep "
                          "your own state on the plug-in")
    return errors


def plugin_phases(scenario: Scenario, taken: Iterable[str] = ()) -> tuple[type[Mechanism], ...]:
    """The phases of the scenario's step in order, its plug-ins placed by their ``after``."""
    return phases(plugin_classes(scenario, taken))


def metric_names(scenario: Scenario | dict | None = None) -> tuple[str, ...]:
    """The columns a run of ``scenario`` (or of its ``to_dict()``, as run.json holds it)
    records, ``step`` first: the model's (:data:`~.reporters.METRICS`), then its plug-ins'
    in the order of the phases, then its custom reporters (``outputs.reporters``). A
    plug-in that can no longer be loaded (a results folder whose plug-in file has moved)
    adds nothing."""
    if isinstance(scenario, dict):
        outputs = scenario.get("outputs") or {}
        return (*_model_metrics(scenario), *(outputs.get("reporters") or {}))
    if scenario is None:
        return METRICS
    found = tuple(reporters(plugin_phases(scenario))) if scenario.plugins else METRICS
    return (*found, *scenario.outputs.reporters)


def _model_metrics(plain: dict) -> tuple[str, ...]:
    try:
        classes = tuple(load_plugin(spec) for spec in plain.get("plugins") or ())
    except PluginError:
        return METRICS
    return tuple(reporters(phases(classes))) if classes else METRICS

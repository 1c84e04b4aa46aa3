"""The scenario schema: conversion, validation and dotted overrides of the sections.

A scenario is a tree of frozen, keyword-only dataclasses. The YAML file is its
serialisation; :func:`load_scenario` reads it (following ``extends:``), applies
``--set`` overrides and validates every value against the field's type and
range, naming the dotted path of each problem::

    >>> s = scenario_from_dict({"mechanisms": {"trust": {"rate": 0.2}}})
    >>> s.mechanisms.trust.rate
    0.2
    >>> scenario_from_dict({"mechanisms": {"trust": {"rate": "fast"}}})
    Traceback (most recent call last):
    ...
    cogov.model.scenario.errors.ScenarioError: mechanisms.trust.rate: expected a number in [0, 1], got 'fast'

Every parameter declares its meaning and the source of its default (``_p(..., doc=, src=)``
in :mod:`.sections`); :mod:`.parameters` lists them and writes docs/model.md's table.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from .errors import BOOL_WORDS, ScenarioError, _fmt, did_you_mean
from .plugins import PluginError, absolute_spec, load_plugin
from .reforms import in_force, value_at
from .reporters import check as check_reporters
from .sections import (
    C_LONG_MAX,
    CELLS_MAX,
    COMPLETE_MAX,
    EVEN_DEGREE,
    LIFTABLE,
    RESOLUTION,
    STEPS_MAX,
    WARMUP_MAX,
    Budget,
    Governance,
    Mechanisms,
    Network,
    Organizations,
    Outputs,
    Population,
    Reform,
    Shock,
    _p,
    _security_checks,
    _sub,
)
from .shifts import apply_shifts


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """One run's set-up: a frozen, validated tree of sections, one per YAML section
    (``governance``, ``budget``, ``population``, ``network``, ``organizations``,
    ``mechanisms``, ``shocks``, ``outputs``...) and a few top-level keys (``name``, ``seed``,
    ``steps``, ``warmup``). docs/model.md lists every key with its range, meaning and source.

    Build one with :func:`load_scenario` (a preset name or a YAML file, with ``extends:``
    and overrides) or :func:`scenario_from_dict` (plain data); both validate every key and
    report every problem at once as a :class:`ScenarioError`. ``Scenario()`` is the
    defaults, unvalidated. Change a copy with :meth:`replace` (dotted keys), read it back
    as plain data with :meth:`to_dict`.

        >>> from cogov.model.scenario import load_scenario
        >>> s = load_scenario("adaptive").replace(**{"budget.per_capita": 1.2}, steps=20)
        >>> s.name, s.budget.per_capita, s.steps, s.governance.adaptation
        ('adaptive', 1.2, 20, True)
    """

    name: str = _p(
        "scenario",
        doc="label used in outputs; a scenario file that sets none takes the file's name",
        src="design (label)")
    description: str = _p("", doc="free text", src="design (label)")
    # None: a fresh seed from the OS, recorded where used
    seed: int | None = _p(
        None, 0, C_LONG_MAX,
        doc="root seed; none draws a fresh seed from the OS per model, recorded in `model.seed` "
            "and in outputs (as plain Mesa does); every preset keeps 42 from base.yaml",
        src="design (random seed)")
    steps: int = _p(100, 0, STEPS_MAX, doc="steps to run", src="assumption")
    warmup: int = _p(
        50, 0, WARMUP_MAX,
        doc="steps the whole model runs before step 1, not recorded (section 5, item 7)",
        src="assumption: long enough for satisfaction, the dispute queue (patience 12) and the "
            "jail to settle (measured); 0 starts from the initial values")
    governance: Governance = _sub(Governance)
    budget: Budget = _sub(Budget)
    population: Population = _sub(Population)
    network: Network = _sub(Network)
    organizations: Organizations = _sub(Organizations)
    mechanisms: Mechanisms = _sub(Mechanisms)
    shocks: tuple[Shock, ...] = _p((), doc="list of shocks (7.8)", src="design (experiment)")
    reforms: tuple[Reform, ...] = _p(
        (), doc="list of reforms: keys that change during the run (docs/experiments.md, "
                "\"Reforms\")", src="design (experiment)")
    outputs: Outputs = _sub(Outputs)
    plugins: tuple[str, ...] = _p(
        (),
        doc="plug-in mechanisms: `path/to/file.py:ClassName` (relative to the scenario file), "
            "`package.module:ClassName` or the name of a `cogov.mechanisms` entry point; each "
            "one's parameters are `mechanisms.<its name>` (docs/plugins.md)",
        src="design (experiment)")
    # the plug-ins' validated sections, ``{name: {key: value}}``: plain data, so a scenario
    # pickles (to worker processes) without the plug-ins' classes; not a key of the file
    # (to_dict writes them under ``mechanisms.<name>``)
    plugin_settings: dict = field(default_factory=dict, hash=False, repr=False,
                                  metadata={"internal": True})

    def to_dict(self) -> dict:
        """Plain-data form (what YAML and run.json hold): a plug-in's section sits under
        ``mechanisms.<name>`` as a built-in one does, and a scenario without plug-ins has
        no ``plugins`` key (it serialises as it did before plug-ins existed)."""
        out = _to_plain(self)
        if not self.plugins:
            del out["plugins"]
        if not self.reforms:  # a scenario without reforms serialises as before they existed
            del out["reforms"]
        if not self.outputs.reporters:  # nor one without custom reporters
            del out["outputs"]["reporters"]
        out["mechanisms"].update(json.loads(json.dumps(self.plugin_settings)))
        return out

    def replace(self, **changes: Any) -> Scenario:
        """A copy with dotted-path changes, validated: ``s.replace(**{"budget.per_capita": 1})``."""
        raw = self.to_dict()
        return _validate(raw, _apply_overrides(raw, changes))


# ------------------------------------------------------------------ conversion
def _public(cls: type) -> list[dataclasses.Field]:
    """A section's fields that are keys of the file (not the scenario's own bookkeeping)."""
    return [f for f in dataclasses.fields(cls) if not f.metadata.get("internal")]


def _to_plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        return {f.name: _to_plain(getattr(obj, f.name)) for f in _public(obj)}
    if isinstance(obj, tuple):
        return [_to_plain(x) for x in obj]
    return obj


def _range_text(meta: dict, kind: str) -> str:
    lo, hi = meta.get("lo"), meta.get("hi")
    num = lambda x: f"{x:g}" if isinstance(x, float) else str(x)  # noqa: E731
    if lo is not None and hi is not None:
        left = "(" if meta.get("open_lo") else "["
        return f"{kind} in {left}{num(lo)}, {num(hi)}]"
    if lo is not None:
        return f"{kind} {'>' if meta.get('open_lo') else '>='} {num(lo)}"
    return kind


def _in_range(x: float, meta: dict) -> bool:
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is not None and (x < lo or (meta.get("open_lo") and x == lo)):
        return False
    return hi is None or x <= hi


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _convert(tp: Any, value: Any, path: str, meta: dict, errors: list[str]) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        words = [w for a in args if get_origin(a) is Literal for w in get_args(a)]
        if value in words:  # e.g. population.citizens: auto
            return value
        options = [a for a in args if a is not type(None) and get_origin(a) is not Literal]
        return _convert(options[0], value, path, {**meta, "words": words}, errors)
    if origin is Literal:
        choices = get_args(tp)
        if value in choices:
            return value
        hint = did_you_mean(str(value), [str(c) for c in choices])
        errors.append(
            f"{path}: expected one of {', '.join(map(repr, choices))}, got {_fmt(value)}{hint}"
        )
        return choices[0]
    if origin is tuple:
        item_tp = get_args(tp)[0]
        if value is None:
            return ()
        if not isinstance(value, list | tuple):
            errors.append(f"{path}: expected a list, got {_fmt(value)}")
            return ()
        return tuple(_convert(item_tp, v, f"{path}.{i}", {}, errors) for i, v in enumerate(value))
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, path, errors)
    if tp is dict:  # a reform's ``set``: checked key by key in _reform_checks
        if isinstance(value, dict):
            return dict(value)
        errors.append(f"{path}: expected a mapping of keys, got {_fmt(value)}")
        return {}
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in BOOL_WORDS:
            return BOOL_WORDS[value.lower()]
        errors.append(f"{path}: expected on/off (true/false), got {_fmt(value)}")
        return False
    if tp is str:
        if isinstance(value, str):
            return value
        errors.append(f"{path}: expected text, got {_fmt(value)}")
        return ""
    if tp in (int, float):
        kind = "an integer" if tp is int else "a number"
        x = _as_number(value)
        if isinstance(x, int) and abs(x) > C_LONG_MAX:  # a literal of hundreds of digits
            errors.append(f"{path}: expected {_range_text(meta, kind)}, got an integer of "
                          f"about {int(x.bit_length() * 0.30103) + 1} digits (at most {C_LONG_MAX}, a C long)")
            return meta.get("lo") or 0
        ok = x is not None and math.isfinite(x) and (tp is float or float(x).is_integer())
        if not ok or not _in_range(x, meta):
            also = "".join(f" or {w!r}" for w in meta.get("words", ()))
            errors.append(f"{path}: expected {_range_text(meta, kind)}{also}, got {_fmt(value)}")
            return meta.get("lo") or 0
        if tp is float and 0 < abs(x) < RESOLUTION:
            errors.append(f"{path}: expected {_range_text(meta, kind)}, and 0 or at least "
                          f"{RESOLUTION:g} (the model's resolution), got {_fmt(value)}")
            return meta.get("lo") or 0
        return int(x) if tp is int else float(x)
    raise TypeError(f"unsupported scenario type {tp!r} at {path}")  # programming error


def _build(cls: type, raw: Any, path: str, errors: list[str]) -> Any:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        errors.append(f"{path or 'scenario'}: expected a mapping of keys, got {_fmt(raw)}")
        return cls()
    hints = get_type_hints(cls)
    known = {f.name: f for f in _public(cls)}
    for key in raw:
        if key not in known:
            where = f"{path}.{key}" if path else str(key)
            hint = did_you_mean(str(key), list(known)) or f" (known: {', '.join(known)})"
            errors.append(f"{where}: unknown key{hint}")
    kwargs = {}
    for name, f in known.items():
        if name in raw:
            where = f"{path}.{name}" if path else name
            kwargs[name] = _convert(hints[name], raw[name], where, dict(f.metadata), errors)
    return cls(**kwargs)


def _error_paths(errors: list[str]) -> set[str]:
    """The key paths named by error messages ("population.citizens: ..." -> that path)."""
    return {e.split(":", 1)[0] for e in errors}


def _cross_checks(s: Scenario, bad: set[str] = frozenset()) -> list[str]:
    """Rules that involve more than one key.

    They run in the same pass as the single-key checks; a rule is skipped when one of
    its keys (or a section above it) already has an error, because that key then holds
    a stand-in value and the rule would report a problem that is not there.
    """

    def ok(*keys: str) -> bool:
        return not any(k == b or k.startswith(b + ".") for k in keys for b in bad)

    errors = []
    n, net = s.population.citizens, s.network
    pop = "population.citizens"
    if net.kind == "lattice" and ok("network.kind", pop):
        if math.isqrt(n) ** 2 != n:
            errors.append(f"network.kind: 'lattice' needs population.citizens to be a square "
                          f"number, got {n}")
        if n < 9:
            errors.append("network.kind: 'lattice' needs at least 9 citizens")
    if net.kind == "file" and ok("network.kind", "network.path"):
        if not net.path:
            errors.append("network.path: required when network.kind is 'file'")
        elif not Path(net.path).is_file():
            errors.append(f"network.path: no such file {net.path!r}")
    if net.kind == "complete" and n > COMPLETE_MAX and ok("network.kind", pop):
        errors.append(f"network.kind: 'complete' is limited to {COMPLETE_MAX} citizens, got {n}")
    degree_kinds = ("regular", "small_world", "scale_free", "erdos_renyi")
    if net.kind in degree_kinds and ok("network.kind", "network.degree", pop):
        if net.degree >= n:
            errors.append(f"network.degree: must be below population.citizens ({n}), "
                          f"got {net.degree}")
        if net.kind == "regular" and (n * net.degree) % 2:
            errors.append("network.degree: citizens x degree must be even for a 'regular' network")
    if net.kind in EVEN_DEGREE and ok("network.kind", "network.degree") and (
            net.degree < 2 or net.degree % 2):
        errors.append(f"network.degree: {net.kind!r} needs an even degree of at least 2 "
                      f"({EVEN_DEGREE[net.kind]}), got {net.degree}")
    hs = s.mechanisms.hub_strategy
    keys = [f"mechanisms.hub_strategy.{k}" for k in ("gather", "borrow", "avoid")]
    if hs.gather + hs.borrow + hs.avoid <= 0 and ok(*keys):
        errors.append("mechanisms.hub_strategy: gather, borrow and avoid cannot all be 0")
    em, keys = s.mechanisms.emergency, ("mechanisms.emergency.street_share",
                                        "mechanisms.emergency.district_share")
    if em.street_share + em.district_share > 1 and ok(*keys):
        errors.append("mechanisms.emergency.street_share: street_share + district_share must "
                      f"not exceed 1 (the city holds the rest), got "
                      f"{em.street_share + em.district_share:g}")
    if em.tolerance > em.threshold and ok("mechanisms.emergency.tolerance",
                                          "mechanisms.emergency.threshold"):
        errors.append(f"mechanisms.emergency.tolerance: must not exceed threshold "
                      f"({em.threshold:g}), got {em.tolerance:g}")
    cr = s.mechanisms.credit
    if cr.enabled and cr.rewards.enabled and cr.budget <= 0 and ok(
            "mechanisms.credit.budget", "mechanisms.credit.rewards.enabled"):
        errors.append("mechanisms.credit.budget: rewards (mechanisms.credit.rewards) are paid "
                      "from the credit budget, so it must be above 0, got 0")
    errors += _security_checks(s.mechanisms.public_security, ok)
    errors += _grid_checks(s, ok)
    if s.population.districts > n and ok("population.districts", pop):
        errors.append(f"population.districts: must not exceed population.citizens ({n}), "
                      f"got {s.population.districts}")
    cells = s.population.districts * s.population.need.fields
    if cells > CELLS_MAX and ok("population.districts", "population.need.fields"):
        errors.append(f"population.need.fields: districts x fields ({s.population.districts} x "
                      f"{s.population.need.fields} = {cells:,} planning cells) must not exceed "
                      f"{CELLS_MAX:,} (a step's time grows with the square of the cells)")
    return errors + _shock_checks(s, ok)


def _grid_checks(s: Scenario, ok) -> list[str]:
    """Epstein's grid (7.12) must hold everybody, and a diamond must not wrap onto itself."""
    u, g = s.mechanisms.unrest, s.mechanisms.unrest.grid
    keys = [f"mechanisms.unrest.grid.{k}" for k in ("width", "height", "officers", "vision")]
    if u.space != "grid" or not ok("mechanisms.unrest.space", "population.citizens", *keys):
        return []
    errors, cells = [], g.width * g.height
    officers = round(g.officers * cells)
    if s.population.citizens + officers > cells:
        errors.append(f"mechanisms.unrest.grid.width: {g.width} x {g.height} cells cannot hold "
                      f"population.citizens ({s.population.citizens}) and "
                      f"{officers} officers (one per cell)")
    if 2 * g.vision + 1 > min(g.width, g.height):
        errors.append(f"mechanisms.unrest.grid.vision: 2 x vision + 1 must not exceed the "
                      f"grid's width and height ({min(g.width, g.height)}), got {g.vision}")
    return errors


def _shock_checks(s: Scenario, ok) -> list[str]:
    errors = []
    for i, shock in enumerate(s.shocks):
        where = f"shocks.{i}.where"
        if (shock.where is not None and shock.where >= s.population.districts
                and ok(where, "population.districts")):
            errors.append(f"{where}: district {shock.where} does not exist "
                          f"(districts are 0..{s.population.districts - 1})")
        if shock.kind in ("budget_cut", "incident") and shock.size > 1 and ok(
                f"shocks.{i}.kind", f"shocks.{i}.size"):
            errors.append(f"shocks.{i}.size: a {shock.kind} is a fraction in [0, 1], "
                          f"got {shock.size}")
        if shock.until is not None and ok(f"shocks.{i}.kind", f"shocks.{i}.until"):
            if shock.kind not in LIFTABLE:
                errors.append(f"shocks.{i}.until: only {' and '.join(LIFTABLE)} can be lifted, "
                              f"not {shock.kind}")
            elif shock.until <= shock.step and ok(f"shocks.{i}.step"):
                errors.append(f"shocks.{i}.until: must be after shocks.{i}.step ({shock.step}), "
                              f"got {shock.until}")
    return errors


def _resolve_auto(s: Scenario, errors: list[str]) -> tuple[Scenario, bool]:
    """``population.citizens: auto`` -> the node count of the network file.

    Returns the scenario and whether its count is real: with no file to count, an error
    is appended and a stand-in of 2 citizens returned (the caller then skips the rules
    that involve the count).
    """
    if s.population.citizens != "auto":
        return s, True
    net, count = s.network, None
    if net.kind != "file":
        errors.append("population.citizens: 'auto' takes the count from a network file; it "
                      f"needs network.kind: file, got {net.kind!r}")
    elif net.path and Path(net.path).is_file():
        from .network_file import read_file

        try:
            count = read_file(net.path, net.format).n
        except ScenarioError as exc:
            errors.extend(exc.errors)
        if count is not None and count < 2:
            errors.append(f"population.citizens: 'auto' found {count} nodes in network.path; "
                          "a population needs at least 2")
            count = None
    population = dataclasses.replace(s.population, citizens=2 if count is None else count)
    return dataclasses.replace(s, population=population), count is not None


# keys a reform may set: the rest (population, network, organisations' traits, seed, steps,
# warm-up, outputs, shocks, plug-ins, labels) define the city or the experiment and are fixed
# for a run
REFORMABLE = ("governance.", "budget.per_capita", "mechanisms.", "organizations.hubs",
              "organizations.ngos")
# organisations' counts: a reform brings organisations in (model/sim/model.py, ``_bring_in``),
# it never closes them, so a count may not fall
ORGANISATION_COUNTS = ("organizations.hubs", "organizations.ngos")
# mechanisms' keys that shape arrays or draws made when the mechanism starts (the firms,
# the crime ring, the followers, the citizens' traits): fixed for a run
FIXED_IN_RUN = frozenset({
    "mechanisms.collective_bargaining.firm_size",
    "mechanisms.collective_bargaining.compliance",
    "mechanisms.collective_bargaining.compliance_spread",
    "mechanisms.public_security.window",
    "mechanisms.opinion.amplifiers",
    "mechanisms.opinion.followers",
    "mechanisms.opinion.initial",
    "mechanisms.incentives.initial_cooperation",
    "mechanisms.incentives.warmup",
    "mechanisms.law.connected",
    "mechanisms.law.temptation",
    "mechanisms.unrest.hardship",
    "mechanisms.unrest.space",
    "mechanisms.unrest.grid.width",
    "mechanisms.unrest.grid.height",
    "mechanisms.unrest.grid.vision",
    "mechanisms.unrest.grid.officers",
})


def _flat(mapping: dict, prefix: str = "") -> dict:
    """``{"a": {"b": 1}, "c.d": 2}`` -> ``{"a.b": 1, "c.d": 2}`` (a reform's ``set`` may nest)."""
    out: dict = {}
    for key, value in mapping.items():
        if isinstance(value, dict) and value:
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _reform_checks(s: Scenario, errors: list[str]) -> Scenario:
    """Every key a reform sets is one that may change mid-run, with a valid value (converted
    as the file's value would be); returns the scenario with each ``set`` flat and typed."""
    if not s.reforms:
        return s
    meta = {path: dict(f.metadata) for path, f in leaf_fields(Scenario)}
    reforms = []
    for i, reform in enumerate(s.reforms):
        typed = {}
        for key, value in _flat(reform.set).items():
            where = f"reforms.{i}.set.{key}"
            if not key.startswith(REFORMABLE) or key in FIXED_IN_RUN:
                errors.append(f"{where}: cannot change during a run (a reform may set governance "
                              "switches, budget.per_capita, mechanisms' parameters and the "
                              "counts organizations.hubs and organizations.ngos)")
                continue
            try:
                tp = leaf_type(key, scenario=s)
            except ScenarioError as exc:
                errors.extend(f"reforms.{i}.set.{e}" for e in exc.errors)
                continue
            if dataclasses.is_dataclass(tp):
                errors.append(f"{where}: is a section; name its keys ({key}.<key>)")
                continue
            typed[key] = _convert(tp, value, where, meta.get(key, {}), errors)
        if not typed and not any(e.startswith(f"reforms.{i}.") for e in errors):
            errors.append(f"reforms.{i}.set: a reform sets at least one key")
        reforms.append(dataclasses.replace(reform, set=typed))
    out = dataclasses.replace(s, reforms=tuple(reforms))
    for i, reform in enumerate(out.reforms):
        for key in ORGANISATION_COUNTS:
            new = reform.set.get(key)
            if not isinstance(new, int) or isinstance(new, bool):
                continue
            before = value_at(out, key, reform.step - 1)
            if isinstance(before, int) and new < before:
                errors.append(f"reforms.{i}.set.{key}: {new} is fewer than the {before} in force "
                              f"before step {reform.step}; a reform brings organisations in, it "
                              "does not close them")
    return out


def scenario_from_dict(raw: dict) -> Scenario:
    """Validate plain data into a :class:`Scenario`; raise :class:`ScenarioError` listing all problems."""
    return _validate(raw, [])


def _validate(raw: dict, errors: list[str], read_network: bool = False) -> Scenario:
    """Single-key and cross-key checks in one pass; ``errors`` may already hold some
    (from overrides), and all are raised together. ``read_network``: also check a
    network file's contents against the scenario (node count, districts)."""
    raw = {k: v for k, v in (raw or {}).items() if k != "extends"}
    raw, specs, settings = _plugin_sections(raw, errors)
    scenario = _build(Scenario, raw, "", errors)
    if specs:
        scenario = dataclasses.replace(scenario, plugins=specs, plugin_settings=settings)
    scenario, counted = _resolve_auto(scenario, errors)
    scenario = _reporter_checks(scenario, errors)
    scenario = _reform_checks(scenario, errors)
    scenario = apply_shifts(scenario)  # the four shifts' instruments (docs/model.md 7.24)
    bad = _error_paths(errors) | (set() if counted else {"population.citizens"})
    errors.extend(e for e in _cross_checks(scenario, bad) if e not in errors)
    bad |= _error_paths(errors)
    net_keys = ("network", "network.kind", "network.path", "network.format", "network.weights",
                "population", "population.citizens", "population.districts")
    if read_network and scenario.network.kind == "file" and not bad & set(net_keys):
        from .network_file import file_errors

        errors.extend(e for e in file_errors(scenario) if e not in errors)
    if errors:
        raise ScenarioError(errors)
    if scenario.reforms:
        _check_in_force(scenario)
    return scenario


def _reporter_checks(s: Scenario, errors: list[str]) -> Scenario:
    """``outputs.reporters`` checked by :func:`.reporters.check` (function files made
    absolute); which names exist is checked by the model (sim/custom_reporters.py)."""
    if not s.outputs.reporters:
        return s
    checked = check_reporters(s.outputs.reporters, errors)
    return dataclasses.replace(s, outputs=dataclasses.replace(s.outputs, reporters=checked))


def _check_in_force(scenario: Scenario) -> None:
    """The scenario in force once each reform is complete is itself valid (a reform cannot
    break a rule that involves several keys, as rewards without a credit budget)."""
    errors = []
    plain = {k: v for k, v in scenario.to_dict().items() if k != "reforms"}
    for i, reform in enumerate(scenario.reforms):
        at = reform.step + reform.over - 1
        raw = json.loads(json.dumps(plain))
        _apply_overrides(raw, in_force(scenario, at))
        try:
            _validate(raw, [])
        except ScenarioError as exc:
            errors.extend(f"reforms.{i}.set: at step {at}, {e}" for e in exc.errors)
    if errors:
        raise ScenarioError(errors)


# ------------------------------------------------------------------- plug-ins
def _plugin_sections(raw: dict, errors: list[str]) -> tuple[dict, tuple[str, ...], dict]:
    """Load the plug-ins ``raw`` lists and validate their sections of ``mechanisms``, as a
    built-in section is validated (same conversion, key paths, did-you-mean).

    Returns ``raw`` without ``plugins`` and without the plug-ins' sections, the specs (file
    paths made absolute) and the validated sections as plain data. Problems are appended
    to ``errors``, each naming ``plugins.N`` or the key path.
    """
    if "plugins" not in raw:
        return raw, (), {}
    raw = dict(raw)
    specs = _convert(tuple[str, ...], raw.pop("plugins"), "plugins", {}, errors)
    specs = tuple(absolute_spec(s) for s in specs)
    builtin = [f.name for f in dataclasses.fields(Mechanisms)]
    found: dict[str, tuple[int, type]] = {}
    failed = False
    bad = _error_paths(errors)
    for i, spec in enumerate(specs):
        if f"plugins.{i}" in bad or "plugins" in bad:
            failed = True
            continue
        try:
            cls = load_plugin(spec)
            _check_params(cls)
        except PluginError as exc:
            errors.append(f"plugins.{i}: {exc}")
            failed = True
            continue
        if cls.name in builtin:
            errors.append(f"plugins.{i}: {cls.__name__}.name {cls.name!r} is a built-in "
                          f"mechanism's (mechanisms.{cls.name}); give the plug-in another name")
        elif cls.name in found:
            errors.append(f"plugins.{i}: {cls.__name__}.name {cls.name!r} is taken by "
                          f"plugins.{found[cls.name][0]}")
        else:
            found[cls.name] = (i, cls)
    sections: dict[str, Any] = {}
    mech = raw.get("mechanisms")
    if isinstance(mech, dict):
        mech = dict(mech)
        for key in list(mech):
            if key in found:
                sections[key] = mech.pop(key)
            elif key not in builtin:
                # a plug-in that failed to load may own it: its error says what is wrong
                options = [*builtin, *found]
                if not failed:
                    hint = did_you_mean(str(key), options) or f" (known: {', '.join(options)})"
                    errors.append(f"mechanisms.{key}: unknown key{hint}")
                del mech[key]
        raw["mechanisms"] = mech
    settings = {name: _to_plain(_build(cls.Params, sections.get(name), f"mechanisms.{name}",
                                       errors)) for name, (_, cls) in found.items()}
    return raw, specs, settings


_CHECKED: set[type] = set()


def _check_params(cls: type) -> None:
    """Every field of a plug-in's Params is of a type the scenario can hold, and its default
    is a valid value (converted as a file's value would be)."""
    if cls in _CHECKED:
        return
    problems: list[str] = []
    try:
        _build(cls.Params, _to_plain(cls.Params()), "", problems)
    except TypeError as exc:  # _convert: a type no scenario key has
        raise PluginError(f"{cls.__name__}.Params: {exc}") from None
    except Exception as exc:
        raise PluginError(f"{cls.__name__}.Params: {type(exc).__name__}: {exc}") from None
    if problems:
        raise PluginError(f"{cls.__name__}.Params: the default of {problems[0]}")
    _CHECKED.add(cls)


def plugin_classes(scenario: Scenario) -> tuple[type, ...]:
    """The scenario's plug-in classes, in the order ``plugins`` lists them."""
    return tuple(load_plugin(spec) for spec in scenario.plugins)


def plugin_params(cls: type, scenario: Scenario) -> Any:
    """A plug-in's ``Params`` as the scenario sets them (its defaults if it sets none)."""
    return _params(cls, json.dumps(scenario.plugin_settings.get(cls.name), sort_keys=True))


@lru_cache(maxsize=256)
def _params(cls: type, settings: str) -> Any:
    errors: list[str] = []
    params = _build(cls.Params, json.loads(settings), f"mechanisms.{cls.name}", errors)
    if errors:  # settings a validated scenario holds are valid: a scenario built by hand
        raise ScenarioError(errors)
    return params


def _no_item(listed: str, index: int, items: list) -> str:
    have = {0: "there are none", 1: f"there is one, {listed}.0"}.get(
        len(items), f"there are {len(items)}, {listed}.0 to {listed}.{len(items) - 1}")
    return (f"{listed}.{index}: no such item ({have}); to add one, set the whole list, "
            f"e.g. --set '{listed}=[{{...}}]'")


def _set_path(raw: dict, dotted: str, value: Any) -> None:
    """Set ``raw[a][b][0][c] = value`` for ``"a.b.0.c"``, creating missing sections.

    A list item that does not exist is an error, never created or silently dropped
    (``shocks.0.size`` on a scenario without shocks used to do nothing).
    """
    keys = dotted.split(".")
    node: Any = raw
    for i, key in enumerate(keys):
        here, last = ".".join(keys[: i + 1]), i == len(keys) - 1
        if isinstance(node, list):
            if not key.isdigit():
                raise ScenarioError([f"{here}: expected a list index (0, 1, ...), got {key!r}"])
            if int(key) >= len(node):
                raise ScenarioError([_no_item(".".join(keys[:i]), int(key), node)])
            key = int(key)
        elif not isinstance(node, dict):
            raise ScenarioError([f"{here}: {'.'.join(keys[:i])} is a value, not a section"])
        if last:
            node[key] = value
            return
        nxt = node[key] if isinstance(node, list) else node.get(key)
        if nxt is None and isinstance(node, dict):
            if keys[i + 1].isdigit():  # a list that is not there has no item to change
                raise ScenarioError([_no_item(here, int(keys[i + 1]), [])])
            nxt = node[key] = {}
        node = nxt


def _apply_overrides(raw: dict, overrides: dict[str, Any]) -> list[str]:
    """Apply every ``--set``; return the problems (all of them, not just the first)."""
    errors = []
    for key, value in overrides.items():
        try:
            _set_path(raw, key, value)
        except ScenarioError as exc:
            errors.extend(exc.errors)
    return errors


def leaf_fields(cls: type = Scenario, prefix: str = "",
                items: bool = False) -> list[tuple[str, dataclasses.Field]]:
    """Every leaf key path with its field (whose metadata holds range, doc and src).

    ``items``: a list of sections (``shocks``) is followed by the keys of its items,
    written ``shocks.N.size`` as docs/model.md writes them.
    """
    out = []
    hints = get_type_hints(cls)
    for f in _public(cls):
        path = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(hints[f.name]):
            out.extend(leaf_fields(hints[f.name], path + ".", items))
            continue
        out.append((path, f))
        item = get_args(hints[f.name])[0] if get_origin(hints[f.name]) is tuple else None
        if items and dataclasses.is_dataclass(item):
            out.extend(leaf_fields(item, path + ".N.", items))
    return out


def scenario_fields(cls: type = Scenario, prefix: str = "") -> list[tuple[str, Any]]:
    """Every leaf key path with its default, for docs and tests."""
    return [(path, field_default(f)) for path, f in leaf_fields(cls, prefix)]


def field_default(f: dataclasses.Field) -> Any:
    """A field's default value (made by its factory if it has one)."""
    return f.default_factory() if f.default is dataclasses.MISSING else f.default


def _full_key_hint(dotted: str) -> str:
    """A "; did you mean 'mechanisms.resources.social_capacity'?" suffix for a key given
    without its sections (``social_capacity``, ``resources.social_capacity``), or ""."""
    found = [k for k, _ in scenario_fields() if k.endswith(f".{dotted}")]
    if not found or len(found) > 4:
        return ""
    if len(found) == 1:
        return f"; did you mean {found[0]!r}?"
    return f"; did you mean one of {', '.join(map(repr, found))}?"


def leaf_type(dotted: str, cls: type = Scenario, scenario: Scenario | None = None) -> Any:
    """The Python type of a scenario key (``int``, ``float``, ``bool``...); unknown keys raise.

    ``scenario``: also know the keys of its plug-ins (``mechanisms.<plug-in name>.<key>``).

    >>> leaf_type("population.citizens"), leaf_type("shocks.0.size")
    (<class 'int'>, <class 'float'>)
    """
    tp: Any = cls
    done: list[str] = []
    for key in dotted.split("."):
        if get_origin(tp) is tuple:
            if not key.isdigit():
                raise ScenarioError([f"{'.'.join([*done, key])}: expected a list index"])
            tp = get_args(tp)[0]
        elif dataclasses.is_dataclass(tp):
            hints = {f.name: get_type_hints(tp)[f.name] for f in _public(tp)}
            if tp is Mechanisms and scenario is not None:
                hints.update({c.name: c.Params for c in plugin_classes(scenario)})
            if key not in hints:
                hint = (_full_key_hint(dotted) if cls is Scenario else "") or \
                    did_you_mean(key, list(hints)) or f" (known: {', '.join(hints)})"
                raise ScenarioError([f"{'.'.join([*done, key])}: unknown key{hint}"])
            tp = hints[key]
        elif tp is dict and done and done[-1] == "set":  # reforms.N.set.<a scenario key>
            rest = dotted.split(".")[len(done):]
            return leaf_type(".".join(rest), cls, scenario)
        else:
            raise ScenarioError([f"{'.'.join(done)}: is a value, not a section"])
        done.append(key)
    if get_origin(tp) in (Union, types.UnionType):
        tp = next(a for a in get_args(tp) if a is not type(None))
    return tp

"""Scenario files: YAML with `extends:`, the shipped presets, `--set` overrides, and
the warnings a valid scenario may still deserve."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import ScenarioError, _fmt, did_you_mean, warn
from .plugins import absolute_spec
from .reporters import absolute
from .schema import Scenario, _apply_overrides, _validate
from .shifts import overridden


# ----------------------------------------------------------------- YAML files
def _deep_merge(base: dict, child: dict) -> dict:
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def presets_dir() -> Path:
    """The folder of named presets: ``scenarios/`` in a checkout, shipped inside the wheel."""
    import cogov

    for entry in cogov.__path__:
        folder = Path(entry) / "scenarios"
        if (folder / "base.yaml").is_file():
            return folder
    raise FileNotFoundError("cogov's presets (scenarios/) are missing from this installation")


def presets() -> list[str]:
    """Names of the shipped presets, e.g. ``adaptive`` or ``calibrated/pudong``."""
    folder = presets_dir()
    return sorted(p.relative_to(folder).with_suffix("").as_posix()
                  for p in folder.rglob("*.yaml") if "targets" not in p.relative_to(folder).parts)


def preset(name: str) -> Path:
    """Path of the preset called ``name`` (``adaptive``, ``calibrated/pudong``)."""
    path = presets_dir() / f"{name}.yaml"
    if not path.is_file():
        raise ScenarioError([f"{name}: no such scenario file or preset"
                             f"{did_you_mean(name, presets()) or ''}"])
    return path


def resolve_scenario_path(path: str | Path) -> Path:
    """A scenario argument as a file: an existing path, else a preset name.

    A path that exists (relative to the current directory) wins; a bare name
    such as ``adaptive`` or ``adaptive.yaml`` names a shipped preset.
    """
    path = Path(path)
    if path.is_file():
        return path.resolve()
    name = path.as_posix().removesuffix(".yaml").removesuffix(".yml")
    if not path.is_absolute() and (path.parent == Path(".") or name.startswith("calibrated/")):
        return preset(name)
    return path.resolve()


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader, but a key given twice in one mapping is recorded (PyYAML keeps
    the last one silently, so a second ``mechanisms:`` block would drop the first)."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[str] = []

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            first: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # `<<:` merges may be overridden
                    continue
                key, line = self.construct_object(key_node, deep=True), key_node.start_mark.line
                try:
                    if key in first:
                        self.duplicates.append(f"line {line + 1}: duplicate key {key!r} (first "
                                               f"on line {first[key] + 1})")
                    first.setdefault(key, line)
                except TypeError:  # an unhashable key: SafeLoader reports it below
                    continue
        return super().construct_mapping(node, deep)


def yaml_error(where: str, exc: yaml.YAMLError) -> str:
    """A YAML syntax error as PyYAML words it, with its lines and the caret under the place
    (not flattened onto one line), naming ``where`` instead of "<unicode string>"."""
    text = str(exc).replace('"<unicode string>"', str(where)).replace('"<file>"', str(where))
    return f"{where}: not valid YAML:\n" + "\n".join(f"  {line}" for line in text.splitlines())


def load_yaml(text: str, where: str) -> Any:
    """Parse YAML text like ``yaml.safe_load``; duplicate keys and syntax errors raise a
    :class:`ScenarioError` naming ``where`` (a file or a --set)."""
    loader = _StrictLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise ScenarioError([yaml_error(where, exc)]) from None
    except ValueError as exc:  # an integer literal of more than 4,300 digits (Python's limit)
        raise ScenarioError([f"{where}: {exc}".split(";")[0]]) from None
    finally:
        loader.dispose()
    if loader.duplicates:
        raise ScenarioError([f"{where}: {d}" for d in loader.duplicates])
    return data


def read_text_file(path: Path, what: str) -> str:
    """A UTF-8 text file's content; unreadable or binary files raise a ScenarioError."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read {what} ({exc.strerror})"]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError([f"{path}: not a text file (not UTF-8: byte "
                             f"{exc.object[exc.start]:#04x} at offset {exc.start}); a {what} "
                             "is YAML text"]) from None


def read_scenario_file(path: str | Path, _seen: tuple[Path, ...] = ()) -> dict:
    """Read a scenario YAML into plain data, resolving ``extends:`` (a file relative to this
    one, else a preset name: :func:`extended_path`)."""
    path = resolve_scenario_path(path) if not _seen else Path(path).resolve()
    if path in _seen:
        chain = " -> ".join(p.name for p in (*_seen, path))
        raise ScenarioError([f"extends: circular chain {chain}"])
    raw = load_yaml(read_text_file(path, "scenario file"), str(path))
    if raw is None:
        raise ScenarioError([f"{path}: the scenario file is empty (write at least "
                             "`extends: base` or another preset, or `{}` for every default)"])
    if not isinstance(raw, dict):
        raise ScenarioError([f"{path}: a scenario file must be a mapping of keys"])
    raw.setdefault("name", path.stem)
    _absolute_paths(raw, path.parent)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise ScenarioError([f"extends: expected a file name or a preset name, got {_fmt(parent)}"])
    base = read_scenario_file(extended_path(parent, path), (*_seen, path))
    return _deep_merge(base, raw)


def _absolute_paths(raw: dict, folder: Path) -> None:
    """The files a scenario file names, made absolute: relative to its folder."""
    net = raw.get("network")
    if isinstance(net, dict) and isinstance(net.get("path"), str):
        net["path"] = str((folder / net["path"]).resolve())
    if isinstance(raw.get("plugins"), list):
        raw["plugins"] = [absolute_spec(spec, folder) for spec in raw["plugins"]]
    outputs = raw.get("outputs")
    if isinstance(outputs, dict) and isinstance(outputs.get("reporters"), dict):
        outputs["reporters"] = {k: absolute(v, folder) if isinstance(v, str) else v
                                for k, v in outputs["reporters"].items()}


def extended_path(parent: str, child: Path) -> Path:
    """The file ``extends: parent`` in the file ``child`` names: a path relative to the child's
    folder where that file exists, else a shipped preset (``base``, ``adaptive.yaml``,
    ``calibrated/pudong``), so a scenario file in any folder can extend a preset."""
    local = child.parent / parent
    if local.is_file():
        return local.resolve()
    name = Path(parent).as_posix().removesuffix(".yaml").removesuffix(".yml")
    if not Path(parent).is_absolute() and name in presets():
        return preset(name)
    raise ScenarioError([f"{child}: extends: {parent}: no such file in {child.parent} and no "
                         f"preset of that name{did_you_mean(name, presets()) or ''} (presets: "
                         f"{', '.join(presets())}; a file without `extends:` starts from every "
                         "default)"])


def extends_chain(path: str | Path) -> list[Path]:
    """The scenario file ``path`` and every file its ``extends:`` chain reads, child first:
    what a run of it read (for provenance). Stops quietly at a cycle, a parent that does not
    resolve or a file that does not parse: :func:`read_scenario_file` reports those.

        >>> [p.name for p in extends_chain("adaptive")]
        ['adaptive.yaml', 'base.yaml']
    """
    chain: list[Path] = []
    path = resolve_scenario_path(path)
    while path not in chain and path.is_file():
        chain.append(path)
        try:
            raw = load_yaml(read_text_file(path, "scenario file"), str(path))
            parent = raw.get("extends") if isinstance(raw, dict) else None
            if not isinstance(parent, str):
                break
            path = extended_path(parent, path)
        except ScenarioError:
            break
    return chain


def parse_overrides(pairs: list[str] | None) -> dict[str, Any]:
    """Parse ``key.path=value`` strings; values are read as YAML (``off`` -> False, ``4.5`` -> 4.5)."""
    out: dict[str, Any] = {}
    errors = []
    for pair in pairs or []:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            errors.append(f"--set {pair!r}: expected key.path=value")
            continue
        try:
            out[key.strip()] = load_yaml(text, f"--set {key.strip()}") if text.strip() else ""
        except ScenarioError as exc:
            if "duplicate key" in exc.errors[0]:
                errors.extend(exc.errors)
            out[key.strip()] = text  # not YAML: the text itself (a name, a path)
    if errors:
        raise ScenarioError(errors)
    return out


def load_scenario(
    path: str | Path | Scenario, overrides: dict[str, Any] | list[str] | None = None, **top: Any
) -> Scenario:
    """Load, merge, override and validate a scenario file.

    Every problem is reported at once: unknown keys, wrong values, overrides of list
    items that do not exist, rules across keys and, for ``network.kind: file``, the
    file itself (readable, node count, ``district`` attributes). Warnings (a shock that
    can never act, what a network file loses) are issued as :class:`CogovWarning`.

    Args:
        path: YAML file or preset name (``"adaptive"``); ``extends:`` and
            ``network.path`` inside a file resolve relative to that file (``extends:``
            names a preset where no such file exists), an
            override of ``network.path`` relative to the current directory. A
            :class:`Scenario` is taken as it is (overrides and ``top`` then apply to it).
        overrides: ``{"mechanisms.incentives.r": 4.5}`` or ``["mechanisms.incentives.r=4.5"]``.
        **top: top-level values that win over everything (e.g. ``steps=50``, ``seed=3``);
            ``None`` values are ignored.

    Example:
        >>> s = load_scenario("scenarios/adaptive.yaml", ["budget.per_capita=1.2"], steps=10)
        >>> (s.governance.adaptation, s.budget.per_capita, s.steps)
        (True, 1.2, 10)
    """
    if isinstance(overrides, list):
        overrides = parse_overrides(overrides)
    if isinstance(path, Scenario):
        return path.replace(**(overrides or {}), **{k: v for k, v in top.items() if v is not None})
    raw = read_scenario_file(path)
    errors = _apply_overrides(raw, overrides or {})
    for key, value in top.items():
        if value is not None:
            raw[key] = value
    scenario = _validate(raw, errors, read_network=True)
    warn([f"{scenario.name}: {w}" for w in scenario_warnings(scenario)])
    warn([f"{scenario.name}: {w}" for w in overridden(overrides or {}, scenario.governance)])
    return scenario


ScenarioLike = Scenario | str | Path
"""What every public function taking a scenario accepts: a :class:`Scenario`, a preset
name (``"adaptive"``) or the path of a scenario file."""


def as_scenario(scenario: ScenarioLike) -> Scenario:
    """A scenario argument as a :class:`Scenario`: a Scenario is returned as it is, a preset
    name or a file path is loaded with :func:`load_scenario`.

        >>> as_scenario("top_down").name
        'top_down'
        >>> s = as_scenario("adaptive"); as_scenario(s) is s
        True
    """
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str | Path):
        return load_scenario(scenario)
    raise ScenarioError([f"expected a Scenario, a preset name or a scenario file, got "
                         f"{type(scenario).__name__} {_fmt(scenario)}"])


def as_scenarios(scenarios) -> list[Scenario]:
    """:func:`as_scenario` of each (a single name, path or Scenario counts as a list of one)."""
    if isinstance(scenarios, Scenario | str | Path):
        scenarios = [scenarios]
    return [as_scenario(s) for s in scenarios]


def scenario_warnings(s: Scenario) -> list[str]:
    """Valid input that cannot do what it says: shocks that never act, what a network
    file loses (weights, direction, node attributes...) and the mechanisms that do not use
    kept weights. ``load_scenario`` issues them as warnings."""
    out = []
    for i, shock in enumerate(s.shocks):
        if shock.step > s.steps:
            out.append(f"shocks.{i}.step: {shock.step} is after the last step ({s.steps}), so "
                       f"this {shock.kind} never acts")
        elif shock.kind == "incident" and not s.mechanisms.opinion.enabled:
            out.append(f"shocks.{i}.kind: an incident acts through public opinion, but "
                       "mechanisms.opinion.enabled is off, so it has no effect")
        elif shock.size == 0 and shock.kind != "relocation":
            out.append(f"shocks.{i}.size: 0, so this {shock.kind} has no effect")
    op = s.mechanisms.opinion
    if op.responsiveness > 0 and not op.enabled:
        out.append("mechanisms.opinion.responsiveness: the government responds to online "
                   "opinion, but mechanisms.opinion.enabled is off, so it has no effect")
    out.extend(setup_warnings(s))
    from .network_file import read_file, weight_warnings

    if s.network.kind == "file":
        out.extend(read_file(s.network.path, s.network.format).report(s.network.weights))
    out.extend(weight_warnings(s))
    seconds = run_time_estimate(s)
    if seconds > LONG_RUN:
        out.append(f"steps: {s.population.citizens:,} citizens x {s.warmup + s.steps:,} steps "
                   f"(warm-up included) take about {seconds / 60:,.0f} minutes a run on one "
                   "core (3.5 ms a step per 2,500 citizens, and the incentives' warm-up "
                   "rounds); Ctrl-C stops it")
    return out


# fewer citizens than this per NGO, per hub or per district is warned of (setup_warnings)
CITIZENS_PER = {"ngos": 2, "hubs": 10, "districts": 10}


def setup_warnings(s: Scenario) -> list[str]:
    """Sizes that are valid but implausible together (docs/model.md, section 6): more than
    one NGO per 2 citizens (the presets have 30 for 2,500; calibrated Beijing 976), more
    than one hub per 10 citizens (the presets: 3), fewer than 10 citizens a district, and
    districts that a network file's ``district`` attribute leaves empty. Warnings, not
    errors: a toy study may mean them.

    >>> setup_warnings(load_scenario("adaptive", ["population.citizens=15"]))[0][:40]
    'organizations.ngos: 30 NGOs for 15 citiz'
    """
    n, org, d = s.population.citizens, s.organizations, s.population.districts
    if not isinstance(n, int):
        return []
    out = []
    for key, count, what in (("ngos", org.ngos, "NGOs"), ("hubs", org.hubs, "hubs")):
        per = CITIZENS_PER[key]
        if count * per > n:
            out.append(f"organizations.{key}: {count:,} {what} for {n:,} citizens, more than one "
                       f"per {per} citizens (the presets have 30 NGOs and 3 hubs for 2,500); "
                       f"lower organizations.{key} to at most {n // per:,}")
    empty = None
    if s.network.kind == "file":
        from .network_file import read_file

        found = read_file(s.network.path, s.network.format)
        if found.district is not None and not found.district_errors(d):
            used = set(found.districts(d).tolist())
            empty = [k for k in range(d) if k not in used]
    if empty:
        shown = ", ".join(map(str, empty[:8])) + (", ..." if len(empty) > 8 else "")
        out.append(f"population.districts: {d}, but the network file's `district` attribute "
                   f"uses only {d - len(empty)} of them, so {len(empty)} districts are empty "
                   f"({shown}); set population.districts: {max(used) + 1} or give the "
                   "nodes those districts")
    elif n < d * CITIZENS_PER["districts"]:
        out.append(f"population.districts: {d} districts for {n:,} citizens, fewer than "
                   f"{CITIZENS_PER['districts']} citizens a district"
                   + (f" ({d - n} districts are empty)" if n < d else "")
                   + f"; lower population.districts to at most "
                   f"{max(1, n // CITIZENS_PER['districts'])}")
    return out


LONG_RUN = 600.0  # seconds: a run this long is announced before it starts
STEP_SECONDS = 3.5e-3  # measured: one step of the adaptive preset at 2,500 citizens
ROUND_SECONDS = 1.7e-7  # measured: one round of the incentives' warm-up game per citizen


def run_time_estimate(s: Scenario) -> float:
    """Rough seconds of one run on one core: linear in citizens, in steps and in the
    incentives' warm-up rounds (measured at 200,000 citizens: 68 s for 2,000 rounds)."""
    n = s.population.citizens
    rounds = s.mechanisms.incentives.warmup if s.mechanisms.incentives.enabled else 0
    return STEP_SECONDS * max(1.0, n / 2500) * (s.warmup + s.steps) + ROUND_SECONDS * n * rounds


def comparison_warnings(scenarios: list[Scenario]) -> list[str]:
    """Scenarios compared side by side should share population and length: totals scale
    with the number of citizens, and final windows of runs of different lengths are
    different moments of the dynamics."""
    why = {"population.citizens": "counts and money totals scale with the population; only "
                                  "per-capita metrics compare",
           "steps": "their final windows fall at different times",
           "warmup": "they start step 1 from different states"}
    out = []
    for key, reason in why.items():
        values = [s.population.citizens if key == "population.citizens" else getattr(s, key)
                  for s in scenarios]
        if len(set(values)) > 1:
            each = ", ".join(f"{s.name} {v}" for s, v in zip(scenarios, values, strict=True))
            out.append(f"compare: the scenarios differ in {key} ({each}): {reason}")
    return out

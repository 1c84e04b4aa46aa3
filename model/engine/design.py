"""Experiment designs: which parameter values a sweep runs.

A design is a list of *points*, each a dict of dotted scenario keys to values.
Axes combine as a full factorial: grid axes (explicit values), range axes
(evenly spaced), then Latin-hypercube points over bounded keys::

    >>> d = Design(grid={"mechanisms.incentives.r": [3, 4]},
    ...            ranges={"budget.per_capita": (0.5, 1.0, 3)})
    >>> len(d.points()), d.points()[1]
    (6, {'mechanisms.incentives.r': 3, 'budget.per_capita': 0.75})

Every value is checked against the scenario schema, so a misspelt key or an
out-of-range value is reported with its path before anything runs.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..scenario.errors import ScenarioError, _fmt, did_you_mean
from ..scenario.files import load_yaml, read_text_file
from ..scenario.schema import C_LONG_MAX, Scenario, leaf_type


@dataclass(frozen=True)
class Design:
    """Swept keys and how they are sampled.

    Attributes:
        grid: key -> explicit values.
        ranges: key -> (lo, hi, n) evenly spaced values, lo and hi included.
        bounds: key -> (lo, hi) for Latin-hypercube sampling.
        samples: number of Latin-hypercube points (needs ``bounds``).
        seed: seeds the Latin hypercube.
    """

    grid: dict[str, list] = field(default_factory=dict)
    ranges: dict[str, tuple[float, float, int]] = field(default_factory=dict)
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    samples: int = 0
    seed: int = 0

    def __post_init__(self):
        # a key on two axes (a linked factor and a grid, range or sample of one of its keys)
        # would let one axis overwrite the other's value in every point
        seen: dict[str, str] = {}
        axes = [*((k, k) for k in self.grid), *((f"--range {k}", k) for k in self.ranges),
                *((f"--bounds {k}", k) for k in self.bounds)]
        for axis, keys in axes:
            for key in linked_keys(keys):
                if key in seen:
                    raise ScenarioError([f"{key}: on two axes of the design ({seen[key]} and "
                                         f"{axis}); a key takes its values from one axis"])
                seen[key] = axis

    @property
    def keys(self) -> list[str]:
        """Swept keys in column order."""
        return [*self.grid, *self.ranges, *self.bounds]

    def axes(self, scenario: Scenario | None = None) -> list[list[dict]]:
        """Each factorial axis as a list of partial points (``scenario``: the base, whose
        plug-ins' keys may be swept too)."""
        axes = [[dict(zip(linked_keys(k), v, strict=True)) if "+" in k else {k: v}
                 for v in values] for k, values in self.grid.items()]
        for key, (lo, hi, n) in self.ranges.items():
            axes.append([{key: cast_value(key, evenly(x), scenario)}
                         for x in np.linspace(lo, hi, n)])
        if self.bounds:
            axes.append(self._lhs(scenario))
        return axes

    def _lhs(self, scenario: Scenario | None = None) -> list[dict]:
        from scipy.stats import qmc

        rng = np.random.default_rng(
            np.random.SeedSequence(self.seed, spawn_key=(zlib.crc32(b"lhs"),)))
        unit = qmc.LatinHypercube(d=len(self.bounds), seed=rng).random(self.samples)
        keys = list(self.bounds)
        lo = np.array([self.bounds[k][0] for k in keys])
        hi = np.array([self.bounds[k][1] for k in keys])
        values = lo + unit * (hi - lo)
        return [{k: cast_value(k, x, scenario) for k, x in zip(keys, row, strict=True)}
                for row in values]

    def points(self, scenario: Scenario | None = None) -> list[dict]:
        """The full list of points (factorial product of the axes); ``scenario``: the base
        scenario, whose plug-ins' keys may be swept too."""
        axes = self.axes(scenario)
        if not axes:
            return [{}]
        return [dict(itertools.chain.from_iterable(p.items() for p in combo))
                for combo in itertools.product(*axes)]

    def to_dict(self) -> dict:
        """Plain data (for sweep.json)."""
        return {"grid": self.grid, "ranges": {k: list(v) for k, v in self.ranges.items()},
                "bounds": {k: list(v) for k, v in self.bounds.items()},
                "samples": self.samples, "seed": self.seed}


def evenly(x: float) -> float:
    """An evenly spaced value without the artefact of its arithmetic: ``linspace(0, 1, 6)``
    gives 0.6000000000000001 and a range of 0.1:0.3:3 gives 0.19999999999999998, so a
    table's ``df[x == 0.2]`` found nothing; 12 significant digits keep every value a range
    of sensible decimals can name and drop the last bits' noise.

        >>> evenly(0.19999999999999998), evenly(0.6000000000000001), evenly(1 / 3)
        (0.2, 0.6, 0.333333333333)
    """
    return float(f"{float(x):.12g}")


def cast_value(key: str, x: float, scenario: Scenario | None = None):
    """A sampled number as the key's type: rounded for integer keys, a float otherwise
    (``scenario``: also knows its plug-ins' keys)."""
    return int(round(float(x))) if leaf_type(key, scenario=scenario) is int else float(x)


def check_points(base: Scenario, points: list[dict]) -> None:
    """Apply every point to the base scenario; raise one ScenarioError listing all problems."""
    errors: list[str] = []
    for point in points:
        try:
            base.replace(**point)
        except ScenarioError as exc:
            errors.extend(e for e in exc.errors if e not in errors)
    if errors:
        raise ScenarioError(errors)


def points_hash(base: Scenario, points: list[dict], replicates: int, steps: int) -> str:
    """Fingerprint of what a sweep runs, to refuse resuming a different sweep."""
    blob = json.dumps([base.to_dict(), points, replicates, steps], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# ------------------------------------------------------------ parsing specs
def _key_value(spec: str, flag: str, scenario: Scenario | None = None) -> tuple[str, str]:
    key, sep, value = spec.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise ScenarioError([f"{flag} {spec!r}: expected key.path=..."])
    key = key.strip()
    leaf_type(key, scenario=scenario)  # raises with a did-you-mean for unknown keys
    return key, value.strip()


def _number(text: str, where: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ScenarioError([f"{where}: expected a number, got {text!r}"]) from None


def _numbers(key: str, text: str, flag: str, form: str) -> list[float]:
    """``lo:hi[:n]`` parts as numbers, or an error naming the flag, key and expected form."""
    parts = text.split(":")
    if len(parts) != form.count(":") + 1:
        raise ScenarioError([f"{flag} {key}: expected {form}, got {text!r}"])
    return [_number(p, f"{flag} {key}") for p in parts]


def parse_grid(specs: list[str], scenario: Scenario | None = None) -> dict[str, list]:
    """``key=v1,v2,v3`` (values read as YAML) -> {key: [v1, v2, v3]}; ``scenario``: the base
    scenario, whose plug-ins' keys may be swept too (as in the three parsers below).

    Keys joined by ``+`` are one *linked* factor whose levels set them together:
    ``a+b=off+off,on+on`` -> {"a+b": [[False, False], [True, True]]}, e.g. a regime that is
    two switches (top-down = both off, adaptive = both on) crossed with a budget cut.
    """
    out = {}
    for spec in specs or []:
        key, _, text = spec.partition("=")
        if "+" not in key:
            key, text = _key_value(spec, "--grid", scenario)
            out[key] = [yaml.safe_load(v) for v in text.split(",")]
            continue
        keys = linked_keys(key)
        for k in keys:
            _key_value(f"{k}={text}", "--grid", scenario)
        if len(set(keys)) < len(keys):
            raise ScenarioError([f"--grid {key.strip()}: a key appears twice"])
        levels = []
        for value in text.split(","):
            parts = value.split("+")
            if len(parts) != len(keys):
                raise ScenarioError([f"--grid {key.strip()}: the value {value.strip()!r} needs "
                                     f"{len(keys)} parts joined by '+', one per key"])
            levels.append([yaml.safe_load(p) for p in parts])
        out["+".join(keys)] = levels
    return out


def linked_keys(key: str) -> list[str]:
    """The keys of a linked grid factor ``a+b`` (one key for an ordinary factor)."""
    return [k.strip() for k in key.split("+")]


def parse_range(specs: list[str],
                scenario: Scenario | None = None) -> dict[str, tuple[float, float, int]]:
    """``key=lo:hi:n`` -> {key: (lo, hi, n)}."""
    out = {}
    for spec in specs or []:
        key, text = _key_value(spec, "--range", scenario)
        lo, hi, n = _numbers(key, text, "--range", "lo:hi:n")
        if n < 1 or not n.is_integer():
            raise ScenarioError([f"--range {key}: n must be a whole number >= 1, "
                                 f"got {text.split(':')[2]!r}"])
        out[key] = (lo, hi, int(n))
    return out


def parse_bounds(specs: list[str], flag: str = "--bounds",
                 scenario: Scenario | None = None) -> dict[str, tuple[float, float]]:
    """``key=lo:hi`` -> {key: (lo, hi)}; errors name ``flag`` (``--params`` for calibrate)."""
    out = {}
    for spec in specs or []:
        key, text = _key_value(spec, flag, scenario)
        lo, hi = _numbers(key, text, flag, "lo:hi")
        if not lo < hi:
            raise ScenarioError([f"{flag} {key}: lo must be below hi, got {text!r}"])
        out[key] = (lo, hi)
    return out


DESIGN_KEYS = {"grid", "range", "sample", "replicates", "steps", "seed", "set"}


def read_design_file(path: str | Path) -> dict:
    """A sweep design YAML, validated; returns the pieces the CLI would otherwise parse.

    Format::

        grid:   {mechanisms.incentives.r: [3, 4, 5]}
                # keys joined by + are one linked factor, each value a list:
                # {governance.collaboration+governance.adaptation: [[off, off], [on, on]]}
        range:  {budget.per_capita: {lo: 0.5, hi: 1.5, n: 5}}
        sample: {method: lhs, n: 200, bounds: {mechanisms.trust.rate: [0.05, 0.3]}}
        replicates: 10
        steps: 100
        seed: 42
        set: {population.citizens: 1000}
    """
    path = Path(path)
    # binary or non-UTF-8 files, YAML errors and duplicate keys: a ScenarioError
    raw = load_yaml(read_text_file(path, "design file"), str(path)) or {}
    if not isinstance(raw, dict):
        raise ScenarioError([f"{path}: a design file must be a mapping of keys"])
    errors = []
    for key in raw:
        if key not in DESIGN_KEYS:
            errors.append(f"{key}: unknown design key{did_you_mean(str(key), sorted(DESIGN_KEYS))}")
    out: dict[str, Any] = {"grid": [], "range": [], "bounds": [], "samples": 0}
    for key, values in (raw.get("grid") or {}).items():
        if not isinstance(values, list) or not values:
            errors.append(f"grid.{key}: expected a non-empty list of values")
            continue
        if "+" in str(key):  # a linked factor: each value a list, one item per key
            if not all(isinstance(v, list) for v in values):
                errors.append(f"grid.{key}: a linked factor's values are lists, one item "
                              f"per key, e.g. [[off, off], [on, on]]")
                continue
            out["grid"].append(f"{key}=" + ",".join("+".join(json.dumps(x) for x in v)
                                                      for v in values))
            continue
        out["grid"].append(f"{key}=" + ",".join(json.dumps(v) for v in values))
    for key, spec in (raw.get("range") or {}).items():
        if not isinstance(spec, dict) or set(spec) != {"lo", "hi", "n"}:
            errors.append(f"range.{key}: expected {{lo: ..., hi: ..., n: ...}}")
            continue
        out["range"].append(f"{key}={spec['lo']}:{spec['hi']}:{spec['n']}")
    sample = raw.get("sample")
    if sample is not None:
        if not isinstance(sample, dict) or sample.get("method", "lhs") != "lhs":
            errors.append("sample.method: expected 'lhs'")
        else:
            n = sample.get("n")
            if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= C_LONG_MAX:
                errors.append(f"sample.n: expected an integer in [1, {C_LONG_MAX}], got "
                              f"{_fmt(n)}")
            else:
                out["samples"] = n
            if not isinstance(sample.get("bounds"), dict) or not sample["bounds"]:
                errors.append("sample.bounds: required, the keys to sample and their ranges, "
                              "e.g. {mechanisms.trust.rate: [0.05, 0.3]}")
            for key, b in (sample.get("bounds") or {}).items():
                if not isinstance(b, list) or len(b) != 2:
                    errors.append(f"sample.bounds.{key}: expected [lo, hi]")
                    continue
                out["bounds"].append(f"{key}={b[0]}:{b[1]}")
    for key in ("replicates", "steps", "seed"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or not 0 <= value <= C_LONG_MAX):
            errors.append(f"{key}: expected a whole number in [0, {C_LONG_MAX}], got "
                          f"{_fmt(value)}")
        out[key] = value
    overrides = raw.get("set") or {}
    if not isinstance(overrides, dict):
        errors.append("set: expected a mapping of key.path: value")
        overrides = {}
    out["set"] = overrides
    if errors:
        raise ScenarioError(errors)
    return out

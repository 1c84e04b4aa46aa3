"""Saved states: the whole model after a step, written to a file and continued later.

A state file is

* ``MAGIC`` (a line naming the format),
* an 8-byte big-endian length and a JSON header of that many bytes: the format number,
  cogov's, Mesa's, NumPy's and Python's versions, the seed, the step reached, the scenario
  as written (with its reforms) and the scenario in force, the payload's length and SHA-256,
* the payload: a pickle of the model (citizens' arrays, organisations, every phase with
  its records and random streams, the books, the metrics collected so far).

:func:`save_state` writes it atomically (a temporary file renamed); :func:`load_state`
reads it back, refusing with a :class:`StateError` a file that is not a state, is
truncated or corrupted, or was written by another format or another version of cogov or
Mesa (a pickle of the model holds their classes). Continuing an unchanged state is
bit-identical to the uninterrupted run (tests/test_states.py).

A pickle runs code when it is loaded: load only states you (or your colleagues) wrote.
The digest detects damage, not tampering.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import os
import pickle
import platform
import struct
from pathlib import Path

import mesa
import numpy as np

# the pickled model's layout: raised whenever a change would break a continued older state
# (2: the step context's tie weights and strengths, network.weights; custom reporters)
FORMAT = 2
MAGIC = b"cogov saved state\n"
_LENGTH = struct.Struct(">Q")


class StateError(ValueError):
    """A file that cannot be continued: not a state, damaged, or of another version."""


def cogov_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cogov")
    except PackageNotFoundError:  # pragma: no cover - a checkout not installed
        return "0+checkout"


def _versions() -> dict:
    return {"cogov": cogov_version(), "mesa": mesa.__version__, "numpy": np.__version__,
            "python": platform.python_version()}


def save_state(model, path: str | Path) -> dict:
    """Write ``model`` (after its last step) to ``path``; returns the header written."""
    path = Path(path)
    payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    header = {"format": FORMAT, **_versions(), "seed": model.seed, "step": int(model.steps),
              "scenario": model.planned.to_dict(), "in_force": model.scenario.to_dict(),
              "payload_bytes": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
    text = json.dumps(header, sort_keys=True, default=str).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(MAGIC + _LENGTH.pack(len(text)) + text + payload)
    os.replace(tmp, path)
    return header


def read_header(path: str | Path) -> tuple[dict, int]:
    """The header of a state file and the offset of its payload (StateError if unreadable)."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(len(MAGIC) + _LENGTH.size)
            if not head.startswith(MAGIC):
                raise StateError(f"{path}: not a cogov saved state (written by "
                                 "`run --save-state PATH`)")
            if len(head) < len(MAGIC) + _LENGTH.size:
                raise StateError(f"{path}: truncated saved state (the header is cut off)")
            (length,) = _LENGTH.unpack(head[len(MAGIC):])
            text = f.read(length)
    except OSError as exc:
        raise StateError(f"{path}: cannot read saved state ({exc.strerror or exc})") from None
    if len(text) < length:
        raise StateError(f"{path}: truncated saved state (the header is cut off)")
    try:
        header = json.loads(text)
    except ValueError:
        raise StateError(f"{path}: corrupted saved state (its header is not valid)") from None
    if not isinstance(header, dict):
        raise StateError(f"{path}: corrupted saved state (its header is not valid)")
    return header, len(MAGIC) + _LENGTH.size + length


def check_compatible(header: dict, path: str | Path = "state") -> None:
    """Refuse a state written by another format or another version of cogov or Mesa."""
    if header.get("format") != FORMAT:
        raise StateError(f"{path}: saved-state format {header.get('format')!r}, this cogov "
                         f"reads format {FORMAT}")
    here = _versions()
    for name in ("cogov", "mesa"):
        if header.get(name) != here[name]:
            raise StateError(
                f"{path}: saved by {name} {header.get(name)}, this is {name} {here[name]}: "
                "a saved state continues only with the versions that wrote it (rerun the "
                "scenario to its step with this version, then save again)")


def load_state(path: str | Path):
    """The model saved in ``path`` and its header (StateError: see the module docstring)."""
    header, offset = read_header(path)
    check_compatible(header, path)
    with open(path, "rb") as f:
        f.seek(offset)
        payload = f.read()
    expected = header.get("payload_bytes")
    if len(payload) != expected:
        raise StateError(f"{path}: truncated saved state ({len(payload)} of {expected} bytes "
                         "of the model)")
    if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
        raise StateError(f"{path}: corrupted saved state (the model's bytes do not match "
                         "their SHA-256)")
    try:
        model = pickle.load(io.BytesIO(payload))
    except Exception as exc:  # a damaged pickle that passed the digest: another writer
        raise StateError(f"{path}: cannot load the saved model ({type(exc).__name__}: "
                         f"{exc})") from None
    return model, header


def branch(model, overrides: dict) -> None:
    """Change keys of a continued state from its next step on: ``overrides`` (``--set``)
    become a reform at step ``model.steps + 1`` (the keys a reform may set; others raise a
    :class:`~cogov.model.scenario.errors.ScenarioError` naming ``--set KEY``)."""
    if not overrides:
        return
    from ..scenario.errors import ScenarioError

    reforms = model.planned.to_dict().get("reforms", [])
    at = len(reforms)
    reform = {"step": int(model.steps) + 1, "set": dict(overrides)}
    try:
        model.planned = model.planned.replace(reforms=[*reforms, reform])
    except ScenarioError as exc:
        prefix = f"reforms.{at}.set."
        raise ScenarioError([e.replace(prefix, "--set ").replace(
            f"reforms.{at}.set:", "--set:") for e in exc.errors]) from None


def continue_run(model, steps: int, on_step=None):
    """Run ``steps`` more steps of a loaded model; the metrics of its whole history."""
    for _ in range(steps):
        model.step()
        if on_step:
            on_step(model)
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


# ------------------------------------------------------------ branching arms
# keys of an arm's scenario that describe the run, not the city: they never make a reform
RUN_KEYS = ("name", "description", "seed", "steps", "reforms", "outputs.")


def _random_objects(model) -> list:
    """Every random stream the model holds (NumPy Generators, Python ``random.Random``), each
    once, in the order a pickle of the model meets them."""
    import random

    found: dict[int, object] = {}

    class _Finder(pickle.Pickler):
        def reducer_override(self, obj):
            if isinstance(obj, np.random.Generator | random.Random):
                found.setdefault(id(obj), obj)
            return NotImplemented

    _Finder(io.BytesIO(), protocol=pickle.HIGHEST_PROTOCOL).dump(model)
    return list(found.values())


def reseed(model, seed: int) -> None:
    """Give a loaded model fresh random streams from ``seed``: those a model built with
    ``seed`` would have (docs/experiments.md, "Branching from a saved state").

    A stream the model made as ``stream(NAME)`` (``SeedSequence(old seed, spawn_key=(crc32(NAME),))``)
    continues from ``SeedSequence(seed, spawn_key=(crc32(NAME),))``; Mesa's ``model.rng``
    from ``SeedSequence(seed)``; Python's ``model.random`` is seeded with ``seed``; the
    model's seed and root become ``seed``, so a stream made later (a mechanism a reform
    starts) derives from it too. A generator without a seed sequence (none in cogov) takes
    ``SeedSequence(seed, spawn_key=(2**32, i))``, i its rank in the model's pickle order.
    Every draw after the branch then differs from the saved history's, reproducibly.
    """
    import random

    seed = int(seed)
    for i, obj in enumerate(_random_objects(model)):
        if isinstance(obj, random.Random):
            obj.seed(seed)
            continue
        bits = obj.bit_generator
        old = getattr(bits, "seed_seq", None)
        key = tuple(getattr(old, "spawn_key", ())) if old is not None else (2 ** 32, i)
        bits.state = type(bits)(np.random.SeedSequence(seed, spawn_key=key)).state
    model.seed = seed
    model._root = np.random.SeedSequence(seed)


def arm_scenario(model, arm, where: str = "") -> object:
    """The scenario a continuation of ``model`` (a loaded state) runs for the arm ``arm``.

    The state's own scenario (with its reforms) stays the plan; on top of it:

    * every key whose value in ``arm`` differs from the state's scenario becomes a reform at
      the state's next step (at once), if a reform may set it (governance switches, the four
      shifts, ``budget.per_capita``, mechanisms' parameters and switches, organisations'
      counts raised); a key that cannot change mid-run (population, network, districts,
      organisations' traits, warm-up, a mechanism's start-up draws) or a lower organisations'
      count raises a ScenarioError naming it, with both values;
    * the arm's reforms that the state's scenario does not already have are added (steps are
      the model's, as in a fresh run); one before the state's next step raises;
    * the run keys (name, description, seed, steps, outputs) are the arm's.

    ``where`` prefixes messages (``compare: scenario NAME``).
    """
    from ..scenario.errors import ScenarioError
    from ..scenario.schema import _flat

    planned, step = model.planned, int(model.steps)
    mine, theirs = _flat(planned.to_dict()), _flat(arm.to_dict())
    changed = {k: v for k, v in theirs.items()
               if not k.startswith(RUN_KEYS) and mine.get(k, _MISSING) != v}
    changed.update({k: None for k in mine if k not in theirs and not k.startswith(RUN_KEYS)})
    head = f"{where}: " if where else ""
    errors = []
    reforms = [dict(r) for r in planned.to_dict().get("reforms") or []]
    extra = []
    for i, reform in enumerate(arm.to_dict().get("reforms") or []):
        if reform in reforms:
            continue
        if reform["step"] <= step:
            errors.append(f"{head}reforms.{i}.step: {reform['step']} is in the saved state's past "
                          f"(it ends at step {step}); a continuation's reforms start at step "
                          f"{step + 1} or later")
        extra.append(reform)
    at = len(reforms)
    new = ([{"step": step + 1, "set": changed}] if changed else []) + extra
    if not errors:
        try:
            result = planned.replace(reforms=[*reforms, *new])
        except ScenarioError as exc:
            for e in exc.errors:
                key, _, why = e.partition(": ")
                if changed and key.startswith(f"reforms.{at}.set."):
                    name = key.removeprefix(f"reforms.{at}.set.")
                    was = mine.get(name, "(none)")
                    errors.append(f"{head}{name}: cannot differ from the saved state's scenario "
                                  f"(the state has {was!r}, the scenario {theirs.get(name)!r}): "
                                  f"{why}")
                else:
                    errors.append(f"{head}{e}")
    if errors:
        raise ScenarioError(errors)
    return dataclasses.replace(result, name=arm.name, description=arm.description,
                               seed=arm.seed, steps=arm.steps, outputs=arm.outputs)


_MISSING = object()
_PAYLOADS: dict[str, tuple[float, bytes, dict]] = {}


def _payload(path: str | Path) -> tuple[bytes, dict]:
    """The checked pickle of a state file and its header, read once per process."""
    path = Path(path)
    stamp = path.stat().st_mtime
    cached = _PAYLOADS.get(str(path))
    if cached is None or cached[0] != stamp:
        model, header = load_state(path)  # every check
        del model
        _, offset = read_header(path)
        with open(path, "rb") as f:
            f.seek(offset)
            cached = (stamp, f.read(), header)
        _PAYLOADS.clear()
        _PAYLOADS[str(path)] = cached
    return cached[1], cached[2]


def continuation(path: str | Path, arm, seed: int, steps: int | None = None):
    """One replicate of an arm branched from the state in ``path``: the state loaded afresh,
    its streams reseeded from ``seed`` (:func:`reseed`), the arm's keys and reforms applied
    (:func:`arm_scenario`), ``steps`` more steps run (default the arm's ``steps``). Returns
    the metrics of the whole history (the shared past included)."""
    payload, _ = _payload(path)
    model = pickle.loads(payload)
    model.planned = arm_scenario(model, arm)
    add_reporters(model, arm)
    reseed(model, seed)
    return continue_run(model, arm.steps if steps is None else steps)


def add_reporters(model, arm) -> None:
    """Collect the arm's custom reporters (``outputs.reporters``) that the saved model does
    not, from the branch on, and declare them in its scenario (so run.json, figures and a
    state saved later know them). Their rows in the shared past are NaN: a reporter reads
    the model as it is at a step, which the state no longer holds."""
    from ..scenario.errors import ScenarioError
    from ..sim.custom_reporters import custom_reporters

    saved = dict(model.scenario.outputs.reporters)  # the state's (arm_scenario may have the arm's)
    changed = [n for n, text in arm.outputs.reporters.items() if n in saved and saved[n] != text]
    if changed:
        raise ScenarioError([f"outputs.reporters.{changed[0]}: the saved state collects it as "
                             f"{saved[changed[0]]!r}; a branch cannot change it (give the new "
                             f"one another name)"])
    new = {n: text for n, text in arm.outputs.reporters.items() if n not in saved}
    if not new:
        return
    collector = model.datacollector
    metrics = {k: v for k, v in collector.model_reporters.items() if k not in saved}
    past = len(next(iter(collector.model_vars.values()), []))
    only_new = arm.replace(**{"outputs.reporters": new})
    for name, reporter in custom_reporters(only_new, metrics).items():
        collector.model_reporters[name] = reporter
        collector.model_vars[name] = [math.nan] * past
    declared = {"outputs.reporters": {**saved, **new}}
    model.planned = model.planned.replace(**declared)
    model.scenario = model.ctx.scenario = model.scenario.replace(**declared)

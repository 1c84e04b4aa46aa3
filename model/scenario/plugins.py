"""Plug-in mechanisms: a researcher's own mechanism, loaded from outside the checkout.

A scenario names its plug-ins under ``plugins:``, each written one of three ways:

* ``path/to/file.py:ClassName``: a Python file; a relative path is relative to the
  scenario file's folder (from ``--set`` or the Python API, to the working directory);
* ``package.module:ClassName``: an importable module;
* ``name``: an entry point of the group ``cogov.mechanisms`` that an installed package
  offers (``[project.entry-points."cogov.mechanisms"] hotline = "pkg.mod:Hotline"``).

This module finds and imports the class (each once per process: loaded classes are
cached, and a file is imported under a stable synthetic module name registered in
``sys.modules``, so its dataclasses and pickles work) and checks its shape by duck
typing: this layer knows nothing of the simulation (docs/architecture.md). Where the
class goes in the step (``after``), and whether its metrics clash with the model's, is
checked by :mod:`cogov.model.sim.plugins`. docs/plugins.md is the researcher's guide.

    >>> is_file_spec("hotline.py:Hotline"), is_file_spec("pkg.mod:Hotline"), is_file_spec("hotline")
    (True, False, False)
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.util
import keyword
import sys
import types
from pathlib import Path
from typing import Any

GROUP = "cogov.mechanisms"  # the entry-point group installed packages offer mechanisms in

_LOADED: dict[str, type] = {}  # normalised spec -> class, for this process
_FUNCTIONS: dict[str, Any] = {}  # normalised spec -> function (custom reporters)


class PluginError(Exception):
    """A plug-in spec that cannot be loaded or is not a mechanism (the message has no key
    path: the caller adds ``plugins.N: ``)."""


# ------------------------------------------------------------------------ specs
def is_file_spec(spec: str) -> bool:
    """Whether ``spec`` names a Python file (``dir/file.py:Class``) rather than a module or an
    entry point."""
    left, sep, _ = spec.rpartition(":")
    return bool(sep) and (left.endswith(".py") or "/" in left or "\\" in left)


def absolute_spec(spec: str, folder: str | Path | None = None) -> str:
    """A file spec with its path made absolute (relative to ``folder``, else to the working
    directory); other specs unchanged."""
    if not isinstance(spec, str) or not is_file_spec(spec):
        return spec
    left, _, name = spec.rpartition(":")
    path = Path(left).expanduser()
    if not path.is_absolute():
        path = Path(folder or ".") / path
    return f"{path.resolve()}:{name}"


def load_plugin(spec: str) -> type:
    """The class a spec names, checked to be a mechanism (duck typing); cached per process.

    Raises:
        PluginError: it cannot be found or imported, or it is not a cogov mechanism.
    """
    key = absolute_spec(spec.strip())
    if key not in _LOADED:
        cls = _find(key)
        check_shape(cls)
        _LOADED[key] = cls
    return _LOADED[key]


def loaded() -> tuple[type, ...]:
    """The plug-in classes this process has loaded, oldest first."""
    return tuple(dict.fromkeys(_LOADED.values()))


def _find(spec: str) -> type:
    if not spec:
        raise PluginError("expected path/to/file.py:ClassName, package.module:ClassName or "
                          f"the name of a {GROUP!r} entry point, got ''")
    if ":" not in spec:
        return _entry_point(spec)
    return _attribute(spec, "class")


def load_function(spec: str) -> Any:
    """The function a ``path/to/file.py:name`` or ``package.module:name`` spec names (a custom
    reporter, :mod:`.reporters`), found and imported as a plug-in's class is; cached per
    process.

    Raises:
        PluginError: it cannot be found or imported, or it is not a function.
    """
    key = absolute_spec(spec.strip())
    if key not in _FUNCTIONS:
        fn = _attribute(key, "function")
        if isinstance(fn, type) or not callable(fn):
            raise PluginError(f"{key.rpartition(':')[0]}: {key.rpartition(':')[2]!r} is not a "
                              "function")
        _FUNCTIONS[key] = fn
    return _FUNCTIONS[key]


def _attribute(spec: str, what: str) -> Any:
    """The ``what`` ("class" or "function") after the colon of a file or module spec."""
    left, _, name = spec.rpartition(":")
    example = "ClassName" if what == "class" else "function_name"
    if not name.isidentifier():
        raise PluginError(f"{name!r} after the colon is not a {what} name "
                          f"(expected path/to/file.py:{example} or package.module:{example})")
    module = _import_file(Path(left)) if is_file_spec(spec) else _import_module(left)
    try:
        return getattr(module, name)
    except AttributeError:
        kind = type if what == "class" else types.FunctionType
        found = sorted(k for k, v in vars(module).items() if isinstance(v, kind)
                       and v.__module__ == module.__name__ and not k.startswith("_"))
        from .errors import did_you_mean

        hint = did_you_mean(name, found) or (f" ({what}s there: {', '.join(found)})" if found
                                             else "")
        raise PluginError(f"{left} has no {what} {name!r}{hint}") from None


def module_name(path: Path) -> str:
    """The synthetic module name a plug-in file is imported under: the same for the same
    file in every process (``cogov_plugin_hotline_1a2b3c4d5e``)."""
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    stem = "".join(c if c.isalnum() else "_" for c in path.stem)
    return f"cogov_plugin_{stem}_{digest}"


def _import_file(path: Path) -> Any:
    path = path.resolve()
    if not path.is_file():
        raise PluginError(f"cannot import {path}: no such file")
    name = module_name(path)
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before running it: dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise PluginError(f"cannot import {path}: {_why(exc)}") from None
    return module


def _import_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except Exception as exc:
        raise PluginError(f"cannot import {name}: {_why(exc)}") from None


def _entry_point(name: str) -> type:
    from importlib.metadata import entry_points

    found = {ep.name: ep for ep in entry_points(group=GROUP)}
    if name not in found:
        from .errors import did_you_mean

        if "/" in name or name.endswith(".py"):
            raise PluginError(f"cannot import {name!r}: a file is written path/to/file.py:"
                              "ClassName")
        known = (did_you_mean(name, list(found))
                 or (f" (installed: {', '.join(sorted(found))})" if found
                     else " (no installed package offers any)"))
        raise PluginError(f"cannot import {name!r}: no {GROUP!r} entry point of that name{known}; "
                          "a file is written path/to/file.py:ClassName, a module "
                          "package.module:ClassName")
    try:
        return found[name].load()
    except Exception as exc:
        raise PluginError(f"cannot import entry point {name!r} ({found[name].value}): "
                          f"{_why(exc)}") from None


def _why(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# ------------------------------------------------------------------------ shape
def check_shape(cls: Any) -> None:
    """Is ``cls`` a cogov mechanism? Duck typing, as this layer may not import the simulation:
    a class with a ``name`` (an identifier), ``build``, ``step`` and a dataclass ``Params``
    whose every field has a default, a ``doc`` and a ``src`` (``_p(...)``), among them
    ``enabled``.

    Raises:
        PluginError: what is missing.
    """
    label = getattr(cls, "__name__", repr(cls))
    if not isinstance(cls, type):
        raise PluginError(f"{label} is not a cogov Mechanism (not a class)")
    missing = [a for a in ("name", "build", "step", "Params") if not hasattr(cls, a)]
    if missing or not callable(cls.step) or not callable(cls.build):
        raise PluginError(f"{label} is not a cogov Mechanism (it lacks "
                          f"{', '.join(missing) or 'a callable build and step'}; subclass "
                          "cogov.model.sim.mechanisms.Mechanism, see docs/plugins.md)")
    name = cls.name
    if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)
            and not name.startswith("_")):
        raise PluginError(f"{label}.name: expected a lower-case identifier such as 'hotline', "
                          f"got {name!r}")
    params = cls.Params
    if not (isinstance(params, type) and dataclasses.is_dataclass(params)):
        raise PluginError(f"{label}.Params: expected a frozen dataclass of its parameters "
                          "(fields made with cogov.model.scenario.sections._p)")
    if not params.__dataclass_params__.frozen:
        raise PluginError(f"{label}.Params: must be frozen (@dataclass(frozen=True, "
                          "kw_only=True))")
    fields = {f.name: f for f in dataclasses.fields(params)}
    if "enabled" not in fields:
        raise PluginError(f"{label}.Params: has no `enabled` field (every mechanism can be "
                          "switched off: enabled: bool = _p(True, doc=..., src=...))")
    _check_fields(params, f"{label}.Params")


def _check_fields(params: type, where: str) -> None:
    for f in dataclasses.fields(params):
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise PluginError(f"{where}.{f.name}: has no default")
        if dataclasses.is_dataclass(f.default_factory):  # a sub-section, _sub(Section)
            _check_fields(f.default_factory, f"{where}.{f.name}")
        elif not (f.metadata.get("doc") and f.metadata.get("src")):
            raise PluginError(f"{where}.{f.name}: declares no doc and src (write it with "
                              "_p(default, lo, hi, doc=..., src=...): what it means and where its "
                              "default comes from)")


# ----------------------------------------------------------------------- metrics
def metric_info(name: str) -> tuple[str, str, float, float] | None:
    """(label, unit, low, high) a loaded plug-in declares for metric ``name``, or None."""
    for cls in reversed(loaded()):
        for fn in getattr(cls, "metrics", ()):
            info = getattr(fn, "info", None)
            if getattr(fn, "__name__", None) == name and info is not None:
                return tuple(info)
    return None

"""Custom reporters in the model: each entry of ``outputs.reporters`` a column of its own.

:mod:`cogov.model.scenario.reporters` checks a reporter's form (syntax, the whitelist, one
number, a function that loads); this module checks what only the model knows, each
problem a :class:`ScenarioError` naming ``outputs.reporters.NAME``:

* an expression reads only the model's metrics (the built-in ones, then the plug-ins'),
  ``t`` (the step), ``n`` (the number of citizens) and ``citizens.<array>``, an array of
  :class:`~.population.CitizenState`;
* a reporter is named unlike every metric.

Each reporter is a DataCollector entry after the model's and the plug-ins' metrics, so it
is collected every step as they are. An expression reads the step's metrics from what
the DataCollector has just collected for them (nothing is computed twice, and a
reporter cannot change the model); it is parsed once per process and evaluated as a tree
of NumPy calls, never by ``eval``. Entries are ``partial``s of module functions over the
reporter's strings, so a model with reporters pickles (saved states). A result that is
not finite is recorded as NaN, as is an expression over an array a mechanism that is off
never made (``citizens.compensation`` without relocation).
"""

from __future__ import annotations

import ast
import dataclasses
import math
from collections.abc import Callable
from functools import lru_cache, partial, reduce
from typing import Any

import numpy as np

from ..scenario.errors import ScenarioError, did_you_mean
from ..scenario.plugins import PluginError, load_function
from ..scenario.reporters import ReporterError, free_names, function_spec, parse
from ..scenario.reporters import arrays as arrays_read
from ..scenario.schema import Scenario
from .plugins import plugin_phases
from .population import CitizenState
from .reporters import reporters

ARRAYS = tuple(f.name for f in dataclasses.fields(CitizenState))  # what citizens.X may name
VARIABLES = ("t", "n")  # the step and the number of citizens, beside the metrics


def _counted(fn: Callable) -> Callable:
    # a test gives 1.0 where it holds, 0.0 elsewhere: booleans would make + an "or" and - fail
    return lambda *args: np.asarray(fn(*args), dtype=np.float64)


_BINARY = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.true_divide,
           ast.FloorDiv: np.floor_divide, ast.Mod: np.mod, ast.Pow: np.power,
           ast.BitAnd: _counted(np.logical_and), ast.BitOr: _counted(np.logical_or)}
_UNARY = {ast.USub: np.negative, ast.UAdd: np.positive, ast.Not: _counted(np.logical_not)}
_COMPARE = {ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater,
            ast.GtE: np.greater_equal, ast.Eq: np.equal, ast.NotEq: np.not_equal}


def _extreme(one: Callable, each: Callable) -> Callable:
    # min(x) reduces the citizens' values; min(a, b, ...) compares element-wise
    return lambda *args: one(args[0]) if len(args) == 1 else reduce(each, args)


FUNCTIONS = {"mean": np.mean, "sum": np.sum, "std": np.std, "var": np.var,
             "median": np.median, "quantile": np.quantile,
             "min": _extreme(np.min, np.minimum), "max": _extreme(np.max, np.maximum),
             "abs": np.abs, "sqrt": np.sqrt, "log": np.log, "exp": np.exp,
             "where": np.where, "clip": np.clip}


class _Missing(Exception):
    """An array the model has not made (its mechanism is off): the reporter records NaN."""


# ------------------------------------------------------------------------ checks
def reporter_errors(scenario: Scenario, metrics: tuple[str, ...] | list[str]) -> list[str]:
    """Every problem of the scenario's reporters that needs the model's names, each naming
    ``outputs.reporters.NAME`` (``metrics``: the columns the model records before them)."""
    known = [*metrics, *VARIABLES]
    errors = []
    for name, text in scenario.outputs.reporters.items():
        where = f"outputs.reporters.{name}"
        if name in metrics:
            errors.append(f"{where}: the name {name!r} is a metric of the model's (or of a "
                          "plug-in's); give the reporter another name")
        if function_spec(text):
            continue
        try:
            tree = parse(text)
        except ReporterError as exc:  # a Scenario built by hand, not validated
            errors.append(f"{where}: {exc}")
            continue
        errors += [f"{where}: unknown name {v!r}{did_you_mean(v, known)} (an expression "
                   f"reads the metrics, t, n and citizens.<array>)"
                   for v in sorted(free_names(tree) - set(known))]
        errors += [f"{where}: citizens.{a} is no array of the citizens"
                   f"{did_you_mean(a, list(ARRAYS))} (arrays: {', '.join(ARRAYS)})"
                   for a in sorted(arrays_read(tree) - set(ARRAYS))]
    return errors


def check_reporters(scenario: Scenario) -> None:
    """Raise the :class:`ScenarioError` a model of ``scenario`` would raise for its custom
    reporters, without building one."""
    if scenario.outputs.reporters:
        metrics = tuple(reporters(plugin_phases(scenario)))
        errors = reporter_errors(scenario, metrics)
        if errors:
            raise ScenarioError(errors)


def custom_reporters(scenario: Scenario, metrics: dict) -> dict[str, Callable]:
    """The DataCollector's entries for the scenario's reporters, in their order, to follow
    ``metrics`` (the model's and the plug-ins' entries).

    Raises:
        ScenarioError: every problem (:func:`reporter_errors`).
    """
    errors = reporter_errors(scenario, tuple(metrics))
    if errors:
        raise ScenarioError(errors)
    return {name: partial(_function if function_spec(text) else _expression, name, text)
            for name, text in scenario.outputs.reporters.items()}


# -------------------------------------------------------------------- evaluation
def _expression(name: str, text: str, model: Any) -> float:
    try:
        with np.errstate(all="ignore"):  # log(0), 0/0: a number that is not finite, NaN
            value = compiled(text)(model)
    except _Missing:
        return math.nan
    except (ValueError, TypeError, ArithmeticError, RecursionError) as exc:
        # what only the values show, e.g. quantile(x, q) with a computed q outside [0, 1]
        raise ScenarioError([f"outputs.reporters.{name}: {text} cannot be computed at step "
                             f"{model.steps}: {exc}"]) from None
    return _number(name, value, text)  # its own error names the key once


def _function(name: str, spec: str, model: Any) -> float:
    try:
        fn = load_function(spec)
    except PluginError as exc:  # a state or a job whose function file has gone since
        raise ScenarioError([f"outputs.reporters.{name}: {exc}"]) from None
    return _number(name, fn(model), spec)


def _number(name: str, value: Any, text: str) -> float:
    """One float, NaN if it is not finite; anything but one number is an error."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        array = None
    if array is None or array.size != 1:
        raise ScenarioError([f"outputs.reporters.{name}: {text} gave {type(value).__name__} "
                             f"{str(value)[:60]!r}, not one number"])
    x = float(array.reshape(-1)[0])
    return x if math.isfinite(x) else math.nan


@lru_cache(maxsize=512)
def compiled(text: str) -> Callable[[Any], Any]:
    """An expression as a function of the model (parsed and checked once per process)."""
    return _compile(parse(text).body)


def _compile(node: ast.AST) -> Callable[[Any], Any]:
    # every node kind here is one scenario/reporters.py lets through
    if isinstance(node, ast.Constant):
        value = np.float64(node.value)  # a float: 10 ** 10 ** 10 overflows, never hangs
        return lambda m: value
    if isinstance(node, ast.Name):
        return partial(_variable, node.id)
    if isinstance(node, ast.Attribute):
        return partial(_array, node.attr)
    if isinstance(node, ast.BinOp):
        return _apply(_BINARY[type(node.op)], [node.left, node.right])
    if isinstance(node, ast.UnaryOp):
        return _apply(_UNARY[type(node.op)], [node.operand])
    if isinstance(node, ast.BoolOp):  # element-wise, so it works on citizens' arrays too
        each = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        return _apply(_counted(lambda *xs: reduce(each, xs)), node.values)
    if isinstance(node, ast.Compare):
        return _compare(node)
    if isinstance(node, ast.Call):
        return _apply(FUNCTIONS[node.func.id], node.args)
    raise ScenarioError([f"{ast.unparse(node)}: not allowed in a reporter"])  # unchecked input


def _apply(fn: Callable, nodes: list[ast.AST]) -> Callable[[Any], Any]:
    parts = [_compile(n) for n in nodes]
    return lambda m: fn(*(p(m) for p in parts))


def _compare(node: ast.Compare) -> Callable[[Any], Any]:
    """``a < b < c`` as ``(a < b) & (b < c)``, element-wise."""
    parts = [_compile(n) for n in (node.left, *node.comparators)]
    ops = [_COMPARE[type(op)] for op in node.ops]

    def run(m):
        values = [p(m) for p in parts]
        tests = [op(a, b) for op, a, b in zip(ops, values, values[1:], strict=False)]
        return np.asarray(reduce(np.logical_and, tests), dtype=np.float64)  # counts, as above
    return run


def _variable(name: str, model: Any) -> Any:
    if name == "t":
        return np.float64(model.steps)
    if name == "n":
        return np.float64(model.citizens.n)
    value = model.datacollector.model_vars[name][-1]  # this step's: collected just before
    return np.float64(math.nan if value is None else value)


def _array(name: str, model: Any) -> np.ndarray:
    array = getattr(model.citizens, name)
    if array is None:
        raise _Missing(name)
    return array

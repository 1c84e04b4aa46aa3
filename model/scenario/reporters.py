"""Custom reporters (``outputs.reporters``): a researcher's own columns, parsed and checked.

A scenario maps each reporter's NAME (its column) to a string, written one of two ways:

* an expression over the step's model metrics (``trust_gov - trust_ngo``), ``t`` (the
  step), ``n`` (the number of citizens) and the citizens' arrays (``citizens.need``), e.g.
  ``mean(citizens.need > 0.5)``: parsed with :mod:`ast` and accepted only if every node is
  on a whitelist (numbers, arithmetic, comparisons, boolean operators, names,
  ``citizens.<array>`` and calls of :data:`FUNCTIONS`); nothing else is ever evaluated;
* ``path/to/file.py:function`` (relative to the scenario file; from ``--set`` or the Python
  API, to the working directory) or ``package.module:function``: a function
  ``f(model) -> float``, loaded by the plug-ins' loader (:func:`.plugins.load_function`).

This module checks what needs no simulation: the name, the syntax, the whitelist, each
function's number of arguments, that an expression gives one number (not one per
citizen), that a function loads. Which metric names and citizens' arrays exist is the
model's to know: :mod:`cogov.model.sim.custom_reporters` checks those and evaluates. The
scenario keeps only the strings, so it stays plain data and pickles (to process pools,
Dask, Slurm).

    >>> per_citizen(parse("mean(citizens.need > 0.5)")), sorted(free_names(parse("a - b * t")))
    (False, ['a', 'b', 't'])
    >>> parse("citizens.__dict__")
    Traceback (most recent call last):
    ...
    cogov.model.scenario.reporters.ReporterError: '__dict__' is not a name an expression may use (no names starting with _)
"""

from __future__ import annotations

import ast
import keyword
import re

from .plugins import PluginError, absolute_spec, load_function

# function -> (fewest arguments, most arguments, whether it reduces citizens' values to one
# number); min and max reduce with one argument and compare element-wise with more
FUNCTIONS: dict[str, tuple[int, int, bool]] = {
    "mean": (1, 1, True), "sum": (1, 1, True), "std": (1, 1, True), "var": (1, 1, True),
    "median": (1, 1, True), "quantile": (2, 2, True), "min": (1, 8, True),
    "max": (1, 8, True), "abs": (1, 1, False), "sqrt": (1, 1, False), "log": (1, 1, False),
    "exp": (1, 1, False), "where": (3, 3, False), "clip": (3, 3, False),
}
# columns of the results tables that say which run a row is (engine/stats.ID_COLUMNS and a
# sweep's bookkeeping): a reporter named so would overwrite one
RESERVED = ("step", "run_id", "point", "scenario", "replicate", "seed", "scenario_hash",
            "wall_time", "status", "error")

# the nodes that need no further check: the tree's structure and the operators
_ALLOWED = (ast.Expression, ast.Load, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare,
            ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.BitAnd,
            ast.BitOr, ast.UAdd, ast.USub, ast.Not, ast.And, ast.Or, ast.Lt, ast.LtE, ast.Gt,
            ast.GtE, ast.Eq, ast.NotEq)
_MODULE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


class ReporterError(Exception):
    """A reporter that cannot be used (the message has no key path: the caller adds
    ``outputs.reporters.NAME: ``)."""


# ------------------------------------------------------------------------ forms
def function_spec(text: str) -> bool:
    """Whether a reporter names a function (``file.py:f``, ``dir/file.py:f``, ``pkg.mod:f``)
    rather than being an expression (no whitelisted expression holds a colon)."""
    left, sep, name = text.strip().rpartition(":")
    if not (sep and name.isidentifier()):
        return False
    return left.endswith(".py") or "/" in left or "\\" in left or bool(_MODULE.fullmatch(left))


def absolute(text: str, folder=None) -> str:
    """A function spec with its file's path made absolute (relative to ``folder``, else the
    working directory); an expression unchanged."""
    return absolute_spec(text.strip(), folder) if function_spec(text) else text


# ------------------------------------------------------------------ expressions
def parse(text: str) -> ast.Expression:
    """The expression's syntax tree, every node checked against the whitelist.

    Raises:
        ReporterError: a syntax error, or a node, name, attribute or call not allowed.
    """
    if len(text) > MAX_LENGTH:
        raise ReporterError(f"an expression of {len(text)} characters; at most {MAX_LENGTH} "
                            "(write a function, file.py:name, for more)")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        column = f" at column {exc.offset}" if exc.offset else ""
        raise ReporterError(f"syntax error{column}: {exc.msg} (in {text.strip()!r})") from None
    except RecursionError:  # the parser's own limit, below MAX_LENGTH
        raise ReporterError(TOO_DEEP) from None
    for node in ast.walk(tree):
        _check_node(node)
    _check_depth(tree.body)
    return tree


MAX_LENGTH = 2000  # characters of an expression
MAX_DEPTH = 100  # levels of an expression's tree: evaluation recurses once per level
TOO_DEEP = (f"nested too deeply (more than {MAX_DEPTH} levels); write a function, "
            "file.py:name, instead")


def _check_depth(node: ast.AST, level: int = 0) -> None:
    if level > MAX_DEPTH:
        raise ReporterError(TOO_DEEP)
    for child in ast.iter_child_nodes(node):
        _check_depth(child, level + 1)


def _check_node(node: ast.AST) -> None:
    if isinstance(node, _ALLOWED):
        return
    if isinstance(node, ast.Constant):
        if isinstance(node.value, int | float):  # bool is an int: True counts 1
            return
        raise ReporterError(f"{node.value!r}: only numbers may be written as constants")
    if isinstance(node, ast.Name):
        _check_name(node.id)
    elif isinstance(node, ast.Attribute):
        _check_attribute(node)
    elif isinstance(node, ast.Call):
        _check_call(node)
    else:
        what = ast.unparse(node) if isinstance(node, ast.expr) else type(node).__name__
        raise ReporterError(f"{what}: not allowed in a reporter ({type(node).__name__}; "
                            "allowed: numbers, names, citizens.<array>, + - * / // % **, "
                            "comparisons, and/or/not, & |, and calls of "
                            f"{', '.join(FUNCTIONS)})")


def _check_name(name: str) -> None:
    if name.startswith("_"):
        raise ReporterError(f"{name!r} is not a name an expression may use (no names "
                            "starting with _)")


def _check_attribute(node: ast.Attribute) -> None:
    base = node.value
    if not (isinstance(base, ast.Name) and base.id == "citizens"):
        raise ReporterError(f"{ast.unparse(node)}: the only attributes an expression may read "
                            "are the citizens' arrays, citizens.<array>")
    _check_name(node.attr)


def _check_call(node: ast.Call) -> None:
    name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
    if name not in FUNCTIONS:
        from .errors import did_you_mean

        raise ReporterError(f"{name}(...): not a function an expression may call"
                            f"{did_you_mean(name, list(FUNCTIONS))} (functions: "
                            f"{', '.join(FUNCTIONS)})")
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        raise ReporterError(f"{ast.unparse(node)}: write the arguments plainly, in order "
                            "(no name=value, no *)")
    low, high, _ = FUNCTIONS[name]
    if not low <= len(node.args) <= high:
        want = str(low) if low == high else f"{low} to {high}"
        raise ReporterError(f"{ast.unparse(node)}: {name} takes {want} argument"
                            f"{'' if want == '1' else 's'}, got {len(node.args)}")
    if name == "quantile" and isinstance(node.args[1], ast.Constant) \
            and not 0 <= node.args[1].value <= 1:
        raise ReporterError(f"{ast.unparse(node)}: the quantile is a share in [0, 1], "
                            f"got {node.args[1].value!r}")


def free_names(tree: ast.AST) -> set[str]:
    """The variables an expression reads (metric names, ``t``, ``n``), not ``citizens``."""
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    bases = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    return {n.id for n in ast.walk(tree)
            if isinstance(n, ast.Name) and id(n) not in calls and id(n) not in bases}


def arrays(tree: ast.AST) -> set[str]:
    """The citizens' arrays an expression reads (``citizens.need`` -> ``need``)."""
    return {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}


def per_citizen(node: ast.AST) -> bool:
    """Whether an (already checked) expression gives one value per citizen rather than one
    number: ``citizens.X`` does, a reduction (mean, sum, ...) does not, the rest pass it on."""
    if isinstance(node, ast.Expression):
        return per_citizen(node.body)
    if isinstance(node, ast.Attribute):
        return True
    if isinstance(node, ast.Call):
        inner = any(per_citizen(a) for a in node.args)
        reduces = FUNCTIONS[node.func.id][2] and not (node.func.id in ("min", "max")
                                                     and len(node.args) > 1)
        return inner and not reduces
    return any(per_citizen(child) for child in ast.iter_child_nodes(node))


# ---------------------------------------------------------------------- the key
def check(reporters: dict, errors: list[str], at: str = "outputs.reporters") -> dict:
    """``outputs.reporters`` checked (each problem appended to ``errors``, naming
    ``outputs.reporters.NAME``); returns it with function files made absolute."""
    out = {}
    for name, text in reporters.items():
        where = f"{at}.{name}"
        problem = _name_problem(name) or _text_problem(text)
        if problem:
            errors.append(f"{where}: {problem}")
            continue
        out[name] = absolute(text)
    return out


def _name_problem(name) -> str:
    if not (isinstance(name, str) and name.isidentifier()) or keyword.iskeyword(name):
        return (f"the name {name!r} is not an identifier (a column name such as trust_gap: "
                "letters, digits and _)")
    if name.startswith("_"):
        return f"the name {name!r} starts with _ (a column name such as trust_gap)"
    if name in RESERVED:
        return (f"the name {name!r} is a column the results tables keep for the run "
                f"({', '.join(RESERVED)}); choose another")
    return ""


def _text_problem(text) -> str:
    if not isinstance(text, str) or not text.strip():
        return ("expected an expression (\"trust_gov - trust_ngo\") or a function "
                f"(\"my_reporters.py:index\"), got {text!r}")
    try:
        if function_spec(text):
            load_function(absolute(text))
        elif per_citizen(parse(text)):
            return (f"{text.strip()!r} gives one value per citizen, not one number; reduce "
                    "it, e.g. mean(...), sum(...), quantile(..., 0.9)")
    except (ReporterError, PluginError) as exc:
        return str(exc)
    return ""

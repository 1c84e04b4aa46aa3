"""cogov: an agent-based model of collaborative governance (Mesa 3.3).

The import package. Its code lives in the checkout's top-level folders, which
the package maps in (``pyproject.toml``, ``[tool.setuptools.package-dir]``):

- ``cogov.model``  -> ``model/``  (scenario/, sim/, engine/, figures/, studies/, ui/: docs/architecture.md)
- ``cogov.agents`` -> ``agents/`` (government, hub organisations, NGOs, citizens)
- presets          -> ``scenarios/`` (:func:`preset`, :func:`presets`)

    >>> import cogov
    >>> "adaptive" in cogov.presets()
    True
    >>> cogov.load_scenario("adaptive").governance.adaptation
    True

Exports are loaded on first use, so ``cogov --help`` does not import Mesa; ``dir(cogov)``
lists them (tab completion finds them) and ``help(cogov.compare)`` shows each one's
documentation. docs/api.md is the reference, generated from their docstrings
(``python -m cogov.model.ui.apidoc docs/api.md``). Every function that takes a scenario
takes a preset name (``"adaptive"``), the path of a scenario file or a :class:`Scenario`.

Exports:

- Scenarios: ``Scenario``, ``ScenarioError``, ``load_scenario``, ``scenario_from_dict``,
  ``preset``, ``presets``
- One model: ``GovernanceModel``, ``run_scenario``
- Many runs: ``compare``, ``run_replicates``, ``replicate_seeds``, ``sweep``, ``run_sweep``,
  ``Design``
- Studies: ``sensitivity``, ``calibrate``, ``decompose``, ``gap_map``, ``gap_sobol``
- The command line: ``main`` (``cogov ...``)
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

_HERE = Path(__file__).resolve().parent
if not (_HERE / "model").is_dir():
    # Run from a checkout (python run.py, pytest, a notebook): the mapped folders
    # are the checkout's top-level ones, beside this package.
    __path__.append(str(_HERE.parent))  # noqa: F821 - the package's own __path__

from importlib.metadata import PackageNotFoundError, version  # noqa: E402

try:  # (the import is outside: a Ctrl-C during it stays a KeyboardInterrupt, not a NameError)
    __version__ = version("cogov")
except PackageNotFoundError:  # a checkout that was never installed
    __version__ = "0+checkout"

_EXPORTS = {
    "GovernanceModel": "cogov.model.sim.model",
    "Scenario": "cogov.model.scenario",
    "ScenarioError": "cogov.model.scenario",
    "load_scenario": "cogov.model.scenario",
    "scenario_from_dict": "cogov.model.scenario",
    "preset": "cogov.model.scenario",
    "presets": "cogov.model.scenario",
    "run_scenario": "cogov.model.engine.run",
    "run_replicates": "cogov.model.engine.compare",
    "compare": "cogov.model.engine.compare",
    "replicate_seeds": "cogov.model.engine.seeds",
    "sweep": "cogov.model.engine.sweep",
    "run_sweep": "cogov.model.engine.sweep",
    "Design": "cogov.model.engine.design",
    "sensitivity": "cogov.model.studies.sensitivity",
    "calibrate": "cogov.model.studies.calibrate",
    "decompose": "cogov.model.studies.decompose",
    "gap_map": "cogov.model.studies.gap",
    "gap_sobol": "cogov.model.studies.gap",
    "main": "cogov.model.ui.cli",
}
__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name):
    """An export, imported from its module on first use."""
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'cogov' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's own names and every export (loaded on first use), so ``dir(cogov)`` and
    tab completion find them."""
    return sorted(set(globals()) | set(_EXPORTS))

"""cogov: an agent-based model of collaborative governance (Mesa 3.3).

The import package. Its code lives in the checkout's top-level folders, which
the package maps in (``pyproject.toml``, ``[tool.setuptools.package-dir]``):

- ``cogov.model``  -> ``model/``  (scenario, network, mechanisms, the Mesa model, experiments)
- ``cogov.agents`` -> ``agents/`` (government, hub organisations, NGOs, citizens)
- presets          -> ``scenarios/`` (:func:`preset`, :func:`presets`)

    >>> import cogov
    >>> "adaptive" in cogov.presets()
    True
    >>> cogov.load_scenario("adaptive").governance.adaptation
    True

Exports are loaded on first use, so ``cogov --help`` does not import Mesa.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

_HERE = Path(__file__).resolve().parent
if not (_HERE / "model").is_dir():
    # Run from a checkout (python run.py, pytest, a notebook): the mapped folders
    # are the checkout's top-level ones, beside this package.
    __path__.append(str(_HERE.parent))  # noqa: F821 - the package's own __path__

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("cogov")
except PackageNotFoundError:  # a checkout that was never installed
    __version__ = "0+checkout"

_EXPORTS = {
    "GovernanceModel": "cogov.model.model",
    "Scenario": "cogov.model.scenario",
    "ScenarioError": "cogov.model.scenario",
    "load_scenario": "cogov.model.scenario",
    "scenario_from_dict": "cogov.model.scenario",
    "preset": "cogov.model.scenario",
    "presets": "cogov.model.scenario",
    "run_scenario": "cogov.model.runner",
    "run_replicates": "cogov.model.runner",
    "compare": "cogov.model.compare",
    "replicate_seeds": "cogov.model.runner",
    "sweep": "cogov.model.sweep",
    "run_sweep": "cogov.model.sweep",
    "Design": "cogov.model.design",
    "sensitivity": "cogov.model.sensitivity",
    "calibrate": "cogov.model.calibrate",
    "decompose": "cogov.model.decompose",
    "gap_map": "cogov.model.gap",
    "gap_sobol": "cogov.model.gap",
    "main": "cogov.model.cli",
}
__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'cogov' has no attribute {name!r}")

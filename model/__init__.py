"""cogov model package: folders of one concern, imports only downward (docs/architecture.md).

scenario/ (what a run is) -> sim/ (one Mesa model and its mechanisms) -> engine/ (running
many) -> figures/ -> studies/ -> ui/ (CLI, app).

Exports are loaded on first use, so ``python run.py --help`` does not import
Mesa, numpy or scipy.
"""

from importlib import import_module

_EXPORTS = {
    "GovernanceModel": "cogov.model.sim.model",
    "Scenario": "cogov.model.scenario",
    "ScenarioError": "cogov.model.scenario",
    "load_scenario": "cogov.model.scenario",
    "scenario_from_dict": "cogov.model.scenario",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'cogov.model' has no attribute {name!r}")

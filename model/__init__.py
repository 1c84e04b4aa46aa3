"""cogov model package: scenario, network, mechanisms, metrics and the Mesa model."""

from .model import GovernanceModel
from .scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict

__all__ = ["GovernanceModel", "Scenario", "ScenarioError", "load_scenario", "scenario_from_dict"]

"""What a run is: the scenario, from YAML file to a frozen, validated tree of sections.

Lowest layer of the house (docs/architecture.md); imports nothing else of cogov.

- :mod:`.errors`: :class:`ScenarioError` (naming each key path), warnings, the on/off words.
- :mod:`.sections`: the typed sections, each field with its range, meaning and
  provenance; each section's own cross-key checks beside it.
- :mod:`.schema`: :class:`Scenario`, conversion and validation, dotted overrides.
- :mod:`.files`: YAML files, ``extends:``, presets, ``--set``.
- :mod:`.shifts`: Essay 7's four shifts as overlays of instruments.
- :mod:`.network_file`: reading a network file.
- :mod:`.plugins`: loading plug-in mechanisms (and custom reporters' functions).
- :mod:`.reporters`: custom reporters (``outputs.reporters``): parsed, checked against a
  whitelist.
- :mod:`.parameters`: every parameter as a record with its meaning and provenance
  (source, assumption or design); writes docs/model.md's parameter table
  (``python -m cogov.model.scenario.parameters docs/model.md``).

    >>> from cogov.model.scenario import load_scenario
    >>> load_scenario("adaptive").governance.adaptation
    True
"""

from .errors import BOOL_WORDS, CogovWarning, ScenarioError, did_you_mean, warn
from .files import (
    ScenarioLike,
    as_scenario,
    as_scenarios,
    comparison_warnings,
    load_scenario,
    load_yaml,
    parse_overrides,
    preset,
    presets,
    presets_dir,
    read_scenario_file,
    resolve_scenario_path,
    scenario_warnings,
)
from .schema import Scenario, leaf_type, scenario_fields, scenario_from_dict

__all__ = ["BOOL_WORDS", "CogovWarning", "Scenario", "ScenarioError", "ScenarioLike",
           "as_scenario", "as_scenarios", "comparison_warnings",
           "did_you_mean", "leaf_type", "load_scenario", "load_yaml", "parse_overrides", "preset",
           "presets", "presets_dir", "read_scenario_file", "resolve_scenario_path",
           "scenario_fields", "scenario_from_dict", "scenario_warnings", "warn"]

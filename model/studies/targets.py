"""Calibration targets: observed moments the model should reproduce, read and checked.

A targets file lists figures from data, each a statistic of one metric column
(docs/model.md, "Metrics") with the scale of error that counts as a miss::

    targets:
      - metric: hub_leverage          # any metric column
        value: 2.625
        statistic: final_mean         # final_mean (default) | mean | max | min | at_step
        tolerance: 0.1                # the error's scale: weight 1/tolerance^2
        source: "Pudong union 2016, Essay 2 §4"

It is validated like a scenario: every problem is reported with its key path
(``targets.0.metric``) and a did-you-mean, before anything runs.

    >>> t = parse_targets({"targets": [{"metric": "unmet_need", "value": 0.1, "tolerance": 0.02}]})
    >>> t[0].label, t[0].statistic
    ('unmet_need', 'final_mean')
    >>> parse_targets({"targets": [{"metric": "unmet_ned", "value": 0.1, "tolerance": 0.02}]})
    Traceback (most recent call last):
    ...
    cogov.model.scenario.errors.ScenarioError: targets.0.metric: unknown metric 'unmet_ned'; did you mean 'unmet_need'?
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..scenario.errors import ScenarioError, did_you_mean
from ..scenario.files import yaml_error
from ..sim.reporters import METRICS

STATISTICS = ("final_mean", "mean", "max", "min", "at_step")
TARGET_KEYS = ("metric", "value", "statistic", "step", "tolerance", "source")
TARGET_METRICS = tuple(m for m in METRICS if m != "step")


@dataclass(frozen=True)
class Target:
    """One observed moment.

    Attributes:
        metric: a metric column (model/sim/metrics.py).
        value: the observed value.
        statistic: how one run's time series becomes one number (:func:`moment`).
        tolerance: the scale of a miss; the target's weight is 1 / tolerance².
        step: the step read by ``at_step`` (0 = the state before step 1).
        source: where the value comes from (free text, kept in calibration.json).
    """

    metric: str
    value: float
    tolerance: float
    statistic: str = "final_mean"
    step: int | None = None
    source: str = ""

    @property
    def label(self) -> str:
        """Column name of this moment: ``unmet_need``, ``trust_gov.mean``, ``trust_gov.at_step_5``."""
        if self.statistic == "final_mean":
            return self.metric
        if self.statistic == "at_step":
            return f"{self.metric}.at_step_{self.step}"
        return f"{self.metric}.{self.statistic}"

    def to_dict(self) -> dict:
        """Plain data (for calibration.json)."""
        return asdict(self)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _parse_one(raw: Any, where: str, errors: list[str]) -> Target | None:
    if not isinstance(raw, dict):
        errors.append(f"{where}: expected a mapping (metric, value, tolerance, ...), got {raw!r}")
        return None
    bad = len(errors)
    for key in raw:
        if key not in TARGET_KEYS:
            hint = did_you_mean(str(key), list(TARGET_KEYS)) or f" (known: {', '.join(TARGET_KEYS)})"
            errors.append(f"{where}.{key}: unknown key{hint}")
    metric = raw.get("metric")
    if metric is None:
        errors.append(f"{where}.metric: required (a metric column, e.g. unmet_need)")
    elif metric not in TARGET_METRICS:
        errors.append(f"{where}.metric: unknown metric {metric!r}"
                      f"{did_you_mean(str(metric), list(TARGET_METRICS))}")
    value = _number(raw.get("value"))
    if value is None:
        errors.append(f"{where}.value: expected a finite number, got {raw.get('value')!r}")
    statistic = raw.get("statistic", "final_mean")
    if statistic not in STATISTICS:
        errors.append(f"{where}.statistic: expected one of {', '.join(STATISTICS)}, got "
                      f"{statistic!r}{did_you_mean(str(statistic), list(STATISTICS))}")
    step = raw.get("step")
    if statistic == "at_step" and step is None:
        errors.append(f"{where}.step: required with statistic at_step")
    elif step is not None and statistic != "at_step":
        errors.append(f"{where}.step: only used with statistic at_step, got statistic {statistic!r}")
    elif step is not None and (isinstance(step, bool) or not isinstance(step, int) or step < 0):
        errors.append(f"{where}.step: expected a whole number >= 0, got {step!r}")
    tolerance = _number(raw.get("tolerance"))
    if "tolerance" not in raw:
        errors.append(f"{where}.tolerance: required (the scale of a miss; weight 1/tolerance²)")
    elif tolerance is None or tolerance <= 0:
        errors.append(f"{where}.tolerance: expected a number > 0, got {raw.get('tolerance')!r}")
    source = raw.get("source", "")
    if not isinstance(source, str):
        errors.append(f"{where}.source: expected text, got {source!r}")
    if len(errors) > bad:
        return None
    return Target(metric=metric, value=value, tolerance=tolerance, statistic=statistic,
                  step=step, source=source)


def parse_targets(raw: Any, origin: str = "targets file") -> list[Target]:
    """Validate plain data (``{"targets": [...]}`` or the bare list) into targets.

    Raises:
        ScenarioError: every problem, each naming its key path.
    """
    if isinstance(raw, dict):
        unknown = [k for k in raw if k != "targets"]
        if unknown:
            raise ScenarioError([f"{k}: unknown key{did_you_mean(str(k), ['targets'])} "
                                 f"(a {origin} holds one key, targets:)" for k in unknown])
        raw = raw.get("targets")
    if not isinstance(raw, list) or not raw:
        raise ScenarioError([f"targets: expected a non-empty list of targets in the {origin}"])
    errors: list[str] = []
    targets = [_parse_one(item, f"targets.{i}", errors) for i, item in enumerate(raw)]
    seen: dict[str, int] = {}
    for i, t in enumerate(targets):
        if t is None:
            continue
        if t.label in seen:
            errors.append(f"targets.{i}: same metric and statistic as targets.{seen[t.label]} "
                          f"({t.label}); merge them")
        seen.setdefault(t.label, i)
    if errors:
        raise ScenarioError(errors)
    return targets


def read_targets(path: str | Path) -> list[Target]:
    """Read and validate a targets YAML file."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read targets file ({exc.strerror})"]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([yaml_error(str(path), exc)]) from None
    if not isinstance(raw, dict):
        raise ScenarioError([f"{path}: a targets file must be a mapping with a list under "
                             "targets:"])
    return parse_targets(raw, f"targets file {path}")


def check_steps(targets: list[Target], steps: int) -> None:
    """An ``at_step`` target must name a recorded step (rows 0..steps)."""
    errors = [f"targets.{i}.step: the runs record steps 0..{steps}, got {t.step}"
              for i, t in enumerate(targets) if t.statistic == "at_step" and t.step > steps]
    if errors:
        raise ScenarioError(errors)


def moment(target: Target, metrics: pd.DataFrame, window: int) -> float:
    """One run's value of a target's statistic.

    ``final_mean`` is the mean over the last ``window`` steps (the final window of
    every summary); ``mean``, ``max`` and ``min`` run over steps 1..N; row 0, the
    state before step 1, is read only by ``at_step`` with ``step: 0``. Missing
    values (a ratio with nothing to divide) are skipped, as in the final window;
    a statistic with no value at all is NaN.
    """
    if target.statistic == "at_step":
        rows = metrics.loc[metrics["step"] == target.step, target.metric]
        return float(rows.iloc[0]) if len(rows) else math.nan
    body = metrics.loc[metrics["step"] > 0, target.metric]
    if target.statistic == "final_mean":
        body = body.tail(window)
    return float(getattr(body, target.statistic.removeprefix("final_"))())

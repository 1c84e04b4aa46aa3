"""What each metric is called, its unit and its range, for figures and tables.

The one source is each metric's declaration beside the code that computes it
(``@metric(label, unit, low, high)``, :mod:`cogov.model.sim.mechanism`);
docs/model.md's metric table (section 8) is checked against them by tests/test_plots.py.

    >>> METRIC_INFO["unmet_need"].label, METRIC_INFO["unmet_need"].bounds
    ('unmet need', (0.0, 1.0))
    >>> axis_label("resource_leverage")
    'money per unit of government money'
"""

from __future__ import annotations

import math
import re

from ..sim.mechanism import MetricInfo
from ..sim.reporters import reporters

_ROW = re.compile(r"^\| `(\w+)` \| ([^|]+?) \| ([^|]+?) \| ([\[(][^|]+?[\])]) \|")


def parse_range(text: str) -> tuple[float, float]:
    """'[0, 1]' -> (0, 1); '[1, ∞)' -> (1, inf)."""
    low, high = (part.strip() for part in text.strip()[1:-1].split(","))
    return float(low), (math.inf if high == "∞" else float(high))


def parse_metric_table(markdown: str) -> dict[str, MetricInfo]:
    """The rows of docs/model.md's metric table (``| `name` | label | unit | range | ...``)."""
    table = {}
    for line in markdown.splitlines():
        match = _ROW.match(line)
        if match:
            name, label, unit, bounds = match.groups()
            table[name] = MetricInfo(label.strip(), unit.strip(), *parse_range(bounds))
    return table


# every built-in metric, in the order of the columns
METRIC_INFO: dict[str, MetricInfo] = {name: fn.info for name, fn in reporters().items()}


def info(metric: str) -> MetricInfo:
    """The metric's entry; a metric missing from the table gets its own name and no unit."""
    return METRIC_INFO.get(metric) or plugin_info(metric) or MetricInfo(metric, "", -math.inf,
                                                                        math.inf)


def plugin_info(metric: str) -> MetricInfo | None:
    """What a loaded plug-in mechanism declares for ``metric`` with ``@metric`` (None if none
    of them has it; docs/plugins.md)."""
    from ..scenario.plugins import metric_info

    found = metric_info(metric)
    return MetricInfo(*found) if found else None


def title(metric: str) -> str:
    """Panel title: the documented label."""
    return info(metric).label


def axis_label(metric: str) -> str:
    """Y-axis label: the documented unit."""
    return info(metric).unit


def bounds(metric: str) -> tuple[float, float]:
    """The documented range (low, high); (-inf, inf) for an unknown metric."""
    return info(metric).bounds

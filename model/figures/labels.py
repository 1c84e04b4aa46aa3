"""What each metric is called, its unit and its range, for figures and tables.

The one source is the metric table of docs/model.md (section 8: column, label,
unit, range). This module holds a copy, so an installed package (which has no
docs/) can label its figures; ``python -m cogov.model.figures.labels`` rewrites the
copy from the table of a checkout, and tests/test_plots.py keeps the two equal.

    >>> METRIC_INFO["unmet_need"].label, METRIC_INFO["unmet_need"].bounds
    ('unmet need', (0.0, 1.0))
    >>> axis_label("resource_leverage")
    'money per unit of government money'
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path
from typing import NamedTuple


class MetricInfo(NamedTuple):
    """A metric's label (panel title), unit (y label) and documented range."""

    label: str
    unit: str
    low: float
    high: float

    @property
    def bounds(self) -> tuple[float, float]:
        """(low, high); high is ``math.inf`` for an unbounded metric."""
        return (self.low, self.high)


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


def _literal(table: dict[str, MetricInfo]) -> str:
    def number(x: float) -> str:
        return "math.inf" if math.isinf(x) else repr(float(x))

    rows = [f"    {name!r}: MetricInfo({i.label!r}, {i.unit!r}, {number(i.low)}, {number(i.high)}),"
            for name, i in table.items()]
    return "METRIC_INFO = {\n" + "\n".join(rows) + "\n}\n"


# BEGIN TABLE (generated from docs/model.md by `python -m cogov.model.figures.labels`)
METRIC_INFO = {
    'step': MetricInfo('step', 'steps', 0.0, math.inf),
    'trust_gov': MetricInfo('trust in government', 'index', 0.0, 1.0),
    'trust_ngo': MetricInfo('trust in NGOs', 'index', 0.0, 1.0),
    'satisfaction': MetricInfo('satisfaction', 'share of need met', 0.0, 1.0),
    'unmet_need': MetricInfo('unmet need', 'share of need', 0.0, 1.0),
    'cooperation': MetricInfo('co-production', 'share of citizens', 0.0, 1.0),
    'service_gini': MetricInfo('inequality of service', 'Gini index', 0.0, 1.0),
    'resource_leverage': MetricInfo('resource leverage', 'money per unit of government money', 1.0, math.inf),
    'cost_per_need': MetricInfo('cost per need met', 'money per unit of need met', 0.0, math.inf),
    'citizen_contributions': MetricInfo("citizens' contributions", 'money per step', 0.0, math.inf),
    'gov_spent': MetricInfo('government spending', 'money per step', 0.0, math.inf),
    'social_funds': MetricInfo('social funds', 'money per step', 0.0, math.inf),
    'incentive_spend': MetricInfo('incentive spending', 'money per step', 0.0, math.inf),
    'ngo_count': MetricInfo('NGOs', 'count', 0.0, math.inf),
    'ledger_error': MetricInfo('ledger error', 'share of sources', 0.0, math.inf),
    'opinion_mean': MetricInfo('opinion of government', 'index', 0.0, 1.0),
    'opinion_clusters': MetricInfo('opinion clusters', 'count', 0.0, math.inf),
    'polarization': MetricInfo('polarization', 'index', 0.0, 1.0),
    'attention': MetricInfo('attention to an incident', 'share of citizens', 0.0, 1.0),
    'unrest': MetricInfo('unrest', 'share of citizens', 0.0, 1.0),
    'arrests': MetricInfo('arrests', 'count per step', 0.0, math.inf),
    'warnings': MetricInfo('early warnings', 'districts per step', 0.0, math.inf),
    'response_spend': MetricInfo('early-warning response', 'money per step', 0.0, math.inf),
    'responses_to_opinion': MetricInfo('responses to online opinion', 'districts per step', 0.0, math.inf),
    'response_spend_opinion': MetricInfo('spending on responses to opinion', 'money per citizen per step', 0.0, math.inf),
    'disputes_open': MetricInfo('open disputes', 'count', 0.0, math.inf),
    'disputes_resolved': MetricInfo('disputes resolved', 'count per step', 0.0, math.inf),
    'disputes_abandoned': MetricInfo('disputes abandoned', 'count per step', 0.0, math.inf),
    'resolution_time': MetricInfo('time to resolve a dispute', 'steps', 0.0, math.inf),
    'mediation_cost': MetricInfo('mediation cost', 'money per step', 0.0, math.inf),
    'disputes_overdue': MetricInfo('overdue disputes', 'per 1,000 citizens per step', 0.0, math.inf),
    'disputes_recurred': MetricInfo('recurred disputes', 'per 1,000 citizens per step', 0.0, math.inf),
    'petitions': MetricInfo('petitions', 'per 1,000 citizens per step', 0.0, math.inf),
    'ngo_entries': MetricInfo('NGOs incubated', 'count per step', 0.0, math.inf),
    'ngo_exits': MetricInfo('NGOs closed', 'count per step', 0.0, math.inf),
    'mean_ngo_credit': MetricInfo('NGO credit', 'index', 0.0, 1.0),
    'blacklisted': MetricInfo('blacklisted NGOs', 'count', 0.0, math.inf),
    'ngo_default_rate': MetricInfo('NGO default rate', 'share of project money', 0.0, 1.0),
    'hub_funds_raised': MetricInfo('funds raised by hubs', 'money per step', 0.0, math.inf),
    'hub_reach': MetricInfo('hub reach', 'share of planned money', 0.0, 1.0),
    'hub_leverage': MetricInfo('hub leverage', 'money per unit of hub grants', 1.0, math.inf),
    'ngos_linked': MetricInfo('NGOs linked to hubs', 'count', 0.0, math.inf),
    'ngos_funded': MetricInfo('linked NGOs funded', 'count', 0.0, math.inf),
    'ngos_funded_share': MetricInfo('share of linked NGOs funded', 'share of linked NGOs', 0.0, 1.0),
    'projects_per_funded_ngo': MetricInfo('purchases per funded NGO', 'purchases per NGO', 0.0, math.inf),
    'projects_active': MetricInfo('projects running', 'count', 0.0, math.inf),
    'project_failures': MetricInfo('project failures', 'count per step', 0.0, math.inf),
    'relocation_compensation': MetricInfo('relocation compensation', 'money per step', 0.0, math.inf),
    'relocation_unmet': MetricInfo('unmet need of the displaced', 'share of their need', 0.0, 1.0),
    'contract_coverage': MetricInfo('collective contract coverage', 'share of workers', 0.0, 1.0),
    'labour_disputes': MetricInfo('labour disputes', 'count per step', 0.0, math.inf),
    'firm_sanctions': MetricInfo('firms sanctioned', 'count per step', 0.0, math.inf),
    'emergency_response_time': MetricInfo('emergency response time', 'steps', 0.0, math.inf),
    'shock_recovery_steps': MetricInfo('shock recovery time', 'steps', 0.0, math.inf),
    'emergency_spend': MetricInfo('emergency spending', 'money per citizen per step', 0.0, math.inf),
    'emergency_unmet': MetricInfo('unmet need where the shock hit', 'need units per citizen', 0.0, math.inf),
    'rewards_paid': MetricInfo('credit rewards paid', 'money per 1,000 citizens per step', 0.0, math.inf),
    'credit_spend': MetricInfo('credit programme spending', 'money per 1,000 citizens per step', 0.0, math.inf),
    'citizen_credit_mean': MetricInfo("citizens' credit", 'index', 0.0, 1.0),
    'government_credit': MetricInfo("government bodies' credit", 'index', 0.0, 1.0),
    'interests_reported': MetricInfo('interests reported by hubs', 'share of citizens', 0.0, 1.0),
    'policy_changes': MetricInfo('policy changes from interests', 'changes per step', 0.0, math.inf),
    'procedural_justice': MetricInfo('procedural justice', 'index', 0.0, 1.0),
    'legitimacy': MetricInfo('legitimacy', 'index', 0.0, 1.0),
    'violations': MetricInfo('rule violations', 'share of citizens', 0.0, 1.0),
    'sanctions': MetricInfo('sanctions', 'per 1,000 citizens per step', 0.0, 1000.0),
    'appeals': MetricInfo('appeals', 'per 1,000 citizens per step', 0.0, 1000.0),
    'crime_rate': MetricInfo('crime rate', 'offences per 1,000 citizens per step', 0.0, math.inf),
    'victimisation': MetricInfo('victimisation', 'share of citizens', 0.0, 1.0),
    'crime_concentration': MetricInfo('crime concentration', 'share of offences', 0.0, 1.0),
    'recidivism': MetricInfo('recidivism', 'share of releases', 0.0, 1.0),
    'guardianship': MetricInfo('guardianship', 'index', 0.0, 1.0),
    'security_spend': MetricInfo('security spending', 'money per citizen per step', 0.0, math.inf),
    'clearance_rate': MetricInfo('clearance rate', 'share of offences', 0.0, 1.0),
}
# END TABLE


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


def regenerate(docs: Path, module: Path) -> None:
    """Rewrite the table between the BEGIN/END TABLE lines of ``module`` from ``docs``."""
    table = parse_metric_table(docs.read_text(encoding="utf-8"))
    if not table:
        raise SystemExit(f"{docs}: no metric table found")
    text = module.read_text(encoding="utf-8")
    head, rest = text.split("# BEGIN TABLE", 1)
    begin, rest = rest.split("\n", 1)
    _, tail = rest.split("# END TABLE", 1)
    module.write_text(f"{head}# BEGIN TABLE{begin}\n{_literal(table)}# END TABLE{tail}",
                      encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    here = Path(__file__).resolve()
    docs = Path(sys.argv[1]) if len(sys.argv) > 1 else here.parents[2] / "docs" / "model.md"
    regenerate(docs, here)
    print(f"{here}: {len(parse_metric_table(docs.read_text(encoding='utf-8')))} metrics from {docs}")

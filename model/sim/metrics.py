"""Model-level metrics: plain module-level functions (they pickle for parallel runs).

Column names are a contract (docs/model.md, "Metrics"); ``REPORTERS`` maps each
name to its function and is what the DataCollector uses.
"""

from __future__ import annotations

import math

import numpy as np

from .mechanism import metric
from .population import _ratio


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal, -> 1 = concentrated).

    >>> gini(np.array([1.0, 1.0, 1.0]))
    0.0
    >>> round(gini(np.array([0.0, 0.0, 0.0, 1.0])), 3)
    0.75
    """
    x = np.sort(np.asarray(x, dtype=float))
    n, total = x.size, x.sum()
    if n == 0 or total <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2.0 * (ranks * x).sum()) / (n * total) - (n + 1.0) / n)


@metric("step", "steps", 0)
def step(m) -> int:
    """Steps completed (0 = the state before step 1: the last warm-up step, docs section 8)."""
    return m.steps


@metric("trust in government", "index", 0, 1)
def trust_gov(m) -> float:
    """Mean trust in government (= government credibility)."""
    return float(m.citizens.trust_gov.mean())


@metric("trust in NGOs", "index", 0, 1)
def trust_ngo(m) -> float:
    """Mean trust in NGOs."""
    return float(m.citizens.trust_ngo.mean())


@metric("satisfaction", "share of need met", 0, 1)
def satisfaction(m) -> float:
    """Mean satisfaction, received / need."""
    return float(m.citizens.satisfaction.mean())


@metric("unmet need", "share of need", 0, 1)
def unmet_need(m) -> float:
    """Unmet need / total need, Σ need·(1 − S) / Σ need.

    Equal to Σ (need − received) / Σ need once service is delivered (S = received / need);
    in row 0 without a warm-up it follows the initial satisfaction (citizens' past
    experience), like ``satisfaction`` does, rather than reading an empty first delivery as 1.
    """
    c = m.citizens
    return _ratio(float((c.need * (1.0 - c.satisfaction)).sum()), float(c.need.sum()))


@metric("co-production", "share of citizens", 0, 1)
def cooperation(m) -> float:
    """Fraction of citizens contributing to co-production."""
    return float(m.citizens.strategy.mean())


@metric("inequality of service", "Gini index", 0, 1)
def service_gini(m) -> float:
    """Gini of the share of need met (received / need) across citizens."""
    return gini(m.citizens.satisfaction)


@metric("government spending", "money per step", 0)
def gov_spent(m) -> float:
    """Government money spent or transferred this step (not money saved in the contingency
    fund until the fund pays for a response)."""
    return float(m.government.spent)


@metric("social funds", "money per step", 0)
def social_funds(m) -> float:
    """Social funds raised by hubs this step (and donations to emergency responses, 7.21)."""
    return float(m.ledger.this_step["social_funds"])


@metric("resource leverage", "money per unit of government money", 1.0)
def resource_leverage(m) -> float:
    """(government + social funds spent) / government funds spent."""
    return _ratio(gov_spent(m) + social_funds(m), gov_spent(m))


@metric("cost per need met", "money per unit of need met", 0)
def cost_per_need(m) -> float:
    """(government + social spend + citizens' co-production contributions) per unit of need met."""
    return _ratio(gov_spent(m) + social_funds(m) + citizen_contributions(m),
                  float(m.citizens.received.sum()))


@metric("citizens' contributions", "money per step", 0)
def citizen_contributions(m) -> float:
    """What citizens put into co-production this step (in money units, c per group joined)."""
    return float(m.incentives.contributed)


@metric("NGOs", "count", 0)
def ngo_count(m) -> int:
    """Number of NGOs."""
    return len(m.ngos)


@metric("ledger error", "share of sources", 0)
def ledger_error(m) -> float:
    """|sources - uses - balances| / sources, cumulative over the run."""
    return m.ledger.error(m.balance())


@metric("NGO credit", "index", 0, 1)
def mean_ngo_credit(m) -> float:
    """Mean NGO credit: buyers' records with social credit on, citizens' uptake otherwise."""
    return float(np.mean([g.credit for g in m.ngos])) if m.ngos else math.nan


@metric("NGO default rate", "share of project money", 0, 1)
def ngo_default_rate(m) -> float:
    """Share of this step's project money paid to NGOs that delivered less than promised."""
    paid = sum(g.funds for g in m.ngos)
    shirked = sum(g.funds for g in m.ngos if g.service < g.promised - 1e-12)
    return shirked / paid if paid > 0 else math.nan


@metric("funds raised by hubs", "money per step", 0)
def hub_funds_raised(m) -> float:
    """Social funds raised by hubs this step (gathering force; = social_funds while only hubs raise)."""
    return float(sum(h.raised for h in m.hubs))


@metric("hub reach", "share of planned money", 0, 1)
def hub_reach(m) -> float:
    """Share of the money planned for hub fields' cells that went to hubs as grants this step."""
    fields = m.scenario.population.need.fields
    hub_fields = sorted({h.field for h in m.hubs})
    planned = m.resources.planned.reshape(-1, fields)[:, hub_fields].sum() if hub_fields else 0.0
    return _ratio(float(sum(h.grant for h in m.hubs)), float(planned))


@metric("hub leverage", "money per unit of hub grants", 1.0)
def hub_leverage(m) -> float:
    """Hub-level leverage, (Σ hub grants + Σ social funds hubs raise) / Σ hub grants, this step
    (NaN when no hub received a grant). Pudong 2016: (8M + 13M) / 8M = 2.625."""
    grants = float(sum(h.grant for h in m.hubs))
    return _ratio(grants + float(sum(h.raised for h in m.hubs)), grants)


@metric("NGOs linked to hubs", "count", 0)
def ngos_linked(m) -> int:
    """NGOs linked to a hub (its members), a count (not per capita)."""
    return sum(len(h.members) for h in m.hubs)


def _funded(m) -> list:
    """Linked NGOs paid project money this step, by a hub or the government."""
    return [g for g in m.ngos if g.hub is not None and g.funds > 0]


@metric("linked NGOs funded", "count", 0)
def ngos_funded(m) -> int:
    """NGOs linked to a hub that received project money (from a hub or the government) this
    step, a count; never more than ``ngos_linked``."""
    return len(_funded(m))


@metric("share of linked NGOs funded", "share of linked NGOs", 0, 1)
def ngos_funded_share(m) -> float:
    """ngos_funded / ngos_linked (NaN when no NGO is linked): a share, scale-free."""
    return _ratio(float(ngos_funded(m)), float(ngos_linked(m)))


@metric("purchases per funded NGO", "purchases per NGO", 0)
def projects_per_funded_ngo(m) -> float:
    """Purchases (buyer–NGO pairs that paid money this step) per funded linked NGO (NaN if none
    was funded). With project procurement a purchase is a running contract."""
    funded = _funded(m)
    pairs = sum(1 for g in funded for paid in g.funders.values() if paid > 0)
    return _ratio(float(pairs), float(len(funded)))



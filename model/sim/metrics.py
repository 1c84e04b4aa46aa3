"""Model-level metrics: plain module-level functions (they pickle for parallel runs).

Column names are a contract (docs/model.md, "Metrics"); ``REPORTERS`` maps each
name to its function and is what the DataCollector uses.
"""

from __future__ import annotations

import math

import numpy as np


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


def _ratio(a: float, b: float) -> float:
    """a / b, NaN when b is 0 or so small (subnormal) that the ratio overflows."""
    with np.errstate(over="ignore"):
        r = a / b if b > 0 else math.nan
    return r if math.isfinite(r) else math.nan


def step(m) -> int:
    """Steps completed (0 = the state before step 1: the last warm-up step, docs section 8)."""
    return m.steps


def trust_gov(m) -> float:
    """Mean trust in government (= government credibility)."""
    return float(m.citizens.trust_gov.mean())


def trust_ngo(m) -> float:
    """Mean trust in NGOs."""
    return float(m.citizens.trust_ngo.mean())


def satisfaction(m) -> float:
    """Mean satisfaction, received / need."""
    return float(m.citizens.satisfaction.mean())


def unmet_need(m) -> float:
    """Unmet need / total need, Σ need·(1 − S) / Σ need.

    Equal to Σ (need − received) / Σ need once service is delivered (S = received / need);
    in row 0 without a warm-up it follows the initial satisfaction (citizens' past
    experience), like ``satisfaction`` does, rather than reading an empty first delivery as 1.
    """
    c = m.citizens
    return _ratio(float((c.need * (1.0 - c.satisfaction)).sum()), float(c.need.sum()))


def cooperation(m) -> float:
    """Fraction of citizens contributing to co-production."""
    return float(m.citizens.strategy.mean())


def service_gini(m) -> float:
    """Gini of the share of need met (received / need) across citizens."""
    return gini(m.citizens.satisfaction)


def gov_spent(m) -> float:
    """Government money spent or transferred this step (not money saved in the contingency
    fund until the fund pays for a response)."""
    return float(m.government.spent)


def social_funds(m) -> float:
    """Social funds raised by hubs this step (and donations to emergency responses, 7.21)."""
    return float(m.ledger.this_step["social_funds"])


def resource_leverage(m) -> float:
    """(government + social funds spent) / government funds spent."""
    return _ratio(gov_spent(m) + social_funds(m), gov_spent(m))


def cost_per_need(m) -> float:
    """(government + social spend + citizens' co-production contributions) per unit of need met."""
    return _ratio(gov_spent(m) + social_funds(m) + citizen_contributions(m),
                  float(m.citizens.received.sum()))


def citizen_contributions(m) -> float:
    """What citizens put into co-production this step (in money units, c per group joined)."""
    return float(m.incentives.contributed)


def incentive_spend(m) -> float:
    """Subsidies and compensation paid this step."""
    return float(m.ledger.this_step["subsidy"] + m.ledger.this_step["compensation"])


def ngo_count(m) -> int:
    """Number of NGOs."""
    return len(m.ngos)


def ledger_error(m) -> float:
    """|sources - uses - balances| / sources, cumulative over the run."""
    return m.ledger.error(m.balance())


def opinion_mean(m) -> float:
    """Mean opinion of government (NaN when the opinion mechanism is off)."""
    return float(m.citizens.opinion.mean()) if m.opinion.enabled else math.nan


def opinion_clusters(m) -> float:
    """Major opinion clusters, holding >= 5 % of citizens (sorted opinions split at gaps > 0.02)."""
    from .mechanisms.opinion import opinion_clusters as count

    return float(count(m.citizens.opinion)) if m.opinion.enabled else math.nan


def polarization(m) -> float:
    """4 x variance of opinions, in [0, 1] (1 = half at 0, half at 1)."""
    return float(4.0 * m.citizens.opinion.var()) if m.opinion.enabled else math.nan


def attention(m) -> float:
    """Fraction of citizens currently engaged with an incident."""
    return float((m.citizens.attention == 1).mean())


def unrest(m) -> float:
    """Fraction of citizens active (protesting) this step."""
    return m.unrest.protesting


def arrests(m) -> int:
    """Arrests this step."""
    return m.unrest.arrests


def warnings(m) -> int:
    """Districts warned this step."""
    return int(m.early_warning.warned.sum())


def response_spend(m) -> float:
    """Money spent on early-warning responses (targeted service) this step."""
    return m.response_spend


def responses_to_opinion(m) -> int:
    """Districts the government responded to this step because of online opinion (inspection
    and targeted service, 7.11): a count of districts, which does not grow with citizens."""
    return int(m.opinion_response.responded.sum())


def response_spend_opinion(m) -> float:
    """Money per citizen spent this step on responses to online opinion: inspections of the
    responsible departments plus the targeted service delivered (7.11)."""
    return (m.opinion_response.inspection + m.opinion_response_spend) / m.citizens.n


def disputes_open(m) -> int:
    """Disputes open at the end of the step."""
    return m.mediation.open_count


def disputes_resolved(m) -> int:
    """Disputes resolved this step."""
    return m.mediation.resolved


def disputes_abandoned(m) -> int:
    """Disputes given up this step after waiting ``patience`` steps (the grievance stays)."""
    return m.mediation.abandoned


def resolution_time(m) -> float:
    """Mean age in steps of the disputes resolved this step (NaN if none)."""
    return m.mediation.resolution_time


def disputes_overdue(m) -> float:
    """Cases past their channel's deadline this step, per 1,000 citizens (7.14a)."""
    return 1000.0 * m.mediation.overdue / m.citizens.n


def disputes_recurred(m) -> float:
    """Resolved disputes that came back this step, per 1,000 citizens (7.14a)."""
    return 1000.0 * m.mediation.recurred / m.citizens.n


def petitions(m) -> float:
    """Petitions lodged this step, per 1,000 citizens (7.14a)."""
    return 1000.0 * m.mediation.petitions / m.citizens.n


def mediation_cost(m) -> float:
    """Money spent on mediation this step."""
    return m.mediation.cost


def ngo_entries(m) -> int:
    """NGOs incubated this step."""
    return m.incubation.entries


def ngo_exits(m) -> int:
    """NGOs closed this step."""
    return m.incubation.exits


def mean_ngo_credit(m) -> float:
    """Mean NGO credit: buyers' records with social credit on, citizens' uptake otherwise."""
    return float(np.mean([g.credit for g in m.ngos])) if m.ngos else math.nan


def blacklisted(m) -> int:
    """NGOs on at least one buyer's blacklist."""
    return m.credit.blacklisted(m.ngos)


def ngo_default_rate(m) -> float:
    """Share of this step's project money paid to NGOs that delivered less than promised."""
    paid = sum(g.funds for g in m.ngos)
    shirked = sum(g.funds for g in m.ngos if g.service < g.promised - 1e-12)
    return shirked / paid if paid > 0 else math.nan


def hub_funds_raised(m) -> float:
    """Social funds raised by hubs this step (gathering force; = social_funds while only hubs raise)."""
    return float(sum(h.raised for h in m.hubs))


def hub_reach(m) -> float:
    """Share of the money planned for hub fields' cells that went to hubs as grants this step."""
    fields = m.scenario.population.need.fields
    hub_fields = sorted({h.field for h in m.hubs})
    planned = m.resources.planned.reshape(-1, fields)[:, hub_fields].sum() if hub_fields else 0.0
    return _ratio(float(sum(h.grant for h in m.hubs)), float(planned))


def hub_leverage(m) -> float:
    """Hub-level leverage, (Σ hub grants + Σ social funds hubs raise) / Σ hub grants, this step
    (NaN when no hub received a grant). Pudong 2016: (8M + 13M) / 8M = 2.625."""
    grants = float(sum(h.grant for h in m.hubs))
    return _ratio(grants + float(sum(h.raised for h in m.hubs)), grants)


def ngos_linked(m) -> int:
    """NGOs linked to a hub (its members), a count (not per capita)."""
    return sum(len(h.members) for h in m.hubs)


def _funded(m) -> list:
    """Linked NGOs paid project money this step, by a hub or the government."""
    return [g for g in m.ngos if g.hub is not None and g.funds > 0]


def ngos_funded(m) -> int:
    """NGOs linked to a hub that received project money (from a hub or the government) this
    step, a count; never more than ``ngos_linked``."""
    return len(_funded(m))


def ngos_funded_share(m) -> float:
    """ngos_funded / ngos_linked (NaN when no NGO is linked): a share, scale-free."""
    return _ratio(float(ngos_funded(m)), float(ngos_linked(m)))


def projects_per_funded_ngo(m) -> float:
    """Purchases (buyer–NGO pairs that paid money this step) per funded linked NGO (NaN if none
    was funded). With project procurement a purchase is a running contract."""
    funded = _funded(m)
    pairs = sum(1 for g in funded for paid in g.funders.values() if paid > 0)
    return _ratio(float(pairs), float(len(funded)))


def projects_active(m) -> int:
    """Project contracts running at the end of the step."""
    return m.projects.active


def project_failures(m) -> int:
    """Project contracts ended as failures this step (collapsed sites, failed evaluations)."""
    return m.projects.failures


def relocation_compensation(m) -> float:
    """Compensation paid to citizens displaced by relocation this step."""
    return m.relocation.total


def relocation_unmet(m) -> float:
    """Unmet share of need among displaced citizens (NaN if nobody is displaced)."""
    if not m.needs.displaced:
        return math.nan
    c, harmed = m.citizens, m.needs.harmed_at >= 0
    return _ratio(float((c.need - c.received)[harmed].sum()), float(c.need[harmed].sum()))


def contract_coverage(m) -> float:
    """Share of workers in firms covered by a collective contract (0 when the mechanism is off)."""
    return m.bargaining.coverage


def labour_disputes(m) -> int:
    """Labour disputes brought this step."""
    return m.bargaining.labour_disputes


def firm_sanctions(m) -> int:
    """Firms sanctioned by labour inspection this step (enterprise social credit)."""
    return m.credit.firm_sanctions


def emergency_response_time(m) -> int:
    """Steps from the latest large shock's onset (as the emergency mechanism detected it) to
    its first response; running while unanswered; 0 before any (7.21)."""
    return m.emergency.response_time


def shock_recovery_steps(m) -> int:
    """Steps from the latest large shock's onset until unmet need per citizen was back within
    the tolerance of its pre-shock level in every district it hit; running until then; 0
    before any (7.21)."""
    return m.emergency.recovery_steps


def emergency_spend(m) -> float:
    """Money per citizen spent this step on emergency responses (7.21)."""
    return m.emergency_spend / m.citizens.n


def emergency_unmet(m) -> float:
    """Unmet need per citizen, Σ max(0, need − received) / N, in the districts the latest
    emergency hit (0 before any emergency, 7.21)."""
    if not m.emergency.hit.any():  # per district: no per-citizen work before an emergency
        return 0.0
    c = m.citizens
    hit = m.emergency.hit[c.district]
    return float(np.maximum(0.0, c.need[hit] - c.received[hit]).mean())


def rewards_paid(m) -> float:
    """Social-credit rewards paid this step per 1,000 citizens (7.16a)."""
    return 1000.0 * m.credit.rewards_paid / m.citizens.n


def credit_spend(m) -> float:
    """Social credit's inspections and rewards this step per 1,000 citizens (7.16, 7.16a)."""
    return 1000.0 * m.credit.spent / m.citizens.n


def citizen_credit_mean(m) -> float:
    """Mean of citizens' co-production credit records (0 when citizens' credit is off)."""
    r = m.credit.citizen_credit
    return float(r.mean()) if r is not None else 0.0


def government_credit(m) -> float:
    """Mean record of the district departments, weighted by citizens (0 when off)."""
    g = m.credit.government_credit
    return float(g[m.citizens.district].mean()) if g is not None else 0.0


def interests_reported(m) -> float:
    """Share of citizens whose cell's unmet need a hub reported to the government this step
    (consultation, 7.18a; 0 under top-down management or with the mechanism off)."""
    return m.interests.reported


def policy_changes(m) -> int:
    """Plan and rule changes triggered this step by hubs' reports or by disputes and protest:
    cells whose budget share moved by more than 5 % of the plan's, plus each change of the
    labour-inspection rule (7.18a). Cells are districts × fields, so it does not grow with
    citizens."""
    return m.interests.changes
def _law_on(m) -> bool:
    law = getattr(m, "law", None)
    return law is not None and law.enabled


def procedural_justice(m) -> float:
    """Mean perceived procedural justice J (7.22; 0 when law-based governance is off)."""
    return float(m.law.justice.mean()) if _law_on(m) else 0.0


def legitimacy(m) -> float:
    """Mean legitimacy L = w·J + (1 − w)·T_gov (7.22; 0 when law-based governance is off)."""
    return float(m.law.legitimacy.mean()) if _law_on(m) else 0.0


def violations(m) -> float:
    """Share of citizens violating a rule this step (7.22)."""
    return m.law.violations if _law_on(m) else 0.0


def sanctions(m) -> float:
    """Sanctions imposed this step per 1,000 citizens (7.22)."""
    return 1000.0 * m.law.sanctions / m.citizens.n if _law_on(m) else 0.0


def appeals(m) -> float:
    """Appeals of government decisions lodged this step per 1,000 citizens (7.22)."""
    return 1000.0 * m.law.appeals / m.citizens.n if _law_on(m) else 0.0


def crime_rate(m) -> float:
    """Offences this step per 1,000 citizens (7.23; 0 when public security is off)."""
    return 1000.0 * m.security.offences / m.citizens.n


def victimisation(m) -> float:
    """Share of citizens victimised at least once in the last 12 steps (7.23)."""
    return m.security.victimised()


def crime_concentration(m) -> float:
    """Share of the recent window's offences at the top 5 % of places (7.23)."""
    return m.security.concentration()


def recidivism(m) -> float:
    """Share of releases 12-23 steps ago followed by an offence within 12 steps (7.23)."""
    return m.security.recidivism()


def guardianship(m) -> float:
    """Capable guardianship where targets are, Σ a_p·g_p / Σ a_p (7.23)."""
    return m.security.mean_guardianship()


def security_spend(m) -> float:
    """Money per citizen spent on the six links this step (7.23)."""
    return m.security.spend / m.citizens.n


def clearance_rate(m) -> float:
    """Offences cleared by arrest this step / offences this step (0 when none, 7.23)."""
    s = m.security
    return s.clearances / s.offences if s.offences else 0.0


REPORTERS = {
    f.__name__: f
    for f in (
        step,
        trust_gov,
        trust_ngo,
        satisfaction,
        unmet_need,
        cooperation,
        service_gini,
        resource_leverage,
        cost_per_need,
        citizen_contributions,
        gov_spent,
        social_funds,
        incentive_spend,
        ngo_count,
        ledger_error,
        opinion_mean,
        opinion_clusters,
        polarization,
        attention,
        unrest,
        arrests,
        warnings,
        response_spend,
        responses_to_opinion,
        response_spend_opinion,
        disputes_open,
        disputes_resolved,
        disputes_abandoned,
        resolution_time,
        mediation_cost,
        disputes_overdue,
        disputes_recurred,
        petitions,
        ngo_entries,
        ngo_exits,
        mean_ngo_credit,
        blacklisted,
        ngo_default_rate,
        hub_funds_raised,
        hub_reach,
        hub_leverage,
        ngos_linked,
        ngos_funded,
        ngos_funded_share,
        projects_per_funded_ngo,
        projects_active,
        project_failures,
        relocation_compensation,
        relocation_unmet,
        contract_coverage,
        labour_disputes,
        firm_sanctions,
        emergency_response_time,
        shock_recovery_steps,
        emergency_spend,
        emergency_unmet,
        rewards_paid,
        credit_spend,
        citizen_credit_mean,
        government_credit,
        interests_reported,
        policy_changes,
        procedural_justice,
        legitimacy,
        violations,
        sanctions,
        appeals,
        crime_rate,
        victimisation,
        crime_concentration,
        recidivism,
        guardianship,
        security_spend,
        clearance_rate,
    )
}
METRICS = tuple(REPORTERS)

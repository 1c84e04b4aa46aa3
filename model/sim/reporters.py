"""TODO docstring."""

from __future__ import annotations

from .mechanisms.collective_bargaining import contract_coverage, labour_disputes
from .mechanisms.compensation import relocation_compensation, relocation_unmet
from .mechanisms.credit import (
    blacklisted,
    citizen_credit_mean,
    credit_spend,
    firm_sanctions,
    government_credit,
    rewards_paid,
)
from .mechanisms.early_warning import response_spend, warnings
from .mechanisms.emergency import (
    emergency_response_time,
    emergency_spend,
    emergency_unmet,
    shock_recovery_steps,
)
from .mechanisms.incentives import incentive_spend
from .mechanisms.incubation import ngo_entries, ngo_exits
from .mechanisms.interests import interests_reported, policy_changes
from .mechanisms.law import appeals, legitimacy, procedural_justice, sanctions, violations
from .mechanisms.mediation import (
    disputes_abandoned,
    disputes_open,
    disputes_overdue,
    disputes_recurred,
    disputes_resolved,
    mediation_cost,
    petitions,
    resolution_time,
)
from .mechanisms.opinion import attention, opinion_clusters, opinion_mean, polarization
from .mechanisms.opinion_response import response_spend_opinion, responses_to_opinion
from .mechanisms.projects import project_failures, projects_active
from .mechanisms.public_security import (
    clearance_rate,
    crime_concentration,
    crime_rate,
    guardianship,
    recidivism,
    security_spend,
    victimisation,
)
from .mechanisms.unrest import arrests, unrest
from .metrics import (
    citizen_contributions,
    cooperation,
    cost_per_need,
    gov_spent,
    hub_funds_raised,
    hub_leverage,
    hub_reach,
    ledger_error,
    mean_ngo_credit,
    ngo_count,
    ngo_default_rate,
    ngos_funded,
    ngos_funded_share,
    ngos_linked,
    projects_per_funded_ngo,
    resource_leverage,
    satisfaction,
    service_gini,
    social_funds,
    step,
    trust_gov,
    trust_ngo,
    unmet_need,
)

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

"""The column contract of the model's reporters: which metrics, in which order.

Every metric is declared beside the code that computes it (``@metric``: label, unit,
range): the model's own in :mod:`.metrics`, each mechanism's in its module, listed in its
``metrics``. :data:`COLUMNS` fixes the order of the columns researchers' scripts know
(docs/model.md, section 8); metrics of a mechanism added later, or of a plug-in, follow in
the order of the phases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from . import metrics as core
from .mechanisms import PHASES

COLUMNS = (
    "step",
    "trust_gov",
    "trust_ngo",
    "satisfaction",
    "unmet_need",
    "cooperation",
    "service_gini",
    "resource_leverage",
    "cost_per_need",
    "citizen_contributions",
    "gov_spent",
    "social_funds",
    "incentive_spend",
    "ngo_count",
    "ledger_error",
    "opinion_mean",
    "opinion_clusters",
    "polarization",
    "attention",
    "unrest",
    "arrests",
    "warnings",
    "response_spend",
    "responses_to_opinion",
    "response_spend_opinion",
    "disputes_open",
    "disputes_resolved",
    "disputes_abandoned",
    "resolution_time",
    "mediation_cost",
    "disputes_overdue",
    "disputes_recurred",
    "petitions",
    "ngo_entries",
    "ngo_exits",
    "mean_ngo_credit",
    "blacklisted",
    "ngo_default_rate",
    "hub_funds_raised",
    "hub_reach",
    "hub_leverage",
    "ngos_linked",
    "ngos_funded",
    "ngos_funded_share",
    "projects_per_funded_ngo",
    "projects_active",
    "project_failures",
    "relocation_compensation",
    "relocation_unmet",
    "contract_coverage",
    "labour_disputes",
    "firm_sanctions",
    "emergency_response_time",
    "shock_recovery_steps",
    "emergency_spend",
    "emergency_unmet",
    "rewards_paid",
    "credit_spend",
    "citizen_credit_mean",
    "government_credit",
    "interests_reported",
    "policy_changes",
    "procedural_justice",
    "legitimacy",
    "violations",
    "sanctions",
    "appeals",
    "crime_rate",
    "victimisation",
    "crime_concentration",
    "recidivism",
    "guardianship",
    "security_spend",
    "clearance_rate",
    "labour_disputes_per_1000",
    "disputes_open_per_1000",
)


def declared(units: Iterable = PHASES) -> dict[str, Callable]:
    """Every declared metric: the model's own, then each phase's, by name."""
    found = {name: fn for name, fn in vars(core).items() if callable(fn) and hasattr(fn, "info")}
    for unit in units:
        for fn in unit.metrics:
            if fn.__name__ in found and found[fn.__name__] is not fn:
                raise ValueError(f"metric {fn.__name__!r} of {unit.name!r} is declared twice")
            found[fn.__name__] = fn
    return found


def reporters(units: Iterable = PHASES) -> dict[str, Callable]:
    """Column name -> reporter function, in the contract's order (what the DataCollector uses)."""
    found = declared(units)
    order = [c for c in COLUMNS if c in found] + [c for c in found if c not in COLUMNS]
    return {name: found[name] for name in order}


REPORTERS = reporters()
METRICS = tuple(REPORTERS)

"""Hub dynamics: each force does what the source says, and adaptive hubs move effort."""

import numpy as np
import pytest

from cogov.model import GovernanceModel, Scenario
from cogov.model.scenario.sections import HubStrategy as Params
from cogov.model.sim.mechanisms.hub_strategy import AVOID, BORROW, GATHER, HubStrategy
from tests.conftest import run_model

COLLAB = {"governance.collaboration": True, "mechanisms.hub_strategy.enabled": True,
          "steps": 40}
RISKY = {"mechanisms.projects.enabled": True, "mechanisms.projects.failure_risk": 0.5}


def late(scenario, metric, seeds=(1, 2, 3)):
    return np.mean([run_model(scenario, seed).datacollector.get_model_vars_dataframe()
                    [metric].iloc[-20:].mean() for seed in seeds])


def effort(extra=None, **weights):
    """Collaboration with hub strategy on, effort weights as given, plus ``extra`` keys."""
    return Scenario().replace(**COLLAB, **(extra or {}), **{f"mechanisms.hub_strategy.{k}": v
                                                            for k, v in weights.items()})


class _Hub:
    def __init__(self, uid, field):
        self.unique_id, self.field, self.members = uid, field, []


def test_an_even_split_leaves_every_force_at_its_reference():
    hs = HubStrategy(Params(enabled=True), adaptation=False, fields=3)
    hub = _Hub(1, 0)
    assert np.allclose(hs.multipliers(hub), 1.0)
    assert hs.support([hub]) == {hub: pytest.approx(0.5)}
    share = hs.delegation(0.8, np.array([0.1, 0.9, 0.1, 0.5]), [hub])
    # field 0 (cells 0, 3): base share unless riskier than 1 - 0.3; field 1 has no hub
    assert share.tolist() == [0.8, 0.8, 0.8, 0.8]
    share = hs.delegation(0.8, np.array([0.1, 0.9, 0.1, 0.95]), [hub])
    assert share.tolist() == [0.8, 0.8, 0.8, 0.0]


def test_disabled_changes_nothing_in_the_arguments():
    hs = HubStrategy(Params(enabled=False), adaptation=True, fields=3)
    assert hs.delegation(0.8, np.ones(6), [_Hub(1, 0)]) == 0.8
    assert hs.gather([_Hub(1, 0)]) is None and hs.support([_Hub(1, 0)]) == {}


def test_gathering_raises_the_funds_hubs_attract():
    assert late(effort(gather=4.0), "hub_funds_raised") > 1.2 * late(effort(), "hub_funds_raised")


def failure_rate(scenario, seeds=(1, 2, 3), window=20):
    """Project failures per running contract and step, over the last ``window`` steps."""
    rates = []
    for seed in seeds:
        df = run_model(scenario, seed).datacollector.get_model_vars_dataframe().iloc[-window:]
        rates.append(df["project_failures"].sum() / df["projects_active"].sum())
    return np.mean(rates)


# Effort is normalised, so each comparison below holds one force's share fixed at 1/3.
def test_borrowing_widens_reach_and_steadies_projects():
    base, more = effort(RISKY), effort(RISKY, gather=0.0, borrow=2.0)  # avoid stays 1/3
    assert late(more, "hub_reach") > late(base, "hub_reach") + 0.1
    assert failure_rate(more) < 0.75 * failure_rate(base)


def test_avoiding_resistance_trades_reach_for_fewer_failures():
    none, some = effort(RISKY, gather=2.0, avoid=0.0), effort(RISKY)  # borrow stays 1/3
    assert late(some, "hub_reach") < late(none, "hub_reach") - 0.05
    # Screening spares the riskiest cells, ~15 % fewer failures, but a failure count of ~70
    # per run is noisy and each seed draws its own risk map: over 3 seeds x 20 steps the ratio
    # ran 0.69-0.97 by seed set (the model warm-up moved the window and it read 0.94).
    # The warmed-up run is stationary from step 1, so use all 40 steps and 12 seeds (~0.81).
    seeds = range(1, 13)
    assert failure_rate(some, seeds, 40) < 0.9 * failure_rate(none, seeds, 40)


def test_adaptive_hubs_move_effort_toward_what_is_short():
    """Society's purse binds at the defaults: adaptive hubs gather; risk makes them avoid more."""
    def mean_effort(extra):
        s = Scenario().replace(**COLLAB, **{"governance.adaptation": True}, **extra)
        m = run_model(s, seed=1)
        return np.mean([m.hub_strategy.effort_of(h) for h in m.hubs], axis=0)

    calm = mean_effort({})
    assert calm[GATHER] > 0.4 and calm[GATHER] > calm[BORROW] > calm[AVOID]
    calm_projects = mean_effort({"mechanisms.projects.enabled": True})
    risky = mean_effort(RISKY)
    assert risky[AVOID] > calm_projects[AVOID]


def test_fixed_effort_does_not_move():
    m = GovernanceModel(effort(gather=2.0), seed=1)
    m.run(10)
    assert all(np.allclose(m.hub_strategy.effort_of(h), [0.5, 0.25, 0.25]) for h in m.hubs)


def test_adaptive_effort_beats_the_fixed_split():
    fixed = effort({"mechanisms.projects.enabled": True})
    adaptive = fixed.replace(**{"governance.adaptation": True})
    fixed = fixed.replace(**{"governance.adaptation": False})
    assert late(adaptive, "unmet_need") < late(fixed, "unmet_need") - 0.05



def test_borrowed_departments_staff_joint_mediation():
    """Joint mediation with labour, justice and police departments: more borrowing, more
    people's-mediation capacity, fewer disputes waiting. Delegation is already full and
    screening off, so borrowing acts here only through mediation."""
    queue = {"mechanisms.mediation.enabled": True, "mechanisms.mediation.people_capacity": 0.002,
             "mechanisms.mediation.grievance_rate": 0.05, "mechanisms.resources.delegation": 1.0,
             "mechanisms.hub_strategy.screen": 0.0,
             # co-production off: its ~20 % of service lowers grievance so far that arrivals
             # fit under base capacity (0.08 abandoned per step) and extra capacity has no
             # queue to work on (resolved 4.9 vs 5.5); without it the queue is capacity-bound
             "mechanisms.incentives.enabled": False}
    base, more = effort(queue), effort(queue, borrow=2.0, avoid=0.0)  # gather stays 1/3
    assert late(base, "unmet_need") == pytest.approx(late(more, "unmet_need"), abs=0.01)
    # with patience the queue is bounded, so the gain shows as throughput and fewer abandoned
    assert late(more, "disputes_resolved") > 1.2 * late(base, "disputes_resolved")
    assert late(more, "disputes_abandoned") < 0.8 * late(base, "disputes_abandoned")
    assert late(more, "disputes_open") < late(base, "disputes_open")
    hs = HubStrategy(Params(enabled=True, borrow=2.0, avoid=0.0), adaptation=False, fields=3)
    assert hs.joint_mediation([_Hub(1, 0), _Hub(2, 1)]) == pytest.approx(2.0 ** 0.5)

"""Incubation: hubs open NGOs where need goes unmet; unfunded NGOs close."""

from cogov.model import Scenario
from tests.conftest import run_model

FEW = {"organizations.ngos": 6, "steps": 60}


def table(**extra):
    return run_model(Scenario().replace(**FEW, **extra)).datacollector.get_model_vars_dataframe()


def test_incubation_fills_gaps_and_meets_more_need():
    # warmup 0: watch the gaps of the 6 initial NGOs being filled (the warm-up fills them
    # before step 1); co-production off: it meets enough need that most cells stay below
    # need_threshold (at the defaults 6 -> 11 NGOs, 5 entries)
    collab = {"governance.collaboration": True, "governance.adaptation": True, "warmup": 0,
              "mechanisms.incentives.enabled": False}
    on = table(**collab, **{"mechanisms.incubation.enabled": True})
    off = table(**collab)
    assert off["ngo_count"].iloc[-1] == 6
    assert on["ngo_count"].iloc[-1] > 15 and on["ngo_entries"].sum() > 9
    assert on["unmet_need"].iloc[-20:].mean() < off["unmet_need"].iloc[-20:].mean() - 0.05
    assert on["ledger_error"].max() < 1e-9


def test_incubated_ngos_are_there_from_step_one_and_meet_more_need():
    """At the defaults (warm-up, co-production on) the gaps are filled before step 1 and
    its NGOs meet more need over the run."""
    collab = {"governance.collaboration": True, "governance.adaptation": True}
    m = run_model(Scenario().replace(**FEW, **collab, **{"mechanisms.incubation.enabled": True}))
    on = m.datacollector.get_model_vars_dataframe()
    off = table(**collab)
    assert on["ngo_count"].iloc[0] > off["ngo_count"].iloc[0] == 6
    assert on["unmet_need"].iloc[-20:].mean() < off["unmet_need"].iloc[-20:].mean() - 0.05
    assert on["ledger_error"].max() < 1e-9


def test_without_collaboration_ngos_starve_and_none_open():
    # warmup 0: the initial NGOs starve in the first steps (with the warm-up they are gone
    # before step 1)
    df = table(**{"mechanisms.incubation.enabled": True, "mechanisms.incubation.exit_after": 4,
                  "warmup": 0})
    assert df["ngo_entries"].sum() == 0
    assert df["ngo_count"].iloc[6] == 0 and df["ngo_exits"].sum() == 6


def test_new_ngos_join_their_hub_and_serve_uncovered_cells():
    m = run_model(Scenario().replace(**FEW, **{"governance.collaboration": True,
                                               "mechanisms.incubation.enabled": True}))
    cells = [(g.district, g.field) for g in m.ngos]
    assert len(cells) == len(set(cells))  # one NGO per cell: gaps are filled, not doubled
    for hub in m.hubs:
        assert all(g.hub is hub and g.field == hub.field for g in hub.members)
    assert set(m.ngos) == {g for hub in m.hubs for g in hub.members}

"""Incubation: hubs open NGOs where need goes unmet; unfunded NGOs close."""

from model import Scenario
from tests.conftest import run_model

FEW = {"organizations.ngos": 6, "steps": 60}


def table(**extra):
    return run_model(Scenario().replace(**FEW, **extra)).datacollector.get_model_vars_dataframe()


def test_incubation_fills_gaps_and_meets_more_need():
    collab = {"governance.collaboration": True, "governance.adaptation": True}
    on = table(**collab, **{"mechanisms.incubation.enabled": True})
    off = table(**collab)
    assert off["ngo_count"].iloc[-1] == 6
    assert on["ngo_count"].iloc[-1] > 15 and on["ngo_entries"].sum() > 9
    assert on["unmet_need"].iloc[-20:].mean() < off["unmet_need"].iloc[-20:].mean() - 0.05
    assert on["ledger_error"].max() < 1e-9


def test_without_collaboration_ngos_starve_and_none_open():
    df = table(**{"mechanisms.incubation.enabled": True, "mechanisms.incubation.exit_after": 4})
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

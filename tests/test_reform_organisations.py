"""Organisations a reform brings in (issue 23): ``organizations.ngos`` / ``organizations.hubs``
raised by a reform create hubs and NGOs at its step, from a stream of their own."""

import pandas as pd
import pytest

from cogov.model.engine.state import load_state, save_state
from cogov.model.scenario.errors import ScenarioError
from cogov.model.sim.model import GovernanceModel
from cogov.model.ui.cli import main
from tests.conftest import ROOT, run_model, small

TO_ADAPTIVE = {"governance.collaboration": True, "governance.adaptation": True}
# a top-down city whose NGOs all close during the warm-up (nothing funds them)
THIN = {"governance.collaboration": False, "governance.adaptation": False,
        "mechanisms.incubation.enabled": True, "steps": 24}


def frame(model) -> pd.DataFrame:
    return model.datacollector.get_model_vars_dataframe()


def bring_in(at=12, over=1, **keys):
    return small(**THIN, reforms=[{"step": at, "set": {**TO_ADAPTIVE, **keys}, "over": over}])


def test_a_reform_brings_ngos_back_to_a_sector_that_closed():
    plain = run_model(small(**THIN, reforms=[{"step": 12, "set": TO_ADAPTIVE}]), seed=3)
    model = run_model(bring_in(**{"organizations.ngos": 12}), seed=3)
    a, b = frame(plain), frame(model)
    pd.testing.assert_frame_equal(a.iloc[:12], b.iloc[:12])  # steps 0..11: identical
    assert (b["ngo_count"].iloc[:12] == 0).all()  # the warm-up closed them all
    assert (a["ngo_count"] == 0).all()  # without them, the reform brings none back
    assert b["ngo_count"].iloc[12] == 12 and b["ngos_linked"].iloc[12] == 12
    assert (b["ngos_funded"].iloc[12:] > 0).all()  # they are paid and deliver
    assert model.citizens.service_ngo.sum() > 0
    assert b["unmet_need"].iloc[12:].mean() < a["unmet_need"].iloc[12:].mean()
    assert b["ledger_error"].abs().max() < 1e-9
    assert all(g in model.agents for g in model.ngos) and model.ctx.ngos is model.ngos
    assert {g.cell for g in model.ngos} == set(range(12))  # one per cell: fewest first


def test_other_streams_see_no_draw():
    """A reform of the count alone (collaboration on in both arms, incubation off): the
    organisations' and the opportunism streams end where they end without it."""
    base = {"governance.collaboration": True, "organizations.ngos": 6, "steps": 16}
    plain = run_model(small(**base), seed=5)
    more = run_model(small(**base, reforms=[{"step": 8, "set": {"organizations.ngos": 20}}]),
                     seed=5)
    assert len(more.ngos) == 20 and len(plain.ngos) == 6
    for rng in ("_org_rng", "_trait_rng"):
        assert getattr(more, rng).bit_generator.state == getattr(plain, rng).bit_generator.state
    assert [g.efficiency for g in more.ngos[:6]] == [g.efficiency for g in plain.ngos]
    assert len({g.capacity for g in more.ngos}) == 20  # drawn, not copied


def test_a_ramp_brings_them_in_step_by_step():
    """The count in force moves from the file's 0 (the NGOs would close anyway) to 8."""
    s = small(**{**THIN, "organizations.ngos": 0}, reforms=[
        {"step": 12, "set": {**TO_ADAPTIVE, "organizations.ngos": 8}, "over": 4}])
    counts = frame(run_model(s, seed=2))["ngo_count"].iloc[11:17].tolist()
    assert counts[:5] == [0, 2, 4, 6, 8]  # 0 + 8·k/4 at steps 12..15, rounded
    assert counts[5] >= 8  # then incubation may add more (hubs now have grants)


def test_the_count_in_force_is_a_floor_only_where_it_moves():
    """Ramped from the file's 12 to 15 in a closed sector: all 13 arrive at the ramp's first
    step (the city is topped up to the count in force), then 14, 15."""
    counts = frame(run_model(bring_in(over=3, **{"organizations.ngos": 15}), seed=2))["ngo_count"]
    assert counts.iloc[11:16].tolist() == [0, 13, 14, 15, 15]


def test_hubs_brought_in_link_the_ngos_of_their_field():
    s = small(**{"organizations.hubs": 0, "steps": 14, **TO_ADAPTIVE},
              reforms=[{"step": 6, "set": {"organizations.hubs": 4}}])
    model = run_model(s, seed=1)
    df = frame(model)
    assert (df["ngos_linked"].iloc[:6] == 0).all() and (df["ngos_linked"].iloc[6:] == 12).all()
    assert [h.field for h in model.hubs] == [0, 1, 2, 0]
    assert all(g.hub is not None and g.hub.field == g.field for g in model.ngos)
    assert sorted(len(h.members) for h in model.hubs) == [2, 2, 4, 4]  # field 0 split in two
    assert df["ledger_error"].abs().max() < 1e-9


@pytest.mark.parametrize("stop", [9, 14])  # a state saved before the reform, and after it
def test_a_saved_state_continues_across_the_reform_bit_identically(tmp_path, stop):
    s = bring_in(at=12, over=3, **{"organizations.ngos": 16, "organizations.hubs": 5})
    whole = run_model(s, seed=4)
    first = GovernanceModel(s, seed=4)
    first.run(stop)
    save_state(first, tmp_path / "s.state")
    rest, _ = load_state(tmp_path / "s.state")
    rest.run(24 - stop)
    pd.testing.assert_frame_equal(frame(rest), frame(whole))
    assert [g.efficiency for g in rest.ngos] == [g.efficiency for g in whole.ngos]


def test_fewer_organisations_are_refused_by_path(tmp_path, capsys):
    with pytest.raises(ScenarioError, match=r"reforms\.0\.set\.organizations\.ngos: 3 is fewer "
                                            r"than the 12 in force before step 5"):
        small(reforms=[{"step": 5, "set": {"organizations.ngos": 3}}])
    with pytest.raises(ScenarioError, match=r"reforms\.1\.set\.organizations\.hubs: 2 is fewer"):
        small(reforms=[{"step": 5, "set": {"organizations.hubs": 5}},
                       {"step": 9, "set": {"organizations.hubs": 2}}])
    scenario = tmp_path / "fewer.yaml"
    scenario.write_text(f"extends: {ROOT / 'scenarios/top_down.yaml'}\nsteps: 6\nwarmup: 2\n"
                        "population: {citizens: 300, districts: 3}\n"
                        "reforms:\n  - {step: 3, set: {organizations.ngos: 40}}\n")
    assert main(["run", str(scenario), "--set", "reforms.0.set.organizations.ngos=10",
                 "--out", str(tmp_path / "r")]) == 2
    assert "reforms.0.set.organizations.ngos: 10 is fewer" in capsys.readouterr().err


def test_a_branch_with_more_ngos_brings_them_in_at_the_branch(tmp_path):
    from cogov.model.engine.state import continuation

    s = small(**THIN)
    first = GovernanceModel(s, seed=4)
    first.run(10)
    save_state(first, tmp_path / "s.state")
    arm = s.replace(**{"organizations.ngos": 15, **TO_ADAPTIVE})  # the state has 12, all closed
    df = continuation(tmp_path / "s.state", arm, seed=7, steps=5)
    assert df["ngo_count"].tolist()[10:12] == [0, 15]  # topped up to 15 at the branch
    with pytest.raises(ScenarioError, match="organizations.ngos: cannot differ"):
        continuation(tmp_path / "s.state", s.replace(**{"organizations.ngos": 4}), seed=7)

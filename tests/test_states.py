"""Saved states: run --save-state, run --from-state (model/engine/state.py)."""

import json

import pandas as pd
import pytest

from cogov.model.engine.state import (
    _LENGTH,
    MAGIC,
    StateError,
    load_state,
    read_header,
    save_state,
)
from cogov.model.sim.model import GovernanceModel
from cogov.model.ui.cli import main
from tests.conftest import ROOT, small

SMALL = ["--set", "population.citizens=300", "--set", "population.districts=3",
         "--set", "warmup=5"]


def csv(folder):
    return pd.read_csv(folder / "model_metrics.csv")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A 20-step adaptive run saved, and the 30-step run it should continue into."""
    root = tmp_path_factory.mktemp("states")
    scenario = str(ROOT / "scenarios/adaptive.yaml")
    assert main(["run", scenario, *SMALL, "--steps", "20", "--save-state", str(root / "s.state"),
                 "--out", str(root / "first")]) == 0
    assert main(["run", scenario, *SMALL, "--steps", "30", "--out", str(root / "whole")]) == 0
    return root


def test_continuing_a_state_is_bit_identical_to_the_uninterrupted_run(saved):
    assert main(["run", "--from-state", str(saved / "s.state"), "--steps", "10",
                 "--out", str(saved / "rest")]) == 0
    rest, whole = csv(saved / "rest"), csv(saved / "whole")
    assert len(rest) == 31  # the whole history: row 0 (initial) and steps 1..30
    pd.testing.assert_frame_equal(rest.iloc[21:31], whole.iloc[21:31])  # steps 21..30
    pd.testing.assert_frame_equal(rest, whole)
    assert (saved / "rest" / "model_metrics.csv").read_bytes() == \
        (saved / "whole" / "model_metrics.csv").read_bytes()
    record = json.loads((saved / "rest" / "run.json").read_text())
    assert record["from_state"]["step"] == 20


def test_the_header_records_version_format_and_scenario(saved):
    header, _ = read_header(saved / "s.state")
    assert header["format"] == 2 and header["step"] == 20 and header["cogov"]
    assert header["scenario"]["governance"]["adaptation"] is True
    model, _ = load_state(saved / "s.state")
    assert model.steps == 20 and model.scenario.population.citizens == 300


def test_a_continuation_can_change_keys_from_its_next_step(saved):
    assert main(["run", "--from-state", str(saved / "s.state"), "--steps", "5",
                 "--set", "budget.per_capita=1.5", "--out", str(saved / "richer")]) == 0
    richer, whole = csv(saved / "richer"), csv(saved / "whole")
    pd.testing.assert_frame_equal(richer.iloc[:21], whole.iloc[:21])
    assert richer["gov_spent"].iloc[21] > whole["gov_spent"].iloc[21]


def _rewrite(src, dst, change=None, cut=None):
    header, offset = read_header(src)
    payload = src.read_bytes()[offset:]
    if change:
        header.update(change)
    text = json.dumps(header).encode()
    data = MAGIC + _LENGTH.pack(len(text)) + text + payload
    dst.write_bytes(data[:cut] if cut else data)


@pytest.mark.parametrize("damage, message", [
    ({"change": {"cogov": "0.0.1"}}, "saved by cogov 0.0.1, this is cogov"),
    ({"change": {"format": 99}}, "saved-state format 99"),
    ({"change": {"format": 1}}, "saved-state format 1, this cogov reads format 2"),
    ({"cut": -100}, "truncated saved state"),
    ({"cut": 40}, "truncated saved state"),
    ({"change": {"sha256": "0" * 64}}, "corrupted saved state"),
])
def test_bad_states_exit_2_with_a_clear_message(saved, tmp_path, capsys, damage, message):
    bad = tmp_path / "bad.state"
    _rewrite(saved / "s.state", bad, **damage)
    with pytest.raises(StateError, match=message):
        load_state(bad)
    assert main(["run", "--from-state", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert message in capsys.readouterr().err


def test_garbage_and_wrong_use_exit_2(tmp_path, capsys, saved):
    (tmp_path / "g.state").write_bytes(b"\x80garbage" * 10)
    assert main(["run", "--from-state", str(tmp_path / "g.state")]) == 2
    assert "not a cogov saved state" in capsys.readouterr().err
    assert main(["run", "--from-state", str(saved / "s.state"), "--seed", "3"]) == 2
    assert main(["run", "--from-state", str(saved / "s.state"), "--set",
                 "network.degree=4"]) == 2
    assert "--set network.degree: cannot change" in capsys.readouterr().err


def test_a_state_saved_mid_reform_continues_the_reform(tmp_path):
    s = small(steps=16, reforms=[{"step": 6, "set": {"budget.per_capita": 1.6}, "over": 8}])
    whole = GovernanceModel(s, seed=2)
    whole.run(16)
    first = GovernanceModel(s, seed=2)
    first.run(9)
    save_state(first, tmp_path / "mid.state")
    rest, _ = load_state(tmp_path / "mid.state")
    rest.run(7)
    pd.testing.assert_frame_equal(rest.datacollector.get_model_vars_dataframe(),
                                  whole.datacollector.get_model_vars_dataframe())

"""The reform-paths study (model/studies/reforms.py): arms share their past, tables are paired."""

import numpy as np

from cogov.model.studies import reforms as rp


def test_hysteresis_arms_share_their_past_and_split_at_the_reforms():
    ts, table = rp.hysteresis(citizens=200, replicates=2, seed=3, at=5, length=6, steps=16)
    stay, reform, back = (rp.wide(ts, p, "trust_gov") for p in ("stay", "reform", "rolled back"))
    np.testing.assert_array_equal(stay[:, :5], reform[:, :5])      # identical before the reform
    np.testing.assert_array_equal(reform[:, :11], back[:, :11])    # and before the roll-back
    assert not np.array_equal(reform[:, 5:], stay[:, 5:])
    assert not np.array_equal(reform[:, 11:], back[:, 11:])
    row = table[(table["contrast"] == "rolled back - stay") & (table["metric"] == "trust_gov")
                & (table["what"] == "before the roll-back")].iloc[0]
    assert row["n"] == 2 and row["ci_low"] <= row["mean"] <= row["ci_high"]
    assert np.isclose(row["mean"], (back[:, 10] - stay[:, 10]).mean())


def test_sequencing_introduces_one_shift_every_interval():
    orders = rp.shift_orders()
    assert len(orders) == 24 and len(set(orders)) == 24
    ts, table = rp.sequencing(citizens=200, replicates=1, seed=1, every=3, steps=14,
                              orders=orders[:2])
    a, b = (rp.wide(ts, " > ".join(o), "unmet_need") for o in orders[:2])
    np.testing.assert_array_equal(a[:, :9], b[:, :9])  # the orders differ from the third shift
    assert set(table["contrast"]) == {" > ".join(o) for o in orders[:2]}


def test_a_gradual_reform_with_over_1_is_the_sudden_one():
    ts, table = rp.gradual(citizens=200, replicates=1, seed=2, at=4, overs=(1, 6), steps=12)
    one, six = rp.wide(ts, "over 1", "unmet_need"), rp.wide(ts, "over 6", "unmet_need")
    stay = rp.wide(ts, "stay", "unmet_need")
    np.testing.assert_array_equal(one[:, :4], stay[:, :4])
    np.testing.assert_array_equal(six[:, :4], stay[:, :4])
    assert not np.array_equal(one[:, 4:], stay[:, 4:])

"""Sobol' estimates with S1 above ST beyond their intervals are flagged as noise (issue
25, item 9): with a tiny N both parameters had S1 > ST and only 1 of 4 indices was flagged."""

import pandas as pd

from cogov.model.studies.sensitivity import sobol_warnings


def _indices(rows):
    return pd.DataFrame([{"metric": "unmet_need", "parameter": p, "index": i, "value": v,
                          "conf": c} for p, i, v, c in rows])


def test_s1_above_st_beyond_the_intervals_is_noise():
    both = _indices([("a", "S1", 0.80, 0.05), ("a", "ST", 0.40, 0.05),
                     ("b", "S1", 0.50, 0.05), ("b", "ST", 0.20, 0.04)])
    (line,) = sobol_warnings(both, 8)
    assert "2 parameters with S1 above ST beyond their intervals" in line
    assert "a: S1 0.800 > ST 0.400" in line and "raise --n" in line


def test_s1_above_st_within_the_intervals_is_not_flagged():
    close = _indices([("a", "S1", 0.52, 0.05), ("a", "ST", 0.50, 0.05),
                      ("b", "S1", 0.10, 0.02), ("b", "ST", 0.30, 0.03)])
    assert sobol_warnings(close, 512) == []

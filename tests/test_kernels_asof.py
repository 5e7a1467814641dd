"""The as-of quote match equals its brute-force reference; hand-checked strict / at-or-before cases."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import asof as R
from reference.streams import tick_day

from liqcost.kernels import asof as K

SEC = 10**9


def test_valid_quotes_skips_crossed_nan_nonpositive_keeps_locked():
    bid = np.array([1.0, 1.0, 1.1, np.nan, 0.0, 1.0])
    ask = np.array([1.1, 1.0, 1.0, 1.1, 1.1, np.nan])
    assert K.valid_quotes(bid, ask).tolist() == [True, True, False, False, False, False]


def test_strictly_before_skips_the_quote_stamped_with_the_trade():
    # LOBSTER-style: the book after the trade carries the trade's timestamp
    q_ts = np.array([1, 5, 5, 9], dtype=np.int64) * SEC
    bid = np.array([10.0, 10.1, 10.2, 10.3])
    ask = np.array([10.2, 10.3, 10.1, 10.5])  # quote 2 is crossed
    t_ts = np.array([0, 1, 5, 6, 9, 10], dtype=np.int64) * SEC
    idx, b, a, mid, age = K.prevailing_quotes(t_ts, q_ts, bid, ask, 0, True)
    assert idx.tolist() == [-1, -1, 0, 1, 1, 3]
    assert np.isnan(mid[0]) and np.isnan(mid[1])
    assert mid[2] == 10.1 and mid[3] == 10.2
    assert age.tolist() == [-1, -1, 4 * SEC, 1 * SEC, 4 * SEC, 1 * SEC]
    idx2, *_ = K.prevailing_quotes(t_ts, q_ts, bid, ask, 0, False)
    assert idx2.tolist() == [-1, 0, 1, 1, 3, 3]  # at-or-before: crossed quote 2 still skipped


def test_quote_lag_shifts_the_match():
    q_ts = np.array([0, 10, 20], dtype=np.int64) * SEC
    bid = np.array([1.0, 2.0, 3.0])
    ask = bid + 0.1
    t_ts = np.array([21, 25, 31], dtype=np.int64) * SEC
    idx, *_ , age = K.prevailing_quotes(t_ts, q_ts, bid, ask, 5 * SEC, True)
    assert idx.tolist() == [1, 1, 2]
    assert age.tolist() == [11 * SEC, 15 * SEC, 11 * SEC]  # age measured from the trade's own time


def test_a_quote_older_than_the_maximum_age_is_no_quote():
    q_ts = np.array([0, 100], dtype=np.int64) * SEC
    bid = np.array([10.0, 10.1])
    ask = bid + 0.2
    t_ts = np.array([30, 61, 90, 101, 160, 161], dtype=np.int64) * SEC
    idx, b, a, mid, age = K.prevailing_quotes(t_ts, q_ts, bid, ask, 0, True, 60 * SEC)
    assert idx.tolist() == [0, K.STALE, K.STALE, 1, 1, K.STALE]  # 60 s old is still in force, 61 s is not
    assert np.isnan(mid[1]) and age[1] == -1 and mid[3] == pytest.approx(10.2)


def test_empty_inputs():
    e = np.zeros(0, dtype=np.int64)
    f = np.zeros(0)
    idx, b, a, mid, age = K.prevailing_quotes(e, e, f, f, 0, True)
    assert idx.shape == (0,)
    idx, *_ = K.prevailing_quotes(np.array([5], dtype=np.int64), e, f, f, 0, True)
    assert idx.tolist() == [-1]


@settings(max_examples=150, deadline=None)
@given(tick_day(), st.booleans(), st.sampled_from([0, SEC, 5 * SEC]), st.sampled_from([None, 0, 5 * SEC, 60 * SEC]))
def test_matches_reference(day, strict, lag, max_age):
    t, q = day["t"], day["q"]
    got = K.prevailing_quotes(t["ts"], q["ts"], q["bid"], q["ask"], lag, strict, -1 if max_age is None else max_age)
    exp = R.prevailing_quotes(t["ts"], q["ts"], q["bid"], q["ask"], lag, strict, max_age)
    for g, e in zip(got, exp):
        np.testing.assert_array_equal(g, e)


@settings(max_examples=100, deadline=None)
@given(tick_day(), st.booleans(), st.booleans(), st.sampled_from([0, 5 * SEC, 60 * SEC, 900 * SEC]),
       st.sampled_from([0, SEC]), st.sampled_from([None, 30 * SEC]))
def test_mid_at_horizon_matches_reference(day, strict, clip, horizon, lag, max_age):
    t, q = day["t"], day["q"]
    valid = K.valid_quotes(q["bid"], q["ask"])
    q_mid = np.where(valid, (q["bid"] + q["ask"]) / 2, np.nan)
    out = np.empty(len(t["ts"]))
    K.asof_mid_at_horizon(t["ts"], horizon, day["close_ns"], lag, clip, q["ts"], valid, q_mid, strict, out,
                          -1 if max_age is None else max_age)
    exp = R.asof_mid_at_horizon(t["ts"], horizon, day["close_ns"], lag, clip, q["ts"], valid, q_mid, strict, max_age)
    np.testing.assert_array_equal(out, exp)

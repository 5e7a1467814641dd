"""Spread kernels equal their references; the realized + impact = effective identity per trade."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import spreads as R
from reference.streams import tick_day

from liqcost.kernels import asof as KA
from liqcost.kernels import spreads as K

SEC = 10**9


def test_effective_spread_hand_checked():
    bps, px = K.effective_spreads(np.array([10.1, 9.95, 10.0, 10.02, 10.0]), np.array([1, -1, 0, 0, 1], np.int8),
                                  np.array([10.0, 10.0, 10.0, 10.0, np.nan]))
    assert px[0] == pytest.approx(0.2) and bps[0] == pytest.approx(200.0)
    assert px[1] == pytest.approx(0.1) and bps[1] == pytest.approx(100.0)
    assert bps[2] == 0.0  # unsigned at the midpoint costs nothing
    assert np.isnan(bps[3]) and np.isnan(bps[4])


def test_horizon_identity_and_markout():
    price = np.array([10.1, 9.9])
    sign = np.array([1, -1], np.int8)
    mid = np.array([10.0, 10.0])
    mid_h = np.array([10.06, 9.97])
    eff, _ = K.effective_spreads(price, sign, mid)
    rs, pi, mk = K.horizon_spreads(price, sign, mid, mid_h, eff)
    assert rs[0] == pytest.approx(2 * (10.1 - 10.06) / 10 * 1e4)
    assert pi[0] == pytest.approx(2 * (10.06 - 10.0) / 10 * 1e4)
    assert rs[1] == pytest.approx(-2 * (9.9 - 9.97) / 10 * 1e4)
    assert mk[0] == pytest.approx(-rs[0] / 2)
    np.testing.assert_array_equal(rs + pi, eff)


def test_trade_location_codes():
    loc = K.trade_location(np.array([10.1, 10.05, 10.2, 10.3, 10.0, 10.0]), np.array([10.0] * 5 + [np.nan]),
                           np.array([10.2] * 5 + [np.nan]))
    assert loc.tolist() == [K.LOC_MID, K.LOC_INSIDE, K.LOC_QUOTE, K.LOC_OUTSIDE, K.LOC_QUOTE, K.LOC_NONE]


def test_time_weighted_quotes_hand_checked():
    # session [0, 100 s); quote A (spread 0.2 at mid 10) from before the open to 40 s, crossed at 40 s
    # (skipped: A stays), B (locked 10) from 60 s to the end
    q_ts = np.array([-5, 40, 60], dtype=np.int64) * SEC
    bid = np.array([9.9, 10.5, 10.0])
    ask = np.array([10.1, 10.4, 10.0])
    bs = np.array([100.0, 1.0, 300.0])
    asz = np.array([200.0, 1.0, 100.0])
    out = K.time_weighted_quotes(q_ts, bid, ask, bs, asz, KA.valid_quotes(bid, ask), 0, 100 * SEC)
    assert out[0] == pytest.approx(0.6 * 200.0)  # 60 s at 200 bps, 40 s at 0
    assert out[1] == pytest.approx(0.6 * 0.2)
    assert out[2] == pytest.approx(0.6 * 150 + 0.4 * 200)
    assert out[4] == pytest.approx(100.0) and out[5] == pytest.approx(40.0)
    assert out[6] == 1  # one valid update inside the session


def test_time_weighted_quotes_stop_at_the_maximum_age():
    # one quote at 10 s, the next at 100 s, session [0, 200) s: with a 30 s limit the first covers 30 s
    # (then 60 s stale), the second 30 s (then 70 s stale)
    sec = 10**9
    q_ts = np.array([10, 100], np.int64) * sec
    bid, ask, sz = np.array([9.9, 9.8]), np.array([10.1, 10.2]), np.full(2, 100.0)
    valid = np.ones(2, bool)
    out = K.time_weighted_quotes(q_ts, bid, ask, sz, sz, valid, 0, 200 * sec, 30 * sec)
    assert out[4] == 60.0 and out[7] == 130.0
    assert out[0] == pytest.approx((30 * 0.2 / 10 + 30 * 0.4 / 10) / 60 * 1e4)
    unlimited = K.time_weighted_quotes(q_ts, bid, ask, sz, sz, valid, 0, 200 * sec)
    assert unlimited[4] == 190.0 and unlimited[7] == 0.0


def test_time_weighted_quotes_no_quote():
    e = np.zeros(0)
    out = K.time_weighted_quotes(np.zeros(0, np.int64), e, e, e, e, np.zeros(0, bool), 0, 10)
    assert np.isnan(out[0]) and out[4] == 0


@settings(max_examples=150, deadline=None)
@given(tick_day(), st.integers(0, 3), st.sampled_from([None, 0, 5 * 10**9, 60 * 10**9]))
def test_spread_kernels_match_reference(day, shift, max_age):
    t, q = day["t"], day["q"]
    _, bid, ask, mid, _ = KA.prevailing_quotes(t["ts"], q["ts"], q["bid"], q["ask"], 0, True)
    sign = np.sign(t["price"] - np.nan_to_num(mid)).astype(np.int8)
    sign[::3] = 0
    e1 = K.effective_spreads(t["price"], sign, mid)
    e2 = R.effective_spreads(t["price"], sign, mid)
    for a, b in zip(e1, e2):
        np.testing.assert_array_equal(a, b)
    mid_h = np.roll(mid, -shift)
    h1 = K.horizon_spreads(t["price"], sign, mid, mid_h, e1[0])
    h2 = R.horizon_spreads(t["price"], sign, mid, mid_h, e2[0])
    for a, b in zip(h1, h2):
        np.testing.assert_array_equal(a, b)
    ok = ~np.isnan(h1[0])
    np.testing.assert_allclose(h1[0][ok] + h1[1][ok], e1[0][ok], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(K.trade_location(t["price"], bid, ask), R.trade_location(t["price"], bid, ask))
    valid = KA.valid_quotes(q["bid"], q["ask"])
    tw1 = K.time_weighted_quotes(q["ts"], q["bid"], q["ask"], q["bid_size"], q["ask_size"], valid, day["open_ns"],
                                 day["close_ns"], -1 if max_age is None else max_age)
    tw2 = R.time_weighted_quotes(q["ts"], q["bid"], q["ask"], q["bid_size"], q["ask_size"], valid, day["open_ns"],
                                 day["close_ns"], max_age)
    np.testing.assert_allclose(tw1, tw2, rtol=1e-12, atol=1e-9)

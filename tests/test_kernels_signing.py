"""Trade-signing kernels equal their references; hand-checked Lee-Ready, EMO, CLNV, tick-rule cases."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import asof as RA
from reference import signing as R
from reference.streams import tick_day

from liqcost.kernels import signing as K

METHODS = ["tick", "quote", "lee_ready", "emo", "clnv"]


def _sign(price, bid, ask, method, aggr=None, use=None, use_feed=True):
    n = len(price)
    price = np.asarray(price, float)
    aggr = np.zeros(n, np.int8) if aggr is None else np.asarray(aggr, np.int8)
    use = np.ones(n, bool) if use is None else np.asarray(use, bool)
    return K.sign_trades(price, np.asarray(bid, float), np.asarray(ask, float), aggr, use, K.SIGNING_CODES[method], use_feed)


def test_tick_rule_upticks_zero_ticks_and_first_trade():
    s, r = K.tick_rule(np.array([10.0, 10.0, 10.1, 10.1, 10.0, 10.0, 10.2]), np.ones(7, bool))
    assert s.tolist() == [0, 0, 1, 1, -1, -1, 1]
    assert r.tolist() == [0, 0, 3, 4, 3, 4, 3]


def test_tick_rule_skips_unused_trades():
    s, r = K.tick_rule(np.array([10.0, 50.0, 10.1, 10.1]), np.array([True, False, True, True]))
    assert s.tolist() == [0, 0, 1, 1]  # the unused 50.0 print does not become the previous price


def test_lee_ready_midpoint_uses_tick_history():
    bid, ask = [10.0] * 4, [10.2] * 4
    s, r = _sign([10.15, 10.05, 10.1, 10.1], bid, ask, "lee_ready")
    assert s.tolist() == [1, -1, 1, 1]
    assert r.tolist() == [2, 2, 3, 4]


def test_quote_rule_leaves_midpoint_unsigned_and_no_quote_goes_to_tick():
    s, r = _sign([10.0, 10.1, 10.3], [np.nan, 10.0, 10.0], [np.nan, 10.2, 10.2], "quote")
    assert s.tolist() == [0, 0, 1] and r.tolist() == [0, 0, 2]
    s, r = _sign([10.0, 10.1], [np.nan, np.nan], [np.nan, np.nan], "quote")
    assert s.tolist() == [0, 1] and r.tolist() == [0, 3]  # before the first quote: tick rule


def test_emo_at_quotes_only():
    bid, ask = [10.0] * 4, [10.4] * 4
    s, r = _sign([10.4, 10.0, 10.3, 10.5], bid, ask, "emo")
    # 10.3 inside the spread: tick rule (up from 10.0); 10.5 outside: tick rule (up)
    assert s.tolist() == [1, -1, 1, 1]
    assert r.tolist() == [2, 2, 3, 3]


def test_clnv_thirty_percent_zones():
    bid, ask = [10.0] * 5, [11.0] * 5
    # zones: buy [10.7, 11.0], sell [10.0, 10.3], middle (10.3, 10.7) and outside -> tick
    s, r = _sign([10.7, 10.3, 10.5, 10.8, 11.2], bid, ask, "clnv")
    assert s.tolist() == [1, -1, 1, 1, 1]
    assert r.tolist() == [2, 2, 3, 2, 3]


def test_locked_quote_trade_at_the_quote_goes_to_tick_rule():
    for method in ("emo", "clnv", "lee_ready"):
        s, r = _sign([10.0, 10.1, 10.1], [10.0, 10.1, 10.1], [10.0, 10.1, 10.1], method)
        assert r[2] in (3, 4), method


def test_feed_aggressor_wins_when_enabled():
    s, r = _sign([10.15, 10.15], [10.0] * 2, [10.2] * 2, "lee_ready", aggr=[-1, 0])
    assert s.tolist() == [-1, 1] and r.tolist() == [1, 2]
    s, r = _sign([10.15, 10.15], [10.0] * 2, [10.2] * 2, "lee_ready", aggr=[-1, 0], use_feed=False)
    assert s.tolist() == [1, 1] and r.tolist() == [2, 2]


def test_bvc_normal_cdf():
    fr = K.bvc_buy_fraction(np.array([0.0, 1.0, -1.0, np.nan]), 1.0)
    assert fr[0] == pytest.approx(0.5)
    assert fr[1] == pytest.approx(0.8413447460685429)
    assert fr[2] == pytest.approx(1 - 0.8413447460685429)
    assert np.isnan(fr[3])
    assert np.isnan(K.bvc_buy_fraction(np.array([1.0]), 0.0)[0])


@settings(max_examples=150, deadline=None)
@given(tick_day(), st.sampled_from(METHODS), st.booleans(), st.booleans())
def test_sign_trades_matches_reference(day, method, use_feed, strict):
    t, q = day["t"], day["q"]
    _, bid, ask, _, _ = RA.prevailing_quotes(t["ts"], q["ts"], q["bid"], q["ask"], 0, strict)
    use = (t["auction"] == 0) & (t["size"] > 0)
    got = K.sign_trades(t["price"], bid, ask, t["aggressor"], use, K.SIGNING_CODES[method], use_feed)
    exp = R.sign_trades(t["price"], bid, ask, t["aggressor"], use, method, use_feed)
    np.testing.assert_array_equal(got[0], exp[0])
    np.testing.assert_array_equal(got[1], exp[1])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.floats(-5, 5), st.just(float("nan"))), max_size=30), st.floats(0, 3))
def test_bvc_matches_reference(dp, sigma):
    np.testing.assert_allclose(K.bvc_buy_fraction(np.array(dp, float), sigma), R.bvc_buy_fraction(dp, sigma),
                               rtol=1e-12, atol=1e-15)

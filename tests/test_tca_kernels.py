"""liqcost.kernels.tca against its slow twins (tests/reference/tca.py): fixed cases and hypothesis inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import tca as ref

from liqcost.kernels import tca as k
from liqcost.kernels.asof import valid_quotes

# two symbols' quotes, concatenated: segment 0 = [0, 5), segment 1 = [5, 8)
Q_TS = np.array([10, 20, 20, 35, 50, 5, 15, 40], dtype=np.int64)
Q_BID = np.array([9.9, 10.0, 10.2, 0.0, 10.1, 4.9, 5.0, 5.2])
Q_ASK = np.array([10.1, 10.2, 10.1, 10.3, 10.3, 5.1, 5.1, 5.3])  # index 2 crossed, index 3 zero bid: invalid
T_TS = np.array([12, 20, 21, 30, 60, 7, 16, 41], dtype=np.int64)
T_PX = np.array([10.1, 10.0, 10.2, 10.1, 10.3, 5.1, 5.0, 5.3])
T_SZ = np.array([100.0, 50.0, 10.0, 200.0, 5.0, 300.0, 100.0, 7.0])


def _q():
    valid = valid_quotes(Q_BID, Q_ASK)
    return valid, k.last_valid_upto(valid), 0.5 * (Q_BID + Q_ASK)


@pytest.mark.parametrize("strict", [True, False])
def test_prevailing_index_fixed(strict):
    valid, lv, _ = _q()
    times = np.array([10, 11, 20, 21, 36, 100, 5, 6, 16, 45], dtype=np.int64)
    lo = np.array([0] * 6 + [5] * 4, dtype=np.int64)
    hi = np.array([5] * 6 + [8] * 4, dtype=np.int64)
    floors = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 41], dtype=np.int64)  # the last one: its day starts at 41
    got = k.prevailing_index(times, floors, lo, hi, Q_TS, lv, strict)
    want = ref.prevailing_index(times, floors, lo, hi, Q_TS, valid, strict)
    np.testing.assert_array_equal(got, want)
    # by hand: strictly before 10 nothing; at-or-before 10 the first quote; 21 -> quote 1 (quote 2 crossed);
    # 36 -> quote 1 (quote 3 invalid); the last query's floor leaves no quote of its day before it
    exp = [-1 if strict else 0, 0, 0 if strict else 1, 1, 1, 4, -1 if strict else 5, 5, 6, -1]
    np.testing.assert_array_equal(got, exp)


def test_nth_trade_and_interval_sums_fixed():
    lo = np.array([0, 0, 5], dtype=np.int64)
    hi = np.array([5, 5, 8], dtype=np.int64)
    times = np.array([12, 20, 7], dtype=np.int64)
    ceils = np.array([100, 25, 100], dtype=np.int64)
    np.testing.assert_array_equal(k.nth_trade_index(times, ceils, lo, hi, T_TS, 1), [1, 2, 6])
    np.testing.assert_array_equal(k.nth_trade_index(times, ceils, lo, hi, T_TS, 2), [2, -1, 7])
    np.testing.assert_array_equal(k.nth_trade_index(times, ceils, lo, hi, T_TS, 3), ref.nth_trade_index(times, ceils, lo, hi, T_TS, 3))
    seg_lo, seg_hi = np.array([0, 5], dtype=np.int64), np.array([5, 8], dtype=np.int64)
    cpq = k.segment_cumsum(T_PX * T_SZ, seg_lo, seg_hi)
    cq = k.segment_cumsum(T_SZ, seg_lo, seg_hi)
    start = np.array([12, 13, 0, 7], dtype=np.int64)
    end = np.array([21, 29, 100, 16], dtype=np.int64)
    lo4, hi4 = np.array([0, 0, 0, 5], dtype=np.int64), np.array([5, 5, 5, 8], dtype=np.int64)
    v, q, n = k.interval_sums(start, end, lo4, hi4, T_TS, cpq, cq)
    # [12, 21]: trades 0, 1, 2 -> value 1010 + 500 + 102
    assert v[0] == pytest.approx(1010 + 500 + 102) and q[0] == 160 and n[0] == 3
    assert n[1] == 2 and q[2] == T_SZ[:5].sum() and q[3] == 400.0
    rv, rq, rn = ref.interval_sums(start, end, lo4, hi4, T_TS, T_PX, T_SZ)
    np.testing.assert_allclose(v, rv, rtol=1e-12)
    np.testing.assert_allclose(q, rq, rtol=1e-12)
    np.testing.assert_array_equal(n, rn)


@pytest.mark.parametrize("strict", [True, False])
def test_twap_integral_fixed(strict):
    valid, lv, mid = _q()
    start = np.array([10, 15, 30], dtype=np.int64)
    end = np.array([50, 15, 45], dtype=np.int64)
    floors = np.zeros(3, dtype=np.int64)
    lo, hi = np.zeros(3, dtype=np.int64), np.full(3, 5, dtype=np.int64)
    integ, cov = k.twap_integral(start, end, floors, lo, hi, Q_TS, mid, valid, lv, strict)
    r_integ, r_cov = ref.twap_integral(start, end, floors, lo, hi, Q_TS, mid, valid, strict)
    np.testing.assert_allclose(integ, r_integ, rtol=1e-12)
    np.testing.assert_allclose(cov, r_cov, rtol=1e-12)
    # [10, 50]: strictly-before matching has no mid at 10 exactly, then 10.0 on (10, 20] and 10.1 on (20, 50]
    if strict:
        assert cov[0] == 40 and integ[0] == pytest.approx(10.0 * 10 + 10.1 * 30)
    else:
        assert cov[0] == 40 and integ[0] == pytest.approx(10.0 * 10 + 10.1 * 30)
    assert cov[1] == 0 and integ[1] == 0


def test_session_stats_and_count_fixed():
    start = np.array([0, 13, 0], dtype=np.int64)
    end = np.array([100, 25, 10], dtype=np.int64)
    lo, hi = np.array([0, 0, 5], dtype=np.int64), np.array([5, 5, 8], dtype=np.int64)
    o, h, lw, c, val, vol, n = k.session_stats(start, end, lo, hi, T_TS, T_PX, T_SZ)
    assert (o[0], h[0], lw[0], c[0], n[0]) == (10.1, 10.3, 10.0, 10.3, 5)
    assert (o[1], c[1], n[1]) == (10.0, 10.2, 2)
    assert (o[2], n[2], vol[2]) == (5.1, 1, 300.0)
    for a, b in zip((o, h, lw, c, val, vol, n), ref.session_stats(start, end, lo, hi, T_TS, T_PX, T_SZ)):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_array_equal(k.count_between(start, end, lo, hi, T_TS), ref.count_between(start, end, lo, hi, T_TS))


# ------------------------------------------------------------------------------------------ hypothesis
@st.composite
def market(draw):
    """Up to three symbol segments of sorted quote and trade times (ties allowed), invalid quotes included."""
    n_seg = draw(st.integers(1, 3))
    q_ts, q_bid, q_ask, t_ts, t_px, t_sz, q_seg, t_seg = [], [], [], [], [], [], [], []
    for _ in range(n_seg):
        qs = sorted(draw(st.lists(st.integers(0, 60), max_size=12)))
        ts = sorted(draw(st.lists(st.integers(0, 60), max_size=12)))
        q_seg.append((len(q_ts), len(q_ts) + len(qs)))
        t_seg.append((len(t_ts), len(t_ts) + len(ts)))
        for t in qs:
            b = draw(st.sampled_from([0.0, 9.0, 9.5, 10.0, np.nan]))
            a = draw(st.sampled_from([9.0, 10.0, 10.5, 11.0]))
            q_ts.append(t)
            q_bid.append(b)
            q_ask.append(a)
        for t in ts:
            t_ts.append(t)
            t_px.append(draw(st.sampled_from([9.5, 10.0, 10.25])))
            t_sz.append(draw(st.sampled_from([1.0, 100.0, 250.0])))
    arr = lambda x, d: np.array(x, dtype=d)  # noqa: E731
    return (arr(q_ts, np.int64), arr(q_bid, float), arr(q_ask, float), arr(t_ts, np.int64), arr(t_px, float), arr(t_sz, float),
            q_seg, t_seg)


@settings(max_examples=150, deadline=None)
@given(market(), st.lists(st.tuples(st.integers(-5, 70), st.integers(0, 70), st.integers(0, 30), st.integers(0, 2)), min_size=1, max_size=15),
       st.booleans(), st.integers(1, 4))
def test_kernels_match_reference(mk, queries, strict, nth):
    q_ts, q_bid, q_ask, t_ts, t_px, t_sz, q_seg, t_seg = mk
    valid = valid_quotes(q_bid, q_ask)
    lv = k.last_valid_upto(valid)
    with np.errstate(invalid="ignore"):
        mid = 0.5 * (q_bid + q_ask)
    seg = [min(s, len(q_seg) - 1) for *_, s in queries]
    times = np.array([q[0] for q in queries], dtype=np.int64)
    ends = np.array([q[0] + q[1] for q in queries], dtype=np.int64)
    floors = np.array([q[2] for q in queries], dtype=np.int64)
    qlo = np.array([q_seg[s][0] for s in seg], dtype=np.int64)
    qhi = np.array([q_seg[s][1] for s in seg], dtype=np.int64)
    tlo = np.array([t_seg[s][0] for s in seg], dtype=np.int64)
    thi = np.array([t_seg[s][1] for s in seg], dtype=np.int64)
    np.testing.assert_array_equal(k.prevailing_index(times, floors, qlo, qhi, q_ts, lv, strict),
                                  ref.prevailing_index(times, floors, qlo, qhi, q_ts, valid, strict))
    np.testing.assert_array_equal(k.next_valid_index(times, ends, qlo, qhi, q_ts, valid),
                                  ref.next_valid_index(times, ends, qlo, qhi, q_ts, valid))
    np.testing.assert_array_equal(k.nth_trade_index(times, ends, tlo, thi, t_ts, nth),
                                  ref.nth_trade_index(times, ends, tlo, thi, t_ts, nth))
    seg_lo = np.array([a for a, _ in t_seg], dtype=np.int64)
    seg_hi = np.array([b for _, b in t_seg], dtype=np.int64)
    cpq = k.segment_cumsum(t_px * t_sz, seg_lo, seg_hi)
    cq = k.segment_cumsum(t_sz, seg_lo, seg_hi)
    got = k.interval_sums(times, ends, tlo, thi, t_ts, cpq, cq)
    want = ref.interval_sums(times, ends, tlo, thi, t_ts, t_px, t_sz)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(got[2], want[2])
    got = k.session_stats(times, ends, tlo, thi, t_ts, t_px, t_sz)
    want = ref.session_stats(times, ends, tlo, thi, t_ts, t_px, t_sz)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(k.count_between(times, ends, qlo, qhi, q_ts), ref.count_between(times, ends, qlo, qhi, q_ts))
    assert k.sorted_within(t_ts, seg_lo, seg_hi) == ref.sorted_within(t_ts, seg_lo, seg_hi) is True
    shuffled = t_ts[::-1].copy()
    whole = (np.array([0], dtype=np.int64), np.array([t_ts.size], dtype=np.int64))
    assert k.sorted_within(shuffled, *whole) == ref.sorted_within(shuffled, *whole)
    start = np.maximum(times, floors)
    got = k.twap_integral(start, ends, floors, qlo, qhi, q_ts, mid, valid, lv, strict)
    want = ref.twap_integral(start, ends, floors, qlo, qhi, q_ts, mid, valid, strict)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-9, atol=1e-9)

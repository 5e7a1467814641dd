"""The virtual limit-order fill kernel against hand-checked cases and its slow reference twin."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import fills as ref

from liqcost.kernels.fills import (
    CODE_MID,
    STATUS_OK,
    STATUS_PARAM,
    STATUS_SHAPE,
    STATUS_UNSORTED,
    limit_ticks,
    virtual_fills,
)

S = 1_000_000_000


def run(trades, quotes, placements, codes, horizons_s, tick=0.01, queue_frac=1.0, order_size=100.0):
    tt = np.array([t[0] for t in trades], dtype=np.int64)
    tp = np.array([t[1] for t in trades], dtype=np.float64)
    tsz = np.array([t[2] for t in trades], dtype=np.float64)
    qt = np.array([q[0] for q in quotes], dtype=np.int64)
    qa = np.array([[q[1], q[2], q[3], q[4]] for q in quotes], dtype=np.float64).reshape(-1, 4)
    pt = np.array([p[0] for p in placements], dtype=np.int64)
    ps = np.array([p[1] for p in placements], dtype=np.int8)
    pc = np.array([p[2] for p in placements], dtype=np.int64)
    c = np.array(codes, dtype=np.int64)
    h = np.array([int(x * S) for x in horizons_s], dtype=np.int64)
    n_p, n_c, n_h = pt.size, c.size, h.size
    lim = np.empty((n_p, n_c))
    spr = np.empty(n_p)
    fill = np.empty((n_p, n_c), dtype=np.int64)
    ex = np.empty((n_p, n_c, n_h))
    dr = np.empty((n_p, n_h))
    status = virtual_fills(tt, tp, tsz, qt, np.ascontiguousarray(qa[:, 0]), np.ascontiguousarray(qa[:, 1]),
                           np.ascontiguousarray(qa[:, 2]), np.ascontiguousarray(qa[:, 3]), pt, ps, pc, c, h,
                           tick, queue_frac, order_size, lim, spr, fill, ex, dr)
    return status, lim, spr, fill, ex, dr


def test_limit_ticks_rules():
    # bid 1000, ask 1004 ticks: join 1000, improve 1..3, improve 5 clipped to 1003, mid 1002
    assert [limit_ticks(1, 1000, 1004, k) for k in (0, 1, 3, 5, CODE_MID)] == [1000, 1001, 1003, 1003, 1002]
    assert [limit_ticks(-1, 1000, 1004, k) for k in (0, 1, 3, 5, CODE_MID)] == [1004, 1003, 1001, 1001, 1002]
    # one-tick spread: every rule joins; three ticks: mid rounds to the passive side
    assert [limit_ticks(1, 1000, 1001, k) for k in (0, 2, CODE_MID)] == [1000, 1000, 1000]
    assert limit_ticks(1, 1000, 1003, CODE_MID) == 1001 and limit_ticks(-1, 1000, 1003, CODE_MID) == 1002
    # locked quote: joins
    assert limit_ticks(1, 1000, 1000, 2) == 1000


def test_hand_checked_buy():
    quotes = [(0, 10.00, 10.04, 300.0, 200.0), (5 * S, 9.99, 10.04, 400.0, 200.0)]
    trades = [
        (2 * S, 10.00, 100.0),  # at the bid: eats 100 of the 300 ahead of a join; through every better limit
        (3 * S, 10.01, 50.0),  # at improve_1 (no queue ahead), through mid 10.02 and improve_3 10.03
        (6 * S, 10.00, 100.0),  # level 10.00 was emptied by the 5 s quote: the join order is first
        (15 * S, 10.05, 100.0),  # above every limit
    ]
    codes = [0, 1, CODE_MID, 3]
    status, lim, spr, fill, ex, dr = run(trades, quotes, [(1 * S, 1, 100 * S)], codes, [1, 10, 20])
    assert status == STATUS_OK
    assert np.allclose(lim[0], [10.00, 10.01, 10.02, 10.03])
    assert spr[0] == 4
    # join: first executable volume at 6 s (5 s after placement); the better limits fill on the 2 s print
    assert list(fill[0]) == [5 * S, 1 * S, 1 * S, 1 * S]
    assert np.allclose(ex[0, :, 0], [0, 100, 100, 100])  # (1 s, 2 s]
    assert np.allclose(ex[0, :, 1], [100, 250, 250, 250])
    assert np.allclose(ex[0, :, 2], [100, 250, 250, 250])
    # drift: the mid fell from 10.02 to 10.015 (in the buyer's favour: negative)
    assert dr[0, 1] == pytest.approx((10.015 / 10.02 - 1) * 1e4)


def test_queue_ahead_and_censoring_sell():
    quotes = [(0, 10.00, 10.02, 100.0, 500.0), (4 * S, 10.00, 10.02, 100.0, 150.0)]
    trades = [(2 * S, 10.02, 300.0), (5 * S, 10.02, 200.0), (9 * S, 10.03, 100.0)]
    # a sell joining the ask has 500 ahead; 300 trade (200 left), the 4 s quote shows 150 (cap), then 200
    # trade: 50 executable -> not filled (order size 100); the 10.03 print would trade through the limit
    # but the censor at 8 s stops the walk before it.
    status, lim, _, fill, ex, _ = run(trades, quotes, [(1 * S, -1, 8 * S)], [0, 1], [3, 6, 10])
    assert status == STATUS_OK
    assert np.allclose(lim[0], [10.02, 10.01])
    assert list(fill[0]) == [-1, 1 * S]
    assert np.allclose(ex[0, 0, :2], [0, 50]) and math.isnan(ex[0, 0, 2])
    # improve_1 sells at 10.01: prints at 10.02 are above it, through: 300 at 2 s -> filled 1 s after
    status, lim, _, fill, ex, _ = run(trades, quotes, [(1 * S, -1, 8 * S)], [1], [3, 6, 10])
    assert list(fill[0]) == [1 * S] and np.allclose(ex[0, 0, :2], [300, 500])


def test_no_quote_before_placement_and_bad_inputs():
    quotes = [(5 * S, 10.0, 10.02, 100.0, 100.0)]
    status, lim, _, fill, _, dr = run([(6 * S, 9.0, 100.0)], quotes, [(1 * S, 1, 100 * S)], [0], [10])
    assert status == STATUS_OK and math.isnan(lim[0, 0]) and fill[0, 0] == -1 and math.isnan(dr[0, 0])
    status, *_ = run([(6 * S, 9.0, 1.0), (5 * S, 9.0, 1.0)], quotes, [(1 * S, 1, 100 * S)], [0], [10])
    assert status == STATUS_UNSORTED
    for kw in ({"tick": 0.0}, {"queue_frac": 1.5}, {"order_size": 0.0}):
        status, *_ = run([(6 * S, 9.0, 1.0)], quotes, [(1 * S, 1, 100 * S)], [0], [10], **kw)
        assert status == STATUS_PARAM
    z = np.zeros(0, dtype=np.int64)
    f = np.zeros(0)
    bad = virtual_fills(z, f, np.zeros(1), z, f, f, f, f, z, np.zeros(0, np.int8), z, np.zeros(1, np.int64),
                        np.ones(1, np.int64), 0.01, 1.0, 1.0, np.empty((0, 1)), np.empty(0),
                        np.empty((0, 1), np.int64), np.empty((0, 1, 1)), np.empty((0, 1)))
    assert bad == STATUS_SHAPE


def test_nan_trades_and_quotes():
    # a NaN print never executes; a NaN quote is no quote (at placement) and is skipped (queue updates)
    quotes = [(0, 10.00, 10.04, 300.0, 200.0), (3 * S, np.nan, 10.04, 10.0, 200.0), (6 * S, np.nan, np.nan, 0.0, 0.0)]
    trades = [(2 * S, np.nan, 100.0), (4 * S, 10.00, 350.0), (5 * S, 9.99, np.nan)]
    placements = [(1 * S, 1, 100 * S), (7 * S, 1, 100 * S)]
    status, lim, spr, fill, ex, dr = run(trades, quotes, placements, [0, 1], [2, 10])
    assert status == STATUS_OK
    # 350 at the bid: 300 ahead, then 50 for us (short of the 100-share order); improve_1 is traded through
    assert list(fill[0]) == [-1, 3 * S]
    assert np.allclose(ex[0, :, 1], [50, 350])
    assert math.isnan(lim[1, 0]) and fill[1, 0] == -1 and math.isnan(dr[1, 0])
    assert math.isnan(dr[0, 1])  # the quote prevailing at 11 s is unusable
    _compare(trades, quotes, placements, [0, 1, CODE_MID], [2, 10], 1.0, 50.0)


def test_empty_inputs():
    status, _, _, fill, ex, _ = run([], [(0, 10.0, 10.02, 100.0, 100.0)], [(1 * S, 1, 100 * S)], [0, 1], [10])
    assert status == STATUS_OK and list(fill[0]) == [-1, -1] and np.allclose(ex[0, :, 0], 0)


def _compare(trades, quotes, placements, codes, horizons_s, queue_frac, order_size):
    status, lim, spr, fill, ex, dr = run(trades, quotes, placements, codes, horizons_s, 0.01, queue_frac, order_size)
    assert status == STATUS_OK
    h = [int(x * S) for x in horizons_s]
    want = ref.virtual_fills(trades, quotes, placements, codes, h, 0.01, queue_frac, order_size)
    for i, w in enumerate(want):
        np.testing.assert_allclose(lim[i], w["limit_px"], equal_nan=True)
        assert list(fill[i]) == w["fill_ns"]
        np.testing.assert_allclose(ex[i], np.array(w["exec"]).reshape(len(codes), len(h)), equal_nan=True)
        np.testing.assert_allclose(dr[i], w["drift"], equal_nan=True)
        if not math.isnan(w["spread_ticks"]):
            assert spr[i] == w["spread_ticks"]


@st.composite
def markets(draw):
    n_q = draw(st.integers(0, 12))
    qts = sorted(draw(st.lists(st.integers(0, 60), min_size=n_q, max_size=n_q)))  # equal stamps allowed
    quotes = []
    for t in qts:
        b = draw(st.integers(995, 1005))
        a = b + draw(st.integers(0, 5))  # locked quotes included
        quotes.append((t * S // 2, b / 100, a / 100, float(draw(st.integers(0, 5)) * 100), float(draw(st.integers(0, 5)) * 100)))
    n_t = draw(st.integers(0, 25))
    tts = sorted(draw(st.lists(st.integers(0, 60), min_size=n_t, max_size=n_t)))
    trades = [(t * S // 2, draw(st.integers(990, 1012)) / 100, float(draw(st.sampled_from([1, 50, 100, 200, 700]))))
              for t in tts]
    placements = [(draw(st.integers(0, 60)) * S // 2, draw(st.sampled_from([1, -1])), draw(st.integers(0, 70)) * S // 2)
                  for _ in range(draw(st.integers(1, 5)))]
    return trades, quotes, placements


@settings(max_examples=150, deadline=None)
@given(markets(), st.sampled_from([0.0, 0.5, 1.0]), st.sampled_from([1.0, 100.0, 250.0]))
def test_kernel_matches_reference(market, queue_frac, order_size):
    trades, quotes, placements = market
    _compare(trades, quotes, placements, [0, 1, 2, CODE_MID], [1, 5, 12, 30], queue_frac, order_size)


@settings(max_examples=60, deadline=None)
@given(markets())
def test_more_aggressive_fills_no_later(market):
    # pathwise nesting: a higher buy (lower sell) limit fills no later and executes at least as much,
    # with no queue ahead (queue_frac 0) so that only the price matters
    trades, quotes, placements = market
    _, lim, _, fill, ex, _ = run(trades, quotes, placements, [0, 1, 2, 3], [5, 30], 0.01, 0.0, 1.0)
    for i in range(len(placements)):
        if math.isnan(lim[i, 0]):
            continue
        for c in range(3):
            a, b = fill[i, c], fill[i, c + 1]
            assert a < 0 or (0 <= b <= a)
            assert np.all(np.nan_to_num(ex[i, c + 1]) >= np.nan_to_num(ex[i, c]))

"""Validation kernels (liqcost.kernels.validate) against their slow twins and against polars."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from reference.validate import (
    bad_print_flags_reference,
    equal_neighbours_reference,
    first_out_of_order_reference,
    pair_one_sided_reference,
    rolling_median_reference,
)

from liqcost.kernels.validate import (
    PAIR_MERGED,
    PAIR_NO_ASK,
    PAIR_NO_BID,
    PAIR_UNTOUCHED,
    bad_print_flags,
    equal_neighbours,
    first_out_of_order,
    pair_one_sided,
    rolling_median_groups,
)

NAN = math.nan


def _starts(groups):
    g = np.asarray(groups)
    out = np.ones(len(g), dtype=np.bool_)
    out[1:] = g[1:] != g[:-1]
    return out


def _median(values, groups, window, min_samples):
    out = np.empty(len(values))
    rolling_median_groups(np.asarray(values, dtype=np.float64), _starts(groups), window, min_samples, out)
    return out


def test_rolling_median_hand_checked():
    # window 3 centred: ends see two values (even: a + (b - a) / 2), the middle three
    got = _median([1.0, 5.0, 2.0, 8.0, 3.0], [0] * 5, 3, 2)
    np.testing.assert_array_equal(got, [3.0, 2.0, 5.0, 3.0, 5.5])
    # groups do not see each other; a window with fewer than min_samples rows is NaN
    got = _median([1.0, 2.0, 100.0, 200.0, 300.0], [0, 0, 1, 1, 1], 5, 3)
    assert math.isnan(got[0]) and math.isnan(got[1])
    np.testing.assert_array_equal(got[2:], [200.0, 200.0, 200.0])


PRICES = st.one_of(
    st.floats(min_value=0.01, max_value=1e4, allow_nan=False),
    st.sampled_from([1.0, 1.25, 0.75, 1.0000001, 0.8, 1.2500001, 10.0, 0.1]),
)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(PRICES, min_size=1, max_size=80), cuts=st.lists(st.integers(1, 79), max_size=4),
       window=st.sampled_from([3, 5, 7, 9, 21]), min_samples=st.integers(1, 6))
def test_rolling_median_matches_reference_and_polars(values, cuts, window, min_samples):
    n = len(values)
    groups = np.zeros(n, dtype=np.int64)
    for c in cuts:
        if c < n:
            groups[c:] += 1
    got = _median(values, groups, window, min_samples)
    want = rolling_median_reference(values, _starts(groups), window, min_samples)
    np.testing.assert_array_equal(got, np.array(want))
    frame = pl.DataFrame({"g": groups, "v": values})
    polars_med = frame.select(
        pl.col("v").rolling_median(window_size=window, center=True, min_samples=min(min_samples, window)).over("g")
    ).to_series().fill_null(NAN).to_numpy()
    if min_samples <= window:
        np.testing.assert_array_equal(got, polars_med)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(PRICES, min_size=1, max_size=150), cuts=st.lists(st.integers(1, 149), max_size=3),
       window=st.sampled_from([3, 5, 21]), dev=st.sampled_from([0.25, 0.01, 0.5, 1e-7, 2.0]),
       spikes=st.lists(st.tuples(st.integers(0, 149), st.sampled_from([1.25, 0.75, 1.3, 0.7, 5.0, 0.2, 1.2500000001])), max_size=8))
def test_bad_print_flags_equal_the_full_median_rule(values, cuts, window, dev, spikes):
    values = list(values)
    for i, mult in spikes:  # prices right at and beyond the thresholds
        if i < len(values):
            values[i] = values[max(0, i - 1)] * mult
    n = len(values)
    groups = np.zeros(n, dtype=np.int64)
    for c in cuts:
        if c < n:
            groups[c:] += 1
    v = np.asarray(values, dtype=np.float64)
    med = _median(v, groups, window, 5)
    with np.errstate(invalid="ignore"):
        want = np.abs(v / med - 1.0) > dev
    flags = np.empty(n, dtype=np.bool_)
    shown = np.empty(n)
    count = bad_print_flags(v, _starts(groups), window, 5, dev, flags, shown)
    np.testing.assert_array_equal(flags, want)
    assert flags.tolist() == bad_print_flags_reference(values, _starts(groups), window, 5, dev)
    assert count == int(want.sum())
    np.testing.assert_array_equal(shown[flags], med[flags])
    assert np.isnan(shown[~flags]).all()


def test_order_and_neighbour_kernels():
    starts = _starts([0, 0, 0, 1, 1, 1])
    ts = np.array([1, 2, 2, 0, 5, 5], dtype=np.int64)
    rows = np.array([1, 2, 3, 4, 5, 6], dtype=np.int64)
    assert first_out_of_order(starts, ts, rows) == -1  # the drop from 2 to 0 starts a new group
    assert first_out_of_order(starts, ts, np.array([1, 3, 2, 4, 5, 6], dtype=np.int64)) == 2  # equal times, rows back
    assert first_out_of_order(starts, np.array([1, 2, 1, 0, 5, 5], dtype=np.int64), rows) == 2
    out = np.empty(6, dtype=np.bool_)
    assert equal_neighbours(starts, ts, out) == 4
    assert out.tolist() == [False, True, True, False, True, True]
    # equal times across a group boundary are not neighbours
    assert equal_neighbours(_starts([0, 1]), np.array([7, 7], dtype=np.int64), np.empty(2, dtype=np.bool_)) == 0


def _pair(groups, bid, bsz, ask, asz):
    n = len(bid)
    outs = [np.empty(n) for _ in range(4)]
    status = np.empty(n, dtype=np.int8)
    merged = pair_one_sided(_starts(groups), *(np.asarray(a, dtype=np.float64) for a in (bid, bsz, ask, asz)), *outs, status)
    return merged, outs, status


def test_pair_one_sided_hand_checked():
    # day 0: bid only (no earlier offer), offer only (pairs with that bid), bid only (pairs), both, neither
    # day 1: offer only: the previous day's bid does not carry over
    groups = [0, 0, 0, 0, 0, 1]
    bid = [10.0, 0.0, 10.1, 10.2, 0.0, 0.0]
    bsz = [5.0, 0.0, 6.0, 7.0, 0.0, 0.0]
    ask = [0.0, 10.3, NAN, 10.4, 0.0, 10.5]
    asz = [0.0, 3.0, 0.0, 4.0, 0.0, 2.0]
    merged, (b, bs, a, as_), status = _pair(groups, bid, bsz, ask, asz)
    assert merged == 2
    assert status.tolist() == [PAIR_NO_ASK, PAIR_MERGED, PAIR_MERGED, PAIR_UNTOUCHED, PAIR_UNTOUCHED, PAIR_NO_BID]
    assert (b[1], bs[1], a[1], as_[1]) == (10.0, 5.0, 10.3, 3.0)
    assert (b[2], bs[2], a[2], as_[2]) == (10.1, 6.0, 10.3, 3.0)
    assert (b[5], a[5]) == (0.0, 10.5)


SIDE = st.sampled_from([0.0, NAN, -1.0, 9.9, 10.0, 10.1, math.inf])


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 2), SIDE, st.floats(0, 9), SIDE, st.floats(0, 9)), min_size=1, max_size=40))
def test_pair_one_sided_matches_reference(rows):
    rows = sorted(rows, key=lambda r: r[0])
    cols = list(zip(*rows))
    merged, outs, status = _pair(*cols)
    ref = pair_one_sided_reference(_starts(cols[0]), *cols[1:])
    for got, want in zip(outs, ref[:4]):
        np.testing.assert_array_equal(got, np.array(want, dtype=np.float64))
    assert status.tolist() == ref[4]
    assert merged == ref[4].count(1)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 4), st.integers(0, 50)), min_size=1, max_size=40))
def test_order_kernels_match_reference(rows):
    groups, ts, row = (np.asarray(c, dtype=np.int64) for c in zip(*rows))
    starts = _starts(groups)
    assert first_out_of_order(starts, ts, row) == first_out_of_order_reference(starts, ts.tolist(), row.tolist())
    out = np.empty(len(ts), dtype=np.bool_)
    want = equal_neighbours_reference(starts, ts.tolist())
    assert equal_neighbours(starts, ts, out) == sum(want)
    assert out.tolist() == want

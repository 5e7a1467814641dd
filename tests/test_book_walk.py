"""Crossing now: the book walk on a fixed quote stream by hand, against the level-by-level twin."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference.book import touch_depth as ref_depth
from reference.book import walk_book as ref_walk

from liqcost.models.book import level_gap_px, touch_depth, walk_book

S = 1_000_000_000  # ns per second


def test_fixed_quote_stream_by_hand():
    # a 10-minute window; quotes 4.98 / 5.02 all along, sizes changing twice:
    #   0-120 s   bid 300, ask 500  -> mean 400 for 120 s
    #   120-420 s bid 200, ask 200  -> mean 200 for 300 s
    #   420-600 s bid 600, ask 400  -> mean 500 for 180 s
    # time-weighted depth = (400*120 + 200*300 + 500*180) / 600 = 330 shares
    ts = np.array([0, 120, 420]) * S
    d = touch_depth(ts, [300, 200, 600], [500, 200, 400], 0, 600 * S)
    assert d == pytest.approx(330.0)
    assert d == pytest.approx(ref_depth(list(ts), [300, 200, 600], [500, 200, 400], 0, 600 * S))
    # a quote from before the window counts from its start; nothing in force -> NaN
    assert touch_depth(np.array([-60 * S]), [100], [300], 0, 60 * S) == pytest.approx(200.0)
    assert np.isnan(touch_depth(np.array([700 * S]), [1], [1], 0, 600 * S))

    # walk 1,000 shares: mid 5.00, half-spread 0.02, one level every quoted spread (0.04) of 330 shares:
    #   levels: 330 @ 5.02, 330 @ 5.06, 330 @ 5.10, 10 @ 5.14 (k = 3 full levels, r = 10)
    #   mean over the mid = 0.02 + 0.04 * (330*3*2/2 + 10*3) / 1000 = 0.02 + 0.04 * 1.02 = 0.0608
    #   = 121.6 bps of the 5.00 mid
    gap = level_gap_px(0.04, 0.01, 1.0)
    assert gap == pytest.approx(0.04)
    assert walk_book(1000, d, 0.02, gap, 5.0) == pytest.approx(121.6)
    assert walk_book(1000, d, 0.02, gap, 5.0) == pytest.approx(ref_walk(1000, 330.0, 0.02, 0.04, 5.0))
    # within the touch: the half-spread alone (40 bps); an empty order too
    assert walk_book([300, 0], d, 0.02, gap, 5.0) == pytest.approx([40.0, 40.0])
    # a gap of a tenth of the spread is still at least a tick
    assert level_gap_px(0.04, 0.01, 0.1) == pytest.approx(0.01)


def test_unusable_inputs_give_nan():
    out = walk_book([100, 100, 100, 100], [0.0, np.nan, 100.0, 100.0], 0.01, 0.01, [5.0, 5.0, 0.0, np.nan])
    assert np.isnan(out).all()


@settings(max_examples=150, deadline=None)
@given(q=st.one_of(st.just(0.0), st.floats(1e-6, 1e6)), depth=st.floats(1.0, 1e5), h=st.floats(0.0, 1.0), g=st.floats(0.0, 1.0), mid=st.floats(0.1, 500.0))
def test_walk_matches_the_level_by_level_twin(q, depth, h, g, mid):
    if q / depth > 2e4:  # the twin walks level by level
        return
    assert walk_book(q, depth, h, g, mid) == pytest.approx(ref_walk(q, depth, h, g, mid), rel=1e-9, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(qs=st.lists(st.floats(0.0, 1e5), min_size=2, max_size=20), depth=st.floats(1.0, 1e4))
def test_walk_cost_grows_with_size(qs, depth):
    q = np.sort(np.array(qs))
    c = walk_book(q, depth, 0.02, 0.03, 5.0)
    assert np.all(np.diff(c) >= -1e-9)

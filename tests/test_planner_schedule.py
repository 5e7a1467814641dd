"""Window grid and integer schedule: exact sums, caps, lots, minimum tranche (property tests), thin-name windows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from test_planner_support import sample_profiles

from liqcost.config import Config
from liqcost.models.fill_prob import session_bounds_ns
from liqcost.planner.schedule import Infeasible, allocate, build_grid, capacity_lots, trading_days

NS = 1_000_000_000


def cfg_with(**planner):
    base = Config()
    return base.model_copy(update={"planner": base.planner.model_copy(update=planner)})


def prof(symbol):
    return next(r for r in sample_profiles().iter_rows(named=True) if r["symbol"] == symbol)


def open_ns(day: dt.date, cfg=None) -> int:
    return int(session_bounds_ns([day], (cfg or Config()).session)[0][0])


# ---------------------------------------------------------------------------------------- allocation


@st.composite
def problems(draw):
    n_days = draw(st.integers(1, 4))
    per_day = draw(st.integers(1, 8))
    k = n_days * per_day
    day = np.repeat(np.arange(n_days), per_day)
    cap = np.array(draw(st.lists(st.sampled_from([0.0, 40.0, 99.0, 100.0, 150.0, 250.0, 730.0, 1000.0, 3333.0]),
                                 min_size=k, max_size=k)))
    day_cap = np.array(draw(st.lists(st.sampled_from([0.0, 100.0, 350.0, 1000.0, 5000.0, 1e9]), min_size=n_days,
                                     max_size=n_days)))
    target = np.array(draw(st.lists(st.floats(0.0, 10.0), min_size=k, max_size=k)))
    lot = draw(st.sampled_from([1, 100]))
    min_tranche = draw(st.sampled_from([0.0, float(lot), 3.0 * lot]))
    qty = draw(st.integers(1, 20_000))
    return target, cap, day, day_cap, qty, lot, min_tranche


@settings(max_examples=600, deadline=None)
@given(problems())
@example((np.eye(1, 15, 4)[0], np.where(np.isin(np.arange(15), [4, 14]), 730.0, 0.0), np.repeat(np.arange(3), 5),
          np.array([1000.0, 0.0, 350.0]), 800, 100, 300.0))  # a small tranche topped up across days (found by hypothesis)
def test_allocation_sums_exactly_within_caps(problem):
    target, cap, day, day_cap, qty, lot, min_tranche = problem
    try:
        shares = allocate(target, cap, day, day_cap, qty, lot, min_tranche)
    except Infeasible:
        # only when the caps really cannot hold the lots: with a spare lot of room anywhere the odd lot fits
        # too (a minimum tranche above one lot may conflict with the caps on its own)
        if min_tranche <= lot:
            assert capacity_lots(cap, day, day_cap, lot, max(min_tranche, 1.0)) < -(-qty // lot)
        return
    assert shares.dtype == np.int64
    assert int(shares.sum()) == qty  # exact: no residual
    assert np.all(shares >= 0)
    assert np.all(shares <= cap + 1e-9)  # no window over its cap
    per_day = np.bincount(day, weights=shares, minlength=day_cap.size)
    assert np.all(per_day <= day_cap + 1e-9)  # no day over its cap
    odd = np.flatnonzero(shares % lot)
    assert odd.size <= 1  # round lots, one tranche holds the odd-lot remainder
    if odd.size:
        assert int(shares[odd[0]] % lot) == qty % lot
    nonzero = shares[shares > 0]
    if min_tranche > 0:  # every tranche meets the minimum, unless the odd lot had to stand alone
        small = nonzero[nonzero < min_tranche]
        assert small.size == 0 or (small.size == 1 and small[0] == qty % lot)


@settings(max_examples=300, deadline=None)
@given(problems())
def test_feasible_orders_never_fail(problem):
    target, cap, day, day_cap, qty, lot, _ = problem
    # with room for every lot and a spare lot's worth in each window, the allocation must succeed
    need = -(-qty // lot)
    assume(capacity_lots(np.floor(cap / lot) * lot, day, day_cap, lot, 1.0) >= need + day_cap.size + 1)
    cap2 = np.floor(cap / lot) * lot
    shares = allocate(target, cap2, day, day_cap, qty, lot, 0.0)
    assert shares.sum() == qty


def test_remainder_goes_to_the_last_tranche():
    shares = allocate(np.ones(4), np.full(4, 1000.0), np.zeros(4, int), np.array([1e9]), 1037, 100)
    assert shares.sum() == 1037 and shares[-1] % 100 == 37 and np.all(shares[:-1] % 100 == 0)
    # the last window is full: the latest tranche with room takes it
    shares = allocate(np.array([1, 1, 1, 1.0]), np.array([1000, 1000, 1000, 200.0]), np.zeros(4, int), np.array([1e9]), 1037, 100)
    assert list(shares) == [300, 200, 337, 200]


def test_allocation_keeps_the_shape_and_carries_forward():
    # a front-loaded target capped in the first window: the excess moves to the next windows
    target = np.array([10.0, 1.0, 1.0, 1.0])
    shares = allocate(target, np.array([300.0, 1000, 1000, 1000]), np.zeros(4, int), np.array([1e9]), 1300, 100)
    assert list(shares) == [300, 800, 100, 100]
    # VWAP-like target without binding caps: rounded shares within half a lot of the target
    target = np.array([5.0, 3.0, 2.0, 4.0])
    shares = allocate(target, np.full(4, 1e6), np.zeros(4, int), np.array([1e9]), 7000, 100)
    assert np.all(np.abs(np.cumsum(shares) - np.cumsum(target / target.sum() * 7000)) <= 50 + 1e-9)


def test_infeasible_when_caps_too_small():
    with pytest.raises(Infeasible):
        allocate(np.ones(3), np.array([100.0, 100, 100]), np.zeros(3, int), np.array([1e9]), 400, 100)
    with pytest.raises(Infeasible):  # the day cap binds
        allocate(np.ones(3), np.full(3, 1000.0), np.zeros(3, int), np.array([200.0]), 300, 100)


# ------------------------------------------------------------------------------------------------ grid


def test_trading_days_skip_weekends():
    days = trading_days(dt.date(2025, 3, 28), 3, Config())  # a Friday
    assert days[0] == dt.date(2025, 3, 28) and days[1] == dt.date(2025, 3, 31) and len(days) == 3
    assert trading_days(dt.date(2025, 3, 29), 0, Config(), until=dt.date(2025, 4, 2)) == [
        dt.date(2025, 3, 31), dt.date(2025, 4, 1), dt.date(2025, 4, 2)]


def test_grid_of_an_active_name():
    p = prof("THNA")
    g = build_grid(p, Config(), open_ns(dt.date(2025, 3, 31)), n_days=2)
    assert len(g.dates) == 2 and g.size == 26  # thirteen half-hours a day, all with volume and trades
    assert np.allclose(g.clock_minutes, 30.0)
    assert g.volume.sum() == pytest.approx(2 * p["adv_shares"])
    assert list(g.tod[:3]) == ["open", "open", "midday"] and g.tod[12] == "close"
    assert np.all(g.start_ns[1:] >= g.end_ns[:-1])
    # variance: a half-hour is 1/13 of the session (x 0.8), a night adds 0.2
    assert g.variance_days[0] == pytest.approx(0.8 / 13)
    assert g.variance_days[12] == pytest.approx(0.8 / 13 + 0.2)
    assert g.variance_days[-1] == 0.0


def test_thin_name_windows_are_merged():
    p = prof("THNE")  # about 7 trades a day
    g = build_grid(p, Config(), open_ns(dt.date(2025, 3, 31)), n_days=1)
    assert 1 <= g.size <= 4
    assert np.all(g.trades >= 2.0 - 1e-9) or g.size == 1
    assert g.clock_minutes.sum() <= 390 + 1e-9
    g1 = build_grid(p, cfg_with(min_window_trades=0.0, min_interval_volume_frac=0.0), open_ns(dt.date(2025, 3, 31)), n_days=1)
    assert g1.size == 13


def test_near_zero_intervals_get_no_window():
    p = dict(prof("THNA"))
    fr = list(p["volume_profile_frac"])
    fr[5], fr[6] = 0.0, 0.001  # the 12:00-13:00 hour is dead
    tot = sum(fr)
    p["volume_profile_frac"] = [x / tot for x in fr]
    g = build_grid(p, Config(), open_ns(dt.date(2025, 3, 31)), n_days=1)
    assert g.size == 11
    noon = open_ns(dt.date(2025, 3, 31)) + 150 * 60 * NS
    assert not np.any((g.start_ns <= noon) & (g.end_ns > noon))


def test_start_mid_session_and_end_cut_the_windows():
    p = prof("THNA")
    day = dt.date(2025, 3, 31)
    start = open_ns(day) + 45 * 60 * NS  # 10:15
    end = open_ns(dt.date(2025, 4, 1)) + 60 * 60 * NS  # 10:30 the next day
    g = build_grid(p, Config(), start, end_ns=end)
    assert g.start_ns[0] == start and g.end_ns[-1] == end
    assert len(g.dates) == 2
    # the cut half-hours keep their share of volume pro rata
    assert g.volume[0] == pytest.approx(p["adv_shares"] * p["volume_profile_frac"][1] * 0.5)


def test_auctions_only_when_allowed_and_known():
    p = dict(prof("THNA"))
    p["open_auction_frac"], p["close_auction_frac"] = 0.05, 0.10
    day = dt.date(2025, 3, 31)
    g = build_grid(p, Config(), open_ns(day), n_days=1)
    assert "close_auction" not in set(g.kind)
    g = build_grid(p, cfg_with(auctions=True), open_ns(day), n_days=1)
    assert g.kind[0] == "open_auction" and g.kind[-1] == "close_auction"
    assert g.volume[-1] == pytest.approx(0.10 * p["adv_shares"]) and g.clock_minutes[-1] == 0
    g = build_grid(prof("THNA"), cfg_with(auctions=True), open_ns(day), n_days=1)  # no auction volume known
    assert set(g.kind) == {"continuous"}


def test_coarse_windows_lose_less_capacity_to_lots():
    p = prof("THND")
    start = open_ns(dt.date(2025, 3, 31))
    fine = build_grid(p, Config(), start, n_days=1)
    coarse = build_grid(p, Config(), start, n_days=1, coarse=(0.10, 100, 100.0))
    lots = lambda g: capacity_lots(0.10 * g.volume, g.day, 0.10 * g.day_volume, 100, 100.0)
    assert lots(coarse) >= lots(fine)
    assert lots(coarse) == int(0.10 * p["adv_shares"] // 100)  # nothing lost beyond the day cap's own rounding

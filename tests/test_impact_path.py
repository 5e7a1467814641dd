"""Impact as a function of the schedule: rate terms by hand, horizons, paths against the slow reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference.impact import REFERENCE, path_reference

from liqcost.models.impact import (
    MODELS,
    Almgren2005Model,
    IStarModel,
    Order,
    Path,
    Profile,
    Schedule,
    SquareRootModel,
)

# 100,000 shares, ADV 200,000 (x = 0.5), sigma 4 %, spread 50 bps, 20 M shares outstanding
PROF = Profile(price_px=10.0, adv_shares=200_000.0, volatility_daily_frac=0.04, spread_bps=50.0, shares_outstanding=2e7)
Q = 100_000.0


# ------------------------------------------------------------------------------------- hand fixtures
def test_almgren_temporary_term_by_hand():
    # Almgren, Thum, Hauptmann & Li (2005), section 3: temporary cost eta sigma |X / (V T)|^beta.
    # X / V = 0.5; over T = 1, 2, 5 days the rate is 0.5, 0.25, 0.1 of ADV per day:
    #   0.142 * 0.04 * 0.5^0.6  * 1e4 = 37.4740
    #   0.142 * 0.04 * 0.25^0.6 * 1e4 = 24.7236
    #   0.142 * 0.04 * 0.1^0.6  * 1e4 = 14.2675
    c = Almgren2005Model().cost_bps(Order(Q), PROF, Schedule(duration_days=[1.0, 2.0, 5.0]))
    assert c.temporary_bps == pytest.approx([37.4740, 24.7236, 14.2675], abs=5e-4)
    # the permanent term of the final model (alpha = 1) does not depend on the duration:
    #   0.314 * 0.04 * 0.5 * (2e7 / 2e5)^0.25 / 2 * 1e4 = 99.2955
    assert c.permanent_bps == pytest.approx([99.2955] * 3, abs=5e-4)


def test_istar_pov_term_by_hand():
    # Kissell: MI = b1 POV^a4 I* + (1 - b1) I*, POV = p / (1 + p). I* = 708 * 0.5^0.55 * (0.04 sqrt 250)^0.71 = 349.299
    # over 1 day p = 0.5, POV = 1/3: temporary 0.98 * (1/3)^0.5 * 349.299 = 197.631
    # instantaneous (duration 0): POV = 1, the whole I* (342.313 temporary + 6.986 permanent)
    c = IStarModel().cost_bps(Order(Q), PROF, Schedule(duration_days=[1.0, 0.0]))
    istar = 708 * 0.5**0.55 * (0.04 * math.sqrt(250)) ** 0.71
    assert istar == pytest.approx(349.299, abs=1e-3)
    assert c.temporary_bps == pytest.approx([0.98 * (1 / 3) ** 0.5 * istar, 0.98 * istar], rel=1e-12)
    assert c.impact_bps[1] == pytest.approx(istar, rel=1e-12) and c.timing_risk_bps[1] == 0.0


def test_sqrt_participation_factor_by_hand():
    # F = 0.8 * 0.04 * sqrt(0.5) * 1e4 = 226.274; permanent 0.5 F = 113.137 whatever the rate.
    # temporary 0.5 F (POV / POV_ref)^0.5 with POV_ref = 0.1 / 1.1:
    #   5 days (p = 0.1): factor 1                               -> 113.137
    #   1 day  (p = 0.5): POV = 1/3, factor sqrt(11/3) = 1.91485 -> 216.641
    #   10 days (p = 0.05): POV = 1/21, factor sqrt(11/21) = 0.723747 -> 81.883
    #   instantaneous: POV = 1, factor sqrt(11) = 3.31662       -> 375.233
    c = SquareRootModel().cost_bps(Order(Q), PROF, Schedule(duration_days=[5.0, 1.0, 10.0, 0.0]))
    assert c.permanent_bps == pytest.approx([113.137] * 4, abs=1e-3)
    assert c.temporary_bps == pytest.approx([113.137, 216.641, 81.883, 375.233], abs=1e-3)
    # rate_exponent 0 is the rate-free law of the sample generator: Y sigma sqrt(Q/V) at any speed
    flat = SquareRootModel(rate_exponent=0.0).cost_bps(Order(Q), PROF, Schedule(duration_days=[0.0, 1.0, 10.0]))
    assert flat.impact_bps == pytest.approx([226.274] * 3, abs=1e-3)


# ------------------------------------------------------------------------------------------ horizons
@settings(max_examples=80, deadline=None)
@given(q=st.floats(10.0, 5e6), v=st.floats(100.0, 1e8), sigma=st.floats(0.001, 0.2), spread=st.floats(0.0, 2000.0),
       days=st.lists(st.floats(0.01, 60.0), min_size=2, max_size=12))
def test_cost_falls_and_risk_rises_with_the_horizon(q, v, sigma, spread, days):
    t = np.sort(np.array(days))
    prof = Profile(5.0, v, sigma, spread, 1e8)
    for name, cls in MODELS.items():
        c = cls().cost_bps(Order(q), prof, Schedule(duration_days=t))
        tol = 1e-9 * np.maximum(1.0, c.total_bps[:-1])
        assert np.all(np.diff(c.total_bps) <= tol), name
        assert np.all(np.diff(c.impact_bps) <= tol), name
        assert np.all(np.diff(c.timing_risk_bps) >= -1e-9), name
        assert np.all(np.diff(c.permanent_bps) == pytest.approx(0.0, abs=1e-9)), name  # the permanent part is rate-free


def test_instantaneous_trade_costs_at_least_any_worked_schedule():
    days = np.array([0.0, 1 / 390, 0.1, 1.0, 5.0])
    for name in ("sqrt", "istar", "crossover", "log"):
        c = MODELS[name]().cost_bps(Order(Q), PROF, Schedule(duration_days=days))
        assert np.isfinite(c.total_bps).all()
        assert np.all(np.diff(c.total_bps) <= 1e-9), name


# ------------------------------------------------------------------------------------------- paths
def _path(q_tranches, part):
    q = np.asarray(q_tranches, dtype=float)
    return Path([0, q.size], q, part, [max(q.sum() / 2e5 / 0.1, 1e-6)])


def test_path_at_one_rate_is_the_constant_rate_cost():
    q = np.array([10_000.0, 30_000.0, 20_000.0, 40_000.0])
    for name, cls in MODELS.items():
        path = Path([0, 4], q, np.full(4, 0.1), [5.0])
        pc = cls().path_cost_bps(Order(Q), PROF, path)
        c = cls().cost_bps(Order(Q), PROF, Schedule(duration_days=5.0))
        assert pc.parts.total_bps == pytest.approx(c.total_bps, rel=1e-12), name
        w = q / q.sum()
        # share-weighted, the tranches pay the order's permanent and temporary cost exactly
        assert (w * (pc.mid_move_bps + pc.own_permanent_bps)).sum() == pytest.approx(c.permanent_bps[0], rel=1e-12), name
        assert (w * pc.temporary_bps).sum() == pytest.approx(c.temporary_bps[0], rel=1e-12), name
        assert pc.mid_move_bps[0] == 0.0 and np.all(np.diff(pc.mid_move_bps) > 0), name


def test_path_sqrt_tranches_by_hand():
    # two equal tranches, the first at 20 % of its window's volume, the second at 5 %:
    # P = 113.137; after half the order the mid is displaced by 1.5 P sqrt(0.5) = 120.000
    # tranche 1 pays the mean of 1.5 P sqrt(f) over [0, 0.5] = P 0.5^1.5 / 0.5 = 80.000 (own), no mid move
    # tranche 2 pays the mean over [0.5, 1] = P (1 - 0.5^1.5) / 0.5 = 146.274: 120.000 mid move + 26.274 own
    # temporary 113.137 (POV / POV_ref)^0.5: POV 1/6 -> 153.196; POV 1/21 -> 81.883
    pc = SquareRootModel().path_cost_bps(Order(Q), PROF, Path([0, 2], [50_000, 50_000], [0.2, 0.05], [2.0]))
    assert pc.mid_move_bps == pytest.approx([0.0, 120.0], abs=1e-3)
    assert pc.own_permanent_bps == pytest.approx([80.0, 26.274], abs=1e-3)
    assert pc.temporary_bps == pytest.approx([113.137 * math.sqrt(11 / 6), 81.883], abs=1e-3)
    assert pc.parts.temporary_bps[0] == pytest.approx(0.5 * (113.137 * math.sqrt(11 / 6) + 81.883), abs=1e-3)


@settings(max_examples=40, deadline=None)
@given(tr=st.lists(st.tuples(st.floats(0.0, 5e4), st.floats(0.001, 3.0)), min_size=1, max_size=8),
       v=st.floats(1e4, 1e7), sigma=st.floats(0.005, 0.1), duration=st.floats(0.05, 10.0))
def test_path_matches_the_slow_reference(tr, v, sigma, duration):
    q = np.array([a for a, _ in tr])
    part = np.array([b for _, b in tr])
    if q.sum() <= 0:
        return
    prof = Profile(5.0, v, sigma, 40.0, 3e7)
    for name, cls in MODELS.items():
        pc = cls().path_cost_bps(Order(q.sum()), prof, Path([0, q.size], q, part, [duration]))
        rows, temp, perm = path_reference(name, q.tolist(), part.tolist(), v, sigma, 40.0, duration, theta=3e7, steps=2000)
        ref = np.array(rows)
        assert pc.mid_move_bps == pytest.approx(ref[:, 0], rel=1e-9, abs=1e-9), name
        assert pc.own_permanent_bps == pytest.approx(ref[:, 1], rel=1e-5, abs=1e-6), name
        assert pc.temporary_bps == pytest.approx(ref[:, 2], rel=1e-9, abs=1e-9), name
        assert pc.parts.temporary_bps[0] == pytest.approx(temp, rel=1e-9, abs=1e-9), name
        assert pc.parts.permanent_bps[0] == pytest.approx(perm, rel=1e-9), name


def test_path_batches_many_orders_and_keeps_bad_ones_nan():
    prof = Profile(10.0, [2e5, 0.0, 2e5], 0.04, 50.0, 2e7)
    path = Path([0, 2, 3, 3], [500.0, 700.0, 300.0], [0.1, 0.2, 0.1], [1.0, 1.0, 1.0])
    for cls in MODELS.values():
        pc = cls().path_cost_bps(Order([1200.0, 300.0, 0.0]), prof, path)
        assert np.isfinite(pc.parts.total_bps[0]) and np.isnan(pc.parts.total_bps[1]) and pc.parts.total_bps[2] == 0.0
        assert np.isfinite(pc.temporary_bps[:2]).all() and np.isnan(pc.temporary_bps[2])
    with pytest.raises(ValueError):
        SquareRootModel().path_cost_bps(Order([1.0, 2.0]), Profile(10.0, 2e5, 0.04, 50.0), Path([0, 1], [1.0], [0.1], [1.0]))


def test_reference_twin_of_the_constant_rate_rate_terms():
    for name in MODELS:
        for p in (0.01, 0.1, 0.7):
            c = MODELS[name]().cost_bps(Order(Q), PROF, Schedule(participation_frac=p))
            ref = REFERENCE[name](Q, 200_000.0, 0.04, 50.0, p, **({"theta": 2e7} if name == "almgren2005" else {}))
            assert [c.temporary_bps[0], c.permanent_bps[0]] == pytest.approx(list(ref[1:3]), rel=1e-12), name

"""Impact models: worked examples (the paper's and by hand), reference twins, and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference.impact import REFERENCE

from liqcost.models.impact import (
    MODELS,
    Almgren2005Model,
    CrossoverModel,
    IStarModel,
    LogModel,
    Order,
    Profile,
    Schedule,
    SquareRootModel,
)

# ---------------------------------------------------------------------------------------- worked examples
# A 100,000-share order in a name with ADV 200,000 shares, 4 % daily volatility, 50 bps spread, $10,
# 20 M shares outstanding, worked at 10 % of volume: T = 100,000 / (0.1 * 200,000) = 5 days, p = 0.1.
# Hand numbers (bps):
#   sqrt       25 + 0.8 * 0.04 * sqrt(0.5) * 1e4                                      = 25 + 226.274
#   almgren    temporary 0.142 * 0.04 * 0.1^0.6 * 1e4                                  = 14.2675
#              permanent 0.314 * 0.04 * 5 * 0.1 * (2e7 / 2e5)^0.25 / 2 * 1e4            = 99.2955
#   istar      sigma_a = 0.04 sqrt(250) = 0.632456; I* = 708 * 0.5^0.55 * 0.632456^0.71 = 349.27
#              POV = 0.1 / 1.1; temporary 0.98 * POV^0.5 * I* = 103.21; permanent 0.02 I* = 6.985
#   crossover  25 + 0.8 * 0.04 * 0.5 / sqrt(0.501) * 1e4                               = 25 + 226.048
#   log        25 + 0.1055 * 0.04 * ln(1 + 100 * 0.5) * 1e4                            = 25 + 165.923
#   timing risk (every model) 0.04 * sqrt(5 / 3) * 1e4                                 = 516.398
# At 10 % of the volume (the reference rate) the participation factor of sqrt, crossover and log is 1.
HAND = {
    "sqrt": 251.274,
    "almgren2005": 25 + 14.2675 + 99.2955,
    "istar": 25 + 103.211 + 6.9860,
    "crossover": 251.048,
    "log": 190.923,
}
ORDER = Order(100_000)
PROFILE = Profile(price_px=10.0, adv_shares=200_000.0, volatility_daily_frac=0.04, spread_bps=50.0, shares_outstanding=2e7)
AT_10PCT = Schedule(participation_frac=0.1)


@pytest.mark.parametrize("name", list(HAND))
def test_hand_worked_example(name):
    c = MODELS[name]().cost_bps(ORDER, PROFILE, AT_10PCT)
    assert c.spread_bps[0] == pytest.approx(25.0)
    assert c.total_bps[0] == pytest.approx(HAND[name], rel=2e-5)
    assert c.timing_risk_bps[0] == pytest.approx(516.398, rel=1e-5)
    ref = REFERENCE[name](100_000, 200_000, 0.04, 50.0, 0.1, **({"theta": 2e7} if name == "almgren2005" else {}))
    assert [c.spread_bps[0], c.temporary_bps[0], c.permanent_bps[0], c.timing_risk_bps[0]] == pytest.approx(list(ref), rel=1e-12)
    # currency: bps * 1e-4 * notional ($1,000,000)
    assert c.currency(1_000_000.0)["total"][0] == pytest.approx(HAND[name] * 100.0, rel=2e-5)


@pytest.mark.parametrize(
    "name, adv, theta, sigma, k_bps, perm_bps, j_bps",
    [
        # Almgren, Thum, Hauptmann & Li (2005), worked examples for trading 10 % of ADV (alpha = 1, delta = 1/4):
        # temporary K and realized J = I/2 + K at T = 0.1, 0.2, 0.5 days; I the permanent impact (bps)
        ("IBM", 6_561_000, 1_728_000_000, 0.0157, (22, 15, 8), 19.86, (32, 25, 18)),
        ("DRI", 1_929_000, 168_000_000, 0.0226, (32, 21, 12), 21.679, (43, 32, 23)),
    ],
)
def test_almgren2005_paper_examples(name, adv, theta, sigma, k_bps, perm_bps, j_bps):
    model = Almgren2005Model(alpha=1.0, delta=0.25)
    c = model.cost_bps(Order(0.1 * adv), Profile(1.0, adv, sigma, 0.0, theta), Schedule(duration_days=[0.1, 0.2, 0.5]))
    assert np.round(c.temporary_bps).tolist() == list(k_bps)
    assert 2 * c.permanent_bps == pytest.approx([perm_bps] * 3, abs=0.01)
    assert np.round(c.impact_bps).tolist() == list(j_bps)
    # inverse turnover and normalized permanent impact as printed in the paper's table
    assert theta / adv == pytest.approx(263.374 if name == "IBM" else 87.092, abs=1e-3)


def test_istar_published_all_stock_set_and_bands():
    from liqcost.models.params import cap_band, default_params

    bands = cap_band([50e9, 1e9, 100e6, np.nan], {"mega": 200e9, "large": 10e9, "mid": 2e9, "small": 250e6})
    assert bands.tolist() == ["large", "small", "micro", "unknown"]
    r = default_params().resolve(["A", "B", "C", "D"], bands)["istar"]
    assert r["set"].tolist() == ["large", "small", "small", "all"]
    assert r["a1"].tolist() == [687.0, 702.0, 702.0, 708.0]
    assert r["a2"].tolist() == [0.70, 0.47, 0.47, 0.55]


def test_istar_timing_risk_is_the_linear_schedule_risk():
    # Kissell's TR with annual volatility equals sigma * sqrt(T / 3) with T = Q / (p ADV)
    q = np.array([1e3, 5e4, 3e5])
    for p in (0.02, 0.1, 0.4):
        c = IStarModel().cost_bps(Order(q), PROFILE, Schedule(participation_frac=p))
        t = q / (p * 200_000)
        assert c.timing_risk_bps == pytest.approx(0.04 * np.sqrt(t / 3) * 1e4, rel=1e-12)


def test_almgren_turnover_fallback_is_noted():
    c = Almgren2005Model().cost_bps(Order([1000, 2000]), Profile(10, 2e5, 0.04, 50, [np.nan, 2e7]), AT_10PCT)
    assert c.flags["theta_fallback"].tolist() == [True, False]
    assert any("shares outstanding unknown for 1 order" in n for n in c.notes)
    # the fallback is Theta/V = 1 / 0.005 = 200
    ref = REFERENCE["almgren2005"](1000, 2e5, 0.04, 50, 0.1, theta=200 * 2e5)
    assert c.permanent_bps[0] == pytest.approx(ref[2], rel=1e-12)


def test_per_order_parameters_broadcast():
    y = np.array([0.5, 0.8, 1.2])
    c = SquareRootModel(y=y).cost_bps(Order(10_000), PROFILE, AT_10PCT)
    for i, yi in enumerate(y):
        assert c.total_bps[i] == pytest.approx(SquareRootModel(y=yi).cost_bps(Order(10_000), PROFILE, AT_10PCT).total_bps[0])


def test_unusable_inputs_give_nan_not_errors():
    prof = Profile(10.0, [2e5, 0.0, 2e5, 2e5], [0.04, 0.04, np.nan, 0.04], [50.0, 50.0, 50.0, np.nan])
    for cls in MODELS.values():
        c = cls().cost_bps(Order(1000), prof, AT_10PCT)
        assert np.isfinite(c.total_bps[0]) and np.isnan(c.total_bps[1:]).all()


# -------------------------------------------------------------------------------------------- references
orders_st = st.floats(1.0, 5e6)
adv_st = st.floats(100.0, 1e8)
sigma_st = st.floats(0.001, 0.2)
spread_st = st.floats(0.0, 2000.0)
part_st = st.floats(0.005, 1.0)


@settings(max_examples=150, deadline=None)
@given(q=orders_st, v=adv_st, sigma=sigma_st, spread=spread_st, p=part_st, theta=st.one_of(st.none(), st.floats(1e5, 1e10)))
def test_vectorized_models_match_hand_formulas(q, v, sigma, spread, p, theta):
    prof = Profile(5.0, v, sigma, spread, np.nan if theta is None else theta)
    for name, cls in MODELS.items():
        c = cls().cost_bps(Order(q), prof, Schedule(participation_frac=p))
        kw = {"theta": theta} if name == "almgren2005" else {}
        ref = REFERENCE[name](q, v, sigma, spread, p, **kw)
        got = [c.spread_bps[0], c.temporary_bps[0], c.permanent_bps[0], c.timing_risk_bps[0]]
        assert got == pytest.approx(list(ref), rel=1e-9, abs=1e-9), name


# -------------------------------------------------------------------------------------------- properties
@settings(max_examples=120, deadline=None)
@given(
    qs=st.lists(st.floats(0.0, 1e7), min_size=2, max_size=30),
    v=adv_st, sigma=sigma_st, spread=spread_st, p=part_st,
    duration=st.one_of(st.none(), st.floats(0.01, 30.0)),
)
def test_cost_nonnegative_and_nondecreasing_in_size(qs, v, sigma, spread, p, duration):
    q = np.sort(np.array(qs))
    sched = Schedule(participation_frac=p) if duration is None else Schedule(duration_days=duration)
    for cls in MODELS.values():
        c = cls().cost_bps(Order(q), Profile(5.0, v, sigma, spread, 1e8), sched)
        total = c.total_bps
        assert np.all(total >= 0)
        assert np.all(c.spread_bps >= 0) and np.all(c.temporary_bps >= 0) and np.all(c.permanent_bps >= 0)
        assert np.all(np.diff(total) >= -1e-9 * np.maximum(1.0, total[1:])), cls.name
        assert np.all(np.diff(c.timing_risk_bps) >= -1e-9 * np.maximum(1.0, c.timing_risk_bps[1:]))


@settings(max_examples=120, deadline=None)
@given(sigmas=st.lists(sigma_st, min_size=2, max_size=20), q=orders_st, v=adv_st, spread=spread_st, p=part_st)
def test_cost_nondecreasing_in_volatility(sigmas, q, v, spread, p):
    s = np.sort(np.array(sigmas))
    for cls in MODELS.values():
        c = cls().cost_bps(Order(q), Profile(5.0, v, s, spread, 1e8), Schedule(participation_frac=p))
        assert np.all(np.diff(c.total_bps) >= -1e-9 * np.maximum(1.0, c.total_bps[1:])), cls.name


@settings(max_examples=80, deadline=None)
@given(v=adv_st, sigma=sigma_st, spread=spread_st, p=part_st)
def test_zero_order_costs_nothing_and_tiny_order_pays_the_half_spread(v, sigma, spread, p):
    prof = Profile(5.0, v, sigma, spread, 1e8)
    tiny = v * 1e-12
    for cls in MODELS.values():
        zero = cls().cost_bps(Order(0.0), prof, Schedule(participation_frac=p))
        assert zero.total_bps[0] == 0 and zero.timing_risk_bps[0] == 0
        for sched in (Schedule(participation_frac=p), Schedule(duration_days=1.0)):
            c = cls().cost_bps(Order(tiny), prof, sched)
            assert c.spread_bps[0] == pytest.approx(spread / 2, rel=1e-15, abs=1e-12)
        # over a fixed window the impact of a vanishing order vanishes: cost -> half-spread
        c = cls().cost_bps(Order(tiny), prof, Schedule(duration_days=1.0))
        assert c.total_bps[0] == pytest.approx(spread / 2, abs=1e-2), cls.name


def test_crossover_is_linear_small_and_square_root_large():
    prof = Profile(10.0, 1e6, 0.03, 0.0)
    m = CrossoverModel(y=0.8, crossover_frac_adv=0.001)
    small = m.cost_bps(Order([10.0, 20.0]), prof, AT_10PCT).impact_bps
    assert small[1] / small[0] == pytest.approx(2.0, rel=0.02)  # linear
    large = m.cost_bps(Order([4e5, 1.6e6]), prof, AT_10PCT).impact_bps
    assert large[1] / large[0] == pytest.approx(2.0, rel=0.01)  # square root: 4x size, 2x cost
    sq = SquareRootModel(y=0.8).cost_bps(Order(1.6e6), prof, AT_10PCT).impact_bps
    assert large[1] == pytest.approx(sq[0], rel=0.001)


def test_log_model_is_linear_small_and_concave_large():
    prof = Profile(10.0, 1e6, 0.03, 0.0)
    m = LogModel()
    small = m.cost_bps(Order([10.0, 20.0]), prof, AT_10PCT).impact_bps
    assert small[1] / small[0] == pytest.approx(2.0, rel=0.01)
    big = m.cost_bps(Order([1e6, 1e7]), prof, AT_10PCT).impact_bps
    assert big[1] / big[0] < math.sqrt(10)  # grows slower than the square root for very large orders
    # anchored to the square-root law (Y = 0.8) at 10 % of ADV
    at10 = m.cost_bps(Order(1e5), prof, AT_10PCT).impact_bps[0]
    assert at10 == pytest.approx(SquareRootModel(y=0.8).cost_bps(Order(1e5), prof, AT_10PCT).impact_bps[0], rel=2e-3)


def test_schedule_duration_and_participation_agree():
    q = np.array([5e4, 1e5])
    a = Almgren2005Model().cost_bps(Order(q), PROFILE, Schedule(participation_frac=0.1))
    b = Almgren2005Model().cost_bps(Order(q), PROFILE, Schedule(duration_days=q / (0.1 * 200_000)))
    assert a.total_bps == pytest.approx(b.total_bps, rel=1e-12)
    # NaN duration falls back to the participation rate
    c = Almgren2005Model().cost_bps(Order(q), PROFILE, Schedule(participation_frac=0.1, duration_days=[np.nan, 5.0]))
    assert c.total_bps == pytest.approx(a.total_bps, rel=1e-12)
    with pytest.raises(ValueError):
        Schedule()

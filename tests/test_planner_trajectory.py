"""Trajectories: the Almgren-Chriss closed form on the paper's worked example, its limits, the other schedules.

The worked example of Almgren & Chriss (2000), "Optimal execution of portfolio transactions" (sections 2-3,
Figures 1-2): liquidate X = 1,000,000 shares of a $50 stock over T = 5 days in N = 5 periods; 30% annual
volatility gives sigma = 0.95 $/share/day^(1/2); bid-ask spread 1/8 so epsilon = 1/16; daily volume
5 million shares, with eta = 2.5e-6 (trading at 1% of the daily volume costs one spread, 1/8 per 50,000
shares a day) and gamma = 2.5e-7 (10% of the daily volume moves the price permanently by one spread); risk
aversion lambda = 1e-6 (Figure 1's point on the frontier) and 2e-6 (Figure 2's trajectory A).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import trajectory as ref

from liqcost.planner.trajectory import ac_kappa, almgren_chriss, optimal_holdings, target_schedule

PAPER = {"X": 1e6, "T": 5.0, "N": 5, "sigma": 0.95, "eta": 2.5e-6, "gamma": 2.5e-7, "epsilon": 0.0625}


@pytest.mark.parametrize("lam", [1e-6, 2e-6])
def test_paper_example_closed_form(lam):
    p = PAPER
    sol = almgren_chriss(p["X"], p["T"], p["N"], p["sigma"], p["eta"], p["gamma"], lam, p["epsilon"])
    tau = 1.0
    eta_tilde = 2.5e-6 - 0.5 * 2.5e-7 * tau  # 2.375e-6
    k2 = lam * 0.95**2 / eta_tilde
    kappa = math.acosh(1 + k2 * tau**2 / 2) / tau
    assert sol.eta_tilde == pytest.approx(2.375e-6)
    assert sol.kappa_tilde_sq == pytest.approx(k2) and sol.kappa == pytest.approx(kappa)
    # the closed form written out by hand
    want = [1e6 * math.sinh(kappa * (5 - j)) / math.sinh(5 * kappa) for j in range(6)]
    assert np.allclose(sol.holdings, want, rtol=1e-12, atol=1e-6)
    trades = [1e6 * 2 * math.sinh(kappa / 2) / math.sinh(5 * kappa) * math.cosh(kappa * (5 - (j - 0.5))) for j in range(1, 6)]
    assert np.allclose(sol.trades, trades, rtol=1e-12)
    assert np.allclose(sol.trades, -np.diff(sol.holdings), rtol=1e-10)
    assert sol.trades.sum() == pytest.approx(1e6)
    # it is the minimum of E + lambda V (brute force) and solves the difference equation (dense algebra)
    brute = ref.ac_brute_force(p["X"], p["T"], p["N"], p["sigma"], p["eta"], p["gamma"], lam)
    assert np.allclose(sol.holdings, brute, rtol=1e-5, atol=1.0)
    dense = ref.general_holdings_dense(p["X"], np.ones(5), np.ones(5), k2)
    assert np.allclose(sol.holdings, dense, rtol=1e-10, atol=1e-6)
    assert np.allclose(optimal_holdings(p["X"], np.ones(5), np.ones(5), k2), want, rtol=1e-10, atol=1e-6)
    # cost and variance are the paper's E and V
    obj = ref.ac_objective(sol.holdings[1:-1], p["X"], tau, p["sigma"], p["eta"], p["gamma"], lam, p["epsilon"])
    assert sol.expected_cost + lam * sol.variance == pytest.approx(obj, rel=1e-12)
    # half-life 1/kappa from these parameters: 1.65 days at lambda = 1e-6, 1.18 days at 2e-6
    assert sol.half_life == pytest.approx({1e-6: 1.647, 2e-6: 1.182}[lam], abs=0.002)


def test_paper_example_risk_neutral_straight_line():
    p = PAPER
    sol = almgren_chriss(p["X"], p["T"], p["N"], p["sigma"], p["eta"], p["gamma"], 0.0, p["epsilon"])
    assert np.allclose(sol.holdings, [1e6, 8e5, 6e5, 4e5, 2e5, 0])
    # E = 1/2 gamma X^2 + epsilon X + eta_tilde X^2 / T = 125,000 + 62,500 + 475,000 (the frontier's cheapest end)
    assert sol.expected_cost == pytest.approx(662_500.0)
    # V = sigma^2 tau sum x_k^2 = 0.9025 * (0.64 + 0.36 + 0.16 + 0.04) 1e12
    assert sol.variance == pytest.approx(0.9025 * 1.2e12)
    assert sol.half_life == math.inf


def test_front_loading_grows_with_risk_aversion():
    p = PAPER
    firsts, prev = [], None
    for lam in (0.0, 1e-7, 1e-6, 1e-5, 1e-4):
        sol = almgren_chriss(p["X"], p["T"], p["N"], p["sigma"], p["eta"], p["gamma"], lam)
        firsts.append(sol.trades[0])
        if prev is not None:
            assert np.all(sol.holdings[1:-1] < prev.holdings[1:-1])  # less left at every date
            assert sol.variance < prev.variance and sol.expected_cost > prev.expected_cost  # the efficient frontier
        prev = sol
    assert np.all(np.diff(firsts) > 0)
    assert firsts[-1] > 0.9e6  # lambda = 1e-4: almost everything in the first period


def test_eta_tilde_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        ac_kappa(1e-6, 1.0, 1e-7, 1e-6, 1.0)


def test_lambda_to_zero_is_vwap_and_twap():
    vol = np.array([9.0, 5.0, 3.0, 3.0, 4.0, 8.0]) * 1000  # U-shaped
    clock = np.full(6, 65.0)
    vwap = target_schedule("vwap", 12_000, vol)
    assert np.allclose(vwap, 12_000 * vol / vol.sum())
    for k2 in (1e-9, 1e-12):
        ac = target_schedule("ac", 12_000, vol, clock, vol / vol.sum(), kappa_tilde_sq=k2)
        assert np.allclose(ac, vwap, rtol=1e-4)
    # in clock time (uniform volume) the same limit is TWAP
    twap = target_schedule("twap", 12_000, np.ones(6), clock)
    assert np.allclose(twap, 2000.0)
    assert np.allclose(target_schedule("ac", 12_000, np.ones(6), clock, np.full(6, 1 / 6), kappa_tilde_sq=1e-12), twap)
    # TWAP ignores intervals with no expected volume
    assert np.allclose(target_schedule("twap", 100, np.array([1.0, 0.0, 1.0]), np.array([30.0, 30.0, 60.0])),
                       [100 / 3, 0, 200 / 3])


def test_large_lambda_front_loads_on_a_real_grid():
    vol = np.tile(np.array([9.0, 5.0, 3.0, 3.0, 4.0, 8.0]) * 1000, 3)
    var = np.full(18, 1 / 6 * 0.8)
    var[5::6] += 0.2  # overnight
    shares = [target_schedule("ac", 30_000, vol, None, var, kappa_tilde_sq=k2) for k2 in (0.0, 1e-4, 1e-3, 1e-2)]
    held = [30_000 - np.cumsum(s) for s in shares]
    for a, b in itertools.pairwise(held):
        assert np.all(b <= a + 1e-6)
    assert shares[-1][0] > 3 * shares[0][0]
    assert all(abs(s.sum() - 30_000) < 1e-6 for s in shares)


def test_pov_trades_a_fixed_share_until_done():
    vol = np.array([1000.0, 500.0, 2000.0, 800.0])
    s = target_schedule("pov", 260.0, vol, rate=0.1)
    assert np.allclose(s, [100, 50, 110, 0])
    short = target_schedule("pov", 1e6, vol, rate=0.1)
    assert short.sum() == pytest.approx(430.0)  # the caller reports that the horizon is too short
    with pytest.raises(ValueError):
        target_schedule("pov", 1.0, vol)
    with pytest.raises(ValueError, match="unknown schedule"):
        target_schedule("bogus", 1.0, vol)


def test_ac_skips_dead_intervals_and_keeps_their_variance():
    vol = np.array([100.0, 0.0, 100.0, 100.0])
    var = np.array([0.1, 0.5, 0.1, 0.1])
    s = target_schedule("ac", 300.0, vol, None, var, kappa_tilde_sq=1.0)
    assert s[1] == 0 and s.sum() == pytest.approx(300.0)
    # same as the live grid with the dead interval's variance added to the holding before it
    x = optimal_holdings(300.0, [100.0, 100.0, 100.0], [0.6, 0.1, 0.1], 1.0)
    assert np.allclose(s[[0, 2, 3]], -np.diff(x))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(1.0, 1e6), min_size=1, max_size=30),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1e-2),
    st.floats(1.0, 1e7),
)
def test_general_solver_matches_dense_reference(vol, dscale, k2, X):
    v = np.array(vol)
    d = np.linspace(0.5, 1.5, v.size) * dscale
    fast = optimal_holdings(X, v, d, k2)
    slow = ref.general_holdings_dense(X, v, d, k2)
    assert np.allclose(fast, slow, rtol=1e-8, atol=1e-6 * X)
    n = -np.diff(fast)
    assert n.sum() == pytest.approx(X) and np.all(n >= -1e-9 * X)  # a liquidation never buys back

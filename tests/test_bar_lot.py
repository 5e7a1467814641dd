"""LOT (Lesmond, Ogden and Trzcinka 1999) maximum likelihood: the numba Newton solver against scipy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import bar_lot as ref

from liqcost.kernels import bar_lot as K
from liqcost.kernels import bar_numerics as N


def simulate_lot(n, alpha1, alpha2, beta, sigma, seed, tick=None):
    """Returns observed under the LOT model: zero inside the thresholds, shifted outside."""
    rng = np.random.default_rng(seed)
    m = rng.normal(0.0, 0.01, n)
    true = beta * m + rng.normal(0.0, sigma, n)
    r = np.where(true < alpha1, true - alpha1, np.where(true > alpha2, true - alpha2, 0.0))
    return r, m


def kernel_fit(r, m, use_beta=True):
    res = np.empty(5)
    status = K.lot_fit(np.ascontiguousarray(r), np.ascontiguousarray(m), len(r), use_beta, res)
    return status, res


@pytest.mark.parametrize("use_beta", [True, False])
def test_matches_scipy_on_model_data(use_beta):
    r, m = simulate_lot(400, -0.012, 0.018, 0.8, 0.02, seed=3)
    status, res = kernel_fit(r, m, use_beta)
    assert status == N.OK
    a1, a2, beta, sigma, ll = ref.lot_fit(r, m, use_beta)
    assert res[4] >= ll - 1e-7  # at least as good a maximum as scipy's
    assert res[1] - res[0] == pytest.approx(a2 - a1, rel=1e-4)
    assert res[3] == pytest.approx(sigma, rel=1e-4)
    if use_beta:
        assert res[2] == pytest.approx(beta, rel=1e-3)
    assert ref.lot_loglik([res[0], res[1], res[2], np.log(res[3])], r, m if use_beta else 0 * m) == pytest.approx(
        res[4], rel=1e-10
    )


def test_recovers_true_parameters_in_a_large_sample():
    r, m = simulate_lot(20000, -0.01, 0.015, 1.2, 0.02, seed=11)
    status, res = kernel_fit(r, m)
    assert status == N.OK
    assert res[0] == pytest.approx(-0.01, abs=1e-3)
    assert res[1] == pytest.approx(0.015, abs=1e-3)
    assert res[2] == pytest.approx(1.2, abs=0.1)
    assert res[3] == pytest.approx(0.02, rel=0.03)


def test_undefined_cases_have_reasons():
    res = np.empty(5)
    no_zero = np.array([0.01, -0.02, 0.03, -0.01, 0.02])
    assert K.lot_fit(no_zero, np.zeros(5), 5, False, res) == N.NO_ZERO_RETURNS
    one_sided = np.array([0.0, 0.01, 0.0, 0.02, 0.03])
    assert K.lot_fit(one_sided, np.zeros(5), 5, False, res) == N.NOT_IDENTIFIED
    assert np.isnan(res).all()


def test_boundary_solution_is_feasible():
    # many small negative returns and no zero below: the sell-side threshold wants to be positive,
    # so the constrained optimum sits on alpha1 = 0
    rng = np.random.default_rng(5)
    r = np.r_[np.zeros(30), -np.abs(rng.normal(0, 0.001, 40)), np.abs(rng.normal(0.02, 0.01, 30))]
    status, res = kernel_fit(r, np.zeros(len(r)), use_beta=False)
    assert status == N.OK
    assert res[0] <= 0.0 <= res[1]
    *_, ll = ref.lot_fit(r, np.zeros(len(r)), use_beta=False)
    assert res[4] >= ll - 1e-7


@given(
    n=st.integers(15, 120),
    a1=st.floats(-0.03, -0.001),
    a2=st.floats(0.001, 0.03),
    sigma=st.floats(0.005, 0.05),
    beta=st.floats(-1.0, 2.0),
    seed=st.integers(0, 10_000),
    use_beta=st.booleans(),
)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_newton_reaches_scipys_maximum(n, a1, a2, sigma, beta, seed, use_beta):
    r, m = simulate_lot(n, a1, a2, beta, sigma, seed)
    status, res = kernel_fit(r, m, use_beta)
    n_zero, n_pos, n_neg = (r == 0).sum(), (r > 0).sum(), (r < 0).sum()
    if n_zero == 0:
        assert status == N.NO_ZERO_RETURNS
        return
    if n_pos == 0 or n_neg == 0:
        assert status == N.NOT_IDENTIFIED
        return
    assert status == N.OK
    assert res[0] <= 0.0 <= res[1] and res[3] > 0
    *_, ll = ref.lot_fit(r, m, use_beta)
    assert res[4] >= ll - 1e-6 * max(1.0, abs(ll))


def test_panel_full_mode_uses_last_row_only():
    r, _ = simulate_lot(200, -0.01, 0.01, 0.0, 0.02, seed=1)
    lc = np.r_[0.0, np.cumsum(r)] + np.log(20.0)
    n = len(lc)
    out = np.full(n, np.nan)
    status = np.zeros(n, np.int8)
    off = np.array([0, n], dtype=np.int64)
    K.lot_panel(lc, np.zeros(n), off, 0, 10, False, True, out, status)
    assert np.isnan(out[:-1]).all()
    _, res = kernel_fit(np.diff(lc), np.zeros(n - 1), use_beta=False)
    assert out[-1] == pytest.approx(res[1] - res[0], rel=1e-12)

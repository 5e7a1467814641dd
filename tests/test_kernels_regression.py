"""OLS from sufficient statistics equals numpy least squares; pooled within-day slope equals dummies OLS."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from reference import regression as R

from liqcost.kernels import regression as K


def test_exact_line():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    out = K.ols_from_sums(K.ols_sums(x, 2.0 + 3.0 * x), 3)
    assert out[0] == pytest.approx(3.0) and out[2] == pytest.approx(2.0) and out[1] == pytest.approx(0.0, abs=1e-7)


def test_nan_pairs_skipped_and_too_few():
    s = K.ols_sums(np.array([1.0, np.nan, 2.0]), np.array([1.0, 5.0, np.inf]))
    assert s[0] == 1
    assert np.isnan(K.ols_from_sums(s, 3)).all()
    assert np.isnan(K.ols_from_sums(K.ols_sums(np.ones(5), np.arange(5.0)), 3)).all()  # no x variance


_xy = st.lists(st.tuples(st.integers(-5, 5).map(float), st.floats(-10, 10)), min_size=0, max_size=25)


@settings(max_examples=150, deadline=None)
@given(_xy)
@example([(-4.0, -10.0), (-5.0, 2.0), (-5.0, 2.0), (-3.0, -22.0)])
def test_ols_matches_reference(pairs):
    x = np.array([p[0] for p in pairs])
    y = np.array([p[1] for p in pairs])
    got = K.ols_from_sums(K.ols_sums(x, y), 3)
    exp = R.ols(x, y, 3)
    np.testing.assert_allclose(got, exp, rtol=1e-6, atol=1e-6)


@settings(max_examples=100, deadline=None)
@given(st.lists(_xy, min_size=1, max_size=4))
@example([[(-4.0, -10.0), (-5.0, 2.0), (-5.0, 2.0)]])  # exact fit: cancellation noise must not become a 1e-6 SE
def test_pooled_within_matches_dummies_ols(groups):
    arrs = [(np.array([p[0] for p in g]), np.array([p[1] for p in g])) for g in groups]
    sums = np.array([K.ols_sums(x, y) for x, y in arrs]).reshape(-1, 6)
    got = K.pooled_within_from_sums(sums, 3)
    exp = R.pooled_within(arrs, 3)
    assert got[2] == exp[2]
    np.testing.assert_allclose(got[:2], exp[:2], rtol=1e-6, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.lists(_xy, min_size=0, max_size=6), st.integers(0, 6))
def test_ols_rows_equal_ols_from_sums_row_by_row(days, min_n):
    sums = np.array([K.ols_sums(np.array([x for x, _ in d]), np.array([y for _, y in d])) for d in days]).reshape(-1, 6)
    out = np.full((len(days), 3), 7.0)  # old contents must not leak
    K.ols_rows(sums, min_n, out)
    for i in range(len(days)):
        np.testing.assert_array_equal(out[i], K.ols_from_sums(sums[i], min_n))

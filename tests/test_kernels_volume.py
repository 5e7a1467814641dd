"""Volume/activity/volatility kernels equal their references; hand-checked cases."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from reference import volume as R
from reference.streams import tick_day

from liqcost.kernels import volume as K

SEC = 10**9


def test_volume_bins_edges():
    ts = np.array([-1, 0, 29, 30, 59, 60, 61], dtype=np.int64) * SEC
    size = np.arange(1.0, 8.0)
    out = K.volume_bins(ts, size, np.ones(7, bool), 0, 30 * SEC, 2)
    assert out.tolist() == [1 + 2 + 3, 4 + 5 + 6 + 7]  # before start -> bin 0, at/after the last edge -> last bin


def test_bucket_activity_and_idle():
    ts = np.array([0, 5, 70, 200], dtype=np.int64) * SEC
    px = np.array([1.0, 2.0, 3.0, 4.0])
    last, vol = K.bucket_activity(ts, px, np.ones(4), np.ones(4, bool), 0, 180 * SEC, 60 * SEC)
    assert last[0] == 2.0 and last[1] == 3.0 and np.isnan(last[2])
    assert vol.tolist() == [2.0, 1.0, 0.0]


def test_trade_gaps():
    g = K.trade_gaps(np.array([0, 1, 4, 10], dtype=np.int64) * SEC, np.array([True, True, False, True]))
    assert g.tolist() == pytest.approx([5.0, 5.0, 9.0])
    assert np.isnan(K.trade_gaps(np.array([1], dtype=np.int64), np.ones(1, bool))).all()


def test_realized_variance():
    rv = K.realized_variance(np.array([np.nan, 100.0, 101.0, 100.0]))
    assert rv[1] == 2
    assert rv[0] == pytest.approx(np.log(1.01) ** 2 + np.log(100 / 101) ** 2)
    assert np.isnan(K.realized_variance(np.array([100.0]))[0])


def test_size_stats():
    st_ = K.size_stats(np.array([50.0, 100.0, 200.0, 1000.0]), np.ones(4, bool), 100.0)
    assert st_[0] == pytest.approx(337.5)
    assert st_[1] == pytest.approx(150.0)
    assert st_[2] == pytest.approx(np.percentile([50, 100, 200, 1000], 90))
    assert st_[3] == pytest.approx(0.25) and st_[4] == pytest.approx(50 / 1350)


@settings(max_examples=150, deadline=None)
@given(tick_day(allow_bad=False), st.sampled_from([7, 60, 120]), st.sampled_from([1, 3]))
def test_match_reference(day, bucket_s, n_bins):
    t = day["t"]
    use = t["auction"] == 0
    o, c = day["open_ns"], day["close_ns"]
    np.testing.assert_allclose(K.volume_bins(t["ts"], t["size"], use, o, 200 * SEC, n_bins),
                               R.volume_bins(t["ts"], t["size"], use, o, 200 * SEC, n_bins))
    a = K.bucket_activity(t["ts"], t["price"], t["size"], use, o, c, bucket_s * SEC)
    b = R.bucket_activity(t["ts"], t["price"], t["size"], use, o, c, bucket_s * SEC)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1])
    np.testing.assert_allclose(K.trade_gaps(t["ts"], use), R.trade_gaps(t["ts"], use))
    grid = np.arange(o, c + 1, bucket_s * SEC, dtype=np.int64)
    s1 = K.sample_last(t["ts"], t["price"], use, grid)
    np.testing.assert_array_equal(s1, R.sample_last(t["ts"], t["price"], use, grid))
    np.testing.assert_allclose(K.realized_variance(s1), R.realized_variance(s1), rtol=1e-12)
    np.testing.assert_allclose(K.size_stats(t["size"], use, 100.0), R.size_stats(t["size"], use, 100.0), rtol=1e-12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from([1.0, 50.0, 100.0, 100.0, 200.0, 333.3, 1e6]), st.floats(0, 1e4)), min_size=1, max_size=80),
       st.sampled_from([0.0, 10.0, 50.0, 90.0, 99.0, 100.0]))
def test_percentile_linear_equals_numpy(xs, q):
    x = np.array(xs)
    assert K.median(x) == pytest.approx(np.median(x), rel=1e-12)
    assert K.percentile_linear(x, q) == pytest.approx(np.percentile(x, q), rel=1e-12)
    np.testing.assert_array_equal(x, np.array(xs))  # input untouched


# the inner helpers have no Python entry point (kernels.INNER): called here through a kernel, as the others do
@njit
def _select_inplace(a, k):
    return K._select_inplace(a, k)


@njit
def _percentile_bracketed(x, q, buf, sample):
    return K._percentile_bracketed(x, q, buf, sample)


@njit
def _percentiles2_bracketed(x, q1, q2, buf, sample):
    return K._percentiles2_bracketed(x, q1, q2, buf, sample)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from([1.0, 100.0, 100.0, 200.0]), st.floats(-1e3, 1e3)), min_size=1, max_size=120),
       st.data())
def test_selection_places_the_kth_element(xs, data):
    k = data.draw(st.integers(0, len(xs) - 1))
    a = np.array(xs)
    got = _select_inplace(a, k)
    assert got == np.sort(np.array(xs))[k] == a[k]
    assert (a[:k] <= a[k]).all() and (a[k + 1:] >= a[k]).all()
    assert sorted(a.tolist()) == sorted(xs)  # a permutation of the input


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from([1.0, 100.0, 100.0, 200.0, 1e6]), st.floats(0, 1e4)), min_size=1, max_size=200),
       st.sampled_from([0.0, 10.0, 50.0, 90.0, 99.0, 100.0]), st.sampled_from([0, 2, 3, 8, 16, 64]), st.booleans())
def test_bracketed_percentile_equals_the_plain_one(xs, q, sample, ordered):
    # small samples on small inputs reach both paths: the bracket holds the rank, or it misses and the
    # plain selection decides; the value is the same to the last bit either way
    x = np.sort(np.array(xs)) if ordered else np.array(xs)
    buf = np.full(len(xs), -7.0)
    got = _percentile_bracketed(x, q, buf, sample)
    assert got == K.percentile_inplace(x.copy(), q)
    assert got == pytest.approx(np.percentile(x, q), rel=1e-12)
    np.testing.assert_array_equal(x, np.sort(np.array(xs)) if ordered else np.array(xs))  # input untouched


@pytest.mark.parametrize("kind", ["lognormal", "round_lots", "sorted", "reversed", "constant", "two_values"])
def test_percentile_buffered_on_large_inputs(kind):
    rng = np.random.default_rng(3)
    n = 20_001
    x = {"lognormal": np.exp(rng.normal(4.5, 1.0, n)),
         "round_lots": rng.choice([100.0, 200.0, 500.0, 37.0], n, p=[0.6, 0.2, 0.1, 0.1]),
         "sorted": np.sort(rng.exponential(5.0, n)),
         "reversed": np.sort(rng.exponential(5.0, n))[::-1].copy(),
         "constant": np.full(n, 3.0),
         "two_values": np.where(np.arange(n) < n // 2 + 1, 1.0, 2.0)}[kind]
    buf = np.empty(n)
    for q in (0.0, 1.0, 50.0, 90.0, 100.0):
        got = K.percentile_buffered(x, q, buf)
        assert got == K.percentile_inplace(x.copy(), q)
        assert got == pytest.approx(np.percentile(x, q), rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from([1.0, 100.0, 100.0, 200.0, 1e6]), st.floats(0, 1e4)), min_size=1, max_size=200),
       st.sampled_from([0.0, 10.0, 50.0, 90.0, 100.0]), st.sampled_from([0.0, 50.0, 90.0, 99.0]),
       st.sampled_from([0, 2, 3, 8, 16, 64]))
def test_two_percentiles_in_one_pass_equal_the_plain_ones(xs, q1, q2, sample):
    x = np.array(xs)
    buf = np.full(2 * len(xs), -7.0)
    got = _percentiles2_bracketed(x, q1, q2, buf, sample)
    assert got == (K.percentile_inplace(x.copy(), q1), K.percentile_inplace(x.copy(), q2))
    np.testing.assert_array_equal(x, np.array(xs))
    big = np.exp(np.random.default_rng(len(xs)).normal(4.5, 1.0, 9000))
    assert K.percentiles2_buffered(big, q1, q2, np.empty(18000)) == (
        K.percentile_inplace(big.copy(), q1), K.percentile_inplace(big.copy(), q2))

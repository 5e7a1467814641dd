"""Days to complete: the tilted-FFT renewal computation against exact enumeration and Monte Carlo, and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference.pretrade import days_exact, days_monte_carlo, stressed_volume

from liqcost.pretrade.days import VolumeLists, days_to_complete, stressed_daily_volume


def _one(volumes, x, days=(1, 2, 3, 4)):
    vols = VolumeLists.from_lists([volumes])
    return days_to_complete(vols, np.zeros(np.size(x), np.int64), np.atleast_1d(x), 1.0, days)


# --------------------------------------------------------------------------------- fixed, hand-checked
def test_constant_volume_is_deterministic():
    # 1,000 shares every day at a 10 % cap: 100 shares a day, so 250 shares need exactly 3 days
    r = _one([1000.0] * 10, 250.0 / 0.1 * 0.1 * 10, days=(1, 2, 3))  # x = 2,500 shares of volume
    assert r.p_within[1][0] == 0 and r.p_within[2][0] == pytest.approx(0, abs=1e-9) and r.p_within[3][0] == pytest.approx(1)
    assert r.expected_days[0] == pytest.approx(3.0, abs=1e-6)


def test_zero_days_geometric_wait():
    # half the days trade nothing: a tiny order waits a geometric number of days, E[D] = 1 / (1 - 1/2) = 2
    r = _one([0.0, 1000.0], 1.0, days=(1, 2, 3))
    assert r.expected_days[0] == pytest.approx(2.0, rel=1e-9)
    assert [r.p_within[k][0] for k in (1, 2, 3)] == pytest.approx([0.5, 0.75, 0.875], abs=1e-9)


def test_no_volume_and_zero_orders():
    vols = VolumeLists.from_lists([[0.0, 0.0], [100.0, 300.0], []])
    r = days_to_complete(vols, np.array([0, 2, 1]), np.array([10.0, 10.0, 0.0]), 0.1, (1, 5))
    assert np.isinf(r.expected_days[:2]).all() and r.p_within[5][:2].tolist() == [0.0, 0.0]
    assert r.expected_days[2] == 0 and r.p_within[1][2] == 1.0


@pytest.mark.parametrize(
    "volumes",
    [
        [0.0, 100.0, 250.0, 900.0],
        [10.0, 10.0, 10.0, 5000.0],
        [0.0, 0.0, 0.0, 700.0, 1300.0],
        [300.0, 310.0, 320.0],
    ],
)
def test_matches_exact_enumeration(volumes):
    mu = np.mean(volumes)
    for mult in (0.1, 0.7, 1.0, 1.9, 3.3):
        x = mult * mu
        probs, _ = days_exact(volumes, x, 4)
        r = _one(volumes, x)
        got = [r.p_within[k][0] for k in (1, 2, 3, 4)]
        assert got[0] == pytest.approx(probs[0], abs=1e-12)  # day 1 is exact (empirical survival)
        assert got == pytest.approx(probs, abs=0.03), (volumes, mult)


@pytest.mark.parametrize(
    "name, volumes",
    [
        ("lognormal with 15% zeros", np.where(np.random.default_rng(3).random(20) < 0.15, 0, np.random.default_rng(4).lognormal(8, 0.8, 20))),
        ("spiky: one day 30x the others", np.r_[np.full(19, 1000.0), 30000.0]),
        ("40% zero days", np.where(np.random.default_rng(5).random(20) < 0.4, 0, np.random.default_rng(6).lognormal(6, 1.2, 20))),
        ("60 gamma days", np.random.default_rng(7).gamma(3, 1000, 60)),
    ],
)
def test_matches_monte_carlo(name, volumes):
    mu = float(np.mean(volumes))
    for mult in (0.5, 2.0, 5.0, 30.0):
        x = mult * mu
        mc_p, mc_ed = days_monte_carlo(volumes, x, days=(1, 5, 10, 20), n_paths=40_000, seed=1)
        r = _one(volumes, x, days=(1, 5, 10, 20))
        for k in (1, 5, 10, 20):
            assert r.p_within[k][0] == pytest.approx(mc_p[k], abs=0.025), (name, mult, k)
        assert r.expected_days[0] == pytest.approx(mc_ed, rel=0.03), (name, mult)


def test_huge_order_uses_a_coarser_grid_and_stays_accurate():
    v = np.random.default_rng(1).lognormal(7, 0.7, 30)
    x = 400 * v.mean()  # 400 days of volume
    _, mc_ed = days_monte_carlo(v, x, days=(1,), n_paths=5_000, horizon=1000, seed=2)
    r = _one(v, x, days=(1,))
    assert r.expected_days[0] == pytest.approx(mc_ed, rel=0.01)


def test_result_does_not_depend_on_other_orders():
    rng = np.random.default_rng(0)
    lists = [rng.lognormal(6, 1, 20) * (rng.random(20) > 0.2) for _ in range(5)]
    vols = VolumeLists.from_lists(lists)
    sym = np.array([0, 1, 2, 3, 4, 0])
    q = np.array([50.0, 200.0, 300.0, 10.0, 500.0, 40000.0])
    both = days_to_complete(vols, sym, q, 0.1, (1, 5))
    alone = days_to_complete(vols, sym[:1], q[:1], 0.1, (1, 5))
    assert both.expected_days[0] == pytest.approx(alone.expected_days[0], rel=1e-9)
    assert both.p_within[5][0] == pytest.approx(alone.p_within[5][0], abs=1e-9)


# ------------------------------------------------------------------------------------------- properties
volume_lists = st.lists(st.one_of(st.just(0.0), st.floats(1.0, 1e6)), min_size=1, max_size=40).filter(lambda v: sum(v) > 0)


@settings(max_examples=60, deadline=None)
@given(volumes=volume_lists, sizes=st.lists(st.floats(1.0, 5e7), min_size=2, max_size=15), cap=st.floats(0.01, 1.0))
def test_days_nondecreasing_in_size(volumes, sizes, cap):
    q = np.sort(np.array(sizes))
    vols = VolumeLists.from_lists([volumes])
    r = days_to_complete(vols, np.zeros(q.size, np.int64), q, cap, (1, 5, 20))
    ed = r.expected_days
    assert np.all(ed >= 1 - 1e-9)
    assert np.all(np.diff(ed) >= -1e-9 * np.maximum(ed[1:], 1))
    for k in (1, 5, 20):
        p = r.p_within[k]
        assert np.all((p >= 0) & (p <= 1))
        assert np.all(np.diff(p) <= 1e-9)
    # more days, more chance of being done
    assert np.all(r.p_within[5] >= r.p_within[1] - 1e-9) and np.all(r.p_within[20] >= r.p_within[5] - 1e-9)


@settings(max_examples=60, deadline=None)
@given(volumes=volume_lists, qty=st.floats(1.0, 1e7), caps=st.lists(st.floats(0.01, 1.0), min_size=2, max_size=12))
def test_days_nonincreasing_in_cap(volumes, qty, caps):
    c = np.sort(np.array(caps))
    vols = VolumeLists.from_lists([volumes])
    r = days_to_complete(vols, np.zeros(c.size, np.int64), np.full(c.size, qty), c, (5,))
    ed = r.expected_days
    assert np.all(np.diff(ed) <= 1e-9 * np.maximum(ed[:-1], 1))
    assert np.all(np.diff(r.p_within[5]) >= -1e-9)


@settings(max_examples=60, deadline=None)
@given(lists=st.lists(volume_lists, min_size=1, max_size=6), window=st.integers(1, 10), q=st.floats(0.0, 1.0))
def test_stressed_volume_matches_reference(lists, window, q):
    vols = VolumeLists.from_lists(lists)
    got = stressed_daily_volume(vols, window, q)
    want = [stressed_volume(v, window, q) for v in lists]
    assert got == pytest.approx(want, rel=1e-9, abs=1e-9)


def test_from_series_drops_nulls_and_nan():
    import polars as pl

    s = pl.Series([[1.0, None, 3.0], None, [float("nan"), 2.0], []], dtype=pl.List(pl.Float64))
    v = VolumeLists.from_series(s)
    assert v.lengths.tolist() == [2, 0, 1, 0]
    assert v.values.tolist() == [1.0, 3.0, 2.0]
    assert np.isnan(v.means()[1]) and v.means()[0] == 2.0


def test_fft_lengths_are_scipys_fast_real_lengths():
    # days.py takes numpy's FFT (importing scipy.fft costs scipy.special at start-up); its length rule must stay
    # scipy.fft.next_fast_len(n, real=True): the 5-smooth size at least n
    import scipy.fft

    from liqcost.pretrade.days import _next_fast_len

    for n in list(range(1, 5000)) + [65536, 65537, 262143, 262144, 262145, 524289]:
        assert _next_fast_len(n) == scipy.fft.next_fast_len(n, real=True), n

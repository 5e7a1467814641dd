"""Shared numerics of the bar kernels (liqcost.kernels.bar_numerics) and what every family has in common."""

from __future__ import annotations

import numpy as np
from scipy import special
from test_bar_ar import run_ar
from test_bar_cs import run_cs
from test_bar_roll import run_roll
from test_bar_volatility import run_vol
from test_bar_zero import run_zero

from liqcost.kernels import bar_numerics as N


def test_ndtri_matches_scipy():
    p = np.r_[1e-300, 1e-20, 1e-10, 1e-5, 0.001, 0.02425, 0.1, 0.3, 0.5, 0.7, 0.97575, 0.999, 1 - 1e-12]
    got = np.array([N.ndtri(x) for x in p])
    np.testing.assert_allclose(got, special.ndtri(p), rtol=1e-13)
    assert N.ndtri(0.0) == -np.inf and N.ndtri(1.0) == np.inf and np.isnan(N.ndtri(1.5))


def test_constant_prices_have_no_variation_reason():
    s = {k: np.full(25, 7.0) for k in ("open", "high", "low", "close")}
    for runner in (run_roll, run_cs, run_ar):
        out, stt = runner([s], 21, 5)
        assert np.isnan(out[0][-1]) and stt[0][-1] == N.NO_VARIATION, runner.__name__
    vols = run_vol([s], 21, 5)
    for name, (out, stt) in vols.items():
        assert np.isnan(out[0][-1]) and stt[0][-1] == N.NO_VARIATION, name
    zr, _, _, fs = run_zero([s], 21, 5)
    assert zr[0][-1] == 1.0 and fs[0][-1] == N.NO_VARIATION

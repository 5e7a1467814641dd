"""Calibration on the generated sample's metaorders recovers the generator's Y (test_tca_sample builds it).

The path is a user's: fills reviewed against the dataset's ticks, each order priced from the profile of
the days before it (no look-ahead), Y of the square-root law fitted to the orders' impact costs. The
test stated: the fitted Y lies within two of its reported standard errors of the truth (0.8), and
Y = 0.4 and Y = 1.6 (half and double) lie more than three standard errors away (rejected at the 0.3 %
level). The out-of-sample error is reported (docs/tca.md) and must beat neither nothing nor chance:
it is finite, on orders after the split date.
"""

from __future__ import annotations

import math
import warnings

import polars as pl
import pytest
from test_tca_sample import sample_bundle

from liqcost.errors import FewObservationsWarning
from liqcost.models.calibrate import calibrate


@pytest.fixture(scope="module")
def cal():
    b = sample_bundle()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        res = calibrate(b["model"], b["config"])
    return b, res, w


def test_recovers_the_generators_y(cal):
    b, res, _ = cal
    truth = b["sample"].truth["impact_y"]
    f = res.fit("sqrt")
    y, se = f.value("y"), f.se("y")
    assert f.converged and f.n >= 85
    assert abs(y - truth) < 2 * se, (y, se)
    assert abs(y - truth / 2) > 3 * se and abs(y - 2 * truth) > 3 * se
    assert 0.03 < se < 0.12
    # the residuals scaled by each order's stated risk have a spread near 1 (the risk is the right size)
    assert 0.75 < f.resid_z["sd"] < 1.3


def test_narrow_size_range_is_stated(cal):
    _, res, w = cal
    msgs = [str(x.message) for x in w if issubclass(x.category, FewObservationsWarning)]
    assert any("do not identify" in m for m in msgs)
    # the free exponent of the power law is fitted (sizes span more than 2x) and consistent with 1/2
    pw = res.fit("power")
    e, se = pw.value("exponent"), pw.se("exponent")
    assert not pw.params[1].fixed and abs(e - 0.5) < 2.5 * se
    assert any("square-root check" in n for n in res.notes)


def test_out_of_sample_error_is_reported(cal):
    _, res, _ = cal
    oos = res.out_of_sample.filter(pl.col("model") == "sqrt").row(0, named=True)
    assert oos["n_test"] >= 20 and oos["n_train"] >= 50
    assert math.isfinite(oos["rmse_bps"]) and oos["rmse_bps"] > 0
    assert abs(oos["z_mean"]) < 3 / math.sqrt(oos["n_test"]) + 0.3
    assert oos["prior_rmse_bps"] > 0


def test_buckets_and_parameter_file(cal, tmp_path):
    b, res, _ = cal
    size = res.buckets.filter((pl.col("group") == "size") & (pl.col("status") == "fitted"))
    assert size.height >= 2
    assert ((size["y"] - 0.8).abs() < 3 * size["y_se"]).all()
    path = tmp_path / "calibrated.yaml"
    res.write_params(path)
    from liqcost.config import load_config
    from liqcost.models.params import load_params

    p = load_params(load_config(overrides={"impact.params_file": str(path)}))
    assert p.models["sqrt"]["y"] == pytest.approx(res.fit("sqrt").value("y"), rel=1e-5)
    assert p.uncertainty["sqrt"] == pytest.approx(res.fit("sqrt").se("y") / res.fit("sqrt").value("y"), rel=1e-3)

"""liqcost.models.calibrate on observation tables whose true parameters are known."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from liqcost.config import load_config
from liqcost.errors import CalibrationError, ConvergenceWarning, FewObservationsWarning
from liqcost.models.calibrate import calibrate
from liqcost.models.params import load_params


def table(n=200, seed=0, *, x_range=(0.002, 0.5), y=0.9, noise=1.0, model="sqrt", true=None, outliers=0.0):
    """Orders with sizes log-uniform in ``x_range`` (of ADV), realized impact from ``model`` plus noise of
    ``noise`` times each order's stated risk (sigma sqrt(V) 1e4)."""
    rng = np.random.default_rng(seed)
    x = np.exp(rng.uniform(np.log(x_range[0]), np.log(x_range[1]), n))
    adv = rng.uniform(2e4, 2e5, n)
    sigma = np.exp(rng.uniform(np.log(0.01), np.log(0.06), n))
    T = rng.uniform(0.05, 1.0, n)  # days
    V = T / 3 * 0.8
    p = x / T
    theta_v = np.exp(rng.uniform(np.log(50), np.log(2000), n))
    s = sigma * np.sqrt(V) * 1e4
    t = true or {}
    if model == "sqrt":
        imp = y * sigma * np.sqrt(x) * 1e4
        perm = imp
    elif model == "power":
        imp = t["y"] * sigma * x ** t["exponent"] * 1e4
        perm = imp
    elif model == "istar":
        pov = p / (1 + p)
        istar = t["a1"] * x ** t["a2"] * (sigma * math.sqrt(250)) ** t["a3"]
        imp = (t["b1"] * pov ** t["a4"] + 1 - t["b1"]) * istar
        perm = imp
    else:  # almgren2005
        perm = t["gamma"] * sigma * T * p ** t["alpha"] * theta_v ** t["delta"] * 1e4
        imp = t["eta"] * sigma * p ** t["beta"] * 1e4 + perm / 2
    e = rng.normal(0, 1, n) * s * noise
    if outliers:
        k = rng.random(n) < outliers
        e = np.where(k, 25 * s * np.sign(rng.normal(size=n)), e)
    half = rng.uniform(10, 60, n)
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=int(d)) for d in np.sort(rng.integers(0, 60, n))]
    return pl.DataFrame({
        "order_id": [f"O{i}" for i in range(n)], "symbol": [f"S{i % 7}" for i in range(n)], "date": days, "side": 1,
        "filled_qty_shares": x * adv, "adv_shares": adv, "volatility_daily_frac": sigma, "timing_variance_days": V,
        "variance_time_last_days": 0.8 * T, "duration_days": T, "model_participation_frac": p,
        "shares_outstanding": theta_v * adv, "half_spread_bps": half, "spread_paid_se_bps": 0.0,
        "impact_cost_bps": imp + e, "arrival_cost_bps": imp + e + half, "lookback_days": 20,
        "post_move_30min_bps": perm + rng.normal(0, 1, n) * noise * sigma * np.sqrt(0.8 * T + 0.8 * 1800 / 23400) * 1e4,
        "cap_band": "micro",
    })


def cfg(**over):
    return load_config(overrides={f"calibration.{k}": v for k, v in over.items()})


def test_sqrt_exact_on_noise_free_data():
    r = calibrate(table(noise=0.0), cfg(models=["sqrt"]))
    f = r.fit("sqrt")
    assert f.value("y") == pytest.approx(0.9, rel=1e-7)
    assert f.se("y") < 1e-6 and f.converged and f.n == 200
    assert r.params.models["sqrt"]["y"] == pytest.approx(0.9, rel=1e-5)


def test_linear_loss_standard_error_is_the_weighted_least_squares_one():
    t = table(seed=1)
    r = calibrate(t, cfg(models=["sqrt"], loss="linear"))
    f = r.fit("sqrt")
    s = (t["volatility_daily_frac"] * t["timing_variance_days"].sqrt() * 1e4).to_numpy()
    x = (t["volatility_daily_frac"] * (t["filled_qty_shares"] / t["adv_shares"]).sqrt() * 1e4).to_numpy() / s
    y = t["impact_cost_bps"].to_numpy() / s
    b = (x * y).sum() / (x * x).sum()
    s2 = ((y - b * x) ** 2).sum() / (x.size - 1)
    assert f.value("y") == pytest.approx(b, rel=1e-8)
    assert f.se("y") == pytest.approx(math.sqrt(s2 / (x * x).sum()), rel=1e-5)
    assert abs(f.value("y") - 0.9) < 3 * f.se("y")
    assert f.resid_z["sd"] == pytest.approx(1.0, abs=0.15) and f.loss == "linear"


def test_robust_loss_resists_outliers():
    t = table(seed=2, outliers=0.06)
    lin = calibrate(t, cfg(models=["sqrt"], loss="linear")).fit("sqrt")
    rob = calibrate(t, cfg(models=["sqrt"])).fit("sqrt")
    assert rob.loss == "soft_l1" and rob.f_scale > 0
    assert abs(rob.value("y") - 0.9) < abs(lin.value("y") - 0.9)
    assert abs(rob.value("y") - 0.9) < 3 * rob.se("y")


def test_power_exponent_recovered_over_a_wide_size_range():
    true = {"y": 0.7, "exponent": 0.62}
    f = calibrate(table(model="power", true=true, noise=0.3, seed=3), cfg(models=["power"])).fit("power")
    assert abs(f.value("exponent") - 0.62) < 3 * f.se("exponent") and f.se("exponent") < 0.05
    assert abs(f.value("y") - 0.7) < 3 * f.se("y")


def test_narrow_size_range_holds_the_exponent_with_a_warning():
    t = table(x_range=(0.10, 0.15), seed=4)
    with pytest.warns(FewObservationsWarning, match="do not identify power.exponent"):
        r = calibrate(t, cfg(models=["sqrt", "power"]))
    p = [q for q in r.fit("power").params if q.name == "exponent"][0]
    assert p.fixed and p.value == 0.5 and math.isnan(p.se) and "spans only" in p.note


def test_istar_recovered_where_identified():
    prior = load_params()
    b1 = prior.models["istar"]["sets"]["small"]["b1"]  # b1 is held at its prior (the micro band's set)
    true = {"a1": 450.0, "a2": 0.6, "a3": 0.8, "a4": 0.4, "b1": b1}
    r = calibrate(table(model="istar", true=true, noise=0.0, n=300, seed=5), cfg(models=["istar"]))
    f = r.fit("istar")
    for k in ("a1", "a2", "a3", "a4"):
        assert f.value(k) == pytest.approx(true[k], rel=1e-4), k
    assert [p.name for p in f.params if p.fixed] == ["b1"]
    ist = r.params.models["istar"]
    assert ist["set"] == "calibrated" and ist["sets"]["calibrated"]["a2"] == pytest.approx(0.6, rel=1e-4)


def test_almgren_permanent_and_temporary():
    true = {"gamma": 0.3, "alpha": 0.9, "delta": 0.25, "eta": 0.14, "beta": 0.6}
    r = calibrate(table(model="almgren2005", true=true, noise=0.0, n=300, seed=6), cfg(models=["almgren2005"]))
    fp, ft = r.fit("almgren2005_permanent"), r.fit("almgren2005_temporary")
    for k in ("gamma", "alpha", "delta"):
        assert fp.value(k) == pytest.approx(true[k], rel=1e-4), k
    for k in ("eta", "beta"):
        assert ft.value(k) == pytest.approx(true[k], rel=1e-4), k
    assert r.params.models["almgren2005"]["eta"] == pytest.approx(0.14, rel=1e-4)


def test_too_few_orders():
    t = table(n=8)
    with pytest.raises(CalibrationError, match="at least 10 usable orders"):
        calibrate(t, cfg())
    short = table(n=40).with_columns(pl.when(pl.int_range(pl.len()) < 35).then(2).otherwise(20).alias("lookback_days"))
    with pytest.raises(CalibrationError, match=r"profile on fewer than 5 days .* \(35\)"):
        calibrate(short, cfg())
    with pytest.warns(FewObservationsWarning, match="calibration on 20 orders"):
        calibrate(table(n=20), cfg(models=["sqrt"]))


def test_convergence_is_checked():
    true = {"a1": 450.0, "a2": 0.6, "a3": 0.8, "a4": 0.4, "b1": 0.98}
    with pytest.warns(ConvergenceWarning, match="istar: least_squares did not converge"):
        r = calibrate(table(model="istar", true=true, seed=7), cfg(models=["istar"], max_nfev=2, loss="linear"))
    assert not r.fit("istar").converged


def test_buckets_and_out_of_sample():
    r = calibrate(table(n=400, seed=8), cfg(models=["sqrt"]))
    b = r.buckets.filter(pl.col("group") == "size")
    assert b.get_column("value").to_list() == ["0-2%", "2-5%", "5-10%", "10-20%", ">=20%"]
    fitted = b.filter(pl.col("status") == "fitted")
    assert fitted.height == 5
    # the truth is one Y for every size: each bucket's estimate within 3 standard errors of it
    assert ((fitted["y"] - 0.9).abs() < 3 * fitted["y_se"]).all()
    assert r.buckets.filter(pl.col("group") == "symbol").height == 7
    oos = r.out_of_sample.row(0, named=True)
    assert oos["model"] == "sqrt" and oos["n_train"] + oos["n_test"] == 400 and oos["n_test"] > 50
    assert oos["rmse_bps"] > 0 and abs(oos["z_mean"]) < 0.5 and 0.8 < oos["z_sd"] < 1.2
    s = r.summary()
    assert {"model", "parameter", "value", "se", "unit", "fixed", "r2", "rmse_bps"} <= set(s.columns)
    assert "calibration" in str(r)


def test_parameter_file_is_read_by_pretrade(tmp_path):
    from liqcost.pretrade import pretrade
    from reference.pretrade import profile_from_truth

    r = calibrate(table(noise=0.0, y=1.2), cfg(models=["sqrt"]))
    path = tmp_path / "params.yaml"
    r.write_params(path)
    text = path.read_text()
    assert text.startswith("# impact-model parameters calibrated") and "sqrt: {y: 1.2" in text
    params = load_params(path=path)
    assert params.models["sqrt"]["y"] == pytest.approx(1.2)
    assert params.source.startswith("calibrated on 200 orders")
    conf = load_config(overrides={"impact.params_file": str(path), "impact.models": ["sqrt"]})
    truth = {"days": ["2025-01-02", "2025-01-31"], "n_days": 20, "symbols": {"AAA": {
        "true_half_spread_bps": 20.0, "adv_shares": 1e5, "mdv_shares": 1e5, "volatility_daily_frac": 0.03, "price0_px": 10.0, "shares_outstanding": 1e7}}}
    prof = profile_from_truth(truth)
    orders = pl.DataFrame({"symbol": ["AAA"], "side": [1], "qty": [1e4]})
    new = pretrade(orders, prof, conf, portfolio=False).orders.row(0, named=True)
    base = pretrade(orders, prof, load_config(overrides={"impact.models": ["sqrt"]}), portfolio=False).orders.row(0, named=True)
    # impact scales with Y: (cost - half-spread) 1.2 / 0.8 of the default's
    assert (new["cost_sqrt_bps"] - new["half_spread_bps"]) == pytest.approx(1.5 * (base["cost_sqrt_bps"] - base["half_spread_bps"]))
    assert pretrade(orders, prof, conf, portfolio=False).params_source.startswith("calibrated on 200 orders")

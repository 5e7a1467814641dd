"""The square-root model with the generator's known Y predicts the simulated metaorder costs.

The generator (``liqcost.io.synth``) executes each metaorder as evenly spaced child trades that take the
prevailing quote while the efficient price is displaced so that the expected cost versus the arrival
mid is ``half-spread + Y sigma sqrt(Q / V)``, with ``V`` the generator's ADV parameter. Around that
expectation the realized cost is noisy: the efficient price diffuses (intraday variance ``0.8 sigma^2``
a day) between the arrival and each child, and each child pays a randomised half-spread. For children
at day fractions ``t_1..t_K`` after the arrival, the variance of the mean displacement is
``0.8 sigma^2 mean_{j,l} min(t_j, t_l)``; the spread noise adds ``(0.25 h)^2 / K``. That is "the noise
the generator implies", and the tests below judge the model against it.

The half-spread term uses the quoted spread (``impact.half_spread_from: quoted``): the children cross
the spread, so they pay the quoted half-spread, not the effective one (which includes the price
improvement of the name's other, smaller prints).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from reference.pretrade import profile_from_truth

from liqcost.config import load_config
from liqcost.io.synth import generate
from liqcost.pretrade import pretrade

NS = 1e9
SESSION_NS = 6.5 * 3600 * NS


@pytest.fixture(scope="module")
def sample():
    s = generate(n_symbols=30, n_days=40, seed=7, metaorders_per_symbol=8, dirt=False)
    prof = profile_from_truth(s.truth, s.bars, adv_key="adv_param_shares")
    quoted = s.quotes.group_by("symbol").agg(
        ((pl.col("ask") - pl.col("bid")) / (pl.col("ask") + pl.col("bid")) * 2e4).mean().alias("quoted_spread_bps")
    )
    prof = prof.join(quoted, on="symbol")
    m = s.metaorders
    fills = s.fills.group_by("order_id").agg(pl.col("ts").cast(pl.Int64), pl.col("decision_ts").first().cast(pl.Int64))
    m = m.join(fills, on="order_id").join(prof.select("symbol", "volatility_daily_frac", "quoted_spread_bps"), on="symbol")
    # generator-implied noise of each metaorder's cost (bps)
    var = np.array(
        [np.minimum.outer(t, t).mean() for t in ((np.array(ts) - d0) / SESSION_NS for ts, d0 in zip(m["ts"].to_list(), m["decision_ts"].to_list()))]
    )
    sigma = m["volatility_daily_frac"].to_numpy()
    k = m["n_children"].to_numpy()
    sd = np.sqrt((sigma * np.sqrt(0.8 * var) * 1e4) ** 2 + (0.25 * m["quoted_spread_bps"].to_numpy() / 2) ** 2 / k)
    return {"truth": s.truth, "profiles": prof, "meta": m, "sd": sd}


def _predict(sample, y):
    cfg = load_config(overrides={"impact.sqrt_y": y, "impact.models": ["sqrt"], "impact.half_spread_from": "quoted"})
    orders = sample["meta"].select("order_id", "symbol", "side", pl.col("qty_shares").alias("qty"))
    res = pretrade(orders, sample["profiles"], cfg, portfolio=False)
    assert res.n_priced == orders.height
    pred = sample["meta"].select("order_id").join(res.orders.select("order_id", "cost_sqrt_bps"), on="order_id")
    return pred["cost_sqrt_bps"].to_numpy()


def _stats(sample, y):
    real = sample["meta"]["realized_cost_bps"].to_numpy()
    pred = _predict(sample, y)
    sd = sample["sd"]
    w = 1.0 / sd**2
    resid = real - pred
    wmean = float((w * resid).sum() / w.sum())
    wse = float(1.0 / np.sqrt(w.sum()))
    z = resid / sd
    # weighted regression of realized on predicted, with an intercept and through the origin
    X = np.c_[np.ones_like(pred), pred]
    xtwx = X.T @ (X * w[:, None])
    beta = np.linalg.solve(xtwx, X.T @ (w * real))
    s2 = float((w * (real - X @ beta) ** 2).sum() / (real.size - 2))
    se = np.sqrt(np.diag(np.linalg.inv(xtwx)) * s2)
    b0 = float((w * pred * real).sum() / (w * pred**2).sum())
    se0 = float(np.sqrt((w * (real - b0 * pred) ** 2).sum() / (real.size - 1) / (w * pred**2).sum()))
    return {"n": real.size, "wmean": wmean, "wse": wse, "z": z, "slope": beta[1], "slope_se": se[1], "b0": b0, "b0_se": se0}


def test_sqrt_model_with_known_y_matches_generator_within_noise(sample):
    y = sample["truth"]["impact_y"]
    s = _stats(sample, y)
    assert s["n"] >= 200
    # mean residual (inverse-variance weighted) within 3 standard errors of zero
    assert abs(s["wmean"]) < 3 * s["wse"], s
    # standardized residuals: mean 0 and spread 1, i.e. the scatter is the noise the generator implies
    z = s["z"]
    assert abs(z.mean()) < 3 / np.sqrt(z.size)
    assert 0.8 < z.std(ddof=1) < 1.3
    # the predictions explain the cross-section: slope of realized on predicted is 1 within its CI
    assert abs(s["slope"] - 1) < 3 * s["slope_se"] and s["slope_se"] < 0.2, s
    assert abs(s["b0"] - 1) < 3 * s["b0_se"] and s["b0_se"] < 0.06, s


@pytest.mark.parametrize("wrong_y", [0.4, 1.2])
def test_the_check_has_power_a_wrong_y_is_rejected(sample, wrong_y):
    s = _stats(sample, wrong_y)
    assert abs(s["wmean"]) > 4 * s["wse"]
    assert abs(s["b0"] - 1) > 4 * s["b0_se"]

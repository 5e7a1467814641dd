"""The review and the model review on a generated sample whose truth is known.

The sample is the one proposed for the committed ``sample_data`` (5 names, 40 days, seed 7, 20 metaorders
per name), written by ``liqcost sample --days 40 --metaorders 20`` into a temporary folder and ingested, so
the market data, fills and orders are read from a dataset as a user's would be. :func:`sample_bundle` builds
it once per test session (the calibration tests reuse it).

The generator's truth: a metaorder of ``Q`` shares costs, against the mid at its decision time,
``half-spread + Y sigma sqrt(Q / V)`` on average (``Y = 0.8``, ``V`` its ADV parameter), around which the
price's random walk (intraday variance ``0.8 sigma^2`` a day) and the spread's noise scatter the realized
cost. The tests check that the review measures the realized cost exactly as the generator defines it, and
that z-scores of the *true* model against the review's own risk are standard normal.
"""

from __future__ import annotations

import functools
import math
import tempfile
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest

SAMPLE = {"n_symbols": 5, "n_days": 40, "seed": 7, "metaorders_per_symbol": 20}
COMMAND = "liqcost sample --days 40 --metaorders 20 -o tca_sample"


@functools.lru_cache(maxsize=1)
def sample_bundle():
    """Generate, write and ingest the sample; review it; price it as of each order's date; compare."""
    from liqcost.config import Config
    from liqcost.io.dataset import Dataset
    from liqcost.io.synth import generate
    from liqcost.measures.daily import daily_metrics
    from liqcost.tca import model_vs_realized, pretrade_estimates, profile_asof_from_daily, review

    from click.testing import CliRunner

    from liqcost.cli import cli

    cfg = Config()
    tmp = tempfile.TemporaryDirectory(prefix="liqcost-tca-sample-")
    # written by the documented command itself (docs/tca.md runs its Python block on this folder)
    args = COMMAND.split()[1:]
    args[-1] = str(Path(tmp.name) / "tca_sample")
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 0, out.output
    s = generate(**SAMPLE)  # the same sample in memory, with its truth
    ds = Dataset(Path(tmp.name) / "tca_sample" / "dataset")
    fills = ds.scan("fills").collect()
    orders = ds.scan("orders").collect()
    trades = ds.scan("trades").collect()
    quotes = ds.scan("quotes").collect()
    bars = ds.scan("bars").collect()
    rev = review(fills, orders, trades=trades, quotes=quotes, bars=bars, config=cfg)
    daily = daily_metrics(cfg, dataset=ds).daily
    profile_asof = profile_asof_from_daily(daily, cfg)
    # priced with the generator's law: the square root without the participation factor (rate_exponent 0); the
    # default model's factor prices these fast metaorders (15-60 % of the volume) above the generator's truth
    from liqcost.models.params import ImpactParams, default_params

    law = default_params().to_dict()
    law["models"]["sqrt"]["rate_exponent"] = 0.0
    est = pretrade_estimates(rev, profile_asof, cfg, params=ImpactParams.from_dict(law, "the generator's law"))
    mr = model_vs_realized(rev, est, cfg)
    return {"tmp": tmp, "sample": s, "review": rev, "daily": daily, "profile_asof": profile_asof,
            "estimates": est, "model": mr, "config": cfg, "fills": fills, "quotes": quotes}


@pytest.fixture(scope="module")
def bundle():
    return sample_bundle()


def _true_estimates(b) -> pl.DataFrame:
    """The generator's model for each order: quoted half-spread of the name + Y sigma sqrt(Q / V), true sigma and V."""
    s = b["sample"]
    truth = s.truth["symbols"]
    half = b["quotes"].group_by("symbol").agg(
        ((pl.col("ask") - pl.col("bid")) / (pl.col("ask") + pl.col("bid")) * 1e4).filter(pl.col("ask") >= pl.col("bid")).mean()
        .alias("half_spread_bps"))
    sig = {k: v["volatility_daily_frac"] for k, v in truth.items()}
    adv = {k: v["adv_param_shares"] for k, v in truth.items()}
    return b["review"].orders.select("order_id", "symbol", "filled_qty_shares").join(half, on="symbol").with_columns(
        pl.col("symbol").replace_strict(sig, return_dtype=pl.Float64).alias("volatility_daily_frac"),
        pl.col("symbol").replace_strict(adv, return_dtype=pl.Float64).alias("adv_shares"),
    ).with_columns(
        (pl.col("half_spread_bps") + s.truth["impact_y"] * pl.col("volatility_daily_frac")
         * (pl.col("filled_qty_shares") / pl.col("adv_shares")).sqrt() * 1e4).alias("expected_cost_bps"),
    ).select("order_id", "expected_cost_bps", "volatility_daily_frac", "adv_shares")


def test_sample_is_small_and_its_metaorders_realistic(bundle):
    s = bundle["sample"]
    assert s.orders.height == 100 and bundle["fills"].height == s.fills.height  # every fill ingested
    size = sum(f.stat().st_size for f in (Path(bundle["tmp"].name) / "tca_sample").rglob("*") if f.is_file())
    assert size < 12e6, size  # raw files, truth and dataset together
    # against the ADV a user measures before each order (own metaorders included; a short history early on),
    # the metaorders are 4-47 % of ADV, 18 % in the median: large but realistic orders in thin names
    est = bundle["estimates"].filter(pl.col("status") == "ok")
    frac = est.get_column("order_adv_frac")
    assert 0.02 < frac.min() and frac.max() < 0.6 and 0.1 < frac.median() < 0.25


def test_realized_cost_is_the_generators(bundle):
    """Arrival mid (the decision time's prevailing mid) and cost agree with the generator's own records."""
    m = bundle["sample"].metaorders.join(bundle["review"].orders, on="order_id", suffix="_r")
    assert m.height == 100
    assert (m.get_column("arrival_source") == "decision_mid").all()
    np.testing.assert_allclose(m["arrival_mid_px_r"], m["arrival_mid_px"], rtol=1e-12)
    np.testing.assert_allclose(m["arrival_cost_bps"], m["realized_cost_bps"], atol=1e-8)
    np.testing.assert_allclose(m["avg_price_px"], m["vwap_px"], rtol=1e-12)
    # the generator's half-spread paid is the plain mean over children; ours is share-weighted and in bps of
    # the arrival mid: equal children except the last, so the two agree closely
    assert np.abs(m["half_spread_paid_fill_bps"] - m["half_spread_paid_bps"]).max() < 2.0
    assert (m.get_column("status") == "filled").all()


def test_true_model_z_scores_are_standard_normal(bundle):
    """The test stated: with the generator's model (true Y, sigma, V) as the estimate and the review's risk
    (timing from each order's fill times, spread from its fills), z over n orders has |mean| < 3/sqrt(n),
    a standard deviation within 1 +- 3/sqrt(2(n-1)), a share inside +-1 within 0.683 +- 3 sqrt(0.683 x 0.317 / n),
    and a Kolmogorov-Smirnov p-value against N(0, 1) above 0.01."""
    from scipy import stats

    from liqcost.tca import model_vs_realized

    mr = model_vs_realized(bundle["review"], _true_estimates(bundle), bundle["config"])
    z = mr.orders.get_column("z").to_numpy()
    n = z.size
    assert n == 100 and mr.not_compared.height == 0
    assert abs(z.mean()) < 3 / math.sqrt(n), z.mean()
    assert abs(z.std(ddof=1) - 1) < 3 / math.sqrt(2 * (n - 1)), z.std(ddof=1)
    p = math.erf(1 / math.sqrt(2))
    assert abs(mr.inside_band_frac - p) < 3 * math.sqrt(p * (1 - p) / n), mr.inside_band_frac
    assert stats.kstest(z, "norm").pvalue > 0.01
    # a wrong model is caught: half the true impact moves the mean z-score far from 0
    wrong = _true_estimates(bundle).with_columns(pl.col("expected_cost_bps") * 0.6)
    z2 = model_vs_realized(bundle["review"], wrong, bundle["config"]).orders.get_column("z").to_numpy()
    assert z2.mean() > 5 / math.sqrt(n)


def test_model_vs_realized_with_the_pretrade_check(bundle):
    """The user's path: the pre-trade check priced from profiles before each order's date."""
    mr = bundle["model"]
    s = mr.summary().row(0, named=True)
    # orders of the first day have no history before them: not compared, with the reason
    first_day = bundle["review"].orders.get_column("date").min()
    n_first = bundle["review"].orders.filter(pl.col("date") == first_day).height
    assert mr.not_compared.height == n_first
    assert mr.not_compared.get_column("reason").str.starts_with("no liquidity profile").all()
    assert s["n_orders"] == 100 - n_first
    # reported figures (docs/tca.md): the share inside the band and the mean z-score
    assert 0.6 < s["inside_band_frac"] < 0.9
    assert abs(s["z_mean"]) < 3 * s["z_mean_se"]
    assert 0.7 < s["z_sd"] < 1.2
    aggs = mr.aggregates
    assert set(aggs.get_column("dimension").unique()) >= {"symbol", "size_band", "cap_band", "side", "date"}
    by_sym = aggs.filter(pl.col("dimension") == "symbol")
    assert by_sym.height == 5 and by_sym.get_column("n_orders").sum() == s["n_orders"]
    assert "z_mean" in aggs.columns and "inside_band_frac" in aggs.columns
    assert mr.outliers.height == int(mr.orders.get_column("outlier").sum())
    assert "risk per order" in mr.notes[0]
    assert "model vs realized" in str(mr)


def test_no_look_ahead(bundle):
    """A profile dated on or after an order's date is refused."""
    from liqcost.errors import DataError
    from liqcost.measures.profile import liquidity_profile
    from liqcost.tca import pretrade_estimates

    daily = bundle["daily"]
    with pytest.raises(DataError, match="look-ahead"):
        pretrade_estimates(bundle["review"], lambda d: liquidity_profile(daily.filter(pl.col("date") <= d), bundle["config"]),
                           bundle["config"])
    # and the helper's profiles end the day before
    est = bundle["estimates"].filter(pl.col("status") == "ok").join(bundle["review"].orders.select("order_id", "date"), on="order_id")
    assert (est.get_column("asof_date") < est.get_column("date")).all()


def test_fill_level_table(bundle):
    f = bundle["review"].fills
    assert f.height == bundle["fills"].height
    assert (f.get_column("mid_status") == "ok").all()  # the generator quotes before the open
    # metaorder children take the quote: the half-spread paid is the prevailing quote's half-spread, except
    # where the generator's quote was one the raw files' dirt crossed (quarantined at ingest: an older quote prevails)
    half_quoted = (f.get_column("ask_px") - f.get_column("bid_px")) / f.get_column("mid_px") / 2 * 1e4
    same = np.isclose(f.get_column("half_spread_paid_bps").to_numpy(), half_quoted.to_numpy(), rtol=1e-9)
    assert same.mean() > 0.99 and (~same).sum() <= bundle["sample"].truth["dirt"]["crossed_quotes"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # markouts after a buy child on a rising impact path are positive on average (the price keeps moving)
        assert f.get_column("markout_5tr_bps").mean() > -f.get_column("half_spread_paid_bps").mean()

"""The bars measures API: regular day grid and its NaN semantics, panel estimates, profile from bars."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import bar_ar, bar_cs, bar_roll, bar_volatility, bar_volume

from liqcost.config import Config, load_config
from liqcost.errors import ConfigError, DataError, EmptyDataError, NoDataError, SchemaError, UsageError
from liqcost.kernels import bar_lot
from liqcost.kernels import bar_numerics as N
from liqcost.measures.bars import (
    SPREAD_ESTIMATORS,
    VOLATILITY_ESTIMATORS,
    bar_panel_estimates,
    bar_profile,
    daily_bars,
    regular_grid,
)
from liqcost.schema import PROFILE, check_frame

D = dt.date


def cfg(**bars):
    # the exchange calendar lives in the session section; everything else is a bars option
    session = {k: bars.pop(k) for k in ("holidays", "holiday_calendar") if k in bars}
    return Config.model_validate({"bars": bars, "session": session})


def bars_frame(rows):
    """rows: (symbol, date, open, high, low, close, volume)."""
    return pl.DataFrame(
        rows, schema=["symbol", "date", "open", "high", "low", "close", "volume"], orient="row"
    ).with_columns(pl.col("date").cast(pl.Date))


def random_bars(symbols=("AAA", "BBB", "CCC"), n=120, seed=0, start=None, drop=0.05, shares=None):
    rng = np.random.default_rng(seed)
    start = start or D(2024, 1, 1)
    dates = pl.date_range(start, start + dt.timedelta(days=int(n * 1.5)), "1d", eager=True)
    dates = dates.filter(dates.dt.weekday() <= 5)[:n]
    frames = []
    for k, sym in enumerate(symbols):
        mid = (5 + 20 * k) * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
        half = mid * 0.004 * (k + 1)
        o = mid + half * rng.choice([-1, 1], n)
        c = mid + half * rng.choice([-1, 1], n)
        h = np.maximum(o, c) + np.abs(rng.normal(0, 0.01, n)) * mid
        lw = np.minimum(o, c) - np.abs(rng.normal(0, 0.01, n)) * mid
        v = np.where(rng.random(n) < 0.1, 0.0, np.round(rng.exponential(5000, n)))
        f = pl.DataFrame({"symbol": sym, "date": dates, "open": o, "high": h, "low": lw, "close": c, "volume": v})
        if shares is not None:
            f = f.with_columns(pl.lit(shares[k], dtype=pl.Float64).alias("shares_outstanding"))
        keep = rng.random(n) > drop
        keep[0] = keep[-1] = True
        frames.append(f.filter(pl.Series(keep)))
    return pl.concat(frames)


# ------------------------------------------------------------------------------------------ grid


def test_grid_statuses_and_nan_semantics():
    rows = [
        ("X", D(2024, 1, 1), 10, 11, 9, 10.5, 100),  # Monday: ok
        ("X", D(2024, 1, 2), 10.5, 10.5, 10.5, 10.5, 0),  # zero volume: prices kept
        # Wednesday 3rd has no bar: missing
        ("X", D(2024, 1, 4), 10, 9, 11, 10, 50),  # high < low: invalid prices
        ("X", D(2024, 1, 5), 10, 11, 9, 12, 50),  # close above high: invalid prices
        ("X", D(2024, 1, 6), 10, 11, 9, 10, 70),  # Saturday bar: kept, never dropped
        ("X", D(2024, 1, 8), 10, 11, 9, 10, -5),  # negative volume: invalid volume
        ("X", D(2024, 1, 9), -1, 11, 9, 10, 70),  # negative price: invalid prices
    ]
    g = regular_grid(bars_frame(rows), cfg(missing_bar="missing"))
    assert g["date"].to_list() == [D(2024, 1, d) for d in (1, 2, 3, 4, 5, 6, 8, 9)]
    assert g["bar_status"].cast(pl.String).to_list() == [
        "ok", "zero_volume", "missing", "invalid_prices", "invalid_prices", "ok", "invalid_volume", "invalid_prices"
    ]
    miss = g.filter(pl.col("bar_status") == "missing").row(0, named=True)
    assert all(math.isnan(miss[c]) for c in ("open", "high", "low", "close", "volume"))
    bad = g.filter(pl.col("date") == D(2024, 1, 4)).row(0, named=True)
    assert math.isnan(bad["close"]) and bad["volume"] == 50
    zero = g.filter(pl.col("date") == D(2024, 1, 2)).row(0, named=True)
    assert zero["close"] == 10.5 and zero["volume"] == 0
    iv = g.filter(pl.col("date") == D(2024, 1, 8)).row(0, named=True)
    assert math.isnan(iv["volume"]) and iv["close"] == 10


def test_grid_options():
    rows = [("X", D(2024, 1, 1), 10, 11, 9, 10, 100), ("X", D(2024, 1, 5), 10, 10, 10, 10, 0),
            ("Y", D(2024, 1, 2), 5, 5, 5, 5, 1), ("Y", D(2024, 1, 5), 5, 5, 5, 5, 1)]
    b = bars_frame(rows)
    # holidays are removed from the grid
    g = regular_grid(b, cfg(holidays=["2024-01-03"]))
    assert D(2024, 1, 3) not in g.filter(pl.col("symbol") == "X")["date"].to_list()
    # observed calendar: only dates on which some symbol has a bar
    g = regular_grid(b, cfg(calendar="observed"))
    assert g.filter(pl.col("symbol") == "X")["date"].to_list() == [D(2024, 1, d) for d in (1, 2, 5)]
    # a missing bar read as a no-trade day: the default with a known exchange calendar
    for g in (regular_grid(b, cfg(missing_bar="no_trade")), regular_grid(b)):
        nt = g.filter((pl.col("symbol") == "X") & (pl.col("date") == D(2024, 1, 2))).row(0, named=True)
        assert nt["bar_status"] == "no_trade" and nt["volume"] == 0 and math.isnan(nt["close"])
    # without an exchange calendar a day without a bar may be a holiday: unknown
    g = regular_grid(b, cfg(holiday_calendar="none"))
    nt = g.filter((pl.col("symbol") == "X") & (pl.col("date") == D(2024, 1, 2))).row(0, named=True)
    assert nt["bar_status"] == "missing" and math.isnan(nt["volume"])
    # prices of zero-volume bars treated as missing
    g = regular_grid(b, cfg(zero_volume_prices="missing"))
    zv = g.filter((pl.col("symbol") == "X") & (pl.col("date") == D(2024, 1, 5))).row(0, named=True)
    assert zv["bar_status"] == "zero_volume" and math.isnan(zv["close"]) and zv["volume"] == 0
    # an end past the data adds trailing missing days; start trims
    g = regular_grid(b, cfg(missing_bar="missing"), end="2024-01-10", start="2024-01-02")
    x = g.filter(pl.col("symbol") == "X")
    assert x["date"][0] == D(2024, 1, 2) and x["date"][-1] == D(2024, 1, 10)
    assert x.filter(pl.col("date") > D(2024, 1, 5))["bar_status"].cast(pl.String).unique().to_list() == ["missing"]


def test_grid_carries_shares_outstanding_forward():
    b = bars_frame([("X", D(2024, 1, 1), 10, 11, 9, 10, 100), ("X", D(2024, 1, 3), 10, 11, 9, 10, 100)])
    b = b.with_columns(pl.Series("shares_outstanding", [1e6, None], dtype=pl.Float64))
    g = regular_grid(b)
    assert g["shares_outstanding"].to_list() == [1e6, 1e6, 1e6]


def test_grid_errors():
    with pytest.raises(EmptyDataError):
        regular_grid(bars_frame([("X", D(2024, 1, 1), 1.0, 1.0, 1.0, 1.0, 1.0)]).clear())
    with pytest.raises(SchemaError, match="close"):
        regular_grid(bars_frame([("X", D(2024, 1, 1), 1, 1, 1, 1, 1)]).drop("close"))
    dup = bars_frame([("X", D(2024, 1, 1), 1, 1, 1, 1, 1), ("X", D(2024, 1, 1), 1, 1, 1, 1, 2)])
    with pytest.raises(DataError, match="X on 2024-01-01"):
        regular_grid(dup)
    with pytest.raises(UsageError, match="start"):
        regular_grid(bars_frame([("X", D(2024, 1, 1), 1, 1, 1, 1, 1)]), start="yesterday")


def test_intraday_bars_aggregate_to_local_days():
    ts = pl.Series(
        [
            dt.datetime(2024, 3, 1, 14, 30, tzinfo=dt.UTC),  # 09:30 New York
            dt.datetime(2024, 3, 1, 20, 59, tzinfo=dt.UTC),  # 15:59
            dt.datetime(2024, 3, 2, 0, 30, tzinfo=dt.UTC),  # 19:30 New York, still March 1st
            dt.datetime(2024, 3, 4, 14, 30, tzinfo=dt.UTC),
        ]
    ).dt.cast_time_unit("ns")
    b = pl.DataFrame({"symbol": "X", "ts": ts, "open": [10.0, 10.5, 10.2, 11.0], "high": [10.6, 10.9, 10.3, 11.1],
                      "low": [9.9, 10.4, 10.1, 10.9], "close": [10.5, 10.8, 10.25, 11.0], "volume": [100.0, 300.0, 0.0, 50.0],
                      "vwap": [10.2, 10.7, 10.2, 11.0], "n_trades": [3, 5, 0, 1]})
    d = daily_bars(b)
    first = d.row(0, named=True)
    assert first["date"] == D(2024, 3, 1)
    assert (first["open"], first["high"], first["low"], first["close"], first["volume"]) == (10.0, 10.9, 9.9, 10.25, 400.0)
    assert first["vwap"] == pytest.approx((10.2 * 100 + 10.7 * 300) / 400)
    assert first["n_trades"] == 8
    assert d["date"].to_list() == [D(2024, 3, 1), D(2024, 3, 4)]


def test_intraday_bars_with_a_date_column_aggregate(tmp_path):
    # a dataset adds ``date`` to every bar row: minute bars read back from one must still be aggregated per
    # day (they were taken for daily bars and refused as duplicates: found running a DBN ohlcv-1m file
    # through ingest + profile)
    from liqcost.config import load_config
    from liqcost.io.dataset import Dataset
    from liqcost.io.ingest import ingest_file

    ts = pl.datetime_range(dt.datetime(2024, 3, 1, 14, 30), dt.datetime(2024, 3, 1, 14, 34), "1m", time_unit="ns",
                           time_zone="UTC", eager=True)
    b = pl.DataFrame({"symbol": "X", "ts": ts, "open": [10.0, 10.1, 10.2, 10.1, 10.0], "high": [10.2, 10.3, 10.4, 10.2, 10.1],
                      "low": [9.9, 10.0, 10.1, 10.0, 9.8], "close": [10.1, 10.2, 10.1, 10.0, 10.05], "volume": [5.0, 1, 2, 3, 4]})
    src = tmp_path / "bars.parquet"
    b.write_parquet(src)
    ingest_file(src, "bars", tmp_path / "ds", load_config(None))
    stored = Dataset(tmp_path / "ds").scan("bars").collect()
    assert "date" in stored.columns and stored.height == 5
    d = daily_bars(stored)
    assert d.height == 1
    row = d.row(0, named=True)
    assert (row["date"], row["open"], row["high"], row["low"], row["close"], row["volume"]) == (D(2024, 3, 1), 10.0, 10.4, 9.8, 10.05, 15.0)
    # the given date wins over the local date of ts (a vendor's UTC daily bar stays on its day)
    utc_day = pl.DataFrame({"symbol": "X", "ts": [dt.datetime(2024, 3, 4, tzinfo=dt.UTC)], "date": [D(2024, 3, 4)], "open": [1.0],
                            "high": [1.0], "low": [1.0], "close": [1.0], "volume": [1.0]}).with_columns(pl.col("ts").dt.cast_time_unit("ns"))
    assert daily_bars(utc_day)["date"].to_list() == [D(2024, 3, 4)]
    # the same bar twice is still an error, not a day with twice the volume
    with pytest.raises(DataError, match="X at 2024-03-01 14:30"):
        daily_bars(pl.concat([stored, stored.head(1)]))


# ---------------------------------------------------------------------------------- panel estimates


VALUE_REASON = [(c, c.replace("_bps", "_reason")) for c in SPREAD_ESTIMATORS.values()] + [
    (c, c.replace("_frac", "_reason")) for c in VOLATILITY_ESTIMATORS.values()
] + [
    ("zero_return_frac", "zero_return_reason"),
    ("adv_shares", "volume_reason"),
    ("turnover_frac", "turnover_reason"),
    ("amihud_bps_per_musd", "amihud_reason"),
]


def assert_reasons(frame):
    """Every NaN value has a reason, every defined value has none."""
    for value, reason in VALUE_REASON:
        if value not in frame.columns:
            continue
        undefined = frame[value].is_nan()
        has_reason = frame[reason].is_not_null()
        assert (undefined == has_reason).all(), f"{value}: NaN without reason or reason without NaN"


@pytest.mark.parametrize("mode", ["rolling", "expanding", "full"])
def test_panel_shapes_and_reasons(mode):
    b = random_bars(shares=[1e7, 5e8, 2e9])
    est = bar_panel_estimates(b, cfg(min_periods=5), window=21, mode=mode)
    grid = regular_grid(b)
    assert est.height == (3 if mode == "full" else grid.height)
    assert_reasons(est)
    if mode != "full":
        assert est.select("symbol", "date").equals(grid.select("symbol", "date"))
    assert ("lot_spread_bps" in est.columns) == (mode == "full")
    # rows early in a symbol's history are undefined for lack of bars, with that reason
    first = est.filter(pl.col("symbol") == "AAA").row(0, named=True)
    if mode != "full":
        assert math.isnan(first["edge_spread_bps"]) and first["edge_spread_reason"] == "too_few_bars"


def test_panel_values_equal_the_references_on_the_grid():
    b = random_bars(symbols=("AAA", "BBB"), n=90, seed=4, drop=0.1)
    c = cfg(min_periods=6)
    est = bar_panel_estimates(b, c, window=15)
    grid = regular_grid(b, c)
    for sym in ("AAA", "BBB"):
        g = grid.filter(pl.col("symbol") == sym)
        e = est.filter(pl.col("symbol") == sym)
        o, h, lw, cl = (g[k].to_numpy() for k in ("open", "high", "low", "close"))
        want, _ = bar_roll.roll(cl, 15, 6)
        np.testing.assert_allclose(e["roll_spread_bps"].to_numpy(), want * 1e4, rtol=1e-9, equal_nan=True)
        want, _ = bar_cs.cs(h, lw, cl, 15, 6)
        np.testing.assert_allclose(e["cs_spread_bps"].to_numpy(), want * 1e4, rtol=1e-9, equal_nan=True)
        want, _ = bar_ar.ar(h, lw, cl, 15, 6)
        np.testing.assert_allclose(e["ar_spread_bps"].to_numpy(), want * 1e4, rtol=1e-9, equal_nan=True)
        vols = bar_volatility.volatility(o, h, lw, cl, 15, 6)
        np.testing.assert_allclose(e["volatility_yz_frac"].to_numpy(), vols["yz"][0], rtol=1e-9, equal_nan=True)
        v = g["volume"].to_numpy()
        out, _ = bar_volume.volume(v, cl, np.full(len(v), np.nan), cl, 15, 1)
        np.testing.assert_allclose(e["adv_shares"].to_numpy(), out["adv"], rtol=1e-12, equal_nan=True)
        np.testing.assert_allclose(e["amihud_bps_per_musd"].to_numpy(), out["amihud"] * 1e10, rtol=1e-9, equal_nan=True)
        med, _ = bar_volume.median(v, 15, 1)
        np.testing.assert_array_equal(e["mdv_shares"].to_numpy(), med)


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # bidask 2.1 on pandas 3.1
def test_edge_through_the_api_equals_bidask_rolling():
    bidask = pytest.importorskip("bidask")
    import pandas as pd

    b = random_bars(symbols=("AAA",), n=150, seed=9, drop=0.08)
    est = bar_panel_estimates(b, cfg(min_periods=4), window=21)
    g = regular_grid(b)
    df = pd.DataFrame({k: g[k].to_numpy() for k in ("open", "high", "low", "close")})
    want = bidask.edge_rolling(df, window=21, min_periods=4).to_numpy()
    np.testing.assert_allclose(est["edge_spread_bps"].to_numpy() / 1e4, want, rtol=0, atol=1e-12, equal_nan=True)


def test_full_mode_equals_last_expanding_row_except_edge():
    b = random_bars(n=80, seed=2)
    full = bar_panel_estimates(b, cfg(min_periods=5), mode="full").sort("symbol")
    exp = bar_panel_estimates(b, cfg(min_periods=5), mode="expanding")
    last = exp.group_by("symbol", maintain_order=True).last().sort("symbol")
    for col in ("roll_spread_bps", "cs_spread_bps", "ar_spread_bps", "volatility_yz_frac", "adv_shares", "mdv_shares",
                "zero_return_frac", "amihud_bps_per_musd"):
        np.testing.assert_allclose(full[col].to_numpy(), last[col].to_numpy(), rtol=1e-12, equal_nan=True, err_msg=col)


def test_size_columns():
    b = random_bars(symbols=("AAA", "BBB", "CCC"), n=30, shares=[1e6, 1e9, 1e11])
    est = bar_panel_estimates(b, cfg(min_periods=5), mode="full").sort("symbol")
    for row in est.iter_rows(named=True):
        assert row["market_cap_usd"] == pytest.approx(row["price_px"] * row["shares_outstanding"])
        mcap = row["market_cap_usd"]
        want = "mega" if mcap >= 200e9 else "large" if mcap >= 10e9 else "mid" if mcap >= 2e9 else (
            "small" if mcap >= 250e6 else "micro")
        assert row["market_cap_band"] == want
        assert row["penny"] == (row["price_px"] < 5.0)
    # without shares outstanding: no market cap, no band, turnover undefined with its reason
    est = bar_panel_estimates(random_bars(n=30), cfg(min_periods=5), mode="full")
    assert est["market_cap_usd"].is_nan().all() and est["market_cap_band"].is_null().all()
    assert (est["turnover_reason"] == "no_shares_outstanding").all()


def test_panel_argument_errors():
    b = random_bars(n=30)
    with pytest.raises(UsageError, match="mode"):
        bar_panel_estimates(b, mode="monthly")
    with pytest.raises(UsageError, match="window"):
        bar_panel_estimates(b, window=5)  # shorter than bars.min_periods = 10
    with pytest.raises(ConfigError, match="min_periods"):
        load_config(overrides={"bars.min_periods": 30, "bars.window": 21})


def test_market_frame_for_lot():
    b = random_bars(n=60, seed=3)
    dates = regular_grid(b)["date"].unique().sort()
    market = pl.DataFrame({"date": dates, "market_return_frac": np.zeros(len(dates))})
    a = bar_panel_estimates(b, cfg(min_periods=5, lot_market="none"), mode="full")
    z = bar_panel_estimates(b, cfg(min_periods=5), mode="full", market=market)
    # a zero market return is the same model as no market
    np.testing.assert_allclose(a["lot_spread_bps"].to_numpy(), z["lot_spread_bps"].to_numpy(), rtol=1e-6, equal_nan=True)
    with pytest.raises(UsageError, match="market_return_frac"):
        bar_panel_estimates(b, mode="full", market=market.rename({"market_return_frac": "ret"}))


# -------------------------------------------------------------------------------------------- profile


def test_profile_satisfies_the_contract():
    b = random_bars(shares=[1e7, 5e8, 2e9]).with_columns(pl.lit(7, dtype=pl.Int64).alias("n_trades"))
    p = bar_profile(b, lookback_days=40)
    check_frame(p, PROFILE, "bar_profile")
    assert p.height == 3 and (p["source"] == "bars").all()
    assert (p["lookback_days"] == 40).all()
    assert (p["trades_per_day"] == 7.0).all()
    for row in p.iter_rows(named=True):
        vols = row["daily_volume_shares"]
        assert len(vols) == 40 - row["missing_days"]
        assert row["adv_shares"] == pytest.approx(np.mean(vols))
        assert row["mdv_shares"] == pytest.approx(np.median(vols))
        assert row["zero_volume_days"] == sum(v == 0 for v in vols)
        # spread_bps is the first defined estimate in the configured order
        order = Config().bars.spread_estimators
        first = next(k for k in order if not math.isnan(row[SPREAD_ESTIMATORS[k]]))
        assert row["spread_estimator"] == first and row["spread_bps"] == row[SPREAD_ESTIMATORS[first]]


def test_profile_window_matches_panel_full_mode_on_the_tail():
    b = random_bars(n=100, seed=5, drop=0.0)
    p = bar_profile(b, cfg(min_periods=5, estimator_lookback_days=30), lookback_days=30).sort("symbol")
    tail = b.sort("date").group_by("symbol").tail(30)
    full = bar_panel_estimates(tail, cfg(min_periods=5), mode="full").sort("symbol")
    for col in ("edge_spread_bps", "cs_spread_bps", "volatility_cc_frac", "adv_shares"):
        np.testing.assert_allclose(p[col].to_numpy(), full[col].to_numpy(), rtol=1e-12, equal_nan=True, err_msg=col)
    # by default the estimators look back measures.lookback_days_long (60) days, the volumes 30
    p = bar_profile(b, cfg(min_periods=5), lookback_days=30).sort("symbol")
    tail60 = b.sort("date").group_by("symbol").tail(60)
    full60 = bar_panel_estimates(tail60, cfg(min_periods=5), mode="full").sort("symbol")
    np.testing.assert_allclose(p["edge_spread_bps"].to_numpy(), full60["edge_spread_bps"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(p["adv_shares"].to_numpy(), full["adv_shares"].to_numpy(), rtol=1e-12)
    assert (p["n_valid_bars"] == 60).all()


def test_profile_asof_and_stale_symbols():
    b = random_bars(n=60, seed=6, drop=0.0)
    last = b["date"].max()
    # BBB stops trading 10 days before the end: its window ends with missing days
    b = b.filter(~((pl.col("symbol") == "BBB") & (pl.col("date") > last - dt.timedelta(days=14))))
    p = bar_profile(b, lookback_days=20).sort("symbol")
    bbb = p.filter(pl.col("symbol") == "BBB").row(0, named=True)
    # the days without a bar are no-trade days by default (a known exchange calendar); the last bar dates it
    assert bbb["asof_date"] == last and bbb["no_bar_days"] == 10 and bbb["missing_days"] == 0
    assert bbb["last_bar_date"] < last and bbb["last_data_date"] == bbb["last_bar_date"]
    assert bbb["zero_volume_days"] == 10 and 0.0 in bbb["daily_volume_shares"]
    miss = bar_profile(b, cfg(missing_bar="missing"), lookback_days=20).filter(pl.col("symbol") == "BBB").row(0, named=True)
    assert miss["missing_days"] == 10 and miss["no_bar_days"] == 10 and len(miss["daily_volume_shares"]) == 10
    assert p.filter(pl.col("symbol") == "AAA")["missing_days"][0] == 0
    mid = b["date"].sort()[30]
    p2 = bar_profile(b, lookback_days=10, asof=mid)
    assert (p2["asof_date"] == mid).all()
    with pytest.raises(NoDataError):
        bar_profile(b, asof="1999-01-01")
    # a symbol without any bar in the lookback has no profile, unless asked for
    gone = b.filter(~((pl.col("symbol") == "CCC") & (pl.col("date") > last - dt.timedelta(days=40))))
    assert "CCC" not in bar_profile(gone, lookback_days=20)["symbol"].to_list()
    stale = bar_profile(gone, cfg(missing_bar="missing"), lookback_days=20, keep_stale=True).filter(
        pl.col("symbol") == "CCC").row(0, named=True)
    assert stale["missing_days"] == 20 and stale["last_bar_date"] is None and math.isnan(stale["adv_shares"])


def test_profile_estimator_lookback_is_longer_than_volume_lookback():
    b = random_bars(n=120, seed=8, drop=0.0)
    c = cfg(min_periods=5, estimator_lookback_days=100)
    p = bar_profile(b, c, lookback_days=20).sort("symbol")
    assert (p["lookback_days"] == 20).all() and (p["n_valid_bars"] == 100).all()


def test_volume_only_window_reports_zero_volume():
    rows = [("Z", D(2024, 1, d), 3.0, 3.0, 3.0, 3.0, 0.0) for d in (1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 15, 16)]
    p = bar_profile(bars_frame(rows), cfg(min_periods=3), lookback_days=10, complete=False)
    row = p.row(0, named=True)
    assert row["adv_shares"] == 0.0 and row["zero_volume_days"] == 10
    assert math.isnan(row["spread_bps"]) and row["spread_estimator"] is None and row["spread_source"] == "none"
    assert row["edge_spread_reason"] == "no_price_variation"
    # completed: no peers, so the prior of the $1-5 band stands in, with its source (never a zero)
    done = bar_profile(bars_frame(rows), cfg(min_periods=3), lookback_days=10).row(0, named=True)
    assert done["spread_source"] == "prior" and done["spread_bps"] == 210.0 and done["spread_estimator"] is None
    assert done["volatility_source"] == "prior" and done["volatility_daily_frac"] == 0.037
    assert row["amihud_reason"] == "no_volume"
    assert row["penny"] is True


def test_reason_codes_are_the_kernels():
    assert N.REASONS[N.TOO_FEW] == "too_few_bars"
    assert set(N.REASONS[1:]) >= {"no_price_variation", "negative_estimate", "no_zero_returns"}


# ------------------------------------------------------------------------------ committed sample data


def test_profile_of_the_committed_sample_against_its_truth(sample_data):
    import json

    bars = pl.read_csv(sample_data / "raw" / "bars.csv", try_parse_dates=True)
    truth = json.loads((sample_data / "truth" / "ground_truth.json").read_text())["symbols"]
    p = bar_profile(bars, lookback_days=20)
    check_frame(p, PROFILE, "sample bars profile")
    assert sorted(p["symbol"]) == sorted(truth)
    for row in p.iter_rows(named=True):
        t = truth[row["symbol"]]
        # volume statistics are exact: the simulator's bars keep zero-volume days
        assert row["adv_shares"] == pytest.approx(t["adv_shares"], rel=1e-12)
        assert row["mdv_shares"] == pytest.approx(t["mdv_shares"], rel=1e-12)
        assert row["zero_volume_days"] / row["lookback_days"] == pytest.approx(t["zero_volume_frac"])
        assert row["shares_outstanding"] == t["shares_outstanding"]
        # 20 days of bars: EDGE is noisy but within a factor 2.5 of the true effective spread
        assert row["spread_estimator"] == "edge"
        assert t["true_effective_spread_bps"] / 2.5 < row["spread_bps"] < 2.5 * t["true_effective_spread_bps"]
        assert row["volatility_daily_frac"] == pytest.approx(t["volatility_daily_frac"], rel=0.35)


# ------------------------------------------------------------------------------------ grid properties


@st.composite
def sparse_bars(draw):
    n_sym = draw(st.integers(1, 4))
    rows = []
    for k in range(n_sym):
        days = draw(st.lists(st.integers(0, 60), min_size=1, max_size=25, unique=True))
        for d in days:
            day = D(2024, 3, 1) + dt.timedelta(days=d)  # weekends included on purpose
            px = draw(st.sampled_from([1.0, 2.5, 10.0]))
            vol = draw(st.sampled_from([0.0, 100.0, 5000.0]))
            rows.append((f"S{k}", day, px, px * 1.01, px * 0.99, px, vol))
    return bars_frame(rows)


@given(b=sparse_bars(), calendar=st.sampled_from(["weekdays", "observed"]), seed=st.integers(0, 99))
@settings(max_examples=60, deadline=None)
def test_grid_keeps_every_bar_and_skips_no_trading_day(b, calendar, seed):
    c = cfg(calendar=calendar, missing_bar="missing")
    g = regular_grid(b, c)
    # every bar is on the grid with its values
    joined = b.join(g, on=["symbol", "date"], how="left", suffix="_g")
    assert joined["bar_status"].null_count() == 0
    assert (joined["close"] == joined["close_g"]).all() and (joined["volume"] == joined["volume_g"]).all()
    # rows without a bar are missing, with NaN prices and volume
    extra = g.join(b.select("symbol", "date"), on=["symbol", "date"], how="anti")
    assert (extra["bar_status"] == "missing").all() and extra["close"].is_nan().all() and extra["volume"].is_nan().all()
    # between a symbol's first and last bar, every weekday (every observed date) is on the grid
    observed = set(b["date"].to_list())
    from liqcost.calendar import holidays_for

    closed = holidays_for(c, D(2024, 1, 1), D(2024, 12, 31))  # NYSE holidays (Good Friday 2024-03-29)
    for sym, part in g.group_by("symbol"):
        dates = part["date"].to_list()
        assert dates == sorted(set(dates))
        first, last = dates[0], dates[-1]
        day = first
        while day <= last:
            wanted = day.weekday() < 5 and day not in closed and (calendar == "weekdays" or day in observed)
            if wanted:
                assert day in dates
            day += dt.timedelta(days=1)
    # the result does not depend on the order of the input rows
    shuffled = b.sample(fraction=1.0, shuffle=True, seed=seed)
    assert regular_grid(shuffled, c).equals(g)


def test_estimates_do_not_depend_on_input_row_order():
    b = random_bars(n=60, seed=12)
    a = bar_panel_estimates(b, cfg(min_periods=5))
    s = bar_panel_estimates(b.sample(fraction=1.0, shuffle=True, seed=3), cfg(min_periods=5))
    assert a.equals(s)


def test_rolling_lot_when_enabled():
    # closes on a coarse grid: many zero returns, as LOT needs
    b = random_bars(symbols=("AAA",), n=80, seed=13, drop=0.0).with_columns(
        ((pl.col("close") / 0.25).round() * 0.25).alias("close"))
    b = b.with_columns(pl.max_horizontal("high", "close").alias("high"), pl.min_horizontal("low", "close").alias("low"))
    est = bar_panel_estimates(b, cfg(min_periods=10, lot_rolling=True, lot_market="none"), window=30)
    assert (est["lot_spread_bps"].is_nan() == est["lot_spread_reason"].is_not_null()).all()
    defined = est.filter(pl.col("lot_spread_reason").is_null())
    assert defined.height > 20 and (defined["lot_spread_bps"] > 0).all()
    # the last row's value is the ML fit of the window's 29 returns
    lc = np.log(regular_grid(b)["close"].to_numpy()[-30:])
    res = np.empty(5)
    assert bar_lot.lot_fit(np.diff(lc), np.zeros(29), 29, False, res) == N.OK
    assert est["lot_spread_bps"][-1] == pytest.approx((res[1] - res[0]) * 1e4, rel=1e-12)


def test_merge_tick_and_bar_profiles():
    from liqcost.measures.bars import merge_tick_and_bar_profiles

    bars = bar_profile(random_bars(symbols=("AAA", "BBB"), n=80, seed=21), cfg(min_periods=5))
    ticks = pl.DataFrame({
        "symbol": ["AAA", "CCC"], "asof_date": [bars["asof_date"][0]] * 2, "lookback_days": [20, 20],
        "source": ["ticks", "ticks"], "price_px": [10.0, 3.0], "adv_shares": [1000.0, 50.0],
        "mdv_shares": [900.0, 40.0], "adv_usd": [1e4, 150.0], "zero_volume_days": [0, 3],
        "daily_volume_shares": [[1000.0] * 20, [50.0] * 20], "spread_bps": [float("nan"), 80.0],
        "effective_spread_bps": [float("nan"), 80.0], "volatility_daily_frac": [0.02, 0.03],
    })
    m = merge_tick_and_bar_profiles(ticks, bars)
    assert m["symbol"].to_list() == ["AAA", "BBB", "CCC"]
    a, b, c = (m.row(i, named=True) for i in range(3))
    assert (a["source"], b["source"], c["source"]) == ("ticks+bars", "bars", "ticks")
    bar_a = bars.filter(pl.col("symbol") == "AAA").row(0, named=True)
    # tick values win; a NaN tick spread falls back to the bar estimate, which names itself
    assert a["adv_shares"] == 1000.0 and a["volatility_daily_frac"] == 0.02 and a["volatility_estimator"] == "ticks"
    assert a["spread_bps"] == bar_a["spread_bps"] and a["spread_estimator"] == bar_a["spread_estimator"]
    assert a["edge_spread_bps"] == bar_a["edge_spread_bps"]  # bar-only columns are added
    assert c["spread_bps"] == 80.0 and c["spread_estimator"] == "ticks" and c["edge_spread_bps"] is None
    assert b == {**b, **{k: v for k, v in bars.filter(pl.col("symbol") == "BBB").row(0, named=True).items()
                         if k in b and not (isinstance(v, float) and math.isnan(v))}}
    check_frame(m, PROFILE, "merged profile")
    assert merge_tick_and_bar_profiles(None, bars).equals(bars.sort("symbol"))
    with pytest.raises(UsageError):
        merge_tick_and_bar_profiles(None, None)


# ---------------------------------------------------------------------- families, fallback, threads


def _same(a: pl.DataFrame, b: pl.DataFrame) -> None:
    assert a.columns == b.columns and a.height == b.height
    for c in a.columns:
        x, y = a.get_column(c), b.get_column(c)
        if x.dtype.is_float():
            assert np.array_equal(x.to_numpy(), y.to_numpy(), equal_nan=True), c
        else:
            assert x.equals(y), c


@pytest.mark.parametrize("mode", ["rolling", "full"])
def test_families_compute_only_what_is_asked(mode):
    b = random_bars(seed=11)
    full = bar_panel_estimates(b, cfg(lot_rolling=True), mode=mode)
    some = bar_panel_estimates(b, cfg(lot_rolling=True), mode=mode, families=["roll", "volatility"])
    for col in ("roll_spread_bps", "roll_spread_reason", *VOLATILITY_ESTIMATORS.values(), "price_px", "market_cap_band"):
        assert some.get_column(col).equals(full.get_column(col), check_names=True) or np.array_equal(
            some.get_column(col).to_numpy(), full.get_column(col).to_numpy(), equal_nan=True), col
    for name in ("cs", "ar", "edge", "fht", "lot"):
        col = SPREAD_ESTIMATORS[name]
        assert some.get_column(col).is_nan().all(), col
        assert (some.get_column(col.replace("_bps", "_reason")) == "not_computed").all(), col
    for col in ("adv_shares", "mdv_shares", "amihud_bps_per_musd", "zero_return_frac"):
        assert some.get_column(col).is_nan().all(), col
    # the zero-volume share needs no kernel: computed either way, to the bit
    assert np.array_equal(some.get_column("zero_volume_frac").to_numpy(), full.get_column("zero_volume_frac").to_numpy(),
                          equal_nan=True)
    assert (some.get_column("volume_reason") == "not_computed").all()
    assert some.get_column("n_days").is_null().all() and some.get_column("edge_negative_square").is_null().all()
    with pytest.raises(UsageError, match="unknown bar estimator family 'bogus'"):
        bar_panel_estimates(b, mode=mode, families=["roll", "bogus"])


def test_big_panels_run_on_threads_with_the_same_results(monkeypatch):
    import liqcost.measures.bars as M

    b = random_bars(symbols=tuple(f"S{k:02d}" for k in range(9)), n=80, seed=3)
    serial = bar_panel_estimates(b, Config.model_validate({"engine": {"workers": 1}, "bars": {"lot_rolling": True}}))
    calls = []
    real = M._over_symbols

    def spy(run, offsets, workers):
        calls.append(workers)
        return real(run, offsets, workers)

    monkeypatch.setattr(M, "_THREAD_ROWS", 10)  # every panel is "big"
    monkeypatch.setattr(M, "_over_symbols", spy)
    threaded = bar_panel_estimates(b, Config.model_validate({"engine": {"workers": 3}, "bars": {"lot_rolling": True}}))
    assert calls and all(w == 3 for w in calls)
    _same(serial, threaded)
    prof_serial = bar_profile(b, Config.model_validate({"engine": {"workers": 1}}))
    _same(prof_serial, bar_profile(b, Config.model_validate({"engine": {"workers": 3}})))


def _tick_row(symbol, **values):
    row = {"symbol": symbol, "spread_bps": 20.0, "volatility_daily_frac": 0.02, "volatility_cc_frac": 0.02,
           "adv_shares": 1e4, "mdv_shares": 8e3, "adv_usd": 1e5, "amihud_bps_per_musd": 3.0}
    row.update(values)
    return row


def test_fallback_families_follow_the_tick_values():
    from liqcost.measures.bars import fallback_families

    c = cfg(spread_estimators=["edge", "roll"], volatility_estimators=["cc"])
    ticks = pl.DataFrame([_tick_row("AAA"), _tick_row("BBB")])
    # every value the merge takes is defined on the ticks (the bar-only zero-volume share needs no kernel)
    assert fallback_families(ticks, ["AAA", "BBB"], c) == set()
    assert fallback_families(ticks, [], c) == set()
    # an undefined tick spread needs the preferred spread estimators, an undefined volatility the volatility family
    t2 = pl.DataFrame([_tick_row("AAA", spread_bps=float("nan")), _tick_row("BBB", volatility_daily_frac=None)])
    assert fallback_families(t2, ["AAA", "BBB"], c) == {"edge", "roll", "volatility"}
    # only the symbols with bars count
    assert fallback_families(t2, ["BBB"], c) == {"volatility"}
    # a name with bars and no ticks needs everything the pricing values come from
    assert fallback_families(ticks, ["AAA", "ZZZ"], c) == {"volume", "edge", "roll", "volatility"}
    assert fallback_families(None, ["AAA"], cfg(spread_estimators=["fht", "lot"])) == {"volume", "zero", "lot", "volatility"}


def test_fallback_profile_prices_like_the_full_one():
    # a merged profile with only the fallback families has the same pricing values as with every family
    from liqcost.measures.bars import fallback_families, merge_tick_and_bar_profiles

    b = random_bars(symbols=("AAA", "BBB", "CCC"), seed=5)
    ticks = pl.DataFrame([_tick_row("AAA"), _tick_row("BBB", spread_bps=float("nan"), adv_shares=None)]).with_columns(
        pl.col("adv_shares").cast(pl.Float64))
    c = cfg()
    fam = fallback_families(ticks, ["AAA", "BBB", "CCC"], c)
    assert fam < set(("roll", "cs", "ar", "edge", "zero", "lot", "volatility", "volume"))
    full = merge_tick_and_bar_profiles(ticks, bar_profile(b, c))
    part = merge_tick_and_bar_profiles(ticks, bar_profile(b, c, families=fam))
    for col in ("spread_bps", "spread_estimator", "volatility_daily_frac", "adv_shares", "mdv_shares", "adv_usd",
                "amihud_bps_per_musd", "zero_volume_frac", "price_px", "market_cap_usd", "source"):
        x, y = full.get_column(col), part.get_column(col)
        assert (np.array_equal(x.to_numpy(), y.to_numpy(), equal_nan=True) if x.dtype.is_float() else x.equals(y)), col

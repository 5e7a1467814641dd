"""Sparse, stale and thin names (issue 12 item 6, data side): every input non-zero, with a source and a flag.

Reproductions, through ``liqcost profile`` and ``liqcost pretrade``:

* a name with one trade and quotes 4.98/5.02 every day was priced at 0/0/0 bps (effective spread of a
  single print at the mid, a mid that never moved): now the quoted spread and a stand-in volatility;
* SENEB (4 bars in 20 days in the daily US sample) was unpriced: now the median of its price-band peers;
* bars cut 10 trading days before the as-of date gave no stale flag: now ``stale_data``;
* CKX's vendor omits 10 of 20 days: they are no-trade days by default (ADV 342.55, 50% zero days), and
  ``bars.missing_bar: missing`` keeps the old reading (ADV 685.1).

Then the rules of :mod:`liqcost.measures.fallback` on small hand-made profiles.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from conftest import SAMPLE_DATA, require_shared

from liqcost.cli import cli
from liqcost.config import load_config
from liqcost.io.synth import trading_days
from liqcost.measures.fallback import complete_inputs

NY = ZoneInfo("America/New_York")


def run(*args, ok=True):
    r = CliRunner().invoke(cli, ["-q", *[str(a) for a in args]], catch_exceptions=False)
    if ok:
        assert r.exit_code == 0, r.output
    return r


def run_json(*args):
    tables = json.loads(run("--format", "json", *args).output)["tables"]
    return next(iter(tables.values())) if len(tables) == 1 else tables


# ------------------------------------------------------------------------ one trade, quotes every day


@pytest.fixture(scope="module")
def one_trade_ds(tmp_path_factory):
    """The committed sample plus ONE1: quotes 4.98/5.02 every day of the sample, one trade at 5.00 (29 minutes
    after the day's quote: younger than measures.max_quote_age_s, so the trade has its quote)."""
    tmp = tmp_path_factory.mktemp("one_trade")
    ds = tmp / "ds"
    shutil.copytree(SAMPLE_DATA / "dataset", ds)
    days = trading_days(dt.date(2025, 3, 3), 20)
    # the quote restated at 15:31: a close mid each day (a quote counts for measures.max_quote_age_s at most)
    stamps = [dt.datetime(d.year, d.month, d.day, h, 31, tzinfo=NY) for d in days for h in (10, 15)]
    q = pl.DataFrame({"symbol": ["ONE1"] * 40, "ts": stamps,
                      "bid": [4.98] * 40, "ask": [5.02] * 40, "bid_size": [500.0] * 40, "ask_size": [500.0] * 40})
    t = pl.DataFrame({"symbol": ["ONE1"], "ts": [dt.datetime(2025, 3, 14, 11, 0, tzinfo=NY)], "price": [5.0], "size": [300.0]})
    for kind, frame in (("quotes", q), ("trades", t)):
        f = tmp / f"{kind}.csv"
        frame.with_columns(pl.col("ts").dt.convert_time_zone("UTC")).write_csv(f)
        run("ingest", "--kind", kind, f, "-o", ds)
    return ds


def test_single_trade_name_through_profile(one_trade_ds):
    prof = {r["symbol"]: r for r in run_json("profile", "--data", one_trade_ds, "--table", "profile")}
    p = prof["ONE1"]
    assert p["effective_spread_bps"] == 0.0 and p["n_effective_trades"] == 1  # one print at the mid
    assert p["spread_source"] == "quoted" and p["spread_bps"] == pytest.approx(80.0)  # 0.04 / 5.00
    assert p["spread_uncertainty_frac"] == pytest.approx(0.35)
    # the mid never moved: no volatility of its own; two peers in the $5-20 band are too few, the prior stands in
    assert p["volatility_cc_frac"] == 0.0 and p["volatility_source"] == "prior"
    assert p["volatility_daily_frac"] == pytest.approx(0.015) and p["volatility_uncertainty_frac"] == pytest.approx(0.8)
    assert p["adv_shares"] == pytest.approx(15.0) and p["volume_source"] == "ticks" and p["zero_volume_days"] == 19
    assert p["price_band"] == "5-20" and p["last_data_date"] == "2025-03-28"  # quotes are data
    # the sample's names keep their own inputs
    assert {prof[s]["spread_source"] for s in ("THNA", "THNB", "THNC", "THND", "THNE")} == {"effective"}


def test_single_trade_name_through_pretrade(one_trade_ds):
    t = run_json("pretrade", "--data", one_trade_ds, "--symbol", "ONE1", "--side", "buy", "--qty", "500")
    o = t["order"][0]
    assert o["status"] == "ok" and o["half_spread_bps"] == pytest.approx(40.0)
    assert o["volatility_daily_frac"] == pytest.approx(0.015) and o["cost_central_bps"] > o["half_spread_bps"]
    assert o["cost_high_bps"] > o["cost_low_bps"] > 0
    flags = {f["flag"]: f for f in t["flags"]}
    assert flags["spread_stand_in"]["severity"] == "info" and "quoted spread, 80.0 bps" in flags["spread_stand_in"]["message"]
    assert flags["volatility_stand_in"]["severity"] == "warn" and "prior" in flags["volatility_stand_in"]["message"]
    assert "stale_data" not in flags


def test_single_trade_name_cross_section_with_a_lower_peer_minimum(one_trade_ds, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("measures:\n  min_peers: 2\n")
    p = {r["symbol"]: r for r in run_json("--config", cfg, "profile", "--data", one_trade_ds, "--table", "profile")}
    one = p["ONE1"]
    peers = [p[s]["volatility_daily_frac"] for s in ("THNA", "THNE")]  # the $5-20 names (cap unknown)
    assert one["volatility_source"] == "cross_section" and one["peer_count_volatility"] == 2
    assert one["volatility_daily_frac"] == pytest.approx(np.mean(peers))  # the median of two
    t = run_json("--config", cfg, "pretrade", "--data", one_trade_ds, "--symbol", "ONE1", "--side", "buy", "--qty", "500")
    f = {x["flag"]: x for x in t["flags"]}["volatility_stand_in"]
    assert f["severity"] == "warn" and "median daily volatility of 2 names priced 5-20" in f["message"]
    assert t["order"][0]["volatility_daily_frac"] == pytest.approx(one["volatility_daily_frac"])


# ----------------------------------------------------------------- the daily US sample: SENEB, stale, CKX

THIN = ("SENEB", "CKX", "HMNF", "SGRP", "BASI")


@pytest.fixture(scope="module")
def daily_ds(tmp_path_factory):
    """SENEB, CKX and the other thin names with the $20+ names of the two thinnest deciles as peers; STALE is
    CKX's history cut 10 trading days before the end."""
    src = require_shared("daily_us_stocks", "stocks_daily_sample700.parquet")
    tmp = tmp_path_factory.mktemp("daily_sparse")
    d = pl.read_parquet(src).filter(pl.col("Date") >= dt.date(2017, 5, 1))
    last = d.group_by("ticker").agg(pl.col("Close").last(), pl.col("dv_decile").first())
    peers = last.filter((pl.col("Close") >= 20) & pl.col("dv_decile").cast(pl.String).is_in(["D01", "D02"]))["ticker"]
    keep = d.filter(pl.col("ticker").is_in(list(THIN) + peers.to_list()))
    end = keep["Date"].max()
    cal = sorted(keep["Date"].unique().to_list())
    stale = d.filter((pl.col("ticker") == "CKX") & (pl.col("Date") <= cal[-11])).with_columns(pl.lit("STALE").alias("ticker"))
    f = tmp / "bars.parquet"
    pl.concat([keep, stale]).drop("dv_decile").write_parquet(f)
    m = tmp / "bars.yaml"
    m.write_text("kind: bars\ncolumns: {symbol: ticker, date: Date, open: Open, high: High, low: Low, close: Close, "
                 "volume: Volume}\n")
    ds = tmp / "ds"
    run("ingest", "--kind", "bars", "--mapping", m, f, "-o", ds)
    return ds, end


@pytest.mark.realdata
def test_seneb_gets_its_peers_spread_and_volatility(daily_ds):
    ds, end = daily_ds
    prof = {r["symbol"]: r for r in run_json("profile", "--data", ds, "--table", "profile")}
    s = prof["SENEB"]
    assert s["edge_spread_reason"] == "too_few_bars" and s["n_valid_bars"] < 20
    assert s["spread_source"] == "cross_section" and s["volatility_source"] == "cross_section"
    assert s["price_band"] == ">=20" and s["peer_count_spread"] >= 5 and s["peer_count_volatility"] >= 5
    own = [r for r in prof.values() if r["price_band"] == ">=20" and r["spread_source"] == "bars"]
    assert s["peer_count_spread"] == len(own)
    assert s["spread_bps"] == pytest.approx(float(np.median([r["spread_bps"] for r in own])), rel=1e-12)
    assert s["spread_uncertainty_frac"] >= 0.45 and s["volatility_daily_frac"] > 0
    # 4 bars in the last 20 days: the 16 others are no-trade days
    assert s["no_bar_days"] == 16 and s["zero_volume_days"] == 16 and s["missing_days"] == 0
    # priced alone, SENEB draws on the same peers (the rest of the dataset's bars)
    t = run_json("pretrade", "--data", ds, "--symbol", "SENEB", "--side", "buy", "--qty", "300")
    o = t["order"][0]
    assert o["status"] == "ok" and o["half_spread_bps"] == pytest.approx(s["spread_bps"] / 2)
    assert o["volatility_daily_frac"] == pytest.approx(s["volatility_daily_frac"])
    flags = {f["flag"]: f for f in t["flags"]}
    assert flags["spread_stand_in"]["severity"] == "warn" and flags["volatility_stand_in"]["severity"] == "warn"
    assert f"median spread of {s['peer_count_spread']} names priced >=20" in flags["spread_stand_in"]["message"]
    assert flags["missing_days"]["severity"] == "info" and "16 of the last 20" in flags["missing_days"]["message"]


@pytest.mark.realdata
def test_stale_bars_are_flagged(daily_ds):
    ds, end = daily_ds
    prof = {r["symbol"]: r for r in run_json("profile", "--data", ds, "--table", "profile")}
    st, ckx = prof["STALE"], prof["CKX"]
    assert st["asof_date"] == str(end) and st["last_data_date"] < ckx["last_data_date"]
    assert st["spread_source"] == "bars" and st["spread_bps"] > 0 and st["volatility_daily_frac"] > 0
    t = run_json("pretrade", "--data", ds, "--symbol", "STALE", "--side", "buy", "--qty", "100")
    o = t["order"][0]
    assert o["status"] == "ok" and o["stale_trading_days"] == 10 and o["half_spread_bps"] > 0
    f = {x["flag"]: x for x in t["flags"]}["stale_data"]
    assert f["severity"] == "warn" and f"last data on {st['last_data_date']}, 10 trading days" in f["message"]
    # a name with data to the end is not stale
    t = run_json("pretrade", "--data", ds, "--symbol", "HMNF", "--side", "buy", "--qty", "100")
    assert t["order"][0]["stale_trading_days"] == 0 and "stale_data" not in {x["flag"] for x in t["flags"]}


@pytest.mark.realdata
def test_vendor_days_without_bars_are_no_trade_days(daily_ds, tmp_path):
    ds, _ = daily_ds
    c = {r["symbol"]: r for r in run_json("profile", "--data", ds, "--table", "profile")}["CKX"]
    assert (c["adv_shares"], c["zero_volume_days"], c["no_bar_days"], c["missing_days"]) == (pytest.approx(342.55), 10, 10, 0)
    cfg = tmp_path / "c.yaml"
    cfg.write_text("bars:\n  missing_bar: missing\n")
    m = {r["symbol"]: r for r in run_json("--config", cfg, "profile", "--data", ds, "--table", "profile")}["CKX"]
    assert (m["adv_shares"], m["zero_volume_days"], m["no_bar_days"], m["missing_days"]) == (pytest.approx(685.1), 0, 10, 10)
    t = run_json("--config", cfg, "pretrade", "--data", ds, "--symbol", "CKX", "--side", "buy", "--qty", "100")
    f = {x["flag"]: x for x in t["flags"]}["missing_days"]
    assert f["severity"] == "warn" and "left out as unknown" in f["message"]


# --------------------------------------------------------------------------- the rules, on hand-made rows


def rows(**cols):
    n = len(next(iter(cols.values())))
    base = {"symbol": [f"S{i}" for i in range(n)], "source": ["ticks"] * n, "lookback_days": [20] * n,
            "asof_date": [dt.date(2025, 3, 28)] * n, "adv_shares": [1000.0] * n,
            "daily_volume_shares": [[1000.0] * 20] * n}
    base.update(cols)
    return pl.DataFrame(base, strict=False)


def test_peers_by_price_and_cap_band_then_price_band_then_prior():
    cfg = load_config(overrides={"measures.min_peers": 3})
    price = [10.0, 12.0, 15.0, 8.0, 9.0, 11.0, 30.0]
    cap = [1e8, 1e8, 1e8, 5e9, 5e9, 1e8, 1e8]  # micro x4, mid x2
    spread = [100.0, 200.0, 400.0, 50.0, 60.0, float("nan"), float("nan")]
    src = ["effective"] * 5 + ["none", "none"]
    p = complete_inputs(rows(price_px=price, market_cap_usd=cap, spread_bps=spread, spread_source=src,
                             volatility_daily_frac=[0.02] * 7, volatility_source=["close_to_close_mid"] * 7,
                             n_effective_trades=[100] * 7, n_volatility_obs=[19] * 7), cfg)
    r = p.row(5, named=True)  # $11 micro cap: three micro peers in the $5-20 band
    assert r["spread_source"] == "cross_section" and r["spread_bps"] == 200.0 and r["peer_count_spread"] == 3
    logs = np.log([100.0, 200.0, 400.0])
    assert r["spread_uncertainty_frac"] == pytest.approx(max(1.4826 * np.median(np.abs(logs - np.median(logs))), 0.45))
    r = p.row(6, named=True)  # $30: nobody in the band: the prior
    assert r["spread_source"] == "prior" and r["spread_bps"] == cfg.measures.prior_spread_bps[3] == 57.0
    assert r["spread_uncertainty_frac"] == 0.8
    # a mid-cap name with too few mid-cap peers uses its price band
    p2 = complete_inputs(rows(price_px=price, market_cap_usd=[1e8, 1e8, 1e8, 5e9, 5e9, 5e9, 1e8], spread_bps=spread,
                              spread_source=src, volatility_daily_frac=[0.02] * 7,
                              volatility_source=["close_to_close_mid"] * 7), cfg)
    r = p2.row(5, named=True)
    assert r["spread_source"] == "cross_section" and r["peer_count_spread"] == 5 and r["spread_bps"] == 100.0
    # own inputs are untouched and the effective spread's uncertainty falls with the trades behind it
    assert p.row(0, named=True)["spread_bps"] == 100.0 and p.row(0, named=True)["spread_uncertainty_frac"] == 0.1
    assert p.row(0, named=True)["volatility_uncertainty_frac"] == pytest.approx(1 / math.sqrt(36))


def test_no_prior_outside_the_nyse_calendar():
    cfg = load_config(overrides={"session.timezone": "UTC"})
    p = complete_inputs(rows(price_px=[5.0], spread_bps=[float("nan")], spread_source=["none"],
                             volatility_daily_frac=[0.0], volatility_source=["none"]), cfg).row(0, named=True)
    assert p["spread_source"] == "none" and math.isnan(p["spread_bps"]) and math.isnan(p["volatility_daily_frac"])


def test_trades_without_quotes_use_daily_bars_of_their_trades():
    from reference.frames import random_days

    from liqcost.measures.daily import daily_metrics
    from liqcost.measures.profile import liquidity_profile

    days = trading_days(dt.date(2025, 1, 6), 70)
    t, _ = random_days(["TRD"], days, seed=4, trades_per_day=12, quotes_per_day=1)
    cfg = load_config()
    daily = daily_metrics(cfg, trades=t).daily
    p = liquidity_profile(daily, cfg).row(0, named=True)
    assert p["spread_source"] == "trade_bars" and p["spread_estimator"] in ("edge", "ar", "roll", "cs")
    assert p["spread_bps"] > 0 and p["spread_uncertainty_frac"] == pytest.approx(0.45)
    assert p["volatility_source"] == "intraday_realized"  # realized volatility from the trades themselves


def test_merged_sources_follow_the_value_taken():
    from liqcost.measures.bars import merge_tick_and_bar_profiles

    tick = rows(price_px=[10.0, 10.0], spread_bps=[float("nan"), 50.0], spread_source=["none", "effective"],
                volatility_daily_frac=[0.02, float("nan")], volatility_source=["close_to_close_mid", "none"],
                volume_source=["ticks", "ticks"], last_data_date=[dt.date(2025, 3, 20), dt.date(2025, 3, 28)])
    bars = rows(price_px=[10.0, 10.0], spread_bps=[80.0, 90.0], spread_source=["bars", "bars"],
                spread_estimator=["edge", "edge"], volatility_estimator=["cc", "cc"],
                volatility_daily_frac=[0.03, 0.04], volatility_source=["bars", "bars"], volume_source=["bars", "bars"],
                last_data_date=[dt.date(2025, 3, 27), dt.date(2025, 3, 21)]).with_columns(pl.lit("bars").alias("source"))
    m = merge_tick_and_bar_profiles(tick, bars).sort("symbol")
    assert m["spread_bps"].to_list() == [80.0, 50.0] and m["spread_source"].to_list() == ["bars", "effective"]
    assert m["volatility_source"].to_list() == ["close_to_close_mid", "bars"]
    assert m["volume_source"].to_list() == ["ticks", "ticks"]
    assert m["last_data_date"].to_list() == [dt.date(2025, 3, 27), dt.date(2025, 3, 28)]

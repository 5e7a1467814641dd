"""`liqcost ingest` + `liqcost profile` end to end on every real vendor data set, through the CLI.

Each data set goes through the commands a user types (CliRunner, ``--format json``), with the session
config its venue needs (``configs/cme.yaml``, ``configs/crypto.yaml``, ``configs/us_extended.yaml``),
and the results are checked for what the numbers must satisfy whatever the data: every kept row is
counted, realized spread + price impact = effective spread at each horizon, spreads positive and in the
range the instrument's tick size and price allow, Lee-Ready agreeing with the feed's own aggressor flag,
bar estimates NaN only with a reason. The figures in docs/formats.md come from these runs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
import pytest
import yaml
from click.testing import CliRunner
from conftest import ROOT, require_shared

from liqcost.cli import cli

pytestmark = pytest.mark.realdata

MAPS = ROOT / "configs" / "mappings"
CME = ROOT / "configs" / "cme.yaml"
CRYPTO = ROOT / "configs" / "crypto.yaml"
US_EXT = ROOT / "configs" / "us_extended.yaml"
HORIZONS = ("5s", "1min", "5min", "30min", "1tr", "5tr", "20tr")


# ------------------------------------------------------------------------------------------- helpers


def run(*args) -> str:
    r = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.output


def cfg_args(config) -> list:
    return ["--config", config] if config else []


def ingest(ds: Path, kind: str, mapping: str, files, config=None) -> list[dict]:
    out = run(*cfg_args(config), "-q", "--format", "json", "ingest", "--kind", kind, "--mapping", MAPS / mapping, *files,
              "-o", ds)
    return json.loads(out)["tables"]["ingest"]


def profile(ds: Path, config=None, *extra) -> dict:
    tables = json.loads(run(*cfg_args(config), "-q", "--format", "json", "profile", "--data", ds, *extra))["tables"]
    return next(iter(tables.values())) if len(tables) == 1 else tables


def frame(records: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(records, infer_schema_length=None)


def lee_ready_agreement(ds: Path, config, tmp: Path) -> pl.DataFrame:
    """Per symbol: trades the feed signed, and the share of them Lee-Ready (the feed flag ignored) signs alike.

    Two profile runs with ``--trades-out``: the default (feed flag used) and a config with
    ``measures.use_feed_aggressor: false``; the audit tables list the same trades in the same order.
    """
    base = yaml.safe_load(Path(config).read_text()) if config else {}
    base.setdefault("measures", {})["use_feed_aggressor"] = False
    lr_cfg = tmp / "lee_ready.yaml"
    lr_cfg.write_text(yaml.safe_dump(base))
    feed_out, lr_out = tmp / "audit_feed.parquet", tmp / "audit_lr.parquet"
    run(*cfg_args(config), "-q", "--format", "json", "-o", tmp / "p1.json", "profile", "--data", ds, "--trades-out", feed_out)
    run("--config", lr_cfg, "-q", "--format", "json", "-o", tmp / "p2.json", "profile", "--data", ds, "--trades-out", lr_out)
    a = pl.read_parquet(feed_out).select("symbol", "ts", "price", "sign_rule", pl.col("sign").alias("feed"))
    b = pl.read_parquet(lr_out).select(pl.col("ts").alias("ts_lr"), pl.col("sign").alias("lee_ready"))
    both = pl.concat([a, b], how="horizontal")
    assert (both.get_column("ts") == both.get_column("ts_lr")).all()
    return (
        both.filter(pl.col("sign_rule") == "feed")
        .group_by("symbol")
        .agg(pl.len().alias("n"), (pl.col("feed") == pl.col("lee_ready")).mean().alias("agree"))
        .sort("symbol")
    )


def kept(reports: list[dict], kind: str) -> int:
    return sum(r["rows_kept"] for r in reports if r["kind"] == kind)


def check_daily(daily: pl.DataFrame, trades_kept: int) -> None:
    """What a tick daily table must satisfy whatever the data."""
    # every kept trade is counted: in the measures (continuous + auction) or as excluded
    assert int(daily["n_trades"].sum() + daily["n_trades_excluded"].sum()) == trades_kept
    rows = daily.filter(pl.col("n_effective") > 0)
    assert rows.height, "no day with an effective spread"
    for r in rows.iter_rows(named=True):
        assert r["effective_spread_bps"] > 0 and r["quoted_spread_bps"] > 0, r
        for h in HORIZONS:
            rs, pi = r[f"realized_spread_{h}_bps"], r[f"price_impact_{h}_bps"]
            assert r[f"n_impact_{h}"] <= r["n_effective"], (r["symbol"], r["date"], h)
            if r[f"n_impact_{h}"] and r[f"n_impact_{h}"] < r["n_effective"]:
                # the last trades' horizon mid is the mid at the close; when the last quote is older than
                # measures.max_quote_age_s by then (the file ends before the session does) it is unknown, and
                # those trades are out of the horizon's sums (not the effective spread's): the identity is not exact
                assert h.endswith("tr") and r["quote_stale_time_frac"] > 0, (r["symbol"], r["date"], h)
                assert r["n_effective"] - r[f"n_impact_{h}"] <= int(h[:-2]), (r["symbol"], r["date"], h)
            elif r[f"n_impact_{h}"]:
                # share-weighted over the same trades: the identity holds for the daily aggregates
                assert rs + pi == pytest.approx(r["effective_spread_bps"], rel=1e-9, abs=1e-12), (r["symbol"], r["date"], h)
        assert r["volatility_daily_frac"] is None or r["volatility_daily_frac"] >= 0


def day(daily: pl.DataFrame, symbol: str, date: str | None = None) -> dict:
    sel = daily.filter(pl.col("symbol") == symbol)
    if date:
        sel = sel.filter(pl.col("date").cast(pl.String) == date)
    assert sel.height == 1, (symbol, date, sel.height)
    return sel.row(0, named=True)


# ---------------------------------------------------------------------------------------- Databento


@pytest.fixture(scope="module")
def esu4(tmp_path_factory):
    n = require_shared("databento", "nautilus_trader")
    ds = tmp_path_factory.mktemp("dbn") / "ds"
    reports = ingest(ds, "trades", "databento.yaml", [n / "futures_trades_2024-07-01T23-58_2024-07-02T00-02.dbn.zst"], CME)
    reports += ingest(ds, "quotes", "databento.yaml", [n / "futures_mbp-1_2024-07-01T23-58_2024-07-02T00-02.dbn.zst"], CME)
    return ds, reports, profile(ds, CME)


def test_dbn_esu4_one_tick_spread(esu4):
    ds, reports, res = esu4
    assert [(r["kind"], r["rows_read"], r["rows_kept"]) for r in reports] == [("trades", 120, 120), ("quotes", 2167, 2167)]
    daily = frame(res["daily"])
    check_daily(daily, 120)
    # the Chicago calendar day of the 17:00 CT reopen: one partition, every trade in the session
    r = day(daily, "ESU4", "2024-07-01")
    assert (r["n_trades"], r["n_trades_excluded"], r["volume_shares"]) == (120, 0, 253.0)
    # E-mini tick 0.25 at ~5529: one tick is 0.452 bps; every trade at the touch pays exactly one tick
    assert r["effective_spread_px"] == pytest.approx(0.25, abs=1e-9)
    assert 0.25 <= r["quoted_spread_px"] < 0.26
    assert r["effective_spread_bps"] == pytest.approx(0.25 / r["vwap_px"] * 1e4, rel=1e-3)
    assert r["feed_signed_frac"] == 1.0 and r["outside_frac"] == 0.0
    p = frame(res["profile"]).row(0, named=True)
    assert (p["symbol"], p["source"], p["adv_shares"], p["spread_source"]) == ("ESU4", "ticks", 253.0, "effective")


def test_dbn_esu4_lee_ready_vs_aggressor(esu4, tmp_path):
    agree = lee_ready_agreement(esu4[0], CME, tmp_path).row(0, named=True)
    # 119 of 120: the first trade shares its nanosecond with the first book event, so it has no earlier quote
    assert (agree["n"], round(agree["agree"] * agree["n"])) == (120, 119)


def test_dbn_ohlcv_1m_bar_profile(tmp_path):
    f = require_shared("databento", "nautilus_trader", "futures_ohlcv-1m_2024-07-01T23-40_2024-07-02T00-10.dbn.zst")
    ds = tmp_path / "ds"
    reports = ingest(ds, "bars", "databento.yaml", [f], CME)
    assert (reports[0]["rows_read"], reports[0]["rows_kept"], reports[0]["symbols"]) == (60, 60, 2)
    res = profile(ds, CME, "--table", "all")
    bars = pl.read_parquet(sorted(ds.glob("kind=bars/*/*/*.parquet")))
    vol = dict(bars.group_by("symbol").agg(pl.col("volume").sum()).iter_rows())
    prof = frame(res["profile"])
    # thirty 1-minute bars a symbol make one day: ADV is their volume; one day is too few for any estimator
    for p in prof.iter_rows(named=True):
        assert (p["source"], p["adv_shares"], p["n_valid_bars"]) == ("bars", vol[p["symbol"]], 1)
        for est in ("edge", "ar", "cs", "roll"):
            assert p[f"{est}_spread_bps"] is None and p[f"{est}_spread_reason"] == "too_few_bars"
    assert sorted(prof["symbol"]) == ["ESU4", "NQU4"] and vol == {"ESU4": 1585.0, "NQU4": 1157.0}


def test_dbn_tbbo_fixtures(tmp_path):
    x = require_shared("databento", "databento-python")
    eq = tmp_path / "eq"
    files = [x / "XNAS.ITCH" / "test_data.tbbo.dbn.zst", x / "EQUS.MINI" / "test_data.tbbo.dbn.zst"]
    rep = ingest(eq, "trades", "databento.yaml", files, US_EXT) + ingest(eq, "quotes", "databento.yaml", files, US_EXT)
    daily = frame(profile(eq, US_EXT)["daily"])
    check_daily(daily, kept(rep, "trades"))
    # pre-market prints (04:05 / 07:08 New York): counted only with the extended session
    nvda, qqq = day(daily, "NVDA"), day(daily, "QQQ")
    assert (nvda["n_trades"], qqq["n_trades"]) == (4, 4)
    # $1 and more wide at $521 before the open (time-weighted over the time a quote younger than
    # measures.max_quote_age_s is in force, not the stale tail to the close)
    assert 15 < nvda["quoted_spread_bps"] < 40
    assert 1 < qqq["quoted_spread_bps"] < 5  # 6-8 cents at $308
    glbx = tmp_path / "glbx"
    f = [x / "GLBX.MDP3" / "test_data.tbbo.dbn.zst"]
    ingest(glbx, "trades", "databento.yaml", f, CME)
    ingest(glbx, "quotes", "databento.yaml", f, CME)
    es = day(frame(profile(glbx, CME)["daily"]), "ESH1")
    assert es["effective_spread_px"] == pytest.approx(0.25) and es["effective_spread_bps"] == pytest.approx(0.25 / 3702.625 * 1e4, rel=1e-4)
    # tbbo gives each trade the book just before it: the quote rule cannot disagree with the flag
    agree = lee_ready_agreement(eq, US_EXT, tmp_path)
    assert agree["agree"].to_list() == [1.0, 1.0]


# ------------------------------------------------------------------------------------------- LOBSTER


@pytest.fixture(scope="module")
def lobster(tmp_path_factory):
    zips = sorted(require_shared("lobster", "original_zips").glob("*.zip"))
    assert len(zips) == 2
    ds = tmp_path_factory.mktemp("lobster") / "ds"
    reports = ingest(ds, "trades", "lobster.yaml", zips) + ingest(ds, "quotes", "lobster.yaml", zips)
    return ds, reports, profile(ds)


def test_lobster_spreads(lobster):
    _, reports, res = lobster
    assert kept(reports, "trades") == 11_419 + 11_678 and kept(reports, "quotes") == 51_701 + 42_603
    daily = frame(res["daily"])
    check_daily(daily, 11_419 + 11_678)
    amzn, goog = day(daily, "AMZN"), day(daily, "GOOG")
    assert (amzn["n_trades"], amzn["volume_shares"], goog["n_trades"], goog["volume_shares"]) == (11_419, 810_755, 11_678, 706_125)
    # AMZN ~$222 with a ~13 cent spread is ~6 bps; GOOG ~$569 with ~27 cents ~5 bps
    assert 0.11 < amzn["quoted_spread_px"] < 0.15 and 5 < amzn["quoted_spread_bps"] < 7
    assert 0.22 < goog["quoted_spread_px"] < 0.32 and 4 < goog["quoted_spread_bps"] < 6
    for r in (amzn, goog):
        # hidden executions inside the spread make the effective spread smaller than the quoted one
        assert 0.5 * r["quoted_spread_bps"] < r["effective_spread_bps"] < r["quoted_spread_bps"]
        assert r["outside_frac"] < 0.1 and 0.002 < r["volatility_daily_frac"] < 0.05
        assert r["price_impact_5min_bps"] > 0  # trades move the mid their way


def test_lobster_lee_ready_vs_aggressor(lobster, tmp_path):
    agree = lee_ready_agreement(lobster[0], None, tmp_path)
    # the executed order is the passive side: Lee-Ready agrees on ~97.5% (all visible executions, most hidden)
    assert agree["n"].to_list() == [11_419, 11_678]
    assert all(0.97 < a < 0.99 for a in agree["agree"])


# ----------------------------------------------------------------------------------------------- TAQ


@pytest.fixture(scope="module")
def taq(tmp_path_factory):
    d = require_shared("taq_highfrequency", "parquet")
    out = {}
    for name, t, q in (("raw", "sampleTDataRaw", "sampleQDataRaw"), ("clean", "sampleTData", "sampleQData")):
        ds = tmp_path_factory.mktemp(f"taq_{name}") / "ds"
        reports = ingest(ds, "trades", "taq_highfrequency.yaml", [d / f"{t}.parquet"])
        reports += ingest(ds, "quotes", "taq_highfrequency.yaml", [d / f"{q}.parquet"])
        out[name] = (ds, reports, profile(ds))
    return out


def test_taq_raw_and_clean_agree(taq):
    _, raw_rep, raw = taq["raw"]
    _, clean_rep, clean = taq["clean"]
    assert kept(raw_rep, "trades") == 76_660 and kept(clean_rep, "trades") == 7_168
    assert kept(raw_rep, "quotes") == 34_832  # NBBO rows built from 12 exchanges, crossed ones set aside
    raw_d, clean_d = frame(raw["daily"]), frame(clean["daily"])
    check_daily(raw_d, 76_660)
    check_daily(clean_d, 7_168)
    for date in ("2018-01-02", "2018-01-03"):
        r, c = day(raw_d, "XXX", date), day(clean_d, "XXX", date)
        # all exchanges + the built NBBO vs one exchange + its own quotes: the same cost of trading
        assert r["effective_spread_bps"] == pytest.approx(c["effective_spread_bps"], rel=0.05)
        for x in (r, c):
            assert 1.5 < x["quoted_spread_bps"] < 4 and 1.5 < x["effective_spread_bps"] < 4  # 2-4 cents at $157
        assert r["n_trades"] > 10 * c["n_trades"]
        # the raw sample's thinned quote file: a third of the prints fall outside the NBBO built from it
        assert r["outside_frac"] > 0.25 > 0.15 > c["outside_frac"]
        assert r["n_trades_excluded"] > 0 == c["n_trades_excluded"]  # Form-T prints outside 09:30-16:00
    prof = frame(raw["profile"]).row(0, named=True)
    assert prof["adv_shares"] == pytest.approx(raw_d["volume_shares"].mean())


def test_taq_raw_mid_volatility_ignores_the_pre_open_quote(taq):
    r = day(frame(taq["raw"][2]["daily"]), "XXX", "2018-01-03")
    assert r["realized_vol_mid_frac"] < 1.5 * r["realized_vol_frac"]


# ------------------------------------------------------------------------------------------- Binance


@pytest.fixture(scope="module")
def binance(tmp_path_factory):
    d = require_shared("binance", "parquet")
    ds = tmp_path_factory.mktemp("binance") / "ds"
    reports = ingest(ds, "trades", "binance.yaml", sorted(d.glob("*_trades.parquet")), CRYPTO)
    reports += ingest(ds, "quotes", "binance.yaml", sorted(d.glob("*_bookticker.parquet")), CRYPTO)
    return ds, reports, profile(ds, CRYPTO)


def test_binance_markets_apart_and_tick_sized_spreads(binance):
    _, reports, res = binance
    daily = frame(res["daily"])
    assert kept(reports, "trades") == 78_638
    check_daily(daily, 78_638)
    # spot and the USD-M perpetual of one pair are two symbols (Binance names both BTCUSDT)
    assert sorted(daily["symbol"].unique()) == ["BTCUSDT", "BTCUSDT_PERP", "BTCUSD_PERP", "ETHUSDT", "ETHUSDT_PERP", "ETHUSD_PERP"]
    # one tick wide almost all the time: spot 0.01 USDT at ~61,600 is 0.0016 bps, USD-M/COIN-M BTC 0.1 ~0.016 bps
    spot = day(daily, "BTCUSDT", "2024-08-09")
    # (time-weighted over the hour the file covers: the stale rest of the UTC day is not carried at the last quote)
    assert 0.0100 <= spot["quoted_spread_px"] < 0.011 and 0.0015 < spot["quoted_spread_bps"] < 0.0018
    for sym, tick in (("BTCUSDT_PERP", 0.1), ("BTCUSD_PERP", 0.1), ("ETHUSDT", 0.01), ("ETHUSD_PERP", 0.01)):
        r = day(daily, sym, "2024-08-08")
        assert tick <= r["quoted_spread_px"] < 1.2 * tick, (sym, r["quoted_spread_px"])
        # the takers' sweeps through several levels cost far more than the touch
        assert r["effective_spread_bps"] > 5 * r["quoted_spread_bps"]
    prof = frame(res["profile"])
    # money columns carry the config's currency (session.currency: USDT in configs/crypto.yaml)
    assert (prof["source"] == "ticks").all() and (prof["adv_usdt"] > 1e6).all() and "adv_usd" not in prof.columns


def test_binance_lee_ready_vs_aggressor(binance, tmp_path):
    agree = lee_ready_agreement(binance[0], CRYPTO, tmp_path)
    # futures quotes carry the exchange's time; spot quotes the receive clock moved by the fastest delivery
    assert agree.height == 6 and agree["agree"].min() > 0.98, agree


def test_binance_utc_day_has_no_hole(binance):
    assert frame(binance[2]["daily"])["n_trades_excluded"].sum() == 0


def test_audit_quote_time_is_kept(binance, tmp_path):
    run("--config", CRYPTO, "-q", "--format", "json", "-o", tmp_path / "p.json", "profile", "--data", binance[0],
        "--symbol", "BTCUSDT", "--trades-out", tmp_path / "a.parquet")
    a = pl.read_parquet(tmp_path / "a.parquet").filter(pl.col("bid_px").is_not_nan())
    assert a.height > 18_000 and a["quote_ts"].null_count() == 0


# ---------------------------------------------------------------------------------- daily US stocks


DAILY_THIN = ("BASI", "CKX")
DAILY_LIQUID = ("MSFT", "JPM")


def test_daily_bar_profile_thin_vs_liquid(tmp_path):
    src = require_shared("daily_us_stocks", "stocks_daily_sample700.parquet")
    d = pl.read_parquet(src).filter(pl.col("ticker").is_in(DAILY_THIN + DAILY_LIQUID))
    files = []
    for t in DAILY_THIN + DAILY_LIQUID:  # the vendor's layout, one text file per ticker
        f = tmp_path / f"{t.lower()}.us.txt"
        d.filter(pl.col("ticker") == t).select(pl.col("Date").dt.strftime("%Y-%m-%d"), "Open", "High", "Low", "Close", "Volume",
                                               pl.lit(0).alias("OpenInt")).write_csv(f)
        files.append(f)
    ds = tmp_path / "ds"
    reports = ingest(ds, "bars", "daily_csv.yaml", files)
    assert kept(reports, "bars") == d.height
    res = profile(ds, None, "--table", "all")
    prof = {p["symbol"]: p for p in res["profile"]}
    assert set(prof) == set(DAILY_THIN + DAILY_LIQUID)
    for p in prof.values():
        assert p["source"] == "bars" and str(p["asof_date"]) >= "2017-11-08"
        vols = [v for v in p["daily_volume_shares"] if v is not None and not math.isnan(v)]
        assert p["adv_shares"] == pytest.approx(sum(vols) / len(vols))
        # every estimate is a number or NaN with its reason, never both, never neither
        for est in ("roll", "cs", "ar", "edge", "fht", "lot"):
            assert (p[f"{est}_spread_bps"] is None) == (p[f"{est}_spread_reason"] is not None), (p["symbol"], est)
    # bottom decile ($2k-60k a day) vs top decile ($1B a day): spreads hundreds of bps apart
    assert min(prof[t]["edge_spread_bps"] for t in DAILY_THIN) > 100
    assert max(prof[t]["edge_spread_bps"] for t in DAILY_LIQUID) < 50
    assert max(prof[t]["adv_usd"] for t in DAILY_THIN) < 2e5 < 1e9 < min(prof[t]["adv_usd"] for t in DAILY_LIQUID)
    assert max(prof[t]["amihud_bps_per_musd"] for t in DAILY_LIQUID) < 1 < 1000 < min(prof[t]["amihud_bps_per_musd"] for t in DAILY_THIN)
    # the rolling table explains every NaN too
    bars = frame(res["bars"])
    nan = bars.filter(pl.col("edge_spread_bps").is_null())
    assert nan.height and nan["edge_spread_reason"].null_count() == 0


# ------------------------------------------------------------------------------------ Bitstamp, Mt.Gox


@pytest.fixture(scope="module")
def btc(tmp_path_factory):
    b = require_shared("bitstamp")
    ds = tmp_path_factory.mktemp("bitstamp") / "ds"
    reports = ingest(ds, "trades", "bitstamp.yaml", [b / "bitstampUSD.csv", b / "trades-mgtox-usd-2013-01-01.csv"], CRYPTO)
    # --start: the daily table over the whole history (by default it covers the long profile window)
    return ds, reports, profile(ds, CRYPTO, "--start", "2011-09-01")


def test_bitstamp_mtgox_trades_only(btc):
    _, reports, res = btc
    assert [(r["rows_read"], r["rows_kept"]) for r in reports] == [(9_999, 9_989), (2_331, 2_331)]
    daily = frame(res["daily"])
    assert int(daily["n_trades"].sum() + daily["n_trades_excluded"].sum()) == 9_989 + 2_331
    # no quotes: no spread at all (never a made-up one), volatility and volume still there
    assert daily["effective_spread_bps"].null_count() == daily.height
    prof = {p["symbol"]: p for p in res["profile"]}
    assert set(prof) == {"BTCUSD.BITSTAMP", "BTCUSD.MTGOX"}  # two exchanges, two day grids
    for p in prof.values():
        assert p["spread_bps"] is None and p["spread_source"] == "none" and 0.005 < p["volatility_daily_frac"] < 0.1
    bs, gox = prof["BTCUSD.BITSTAMP"], prof["BTCUSD.MTGOX"]
    assert str(bs["asof_date"]) == "2012-05-31" and bs["zero_volume_days"] == 0 and 4 < bs["price_px"] < 6
    assert (gox["lookback_days"], gox["adv_shares"]) == (1, pytest.approx(28_168.91146, abs=1e-4))
    # thin early market: a few hundred BTC and ~110 prints a day
    assert 100 < bs["adv_shares"] < 2_000 and 50 < bs["trades_per_day"] < 300


def test_mtgox_taker_side_vs_tick_rule(tmp_path):
    f = require_shared("bitstamp", "trades-mgtox-usd-2013-01-01.csv")
    ingest(tmp_path / "ds", "trades", "bitstamp.yaml", [f], CRYPTO)
    agree = lee_ready_agreement(tmp_path / "ds", CRYPTO, tmp_path).row(0, named=True)
    # no quotes: Lee-Ready is the tick rule (zero ticks take the last change); Mt.Gox's type agrees on ~91%
    assert agree["n"] == 2_331 and 0.88 < agree["agree"] < 0.94


def test_mtgox_feed_sign_used_next_to_bitstamp(btc):
    gox = day(frame(btc[2]["daily"]), "BTCUSD.MTGOX")
    assert gox["feed_signed_frac"] == 1.0

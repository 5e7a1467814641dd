"""The pre-trade check: cost band, days, buckets, flags, errors and the portfolio view, on known profiles."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference.pretrade import profile_from_truth, stressed_volume

from liqcost.config import load_config
from liqcost.errors import OrderError, SchemaError
from liqcost.app.inputs import Liquidity, read_profile_file
from liqcost.pretrade import cost_curve, pretrade


def profiles_for(data, symbols, config, asof=None):
    """Profiles of the names with data in the lookback (what pretrade and plan read from a dataset)."""
    return Liquidity.from_inputs(config, data=data, asof=asof).profiles(symbols)[0]

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
ASOF = dt.date(2025, 3, 28)


def _profile(**kw):
    """One hand-made profile row: ADV 200,000, 4 % volatility, 50 bps spread, $10, 20 M shares, flat volume."""
    base = {
        "symbol": "XYZ", "asof_date": ASOF, "lookback_days": 20, "source": "ticks", "price_px": 10.0,
        "adv_shares": 200_000.0, "mdv_shares": 200_000.0, "adv_usd": 2e6, "zero_volume_days": 0,
        "daily_volume_shares": [200_000.0] * 20, "spread_bps": 50.0, "volatility_daily_frac": 0.04,
        "shares_outstanding": 2e7, "market_cap_usd": 2e8,
    }
    base.update(kw)
    return pl.DataFrame([base], schema_overrides={"daily_volume_shares": pl.List(pl.Float64)})


def _orders(*rows):
    cols = {"order_id": [], "symbol": [], "side": [], "qty": []}
    for i, (sym, side, qty) in enumerate(rows):
        cols["order_id"].append(f"o{i}")
        cols["symbol"].append(sym)
        cols["side"].append(side)
        cols["qty"].append(float(qty))
    return pl.DataFrame(cols)


@pytest.fixture(scope="module")
def truth_profiles():
    truth = json.loads((SAMPLE / "truth" / "ground_truth.json").read_text())
    bars = pl.read_csv(SAMPLE / "raw" / "bars.csv", try_parse_dates=True)
    return profile_from_truth(truth, bars)


# ---------------------------------------------------------------------------------------- one order by hand
def test_hand_checked_order():
    r = pretrade(_orders(("XYZ", "buy", 100_000)), _profile(), load_config())
    o = r.orders.row(0, named=True)
    assert o["status"] == "ok" and r.n_priced == 1
    assert o["notional_usd"] == 1_000_000
    assert o["order_adv_frac"] == 0.5 and o["order_mdv_frac"] == 0.5
    assert o["cost_sqrt_bps"] == pytest.approx(251.274, rel=2e-5)  # 25 + 0.8 * 0.04 * sqrt(0.5) * 1e4
    assert o["cost_central_bps"] == o["cost_sqrt_bps"]
    assert o["cost_central_usd"] == pytest.approx(25127.4, rel=2e-5)
    assert o["cost_low_bps"] <= min(o[f"cost_{m}_bps"] for m in ("sqrt", "almgren2005", "istar", "crossover", "log"))
    assert o["cost_high_bps"] >= max(o[f"cost_{m}_bps"] for m in ("sqrt", "almgren2005", "istar", "crossover", "log"))
    assert o["half_spread_bps"] == 25.0
    # flat 200,000 shares a day at 10 %: 20,000 a day, exactly 5 days
    assert o["duration_days"] == pytest.approx(5.0)
    assert o["expected_days"] == pytest.approx(5.0, abs=1e-6)
    assert o["p_complete_1d"] == 0 and o["p_complete_5d"] == pytest.approx(1.0) and o["p_complete_20d"] == pytest.approx(1.0)
    assert o["days_stressed"] == pytest.approx(5.0)
    assert o["liquidity_bucket"] == "<=7d"
    assert o["timing_risk_bps"] == pytest.approx(516.398, rel=1e-5)
    codes = dict(zip(r.flags["flag"], r.flags["severity"]))
    assert codes["size_adv"] == "warn" and codes["size_mdv"] == "warn"
    assert "micro_cap" in codes  # 2e8 < 250 M
    m = r.models.filter(pl.col("model") == "almgren2005").row(0, named=True)
    # Almgren et al.'s final model: permanent 0.314 * 0.04 * 0.5 * 100^0.25 / 2 * 1e4 = 99.2955
    assert m["temporary_bps"] == pytest.approx(14.2675, rel=1e-4) and m["permanent_bps"] == pytest.approx(99.2955, rel=1e-4)


def test_truth_profiles_price_the_sample_orders(truth_profiles):
    orders = pl.read_csv(SAMPLE / "orders.csv").select("order_id", "symbol", "side", "qty")
    r = pretrade(orders, truth_profiles, load_config())
    assert r.n_priced == orders.height and r.n_errors == 0
    t = r.orders
    assert (t["cost_low_bps"] <= t["cost_central_bps"]).all() and (t["cost_central_bps"] <= t["cost_high_bps"]).all()
    assert (t["cost_low_bps"] > 0).all()
    assert np.allclose(t["cost_central_usd"], t["cost_central_bps"] * 1e-4 * t["qty_shares"] * t["price_px"])
    assert (t["expected_days"] >= 1).all()
    for a, b in (("p_complete_1d", "p_complete_5d"), ("p_complete_5d", "p_complete_10d"), ("p_complete_10d", "p_complete_20d")):
        assert (t[a] <= t[b] + 1e-12).all()
    assert set(t["liquidity_bucket"]) <= {"<=3d", "<=7d", ">7d", "not_sellable_stressed"}
    assert set(t["severity"]) <= {"ok", "info", "warn", "critical"}
    # half-spread is half the truth effective spread
    j = t.join(truth_profiles.select("symbol", "spread_bps"), on="symbol", suffix="_p")
    assert np.allclose(j["half_spread_bps"], j["spread_bps_p"] / 2)
    s = r.summary()  # a DataFrame: one row per order, the key columns
    assert s.height == 10 and s.columns[:3] == ["order_id", "symbol", "side"] and set(s["status"]) == {"ok"}
    text = str(r)  # what the terminal shows: the compact orders, the flags and the portfolio tables
    assert "orders" in text and "least_liquid" in text and "cost_central_bps" in text and not r.partial


# --------------------------------------------------------------------------------------------- properties
@settings(max_examples=40, deadline=None)
@given(qs=st.lists(st.floats(1.0, 2e6), min_size=2, max_size=25), source=st.sampled_from(["ticks", "bars"]))
def test_band_and_days_nondecreasing_in_size(qs, source):
    vols = [0.0, 150_000.0, 320_000.0, 90_000.0, 260_000.0, 180_000.0, 0.0, 410_000.0]
    prof = _profile(source=source, daily_volume_shares=vols, adv_shares=float(np.mean(vols)), lookback_days=8, zero_volume_days=2)
    q = np.sort(np.array(qs))
    orders = pl.DataFrame({"order_id": [f"o{i}" for i in range(q.size)], "symbol": ["XYZ"] * q.size, "side": [1] * q.size, "qty": q})
    t = pretrade(orders, prof, load_config(), portfolio=False).orders
    for col in ("cost_central_bps", "cost_low_bps", "cost_high_bps", "expected_days", "days_stressed"):
        v = t[col].to_numpy()
        assert np.all(np.diff(v) >= -1e-9 * np.maximum(np.abs(v[1:]), 1)), col
    assert np.all(np.diff(t["p_complete_5d"].to_numpy()) <= 1e-12)


def test_band_wider_for_bars_only_and_few_days():
    o = _orders(("XYZ", "buy", 50_000))
    cfg = load_config()

    def width(**kw):
        r = pretrade(o, _profile(**kw), cfg).orders.row(0, named=True)
        return r["cost_high_bps"] - r["cost_low_bps"]

    ticks60 = width(lookback_days=60, daily_volume_shares=[200_000.0] * 60)
    ticks20 = width()
    bars20 = width(source="bars")
    ticks5 = width(lookback_days=5, daily_volume_shares=[200_000.0] * 5)
    assert ticks60 < ticks20 < ticks5
    assert bars20 > ticks20 * 1.2


def test_results_do_not_depend_on_other_rows(truth_profiles):
    orders = pl.read_csv(SAMPLE / "orders.csv").select("order_id", "symbol", "side", "qty")
    cfg = load_config()
    a = pretrade(orders, truth_profiles, cfg).orders.sort("order_id")
    shuffled = pretrade(orders.sample(fraction=1.0, shuffle=True, seed=3), truth_profiles.reverse(), cfg).orders.sort("order_id")
    alone = pretrade(orders.filter(pl.col("symbol") == "THNC"), truth_profiles.filter(pl.col("symbol") == "THNC"), cfg).orders.sort("order_id")
    num = [c for c, t in a.schema.items() if t == pl.Float64]
    assert np.allclose(a.select(num).to_numpy(), shuffled.select(num).to_numpy(), equal_nan=True)
    thnc = a.filter(pl.col("symbol") == "THNC")
    assert np.allclose(thnc.select(num).to_numpy(), alone.select(num).to_numpy(), equal_nan=True)
    # the input order is kept
    assert pretrade(orders, truth_profiles, cfg).orders["order_id"].to_list() == orders["order_id"].to_list()


# ------------------------------------------------------------------------------------ errors and flags
def test_unpriceable_orders_become_error_rows():
    profiles = pl.concat(
        [
            _profile(),
            _profile(symbol="DEAD", daily_volume_shares=[0.0] * 20, adv_shares=0.0, mdv_shares=0.0, zero_volume_days=20),
            _profile(symbol="NOVOL", volatility_daily_frac=None),
            _profile(symbol="NOSPR", spread_bps=float("nan")),
        ],
        how="vertical_relaxed",
    )
    orders = pl.DataFrame(
        {"order_id": ["a", "b", "c", "d", "e", "f", "g", "a"], "symbol": ["XYZ", "NOPE", "DEAD", "NOVOL", "NOSPR", "XYZ", "XYZ", "XYZ"],
         "side": ["buy", "sell", "buy", "buy", "buy", "hold", "buy", "sell"], "qty": [100.0, 100, 100, 100, 100, 100, 0, 5]}
    )
    r = pretrade(orders, profiles, load_config())
    assert r.n_priced == 1
    reasons = dict(zip(r.errors["order_id"], r.errors["reason"]))
    rows = dict(zip(r.errors["order_id"], r.errors["row"]))
    assert reasons["b"] == "unknown symbol 'NOPE': no liquidity profile for it"
    assert reasons["c"].startswith("no volume at all in the 20-day lookback ending 2025-03-28")
    assert reasons["d"].startswith("no volatility estimate")
    assert reasons["e"].startswith("no spread estimate")
    assert reasons["f"].startswith("side 'hold' is neither buy nor sell") and rows["f"] == 6
    assert reasons["g"].startswith("qty 0 is not above zero") and rows["g"] == 7
    assert "order_id 'a' is also on row 1" in r.errors.filter(pl.col("row") == 8)["reason"][0]
    assert r.partial and len(r.problems) == 7 and str(r.problems[0]).startswith("orders row 2 (order b): unknown symbol")
    status = dict(zip(r.orders["order_id"], r.orders["status"]))
    assert status == {"a": "ok", "b": "error", "c": "error", "d": "error", "e": "error"}


def test_missing_columns_are_clear_errors():
    with pytest.raises(OrderError, match="missing qty"):
        pretrade(pl.DataFrame({"symbol": ["XYZ"], "side": [1]}), _profile(), load_config())
    with pytest.raises(SchemaError, match="missing column 'daily_volume_shares'"):
        pretrade(_orders(("XYZ", 1, 10)), _profile().drop("daily_volume_shares"), load_config())


def test_flags_fire_with_reasons_and_severities():
    vols = [0.0] * 8 + [5000.0] * 12
    prof = _profile(
        symbol="PNY", price_px=2.0, shares_outstanding=None, market_cap_usd=None, spread_bps=650.0, source="bars",
        lookback_days=20, daily_volume_shares=vols, zero_volume_days=8, adv_shares=3000.0, mdv_shares=5000.0,
        asof_date=dt.date(2025, 2, 14),
    )
    orders = pl.DataFrame(
        {"order_id": ["p1"], "symbol": ["PNY"], "side": [1], "qty": [2000.0], "limit_price": [2.01],
         "start": [dt.datetime(2025, 3, 31, 14, 0, tzinfo=dt.UTC)], "end": [dt.datetime(2025, 3, 31, 14, 30, tzinfo=dt.UTC)]},
        schema_overrides={"start": pl.Datetime("ns", "UTC"), "end": pl.Datetime("ns", "UTC")},
    )
    r = pretrade(orders, prof, load_config(), asof=dt.date(2025, 3, 31))
    f = {row["flag"]: row for row in r.flags.iter_rows(named=True)}
    assert f["size_adv"]["severity"] == "critical" and f["size_adv"]["value"] == pytest.approx(2000 / 3000)
    assert f["size_mdv"]["severity"] == "warn"
    assert f["wide_spread"]["severity"] == "critical" and "650 bps" in f["wide_spread"]["message"]
    assert f["penny_price"]["severity"] == "warn"
    assert f["market_cap_unknown"]["severity"] == "info"
    assert f["zero_volume_days"]["severity"] == "critical" and f["zero_volume_days"]["value"] == pytest.approx(0.4)
    # 2025-02-14 -> 2025-03-31: 31 weekdays, less Washington's Birthday (2025-02-17)
    assert f["stale_data"]["severity"] == "critical" and f["stale_data"]["value"] == 30
    assert f["bars_only"]["severity"] == "info"
    assert f["turnover_fallback"]["severity"] == "info"
    assert f["limit_price"]["severity"] == "warn" and f["limit_price"]["value"] == pytest.approx(50.0)
    # 30 minutes = 1/13 of a session for 2,000 shares of a 3,000-share ADV: 8.7x the volume
    assert f["window_too_short"]["severity"] == "critical"
    assert f["window_too_short"]["value"] == pytest.approx(2000 / (3000 / 13))
    assert r.orders["severity"][0] == "critical"
    assert r.orders["duration_days"][0] == pytest.approx(1 / 13)
    # few days
    r2 = pretrade(_orders(("XYZ", 1, 100)), _profile(lookback_days=5, daily_volume_shares=[200_000.0] * 5), load_config())
    assert "few_days" in r2.flags["flag"].to_list()
    assert r2.flags.filter(pl.col("flag") == "few_days")["severity"][0] == "warn"


def test_stressed_bucket_uses_the_quiet_week():
    # 12 normal days and a quiet stretch of 8: ADV-based days are short, but the stressed week sinks it
    vols = [100_000.0] * 12 + [500.0] * 8
    prof = _profile(daily_volume_shares=vols, adv_shares=float(np.mean(vols)), mdv_shares=100_000.0)
    cfg = load_config()
    r = pretrade(_orders(("XYZ", "sell", 30_000)), prof, cfg).orders.row(0, named=True)
    stress = stressed_volume(vols, cfg.pretrade.stress_window_days, cfg.pretrade.stress_volume_quantile_frac)
    assert r["days_stressed"] == pytest.approx(30_000 / 0.1 / stress)
    assert r["expected_days"] <= 7
    assert r["liquidity_bucket"] == "not_sellable_stressed"


def test_per_order_cap_and_quoted_spread_fallback():
    orders = pl.DataFrame({"order_id": ["a", "b"], "symbol": ["XYZ", "XYZ"], "side": [1, 1], "qty": [60_000.0, 60_000.0],
                           "max_participation": [0.3, None]})
    cfg = load_config(overrides={"impact.half_spread_from": "quoted"})
    r = pretrade(orders, _profile(), cfg)
    a, b = r.orders.row(0, named=True), r.orders.row(1, named=True)
    assert a["cap_frac"] == 0.3 and b["cap_frac"] == 0.1
    assert a["expected_days"] == pytest.approx(1.0) and b["expected_days"] == pytest.approx(3.0)
    assert a["cost_almgren2005_bps"] > b["cost_almgren2005_bps"]  # trading faster costs more temporary impact
    assert a["cost_sqrt_bps"] > b["cost_sqrt_bps"]  # so does the square-root law's temporary share (its POV factor)
    assert "spread_fallback" in r.flags["flag"].to_list()
    q = pretrade(orders, _profile(quoted_spread_bps=80.0), cfg).orders
    assert q["half_spread_bps"].to_list() == [40.0, 40.0]


def test_central_median_and_model_subset():
    cfg = load_config(overrides={"impact.models": ["sqrt", "istar", "log"], "impact.central": "median"})
    t = pretrade(_orders(("XYZ", 1, 100_000)), _profile(), cfg).orders.row(0, named=True)
    assert t["cost_central_bps"] == pytest.approx(np.median([t["cost_sqrt_bps"], t["cost_istar_bps"], t["cost_log_bps"]]))
    assert "cost_almgren2005_bps" not in t


# -------------------------------------------------------------------------------------------- portfolio
def test_portfolio_tables_add_up(truth_profiles):
    cfg = load_config()
    orders = _orders(("THNA", -1, 30_000), ("THNB", -1, 8_000), ("THND", -1, 5_000), ("THNE", -1, 2_500), ("THNC", -1, 1_000))
    r = pretrade(orders, truth_profiles, cfg)
    s = r.portfolio["summary"].row(0, named=True)
    t = r.orders
    assert s["n_priced"] == 5 and s["n_errors"] == 0
    assert s["gross_notional_usd"] == pytest.approx(t["notional_usd"].sum())
    assert s["net_notional_usd"] == pytest.approx(-t["notional_usd"].sum())
    assert s["cost_central_usd"] == pytest.approx(t["cost_central_usd"].sum())
    assert s["cost_low_usd"] <= s["cost_central_usd"] <= s["cost_high_usd"]
    assert s["cost_central_bps"] == pytest.approx(s["cost_central_usd"] / s["gross_notional_usd"] * 1e4)
    bucket_share = sum(v for k, v in s.items() if k.startswith("notional_") and k.endswith("_frac"))
    assert bucket_share == pytest.approx(1.0)
    liq = r.portfolio["liquidation"]
    assert liq.height == len(cfg.pretrade.liquidation_fracs) * len(cfg.pretrade.liquidation_days)
    full = liq.filter((pl.col("book_frac") == 1.0) & (pl.col("horizon_days") == 1)).row(0, named=True)
    need = t["qty_shares"] / t["adv_shares"]
    assert full["max_participation_frac"] == pytest.approx(need.max())
    assert full["n_orders_above_cap"] == int((need > 0.1).sum())
    # every model prices the speed: selling the whole book in one day costs more than at the caps, and the
    # liquidation cost falls as the horizon lengthens
    assert full["cost_central_usd"] > s["cost_central_usd"]
    whole = liq.filter(pl.col("book_frac") == 1.0).sort("horizon_days")["cost_central_usd"].to_numpy()
    assert np.all(np.diff(whole) < 0)
    lad = r.portfolio["ladder"]
    for col in ("notional_done_prob_frac", "notional_done_adv_frac"):
        v = lad[col].to_numpy()
        assert np.all((v >= 0) & (v <= 1 + 1e-12)) and np.all(np.diff(v) >= -1e-12)
    least = r.portfolio["least_liquid"]
    assert least["expected_days"].to_list() == sorted(t["expected_days"].to_list(), reverse=True)


def test_liquidation_cost_follows_the_horizon_for_rate_dependent_models(truth_profiles):
    cfg = load_config(overrides={"impact.central": "almgren2005"})
    r = pretrade(_orders(("THNA", -1, 30_000), ("THNB", -1, 8_000)), truth_profiles, cfg)
    liq = r.portfolio["liquidation"].filter(pl.col("book_frac") == 0.5).sort("horizon_days")
    c = liq["cost_central_bps"].to_numpy()
    assert np.all(np.diff(c) != 0)  # Almgren et al. depend on the trading rate


# ------------------------------------------------------------------------------------------- cost curve
def test_cost_curve(truth_profiles):
    cfg = load_config()
    row = truth_profiles.filter(pl.col("symbol") == "THND")
    c = cost_curve(row, cfg)
    assert c.height == cfg.pretrade.curve_points
    assert c["size_frac_adv"][0] == pytest.approx(0.001) and c["size_frac_adv"][-1] == pytest.approx(2.0)
    for col in ("cost_central_bps", "cost_low_bps", "cost_high_bps", "expected_days"):
        assert np.all(np.diff(c[col].to_numpy()) >= -1e-9), col
    half = row["spread_bps"][0] / 2
    # a tiny order pays about the half-spread: its impact is small next to the large orders'
    assert 0 < c["cost_crossover_bps"][0] - half < 0.02 * (c["cost_crossover_bps"][-1] - half)
    custom = cost_curve(row, cfg, sizes_frac_adv=[0.01, 0.1, 1.0], side=-1)
    assert custom["qty_shares"].to_list() == pytest.approx([0.01 * row["adv_shares"][0], 0.1 * row["adv_shares"][0], row["adv_shares"][0]])


# ------------------------------------------------------------------------------------ profiles from data
def test_bars_only_profile_from_a_dataset(tmp_path):
    """A dataset with daily bars only gives bars-only profiles whose volumes are the truth's."""
    from liqcost.io.ingest import ingest_file

    cfg = load_config()
    ingest_file(SAMPLE / "raw" / "bars.csv", "bars", tmp_path / "ds", cfg)
    truth = json.loads((SAMPLE / "truth" / "ground_truth.json").read_text())["symbols"]
    p = profiles_for(tmp_path / "ds", ["THNA", "THNE", "NOPE"], cfg)
    assert p["symbol"].to_list() == ["THNA", "THNE"]
    for row in p.iter_rows(named=True):
        t = truth[row["symbol"]]
        assert row["source"] == "bars" and row["lookback_days"] == 20 and row["asof_date"] == ASOF
        assert row["adv_shares"] == pytest.approx(t["adv_shares"])
        assert row["mdv_shares"] == pytest.approx(t["mdv_shares"])
        assert row["zero_volume_days"] == round(t["zero_volume_frac"] * 20)
        assert len(row["daily_volume_shares"]) == 20
        assert row["volatility_daily_frac"] == pytest.approx(t["volatility_daily_frac"], rel=0.5)
        assert row["spread_bps"] > 0
        assert row["market_cap_usd"] == pytest.approx(row["price_px"] * t["shares_outstanding"])
    # an earlier as-of date moves the window
    early = profiles_for(tmp_path / "ds", ["THNA"], cfg, asof=dt.date(2025, 3, 14))
    assert early["asof_date"][0] == dt.date(2025, 3, 14)


def test_profiles_for_the_sample_dataset():
    """Ticks and bars together: the merged profile's volumes are the truth's."""
    from liqcost.schema import PROFILE, check_frame

    cfg = load_config()
    truth = json.loads((SAMPLE / "truth" / "ground_truth.json").read_text())["symbols"]
    p = profiles_for(SAMPLE / "dataset", ["THNA", "THND", "NOPE"], cfg)
    check_frame(p, PROFILE)
    assert sorted(p["symbol"].to_list()) == ["THNA", "THND"]
    for row in p.iter_rows(named=True):
        t = truth[row["symbol"]]
        assert row["source"] == "ticks+bars"
        assert row["adv_shares"] == pytest.approx(t["adv_shares"], rel=1e-9)
        assert row["mdv_shares"] == pytest.approx(t["mdv_shares"], rel=1e-9)
        assert row["asof_date"] == ASOF
        assert 0 < row["spread_bps"] < 2000 and 0 < row["volatility_daily_frac"] < 0.2
    early = profiles_for(SAMPLE / "dataset", ["THNA"], cfg, asof=dt.date(2025, 3, 14))
    assert early["asof_date"][0] == dt.date(2025, 3, 14)


def test_profile_files_round_trip(tmp_path, truth_profiles):
    truth_profiles.write_parquet(tmp_path / "prof.parquet")
    assert read_profile_file(tmp_path / "prof.parquet").equals(truth_profiles)
    # a multi-table output written as -o out.parquet lands in out.profile.parquet
    truth_profiles.write_parquet(tmp_path / "out.profile.parquet")
    assert read_profile_file(tmp_path / "out.parquet").height == truth_profiles.height
    # CSV joins the daily-volume list with ';' (liqcost.cli.output)
    flat = truth_profiles.with_columns(pl.col("daily_volume_shares").cast(pl.List(pl.String)).list.join(";"))
    flat.write_csv(tmp_path / "prof.csv")
    back = read_profile_file(tmp_path / "prof.csv")
    assert back["daily_volume_shares"].to_list() == truth_profiles["daily_volume_shares"].to_list()
    (tmp_path / "prof.json").write_text(json.dumps({"profile": truth_profiles.to_dicts()}, default=str))
    assert read_profile_file(tmp_path / "prof.json")["adv_shares"].to_list() == truth_profiles["adv_shares"].to_list()

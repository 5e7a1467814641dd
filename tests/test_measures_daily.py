"""Daily metrics: day grid and zero-volume days, invariances, identities, audit table, calendar."""

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference.frames import quotes_frame, random_days, trades_frame, ts

from liqcost.config import load_config
from liqcost.errors import NoDataError, SchemaError
from liqcost.measures.daily import daily_metrics, nyse_holidays, trading_grid
from liqcost.measures.ticks import TickParams, session_bounds_ns
from liqcost.schema import DAILY, check_frame

MON = dt.date(2025, 3, 3)
DAYS = [MON + dt.timedelta(days=i) for i in range(12) if (MON + dt.timedelta(days=i)).weekday() < 5]


@pytest.fixture(scope="module")
def frames():
    # AAA trades every day but Wednesday 5th (quotes only); BBB has no data at all on Tuesday 11th
    t, q = random_days(["AAA", "BBB"], DAYS, seed=1, skip={("AAA", dt.date(2025, 3, 5))})
    drop = (pl.col("symbol") == "BBB") & (pl.col("ts").dt.convert_time_zone("America/New_York").dt.date()
                                          == dt.date(2025, 3, 11))
    return t.filter(~drop), q.filter(~drop)


@pytest.fixture(scope="module")
def result(frames, tmp_path_factory):
    out = tmp_path_factory.mktemp("audit") / "trades.parquet"
    return daily_metrics(load_config(), trades=frames[0], quotes=frames[1], trades_out=out)


def _sym(daily, s):
    return daily.filter(pl.col("symbol") == s).sort("date")


def test_contract_and_grid(result):
    d = result.daily
    check_frame(d, DAILY)
    for s in ("AAA", "BBB"):
        assert _sym(d, s)["date"].to_list() == DAYS  # weekends left out, every weekday present


def test_no_trade_day_with_quotes_keeps_quoted_spread(result):
    row = _sym(result.daily, "AAA").filter(pl.col("date") == dt.date(2025, 3, 5)).row(0, named=True)
    assert row["volume_shares"] == 0 and row["n_trades"] == 0 and row["zero_volume"]
    assert np.isfinite(row["quoted_spread_bps"]) and row["quoted_spread_bps"] > 0
    assert np.isnan(row["effective_spread_bps"]) and np.isnan(row["vwap_px"])
    assert sum(row["volume_bins_shares"]) == 0


def test_day_without_any_data_is_a_zero_volume_day(result):
    row = _sym(result.daily, "BBB").filter(pl.col("date") == dt.date(2025, 3, 11)).row(0, named=True)
    assert row["volume_shares"] == 0 and row["n_quotes"] == 0 and row["zero_volume"]
    assert np.isnan(row["quoted_spread_bps"])


def test_identities_in_the_aggregates(result):
    d = result.daily.filter(pl.col("n_trades") > 0)
    for lab in TickParams().horizon_labels:
        # realized and impact are share-weighted over the same trades: their sum is the effective spread there
        r = d[f"realized_spread_{lab}_bps"].to_numpy()
        i = d[f"price_impact_{lab}_bps"].to_numpy()
        assert np.isfinite(r).all()
        audit = pl.read_parquet(result.trades_path).filter(pl.col(f"realized_spread_{lab}_bps").is_not_nan())
        eff = audit.group_by("symbol", "date").agg(
            ((pl.col("effective_spread_bps") * pl.col("size")).sum() / pl.col("size").sum()).alias("e"))
        j = d.join(eff, on=["symbol", "date"])
        np.testing.assert_allclose(j[f"realized_spread_{lab}_bps"] + j[f"price_impact_{lab}_bps"], j["e"],
                                   rtol=1e-10, atol=1e-9)
        assert (i == i).all()


def test_audit_table_matches_daily(result):
    a = pl.read_parquet(result.trades_path)
    assert a.height == result.n_trades
    lab = "5s"
    np.testing.assert_allclose(
        (a[f"realized_spread_{lab}_bps"] + a[f"price_impact_{lab}_bps"]).drop_nans().to_numpy(),
        a.filter(pl.col(f"realized_spread_{lab}_bps").is_not_nan())["effective_spread_bps"].to_numpy(),
        rtol=0, atol=1e-9)
    np.testing.assert_allclose(a[f"markout_{lab}_bps"].drop_nans().to_numpy(),
                               -a[f"realized_spread_{lab}_bps"].drop_nans().to_numpy() / 2, rtol=1e-12, atol=1e-12)
    ok = pl.col("effective_spread_bps").is_not_nan()
    agg = a.filter(pl.col("trade_class") == "continuous").group_by("symbol", "date").agg(
        ((pl.col("effective_spread_bps") * pl.col("size")).filter(ok).sum() / pl.col("size").filter(ok).sum()).alias("e"),
        pl.col("size").sum().alias("v"))
    j = result.daily.join(agg, on=["symbol", "date"])
    np.testing.assert_allclose(j["effective_spread_bps"], j["e"], rtol=1e-12)
    np.testing.assert_allclose(j["volume_shares"], j["v"], rtol=1e-12)
    assert set(a["sign_rule"].unique()) <= {"unsigned", "feed", "quote", "tick", "zero_tick"}
    assert (a["quote_age_ns"].drop_nulls() > 0).all()  # strictly before


def test_invariant_to_other_symbols_row_order_workers_and_batching(frames, result):
    t, q = frames
    base = _sym(result.daily, "AAA")
    alone = daily_metrics(load_config(), trades=t.filter(pl.col("symbol") == "AAA"),
                          quotes=q.filter(pl.col("symbol") == "AAA")).daily
    shuffled = daily_metrics(load_config(overrides={"engine.batch_rows": 1000}), trades=t.sample(fraction=1.0, seed=3),
                             quotes=q.sample(fraction=1.0, seed=4), workers=2).daily
    serial = daily_metrics(load_config(), trades=t, quotes=q, workers=1).daily
    for other in (alone, _sym(shuffled, "AAA"), _sym(serial, "AAA")):
        assert other.drop("volume_bins_shares", "kyle_ols_sums").equals(
            base.drop("volume_bins_shares", "kyle_ols_sums"), null_equal=True) or _frames_equal(other, base)


def _frames_equal(a, b):
    assert a.columns == b.columns
    for c in a.columns:
        x, y = a[c], b[c]
        if x.dtype == pl.Float64:
            np.testing.assert_array_equal(x.to_numpy(), y.to_numpy(), err_msg=c)
        else:
            assert x.to_list() == y.to_list(), c
    return True


def test_selection_and_errors(frames):
    t, q = frames
    d = daily_metrics(load_config(), trades=t, quotes=q, symbols=["BBB"], start=dt.date(2025, 3, 4),
                      end=dt.date(2025, 3, 6)).daily
    assert d["symbol"].unique().to_list() == ["BBB"]
    assert d["date"].to_list() == [dt.date(2025, 3, 4), dt.date(2025, 3, 5), dt.date(2025, 3, 6)]
    with pytest.raises(NoDataError, match="ZZZ"):
        daily_metrics(load_config(), trades=t, quotes=q, symbols=["ZZZ"])
    with pytest.raises(SchemaError, match="price"):
        daily_metrics(load_config(), trades=t.drop("price"), quotes=q)


def test_session_filter_auctions_and_invalid_prints():
    d = dt.date(2025, 3, 3)
    t = trades_frame([
        ("X", ts(d, 9, 0), 10.0, 500),  # pre-market: excluded
        ("X", ts(d, 9, 30), 10.0, 1000, 0, 1),  # opening auction
        ("X", ts(d, 10, 0), 10.05, 100),
        ("X", ts(d, 11, 0), -1.0, 100),  # bad print
        ("X", ts(d, 12, 0), 9.95, 200),
        ("X", ts(d, 16, 0, 0.5), 10.0, 3000, 0, 2),  # closing cross stamped after the close
        ("X", ts(d, 17, 0), 10.2, 100),  # after hours
    ])
    q = quotes_frame([("X", ts(d, 9, 29), 9.95, 10.05, 100.0, 100.0)])
    row = daily_metrics(load_config(), trades=t, quotes=q).daily.row(0, named=True)
    assert row["n_trades"] == 4 and row["n_trades_continuous"] == 2 and row["n_trades_excluded"] == 3
    assert row["volume_shares"] == 4300 and row["open_auction_shares"] == 1000 and row["close_auction_shares"] == 3000
    assert row["close_px"] == 10.0 and row["open_px"] == 10.0
    assert row["effective_spread_bps"] == pytest.approx((100 * 2 * 0.05 / 10 + 200 * 2 * 0.05 / 10) / 300 * 1e4)


def test_quote_lag_and_match_options_change_the_match():
    d = dt.date(2025, 3, 3)
    t = trades_frame([("X", ts(d, 10, 0, 10), 10.10, 100)])
    q = quotes_frame([("X", ts(d, 10, 0, 0), 9.90, 10.10, 100.0, 100.0),
                      ("X", ts(d, 10, 0, 9.5), 10.00, 10.20, 100.0, 100.0),
                      ("X", ts(d, 10, 0, 10), 10.10, 10.30, 100.0, 100.0)])
    eff = lambda **o: daily_metrics(load_config(overrides=o), trades=t, quotes=q).daily["effective_spread_bps"][0]
    assert eff() == pytest.approx(0.0, abs=1e-9)  # strictly before: quote at 9.5 s, mid 10.10 -> at the mid
    assert eff(**{"measures.quote_match": "at_or_before"}) == pytest.approx(2 * 0.10 / 10.20 * 1e4)  # sells at bid
    assert eff(**{"measures.quote_lag_s": 1.0}) == pytest.approx(2 * 0.10 / 10.0 * 1e4)  # quote of 10:00:00


def test_nyse_holidays_known_dates():
    assert nyse_holidays(2024) == {dt.date(2024, m, d) for m, d in [(1, 1), (1, 15), (2, 19), (3, 29), (5, 27), (6, 19),
                                                                    (7, 4), (9, 2), (11, 28), (12, 25)]}
    assert dt.date(2022, 12, 26) in nyse_holidays(2022) and dt.date(2021, 12, 24) in nyse_holidays(2021)
    assert dt.date(2021, 12, 31) not in nyse_holidays(2021)  # New Year 2022 on a Saturday is not observed
    assert dt.date(2012, 10, 29) in nyse_holidays(2012)
    grid = trading_grid(dt.date(2024, 7, 1), dt.date(2024, 7, 8), [0, 1, 2, 3, 4], nyse_holidays(2024))
    assert dt.date(2024, 7, 4) not in grid and len(grid) == 5


def test_holiday_is_not_a_zero_volume_day():
    t, q = random_days(["X"], [dt.date(2024, 7, 3), dt.date(2024, 7, 5)], seed=2, trades_per_day=5, quotes_per_day=5)
    d = daily_metrics(load_config(), trades=t, quotes=q).daily
    assert d["date"].to_list() == [dt.date(2024, 7, 3), dt.date(2024, 7, 5)]
    d2 = daily_metrics(load_config(overrides={"session.holiday_calendar": "none"}), trades=t, quotes=q).daily
    assert d2.height == 3 and d2["zero_volume"].to_list() == [False, True, False]


def test_session_bounds_follow_daylight_saving():
    o, c = session_bounds_ns([dt.date(2025, 3, 7), dt.date(2025, 3, 10)], TickParams())
    hours = [(x // 10**9 % 86400) / 3600 for x in o]
    assert hours == [14.5, 13.5]
    assert (c - o == 6.5 * 3600 * 10**9).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 900), st.integers(0, 400)), min_size=1, max_size=12),
       st.sampled_from(["America/New_York", "Europe/London"]))
def test_symbol_grids_equal_each_symbols_own_grid(spans, tz):
    """The one exchange grid cut per symbol gives each symbol the days trading_grid gives it on its own."""
    from liqcost.calendar import holidays_for
    from liqcost.measures.daily import _symbol_grids

    cfg = load_config(overrides={"session.timezone": tz, "session.holidays": [dt.date(2024, 7, 5)]})
    base = dt.date(2023, 12, 20)
    frame = pl.DataFrame({"symbol": [f"S{i}" for i in range(len(spans))],
                          "first": [base + dt.timedelta(days=a) for a, _ in spans],
                          "last": [base + dt.timedelta(days=a + b) for a, b in spans]})
    got = _symbol_grids(frame, cfg)
    want = [(s, d) for s, f, l in frame.iter_rows()
            for d in trading_grid(f, l, cfg.session.trading_days, holidays_for(cfg, f, l))]
    assert list(got.iter_rows()) == want
    assert got.schema == {"symbol": pl.String, "date": pl.Date}

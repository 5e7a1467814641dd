"""The Python front door (``import liqcost as lc``): frames or files in, results on one protocol out."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

import liqcost as lc
from liqcost.cli import cli
from liqcost.config import load_config
from liqcost.errors import ConfigError, DeprecatedKeyWarning, UsageError
from liqcost.result import Result

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "sample_data" / "dataset"
ORDERS = ROOT / "sample_data" / "orders.csv"


@pytest.fixture(scope="module")
def prof():
    return lc.profile(DATA, symbols=["THNA", "THNB", "THND"], tables="profile")


@pytest.fixture(scope="module")
def ticks():
    from liqcost.io.dataset import Dataset

    ds = Dataset(DATA)
    return ds.scan("trades", ["THNB"]), ds.scan("quotes", ["THNB"]).collect()  # a LazyFrame and a DataFrame


def test_results_follow_the_protocol(prof):
    book = lc.pretrade(ORDERS, profile=prof.profile)
    one = lc.pretrade(symbol="THNA", side="sell", qty=3000, profile=prof.profile)
    p = lc.plan(symbol="THNA", side="buy", qty=3000, profile=prof.profile)
    curve = lc.pretrade(symbol="THNA", curve=True, profile=prof.profile)
    for r in (prof, book, one, p, curve):
        assert isinstance(r, Result)
        assert isinstance(r.summary(), pl.DataFrame) and r.summary().height
        assert all(isinstance(t, pl.DataFrame) for t in r.tables().values())
        text = str(r)
        assert text == r.to_text() and text.strip()
        for name, frame in r.display_tables().items():  # str() shows the display tables, headers and all
            assert frame.columns[0] in text
            if len(r.display_tables()) > 1:
                assert name in text
    assert list(book.tables())[:2] == ["orders", "flags"] and "least_liquid" in book.tables()
    assert book.summary().columns[:3] == ["order_id", "symbol", "side"] and set(book.summary()["side"]) == {"buy", "sell"}
    assert list(one.tables()) == ["order", "models", "flags"] and one.summary()["side"][0] == "sell"
    assert p.summary()["status"][0] == "planned" and p.tranches["qty_shares"].sum() == 3000


def test_the_terminal_shows_the_display_tables():
    r = CliRunner().invoke(cli, ["-q", "pretrade", "--data", DATA, "--orders", ORDERS])
    assert r.exit_code == 0, r.output
    res = lc.pretrade(ORDERS, data=DATA)
    for name, frame in res.display_tables().items():
        assert name in r.stdout
        for col in frame.columns[:3]:
            assert col in r.stdout


def test_frames_and_lazyframes_in(prof, ticks):
    trades, quotes = ticks
    orders = pl.LazyFrame({"symbol": ["THNB", "THNB"], "side": ["buy", "SELL"], "qty": [400, 700]})
    # profiles given as a frame or as the file written from it: the same prices
    a = lc.pretrade(orders, profile=prof.profile)
    assert a.summary()["order_id"].to_list() == ["THNB-1", "THNB-2"]  # default ids: SYMBOL-ROW
    # the planner fits the fill model on the frames' ticks and takes their last quote
    p = lc.plan(orders.head(1), profile=prof.profile, trades=trades, quotes=quotes, start=dt.date(2025, 3, 31))
    assert set(p.fill_models) == {"THNB"} and (p.tranches["limit_rule"] != "cross").any()
    q = quotes.sort("ts").row(-1, named=True)
    assert p.tranches["ref_bid_px"][0] == q["bid"] and p.tranches["ref_ask_px"][0] == q["ask"]
    # profiles built from frames
    built = lc.profile(trades=trades, quotes=quotes)
    assert built.profile["symbol"].to_list() == ["THNB"] and built.daily.height == 20


def test_profile_file_and_frame_price_alike(prof, tmp_path):
    path = tmp_path / "prof.parquet"
    prof.profile.write_parquet(path)
    a = lc.pretrade(symbol="THND", side="sell", qty=900, profile=path)
    b = lc.pretrade(symbol="THND", side="sell", qty=900, profile=prof.profile)
    assert_frame_equal(a.orders, b.orders)


def test_usage_errors_from_python(prof):
    with pytest.raises(UsageError, match="exactly one of --data DATASET or --profile FILE"):
        lc.pretrade(symbol="THNA", side="buy", qty=100)
    with pytest.raises(UsageError, match="order THNA-1: qty 0 is not above zero"):
        lc.plan(symbol="THNA", side="buy", qty=0, profile=prof.profile)
    with pytest.raises(UsageError, match="not both"):
        lc.plan(ORDERS, symbol="THNA", side="buy", qty=1, profile=prof.profile)


def test_fractional_policy_is_one_for_both(prof, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("orders:\n  fractional_shares: round_down\n")
    book = pl.DataFrame({"order_id": ["x", "y"], "symbol": ["THNA", "THNA"], "side": ["buy", "buy"], "qty": [1500.7, 0.4]})
    a = lc.pretrade(book, profile=prof.profile, config=cfg)
    b = lc.plan(book, profile=prof.profile, config=cfg, start=dt.date(2025, 3, 31))
    assert a.summary()["qty_shares"].to_list() == [1500.0]
    assert b.summary().filter(pl.col("order_id") == "x")["qty_shares"].to_list() == [1500]
    assert [str(p) for p in a.problems] == [str(p) for p in b.problems] == [
        "orders row 2 (order y): qty 0.4 rounds down to zero shares; give one share or more"]
    assert any("rounded down to whole shares" in n for n in a.notes) and any("rounded down" in n for n in b.notes)


# ------------------------------------------------------------------------------------ renamed config keys
def test_old_config_keys_still_work_with_a_warning(tmp_path):
    old = tmp_path / "old.yaml"
    old.write_text("measures:\n  profile_interval_min: 15\nplanner:\n  fill_tod_edge_min: 45\n  fill_horizons_min: [5, 30]\n")
    with pytest.warns(DeprecatedKeyWarning) as caught:
        cfg = load_config(old)
    texts = [str(w.message) for w in caught]
    assert any("measures.profile_interval_min is renamed measures.profile_interval_minutes" in t for t in texts)
    assert any("planner.fill_tod_edge_min is renamed planner.fill_tod_edge_minutes" in t for t in texts)
    assert any("planner.fill_horizons_min is renamed planner.fill_horizons_minutes" in t for t in texts)
    assert cfg.measures.profile_interval_minutes == 15 and cfg.planner.fill_tod_edge_minutes == 45
    assert cfg.planner.fill_horizons_minutes == [5.0, 30.0]
    assert cfg.measures.profile_interval_min == 15  # the old attribute reads the new key for one release
    both = tmp_path / "both.yaml"
    both.write_text("planner:\n  fill_tod_edge_min: 45\n  fill_tod_edge_minutes: 50\n")
    with pytest.raises(ConfigError, match="keep only planner.fill_tod_edge_minutes"):
        load_config(both)
    # the command line shows it as a one-line warning
    r = CliRunner().invoke(cli, ["--config", str(old), "config", "check", str(old)])
    assert "Warning: " in r.stderr and "is renamed" in r.stderr, r.output


def test_the_new_keys_give_no_warning(tmp_path):
    new = tmp_path / "new.yaml"
    new.write_text("planner:\n  fill_tod_edge_minutes: 45\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecatedKeyWarning)
        assert load_config(new).planner.fill_tod_edge_minutes == 45

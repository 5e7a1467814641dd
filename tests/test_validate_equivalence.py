"""The fast validation keeps exactly the rows, order and reasons of the old one (tests/reference/validate.py).

Random frames of every kind (sorted, in per-symbol runs, interleaved, shuffled; with duplicates, bad prints,
NaN and negative values, reader reasons, raw columns), and the sample and real data as the readers give
them. The rules added since (time window, price and size bounds) are switched off here, so any difference
is a regression; they have their own tests.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
from conftest import SAMPLE_DATA, require_shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from reference.validate import validate_reference

from liqcost.config import Config, IngestConfig, TimeWindow, TimeWindows
from liqcost.io.ingest import _ingest_rules, read_source
from liqcost.io.mapping import Mapping
from liqcost.io.validate import validate

WIDE = TimeWindow(earliest=dt.date(1678, 1, 1), latest=dt.date(2261, 12, 31))
OLD_RULES = IngestConfig(
    max_price_px=None, max_size_shares=None,
    time_window=TimeWindows(trades=WIDE, quotes=WIDE, bars=WIDE, fills=WIDE, orders=WIDE),
)
TZ = "America/New_York"
T0 = 1_741_000_000_000_000_000  # 2025-03-03, ns


def as_old_reader_output(frame: pl.DataFrame) -> pl.DataFrame:
    """The new reader's ``_raw_*`` columns (typed, or Null = the parsed value) as the old reader's text."""
    cols = []
    for c in frame.columns:
        if c.startswith("_raw_"):
            src = pl.col(c[len("_raw_"):]) if frame.schema[c] == pl.Null else pl.col(c)
            cols.append(src.cast(pl.String).alias(c))
        else:
            cols.append(pl.col(c))
    return frame.select(cols)


def assert_same(frame: pl.DataFrame, kind: str, rules=OLD_RULES, keep_row: bool = False):
    new = validate(frame, kind, "src", rules, TZ, keep_row=keep_row)
    old = validate_reference(as_old_reader_output(frame), kind, "src", rules, TZ, keep_row=keep_row)
    assert_frame_equal(new.clean, old["clean"])
    assert_frame_equal(new.quarantine, old["quarantine"])
    assert new.reasons == old["reasons"]
    assert new.sorted_rows == old["sorted_rows"]
    assert new.locked_quotes == old["locked"]
    return new


# ------------------------------------------------------------------------------------ random frames

ORDERS_OF_ROWS = st.sampled_from(["sorted", "runs", "interleaved", "shuffled", "as_drawn"])


def _arrange(frame: pl.DataFrame, how: str, key: str, time: str | None, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    if how == "sorted":
        frame = frame.sort([key] + ([time] if time else []), maintain_order=True)
    elif how == "runs":  # one run per key, the runs in a random order, each run in time order
        keys = frame.get_column(key).unique(maintain_order=True).to_list()
        rng.shuffle(keys)
        parts = [frame.filter(pl.col(key) == k) for k in keys]
        parts = [p.sort(time, maintain_order=True) if time else p for p in parts]
        nulls = frame.filter(pl.col(key).is_null())
        frame = pl.concat(parts + [nulls]) if parts else nulls
    elif how == "interleaved" and time:
        frame = frame.sort(time, maintain_order=True)
    elif how == "shuffled":
        frame = frame[rng.permutation(frame.height)]
    return frame.with_row_index("_row", offset=2).with_columns(pl.col("_row").cast(pl.Int64))


def _reader_reasons(frame: pl.DataFrame, flags: list[bool]) -> pl.DataFrame:
    reason = pl.Series("_reason", ["unparseable price 'x'" if f else None for f in flags], dtype=pl.String)
    return frame.with_columns(reason)


PRICE = st.sampled_from([10.0, 10.0, 10.01, 10.02, 9.99, 10.0, 10.01, 30.0, 1.0, 0.0, -1.0, math.nan, math.inf])
SIZE = st.sampled_from([100.0, 100.0, 200.0, 1.0, 0.0, -5.0, math.nan])
SYM = st.sampled_from(["A", "B", "C", "BB", "a"])
TSI = st.integers(0, 12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(SYM, TSI, PRICE, SIZE, st.booleans(), st.sampled_from(["X", "Y", None])), min_size=1, max_size=60),
       how=ORDERS_OF_ROWS, seed=st.integers(0, 2**16), raw=st.booleans(), window=st.sampled_from([3, 5, 21]))
def test_random_trades(rows, how, seed, raw, window):
    frame = pl.DataFrame(
        {"symbol": [r[0] for r in rows], "ts": [T0 + r[1] * 1_000_000 for r in rows], "price": [r[2] for r in rows],
         "size": [r[3] for r in rows], "venue": [r[5] for r in rows]},
        schema={"symbol": pl.String, "ts": pl.Int64, "price": pl.Float64, "size": pl.Float64, "venue": pl.String},
    ).with_columns(pl.col("ts").cast(pl.Datetime("ns", "UTC")))
    frame = _arrange(frame, how, "symbol", "ts", seed)
    frame = _reader_reasons(frame, [r[4] and r[2] == 1.0 for r in rows])
    if raw:  # as the generic reader gives them: typed raw values, and Null where the parsed value is the raw one
        frame = frame.with_columns(pl.lit(None).alias("_raw_symbol"), pl.lit(None).alias("_raw_ts"),
                                   pl.col("price").cast(pl.String).alias("_raw_price"), pl.lit(None).alias("_raw_size"))
    rules = OLD_RULES.model_copy(update={"bad_print_window": window})
    assert_same(frame, "trades", rules)
    assert_same(frame, "trades", rules.model_copy(update={"duplicates": "keep", "bad_print_max_deviation_frac": None}))


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(SYM, TSI, PRICE, PRICE, SIZE, SIZE), min_size=1, max_size=50), how=ORDERS_OF_ROWS,
       seed=st.integers(0, 2**16), locked=st.sampled_from(["flag", "quarantine"]))
def test_random_quotes(rows, how, seed, locked):
    frame = pl.DataFrame(
        {"symbol": [r[0] for r in rows], "ts": [T0 + r[1] * 1_000_000 for r in rows], "bid": [r[2] for r in rows],
         "ask": [r[3] for r in rows], "bid_size": [r[4] for r in rows], "ask_size": [r[5] for r in rows]},
        schema={"symbol": pl.String, "ts": pl.Int64, "bid": pl.Float64, "ask": pl.Float64, "bid_size": pl.Float64, "ask_size": pl.Float64},
    ).with_columns(pl.col("ts").cast(pl.Datetime("ns", "UTC")))
    frame = _arrange(frame, how, "symbol", "ts", seed)
    assert_same(frame, "quotes", OLD_RULES.model_copy(update={"locked_quotes": locked}))
    # a file that has a locked column already (it is recomputed)
    assert_same(frame.with_columns(pl.lit(False).alias("locked")), "quotes")


@settings(max_examples=15, deadline=None)
@given(rows=st.lists(st.tuples(SYM, st.integers(0, 6), PRICE, PRICE, PRICE, PRICE, SIZE), min_size=1, max_size=40),
       how=ORDERS_OF_ROWS, seed=st.integers(0, 2**16))
def test_random_bars(rows, how, seed):
    frame = pl.DataFrame(
        {"symbol": [r[0] for r in rows], "date": [dt.date(2025, 3, 3) + dt.timedelta(days=r[1]) for r in rows],
         "open": [r[2] for r in rows], "high": [max(r[2:6]) if all(map(math.isfinite, r[2:6])) else r[3] for r in rows],
         "low": [r[4] for r in rows], "close": [r[5] for r in rows], "volume": [r[6] for r in rows]},
    )
    frame = _arrange(frame, how, "symbol", "date", seed)
    assert_same(frame, "bars")


@settings(max_examples=30, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["o1", "o2", "o3"]), TSI, PRICE, SIZE, st.sampled_from([1, -1, 0])),
                     min_size=1, max_size=40), how=ORDERS_OF_ROWS, seed=st.integers(0, 2**16), keep_row=st.booleans())
def test_random_fills_and_orders(rows, how, seed, keep_row):
    fills = pl.DataFrame(
        {"order_id": [r[0] for r in rows], "symbol": ["XYZ"] * len(rows), "side": [r[4] for r in rows],
         "ts": [T0 + r[1] * 1_000_000_000 for r in rows], "price": [r[2] for r in rows], "qty": [r[3] for r in rows]},
        schema={"order_id": pl.String, "symbol": pl.String, "side": pl.Int8, "ts": pl.Int64, "price": pl.Float64, "qty": pl.Float64},
    ).with_columns(pl.col("ts").cast(pl.Datetime("ns", "UTC")))
    assert_same(_arrange(fills, how, "order_id", "ts", seed), "fills", keep_row=keep_row)
    orders = fills.select("order_id", "symbol", "side", "qty").with_row_index("_row", offset=2).with_columns(pl.col("_row").cast(pl.Int64))
    assert_same(orders, "orders", keep_row=True)


def test_unsorted_error_is_the_same():
    frame = pl.DataFrame({"symbol": ["A", "A", "A"], "ts": [3, 1, 2], "price": [1.0, 1.0, 1.0], "size": [1.0, 2.0, 3.0]}).with_columns(
        pl.col("ts").cast(pl.Datetime("ns", "UTC")))
    rules = OLD_RULES.model_copy(update={"unsorted": "error"})
    with pytest.raises(Exception, match="time stamps go backwards at row 2 \\(1 rows out of order\\)") as new:
        validate(frame, "trades", "f.csv", rules, TZ)
    with pytest.raises(Exception) as old:
        validate_reference(frame, "trades", "f.csv", rules, TZ)
    assert new.value.message == old.value.message


# ------------------------------------------------------------------------------------ sample and real data


def _same_on_file(path, kind, mapping=None, fmt=None, config=None):
    config = config or Config()
    mapping = mapping or Mapping()
    frame, chosen = read_source(path, kind, config, mapping, fmt)
    rules = _ingest_rules(config, mapping, chosen).model_copy(update={"max_price_px": None, "max_size_shares": None,
                                                                       "time_window": OLD_RULES.time_window})
    return assert_same(frame, kind, rules)


@pytest.mark.parametrize("kind", ["trades", "quotes", "bars"])
def test_sample_data_gives_the_same_rows_and_reasons(kind):
    res = _same_on_file(SAMPLE_DATA / "raw" / f"{kind}.csv", kind)
    if kind != "bars":
        assert res.rows_quarantined > 0  # the sample has dirt: the comparison covers reasons


def test_sample_fills_and_orders_give_the_same_rows_and_reasons():
    _same_on_file(SAMPLE_DATA / "fills.csv", "fills")
    _same_on_file(SAMPLE_DATA / "orders.csv", "orders")


@pytest.mark.realdata
@pytest.mark.parametrize(
    "parts,kind,fmt",
    [
        (("taq_highfrequency", "parquet", "sampleTDataRaw.parquet"), "trades", "taq"),
        (("taq_highfrequency", "parquet", "sampleQDataRaw.parquet"), "quotes", "taq"),
        (("taq_highfrequency", "parquet", "sampleMultiTradeData.parquet"), "trades", "parquet"),
    ],
)
def test_real_data_gives_the_same_rows_and_reasons(parts, kind, fmt):
    path = require_shared(*parts)
    mapping = Mapping(columns={"symbol": "SYMBOL", "ts": "DT", "price": "PRICE", "size": "SIZE"}) if fmt == "parquet" else None
    _same_on_file(path, kind, mapping, fmt)


@pytest.mark.realdata
def test_real_lobster_and_daily_bars_give_the_same_rows_and_reasons(tmp_path):
    lob = require_shared("lobster", "parquet", "AMZN_2012-06-21_level1_message_plus_book.parquet")
    for kind in ("trades", "quotes"):
        _same_on_file(lob, kind, fmt="lobster")
    daily = pl.read_parquet(require_shared("daily_us_stocks", "stocks_daily_sample700.parquet"))
    some = daily.filter(pl.col("ticker").is_in(["HMNF", "SGRP", "CKX", "BASI", "SENEB", "MSFT"]))
    # in per-ticker runs in the file's order (not alphabetical): the run path of the validation
    f = tmp_path / "bars.parquet"
    some.sort("ticker", descending=True, maintain_order=True).write_parquet(f)
    cols = {"symbol": "ticker", "date": "Date", "open": "Open", "high": "High", "low": "Low", "close": "Close", "volume": "Volume"}
    res = _same_on_file(f, "bars", Mapping(columns=cols))
    assert res.rows_read == some.height

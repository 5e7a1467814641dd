"""Small canonical trade/quote frames for measures tests, and converters for the shared real data."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

NY = ZoneInfo("America/New_York")


def ts(day: dt.date, hh: int, mm: int, ss: float = 0.0) -> dt.datetime:
    """A New York wall-clock time as an aware datetime."""
    sec = int(ss)
    us = int(round((ss - sec) * 1e6))
    return dt.datetime(day.year, day.month, day.day, hh, mm, sec, us, tzinfo=NY)


def trades_frame(rows) -> pl.DataFrame:
    """rows: (symbol, aware datetime, price, size[, aggressor[, auction]])."""
    out = {"symbol": [], "ts": [], "price": [], "size": [], "aggressor": [], "auction": []}
    for r in rows:
        out["symbol"].append(r[0])
        out["ts"].append(r[1])
        out["price"].append(float(r[2]))
        out["size"].append(float(r[3]))
        out["aggressor"].append(int(r[4]) if len(r) > 4 else 0)
        out["auction"].append(int(r[5]) if len(r) > 5 else 0)
    return pl.DataFrame(out, schema={"symbol": pl.String, "ts": pl.Datetime("us", "UTC"), "price": pl.Float64,
                                     "size": pl.Float64, "aggressor": pl.Int8, "auction": pl.Int8}).with_columns(
        pl.col("ts").dt.cast_time_unit("ns"))


def quotes_frame(rows) -> pl.DataFrame:
    """rows: (symbol, aware datetime, bid, ask, bid_size, ask_size)."""
    cols = ["symbol", "ts", "bid", "ask", "bid_size", "ask_size"]
    data = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
    return pl.DataFrame(data, schema={"symbol": pl.String, "ts": pl.Datetime("us", "UTC"), "bid": pl.Float64,
                                      "ask": pl.Float64, "bid_size": pl.Float64, "ask_size": pl.Float64}).with_columns(
        pl.col("ts").dt.cast_time_unit("ns"))


def random_days(symbols, days, seed=0, trades_per_day=60, quotes_per_day=120, skip=()):
    """Random but sane trades/quotes for symbols x days; ``skip`` = {(symbol, date)} with no trades."""
    rng = np.random.default_rng(seed)
    t_rows, q_rows = [], []
    for s_i, sym in enumerate(symbols):
        mid = 10.0 + 5 * s_i
        for d in days:
            open_ = ts(d, 9, 25).timestamp()
            close = ts(d, 16, 0).timestamp()
            q_times = np.sort(rng.uniform(open_, close, quotes_per_day))
            for t in q_times:
                mid *= float(np.exp(rng.normal(0, 0.001)))
                half = round(mid * 0.002, 2) + 0.01
                bid = round(mid - half, 2)
                ask = round(mid + half, 2)
                q_rows.append((sym, dt.datetime.fromtimestamp(t, tz=dt.timezone.utc), bid, ask,
                               float(rng.integers(1, 10) * 100), float(rng.integers(1, 10) * 100)))
            if (sym, d) in skip:
                continue
            t_times = np.sort(rng.uniform(ts(d, 9, 30).timestamp(), close, trades_per_day))
            for t in t_times:
                side = 1 if rng.random() < 0.5 else -1
                px = round(mid + side * (round(mid * 0.002, 2) + 0.01), 2)
                t_rows.append((sym, dt.datetime.fromtimestamp(t, tz=dt.timezone.utc), px,
                               float(rng.choice([50, 100, 100, 200, 500])), 0, 0))
    return trades_frame(t_rows), quotes_frame(q_rows)


def lobster_frames(path, symbol: str, day=dt.date(2012, 6, 21)):
    """LOBSTER message+book Parquet -> canonical trades (executions 4/5, aggressor = -direction) and quotes."""
    raw = pl.read_parquet(path)
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=NY)
    base = int(midnight.timestamp()) * 10**9
    raw = raw.with_columns(
        (pl.lit(base) + (pl.col("time_s_after_midnight") * 1e9).round().cast(pl.Int64))
        .cast(pl.Datetime("ns")).dt.replace_time_zone("UTC").alias("ts"),
        pl.lit(symbol).alias("symbol"),
    )
    trades = raw.filter(pl.col("event_type").is_in([4, 5])).select(
        "symbol", "ts", (pl.col("price_x1e4") / 1e4).alias("price"), pl.col("size").cast(pl.Float64),
        (-pl.col("direction")).cast(pl.Int8).alias("aggressor"),
    )
    quotes = raw.select(
        "symbol", "ts", (pl.col("bid_price_1_x1e4") / 1e4).alias("bid"), (pl.col("ask_price_1_x1e4") / 1e4).alias("ask"),
        pl.col("bid_size_1").cast(pl.Float64).alias("bid_size"), pl.col("ask_size_1").cast(pl.Float64).alias("ask_size"),
    )
    return trades, quotes


def taq_frames(folder):
    """highfrequency sampleTData / sampleQData (cleaned, UTC instants) -> canonical trades and quotes."""
    t = pl.read_parquet(folder / "sampleTData.parquet").select(
        pl.col("SYMBOL").alias("symbol"), pl.col("DT").alias("ts"), pl.col("PRICE").alias("price"),
        pl.col("SIZE").cast(pl.Float64).alias("size"))
    q = pl.read_parquet(folder / "sampleQData.parquet").select(
        pl.col("SYMBOL").alias("symbol"), pl.col("DT").alias("ts"), pl.col("BID").alias("bid"),
        pl.col("OFR").alias("ask"), pl.col("BIDSIZ").cast(pl.Float64).alias("bid_size"),
        pl.col("OFRSIZ").cast(pl.Float64).alias("ask_size"))
    return t, q

"""Fills and orders in: types normalized, unusable rows set aside with a reason.

The review takes ``schema.FILLS`` and ``schema.ORDERS`` frames (what ingest and the order reader produce).
Rows that cannot be reviewed are not dropped: each gets a ``reason`` and goes to the quarantine table of the
result, while the other rows are reviewed. This module applies the checks that need only the rows
themselves; :mod:`liqcost.tca.review` adds those that need the market data (unknown symbol, no data that
day, price outside the day's range).
"""

from __future__ import annotations

import polars as pl

__all__ = ["normalize_fills", "normalize_orders_for_review", "side_expr"]

_BUY = ["buy", "b", "+1", "1", "long", "cover", "buy_to_cover"]
_SELL = ["sell", "s", "-1", "short", "sell_short", "sellshort", "ss"]


def side_expr(col: str, dtype) -> pl.Expr:
    """+1 / -1 (Int8) from a numeric or text side column; null when it is neither."""
    c = pl.col(col)
    if dtype == pl.String:
        s = c.str.strip_chars().str.to_lowercase()
        e = pl.when(s.is_in(_BUY)).then(1).when(s.is_in(_SELL)).then(-1).otherwise(None)
    else:
        e = pl.when(c.cast(pl.Float64) == 1).then(1).when(c.cast(pl.Float64) == -1).then(-1).otherwise(None)
    return e.cast(pl.Int8)


def _ns(frame: pl.DataFrame, col: str) -> pl.Expr:
    """A time column as Int64 ns since the epoch (null when absent or unreadable)."""
    if col not in frame.columns:
        return pl.lit(None, pl.Int64).alias(f"{col}_ns")
    dtype = frame.schema[col]
    if isinstance(dtype, pl.Datetime):
        e = pl.col(col)
        if dtype.time_zone is None:
            e = e.dt.replace_time_zone("UTC")
        return e.dt.convert_time_zone("UTC").dt.cast_time_unit("ns").cast(pl.Int64).alias(f"{col}_ns")
    if dtype == pl.Int64:
        return pl.col(col).alias(f"{col}_ns")
    if dtype == pl.String:
        return pl.col(col).str.to_datetime(time_zone="UTC", strict=False).dt.cast_time_unit("ns").cast(pl.Int64).alias(f"{col}_ns")
    return pl.lit(None, pl.Int64).alias(f"{col}_ns")


def _opt(frame: pl.DataFrame, col: str, dtype) -> pl.Expr:
    return pl.col(col).cast(dtype, strict=False) if col in frame.columns else pl.lit(None, dtype).alias(col)


def normalize_fills(fills: pl.DataFrame, tz: str) -> pl.DataFrame:
    """Fills with canonical types and a first ``reason`` (null when the row is usable so far).

    Returns
    -------
    polars.DataFrame
        ``row`` (the source row number when the frame carries one, else the 1-based position),
        ``order_id``, ``symbol``, ``side`` (Int8), ``ts`` (Datetime UTC), ``ts_ns``, ``date`` (exchange-local),
        ``price``, ``qty``, ``decision_ts_ns``, ``decision_price``, ``limit_price``, ``venue``, ``broker``,
        ``fee``, ``reason``.
    """
    if isinstance(fills, pl.LazyFrame):
        fills = fills.collect()
    df = fills
    if "row" not in df.columns:
        df = df.with_row_index("row", offset=1)
    df = df.with_columns(pl.col("row").cast(pl.Int64))
    ts = pl.col("ts")
    if isinstance(df.schema["ts"], pl.Datetime) and df.schema["ts"].time_zone is None:
        ts = ts.dt.replace_time_zone("UTC")
    df = df.select(
        "row",
        pl.col("order_id").cast(pl.String),
        pl.col("symbol").cast(pl.String).str.strip_chars(),
        side_expr("side", df.schema["side"]).alias("side"),
        ts.dt.convert_time_zone("UTC").dt.cast_time_unit("ns").alias("ts"),
        pl.col("price").cast(pl.Float64, strict=False),
        pl.col("qty").cast(pl.Float64, strict=False),
        _ns(df, "decision_ts"),
        _opt(df, "decision_price", pl.Float64),
        _opt(df, "limit_price", pl.Float64),
        _opt(df, "venue", pl.String),
        _opt(df, "broker", pl.String),
        _opt(df, "fee", pl.Float64),
    ).rename({"decision_ts_ns": "decision_ns"})
    df = df.with_columns(
        pl.col("ts").cast(pl.Int64).alias("ts_ns"),
        pl.col("ts").dt.convert_time_zone(tz).dt.date().alias("date"),
    )
    qty, price = pl.col("qty"), pl.col("price")
    reason = (
        pl.when(pl.col("order_id").is_null() | (pl.col("order_id") == "")).then(pl.lit("missing order_id"))
        .when(pl.col("symbol").is_null() | (pl.col("symbol") == "")).then(pl.lit("missing symbol"))
        .when(pl.col("ts").is_null()).then(pl.lit("missing or unreadable time"))
        .when(pl.col("side").is_null()).then(pl.lit("side not buy/sell"))
        .when(qty.is_null() | qty.is_nan() | ~qty.is_finite()).then(pl.lit("missing or unreadable qty"))
        .when(qty <= 0).then(pl.lit("non-positive qty: a fill is for more than zero shares (the side says the direction)"))
        .when(price.is_null() | price.is_nan() | ~price.is_finite() | (price <= 0)).then(pl.lit("missing or non-positive price"))
        .when(pl.col("decision_price").is_not_null() & (pl.col("decision_price").is_nan() | (pl.col("decision_price") <= 0)))
        .then(pl.lit("non-positive or unreadable decision_price"))
        .otherwise(None)
    )
    return df.with_columns(reason.alias("reason"))


def normalize_orders_for_review(orders: pl.DataFrame | None):
    """Orders with canonical types, and the rejected rows with a reason.

    Uses the same checks as every command (:func:`liqcost.inputs.normalize_orders`: symbol,
    side, positive quantity, unique order id) and reads ``start``/``end`` as ns.

    Returns
    -------
    (polars.DataFrame or None, polars.DataFrame)
        Clean orders (``order_id``, ``symbol``, ``side``, ``qty``, ``start_ns``, ``end_ns``, ``row``, and
        ``broker`` when the orders carry one) and rejected ones (``row``, ``order_id``, ``symbol``, ``reason``).
    """
    from liqcost.inputs import normalize_orders
    from liqcost.schema import ORDER_PROBLEMS

    empty = pl.DataFrame(schema={"row": pl.Int64, "order_id": pl.String, "symbol": pl.String, "reason": pl.String})
    if orders is None:
        return None, empty
    if isinstance(orders, pl.LazyFrame):
        orders = orders.collect()
    if "row" not in orders.columns:
        orders = orders.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))
    check = normalize_orders(orders, fractional="allow")
    clean = check.orders
    if "broker" in orders.columns:  # not an order-contract column: carried over by the row it came from
        clean = clean.join(orders.select(pl.col("row").cast(pl.Int64), pl.col("broker").cast(pl.String)), on="row", how="left")
    rejected = check.problems.select("row", "order_id", "symbol", "reason") if check.problems.height else empty
    assert set(ORDER_PROBLEMS.names) >= {"row", "order_id", "symbol", "reason"}
    clean = clean.with_columns(_ns(clean, "start"), _ns(clean, "end"), _opt(clean, "broker", pl.String))
    clean = clean.select("row", "order_id", "symbol", "side", "qty", "start_ns", "end_ns", "broker")
    bad_window = clean.filter(pl.col("start_ns").is_not_null() & pl.col("end_ns").is_not_null() & (pl.col("end_ns") < pl.col("start_ns")))
    if bad_window.height:
        rejected = pl.concat(
            [rejected, bad_window.select("row", "order_id", "symbol", pl.lit("end before start").alias("reason"))],
            how="vertical_relaxed",
        )
        clean = clean.join(bad_window.select("order_id"), on="order_id", how="anti")
    return clean, rejected

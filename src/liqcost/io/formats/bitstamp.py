"""Bitcoin trade CSVs of the early exchanges: Bitstamp (bitcoincharts) and Mt.Gox.

Bitstamp (``bitstampUSD.csv``, no header)
    ``unix_seconds, price, amount``: one trade per line, price in the quote currency, amount in BTC.
    The file carries no side and no trade id; several trades often share a second.
Mt.Gox (``trades-mgtox-usd-YYYY-MM-DD.csv``, header ``id,price,amount,type``)
    ``id`` is Mt.Gox's trade id, microseconds since the epoch (so it is also the time); ``type`` is
    ``bid`` or ``ask``: the side of the taker, so ``bid`` -> ``aggressor`` +1, ``ask`` -> -1
    (``mtgox_type: taker``). On the staged 2013-01-01 file this agrees with the tick rule on 93% of the
    price-changing trades, which supports the reading; ``ignore`` leaves the aggressor unknown (0).

The symbol is ``BTC`` + the currency found in the file name + ``.`` + the exchange
(``bitstampUSD`` -> ``BTCUSD.BITSTAMP``, ``trades-mgtox-usd-...`` -> ``BTCUSD.MTGOX``), or ``options.symbol``:
the two exchanges traded at different prices (Mt.Gox at a premium) and at different times, so one
symbol for both would merge two markets into one day grid. Sizes are in BTC.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field

from liqcost.errors import SchemaError, UsageError
from liqcost.io.formats._common import (
    REASON,
    ROW,
    UID,
    FormatOptions,
    check_file,
    check_kind,
    finalize,
    first_reason,
)
from liqcost.io.formats._text import LINE, check_field_count, decimal_to_int, read_lines, split_fields

__all__ = ["DUPLICATES", "KINDS", "Options", "read"]

KINDS = ("trades",)
#: Bitstamp's file has no trade id and several equal prints often share a second: they are all trades
DUPLICATES = "keep"

_CURRENCY = re.compile(r"(usd|eur|gbp|jpy|cad|aud|chf|cny|pln|rub|sek|nzd|hkd|sgd|thb|dkk|nok|czk|brl|krw)", re.IGNORECASE)


class Options(FormatOptions):
    """Options of the Bitstamp / Mt.Gox trade reader (``options:`` in a mapping file)."""

    symbol: str | None = Field(
        None, description="Symbol for every row; default BTC + the currency in the file name + the exchange (BTCUSD.BITSTAMP)."
    )
    layout: Literal["auto", "bitstamp", "mtgox"] = Field(
        "auto", description="bitstamp: unix,price,amount without header; mtgox: id,price,amount,type; auto: from the header."
    )
    mtgox_type: Literal["taker", "ignore"] = Field(
        "taker", description="Mt.Gox 'type' is the taker's side (bid = buyer-initiated); ignore leaves aggressor 0."
    )


def _symbol(path: Path, options: Options, venue: str) -> str:
    if options.symbol:
        return options.symbol
    m = _CURRENCY.search(path.name)
    if not m:
        raise UsageError(f"{path}: cannot tell the currency from the file name; set options.symbol (e.g. BTCUSD).")
    return f"BTC{m.group(1).upper()}.{venue}"


def read(path, kind: str, options: Options, session_tz: str):
    """Read a Bitstamp or Mt.Gox trade CSV as trades.

    Parameters
    ----------
    path : str or Path
        The CSV.
    kind : str
        ``trades``.
    options : Options
        Symbol, layout, meaning of Mt.Gox's type.
    session_tz : str
        Unused (epoch times, UTC).

    Returns
    -------
    polars.DataFrame
        Trades (``aggressor`` for Mt.Gox), ``_row`` = line number, ``_reason``; ``trade_id`` = the Mt.Gox id.
    """
    import polars as pl

    check_kind("bitstamp", KINDS, kind, path)
    p = check_file(path)
    lines = read_lines(p.read_bytes(), str(p))
    first = (lines.get_column(LINE)[0] or "").strip().lower()
    layout = options.layout
    if layout == "auto":
        layout = "mtgox" if first.replace(" ", "") == "id,price,amount,type" else "bitstamp"
    venue = "BITSTAMP" if layout == "bitstamp" else "MTGOX"
    symbol = _symbol(p, options, venue)
    if layout == "mtgox":
        if first.replace(" ", "") != "id,price,amount,type":
            raise SchemaError(f"{p}: a Mt.Gox trade file starts with the header id,price,amount,type; this one starts with {first[:60]!r}.")
        body = lines.slice(1)
        check_field_count(body, 4, str(p), "id,price,amount,type")
        f = split_fields(body, ["id", "price", "amount", "type"])
        tid = pl.col("id").str.strip_chars().cast(pl.Int64, strict=False)
        t = tid * 1_000
        side = pl.col("type").str.strip_chars().str.to_lowercase()
        aggressor = (
            pl.when(pl.lit(options.mtgox_type == "ignore")).then(0).when(side == "bid").then(1).when(side == "ask").then(-1).otherwise(0)
        )
        uid = tid
        extra = [(~side.is_in(["bid", "ask"]), pl.lit("unknown Mt.Gox trade type '") + side.fill_null("") + pl.lit("'"))]
        raw_t = pl.col("id")
    else:
        check_field_count(lines, 3, str(p), "unix_seconds,price,amount")
        f = split_fields(lines, ["time", "price", "amount"])
        t_ns, ok = decimal_to_int(pl.col("time"), 9)
        t = pl.when(ok).then(t_ns)
        aggressor = pl.lit(0)
        uid = pl.lit(None, pl.Int64)
        extra = []
        raw_t = pl.col("time")
    price = pl.col("price").str.strip_chars().cast(pl.Float64, strict=False)
    size = pl.col("amount").str.strip_chars().cast(pl.Float64, strict=False)
    reason = first_reason(
        (t.is_null(), pl.lit("unparseable time '") + raw_t.fill_null("") + pl.lit("'")),
        (price.is_null(), pl.lit("unparseable price '") + pl.col("price").fill_null("") + pl.lit("'")),
        (size.is_null(), pl.lit("unparseable amount '") + pl.col("amount").fill_null("") + pl.lit("'")),
        *extra,
    )
    out = f.select(
        pl.lit(symbol, pl.String).alias("symbol"),
        t.cast(pl.Datetime("ns", "UTC")).alias("ts"),
        price.alias("price"),
        size.alias("size"),
        pl.lit(venue, pl.String).alias("venue"),
        aggressor.cast(pl.Int8).alias("aggressor") if layout == "mtgox" else pl.lit(None, pl.Int8).alias("aggressor"),
        pl.col(ROW),
        reason.alias(REASON),
        uid.alias(UID),
    )
    if layout == "bitstamp":
        out = out.drop("aggressor", UID)
    return finalize(out, kind, p)

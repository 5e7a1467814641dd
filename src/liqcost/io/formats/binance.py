"""Binance exchange captures: trades and bookTicker (best bid/offer), spot, USD-M and COIN-M futures.

Layouts read
------------
hftbacktest Parquet (``<market>_<symbol>_<date>_trades.parquet`` / ``..._bookticker.parquet``)
    trades: ``local_recv_ts_ns, event_time_ms (E), trade_time_ms (T), symbol, trade_id, price, qty,
    buyer_is_maker``; bookTicker: ``local_recv_ts_ns, event_time_ms, transaction_time_ms, symbol,
    update_id, bid_px, bid_qty, ask_px, ask_qty``. Prices and quantities are exact decimal strings.
hftbacktest websocket log (``.gz``)
    one line per message, ``<local receive ns> <JSON>``, the JSON being Binance's combined-stream
    envelope ``{"stream": "btcusdt@trade", "data": {...}}``. Lines of ``@trade`` / ``@aggTrade`` streams
    give trades, ``@bookTicker`` quotes; depth updates and REST depth snapshots are neither and give
    no row (by design). A line whose JSON does not parse gives a row with a reason. A gzip stream cut
    short (collector killed) is read up to its last complete line, with a warning.
Binance public data (data.binance.vision) CSV
    trades ``id,price,qty,quote_qty,time,is_buyer_maker[,is_best_match]`` (with or without header);
    bookTicker ``update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time``.
    The symbol is the file name's first part (``BTCUSDT-trades-2024-08-08.csv``); times in ms or µs.
nautilus_trader fixtures
    trades ``timestamp, trade_id, price, quantity, buyer_maker``; quotes ``timestamp, symbol, ask_size, ask,
    bid_size, bid`` (``BTC/USDT`` -> ``BTCUSDT``).

Quotes are emitted when the best bid/offer (price or size) changes, one state per time stamp (the
last update of a millisecond: futures bookTicker times are milliseconds and several updates often
share one).

Fields and units
----------------
``buyer_is_maker`` true means the seller was the taker: ``aggressor = -1``; false: ``+1``.
Timestamps (``options.ts``): ``exchange`` = the trade time ``T`` for trades and the transaction time
``T`` for futures bookTicker (default); ``event`` = the event time ``E``; ``receive`` = the collector's
clock plus ``recv_offset_ms``. **Spot bookTicker messages carry no exchange time**: their time is the
receive time plus ``recv_offset_ms`` (a warning says so). The hftbacktest capture host's clock ran about
1.27 s *behind* Binance (median ``recv - T`` of spot trades = -1,271 ms), so the raw receive time puts
quotes before the trades they caused; ``recv_offset_ms: auto`` measures the offset from the trades of
the same capture (the sibling ``..._trades.parquet`` or the trade lines of the same log) as the
*fastest* delivery, ``max(T - recv) + 1 ms`` (99.9th percentile; the typical delivery is ~3.5 ms slower),
so that no quote lands before the exchange event that caused it (see :func:`_auto_offset_ns`).

Symbols: Binance names a USD-M perpetual like the spot pair (``BTCUSDT``), so that a dataset holding both
would mix two instruments (and match spot trades with futures quotes); USD-M perpetuals therefore get
``usdm_perp_suffix`` (``BTCUSDT_PERP``, like COIN-M's own ``BTCUSD_PERP``). Delivery contracts
(``BTCUSDT_240927``) keep their names.

Sizes: spot and USD-M quantities are in the base asset (BTC, ETH). COIN-M quantities are contracts
worth ``contract_size`` USD each (Binance: 100 USD for BTCUSD, 10 USD for the others); with
``coinm_size: base`` (default) they are converted to the base asset, ``qty * contract_size / price``,
so that ``price x size`` is the notional in USD like on the other markets.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Literal

from pydantic import Field

from liqcost.errors import DataQualityWarning, FileFormatError, SchemaError, UsageError
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

__all__ = ["KINDS", "Options", "read"]

KINDS = ("trades", "quotes")

_HFT_NAME = re.compile(r"^(?P<market>spot|usdm|cm|coinm)_(?P<symbol>[a-z0-9_]+?)_(?P<date>\d{8})_(?P<what>trades|bookticker)\.parquet$", re.IGNORECASE)


class Options(FormatOptions):
    """Options of the Binance capture reader (``options:`` in a mapping file)."""

    market: Literal["auto", "spot", "usdm", "coinm"] = Field(
        "auto", description="Market of the file; auto reads it from the file/folder name or the symbol (XXXUSD_PERP = coinm)."
    )
    ts: Literal["exchange", "event", "receive"] = Field(
        "exchange",
        description="Time stamp: exchange (trade time T / futures transaction time T), event (E), or receive (collector clock).",
    )
    recv_offset_ms: float | Literal["auto"] = Field(
        0.0,
        description=(
            "Milliseconds added to the collector's receive time wherever it is used (spot bookTicker has no exchange"
            " time); auto = from the fastest deliveries of the trades of the same capture (max of T - recv, + 1 ms)."
        ),
    )
    contract_size: float | None = Field(
        None, gt=0, description="COIN-M contract value in USD; default: 100 for BTCUSD contracts, 10 for the others."
    )
    coinm_size: Literal["base", "contracts"] = Field(
        "base", description="COIN-M sizes: converted to the base asset (qty x contract_size / price) or left in contracts."
    )
    quotes_on_change: bool = Field(True, description="Emit a quote only when the best bid/ask price or size changes.")
    last_state_per_timestamp: bool = Field(
        True,
        description=(
            "When several bookTicker updates share a time stamp (futures times are milliseconds), keep only the last:"
            " the intermediate states cannot be placed in time."
        ),
    )
    symbol: str | None = Field(None, description="Symbol for every row, instead of the one in the data.")
    usdm_perp_suffix: str = Field(
        "_PERP",
        description=(
            "Appended to USD-M perpetual symbols (Binance names them like the spot pair, BTCUSDT) so that spot and"
            " futures of one pair stay apart in a dataset, like COIN-M's BTCUSD_PERP; '' keeps Binance's name."
        ),
    )


# --------------------------------------------------------------------------------------------- helpers


def _symbol_expr(market: str, options: Options):
    """The output symbol: USD-M perpetuals (no ``_`` in Binance's name) get ``usdm_perp_suffix``."""
    import polars as pl

    sym = pl.col("symbol")
    if market != "usdm" or options.symbol or not options.usdm_perp_suffix:
        return sym
    return pl.when(sym.str.contains("_", literal=True)).then(sym).otherwise(sym + options.usdm_perp_suffix)


def _market(path: Path, symbols: list[str], options: Options) -> str:
    if options.market != "auto":
        return options.market
    m = _HFT_NAME.match(path.name)
    if m:
        return "coinm" if m.group("market").lower() in ("cm", "coinm") else m.group("market").lower()
    parts = {p.lower() for p in path.parts[:-1]}
    for name, key in (("cm", "coinm"), ("coinm", "coinm"), ("usdm", "usdm"), ("um", "usdm"), ("spot", "spot")):
        if name in parts:
            return key
    if symbols and all(re.search(r"USD_(PERP|\d{6})$", s or "") for s in symbols):
        return "coinm"
    return "spot"


def _contract_expr(options: Options):
    import polars as pl

    if options.contract_size is not None:
        return pl.lit(float(options.contract_size))
    return pl.when(pl.col("symbol").str.starts_with("BTCUSD")).then(100.0).otherwise(10.0)


def _to_base(size, price, market: str, options: Options):
    """COIN-M contracts -> base asset (or unchanged)."""
    if market != "coinm" or options.coinm_size == "contracts":
        return size
    return size * _contract_expr(options) / price


def _ms_or_us(col):
    """Integer epoch in ms (or µs, > 1e14) -> ns."""
    import polars as pl

    c = col.cast(pl.Int64, strict=False)
    return pl.when(c > 100_000_000_000_000).then(c * 1_000).otherwise(c * 1_000_000)


def _read_gz_lines(path: Path):
    """Decompress a gzip capture, tolerating a stream cut short; returns (text bytes, complete)."""
    import zlib

    data = path.read_bytes()
    out = []
    rest = data
    complete = True
    while rest:
        d = zlib.decompressobj(wbits=31)
        try:
            out.append(d.decompress(rest))
            out.append(d.flush())
        except zlib.error as exc:
            if not out:
                raise FileFormatError(f"{path}: not a readable gzip file ({exc}).") from None
            complete = False
            break
        if not d.eof:
            complete = False
            break
        rest = d.unused_data
    return b"".join(out), complete


#: share of the trades delivered slower than the one that sets the auto offset (robust to one odd record)
_FAST_QUANTILE = 0.999


def _auto_offset_ns(trades_recv_ns, trades_t_ns) -> int:
    """Receive-clock offset (ns) from the trades of a capture: their *fastest* deliveries, not the typical one.

    ``T - recv`` is minus (clock offset + delivery delay + the part of a millisecond that ``T`` drops).
    A message is never delivered faster than the fastest one, so ``recv + max(T - recv) + 1 ms`` is never
    before the exchange event it reports: a quote is not put ahead of the trade that caused it, which
    would compare trades with their own post-trade book. With the median instead, half the post-trade
    quotes landed before their trade (Lee-Ready agreed with Binance's aggressor flag on 68% of spot
    BTCUSDT trades, 99.3% with this estimate). The 99.9th percentile stands in for the maximum.
    """
    import numpy as np

    diff = np.asarray(trades_t_ns, dtype=np.int64) - np.asarray(trades_recv_ns, dtype=np.int64)
    if not diff.size:
        return 0
    fastest = np.quantile(diff, _FAST_QUANTILE, method="higher") if diff.size >= 1000 else diff.max()
    return int(fastest) + 1_000_000  # T is a whole millisecond (floor)


def _warn_receive_time(path, market: str, offset_ns: int) -> None:
    advice = (
        " The collector's clock may be off (the hftbacktest sample's runs ~1272 ms behind Binance): set"
        " options.recv_offset_ms: auto (or a value) so quotes line up with the trades' exchange times."
        if offset_ns == 0
        else ""
    )
    warnings.warn(
        f"{path}: {market} bookTicker messages carry no exchange time; using the collector's receive time"
        f" + {offset_ns / 1e6:.1f} ms.{advice}",
        DataQualityWarning,
        stacklevel=4,
    )


def _offset_ns(options: Options, estimate) -> int:
    if options.recv_offset_ms == "auto":
        return estimate()
    return round(float(options.recv_offset_ms) * 1_000_000)


# ------------------------------------------------------------------------------------------- parquet


def _sibling_trades(path: Path) -> Path | None:
    m = _HFT_NAME.match(path.name)
    if not m:
        return None
    cand = path.with_name(re.sub("bookticker", "trades", path.name, flags=re.IGNORECASE))
    return cand if cand.exists() else None


def _estimate_from_trades_parquet(path: Path, source: Path) -> int:
    import polars as pl

    if path is None:
        raise UsageError(
            f"{source}: recv_offset_ms: auto needs the trades of the same capture (the ..._trades.parquet file next"
            " to it); give the offset in milliseconds instead (about 1272 for the hftbacktest sample)."
        )
    t = pl.read_parquet(path, columns=["local_recv_ts_ns", "trade_time_ms"]).drop_nulls()
    return _auto_offset_ns(t.get_column("local_recv_ts_ns").to_numpy(), (t.get_column("trade_time_ms") * 1_000_000).to_numpy())


def _hft_trades(df, path: Path, options: Options):
    import polars as pl

    need = ["local_recv_ts_ns", "trade_time_ms", "symbol", "trade_id", "price", "qty", "buyer_is_maker"]
    _need(df, need, path, "trades")
    symbols = df.get_column("symbol").unique().to_list()
    market = _market(path, symbols, options)
    if options.ts == "exchange":
        t = pl.col("trade_time_ms").cast(pl.Int64) * 1_000_000
        tname = "trade time T"
    elif options.ts == "event":
        _need(df, ["event_time_ms"], path, "trades with ts: event")
        t = pl.col("event_time_ms").cast(pl.Int64) * 1_000_000
        tname = "event time E"
    else:
        off = _offset_ns(options, lambda: _auto_offset_ns(df.get_column("local_recv_ts_ns").to_numpy(),
                                                           (df.get_column("trade_time_ms") * 1_000_000).to_numpy()))
        t = pl.col("local_recv_ts_ns").cast(pl.Int64) + off
        tname = "receive time"
    f = df.with_row_index(ROW, offset=1).select(
        pl.col(ROW).cast(pl.Int64),
        (pl.lit(options.symbol) if options.symbol else pl.col("symbol")).cast(pl.String).alias("symbol"),
        t.alias("_t"),
        pl.col("price").cast(pl.String).alias("_p"),
        pl.col("qty").cast(pl.String).alias("_q"),
        pl.col("buyer_is_maker").cast(pl.String).str.to_lowercase().alias("_m"),
        pl.col("trade_id").cast(pl.Int64).alias(UID),
    )
    return _trade_rows(f, market, options, tname)


def _trade_rows(f, market: str, options: Options, tname: str):
    """Common trade columns from _t (ns), _p, _q (text), _m ('true'/'false')."""
    import polars as pl

    price = pl.col("_p").str.strip_chars().cast(pl.Float64, strict=False)
    qty = pl.col("_q").str.strip_chars().cast(pl.Float64, strict=False)
    f = f.with_columns(price.alias("price"), qty.alias("_qty"))
    size = _to_base(pl.col("_qty"), pl.col("price"), market, options)
    maker = pl.col("_m")
    reason = first_reason(
        (pl.col("_t").is_null(), f"missing {tname}"),
        (pl.col("price").is_null(), pl.lit("unparseable price '") + pl.col("_p").fill_null("") + pl.lit("'")),
        (pl.col("_qty").is_null(), pl.lit("unparseable quantity '") + pl.col("_q").fill_null("") + pl.lit("'")),
        (~maker.is_in(["true", "false"]), pl.lit("unparseable buyer-is-maker flag '") + maker.fill_null("") + pl.lit("'")),
    )
    if REASON in f.columns:
        reason = pl.coalesce(pl.col(REASON), reason)
    return f.select(
        _symbol_expr(market, options).alias("symbol"),
        pl.col("_t").cast(pl.Datetime("ns", "UTC")).alias("ts"),
        pl.col("price"),
        size.alias("size"),
        pl.lit("BINANCE", pl.String).alias("venue"),
        pl.when(maker == "true").then(-1).when(maker == "false").then(1).otherwise(0).cast(pl.Int8).alias("aggressor"),
        pl.col(ROW),
        reason.alias(REASON),
        pl.col(UID),
    )


def _hft_quotes(df, path: Path, options: Options):
    import polars as pl

    need = ["local_recv_ts_ns", "symbol", "update_id", "bid_px", "bid_qty", "ask_px", "ask_qty"]
    _need(df, need, path, "bookTicker quotes")
    symbols = df.get_column("symbol").unique().to_list()
    market = _market(path, symbols, options)
    field = {"exchange": "transaction_time_ms", "event": "event_time_ms"}.get(options.ts)
    have = field is not None and field in df.columns and df.get_column(field).null_count() < df.height
    if have:
        t = pl.col(field).cast(pl.Int64) * 1_000_000
        tname = "transaction time T" if field == "transaction_time_ms" else "event time E"
    else:
        off = _offset_ns(options, lambda: _estimate_from_trades_parquet(_sibling_trades(path), path))
        if field is not None:
            _warn_receive_time(path, market, off)
        t = pl.col("local_recv_ts_ns").cast(pl.Int64) + off
        tname = "receive time"
    f = df.with_row_index(ROW, offset=1).select(
        pl.col(ROW).cast(pl.Int64),
        (pl.lit(options.symbol) if options.symbol else pl.col("symbol")).cast(pl.String).alias("symbol"),
        t.alias("_t"),
        *[pl.col(c).cast(pl.String).alias(f"_{c}") for c in ("bid_px", "bid_qty", "ask_px", "ask_qty")],
    )
    return _quote_rows(f, market, options, tname)


def _quote_rows(f, market: str, options: Options, tname: str):
    import polars as pl

    num = {c: pl.col(f"_{c}").str.strip_chars().cast(pl.Float64, strict=False) for c in ("bid_px", "bid_qty", "ask_px", "ask_qty")}
    f = f.with_columns(num["bid_px"].alias("bid"), num["ask_px"].alias("ask"), num["bid_qty"].alias("_bq"), num["ask_qty"].alias("_aq"))
    f = f.with_columns(
        _to_base(pl.col("_bq"), pl.col("bid"), market, options).alias("bid_size"),
        _to_base(pl.col("_aq"), pl.col("ask"), market, options).alias("ask_size"),
    )
    reason = first_reason(
        (pl.col("_t").is_null(), f"missing {tname}"),
        (pl.any_horizontal(pl.col("bid", "ask", "_bq", "_aq").is_null()), "unparseable bid/ask field"),
    )
    if REASON in f.columns:
        reason = pl.coalesce(pl.col(REASON), reason)
    f = f.with_columns(reason.alias(REASON))
    good = f.filter(pl.col(REASON).is_null()).sort(ROW)
    bad = f.filter(pl.col(REASON).is_not_null())
    if options.last_state_per_timestamp:
        good = good.filter((pl.col("_t") != pl.col("_t").shift(-1).over("symbol")).fill_null(True))
    if options.quotes_on_change:
        state = ["bid", "ask", "bid_size", "ask_size"]
        changed = pl.any_horizontal([pl.col(c) != pl.col(c).shift(1).over("symbol") for c in state]).fill_null(True)
        good = good.filter(changed)
    f = pl.concat([good, bad]).sort(ROW)
    return f.select(
        _symbol_expr(market, options).alias("symbol"),
        pl.col("_t").cast(pl.Datetime("ns", "UTC")).alias("ts"),
        "bid",
        "ask",
        "bid_size",
        "ask_size",
        pl.lit("BINANCE", pl.String).alias("venue"),
        pl.col(ROW),
        pl.col(REASON),
    )


def _need(df, cols, path, what):
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SchemaError(f"{path}: Binance {what} need the column(s) {', '.join(missing)}; columns present: {', '.join(df.columns)}.")


def _nautilus_trades(df, path: Path, options: Options):
    import polars as pl

    _need(df, ["timestamp", "trade_id", "price", "quantity", "buyer_maker"], path, "trades (nautilus layout)")
    ts = df.schema["timestamp"]
    t = pl.col("timestamp")
    t = t.cast(pl.Datetime("ns", ts.time_zone or "UTC")).dt.convert_time_zone("UTC").dt.epoch("ns") if isinstance(ts, pl.Datetime) else _ms_or_us(t)
    symbol = options.symbol or path.name.split("-")[0].upper()
    f = df.with_row_index(ROW, offset=1).select(
        pl.col(ROW).cast(pl.Int64),
        pl.lit(symbol, pl.String).alias("symbol"),
        t.alias("_t"),
        pl.col("price").cast(pl.String).alias("_p"),
        pl.col("quantity").cast(pl.String).alias("_q"),
        pl.col("buyer_maker").cast(pl.String).str.to_lowercase().alias("_m"),
        pl.col("trade_id").cast(pl.Int64).alias(UID),
    )
    return _trade_rows(f, _market(path, [symbol], options), options, "timestamp")


def _nautilus_quotes(df, path: Path, options: Options):
    import polars as pl

    ts = df.schema["timestamp"]
    t = pl.col("timestamp")
    t = t.cast(pl.Datetime("ns", ts.time_zone or "UTC")).dt.convert_time_zone("UTC").dt.epoch("ns") if isinstance(ts, pl.Datetime) else _ms_or_us(t)
    if options.symbol:
        sym = pl.lit(options.symbol, pl.String)
    elif "symbol" in df.columns:
        sym = pl.col("symbol").cast(pl.String).str.replace_all("/", "", literal=True)
    else:
        sym = pl.lit(path.name.split("-")[0].upper(), pl.String)
    f = df.with_row_index(ROW, offset=1).select(
        pl.col(ROW).cast(pl.Int64),
        sym.alias("symbol"),
        t.alias("_t"),
        *[pl.col(src).cast(pl.String).alias(f"_{dst}") for src, dst in
          (("bid", "bid_px"), ("bid_size", "bid_qty"), ("ask", "ask_px"), ("ask_size", "ask_qty"))],
    )
    symbols = f.get_column("symbol").unique().to_list()
    return _quote_rows(f, _market(path, symbols, options), options, "timestamp")


# ------------------------------------------------------------------------------------------ raw logs


def _raw_log(path: Path, kind: str, options: Options):
    import polars as pl

    from liqcost.io.formats._text import LINE, read_lines

    text, complete = _read_gz_lines(path)
    lines = read_lines(text, str(path))
    if not complete:
        warnings.warn(
            f"{path}: the gzip stream ends early (the capture was cut short); read its {lines.height} lines, the last"
            " one possibly incomplete.",
            DataQualityWarning,
            stacklevel=3,
        )
    parts = pl.col(LINE).str.splitn(" ", 2)
    f = lines.with_columns(
        parts.struct.field("field_0").cast(pl.Int64, strict=False).alias("_recv"),
        parts.struct.field("field_1").alias("_json"),
    )
    j = pl.col("_json")
    f = f.with_columns(j.str.json_path_match("$.stream").alias("_stream"))
    is_trade = pl.col("_stream").str.contains(r"@(trade|aggTrade)$")
    is_book = pl.col("_stream").str.contains(r"@bookTicker$")
    unparsed = pl.col("_recv").is_null() | pl.col("_json").is_null() | (
        pl.col("_stream").is_null() & ~j.fill_null("").str.contains('"lastUpdateId"', literal=True)
    )

    def field(name):
        return j.str.json_path_match(f"$.data.{name}")

    def auto_offset():
        tr = f.filter(is_trade).select("_recv", field("T").cast(pl.Int64, strict=False).alias("T")).drop_nulls()
        if tr.height == 0:
            raise UsageError(f"{path}: recv_offset_ms: auto needs trade messages in the log; give the offset in ms instead.")
        return _auto_offset_ns(tr.get_column("_recv").to_numpy(), (tr.get_column("T") * 1_000_000).to_numpy())

    bad_reason = pl.lit("unparseable capture line '") + pl.col(LINE).fill_null("").str.slice(0, 50) + pl.lit("'")
    sym = pl.lit(options.symbol, pl.String) if options.symbol else field("s")
    if kind == "trades":
        sub = f.filter(is_trade | unparsed)
        tfield = {"exchange": "T", "event": "E"}.get(options.ts)
        if tfield is None:
            off = _offset_ns(options, auto_offset)
            t = pl.col("_recv") + off
            tname = "receive time"
        else:
            t = field(tfield).cast(pl.Int64, strict=False) * 1_000_000
            tname = "trade time T" if tfield == "T" else "event time E"
        sub = sub.select(
            pl.col(ROW),
            sym.alias("symbol"),
            t.alias("_t"),
            field("p").alias("_p"),
            field("q").alias("_q"),
            field("m").str.to_lowercase().alias("_m"),
            pl.coalesce(field("t").cast(pl.Int64, strict=False), field("a").cast(pl.Int64, strict=False)).alias(UID),
            pl.when(unparsed).then(bad_reason).otherwise(None).alias(REASON),
        )
        symbols = sub.get_column("symbol").drop_nulls().unique().to_list()
        return _trade_rows(sub, _market(path, symbols, options), options, tname)
    sub = f.filter(is_book | unparsed)
    tfield = {"exchange": "T", "event": "E"}.get(options.ts)
    exch_t = field(tfield).cast(pl.Int64, strict=False) * 1_000_000 if tfield else pl.lit(None, pl.Int64)
    has_exch = tfield is not None and sub.select(exch_t.is_not_null().any()).item()
    if has_exch:
        t = exch_t
        tname = "transaction time T" if tfield == "T" else "event time E"
    else:
        off = _offset_ns(options, auto_offset)
        if tfield is not None:
            _warn_receive_time(path, "spot", off)
        t = pl.col("_recv") + off
        tname = "receive time"
    sub = sub.select(
        pl.col(ROW),
        sym.alias("symbol"),
        t.alias("_t"),
        field("b").alias("_bid_px"),
        field("B").alias("_bid_qty"),
        field("a").alias("_ask_px"),
        field("A").alias("_ask_qty"),
        pl.when(unparsed).then(bad_reason).otherwise(None).alias(REASON),
    )
    symbols = sub.get_column("symbol").drop_nulls().unique().to_list()
    return _quote_rows(sub, _market(path, symbols, options), options, tname)


# ---------------------------------------------------------------------------------- binance.vision CSV

_VISION_TRADES = ["id", "price", "qty", "quote_qty", "time", "is_buyer_maker", "is_best_match"]
_VISION_BOOK = ["update_id", "best_bid_price", "best_bid_qty", "best_ask_price", "best_ask_qty", "transaction_time", "event_time"]


def _vision_csv(path: Path, kind: str, options: Options):
    import polars as pl

    from liqcost.io.formats._text import LINE, read_lines, split_fields

    lines = read_lines(path.read_bytes(), str(path))
    first = (lines.get_column(LINE)[0] or "").strip().lower()
    has_header = first.startswith(("id,", "update_id,"))
    header = first.split(",") if has_header else None
    body = lines.slice(1) if has_header else lines
    n = (header and len(header)) or ((lines.get_column(LINE)[0] or "").count(",") + 1)
    names = header or (_VISION_TRADES[:n] if kind == "trades" else _VISION_BOOK[:n])
    f = split_fields(body, names)
    symbol = options.symbol or path.name.split("-")[0].upper()
    market = _market(path, [symbol], options)
    if kind == "trades":
        if "is_buyer_maker" not in names:
            raise SchemaError(f"{path}: not a Binance trades CSV (id,price,qty,quote_qty,time,is_buyer_maker); it has {n} fields.")
        f = f.select(
            pl.col(ROW), pl.lit(symbol, pl.String).alias("symbol"), _ms_or_us(pl.col("time").str.strip_chars()).alias("_t"),
            pl.col("price").alias("_p"), pl.col("qty").alias("_q"), pl.col("is_buyer_maker").str.strip_chars().str.to_lowercase().alias("_m"),
            pl.col("id").str.strip_chars().cast(pl.Int64, strict=False).alias(UID),
        )
        return _trade_rows(f, market, options, "time")
    if "best_bid_price" not in names:
        raise SchemaError(f"{path}: not a Binance bookTicker CSV (update_id,best_bid_price,...); it has {n} fields.")
    tcol = "event_time" if options.ts == "event" else "transaction_time"
    f = f.select(
        pl.col(ROW), pl.lit(symbol, pl.String).alias("symbol"), _ms_or_us(pl.col(tcol).str.strip_chars()).alias("_t"),
        pl.col("best_bid_price").alias("_bid_px"), pl.col("best_bid_qty").alias("_bid_qty"),
        pl.col("best_ask_price").alias("_ask_px"), pl.col("best_ask_qty").alias("_ask_qty"),
    )
    return _quote_rows(f, market, options, tcol.replace("_", " "))


# ------------------------------------------------------------------------------------------------ read


def read(path, kind: str, options: Options, session_tz: str):
    """Read a Binance trades or bookTicker capture.

    Parameters
    ----------
    path : str or Path
        hftbacktest Parquet (trades or bookticker), an hftbacktest ``.gz`` websocket log, a
        data.binance.vision CSV, or the nautilus_trader trades fixture.
    kind : str
        ``trades`` or ``quotes``.
    options : Options
        Time stamp choice, receive-clock offset, COIN-M contract conversion.
    session_tz : str
        Unused: Binance times are UTC epochs.

    Returns
    -------
    polars.DataFrame
        Trades with ``aggressor`` (from ``buyer_is_maker``) and ``trade_id``, or quotes; ``_row`` is the
        record (Parquet) or line (text) number. A trade id seen twice (a websocket replay after a
        reconnect) is an exact duplicate for ingest.
    """
    import polars as pl

    check_kind("binance", KINDS, kind, path)
    p = check_file(path)
    with open(p, "rb") as fh:
        head = fh.read(4)
    if head[:2] == b"\x1f\x8b":
        out = _raw_log(p, kind, options)
    elif head == b"PAR1":
        try:
            df = pl.read_parquet(p)
        except (pl.exceptions.ComputeError, OSError) as exc:
            raise FileFormatError(f"{p}: cannot be read as Parquet ({str(exc).splitlines()[0]}).") from None
        cols = set(df.columns)
        is_trades = "buyer_is_maker" in cols or "buyer_maker" in cols
        nautilus_book = {"timestamp", "bid", "ask", "bid_size", "ask_size"} <= cols
        is_book = ("bid_px" in cols and "ask_px" in cols) or nautilus_book
        if kind == "trades" and not is_trades:
            raise UsageError(f"{p}: this Binance file holds {'bookTicker quotes' if is_book else 'no trades'}; pass --kind quotes.")
        if kind == "quotes" and not is_book:
            hint = " pass --kind trades." if is_trades else " for quote tables use the generic reader with a mapping."
            raise UsageError(f"{p}: this Binance file holds no bookTicker quotes;{hint}")
        if kind == "trades":
            out = _hft_trades(df, p, options) if "buyer_is_maker" in cols else _nautilus_trades(df, p, options)
        else:
            out = _nautilus_quotes(df, p, options) if nautilus_book else _hft_quotes(df, p, options)
    else:
        out = _vision_csv(p, kind, options)
    if out.height == 0:
        from liqcost.errors import EmptyDataError

        raise EmptyDataError(f"{p}: no {kind} in this capture (no {'trade' if kind == 'trades' else 'bookTicker'} messages).")
    return finalize(out, kind, p)

"""LOBSTER limit-order-book files (Nasdaq TotalView-ITCH reconstructions, lobsterdata.com).

A LOBSTER ticker-day is a pair of header-less CSV files named
``TICKER_YYYY-MM-DD_<start ms>_<end ms>_{message|orderbook}_<LEVEL>.csv``:

message file (6 fields)
    ``time`` seconds after midnight, exchange local time (America/New_York), up to 9 decimals;
    ``type`` 1 new limit order, 2 partial cancel, 3 delete, 4 execution of a visible order,
    5 execution of a hidden order, 6 cross trade (auction), 7 trading halt;
    ``order_id``; ``size`` shares; ``price`` dollars x 10,000; ``direction`` -1 sell / +1 buy limit
    order. An execution of a sell (buy) limit order is a buyer- (seller-) initiated trade.
orderbook file (4 x LEVEL fields)
    row *i* is the book *after* message *i*: ``ask_px_1, ask_sz_1, bid_px_1, bid_sz_1, ask_px_2, ...``;
    empty levels hold the dummy prices +9999999999 (ask) / -9999999999 (bid) with size 0.

What the reader makes
---------------------
trades
    one row per message of type 4 and 5 (and 6): ``aggressor = -direction`` (type 4/5), 0 for crosses;
    ``auction`` 1/2 for a type-6 cross before/after noon, else 0; ``cond`` = ``visible``,
    ``hidden`` or ``cross``; ``venue`` = ``XNAS``. Type-7 halt messages come out with a reason
    (``LOBSTER trading halt``, ``... quoting resumes``, ``... trading resumes``) so they are counted in
    the quarantine. Messages of type 1-3 (order submissions, cancels, deletes) are *not* trades and
    produce no row: that is by design, not a rejection.
quotes
    the level-1 book (best ask/bid and their sizes) at each message time, emitted only when it changes
    (``quotes_on_change``) and, when several messages share a time stamp, only the state after the last
    of them (``last_state_per_timestamp``; the intermediate states never existed for an observer). An
    empty side (dummy price) gives a row with a reason.

Times: the text of the time field is parsed to integer nanoseconds (no float), added to local midnight
of the trading date (from the file name, or ``options.date``) in ``options.timezone``, and converted to
UTC. The Parquet convenience copy (``time_s_after_midnight`` as float64) is converted with
``round(t * 1e9)``, which is exact at these magnitudes (checked against the text in the tests).

Inputs accepted: the message CSV (the orderbook file is found next to it; it is required for quotes
and, when present, its row count must equal the message file's), the vendor's zip (every
message/orderbook pair inside is read), or the Parquet copy with message and level-1 columns side by side.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pydantic import Field, field_validator

from liqcost.errors import FileFormatError, UsageError
from liqcost.io.formats import LOBSTER_NAME
from liqcost.io.formats._common import (
    REASON,
    ROW,
    FormatOptions,
    check_file,
    check_kind,
    exact_divide,
    finalize,
    first_reason,
    local_ns_to_utc,
    open_zip,
    zip_member_bytes,
)
from liqcost.io.formats._text import LINE, check_field_count, decimal_to_int, read_lines, split_fields

__all__ = ["DUPLICATES", "KINDS", "Options", "read"]

KINDS = ("trades", "quotes")
#: every LOBSTER message is an event: two executions of equal size and price at one time stamp
#: (an order walking several resting orders) are distinct prints
DUPLICATES = "keep"

MESSAGE_FIELDS = ["time", "type", "order_id", "size", "price", "direction"]
DUMMY_ASK = 9_999_999_999
DUMMY_BID = -9_999_999_999
_PARQUET_NAME = re.compile(r"^(?P<symbol>[^_/\\]+)_(?P<date>\d{4}-\d{2}-\d{2})_")


class Options(FormatOptions):
    """Options of the LOBSTER reader (``options:`` in a mapping file)."""

    symbol: str | None = Field(None, description="Symbol for every row; default: the ticker in the file name.")
    date: dt.date | None = Field(
        None, description="Trading date YYYY-MM-DD the times count from; default: the date in the file name."
    )
    timezone: str = Field(
        "America/New_York", description="Time zone of the message times (Nasdaq: America/New_York)."
    )
    level: int | None = Field(
        None, ge=1, description="Book levels in the orderbook file (4 fields each); default: LEVEL in the file name."
    )
    include_hidden: bool = Field(
        True,
        description="Executions of hidden orders (type 5) are trades; false sets them aside with a reason.",
    )
    include_cross: bool = Field(
        True, description="Cross trades (type 6, auctions) are trades marked auction=1/2; false sets them aside."
    )
    price_divisor: int = Field(10_000, ge=1, description="LOBSTER prices are dollars times this.")
    quotes_on_change: bool = Field(
        True, description="Emit a quote row only when the best bid/ask price or size changes."
    )
    last_state_per_timestamp: bool = Field(
        True, description="When several messages share a time stamp, keep only the book after the last one."
    )

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        from liqcost.config import check_timezone

        return check_timezone(v)


# ------------------------------------------------------------------------------------------- sources


class _Pair:
    """One ticker-day: message bytes (+ orderbook bytes) and what the file name says."""

    def __init__(self, label: str, message: bytes, orderbook: bytes | None, symbol: str, date: dt.date, level: int):
        self.label = label
        self.message = message
        self.orderbook = orderbook
        self.symbol = symbol
        self.date = date
        self.level = level


def _name_info(name: str, options: Options, source: str):
    m = LOBSTER_NAME.match(Path(name).name)
    symbol = options.symbol or (m.group("symbol") if m else None)
    date = options.date
    if date is None and m:
        try:
            date = dt.date.fromisoformat(m.group("date"))
        except ValueError:
            date = None
    level = options.level or (int(m.group("level")) if m else None)
    missing = [k for k, v in (("symbol", symbol), ("date", date), ("level", level)) if v is None]
    if missing:
        raise UsageError(
            f"{source}: the file name does not follow LOBSTER's TICKER_YYYY-MM-DD_start_end_message_LEVEL.csv,"
            f" so the {', '.join(missing)} cannot be read from it; set options.{missing[0]} in the mapping file."
        )
    return symbol, date, level


def _pairs_from_zip(path: Path, options: Options) -> list[_Pair]:
    pairs = []
    with open_zip(path) as zf:
        names = zf.namelist()
        messages = sorted(n for n in names if (m := LOBSTER_NAME.match(Path(n).name)) and m.group("part").lower() == "message")
        if not messages:
            raise FileFormatError(
                f"{path}: the archive holds no LOBSTER message file (TICKER_YYYY-MM-DD_start_end_message_N.csv);"
                f" it contains: {', '.join(names[:6]) or 'nothing'}."
            )
        for msg in messages:
            ob = re.sub(r"_message_", "_orderbook_", msg, flags=re.IGNORECASE)
            symbol, date, level = _name_info(msg, options, f"{path}:{msg}")
            ob_bytes = zip_member_bytes(zf, ob, path) if ob in names else None
            pairs.append(_Pair(f"{path}:{Path(msg).name}", zip_member_bytes(zf, msg, path), ob_bytes, symbol, date, level))
    return pairs


def _pair_from_csv(path: Path, options: Options) -> _Pair:
    m = LOBSTER_NAME.match(path.name)
    if m and m.group("part").lower() == "orderbook":
        msg = path.with_name(re.sub(r"_orderbook_", "_message_", path.name, flags=re.IGNORECASE))
        raise UsageError(
            f"{path}: this is a LOBSTER orderbook file; pass the message file ({msg.name}) instead, the orderbook"
            " next to it is read with it."
        )
    symbol, date, level = _name_info(path.name, options, str(path))
    ob_path = path.with_name(re.sub(r"_message_", "_orderbook_", path.name, flags=re.IGNORECASE)) if m else None
    orderbook = None
    if ob_path is not None and ob_path.exists():
        orderbook = check_file(ob_path).read_bytes()
    return _Pair(str(path), path.read_bytes(), orderbook, symbol, date, level)


# ----------------------------------------------------------------------------------------- parsing


def _parse_messages(pair: _Pair, options: Options):
    """Message lines -> frame with _row, ns (time after midnight), type, order_id, size, price, direction, _bad."""
    import polars as pl

    lines = read_lines(pair.message, pair.label)
    check_field_count(lines, 6, pair.label, "time,type,order_id,size,price,direction")
    f = split_fields(lines, MESSAGE_FIELDS)
    ns, ns_ok = decimal_to_int(pl.col("time"), 9)

    def integer(name):
        return pl.col(name).str.strip_chars().cast(pl.Int64, strict=False)

    f = f.select(
        pl.col(ROW),
        ns.alias("ns"),
        integer("type").alias("type"),
        integer("order_id").alias("order_id"),
        integer("size").alias("size"),
        integer("price").alias("price"),
        integer("direction").alias("direction"),
        ns_ok.alias("_ns_ok"),
        pl.col(LINE),
    )
    bad = first_reason(
        (~pl.col("_ns_ok"), pl.lit("unparseable LOBSTER time '") + pl.col(LINE).str.split(",").list.get(0).str.slice(0, 30) + pl.lit("'")),
        (pl.any_horizontal(pl.col("type", "order_id", "size", "price", "direction").is_null()),
         pl.lit("unparseable LOBSTER message line '") + pl.col(LINE).str.slice(0, 60) + pl.lit("'")),
        (~pl.col("type").is_in([1, 2, 3, 4, 5, 6, 7]), pl.lit("unknown LOBSTER event type '") + pl.col("type").cast(pl.String) + pl.lit("'")),
    )
    return f.with_columns(bad.alias("_bad")).drop(LINE, "_ns_ok")


def _parse_book(pair: _Pair, n_messages: int):
    """Orderbook lines -> frame with _row and level-1 ask_px, ask_sz, bid_px, bid_sz (integers), _bad_book."""
    import polars as pl

    label = pair.label.replace("_message_", "_orderbook_")
    lines = read_lines(pair.orderbook, label)
    if lines.height != n_messages:
        raise FileFormatError(
            f"{label}: {lines.height} rows but the message file has {n_messages}; LOBSTER writes one book row per"
            " message, so one of the two files is truncated or they belong to different requests. Re-extract both."
        )
    width = 4 * pair.level
    check_field_count(lines, width, label, f"4 fields per level x {pair.level} levels")
    names = ["ask_px_i", "ask_sz_i", "bid_px_i", "bid_sz_i"] + [f"_x{i}" for i in range(width - 4)]
    f = split_fields(lines, names).select(
        pl.col(ROW), *[pl.col(c).str.strip_chars().cast(pl.Int64, strict=False) for c in names[:4]], pl.col(LINE)
    )
    bad = first_reason(
        (pl.any_horizontal(pl.col(names[:4]).is_null()),
         pl.lit("unparseable LOBSTER orderbook line '") + pl.col(LINE).str.slice(0, 60) + pl.lit("'")),
    )
    return f.with_columns(bad.alias("_bad_book")).drop(LINE)


def _frame_from_parquet(path: Path, options: Options):
    """The Parquet copy -> (messages frame, book frame, pair info)."""
    import polars as pl

    try:
        df = pl.read_parquet(path)
    except (pl.exceptions.ComputeError, OSError) as exc:
        raise FileFormatError(f"{path}: cannot be read as Parquet ({str(exc).splitlines()[0]}).") from None
    need = ["time_s_after_midnight", "event_type", "order_id", "size", "price_x1e4", "direction"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        from liqcost.errors import SchemaError

        raise SchemaError(
            f"{path}: LOBSTER Parquet copy lacks {', '.join(missing)}; columns present: {', '.join(df.columns)}."
        )
    m = _PARQUET_NAME.match(path.name)
    symbol = options.symbol or (m.group("symbol") if m else None)
    date = options.date or (dt.date.fromisoformat(m.group("date")) if m else None)
    if symbol is None or date is None:
        raise UsageError(f"{path}: cannot read the symbol and date from the file name; set options.symbol and options.date.")
    df = df.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    msgs = df.select(
        pl.col(ROW),
        (pl.col("time_s_after_midnight") * 1e9).round().cast(pl.Int64).alias("ns"),
        pl.col("event_type").cast(pl.Int64).alias("type"),
        pl.col("order_id").cast(pl.Int64),
        pl.col("size").cast(pl.Int64),
        pl.col("price_x1e4").cast(pl.Int64).alias("price"),
        pl.col("direction").cast(pl.Int64),
    )
    msgs = msgs.with_columns(
        first_reason(
            (pl.any_horizontal(pl.all().exclude(ROW).is_null()), "missing LOBSTER message field"),
            (~pl.col("type").is_in([1, 2, 3, 4, 5, 6, 7]), pl.lit("unknown LOBSTER event type '") + pl.col("type").cast(pl.String) + pl.lit("'")),
        ).alias("_bad")
    )
    book = None
    if {"ask_price_1_x1e4", "ask_size_1", "bid_price_1_x1e4", "bid_size_1"} <= set(df.columns):
        book = df.select(
            pl.col(ROW),
            pl.col("ask_price_1_x1e4").cast(pl.Int64).alias("ask_px_i"),
            pl.col("ask_size_1").cast(pl.Int64).alias("ask_sz_i"),
            pl.col("bid_price_1_x1e4").cast(pl.Int64).alias("bid_px_i"),
            pl.col("bid_size_1").cast(pl.Int64).alias("bid_sz_i"),
        ).with_columns(
            first_reason((pl.any_horizontal(pl.all().exclude(ROW).is_null()), "missing LOBSTER orderbook field")).alias("_bad_book")
        )
    return msgs, book, symbol, date


# ------------------------------------------------------------------------------------------- output


def _trades(msgs, symbol: str, date: dt.date, options: Options):
    import polars as pl

    div = float(options.price_divisor)
    typ = pl.col("type")
    keep = pl.col("_bad").is_not_null() | typ.is_in([4, 5, 6, 7])
    noon_ns = 12 * 3600 * 1_000_000_000
    f = msgs.filter(keep).with_columns(
        local_ns_to_utc(pl.lit(date), pl.col("ns"), options.timezone).alias("ts"),
        exact_divide(pl.col("price"), div).alias("price_f"),
        pl.col("size").cast(pl.Float64).alias("size_f"),
    )
    reason = first_reason(
        (pl.col("_bad").is_not_null(), pl.col("_bad")),
        (pl.col("ts").is_null(), "LOBSTER time falls in a daylight-saving gap"),
        ((typ == 7) & (pl.col("price") == -1), "LOBSTER trading halt (type 7, price -1)"),
        ((typ == 7) & (pl.col("price") == 0), "LOBSTER quoting resumes (type 7, price 0)"),
        ((typ == 7) & (pl.col("price") == 1), "LOBSTER trading resumes (type 7, price 1)"),
        (typ == 7, pl.lit("LOBSTER halt message (type 7, price ") + pl.col("price").cast(pl.String) + pl.lit(")")),
        ((typ == 5) & pl.lit(not options.include_hidden), "hidden-order execution excluded (options.include_hidden: false)"),
        ((typ == 6) & pl.lit(not options.include_cross), "cross trade excluded (options.include_cross: false)"),
    )
    return f.select(
        pl.lit(symbol, pl.String).alias("symbol"),
        pl.col("ts"),
        pl.col("price_f").alias("price"),
        pl.col("size_f").alias("size"),
        pl.lit("XNAS", pl.String).alias("venue"),
        pl.when(typ == 4).then(pl.lit("visible")).when(typ == 5).then(pl.lit("hidden")).when(typ == 6)
        .then(pl.lit("cross")).otherwise(pl.lit(None, pl.String)).alias("cond"),
        pl.when(typ.is_in([4, 5])).then(-pl.col("direction")).otherwise(0).cast(pl.Int8).alias("aggressor"),
        pl.when(typ == 6).then(pl.when(pl.col("ns") < noon_ns).then(1).otherwise(2)).otherwise(0).cast(pl.Int8).alias("auction"),
        pl.col(ROW),
        reason.alias(REASON),
    )


def _quotes(msgs, book, symbol: str, date: dt.date, options: Options):
    import polars as pl

    div = float(options.price_divisor)
    f = msgs.select(ROW, "ns", "_bad").join(book, on=ROW, how="left", validate="1:1").sort(ROW)
    f = f.with_columns(local_ns_to_utc(pl.lit(date), pl.col("ns"), options.timezone).alias("ts"))
    bad = first_reason(
        (pl.col("_bad").is_not_null(), pl.col("_bad")),
        (pl.col("_bad_book").is_not_null(), pl.col("_bad_book")),
        (pl.col("ts").is_null(), "LOBSTER time falls in a daylight-saving gap"),
    )
    f = f.with_columns(bad.alias("_err"))
    good = f.filter(pl.col("_err").is_null())
    if options.last_state_per_timestamp:
        # the book after the last message of each time stamp (file order within a time stamp)
        good = good.filter(pl.col("ns") != pl.col("ns").shift(-1).fill_null(-1))
    if options.quotes_on_change:
        state = ["ask_px_i", "ask_sz_i", "bid_px_i", "bid_sz_i"]
        changed = pl.any_horizontal([pl.col(c) != pl.col(c).shift(1) for c in state]).fill_null(True)
        good = good.filter(changed)
    out = pl.concat([good, f.filter(pl.col("_err").is_not_null())], how="vertical").sort(ROW)
    empty_ask = pl.col("ask_px_i") >= DUMMY_ASK
    empty_bid = pl.col("bid_px_i") <= DUMMY_BID
    reason = first_reason(
        (pl.col("_err").is_not_null(), pl.col("_err")),
        (empty_ask & empty_bid, "empty book (LOBSTER dummy prices on both sides)"),
        (empty_ask, "empty ask side (LOBSTER dummy price 9999999999)"),
        (empty_bid, "empty bid side (LOBSTER dummy price -9999999999)"),
    )
    return out.select(
        pl.lit(symbol, pl.String).alias("symbol"),
        pl.col("ts"),
        pl.when(empty_bid).then(None).otherwise(exact_divide(pl.col("bid_px_i"), div)).alias("bid"),
        pl.when(empty_ask).then(None).otherwise(exact_divide(pl.col("ask_px_i"), div)).alias("ask"),
        pl.col("bid_sz_i").cast(pl.Float64).alias("bid_size"),
        pl.col("ask_sz_i").cast(pl.Float64).alias("ask_size"),
        pl.lit("XNAS", pl.String).alias("venue"),
        pl.col(ROW),
        reason.alias(REASON),
    )


def read(path, kind: str, options: Options, session_tz: str):
    """Read a LOBSTER ticker-day (message CSV, zip, or Parquet copy) as trades or quotes.

    Parameters
    ----------
    path : str or Path
        The message CSV (its orderbook file next to it), the LOBSTER zip, or the Parquet copy.
    kind : str
        ``trades`` or ``quotes``.
    options : Options
        Reader options.
    session_tz : str
        Unused: LOBSTER times are in ``options.timezone`` (Nasdaq's, America/New_York).

    Returns
    -------
    polars.DataFrame
        Canonical trades (with ``aggressor``, ``auction``, ``cond``, ``venue``) or quotes, with ``_row`` the
        line number in the message file (the record number in the Parquet copy) and ``_reason``.
    """
    import polars as pl

    check_kind("lobster", KINDS, kind, path)
    p = check_file(path)
    lname = p.name.lower()
    if lname.endswith(".7z"):
        raise FileFormatError(
            f"{p}: 7z archives are not read directly; extract it (7z x {p.name}) and pass the message CSV files."
        )
    frames = []
    if lname.endswith((".parquet", ".pq")):
        msgs, book, symbol, date = _frame_from_parquet(p, options)
        if kind == "quotes" and book is None:
            raise FileFormatError(f"{p}: the Parquet copy has no level-1 book columns, so it holds no quotes.")
        frames.append(_trades(msgs, symbol, date, options) if kind == "trades" else _quotes(msgs, book, symbol, date, options))
    else:
        pairs = _pairs_from_zip(p, options) if lname.endswith(".zip") else [_pair_from_csv(p, options)]
        for pair in pairs:
            msgs = _parse_messages(pair, options)
            book = _parse_book(pair, msgs.height) if pair.orderbook is not None else None
            if kind == "trades":
                frames.append(_trades(msgs, pair.symbol, pair.date, options))
            else:
                if book is None:
                    raise FileFormatError(
                        f"{pair.label}: the orderbook file {pair.label.replace('_message_', '_orderbook_')} is missing;"
                        " quotes come from it, so put it next to the message file."
                    )
                frames.append(_quotes(msgs, book, pair.symbol, pair.date, options))
    out = pl.concat(frames, how="vertical") if len(frames) > 1 else frames[0]
    return finalize(out, kind, p)

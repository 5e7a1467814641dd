"""Databento Binary Encoding (DBN) files: ``.dbn`` and ``.dbn.zst``, DBN versions 1, 2 and 3.

A DBN file is a metadata header (``DBN`` + version byte + length, then dataset, schema, time range,
symbology type in/out, requested symbols and the symbol -> instrument_id mappings with their date
intervals) followed by fixed-size little-endian records. Every record starts with a 16-byte header
(``length`` in 4-byte words, ``rtype``, ``publisher_id``, ``instrument_id``, ``ts_event``). Prices are
signed 64-bit fixed-point integers in units of 1e-9 (``521000000000`` = 521.00); ``UNDEF_PRICE``
(``2**63 - 1``) means "no price" (an empty book side). Times are integer nanoseconds since the UNIX
epoch, UTC: ``ts_event`` is the matching-engine time, ``ts_recv`` Databento's capture time.

Schemas read (``KINDS``: trades, quotes, bars)
----------------------------------------------
``trades``              one record per trade: trades. ``side`` is the aggressor (``B`` buy -> +1,
                        ``A`` sell -> -1, ``N`` none -> 0).
``tbbo``                each trade with the best bid/offer *just before* it: trades, or quotes
                        (the pre-trade book, stamped ``tbbo_quote_lead_ns`` before the trade).
``mbp-1``, ``mbp-10``   every book event with the top of book *after* it: quotes (when the top changes),
                        or trades (the records with action ``T``; the other events are not trades
                        and produce no row, by design).
``bbo-1s``, ``bbo-1m``  the top of book sampled at the end of each interval (``ts_recv``): quotes.
``ohlcv-1s/1m/1h/1d``,  bars; ``ts`` is the bar's start (``ts_event``); daily bars also carry ``date``
``ohlcv-eod``           (the UTC date of ``ts_event``: Databento's daily bars are UTC days).

Symbols come from the metadata mappings (instrument_id -> the requested raw symbol, by date interval),
or from symbol-mapping records inside a live stream. Records of the file that belong to another schema
(system or error messages in a live capture) are skipped: they are not market data.

Problems that are errors: a truncated file (an incomplete zstd frame or record), a file that is not
DBN, a schema the reader does not make the requested kind from. Problems that are per-record reasons:
``UNDEF_PRICE`` trade prices, empty book sides, records flagged ``F_MAYBE_BAD_BOOK``, instruments without a
symbol mapping.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field

from liqcost.errors import FileFormatError, UsageError
from liqcost.io.formats._common import (
    REASON,
    ROW,
    UID,
    FormatOptions,
    check_file,
    check_kind,
    exact_divide,
    finalize,
    first_reason,
)

__all__ = ["DUPLICATES", "KINDS", "SCHEMA_KINDS", "Options", "decode", "read"]

KINDS = ("trades", "quotes", "bars")
#: every DBN record is an event; equal tbbo pre-trade books of two trades at one time stamp are kept
DUPLICATES = "keep"

UNDEF_PRICE = 2**63 - 1
UNDEF_TS = 2**64 - 1
F_MAYBE_BAD_BOOK = 1 << 2

#: rtype -> schema family
_RTYPES = {
    0x00: "trades",
    0x01: "mbp-1",  # mbp-1 and tbbo share the record type
    0x0A: "mbp-10",
    0x20: "ohlcv-1s",
    0x21: "ohlcv-1m",
    0x22: "ohlcv-1h",
    0x23: "ohlcv-1d",
    0x24: "ohlcv-eod",
    0xC3: "bbo-1s",
    0xC4: "bbo-1m",
}
_SCHEMA_RTYPE = {
    "trades": 0x00,
    "tbbo": 0x01,
    "mbp-1": 0x01,
    "mbp-10": 0x0A,
    "ohlcv-1s": 0x20,
    "ohlcv-1m": 0x21,
    "ohlcv-1h": 0x22,
    "ohlcv-1d": 0x23,
    "ohlcv-eod": 0x24,
    "bbo-1s": 0xC3,
    "bbo-1m": 0xC4,
}
#: schema -> kinds it can give
SCHEMA_KINDS = {
    "trades": ("trades",),
    "tbbo": ("trades", "quotes"),
    "mbp-1": ("quotes", "trades"),
    "mbp-10": ("quotes", "trades"),
    "bbo-1s": ("quotes",),
    "bbo-1m": ("quotes",),
    "ohlcv-1s": ("bars",),
    "ohlcv-1m": ("bars",),
    "ohlcv-1h": ("bars",),
    "ohlcv-1d": ("bars",),
    "ohlcv-eod": ("bars",),
}

Schema = Literal[
    "auto", "trades", "tbbo", "mbp-1", "mbp-10", "bbo-1s", "bbo-1m", "ohlcv-1s", "ohlcv-1m", "ohlcv-1h", "ohlcv-1d", "ohlcv-eod"
]


class Options(FormatOptions):
    """Options of the Databento DBN reader (``options:`` in a mapping file)."""

    schema_: Schema = Field(
        "auto",
        alias="schema",
        description="Record schema; auto takes it from the file's metadata (needed only for files without one).",
    )
    ts: Literal["auto", "ts_event", "ts_recv"] = Field(
        "auto",
        description="Time stamp to use: auto = ts_event (matching engine) except bbo, which uses ts_recv (the interval end).",
    )
    price_scale: float = Field(1e-9, gt=0, description="Fixed-point price unit (DBN: 1e-9 currency per unit).")
    symbol: str | None = Field(None, description="Symbol for every record, instead of the metadata's symbology.")
    unmapped: Literal["quarantine", "instrument_id"] = Field(
        "quarantine",
        description="Records whose instrument_id has no symbol mapping: set aside with a reason, or use the id as symbol.",
    )
    venue: str | None = Field(None, description="Venue written on every row; default: the file's dataset (e.g. XNAS.ITCH).")
    tbbo_quote_lead_ns: int = Field(
        1, ge=0, description="tbbo quotes (the book just before each trade) are stamped this many ns before the trade."
    )
    quotes_on_change: bool = Field(True, description="Emit a quote only when the best bid/ask price or size changes.")
    last_state_per_timestamp: bool = Field(
        True, description="mbp: when several events share a time stamp, keep only the book after the last one."
    )
    flagged_bad_book: Literal["quarantine", "keep"] = Field(
        "quarantine", description="Quotes from records flagged F_MAYBE_BAD_BOOK (book possibly inconsistent)."
    )

    model_config = ConfigDict(populate_by_name=True)


# ------------------------------------------------------------------------------------------ decoding


def _hdr():
    return [("length", "u1"), ("rtype", "u1"), ("publisher_id", "<u2"), ("instrument_id", "<u4"), ("ts_event", "<u8")]


def _levels(n: int):
    out = []
    for i in range(n):
        out += [
            (f"bid_px_{i:02d}", "<i8"), (f"ask_px_{i:02d}", "<i8"), (f"bid_sz_{i:02d}", "<u4"),
            (f"ask_sz_{i:02d}", "<u4"), (f"bid_ct_{i:02d}", "<u4"), (f"ask_ct_{i:02d}", "<u4"),
        ]
    return out


_TRADE_BODY = [
    ("price", "<i8"), ("size", "<u4"), ("action", "u1"), ("side", "u1"), ("flags", "u1"), ("depth", "u1"),
    ("ts_recv", "<u8"), ("ts_in_delta", "<i4"), ("sequence", "<u4"),
]
_BBO_BODY = [
    ("price", "<i8"), ("size", "<u4"), ("_r1", "u1"), ("side", "u1"), ("flags", "u1"), ("_r2", "u1"),
    ("ts_recv", "<u8"), ("_r3", "<u4"), ("sequence", "<u4"),
]
_OHLCV_BODY = [("open", "<i8"), ("high", "<i8"), ("low", "<i8"), ("close", "<i8"), ("volume", "<u8")]


def _dtype(family: str, ts_out: bool):
    import numpy as np

    if family == "trades":
        fields = _hdr() + _TRADE_BODY
    elif family == "mbp-1":
        fields = _hdr() + _TRADE_BODY + _levels(1)
    elif family == "mbp-10":
        fields = _hdr() + _TRADE_BODY + _levels(10)
    elif family.startswith("bbo"):
        fields = _hdr() + _BBO_BODY + _levels(1)
    else:
        fields = _hdr() + _OHLCV_BODY
    if ts_out:
        fields = fields + [("ts_out", "<u8")]
    return np.dtype(fields)


def _need(module: str, path: Path):
    """Import an optional dependency of the DBN reader, or say how to install it."""
    import importlib

    from liqcost.errors import UsageError

    try:
        return importlib.import_module(module)
    except ImportError:
        raise UsageError(
            f"{path}: reading Databento DBN files needs the '{module}' package; install it with pip install 'liqcost[formats]'."
        ) from None


def _decompress(data: bytes, path: Path) -> bytes:
    """zstd -> bytes, frame after frame; an incomplete frame means a truncated file."""
    zstandard = _need("zstandard", path)

    out = []
    rest = data
    while rest:
        magic = int.from_bytes(rest[:4], "little")
        if 0x184D2A50 <= magic <= 0x184D2A5F and len(rest) >= 8:  # skippable frame: magic, size, payload
            rest = rest[8 + int.from_bytes(rest[4:8], "little") :]
            continue
        if rest[:4] != b"\x28\xb5\x2f\xfd":
            raise FileFormatError(
                f"{path}: {len(rest)} bytes after the last zstd frame are not zstd data; the file is damaged:"
                " fetch it again."
            )
        dobj = zstandard.ZstdDecompressor().decompressobj()
        try:
            out.append(dobj.decompress(rest))
        except zstandard.ZstdError as exc:
            raise FileFormatError(f"{path}: the zstd stream is damaged ({exc}); fetch the file again.") from None
        if not dobj.eof:
            raise FileFormatError(
                f"{path}: the file is truncated (its last zstd frame is incomplete, {len(data)} bytes on disk);"
                " the download or copy was cut short: fetch the file again."
            )
        rest = dobj.unused_data
    return b"".join(out)


class Decoded:
    """A decoded DBN file: metadata and one numpy record array of the file's market-data schema."""

    def __init__(self, metadata, version: int, schema: str | None, records, symbol_map: dict[int, list]):
        self.metadata = metadata
        self.version = version
        self.schema = schema
        self.records = records
        self.symbol_map = symbol_map  # instrument_id -> [(start_ns, end_ns, symbol)]


def decode(path, schema: str = "auto") -> Decoded:
    """Decode a DBN file into its metadata and a numpy structured array of records.

    Uniform files (every record of one type, the normal case for historical data) are viewed in place
    with a numpy dtype; files that mix record types (live captures with system or symbol-mapping
    records) go through ``databento_dbn.DBNDecoder`` and keep the records of the market-data schema.
    """
    dbn = _need("databento_dbn", Path(path))
    import numpy as np

    p = check_file(path)
    data = p.read_bytes()
    if data[:4] == b"\x28\xb5\x2f\xfd":
        data = _decompress(data, p)
    if not data.startswith(b"DBN"):
        raise FileFormatError(
            f"{p}: not a DBN file (it does not start with 'DBN'); pass a Databento .dbn or .dbn.zst file,"
            " or choose another --format-in."
        )
    if len(data) < 8:
        raise FileFormatError(f"{p}: the DBN header is truncated ({len(data)} bytes); fetch the file again.")
    version = data[3]
    if version not in (1, 2, 3):
        raise FileFormatError(f"{p}: DBN version {version} is not supported (versions 1-3 are); upgrade databento-dbn.")
    mlen = int.from_bytes(data[4:8], "little")
    if len(data) < 8 + mlen:
        raise FileFormatError(f"{p}: the DBN metadata is truncated ({len(data)} of {8 + mlen} bytes); fetch the file again.")
    try:
        dec = dbn.DBNDecoder()
        dec.write(data[: 8 + mlen])
        metadata = dec.decode()[0]
    except (dbn.DBNError, ValueError, RuntimeError) as exc:  # databento_dbn's errors on bad metadata
        raise FileFormatError(f"{p}: the DBN metadata cannot be decoded ({exc}).") from None
    body = memoryview(data)[8 + mlen :]
    meta_schema = str(metadata.schema) if metadata.schema is not None else None
    chosen = meta_schema if schema == "auto" else schema
    if chosen is None:
        raise UsageError(f"{p}: the file's metadata names no schema (a mixed live stream); set options.schema.")
    if chosen not in _SCHEMA_RTYPE:
        raise UsageError(
            f"{p}: DBN schema '{chosen}' is not read by liqcost; supported: {', '.join(_SCHEMA_RTYPE)}."
            " (mbo, definition, statistics, status, imbalance and consolidated schemas hold no trades/quotes/bars"
            " liqcost uses.)"
        )
    rtype = _SCHEMA_RTYPE[chosen]
    family = _RTYPES[rtype]
    dtype = _dtype(family, bool(metadata.ts_out))
    symbol_map = _metadata_symbols(metadata)
    n = len(body)
    size = dtype.itemsize
    uniform = False
    if n == 0:
        records = np.zeros(0, dtype=dtype)
        uniform = True
    elif n % size == 0:
        head = np.frombuffer(body, dtype=np.uint8).reshape(-1, size)
        if (head[:, 0] == size // 4).all() and (head[:, 1] == rtype).all():
            records = np.frombuffer(body, dtype=dtype)
            uniform = True
    if not uniform:
        records = _decode_mixed(data, body, rtype, dtype, symbol_map, p)
    return Decoded(metadata, version, chosen, records, symbol_map)


def _decode_mixed(data: bytes, body, rtype: int, dtype, symbol_map: dict, path: Path):
    """Walk a mixed-record stream with databento_dbn; keep ``rtype`` records, learn in-stream mappings."""
    dbn = _need("databento_dbn", path)
    import numpy as np

    # first check the record framing so that a truncated last record is an error, not a silent loss
    pos, n = 0, len(body)
    raw = np.frombuffer(body, dtype=np.uint8)
    while pos < n:
        length = int(raw[pos]) * 4
        if length == 0 or pos + length > n:
            raise FileFormatError(
                f"{path}: the file is truncated: its last DBN record is incomplete ({n - pos} of {max(length, 16)} bytes)"
                f" after {pos} bytes of records; fetch the file again."
            )
        pos += length
    dec = dbn.DBNDecoder(upgrade_policy=dbn.VersionUpgradePolicy.AS_IS)
    dec.write(bytes(data))
    recs = dec.decode()[1:]
    keep = []
    for r in recs:
        rt = r.rtype.value if hasattr(r.rtype, "value") else int(r.rtype)
        if rt == rtype:
            keep.append(bytes(r))
        elif rt == 0x16:  # symbol mapping record (live streams)
            iid = r.instrument_id
            sym = getattr(r, "stype_in_symbol", None) or getattr(r, "stype_out_symbol", "")
            symbol_map.setdefault(iid, []).append((int(r.start_ts), int(r.end_ts), str(sym)))
    if not keep:
        return np.zeros(0, dtype=dtype)
    blob = b"".join(keep)
    if len(blob) % dtype.itemsize:
        raise FileFormatError(f"{path}: DBN records have an unexpected size; the file may use an unsupported layout.")
    return np.frombuffer(blob, dtype=dtype)


def _metadata_symbols(metadata) -> dict[int, list]:
    """instrument_id -> [(start_ns, end_ns, symbol)] from the metadata's mappings."""
    import datetime as dt

    out: dict[int, list] = {}
    stype_out = str(metadata.stype_out)
    for requested, intervals in (metadata.mappings or {}).items():
        for iv in intervals:
            start = dt.datetime.combine(iv["start_date"], dt.time(), dt.UTC)
            end = dt.datetime.combine(iv["end_date"], dt.time(), dt.UTC)
            s_ns, e_ns = int(start.timestamp()) * 10**9, int(end.timestamp()) * 10**9
            if stype_out == "instrument_id":
                try:
                    iid = int(iv["symbol"])
                except (TypeError, ValueError):
                    continue
                out.setdefault(iid, []).append((s_ns, e_ns, str(requested)))
            else:
                try:
                    iid = int(requested)
                except (TypeError, ValueError):
                    continue
                out.setdefault(iid, []).append((s_ns, e_ns, str(iv["symbol"])))
    return out


# ------------------------------------------------------------------------------------------- frames


def _symbol_expr(frame, symbol_map: dict, options: Options):
    """Add ``symbol`` (null when unmapped) to a frame with ``instrument_id`` and ``_t`` (Int64 ns)."""
    import polars as pl

    if options.symbol is not None:
        return frame.with_columns(pl.lit(options.symbol, pl.String).alias("symbol"))
    single = {iid: ivs[0][2] for iid, ivs in symbol_map.items() if len({s for _, _, s in ivs}) == 1}
    multi = {iid: ivs for iid, ivs in symbol_map.items() if iid not in single}
    frame = frame.with_columns(
        pl.col("instrument_id").replace_strict(single, default=None, return_dtype=pl.String).alias("symbol")
        if single
        else pl.lit(None, pl.String).alias("symbol")
    )
    if multi:
        # instruments whose symbol changes over time: look up (instrument, day) pairs, few of them
        day_ns = 86_400 * 10**9
        pairs = frame.filter(pl.col("instrument_id").is_in(list(multi))).select(
            "instrument_id", (pl.col("_t") // day_ns).alias("_day")
        ).unique()
        rows = []
        for iid, day in pairs.iter_rows():
            t = day * day_ns
            sym = next((s for a, b, s in multi[iid] if a <= t < b), None)
            rows.append((iid, day, sym))
        lookup = pl.DataFrame(rows, schema={"instrument_id": pl.UInt32, "_day": pl.Int64, "_sym": pl.String}, orient="row")
        frame = (
            frame.with_columns((pl.col("_t") // day_ns).alias("_day"))
            .join(lookup, on=["instrument_id", "_day"], how="left")
            .with_columns(pl.coalesce("symbol", "_sym").alias("symbol"))
            .drop("_day", "_sym")
        )
    if options.unmapped == "instrument_id":
        frame = frame.with_columns(pl.coalesce("symbol", pl.col("instrument_id").cast(pl.String)).alias("symbol"))
    return frame


def _base_frame(dec: Decoded, columns: list[str]):
    import polars as pl

    rec = dec.records
    data = {name: rec[name] for name in columns}
    frame = pl.DataFrame(data)
    return frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))


def _ts(frame, column: str):
    import polars as pl

    t = pl.col(column)
    # UNDEF_TIMESTAMP (u64 max) -> null
    return frame.with_columns(
        pl.when(t == UNDEF_TS).then(None).otherwise(t).cast(pl.Int64).alias("_t")
    ).with_columns(pl.col("_t").cast(pl.Datetime("ns", "UTC")).alias("ts"))


def _price(col: str, scale: float):
    """Fixed-point integer -> float price; UNDEF_PRICE -> null.

    With the DBN scale 1e-9 the integer is divided by 1e9 (IEEE division, see
    :func:`~liqcost.io.formats._common.exact_divide`), giving the double nearest to the decimal price
    (``307920000000 -> 307.92``); multiplying by 1e-9 would not always.
    """
    import polars as pl

    c = pl.col(col)
    inverse = 1.0 / scale
    if abs(inverse - round(inverse)) < 1e-6 * inverse:
        value = exact_divide(c, float(round(inverse)))
    else:
        value = c.cast(pl.Float64) * scale
    return pl.when(c == UNDEF_PRICE).then(None).otherwise(value)


def _trades(dec: Decoded, options: Options, venue: str):
    import polars as pl

    family = _RTYPES[_SCHEMA_RTYPE[dec.schema]]
    f = _base_frame(dec, ["instrument_id", "ts_event", "ts_recv", "price", "size", "action", "side", "flags", "sequence"])
    if family in ("mbp-1", "mbp-10") and dec.schema != "tbbo":
        f = f.filter(pl.col("action") == ord("T"))  # book events other than trades are not trades
    tcol = "ts_event" if options.ts in ("auto", "ts_event") else "ts_recv"
    f = _symbol_expr(_ts(f, tcol), dec.symbol_map, options)
    reason = first_reason(
        (pl.col("_t").is_null(), f"undefined {tcol} (DBN UNDEF_TIMESTAMP)"),
        (pl.col("price") == UNDEF_PRICE, "undefined trade price (DBN UNDEF_PRICE)"),
        (pl.col("symbol").is_null(), pl.lit("no symbol mapping for instrument_id ") + pl.col("instrument_id").cast(pl.String)
         + pl.lit(" (set options.symbol or options.unmapped: instrument_id)")),
    )
    side = pl.col("side")
    return f.select(
        pl.col("symbol"),
        pl.col("ts"),
        _price("price", options.price_scale).alias("price"),
        pl.col("size").cast(pl.Float64).alias("size"),
        pl.lit(venue, pl.String).alias("venue"),
        pl.when(side == ord("B")).then(1).when(side == ord("A")).then(-1).otherwise(0).cast(pl.Int8).alias("aggressor"),
        pl.col(ROW),
        reason.alias(REASON),
        pl.col("sequence").cast(pl.Int64).alias(UID),
    )


def _quotes(dec: Decoded, options: Options, venue: str):
    import polars as pl

    schema = dec.schema
    f = _base_frame(
        dec, ["instrument_id", "ts_event", "ts_recv", "flags", "sequence", "bid_px_00", "ask_px_00", "bid_sz_00", "ask_sz_00"]
    )
    if options.ts == "auto":
        tcol = "ts_recv" if schema.startswith("bbo") else "ts_event"
    else:
        tcol = options.ts
    f = _symbol_expr(_ts(f, tcol), dec.symbol_map, options)
    if schema == "tbbo" and options.tbbo_quote_lead_ns:
        f = f.with_columns(
            (pl.col("_t") - options.tbbo_quote_lead_ns).alias("_t"),
            (pl.col("ts") - pl.duration(nanoseconds=options.tbbo_quote_lead_ns)).alias("ts"),
        )
    err = first_reason(
        (pl.col("_t").is_null(), f"undefined {tcol} (DBN UNDEF_TIMESTAMP)"),
        (pl.col("symbol").is_null(), pl.lit("no symbol mapping for instrument_id ") + pl.col("instrument_id").cast(pl.String)
         + pl.lit(" (set options.symbol or options.unmapped: instrument_id)")),
    )
    f = f.with_columns(err.alias("_err"))
    good = f.filter(pl.col("_err").is_null()).sort("instrument_id", ROW, maintain_order=True)
    key = pl.col("instrument_id")
    if options.last_state_per_timestamp and schema in ("mbp-1", "mbp-10"):
        nxt_t = pl.col("_t").shift(-1).over(key)
        good = good.filter((pl.col("_t") != nxt_t).fill_null(True))
    if options.quotes_on_change:
        state = ["bid_px_00", "ask_px_00", "bid_sz_00", "ask_sz_00"]
        changed = pl.any_horizontal([(pl.col(c) != pl.col(c).shift(1).over(key)) for c in state]).fill_null(True)
        good = good.filter(changed)
    out = pl.concat([good, f.filter(pl.col("_err").is_not_null())]).sort(ROW)
    empty_bid = pl.col("bid_px_00") == UNDEF_PRICE
    empty_ask = pl.col("ask_px_00") == UNDEF_PRICE
    reason = first_reason(
        (pl.col("_err").is_not_null(), pl.col("_err")),
        (empty_bid & empty_ask, "empty book (DBN UNDEF_PRICE on both sides)"),
        (empty_bid, "empty bid side (DBN UNDEF_PRICE)"),
        (empty_ask, "empty ask side (DBN UNDEF_PRICE)"),
        (((pl.col("flags") & F_MAYBE_BAD_BOOK) != 0) & pl.lit(options.flagged_bad_book == "quarantine"),
         "book flagged possibly inconsistent (DBN F_MAYBE_BAD_BOOK)"),
    )
    return out.select(
        pl.col("symbol"),
        pl.col("ts"),
        _price("bid_px_00", options.price_scale).alias("bid"),
        _price("ask_px_00", options.price_scale).alias("ask"),
        pl.col("bid_sz_00").cast(pl.Float64).alias("bid_size"),
        pl.col("ask_sz_00").cast(pl.Float64).alias("ask_size"),
        pl.lit(venue, pl.String).alias("venue"),
        pl.col(ROW),
        reason.alias(REASON),
    )


def _bars(dec: Decoded, options: Options):
    import polars as pl

    f = _base_frame(dec, ["instrument_id", "ts_event", "open", "high", "low", "close", "volume"])
    f = _symbol_expr(_ts(f, "ts_event"), dec.symbol_map, options)
    daily = dec.schema in ("ohlcv-1d", "ohlcv-eod")
    reason = first_reason(
        (pl.col("_t").is_null(), "undefined bar time (DBN UNDEF_TIMESTAMP)"),
        (pl.any_horizontal([pl.col(c) == UNDEF_PRICE for c in ("open", "high", "low", "close")]), "undefined bar price (DBN UNDEF_PRICE)"),
        (pl.col("symbol").is_null(), pl.lit("no symbol mapping for instrument_id ") + pl.col("instrument_id").cast(pl.String)
         + pl.lit(" (set options.symbol or options.unmapped: instrument_id)")),
    )
    cols = [pl.col("symbol"), pl.col("ts")]
    if daily:
        cols.append(pl.col("ts").dt.date().alias("date"))
    cols += [_price(c, options.price_scale).alias(c) for c in ("open", "high", "low", "close")]
    cols += [pl.col("volume").cast(pl.Float64).alias("volume"), pl.col(ROW), reason.alias(REASON)]
    return f.select(cols)


def read(path, kind: str, options: Options, session_tz: str):
    """Read a Databento DBN file (``.dbn`` or ``.dbn.zst``) as trades, quotes or bars.

    Parameters
    ----------
    path : str or Path
        The DBN file.
    kind : str
        ``trades``, ``quotes`` or ``bars``; the file's schema must be able to give it (:data:`SCHEMA_KINDS`).
    options : Options
        Reader options.
    session_tz : str
        Unused: DBN times are UTC nanoseconds.

    Returns
    -------
    polars.DataFrame
        Canonical columns with ``_row`` the 1-based record number in the file (records of other types
        counted out), ``_reason``; trades carry ``trade_id`` = the venue's sequence number.
    """
    check_kind("dbn", KINDS, kind, path)
    dec = decode(path, options.schema_)
    if kind not in SCHEMA_KINDS[dec.schema]:
        raise UsageError(
            f"{path}: DBN schema '{dec.schema}' holds {' and '.join(SCHEMA_KINDS[dec.schema])}, not {kind};"
            f" pass --kind {SCHEMA_KINDS[dec.schema][0]}."
        )
    venue = options.venue or str(dec.metadata.dataset)
    if kind == "trades":
        out = _trades(dec, options, venue)
    elif kind == "quotes":
        out = _quotes(dec, options, venue)
    else:
        out = _bars(dec, options)
    return finalize(out, kind, path)

"""Vendor file formats: the registry of readers and the cheap format sniffer.

``FORMATS`` maps a format name (the value of ``--format-in``) to the module that reads it; modules are
imported on use, so importing this package costs nothing. Each module exposes

``KINDS``
    the canonical kinds it can produce (``trades``, ``quotes``, ``bars``);
``Options``
    a frozen pydantic model of its options (the ``options:`` key of a mapping file);
``read(path, kind, options, session_tz) -> polars.DataFrame``
    the canonical columns of ``kind`` (``trade_id`` when the feed has trade ids) plus ``_row`` and
    ``_reason`` (see :mod:`liqcost.io.formats._common`);
``DUPLICATES`` (optional)
    ``"keep"`` for formats whose records are events by construction but carry no id, so that two
    equal prints are not quarantined as duplicates by ingest.

:func:`detect` looks at a file's name, its first bytes, or its Parquet schema (never its data) and
returns a format name, or ``None`` when the file looks like an ordinary CSV/Parquet file for the generic
reader with a column mapping.

Formats
-------
``dbn``        Databento Binary Encoding (``.dbn``, ``.dbn.zst``): trades, tbbo, mbp-1, bbo-1s/1m, ohlcv-*
``lobster``    LOBSTER message + orderbook pair (CSV, the vendor's zip, or the Parquet copy)
``taq``        NYSE TAQ-style trades and quotes (DT/EX/SYMBOL/COND/SIZE/PRICE/CORR; DT/EX/BID/BIDSIZ/OFR/OFRSIZ)
``binance``    Binance trade and bookTicker captures (Parquet, hftbacktest ``.gz`` websocket logs)
``daily_csv``  one-file-per-ticker daily bars ``Date,Open,High,Low,Close,Volume[,OpenInt]``
``bitstamp``   Bitstamp (``unix,price,amount``) and Mt.Gox (``id,price,amount,type``) trade CSVs
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["FORMATS", "detect", "get_reader", "parse_options", "read"]

FORMATS: dict[str, str] = {
    "dbn": "liqcost.io.formats.dbn",
    "lobster": "liqcost.io.formats.lobster",
    "taq": "liqcost.io.formats.taq",
    "binance": "liqcost.io.formats.binance",
    "daily_csv": "liqcost.io.formats.daily_csv",
    "bitstamp": "liqcost.io.formats.bitstamp",
}

#: LOBSTER's own file naming: TICKER_YYYY-MM-DD_start_end_{message|orderbook}_LEVEL.csv
LOBSTER_NAME = re.compile(
    r"^(?P<symbol>[^_/\\]+)_(?P<date>\d{4}-\d{2}-\d{2})_(?P<start>\d+)_(?P<end>\d+)_(?P<part>message|orderbook)_(?P<level>\d+)\.csv$",
    re.IGNORECASE,
)

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_PARQUET_MAGIC = b"PAR1"


def get_reader(name: str) -> ModuleType:
    """The reader module of format ``name`` (imported on first use)."""
    from liqcost.errors import UsageError

    if name not in FORMATS:
        import difflib

        match = difflib.get_close_matches(name, list(FORMATS), n=1)
        hint = f" (did you mean '{match[0]}'?)" if match else ""
        raise UsageError(f"unknown vendor format '{name}'{hint}; known: {', '.join(FORMATS)}.")
    return importlib.import_module(FORMATS[name])


def parse_options(name: str, data: Any, source: str):
    """Validate the ``options:`` mapping for format ``name``; errors read ``options.key: expected X, got Y``."""
    from liqcost.config import parse_model

    return parse_model(get_reader(name).Options, data, source=source, prefix="options")


def read(path, kind: str, name: str | None = None, options: Any = None, session_tz: str = "America/New_York"):
    """Convenience: read ``path`` as ``kind`` with format ``name`` (detected when None).

    ``options`` may be an ``Options`` instance, a dict of option values, or None for the defaults.
    """
    from liqcost.errors import UsageError

    name = name or detect(path)
    if name is None:
        raise UsageError(f"{path}: not a recognised vendor format; pass the format name or use the generic reader.")
    module = get_reader(name)
    if not isinstance(options, module.Options):
        options = parse_options(name, options or {}, source=str(path))
    return module.read(path, kind, options, session_tz)


# --------------------------------------------------------------------------------------------- sniffing


def _head(path: Path, n: int = 4096) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(n)
    except OSError:
        return b""


def _first_line(data: bytes) -> str:
    line = data.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        return line.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ""


def _zstd_head(data: bytes) -> bytes:
    try:
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj().decompress(data)[:8]
    except Exception:  # noqa: BLE001 - sniffing must never raise
        return b""


def _gzip_head(path: Path) -> bytes:
    import gzip

    try:
        with gzip.open(path, "rb") as f:
            return f.read(4096)
    except Exception:  # noqa: BLE001
        return b""


def _by_columns(names: list[str]) -> str | None:
    """Format implied by a set of column names (Parquet schema or CSV header)."""
    cols = {n.strip() for n in names}
    upper = {c.upper() for c in cols}
    lower = {c.lower() for c in cols}
    if {"time_s_after_midnight", "event_type", "price_x1e4", "direction"} <= lower:
        return "lobster"
    if {"trade_time_ms", "buyer_is_maker"} <= lower or {"update_id", "bid_px", "ask_px"} <= lower:
        return "binance"
    if {"timestamp", "trade_id", "price", "quantity", "buyer_maker"} <= lower:
        return "binance"
    has_time = "DT" in upper or {"DATE", "TIME_M"} <= upper or {"DATE", "TIME"} <= upper
    if has_time and "EX" in upper and (
        {"PRICE", "SIZE"} <= upper or ({"BID", "BIDSIZ"} <= upper and ({"OFR", "OFRSIZ"} <= upper or {"ASK", "ASKSIZ"} <= upper))
    ):
        return "taq"
    # the vendor spelling only (capitalised, symbol in the file name or a 'ticker' column): a file with
    # liqcost's own lower-case names (symbol,date,open,...) is for the generic reader
    vendor_ohlcv = {"Date", "Open", "High", "Low", "Close", "Volume"}
    if vendor_ohlcv <= cols and cols - vendor_ohlcv <= {"OpenInt", "Adj Close", "ticker", "dv_decile"}:
        return "daily_csv"
    if lower == {"id", "price", "amount", "type"}:
        return "bitstamp"
    return None


def detect(path) -> str | None:
    """Guess the vendor format of ``path`` cheaply; ``None`` means "use the generic reader".

    Looks, in order, at: the LOBSTER file-name pattern (also inside a zip), the ``DBN`` magic bytes
    (raw or zstd-compressed), an hftbacktest websocket log (gzip, ``<ns> {json}`` lines), the Parquet
    schema's column names, the CSV header line, and finally the name (``*.us.txt``, ``bitstamp*``).
    Never raises.
    """
    p = Path(path)
    name = p.name
    lname = name.lower()
    try:
        if LOBSTER_NAME.match(name):
            return "lobster"
        if lname.endswith(".zip"):
            import zipfile

            try:
                with zipfile.ZipFile(p) as zf:
                    if any(LOBSTER_NAME.match(Path(n).name) for n in zf.namelist()):
                        return "lobster"
            except (zipfile.BadZipFile, OSError):
                return "lobster" if lname.startswith("lobster") else None
            return None
        if lname.endswith(".7z") and "lobster" in lname:
            return "lobster"
        head = _head(p)
        if not head:
            return "dbn" if lname.endswith((".dbn", ".dbn.zst")) else None
        if head.startswith(b"DBN"):
            return "dbn"
        if head.startswith(_ZSTD_MAGIC):
            if ".dbn" in lname or _zstd_head(head).startswith(b"DBN"):
                return "dbn"
            return None
        if head.startswith(b"\x1f\x8b"):
            line = _first_line(_gzip_head(p))
            if re.match(r"^\d{13,19} \{", line):
                return "binance"
            if lname.endswith((".csv.gz", ".txt.gz")):
                return _by_columns(line.split(","))
            return None
        if head.startswith(_PARQUET_MAGIC):
            import polars as pl

            return _by_columns(list(pl.read_parquet_schema(p)))
        line = _first_line(head)
        found = _by_columns(line.split(",")) if line else None
        if found:
            return found
        if lname.endswith(".us.txt"):
            return "daily_csv"
        if lname.startswith("bitstamp") and lname.endswith(".csv"):
            return "bitstamp"
    except Exception:  # noqa: BLE001 - detection is a hint; the reader reports real problems
        return None
    return None

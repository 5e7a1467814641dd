"""Daily OHLCV files, one per ticker: ``Date,Open,High,Low,Close,Volume[,OpenInt]``.

This is the layout of the widely shared "Huge Stock Market Dataset" (``aapl.us.txt``: the symbol is the
file name before the first dot, upper-cased; ``OpenInt`` is always 0 and ignored), of Stooq exports,
and, with an ``Adj Close`` column, of Yahoo Finance downloads. Dates may be ``YYYY-MM-DD``,
``YYYYMMDD`` or ``MM/DD/YYYY``. Output: daily ``bars`` with ``date`` (no ``ts``).

The staged Parquet convenience copy (``ticker, Date, Open, High, Low, Close, Volume[, ...]``, many
tickers in one file) is read the same way, ``ticker`` giving the symbol.

Every line becomes a row; a value that does not parse gives the row a reason (``unparseable Close
'n/a'``). Price sanity (high < low, zero prices) is the ingest validation's job.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field

from liqcost.errors import EmptyDataError, FileFormatError, SchemaError
from liqcost.io.formats._common import (
    REASON,
    ROW,
    FormatOptions,
    check_file,
    check_kind,
    finalize,
    first_reason,
)

__all__ = ["KINDS", "Options", "read", "symbol_from_name"]

KINDS = ("bars",)

_FIELDS = ("date", "open", "high", "low", "close", "volume")


class Options(FormatOptions):
    """Options of the daily-CSV reader (``options:`` in a mapping file)."""

    symbol: str | None = Field(None, description="Symbol for every row; default: the file name before its first dot, upper-cased.")
    adjusted: bool = Field(
        False,
        description=(
            "With an 'Adj Close' column: scale open/high/low/close by Adj Close / Close (and volume inversely, keeping"
            " dollar volume), i.e. use split- and dividend-adjusted bars."
        ),
    )
    date_format: str | None = Field(
        None, description="strftime pattern of the Date column; default tries YYYY-MM-DD, YYYYMMDD and MM/DD/YYYY."
    )


def symbol_from_name(path: Path) -> str:
    """``aapl.us.txt`` -> ``AAPL``; ``BRK-B.csv`` -> ``BRK-B``."""
    return path.name.split(".")[0].upper()


def _date_expr(text, fmt: str | None):
    import polars as pl

    t = text.str.strip_chars()
    if fmt:
        return t.str.to_date(fmt, strict=False)
    return pl.coalesce(
        t.str.to_date("%Y-%m-%d", strict=False),
        t.str.to_date("%Y%m%d", strict=False),
        t.str.to_date("%m/%d/%Y", strict=False),
    )


def _columns(names: list[str], path: Path) -> dict[str, str]:
    lower = {re.sub(r"[\s_]+", " ", n.strip().lower()): n for n in names}
    found = {}
    for key in _FIELDS:
        if key in lower:
            found[key] = lower[key]
    if "adj close" in lower:
        found["adj_close"] = lower["adj close"]
    for key in ("ticker", "symbol"):
        if key in lower:
            found["symbol"] = lower[key]
            break
    missing = [k for k in _FIELDS if k not in found]
    if missing:
        raise SchemaError(
            f"{path}: a daily CSV needs the columns Date, Open, High, Low, Close, Volume; missing"
            f" {', '.join(m.capitalize() for m in missing)} (columns present: {', '.join(names)})."
        )
    return found


def read(path, kind: str, options: Options, session_tz: str):
    """Read a daily OHLCV file (CSV/TXT one per ticker, or the multi-ticker Parquet copy) as daily bars.

    Parameters
    ----------
    path : str or Path
        ``aapl.us.txt``-style text file or a Parquet file with ``ticker, Date, Open, ...``.
    kind : str
        ``bars``.
    options : Options
        Symbol override, adjustment, date format.
    session_tz : str
        Unused (daily bars carry exchange-local dates).

    Returns
    -------
    polars.DataFrame
        ``symbol, date, open, high, low, close, volume`` with ``_row`` (line number, header = line 1; or
        Parquet record number) and ``_reason``.
    """
    import polars as pl

    check_kind("daily_csv", KINDS, kind, path)
    p = check_file(path)
    parquet = p.name.lower().endswith((".parquet", ".pq"))
    try:
        if parquet:
            lf = pl.scan_parquet(p)
            names = lf.collect_schema().names()
            offset = 1
        else:
            lf = pl.scan_csv(p, infer_schema=False, truncate_ragged_lines=False, encoding="utf8-lossy")
            names = lf.collect_schema().names()
            offset = 2
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, OSError) as exc:
        first = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
        if isinstance(exc, pl.exceptions.NoDataError):
            raise EmptyDataError(f"{p}: the file holds no data; nothing to ingest.") from None
        raise FileFormatError(f"{p}: cannot be read as a daily CSV ({first}).") from None
    cols = _columns(names, p)
    schema = lf.collect_schema()
    lf = lf.with_row_index(ROW, offset=offset).with_columns(pl.col(ROW).cast(pl.Int64))

    def num(key):
        c = pl.col(cols[key])
        return c.str.strip_chars().cast(pl.Float64, strict=False) if schema[cols[key]] == pl.String else c.cast(pl.Float64)

    def raw(key):
        return pl.col(cols[key]).cast(pl.String)

    if isinstance(schema[cols["date"]], pl.Date):
        date = pl.col(cols["date"])
    elif isinstance(schema[cols["date"]], pl.Datetime):
        date = pl.col(cols["date"]).dt.date()
    else:
        date = _date_expr(pl.col(cols["date"]).cast(pl.String), options.date_format)
    if options.symbol:
        symbol = pl.lit(options.symbol, pl.String)
    elif "symbol" in cols:
        symbol = pl.col(cols["symbol"]).cast(pl.String).str.strip_chars()
    else:
        symbol = pl.lit(symbol_from_name(p), pl.String)
    exprs = [pl.col(ROW), symbol.alias("symbol"), date.alias("date")]
    exprs += [num(k).alias(k) for k in ("open", "high", "low", "close", "volume")]
    exprs += [raw(k).alias(f"_raw_{k}") for k in _FIELDS]
    adj = options.adjusted and "adj_close" in cols
    if adj:
        exprs += [num("adj_close").alias("_adj"), raw("adj_close").alias("_raw_adj")]
    f = lf.select(exprs)
    pairs = [(pl.col("symbol").is_null() | (pl.col("symbol") == ""), "missing symbol")]
    for k in _FIELDS:
        label = k.capitalize()
        pairs.append((pl.col(k).is_null(), pl.lit(f"unparseable {label} '") + pl.col(f"_raw_{k}").fill_null("").str.slice(0, 30) + pl.lit("'")))
    if adj:
        pairs.append((pl.col("_adj").is_null(), pl.lit("unparseable Adj Close '") + pl.col("_raw_adj").fill_null("") + pl.lit("'")))
    f = f.with_columns(first_reason(*pairs).alias(REASON))
    if adj:
        factor = pl.col("_adj") / pl.col("close")
        f = f.with_columns(
            *[(pl.col(k) * factor).alias(k) for k in ("open", "high", "low")],
            pl.col("_adj").alias("close"),
            (pl.col("volume") / factor).alias("volume"),
        )
    out = f.select("symbol", "date", "open", "high", "low", "close", "volume", ROW, REASON).collect()
    if out.height == 0:
        raise EmptyDataError(f"{p}: the file has a header but no rows; nothing to ingest.")
    return finalize(out, kind, p)

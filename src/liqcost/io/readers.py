"""Generic CSV / Parquet readers: a user's file plus a column mapping -> a canonical frame.

:func:`read_generic` reads every value it can, and never drops a row: the result has the canonical
columns of the kind, a 1-based ``_row`` (the line number in a CSV file, the record number in a Parquet
file), a ``_reason`` column (null when the row parsed, otherwise why not, e.g. ``unparseable price 'abc'``)
and the source's raw text of each mapped column as ``_raw_<canonical name>`` so that a quarantined row
shows exactly what the file said.

CSV is read with every column as text (a value that does not parse is a reason, not a silent null);
Parquet keeps its types. Everything runs as one lazy polars plan collected once.
"""

from __future__ import annotations

from pathlib import Path

from liqcost.errors import EmptyDataError, FileFormatError, SchemaError
from liqcost.io.mapping import Mapping
from liqcost.schema import CONTRACTS, suggest

__all__ = ["read_generic", "parse_frame", "scan_source", "parse_timestamp_expr", "side_expr", "TS_FORMATS", "REASON", "ROW"]

ROW = "_row"
REASON = "_reason"

#: candidate formats for ``timestamp.format: auto``; the one that parses most of a sample wins
TS_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y%m%d %H:%M:%S%.f",
    "%Y%m%d %H%M%S",
    "%Y/%m/%d %H:%M:%S%.f",
    "%m/%d/%Y %H:%M:%S%.f",
    "%Y-%m-%d",
    "%Y%m%d",
    "%m/%d/%Y",
)
_EPOCH = {"epoch_s": 1_000_000_000, "epoch_ms": 1_000_000, "epoch_us": 1_000, "epoch_ns": 1}
_BUY = ("1", "+1", "b", "buy", "bot", "bought", "long", "bid")
_SELL = ("-1", "s", "sell", "sld", "sold", "short", "ss", "sell_short", "ask", "offer")
_UNKNOWN = ("0", "n", "none", "unknown", "")

PRICE_COLUMNS = {"price", "bid", "ask", "open", "high", "low", "close", "vwap", "decision_price", "limit_price"}
SIZE_COLUMNS = {"size", "bid_size", "ask_size", "volume", "qty"}


def scan_source(path: str | Path, mapping: Mapping):
    """Lazily scan a CSV or Parquet file; CSV columns are all text. Adds the 1-based ``_row``."""
    import polars as pl

    p = Path(path)
    if not p.exists():
        raise FileFormatError(f"{p}: file not found; check the path.")
    if p.is_dir():
        raise FileFormatError(f"{p}: is a directory; pass the files inside it (a shell glob works: {p}/*.csv).")
    if p.stat().st_size == 0:
        raise EmptyDataError(f"{p}: the file is empty; nothing to ingest.")
    fmt = (mapping.format or _format_from_name(p)).lower()
    try:
        if fmt == "parquet":
            lf = pl.scan_parquet(p)
            lf.collect_schema()
            return lf.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
        if fmt != "csv":
            raise FileFormatError(f"{p}: format '{fmt}' is not read by the generic reader; use --format-in {fmt}.")
        spec = mapping.csv
        header_lines = spec.skip_rows + (1 if spec.has_header else 0)
        lf = pl.scan_csv(
            p,
            separator=spec.separator,
            has_header=spec.has_header,
            skip_rows=spec.skip_rows,
            comment_prefix=spec.comment_prefix,
            infer_schema=False,
            new_columns=spec.column_names,
            truncate_ragged_lines=False,
            quote_char='"',
        )
        lf.collect_schema()
        return lf.with_row_index(ROW, offset=header_lines + 1).with_columns(pl.col(ROW).cast(pl.Int64))
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        if isinstance(exc, pl.exceptions.NoDataError) or "empty" in first.lower():
            raise EmptyDataError(f"{p}: the file holds no data; nothing to ingest.") from None
        raise FileFormatError(f"{p}: cannot be read as {fmt.upper()} ({first}); check the file and the mapping's csv: settings.") from None


def _format_from_name(p: Path) -> str:
    name = p.name.lower()
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    return "csv"


def side_expr(raw, extra: dict[str, int], allow_unknown: bool):
    """Parse a side / aggressor column (text or number) into Int8 +1/-1 (0 when unknown is allowed)."""
    import polars as pl

    text = raw.cast(pl.String).str.strip_chars().str.to_lowercase()
    pairs = [(k.strip().lower(), v) for k, v in extra.items()]  # the user's spellings win
    pairs += [(v, 1) for v in _BUY] + [(v, -1) for v in _SELL]
    if allow_unknown:
        pairs += [(v, 0) for v in _UNKNOWN]
    keys = list(dict.fromkeys(k for k, _ in pairs))
    lookup = {}
    for k, v in pairs:
        lookup.setdefault(k, v)
    return text.replace_strict(keys, [lookup[k] for k in keys], default=None, return_dtype=pl.Int8)


def _pick_ts_format(sample: list[str]) -> str | None:
    import polars as pl

    s = pl.Series(sample, dtype=pl.String).str.strip_chars().str.replace(r"Z$", "+0000")
    best, best_n = None, 0
    for fmt in TS_FORMATS:
        n = s.str.to_datetime(fmt, time_unit="ns", strict=False).is_not_null().sum()
        if n > best_n:
            best, best_n = fmt, n
    return best


def parse_timestamp_expr(raw, dtype, spec_format: str, tz: str, sample: list | None = None):
    """Expression turning a raw time column into ``Datetime('ns', 'UTC')`` (null when unparseable).

    Parameters
    ----------
    raw : polars.Expr
        The source column.
    dtype : polars.DataType
        Its type in the source (text for CSV).
    spec_format : str
        ``auto``, ``iso``, ``epoch_s/ms/us/ns`` or a strftime pattern.
    tz : str
        Time zone for naive stamps.
    sample : list, optional
        A few raw values, used by ``auto`` to choose among :data:`TS_FORMATS`.
    """
    import polars as pl

    def localize(expr):
        return expr.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null").dt.convert_time_zone("UTC")

    if isinstance(dtype, pl.Datetime):
        e = raw.cast(pl.Datetime("ns", dtype.time_zone))
        return e.dt.convert_time_zone("UTC") if dtype.time_zone else localize(e)
    if isinstance(dtype, pl.Date):
        return localize(raw.cast(pl.Datetime("ns")))
    fmt = spec_format
    if fmt == "auto" and dtype.is_numeric():
        fmt = "epoch_auto"
    if fmt == "auto" and sample:
        digits = [str(v).strip() for v in sample if v is not None and str(v).strip() != ""]
        if digits and all(d.lstrip("-").isdigit() and len(d) >= 9 for d in digits):
            fmt = "epoch_auto"
    if fmt in _EPOCH or fmt == "epoch_auto":
        num = raw.cast(pl.String).str.strip_chars().cast(pl.Int64, strict=False) if not dtype.is_numeric() else raw
        if dtype.is_float():
            num = raw
        if fmt == "epoch_auto":
            a = num.abs()
            mult = (
                pl.when(a >= 10**17).then(1).when(a >= 10**14).then(1_000).when(a >= 10**11).then(1_000_000).otherwise(1_000_000_000)
            )
            ns = (num * mult).cast(pl.Int64, strict=False)
        else:
            ns = (num * _EPOCH[fmt]).cast(pl.Int64, strict=False)
        return ns.cast(pl.Datetime("ns", "UTC"))
    text = raw.cast(pl.String).str.strip_chars().str.replace(r"Z$", "+0000")
    if fmt in ("auto", "iso"):
        fmt = _pick_ts_format(sample or []) or "%Y-%m-%dT%H:%M:%S%.f"
    parsed = text.str.to_datetime(fmt, time_unit="ns", strict=False)
    if "%z" in fmt or "%Z" in fmt:
        return parsed.dt.convert_time_zone("UTC")
    return localize(parsed)


def read_generic(path: str | Path, kind: str, mapping: Mapping, session_tz: str):
    """Read a CSV/Parquet file into canonical columns of ``kind`` plus ``_row``, ``_reason``, ``_raw_*``.

    Parameters
    ----------
    path : str or Path
        The file.
    kind : str
        ``trades``, ``quotes``, ``bars``, ``fills`` or ``orders``.
    mapping : Mapping
        Column mapping and parsing rules.
    session_tz : str
        Time zone for naive time stamps when the mapping gives none.

    Returns
    -------
    polars.DataFrame
        Every source row, parsed; rows that failed to parse carry a reason.

    Raises
    ------
    SchemaError
        When a required column is missing from the file (with the closest column name).
    """
    check_mapped_names(mapping, kind)
    return parse_frame(scan_source(path, mapping), str(path), kind, mapping, session_tz)


def check_mapped_names(mapping: Mapping, kind: str) -> None:
    """Every key of the mapping's ``columns`` must be a column of the ``kind`` contract (a typo such as
    ``prise:`` would otherwise be ignored and the file's real column looked for under its own name)."""
    contract = CONTRACTS[kind]
    bad = [k for k in mapping.columns if k not in contract.names]
    if bad:
        from liqcost.errors import ConfigError

        raise ConfigError(
            f"mapping columns.{bad[0]}: not a {kind} column{suggest(bad[0], contract.names)}; the keys of "
            f"columns: are canonical names ({', '.join(contract.names)}), the values the file's columns."
        )


def parse_frame(lf, path: str, kind: str, mapping: Mapping, session_tz: str):
    """:func:`read_generic` on an already scanned LazyFrame (which has the ``_row`` column)."""
    import polars as pl

    contract = CONTRACTS[kind]
    schema = lf.collect_schema()
    present = [c for c in schema.names() if c != ROW]
    tz = mapping.timestamp.timezone or session_tz
    constant_symbol = mapping.symbol_for(path)

    def available(name: str) -> bool:
        return all(c in schema for c in mapping.source_columns(name))

    problems = []
    for name in contract.required:
        if name == "symbol" and constant_symbol is not None:
            continue
        if name == "order_id" and kind in ("fills", "orders") and not available(name):
            continue  # fills without an order id get one per symbol-side, orders SYMBOL-ROW, below
        if not available(name):
            missing = [c for c in mapping.source_columns(name) if c not in schema]
            problems.append(
                f"'{name}' (looked for column {', '.join(repr(m) for m in missing)}{suggest(missing[0], present)})"
            )
    for group in contract.one_of:
        if not any(available(g) for g in group):
            problems.append("one of " + " or ".join(f"'{g}'" for g in group))
    if problems:
        raise SchemaError(
            f"{path}: {kind} file lacks {'; '.join(problems)}. Columns in the file: {', '.join(present) or 'none'}."
            " Name the right columns in a mapping file (columns: {canonical: source}) and pass --mapping."
        )

    # a small sample of raw time values lets 'auto' choose a format once for the whole column
    ts_names = [c.name for c in contract.columns if c.dtype == "datetime_ns_utc" and available(c.name)]
    samples: dict[str, list] = {}
    if ts_names:
        head = _collect(lf.head(2000), path)
        for name in ts_names:
            samples[name] = _joined(head, mapping.source_columns(name)).to_list() if head.height else []

    exprs, raws, checks = [], [], []
    for col in contract.columns:
        if not available(col.name):
            continue
        srcs = mapping.source_columns(col.name)
        raw = _joined_expr(srcs) if len(srcs) > 1 else pl.col(srcs[0])
        src_dtype = pl.String if len(srcs) > 1 else schema[srcs[0]]
        raws.append(raw.cast(pl.String).alias(f"_raw_{col.name}"))
        parsed = _parse(col, raw, src_dtype, mapping, tz, samples.get(col.name))
        exprs.append(parsed.alias(col.name))
        checks.append(col.name)

    if constant_symbol is not None and not available("symbol"):
        exprs.append(pl.lit(constant_symbol, pl.String).alias("symbol"))
    if kind == "fills" and not available("order_id"):
        exprs.append(pl.lit(None, pl.String).alias("order_id"))
    if kind == "orders" and not available("order_id"):
        sym = pl.col(mapping.source_columns("symbol")[0]).cast(pl.String) if available("symbol") else pl.lit(constant_symbol or "order")
        exprs.append((sym.fill_null("order") + pl.lit("-") + pl.col(ROW).cast(pl.String)).alias("order_id"))

    frame = lf.select([pl.col(ROW)] + raws + exprs)
    reason = pl.lit(None, pl.String)
    # the first failing column (in contract order) names the reason; build from the last so the first wins
    for name in reversed(checks):
        col = contract.column(name)
        raw_col = pl.col(f"_raw_{name}")
        is_blank = raw_col.is_null() | (raw_col.str.strip_chars() == "")
        if col.required or name in ("ts", "date"):
            missing = pl.when(is_blank).then(pl.lit(f"missing {name}"))
        else:
            missing = pl.when(pl.lit(False)).then(pl.lit(None, pl.String))
        bad = pl.when(~is_blank & pl.col(name).is_null()).then(
            pl.lit(f"unparseable {name} '") + raw_col.str.slice(0, 40) + pl.lit("'")
        )
        reason = missing.otherwise(bad.otherwise(reason))
    frame = frame.with_columns(reason.alias(REASON))
    out = _collect(frame, path)
    if kind == "fills" and not available("order_id"):
        # one parent order per symbol and side, the usual case of a single-order fills export
        out = out.with_columns(
            (pl.col("symbol") + pl.lit("-") + pl.when(pl.col("side") > 0).then(pl.lit("B")).otherwise(pl.lit("S"))).alias("order_id")
        )
    if out.height == 0:
        raise EmptyDataError(f"{path}: the file has a header but no rows; nothing to ingest.")
    return out


def _collect(lf, path):
    """Collect a plan; a malformed file (ragged rows, bad encoding) becomes a FileFormatError."""
    import polars as pl

    try:
        return lf.collect()
    except (pl.exceptions.ComputeError, pl.exceptions.SchemaError, pl.exceptions.ShapeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise FileFormatError(
            f"{path}: cannot be parsed ({first}); check that every line has the same number of fields and the mapping's csv: settings."
        ) from None


def _joined(frame, cols):
    import polars as pl

    if len(cols) == 1:
        return frame.get_column(cols[0]).cast(pl.String)
    return frame.select(_joined_expr(cols)).to_series()


def _joined_expr(cols):
    import polars as pl

    return pl.concat_str([pl.col(c).cast(pl.String) for c in cols], separator=" ")


def _parse(col, raw, src_dtype, mapping: Mapping, tz: str, sample):
    import polars as pl

    if col.dtype == "datetime_ns_utc":
        return parse_timestamp_expr(raw, src_dtype, mapping.timestamp.format, tz, sample)
    if col.dtype == "date":
        if isinstance(src_dtype, pl.Date):
            return raw
        if isinstance(src_dtype, pl.Datetime):
            return raw.dt.date()
        text = raw.cast(pl.String).str.strip_chars()
        fmt = mapping.timestamp.format
        if fmt in ("auto", "iso") or fmt.startswith("epoch"):
            return pl.coalesce(
                text.str.to_date("%Y-%m-%d", strict=False),
                text.str.to_date("%Y%m%d", strict=False),
                text.str.to_date("%m/%d/%Y", strict=False),
                text.str.to_date("%Y/%m/%d", strict=False),
            )
        return text.str.to_date(fmt, strict=False)
    if col.dtype == "f64":
        num = raw.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False) if src_dtype == pl.String else raw.cast(pl.Float64, strict=False)
        if col.name in PRICE_COLUMNS and mapping.price_scale != 1.0:
            num = num * mapping.price_scale
        if col.name in SIZE_COLUMNS and mapping.size_scale != 1.0:
            num = num * mapping.size_scale
        return num
    if col.dtype in ("i64", "i32"):
        if src_dtype == pl.String:
            return raw.str.strip_chars().cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)
        return raw.cast(pl.Int64, strict=False)
    if col.dtype == "i8":
        if col.name in ("side", "aggressor"):
            return side_expr(raw, mapping.side_values, allow_unknown=col.name == "aggressor")
        return raw.cast(pl.String).str.strip_chars().cast(pl.Int8, strict=False)
    if col.dtype == "bool":
        text = raw.cast(pl.String).str.strip_chars().str.to_lowercase()
        return pl.when(text.is_in(["true", "1", "t", "yes", "y"])).then(True).when(text.is_in(["false", "0", "f", "no", "n"])).then(False)
    if col.dtype == "str":
        text = raw.cast(pl.String).str.strip_chars()
        return pl.when(text == "").then(pl.lit(None, pl.String)).otherwise(text)
    raise AssertionError(f"unhandled dtype {col.dtype}")  # pragma: no cover - contracts are closed

"""Generic CSV / Parquet readers: a user's file plus a column mapping -> a canonical frame.

:func:`read_generic` reads every value it can, and never drops a row: the result has the canonical
columns of the kind, a 1-based ``_row`` (the line number in a CSV file, the record number in a Parquet
file), a ``_reason`` column (null when the row parsed, otherwise why not, e.g. ``unparseable price 'abc'``)
and, for every mapped column, ``_raw_<canonical name>``: the source value as the file holds it (any type;
it is turned into text only for the rows that end up in the quarantine), or a column of type ``Null``
when the source value *is* the parsed value (a Parquet ``Float64`` price, a ``Datetime('ns', 'UTC')``
stamp, a clean text symbol), which costs nothing to carry.

CSV is read with every column as text (a value that does not parse is a reason, not a silent null);
Parquet keeps its types. The parsing runs as one lazy polars plan collected once; reasons are worked
out afterwards for the few rows that need one, so a clean file pays only for the parse.

Time stamps are range-checked *before* any conversion that could overflow (nanoseconds since 1970 hold
only the years 1677-2262: ``2999-12-31`` would otherwise wrap round to 1830): text stamps by their year,
epoch and time-of-day numbers and typed columns in their own unit. Every time column is then checked
against the plausibility window of its kind (``ingest.time_window``), and naive local times follow the
mapping's DST policy (``timestamp.ambiguous``, ``timestamp.nonexistent``). Each failure is a reason.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

from liqcost.errors import EmptyDataError, FileFormatError, SchemaError
from liqcost.io.mapping import EPOCH_FORMATS, TIME_OF_DAY_FORMATS, Mapping, TimestampSpec
from liqcost.schema import CONTRACTS, suggest

__all__ = [
    "read_generic",
    "parse_frame",
    "scan_source",
    "parse_timestamp",
    "parse_timestamp_expr",
    "plausible_window",
    "PlausibleWindow",
    "side_expr",
    "TS_FORMATS",
    "REASON",
    "ROW",
    "NS_MIN",
    "NS_MAX",
]

ROW = "_row"
REASON = "_reason"
RAW = "_raw_"
CODE = "_tscode_"

#: the range of Datetime('ns') (int64 nanoseconds since 1970): 1677-09-21 .. 2262-04-11
NS_MIN = -(2**63) + 1
NS_MAX = 2**63 - 1
NS_PER_DAY = 86_400 * 1_000_000_000
_NS_YEARS = (1678, 2261)  # whole years inside the nanosecond range

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
_BUY = ("1", "+1", "b", "buy", "bot", "bought", "long", "bid")
_SELL = ("-1", "s", "sell", "sld", "sold", "short", "ss", "sell_short", "ask", "offer")
_UNKNOWN = ("0", "n", "none", "unknown", "")

PRICE_COLUMNS = {"price", "bid", "ask", "open", "high", "low", "close", "vwap", "decision_price", "limit_price"}
SIZE_COLUMNS = {"size", "bid_size", "ask_size", "volume", "qty"}

# problems of a time value (the _tscode_<name> column; 0 = fine, null/unparseable is told by the value)
TS_OK = 0
TS_WINDOW = 1  # outside the plausibility window (or outside the nanosecond range)
TS_GAP = 2  # naive local time inside a DST gap
TS_FOLD = 3  # naive local time inside a DST fold, policy raise
TS_TIME_OF_DAY = 4  # time of day outside [0, 24 h)
TS_LOOKS_TIME_OF_DAY = 5  # epoch number below one day: outside the window, and probably a time of day


# ------------------------------------------------------------------------------------ the window


@dataclass(frozen=True)
class PlausibleWindow:
    """Plausible time stamps: ``lo_ns <= ts <= hi_ns`` (UTC nanoseconds), and the same as dates.

    ``label`` names the window and where it is configured, for reasons
    (``1970-01-02 to 2025-12-06 UTC, ingest.time_window.trades``).
    """

    lo_ns: int
    hi_ns: int
    first_date: _dt.date
    last_date: _dt.date
    label: str


def plausible_window(rules, kind: str, today: _dt.date | None = None) -> PlausibleWindow | None:
    """The plausibility window of ``kind`` from the ``ingest`` rules (None when the rules have none).

    Parameters
    ----------
    rules : liqcost.config.IngestConfig
        The ``ingest`` section (``time_window.<kind>``).
    kind : str
        Input kind.
    today : datetime.date, optional
        The day of the run (UTC); default: today.
    """
    windows = getattr(rules, "time_window", None)
    spec = getattr(windows, kind, None) if windows is not None else None
    if spec is None:
        return None
    if today is None:
        today = _dt.datetime.now(_dt.timezone.utc).date()
    first = spec.earliest
    last = spec.latest if spec.latest is not None else today + _dt.timedelta(days=spec.days_after_run)
    epoch = _dt.date(1970, 1, 1)
    lo = max((first - epoch).days * NS_PER_DAY, NS_MIN)
    hi = min(((last - epoch).days + 1) * NS_PER_DAY - 1, NS_MAX)
    return PlausibleWindow(lo, hi, first, last, f"{first} to {last} UTC, ingest.time_window.{kind}")


def _ns_bounds(window: PlausibleWindow | None) -> tuple[int, int]:
    return (window.lo_ns, window.hi_ns) if window is not None else (NS_MIN, NS_MAX)


def _window_label(window: PlausibleWindow | None) -> str:
    return window.label if window is not None else "1677-09-21 to 2262-04-11, the range of nanosecond time stamps"


# ------------------------------------------------------------------------------------ scanning


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


# ------------------------------------------------------------------------------------ time stamps


def _has_dst(tz: str) -> bool:
    """Whether local times in ``tz`` can be ambiguous or non-existent (any UTC offset change since 1900)."""
    if tz.upper() in ("UTC", "GMT", "Z") or tz.startswith("Etc/"):
        return False
    return True


class _Stages:
    """Intermediate columns of a time-stamp parse, computed once each.

    An expression used twice in a polars plan (the parsed stamps feed the value, the year check and the
    window check) is otherwise evaluated twice. With ``staged``, :meth:`put` names an expression as a
    column of a given stage and returns a reference to it; the reader adds the stages in order
    (``with_columns`` per stage) and drops them at the end. Without, it returns the expression itself.
    """

    def __init__(self, prefix: str, staged: bool):
        self.prefix = prefix
        self.staged = staged
        self.stages: list[list] = []
        self.names: list[str] = []

    def put(self, label: str, expr, stage: int):
        import polars as pl

        if not self.staged:
            return expr
        name = f"{self.prefix}{label}"
        while len(self.stages) <= stage:
            self.stages.append([])
        self.stages[stage].append(expr.alias(name))
        self.names.append(name)
        return pl.col(name)


def localize(naive, tz: str, ambiguous: str = "earliest", nonexistent: str = "quarantine", stages: _Stages | None = None,
             stage: int = 0):
    """Naive local ``Datetime('ns')`` -> (``Datetime('ns', 'UTC')``, gap flag, fold flag) expressions.

    Parameters
    ----------
    naive : polars.Expr
        Wall-clock times in ``tz``.
    tz : str
        IANA time zone.
    ambiguous : {'earliest', 'latest', 'raise'}
        A time that occurs twice (DST fold): first instant, second instant, or flag it (value: earliest).
    nonexistent : {'quarantine', 'shift_forward'}
        A time that never occurs (DST gap): flag it (value null), or read it with the UTC offset in force
        before the gap (``02:30`` in a spring-forward gap becomes ``03:30`` daylight time, as Python's
        ``zoneinfo`` reads it).
    stages : _Stages, optional
        Where to put intermediate columns (from ``stage`` on).

    Returns
    -------
    (polars.Expr, polars.Expr, polars.Expr)
        The UTC instants, a Boolean "in a DST gap" (after the policy: always False with
        ``shift_forward``) and a Boolean "ambiguous, policy raise".
    """
    import polars as pl

    st = stages or _Stages("", False)
    if not _has_dst(tz):
        return naive.dt.replace_time_zone(tz).dt.convert_time_zone("UTC"), pl.lit(False), pl.lit(False)
    first = st.put("first", naive.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null"), stage)
    gap = first.is_null() & naive.is_not_null()
    if ambiguous == "latest":
        value = naive.dt.replace_time_zone(tz, ambiguous="latest", non_existent="null")
        fold = pl.lit(False)
    elif ambiguous == "raise":
        later = st.put("later", naive.dt.replace_time_zone(tz, ambiguous="latest", non_existent="null"), stage)
        fold = (first != later).fill_null(False)
        value = first
    else:
        value = first
        fold = pl.lit(False)
    if nonexistent == "shift_forward":
        three_h = pl.duration(hours=3)
        before = (naive - three_h).dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null") + three_h
        value = pl.when(gap).then(before).otherwise(value)
        gap = pl.lit(False)
    return value.dt.convert_time_zone("UTC"), gap, fold


def parse_timestamp(raw, dtype, spec: TimestampSpec | str, tz: str, sample: list | None = None,
                    window: PlausibleWindow | None = None, file_date: _dt.date | None = None,
                    stages: _Stages | None = None):
    """Expressions turning a raw time column into ``Datetime('ns', 'UTC')`` and a problem code.

    Parameters
    ----------
    raw : polars.Expr
        The source column.
    dtype : polars.DataType
        Its type in the source (text for CSV).
    spec : TimestampSpec or str
        The mapping's ``timestamp`` section (or just its format: ``auto``, ``iso``, ``epoch_s/ms/us/ns``,
        ``s/ms/us/ns_since_midnight`` or a strftime pattern).
    tz : str
        Time zone of naive stamps.
    sample : list, optional
        A few raw values, used by ``auto`` to choose among :data:`TS_FORMATS`.
    window : PlausibleWindow, optional
        Plausible instants; without one only the nanosecond range is enforced.
    file_date : datetime.date, optional
        The date times of day count from (``timestamp.date_from_filename``).
    stages : _Stages, optional
        Put intermediate results in named columns (see :class:`_Stages`); the returned expressions then
        refer to them.

    Returns
    -------
    (polars.Expr, polars.Expr)
        The time stamps (null when unparseable, out of range or in a DST gap; possibly non-null but
        meaningless where the code is not 0) and a UInt8 code: 0 fine, ``TS_WINDOW`` outside the window,
        ``TS_GAP`` DST gap, ``TS_FOLD`` DST fold under ``ambiguous: raise``, ``TS_TIME_OF_DAY`` time of day
        outside [0, 24 h), ``TS_LOOKS_TIME_OF_DAY`` an epoch number below one day (outside the window, and
        probably a time of day).
    """
    import polars as pl

    if isinstance(spec, str):
        spec = TimestampSpec.model_construct(format=spec, timezone=None, date_from_filename=None,
                                             ambiguous="earliest", nonexistent="quarantine")
    st = stages or _Stages("", False)
    lo, hi = _ns_bounds(window)
    u8 = pl.UInt8

    def code_of(*pairs):
        expr = pl.lit(TS_OK, u8)
        for cond, code in reversed(pairs):
            expr = pl.when(cond).then(pl.lit(code, u8)).otherwise(expr)
        return expr

    def outside(ns):  # an Int64 / Datetime ns expression outside the window
        v = ns.cast(pl.Int64)
        return ((v < lo) | (v > hi)).fill_null(False)

    def guard(v, per):  # a number of `per`-ns units that can be converted without overflow (window +- 2 days)
        g_lo = max(lo - 2 * NS_PER_DAY, NS_MIN) // per + 1
        g_hi = min(hi + 2 * NS_PER_DAY, NS_MAX) // per - 1
        return v.is_between(g_lo, g_hi)

    def finish(naive_ok, naive, stage):
        """Localize naive wall-clock ``naive`` (in range where ``naive_ok``) and check the window."""
        utc, gap, fold = localize(naive, tz, spec.ambiguous, spec.nonexistent, st, stage)
        utc = st.put("utc", utc, stage + 1)
        code = code_of((~naive_ok, TS_WINDOW), (gap, TS_GAP), (fold, TS_FOLD), (outside(utc), TS_WINDOW))
        return utc, code

    fmt = spec.format
    # ---- typed columns
    if isinstance(dtype, pl.Datetime):
        unit = dtype.time_unit or "us"
        per = {"ns": 1, "us": 1_000, "ms": 1_000_000}[unit]
        v = raw.cast(pl.Int64)  # instants (aware) or wall-clock (naive) in the column's unit
        if dtype.time_zone is not None and unit == "ns":
            ts = raw.cast(pl.Datetime("ns", dtype.time_zone))
            if dtype.time_zone != "UTC":
                ts = ts.dt.convert_time_zone("UTC")
            if window is None:
                return ts, pl.lit(TS_OK, u8)
            return ts, code_of((outside(v), TS_WINDOW))
        ok = guard(v, per)
        ns = st.put("ns", pl.when(ok).then(v * per), 0)
        if dtype.time_zone is not None:
            return ns.cast(pl.Datetime("ns", "UTC")), code_of((~ok & v.is_not_null(), TS_WINDOW), (outside(ns), TS_WINDOW))
        return finish(ok | v.is_null(), ns.cast(pl.Datetime("ns")), 1)
    if isinstance(dtype, pl.Date):
        days = raw.cast(pl.Int32).cast(pl.Int64)
        ok = guard(days, NS_PER_DAY)
        naive = st.put("naive", pl.when(ok).then(days * NS_PER_DAY).cast(pl.Datetime("ns")), 0)
        return finish(ok | days.is_null(), naive, 1)

    # ---- times of day counted from the date in the file name
    if fmt in TIME_OF_DAY_FORMATS:
        per = TIME_OF_DAY_FORMATS[fmt]
        if dtype.is_float():
            num = st.put("num", raw.cast(pl.Float64), 0)
            ok = (num >= 0) & (num < NS_PER_DAY / per)
            ns_of_day = pl.when(ok).then((num * per).round(0).cast(pl.Int64, strict=False))
        else:
            num = st.put("num", _to_int(raw, dtype), 0)
            ok = (num >= 0) & (num < NS_PER_DAY // per)
            ns_of_day = pl.when(ok).then(num * per)
        midnight = pl.lit(_dt.datetime.combine(file_date, _dt.time()), pl.Datetime("ns"))
        naive = st.put("naive", midnight + pl.duration(nanoseconds=ns_of_day), 1)
        utc, gap, fold = localize(naive, tz, spec.ambiguous, spec.nonexistent, st, 2)
        utc = st.put("utc", utc, 3)
        code = code_of((num.is_not_null() & ~ok.fill_null(False), TS_TIME_OF_DAY), (gap, TS_GAP), (fold, TS_FOLD),
                       (outside(utc), TS_WINDOW))
        return pl.when(ok).then(utc), code

    # ---- epoch numbers
    if fmt == "auto" and dtype.is_numeric():
        fmt = "epoch_auto"
    if fmt == "auto" and sample:
        digits = [str(v).strip() for v in sample if v is not None and str(v).strip() != ""]
        if digits and all(d.lstrip("-").isdigit() and len(d) >= 9 for d in digits):
            fmt = "epoch_auto"
    if fmt in EPOCH_FORMATS or fmt == "epoch_auto":
        num = st.put("num", raw.cast(pl.Float64) if dtype.is_float() else _to_int(raw, dtype), 0)
        if fmt == "epoch_auto":
            a = num.abs()
            mult = st.put("mult", (
                pl.when(a >= 10**17).then(1).when(a >= 10**14).then(1_000).when(a >= 10**11).then(1_000_000).otherwise(1_000_000_000)
            ), 1)
            per_f = mult.cast(pl.Float64)
            ok = (num.cast(pl.Float64) >= lo / per_f) & (num.cast(pl.Float64) <= hi / per_f)
            ns = pl.when(ok).then((num * mult).cast(pl.Int64, strict=False))
            tod_hint = pl.lit(False)
        else:
            per = EPOCH_FORMATS[fmt]
            if dtype.is_float():
                ok = num.is_finite() & (num >= lo / per) & (num <= hi / per)
                ns = pl.when(ok).then((num * per).cast(pl.Int64, strict=False))
            else:
                ok = (num >= -(-lo // per)) & (num <= hi // per)
                ns = pl.when(ok).then(num * per)
            # a time of day read as an epoch number lands on 1970-01-01
            tod_hint = (num >= 0) & (num < NS_PER_DAY / per)
        bad = num.is_not_null() & ~ok.fill_null(False)
        code = code_of((bad & tod_hint, TS_LOOKS_TIME_OF_DAY), (bad, TS_WINDOW))
        return ns.cast(pl.Datetime("ns", "UTC")), code

    # ---- text with a strftime pattern
    text = st.put("stripped", raw.cast(pl.String).str.strip_chars(), 0)
    text = pl.when(text.str.ends_with("Z")).then(text.str.strip_suffix("Z") + pl.lit("+0000")).otherwise(text)
    if file_date is not None:
        text = pl.lit(file_date.isoformat() + " ") + text
        fmt = "%Y-%m-%d " + (fmt if fmt not in ("auto", "iso") else "%H:%M:%S%.f")
    elif fmt in ("auto", "iso"):
        fmt = _pick_ts_format(sample or []) or "%Y-%m-%dT%H:%M:%S%.f"
    text = st.put("text", text, 1)
    parsed = st.put("parsed", text.str.to_datetime(fmt, time_unit="ns", strict=False), 2)
    aware = "%z" in fmt or "%Z" in fmt
    # nanoseconds hold the years 1677-2262 only: a later or earlier year wraps round silently, so the
    # year is checked on the text (a wrapped value differs from it by centuries)
    if fmt.startswith("%Y"):
        year = text.str.slice(0, 4).cast(pl.Int32, strict=False)
        in_range = year.is_between(*_NS_YEARS) & ((parsed.dt.year() - year).abs() <= 1)
    else:
        coarse = text.str.to_datetime(fmt, time_unit="us", strict=False)
        in_range = coarse.dt.year().is_between(*_NS_YEARS)
    in_range = st.put("in_range", in_range | parsed.is_null(), 3)
    if aware:
        utc = st.put("utc", parsed.dt.convert_time_zone("UTC"), 3)
        return utc, code_of((~in_range, TS_WINDOW), (outside(utc), TS_WINDOW))
    return finish(in_range, parsed, 4)


def _to_int(raw, dtype):
    """An integer (Int64) expression from text or a number; null when not an integer."""
    import polars as pl

    if dtype == pl.String:
        return raw.str.strip_chars().cast(pl.Int64, strict=False)
    if dtype.is_integer():
        return raw.cast(pl.Int64, strict=False)
    return raw.cast(pl.Int64, strict=False)


def parse_timestamp_expr(raw, dtype, spec_format: str, tz: str, sample: list | None = None):
    """:func:`parse_timestamp` as one expression: the time stamps, null wherever they have a problem."""
    import polars as pl

    ts, code = parse_timestamp(raw, dtype, spec_format, tz, sample)
    return pl.when(code == TS_OK).then(ts)


def _date_code(parsed, window: PlausibleWindow | None):
    """Problem code of a parsed Date column (outside the window)."""
    import polars as pl

    if window is None:
        return pl.lit(TS_OK, pl.UInt8)
    out = ((parsed < pl.lit(window.first_date)) | (parsed > pl.lit(window.last_date))).fill_null(False)
    return pl.when(out).then(pl.lit(TS_WINDOW, pl.UInt8)).otherwise(pl.lit(TS_OK, pl.UInt8))


# ------------------------------------------------------------------------------------ the reader


def read_generic(path: str | Path, kind: str, mapping: Mapping, session_tz: str, window: PlausibleWindow | None = None):
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
    window : PlausibleWindow, optional
        Plausible time stamps (:func:`plausible_window`); rows outside get a reason naming the window.
        Without one, only stamps outside the nanosecond range (years before 1678 or after 2261) do.

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
    return parse_frame(scan_source(path, mapping), str(path), kind, mapping, session_tz, window)


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


def _identity(col, src_dtype, n_sources: int, mapping: Mapping) -> bool:
    """Whether the parsed value of ``col`` is the source value itself (so its raw text is the parsed value's)."""
    import polars as pl

    if n_sources != 1:
        return False
    if col.dtype == "f64":
        scaled = (col.name in PRICE_COLUMNS and mapping.price_scale != 1.0) or (col.name in SIZE_COLUMNS and mapping.size_scale != 1.0)
        return src_dtype == pl.Float64 and not scaled
    if col.dtype == "datetime_ns_utc":
        return isinstance(src_dtype, pl.Datetime) and src_dtype.time_unit == "ns" and src_dtype.time_zone == "UTC"
    if col.dtype == "date":
        return src_dtype == pl.Date
    if col.dtype in ("i64", "i32"):
        return src_dtype == pl.Int64
    return False


def parse_frame(lf, path: str, kind: str, mapping: Mapping, session_tz: str, window: PlausibleWindow | None = None):
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

    ts_names = [c.name for c in contract.columns if c.dtype == "datetime_ns_utc" and available(c.name)]
    file_date = mapping.date_for(path) if (ts_names and mapping.timestamp.is_time_of_day) else None
    # a small sample of raw time values lets 'auto' choose a format once for the whole column
    samples: dict[str, list] = {}
    if any(len(mapping.source_columns(n)) > 1 or schema[mapping.source_columns(n)[0]] == pl.String for n in ts_names):
        head = _collect(lf.head(2000), path)
        for name in ts_names:
            samples[name] = _joined(head, mapping.source_columns(name)).to_list() if head.height else []

    select = [pl.col(ROW)]
    staged: list = []  # (stages, final expressions) of the time columns
    checks: list[str] = []  # canonical columns read from the file, in contract order
    identity: dict[str, bool] = {}
    deferred: dict[str, object] = {}  # text columns parsed after the collect (only when not already clean)
    coded: set[str] = set()
    for col in contract.columns:
        if not available(col.name):
            continue
        srcs = mapping.source_columns(col.name)
        raw = _joined_expr(srcs) if len(srcs) > 1 else pl.col(srcs[0])
        src_dtype = pl.String if len(srcs) > 1 else schema[srcs[0]]
        checks.append(col.name)
        if col.dtype == "datetime_ns_utc":
            # the source goes in the first select (as the raw column, or a temporary one when the parsed
            # value is the source itself); the parse runs in stages after it, each intermediate once
            identity_ts = _identity(col, src_dtype, len(srcs), mapping)
            ref = f"_src_{col.name}" if identity_ts else RAW + col.name
            select.append(raw.alias(ref))
            st = _Stages(f"_st_{col.name}_", True)
            ts, code = parse_timestamp(pl.col(ref), src_dtype, mapping.timestamp, tz, samples.get(col.name), window, file_date, st)
            if identity_ts:
                st.names.append(ref)
            staged.append((st, [ts.alias(col.name), code.alias(CODE + col.name)]))
            coded.add(col.name)
        elif col.dtype == "date":
            parsed = _parse(col, raw, src_dtype, mapping)
            select += [parsed.alias(col.name), _date_code(parsed, window).alias(CODE + col.name)]
            coded.add(col.name)
        elif col.dtype == "str" and src_dtype == pl.String:
            deferred[col.name] = raw  # cleaned after the collect, on the distinct values only
        else:
            select.append(_parse(col, raw, src_dtype, mapping).alias(col.name))
        identity[col.name] = _identity(col, src_dtype, len(srcs), mapping) and col.name not in deferred
        if not identity[col.name] and col.dtype != "datetime_ns_utc":  # (time columns: selected above)
            select.append(raw.alias(RAW + col.name))

    if constant_symbol is not None and not available("symbol"):
        select.append(pl.lit(constant_symbol, pl.String).alias("symbol"))
    if kind == "fills" and not available("order_id"):
        select.append(pl.lit(None, pl.String).alias("order_id"))
    if kind == "orders" and not available("order_id"):
        sym = pl.col(mapping.source_columns("symbol")[0]).cast(pl.String) if available("symbol") else pl.lit(constant_symbol or "order")
        select.append((sym.fill_null("order") + pl.lit("-") + pl.col(ROW).cast(pl.String)).alias("order_id"))

    plan = lf.select(select)
    depth = max((len(st.stages) for st, _ in staged), default=0)
    for k in range(depth):
        plan = plan.with_columns([e for st, _ in staged if len(st.stages) > k for e in st.stages[k]])
    if staged:
        plan = plan.with_columns([e for _, final in staged for e in final]).drop([n for st, _ in staged for n in st.names])
    out = _collect(plan, path)
    if out.height == 0:
        raise EmptyDataError(f"{path}: the file has a header but no rows; nothing to ingest.")

    # text columns: strip blanks and turn "" into null, but only when some distinct value needs it
    for name, _raw in deferred.items():
        src = out.get_column(RAW + name)
        if _text_is_clean(src):
            identity[name] = True
            out = out.with_columns(src.alias(name)).drop(RAW + name)
        else:
            text = pl.col(RAW + name).str.strip_chars()
            out = out.with_columns(pl.when(text == "").then(pl.lit(None, pl.String)).otherwise(text).alias(name))

    out = _with_reasons(out, checks, coded, identity, contract, mapping, tz, window)
    if kind == "fills" and not available("order_id"):
        # one parent order per symbol and side, the usual case of a single-order fills export
        out = out.with_columns(
            (pl.col("symbol") + pl.lit("-") + pl.when(pl.col("side") > 0).then(pl.lit("B")).otherwise(pl.lit("S"))).alias("order_id")
        )
    # canonical columns in contract order, then the bookkeeping columns
    names = [c for c in contract.names if c in out.columns]
    raws = []
    for name in checks:
        raws.append(pl.lit(None).alias(RAW + name) if identity[name] else pl.col(RAW + name))
    return out.select([pl.col(n) for n in names] + [pl.col(ROW), pl.col(REASON)] + raws)


def _text_is_clean(series) -> bool:
    """True when no value of a text column has surrounding blanks or is empty (checked on distinct values).

    Tick files hold a symbol column in long runs (written symbol by symbol, or symbol-day by symbol-day):
    the distinct values are then taken among the runs' values, one comparison of neighbours a row, instead
    of hashing every row (0.09 s against 0.22-0.37 s for 12.5 M quotes on one core); a column whose first rows
    change value often (interleaved symbols) is hashed directly.
    """
    distinct = series.drop_nulls()
    if distinct.len() > 64:
        head = distinct.head(4096)
        if head.rle_id().max() < 256:  # long runs at the start: most likely long runs throughout
            distinct = distinct.rle().struct.field("value")
        distinct = distinct.unique()
    if distinct.len() == 0:
        return True
    stripped = distinct.str.strip_chars()
    return bool((stripped == distinct).all()) and not bool((distinct == "").any())


def _with_reasons(out, checks, coded, identity, contract, mapping, tz, window):
    """Add ``_reason``: null for rows that parsed, otherwise the first failing column's reason.

    The test that a row needs a reason is a few null checks per column; the reason texts are built only
    for the rows that need one.
    """
    import polars as pl

    flags = []
    for name in checks:
        flags.append(pl.col(name).is_null())
        if name in coded:
            flags.append(pl.col(CODE + name) != TS_OK)
    codes = [CODE + n for n in coded]
    need = out.select(pl.any_horizontal(flags).alias("_need")).to_series() if flags else None
    if need is None or not bool(need.any()):
        return out.drop(codes).with_columns(pl.lit(None, pl.String).alias(REASON))

    idx = need.arg_true()
    sub = out[idx]
    reason = pl.lit(None, pl.String)
    # the first failing column (in contract order) names the reason; build from the last so the first wins
    for name in reversed(checks):
        col = contract.column(name)
        raw_col = (pl.col(name) if identity[name] else pl.col(RAW + name)).cast(pl.String)
        is_blank = raw_col.is_null() | (raw_col.str.strip_chars() == "")
        shown = raw_col.str.slice(0, 40)
        if col.required or name in ("ts", "date"):
            missing = pl.when(is_blank).then(pl.lit(f"missing {name}"))
        else:
            missing = pl.when(pl.lit(False)).then(pl.lit(None, pl.String))
        if name in coded:
            code = pl.col(CODE + name)
            label = _window_label(window)
            fmt = mapping.timestamp.format
            unit = fmt.split("_", 1)[1] if fmt in EPOCH_FORMATS else "ms"
            problem = (
                pl.when(code == TS_WINDOW)
                .then(pl.lit(f"{name} outside the plausible window ({label}) '") + shown + pl.lit("'"))
                .when(code == TS_LOOKS_TIME_OF_DAY)
                .then(
                    pl.lit(f"{name} outside the plausible window ({label}; '") + shown
                    + pl.lit(f"' read as {fmt} falls on 1970-01-01: if it is a time of day, set timestamp.format: "
                             f"{unit}_since_midnight with date_from_filename)")
                )
                .when(code == TS_GAP)
                .then(pl.lit(f"non-existent local time (DST gap in {tz}; timestamp.nonexistent) '") + shown + pl.lit("'"))
                .when(code == TS_FOLD)
                .then(pl.lit(f"ambiguous local time (DST fold in {tz}; timestamp.ambiguous) '") + shown + pl.lit("'"))
                .when(code == TS_TIME_OF_DAY)
                .then(pl.lit(f"time of day outside 0-24 h ({fmt}) '") + shown + pl.lit("'"))
            )
            bad = pl.when(~is_blank & (code != TS_OK)).then(problem).when(~is_blank & pl.col(name).is_null()).then(
                pl.lit(f"unparseable {name} '") + shown + pl.lit("'")
            )
        else:
            bad = pl.when(~is_blank & pl.col(name).is_null()).then(pl.lit(f"unparseable {name} '") + shown + pl.lit("'"))
        reason = missing.otherwise(bad.otherwise(reason))
    texts = sub.select(reason.alias(REASON)).to_series()
    full = pl.select(pl.repeat(None, out.height, dtype=pl.String).alias(REASON)).to_series().scatter(idx, texts)
    return out.drop(codes).with_columns(full)


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


def _scaled(num, scale: float):
    """``num * scale``; a scale that is 1 / an integer (0.0001: prices in 1/10000 dollar) divides by that
    integer instead, so that ``1000200 * 0.0001`` gives the double nearest 100.02, not 100.02000000000001."""
    inverse = 1.0 / scale
    divisor = round(inverse)
    if divisor > 1 and abs(inverse - divisor) <= 1e-9 * divisor:
        from liqcost.io.formats._common import exact_divide

        return exact_divide(num, float(divisor))
    return num * scale


def _parse(col, raw, src_dtype, mapping: Mapping):
    """Parse expression of a non-time column."""
    import polars as pl

    if col.dtype == "date":
        if isinstance(src_dtype, pl.Date):
            return raw
        if isinstance(src_dtype, pl.Datetime):
            return raw.dt.date()
        text = raw.cast(pl.String).str.strip_chars()
        fmt = mapping.timestamp.format
        if fmt in ("auto", "iso") or fmt.startswith("epoch") or fmt in TIME_OF_DAY_FORMATS:
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
            num = _scaled(num, mapping.price_scale)
        if col.name in SIZE_COLUMNS and mapping.size_scale != 1.0:
            num = _scaled(num, mapping.size_scale)
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

"""The user's orders and liquidity profiles, read once by one set of rules for every command.

``pretrade``, ``plan`` (and later ``tca`` and ``simulate``) take orders from a file, from command-line
flags or from a Python frame, and profiles from a file, a frame or a dataset. Whatever the way in, the
same order is accepted or refused by the same rule with the same sentence:

* :func:`normalize_orders` checks an orders frame against ``schema.ORDERS``: the side words of
  ``schema.SIDE_WORDS`` (case-insensitive: ``buy``, ``b``, ``+1``, ``sell``, ``s``, ``-1``, ``short`` ...),
  a positive, finite, whole number of shares below ``schema.MAX_ORDER_SHARES`` (fractional sizes are
  refused unless ``orders.fractional_shares: round_down``), a participation cap in (0, 1], a
  non-negative urgency, a positive limit price, an end after the start, one id per order (default
  ``SYMBOL-ROW``). A refused order is a row of ``problems`` (``schema.ORDER_PROBLEMS``: the row, the
  column at fault and one sentence saying what to do); the others go on.
* :func:`normalize_profiles` checks a profile table against ``schema.PROFILE`` and keeps one row per
  symbol (the latest ``asof_date``).

This module reads no file (``liqcost.app`` reads the files and hands the frames here), so the library
packages (``pretrade``, ``planner``) can apply the same rules to frames given from Python.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

from liqcost.errors import DataQualityWarning, DeprecatedKeyWarning, OrderError
from liqcost.schema import MAX_ORDER_SHARES, ORDER_PROBLEMS, ORDERS, PROFILE, SIDE_WORDS, check_frame

__all__ = ["OrderCheck", "as_frame", "normalize_orders", "normalize_profiles", "order_where"]

_NUMERIC = ("qty", "max_participation", "urgency", "limit_price")
_TIMES = ("start", "end")
_TS_FORMATS_TZ = ("%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%d %H:%M%z")
_TS_FORMATS_NAIVE = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d")


@dataclass(frozen=True)
class OrderCheck:
    """Orders after :func:`normalize_orders`.

    Attributes
    ----------
    orders : polars.DataFrame
        The usable orders in input order: ``row``, ``order_id``, ``symbol``, ``side`` (Int8, +1/-1), ``qty``
        (Float64, whole shares) and those of ``start``, ``end`` (Datetime ns UTC), ``max_participation``,
        ``urgency``, ``limit_price`` the input had.
    problems : polars.DataFrame
        The refused orders (``schema.ORDER_PROBLEMS``), one row each with the first problem found.
    source : str
        Where the orders came from (a file name, ``orders``), used in messages.
    n_input : int
        Orders in the input (usable + refused).
    notes : tuple of str
        What was changed on the way (sizes rounded down).
    """

    orders: object
    problems: object
    source: str = "orders"
    n_input: int = 0
    notes: tuple = field(default_factory=tuple)

    def messages(self) -> list[str]:
        """One line per refused order: ``<where>: <reason>``."""
        return [f"{order_where(self.source, r['row'], r['order_id'])}: {r['reason']}"
                for r in self.problems.iter_rows(named=True)]


def order_where(source: str, row, order_id) -> str:
    """``orders.csv row 3 (order B)``: where an order is, for messages."""
    parts = [source] if source else []
    if row is not None:
        parts.append(f"row {row}")
    text = " ".join(parts)
    if order_id is not None:
        text = f"{text} (order {order_id})" if text else f"order {order_id}"
    return text or "order"


def as_frame(data, what: str = "orders"):
    """A polars DataFrame from a DataFrame, LazyFrame, one mapping (a row) or a list of mappings.

    Columns whose values mix types (``qty`` given as ``100`` and ``"abc"``) are kept as text, so the
    rules can say which value is wrong instead of failing on the whole frame.
    """
    import polars as pl

    if isinstance(data, pl.LazyFrame):
        return data.collect()
    if isinstance(data, pl.DataFrame):
        return data
    if isinstance(data, dict):
        data = [data]
    if isinstance(data, (list, tuple)) and all(isinstance(r, dict) for r in data):
        names = list(dict.fromkeys(k for r in data for k in r))
        cols = []
        for name in names:
            values = [r.get(name) for r in data]
            try:
                cols.append(pl.Series(name, values))
            except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
                cols.append(pl.Series(name, [None if v is None else str(v) for v in values], dtype=pl.String))
        return pl.DataFrame(cols) if cols else pl.DataFrame()
    raise OrderError(
        f"{what}: expected a polars DataFrame or LazyFrame, a mapping or a list of mappings, got {type(data).__name__}."
    )


def _fmt(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return f"{value:g}" if abs(value) < 1e15 else f"{value:.4g}"
    return str(value)


def _text(col: str):
    import polars as pl

    return pl.col(col).cast(pl.String).str.strip_chars()


def _number(frame, col: str):
    """(value as Float64, text as given) of a numeric column that may hold text."""
    import polars as pl

    dtype = frame.schema[col]
    if dtype == pl.String:
        text = _text(col)
        return text.str.replace(r"^\+", "").cast(pl.Float64, strict=False), pl.when(text == "").then(None).otherwise(text)
    if dtype.is_numeric() or dtype == pl.Null:
        return pl.col(col).cast(pl.Float64, strict=False), pl.col(col).cast(pl.String)
    return pl.lit(None, pl.Float64), pl.col(col).cast(pl.String)


def _times(frame, col: str, naive_tz: str):
    """``col`` as Datetime(ns, UTC), and whether a given value could not be read."""
    import polars as pl

    dtype = frame.schema[col]
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:  # a naive time is ambiguous: refused with its reason
            return pl.lit(None, pl.Datetime("ns", "UTC")), pl.col(col).is_not_null(), "has no time zone"
        return pl.col(col).dt.convert_time_zone("UTC").cast(pl.Datetime("ns", "UTC")), pl.lit(False), ""
    if dtype.is_integer():  # ns since the epoch, UTC
        return pl.from_epoch(pl.col(col).cast(pl.Int64), "ns").dt.replace_time_zone("UTC"), pl.lit(False), ""
    if dtype == pl.Date:
        return pl.col(col).cast(pl.Datetime("ns")).dt.replace_time_zone(naive_tz).dt.convert_time_zone("UTC"), pl.lit(False), ""
    text = _text(col).str.replace(r"Z$", "+0000")
    aware = [text.str.to_datetime(f, time_unit="ns", time_zone="UTC", strict=False) for f in _TS_FORMATS_TZ]
    naive = [text.str.to_datetime(f, time_unit="ns", strict=False).dt.replace_time_zone(naive_tz, non_existent="null")
             .dt.convert_time_zone("UTC") for f in _TS_FORMATS_NAIVE]
    parsed = pl.coalesce(aware + naive)
    given = pl.col(col).is_not_null() & (text != "")
    return parsed, given & parsed.is_null(), "is not a time"


def normalize_orders(orders, *, source: str = "orders", fractional: str = "refuse", naive_tz: str = "UTC",
                     unreadable=None) -> OrderCheck:
    """Check orders by the one set of rules of the module docstring.

    Parameters
    ----------
    orders : polars.DataFrame, polars.LazyFrame, dict or list of dict
        ``symbol``, ``side``, ``qty`` and optionally ``order_id``, ``start``, ``end``,
        ``max_participation``, ``urgency``, ``limit_price``; numbers may be text (a file read as text), the
        side a word or +1/-1, times aware datetimes, ns since the epoch (UTC) or ISO 8601 text. A ``row``
        column (the file's line numbers) is kept; else rows are numbered from 1.
    source : str
        Where the orders come from, for messages (``orders.csv``).
    fractional : ``"refuse"``, ``"round_down"`` or ``"allow"``
        ``orders.fractional_shares``; ``allow`` is for model sweeps (a cost curve at fractions of ADV), not
        for orders a person gives.
    naive_tz : str
        Time zone of times written without an offset.
    unreadable : polars.DataFrame, optional
        Values a file reader could not parse (``row``, ``column``, ``value``): the order of that row is
        refused for it first.

    Returns
    -------
    OrderCheck

    Raises
    ------
    liqcost.errors.OrderError
        The input lacks the ``symbol``, ``side`` or ``qty`` column (nothing can be read).
    """
    import polars as pl

    frame = as_frame(orders, source)
    missing = [c for c in ("symbol", "side", "qty") if c not in frame.columns]
    if missing:
        raise OrderError(
            f"{source}: orders need the columns symbol, side and qty; missing {', '.join(missing)} "
            f"(columns present: {', '.join(frame.columns) or 'none'})."
        )
    n = frame.height
    if "row" in frame.columns:
        frame = frame.with_columns(pl.col("row").cast(pl.Int64))
    else:
        frame = frame.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))

    df, time_cols = _values(frame, naive_tz)
    df = _first_problem(df, fractional, time_cols, unreadable)
    df = _refuse_repeated_ids(df)

    bad = df.filter(pl.col("_code").is_not_null())
    reasons = [_reason(r, fractional) for r in bad.iter_rows(named=True)]  # refused rows only
    problems = bad.select(
        "row", "order_id", "symbol", pl.col("_column").alias("column"), pl.Series("reason", reasons, dtype=pl.String)
    ) if bad.height else pl.DataFrame(schema=ORDER_PROBLEMS.polars_schema())

    clean = df.filter(pl.col("_code").is_null())
    notes = []
    if fractional == "round_down" and clean.height:
        frac = clean.filter(pl.col("qty").floor() != pl.col("qty"))
        if frac.height:
            r = frac.row(0, named=True)
            notes.append(f"{source}: {frac.height} order size(s) rounded down to whole shares (orders.fractional_shares: "
                         f"round_down), e.g. {order_where('', r['row'], r['order_id'])}: {_fmt(r['qty'])} -> {math.floor(r['qty'])}.")
            clean = clean.with_columns(pl.col("qty").floor())
    keep = ["row", "order_id", "symbol", "side", "qty"] + [c for c in ORDERS.optional if c in clean.columns]
    clean = clean.select(keep)
    return OrderCheck(clean, problems.select(ORDER_PROBLEMS.names), source, n, tuple(notes))


def _values(frame, naive_tz: str):
    """The order's values as the rules read them (text kept beside numbers, for the messages)."""
    import polars as pl

    sym = _text("symbol")
    sym = pl.when(sym == "").then(None).otherwise(sym)
    side_text = _text("side").str.to_lowercase()
    if frame.schema["side"].is_numeric():
        v = pl.col("side").cast(pl.Float64)
        side = pl.when(v == 1).then(1).when(v == -1).then(-1).otherwise(None).cast(pl.Int8)
    else:
        side = side_text.replace_strict(list(SIDE_WORDS), list(SIDE_WORDS.values()), default=None, return_dtype=pl.Int8)
    exprs = [sym.alias("symbol"), side.alias("side"), _text("side").alias("_side_text")]
    for col in _NUMERIC:
        if col in frame.columns:
            value, text = _number(frame, col)
            exprs += [value.alias(col), text.alias(f"_{col}_text")]
    time_bad = {}
    for col in _TIMES:
        if col in frame.columns:
            value, bad, why = _times(frame, col, naive_tz)
            exprs += [value.alias(col), bad.alias(f"_{col}_bad"), _text(col).alias(f"_{col}_text")]
            time_bad[col] = why
    if "order_id" in frame.columns:
        oid = _text("order_id")
        oid = pl.when(oid == "").then(None).otherwise(oid)
    else:
        oid = pl.lit(None, pl.String)
    default_id = pl.coalesce(sym, pl.lit("order")) + pl.lit("-") + pl.col("row").cast(pl.String)
    exprs.append(pl.coalesce(oid, default_id).alias("order_id"))
    return frame.with_columns(exprs), time_bad


def _first_problem(df, fractional: str, time_bad: dict, unreadable):
    """``_code`` and ``_column`` of the first rule each row fails (null when it passes them all)."""
    import polars as pl

    q = pl.col("qty")
    whole = q.floor()
    checks = [
        ("symbol", pl.col("symbol").is_null(), "no_symbol"),
        ("side", pl.col("side").is_null(), "bad_side"),
        ("qty", q.is_null() & pl.col("_qty_text").is_not_null(), "qty_text"),
        ("qty", q.is_null(), "no_qty"),
        ("qty", q.is_nan(), "qty_nan"),
        ("qty", q.is_infinite(), "qty_inf"),
        ("qty", q <= 0, "qty_nonpositive"),
        ("qty", q > MAX_ORDER_SHARES, "qty_huge"),
        ("qty", (whole != q) & pl.lit(fractional == "refuse"), "qty_fraction"),
        ("qty", (whole != q) & (whole < 1) & pl.lit(fractional == "round_down"), "qty_rounds_to_zero"),
    ]
    if "max_participation" in df.columns:
        mp = pl.col("max_participation")
        checks += [("max_participation", mp.is_null() & pl.col("_max_participation_text").is_not_null(), "num_text"),
                   ("max_participation", mp.is_not_null() & (mp.is_nan() | (mp <= 0) | (mp > 1)), "cap_range")]
    if "urgency" in df.columns:
        u = pl.col("urgency")
        checks += [("urgency", u.is_null() & pl.col("_urgency_text").is_not_null(), "num_text"),
                   ("urgency", u.is_not_null() & (~u.is_finite() | (u < 0)), "urgency_range")]
    if "limit_price" in df.columns:
        lp = pl.col("limit_price")
        checks += [("limit_price", lp.is_null() & pl.col("_limit_price_text").is_not_null(), "num_text"),
                   ("limit_price", lp.is_not_null() & (~lp.is_finite() | (lp <= 0)), "price_range")]
    for col in time_bad:
        checks.append((col, pl.col(f"_{col}_bad"), "time_bad"))
    if "start" in df.columns and "end" in df.columns:
        checks.append(("end", pl.col("start").is_not_null() & pl.col("end").is_not_null() & (pl.col("end") <= pl.col("start")),
                       "end_before_start"))
    code = pl.lit(None, pl.String)
    column = pl.lit(None, pl.String)
    for col, cond, c in reversed(checks):
        hit = cond.fill_null(False)
        code = pl.when(hit).then(pl.lit(c)).otherwise(code)
        column = pl.when(hit).then(pl.lit(col)).otherwise(column)
    df = df.with_columns(code.alias("_code"), column.alias("_column"))
    if unreadable is not None and unreadable.height:
        first = unreadable.sort("row").unique("row", keep="first", maintain_order=True)
        df = df.join(first.select(pl.col("row").cast(pl.Int64), pl.col("column").alias("_ucol"), pl.col("value").alias("_uval")),
                     on="row", how="left").with_columns(
            pl.when(pl.col("_ucol").is_not_null()).then(pl.lit("unreadable")).otherwise(pl.col("_code")).alias("_code"),
            pl.coalesce("_ucol", "_column").alias("_column"),
        )
    else:
        df = df.with_columns(pl.lit(None, pl.String).alias("_ucol"), pl.lit(None, pl.String).alias("_uval"))
    return df


def _refuse_repeated_ids(df):
    """A later row with an id already used is refused (the first keeps it)."""
    import polars as pl

    good = df.filter(pl.col("_code").is_null())
    dup = good.filter(pl.col("order_id").is_duplicated())
    if dup.height:
        first = dup.group_by("order_id").agg(pl.col("row").min().alias("_first"))
        df = df.join(first, on="order_id", how="left").with_columns(
            pl.when(pl.col("_code").is_null() & pl.col("_first").is_not_null() & (pl.col("row") != pl.col("_first")))
            .then(pl.lit("duplicate_id")).otherwise(pl.col("_code")).alias("_code"),
            pl.when(pl.col("_code").is_null() & pl.col("_first").is_not_null() & (pl.col("row") != pl.col("_first")))
            .then(pl.lit("order_id")).otherwise(pl.col("_column")).alias("_column"),
        )
    else:
        df = df.with_columns(pl.lit(None, pl.Int64).alias("_first"))
    return df


def _reason(r: dict, fractional: str) -> str:
    """The sentence for one refused order (what is wrong, what to do)."""
    code = r["_code"]
    col = r["_column"]
    if code == "unreadable":
        return f"{col} {r['_uval']!r} cannot be read; fix the value in the file"
    if code == "no_symbol":
        return "no symbol; give the name's ticker"
    if code == "bad_side":
        text = r["_side_text"]
        if text is None or text == "":
            return "no side; give buy or sell"
        return f"side {text!r} is neither buy nor sell; write buy (b, +1) or sell (s, -1)"
    q = r.get("qty")
    if code == "qty_text":
        return f"qty {r['_qty_text']!r} is not a number; give the size in shares"
    if code == "no_qty":
        return "no qty; give the size in shares"
    if code == "qty_nan":
        return "qty is NaN; give the size in shares"
    if code == "qty_inf":
        return f"qty {_fmt(q)} is not a finite number of shares; give the size in shares"
    if code == "qty_nonpositive":
        return f"qty {_fmt(q)} is not above zero; an order is for one share or more"
    if code == "qty_huge":
        return (f"qty {_fmt(q)} is beyond {MAX_ORDER_SHARES:.4g} shares, the largest size liqcost holds exactly; "
                "check the units of the size")
    if code == "qty_fraction":
        return (f"qty {_fmt(q)} is not a whole number of shares; give whole shares "
                "(or set orders.fractional_shares: round_down)")
    if code == "qty_rounds_to_zero":
        return f"qty {_fmt(q)} rounds down to zero shares; give one share or more"
    if code == "num_text":
        return f"{col} {r[f'_{col}_text']!r} is not a number; fix the value"
    if code == "cap_range":
        return f"max_participation {_fmt(r['max_participation'])} is outside (0, 1]; give the cap as a fraction of volume, e.g. 0.1"
    if code == "urgency_range":
        return f"urgency {_fmt(r['urgency'])} is not a number >= 0 (the Almgren-Chriss risk aversion); give 0 or more"
    if code == "price_range":
        return f"limit_price {_fmt(r['limit_price'])} is not a positive price; give the limit in currency per share"
    if code == "time_bad":
        text = r.get(f"_{col}_text")
        return (f"{col} {text!r} is not a time with a zone; give ISO 8601 with an offset, e.g. 2025-03-31T13:30:00Z")
    if code == "end_before_start":
        return f"end {r['end']} is not after start {r['start']}; give a window that ends after it starts"
    if code == "duplicate_id":
        return f"order_id {r['order_id']!r} is also on row {r['_first']}; give each order its own id"
    raise AssertionError(code)  # pragma: no cover - every code has a sentence


# --------------------------------------------------------------------------------------------- profiles
_LIST_COLUMNS = ("daily_volume_shares", "volume_profile_frac")
_INT_COLUMNS = ("lookback_days", "zero_volume_days", "profile_interval_minutes", "lookback_days_long", "missing_days",
                "n_valid_bars")
_RENAMED_COLUMNS = {"profile_interval_min": "profile_interval_minutes"}


def normalize_profiles(profiles, source: str = "profiles"):
    """Check a profile table (``schema.PROFILE``) and keep one row per symbol (the latest ``asof_date``).

    Text-stored values (a CSV: lists joined by ``;``, dates as text) are read back; an all-null optional
    column gets its contract type; a column with its pre-0.2 name (``profile_interval_min``) is renamed,
    with a :class:`~liqcost.errors.DeprecatedKeyWarning`.

    Raises
    ------
    liqcost.errors.SchemaError
        A required column is missing or has the wrong type.
    """
    import polars as pl

    frame = as_frame(profiles, source) if not isinstance(profiles, pl.DataFrame) else profiles
    for old, new in _RENAMED_COLUMNS.items():
        if old in frame.columns and new not in frame.columns:
            warnings.warn(f"{source}: column {old} is renamed {new} (a profile written by an older liqcost); "
                          "it is read under the new name.", DeprecatedKeyWarning, stacklevel=2)
            frame = frame.rename({old: new})
    fixes = []
    for col, dtype in frame.schema.items():
        if col in _LIST_COLUMNS:
            if dtype == pl.String:
                fixes.append(pl.col(col).str.split(";").list.eval(pl.element().cast(pl.Float64, strict=False)).alias(col))
            elif isinstance(dtype, (pl.List, pl.Array)):
                fixes.append(pl.col(col).cast(pl.List(pl.Float64)))
        elif col == "asof_date" and dtype == pl.String:
            fixes.append(pl.col(col).str.to_date(strict=False))
        elif col in _INT_COLUMNS and dtype != pl.Int64 and (dtype.is_numeric() or dtype in (pl.String, pl.Null)):
            fixes.append(pl.col(col).cast(pl.Int64, strict=False))
        elif dtype == pl.Null and col in PROFILE.names:
            fixes.append(pl.col(col).cast(PROFILE.polars_schema([col])[col]))
    if fixes:
        frame = frame.with_columns(fixes)
    check_frame(frame, PROFILE, source)
    dups = frame.filter(pl.col("symbol").is_duplicated())
    if dups.height:
        n = dups.get_column("symbol").n_unique()
        warnings.warn(f"{source}: {n} symbol(s) have several profile rows; the one with the latest asof_date is used.",
                      DataQualityWarning, stacklevel=2)
        frame = frame.sort("asof_date").unique("symbol", keep="last", maintain_order=True)
    return frame

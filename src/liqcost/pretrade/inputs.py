"""Inputs of the pre-trade check: orders, liquidity profiles, and where the profiles come from.

* :func:`normalize_orders` checks an orders frame (``schema.ORDERS``) and sets aside unusable rows with
  a reason instead of failing the whole batch.
* :func:`check_profiles` checks a profile table (``schema.PROFILE``) and keeps one row per symbol.
* :func:`read_profile_file` reads a profile table written by ``liqcost --format parquet -o prof.parquet
  profile ...`` (Parquet, CSV or JSON).
* :func:`profiles_for` builds profiles from a dataset with :mod:`liqcost.measures.build` (ticks, bars or
  both; a bars-only profile is marked ``source = 'bars'`` so the cost band is widened).
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

from liqcost.errors import DataQualityWarning, EmptyDataError, FileFormatError, NoDataError
from liqcost.schema import PROFILE, check_frame

__all__ = [
    "ERROR_COLUMNS",
    "bar_profile_basic",
    "check_profiles",
    "normalize_orders",
    "profiles_for",
    "read_profile_file",
]

ERROR_COLUMNS = {"row": "i64", "order_id": "str", "symbol": "str", "reason": "str"}


def _error_frame(rows=None):
    import polars as pl

    schema = {"row": pl.Int64, "order_id": pl.String, "symbol": pl.String, "reason": pl.String}
    if rows is None:
        return pl.DataFrame(schema=schema)
    return rows.select([pl.col(c).cast(t) if c in rows.columns else pl.lit(None, t).alias(c) for c, t in schema.items()])


def normalize_orders(orders):
    """Check an orders frame; return the usable rows and the rejected ones with a reason.

    Parameters
    ----------
    orders : polars.DataFrame
        Columns of ``schema.ORDERS`` (``order_id`` optional: generated as ``<symbol>-<row>`` when absent).
        ``side`` may be +1/-1 or buy/sell text.

    Returns
    -------
    (polars.DataFrame, polars.DataFrame)
        Clean orders (``row`` added, 1-based position in the input, ``side`` Int8, ``qty`` Float64) and
        rejected rows (``row``, ``order_id``, ``symbol``, ``reason``).
    """
    import polars as pl

    from liqcost.errors import OrderError

    missing = [c for c in ("symbol", "side", "qty") if c not in orders.columns]
    if missing:
        raise OrderError(
            f"orders need the columns symbol, side and qty; missing {', '.join(missing)} "
            f"(columns present: {', '.join(orders.columns) or 'none'})."
        )
    df = orders.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))
    if "order_id" not in df.columns:
        df = df.with_columns((pl.col("symbol").cast(pl.String) + "-" + pl.col("row").cast(pl.String)).alias("order_id"))
    side = pl.col("side")
    if df.schema["side"] == pl.String:
        s = side.str.strip_chars().str.to_lowercase()
        side_expr = (
            pl.when(s.is_in(["buy", "b", "+1", "1", "long"])).then(1)
            .when(s.is_in(["sell", "s", "-1", "short", "sell_short", "sellshort"])).then(-1)
            .otherwise(None)
        )
    else:
        side_expr = pl.when(side.cast(pl.Float64) == 1).then(1).when(side.cast(pl.Float64) == -1).then(-1).otherwise(None)
    df = df.with_columns(
        pl.col("order_id").cast(pl.String),
        pl.col("symbol").cast(pl.String).str.strip_chars(),
        side_expr.cast(pl.Int8).alias("side"),
        pl.col("qty").cast(pl.Float64, strict=False),
    )
    qty = pl.col("qty")
    reason = (
        pl.when(pl.col("symbol").is_null() | (pl.col("symbol") == "")).then(pl.lit("missing symbol"))
        .when(pl.col("side").is_null()).then(pl.lit("side not buy/sell"))
        .when(qty.is_null() | qty.is_nan()).then(pl.lit("missing or unreadable qty"))
        .when(qty <= 0).then(pl.lit("non-positive qty: an order must be for more than zero shares"))
        .when(~qty.is_finite()).then(pl.lit("infinite qty"))
    )
    if "max_participation" in df.columns:
        mp = pl.col("max_participation").cast(pl.Float64, strict=False)
        reason = reason.when(mp.is_not_null() & ((mp <= 0) | (mp > 1) | mp.is_nan())).then(
            pl.lit("max_participation outside (0, 1]")
        )
        df = df.with_columns(mp.alias("max_participation"))
    df = df.with_columns(reason.alias("_reason"))
    dup = df.filter(pl.col("_reason").is_null()).filter(pl.col("order_id").is_duplicated())
    if dup.height:
        first = dup.group_by("order_id").agg(pl.col("row").min().alias("_first"))
        df = df.join(first, on="order_id", how="left").with_columns(
            pl.when(pl.col("_reason").is_null() & pl.col("_first").is_not_null() & (pl.col("row") != pl.col("_first")))
            .then(pl.lit("duplicate order_id (first at row ") + pl.col("_first").cast(pl.String) + pl.lit(")"))
            .otherwise(pl.col("_reason"))
            .alias("_reason")
        ).drop("_first")
    bad = df.filter(pl.col("_reason").is_not_null()).rename({"_reason": "reason"})
    clean = df.filter(pl.col("_reason").is_null()).drop("_reason")
    return clean, _error_frame(bad)


def check_profiles(profiles, source: str = "profiles"):
    """Check a profile table and keep one row per symbol (the latest ``asof_date``).

    Raises
    ------
    liqcost.errors.SchemaError
        A required ``schema.PROFILE`` column is missing or has the wrong type.
    """
    import polars as pl

    # an all-null optional column (e.g. shares outstanding unknown everywhere) gets its contract type
    nulls = [c for c, t in profiles.schema.items() if t == pl.Null and c in PROFILE.names]
    if nulls:
        profiles = profiles.with_columns([pl.col(c).cast(PROFILE.polars_schema([c])[c]) for c in nulls])
    if "daily_volume_shares" in profiles.columns and isinstance(profiles.schema["daily_volume_shares"], pl.Array):
        profiles = profiles.with_columns(pl.col("daily_volume_shares").cast(pl.List(pl.Float64)))
    check_frame(profiles, PROFILE, source)
    if profiles.schema["daily_volume_shares"] != pl.List(pl.Float64):
        profiles = profiles.with_columns(pl.col("daily_volume_shares").cast(pl.List(pl.Float64)))
    dups = profiles.filter(pl.col("symbol").is_duplicated())
    if dups.height:
        n = dups.get_column("symbol").n_unique()
        warnings.warn(
            f"{source}: {n} symbol(s) have several profile rows; the one with the latest asof_date is used.",
            DataQualityWarning,
            stacklevel=3,
        )
        profiles = profiles.sort("asof_date").unique("symbol", keep="last", maintain_order=True)
    return profiles


def read_profile_file(path: str | Path):
    """Read a profile table (Parquet, CSV or JSON) written by ``liqcost profile``.

    A multi-table output written as ``-o prof.parquet`` is saved as ``prof.<table>.parquet``; the
    ``prof.profile.parquet`` file is found from ``prof.parquet``. CSV stores the daily-volume list joined
    by ``;``.

    Raises
    ------
    liqcost.errors.FileFormatError
        The file is missing or cannot be read.
    """
    import polars as pl

    p = Path(path)
    if not p.exists():
        alt = p.with_name(f"{p.stem}.profile{p.suffix}")
        if alt.exists():
            p = alt
        else:
            raise FileFormatError(f"{path}: profile file not found; write one with `liqcost --format parquet -o {p.name} profile --data DATASET`.")
    suffix = p.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            frame = pl.read_parquet(p)
        elif suffix == ".csv":
            frame = pl.read_csv(p, try_parse_dates=True, infer_schema_length=10000)
        elif suffix == ".json":
            import json

            data = json.loads(p.read_text())
            if isinstance(data, dict):
                data = data.get("profile", next(iter(data.values()), []))
            frame = pl.DataFrame(data, infer_schema_length=None)
        else:
            raise FileFormatError(f"{p}: unknown profile file type {suffix!r}; use .parquet, .csv or .json.")
    except (pl.exceptions.ComputeError, OSError, ValueError) as exc:
        raise FileFormatError(f"{p}: cannot be read as a profile table ({exc.__class__.__name__}: {str(exc).splitlines()[0]}).") from None
    if frame.height == 0:
        raise EmptyDataError(f"{p}: the profile table is empty.")
    if "daily_volume_shares" in frame.columns and frame.schema["daily_volume_shares"] == pl.String:
        frame = frame.with_columns(
            pl.col("daily_volume_shares").str.split(";").list.eval(pl.element().cast(pl.Float64, strict=False))
        )
    if "asof_date" in frame.columns and frame.schema["asof_date"] == pl.String:
        frame = frame.with_columns(pl.col("asof_date").str.to_date(strict=False))
    for col in ("lookback_days", "zero_volume_days"):
        if col in frame.columns and frame.schema[col] != pl.Int64:
            frame = frame.with_columns(pl.col(col).cast(pl.Int64, strict=False))
    return check_profiles(frame, str(p))


# --------------------------------------------------------------------------------------- from a dataset
def profiles_for(dataset_path, symbols, config, asof: dt.date | None = None):
    """Liquidity profiles of ``symbols`` from a dataset, for the pre-trade check.

    Built by :func:`liqcost.measures.build.build_from_dataset`: trades and quotes give the tick profile,
    bars the bar profile, both a merged ``ticks+bars`` profile. Only names with data in the lookback
    window (the last ``measures.lookback_days`` trading days up to ``asof``) are priced; the others are
    absent from the result and the caller reports them.

    Parameters
    ----------
    dataset_path : str or Path
        A dataset written by ``liqcost ingest``.
    symbols : list of str
        Symbols wanted.
    config : liqcost.config.Config
        ``measures.lookback_days`` (and ``lookback_days_long`` for the estimators) sets the window.
    asof : datetime.date, optional
        Last day of the lookback window (default: the dataset's last trading day).

    Returns
    -------
    polars.DataFrame
        One row per symbol found, in ``schema.PROFILE``.

    Raises
    ------
    liqcost.errors.NoDataError
        The folder is not a dataset, it has neither trades nor bars, or no data on or before ``asof``.
    """
    import polars as pl

    from liqcost.io.dataset import Dataset
    from liqcost.measures.build import build_from_dataset
    from liqcost.schema import CONTRACTS

    ds = Dataset(dataset_path)
    kinds = ds.kinds()
    cal = calendar(ds, asof) if ("trades" in kinds or "bars" in kinds) else []
    if cal:
        window = cal[-config.measures.lookback_days:]
        wanted = list(dict.fromkeys(symbols))
        # names with at least one day of data in the window (the others are reported by the caller)
        present = {p.symbol for k in ("trades", "bars") if k in kinds for p in ds.partitions(k, wanted, window[0], window[-1])}
        live = [s for s in wanted if s in present]
        if not live:
            return pl.DataFrame(schema=CONTRACTS["profile"].polars_schema())
        symbols = live
    return build_from_dataset(ds, config, symbols, end=asof, bar_estimates="fallback").profile


def calendar(ds, asof: dt.date | None = None) -> list[dt.date]:
    """Trading days of the dataset up to ``asof`` (see :func:`liqcost.measures.build.trading_calendar`)."""
    from liqcost.measures.build import trading_calendar

    return trading_calendar(ds, asof)


def unknown_symbol_message(symbol: str, known: list[str], where: str) -> str:
    """One sentence for an unknown symbol, with the closest known one."""
    import difflib

    match = difflib.get_close_matches(symbol, known, n=1, cutoff=0.6)
    hint = f" (did you mean '{match[0]}'?)" if match else (
        f"; symbols there: {', '.join(known[:12])}{' ...' if len(known) > 12 else ''}" if known else ""
    )
    return f"unknown symbol '{symbol}': no data for it in {where}{hint}."

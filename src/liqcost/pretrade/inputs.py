"""Inputs of the pre-trade check: orders, liquidity profiles, and where the profiles come from.

* :func:`normalize_orders` checks an orders frame (``schema.ORDERS``) and sets aside unusable rows with
  a reason instead of failing the whole batch.
* :func:`check_profiles` checks a profile table (``schema.PROFILE``) and keeps one row per symbol.
* :func:`read_profile_file` reads a profile table written by ``liqcost --format parquet -o prof.parquet
  profile ...`` (Parquet, CSV or JSON).
* :func:`profiles_for` builds profiles from a dataset: with the tick profile builder
  (``liqcost.measures.profile``) or the bar profile builder (``liqcost.measures.bars``) when they are
  installed, and otherwise from the dataset's daily bars with a small built-in bar profile
  (:func:`bar_profile_basic`), marked ``source = 'bars'`` so the cost band is widened.
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

    With the measures builders installed, trades and quotes give the tick profile
    (``liqcost.measures.daily.daily_metrics`` then ``liqcost.measures.profile.liquidity_profile``) and bars
    give the bar profile (``liqcost.measures.bars.bar_profile``); with both, they are merged
    (``merge_tick_and_bar_profiles``: tick values win, ``source = 'ticks+bars'``). Without them the
    dataset's daily bars go through :func:`bar_profile_basic`.

    Parameters
    ----------
    dataset_path : str or Path
        A dataset written by ``liqcost ingest``.
    symbols : list of str
        Symbols wanted. Unknown symbols, and symbols with no data in the lookback window, are absent
        from the result (the caller reports them).
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
    from liqcost.schema import CONTRACTS

    ds = Dataset(dataset_path)
    kinds = ds.kinds()
    if "bars" not in kinds and "trades" not in kinds:
        raise NoDataError(
            f"{ds.root}: no trades or bars to build profiles from (kinds present: {', '.join(kinds) or 'none'}); "
            "ingest some, or pass a precomputed profile with --profile FILE."
        )
    cal = calendar(ds, asof)
    if not cal:
        first = min(ds.dates(k)[0] for k in ("trades", "bars") if k in kinds and ds.dates(k))
        raise NoDataError(f"{ds.root}: no data on or before {asof}; the dataset starts on {first}.")
    lookback = config.measures.lookback_days
    window = cal[-lookback:]
    wanted = list(dict.fromkeys(symbols))
    # names with at least one day of data in the window (the others are reported by the caller)
    present = {k: {p.symbol for p in ds.partitions(k, wanted, window[0], window[-1])} for k in ("trades", "bars") if k in kinds}
    live = [s for s in wanted if any(s in v for v in present.values())]
    if not live:
        return pl.DataFrame(schema=CONTRACTS["profile"].polars_schema())
    builders = _measures_builders()
    if builders is None:
        if "bars" not in kinds:
            raise NoDataError(
                f"{ds.root}: only trades and quotes here, and the tick profile builder is not installed; "
                "ingest daily bars or pass a precomputed profile with --profile FILE."
            )
        return bar_profile_basic(ds, live, config, window[-1])
    long = cal[-max(lookback, config.measures.lookback_days_long):]
    tick = bar = None
    tick_syms = [s for s in live if s in present.get("trades", set())]
    bar_syms = [s for s in live if s in present.get("bars", set())]
    if tick_syms and builders["daily_metrics"] is not None:
        daily = builders["daily_metrics"](config, dataset=ds, symbols=tick_syms, start=long[0], end=window[-1]).daily
        tick = builders["liquidity_profile"](daily, config, asof=window[-1])
    if bar_syms and builders["bar_profile"] is not None:
        bars = ds.scan("bars", bar_syms, long[0], window[-1]).collect()
        bar = builders["bar_profile"](bars, config, asof=window[-1])
    if tick is not None and bar is not None:
        out = builders["merge"](tick, bar)
    else:
        out = tick if tick is not None else bar
    if out is None:  # the one builder these data need is missing
        return bar_profile_basic(ds, live, config, window[-1])
    return out


def _measures_builders():
    """The profile builders of ``liqcost.measures`` when installed, else None."""
    out = {"daily_metrics": None, "liquidity_profile": None, "bar_profile": None, "merge": None}
    try:
        from liqcost.measures.daily import daily_metrics
        from liqcost.measures.profile import liquidity_profile

        out["daily_metrics"], out["liquidity_profile"] = daily_metrics, liquidity_profile
    except ImportError:
        pass
    try:
        from liqcost.measures.bars import bar_profile, merge_tick_and_bar_profiles

        out["bar_profile"], out["merge"] = bar_profile, merge_tick_and_bar_profiles
    except ImportError:
        pass
    if out["liquidity_profile"] is None and out["bar_profile"] is None:
        return None
    if out["merge"] is None:  # ticks only installed: no merge step, tick profile alone
        out["merge"] = lambda ticks, bars: ticks
    return out


def calendar(ds, asof: dt.date | None = None) -> list[dt.date]:
    """Trading days of the dataset (dates with trades or bars for any symbol) up to ``asof``, oldest first."""
    days: set = set()
    for kind in ("trades", "bars"):
        if kind in ds.kinds():
            days.update(ds.dates(kind))
    out = sorted(days)
    if asof is not None:
        out = [d for d in out if d <= asof]
    return out


def bar_profile_basic(ds, symbols: list[str], config, asof: dt.date | None = None):
    """A bars-only liquidity profile per symbol from the dataset's daily bars.

    Window: the last ``measures.lookback_days`` trading days of the dataset calendar (dates with a bar
    for any symbol) up to ``asof``; a day with no bar for the symbol counts as a zero-volume day.

    * ``price_px``: last close; ``adv_shares``, ``mdv_shares``: mean and median daily volume, zero days
      included; ``adv_usd``: mean of ``volume * (vwap or close)``;
    * ``volatility_daily_frac``: standard deviation of close-to-close log returns between traded days,
      each divided by the square root of the trading days it spans (needs 3 returns);
    * ``spread_bps``: the close-high-low estimator of Abdi & Ranaldo (2017, "A simple estimation of bid-ask
      spreads from daily close, high, and low prices", Review of Financial Studies 30(12), eq. 13:
      ``s^2 = 4 E[(c_t - eta_t)(c_t - eta_{t+1})]`` with ``c`` the log close and ``eta`` the log mid-range),
      averaging the two-day estimates with negative ones set to zero; NaN with fewer than 3 pairs;
    * ``shares_outstanding`` and ``market_cap_usd`` when the bars carry shares outstanding.

    This is the minimal fallback the pre-trade command uses when the full bar-profile builder is not
    installed; ``source`` is ``'bars'`` and the band is widened accordingly.
    """
    import polars as pl

    from liqcost.schema import CONTRACTS

    lookback = config.measures.lookback_days
    cal = calendar(ds, asof)
    if not cal:
        raise NoDataError(f"{ds.root}: no bars on or before {asof}; the dataset starts later." if asof else f"{ds.root}: no bars.")
    window = cal[-lookback:]
    known = set(ds.symbols("bars"))
    wanted = [s for s in dict.fromkeys(symbols) if s in known]
    schema = CONTRACTS["profile"].polars_schema()
    if not wanted:
        return pl.DataFrame(schema=schema)
    bars = ds.scan("bars", wanted, window[0], window[-1]).collect() if ds.partitions("bars", wanted, window[0], window[-1]) else None
    if bars is None or bars.height == 0:
        return pl.DataFrame(schema=schema)
    if "date" not in bars.columns or bars.get_column("date").null_count():
        from liqcost.io.dataset import local_date_expr

        bars = bars.with_columns(pl.coalesce(pl.col("date") if "date" in bars.columns else pl.lit(None, pl.Date),
                                             local_date_expr("ts", config.session.timezone)).alias("date"))
    agg = [
        pl.col("open").first(), pl.col("high").max(), pl.col("low").min(), pl.col("close").last(),
        pl.col("volume").sum(),
        ((pl.col("vwap") if "vwap" in bars.columns else pl.col("close")).fill_null(pl.col("close")) * pl.col("volume")).sum().alias("dollar"),
    ]
    if "n_trades" in bars.columns:
        agg.append(pl.col("n_trades").sum())
    if "shares_outstanding" in bars.columns:
        agg.append(pl.col("shares_outstanding").drop_nulls().last())
    sort_cols = ["symbol", "date"] + (["ts"] if "ts" in bars.columns else [])
    daily = bars.sort(sort_cols).group_by("symbol", "date", maintain_order=True).agg(agg)
    grid = pl.DataFrame({"symbol": wanted}).join(pl.DataFrame({"date": window}), how="cross")
    full = grid.join(daily, on=["symbol", "date"], how="left").sort("symbol", "date").with_columns(
        pl.col("volume").fill_null(0.0), pl.col("dollar").fill_null(0.0)
    )
    traded = full.filter(pl.col("volume") > 0).with_columns(
        pl.col("close").log().alias("c"),
        ((pl.col("high").log() + pl.col("low").log()) / 2).alias("eta"),
        pl.int_range(pl.len()).over("symbol").alias("k"),
    )
    day_index = {d: i for i, d in enumerate(window)}
    traded = traded.with_columns(pl.col("date").replace_strict(day_index, return_dtype=pl.Int64).alias("di"))
    traded = traded.with_columns(
        ((pl.col("c") - pl.col("c").shift(1).over("symbol")) / (pl.col("di") - pl.col("di").shift(1).over("symbol")).cast(pl.Float64).sqrt()).alias("r"),
        (4 * (pl.col("c") - pl.col("eta")) * (pl.col("c") - pl.col("eta").shift(-1).over("symbol"))).alias("s2"),
    )
    stats = traded.group_by("symbol").agg(
        pl.col("r").drop_nulls().std().alias("vol"),
        pl.col("r").drop_nulls().len().alias("n_r"),
        pl.col("s2").drop_nulls().clip(lower_bound=0).mean().alias("s2m"),
        pl.col("s2").drop_nulls().len().alias("n_s2"),
    )
    per = full.group_by("symbol", maintain_order=True).agg(
        pl.col("volume").alias("daily_volume_shares"),
        pl.col("volume").mean().alias("adv_shares"),
        pl.col("volume").median().alias("mdv_shares"),
        pl.col("dollar").mean().alias("adv_usd"),
        (pl.col("volume") == 0).sum().cast(pl.Int64).alias("zero_volume_days"),
        pl.col("close").drop_nulls().last().alias("price_px"),
        pl.col("date").filter(pl.col("close").is_not_null()).max().alias("asof_date"),
        *([pl.col("n_trades").fill_null(0).mean().alias("trades_per_day")] if "n_trades" in full.columns else []),
        *([pl.col("shares_outstanding").drop_nulls().last().alias("shares_outstanding")] if "shares_outstanding" in full.columns else []),
    )
    out = per.join(stats, on="symbol", how="left").with_columns(
        pl.lit(len(window), pl.Int64).alias("lookback_days"),
        pl.lit("bars").alias("source"),
        pl.when(pl.col("n_r") >= 3).then(pl.col("vol")).otherwise(None).alias("volatility_daily_frac"),
        pl.when(pl.col("n_s2") >= 3).then(pl.col("s2m").sqrt() * 1e4).otherwise(None).alias("spread_bps"),
    )
    if "shares_outstanding" in out.columns:
        out = out.with_columns((pl.col("price_px") * pl.col("shares_outstanding")).alias("market_cap_usd"))
    out = out.filter(pl.col("asof_date").is_not_null())
    cols = [c for c in schema if c in out.columns]
    return out.select([pl.col(c).cast(schema[c]) for c in cols]).sort("symbol")


def unknown_symbol_message(symbol: str, known: list[str], where: str) -> str:
    """One sentence for an unknown symbol, with the closest known one."""
    import difflib

    match = difflib.get_close_matches(symbol, known, n=1, cutoff=0.6)
    hint = f" (did you mean '{match[0]}'?)" if match else (
        f"; symbols there: {', '.join(known[:12])}{' ...' if len(known) > 12 else ''}" if known else ""
    )
    return f"unknown symbol '{symbol}': no data for it in {where}{hint}."

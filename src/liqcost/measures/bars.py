"""Liquidity measures from OHLCV bars, for names with sparse or no tick data.

Three public entry points, all taking and returning polars frames:

* :func:`regular_grid` puts each symbol's daily bars on a regular grid of trading days, with NaN rows for
  missing days and a ``bar_status`` per row (the NaN semantics are below);
* :func:`bar_panel_estimates` runs every bar estimator (spreads, volatility, volume, Amihud, turnover)
  over the grid, full-sample, on rolling windows or expanding, one row per symbol x day;
* :func:`bar_profile` summarizes a lookback window per symbol into rows of the ``profile`` contract
  (:data:`liqcost.schema.PROFILE`) with ``source = 'bars'``.

Intraday bars (a ``ts`` column and no ``date``) are first aggregated to daily bars by exchange-local
date (:func:`daily_bars`).

NaN semantics of the grid
-------------------------
``bar_status`` says what each grid row is:

``ok``
    a bar with valid prices and volume.
``zero_volume``
    a real bar with volume 0 (its prices, usually the previous close or a quote midpoint, are kept
    for the estimators unless ``bars.zero_volume_prices = 'missing'``). Zero-volume days count in ADV,
    median volume and the zero-volume share as zeros.
``no_trade``
    a grid day without a bar, read as a day without trades (``bars.missing_bar = 'no_trade'``, and the
    default ``'auto'`` when the exchange calendar is known: vendors of daily bars omit the days a thin name
    did not trade): volume 0 (it counts in ADV and the zero-volume share), prices NaN, and the lag across
    it is broken (the next day has no previous close).
``missing``
    with ``bars.missing_bar = 'missing'`` (and ``'auto'`` without a known exchange calendar, when a day
    without bars may be a holiday), a grid day without a bar is unknown, not a no-trade day: every price
    and the volume are NaN, it is excluded from every statistic, and the lag across it is broken.
``invalid_prices``
    a bar whose prices cannot be used (missing, non-positive, high below low, open or close outside
    [low, high]): its prices are NaN, its volume is kept.
``invalid_volume``
    a bar whose volume is missing or negative: its volume is NaN, its prices are kept.

The grid of a symbol runs over the ``session.trading_days`` weekdays between its first and last bar
(``bars.calendar = 'weekdays'``, minus the exchange holidays of ``session.holiday_calendar`` and
``session.holidays``) or over the dates on which some symbol of
the input has a bar (``'observed'``, which drops market holidays from a multi-symbol input). A bar on a
date outside the calendar (a Saturday session) is kept, never dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import TYPE_CHECKING, Literal

import numpy as np
import polars as pl

from liqcost.calendar import holidays_for
from liqcost.errors import DataError, EmptyDataError, NoDataError, UsageError
from liqcost.schema import BARS, check_frame

if TYPE_CHECKING:
    from liqcost.config import Config

__all__ = [
    "BAR_STATUS",
    "FAMILIES",
    "NOT_COMPUTED",
    "SPREAD_ESTIMATORS",
    "VOLATILITY_ESTIMATORS",
    "bar_panel_estimates",
    "bar_profile",
    "fallback_families",
    "daily_bars",
    "market_cap_band",
    "merge_tick_and_bar_profiles",
    "missing_bar_mode",
    "regular_grid",
]

#: values of ``bar_status`` in a grid
BAR_STATUS = ("ok", "zero_volume", "missing", "no_trade", "invalid_prices", "invalid_volume")
_STATUS_ENUM = pl.Enum(list(BAR_STATUS))

#: spread estimators: name -> output column (bps of the midpoint)
SPREAD_ESTIMATORS = {
    "roll": "roll_spread_bps",
    "cs": "cs_spread_bps",
    "ar": "ar_spread_bps",
    "edge": "edge_spread_bps",
    "fht": "fht_spread_bps",
    "lot": "lot_spread_bps",
}
#: volatility estimators: name -> output column (fraction per day)
VOLATILITY_ESTIMATORS = {
    "cc": "volatility_cc_frac",
    "parkinson": "volatility_parkinson_frac",
    "gk": "volatility_gk_frac",
    "rs": "volatility_rs_frac",
    "yz": "volatility_yz_frac",
}

#: estimator families, one kernel module each (liqcost.kernels.bar_<family>): what a caller can ask for
FAMILIES = ("roll", "cs", "ar", "edge", "zero", "lot", "volatility", "volume")
#: spread estimator name -> its family (``fht`` is computed with the zero-return share)
SPREAD_FAMILY = {"roll": "roll", "cs": "cs", "ar": "ar", "edge": "edge", "fht": "zero", "lot": "lot"}
#: reason of an estimate a caller did not ask for (see ``families`` in :func:`bar_panel_estimates`)
NOT_COMPUTED = "not_computed"
#: panels with more rows than this run their symbols on several threads (the kernels release the GIL)
_THREAD_ROWS = 200_000

_BPS = 1e4
_AMIHUD_SCALE = 1e4 * 1e6  # fraction per currency unit -> bps per million currency units


def _config(config: Config | None) -> Config:
    if config is None:
        from liqcost.config import Config

        return Config()
    return config


def missing_bar_mode(config: Config | None) -> str:
    """How a grid day without a bar is read: ``no_trade`` or ``missing`` (``bars.missing_bar``, with ``auto``
    resolved: ``no_trade`` when the exchange calendar is known, so that a day without a bar cannot be a
    holiday, else ``missing``)."""
    from liqcost.calendar import resolve_calendar

    cfg = _config(config)
    mode = cfg.bars.missing_bar
    if mode == "auto":
        return "no_trade" if resolve_calendar(cfg) != "none" else "missing"
    return mode


def _reason_enum() -> pl.Enum:
    from liqcost.kernels.bar_numerics import REASONS

    return pl.Enum([*REASONS[1:], NOT_COMPUTED])


# ------------------------------------------------------------------------------------ daily bars


def daily_bars(bars: pl.DataFrame | pl.LazyFrame, config: Config | None = None, source: str = "bars") -> pl.DataFrame:
    """Daily OHLCV bars from a bars frame; intraday bars (``ts``) are aggregated by exchange-local date.

    Parameters
    ----------
    bars : polars.DataFrame or LazyFrame
        A frame satisfying :data:`liqcost.schema.BARS` (``date`` for daily bars, ``ts`` for intraday; with
        both, as in a dataset's bar files, the bars are aggregated per ``date``).
    config : Config, optional
        ``session.timezone`` gives the local date of an intraday bar (defaults when None).
    source : str
        Name of the input used in error messages.

    Returns
    -------
    polars.DataFrame
        Columns ``symbol, date, open, high, low, close, volume`` and those of ``vwap, n_trades,
        shares_outstanding`` that the input has. An intraday day's open is its first bar's open, close the
        last bar's close, high/low the extremes, volume and trades the sums, VWAP volume-weighted (the
        mean of the bar VWAPs when the day's volume is 0), shares outstanding the last value.

    Raises
    ------
    liqcost.errors.SchemaError
        When a required column is missing or has the wrong type.
    liqcost.errors.EmptyDataError
        When the frame has no rows.
    """
    cfg = _config(config)
    check_frame(bars, BARS, source)
    lf = bars.lazy()
    names = lf.collect_schema().names()
    extras = [c for c in ("vwap", "n_trades", "shares_outstanding") if c in names]
    if "ts" not in names:
        cols = ["symbol", "date", "open", "high", "low", "close", "volume", *extras]
        out = lf.select(cols).collect()
    else:
        # bars with a start time are aggregated per day, also when they carry a ``date`` too (a dataset adds
        # one to every bar row, and a vendor's daily bars may have both): the given date wins, else the
        # exchange-local date of ``ts``; one bar per day comes through unchanged
        tz = cfg.session.timezone
        local = pl.col("ts").dt.convert_time_zone(tz).dt.date()
        lf = lf.with_columns((pl.coalesce(pl.col("date"), local) if "date" in names else local).alias("date"))
        lf = lf.sort("symbol", "ts")
        twice = lf.filter(pl.col("ts").is_not_null() & pl.struct("symbol", "ts").is_duplicated()).head(1).collect()
        if twice.height:
            first = twice.row(0, named=True)
            raise DataError(
                f"{source}: several bars start at the same time (first: {first['symbol']} at {first['ts']}); remove "
                "the duplicates (`liqcost ingest` quarantines them)."
            )
        aggs = [
            pl.col("open").drop_nulls().first(),
            pl.col("high").max(),
            pl.col("low").min(),
            pl.col("close").drop_nulls().last(),
            pl.col("volume").sum(),
        ]
        if "vwap" in extras:
            aggs.append(
                pl.when(pl.col("volume").sum() > 0)
                .then((pl.col("vwap") * pl.col("volume")).sum() / pl.col("volume").sum())
                .otherwise(pl.col("vwap").mean())
                .alias("vwap")
            )
        if "n_trades" in extras:
            aggs.append(pl.col("n_trades").sum())
        if "shares_outstanding" in extras:
            aggs.append(pl.col("shares_outstanding").drop_nulls().last())
        out = lf.group_by("symbol", "date").agg(aggs).collect()
    if out.height == 0:
        raise EmptyDataError(f"{source}: the bars frame has no rows; give a file or selection that holds bars.")
    casts = {
        "symbol": pl.String,
        "date": pl.Date,
        "open": pl.Float64,
        "high": pl.Float64,
        "low": pl.Float64,
        "close": pl.Float64,
        "volume": pl.Float64,
        "vwap": pl.Float64,
        "n_trades": pl.Int64,
        "shares_outstanding": pl.Float64,
    }
    out = out.with_columns([pl.col(c).cast(casts[c]) for c in out.columns]).sort("symbol", "date")
    same = (pl.col("symbol") == pl.col("symbol").shift(1)) & (pl.col("date") == pl.col("date").shift(1))
    dup = out.filter(same | same.shift(-1).fill_null(False))
    if dup.height:
        n_days = dup.select("symbol", "date").unique().height
        first = dup.row(0, named=True)
        raise DataError(
            f"{source}: {n_days} symbol-day(s) have more than one daily bar (first: {first['symbol']} on "
            f"{first['date']}); remove the duplicates (`liqcost ingest` quarantines them)."
        )
    if out["symbol"].null_count() or out["date"].null_count():
        raise DataError(f"{source}: some bars have no symbol or no date; fix or drop those rows.")
    return out


# ----------------------------------------------------------------------------------- regular grid


def regular_grid(
    bars: pl.DataFrame | pl.LazyFrame,
    config: Config | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    source: str = "bars",
) -> pl.DataFrame:
    """Each symbol's daily bars on a regular grid of trading days, with NaN rows for missing days.

    Parameters
    ----------
    bars : polars.DataFrame or LazyFrame
        Bars (:data:`liqcost.schema.BARS`), daily or intraday (aggregated with :func:`daily_bars`).
    config : Config, optional
        ``session.trading_days``, ``session.holiday_calendar``/``session.holidays``, ``bars.calendar``, ``bars.missing_bar`` and
        ``bars.zero_volume_prices`` (defaults when None).
    start : date or ISO string, optional
        First grid day: a symbol's grid starts at the later of ``start`` and its first bar. With ``end``
        given, a symbol whose bars all precede ``start`` keeps an all-missing grid from ``start`` to
        ``end`` (it stays visible as stale); a symbol whose first bar is after ``end`` is left out.
    end : date or ISO string, optional
        Last grid day of every symbol. By default a symbol's grid ends at its last bar; an ``end`` after
        it adds trailing missing days (a stale symbol shows as missing days), an earlier one trims.
    source : str
        Name of the input used in error messages.

    Returns
    -------
    polars.DataFrame
        One row per symbol x grid day, sorted by symbol and date: ``symbol, date, open, high, low,
        close, volume`` (float64, NaN where unknown), the optional ``vwap, n_trades,
        shares_outstanding`` (shares outstanding carried forward within the symbol) and ``bar_status``
        (see the module notes for the NaN semantics).

    Raises
    ------
    liqcost.errors.SchemaError, liqcost.errors.EmptyDataError, liqcost.errors.DataError
        Missing columns, no rows, or duplicate symbol-days.
    """
    cfg = _config(config)
    bc = cfg.bars
    no_trade = missing_bar_mode(cfg) == "no_trade"
    daily = daily_bars(bars, cfg, source)
    start_d = _as_date(start, "start")
    end_d = _as_date(end, "end")
    epoch = dt.date(1970, 1, 1)

    # symbols and their bar ranges (daily is sorted by symbol, date)
    sym_col = daily["symbol"]
    b_date = daily["date"].to_physical().to_numpy().astype(np.int64)  # days since 1970-01-01
    new_sym = np.ones(daily.height, dtype=bool)
    new_sym[1:] = (sym_col[1:] != sym_col[:-1]).to_numpy()
    seg_start = np.flatnonzero(new_sym)
    seg_end = np.r_[seg_start[1:], daily.height]
    symbols = sym_col.gather(seg_start)
    b_sym = np.cumsum(new_sym) - 1
    first = b_date[seg_start].copy()
    last = b_date[seg_end - 1].copy()
    if start_d is not None:
        first = np.maximum(first, (start_d - epoch).days)
    if end_d is not None:
        last[:] = (end_d - epoch).days
    keep_sym = first <= last

    lo_all = int(first[keep_sym].min()) if keep_sym.any() else 0
    hi_all = int(last[keep_sym].max()) if keep_sym.any() else -1
    cal = _calendar(lo_all, hi_all, cfg, b_date)

    # grid rows: the calendar inside each symbol's bounds, plus its own off-calendar bar dates
    lo = np.searchsorted(cal, first, side="left")
    hi = np.searchsorted(cal, last, side="right")
    lens = np.where(keep_sym, hi - lo, 0)
    total = int(lens.sum())
    g_sym = np.repeat(np.arange(len(first)), lens)
    starts = np.cumsum(lens) - lens
    g_date = cal[np.arange(total) - np.repeat(starts - lo, lens)] if total else np.empty(0, dtype=np.int64)
    in_bounds = keep_sym[b_sym] & (b_date >= first[b_sym]) & (b_date <= last[b_sym])
    pos_cal = np.searchsorted(cal, b_date)
    on_cal = (pos_cal < cal.size) & (cal[np.minimum(pos_cal, max(cal.size - 1, 0))] == b_date) if cal.size else (
        np.zeros(b_date.size, dtype=bool))
    extra = in_bounds & ~on_cal
    if extra.any():
        g_sym = np.r_[g_sym, b_sym[extra]]
        g_date = np.r_[g_date, b_date[extra]]
        order = np.lexsort((g_date, g_sym))
        g_sym, g_date = g_sym[order], g_date[order]
    n = g_sym.size
    g_key = (g_sym.astype(np.int64) << 32) + g_date
    b_key = (b_sym.astype(np.int64) << 32) + b_date
    take = np.flatnonzero(in_bounds)
    pos = np.searchsorted(g_key, b_key[take])

    def scatter(name, fill=np.nan):
        out = np.full(n, fill, dtype=np.float64)
        vals = daily[name].cast(pl.Float64).fill_null(np.nan).to_numpy()
        out[pos] = vals[take]
        return out

    o, h, lw, c, v = (scatter(x) for x in ("open", "high", "low", "close", "volume"))
    has_bar = np.zeros(n, dtype=bool)
    has_bar[pos] = True
    with np.errstate(invalid="ignore"):
        bad_px = ~(
            (o > 0) & (h > 0) & (lw > 0) & (c > 0) & (h >= lw) & (o <= h) & (o >= lw) & (c <= h) & (c >= lw)
        )
        bad_vol = ~(v >= 0)
    codes = np.where(
        ~has_bar,
        BAR_STATUS.index("no_trade" if no_trade else "missing"),
        np.where(bad_px, BAR_STATUS.index("invalid_prices"),
                 np.where(bad_vol, BAR_STATUS.index("invalid_volume"),
                          np.where(v == 0, BAR_STATUS.index("zero_volume"), BAR_STATUS.index("ok")))),
    ).astype(np.uint32)
    zero_vol = codes == BAR_STATUS.index("zero_volume")
    price_ok = (codes == BAR_STATUS.index("ok")) | (codes == BAR_STATUS.index("invalid_volume"))
    if bc.zero_volume_prices == "keep":
        price_ok |= zero_vol
    for arr in (o, h, lw, c):
        arr[~price_ok] = np.nan
    v[~has_bar] = 0.0 if no_trade else np.nan
    v[codes == BAR_STATUS.index("invalid_volume")] = np.nan

    cols: dict[str, pl.Series] = {
        "symbol": symbols.gather(pl.Series(g_sym, dtype=pl.UInt32)),
        "date": pl.Series(g_date.astype(np.int32)).cast(pl.Date),
        "open": pl.Series(o),
        "high": pl.Series(h),
        "low": pl.Series(lw),
        "close": pl.Series(c),
        "volume": pl.Series(v),
    }
    names = daily.columns
    if "vwap" in names:
        vw = scatter("vwap")
        vw[~price_ok] = np.nan
        cols["vwap"] = pl.Series(vw)
    if "n_trades" in names:
        nt = pl.Series([None], dtype=pl.Int64).gather(pl.Series(np.zeros(n, dtype=np.uint32)))
        nt = nt.scatter(pos, daily["n_trades"].gather(pl.Series(take, dtype=pl.UInt32))) if pos.size else nt
        cols["n_trades"] = nt
    if "shares_outstanding" in names:
        so = scatter("shares_outstanding")
        # carry forward within the symbol: index of the last known value, reset at each symbol's start
        idx = np.where(np.isfinite(so), np.arange(n), -1)
        np.maximum.accumulate(idx, out=idx)
        g_start = np.flatnonzero(np.r_[True, g_sym[1:] != g_sym[:-1]]) if n else np.empty(0, dtype=np.int64)
        row_start = np.repeat(g_start, np.diff(np.r_[g_start, n]))
        cols["shares_outstanding"] = pl.Series(np.where(idx >= row_start, so[np.maximum(idx, 0)], np.nan))
    lut = pl.Series(list(BAR_STATUS), dtype=_STATUS_ENUM)
    cols["bar_status"] = lut.gather(pl.Series(codes))
    return pl.DataFrame({k: s.alias(k) for k, s in cols.items()})


def _calendar(lo: int, hi: int, cfg: Config, bar_days: np.ndarray) -> np.ndarray:
    """Grid days (days since 1970-01-01) between ``lo`` and ``hi``: trading weekdays minus holidays, and
    with ``bars.calendar = 'observed'`` only the days some bar falls on (weekdays after the last bar)."""
    epoch = dt.date(1970, 1, 1)
    days = np.arange(lo, hi + 1, dtype=np.int64)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    cal = days[np.isin(weekday, np.asarray(cfg.session.trading_days, dtype=np.int64))]
    holidays = holidays_for(cfg, epoch + dt.timedelta(days=int(lo)), epoch + dt.timedelta(days=int(hi)))
    if holidays:
        cal = cal[~np.isin(cal, np.asarray([(h - epoch).days for h in holidays], dtype=np.int64))]
    if cfg.bars.calendar == "observed":
        seen = np.unique(bar_days)
        last_seen = seen.max() if seen.size else lo
        # past the last observed date no bar can tell a holiday from a missing day: keep the weekdays
        cal = cal[np.isin(cal, seen) | (cal > last_seen)]
    return cal


def _as_date(value, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise UsageError(f"{name}: expected a date as YYYY-MM-DD, got {value!r}.") from None


# ------------------------------------------------------------------------------------ panel arrays


class _Panel:
    """Contiguous arrays of a grid (one symbol after another) handed to the kernels."""

    def __init__(self, grid: pl.DataFrame):
        self.grid = grid
        counts = grid.group_by("symbol", maintain_order=True).len()
        self.symbols = counts["symbol"].to_list()
        self.offsets = np.zeros(len(self.symbols) + 1, dtype=np.int64)
        np.cumsum(counts["len"].to_numpy(), out=self.offsets[1:])
        self.n = grid.height

        def arr(name):
            return _ro(grid[name].cast(pl.Float64).fill_null(np.nan).rechunk().to_numpy())

        self.open = arr("open")
        self.high = arr("high")
        self.low = arr("low")
        self.close = arr("close")
        with np.errstate(divide="ignore", invalid="ignore"):
            self.lo = _ro(np.log(self.open))
            self.lh = _ro(np.log(self.high))
            self.ll = _ro(np.log(self.low))
            self.lc = _ro(np.log(self.close))
        self.volume = arr("volume")
        price = self.close
        if "vwap" in grid.columns:
            vw = arr("vwap")
            price = np.where(np.isfinite(vw) & (vw > 0), vw, self.close)
        self.dollar_volume = _ro(np.where(self.volume == 0, 0.0, self.volume * price))
        self.shares = arr("shares_outstanding") if "shares_outstanding" in grid.columns else _ro(np.full(self.n, np.nan))


def _ro(arr: np.ndarray) -> np.ndarray:
    """Contiguous float64 and read-only: the kernels get one kind of input array (one specialization)."""
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if arr.flags.writeable:
        arr.flags.writeable = False
    return arr


def _market_returns(panel: _Panel, cfg: Config) -> tuple[np.ndarray, bool]:
    """Leave-one-out equal-weighted market log return per row, and whether to estimate a beta."""
    if cfg.bars.lot_market == "none" or len(panel.symbols) < cfg.bars.lot_min_market_symbols + 1:
        return _ro(np.zeros(panel.n)), False
    r = np.full(panel.n, np.nan)
    r[1:] = panel.lc[1:] - panel.lc[:-1]
    r[panel.offsets[:-1]] = np.nan  # no return across symbols
    frame = pl.DataFrame({"date": panel.grid["date"], "r": r}).with_columns(pl.col("r").fill_nan(None))
    by_day = frame.group_by("date").agg(pl.col("r").sum().alias("s"), pl.col("r").count().alias("k"))
    joined = frame.join(by_day, on="date", how="left", maintain_order="left")
    own = joined["r"].fill_null(0.0).to_numpy()
    has = joined["r"].is_not_null().to_numpy()
    s = joined["s"].to_numpy()
    k = joined["k"].to_numpy().astype(np.float64)
    others = k - has
    with np.errstate(divide="ignore", invalid="ignore"):
        mkt = np.where(others >= cfg.bars.lot_min_market_symbols, (s - own) / others, np.nan)
    return _ro(mkt), True


def _reasons(status: np.ndarray) -> pl.Series:
    """Status codes -> reason (Enum), null for a defined value; code -1 is :data:`NOT_COMPUTED`."""
    from liqcost.kernels.bar_numerics import REASONS

    lut = pl.Series([None, *REASONS[1:], NOT_COMPUTED], dtype=_reason_enum())
    return lut.gather(pl.Series(np.where(status < 0, len(REASONS), status).astype(np.uint32)))


def _over_symbols(run, offsets: np.ndarray, workers: int) -> None:
    """``run(s0, s1)`` over symbol ranges covering the panel: one call for a small panel, else ranges of
    about equal rows on ``workers`` threads (the kernels are ``nogil`` and each symbol is computed on its
    own, so the outputs are the same)."""
    ns = offsets.shape[0] - 1
    rows = int(offsets[-1]) if ns else 0
    if workers <= 1 or ns < 2 or rows < _THREAD_ROWS:
        run(0, ns)
        return
    from concurrent.futures import ThreadPoolExecutor

    k = min(ns, 4 * workers)
    cuts = np.unique(np.searchsorted(offsets, np.linspace(0, rows, k + 1), side="left").clip(0, ns))
    cuts[0], cuts[-1] = 0, ns
    ranges = [(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for f in [pool.submit(run, a, b) for a, b in ranges]:
            f.result()


def _workers(cfg: Config) -> int:
    if cfg.engine.workers:
        return int(cfg.engine.workers)
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def _zero_volume_share(volume: np.ndarray, offsets: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    """The zero-volume share of :func:`liqcost.kernels.bar_volume.volume_panel` without the kernel: zero-volume
    days over days with a volume, in the window ending at each row (``window <= 0``: since the symbol's first
    row); NaN below ``max(1, min_periods)`` such days. Integer counts and one division, so the value is the
    kernel's to the bit; a caller that skips the volume family still gets it (pricing reads it)."""
    n = volume.shape[0]
    if n == 0:
        return np.empty(0)
    has = ~np.isnan(volume)
    zero = has & (volume == 0.0)
    c_has = np.concatenate([[0], np.cumsum(has, dtype=np.int64)])
    c_zero = np.concatenate([[0], np.cumsum(zero, dtype=np.int64)])
    seg = np.repeat(offsets[:-1], np.diff(offsets))
    rows = np.arange(n)
    lo = seg if window <= 0 else np.maximum(seg, rows - window + 1)
    cnt = c_has[rows + 1] - c_has[lo]
    zeros = c_zero[rows + 1] - c_zero[lo]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(cnt >= max(1, min_periods), zeros / cnt, np.nan)


def _estimate_arrays(
    panel: _Panel, cfg: Config, window: int, mode: str, market: np.ndarray | None, use_beta: bool,
    families: frozenset[str] = frozenset(FAMILIES),
) -> dict[str, np.ndarray]:
    """Run the kernels of ``families``; returns name -> per-row array (values and int8 status arrays).

    A family that is not asked for is not run (its kernels are not even compiled): its values are NaN
    with status -1 (:data:`NOT_COMPUTED`). Each family's kernels live in their own module, imported here
    only when run.
    """
    bc = cfg.bars
    n = panel.n
    off = panel.offsets
    w = window if mode == "rolling" else 0
    minp = bc.min_periods
    workers = _workers(cfg)
    res: dict[str, np.ndarray] = {}

    def pair():
        return np.empty(n), np.empty(n, dtype=np.int8)

    def skipped(*names, rows=n):
        for name in names:
            res[name] = np.full(rows, np.nan)
            res[name + "_st"] = np.full(rows, -1, dtype=np.int8)

    def panel_run(kernel, *args):
        """``kernel(*head, offsets, *tail)`` over symbol ranges; ``args`` hold ``None`` where the offsets go."""
        at = next(i for i, a in enumerate(args) if a is None)

        def run(s0, s1):
            kernel(*args[:at], off[s0:s1 + 1], *args[at + 1:])

        _over_symbols(run, off, workers)

    if "roll" in families:
        from liqcost.kernels.bar_roll import roll_panel

        out, st = pair()
        panel_run(roll_panel, panel.lc, None, w, minp, bc.signed, out, st)
        res["roll"], res["roll_st"] = out, st
    else:
        skipped("roll")
    if "cs" in families:
        from liqcost.kernels.bar_cs import cs_panel

        out, st = pair()
        panel_run(cs_panel, panel.high, panel.low, panel.close, None, w, minp, bc.cs_method == "two_day",
                  bc.cs_overnight, bc.signed, out, st)
        res["cs"], res["cs_st"] = out, st
    else:
        skipped("cs")
    if "ar" in families:
        from liqcost.kernels.bar_ar import ar_panel

        out, st = pair()
        panel_run(ar_panel, panel.lh, panel.ll, panel.lc, None, w, minp, bc.ar_method == "two_day", bc.signed, out, st)
        res["ar"], res["ar_st"] = out, st
    else:
        skipped("ar")
    if "edge" in families:
        from liqcost.kernels.bar_edge import edge_full_panel, edge_rolling_panel
        from liqcost.kernels.bar_numerics import TOO_FEW

        if mode == "full":
            # only the last row of each symbol is kept: the full-sample kernel (bidask.edge) fills it
            out = np.full(n, np.nan)
            st = np.full(n, TOO_FEW, dtype=np.int8)
            ns = len(panel.symbols)
            fo, fs = np.empty(ns), np.empty(ns, dtype=np.int8)

            def run_full(s0, s1):
                edge_full_panel(panel.lo, panel.lh, panel.ll, panel.lc, off[s0:s1 + 1], minp, bc.signed, 2.0,
                                fo[s0:s1], fs[s0:s1])

            _over_symbols(run_full, off, workers)
            last = off[1:] - 1
            nonempty = off[1:] > off[:-1]
            out[last[nonempty]] = fo[nonempty]
            st[last[nonempty]] = fs[nonempty]
        else:
            out, st = pair()
            panel_run(edge_rolling_panel, panel.lo, panel.lh, panel.ll, panel.lc, None, w, minp, bc.signed, out, st)
        res["edge"], res["edge_st"] = out, st
    else:
        skipped("edge")
    if "zero" in families:
        from liqcost.kernels.bar_zero import zero_return_panel

        zr, zs = pair()
        fo, fs = pair()
        panel_run(zero_return_panel, panel.lc, None, w, minp, zr, zs, fo, fs)
        res["zero_return"], res["zero_return_st"] = zr, zs
        res["fht"], res["fht_st"] = fo, fs
    else:
        skipped("zero_return", "fht")
    if "lot" in families and (mode == "full" or bc.lot_rolling):
        from liqcost.kernels.bar_lot import lot_panel
        from liqcost.kernels.bar_numerics import TOO_FEW

        out = np.full(n, np.nan)
        st = np.full(n, TOO_FEW, dtype=np.int8)
        mk = market if market is not None else _ro(np.zeros(n))
        panel_run(lot_panel, panel.lc, mk, None, w, minp, use_beta, mode == "full", out, st)
        res["lot"], res["lot_st"] = out, st
    elif mode == "full" or bc.lot_rolling:
        skipped("lot")
    if "volatility" in families:
        from liqcost.kernels.bar_volatility import NAMES, volatility_panel

        vo = np.empty((5, n))
        vs = np.empty((5, n), dtype=np.int8)
        panel_run(volatility_panel, panel.lo, panel.lh, panel.ll, panel.lc, None, w, minp, vo, vs)
        for k, name in enumerate(NAMES):
            res["vol_" + name], res["vol_" + name + "_st"] = vo[k], vs[k]
    else:
        skipped(*("vol_" + name for name in VOLATILITY_ESTIMATORS))
    if "volume" in families:
        from liqcost.kernels.bar_volume import median_panel, volume_panel

        adv, adv_usd, zvf, turn, ami = (np.empty(n) for _ in range(5))
        n_days = np.empty(n, dtype=np.int64)
        sv, stt, sa = (np.empty(n, dtype=np.int8) for _ in range(3))
        panel_run(volume_panel, panel.volume, panel.dollar_volume, panel.shares, panel.lc, None, w,
                  bc.min_periods_volume, adv, adv_usd, zvf, turn, ami, n_days, sv, stt, sa)
        res.update(adv=adv, adv_usd=adv_usd, zvf=zvf, turnover=turn, amihud=ami, n_days=n_days, volume_st=sv,
                   turnover_st=stt, amihud_st=sa)
        med, mst = pair()
        panel_run(median_panel, panel.volume, None, w, bc.min_periods_volume, med, mst)
        res["mdv"] = med
    else:
        nan = np.full(n, np.nan)
        not_done = np.full(n, -1, dtype=np.int8)
        zvf = _zero_volume_share(panel.volume, off, w, bc.min_periods_volume)
        res.update(adv=nan, adv_usd=nan, zvf=zvf, turnover=nan, amihud=nan, n_days=None, volume_st=not_done,
                   turnover_st=not_done, amihud_st=not_done, mdv=nan)
    return res


def _frame_from_arrays(panel: _Panel, res: dict[str, np.ndarray], cfg: Config, window: int, mode: str) -> pl.DataFrame:
    """Assemble the estimates frame (one row per grid row)."""
    from liqcost.kernels.bar_numerics import NEGATIVE_SQUARE, OK

    g = panel.grid
    cols: dict[str, pl.Series | np.ndarray] = {}
    for name, col in SPREAD_ESTIMATORS.items():
        if name not in res:
            continue
        st = res[name + "_st"]
        if name == "edge":
            neg = pl.Series(st == NEGATIVE_SQUARE)
            cols["edge_negative_square"] = neg if (st >= 0).any() or st.size == 0 else neg.cast(pl.Boolean).clear(st.size)
            st = np.where(st == NEGATIVE_SQUARE, OK, st).astype(np.int8)
        cols[col] = res[name] * _BPS
        cols[col.replace("_bps", "_reason")] = _reasons(st)
    cols["zero_return_frac"] = res["zero_return"]
    cols["zero_return_reason"] = _reasons(res["zero_return_st"])
    for name, col in VOLATILITY_ESTIMATORS.items():
        cols[col] = res["vol_" + name]
        cols[col.replace("_frac", "_reason")] = _reasons(res["vol_" + name + "_st"])
    cols["adv_shares"] = res["adv"]
    cols["mdv_shares"] = res["mdv"]
    cols["adv_usd"] = res["adv_usd"]
    cols["zero_volume_frac"] = res["zvf"]
    cols["volume_reason"] = _reasons(res["volume_st"])
    cols["n_days"] = res["n_days"] if res["n_days"] is not None else pl.Series("n_days", [None] * panel.n, dtype=pl.Int64)
    cols["turnover_frac"] = res["turnover"]
    cols["turnover_reason"] = _reasons(res["turnover_st"])
    cols["amihud_bps_per_musd"] = res["amihud"] * _AMIHUD_SCALE
    cols["amihud_reason"] = _reasons(res["amihud_st"])
    est = pl.DataFrame({k: (v if isinstance(v, pl.Series) else pl.Series(k, v)) for k, v in cols.items()})
    # NaN (not null) in the value columns: NaN means "undefined, see the reason"
    base = g.select("symbol", "date", "bar_status", "close", *(["shares_outstanding"] if "shares_outstanding" in g.columns else []))
    frame = pl.concat([base, est], how="horizontal")
    # valid-price bars in the window and the last valid close, per symbol (numpy over the segments)
    n = panel.n
    valid = np.isfinite(panel.close)
    seg = np.repeat(panel.offsets[:-1], np.diff(panel.offsets))
    csum = np.cumsum(valid, dtype=np.int64)
    before = np.where(seg > 0, csum[np.maximum(seg - 1, 0)], 0)
    nvb = csum - before
    if mode == "rolling":
        back = np.arange(n) - window
        prior = np.where(back >= seg, csum[np.maximum(back, 0)], before)
        nvb = csum - prior
    idx = np.where(valid, np.arange(n), -1)
    np.maximum.accumulate(idx, out=idx)
    price = np.where(idx >= seg, panel.close[np.maximum(idx, 0)], np.nan)
    frame = frame.with_columns(pl.Series("n_valid_bars", nvb), pl.Series("price_px", price))
    frame = _size_columns(frame, cfg)
    return frame.drop("close")


def _size_columns(frame: pl.DataFrame, cfg: Config) -> pl.DataFrame:
    """Market cap, its band and the penny flag from ``price_px`` and ``shares_outstanding``."""
    if "shares_outstanding" in frame.columns:
        so = pl.col("shares_outstanding")
        mcap = pl.when(so > 0).then(pl.col("price_px") * so).otherwise(float("nan"))
    else:
        frame = frame.with_columns(pl.lit(float("nan")).alias("shares_outstanding"))
        mcap = pl.lit(float("nan"))
    frame = frame.with_columns(mcap.alias("market_cap_usd"))
    return frame.with_columns(
        market_cap_band(pl.col("market_cap_usd"), cfg.bars.market_cap_bands_usd).alias("market_cap_band"),
        pl.when(pl.col("price_px").is_nan()).then(None).otherwise(pl.col("price_px") < cfg.bars.penny_price_px).alias("penny"),
    )


def market_cap_band(mcap: pl.Expr, bands: dict[str, float]) -> pl.Expr:
    """Band name of a market cap (currency): the largest band whose lower bound it reaches, else 'micro'.

    Null when the market cap is unknown (NaN or null). ``bands`` maps band name to lower bound
    (``bars.market_cap_bands_usd``: mega >= 200e9, large >= 10e9, mid >= 2e9, small >= 250e6).
    """
    ordered = sorted(bands.items(), key=lambda kv: kv[1], reverse=True)
    names = [k for k, _ in ordered] + (["micro"] if "micro" not in bands else [])
    expr = pl.when(mcap.is_null() | mcap.is_nan()).then(pl.lit(None, dtype=pl.String))
    for name, lower in ordered:
        expr = expr.when(mcap >= lower).then(pl.lit(name))
    expr = expr.otherwise(pl.lit("micro"))
    return expr.cast(pl.Enum(names))


# ------------------------------------------------------------------------------------ public API


def bar_panel_estimates(
    bars: pl.DataFrame | pl.LazyFrame,
    config: Config | None = None,
    window: int | None = None,
    mode: Literal["rolling", "full", "expanding"] = "rolling",
    market: pl.DataFrame | None = None,
    source: str = "bars",
    families: Collection[str] | None = None,
) -> pl.DataFrame:
    """Every bar estimator per symbol x day: spreads, volatility, volume, Amihud, turnover, size.

    Parameters
    ----------
    bars : polars.DataFrame or LazyFrame
        Bars (:data:`liqcost.schema.BARS`); put on the regular day grid first (:func:`regular_grid`).
    config : Config, optional
        The ``bars`` and ``session`` sections (defaults when None).
    window : int, optional
        Rolling window in trading days (``bars.window`` when None); ignored unless ``mode='rolling'``.
    mode : {'rolling', 'full', 'expanding'}
        ``rolling``: one row per symbol x grid day, each estimate over the ``window`` days ending that day.
        ``expanding``: one row per symbol x grid day, from the symbol's first day. ``full``: one row per
        symbol (dated its last grid day) over all its days; EDGE is then the full-sample estimator of
        ``bidask.edge`` and LOT is fitted.
    market : polars.DataFrame, optional
        Columns ``date`` and ``market_return_frac`` (a log return) for the LOT model's beta; by default
        the equal-weighted return of the other symbols of the input (``bars.lot_market``).
    source : str
        Name of the input used in error messages.
    families : collection of str, optional
        Estimator families to compute (:data:`FAMILIES`: ``roll``, ``cs``, ``ar``, ``edge``, ``zero``
        (zero-return share and FHT), ``lot``, ``volatility``, ``volume`` (ADV, median and dollar volume,
        zero-volume share, turnover, Amihud)); the others are NaN with reason ``not_computed`` and their
        kernels are not compiled (``zero_volume_frac`` is computed either way: it needs no kernel). All
        when None.

    Returns
    -------
    polars.DataFrame
        ``symbol, date, bar_status, shares_outstanding``, then for each estimator a value column and a
        ``*_reason`` column (null when the value is defined, else why it is NaN: ``too_few_bars``,
        ``no_price_variation``, ``negative_estimate``, ``no_zero_returns``, ``no_volume``,
        ``no_shares_outstanding``, ``not_converged``, ``not_identified``):

        * spreads in bps of the midpoint: ``roll_spread_bps``, ``cs_spread_bps``, ``ar_spread_bps``,
          ``edge_spread_bps`` (+ ``edge_negative_square``: the squared estimate was negative and the
          value is the root of its absolute value, as in ``bidask``), ``fht_spread_bps``,
          ``lot_spread_bps`` (full mode, or ``bars.lot_rolling``);
        * ``zero_return_frac``: share of zero close-to-close returns;
        * volatility (fraction per day): ``volatility_{cc,parkinson,gk,rs,yz}_frac``;
        * ``adv_shares``, ``mdv_shares``, ``adv_usd``, ``zero_volume_frac`` (``volume_reason``),
          ``n_days`` (non-missing days in the window), ``turnover_frac`` (fraction of shares
          outstanding per day), ``amihud_bps_per_musd`` (bps of price move per million of currency
          traded: the classic Amihud ratio times 1e6 is this divided by 1e4);
        * ``n_valid_bars`` (bars with valid prices in the window), ``price_px`` (last valid close),
          ``market_cap_usd``, ``market_cap_band``, ``penny``.

        Value columns hold NaN (not null) where undefined.

    Notes
    -----
    The kernels and their papers are documented in :mod:`liqcost.kernels.bar_estimators` and
    :mod:`liqcost.kernels.bar_volatility`; ``docs/bar_estimators.md`` has the assumptions, the known
    biases and a bias table by trades per day.
    """
    cfg = _config(config)
    if mode not in ("rolling", "full", "expanding"):
        raise UsageError(f"mode: expected 'rolling', 'full' or 'expanding', got {mode!r}.")
    w = cfg.bars.window if window is None else int(window)
    if mode == "rolling" and w < 2:
        raise UsageError(f"window: expected at least 2 trading days, got {w}.")
    if mode == "rolling" and cfg.bars.min_periods > w:
        raise UsageError(
            f"window: {w} days is shorter than bars.min_periods ({cfg.bars.min_periods}); lengthen the window or "
            "lower bars.min_periods."
        )
    fam = _families(families)
    grid = regular_grid(bars, cfg, source=source)
    return _estimates_from_grid(grid, cfg, w, mode, market, fam)


def _families(families) -> frozenset[str]:
    if families is None:
        return frozenset(FAMILIES)
    fam = frozenset(families)
    unknown = sorted(fam - set(FAMILIES))
    if unknown:
        raise UsageError(f"families: unknown bar estimator family {unknown[0]!r}; choose from {', '.join(FAMILIES)}.")
    return fam


def _estimates_from_grid(grid: pl.DataFrame, cfg: Config, window: int, mode: str, market: pl.DataFrame | None,
                         families: frozenset[str] = frozenset(FAMILIES)) -> pl.DataFrame:
    panel = _Panel(grid)
    if "lot" not in families:
        mkt, use_beta = None, False
    elif market is not None:
        if not {"date", "market_return_frac"} <= set(market.columns):
            raise UsageError("market: expected a frame with columns 'date' and 'market_return_frac'.")
        mk = grid.select("date").join(
            market.select(pl.col("date").cast(pl.Date), pl.col("market_return_frac").cast(pl.Float64)),
            on="date",
            how="left",
            maintain_order="left",
        )["market_return_frac"].fill_null(np.nan).to_numpy()
        mkt, use_beta = _ro(mk), True
    else:
        mkt, use_beta = _market_returns(panel, cfg)
    res = _estimate_arrays(panel, cfg, window, mode, mkt, use_beta, families)
    frame = _frame_from_arrays(panel, res, cfg, window, mode)
    if mode == "full":
        last = panel.offsets[1:] - 1
        frame = frame[last.tolist()]
    return frame


def bar_profile(
    bars: pl.DataFrame | pl.LazyFrame,
    config: Config | None = None,
    lookback_days: int | None = None,
    asof: dt.date | str | None = None,
    market: pl.DataFrame | None = None,
    source: str = "bars",
    keep_stale: bool = False,
    families: Collection[str] | None = None,
    complete: bool = True,
) -> pl.DataFrame:
    """Liquidity profile per symbol from bars alone (rows of :data:`liqcost.schema.PROFILE`, source 'bars').

    Parameters
    ----------
    bars : polars.DataFrame or LazyFrame
        Bars (:data:`liqcost.schema.BARS`), daily or intraday.
    config : Config, optional
        ``bars``, ``session`` and ``measures.lookback_days`` (defaults when None).
    lookback_days : int, optional
        Trading days in the window (``measures.lookback_days`` when None) for the volume statistics.
        Spread and volatility estimators use ``bars.estimator_lookback_days`` days ending on the same
        day, by default the longer of ``lookback_days`` and ``measures.lookback_days_long`` (60): a
        20-day window is too short for a thin name's spread (see the bias table in
        ``docs/bar_estimators.md``).
    asof : date or ISO string, optional
        Last day of the window (default: the last date in the input). Bars after it are ignored; a
        symbol whose bars stop earlier gets trailing missing days (``missing_days``, ``last_bar_date``).
    market : polars.DataFrame, optional
        Market returns for LOT (see :func:`bar_panel_estimates`).
    source : str
        Name of the input used in error messages.
    keep_stale : bool
        Keep symbols without any bar in the ``lookback_days`` window (their row is all missing days,
        ``last_bar_date`` null). By default they are left out: a symbol with no data in the lookback
        has no liquidity profile (the caller reports it).
    families : collection of str, optional
        Estimator families to compute (see :func:`bar_panel_estimates`; :func:`fallback_families` says
        which a tick profile needs); the others are NaN with reason ``not_computed``. All when None.
    complete : bool
        Give a name without its own spread or volatility estimate (too few bars) the stand-ins of
        :func:`liqcost.measures.fallback.complete_inputs` (peers in its price and market-cap band, then the
        prior), with the input sources and uncertainties. ``False`` leaves them NaN (source ``none``).

    Returns
    -------
    polars.DataFrame
        One row per symbol with the PROFILE columns bars can fill: ``symbol, asof_date, lookback_days,
        source, price_px, adv_shares, mdv_shares, adv_usd, zero_volume_days, daily_volume_shares,
        spread_bps, volatility_daily_frac, shares_outstanding, market_cap_usd`` and ``trades_per_day``
        when the bars have ``n_trades``; then ``spread_estimator`` and ``volatility_estimator`` (which
        estimate filled ``spread_bps`` / ``volatility_daily_frac``: the first defined one in
        ``bars.spread_estimators`` / ``bars.volatility_estimators``), every bar estimate with its reason,
        ``zero_volume_frac``, ``turnover_frac``, ``amihud_bps_per_musd``, ``market_cap_band``, ``penny``,
        ``missing_days`` (grid days left out as unknown), ``no_bar_days`` (grid days without a bar from the
        vendor, however they were read), ``last_bar_date`` (= ``last_data_date``), ``n_valid_bars``; the
        input sources ``spread_source``, ``volatility_source`` (``bars``, or ``none`` when no estimate is
        defined and positive) and ``volume_source``.

        ``daily_volume_shares`` lists the volume of every non-missing day of the window, oldest first
        (zero-volume days included as 0, missing days left out). ``lookback_days`` counts grid days,
        missing ones included.

    Raises
    ------
    liqcost.errors.NoDataError
        When no bar falls on or before ``asof``.
    """
    cfg = _config(config)
    lb = cfg.measures.lookback_days if lookback_days is None else int(lookback_days)
    if lb < 1:
        raise UsageError(f"lookback_days: expected at least 1 trading day, got {lb}.")
    le = cfg.bars.estimator_lookback_days or max(lb, cfg.measures.lookback_days_long)
    daily = daily_bars(bars, cfg, source)
    asof_d = _as_date(asof, "asof")
    if asof_d is not None:
        daily = daily.filter(pl.col("date") <= asof_d)
        if daily.height == 0:
            raise NoDataError(f"{source}: no bar on or before {asof_d}; choose a later --asof date.")
    end = asof_d if asof_d is not None else daily["date"].max()
    keep = max(lb, le)
    # the first day of the window on the calendar, so that only the window is put on the grid
    epoch = dt.date(1970, 1, 1)
    bar_days = daily["date"].to_physical().to_numpy().astype(np.int64)
    cal = _calendar(int(bar_days.min()), (end - epoch).days, cfg, bar_days)
    start = epoch + dt.timedelta(days=int(cal[-keep] if cal.size >= keep else cal[0]))
    grid = regular_grid(daily, cfg, start=start, end=end, source=source)
    def tail(frame, k):
        # the last k rows of each symbol (Int64: pl.len() is unsigned and k may exceed it)
        n_sym = pl.len().over("symbol").cast(pl.Int64)
        return frame.filter(pl.int_range(pl.len(), dtype=pl.Int64).over("symbol") >= n_sym - k)

    grid = tail(grid, keep)

    g_vol = tail(grid, lb)
    g_est = tail(grid, le)
    fam = _families(families)
    full_vol = _estimates_from_grid(g_vol, cfg, lb, "full", market, fam)
    full_est = full_vol if le == lb else _estimates_from_grid(g_est, cfg, le, "full", market, fam)

    summary = g_vol.group_by("symbol", maintain_order=True).agg(
        pl.col("date").last().alias("asof_date"),
        pl.len().cast(pl.Int64).alias("lookback_days"),
        (pl.col("volume") == 0).sum().cast(pl.Int64).alias("zero_volume_days"),
        pl.col("volume").filter(pl.col("volume").is_not_nan()).alias("daily_volume_shares"),
        pl.col("bar_status").is_in(["missing"]).sum().cast(pl.Int64).alias("missing_days"),
        pl.col("bar_status").is_in(["missing", "no_trade"]).sum().cast(pl.Int64).alias("no_bar_days"),
        pl.col("date").filter(~pl.col("bar_status").is_in(["missing", "no_trade"])).last().alias("last_bar_date"),
        *([pl.col("n_trades").cast(pl.Float64).mean().alias("trades_per_day")] if "n_trades" in g_vol.columns else []),
    )
    vol_cols = full_vol.select(
        "symbol",
        "price_px",
        "adv_shares",
        "mdv_shares",
        "adv_usd",
        "zero_volume_frac",
        "volume_reason",
        "turnover_frac",
        "turnover_reason",
        "amihud_bps_per_musd",
        "amihud_reason",
        "shares_outstanding",
        "market_cap_usd",
        "market_cap_band",
        "penny",
    )
    est_names = [c for c in SPREAD_ESTIMATORS.values() if c in full_est.columns]
    est_cols = full_est.select(
        "symbol",
        *est_names,
        *[c.replace("_bps", "_reason") for c in est_names],
        "edge_negative_square",
        "zero_return_frac",
        "zero_return_reason",
        *VOLATILITY_ESTIMATORS.values(),
        *[c.replace("_frac", "_reason") for c in VOLATILITY_ESTIMATORS.values()],
        "n_valid_bars",
    )
    if not keep_stale:
        summary = summary.filter(pl.col("last_bar_date").is_not_null())
    prof = summary.join(vol_cols, on="symbol", how="left").join(est_cols, on="symbol", how="left")
    prof = prof.with_columns(
        pl.lit("bars").alias("source"),
        *_first_defined([SPREAD_ESTIMATORS[k] for k in cfg.bars.spread_estimators], list(cfg.bars.spread_estimators),
                        "spread_bps", "spread_estimator"),
        *_first_defined([VOLATILITY_ESTIMATORS[k] for k in cfg.bars.volatility_estimators],
                        list(cfg.bars.volatility_estimators), "volatility_daily_frac", "volatility_estimator"),
        pl.col("last_bar_date").alias("last_data_date"),
        pl.lit("bars").alias("volume_source"),
    ).with_columns(
        pl.when(pl.col("spread_estimator").is_not_null()).then(pl.lit("bars")).otherwise(pl.lit("none"))
        .alias("spread_source"),
        pl.when(pl.col("volatility_estimator").is_not_null()).then(pl.lit("bars")).otherwise(pl.lit("none"))
        .alias("volatility_source"),
    )
    lead = [
        "symbol",
        "asof_date",
        "lookback_days",
        "source",
        "price_px",
        "adv_shares",
        "mdv_shares",
        "adv_usd",
        "zero_volume_days",
        "daily_volume_shares",
        "spread_bps",
        "spread_estimator",
        "volatility_daily_frac",
        "volatility_estimator",
        "shares_outstanding",
        "market_cap_usd",
        *(["trades_per_day"] if "trades_per_day" in prof.columns else []),
    ]
    rest = [c for c in prof.columns if c not in lead]
    prof = prof.select(lead + rest).sort("symbol")
    if complete:
        from liqcost.measures.fallback import complete_inputs

        prof = complete_inputs(prof, cfg)
    return prof


def _first_defined(columns: list[str], names: list[str], value: str, which: str) -> list[pl.Expr]:
    """The first positive value of ``columns`` (in order) and the name of the estimator it came from: a zero
    spread or volatility from bars is a window without price variation, not an estimate."""
    val = pl.lit(float("nan"))
    src = pl.lit(None, dtype=pl.String)
    for col, name in reversed(list(zip(columns, names))):
        defined = pl.col(col).is_not_null() & pl.col(col).is_not_nan() & (pl.col(col) > 0)
        val = pl.when(defined).then(pl.col(col)).otherwise(val)
        src = pl.when(defined).then(pl.lit(name)).otherwise(src)
    return [val.alias(value), src.alias(which)]


#: columns of a tick profile that a merged profile takes from the bars when the tick value is undefined,
#: with the bar estimator families behind the bar value (spread_bps: the families of
#: ``bars.spread_estimators``); the other shared columns (price, dates, daily volumes, market cap ...)
#: need no bar kernel
_FALLBACK_COLUMNS = {
    "spread_bps": None,
    "volatility_daily_frac": ("volatility",),
    "volatility_cc_frac": ("volatility",),
    "adv_shares": ("volume",),
    "mdv_shares": ("volume",),
    "adv_usd": ("volume",),
    "amihud_bps_per_musd": ("volume",),
}


def fallback_families(ticks: pl.DataFrame | None, bar_symbols, config: Config | None = None) -> frozenset[str]:
    """The bar estimator families a consumer of the merged profile's pricing values needs from the bars.

    :func:`merge_tick_and_bar_profiles` keeps a tick value where it is defined and takes the bar value
    where it is not; it also adds the bar-only columns. The pre-trade check and the planner read
    ``spread_bps``, ``volatility_daily_frac``, ``adv_shares``, ``mdv_shares``, ``adv_usd``,
    ``amihud_bps_per_musd`` (shared with the tick profile) and ``zero_volume_frac`` (bar-only, computed
    whatever the families). This returns the families (:data:`FAMILIES`) that fill the shared values
    for ``bar_symbols``: for a symbol without a tick row every family behind them (``spread_bps``: those
    of ``bars.spread_estimators``; ``volatility``; ``volume``); for a symbol with one, the families of
    the values its tick row leaves undefined (null or NaN). Computing only these
    (``bar_profile(families=...)``) gives those values exactly as computing every family does; the other
    bar estimates are then NaN with reason ``not_computed``. An empty set: no bar kernel runs.
    """
    cfg = _config(config)
    wanted = list(dict.fromkeys(bar_symbols))
    if not wanted:
        return frozenset()
    rules = {c: (tuple(dict.fromkeys(SPREAD_FAMILY[k] for k in cfg.bars.spread_estimators)) if f is None else f)
             for c, f in _FALLBACK_COLUMNS.items()}
    need: set[str] = set()
    every = {f for fams in rules.values() for f in fams}
    if ticks is None or ticks.height == 0:
        return frozenset(need | every)
    t = ticks.filter(pl.col("symbol").is_in(wanted))
    if t.get_column("symbol").n_unique() < len(wanted):  # a name with bars and no tick row
        return frozenset(need | every)
    for col, fams in rules.items():
        if col not in t.columns:
            need.update(fams)
            continue
        c = pl.col(col)
        undefined = (c.is_null() | c.is_nan()) if t.schema[col].is_float() else c.is_null()
        if t.select(undefined.any()).item():
            need.update(fams)
    return frozenset(need)


def merge_tick_and_bar_profiles(ticks: pl.DataFrame | None, bars: pl.DataFrame | None) -> pl.DataFrame:
    """One profile per symbol from a tick-based profile and a bars profile (either may be None).

    A symbol in both gets ``source = 'ticks+bars'``: every column the tick profile defines wins (a null
    or NaN tick value falls back to the bars value), and the bar-only columns (the bar estimates with
    their reasons, ``market_cap_band``, ``penny``, ...) are added. ``spread_bps`` is thus the tick
    effective spread when there is one (``spread_estimator = 'ticks'`` unless the tick profile names
    it), else the bar estimate (and ``spread_estimator`` names it); likewise ``volatility_daily_frac`` /
    ``volatility_estimator``. Symbols in only one input keep that input's row and ``source``.

    Parameters
    ----------
    ticks : polars.DataFrame or None
        Rows of :data:`liqcost.schema.PROFILE` built from ticks (``source = 'ticks'``).
    bars : polars.DataFrame or None
        Rows from :func:`bar_profile`.

    Returns
    -------
    polars.DataFrame
        The merged profile, sorted by symbol: the tick profile's columns first, then the bar-only ones.
    """
    if ticks is None and bars is None:
        raise UsageError("merge_tick_and_bar_profiles: give a tick profile, a bars profile or both.")
    if ticks is None:
        return bars.sort("symbol")
    if bars is None:
        return ticks.sort("symbol")
    sfx = "__bars"
    joined = ticks.with_columns(pl.lit(True).alias("_in_t")).join(
        bars.with_columns(pl.lit(True).alias("_in_b")), on="symbol", how="full", coalesce=True, suffix=sfx
    )
    in_t = pl.col("_in_t").fill_null(False)
    in_b = pl.col("_in_b").fill_null(False)

    def defined(name: str) -> pl.Expr:
        col = pl.col(name)
        return col.is_not_null() & ~col.is_nan() if joined.schema[name].is_float() else col.is_not_null()

    labels = {"spread_estimator": "spread_bps", "volatility_estimator": "volatility_daily_frac"}
    # an input's source follows the value that was taken; the last data date is the later of the two
    sources = {"spread_source": "spread_bps", "volatility_source": "volatility_daily_frac", "volume_source": "adv_shares"}
    exprs = []
    for which, value in sources.items():
        if which in ticks.columns and which in bars.columns and value in ticks.columns:
            exprs.append(pl.when(in_t & defined(value)).then(pl.col(which)).when(in_b).then(pl.col(which + sfx))
                         .otherwise(pl.col(which)).alias(which))
    if "last_data_date" in ticks.columns and "last_data_date" in bars.columns:
        exprs.append(pl.max_horizontal("last_data_date", "last_data_date" + sfx).alias("last_data_date"))
    for c in ticks.columns:
        if c == "symbol" or c not in bars.columns or c in labels or c in sources or c == "last_data_date":
            continue
        if c == "source":
            exprs.append(pl.when(in_t & in_b).then(pl.lit("ticks+bars")).when(in_t).then(pl.col(c))
                         .otherwise(pl.col(c + sfx)).alias(c))
        else:
            exprs.append(pl.when(defined(c)).then(pl.col(c)).otherwise(pl.col(c + sfx)).alias(c))
    for which, value in labels.items():
        if value not in ticks.columns:
            continue
        tick_label = pl.col(which).fill_null(pl.lit("ticks")) if which in ticks.columns else pl.lit("ticks")
        bar_label = pl.col(which + sfx) if which in ticks.columns else pl.col(which)
        exprs.append(pl.when(defined(value)).then(tick_label).otherwise(bar_label).alias(which))
    # every expression reads the joined frame as it was, so the tick-defined tests see the tick values
    out = joined.with_columns(exprs)
    out = out.drop([c for c in out.columns if c.endswith(sfx)] + ["_in_t", "_in_b"])
    lead = [c for c in ticks.columns if c in out.columns]
    return out.select(lead + [c for c in out.columns if c not in lead]).sort("symbol")

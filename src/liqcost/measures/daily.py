"""Daily liquidity metrics per symbol-day, from a dataset or from in-memory trade/quote frames.

:func:`daily_metrics` plans the symbol-day partitions, groups them into batches, runs the tick pass on
the engine (threads), then completes the table: the regular day grid (a trading weekday without a trade
is a zero-volume day, not a missing day), day-to-day returns, Amihud illiquidity, the per-day Kyle's
lambda and the daily volatility. The optional per-trade audit table is streamed to a file.

Units are in the column names (``_bps`` of the trade-time mid, ``_px`` currency per share, ``_shares``,
``_usd``, ``_s``, ``_frac``); see ``docs/measures.md`` for every column.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from liqcost.errors import NoDataError, UsageError
from liqcost.measures.ticks import (
    BatchResult,
    SymbolDay,
    TickParams,
    measure_batch,
    measure_parts,
    plan_frames,
)

__all__ = [
    "DailyResult",
    "daily_metrics",
    "finalize_daily",
    "trading_grid",
    "nyse_holidays",
    "holidays_for",
    "plan_dataset",
]


# ------------------------------------------------------------------------------------------- calendar
# the exchange calendar lives in liqcost.calendar (shared with the bar grid and the planner)
from liqcost.calendar import holidays_for, nyse_holidays, trading_grid  # noqa: E402,F401


# ------------------------------------------------------------------------------------------- planning

def plan_dataset(dataset, symbols=None, start=None, end=None) -> list[SymbolDay]:
    """Symbol-days present in a dataset's trades or quotes, sorted by (symbol, date), from the dataset's
    state (no file is opened): each with the row slices of its trades and quotes."""
    trades = {(p.symbol, p.date): p.pieces for p in dataset.partitions("trades", symbols, start, end)}
    quotes = {(p.symbol, p.date): p.pieces for p in dataset.partitions("quotes", symbols, start, end)}
    keys = sorted(set(trades) | set(quotes))
    return [SymbolDay(s, d, trades.get((s, d), ()), quotes.get((s, d), ())) for s, d in keys]


def _chunks(weights: list[int], target: float, min_chunks: int) -> list[tuple[int, int]]:
    """Consecutive index ranges whose weights sum to about ``target`` (at least ``min_chunks`` when possible)."""
    total = float(sum(weights))
    if total > 0 and min_chunks > 1:
        target = min(target, total / min_chunks)
    target = max(target, 1.0)
    out = []
    start = 0
    acc = 0.0
    for i, w in enumerate(weights):
        acc += w
        if acc >= target:
            out.append((start, i + 1))
            start = i + 1
            acc = 0.0
    if start < len(weights):
        out.append((start, len(weights)))
    return out


# ------------------------------------------------------------------------------------------- running

@dataclass
class DailyResult:
    """Daily table plus what a user may want to know about the run."""

    daily: pl.DataFrame
    n_partitions: int = 0
    n_trades: int = 0
    n_quotes: int = 0
    trades_path: Path | None = None
    stats: dict = field(default_factory=dict)
    problems: tuple = ()
    failed_symbols: tuple = ()  # symbols of batches that failed on a Dask cluster: in no table at all


def _frame_task(task) -> BatchResult:
    plan, p0, p1, params, audit_path = task
    res = measure_batch(plan.batch(p0, p1), params, want_trades=audit_path is not None)
    return _spill(res, audit_path)


def _dataset_task(task) -> BatchResult:
    """Read a batch of dataset symbol-days (damaged files isolated, see :func:`read_parts`) and measure it;
    the files that could not be read are in ``extra["damaged"]`` as ``(path, message)``."""
    parts, params, audit_path = task
    damaged: list = []
    res = measure_parts(parts, params, audit_path is not None, damaged)  # (large days in chunks)
    res.extra["damaged"] = damaged
    return _spill(res, audit_path)


def _spill(res: BatchResult, audit_path) -> BatchResult:
    if audit_path is not None and res.trades is not None:
        res.trades.write_parquet(audit_path, compression="zstd", statistics=False)
        res.trades = None
    return res


def daily_metrics(
    config,
    *,
    dataset=None,
    trades: pl.DataFrame | None = None,
    quotes: pl.DataFrame | None = None,
    symbols=None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    trades_out: str | Path | None = None,
    progress=None,
    workers: int | None = None,
) -> DailyResult:
    """Daily liquidity metrics of every selected symbol-day.

    Parameters
    ----------
    config : liqcost.config.Config
        Session, measures and engine settings.
    dataset : liqcost.io.dataset.Dataset or path, optional
        Read trades and quotes from this dataset ...
    trades, quotes : polars.DataFrame, optional
        ... or from these canonical frames (``schema.TRADES`` / ``schema.QUOTES``; any order).
    symbols : list of str, optional
        Only these symbols (all by default).
    start, end : datetime.date, optional
        Only these exchange-local dates (inclusive).
    trades_out : path, optional
        Write the per-trade audit table here (``.parquet`` or ``.csv``), atomically.
    progress : callable, optional
        ``progress(n_symbol_days)`` as batches finish; ``progress.total`` is not needed.
    workers : int, optional
        Threads (default ``engine.workers``; 0 = one per core).

    Returns
    -------
    DailyResult
        ``daily`` satisfies :data:`liqcost.schema.DAILY` (plus many optional columns).

    Raises
    ------
    liqcost.errors.NoDataError
        When nothing is selected.
    """
    from liqcost.engine import planned_width, run_tasks
    from liqcost.schema import check_frame

    params = TickParams.from_config(config)
    eng = config.engine
    # a Dask cluster reads its partitions from a dataset; frames in memory stay on local threads (never shipped)
    scheduler = eng.scheduler if dataset is not None else None
    n_workers = planned_width(workers if workers is not None else eng.workers, scheduler)
    if trades_out and scheduler:  # the workers write the audit parts: next to the target, on storage they share
        Path(trades_out).resolve().parent.mkdir(parents=True, exist_ok=True)
        tmpdir = Path(tempfile.mkdtemp(prefix=".liqcost-trades-", dir=Path(trades_out).resolve().parent))
    else:
        tmpdir = Path(tempfile.mkdtemp(prefix="liqcost-trades-")) if trades_out else None
    failures: list = []
    try:
        if dataset is not None:
            from liqcost.io.dataset import Dataset

            ds = dataset if hasattr(dataset, "partitions") else Dataset(dataset)
            parts = plan_dataset(ds, symbols, start, end)
            if scheduler:  # workers may run in another folder: give them absolute paths
                parts, names = _absolute(parts)
            if not parts:
                raise NoDataError(
                    f"{ds.root}: no trades or quotes"
                    + (f" for {', '.join(symbols)}" if symbols else "")
                    + (f" between {start or 'the start'} and {end or 'the end'}" if (start or end) else "")
                    + f"; symbols with trades: {', '.join(ds.symbols('trades')[:20]) or 'none'}."
                )
            weights = [p.weight for p in parts]  # rows of trades and quotes
            ranges = _chunks(weights, float(eng.batch_rows), 4 * n_workers)
            tasks = [
                (parts[a:b], params, (tmpdir / f"part-{k:06d}.parquet") if tmpdir else None)
                for k, (a, b) in enumerate(ranges)
            ]
            func = _dataset_task
        else:
            if trades is None and quotes is None:
                raise UsageError("give a dataset or trade/quote frames to compute daily metrics from.")
            if trades is not None:
                check_frame(trades, "trades", "trades")
            if quotes is not None:
                check_frame(quotes, "quotes", "quotes")
            plan = plan_frames(trades, quotes, params.timezone, symbols, start, end)
            if not len(plan):
                raise NoDataError(
                    "no trades or quotes for the selection"
                    + (f" (symbols {', '.join(symbols)})" if symbols else "")
                    + (f" between {start or 'the start'} and {end or 'the end'}" if (start or end) else "")
                    + "; check --symbol, --start/--end and the session time zone."
                )
            rows = (plan.t_len + plan.q_len).tolist()
            ranges = _chunks(rows, float(eng.batch_rows), 4 * n_workers)
            tasks = [  # each task materializes its own partitions' columns (plan.batch) on its thread
                (plan, a, b, params, (tmpdir / f"part-{k:06d}.parquet") if tmpdir else None)
                for k, (a, b) in enumerate(ranges)
            ]
            func = _frame_task
        results = run_tasks(
            func, tasks, workers=n_workers, scheduler=scheduler,
            weights=[b - a for a, b in ranges], progress=progress,
            retries=eng.retries, threads=eng.worker_threads, failures=failures,
        )
        problems: tuple = ()
        if dataset is not None:  # files that could not be read: named once each, the run is partial
            for r in results:
                if r is None:
                    continue
                for path, message in r.extra.get("damaged", ()):
                    ds.report_damaged(names.get(str(path), path) if scheduler else path, message)
            problems = ds.problems
        dropped: set = set()
        if failures:  # batches that failed on the cluster: their symbols are left out whole, and named
            failed = _failed_batches(failures, tasks, ds.root, eng.retries)
            dropped = {s for f in failed for s in f[1]}
            results = [r for r in results if r is not None]
        raw = pl.concat([r.daily for r in results], how="vertical") if results else None
        if dropped and raw is not None:
            raw = raw.filter(~pl.col("symbol").is_in(sorted(dropped)))
        if dropped and (raw is None or raw.height == 0):
            raise NoDataError(f"{ds.root}: every batch of symbol-days failed on the Dask cluster; the first: "
                              f"{failed[0][2]}")
        if dataset is not None and problems and (raw is None or raw.height == 0):
            raise NoDataError(
                f"{ds.root}: every selected symbol-day is in a file that cannot be read "
                f"({'; '.join(str(p) for p in problems[:3])})."
            )
        daily = finalize_daily(raw, config)
        if dataset is not None:
            daily = _attach_shares_outstanding(daily, ds, config)
            problems = ds.problems
        if dropped:
            problems = tuple(problems) + tuple(_warn_failed(f) for f in failed)
        check_frame(daily, "daily", "daily metrics")
        out_path = None
        if trades_out:
            out_path = _write_audit(tmpdir, Path(trades_out), dropped)
        return DailyResult(
            daily=daily,
            n_partitions=sum(b - a for a, b in ranges),
            n_trades=sum(r.n_trades for r in results),
            n_quotes=sum(r.n_quotes for r in results),
            trades_path=out_path,
            problems=problems,
            failed_symbols=tuple(sorted(dropped)),
        )
    finally:
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)


def _attach_shares_outstanding(daily: pl.DataFrame, ds, config) -> pl.DataFrame:
    """Add ``shares_outstanding`` from the dataset's bars (when they carry it), carried forward per symbol.

    Tick data do not say how many shares exist; the profile needs it for the market cap.
    """
    from liqcost.io.dataset import local_date_expr

    if "bars" not in ds.kinds():
        return daily
    syms = daily.get_column("symbol").unique().to_list()
    lo, hi = daily["date"].min(), daily["date"].max()
    parts = ds.partitions("bars", syms, lo, hi)
    if not parts:
        return daily
    if "shares_outstanding" not in ds.columns("bars", syms):  # (from the dataset state: no file opened)
        return daily
    bars = ds.collect("bars", syms, lo, hi, columns=["symbol", "date", "ts", "shares_outstanding"])
    names = bars.columns
    if "shares_outstanding" not in names:
        return daily
    date = pl.col("date") if "date" in names else local_date_expr("ts", config.session.timezone)
    if "date" in names and "ts" in names:
        date = pl.coalesce(pl.col("date"), local_date_expr("ts", config.session.timezone))
    so = (
        bars.lazy().select(pl.col("symbol").cast(pl.String), date.alias("date"), pl.col("shares_outstanding").cast(pl.Float64))
        .drop_nulls()
        .group_by("symbol", "date")
        .agg(pl.col("shares_outstanding").last())
        .collect()
    )
    if so.height == 0:
        return daily
    return (
        daily.join(so, on=["symbol", "date"], how="left")
        .sort("symbol", "date")
        .with_columns(pl.col("shares_outstanding").forward_fill().over("symbol"))
    )


def _absolute(parts: list[SymbolDay]) -> tuple[list[SymbolDay], dict]:
    """The symbol-days with absolute file paths (for workers in another folder or on another machine), and
    the map from each absolute path back to the dataset's own (to report a damaged file under its name)."""
    from liqcost.io.dataset import Piece

    names: dict = {}
    cache: dict = {}

    def fix(pieces):
        out = []
        for p in pieces:
            a = cache.get(p.path)
            if a is None:
                a = cache[p.path] = Path(p.path).absolute()
                names[str(a)] = p.path
            out.append(Piece(a, p.offset, p.rows))
        return tuple(out)

    return [SymbolDay(p.symbol, p.date, fix(p.trade_pieces), fix(p.quote_pieces)) for p in parts], names


def _failed_batches(failures, tasks, root, retries: int) -> list[tuple]:
    """``(where, symbols, text)`` of each batch that failed on the cluster: the symbol-days it held and the
    error; every symbol of the batch is left out of the result (none is half there)."""
    out = []
    for f in failures:
        parts = tasks[f.index][0]
        syms = sorted({p.symbol for p in parts})
        first, last = parts[0], parts[-1]
        where = (f"{root}: partition {first.symbol} {first.date}" if len(parts) == 1 else
                 f"{root}: partitions {first.symbol} {first.date} .. {last.symbol} {last.date} ({len(parts)} symbol-days)")
        text = (f"failed on the Dask cluster after {retries} retr{'y' if retries == 1 else 'ies'} ({f}); "
                f"left out of the result: {', '.join(syms[:10])}{' ...' if len(syms) > 10 else ''} "
                f"({len(syms)} symbol{'s' if len(syms) != 1 else ''}); run again, or without the scheduler")
        out.append((where, syms, text))
    return out


def _warn_failed(failed: tuple):
    """Name a failed batch (a PartialRunWarning: the command exits with code 1) and return its Problem."""
    import warnings

    from liqcost.errors import PartitionFailedWarning
    from liqcost.result import Problem

    where, _syms, text = failed
    problem = Problem("partition_failed", where, text + ".")
    warnings.warn(str(problem), PartitionFailedWarning, stacklevel=3)
    return problem


def _write_audit(tmpdir: Path, target: Path, dropped=()) -> Path:
    from liqcost.io.atomic import atomic_path

    files = sorted(str(p) for p in tmpdir.glob("part-*.parquet"))
    if not files:
        raise NoDataError("no trades to write to --trades-out.")
    scan = pl.scan_parquet(files)
    if dropped:  # the symbols of a failed batch are not in the daily table: not in the audit either
        scan = scan.filter(~pl.col("symbol").is_in(sorted(dropped)))
    suffix = target.suffix.lower()
    with atomic_path(target) as tmp:
        if suffix == ".csv":
            scan.sink_csv(tmp)
        elif suffix in (".parquet", ".pq", ""):
            scan.sink_parquet(tmp, compression="zstd")
        else:
            raise UsageError(f"--trades-out {target}: use a .parquet or .csv file name.")
    return target


# ------------------------------------------------------------------------------------------ finishing

_ZERO_ON_NO_DATA = (
    "volume_shares", "dollar_volume_usd", "n_trades", "n_trades_continuous", "n_trades_excluded", "n_quotes",
    "n_quotes_invalid", "n_quotes_locked", "n_effective", "open_auction_shares", "close_auction_shares",
)


def _symbol_grids(spans: pl.DataFrame, config) -> pl.DataFrame:
    """Each symbol's trading days from its ``first`` to its ``last`` date (columns symbol, date).

    One exchange grid over the span of all symbols, cut per symbol by binary search: the calendar is worked
    out once, not once a name (5,000 names of one day each spent 0.2 s here in a per-name loop); the days
    are the same as ``trading_grid(first, last, ...)`` of each symbol, because holidays depend on the date only.
    """
    if spans.height == 0:
        return pl.DataFrame(schema={"symbol": pl.String, "date": pl.Date})
    first = spans.get_column("first").to_numpy().astype("datetime64[D]")
    last = spans.get_column("last").to_numpy().astype("datetime64[D]")
    g0, g1 = spans.get_column("first").min(), spans.get_column("last").max()
    days = np.array(trading_grid(g0, g1, config.session.trading_days, holidays_for(config, g0, g1)),
                    dtype="datetime64[D]")
    lo = np.searchsorted(days, first, side="left")
    n = np.maximum(np.searchsorted(days, last, side="right") - lo, 0)
    starts = np.cumsum(n) - n
    pos = np.arange(int(n.sum()), dtype=np.int64) - np.repeat(starts, n) + np.repeat(lo, n)
    return pl.DataFrame({"symbol": spans.get_column("symbol").gather(np.repeat(np.arange(spans.height), n)),
                         "date": pl.Series(days[pos], dtype=pl.Date)})


def finalize_daily(raw: pl.DataFrame | None, config) -> pl.DataFrame:
    """Complete raw per-partition rows: day grid with zero-volume days, returns, Amihud, Kyle, volatility.

    Each symbol's grid runs from its first to its last date in ``raw``: the weekdays of
    ``session.trading_days`` less the exchange holidays (``session.holiday_calendar``,
    ``session.holidays``). A grid day without data becomes a row with zero volume and trades and NaN
    measures; a date with data is always kept (even off the grid).
    """
    if raw is None or raw.height == 0:
        raise NoDataError("no symbol-day had trades or quotes in the selection.")
    raw = raw.sort(["symbol", "date"])
    spans = raw.group_by("symbol").agg(pl.col("date").min().alias("first"), pl.col("date").max().alias("last"))
    grid = _symbol_grids(spans, config)
    keys = pl.concat([grid, raw.select("symbol", "date")]).unique()
    daily = keys.join(raw, on=["symbol", "date"], how="left").sort(["symbol", "date"])
    n_bins = TickParams.from_config(config).n_bins
    fills = []
    for c in daily.columns:
        if c in _ZERO_ON_NO_DATA or c.startswith("n_impact_"):
            fills.append(pl.col(c).fill_null(0))
        elif c == "volume_bins_shares":
            fills.append(pl.col(c).fill_null(pl.lit([0.0] * n_bins, dtype=pl.List(pl.Float64))))
        elif c == "kyle_ols_sums":
            fills.append(pl.col(c).fill_null(pl.lit([0.0] * 6, dtype=pl.List(pl.Float64))))
        elif daily.schema[c] == pl.Float64:
            fills.append(pl.col(c).fill_null(float("nan")))
    daily = daily.with_columns(fills)

    nan_null = lambda c: pl.col(c).fill_nan(None)
    prev_close = nan_null("close_px").forward_fill().shift(1).over("symbol")
    prev_mid = nan_null("close_mid_px").shift(1).over("symbol")
    daily = daily.with_columns(
        (pl.col("volume_shares") == 0).alias("zero_volume"),
        (nan_null("close_px") / prev_close).log().fill_null(float("nan")).alias("return_close_frac"),
        (nan_null("close_mid_px") / prev_mid).log().fill_null(float("nan")).alias("return_mid_frac"),
        pl.coalesce(nan_null("realized_vol_mid_frac"), nan_null("realized_vol_frac"))
        .fill_null(float("nan")).alias("volatility_daily_frac"),
    )
    daily = daily.with_columns(
        pl.when(pl.col("dollar_volume_usd") > 0)
        .then(nan_null("return_close_frac").abs() * 1e4 / (pl.col("dollar_volume_usd") / 1e6))
        .otherwise(None).fill_null(float("nan")).alias("amihud_bps_per_musd"),
    )
    lam = _kyle_daily(daily.get_column("kyle_ols_sums"), config.measures.kyle_min_trades)
    daily = daily.with_columns(
        pl.Series("kyle_lambda_bps_per_share", lam[:, 0]),
        pl.Series("kyle_lambda_se_bps_per_share", lam[:, 1]),
        pl.Series("kyle_n_trades", lam[:, 2]).cast(pl.Int64),
    )
    return daily


def _kyle_daily(sums_col: pl.Series, min_n: int) -> np.ndarray:
    """``[slope, se, n]`` of each day's Kyle regression (one kernel call for the whole table)."""
    from liqcost.kernels.regression import ols_rows

    out = np.full((len(sums_col), 3), np.nan)
    if len(sums_col) == 0:
        return out.reshape(0, 3)
    sums = np.ascontiguousarray(sums_col.list.to_array(6).to_numpy(), dtype=np.float64)  # (every row has 6 sums)
    ols_rows(sums, int(min_n), out)
    out[:, 2] = sums[:, 0]
    return out

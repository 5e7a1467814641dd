"""Tick measures of symbol-day partitions: polars in, the fused numba pass, polars out.

The unit of work is a *batch* of symbol-day partitions (:class:`TickBatch`): their trades and quotes
laid end to end in flat arrays with offsets. :func:`measure_batch` runs
:func:`liqcost.kernels.tickpass.tick_pass` on it and returns the per-day rows (and, on request, the
per-trade audit table). :func:`process_parts` reads a batch of dataset partitions and measures it: it is
the partition function the engine runs on threads (and a Dask backend can run on workers). For frames
already in memory, :func:`plan_frames` finds the partitions once and each task takes its own batch
(:meth:`FramePlan.batch`), so that the copying of columns runs on the engine's threads too.

Every partition is computed on its own slice with its own session bounds, so results do not depend on
how partitions are grouped into batches, on the number of threads, or on which other symbols are in the
data. The kernel's working arrays are kept per thread from one batch to the next (:func:`_scratch`).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from liqcost.calendar import local_day_bounds_ns
from liqcost.errors import DataError

__all__ = [
    "TickParams",
    "SymbolDay",
    "TickBatch",
    "BatchResult",
    "horizon_label",
    "session_bounds_ns",
    "batch_from_frames",
    "plan_frames",
    "FramePlan",
    "local_day_bounds_ns",
    "read_parts",
    "measure_batch",
    "process_parts",
    "measure_day_chunked",
    "measure_parts",
    "chunk_plan",
    "SIGN_RULE_NAMES",
    "LOCATION_NAMES",
    "TRADE_CLASS_NAMES",
]

NS = 1_000_000_000
SIGN_RULE_NAMES = ("unsigned", "feed", "quote", "tick", "zero_tick")
LOCATION_NAMES = ("no_quote", "mid", "inside", "at_quote", "outside")
TRADE_CLASS_NAMES = ("excluded", "continuous", "auction")
_INT_FIELDS = {"n_trades", "n_trades_continuous", "n_trades_excluded", "n_quotes", "n_quotes_invalid",
               "n_quotes_locked", "n_effective", "n_rv_returns_mid"}


def horizon_label(value: float, trades: bool = False) -> str:
    """Name fragment of a horizon: ``5s``, ``1min``, ``30min``, ``1tr``."""
    if trades:
        return f"{int(value)}tr"
    if value >= 60 and value % 60 == 0:
        return f"{int(value // 60)}min"
    return f"{value:g}s".replace(".", "p")


@dataclass(frozen=True)
class TickParams:
    """Everything the tick pass needs from the config, as plain values (picklable, hashable)."""

    timezone: str = "America/New_York"
    open_hhmm: str = "09:30"
    close_hhmm: str = "16:00"
    quote_lag_s: float = 0.0
    strict: bool = True
    signing: str = "lee_ready"
    use_feed_aggressor: bool = True
    clip: bool = True
    horizons_s: tuple[float, ...] = (5.0, 60.0, 300.0, 1800.0)
    horizons_trades: tuple[int, ...] = (1, 5, 20)
    profile_interval_min: int = 30
    no_trade_bucket_s: float = 60.0
    rv_interval_s: float = 300.0
    odd_lot_shares: float = 100.0
    max_quote_age_s: float | None = 3600.0
    # the calendar keys that shorten a session (half days): see liqcost.calendar.session_bounds_ns
    holiday_calendar: str = "auto"
    early_closes: tuple = ()
    early_close: str = "13:00"
    # a symbol-day with more trades than this is measured in chunks (measures.chunk_trades; None: never)
    chunk_trades: int | None = None

    @classmethod
    def from_config(cls, config) -> TickParams:
        m = config.measures
        s = config.session
        return cls(
            timezone=s.timezone,
            open_hhmm=s.open,
            close_hhmm=s.close,
            quote_lag_s=float(m.quote_lag_s),
            strict=m.quote_match == "strictly_before",
            signing=m.signing,
            use_feed_aggressor=bool(m.use_feed_aggressor),
            clip=m.horizon_beyond_close == "clip",
            horizons_s=tuple(float(h) for h in m.horizons_s),
            horizons_trades=tuple(int(h) for h in m.horizons_trades),
            profile_interval_min=int(m.profile_interval_min),
            no_trade_bucket_s=float(m.no_trade_bucket_s),
            rv_interval_s=float(m.rv_interval_s),
            odd_lot_shares=float(m.odd_lot_shares),
            max_quote_age_s=None if m.max_quote_age_s is None else float(m.max_quote_age_s),
            holiday_calendar=s.holiday_calendar,
            early_closes=tuple(s.early_closes),
            early_close=s.early_close,
            chunk_trades=None if m.chunk_trades is None else int(m.chunk_trades),
        )

    @property
    def horizon_labels(self) -> list[str]:
        return [horizon_label(h) for h in self.horizons_s] + [horizon_label(h, True) for h in self.horizons_trades]

    @property
    def open_minutes(self) -> int:
        """Session open in minutes after local midnight."""
        return _hhmm_minutes(self.open_hhmm)

    @property
    def close_minutes(self) -> int:
        """Session close in minutes after local midnight (``24:00`` is 1440, the midnight ending the day)."""
        return _hhmm_minutes(self.close_hhmm)

    @property
    def session_minutes(self) -> int:
        return self.close_minutes - self.open_minutes

    @property
    def n_bins(self) -> int:
        return -(-self.session_minutes // self.profile_interval_min)


def _hhmm_minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def session_bounds_ns(dates, params: TickParams) -> tuple[np.ndarray, np.ndarray]:
    """Session open and close of each local date as int64 ns UTC (see :func:`liqcost.calendar.session_bounds_ns`)."""
    from liqcost.calendar import session_bounds_ns as bounds

    return bounds(dates, params)


@dataclass(frozen=True)
class SymbolDay:
    """One symbol-day of a dataset: the row slices (:class:`liqcost.io.dataset.Piece`: file, first row,
    rows) of its trades and of its quotes (either may be empty)."""

    symbol: str
    date: dt.date
    trade_pieces: tuple = ()
    quote_pieces: tuple = ()

    @property
    def trade_files(self) -> tuple:
        """Files holding the trades (each once)."""
        return tuple(dict.fromkeys(p.path for p in self.trade_pieces))

    @property
    def quote_files(self) -> tuple:
        """Files holding the quotes (each once)."""
        return tuple(dict.fromkeys(p.path for p in self.quote_pieces))

    @property
    def weight(self) -> int:
        """A size estimate for batching: rows of trades and quotes."""
        return sum(p.rows for p in self.trade_pieces) + sum(p.rows for p in self.quote_pieces)


@dataclass
class TickBatch:
    """Trades and quotes of several symbol-days end to end (arrays ready for the kernel)."""

    symbols: list[str]
    dates: list[dt.date]
    t_ts: np.ndarray
    t_px: np.ndarray
    t_sz: np.ndarray
    t_aggr: np.ndarray
    t_auc: np.ndarray
    t_off: np.ndarray
    q_ts: np.ndarray
    q_bid: np.ndarray
    q_ask: np.ndarray
    q_bsz: np.ndarray
    q_asz: np.ndarray
    q_off: np.ndarray

    @property
    def n_trades(self) -> int:
        return int(self.t_ts.shape[0])


@dataclass
class BatchResult:
    """What one batch gives back: daily rows and optionally the per-trade audit rows."""

    daily: pl.DataFrame
    trades: pl.DataFrame | None = None
    n_trades: int = 0
    n_quotes: int = 0
    extra: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------------- frames -> arrays

_TRADE_COLS = {"ts": pl.Int64, "price": pl.Float64, "size": pl.Float64}
_QUOTE_COLS = {"ts": pl.Int64, "bid": pl.Float64, "ask": pl.Float64, "bid_size": pl.Float64, "ask_size": pl.Float64}


def _ro(arr: np.ndarray, dtype) -> np.ndarray:
    """Contiguous, of ``dtype``, and read-only: the kernels get one kind of array (one numba specialization)
    whether it is a zero-copy view of a polars column or a fresh numpy array."""
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if arr.flags.writeable:
        arr.flags.writeable = False
    return arr


def _column_array(frame: pl.DataFrame, col: str, dtype) -> np.ndarray:
    """A canonical column as a numpy array with the fewest copies: time stamps as int64 ns, nulls as NaN
    (floats) or 0 (flags), a missing optional flag column as zeros."""
    if col not in frame.columns:
        return np.zeros(frame.height, dtype=dtype)
    s = frame.get_column(col)
    if col == "ts":
        if isinstance(s.dtype, pl.Datetime):
            s = s.dt.cast_time_unit("ns")
        return s.to_physical().to_numpy() if isinstance(s.dtype, pl.Datetime) else s.cast(pl.Int64).to_numpy()
    if s.null_count():
        s = s.cast(pl.Float64).fill_null(float("nan")) if dtype == np.float64 else s.fill_null(0)
    arr = s.to_numpy()
    return arr if arr.dtype == dtype else arr.astype(dtype)


def _ts_ns(frame: pl.DataFrame) -> pl.Series:
    """The time stamps as int64 ns (physical values)."""
    s = frame.get_column("ts")
    if isinstance(s.dtype, pl.Datetime):
        return s.dt.cast_time_unit("ns").to_physical()
    return s.cast(pl.Int64)


def _np(frame: pl.DataFrame, col: str, dtype) -> np.ndarray:
    return _ro(frame.get_column(col).to_numpy(), dtype)


def _ts_expr(schema):
    dtype = schema["ts"]
    if isinstance(dtype, pl.Datetime):
        e = pl.col("ts") if dtype.time_unit == "ns" else pl.col("ts").dt.cast_time_unit("ns")
        return e.cast(pl.Int64).alias("ts")
    return pl.col("ts").cast(pl.Int64) if dtype != pl.Int64 else pl.col("ts")


def _as(schema, col, dtype):
    """The column, cast only when it is not of ``dtype`` already (a no-op cast still costs a pass)."""
    return pl.col(col) if schema[col] == dtype else pl.col(col).cast(dtype)


def _trade_select(schema) -> list:
    """Canonical trade columns for the kernel: ts as int64 ns, price/size float64, flags int8 (a missing
    flag column all 0); nulls are left to :func:`_fill_nulls`."""
    exprs = [_ts_expr(schema), _as(schema, "price", pl.Float64), _as(schema, "size", pl.Float64)]
    for opt in ("aggressor", "auction"):
        exprs.append(_as(schema, opt, pl.Int8) if opt in schema else pl.lit(0, pl.Int8).alias(opt))
    return exprs


def _quote_select(schema) -> list:
    """Canonical quote columns: ts as int64 ns, prices and sizes float64; nulls left to :func:`_fill_nulls`."""
    return [_ts_expr(schema), *[_as(schema, c, pl.Float64) for c in ("bid", "ask", "bid_size", "ask_size")]]


def _fill_nulls(frame: pl.DataFrame) -> pl.DataFrame:
    """Nulls of the value columns as NaN (floats) or 0 (flags); the frame itself when it has none."""
    fills = [pl.col(c).fill_null(0 if c in ("aggressor", "auction") else float("nan"))
             for c in frame.columns if c != "ts" and frame.get_column(c).null_count()]
    return frame.with_columns(fills) if fills else frame


def _empty_trades() -> pl.DataFrame:
    return pl.DataFrame(schema={**_TRADE_COLS, "aggressor": pl.Int8, "auction": pl.Int8})


def _empty_quotes() -> pl.DataFrame:
    return pl.DataFrame(schema=_QUOTE_COLS)


def _check_ts(frame: pl.DataFrame, kind: str, where: str) -> None:
    nulls = frame.get_column("ts").null_count()
    if nulls:
        raise DataError(
            f"{where}: {nulls} {kind} row(s) have no time stamp; run `liqcost ingest` on the source "
            "(it quarantines such rows) or drop them before computing measures."
        )


def _assemble(symbols, dates, trades: pl.DataFrame, t_counts, quotes: pl.DataFrame, q_counts) -> TickBatch:
    trades = trades.rechunk()
    quotes = quotes.rechunk()
    t_off = np.zeros(len(symbols) + 1, dtype=np.int64)
    q_off = np.zeros(len(symbols) + 1, dtype=np.int64)
    np.cumsum(np.asarray(t_counts, dtype=np.int64), out=t_off[1:])
    np.cumsum(np.asarray(q_counts, dtype=np.int64), out=q_off[1:])
    return TickBatch(
        symbols=list(symbols), dates=list(dates),
        t_ts=_np(trades, "ts", np.int64), t_px=_np(trades, "price", np.float64), t_sz=_np(trades, "size", np.float64),
        t_aggr=_np(trades, "aggressor", np.int8), t_auc=_np(trades, "auction", np.int8), t_off=t_off,
        q_ts=_np(quotes, "ts", np.int64), q_bid=_np(quotes, "bid", np.float64), q_ask=_np(quotes, "ask", np.float64),
        q_bsz=_np(quotes, "bid_size", np.float64), q_asz=_np(quotes, "ask_size", np.float64), q_off=q_off,
    )


@dataclass
class FramePlan:
    """The selected symbol-days of in-memory frames and where their rows are (see :func:`plan_frames`).

    Partition ``p``'s trades are rows ``[t_start[p], t_start[p] + t_len[p])`` of ``t_src`` (the caller's
    frame when its rows are in (symbol, day, time) order, else a reordered copy as numpy arrays);
    likewise its quotes. :meth:`batch` materializes the columns of a range of partitions, so that the
    engine's threads share that work.
    """

    symbols: list
    dates: list
    t_src: object
    q_src: object
    t_start: np.ndarray
    t_len: np.ndarray
    q_start: np.ndarray
    q_len: np.ndarray

    def __len__(self) -> int:
        return len(self.symbols)

    def batch(self, p0: int, p1: int) -> TickBatch:
        """Partitions ``p0`` to ``p1 - 1`` as a :class:`TickBatch`."""
        ta, t_off = _gather(self.t_src, self.t_start[p0:p1], self.t_len[p0:p1], "t")
        qa, q_off = _gather(self.q_src, self.q_start[p0:p1], self.q_len[p0:p1], "q")
        return TickBatch(
            symbols=self.symbols[p0:p1], dates=self.dates[p0:p1],
            t_ts=ta["ts"], t_px=ta["price"], t_sz=ta["size"], t_aggr=ta["aggressor"], t_auc=ta["auction"], t_off=t_off,
            q_ts=qa["ts"], q_bid=qa["bid"], q_ask=qa["ask"], q_bsz=qa["bid_size"], q_asz=qa["ask_size"], q_off=q_off,
        )


_COLS_OF = {"t": ("ts", "price", "size", "aggressor", "auction"), "q": ("ts", "bid", "ask", "bid_size", "ask_size")}
_DTYPES = {"ts": np.int64, "aggressor": np.int8, "auction": np.int8}


def _gather(src, starts: np.ndarray, lengths: np.ndarray, kind: str) -> tuple[dict, np.ndarray]:
    """The columns of some partitions' rows, end to end (adjacent row ranges read as one), and offsets."""
    off = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=off[1:])
    ranges: list = []
    for a, n in zip(starts.tolist(), lengths.tolist()):
        if n == 0:
            continue
        if ranges and ranges[-1][0] + ranges[-1][1] == a:
            ranges[-1][1] += n
        else:
            ranges.append([a, n])
    cols = _COLS_OF[kind]
    if src is None or not ranges:
        empty = _empty_trades() if kind == "t" else _empty_quotes()
        return {c: _np(empty, c, _DTYPES.get(c, np.float64)) for c in cols}, off
    if isinstance(src, pl.DataFrame):
        pieces = [src.slice(a, n) for a, n in ranges]
        frame = pieces[0] if len(pieces) == 1 else pl.concat(pieces)
        return {c: _ro(_column_array(frame, c, _DTYPES.get(c, np.float64)), _DTYPES.get(c, np.float64))
                for c in cols}, off
    if len(ranges) == 1:
        a, n = ranges[0]
        return {c: src[c][a:a + n] for c in cols}, off
    return {c: _ro(np.concatenate([src[c][a:a + n] for a, n in ranges]), _DTYPES.get(c, np.float64)) for c in cols}, off


def _one_run_each(pids: np.ndarray, starts: np.ndarray, ts: np.ndarray) -> bool:
    """Whether every partition (id >= 0) is one run of rows and the time stamps never go back within a run
    (``pids``, ``starts`` of :func:`liqcost.kernels.tickpass.partition_runs`)."""
    from liqcost.kernels.tickpass import runs_in_time

    valid = pids[pids >= 0]
    if np.unique(valid).size != valid.size:
        return False
    return bool(runs_in_time(ts, starts))


def plan_frames(trades: pl.DataFrame | None, quotes: pl.DataFrame | None, timezone: str,
                symbols=None, start: dt.date | None = None, end: dt.date | None = None) -> FramePlan:
    """The selected symbol-days of in-memory canonical frames, in (symbol, date) order.

    Rows need not be sorted or grouped: each row belongs to the partition (symbol code x local day; the
    day is found by a binary search of the UTC instants of local midnights, so no per-row time zone
    conversion). When a frame's rows are already in (partition, time) order (as read from a dataset, or
    sorted by symbol and time), only the symbol runs and the time stamps are read here and the other
    columns are taken from the frame later, batch by batch; otherwise the rows are put in order once (a
    stable sort: equal time stamps keep their order). A symbol-day present in only one of the frames is
    kept with no rows in the other. The trade and quote frames are planned on two threads.
    """
    from concurrent.futures import ThreadPoolExecutor

    from liqcost.kernels.tickpass import partition_ids, partition_runs, run_starts

    frames = {k: f for k, f in (("t", trades), ("q", quotes)) if f is not None and f.height > 0}
    for k, f in frames.items():
        _check_ts(f, "trade" if k == "t" else "quote", "input")
    if not frames:
        z = np.zeros(0, dtype=np.int64)
        return FramePlan([], [], None, None, z, z, z, z)

    def load(k):  # symbol runs (one pass over the strings) and the time stamps
        f = frames[k]
        runs = f.get_column("symbol").rle()
        run_len = np.ascontiguousarray(runs.struct.field("len").to_numpy(), dtype=np.int64)
        run_sym = runs.struct.field("value").cast(pl.String).to_list()
        return run_len, run_sym, np.ascontiguousarray(_column_array(f, "ts", np.int64), dtype=np.int64)

    pool = ThreadPoolExecutor(max_workers=2) if len(frames) > 1 else None
    try:
        loaded = dict(zip(frames, pool.map(load, frames) if pool else map(load, frames)))
        syms = sorted(set().union(*[set(v[1]) for v in loaded.values()]))
        code = {x: i for i, x in enumerate(syms)}
        wanted = np.array([bool(not symbols or x in set(symbols)) for x in syms])
        lo = min(_ts_ns(f).min() for f in frames.values())
        hi = max(_ts_ns(f).max() for f in frames.values())
        tz = ZoneInfo(timezone)
        utc = dt.timezone.utc
        first = dt.datetime.fromtimestamp(lo // NS, utc).astimezone(tz).date() - dt.timedelta(days=1)
        last = dt.datetime.fromtimestamp(hi // NS, utc).astimezone(tz).date() + dt.timedelta(days=1)
        bounds = local_day_bounds_ns(first, last, timezone)
        n_days = len(bounds) - 1
        d_lo = 0 if start is None else max(0, (start - first).days)
        d_hi = n_days - 1 if end is None else min(n_days - 1, (end - first).days)

        def selected(pid):
            keep = pid >= 0
            if symbols:
                keep &= wanted[np.maximum(pid, 0) // n_days]
            if start is not None or end is not None:
                day = pid % n_days
                keep &= (day >= d_lo) & (day <= d_hi)
            return keep

        def place(k):  # -> source, partition ids, first rows, row counts
            run_len, run_sym, ts = loaded[k]
            run_code = np.array([code[x] for x in run_sym], dtype=np.int64)
            pids, starts, ordered = partition_runs(run_len, run_code, ts, bounds)
            if not ordered:
                # grouped but not in partition order (symbols not alphabetical, say): still usable in place
                # when every partition is one run of rows in time order (no copy, no sort)
                ordered = _one_run_each(pids, starts, ts)
            if ordered:  # every partition one run of rows: use the frame in place
                keep = selected(pids)
                return frames[k], pids[keep], starts[:-1][keep], np.diff(starts)[keep]
            pid, _ = partition_ids(run_len, run_code, ts, bounds)
            arrays = {c: _column_array(frames[k], c, _DTYPES.get(c, np.float64)) for c in _COLS_OF[k]}
            keep = selected(pid)
            if not keep.all():
                pid = pid[keep]
                arrays = {c: a[keep] for c, a in arrays.items()}
            order = np.lexsort((arrays["ts"], pid))
            pid = pid[order]
            arrays = {c: _ro(a[order], _DTYPES.get(c, np.float64)) for c, a in arrays.items()}
            values, first_rows = run_starts(pid)
            return arrays, values, first_rows, np.diff(np.append(first_rows, pid.size))

        placed = dict(zip(loaded, pool.map(place, loaded) if pool else map(place, loaded)))
    finally:
        if pool is not None:
            pool.shutdown()
    all_pids = np.unique(np.concatenate([v[1] for v in placed.values()]))
    out = {}
    for k in ("t", "q"):
        st = np.zeros(all_pids.size, dtype=np.int64)
        ln = np.zeros(all_pids.size, dtype=np.int64)
        src = None
        if k in placed:
            src, pids, first_rows, lengths = placed[k]
            at = np.searchsorted(all_pids, pids)
            st[at] = first_rows
            ln[at] = lengths
        out[k] = (src, st, ln)
    return FramePlan(
        symbols=[syms[int(x) // n_days] for x in all_pids],
        dates=[first + dt.timedelta(days=int(x) % n_days) for x in all_pids],
        t_src=out["t"][0], q_src=out["q"][0], t_start=out["t"][1], t_len=out["t"][2],
        q_start=out["q"][1], q_len=out["q"][2],
    )


def batch_from_frames(trades: pl.DataFrame | None, quotes: pl.DataFrame | None, timezone: str,
                      symbols=None, start: dt.date | None = None, end: dt.date | None = None) -> TickBatch:
    """One batch holding every selected symbol-day of in-memory canonical frames (:func:`plan_frames`)."""
    plan = plan_frames(trades, quotes, timezone, symbols, start, end)
    return plan.batch(0, len(plan))


def _file_queries(parts_pieces: list[tuple], select) -> tuple[list, list]:
    """One lazy scan per run of adjacent rows of a file, with expressions from that file's own schema (an
    optional column missing from some files is read where it is, as 0 elsewhere), and what each run holds.

    ``parts_pieces``: per partition, its pieces. The pieces of one file that touch (consecutive days of a
    symbol-month file, as a task holds consecutive symbol-days) are read as one slice: a file is opened
    once per task, not once per day, and ``slice`` pushed into the Parquet scan decodes only the row
    groups that hold the rows. Returns the queries (None for a file whose schema cannot be read) and, per
    query, ``(path, first row, rows, [(partition, offset in the run, rows) ...])``.
    """
    by_file: dict = {}
    for k, pieces in enumerate(parts_pieces):
        for p in pieces:
            by_file.setdefault(p.path, []).append((p.offset, p.rows, k))
    queries = []
    runs = []
    for path, items in by_file.items():
        items.sort()
        groups: list = []
        for off, n, k in items:
            if groups and off == groups[-1][1]:
                groups[-1][1] = off + n
                groups[-1][2].append((k, off, n))
            else:
                groups.append([off, off + n, [(k, off, n)]])
        try:
            scan = pl.scan_parquet(str(path))
            exprs = select(scan.collect_schema())
        except (OSError, pl.exceptions.PolarsError) as exc:
            scan = exc  # a damaged footer: reported by the caller
        for a, b, members in groups:
            queries.append(scan.slice(a, b - a).select(exprs) if not isinstance(scan, Exception) else scan)
            runs.append((path, a, b - a, [(k, off - a, n) for k, off, n in members]))
    return queries, runs


def _collect_isolated(queries: list, runs: list, problems: list | None) -> list:
    """Frames of the queries; a query whose file cannot be read (or holds fewer rows than the dataset says)
    gives None and, with ``problems``, an entry ``(path, message)``; without, a DataError naming the file.

    All good queries run together (``collect_all``: polars decodes them on its thread pool); when that
    fails, each is run alone, so one damaged file does not lose the others.
    """
    bad: dict = {}
    frames: list = [None] * len(queries)
    live = [i for i, q in enumerate(queries) if not isinstance(q, Exception)]
    for i, q in enumerate(queries):
        if isinstance(q, Exception):
            bad.setdefault(runs[i][0], f"{q.__class__.__name__}: {q}")
    if live:
        try:
            got = pl.collect_all([queries[i] for i in live])
            for i, f in zip(live, got):
                frames[i] = f
        except (OSError, pl.exceptions.PolarsError):
            for i in live:
                try:
                    frames[i] = queries[i].collect()
                except (OSError, pl.exceptions.PolarsError) as exc:
                    bad.setdefault(runs[i][0], f"{exc.__class__.__name__}: {exc}")
    for i, f in enumerate(frames):
        if f is not None and f.height != runs[i][2]:
            path, a, n, _ = runs[i]
            bad.setdefault(path, f"it holds fewer rows than the dataset log says ({a + f.height} < {a + n})")
    if bad:
        if problems is None:
            path, msg = next(iter(bad.items()))
            first = msg.strip().splitlines()[0] if msg.strip() else "unreadable"
            raise DataError(f"{path}: cannot be read ({first}); run `liqcost check` on the dataset and re-ingest "
                            f"the source it names.")
        problems.extend(bad.items())
        frames = [None if runs[i][0] in bad else f for i, f in enumerate(frames)]
    return frames


def _counted(frames: list, runs: list, n_parts: int, empty, kind: str) -> tuple[list, np.ndarray]:
    """Each partition's row slices in partition order (pieces in file order) and its row count."""
    counts = np.zeros(n_parts, dtype=np.int64)
    per_part: list = [[] for _ in range(n_parts)]
    for f, (_path, _a, _n, members) in zip(frames, runs):
        if f is None:
            continue
        _check_ts(f, kind, "dataset")
        for k, off, n in members:
            per_part[k].append(f.slice(off, n))
            counts[k] += n
    return per_part, counts


def _frame_arrays(frame: pl.DataFrame) -> dict:
    frame = frame.rechunk()
    return {c: frame.get_column(c).to_numpy() for c in frame.columns}


def read_parts(parts: list[SymbolDay], problems: list | None = None) -> TickBatch:
    """Read the trades and quotes of several dataset symbol-days into one batch.

    The pieces of each file are read as few slices as possible (see :func:`_file_queries`), all run
    together by ``collect_all``; a partition's rows are its pieces in the order of the dataset (commit
    order), each piece in file order (sorted by time; a partition of several pieces is re-sorted by the
    kernel's sortedness check, see :func:`measure_batch`).

    Parameters
    ----------
    parts : list of SymbolDay
    problems : list, optional
        When given, a file that cannot be read is *isolated*: ``(path, message)`` is appended, its rows are
        left out, and a symbol-day left with neither trades nor quotes is dropped from the batch (the batch
        then equals that of a dataset without the file). When None, such a file raises a DataError.
    """
    t_queries, t_runs = _file_queries([p.trade_pieces for p in parts], _trade_select)
    q_queries, q_runs = _file_queries([p.quote_pieces for p in parts], _quote_select)
    frames = _collect_isolated(t_queries + q_queries, t_runs + q_runs, problems)
    t_parts, tc = _counted(frames[:len(t_queries)], t_runs, len(parts), _empty_trades, "trade")
    q_parts, qc = _counted(frames[len(t_queries):], q_runs, len(parts), _empty_quotes, "quote")
    keep = [k for k in range(len(parts)) if t_parts[k] or q_parts[k]
            or not (parts[k].trade_pieces or parts[k].quote_pieces)]
    if len(keep) < len(parts):
        parts = [parts[k] for k in keep]
        t_parts, q_parts, tc, qc = [t_parts[k] for k in keep], [q_parts[k] for k in keep], tc[keep], qc[keep]
    t_list = [f for fs in t_parts for f in fs]
    q_list = [f for fs in q_parts for f in fs]
    t = _frame_arrays(_fill_nulls(pl.concat(t_list, rechunk=True)) if t_list else _empty_trades())
    q = _frame_arrays(_fill_nulls(pl.concat(q_list, rechunk=True)) if q_list else _empty_quotes())
    t_off = np.zeros(len(parts) + 1, dtype=np.int64)
    q_off = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum(tc, out=t_off[1:])
    np.cumsum(qc, out=q_off[1:])
    return TickBatch(
        symbols=[p.symbol for p in parts], dates=[p.date for p in parts],
        t_ts=_ro(t["ts"], np.int64), t_px=_ro(t["price"], np.float64), t_sz=_ro(t["size"], np.float64),
        t_aggr=_ro(t["aggressor"], np.int8), t_auc=_ro(t["auction"], np.int8), t_off=t_off,
        q_ts=_ro(q["ts"], np.int64), q_bid=_ro(q["bid"], np.float64), q_ask=_ro(q["ask"], np.float64),
        q_bsz=_ro(q["bid_size"], np.float64), q_asz=_ro(q["ask_size"], np.float64), q_off=q_off,
    )


def _sort_partitions(batch: TickBatch, which: str) -> TickBatch:
    """Stable sort of every partition's rows by time (used when the kernel reports unsorted input)."""
    off = batch.t_off if which == "t" else batch.q_off
    ts = batch.t_ts if which == "t" else batch.q_ts
    pid = np.repeat(np.arange(len(off) - 1), np.diff(off))
    order = np.lexsort((ts, pid))
    if which == "t":
        for name in ("t_ts", "t_px", "t_sz", "t_aggr", "t_auc"):
            setattr(batch, name, _ro(getattr(batch, name)[order], getattr(batch, name).dtype))
    else:
        for name in ("q_ts", "q_bid", "q_ask", "q_bsz", "q_asz"):
            setattr(batch, name, _ro(getattr(batch, name)[order], getattr(batch, name).dtype))
    return batch


# ------------------------------------------------------------------------------------------ measuring

_SCRATCH = threading.local()


def _kernel_params(params: TickParams, want_trades: bool):
    """The tick pass's :class:`liqcost.kernels.tickpass.Params` for ``params``."""
    from liqcost.kernels.signing import SIGNING_CODES
    from liqcost.kernels.tickpass import make_params

    age = params.max_quote_age_s
    return make_params(
        np.array([round(h * NS) for h in params.horizons_s], dtype=np.int64),
        np.array(params.horizons_trades, dtype=np.int64),
        round(params.quote_lag_s * NS), params.strict, SIGNING_CODES[params.signing], params.use_feed_aggressor,
        params.clip, params.profile_interval_min * 60 * NS, params.n_bins, round(params.no_trade_bucket_s * NS),
        round(params.rv_interval_s * NS), params.odd_lot_shares, -1 if age is None else round(age * NS), want_trades,
    )


def _scratch(kbatch, prm):
    """This thread's working memory for the tick pass (:class:`liqcost.kernels.tickpass.Work`), grown to fit
    the batch's largest partition: kept from batch to batch, so a run does not touch fresh memory pages
    for every batch."""
    from liqcost.kernels.tickpass import fits, new_work, work_sizes

    need = work_sizes(kbatch, prm)
    have = getattr(_SCRATCH, "work", None)
    if not fits(have, need):
        grow = need if have is None else [max(k, int(1.25 * h)) for k, h in zip(need, (have.n, have.m, have.nbk, have.k.hzs.shape[0], have.k.grid.shape[1]))]
        have = new_work(grow)
        _SCRATCH.work = have
    return have


def _run_kernel(batch: TickBatch, params: TickParams, want_trades: bool = True):
    """Run the tick pass on a batch: ``(DayOut, TradeOut)`` (see :mod:`liqcost.kernels.tickpass`)."""
    from liqcost.kernels.tickpass import allocate, make_batch, tick_pass

    o, c = session_bounds_ns(batch.dates, params)
    kb = make_batch(batch.t_ts, batch.t_px, batch.t_sz, batch.t_aggr, batch.t_auc, batch.t_off,
                    batch.q_ts, batch.q_bid, batch.q_ask, batch.q_bsz, batch.q_asz, batch.q_off, o, c)
    prm = _kernel_params(params, want_trades)
    work = _scratch(kb, prm)
    dout, tout = allocate(kb, prm)
    tick_pass(kb, prm, work, dout, tout)
    return dout, tout


def measure_batch(batch: TickBatch, params: TickParams, want_trades: bool = False) -> BatchResult:
    """Run the tick pass on a batch and shape its outputs as polars frames.

    Returns
    -------
    BatchResult
        ``daily``: one row per symbol-day with the columns of
        :data:`liqcost.kernels.tickpass.DAY_FIELDS`, ``realized_spread_<h>_bps``,
        ``price_impact_<h>_bps``, ``n_impact_<h>`` per horizon, ``volume_bins_shares`` (list) and
        ``kyle_ols_sums`` (list of the six regression sums); ``trades``: the per-trade audit table
        when ``want_trades``.
    """
    from liqcost.kernels.tickpass import STATUS_OK, STATUS_UNSORTED_QUOTES, STATUS_UNSORTED_TRADES

    dout, tout = _run_kernel(batch, params, want_trades)
    status = dout.status
    if (status != STATUS_OK).any():
        if (status == STATUS_UNSORTED_TRADES).any():
            batch = _sort_partitions(batch, "t")
        if (status == STATUS_UNSORTED_QUOTES).any() or (status == STATUS_UNSORTED_TRADES).any():
            batch = _sort_partitions(batch, "q")
        dout, tout = _run_kernel(batch, params, want_trades)
        if (dout.status != STATUS_OK).any():  # pragma: no cover - sorting always fixes it
            raise DataError("internal: partitions still unsorted after sorting")

    daily = _daily_frame(batch.symbols, batch.dates, dout, params)
    trades = _audit_frame(batch, params, tout) if want_trades else None
    return BatchResult(daily=daily, trades=trades, n_trades=batch.n_trades, n_quotes=int(batch.q_ts.shape[0]))


def _daily_frame(symbols, dates, dout, params: TickParams) -> pl.DataFrame:
    """The tick pass's per-day outputs as the daily frame (see :func:`measure_batch`)."""
    from liqcost.kernels.tickpass import DAY_FIELDS

    cols: dict = {
        "symbol": pl.Series("symbol", symbols, dtype=pl.String),
        "date": pl.Series("date", dates, dtype=pl.Date),
    }
    for name in DAY_FIELDS:
        s = pl.Series(name, dout.day[name])
        cols[name] = s.cast(pl.Int64) if name in _INT_FIELDS else s
    hz = dout.hz
    for h, lab in enumerate(params.horizon_labels):
        cols[f"realized_spread_{lab}_bps"] = pl.Series(hz[:, h, 0])
        cols[f"price_impact_{lab}_bps"] = pl.Series(hz[:, h, 1])
        cols[f"n_impact_{lab}"] = pl.Series(hz[:, h, 2]).cast(pl.Int64)
    # (a 2-D array becomes a fixed-size Array column in one copy, then a List: not one Python object a row)
    for name, arr in (("volume_bins_shares", dout.bins), ("kyle_ols_sums", dout.kyle)):
        cols[name] = (pl.Series(name, np.ascontiguousarray(arr, dtype=np.float64)).cast(pl.List(pl.Float64))
                      if len(symbols) and arr.shape[1] else pl.Series(name, [list(r) for r in arr], dtype=pl.List(pl.Float64)))
    return pl.DataFrame(cols)


def _audit_frame(batch: TickBatch, params: TickParams, tout) -> pl.DataFrame:
    """Per-trade audit rows: prevailing quote, sign and rule, effective spread, horizon measures.

    A trade whose last valid quote was older than ``measures.max_quote_age_s`` has no quote (``bid_px`` ...
    null) and ``quote_stale`` true.
    """
    from liqcost.kernels.spreads import horizon_spreads
    from liqcost.kernels.tickpass import QIDX_STALE

    qidx, sign, eff_bps, mid_h = tout.qidx, tout.sign, tout.eff_bps, tout.mid_h
    n = batch.n_trades
    counts = np.diff(batch.t_off)
    has_q = qidx >= 0
    safe = np.where(has_q, qidx, 0)
    if batch.q_ts.shape[0]:
        bid = np.where(has_q, batch.q_bid[safe], np.nan)
        ask = np.where(has_q, batch.q_ask[safe], np.nan)
        q_ts = np.where(has_q, batch.q_ts[safe], 0)
    else:
        bid = np.full(n, np.nan)
        ask = np.full(n, np.nan)
        q_ts = np.zeros(n, dtype=np.int64)
    mid = 0.5 * (bid + ask)
    frame = {
        "symbol": pl.Series(np.repeat(np.array(batch.symbols, dtype=object), counts).tolist(), dtype=pl.String)
        if n else pl.Series([], dtype=pl.String),
        "date": pl.Series(np.repeat(np.array(batch.dates, dtype="datetime64[D]"), counts)).cast(pl.Date),
        "ts": pl.Series(batch.t_ts).cast(pl.Datetime("ns")).dt.replace_time_zone("UTC"),
        "price": batch.t_px,
        "size": batch.t_sz,
        "trade_class": pl.Series(tout.use).replace_strict(dict(enumerate(TRADE_CLASS_NAMES)), return_dtype=pl.String),
        "bid_px": bid,
        "ask_px": ask,
        "mid_px": mid,
        "quote_ts": pl.Series(np.where(has_q, q_ts, 0)).cast(pl.Datetime("ns")).dt.replace_time_zone("UTC"),
        "quote_age_ns": pl.Series(batch.t_ts - q_ts),
        "quote_stale": pl.Series(qidx == QIDX_STALE),
        "quoted_spread_bps": (ask - bid) / mid * 1e4,
        "location": pl.Series(tout.loc).replace_strict(dict(enumerate(LOCATION_NAMES)), return_dtype=pl.String),
        "sign": sign,
        "sign_rule": pl.Series(tout.rule).replace_strict(dict(enumerate(SIGN_RULE_NAMES)), return_dtype=pl.String),
        "effective_spread_bps": eff_bps,
        "effective_spread_px": tout.eff_px,
    }
    for h, lab in enumerate(params.horizon_labels):
        rs, pi, mk = horizon_spreads(batch.t_px, sign, mid, mid_h[h], eff_bps)
        frame[f"mid_{lab}_px"] = mid_h[h]
        frame[f"realized_spread_{lab}_bps"] = rs
        frame[f"price_impact_{lab}_bps"] = pi
        frame[f"markout_{lab}_bps"] = mk
    df = pl.DataFrame(frame)
    return df.with_columns(
        pl.when(pl.Series(has_q)).then(pl.col("quote_ts")).otherwise(None).alias("quote_ts"),
        pl.when(pl.Series(has_q)).then(pl.col("quote_age_ns")).otherwise(None).alias("quote_age_ns"),
    )


def process_parts(task) -> BatchResult:
    """The partition function: ``(parts, params, want_trades)`` -> :class:`BatchResult`.

    Module level and free of shared state, so the local engine runs it on threads and a Dask backend
    can ship it to workers.
    """
    parts, params, want_trades = task
    return measure_parts(parts, params, want_trades)


def measure_parts(parts: list[SymbolDay], params: TickParams, want_trades: bool = False,
                  problems: list | None = None) -> BatchResult:
    """:func:`read_parts` and :func:`measure_batch`, except that a symbol-day with more trades than
    ``params.chunk_trades`` is measured in chunks (:func:`measure_day_chunked`; not with ``want_trades``).
    ``extra["partitions"]`` is the number of symbol-days measured (see ``problems`` in :func:`read_parts`)."""
    limit = params.chunk_trades
    big = [] if not limit or want_trades else [
        k for k, p in enumerate(parts) if sum(x.rows for x in p.trade_pieces) > limit]
    if not big:
        batch = read_parts(parts, problems)
        res = measure_batch(batch, params, want_trades)
        res.extra["partitions"] = len(batch.symbols)
        return res
    small = [k for k in range(len(parts)) if k not in set(big)]
    frames, keys, n_t, n_q = [], [], 0, 0
    for k in [None, *big]:
        if k is None:
            group = [parts[i] for i in small]
        else:
            try:
                res = measure_day_chunked(parts[k], params)
            except (OSError, DataError, pl.exceptions.PolarsError):
                group = [parts[k]]  # a damaged file: read whole, so that read_parts isolates it
            else:
                group = None
        if group:
            batch = read_parts(group, problems)
            res = measure_batch(batch, params, False)
            keys += [(b.symbol, b.date) for b in group if (b.symbol, b.date) in set(zip(batch.symbols, batch.dates))]
        elif group is None:
            keys.append((parts[k].symbol, parts[k].date))
        else:
            continue
        frames.append(res.daily)
        n_t += res.n_trades
        n_q += res.n_quotes
    rank = {(p.symbol, p.date): i for i, p in enumerate(parts)}
    order = np.argsort(np.array([rank[x] for x in keys], dtype=np.int64), kind="stable")
    daily = pl.concat(frames, how="vertical")[order.tolist()]
    return BatchResult(daily=daily, n_trades=n_t, n_quotes=n_q, extra={"partitions": daily.height})


# ------------------------------------------------------------------------- a day too large to hold

def _piece_scan(piece, select, start: int, n: int) -> pl.DataFrame:
    """Rows ``[start, start + n)`` of a piece, the kernel's columns (``select`` of the file's schema)."""
    scan = pl.scan_parquet(str(piece.path))
    return scan.slice(piece.offset + start, n).select(select(scan.collect_schema())).collect()


def _piece_ts(piece) -> np.ndarray:
    """The time stamps (int64 ns) of a piece."""
    scan = pl.scan_parquet(str(piece.path))
    f = scan.slice(piece.offset, piece.rows).select(_ts_expr(scan.collect_schema())).collect()
    _check_ts(f, "trade or quote", str(piece.path))
    return np.ascontiguousarray(f.get_column("ts").to_numpy(), dtype=np.int64)


def chunk_plan(t_ts: np.ndarray, q_ts: np.ndarray, close_ns: int, params: TickParams, chunk: int) -> list:
    """The chunks of one symbol-day's trades (sorted times ``t_ts``, quotes ``q_ts``): per chunk
    ``(first trade, end, first quote, end, complete_ns)``.

    Chunk ``k`` holds ``chunk`` trades and the quotes after those of the earlier chunks up to every quote
    before the latest time its trades look up: the last trade plus the longest clock horizon, at most
    the close, less the quote lag (the last chunk: every quote left). ``complete_ns`` is the time of the
    first quote not read yet (every quote before it is in), the largest int64 for the last chunk.
    """
    n, m = t_ts.shape[0], q_ts.shape[0]
    la = round(params.quote_lag_s * NS) - (0 if params.strict else 1)
    hmax = max((round(h * NS) for h in params.horizons_s), default=0)
    out = []
    q0 = 0
    starts = list(range(0, n, chunk)) or [0]
    for j, a in enumerate(starts):
        b = min(a + chunk, n)
        if j == len(starts) - 1:
            out.append((a, b, q0, m, np.iinfo(np.int64).max))
            break
        t_max = min(int(t_ts[b - 1]) + hmax, int(close_ns)) - la
        q1 = max(int(np.searchsorted(q_ts, t_max, side="left")), q0)
        out.append((a, b, q0, q1, int(q_ts[q1]) if q1 < m else np.iinfo(np.int64).max))
        q0 = q1
    return out


def measure_day_chunked(part: SymbolDay, params: TickParams, chunk: int | None = None) -> BatchResult:
    """One symbol-day of a dataset measured in chunks of ``chunk`` trades (``params.chunk_trades``) by
    :func:`liqcost.kernels.tickpass.tick_chunk`, the running values carried from chunk to chunk: the same
    daily row as :func:`measure_batch` of the whole day, holding one chunk's trades and quotes at a time
    (plus 24 bytes per continuous trade of the day for the exact medians, and the day's time stamps
    while the chunks are planned).

    A day stored in several pieces, or whose rows are not in time order, is measured whole.
    """
    from liqcost.kernels.tickpass import (STATUS_OK, allocate, grid_size, make_batch, new_carry, new_work,
                                          tick_chunk)

    chunk = int(chunk or params.chunk_trades or 0)
    whole = lambda: measure_batch(read_parts([part]), params, False)  # noqa: E731
    if chunk <= 0 or len(part.trade_pieces) != 1 or len(part.quote_pieces) > 1:
        return whole()
    tp = part.trade_pieces[0]
    qp = part.quote_pieces[0] if part.quote_pieces else None
    t_ts = _piece_ts(tp)
    q_ts = _piece_ts(qp) if qp is not None else np.zeros(0, np.int64)
    if (np.diff(t_ts) < 0).any() or (np.diff(q_ts) < 0).any():
        return whole()
    o, c = session_bounds_ns([part.date], params)
    plan = chunk_plan(t_ts, q_ts, int(c[0]), params, chunk)
    la = round(params.quote_lag_s * NS) - (0 if params.strict else 1)
    # the quotes a chunk holds: those it reads, and those kept from the earlier chunks (from the last one
    # before its first trade's look-up)
    m_work = 0
    for a, b, q0, q1, _ in plan:
        keep = int(np.searchsorted(q_ts, int(t_ts[a]) - la, side="left")) if b > a else q0
        m_work = max(m_work, q1 - min(keep, q0) + 4)
    n_day = t_ts.shape[0]
    s_max = max([1, *params.horizons_trades])
    del t_ts, q_ts
    prm = _kernel_params(params, False)
    nbk = max(-(-(int(c[0]) - int(o[0])) // prm.bucket_ns), 0)
    ng = grid_size(o[0], c[0], prm.rv_ns)
    nh = len(params.horizons_s) + len(params.horizons_trades)
    work = new_work((chunk + s_max, m_work, nbk, nh, ng))
    carry = new_carry(n_day, nh, ng, nbk)
    dout = tout = None
    n_q = 0
    for j, (a, b, q0, q1, complete) in enumerate(plan):
        tf = _fill_nulls(_piece_scan(tp, _trade_select, a, b - a)).rechunk()
        qf = (_fill_nulls(_piece_scan(qp, _quote_select, q0, q1 - q0)) if qp is not None and q1 > q0
              else _empty_quotes()).rechunk()
        n_q += qf.height
        kb = make_batch(_np(tf, "ts", np.int64), _np(tf, "price", np.float64), _np(tf, "size", np.float64),
                        _np(tf, "aggressor", np.int8), _np(tf, "auction", np.int8),
                        np.array([0, tf.height], np.int64), _np(qf, "ts", np.int64), _np(qf, "bid", np.float64),
                        _np(qf, "ask", np.float64), _np(qf, "bid_size", np.float64), _np(qf, "ask_size", np.float64),
                        np.array([0, qf.height], np.int64), o, c)
        if dout is None:
            dout, tout = allocate(kb, prm)
        st = tick_chunk(kb, prm, work, carry, dout, tout, j == 0, j == len(plan) - 1, complete)
        del tf, qf, kb
        if st != STATUS_OK:  # (not in time order after all, or a plan that does not fit: measure it whole)
            return whole()
    daily = _daily_frame([part.symbol], [part.date], dout, params)
    return BatchResult(daily=daily, n_trades=n_day, n_quotes=n_q)

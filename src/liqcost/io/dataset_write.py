"""Writing a dataset: a source's rows into bucket files, committed with its quarantine and report as one version.

:class:`SourceWrite` is one source (a file ingested, identified by its *source id*) going into a dataset:

1. its clean rows are cut into buckets (symbol-month for trades, quotes and fills; symbol-year for bars;
   symbol for orders), each sorted by time, with the rows of every exchange-local day counted;
2. :meth:`SourceWrite.plan` decides, against the dataset's current state, what the commit does: the
   source's earlier rows go (a file holding only them is removed; a file shared with other sources is
   rewritten without them), its new bucket files and its quarantine file come in, and a bucket that would
   hold more than ``dataset.compact_max_files`` files is merged into one (copy-on-write);
3. :func:`liqcost.io.dataset_log.commit` publishes that as the next version, re-planning if another writer
   got there first.

New files get unique names (``part-<uuid>.parquet``) and are never overwritten; what a commit removes is
deleted later by :func:`vacuum`, once ``dataset.vacuum_grace_s`` has passed (a reader may still be reading
it). Files left by a killed writer are not in the state, so readers never see them, and the vacuum deletes
them too once they are older than the grace period.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from liqcost.errors import DataError, DataQualityWarning
from liqcost.io.dataset import DATED_KINDS, SOURCE_COLUMN, YEARLY_KINDS, local_date_expr, sym_dir
from liqcost.io.dataset_log import META, FileEntry, State, checkpoint_dir, commit, date_of, load_state, log_dir

__all__ = ["Bucket", "SourceWrite", "RemoveSources", "split_buckets", "vacuum", "VacuumReport", "bucket_of", "write_frame"]

DAY = "__day"


def bucket_of(kind: str, day: int | None) -> str:
    """The bucket name of a day: ``2025-03`` (month) for ticks and fills, ``2025`` for bars, ``""`` for orders."""
    if kind in DATED_KINDS:
        d = date_of(day)
        return f"{d.year:04d}-{d.month:02d}"
    if kind in YEARLY_KINDS:
        return f"{date_of(day).year:04d}"
    return ""


def bucket_dir(kind: str, symbol: str, bucket: str) -> str:
    base = f"kind={kind}/{sym_dir(symbol)}"
    if kind in DATED_KINDS:
        return f"{base}/month={bucket}"
    if kind in YEARLY_KINDS:
        return f"{base}/year={bucket}"
    return base


def new_name(directory: str) -> str:
    return f"{directory}/part-{uuid.uuid4().hex}.parquet"


@dataclass
class Bucket:
    """The rows of one source in one bucket: a frame sorted by time with ``__day`` (days since 1970, Int32)
    and ``_source`` (all 0) columns, its day counts and its first and last time stamps (ns)."""

    kind: str
    symbol: str
    bucket: str
    frame: object
    days: tuple[int, ...]
    day_rows: tuple[int, ...]
    first_ts: int | None = None
    last_ts: int | None = None

    @property
    def rows(self) -> int:
        return self.frame.height


def _days(frame, kind: str, tz: str):
    """The local day of every row (Int32 days since 1970): for rows whose day is their time stamp's, an Int32
    Series found by binary search of the local midnights (:func:`liqcost.calendar.local_days`); otherwise
    (bars with a date, missing time stamps, a clock change at midnight) the per-row expression."""
    import polars as pl

    from liqcost.calendar import local_days

    if kind == "bars" and "date" in frame.columns:
        day = pl.coalesce(pl.col("date"), local_date_expr("ts", tz)) if "ts" in frame.columns else pl.col("date")
    elif "ts" in frame.columns:
        ts = frame.get_column("ts")
        if isinstance(ts.dtype, pl.Datetime) and not ts.null_count():
            days = local_days(ts.dt.cast_time_unit("ns").to_physical().to_numpy(), tz)
            if days is not None:
                return pl.Series(DAY, days, dtype=pl.Int32)
        day = local_date_expr("ts", tz)
    else:
        return pl.lit(None, pl.Int32)
    return day.cast(pl.Int32)


def _sort_keys(frame, kind: str) -> list[str]:
    """Storage order: by time for ticks and fills, by date (then time) for bars; orders as given."""
    if kind in DATED_KINDS:
        return ["ts"]
    if kind in YEARLY_KINDS:
        return [DAY] + (["ts"] if "ts" in frame.columns else [])
    return []


def split_buckets(frame, kind: str, tz: str, days=None) -> list[Bucket]:
    """Cut one source's clean rows into buckets (see the module docstring), in a few passes over the frame.

    Rows come from validation sorted by symbol and time (bars by symbol and date), so every bucket is one
    run of rows and every day one run within it: the runs are found with one comparison of each row with
    the previous one, and each bucket is a zero-copy slice. Rows in another order are sorted (stably) first.

    Parameters
    ----------
    frame : polars.DataFrame
        Canonical rows of ``kind``.
    tz : str
        Exchange time zone: the day of a row is its exchange-local date.
    days : polars.Expr or Series, optional
        The day of each row (Int32 days since 1970) when known already (a migration keeps the old folders' dates).
    """
    import polars as pl

    if frame is None or frame.height == 0:
        return []
    if kind == "bars":  # every bar file carries its date, so date filters apply to the rows
        if "date" in frame.columns and "ts" in frame.columns:
            frame = frame.with_columns(pl.coalesce(pl.col("date"), local_date_expr("ts", tz)).alias("date"))
        elif "ts" in frame.columns:
            frame = frame.with_columns(local_date_expr("ts", tz).alias("date"))
    frame = frame.with_columns((days if days is not None else _days(frame, kind, tz)).alias(DAY),
                               pl.lit(0, pl.UInt32).alias(SOURCE_COLUMN)).rechunk()
    runs = _runs(frame, kind)
    if runs is None:  # not in storage order: sort (stably) by symbol, bucket, time
        frame = (frame.with_columns(_bucket_key(kind).alias("__key"))
                 .sort(["symbol", "__key"] + _sort_keys(frame, kind), maintain_order=True).drop("__key").rechunk())
        runs = _runs(frame, kind)
        assert runs is not None
    b_starts, b_ends, d_lo, d_hi, d_vals, d_lens, first, last = runs
    symbols = frame.get_column("symbol").gather(b_starts).to_list()
    dated = kind in DATED_KINDS or kind in YEARLY_KINDS
    out = []
    for i, (a, b) in enumerate(zip(b_starts, b_ends)):
        if dated:
            days_i = tuple(d_vals[d_lo[i]:d_hi[i]])
            rows_i = tuple(d_lens[d_lo[i]:d_hi[i]])
            bucket = bucket_of(kind, days_i[0])
        else:
            days_i, rows_i, bucket = (), (), ""
        out.append(Bucket(kind, symbols[i], bucket, frame.slice(a, b - a), days_i, rows_i,
                          None if first is None else first[i], None if last is None else last[i]))
    return out


def _bucket_key(kind: str):
    """Expression: the bucket number of a row from its day (year * 12 + month, year, or 0 for orders)."""
    import polars as pl

    d = pl.col(DAY).fill_null(0).cast(pl.Date)
    if kind in DATED_KINDS:
        return d.dt.year().cast(pl.Int32) * 12 + d.dt.month().cast(pl.Int32)
    if kind in YEARLY_KINDS:
        return d.dt.year().cast(pl.Int32)
    return pl.lit(0, pl.Int32)


def _runs(frame, kind: str):
    """Bucket runs and day runs of a frame in storage order; None when the rows are not in storage order
    (time going backwards inside a symbol, or a bucket split over several runs).

    One pass of row-to-row comparisons finds where the symbol or the day changes; the bucket of each day
    run (its month or year) is then worked out on those few runs, not on every row.

    Returns bucket starts and ends, the first and last day run of each bucket, the days and lengths of the
    day runs, and the first and last time stamp of each bucket (None without a complete time column), all
    as lists."""
    import polars as pl

    n = frame.height
    day = pl.col(DAY).fill_null(0)
    sym_chg = (pl.col("symbol") != pl.col("symbol").shift(1)).fill_null(True)
    has_ts = "ts" in frame.columns and frame.get_column("ts").null_count() == 0
    ts = None
    if has_ts:
        ts = pl.col("ts").dt.cast_time_unit("ns").to_physical() if isinstance(frame.schema["ts"], pl.Datetime) \
            else pl.col("ts").cast(pl.Int64)
    if kind in DATED_KINDS and ts is not None:
        back = ts < ts.shift(1)
    elif kind in YEARLY_KINDS:
        back = day < day.shift(1)
        if ts is not None:
            back = back | ((day == day.shift(1)) & (ts < ts.shift(1)))
    else:
        back = pl.lit(False)
    flags = frame.select((sym_chg | (day != day.shift(1))).fill_null(True).alias("d"),
                         (back.fill_null(False) & ~sym_chg).any().alias("back"))
    if flags.get_column("back")[0]:
        return None  # time goes backwards inside a symbol
    d_starts = flags.get_column("d").arg_true()
    d_list = d_starts.to_list()
    d_vals = frame.get_column(DAY).fill_null(0).gather(d_starts).to_list()
    d_syms = frame.get_column("symbol").gather(d_starts).to_list()
    d_lens = [e - a for a, e in zip(d_list, d_list[1:] + [n])]
    b_list, d_lo, seen = [], [], set()
    prev = None
    for i, (a, sym, dv) in enumerate(zip(d_list, d_syms, d_vals)):
        key = (sym, bucket_of(kind, dv) if kind in DATED_KINDS or kind in YEARLY_KINDS else "")
        if key != prev:
            if key in seen:
                return None  # a bucket in several runs
            seen.add(key)
            b_list.append(a)
            d_lo.append(i)
            prev = key
    b_ends = b_list[1:] + [n]
    d_hi = d_lo[1:] + [len(d_list)]
    first = last = None
    if ts is not None:
        t = frame.select(ts.alias("t")).get_column("t")
        if kind in DATED_KINDS:  # sorted by time: the first and last rows
            first = t.gather(b_list).to_list()
            last = t.gather([e - 1 for e in b_ends]).to_list()
        else:
            first = [t.slice(a, e - a).min() for a, e in zip(b_list, b_ends)]
            last = [t.slice(a, e - a).max() for a, e in zip(b_list, b_ends)]
    return b_list, b_ends, d_lo, d_hi, d_vals, d_lens, first, last


# ------------------------------------------------------------------------------------------ file writing


def _write_file(root: Path, rel: str, frame, fsync: bool) -> int:
    """Write a data frame (helper columns dropped) to ``root/rel``; returns its size in bytes."""
    from liqcost.io.atomic import fsync_path

    target = root / rel
    data = frame.drop([c for c in (DAY,) if c in frame.columns])
    for attempt in range(3):
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            data.write_parquet(target, compression="zstd", statistics=True)
            break
        except FileNotFoundError:  # a vacuum removed the (empty) folder between mkdir and write
            if attempt == 2:
                raise
    if fsync:
        fsync_path(target)
    return target.stat().st_size


def _entry(rel: str, kind: str, symbol: str, bucket: str, frame, sources: tuple[str, ...], nbytes: int) -> FileEntry:
    """The state entry of a data frame about to be (or just) written."""
    import polars as pl

    if DAY in frame.columns and frame.height and frame.get_column(DAY).null_count() < frame.height:
        rle = frame.get_column(DAY).rle()
        days = tuple(rle.struct.field("value").to_list())
        day_rows = tuple(rle.struct.field("len").to_list())
    else:
        days, day_rows = (), ()
    if len(sources) > 1:
        counts = frame.group_by(SOURCE_COLUMN).agg(pl.len().alias("n"), pl.col(DAY).unique().sort().alias("d")) \
            if DAY in frame.columns else frame.group_by(SOURCE_COLUMN).agg(pl.len().alias("n"))
        by_code = {r[SOURCE_COLUMN]: r for r in counts.iter_rows(named=True)}
        source_rows = tuple(int(by_code[i]["n"]) if i in by_code else 0 for i in range(len(sources)))
        source_days = tuple(tuple(int(x) for x in (by_code[i].get("d") or []) if x is not None) if i in by_code else ()
                            for i in range(len(sources))) if days else None
    else:
        source_rows = (frame.height,)
        source_days = None
    first = last = None
    if "ts" in frame.columns and frame.height:
        ts = frame.get_column("ts")
        ts = ts.dt.cast_time_unit("ns").to_physical() if isinstance(ts.dtype, pl.Datetime) else ts.cast(pl.Int64)
        lo, hi = ts.min(), ts.max()
        first = int(lo) if lo is not None else None
        last = int(hi) if hi is not None else None
    columns = tuple(c for c in frame.columns if c != DAY)
    return FileEntry(rel, kind, symbol, bucket, frame.height, nbytes, days, day_rows, tuple(sources), source_rows,
                     source_days, columns, first, last)


def bucket_entry(rel: str, b: Bucket, sources: tuple[str, ...], nbytes: int) -> FileEntry:
    """The state entry of a one-source bucket file (counts already known: no pass over the rows)."""
    columns = tuple(c for c in b.frame.columns if c != DAY)
    return FileEntry(rel, b.kind, b.symbol, b.bucket, b.rows, nbytes, b.days, b.day_rows, tuple(sources), (b.rows,),
                     None, columns, b.first_ts, b.last_ts)


def read_entry_frame(root: Path, fe: FileEntry):
    """A live file's rows with ``__day`` restored from its day counts; raises DataError when unreadable."""
    import polars as pl

    from liqcost.io.dataset import _read_errors

    path = root / fe.path
    try:
        frame = pl.read_parquet(path)
    except _read_errors() as exc:
        raise DataError(f"{path}: cannot be read ({exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''})") from None
    if frame.height != fe.rows:
        raise DataError(f"{path}: holds {frame.height} rows where the dataset log says {fe.rows}")
    if SOURCE_COLUMN not in frame.columns:
        frame = frame.with_columns(pl.lit(0, pl.UInt32).alias(SOURCE_COLUMN))
    if fe.days:
        day = pl.Series(DAY, fe.days, dtype=pl.Int32).repeat_by(pl.Series(fe.day_rows, dtype=pl.UInt32)).explode()
        frame = frame.with_columns(day.alias(DAY))
    return frame


def merge_frames(kind: str, inputs: list[tuple[object, tuple[str, ...]]], drop: str | None = None):
    """Concatenate bucket frames of several files into one, recoding ``_source`` into a merged source list.

    ``inputs``: (frame, its sources) in commit order; rows of source ``drop`` are left out. Returns
    (frame sorted in storage order, merged sources).
    """
    import polars as pl

    merged: list[str] = []
    frames = []
    for frame, sources in inputs:
        mapping = {}
        for code, sid in enumerate(sources):
            if sid == drop:
                continue
            if sid not in merged:
                merged.append(sid)
            mapping[code] = merged.index(sid)
        if drop is not None and drop in sources:
            frame = frame.filter(pl.col(SOURCE_COLUMN) != sources.index(drop))
        if frame.height == 0:
            continue
        codes = list(mapping)
        frame = frame.with_columns(
            pl.col(SOURCE_COLUMN).replace_strict(codes, [mapping[c] for c in codes], return_dtype=pl.UInt32)
        )
        frames.append(frame)
    if not frames:
        return None, ()
    out = frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")
    sort = _sort_keys(out, kind)
    if len(frames) > 1 and sort:
        out = out.sort(sort, maintain_order=True)
    used = sorted(set(out.get_column(SOURCE_COLUMN).unique().to_list()))
    if used != list(range(len(merged))):  # a source lost every row: renumber densely
        keep = [merged[i] for i in used]
        out = out.with_columns(pl.col(SOURCE_COLUMN).replace_strict(used, list(range(len(used))), return_dtype=pl.UInt32))
        merged = keep
    return out, tuple(merged)


# ------------------------------------------------------------------------------------------ a source


@dataclass
class PlanSummary:
    """What a commit of one source does (also what ``--dry-run`` reports)."""

    rows_added: int = 0
    rows_removed: int = 0
    files_added: int = 0
    files_removed: int = 0
    buckets_compacted: int = 0
    overlap_symbol_days: int = 0
    overlap_sources: list = field(default_factory=list)
    overlap_example: str | None = None
    skipped_compactions: list = field(default_factory=list)


class SourceWrite:
    """One source's rows, quarantine and report going into a dataset (see the module docstring).

    Parameters
    ----------
    root : path
        Dataset folder.
    kind : str
        Kind of the rows.
    source_id : str
        The source's identity in the dataset (by default the resolved path of the file): an ingest replaces
        exactly the rows of its source id.
    clean : polars.DataFrame or None
        Validated rows (None or empty: the source now has no rows).
    quarantine : polars.DataFrame or None
        Rows set aside, with reasons.
    record : dict
        The source record (path, content hash, format, report ...), stored in the state.
    tz : str
        Exchange time zone (days are exchange-local dates).
    config : liqcost.config.Config
    days : optional
        Known days of the clean rows (see :func:`split_buckets`).
    """

    def __init__(self, root, kind, source_id, clean, quarantine, record, tz, config, days=None, dry_run=False):
        self.root = Path(root)
        self.kind = kind
        self.source_id = source_id
        self.config = config
        self.dry_run = dry_run
        self.fsync = bool(config.dataset.fsync) and not dry_run
        self.max_files = int(config.dataset.compact_max_files)
        self.buckets = {(b.symbol, b.bucket): b for b in split_buckets(clean, kind, tz, days)} if clean is not None else {}
        self.quarantine = quarantine if quarantine is not None and quarantine.height else None
        self.record = record
        self._written: dict[tuple, FileEntry] = {}  # cache key -> entry of a file written by this writer
        self._qpath: str | None = None
        self.summary = PlanSummary()

    # ------------------------------------------------------------------------------------ derived
    @property
    def rows(self) -> int:
        return sum(b.rows for b in self.buckets.values())

    @property
    def partitions(self) -> int:
        """Symbol-days (ticks, fills), symbol-years (bars) or symbols (orders) written."""
        if self.kind in DATED_KINDS:
            return sum(len(b.days) for b in self.buckets.values())
        return len(self.buckets)

    # ------------------------------------------------------------------------------------ writing
    def _new_file(self, key) -> FileEntry:
        cache = ("new", key)
        if cache not in self._written:
            b = self.buckets[key]
            rel = new_name(bucket_dir(self.kind, b.symbol, b.bucket))
            nbytes = 0 if self.dry_run else _write_file(self.root, rel, b.frame, self.fsync)
            self._written[cache] = bucket_entry(rel, b, (self.source_id,), nbytes)
        return self._written[cache]

    def _new_files(self, keys: list) -> list[FileEntry]:
        """The files of these buckets' new rows, written on a few threads (polars writes without the GIL)."""
        todo = [k for k in keys if ("new", k) not in self._written]
        if len(todo) > 8 and not self.dry_run:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
                list(pool.map(self._new_file, todo))
        return [self._new_file(k) for k in keys]

    def _rewrite(self, key, inputs: list[FileEntry], with_new: bool) -> FileEntry | None:
        """One file holding the rows of ``inputs`` (without this source's earlier rows) plus, when
        ``with_new``, this source's new rows of the bucket. None when nothing is left."""
        cache = ("merge", key, tuple(f.path for f in inputs), with_new)
        if cache in self._written:
            return self._written[cache]
        sym, bucket = key
        if self.dry_run:
            rows = sum(f.rows - f.rows_of(self.source_id) for f in inputs) + (self.buckets[key].rows if with_new else 0)
            if rows == 0:
                return None
            fe = FileEntry("(new file)", self.kind, sym, bucket, rows, 0)
            self._written[cache] = fe
            return fe
        # the other sources' rows (this source's earlier rows left out), then this source's new rows
        frame, sources = merge_frames(self.kind, [(read_entry_frame(self.root, f), f.sources) for f in inputs],
                                      drop=self.source_id)
        if with_new:
            parts = [(frame, sources)] if frame is not None else []
            frame, sources = merge_frames(self.kind, parts + [(self.buckets[key].frame, (self.source_id,))])
        if frame is None:
            self._written[cache] = None
            return None
        rel = new_name(bucket_dir(self.kind, sym, bucket))
        nbytes = _write_file(self.root, rel, frame, self.fsync)
        fe = _entry(rel, self.kind, sym, bucket, frame, sources, nbytes)
        self._written[cache] = fe
        return fe

    def _quarantine_file(self) -> str | None:
        if self.quarantine is None:
            return None
        if self._qpath is None:
            rel = f"_quarantine/kind={self.kind}/part-{uuid.uuid4().hex}.parquet"
            if not self.dry_run:
                _write_file(self.root, rel, self.quarantine, self.fsync)
            self._qpath = rel
        return self._qpath

    # ------------------------------------------------------------------------------------ planning
    def plan(self, state: State) -> dict:
        """The commit's actions against ``state`` (see :func:`liqcost.io.dataset_log.commit`)."""
        S = self.source_id
        version = state.version + 1
        old_files = state.files_of_source(self.kind, S)
        touched = sorted(set(self.buckets) | {(f.symbol, f.bucket) for f in old_files})
        add: list[FileEntry] = []
        remove: list[str] = []
        summ = PlanSummary(rows_added=self.rows, rows_removed=sum(f.rows_of(S) for f in old_files))
        overlap_days = 0
        overlap_srcs: dict[str, None] = {}
        example = None
        pending: list = []  # buckets whose new rows go to a file of their own (written together below)
        for key in touched:
            live = state.bucket_files(self.kind, *key)
            keep = [f for f in live if S not in f.sources]
            mine = [f for f in live if S in f.sources]
            shared = [f for f in mine if len(f.sources) > 1]
            remove.extend(f.path for f in mine)
            new = key in self.buckets
            if new:  # symbol-days this source shares with other sources: their rows add up
                new_days = set(self.buckets[key].days)
                for f in keep + shared:
                    for i, sid in enumerate(f.sources):
                        if sid == S:
                            continue
                        common = new_days.intersection(f.source_days[i] if f.source_days is not None else f.days)
                        if common:
                            overlap_days += len(common)
                            overlap_srcs[sid] = None
                            if example is None:
                                example = f"{key[0]} {date_of(min(common))}"
            n_after = len(keep) + len(shared) + int(new)
            if n_after > self.max_files and n_after > 1:
                try:
                    merged = self._rewrite(key, keep + shared, new)
                except DataError as exc:  # a damaged file: no compaction of this bucket this time
                    summ.skipped_compactions.append(f"{key[0]} {key[1]}: {exc.message}")
                else:
                    remove.extend(f.path for f in keep)
                    if merged is not None:
                        add.append(merged)
                    summ.buckets_compacted += 1
                    continue
            for f in shared:
                try:
                    rest = self._rewrite(key, [f], False)
                except DataError as exc:
                    raise DataError(
                        f"cannot take the earlier rows of {S} out of {exc.message}; run `liqcost check --data "
                        f"{self.root}` (re-ingest the sources it names) and retry."
                    ) from None
                if rest is not None:
                    add.append(rest)
            if new:
                pending.append(key)
        add.extend(self._new_files(pending))
        qpath = self._quarantine_file()
        old = state.sources.get((self.kind, S))
        if old and old.get("quarantine"):
            remove.append(old["quarantine"])
        record = dict(self.record)
        record.update(kind=self.kind, id=S, quarantine=qpath, version=version,
                      quarantine_rows=0 if self.quarantine is None else self.quarantine.height)
        summ.files_added = len(add) + (1 if qpath else 0)
        summ.files_removed = len(set(remove))
        summ.overlap_symbol_days = overlap_days
        summ.overlap_sources = list(overlap_srcs)
        summ.overlap_example = example
        self.summary = summ
        return {
            "add": [f.with_version(version).to_json() for f in add],
            "remove": sorted(set(remove)),
            "set_sources": [record],
            "drop_sources": [],
        }

    # ------------------------------------------------------------------------------------ running
    def touch(self, actions: dict) -> None:
        """Refresh the times of the files this commit adds and check they are still there (a vacuum
        deletes only files older than its grace period)."""
        now = time.time()
        paths = [a["path"] for a in actions["add"]]
        for rec in actions.get("set_sources", ()):
            if rec.get("quarantine"):
                paths.append(rec["quarantine"])
        for rel in paths:
            try:
                os.utime(self.root / rel, (now, now))
            except FileNotFoundError:
                raise DataError(
                    f"{self.root / rel}: a file written by this ingest vanished before its commit (a vacuum with a "
                    f"grace period shorter than the ingest?); nothing was committed; run the ingest again."
                ) from None

    def run(self) -> tuple[State, dict | None]:
        """Commit (or, for a dry run, only plan against the current state)."""
        if self.dry_run:
            state = load_state(self.root)
            actions = self.plan(state)
            return state, None if actions is None else {**actions, "version": None}
        committed = None
        try:
            state, entry = commit(self.root, self.plan, operation="ingest", config=self.config, touch=self.touch)
            committed = entry
            return state, entry
        finally:
            self._discard(committed)

    def _discard(self, entry: dict | None) -> None:
        """Delete the files this writer wrote that the commit does not use (written for a lost plan)."""
        if self.dry_run:
            return
        used = {a["path"] for a in entry["add"]} if entry else set()
        if entry:
            used.update(r["quarantine"] for r in entry.get("set_sources", ()) if r.get("quarantine"))
        written = [fe.path for fe in self._written.values() if fe is not None]
        if self._qpath:
            written.append(self._qpath)
        for rel in written:
            if rel not in used:
                with contextlib.suppress(FileNotFoundError):
                    (self.root / rel).unlink()


class RemoveSources:
    """Take sources (their rows, quarantine and report) out of a dataset in one commit.

    A file holding only removed sources is dropped; a file shared with other sources is rewritten
    without the removed sources' rows (copy-on-write).
    """

    def __init__(self, root, keys: list[tuple[str, str]], config) -> None:
        self.root = Path(root)
        self.keys = list(dict.fromkeys(keys))
        self.config = config
        self.fsync = bool(config.dataset.fsync)
        self._written: dict[tuple, FileEntry | None] = {}
        self.removed: dict[tuple[str, str], int] = {}
        self.files_removed = 0

    def plan(self, state: State) -> dict | None:
        keys = [k for k in self.keys if k in state.sources or state.files_of_source(*k)]
        if not keys:
            return None
        version = state.version + 1
        files = dict(state.files)
        remove: set[str] = set()
        add: dict[str, FileEntry] = {}
        self.removed = {}
        for kind, sid in keys:
            rows = 0
            for f in [f for f in files.values() if f.kind == kind and sid in f.sources]:
                rows += f.rows_of(sid)
                del files[f.path]
                if add.pop(f.path, None) is None:
                    remove.add(f.path)
                if len(f.sources) > 1:
                    cache = (f.path, sid)
                    if cache not in self._written:  # (a file written by this plan is read back from disk)
                        frame, sources = merge_frames(kind, [(read_entry_frame(self.root, f), f.sources)], drop=sid)
                        if frame is None:
                            self._written[cache] = None
                        else:
                            rel = new_name(bucket_dir(kind, f.symbol, f.bucket))
                            nbytes = _write_file(self.root, rel, frame, self.fsync)
                            self._written[cache] = _entry(rel, kind, f.symbol, f.bucket, frame, sources, nbytes)
                    fe = self._written[cache]
                    if fe is not None:
                        add[fe.path] = fe
                        files[fe.path] = fe
            rec = state.sources.get((kind, sid))
            if rec and rec.get("quarantine"):
                remove.add(rec["quarantine"])
            self.removed[(kind, sid)] = rows
        self.files_removed = len(remove)
        return {
            "add": [f.with_version(version).to_json() for f in add.values()],
            "remove": sorted(remove),
            "set_sources": [],
            "drop_sources": [list(k) for k in keys],
        }

    def run(self):
        committed = None
        try:
            state, entry = commit(self.root, self.plan, operation="remove", config=self.config)
            committed = entry
            return state, entry
        finally:
            used = {a["path"] for a in committed["add"]} if committed else set()
            for fe in self._written.values():
                if fe is not None and fe.path not in used:
                    with contextlib.suppress(FileNotFoundError):
                        (self.root / fe.path).unlink()


# ------------------------------------------------------------------------------------------ vacuum


@dataclass
class VacuumReport:
    """What a vacuum deleted and what it kept for later."""

    deleted: list[str] = field(default_factory=list)
    deleted_bytes: int = 0
    kept_recent: int = 0
    log_entries_pruned: int = 0


_DATA_TOPS = ("_quarantine", "_manifest", "_ingest")


def _walk_files(root: Path):
    """Every file under the data folders (``kind=*``, ``_quarantine``) and the v1 leftovers, relative."""
    for e in os.scandir(root):
        if not e.is_dir() or not (e.name.startswith("kind=") or e.name in _DATA_TOPS):
            continue
        for dirpath, _dirs, files in os.walk(e.path):
            for name in files:
                full = os.path.join(dirpath, name)
                yield Path(full).relative_to(root).as_posix(), full


def recently_removed(root: Path, since: float) -> set[str]:
    """Paths removed by commits made after ``since`` (epoch seconds): still protected by the grace period."""
    out: set[str] = set()
    ld = log_dir(root)
    if not ld.is_dir():
        return out
    with os.scandir(ld) as it:
        for e in it:
            if not e.name.endswith(".json") or e.name.startswith("."):
                continue
            try:
                if e.stat().st_mtime < since:
                    continue
                with open(e.path, "rb") as f:
                    out.update(json.loads(f.read()).get("remove", ()))
            except (OSError, ValueError):
                continue
    return out


def vacuum(root: str | Path, grace_s: float, dry_run: bool = False, now: float | None = None) -> VacuumReport:
    """Delete files of a dataset that no reader can need any more.

    A file not referenced by the newest state is deleted when (a) no commit of the last ``grace_s`` seconds
    removed it and (b) it was last modified more than ``grace_s`` seconds ago (a writer may be about to
    commit a file it has just written). Also deleted: stray temporary files of the log older than the grace
    period, log entries and checkpoints older than the newest checkpoint (and than the grace period), and
    empty folders.
    """
    root = Path(root)
    now = time.time() if now is None else now
    cutoff = now - grace_s
    rep = VacuumReport()
    if not (root / META).is_dir():
        return rep  # no dataset here (or one of the old layout, which the migration cleans)
    state = load_state(root)
    live = state.live_paths()
    protected = recently_removed(root, cutoff)
    for rel, full in _walk_files(root):
        if rel in live:
            continue
        try:
            st = os.stat(full)
        except FileNotFoundError:
            continue
        if rel in protected or st.st_mtime > cutoff:
            rep.kept_recent += 1
            continue
        if not dry_run:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(full)
        rep.deleted.append(rel)
        rep.deleted_bytes += st.st_size
    # stray temporary files of the log and of checkpoints (a writer killed while publishing)
    for d in (log_dir(root), checkpoint_dir(root), root / META):
        if not d.is_dir():
            continue
        for e in os.scandir(d):
            if e.is_file() and e.name.startswith(".") and e.stat().st_mtime < cutoff:
                if not dry_run:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(e.path)
                rep.deleted.append(Path(e.path).relative_to(root).as_posix())
    # log entries and checkpoints older than the newest checkpoint are history nobody replays
    from liqcost.io.dataset_log import _CKPT_NAME, _LOG_NAME, _versions

    ckpts = _versions(checkpoint_dir(root), _CKPT_NAME)
    if ckpts:
        newest = ckpts[-1]
        for v in _versions(log_dir(root), _LOG_NAME):
            if v >= newest:
                break
            p = log_dir(root) / f"{v:020d}.json"
            with contextlib.suppress(FileNotFoundError):
                if p.stat().st_mtime < cutoff:
                    if not dry_run:
                        p.unlink()
                    rep.log_entries_pruned += 1
        for v in ckpts[:-1]:
            p = checkpoint_dir(root) / f"{v:020d}.parquet"
            with contextlib.suppress(FileNotFoundError):
                if p.stat().st_mtime < cutoff and not dry_run:
                    p.unlink()
    if not dry_run:
        _remove_empty_dirs(root)
    return rep


def _remove_empty_dirs(root: Path) -> None:
    for e in os.scandir(root):
        if not e.is_dir() or not (e.name.startswith("kind=") or e.name in _DATA_TOPS):
            continue
        for dirpath, _dirs, _files in os.walk(e.path, topdown=False):
            with contextlib.suppress(OSError):
                os.rmdir(dirpath)


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def warn_overlap(where: str, summary: PlanSummary) -> None:
    """The warning for a source whose symbol-days other sources also hold (their rows add up)."""
    import warnings

    if not summary.overlap_symbol_days:
        return
    others = summary.overlap_sources
    names = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
    warnings.warn(
        f"{where}: {summary.overlap_symbol_days} symbol-day(s) (e.g. {summary.overlap_example}) also hold rows of "
        f"{names}; their rows add up. If both files hold the same trades, remove one (`liqcost ingest --remove`) "
        f"or ingest it under the other's --source-id to replace it.",
        DataQualityWarning,
        stacklevel=3,
    )


def write_frame(root: str | Path, kind: str, frame, source_id: str, config=None, *, quarantine=None) -> int:
    """Commit canonical rows already in memory into a dataset as the source ``source_id`` (replacing that
    source's earlier rows), without reading or validating a file: for rows validated elsewhere (tests,
    benchmarks, generators). Returns the version committed.

    Parameters
    ----------
    frame : polars.DataFrame
        Rows of ``kind`` in its contract (``schema.CONTRACTS[kind]``), sorted as ``validate`` sorts them.
    config : liqcost.config.Config, optional
        ``session.timezone`` (the days of the rows) and the ``dataset`` settings; defaults when None.
    """
    from liqcost.config import Config
    from liqcost.io.dataset_log import ensure_layout
    from liqcost.schema import check_frame

    config = config or Config()
    check_frame(frame, kind, source_id)
    ensure_layout(Path(root), fsync=config.dataset.fsync)
    record = {"path": source_id, "content_hash": None, "format": "frame", "ingested_at": now_iso(),
              "report": {"rows_read": frame.height + (quarantine.height if quarantine is not None else 0),
                         "rows_kept": frame.height, "rows_quarantined": quarantine.height if quarantine is not None else 0,
                         "reasons": {}, "error": None}}
    writer = SourceWrite(root, kind, source_id, frame, quarantine, record, config.session.timezone, config)
    _state, entry = writer.run()
    return entry["version"]

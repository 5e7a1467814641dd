"""Datasets: Parquet files plus a transaction log, written by ``liqcost ingest`` and read by every other command.

Layout (format version 2; see docs/dataset.md)::

    DATASET/
      _liqcost/format.json                               {"format": "liqcost-dataset", "version": 2}
      _liqcost/log/00000000000000000001.json             one commit per version (files added/removed, sources)
      _liqcost/checkpoints/<version>.parquet             the full state every dataset.checkpoint_interval commits
      kind=trades/symbol=XYZ/month=2025-03/part-<uuid>.parquet    trades, quotes, fills: one bucket per symbol-month
      kind=bars/symbol=XYZ/year=2025/part-<uuid>.parquet          bars: per symbol-year
      kind=orders/symbol=XYZ/part-<uuid>.parquet
      _quarantine/kind=trades/part-<uuid>.parquet                 a source's quarantined rows, with reasons

What the dataset holds is its **state** (:mod:`liqcost.io.dataset_log`): the live files, each with its
days and the rows of each day, and the sources. Listing (:meth:`Dataset.kinds`, :meth:`Dataset.symbols`,
:meth:`Dataset.dates`, :meth:`Dataset.partitions`) reads the state, never the folders; files that are not
in the state (left by a killed writer, or removed by a later commit) are ignored.

Each data file is sorted by time (bars by date), so the rows of one exchange-local day are one contiguous
slice: a :class:`Partition` (one symbol-day; a symbol-year of bars; a symbol's orders) is a list of
:class:`Piece` = (file, first row, rows), read with ``scan_parquet(file).slice(first, rows)``, which decodes
only the row groups holding them. Files carry a ``_source`` column (codes into the file's source list in
the state) so that re-ingesting a source can take exactly its rows out; readers drop it.

A file that cannot be read (damaged, truncated, empty, missing) is **isolated**: its rows are skipped, a
:class:`~liqcost.errors.DamagedFileWarning` names it with the reader's message and the source to
re-ingest, and it is listed in :attr:`Dataset.problems`; the command exits with code 1 (a partial run).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import warnings
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from liqcost.errors import DamagedFileWarning, DatasetLayoutError, NoDataError
from liqcost.io.dataset_log import date_of, day_of, layout_of, load_state, newer_message, no_gc, v1_message
from liqcost.result import Problem
from liqcost.schema import CONTRACTS

__all__ = [
    "Dataset",
    "Partition",
    "Piece",
    "content_hash",
    "local_date_expr",
    "scan_files",
    "DATED_KINDS",
    "YEARLY_KINDS",
    "SOURCE_COLUMN",
]

DATED_KINDS = ("trades", "quotes", "fills")  # bucketed by symbol-month, read by symbol-day
YEARLY_KINDS = ("bars",)  # bucketed by symbol-year
SOURCE_COLUMN = "_source"

def _read_errors() -> tuple:
    import polars as pl

    return (OSError, pl.exceptions.PolarsError, ValueError, RuntimeError)


class Piece(NamedTuple):
    """Rows ``[offset, offset + rows)`` of one data file."""

    path: Path
    offset: int
    rows: int


class Partition(NamedTuple):
    """One symbol-day of one kind; for bars one symbol-year (``date`` None, ``year`` set); orders neither.

    ``pieces`` are the row slices of the files holding it, in commit order. (A named tuple: listing 3,000
    symbols x 250 days makes 750,000 of them.)
    """

    kind: str
    symbol: str
    date: dt.date | None
    pieces: tuple[Piece, ...] = ()
    year: int | None = None

    @property
    def files(self) -> tuple[Path, ...]:
        """The files holding the partition (each once)."""
        return tuple(dict.fromkeys(p.path for p in self.pieces))

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.pieces)


def content_hash(path: str | Path, chunk: int = 1 << 22) -> str:
    """First 16 hex digits of the BLAKE2b hash of a file's bytes."""
    h = hashlib.blake2b(digest_size=8)
    with open(path, "rb") as f:
        while True:
            block = f.read(chunk)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def local_date_expr(ts_col: str, tz: str):
    """Polars expression: the exchange-local date of a UTC time-stamp column."""
    import polars as pl

    return pl.col(ts_col).dt.convert_time_zone(tz).dt.date()


def scan_files(files: list[str], **kwargs):
    """A LazyFrame over Parquet files, with the union of their columns (null where a file lacks one).

    ``polars.scan_parquet`` over several files takes the *first* file's schema and drops the columns only
    later files have; here every file's schema is read and the union is used. ``kwargs`` go to
    ``polars.scan_parquet``.
    """
    import polars as pl

    if len(files) == 1:
        return pl.scan_parquet(files[0], **kwargs)
    schema: dict = {}
    for f in files:
        for col, dtype in pl.read_parquet_schema(f).items():
            schema.setdefault(col, dtype)
    return pl.scan_parquet(files, schema=schema, missing_columns="insert", extra_columns="ignore", **kwargs)


def sym_dir(symbol: str) -> str:
    """The folder name of a symbol (any character survives: ``BRK/B`` -> ``symbol=BRK%2FB``)."""
    return "symbol=" + quote(symbol, safe="")


def _empty(kind: str):
    import polars as pl

    return pl.DataFrame(schema=CONTRACTS[kind].polars_schema(CONTRACTS[kind].required))


class Dataset:
    """A liqcost dataset folder (see the module docstring), read at one version.

    The state is loaded once, on first use: every read of this object sees that version, even while a
    writer commits (files a later commit removes stay on disk for ``dataset.vacuum_grace_s``).

    Parameters
    ----------
    root : str or Path
        The dataset folder.
    must_exist : bool
        Raise :class:`~liqcost.errors.NoDataError` when the folder holds no dataset or no rows.

    Raises
    ------
    liqcost.errors.DatasetLayoutError
        The folder holds a dataset in the old (v1) layout (the message names the migrate command), or one
        written by a newer liqcost.
    """

    def __init__(self, root: str | Path, must_exist: bool = True) -> None:
        self.root = Path(root)
        self._state = None
        self._lock = threading.Lock()
        self._problems: dict[str, Problem] = {}
        self._excluded: set[str] = set()  # files found damaged: left out of every later listing
        self._filtered: tuple | None = None
        self._paths: dict[str, Path] = {}
        layout = layout_of(self.root)
        if layout == "v1":
            raise DatasetLayoutError(v1_message(self.root))
        if layout == "newer":
            raise DatasetLayoutError(newer_message(self.root))
        if must_exist:
            if layout == "empty":
                raise NoDataError(
                    f"{self.root}: not a liqcost dataset (no _liqcost/ log); create one with "
                    f"`liqcost ingest --kind trades FILE -d {self.root}`."
                )
            if not self.state.files:
                n = len(self.state.sources)
                raise NoDataError(
                    f"{self.root}: the dataset holds no rows ({n} source{'s' if n != 1 else ''} ingested, every row "
                    f"quarantined or removed); see `liqcost check --data {self.root}`."
                )

    def __repr__(self) -> str:
        return f"Dataset({str(self.root)!r})"

    # ----------------------------------------------------------------------------------------- state
    @property
    def state(self):
        """The :class:`~liqcost.io.dataset_log.State` read (once) from the log."""
        if self._state is None:
            with self._lock:
                if self._state is None:
                    self._state = load_state(self.root)
        return self._state

    @property
    def version(self) -> int:
        """The version (number of commits) read."""
        return self.state.version

    def refresh(self) -> Dataset:
        """Read the newest version (forgets the problems seen so far)."""
        self._state = None
        self._problems = {}
        self._excluded = set()
        self._filtered = None
        return self

    def _index(self) -> dict:
        """``kind -> symbol -> files`` of the state, less the files found damaged (see :meth:`report_damaged`)."""
        idx = self.state.index()
        if not self._excluded:
            return idx
        if self._filtered is None or self._filtered[0] != len(self._excluded):
            out: dict = {}
            for kind, by_sym in idx.items():
                for sym, files in by_sym.items():
                    keep = [f for f in files if f.path not in self._excluded]
                    if keep:
                        out.setdefault(kind, {})[sym] = keep
            self._filtered = (len(self._excluded), out)
        return self._filtered[1]

    def _abs(self, rel: str) -> Path:
        p = self._paths.get(rel)
        if p is None:
            p = self.root / rel
            self._paths[rel] = p
        return p

    # ----------------------------------------------------------------------------------------- listing
    def kinds(self) -> list[str]:
        """Kinds with rows (``trades``, ``quotes`` ...)."""
        return sorted(self._index())

    def symbols(self, kind: str, start: dt.date | None = None, end: dt.date | None = None) -> list[str]:
        """Symbols that have rows of ``kind`` (between ``start`` and ``end`` inclusive, when given)."""
        by_sym = self._index().get(kind, {})
        if start is None and end is None:
            return sorted(by_sym)
        lo = day_of(start) if start else None
        hi = day_of(end) if end else None
        return sorted(sym for sym, files in by_sym.items()
                      if any(a < b for a, b in (_day_range(f.days, lo, hi) for f in files)))

    def columns(self, kind: str, symbols=None) -> list[str]:
        """The columns (union over files, from the state; ``_source`` left out) of ``kind`` for the symbols."""
        by_sym = self._index().get(kind, {})
        out: dict[str, None] = {}
        for sym in (symbols or list(by_sym)):
            for f in by_sym.get(sym, ()):
                out.update(dict.fromkeys(c for c in f.columns if c != SOURCE_COLUMN))
        return list(out)

    def sources(self, kind: str | None = None) -> list[dict]:
        """The sources (id, path, content hash, format, ingest report, quarantine file ...), by kind and id."""
        return [rec for (k, _), rec in sorted(self.state.sources.items()) if kind is None or k == kind]

    def partitions(
        self,
        kind: str,
        symbols: list[str] | tuple[str, ...] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> list[Partition]:
        """Partitions of ``kind`` for the symbols (all when None) between ``start`` and ``end`` inclusive.

        Symbol-days for trades, quotes and fills; symbol-years for bars (their pieces cut to the dates in
        range); one per symbol for orders. Sorted by symbol, then date.
        """
        with no_gc():
            return self._partitions(kind, symbols, start, end)

    def _partitions(self, kind, symbols, start, end) -> list[Partition]:
        by_sym = self._index().get(kind, {})
        wanted = sorted(by_sym) if not symbols else list(dict.fromkeys(symbols))
        lo = day_of(start) if start else None
        hi = day_of(end) if end else None
        out: list[Partition] = []
        add = out.append
        for sym in wanted:
            files = by_sym.get(sym)
            if not files:
                continue
            if kind in DATED_KINDS:
                if len(files) == 1:  # the common case: one file per symbol-month, one piece per day
                    f = files[0]
                    a, b = _day_range(f.days, lo, hi)
                    path = self._abs(f.path)
                    offs = f.offsets
                    for i in range(a, b):
                        add(Partition(kind, sym, date_of(f.days[i]), (Piece(path, offs[i], f.day_rows[i]),)))
                    continue
                pieces: dict[int, list] = {}
                for f in files:
                    a, b = _day_range(f.days, lo, hi)
                    if a >= b:
                        continue
                    path = self._abs(f.path)
                    offs = f.offsets
                    for i in range(a, b):
                        pieces.setdefault(f.days[i], []).append(Piece(path, offs[i], f.day_rows[i]))
                for d in sorted(pieces):
                    add(Partition(kind, sym, date_of(d), tuple(pieces[d])))
            elif kind in YEARLY_KINDS:
                years: dict[int, list] = {}
                for f in files:
                    if not f.days:
                        continue
                    a, b = _day_range(f.days, lo, hi)
                    if a >= b:
                        continue
                    rows = sum(f.day_rows[a:b])
                    years.setdefault(int(f.bucket), []).append(Piece(self._abs(f.path), f.offsets[a], rows))
                out.extend(Partition(kind, sym, None, tuple(years[y]), y) for y in sorted(years))
            else:
                add(Partition(kind, sym, None, tuple(Piece(self._abs(f.path), 0, f.rows) for f in files)))
        return out

    def dates(self, kind: str, symbol: str | None = None) -> list[dt.date]:
        """Sorted distinct exchange-local dates with rows of ``kind`` (for one symbol or all)."""
        by_sym = self._index().get(kind, {})
        groups = [by_sym.get(symbol, [])] if symbol else list(by_sym.values())
        days: set[int] = set()
        for files in groups:
            for f in files:
                days.update(f.days)
        return [date_of(d) for d in sorted(days)]

    # ----------------------------------------------------------------------------------------- problems
    @property
    def problems(self) -> tuple[Problem, ...]:
        """Files that could not be read by this object so far (each once), with the repair hint."""
        with self._lock:
            return tuple(self._problems.values())

    def repair_hint(self, path: str | Path) -> str:
        """What to do about a damaged file: re-ingest the source(s) whose rows it holds."""
        rel = self._rel(path)
        srcs = self.state.source_for_path(rel)
        if not srcs:
            return f"run `liqcost check --data {self.root}`"
        kind, sid = srcs[0]
        more = f" (and {len(srcs) - 1} other source{'s' if len(srcs) > 2 else ''})" if len(srcs) > 1 else ""
        return f"re-ingest its source{more}: `liqcost ingest --kind {kind} --source-id '{sid}' FILE -d {self.root}`"

    def _rel(self, path: str | Path) -> str:
        p = Path(path)
        try:
            return p.relative_to(self.root).as_posix()
        except ValueError:
            return p.as_posix()

    def report_damaged(self, path: str | Path, message: str) -> Problem:
        """Record (once) and warn that ``path`` cannot be read; returns the :class:`~liqcost.result.Problem`.

        From then on the file is left out of this object's listings (:meth:`partitions`, :meth:`dates` ...),
        so that a run planned again sees the dataset as if the file were not there.
        """
        rel = self._rel(path)
        with self._lock:
            known = self._problems.get(rel)
            if known is not None:
                return known
        first = message.strip().splitlines()[0] if message.strip() else "unreadable"
        if len(first) > 300:
            first = first[:297] + "..."
        text = f"cannot be read ({first}); its rows were skipped; {self.repair_hint(rel)}."
        problem = Problem("damaged_file", str(self.root / rel), text)
        with self._lock:
            if rel in self._problems:
                return self._problems[rel]
            self._problems[rel] = problem
            self._excluded.add(rel)
        warnings.warn(f"{problem.where}: {problem.message}", DamagedFileWarning, stacklevel=3)
        return problem

    # ----------------------------------------------------------------------------------------- reading
    def _read_piece(self, kind: str, piece: Piece, columns=None):
        """One piece as a DataFrame (``_source`` dropped); None when its file cannot be read (reported)."""
        import polars as pl

        try:
            lf = pl.scan_parquet(piece.path)
            names = lf.collect_schema().names()
            frame = lf.slice(piece.offset, piece.rows).collect()
        except _read_errors() as exc:
            self.report_damaged(piece.path, f"{exc.__class__.__name__}: {exc}")
            return None
        if frame.height != piece.rows:
            self.report_damaged(piece.path, f"it holds fewer rows than the dataset log says ({piece.offset + frame.height} "
                                            f"< {piece.offset + piece.rows})")
            return None
        keep = [c for c in names if c != SOURCE_COLUMN and (columns is None or c in columns)]
        return frame.select(keep)

    def read_partition(self, part: Partition):
        """One partition as a DataFrame in its contract (sorted by its ``sort_by``); damaged files skipped."""
        import polars as pl

        frames = [f for f in (self._read_piece(part.kind, p) for p in part.pieces) if f is not None]
        if not frames:
            return _empty(part.kind)
        frame = frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")
        sort_cols = [c for c in CONTRACTS[part.kind].sort_by if c in frame.columns]
        if len(frames) > 1 or part.kind == "fills":  # fills are stored by time, their contract is by order
            frame = frame.sort(sort_cols, maintain_order=True) if sort_cols else frame
        return frame.rechunk()

    def read(self, kind: str, symbol: str, date: dt.date | None = None):
        """One symbol-day (or a symbol's orders, or one day of a symbol's bars) as a DataFrame; empty when absent."""
        import polars as pl

        parts = self.partitions(kind, [symbol], date, date)
        if not parts:
            return _empty(kind)
        frames = [self.read_partition(p) for p in parts]
        frame = frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")
        if date is not None and kind in YEARLY_KINDS and "date" in frame.columns:
            frame = frame.filter(pl.col("date") == date)
        return frame

    def _file_slices(self, parts: list[Partition]) -> list[tuple[Path, int, int, int]]:
        """(file, first row, rows, file rows) per file: the pieces of a file merged into one slice when adjacent."""
        spans: dict[Path, list[list[int]]] = {}
        for part in parts:
            for p in part.pieces:
                spans.setdefault(p.path, []).append([p.offset, p.offset + p.rows])
        total = {self._abs(f.path): f.rows for f in self.state.files.values()} if spans else {}
        out = []
        for path, ranges in spans.items():
            ranges.sort()
            merged = [ranges[0][:]]
            for a, b in ranges[1:]:
                if a <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], b)
                else:
                    merged.append([a, b])
            for a, b in merged:
                out.append((path, a, b - a, total.get(path, b)))
        return out

    def _no_data(self, kind, symbols, start, end):
        return NoDataError(
            f"{self.root}: no {kind} data"
            + (f" for {', '.join(symbols)}" if symbols else "")
            + (f" between {start} and {end}" if start or end else "")
            + f"; symbols with {kind}: {', '.join(self.symbols(kind)[:20]) or 'none'}."
        )

    def scan(self, kind: str, symbols=None, start: dt.date | None = None, end: dt.date | None = None):
        """A LazyFrame over the selected rows (canonical columns, symbol included; no damage check).

        Use :meth:`collect` for a DataFrame that skips (and reports) damaged files.
        """
        import polars as pl

        parts = self.partitions(kind, symbols, start, end)
        slices = self._file_slices(parts)
        if not slices:
            raise self._no_data(kind, symbols, start, end)
        # rows in partition order: consecutive whole files with the same columns share one multi-file scan
        # (one schema read), a file read in part is a sliced scan
        cols_of = {self._abs(f.path): f.columns for f in self.state.files.values()}
        frames = []
        group: list[str] = []
        group_cols = None
        for path, a, n, total in slices:
            whole = a == 0 and n == total
            if group and (not whole or cols_of.get(path) != group_cols):
                frames.append(self._scan_whole(group))
                group = []
            if whole:
                group.append(str(path))
                group_cols = cols_of.get(path)
            else:
                frames.append(pl.scan_parquet(path).slice(a, n))
        if group:
            frames.append(self._scan_whole(group))
        lf = frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")
        names = lf.collect_schema().names()
        lf = lf.select([c for c in names if c != SOURCE_COLUMN])
        if kind in YEARLY_KINDS and (start or end) and "date" in names:
            if start:
                lf = lf.filter(pl.col("date") >= start)
            if end:
                lf = lf.filter(pl.col("date") <= end)
        return lf

    @staticmethod
    def _scan_whole(files: list[str]):
        """One scan over whole files with the same columns (per the state): one schema read."""
        import polars as pl

        if len(files) == 1:
            return pl.scan_parquet(files[0])
        return pl.scan_parquet(files, schema=pl.read_parquet_schema(files[0]))

    def collect(self, kind: str, symbols=None, start: dt.date | None = None, end: dt.date | None = None,
                columns: list[str] | None = None):
        """The selected rows as a DataFrame; a file that cannot be read is skipped and reported (see
        :attr:`problems`), the others are read. Raises NoDataError when nothing is selected."""
        import polars as pl

        try:
            lf = self.scan(kind, symbols, start, end)
            if columns is not None:
                lf = lf.select([c for c in lf.collect_schema().names() if c in columns])
            return lf.collect()
        except NoDataError:
            raise
        except _read_errors():
            pass
        # something is damaged: read file by file, skip (and report) the files that fail
        frames = []
        for path, a, n, _total in self._file_slices(self.partitions(kind, symbols, start, end)):
            frame = self._read_piece(kind, Piece(path, a, n), columns)
            if frame is not None:
                frames.append(frame)
        if not frames:
            return _empty(kind) if columns is None else _empty(kind).select([c for c in _empty(kind).columns if c in columns])
        frame = pl.concat(frames, how="diagonal_relaxed")
        if kind in YEARLY_KINDS and (start or end) and "date" in frame.columns:
            if start:
                frame = frame.filter(pl.col("date") >= start)
            if end:
                frame = frame.filter(pl.col("date") <= end)
        return frame


def _day_range(days: tuple[int, ...], lo: int | None, hi: int | None) -> tuple[int, int]:
    """Index range ``[a, b)`` of the sorted ``days`` within ``[lo, hi]``."""
    import bisect

    a = 0 if lo is None else bisect.bisect_left(days, lo)
    b = len(days) if hi is None else bisect.bisect_right(days, hi)
    return a, b

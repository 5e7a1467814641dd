"""Datasets: hive-partitioned Parquet written by ``liqcost ingest`` and read by every other command.

Layout::

    DATASET/
      kind=trades/symbol=XYZ/date=2025-03-03/part-<source hash>.parquet
      kind=quotes/...                                                   kind=fills/...  (per symbol-day)
      kind=bars/symbol=XYZ/year=2025/part-<source hash>.parquet         (bars: one file per symbol-year)
      kind=orders/symbol=XYZ/part-<source hash>.parquet               (orders have no date)
      _quarantine/kind=trades/<source hash>.parquet                     rows set aside, with reasons
      _ingest/<source hash>.json                                        the ingest report of each source
      _manifest/<kind>/<path hash>.json                                 which partitions a source wrote

Each part file holds the canonical columns of its kind (symbol included), sorted by time. The date is
the exchange-local trading date (``session.timezone``). Ticks are partitioned by symbol-day, the unit
of work of the measures; bars by symbol-year (a daily bar per file would mean millions of files for a
long history), with a ``date`` column in every bar file so that date filters apply to the rows. Part files are named by a hash of the source
file's content and written atomically, so ingesting the same file again replaces its rows instead of
adding them (idempotent), and a source path ingested again with new content first removes the parts it
wrote before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

from liqcost.errors import NoDataError
from liqcost.schema import CONTRACTS

__all__ = ["Dataset", "Partition", "content_hash", "write_partitions", "local_date_expr", "scan_files"]

DATED_KINDS = ("trades", "quotes", "fills")  # partitioned by symbol-day
YEARLY_KINDS = ("bars",)  # partitioned by symbol-year


@dataclass(frozen=True)
class Partition:
    """One symbol-day of one kind; for bars one symbol-year (``date`` None, ``year`` set); orders neither."""

    kind: str
    symbol: str
    date: dt.date | None
    files: tuple[Path, ...] = field(default_factory=tuple)
    year: int | None = None


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
    """A LazyFrame over dataset part files, with the union of their columns.

    Part files of one kind can differ in their optional columns (trades from LOBSTER carry
    ``aggressor`` and ``auction``, trades from a Bitstamp CSV neither; daily bars have no ``ts``).
    ``polars.scan_parquet`` over several files takes the *first* file's schema and drops the columns
    that only later files have; here every column of any file is kept, null where a file lacks it.
    Files written from one source share one name (``part-<source hash>.parquet``) and one schema, so
    only one file per name is opened for its schema. ``kwargs`` go to ``polars.scan_parquet``.
    """
    import polars as pl

    if len(files) == 1:
        return pl.scan_parquet(files[0], **kwargs)
    schema: dict = {}
    seen: set[str] = set()
    for f in files:
        name = Path(f).name
        if name in seen:
            continue
        seen.add(name)
        for col, dtype in pl.read_parquet_schema(f).items():
            schema.setdefault(col, dtype)
    return pl.scan_parquet(files, schema=schema, missing_columns="insert", extra_columns="ignore", **kwargs)


def _sym_dir(symbol: str) -> str:
    return "symbol=" + quote(symbol, safe="")


class Dataset:
    """A liqcost dataset folder (see the module docstring).

    Parameters
    ----------
    root : str or Path
        The dataset folder.
    must_exist : bool
        Raise :class:`~liqcost.errors.NoDataError` when the folder holds no dataset.
    """

    def __init__(self, root: str | Path, must_exist: bool = True) -> None:
        self.root = Path(root)
        if must_exist and not self.kinds():
            raise NoDataError(
                f"{self.root}: not a liqcost dataset (no kind=... folders); create one with "
                f"`liqcost ingest --kind trades FILE -o {self.root}`."
            )

    def __repr__(self) -> str:
        return f"Dataset({str(self.root)!r})"

    # ----------------------------------------------------------------------------------------- listing
    def kinds(self) -> list[str]:
        """Kinds present (``trades``, ``quotes`` ...)."""
        if not self.root.is_dir():
            return []
        return sorted(e.name[5:] for e in os.scandir(self.root) if e.is_dir() and e.name.startswith("kind="))

    def symbols(self, kind: str) -> list[str]:
        """Symbols that have data of ``kind``."""
        base = self.root / f"kind={kind}"
        if not base.is_dir():
            return []
        return sorted(unquote(e.name[7:]) for e in os.scandir(base) if e.is_dir() and e.name.startswith("symbol="))

    def partitions(
        self,
        kind: str,
        symbols: list[str] | tuple[str, ...] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> list[Partition]:
        """Partitions of ``kind`` for the symbols (all when None) between ``start`` and ``end`` inclusive."""
        base = self.root / f"kind={kind}"
        if not base.is_dir():
            return []
        wanted = self.symbols(kind) if not symbols else list(dict.fromkeys(symbols))
        out: list[Partition] = []
        for sym in wanted:
            sdir = base / _sym_dir(sym)
            if not sdir.is_dir():
                continue
            if kind not in DATED_KINDS and kind not in YEARLY_KINDS:
                files = tuple(sorted(p for p in sdir.glob("part-*.parquet")))
                if files:
                    out.append(Partition(kind, sym, None, files))
                continue
            for e in sorted(os.scandir(sdir), key=lambda e: e.name):
                if not e.is_dir():
                    continue
                files = tuple(sorted(Path(e.path).glob("part-*.parquet")))
                if not files:
                    continue
                if e.name.startswith("date="):
                    day = dt.date.fromisoformat(e.name[5:])
                    if (start and day < start) or (end and day > end):
                        continue
                    out.append(Partition(kind, sym, day, files))
                elif e.name.startswith("year="):
                    year = int(e.name[5:])
                    if (start and year < start.year) or (end and year > end.year):
                        continue
                    out.append(Partition(kind, sym, None, files, year))
        return out

    def dates(self, kind: str, symbol: str | None = None) -> list[dt.date]:
        """Sorted distinct dates of ``kind`` (for one symbol or all); for bars read from the files' dates."""
        parts = self.partitions(kind, [symbol] if symbol else None)
        days = {p.date for p in parts if p.date is not None}
        yearly = [f for p in parts if p.year is not None for f in p.files]
        if yearly:
            import polars as pl

            days.update(pl.scan_parquet([str(f) for f in yearly]).select(pl.col("date").unique()).collect().get_column("date").to_list())
        return sorted(days)

    # ----------------------------------------------------------------------------------------- reading
    def read_partition(self, part: Partition):
        """One partition as a DataFrame in its contract, sorted by time."""
        import polars as pl

        frames = [pl.read_parquet(f) for f in part.files]
        frame = frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")
        if len(frames) > 1:
            sort_cols = [c for c in CONTRACTS[part.kind].sort_by if c in frame.columns]
            frame = frame.sort(sort_cols, maintain_order=True)
        return frame.rechunk()

    def read(self, kind: str, symbol: str, date: dt.date | None = None):
        """One symbol-day (or a symbol's orders) as a DataFrame; an empty frame when absent."""
        import polars as pl

        parts = self.partitions(kind, [symbol], date, date)
        if not parts:
            return pl.DataFrame(schema=CONTRACTS[kind].polars_schema(CONTRACTS[kind].required))
        frames = [self.read_partition(p) for p in parts]
        frame = frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")
        if date is not None and kind in YEARLY_KINDS:
            frame = frame.filter(pl.col("date") == date)
        return frame

    def scan(self, kind: str, symbols=None, start: dt.date | None = None, end: dt.date | None = None):
        """A LazyFrame over the selected partitions (canonical columns, symbol included)."""
        import polars as pl

        files = [str(f) for p in self.partitions(kind, symbols, start, end) for f in p.files]
        if not files:
            raise NoDataError(
                f"{self.root}: no {kind} data"
                + (f" for {', '.join(symbols)}" if symbols else "")
                + (f" between {start} and {end}" if start or end else "")
                + f"; symbols with {kind}: {', '.join(self.symbols(kind)[:20]) or 'none'}."
            )
        lf = scan_files(files)
        if kind in YEARLY_KINDS and (start or end):
            if start:
                lf = lf.filter(pl.col("date") >= start)
            if end:
                lf = lf.filter(pl.col("date") <= end)
        return lf


def _date_column(frame, kind: str, tz: str):
    import polars as pl

    if kind == "bars" and "date" in frame.columns:
        if "ts" in frame.columns:
            return pl.coalesce(pl.col("date"), local_date_expr("ts", tz))
        return pl.col("date")
    return local_date_expr("ts", tz)


def write_partitions(frame, kind: str, root: str | Path, source_key: str, tz: str) -> list[str]:
    """Write a validated frame into the dataset, one part file per partition; returns the relative paths.

    Parameters
    ----------
    frame : polars.DataFrame
        Canonical, validated rows of one kind.
    kind : str
        Its kind.
    root : str or Path
        Dataset folder.
    source_key : str
        Content hash of the source file; names the part files (re-ingest overwrites them).
    tz : str
        Exchange time zone for the trading date.
    """
    from liqcost.io.atomic import write_parquet_atomic

    import polars as pl

    root = Path(root)
    written: list[str] = []
    if frame.height == 0:
        return written
    if kind in DATED_KINDS or kind in YEARLY_KINDS:
        keyed = frame.with_columns(_date_column(frame, kind, tz).alias("__date"))
        if kind in YEARLY_KINDS:
            keyed = keyed.with_columns(pl.col("__date").alias("date")).with_columns(pl.col("__date").dt.year().alias("__key"))
        else:
            keyed = keyed.with_columns(pl.col("__date").alias("__key"))
        groups = keyed.partition_by(["symbol", "__key"], as_dict=True, maintain_order=True)
        for (sym, key), part in groups.items():
            leaf = f"year={key}" if kind in YEARLY_KINDS else f"date={key.isoformat()}"
            rel = Path(f"kind={kind}") / _sym_dir(sym) / leaf / f"part-{source_key}.parquet"
            write_parquet_atomic(part.drop("__date", "__key"), root / rel)
            written.append(str(rel))
    else:
        for (sym,), part in frame.partition_by(["symbol"], as_dict=True, maintain_order=True).items():
            rel = Path(f"kind={kind}") / _sym_dir(sym) / f"part-{source_key}.parquet"
            write_parquet_atomic(part, root / rel)
            written.append(str(rel))
    return written


def manifest_path(root: Path, kind: str, source: str | Path) -> Path:
    """Where the manifest of one source path lives."""
    key = hashlib.blake2b(str(Path(source).resolve()).encode(), digest_size=8).hexdigest()
    return Path(root) / "_manifest" / kind / f"{key}.json"


def replace_previous(root: Path, kind: str, source: str | Path, new_parts: list[str], source_key: str) -> int:
    """Remove part files a previous ingest of the same source path wrote and this one did not; record the new set.

    Returns the number of stale part files removed.
    """
    from liqcost.io.atomic import write_text_atomic

    mpath = manifest_path(root, kind, source)
    removed = 0
    if mpath.exists():
        try:
            old = json.loads(mpath.read_text())
        except (OSError, ValueError):
            old = {}
        keep = set(new_parts)
        for rel in old.get("parts", []):
            if rel not in keep:
                target = Path(root) / rel
                if target.exists():
                    target.unlink()
                    removed += 1
                    try:
                        target.parent.rmdir()  # drop an emptied date folder
                    except OSError:
                        pass
    write_text_atomic(mpath, json.dumps({"source": str(source), "content_hash": source_key, "parts": new_parts}, indent=1))
    return removed

"""Validate files and commit them into a dataset (``liqcost ingest``), or take sources out of it.

The command's work: refuse a dataset of another layout (with the hint that fixes it), load the column
mapping, then ingest each file as its own commit (rows, quarantine and report together). A file that
cannot be read, is empty or has every row quarantined becomes a report row with its error and the next
file is ingested: the run is then partial (its ``problems`` name each such file). A usage or config
mistake (exit code 2) holds for every file and stops the run. Files no reader needs any more are
vacuumed at the end.

From Python::

    import liqcost as lc
    run = lc.ingest(["sample_data/raw/trades.csv"], "ds", kind="trades")   # IngestRun: run.tables()["ingest"]
    from liqcost.app.ingest import remove
    remove("ds", ["sample_data/raw/trades.csv"])                          # take the source out again
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import ClassVar

from liqcost.result import Problem, Result

__all__ = ["IngestRun", "ingest", "remove", "REPORT_COLUMNS", "DISPLAY_COLUMNS"]

#: every column of the ingest table (what ``--format csv|json|parquet`` and ``--report FILE`` write)
REPORT_COLUMNS = ("source", "kind", "format", "rows_read", "rows_kept", "rows_quarantined", "reasons", "sorted",
                  "locked_flagged", "symbols", "partitions", "rows_replaced", "files_added", "files_removed",
                  "version", "first_ts", "last_ts", "status")
#: the key columns a terminal shows
DISPLAY_COLUMNS = ("source", "kind", "rows_read", "rows_kept", "rows_quarantined", "reasons", "partitions",
                   "rows_replaced", "version", "status")
_REMOVE_COLUMNS = ("source", "kind", "rows_removed", "version")


def _report_schema() -> dict:
    import polars as pl

    s, i = pl.String, pl.Int64
    return {"source": s, "kind": s, "format": s, "rows_read": i, "rows_kept": i, "rows_quarantined": i, "reasons": s,
            "sorted": i, "locked_flagged": i, "symbols": i, "partitions": i, "rows_replaced": i, "files_added": i,
            "files_removed": i, "version": i, "first_ts": s, "last_ts": s, "status": s}


@dataclass(frozen=True, eq=False)
class IngestRun(Result):
    """What an ingest (or a removal) did to a dataset: one row per source.

    Attributes
    ----------
    dataset : str
        The dataset folder.
    table : polars.DataFrame
        For an ingest, per file: rows read = rows kept + rows quarantined, the count per reason
        (``reasons``), rows sorted into time order, locked quotes flagged, symbols, partitions written,
        rows of the source's earlier version replaced, files added and removed, the dataset version
        committed, first and last timestamps and ``status`` (``ok``, ``dry run`` or ``error: ...``).
        For a removal, per source: ``source``, ``kind``, ``rows_removed``, ``version``.
    reports : tuple of liqcost.io.ingest.IngestReport
        The per-file reports (empty for a removal).
    dry_run : bool
        Nothing was written; the table says what would change.
    removed : bool
        The run took sources out (``remove``) instead of ingesting files.
    """

    title: ClassVar[str] = "ingest"
    dataset: str
    table: object
    reports: tuple = ()
    dry_run: bool = False
    removed: bool = False

    def tables(self) -> dict:
        return {"ingest": self.table}

    def display_tables(self) -> dict:
        if self.removed:
            return {"ingest": self.table}
        return {"ingest": self.table.select(*DISPLAY_COLUMNS)}

    @property
    def rows_quarantined(self) -> int:
        """Rows set aside with their reason, over every file (0 for a removal)."""
        return sum(r.rows_quarantined for r in self.reports)

    @property
    def failed(self) -> tuple:
        """The reports of the files not ingested or with no usable row."""
        return tuple(r for r in self.reports if r.failed)

    @property
    def notes(self) -> tuple[str, ...]:
        q = self.rows_quarantined
        if q and not self.dry_run:
            return (f"{q} rows quarantined; see {self.dataset}/_quarantine/ (each row has its reason and source "
                    "line).",)
        return ()

    @property
    def problems(self) -> tuple[Problem, ...]:
        return tuple(Problem("file_not_ingested", r.source, r.error) for r in self.failed)

    def failure(self) -> str | None:
        """One sentence on the files that failed (None for a complete run): the error of exit code 1."""
        failed = self.failed
        if not failed:
            return None
        n = len(self.reports)
        listed = "; ".join(f"{r.source}: {r.error}" for r in failed[:3]) + (" ..." if len(failed) > 3 else "")
        return (f"{len(failed)} of {n} file(s) not ingested or with no usable row ({listed}); "
                + ("the others were ingested." if len(failed) < n else "fix them and run the ingest again."))


def _table(reports, dry_run: bool):
    import polars as pl

    rows = [{
        "source": r.source, "kind": r.kind, "format": r.format, "rows_read": r.rows_read, "rows_kept": r.rows_kept,
        "rows_quarantined": r.rows_quarantined, "reasons": "; ".join(f"{k}: {v}" for k, v in r.reasons.items()),
        "sorted": r.rows_out_of_order_sorted, "locked_flagged": r.locked_quotes_flagged, "symbols": len(r.symbols),
        "partitions": r.partitions_written, "rows_replaced": r.rows_replaced, "files_added": r.files_added,
        "files_removed": r.files_removed, "version": r.version, "first_ts": r.first_ts, "last_ts": r.last_ts,
        "status": ("error: " + r.error) if r.error else ("dry run" if dry_run else "ok"),
    } for r in reports]
    return pl.DataFrame(rows, schema=_report_schema())


def _run(dataset, reports, dry_run: bool) -> IngestRun:
    return IngestRun(str(dataset), _table(reports, dry_run), tuple(reports), dry_run)


def ingest(sources, dataset, *, kind: str | None = None, fmt: str | None = None, mapping=None, config=None,
           source_id: str | None = None, dry_run: bool = False, progress=None) -> IngestRun:
    """Validate ``sources`` and commit each into ``dataset``; bad rows go to the quarantine with a reason.

    Each file is one commit: its rows, quarantine and report become visible together, or (after a crash
    or kill) not at all. Re-ingesting a file replaces exactly its earlier rows.

    Parameters
    ----------
    sources : str, Path or list of them
        The files to ingest.
    dataset : str or Path
        The dataset folder (created if absent).
    kind : {"trades", "quotes", "bars", "fills", "orders"}, optional
        What the files hold (default: ``kind:`` of the mapping).
    fmt : str, optional
        Input format (csv, parquet, dbn, lobster, taq, binance, daily_csv); detected when None.
    mapping : str or Path, optional
        YAML column mapping (see ``configs/mappings/``).
    config : Config, YAML path or None
        Effective configuration (``ingest``, ``session``, ``dataset.vacuum_grace_s``).
    source_id : str, optional
        Identity of the source in the dataset (default: the file's absolute path); one file only.
    dry_run : bool
        Say what would change (rows added and replaced, files) without writing anything.
    progress : callable, optional
        ``progress(total)`` returning a context manager whose value is called once per file.

    Returns
    -------
    IngestRun
        One report row per file; partial (``problems``) when a file could not be ingested or had no usable row.

    Raises
    ------
    liqcost.errors.UsageError
        No file, no kind, ``source_id`` with several files, a bad mapping, or a usage mistake met while
        ingesting (then the exception's ``run`` attribute holds the files ingested before it).
    liqcost.errors.DatasetLayoutError
        A dataset of the old layout or written by a newer liqcost.
    """
    from pathlib import Path

    from liqcost.app import load
    from liqcost.errors import LiqcostError, UsageError

    if isinstance(sources, (str, Path)):
        sources = [sources]
    sources = list(sources)
    if not sources:
        raise UsageError("give the files to ingest.")
    if source_id is not None and len(sources) > 1:
        raise UsageError(f"source_id names one source; {len(sources)} files were given.")
    cfg = load(config)
    from liqcost.io.mapping import load_mapping

    mapping_model = load_mapping(mapping)
    if kind is None and mapping_model.kind is None:
        raise UsageError("say what the files hold with --kind trades|quotes|bars|fills|orders (or kind: in the "
                         "mapping).")
    kind = kind or mapping_model.kind
    from liqcost.io.dataset_log import layout_of, newer_message, v1_message

    layout = layout_of(dataset)
    if layout in ("v1", "newer"):
        from liqcost.errors import DatasetLayoutError

        raise DatasetLayoutError(v1_message(dataset) if layout == "v1" else newer_message(dataset))

    from liqcost.io.ingest import IngestReport, ingest_file

    reports = []
    bar = progress(len(sources)) if progress is not None else contextlib.nullcontext(lambda n=1: None)
    with bar as advance:
        for src in sources:
            try:
                rep = ingest_file(src, kind, dataset, cfg, mapping_model, fmt, source_id=source_id, dry_run=dry_run,
                                  vacuum=False)
            except LiqcostError as exc:
                if exc.exit_code == 2:  # a usage or config mistake holds for every file: stop here
                    exc.run = _run(dataset, reports, dry_run) if reports else None
                    raise
                # this file failed (unreadable, empty ...): a report row with its error, then the next file
                rep = IngestReport(
                    source=str(src), kind=kind, format=fmt or mapping_model.format, rows_read=0, rows_kept=0,
                    rows_quarantined=0, reasons={}, rows_out_of_order_sorted=0, locked_quotes_flagged=0, symbols=[],
                    first_ts=None, last_ts=None, partitions_written=0, quarantine_file=None, content_hash=None,
                    source_id=source_id or "", dry_run=dry_run, error=exc.message,
                )
            reports.append(rep)
            advance()
    if not dry_run and layout_of(dataset) == "v2":
        from liqcost.io.dataset_write import vacuum

        vacuum(dataset, cfg.dataset.vacuum_grace_s)
    return _run(dataset, reports, dry_run)


def remove(dataset, sources, *, kind: str | None = None, config=None) -> IngestRun:
    """Take ``sources`` (ids, or paths of source files) out of ``dataset``: their rows, quarantine and report,
    in one commit; then vacuum.

    Parameters
    ----------
    dataset : str or Path
        The dataset folder.
    sources : str or list of str
        Source ids or paths.
    kind : str, optional
        Only the sources of this kind (by default a source id is removed from every kind holding it).
    config : Config, YAML path or None
        Effective configuration (``dataset.vacuum_grace_s``).

    Returns
    -------
    IngestRun
        ``removed=True``; one row per source and kind removed: ``source``, ``kind``, ``rows_removed``, ``version``.

    Raises
    ------
    liqcost.errors.UsageError
        A source the dataset does not hold (the message names a close id), or a folder that is not a dataset.
    liqcost.errors.DatasetLayoutError
        A dataset of the old layout or written by a newer liqcost.
    """
    import polars as pl

    from liqcost.app import load
    from liqcost.io.dataset_write import vacuum
    from liqcost.io.ingest import remove_sources

    if isinstance(sources, str):
        sources = [sources]
    cfg = load(config)
    done = remove_sources(dataset, [str(s) for s in sources], cfg, kind)
    table = pl.DataFrame(done, schema={"source": pl.String, "kind": pl.String, "rows_removed": pl.Int64,
                                       "version": pl.Int64})
    vacuum(dataset, cfg.dataset.vacuum_grace_s)
    return IngestRun(str(dataset), table, (), False, True)

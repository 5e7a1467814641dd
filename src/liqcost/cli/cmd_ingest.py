"""``liqcost ingest``: validate and normalize files into a Parquet dataset, with a quarantine."""

from __future__ import annotations

import click


@click.command("ingest")
@click.option("--kind", type=click.Choice(["trades", "quotes", "bars", "fills", "orders"]), default=None,
              help="What the files hold (or kind: in the mapping file).")
@click.option("--format-in", "fmt", default=None,
              help="Input format: csv, parquet, dbn, lobster, taq, binance, daily_csv (detected when omitted).")
@click.option("--mapping", type=click.Path(dir_okay=False), default=None,
              help="YAML column mapping (see configs/mappings/).")
@click.option("-d", "--dataset", "dataset", type=click.Path(file_okay=False), default=None,
              help="Dataset folder to write (created if absent).")
@click.option("-o", "--output", "legacy_output", type=click.Path(file_okay=False), default=None,
              help="Deprecated spelling of -d/--dataset (still accepted, with a note).")
@click.option("--report", "report_file", type=click.Path(dir_okay=False), default=None,
              help="Also write the ingest report to this file (format from --format).")
@click.option("--source-id", "source_id", default=None,
              help="Identity of the source in the dataset (default: the file's absolute path); one file only.")
@click.option("--dry-run", is_flag=True, default=False,
              help="Say what would change (rows added and replaced per source, files) without writing anything.")
@click.option("--remove", "remove", multiple=True, metavar="SOURCE",
              help="Take a source (id or path) out of the dataset: its rows, quarantine and report (repeatable).")
@click.argument("sources", nargs=-1, required=False, type=click.Path())
@click.pass_obj
def ingest(state, kind, fmt, mapping, dataset, legacy_output, report_file, source_id, dry_run, remove, sources):
    """Validate SOURCES and commit them into a dataset; bad rows go to a quarantine file with a reason.

    Each file is one commit: its rows, its quarantine and its report become visible together, or (after
    a crash or kill) not at all. Re-ingesting a file replaces exactly its earlier rows, whatever other
    files hold. The report states, per file, rows read = rows kept + rows quarantined, and the count per
    reason. A file that cannot be read, is empty, or has every row quarantined is a report row with its
    error; the other files are still ingested and the command exits with code 1.

    \b
    Examples:
      liqcost ingest --kind trades sample_data/raw/trades.csv -d ds
      liqcost ingest --kind quotes sample_data/raw/quotes.csv -d ds
      liqcost ingest --kind trades --dry-run sample_data/raw/trades.csv -d ds
      liqcost ingest --kind trades --source-id vendor/trades sample_data/raw/trades.csv -d ds
      liqcost ingest --remove vendor/trades -d ds
    """
    from liqcost.cli.output import emit, note
    from liqcost.errors import UsageError

    if legacy_output is not None:
        if dataset is not None and dataset != legacy_output:
            raise UsageError(f"two datasets given: -d {dataset} and -o {legacy_output}; give one, with -d/--dataset.")
        note(state, "ingest -o DATASET is deprecated and will be removed: write -d/--dataset DATASET.")
        dataset = legacy_output
    dataset = dataset or state.output
    if not dataset:
        raise UsageError("say where to write the dataset with -d DATASET.")
    if remove:
        if sources:
            raise UsageError("--remove takes source ids; give the files to ingest in a separate run.")
        if dry_run:
            raise UsageError("--dry-run does not apply to --remove.")
        return _remove(state, dataset, kind, remove)
    if not sources:
        raise UsageError("give the files to ingest (or --remove SOURCE).")
    if source_id is not None and len(sources) > 1:
        raise UsageError(f"--source-id names one source; {len(sources)} files were given.")
    config = state.config()
    from liqcost.io.mapping import load_mapping

    mapping_model = load_mapping(mapping)
    if kind is None and mapping_model.kind is None:
        raise UsageError("say what the files hold with --kind trades|quotes|bars|fills|orders (or kind: in the mapping).")
    kind = kind or mapping_model.kind
    from liqcost.io.dataset_log import layout_of, newer_message, v1_message

    layout = layout_of(dataset)
    if layout in ("v1", "newer"):
        from liqcost.errors import DatasetLayoutError

        raise DatasetLayoutError(v1_message(dataset) if layout == "v1" else newer_message(dataset))

    from liqcost.cli.progress import progress
    from liqcost.errors import LiqcostError
    from liqcost.io.ingest import IngestReport, ingest_file

    reports = []
    with progress(state, len(sources), "ingest") as advance:
        for src in sources:
            try:
                rep = ingest_file(src, kind, dataset, config, mapping_model, fmt, source_id=source_id, dry_run=dry_run,
                                  vacuum=False)
            except LiqcostError as exc:
                if exc.exit_code == 2:  # a usage or config mistake holds for every file: stop here
                    if reports:
                        _emit_reports(state, reports, dataset, report_file, dry_run)
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
    if not dry_run:
        from liqcost.io.dataset_log import layout_of as _layout
        from liqcost.io.dataset_write import vacuum

        if _layout(dataset) == "v2":
            vacuum(dataset, config.dataset.vacuum_grace_s)
    _emit_reports(state, reports, dataset, report_file, dry_run)
    total_q = sum(r.rows_quarantined for r in reports)
    if total_q and not dry_run:
        note(state, f"{total_q} rows quarantined; see {dataset}/_quarantine/ (each row has its reason and source line).")
    failed = [r for r in reports if r.failed]
    if failed:
        from liqcost.errors import DataError

        listed = "; ".join(f"{r.source}: {r.error}" for r in failed[:3]) + (" ..." if len(failed) > 3 else "")
        raise DataError(
            f"{len(failed)} of {len(reports)} file(s) not ingested or with no usable row ({listed}); "
            + ("the others were ingested." if len(failed) < len(reports) else "fix them and run the ingest again.")
        )


def _emit_reports(state, reports, dataset, report_file, dry_run) -> None:
    import polars as pl

    from liqcost.cli.output import emit

    rows = []
    for r in reports:
        rows.append({
            "source": r.source, "kind": r.kind, "format": r.format, "rows_read": r.rows_read, "rows_kept": r.rows_kept,
            "rows_quarantined": r.rows_quarantined,
            "reasons": "; ".join(f"{k}: {v}" for k, v in r.reasons.items()),
            "sorted": r.rows_out_of_order_sorted, "locked_flagged": r.locked_quotes_flagged,
            "symbols": len(r.symbols), "partitions": r.partitions_written, "rows_replaced": r.rows_replaced,
            "files_added": r.files_added, "files_removed": r.files_removed, "version": r.version,
            "first_ts": r.first_ts, "last_ts": r.last_ts,
            "status": ("error: " + r.error) if r.error else ("dry run" if dry_run else "ok"),
        })
    schema = {"source": pl.String, "kind": pl.String, "format": pl.String, "rows_read": pl.Int64, "rows_kept": pl.Int64,
              "rows_quarantined": pl.Int64, "reasons": pl.String, "sorted": pl.Int64, "locked_flagged": pl.Int64,
              "symbols": pl.Int64, "partitions": pl.Int64, "rows_replaced": pl.Int64, "files_added": pl.Int64,
              "files_removed": pl.Int64, "version": pl.Int64, "first_ts": pl.String, "last_ts": pl.String,
              "status": pl.String}
    table = pl.DataFrame(rows, schema=schema)
    if report_file:
        from liqcost.cli import State

        emit(State(None, state.format if state.format != "table" else "json", report_file, state.verbosity), table)
    if state.format == "table":  # the key columns; every column with --format csv, json or parquet
        table = table.select("source", "kind", "rows_read", "rows_kept", "rows_quarantined", "reasons", "partitions",
                             "rows_replaced", "version", "status")
    saved = state.output
    state.output = None
    try:
        emit(state, table, title=f"ingest{' --dry-run' if dry_run else ''} -> {dataset}")
    finally:
        state.output = saved


def _remove(state, dataset, kind, remove) -> None:
    import polars as pl

    from liqcost.cli.output import emit
    from liqcost.io.ingest import remove_sources

    config = state.config()
    done = remove_sources(dataset, list(remove), config, kind)
    table = pl.DataFrame(done, schema={"source": pl.String, "kind": pl.String, "rows_removed": pl.Int64,
                                       "version": pl.Int64})
    from liqcost.io.dataset_write import vacuum

    vacuum(dataset, config.dataset.vacuum_grace_s)
    saved = state.output
    state.output = None
    try:
        emit(state, table, title=f"ingest --remove -> {dataset}")
    finally:
        state.output = saved

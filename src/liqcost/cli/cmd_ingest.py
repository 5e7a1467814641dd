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
    from liqcost.cli.output import note
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
        from liqcost.app.ingest import remove as run_remove

        run_ = run_remove(dataset, list(remove), kind=kind, config=state.config_path)
        _emit(state, run_, f"ingest --remove -> {dataset}")
        return
    if not sources:
        raise UsageError("give the files to ingest (or --remove SOURCE).")
    if source_id is not None and len(sources) > 1:
        raise UsageError(f"--source-id names one source; {len(sources)} files were given.")
    from liqcost.app.ingest import ingest as run
    from liqcost.cli.progress import progress
    from liqcost.errors import LiqcostError

    title = f"ingest{' --dry-run' if dry_run else ''} -> {dataset}"
    try:
        run_ = run(list(sources), dataset, kind=kind, fmt=fmt, mapping=mapping, config=state.config_path,
                   source_id=source_id, dry_run=dry_run, progress=lambda total: progress(state, total, "ingest"))
    except LiqcostError as exc:
        done = getattr(exc, "run", None)  # the files ingested before a usage mistake stopped the run
        if done is not None:
            _emit(state, done, title, report_file)
        raise
    _emit(state, run_, title, report_file)
    for line in run_.notes:
        note(state, line)
    failure = run_.failure()
    if failure:
        from liqcost.errors import DataError

        raise DataError(failure)


def _emit(state, run_, title, report_file=None) -> None:
    """The run's table: every column to ``--report FILE`` (format from --format, JSON for table), the
    terminal's key columns (or every column with --format csv, json or parquet) to stdout, never to -o."""
    from liqcost.cli.output import emit

    table = run_.tables()["ingest"]
    if report_file:
        from liqcost.cli import State

        emit(State(None, state.format if state.format != "table" else "json", report_file, state.verbosity), table)
    if state.format == "table":
        table = run_.display_tables()["ingest"]
    saved = state.output
    state.output = None
    try:
        emit(state, table, title=title)
    finally:
        state.output = saved

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
@click.option("-o", "--output", "dataset", type=click.Path(file_okay=False), default=None,
              help="Dataset folder to write (created if absent).")
@click.option("--report", "report_file", type=click.Path(dir_okay=False), default=None,
              help="Also write the ingest report to this file (format from --format).")
@click.argument("sources", nargs=-1, required=True, type=click.Path())
@click.pass_obj
def ingest(state, kind, fmt, mapping, dataset, report_file, sources):
    """Validate SOURCES and write them into a dataset; bad rows go to a quarantine file with a reason.

    The report states, per file, rows read = rows kept + rows quarantined, and the count per reason.
    Ingesting the same file again replaces its rows (no duplicates).

    \b
    Examples:
      liqcost ingest --kind trades sample_data/raw/trades.csv -o ds
      liqcost ingest --kind quotes --mapping configs/mappings/taq_quotes.yaml q.parquet -o ds
      liqcost ingest --kind trades --format-in lobster AMZN_2012-06-21_34200000_57600000_message_1.csv -o ds
    """
    from liqcost.cli.output import emit, note
    from liqcost.cli.progress import progress
    from liqcost.errors import UsageError
    from liqcost.io.ingest import ingest_file
    from liqcost.io.mapping import load_mapping

    dataset = dataset or state.output
    if not dataset:
        raise UsageError("say where to write the dataset with -o DATASET.")
    config = state.config()
    mapping_model = load_mapping(mapping)
    if kind is None and mapping_model.kind is None:
        raise UsageError("say what the files hold with --kind trades|quotes|bars|fills|orders (or kind: in the mapping).")
    reports = []
    with progress(state, len(sources), "ingest") as advance:
        for src in sources:
            reports.append(ingest_file(src, kind or mapping_model.kind, dataset, config, mapping_model, fmt))
            advance()
    import polars as pl

    rows = []
    for r in reports:
        rows.append({
            "source": r.source, "kind": r.kind, "format": r.format, "rows_read": r.rows_read, "rows_kept": r.rows_kept,
            "rows_quarantined": r.rows_quarantined,
            "reasons": "; ".join(f"{k}: {v}" for k, v in r.reasons.items()),
            "sorted": r.rows_out_of_order_sorted, "locked_flagged": r.locked_quotes_flagged,
            "symbols": len(r.symbols), "partitions": r.partitions_written, "first_ts": r.first_ts, "last_ts": r.last_ts,
        })
    table = pl.DataFrame(rows)
    if report_file:
        from liqcost.cli import State

        emit(State(None, state.format if state.format != "table" else "json", report_file, state.verbosity), table)
    saved = state.output
    state.output = None
    try:
        emit(state, table, title=f"ingest -> {dataset}")
    finally:
        state.output = saved
    total_q = sum(r.rows_quarantined for r in reports)
    if total_q:
        note(state, f"{total_q} rows quarantined; see {dataset}/_quarantine/ (each row has its reason and source line).")

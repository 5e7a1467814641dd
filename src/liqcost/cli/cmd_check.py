"""``liqcost check``: what a dataset holds, which files are damaged and how to repair them; vacuum; migrate."""

from __future__ import annotations

import click


@click.command("check")
@click.option("--data", "dataset", type=click.Path(file_okay=False), required=True,
              help="Dataset folder written by `liqcost ingest`.")
@click.option("--deep", is_flag=True, default=False,
              help="Read every row of every file (default: open every file's footer only).")
@click.option("--vacuum", "do_vacuum", is_flag=True, default=False,
              help="First delete files no reader needs any more: removed by commits, or left by killed writers, "
                   "once older than the grace period.")
@click.option("--grace", type=click.FloatRange(min=0), default=None,
              help="Grace period in seconds for --vacuum (dataset.vacuum_grace_s; 0 deletes them now: only when no "
                   "other liqcost process uses the dataset).")
@click.option("--migrate", is_flag=True, default=False,
              help="Migrate a dataset of the old layout (kind=/symbol=/date= folders) to the current one, in one commit.")
@click.option("--table", type=click.Choice(["all", "kinds", "sources", "findings"]), default="all", show_default=True,
              help="Which table(s) to output.")
@click.pass_obj
def check(state, dataset, deep, do_vacuum, grace, migrate, table):
    """Check a dataset: every damaged or missing file (with its repair: the source to re-ingest), the
    sources and their reports, rows per kind, and files no commit references. Exits with code 1 when a
    file is damaged or missing.

    \b
    Examples:
      liqcost check --data sample_data/dataset
      liqcost check --data sample_data/dataset --deep
      liqcost check --data sample_data/dataset --vacuum --grace 3600
    """
    from liqcost.cli.output import emit, note
    from liqcost.io.dataset_check import check_dataset

    config = state.config()
    if migrate:
        from liqcost.io.dataset_check import migrate_v1

        rep = migrate_v1(dataset, config)
        note(state, f"migrated {dataset}: {rep.sources} sources, {rep.rows} rows in {rep.files_written} files (version "
                    f"{rep.version}); {rep.v1_files_removed} files of the old layout removed.")
        for msg in rep.notes:
            note(state, msg)
        if rep.damaged:
            import warnings

            from liqcost.errors import DamagedFileWarning

            for d in rep.damaged:
                warnings.warn(f"{d} (an old-layout file that cannot be read: not migrated, left on disk)",
                              DamagedFileWarning, stacklevel=2)
    grace_s = config.dataset.vacuum_grace_s if grace is None else grace
    from liqcost.io.dataset_log import layout_of, newer_message, v1_message

    layout = layout_of(dataset)
    if layout in ("v1", "newer"):
        from liqcost.errors import DatasetLayoutError

        raise DatasetLayoutError(v1_message(dataset) if layout == "v1" else newer_message(dataset))
    if layout == "empty":
        from liqcost.errors import NoDataError

        raise NoDataError(f"{dataset}: not a liqcost dataset (no _liqcost/ log); create one with `liqcost ingest`.")
    if do_vacuum:
        from liqcost.io.dataset_write import vacuum

        rep = vacuum(dataset, grace_s)
        note(state, f"vacuum: deleted {len(rep.deleted)} files ({rep.deleted_bytes / 1e6:.1f} MB); {rep.kept_recent} "
                    f"kept until the grace period ({grace_s:g} s) ends; {rep.log_entries_pruned} old log entries pruned.")
    from liqcost.cli.progress import progress
    from liqcost.io.dataset import Dataset

    n = len(Dataset(dataset, must_exist=False).state.files)
    with progress(state, n, "check") as advance:
        result = check_dataset(dataset, deep=deep, grace_s=grace_s, tz=config.session.timezone, progress=advance)
    tables = result.tables()
    if table != "all":
        tables = {table: tables[table]}
    elif state.format == "table":
        tables = {k: v for k, v in tables.items() if k != "findings" or v.height}
    emit(state, tables if len(tables) > 1 else next(iter(tables.values())), title=table if table != "all" else None)
    for line in result.notes:
        note(state, line)
    if result.problems:
        from liqcost.errors import DataError

        n = len(result.problems)
        raise DataError(
            f"{dataset}: {n} damaged or missing file{'s' if n != 1 else ''} (listed in findings with the source to "
            f"re-ingest); every command skips {'them' if n != 1 else 'it'} and exits with code 1 until repaired."
        )

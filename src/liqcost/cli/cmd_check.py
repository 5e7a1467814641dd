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
    from liqcost.app.check import check as run
    from liqcost.cli.output import emit, note
    from liqcost.cli.progress import progress

    run_ = run(dataset, config=state.config_path, deep=deep, vacuum=do_vacuum, grace_s=grace, migrate=migrate,
               progress=lambda total: progress(state, total, "check"))
    for msg in run_.notes:
        note(state, msg)
    if run_.warnings:
        import warnings

        from liqcost.errors import DamagedFileWarning

        for w in run_.warnings:
            warnings.warn(w, DamagedFileWarning, stacklevel=2)
    result = run_.result
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

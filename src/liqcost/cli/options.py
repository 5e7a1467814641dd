"""Option parsers shared by several commands (the same option means the same thing everywhere)."""

from __future__ import annotations

import click


def parse_date(ctx, param, value):
    """Click callback: ``YYYY-MM-DD`` -> ``datetime.date`` (None stays None); a bad value is a usage error."""
    if value is None:
        return None
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def mapping_path(ctx, param, value):
    """Click callback: ``--mapping`` as a file, or the name of a mapping shipped with liqcost (``liqcost config
    mappings``) -> the file's path; neither is a usage error that lists the shipped names."""
    if value is None:
        return None
    from liqcost.data import find_mapping

    return str(find_mapping(value))


def html_option(what: str):
    """The ``--html FILE`` option of a command whose result has an HTML report (``what`` names its sections)."""
    return click.option("--html", "html", type=click.Path(dir_okay=False), default=None,
                        help=f"Also write a self-contained HTML report ({what}) to FILE.")


def write_html(state, report, path) -> None:
    """Render ``report`` (a :class:`liqcost.report.Report`) to ``path`` atomically, with a spinner, and say where."""
    from liqcost.app.report import write_report
    from liqcost.cli.output import note
    from liqcost.cli.progress import step

    with step(state, "writing the HTML report"):
        size = write_report(report, path)
    note(state, f"wrote the HTML report ({len(report.charts)} charts, {size / 1024:.0f} kB) to {path}")


def engine_options(what: str):
    """``--workers``, ``--scheduler tcp://HOST:PORT`` and ``--cluster local:N`` (the engine options of ``profile``),
    ``what`` saying what runs on the cluster."""
    def deco(f):
        f = click.option("--cluster", default=None, metavar="local:N",
                         help="Start N local Dask worker processes for this run (engine.scheduler = local:N).")(f)
        f = click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
                         help=f"Run {what} on this Dask scheduler (engine.scheduler; needs liqcost[dask]; the dataset "
                              "must be at the same path on every worker).")(f)
        return click.option("--workers", type=click.IntRange(min=0), default=None,
                            help="Threads (engine.workers; 0 = one per core).")(f)
    return deco


def scheduler_value(scheduler, cluster):
    """The ``engine.scheduler`` of ``--scheduler`` / ``--cluster`` (None when neither); wrong values are usage errors."""
    from liqcost.errors import UsageError

    if scheduler and cluster:
        raise UsageError("give --scheduler (an existing Dask cluster) or --cluster local:N (a new one), not both.")
    if cluster is not None and not cluster.strip().startswith("local:"):
        raise UsageError(f"--cluster {cluster}: expected local:N (N local worker processes); for an existing "
                         "cluster use --scheduler tcp://HOST:PORT.")
    if scheduler is not None and scheduler.strip().startswith("local:"):
        raise UsageError(f"--scheduler {scheduler}: expected tcp://HOST:PORT; for local worker processes use "
                         f"--cluster {scheduler}.")
    return scheduler or cluster

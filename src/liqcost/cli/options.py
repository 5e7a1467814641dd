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

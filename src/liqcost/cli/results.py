"""Showing a command's result: its tables in the chosen format, its notes, and the inputs it could not use.

Every command that returns a :class:`liqcost.result.Result` ends here, so the same situation reads the same
everywhere: notes on stderr (``note: ...``, silenced by ``-q``), one ``Warning: <where>: <what to do>`` line
per input that could not be used (never silenced), the tables on stdout (``--format table`` shows the
result's ``display_tables()``, the other formats every column of ``tables()``), and exit code 1 when the
result is partial.
"""

from __future__ import annotations

import click

__all__ = ["render"]


def render(state, result, tables: dict, display: dict | None = None, *, title: str | None = None,
           notes=None, what: str = "orders", failure: str | None = None) -> None:
    """Write ``tables`` (or ``display`` in table format); print notes and problems; fail when partial.

    Parameters
    ----------
    state : liqcost.cli.State
    result : liqcost.result.Result
    tables, display : dict of str to polars.DataFrame
        Every column, and the terminal's view (default: ``tables``). One table is written bare (JSON: a
        list of records), several as named tables.
    title : str, optional
        Title of a single table in the terminal.
    notes : list of str, optional
        Notes to print (default: the result's).
    what : str
        What the problems are about, for the closing line (``orders``).
    failure : str, optional
        The closing line when the result is partial, instead of the default (e.g. with the counts of rows set
        aside).

    Raises
    ------
    liqcost.errors.DataError
        After the output is written, when some input could not be used (exit code 1).
    """
    from liqcost.cli.output import emit, note
    from liqcost.errors import DataError

    for problem in result.problems:
        click.echo(f"Warning: {problem}", err=True)
    for n in result.notes if notes is None else notes:
        note(state, f"note: {n}")
    chosen = display if display is not None and state.format == "table" else tables
    if len(chosen) == 1:
        name, frame = next(iter(chosen.items()))
        emit(state, frame, title=title or name, name=name)
    else:
        emit(state, chosen)
    if result.partial and failure:
        raise DataError(failure)
    if result.partial:
        k = len(result.problems)
        raise DataError(f"{k} of the {what} could not be used (each is listed above with what to do); "
                        "the others were processed.")

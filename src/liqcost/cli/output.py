"""Writing results: the same tables as a terminal table, CSV, JSON or Parquet, to stdout or ``-o FILE``.

The output contract (``docs/report.md``):

- **table** (default): every table, each laid out to fit the terminal (``COLUMNS`` or the terminal's width; no
  limit when stdout is not a terminal), numbers formatted by unit, severities coloured on a terminal unless
  ``NO_COLOR`` is set. The same renderer as ``str(result)`` (:mod:`liqcost.render`).
- **csv** to stdout: exactly one table, the main one (a note on stderr names the others and how to get them).
- **-o NAME.ext** with several tables (csv, parquet): the main table goes to ``NAME.ext`` exactly and each other
  table to ``NAME.TABLE.ext`` (``-o plan.csv`` writes ``plan.csv`` and ``plan.summary.csv``).
- **json**: one object, ``{"liqcost_version", "schema_version", "tables": {name: [records]}}``, NaN as null.
- **parquet**: the liqcost version, schema version, table name and currency in each file's key-value metadata.
- money columns are named with the configured currency (``session.currency``): ``cost_central_usd`` becomes
  ``cost_central_usdt`` under a USDT config, in every format.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import textwrap
from pathlib import Path

import click

from liqcost.errors import UsageError
from liqcost.render import rename_currency

__all__ = [
    "emit",
    "note",
    "to_records",
    "envelope",
    "rename_currency",
    "output_paths",
    "use_color",
    "console_width",
    "parquet_metadata",
]

log = logging.getLogger("liqcost.cli.output")

#: what the terminal says about columns it left out
MORE_COLUMNS_HINT = "see every column with --format csv or json, or -o FILE, or in a wider terminal (COLUMNS)"


# ------------------------------------------------------------------------------------------ terminal


def use_color(stream=None) -> bool:
    """ANSI colour on ``stream`` (stdout by default): a terminal, ``NO_COLOR`` unset, ``TERM`` not dumb.

    ``FORCE_COLOR`` (non-empty) turns colour on even when the stream is not a terminal.
    """
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = stream if stream is not None else sys.stdout
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return bool(tty) and os.environ.get("TERM", "") != "dumb"


def console_width(stream=None) -> int | None:
    """Characters per line for tables: ``COLUMNS`` if set, else the terminal's width; None (no limit) when
    the stream is not a terminal (a file or a pipe gets every column)."""
    env = os.environ.get("COLUMNS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    stream = stream if stream is not None else sys.stdout
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        pass
    return None


def note(state, message: str) -> None:
    """A human note on stderr (suppressed by -q), wrapped to the terminal's width."""
    if state is not None and state.quiet:
        return
    width = console_width(sys.stderr)
    if width and any(len(line) > width for line in message.splitlines()):
        message = "\n".join(
            textwrap.fill(line, width, subsequent_indent="  ", break_on_hyphens=False, break_long_words=False)
            for line in message.splitlines()
        )
    click.echo(message, err=True)


# ------------------------------------------------------------------------------------------ contract


def _json_default(value):
    import datetime as dt

    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return str(value)


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def to_records(frame) -> list[dict]:
    """Rows as dicts with NaN/inf as null (valid JSON)."""
    return [_clean(r) for r in frame.to_dicts()]


def _versions() -> dict:
    from liqcost import __version__
    from liqcost.schema import SCHEMA_VERSION

    return {"liqcost_version": __version__, "schema_version": SCHEMA_VERSION}


def envelope(tables: dict) -> dict:
    """The JSON document of named tables: ``{"liqcost_version", "schema_version", "tables": {name: records}}``."""
    return {**_versions(), "tables": {name: to_records(frame) for name, frame in tables.items()}}


def parquet_metadata(table: str, currency: str = "USD") -> dict[str, str]:
    """Key-value metadata of a Parquet output: liqcost and schema versions, the table's name, the currency."""
    v = _versions()
    return {
        "liqcost_version": str(v["liqcost_version"]),
        "liqcost_schema_version": str(v["schema_version"]),
        "liqcost_table": table,
        "liqcost_currency": currency,
    }


def output_paths(output: str, names: list[str], suffix: str) -> list[Path]:
    """Files for ``-o output`` with tables ``names`` (main first): ``NAME.ext``, then ``NAME.TABLE.ext``."""
    out = Path(output)
    ext = out.suffix or suffix
    stem = out.name[: -len(out.suffix)] if out.suffix else out.name
    main = out if out.suffix else out.with_name(stem + ext)
    return [main] + [out.with_name(f"{stem}.{name}{ext}") for name in names[1:]]


class _Settings:
    """What output needs from the config: the currency and the tick sizes (defaults if it cannot load)."""

    def __init__(self, state):
        from liqcost.render import PriceTicks

        self.currency = "USD"
        self.ticks = PriceTicks()
        if state is None or not hasattr(state, "config"):
            return
        try:
            cfg = state.config()
        except Exception as exc:  # noqa: BLE001 - the command reports a bad config itself
            log.debug("output settings from defaults (config did not load: %s)", exc)
            return
        self.currency = getattr(cfg.session, "currency", "USD")
        self.ticks = PriceTicks.from_config(cfg)


def _settings(state) -> _Settings:
    cached = getattr(state, "_output_settings", None) if state is not None else None
    if cached is None:
        cached = _Settings(state)
        if state is not None:
            try:
                state._output_settings = cached
            except AttributeError:
                pass
    return cached


def _command():
    """The running click command (for its name and whether it has a ``--table`` option), or None."""
    ctx = click.get_current_context(silent=True)
    return ctx


def _single_name(title: str | None, name: str | None) -> str:
    if name:
        return name
    if title and title.isidentifier():
        return title
    ctx = _command()
    return ctx.info_name if ctx is not None and ctx.info_name else "result"


def _has_table_option(ctx) -> bool:
    return ctx is not None and any(getattr(p, "name", None) == "table" for p in ctx.command.params)


def _normalise(result, title, name):
    """(tables, single, notes): a DataFrame, a dict of DataFrames or a liqcost Result."""
    from liqcost.result import Result

    notes: tuple[str, ...] = ()
    if isinstance(result, Result):
        notes = tuple(result.notes) + tuple(str(p) for p in result.problems)
        result = dict(result.tables())
    if isinstance(result, dict):
        return dict(result), False, notes
    return {_single_name(title, name): result}, True, notes


# ------------------------------------------------------------------------------------------ emit


def emit(state, result, title: str | None = None, max_rows: int = 200, name: str | None = None) -> None:
    """Write ``result`` in the chosen format (see the module docstring for the contract).

    Parameters
    ----------
    state : liqcost.cli.State
        Holds ``format``, ``output``, ``quiet`` and the config from the global options.
    result : polars.DataFrame, dict[str, polars.DataFrame] or liqcost.result.Result
        What to write; for a dict or a Result the first table is the main one.
    title : str, optional
        Title of a single table on the terminal (and its name in JSON when it is an identifier).
    max_rows : int
        Rows per table on the terminal.
    name : str, optional
        Name of a single table in JSON, Parquet metadata and the note on other tables (default: the title
        when it is an identifier, else the command's name).
    """
    from liqcost.io.atomic import atomic_path, write_text_atomic

    fmt = state.format if state is not None else "table"
    output = state.output if state is not None else None
    tables, single, result_notes = _normalise(result, title, name)
    settings = _settings(state)
    tables = {n: rename_currency(f, settings.currency) for n, f in tables.items()}
    names = list(tables)

    if fmt == "parquet":
        if not output:
            raise UsageError("--format parquet needs -o FILE (Parquet is binary and cannot go to the terminal).")
        for path, (tname, frame) in zip(output_paths(output, names, ".parquet"), tables.items()):
            with atomic_path(path) as tmp:
                frame.write_parquet(tmp, compression="zstd", metadata=parquet_metadata(tname, settings.currency))
            note(state, f"wrote {frame.height} rows to {path}")
            log.info("%s: %d rows x %d columns (table %s)", path, frame.height, frame.width, tname)
    elif fmt == "csv":
        if output:
            for path, frame in zip(output_paths(output, names, ".csv"), tables.values()):
                with atomic_path(path) as tmp:
                    _csv_frame(frame).write_csv(tmp)
                note(state, f"wrote {frame.height} rows to {path}")
                log.info("%s: %d rows x %d columns", path, frame.height, frame.width)
        else:
            main = next(iter(tables.values()))
            click.echo(_csv_frame(main).write_csv(), nl=False)
            if len(names) > 1:
                note(state, _other_tables_note(names))
    elif fmt == "json":
        text = json.dumps(envelope(tables), default=_json_default, indent=1)
        if output:
            write_text_atomic(output, text + "\n")
            note(state, f"wrote {output}")
        else:
            click.echo(text)
    else:
        text = render_tables(tables, single=single, title=title, max_rows=max_rows, output=output, settings=settings)
        if output:
            write_text_atomic(output, text)
            note(state, f"wrote {output}")
        else:
            click.echo(text, nl=False)
    for n in result_notes:
        note(state, f"note: {n}")


def render_tables(tables: dict, *, single: bool = False, title: str | None = None, max_rows: int = 200,
                  output: str | None = None, settings: _Settings | None = None) -> str:
    """The terminal text of named tables: each titled by its name (a single table by ``title``)."""
    from liqcost.render import render_text

    settings = settings or _Settings(None)
    to_file = output is not None
    width = None if to_file else console_width()
    color = False if to_file else use_color()
    parts = []
    for n, frame in tables.items():
        head = (title if single else n)
        parts.append(render_text(frame, title=head, width=width, max_rows=max_rows, color=color,
                                 currency=settings.currency, ticks=settings.ticks, more_hint=MORE_COLUMNS_HINT))
    return "\n".join(parts)


def _other_tables_note(names: list[str]) -> str:
    ctx = _command()
    others = ", ".join(names[1:])
    ways = []
    if _has_table_option(ctx):
        ways.append("choose one with --table NAME")
    ways.append("write them all with -o NAME.csv (NAME.TABLE.csv for each other table)")
    ways.append("or use --format json")
    return f"note: CSV on stdout holds one table ({names[0]}); not written: {others}; " + ", ".join(ways) + "."


def _csv_frame(frame):
    """CSV cannot hold list columns: join them with ';'."""
    import polars as pl

    lists = [c for c, t in frame.schema.items() if isinstance(t, pl.List)]
    if not lists:
        return frame
    return frame.with_columns(
        [pl.col(c).cast(pl.List(pl.String)).list.join(";").alias(c) for c in lists]
    )


def _fmt_cell(value, name: str | None = None) -> str:
    """One value as the terminal shows it; with its column ``name`` formatted by the unit in the name."""
    from liqcost.render import column_kind, format_value

    if name is None:
        return format_value(value, "number")
    return format_value(value, column_kind(name))

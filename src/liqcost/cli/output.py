"""Writing results: the same tables as a terminal table, CSV, JSON or Parquet, to stdout or ``-o FILE``.

A result is one polars DataFrame or an ordered mapping of named DataFrames. JSON output is a list of
records for one table and an object of named tables for several. CSV and Parquet with several tables
and ``-o out.csv`` write ``out.<name>.csv`` per table; Parquet needs ``-o`` (it is binary).
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import click

from liqcost.errors import UsageError

__all__ = ["emit", "note", "to_records"]


def note(state, message: str) -> None:
    """A human note on stderr (suppressed by -q)."""
    if state is None or not state.quiet:
        click.echo(message, err=True)


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


def _render_table(frame, title: str | None, max_rows: int) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    numeric = {c for c, t in frame.schema.items() if t.is_numeric()}
    shown = frame.head(max_rows) if frame.height > max_rows else frame
    cells = [[_fmt_cell(v) for v in row] for row in shown.iter_rows()]
    widths = []
    for j, col in enumerate(frame.columns):
        longest = max([len(col)] + [len(r[j]) for r in cells])
        widths.append(min(longest, 60))
        table.add_column(col, justify="right" if col in numeric else "left", overflow="fold", no_wrap=longest <= 60)
    for row in cells:
        table.add_row(*row)
    width = max(60, min(400, sum(w + 3 for w in widths) + 1))
    console = Console(record=True, width=width, file=io.StringIO())
    console.print(table)
    if frame.height > max_rows:
        console.print(f"... {frame.height - max_rows} more rows (use --format csv or -o FILE for all)")
    return console.export_text()


def _fmt_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if not math.isfinite(value):
            return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        a = abs(value)
        if a != 0 and (a >= 1e7 or a < 1e-3):
            return f"{value:.4g}"
        if a >= 1000:
            return f"{value:,.0f}"
        return f"{value:.4g}" if a < 1 else f"{value:.2f}"
    if isinstance(value, list):
        inner = ", ".join(_fmt_cell(v) for v in value[:6])
        return f"[{inner}{', ...' if len(value) > 6 else ''}]"
    return str(value)


def emit(state, result, title: str | None = None, max_rows: int = 200) -> None:
    """Write ``result`` (a DataFrame or a dict of named DataFrames) in the chosen format.

    Parameters
    ----------
    state : liqcost.cli.State
        Holds ``format`` and ``output`` from the global options.
    result : polars.DataFrame or dict[str, polars.DataFrame]
        What to write.
    title : str, optional
        Title for a single table in ``table`` format.
    """
    from liqcost.io.atomic import atomic_path, write_text_atomic

    fmt = state.format if state is not None else "table"
    output = state.output if state is not None else None
    tables = result if isinstance(result, dict) else {title or "result": result}
    single = not isinstance(result, dict)

    if fmt == "parquet":
        if not output:
            raise UsageError("--format parquet needs -o FILE (Parquet is binary and cannot go to the terminal).")
        for path, frame in _paths(output, tables, single, ".parquet"):
            with atomic_path(path) as tmp:
                frame.write_parquet(tmp, compression="zstd")
            note(state, f"wrote {frame.height} rows to {path}")
        return
    if fmt == "csv":
        if output:
            for path, frame in _paths(output, tables, single, ".csv"):
                with atomic_path(path) as tmp:
                    _csv_frame(frame).write_csv(tmp)
                note(state, f"wrote {frame.height} rows to {path}")
            return
        parts = []
        for name, frame in tables.items():
            if not single:
                parts.append(f"# {name}")
            parts.append(_csv_frame(frame).write_csv())
        click.echo("".join(p if p.endswith("\n") else p + "\n" for p in parts), nl=False)
        return
    if fmt == "json":
        payload = to_records(next(iter(tables.values()))) if single else {n: to_records(f) for n, f in tables.items()}
        text = json.dumps(payload, default=_json_default, indent=1)
        if output:
            write_text_atomic(output, text + "\n")
            note(state, f"wrote {output}")
        else:
            click.echo(text)
        return
    # table
    text = "".join(_render_table(f, None if single and title is None else (title if single else n), max_rows) for n, f in tables.items())
    if output:
        write_text_atomic(output, text)
        note(state, f"wrote {output}")
    else:
        click.echo(text, nl=False)


def _csv_frame(frame):
    """CSV cannot hold list columns: join them with ';'."""
    import polars as pl

    lists = [c for c, t in frame.schema.items() if isinstance(t, pl.List)]
    if not lists:
        return frame
    return frame.with_columns(
        [pl.col(c).cast(pl.List(pl.String)).list.join(";").alias(c) for c in lists]
    )


def _paths(output: str, tables: dict, single: bool, suffix: str):
    out = Path(output)
    if single:
        yield out, next(iter(tables.values()))
        return
    stem = out.name[: -len(out.suffix)] if out.suffix else out.name
    ext = out.suffix or suffix
    for name, frame in tables.items():
        yield out.with_name(f"{stem}.{name}{ext}"), frame

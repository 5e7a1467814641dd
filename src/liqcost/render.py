"""Text rendering of tables for ``str(result)`` and the terminal (no colour, fixed width).

The command line's coloured, terminal-aware rendering builds on this; a result's ``str()`` is this.
"""

from __future__ import annotations

import io
import math

__all__ = ["render_text", "format_cell"]


def format_cell(value) -> str:
    """One value as text: thousands separators for large numbers, four significant digits for small."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        a = abs(value)
        if a != 0 and (a >= 1e9 or a < 1e-3):
            return f"{value:.4g}"
        if a >= 1000:
            return f"{value:,.0f}"
        return f"{value:.4g}" if a < 1 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        inner = ", ".join(format_cell(v) for v in value[:6])
        return f"[{inner}{', ...' if len(value) > 6 else ''}]"
    return str(value)


def render_text(frame, title: str | None = None, width: int = 100, max_rows: int = 200) -> str:
    """``frame`` as a plain text table no wider than ``width``; a one-row frame is shown as name/value pairs."""
    import polars as pl
    from rich.console import Console
    from rich.table import Table

    if frame.height == 1 and frame.width > 4:
        frame = pl.DataFrame({"field": frame.columns, "value": [format_cell(v) for v in frame.row(0)]})
    table = Table(title=title, header_style="bold")
    numeric = {c for c, t in frame.schema.items() if t.is_numeric()}
    for col in frame.columns:
        table.add_column(col, justify="right" if col in numeric else "left", overflow="fold")
    for row in frame.head(max_rows).iter_rows():
        table.add_row(*[format_cell(v) for v in row])
    console = Console(record=True, width=width, file=io.StringIO(), color_system=None)
    console.print(table)
    if frame.height > max_rows:
        console.print(f"... {frame.height - max_rows} more rows")
    return console.export_text()

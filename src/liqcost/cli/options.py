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

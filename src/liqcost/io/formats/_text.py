"""Reading delimited text exactly: one string per physical line, fields split without guessing types.

Vendor text formats are read as text and parsed column by column, so that a value that does not parse
becomes a reason on its row instead of a silent null, and so that the line number of every row is
exact (blank lines are kept as rows; a trailing newline adds none).
"""

from __future__ import annotations

from pathlib import Path

from liqcost.errors import EmptyDataError, FileFormatError

__all__ = ["check_field_count", "decimal_to_int", "read_lines", "split_fields"]

LINE = "_line"


def read_lines(data: bytes, source: str):
    """A one-column frame ``_line`` (String) with every physical line of ``data``, plus ``_row`` (1-based).

    Trailing blank lines are removed; ``\\r`` line ends are stripped.
    """
    import polars as pl

    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            separator="\x1f",
            quote_char=None,
            schema={LINE: pl.String},
            raise_if_empty=False,
            encoding="utf8-lossy",
        )
    except pl.exceptions.ComputeError as exc:  # pragma: no cover - text read as one column rarely fails
        first = str(exc).strip().splitlines()[0]
        raise FileFormatError(f"{source}: cannot be read as text ({first}).") from None
    frame = frame.with_row_index("_row", offset=1).with_columns(
        pl.col("_row").cast(pl.Int64), pl.col(LINE).str.strip_chars_end("\r")
    )
    # drop blank lines at the very end only (an editor's extra newline); blank lines inside stay rows
    blank = pl.col(LINE).is_null() | (pl.col(LINE).str.strip_chars() == "")
    nonblank_rows = frame.filter(~blank).get_column("_row")
    if nonblank_rows.len() == 0:
        raise EmptyDataError(f"{source}: the file holds no lines of data; nothing to ingest.")
    return frame.filter(pl.col("_row") <= nonblank_rows.max())


def check_field_count(lines, n: int, source: str, what: str, sep: str = ",") -> None:
    """Raise FileFormatError naming the first line whose field count is not ``n``."""
    import polars as pl

    counts = lines.select(
        pl.col("_row"), (pl.col(LINE).fill_null("").str.count_matches(sep, literal=True) + 1).alias("_n")
    ).filter(pl.col("_n") != n)
    if counts.height:
        row, got = counts.row(0)
        raise FileFormatError(
            f"{source} line {row}: {got} fields, expected {n} ({what}); {counts.height} line(s) have the wrong"
            " number of fields, so the file is damaged or not in this format. Check that you passed the right"
            " file (and level), or re-export it."
        )


def split_fields(lines, names: list[str], sep: str = ","):
    """Split ``_line`` into String columns ``names`` (after :func:`check_field_count`)."""
    import polars as pl

    n = len(names)
    return lines.with_columns(
        pl.col(LINE).str.split_exact(sep, n - 1).struct.rename_fields(names).alias("_f")
    ).unnest("_f")


def decimal_to_int(text, scale_digits: int):
    """Exact decimal text (``'34200.18960767'``) -> integer in units of 10**-scale_digits (Int64).

    Returns ``(value_expr, ok_expr)``; digits beyond ``scale_digits`` are truncated. No float is involved.
    """
    import polars as pl

    t = text.str.strip_chars()
    m = t.str.extract_groups(r"^([+-]?)(\d+)(?:\.(\d*))?$")
    sign = pl.when(m.struct.field("1") == "-").then(-1).otherwise(1)
    whole = m.struct.field("2").cast(pl.Int64, strict=False)
    frac = m.struct.field("3").fill_null("").str.slice(0, scale_digits).str.pad_end(scale_digits, "0")
    frac_int = frac.cast(pl.Int64, strict=False) if scale_digits else pl.lit(0, pl.Int64)
    value = sign * (whole * (10**scale_digits) + frac_int)
    ok = whole.is_not_null()
    return value, ok


def path_name(path) -> str:
    return Path(str(path)).name

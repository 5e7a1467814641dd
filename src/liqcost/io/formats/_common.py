"""Pieces shared by the vendor-format readers: the options base class, the output contract, reasons.

Every reader returns the canonical columns of its kind (names and dtypes of :mod:`liqcost.schema`)
plus three bookkeeping columns the ingest pipeline understands:

``_row``
    Int64, 1-based position of the source record the output row came from: the physical line number
    in a text file (a header line counts, so ``sed -n '<row>p' file`` shows it), the record number in
    a Parquet or DBN file.
``_reason``
    String, null when the reader accepts the row, otherwise one short reason; ingest sends the row to
    the quarantine file and counts it by the reason's leading words (the part before the first
    ``(`` or quote), so reasons are written *category first, particulars after*:
    ``out-of-sequence sale condition 'Z'``, ``corrected trade (CORR=01)``.
``trade_id`` (trades, when the feed has one)
    the feed's trade id or sequence number, kept in the dataset: it tells apart two genuine prints
    whose other columns are equal (two 100-share prints in the same millisecond are common), so the
    ingest's exact-duplicate rule does not take them for duplicates. Readers of feeds without ids set
    the module constant ``DUPLICATES = "keep"`` instead (every record of such a file is an event).
"""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from liqcost.errors import EmptyDataError, FileFormatError, UsageError
from liqcost.schema import CONTRACTS

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

__all__ = [
    "REASON",
    "ROW",
    "UID",
    "FormatOptions",
    "check_file",
    "check_kind",
    "empty_frame",
    "exact_divide",
    "finalize",
    "first_reason",
    "local_ns_to_utc",
    "read_bytes",
]

ROW = "_row"
REASON = "_reason"
UID = "_uid"


class FormatOptions(BaseModel):
    """Base of every reader's ``Options``: frozen, unknown keys are errors, every field documented."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def check_kind(fmt: str, kinds: tuple[str, ...], kind: str, path) -> None:
    """Raise a UsageError when ``kind`` is not one the reader makes."""
    if kind not in kinds:
        raise UsageError(
            f"{path}: the {fmt} reader makes {', '.join(kinds)}, not {kind}; pass --kind "
            + " or --kind ".join(kinds)
            + "."
        )


def check_file(path) -> Path:
    """The path as a Path; clear errors for a missing path, a folder, or an empty file."""
    p = Path(path)
    if not p.exists():
        raise FileFormatError(f"{p}: file not found; check the path.")
    if p.is_dir():
        raise FileFormatError(f"{p}: is a directory; pass the files inside it (a shell glob works: {p}/*).")
    if p.stat().st_size == 0:
        raise EmptyDataError(f"{p}: the file is empty (0 bytes); nothing to ingest.")
    return p


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it is a gzip file (magic 1f 8b)."""
    with open(path, "rb") as f:
        head = f.read(2)
    if head == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as f:
                return f.read()
        except (OSError, EOFError) as exc:
            raise FileFormatError(
                f"{path}: the gzip stream is damaged or truncated ({exc}); download or copy the file again."
            ) from None
    return path.read_bytes()


def open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise FileFormatError(f"{path}: not a readable zip archive ({exc}); download the archive again.") from None


def zip_member_bytes(zf: zipfile.ZipFile, name: str, path: Path) -> bytes:
    try:
        return zf.read(name)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise FileFormatError(f"{path}: member {name} cannot be extracted ({exc}); the archive is damaged.") from None


def as_buffer(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def first_reason(*pairs) -> pl.Expr:
    """A reason expression: the text of the first ``(condition, text)`` pair that holds, else null.

    ``text`` may be a string or a polars string expression.
    """
    import polars as pl

    expr = pl.lit(None, pl.String)
    for cond, text in reversed(pairs):
        value = pl.lit(text, pl.String) if isinstance(text, str) else text
        expr = pl.when(cond.fill_null(False)).then(value).otherwise(expr)
    return expr


def local_ns_to_utc(date_col: pl.Expr, ns_col: pl.Expr, tz: str) -> pl.Expr:
    """Wall-clock ``date + ns after local midnight`` in ``tz`` -> ``Datetime('ns', 'UTC')``, exactly.

    The arithmetic is integer nanoseconds throughout (no float seconds).
    """
    import polars as pl

    local = date_col.cast(pl.Datetime("ns")) + pl.duration(nanoseconds=ns_col)
    return local.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null").dt.convert_time_zone("UTC")


def exact_divide(expr, divisor: float) -> pl.Expr:
    """``expr / divisor`` as Float64, correctly rounded (IEEE division, element by element).

    Vendor prices are integers in fixed-point units (LOBSTER: 1/10,000 dollar; DBN: 1e-9). Dividing by the
    exact power of ten gives the double nearest to the decimal price (``2238200 / 10000 -> 223.82``).
    polars' vectorized division by a scalar multiplies by the reciprocal instead, which is off by one
    unit in the last place for about a third of such prices (``223.82000000000002``), so this divides in
    numpy.
    """
    import numpy as np
    import polars as pl

    def _div(s: pl.Series) -> pl.Series:
        mask = s.is_null().to_numpy()
        values = np.true_divide(s.cast(pl.Float64).fill_null(0.0).to_numpy(), float(divisor))
        out = pl.Series(s.name, values, dtype=pl.Float64)
        return out.scatter(np.flatnonzero(mask), None) if mask.any() else out

    return expr.map_batches(_div, return_dtype=pl.Float64)


def empty_frame(kind: str, extra: dict | None = None) -> pl.DataFrame:
    """A zero-row frame with the required columns of ``kind`` and the bookkeeping columns."""
    import polars as pl

    contract = CONTRACTS[kind]
    schema = contract.polars_schema(contract.required)
    schema.update(extra or {})
    schema.update({ROW: pl.Int64, REASON: pl.String})
    return pl.DataFrame(schema=schema)


def finalize(frame, kind: str, source) -> pl.DataFrame:
    """Cast a reader's frame to the contract of ``kind`` and put the columns in contract order.

    Canonical columns present in ``frame`` are kept (required ones must be there), cast to the
    contract's dtype; an internal ``_uid`` (the feed's trade id) becomes ``trade_id`` for trades;
    ``_row`` and ``_reason`` follow. Anything else is dropped.
    """
    import polars as pl

    contract = CONTRACTS[kind]
    lf = frame.lazy() if isinstance(frame, pl.DataFrame) else frame
    names = lf.collect_schema().names()
    missing = [c for c in contract.required if c not in names]
    if missing:  # pragma: no cover - a reader bug, not a user error
        raise AssertionError(f"{source}: reader produced no {missing} for {kind}")
    cols = []
    for col in contract.columns:
        if col.name in names:
            cols.append(pl.col(col.name).cast(contract.polars_schema([col.name])[col.name]))
    if kind == "trades" and UID in names and "trade_id" not in names:
        pos = [c.name for c in contract.columns if c.name in names or c.name == "trade_id"].index("trade_id")
        cols.insert(pos, pl.col(UID).cast(pl.String).alias("trade_id"))
    cols.append(pl.col(ROW).cast(pl.Int64))
    cols.append((pl.col(REASON) if REASON in names else pl.lit(None)).cast(pl.String).alias(REASON))
    out = lf.select(cols)
    return out.collect() if isinstance(out, pl.LazyFrame) else out

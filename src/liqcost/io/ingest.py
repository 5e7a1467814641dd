"""Ingest: read a source file (generic CSV/Parquet with a mapping, or a vendor format), validate it,
quarantine what fails, and write the rest into a dataset.

Python API::

    from liqcost.io.ingest import ingest_file, load_table
    report = ingest_file("trades.csv", "trades", "my_dataset", config)
    orders, quarantine = load_table("orders.csv", "orders", config)    # validated, not written

Every source gets an :class:`IngestReport` whose counts always add up:
``rows_read == rows_kept + rows_quarantined``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

from liqcost.errors import DataQualityWarning, UsageError
from liqcost.io.mapping import Mapping, load_mapping

__all__ = ["IngestReport", "ingest_file", "read_source", "load_table", "resolve_format"]

GENERIC = ("csv", "parquet")


@dataclass
class IngestReport:
    """Counts and locations of one ingested source."""

    source: str
    kind: str
    format: str
    rows_read: int
    rows_kept: int
    rows_quarantined: int
    reasons: dict
    rows_out_of_order_sorted: int
    locked_quotes_flagged: int
    symbols: list
    first_ts: str | None
    last_ts: str | None
    partitions_written: int
    stale_parts_removed: int
    quarantine_file: str | None
    content_hash: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _vendor_module(name: str):
    try:
        formats = importlib.import_module("liqcost.io.formats")
    except ImportError:  # pragma: no cover - the formats package ships with liqcost
        return None
    getter = getattr(formats, "get_reader", None)
    if getter is None or name not in getattr(formats, "FORMATS", {}):
        return None
    return getter(name)


def _known_formats() -> list[str]:
    try:
        formats = importlib.import_module("liqcost.io.formats")
        return list(GENERIC) + list(getattr(formats, "FORMATS", {}))
    except ImportError:  # pragma: no cover
        return list(GENERIC)


def resolve_format(path: str | Path, fmt: str | None, mapping: Mapping) -> str:
    """The format to read ``path`` with: the flag, else the mapping, else detection, else by extension."""
    chosen = fmt or mapping.format
    if chosen:
        chosen = chosen.lower()
        if chosen not in _known_formats():
            import difflib

            match = difflib.get_close_matches(chosen, _known_formats(), n=1)
            hint = f" (did you mean '{match[0]}'?)" if match else ""
            raise UsageError(f"unknown input format '{chosen}'{hint}; known: {', '.join(_known_formats())}.")
        return chosen
    name = Path(path).name.lower()
    if mapping.columns:  # the user mapped columns: that is the generic reader (vendor readers ignore columns:)
        return "parquet" if name.endswith((".parquet", ".pq")) else "csv"
    try:
        formats = importlib.import_module("liqcost.io.formats")
        detected = formats.detect(path) if hasattr(formats, "detect") else None
    except ImportError:  # pragma: no cover
        detected = None
    if detected:
        return detected
    return "parquet" if name.endswith((".parquet", ".pq")) else "csv"


def read_source(path: str | Path, kind: str, config, mapping: Mapping | None = None, fmt: str | None = None):
    """Read one source into canonical columns + ``_row`` + ``_reason`` (+ ``_raw_*``). Returns (frame, format)."""
    from liqcost.config import parse_model
    from liqcost.io.readers import plausible_window, read_generic

    mapping = mapping or Mapping()
    chosen = resolve_format(path, fmt, mapping)
    tz = config.session.timezone
    if chosen in GENERIC:
        if chosen != (mapping.format or chosen):
            mapping = mapping.model_copy(update={"format": chosen})
        window = plausible_window(config.ingest, kind)
        return read_generic(path, kind, mapping.model_copy(update={"format": chosen}), tz, window), chosen
    module = _vendor_module(chosen)
    if module is None:
        raise UsageError(f"input format '{chosen}' is not available in this installation.")
    if kind not in getattr(module, "KINDS", ()):
        raise UsageError(
            f"{path}: the {chosen} reader makes {', '.join(module.KINDS)}, not {kind}; pass --kind "
            + " or --kind ".join(module.KINDS)
            + "."
        )
    options = parse_model(module.Options, mapping.options, f"{path} mapping", prefix="options")
    return module.read(path, kind, options, tz), chosen


def ingest_file(
    path: str | Path,
    kind: str,
    dataset: str | Path,
    config,
    mapping: Mapping | str | Path | None = None,
    fmt: str | None = None,
) -> IngestReport:
    """Validate one source file and write it into ``dataset``.

    Parameters
    ----------
    path : str or Path
        Source file.
    kind : str
        ``trades``, ``quotes``, ``bars``, ``fills`` or ``orders``.
    dataset : str or Path
        Dataset folder (created when absent).
    config : liqcost.config.Config
        Effective configuration (``ingest`` rules, ``session.timezone``).
    mapping : Mapping or path, optional
        Column mapping.
    fmt : str, optional
        Input format; detected when None.

    Returns
    -------
    IngestReport
    """
    import polars as pl

    from liqcost.io.atomic import write_parquet_atomic, write_text_atomic
    from liqcost.io.dataset import content_hash, replace_previous, write_partitions
    from liqcost.io.validate import validate

    if not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping)
    kind = kind or mapping.kind
    if kind is None:
        raise UsageError(f"{path}: say what the file holds with --kind trades|quotes|bars|fills|orders (or kind: in the mapping).")
    root = Path(dataset)
    raw, chosen = read_source(path, kind, config, mapping, fmt)
    result = validate(raw, kind, str(path), _ingest_rules(config, mapping, chosen), config.session.timezone)
    key = content_hash(path)
    written = write_partitions(result.clean, kind, root, key, config.session.timezone)
    removed = replace_previous(root, kind, path, written, key)

    qfile = None
    qpath = root / "_quarantine" / f"kind={kind}" / f"{key}.parquet"
    if result.rows_quarantined:
        write_parquet_atomic(result.quarantine, qpath)
        qfile = str(qpath)
    elif qpath.exists():
        qpath.unlink()
    clean = result.clean
    first = last = None
    if clean.height and "ts" in clean.columns:
        first, last = (str(v) for v in clean.select(pl.col("ts").min().alias("a"), pl.col("ts").max().alias("b")).row(0))
    elif clean.height and "date" in clean.columns:
        first, last = (str(v) for v in clean.select(pl.col("date").min().alias("a"), pl.col("date").max().alias("b")).row(0))
    symbols = sorted(clean.get_column("symbol").unique().to_list()) if clean.height else []
    report = IngestReport(
        source=str(path),
        kind=kind,
        format=chosen,
        rows_read=result.rows_read,
        rows_kept=result.rows_kept,
        rows_quarantined=result.rows_quarantined,
        reasons=result.summary()["quarantine_reasons"],
        rows_out_of_order_sorted=result.sorted_rows,
        locked_quotes_flagged=result.locked_quotes,
        symbols=symbols,
        first_ts=first,
        last_ts=last,
        partitions_written=len(written),
        stale_parts_removed=removed,
        quarantine_file=qfile,
        content_hash=key,
    )
    payload = report.as_dict() | {"ingested_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    write_text_atomic(root / "_ingest" / f"{key}.json", json.dumps(payload, indent=1, default=str))
    if not result.rows_read:
        warnings.warn(
            f"{path}: no {kind} in the file (read as {chosen}); nothing was ingested. Check --kind, or the "
            f"file's contents (e.g. a quote-only DBN schema read as trades).",
            DataQualityWarning,
            stacklevel=2,
        )
    elif result.rows_quarantined / result.rows_read > 0.05:
        warnings.warn(
            f"{path}: {result.rows_quarantined} of {result.rows_read} rows quarantined "
            f"({100 * result.rows_quarantined / result.rows_read:.1f}%); check the mapping and {qfile}.",
            DataQualityWarning,
            stacklevel=2,
        )
    return report


def load_table(path: str | Path, kind: str, config, mapping: Mapping | str | Path | None = None, fmt: str | None = None):
    """Read and validate a user's file (orders, fills ...) without writing a dataset.

    Returns
    -------
    (polars.DataFrame, polars.DataFrame)
        The clean rows in the contract plus ``row`` (the source line or record number), in file order for
        orders; and the quarantined rows with ``source``, ``row`` and ``reason``.
    """
    from liqcost.io.validate import validate

    if not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping)
    if Path(path).suffix.lower() in (".yaml", ".yml") and kind == "orders":
        raw = _orders_from_yaml(path)
        result = validate(raw, kind, str(path), config.ingest, config.session.timezone, keep_row=True)
        return result.clean, result.quarantine
    raw, chosen = read_source(path, kind, config, mapping, fmt)
    result = validate(raw, kind, str(path), _ingest_rules(config, mapping, chosen), config.session.timezone, keep_row=True)
    return result.clean, result.quarantine


def _ingest_rules(config, mapping: Mapping, fmt: str):
    """The ingest rules for one file: the config's, with the mapping's (or the vendor reader's) duplicates policy
    and the mapping's quote layout (``quotes.merge_one_sided``)."""
    update = {}
    policy = mapping.duplicates
    if policy is None and fmt not in GENERIC:
        module = _vendor_module(fmt)
        policy = getattr(module, "DUPLICATES", None)
    if policy is not None and policy != config.ingest.duplicates:
        update["duplicates"] = policy
    merge = mapping.quotes.merge_one_sided
    if merge is not None and merge != config.ingest.merge_one_sided_quotes:
        update["merge_one_sided_quotes"] = merge
    return config.ingest.model_copy(update=update) if update else config.ingest


def _orders_from_yaml(path):
    """Orders written as YAML: a list of mappings (or ``orders:`` holding one); rows numbered 1..n."""
    import polars as pl

    from liqcost.config import load_yaml
    from liqcost.errors import FileFormatError
    from liqcost.io.readers import ROW, parse_frame

    data = load_yaml(path)
    if isinstance(data, dict) and "orders" in data:
        data = data["orders"]
    if not isinstance(data, list) or not data or not all(isinstance(d, dict) for d in data):
        raise FileFormatError(f"{path}: expected a list of orders (each with symbol, side, qty), got {type(data).__name__}.")
    rows = [{str(k): (None if v is None else str(v)) for k, v in d.items()} for d in data]
    for i, r in enumerate(rows, 1):
        r.setdefault("order_id", f"{r.get('symbol', 'order')}-{i}")
    names = list(dict.fromkeys(k for r in rows for k in r))
    frame = pl.DataFrame([{k: r.get(k) for k in names} for r in rows], schema={k: pl.String for k in names})
    lf = frame.lazy().with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    return parse_frame(lf, str(path), "orders", Mapping(), "UTC")

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
import warnings
from dataclasses import dataclass
from pathlib import Path

from liqcost.errors import DataQualityWarning, UsageError
from liqcost.io.mapping import Mapping, load_mapping

__all__ = ["IngestReport", "ingest_file", "remove_sources", "read_source", "load_table", "resolve_format"]

GENERIC = ("csv", "parquet")


@dataclass
class IngestReport:
    """Counts and locations of one ingested source (what the ingest table shows, one row per file).

    ``rows_read == rows_kept + rows_quarantined`` always. ``rows_replaced`` are the rows the source's
    earlier version held (taken out by this commit); ``version`` is the dataset version committed (None
    for a dry run or a failed file); ``error`` is set when the file could not be ingested (or had no usable
    row) and says why.
    """

    source: str
    kind: str
    format: str | None
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
    quarantine_file: str | None
    content_hash: str | None
    source_id: str = ""
    rows_replaced: int = 0
    files_added: int = 0
    files_removed: int = 0
    buckets_compacted: int = 0
    overlap_symbol_days: int = 0
    version: int | None = None
    dry_run: bool = False
    error: str | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    @property
    def failed(self) -> bool:
        """True when the file could not be ingested or every row of it was quarantined."""
        return self.error is not None


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
    *,
    source_id: str | None = None,
    dry_run: bool = False,
    vacuum: bool = True,
) -> IngestReport:
    """Validate one source file and commit it into ``dataset``: its rows, its quarantine and its report,
    as one new version of the dataset (see :mod:`liqcost.io.dataset_write`).

    Re-ingesting a source replaces exactly the rows, quarantine and report of its earlier version,
    whatever other sources hold (identical rows included).

    Parameters
    ----------
    path : str or Path
        Source file.
    kind : str
        ``trades``, ``quotes``, ``bars``, ``fills`` or ``orders``.
    dataset : str or Path
        Dataset folder (created when absent).
    config : liqcost.config.Config
        Effective configuration (``ingest`` rules, ``session.timezone``, ``dataset`` settings).
    mapping : Mapping or path, optional
        Column mapping.
    fmt : str, optional
        Input format; detected when None.
    source_id : str, optional
        The source's identity in the dataset (default: the file's resolved absolute path).
    dry_run : bool
        Plan only: the report says what would change (rows added and replaced, files), nothing is written.
    vacuum : bool
        Afterwards delete files no reader can need any more (see :func:`liqcost.io.dataset_write.vacuum`).

    Returns
    -------
    IngestReport
        ``error`` is set (and the rows committed, with their quarantine) when every row was quarantined.

    Raises
    ------
    liqcost.errors.EmptyDataError
        The file is empty; the source's earlier rows, if any, were removed (its current version has none).
    liqcost.errors.LiqcostError
        The file cannot be read or the options are wrong; nothing was committed.
    """
    import polars as pl

    from liqcost.errors import EmptyDataError
    from liqcost.io.dataset import content_hash
    from liqcost.io.dataset_log import ensure_layout, layout_of, newer_message, v1_message
    from liqcost.io.validate import validate

    if not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping)
    kind = kind or mapping.kind
    if kind is None:
        raise UsageError(f"{path}: say what the file holds with --kind trades|quotes|bars|fills|orders (or kind: in the mapping).")
    root = Path(dataset)
    layout = layout_of(root)
    if layout in ("v1", "newer"):
        from liqcost.errors import DatasetLayoutError

        raise DatasetLayoutError(v1_message(root) if layout == "v1" else newer_message(root))
    sid = source_id or str(Path(path).resolve())
    tz = config.session.timezone
    try:
        raw, chosen = read_source(path, kind, config, mapping, fmt)
    except EmptyDataError as exc:
        # the file has no rows now: its current version is empty, so its earlier rows (if any) go
        report = _commit_empty(path, kind, root, config, mapping, fmt, sid, dry_run, exc.message)
        if report.rows_replaced and not dry_run:
            raise EmptyDataError(f"{exc.message.rstrip('.')}; the {report.rows_replaced} rows of its earlier version "
                                 f"were removed from {root}.") from None
        raise
    rules = _ingest_rules(config, mapping, chosen)
    result = validate(raw, kind, str(path), rules, tz)
    key = content_hash(path)
    clean = result.clean
    first = last = None
    if clean.height and "ts" in clean.columns:
        first, last = (str(v) for v in clean.select(pl.col("ts").min().alias("a"), pl.col("ts").max().alias("b")).row(0))
    elif clean.height and "date" in clean.columns:
        first, last = (str(v) for v in clean.select(pl.col("date").min().alias("a"), pl.col("date").max().alias("b")).row(0))
    symbols = sorted(clean.get_column("symbol").unique().to_list()) if clean.height and "symbol" in clean.columns else []
    reasons = result.summary()["quarantine_reasons"]
    error = None
    if result.rows_read and not result.rows_kept:
        why = ", ".join(f"{n} {r}" for r, n in reasons.items())
        error = f"every row quarantined ({why})"
    report = IngestReport(
        source=str(path), kind=kind, format=chosen, rows_read=result.rows_read, rows_kept=result.rows_kept,
        rows_quarantined=result.rows_quarantined, reasons=reasons, rows_out_of_order_sorted=result.sorted_rows,
        locked_quotes_flagged=result.locked_quotes, symbols=symbols, first_ts=first, last_ts=last,
        partitions_written=0, quarantine_file=None, content_hash=key, source_id=sid, dry_run=dry_run, error=error,
    )
    record = _source_record(path, kind, chosen, key, mapping, rules, tz, report)
    if not dry_run:
        ensure_layout(root, fsync=config.dataset.fsync)
    writer = _writer(root, kind, sid, clean, result.quarantine, record, tz, config, dry_run)
    _run_writer(writer, report, root)
    if vacuum and not dry_run:
        from liqcost.io.dataset_write import vacuum as run_vacuum

        run_vacuum(root, config.dataset.vacuum_grace_s)
    if not result.rows_read:
        warnings.warn(
            f"{path}: no {kind} in the file (read as {chosen}); nothing was ingested. Check --kind, or the "
            f"file's contents (e.g. a quote-only DBN schema read as trades).",
            DataQualityWarning,
            stacklevel=2,
        )
    elif result.rows_quarantined / result.rows_read > 0.05 and result.rows_kept:
        warnings.warn(
            f"{path}: {result.rows_quarantined} of {result.rows_read} rows quarantined "
            f"({100 * result.rows_quarantined / result.rows_read:.1f}%); check the mapping and {report.quarantine_file}.",
            DataQualityWarning,
            stacklevel=2,
        )
    return report


def _writer(root, kind, sid, clean, quarantine, record, tz, config, dry_run):
    from liqcost.io.dataset_write import SourceWrite

    return SourceWrite(root, kind, sid, clean, quarantine, record, tz, config, dry_run=dry_run)


def _run_writer(writer, report: IngestReport, root: Path) -> None:
    """Commit (or plan) and fill the report's dataset fields; warn when other sources hold the same symbol-days."""
    from liqcost.io.dataset_write import warn_overlap

    state, entry = writer.run()
    summ = writer.summary
    report.partitions_written = writer.partitions
    report.rows_replaced = summ.rows_removed
    report.files_added = summ.files_added
    report.files_removed = summ.files_removed
    report.buckets_compacted = summ.buckets_compacted
    report.overlap_symbol_days = summ.overlap_symbol_days
    report.version = None if writer.dry_run or entry is None else entry["version"]
    q = writer._qpath
    report.quarantine_file = str(root / q) if q else None
    warn_overlap(report.source, summ)
    for msg in summ.skipped_compactions:
        warnings.warn(f"{report.source}: bucket {msg}; it was left uncompacted.", DataQualityWarning, stacklevel=3)


def _source_record(path, kind, fmt, key, mapping: Mapping, rules, tz, report: IngestReport) -> dict:
    """What the dataset state keeps about a source (its report included)."""
    import hashlib

    mapping_digest = hashlib.blake2b(mapping.model_dump_json().encode(), digest_size=8).hexdigest()
    rules_digest = hashlib.blake2b((rules.model_dump_json() + tz).encode(), digest_size=8).hexdigest()
    rep = report.as_dict()
    return {
        "path": str(path),
        "content_hash": key,
        "format": fmt,
        "mapping_digest": mapping_digest,
        "rules_digest": rules_digest,
        "ingested_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "report": {k: rep[k] for k in ("rows_read", "rows_kept", "rows_quarantined", "reasons", "rows_out_of_order_sorted",
                                       "locked_quotes_flagged", "first_ts", "last_ts", "error")}
        | {"symbols": len(rep["symbols"])},
    }


def _commit_empty(path, kind, root: Path, config, mapping, fmt, sid, dry_run, message) -> IngestReport:
    """An empty source: commit its (empty) current version, which takes out its earlier rows."""
    from liqcost.io.dataset import content_hash
    from liqcost.io.dataset_log import ensure_layout

    try:
        key = content_hash(path)
    except OSError:
        key = None
    report = IngestReport(
        source=str(path), kind=kind, format=fmt or mapping.format, rows_read=0, rows_kept=0, rows_quarantined=0,
        reasons={}, rows_out_of_order_sorted=0, locked_quotes_flagged=0, symbols=[], first_ts=None, last_ts=None,
        partitions_written=0, quarantine_file=None, content_hash=key, source_id=sid, dry_run=dry_run, error=message,
    )
    record = _source_record(path, kind, report.format, key, mapping, _ingest_rules(config, mapping, report.format or "csv"),
                            config.session.timezone, report)
    if not dry_run:
        ensure_layout(root, fsync=config.dataset.fsync)
    _run_writer(_writer(root, kind, sid, None, None, record, config.session.timezone, config, dry_run), report, root)
    return report


def remove_sources(dataset: str | Path, sources: list[str], config, kind: str | None = None) -> list[dict]:
    """Take sources out of a dataset (their rows, quarantine and report), in one commit.

    Parameters
    ----------
    sources : list of str
        Source ids, or paths of source files (resolved to their ids).
    kind : str, optional
        Only the sources of this kind (by default a source id is removed from every kind holding it).

    Returns
    -------
    list of dict
        ``source``, ``kind``, ``rows_removed``, ``version`` per source removed.

    Raises
    ------
    liqcost.errors.UsageError
        A source the dataset does not hold (the message lists close ids).
    """
    from liqcost.io.dataset_log import load_state
    from liqcost.io.dataset_write import RemoveSources

    root = Path(dataset)
    from liqcost.io.dataset_log import layout_of, newer_message, v1_message

    layout = layout_of(root)
    if layout in ("v1", "newer"):
        from liqcost.errors import DatasetLayoutError

        raise DatasetLayoutError(v1_message(root) if layout == "v1" else newer_message(root))
    if layout == "empty":
        raise UsageError(f"{root}: not a liqcost dataset; nothing to remove.")
    state = load_state(root)
    keys = []
    for s in sources:
        cands = [s, str(Path(s).resolve())]
        found = [k for k in state.sources if k[1] in cands and (kind is None or k[0] == kind)]
        if not found:
            import difflib

            known = sorted({k[1] for k in state.sources})
            match = difflib.get_close_matches(s, known, n=1, cutoff=0.5)
            hint = f" (did you mean '{match[0]}'?)" if match else ""
            raise UsageError(
                f"--remove {s}: no such source in {root}{hint}; `liqcost check --data {root}` lists the sources."
            )
        keys.extend(found)
    remover = RemoveSources(root, keys, config)
    _state, entry = remover.run()
    version = entry["version"] if entry else None
    return [{"source": sid, "kind": k, "rows_removed": n, "version": version} for (k, sid), n in remover.removed.items()]


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

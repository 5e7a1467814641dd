"""The dataset writer of liqcost before the transactional format (layout v1), kept frozen for the tests
of ``liqcost check --migrate``: it builds v1 datasets exactly as the old ``liqcost ingest`` did.

v1 layout::

    kind=trades/symbol=XYZ/date=2025-03-03/part-<source hash>.parquet     (ticks and fills per symbol-day)
    kind=bars/symbol=XYZ/year=2025/part-<source hash>.parquet             (bars per symbol-year)
    kind=orders/symbol=XYZ/part-<source hash>.parquet
    _quarantine/kind=trades/<source hash>.parquet
    _ingest/<source hash>.json                                            (the ingest report)
    _manifest/<kind>/<path hash>.json                                     (which parts a source path wrote)

Reading and validation are today's (``read_source``, ``validate``): only the writing is the old one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from urllib.parse import quote

import polars as pl

from liqcost.io.dataset import content_hash, local_date_expr
from liqcost.io.ingest import _ingest_rules, read_source
from liqcost.io.mapping import Mapping
from liqcost.io.validate import validate

DATED = ("trades", "quotes", "fills")


def _sym_dir(symbol: str) -> str:
    return "symbol=" + quote(symbol, safe="")


def _date_column(frame, kind, tz):
    if kind == "bars" and "date" in frame.columns:
        if "ts" in frame.columns:
            return pl.coalesce(pl.col("date"), local_date_expr("ts", tz))
        return pl.col("date")
    return local_date_expr("ts", tz)


def write_partitions(frame, kind, root: Path, key: str, tz: str) -> list[str]:
    written = []
    if frame.height == 0:
        return written
    if kind in DATED or kind == "bars":
        keyed = frame.with_columns(_date_column(frame, kind, tz).alias("__date"))
        if kind == "bars":
            keyed = keyed.with_columns(pl.col("__date").alias("date")).with_columns(pl.col("__date").dt.year().alias("__key"))
        else:
            keyed = keyed.with_columns(pl.col("__date").alias("__key"))
        for (sym, k), part in keyed.partition_by(["symbol", "__key"], as_dict=True, maintain_order=True).items():
            leaf = f"year={k}" if kind == "bars" else f"date={k.isoformat()}"
            rel = Path(f"kind={kind}") / _sym_dir(sym) / leaf / f"part-{key}.parquet"
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            part.drop("__date", "__key").write_parquet(root / rel, compression="zstd")
            written.append(str(rel))
    else:
        for (sym,), part in frame.partition_by(["symbol"], as_dict=True, maintain_order=True).items():
            rel = Path(f"kind={kind}") / _sym_dir(sym) / f"part-{key}.parquet"
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            part.write_parquet(root / rel, compression="zstd")
            written.append(str(rel))
    return written


def ingest_v1(path, kind: str, root, config, mapping: Mapping | None = None) -> dict:
    """``liqcost ingest`` as v1 did it (one source file into a v1 dataset); returns the report."""
    root = Path(root)
    mapping = mapping or Mapping()
    raw, chosen = read_source(path, kind, config, mapping, None)
    result = validate(raw, kind, str(path), _ingest_rules(config, mapping, chosen), config.session.timezone)
    key = content_hash(path)
    written = write_partitions(result.clean, kind, root, key, config.session.timezone)
    mkey = hashlib.blake2b(str(Path(path).resolve()).encode(), digest_size=8).hexdigest()
    mpath = root / "_manifest" / kind / f"{mkey}.json"
    mpath.parent.mkdir(parents=True, exist_ok=True)
    mpath.write_text(json.dumps({"source": str(path), "content_hash": key, "parts": written}, indent=1))
    if result.rows_quarantined:
        q = root / "_quarantine" / f"kind={kind}" / f"{key}.parquet"
        q.parent.mkdir(parents=True, exist_ok=True)
        result.quarantine.write_parquet(q, compression="zstd")
    report = {"source": str(path), "kind": kind, "format": chosen, "rows_read": result.rows_read,
              "rows_kept": result.rows_kept, "rows_quarantined": result.rows_quarantined,
              "reasons": result.summary()["quarantine_reasons"], "rows_out_of_order_sorted": result.sorted_rows,
              "locked_quotes_flagged": result.locked_quotes, "symbols": [], "first_ts": None, "last_ts": None,
              "partitions_written": len(written), "stale_parts_removed": 0,
              "quarantine_file": None, "content_hash": key,
              "ingested_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    (root / "_ingest").mkdir(parents=True, exist_ok=True)
    (root / "_ingest" / f"{key}.json").write_text(json.dumps(report, indent=1, default=str))
    return report

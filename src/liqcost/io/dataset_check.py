"""``liqcost check``: what a dataset holds and what is wrong with it; migration of the old (v1) layout.

:func:`check_dataset` opens every live file's footer (``deep``: reads every row) and compares it with the
dataset's state: a file that is missing, empty, truncated, not Parquet, or holds a different number of rows
is *damaged*, listed with its reader's message and the source to re-ingest. It also lists the sources with
their ingest reports, the per-kind counts, and files no state references (left by killed writers or
removed by commits; the vacuum deletes them after ``dataset.vacuum_grace_s``).

:func:`migrate_v1` rewrites a dataset of the old layout (``kind=/symbol=/date=`` folders, ``_manifest/``,
``_ingest/``) as one commit of the current format, keeping each row's source (recovered from the v1
manifests), then removes the old files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from liqcost.errors import DatasetLayoutError
from liqcost.result import Problem, Result

__all__ = ["CheckResult", "check_dataset", "MigrateReport", "migrate_v1"]


@dataclass(frozen=True)
class CheckResult(Result):
    """What ``liqcost check`` found (see the module docstring).

    Tables: ``kinds`` (files, rows, symbols, days, bytes per kind), ``sources`` (one row per source with
    its report), ``findings`` (damaged and missing files, orphans, stray temporary files; ``severity``
    ``error`` or ``info``).
    """

    root: str
    version: int
    kinds: object
    sources: object
    findings: object
    extra_notes: tuple = ()
    title: ClassVar[str] = "check"

    def tables(self):
        return {"kinds": self.kinds, "sources": self.sources, "findings": self.findings}

    @property
    def notes(self) -> tuple[str, ...]:
        return self.extra_notes

    @property
    def problems(self) -> tuple[Problem, ...]:
        rows = self.findings.filter(self.findings["severity"] == "error").iter_rows(named=True)
        return tuple(Problem(r["finding"], r["path"], f"{r['detail']}; {r['repair']}") for r in rows)


def _footer_rows(path: Path) -> int:
    import polars as pl

    return int(pl.scan_parquet(path).select(pl.len()).collect().item())


def _deep_check(path: Path, fe, tz: str | None) -> str | None:
    """Read every row; compare rows per source and (with a time zone) rows per day with the state."""
    import polars as pl

    from liqcost.io.dataset import SOURCE_COLUMN

    frame = pl.read_parquet(path)
    if frame.height != fe.rows:
        return f"holds {frame.height} rows, the dataset log says {fe.rows}"
    if SOURCE_COLUMN in frame.columns and fe.sources:
        counts = dict(frame.get_column(SOURCE_COLUMN).value_counts().iter_rows())
        got = tuple(int(counts.get(i, 0)) for i in range(len(fe.sources)))
        if got != tuple(fe.source_rows) or sum(counts.values()) != fe.rows:
            return f"rows per source {got} differ from the dataset log {tuple(fe.source_rows)}"
    if tz and fe.days and "ts" in frame.columns and fe.kind != "bars":
        days = frame.select(pl.col("ts").dt.convert_time_zone(tz).dt.date().cast(pl.Int32).rle()).to_series()
        d = tuple(days.struct.field("value").to_list())
        n = tuple(days.struct.field("len").to_list())
        if d != tuple(fe.days) or n != tuple(fe.day_rows):
            first = next((i for i, (a, b) in enumerate(zip(d, fe.days)) if a != b), min(len(d), len(fe.days)))
            return (f"rows per day differ from the dataset log (first difference near day {first}; "
                    f"session.timezone {tz} may differ from the ingest's)")
    elif fe.days and "date" in frame.columns and fe.kind == "bars":
        days = frame.select(pl.col("date").cast(pl.Int32).rle()).to_series()
        if tuple(days.struct.field("value").to_list()) != tuple(fe.days):
            return "dates differ from the dataset log"
    return None


def check_dataset(root: str | Path, *, deep: bool = False, grace_s: float = 3600.0, tz: str | None = None,
                  progress=None) -> CheckResult:
    """Check a dataset (see the module docstring).

    Parameters
    ----------
    deep : bool
        Read every row of every file (else only the footers), and compare rows per source and per day.
    grace_s : float
        The vacuum grace period (to tell recently removed files from orphans).
    tz : str, optional
        Exchange time zone for the deep check of the days (``session.timezone``).

    Raises
    ------
    liqcost.errors.DatasetLayoutError
        The folder holds a v1 dataset (migrate it) or a newer one.
    """
    import time

    import polars as pl

    from liqcost.io.dataset import Dataset, _read_errors
    from liqcost.io.dataset_write import _walk_files, recently_removed

    ds = Dataset(root, must_exist=False)
    state = ds.state
    if state.version == 0 and not Path(root, "_liqcost").is_dir():
        from liqcost.errors import NoDataError

        raise NoDataError(f"{root}: not a liqcost dataset (no _liqcost/ log); create one with `liqcost ingest`.")
    findings = []

    def add(severity, finding, path, detail, repair):
        findings.append({"severity": severity, "finding": finding, "path": str(path), "detail": detail, "repair": repair})

    def hint(rel):
        return ds.repair_hint(rel)

    files = sorted(state.files.values(), key=lambda f: f.path)
    for fe in files:
        path = ds.root / fe.path
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            add("error", "missing_file", path, "the file is missing", hint(fe.path))
            if progress:
                progress()
            continue
        if size == 0:
            add("error", "damaged_file", path, "the file is empty (0 bytes)", hint(fe.path))
        else:
            try:
                n = _footer_rows(path)
                msg = None if n == fe.rows else f"holds {n} rows, the dataset log says {fe.rows}"
                if msg is None and deep:
                    msg = _deep_check(path, fe, tz)
            except _read_errors() as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                msg = f"cannot be read ({exc.__class__.__name__}: {first})"
            if msg:
                add("error", "damaged_file", path, msg, hint(fe.path))
        if progress:
            progress()
    for rec in sorted(state.sources.values(), key=lambda r: (r["kind"], r["id"])):
        q = rec.get("quarantine")
        if not q:
            continue
        path = ds.root / q
        repair = f"re-ingest its source: `liqcost ingest --kind {rec['kind']} --source-id '{rec['id']}' FILE -d {ds.root}`"
        try:
            n = _footer_rows(path)
            if n != int(rec.get("quarantine_rows", n)):
                add("error", "damaged_file", path, f"quarantine file holds {n} rows, the report says {rec['quarantine_rows']}", repair)
        except FileNotFoundError:
            add("error", "missing_file", path, "the quarantine file is missing", repair)
        except _read_errors() as exc:
            add("error", "damaged_file", path, f"quarantine file cannot be read ({exc.__class__.__name__})", repair)
    # files no state references
    now = time.time()
    live = state.live_paths()
    protected = recently_removed(ds.root, now - grace_s)
    for rel, full in _walk_files(ds.root):
        if rel in live:
            continue
        try:
            mtime = os.stat(full).st_mtime
        except FileNotFoundError:
            continue
        if rel in protected:
            add("info", "removed", full, "removed by a recent commit; kept for readers until the grace period ends",
                "none (the vacuum deletes it)")
        elif mtime > now - grace_s:
            add("info", "unreferenced_recent", full, "not in the dataset (a writer may be about to commit it)",
                "none (the vacuum deletes it once it is older than dataset.vacuum_grace_s)")
        else:
            add("info", "orphan", full, "not in the dataset (left by a killed writer, or removed long ago)",
                f"`liqcost check --vacuum --data {ds.root}` deletes it")
    from liqcost.io.dataset_log import log_dir

    ld = log_dir(ds.root)
    if ld.is_dir():
        for e in os.scandir(ld):
            if e.name.startswith(".tmp-"):
                add("info", "temporary_file", e.path, "left by a writer killed while publishing a commit",
                    f"`liqcost check --vacuum --data {ds.root}` deletes it")

    # per kind
    from liqcost.io.dataset_log import date_of

    kinds = []
    for kind, by_sym in sorted(state.index().items()):
        fs = [f for files_ in by_sym.values() for f in files_]
        days = sorted({d for f in fs for d in f.days})
        kinds.append({
            "kind": kind, "files": len(fs), "rows": sum(f.rows for f in fs), "symbols": len(by_sym),
            "days": len(days), "first_date": date_of(days[0]) if days else None,
            "last_date": date_of(days[-1]) if days else None, "bytes": sum(f.bytes for f in fs),
            "sources": len({s for f in fs for s in f.sources}),
        })
    kinds_f = pl.DataFrame(kinds, schema={"kind": pl.String, "files": pl.Int64, "rows": pl.Int64, "symbols": pl.Int64,
                                          "days": pl.Int64, "first_date": pl.Date, "last_date": pl.Date,
                                          "bytes": pl.Int64, "sources": pl.Int64})
    srcs = []
    for (kind, sid), rec in sorted(state.sources.items()):
        rep = rec.get("report", {})
        fs = state.files_of_source(kind, sid)
        srcs.append({
            "kind": kind, "source": sid, "rows_kept": sum(f.rows_of(sid) for f in fs),
            "rows_quarantined": int(rec.get("quarantine_rows", 0)), "rows_read": rep.get("rows_read"),
            "files": len(fs), "format": rec.get("format"), "content_hash": rec.get("content_hash"),
            "ingested_at": rec.get("ingested_at"), "version": rec.get("version"), "error": rep.get("error"),
        })
    sources_f = pl.DataFrame(srcs, schema={"kind": pl.String, "source": pl.String, "rows_kept": pl.Int64,
                                           "rows_quarantined": pl.Int64, "rows_read": pl.Int64, "files": pl.Int64,
                                           "format": pl.String, "content_hash": pl.String, "ingested_at": pl.String,
                                           "version": pl.Int64, "error": pl.String})
    findings_f = pl.DataFrame(findings, schema={"severity": pl.String, "finding": pl.String, "path": pl.String,
                                                "detail": pl.String, "repair": pl.String})
    n_err = findings_f.filter(pl.col("severity") == "error").height
    nf, ns = len(state.files), len(state.sources)
    notes = [f"{ds.root}: version {state.version}, {nf} file{'s' if nf != 1 else ''}, {ns} source{'s' if ns != 1 else ''}; "
             f"{'deep' if deep else 'footer'} check: {n_err} damaged or missing file{'s' if n_err != 1 else ''}."]
    return CheckResult(str(ds.root), state.version, kinds_f, sources_f, findings_f, tuple(notes))


# ------------------------------------------------------------------------------------------ migration


@dataclass
class MigrateReport:
    """What :func:`migrate_v1` did."""

    version: int | None = None
    sources: int = 0
    rows: int = 0
    files_written: int = 0
    v1_files_removed: int = 0
    damaged: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def _v1_parts(root: Path) -> list[tuple[str, str, dt.date | None, str, Path]]:
    """(kind, symbol, date, bucket, path) of every v1 part file."""
    from urllib.parse import unquote

    out = []
    for kd in sorted(root.glob("kind=*")):
        kind = kd.name[5:]
        for sd in sorted(kd.glob("symbol=*")):
            sym = unquote(sd.name[7:])
            for p in sorted(sd.glob("part-*.parquet")):  # orders
                out.append((kind, sym, None, "", p))
            for leaf in sorted(sd.iterdir()):
                if not leaf.is_dir():
                    continue
                if leaf.name.startswith("date="):
                    day = dt.date.fromisoformat(leaf.name[5:])
                    for p in sorted(leaf.glob("part-*.parquet")):
                        out.append((kind, sym, day, f"{day.year:04d}-{day.month:02d}", p))
                elif leaf.name.startswith("year="):
                    for p in sorted(leaf.glob("part-*.parquet")):
                        out.append((kind, sym, None, leaf.name[5:], p))
    return out


def _v1_source_id(recorded: str) -> str:
    """The source id of a v1 manifest's ``source``: absolute paths as they are; a relative path resolved
    against the current folder when the file is there (as the v1 ingest did), else kept as recorded."""
    p = Path(recorded)
    if p.is_absolute():
        return recorded
    return str(p.resolve()) if p.exists() else recorded


def migrate_v1(root: str | Path, config) -> MigrateReport:
    """Rewrite a v1 dataset in the current format, in one commit, then remove the v1 files.

    Each v1 part file's rows keep their source: the v1 manifests (``_manifest/<kind>/*.json``) say which
    source path wrote which part files (the first source listing a file owns it); files no manifest lists
    get the source ``v1:<file name>``. Reports come from ``_ingest/``, quarantine files from
    ``_quarantine/`` (copied). The days of ticks are the v1 folder dates. A v1 file that cannot be read is
    left on disk and listed in ``damaged`` (its rows are not migrated).

    A kill at any moment leaves the v1 dataset readable as before (the new files are not referenced until
    the one commit; until then the folder still reads as v1) or the migrated one (v1 leftovers are then
    ignored, and deleted by ``liqcost check --vacuum``).

    Raises
    ------
    liqcost.errors.DatasetLayoutError
        The folder is not a v1 dataset.
    """
    import polars as pl

    from liqcost.io.atomic import write_text_atomic
    from liqcost.io.dataset import DATED_KINDS, _read_errors
    from liqcost.io.dataset_log import FORMAT_NAME, FORMAT_VERSION, META, checkpoint_dir, day_of, layout_of, log_dir
    from liqcost.io.dataset_write import DAY, _write_file, bucket_dir, bucket_entry, new_name, split_buckets

    root = Path(root)
    layout = layout_of(root)
    if layout != "v1":
        raise DatasetLayoutError(
            f"{root}: not a dataset of the old layout ({'already current' if layout == 'v2' else 'no dataset there'}); "
            f"nothing to migrate."
        )
    rep = MigrateReport()
    fsync = bool(config.dataset.fsync)
    owner: dict[str, str] = {}
    manifests: dict[tuple[str, str], dict] = {}
    for mf in sorted(root.glob("_manifest/*/*.json")):
        try:
            m = json.loads(mf.read_text())
        except (OSError, ValueError):
            rep.notes.append(f"{mf}: unreadable v1 manifest, ignored")
            continue
        sid = _v1_source_id(str(m.get("source", mf.stem)))
        manifests[(mf.parent.name, sid)] = m
        for rel in m.get("parts", []):
            owner.setdefault(Path(rel).as_posix(), sid)
    groups: dict[tuple, list] = {}
    for kind, sym, day, bucket, path in _v1_parts(root):
        sid = owner.get(path.relative_to(root).as_posix()) or f"v1:{path.name}"
        groups.setdefault((kind, sid, sym, bucket), []).append((day, path))
    written = []
    sources: dict[tuple[str, str], dict] = {}
    migrated_files: list[Path] = []
    for (kind, sid, _sym, _bucket), items in sorted(groups.items()):
        frames = []
        for day, path in items:
            try:
                f = pl.read_parquet(path)
            except _read_errors() as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                rep.damaged.append(f"{path}: {exc.__class__.__name__}: {first}")
                continue
            if kind in DATED_KINDS and day is not None:  # the v1 folder's date is the row's day
                f = f.with_columns(pl.lit(day_of(day), pl.Int32).alias(DAY))
            frames.append(f)
            migrated_files.append(path)
        if not frames:
            continue
        frame = pl.concat(frames, how="diagonal_relaxed")
        days = pl.col(DAY) if DAY in frame.columns else None
        for b in split_buckets(frame, kind, config.session.timezone, days=days):
            rel = new_name(bucket_dir(kind, b.symbol, b.bucket))
            nbytes = _write_file(root, rel, b.frame, fsync)
            written.append(bucket_entry(rel, b, (sid,), nbytes))
            rep.rows += b.rows
        sources[(kind, sid)] = {}
    for kind, sid in [k for k in manifests if k not in sources]:  # sources whose rows were all quarantined
        sources[(kind, sid)] = {}
    for (kind, sid) in list(sources):
        m = manifests.get((kind, sid), {})
        key = m.get("content_hash")
        report: dict = {}
        if key and (root / "_ingest" / f"{key}.json").is_file():
            try:
                report = json.loads((root / "_ingest" / f"{key}.json").read_text())
            except (OSError, ValueError):
                report = {}
        qrel, qrows = None, 0
        src_q = root / "_quarantine" / f"kind={kind}" / f"{key}.parquet"
        if key and src_q.is_file():
            qrel = f"_quarantine/kind={kind}/part-{os.urandom(16).hex()}.parquet"
            shutil.copyfile(src_q, root / qrel)
            try:
                qrows = _footer_rows(root / qrel)
            except _read_errors():
                qrows = 0
        sources[(kind, sid)] = {
            "kind": kind, "id": sid, "path": m.get("source", sid), "content_hash": key, "format": report.get("format"),
            "mapping_digest": None, "rules_digest": None, "ingested_at": report.get("ingested_at"),
            "migrated_from": "v1", "quarantine": qrel, "quarantine_rows": qrows,
            "report": {k: report.get(k) for k in ("rows_read", "rows_kept", "rows_quarantined", "reasons",
                                                    "rows_out_of_order_sorted", "locked_quotes_flagged", "first_ts",
                                                    "last_ts")} | {"error": None, "symbols": len(report.get("symbols", []))},
        }
    rep.sources = len(sources)
    rep.files_written = len(written)
    entry = {"add": [f.with_version(1).to_json() for f in written], "remove": [],
             "set_sources": [dict(r, version=1) for r in sources.values()], "drop_sources": []}
    log_dir(root).mkdir(parents=True, exist_ok=True)
    checkpoint_dir(root).mkdir(parents=True, exist_ok=True)
    try:
        rep.version = _publish_first(root, entry, fsync)
    except BaseException:
        for f in written:  # nothing was committed: the v1 dataset is as it was
            (root / f.path).unlink(missing_ok=True)
        for rec in sources.values():
            if rec.get("quarantine"):
                (root / rec["quarantine"]).unlink(missing_ok=True)
        raise
    fmt = root / META / "format.json"
    if not fmt.exists():
        write_text_atomic(fmt, json.dumps({"format": FORMAT_NAME, "version": FORMAT_VERSION}) + "\n")
    # the v1 files: the migrated part files, manifests, reports and quarantine files (damaged ones stay)
    for path in migrated_files:
        path.unlink(missing_ok=True)
        rep.v1_files_removed += 1
    for d in ("_manifest", "_ingest"):
        if (root / d).is_dir():
            rep.v1_files_removed += sum(len(fs) for _, _, fs in os.walk(root / d))
            shutil.rmtree(root / d, ignore_errors=True)
    live_q = {r["quarantine"] for r in sources.values() if r.get("quarantine")}
    for q in root.glob("_quarantine/kind=*/*.parquet"):
        if q.relative_to(root).as_posix() not in live_q:
            q.unlink(missing_ok=True)
            rep.v1_files_removed += 1
    for kd in root.glob("kind=*"):
        for dirpath, _dirs, _files in os.walk(kd, topdown=False):
            try:
                os.rmdir(dirpath)
            except OSError:
                pass
    return rep


def _publish_first(root: Path, actions: dict, fsync: bool) -> int:
    """Publish version 1 of a migrated dataset (the regular commit refuses a v1 folder)."""
    from liqcost.io.atomic import publish_exclusive
    from liqcost.io.dataset_log import _log_name, _writer, log_dir

    entry = {"version": 1, "parent": 0,
             "committed_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds"),
             "operation": "migrate", "writer": _writer(), **actions}
    data = json.dumps(entry, separators=(",", ":"), default=str).encode()
    if not publish_exclusive(log_dir(root) / _log_name(1), data, fsync=fsync):
        raise DatasetLayoutError(f"{root}: another writer committed to this folder during the migration; run it again.")
    return 1

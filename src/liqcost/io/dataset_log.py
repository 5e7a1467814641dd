"""The transaction log of a dataset: its state, the commits that change it, and the checkpoints.

A dataset's **state** is the set of live data files (with, for each, its kind, symbol, bucket, rows, the
exchange-local days it holds with the rows of each day, and the sources whose rows it holds) and the set of
sources (id, path, content hash, format, ingest report, quarantine file). It is never found by walking
folders: it is the replay of the log.

::

    _liqcost/format.json                          {"format": "liqcost-dataset", "version": 2}
    _liqcost/log/00000000000000000001.json        one commit per version (JSON: add/remove files, sources)
    _liqcost/checkpoints/00000000000000000020.parquet   the full state at version 20

A reader takes the newest checkpoint and replays the later log entries. A writer publishes version ``N``
by creating ``log/N`` with :func:`liqcost.io.atomic.publish_exclusive` (temporary file, fsync, ``os.link``):
the link fails if ``N`` exists, i.e. another writer committed first; the loser reloads the state, re-plans
and tries ``N + 1`` (:func:`commit`). A commit is one file creation, so a ``kill -9`` at any moment leaves
the state before or after it, never a mix; files written by a commit that never happened are not in the
state and readers ignore them (the vacuum deletes them, see :mod:`liqcost.io.dataset_write`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import itertools
import json
import os
import random
import re
import socket
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from liqcost.errors import CommitConflictError, DatasetLayoutError

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "META",
    "FileEntry",
    "State",
    "layout_of",
    "load_state",
    "commit",
    "log_dir",
    "checkpoint_dir",
    "ensure_layout",
    "day_of",
    "date_of",
    "no_gc",
]

FORMAT_NAME = "liqcost-dataset"
FORMAT_VERSION = 2
META = "_liqcost"
_LOG_NAME = re.compile(r"^(\d{20})\.json$")
_CKPT_NAME = re.compile(r"^(\d{20})\.parquet$")
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def day_of(d: dt.date) -> int:
    """Days since 1970-01-01 of a date (the integer stored in the log)."""
    return d.toordinal() - _EPOCH_ORDINAL


@functools.lru_cache(maxsize=1 << 16)
def date_of(day: int) -> dt.date:
    """The date of a day number (inverse of :func:`day_of`)."""
    return dt.date.fromordinal(day + _EPOCH_ORDINAL)


def log_dir(root: Path) -> Path:
    return Path(root) / META / "log"


def checkpoint_dir(root: Path) -> Path:
    return Path(root) / META / "checkpoints"


def _log_name(version: int) -> str:
    return f"{version:020d}.json"


# ----------------------------------------------------------------------------------------------- state


@contextlib.contextmanager
def no_gc():
    """Pause the cyclic garbage collector while many small objects are made (no cycles are created): a
    state of 36,000 files, or 750,000 partitions, is built 2-3x faster without the collector's passes."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@dataclass(slots=True)
class FileEntry:
    """One live data file of the dataset (see the module docstring).

    ``days`` are the exchange-local dates in the file as days since 1970-01-01, ascending, and
    ``day_rows`` the rows of each: the file is sorted by time (bars by date), so day ``i`` is the row
    slice ``[offsets[i], offsets[i] + day_rows[i])``. ``sources`` lists the source ids whose rows the file
    holds, in the order of the codes of its ``_source`` column; ``source_rows`` their row counts and, for a
    file of several sources, ``source_days`` the days of each.
    """

    path: str
    kind: str
    symbol: str
    bucket: str
    rows: int
    bytes: int
    days: tuple[int, ...] = ()
    day_rows: tuple[int, ...] = ()
    sources: tuple[str, ...] = ()
    source_rows: tuple[int, ...] = ()
    source_days: tuple[tuple[int, ...], ...] | None = None
    columns: tuple[str, ...] = ()
    first_ts: int | None = None
    last_ts: int | None = None
    version: int = 0
    _offsets: tuple[int, ...] | None = field(default=None, compare=False, repr=False)

    @property
    def offsets(self) -> tuple[int, ...]:
        """First row of each day."""
        off = self._offsets
        if off is None:
            off = (0, *itertools.accumulate(self.day_rows[:-1])) if self.day_rows else ()
            self._offsets = off
        return off

    def days_of(self, source: str) -> tuple[int, ...]:
        """The days holding rows of ``source`` (empty when the file has none of its rows)."""
        if source not in self.sources:
            return ()
        if self.source_days is None:
            return self.days
        return self.source_days[self.sources.index(source)]

    def rows_of(self, source: str) -> int:
        return self.source_rows[self.sources.index(source)] if source in self.sources else 0

    def to_json(self) -> dict:
        out = {
            "path": self.path, "kind": self.kind, "symbol": self.symbol, "bucket": self.bucket,
            "rows": self.rows, "bytes": self.bytes, "days": list(self.days), "day_rows": list(self.day_rows),
            "sources": list(self.sources), "source_rows": list(self.source_rows),
            "columns": list(self.columns), "first_ts": self.first_ts, "last_ts": self.last_ts,
            "version": self.version,
        }
        if self.source_days is not None:
            out["source_days"] = [list(d) for d in self.source_days]
        return out

    @classmethod
    def from_json(cls, d: dict) -> FileEntry:
        sd = d.get("source_days")
        return cls(
            path=d["path"], kind=d["kind"], symbol=d["symbol"], bucket=d.get("bucket", ""),
            rows=int(d["rows"]), bytes=int(d.get("bytes", 0)), days=tuple(d.get("days", ())),
            day_rows=tuple(d.get("day_rows", ())), sources=tuple(d.get("sources", ())),
            source_rows=tuple(d.get("source_rows", ())),
            source_days=None if sd is None else tuple(tuple(x) for x in sd),
            columns=tuple(d.get("columns", ())), first_ts=d.get("first_ts"), last_ts=d.get("last_ts"),
            version=int(d.get("version", 0)),
        )

    def with_version(self, version: int) -> FileEntry:
        return replace(self, version=version)


class State:
    """The dataset at one version: live files and sources, with indexes built on demand."""

    def __init__(self, version: int = 0, files: dict | None = None, sources: dict | None = None) -> None:
        self.version = version
        self.files: dict[str, FileEntry] = files if files is not None else {}
        self.sources: dict[tuple[str, str], dict] = sources if sources is not None else {}
        self.committed_at: str | None = None
        self._index: dict | None = None
        self._by_source: dict | None = None

    def copy(self) -> State:
        out = State(self.version, dict(self.files), dict(self.sources))
        out.committed_at = self.committed_at
        return out

    # ---------------------------------------------------------------------------------- changes
    def apply(self, entry: dict) -> State:
        """Apply one log entry in place (and return self)."""
        for path in entry.get("remove", ()):
            self.files.pop(path, None)
        for f in entry.get("add", ()):
            fe = FileEntry.from_json(f)
            self.files[fe.path] = fe
        for kind, sid in entry.get("drop_sources", ()):
            self.sources.pop((kind, sid), None)
        for rec in entry.get("set_sources", ()):
            self.sources[(rec["kind"], rec["id"])] = rec
        self.version = int(entry["version"])
        self.committed_at = entry.get("committed_at")
        self._index = None
        self._by_source = None
        return self

    # ---------------------------------------------------------------------------------- indexes
    def index(self) -> dict[str, dict[str, list[FileEntry]]]:
        """``kind -> symbol -> files`` (files in commit order, then path)."""
        if self._index is None:
            idx: dict = {}
            for fe in sorted(self.files.values(), key=lambda f: (f.version, f.path)):
                idx.setdefault(fe.kind, {}).setdefault(fe.symbol, []).append(fe)
            self._index = idx
        return self._index

    def files_of_source(self, kind: str, source: str) -> list[FileEntry]:
        """Live files of ``kind`` holding rows of ``source``."""
        if self._by_source is None:
            by: dict = {}
            for fe in sorted(self.files.values(), key=lambda f: (f.version, f.path)):
                for s in fe.sources:
                    by.setdefault((fe.kind, s), []).append(fe)
            self._by_source = by
        return list(self._by_source.get((kind, source), ()))

    def bucket_files(self, kind: str, symbol: str, bucket: str) -> list[FileEntry]:
        return [f for f in self.index().get(kind, {}).get(symbol, ()) if f.bucket == bucket]

    def live_paths(self) -> set[str]:
        """Relative paths of every file the state references (data and quarantine files)."""
        out = set(self.files)
        for rec in self.sources.values():
            if rec.get("quarantine"):
                out.add(rec["quarantine"])
        return out

    def source_for_path(self, path: str) -> list[tuple[str, str]]:
        """``(kind, source id)`` of the sources whose rows the file ``path`` (relative) holds."""
        fe = self.files.get(path)
        return [(fe.kind, s) for s in fe.sources] if fe is not None else []


# ------------------------------------------------------------------------------------------- layout


def layout_of(root: str | Path) -> str:
    """``"v2"`` (this format), ``"v1"`` (the old folder layout), ``"empty"`` (no dataset) or ``"newer"``.

    A folder is v2 when it has a log entry or a ``format.json`` (a new dataset writes ``format.json`` before
    its first data file). A migration writes ``format.json`` only after its commit, so an interrupted
    migration leaves a folder that still reads as v1.
    """
    root = Path(root)
    if not root.is_dir():
        return "empty"
    fmt = root / META / "format.json"
    has_log = False
    ld = log_dir(root)
    if ld.is_dir():
        with os.scandir(ld) as it:
            has_log = any(_LOG_NAME.match(e.name) for e in it)
    if fmt.is_file():
        try:
            meta = json.loads(fmt.read_text(encoding="utf-8"))
            version = int(meta.get("version", 0))
        except (OSError, ValueError, AttributeError):
            version = FORMAT_VERSION
        if version > FORMAT_VERSION:
            return "newer"
    if has_log or fmt.is_file():
        return "v2"
    v1 = (root / "_manifest").is_dir() or (root / "_ingest").is_dir() or any(
        e.name.startswith("kind=") and e.is_dir() for e in os.scandir(root)
    )
    return "v1" if v1 else "empty"


def v1_message(root) -> str:
    return (
        f"{root}: a dataset in the old layout (kind=/symbol=/date= folders, no _liqcost/ log); migrate it once "
        f"with `liqcost check --migrate --data {root}`."
    )


def newer_message(root) -> str:
    return f"{root}: written by a newer liqcost (dataset format above version {FORMAT_VERSION}); upgrade liqcost to read it."


def ensure_layout(root: Path, fsync: bool = True) -> None:
    """Create ``_liqcost/`` (format.json, log/, checkpoints/) of a new dataset; refuse v1 and newer folders."""
    from liqcost.io.atomic import publish_exclusive

    root = Path(root)
    kind = layout_of(root)
    if kind == "v1":
        raise DatasetLayoutError(v1_message(root))
    if kind == "newer":
        raise DatasetLayoutError(newer_message(root))
    log_dir(root).mkdir(parents=True, exist_ok=True)
    checkpoint_dir(root).mkdir(parents=True, exist_ok=True)
    fmt = root / META / "format.json"
    if not fmt.exists():
        payload = json.dumps({"format": FORMAT_NAME, "version": FORMAT_VERSION}) + "\n"
        publish_exclusive(fmt, payload.encode(), fsync=fsync)


# ------------------------------------------------------------------------------------------- reading


def _versions(directory: Path, pattern) -> list[int]:
    try:
        with os.scandir(directory) as it:
            return sorted(int(m.group(1)) for e in it if (m := pattern.match(e.name)))
    except FileNotFoundError:
        return []


def read_entry(root: Path, version: int) -> dict:
    with open(log_dir(root) / _log_name(version), "rb") as f:
        return json.loads(f.read())


def load_state(root: str | Path) -> State:
    """The newest state: the newest checkpoint, then every later log entry."""
    root = Path(root)
    last_exc: Exception | None = None
    for _attempt in range(4):
        try:
            with no_gc():
                return _load(root)
        except FileNotFoundError as exc:  # a vacuum pruned an entry between our listing and our read
            last_exc = exc
            time.sleep(0.01)
    raise DatasetLayoutError(
        f"{root}: the dataset log cannot be read ({last_exc}); run `liqcost check --data {root}`."
    )


# The last state read or committed per dataset folder in this process, with the identity of its log entry:
# the next read replays only the newer entries (a writer committing many files into a dataset of tens of
# thousands does not re-read the whole state for each).
_CACHE: dict[str, tuple[State, tuple]] = {}
_CACHE_LOCK = threading.Lock()


def _entry_id(root: Path, version: int) -> tuple | None:
    try:
        st = os.stat(log_dir(root) / _log_name(version))
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _remember(root: Path, state: State) -> None:
    ident = _entry_id(root, state.version) if state.version else None
    if ident is None:
        return
    with _CACHE_LOCK:
        _CACHE[str(root.resolve())] = (state.copy(), ident)


def _load(root: Path) -> State:
    versions = _versions(log_dir(root), _LOG_NAME)
    if not versions:
        return State()
    top = versions[-1]
    have = set(versions)
    with _CACHE_LOCK:
        cached = _CACHE.get(str(root.resolve()))
    state = None
    base = 0
    if cached is not None:
        cstate, ident = cached
        if cstate.version <= top and _entry_id(root, cstate.version) == ident \
                and all(v in have for v in range(cstate.version + 1, top + 1)):
            state, base = cstate.copy(), cstate.version
    if state is None:
        ckpts = [c for c in _versions(checkpoint_dir(root), _CKPT_NAME) if c <= top]
        for c in reversed(ckpts):
            try:
                state = read_checkpoint(root, c)
                base = c
                break
            except FileNotFoundError:
                raise
            except Exception:  # a damaged checkpoint: fall back to an older one or the full log
                continue
    if state is None:
        state = State()
    for v in range(base + 1, top + 1):
        if v not in have:
            raise DatasetLayoutError(
                f"{root}: log entry {v} of the dataset is missing (versions {base + 1}..{top} needed); "
                f"run `liqcost check --data {root}`."
            )
        try:
            entry = read_entry(root, v)
        except ValueError as exc:
            raise DatasetLayoutError(
                f"{root}: log entry {v} of the dataset is damaged ({exc}); run `liqcost check --data {root}`."
            ) from None
        state.apply(entry)
    if top != base:
        _remember(root, state)
    return state


# ------------------------------------------------------------------------------------------- checkpoints

_FILE_COLUMNS = ("path", "kind", "symbol", "bucket", "rows", "bytes", "days", "day_rows", "sources", "source_rows",
                 "source_days", "columns", "first_ts", "last_ts", "version")


def write_checkpoint(root: Path, state: State) -> Path:
    """Write the full state as ``checkpoints/<version>.parquet`` (atomically)."""
    import polars as pl

    from liqcost.io.atomic import write_parquet_atomic

    files = sorted(state.files.values(), key=lambda f: f.path)
    schema = {
        "entry": pl.String, "path": pl.String, "kind": pl.String, "symbol": pl.String, "bucket": pl.String,
        "rows": pl.Int64, "bytes": pl.Int64, "days": pl.List(pl.Int32), "day_rows": pl.List(pl.Int64),
        "sources": pl.List(pl.String), "source_rows": pl.List(pl.Int64), "source_days": pl.List(pl.List(pl.Int32)),
        "columns": pl.List(pl.String), "first_ts": pl.Int64, "last_ts": pl.Int64, "version": pl.Int64,
        "record": pl.String,
    }
    data = {
        "entry": ["file"] * len(files),
        "path": [f.path for f in files], "kind": [f.kind for f in files], "symbol": [f.symbol for f in files],
        "bucket": [f.bucket for f in files], "rows": [f.rows for f in files], "bytes": [f.bytes for f in files],
        "days": [list(f.days) for f in files], "day_rows": [list(f.day_rows) for f in files],
        "sources": [list(f.sources) for f in files], "source_rows": [list(f.source_rows) for f in files],
        "source_days": [None if f.source_days is None else [list(d) for d in f.source_days] for f in files],
        "columns": [list(f.columns) for f in files], "first_ts": [f.first_ts for f in files],
        "last_ts": [f.last_ts for f in files], "version": [f.version for f in files], "record": [None] * len(files),
    }
    frame = pl.DataFrame(data, schema=schema)
    recs = [json.dumps(r, default=str) for r in state.sources.values()]
    meta = {"version": state.version, "committed_at": state.committed_at}
    extra = pl.DataFrame({"entry": ["source"] * len(recs) + ["meta"], "record": recs + [json.dumps(meta)]})
    frame = pl.concat([frame, extra], how="diagonal_relaxed")
    target = checkpoint_dir(root) / f"{state.version:020d}.parquet"
    write_parquet_atomic(frame, target)
    return target


def read_checkpoint(root: Path, version: int) -> State:
    import polars as pl

    frame = pl.read_parquet(checkpoint_dir(root) / f"{version:020d}.parquet")
    entry = frame.get_column("entry")
    files_f = frame.filter(entry == "file")
    cols = {c: files_f.get_column(c).to_list() for c in _FILE_COLUMNS}
    files = {}
    for i in range(files_f.height):
        sd = cols["source_days"][i]
        fe = FileEntry(
            path=cols["path"][i], kind=cols["kind"][i], symbol=cols["symbol"][i], bucket=cols["bucket"][i],
            rows=cols["rows"][i], bytes=cols["bytes"][i], days=tuple(cols["days"][i]), day_rows=tuple(cols["day_rows"][i]),
            sources=tuple(cols["sources"][i]), source_rows=tuple(cols["source_rows"][i]),
            source_days=None if sd is None else tuple(tuple(x) for x in sd), columns=tuple(cols["columns"][i]),
            first_ts=cols["first_ts"][i], last_ts=cols["last_ts"][i], version=cols["version"][i],
        )
        files[fe.path] = fe
    sources = {}
    meta = {}
    for kind_, rec in frame.filter(entry != "file").select("entry", "record").iter_rows():
        d = json.loads(rec)
        if kind_ == "source":
            sources[(d["kind"], d["id"])] = d
        else:
            meta = d
    state = State(int(meta.get("version", version)), files, sources)
    state.committed_at = meta.get("committed_at")
    return state


# ------------------------------------------------------------------------------------------- committing


def _writer() -> dict:
    from liqcost import __version__

    return {"pid": os.getpid(), "host": socket.gethostname(), "liqcost": __version__}


def commit(root: str | Path, plan, *, operation: str, config, touch=None):
    """Publish the next version of a dataset, re-planning when another writer wins the race.

    Parameters
    ----------
    root : path
        Dataset folder (created when absent).
    plan : callable
        ``plan(state) -> dict | None``: the actions against ``state`` (``add``: file entries as dicts,
        ``remove``: relative paths, ``set_sources``: source records, ``drop_sources``: ``[kind, id]``
        pairs, plus any informative keys); None when there is nothing to commit. It is called again with
        the new state after a lost race, so it must re-plan from the state it is given.
    operation : str
        Recorded in the entry (``ingest``, ``remove``, ``migrate`` ...).
    config : liqcost.config.Config
        ``dataset.commit_retries``, ``dataset.fsync``, ``dataset.checkpoint_interval``.
    touch : callable, optional
        ``touch(actions)`` right before publishing (the writer refreshes its new files' times and checks
        they still exist, so a concurrent vacuum cannot take them).

    Returns
    -------
    (State, dict | None)
        The state after the commit (or the current state when nothing was committed) and the entry.

    Raises
    ------
    liqcost.errors.CommitConflictError
        When every attempt lost the race.
    """
    from liqcost.io.atomic import publish_exclusive

    root = Path(root)
    cfg = config.dataset
    ensure_layout(root, fsync=cfg.fsync)
    attempts = cfg.commit_retries + 1
    for attempt in range(attempts):
        state = load_state(root)
        actions = plan(state)
        if actions is None:
            return state, None
        version = state.version + 1
        entry = {
            "version": version,
            "parent": state.version,
            "committed_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds"),
            "operation": operation,
            "writer": _writer(),
            **actions,
        }
        if touch is not None:
            touch(actions)
        data = json.dumps(entry, separators=(",", ":"), default=str).encode()
        if publish_exclusive(log_dir(root) / _log_name(version), data, fsync=cfg.fsync):
            state.apply(entry)
            _remember(root, state)
            # a checkpoint every checkpoint_interval versions, and after a large commit (a reader then reads
            # Parquet columns instead of a JSON entry of tens of MB)
            if version % cfg.checkpoint_interval == 0 or len(entry.get("add", ())) >= 2000:
                try:
                    write_checkpoint(root, state)
                except OSError:  # a checkpoint only speeds reading up; the log stays the truth
                    pass
            return state, entry
        time.sleep(random.uniform(0.005, 0.02) * min(attempt + 1, 10))
    raise CommitConflictError(
        f"{root}: other writers committed {attempts} times while this {operation} was being planned; nothing of "
        f"it was committed; run it again (or raise dataset.commit_retries)."
    )

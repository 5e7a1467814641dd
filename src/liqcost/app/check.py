"""What a dataset holds and which of its files are damaged (``liqcost check``), with vacuum and migration.

The command's work: refuse a folder that is not a dataset of the current layout (with the hint that
fixes it), optionally migrate an old-layout dataset first and delete files no reader needs
(``vacuum``), then open every file (its footer, or every row with ``deep``) and list rows per kind,
the sources with their reports, and the findings (damaged or missing files with the source to
re-ingest, files no commit references).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CheckRun", "check"]


@dataclass(frozen=True)
class CheckRun:
    """The check of a dataset (``result``: :class:`liqcost.io.dataset_check.CheckResult`) and what the steps
    before it did (``notes``: migration and vacuum; ``warnings``: old-layout files left unmigrated)."""

    result: object
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())


def check(dataset, *, config=None, deep: bool = False, vacuum: bool = False, grace_s: float | None = None,
          migrate: bool = False, progress=None) -> CheckRun:
    """Check (and optionally migrate, then vacuum) a dataset.

    Parameters
    ----------
    dataset : str or Path
        The dataset folder.
    config : Config, YAML path or None
        Effective configuration (``dataset.vacuum_grace_s``, ``session.timezone``).
    deep : bool
        Read every row of every file (default: every file's footer only).
    vacuum : bool
        First delete files no reader needs any more, once older than ``grace_s``.
    grace_s : float, optional
        Grace period of the vacuum, seconds (``dataset.vacuum_grace_s`` when None).
    migrate : bool
        First migrate a dataset of the old layout, in one commit.
    progress : callable, optional
        ``progress(total)`` returning a context manager whose value is called with each file checked.

    Raises
    ------
    liqcost.errors.DatasetLayoutError
        An old-layout dataset (without ``migrate``) or one written by a newer liqcost.
    liqcost.errors.NoDataError
        The folder is not a liqcost dataset.
    """
    from liqcost.app import load
    from liqcost.io.dataset_check import check_dataset, migrate_v1
    from liqcost.io.dataset_log import layout_of, newer_message, v1_message

    cfg = load(config)
    notes: list[str] = []
    warnings: list[str] = []
    if migrate:
        rep = migrate_v1(dataset, cfg)
        notes.append(f"migrated {dataset}: {rep.sources} sources, {rep.rows} rows in {rep.files_written} files (version "
                     f"{rep.version}); {rep.v1_files_removed} files of the old layout removed.")
        notes += list(rep.notes)
        warnings += [f"{d} (an old-layout file that cannot be read: not migrated, left on disk)" for d in rep.damaged]
    grace = cfg.dataset.vacuum_grace_s if grace_s is None else grace_s
    layout = layout_of(dataset)
    if layout in ("v1", "newer"):
        from liqcost.errors import DatasetLayoutError

        raise DatasetLayoutError(v1_message(dataset) if layout == "v1" else newer_message(dataset))
    if layout == "empty":
        from liqcost.errors import NoDataError

        raise NoDataError(f"{dataset}: not a liqcost dataset (no _liqcost/ log); create one with `liqcost ingest`.")
    if vacuum:
        from liqcost.io.dataset_write import vacuum as run_vacuum

        rep = run_vacuum(dataset, grace)
        notes.append(f"vacuum: deleted {len(rep.deleted)} files ({rep.deleted_bytes / 1e6:.1f} MB); {rep.kept_recent} "
                     f"kept until the grace period ({grace:g} s) ends; {rep.log_entries_pruned} old log entries pruned.")
    from liqcost.io.dataset import Dataset

    n = len(Dataset(Path(dataset), must_exist=False).state.files)
    if progress is None:
        result = check_dataset(dataset, deep=deep, grace_s=grace, tz=cfg.session.timezone)
    else:
        with progress(n) as advance:
            result = check_dataset(dataset, deep=deep, grace_s=grace, tz=cfg.session.timezone, progress=advance)
    return CheckRun(result, tuple(notes), tuple(warnings))

"""Atomic writes: a crash never leaves a half-written file behind, and files get the user's permissions.

* :func:`atomic_path` / :func:`write_text_atomic` / :func:`write_parquet_atomic`: write to a temporary file
  beside the target, then rename it over the target (``os.replace``, atomic on one file system).
* :func:`publish_exclusive`: write a temporary file, flush it to disk, then *create* the target with
  ``os.link`` -- which fails when the target exists. This is how a dataset commit claims its version number:
  of two writers racing for the same log entry exactly one succeeds (see :mod:`liqcost.io.dataset`).

Every file created here has the mode a plain ``open(path, "w")`` would give (``0o666`` less the process
umask, typically ``0o644``). ``tempfile.mkstemp`` creates ``0o600`` files; a rename keeps that mode, so
without the fix every output would be readable by its owner only.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "atomic_path",
    "write_text_atomic",
    "write_parquet_atomic",
    "publish_exclusive",
    "fsync_path",
    "fsync_dir",
    "file_mode",
    "umask",
]

_UMASK: int | None = None


def umask() -> int:
    """The process umask (read once; ``/proc/self/status`` on Linux, else set-and-restore)."""
    global _UMASK
    if _UMASK is None:
        value = None
        try:
            with open("/proc/self/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith("Umask:"):
                        value = int(line.split()[1], 8)
                        break
        except (OSError, ValueError):
            value = None
        if value is None:  # pragma: no cover - non-Linux
            value = os.umask(0o022)
            os.umask(value)
        _UMASK = value
    return _UMASK


def file_mode() -> int:
    """The mode of a new regular file: ``0o666`` less the umask."""
    return 0o666 & ~umask()


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it is renamed over ``target``.

    The temporary file lives in the same directory (same file system), so the final ``os.replace`` is
    atomic. On any exception the temporary file is removed and ``target`` is left untouched. The file
    gets the mode of a plain new file (umask applied), not ``mkstemp``'s ``0o600``.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, file_mode())
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def write_text_atomic(target: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_parquet_atomic(frame, target: str | Path, compression: str = "zstd") -> None:
    """Write a polars DataFrame to Parquet atomically."""
    with atomic_path(target) as tmp:
        frame.write_parquet(tmp, compression=compression)


def fsync_path(path: str | Path) -> None:
    """Flush a file's data to disk (``fsync``)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: str | Path) -> None:
    """Flush a directory entry (a new or renamed name) to disk; a no-op where directories cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on directories
        pass
    finally:
        os.close(fd)


def publish_exclusive(target: str | Path, data: bytes, fsync: bool = True) -> bool:
    """Create ``target`` holding ``data``, atomically and only if it does not exist yet.

    The bytes go to a temporary file in the same folder (flushed to disk when ``fsync``), which is then
    hard-linked to ``target``: ``os.link`` fails if ``target`` exists, so of several processes publishing
    the same name exactly one wins, and a reader never sees a partial file. A kill at any moment leaves
    either no ``target`` or the complete one (and at worst a stray ``.tmp-*`` file, ignored by readers).

    Returns
    -------
    bool
        True when this call created ``target``; False when it existed already.
    """
    target = Path(target)
    tmp = target.parent / f".tmp-{uuid.uuid4().hex}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        try:
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, target)
        except FileExistsError:
            return False
        if fsync:
            fsync_dir(target.parent)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)

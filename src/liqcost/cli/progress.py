"""Progress on stderr for long steps, silent with -q or when stderr is not a terminal.

Two helpers any command can use:

- :func:`progress` for work with a known size (symbol-days, files): a bar with counts, elapsed and remaining
  time; yields ``advance(n=1)``.
- :func:`step` for one long step of unknown size (fitting fill models, rendering a report): a spinner with
  the elapsed time.

Both log the step and its duration on the ``liqcost.cli.progress`` logger (shown with ``-v``), so a run
under ``-v`` in a log file says where the time went even without a terminal. The bars draw on the same
stderr console the log handler of :mod:`liqcost.cli.logs` writes to, so log lines appear above a bar
instead of breaking it.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time

__all__ = ["progress", "step", "stderr_console", "enabled"]

log = logging.getLogger("liqcost.cli.progress")

_CONSOLE = None


def stderr_console():
    """The one rich Console on stderr shared by progress bars and log lines (NO_COLOR respected by rich)."""
    global _CONSOLE
    if _CONSOLE is None or _CONSOLE.file is not sys.stderr:
        from rich.console import Console

        _CONSOLE = Console(stderr=True)
    return _CONSOLE


def enabled(state) -> bool:
    """Whether progress may draw: not -q, and stderr is a terminal."""
    if state is not None and getattr(state, "quiet", False):
        return False
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):
        return False


@contextlib.contextmanager
def progress(state, total: int, description: str):
    """Yield an ``advance(n=1)`` callable; shows a bar when useful (``total > 1``) and allowed.

    Parameters
    ----------
    state : liqcost.cli.State or None
        ``-q`` silences the bar.
    total : int
        Units of work (symbol-days, files).
    description : str
        What is being counted, shown left of the bar.
    """
    t0 = time.perf_counter()
    done = [0]
    if not (enabled(state) and total > 1):
        def advance(n=1):
            done[0] += n

        try:
            yield advance
        finally:
            log.info("%s: %s of %s in %.1f s", description, done[0], total, time.perf_counter() - t0)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=stderr_console(),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)

        def advance(n=1):
            done[0] += n
            bar.advance(task, n)

        try:
            yield advance
        finally:
            log.info("%s: %s of %s in %.1f s", description, done[0], total, time.perf_counter() - t0)


@contextlib.contextmanager
def step(state, description: str):
    """A spinner with the elapsed time while the block runs (one long step of unknown size)."""
    t0 = time.perf_counter()
    log.debug("%s ...", description)
    if not enabled(state):
        try:
            yield
        finally:
            log.info("%s: %.1f s", description, time.perf_counter() - t0)
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=stderr_console(),
                  transient=True) as bar:
        bar.add_task(description, total=None)
        try:
            yield
        finally:
            log.info("%s: %.1f s", description, time.perf_counter() - t0)

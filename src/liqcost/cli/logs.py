"""Loggers behind ``-v`` / ``-vv``: liqcost's own loggers (``liqcost.*``) to stderr.

liqcost modules log with ``logging.getLogger(__name__)`` (``liqcost.render``, ``liqcost.report.build``,
``liqcost.cli.output`` ...). The command line shows them by verbosity:

==========  ======================================================================
``-q``      errors only
(none)      warnings
``-v``      info: steps and their durations, files written, report sections
``-vv``     debug: details (elided columns, chart sizes), plus tracebacks of internal errors
==========  ======================================================================

Only the ``liqcost`` logger tree is configured (the root logger is left alone): libraries (numba, polars)
keep their own quiet defaults, so ``-vv`` is not flooded with numba's compiler debug output.
"""

from __future__ import annotations

import logging

__all__ = ["setup_logging", "level_for"]

_HANDLER_NAME = "liqcost-cli"


def level_for(verbosity: int) -> int:
    """The level of the ``liqcost`` logger for a verbosity (``-v`` count minus ``-q`` count)."""
    if verbosity < 0:
        return logging.ERROR
    if verbosity == 0:
        return logging.WARNING
    if verbosity == 1:
        return logging.INFO
    return logging.DEBUG


class _ConsoleHandler(logging.Handler):
    """Writes records through the shared stderr console (above any live progress bar)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            from liqcost.cli.progress import stderr_console

            stderr_console().print(self.format(record), markup=False, highlight=False, soft_wrap=True)
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)


def setup_logging(verbosity: int) -> logging.Logger:
    """Configure the ``liqcost`` logger for ``verbosity``; idempotent (one handler however often called)."""
    logger = logging.getLogger("liqcost")
    logger.setLevel(level_for(verbosity))
    handler = next((h for h in logger.handlers if h.get_name() == _HANDLER_NAME), None)
    if handler is None:
        handler = _ConsoleHandler()
        handler.set_name(_HANDLER_NAME)
        logger.addHandler(handler)
    fmt = "%(levelname)s %(name)s: %(message)s" if verbosity >= 2 else "%(name)s: %(message)s"
    handler.setFormatter(logging.Formatter(fmt))
    return logger

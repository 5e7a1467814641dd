"""Every user-facing error and warning of liqcost.

User mistakes (a bad file, a missing column, a bad config key, an impossible order) raise a subclass
of :class:`LiqcostError`, which is a :class:`click.ClickException`: the command line prints one clear
sentence and exits with the class's ``exit_code`` (2 for usage/config errors, 1 for data errors), never a
traceback. From Python they are ordinary exceptions with a ``message`` attribute.

Warnings follow the same rule: one class per condition, and the text says what to do about it.
"""

from __future__ import annotations

import click

__all__ = [
    "LiqcostError",
    "UsageError",
    "ConfigError",
    "DataError",
    "SchemaError",
    "EmptyDataError",
    "FileFormatError",
    "OrderError",
    "NoDataError",
    "CalibrationError",
    "DatasetLayoutError",
    "CommitConflictError",
    "LiqcostWarning",
    "ConvergenceWarning",
    "DataQualityWarning",
    "FewObservationsWarning",
    "StaleDataWarning",
    "DeprecatedKeyWarning",
    "PartialRunWarning",
    "DamagedFileWarning",
    "PartitionFailedWarning",
]


class LiqcostError(click.ClickException):
    """Base class of every error liqcost reports to a user (exit code 1 unless a subclass says)."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)

    def __reduce__(self):  # picklable across Dask workers
        return (self.__class__, (self.message,))


class UsageError(LiqcostError):
    """The command was called wrongly: conflicting or missing options (exit code 2)."""

    exit_code = 2


class ConfigError(LiqcostError):
    """A config or mapping file is malformed or holds invalid values (exit code 2).

    The message lists every problem as ``dotted.key: expected X, got Y``.
    """

    exit_code = 2

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        super().__init__(message)

    def __reduce__(self):
        return (self.__class__, (self.message, self.problems))


class DataError(LiqcostError):
    """Input data cannot be used as given (exit code 1)."""

    exit_code = 1


class SchemaError(DataError):
    """A frame or file lacks a required column or has a column of the wrong type."""


class EmptyDataError(DataError):
    """A file or selection holds no rows."""


class FileFormatError(DataError):
    """A file cannot be read in the format it claims (truncated, wrong column count, wrong magic)."""


class NoDataError(DataError):
    """No data for the requested symbol or dates (unknown symbol, empty lookback)."""


class OrderError(DataError):
    """An order that cannot be priced or planned: zero/negative size, unknown side, impossible constraints."""


class CalibrationError(DataError):
    """A model could not be fitted to the data given (too few observations, degenerate inputs)."""


class DatasetLayoutError(DataError):
    """A dataset folder in a layout this version does not read (an old layout to migrate, or a newer one)."""


class CommitConflictError(DataError):
    """A dataset writer lost the race for the next version too many times (other writers kept committing)."""


class LiqcostWarning(UserWarning):
    """Base class of liqcost warnings."""


class ConvergenceWarning(LiqcostWarning):
    """An optimizer stopped without converging; the message carries the optimizer's own reason."""


class DataQualityWarning(LiqcostWarning):
    """Data were usable but suspicious (many quarantined rows, crossed quotes, stale quotes)."""


class FewObservationsWarning(LiqcostWarning):
    """An estimate rests on few observations; treat it as indicative and widen the band."""


class StaleDataWarning(LiqcostWarning):
    """The newest data are older than the staleness limit; refresh the dataset before trading on it."""


class DeprecatedKeyWarning(LiqcostWarning):
    """A config key (or input column) was renamed; the old name still works for one release.

    The message names the old and the new key. It is a :class:`LiqcostWarning`, not a
    :class:`DeprecationWarning`, so that it is shown to people running the command line.
    """


class PartialRunWarning(LiqcostWarning):
    """Part of the input could not be used; the run went on without it and the command exits with code 1."""


class DamagedFileWarning(PartialRunWarning):
    """A dataset file cannot be read (damaged, truncated, empty or missing); its rows were skipped.

    The message names the file, the reader's own message and the source to re-ingest.
    """


class PartitionFailedWarning(PartialRunWarning):
    """A batch of partitions failed on a Dask cluster after its retries; the symbols it held are left out.

    The message names the partitions, the error and the symbols left out of the result.
    """

"""The one result protocol of liqcost's commands and library entry points.

Every command's result (profile, pretrade, plan, tca, calibrate, simulate, report, bench) is a
:class:`Result`: named tables (polars DataFrames, units in the column names), a ``summary()`` that is a
DataFrame, one-line ``notes`` a person should read, the ``problems`` that made the run partial (a damaged
file, a partition that failed: named, never silent) and ``__str__`` that renders the summary as the
terminal table shows it. The command line renders a result and nothing else; the Python API returns it.

Habits taken from arch's results: the object is frozen, tables are computed once, ``summary()`` is what a
person reads first and ``str()`` prints it. ``display_tables()`` are the tables a terminal shows (key
columns); ``str()`` renders them, and the command line's table output is the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

__all__ = ["Result", "Problem"]


@dataclass(frozen=True)
class Problem:
    """Something that made a run partial: what failed, where, and what to do.

    Attributes
    ----------
    kind : str
        ``damaged_file``, ``partition_failed``, ``order_rejected`` ...
    where : str
        The file, partition (``kind/symbol/date``) or row it concerns.
    message : str
        One sentence: what happened and what to do (e.g. "re-ingest its source").
    """

    kind: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class Result:
    """Base class of every command's result.

    Subclasses implement :meth:`tables` (ordered; the first is the main table) and may override
    :meth:`summary`, :attr:`notes` and :attr:`problems`; a subclass that collects them as it runs keeps
    them in fields named ``note_lines`` and ``problem_list``, which the defaults return.
    """

    #: the title of the terminal table and of the report section
    title: ClassVar[str] = "result"

    def tables(self) -> dict[str, pl.DataFrame]:
        """The named output tables, main table first (what ``--format csv|json|parquet`` writes)."""
        raise NotImplementedError

    def summary(self) -> pl.DataFrame:
        """The compact table a person reads first (by default the main table)."""
        return next(iter(self.tables().values()))

    @property
    def notes(self) -> tuple[str, ...]:
        """One-line notes for the reader (caveats, where files were written): by default the result's
        ``note_lines`` field when it has one."""
        return tuple(getattr(self, "note_lines", ()))

    @property
    def problems(self) -> tuple[Problem, ...]:
        """What made the run partial (empty for a complete run): by default the result's ``problem_list``
        field when it has one."""
        return tuple(getattr(self, "problem_list", ()))

    @property
    def partial(self) -> bool:
        """True when some input could not be used; the command line then exits with code 1."""
        return bool(self.problems)

    def display_tables(self) -> dict[str, pl.DataFrame]:
        """The tables a terminal shows (key columns only): what ``str()`` renders and the command line's
        ``--format table`` writes. By default the summary alone."""
        return {self.title: self.summary()}

    def to_text(self, width: int | None = None) -> str:
        """The display tables rendered as text tables, then the problems.

        One display table is titled with the result's title, several with their names. Each table is as wide
        as its columns need (at most 400 characters) unless ``width`` is given.
        """
        from liqcost.render import render_text

        tables = self.display_tables()
        parts = [render_text(frame, title=self.title if len(tables) == 1 else name, width=width or _natural_width(frame))
                 for name, frame in tables.items()]
        parts += [f"problem: {p}\n" for p in self.problems]
        return "".join(parts)

    def __str__(self) -> str:
        return self.to_text()


def _natural_width(frame) -> int:
    """Characters a table needs to show every header and cell unfolded (cells up to 60), within 60..400."""
    from liqcost.render import format_cell

    shown = frame.head(200)
    total = 1
    for col in shown.columns:
        cells = [len(format_cell(v)) for v in shown.get_column(col).to_list()]
        total += min(max([len(col)] + cells), 60) + 3
    return max(60, min(400, total))

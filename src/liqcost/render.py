"""Text rendering of tables: the one renderer behind ``str(result)``, the terminal and the HTML report tables.

Numbers are formatted by the unit their column name carries (one format per unit, see :data:`UNIT_FORMATS`),
tables are laid out to fit a width (long headers wrap at their underscores, long text wraps at spaces, and
columns that still do not fit are left out with a note that says how many and how to see them), a one-row
table is shown transposed as name/value pairs, and severities can be coloured with ANSI codes.

Formats (documented in ``docs/report.md``):

=========================  ========================================================================
column                     shown as
=========================  ========================================================================
``*_bps``                  one decimal, thousands separators: ``1,234.5``
``*_px``                   the decimals of the tick size: 2 at or above 1 (cent ticks), 4 below
                           (sub-penny ticks), from ``planner.tick_px`` / ``subdollar_tick_px``
``*_shares``               whole numbers with separators: ``80,000``; fractional amounts below
                           100 (coins) get the decimals of the column's smallest: ``0.52``
``*_usd`` / ``*_<ccy>``    whole currency units with separators: ``21,528``; below 100, cents
``*_frac``, ``p_*``        percent, one decimal (two below 1%): ``9.3%``, ``0.14%``; never rounds
                           to a false 0% or 100% (``<0.01%``, ``>99.9%``)
``*_s``                    seconds, one decimal
``*_ns``, ``n_*`` (int)    integers with separators (other integers from 10,000: a year stays 2025)
``*days*`` (float)         one decimal
other floats               4 significant digits, separators from 1,000, scientific below 0.001
datetimes                  ``YYYY-MM-DD HH:MM`` (seconds only when a value has them) and the zone
NaN / null                 ``nan`` / empty
=========================  ========================================================================
"""

from __future__ import annotations

import logging
import math
import re
import textwrap
from dataclasses import dataclass

__all__ = [
    "render_text",
    "render_lines",
    "format_cell",
    "format_value",
    "format_column",
    "column_kind",
    "PriceTicks",
    "severity_of",
    "rename_currency",
]

log = logging.getLogger("liqcost.render")

GAP = 2  # spaces between columns
_TEXT_MIN = 16  # a wrapped text column keeps at least this many characters per line (or its longest word)

#: column-name rules, first match wins: (regex, kind)
UNIT_FORMATS: tuple[tuple[str, str], ...] = (
    (r"_bps$", "bps"),
    (r"_px$", "px"),
    (r"_shares$", "shares"),
    (r"_usd$", "money"),
    (r"(_frac$|_frac_adv$|^p_)", "frac"),
    (r"_ns$", "ns"),
    (r"_s$", "seconds"),
    (r"(^days_|_days$|^days$)", "days"),
    (r"^n_", "count"),
)

_SEVERITY = {
    "critical": "critical", "error": "critical", "failed": "critical", "fail": "critical",
    "warn": "warn", "warning": "warn", "partial": "warn",
}
_SEVERITY_COLUMNS = {"severity", "status", "level"}
_ANSI = {"critical": "\x1b[1;31m", "warn": "\x1b[33m", "bold": "\x1b[1m", "dim": "\x1b[2m"}
_RESET = "\x1b[0m"


@dataclass(frozen=True)
class PriceTicks:
    """The tick sizes prices are shown with (``planner.tick_px``, ``subdollar_tick_px``, ``subdollar_below_px``)."""

    tick_px: float = 0.01
    subdollar_tick_px: float = 0.0001
    subdollar_below_px: float = 1.0

    @classmethod
    def from_config(cls, config) -> PriceTicks:
        p = getattr(config, "planner", None)
        if p is None:
            return cls()
        return cls(p.tick_px, p.subdollar_tick_px, p.subdollar_below_px)

    def decimals(self, price: float) -> int:
        tick = self.tick_px if abs(price) >= self.subdollar_below_px else self.subdollar_tick_px
        return _tick_decimals(tick)


def _tick_decimals(tick: float) -> int:
    """Decimals needed to show multiples of ``tick`` (0.01 -> 2, 0.0001 -> 4, 0.5 -> 1), at least 2."""
    if not tick > 0:
        return 2
    d = 0
    while d < 10 and abs(round(tick, d) - tick) > tick * 1e-9:
        d += 1
    return max(2, d)


def column_kind(name: str, dtype=None, currency: str = "USD") -> str:
    """The display kind of a column from its name (units in the name) and polars dtype."""
    import polars as pl

    if dtype is not None:
        if dtype == pl.Boolean:
            return "bool"
        if dtype == pl.Date:
            return "date"
        if isinstance(dtype, pl.Datetime):
            return "datetime"
        if isinstance(dtype, (pl.List, pl.Array)):
            return "list"
        if not dtype.is_numeric():
            return "text"
    cur = currency.lower()
    if cur != "usd" and name.endswith("_" + cur):
        return "money"
    for pattern, kind in UNIT_FORMATS:
        if re.search(pattern, name):
            if dtype is not None and dtype.is_integer() and kind in ("days", "seconds", "bps"):
                return "int"
            return kind
    if dtype is not None and dtype.is_integer():
        return "int"
    return "number"


def _general(v: float) -> str:
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1e15 or a < 1e-3:
        return f"{v:.3g}"
    if a >= 1000:
        return f"{v:,.0f}"
    s = f"{v:.4g}"
    return s if "e" not in s else f"{v:.4f}"


def _pct(v: float) -> str:
    p = v * 100.0
    s = f"{p:,.2f}%" if abs(p) < 1 else f"{p:,.1f}%"
    if v != 0 and s in ("0.00%", "-0.00%"):
        return "<0.01%" if v > 0 else "-<0.01%"
    if s == "100.0%" and v < 1:
        return ">99.9%"
    return s


def format_value(value, kind: str = "number", ticks: PriceTicks | None = None, *, time_seconds: bool = True,
                 small_decimals: int | None = None) -> str:
    """One value as text, by the display ``kind`` of its column (see :func:`column_kind`).

    ``small_decimals`` is the number of decimals of a fractional share amount below 100 (the column's, so
    that its values line up; default 3 significant digits of the value).
    """
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        s = value.strftime("%Y-%m-%d %H:%M:%S" if time_seconds else "%Y-%m-%d %H:%M")
        if value.microsecond and time_seconds:
            s += f".{value.microsecond:06d}".rstrip("0")
        if value.tzinfo is not None:
            s += " " + (value.tzname() or "")
        return s.rstrip()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return f"{value.total_seconds():,.1f}s"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(format_value(v, kind if kind != "list" else "number", ticks) for v in value[:6])
        more = f", … +{len(value) - 6}" if len(value) > 6 else ""
        return f"[{inner}{more}]"
    if isinstance(value, int) and not isinstance(value, bool):
        if kind in ("count", "ns", "shares", "money") or (kind == "int" and abs(value) >= 10_000):
            return f"{value:,}"  # an integer without a unit gets separators from 10,000 (a year stays 2025)
        if kind == "frac":
            return _pct(float(value))
        if kind in ("bps", "days", "seconds"):
            return f"{value:,}"
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        if kind == "bps" or kind == "seconds" or kind == "days":
            return f"{value:,.1f}"
        if kind == "px":
            return f"{value:,.{(ticks or PriceTicks()).decimals(value)}f}"
        if kind == "shares":
            if value == int(value) or abs(value) >= 100:
                return f"{value:,.0f}"
            d = small_decimals if small_decimals is not None else _decimals_for(abs(value))
            return f"{value:,.{d}f}"
        if kind == "money":
            if value == int(value) or abs(value) >= 100:
                return f"{value:,.0f}"
            return f"{value:,.2f}"
        if kind == "frac":
            return _pct(value)
        if kind in ("int", "count", "ns"):
            return f"{value:,.0f}" if value == int(value) else _general(value)
        return _general(value)
    return str(value)


def _decimals_for(smallest: float, digits: int = 3) -> int:
    """Decimals that show ``digits`` significant digits of ``smallest`` (> 0), between 0 and 8."""
    if not smallest > 0:
        return 0
    return int(min(8, max(0, digits - 1 - math.floor(math.log10(smallest)))))


def format_cell(value) -> str:
    """One value as text without a column to say its unit (general number format)."""
    return format_value(value, "number")


def format_column(series, *, currency: str = "USD", ticks: PriceTicks | None = None) -> list[str]:
    """The cells of a polars Series formatted by the unit its name carries."""
    kind = column_kind(series.name, series.dtype, currency)
    seconds = True
    if kind == "datetime":
        s = series.drop_nulls()
        seconds = bool(s.len()) and bool(((s.dt.second() != 0) | (s.dt.nanosecond() != 0)).any())
    small = None
    if kind == "shares" and series.dtype.is_float():
        vals = series.filter(series.is_finite() & (series.abs() < 100) & (series != series.round(0))).abs()
        if vals.len():  # two significant digits of the smallest, at least two decimals
            small = max(2, _decimals_for(float(vals.min()), 2))
    return [format_value(v, kind, ticks, time_seconds=seconds, small_decimals=small) for v in series.to_list()]


def rename_currency(frame, currency: str):
    """Money columns named for ``currency``: ``*_usd`` -> ``*_<code>`` (and ``*_musd`` -> ``*_m<code>``).

    liqcost computes in the data's currency and names money columns ``_usd``; at output (terminal, files,
    reports) they carry the configured ``session.currency``. A no-op for USD.
    """
    code = (currency or "USD").strip().lower()
    if code == "usd":
        return frame
    mapping = {}
    for c in frame.columns:
        if c.endswith("_musd"):
            mapping[c] = c[: -len("_musd")] + f"_m{code}"
        elif c.endswith("_usd"):
            mapping[c] = c[: -len("_usd")] + f"_{code}"
    return frame.rename(mapping) if mapping else frame


def severity_of(text: str) -> str | None:
    """``critical`` or ``warn`` when the text is such a severity/status word, else None."""
    return _SEVERITY.get(str(text).strip().lower())


# --------------------------------------------------------------------------------------------- layout


@dataclass
class _Col:
    name: str
    cells: list[str]
    right: bool
    text: bool
    natural: int = 0
    minimum: int = 0
    width: int = 0
    colour: bool = False

    def __post_init__(self):
        longest_cell = max((len(line) for c in self.cells for line in (c.split("\n") or [""])), default=0)
        self.natural = max(len(self.name), longest_cell)
        head_min = max(len(p) for p in _header_parts(self.name))
        if self.text:
            longest_word = max((len(w) for c in self.cells for w in c.split()), default=0)
            cell_min = min(longest_cell, max(_TEXT_MIN, min(longest_word, 30)))
        else:
            cell_min = longest_cell
        self.minimum = max(head_min, cell_min, 1)
        self.width = self.natural


def _header_parts(name: str) -> list[str]:
    """A header split after each underscore: ``expected_cost_bps`` -> ``expected_``, ``cost_``, ``bps``."""
    parts = re.findall(r"[^_]*_+|[^_]+$", name) or [name]
    return [p for p in parts if p] or [name]


def _wrap_header(name: str, width: int) -> list[str]:
    if len(name) <= width:
        return [name]
    lines: list[str] = []
    cur = ""
    for part in _header_parts(name):
        if cur and len(cur) + len(part) > width:
            lines.append(cur)
            cur = part
        else:
            cur += part
    if cur:
        lines.append(cur)
    return lines


def _wrap_cell(text: str, width: int) -> list[str]:
    if len(text) <= width and "\n" not in text:
        return [text]
    out: list[str] = []
    for para in text.split("\n"):
        out.extend(textwrap.wrap(para, width, break_long_words=True, break_on_hyphens=False) or [""])
    return out


def _total(cols, attr: str) -> int:
    return sum(getattr(c, attr) for c in cols) + GAP * max(len(cols) - 1, 0)


def _fit(cols: list[_Col], width: int | None) -> tuple[list[_Col], list[_Col]]:
    """Column widths within ``width``: natural if they fit, else headers/text wrapped, else elide from the right."""
    total = _total

    if width is None or total(cols, "natural") <= width:
        for c in cols:
            c.width = c.natural
        return cols, []
    shown = list(cols)
    hidden: list[_Col] = []
    while len(shown) > 1 and total(shown, "minimum") > width:
        hidden.insert(0, shown.pop())
    for c in shown:
        c.width = c.minimum
    spare = width - total(shown, "width")
    # give the spare room to the columns closest to their natural width first (fewest wrapped headers)
    for c in sorted(shown, key=lambda c: (c.natural - c.width, shown.index(c))):
        need = c.natural - c.width
        if 0 < need <= spare:
            c.width = c.natural
            spare -= need
    texts = [c for c in shown if c.text and c.width < c.natural]
    while spare > 0 and texts:
        for c in list(texts):
            if spare <= 0:
                break
            c.width += 1
            spare -= 1
            if c.width >= c.natural:
                texts.remove(c)
    return shown, hidden


def _pad(text: str, width: int, right: bool) -> str:
    return text.rjust(width) if right else text.ljust(width)


def render_lines(
    frame,
    title: str | None = None,
    width: int | None = 100,
    max_rows: int = 200,
    *,
    color: bool = False,
    currency: str = "USD",
    ticks: PriceTicks | None = None,
    more_hint: str = "all columns are in the frame (result.tables())",
    transpose: bool | None = None,
) -> list[str]:
    """``frame`` as lines of text no wider than ``width`` (None: no limit); see :func:`render_text`."""

    if transpose is None:
        transpose = frame.height == 1 and frame.width > 4
    if transpose and frame.height == 1:
        values = [format_column(frame.get_column(c), currency=currency, ticks=ticks)[0] for c in frame.columns]
        frame_cols = [
            _Col("field", list(frame.columns), right=False, text=True),
            _Col("value", values, right=False, text=True, colour=True),
        ]
        # field names wrap at underscores, like headers
        frame_cols[0].minimum = max([5] + [max(len(p) for p in _header_parts(n)) for n in frame.columns])
        field_rows = list(frame.columns)
    else:
        field_rows = None
        frame_cols = []
        for name, dtype in frame.schema.items():
            shown = frame.get_column(name).head(max_rows)
            kind = column_kind(name, dtype, currency)
            right = kind not in ("text", "bool", "list", "date", "datetime")
            frame_cols.append(_Col(name, format_column(shown, currency=currency, ticks=ticks), right=right,
                                   text=kind in ("text", "list"), colour=name.lower() in _SEVERITY_COLUMNS))
    # a two-column field/value frame made by a caller colours the value of severity/status fields
    if field_rows is None and [c.name for c in frame_cols] == ["field", "value"]:
        field_rows = frame_cols[0].cells
        frame_cols[1].colour = True

    limit = width if width is not None else 10**9
    lifted: list[_Col] = []
    if field_rows is None and width is not None and frame.height > 1 and _total(frame_cols, "natural") > width:
        # a column with one value in every row (the order id of a one-order plan) is said once, above the table
        lifted = [c for c in frame_cols if c.cells and c.cells[0] and all(x == c.cells[0] for x in c.cells)]
        if len(lifted) >= len(frame_cols):
            lifted = lifted[1:]
        frame_cols = [c for c in frame_cols if c not in lifted]
    shown, hidden = _fit(frame_cols, width)
    lines: list[str] = []
    if title:
        for t in _wrap_cell(title, limit):
            lines.append(_style(t, "bold", color))
    if lifted:
        lines.extend(_wrap_cell("  ".join(f"{c.name}: {c.cells[0]}" for c in lifted), limit))
    head = [_wrap_header(c.name, c.width) for c in shown]
    n_head = max((len(h) for h in head), default=1)
    for i in range(n_head):
        parts = []
        for c, h in zip(shown, head):
            k = i - (n_head - len(h))  # bottom-aligned
            parts.append(_pad(h[k] if k >= 0 else "", c.width, c.right))
        lines.append(_style(_join(parts).rstrip(), "bold", color))
    lines.append(_style(_join(["─" * c.width for c in shown]), "dim", color))
    n_rows = len(shown[0].cells) if shown else 0
    for r in range(n_rows):
        cells = []
        for c in shown:
            if field_rows is not None and c.name == "field":
                cells.append(_wrap_header(c.cells[r], c.width))
            else:
                cells.append(_wrap_cell(c.cells[r], c.width) if c.text else [c.cells[r]])
        height = max(len(x) for x in cells)
        for i in range(height):
            parts = []
            for c, x in zip(shown, cells):
                raw = x[i] if i < len(x) else ""
                text = _pad(raw, c.width, c.right)
                sev = None
                if color and c.colour and i < len(x):
                    if field_rows is not None:
                        if field_rows[r].lower() in _SEVERITY_COLUMNS:
                            sev = severity_of(c.cells[r])
                    else:
                        sev = severity_of(c.cells[r])
                parts.append(text.replace(raw, _style(raw, sev, color), 1) if sev and raw else text)
            lines.append(_join(parts).rstrip())
    if not transpose and frame.height > max_rows:
        lines.append(f"… {frame.height - max_rows:,} more rows not shown")
    if hidden:
        names = ", ".join(c.name for c in hidden)
        msg = f"… {len(hidden)} more column{'s' if len(hidden) > 1 else ''} not shown ({names}): {more_hint}."
        lines.extend(_wrap_cell(msg, limit))
        log.debug("table %r: %d column(s) elided to fit %s characters", title, len(hidden), width)
    return lines


def _join(parts: list[str]) -> str:
    return (" " * GAP).join(parts)


def _style(text: str, style: str | None, color: bool) -> str:
    if not color or not style or not text.strip():
        return text
    return f"{_ANSI[style]}{text}{_RESET}"


def render_text(
    frame,
    title: str | None = None,
    width: int | None = 100,
    max_rows: int = 200,
    *,
    color: bool = False,
    currency: str = "USD",
    ticks: PriceTicks | None = None,
    more_hint: str = "all columns are in the frame (result.tables())",
) -> str:
    """``frame`` as a text table no wider than ``width`` characters.

    Parameters
    ----------
    frame : polars.DataFrame
        The table; each column is formatted by the unit its name carries (module docstring).
    title : str, optional
        A line above the table.
    width : int or None
        Most characters per line; None for no limit. Headers wrap after underscores and text wraps at
        spaces before a column is left out; left-out columns are named in a closing note with ``more_hint``.
    max_rows : int
        Rows shown; a note counts the rest.
    color : bool
        ANSI bold headers and coloured severities (critical red, warn yellow).
    currency : str
        The currency code whose ``_<code>`` suffix marks money columns (besides ``_usd``).
    ticks : PriceTicks, optional
        Tick sizes for ``_px`` columns.
    more_hint : str
        How to see the left-out columns (the command line says which option).

    Returns
    -------
    str
        The table, one line per row (wrapped cells take several), ending with a newline.
    """
    return "\n".join(render_lines(frame, title, width, max_rows, color=color, currency=currency, ticks=ticks,
                                  more_hint=more_hint)) + "\n"

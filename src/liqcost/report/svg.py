"""A small, deterministic SVG chart kit: scales, nice ticks, axes, marks, legends.

Written for liqcost's report instead of a plotting library (see ``docs/report.md`` for the measurements
behind the choice): no dependency, output that is byte-identical for the same input (no random ids, no
dates, coordinates rounded to 0.1 px), text as ``<text>`` in the page's font, and a ``<title>`` tooltip on
every mark so a reader can hover for the exact number. Every mark carries ``class="mark"`` so a test (or a
browser) can count what a chart drew.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence

__all__ = [
    "PALETTE",
    "Linear",
    "Log",
    "Figure",
    "Panel",
    "nice_ticks",
    "log_ticks",
    "date_ticks",
    "fmt_number",
    "fmt_pct",
    "text_width",
]

#: Okabe-Ito colours (distinguishable with the common colour-vision deficiencies), darkened yellow
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#9A8700", "#000000")
INK = "#1f2328"
MUTED = "#5b6470"
GRID = "#e3e6ea"
AXIS = "#9aa1a9"
WARN = "#D55E00"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'DejaVu Sans', sans-serif"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _n(v: float) -> str:
    """A coordinate, rounded to 0.1 px, without a trailing .0 (small and deterministic)."""
    r = round(float(v), 1)
    if r == 0:
        r = 0.0  # no "-0"
    s = f"{r:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _e(text) -> str:
    """XML-escaped text (for element text and double-quoted attributes)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def text_width(text: str, size: float = 11) -> float:
    """Approximate rendered width of ``text`` in px (for layout: margins, legends, labels)."""
    wide = sum(1 for ch in text if ch in "mwMW%@")
    narrow = sum(1 for ch in text if ch in "il.,:;|!'1 ")
    return size * (0.56 * len(text) + 0.3 * wide - 0.25 * narrow)


def _finite(v) -> bool:
    return v is not None and isinstance(v, (int, float)) and math.isfinite(v)


# ------------------------------------------------------------------------------------------- scales


class Linear:
    """A linear map from ``domain`` to pixel ``range``."""

    def __init__(self, d0: float, d1: float, r0: float = 0.0, r1: float = 1.0):
        if not (_finite(d0) and _finite(d1)):
            d0, d1 = 0.0, 1.0
        if d0 == d1:
            pad = abs(d0) * 0.1 or 1.0
            d0, d1 = d0 - pad, d1 + pad
        self.d0, self.d1, self.r0, self.r1 = float(d0), float(d1), float(r0), float(r1)

    def __call__(self, v: float) -> float:
        return self.r0 + (float(v) - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)

    def with_range(self, r0: float, r1: float) -> Linear:
        return Linear(self.d0, self.d1, r0, r1)

    def ticks(self, n: int = 5) -> list[float]:
        return nice_ticks(self.d0, self.d1, n)


class Log:
    """A base-10 logarithmic map of a positive ``domain`` to pixel ``range``."""

    def __init__(self, d0: float, d1: float, r0: float = 0.0, r1: float = 1.0):
        d0 = d0 if _finite(d0) and d0 > 0 else 1e-3
        d1 = d1 if _finite(d1) and d1 > 0 else d0 * 10
        if d1 <= d0:
            d1 = d0 * 10
        self.d0, self.d1, self.r0, self.r1 = float(d0), float(d1), float(r0), float(r1)
        self._l0, self._l1 = math.log10(self.d0), math.log10(self.d1)

    def __call__(self, v: float) -> float:
        v = max(float(v), 1e-300)
        return self.r0 + (math.log10(v) - self._l0) / (self._l1 - self._l0) * (self.r1 - self.r0)

    def with_range(self, r0: float, r1: float) -> Log:
        return Log(self.d0, self.d1, r0, r1)

    def ticks(self, n: int = 6) -> list[float]:
        return log_ticks(self.d0, self.d1, n)


def nice_step(span: float, n: int = 5) -> float:
    """A 1-2-2.5-5 x 10^k step that cuts ``span`` into about ``n`` intervals."""
    if not span > 0:
        return 1.0
    raw = span / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag * 1.0000001:
            return m * mag
    return 10 * mag


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (inclusive where they fall on a step)."""
    if not (_finite(lo) and _finite(hi)) or hi <= lo:
        return [lo] if _finite(lo) else []
    step = nice_step(hi - lo, n)
    start = math.ceil(lo / step - 1e-9)
    stop = math.floor(hi / step + 1e-9)
    return [round(k * step, 12) for k in range(start, stop + 1)]


def nice_domain(lo: float, hi: float, n: int = 5, zero: bool = False) -> tuple[float, float]:
    """[lo, hi] widened to tick steps (and to include 0 when ``zero``)."""
    if not (_finite(lo) and _finite(hi)):
        return (0.0, 1.0)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi <= lo:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - (0 if zero and lo == 0 else pad), hi + pad
    step = nice_step(hi - lo, n)
    return (math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step)


def log_ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    """Decades in [lo, hi], with 2x and 5x between them when there are few decades."""
    if not (lo > 0 and hi > lo):
        return []
    k0, k1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    mults = (1,) if (k1 - k0) > n else ((1, 2, 5) if (k1 - k0) <= 3 else (1, 3))
    out = []
    for k in range(k0, k1 + 1):
        for m in mults:
            v = m * 10.0**k
            if lo * 0.999999 <= v <= hi * 1.000001:
                out.append(float(f"{v:.12g}"))
    return out


def date_ticks(d0: dt.date, d1: dt.date, n: int = 7) -> list[dt.date]:
    """Calendar ticks between two dates: days, Mondays, fortnights, month starts or quarters."""
    span = (d1 - d0).days
    if span <= n:
        return [d0 + dt.timedelta(days=i) for i in range(span + 1)]
    for step in (2, 7, 14):
        if span / step <= n:
            first = d0 if step == 2 else d0 + dt.timedelta(days=(7 - d0.weekday()) % 7)
            out, d = [], first
            while d <= d1:
                out.append(d)
                d += dt.timedelta(days=step)
            return out
    months = 1
    for months in (1, 2, 3, 6, 12, 24, 60):
        if span / (30.4 * months) <= n:
            break
    out = []
    y, m = d0.year, d0.month
    while True:
        d = dt.date(y, m, 1)
        if d > d1:
            break
        if d >= d0 and (m - 1) % min(months, 12) == 0 and (months < 12 or y % (months // 12) == 0):
            out.append(d)
        m += 1
        if m > 12:
            y, m = y + 1, 1
    return out


def fmt_date(d: dt.date, with_year: bool = False) -> str:
    s = f"{_MONTHS[d.month - 1]} {d.day}"
    return f"{s}, {d.year}" if with_year else s


def _step_decimals(values: Sequence[float]) -> int:
    vals = [v for v in values if _finite(v)]
    if len(vals) < 2:
        return 0 if not vals or float(vals[0]).is_integer() else 2
    step = min(abs(b - a) for a, b in zip(vals, vals[1:]) if b != a) if len(set(vals)) > 1 else 1.0
    d = max(0, -math.floor(math.log10(step) + 1e-9))
    if any(abs(round(v, d) - v) > step * 1e-6 for v in vals):
        d += 1
    return min(d, 8)


def fmt_number(values: Sequence[float]) -> Callable[[float], str]:
    """A formatter with the decimals the tick step needs and thousands separators."""
    d = _step_decimals(values)
    return lambda v: f"{v:,.{d}f}"


def fmt_pct(values: Sequence[float]) -> Callable[[float], str]:
    """Fractions as percent with the decimals the tick step needs (0.25 -> 25%)."""
    d = _step_decimals([v * 100 for v in values])
    return lambda v: f"{v * 100:,.{d}f}%"


# ------------------------------------------------------------------------------------------- figure


class Figure:
    """One SVG chart: a fixed-size canvas with panels, text and a legend.

    Parameters
    ----------
    chart_id : str
        Stable id of the chart (``data-chart`` attribute; prefix of clip-path ids, so it must be unique in a
        page).
    width, height : float
        Size in px (the SVG scales to its container: ``viewBox`` + ``width: 100%`` in the report CSS).
    label : str
        Accessible name of the chart.
    """

    def __init__(self, chart_id: str, width: float, height: float, label: str):
        self.id = chart_id
        self.width = float(width)
        self.height = float(height)
        self.label = label
        self.parts: list[str] = []
        self.defs: list[str] = []
        self.n_marks = 0
        self._panels = 0

    # ---- primitives
    def add(self, element: str) -> None:
        self.parts.append(element)

    def text(self, x: float, y: float, s: str, *, anchor: str = "start", size: float = 11, fill: str = INK,
             weight: str | None = None, rotate: float | None = None, baseline: str | None = None) -> None:
        attrs = [f'x="{_n(x)}"', f'y="{_n(y)}"', f'font-size="{_n(size)}"', f'fill="{fill}"']
        if anchor != "start":
            attrs.append(f'text-anchor="{anchor}"')
        if weight:
            attrs.append(f'font-weight="{weight}"')
        if baseline:
            attrs.append(f'dominant-baseline="{baseline}"')
        if rotate is not None:
            attrs.append(f'transform="rotate({_n(rotate)} {_n(x)} {_n(y)})"')
        self.add(f"<text {' '.join(attrs)}>{_e(s)}</text>")

    def panel(self, left: float, top: float, width: float, height: float, x, y) -> Panel:
        """A plotting area; ``x`` and ``y`` are scales whose ranges are set to the area here."""
        self._panels += 1
        clip = f"{self.id}-clip{self._panels}"
        self.defs.append(f'<clipPath id="{clip}"><rect x="{_n(left)}" y="{_n(top - 2)}" width="{_n(width)}" '
                         f'height="{_n(height + 4)}"/></clipPath>')
        return Panel(self, left, top, width, height, x.with_range(left, left + width), y.with_range(top + height, top),
                     clip)

    def legend(self, items: Sequence[tuple[str, dict]], x: float, y: float, max_width: float) -> float:
        """A one- or multi-line legend from ``(label, style)`` with style keys ``color``, ``kind``
        (line, dash, area, bar, point, cross) ; returns its height."""
        cx, cy, line_h = x, y, 16
        for label, style in items:
            w = 22 + text_width(label) + 14
            if cx > x and cx + w > x + max_width:
                cx, cy = x, cy + line_h
            self._legend_key(cx, cy, style)
            self.text(cx + 22, cy + 4, label, size=11, fill=INK)
            cx += w
        return cy - y + line_h

    def _legend_key(self, x: float, y: float, style: dict) -> None:
        color = style.get("color", INK)
        kind = style.get("kind", "line")
        if kind in ("line", "dash"):
            dash = ' stroke-dasharray="5 3"' if kind == "dash" else ""
            self.add(f'<line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x + 16)}" y2="{_n(y)}" stroke="{color}" '
                     f'stroke-width="2"{dash}/>')
        elif kind in ("area", "bar"):
            op = style.get("opacity", 0.25 if kind == "area" else 1)
            self.add(f'<rect x="{_n(x)}" y="{_n(y - 5)}" width="16" height="10" fill="{color}" fill-opacity="{op}"/>')
        elif kind == "cross":
            self.add(_cross(x + 8, y, 4, color))
        else:
            self.add(f'<circle cx="{_n(x + 8)}" cy="{_n(y)}" r="4" fill="{color}"/>')

    def svg(self) -> str:
        defs = f"<defs>{''.join(self.defs)}</defs>" if self.defs else ""
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="lc-chart" data-chart="{_e(self.id)}" '
            f'data-marks="{self.n_marks}" viewBox="0 0 {_n(self.width)} {_n(self.height)}" '
            f'width="{_n(self.width)}" height="{_n(self.height)}" role="img" aria-label="{_e(self.label)}" '
            f'font-family="{_e(FONT)}">'
            f"<title>{_e(self.label)}</title>{defs}{''.join(self.parts)}</svg>"
        )


def _cross(x: float, y: float, r: float, color: str) -> str:
    return (f'<path d="M{_n(x - r)} {_n(y - r)}L{_n(x + r)} {_n(y + r)}M{_n(x - r)} {_n(y + r)}L{_n(x + r)} {_n(y - r)}" '
            f'stroke="{color}" stroke-width="2" fill="none"/>')


def _tip(title: str | None) -> str:
    return f"<title>{_e(title)}</title>" if title else ""


class Panel:
    """A plotting area of a :class:`Figure` with its x and y scales (pixel ranges set)."""

    def __init__(self, fig: Figure, left, top, width, height, x, y, clip: str):
        self.fig, self.left, self.top, self.width, self.height = fig, left, top, width, height
        self.x, self.y, self.clip = x, y, clip

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def _mark(self, body: str, kind: str, clip: bool = True) -> None:
        self.fig.n_marks += 1
        c = f' clip-path="url(#{self.clip})"' if clip else ""
        self.fig.add(f'<g class="mark" data-mark="{kind}"{c}>{body}</g>')

    # ---- axes
    def grid_y(self, ticks: Sequence[float]) -> None:
        lines = "".join(
            f'<line x1="{_n(self.left)}" x2="{_n(self.right)}" y1="{_n(self.y(t))}" y2="{_n(self.y(t))}"/>' for t in ticks
        )
        self.fig.add(f'<g stroke="{GRID}" stroke-width="1">{lines}</g>')

    def grid_x(self, ticks: Sequence[float]) -> None:
        lines = "".join(
            f'<line y1="{_n(self.top)}" y2="{_n(self.bottom)}" x1="{_n(self.x(t))}" x2="{_n(self.x(t))}"/>' for t in ticks
        )
        self.fig.add(f'<g stroke="{GRID}" stroke-width="1">{lines}</g>')

    def axis_left(self, ticks: Sequence[float], fmt: Callable[[float], str], label: str | None = None,
                  grid: bool = True) -> None:
        if grid:
            self.grid_y(ticks)
        for t in ticks:
            self.fig.text(self.left - 6, self.y(t) + 4, fmt(t), anchor="end", size=10.5, fill=MUTED)
        if label:
            self.fig.text(self.left, self.top - 8, label, size=11, fill=MUTED)

    def axis_right(self, ticks: Sequence[float], fmt: Callable[[float], str], scale, label: str | None = None) -> None:
        for t in ticks:
            self.fig.text(self.right + 6, scale(t) + 4, fmt(t), size=10.5, fill=MUTED)
        if label:
            self.fig.text(self.right, self.top - 8, label, anchor="end", size=11, fill=MUTED)

    def axis_bottom(self, ticks: Sequence, fmt: Callable, label: str | None = None, grid: bool = False,
                    pos: Callable | None = None) -> None:
        pos = pos or self.x
        self.fig.add(f'<line x1="{_n(self.left)}" x2="{_n(self.right)}" y1="{_n(self.bottom)}" y2="{_n(self.bottom)}" '
                     f'stroke="{AXIS}"/>')
        if grid:
            self.grid_x([pos(t) for t in ticks] if pos is not self.x else ticks)
        last_end = -1e9
        for t in ticks:
            px = pos(t)
            s = fmt(t)
            w = text_width(s, 10.5)
            if px - w / 2 < last_end + 4:  # never overlap labels
                continue
            self.fig.add(f'<line x1="{_n(px)}" x2="{_n(px)}" y1="{_n(self.bottom)}" y2="{_n(self.bottom + 4)}" '
                         f'stroke="{AXIS}"/>')
            self.fig.text(px, self.bottom + 16, s, anchor="middle", size=10.5, fill=MUTED)
            last_end = px + w / 2
        if label:
            self.fig.text(self.right, self.bottom + 32, label, anchor="end", size=11, fill=MUTED)

    # ---- marks
    def line(self, xs: Sequence, ys: Sequence, color: str, *, width: float = 1.8, dash: str | None = None,
             title: str | None = None, step: bool = False) -> None:
        """A polyline through the finite points (a gap at each NaN); ``step`` draws it as steps."""
        segs, cur = [], []
        for xv, yv in zip(xs, ys):
            if _finite(xv) and _finite(yv):
                cur.append((self.x(xv), self.y(yv)))
            elif cur:
                segs.append(cur)
                cur = []
        if cur:
            segs.append(cur)
        if not segs:
            return
        d = []
        for seg in segs:
            pts = seg
            if step and len(seg) > 1:
                pts = [seg[0]]
                for (x0, y0), (x1, y1) in zip(seg, seg[1:]):
                    pts += [(x1, y0), (x1, y1)]
            d.append("M" + "L".join(f"{_n(a)} {_n(b)}" for a, b in pts))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        self._mark(f'<path d="{"".join(d)}" fill="none" stroke="{color}" stroke-width="{_n(width)}" '
                   f'stroke-linejoin="round" stroke-linecap="round"{dash_attr}>{_tip(title)}</path>', "line")

    def area(self, xs: Sequence, lo: Sequence, hi: Sequence, color: str, *, opacity: float = 0.18,
             title: str | None = None) -> None:
        """A band between ``lo`` and ``hi`` over the points where both are finite."""
        pts = [(x, a, b) for x, a, b in zip(xs, lo, hi) if _finite(x) and _finite(a) and _finite(b)]
        if len(pts) < 2:
            return
        top = "L".join(f"{_n(self.x(x))} {_n(self.y(b))}" for x, _, b in pts)
        bottom = "L".join(f"{_n(self.x(x))} {_n(self.y(a))}" for x, a, _ in reversed(pts))
        self._mark(f'<path d="M{top}L{bottom}Z" fill="{color}" fill-opacity="{opacity}" stroke="none">{_tip(title)}</path>',
                   "area")

    def bars(self, x0: Sequence, x1: Sequence, y0: Sequence, y1: Sequence, color, *, titles: Sequence | None = None,
             opacity: float = 1.0, kind: str = "bar") -> None:
        """Rectangles from (x0, y0) to (x1, y1) in data units, one ``<rect>`` each with its tooltip."""
        rects = []
        colors = color if isinstance(color, (list, tuple)) else [color] * len(x0)
        for i, (a, b, c, d) in enumerate(zip(x0, x1, y0, y1)):
            if not all(_finite(v) for v in (a, b, c, d)):
                continue
            px0, px1 = sorted((self.x(a), self.x(b)))
            py0, py1 = sorted((self.y(c), self.y(d)))
            h = max(py1 - py0, 0.0)
            tip = _tip(titles[i]) if titles is not None else ""
            rects.append(f'<rect x="{_n(px0)}" y="{_n(py0)}" width="{_n(max(px1 - px0, 0.5))}" height="{_n(h)}" '
                         f'fill="{colors[i]}">{tip}</rect>')
        if rects:
            op = f' fill-opacity="{opacity}"' if opacity != 1 else ""
            self._mark(f"<g{op}>{''.join(rects)}</g>", kind)

    def points(self, xs: Sequence, ys: Sequence, color, *, r: float = 3.2, titles: Sequence | None = None,
               shape: str = "circle", stroke: str | None = None, kind: str = "points") -> None:
        """Markers at the finite points (circles or crosses), each with its tooltip."""
        out = []
        colors = color if isinstance(color, (list, tuple)) else [color] * len(xs)
        for i, (xv, yv) in enumerate(zip(xs, ys)):
            if not (_finite(xv) and _finite(yv)):
                continue
            px, py = self.x(xv), self.y(yv)
            tip = _tip(titles[i]) if titles is not None else ""
            if shape == "cross":
                out.append(f"<g>{_cross(px, py, r, colors[i])}{tip}</g>")
            else:
                st = f' stroke="{stroke}" stroke-width="1.5"' if stroke else ""
                out.append(f'<circle cx="{_n(px)}" cy="{_n(py)}" r="{_n(r)}" fill="{colors[i]}"{st}>{tip}</circle>')
        if out:
            self._mark("".join(out), kind, clip=False)

    def hline(self, y: float, color: str, *, dash: str | None = "4 3", width: float = 1.2, label: str | None = None,
              title: str | None = None) -> None:
        if not _finite(y):
            return
        py = self.y(y)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        self._mark(f'<line x1="{_n(self.left)}" x2="{_n(self.right)}" y1="{_n(py)}" y2="{_n(py)}" stroke="{color}" '
                   f'stroke-width="{_n(width)}"{dash_attr}>{_tip(title or label)}</line>', "rule")
        if label:
            self.fig.text(self.right - 4, py - 4, label, anchor="end", size=10.5, fill=color)

    def vline(self, x: float, color: str, *, dash: str | None = "3 3", width: float = 1.2, label: str | None = None,
              title: str | None = None) -> None:
        if not _finite(x):
            return
        px = self.x(x)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        self._mark(f'<line y1="{_n(self.top)}" y2="{_n(self.bottom)}" x1="{_n(px)}" x2="{_n(px)}" stroke="{color}" '
                   f'stroke-width="{_n(width)}"{dash_attr}>{_tip(title or label)}</line>', "rule")
        if label:
            self.fig.text(px + 4, self.top + 11, label, size=10.5, fill=color)

    def band_x(self, x0: float, x1: float, color: str, *, opacity: float = 0.12, title: str | None = None,
               kind: str = "span") -> None:
        """A full-height shaded span from x0 to x1 (a zero-volume day, a window)."""
        if not (_finite(x0) and _finite(x1)):
            return
        a, b = sorted((self.x(x0), self.x(x1)))
        self._mark(f'<rect x="{_n(a)}" y="{_n(self.top)}" width="{_n(max(b - a, 1))}" height="{_n(self.height)}" '
                   f'fill="{color}" fill-opacity="{opacity}">{_tip(title)}</rect>', kind)

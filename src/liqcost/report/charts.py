"""The report's charts: each a function of polars frames that returns a :class:`Chart` (an inline SVG).

Every function documents the frame it reads (its *input contract*): the columns it needs and the optional
ones it uses when present. Frames come from the library (``build_from_dataset(...).daily / .profile``,
``cost_curve``, ``pretrade(...).orders``, ``plan(...).tranches / .summary``, the fill-model table) or,
for the pluggable charts (:func:`frontier`, :func:`replay_comparison`, :func:`tca_scatter`), from any code
that builds a frame with the documented columns. A chart never reads a file.

Charts are deterministic: the same frames give byte-identical SVG.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from liqcost.report.svg import (
    AXIS,
    INK,
    MUTED,
    PALETTE,
    WARN,
    Figure,
    Linear,
    Log,
    date_ticks,
    fmt_date,
    fmt_number,
    fmt_pct,
    nice_domain,
    nice_ticks,
    text_width,
)

__all__ = [
    "Chart",
    "spread_history",
    "spread_distribution",
    "volume_profile",
    "daily_volume",
    "cost_curve",
    "plan_timeline",
    "fill_curves",
    "frontier",
    "replay_comparison",
    "tca_scatter",
    "SPREAD_MEASURES",
    "chart_id",
]

WIDTH = 760
#: spread columns of the daily table, in the order a chart prefers them (ticks first, then bar estimators)
SPREAD_MEASURES = ("effective_spread_bps", "quoted_spread_bps", "edge_spread_bps", "ar_spread_bps", "cs_spread_bps",
                   "roll_spread_bps")
_LABELS = {
    "effective_spread_bps": "effective spread",
    "quoted_spread_bps": "quoted spread",
    "edge_spread_bps": "EDGE spread (bars)",
    "ar_spread_bps": "Abdi-Ranaldo spread (bars)",
    "cs_spread_bps": "Corwin-Schultz spread (bars)",
    "roll_spread_bps": "Roll spread (bars)",
}


@dataclass(frozen=True)
class Chart:
    """One chart of a report.

    Attributes
    ----------
    id : str
        Unique in its report (``data-chart`` of the SVG).
    title : str
        Heading shown above the chart.
    svg : str
        The inline SVG document.
    caption : str
        One or two sentences under the chart: how to read it, what it shows.
    n_marks : int
        Number of marks drawn (lines, bars, point groups); 0 means an empty chart.
    """

    id: str
    title: str
    svg: str
    caption: str = ""
    n_marks: int = 0


def chart_id(*parts) -> str:
    """A page-unique, attribute-safe id from parts (``cost_curve``, ``THNE`` -> ``cost_curve-THNE``)."""
    return "-".join(re.sub(r"[^A-Za-z0-9_]+", "_", str(p)) for p in parts if p is not None and str(p) != "")


def _done(fig: Figure, title: str, caption: str) -> Chart:
    return Chart(fig.id, title, fig.svg(), caption, fig.n_marks)


def _finite(v) -> bool:
    return v is not None and isinstance(v, (int, float)) and math.isfinite(v)


def _vals(frame, col) -> list:
    return frame.get_column(col).to_list() if col in frame.columns else [None] * frame.height


def _left_margin(labels: list[str], minimum: float = 44, size: float = 10.5) -> float:
    """Room left of the plot for ``labels`` at font ``size`` (row labels are bold: pass a larger size)."""
    return max(minimum, max((text_width(s, size) for s in labels), default=0) + 14)


def _require(frame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs the columns {', '.join(missing)} (got {', '.join(frame.columns)}).")


def _ordinal(d) -> float:
    if isinstance(d, dt.datetime):
        return d.toordinal() + (d.hour * 3600 + d.minute * 60 + d.second) / 86400.0
    return float(d.toordinal())


def _bps(v) -> str:
    return f"{v:,.1f} bps" if _finite(v) else "n/a"


def _pct(v, d: int = 1) -> str:
    return f"{v * 100:.{d}f}%" if _finite(v) else "n/a"


def _shares(v) -> str:
    return f"{v:,.0f}" if _finite(v) else "n/a"


def spread_measure(daily) -> list[str]:
    """The spread columns of ``daily`` that hold any finite value, in :data:`SPREAD_MEASURES` order."""
    import polars as pl

    out = []
    for c in SPREAD_MEASURES:
        if c in daily.columns and daily.select(pl.col(c).is_finite().fill_null(False).any()).item():
            out.append(c)
    return out


# ------------------------------------------------------------------------------------------ spreads


def spread_history(daily, *, cid: str = "spread_history") -> Chart:
    """Daily spread per symbol over time.

    Input contract (``daily``): ``symbol``, ``date`` and at least one of :data:`SPREAD_MEASURES` (bps). With
    one symbol the two best measures are drawn (effective solid, quoted dashed); with several, the best
    measure per symbol. Days without a value (no trades: no effective spread) are gaps in the line.
    """
    import polars as pl

    _require(daily, ["symbol", "date"], "spread_history")
    measures = spread_measure(daily)
    symbols = sorted(daily.get_column("symbol").unique().to_list())
    fig = Figure(cid, WIDTH, 300, "Daily spread over time")
    if not measures:
        fig.text(20, 40, "no spread measure in these data", fill=MUTED)
        return _done(fig, "Spread history", "No spread could be measured (no quotes, no bars).")
    use = measures[:2] if len(symbols) == 1 else measures[:1]
    d = daily.sort("symbol", "date")
    all_vals = [v for m in use for v in _vals(d, m) if _finite(v)]
    y0, y1 = nice_domain(0.0, max(all_vals) if all_vals else 1.0, 5, zero=True)
    yt = nice_ticks(y0, y1, 5)
    fy = fmt_number(yt)
    dates = d.get_column("date").to_list()
    d0, d1 = min(dates), max(dates)
    left = _left_margin([fy(t) for t in yt])
    series = []
    for i, s in enumerate(symbols):
        for j, m in enumerate(use):
            label = f"{s} {_LABELS[m]}" if len(symbols) > 1 else _LABELS[m]
            series.append((s, m, PALETTE[i % len(PALETTE)] if len(symbols) > 1 else PALETTE[j], "dash" if j else "line", label))
    legend_h = _legend_height(fig, [x[4] for x in series], WIDTH - left - 16)
    top = 20 + legend_h + 14
    fig.legend([(lab, {"color": col, "kind": kind}) for _, _, col, kind, lab in series], left, 16, WIDTH - left - 16)
    p = fig.panel(left, top, WIDTH - left - 16, 300 - top - 40, Linear(_ordinal(d0) - 0.5, _ordinal(d1) + 0.5), Linear(y0, y1))
    p.axis_left(yt, fy, "bps")
    ticks = date_ticks(d0, d1)
    p.axis_bottom(ticks, lambda t: fmt_date(t), pos=lambda t: p.x(_ordinal(t)))
    for s, m, col, kind, label in series:
        f = d.filter(pl.col("symbol") == s)
        xs = [_ordinal(x) for x in f.get_column("date").to_list()]
        ys = _vals(f, m)
        p.line(xs, ys, col, dash="5 3" if kind == "dash" else None, title=label)
        tips = [f"{s} {x}: {_LABELS[m]} {_bps(y)}" for x, y in zip(f.get_column("date").to_list(), ys)]
        p.points(xs, ys, col, r=2.4, titles=tips)
    first = _LABELS[use[0]]
    caption = (f"{first[0].upper() + first[1:]} per trading day, in bps of the midpoint"
               + (f"; dashed: {_LABELS[use[1]]}" if len(use) > 1 else "")
               + ". Gaps are days without trades. Hover a point for its value.")
    return _done(fig, "Spread history", caption)


def _legend_height(fig: Figure, labels: list[str], width: float) -> float:
    cx, rows = 0.0, 1
    for lab in labels:
        w = 22 + text_width(lab) + 14
        if cx > 0 and cx + w > width:
            rows += 1
            cx = 0.0
        cx += w
    return rows * 16


def _quantile(sorted_vals: list[float], q: float) -> float:
    if not sorted_vals:
        return float("nan")
    pos = q * (len(sorted_vals) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (pos - lo)


def spread_distribution(daily, *, measure: str | None = None, cid: str = "spread_distribution") -> Chart:
    """Distribution of the daily spread per symbol: a box (25-75%), whiskers (10-90%), the median, and a dot
    per day.

    Input contract (``daily``): ``symbol`` and a spread column (``measure``, default the first of
    :data:`SPREAD_MEASURES` with values).
    """
    import polars as pl

    _require(daily, ["symbol"], "spread_distribution")
    measures = [measure] if measure else spread_measure(daily)
    symbols = sorted(daily.get_column("symbol").unique().to_list())
    row_h = 34
    height = 70 + row_h * max(len(symbols), 1)
    fig = Figure(cid, WIDTH, height, "Distribution of the daily spread per symbol")
    if not measures or measures[0] not in daily.columns:
        fig.text(20, 40, "no spread measure in these data", fill=MUTED)
        return _done(fig, "Spread distribution", "No spread could be measured.")
    m = measures[0]
    per = {}
    for s in symbols:
        v = daily.filter(pl.col("symbol") == s).get_column(m).to_list()
        per[s] = sorted(x for x in v if _finite(x))
    allv = [x for v in per.values() for x in v]
    x0, x1 = nice_domain(0.0, max(allv) if allv else 1.0, 6, zero=True)
    xt = nice_ticks(x0, x1, 6)
    left = _left_margin(symbols, 60, size=12.5)
    side = {sym: f"median {_quantile(v, 0.5):,.1f} · {len(v)} d" if v else "" for sym, v in per.items()}
    right = max([text_width(t, 10.5) for t in side.values()] + [60]) + 20
    p = fig.panel(left, 24, WIDTH - left - right, row_h * len(symbols), Linear(x0, x1), Linear(0, len(symbols)))
    p.grid_x(xt)
    p.axis_bottom(xt, fmt_number(xt), f"{_LABELS.get(m, m)}, bps")
    for i, s in enumerate(symbols):
        v = per[s]
        yc = len(symbols) - i - 0.5
        fig.text(left - 8, p.y(yc) + 4, s, anchor="end", size=11.5, fill=INK, weight="600")
        if not v:
            fig.text(left + 6, p.y(yc) + 4, "no value", size=10.5, fill=MUTED)
            continue
        q10, q25, q50, q75, q90 = (_quantile(v, q) for q in (0.1, 0.25, 0.5, 0.75, 0.9))
        color = PALETTE[i % len(PALETTE)]
        p.bars([q10], [q90], [yc - 0.03], [yc + 0.03], AXIS, titles=[f"{s}: 10-90% {q10:,.1f} to {q90:,.1f} bps"],
               kind="whisker")
        p.bars([q25], [q75], [yc - 0.28], [yc + 0.28], color, opacity=0.25,
               titles=[f"{s}: 25-75% {q25:,.1f} to {q75:,.1f} bps"], kind="box")
        p.bars([q50 - (x1 - x0) * 0.002], [q50 + (x1 - x0) * 0.002], [yc - 0.32], [yc + 0.32], color,
               titles=[f"{s}: median {q50:,.1f} bps"], kind="median")
        # one dot per day, spread over three lanes so equal values stay visible (deterministic)
        ys = [yc + (k % 3 - 1) * 0.13 for k in range(len(v))]
        p.points(v, ys, color, r=2.2, titles=[f"{s}: {x:,.1f} bps" for x in v])
        fig.text(p.right + 10, p.y(yc) + 4, side[s], size=10.5, fill=MUTED)
    caption = (f"Daily {_LABELS.get(m, m)} per symbol (bps): box 25-75%, whiskers 10-90%, bar the median, a dot per "
               "day; on the right the median and the number of days with a value.")
    return _done(fig, "Spread distribution", caption)


# ------------------------------------------------------------------------------------------- volume


def _hhmm(minutes: float) -> str:
    minutes = int(round(minutes))
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def volume_profile(profile, *, session_open: str = "09:30", cid: str = "volume_profile") -> Chart:
    """The intraday volume profile: the share of a day's continuous-session volume in each interval.

    Input contract (``profile``): ``symbol``, ``volume_profile_frac`` (list of fractions, one per interval
    from the open) and ``profile_interval_minutes``; optional ``open_auction_frac`` and ``close_auction_frac``
    (named in the caption). One symbol: bars; several: a line each.
    """
    _require(profile, ["symbol", "volume_profile_frac", "profile_interval_minutes"], "volume_profile")
    h, m = (int(x) for x in session_open.split(":"))
    open_min = h * 60 + m
    rows = [r for r in profile.sort("symbol").iter_rows(named=True) if r["volume_profile_frac"]]
    fig = Figure(cid, WIDTH, 290, "Intraday volume profile")
    if not rows:
        fig.text(20, 40, "no intraday profile (bars-only data)", fill=MUTED)
        return _done(fig, "Intraday volume profile", "No intraday profile: the data have no trades.")
    ymax = max(max((v for v in r["volume_profile_frac"] if _finite(v)), default=0) for r in rows)
    y0, y1 = nice_domain(0.0, ymax or 0.1, 5, zero=True)
    yt = nice_ticks(y0, y1, 5)
    fy = fmt_pct(yt)
    nbins = max(len(r["volume_profile_frac"]) for r in rows)
    step = int(rows[0]["profile_interval_minutes"] or 30)
    left = _left_margin([fy(t) for t in yt])
    labels = [r["symbol"] for r in rows]
    legend_h = _legend_height(fig, labels, WIDTH - left - 16) if len(rows) > 1 else 0
    top = 24 + legend_h + (10 if legend_h else 0)
    if len(rows) > 1:
        fig.legend([(s, {"color": PALETTE[i % len(PALETTE)], "kind": "line"}) for i, s in enumerate(labels)], left, 16,
                   WIDTH - left - 16)
    p = fig.panel(left, top, WIDTH - left - 16, 290 - top - 40, Linear(0, nbins * step), Linear(y0, y1))
    p.axis_left(yt, fy, "share of the day's volume")
    xt = list(range(0, nbins * step + 1, step * max(1, math.ceil(nbins / 8))))
    p.axis_bottom(xt, lambda t: _hhmm(open_min + t))
    for i, r in enumerate(rows):
        fr = r["volume_profile_frac"]
        color = PALETTE[i % len(PALETTE)]
        starts = [k * step for k in range(len(fr))]
        tips = [f"{r['symbol']} {_hhmm(open_min + a)}-{_hhmm(open_min + a + step)}: {_pct(v)}" for a, v in zip(starts, fr)]
        if len(rows) == 1:
            p.bars([a + step * 0.08 for a in starts], [a + step * 0.92 for a in starts], [0] * len(fr), fr, color,
                   titles=tips)
        else:
            mids = [a + step / 2 for a in starts]
            p.line(mids, fr, color, title=r["symbol"])
            p.points(mids, fr, color, r=2.4, titles=tips)
    auctions = []
    for r in rows:
        oa, ca = r.get("open_auction_frac"), r.get("close_auction_frac")
        if (_finite(oa) and oa > 0) or (_finite(ca) and ca > 0):
            auctions.append(f"{r['symbol']} open {_pct(oa)} / close {_pct(ca)}")
    caption = f"Share of the continuous session's volume in each {step}-minute interval from the open (exchange time)."
    if auctions:
        caption += " Auctions, not shown: " + "; ".join(auctions[:6]) + ("." if len(auctions) <= 6 else ", ...")
    return _done(fig, "Intraday volume profile", caption)


def daily_volume(daily, profile=None, *, cid: str = "daily_volume") -> Chart:
    """Daily volume per symbol with zero-volume days marked, and the ADV as a dashed line.

    Input contract (``daily``): ``symbol``, ``date``, ``volume_shares`` (or ``volume`` for bars); optional
    ``zero_volume`` (bool; else a zero volume marks the day). ``profile`` (optional): ``symbol``,
    ``adv_shares`` for the reference line (else the mean of the days shown).
    """
    import polars as pl

    vol = "volume_shares" if "volume_shares" in daily.columns else "volume"
    _require(daily, ["symbol", "date", vol], "daily_volume")
    symbols = sorted(daily.get_column("symbol").unique().to_list())
    panel_h, gap = 76, 26
    height = 40 + len(symbols) * (panel_h + gap) + 16
    fig = Figure(cid, WIDTH, height, "Daily volume with zero-volume days")
    d = daily.sort("symbol", "date")
    dates = d.get_column("date").to_list()
    d0, d1 = min(dates), max(dates)
    adv = {}
    if profile is not None and "adv_shares" in profile.columns:
        adv = dict(zip(profile.get_column("symbol").to_list(), profile.get_column("adv_shares").to_list()))
    fig.legend([("volume", {"color": PALETTE[0], "kind": "bar"}), ("zero-volume day", {"color": WARN, "kind": "cross"}),
                ("ADV", {"color": INK, "kind": "dash"})], 70, 14, WIDTH - 90)
    n_zero_total = 0
    left = 70
    for i, s in enumerate(symbols):
        f = d.filter(pl.col("symbol") == s)
        v = [x if _finite(x) else 0.0 for x in f.get_column(vol).to_list()]
        zero = f.get_column("zero_volume").to_list() if "zero_volume" in f.columns else [x == 0 for x in v]
        zero = [bool(z) or (x == 0) for z, x in zip(zero, v)]
        ref = adv.get(s)
        if not _finite(ref):
            ref = sum(v) / len(v) if v else float("nan")
        top = 40 + i * (panel_h + gap)
        y0, y1 = nice_domain(0.0, max(v + [ref if _finite(ref) else 0.0]) or 1.0, 3, zero=True)
        yt = nice_ticks(y0, y1, 3)
        p = fig.panel(left, top, WIDTH - left - 16, panel_h, Linear(_ordinal(d0) - 0.5, _ordinal(d1) + 0.5), Linear(y0, y1))
        p.axis_left(yt, _compact)
        fig.text(left, top - 6, s, size=11.5, weight="600")
        xs = [_ordinal(x) for x in f.get_column("date").to_list()]
        days = f.get_column("date").to_list()
        tips = [f"{s} {dd}: {_shares(x)} shares" + (" (no trade)" if z else "")
                for dd, x, z in zip(days, v, zero)]
        p.bars([x - 0.38 for x in xs], [x + 0.38 for x in xs], [0] * len(v), v, PALETTE[0], titles=tips)
        zx = [x for x, z in zip(xs, zero) if z]
        n_zero_total += len(zx)
        for x, dd in zip(xs, days):
            if x in zx:
                p.band_x(x - 0.5, x + 0.5, WARN, opacity=0.10, title=f"{s} {dd}: zero volume", kind="zero_day")
        if zx:
            p.points(zx, [0] * len(zx), WARN, shape="cross", r=4,
                     titles=[f"{s} {dd}: zero volume" for dd, z in zip(days, zero) if z], kind="zero_days")
        if _finite(ref):
            p.hline(ref, INK, dash="5 3", width=1, title=f"{s} ADV {_shares(ref)} shares")
            fig.text(p.right, top - 6, f"ADV {_shares(ref)} · {len(zx)} zero-volume day{'s' if len(zx) != 1 else ''}",
                     anchor="end", size=10.5, fill=MUTED)
        if i == len(symbols) - 1:
            p.axis_bottom(date_ticks(d0, d1), fmt_date, pos=lambda t, p=p: p.x(_ordinal(t)))
        else:
            fig.add(f'<line x1="{left}" x2="{WIDTH - 16}" y1="{top + panel_h:.1f}" y2="{top + panel_h:.1f}" stroke="{AXIS}"/>')
    caption = (f"Shares traded per trading day; red crosses and shading mark the {n_zero_total} zero-volume day(s) "
               "(no trade at all), which the days-to-complete model counts. Dashed: the ADV of the profile.")
    return _done(fig, "Daily volume", caption)


def _compact(v: float) -> str:
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:.3g}B"
    if a >= 1e6:
        return f"{v / 1e6:.3g}M"
    if a >= 1e4:
        return f"{v / 1e3:.3g}k"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:.3g}"


# ------------------------------------------------------------------------------------------ pretrade

_MODEL_COLS = ("cost_sqrt_bps", "cost_almgren2005_bps", "cost_istar_bps", "cost_crossover_bps", "cost_log_bps")


def cost_curve(curve, orders=None, *, currency: str = "USD", cid: str = "cost_curve") -> Chart:
    """Cost against order size (% of ADV, log scale) with the model band, each model, and the orders marked.

    Input contract (``curve``, from :func:`liqcost.pretrade.cost_curve`): ``size_frac_adv``,
    ``cost_central_bps``, ``cost_low_bps``, ``cost_high_bps``; optional ``cost_<model>_bps`` per model,
    ``expected_days`` (marks the sizes that take 1 and 5 days at the cap) and ``symbol``. ``orders``
    (optional, from ``pretrade(...).orders``): ``order_adv_frac``, ``cost_central_bps``, ``cost_low_bps``,
    ``cost_high_bps``, optional ``order_id``, ``qty_shares``, ``cost_central_usd``.
    """
    _require(curve, ["size_frac_adv", "cost_central_bps", "cost_low_bps", "cost_high_bps"], "cost_curve")
    c = curve.sort("size_frac_adv")
    sym = c.get_column("symbol")[0] if "symbol" in c.columns and c.height else ""
    x = c.get_column("size_frac_adv").to_list()
    lo, mid, hi = _vals(c, "cost_low_bps"), _vals(c, "cost_central_bps"), _vals(c, "cost_high_bps")
    models = [m for m in _MODEL_COLS if m in c.columns]
    order_rows = list(orders.iter_rows(named=True)) if orders is not None and orders.height else []
    xs_all = [v for v in x if _finite(v) and v > 0] + [r["order_adv_frac"] for r in order_rows
                                                        if _finite(r.get("order_adv_frac")) and r["order_adv_frac"] > 0]
    ys_all = [v for col in [hi, mid] + [_vals(c, m) for m in models] for v in col if _finite(v)]
    ys_all += [r.get("cost_high_bps") for r in order_rows if _finite(r.get("cost_high_bps"))]
    fig = Figure(cid, WIDTH, 330, f"Cost against order size {sym}".strip())
    if not xs_all or not ys_all:
        fig.text(20, 40, "no cost curve", fill=MUTED)
        return _done(fig, f"Cost vs order size {sym}".strip(), "No curve could be computed.")
    xs_dom = (min(xs_all) / 1.15, max(xs_all) * 1.15)
    y0, y1 = nice_domain(0.0, max(ys_all), 5, zero=True)
    yt = nice_ticks(y0, y1, 5)
    fy = fmt_number(yt)
    left = _left_margin([fy(t) for t in yt])
    items = [("model band (low-high)", {"color": PALETTE[0], "kind": "area"}),
             ("central estimate", {"color": PALETTE[0], "kind": "line"})]
    if models:
        items.append(("each model", {"color": MUTED, "kind": "dash"}))
    if order_rows:
        items.append(("order", {"color": WARN, "kind": "point"}))
    fig.legend(items, left, 16, WIDTH - left - 16)
    p = fig.panel(left, 52, WIDTH - left - 90, 330 - 52 - 44, Log(*xs_dom), Linear(y0, y1))
    p.axis_left(yt, fy, "cost, bps of arrival mid")
    xt = p.x.ticks()
    p.axis_bottom(xt, lambda t: _pct_tick(t), "order size, % of ADV (log scale)", grid=True)
    p.area(x, lo, hi, PALETTE[0], opacity=0.16, title="model band: lowest to highest model")
    ends = []
    for m in models:
        ys = _vals(c, m)
        name = m[len("cost_"):-len("_bps")]
        p.line(x, ys, MUTED, width=1, dash="4 3", title=name)
        last = next(((a, b) for a, b in zip(reversed(x), reversed(ys)) if _finite(b)), None)
        if last:
            ends.append((p.y(last[1]), name))
    for ypx, name in _apart(ends, 11, p.top + 4, p.bottom):
        fig.text(p.right + 4, ypx + 3, name, size=9.5, fill=MUTED)
    p.line(x, mid, PALETTE[0], width=2.4, title="central estimate")
    tips = [f"{_pct(a, 2)} of ADV: central {_bps(b)} (band {_bps(lo_)} to {_bps(hi_)})" for a, b, lo_, hi_ in zip(x, mid, lo, hi)]
    p.points(x, mid, PALETTE[0], r=2.2, titles=tips, kind="curve_points")
    days = _vals(c, "expected_days")
    for target, label in ((1.0, "1 day at cap"), (5.0, "5 days")):
        cross = _crossing(x, days, target)
        if cross is not None and xs_dom[0] < cross < xs_dom[1]:
            p.vline(cross, MUTED, label=label, title=f"orders above {_pct(cross)} of ADV need more than {label}")
    marked = [r for r in order_rows if _finite(r.get("order_adv_frac")) and _finite(r.get("cost_central_bps"))
              and r["order_adv_frac"] > 0]
    for k, r in enumerate(marked, 1):
        px, pc = r.get("order_adv_frac"), r.get("cost_central_bps")
        rl, rh = r.get("cost_low_bps"), r.get("cost_high_bps")
        if _finite(rl) and _finite(rh):
            p.bars([px / 1.012], [px * 1.012], [rl], [rh], WARN, opacity=0.6,
                   titles=[f"{r.get('order_id', 'order')}: band {_bps(rl)} to {_bps(rh)}"], kind="order_band")
        money = r.get("cost_central_usd")
        tip = (f"{r.get('order_id', 'order')}: {_shares(r.get('qty_shares'))} shares, {_pct(px)} of ADV, "
               f"{_bps(pc)}" + (f" ({money:,.0f} {currency})" if _finite(money) else ""))
        p.points([px], [pc], WARN, r=5, titles=[tip], stroke="#ffffff", kind="order")
        if len(marked) > 1:  # numbers at the points, the orders listed in the corner (labels would collide)
            fig.text(p.x(px) + (6 if k % 2 else -6), p.y(pc) - 7, str(k), anchor="start" if k % 2 else "end", size=10,
                     fill=WARN, weight="700")
    lines = []
    for k, r in enumerate(marked, 1):
        head = f"{k} " if len(marked) > 1 else ""
        money = r.get("cost_central_usd")
        lines.append(f"{head}{r.get('order_id', 'order')}: {_pct(r['order_adv_frac'])} of ADV, {_bps(r['cost_central_bps'])}"
                     + (f", {money:,.0f} {currency}" if _finite(money) else ""))
    for k, line in enumerate(lines[:8]):
        fig.text(p.left + 10, p.top + 16 + 15 * k, line, size=11, fill=WARN, weight="600")
    if len(lines) > 8:
        fig.text(p.left + 10, p.top + 16 + 15 * 8, f"... {len(lines) - 8} more (hover the points)", size=10.5, fill=WARN)
    caption = ("Expected cost of an order against its size in % of ADV: the band spans the impact models, the line is "
               "the central estimate" + (", dashed lines each model" if models else "")
               + (", vertical lines the sizes that need 1 and 5 trading days at the participation cap" if any(_finite(v) for v in days) else "")
               + (". The marked point is the order, with its band." if order_rows else "."))
    return _done(fig, f"Cost vs order size {sym}".strip(), caption)


def _apart(items: list[tuple[float, str]], gap: float, lo: float, hi: float) -> list[tuple[float, str]]:
    """Label positions (px) pushed apart by at least ``gap``, kept within [lo, hi], order preserved."""
    if not items:
        return []
    items = sorted(items)
    ys = [min(max(y, lo), hi) for y, _ in items]
    for i in range(1, len(ys)):
        ys[i] = max(ys[i], ys[i - 1] + gap)
    over = ys[-1] - hi
    if over > 0:
        ys = [y - over for y in ys]
        for i in range(len(ys) - 2, -1, -1):
            ys[i] = min(ys[i], ys[i + 1] - gap)
    return [(y, name) for y, (_, name) in zip(ys, items)]


def _pct_tick(v: float) -> str:
    p = v * 100
    if p >= 1:
        return f"{p:,.0f}%"
    return f"{p:.2g}%"


def _crossing(xs, ys, target):
    """The x where y first reaches ``target`` (log-linear interpolation), or None."""
    prev = None
    for xv, yv in zip(xs, ys):
        if not (_finite(xv) and _finite(yv)):
            continue
        if prev is not None and prev[1] < target <= yv:
            (xa, ya), (xb, yb) = prev, (xv, yv)
            t = (target - ya) / (yb - ya) if yb != ya else 0.0
            return math.exp(math.log(xa) + t * (math.log(xb) - math.log(xa)))
        prev = (xv, yv)
    return None


# ------------------------------------------------------------------------------------------- planner

_RULE_COLORS = {"join": PALETTE[0], "improve_1": PALETTE[4], "improve_2": PALETTE[2], "improve_3": PALETTE[6],
                "mid": PALETTE[3], "cross": WARN}


def plan_timeline(tranches, summary=None, *, cid: str = "plan_timeline") -> Chart:
    """The plan as a timeline: each window's expected market volume, the tranche (coloured by its limit
    rule) and the participation cap, with the cumulative share of the order; below, each tranche's
    participation of the expected volume against the cap.

    Input contract (``tranches``, one order's rows of ``plan(...).tranches``): ``date``, ``window_start``,
    ``window_end``, ``qty_shares``, ``expected_volume_shares``, ``limit_rule``; optional ``order_id``,
    ``participation_frac``, ``expected_fill_frac``, ``limit_price_px``, ``expected_cost_bps``, ``tranche``.
    ``summary`` (optional, that order's row of ``plan(...).summary``): ``max_participation_frac`` for the cap.
    """
    _require(tranches, ["date", "window_start", "window_end", "qty_shares", "expected_volume_shares", "limit_rule"],
             "plan_timeline")
    t = tranches.sort("window_start")
    oid = t.get_column("order_id")[0] if "order_id" in t.columns and t.height else ""
    rows = list(t.iter_rows(named=True))
    cap = None
    if summary is not None and "max_participation_frac" in summary.columns and summary.height:
        cap = summary.get_column("max_participation_frac")[0]
    height = 400
    fig = Figure(cid, WIDTH, height, f"Plan timeline {oid}".strip())
    if not rows:
        fig.text(20, 40, "no tranche", fill=MUTED)
        return _done(fig, f"Plan timeline {oid}".strip(), "The order was not planned.")
    # windows on a compressed axis: each trading day's session side by side, a small gap between days
    days = sorted({r["date"] for r in rows})
    day_len: dict = {}
    for r in rows:
        a = r["window_start"].hour * 60 + r["window_start"].minute
        b = r["window_end"].hour * 60 + r["window_end"].minute or 24 * 60
        lo_, hi_ = day_len.get(r["date"], (a, b))
        day_len[r["date"]] = (min(lo_, a), max(hi_, b))
    span = max(b - a for a, b in day_len.values())
    gap = span * 0.06
    offset = {d: i * (span + gap) for i, d in enumerate(days)}

    def pos(r, key) -> float:
        ts = r[key]
        mins = ts.hour * 60 + ts.minute + ts.second / 60
        if key == "window_end" and mins == 0:
            mins = 24 * 60  # a window ending at midnight belongs to the day it started
        return offset[r["date"]] + mins - day_len[r["date"]][0]

    vol = [r["expected_volume_shares"] for r in rows]
    qty = [float(r["qty_shares"]) for r in rows]
    part = [r.get("participation_frac") for r in rows]
    part = [pv if _finite(pv) else (q / v if _finite(v) and v > 0 else None) for pv, q, v in zip(part, qty, vol)]
    caps = [cap * v if _finite(cap) and _finite(v) else None for v in vol]
    ymax = max([x for x in vol + qty + caps if _finite(x)] or [1.0])
    y0, y1 = nice_domain(0.0, ymax, 4, zero=True)
    yt = nice_ticks(y0, y1, 4)
    fy = fmt_number(yt)
    left = _left_margin([fy(x) for x in yt])
    rules = list(dict.fromkeys(r["limit_rule"] for r in rows))
    items = [("expected market volume", {"color": "#c9ced6", "kind": "bar"})]
    items += [(f"tranche: {rule}", {"color": _RULE_COLORS.get(rule, INK), "kind": "bar"}) for rule in rules]
    if cap is not None:
        items.append((f"participation cap {_pct(cap)}", {"color": PALETTE[1], "kind": "line"}))
    items.append(("cumulative % of order", {"color": INK, "kind": "line"}))
    legend_h = _legend_height(fig, [i[0] for i in items], WIDTH - left - 60)
    top = 20 + legend_h + 12
    fig.legend(items, left, 16, WIDTH - left - 60)
    total_w = len(days) * span + (len(days) - 1) * gap
    h_low = 78
    h_top = height - top - 48 - 26 - h_low
    p = fig.panel(left, top, WIDTH - left - 56, h_top, Linear(0, total_w), Linear(y0, y1))
    p.axis_left(yt, fy, "shares")
    x0s = [pos(r, "window_start") for r in rows]
    x1s = [pos(r, "window_end") for r in rows]
    wtips = [f"{r['window_start']:%Y-%m-%d %H:%M}-{r['window_end']:%H:%M}: expected volume {_shares(v)}"
             for r, v in zip(rows, vol)]
    p.bars(x0s, x1s, [0] * len(rows), vol, "#c9ced6", titles=wtips, kind="expected_volume")
    colors = [_RULE_COLORS.get(r["limit_rule"], INK) for r in rows]
    inset = [(b - a) * 0.2 for a, b in zip(x0s, x1s)]
    tips = []
    for r, pv in zip(rows, part):
        s = (f"tranche {r.get('tranche', '')} {r['window_start']:%m-%d %H:%M}-{r['window_end']:%H:%M}: "
             f"{_shares(r['qty_shares'])} shares ({_pct(pv)} of expected volume), {r['limit_rule']}")
        if _finite(r.get("limit_price_px")):
            s += f" @ {r['limit_price_px']:.4g}"
        if _finite(r.get("expected_fill_frac")):
            s += f", expected fill {_pct(r['expected_fill_frac'], 0)}"
        if _finite(r.get("expected_cost_bps")):
            s += f", {_bps(r['expected_cost_bps'])}"
        tips.append(s)
    p.bars([a + d for a, d in zip(x0s, inset)], [b - d for b, d in zip(x1s, inset)], [0] * len(rows), qty, colors,
           titles=tips, kind="tranches")
    if cap is not None:
        p.line([v for a, b in zip(x0s, x1s) for v in (a, b)], [v for cv in caps for v in (cv, cv)], PALETTE[1],
               width=2, title=f"participation cap: {_pct(cap)} of expected volume")
    # cumulative share of the order on a right axis
    total = sum(qty) or 1.0
    cum, acc = [0.0], 0.0
    for q in qty:
        acc += q
        cum.append(acc / total)
    ry = Linear(0, 1, p.bottom, p.top)
    pts = [(p.x(x0s[0]), ry(0.0))] + [(p.x(x1), ry(cv)) for x1, cv in zip(x1s, cum[1:])]
    d = "M" + "L".join(f"{a:.1f} {b:.1f}" for a, b in pts)
    fig.n_marks += 1
    fig.add(f'<g class="mark" data-mark="cumulative"><path d="{d}" fill="none" stroke="{INK}" stroke-width="1.4">'
            f"<title>cumulative share of the order</title></path></g>")
    p.axis_right([0, 0.5, 1.0], lambda v: f"{v * 100:.0f}%", ry, "cum. % of order")
    fig.add(f'<line x1="{p.left:.1f}" x2="{p.right:.1f}" y1="{p.bottom:.1f}" y2="{p.bottom:.1f}" stroke="{AXIS}"/>')
    # participation of each window against the cap
    pmax = max([v for v in part if _finite(v)] + ([cap] if _finite(cap) else []) + [0.01])
    q0, q1 = nice_domain(0.0, pmax * 1.1, 2, zero=True)
    qt = nice_ticks(q0, q1, 2)
    low = fig.panel(left, p.bottom + 26, p.width, h_low, Linear(0, total_w), Linear(q0, q1))
    low.axis_left(qt, fmt_pct(qt), "participation of expected volume")
    low.bars([a + dd for a, dd in zip(x0s, inset)], [b - dd for b, dd in zip(x1s, inset)], [0] * len(rows), part, colors,
             titles=tips, kind="participation")
    if _finite(cap):
        low.hline(cap, PALETTE[1], dash="5 3", width=1.6, title=f"participation cap {_pct(cap)}")
    fig.add(f'<line x1="{low.left:.1f}" x2="{low.right:.1f}" y1="{low.bottom:.1f}" y2="{low.bottom:.1f}" stroke="{AXIS}"/>')
    for dday in days:
        a = low.x(offset[dday])
        b = low.x(offset[dday] + day_len[dday][1] - day_len[dday][0])
        fig.text((a + b) / 2, low.bottom + 30, fmt_date(dday), anchor="middle", size=11, fill=INK, weight="600")
        fig.text(a, low.bottom + 14, _hhmm(day_len[dday][0]), size=9.5, fill=MUTED)
        fig.text(b, low.bottom + 14, _hhmm(day_len[dday][1]), anchor="end", size=9.5, fill=MUTED)
    caption = (f"Each trading window of the plan{(' for ' + oid) if oid else ''}: grey the market volume expected in it, "
               "coloured the tranche (by limit rule)"
               + (f", orange the cap of {_pct(cap)} of expected volume" if cap is not None else "")
               + "; the black line climbs to 100% of the order (right axis). Below, each tranche as a share of its "
               "window's expected volume.")
    return _done(fig, f"Plan timeline {oid}".strip(), caption)


def fill_curves(fill, *, symbol: str | None = None, stratum: str = "all", cid: str = "fill_curves") -> Chart:
    """Fill probability of a passive order against the time it rests, one curve per limit offset.

    Input contract (``fill``, the fill-model table: ``FillModel.table()`` rows): ``rule``, ``window_minutes``,
    ``fill_prob_frac``; optional ``symbol`` (filtered by ``symbol``), ``stratum`` (filtered by ``stratum``),
    ``fill_prob_se`` (a 95% band), ``limit_vs_mid_bps`` (named in the legend), ``n_obs``.
    """
    import polars as pl

    _require(fill, ["rule", "window_minutes", "fill_prob_frac"], "fill_curves")
    f = fill
    if symbol is not None and "symbol" in f.columns:
        f = f.filter(pl.col("symbol") == symbol)
    if "stratum" in f.columns:
        f = f.filter(pl.col("stratum") == stratum)
    f = f.sort("rule", "window_minutes")
    title = f"Fill probability by limit offset {symbol or ''}".strip()
    fig = Figure(cid, WIDTH, 300, title)
    if f.height == 0:
        fig.text(20, 40, "no fill model (no ticks)", fill=MUTED)
        return _done(fig, title, "No fill-probability model: the data have no ticks for this name.")
    order = ["join", "improve_1", "improve_2", "improve_3", "mid", "cross"]
    rules = sorted(f.get_column("rule").unique().to_list(), key=lambda r: (order.index(r) if r in order else 99, r))
    w = [v for v in f.get_column("window_minutes").to_list() if _finite(v) and v > 0]
    xs_dom = (min(w) / 1.2, max(w) * 1.2)
    left = 52
    labels = []
    for rule in rules:
        g = f.filter(pl.col("rule") == rule)
        off = g.get_column("limit_vs_mid_bps").drop_nulls().to_list() if "limit_vs_mid_bps" in g.columns else []
        off = [v for v in off if _finite(v)]
        labels.append(f"{rule} ({off[0]:+.0f} bps vs mid)" if off else rule)
    legend_h = _legend_height(fig, labels, WIDTH - left - 16)
    top = 20 + legend_h + 12
    fig.legend([(lab, {"color": _RULE_COLORS.get(r, INK), "kind": "line"}) for lab, r in zip(labels, rules)], left, 16,
               WIDTH - left - 16)
    p = fig.panel(left, top, WIDTH - left - 16, 300 - top - 44, Log(*xs_dom), Linear(0, 1))
    yt = [0, 0.25, 0.5, 0.75, 1.0]
    p.axis_left(yt, lambda v: f"{v * 100:.0f}%", "probability of a fill")
    xt = sorted(set(w))
    p.axis_bottom(xt, lambda v: f"{v:g} min" if v < 60 else f"{v / 60:g} h", "time the order rests (log scale)", grid=True)
    for rule, lab in zip(rules, labels):
        g = f.filter(pl.col("rule") == rule)
        xs, ys = g.get_column("window_minutes").to_list(), g.get_column("fill_prob_frac").to_list()
        color = _RULE_COLORS.get(rule, INK)
        if "fill_prob_se" in g.columns:
            se = g.get_column("fill_prob_se").to_list()
            lo = [max(0.0, y - 1.96 * s) if _finite(y) and _finite(s) else None for y, s in zip(ys, se)]
            hi = [min(1.0, y + 1.96 * s) if _finite(y) and _finite(s) else None for y, s in zip(ys, se)]
            p.area(xs, lo, hi, color, opacity=0.14, title=f"{rule}: 95% band")
        p.line(xs, ys, color, title=lab)
        n = g.get_column("n_obs").to_list() if "n_obs" in g.columns else [None] * len(xs)
        tips = [f"{rule}, {x:g} min: {_pct(y)}" + (f" (n={k:,})" if _finite(k) else "") for x, y, k in zip(xs, ys, n)]
        p.points(xs, ys, color, r=2.6, titles=tips)
    caption = ("Probability that a passive order at each limit offset fills within the time it rests, fitted on the "
               "name's own ticks (bands: 95%). A less aggressive price fills less often and waits longer.")
    return _done(fig, title, caption)


# ------------------------------------------------------------------------------------------ pluggable


def frontier(frame, *, cid: str = "frontier") -> Chart:
    """The cost-risk frontier: expected cost against risk for plans over different horizons.

    Input contract (``frame``): ``horizon_days``, ``expected_cost_bps``, ``risk_bps``; optional
    ``recommended`` (bool, the chosen plan, highlighted) and ``order_id`` (title).
    """
    _require(frame, ["horizon_days", "expected_cost_bps", "risk_bps"], "frontier")
    f = frame.sort("horizon_days")
    rows = [r for r in f.iter_rows(named=True) if _finite(r["expected_cost_bps"]) and _finite(r["risk_bps"])]
    fig = Figure(cid, WIDTH, 320, "Cost-risk frontier")
    if not rows:
        fig.text(20, 40, "no frontier point", fill=MUTED)
        return _done(fig, "Cost-risk frontier", "No horizon could be planned.")
    xs, ys = [r["risk_bps"] for r in rows], [r["expected_cost_bps"] for r in rows]
    # the frontier's own range (not from zero): its shape is the point
    xpad = (max(xs) - min(xs)) * 0.08 or abs(max(xs)) * 0.05 or 1.0
    ypad = (max(ys) - min(ys)) * 0.15 or abs(max(ys)) * 0.05 or 1.0
    x0, x1 = nice_domain(min(xs) - xpad, max(xs) + xpad, 6)
    y0, y1 = nice_domain(min(ys) - ypad, max(ys) + ypad, 5)
    xt, yt = nice_ticks(x0, x1, 6), nice_ticks(y0, y1, 5)
    fy = fmt_number(yt)
    left = _left_margin([fy(t) for t in yt])
    fig.legend([("plan at a horizon", {"color": PALETTE[0], "kind": "point"}),
                ("recommended", {"color": WARN, "kind": "point"})], left, 16, WIDTH - left - 16)
    p = fig.panel(left, 52, WIDTH - left - 24, 320 - 52 - 46, Linear(x0, x1), Linear(y0, y1))
    p.axis_left(yt, fy, "expected cost, bps")
    p.axis_bottom(xt, fmt_number(xt), "risk (1 sd of cost), bps", grid=True)
    p.line(xs, ys, PALETTE[0], width=1.6, title="frontier")
    tips = [f"{r['horizon_days']:g} day(s): cost {_bps(r['expected_cost_bps'])}, risk {_bps(r['risk_bps'])}" for r in rows]
    p.points(xs, ys, PALETTE[0], r=4, titles=tips)
    for r in rows:
        fig.text(p.x(r["risk_bps"]) + 7, p.y(r["expected_cost_bps"]) - 6, f"{r['horizon_days']:g}d", size=10.5, fill=MUTED)
    rec = [r for r in rows if r.get("recommended")]
    if rec:
        r = rec[0]
        p.points([r["risk_bps"]], [r["expected_cost_bps"]], WARN, r=6.5, stroke="#ffffff", kind="recommended",
                 titles=[f"recommended: {r['horizon_days']:g} day(s), cost {_bps(r['expected_cost_bps'])}, "
                         f"risk {_bps(r['risk_bps'])}"])
    caption = ("Each point is the plan over a horizon (days): a longer horizon lowers impact (cost) and raises timing "
               "risk. " + (f"The recommended horizon is {rec[0]['horizon_days']:g} day(s)." if rec else ""))
    return _done(fig, "Cost-risk frontier", caption.strip())


_Q_COLS = ("cost_p05_bps", "cost_p25_bps", "cost_p50_bps", "cost_p75_bps", "cost_p95_bps")


def replay_comparison(frame, *, cid: str = "replay_comparison") -> Chart:
    """Replayed cost of plan variants: a box per variant from the cost quantiles.

    Input contract (``frame``): ``variant`` and the cost quantiles ``cost_p05_bps``, ``cost_p25_bps``,
    ``cost_p50_bps``, ``cost_p75_bps``, ``cost_p95_bps``; optional ``cost_mean_bps`` (a diamond) and
    ``n_runs``.
    """
    _require(frame, ["variant", *_Q_COLS], "replay_comparison")
    rows = list(frame.iter_rows(named=True))
    row_h = 38
    height = 76 + row_h * max(len(rows), 1)
    fig = Figure(cid, WIDTH, height, "Replay comparison of plan variants")
    vals = [r[c] for r in rows for c in _Q_COLS + ("cost_mean_bps",) if _finite(r.get(c))]
    if not vals:
        fig.text(20, 40, "no replay", fill=MUTED)
        return _done(fig, "Replay comparison", "No replay results.")
    x0, x1 = nice_domain(min(vals + [0.0]), max(vals), 6, zero=True)
    xt = nice_ticks(x0, x1, 6)
    names = [str(r["variant"]) for r in rows]
    left = _left_margin(names, 70, size=12.5)
    p = fig.panel(left, 24, WIDTH - left - 24, row_h * len(rows), Linear(x0, x1), Linear(0, len(rows)))
    p.grid_x(xt)
    p.axis_bottom(xt, fmt_number(xt), "replayed cost, bps of arrival mid")
    if x0 < 0 < x1:
        p.vline(0.0, AXIS, dash=None, width=1)
    for i, r in enumerate(rows):
        yc = len(rows) - i - 0.5
        color = PALETTE[i % len(PALETTE)]
        q05, q25, q50, q75, q95 = (r[c] for c in _Q_COLS)
        fig.text(left - 8, p.y(yc) + 4, str(r["variant"]), anchor="end", size=11.5, weight="600")
        n = f" over {r['n_runs']:,} runs" if _finite(r.get("n_runs")) else ""
        p.bars([q05], [q95], [yc - 0.03], [yc + 0.03], AXIS, titles=[f"{r['variant']}: 5-95% {_bps(q05)} to {_bps(q95)}{n}"],
               kind="whisker")
        p.bars([q25], [q75], [yc - 0.3], [yc + 0.3], color, opacity=0.3,
               titles=[f"{r['variant']}: 25-75% {_bps(q25)} to {_bps(q75)}"], kind="box")
        p.bars([q50 - (x1 - x0) * 0.002], [q50 + (x1 - x0) * 0.002], [yc - 0.34], [yc + 0.34], color,
               titles=[f"{r['variant']}: median {_bps(q50)}"], kind="median")
        if _finite(r.get("cost_mean_bps")):
            p.points([r["cost_mean_bps"]], [yc], INK, r=3.5, titles=[f"{r['variant']}: mean {_bps(r['cost_mean_bps'])}"],
                     kind="mean")
    caption = "Replayed cost of each plan variant on historical ticks: box 25-75%, whiskers 5-95%, bar the median, dot the mean."
    return _done(fig, "Replay comparison", caption)


def tca_scatter(frame, *, cid: str = "tca_scatter") -> Chart:
    """Realized against predicted cost per order, with the y = x line; orders beyond 2 sd of the model in red.

    Input contract (``frame``): ``predicted_bps``, ``realized_bps``, ``z`` (realized minus predicted in
    model sd); optional ``order_id`` and ``symbol`` (tooltips).
    """
    _require(frame, ["predicted_bps", "realized_bps", "z"], "tca_scatter")
    rows = [r for r in frame.iter_rows(named=True) if _finite(r["predicted_bps"]) and _finite(r["realized_bps"])]
    fig = Figure(cid, WIDTH, 380, "Realized against predicted cost")
    if not rows:
        fig.text(20, 40, "no order with both costs", fill=MUTED)
        return _done(fig, "Realized vs predicted cost", "No order has both a realized and a predicted cost.")
    allv = [r["predicted_bps"] for r in rows] + [r["realized_bps"] for r in rows]
    lo, hi = nice_domain(min(allv + [0.0]), max(allv), 6, zero=True)
    t = nice_ticks(lo, hi, 6)
    f = fmt_number(t)
    left = _left_margin([f(v) for v in t])
    fig.legend([("order", {"color": PALETTE[0], "kind": "point"}), ("|z| > 2", {"color": WARN, "kind": "point"}),
                ("realized = predicted", {"color": MUTED, "kind": "dash"})], left, 16, WIDTH - left - 16)
    size = min(WIDTH - left - 24, 380 - 52 - 46)
    p = fig.panel(left, 52, size, size, Linear(lo, hi), Linear(lo, hi))
    p.axis_left(t, f, "realized, bps")
    p.axis_bottom(t, f, "predicted, bps", grid=True)
    p.line([lo, hi], [lo, hi], MUTED, width=1, dash="5 3", title="realized = predicted")
    out = [abs(r["z"]) > 2 if _finite(r["z"]) else False for r in rows]
    colors = [WARN if o else PALETTE[0] for o in out]
    tips = [f"{r.get('order_id') or ''} {r.get('symbol') or ''}: predicted {_bps(r['predicted_bps'])}, realized "
            f"{_bps(r['realized_bps'])}, z {r['z']:+.2f}".strip() for r in rows]
    p.points([r["predicted_bps"] for r in rows], [r["realized_bps"] for r in rows], colors, r=4, titles=tips)
    diff = [r["realized_bps"] - r["predicted_bps"] for r in rows]
    mean = sum(diff) / len(diff)
    n_out = sum(out)
    x_text = left + size + 24
    for k, line in enumerate([f"{len(rows)} orders", f"mean realized - predicted: {mean:+.1f} bps",
                              f"|z| > 2: {n_out} ({n_out / len(rows):.0%}; about 5% expected)"]):
        fig.text(x_text, 70 + 18 * k, line, size=11, fill=INK if k == 0 else MUTED)
    caption = ("Each order's realized cost against the model's prediction (bps of arrival mid). Points above the "
               "dashed line cost more than predicted; red ones by more than 2 model sd.")
    return _done(fig, "Realized vs predicted cost", caption)

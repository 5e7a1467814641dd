"""Reports: sections of charts and tables built from frames or result objects, rendered to one HTML file.

A :class:`Report` is a liqcost :class:`~liqcost.result.Result` (its table lists the sections and what they
hold) with :meth:`Report.to_html`. Three builders make the reports of the commands, from what the Python
API returns (see ``docs/report.md``):

- :func:`liquidity_report` -- ``build_from_dataset(...)`` (``.daily``, ``.profile``): profile table, spread
  distribution and history, daily volume with zero-volume days, intraday volume profile;
- :func:`pretrade_report` -- ``pretrade(...)`` and the profile: orders, cost against size per name with the
  orders marked (``cost_curve``), flags;
- :func:`plan_report` -- ``plan(...)``: summary, the plan as a timeline against expected volume and the
  cap, fill-probability curves by limit offset, the tranches.

:func:`frontier_section`, :func:`replay_section` and :func:`tca_section` make sections from frames with a
documented contract (``liqcost.report.charts``) and plug into any report with :meth:`Report.add`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field

from liqcost.report import charts as ch
from liqcost.report.charts import Chart
from liqcost.result import Result

__all__ = [
    "Report",
    "Section",
    "config_digest",
    "liquidity_report",
    "pretrade_report",
    "plan_report",
    "frontier_section",
    "replay_section",
    "tca_section",
]

log = logging.getLogger("liqcost.report")

#: the profile columns of the liquidity report's table (those present are shown)
PROFILE_COLUMNS = ("symbol", "source", "price_px", "adv_shares", "mdv_shares", "zero_volume_days", "spread_bps",
                   "volatility_daily_frac", "trades_per_day", "trade_size_median_shares", "kyle_lambda_bps_per_pct_adv",
                   "market_cap_usd")
ORDER_COLUMNS = ("order_id", "symbol", "side", "qty_shares", "order_adv_frac", "cost_central_bps", "cost_low_bps",
                 "cost_high_bps", "cost_central_usd", "expected_days", "p_complete_5d", "liquidity_bucket", "severity",
                 "status")
PLAN_SUMMARY_COLUMNS = ("order_id", "symbol", "side", "qty_shares", "order_daily_volume_frac", "schedule", "n_tranches",
                        "expected_days", "expected_cost_bps", "cost_p05_bps", "cost_p95_bps", "risk_bps",
                        "cross_now_cost_bps", "status")
TRANCHE_COLUMNS = ("order_id", "tranche", "date", "window_start", "window_end", "qty_shares", "limit_rule",
                   "limit_price_px", "expected_volume_shares", "participation_frac", "fill_prob_frac",
                   "expected_fill_frac", "expected_cost_bps")


def config_digest(config=None) -> str:
    """A short, stable hash of the effective config (``sha256`` of its canonical JSON, 12 hex digits)."""
    from liqcost.config import Config

    cfg = config if config is not None else Config()
    text = json.dumps(cfg.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass
class Section:
    """One section of a report: an introduction, charts, tables and notes.

    Attributes
    ----------
    id : str
        Anchor of the section (unique in the report).
    title : str
        Heading.
    intro : str
        A sentence under the heading.
    charts : list of Chart
        In order, one under the other.
    tables : list of (str, polars.DataFrame)
        Sub-heading and frame.
    notes : list of str
        Caveats shown under the section.
    """

    id: str
    title: str
    intro: str = ""
    charts: list[Chart] = field(default_factory=list)
    tables: list[tuple[str, object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def html(self, currency: str = "USD", ticks=None) -> str:
        from liqcost.render import rename_currency
        from liqcost.report.html import _e, html_table

        out = []
        if self.intro:
            out.append(f'<p class="intro">{_e(self.intro)}</p>')
        figs = []
        for c in self.charts:
            # a section's only chart titled like the section needs no second heading
            head = "" if len(self.charts) == 1 and c.title == self.title else f"<h3>{_e(c.title)}</h3>"
            figs.append(f'<figure class="chart" id="chart-{_e(c.id)}">{head}\n{c.svg}\n'
                        f"<figcaption>{_e(c.caption)}</figcaption></figure>")
        if figs:
            out.append("\n".join(figs))
        for sub, frame in self.tables:
            if sub:
                out.append(f"<h3>{_e(sub)}</h3>")
            if frame is None or frame.height == 0:
                out.append('<p class="empty">no rows</p>')
            else:
                out.append(html_table(rename_currency(frame, currency), currency=currency, ticks=ticks))
        if self.notes:
            out.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in self.notes) + "</ul>")
        return "\n".join(out)


class Report(Result):
    """An HTML report: a header (data range, symbols, config digest, versions) and sections.

    Parameters
    ----------
    heading : str
        The report's title.
    config : liqcost.config.Config, optional
        The effective config (its digest goes in the header; currency and tick sizes format the tables).
    data_range : tuple of (date, date), optional
        First and last date of the data the report rests on (of the plan for a plan report).
    symbols : list of str, optional
        The names it covers.
    range_label : str
        What the range is (``Data``, ``Plan``).
    """

    title = "report"

    def __init__(self, heading: str, config=None, *, data_range=None, symbols=None, range_label: str = "Data"):
        from liqcost.config import Config

        self.heading = heading
        self.range_label = range_label
        self.config = config if config is not None else Config()
        self.data_range = data_range
        self.symbols = list(symbols or [])
        self.sections: list[Section] = []
        self._notes: list[str] = []

    # ---- building
    def add(self, section: Section) -> Report:
        """Append a section (ids made unique); returns the report."""
        charts = {c.id for c in self.charts}
        clash = sorted(c.id for c in section.charts if c.id in charts)
        if clash or len({c.id for c in section.charts}) < len(section.charts):
            raise ValueError(f"chart id(s) {', '.join(clash) or 'repeated'} already in the report {self.heading!r}: give "
                             "each chart its own cid= (ids must be unique in a page).")
        ids = {s.id for s in self.sections}
        base, k = section.id, 2
        while section.id in ids:
            section.id = f"{base}-{k}"
            k += 1
        self.sections.append(section)
        log.info("report %r: section %s (%d chart(s), %d table(s))", self.heading, section.id, len(section.charts),
                 len(section.tables))
        return self

    def note(self, text: str) -> None:
        self._notes.append(text)

    # ---- Result protocol
    def tables(self):
        import polars as pl

        return {"sections": pl.DataFrame(
            {
                "section": [s.id for s in self.sections],
                "title": [s.title for s in self.sections],
                "charts": [len(s.charts) for s in self.sections],
                "marks": [sum(c.n_marks for c in s.charts) for s in self.sections],
                "tables": [len(s.tables) for s in self.sections],
                "notes": [len(s.notes) for s in self.sections],
            },
            schema={"section": pl.String, "title": pl.String, "charts": pl.Int64, "marks": pl.Int64,
                    "tables": pl.Int64, "notes": pl.Int64},
        )}

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(self._notes) + tuple(n for s in self.sections for n in s.notes)

    @property
    def charts(self) -> list[Chart]:
        return [c for s in self.sections for c in s.charts]

    # ---- output
    def meta(self) -> list[tuple[str, str]]:
        from liqcost import __version__
        from liqcost.schema import SCHEMA_VERSION

        out = []
        if self.data_range and self.data_range[0] is not None:
            a, b = self.data_range
            out.append((self.range_label, f"{a} to {b}" if a != b else f"{a}"))
        if self.symbols:
            shown = ", ".join(self.symbols[:8]) + (f" … ({len(self.symbols)})" if len(self.symbols) > 8 else "")
            out.append(("Symbols", shown))
        out.append(("Config", config_digest(self.config)))
        out.append(("Currency", self.config.session.currency))
        out.append(("liqcost", __version__))
        out.append(("Schema", str(SCHEMA_VERSION)))
        return out

    def to_html(self, generated_at=None) -> str:
        """The self-contained HTML document (``generated_at``: the timestamp line, UTC now by default)."""
        from liqcost.render import PriceTicks
        from liqcost.report.html import page

        t0 = time.perf_counter()
        currency = self.config.session.currency
        ticks = PriceTicks.from_config(self.config)
        sections = [(s.id, s.title, s.html(currency, ticks)) for s in self.sections]
        footer = "Costs are in bps of the arrival midpoint and positive when they hurt. " + " ".join(self._notes)
        text = page(self.heading, self.meta(), sections, generated_at=generated_at, footer=footer.strip())
        log.debug("report %r: %d bytes of HTML in %.3f s", self.heading, len(text), time.perf_counter() - t0)
        return text


# ------------------------------------------------------------------------------------------ helpers


def _date_range(*frames_and_cols):
    lo = hi = None
    for frame, cols in frames_and_cols:
        if frame is None:
            continue
        for c in cols:
            if c in frame.columns and frame.height:
                s = frame.get_column(c).drop_nulls()
                if s.len():
                    a, b = s.min(), s.max()
                    a = a.date() if hasattr(a, "date") and callable(a.date) else a
                    b = b.date() if hasattr(b, "date") and callable(b.date) else b
                    lo = a if lo is None or a < lo else lo
                    hi = b if hi is None or b > hi else hi
    return (lo, hi) if lo is not None else None


def _select(frame, columns):
    return frame.select([c for c in columns if c in frame.columns])


def _limit_symbols(symbols: list[str], max_symbols: int, report: Report, what: str) -> list[str]:
    if len(symbols) <= max_symbols:
        return symbols
    report.note(f"{what}: the first {max_symbols} of {len(symbols)} names are charted; pass symbols=[...] for others.")
    return symbols[:max_symbols]


# ------------------------------------------------------------------------------------------ builders


def liquidity_report(daily, profile=None, config=None, *, symbols=None, max_symbols: int = 12,
                     title: str = "Liquidity report") -> Report:
    """The liquidity report of ``liqcost profile``: profile table, spreads, daily and intraday volume.

    Parameters
    ----------
    daily : polars.DataFrame or object with ``.daily``/``.profile``
        The daily metrics (``build_from_dataset(...).daily``; for bars-only data ``.bars``), or the object
        ``build_from_dataset`` returns.
    profile : polars.DataFrame, optional
        The liquidity profile (``.profile``).
    config : liqcost.config.Config, optional
    symbols : list of str, optional
        Names to include (default: all, charted up to ``max_symbols``).
    """
    import polars as pl

    if hasattr(daily, "profile") and not isinstance(daily, pl.DataFrame):
        built = daily
        daily = built.daily if getattr(built, "daily", None) is not None else getattr(built, "bars", None)
        profile = profile if profile is not None else built.profile
    if daily is None:
        raise ValueError("liquidity_report needs the daily table (build_from_dataset(...).daily).")
    if symbols:
        daily = daily.filter(pl.col("symbol").is_in(list(symbols)))
        profile = profile.filter(pl.col("symbol").is_in(list(symbols))) if profile is not None else None
    names = sorted(daily.get_column("symbol").unique().to_list())
    rep = Report(title, config, data_range=_date_range((daily, ["date"])), symbols=names)
    charted = _limit_symbols(names, max_symbols, rep, "liquidity")
    d = daily.filter(pl.col("symbol").is_in(charted))
    p = profile.filter(pl.col("symbol").is_in(charted)) if profile is not None else None
    if profile is not None:
        rep.add(Section("profile", "Liquidity profile",
                        f"One row per name over the last {int(profile.get_column('lookback_days').max() or 0)} trading "
                        f"days to {profile.get_column('asof_date').max()}: what pre-trade and the planner read."
                        if {"lookback_days", "asof_date"} <= set(profile.columns)
                        else "One row per name: what pre-trade and the planner read.",
                        tables=[("", _select(profile.sort("symbol"), PROFILE_COLUMNS))]))
    rep.add(Section("spreads", "Spreads", "What crossing the spread costs, day by day (bps of the midpoint).",
                    charts=[ch.spread_distribution(d), ch.spread_history(d)]))
    vol_charts = [ch.daily_volume(d, p)]
    if p is not None and "volume_profile_frac" in p.columns:
        vol_charts.append(ch.volume_profile(p, session_open=rep.config.session.open))
    rep.add(Section("volume", "Volume", "How much trades, and when: days without a single trade are marked.",
                    charts=vol_charts))
    return rep


def pretrade_report(result, profile=None, config=None, *, curves=None, max_symbols: int = 12,
                    title: str = "Pre-trade report") -> Report:
    """The report of ``liqcost pretrade``: the orders, cost against size per name with the orders marked, flags.

    Parameters
    ----------
    result : pretrade result or polars.DataFrame
        ``pretrade(...)`` (``.orders``, ``.flags``, ``.portfolio``) or its ``orders`` frame.
    profile : polars.DataFrame, optional
        The liquidity profile the orders were priced on: each name's cost curve is computed from it
        (:func:`liqcost.pretrade.cost_curve`) unless ``curves`` are given.
    config : liqcost.config.Config, optional
    curves : polars.DataFrame or dict, optional
        Cost curves (``cost_curve`` output, with ``symbol``), one frame or ``{symbol: frame}``.
    """
    import polars as pl

    orders = result if isinstance(result, pl.DataFrame) else result.orders
    flags = None if isinstance(result, pl.DataFrame) else getattr(result, "flags", None)
    portfolio = {} if isinstance(result, pl.DataFrame) else dict(getattr(result, "portfolio", {}) or {})
    names = sorted(orders.get_column("symbol").drop_nulls().unique().to_list())
    rng = _date_range((profile, ["first_date", "asof_date"])) if profile is not None else _date_range((orders, ["asof_date"]))
    rep = Report(title, config, data_range=rng, symbols=names)
    rep.add(Section("orders", "Orders", "Each order's cost band across the impact models, days to complete at the "
                    "participation cap, and its worst flag.", tables=[("", _select(orders, ORDER_COLUMNS))]))
    if isinstance(curves, pl.DataFrame):
        curves = {s: curves.filter(pl.col("symbol") == s) for s in curves.get_column("symbol").unique().to_list()}
    curves = dict(curves or {})
    ok = orders.filter(pl.col("status") == "ok") if "status" in orders.columns else orders
    charted = _limit_symbols(sorted(ok.get_column("symbol").unique().to_list()), max_symbols, rep, "cost curves")
    if profile is not None:
        from liqcost.pretrade import cost_curve

        for s in charted:
            if s not in curves:
                row = profile.filter(pl.col("symbol") == s)
                if row.height == 1:
                    raw = ok.filter(pl.col("symbol") == s).get_column("side")[0]
                    side = (1 if str(raw).lower() in ("buy", "1", "+1") else -1) if isinstance(raw, str) else int(raw)
                    curves[s] = cost_curve(row, rep.config, side=1 if side >= 0 else -1)
    cc = [ch.cost_curve(curves[s], ok.filter(pl.col("symbol") == s), currency=rep.config.session.currency,
                        cid=ch.chart_id("cost_curve", s)) for s in charted if s in curves]
    missing = [s for s in charted if s not in curves]
    rep.add(Section("cost", "Cost against order size",
                    "How the cost grows with size for each name, with the band of the impact models and the orders "
                    "marked.", charts=cc,
                    notes=[f"no cost curve for {', '.join(missing)} (pass profile= or curves=)"] if missing else []))
    if flags is not None and flags.height:
        rep.add(Section("flags", "Flags", "Why an order needs a second look: critical first.",
                        tables=[("", _select(flags.sort("severity"), ("order_id", "symbol", "flag", "severity", "message")))]))
    if portfolio:
        rep.add(Section("portfolio", "Portfolio", "The book as a whole.",
                        tables=[(name, frame) for name, frame in portfolio.items()]))
    return rep


def plan_report(result, summary=None, fill=None, config=None, *, max_orders: int = 12,
                title: str = "Trading plan") -> Report:
    """The report of ``liqcost plan``: summary, the plan as a timeline, fill curves, the tranches.

    Parameters
    ----------
    result : plan result or polars.DataFrame
        ``plan(...)`` (``.tranches``, ``.summary``, ``.fill_models``) or its ``tranches`` frame.
    summary : polars.DataFrame, optional
        ``plan(...).summary`` when ``result`` is a frame.
    fill : polars.DataFrame, optional
        The fill-model table (rows of ``FillModel.table()``); from ``result.fill_models`` by default.
    config : liqcost.config.Config, optional
    """
    import polars as pl

    if isinstance(result, pl.DataFrame):
        tranches = result
    else:
        tranches = result.tranches
        if summary is None:  # PlanResult: summary() is the protocol's method, order_summary the frame
            summary = getattr(result, "order_summary", None)
            summary = summary if summary is not None else result.summary
        if fill is None and getattr(result, "fill_models", None):
            tables = [m.table() for m in result.fill_models.values()]
            fill = pl.concat(tables, how="diagonal_relaxed") if tables else None
    names = sorted(tranches.get_column("symbol").unique().to_list()) if "symbol" in tranches.columns else []
    rep = Report(title, config, data_range=_date_range((tranches, ["window_start", "window_end"])), symbols=names,
                 range_label="Plan")
    if summary is not None:
        rep.add(Section("summary", "Plan summary", "Expected cost with its 90% band, days, and the cost of crossing now.",
                        tables=[("", _select(summary, PLAN_SUMMARY_COLUMNS))]))
    order_ids = list(dict.fromkeys(tranches.get_column("order_id").to_list())) if "order_id" in tranches.columns else [None]
    if len(order_ids) > max_orders:
        rep.note(f"plan: the first {max_orders} of {len(order_ids)} orders are charted.")
        order_ids = order_ids[:max_orders]
    tl = []
    for oid in order_ids:
        t = tranches.filter(pl.col("order_id") == oid) if oid is not None else tranches
        srow = summary.filter(pl.col("order_id") == oid) if summary is not None and oid is not None else summary
        tl.append(ch.plan_timeline(t, srow, cid=ch.chart_id("plan_timeline", oid)))
    rep.add(Section("timeline", "Plan timeline", "When each tranche trades against the market volume expected then.",
                    charts=tl))
    if fill is not None and fill.height:
        fsyms = sorted(fill.get_column("symbol").unique().to_list()) if "symbol" in fill.columns else [None]
        rep.add(Section("fill", "Fill probability by limit offset",
                        "What the limit prices of the plan can expect: the chance a passive order fills within the time "
                        "it rests.", charts=[ch.fill_curves(fill, symbol=s, cid=ch.chart_id("fill_curves", s)) for s in fsyms]))
    rep.add(Section("tranches", "Tranches", "The plan a trader follows, window by window.",
                    tables=[("", _select(tranches, TRANCHE_COLUMNS))]))
    return rep


def frontier_section(frame, *, title: str = "Cost-risk frontier") -> Section:
    """A section with the cost-risk frontier (input contract: :func:`liqcost.report.charts.frontier`)."""
    return Section("frontier", title, "Expected cost against risk for plans over different horizons.",
                   charts=[ch.frontier(frame)])


def replay_section(frame, *, title: str = "Replay comparison") -> Section:
    """A section comparing replayed plan variants (input contract: :func:`liqcost.report.charts.replay_comparison`)."""
    return Section("replay", title, "What each plan variant would have cost on historical ticks.",
                   charts=[ch.replay_comparison(frame)], tables=[("", frame)])


def tca_section(frame, *, title: str = "Realized vs predicted cost") -> Section:
    """A section with the TCA scatter (input contract: :func:`liqcost.report.charts.tca_scatter`)."""
    return Section("tca", title, "How the model's predictions held up on your own fills.",
                   charts=[ch.tca_scatter(frame)])

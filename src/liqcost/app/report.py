"""``liqcost report`` and every command's ``--html FILE``: results turned into one self-contained HTML file.

* :func:`report` is what ``liqcost report`` runs and what ``lc.report(...)`` calls: the liquidity of the names
  (always), the pre-trade check of a book with each name's cost curve and the orders marked (``orders``), a plan
  read from the file ``liqcost plan -o FILE`` wrote, as a timeline with its fill curves (``plan``), and the
  post-trade review of fills with realized against predicted cost (``fills``), in one page. Each part is the
  command's own application function (:func:`liqcost.app.profile`, :func:`~liqcost.app.pretrade`,
  :func:`~liqcost.app.tca`) and the profiles are built once: the pre-trade check reads the liquidity section's
  profile table.
* :func:`result_report` makes the report of one command's result (``--html`` on ``profile``, ``pretrade``,
  ``plan``, ``tca``); :func:`tca_report` is the post-trade review's.
* :func:`write_report` writes a report atomically.

The reports themselves (charts, sections, the self-contained page) are :mod:`liqcost.report`; this module only
feeds them what the commands computed.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from liqcost.result import Problem, Result

__all__ = ["ReportRun", "read_plan", "report", "result_report", "tca_report", "write_report"]

#: the post-trade review's columns shown in the report's tables
TCA_ORDER_COLUMNS = ("order_id", "symbol", "side", "date", "filled_qty_shares", "fill_rate_frac", "avg_price_px",
                     "arrival_mid_px", "is_bps", "is_spread_bps", "is_impact_bps", "is_delay_bps", "is_opportunity_bps",
                     "slippage_interval_vwap_bps", "slippage_day_vwap_bps", "participation_frac", "expected_cost_bps", "z")
TCA_OUTLIER_COLUMNS = ("order_id", "symbol", "side", "date", "realized_cost_bps", "expected_cost_bps", "error_bps",
                       "risk_bps", "z", "size_band")


def write_report(report, path, generated_at=None) -> int:
    """Write ``report.to_html()`` to ``path`` atomically (a temporary file renamed into place); returns its size in bytes."""
    from liqcost.io.atomic import write_text_atomic

    text = report.to_html(generated_at)
    write_text_atomic(path, text)
    return len(text.encode("utf-8"))


# -------------------------------------------------------------------------------------------- tca
def tca_report(review, config=None, *, title: str = "Post-trade review"):
    """The report of ``liqcost tca``: the summary, realized against predicted cost, the orders, the outliers and
    what was set aside.

    Parameters
    ----------
    review : liqcost.app.tca.TcaReview
    config : liqcost.config.Config, optional
        Default: the review's.
    """
    import polars as pl

    from liqcost.report import Report, Section, tca_section

    cfg = config if config is not None else review.config
    orders = review.orders
    names = sorted(orders.get_column("symbol").drop_nulls().unique().to_list()) if orders.height else []
    rep = Report(title, cfg, data_range=review.data_range, symbols=names)
    n_orders, n_fills = orders.height, review.review.fills.height
    rep.add(Section("summary", "Summary",
                    f"{n_orders} orders and {n_fills} fills: the implementation shortfall (bps of the paper notional at the "
                    "arrival mid) and its parts, the arrival cost and slippages (weighted by the filled notional), "
                    "participation" + (", and the pre-trade model beside it." if review.model is not None else "."),
                    tables=[("", review.summary())], notes=list(review.notes)))
    if review.model is not None:
        sec = tca_section(review.scatter_frame())
        sec.notes = [f"{review.model.n} orders compared; {review.model.inside_band_frac:.0%} inside the model band "
                     f"(a well-specified model: {review.model.summary()['inside_band_expected_frac'][0]:.0%}); z-scores "
                     f"mean {review.model.z_mean:+.2f}, sd {review.model.z_sd:.2f}."] if review.model.n else []
        rep.add(sec)
    rep.add(Section("orders", "Orders", "Each order's shortfall and its parts, the benchmarks and the model's estimate.",
                    tables=[("", orders.select([c for c in TCA_ORDER_COLUMNS if c in orders.columns]))]))
    if review.model is not None and review.model.outliers.height:
        mo = review.model_orders.filter(pl.col("order_id").is_in(review.model.outliers.get_column("order_id").to_list()))
        rep.add(Section("outliers", "Outliers", f"Orders more than {cfg.tca.outlier_z:g} risk units from the model.",
                        tables=[("", mo.select([c for c in TCA_OUTLIER_COLUMNS if c in mo.columns]))]))
    if review.quarantine.height or review.rejected_orders.height:
        tabs = []
        if review.quarantine.height:
            tabs.append(("Fills", review.quarantine))
        if review.rejected_orders.height:
            tabs.append(("Orders", review.rejected_orders))
        rep.add(Section("set_aside", "Set aside", "Rows that could not be reviewed, with the reason (fix them and rerun).",
                        tables=tabs))
    return rep


# ------------------------------------------------------------------------------------- one result
def _curve_report(result, cfg):
    import polars as pl

    from liqcost.report import Report, Section
    from liqcost.report import charts as ch

    rep = Report(result.heading(), cfg, symbols=[result.symbol])
    curve = result.curve
    if "symbol" not in curve.columns:
        curve = curve.with_columns(pl.lit(result.symbol).alias("symbol"))
    rep.add(Section("cost", "Cost against order size", "How the cost grows with size, with the band of the impact models.",
                    charts=[ch.cost_curve(curve, None, currency=cfg.session.currency, cid=ch.chart_id("cost_curve", result.symbol))],
                    tables=[("", curve)]))
    return rep


def _pretrade_profiles(result, cfg, *, data=None, profile=None, asof=None):
    """The profiles a pre-trade result was priced on, for its cost curves: a profile table given, else rebuilt
    from the dataset as of the result's as-of date (the same inputs give the same profiles)."""
    import polars as pl

    from liqcost.app.inputs import Liquidity

    if profile is None and data is None:
        return None
    names = result.orders.get_column("symbol").drop_nulls().unique().to_list()
    if isinstance(profile, pl.DataFrame) and "symbol" in profile.columns:
        return profile.filter(pl.col("symbol").is_in(names))
    liq = Liquidity.from_inputs(cfg, data=data, profile=profile, asof=asof or result.asof)
    return liq.profiles(names)[0]


def result_report(result, config=None, *, data=None, profile=None, asof=None):
    """The HTML report of one command's result (what ``--html FILE`` writes).

    Parameters
    ----------
    result : ProfileResult, PretradeResult, CurveResult, PlanResult or TcaReview
    config : liqcost.config.Config, str or Path, optional
        The config the result was computed with (its digest, currency and ticks go in the report).
    data, profile, asof : optional
        For a pre-trade result: where its profiles came from (a dataset, or a profile file or frame), so each
        name's cost curve can be drawn; without them the report lists the orders without curves.

    Returns
    -------
    liqcost.report.Report
    """
    from liqcost.app import load
    from liqcost.app.pretrade import CurveResult
    from liqcost.app.profile import ProfileResult
    from liqcost.app.tca import TcaReview
    from liqcost.report import liquidity_report, plan_report, pretrade_report

    cfg = load(config) if config is None or not hasattr(config, "session") else config
    if isinstance(result, TcaReview):
        return tca_report(result, cfg if config is not None else None)
    if isinstance(result, ProfileResult):
        return liquidity_report(result, config=cfg)
    if isinstance(result, CurveResult):
        return _curve_report(result, cfg)
    if type(result).__name__ == "PretradeResult":
        prof = _pretrade_profiles(result, cfg, data=data, profile=profile, asof=asof)
        return pretrade_report(result, prof, cfg)
    if type(result).__name__ == "PlanResult":
        return plan_report(result, config=cfg)
    raise TypeError(f"no HTML report for a {type(result).__name__}")


# ----------------------------------------------------------------------------------------- plan files
def read_plan(path, timezone: str | None = None):
    """A plan written by ``liqcost plan -o FILE`` for the report: ``(tranches, summary or None, fill or None)``.

    Read by the one plan reader (:func:`liqcost.app.inputs.read_plan_file`: ``-o plan.parquet`` or ``.csv``
    with ``plan.summary.*`` and ``plan.fill.*`` beside it from ``--table all``, or ``-o plan.json`` with them
    all in one document); the report then needs the tranche table's timeline columns, shows the windows in
    ``timezone`` (the exchange's, ``session.timezone``; text times without an offset are taken in it, UTC
    when None) and the trading day as a date.

    Raises
    ------
    liqcost.errors.FileFormatError
        The file is missing, unreadable, or not a plan (a column the timeline needs is missing).
    """
    import polars as pl

    from liqcost.app.inputs import read_plan_file
    from liqcost.errors import FileFormatError

    p = Path(path)
    got = read_plan_file(p, timezone or "UTC")
    tranches = got.tranches
    need = ("order_id", "date", "window_start", "window_end", "qty_shares", "expected_volume_shares", "limit_rule")
    missing = [c for c in need if c not in tranches.columns]
    if missing:
        raise FileFormatError(f"{p}: not a plan's tranche table (missing {', '.join(missing)}); write it with "
                              f"`liqcost plan ... -o {p.name}`.")
    if timezone:
        tranches = tranches.with_columns(pl.col("window_start", "window_end").dt.convert_time_zone(timezone))
    if tranches.schema["date"] == pl.String:
        tranches = tranches.with_columns(pl.col("date").str.to_date(strict=False))
    return tranches, got.summary, got.fill


# ----------------------------------------------------------------------------------------- the report
@dataclass(frozen=True, eq=False)
class ReportRun(Result):
    """What ``liqcost report`` built: the report, what went into it, and the inputs it could not use.

    Attributes
    ----------
    report : liqcost.report.Report
        The page (``report.to_html()``).
    parts : tuple of str
        The parts it holds (``liquidity``, ``pretrade``, ``plan``, ``tca``).
    results : dict
        The results behind them (``profile``, ``pretrade``, ``tca``).
    """

    title: ClassVar[str] = "report"

    report: object
    parts: tuple = ()
    results: dict = field(default_factory=dict, repr=False)
    note_lines: tuple = ()
    problem_list: tuple = ()

    def tables(self) -> dict:
        """``sections``: one row per section with its charts, marks and tables."""
        return self.report.tables()

    def to_html(self, generated_at=None) -> str:
        return self.report.to_html(generated_at)


def _names_in(frame) -> list[str]:
    if frame is None or "symbol" not in frame.columns:
        return []
    return frame.get_column("symbol").drop_nulls().unique().sort().to_list()


def report(data, *, symbols=None, orders=None, plan=None, fills=None, fill_orders=None, config=None, mapping=None,
           fills_mapping=None, fill_orders_mapping=None, title: str | None = None, progress=None, step=None) -> ReportRun:
    """One HTML report: liquidity, and as asked the pre-trade check of a book, a plan and the post-trade review.

    Parameters
    ----------
    data : str, Path or liqcost.io.dataset.Dataset
        The dataset.
    symbols : list of str, optional
        Names of the liquidity section (default: the names of the orders, plan and fills, else every name).
    orders : str, Path or polars.DataFrame, optional
        A book to price (the pre-trade section: each name's cost curve with the orders marked).
    plan : str or Path, optional
        A plan file written by ``liqcost plan -o FILE`` (the plan section: timeline, fill curves, tranches).
    fills : str, Path or polars.DataFrame, optional
        Fills to review (the post-trade section), with ``fill_orders`` their parent orders.
    config : liqcost.config.Config, str or Path, optional
    mapping, fills_mapping, fill_orders_mapping : str or Path, optional
        Column mappings of the orders, fills and parent-orders files (a file or a shipped mapping's name).
    title : str, optional
        The report's heading.
    progress : callable, optional
        ``progress(total)`` (symbol-days measured), as for :func:`liqcost.app.profile`.
    step : callable, optional
        ``step(description)`` returning a context manager around each long step without a progress bar of its own
        (a spinner on a terminal; never around ``progress``: one live display at a time).

    Returns
    -------
    ReportRun
        Partial (``problems``) when some orders could not be priced or some fills were set aside; the report
        holds the rest and says so.
    """
    from liqcost.app import load
    from liqcost.app import pretrade as run_pretrade
    from liqcost.app import profile as run_profile
    from liqcost.app import tca as run_tca
    from liqcost.io.dataset import Dataset
    from liqcost.report import Report, plan_report, pretrade_report

    cfg = load(config)
    ds = data if hasattr(data, "scan") else Dataset(data)
    step = step or (lambda description: contextlib.nullcontext())
    notes: list[str] = []
    problems: list[Problem] = []
    results: dict = {}

    plan_tables = read_plan(plan, cfg.session.timezone) if plan is not None else None
    book = None
    if orders is not None:
        from liqcost.app.inputs import read_orders

        book = read_orders(orders, cfg, mapping=mapping)
    names = list(dict.fromkeys(symbols or []))
    if not names:
        names = sorted(set(_names_in(book.orders if book is not None else None))
                       | set(_names_in(plan_tables[0] if plan_tables is not None else None)))
    fill_names: list[str] = []
    tca_result = None
    if fills is not None:  # its history measurement shows its own progress (no spinner around a bar)
        tca_result = run_tca(fills, fill_orders, data=ds, config=cfg, mapping=fills_mapping,
                             orders_mapping=fill_orders_mapping, symbols=symbols or None, progress=progress)
        results["tca"] = tca_result
        fill_names = _names_in(tca_result.review.orders)
        if not symbols:
            names = sorted(set(names) | set(fill_names))
    known = set(ds.symbols("trades")) | set(ds.symbols("bars"))
    unknown = [n for n in names if n not in known]
    if unknown:
        notes.append(f"no market data for {', '.join(unknown)} in {ds.root}: left out of the liquidity section.")
    live = [n for n in names if n in known]
    prof = run_profile(ds, config=cfg, symbols=live or None, progress=progress)
    results["profile"] = prof
    from liqcost.report import liquidity_report

    subs = [("liquidity", liquidity_report(prof, config=cfg))]
    if book is not None:
        with step("pricing the orders"):
            pre = run_pretrade(orders, profile=prof.profile, config=cfg, mapping=mapping)
        results["pretrade"] = pre
        problems.extend(pre.problems)
        subs.append(("pretrade", pretrade_report(pre, prof.profile, cfg)))
    if plan_tables is not None:
        tranches, summary, fill = plan_tables
        subs.append(("plan", plan_report(tranches, summary, fill, cfg)))
        notes.append(f"the plan is read from {plan} (as planned then; not recomputed).")
    if tca_result is not None:
        problems.extend(tca_result.problems)
        subs.append(("tca", tca_report(tca_result, cfg)))

    dates = [d for _, r in subs for d in (r.data_range or ()) if d is not None and r.range_label == "Data"]
    heading = title or ("liqcost report: " + ", ".join(part for part, _ in subs))
    all_names = sorted({s for _, r in subs for s in r.symbols})
    rep = Report(heading, cfg, data_range=(min(dates), max(dates)) if dates else None, symbols=all_names)
    for part, sub in subs:
        for section in sub.sections:
            if part != "liquidity":
                section.title = f"{_PART_TITLES[part]}: {section.title}"
            rep.add(section)
        for n in sub._notes:
            rep.note(n)
    return ReportRun(rep, tuple(part for part, _ in subs), results, tuple(notes), tuple(problems))


_PART_TITLES = {"pretrade": "Pre-trade", "plan": "Plan", "tca": "Post-trade"}

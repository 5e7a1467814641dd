"""The post-trade review: what each fill and each order cost, against the arrival mid and the benchmarks.

:func:`review` takes your fills (``schema.FILLS``), optionally the parent orders (``schema.ORDERS``, for the
intended quantities and windows), and the market data of the symbol-days they touch (canonical trades and
quotes, or bars only), and returns a :class:`~liqcost.tca.results.TcaResult`.

Per fill
--------
The prevailing quote (``measures.quote_match``: strictly before the fill by default; only quotes of the
fill's exchange-local day) gives the midpoint ``m``; then, with ``s`` the side (+1 buy, -1 sell) and ``p`` the
fill price, in bps of ``m``:

* ``half_spread_paid_bps = s (p - m) / m``, ``effective_spread_bps`` twice it (as in docs/measures.md);
* ``markout_<h>_bps = s (m_h - p) / m``: the fill marked to the midpoint ``h`` later (clock horizons
  ``tca.markout_horizons_s`` clipped at the close per ``measures.horizon_beyond_close``, the close, and the
  n-th later market trade for ``tca.markout_horizons_trades``). Markouts are profit and loss, as in the tick
  measures: positive when the price moved your way after the fill.

A fill before the first quote of its day has no prevailing midpoint (``mid_status = before_first_quote``):
its spread paid and markouts are NaN, and the order's decomposition counts its execution cost as impact.

Per order: implementation shortfall and its decomposition
---------------------------------------------------------
Perold (1988), "The implementation shortfall: paper versus reality", J. Portfolio Management 14(3), 4-9,
with the delay / execution / opportunity split of Kissell (2013, "The Science of Algorithmic Trading and
Portfolio Management", ch. 3) and Wagner & Edwards (1993). Notation: ``X`` intended shares (the order's
``qty``; the filled quantity when no orders are given), ``S`` filled shares, fills ``(p_j, q_j)`` with prevailing
mids ``m_j``, ``B`` the arrival mid, ``m_0`` the mid before the first fill (``B`` when there is none), ``P_end``
the price the unfilled remainder is valued at. In currency:

* delay cost        ``s S (m_0 - B)``                      (drift between the decision and the first fill)
* execution cost    ``s sum_j q_j (p_j - m_0)``, split into
    - spread paid   ``s sum_j q_j (p_j - m_j)``            (fills with a prevailing mid)
    - impact        the rest: ``s sum_j q_j (m_j - m_0)`` (+ the execution cost of fills without a mid)
* opportunity cost  ``s (X - S) (P_end - B)``
* fees              ``sum_j fee_j``

and ``IS = delay + execution + opportunity + fees = s (sum_j q_j p_j - S B) + s (X - S)(P_end - B) + fees``.
The ``is_*_bps`` columns divide each part by the paper notional ``X B``, so they sum to ``is_bps``. The
``arrival_cost_bps`` of the filled shares is ``s (avg - B) / B`` (delay plus execution over ``S B``, no fees),
split into ``spread_paid_bps`` and ``impact_cost_bps`` (delay plus impact) over the same ``S B``.

The arrival mid ``B`` is the prevailing mid at the decision time (``decision_ts`` of the fills), else at the
order's ``start``, else just before the first fill; ``arrival_source`` says which (``decision_mid``,
``order_start_mid``, ``first_fill_mid``), or ``first_quote_mid`` when that time precedes the day's first quote
(the day's first mid stands in), or ``decision_price`` (the fills' own decision price, used only when no
quote gives a mid), or ``none``. ``P_end`` (``tca.opportunity_price``): the mid at the order's ``end`` when the
orders give one (``window_end``), else at the close of the order's last day (the day of its last fill, else of
its end or start), falling back to that day's closing price.

Benchmarks: slippage ``s (avg - b) / b`` in bps of ``b`` against the market VWAP over the order's interval
(arrival, or first fill if earlier, to the last fill, both included: your own prints count when the tape
has them), the VWAP of the whole sessions the order spans, the TWAP of the prevailing mid over the session
time of the interval, the open of the first day and the close of the last. Realized participation is the
filled quantity over the market volume of the interval (``tca.own_fills_in_tape``). After the last fill, the
mid at each horizon gives the order's ``markout_<h>_bps = s (m_h - avg) / B`` and ``post_move_<h>_bps =
s (m_h - B) / B`` (the part of the move that stayed: permanent impact plus drift).

Timing variance: with ``w_j = q_j / S`` and ``v_j`` the *variance time* from the arrival to fill ``j`` in days,
``(1 - omega)`` per session of trading time plus ``omega`` per overnight gap crossed (``omega =
planner.overnight_variance_frac``), the variance of the arrival cost under a random walk of daily variance
``sigma^2`` is ``sigma^2 sum_jl w_j w_l min(v_j, v_l)`` (Almgren & Chriss 2000; the linear-schedule value is
``sigma^2 T / 3``); ``timing_variance_days`` holds the double sum, the model review multiplies it by the
profile's ``sigma^2``.

With bars only, a symbol-day has open, high, low, close, volume and the bars' VWAP (or the typical price
(H+L+C)/3 as a proxy, ``day_source = bars_proxy``): arrival mid, spread paid, interval VWAP, TWAP,
participation and markouts are NaN, and the result's notes say so.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from liqcost.errors import UsageError

__all__ = ["review", "combine", "horizon_labels"]

_NS = 1_000_000_000
_BPS = 1e4


def horizon_labels(config) -> list[tuple[str, str, float]]:
    """Markout horizons as ``(label, kind, value)``: kind ``s`` (seconds), ``close`` or ``tr`` (trades)."""
    from liqcost.schema import horizon_label

    tc = config.tca
    out = [(horizon_label(h), "s", float(h)) for h in tc.markout_horizons_s]
    if tc.markout_close:
        out.append(("close", "close", 0.0))
    out += [(horizon_label(n, True), "tr", float(n)) for n in tc.markout_horizons_trades]
    return out


def _arr(frame: pl.DataFrame, col: str, dtype=np.float64) -> np.ndarray:
    s = frame.get_column(col)
    if dtype is np.float64:
        return s.cast(pl.Float64).fill_null(float("nan")).to_numpy().astype(np.float64, copy=False)
    return s.fill_null(0).cast(pl.Int64).to_numpy().astype(np.int64, copy=False)


class _Mids:
    """Prevailing-mid lookups of one set of rows (one symbol segment per row)."""

    def __init__(self, market, sid, strict):
        self.m = market
        self.q_lo, self.q_hi = market.bounds(sid, "q")
        self.t_lo, self.t_hi = market.bounds(sid, "t")
        self.strict = strict

    def idx(self, times, floors):
        from liqcost.kernels.tca import prevailing_index

        return prevailing_index(np.ascontiguousarray(times, dtype=np.int64), np.ascontiguousarray(floors, dtype=np.int64),
                                self.q_lo, self.q_hi, self.m.q_ts, self.m.q_last_valid, self.strict)

    def mid(self, times, floors):
        k = self.idx(times, floors)
        if self.m.q_mid.size == 0:
            return np.full(k.shape[0], np.nan)
        return np.where(k >= 0, self.m.q_mid[np.maximum(k, 0)], np.nan)

    def at_horizons(self, times, floors, closes, horizons, clip):
        """Mid at each horizon after ``times``: ``{label: mids}``."""
        from liqcost.kernels.tca import nth_trade_index

        out = {}
        after_close = times >= closes
        for label, kind, value in horizons:
            if kind == "s":
                target = times + np.int64(round(value * _NS))
                beyond = (target > closes) & ~after_close
                target = np.where(beyond, closes, target)
                m = self.mid(target, floors)
                if not clip:
                    m = np.where(beyond, np.nan, m)
            elif kind == "close":
                m = np.where(after_close, np.nan, self.mid(closes, floors))
            else:
                k = nth_trade_index(np.ascontiguousarray(times), np.ascontiguousarray(closes), self.t_lo, self.t_hi,
                                    self.m.t_ts, int(value))
                tk = np.where(k >= 0, self.m.t_ts[np.maximum(k, 0)] if self.m.t_ts.size else 0, closes)
                m = self.mid(tk, floors)
                if not clip:
                    m = np.where(k >= 0, m, np.nan)
                m = np.where(after_close & (k < 0), np.nan, m)
            out[label] = m
        return out


def review(fills, orders=None, *, trades=None, quotes=None, bars=None, config=None):
    """Review fills against the market: per-fill spread and markouts, per-order shortfall and benchmarks.

    Parameters
    ----------
    fills : polars.DataFrame
        ``schema.FILLS``: ``order_id``, ``symbol``, ``side`` (+1/-1 or buy/sell), ``ts`` (UTC), ``price``, ``qty``
        (> 0), optionally ``decision_ts``, ``decision_price``, ``limit_price``, ``venue``, ``broker``, ``fee``
        (currency, positive = paid) and ``row`` (the source row, as ingest gives it).
    orders : polars.DataFrame, optional
        ``schema.ORDERS`` with the intended ``qty`` (the unfilled remainder is priced as opportunity cost),
        ``start`` / ``end`` (the window) and optionally ``broker``. Orders without fills are reviewed too.
    trades, quotes : polars.DataFrame, optional
        Canonical market trades and quotes of the symbol-days the orders touch (other rows are ignored).
    bars : polars.DataFrame, optional
        Daily (or intraday) bars, used for the symbol-days without trades.
    config : liqcost.config.Config, optional
        ``tca`` (horizons, opportunity price, range tolerance), ``measures.quote_match`` and
        ``measures.horizon_beyond_close``, ``session``, ``planner.overnight_variance_frac``.

    Returns
    -------
    liqcost.tca.results.TcaResult
        Tables ``orders``, ``fills``, ``aggregates``, ``quarantine`` (bad fills with reasons) and
        ``rejected_orders``; see the module docstring for every formula.

    Raises
    ------
    liqcost.errors.UsageError
        No market data given.
    liqcost.errors.SchemaError
        The fills lack a required column.
    """
    from liqcost.config import Config
    from liqcost.tca.aggregate import aggregate
    from liqcost.tca.inputs import normalize_fills, normalize_orders_for_review
    from liqcost.tca.market import Market
    from liqcost.tca.results import TcaResult

    cfg = config or Config()
    if trades is None and quotes is None and bars is None:
        raise UsageError("give market data (trades and quotes, or bars) for the symbol-days of the fills; the review compares fills with it.")
    _require(fills, ("order_id", "symbol", "side", "ts", "price", "qty"), "fills")
    tz = cfg.session.timezone
    f = normalize_fills(fills, tz)
    o, rejected = normalize_orders_for_review(orders)
    f = _order_checks(f, o, rejected)
    symbols = sorted(set(f.filter(pl.col("reason").is_null()).get_column("symbol").to_list())
                     | (set(o.get_column("symbol").to_list()) if o is not None else set()))
    market = Market.build(symbols, trades=trades, quotes=quotes, bars=bars, config=cfg)
    f = _market_checks(f, market, cfg)
    f = _side_checks(f, o)
    quarantine = f.filter(pl.col("reason").is_not_null()).select(
        "row", "order_id", "symbol", "side", "ts", "price", "qty", "reason").sort("row")
    clean = f.filter(pl.col("reason").is_null()).drop("reason").sort(["order_id", "ts_ns", "row"])

    fills_tab = _per_fill(clean, market, cfg)
    orders_tab, fills_tab = _per_order(fills_tab, o, market, cfg)
    aggs = aggregate(orders_tab, ["symbol", "side", "date", "broker", "venue"])
    notes = _notes(orders_tab, fills_tab, market, cfg)
    orders_tab = orders_tab.drop("_has_fee")
    return TcaResult(orders_tab, fills_tab, aggs, quarantine, rejected, notes)


def combine(parts, orders=None, *, config=None):
    """One review from the reviews of disjoint groups of orders: what :func:`review` gives on all of them.

    The groups must keep every fill and order row of an order together, and every row of a symbol (a symbol's
    market data and an order's fills are then in one group); each part is :func:`review` of one group. The
    tables are concatenated in :func:`review`'s own row order (orders by their row in ``orders``, then the
    orders known from fills alone by id; fills by order, time and row; set-aside fills by row), and the
    aggregates and notes are computed again over all of them; the rejected orders are those of ``orders``.

    Parameters
    ----------
    parts : list of liqcost.tca.results.TcaResult
    orders : polars.DataFrame, optional
        Every order given to the reviews (as given to :func:`review`).
    config : liqcost.config.Config, optional

    Returns
    -------
    liqcost.tca.results.TcaResult
    """
    from liqcost.config import Config
    from liqcost.tca.aggregate import aggregate
    from liqcost.tca.inputs import normalize_orders_for_review
    from liqcost.tca.results import TcaResult

    parts = list(parts)
    if len(parts) == 1:
        return parts[0]
    cfg = config or Config()
    o, rejected = normalize_orders_for_review(orders)
    tab = pl.concat([p.orders for p in parts], how="diagonal_relaxed")
    if o is not None:
        tab = tab.join(o.select("order_id", pl.col("row").alias("_orow")), on="order_id", how="left", maintain_order="left")
    else:
        tab = tab.with_columns(pl.lit(None, pl.Int64).alias("_orow"))
    tab = tab.sort(["_orow", "order_id"], nulls_last=True, maintain_order=True).drop("_orow")
    fills = pl.concat([p.fills for p in parts], how="diagonal_relaxed").sort(["order_id", "ts_ns", "row"], maintain_order=True)
    quarantine = pl.concat([p.quarantine for p in parts], how="diagonal_relaxed").sort("row", maintain_order=True)
    aggs = aggregate(tab, ["symbol", "side", "date", "broker", "venue"])
    has_fee = bool("fee" in fills.columns and fills.get_column("fee").is_not_null().any())
    notes = _notes(tab.with_columns(pl.lit(has_fee).alias("_has_fee")), fills, None, cfg)
    return TcaResult(tab, fills, aggs, quarantine, rejected, notes)


# ------------------------------------------------------------------------------------------------ checks
def _require(frame, names, what: str) -> None:
    """The columns a frame must have (types are checked per row: a bad value quarantines its row)."""
    from liqcost.errors import SchemaError
    from liqcost.schema import suggest

    cols = frame.collect_schema().names() if isinstance(frame, pl.LazyFrame) else frame.columns
    missing = [n for n in names if n not in cols]
    if missing:
        raise SchemaError(
            f"{what}: missing column{'s' if len(missing) > 1 else ''} "
            + ", ".join(f"'{m}'{suggest(m, cols)}" for m in missing)
            + f". Columns present: {', '.join(cols) or 'none'}. Map the columns with a mapping file or rename them.")
    if "ts" in names and not isinstance((frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema)["ts"], pl.Datetime):
        raise SchemaError(f"{what}: column 'ts' must be a UTC datetime (as ingest writes it); read the file with liqcost's readers.")


def _order_checks(f: pl.DataFrame, o: pl.DataFrame | None, rejected: pl.DataFrame) -> pl.DataFrame:
    """Reasons that need the orders: its order was rejected, or has another symbol."""
    if o is None:
        return f
    rej = rejected.filter(pl.col("order_id").is_not_null()).unique("order_id").select(
        "order_id", pl.format("its order (row {}) was rejected: {}", pl.col("row"), pl.col("reason")).alias("_rej"))
    f = f.join(o.select("order_id", pl.col("symbol").alias("_osym")), on="order_id", how="left", maintain_order="left")
    f = f.join(rej, on="order_id", how="left", maintain_order="left")
    reason = (
        pl.when(pl.col("reason").is_not_null()).then(pl.col("reason"))
        .when(pl.col("_osym").is_null() & pl.col("_rej").is_not_null()).then(pl.col("_rej"))
        .when(pl.col("_osym").is_not_null() & (pl.col("_osym") != pl.col("symbol")))
        .then(pl.format("symbol {} differs from its order's ({})", pl.col("symbol"), pl.col("_osym")))
        .otherwise(None)
    )
    return f.with_columns(reason.alias("reason")).drop("_osym", "_rej")


def _market_checks(f: pl.DataFrame, market, cfg) -> pl.DataFrame:
    """Unknown symbol, no market data on the fill's day, price far outside the day's range."""
    tol = cfg.tca.price_range_tolerance_frac
    keys = f.filter(pl.col("reason").is_null() & pl.col("symbol").is_in(list(market.symbols))).select("symbol", "date")
    days = market.day_table(keys, cfg) if keys.height else None
    if days is not None:
        f = f.join(days.select("symbol", "date", "n_quotes", "n_trades", "has_bar", "day_low_px", "day_high_px"),
                   on=["symbol", "date"], how="left", maintain_order="left")
    else:
        f = f.with_columns(pl.lit(None, pl.Int64).alias("n_quotes"), pl.lit(None, pl.Int64).alias("n_trades"),
                           pl.lit(None, pl.Boolean).alias("has_bar"), pl.lit(None, pl.Float64).alias("day_low_px"),
                           pl.lit(None, pl.Float64).alias("day_high_px"))
    known = sorted(market.known)
    no_data = (pl.col("n_quotes").fill_null(0) == 0) & (pl.col("n_trades").fill_null(0) == 0) & ~pl.col("has_bar").fill_null(False)
    lo, hi = pl.col("day_low_px").fill_nan(None), pl.col("day_high_px").fill_nan(None)  # NaN compares above all numbers
    outside = (pl.col("price") < lo * (1 - tol)) | (pl.col("price") > hi * (1 + tol))
    reason = (
        pl.when(pl.col("reason").is_not_null()).then(pl.col("reason"))
        .when(~pl.col("symbol").is_in(known)).then(pl.format("unknown symbol {}: not in the market data", pl.col("symbol")))
        .when(no_data).then(pl.format("outside the data range: no market data for {} on {}", pl.col("symbol"), pl.col("date")))
        .when(lo.is_not_null() & hi.is_not_null() & outside)
        .then(pl.format("price {} far outside the day's range {}-{}", pl.col("price").round(6), lo.round(6), hi.round(6)))
        .otherwise(None)
    )
    return f.with_columns(reason.alias("reason")).drop("n_quotes", "n_trades", "has_bar", "day_low_px", "day_high_px")


def _side_checks(f: pl.DataFrame, o: pl.DataFrame | None) -> pl.DataFrame:
    """A fill whose side differs from its order's (the orders' side, else the side of the order's first fill)."""
    ok = f.filter(pl.col("reason").is_null()).sort(["order_id", "ts_ns", "row"])
    first = ok.group_by("order_id", maintain_order=True).agg(pl.col("side").first().alias("_first_side"))
    f = f.join(first, on="order_id", how="left", maintain_order="left")
    if o is not None:
        f = f.join(o.select("order_id", pl.col("side").alias("_oside")), on="order_id", how="left", maintain_order="left")
    else:
        f = f.with_columns(pl.lit(None, pl.Int8).alias("_oside"))
    word = lambda c: pl.when(c > 0).then(pl.lit("buy")).otherwise(pl.lit("sell"))  # noqa: E731
    reason = (
        pl.when(pl.col("reason").is_not_null()).then(pl.col("reason"))
        .when(pl.col("_oside").is_not_null() & (pl.col("_oside") != pl.col("side")))
        .then(pl.format("side {} inconsistent with its order (a {})", word(pl.col("side")), word(pl.col("_oside"))))
        .when(pl.col("_oside").is_null() & (pl.col("_first_side") != pl.col("side")))
        .then(pl.format("side {} inconsistent with its order's first fill (a {})", word(pl.col("side")), word(pl.col("_first_side"))))
        .otherwise(None)
    )
    return f.with_columns(reason.alias("reason")).drop("_first_side", "_oside")


# ---------------------------------------------------------------------------------------------- per fill
def _per_fill(clean: pl.DataFrame, market, cfg) -> pl.DataFrame:
    strict = cfg.measures.quote_match == "strictly_before"
    clip = cfg.measures.horizon_beyond_close == "clip"
    horizons = horizon_labels(cfg)
    days = market.day_table(clean.select("symbol", "date"), cfg) if clean.height else None
    if days is not None:
        f = clean.join(days.select("symbol", "date", "midnight_ns", "open_ns", "close_ns", "first_quote_ns", "n_quotes"),
                       on=["symbol", "date"], how="left", maintain_order="left")
    else:
        f = clean.with_columns([pl.lit(None, pl.Int64).alias(c) for c in ("midnight_ns", "open_ns", "close_ns", "first_quote_ns", "n_quotes")])
    sid = market.index(f.get_column("symbol"))
    look = _Mids(market, sid, strict)
    ts = _arr(f, "ts_ns", np.int64)
    floor = _arr(f, "midnight_ns", np.int64)
    close = _arr(f, "close_ns", np.int64)
    k = look.idx(ts, floor)
    has = k >= 0
    kk = np.maximum(k, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mid = np.where(has, market.q_mid[kk], np.nan) if market.q_mid.size else np.full(ts.shape[0], np.nan)
        bid = np.where(has, market.q_bid[kk], np.nan) if market.q_mid.size else np.full(ts.shape[0], np.nan)
        ask = np.where(has, market.q_ask[kk], np.nan) if market.q_mid.size else np.full(ts.shape[0], np.nan)
        side = _arr(f, "side")
        price = _arr(f, "price")
        half = side * (price - mid) / mid * _BPS
        cols = {
            "mid_px": mid,
            "bid_px": bid,
            "ask_px": ask,
            "half_spread_paid_bps": half,
            "effective_spread_bps": 2.0 * half,
            "quoted_spread_bps": (ask - bid) / mid * _BPS,
        }
        for label, m_h in look.at_horizons(ts, floor, close, horizons, clip).items():
            cols[f"mid_{label}_px"] = m_h
            cols[f"markout_{label}_bps"] = side * (m_h - price) / mid * _BPS
    fq = pl.col("first_quote_ns")
    status = (
        pl.when(pl.Series(has)).then(pl.lit("ok"))
        .when(pl.col("n_quotes").fill_null(0) == 0).then(pl.lit("no_quotes"))
        .when(fq.is_null() | (pl.col("ts_ns") <= fq)).then(pl.lit("before_first_quote"))
        .otherwise(pl.lit("no_valid_quote"))
    )
    f = f.with_columns([pl.Series(c, v, dtype=pl.Float64) for c, v in cols.items()]).with_columns(status.alias("mid_status"))
    return f


# --------------------------------------------------------------------------------------------- per order
def _per_order(fills: pl.DataFrame, o: pl.DataFrame | None, market, cfg):
    """The order table (see the module docstring) and the fills with their order's timing columns."""
    from liqcost.kernels.tca import interval_sums, next_valid_index, twap_integral
    from liqcost.tca.market import day_bounds

    tc = cfg.tca
    strict = cfg.measures.quote_match == "strictly_before"
    clip = cfg.measures.horizon_beyond_close == "clip"
    horizons = horizon_labels(cfg)
    tz = cfg.session.timezone
    omega = cfg.planner.overnight_variance_frac

    # --- order-level aggregates of the fills
    has_mid = pl.col("mid_px").is_not_nan()
    spread_j = pl.col("side").cast(pl.Float64) * pl.col("qty") * (pl.col("price") - pl.col("mid_px"))
    venue_main = (
        fills.group_by(["order_id", "venue"]).agg(pl.col("qty").sum().alias("_vq"))
        .sort(["order_id", "_vq", "venue"], descending=[False, True, False], nulls_last=True)
        .group_by("order_id", maintain_order=True).agg(pl.col("venue").first())
    )
    g = fills.group_by("order_id", maintain_order=True).agg(
        pl.col("symbol").first(),
        pl.col("side").first(),
        pl.len().alias("n_fills"),
        pl.col("qty").sum().alias("filled_qty_shares"),
        (pl.col("qty") * pl.col("price")).sum().alias("_value"),
        pl.col("fee").sum().alias("fees_usd"),
        pl.col("fee").is_not_null().any().alias("_has_fee"),
        pl.col("ts_ns").first().alias("first_fill_ns"),
        pl.col("ts_ns").last().alias("last_fill_ns"),
        pl.col("decision_ns").drop_nulls().first().alias("_decision_ns"),
        pl.col("decision_price").drop_nulls().first().alias("decision_price_px"),
        pl.col("mid_px").first().alias("_m0"),
        spread_j.filter(has_mid).sum().alias("_spread_usd"),
        has_mid.sum().alias("_n_mid"),
        (pl.col("mid_status") == "before_first_quote").sum().alias("n_fills_before_first_quote"),
        pl.col("broker").drop_nulls().unique().alias("_brokers"),
    ).join(venue_main, on="order_id", how="left", maintain_order="left")
    g = g.with_columns(
        pl.when(pl.col("_brokers").list.len() == 1).then(pl.col("_brokers").list.first())
        .when(pl.col("_brokers").list.len() > 1).then(pl.lit("mixed")).otherwise(None).alias("broker"),
    ).drop("_brokers")
    if o is not None:
        oo = o.select("order_id", pl.col("symbol").alias("_osym"), pl.col("side").alias("_oside"), pl.col("qty").alias("_oqty"),
                      "start_ns", "end_ns", pl.col("broker").alias("_obroker"), pl.col("row").alias("_orow"))
        g = g.join(oo, on="order_id", how="full", coalesce=True, maintain_order="left")
        g = g.with_columns(
            pl.coalesce("symbol", "_osym").alias("symbol"),
            pl.coalesce("side", "_oside").alias("side"),
            pl.coalesce("broker", "_obroker").alias("broker"),
            pl.col("n_fills").fill_null(0),
            pl.col("filled_qty_shares").fill_null(0.0),
            pl.col("_value").fill_null(0.0),
            pl.col("_spread_usd").fill_null(0.0),
            pl.col("_n_mid").fill_null(0),
            pl.col("n_fills_before_first_quote").fill_null(0),
            pl.col("_has_fee").fill_null(False),
            pl.when(pl.col("_oqty").is_not_null()).then(pl.lit("orders")).otherwise(pl.lit("filled")).alias("intended_source"),
            pl.coalesce("_oqty", "filled_qty_shares").alias("intended_qty_shares"),
        ).sort(pl.col("_orow"), nulls_last=True, maintain_order=True).drop("_osym", "_oside", "_obroker", "_oqty", "_orow")
    else:
        g = g.with_columns(
            pl.lit(None, pl.Int64).alias("start_ns"), pl.lit(None, pl.Int64).alias("end_ns"),
            pl.lit("filled").alias("intended_source"), pl.col("filled_qty_shares").alias("intended_qty_shares"),
        )
    g = g.with_columns(pl.col("fees_usd").fill_null(0.0))

    # --- arrival time and source
    arrival_ns = pl.coalesce("_decision_ns", "start_ns", "first_fill_ns")
    arr_src = (
        pl.when(pl.col("_decision_ns").is_not_null()).then(pl.lit("decision"))
        .when(pl.col("start_ns").is_not_null()).then(pl.lit("order_start"))
        .when(pl.col("first_fill_ns").is_not_null()).then(pl.lit("first_fill"))
        .otherwise(None)
    )
    to_date = lambda c: pl.col(c).cast(pl.Datetime("ns", "UTC")).dt.convert_time_zone(tz).dt.date()  # noqa: E731
    g = g.with_columns(arrival_ns.alias("arrival_ns"), arr_src.alias("_arr_kind"))
    g = g.with_columns(
        to_date("arrival_ns").alias("date"),
        to_date("last_fill_ns").alias("_last_date"),
        to_date("end_ns").alias("_end_date"),
    )
    # the order's last day: its last fill, else its end, else its start
    g = g.with_columns(pl.coalesce("_last_date", "_end_date", "date").alias("_final_date"))
    bnd = day_bounds(
        g.get_column("date").drop_nulls().to_list() + g.get_column("_final_date").drop_nulls().to_list()
        + g.get_column("_end_date").drop_nulls().to_list(),
        cfg.session,
    )
    for prefix, col in (("_a", "date"), ("_f", "_final_date"), ("_e", "_end_date")):
        g = g.join(bnd.rename({c: f"{prefix}{c}" for c in bnd.columns if c != "date"}).rename({"date": col}),
                   on=col, how="left", maintain_order="left")
    n = g.height
    sid = market.index(g.get_column("symbol"))
    look = _Mids(market, sid, strict)
    a_ns = _arr(g, "arrival_ns", np.int64)
    a_floor = _arr(g, "_amidnight_ns", np.int64)
    a_close = _arr(g, "_aclose_ns", np.int64)
    mid_a = look.mid(a_ns, a_floor)
    fk = next_valid_index(a_ns, a_close, look.q_lo, look.q_hi, market.q_ts, market.q_valid)
    mid_first_quote = np.where(fk >= 0, market.q_mid[np.maximum(fk, 0)], np.nan) if market.q_mid.size else np.full(n, np.nan)
    dec_px = _arr(g, "decision_price_px")
    kind = g.get_column("_arr_kind").to_numpy()
    src = np.where(np.isfinite(mid_a), np.char.add(kind.astype(str), "_mid"), None).astype(object)
    B = mid_a.copy()
    use_fq = ~np.isfinite(B) & np.isfinite(mid_first_quote) & (kind != None)  # noqa: E711
    B = np.where(use_fq, mid_first_quote, B)
    src = np.where(use_fq, "first_quote_mid", src)
    use_dp = ~np.isfinite(B) & np.isfinite(dec_px)
    B = np.where(use_dp, dec_px, B)
    src = np.where(use_dp, "decision_price", src)
    src = np.where(np.isfinite(B), src, "none")

    # --- shortfall and its decomposition (currency)
    s = _arr(g, "side")
    X = _arr(g, "intended_qty_shares")
    S = _arr(g, "filled_qty_shares")
    value = _arr(g, "_value")
    fees = _arr(g, "fees_usd")
    m0 = _arr(g, "_m0")
    m0 = np.where(np.isfinite(m0), m0, B)
    n_mid = _arr(g, "_n_mid", np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = np.where(S > 0, value / S, np.nan)
        delay = np.where(S > 0, s * S * (m0 - B), 0.0)
        execution = np.where(S > 0, s * (value - S * m0), 0.0)
        spread = np.where(n_mid > 0, _arr(g, "_spread_usd"), np.where(S > 0, np.nan, 0.0))
        impact = execution - spread
        # valuation of the unfilled remainder
        use_end = (tc.opportunity_price == "window_end") & g.get_column("end_ns").is_not_null().to_numpy()
        t_end = np.where(use_end, _arr(g, "end_ns", np.int64), _arr(g, "_fclose_ns", np.int64))
        t_floor = np.where(use_end, _arr(g, "_emidnight_ns", np.int64), _arr(g, "_fmidnight_ns", np.int64))
        p_end = look.mid(t_end, t_floor)
        day_close = _day_close(g, market, cfg)
        p_end_src = np.where(np.isfinite(p_end), np.where(use_end, "end_mid", "close_mid"), None).astype(object)
        p_end = np.where(np.isfinite(p_end), p_end, day_close)
        p_end_src = np.where(p_end_src == None, np.where(np.isfinite(p_end), "close_px", "none"), p_end_src)  # noqa: E711
        remaining = np.maximum(X - S, 0.0)
        opportunity = np.where(remaining > 0, s * remaining * (p_end - B), 0.0)
        is_usd = delay + execution + opportunity + fees
        paper = X * B
        filled_notional_arr = S * B
        bps = lambda usd, den: np.where(den > 0, usd / den * _BPS, np.nan)  # noqa: E731
        cols = {
            "intended_qty_shares": X,
            "filled_qty_shares": S,
            "fill_rate_frac": np.where(X > 0, S / X, np.nan),
            "avg_price_px": avg,
            "arrival_mid_px": B,
            "first_fill_mid_px": np.where(S > 0, m0, np.nan),
            "end_price_px": p_end,
            "filled_notional_usd": value,
            "paper_notional_usd": paper,
            "is_usd": is_usd,
            "delay_cost_usd": delay,
            "execution_cost_usd": execution,
            "spread_cost_usd": spread,
            "impact_cost_usd": impact,
            "opportunity_cost_usd": opportunity,
            "fees_usd": fees,
            "is_bps": bps(is_usd, paper),
            "is_delay_bps": bps(delay, paper),
            "is_execution_bps": bps(execution, paper),
            "is_spread_bps": bps(spread, paper),
            "is_impact_bps": bps(impact, paper),
            "is_opportunity_bps": bps(opportunity, paper),
            "is_fees_bps": bps(fees, paper),
            "arrival_cost_bps": bps(delay + execution, filled_notional_arr),
            "spread_paid_bps": bps(spread, filled_notional_arr),
            "impact_cost_bps": bps(delay + impact, filled_notional_arr),
        }

    # --- benchmarks over the interval and the sessions spanned
    first_ns = _arr(g, "first_fill_ns", np.int64)
    last_ns = _arr(g, "last_fill_ns", np.int64)
    filled = S > 0
    start_int = np.where(filled, np.minimum(a_ns, first_ns), a_ns)
    val_i, vol_i, cnt_i = interval_sums(start_int, np.where(filled, last_ns, start_int - 1), look.t_lo, look.t_hi,
                                        market.t_ts, market.t_cum_pq, market.t_cum_q)
    pieces = _day_pieces(g.select("order_id", "symbol", "date", "_final_date").with_columns(
        pl.Series("_sid", sid), pl.Series("_i", np.arange(n)), pl.Series("_a", start_int),
        pl.Series("_b", np.where(filled, last_ns, start_int))), market, cfg)
    integ, covered = twap_integral(
        _arr(pieces, "_lo_ns", np.int64), _arr(pieces, "_hi_ns", np.int64), _arr(pieces, "midnight_ns", np.int64),
        *market.bounds(_arr(pieces, "_sid", np.int64), "q"), market.q_ts, market.q_mid, market.q_valid, market.q_last_valid, strict,
    )
    pieces = pieces.with_columns(pl.Series("_integ", integ), pl.Series("_cov", covered))
    per = pieces.group_by("_i").agg(
        pl.col("_integ").sum(), pl.col("_cov").sum(),
        pl.col("day_value_usd").sum().alias("_dval"), pl.col("day_volume_shares").sum().alias("_dvol"),
        pl.col("day_open_px").first().alias("_open"), pl.col("day_close_px").last().alias("_close"),
        pl.col("day_source").drop_nulls().unique(maintain_order=True).alias("_dsrc"),
        pl.len().alias("_n_days"),
    )
    per = pl.DataFrame({"_i": np.arange(n)}).join(per, on="_i", how="left", maintain_order="left")
    with np.errstate(invalid="ignore", divide="ignore"):
        vwap_int = np.where(vol_i > 0, val_i / vol_i, np.nan)
        dvol = _arr(per, "_dvol")
        day_vwap = np.where(dvol > 0, _arr(per, "_dval") / dvol, np.nan)
        cov = _arr(per, "_cov")
        twap = np.where(cov > 0, _arr(per, "_integ") / cov, np.nan)
        open_px = _arr(per, "_open")
        close_px = _arr(per, "_close")
        own = S if tc.own_fills_in_tape else 0.0
        participation = np.where(filled & (vol_i + (S - own) > 0), S / (vol_i + (S - own)), np.nan)
        slip = lambda b: np.where(filled, s * (avg - b) / b * _BPS, np.nan)  # noqa: E731
        cols.update({
            "interval_vwap_px": np.where(filled, vwap_int, np.nan),
            "day_vwap_px": day_vwap,
            "twap_px": np.where(filled, twap, np.nan),
            "open_px": open_px,
            "close_px": close_px,
            "slippage_interval_vwap_bps": slip(vwap_int),
            "slippage_day_vwap_bps": slip(day_vwap),
            "slippage_twap_bps": slip(twap),
            "slippage_open_bps": slip(open_px),
            "slippage_close_bps": slip(close_px),
            "market_volume_shares": np.where(filled, vol_i, np.nan),
            "market_trades": np.where(filled, cnt_i, 0).astype(np.float64),
            "participation_frac": participation,
            "duration_s": np.where(filled, (last_ns - start_int) / _NS, np.nan),
        })
        # --- after the last fill
        l_floor = _arr(g, "_fmidnight_ns", np.int64)
        l_close = _arr(g, "_fclose_ns", np.int64)
        for label, m_h in look.at_horizons(np.where(filled, last_ns, 0), l_floor, l_close, horizons, clip).items():
            m_h = np.where(filled, m_h, np.nan)
            cols[f"markout_{label}_bps"] = s * (m_h - avg) / B * _BPS
            cols[f"post_move_{label}_bps"] = s * (m_h - B) / B * _BPS

    # --- fills: variance time from the arrival, markouts weighted into the order
    arrival = g.select("order_id", pl.Series("_arr_ns", a_ns), pl.Series("_a_open", _arr(g, "_aopen_ns", np.int64)),
                       pl.Series("_a_close", a_close))
    fills, order_fill_cols = _fill_timing(fills, arrival, omega, horizons, cfg)
    tab = g.select(
        "order_id", "symbol", "side", "broker", "venue", "date", "intended_source", "n_fills",
        pl.Series("arrival_source", src.astype(str), dtype=pl.String),
        pl.col("arrival_ns").cast(pl.Datetime("ns", "UTC")).alias("arrival_ts"),
        pl.col("first_fill_ns").cast(pl.Datetime("ns", "UTC")).alias("first_fill_ts"),
        pl.col("last_fill_ns").cast(pl.Datetime("ns", "UTC")).alias("last_fill_ts"),
        pl.col("end_ns").cast(pl.Datetime("ns", "UTC")).alias("end_ts"),
        "decision_price_px", "n_fills_before_first_quote",
    ).with_columns([pl.Series(c, v, dtype=pl.Float64) for c, v in cols.items()]).with_columns(
        pl.Series("end_price_source", p_end_src.astype(str), dtype=pl.String),
        pl.Series("n_days", _arr(per, "_n_days", np.int64)),
        pl.Series("day_source", per.get_column("_dsrc").list.join("+")).replace("", None),
        pl.Series("_has_fee", g.get_column("_has_fee")),
    )
    tab = tab.join(order_fill_cols, on="order_id", how="left", maintain_order="left")
    status = (
        pl.when(pl.col("arrival_source") == "none").then(pl.lit("no_arrival_price"))
        .when(pl.col("filled_qty_shares") == 0).then(pl.lit("unfilled"))
        .when(pl.col("filled_qty_shares") < pl.col("intended_qty_shares")).then(pl.lit("partial"))
        .otherwise(pl.lit("filled"))
    )
    tab = tab.with_columns(status.alias("status"))
    return tab, fills


def _day_close(g: pl.DataFrame, market, cfg) -> np.ndarray:
    """Closing price of each order's last day (trades, else bars); NaN when unknown."""
    keys = g.select("symbol", pl.col("_final_date").alias("date")).filter(pl.col("date").is_not_null())
    if keys.height == 0:
        return np.full(g.height, np.nan)
    d = market.day_table(keys, cfg).select("symbol", "date", "day_close_px")
    j = g.select("symbol", pl.col("_final_date").alias("date")).join(d, on=["symbol", "date"], how="left", maintain_order="left")
    return _arr(j, "day_close_px")


def _day_pieces(orders: pl.DataFrame, market, cfg) -> pl.DataFrame:
    """One row per order and trading day from its arrival date to its last day, with the day's statistics and
    the stretch ``[_lo_ns, _hi_ns]`` of the order's interval inside that session."""
    from liqcost.calendar import holidays_for

    o = orders.filter(pl.col("date").is_not_null())
    if o.height == 0:
        return pl.DataFrame(schema={"_i": pl.Int64, "_sid": pl.Int64, "_lo_ns": pl.Int64, "_hi_ns": pl.Int64, "midnight_ns": pl.Int64,
                                    "day_value_usd": pl.Float64, "day_volume_shares": pl.Float64, "day_open_px": pl.Float64,
                                    "day_close_px": pl.Float64, "day_source": pl.String})
    first, last = o.get_column("date").min(), o.get_column("_final_date").max()
    hol = sorted(holidays_for(cfg, first, last))
    p = o.with_columns(pl.date_ranges("date", pl.max_horizontal("date", "_final_date")).alias("day")).explode("day")
    p = p.filter(pl.col("day").dt.weekday().is_in([d + 1 for d in cfg.session.trading_days]) & ~pl.col("day").is_in(hol))
    p = p.with_columns(pl.col("day").alias("date")).drop("day")
    days = market.day_table(p.select("symbol", "date"), cfg)
    p = p.join(days, on=["symbol", "date"], how="left", maintain_order="left")
    p = p.with_columns(
        pl.max_horizontal("_a", "open_ns").alias("_lo_ns"),
        pl.min_horizontal("_b", "close_ns").alias("_hi_ns"),
    )
    return p.sort(["_i", "date"])


def _fill_timing(fills: pl.DataFrame, arrival: pl.DataFrame, omega: float, horizons, cfg):
    """Variance time of each fill from its order's arrival, and the per-order timing and fill-markout columns."""
    from liqcost.tca.market import trading_day_index

    f = fills.join(arrival, on="order_id", how="left", maintain_order="left")
    # ordinals of fill and arrival dates against one common base
    dates = pl.concat([f.select(pl.col("date").alias("d")),
                       f.select(pl.col("_arr_ns").cast(pl.Datetime("ns", "UTC")).dt.convert_time_zone(cfg.session.timezone).dt.date().alias("d"))])
    idx = trading_day_index(dates.get_column("d").to_numpy(), cfg) if f.height else np.zeros(0, np.int64)
    k_fill, k_arr = idx[: f.height], idx[f.height:]
    ts = _arr(f, "ts_ns", np.int64).astype(np.float64)
    a_ns = _arr(f, "_arr_ns", np.int64).astype(np.float64)
    f_open, f_close = _arr(f, "open_ns", np.int64).astype(np.float64), _arr(f, "close_ns", np.int64).astype(np.float64)
    a_open, a_close = _arr(f, "_a_open", np.int64).astype(np.float64), _arr(f, "_a_close", np.int64).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        u_f = np.clip((ts - f_open) / (f_close - f_open), 0.0, 1.0)
        u_a = np.clip((a_ns - a_open) / (a_close - a_open), 0.0, 1.0)
    dk = (k_fill - k_arr).astype(np.float64)
    v = np.maximum((1.0 - omega) * (dk + u_f - u_a) + omega * dk, 0.0)
    f = f.with_columns(pl.Series("variance_time_days", v))
    # sum_jl w_j w_l min(v_j, v_l) = sum_j v_j w_j (2 W_{>=j} - w_j) with fills in time order (v non-decreasing)
    w = pl.col("qty") / pl.col("qty").sum().over("order_id")
    f = f.with_columns(w.alias("_w")).with_columns(pl.col("_w").cum_sum(reverse=True).over("order_id").alias("_W"))
    hs = pl.col("half_spread_paid_bps")
    okh = hs.is_not_nan()
    wq = pl.when(okh).then(pl.col("qty")).otherwise(0.0)
    agg = [
        (pl.col("variance_time_days") * pl.col("_w") * (2.0 * pl.col("_W") - pl.col("_w"))).sum().alias("timing_variance_days"),
        pl.col("variance_time_days").max().alias("variance_time_last_days"),
        (pl.when(okh).then(hs * pl.col("qty")).otherwise(0.0).sum() / wq.sum()).alias("half_spread_paid_fill_bps"),
        okh.sum().alias("_n_hs"),
    ]
    for label, _, _ in horizons:
        mk = pl.col(f"markout_{label}_bps")
        okm = mk.is_not_nan()
        agg.append((pl.when(okm).then(mk * pl.col("qty")).otherwise(0.0).sum()
                    / pl.when(okm).then(pl.col("qty")).otherwise(0.0).sum()).alias(f"fill_markout_{label}_bps"))
    per = f.group_by("order_id", maintain_order=True).agg(agg)
    # standard error of the qty-weighted mean half-spread paid (fills with a mid)
    se = f.filter(okh).with_columns((pl.col("qty") / pl.col("qty").sum().over("order_id")).alias("_ws")).join(
        per.select("order_id", "half_spread_paid_fill_bps"), on="order_id", how="left").group_by("order_id").agg(
        ((pl.col("_ws") ** 2 * (hs - pl.col("half_spread_paid_fill_bps")) ** 2).sum() * pl.len() / (pl.len() - 1).clip(1)).sqrt()
        .alias("spread_paid_se_bps"))
    per = per.join(se, on="order_id", how="left").with_columns(
        pl.when(pl.col("_n_hs") >= 2).then(pl.col("spread_paid_se_bps")).otherwise(0.0).alias("spread_paid_se_bps")).drop("_n_hs")
    f = f.drop("_w", "_W", "_arr_ns", "_a_open", "_a_close")
    return f, per


def _notes(orders: pl.DataFrame, fills: pl.DataFrame, market, cfg) -> tuple[str, ...]:
    """What the reader must know to trust the numbers: where the arrival prices came from, what is missing."""
    notes = []
    if orders.height == 0:
        return ("no order to review.",)
    src = orders.get_column("arrival_source").value_counts(sort=True)
    names = {"decision_mid": "the mid at the decision time", "order_start_mid": "the mid at the order's start",
             "first_fill_mid": "the mid before the first fill", "first_quote_mid": "the day's first mid (arrival before the first quote)",
             "decision_price": "the fills' decision price (no quote)", "none": "none (no quote and no decision price)"}
    parts = [f"{n} from {names.get(s, s)}" for s, n in src.iter_rows()]
    notes.append("arrival price: " + "; ".join(parts) + ".")
    pre = int((fills.get_column("mid_status") == "before_first_quote").sum()) if fills.height else 0
    if pre:
        notes.append(
            f"{pre} fill(s) before the first quote of their day: no prevailing mid, so their spread paid and markouts are NaN "
            "and their execution cost is counted as impact.")
    bars = orders.filter(pl.col("day_source").is_not_null() & ~pl.col("day_source").str.contains("trades")
                         & (pl.col("filled_qty_shares") > 0))
    if bars.height:
        notes.append(
            f"{bars.height} order(s) on symbol-days without trades were reviewed against bars (open, close, day VWAP); "
            "the arrival mid, spread paid, interval VWAP, TWAP, participation and markouts need trades and quotes.")
    proxy = orders.filter(pl.col("day_source").fill_null("").str.contains("bars_proxy"))
    if proxy.height:
        notes.append(f"{proxy.height} order(s): the day VWAP is the typical price (H+L+C)/3, the bars carry no VWAP.")
    if fills.height and not bool(orders.get_column("_has_fee").any()):
        notes.append("no fees in the fills: fees count as 0.")
    filled_only = orders.filter(pl.col("intended_source") == "filled").height
    if filled_only:
        notes.append(
            f"{filled_only} order(s) without an intended quantity (not in the orders): the filled quantity stands in, "
            "so they carry no opportunity cost.")
    partial = orders.filter(pl.col("filled_qty_shares") < pl.col("intended_qty_shares"))
    if partial.height:
        how = ("the mid at the order's end time (else the close of its last day)" if cfg.tca.opportunity_price == "window_end"
               else "the mid at the close of the order's last day")
        notes.append(f"{partial.height} order(s) not fully filled: the remainder is valued at {how} (tca.opportunity_price).")
    missing = orders.filter(pl.col("arrival_source") == "none")
    if missing.height:
        notes.append(f"{missing.height} order(s) without any arrival price: their shortfall is NaN (give quotes or a decision_price).")
    return tuple(notes)

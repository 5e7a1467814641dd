"""A seeded simulator of thinly traded stocks, with its ground truth.

It produces what a vendor would deliver for a handful of small caps (trades, top-of-book quotes, daily
bars) plus the fills of a few known metaorders, and saves beside them the truth that the estimators are
meant to recover: each name's half-spread, every trade's true sign, the impact coefficient, the daily
volatility, ADV and the share of zero-volume days.

Model (per symbol, per trading day; all times in the exchange's time zone, session 09:30-16:00)
----------------------------------------------------------------------------------------------
* **Efficient price** ``m(t) = exp(x(t))``: ``x`` is a Brownian motion with daily variance
  ``0.8 sigma^2`` in the session and an overnight gap of variance ``0.2 sigma^2``; each trade of sign
  ``d`` moves ``x`` by ``d * alpha * h`` (adverse selection: a fraction ``alpha`` of the half-spread is
  information; the diffusion variance is reduced so the total daily variance stays ``sigma^2``).
* **Quotes**: updated at Poisson times and shortly (1-500 ms) after every trade. Half-spread
  ``h_t = h * exp(0.25 z - 0.25^2/2)``; ``bid = floor(m (1 - h_t) / tick) * tick``,
  ``ask = ceil(m (1 + h_t) / tick) * tick`` with at least one tick between them ($0.01 tick).
* **Trades**: an inhomogeneous Poisson process with a U-shaped intensity ``1 + 2 (2u - 1)^2`` over the
  session fraction ``u``; the day's rate is ``lambda * Gamma(3, 1/3)`` and a day has no trade at all with
  probability ``p0`` (quotes still update on such days). Signs follow a Markov chain (persistence 0.6).
  A trade executes at the prevailing quote (the last quote strictly before it): buys at the ask, sells at
  the bid, except that with probability 0.08 it prints strictly inside a spread of two ticks or more.
  Sizes are log-normal; about a third are odd lots (< 100 shares) and most of the rest are round lots.
* **Metaorders**: a few per symbol, ``Q = f * ADV`` with ``f`` uniform in [5%, 30%], executed as
  ``K`` equal child trades evenly spread over a 1-4 hour window, each taking the prevailing quote. After
  the k-th child the efficient price is displaced by ``c * Y * sigma * sqrt(Q / V) * sqrt(k / K)`` in
  the trade's direction (``V`` the symbol's ADV, ``c`` chosen so that the *mean displacement paid by
  the children* is exactly ``Y * sigma * sqrt(Q / V)``); after the last child it relaxes to two thirds
  of its peak with a 30-minute time constant. So the expected cost of a metaorder versus the arrival
  mid is ``half-spread + Y * sigma * sqrt(Q / V)``: the square-root law in its cost convention.
* **Dirt** for the quarantine to find, only in the raw files: bad prints (price x10, /10 or 0), crossed
  quotes (bid and ask swapped), exact duplicate rows and a few rows out of time order.

The ground truth records both the parameters and the *realized* values computed from the generated
data with the true signs (e.g. ``true_half_spread_bps`` = mean of ``d (p - mid) / mid`` over the
symbol's clean trades, with ``mid`` the prevailing quote's midpoint), which is what an estimator using
the same quotes should recover.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["SymbolSpec", "SampleSet", "default_specs", "generate", "write_sample", "trading_days"]

NS = 1_000_000_000
SESSION_S = 6.5 * 3600
TICK = 0.01


@dataclass(frozen=True)
class SymbolSpec:
    """Parameters of one simulated name (units in the names)."""

    symbol: str
    price0_px: float
    half_spread_bps: float
    volatility_daily_frac: float
    trades_per_day: float
    zero_volume_prob: float
    mean_trade_size_shares: float
    shares_outstanding: float
    adverse_selection_frac: float = 0.2


@dataclass
class SampleSet:
    """Generated frames (polars) and the ground truth."""

    trades: object  # clean trades, canonical columns
    quotes: object
    bars: object
    fills: object
    orders: object
    trade_truth: object  # symbol, ts, price, size, true_sign, is_metaorder, mid_px
    metaorders: object  # per metaorder truth
    truth: dict
    raw_trades: object  # with dirt
    raw_quotes: object
    specs: list = field(default_factory=list)


def default_specs(n_symbols: int, rng: np.random.Generator | None = None, trades_per_day: float | None = None) -> list[SymbolSpec]:
    """Five hand-picked thin names, then random ones: prices $1-$40, spreads 20-300 bps, 4-300 trades/day."""
    base = [
        SymbolSpec("THNA", 12.40, 18.0, 0.025, 300.0, 0.00, 260.0, 40e6),
        SymbolSpec("THNB", 4.85, 45.0, 0.035, 120.0, 0.02, 420.0, 25e6),
        SymbolSpec("THNC", 27.30, 30.0, 0.030, 40.0, 0.05, 180.0, 8e6),
        SymbolSpec("THND", 1.62, 120.0, 0.050, 12.0, 0.15, 900.0, 60e6),
        SymbolSpec("THNE", 8.10, 75.0, 0.040, 4.0, 0.30, 300.0, 5e6),
    ]
    rng = rng or np.random.default_rng(12345)
    specs = base[:n_symbols]
    i = 0
    while len(specs) < n_symbols:
        i += 1
        price = float(np.exp(rng.uniform(np.log(1.0), np.log(40.0))))
        # spreads scale inversely with price and activity, bounded to 20-300 bps full spread
        tpd = float(np.exp(rng.uniform(np.log(4), np.log(300))))
        half = float(np.clip(60.0 * (10 / price) ** 0.3 * (40 / tpd) ** 0.25, 10.0, 150.0))
        specs.append(
            SymbolSpec(
                f"SYN{i:04d}",
                round(price, 2),
                round(half, 1),
                round(float(rng.uniform(0.015, 0.06)), 4),
                round(tpd, 1),
                round(float(np.clip(0.6 / tpd**0.5 - 0.03, 0.0, 0.35)), 3),
                round(float(np.exp(rng.uniform(np.log(150), np.log(1200)))), 0),
                round(float(np.exp(rng.uniform(np.log(3e6), np.log(80e6)))), -3),
            )
        )
    if trades_per_day is not None:
        specs = [SymbolSpec(**(asdict(s) | {"trades_per_day": float(trades_per_day)})) for s in specs]
    return specs


def trading_days(start: dt.date, n: int, weekdays=(0, 1, 2, 3, 4), tz: str = "America/New_York") -> list[dt.date]:
    """``n`` consecutive trading days from ``start``: weekdays less the exchange holidays of ``tz``
    (NYSE holidays for America/New_York, as :mod:`liqcost.calendar` has them)."""
    from types import SimpleNamespace

    from liqcost.calendar import holidays_for

    session = SimpleNamespace(session=SimpleNamespace(holiday_calendar="auto", holidays=[], timezone=tz))
    span = start + dt.timedelta(days=int(n * 7 / max(len(weekdays), 1)) + 30)
    closed = holidays_for(session, start, span)
    out, day = [], start
    while len(out) < n:
        if day.weekday() in weekdays and day not in closed:
            out.append(day)
        day += dt.timedelta(days=1)
        if day > span:
            span = day + dt.timedelta(days=365)
            closed = holidays_for(session, start, span)
    return out


def _u_times(rng, n: int) -> np.ndarray:
    """``n`` sorted session fractions from the U-shaped density (1 + 2 (2u-1)^2) / (5/3)."""
    grid = np.linspace(0.0, 1.0, 2049)
    dens = 1.0 + 2.0 * (2.0 * grid - 1.0) ** 2
    cdf = np.concatenate([[0.0], np.cumsum((dens[1:] + dens[:-1]) / 2 * np.diff(grid))])
    cdf /= cdf[-1]
    return np.sort(np.interp(rng.random(n), cdf, grid))


def _markov_signs(rng, n: int, persistence: float = 0.6) -> np.ndarray:
    if n == 0:
        return np.zeros(0, np.int8)
    keep = rng.random(n) < persistence
    fresh = np.where(rng.random(n) < 0.5, -1, 1)
    signs = np.empty(n, np.int8)
    # a sign repeats the previous one where keep, else is a fresh draw: last fresh draw at or before i
    idx = np.where(keep, 0, np.arange(n))
    idx[0] = 0
    idx = np.maximum.accumulate(idx)
    signs[:] = fresh[idx]
    return signs


def _sizes(rng, n: int, mean: float) -> np.ndarray:
    raw = rng.lognormal(np.log(mean) - 0.5 * 0.9**2, 0.9, n)
    odd = rng.random(n) < 0.33
    round_lot = np.maximum(100.0, np.round(raw / 100.0) * 100.0)
    odd_size = rng.integers(1, 100, n).astype(float)
    return np.where(odd, odd_size, round_lot)


def expected_trade_size(mean: float) -> float:
    """Mean of the trade-size distribution of :func:`_sizes` (Monte Carlo, fixed seed)."""
    return float(_sizes(np.random.default_rng(0), 200_000, mean).mean())


def _simulate_day(rng, spec: SymbolSpec, x_open: float, day_open_ns: int, metas: list[dict], adv_param: float):
    """One symbol-day. Returns (trades dict, quotes dict, x_close, meta fills list)."""
    sigma = spec.volatility_daily_frac
    h = spec.half_spread_bps * 1e-4
    alpha = spec.adverse_selection_frac
    session_ns = int(SESSION_S * NS)

    # ---- trade times (noise) and metaorder children
    active = rng.random() >= spec.zero_volume_prob or bool(metas)
    lam = spec.trades_per_day / (1.0 - spec.zero_volume_prob) if spec.zero_volume_prob < 1 else 0.0
    n_noise = int(rng.poisson(lam * rng.gamma(3.0, 1.0 / 3.0))) if active else 0
    t_noise = (_u_times(rng, n_noise) * session_ns).astype(np.int64)
    s_noise = _markov_signs(rng, n_noise)
    q_noise = _sizes(rng, n_noise, spec.mean_trade_size_shares)

    child_t, child_s, child_q, child_meta, child_k = [], [], [], [], []
    for m in metas:
        k = m["n_children"]
        times = np.linspace(m["start_frac"], m["end_frac"], k) * session_ns
        child_t.append(times.astype(np.int64))
        child_s.append(np.full(k, m["side"], np.int8))
        sizes = np.full(k, math.floor(m["qty"] / k))
        sizes[-1] = m["qty"] - sizes[:-1].sum()
        child_q.append(sizes.astype(float))
        child_meta.append(np.full(k, m["index"], np.int64))
        child_k.append(np.arange(1, k + 1))
    if metas:
        ct, cs, cq = np.concatenate(child_t), np.concatenate(child_s), np.concatenate(child_q)
        cm, ck = np.concatenate(child_meta), np.concatenate(child_k)
    else:
        ct = np.zeros(0, np.int64)
        cs = np.zeros(0, np.int8)
        cq = np.zeros(0)
        cm = np.zeros(0, np.int64)
        ck = np.zeros(0, np.int64)

    t_all = np.concatenate([t_noise, ct])
    s_all = np.concatenate([s_noise, cs]).astype(np.int8)
    q_all = np.concatenate([q_noise, cq])
    meta_all = np.concatenate([np.full(n_noise, -1, np.int64), cm])
    k_all = np.concatenate([np.zeros(n_noise, np.int64), ck])
    order = np.argsort(t_all, kind="stable")
    t_all, s_all, q_all, meta_all, k_all = t_all[order], s_all[order], q_all[order], meta_all[order], k_all[order]
    # unique, strictly increasing ns stamps inside the session
    t_all = np.clip(t_all, 1_000_000, session_ns - 2_000_000)
    if t_all.size > 1:
        t_all = np.maximum.accumulate(t_all + np.arange(t_all.size))
    n_tr = t_all.size

    # ---- quote times: an opening quote, Poisson updates, and one shortly after each trade
    rate = max(60.0, 1.5 * spec.trades_per_day)
    n_q = int(rng.poisson(rate))
    t_q = np.concatenate(
        [
            np.array([-NS], np.int64),  # pre-open quote: every trade has a prevailing quote
            (rng.random(n_q) * session_ns).astype(np.int64),
            t_all + rng.integers(1_000_000, 500_000_000, n_tr),
        ]
    )
    t_q = np.minimum(np.sort(t_q), session_ns + 60 * NS)
    t_q = t_q + np.arange(t_q.size)  # break ties, keep order
    t_q[np.isin(t_q, t_all)] += 1  # never exactly on a trade stamp
    t_q = np.unique(t_q)

    # ---- efficient log price at quote times
    n_eff_tr = max(n_noise, 0)
    var_intraday = max(0.8 * sigma**2 - n_eff_tr * (alpha * h) ** 2, 0.2 * sigma**2)
    dt_q = np.diff(np.concatenate([[-NS], t_q])) / session_ns
    w = np.cumsum(rng.normal(0.0, 1.0, t_q.size) * np.sqrt(np.maximum(dt_q, 0.0) * var_intraday))
    # adverse-selection impact of noise trades strictly before each quote
    imp_tr = np.where(meta_all < 0, s_all * alpha * h, 0.0)
    cum_imp = np.concatenate([[0.0], np.cumsum(imp_tr)])
    n_before = np.searchsorted(t_all, t_q, side="left")
    x_q = x_open + w + cum_imp[n_before]
    # metaorder displacement
    disp_q = np.zeros(t_q.size)
    meta_fills = []
    for m in metas:
        sel = meta_all == m["index"]
        tk = t_all[sel]
        k = m["n_children"]
        peak = m["c"] * m["impact_y"] * sigma * math.sqrt(m["qty"] / adv_param)
        done = np.searchsorted(tk, t_q, side="left")  # children strictly before the quote
        d = m["side"] * peak * np.sqrt(done / k)
        after = t_q > tk[-1]
        decay = 2.0 / 3.0 + (1.0 / 3.0) * np.exp(-(t_q - tk[-1]) / (1800.0 * NS))
        d = np.where(after, m["side"] * peak * decay, d)
        disp_q += d
        m["peak_frac"] = peak
    x_q = x_q + disp_q
    mid_eff = np.exp(x_q)

    hs = h * np.exp(0.25 * rng.normal(size=t_q.size) - 0.25**2 / 2)
    bid = np.floor(mid_eff * (1 - hs) / TICK + 1e-9) * TICK
    ask = np.ceil(mid_eff * (1 + hs) / TICK - 1e-9) * TICK
    ask = np.where(ask - bid < TICK - 1e-9, bid + TICK, ask)
    bid = np.maximum(bid, TICK)
    ask = np.maximum(ask, bid + TICK)
    bid, ask = np.round(bid, 2), np.round(ask, 2)
    bid_size = 100.0 * rng.integers(1, 20, t_q.size)
    ask_size = 100.0 * rng.integers(1, 20, t_q.size)

    # ---- trade prices at the prevailing quote (strictly before)
    qi = np.searchsorted(t_q, t_all, side="left") - 1
    qi = np.maximum(qi, 0)
    b, a = bid[qi], ask[qi]
    price = np.where(s_all > 0, a, b)
    nticks = np.round((a - b) / TICK).astype(np.int64)
    inside = (rng.random(n_tr) < 0.08) & (nticks >= 2) & (meta_all < 0)
    if inside.any():
        step = rng.integers(1, np.maximum(nticks[inside], 2))
        price[inside] = np.round(b[inside] + step * TICK, 2)
    mid_q = (b + a) / 2

    # close of the efficient price: end of session
    x_close = x_open + (w[-1] if w.size else 0.0) + cum_imp[-1] + (disp_q[-1] if disp_q.size else 0.0)
    trades = {
        "t": t_all + day_open_ns,
        "price": np.round(price, 2),
        "size": q_all,
        "sign": s_all,
        "meta": meta_all,
        "k": k_all,
        "mid": mid_q,
        "inside": inside,
    }
    quotes = {"t": t_q + day_open_ns, "bid": bid, "ask": ask, "bid_size": bid_size, "ask_size": ask_size}
    for m in metas:
        sel = meta_all == m["index"]
        arrival_q = max(int(np.searchsorted(t_q, t_all[sel][0] - NS, side="left")) - 1, 0)
        meta_fills.append(
            {
                "index": m["index"],
                "ts": t_all[sel] + day_open_ns,
                "price": np.round(price[sel], 2),
                "qty": q_all[sel],
                "mid": mid_q[sel],
                "arrival_mid": (bid[arrival_q] + ask[arrival_q]) / 2,
                "decision_ts": t_all[sel][0] - NS + day_open_ns,
                "end_ts": t_all[sel][-1] + day_open_ns,
            }
        )
    return trades, quotes, x_close, meta_fills


def _session_open_ns(day: dt.date, tz: str, open_hhmm: str = "09:30") -> int:
    from zoneinfo import ZoneInfo

    h, m = (int(v) for v in open_hhmm.split(":"))
    local = dt.datetime(day.year, day.month, day.day, h, m, tzinfo=ZoneInfo(tz))
    return int(local.timestamp()) * NS


def generate(
    n_symbols: int = 5,
    n_days: int = 20,
    seed: int = 7,
    start: dt.date | str = "2025-03-03",
    trades_per_day: float | None = None,
    metaorders_per_symbol: int = 2,
    impact_y: float = 0.8,
    dirt: bool = True,
    tz: str = "America/New_York",
    specs: list[SymbolSpec] | None = None,
) -> SampleSet:
    """Simulate ``n_symbols`` thin names over ``n_days`` weekdays (see the module docstring).

    Parameters
    ----------
    n_symbols, n_days : int
        Size of the panel.
    seed : int
        Seed; the same seed gives the same data, and each symbol has its own stream, so adding symbols
        does not change the others.
    start : date or ISO string
        First trading day.
    trades_per_day : float, optional
        Override every symbol's mean trade rate (for benchmarks).
    metaorders_per_symbol : int
        Known metaorders per symbol (their fills are returned).
    impact_y : float
        The square-root law's ``Y`` (cost convention).
    dirt : bool
        Put bad prints, crossed quotes, duplicates and unsorted rows into the raw frames.
    tz : str
        Exchange time zone (session 09:30-16:00 local).
    specs : list of SymbolSpec, optional
        Explicit symbols (overrides ``n_symbols``).
    """
    import polars as pl

    if isinstance(start, str):
        start = dt.date.fromisoformat(start)
    days = trading_days(start, n_days, tz=tz)
    root = np.random.SeedSequence(seed)
    specs = specs or default_specs(n_symbols, np.random.default_rng(root.spawn(1)[0]), trades_per_day)
    children = np.random.SeedSequence(seed + 1).spawn(len(specs))

    tr_parts, q_parts, bar_rows, fill_rows, order_rows, meta_rows, truth_syms = [], [], [], [], [], [], {}
    meta_counter = 0
    for spec, ss in zip(specs, children):
        rng = np.random.default_rng(ss)
        adv_param = spec.trades_per_day * expected_trade_size(spec.mean_trade_size_shares)
        # metaorders: on distinct active-looking days (a metaorder day always trades)
        n_meta = min(metaorders_per_symbol, len(days))
        meta_days = set(rng.choice(len(days), size=n_meta, replace=False).tolist()) if n_meta else set()
        x = math.log(spec.price0_px)
        prev_close = spec.price0_px
        x_closes = []
        sym_tr, sym_q = [], []
        for di, day in enumerate(days):
            if di > 0:
                x += rng.normal(0.0, math.sqrt(0.2) * spec.volatility_daily_frac)
            metas = []
            if di in meta_days:
                frac = float(rng.uniform(0.05, 0.30))
                qty = max(float(round(frac * adv_param / 100.0) * 100.0), 200.0)
                k = int(np.clip(math.ceil(qty / max(spec.mean_trade_size_shares, 100.0)), 5, 60))
                s0 = float(rng.uniform(0.08, 0.45))
                length = float(rng.uniform(1.0, 4.0)) / 6.5
                grid = np.sqrt(np.arange(k) / k)
                metas.append(
                    {
                        "index": meta_counter,
                        "side": int(rng.choice([-1, 1])),
                        "qty": qty,
                        "n_children": k,
                        "start_frac": s0,
                        "end_frac": min(s0 + length, 0.97),
                        "impact_y": impact_y,
                        "c": 1.0 / grid.mean() if grid.mean() > 0 else 1.0,
                    }
                )
                meta_counter += 1
            day_open = _session_open_ns(day, tz)
            trades, quotes, x_close, mfills = _simulate_day(rng, spec, x, day_open, metas, adv_param)
            x = x_close
            x_closes.append(x_close)
            trades["date"] = day
            sym_tr.append(trades)
            sym_q.append(quotes)
            vol = float(trades["size"].sum())
            if trades["t"].size:
                px = trades["price"]
                bar_rows.append(
                    {"symbol": spec.symbol, "date": day, "open": px[0], "high": px.max(), "low": px.min(), "close": px[-1],
                     "volume": vol, "vwap": float((px * trades["size"]).sum() / vol), "n_trades": int(px.size),
                     "shares_outstanding": spec.shares_outstanding}
                )
                prev_close = float(px[-1])
            else:
                bar_rows.append(
                    {"symbol": spec.symbol, "date": day, "open": prev_close, "high": prev_close, "low": prev_close,
                     "close": prev_close, "volume": 0.0, "vwap": None, "n_trades": 0, "shares_outstanding": spec.shares_outstanding}
                )
            for m, f in zip(metas, mfills):
                oid = f"META{m['index']:03d}"
                order_rows.append(
                    {"order_id": oid, "symbol": spec.symbol, "side": m["side"], "qty": m["qty"],
                     "start": int(f["decision_ts"]), "end": int(f["end_ts"]) + NS}
                )
                for ts, p, q in zip(f["ts"], f["price"], f["qty"]):
                    fill_rows.append(
                        {"order_id": oid, "symbol": spec.symbol, "side": m["side"], "ts": int(ts), "price": float(p), "qty": float(q),
                         "decision_ts": int(f["decision_ts"]), "decision_price": float(f["arrival_mid"])}
                    )
                vwap = float((f["price"] * f["qty"]).sum() / f["qty"].sum())
                realized_bps = m["side"] * (vwap / f["arrival_mid"] - 1) * 1e4
                half_paid_bps = float(np.mean(m["side"] * (f["price"] - f["mid"]) / f["mid"])) * 1e4
                model_bps = spec.half_spread_bps + impact_y * spec.volatility_daily_frac * math.sqrt(m["qty"] / adv_param) * 1e4
                meta_rows.append(
                    {"order_id": oid, "symbol": spec.symbol, "date": day, "side": m["side"], "qty_shares": m["qty"],
                     "n_children": m["n_children"], "participation_of_adv_frac": m["qty"] / adv_param,
                     "arrival_mid_px": float(f["arrival_mid"]), "vwap_px": vwap, "realized_cost_bps": float(realized_bps),
                     "half_spread_paid_bps": half_paid_bps,
                     "expected_impact_bps": impact_y * spec.volatility_daily_frac * math.sqrt(m["qty"] / adv_param) * 1e4,
                     "model_cost_bps": float(model_bps), "peak_impact_bps": m["peak_frac"] * 1e4}
                )
        tr_parts.append(_frame_trades(pl, spec.symbol, sym_tr))
        q_parts.append(_frame_quotes(pl, spec.symbol, sym_q))
        rets = np.diff(np.array([math.log(spec.price0_px)] + x_closes))
        truth_syms[spec.symbol] = {"spec": asdict(spec), "realized_volatility_daily_frac": float(np.std(rets[1:], ddof=1)) if rets.size > 2 else None}

    trades_truth = pl.concat(tr_parts)
    quotes = pl.concat(q_parts)
    bars = pl.DataFrame(bar_rows, schema_overrides={"vwap": pl.Float64})
    trades = trades_truth.select("symbol", "ts", "price", "size")
    fills = _frame_fills(pl, fill_rows)
    orders = _frame_orders(pl, order_rows)
    metaorders = pl.DataFrame(meta_rows) if meta_rows else pl.DataFrame()

    truth = _truth(pl, specs, trades_truth, bars, truth_syms, impact_y, days, seed)
    raw_trades, raw_quotes, dirt_counts = (trades, quotes, {}) if not dirt else _add_dirt(pl, trades, quotes, np.random.default_rng(seed + 99))
    truth["dirt"] = dirt_counts
    return SampleSet(trades, quotes, bars, fills, orders, trades_truth.select(
        "symbol", "ts", "price", "size", "true_sign", "is_metaorder", "mid_px", "inside_spread"), metaorders, truth,
        raw_trades, raw_quotes, specs)


def _frame_trades(pl, symbol, parts):
    cat = {k: np.concatenate([p[k] for p in parts]) for k in ("t", "price", "size", "sign", "meta", "mid", "inside")}
    return pl.DataFrame(
        {
            "symbol": pl.Series([symbol] * cat["t"].size, dtype=pl.String),
            "ts": pl.Series(cat["t"], dtype=pl.Int64).cast(pl.Datetime("ns", "UTC")),
            "price": cat["price"],
            "size": cat["size"],
            "true_sign": pl.Series(cat["sign"], dtype=pl.Int8),
            "is_metaorder": cat["meta"] >= 0,
            "mid_px": cat["mid"],
            "inside_spread": cat["inside"],
        }
    )


def _frame_quotes(pl, symbol, parts):
    cat = {k: np.concatenate([p[k] for p in parts]) for k in ("t", "bid", "ask", "bid_size", "ask_size")}
    return pl.DataFrame(
        {
            "symbol": pl.Series([symbol] * cat["t"].size, dtype=pl.String),
            "ts": pl.Series(cat["t"], dtype=pl.Int64).cast(pl.Datetime("ns", "UTC")),
            "bid": cat["bid"],
            "ask": cat["ask"],
            "bid_size": cat["bid_size"],
            "ask_size": cat["ask_size"],
        }
    )


def _frame_fills(pl, rows):
    schema = {"order_id": pl.String, "symbol": pl.String, "side": pl.Int8, "ts": pl.Int64, "price": pl.Float64, "qty": pl.Float64,
              "decision_ts": pl.Int64, "decision_price": pl.Float64}
    f = pl.DataFrame(rows, schema=schema)
    return f.with_columns(pl.col("ts").cast(pl.Datetime("ns", "UTC")), pl.col("decision_ts").cast(pl.Datetime("ns", "UTC")))


def _frame_orders(pl, rows):
    schema = {"order_id": pl.String, "symbol": pl.String, "side": pl.Int8, "qty": pl.Float64, "start": pl.Int64, "end": pl.Int64}
    f = pl.DataFrame(rows, schema=schema)
    return f.with_columns(pl.col("start").cast(pl.Datetime("ns", "UTC")), pl.col("end").cast(pl.Datetime("ns", "UTC")))


def _truth(pl, specs, tt, bars, truth_syms, impact_y, days, seed) -> dict:
    # numpy on each symbol's rows in time order: deterministic to the last bit (no parallel sums)
    per = {}
    for spec in specs:
        x = tt.filter(pl.col("symbol") == spec.symbol)
        b = bars.filter(pl.col("symbol") == spec.symbol)
        price, mid, size = x["price"].to_numpy(), x["mid_px"].to_numpy(), x["size"].to_numpy()
        sign = x["true_sign"].to_numpy().astype(float)
        half = sign * (price - mid) / mid
        vol = b["volume"].to_numpy()
        n = int(price.size)
        per[spec.symbol] = {
            "half_spread_param_bps": spec.half_spread_bps,
            "true_half_spread_bps": float(half.mean() * 1e4) if n else None,
            "true_half_spread_share_weighted_bps": float((half * size).sum() / size.sum() * 1e4) if n else None,
            "true_effective_spread_bps": float(2 * half.mean() * 1e4) if n else None,
            "at_quote_frac": float(1.0 - x["inside_spread"].to_numpy().mean()) if n else None,
            "odd_lot_frac": float((size < 100).mean()) if n else None,
            "n_trades": n,
            "volatility_daily_frac": spec.volatility_daily_frac,
            "realized_volatility_daily_frac": truth_syms[spec.symbol]["realized_volatility_daily_frac"],
            "adv_param_shares": spec.trades_per_day * expected_trade_size(spec.mean_trade_size_shares),
            "adv_shares": float(vol.mean()),
            "mdv_shares": float(np.median(vol)),
            "zero_volume_prob": spec.zero_volume_prob,
            "zero_volume_frac": float((vol == 0).mean()),
            "adverse_selection_frac": spec.adverse_selection_frac,
            "price0_px": spec.price0_px,
            "shares_outstanding": spec.shares_outstanding,
            "trades_per_day_param": spec.trades_per_day,
        }
    return {
        "generator": "liqcost.io.synth",
        "seed": seed,
        "days": [d.isoformat() for d in (days[0], days[-1])],
        "n_days": len(days),
        "tick_px": TICK,
        "impact_y": impact_y,
        "impact_convention": "expected cost vs arrival mid = half-spread + Y * sigma * sqrt(Q / ADV)",
        "symbols": per,
    }


def _add_dirt(pl, trades, quotes, rng):
    """Bad prints, crossed quotes, exact duplicates and swapped rows, for the quarantine to find."""
    n_t, n_q = trades.height, quotes.height
    n_bad = max(1, n_t // 700)
    bad_idx = rng.choice(n_t, size=min(n_bad, n_t), replace=False) if n_t else np.zeros(0, int)
    factors = rng.choice([10.0, 0.1, 0.0], size=bad_idx.size)
    bad = trades[bad_idx.tolist()].with_columns(
        (pl.col("price") * pl.Series(factors)).round(2).alias("price"),
        (pl.col("ts") + pl.duration(nanoseconds=37)).alias("ts"),
    ) if bad_idx.size else trades.head(0)
    dup_idx = rng.choice(n_t, size=min(max(1, n_t // 1500), n_t), replace=False) if n_t else np.zeros(0, int)
    dups = trades[dup_idx.tolist()] if dup_idx.size else trades.head(0)
    raw_t = pl.concat([trades, bad, dups]).sort("symbol", "ts", maintain_order=True)
    # swap a few adjacent rows (same symbol) so the file is not in time order
    raw_t = _swap_rows(pl, raw_t, rng, max(1, n_t // 2000))

    n_x = max(1, n_q // 1000)
    x_idx = rng.choice(n_q, size=min(n_x, n_q), replace=False)
    mask = np.zeros(n_q, bool)
    mask[x_idx] = True
    m = pl.Series(mask)
    raw_q = quotes.with_columns(
        pl.when(m).then(pl.col("ask")).otherwise(pl.col("bid")).alias("bid"),
        pl.when(m).then(pl.col("bid")).otherwise(pl.col("ask")).alias("ask"),
    )
    counts = {
        "bad_prints": int(bad_idx.size),
        "bad_print_zero_price": int((factors == 0.0).sum()),
        "duplicate_trades": int(dup_idx.size),
        "crossed_quotes": int(mask.sum()),
    }
    return raw_t, raw_q, counts


def _swap_rows(pl, frame, rng, n_swaps):
    idx = np.arange(frame.height)
    if frame.height < 3:
        return frame
    sym = frame.get_column("symbol").to_numpy()
    for i in rng.choice(frame.height - 1, size=n_swaps, replace=False):
        if sym[i] == sym[i + 1]:
            idx[i], idx[i + 1] = idx[i + 1], idx[i]
    return frame[idx.tolist()]


def write_sample(sample: SampleSet, out: str | Path, config=None, ingest: bool = True) -> dict:
    """Write a sample to ``out``: raw CSV files, the ground truth, and (by default) the ingested dataset.

    Layout::

        out/raw/{trades,quotes,bars}.csv      vendor-like files, with dirt for the quarantine
        out/orders.csv, out/fills.csv         the known metaorders and their fills
        out/truth/ground_truth.json           per-symbol truth and the impact convention
        out/truth/trade_signs.parquet         every clean trade's true sign and prevailing mid
        out/truth/metaorders.csv              each metaorder's realized and model cost
        out/dataset/                          `liqcost ingest` of the raw files

    Returns the ingest reports (as dicts) keyed by kind.
    """
    from liqcost.io.atomic import atomic_path, write_text_atomic

    out = Path(out)
    (out / "raw").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(parents=True, exist_ok=True)

    def csv(frame, path):
        with atomic_path(path) as tmp:
            frame.write_csv(tmp, datetime_format="%Y-%m-%dT%H:%M:%S%.9fZ", float_precision=None)

    csv(sample.raw_trades, out / "raw" / "trades.csv")
    csv(sample.raw_quotes, out / "raw" / "quotes.csv")
    csv(sample.bars, out / "raw" / "bars.csv")
    csv(sample.orders, out / "orders.csv")
    csv(sample.fills, out / "fills.csv")
    if sample.metaorders.height:
        csv(sample.metaorders, out / "truth" / "metaorders.csv")
    with atomic_path(out / "truth" / "trade_signs.parquet") as tmp:
        sample.trade_truth.write_parquet(tmp, compression="zstd")
    write_text_atomic(out / "truth" / "ground_truth.json", json.dumps(sample.truth, indent=1, default=str) + "\n")
    reports = {}
    if ingest:
        from liqcost.config import Config
        from liqcost.io.ingest import ingest_file

        config = config or Config()
        # source ids relative to `out` (raw/trades.csv ...), so that a sample's dataset names no machine's paths
        for kind, name in (("trades", "raw/trades.csv"), ("quotes", "raw/quotes.csv"), ("bars", "raw/bars.csv"),
                           ("fills", "fills.csv"), ("orders", "orders.csv")):
            if kind in ("fills", "orders") and not (sample.fills if kind == "fills" else sample.orders).height:
                continue  # --metaorders 0: no orders nor fills (their CSV files hold the header only)
            reports[kind] = ingest_file(out / name, kind, out / "dataset", config, source_id=name,
                                        vacuum=False).as_dict()
    return reports

"""Crossing now: walking the visible book with a refill assumption.

An order executed at once takes what the book shows. Top-of-book data give the touch only: the quoted
spread and the displayed size at the best bid and ask. The name's tick profile summarises them as
``quoted_spread_bps`` (median of the daily time-weighted spreads) and ``quoted_depth_shares`` (median of the
daily time-weighted mean of bid and ask size). Behind the touch nothing is observed, so the walk makes
one assumption, the **refill assumption**: every level behind the touch holds the same depth ``D`` as the
touch (the book refilled to its usual size), one level every ``g`` in price, with ``g`` a multiple of the
quoted spread (``pretrade.book_level_gap_spreads``; at least one tick): in a thin book the resting orders
behind the touch sit about as far apart as the touch's two sides.

For a buy of ``Q`` shares (a sell mirrors it) with half-spread ``h`` (price), ``k = floor(Q / D)`` full
levels and ``r = Q - k D`` shares on the next one, the mean price paid over the mid is::

    h + g * (D * k (k - 1) / 2 + r * k) / Q

in bps of the mid: ``1e4 * that / mid``. The walk ignores the hidden liquidity and the refills that a
sweep would trigger (both would lower the cost) and the quotes that fade when a sweep starts (which would
raise it); the pre-trade check therefore never reports crossing now below the cost of working the order
over its fastest horizon (:func:`liqcost.pretrade.core.pretrade`).

:func:`touch_depth` computes the time-weighted depth of a quote stream the way the tick measures do, so a
fixed quote stream can be walked by hand (``tests/test_book_walk.py``); :func:`walk_book` is vectorized
over orders, with a level-by-level twin in ``tests/reference/book.py``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["level_gap_px", "tick_size", "touch_depth", "walk_book"]


def touch_depth(ts_ns, bid_size, ask_size, start_ns: int, end_ns: int) -> float:
    """Time-weighted mean of ``(bid_size + ask_size) / 2`` over ``[start_ns, end_ns)``.

    Each quote is in force from its time stamp until the next one (the last until ``end_ns``); quotes
    before ``start_ns`` count from ``start_ns``.

    Parameters
    ----------
    ts_ns : array_like of int
        Quote times, ns, ascending.
    bid_size, ask_size : array_like
        Displayed sizes at the best bid and ask, shares.
    start_ns, end_ns : int
        The window, ns.

    Returns
    -------
    float
        Mean depth at the touch, shares (NaN when no quote is in force in the window).
    """
    ts = np.asarray(ts_ns, dtype=np.int64)
    depth = 0.5 * (np.asarray(bid_size, dtype=np.float64) + np.asarray(ask_size, dtype=np.float64))
    if ts.size == 0:
        return float("nan")
    nxt = np.append(ts[1:], np.int64(end_ns))
    lo = np.maximum(ts, np.int64(start_ns))
    hi = np.minimum(nxt, np.int64(end_ns))
    w = np.clip(hi - lo, 0, None).astype(np.float64)
    tot = w.sum()
    return float((w * depth).sum() / tot) if tot > 0 else float("nan")


def tick_size(price_px, planner_config) -> np.ndarray:
    """Price increment at each price: ``subdollar_tick_px`` below ``subdollar_below_px``, else ``tick_px``
    (the ``planner`` section of the config, as the planner's limit prices use)."""
    p = np.asarray(price_px, dtype=np.float64)
    return np.where(p < planner_config.subdollar_below_px, planner_config.subdollar_tick_px, planner_config.tick_px)


def level_gap_px(quoted_spread_px, tick_px, gap_spreads: float = 1.0) -> np.ndarray:
    """Price distance between levels behind the touch: ``gap_spreads`` quoted spreads, at least one tick."""
    s = np.asarray(quoted_spread_px, dtype=np.float64)
    t = np.asarray(tick_px, dtype=np.float64)
    return np.maximum(gap_spreads * s, t)


def walk_book(qty_shares, depth_shares, half_spread_px, level_gap, mid_px) -> np.ndarray:
    """Mean cost of taking ``qty_shares`` from a book with ``depth_shares`` at every level, bps of the mid.

    Parameters
    ----------
    qty_shares : array_like
        Shares to take (>= 0).
    depth_shares : array_like
        Shares displayed at the touch and, by the refill assumption, at every level behind it (> 0).
    half_spread_px : array_like
        Half the quoted spread, currency per share (the touch's distance from the mid).
    level_gap : array_like
        Price distance between levels, currency per share (:func:`level_gap_px`).
    mid_px : array_like
        The mid, currency per share.

    Returns
    -------
    numpy.ndarray
        ``1e4 (h + g (D k (k - 1) / 2 + r k) / Q) / mid`` (see the module docstring); the half-spread for an
        empty order; NaN where the depth, spread or mid is unusable.
    """
    q, d, h, g, m = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (qty_shares, depth_shares, half_spread_px,
                                                                                   level_gap, mid_px)))
    ok = np.isfinite(q) & (q >= 0) & np.isfinite(d) & (d > 0) & np.isfinite(h) & (h >= 0) & np.isfinite(g) & (g >= 0) \
        & np.isfinite(m) & (m > 0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        k = np.floor(q / d)
        r = q - k * d
        levels = np.where(q > 0, (d * k * (k - 1.0) / 2.0 + r * k) / np.where(q > 0, q, 1.0), 0.0)
        out = (h + g * levels) / m * 1e4
    return np.where(ok, out, np.nan)

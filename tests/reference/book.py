"""Walking a book level by level and timing quotes one by one: the slow twins of ``liqcost.models.book``."""

from __future__ import annotations


def walk_book(q, depth, half_spread_px, gap_px, mid_px):
    """Take ``q`` shares from levels of ``depth`` shares at ``mid + h``, ``mid + h + g``, ... one level at a time;
    the mean price over the mid in bps."""
    if q == 0:
        return half_spread_px / mid_px * 1e4
    left, paid, level = q, 0.0, 0
    while left > 0:
        take = min(left, depth)
        paid += take * (half_spread_px + level * gap_px)
        left -= take
        level += 1
    return paid / q / mid_px * 1e4


def touch_depth(ts, bid_size, ask_size, start, end):
    """Time-weighted mean of the mean of bid and ask size: walk the quotes, each in force until the next."""
    total = weight = 0.0
    for i, t in enumerate(ts):
        t_next = ts[i + 1] if i + 1 < len(ts) else end
        lo, hi = max(t, start), min(t_next, end)
        if hi > lo:
            total += (hi - lo) * 0.5 * (bid_size[i] + ask_size[i])
            weight += hi - lo
    return total / weight if weight else float("nan")

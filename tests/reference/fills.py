"""Slow, obviously correct twin of :mod:`liqcost.kernels.fills` (plain Python over lists of events)."""

from __future__ import annotations

import bisect
import math

CODE_MID = -1


def limit_ticks(side: int, bid_t: int, ask_t: int, code: int) -> int:
    spread = ask_t - bid_t
    inside = max(spread - 1, 0)  # ticks strictly inside the spread, counted from the near side
    if code == CODE_MID:
        k = spread // 2 if spread >= 2 else 0
    else:
        k = min(code, inside)
    return bid_t + k if side > 0 else ask_t - k


def virtual_fills(trades, quotes, placements, codes, horizons_ns, tick, queue_frac, order_size):
    """Same outputs as the kernel, as Python lists.

    trades: list of (ts, price, size) sorted by ts; quotes: list of (ts, bid, ask, bid_size, ask_size) sorted;
    placements: list of (ts, side, censor_ts).
    Returns a list of dicts per placement: limit_px[c], spread_ticks, fill_ns[c], exec[c][h], drift[h].
    """
    q_times = [q[0] for q in quotes]
    tol = tick * 1e-4
    out = []
    for t0, side, censor in placements:
        qi = bisect.bisect_right(q_times, t0) - 1
        if qi >= 0 and not (math.isfinite(quotes[qi][1]) and math.isfinite(quotes[qi][2])):
            qi = -1
        if qi < 0:
            out.append({
                "limit_px": [math.nan] * len(codes), "spread_ticks": math.nan, "fill_ns": [-1] * len(codes),
                "exec": [[math.nan] * len(horizons_ns) for _ in codes], "drift": [math.nan] * len(horizons_ns),
            })
            continue
        _, b0, a0, bs0, as0 = quotes[qi]
        bt, at = round(b0 / tick), round(a0 / tick)
        end = min(censor, t0 + horizons_ns[-1])
        # the events after the placement up to the end, trades before quotes on equal stamps
        events = [(t, 0, (p, s)) for t, p, s in trades if t0 < t <= end and math.isfinite(p) and math.isfinite(s)]
        events += [(q[0], 1, q) for q in quotes[qi + 1:] if q[0] <= end]
        events.sort(key=lambda e: (e[0], e[1]))
        row = {"limit_px": [], "spread_ticks": at - bt, "fill_ns": [], "exec": [], "drift": []}
        for code in codes:
            lt = limit_ticks(side, bt, at, code)
            lp = lt * tick
            near_t = bt if side > 0 else at
            queue = queue_frac * (bs0 if side > 0 else as0) if lt == near_t else 0.0
            executed = 0.0
            fill = -1
            marks = []  # (time, executable volume after the event)
            for t, kind, payload in events:
                if kind == 1:
                    if queue > 0 and math.isfinite(payload[1]) and math.isfinite(payload[2]):
                        _, qb, qa, qbs, qas = payload
                        level = round((qb if side > 0 else qa) / tick)
                        size = qbs if side > 0 else qas
                        behind = level < lt if side > 0 else level > lt
                        if behind:
                            queue = 0.0
                        elif level == lt:
                            queue = min(queue, size)
                    continue
                price, size = payload
                if (side > 0 and price < lp - tol) or (side < 0 and price > lp + tol):
                    executed += size
                elif abs(price - lp) <= tol:
                    take = max(0.0, size - queue)
                    queue = max(0.0, queue - size)
                    executed += take
                if fill < 0 and executed >= order_size:
                    fill = t - t0
                marks.append((t, executed))
            ex = []
            for h in horizons_ns:
                if t0 + h > censor:
                    ex.append(math.nan)
                    continue
                v = 0.0
                for t, e in marks:
                    if t <= t0 + h:
                        v = e
                ex.append(v)
            row["limit_px"].append(lp)
            row["fill_ns"].append(fill)
            row["exec"].append(ex)
        mid0 = 0.5 * (b0 + a0)
        for h in horizons_ns:
            if t0 + h > censor:
                row["drift"].append(math.nan)
                continue
            qh = bisect.bisect_right(q_times, t0 + h) - 1
            mid = 0.5 * (quotes[qh][1] + quotes[qh][2])
            row["drift"].append(side * (mid / mid0 - 1.0) * 1e4)
        out.append(row)
    return out

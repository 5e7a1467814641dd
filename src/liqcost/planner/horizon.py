"""The horizon search: on which windows, over how many trading days, an order fits its participation caps.

For one order (its size, interval cap, daily cap and start) the search picks the grid of tranche windows
(:func:`liqcost.planner.schedule.build_grid`) the plan is laid on:

* with a fixed span (the order's ``end``, or ``planner.days``): the finest windows whose caps hold the
  order, else longer regular windows (2, 3, 4, 6 profile intervals, the whole session), else the windows
  that lose the least capacity to lot rounding;
* otherwise the fewest trading days (at most ``planner.horizon_days``) whose caps hold it, trying the same
  window layouts in the same order and stopping as soon as no layout can beat the day caps.

Capacity is counted in whole round lots (``planner.round_lot_shares``): a window takes at most
``floor(cap x expected volume / lot)`` lots, a day at most ``floor(daily cap x day volume / lot)``, both less
what earlier orders in the same name already use (:class:`Usage`). When nothing fits,
:func:`infeasible_error` says the smallest horizon, or cap, that would (a bisection on the cap).

Everything here is per :func:`~liqcost.planner.plan.plan` call: the grid memo and the usage live in a
:class:`Search` object, so two plans can run at once in two threads.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

import numpy as np

from liqcost.errors import OrderError
from liqcost.planner.schedule import build_grid, capacity_by_day, capacity_lots, grid_sessions, infeasible_message

__all__ = ["MAX_SEARCH_DAYS", "Horizon", "Search", "Terms", "Usage"]

#: the longest horizon the remedies look at (a year of trading days)
MAX_SEARCH_DAYS = 252
# when the finest windows cannot hold an order: longer regular windows (in profile intervals), then the
# windows that lose the least capacity to lot rounding
_COARSER = (2, 3, 4, 6, 1000, "max_lots")


@dataclass(frozen=True)
class Terms:
    """What the search needs of one order.

    Attributes
    ----------
    order_id, symbol : str
    qty : int
        Whole shares.
    cap_frac, day_cap_frac : float
        Largest share of each window's and each day's expected volume.
    start_ns : int
        Earliest start, ns UTC.
    end_ns : int or None
        Latest end, ns UTC (fixes the span).
    """

    order_id: str
    symbol: str
    qty: int
    cap_frac: float
    day_cap_frac: float
    start_ns: int
    end_ns: int | None = None


@dataclass(frozen=True)
class Horizon:
    """The chosen windows and their caps (shares), cut to the days the order needs."""

    grid: object
    cap: np.ndarray
    day_cap: np.ndarray


class Usage:
    """Shares that orders planned earlier in the same call take in each window, per symbol.

    ``on(grid, symbol)`` is updated incrementally as orders add tranches (the grids are cached by the
    :class:`Search` and never modified, so an entry stays valid for its grid).
    """

    def __init__(self) -> None:
        self._windows: dict[str, list[tuple[int, int, float]]] = {}
        self._memo: dict[tuple[str, int], list] = {}

    def windows(self, symbol: str) -> list:
        return self._windows.setdefault(symbol, [])

    def add(self, symbol: str, start_ns: np.ndarray, end_ns: np.ndarray, shares: np.ndarray) -> None:
        self.windows(symbol).extend(zip(start_ns.tolist(), end_ns.tolist(), shares.astype(np.float64).tolist()))

    def on(self, grid, symbol: str) -> np.ndarray:
        used = self.windows(symbol)
        if not used:
            return np.zeros(grid.size)
        key = (symbol, id(grid))
        entry = self._memo.get(key)
        if entry is None or entry[2] is not grid:
            bounds = (grid.start_ns.astype(np.float64).tolist(), grid.end_ns.astype(np.float64).tolist())
            entry = self._memo[key] = [0, np.zeros(grid.size), grid, bounds]
        if entry[0] < len(used):
            entry[1] = entry[1] + used_shares(used[entry[0]:], grid.start_ns, grid.end_ns, entry[3])
            entry[0] = len(used)
        return entry[1]


def _pairwise_sum(a: list) -> float:
    """The sum of ``a`` added in numpy's order (``numpy.add.reduce``'s pairwise summation of a contiguous row), so that
    a sum taken here equals, bit for bit, the one numpy takes of the same values."""
    n = len(a)
    if n < 8:
        res = -0.0
        for x in a:
            res += x
        return res
    if n <= 128:
        r = a[:8]
        i = 8
        stop = n - n % 8
        while i < stop:
            r[0] += a[i]
            r[1] += a[i + 1]
            r[2] += a[i + 2]
            r[3] += a[i + 3]
            r[4] += a[i + 4]
            r[5] += a[i + 5]
            r[6] += a[i + 6]
            r[7] += a[i + 7]
            i += 8
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n:
            res += a[i]
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return _pairwise_sum(a[:n2]) + _pairwise_sum(a[n2:])


def used_shares(used: list, start_ns: np.ndarray, end_ns: np.ndarray, bounds: tuple | None = None) -> np.ndarray:
    """Shares other orders take in each window (pro rata to time overlap; an auction counts whole).

    ``used`` holds ``(start_ns, end_ns, shares)`` of the windows other orders use; the windows asked about are in time
    order (starts and ends non-decreasing), as a grid's are; ``bounds`` are their starts and ends as lists of floats,
    when the caller keeps them. A few windows meet a few used ones: the overlaps are found by bisection and each
    window's shares added in the order (and with the rounding) of a sum over all used windows.
    """
    n = start_ns.size
    out = np.zeros(n)
    if not used:
        return out
    if bounds is None:
        bounds = (start_ns.astype(np.float64).tolist(), end_ns.astype(np.float64).tolist())
    s_l, e_l = bounds
    n_used = len(used)
    terms: dict = {}
    for j, (us, ue, uq) in enumerate(used):
        us, ue, uq = float(us), float(ue), float(uq)
        length = ue - us
        for k in range(bisect_left(e_l, us), bisect_right(s_l, ue)):  # the windows that reach [us, ue]
            s, e = s_l[k], e_l[k]
            if length > 0:
                ov = min(e, ue) - max(s, us)
                v = uq * ov / length if ov > 0 else 0.0
            else:
                v = uq if (s == us and e == ue) else 0.0
            if v != 0.0:
                terms.setdefault(k, []).append((j, v))
    for k, tv in terms.items():
        if n_used < 8:  # numpy adds in order: skipping the zero terms changes nothing
            acc = -0.0
            for _, v in tv:
                acc += v
        else:
            row = [0.0] * n_used
            for j, v in tv:
                row[j] = v
            acc = _pairwise_sum(row)
        out[k] = acc
    return out


@dataclass
class Search:
    """The horizon search of one plan call: its config, grid memo and usage (see the module docstring)."""

    config: object
    usage: Usage = field(default_factory=Usage)
    _grids: dict = field(default_factory=dict)
    _sessions: dict = field(default_factory=dict)
    #: say what would fit when the caps cannot hold an order (False: a short error, for the frontier's many horizons)
    remedies: bool = True

    # ------------------------------------------------------------------------------------------ grids
    def grid(self, prof: dict, start_ns: int, n_days=None, end_ns=None, coarse=None, group: int = 1):
        """:func:`~liqcost.planner.schedule.build_grid`, memoised for this call (orders in one name share grids)."""
        key = (prof.get("symbol"), start_ns, n_days, end_ns, coarse, group)
        g = self._grids.get(key)
        if g is None:
            span = (start_ns, n_days, end_ns)
            sessions = self._sessions.get(span)
            if sessions is None:  # the calendar part is the same for every name
                sessions = self._sessions[span] = grid_sessions(self.config, start_ns, n_days, end_ns)
            g = self._grids[key] = build_grid(prof, self.config, start_ns, n_days=n_days, end_ns=end_ns, coarse=coarse,
                                              group=group, sessions=sessions)
        return g

    def _layout(self, prof, t: Terms, n_days, option):
        coarse = (t.cap_frac, self.config.planner.round_lot_shares, max(self.config.planner.min_tranche_shares, 1.0))
        kw = {"coarse": coarse} if option == "max_lots" else {"group": option}
        if t.end_ns is not None:
            return self.grid(prof, t.start_ns, end_ns=t.end_ns, **kw)
        return self.grid(prof, t.start_ns, n_days=n_days, **kw)

    # --------------------------------------------------------------------------------------- capacity
    def caps(self, grid, t: Terms, cap_frac=None, day_cap_frac=None) -> tuple[np.ndarray, np.ndarray]:
        """Shares each window and each day may still take (caps less what earlier orders use)."""
        pc = self.config.planner
        cap_frac = t.cap_frac if cap_frac is None else cap_frac
        day_cap_frac = t.day_cap_frac if day_cap_frac is None else day_cap_frac
        u = self.usage.on(grid, t.symbol)
        cap = cap_frac * grid.volume - u
        if pc.max_tranche_shares is not None:
            cap = np.minimum(cap, pc.max_tranche_shares)
        used_day = np.bincount(grid.day, weights=u, minlength=len(grid.dates)) if grid.size else np.zeros(len(grid.dates))
        day_cap = day_cap_frac * grid.day_volume - used_day
        return np.maximum(cap, 0.0), np.maximum(day_cap, 0.0)

    def days_needed(self, grid, t: Terms, cap_frac=None, day_cap_frac=None) -> int | None:
        """Fewest leading days of the grid whose caps hold the order (None: not within the grid)."""
        pc = self.config.planner
        if grid.size == 0:
            return None
        cap, dcap = self.caps(grid, t, cap_frac, day_cap_frac)
        lots = capacity_by_day(cap, grid.day, dcap, pc.round_lot_shares, max(pc.min_tranche_shares, 1.0))
        idx = np.flatnonzero(np.cumsum(lots) >= math.ceil(t.qty / pc.round_lot_shares))
        return int(idx[0]) + 1 if idx.size else None

    # ----------------------------------------------------------------------------------------- search
    def choose(self, prof: dict, t: Terms) -> Horizon:
        """The windows the order is planned on, cut to the days it needs.

        Raises
        ------
        OrderError
            The caps cannot hold the order within the horizon; the message gives the smallest horizon or
            cap that would.
        """
        pc = self.config.planner
        if t.end_ns is not None:
            fine = self.grid(prof, t.start_ns, end_ns=t.end_ns)
            days, fixed = len(fine.dates), True
        else:
            days = pc.days or pc.horizon_days
            fine = self.grid(prof, t.start_ns, n_days=days)
            fixed = pc.days is not None
        found = self._fixed_span(prof, t, fine, days) if fixed else self._fewest_days(prof, t, fine, days)
        if found is None:
            if not self.remedies:
                cap, dcap = self.caps(fine, t)
                most = capacity_lots(cap, fine.day, dcap, pc.round_lot_shares, max(pc.min_tranche_shares, 1.0)) * pc.round_lot_shares
                raise OrderError(f"order {t.order_id}: beyond the caps: at most {most:,.0f} of {t.qty:,} shares fit in {days} "
                                 f"trading day{'s' if days != 1 else ''} at {t.cap_frac:.0%} of the volume")
            raise self.infeasible_error(prof, t, days)
        grid, n_keep = found
        cap, dcap = self.caps(grid, t)
        if n_keep < len(grid.dates):
            keep = grid.day < n_keep
            grid = grid.head_days(n_keep)
            cap, dcap = cap[keep], dcap[:n_keep]
        return Horizon(grid, cap, dcap)

    def _fixed_span(self, prof, t: Terms, fine, days):
        """The finest layout that holds the order over the whole fixed span."""
        if self.days_needed(fine, t) is not None:
            return fine, len(fine.dates)
        for option in _COARSER:
            g = self._layout(prof, t, days, option)
            if self.days_needed(g, t) is not None:
                return g, len(g.dates)
        return None

    def _fewest_days(self, prof, t: Terms, fine, days):
        """The fewest days (at most the horizon), then the finest layout that achieves them."""
        pc = self.config.planner
        best_d, best = self.days_needed(fine, t), fine
        # no window layout beats the day caps: stop when the fine windows already reach them
        _, dcap = self.caps(fine, t)
        upper = np.cumsum(np.floor(dcap / pc.round_lot_shares + 1e-9))
        hit = np.flatnonzero(upper >= math.ceil(t.qty / pc.round_lot_shares))
        d_upper = int(hit[0]) + 1 if hit.size else None
        for option in _COARSER:
            if best_d == 1 or (best_d is not None and best_d == d_upper):
                break
            g = self._layout(prof, t, days, option)
            d = self.days_needed(g, t)
            if d is not None and (best_d is None or d < best_d):
                best_d, best = d, g
        return (best, best_d) if best_d is not None else None

    # ---------------------------------------------------------------------------------------- remedies
    def infeasible_error(self, prof: dict, t: Terms, days: int) -> OrderError:
        """The OrderError for an order the caps cannot hold, with what would hold it.

        * the fewest trading days at the order's caps (within a year);
        * the smallest cap within the horizon (bisection, 30 steps; the day cap scaled with it);
        * when either does not exist: the fewest days at 100 % of the volume and the smallest cap for that many
          days and the next two, so the message never says "nothing fits" when some horizon and cap do;
        * why the caps fail when a window cannot take a single round lot at the cap.

        Every figure uses the same capacity rules as the plan (whole lots per window, windows that lose the
        least capacity to rounding), so planning with a suggested horizon and cap succeeds.
        """
        from liqcost.planner.costs import daily_volume

        pc = self.config.planner
        lot, mt = pc.round_lot_shares, max(pc.min_tranche_shares, 1.0)
        scale = max(t.day_cap_frac / t.cap_frac, 1e-9)

        def grid_for(cap, n_days=None):
            if t.end_ns is not None:
                return build_grid(prof, self.config, t.start_ns, end_ns=t.end_ns, coarse=(cap, lot, mt))
            return build_grid(prof, self.config, t.start_ns, n_days=n_days, coarse=(cap, lot, mt))

        def fits(cap, n_days):
            return self.days_needed(grid_for(cap, n_days), t, cap, min(1.0, cap * scale))

        def min_cap(n_days):
            if fits(1.0, n_days) is None:
                return None
            lo, hi = t.cap_frac, 1.0
            for _ in range(30):
                mid = 0.5 * (lo + hi)
                if fits(mid, n_days) is not None:
                    hi = mid
                else:
                    lo = mid
            return hi

        min_days = fits(t.cap_frac, MAX_SEARCH_DAYS) if t.end_ns is None else None
        min_cap_here = min_cap(days)
        options = []
        if t.end_ns is None and (min_days is None or min_cap_here is None):
            d_any = fits(1.0, MAX_SEARCH_DAYS)
            if d_any is not None:
                options = [(d, c) for d in range(d_any, d_any + 3) if (c := min_cap(d)) is not None]
        grid = grid_for(t.cap_frac, days)
        cap, dcap = self.caps(grid, t)
        capacity = float(capacity_lots(cap, grid.day, dcap, lot, mt) * lot)
        reasons = []
        if grid.size and float(np.max(cap, initial=0.0)) < max(lot, mt):
            reasons.append(f"at {t.cap_frac:.0%} no window expects the volume for a round lot of {max(lot, mt):,.0f} shares "
                           f"(the busiest allows {float(np.max(cap)):,.0f})")
        if min_cap_here is None:
            full = build_grid(prof, self.config, t.start_ns, end_ns=t.end_ns, coarse=(1.0, lot, mt)) if t.end_ns is not None \
                else build_grid(prof, self.config, t.start_ns, n_days=days, coarse=(1.0, lot, mt))
            c1, d1 = self.caps(full, t, 1.0, min(1.0, scale))
            most = float(capacity_lots(c1, full.day, d1, lot, mt) * lot)
            reasons.append(f"within {days} trading day{'s' if days != 1 else ''} even all of the expected volume holds only "
                           f"{most:,.0f} shares")
        extra = "Earlier orders in the same name already use part of the capacity." if self.usage.windows(t.symbol) else ""
        return OrderError(infeasible_message(t.order_id, t.symbol, t.qty, days, t.cap_frac, t.day_cap_frac, capacity,
                                             daily_volume(prof, self.config), min_days, min_cap_here, extra, options=options,
                                             reasons=reasons))

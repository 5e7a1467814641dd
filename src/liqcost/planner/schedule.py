"""The plan's grid of tranche windows and the integer schedule that respects every constraint.

**Grid** (:func:`build_grid`). The session is cut into the liquidity profile's intervals
(``profile_interval_minutes`` minutes, volume shares ``volume_profile_frac``) on each trading day from the
start; an interval's expected volume is the day's expected volume (ADV or the median daily volume,
``planner.volume_basis``) times its share, pro rata when the start or end cuts it. Intervals whose
expected volume is below ``planner.min_interval_volume_frac`` of the day's mean interval are dropped (no
tranche where nothing trades); adjacent remaining intervals are merged into one window until it expects
at least ``planner.min_window_trades`` trades (thin names get longer windows). When those windows cannot
hold the order (each window's cap is floored to whole lots, which wastes capacity in thin names), the
planner tries longer regular windows (2, 3, 4, 6 intervals, the whole session), then windows chosen to lose
the least capacity to the rounding, before it asks for more days. The opening and closing
auctions are windows of their own only when ``planner.auctions`` is on and the profile gives their volume
(``open_auction_frac``, ``close_auction_frac``).

**Schedule** (:func:`allocate`). From a target trajectory (floats) to integer shares:

1. caps: a window takes at most ``cap x expected volume`` shares (and ``planner.max_tranche_shares``), a day
   at most ``daily cap x the day's expected volume``; both are reduced by what other orders in the same name
   already use;
2. the target is capped window by window, the excess carried forward to the next window with room, and
   what is still left at the end filled backward from the last window (keeps the trajectory's shape);
3. whole round lots by *cumulative* rounding, ``A_k = floor(S_k + 1/2)`` with ``S_k`` the running total: the
   lots sum exactly to ``floor(qty / round_lot)``, no window or day exceeds its cap (a running total that grows by
   at most an integer ``u`` rounds to one that grows by at most ``u``), and the lots never drift more than
   half a lot from the target;
4. the odd-lot remainder ``qty - lots x round_lot`` goes to the last tranche (the latest tranche with room, or a
   window of its own only when no tranche has room), so the plan sums exactly to the order;
5. a tranche below ``planner.min_tranche_shares`` is merged into its neighbour.

When the caps cannot hold the order within the horizon, :class:`~liqcost.errors.OrderError` says how many
trading days, or what participation cap, would.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["NS", "Grid", "Infeasible", "allocate", "build_grid", "capacity_by_day", "capacity_lots", "grid_sessions",
           "session_bounds", "trading_days"]

NS = 1_000_000_000


class Infeasible(Exception):
    """The caps cannot hold the order (internal; the planner turns it into an OrderError with remedies)."""

    def __init__(self, reason: str, capacity_shares: float):
        super().__init__(reason)
        self.reason = reason
        self.capacity_shares = capacity_shares


@dataclass(frozen=True)
class Grid:
    """Tranche windows of one plan in time order (one entry per window).

    Attributes
    ----------
    date : ndarray of datetime.date
    day : ndarray of int
        Trading-day index from 0.
    start_ns, end_ns : ndarray of int64
        Window bounds, ns UTC (an auction window has ``start == end``).
    volume : ndarray
        Expected market volume in the window, shares.
    clock_minutes : ndarray
        Window length, trading minutes (0 for auctions).
    trades : ndarray
        Expected number of prints in the window (NaN without ``trades_per_day``).
    tod : ndarray of str
        ``open``, ``midday`` or ``close``: time-of-day stratum of the window's start.
    kind : ndarray of str
        ``continuous``, ``open_auction`` or ``close_auction``.
    variance_days : ndarray
        Return variance, in days, from this window's trade to the next one's (overnight share included).
    day_volume : ndarray
        Expected volume of each trading day within the plan's span (all intervals, dropped ones too), shares.
    dates : list of datetime.date
        The trading days of the span.
    day_open_ns, day_close_ns : ndarray of int64
        Session bounds of each trading day, ns UTC.
    overnight_frac : float
        Share of a day's variance that falls overnight.
    """

    date: np.ndarray
    day: np.ndarray
    start_ns: np.ndarray
    end_ns: np.ndarray
    volume: np.ndarray
    clock_minutes: np.ndarray
    trades: np.ndarray
    tod: np.ndarray
    kind: np.ndarray
    variance_days: np.ndarray
    day_volume: np.ndarray
    dates: list
    day_open_ns: np.ndarray
    day_close_ns: np.ndarray
    overnight_frac: float

    @property
    def size(self) -> int:
        return int(self.volume.size)

    def head_days(self, n: int) -> Grid:
        """The windows of the first ``n`` trading days."""
        m = self.day < n
        var = _variance(self.start_ns[m], self.end_ns[m], self.day[m], self.day_open_ns, self.day_close_ns,
                        self.overnight_frac)
        return Grid(self.date[m], self.day[m], self.start_ns[m], self.end_ns[m], self.volume[m], self.clock_minutes[m],
                    self.trades[m], self.tod[m], self.kind[m], var, self.day_volume[:n], self.dates[:n],
                    self.day_open_ns[:n], self.day_close_ns[:n], self.overnight_frac)


def _holidays(config, first: dt.date, last: dt.date) -> set:
    """Closed dates of the exchange calendar (``session.holiday_calendar``, ``session.holidays``)."""
    from liqcost.calendar import holidays_for

    return holidays_for(config, first, last)


def session_bounds(days, config):
    """Open and close of each trading day, int64 ns UTC: the planner's one question to the calendar.

    Every part of the planner (the window grid, the default start, a single order's end date) asks here,
    so the sessions' real bounds (early closes on NYSE half days, when :mod:`liqcost.calendar` gives them)
    reach every plan through this one line.
    """
    from liqcost.calendar import session_bounds_ns

    return session_bounds_ns(days, config.session)


def trading_days(first: dt.date, n: int, config, until: dt.date | None = None) -> list[dt.date]:
    """``n`` trading days from ``first`` (or all up to ``until``): the session's weekdays less holidays.

    Holidays come from the exchange calendar (``session.holiday_calendar``, ``session.holidays``).
    """
    weekdays = set(config.session.trading_days)
    last = until or first + dt.timedelta(days=int(n * 7 / max(len(weekdays), 1)) + 14)
    holidays = _holidays(config, first, last)
    out, d = [], first
    while (until is None and len(out) < n) or (until is not None and d <= until):
        if d.weekday() in weekdays and d not in holidays:
            out.append(d)
        d += dt.timedelta(days=1)
        if until is None and d > last:  # the estimate of the span was short: extend
            last = d + dt.timedelta(days=30)
            holidays = _holidays(config, first, last)
    return out


def _variance(start_ns, end_ns, day, day_open_ns, day_close_ns, overnight_frac):
    """Variance in days between consecutive windows' midpoints: session time (and whole sessions skipped)
    times ``1 - overnight_frac``, plus ``overnight_frac`` per night."""
    mid = 0.5 * (start_ns.astype(np.float64) + end_ns.astype(np.float64))
    n = mid.size
    out = np.zeros(n)
    if n > 1:
        d0, d1 = day[:-1], day[1:]
        sess0 = (day_close_ns[d0] - day_open_ns[d0]).astype(np.float64)
        sess1 = (day_close_ns[d1] - day_open_ns[d1]).astype(np.float64)
        nights = (d1 - d0).astype(np.float64)
        same = (mid[1:] - mid[:-1]) / sess0
        across = (day_close_ns[d0] - mid[:-1]) / sess0 + (mid[1:] - day_open_ns[d1]) / sess1 + np.maximum(nights - 1, 0)
        intraday = np.where(nights > 0, across, same)
        out[:-1] = (1.0 - overnight_frac) * intraday + overnight_frac * nights
    return out


def _partition_greedy(trades: np.ndarray, min_trades: float, group: int = 1) -> list[tuple[int, int]]:
    """Consecutive windows ``[a, b)`` of at least ``group`` intervals, closed as soon as they expect
    ``min_trades``; a short tail joins the last window."""
    parts, a, acc = [], 0, 0.0
    for j in range(trades.size):
        acc += trades[j]
        if acc >= min_trades and j + 1 - a >= group:
            parts.append((a, j + 1))
            a, acc = j + 1, 0.0
    if a < trades.size:
        if parts:
            parts[-1] = (parts[-1][0], trades.size)
        else:
            parts.append((a, trades.size))
    return parts


def _partition_max_lots(vol: np.ndarray, trades: np.ndarray, min_trades: float, cap_frac: float, round_lot: int,
                        min_tranche: float) -> list[tuple[int, int]]:
    """Windows that lose the least capacity to lot rounding: maximise ``sum floor(cap x volume / round_lot)`` over
    partitions of the run into windows of at least ``min_trades`` expected trades (then the most windows).
    Dynamic programming over the run's intervals (a day has a few dozen at most)."""
    m = vol.size
    cv = np.concatenate([[0.0], np.cumsum(vol)])
    ct = np.concatenate([[0.0], np.cumsum(trades)])
    best = [(-1, -1)] * (m + 1)
    prev = [-1] * (m + 1)
    best[0] = (0, 0)
    need = max(min_tranche, float(round_lot))
    for j in range(1, m + 1):
        for i in range(j):
            if best[i][0] < 0 or ct[j] - ct[i] < min_trades:
                continue
            lots = int(np.floor(cap_frac * (cv[j] - cv[i]) / round_lot + 1e-9))
            if lots * round_lot < need:
                lots = 0
            cand = (best[i][0] + lots, best[i][1] + 1)
            if cand > best[j]:
                best[j], prev[j] = cand, i
    if best[m][0] < 0:
        return [(0, m)]
    parts, j = [], m
    while j > 0:
        parts.append((prev[j], j))
        j = prev[j]
    return parts[::-1]


def grid_sessions(config, start_ns: int, n_days: int | None = None, end_ns: int | None = None):
    """The trading days of a plan's span and their session bounds: ``(days, opens, closes)`` (the calendar part of
    :func:`build_grid`, the same for every name with the same start and span)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(config.session.timezone)
    start_local = dt.datetime.fromtimestamp(start_ns / NS, tz)
    first_day = start_local.date()
    if end_ns is not None:
        last_day = dt.datetime.fromtimestamp(end_ns / NS, tz).date()
        days = trading_days(first_day, 0, config, until=last_day)
    else:
        days = trading_days(first_day, (n_days or 1) + 1, config)
    opens, closes = session_bounds(days, config)
    keep_day = closes > start_ns
    days = [d for d, k in zip(days, keep_day) if k]
    opens, closes = opens[keep_day], closes[keep_day]
    if end_ns is None:
        days, opens, closes = days[: n_days or 1], opens[: n_days or 1], closes[: n_days or 1]
    else:
        keep = opens < end_ns
        days, opens, closes = [d for d, k in zip(days, keep) if k], opens[keep], closes[keep]
    return days, opens, closes


def build_grid(profile: dict, config, start_ns: int, n_days: int | None = None, end_ns: int | None = None,
               coarse: tuple[float, int, float] | None = None, group: int = 1, sessions=None) -> Grid:
    """Windows of a plan for one symbol (see the module docstring).

    Parameters
    ----------
    profile : dict
        One row of the liquidity profile (:data:`liqcost.schema.PROFILE`): ``adv_shares`` or
        ``mdv_shares``, ``volume_profile_frac``, ``profile_interval_minutes``, optional ``trades_per_day``,
        ``open_auction_frac``, ``close_auction_frac``.
    config : liqcost.config.Config
    start_ns : int
        Earliest start, ns UTC (a start outside a session moves to the next open).
    n_days : int, optional
        Trading days from the start's day.
    end_ns : int, optional
        Latest end, ns UTC (windows are cut there).
    group : int
        Smallest number of profile intervals in a window (longer regular windows: 2 = hours for half-hour
        intervals).
    coarse : (cap_frac, round_lot, min_tranche), optional
        Form windows that lose the least capacity to lot rounding at this participation cap (the last
        resort when regular windows cannot hold the order: fewer, longer windows rather than more days).
    sessions : (days, opens, closes), optional
        :func:`grid_sessions` of the same start and span, when the caller has them already.
    """
    pc = config.planner
    sess = config.session
    session_min = sess.close_minutes - sess.open_minutes
    session_s = session_min * 60.0
    basis = profile.get("mdv_shares") if pc.volume_basis == "mdv" else profile.get("adv_shares")
    if basis is None or not np.isfinite(basis) or basis <= 0:
        basis = profile.get("adv_shares") or 0.0
    day_vol = float(basis or 0.0)
    width = int(profile.get("profile_interval_minutes") or config.measures.profile_interval_minutes)
    fracs = profile.get("volume_profile_frac")
    n_bins = math.ceil(session_min / width)
    oa = float(profile.get("open_auction_frac") or 0.0)
    ca = float(profile.get("close_auction_frac") or 0.0)
    oa = oa if np.isfinite(oa) else 0.0
    ca = ca if np.isfinite(ca) else 0.0
    if fracs is None or len(fracs) == 0 or not np.all(np.isfinite(np.asarray(fracs, dtype=float))):
        edges = np.minimum(np.arange(n_bins + 1) * width, session_min)
        fr = np.diff(edges) / session_min * max(1.0 - oa - ca, 0.0)
    else:
        fr = np.asarray(fracs, dtype=np.float64)
        if fr.size != n_bins:  # a profile built with another session: stretch it over this one
            n_bins = fr.size
            width = session_min / n_bins
    tpd = profile.get("trades_per_day")
    tpd = float(tpd) if tpd is not None and np.isfinite(tpd) else float("nan")
    cont_share = float(fr.sum())

    if sessions is None:
        sessions = grid_sessions(config, start_ns, n_days, end_ns)
    days, opens, closes = sessions
    n_d = len(days)
    bin_edges = np.minimum(np.arange(n_bins + 1) * width * 60.0, session_s)
    rows_start, rows_end, rows_vol, rows_day, rows_clock, rows_kind = [], [], [], [], [], []
    day_volume = np.zeros(n_d)
    lo_all = start_ns
    hi_all = end_ns if end_ns is not None else np.iinfo(np.int64).max
    rel0 = (bin_edges[:-1] * NS).astype(np.int64)
    rel1 = (bin_edges[1:] * NS).astype(np.int64)
    mean_bin = day_vol * cont_share / max(n_bins, 1)

    def day_windows(s, e, cover):
        """Windows ``(start, end, volume)`` of one day's bins cut to ``[s, e]`` (ns), and the day's volume."""
        vol = day_vol * fr * cover
        live = (cover > 0) & (vol >= pc.min_interval_volume_frac * mean_bin) & (vol > 0)
        exp_tr = tpd * vol / day_vol if day_vol > 0 and np.isfinite(tpd) else np.full(n_bins, np.inf)
        out = []
        k = 0
        while k < n_bins:
            if not live[k]:
                k += 1
                continue
            j = k
            while j < n_bins and live[j]:
                j += 1
            if coarse is not None:
                parts = _partition_max_lots(vol[k:j], exp_tr[k:j], pc.min_window_trades, coarse[0], coarse[1], coarse[2])
            else:
                parts = _partition_greedy(exp_tr[k:j], pc.min_window_trades, group)
            for a, b in parts:
                out.append((int(s[k + a]), int(e[k + b - 1]), float(vol[k + a:k + b].sum())))
            k = j
        return out, float(vol.sum())

    # a whole session is the same every day: its windows are computed once, relative to the open
    template, template_vol = day_windows(rel0, rel1, np.ones(n_bins))
    regular = int(round(session_s * NS))
    for i in range(n_d):
        if opens[i] >= lo_all and closes[i] <= hi_all and closes[i] - opens[i] == regular:
            wins = [(opens[i] + a, opens[i] + b, v) for a, b, v in template]
            day_volume[i] = template_vol
        else:  # cut by the start, the end, or an early close (a half day keeps the volume of the bins it trades)
            b0, b1 = opens[i] + rel0, opens[i] + rel1
            s = np.maximum(b0, lo_all)
            e = np.minimum(np.minimum(b1, hi_all), closes[i])
            cover = np.clip((e - s) / np.maximum(b1 - b0, 1), 0.0, 1.0)
            wins, day_volume[i] = day_windows(s, e, cover)
        if pc.auctions and oa > 0 and lo_all <= opens[i] <= hi_all:
            rows_start.append(opens[i]), rows_end.append(opens[i]), rows_vol.append(day_vol * oa)
            rows_day.append(i), rows_clock.append(0.0), rows_kind.append("open_auction")
            day_volume[i] += day_vol * oa
        for a, b, v in wins:
            rows_start.append(a), rows_end.append(b), rows_vol.append(v)
            rows_day.append(i), rows_clock.append((b - a) / NS / 60.0), rows_kind.append("continuous")
        if pc.auctions and ca > 0 and lo_all <= closes[i] <= hi_all:
            rows_start.append(closes[i]), rows_end.append(closes[i]), rows_vol.append(day_vol * ca)
            rows_day.append(i), rows_clock.append(0.0), rows_kind.append("close_auction")
            day_volume[i] += day_vol * ca
    start = np.array(rows_start, dtype=np.int64)
    end = np.array(rows_end, dtype=np.int64)
    day = np.array(rows_day, dtype=np.int64)
    volume = np.array(rows_vol, dtype=np.float64)
    open_of = opens[day] if day.size else np.zeros(0, np.int64)
    close_of = closes[day] if day.size else np.zeros(0, np.int64)
    after_open = (start - open_of) / NS / 60.0
    before_close = (close_of - start) / NS / 60.0
    from liqcost.models.fill_prob import tod_stratum

    tod = tod_stratum(after_open, before_close, pc.fill_tod_edge_minutes) if day.size else np.zeros(0, dtype=object)
    trades = tpd * volume / day_vol if day_vol > 0 else np.full(volume.size, np.nan)
    var = _variance(start, end, day, opens, closes, pc.overnight_variance_frac)
    return Grid(np.array([days[i] for i in day], dtype=object), day, start, end, volume,
                np.array(rows_clock, dtype=np.float64), trades, tod, np.array(rows_kind, dtype=object), var, day_volume,
                days, opens, closes, float(pc.overnight_variance_frac))


# ------------------------------------------------------------------------------------------ allocation


def _round_lot_caps(cap_shares: np.ndarray, round_lot: int, min_tranche: float) -> np.ndarray:
    u = np.floor(np.maximum(cap_shares, 0.0) / round_lot + 1e-9).astype(np.int64)
    u[u * round_lot < min_tranche] = 0
    return u


def capacity_lots(cap_shares, day, day_cap_shares, round_lot: int, min_tranche: float) -> int:
    """Largest number of round lots the windows can take under the window and day caps."""
    return int(capacity_by_day(cap_shares, day, day_cap_shares, round_lot, min_tranche).sum())


def capacity_by_day(cap_shares, day, day_cap_shares, round_lot: int, min_tranche: float) -> np.ndarray:
    """Round lots each trading day can take under the window and day caps (capacity is additive over days)."""
    u = _round_lot_caps(np.asarray(cap_shares, dtype=np.float64), round_lot, min_tranche)
    dcap = np.floor(np.maximum(np.asarray(day_cap_shares, dtype=np.float64), 0.0) / round_lot + 1e-9).astype(np.int64)
    per_day = np.bincount(np.asarray(day, dtype=np.int64), weights=u, minlength=dcap.size).astype(np.int64)
    return np.minimum(per_day, dcap)


def _capped_continuous(target: np.ndarray, u: np.ndarray, day: np.ndarray, dcap: np.ndarray, total: float) -> np.ndarray:
    """Cap ``target`` (lots, floats) window by window, carrying the excess forward, then backfilling."""
    n = target.size
    x = np.zeros(n)
    room_day = dcap.astype(np.float64).copy()
    carry = 0.0
    for k in range(n):
        want = target[k] + carry
        take = min(want, float(u[k]), room_day[day[k]])
        take = max(take, 0.0)
        x[k] = take
        room_day[day[k]] -= take
        carry = want - take
    if carry > 1e-9:
        for k in range(n - 1, -1, -1):
            room = min(float(u[k]) - x[k], room_day[day[k]])
            if room <= 0:
                continue
            add = min(room, carry)
            x[k] += add
            room_day[day[k]] -= add
            carry -= add
            if carry <= 1e-9:
                break
    if carry > 1e-6:
        raise Infeasible("the caps leave no room", float(x.sum()))
    # exact total (floating sums)
    s = x.sum()
    if s > 0:
        x *= total / s
    return x


def _cumulative_round(x: np.ndarray, total: int) -> np.ndarray:
    s = np.cumsum(x)
    a = np.floor(s + 0.5).astype(np.int64)
    a[-1] = total
    a = np.minimum(np.maximum.accumulate(a), total)
    return np.diff(np.concatenate([[0], a]))


def _repair(lots: np.ndarray, u: np.ndarray, day: np.ndarray, dcap: np.ndarray) -> np.ndarray:
    """Move single lots out of any window or day over its cap (floating-point edge cases of the rounding)."""
    lots = lots.copy()
    for _ in range(lots.size * 4 + 10):
        per_day = np.bincount(day, weights=lots, minlength=dcap.size).astype(np.int64)
        over_k = np.flatnonzero(lots > u)
        over_d = np.flatnonzero(per_day > dcap)
        if over_k.size == 0 and over_d.size == 0:
            return lots
        if over_k.size:
            src = int(over_k[0])
        else:
            cand = np.flatnonzero((day == over_d[0]) & (lots > 0))
            src = int(cand[-1])
        room = (u - lots > 0) & (per_day[day] < dcap[day]) & (day != (day[src] if over_k.size == 0 else -1))
        room[src] = False
        dst_c = np.flatnonzero(room)
        if dst_c.size == 0:
            raise Infeasible("the caps leave no room after rounding", float(lots.sum()))
        dst = int(dst_c[np.argmin(np.abs(dst_c - src))])
        lots[src] -= 1
        lots[dst] += 1
    raise Infeasible("rounding could not be repaired", float(lots.sum()))


def allocate(target, cap_shares, day, day_cap_shares, qty: float, round_lot: int, min_tranche: float = 0.0) -> np.ndarray:
    """Integer shares per window: sums exactly to ``qty``, within every window and day cap.

    Parameters
    ----------
    target : array_like [K]
        Desired shares per window (floats, any scale: it is rescaled to the order).
    cap_shares : array_like [K]
        Most shares each window may take (participation cap x expected volume, max tranche, less what
        other orders use).
    day : array_like of int [K]
        Trading-day index of each window (0..D-1).
    day_cap_shares : array_like [D]
        Most shares each day may take.
    qty : float
        Order size, shares (whole shares).
    round_lot : int
        Round lot, shares.
    min_tranche : float
        Smallest tranche, shares.

    Returns
    -------
    ndarray of int64 [K]
        Shares per window; every tranche is a multiple of ``round_lot`` except the one holding the odd-lot
        remainder (the last tranche whenever it has room).

    Raises
    ------
    Infeasible
        When the caps cannot hold the order.
    """
    target = np.maximum(np.asarray(target, dtype=np.float64), 0.0)
    cap = np.asarray(cap_shares, dtype=np.float64)
    day = np.asarray(day, dtype=np.int64)
    dcap_sh = np.asarray(day_cap_shares, dtype=np.float64)
    qty_i = round(qty)
    lots_total = qty_i // round_lot
    rem = qty_i - lots_total * round_lot
    u = _round_lot_caps(cap, round_lot, max(min_tranche, 1.0))
    dcap = np.floor(np.maximum(dcap_sh, 0.0) / round_lot + 1e-9).astype(np.int64)
    cap_lots = int(np.minimum(np.bincount(day, weights=u, minlength=dcap.size).astype(np.int64), dcap).sum())
    if lots_total > cap_lots:
        raise Infeasible("not enough room for the round lots", float(cap_lots * round_lot))
    shares = np.zeros(cap.size, dtype=np.int64)
    if lots_total > 0:
        t = np.where(u > 0, target, 0.0)
        if t.sum() <= 0:
            t = u.astype(np.float64)
        t = t / t.sum() * lots_total
        x = _capped_continuous(t, u, day, dcap, float(lots_total))
        lots = _repair(_cumulative_round(x, lots_total), u, day, dcap)
        lots = _merge_small(lots, u, day, dcap, round_lot, min_tranche)
        shares = lots * round_lot
    if rem:
        shares = _place_remainder(shares, rem, cap, day, dcap_sh, min_tranche, qty_i)
    return shares


def _merge_small(lots, u, day, dcap, round_lot, min_tranche):
    """Tranches below the minimum move into the nearest tranche with room (later first), or are topped up
    to the minimum from the largest tranche that stays above it."""
    need = math.ceil(min_tranche / round_lot) if min_tranche > 0 else 1
    if need <= 1:
        return lots
    lots = lots.copy()
    idx = np.arange(lots.size)
    for _ in range(2 * lots.size + 2):
        small = np.flatnonzero((lots > 0) & (lots < need))
        if small.size == 0:
            return lots
        k = int(small[0])
        q = int(lots[k])
        per_day = np.bincount(day, weights=lots, minlength=dcap.size).astype(np.int64)
        day_room = dcap - per_day
        # 1. move it whole into another tranche with room (window cap, and the day cap when the day changes)
        fits = (lots > 0) & (idx != k) & (u - lots >= q) & ((day == day[k]) | (day_room[day] >= q))
        cand = np.flatnonzero(fits)
        if cand.size:
            later = cand[cand > k]
            dst = int(later[0]) if later.size else int(cand[-1])
            lots[dst] += q
            lots[k] = 0
            continue
        # 2. top it up to the minimum from a tranche that stays at or above it
        extra = need - q
        if u[k] >= need:
            donors = (idx != k) & (lots - extra >= need) & ((day == day[k]) | (day_room[day[k]] >= extra))
            pool = np.flatnonzero(donors)
            if pool.size:
                same = pool[day[pool] == day[k]]
                pick = same if same.size else pool
                src = int(pick[np.argmax(lots[pick])])
                lots[src] -= extra
                lots[k] += extra
                continue
        raise Infeasible(f"a tranche of {q * round_lot} shares cannot reach the minimum tranche of {min_tranche:g} within the caps",
                         float(lots.sum() * round_lot))
    raise Infeasible("the minimum tranche could not be met within the caps", float(lots.sum() * round_lot))


def _place_remainder(shares, rem, cap, day, dcap_sh, min_tranche, qty):
    """Add the odd-lot remainder to the last tranche (or the latest one with room)."""
    per_day = np.bincount(day, weights=shares, minlength=dcap_sh.size)
    room = np.minimum(cap - shares, dcap_sh[day] - per_day[day])
    holders = np.flatnonzero((shares > 0) & (room >= rem - 1e-9))
    if holders.size:
        k = int(holders[-1])
    else:
        free = np.flatnonzero(room >= rem - 1e-9)
        if free.size == 0:
            raise Infeasible("no window has room for the odd-lot remainder", float(shares.sum()))
        k = int(free[-1])
    out = shares.copy()
    out[k] += rem
    assert out.sum() == qty
    return out


def infeasible_message(order_id: str, symbol: str, qty: float, days: int, cap: float, day_cap: float, capacity: float,
                       day_volume: float, min_days: int | None, min_cap: float | None, extra: str = "", *,
                       options=(), reasons=()) -> str:
    """The OrderError text: what does not fit, why, and the smallest horizon or cap that would.

    ``options`` are ``(days, cap)`` pairs that fit when neither the horizon at the caps nor the cap within the
    horizon exists; ``reasons`` say why the caps fail. Caps are shown rounded up to 0.1 % (a cap that fits).
    """
    where = f"order {order_id}: " if order_id else ""

    def pct(c):
        return f"{math.ceil(c * 1000 - 1e-9) / 10:.1f}%"

    msg = (f"{where}{qty:,.0f} shares of {symbol} do not fit in {days} trading day{'s' if days != 1 else ''} at "
           f"{cap:.0%} of each interval's and {day_cap:.0%} of each day's expected volume "
           f"(about {day_volume:,.0f} shares a day: at most {capacity:,.0f} shares fit)")
    if reasons:
        msg += ": " + ", and ".join(reasons)
    fixes = []
    if min_days is not None:
        fixes.append(f"at least {min_days} trading days at these caps (planner.horizon_days / --horizon-days)")
    if min_cap is not None:
        fixes.append(f"a participation cap of {pct(min_cap)} within {days} day{'s' if days != 1 else ''} "
                     "(max_participation / --max-participation)")
    if fixes:
        msg += "; it needs " + ", or ".join(fixes)
    if options:
        shown = [f"{d} trading day{'s' if d != 1 else ''} at {pct(c)}" for d, c in options]
        lead = "; it fits in " if not fixes else "; it also fits in "
        msg += lead + (", ".join(shown[:-1]) + " or " + shown[-1] if len(shown) > 1 else shown[0]) + \
            " (--horizon-days with --max-participation)"
    if not fixes and not options:
        msg += "; no participation cap or horizon within a year fits it"
    return msg + "." + (f" {extra}" if extra else "")

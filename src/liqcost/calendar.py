"""Exchange calendars: which weekdays trade and which dates are holidays.

One calendar serves the tick day grid (``measures``), the bar day grid (``measures.bars``), the planner's
multi-day schedules and the sample generator, so a holiday is never a zero-volume day in one place and a
trading day in another. Configured by ``session.trading_days``, ``session.holiday_calendar`` and
``session.holidays``. Pure Python, no dependencies.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["nyse_holidays", "holidays_for", "trading_grid", "session_bounds_ns"]

NS = 1_000_000_000



def _easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(d: dt.date) -> dt.date:
    if d.weekday() == 5:
        return d - dt.timedelta(days=1)
    if d.weekday() == 6:
        return d + dt.timedelta(days=1)
    return d


_NYSE_SPECIAL = {
    # presidential election days (the exchange closed on them through 1980), funerals, weather, blackout
    dt.date(1972, 11, 7), dt.date(1972, 12, 28), dt.date(1973, 1, 25), dt.date(1976, 11, 2),
    dt.date(1977, 7, 14), dt.date(1980, 11, 4), dt.date(1985, 9, 27), dt.date(1994, 4, 27),
    dt.date(2001, 9, 11), dt.date(2001, 9, 12), dt.date(2001, 9, 13), dt.date(2001, 9, 14),
    dt.date(2004, 6, 11), dt.date(2007, 1, 2), dt.date(2012, 10, 29), dt.date(2012, 10, 30),
    dt.date(2018, 12, 5), dt.date(2025, 1, 9),
}


def nyse_holidays(year: int) -> set[dt.date]:
    """Full-day NYSE closures of a year (regular holidays with their observed dates, and special closures).

    New Year's Day (not observed on the Friday before when it falls on a Saturday), Martin Luther King Jr.
    Day (from 1998), Washington's Birthday, Good Friday, Memorial Day, Juneteenth (from 2022),
    Independence Day, Labor Day, Thanksgiving, Christmas; plus special closures since 1972 (presidential
    election days through 1980, the Truman, Johnson, Nixon, Reagan, Ford, G. H. W. Bush and Carter
    funerals, the 1977 blackout, hurricanes Gloria and Sandy, 9/11). Half days are trading days.
    Washington's Birthday and Memorial Day follow the Monday rules in force since 1971.
    """
    out = set()
    ny = dt.date(year, 1, 1)
    if ny.weekday() == 6:
        out.add(ny + dt.timedelta(days=1))
    elif ny.weekday() != 5:
        out.add(ny)
    if year >= 1998:
        out.add(_nth_weekday(year, 1, 0, 3))
    out.add(_nth_weekday(year, 2, 0, 3))
    out.add(_easter(year) - dt.timedelta(days=2))
    out.add(_nth_weekday(year, 5, 0, -1))
    if year >= 2022:
        out.add(_observed(dt.date(year, 6, 19)))
    out.add(_observed(dt.date(year, 7, 4)))
    out.add(_nth_weekday(year, 9, 0, 1))
    out.add(_nth_weekday(year, 11, 3, 4))
    out.add(_observed(dt.date(year, 12, 25)))
    out |= {d for d in _NYSE_SPECIAL if d.year == year}
    return out


def holidays_for(config, first: dt.date, last: dt.date) -> set[dt.date]:
    """Closed dates between ``first`` and ``last`` from ``session.holiday_calendar`` and ``session.holidays``.

    ``config`` is the whole :class:`~liqcost.config.Config` (or anything with a ``session`` section).
    """
    session = config.session
    cal = session.holiday_calendar
    if cal == "auto":
        cal = "nyse" if session.timezone == "America/New_York" else "none"
    out = set(session.holidays)
    if cal == "nyse":
        for y in range(first.year, last.year + 1):
            out |= nyse_holidays(y)
    return {d for d in out if first <= d <= last}


def trading_grid(first: dt.date, last: dt.date, weekdays, holidays=()) -> list[dt.date]:
    """Trading days from ``first`` to ``last`` inclusive: the given weekdays minus the holidays."""
    wd = set(weekdays)
    hol = set(holidays)
    n = (last - first).days
    return [d for d in (first + dt.timedelta(days=i) for i in range(n + 1)) if d.weekday() in wd and d not in hol]


def session_bounds_ns(days, session):
    """Session open and close of each exchange-local date as int64 ns since the epoch, UTC.

    ``session`` is the config's ``session`` section (``timezone``, ``open``, ``close``; a close of
    ``24:00`` is the midnight that ends the day). Local wall-clock times are converted with ``zoneinfo``,
    so daylight-saving changes are handled; a time that does not exist locally follows zoneinfo's rule.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Opens and closes, int64 ns.
    """
    from zoneinfo import ZoneInfo

    import numpy as np

    tz = ZoneInfo(session.timezone)
    open_m, close_m = session.open_minutes, session.close_minutes
    opens = np.empty(len(days), dtype=np.int64)
    closes = np.empty(len(days), dtype=np.int64)
    cache: dict = {}
    for i, d in enumerate(days):
        if d not in cache:
            midnight = dt.datetime(d.year, d.month, d.day, tzinfo=tz)
            o = midnight + dt.timedelta(minutes=open_m)  # wall-clock arithmetic in the exchange's zone
            c = midnight + dt.timedelta(minutes=close_m)
            cache[d] = (int(o.timestamp()) * NS, int(c.timestamp()) * NS)
        opens[i], closes[i] = cache[d]
    return opens, closes


def local_date_expr(ts_col: str, tz: str):
    """Polars expression: the exchange-local date of a UTC time-stamp column."""
    import polars as pl

    return pl.col(ts_col).dt.convert_time_zone(tz).dt.date()

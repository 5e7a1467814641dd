"""Exchange calendars: which days trade, which are holidays, and when each session opens and closes.

One calendar serves the tick day grid (``measures``), the bar day grid (``measures.bars``), the tick
measures' session bounds, the intraday volume profile, the planner's multi-day schedules and the sample
generator, so a holiday is never a zero-volume day in one place and a trading day in another, and a half
day ends at its real close everywhere. Configured by ``session.trading_days``, ``session.holiday_calendar``,
``session.holidays``, ``session.early_closes`` and ``session.early_close``. Pure Python, no dependencies.

The one function giving each trading day's open and close is :func:`sessions` (a frame: UTC nanoseconds
and exchange-local times); :func:`session_bounds_ns` is its array form for given dates.

NYSE rules (``holiday_calendar: nyse``, or ``auto`` with the America/New_York time zone), checked day by
day against the ``exchange_calendars`` package's XNYS calendar for 1990-2030 (``tests/test_calendar_nyse.py``):

* full-day closures: :func:`nyse_holidays`;
* early closes (:func:`nyse_early_closes`) at 13:00 from 1993, 14:00 before: Christmas Eve when it falls on
  Monday to Thursday; the day after Thanksgiving from 1992; July 3 when it falls on Monday to Thursday from
  1995 (in 1996 and 2002, when Independence Day was a Thursday, the exchange closed early on Friday July 5
  instead); and the one-off early closes of 1997-12-26, 1999-12-31 and 2003-12-26.
"""

from __future__ import annotations

import datetime as dt
import functools

__all__ = [
    "nyse_holidays",
    "nyse_early_closes",
    "holidays_for",
    "early_closes_for",
    "resolve_calendar",
    "trading_grid",
    "trading_days_between",
    "sessions",
    "session_bounds_ns",
    "local_date_expr",
    "local_day_bounds_ns",
    "local_days",
]

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
    funerals, the 1977 blackout, hurricanes Gloria and Sandy, 9/11). Half days are trading days
    (:func:`nyse_early_closes`). Washington's Birthday and Memorial Day follow the Monday rules in force
    since 1971.
    """
    return set(_nyse_holidays(year))


@functools.lru_cache(maxsize=512)
def _nyse_holidays(year: int) -> frozenset:
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
    return frozenset(out)


#: one-off NYSE early closes (the rules of :func:`nyse_early_closes` do not produce them)
_NYSE_SPECIAL_EARLY = {dt.date(1996, 7, 5), dt.date(1997, 12, 26), dt.date(1999, 12, 31), dt.date(2002, 7, 5),
                       dt.date(2003, 12, 26)}
#: years in which July 3 was not an early close although it fell on Monday to Thursday (July 5 was instead)
_NYSE_JULY3_EXCEPTIONS = {1996, 2002}


def nyse_early_closes(year: int) -> dict[dt.date, int]:
    """NYSE early closes (half days) of a year: date -> close in minutes after local midnight.

    At 13:00 from 1993 and 14:00 before. Christmas Eve when it falls on Monday to Thursday (on a Friday
    it is the observed Christmas holiday); the day after Thanksgiving from 1992; July 3 when it falls on
    Monday to Thursday from 1995, except 1996 and 2002 when the exchange closed early on Friday July 5
    instead; and the one-off early closes 1997-12-26, 1999-12-31 and 2003-12-26. Checked against the
    ``exchange_calendars`` XNYS calendar for 1990-2030; earlier years follow the same rules (the
    exchange's older history of shortened sessions is not modelled).
    """
    return dict(_nyse_early_closes(year))


@functools.lru_cache(maxsize=512)
def _nyse_early_closes(year: int) -> tuple:
    close = 13 * 60 if year >= 1993 else 14 * 60
    days = set()
    xmas_eve = dt.date(year, 12, 24)
    if xmas_eve.weekday() <= 3:
        days.add(xmas_eve)
    if year >= 1992:
        days.add(_nth_weekday(year, 11, 3, 4) + dt.timedelta(days=1))
    july3 = dt.date(year, 7, 3)
    if year >= 1995 and july3.weekday() <= 3 and year not in _NYSE_JULY3_EXCEPTIONS:
        days.add(july3)
    days |= {d for d in _NYSE_SPECIAL_EARLY if d.year == year}
    closed = _nyse_holidays(year)
    return tuple(sorted((d, close) for d in days if d not in closed))


def _session_of(obj):
    """The ``session`` section of a config, or the object itself when it is one (duck-typed; read from the
    instance dict, because a missing attribute of a pydantic model takes a slow path)."""
    d = getattr(obj, "__dict__", None)
    if d is not None:
        return d.get("session", obj)
    return getattr(obj, "session", obj)


def resolve_calendar(session) -> str:
    """The exchange calendar in force: ``nyse`` or ``none`` (``auto`` is NYSE for America/New_York)."""
    s = _session_of(session)
    cal = getattr(s, "holiday_calendar", "auto")
    if cal == "auto":
        cal = "nyse" if getattr(s, "timezone", None) == "America/New_York" else "none"
    return cal


def holidays_for(config, first: dt.date, last: dt.date) -> set[dt.date]:
    """Closed dates between ``first`` and ``last`` from ``session.holiday_calendar`` and ``session.holidays``.

    ``config`` is the whole :class:`~liqcost.config.Config` or its ``session`` section (anything with the
    attributes ``holiday_calendar``, ``timezone`` and ``holidays``).
    """
    session = _session_of(config)
    out = set(getattr(session, "holidays", ()) or ())
    if resolve_calendar(session) == "nyse":
        for y in range(first.year, last.year + 1):
            out |= _nyse_holidays(y)
    return {d for d in out if first <= d <= last}


def _hhmm(value: str) -> int:
    h, m = str(value).split(":")
    return int(h) * 60 + int(m)


def early_closes_for(config, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """Early closes between ``first`` and ``last``: date -> close in minutes after local midnight.

    The exchange's half days (NYSE: :func:`nyse_early_closes`) and the dates of ``session.early_closes``
    (closing at ``session.early_close``); a close is never later than the regular ``session.close``.
    ``config`` is a config or its ``session`` section (or anything with ``timezone`` and ``close``).
    """
    session = _session_of(config)
    regular = _close_minutes(session)
    out: dict[dt.date, int] = {}
    if resolve_calendar(session) == "nyse":
        for y in range(first.year, last.year + 1):
            for d, m in _nyse_early_closes(y):
                if first <= d <= last:
                    out[d] = m
    extra = getattr(session, "early_closes", ()) or ()
    if extra:
        m = _hhmm(getattr(session, "early_close", "13:00"))
        for d in extra:
            if first <= d <= last:
                out[d] = m
    return {d: min(m, regular) for d, m in out.items()}


def _close_minutes(session) -> int:
    m = getattr(session, "close_minutes", None)
    if m is None:
        m = _hhmm(session.close)
    return int(m)


def _open_minutes(session) -> int:
    m = getattr(session, "open_minutes", None)
    if m is None:
        m = _hhmm(session.open)
    return int(m)


def trading_grid(first: dt.date, last: dt.date, weekdays, holidays=()) -> list[dt.date]:
    """Trading days from ``first`` to ``last`` inclusive: the given weekdays minus the holidays."""
    wd = set(weekdays)
    hol = set(holidays)
    n = (last - first).days
    return [d for d in (first + dt.timedelta(days=i) for i in range(n + 1)) if d.weekday() in wd and d not in hol]


def trading_days_between(first, last: dt.date, config):
    """Trading days ``d`` with ``first < d <= last`` (exchange weekdays less holidays), per ``first``.

    Parameters
    ----------
    first : array_like of datetime.date or numpy datetime64[D]
        Start dates (excluded), e.g. each profile's last day with data.
    last : datetime.date
        End date (included), e.g. the as-of date.
    config : Config or its session section

    Returns
    -------
    numpy.ndarray
        int64 counts, 0 where ``first >= last``.
    """
    import numpy as np

    session = _session_of(config)
    a = np.asarray(first, dtype="datetime64[D]")
    if a.size == 0:
        return np.zeros(0, dtype=np.int64)
    b = np.datetime64(last, "D")
    lo = a.min()
    lo_d = dt.date.fromisoformat(str(min(lo, b)))
    hol = sorted(holidays_for(config, lo_d, last))
    weekmask = [1 if d in set(getattr(session, "trading_days", range(5))) else 0 for d in range(7)]
    n = np.busday_count(a + 1, b + 1, weekmask=weekmask, holidays=np.array(hol, dtype="datetime64[D]"))
    return np.maximum(n, 0).astype(np.int64)


def session_bounds_ns(days, session):
    """Session open and close of each exchange-local date as int64 ns since the epoch, UTC.

    ``session`` is the config's ``session`` section (``timezone``, ``open``, ``close``, the calendar keys; a
    close of ``24:00`` is the midnight that ends the day), or anything with ``timezone``, ``open_minutes``
    and ``close_minutes``. An early close of the exchange's calendar (NYSE half days) or of
    ``session.early_closes`` ends that day's session early. Local wall-clock times are converted with
    ``zoneinfo``, so daylight-saving changes are handled; a time that does not exist locally follows
    zoneinfo's rule.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Opens and closes, int64 ns.
    """
    from zoneinfo import ZoneInfo

    import numpy as np

    days = list(days)
    tz = ZoneInfo(session.timezone)
    open_m, close_m = _open_minutes(session), _close_minutes(session)
    early = early_closes_for(session, min(days), max(days)) if days else {}
    opens = np.empty(len(days), dtype=np.int64)
    closes = np.empty(len(days), dtype=np.int64)
    cache: dict = {}
    for i, d in enumerate(days):
        if d not in cache:
            midnight = dt.datetime(d.year, d.month, d.day, tzinfo=tz)
            o = midnight + dt.timedelta(minutes=open_m)  # wall-clock arithmetic in the exchange's zone
            c = midnight + dt.timedelta(minutes=early.get(d, close_m))
            cache[d] = (int(o.timestamp()) * NS, int(c.timestamp()) * NS)
        opens[i], closes[i] = cache[d]
    return opens, closes


def sessions(config, first: dt.date, last: dt.date):
    """Every trading day from ``first`` to ``last`` with its open and close: the one session table.

    Parameters
    ----------
    config : Config or its session section
        ``session`` keys: time zone, open/close, trading weekdays, holiday calendar, extra holidays and
        early closes.
    first, last : datetime.date
        Exchange-local dates, inclusive.

    Returns
    -------
    polars.DataFrame
        One row per trading day: ``date``; ``open_ns``, ``close_ns`` (int64 ns since the epoch, UTC);
        ``open_local``, ``close_local`` (datetimes in the exchange's time zone); ``early_close`` (the
        session ends before the regular close: a half day) and ``session_minutes``.
    """
    import polars as pl

    session = _session_of(config)
    days = trading_grid(first, last, getattr(session, "trading_days", range(5)), holidays_for(config, first, last))
    early = early_closes_for(config, first, last)
    o, c = session_bounds_ns(days, session)
    tz = session.timezone
    out = pl.DataFrame(
        {
            "date": pl.Series(days, dtype=pl.Date),
            "open_ns": pl.Series(o, dtype=pl.Int64),
            "close_ns": pl.Series(c, dtype=pl.Int64),
        }
    )
    return out.with_columns(
        pl.col("open_ns").cast(pl.Datetime("ns", "UTC")).dt.convert_time_zone(tz).alias("open_local"),
        pl.col("close_ns").cast(pl.Datetime("ns", "UTC")).dt.convert_time_zone(tz).alias("close_local"),
        pl.col("date").is_in(list(early)).alias("early_close"),
        ((pl.col("close_ns") - pl.col("open_ns")) // (60 * NS)).alias("session_minutes"),
    )


def local_date_expr(ts_col: str, tz: str):
    """Polars expression: the exchange-local date of a UTC time-stamp column."""
    import polars as pl

    return pl.col(ts_col).dt.convert_time_zone(tz).dt.date()


def local_days(ts_ns, tz: str):
    """Exchange-local dates of UTC time stamps, as int32 days since 1970-01-01 (the physical value of polars'
    ``Date``): what :func:`local_date_expr` gives, without converting every row to the time zone.

    ``ts_ns`` is a numpy int64 array of UTC nanoseconds without missing values. The UTC instants of the
    local midnights around its range are worked out once (DST-aware) and each row's day is found by binary
    search: about a quarter of the CPU time of polars' per-row conversion on 2.5 M quotes. Returns None when
    a local midnight in the range is skipped or repeated by a clock change (zones whose transition falls at
    midnight): there a day's first instant is not one midnight, and the caller should use
    :func:`local_date_expr`.
    """
    import numpy as np
    from zoneinfo import ZoneInfo

    ts_ns = np.asarray(ts_ns, dtype=np.int64)
    if ts_ns.size == 0:
        return np.zeros(0, dtype=np.int32)
    zone = ZoneInfo(tz)
    utc = dt.timezone.utc
    first = dt.datetime.fromtimestamp(int(ts_ns.min()) // NS, utc).date() - dt.timedelta(days=2)
    last = dt.datetime.fromtimestamp(int(ts_ns.max()) // NS, utc).date() + dt.timedelta(days=2)
    for k in range((last - first).days + 2):
        midnight = dt.datetime.combine(first + dt.timedelta(days=k), dt.time(0), tzinfo=zone)
        if midnight.utcoffset() != midnight.replace(fold=1).utcoffset():
            return None  # a clock change at midnight: no single first instant of the day
    bounds = local_day_bounds_ns(first, last, tz)
    days = np.searchsorted(bounds, ts_ns, side="right") - 1 + (first - dt.date(1970, 1, 1)).days
    return days.astype(np.int32)


def local_day_bounds_ns(first: dt.date, last: dt.date, timezone: str):
    """UTC ns of every local midnight from ``first`` to ``last + 1`` (``len = days + 2``), DST-aware."""
    import numpy as np
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(timezone)
    return np.array([int(dt.datetime.combine(first + dt.timedelta(days=k), dt.time(0), tzinfo=tz).timestamp()) * NS
                     for k in range((last - first).days + 2)], dtype=np.int64)

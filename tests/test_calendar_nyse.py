"""The exchange calendar: NYSE holidays and half days against ``exchange_calendars`` (1990-2030), the session
table and its array form, user-given half days, and trading-day counts."""

import datetime as dt
import warnings
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcost.calendar import (
    early_closes_for,
    holidays_for,
    nyse_early_closes,
    nyse_holidays,
    session_bounds_ns,
    sessions,
    trading_days_between,
)
from liqcost.config import load_config

NY = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def xnys():
    """XNYS schedule (one row per session: open, close) and its early-close session labels."""
    xc = pytest.importorskip("exchange_calendars")
    with warnings.catch_warnings():  # the package's own pandas deprecations
        warnings.simplefilter("ignore")
        cal = xc.get_calendar("XNYS", start="1990-01-01", end="2030-12-31")
        return cal.schedule.copy(), list(cal.early_closes)


def test_holidays_and_early_closes_match_exchange_calendars_1990_2030(xnys):
    sched, early_labels = xnys
    want_days = {ts.date() for ts in sched.index}
    cfg = load_config()
    first, last = dt.date(1990, 1, 1), dt.date(2030, 12, 31)
    table = sessions(cfg, first, last)
    got_days = set(table["date"].to_list())
    assert got_days == want_days, (sorted(got_days - want_days)[:5], sorted(want_days - got_days)[:5])
    # every session's open and close, to the nanosecond (daylight saving included)
    want_open = {ts.date(): int(v.value) for ts, v in zip(sched.index, sched["open"].array)}
    want_close = {ts.date(): int(v.value) for ts, v in zip(sched.index, sched["close"].array)}
    got_open = dict(zip(table["date"].to_list(), table["open_ns"].to_list()))
    got_close = dict(zip(table["date"].to_list(), table["close_ns"].to_list()))
    assert got_open == want_open
    bad = sorted(d for d in want_close if got_close[d] != want_close[d])
    assert not bad, bad[:10]
    # the half days themselves, with their close times
    closes = dict(zip(sched.index, sched["close"].array))
    early = {ts.date(): closes[ts].tz_convert("America/New_York").time() for ts in early_labels}
    mine = {}
    for y in range(1990, 2031):
        mine.update({d: dt.time(m // 60, m % 60) for d, m in nyse_early_closes(y).items()})
    assert mine == early
    assert table.filter(table["early_close"])["date"].to_list() == sorted(early)


def test_known_half_days_and_holidays():
    e = nyse_early_closes(2025)
    assert e == {dt.date(2025, 7, 3): 780, dt.date(2025, 11, 28): 780, dt.date(2025, 12, 24): 780}
    assert dt.date(2026, 7, 3) not in nyse_early_closes(2026)  # a Friday: the observed Independence Day
    assert dt.date(2026, 7, 3) in nyse_holidays(2026)
    assert nyse_early_closes(1992)[dt.date(1992, 11, 27)] == 14 * 60  # 14:00 before 1993
    assert dt.date(1996, 7, 5) in nyse_early_closes(1996) and dt.date(1996, 7, 3) not in nyse_early_closes(1996)


def test_session_bounds_end_half_days_at_13():
    cfg = load_config()
    days = [dt.date(2025, 11, 26), dt.date(2025, 11, 28), dt.date(2025, 12, 24), dt.date(2025, 12, 26)]
    o, c = session_bounds_ns(days, cfg.session)
    local = [dt.datetime.fromtimestamp(x / 1e9, NY).time() for x in c]
    assert local == [dt.time(16), dt.time(13), dt.time(13), dt.time(16)]
    assert [dt.datetime.fromtimestamp(x / 1e9, NY).time() for x in o] == [dt.time(9, 30)] * 4
    # no exchange calendar: no half days
    o2, c2 = session_bounds_ns(days, load_config(overrides={"session.holiday_calendar": "none"}).session)
    assert (c2 - o2 == 390 * 60 * 10**9).all()


def test_session_table_columns_and_user_half_days():
    cfg = load_config(overrides={"session.timezone": "Europe/London", "session.open": "08:00", "session.close": "16:30",
                                 "session.early_closes": ["2025-12-24", "2025-12-31"], "session.early_close": "12:30",
                                 "session.holidays": ["2025-12-25", "2025-12-26"]})
    t = sessions(cfg, dt.date(2025, 12, 22), dt.date(2025, 12, 31))
    assert t["date"].to_list() == [dt.date(2025, 12, d) for d in (22, 23, 24, 29, 30, 31)]
    assert t["early_close"].to_list() == [False, False, True, False, False, True]
    assert t["session_minutes"].to_list() == [510, 510, 270, 510, 510, 270]
    row = t.row(2, named=True)
    assert row["close_local"].hour == 12 and row["close_local"].minute == 30
    assert str(row["close_local"].tzinfo) == "Europe/London"
    assert early_closes_for(cfg, dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == {
        dt.date(2025, 12, 24): 750, dt.date(2025, 12, 31): 750}


def test_early_close_never_after_the_regular_close():
    cfg = load_config(overrides={"session.close": "12:00"})
    assert early_closes_for(cfg, dt.date(2025, 11, 28), dt.date(2025, 11, 28)) == {dt.date(2025, 11, 28): 720}


def test_trading_days_between_skips_holidays():
    cfg = load_config()
    first = np.array(["2025-11-21", "2025-11-26", "2025-11-28", "2025-12-01"], dtype="datetime64[D]")
    n = trading_days_between(first, dt.date(2025, 12, 1), cfg)
    # 11-24, 25, 26, 28, 12-01 after the 21st (Thanksgiving 11-27 closed); 28th, 1st after the 26th; ...
    assert n.tolist() == [5, 2, 1, 0]
    assert holidays_for(cfg.session, dt.date(2025, 11, 1), dt.date(2025, 11, 30)) == {dt.date(2025, 11, 27)}


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-10**9, 10**9), min_size=1, max_size=300),
       st.sampled_from(["America/New_York", "Europe/London", "Asia/Tokyo", "Australia/Sydney", "UTC",
                        "America/Santiago", "Asia/Beirut", "America/Havana"]),
       st.sampled_from(["2024-03-01", "2024-09-01", "2024-10-25", "2025-04-01"]))
def test_local_days_equal_the_time_zone_conversion(offsets_s, tz, around):
    """The binary search over local midnights gives each time stamp the date polars' time zone conversion gives,
    across DST changes; in a zone whose clock changes at midnight it declines (None) instead of guessing."""
    import polars as pl

    from liqcost.calendar import NS, local_date_expr, local_days

    base = int(dt.datetime.fromisoformat(around).replace(tzinfo=dt.timezone.utc).timestamp()) * NS
    ts = np.array(sorted(base + s * NS // 50 for s in offsets_s), dtype=np.int64)
    got = local_days(ts, tz)
    want = pl.DataFrame({"ts": pl.Series(ts).cast(pl.Datetime("ns", "UTC"))}).select(
        local_date_expr("ts", tz).cast(pl.Int32)).to_series().to_numpy()
    if got is None:
        assert tz in ("America/Santiago", "Asia/Beirut", "America/Havana")
    else:
        np.testing.assert_array_equal(got, want)


def test_local_days_declines_a_midnight_clock_change():
    from liqcost.calendar import NS, local_days

    # Chile moved its clocks from 00:00 to 01:00 on 2024-09-08
    t = int(dt.datetime(2024, 9, 8, 12, tzinfo=dt.timezone.utc).timestamp()) * NS
    assert local_days([t], "America/Santiago") is None
    assert local_days([t], "America/New_York") is not None

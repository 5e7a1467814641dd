"""Half days through the tick measures: the session, the volume bins and the profile end at the early close.

Independent of the planner: the NYSE closes at 13:00 on the day after Thanksgiving, so a print at 14:00
is outside the session (like an after-hours print), the day's volume bins stop at the seventh 30-minute
interval, its close is the last print before 13:00, and the profile's afternoon intervals are averaged
over the days that had an afternoon.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from reference.frames import random_days, ts

from liqcost.config import load_config
from liqcost.measures.daily import daily_metrics
from liqcost.measures.profile import liquidity_profile

DAYS = [dt.date(2025, 11, 24), dt.date(2025, 11, 25), dt.date(2025, 11, 26), dt.date(2025, 11, 28), dt.date(2025, 12, 1)]
HALF = dt.date(2025, 11, 28)


@pytest.fixture(scope="module")
def ticks():
    # trades all day long (random_days draws them from 9:30 to 16:00), also on the half day
    return random_days(["HALF"], DAYS, seed=11, trades_per_day=80, quotes_per_day=100)


def test_half_day_session_and_bins_end_at_13(ticks):
    t, q = ticks
    cfg = load_config()
    daily = daily_metrics(cfg, trades=t, quotes=q).daily.sort("date")
    assert daily["date"].to_list() == DAYS  # Thanksgiving (11-27) is a holiday, not a zero day
    half = daily.filter(pl.col("date") == HALF).row(0, named=True)
    local = t.with_columns(pl.col("ts").dt.convert_time_zone("America/New_York").alias("lt")).filter(
        pl.col("lt").dt.date() == HALF)
    before = local.filter(pl.col("lt") <= ts(HALF, 13, 0))
    after = local.filter(pl.col("lt") > ts(HALF, 13, 0))
    assert after.height > 0 and before.height > 0
    # prints after 13:00 are outside the session: excluded like after-hours prints
    assert half["n_trades_continuous"] == before.height and half["n_trades_excluded"] == after.height
    assert half["volume_shares"] == pytest.approx(before["size"].sum())
    assert half["close_px"] == before.sort("ts")["price"][-1]
    bins = np.array(half["volume_bins_shares"])
    assert bins.size == 13 and bins[7:].sum() == 0 and bins[:7].sum() == pytest.approx(half["volume_shares"])
    # a full day keeps its afternoon
    full = daily.filter(pl.col("date") == DAYS[2]).row(0, named=True)
    assert np.array(full["volume_bins_shares"])[7:].sum() > 0 and full["n_trades_excluded"] == 0
    # the day without the calendar's half day: a 16:00 close, prints after 13:00 counted
    plain = daily_metrics(load_config(overrides={"session.holiday_calendar": "none"}), trades=t, quotes=q).daily
    assert plain.filter(pl.col("date") == HALF)["n_trades_excluded"][0] == 0


def test_profile_afternoon_intervals_ignore_the_half_day(ticks):
    t, q = ticks
    cfg = load_config()
    daily = daily_metrics(cfg, trades=t, quotes=q).daily.sort("date")
    prof = liquidity_profile(daily, cfg).row(0, named=True)
    share = np.array(prof["volume_profile_frac"])
    # by hand: each interval's mean share over the days whose session covers it, then rescaled to one
    rows = daily.filter(pl.col("volume_shares") > 0)
    b = np.vstack(rows["volume_bins_shares"].to_list()) / rows["volume_shares"].to_numpy()[:, None]
    seen = np.ones_like(b, dtype=bool)
    seen[rows["date"].to_list().index(HALF), 7:] = False
    mean = np.array([b[seen[:, j], j].mean() for j in range(13)])
    oa = (rows["open_auction_shares"] / rows["volume_shares"]).mean()
    ca = (rows["close_auction_shares"] / rows["volume_shares"]).mean()
    total = mean.sum() + oa + ca
    assert share == pytest.approx(mean / total, rel=1e-12)
    assert share.sum() + prof["open_auction_frac"] + prof["close_auction_frac"] == pytest.approx(1.0)
    # the afternoon is the full days' afternoon, not diluted by the half day's closed hours
    full_days = [d for d in rows["date"].to_list() if d != HALF]
    afternoon_full = b[[rows["date"].to_list().index(d) for d in full_days], 7:].mean(axis=0)
    assert share[7:] == pytest.approx(afternoon_full / total, rel=1e-12)

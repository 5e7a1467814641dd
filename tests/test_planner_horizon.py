"""Infeasibility advice checked by brute force; plans outside the data's range warn; early closes end the day.

The brute force asks the planner's own window search (``Search.choose``, what ``plan`` runs) whether an order
fits at every cap on a grid of whole percents and every horizon, and compares the smallest ones with what
the error message says.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
from test_planner_support import sample_profiles

from liqcost.config import Config
from liqcost.errors import DataQualityWarning, OrderError
from liqcost.planner.horizon import Search, Terms
from liqcost.planner.plan import _default_start_ns, plan

START = dt.date(2025, 3, 31)
BASE = Config()


def prof_row(sym):
    return next(r for r in sample_profiles().iter_rows(named=True) if r["symbol"] == sym)


def cfg_with(**planner):
    return BASE.model_copy(update={"planner": BASE.planner.model_copy(update=planner)})


def fits(sym: str, qty: int, cap: float, days: int) -> bool:
    """Does the planner hold ``qty`` shares within ``days`` trading days at ``cap`` of every window and day?"""
    prof = prof_row(sym)
    cfg = cfg_with(horizon_days=days)
    t = Terms("o", sym, qty, cap, cap, _default_start_ns(prof, cfg, START))
    try:
        Search(cfg, remedies=False).choose(prof, t)
        return True
    except OrderError:
        return False


def brute_min_cap(sym, qty, days):
    """Smallest whole-percent cap that fits within ``days`` (None: not even 100 %)."""
    for c in range(1, 101):
        if fits(sym, qty, c / 100, days):
            return c / 100
    return None


def test_thne_reproduction_gives_the_horizons_and_caps_that_fit():
    # issue 12: 2,000 THNE with a 1-day horizon and a 5 % cap was told "no participation cap or horizon within a
    # year fits it", yet --horizon-days 5 --max-participation 0.5 plans it in 3 days
    order = {"order_id": "e", "symbol": "THNE", "side": 1, "qty": 2000, "max_participation": 0.05}
    with pytest.raises(OrderError) as exc:
        plan(order, sample_profiles(), None, cfg_with(horizon_days=1), start=START)
    msg = exc.value.message
    assert "no participation cap or horizon" not in msg
    assert "no window expects the volume for a round lot" in msg and "even all of the expected volume holds only" in msg
    options = [(int(d), float(c) / 100) for d, c in re.findall(r"(\d+) trading days? at (\d+\.\d)%", msg)]
    assert len(options) == 3
    # brute force: the fewest days at 100 % and, for each option, the smallest whole-percent cap
    d_min = next(d for d in range(1, 11) if fits("THNE", 2000, 1.0, d))
    assert options[0][0] == d_min and not fits("THNE", 2000, 1.0, d_min - 1)
    for d, c in options:
        brute = brute_min_cap("THNE", 2000, d)
        assert brute - 0.01 < c <= brute + 1e-9, (d, c, brute)  # the message's cap (to 0.1 %) is the true minimum
        assert fits("THNE", 2000, c, d)
        assert not fits("THNE", 2000, c - 0.001, d)
        # and the plan it promises exists
        r = plan(dict(order, max_participation=c), sample_profiles(), None, cfg_with(horizon_days=d), start=START)
        assert r.summary()["expected_days"][0] <= d
    # the issue's own remedy works too
    r = plan(dict(order, max_participation=0.5), sample_profiles(), None, cfg_with(horizon_days=5), start=START)
    assert r.summary()["expected_days"][0] == 3
    # at 5 % no horizon fits at all (a window never expects a round lot's worth): none is offered
    assert not any(fits("THNE", 2000, 0.05, d) for d in (5, 20, 60))


def test_minimal_horizon_and_cap_at_the_given_ones_by_brute_force():
    order = {"order_id": "big", "symbol": "THND", "side": 1, "qty": 12_000}
    with pytest.raises(OrderError) as exc:
        plan(order, sample_profiles(), None, cfg_with(horizon_days=5), start=START)
    msg = exc.value.message
    days = int(re.search(r"at least (\d+) trading days at these caps", msg).group(1))
    cap = float(re.search(r"a participation cap of (\d+\.\d)% within 5 days", msg).group(1)) / 100
    # the true minimal horizon at the 10 % caps
    assert fits("THND", 12_000, 0.10, days) and not fits("THND", 12_000, 0.10, days - 1)
    # the true minimal cap within 5 days (whole percents), and the reported one to 0.1 %
    brute = brute_min_cap("THND", 12_000, 5)
    assert brute - 0.01 < cap <= brute + 1e-9
    assert fits("THND", 12_000, cap, 5) and not fits("THND", 12_000, cap - 0.001, 5)


def test_plan_starting_outside_the_data_warns():
    order = {"symbol": "THNB", "side": 1, "qty": 800}
    with pytest.warns(DataQualityWarning, match="trading days after its data end"):
        plan(order, sample_profiles(), None, Config(), start=dt.date(2031, 1, 6))
    with pytest.warns(DataQualityWarning, match="before the data it is planned from begin"):
        plan(dict(order, start=dt.datetime(2024, 1, 8, 15, 0, tzinfo=dt.UTC)), sample_profiles(), None, Config())
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        plan(order, sample_profiles(), None, Config())  # the default start: the session after the data
        plan(order, sample_profiles(), None, Config(), start=dt.date(2025, 4, 2))  # within a few days


def test_early_close_ends_the_day():
    # issue 12: a plan put 1,100 shares at 14:00-16:00 on 2025-11-28 (NYSE closes at 13:00). The planner asks the
    # calendar for every session's bounds in one place (planner.schedule.session_bounds), and the calendar knows
    # the NYSE half days (liqcost.calendar: the day after Thanksgiving closes at 13:00)
    prof = sample_profiles()
    r = plan({"symbol": "THNB", "side": 1, "qty": 12_000, "max_participation": 0.3}, prof, None, cfg_with(days=2),
             start=dt.date(2025, 11, 28))
    t = r.tranches
    half = t.filter(t["date"] == dt.date(2025, 11, 28))
    assert half.height > 0
    assert all((w.hour, w.minute) <= (13, 0) for w in half["window_end"])
    full = t.filter(t["date"] == dt.date(2025, 12, 1))
    assert max(full["window_end"]).hour == 16
    # the half day holds less (its afternoon volume is not there), the plan still sums to the order
    assert t["qty_shares"].sum() == 12_000
    assert half["qty_shares"].sum() < full["qty_shares"].sum()


def test_the_planner_asks_the_calendar_in_one_place():
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src" / "liqcost"
    callers = [p.relative_to(src).as_posix() for p in src.rglob("*.py")
               if "session_bounds_ns" in p.read_text() and p.parts[-2] in ("planner", "app")]
    # (app/bench.py times the tick pass itself, outside the planner)
    assert [c for c in callers if c != "app/bench.py"] == ["planner/schedule.py"], callers
    assert np.isfinite(0.0)

"""liqcost.sim.variants: templates moved to start days (time of day and trading-day offsets kept, across a
daylight-saving change), templates and callables agree, and the distribution table is what it says."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest

from liqcost.config import Config
from liqcost.errors import NoDataError, UsageError
from liqcost.sim.impact import OwnImpact
from liqcost.sim.schema import validate_tranches
from liqcost.sim.tape import Tape
from liqcost.sim.variants import _anchor_times, anchor, replay_days

NY = ZoneInfo("America/New_York")
NS = 1_000_000_000
# 2025-03-09 is the first day of daylight-saving time in New York
DAYS = [dt.date(2025, 3, d) for d in (5, 6, 7, 10, 11, 12, 13, 14)]


def _ns(d: dt.date, h: int, m: int = 0) -> int:
    return int(dt.datetime(d.year, d.month, d.day, h, m, tzinfo=NY).timestamp()) * NS


@pytest.fixture(scope="module")
def tape():
    rng = np.random.default_rng(11)
    q_ts, q_val, t_ts, t_val = [], [], [], []
    bid = 1000
    for d in DAYS:
        for minute in range(0, 390, 2):
            t = _ns(d, 9, 30) + minute * 60 * NS
            bid += int(rng.integers(-1, 2))
            q_ts.append(t)
            q_val.append([bid / 100, (bid + int(rng.integers(1, 3))) / 100, 100.0 * rng.integers(1, 5), 100.0 * rng.integers(1, 5)])
            t_ts.append(t + 30 * NS)
            t_val.append([(bid + int(rng.integers(-1, 3))) / 100, float(rng.integers(10, 300))])
    return Tape.from_arrays("XYZ", np.array(t_ts), np.array(t_val), np.array(q_ts), np.array(q_val), 0.01)


def template(day0=dt.date(2025, 3, 6), day1=dt.date(2025, 3, 7)):
    def t(d, h, m):
        return dt.datetime(d.year, d.month, d.day, h, m, tzinfo=NY)

    return pl.DataFrame({
        "order_id": ["o", "o"], "symbol": ["XYZ", "XYZ"], "side": [1, 1],
        "window_start": [t(day0, 10, 0), t(day1, 15, 0)], "window_end": [t(day0, 10, 30), t(day1, 15, 30)],
        "qty_shares": [300.0, 300.0], "limit_rule": ["join", "mid"], "unfilled": ["carry", "carry"],
        "expected_cost_bps": [10.0, 30.0],
    }).with_columns(pl.col("window_start").dt.convert_time_zone("America/New_York"),
                    pl.col("window_end").dt.convert_time_zone("America/New_York"))


def test_anchor_keeps_local_time_and_day_offsets_across_dst(tape):
    cfg = Config()
    fr = validate_tranches(template()).frame
    out, skipped = anchor(fr, [dt.date(2025, 3, 7), dt.date(2025, 3, 14)], tape.days(), cfg)
    assert skipped == [dt.date(2025, 3, 14)]  # its second day is past the tape
    moved = _anchor_times(out, tape.days(), cfg.session.timezone).sort("start_ns")
    # day 0 on Friday 7 March (EST, UTC-5), day 1 on Monday 10 March (EDT, UTC-4): 15:00 and 19:00 UTC
    assert moved["start_ns"].to_list() == [_ns(dt.date(2025, 3, 7), 10), _ns(dt.date(2025, 3, 10), 15)]
    assert moved["window_start"].dt.hour().to_list() == [15, 19]
    assert moved["end_ns"].to_list() == [_ns(dt.date(2025, 3, 7), 10, 30), _ns(dt.date(2025, 3, 10), 15, 30)]


def test_template_and_callable_agree(tape):
    cfg = Config()
    tpl = template()
    starts = [dt.date(2025, 3, 6), dt.date(2025, 3, 7), dt.date(2025, 3, 11)]
    days = tape.days()

    def dated(s):
        i = days.index(s)
        return template(days[i], days[i + 1])

    imp = OwnImpact(0.8, 0.5, 0.03, 50_000.0)
    a = replay_days({"p": tpl}, tape, starts, impact=imp, config=cfg)
    b = replay_days({"p": dated}, tape, starts, impact=imp, config=cfg)
    assert a.runs.drop("predicted_p05_bps", "predicted_p95_bps").equals(b.runs.drop("predicted_p05_bps", "predicted_p95_bps"))
    assert a.runs["start_day"].to_list() == starts
    # the tranches' expected costs are the prediction (share-weighted): (10 + 30) / 2
    assert a.runs["predicted_cost_bps"].to_list() == [20.0] * 3
    assert a.run_events > 0 and a.fills is None


def test_distribution_is_the_runs_summarised(tape):
    cfg = Config()
    starts = DAYS[2:]
    res = replay_days([template(), template().with_columns(pl.lit("cross").alias("limit_rule"))], tape, starts,
                      impact=OwnImpact(0.8, 0.5, 0.03, 50_000.0), config=cfg, keep_fills=True)
    assert res.distribution["variant"].to_list() == ["v1", "v2"]
    for v in ("v1", "v2"):
        runs = res.runs.filter(pl.col("variant") == v)
        row = res.distribution.filter(pl.col("variant") == v).row(0, named=True)
        c = runs["shortfall_bps"].to_numpy()
        assert row["n_runs"] == runs.height == 5  # the last start day has no second day on the tape
        assert row["cost_mean_bps"] == pytest.approx(c.mean())
        assert row["cost_sd_bps"] == pytest.approx(c.std(ddof=1))
        assert row["cost_p05_bps"] == pytest.approx(np.quantile(c, 0.05))
        assert row["cost_median_bps"] == pytest.approx(np.median(c))
        assert row["cost_p95_bps"] == pytest.approx(np.quantile(c, 0.95))
        assert row["fill_rate_mean_frac"] == pytest.approx(runs["fill_rate_frac"].mean())
        inside = ((runs["predicted_cost_bps"] >= np.quantile(c, 0.05)) & (runs["predicted_cost_bps"] <= np.quantile(c, 0.95)))
        assert row["predicted_in_replay_90_frac"] == pytest.approx(inside.mean())
    assert res.fills is not None and set(res.fills["variant"].unique()) == {"v1", "v2"}
    assert any("too close to the end of the tape" in n for n in res.notes)
    assert str(res).startswith(" ") or "variant" in str(res)


def test_bad_start_days(tape):
    with pytest.raises(NoDataError, match="every start day is off the tape"):
        replay_days({"p": template()}, tape, [dt.date(2025, 3, 8)], impact=OwnImpact.off())
    res = replay_days({"p": template()}, tape, [dt.date(2025, 3, 8), dt.date(2025, 3, 10)], impact=OwnImpact.off())
    assert res.runs.height == 1 and any("without quotes on the tape" in n for n in res.notes)
    with pytest.raises(UsageError, match="no start day"):
        replay_days({"p": template()}, tape, [], impact=OwnImpact.off())
    with pytest.raises(UsageError, match="not a trading day of the tape"):
        anchor(validate_tranches(template()).frame, [dt.date(2025, 3, 8)], tape.days(), Config())

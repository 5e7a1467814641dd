"""The chart kit and each chart on small frames: ticks, contracts, empty and NaN inputs, escaping, determinism."""

from __future__ import annotations

import datetime as dt
import math
from xml.etree import ElementTree

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcost.report import Report, Section, charts as ch
from liqcost.report.svg import Figure, Linear, Log, date_ticks, fmt_number, fmt_pct, log_ticks, nice_domain, nice_ticks


def svg_ok(chart) -> ElementTree.Element:
    root = ElementTree.fromstring(chart.svg)
    assert root.get("data-chart") == chart.id and int(root.get("data-marks")) == chart.n_marks
    return root


def marks(root, kind=None):
    ns = "{http://www.w3.org/2000/svg}"
    return [g for g in root.iter(f"{ns}g") if g.get("class") == "mark" and (kind is None or g.get("data-mark") == kind)]


# ------------------------------------------------------------------------------------------ kit


@settings(max_examples=200, deadline=None)
@given(lo=st.floats(-1e6, 1e6), span=st.floats(1e-6, 1e7))
def test_nice_ticks_are_round_inside_and_few(lo, span):
    hi = lo + span
    t = nice_ticks(lo, hi, 5)
    assert 1 <= len(t) <= 12
    assert all(lo - 1e-8 * span <= v <= hi + 1e-8 * span for v in t)  # inside, up to rounding of the step
    steps = {round(b - a, 9) for a, b in zip(t, t[1:])}
    assert len(steps) <= 1 or max(steps) - min(steps) <= 1e-6 * max(steps)
    d0, d1 = nice_domain(lo, hi, 5)
    assert d0 <= lo + 1e-6 * span and d1 >= hi - 1e-6 * span


def test_log_ticks_and_formats():
    assert log_ticks(0.001, 2.0) == [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]  # 0.1% to 200% of ADV
    assert log_ticks(5, 240) == [5.0, 10.0, 20.0, 50.0, 100.0, 200.0]
    assert log_ticks(1, 1e9) == [10.0**k for k in range(10)]
    assert fmt_number([0, 250, 500])(250) == "250" and fmt_number([0, 0.25, 0.5])(0.25) == "0.25"
    assert fmt_number([0, 2500, 5000])(5000) == "5,000"
    assert fmt_pct([0, 0.05, 0.1])(0.05) == "5%" and fmt_pct([0, 0.025, 0.05])(0.025) == "2.5%"


def test_date_ticks():
    d0 = dt.date(2025, 3, 3)
    assert date_ticks(d0, dt.date(2025, 3, 7)) == [d0 + dt.timedelta(days=i) for i in range(5)]
    weekly = date_ticks(d0, dt.date(2025, 3, 28))
    assert weekly[0] == d0 and all(d.weekday() == 0 for d in weekly)
    monthly = date_ticks(dt.date(2024, 1, 15), dt.date(2025, 6, 1))
    assert all(d.day == 1 for d in monthly) and 3 <= len(monthly) <= 8
    yearly = date_ticks(dt.date(2010, 1, 1), dt.date(2025, 1, 1))
    assert all((d.month, d.day) == (1, 1) for d in yearly)


def test_scales_map_domain_to_range():
    s = Linear(0, 10, 100, 200)
    assert s(0) == 100 and s(10) == 200 and s(5) == 150
    g = Log(1, 100, 0, 2)
    assert g(10) == pytest.approx(1.0)
    assert Linear(5, 5, 0, 1)(5) == pytest.approx(0.5)  # a degenerate domain is widened, not a division by zero


def test_figure_escapes_text_and_breaks_lines_at_nan():
    fig = Figure("t", 200, 100, 'a <b> & "c"')
    p = fig.panel(10, 10, 180, 80, Linear(0, 3), Linear(0, 3))
    p.line([0, 1, 2, 3], [1, float("nan"), 2, 3], "#000", title="x<y")
    p.points([0, 1], [float("inf"), 1], "#000", titles=["<1>", "&2"])
    root = ElementTree.fromstring(fig.svg())
    d = marks(root, "line")[0][0].get("d")
    assert d.count("M") == 2  # two segments around the NaN
    assert len(marks(root, "points")[0]) == 1  # the infinite point is not drawn


# ------------------------------------------------------------------------------------------ charts


def daily_frame():
    days = [dt.date(2025, 3, 3) + dt.timedelta(days=i) for i in range(10) if (dt.date(2025, 3, 3) + dt.timedelta(days=i)).weekday() < 5]
    rows = []
    for s, base in (("AAA", 40.0), ("B&B", 150.0)):
        for k, d in enumerate(days):
            zero = s == "B&B" and k == 3
            rows.append({"symbol": s, "date": d, "volume_shares": 0.0 if zero else 1000.0 * (k + 1),
                         "effective_spread_bps": float("nan") if zero else base + k, "quoted_spread_bps": base * 1.1,
                         "zero_volume": zero})
    return pl.DataFrame(rows)


def test_spread_and_volume_charts():
    d = daily_frame()
    for c in (ch.spread_history(d), ch.spread_distribution(d), ch.daily_volume(d)):
        svg_ok(c)
        assert c.n_marks > 0 and "B&amp;B" in c.svg
    vol = ch.daily_volume(d)
    assert len(marks(svg_ok(vol), "zero_days")) == 1 and "1 zero-volume day(s)" in vol.caption
    one = ch.spread_history(d.filter(pl.col("symbol") == "AAA"))
    assert "quoted spread" in one.svg and "stroke-dasharray" in one.svg  # one name: effective and quoted (dashed)


def test_bars_only_daily_uses_bar_estimators():
    d = pl.DataFrame({"symbol": ["X"] * 3, "date": [dt.date(2025, 1, i) for i in (2, 3, 6)], "volume": [10.0, 0.0, 5.0],
                      "edge_spread_bps": [50.0, float("nan"), 70.0]})
    assert "EDGE spread" in ch.spread_history(d).caption
    assert ch.daily_volume(d).n_marks > 0


def test_empty_inputs_give_an_empty_chart_not_an_error():
    d = pl.DataFrame({"symbol": ["X"], "date": [dt.date(2025, 1, 2)], "effective_spread_bps": [float("nan")]})
    c = ch.spread_history(d)
    assert c.n_marks == 0 and "No spread" in c.caption
    prof = pl.DataFrame({"symbol": ["X"], "volume_profile_frac": [[]], "profile_interval_minutes": [30]},
                        schema={"symbol": pl.String, "volume_profile_frac": pl.List(pl.Float64), "profile_interval_minutes": pl.Int64})
    assert ch.volume_profile(prof).n_marks == 0
    fill = pl.DataFrame({"rule": [], "window_minutes": [], "fill_prob_frac": []},
                        schema={"rule": pl.String, "window_minutes": pl.Float64, "fill_prob_frac": pl.Float64})
    assert ch.fill_curves(fill).n_marks == 0


@pytest.mark.parametrize("func, frame", [
    (ch.cost_curve, pl.DataFrame({"size_frac_adv": [0.1]})),
    (ch.frontier, pl.DataFrame({"horizon_days": [1]})),
    (ch.replay_comparison, pl.DataFrame({"variant": ["a"], "cost_p50_bps": [1.0]})),
    (ch.tca_scatter, pl.DataFrame({"predicted_bps": [1.0]})),
    (ch.plan_timeline, pl.DataFrame({"qty_shares": [1]})),
])
def test_a_frame_without_the_contract_columns_is_named(func, frame):
    with pytest.raises(ValueError, match="needs the columns"):
        func(frame)


def curve_frame():
    x = [0.001 * 1.5**k for k in range(20)]
    return pl.DataFrame({"symbol": ["AAA"] * 20, "size_frac_adv": x, "cost_central_bps": [30 + 300 * math.sqrt(v) for v in x],
                         "cost_low_bps": [20 + 200 * math.sqrt(v) for v in x], "cost_high_bps": [40 + 450 * math.sqrt(v) for v in x],
                         "cost_sqrt_bps": [30 + 300 * math.sqrt(v) for v in x], "expected_days": [1 + 10 * v for v in x]})


def test_cost_curve_marks_orders_and_day_thresholds():
    orders = pl.DataFrame({"order_id": ["o1", "o2"], "order_adv_frac": [0.05, 0.3], "cost_central_bps": [97.0, 194.0],
                           "cost_low_bps": [65.0, 130.0], "cost_high_bps": [140.0, 286.0], "qty_shares": [500.0, 3000.0],
                           "cost_central_usd": [12.0, 250.0]})
    c = ch.cost_curve(curve_frame(), orders, currency="EUR")
    root = svg_ok(c)
    assert len(marks(root, "order")) == 2 and len(marks(root, "area")) == 1
    assert "o1: 5.0% of ADV, 97.0 bps, 12 EUR" in c.svg and "5 days" in c.svg
    assert ch.cost_curve(curve_frame()).n_marks < c.n_marks


def test_plan_timeline_cap_and_cumulative():
    start = dt.datetime(2025, 3, 31, 9, 30)
    rows = []
    for k in range(4):
        a, b = start + dt.timedelta(hours=k), start + dt.timedelta(hours=k + 1)
        rows.append({"order_id": "o1", "tranche": k + 1, "date": a.date(), "window_start": a, "window_end": b,
                     "qty_shares": 100 * (k + 1), "expected_volume_shares": 2000.0, "limit_rule": "join" if k else "mid",
                     "participation_frac": 0.05 * (k + 1)})
    t = pl.DataFrame(rows).with_columns(pl.col("window_start", "window_end").dt.replace_time_zone("America/New_York"))
    c = ch.plan_timeline(t, pl.DataFrame({"order_id": ["o1"], "max_participation_frac": [0.2]}))
    root = svg_ok(c)
    assert {m.get("data-mark") for m in marks(root)} >= {"expected_volume", "tranches", "participation", "cumulative", "rule"}
    assert c.svg.count("<title>tranche ") == 8 and "participation cap 20.0%" in c.svg
    assert "tranche: mid" in c.svg and "tranche: join" in c.svg


def test_pluggable_charts_follow_their_contracts():
    f = ch.frontier(pl.DataFrame({"horizon_days": [1, 2, 3], "expected_cost_bps": [90.0, 70.0, 60.0],
                                  "risk_bps": [20.0, 40.0, 70.0], "recommended": [False, True, False]}))
    assert len(marks(svg_ok(f), "recommended")) == 1 and "recommended horizon is 2 day(s)" in f.caption
    r = ch.replay_comparison(pl.DataFrame({"variant": ["a", "b"], **{c: [1.0, 2.0] for c in ch._Q_COLS}}))
    assert len(marks(svg_ok(r), "box")) == 2
    t = ch.tca_scatter(pl.DataFrame({"predicted_bps": [10.0, 20.0, 30.0], "realized_bps": [12.0, 80.0, float("nan")],
                                     "z": [0.2, 3.1, 0.0]}))
    assert "2 orders" in t.svg and "|z| &gt; 2: 1 (50%" in t.svg


def test_charts_are_deterministic():
    d = daily_frame()
    assert ch.spread_distribution(d).svg == ch.spread_distribution(d.sample(fraction=1.0, shuffle=True, seed=3)).svg
    assert ch.cost_curve(curve_frame()).svg == ch.cost_curve(curve_frame()).svg


def test_chart_ids_are_attribute_safe_and_unique_in_a_report():
    assert ch.chart_id("cost_curve", "BRK.B", None) == "cost_curve-BRK_B"
    rep = Report("r")
    rep.add(Section("a", "A", charts=[ch.frontier(pl.DataFrame({"horizon_days": [1], "expected_cost_bps": [1.0], "risk_bps": [1.0]}))]))
    with pytest.raises(ValueError, match="unique"):
        rep.add(Section("b", "B", charts=[ch.frontier(pl.DataFrame({"horizon_days": [1], "expected_cost_bps": [1.0],
                                                                    "risk_bps": [1.0]}))]))
    rep.add(Section("a", "again"))
    assert [s.id for s in rep.sections] == ["a", "a-2"]

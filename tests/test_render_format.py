"""The shared text renderer: one number format per unit, tables that fit a width without cutting a header,
one-row tables transposed, left-out columns named, severities coloured only when asked."""

from __future__ import annotations

import datetime as dt
import math
import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcost.render import (
    PriceTicks,
    column_kind,
    format_column,
    format_value,
    rename_currency,
    render_lines,
    render_text,
)

ESC = re.compile(r"\x1b\[[0-9;]*m")


# ------------------------------------------------------------------------------------------ formats


@pytest.mark.parametrize("name, dtype, kind", [
    ("cost_central_bps", pl.Float64, "bps"),
    ("limit_price_px", pl.Float64, "px"),
    ("qty_shares", pl.Float64, "shares"),
    ("qty_shares", pl.Int64, "shares"),
    ("cost_central_usd", pl.Float64, "money"),
    ("participation_frac", pl.Float64, "frac"),
    ("size_frac_adv", pl.Float64, "frac"),
    ("p_complete_5d", pl.Float64, "frac"),
    ("quote_age_median_s", pl.Float64, "seconds"),
    ("quote_age_ns", pl.Int64, "ns"),
    ("expected_days", pl.Float64, "days"),
    ("lookback_days", pl.Int64, "int"),
    ("n_trades", pl.Int64, "count"),
    ("kyle_lambda_bps_per_share", pl.Float64, "number"),
    ("amihud_bps_per_musd", pl.Float64, "number"),
    ("symbol", pl.String, "text"),
    ("date", pl.Date, "date"),
    ("penny", pl.Boolean, "bool"),
])
def test_kind_from_the_unit_in_the_name(name, dtype, kind):
    assert column_kind(name, dtype) == kind


def test_currency_columns_of_another_currency_are_money():
    assert column_kind("cost_central_usdt", pl.Float64, "USDT") == "money"
    assert column_kind("cost_central_usdt", pl.Float64, "USD") == "number"


@pytest.mark.parametrize("value, kind, text", [
    (237.0912, "bps", "237.1"),
    (-422.94, "bps", "-422.9"),
    (12345.67, "bps", "12,345.7"),
    (11.3512, "px", "11.35"),
    (0.61237, "px", "0.6124"),   # sub-penny prices keep the sub-penny tick's decimals
    (61234.5, "px", "61,234.50"),
    (80000.0, "shares", "80,000"),
    (4212.39, "shares", "4,212"),
    (21528.4, "money", "21,528"),
    (69.523, "money", "69.52"),
    (454_000_000.0, "money", "454,000,000"),
    (0.0927, "frac", "9.3%"),
    (1.466, "frac", "146.6%"),
    (0.00137, "frac", "0.14%"),
    (1e-9, "frac", "<0.01%"),
    (-1e-9, "frac", "-<0.01%"),
    (0.99996, "frac", ">99.9%"),
    (1.0, "frac", "100.0%"),
    (0.0, "frac", "0.00%"),
    (15.29, "days", "15.3"),
    (0.00123, "number", "0.00123"),
    (7.661e-15, "number", "7.66e-15"),
    (1234567.0, "number", "1,234,567"),
    (3.14159, "number", "3.142"),
    (float("nan"), "bps", "nan"),
    (float("inf"), "money", "inf"),
    (None, "bps", ""),
    (True, "bool", "true"),
    (20000, "shares", "20,000"),
    (2025, "int", "2025"),
    (15560, "int", "15,560"),
    (1234, "count", "1,234"),
    (dt.date(2025, 3, 3), "date", "2025-03-03"),
])
def test_one_format_per_unit(value, kind, text):
    assert format_value(value, kind) == text


def test_price_decimals_follow_the_tick_size():
    assert format_value(123.456, "px", PriceTicks(0.5, 0.01, 1.0)) == "123.46"  # a 0.5 tick still shows cents
    assert format_value(0.12345, "px", PriceTicks(0.01, 0.00001, 1.0)) == "0.12345"
    assert PriceTicks(tick_px=0.001).decimals(5.0) == 3


def test_small_fractional_amounts_line_up_in_their_column():
    cells = format_column(pl.Series("qty_shares", [1.43, 3.7, 0.5, 2859.1, 20000.0]))
    assert cells == ["1.43", "3.70", "0.50", "2,859", "20,000"]


def test_datetimes_drop_seconds_when_none_has_them():
    s = pl.Series("window_start", [dt.datetime(2025, 3, 31, 9, 30), dt.datetime(2025, 3, 31, 10, 30)]).dt.replace_time_zone(
        "America/New_York")
    assert format_column(s) == ["2025-03-31 09:30 EDT", "2025-03-31 10:30 EDT"]
    s2 = pl.Series("ts", [dt.datetime(2025, 3, 31, 9, 30, 5)])
    assert format_column(s2) == ["2025-03-31 09:30:05"]


def test_rename_currency():
    f = pl.DataFrame({"notional_usd": [1.0], "amihud_bps_per_musd": [2.0], "cost_bps": [3.0]})
    assert rename_currency(f, "USD").columns == f.columns
    assert rename_currency(f, "usdt").columns == ["notional_usdt", "amihud_bps_per_musdt", "cost_bps"]


# ------------------------------------------------------------------------------------------ layout


def _visible(lines):
    return [ESC.sub("", x) for x in lines]


def _headers_whole(lines, frame):
    """Every column is either named in the elision note or has all its header pieces in the header rows."""
    text = "\n".join(lines)
    note = " ".join(re.findall(r"not shown \(([^)]*)\)", text.replace("\n", " ")))
    rule = next(i for i, x in enumerate(lines) if x.startswith("─"))
    head = "\n".join(lines[:rule])
    for c in frame.columns:
        parts = re.findall(r"[^_]*_+|[^_]+$", c)
        if c in note or c + ":" in text:  # elided, or said once above the table
            continue
        assert all(p in head for p in parts), (c, head)


def test_wide_table_wraps_headers_then_elides_with_a_note():
    f = pl.DataFrame({
        "order_id": ["a", "b"], "expected_participation_frac": [0.1, 0.2], "expected_cost_bps": [10.0, 20.0],
        "cost_central_usd": [100.0, 200.0], "very_long_column_name_with_parts_bps": [1.0, 2.0], "another_col_bps": [1.0, 2.0],
    })
    lines = render_lines(f, "t", width=40, more_hint="see more")
    assert max(len(x) for x in lines) <= 40
    text = "\n".join(lines)
    assert re.search(r"… \d+ more columns? not shown \(", text.replace("\n", " ")) and "see more" in text.replace("\n", " ")
    _headers_whole(lines, f)
    wide = render_lines(f, "t", width=None)
    assert "not shown" not in "\n".join(wide) and "expected_participation_frac" in wide[1]


def test_constant_columns_are_said_once_when_space_is_short():
    f = pl.DataFrame({"order_id": ["THNB-buy"] * 3, "tranche": [1, 2, 3], "qty_shares": [600, 400, 200],
                      "a_long_descriptive_name_bps": [1.0, 2.0, 3.0], "another_long_name_frac": [0.1, 0.2, 0.3]})
    lines = render_lines(f, "plan", width=60)
    assert lines[1] == "order_id: THNB-buy" and max(map(len, lines)) <= 60
    assert "order_id: THNB-buy" not in "\n".join(render_lines(f, "plan", width=None))


def test_one_row_is_transposed_and_formatted_by_unit():
    f = pl.DataFrame({"order_id": ["o1"], "qty_shares": [20000.0], "cost_central_bps": [129.2249], "pct_adv_frac": [0.3666],
                      "severity": ["critical"], "flags": ["size_adv:critical, size_mdv:critical"]})
    text = render_text(f, "order", width=80)
    assert re.search(r"^qty_shares\s+20,000$", text, re.M)
    assert re.search(r"^cost_central_bps\s+129\.2$", text, re.M)
    assert re.search(r"^pct_adv_frac\s+36\.7%$", text, re.M)
    assert "\x1b" not in text
    colored = render_text(f, "order", width=80, color=True)
    assert "\x1b[1;31mcritical\x1b[0m" in colored  # the severity field, not the flags text
    assert colored.count("\x1b[1;31m") == 1


def test_severity_columns_are_coloured_in_place():
    f = pl.DataFrame({"flag": ["a", "b", "c"], "severity": ["critical", "warn", "info"], "message": ["x", "y", "z"]})
    out = render_text(f, width=80, color=True)
    assert "\x1b[1;31mcritical\x1b[0m" in out and "\x1b[33mwarn\x1b[0m" in out and "\x1b[1;31minfo" not in out
    assert max(len(x) for x in _visible(out.splitlines())) <= 80


def test_long_text_wraps_inside_its_column():
    msg = "order is 146.6% of ADV (54552 shares/day), above 50.0%; expect material impact and several days"
    f = pl.DataFrame({"flag": ["size_adv", "size_mdv"], "severity": ["critical", "warn"], "message": [msg, msg + "."]})
    lines = render_lines(f, width=60)
    assert max(map(len, lines)) <= 60 and "not shown" not in "\n".join(lines)
    words = " ".join(lines).split()
    assert all(w in words for w in msg.split())  # every word kept, wrapped over several lines
    assert len(lines) > 2 + 2 * 2


def test_a_newline_in_a_cell_starts_a_new_line_in_its_column():
    f = pl.DataFrame({"k": ["a", "b"], "message": ["first line\nsecond line", "one"]})
    lines = render_lines(f, width=None)
    assert [x.rstrip() for x in lines[2:]] == ["a  first line", "   second line", "b  one"]


def test_more_rows_than_shown_are_counted():
    f = pl.DataFrame({"x_bps": [float(i) for i in range(30)]})
    text = render_text(f, width=40, max_rows=10)
    assert "… 20 more rows not shown" in text


def test_result_str_uses_the_renderer():
    from liqcost.result import Result

    class R(Result):
        title = "demo"

        def tables(self):
            return {"main": pl.DataFrame({"a_bps": [1.25, 2.5], "b_frac": [0.5, 0.25]})}

    s = str(R())
    assert s.splitlines()[0] == "demo" and "50.0%" in s and "1.2" in s


_names = st.sampled_from(["order_id", "symbol", "qty_shares", "cost_central_bps", "expected_participation_frac",
                          "limit_price_px", "notional_usd", "liquidity_bucket", "expected_days", "message",
                          "a_very_long_header_name_without_end_bps", "z"])
_values = st.one_of(st.floats(-1e9, 1e9), st.just(float("nan")), st.integers(-10**9, 10**9))


@settings(max_examples=60, deadline=None)
@given(names=st.lists(_names, min_size=1, max_size=12, unique=True), n_rows=st.integers(1, 6),
       width=st.integers(60, 160), data=st.data())
def test_any_table_fits_its_width_and_keeps_headers_whole(names, n_rows, width, data):
    cols = {}
    for name in names:
        if name in ("order_id", "symbol", "liquidity_bucket", "message"):
            cols[name] = data.draw(st.lists(st.text(alphabet="abc XYZ-_:;,.%", min_size=0, max_size=70),
                                            min_size=n_rows, max_size=n_rows))
        else:
            cols[name] = [float(v) for v in data.draw(st.lists(_values, min_size=n_rows, max_size=n_rows))]
    frame = pl.DataFrame(cols)
    lines = render_lines(frame, "t", width=width)
    assert max(len(x) for x in lines) <= width
    if frame.height > 1:
        _headers_whole(lines, frame)
    for line in lines:
        assert not line.endswith(" ") or line.strip() == ""


def test_nan_and_null_are_distinct():
    f = pl.DataFrame({"a_bps": [float("nan"), None, 1.0]})
    cells = format_column(f["a_bps"])
    assert cells == ["nan", "", "1.0"]
    assert math.isnan(f["a_bps"][0])

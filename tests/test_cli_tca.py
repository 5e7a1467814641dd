"""``liqcost tca`` on the committed sample: every --format, a fills file with bad rows (set aside one by one, named,
exit code 1 with the counts, the rest reviewed), a dataset with bars only, a broker's file through a shipped
mapping, the global options after the command, and the HTML report."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from conftest import cli_ok, sample_dataset_with

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
DATA = str(SAMPLE / "dataset")
FILLS = str(SAMPLE / "fills.csv")
ORDERS = str(SAMPLE / "orders.csv")
N_ORDERS, N_FILLS = 10, 128  # the committed sample's metaorders and their fills

#: bad rows appended to the sample's fills: (line to append, the reason the quarantine gives)
BAD_ROWS = [
    ("META000,THNA,-1,2025-03-17T15:00:00Z,abc,100,,", "unparseable price 'abc'"),
    ("META000,THNA,hold,2025-03-17T15:00:00Z,12.1,100,,", "unparseable side 'hold'"),
    ("META000,THNA,-1,2025-03-17T15:00:00Z,12.1,-100,,", "non-positive or NaN qty"),
    ("META999,QQQQ,1,2025-03-17T15:00:00Z,12.1,100,,", "unknown symbol QQQQ"),
    ("META001,THNA,1,2025-05-02T15:00:00Z,11.4,100,,", "outside the data range"),
    ("META001,THNA,1,2025-03-25T16:00:00Z,99.0,100,,", "far outside the day's range"),
    ("META000,THNA,1,2025-03-17T15:00:00Z,12.1,100,,", "side buy inconsistent with its order"),
]


run = cli_ok  # liqcost ARGS in-process: the exit code in ok, no traceback (tests/conftest.py)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    root = tmp_path_factory.mktemp("tca_cli")
    lines = (SAMPLE / "fills.csv").read_text().splitlines()
    (root / "bad_fills.csv").write_text("\n".join(lines + [b for b, _ in BAD_ROWS]) + "\n")
    sample_dataset_with(root / "bars_only", {"bars"})
    return root


# ------------------------------------------------------------------------------------------ formats
def test_table_format_shows_the_summary_and_each_order(work):
    r = run("tca", "--data", DATA, "--fills", FILLS, "--orders", ORDERS)
    out = r.stdout
    assert out.startswith("summary") and "\norders\n" in out
    for measure in ("is_bps", "is_spread_bps", "slippage_interval_vwap_bps", "z_mean", "inside_band_frac"):
        assert measure in out, measure
    assert out.count("META0") == N_ORDERS and " sell " in out and " buy " in out
    assert "arrival price: 10 from the mid at the decision time" in r.stderr
    assert "quarantine" not in out  # nothing set aside: no such table on the terminal


def test_csv_to_stdout_is_the_orders_table(work):
    r = run("--format", "csv", "tca", "--data", DATA, "--fills", FILLS, "--orders", ORDERS)
    orders = pl.read_csv(r.stdout.encode())
    assert orders.height == N_ORDERS and set(orders["side"]) == {"buy", "sell"}
    assert {"is_bps", "is_delay_bps", "is_spread_bps", "is_impact_bps", "expected_cost_bps", "z"} <= set(orders.columns)
    assert "not written: fills, aggregates, model" in r.stderr


def test_csv_files_one_per_table(work, tmp_path):
    run("tca", "--data", DATA, "--fills", FILLS, "--orders", ORDERS, "--format", "csv", "-o", tmp_path / "tca.csv")
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {"tca.csv"} | {f"tca.{t}.csv" for t in ("fills", "aggregates", "model", "model_aggregates", "outliers",
                                                            "not_compared", "quarantine", "rejected_orders")}
    assert pl.read_csv(tmp_path / "tca.fills.csv").height == N_FILLS
    assert pl.read_csv(tmp_path / "tca.quarantine.csv").height == 0


def test_json_envelope_holds_every_table(work, tmp_path):
    out = tmp_path / "tca.json"
    run("tca", "--data", DATA, "--fills", FILLS, "--orders", ORDERS, "--format", "json", "-o", out)
    doc = json.loads(out.read_text())
    assert {"liqcost_version", "schema_version", "tables"} <= set(doc)
    t = doc["tables"]
    assert list(t) == ["orders", "fills", "aggregates", "model", "model_aggregates", "outliers", "not_compared",
                       "quarantine", "rejected_orders"]
    assert len(t["orders"]) == N_ORDERS and len(t["fills"]) == N_FILLS and len(t["model"]) == N_ORDERS
    first = t["orders"][0]
    # Perold: the parts add up to the shortfall
    parts = sum(first[c] for c in ("is_delay_bps", "is_spread_bps", "is_impact_bps", "is_opportunity_bps", "is_fees_bps"))
    assert parts == pytest.approx(first["is_bps"])
    assert {r["side"] for r in t["fills"]} == {"buy", "sell"}
    assert all(r["asof_date"] < r["date"] for r in t["model"])  # each estimate from data before the order's day


def test_parquet_files_carry_the_contract_metadata(work, tmp_path):
    out = tmp_path / "tca.parquet"
    run("tca", "--data", DATA, "--fills", FILLS, "--orders", ORDERS, "--format", "parquet", "-o", out)
    assert pl.read_parquet(out).height == N_ORDERS
    meta = pl.read_parquet_metadata(tmp_path / "tca.model.parquet")
    assert meta["liqcost_table"] == "model" and meta["liqcost_currency"] == "USD"
    assert pl.read_parquet(tmp_path / "tca.aggregates.parquet")["dimension"].unique().sort().to_list() == [
        "broker", "date", "side", "symbol", "venue"]


def test_the_global_options_after_the_command_give_the_same_output(work):
    before = run("--format", "csv", "-q", "tca", "--data", DATA, "--fills", FILLS, "--orders", ORDERS, "--no-model").stdout
    after = run("tca", "--data", DATA, "--fills", FILLS, "--orders", ORDERS, "--no-model", "--format", "csv", "-q").stdout
    assert before == after and before.startswith("order_id,")


def test_one_table_and_no_model(work):
    r = run("tca", "--data", DATA, "--fills", FILLS, "--no-model", "--table", "aggregates", "--format", "csv")
    agg = pl.read_csv(r.stdout.encode())
    assert agg.filter(pl.col("dimension") == "symbol").height == 5
    r = run("tca", "--data", DATA, "--fills", FILLS, "--no-model", "--table", "model", ok=(2,))
    assert "--table model needs the model comparison" in r.output


def test_fills_and_orders_from_the_dataset_by_default(work):
    r = run("--format", "json", "tca", "--data", DATA, "--no-model")
    doc = json.loads(r.stdout)
    assert len(doc["tables"]["orders"]) == N_ORDERS and len(doc["tables"]["fills"]) == N_FILLS
    assert "fills from the dataset" in r.stderr and "and its orders" in r.stderr


# ------------------------------------------------------------------------------------------ bad fills
@pytest.mark.parametrize("fmt", ["table", "csv", "json", "parquet"])
def test_bad_fills_are_set_aside_named_and_the_rest_reviewed(work, tmp_path, fmt):
    out = tmp_path / f"tca.{ 'txt' if fmt == 'table' else fmt}"
    r = run("tca", "--data", DATA, "--fills", work / "bad_fills.csv", "--orders", ORDERS, "--format", fmt,
            *(["-o", out] if fmt in ("json", "parquet") else []), ok=(1,))
    n_bad = len(BAD_ROWS)
    assert f"{n_bad} of the {N_FILLS + n_bad} fills were set aside" in r.stderr
    assert f"the other {N_FILLS} fills were reviewed" in r.stderr
    first_bad_line = N_FILLS + 2  # header on line 1
    for k, (_, reason) in enumerate(BAD_ROWS):  # each named by file, line and reason
        line = first_bad_line + k
        warn = [w for w in r.stderr.splitlines() if w.startswith("Warning:") and reason in w]
        assert len(warn) == 1 and "bad_fills.csv row" in warn[0], (reason, warn)
        rows = warn[0].split(" row", 1)[1].split(":", 1)[0].removeprefix("s").strip()
        assert str(line) in rows.split(", "), (reason, warn)
    if fmt == "table":
        assert "\nquarantine\n" in r.stdout and "bad_fills.csv" in r.stdout
        quarantine = None
    elif fmt == "csv":
        assert pl.read_csv(r.stdout.encode()).height == N_ORDERS  # the orders: all reviewed
        quarantine = None
    elif fmt == "json":
        quarantine = pl.DataFrame(json.loads(out.read_text())["tables"]["quarantine"])
    else:
        quarantine = pl.read_parquet(tmp_path / "tca.quarantine.parquet")
        assert pl.read_parquet(out).height == N_ORDERS
    if quarantine is not None:
        assert quarantine.height == n_bad
        assert quarantine["row"].to_list() == list(range(first_bad_line, first_bad_line + n_bad))
        for got, (_, reason) in zip(quarantine["reason"].to_list(), BAD_ROWS):
            assert reason in got


def test_fills_of_a_rejected_order_are_set_aside(work, tmp_path):
    orders = (SAMPLE / "orders.csv").read_text().splitlines()
    orders[1] = orders[1].replace(",6100.0,", ",-6100.0,")  # META000's quantity: refused
    (tmp_path / "orders.csv").write_text("\n".join(orders) + "\n")
    r = run("--format", "json", "tca", "--data", DATA, "--fills", FILLS, "--orders", tmp_path / "orders.csv", "--no-model",
            ok=(1,))
    t = json.loads(r.stdout)["tables"]
    assert [o["order_id"] for o in t["rejected_orders"]] == ["META000"]
    assert len(t["quarantine"]) == 24 and all("its order" in q["reason"] and "was rejected" in q["reason"] for q in t["quarantine"])
    assert len(t["orders"]) == N_ORDERS - 1
    assert "1 of the 10 orders were rejected" in r.stderr


def test_no_usable_fill_is_an_error(work, tmp_path):
    (tmp_path / "f.csv").write_text("order_id,symbol,side,ts,price,qty\nA,THNA,hold,2025-03-17T15:00:00Z,12,100\n"
                                    "B,THNA,1,2025-03-17T15:00:00Z,-1,100\n")
    r = run("tca", "--data", DATA, "--fills", tmp_path / "f.csv", ok=(1,))
    assert "none of the 2 fills can be reviewed" in r.output and "unparseable side 'hold'" in r.output


def test_a_dataset_without_fills_needs_the_fills_file(work):
    r = run("tca", "--data", work / "bars_only", ok=(2,))
    assert "give the fills with --fills FILE" in r.output


# ------------------------------------------------------------------------------------------ bars only
def test_bars_only_gives_what_bars_allow(work):
    r = run("--format", "json", "tca", "--data", work / "bars_only", "--fills", FILLS, "--orders", ORDERS)
    t = json.loads(r.stdout)["tables"]
    assert "has bars only on these days" in r.stderr and "reviewed against bars" in r.stderr
    o = {x["order_id"]: x for x in t["orders"]}
    assert len(o) == N_ORDERS and not t["quarantine"]
    one = o["META000"]
    assert one["arrival_source"] == "decision_price" and one["day_source"] == "bars"
    assert one["slippage_day_vwap_bps"] is not None and one["slippage_close_bps"] is not None
    for c in ("spread_paid_bps", "slippage_interval_vwap_bps", "slippage_twap_bps", "participation_frac", "markout_5min_bps"):
        assert one[c] is None, c  # NaN in the frame, null in JSON: bars cannot give them
    summary = {m: v for m, v in zip(*[[row[k] for row in json.loads(run("--format", "json", "tca", "--data", work / "bars_only",
                                                                           "--fills", FILLS, "--table", "summary", "--no-model").stdout)
                                                   ["tables"]["summary"]] for k in ("measure", "all")])}
    assert summary["is_spread_bps"] is None and summary["is_bps"] is not None  # unknown, not zero
    compared = [m for m in t["model"] if m["z"] is not None]
    assert compared and all(m["asof_date"] < m["date"] for m in compared)  # bars profiles from the days before


# ------------------------------------------------------------------------------------------ mapping, html
def test_a_broker_file_through_a_shipped_mapping(work, tmp_path):
    f = pl.read_csv(FILLS, try_parse_dates=True)
    fix = f.select(pl.col("order_id").alias("ClOrdID"), pl.col("symbol").alias("Symbol"),
                   pl.when(pl.col("side") > 0).then(pl.lit("1")).otherwise(pl.lit("2")).alias("Side"),
                   pl.col("ts").dt.strftime("%Y%m%d-%H:%M:%S%.6f").alias("TransactTime"), pl.col("price").alias("LastPx"),
                   pl.col("qty").alias("LastQty"), pl.lit("XNAS").alias("LastMkt"), (pl.col("qty") * 0.005).alias("Commission"))
    fix.write_csv(tmp_path / "fix.csv")
    r = run("--format", "json", "tca", "--data", DATA, "--fills", tmp_path / "fix.csv", "--orders", ORDERS,
            "--mapping", "fix_fills_example", "--no-model")
    o = {x["order_id"]: x for x in json.loads(r.stdout)["tables"]["orders"]}
    assert len(o) == N_ORDERS
    assert o["META000"]["fees_usd"] == pytest.approx(6100 * 0.005) and o["META000"]["venue"] == "XNAS"
    r = run("tca", "--data", DATA, "--fills", tmp_path / "fix.csv", "--mapping", "fix_fill_example", ok=(2,))
    assert "not the name of a shipped mapping" in r.output and "Did you mean 'fix_fills_example'?" in r.output


def test_html_report_of_the_review(work, tmp_path):
    out = tmp_path / "tca.html"
    r = run("tca", "--data", DATA, "--fills", FILLS, "--orders", ORDERS, "--html", out, "-q")
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and 'data-chart="tca_scatter"' in html and "Post-trade review" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")  # nothing fetched
    assert r.stdout.startswith("summary")

"""The application functions of ``liqcost ingest`` and ``liqcost sample``, called directly (no command line):
report tables, dry run, removal, a bad file among good ones (a partial run, the good files committed),
usage mistakes, and a sample that writes and ingests its files."""

from __future__ import annotations

import json

import polars as pl
import pytest
from click.testing import CliRunner

import liqcost as lc
from liqcost.app.ingest import DISPLAY_COLUMNS, REPORT_COLUMNS, IngestRun, ingest, remove
from liqcost.app.sample import SampleRun, sample
from liqcost.cli import cli
from liqcost.config import Config
from liqcost.errors import UsageError
from liqcost.io.dataset import Dataset
from liqcost.result import Result

HEAD = "symbol,ts,price,size\n"


def rows(n: int, sym: str = "A", day: int = 3, px: float = 10.0) -> str:
    return "".join(f"{sym},2025-03-{day:02d}T15:{i // 60:02d}:{i % 60:02d}Z,{px},{100 + i}\n" for i in range(n))


def count(ds, kind="trades") -> int:
    return Dataset(ds).scan(kind).collect().height


@pytest.fixture()
def files(tmp_path):
    (tmp_path / "a.csv").write_text(HEAD + rows(30, "A"))
    (tmp_path / "b.csv").write_text(HEAD + rows(20, "B", day=4) + "B,2025-03-04T16:00:00Z,-1,100\n")  # one bad price
    return tmp_path


def test_ingest_reports_one_row_per_file_and_commits(files):
    ds = files / "ds"
    run = ingest([files / "a.csv", files / "b.csv"], ds, kind="trades", config=Config())
    assert isinstance(run, IngestRun) and isinstance(run, Result)
    table = run.tables()["ingest"]
    assert tuple(table.columns) == REPORT_COLUMNS
    assert tuple(run.display_tables()["ingest"].columns) == DISPLAY_COLUMNS
    assert table["status"].to_list() == ["ok", "ok"]
    assert table["rows_read"].to_list() == [30, 21]
    assert table["rows_kept"].to_list() == [30, 20]
    assert table["rows_quarantined"].to_list() == [0, 1]
    assert (table["rows_read"] == table["rows_kept"] + table["rows_quarantined"]).all()
    assert table["reasons"][1] and table["reasons"][0] == ""
    assert table["version"].null_count() == 0 and table["version"][1] > table["version"][0]
    assert not run.partial and run.problems == () and run.failure() is None
    assert run.rows_quarantined == 1
    assert run.notes == (f"1 rows quarantined; see {ds}/_quarantine/ (each row has its reason and source line).",)
    assert count(ds) == 50
    assert "a.csv" in str(run) and "ingest" in str(run)


def test_a_single_path_and_the_front_door(files):
    ds = files / "ds"
    assert lc.ingest is ingest and lc.sample is sample
    run = lc.ingest(str(files / "a.csv"), ds, kind="trades", source_id="vendor/a")
    assert run.tables()["ingest"]["source"].to_list() == [str(files / "a.csv")]
    assert {s["id"] for s in Dataset(ds).sources("trades")} == {"vendor/a"}


def test_reingest_replaces_the_sources_rows(files):
    ds = files / "ds"
    ingest([files / "a.csv"], ds, kind="trades")
    (files / "a.csv").write_text(HEAD + rows(12, "A"))
    run = ingest([files / "a.csv"], ds, kind="trades")
    assert run.tables()["ingest"].select("rows_kept", "rows_replaced").row(0) == (12, 30)
    assert count(ds) == 12


def test_dry_run_says_what_would_change_and_writes_nothing(files):
    ds = files / "ds"
    ingest([files / "a.csv"], ds, kind="trades")
    before = sorted(p.relative_to(ds) for p in ds.rglob("*"))
    (files / "a.csv").write_text(HEAD + rows(5, "A"))
    run = ingest([files / "a.csv", files / "b.csv"], ds, kind="trades", dry_run=True)
    table = run.tables()["ingest"]
    assert run.dry_run and table["status"].to_list() == ["dry run", "dry run"]
    assert table.select("rows_kept", "rows_replaced").row(0) == (5, 30)
    assert table["version"].null_count() == 2
    assert run.notes == ()  # nothing was quarantined for real
    assert sorted(p.relative_to(ds) for p in ds.rglob("*")) == before
    assert count(ds) == 30


def test_a_bad_file_among_good_ones_gives_a_partial_run_with_the_good_ones_committed(files):
    ds = files / "ds"
    (files / "empty.csv").write_text(HEAD)
    (files / "all_bad.csv").write_text(HEAD + "A,2025-03-03T15:00:00Z,0,100\nA,2025-03-03T15:00:01Z,-2,100\n")
    missing = files / "missing.csv"
    seen = []

    class Bar:
        def __init__(self, total):
            seen.append(("total", total))

        def __enter__(self):
            return lambda n=1: seen.append(("advance", n))

        def __exit__(self, *exc):
            return False

    run = ingest([files / "a.csv", files / "empty.csv", files / "all_bad.csv", missing, files / "b.csv"], ds,
                 kind="trades", progress=Bar)
    assert seen == [("total", 5)] + [("advance", 1)] * 5
    table = run.tables()["ingest"]
    status = dict(zip(table["source"].to_list(), table["status"].to_list()))
    assert status[str(files / "a.csv")] == "ok" and status[str(files / "b.csv")] == "ok"
    assert status[str(files / "empty.csv")].startswith("error: ")
    assert status[str(files / "all_bad.csv")].startswith("error: every row quarantined")
    assert status[str(missing)].startswith("error: ")
    assert run.partial and {p.where for p in run.problems} == {str(files / "empty.csv"), str(files / "all_bad.csv"),
                                                                str(missing)}
    assert all(p.kind == "file_not_ingested" and p.message for p in run.problems)
    assert run.failure().startswith("3 of 5 file(s) not ingested or with no usable row (")
    assert " ...)" not in run.failure()  # three failed files: all listed
    assert run.failure().endswith("the others were ingested.")
    assert count(ds) == 50  # the good files are committed
    assert run.rows_quarantined == 3  # one of b.csv, two of all_bad.csv
    only_bad = ingest([missing], files / "ds2", kind="trades")
    assert only_bad.failure().endswith("fix them and run the ingest again.")


def test_a_usage_mistake_stops_the_run_and_keeps_what_was_ingested(files, monkeypatch):
    import liqcost.io.ingest as io_ingest

    real = io_ingest.ingest_file

    def fake(src, *args, **kwargs):
        if str(src).endswith("b.csv"):
            raise UsageError("a usage mistake")
        return real(src, *args, **kwargs)

    monkeypatch.setattr(io_ingest, "ingest_file", fake)
    with pytest.raises(UsageError) as err:
        ingest([files / "a.csv", files / "b.csv"], files / "ds", kind="trades")
    assert err.value.run.tables()["ingest"]["source"].to_list() == [str(files / "a.csv")]
    with pytest.raises(UsageError) as err:
        ingest([files / "b.csv"], files / "ds", kind="trades")
    assert err.value.run is None


def test_usage_mistakes(files):
    with pytest.raises(UsageError, match="say what the files hold"):
        ingest([files / "a.csv"], files / "ds")
    with pytest.raises(UsageError, match="source_id names one source; 2 files"):
        ingest([files / "a.csv", files / "b.csv"], files / "ds", kind="trades", source_id="x")
    with pytest.raises(UsageError, match="give the files"):
        ingest([], files / "ds", kind="trades")
    assert not (files / "ds").exists()


def test_the_kind_can_come_from_the_mapping(files):
    (files / "m.yaml").write_text("kind: trades\n")
    run = ingest([files / "a.csv"], files / "ds", mapping=files / "m.yaml")
    assert run.tables()["ingest"]["kind"].to_list() == ["trades"]


def test_remove_takes_a_source_out(files):
    ds = files / "ds"
    ingest([files / "a.csv", files / "b.csv"], ds, kind="trades")
    run = remove(ds, [str(files / "a.csv")])
    assert run.removed and not run.partial and run.notes == ()
    table = run.tables()["ingest"]
    assert table.columns == ["source", "kind", "rows_removed", "version"]
    assert table.select("kind", "rows_removed").row(0) == ("trades", 30)
    assert run.display_tables()["ingest"].equals(table)
    assert count(ds) == 20
    with pytest.raises(UsageError, match="no such source"):
        remove(ds, "vendor/nothing")
    with pytest.raises(UsageError, match="not a liqcost dataset"):
        remove(files / "nowhere", ["x"])


def test_the_command_prints_the_apps_table(files):
    ds = files / "ds"
    r = CliRunner().invoke(cli, ["-q", "--format", "json", "ingest", "--kind", "trades", "--dry-run",
                                 str(files / "a.csv"), "-d", str(ds)])
    assert r.exit_code == 0, r.output
    printed = pl.DataFrame(json.loads(r.stdout)["tables"]["ingest"])
    app = ingest([files / "a.csv"], ds, kind="trades", dry_run=True).tables()["ingest"]
    assert printed.columns == app.columns
    assert printed.drop("first_ts", "last_ts").rows() == app.drop("first_ts", "last_ts").rows()


# ------------------------------------------------------------------------------------------------ sample


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    steps = []

    def step(description):
        import contextlib

        steps.append(description)
        return contextlib.nullcontext()

    return out, sample(out, symbols=2, days=3, seed=3, metaorders=1, step=step), steps


def test_sample_writes_ingests_and_returns_the_truth(small_sample):
    out, run, steps = small_sample
    assert isinstance(run, SampleRun)
    assert steps == ["simulating 2 symbols over 3 days", "writing and ingesting the sample"]
    truth = run.tables()["sample"]
    assert truth.columns == ["symbol", "n_trades", "price0_px", "true_half_spread_bps", "volatility_daily_frac",
                             "adv_shares", "zero_volume_frac"]
    assert truth.height == 2
    saved = json.loads((out / "truth" / "ground_truth.json").read_text())["symbols"]
    for row in truth.iter_rows(named=True):
        assert row["true_half_spread_bps"] == saved[row["symbol"]]["true_half_spread_bps"]
    for f in ("raw/trades.csv", "raw/quotes.csv", "raw/bars.csv", "orders.csv", "fills.csv"):
        assert (out / f).is_file(), f
    assert set(run.ingest_reports) == {"trades", "quotes", "bars", "fills", "orders"}
    assert run.dataset == f"{out}/dataset"
    assert count(out / "dataset") == run.ingest_reports["trades"]["rows_kept"] > 0
    assert run.rows_quarantined > 0  # the planted dirt
    assert run.notes == (f"ingested into {out}/dataset ({run.rows_quarantined} dirty rows quarantined, as planted); "
                         f"truth in {out}/truth/",)
    assert run.seed == 3 and run.data.trades.height > 0
    assert "THNA" in str(run)


def test_sample_without_ingest_and_the_same_seed_gives_the_same_truth(small_sample, tmp_path):
    _, first, _ = small_sample
    run = sample(tmp_path, symbols=2, days=3, seed=3, metaorders=1, ingest=False, start="2025-03-03")
    assert run.ingest_reports == {} and run.notes == () and run.dataset is None
    assert not (tmp_path / "dataset").exists()
    assert run.tables()["sample"].equals(first.tables()["sample"])
    with pytest.raises(UsageError, match="start: expected a date"):
        sample(tmp_path, start="March")

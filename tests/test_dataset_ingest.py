"""Ingest into the transactional dataset: rows owned by source, re-ingest, dry run, remove, compaction,
file modes, multi-file runs that report every file, exit codes."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat

import polars as pl
import pytest
from click.testing import CliRunner

from liqcost.cli import cli
from liqcost.config import Config
from liqcost.errors import DataQualityWarning, EmptyDataError
from liqcost.io.dataset import Dataset
from liqcost.io.ingest import ingest_file, remove_sources

HEAD = "symbol,ts,price,size\n"


def rows(n: int, sym: str = "A", day: int = 3, start: int = 0, px: float = 10.0) -> str:
    return "".join(f"{sym},2025-03-{day:02d}T15:{(start + i) // 60:02d}:{(start + i) % 60:02d}Z,{px},{100 + i}\n"
                   for i in range(n))


def run(*args, fmt="json"):
    return CliRunner().invoke(cli, ["-q", "--format", fmt, *[str(a) for a in args]])


def count(ds_path, kind="trades") -> int:
    return Dataset(ds_path).scan(kind).collect().height


def quarantined(ds_path) -> int:
    return sum(pl.read_parquet(ds_path / s["quarantine"]).height for s in Dataset(ds_path, must_exist=False).sources()
               if s.get("quarantine"))


# ---------------------------------------------------------------------------------- ownership by source


def test_two_paths_keep_their_rows(tmp_path):
    # issue 10: a.csv and b.csv with the same contents, then a.csv edited to 10 rows: b's 50 rows stay
    good = HEAD + rows(50)
    (tmp_path / "a.csv").write_text(good)
    (tmp_path / "b.csv").write_text(good)
    ds = tmp_path / "ds"
    assert run("ingest", "--kind", "trades", tmp_path / "a.csv", "-o", ds).exit_code == 0
    assert run("ingest", "--kind", "trades", tmp_path / "b.csv", "-o", ds).exit_code == 0
    assert count(ds) == 100  # identical rows of two sources: both kept (their rows add up)
    (tmp_path / "a.csv").write_text(HEAD + rows(10))
    r = run("ingest", "--kind", "trades", tmp_path / "a.csv", "-o", ds)
    assert r.exit_code == 0, r.output
    (rep,) = json.loads(r.stdout)["tables"]["ingest"]
    assert rep["rows_replaced"] == 50 and rep["rows_kept"] == 10
    assert count(ds) == 60
    by_source = {s["id"]: s["report"]["rows_kept"] for s in Dataset(ds).sources("trades")}
    assert by_source == {str((tmp_path / "a.csv").resolve()): 10, str((tmp_path / "b.csv").resolve()): 50}


def test_identical_contents_warn_that_rows_add_up(tmp_path):
    (tmp_path / "a.csv").write_text(HEAD + rows(5))
    (tmp_path / "b.csv").write_text(HEAD + rows(5))
    ingest_file(tmp_path / "a.csv", "trades", tmp_path / "ds", Config())
    with pytest.warns(DataQualityWarning, match=r"1 symbol-day\(s\) \(e.g. A 2025-03-03\) also hold rows of .*a.csv"):
        ingest_file(tmp_path / "b.csv", "trades", tmp_path / "ds", Config())


def test_reingest_replaces_rows_quarantine_and_report(tmp_path):
    # the edited file's old quarantine rows and report go with its old rows (issue 10: 33 on disk, report 15)
    src = tmp_path / "t.csv"
    src.write_text(HEAD + rows(20) + "A,2025-03-03T16:00:00Z,-1,1\n" * 3)
    first = ingest_file(src, "trades", tmp_path / "ds", Config())
    assert (first.rows_kept, first.rows_quarantined) == (20, 3)
    src.write_text(HEAD + rows(12) + "A,2025-03-03T16:00:00Z,abc,1\n")
    again = ingest_file(src, "trades", tmp_path / "ds", Config())
    assert (again.rows_kept, again.rows_quarantined, again.rows_replaced) == (12, 1, 20)
    ds = Dataset(tmp_path / "ds")
    assert ds.scan("trades").collect().height == 12
    (rec,) = ds.sources()
    assert rec["report"]["rows_quarantined"] == 1 and rec["quarantine_rows"] == 1
    assert quarantined(tmp_path / "ds") == 1


def test_source_id_option_names_the_source(tmp_path):
    # the same vendor file downloaded again under another name replaces the first when given its id
    (tmp_path / "day1.csv").write_text(HEAD + rows(8))
    (tmp_path / "day1_v2.csv").write_text(HEAD + rows(6))
    ds = tmp_path / "ds"
    assert run("ingest", "--kind", "trades", "--source-id", "vendor/2025-03-03", tmp_path / "day1.csv", "-o", ds).exit_code == 0
    assert run("ingest", "--kind", "trades", "--source-id", "vendor/2025-03-03", tmp_path / "day1_v2.csv", "-o", ds).exit_code == 0
    assert count(ds) == 6
    assert [s["id"] for s in Dataset(ds).sources()] == ["vendor/2025-03-03"]
    r = run("ingest", "--kind", "trades", "--source-id", "x", tmp_path / "day1.csv", tmp_path / "day1_v2.csv", "-o", ds)
    assert r.exit_code == 2 and "--source-id names one source" in r.output


def test_same_file_as_two_kinds_are_two_sources(tmp_path):
    # a LOBSTER message file gives trades and quotes: re-ingesting one kind leaves the other
    src = tmp_path / "x.csv"
    src.write_text("symbol,ts,price,size,bid,ask,bid_size,ask_size\n"
                   + "".join(f"A,2025-03-03T15:00:{i:02d}Z,10,1,9.9,10.1,5,5\n" for i in range(7)))
    ingest_file(src, "trades", tmp_path / "ds", Config())
    ingest_file(src, "quotes", tmp_path / "ds", Config())
    ingest_file(src, "trades", tmp_path / "ds", Config())
    assert count(tmp_path / "ds", "trades") == 7 and count(tmp_path / "ds", "quotes") == 7


# ---------------------------------------------------------------------------------- dry run and remove


def test_dry_run_reports_and_writes_nothing(tmp_path):
    ds = tmp_path / "ds"
    (tmp_path / "a.csv").write_text(HEAD + rows(30))
    r = run("ingest", "--kind", "trades", "--dry-run", tmp_path / "a.csv", "-o", ds)
    assert r.exit_code == 0, r.output
    (rep,) = json.loads(r.stdout)["tables"]["ingest"]
    assert rep["rows_kept"] == 30 and rep["version"] is None and rep["status"] == "dry run"
    assert not ds.exists()
    assert run("ingest", "--kind", "trades", tmp_path / "a.csv", "-o", ds).exit_code == 0
    before = sorted(p.relative_to(ds).as_posix() for p in ds.rglob("*"))
    (tmp_path / "a.csv").write_text(HEAD + rows(4))
    (rep,) = json.loads(run("ingest", "--kind", "trades", "--dry-run", tmp_path / "a.csv", "-o", ds).stdout)["tables"]["ingest"]
    assert (rep["rows_kept"], rep["rows_replaced"], rep["files_added"], rep["files_removed"]) == (4, 30, 1, 1)
    assert sorted(p.relative_to(ds).as_posix() for p in ds.rglob("*")) == before
    assert count(ds) == 30


def test_remove_a_source(tmp_path):
    ds = tmp_path / "ds"
    for name, n in (("a.csv", 5), ("b.csv", 7)):
        (tmp_path / name).write_text(HEAD + rows(n) + "A,2025-03-03T16:00:00Z,0,1\n")
        ingest_file(tmp_path / name, "trades", ds, Config())
    r = run("ingest", "--remove", tmp_path / "a.csv", "-o", ds)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["tables"]["ingest"][0]["rows_removed"] == 5
    assert count(ds) == 7 and quarantined(ds) == 1
    r = run("ingest", "--remove", "nope.csv", "-o", ds)
    assert r.exit_code == 2 and "no such source" in r.output
    with pytest.raises(Exception, match="no such source"):
        remove_sources(ds, [str(tmp_path / "a.csv")], Config())


def test_remove_from_a_compacted_file(tmp_path):
    # several sources in one compacted bucket file: removing one rewrites the file without its rows
    cfg = Config.model_validate({"dataset": {"compact_max_files": 1}})  # every commit merges the bucket
    ds = tmp_path / "ds"
    for k in range(4):
        (tmp_path / f"s{k}.csv").write_text(HEAD + rows(3 + k, start=10 * k))
        ingest_file(tmp_path / f"s{k}.csv", "trades", ds, cfg)
    d = Dataset(ds)
    assert len(d.state.files) == 1 and len(next(iter(d.state.files.values())).sources) == 4
    remove_sources(ds, [str(tmp_path / "s1.csv")], cfg)
    got = Dataset(ds).scan("trades").collect()
    assert got.height == 3 + 5 + 6 and got.get_column("ts").is_sorted()


# ---------------------------------------------------------------------------------- compaction


def test_many_small_sources_stay_few_files(tmp_path):
    # one file per symbol-day source (LOBSTER, daily vendor files): buckets are compacted, rows intact
    cfg = Config.model_validate({"dataset": {"compact_max_files": 4}})
    ds = tmp_path / "ds"
    total = 0
    for day in range(3, 29):
        if dt.date(2025, 3, day).weekday() >= 5:
            continue
        (tmp_path / f"d{day}.csv").write_text(HEAD + rows(5, day=day) + rows(3, sym="B", day=day))
        ingest_file(tmp_path / f"d{day}.csv", "trades", ds, cfg, vacuum=False)
        total += 8
    d = Dataset(ds)
    assert len(d.state.files) <= 2 * 4  # two symbol-months, at most compact_max_files each
    assert d.scan("trades").collect().height == total
    assert len(d.dates("trades", "A")) == 20
    # re-ingest of one day in the middle of a compacted file replaces exactly its rows
    (tmp_path / "d12.csv").write_text(HEAD + rows(2, day=12))
    ingest_file(tmp_path / "d12.csv", "trades", ds, cfg)
    d = Dataset(ds)
    assert d.scan("trades").collect().height == total - 8 + 2
    assert d.read("trades", "A", dt.date(2025, 3, 12)).height == 2
    assert d.read("trades", "B", dt.date(2025, 3, 12)).height == 0
    assert d.read("trades", "A", dt.date(2025, 3, 13)).height == 5


# ---------------------------------------------------------------------------------- modes and exit codes


def test_files_get_the_umask_mode(tmp_path):
    old = os.umask(0o022)
    try:
        (tmp_path / "a.csv").write_text(HEAD + rows(3) + "A,2025-03-03T16:00:00Z,0,1\n")
        out = tmp_path / "out.csv"
        r = CliRunner().invoke(cli, ["-q", "--format", "csv", "-o", str(out), "ingest", "--kind", "trades",
                                     str(tmp_path / "a.csv"), "--report", str(tmp_path / "rep.json"), "-o", str(tmp_path / "ds")])
        assert r.exit_code == 0, r.output
        files = [p for p in (tmp_path / "ds").rglob("*") if p.is_file()] + [tmp_path / "rep.json"]
        assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in files), \
            {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in files}
    finally:
        os.umask(old)


def test_multi_file_run_reports_every_file(tmp_path):
    # issue 10: the second of three files empty stopped the run; now each is a report row, exit 1 at the end
    (tmp_path / "a.csv").write_text(HEAD + rows(4))
    (tmp_path / "b.csv").write_text("")
    (tmp_path / "c.csv").write_text(HEAD + rows(6, sym="C"))
    (tmp_path / "d.csv").write_text("garbage\x00\x01")
    r = run("ingest", "--kind", "trades", tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv", tmp_path / "d.csv",
            "-o", tmp_path / "ds")
    assert r.exit_code == 1
    reps = json.loads(r.stdout)["tables"]["ingest"]
    assert [x["status"] == "ok" for x in reps] == [True, False, True, False]
    assert "empty" in reps[1]["status"]
    assert "2 of 4 file(s)" in r.stderr and "the others were ingested" in r.stderr
    assert count(tmp_path / "ds") == 10


def test_every_row_quarantined_exits_1_with_reasons(tmp_path):
    (tmp_path / "bad.csv").write_text(HEAD + "A,2025-03-03T15:00:00Z,-1,1\nA,2025-03-03T15:00:01Z,abc,1\n")
    r = run("ingest", "--kind", "trades", tmp_path / "bad.csv", "-o", tmp_path / "ds")
    assert r.exit_code == 1
    assert "every row quarantined (1 " in r.stderr
    assert "1 non-positive price" in r.stderr and "1 unparseable price" in r.stderr
    assert quarantined(tmp_path / "ds") == 2  # the quarantine is committed, so it can be inspected


def test_emptied_file_removes_its_rows(tmp_path):
    src = tmp_path / "a.csv"
    src.write_text(HEAD + rows(9))
    ingest_file(src, "trades", tmp_path / "ds", Config())
    src.write_text(HEAD)
    with pytest.raises(EmptyDataError, match="the 9 rows of its earlier version were removed"):
        ingest_file(src, "trades", tmp_path / "ds", Config())
    assert not Dataset(tmp_path / "ds", must_exist=False).state.files


def test_unreadable_file_keeps_the_earlier_version(tmp_path):
    src = tmp_path / "a.csv"
    src.write_text(HEAD + rows(9))
    ingest_file(src, "trades", tmp_path / "ds", Config())
    src.write_text("symbol,ts,prise,size\nA,2025-03-03T15:00:00Z,1,1\n")  # a wrong header: nothing committed
    r = run("ingest", "--kind", "trades", src, "-o", tmp_path / "ds")
    assert r.exit_code == 1 and "lacks 'price'" in r.output
    assert count(tmp_path / "ds") == 9


def test_config_mistake_exits_2(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("dataset:\n  compact_max_file: 3\n")
    (tmp_path / "a.csv").write_text(HEAD + rows(2))
    r = CliRunner().invoke(cli, ["--config", str(cfg), "ingest", "--kind", "trades", str(tmp_path / "a.csv"), "-o",
                                 str(tmp_path / "ds")])
    assert r.exit_code == 2 and "compact_max_files" in r.output

"""Datasets of the old layout (v1): every command stops with one sentence naming the migrate command;
``liqcost check --migrate`` rewrites them in one commit, with identical outputs and the sources kept."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import SAMPLE_DATA
from v1_writer import ingest_v1

from liqcost.cli import cli
from liqcost.config import Config
from liqcost.io.dataset import Dataset
from liqcost.io.dataset_log import layout_of

SOURCES = (("trades", "raw/trades.csv"), ("quotes", "raw/quotes.csv"), ("bars", "raw/bars.csv"), ("fills", "fills.csv"),
           ("orders", "orders.csv"))


def run(*args):
    return CliRunner().invoke(cli, ["-q", "--format", "json", *[str(a) for a in args]])


@pytest.fixture(scope="module")
def v1(tmp_path_factory):
    """The sample's raw files ingested by the v1 writer (absolute source paths, as `liqcost ingest /abs/...`)."""
    root = tmp_path_factory.mktemp("v1") / "ds"
    for kind, name in SOURCES:
        ingest_v1((SAMPLE_DATA / name).resolve(), kind, root, Config())
    assert layout_of(root) == "v1" and any(root.glob("kind=trades/*/date=*/part-*.parquet"))
    return root


@pytest.mark.parametrize("args", [
    ("profile", "--data", "{ds}"),
    ("pretrade", "--data", "{ds}", "--symbol", "THNA", "--side", "buy", "--qty", "1000"),
    ("plan", "--data", "{ds}", "--symbol", "THNA", "--side", "buy", "--qty", "1000"),
    ("ingest", "--kind", "trades", str(SAMPLE_DATA / "raw" / "trades.csv"), "-o", "{ds}"),
    ("check", "--data", "{ds}"),
    ("check", "--vacuum", "--data", "{ds}"),
])
def test_v1_dataset_gives_the_migrate_command(v1, tmp_path, args):
    ds = tmp_path / "ds"
    shutil.copytree(v1, ds)
    before = sorted(p.relative_to(ds).as_posix() for p in ds.rglob("*"))
    r = run(*[a.format(ds=ds) for a in args])
    assert r.exit_code == 1, r.output
    assert f"migrate it once with `liqcost check --migrate --data {ds}`" in r.output
    assert r.output.count("Error:") == 1 and "Traceback" not in r.output
    assert sorted(p.relative_to(ds).as_posix() for p in ds.rglob("*")) == before  # nothing written


def test_migrate_gives_identical_outputs(v1, tmp_path):
    ds = tmp_path / "ds"
    shutil.copytree(v1, ds)
    r = run("check", "--migrate", "--data", ds)
    assert r.exit_code == 0, r.output
    assert layout_of(ds) == "v2"
    # the v1 files are gone: no date= folders, manifests, reports or old quarantine files
    assert not list(ds.glob("kind=*/*/date=*")) and not (ds / "_manifest").exists() and not (ds / "_ingest").exists()
    assert all(p.name.startswith("part-") and len(p.stem) == 37 for p in ds.rglob("*.parquet") if "_liqcost" not in p.parts)
    for args in (("profile", "--data", "{ds}", "--table", "all"),
                 ("pretrade", "--data", "{ds}", "--orders", str(SAMPLE_DATA / "orders.csv"), "--detail"),
                 ("plan", "--data", "{ds}", "--symbol", "THNB", "--side", "buy", "--qty", "8000", "--table", "all")):
        got = run(*[a.format(ds=ds) for a in args])
        want = run(*[a.format(ds=SAMPLE_DATA / "dataset") for a in args])
        assert got.exit_code == want.exit_code == 0, got.output
        assert json.loads(got.stdout) == json.loads(want.stdout), args[0]


def test_migrate_keeps_sources_reports_and_quarantine(v1, tmp_path):
    ds = tmp_path / "ds"
    shutil.copytree(v1, ds)
    assert run("check", "--migrate", "--data", ds).exit_code == 0
    d = Dataset(ds)
    srcs = {s["kind"]: s for s in d.sources()}
    assert set(srcs) == {k for k, _ in SOURCES}
    trades = srcs["trades"]
    assert trades["id"] == str((SAMPLE_DATA / "raw" / "trades.csv").resolve())
    assert (trades["report"]["rows_read"], trades["report"]["rows_kept"], trades["quarantine_rows"]) == (9040, 9022, 18)
    assert d.scan("trades").collect().height == 9022
    # re-ingesting a migrated source replaces its rows (its id is its resolved path)
    r = run("ingest", "--kind", "trades", (SAMPLE_DATA / "raw" / "trades.csv").resolve(), "-o", ds)
    assert r.exit_code == 0, r.output
    (rep,) = json.loads(r.stdout)["tables"]["ingest"]
    assert rep["rows_replaced"] == 9022
    assert Dataset(ds).scan("trades").collect().height == 9022
    assert run("check", "--data", ds).exit_code == 0


def test_interrupted_migration_leaves_the_v1_dataset(v1, tmp_path, monkeypatch):
    import liqcost.io.dataset_check as chk

    ds = tmp_path / "ds"
    shutil.copytree(v1, ds)
    before = {p.relative_to(ds).as_posix() for p in ds.rglob("*") if p.is_file()}

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(chk, "_publish_first", boom)
    with pytest.raises(KeyboardInterrupt):
        chk.migrate_v1(ds, Config())
    assert layout_of(ds) == "v1"
    assert {p.relative_to(ds).as_posix() for p in ds.rglob("*") if p.is_file()} == before
    monkeypatch.undo()
    assert run("check", "--migrate", "--data", ds).exit_code == 0


def test_migrate_refuses_a_current_dataset(tmp_path):
    ds = tmp_path / "ds"
    shutil.copytree(SAMPLE_DATA / "dataset", ds)
    r = run("check", "--migrate", "--data", ds)
    assert r.exit_code == 1 and "already current" in r.output


def test_newer_format_is_refused(tmp_path):
    ds = tmp_path / "ds"
    shutil.copytree(SAMPLE_DATA / "dataset", ds)
    (ds / "_liqcost" / "format.json").write_text('{"format": "liqcost-dataset", "version": 3}')
    r = run("profile", "--data", ds)
    assert r.exit_code == 1 and "written by a newer liqcost" in r.output

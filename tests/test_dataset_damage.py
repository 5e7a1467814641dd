"""Damaged files are isolated: a part file that cannot be read (random bytes, truncated, 0 bytes,
missing) is named with the reader's message and the source to re-ingest; every other partition is
processed, and the result equals that of a dataset without the file; the command exits with code 1.
``liqcost check`` lists every damaged file with its repair."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SAMPLE_DATA

from liqcost.cli import cli
from liqcost.config import Config
from liqcost.io.dataset import Dataset
from liqcost.io.dataset_log import commit


def run(*args):
    return CliRunner().invoke(cli, ["--format", "json", *[str(a) for a in args]])


def victim(ds: Path, kind: str = "trades", symbol: str = "THNA") -> Path:
    d = Dataset(ds)
    (f,) = [f for f in d.state.files.values() if f.kind == kind and f.symbol == symbol]
    return ds / f.path


def without(ds: Path, path: Path) -> None:
    """Commit a version of ``ds`` without the file ``path``: what a damaged-file run must equal."""
    rel = path.relative_to(ds).as_posix()
    commit(ds, lambda state: {"add": [], "remove": [rel], "set_sources": [], "drop_sources": []},
           operation="test", config=Config())


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "random":
        path.write_bytes(np.random.default_rng(1).integers(0, 256, len(data), dtype=np.uint8).tobytes())
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "missing":
        path.unlink()


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    """The sample dataset, and the same without THNA's trade file (the reference)."""
    base = tmp_path_factory.mktemp("damage")
    ref = base / "ref"
    shutil.copytree(SAMPLE_DATA / "dataset", ref)
    without(ref, victim(ref))
    profile = run("-q", "profile", "--data", ref, "--table", "all")
    assert profile.exit_code == 0, profile.output
    pretrade = run("-q", "pretrade", "--data", ref, "--orders", SAMPLE_DATA / "orders.csv")
    assert pretrade.exit_code == 0, pretrade.output
    return base, json.loads(profile.stdout), json.loads(pretrade.stdout)


@pytest.mark.parametrize("how", ["random", "truncated", "empty", "missing"])
def test_profile_skips_a_damaged_file(datasets, tmp_path, how):
    _base, want, _ = datasets
    ds = tmp_path / "ds"
    shutil.copytree(SAMPLE_DATA / "dataset", ds)
    bad = victim(ds)
    damage(bad, how)
    r = run("profile", "--data", ds, "--table", "all")
    assert r.exit_code == 1
    assert json.loads(r.stdout) == want  # the other partitions all processed, as if the file were not there
    assert f"Warning: {bad}: cannot be read (" in r.stderr
    assert "re-ingest its source" in r.stderr and "raw/trades.csv" in r.stderr
    assert "partial run: 1 input file could not be read" in r.stderr
    assert "Traceback" not in r.output


def test_pretrade_prices_what_it_can(datasets, tmp_path):
    _base, _, want = datasets
    ds = tmp_path / "ds"
    shutil.copytree(SAMPLE_DATA / "dataset", ds)
    bad = victim(ds)
    damage(bad, "random")
    r = run("pretrade", "--data", ds, "--orders", SAMPLE_DATA / "orders.csv")
    assert r.exit_code == 1
    assert json.loads(r.stdout) == want
    assert str(bad) in r.stderr


def test_a_damaged_bar_file_is_skipped(tmp_path):
    ds = tmp_path / "ds"
    shutil.copytree(SAMPLE_DATA / "dataset", ds)
    ref = tmp_path / "ref"
    shutil.copytree(ds, ref)
    without(ref, victim(ref, "bars", "THNC"))
    damage(victim(ds, "bars", "THNC"), "truncated")
    got = run("-q", "profile", "--data", ds, "--table", "profile")
    want = run("-q", "profile", "--data", ref, "--table", "profile")
    assert got.exit_code == 1 and want.exit_code == 0
    assert json.loads(got.stdout) == json.loads(want.stdout)


def test_every_damaged_file_named_once_and_in_the_problems(tmp_path):
    from liqcost.measures.build import build_from_dataset

    ds = tmp_path / "ds"
    shutil.copytree(SAMPLE_DATA / "dataset", ds)
    bad = [victim(ds, "trades", "THNB"), victim(ds, "quotes", "THND")]
    for b in bad:
        damage(b, "random")
    with pytest.warns(Warning) as caught:
        built = build_from_dataset(Dataset(ds), Config())
    named = [str(w.message) for w in caught if "cannot be read" in str(w.message)]
    assert len(named) == 2 and {p.where for p in built.problems} == {str(b) for b in bad}
    assert all("re-ingest its source" in p.message for p in built.problems)
    assert set(built.profile.get_column("symbol")) == {"THNA", "THNB", "THNC", "THND", "THNE"}


def test_check_lists_damaged_files_with_their_repair(tmp_path):
    ds = tmp_path / "ds"
    shutil.copytree(SAMPLE_DATA / "dataset", ds)
    r = run("check", "--data", ds)
    assert r.exit_code == 0, r.output
    tables = json.loads(r.stdout)["tables"]
    assert {t["kind"]: t["rows"] for t in tables["kinds"]}["trades"] == 9022
    assert {s["source"] for s in tables["sources"]} == {"raw/trades.csv", "raw/quotes.csv", "raw/bars.csv", "fills.csv",
                                                          "orders.csv"}
    assert not [f for f in tables["findings"] if f["severity"] == "error"]
    damage(victim(ds, "trades", "THNA"), "truncated")
    damage(victim(ds, "quotes", "THNE"), "missing")
    (ds / "kind=trades" / "symbol=THNA" / "month=2025-03" / "part-orphan.parquet").write_bytes(b"x")
    r = run("check", "--data", ds)
    assert r.exit_code == 1
    findings = json.loads(r.stdout)["tables"]["findings"]
    errors = {f["finding"]: f for f in findings if f["severity"] == "error"}
    assert set(errors) == {"damaged_file", "missing_file"}
    assert "--source-id 'raw/trades.csv'" in errors["damaged_file"]["repair"]
    assert "--source-id 'raw/quotes.csv'" in errors["missing_file"]["repair"]
    assert any(f["finding"] == "unreferenced_recent" and f["path"].endswith("part-orphan.parquet") for f in findings)
    assert "2 damaged or missing files" in r.stderr


def test_deep_check_reads_every_row(tmp_path):
    ds = tmp_path / "ds"
    shutil.copytree(SAMPLE_DATA / "dataset", ds)
    path = victim(ds, "quotes", "THNB")
    data = bytearray(path.read_bytes())
    mid = len(data) // 3
    data[mid:mid + 64] = bytes(64)  # zeros in a data page: the footer still reads
    path.write_bytes(bytes(data))
    assert run("check", "--data", ds).exit_code == 0
    r = run("check", "--data", ds, "--deep")
    assert r.exit_code == 1
    assert any(f["path"] == str(path) for f in json.loads(r.stdout)["tables"]["findings"] if f["severity"] == "error")


def test_repair_by_reingest(tmp_path):
    ds = tmp_path / "ds"
    shutil.copytree(SAMPLE_DATA / "dataset", ds)
    damage(victim(ds, "trades", "THNA"), "empty")
    cwd = os.getcwd()
    os.chdir(SAMPLE_DATA)
    try:
        r = run("-q", "ingest", "--kind", "trades", "--source-id", "raw/trades.csv", "raw/trades.csv", "-o", ds)
    finally:
        os.chdir(cwd)
    assert r.exit_code == 0, r.output
    assert run("-q", "check", "--data", ds).exit_code == 0
    assert run("-q", "profile", "--data", ds, "--table", "profile").exit_code == 0

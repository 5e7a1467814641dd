"""Every example in docs/report.md runs: the Python block (reports written as files) and each command line
(through the CLI, against the sample, in a temporary folder), with the files the page says they write."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from liqcost.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "report.md").read_text()


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC, re.S)


def commands() -> list[str]:
    return [line.strip() for b in blocks("bash") for line in b.splitlines() if line.strip().startswith("liqcost ")]


def test_the_page_has_examples_and_its_images_exist():
    assert len(blocks("python")) == 1 and len(commands()) >= 4
    for img in re.findall(r"\]\((img/[^)]+)\)", DOC):
        path = ROOT / "docs" / img
        assert path.exists() and path.stat().st_size < 400_000, img  # small PNGs


def test_python_example_runs(tmp_path, monkeypatch):
    code = blocks("python")[0].replace('"sample_data/', f'"{ROOT}/sample_data/')
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "docs/report.md", "exec"), {"__name__": "docs_report"})
    for name in ("liquidity", "pretrade", "plan"):
        html = (tmp_path / f"{name}.html").read_text()
        assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert 'data-chart="frontier"' in (tmp_path / "plan.html").read_text()


@pytest.mark.parametrize("line", commands())
def test_command_runs(line, tmp_path, monkeypatch):
    args = [a.replace("sample_data/", f"{ROOT}/sample_data/") for a in shlex.split(line)[1:]]
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    if "-o" in args:
        out = Path(args[args.index("-o") + 1])
        assert out.exists(), out  # the main table is exactly -o NAME.ext
    if "plan.csv" in args and "all" in args:
        assert {p.name for p in tmp_path.iterdir()} >= {"plan.csv", "plan.summary.csv", "plan.fill.csv"}
        assert pl.read_csv(tmp_path / "plan.csv")["qty_shares"].sum() == 8000
    if "plan.json" in args:
        doc = json.loads((tmp_path / "plan.json").read_text())
        assert set(doc) == {"liqcost_version", "schema_version", "tables"} and set(doc["tables"]) == {"plan", "summary"}
    if "book.parquet" in args:
        meta = pl.read_parquet_metadata(tmp_path / "book.parquet")
        assert meta["liqcost_table"] == "orders" and (tmp_path / "book.flags.parquet").exists()
    if "-o" not in args and "csv" in args:
        assert r.stdout.startswith("order_id,") and "\n#" not in r.stdout  # one table, no section lines

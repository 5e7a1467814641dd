"""docs/validation.md: its commands run and give what the text says; its config block is a valid config."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import yaml

from liqcost.config import Config

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "validation.md").read_text()


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC, flags=re.S)


def test_the_lean_example_runs_and_reads_what_the_text_says(tmp_path):
    (block,) = [b for b in _blocks("bash") if "lean_trades.yaml" in b]
    env = os.environ | {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    r = subprocess.run(["bash", "-euc", block], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    files = sorted((tmp_path / "lean_ds").rglob("kind=trades/**/*.parquet"))
    got = pl.read_parquet(files).sort("ts")
    assert got.get_column("price").to_list() == [100.0, 100.01, 100.02]
    assert [str(t) for t in got.get_column("ts").to_list()] == [
        "2013-10-07 13:30:00+00:00", "2013-10-07 13:30:00.500000+00:00", "2013-10-07 19:59:59.999000+00:00"]


def test_the_config_block_is_a_valid_config():
    (block,) = _blocks("yaml")
    cfg = Config.model_validate(yaml.safe_load(block))
    assert cfg.ingest.time_window.trades.earliest.isoformat() == "2015-01-01"
    assert cfg.ingest.time_window.orders.days_after_run == 366

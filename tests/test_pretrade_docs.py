"""docs/costs.md, the pretrade/plan docs and README sections, the pretrade/plan help: every command example on
the committed sample (no placeholder paths, no output file) runs as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from liqcost.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def _lines(text: str) -> list[str]:
    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.DOTALL):
        out += [ln.split("  #")[0].strip() for ln in block.splitlines() if ln.strip().startswith("liqcost ")]
    return out


def _help_examples(command: str) -> list[str]:
    res = CliRunner().invoke(cli, [command, "--help"])
    return [ln.strip() for ln in res.output.splitlines() if ln.strip().startswith("liqcost ") and "sample_data/dataset" in ln
            and " ds " not in ln and "prof.parquet" not in ln]


def _on_sample(line: str) -> bool:
    return "sample_data/dataset" in line and " -o " not in line and " ds " not in line and "prof.parquet" not in line \
        and "my_params" not in line and " book" not in line and "profile.parquet" not in line


CASES = _lines((ROOT / "docs" / "costs.md").read_text()) + [
    ln for doc in ("docs/pretrade.md", "docs/planner.md", "README.md") for ln in _lines((ROOT / doc).read_text())
    if _on_sample(ln) and (" pretrade " in ln or " plan " in ln)] + [
    ln for c in ("pretrade", "plan") for ln in _help_examples(c) if _on_sample(ln)]
CASES = list(dict.fromkeys(CASES))


@pytest.mark.parametrize("line", CASES)
def test_example_runs(line, monkeypatch):
    monkeypatch.chdir(ROOT)
    args = shlex.split(line)
    res = CliRunner().invoke(cli, ["-q", *args[1:]])
    assert res.exit_code == 0, (line, res.output)


def test_there_are_examples():
    assert len(CASES) >= 6

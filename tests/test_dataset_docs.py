"""Every command example of docs/dataset.md, of README's ingest section (those on files shipped with the
repository) and of `liqcost ingest --help` / `liqcost check --help` runs, from a copy of the repository's
sample data, in the order written; the Python example of docs/dataset.md runs too."""

from __future__ import annotations

import os
import re
import shlex
import shutil

import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLE_DATA
from v1_writer import ingest_v1

from liqcost.cli import cli
from liqcost.config import Config

DOC = (ROOT / "docs" / "dataset.md").read_text()


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def _commands(block: str) -> list[list[str]]:
    out = []
    for line in block.splitlines():
        line = line.split("  #")[0].strip()
        if line.startswith("liqcost "):
            out.append(shlex.split(line)[1:])
    return out


def _help_examples(command: str) -> list[list[str]]:
    r = CliRunner().invoke(cli, [command, "--help"])
    assert r.exit_code == 0
    return _commands(r.output.split("Examples:")[1])


@pytest.fixture()
def workdir(tmp_path):
    shutil.copytree(SAMPLE_DATA, tmp_path / "sample_data")
    os.symlink(ROOT / "configs", tmp_path / "configs")
    for kind, name in (("trades", "raw/trades.csv"), ("quotes", "raw/quotes.csv")):  # a dataset of the old layout
        ingest_v1(tmp_path / "sample_data" / name, kind, tmp_path / "old_ds", Config())
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(cwd)


def _run(args):
    r = CliRunner().invoke(cli, ["-q", *args])
    assert r.exit_code == 0, f"liqcost {' '.join(args)}:\n{r.output}"


def test_docs_dataset_commands_run(workdir):
    cmds = [c for b in _blocks(DOC, "bash") for c in _commands(b)]
    assert len(cmds) >= 9
    for args in cmds:
        _run(args)
    # the migration's synopsis (docs: `liqcost check --migrate --data OLD_DATASET`) on the fixture's old layout
    _run(["check", "--migrate", "--data", "old_ds"])


def test_help_examples_run(workdir):
    for args in _help_examples("ingest") + _help_examples("check"):
        _run(args)


def test_readme_ingest_examples_on_shipped_files_run(workdir):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### `liqcost ingest`")[1].split("###")[0]
    cmds = [c for b in _blocks(section, "bash") for c in _commands(b)]
    shipped = [c for c in cmds if not any(a.endswith(".parquet") for a in c)]  # the others need downloaded data
    assert len(shipped) >= 5
    for args in shipped:
        _run(args)


def test_docs_python_example_runs(workdir):
    (code,) = [b for b in _blocks(DOC, "python") if "ingest_file" in b]
    exec(compile(code, "docs/dataset.md", "exec"), {})

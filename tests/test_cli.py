"""The command line: instant --help, version, lazy imports, errors without tracebacks, one real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from liqcost import __version__
from liqcost.cli import cli, main

ROOT = Path(__file__).resolve().parents[1]


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_help_imports_nothing_heavy():
    # run in a fresh interpreter: --help must not import numba, polars, scipy, pydantic or numpy
    code = (
        "import sys; from liqcost.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('numba', 'polars', 'scipy', 'pydantic', 'numpy', 'pandas') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(), check=True).stdout
    assert "HEAVY []" in out
    assert "pretrade" in out or "config" in out


def test_version():
    r = CliRunner().invoke(cli, ["--version"])
    assert r.exit_code == 0 and __version__ in r.output


def test_unknown_command_suggests():
    r = CliRunner().invoke(cli, ["ingets"])
    assert r.exit_code == 2
    assert "Did you mean 'ingest'?" in r.output


def test_python_dash_m_subprocess(tmp_path):
    # one real subprocess through `python -m liqcost`: a data error exits 1 with one line, no traceback
    bad = tmp_path / "t.csv"
    bad.write_text("symbol,when,price,size\nA,2025-01-02T15:00:00Z,1,1\n")
    p = subprocess.run(
        [sys.executable, "-m", "liqcost", "ingest", "--kind", "trades", str(bad), "-o", str(tmp_path / "ds")],
        capture_output=True, text=True, env=_env(),
    )
    assert p.returncode == 1
    assert "Traceback" not in p.stderr
    assert "lacks 'ts'" in p.stderr and "did you mean" not in p.stderr.lower() or "when" in p.stderr


def test_internal_errors_are_one_line(monkeypatch, capsys):
    import liqcost.cli.cmd_config as cc

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr("liqcost.config.render_yaml", boom)
    try:
        main(["config", "show"])
    except SystemExit as exc:
        assert exc.code == 3
    err = capsys.readouterr().err
    assert "internal error RuntimeError: kaboom" in err and "Traceback" not in err
    del cc


def test_parquet_output_needs_file(tmp_path):
    r = CliRunner().invoke(cli, ["--format", "parquet", "sample", "--symbols", "1", "--days", "1", "--no-ingest", "-o", str(tmp_path / "s")])
    # sample writes its files; its summary table cannot go to the terminal as parquet
    assert r.exit_code == 2 and "needs -o FILE" in r.output


def test_first_run_note_only_for_a_person_waiting_on_a_compile():
    from liqcost.cli import first_run_note

    calls = []

    def cached(value):
        return lambda: calls.append(value) or value

    assert "compiling" in first_run_note("profile", 0, True, cached(False))
    assert first_run_note("profile", 0, True, cached(True)) is None
    assert first_run_note("profile", -1, True, cached(False)) is None  # -q
    assert first_run_note("profile", 0, False, cached(False)) is None  # piped / CI logs
    n = len(calls)
    assert first_run_note("config", 0, True, cached(False)) is None and len(calls) == n  # no disk look


def test_kernel_cache_is_found_under_numba_cache_dir(tmp_path, monkeypatch):
    import importlib.util

    from liqcost import cli as cli_mod

    fake = tmp_path / "pkg" / "liqcost" / "kernels"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    spec = importlib.util.spec_from_file_location("liqcost.kernels", fake / "__init__.py")
    monkeypatch.setattr(cli_mod.importlib.util, "find_spec", lambda name: spec)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    cache = tmp_path / "numba_cache"
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(cache))
    assert not cli_mod._kernels_cached()
    (cache / "x" / "kernels").mkdir(parents=True)
    (cache / "x" / "kernels" / "tickpass._partition-650.py311.nbi").write_bytes(b"")
    assert cli_mod._kernels_cached()


def test_entry_point_tunes_the_collector_and_freezes_before_exit(monkeypatch):
    """`main` (the console script) collects young objects less often and freezes what is alive when the
    command is over (a quick interpreter exit); its exit code and output are those of the command."""
    import gc

    calls = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    before = gc.get_threshold()
    try:
        with pytest.raises(SystemExit) as exc:
            main(["--version"])
        assert exc.value.code in (0, None)
        assert gc.get_threshold()[0] == 10_000 and gc.get_threshold()[1:] == before[1:]
        assert calls == ["freeze"]
        with pytest.raises(SystemExit) as exc:  # a failing command freezes too, and keeps its exit code
            main(["pretrade", "--data", "no/such/dataset", "--symbol", "X", "--side", "buy", "--qty", "1"])
        assert exc.value.code == 1 and calls == ["freeze", "freeze"]  # (a data error: 1)
    finally:
        gc.set_threshold(*before)


def test_whole_process_output_is_complete_with_the_quick_exit(tmp_path):
    """A real `python -m liqcost` process writes every byte of its -o file and its stdout before it ends."""
    import json

    from conftest import SAMPLE_DATA

    out = tmp_path / "pre.json"
    head = [sys.executable, "-m", "liqcost", "-q", "--format", "json"]
    job = ["pretrade", "--data", str(SAMPLE_DATA / "dataset"), "--orders", str(SAMPLE_DATA / "orders.csv")]
    r = subprocess.run(head + ["-o", str(out)] + job, capture_output=True, text=True, env=_env(), check=False)
    assert r.returncode == 0, r.stderr
    rows = json.loads(out.read_text())
    assert rows  # parsed whole: the file was flushed and closed
    r2 = subprocess.run(head + job, capture_output=True, text=True, env=_env(), check=False)  # to stdout
    assert r2.returncode == 0 and json.loads(r2.stdout) == rows

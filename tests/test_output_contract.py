"""The output contract of every command (``liqcost.cli.output.emit``): one table per stdout CSV, ``-o NAME.ext``
holds the main table and ``NAME.TABLE.ext`` the others, a JSON envelope with the versions, versions in the
Parquet metadata, money columns named with the configured currency; plus loggers behind -v and quiet progress."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click
import polars as pl
import pytest
from click.testing import CliRunner

from liqcost import __version__
from liqcost.cli import State, cli
from liqcost.cli.output import emit, output_paths, parquet_metadata
from liqcost.schema import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[1]
DATA = str(ROOT / "sample_data" / "dataset")

TABLES = {
    "plan": pl.DataFrame({"order_id": ["a", "a"], "qty_shares": [100, 200], "cost_usd": [1.5, 2.5]}),
    "summary": pl.DataFrame({"order_id": ["a"], "expected_cost_bps": [12.34]}),
}


def run_emit(fmt, output=None, result=TABLES, config_path=None, table_option=False, **kw):
    """Call ``emit`` inside a click command (as the commands do) and return the CliRunner result."""
    params = [click.Option(["--table"], default="both")] if table_option else []

    @click.command("demo", params=params)
    def demo(**_):
        emit(State(config_path, fmt, output, 0), result, **kw)

    return CliRunner().invoke(demo, [], catch_exceptions=False)


def test_json_is_an_envelope_with_versions():
    r = run_emit("json")
    doc = json.loads(r.stdout)
    assert doc["liqcost_version"] == __version__ and doc["schema_version"] == SCHEMA_VERSION
    assert list(doc["tables"]) == ["plan", "summary"]
    assert doc["tables"]["plan"][1] == {"order_id": "a", "qty_shares": 200, "cost_usd": 2.5}


def test_json_single_table_is_named():
    one = pl.DataFrame({"x_bps": [1.0, float("nan")]})
    assert list(json.loads(run_emit("json", result=one, title="curve").stdout)["tables"]) == ["curve"]
    doc = json.loads(run_emit("json", result=one, title="THNE: cost vs size").stdout)
    assert list(doc["tables"]) == ["demo"] and doc["tables"]["demo"][1]["x_bps"] is None  # the command's name; NaN -> null
    assert list(json.loads(run_emit("json", result=one, name="curve").stdout)["tables"]) == ["curve"]


def test_csv_on_stdout_is_one_table_with_a_note_on_the_others():
    r = run_emit("csv", table_option=True)
    assert r.stdout.splitlines() == ["order_id,qty_shares,cost_usd", "a,100,1.5", "a,200,2.5"]
    assert "not written: summary" in r.stderr and "--table NAME" in r.stderr and "-o NAME.csv" in r.stderr
    r2 = run_emit("csv")  # a command without --table: the note says how else to get them
    assert "--table" not in r2.stderr and "--format json" in r2.stderr


def test_output_file_names(tmp_path):
    assert output_paths(str(tmp_path / "plan.csv"), ["plan", "summary", "fill"], ".csv") == [
        tmp_path / "plan.csv", tmp_path / "plan.summary.csv", tmp_path / "plan.fill.csv"]
    assert output_paths(str(tmp_path / "out"), ["a", "b"], ".parquet") == [tmp_path / "out.parquet", tmp_path / "out.b.parquet"]
    r = run_emit("csv", output=str(tmp_path / "plan.csv"))
    assert r.exit_code == 0
    assert pl.read_csv(tmp_path / "plan.csv")["qty_shares"].to_list() == [100, 200]
    assert pl.read_csv(tmp_path / "plan.summary.csv").height == 1
    assert not (tmp_path / "plan.plan.csv").exists()


def test_parquet_carries_versions_table_and_currency(tmp_path):
    run_emit("parquet", output=str(tmp_path / "p.parquet"))
    meta = pl.read_parquet_metadata(tmp_path / "p.summary.parquet")
    assert meta["liqcost_version"] == __version__ and meta["liqcost_schema_version"] == str(SCHEMA_VERSION)
    assert meta["liqcost_table"] == "summary" and meta["liqcost_currency"] == "USD"
    assert pl.read_parquet(tmp_path / "p.parquet")["qty_shares"].sum() == 300
    assert parquet_metadata("x", "EUR")["liqcost_currency"] == "EUR"


def test_money_columns_are_named_with_the_configured_currency(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("session:\n  currency: usdt\n")
    doc = json.loads(run_emit("json", config_path=str(cfg)).stdout)
    assert "cost_usdt" in doc["tables"]["plan"][0] and "cost_usd" not in doc["tables"]["plan"][0]
    run_emit("parquet", output=str(tmp_path / "p.parquet"), config_path=str(cfg))
    assert "cost_usdt" in pl.read_parquet(tmp_path / "p.parquet").columns
    assert pl.read_parquet_metadata(tmp_path / "p.parquet")["liqcost_currency"] == "USDT"
    text = run_emit("table", config_path=str(cfg)).stdout
    assert "cost_usdt" in text and "cost_usd " not in text


def test_a_bad_currency_is_a_config_error(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("session:\n  currency: 'US Dollar'\n")
    r = CliRunner().invoke(cli, ["--config", str(cfg), "config", "check", str(cfg)])
    assert r.exit_code == 2 and "session.currency" in r.output and "Traceback" not in r.output


def test_the_crypto_config_names_money_in_usdt():
    r = CliRunner().invoke(cli, ["--config", str(ROOT / "configs" / "crypto.yaml"), "--format", "json", "pretrade",
                                 "--data", DATA, "--symbol", "THNA", "--side", "buy", "--qty", "1000"])
    assert r.exit_code == 0, r.output
    order = json.loads(r.stdout)["tables"]["order"][0]
    assert "cost_central_usdt" in order and "notional_usdt" in order and not any(k.endswith("_usd") for k in order)


def test_emit_takes_a_result_object():
    from liqcost.result import Problem, Result

    class R(Result):
        def tables(self):
            return {"main": pl.DataFrame({"a_bps": [1.0]}), "other": pl.DataFrame({"b": [2]})}

        @property
        def notes(self):
            return ("read me",)

        @property
        def problems(self):
            return (Problem("damaged_file", "x.parquet", "re-ingest its source"),)

    r = run_emit("json", result=R())
    assert list(json.loads(r.stdout)["tables"]) == ["main", "other"]
    assert "note: read me" in r.stderr and "x.parquet: re-ingest its source" in r.stderr


def test_terminal_table_to_a_file_has_every_column(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    wide = pl.DataFrame({f"column_number_{i}_bps": [float(i + r) for r in range(3)] for i in range(12)})
    run_emit("table", output=str(tmp_path / "t.txt"), result=wide)
    text = (tmp_path / "t.txt").read_text()
    assert "not shown" not in text and "column_number_11_bps" in text and "\x1b" not in text
    shown = run_emit("table", result=wide).stdout  # on stdout the width applies
    assert "not shown" in shown and max(len(x) for x in shown.splitlines()) <= 40


# ------------------------------------------------------------------------------------------ logs, progress


def test_verbose_shows_liqcost_info_logs_and_quiet_hides_notes(tmp_path):
    args = ["--format", "csv", "-o", str(tmp_path / "p.csv"), "pretrade", "--data", DATA, "--symbol", "THNA", "--side", "buy",
            "--qty", "100"]
    r = CliRunner().invoke(cli, ["-v", *args])
    assert r.exit_code == 0, r.output
    assert "liqcost.cli.output:" in r.stderr and "p.csv: 1 rows" in r.stderr and "wrote 1 rows" in r.stderr
    q = CliRunner().invoke(cli, ["-q", *args])
    assert q.exit_code == 0 and q.stderr == ""
    logging.getLogger("liqcost").setLevel(logging.WARNING)


def test_logging_setup_is_idempotent_and_leaves_other_loggers_alone():
    from liqcost.cli.logs import level_for, setup_logging

    before = logging.getLogger("numba").level
    for v in (2, 1, 2):
        logger = setup_logging(v)
    assert len([h for h in logger.handlers if h.get_name() == "liqcost-cli"]) == 1
    assert logger.level == logging.DEBUG and logging.getLogger("numba").level == before
    assert [level_for(v) for v in (-1, 0, 1, 2)] == [logging.ERROR, logging.WARNING, logging.INFO, logging.DEBUG]
    setup_logging(0)


def test_progress_is_silent_off_a_terminal_and_under_quiet(caplog):
    from liqcost.cli.progress import progress, step

    caplog.set_level(logging.INFO, logger="liqcost")
    with progress(State(None, "table", None, 0), 5, "symbol-days") as advance:
        for _ in range(5):
            advance()
    with step(State(None, "table", None, -1), "fitting"):
        pass
    msgs = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("symbol-days: 5 of 5 in") for m in msgs) and any(m.startswith("fitting:") for m in msgs)


@pytest.mark.parametrize("env, tty, expected", [({}, True, True), ({"NO_COLOR": "1"}, True, False), ({}, False, False),
                                                ({"FORCE_COLOR": "1"}, False, True), ({"TERM": "dumb"}, True, False)])
def test_colour_decision(monkeypatch, env, tty, expected):
    from liqcost.cli.output import use_color

    for k in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("TERM", "xterm")
    for k, v in env.items():
        monkeypatch.setenv(k, v)

    class Stream:
        def isatty(self):
            return tty

    assert use_color(Stream()) is expected

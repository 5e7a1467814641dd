"""The vendor-format registry: detection, the reader contract, option parsing, mapping files, the CLI."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from conftest import require_shared
from pydantic import ValidationError

from liqcost.config import ConfigError, load_yaml
from liqcost.errors import UsageError
from liqcost.io.formats import FORMATS, detect, get_reader, parse_options
from liqcost.io.mapping import load_mapping
from liqcost.schema import CONTRACTS

ROOT = Path(__file__).resolve().parents[1]
VENDOR_MAPPINGS = ["lobster", "taq_highfrequency", "taq_wrds", "databento", "binance", "daily_csv", "bitstamp"]


def test_registry_names_and_lazy_import():
    assert list(FORMATS) == ["dbn", "lobster", "taq", "binance", "daily_csv", "bitstamp"]
    import sys

    for module in FORMATS.values():
        assert module.startswith("liqcost.io.formats.")
    mod = get_reader("taq")
    assert mod is sys.modules["liqcost.io.formats.taq"]
    with pytest.raises(UsageError, match="unknown vendor format 'lobstr' \\(did you mean 'lobster'\\?\\)"):
        get_reader("lobstr")


@pytest.mark.parametrize("name", list(FORMATS))
def test_reader_contract(name):
    mod = importlib.import_module(FORMATS[name])
    assert mod.KINDS and set(mod.KINDS) <= {"trades", "quotes", "bars"}
    assert callable(mod.read)
    opts = mod.Options()  # every option has a default
    assert mod.Options.model_config["extra"] == "forbid" and mod.Options.model_config["frozen"]
    for field_name, field in mod.Options.model_fields.items():
        assert field.description, f"{name}.{field_name} has no description"
    with pytest.raises(ValidationError, match="frozen"):
        setattr(opts, next(iter(mod.Options.model_fields)), None)
    assert getattr(mod, "DUPLICATES", "quarantine") in ("keep", "quarantine")


def test_unknown_option_says_where():
    with pytest.raises(ConfigError) as err:
        parse_options("taq", {"max_quote_age": 5, "round_ts": "s"}, "my.yaml")
    assert sorted(err.value.problems) == [
        "options.max_quote_age: unknown key (did you mean 'max_quote_age_s'?)",
        "options.round_ts: expected 'none', 'us' or 'ms', got 's'",
    ]
    assert str(err.value.message).startswith("my.yaml: 2 problems")


@pytest.mark.parametrize("name", VENDOR_MAPPINGS)
def test_vendor_mapping_files_parse(name):
    path = ROOT / "configs" / "mappings" / f"{name}.yaml"
    mapping = load_mapping(path)
    assert mapping.format in FORMATS
    opts = parse_options(mapping.format, mapping.options, str(path))
    assert isinstance(opts, get_reader(mapping.format).Options)
    assert load_yaml(path)["format"] == mapping.format


def test_docs_list_every_option():
    text = (ROOT / "docs" / "formats.md").read_text()
    for name in FORMATS:
        for field_name, field in get_reader(name).Options.model_fields.items():
            key = field.alias or field_name
            assert f"`{key}`" in text, f"docs/formats.md does not document {name} option {key}"


def test_detect_generic_files_stay_generic(tmp_path):
    raw = ROOT / "sample_data" / "raw"
    for f in sorted(raw.glob("*.csv")):
        assert detect(f) is None, f
    bars = tmp_path / "bars.csv"
    bars.write_text("symbol,date,open,high,low,close,volume\nA,2025-03-03,1,1,1,1,1\n")
    assert detect(bars) is None
    odd = tmp_path / "x.bin"
    odd.write_bytes(b"\x00\x01\x02")
    assert detect(odd) is None
    assert detect(tmp_path / "missing.csv") is None  # never raises


def test_detect_real_files():
    data = require_shared()
    assert detect(data / "databento" / "nautilus_trader" / "futures_trades_2024-07-01T23-58_2024-07-02T00-02.dbn.zst") == "dbn"
    assert detect(data / "lobster" / "original_zips" / "LOBSTER_SampleFile_GOOG_2012-06-21_1.zip") == "lobster"
    assert detect(data / "taq_highfrequency" / "parquet" / "sampleQDataRaw.parquet") == "taq"
    assert detect(data / "binance" / "parquet" / "cm_ethusd_perp_20240809_bookticker.parquet") == "binance"
    assert detect(data / "daily_us_stocks" / "stocks_daily_sample700.parquet") == "daily_csv"
    assert detect(data / "bitstamp" / "trades-mgtox-usd-2013-01-01.csv") == "bitstamp"
    # a Parquet table that is none of these
    assert detect(data / "daily_us_stocks" / "universe_summary.parquet") is None


def test_every_reader_output_matches_its_contract():
    data = require_shared()
    cases = [
        ("dbn", data / "databento" / "databento-python" / "XNAS.ITCH" / "test_data.tbbo.dbn.zst", ["trades", "quotes"]),
        ("dbn", data / "databento" / "databento-python" / "GLBX.MDP3" / "test_data.ohlcv-1h.dbn.zst", ["bars"]),
        ("lobster", data / "lobster" / "aapl_level10_first999rows_fixture" / "AAPL_2012-06-21_34200000_57600000_message_10.csv", ["trades", "quotes"]),
        ("binance", data / "binance" / "parquet" / "cm_ethusd_perp_20240809_trades.parquet", ["trades"]),
        ("bitstamp", data / "bitstamp" / "trades-mgtox-usd-2013-01-01.csv", ["trades"]),
    ]
    for name, path, kinds in cases:
        mod = get_reader(name)
        for kind in kinds:
            out = mod.read(path, kind, mod.Options(), "America/New_York")
            contract = CONTRACTS[kind]
            names = [c for c in out.columns if not c.startswith("_")]
            assert names == [c for c in contract.names if c in names], (name, kind, out.columns)
            assert set(contract.required) <= set(names)
            for c in names:
                assert out.schema[c] == contract.polars_schema([c])[c], (name, kind, c)
            assert out.columns[-2:] == ["_row", "_reason"]
            assert out.schema["_row"] == pl.Int64 and out.schema["_reason"] == pl.String
            assert out.get_column("_row").is_unique().all()


def test_cli_ingest_with_detection_and_options(tmp_path):
    from liqcost.cli import cli

    src = require_shared("taq_highfrequency", "parquet", "sampleTDataRaw.parquet")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("format: taq\noptions:\n  conditions: {T: drop}\n  round_ts: ms\n")
    r = CliRunner().invoke(cli, ["--format", "json", "ingest", "--kind", "trades", "--mapping", str(mapping), str(src), "-o", str(tmp_path / "ds")])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)["tables"]["ingest"][0]
    assert rep["format"] == "taq" and rep["rows_read"] == 77_263
    assert "form-t sale condition: 341" in rep["reasons"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: taq\noptions:\n  nbbo: sometimes\n")
    r = CliRunner().invoke(cli, ["ingest", "--kind", "quotes", "--mapping", str(bad), str(src), "-o", str(tmp_path / "ds")])
    assert r.exit_code == 2
    assert "options.nbbo: expected 'auto', 'build', 'given' or 'off', got 'sometimes'" in r.output
    assert "Traceback" not in r.output
    # detection without --format-in or mapping
    z = require_shared("lobster", "original_zips", "LOBSTER_SampleFile_GOOG_2012-06-21_1.zip")
    r = CliRunner().invoke(cli, ["--format", "json", "ingest", "--kind", "trades", str(z), "-o", str(tmp_path / "ds")])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)["tables"]["ingest"][0]
    assert (rep["format"], rep["rows_read"], rep["rows_kept"]) == ("lobster", 11_678, 11_678)
    # a malformed vendor file: one sentence, exit code 1, no traceback
    cut = tmp_path / "cut.dbn.zst"
    cut.write_bytes(require_shared("databento", "nautilus_trader", "futures_trades_2024-07-01T23-58_2024-07-02T00-02.dbn.zst").read_bytes()[:-50])
    r = CliRunner().invoke(cli, ["ingest", "--kind", "trades", str(cut), "-o", str(tmp_path / "ds")])
    assert r.exit_code == 1 and "truncated" in r.output and "Traceback" not in r.output

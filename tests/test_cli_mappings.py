"""The column mappings shipped with liqcost: listed by ``liqcost config mappings``, found by name with ``--mapping NAME``,
and in the wheel (with py.typed and the license) so an installed liqcost finds them without a checkout."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from liqcost.cli import cli
from liqcost.data import find_mapping, mapping_info, shipped_mappings
from liqcost.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]


def test_every_mapping_file_is_listed_with_its_kind_and_what_it_reads():
    names = {p.stem for p in (ROOT / "configs" / "mappings").glob("*.yaml")}
    assert set(shipped_mappings()) == names and "fix_fills_example" in names
    r = CliRunner().invoke(cli, ["--format", "json", "config", "mappings"])
    assert r.exit_code == 0, r.output
    rows = {m["name"]: m for m in json.loads(r.stdout)["tables"]["mappings"]}
    assert set(rows) == names
    assert rows["fix_fills_example"]["kind"] == "fills" and rows["databento"]["format"] == "dbn"
    assert rows["binance"]["kind"] == "any (--kind)"
    assert all(m["description"] and Path(m["path"]).is_file() for m in rows.values())
    assert rows["vendor_csv_example"]["description"].startswith("Example: a vendor CSV")


def test_show_prints_one_to_start_from():
    r = CliRunner().invoke(cli, ["config", "mappings", "--show", "fix_fills_example"])
    assert r.exit_code == 0 and "side_values" in r.stdout and r.stdout.startswith("# Fills from a broker")
    r = CliRunner().invoke(cli, ["config", "mappings", "--show", "binanse"])
    assert r.exit_code == 2 and "Did you mean 'binance'?" in r.output


def test_names_paths_and_the_documented_paths_resolve(tmp_path, monkeypatch):
    shipped = shipped_mappings()
    assert find_mapping("binance") == shipped["binance"] == find_mapping("binance.yaml")
    assert find_mapping("configs/mappings/binance.yaml").read_text() == shipped["binance"].read_text()
    own = tmp_path / "binance.yaml"  # a file of the user's own wins over a shipped name
    own.write_text("kind: trades\n")
    monkeypatch.chdir(tmp_path)
    assert find_mapping("binance.yaml") == Path("binance.yaml")
    assert find_mapping(None) is None
    with pytest.raises(UsageError, match="not the name of a shipped mapping"):
        find_mapping("elsewhere/nope.yaml")
    assert mapping_info(shipped["taq_trades_generic"])["kind"] == "trades"


@pytest.mark.slow
def test_the_wheel_ships_the_mappings_the_license_and_py_typed(tmp_path):
    """Build the wheel (pip, hatchling from the configured index), install it into a folder, and look a mapping up
    from there, away from the checkout."""
    out = tmp_path / "wheel"
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-2000:]
    wheel = next(out.glob("liqcost-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {f"liqcost/data/mappings/{n}.yaml" for n in shipped_mappings()}
    assert shipped <= set(names)
    assert "liqcost/py.typed" in names and any(n.endswith("licenses/LICENSE") for n in names)
    target = tmp_path / "site"
    p = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-2000:]
    code = ("import liqcost.data as d; p = d.find_mapping('fix_fills_example'); "
            "print(p.is_file(), str(p).startswith(%r))" % str(target))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                       env={"PYTHONPATH": str(target), "PATH": ""})
    assert r.stdout.split() == ["True", "True"], r.stderr


def test_every_mapping_option_takes_a_name_or_says_which_exist():
    for args in (["pretrade", "--data", "x", "--orders", "o.csv"], ["plan", "--data", "x", "--orders", "o.csv"],
                 ["tca", "--data", "x"], ["calibrate", "--data", "x"], ["report", "--data", "x", "-o", "r.html"]):
        r = CliRunner().invoke(cli, [*args, "--mapping", "fix_fils_example"])
        assert r.exit_code == 2 and "Did you mean 'fix_fills_example'?" in r.output, (args, r.output)

"""``liqcost calibrate`` on the generated TCA sample (40 days, 100 metaorders, the generator's Y = 0.8; shared with
tests/test_tca_sample.py): the fit in every --format, the parameter file that ``pretrade --params`` then reads, a
fills file with bad rows (set aside, named, exit code 1 after the fit on the others), too few orders, bars only.

One real calibration runs per case that needs it; the format tests render one run's result in each format (the
command's rendering is what differs between formats)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import polars as pl
import pytest
import yaml
from conftest import cli_ok, sample_dataset_with

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
TRUE_Y = 0.8


run = cli_ok  # liqcost ARGS in-process: the exit code in ok, no traceback (tests/conftest.py)


@pytest.fixture(scope="module")
def tca_sample():
    from test_tca_sample import sample_bundle

    return Path(sample_bundle()["tmp"].name) / "tca_sample"


@pytest.fixture(scope="module")
def fitted(tca_sample, tmp_path_factory):
    """The command run once for real (table format, -o params.yaml): its output and parameter file, and the same
    calibration through the Python API (the result the format tests render)."""
    import liqcost as lc

    root = tmp_path_factory.mktemp("calibrate")
    r = run("calibrate", "--data", tca_sample / "dataset", "-o", root / "params.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the held exponents' FewObservationsWarning (the command shows it)
        api = lc.calibrate(data=tca_sample / "dataset")
    return {"root": root, "out": r, "params": root / "params.yaml", "api": api}


def test_the_fit_recovers_the_generator_and_writes_the_file(fitted):
    out = fitted["out"]
    for table in ("parameters", "buckets", "out_of_sample"):
        assert f"{table}\n" in out.stdout, table
    assert "Warning: the data do not identify istar.a3" in out.stderr  # narrow data said plainly
    assert "wrote the parameter file to" in out.stderr
    fit = fitted["api"].calibration.fit("sqrt")
    y, se = fit.value("y"), fit.se("y")
    assert abs(y - TRUE_Y) < 2 * se and abs(y - TRUE_Y / 2) > 3 * se and abs(y - 2 * TRUE_Y) > 3 * se
    assert fit.converged
    written = yaml.safe_load(fitted["params"].read_text())
    assert written["models"]["sqrt"]["y"] == pytest.approx(y, rel=1e-5)  # the CLI's file is the API's fit
    assert written["models"]["istar"]["set"] == "calibrated" and "calibrated on 90 orders" in written["source"]


def test_pretrade_reads_the_parameter_file(fitted, tca_sample):
    args = ("--format", "json", "pretrade", "--data", tca_sample / "dataset", "--symbol", "THNB", "--side", "buy", "--qty", 5000)
    base = json.loads(run(*args).stdout)["tables"]["order"][0]
    cal = json.loads(run(*args, "--params", fitted["params"]).stdout)["tables"]["order"][0]
    assert base["istar_set"] != "calibrated" and cal["istar_set"] == "calibrated"
    assert cal["cost_istar_bps"] != pytest.approx(base["cost_istar_bps"], rel=0.01)
    # the same file through the config key impact.params_file
    cfg = fitted["root"] / "cfg.yaml"
    cfg.write_text(f"impact:\n  params_file: {fitted['params']}\n")
    via_config = json.loads(run("--config", cfg, *args).stdout)["tables"]["order"][0]
    assert via_config["cost_istar_bps"] == pytest.approx(cal["cost_istar_bps"])


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_every_format(fitted, monkeypatch, tmp_path, tca_sample, fmt):
    import liqcost.app

    monkeypatch.setattr(liqcost.app, "calibrate", lambda *a, **k: fitted["api"])
    out = tmp_path / f"fit.{fmt}"
    args = ["--format", fmt] + (["-o", out] if fmt != "csv" else []) + ["calibrate", "--data", tca_sample / "dataset"]
    r = run(*args)
    if fmt == "csv":
        params = pl.read_csv(r.stdout.encode())
        assert "not written: buckets, out_of_sample" in r.stderr
    elif fmt == "json":
        doc = json.loads(out.read_text())
        assert list(doc["tables"])[:3] == ["parameters", "buckets", "out_of_sample"]
        params = pl.DataFrame(doc["tables"]["parameters"])
        assert doc["tables"]["quarantine"] == []
    else:
        params = pl.read_parquet(out)
        assert pl.read_parquet_metadata(out)["liqcost_table"] == "parameters"
        oos = pl.read_parquet(tmp_path / "fit.out_of_sample.parquet")
        assert oos.filter(pl.col("model") == "sqrt")["n_test"][0] > 0
    y = params.filter((pl.col("model") == "sqrt") & (pl.col("parameter") == "y"))
    assert y.height == 1 and {"value", "se", "unit", "r2", "rmse_bps", "converged"} <= set(params.columns)


def test_one_table_after_the_command(fitted, monkeypatch, tca_sample):
    import liqcost.app

    monkeypatch.setattr(liqcost.app, "calibrate", lambda *a, **k: fitted["api"])
    r = run("calibrate", "--data", tca_sample / "dataset", "--table", "buckets", "--format", "csv", "-q")
    b = pl.read_csv(r.stdout.encode())
    assert set(b["group"]) == {"size", "cap_band", "symbol"} and r.stderr == ""


def test_bad_fills_are_set_aside_and_the_fit_uses_the_rest(tca_sample, tmp_path):
    from liqcost.io.dataset import Dataset

    fills = Dataset(tca_sample / "dataset").scan("fills").collect()
    first = fills.row(0, named=True)
    bad = pl.DataFrame([
        {**first, "price": -1.0},                           # non-positive price: set aside when read
        {**first, "symbol": "ZZZZ", "order_id": "NEW"},    # unknown symbol: set aside by the review
    ], schema=fills.schema)
    pl.concat([fills, bad]).write_csv(tmp_path / "fills.csv")
    orders = Dataset(tca_sample / "dataset").scan("orders").collect()
    orders.write_csv(tmp_path / "orders.csv")
    params = tmp_path / "params.yaml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = run("calibrate", "--data", tca_sample / "dataset", "--fills", tmp_path / "fills.csv", "--orders",
                tmp_path / "orders.csv", "-o", params, ok=(1,))
    n = fills.height + 2
    assert f"2 of the {n} fills were set aside" in r.stderr and "the fit used them" in r.stderr
    assert f"fills.csv row {n}" in r.stderr and "unknown symbol ZZZZ" in r.stderr
    assert "non-positive" in r.stderr
    assert params.exists() and "sqrt" in yaml.safe_load(params.read_text())["models"]


def test_too_few_orders_is_said_plainly():
    r = run("calibrate", "--data", SAMPLE / "dataset", "--fills", SAMPLE / "fills.csv", "--orders", SAMPLE / "orders.csv",
            ok=(1,))
    assert "calibration needs at least 10 usable orders (calibration.min_orders)" in r.output
    assert "lower the minimum" in r.output


def test_bars_only_cannot_split_spread_and_impact(tmp_path):
    ds = sample_dataset_with(tmp_path / "ds", {"bars", "fills", "orders"})
    r = run("calibrate", "--data", ds, ok=(1,))
    assert "bars only" in r.output and "needs trades and quotes" in r.output

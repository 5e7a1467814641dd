"""``lc.calibrate`` (liqcost.app.calibrate): the models and target asked for, the parameter file written atomically
where asked, the review it rests on kept with the result."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import yaml

import liqcost as lc
from liqcost.errors import CalibrationError
from liqcost.result import Result

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dataset():
    from test_tca_sample import sample_bundle

    return Path(sample_bundle()["tmp"].name) / "tca_sample" / "dataset"


def test_one_model_on_the_whole_cost(dataset, tmp_path):
    out = tmp_path / "sub" / "params.yaml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = lc.calibrate(data=dataset, models=["sqrt"], target="cost", output=out)
    assert isinstance(run, Result) and not run.partial
    assert list(run.calibration.fits) == ["sqrt"] and run.calibration.fit("sqrt").target == "cost"
    assert set(run.summary()["model"]) == {"sqrt"}
    assert list(run.tables())[:3] == ["parameters", "buckets", "out_of_sample"]
    assert set(run.tables()["observations"]["target"]) == {"cost"}
    assert run.params_path == out and yaml.safe_load(out.read_text())["models"]["sqrt"]["y"] == pytest.approx(
        run.calibration.fit("sqrt").value("y"), rel=1e-5)
    assert not list(out.parent.glob(".params.yaml.*"))  # no temporary file left behind
    assert any("pretrade --params" in n for n in run.notes)
    assert run.review.model.n >= 95 and "parameters" in str(run)
    shown = run.display_tables()["parameters"]
    assert shown.columns[:4] == ["model", "parameter", "value", "se"] and shown.height == 1


def test_too_few_orders_raise_with_what_was_left_out():
    with pytest.raises(CalibrationError, match=r"at least 10 usable orders.*left out: profile on fewer than 5 days"):
        lc.calibrate(ROOT / "sample_data" / "fills.csv", ROOT / "sample_data" / "orders.csv", data=ROOT / "sample_data" / "dataset")

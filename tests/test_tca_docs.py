"""docs/tca.md: its command lines and its Python block run as written."""

from __future__ import annotations

import re
import shlex
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from liqcost.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def _blocks(kind: str) -> list[str]:
    text = (ROOT / "docs" / "tca.md").read_text()
    return re.findall(rf"```{kind}\n(.*?)```", text, re.S)


def _run(line: str):
    args = shlex.split(line)
    assert args[0] == "liqcost"
    res = CliRunner().invoke(cli, args[1:])
    assert res.exit_code == 0, (line, res.output)
    return res


def test_docs_blocks_run(monkeypatch):
    """The sample command is the one the shared sample bundle runs (test_tca_sample.COMMAND); the Python block and
    the pre-trade command with the parameters it wrote run in its folder (tests/test_examples.py runs every
    command line of the page)."""
    from test_tca_sample import COMMAND, sample_bundle

    bash = _blocks("bash")
    python = _blocks("python")
    assert len(bash) == 3 and len(python) == 1
    assert bash[0].strip() == COMMAND
    root = Path(sample_bundle()["tmp"].name)
    assert (root / "tca_sample" / "dataset").is_dir()
    monkeypatch.chdir(root)
    env: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the calibration's FewObservationsWarning about held exponents
        exec(compile(python[0], "docs/tca.md", "exec"), env)  # noqa: S102 - the documented example itself
    assert env["res"].orders.height == 100 and env["worst"].height == 100
    assert env["mr"].n >= 95
    assert abs(env["y"] - 0.8) < 2 * env["se"]
    assert (root / "calibrated.yaml").exists()
    out = _run(bash[1].strip().splitlines()[-1]).output
    assert "THNB" in out


@pytest.mark.parametrize("key", ["markout_horizons_s", "opportunity_price", "price_range_tolerance_frac", "own_fills_in_tape",
                                 "band_z", "outlier_z", "size_bands_frac_adv", "min_range_ratio", "f_scale", "train_frac",
                                 "permanent_horizon_s", "min_lookback_days"])
def test_docs_name_every_config_key(key):
    assert f"`{key}`" in (ROOT / "docs" / "tca.md").read_text()

"""Impact parameters: the published file, partial files, overrides per symbol and size band, clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from liqcost.config import load_config
from liqcost.errors import ConfigError
from liqcost.models.params import PUBLISHED, cap_band, default_params, load_params

ROOT = Path(__file__).resolve().parents[1]
BANDS = {"mega": 200e9, "large": 10e9, "mid": 2e9, "small": 250e6}


def test_published_file_equals_builtin_defaults():
    from_file = load_params(path=ROOT / "configs" / "impact_params.yaml").to_dict()
    builtin = default_params().to_dict()
    assert from_file["models"] == builtin["models"] == PUBLISHED["models"]
    assert from_file["uncertainty"] == builtin["uncertainty"]
    assert from_file["overrides"] == []


def test_published_values():
    m = PUBLISHED["models"]
    assert (m["almgren2005"]["eta"], m["almgren2005"]["beta"], m["almgren2005"]["gamma"]) == (0.142, 0.6, 0.314)
    assert (m["almgren2005"]["alpha"], m["almgren2005"]["delta"]) == (1.0, 0.25)  # the paper's final model
    assert m["sqrt"] == {"y": 0.8, "permanent_frac": 0.5, "rate_exponent": 0.5, "reference_participation_frac": 0.1}
    assert m["istar"]["sets"]["all"] == {"a1": 708.0, "a2": 0.55, "a3": 0.71, "a4": 0.5, "b1": 0.98}


def test_config_sqrt_y_then_file_then_overrides(tmp_path):
    cfg = load_config(overrides={"impact.sqrt_y": 0.6})
    assert load_params(cfg).models["sqrt"]["y"] == 0.6
    assert load_params(cfg).models["crossover"]["y"] == 0.6
    f = tmp_path / "cal.yaml"
    f.write_text(
        "source: calibrated on 57 fills\n"
        "models:\n  sqrt: {y: 0.93}\n  istar: {set: small}\n"
        "uncertainty: {sqrt: 0.1}\n"
        "overrides:\n"
        "  - symbol: THND\n    sqrt: {y: 1.4}\n"
        "  - cap_band: [micro]\n    sqrt: {y: 1.1}\n    istar: {set: all, a1: 900}\n"
    )
    cfg = load_config(overrides={"impact.sqrt_y": 0.6, "impact.params_file": str(f)})
    p = load_params(cfg)
    assert p.source == "calibrated on 57 fills"
    assert p.models["sqrt"]["y"] == 0.93  # the file beats impact.sqrt_y
    assert p.models["crossover"]["y"] == 0.6  # untouched by the file
    assert p.models["almgren2005"] == PUBLISHED["models"]["almgren2005"]  # partial file keeps the rest
    assert p.uncertainty["sqrt"] == 0.1 and p.uncertainty["istar"] == PUBLISHED["uncertainty"]["istar"]
    bands = cap_band([1e8, 1e8, 5e9], BANDS)  # micro, micro, mid
    r = p.resolve(["THND", "AAA", "BBB"], bands)
    # band entries first, then symbol entries: THND is micro but its own y wins
    assert r["sqrt"]["y"].tolist() == [1.4, 1.1, 0.93]
    assert r["istar"]["set"].tolist() == ["all", "all", "small"]
    assert r["istar"]["a1"].tolist() == [900.0, 900.0, 702.0]
    # round trip through YAML
    g = tmp_path / "again.yaml"
    g.write_text(p.to_yaml())
    q = load_params(path=g)
    assert q.to_dict()["models"] == p.to_dict()["models"]
    assert q.resolve(["THND", "AAA", "BBB"], bands)["sqrt"]["y"].tolist() == [1.4, 1.1, 0.93]
    # the models built from it carry per-order parameters
    models = p.build(["sqrt", "istar"], ["THND", "AAA", "BBB"], bands)
    assert models["sqrt"].y.tolist() == [1.4, 1.1, 0.93]
    assert models["istar"].a1.tolist() == [900.0, 900.0, 702.0]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("models:\n  sqrt: {y: -1}\n", "models.sqrt.y: expected greater than 0"),
        ("models:\n  sqrt: {why: 1}\n", "models.sqrt.why: unknown key (did you mean 'y'?)"),
        ("modles: {}\n", "did you mean 'models'?"),
        ("models:\n  istar: {set: tiny}\n", "models.istar.set: expected auto or one of all, large, small, got 'tiny'"),
        ("overrides:\n  - sqrt: {y: 1}\n", "overrides.0: say which names it applies to"),
        ("overrides:\n  - symbol: X\n    sqrt: {y: 0}\n", "overrides.0.sqrt.y: expected greater than 0"),
        ("models: [1, 2]\n", "models: expected a valid dictionary"),
        ("- 1\n", "expected a mapping"),
    ],
)
def test_bad_parameter_files_name_the_key(tmp_path, text, expected):
    f = tmp_path / "p.yaml"
    f.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_params(path=f)
    assert expected in err.value.message
    assert err.value.exit_code == 2


def test_missing_params_file_is_a_config_error(tmp_path):
    cfg = load_config(overrides={"impact.params_file": str(tmp_path / "nope.yaml")})
    with pytest.raises(ConfigError, match="file not found"):
        load_params(cfg)


def test_config_validates_models_and_central():
    with pytest.raises(ConfigError, match="did you mean 'istar'"):
        load_config(overrides={"impact.models": ["sqrt", "istr"]})
    with pytest.raises(ConfigError, match="central"):
        load_config(overrides={"impact.models": ["sqrt"], "impact.central": "istar"})
    assert load_config(overrides={"impact.central": "median"}).impact.central == "median"


def test_cap_band_edges():
    out = cap_band([np.nan, 0.0, 250e6, 249.9e6, 2e9, 10e9, 200e9, 1e13], BANDS)
    assert out.tolist() == ["unknown", "micro", "small", "micro", "mid", "large", "mega", "mega"]

"""Config: typed models, every problem reported by dotted key, defaults documented in configs/default.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from liqcost.cli import cli
from liqcost.config import Config, load_config, render_yaml
from liqcost.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path, text: str) -> Path:
    p = tmp_path / "c.yaml"
    p.write_text(text)
    return p


def problems(tmp_path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert info.value.exit_code == 2
    return info.value.problems


def test_defaults_file_is_the_rendered_model():
    # configs/default.yaml is what `liqcost config init` writes: docs and defaults cannot drift apart
    assert (ROOT / "configs" / "default.yaml").read_text() == render_yaml()
    assert load_config(ROOT / "configs" / "default.yaml") == Config()


def test_every_option_is_documented():
    text = render_yaml()

    def walk(model):
        for name, field in type(model).model_fields.items():
            assert field.description, f"{type(model).__name__}.{name} has no description"
            value = getattr(model, name)
            if hasattr(type(value), "model_fields") and not isinstance(value, (list, dict)):
                walk(value)

    walk(Config())
    assert text.count("# ") > 40


def test_wrong_type(tmp_path):
    msgs = problems(tmp_path, "measures:\n  quote_lag_s: soon\n")
    assert msgs == ["measures.quote_lag_s: expected a valid number, unable to parse string as a number, got 'soon'"]


def test_out_of_range(tmp_path):
    msgs = problems(tmp_path, "pretrade:\n  participation_cap_frac: 1.5\n")
    assert len(msgs) == 1 and msgs[0].startswith("pretrade.participation_cap_frac: expected less than or equal to 1")
    assert "got 1.5" in msgs[0]


def test_unknown_key_with_suggestion(tmp_path):
    msgs = problems(tmp_path, "measures:\n  quote_lag: 1\n")
    assert msgs == ["measures.quote_lag: unknown key (did you mean 'quote_lag_s'?)"]
    msgs = problems(tmp_path, "meaures:\n  quote_lag_s: 1\n")
    assert msgs == ["meaures: unknown key (did you mean 'measures'?)"]


def test_unknown_key_without_close_match_lists_known(tmp_path):
    msgs = problems(tmp_path, "session:\n  zzzzzz: 1\n")
    assert msgs[0].startswith("session.zzzzzz: unknown key; known keys: timezone, open, close")


def test_all_problems_collected(tmp_path):
    msgs = problems(tmp_path, "session:\n  timezone: Mars/Base\n  open: '25:00'\nmeasures:\n  signing: coin\n  horizons_s: [a]\n")
    keys = sorted(m.split(":")[0] for m in msgs)
    assert keys == ["measures.horizons_s.0", "measures.signing", "session.open", "session.timezone"]
    assert any("expected 'lee_ready', 'emo', 'clnv', 'tick' or 'quote', got 'coin'" in m for m in msgs)


def test_malformed_yaml_names_line(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "measures:\n  quote_lag_s: 1\n  horizons_s: [1, 2\n"))
    assert "malformed YAML at line 4" in info.value.message
    assert str(tmp_path / "c.yaml") in info.value.message


def test_top_level_not_a_mapping(tmp_path):
    with pytest.raises(ConfigError, match="expected a mapping of sections"):
        load_config(write(tmp_path, "- a\n- b\n"))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")


def test_empty_file_gives_defaults(tmp_path):
    assert load_config(write(tmp_path, "")) == Config()


def test_unquoted_sexagesimal_time(tmp_path):
    # YAML 1.1 reads 9:30 as 570; we read it back as 09:30
    cfg = load_config(write(tmp_path, "session:\n  open: 9:30\n  close: 15:45\n"))
    assert (cfg.session.open, cfg.session.close) == ("09:30", "15:45")


def test_precedence_flags_over_file_none_ignored(tmp_path):
    p = write(tmp_path, "measures:\n  quote_lag_s: 1.0\n  signing: tick\n")
    cfg = load_config(p, {"measures.quote_lag_s": None, "measures.signing": "emo"})
    assert cfg.measures.quote_lag_s == 1.0  # a flag left unset never overrides the file
    assert cfg.measures.signing == "emo"


def test_config_is_frozen():
    cfg = Config()
    with pytest.raises(Exception):
        cfg.measures.quote_lag_s = 3  # type: ignore[misc]


def test_cli_config_check_exit_codes(tmp_path):
    runner = CliRunner()
    good = write(tmp_path, "measures:\n  quote_lag_s: 1\n")
    r = runner.invoke(cli, ["config", "check", str(good)])
    assert r.exit_code == 0 and "OK" in r.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("measures:\n  quote_lagg_s: 1\n")
    r = runner.invoke(cli, ["config", "check", str(bad)])
    assert r.exit_code == 2
    assert "measures.quote_lagg_s: unknown key (did you mean 'quote_lag_s'?)" in r.output
    assert "Traceback" not in r.output


def test_cli_config_init_and_show(tmp_path):
    runner = CliRunner()
    target = tmp_path / "liqcost.yaml"
    r = runner.invoke(cli, ["config", "init", "-o", str(target)])
    assert r.exit_code == 0, r.output
    assert target.read_text() == render_yaml()
    r = runner.invoke(cli, ["config", "init", "-o", str(target)])
    assert r.exit_code == 2 and "--force" in r.output
    cfg = write(tmp_path, "measures:\n  quote_lag_s: 5\n")
    r = runner.invoke(cli, ["--config", str(cfg), "config", "show"])
    assert r.exit_code == 0
    shown = yaml.safe_load(r.output)
    assert shown["measures"]["quote_lag_s"] == 5.0
    assert shown["session"]["timezone"] == "America/New_York"

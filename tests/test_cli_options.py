"""The global options where people type them (issue 15): ``--format``, ``-o/--output``, ``--config``, ``-q`` and ``-v``
after the command name mean what they mean before it, for every command; an option a command defines itself
(``-o`` of ``ingest``, ``sample``, ``calibrate``, ``report``, ``config init``) stays the command's. Each case is
checked where click parses it (the group's and the command's own parsing, nothing run), and a few end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from liqcost.cli import COMMANDS, _available, cli, hoist_global_options

ROOT = Path(__file__).resolve().parents[1]
DATA = str(ROOT / "sample_data" / "dataset")
RAW = str(ROOT / "sample_data" / "raw" / "trades.csv")

#: a valid call of each command (as a person would type it), and whether it has its own -o
CALLS = {
    "sample": (["sample", "--symbols", "1", "--days", "1", "-o", "dir"], True),
    "ingest": (["ingest", "--kind", "trades", RAW, "-o", "ds"], True),
    "profile": (["profile", "--data", DATA, "--symbol", "THNA"], False),
    "pretrade": (["pretrade", "--data", DATA, "--symbol", "THNA", "--side", "buy", "--qty", "100"], False),
    "plan": (["plan", "--data", DATA, "--symbol", "THNA", "--side", "-1", "--qty", "100"], False),
    "tca": (["tca", "--data", DATA, "--fills", "f.csv"], False),
    "calibrate": (["calibrate", "--data", DATA, "-o", "params.yaml"], True),
    "report": (["report", "--data", DATA, "-o", "r.html"], True),
    "config": (["config", "show"], False),
    "check": (["check", "--data", DATA], False),
    "bench": (["bench", "--size", "tiny", "--repeat", "1"], False),
    "simulate": (["simulate", "--data", DATA, "--symbol", "THNB", "--side", "buy", "--qty", "3000"], False),
    "warmup": (["warmup", "--stage", "ticks"], False),
}
#: each global option as typed after the command, and what the group should then hold
OPTIONS = [
    (["--format", "json"], {"fmt": "json"}),
    (["--format=csv"], {"fmt": "csv"}),
    (["-o", "out.json"], {"output": "out.json"}),
    (["--output", "out.csv"], {"output": "out.csv"}),
    (["--config", "my.yaml"], {"config_path": "my.yaml"}),
    (["-q"], {"quiet": 1}),
    (["-v"], {"verbose": 1}),
    (["-vv"], {"verbose": 2}),
]


def test_every_built_command_is_covered():
    assert set(CALLS) >= {n for n in COMMANDS if _available(n)}


def _parse(args):
    """The group's parameters and the command's, as click parses ``liqcost ARGS`` (no callback runs)."""
    ctx = cli.make_context("liqcost", list(args))
    rewritten = hoist_global_options(cli, ctx, list(args))
    name = next(a for a in rewritten if a in COMMANDS)
    rest = rewritten[rewritten.index(name) + 1:]
    command = cli.get_command(ctx, name)
    sub = command.make_context(name, list(rest), parent=ctx)
    if name == "config":
        inner = command.get_command(sub, rest[0])
        sub = inner.make_context(rest[0], rest[1:], parent=sub)
    return ctx.params, sub.params


#: every command with every global option, but -o/--output after a command that defines its own (tested below)
CASES = [(c, o, e) for c in sorted(CALLS) for o, e in OPTIONS if not (CALLS[c][1] and o[0] in ("-o", "--output"))]


@pytest.mark.parametrize("command,option,expect", CASES, ids=[f"{c} {' '.join(o)}" for c, o, _ in CASES])
def test_a_global_option_after_the_command(command, option, expect):
    call, _ = CALLS[command]
    group, sub = _parse([*call, *option])
    for key, value in expect.items():
        assert group[key] == value, (command, option, group)
    before, _ = _parse([*option, *call])
    assert {k: group[k] for k in expect} == {k: before[k] for k in expect}


@pytest.mark.parametrize("command", [c for c, (_, own) in CALLS.items() if own])
def test_the_command_keeps_its_own_o(command):
    call, _ = CALLS[command]
    group, sub = _parse([*call, "--format", "json"])
    assert group["output"] is None and group["fmt"] == "json"
    assert "dir" in sub.values() or "ds" in sub.values() or "params.yaml" in sub.values() or "r.html" in sub.values()
    group, sub = _parse(["config", "init", "-o", "x.yaml", "-q"])
    assert group["output"] is None and group["quiet"] == 1 and sub["out"] == "x.yaml"


def test_values_of_the_command_own_options_are_not_taken_for_global_ones():
    # --side -1 is the command's value; "--" ends the options
    group, sub = _parse(["plan", "--data", DATA, "--symbol", "THNA", "--side", "-1", "--qty", "100", "-q"])
    assert sub["side"] == "-1" and group["quiet"] == 1
    ctx = cli.make_context("liqcost", ["ingest", "--kind", "trades", "--", "-q"], resilient_parsing=True)
    assert hoist_global_options(cli, ctx, ["ingest", "--kind", "trades", "--", "-q"]) == ["ingest", "--kind", "trades", "--", "-q"]


def test_the_last_value_typed_wins():
    group, _ = _parse(["--format", "csv", "profile", "--data", DATA, "--format", "json"])
    assert group["fmt"] == "json"


def test_help_says_so():
    def text(*args):
        return " ".join(CliRunner().invoke(cli, list(args)).output.split())

    assert "may also be given after the command name" in text("profile", "--help")
    own = text("calibrate", "--help")
    assert "-o/--output is this command's own option" in own and "liqcost -o FILE calibrate" in own
    assert "may come before or after the command name" in text("--help")


# ------------------------------------------------------------------------------------------ end to end
def test_format_and_output_after_the_command(tmp_path):
    out = tmp_path / "prof.json"
    r = CliRunner().invoke(cli, ["profile", "--data", DATA, "--symbol", "THNA", "--table", "profile", "--format", "json",
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text())["tables"]["profile"][0]["symbol"] == "THNA"


def test_quiet_verbose_and_config_after_the_command(tmp_path):
    args = ["pretrade", "--data", DATA, "--symbol", "THNA", "--side", "buy", "--qty", "2000", "--format", "csv"]
    quiet = CliRunner().invoke(cli, [*args, "-q"])
    assert quiet.exit_code == 0 and quiet.stderr == ""
    loud = CliRunner().invoke(cli, [*args, "-v"])
    assert loud.exit_code == 0 and len(loud.stderr) > len(quiet.stderr)
    crypto = CliRunner().invoke(cli, [*args, "-q", "--config", str(ROOT / "configs" / "crypto.yaml")])
    assert crypto.exit_code == 0, crypto.output
    assert "cost_central_usdt" in crypto.stdout.splitlines()[0]  # the config's currency names the money columns


def test_help_lists_what_is_built_and_only_that():
    r = CliRunner().invoke(cli, ["--help"])
    listed = r.output.split("Commands:")[1].split("Examples")[0]
    for name in COMMANDS:
        shown = f"\n  {name} " in listed
        assert shown == _available(name), name
        if not _available(name):  # e.g. simulate and bench until their modules land
            r2 = CliRunner().invoke(cli, [name])
            assert r2.exit_code == 2 and f"No such command '{name}'" in r2.output
    for name in ("tca", "calibrate", "report"):
        assert f"\n  {name} " in listed

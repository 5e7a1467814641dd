"""The same order is accepted or refused alike by ``pretrade`` and ``plan``, with the same message and exit code.

Each edge case goes four ways to both commands: as command-line flags, as a row of an orders file, as
keyword arguments of ``lc.pretrade`` / ``lc.plan``, and as a row of a polars frame. A bad order given as
flags is a usage error (exit 2); a name without data, or data that end before ``--asof``, is a data error
(exit 1); a bad row of a file is named on its row (``Warning: <file> row N (order X): ...``) while the
other orders are processed, and the run exits 1 (partial).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import liqcost as lc
from liqcost.cli import cli
from liqcost.errors import LiqcostError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "sample_data" / "dataset"
GOOD = {"order_id": "good", "symbol": "THNB", "side": "buy", "qty": "300"}

# name, the order (symbol, side, qty and extra columns), how it goes: "ok" or (column, words of the reason)
CASES = [
    ("qty zero", {"symbol": "THNA", "side": "buy", "qty": "0"}, ("qty", "qty 0 is not above zero")),
    ("qty negative", {"symbol": "THNA", "side": "buy", "qty": "-100"}, ("qty", "qty -100 is not above zero")),
    ("qty fractional", {"symbol": "THNA", "side": "buy", "qty": "100.5"}, ("qty", "qty 100.5 is not a whole number of shares")),
    ("qty NaN", {"symbol": "THNA", "side": "buy", "qty": "nan"}, ("qty", "qty is NaN")),
    ("qty infinite", {"symbol": "THNA", "side": "buy", "qty": "inf"}, ("qty", "qty inf is not a finite number")),
    ("qty huge", {"symbol": "THNA", "side": "buy", "qty": "1e16"}, ("qty", "qty 1e+16 is beyond 9.007e+15 shares")),
    ("qty whole as a float", {"symbol": "THNA", "side": "sell", "qty": "500.0"}, "ok"),
    ("side BUY", {"symbol": "THNA", "side": "BUY", "qty": "500"}, "ok"),
    ("side b", {"symbol": "THNA", "side": "b", "qty": "500"}, "ok"),
    ("side +1", {"symbol": "THNA", "side": "+1", "qty": "500"}, "ok"),
    ("side -1", {"symbol": "THNA", "side": "-1", "qty": "500"}, "ok"),
    ("side short", {"symbol": "THNA", "side": "short", "qty": "500"}, "ok"),
    ("side hold", {"symbol": "THNA", "side": "hold", "qty": "500"}, ("side", "side 'hold' is neither buy nor sell")),
    ("side empty", {"symbol": "THNA", "side": "", "qty": "500"}, ("side", "no side; give buy or sell")),
    ("symbol unknown", {"symbol": "ZZZZ", "side": "buy", "qty": "500"}, ("symbol", "unknown symbol 'ZZZZ'")),
    ("symbol lower case", {"symbol": "thna", "side": "buy", "qty": "500"}, ("symbol", "unknown symbol 'thna'")),
    ("symbol empty", {"symbol": "", "side": "buy", "qty": "500"}, ("symbol", "no symbol; give the name's ticker")),
    ("symbol padded", {"symbol": "  THNA ", "side": "buy", "qty": "500"}, "ok"),
    ("limit price negative", {"symbol": "THNA", "side": "buy", "qty": "500", "limit_price": "-1"},
     ("limit_price", "limit_price -1 is not a positive price")),
]
# only a file (or a frame) can say these
FILE_ONLY = [
    ("qty not a number", {"symbol": "THNA", "side": "buy", "qty": "abc"}, ("qty", "qty 'abc' is not a number")),
    ("cap above one", {"symbol": "THNA", "side": "buy", "qty": "500", "max_participation": "1.5"},
     ("max_participation", "max_participation 1.5 is outside (0, 1]")),
    ("urgency negative", {"symbol": "THNA", "side": "buy", "qty": "500", "urgency": "-1"},
     ("urgency", "urgency -1 is not a number >= 0")),
    ("end before start", {"symbol": "THNA", "side": "buy", "qty": "500", "start": "2025-04-01T15:00:00Z",
                          "end": "2025-04-01T14:00:00Z"}, ("end", "is not after start")),
    ("duplicate id", {"order_id": "good", "symbol": "THNA", "side": "buy", "qty": "500"},
     ("order_id", "order_id 'good' is also on row ")),
]
COMMANDS = ("pretrade", "plan")
FUNCTIONS = {"pretrade": lc.pretrade, "plan": lc.plan}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("orders")
    prof = tmp / "prof.parquet"
    lc.profile(DATA, tables="profile").profile.write_parquet(prof)
    cfg = tmp / "cfg.yaml"
    cfg.write_text("planner:\n  limit_rules: [cross]\n")  # no fill model to fit: the plan is quick
    return {"tmp": tmp, "profile": str(prof), "config": str(cfg)}


def run(env, *args):
    return CliRunner().invoke(cli, ["-q", "--config", env["config"], *[str(a) for a in args]])


def flags(order: dict) -> list[str]:
    out = ["--symbol", order["symbol"], "--side", order["side"], "--qty", order["qty"]]
    if "limit_price" in order:
        out += ["--limit-price", order["limit_price"]]
    return out


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(("Error:", "Warning:"))]


def write_book(env, name: str, order: dict) -> Path:
    rows = [GOOD, {"order_id": order.get("order_id", "edge"), **{k: v for k, v in order.items() if k != "order_id"}}]
    cols = list(dict.fromkeys(c for r in rows for c in r))
    path = env["tmp"] / (name.replace(" ", "_") + ".csv")
    path.write_text(",".join(cols) + "\n" + "".join(",".join(r.get(c, "") for c in cols) + "\n" for r in rows))
    return path


def _value(order: dict, key: str):
    v = order[key]
    return float(v) if key in ("qty", "limit_price", "max_participation", "urgency") else v


def api_outcome(fn, **kwargs):
    try:
        res = fn(**kwargs)
    except LiqcostError as exc:
        return ("raised", type(exc).__name__, exc.exit_code, exc.message)
    return ("ok", tuple(str(p) for p in res.problems), res.partial)


# ------------------------------------------------------------------------------------------ as flags
@pytest.mark.parametrize("name, order, expect", CASES, ids=[c[0] for c in CASES])
def test_flags_same_verdict_message_and_exit_code(env, name, order, expect):
    got = {cmd: run(env, cmd, "--profile", env["profile"], *flags(order)) for cmd in COMMANDS}
    codes = {cmd: r.exit_code for cmd, r in got.items()}
    messages = {cmd: error_lines(r.output) for cmd, r in got.items()}
    assert messages["pretrade"] == messages["plan"], messages
    assert codes["pretrade"] == codes["plan"], codes
    if expect == "ok":
        assert codes["plan"] == 0, got["plan"].output
        return
    column, words = expect
    assert len(messages["plan"]) == 1 and words in messages["plan"][0]
    assert codes["plan"] == (1 if column == "symbol" and "unknown" in words else 2)
    assert "Traceback" not in got["plan"].output


@pytest.mark.parametrize("name, order, expect", CASES, ids=[c[0] for c in CASES])
def test_api_keywords_same_verdict_and_message(env, name, order, expect):
    kw = {k: _value(order, k) for k in ("symbol", "side", "qty", "limit_price") if k in order}
    outcomes = {name: api_outcome(fn, profile=env["profile"], config=env["config"], **kw) for name, fn in FUNCTIONS.items()}
    assert outcomes["pretrade"] == outcomes["plan"], outcomes
    if expect == "ok":
        assert outcomes["plan"] == ("ok", (), False)
    else:
        assert outcomes["plan"][0] == "raised" and expect[1] in outcomes["plan"][3]


# ------------------------------------------------------------------------------------- as a row of a book
@pytest.mark.parametrize("name, order, expect", CASES + FILE_ONLY, ids=[c[0] for c in CASES + FILE_ONLY])
def test_file_row_same_verdict_message_and_exit_code(env, name, order, expect):
    book = write_book(env, name, order)
    got = {cmd: run(env, cmd, "--profile", env["profile"], "--orders", book) for cmd in COMMANDS}
    assert error_lines(got["pretrade"].output) == error_lines(got["plan"].output)
    assert got["pretrade"].exit_code == got["plan"].exit_code
    lines = error_lines(got["plan"].output)
    if expect == "ok":
        assert got["plan"].exit_code == 0 and lines == [], got["plan"].output
        return
    _, words = expect
    assert got["plan"].exit_code == 1
    assert lines[0].startswith(f"Warning: {book} row 3 (order ") and words in lines[0]
    assert lines[-1].startswith("Error: 1 of the orders could not be used")


@pytest.mark.parametrize("name, order, expect", CASES + FILE_ONLY, ids=[c[0] for c in CASES + FILE_ONLY])
def test_api_frame_row_same_verdict_and_message(env, name, order, expect):
    rows = [GOOD, {"order_id": "edge", **order}]
    frame = pl.DataFrame(rows, schema={c: pl.String for r in rows for c in r})  # a frame as a file reads it: text
    outcomes = {name: api_outcome(fn, orders=frame.lazy(), profile=env["profile"], config=env["config"])
                for name, fn in FUNCTIONS.items()}
    assert outcomes["pretrade"] == outcomes["plan"], outcomes
    if expect == "ok":
        assert outcomes["plan"] == ("ok", (), False)
    else:
        problems = outcomes["plan"][1]
        assert outcomes["plan"][2] and len(problems) == 1 and problems[0].startswith("orders row 2 (order ")
        assert expect[1] in problems[0]


# --------------------------------------------------------------------------------- dates outside the data
@pytest.mark.parametrize("asof, ok", [("2025-01-15", False), ("2030-01-02", True)])
def test_asof_outside_the_data_same_for_both(env, asof, ok):
    got = {cmd: run(env, cmd, "--data", DATA, "--asof", asof, "--symbol", "THND", "--side", "sell", "--qty", 300)
           for cmd in COMMANDS}
    assert got["pretrade"].exit_code == got["plan"].exit_code == (0 if ok else 1)
    assert error_lines(got["pretrade"].output) == error_lines(got["plan"].output)
    if not ok:
        assert error_lines(got["plan"].output) == [f"Error: {DATA}: no data on or before 2025-01-15; the dataset starts on 2025-03-03."]
    kw = {"data": DATA, "config": env["config"], "asof": dt.date.fromisoformat(asof), "symbol": "THND", "side": "sell", "qty": 300}
    a, b = api_outcome(lc.pretrade, **kw), api_outcome(lc.plan, **kw)
    assert a == b and (a[0] == "ok") == ok


def test_the_table_covers_the_brief():
    assert len(CASES) + len(FILE_ONLY) + 2 >= 15

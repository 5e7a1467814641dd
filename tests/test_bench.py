"""``liqcost bench``: the stages run and are reported per core setting, JSON round trip, --compare, peers checked
equal before timing (a disagreeing peer is refused, a missing peers package is said), help examples run.

No timed assertion: the figures are only checked to be present and consistent (positive, the floor's ratio 1).
"""

from __future__ import annotations

import json
import os
import shlex
import textwrap

import polars as pl
import pytest
from click.testing import CliRunner

from liqcost.app.bench import ON_REQUEST, STAGES, bench, check_equal, compare_rows, load_results
from liqcost.cli import cli
from liqcost.errors import UsageError


def _invoke(args, env=None):
    r = CliRunner().invoke(cli, args, env=env)
    assert r.exit_code == 0, r.output + repr(r.exception)
    return r


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One run as the help's second example, with --json: every stage, one core, the peers."""
    d = tmp_path_factory.mktemp("bench")
    out = d / "bench.json"
    from conftest import ROOT  # the peers of this checkout, whether liqcost is installed editable or not

    r = _invoke(["bench", "--size", "tiny", "--repeat", "1", "--cores", "one", "--peers", "--json", str(out)],
                env={"LIQCOST_PEERS_DIR": str(ROOT / "benchmarks" / "peers")})
    return r, json.loads(out.read_text()), d


def test_every_stage_reported_with_consistent_figures(tiny_run):
    _, data, _ = tiny_run
    rows = {r["stage"]: r for r in data["stages"]}
    assert set(rows) == set(STAGES) - set(ON_REQUEST)  # generated data: ingest and the bar stages run too
    for r in rows.values():
        assert r["cores"] == "one" and r["rows"] > 0 and r["median_ms"] > 0 and len(r["runs_ms"]) == 1
        assert r["rows_per_s"] == pytest.approx(r["rows"] / (r["median_ms"] / 1e3), rel=0.01, abs=1)
        assert r["peak_rss_mb"] > 0
    assert rows["read"]["ratio_to_floor"] == 1
    assert rows["read"]["rows"] == rows["ingest"]["rows"] == rows["profile_e2e"]["rows"]  # trades + quotes
    assert rows["tick_pass"]["rows"] == data["machine"]["counts"]["trades"]
    m = data["machine"]
    assert m["cpus"] >= 1 and len(m["loadavg_before"]) == 3 and "numba" in m["versions"] and m["repeat"] == 1
    assert {r["stage"] for r in data["compile"]} == {"ticks", "bars-moments", "bars-edge-lot", "fills"}


def test_peers_checked_equal_then_timed(tiny_run):
    _, data, _ = tiny_run
    peers = {p["peer"]: p for p in data["peers"]}
    assert set(peers) == {"pandas", "polars", "bidask"}
    for name, p in peers.items():
        assert p["status"] == "timed", p
        assert p["max_abs_diff"] < 1e-6 and p["columns_checked"] >= 1
        assert p["peer_ms"] > 0 and p["ratio"] == pytest.approx(p["peer_ms"] / p["liqcost_ms"], rel=0.01, abs=0.001)
    assert peers["pandas"]["stage"] == "ticks_daily" and peers["bidask"]["stage"] == "edge"
    assert peers["pandas"]["columns_checked"] == 19  # n_trades, volume, vwap, 2 spreads, 14 horizons


def test_table_output_names_the_stages(tiny_run):
    r, _, _ = tiny_run
    assert "tick_pass" in r.output and "ratio_to_floor" in r.output and "peers" in r.output
    assert "load average" in r.output


def test_json_round_trip_and_compare(tiny_run):
    _, data, d = tiny_run
    back = load_results(d / "bench.json")
    assert back["stages"] == data["stages"]
    rows = compare_rows(data["stages"], back)
    assert {r["stage"] for r in rows} == set(STAGES) - set(ON_REQUEST)
    assert all(r["change_pct"] == 0.0 for r in rows)
    slower = [dict(r, median_ms=2 * r["median_ms"]) for r in data["stages"]]
    assert all(r["change_pct"] == 100.0 for r in compare_rows(slower, back))
    other = [dict(r, cores="all") for r in data["stages"]]  # never compared across core settings
    assert compare_rows(other, back) == []


def test_compare_file_errors_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        load_results(tmp_path / "missing.json")
    (tmp_path / "x.json").write_text('{"a": 1}')
    with pytest.raises(UsageError, match="not a `liqcost bench --json` file"):
        load_results(tmp_path / "x.json")
    r = CliRunner().invoke(cli, ["bench", "--size", "tiny", "--compare", str(tmp_path / "missing.json")])
    assert r.exit_code == 2 and "no such file" in r.output and "Traceback" not in r.output


def test_check_equal_counts_differences_nan_and_missing_rows():
    ours = pl.DataFrame({"symbol": ["A", "A", "B"], "date": [1, 2, 1], "x_bps": [1.0, 2.0, float("nan")]})
    same = ours.with_columns(pl.col("x_bps") + 1e-9)
    assert check_equal(same, ours, ("symbol", "date"), 1e-6, 0)["equal"]
    off = ours.with_columns(pl.when(pl.col("date") == 2).then(2.5).otherwise(pl.col("x_bps")).alias("x_bps"))
    chk = check_equal(off, ours, ("symbol", "date"), 1e-6, 0)
    assert not chk["equal"] and chk["mismatched"] == 1 and chk["max_abs_diff"] == pytest.approx(0.5)
    nan_vs_value = ours.with_columns(pl.col("x_bps").fill_nan(3.0))
    assert check_equal(nan_vs_value, ours, ("symbol", "date"), 1e-6, 0)["mismatched"] == 1
    extra = pl.concat([ours, pl.DataFrame({"symbol": ["C"], "date": [1], "x_bps": [1.0]})])
    assert check_equal(extra, ours, ("symbol", "date"), 1e-6, 0)["missing"] == 1


_BAD_PEERS = '''
"""Two peers of the tick measures' volume: one right, one 1% off (it must be refused, not timed)."""
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Peer:
    name: str
    stage: str
    description: str
    prepare: Callable
    run: Callable
    result: Callable
    keys: tuple = ("symbol", "date")
    requires: tuple = ()
    atol: float = 1e-6
    rtol: float = 1e-9

    def unavailable(self):
        import importlib.util

        missing = [m for m in self.requires if importlib.util.find_spec(m) is None]
        return f"needs {missing[0]}" if missing else None


def _prepare(inputs):
    import polars as pl

    date = pl.col("ts").dt.convert_time_zone(inputs["timezone"]).dt.date().alias("date")
    return inputs["trades"].select("symbol", date, "size")


def _volume(factor):
    def run(t):
        import polars as pl

        return t.group_by("symbol", "date").agg((pl.col("size").sum() * factor).alias("volume_shares"))
    return run


def _fails(t):
    raise RuntimeError("peer bug")


PEERS = (Peer("right", "ticks_daily", "volume per symbol-day", _prepare, _volume(1.0), lambda f: f),
         Peer("wrong", "ticks_daily", "volume 1% high", _prepare, _volume(1.01), lambda f: f),
         Peer("raises", "ticks_daily", "a peer with a bug", _prepare, _fails, lambda f: f),
         Peer("absent", "ticks_daily", "needs a module not installed", _prepare, _volume(1.0), lambda f: f,
              requires=("no_such_module_for_liqcost",)))
'''


def test_a_peer_that_disagrees_or_fails_is_refused_not_timed(tmp_path):
    pkg = tmp_path / "mypeers"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(textwrap.dedent(_BAD_PEERS))
    import contextlib

    ticks = []

    def progress(total, label):
        ticks.append((total, label))
        return contextlib.nullcontext(lambda n=1: ticks.append(n))

    res = bench("tiny", repeat=1, cores="one", peers=True, peers_dir=pkg, stages=["ticks_daily"], warm=False,
                progress=progress)
    assert ticks == [(2, "rounds"), 1, 1]  # the untimed first round and one timed round, as they finish
    peers = {p["peer"]: p for p in res.peers}
    assert peers["right"]["status"] == "timed" and peers["right"]["peer_ms"] > 0
    assert peers["wrong"]["status"] == "refused" and "peer_ms" not in peers["wrong"]
    assert "disagrees with liqcost" in peers["wrong"]["reason"] and "volume_shares" in peers["wrong"]["reason"]
    assert peers["raises"]["status"] == "refused" and "RuntimeError: peer bug" in peers["raises"]["reason"]
    assert peers["absent"]["status"] == "unavailable" and "no_such_module_for_liqcost" in peers["absent"]["reason"]
    assert [r["stage"] for r in res.stages] == ["read", "ticks_daily"]  # the floor is always timed


def test_missing_peers_package_is_said_clearly(tmp_path):
    env = {"LIQCOST_PEERS_DIR": str(tmp_path / "nowhere")}
    r = _invoke(["bench", "--size", "tiny", "--repeat", "1", "--cores", "one", "--stage", "read", "--peers"], env=env)
    assert "peers unavailable" in r.output and "not a peers package" in r.output
    assert "unavailable" in r.output


def _help_examples() -> list[list[str]]:
    r = CliRunner().invoke(cli, ["bench", "--help"])
    assert r.exit_code == 0
    return [shlex.split(line.strip())[1:] for line in r.output.split("Examples:")[1].splitlines()
            if line.strip().startswith("liqcost ")]


def _doc_examples() -> list[list[str]]:
    import re

    from conftest import BENCH_DOCS, ROOT

    out = []
    for doc in BENCH_DOCS:
        for block in re.findall(r"```bash\n(.*?)```", (ROOT / doc).read_text(), flags=re.S):
            for line in block.splitlines():
                line = line.split("  #")[0].strip()
                if line.startswith("liqcost bench"):
                    out.append(shlex.split(line)[1:])
    return out


def _cheap(args: list[str]) -> list[str]:
    """The same command on the tiny size, one round, one core unless the example chooses its cores."""
    args = ["tiny" if a in ("small", "medium", "large") else a for a in args]
    return args + (["--repeat", "1"] if "--repeat" not in args else []) + (["--cores", "one"] if "--cores" not in args else [])


def test_doc_examples_run_on_the_tiny_size(tmp_path, monkeypatch):
    from conftest import SAMPLE_DATA

    import shutil

    examples = _doc_examples()
    assert len(examples) >= 5 and any("--compare" in e for e in examples) and any("--data" in e for e in examples)
    shutil.copytree(SAMPLE_DATA / "dataset", tmp_path / "sample_data" / "dataset")
    monkeypatch.chdir(tmp_path)
    done = set()
    outputs = {}
    for args in map(_cheap, examples):
        if tuple(args) in done or args == ["bench", "--size", "tiny", "--peers", "--repeat", "1", "--cores", "one"]:
            continue  # the README's line on the tiny size is the module fixture's run
        done.add(tuple(args))
        outputs[tuple(args)] = _invoke(args).output
    assert os.path.exists("medium.json")
    whole = [out for args, out in outputs.items() if "process_profile" in args]
    assert whole  # the whole-process stages ran too, each reported
    for stage in ON_REQUEST:
        assert any(f"one    {stage}" in out for out in whole), stage


def test_help_examples_run(tmp_path, monkeypatch):
    examples = _help_examples()
    assert examples[0] == ["bench", "--size", "small"]  # ~1 minute: measured for docs/BENCHMARKS.md, not here
    assert examples[1] == ["bench", "--size", "tiny", "--repeat", "1", "--cores", "one", "--peers"]  # = tiny_run
    monkeypatch.chdir(tmp_path)
    for args in examples[2:]:
        _invoke(args)
    assert os.path.exists("before.json")
    out = json.loads(open("bench_out.json").read())
    assert {r["stage"] for r in out["tables"]["stages"]} == {"read", "pretrade"}  # the usual JSON envelope


def test_peers_found_in_the_checkout_or_the_current_folder(tmp_path, monkeypatch):
    import liqcost
    from conftest import ROOT

    from liqcost.app.bench import find_peers

    monkeypatch.delenv("LIQCOST_PEERS_DIR", raising=False)
    monkeypatch.setattr(liqcost, "__file__", str(tmp_path / "site" / "pkgs" / "liqcost" / "__init__.py"))  # a wheel
    monkeypatch.chdir(ROOT)
    assert find_peers() == {"dir": str((ROOT / "benchmarks" / "peers").resolve()), "error": None}
    monkeypatch.chdir(tmp_path)
    missing = find_peers()
    assert missing["dir"] is None and "LIQCOST_PEERS_DIR" in missing["error"] and "pip install -e ." in missing["error"]
    monkeypatch.setenv("LIQCOST_PEERS_DIR", str(ROOT / "benchmarks" / "peers"))
    assert find_peers()["error"] is None


def test_the_docs_latest_figures_are_the_saved_run():
    """docs/BENCHMARKS.md's "Latest figures" block is benchmarks/bench_table.py's rendering of the saved JSON,
    word for word: the page cannot drift from the run it names."""
    import importlib.util

    from conftest import ROOT

    spec = importlib.util.spec_from_file_location("bench_table", ROOT / "benchmarks" / "bench_table.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    path = "benchmarks/results/bench_cli_medium.json"
    text = mod.render(json.loads((ROOT / path).read_text()), path)
    assert "| `ticks_daily` |" in text and "| one | pandas | `ticks_daily` |" in text
    assert text in (ROOT / "docs" / "BENCHMARKS.md").read_text()

"""A command compiles (or loads) only the kernels it uses.

Each command runs in its own process; what it used is read from the dispatchers that hold a signature after
the run (compiled or loaded from numba's cache alike), never from timings. The commands use the suite's
numba cache: compiling the bar estimators from an empty cache here again cost three minutes of the suite,
and a kernel loaded from the cache counts as used just as one compiled. ``warmup`` writing the cache is
checked with a fresh ``NUMBA_CACHE_DIR`` on its smallest stage. ``pretrade`` on a dataset with trades and quotes only uses no bar estimator; on the sample
(ticks and bars, every tick value defined) neither; on bars only, the estimators its prices read;
``plan`` adds the fill kernels; ``warmup`` compiles each stage once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLE_DATA

from liqcost.cli import cli

# runs one liqcost command in this process, then prints the kernels that hold a signature
_PROBE = textwrap.dedent("""
    import json, sys
    from liqcost.cli import main
    try:
        main(sys.argv[1:])
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    from numba.core.registry import CPUDispatcher
    used = {}
    for name, mod in list(sys.modules.items()):
        if name.startswith("liqcost.kernels.") and mod is not None:
            for attr, obj in vars(mod).items():
                if isinstance(obj, CPUDispatcher) and obj.py_func.__module__ == name and obj.signatures:
                    used[name.rsplit(".", 1)[1] + "." + attr] = len(obj.signatures)
    print("USED " + json.dumps(used))
""")


def _run(args) -> dict[str, int]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    p = subprocess.run([sys.executable, "-c", _PROBE, "-q", *map(str, args)], capture_output=True, text=True, env=env,
                       cwd=ROOT)
    assert p.returncode == 0, p.stderr[-2000:]
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("USED ")][-1]
    return json.loads(line[5:])


def _cache_modules(cache: Path) -> set[str]:
    """Kernel modules with a cache index in ``cache`` (files ``<module>.<function>-<line>.py*.nbi``)."""
    return {f.name.split(".", 1)[0] for f in cache.rglob("*.nbi")}


@pytest.fixture(scope="module")
def ticks_only(tmp_path_factory) -> Path:
    ds = tmp_path_factory.mktemp("ticks_only") / "ds"
    for kind in ("trades", "quotes"):
        r = CliRunner().invoke(cli, ["-q", "ingest", "--kind", kind, str(SAMPLE_DATA / "raw" / f"{kind}.csv"), "-o", str(ds)])
        assert r.exit_code == 0, r.output
    return ds


@pytest.fixture(scope="module")
def bars_only(tmp_path_factory) -> Path:
    ds = tmp_path_factory.mktemp("bars_only") / "ds"
    r = CliRunner().invoke(cli, ["-q", "ingest", "--kind", "bars", str(SAMPLE_DATA / "raw" / "bars.csv"), "-o", str(ds)])
    assert r.exit_code == 0, r.output
    return ds


@pytest.mark.slow
def test_commands_compile_only_the_kernels_they_use(ticks_only, bars_only):
    orders = SAMPLE_DATA / "orders.csv"

    used = _run(["pretrade", "--data", ticks_only, "--orders", orders])
    assert "tickpass.tick_pass" in used
    assert not [k for k in used if k.startswith(("bar_", "fills."))], used

    # the sample has bars too, but every value pricing takes from them is defined on the ticks (the
    # zero-volume share it reports from the bars needs no kernel): no bar kernel runs, the tick pass loads
    used = _run(["pretrade", "--data", SAMPLE_DATA / "dataset", "--orders", orders])
    assert not [k for k in used if k.startswith("bar_")], used

    used = _run(["plan", "--data", SAMPLE_DATA / "dataset", "--symbol", "THNB", "--side", "buy", "--qty", "8000"])
    assert "fills.virtual_fills" in used and "tickpass.tick_pass" in used
    assert not [k for k in used if k.startswith("bar_")], used

    # a bars-only dataset needs the estimators behind spread_bps (bars.spread_estimators), the volatility
    # and the volume families, but not LOT nor the zero-return/FHT family
    used = _run(["pretrade", "--data", bars_only, "--symbol", "THNA", "--side", "buy", "--qty", "1000"])
    fams = {k.split(".")[0] for k in used if k.startswith("bar_")} - {"bar_numerics"}  # (shared helpers)
    assert fams == {"bar_edge", "bar_ar", "bar_roll", "bar_cs", "bar_volatility", "bar_volume"}, used
    assert "tickpass.tick_pass" not in used


def test_bar_profile_imports_only_the_families_it_runs():
    # no compile needed: which kernel modules does a bars profile import for a given set of families?
    code = textwrap.dedent("""
        import sys
        import polars as pl, datetime as dt
        from liqcost.measures.bars import bar_profile
        days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(40)]
        bars = pl.DataFrame({"symbol": "A", "date": days, "open": 10.0, "high": 10.2, "low": 9.9, "close": 10.1,
                             "volume": 100.0})
        prof = bar_profile(bars, families=[], complete=False)  # (stand-ins would fill spread_bps)
        assert prof["spread_bps"].is_nan().all() and (prof["roll_spread_reason"] == "not_computed").all()
        print(sorted(m for m in sys.modules if m.startswith("liqcost.kernels.")))
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env=dict(os.environ, PYTHONPATH=str(ROOT / "src")))
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip().splitlines()[-1] == "['liqcost.kernels.bar_numerics']"


@pytest.mark.slow
def test_warmup_compiles_a_stage_once_then_loads_it(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"), PYTHONPATH=str(ROOT / "src"))

    def warm():
        p = subprocess.run([sys.executable, "-m", "liqcost", "-q", "--format", "json", "warmup", "--stage", "fills",
                            "--jobs", "1"], capture_output=True, text=True, env=env, cwd=ROOT)
        assert p.returncode == 0, p.stderr[-2000:]
        (row,) = json.loads(p.stdout)["tables"]["warmup"]
        return row

    first = warm()
    assert first["stage"] == "fills" and first["kernels_compiled"] >= 1
    assert "fills" in _cache_modules(tmp_path / "numba")
    second = warm()
    assert second["kernels_compiled"] == 0 and second["kernels_loaded"] >= 1


def test_one_worker_warms_its_stages_in_turn_and_a_failure_names_the_stage(monkeypatch):
    """Stages are dealt round-robin to the workers; a worker that dies names the stage it was on, not its first."""
    from liqcost.app import warmup as W

    seen = []

    class Died:
        returncode = 1
        stderr = "Traceback (most recent call last):\n  ...\nMemoryError\n"

        def __init__(self, group):
            self.stdout = json.dumps({"stage": group[0], "kernels_compiled": 1, "kernels_loaded": 0, "seconds": 1.0}) + "\n"

    def fake_run(cmd, **kw):
        seen.append(cmd[3:])
        return Died(cmd[3:])

    monkeypatch.setattr(subprocess, "run", fake_run)
    with pytest.raises(W.WarmupError, match="warmup stage 'ticks' failed \\(MemoryError\\)"):
        W.run_stages(["bars-moments", "ticks"], 1)
    assert seen == [["bars-moments", "ticks"]]
    seen.clear()
    with pytest.raises(W.WarmupError):
        W.run_stages(["bars-moments", "ticks", "bars-edge-lot", "fills"], 2)
    assert sorted(seen) == [["bars-moments", "bars-edge-lot"], ["ticks", "fills"]]


def test_a_worker_counts_each_stage_on_its_own(tmp_path):
    """Two stages in one worker: the second's counts are its own kernels, not the running total of the process."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    p = subprocess.run([sys.executable, "-m", "liqcost.app.warmup", "fills", "fills"], capture_output=True, text=True,
                       env=env, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-2000:]
    first, second = (json.loads(ln) for ln in p.stdout.splitlines())
    assert first["kernels_compiled"] + first["kernels_loaded"] >= 1
    assert second["kernels_compiled"] == second["kernels_loaded"] == 0  # already in this process: nothing new


def test_warmup_stage_failure_is_one_sentence(monkeypatch):
    import liqcost.cli.cmd_warmup as W

    class Failed:
        returncode = 1
        stdout = ""
        stderr = "Traceback (most recent call last):\n  ...\nRuntimeError: LLVM ran out of memory\n"

    monkeypatch.setattr(subprocess, "run", lambda *a, **k: Failed())
    r = CliRunner().invoke(cli, ["-q", "warmup", "--stage", "fills", "--jobs", "1"])
    assert r.exit_code == 3
    assert "warmup stage 'fills' failed (RuntimeError: LLVM ran out of memory)" in r.output
    assert "Traceback" not in r.output and W.STAGES

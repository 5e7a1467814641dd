"""The Dask backend: a real LocalCluster of 2 worker processes gives the local engine's results.

``profile`` over a generated multi-symbol, multi-day dataset equals the in-process run (frames equal), also
with a damaged part file (reported, the other symbols complete) and when a worker process dies mid-run
(its batch is rescheduled: same result). A batch that keeps failing is reported and its symbols are left
out whole (never half merged); the command exits with code 1.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from functools import partial

import pytest

distributed = pytest.importorskip("distributed")

from click.testing import CliRunner  # noqa: E402

from liqcost.app import profile  # noqa: E402
from liqcost.cli import cli  # noqa: E402
from liqcost.config import load_config  # noqa: E402
from liqcost.engine import run_tasks  # noqa: E402
from liqcost.errors import DamagedFileWarning, PartitionFailedWarning, UsageError  # noqa: E402
from liqcost.io.dataset import Dataset  # noqa: E402
from liqcost.measures import daily as daily_mod  # noqa: E402

# the real partition function (on a worker this module is imported afresh: never the test's stand-ins)
REAL_TASK = daily_mod._dataset_task
VICTIM = "THNB"
# small batches: one or two symbol-days each, so a run is many tasks spread over both workers
OVERRIDES = {"engine.batch_rows": 1000, "engine.retries": 1}


@pytest.fixture(scope="module")
def scheduler():
    """One LocalCluster for the module: 2 worker processes, one thread each, one thread budget."""
    from conftest import two_worker_cluster

    with two_worker_cluster() as address:
        yield address


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """5 symbols x 8 days generated and ingested (about 4,000 trades and 14,000 quotes)."""
    from liqcost.io.synth import generate, write_sample

    out = tmp_path_factory.mktemp("dask_sample")
    write_sample(generate(n_symbols=5, n_days=8, seed=21, trades_per_day=80, dirt=False), out)
    return out / "dataset"


def _config(scheduler=None, **more):
    return load_config(overrides={**OVERRIDES, "engine.scheduler": scheduler, **more})


def _run(ds, scheduler=None, **more):
    return profile(ds, config=_config(scheduler, **more), tables="all")


def _equal(a, b) -> bool:
    return a.equals(b, null_equal=True)


def _same_tables(got, want) -> None:
    assert got.tables().keys() == want.tables().keys()
    for name, frame in want.tables().items():
        assert _equal(got.tables()[name], frame), name


@pytest.fixture(scope="module")
def local_result(dataset):
    return _run(dataset)


def test_profile_on_the_cluster_equals_the_local_engine(dataset, scheduler, local_result):
    got = _run(dataset, scheduler)
    assert got.daily.get_column("symbol").n_unique() == 5 and got.daily.height >= 40
    _same_tables(got, local_result)


def test_the_audit_table_written_by_the_workers_equals_the_local_one(dataset, scheduler, tmp_path):
    import polars as pl

    local = profile(dataset, config=_config(), tables="daily", trades_out=tmp_path / "local.parquet")
    out = tmp_path / "out" / "dask.parquet"
    got = profile(dataset, config=_config(scheduler), tables="daily", trades_out=out)
    assert got.n_trades == local.n_trades > 3000
    assert _equal(pl.read_parquet(out), pl.read_parquet(tmp_path / "local.parquet"))
    assert [p.name for p in out.parent.iterdir()] == ["dask.parquet"]  # the workers' parts are cleaned up


def _damaged_copy(dataset, dst):
    shutil.copytree(dataset, dst)
    d = Dataset(dst)
    (f,) = [f for f in d.state.files.values() if f.kind == "trades" and f.symbol == VICTIM]
    path = dst / f.path
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # truncated
    return path


def test_a_damaged_part_file_is_reported_and_the_rest_equals_the_local_engine(dataset, scheduler, tmp_path):
    ds = tmp_path / "ds"
    bad = _damaged_copy(dataset, ds)
    with pytest.warns(DamagedFileWarning, match="cannot be read"):
        want = _run(ds)
    with pytest.warns(DamagedFileWarning) as caught:
        got = _run(ds, scheduler)
    assert [str(bad) in str(w.message) for w in caught if w.category is DamagedFileWarning] == [True]
    _same_tables(got, want)
    assert set(got.profile.get_column("symbol")) == {"THNA", "THNB", "THNC", "THND", "THNE"}  # quotes remain
    # the command line exits with code 1 and names the file
    cfg = tmp_path / "c.yaml"
    cfg.write_text("engine:\n  batch_rows: 1000\n")
    args = ["--config", str(cfg), "--format", "json", "profile", "--data", str(ds), "--table", "profile"]
    r = CliRunner().invoke(cli, [*args, "--scheduler", scheduler])
    r_local = CliRunner().invoke(cli, args)
    assert r.exit_code == 1 and r_local.exit_code == 1, r.output
    assert str(bad) in r.stderr and "partial run" in r.stderr and "Traceback" not in r.output
    assert json.loads(r.stdout) == json.loads(r_local.stdout)


def _killer(marker, task):
    """Kill this worker process the first time a batch of the victim runs, anywhere in the cluster."""
    if any(p.symbol == VICTIM for p in task[0]):
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pass
        else:
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            os._exit(1)
    return REAL_TASK(task)


def test_a_worker_killed_mid_run_is_retried_with_the_same_result(dataset, scheduler, local_result, tmp_path,
                                                                  monkeypatch):
    marker = tmp_path / "killed"
    monkeypatch.setattr(daily_mod, "_dataset_task", partial(_killer, str(marker)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", PartitionFailedWarning)
        got = _run(dataset, scheduler)
    assert marker.exists()  # a worker did die
    killed = int(marker.read_text())
    with distributed.Client(scheduler) as client:
        client.wait_for_workers(2, timeout=60)
        alive = set(client.run(os.getpid).values())
        assert len(alive) == 2 and killed not in alive  # the nanny started a new worker
    _same_tables(got, local_result)


def _flaky(marker, task):
    """Raise the first time a batch of the victim runs; then behave."""
    if any(p.symbol == VICTIM for p in task[0]) and not os.path.exists(marker):
        open(marker, "w").close()
        raise OSError("storage hiccup")
    return REAL_TASK(task)


def test_a_task_that_raises_once_is_retried(dataset, scheduler, local_result, tmp_path, monkeypatch):
    marker = tmp_path / "raised"
    monkeypatch.setattr(daily_mod, "_dataset_task", partial(_flaky, str(marker)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", PartitionFailedWarning)
        got = _run(dataset, scheduler)
    assert marker.exists()
    _same_tables(got, local_result)


def _always_fails(task):
    if any(p.symbol == VICTIM for p in task[0]):
        raise OSError("storage gone")
    return REAL_TASK(task)


def test_a_batch_that_keeps_failing_is_reported_and_its_symbols_left_out(dataset, scheduler, local_result,
                                                                           monkeypatch):
    monkeypatch.setattr(daily_mod, "_dataset_task", _always_fails)
    with pytest.warns(PartitionFailedWarning) as caught:
        got = _run(dataset, scheduler)
    text = " ".join(str(w.message) for w in caught)
    assert "OSError: storage gone" in text and f"partition {VICTIM} " in text and "after 1 retry" in text
    kept = set(got.daily.get_column("symbol"))
    assert VICTIM not in kept and kept  # none of its days, not a half series; the others are there
    for sym in {"THNA", "THNB", "THNC", "THND", "THNE"} - kept:  # every symbol of a failed batch is named
        assert sym in text
    for name in ("daily", "profile"):  # the symbols kept equal the local engine's
        want = local_result.tables()[name].filter(local_result.tables()[name]["symbol"].is_in(sorted(kept)))
        assert _equal(got.tables()[name], want), name
    # the command line exits with code 1 after writing the others
    r = CliRunner().invoke(cli, ["--format", "json", "profile", "--data", str(dataset), "--scheduler", scheduler,
                                 "--table", "profile"])
    assert r.exit_code == 1, r.output
    assert "failed on the Dask cluster" in r.stderr and "Traceback" not in r.output
    assert VICTIM not in {row["symbol"] for row in json.loads(r.stdout)["tables"]["profile"]}


def _square(x):
    return x * x


def test_local_cluster_option_starts_and_closes_its_own_cluster():
    stats: dict = {}
    assert run_tasks(_square, list(range(7)), scheduler="local:1", stats=stats) == [i * i for i in range(7)]
    assert len(stats["tasks"]) == 7 and len({t["pid"] for t in stats["tasks"]}) == 1
    assert stats["tasks"][0]["pid"] != os.getpid()  # ran in a worker process


def test_bad_scheduler_values_are_usage_errors():
    from liqcost.engine.dask import parse_scheduler

    assert parse_scheduler("local:3") == ("local", 3)
    assert parse_scheduler("tcp://10.0.0.5:8786") == ("remote", "tcp://10.0.0.5:8786")
    for bad in ("local:0", "localhost:8786", "http://h:1", "tcp://h"):
        with pytest.raises(UsageError, match="local:N"):
            parse_scheduler(bad)
    r = CliRunner().invoke(cli, ["profile", "--data", "x", "--scheduler", "tcp://h:1", "--cluster", "local:2"])
    assert r.exit_code == 2 and "not both" in r.output
    r = CliRunner().invoke(cli, ["profile", "--data", "x", "--cluster", "tcp://h:1"])
    assert r.exit_code == 2 and "--scheduler tcp://HOST:PORT" in r.output
    r = CliRunner().invoke(cli, ["profile", "--trades", "t.csv", "--quotes", "q.csv", "--cluster", "local:2"])
    assert r.exit_code == 2 and "ingest the files first" in r.output
    r = CliRunner().invoke(cli, ["profile", "--data", "x", "--scheduler", "tcp://h"])
    assert r.exit_code == 2 and "engine.scheduler: expected tcp://HOST:PORT" in r.output


def test_without_dask_one_usage_error_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(UsageError, match=r"pip install 'liqcost\[dask\]'"):
        run_tasks(_square, [1, 2], scheduler="local:2")


def test_cluster_docs_and_help_examples_run(scheduler, tmp_path, monkeypatch):
    """The commands of docs/cluster.md and of `liqcost profile --help` that name a running cluster (`--scheduler`)
    run with the docs' placeholder address replaced by this module's cluster, on a copy of the sample's dataset.
    The `--cluster local:2` lines need no placeholder: tests/test_examples.py runs them as written (each starts
    its own cluster, so running them here too cost a minute of the suite); here they are only checked to be
    there, so that the docs keep showing both ways."""
    import re
    import shlex

    from conftest import ROOT, SAMPLE_DATA

    doc = (ROOT / "docs" / "cluster.md").read_text()
    shutil.copytree(SAMPLE_DATA / "dataset", tmp_path / "sample_data" / "dataset")
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```(?:bash)?\n(.*?)```", doc, flags=re.S)  # (the running-cluster lines are a synopsis)
    help_text = CliRunner().invoke(cli, ["profile", "--help"]).output.split("Examples:")[1]
    lines = [ln.split("  #")[0].strip() for b in [*blocks, help_text] for ln in b.splitlines()]
    assert any(ln.startswith("liqcost ") and "--cluster local:2" in ln for ln in lines)
    cmds = list(dict.fromkeys(ln.replace("tcp://scheduler-host:8786", scheduler) for ln in lines
                              if ln.startswith("liqcost ") and "--scheduler" in ln))
    assert len(cmds) >= 3
    for cmd in cmds:
        r = CliRunner().invoke(cli, ["-q", *shlex.split(cmd)[1:]])
        assert r.exit_code == 0, f"{cmd}:\n{r.output}"
    for code in re.findall(r"```python\n(.*?)```", doc, flags=re.S):
        exec(compile(code.replace("tcp://scheduler-host:8786", scheduler), "docs/cluster.md", "exec"), {})


def test_help_and_the_engine_do_not_import_dask():
    import subprocess
    import sys

    code = ("import sys\nfrom click.testing import CliRunner\nfrom liqcost.cli import cli\nimport liqcost.engine\n"
            "assert CliRunner().invoke(cli, ['profile', '--help']).exit_code == 0\n"
            "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]"


def test_a_config_scheduler_reaches_pretrade(dataset, scheduler, tmp_path, monkeypatch):
    """engine.scheduler in a config file runs pretrade's profile build on the cluster: same answer."""
    import liqcost.engine.dask as engine_dask

    calls = []
    real = engine_dask.run_dask
    monkeypatch.setattr(engine_dask, "run_dask", lambda *a, **k: calls.append(k["scheduler"]) or real(*a, **k))
    cfg = tmp_path / "cluster.yaml"
    cfg.write_text(f"engine:\n  scheduler: {scheduler}\n  batch_rows: 1000\n")
    args = ["--format", "json", "pretrade", "--data", str(dataset), "--symbol", "THNA", "--side", "buy", "--qty", "2000"]
    got = CliRunner().invoke(cli, ["--config", str(cfg), *args])
    want = CliRunner().invoke(cli, args)
    assert got.exit_code == 0 and want.exit_code == 0, got.output
    assert calls == [scheduler]  # the config's run went to the cluster, the other stayed local
    assert json.loads(got.stdout) == json.loads(want.stdout)

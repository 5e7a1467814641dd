"""``simulate`` on a real Dask LocalCluster of 2 worker processes gives the local engine's replay.

The replay runs as tasks of (symbol, chunk of start days, variant), each worker reading its symbol's tape
from the dataset (:func:`liqcost.app.simulate.replay_partition`). Rows, notes and problems equal the local
one-call replay; the per-run costs up to the order in which polars sums a run's fills (the workers run
polars on one thread). A task that keeps failing leaves its runs out and is a problem (exit code 1).
"""

from __future__ import annotations

import datetime as dt

import pytest

distributed = pytest.importorskip("distributed")

from click.testing import CliRunner  # noqa: E402

import importlib  # noqa: E402

sim_mod = importlib.import_module("liqcost.app.simulate")  # (liqcost.app.simulate is also the function)
from liqcost.app.simulate import simulate  # noqa: E402
from liqcost.cli import cli  # noqa: E402
from test_engine_tasks import _equal_frames  # noqa: E402

REAL_TASK = sim_mod.replay_partition
DAYS = {"start": dt.date(2025, 3, 17), "end": dt.date(2025, 3, 21)}
ORDER = {"symbol": "THNB", "side": "buy", "qty": 3000, "variants": "pricing=passive,aggressive"}


@pytest.fixture(scope="module")
def scheduler():
    from conftest import two_worker_cluster

    with two_worker_cluster() as address:
        yield address


def _same(got, want):
    for name in want.TABLES:
        _equal_frames(getattr(got, name), getattr(want, name), rtol=1e-12)
    assert got.notes == want.notes and got.problems == want.problems and got.run_events == want.run_events


@pytest.mark.parametrize("which", ["order", "book"])
def test_simulate_on_the_cluster_equals_the_local_engine(which, sample_data, scheduler):
    kw = ORDER if which == "order" else {"orders": sample_data / "orders.csv"}
    want = simulate(data=sample_data / "dataset", **DAYS, **kw)
    got = simulate(data=sample_data / "dataset", scheduler=scheduler, **DAYS, **kw)
    assert got.orders.height >= 10
    _same(got, want)


def test_a_plan_file_on_the_cluster(sample_data, scheduler, tmp_path):
    plan = tmp_path / "plan.csv"
    r = CliRunner().invoke(cli, ["--format", "csv", "-o", str(plan), "plan", "--data", str(sample_data / "dataset"),
                                 "--symbol", "THNB", "--side", "buy", "--qty", "3000"])
    assert r.exit_code == 0, r.output
    kw = {"variants": "participation=0.05,0.2", "start": dt.date(2025, 3, 10), "end": dt.date(2025, 3, 21)}
    _same(simulate(plan, data=sample_data / "dataset", scheduler=scheduler, **kw),
          simulate(plan, data=sample_data / "dataset", **kw))


def _always_fails(task):
    if task.name == "aggressive":
        raise OSError("storage gone")
    return REAL_TASK(task)


def test_a_replay_task_that_keeps_failing_is_reported_and_the_rest_complete(sample_data, scheduler, monkeypatch):
    want = simulate(data=sample_data / "dataset", **DAYS, **ORDER)
    monkeypatch.setattr(sim_mod, "replay_partition", _always_fails)
    got = simulate(data=sample_data / "dataset", scheduler=scheduler, **DAYS, **ORDER)
    failed = [p for p in got.problems if p.kind == "partition_failed"]
    assert failed and all("variant aggressive" in p.where and "storage gone" in p.message for p in failed)
    assert got.partial
    assert set(got.comparison.get_column("variant")) == {"passive"}  # the other variant is complete
    keep = want.orders.filter(want.orders.get_column("variant") == "passive")
    _equal_frames(got.orders, keep, rtol=1e-12)
    r = CliRunner().invoke(cli, ["-q", "simulate", "--data", str(sample_data / "dataset"), "--symbol", "THNB", "--side",
                                 "buy", "--qty", "3000", "--variants", "pricing=passive,aggressive", "--start",
                                 "2025-03-17", "--end", "2025-03-21", "--scheduler", scheduler])
    assert r.exit_code == 1 and "storage gone" in r.stderr and "Traceback" not in r.output, r.output

"""``tca`` on a real Dask LocalCluster of 2 worker processes gives the local engine's review.

The review is cut into partitions of whole symbols, each read and reviewed by a worker from the dataset
(:func:`liqcost.app.tca.review_partition`); the history's tick pass runs on the same cluster. A partition
that keeps failing is a problem of the result (named with its symbols and the error), the other fills are
reviewed, and the command exits with code 1.
"""

from __future__ import annotations

import json

import pytest

distributed = pytest.importorskip("distributed")

from click.testing import CliRunner  # noqa: E402

import importlib  # noqa: E402

tca_mod = importlib.import_module("liqcost.app.tca")  # (liqcost.app.tca is also the function)
from liqcost.app.tca import tca  # noqa: E402
from liqcost.cli import cli  # noqa: E402
from test_engine_tasks import _equal_frames, make_book  # noqa: E402

REAL_TASK = tca_mod.review_partition
VICTIM = "THNB"


@pytest.fixture(scope="module")
def scheduler():
    from conftest import two_worker_cluster

    with two_worker_cluster() as address:
        yield address


@pytest.fixture(scope="module")
def book(sample_data, tmp_path_factory):
    return make_book(sample_data, tmp_path_factory.mktemp("tca_book"))


def _same(got, want):
    assert got.tables().keys() == want.tables().keys()
    for name, frame in want.tables().items():
        _equal_frames(got.tables()[name], frame)
    assert got.notes == want.notes and got.problems == want.problems


@pytest.mark.parametrize("which", ["sample", "book"])
def test_tca_on_the_cluster_equals_the_local_engine(which, book, sample_data, scheduler):
    fills, orders = book if which == "book" else (sample_data / "fills.csv", sample_data / "orders.csv")
    want = tca(fills, orders, data=sample_data / "dataset")
    got = tca(fills, orders, data=sample_data / "dataset", scheduler=scheduler)
    assert got.model is not None and got.model.orders.height >= 8
    _same(got, want)


def _always_fails(task):
    if VICTIM in task.symbols:
        raise OSError("storage gone")
    return REAL_TASK(task)


def test_a_review_partition_that_keeps_failing_is_reported_and_the_rest_reviewed(sample_data, scheduler, monkeypatch):
    fills, orders = sample_data / "fills.csv", sample_data / "orders.csv"
    want = tca(fills, orders, data=sample_data / "dataset", model=False)
    monkeypatch.setattr(tca_mod, "review_partition", _always_fails)
    got = tca(fills, orders, data=sample_data / "dataset", model=False, scheduler=scheduler)
    (problem,) = got.failed
    assert problem.kind == "partition_failed" and VICTIM in problem.where
    assert "OSError: storage gone" in problem.message and "left out" in problem.message
    assert got.partial and "failed on the Dask cluster" in got.partial_message()
    kept = set(got.orders.get_column("symbol"))
    assert VICTIM not in kept and len(kept) == 4  # the other symbols are all there, this one not at all
    for name in ("orders", "fills"):
        frame = want.tables()[name]
        _equal_frames(got.tables()[name], frame.filter(frame.get_column("symbol") != VICTIM))
    # the command line writes the others and exits with code 1, naming the partition
    args = ["--format", "json", "tca", "--data", str(sample_data / "dataset"), "--fills", str(fills), "--orders",
            str(orders), "--no-model", "--table", "orders", "--scheduler", scheduler]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 1, r.output
    assert "storage gone" in r.stderr and VICTIM in r.stderr and "Traceback" not in r.output
    assert VICTIM not in {row["symbol"] for row in json.loads(r.stdout)["tables"]["orders"]}


def test_the_command_line_on_the_cluster_writes_what_the_local_run_writes(sample_data, scheduler):
    args = ["--format", "json", "tca", "--data", str(sample_data / "dataset"), "--fills", str(sample_data / "fills.csv"),
            "--orders", str(sample_data / "orders.csv")]
    local = CliRunner().invoke(cli, args)
    got = CliRunner().invoke(cli, [*args, "--scheduler", scheduler])
    assert local.exit_code == 0 and got.exit_code == 0, got.output
    assert json.loads(got.stdout) == json.loads(local.stdout)
    r = CliRunner().invoke(cli, [*args, "--scheduler", scheduler, "--cluster", "local:2"])
    assert r.exit_code == 2 and "not both" in r.output

"""Shared fixtures: paths to the real public data in ../shared/data and to the committed sample data.

Tests that use real data take the ``shared_data`` fixture (or call :func:`require_shared`). They skip when
the data are absent, except when the environment says ``CI=true``: then a missing folder is a failure,
so a CI run can never pass by silently skipping its real-data checks.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]

# CI runs the hypothesis tests on a fixed set of examples per test (derandomize), so a landing does not
# hinge on a random draw; a local run explores new examples every time (and keeps failures in its
# database). HYPOTHESIS_PROFILE=ci reproduces the CI draw locally.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI", "").lower() == "true" else "dev"))
SAMPLE_DATA = ROOT / "sample_data"
#: the docs whose `liqcost bench` lines tests/test_bench.py runs (on the tiny size) and test_examples only parses
BENCH_DOCS = ("README.md", "docs/BENCHMARKS.md")

# notes and tables wrap to COLUMNS when it is set; pytest-xdist's workers inherit one from the runner, so the
# tests see the same width as a pipe would (a test that wants a width sets COLUMNS itself)
for _var in ("COLUMNS", "LINES"):
    os.environ.pop(_var, None)


def _shared_root() -> Path:
    env = os.environ.get("LIQCOST_SHARED_DATA")
    if env:
        return Path(env)
    for cand in (ROOT.parent / "shared" / "data", Path("/work/shared/data")):
        if cand.is_dir():
            return cand
    return ROOT.parent / "shared" / "data"


SHARED = _shared_root()


def require_shared(*parts: str) -> Path:
    """Path to ``../shared/data/<parts>``; skip if absent, fail if absent and CI=true."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        msg = f"real data not found at {path} (set LIQCOST_SHARED_DATA to the shared/data folder)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg + "; CI=true requires it")
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return require_shared()


@pytest.fixture(scope="session")
def sample_data() -> Path:
    assert SAMPLE_DATA.is_dir(), f"committed sample data missing at {SAMPLE_DATA}"
    return SAMPLE_DATA


def sample_dataset_with(dest: Path, kinds) -> Path:
    """A copy of the committed sample dataset at ``dest`` holding only ``kinds`` (the other kinds' sources
    removed in one commit, as ``liqcost ingest --remove`` does)."""
    import shutil

    from liqcost.config import Config
    from liqcost.io.dataset import Dataset
    from liqcost.io.ingest import remove_sources

    shutil.copytree(SAMPLE_DATA / "dataset", dest)
    drop = sorted({(f.kind, s) for f in Dataset(dest).state.files.values() for s in f.sources if f.kind not in kinds})
    for kind, source in drop:
        remove_sources(dest, [source], Config(), kind=kind)
    return dest


@contextlib.contextmanager
def two_worker_cluster():
    """A real Dask ``LocalCluster`` for the engine tests: 2 worker processes, one thread each and the worker
    thread budget of ``liqcost.engine.dask.worker_env``; yields the scheduler's address."""
    import distributed

    from liqcost.engine.dask import worker_env

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  env=worker_env(1)) as cluster:
        yield cluster.scheduler_address


def cli_ok(*args, ok=(0,)):
    """Run ``liqcost ARGS`` in-process; the exit code must be one of ``ok`` and no traceback may show."""
    from click.testing import CliRunner

    from liqcost.cli import cli

    r = CliRunner().invoke(cli, [str(a) for a in args])
    assert r.exit_code in ok, (args, r.exit_code, r.output)
    assert "Traceback" not in r.output
    return r

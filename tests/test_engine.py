"""Local engine: task order, progress weights, errors, same results on one or several threads."""

import threading

import pytest

from liqcost.engine import run_tasks
from liqcost.errors import UsageError


def _square(x):
    return x * x, threading.get_ident()


def test_results_in_task_order_and_progress():
    seen = []
    out = run_tasks(_square, list(range(20)), workers=2, weights=[2] * 20, progress=seen.append)
    assert [r[0] for r in out] == [i * i for i in range(20)]
    assert sum(seen) == 40


def test_single_worker_runs_in_calling_thread():
    out = run_tasks(_square, [1, 2], workers=1)
    assert {r[1] for r in out} == {threading.get_ident()}


def _boom(x):
    if x == 3:
        raise ValueError("task 3 failed")
    return x


def test_first_error_is_raised():
    with pytest.raises(ValueError, match="task 3"):
        run_tasks(_boom, range(10), workers=2)


def test_empty_and_bad_scheduler():
    assert run_tasks(_square, [], workers=2) == []
    with pytest.raises(UsageError, match="tcp://HOST:PORT"):
        run_tasks(_square, [1], scheduler="h:1")


def test_threads_give_the_same_daily_metrics():
    import datetime as dt

    from reference.frames import random_days

    from liqcost.config import load_config
    from liqcost.measures.daily import daily_metrics

    days = [dt.date(2025, 3, 3) + dt.timedelta(days=i) for i in range(5)]
    t, q = random_days(["A", "B", "C"], days, seed=11, trades_per_day=30, quotes_per_day=30)
    cfg = load_config(overrides={"engine.batch_rows": 1000})
    one = daily_metrics(cfg, trades=t, quotes=q, workers=1).daily
    two = daily_metrics(cfg, trades=t, quotes=q, workers=2).daily
    assert one.equals(two, null_equal=True) or one.fill_nan(None).equals(two.fill_nan(None), null_equal=True)

"""Fees: commission, SEC section 31 fee and FINRA TAF by hand, in every cost, shown apart."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from liqcost.config import load_config
from liqcost.models.fees import FeeSchedule, executions


def test_fee_schedule_example_by_hand():
    # 2,000 shares at $1.00, commission 1.5 cents a share + 2 bps, min $1; SEC $27.80 per million; TAF $0.000166/share,
    # cap $8.30 per trade.
    #   buy : commission 0.015*2000 + 2e-4*2000 = 30 + 0.40 = 30.40 -> 152.0 bps of $2,000
    #   sell: + SEC 27.80e-6 * 2000 = 0.0556, + TAF 0.000166 * 2000 = 0.332 -> 30.7876 -> 153.938 bps
    fs = FeeSchedule(0.015, 2.0, 1.0, True, 27.80, dt.date(2024, 5, 22), 0.000166, 8.30, dt.date(2024, 1, 1))
    f = fs.fees([1, -1], 2000, 1.0, 1)
    assert f.commission_usd == pytest.approx([30.40, 30.40])
    assert f.sec_fee_usd == pytest.approx([0.0, 0.0556])
    assert f.taf_usd == pytest.approx([0.0, 0.332])
    assert f.bps == pytest.approx([152.0, 153.938])
    # the minimum commission binds for a tiny order: 10 shares -> max(0.15 + 0.002, 1.00)
    assert fs.fees(1, 10, 1.0).commission_usd[0] == pytest.approx(1.0)
    # "1-3 cents a share on a $1 stock is 100-300 bps"
    for cents, bps in ((1, 100.0), (3, 300.0)):
        assert FeeSchedule(cents / 100, regulatory=False).fees(1, 5000, 1.0).bps[0] == pytest.approx(bps)


def test_taf_cap_is_per_execution():
    fs = FeeSchedule(taf_per_share_usd=0.000166, taf_max_per_trade_usd=8.30, regulatory=True)
    # one execution of 100,000 shares: 16.60 capped at 8.30; in three executions: min(16.60, 3 * 8.30 = 24.90) = 16.60
    f = fs.fees([-1, -1], 100_000, 10.0, [1, 3])
    assert f.taf_usd == pytest.approx([8.30, 16.60])
    # executions from the typical print size: ceil(Q / s), a round lot when unknown, 0 for an empty order
    assert executions([1000, 1000, 0, 50], [300, np.nan, 100, 100]).tolist() == [4.0, 10.0, 0.0, 1.0]


def test_schedule_from_config_and_effective_dates():
    cfg = load_config(overrides={"fees.commission_per_share_usd": 0.005, "fees.sec_fee_per_million_usd": 27.8})
    fs = FeeSchedule.from_config(cfg)
    assert fs.regulatory and fs.commission_per_share_usd == 0.005 and fs.sec_fee_effective == dt.date(2025, 5, 14)
    notes = fs.notes(dt.date(2025, 3, 28), any_sells=True)
    assert len(notes) == 1 and "applies from 2025-05-14, after the as-of date 2025-03-28" in notes[0]
    assert fs.notes(dt.date(2025, 6, 2), any_sells=True) == [] and fs.notes(dt.date(2025, 3, 28), any_sells=False) == []
    # regulatory fees are US-equity fees: auto turns them off for another currency
    crypto = load_config(overrides={"session.currency": "USDT"})
    assert not FeeSchedule.from_config(crypto).regulatory
    assert FeeSchedule.from_config(load_config(overrides={"session.currency": "USDT", "fees.regulatory": "on"})).regulatory
    assert "no commission" in FeeSchedule.from_config(load_config()).describe()

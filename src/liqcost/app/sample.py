"""Generate a seeded sample of thinly traded names with its ground truth (``liqcost sample``).

The command's work: simulate the names (:func:`liqcost.io.synth.generate`), write the raw vendor-like files
with their dirt, the metaorders' orders and fills and the truth, and (by default) ingest the raw files into
``OUT/dataset``. The result's table is the per-symbol truth an estimator should recover.

From Python::

    import liqcost as lc
    run = lc.sample("sample_data", symbols=3, days=10)   # SampleRun: run.tables()["sample"], run.dataset
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from typing import ClassVar

from liqcost.result import Result

__all__ = ["SampleRun", "sample"]

#: the per-symbol truth columns of the sample table
TRUTH_COLUMNS = ("n_trades", "price0_px", "true_half_spread_bps", "volatility_daily_frac", "adv_shares",
                 "zero_volume_frac")


@dataclass(frozen=True, eq=False)
class SampleRun(Result):
    """A written sample: where it is, its per-symbol truth and the ingest of its raw files.

    Attributes
    ----------
    out : str
        The folder written: ``raw/{trades,quotes,bars}.csv``, ``orders.csv``, ``fills.csv``, ``truth/`` and
        (when ingested) ``dataset/``.
    seed : int
        The random seed (same seed, same data).
    impact_y : float
        The square-root law's Y used by the generator.
    truth : polars.DataFrame
        Per symbol: ``n_trades``, ``price0_px``, ``true_half_spread_bps``, ``volatility_daily_frac``,
        ``adv_shares``, ``zero_volume_frac`` (the realized values, from ``truth/ground_truth.json``).
    ingest_reports : dict
        The ingest report (as a dict) per kind; empty when the raw files were not ingested.
    data : liqcost.io.synth.SampleSet
        The generated frames (clean and raw trades, quotes, bars, orders, fills, trade-level truth).
    """

    title: ClassVar[str] = "sample"
    out: str
    seed: int
    impact_y: float
    truth: object
    ingest_reports: dict = field(default_factory=dict)
    data: object = None

    def tables(self) -> dict:
        return {"sample": self.truth}

    @property
    def dataset(self) -> str | None:
        """The ingested dataset folder (None when the raw files were not ingested)."""
        return f"{self.out}/dataset" if self.ingest_reports else None

    @property
    def rows_quarantined(self) -> int:
        """Dirty rows the ingest set aside (as planted by the generator)."""
        return sum(r["rows_quarantined"] for r in self.ingest_reports.values())

    @property
    def notes(self) -> tuple[str, ...]:
        if not self.ingest_reports:
            return ()
        return (f"ingested into {self.out}/dataset ({self.rows_quarantined} dirty rows quarantined, as planted); "
                f"truth in {self.out}/truth/",)


def sample(out, *, symbols: int = 5, days: int = 20, seed: int = 7, start: dt.date | str = "2025-03-03",
           trades_per_day: float | None = None, metaorders: int = 2, impact_y: float = 0.8, dirt: bool = True,
           ingest: bool = True, config=None, step=None) -> SampleRun:
    """Simulate ``symbols`` thin names over ``days`` weekdays, write them to ``out`` and (by default) ingest them.

    The generator and its ground truth are described in :mod:`liqcost.io.synth` (metaorder costs follow the
    square-root law, Toth et al. 2011, "Anomalous price impact and the critical nature of liquidity in
    financial markets", Phys. Rev. X 1, 021006: cost = half-spread + Y sigma sqrt(Q / V)).

    Parameters
    ----------
    out : str or Path
        The folder to write (created if absent).
    symbols, days : int
        Number of names and of trading days (weekdays).
    seed : int
        Random seed.
    start : datetime.date or str
        First trading day (``YYYY-MM-DD``).
    trades_per_day : float, optional
        Override every name's mean trades per day (for benchmarks).
    metaorders : int
        Known metaorders per name (their orders and fills are written to ``orders.csv`` and ``fills.csv``).
    impact_y : float
        Y of the square-root law, dimensionless.
    dirt : bool
        Put bad prints, crossed quotes, duplicates and out-of-order rows in the raw files.
    ingest : bool
        Also ingest the raw files into ``out/dataset``.
    config : Config, YAML path or None
        Effective configuration (``session.timezone``, ``ingest``).
    step : callable, optional
        ``step(description)`` returning a context manager around each long step (the command line's spinner).

    Raises
    ------
    liqcost.errors.UsageError
        ``start`` is not a date.
    """
    from liqcost.app import load
    from liqcost.errors import UsageError

    if isinstance(start, str):
        try:
            start = dt.date.fromisoformat(start)
        except ValueError:
            raise UsageError(f"start: expected a date as YYYY-MM-DD, got {start!r}.") from None
    step = step or (lambda description: contextlib.nullcontext())
    cfg = load(config)
    import polars as pl

    from liqcost.io.synth import generate, write_sample

    with step(f"simulating {symbols} symbols over {days} days"):
        s = generate(symbols, days, seed, start, trades_per_day, metaorders, impact_y, dirt, cfg.session.timezone)
    with step(f"writing{' and ingesting' if ingest else ''} the sample"):
        reports = write_sample(s, out, cfg, ingest=ingest)
    rows = [{"symbol": sym, **{c: t[c] for c in TRUTH_COLUMNS}} for sym, t in s.truth["symbols"].items()]
    return SampleRun(str(out), seed, impact_y, pl.DataFrame(rows), dict(reports or {}), s)

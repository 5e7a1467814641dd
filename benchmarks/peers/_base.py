"""The peer record shared by the peers of ``liqcost bench``."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any, Callable

# the horizons' labels as liqcost names them (5.0 s -> "5s", 60 s -> "1min", 1 trade -> "1tr")


def horizon_labels(horizons_s, horizons_trades) -> list[str]:
    from liqcost.measures.ticks import horizon_label

    return [horizon_label(h) for h in horizons_s] + [horizon_label(n, trades=True) for n in horizons_trades]


@dataclass(frozen=True)
class Peer:
    """One peer.

    Attributes
    ----------
    name : str
        Short name (``pandas``, ``polars``, ``bidask``).
    stage : str
        The liqcost stage it is compared with: ``ticks_daily`` (trade and quote frames in memory -> the
        daily tick measures) or ``edge`` (daily bars -> rolling EDGE spread).
    description : str
        What it does, in a line.
    prepare, run, result : callable
        ``prepare(inputs) -> prepared`` (untimed), ``run(prepared) -> output`` (timed),
        ``result(output) -> polars.DataFrame`` (untimed; ``keys`` plus value columns named as liqcost's).
    keys : tuple of str
        Join keys of the comparison.
    requires : tuple of str
        Modules the peer imports; the peer is unavailable when one is missing.
    atol, rtol : float
        Tolerance of the equality check, in the value columns' units.
    """

    name: str
    stage: str
    description: str
    prepare: Callable[[dict], Any]
    run: Callable[[Any], Any]
    result: Callable[[Any], Any]
    keys: tuple[str, ...] = ("symbol", "date")
    requires: tuple[str, ...] = ()
    atol: float = 1e-4
    rtol: float = 1e-6

    def unavailable(self) -> str | None:
        """Why the peer cannot run here (a missing module), or None."""
        missing = [m for m in self.requires if importlib.util.find_spec(m) is None]
        return f"needs {', '.join(missing)} (pip install {' '.join(missing)})" if missing else None

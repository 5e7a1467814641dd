"""Peers of ``liqcost bench``: other ways of computing the same outputs, timed side by side with liqcost.

This package lives in the source checkout (``benchmarks/peers``), not in the installed wheel: ``liqcost bench
--peers`` finds it next to the sources (or under ``LIQCOST_PEERS_DIR``) and says so when it cannot.

Each peer is a :class:`~._base.Peer`: ``prepare(inputs)`` (untimed: e.g. polars -> pandas), ``run(prepared)``
(timed) and ``result(output)`` (untimed: a polars frame with the peer's key and value columns). Before a
peer is timed, ``liqcost bench`` checks its output equal to liqcost's on the same data (within ``atol`` +
``rtol``); a peer that disagrees is refused (reported with its largest difference, not timed).

Peers:

* ``pandas``: ``merge_asof`` (by symbol-day) + vectorized numpy, the tick measures per symbol-day;
* ``polars``: polars only, one ``join_asof`` per probe with ``by`` the symbol-day key (no per-symbol loop);
* ``bidask``: the ``bidask`` package's rolling EDGE estimator, called once per symbol (pandas inside).
"""

from __future__ import annotations

from ._base import Peer
from .bidask_edge import PEER as BIDASK
from .pandas_ticks import PEER as PANDAS
from .polars_ticks import PEER as POLARS

PEERS: tuple[Peer, ...] = (PANDAS, POLARS, BIDASK)

__all__ = ["PEERS", "Peer"]

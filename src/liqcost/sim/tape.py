"""One symbol's trades and quotes as the replay kernel's event stream.

A :class:`Tape` holds the events of one symbol in time order as aligned arrays (``ts`` int64 ns UTC,
``kind`` 0 trade / 1 quote, ``val[:, 0:4]`` a trade's price and size or a quote's bid, ask, bid size, ask
size); on equal stamps a trade comes before a quote (the order the planner's fill kernel and the tick
measures use: a quote stamped with a trade is taken to follow it). Rows the kernel cannot use are
counted by reason and left out: trades with a missing, zero or negative price or size; quotes with a
missing or non-positive bid, an ask below the bid, or a negative size. Ingested datasets hold none of
them (ingest quarantines them); frames handed in directly may.

The tick is the planner's (:func:`liqcost.planner.limits.tick_for` at the median midpoint).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Tape"]

NS = 1_000_000_000


@dataclass(frozen=True)
class Tape:
    """Merged trade and quote events of one symbol.

    Attributes
    ----------
    symbol : str
    ts : ndarray of int64
        Event times, ns UTC, sorted (trades first on equal stamps).
    kind : ndarray of int8
        0 trade, 1 quote.
    val : ndarray of float64, shape (n, 4)
        Trade: price, size (then NaN); quote: bid, ask, bid size, ask size.
    tick_px : float
        Price increment, currency per share.
    timezone : str
        The exchange's time zone (``session.timezone``), for the trading days of the tape.
    dropped : dict
        Rows left out, by reason (``"trades: price or size not positive"`` ...).
    """

    symbol: str
    ts: np.ndarray
    kind: np.ndarray
    val: np.ndarray
    tick_px: float
    timezone: str = "America/New_York"
    dropped: dict = field(default_factory=dict)

    # ------------------------------------------------------------------------------------ building
    @classmethod
    def from_frames(cls, trades, quotes, symbol: str | None = None, config=None, tick_px: float | None = None) -> Tape:
        """A tape from canonical trades and quotes frames (:data:`liqcost.schema.TRADES`, ``QUOTES``).

        Parameters
        ----------
        trades, quotes : polars.DataFrame or LazyFrame
            One symbol's rows (or several symbols, with ``symbol`` naming one). Any order.
        symbol : str, optional
            The symbol to take when the frames hold several.
        config : liqcost.config.Config, optional
            ``planner`` tick rule and ``session.timezone``.
        tick_px : float, optional
            The price increment (default: the planner's tick at the median midpoint).

        Raises
        ------
        SchemaError
            A frame lacks a required column.
        NoDataError
            No usable quote for the symbol.
        """
        import polars as pl

        from liqcost.config import Config
        from liqcost.errors import DataError, NoDataError
        from liqcost.schema import QUOTES, TRADES, check_frame

        config = config or Config()
        trades = trades.collect() if isinstance(trades, pl.LazyFrame) else trades
        quotes = quotes.collect() if isinstance(quotes, pl.LazyFrame) else quotes
        check_frame(trades, TRADES, "trades")
        check_frame(quotes, QUOTES, "quotes")
        if symbol is None:
            syms = set(quotes["symbol"].unique().to_list()) | set(trades["symbol"].unique().to_list())
            if len(syms) > 1:
                raise DataError(f"the trades and quotes hold {len(syms)} symbols ({', '.join(sorted(syms)[:5])} ...); name one.")
            symbol = next(iter(syms)) if syms else "?"
        else:
            trades = trades.filter(pl.col("symbol") == symbol)
            quotes = quotes.filter(pl.col("symbol") == symbol)
        dropped: dict = {}
        t_ok = pl.col("price").is_finite() & (pl.col("price") > 0) & pl.col("size").is_finite() & (pl.col("size") > 0)
        t_ok = t_ok & pl.col("ts").is_not_null()
        bad_t = trades.height - trades.filter(t_ok).height
        if bad_t:
            dropped["trades: missing, zero or negative price or size"] = bad_t
            trades = trades.filter(t_ok)
        q_ok = (pl.col("bid").is_finite() & (pl.col("bid") > 0) & pl.col("ask").is_finite() & (pl.col("ask") >= pl.col("bid"))
                & pl.col("ts").is_not_null())
        bad_q = quotes.height - quotes.filter(q_ok).height
        if bad_q:
            dropped["quotes: missing or non-positive bid, or ask below bid"] = bad_q
            quotes = quotes.filter(q_ok)
        sz_ok = (pl.col("bid_size").fill_nan(None).fill_null(0.0) >= 0) & (pl.col("ask_size").fill_nan(None).fill_null(0.0) >= 0)
        bad_s = quotes.height - quotes.filter(sz_ok).height
        if bad_s:
            dropped["quotes: negative size"] = bad_s
            quotes = quotes.filter(sz_ok)
        if quotes.height == 0:
            raise NoDataError(f"{symbol}: no usable quotes; a replay needs the prevailing quote to price its orders.")
        t_ts = trades["ts"].dt.epoch("ns").to_numpy().astype(np.int64) if trades.height else np.zeros(0, np.int64)
        q_ts = quotes["ts"].dt.epoch("ns").to_numpy().astype(np.int64)
        t_val = np.column_stack([trades["price"].cast(pl.Float64).to_numpy(), trades["size"].cast(pl.Float64).to_numpy()]) \
            if trades.height else np.zeros((0, 2))
        q_val = np.column_stack([
            quotes[c].cast(pl.Float64).fill_nan(None).fill_null(0.0).to_numpy() if c.endswith("size") else
            quotes[c].cast(pl.Float64).to_numpy() for c in ("bid", "ask", "bid_size", "ask_size")
        ])
        if tick_px is None:
            from liqcost.planner.limits import tick_for

            tick_px = tick_for(float(np.median(0.5 * (q_val[:, 0] + q_val[:, 1]))), config)
        return cls.from_arrays(str(symbol), t_ts, t_val, q_ts, q_val, float(tick_px), config.session.timezone, dropped)

    @classmethod
    def from_arrays(cls, symbol: str, trade_ts, trade_val, quote_ts, quote_val, tick_px: float,
                    timezone: str = "America/New_York", dropped: dict | None = None) -> Tape:
        """A tape from arrays: trades ``(ts, [price, size])`` and quotes ``(ts, [bid, ask, bid_size, ask_size])``.

        Each stream is sorted by time if it is not (stably); the merge puts a trade before a quote stamped
        with it.
        """
        t_ts = np.ascontiguousarray(trade_ts, dtype=np.int64)
        q_ts = np.ascontiguousarray(quote_ts, dtype=np.int64)
        t_val = np.asarray(trade_val, dtype=np.float64).reshape(t_ts.size, -1) if t_ts.size else np.zeros((0, 2))
        q_val = np.asarray(quote_val, dtype=np.float64).reshape(q_ts.size, 4)
        if t_ts.size > 1 and np.any(np.diff(t_ts) < 0):
            o = np.argsort(t_ts, kind="stable")
            t_ts, t_val = t_ts[o], t_val[o]
        if q_ts.size > 1 and np.any(np.diff(q_ts) < 0):
            o = np.argsort(q_ts, kind="stable")
            q_ts, q_val = q_ts[o], q_val[o]
        n_t, n_q = t_ts.size, q_ts.size
        # merge: a trade goes before the quotes stamped with it
        pos_t = np.searchsorted(q_ts, t_ts, side="left") + np.arange(n_t)
        pos_q = np.searchsorted(t_ts, q_ts, side="right") + np.arange(n_q)
        n = n_t + n_q
        ts = np.empty(n, np.int64)
        kind = np.empty(n, np.int8)
        val = np.full((n, 4), np.nan)
        ts[pos_t], ts[pos_q] = t_ts, q_ts
        kind[pos_t], kind[pos_q] = 0, 1
        val[pos_t, :2] = t_val[:, :2]
        val[pos_q] = q_val
        return cls(symbol, ts, kind, val, float(tick_px), timezone, dict(dropped or {}))

    @classmethod
    def from_dataset(cls, dataset, symbol: str, start: dt.date | None = None, end: dt.date | None = None, config=None,
                     tick_px: float | None = None) -> Tape:
        """A tape of ``symbol`` from a dataset (:class:`liqcost.io.dataset.Dataset` or its path), dates inclusive."""
        import polars as pl

        from liqcost.errors import NoDataError
        from liqcost.io.dataset import Dataset
        from liqcost.schema import TRADES

        ds = dataset if isinstance(dataset, Dataset) else Dataset(dataset)
        quotes = ds.collect("quotes", [symbol], start, end)  # damaged files skipped and reported
        try:
            trades = ds.collect("trades", [symbol], start, end)
        except NoDataError:
            trades = pl.DataFrame(schema=TRADES.polars_schema(TRADES.required) | {"symbol": pl.String})
        return cls.from_frames(trades, quotes, symbol, config, tick_px)

    # ------------------------------------------------------------------------------------ views
    @property
    def n_events(self) -> int:
        return int(self.ts.size)

    @property
    def n_trades(self) -> int:
        return int(np.count_nonzero(self.kind == 0))

    @property
    def n_quotes(self) -> int:
        return int(np.count_nonzero(self.kind == 1))

    def kernel_tape(self):
        """The :class:`liqcost.kernels.replay.Tape` of the arrays."""
        from liqcost.kernels.replay import Tape as KTape

        return KTape(self.ts, self.kind, self.val)

    def days(self) -> list[dt.date]:
        """Trading days of the tape (local dates with at least one quote), oldest first."""
        import polars as pl

        q = self.ts[self.kind == 1]
        if q.size == 0:
            return []
        local = pl.Series("ts", q).cast(pl.Datetime("ns", "UTC")).dt.convert_time_zone(self.timezone)
        return sorted(local.dt.date().unique().to_list())

    def quote_at(self, t_ns: int) -> tuple[float, float, float, float]:
        """``(bid, ask, bid_size, ask_size)`` of the last quote at or before ``t_ns`` (NaNs when none)."""
        i = int(np.searchsorted(self.ts, t_ns, side="right"))
        q = np.flatnonzero(self.kind[:i] == 1)
        if q.size == 0:
            return (np.nan,) * 4
        return tuple(float(x) for x in self.val[q[-1]])

    def span(self, start_ns: int, end_ns: int) -> int:
        """Events stamped in ``(start_ns, end_ns]``."""
        return int(np.searchsorted(self.ts, end_ns, side="right") - np.searchsorted(self.ts, start_ns, side="right"))

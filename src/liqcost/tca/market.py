"""Market data of the review as arrays: quotes and trades per symbol segment, sessions, day statistics.

:class:`Market` holds what the review reads for the symbols the fills touch: the quotes (time, bid, ask,
midpoint, validity) and trades (time, price, size) of each symbol in one contiguous, time-sorted segment of
concatenated arrays (the layout of :mod:`liqcost.kernels.tca`), and a table of symbol-day statistics
(open, high, low, close, VWAP, volume) from the trades of each session, or from bars where the trades lack.

Sessions: a symbol-day runs from ``session.open`` to ``session.close`` in ``session.timezone`` on its
exchange-local date. Quotes of that date from local midnight on may prevail (a pre-open quote does; the
previous evening's does not). Day statistics count the trades stamped inside the session, both ends
included (opening and closing auction prints carry the open and close time stamps on most feeds).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

__all__ = ["Market", "day_bounds", "trading_day_index"]

_EMPTY_I = np.zeros(0, dtype=np.int64)
_EMPTY_F = np.zeros(0, dtype=np.float64)


def day_bounds(dates, session) -> pl.DataFrame:
    """Local midnight, session open and close and the next local midnight of each date, as UTC ns.

    Parameters
    ----------
    dates : iterable of datetime.date
        Exchange-local dates (duplicates allowed; computed once each).
    session : liqcost.config.SessionConfig

    Returns
    -------
    polars.DataFrame
        ``date``, ``midnight_ns``, ``open_ns``, ``close_ns``, ``next_midnight_ns`` (one row per distinct date).
    """
    from zoneinfo import ZoneInfo

    from liqcost.calendar import session_bounds_ns

    days = sorted({d for d in dates if d is not None})
    tz = ZoneInfo(session.timezone)
    opens, closes = session_bounds_ns(days, session)
    mid = np.array([int(dt.datetime(d.year, d.month, d.day, tzinfo=tz).timestamp()) * 1_000_000_000 for d in days], dtype=np.int64)
    nxt = np.array(
        [int(dt.datetime.combine(d + dt.timedelta(days=1), dt.time(), tzinfo=tz).timestamp()) * 1_000_000_000 for d in days],
        dtype=np.int64,
    )
    return pl.DataFrame(
        {"date": pl.Series(days, dtype=pl.Date), "midnight_ns": mid, "open_ns": opens, "close_ns": closes, "next_midnight_ns": nxt}
    )


def trading_day_index(dates: np.ndarray, config) -> np.ndarray:
    """Ordinal of each date among the trading days (``session.trading_days`` less the exchange holidays).

    Differences of ordinals count the sessions between two dates (the overnight gaps crossed).
    """
    from liqcost.calendar import holidays_for

    d = np.asarray(dates, dtype="datetime64[D]")
    if d.size == 0:
        return np.zeros(0, dtype=np.int64)
    first, last = d.min().astype(dt.date), d.max().astype(dt.date)
    hol = np.array(sorted(holidays_for(config, first, last)), dtype="datetime64[D]")
    weekmask = [1 if k in config.session.trading_days else 0 for k in range(7)]
    base = np.datetime64(first, "D")
    return np.busday_count(base, d, weekmask=weekmask, holidays=hol).astype(np.int64)


def _segments(symbol_col: pl.Series, symbols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``lo``/``hi`` of each symbol's rows in a frame sorted by symbol (empty segments for absent symbols)."""
    counts = pl.DataFrame({"symbol": symbol_col}).group_by("symbol", maintain_order=True).len()
    lo = np.zeros(len(symbols), dtype=np.int64)
    hi = np.zeros(len(symbols), dtype=np.int64)
    pos = {s: i for i, s in enumerate(symbols)}
    start = 0
    for sym, n in counts.iter_rows():
        i = pos[sym]
        lo[i], hi[i] = start, start + n
        start += n
    return lo, hi


def _sorted_frame(frame: pl.DataFrame, cols: list[str], symbols: list[str]) -> pl.DataFrame:
    """The rows of ``symbols`` with ``cols``, sorted by (symbol, ts) and rechunked (contiguous numpy views)."""
    ts = pl.col("ts")
    dtype = frame.schema["ts"]
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
        ts = ts.dt.replace_time_zone("UTC")
    df = frame.lazy().filter(pl.col("symbol").is_in(symbols) & pl.col("ts").is_not_null()).select(
        [pl.col("symbol").cast(pl.String), ts.dt.convert_time_zone("UTC").dt.cast_time_unit("ns").cast(pl.Int64).alias("ts")]
        + [pl.col(c).cast(pl.Float64) for c in cols]
    )
    return df.sort(["symbol", "ts"], maintain_order=True).collect().rechunk()


def _ts_ns(series: pl.Series) -> np.ndarray:
    """A UTC datetime column as int64 ns (a copy only when the column is chunked or in another unit)."""
    if isinstance(series.dtype, pl.Datetime) and series.dtype.time_unit != "ns":
        series = series.dt.cast_time_unit("ns")
    a = series.to_numpy()
    return a.view(np.int64) if a.dtype.kind == "M" else a.astype(np.int64)


def _columns(frame: pl.DataFrame, cols: list[str], symbols: list[str], positive: bool):
    """Time and ``cols`` of ``symbols`` as arrays with per-symbol segment bounds, and the frame's symbols.

    A frame already grouped by symbol and time-sorted within each (a dataset read in partition order) is used
    in place: the segments of the wanted symbols point into its arrays, nothing is sorted or copied beyond
    the numpy conversion. Anything else is filtered and sorted first. ``positive`` drops rows whose ``cols``
    are not all > 0 (trades).
    """
    from liqcost.kernels.tca import sorted_within

    runs = frame.select(pl.col("symbol").cast(pl.String).rle()).unnest("symbol")
    values = runs.get_column("value").to_list()
    known = set(values)
    if len(known) == len(values) and frame.get_column("ts").null_count() == 0:
        lens = runs.get_column("len").to_numpy().astype(np.int64)
        ends = np.cumsum(lens)
        starts = ends - lens
        ts = _ts_ns(frame.get_column("ts"))
        arrays = [frame.get_column(c).cast(pl.Float64).to_numpy() for c in cols]
        ok = not positive or all(bool(np.all(a > 0)) for a in arrays)
        if ok and sorted_within(ts, starts, ends):
            pos = {v: i for i, v in enumerate(values)}
            lo = np.zeros(len(symbols), dtype=np.int64)
            hi = np.zeros(len(symbols), dtype=np.int64)
            for i, sym in enumerate(symbols):
                if sym in pos:
                    lo[i], hi[i] = starts[pos[sym]], ends[pos[sym]]
            return ts, [np.ascontiguousarray(a, dtype=np.float64) for a in arrays], lo, hi, known
    df = _sorted_frame(frame, cols, symbols)
    if positive:
        df = df.filter(pl.all_horizontal([pl.col(c) > 0 for c in cols]))
    lo, hi = _segments(df.get_column("symbol"), symbols)
    return (df.get_column("ts").to_numpy(), [df.get_column(c).to_numpy() for c in cols], lo, hi, known)


@dataclass
class Market:
    """Quotes, trades and day statistics of the reviewed symbols (see the module docstring).

    Attributes
    ----------
    symbols : list of str
        Reviewed symbols; a symbol's position is its segment number.
    q_ts, q_bid, q_ask, q_mid : numpy.ndarray
        Quotes, concatenated by symbol, time-sorted within each (ns; currency per share).
    q_valid, q_last_valid : numpy.ndarray
        Validity mask and :func:`liqcost.kernels.tca.last_valid_upto`.
    q_lo, q_hi : numpy.ndarray
        Segment bounds per symbol in the quote arrays.
    t_ts, t_px, t_sz, t_cum_pq, t_cum_q, t_lo, t_hi : numpy.ndarray
        Trades likewise, with running sums of value and volume restarted per symbol.
    bars : polars.DataFrame or None
        Daily bars of the symbols (``symbol``, ``date``, ``open`` ... ``volume``, ``vwap``).
    known : set of str
        Every symbol present in any market frame (for the unknown-symbol check).
    tick_symbols : set of str
        Reviewed symbols with quotes or trades.
    """

    symbols: list
    q_ts: np.ndarray
    q_bid: np.ndarray
    q_ask: np.ndarray
    q_mid: np.ndarray
    q_valid: np.ndarray
    q_last_valid: np.ndarray
    q_lo: np.ndarray
    q_hi: np.ndarray
    t_ts: np.ndarray
    t_px: np.ndarray
    t_sz: np.ndarray
    t_cum_pq: np.ndarray
    t_cum_q: np.ndarray
    t_lo: np.ndarray
    t_hi: np.ndarray
    bars: pl.DataFrame | None
    known: set
    tick_symbols: set

    @classmethod
    def build(cls, symbols, *, trades=None, quotes=None, bars=None, config=None) -> Market:
        """Arrays of ``symbols`` from canonical frames (any row order; other symbols are ignored).

        Parameters
        ----------
        symbols : list of str
            Symbols to review.
        trades, quotes, bars : polars.DataFrame or LazyFrame, optional
            ``schema.TRADES``, ``schema.QUOTES``, ``schema.BARS`` frames (at least one).
        config : liqcost.config.Config
        """
        from liqcost.kernels.asof import valid_quotes
        from liqcost.kernels.tca import last_valid_upto, segment_cumsum

        symbols = sorted(dict.fromkeys(symbols))
        known: set = set()
        tick: set = set()
        if quotes is not None:
            quotes = quotes.collect() if isinstance(quotes, pl.LazyFrame) else quotes
            q_ts, (q_bid, q_ask), q_lo, q_hi, k = _columns(quotes, ["bid", "ask"], symbols, positive=False)
            known |= k
            tick |= {s for i, s in enumerate(symbols) if q_hi[i] > q_lo[i]}
        else:
            q_ts, q_bid, q_ask = _EMPTY_I, _EMPTY_F, _EMPTY_F
            q_lo = q_hi = np.zeros(len(symbols), dtype=np.int64)
        q_valid = valid_quotes(q_bid, q_ask)
        with np.errstate(invalid="ignore"):
            q_mid = 0.5 * (q_bid + q_ask)
        if trades is not None:
            trades = trades.collect() if isinstance(trades, pl.LazyFrame) else trades
            t_ts, (t_px, t_sz), t_lo, t_hi, k = _columns(trades, ["price", "size"], symbols, positive=True)
            known |= k
            tick |= {s for i, s in enumerate(symbols) if t_hi[i] > t_lo[i]}
        else:
            t_ts, t_px, t_sz = _EMPTY_I, _EMPTY_F, _EMPTY_F
            t_lo = t_hi = np.zeros(len(symbols), dtype=np.int64)
        t_cum_pq = segment_cumsum(t_px * t_sz, t_lo, t_hi)
        t_cum_q = segment_cumsum(t_sz, t_lo, t_hi)
        bar_frame = None
        if bars is not None:
            bars = bars.collect() if isinstance(bars, pl.LazyFrame) else bars
            known |= set(bars.get_column("symbol").unique().to_list())
            bar_frame = _daily_bars(bars.filter(pl.col("symbol").is_in(symbols)), config)
        return cls(
            symbols, q_ts, q_bid, q_ask, q_mid, q_valid, last_valid_upto(q_valid), q_lo, q_hi,
            t_ts, t_px, t_sz, t_cum_pq, t_cum_q, t_lo, t_hi, bar_frame, known, tick,
        )

    def index(self, symbols: pl.Series) -> np.ndarray:
        """Segment number of each symbol (-1 for a symbol not reviewed)."""
        table = pl.DataFrame({"symbol": self.symbols, "_sid": np.arange(len(self.symbols), dtype=np.int64)},
                             schema={"symbol": pl.String, "_sid": pl.Int64})
        return (
            pl.DataFrame({"symbol": symbols.cast(pl.String)})
            .join(table, on="symbol", how="left", maintain_order="left")
            .get_column("_sid").fill_null(-1).to_numpy()
        )

    def bounds(self, sid: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Segment bounds (``lo``, ``hi``) per row for ``kind`` ``q`` (quotes) or ``t`` (trades); empty for -1."""
        lo_all, hi_all = (self.q_lo, self.q_hi) if kind == "q" else (self.t_lo, self.t_hi)
        ok = sid >= 0
        if not len(self.symbols):
            z = np.zeros(sid.shape[0], dtype=np.int64)
            return z, z.copy()
        s = np.where(ok, sid, 0)
        return np.where(ok, lo_all[s], 0).astype(np.int64), np.where(ok, hi_all[s], 0).astype(np.int64)

    def day_table(self, keys: pl.DataFrame, config) -> pl.DataFrame:
        """Session bounds, data coverage and statistics of the symbol-days in ``keys`` (``symbol``, ``date``).

        Returns
        -------
        polars.DataFrame
            ``symbol``, ``date``, ``midnight_ns``, ``open_ns``, ``close_ns``, ``next_midnight_ns``, ``n_quotes``
            and ``n_trades`` of the local day, ``first_quote_ns`` (first valid quote of the day, null when
            none), ``day_open_px``, ``day_high_px``, ``day_low_px``, ``day_close_px``, ``day_vwap_px``,
            ``day_value_usd``, ``day_volume_shares``, ``day_source`` (``trades``, ``bars``, ``bars_proxy``
            when the bars lack a VWAP and the typical price (H+L+C)/3 stands in, or null).
        """
        from liqcost.kernels.tca import count_between, next_valid_index, session_stats

        keys = keys.unique(maintain_order=True)
        bounds = day_bounds(keys.get_column("date").to_list(), config.session)
        d = keys.join(bounds, on="date", how="left", maintain_order="left")
        sid = self.index(d.get_column("symbol"))
        q_lo, q_hi = self.bounds(sid, "q")
        t_lo, t_hi = self.bounds(sid, "t")
        mid0 = d.get_column("midnight_ns").to_numpy()
        mid1 = d.get_column("next_midnight_ns").to_numpy() - 1
        op = d.get_column("open_ns").to_numpy()
        cl = d.get_column("close_ns").to_numpy()
        n_q = count_between(mid0, mid1, q_lo, q_hi, self.q_ts)
        n_t = count_between(mid0, mid1, t_lo, t_hi, self.t_ts)
        fq = next_valid_index(mid0, mid1, q_lo, q_hi, self.q_ts, self.q_valid)
        first_q = np.where(fq >= 0, self.q_ts[np.maximum(fq, 0)] if self.q_ts.size else 0, 0)
        o, h, lw, c, val, vol, cnt = session_stats(op, cl, t_lo, t_hi, self.t_ts, self.t_px, self.t_sz)
        with np.errstate(invalid="ignore", divide="ignore"):
            vwap = np.where(vol > 0, val / vol, np.nan)
        d = d.with_columns(
            pl.Series("n_quotes", n_q), pl.Series("n_trades", n_t),
            pl.Series("first_quote_ns", np.where(fq >= 0, first_q, 0), dtype=pl.Int64),
            pl.Series("_fq_ok", fq >= 0, dtype=pl.Boolean),
            pl.Series("day_open_px", o), pl.Series("day_high_px", h), pl.Series("day_low_px", lw), pl.Series("day_close_px", c),
            pl.Series("day_vwap_px", vwap), pl.Series("day_value_usd", val), pl.Series("day_volume_shares", vol),
            pl.Series("day_source", np.where(cnt > 0, "trades", None).tolist(), dtype=pl.String),
        ).with_columns(pl.when(pl.col("_fq_ok")).then(pl.col("first_quote_ns")).otherwise(None).alias("first_quote_ns")).drop("_fq_ok")
        if self.bars is not None and self.bars.height:
            b = self.bars
            d = d.join(b, on=["symbol", "date"], how="left", maintain_order="left")
            use = pl.col("day_source").is_null() & pl.col("_b_close").is_not_null()
            d = d.with_columns(
                pl.when(use).then(pl.col("_b_open")).otherwise(pl.col("day_open_px")).alias("day_open_px"),
                pl.when(use).then(pl.col("_b_high")).otherwise(pl.col("day_high_px")).alias("day_high_px"),
                pl.when(use).then(pl.col("_b_low")).otherwise(pl.col("day_low_px")).alias("day_low_px"),
                pl.when(use).then(pl.col("_b_close")).otherwise(pl.col("day_close_px")).alias("day_close_px"),
                pl.when(use).then(pl.col("_b_vwap")).otherwise(pl.col("day_vwap_px")).alias("day_vwap_px"),
                pl.when(use).then(pl.col("_b_vwap") * pl.col("_b_volume")).otherwise(pl.col("day_value_usd")).alias("day_value_usd"),
                pl.when(use).then(pl.col("_b_volume")).otherwise(pl.col("day_volume_shares")).alias("day_volume_shares"),
                pl.when(use).then(pl.col("_b_source")).otherwise(pl.col("day_source")).alias("day_source"),
                pl.col("_b_close").is_not_null().alias("has_bar"),
            ).drop([c for c in b.columns if c.startswith("_b_")])
        else:
            d = d.with_columns(pl.lit(False).alias("has_bar"))
        return d


def _daily_bars(bars: pl.DataFrame, config) -> pl.DataFrame:
    """One row per symbol-day from bars (intraday bars are summed into days); ``_b_`` prefixed columns."""
    from liqcost.calendar import local_date_expr

    names = bars.columns
    if "date" in names and "ts" in names:
        date = pl.coalesce(pl.col("date"), local_date_expr("ts", config.session.timezone))
    elif "date" in names:
        date = pl.col("date")
    else:
        date = local_date_expr("ts", config.session.timezone)
    has_vwap = "vwap" in names
    order = ["ts"] if "ts" in names else []
    b = bars.with_columns(date.alias("date"))
    if order:
        b = b.sort(["symbol", "date", *order], nulls_last=False)
    vw = pl.col("vwap").cast(pl.Float64) if has_vwap else pl.lit(None, pl.Float64)
    typical = (pl.col("high") + pl.col("low") + pl.col("close")) / 3.0
    b = b.with_columns(
        pl.col("volume").cast(pl.Float64),
        pl.when(vw.is_not_null() & vw.is_finite()).then(vw).otherwise(None).alias("_vw"),
        typical.cast(pl.Float64).alias("_typ"),
    )
    g = b.group_by(["symbol", "date"], maintain_order=True).agg(
        pl.col("open").first().cast(pl.Float64).alias("_b_open"),
        pl.col("high").max().cast(pl.Float64).alias("_b_high"),
        pl.col("low").min().cast(pl.Float64).alias("_b_low"),
        pl.col("close").last().cast(pl.Float64).alias("_b_close"),
        pl.col("volume").sum().alias("_b_volume"),
        (pl.col("_vw") * pl.col("volume")).sum().alias("_vv"),
        pl.col("_vw").is_null().any().alias("_proxy"),
        (pl.col("_typ") * pl.col("volume")).sum().alias("_tv"),
        pl.col("_typ").mean().alias("_tm"),
    )
    vol = pl.col("_b_volume")
    g = g.with_columns(
        pl.when(~pl.col("_proxy") & (vol > 0)).then(pl.col("_vv") / vol)
        .when(vol > 0).then(pl.col("_tv") / vol)
        .otherwise(pl.col("_tm")).alias("_b_vwap"),
        pl.when(pl.col("_proxy") | (vol <= 0)).then(pl.lit("bars_proxy")).otherwise(pl.lit("bars")).alias("_b_source"),
    )
    return g.select("symbol", "date", "_b_open", "_b_high", "_b_low", "_b_close", "_b_volume", "_b_vwap", "_b_source")

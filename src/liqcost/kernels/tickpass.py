"""The fused tick pass: every per-trade and per-day tick measure of a batch of symbol-day partitions.

One call processes a *batch* of partitions laid end to end in flat arrays (offsets say where each
partition starts), so the Python overhead is paid once per batch and the whole loop runs without the
GIL. Each partition is computed on its own (its own slice, its own session bounds), in a fixed order,
so its results do not depend on which other partitions share the batch, on the batch size or on the
number of threads.

Named records
-------------
The kernel's arguments are five named records (namedtuples of arrays and scalars, which numba passes
as one typed object and reads by field name):

* :class:`Batch` -- the input: :class:`Trades` and :class:`Quotes` of every partition end to end, their
  offsets and each partition's session bounds (build it with :func:`make_batch`);
* :class:`Params` -- the parameters (:func:`make_params`);
* :class:`Work` -- working memory (:func:`new_work`) that fits the batch (:func:`work_sizes`); a caller
  running many batches keeps it, so that no batch touches fresh pages;
* :class:`DayOut` -- the per-day outputs: ``status``, the day row ``day`` (a structured array whose
  fields are :data:`DAY_FIELDS`, dtype :data:`DAY_DTYPE`: ``day["effective_spread_bps"]``), the horizon
  table ``hz``, the intraday volume ``bins`` and the Kyle's lambda sums ``kyle``;
* :class:`TradeOut` -- the per-trade outputs (the audit table), empty unless ``Params.want_trades``.

:func:`allocate` makes the outputs and :func:`run` does everything (allocate, size the working memory,
call :func:`tick_pass`).

The passes
----------
Per partition the quotes are read once and the trades a few times in tight loops: one pass over all
trades (classification, volume, prices), then passes over the compacted continuous trades (prevailing
quote, signs and spreads; sizes, gaps and intraday bins; four clock horizons at a time; three
trade-count horizons at a time; Kyle's regression). The formulas are those of the per-topic kernels
(``asof``, ``signing``, ``spreads``, ``volume``, ``regression``), called here through their one-trade
forms (``sign_one``, ``tick_step``, ``location_one``, ``effective_one``, ``rv_step``, ``ols_add``;
``realized_bps`` is written out in the horizon loops with the per-trade terms hoisted, same operations),
with sums accumulated in the same order: the results equal the composition of the array kernels
(``tests/reference/tickpass.py``) bit for bit per trade. Outputs and working memory come from the
caller; the only allocation is the 8 KB sample the percentile selection of a partition of 4,096 trades or
more draws (``volume.percentile_buffered``).

Quote age
---------
A valid quote is in force from its time stamp until the next valid quote, or until it is older than
``Params.max_age_ns`` (when that is >= 0), whichever comes first. A trade (or a horizon time, the open,
the close, a volatility grid time) whose last valid quote is older than that has *no quote*: it is
signed and classified as a trade without a quote and has no effective spread. The quote pass writes an
*expiry entry* (a quote with NaN prices, time ``quote + max_age``) into the compacted quote list where a
quote runs out before the next one, so every later look-up sees the expiry without a test of its own.
``quote_coverage_frac`` counts only the time covered by a quote in force; ``quote_stale_time_frac`` the
time in which the last valid quote had run out; ``quote_age_exceeded_frac`` the continuous trades whose
last valid quote had run out.

Per-day outputs are the fields of :data:`DAY_FIELDS` (units in the names), the horizon table
``[realized_bps, impact_bps, n_trades]`` per horizon (share-weighted over the same trades, so
realized + impact = effective on those trades), the intraday volume bins and the Kyle's lambda sums.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from . import INNER

from .regression import ols_add
from .signing import (
    RULE_FEED,
    RULE_QUOTE,
    RULE_TICK,
    RULE_UNSIGNED,
    RULE_ZERO_TICK,
    norm_cdf,
    sign_one,
    tick_step,
)
from .spreads import (
    LOC_INSIDE,
    LOC_MID,
    LOC_NONE,
    LOC_OUTSIDE,
    LOC_QUOTE,
    effective_one,
    location_one,
    tw_add,
)
from .volume import percentile_buffered, percentile_inplace, percentiles2_buffered, rv_step

__all__ = [
    "DAY_DTYPE",
    "DAY_FIELDS",
    "QIDX_NONE",
    "QIDX_STALE",
    "STATUS_OK",
    "STATUS_UNSORTED_QUOTES",
    "STATUS_UNSORTED_TRADES",
    "STATUS_WORK_TOO_SMALL",
    "USE_AUCTION",
    "USE_CONTINUOUS",
    "USE_EXCLUDED",
    "Batch",
    "DayOut",
    "Params",
    "Quotes",
    "TradeOut",
    "Trades",
    "Work",
    "allocate",
    "fits",
    "make_batch",
    "make_params",
    "new_work",
    "ordered_by_partition",
    "partition_ids",
    "partition_runs",
    "runs_in_time",
    "run",
    "run_starts",
    "tick_pass",
    "tick_chunk",
    "Carry",
    "new_carry",
    "grid_size",
    "work_sizes",
]

USE_EXCLUDED = 0  # invalid price/size or outside the session
USE_CONTINUOUS = 1  # continuous-session trade: signed, in spreads and impact
USE_AUCTION = 2  # auction print (opening / closing cross): in volume and prices only

STATUS_OK = 0
STATUS_UNSORTED_TRADES = 1
STATUS_UNSORTED_QUOTES = 2
STATUS_WORK_TOO_SMALL = 3  # the working memory is shorter than work_sizes(): nothing computed

QIDX_NONE = -1  # no valid quote before the trade
QIDX_STALE = -2  # the last valid quote before the trade is older than the maximum quote age

DAY_FIELDS = (
    "n_trades",
    "n_trades_continuous",
    "n_trades_excluded",
    "volume_shares",
    "dollar_volume_usd",
    "vwap_px",
    "open_px",
    "high_px",
    "low_px",
    "close_px",
    "open_auction_shares",
    "close_auction_shares",
    "n_quotes",
    "n_quotes_invalid",
    "n_quotes_locked",
    "quote_coverage_frac",
    "quote_stale_time_frac",
    "quoted_spread_bps",
    "quoted_spread_px",
    "quoted_depth_shares",
    "quoted_depth_usd",
    "locked_time_frac",
    "open_mid_px",
    "close_mid_px",
    "quoted_spread_trades_bps",
    "effective_spread_bps",
    "effective_spread_ew_bps",
    "effective_spread_dw_bps",
    "effective_spread_px",
    "n_effective",
    "buy_volume_frac",
    "order_imbalance_frac",
    "unsigned_frac",
    "feed_signed_frac",
    "quote_signed_frac",
    "tick_signed_frac",
    "no_quote_frac",
    "quote_age_exceeded_frac",
    "at_mid_frac",
    "inside_frac",
    "at_quote_frac",
    "outside_frac",
    "quote_age_median_s",
    "trade_size_mean_shares",
    "trade_size_median_shares",
    "trade_size_p90_shares",
    "odd_lot_frac",
    "odd_lot_volume_frac",
    "trade_gap_mean_s",
    "trade_gap_median_s",
    "trade_gap_max_s",
    "no_trade_bucket_frac",
    "realized_vol_frac",
    "realized_vol_mid_frac",
    "n_rv_returns_mid",
    "bvc_buy_volume_frac",
)
#: one record per symbol-day: a float64 field per name of :data:`DAY_FIELDS` (counts are whole numbers)
DAY_DTYPE = np.dtype([(name, np.float64) for name in DAY_FIELDS])

PAD = 8  # sentinel slots after the compacted quotes
_TS_MAX = np.iinfo(np.int64).max
_TS_MIN = np.iinfo(np.int64).min
U = np.uint64  # array index known to be >= 0: numba then emits no negative-index wraparound


# ------------------------------------------------------------------------------------- named records


class Trades(NamedTuple):
    """Trades, sorted by time (within each partition of a batch)."""

    ts: np.ndarray  #: int64, ns UTC
    px: np.ndarray  #: float64, currency per share
    sz: np.ndarray  #: float64, shares
    aggr: np.ndarray  #: int8, feed aggressor flag (+1 buy, -1 sell, 0 unknown)
    auc: np.ndarray  #: int8, auction code (0 continuous, 1 opening, 2 closing)


class Quotes(NamedTuple):
    """Top-of-book quotes, sorted by time (within each partition of a batch)."""

    ts: np.ndarray  #: int64, ns UTC
    bid: np.ndarray  #: float64, currency per share
    ask: np.ndarray  #: float64, currency per share
    bsz: np.ndarray  #: float64, shares
    asz: np.ndarray  #: float64, shares


class Batch(NamedTuple):
    """The partitions of a batch end to end: partition ``p`` owns trades ``[t_off[p], t_off[p + 1])`` and
    quotes ``[q_off[p], q_off[p + 1])``, and its session is ``[open_ns[p], close_ns[p]]`` (ns UTC)."""

    trades: Trades
    quotes: Quotes
    t_off: np.ndarray  #: int64[P + 1]
    q_off: np.ndarray  #: int64[P + 1]
    open_ns: np.ndarray  #: int64[P]
    close_ns: np.ndarray  #: int64[P]


class Params(NamedTuple):
    """Parameters of the tick pass (build with :func:`make_params`, which fixes every field's type)."""

    hor_ns: np.ndarray  #: int64[H1], clock horizons, ns
    hor_tr: np.ndarray  #: int64[H2], trade-count horizons (the n-th later continuous trade)
    lag_ns: int  #: quote lag, ns: a trade at t is matched with the quote in force at t - lag
    strict: bool  #: strictly-before (True) or at-or-before (False) matching
    method: int  #: signing method code (liqcost.kernels.signing.SIGNING_CODES)
    use_feed: bool  #: take the feed's aggressor flag first
    clip: bool  #: horizons past the close take the mid at the close (else the trade is dropped)
    bin_ns: int  #: width of the intraday volume bins, ns
    n_bins: int  #: number of volume bins
    bucket_ns: int  #: width of the idle / bulk-volume-classification buckets, ns
    rv_ns: int  #: sampling interval of the realized volatility, ns
    odd_lot: float  #: trades below this size (shares) are odd lots
    max_age_ns: int  #: a quote older than this is no quote (ns); -1: no limit
    want_trades: bool  #: fill the per-trade outputs (TradeOut)


class _Valid(NamedTuple):
    """The compacted quotes of a partition: valid quotes and expiry entries, then PAD sentinel times.
    ``mid`` is 1-based (``mid[j]`` is entry ``j - 1``'s; ``mid[0]``, no quote, is NaN)."""

    ts: np.ndarray
    bid: np.ndarray
    ask: np.ndarray
    mid: np.ndarray
    idx: np.ndarray  # index of the quote in the partition, QIDX_STALE for an expiry entry


class _Cont(NamedTuple):
    """The compacted continuous trades of a partition and what the passes learn about them."""

    ts: np.ndarray
    px: np.ndarray
    sz: np.ndarray
    aggr: np.ndarray
    i: np.ndarray  # index of the trade in the partition
    mid: np.ndarray  # prevailing mid (NaN without a quote in force)
    eff: np.ndarray  # effective spread, bps
    sign: np.ndarray


class _Bufs(NamedTuple):
    """Other working arrays of a partition."""

    ages: np.ndarray  # quote age at each continuous trade with a quote, s
    gaps: np.ndarray  # time between consecutive continuous trades, s
    pbuf: np.ndarray  # percentile scratch (2n)
    b_px: np.ndarray  # last price per idle/BVC bucket
    b_vol: np.ndarray  # volume per bucket
    dps: np.ndarray  # BVC price changes
    vls: np.ndarray  # BVC volumes
    cnt: np.ndarray  # int64[10]: trades per rule code (0-4), per location code (5-9)


class Work(NamedTuple):
    """Working memory of the tick pass (contents do not matter): views of three buffers, made by
    :func:`new_work` for partitions of at most ``n`` trades, ``m`` quotes and ``nbk`` idle buckets, and
    the carried state of a partition (:class:`Carry`, for at most ``nh`` horizons and ``ng`` volatility
    grid times) on top of them."""

    v: _Valid
    c: _Cont
    w: _Bufs
    k: "Carry"
    n: int  #: most trades in a partition it fits
    m: int  #: most quotes in a partition it fits
    nbk: int  #: most idle buckets in a partition it fits


class DayOut(NamedTuple):
    """Per-partition outputs."""

    status: np.ndarray  #: int8[P]: STATUS_OK or why the partition's outputs are blank
    day: np.ndarray  #: DAY_DTYPE[P]: the day row, one field per name of DAY_FIELDS
    hz: np.ndarray  #: float64[P, H1 + H2, 3]: realized spread (bps), price impact (bps), trades per horizon
    bins: np.ndarray  #: float64[P, n_bins]: continuous-session volume per interval, shares
    kyle: np.ndarray  #: float64[P, 6]: liqcost.kernels.regression.ols_sums of the Kyle regression


class TradeOut(NamedTuple):
    """Per-trade outputs (length N, or 0 without ``Params.want_trades``)."""

    use: np.ndarray  #: int8: USE_* class
    qidx: np.ndarray  #: int64: matched quote, index into the batch's quotes; QIDX_NONE or QIDX_STALE
    sign: np.ndarray  #: int8: +1 buy, -1 sell, 0 unsigned
    rule: np.ndarray  #: int8: signing rule code (liqcost.kernels.signing)
    loc: np.ndarray  #: int8: trade location code (liqcost.kernels.spreads LOC_*)
    eff_bps: np.ndarray  #: float64: effective spread, bps (NaN outside the continuous session)
    eff_px: np.ndarray  #: float64: effective spread, currency per share
    mid_h: np.ndarray  #: float64[H1 + H2, N]: midpoint at each horizon (clock horizons first)


# ------------------------------------------------------------------------------ building the records


def _ro(arr, dtype) -> np.ndarray:
    """Contiguous, of ``dtype``, read-only: one kind of input array, so one numba specialization."""
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if arr.flags.writeable:
        arr = arr.view()
        arr.flags.writeable = False
    return arr


def make_batch(t_ts, t_px, t_sz, t_aggr, t_auc, t_off, q_ts, q_bid, q_ask, q_bsz, q_asz, q_off, open_ns,
               close_ns) -> Batch:
    """A :class:`Batch` from arrays, every field of its fixed dtype and read-only (one specialization)."""
    i8, i64, f64 = np.int8, np.int64, np.float64
    return Batch(
        Trades(_ro(t_ts, i64), _ro(t_px, f64), _ro(t_sz, f64), _ro(t_aggr, i8), _ro(t_auc, i8)),
        Quotes(_ro(q_ts, i64), _ro(q_bid, f64), _ro(q_ask, f64), _ro(q_bsz, f64), _ro(q_asz, f64)),
        _ro(t_off, i64), _ro(q_off, i64), _ro(open_ns, i64), _ro(close_ns, i64),
    )


def make_params(hor_ns, hor_tr, lag_ns, strict, method, use_feed, clip, bin_ns, n_bins, bucket_ns, rv_ns, odd_lot,
                max_age_ns=-1, want_trades=False) -> Params:
    """A :class:`Params` with every field of its fixed type (int64 ns, bool, float64; see the class)."""
    return Params(
        _ro(hor_ns, np.int64), _ro(hor_tr, np.int64), int(lag_ns), bool(strict), int(method), bool(use_feed),
        bool(clip), int(bin_ns), int(n_bins), int(bucket_ns), int(rv_ns), float(odd_lot),
        -1 if max_age_ns is None or max_age_ns < 0 else int(max_age_ns), bool(want_trades),
    )


def work_sizes(batch: Batch, prm: Params) -> tuple[int, int, int, int, int]:
    """The most trades, quotes, idle buckets and volatility grid times of a partition of ``batch``, and the
    horizons: what a :class:`Work` must fit."""
    n = int(np.diff(batch.t_off).max()) if batch.t_off.shape[0] > 1 else 0
    m = int(np.diff(batch.q_off).max()) if batch.q_off.shape[0] > 1 else 0
    span = batch.close_ns - batch.open_ns
    nbk = int(np.maximum((span + prm.bucket_ns - 1) // prm.bucket_ns, 0).max()) if span.shape[0] else 0
    ng = int(((span + prm.rv_ns - 1) // prm.rv_ns).max()) + 1 if span.shape[0] else 1
    nh = prm.hor_ns.shape[0] + prm.hor_tr.shape[0]
    return n, m, nbk, nh, ng


def fits(work: Work | None, sizes: tuple) -> bool:
    """Whether ``work`` is big enough for partitions of the given :func:`work_sizes`."""
    return (work is not None and work.n >= sizes[0] and work.m >= sizes[1] and work.nbk >= sizes[2]
            and work.k.hzs.shape[0] >= sizes[3] and work.k.grid.shape[1] >= sizes[4])


def new_work(sizes: tuple) -> Work:
    """Working memory for partitions of at most ``sizes = (n trades, m quotes, nbk buckets[, horizons,
    grid times])``: three buffers (int64, float64, int8) cut into the views the passes use, and a
    :class:`Carry` whose per-trade arrays are views of them (a partition computed whole needs no more)."""
    n, m, nbk = (int(x) for x in sizes[:3])
    nh = int(sizes[3]) if len(sizes) > 3 else 8
    ng = int(sizes[4]) if len(sizes) > 4 else 1
    e = 2 * m + PAD  # valid quotes, an expiry entry after each, sentinels
    si = np.empty(2 * e + 2 * n + 10, np.int64)
    sf = np.empty(3 * e + 1 + 8 * n + 4 * nbk, np.float64)
    sb = np.empty(2 * n, np.int8)
    cut = _Cutter()
    v = _Valid(cut(si, e), cut(sf, e), cut(sf, e), cut(sf, e + 1), cut(si, e))
    c = _Cont(cut(si, n), cut(sf, n), cut(sf, n), cut(sb, n), cut(si, n), cut(sf, n), cut(sf, n), cut(sb, n))
    w = _Bufs(cut(sf, n), cut(sf, n), cut(sf, 2 * n), cut(sf, nbk), cut(sf, nbk), cut(sf, nbk), cut(sf, nbk),
              cut(si, 10))
    k = Carry(np.zeros(NF), np.zeros(NK, np.int64), np.zeros((max(nh, 1), 4)), np.zeros((2, max(ng, 1))),
              w.b_px, w.b_vol, w.cnt, w.ages, w.gaps, c.sz)
    return Work(v, c, w, k, n, m, nbk)


class _Cutter:
    """Consecutive views of buffers: ``cut(buf, k)`` is the next ``k`` elements of ``buf``."""

    def __init__(self):
        self.at: dict = {}

    def __call__(self, buf: np.ndarray, k: int) -> np.ndarray:
        a = self.at.get(id(buf), 0)
        self.at[id(buf)] = a + k
        if a + k > buf.shape[0]:  # pragma: no cover - the buffer lengths above are the sum of the cuts
            raise ValueError("tick pass working memory: buffer too short for its views")
        return buf[a:a + k]


def allocate(batch: Batch, prm: Params) -> tuple[DayOut, TradeOut]:
    """The outputs of :func:`tick_pass` for ``batch``, in their blank state (what an unsorted partition
    keeps): NaN measures, zero bins and sums, no quote, unsigned."""
    P = batch.t_off.shape[0] - 1
    N = batch.trades.ts.shape[0] if prm.want_trades else 0
    H = prm.hor_ns.shape[0] + prm.hor_tr.shape[0]
    day = np.empty(P, DAY_DTYPE)
    day.view(np.float64)[:] = np.nan
    dout = DayOut(np.zeros(P, np.int8), day, np.full((P, H, 3), np.nan), np.zeros((P, prm.n_bins)), np.zeros((P, 6)))
    tout = TradeOut(np.zeros(N, np.int8), np.full(N, QIDX_NONE, np.int64), np.zeros(N, np.int8), np.zeros(N, np.int8),
                    np.zeros(N, np.int8), np.full(N, np.nan), np.full(N, np.nan), np.full((H, N), np.nan))
    return dout, tout


def run(batch: Batch, prm: Params, work: Work | None = None) -> tuple[DayOut, TradeOut]:
    """Allocate the outputs, make sure the working memory fits, and run :func:`tick_pass`."""
    need = work_sizes(batch, prm)
    if not fits(work, need):
        work = new_work(need)
    dout, tout = allocate(batch, prm)
    tick_pass(batch, prm, work, dout, tout)
    return dout, tout


# ------------------------------------------------------------------------- partitions of a batch

@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _is_sorted(x):
    for i in range(1, x.shape[0]):
        if x[i] < x[i - 1]:
            return False
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def ordered_by_partition(pid, ts):
    """True when rows are sorted by partition id, then by time (one pass, no temporaries)."""
    for i in range(1, pid.shape[0]):
        if pid[i] < pid[i - 1] or (pid[i] == pid[i - 1] and ts[i] < ts[i - 1]):
            return False
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def partition_ids(run_len, run_code, ts, bounds):
    """Partition id ``symbol_code * n_days + day`` of every row, and whether the rows are in order.

    Parameters
    ----------
    run_len : int64[r]
        Lengths of the runs of consecutive rows with the same symbol, in row order.
    run_code : int64[r]
        Symbol code of each run.
    ts : int64[n]
        Time stamps, ns UTC (``n = sum(run_len)``).
    bounds : int64[d + 1]
        UTC ns of the local midnights, ascending (day k is ``[bounds[k], bounds[k + 1])``).

    Returns
    -------
    pid : int64[n]
        Partition ids; -1 for a time outside ``bounds``. A moving day pointer makes sorted input O(n).
    ordered : bool
        True when the rows are sorted by partition id, then by time (:func:`ordered_by_partition`).
    """
    n = ts.shape[0]
    n_days = bounds.shape[0] - 1
    out = np.empty(n, dtype=np.int64)
    ordered = True
    prev_p = np.iinfo(np.int64).min
    prev_t = np.iinfo(np.int64).min
    lo = bounds[0]
    hi = bounds[1] if n_days > 0 else lo
    d = 0
    i = 0
    for r in range(run_len.shape[0]):
        base = run_code[r] * n_days
        for _ in range(run_len[r]):
            t = ts[i]
            if lo <= t < hi:
                p = base + d
            elif t < bounds[0] or t >= bounds[n_days]:
                p = -1
            else:
                d = np.searchsorted(bounds, t, side="right") - 1
                lo = bounds[d]
                hi = bounds[d + 1]
                p = base + d
            out[i] = p
            ordered &= (p > prev_p) | ((p == prev_p) & (t >= prev_t))
            prev_p = p
            prev_t = t
            i += 1
    return out, ordered


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _day_of(t, d, lo, hi, bounds):
    """Day index of time ``t`` (-1 outside ``bounds``) with the last day ``d`` and its ``[lo, hi)`` as the
    first guess: ``(day, d, lo, hi)``."""
    n_days = bounds.shape[0] - 1
    if lo <= t < hi:
        return d, d, lo, hi
    if t < bounds[0] or t >= bounds[n_days]:
        return -1, d, lo, hi
    d = np.searchsorted(bounds, t, side="right") - 1
    return d, d, bounds[d], bounds[d + 1]


@njit(cache=True, nogil=True, error_model="numpy")
def partition_runs(run_len, run_code, ts, bounds):
    """Runs of consecutive rows with the same partition id (:func:`partition_ids`) without a per-row array.

    Returns
    -------
    pids : int64[k]
        Partition id of each run (-1 for times outside ``bounds``).
    starts : int64[k + 1]
        First row of each run, then the number of rows.
    ordered : bool
        Rows sorted by partition id, then time (then every partition is one run).
    """
    k, ordered = _partition_runs(run_len, run_code, ts, bounds, np.empty(0, np.int64), np.empty(0, np.int64), False)
    pids = np.empty(k, dtype=np.int64)
    starts = np.empty(k + 1, dtype=np.int64)
    _partition_runs(run_len, run_code, ts, bounds, pids, starts, True)
    starts[k] = ts.shape[0]
    return pids, starts, ordered


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _partition_runs(run_len, run_code, ts, bounds, pids, starts, fill):
    """One pass of :func:`partition_runs`: the number of runs (written out when ``fill``) and the order."""
    n_days = bounds.shape[0] - 1
    k = 0
    ordered = True
    prev_p = _TS_MIN
    prev_t = _TS_MIN
    d = 0
    lo = bounds[0]
    hi = bounds[1] if n_days > 0 else lo
    i = 0
    for r in range(run_len.shape[0]):
        base = run_code[r] * n_days
        for _ in range(run_len[r]):
            t = ts[i]
            day, d, lo, hi = _day_of(t, d, lo, hi, bounds)
            p = base + day if day >= 0 else -1
            if i == 0 or p != prev_p:
                if fill:
                    pids[k] = p
                    starts[k] = i
                k += 1
            ordered &= (p > prev_p) | ((p == prev_p) & (t >= prev_t))
            prev_p = p
            prev_t = t
            i += 1
    return k, ordered


@njit(cache=True, nogil=True, error_model="numpy")
def runs_in_time(ts, starts):
    """Whether the time stamps never go back inside any run of rows ``[starts[r], starts[r + 1])``
    (``starts`` as :func:`partition_runs` returns them: the first row of each run, then the number of rows).
    One pass, stopping at the first row out of order; a row earlier than the last row of the run before it
    is fine (a new run)."""
    for r in range(starts.shape[0] - 1):
        for i in range(starts[r] + 1, starts[r + 1]):
            if ts[i] < ts[i - 1]:
                return False
    return True


@njit(cache=True, nogil=True, error_model="numpy")
def run_starts(x):
    """Distinct values of a sorted array and where each starts: ``(values, starts)`` (one pass)."""
    n = x.shape[0]
    k = 0
    for i in range(n):
        if i == 0 or x[i] != x[i - 1]:
            k += 1
    values = np.empty(k, dtype=x.dtype)
    starts = np.empty(k, dtype=np.int64)
    k = 0
    for i in range(n):
        if i == 0 or x[i] != x[i - 1]:
            values[k] = x[i]
            starts[k] = i
            k += 1
    return values, starts


# ------------------------------------------------------------------------------------ the tick pass


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _advance(ts, j, t):
    """First index ``k >= j`` with ``ts[k] >= t`` (``ts`` ascending, followed by ``PAD`` sentinels).

    The usual walk ``while ts[j] < t: j += 1`` mispredicts its exit about once per call, which costs
    more than the walk itself when a few quotes separate consecutive trades. Here the first 7 steps are
    taken by three branch-free probes (4, 2, 1); the loop only runs for longer jumps.
    """
    j += 4 * (ts[U(j + 3)] < t)
    j += 2 * (ts[U(j + 1)] < t)
    j += ts[U(j)] < t
    while ts[U(j)] < t:
        j += 1
    return j


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _count_below(a, n, x, right):
    """Number of the ``n`` first (ascending) values of ``a`` below ``x`` (``right``: at or below): what
    ``np.searchsorted(a[:n], x, side)`` returns, by bisection."""
    lo = 0
    hi = n
    while lo < hi:
        mid = (lo + hi) >> 1
        v = a[mid]
        if v < x or (right and v == x):
            lo = mid + 1
        else:
            hi = mid
    return lo


# ------------------------------------------------------------------------------- carried state
# The passes keep their running values (sums, counts, the quote in force, the tick-test state, the
# activity buckets ...) in a Carry record: a partition is computed whole (one call, tick_pass) or in
# chunks of trades (tick_chunk, one call per chunk), by the same code; the day's outputs are written
# from the carried values when the last chunk is done (_finish).

# float64 state (Carry.cf)
F_SBPS, F_SPX, F_SDEP, F_SUSD, F_CB, F_CA, F_CBS, F_CAS = 0, 1, 2, 3, 4, 5, 6, 7
F_VOL, F_DVOL, F_OAUC, F_CAUC, F_FIRST, F_LAST, F_HI, F_LO = 8, 9, 10, 11, 12, 13, 14, 15
F_PREVPX, F_SQ, F_ESW, F_EW, F_ESUM, F_EDW, F_ED, F_EPX, F_BUY, F_SELL = 16, 17, 18, 19, 20, 21, 22, 23, 24, 25
F_SZTOT, F_ODDV, F_GAPSUM, F_GAPMAX, F_OMID, F_CMID = 26, 27, 28, 29, 30, 31
NF = 32
# int64 state (Carry.ck)
K_QPREV, K_NE, K_NV, K_NLOCK, K_COV, K_LOCKED, K_STALE, K_HAVECUR, K_CURT, K_CURQ, K_LASTQ, K_M = range(12)
K_TPREV, K_NCONT, K_NEXCL, K_NIN = 12, 13, 14, 15
K_HAVEPREV, K_LASTDIR, K_NEFF, K_NAGE, K_NSTALE = 16, 17, 18, 19, 20
K_BK, K_BKEND, K_VB, K_VBEND, K_NODD, K_PREVTS, K_NACT = 21, 22, 23, 24, 25, 26, 27
K_PEND, K_NLOC, K_ORES, K_CRES, K_GRES = 28, 29, 30, 31, 32
NK = 33


class Carry(NamedTuple):
    """What the passes carry from one chunk of a partition to the next (contents do not matter before the
    first chunk: it resets them). ``ages``, ``gaps`` and ``sizes`` hold one value per continuous trade of
    the *day* (the exact medians and the 90th percentile are taken over them at the end); the other
    arrays are small."""

    cf: np.ndarray  #: float64[NF]: running sums and values (F_*)
    ck: np.ndarray  #: int64[NK]: counts, times and flags (K_*)
    hzs: np.ndarray  #: float64[H, 4]: per horizon, share weight, realized and impact sums, trades
    grid: np.ndarray  #: float64[2, G]: last trade price and mid at each realized-volatility grid time
    b_px: np.ndarray  #: float64[nbk]: last price per idle/BVC bucket
    b_vol: np.ndarray  #: float64[nbk]: volume per bucket
    cnt: np.ndarray  #: int64[10]: trades per rule code (0-4), per location code (5-9)
    ages: np.ndarray  #: float64[n]: quote age at each continuous trade with a quote, s
    gaps: np.ndarray  #: float64[n]: time between consecutive continuous trades, s
    sizes: np.ndarray  #: float64[n]: size of each continuous trade, shares


def new_carry(n_trades: int, n_h: int, n_grid: int, nbk: int) -> Carry:
    """A :class:`Carry` for a partition (a day) of at most ``n_trades`` trades."""
    n = int(n_trades)
    return Carry(np.zeros(NF), np.zeros(NK, np.int64), np.zeros((max(int(n_h), 1), 4)), np.zeros((2, max(int(n_grid), 1))),
                 np.zeros(max(int(nbk), 1)), np.zeros(max(int(nbk), 1)), np.zeros(10, np.int64), np.empty(n),
                 np.empty(max(n - 1, 0)), np.empty(n))


def grid_size(open_ns, close_ns, rv_ns) -> int:
    """Points of the realized-volatility grid of a session (``open, open + rv, ..., close``)."""
    k = -(-(int(close_ns) - int(open_ns)) // int(rv_ns))
    return max(k, 0) + 1


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _reset(k, open_ns, bucket_ns, bin_ns, n_bk, n_grid):
    """The carried state before a partition's first chunk."""
    cf = k.cf
    ck = k.ck
    for x in range(NF):
        cf[x] = 0.0
    for x in range(NK):
        ck[x] = 0
    cf[F_FIRST] = np.nan
    cf[F_LAST] = np.nan
    cf[F_HI] = np.nan
    cf[F_LO] = np.nan
    cf[F_GAPMAX] = -np.inf
    cf[F_OMID] = np.nan
    cf[F_CMID] = np.nan
    ck[K_QPREV] = _TS_MIN
    ck[K_TPREV] = _TS_MIN
    ck[K_CURT] = open_ns
    ck[K_CURQ] = open_ns
    ck[K_LASTQ] = open_ns
    ck[K_BKEND] = open_ns + bucket_ns
    ck[K_VBEND] = open_ns + bin_ns
    k.hzs[:] = 0.0
    for g in range(n_grid):
        k.grid[0, g] = np.nan
        k.grid[1, g] = np.nan
    for b in range(n_bk):
        k.b_px[b] = np.nan
        k.b_vol[b] = 0.0
    for x in range(10):
        k.cnt[x] = 0


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _quote_pass(q, qa, qb, open_ns, close_ns, max_age, after, v, k):
    """The quotes of rows ``[qa, qb)``, once, after those of the earlier chunks: the valid ones appended to
    the compacted list ``v`` (``v.idx`` their batch row) with an expiry entry after each quote that runs
    out before the next one (module docstring), then (not kept for the next chunk) an expiry entry after
    the last one and ``PAD`` sentinel times; the quote counts and the time-weighted spread, depth and
    coverage over the session (spreads.time_weighted_quotes, streamed, each quote in force for at most
    ``max_age`` ns) into the carried state. Returns ``(sorted, entries)`` (entries with the last expiry)."""
    cf = k.cf
    ck = k.ck
    expire = max_age >= 0
    unsorted = False
    prev_t = ck[K_QPREV]
    ne = ck[K_NE]  # entries in v
    nv = ck[K_NV]  # valid quotes
    n_lock = ck[K_NLOCK]
    s_bps = cf[F_SBPS]
    s_px = cf[F_SPX]
    s_dep = cf[F_SDEP]
    s_usd = cf[F_SUSD]
    covered = ck[K_COV]
    locked = ck[K_LOCKED]
    stale = ck[K_STALE]
    have_cur = ck[K_HAVECUR] != 0
    cur_t = ck[K_CURT]  # where the quote in force starts to count (its time, or the open)
    cur_q = ck[K_CURQ]  # its own time stamp
    last_q = ck[K_LASTQ]  # time stamp of the last valid quote
    cb = cf[F_CB]
    ca = cf[F_CA]
    cbs = cf[F_CBS]
    cas = cf[F_CAS]
    for j in range(qa, qb):
        t = q.ts[j]
        unsorted |= t < prev_t
        prev_t = t
        b = q.bid[j]
        a = q.ask[j]
        if not ((b > 0.0) and (a > 0.0) and (b <= a)):
            continue
        if expire and nv > 0 and t - last_q > max_age + after:  # the last quote runs out first
            e = U(ne)
            v.ts[e] = last_q + max_age + after
            v.bid[e] = np.nan
            v.ask[e] = np.nan
            v.mid[e + U(1)] = np.nan
            v.idx[e] = QIDX_STALE
            ne += 1
        e = U(ne)
        v.ts[e] = t
        v.bid[e] = b
        v.ask[e] = a
        v.mid[e + U(1)] = 0.5 * (b + a)
        v.idx[e] = j
        ne += 1
        nv += 1
        last_q = t
        if b == a:
            n_lock += 1
        if t >= close_ns:
            continue
        if t <= open_ns:
            have_cur = True
        else:
            if have_cur:
                end = t
                if expire and t - cur_q > max_age:
                    end = cur_q + max_age
                    stale += t - (end if end > cur_t else cur_t)
                dt = end - cur_t
                if dt > 0:
                    s_bps, s_px, s_dep, s_usd, covered, locked = tw_add(
                        dt, cb, ca, cbs, cas, s_bps, s_px, s_dep, s_usd, covered, locked)
            have_cur = True
            cur_t = t
        cur_q = t
        cb = b
        ca = a
        cbs = q.bsz[j]
        cas = q.asz[j]
    n_ent = ne
    if expire and nv > 0:  # the last quote runs out too (until a later chunk brings the next one)
        e = U(n_ent)
        v.ts[e] = last_q + max_age + after
        v.bid[e] = np.nan
        v.ask[e] = np.nan
        v.mid[e + U(1)] = np.nan
        v.idx[e] = QIDX_STALE
        n_ent += 1
    for j in range(n_ent, n_ent + PAD):  # sentinels: the walks need no bound test
        v.ts[j] = _TS_MAX
    if unsorted:
        return False, n_ent
    ck[K_QPREV] = prev_t
    ck[K_NE] = ne
    ck[K_NV] = nv
    ck[K_NLOCK] = n_lock
    ck[K_M] += qb - qa
    cf[F_SBPS] = s_bps
    cf[F_SPX] = s_px
    cf[F_SDEP] = s_dep
    cf[F_SUSD] = s_usd
    ck[K_COV] = covered
    ck[K_LOCKED] = locked
    ck[K_STALE] = stale
    ck[K_HAVECUR] = have_cur
    ck[K_CURT] = cur_t
    ck[K_CURQ] = cur_q
    ck[K_LASTQ] = last_q
    cf[F_CB] = cb
    cf[F_CA] = ca
    cf[F_CBS] = cbs
    cf[F_CAS] = cas
    return True, n_ent


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _quote_finish(open_ns, close_ns, max_age, k, day):
    """The quote in force at the close into the time-weighted sums, and the day's quote fields."""
    cf = k.cf
    ck = k.ck
    expire = max_age >= 0
    s_bps = cf[F_SBPS]
    s_px = cf[F_SPX]
    s_dep = cf[F_SDEP]
    s_usd = cf[F_SUSD]
    covered = ck[K_COV]
    locked = ck[K_LOCKED]
    stale = ck[K_STALE]
    cur_t = ck[K_CURT]
    cur_q = ck[K_CURQ]
    if ck[K_HAVECUR] != 0 and close_ns > cur_t:
        end = close_ns
        if expire and close_ns - cur_q > max_age:
            end = cur_q + max_age
            stale += close_ns - (end if end > cur_t else cur_t)
        dt = end - cur_t
        if dt > 0:
            s_bps, s_px, s_dep, s_usd, covered, locked = tw_add(
                dt, cf[F_CB], cf[F_CA], cf[F_CBS], cf[F_CAS], s_bps, s_px, s_dep, s_usd, covered, locked)
    m = ck[K_M]
    day.n_quotes = m
    day.n_quotes_invalid = m - ck[K_NV]
    day.n_quotes_locked = ck[K_NLOCK]
    session_s = (close_ns - open_ns) / 1e9
    cov_s = covered / 1e9
    day.quote_coverage_frac = cov_s / session_s if session_s > 0 else np.nan
    day.quote_stale_time_frac = (stale / 1e9) / session_s if session_s > 0 else np.nan
    if covered > 0:
        cfl = float(covered)
        day.quoted_spread_bps = s_bps / cfl
        day.quoted_spread_px = s_px / cfl
        day.quoted_depth_shares = s_dep / cfl
        day.quoted_depth_usd = s_usd / cfl
    else:
        day.quoted_spread_bps = np.nan
        day.quoted_spread_px = np.nan
        day.quoted_depth_shares = np.nan
        day.quoted_depth_usd = np.nan
    day.locked_time_frac = (locked / 1e9) / cov_s if cov_s > 0 else np.nan


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _trade_pass(t, a, b, open_ns, close_ns, la, want_trades, v, o_use, o_qidx, c, c0, k):
    """Every trade of rows ``[a, b)``: classification (``USE_*``), volume and prices into the carried
    state; the continuous trades appended to ``c`` from position ``c0`` (``c.i`` their batch row) for the
    passes that follow. Returns ``(sorted, end of c)``."""
    cf = k.cf
    ck = k.ck
    unsorted = False
    prev_t = ck[K_TPREV]
    j0 = 0  # entries before the trade less the lag (v.ts[j0 - 1] is the prevailing one)
    n_cont = c0
    n_excl = 0
    n_in = 0
    vol = cf[F_VOL]
    dvol = cf[F_DVOL]
    open_auc = cf[F_OAUC]
    close_auc = cf[F_CAUC]
    first_px = cf[F_FIRST]
    last_px = cf[F_LAST]
    hi = cf[F_HI]
    lo = cf[F_LO]
    for i in range(a, b):
        p = t.px[i]
        s = t.sz[i]
        ts = t.ts[i]
        unsorted |= ts < prev_t
        prev_t = ts
        auc = t.auc[i]
        u = USE_EXCLUDED
        if p > 0.0 and s > 0.0 and p < np.inf and s < np.inf:
            if auc != 0:
                u = USE_AUCTION
            elif ts >= open_ns and ts <= close_ns:
                u = USE_CONTINUOUS
        if want_trades:  # (the audit table has the prevailing quote of every trade)
            j0 = _advance(v.ts, j0, ts - la)
            o_use[i] = u
            o_qidx[i] = v.idx[U(j0 - 1)] if j0 > 0 else QIDX_NONE
        if u == USE_EXCLUDED:
            n_excl += 1
            continue
        n_in += 1
        vol += s
        dvol += p * s
        if auc == 1:
            open_auc += s
        elif auc == 2:
            close_auc += s
        if not (first_px == first_px):
            first_px = p
            hi = p
            lo = p
        last_px = p
        hi = hi if hi >= p else p
        lo = lo if lo <= p else p
        if u == USE_CONTINUOUS:
            e = U(n_cont)
            c.ts[e] = ts
            c.px[e] = p
            c.sz[e] = s
            c.aggr[e] = t.aggr[i]
            c.i[e] = i
            n_cont += 1
    if unsorted:
        return False, n_cont
    ck[K_TPREV] = prev_t
    ck[K_NCONT] += n_cont - c0
    ck[K_NEXCL] += n_excl
    ck[K_NIN] += n_in
    cf[F_VOL] = vol
    cf[F_DVOL] = dvol
    cf[F_OAUC] = open_auc
    cf[F_CAUC] = close_auc
    cf[F_FIRST] = first_px
    cf[F_LAST] = last_px
    cf[F_HI] = hi
    cf[F_LO] = lo
    return True, n_cont


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _trade_finish(k, day):
    cf = k.cf
    ck = k.ck
    vol = cf[F_VOL]
    dvol = cf[F_DVOL]
    day.n_trades = ck[K_NIN]
    day.n_trades_continuous = ck[K_NCONT]
    day.n_trades_excluded = ck[K_NEXCL]
    day.volume_shares = vol
    day.dollar_volume_usd = dvol
    day.vwap_px = dvol / vol if vol > 0.0 else np.nan
    day.open_px = cf[F_FIRST]
    day.high_px = cf[F_HI]
    day.low_px = cf[F_LO]
    day.close_px = cf[F_LAST]
    day.open_auction_shares = cf[F_OAUC]
    day.close_auction_shares = cf[F_CAUC]


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _spread_pass(c0, n_cont, c, la, method, use_feed, v, want_trades, tout, k):
    """Continuous trades ``c[c0:n_cont]``: prevailing quote (asof.prevailing_quotes, a walk over the
    compacted quotes), sign (signing.sign_trades), location (spreads.trade_location), effective spread
    (spreads.effective_spreads) and their running sums in the carried state."""
    cf = k.cf
    ck = k.ck
    jq = 0
    have_prev = ck[K_HAVEPREV] != 0  # tick rule state
    prev_px = cf[F_PREVPX]
    last_dir = ck[K_LASTDIR]
    sq = cf[F_SQ]
    e_sw = cf[F_ESW]
    e_w = cf[F_EW]
    e_sum = cf[F_ESUM]
    e_dw = cf[F_EDW]
    e_d = cf[F_ED]
    e_px = cf[F_EPX]
    n_eff = ck[K_NEFF]
    buy_v = cf[F_BUY]
    sell_v = cf[F_SELL]
    n_age = ck[K_NAGE]
    n_stale = ck[K_NSTALE]
    cnt = k.cnt
    ages = k.ages
    for ci in range(c0, n_cont):
        p = c.px[ci]
        s = c.sz[ci]
        jq = _advance(v.ts, jq, c.ts[ci] - la)
        qi = QIDX_NONE
        if jq > 0:
            e = U(jq - 1)
            qb = v.bid[e]
            qa = v.ask[e]
            mid = v.mid[e + U(1)]
            qi = v.idx[e]
        else:
            qb = np.nan
            qa = np.nan
            mid = np.nan
        tsign, trule, last_dir = tick_step(p, have_prev, prev_px, last_dir)
        have_prev = True
        prev_px = p
        d, rule = sign_one(p, qb, qa, c.aggr[ci], method, use_feed, tsign, trule)
        loc = location_one(p, qb, qa)
        eff, effx = effective_one(p, d, mid)
        c.sign[ci] = d
        c.mid[ci] = mid
        c.eff[ci] = eff
        if want_trades:
            i = c.i[ci]
            tout.sign[i] = d
            tout.rule[i] = rule
            tout.loc[i] = loc
            tout.eff_bps[i] = eff
            tout.eff_px[i] = effx
        cnt[U(rule)] += 1
        cnt[U(5 + loc)] += 1
        if qi >= 0:
            sq += (qa - qb) / mid * 1e4
            ages[U(n_age)] = (c.ts[ci] - v.ts[U(jq - 1)]) / 1e9
            n_age += 1
        n_stale += qi == QIDX_STALE
        if eff == eff:
            dv = s * p
            e_sw += s * eff
            e_w += s
            e_dw += dv * eff
            e_d += dv
            e_sum += eff
            e_px += s * effx
            n_eff += 1
        buy_v += s if d > 0 else 0.0  # (selects: the side of a trade is a coin flip to the branch predictor)
        sell_v += s if d < 0 else 0.0
    ck[K_HAVEPREV] = have_prev
    cf[F_PREVPX] = prev_px
    ck[K_LASTDIR] = last_dir
    cf[F_SQ] = sq
    cf[F_ESW] = e_sw
    cf[F_EW] = e_w
    cf[F_ESUM] = e_sum
    cf[F_EDW] = e_dw
    cf[F_ED] = e_d
    cf[F_EPX] = e_px
    ck[K_NEFF] = n_eff
    cf[F_BUY] = buy_v
    cf[F_SELL] = sell_v
    ck[K_NAGE] = n_age
    ck[K_NSTALE] = n_stale


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _spread_finish(k, pbuf, inplace, day):
    """The day's spread and signing fields from the carried sums; the median quote age (in place over the
    carried ages when ``inplace``, else through ``pbuf``: the same value)."""
    cf = k.cf
    ck = k.ck
    cnt = k.cnt
    n_cont = ck[K_NCONT]
    n_age = ck[K_NAGE]
    n_eff = ck[K_NEFF]
    e_w = cf[F_EW]
    e_d = cf[F_ED]
    day.quoted_spread_trades_bps = cf[F_SQ] / n_age if n_age > 0 else np.nan
    day.effective_spread_bps = cf[F_ESW] / e_w if e_w > 0 else np.nan
    day.effective_spread_ew_bps = cf[F_ESUM] / n_eff if n_eff > 0 else np.nan
    day.effective_spread_dw_bps = cf[F_EDW] / e_d if e_d > 0 else np.nan
    day.effective_spread_px = cf[F_EPX] / e_w if e_w > 0 else np.nan
    day.n_effective = n_eff
    buy_v = cf[F_BUY]
    sell_v = cf[F_SELL]
    sv = buy_v + sell_v
    day.buy_volume_frac = buy_v / sv if sv > 0 else np.nan
    day.order_imbalance_frac = (buy_v - sell_v) / sv if sv > 0 else np.nan
    if n_cont > 0:
        nc = float(n_cont)
        day.unsigned_frac = cnt[RULE_UNSIGNED] / nc
        day.feed_signed_frac = cnt[RULE_FEED] / nc
        day.quote_signed_frac = cnt[RULE_QUOTE] / nc
        day.tick_signed_frac = (cnt[RULE_TICK] + cnt[RULE_ZERO_TICK]) / nc
        day.no_quote_frac = cnt[5 + LOC_NONE] / nc
        day.quote_age_exceeded_frac = ck[K_NSTALE] / nc
        day.at_mid_frac = cnt[5 + LOC_MID] / nc
        day.inside_frac = cnt[5 + LOC_INSIDE] / nc
        day.at_quote_frac = cnt[5 + LOC_QUOTE] / nc
        day.outside_frac = cnt[5 + LOC_OUTSIDE] / nc
    else:
        day.unsigned_frac = np.nan
        day.feed_signed_frac = np.nan
        day.quote_signed_frac = np.nan
        day.tick_signed_frac = np.nan
        day.no_quote_frac = np.nan
        day.quote_age_exceeded_frac = np.nan
        day.at_mid_frac = np.nan
        day.inside_frac = np.nan
        day.at_quote_frac = np.nan
        day.outside_frac = np.nan
    if n_age == 0:
        day.quote_age_median_s = np.nan
    elif inplace:
        day.quote_age_median_s = percentile_inplace(k.ages[:n_age], 50.0)
    else:
        day.quote_age_median_s = percentile_buffered(k.ages[:n_age], 50.0, pbuf)


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _activity_pass(c0, n_cont, c, bucket_ns, close_ns, bin_ns, n_bins, odd_lot, bins, k):
    """Continuous trades ``c[c0:n_cont]``: sizes (volume.size_stats), gaps (volume.trade_gaps), idle
    buckets (volume.bucket_activity), bulk volume classification on the same buckets and volume bins
    (volume.volume_bins), each streamed into the carried state and ``bins``."""
    cf = k.cf
    ck = k.ck
    b_px = k.b_px
    b_vol = k.b_vol
    bk = ck[K_BK]
    bk_end = ck[K_BKEND]
    vb = ck[K_VB]
    vb_end = ck[K_VBEND]
    sz_tot = cf[F_SZTOT]
    n_odd = ck[K_NODD]
    odd_v = cf[F_ODDV]
    gap_sum = cf[F_GAPSUM]
    gap_max = cf[F_GAPMAX]
    prev_ts = ck[K_PREVTS]
    g = ck[K_NACT]  # continuous trades of the day before this one
    gaps = k.gaps
    sizes = k.sizes
    for ci in range(c0, n_cont):
        p = c.px[ci]
        s = c.sz[ci]
        ts = c.ts[ci]
        sizes[U(g)] = s
        sz_tot += s
        odd = s < odd_lot
        n_odd += odd
        odd_v += s if odd else 0.0
        if g > 0:
            gp = (ts - prev_ts) / 1e9
            gaps[U(g - 1)] = gp
            gap_sum += gp
            gap_max = gap_max if gap_max >= gp else gp
        prev_ts = ts
        g += 1
        if ts < close_ns:
            while ts >= bk_end:
                bk += 1
                bk_end += bucket_ns
            b_px[U(bk)] = p
            b_vol[U(bk)] += s
        if n_bins > 0:
            while vb < n_bins - 1 and ts >= vb_end:
                vb += 1
                vb_end += bin_ns
            bins[U(vb)] += s
    ck[K_BK] = bk
    ck[K_BKEND] = bk_end
    ck[K_VB] = vb
    ck[K_VBEND] = vb_end
    cf[F_SZTOT] = sz_tot
    ck[K_NODD] = n_odd
    cf[F_ODDV] = odd_v
    cf[F_GAPSUM] = gap_sum
    cf[F_GAPMAX] = gap_max
    ck[K_PREVTS] = prev_ts
    ck[K_NACT] = g


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _activity_finish(k, n_bk, w, inplace, day):
    """Trade sizes, gaps, idle buckets and bulk volume classification of the day from the carried values."""
    cf = k.cf
    ck = k.ck
    n_cont = ck[K_NACT]
    sz_tot = cf[F_SZTOT]
    if n_cont > 0:
        day.trade_size_mean_shares = sz_tot / n_cont
        if inplace:
            med = percentile_inplace(k.sizes[:n_cont], 50.0)
            p90 = percentile_inplace(k.sizes[:n_cont], 90.0)
        else:
            med, p90 = percentiles2_buffered(k.sizes[:n_cont], 50.0, 90.0, w.pbuf)
        day.trade_size_median_shares = med
        day.trade_size_p90_shares = p90
        day.odd_lot_frac = ck[K_NODD] / n_cont
        day.odd_lot_volume_frac = cf[F_ODDV] / sz_tot if sz_tot > 0 else np.nan
    else:
        day.trade_size_mean_shares = np.nan
        day.trade_size_median_shares = np.nan
        day.trade_size_p90_shares = np.nan
        day.odd_lot_frac = np.nan
        day.odd_lot_volume_frac = np.nan
    if n_cont >= 2:
        day.trade_gap_mean_s = cf[F_GAPSUM] / (n_cont - 1)
        if inplace:
            day.trade_gap_median_s = percentile_inplace(k.gaps[:n_cont - 1], 50.0)
        else:
            day.trade_gap_median_s = percentile_buffered(k.gaps[:n_cont - 1], 50.0, w.pbuf)
        day.trade_gap_max_s = cf[F_GAPMAX]
    else:
        day.trade_gap_mean_s = np.nan
        day.trade_gap_median_s = np.nan
        day.trade_gap_max_s = np.nan

    # idle buckets, and bulk volume classification on the same buckets
    b_px = k.b_px
    b_vol = k.b_vol
    idle = 0
    for b in range(n_bk):
        if b_vol[b] == 0.0:
            idle += 1
    day.no_trade_bucket_frac = idle / n_bk if n_bk > 0 else np.nan
    dps = w.dps
    vls = w.vls
    kk = 0
    prev = np.nan
    for b in range(n_bk):
        if b_vol[b] == 0.0:
            continue
        if prev == prev:
            dps[kk] = b_px[b] - prev
            vls[kk] = b_vol[b]
            kk += 1
        prev = b_px[b]
    bvc = np.nan
    if kk >= 2:
        # np.std of the changes as numba computes it (mean, then the mean squared deviation, ** 0.5)
        acc = 0.0
        for b in range(kk):
            acc += dps[b]
        mean = acc / kk
        ssd = 0.0
        for b in range(kk):
            dev = dps[b] - mean
            ssd += dev * dev
        sd = (ssd / kk) ** 0.5 * np.sqrt(kk / (kk - 1.0))
        ok = sd > 0.0
        num = 0.0
        den = 0.0
        for b in range(kk):
            x = dps[b]
            fr = norm_cdf(x / sd) if ok and x == x else np.nan  # signing.bvc_buy_fraction
            if fr == fr:
                num += vls[b] * fr
                den += vls[b]
        if den > 0.0:
            bvc = num / den
    day.bvc_buy_volume_frac = bvc


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _grid_trades(c, n_cont, open_ns, close_ns, rv_ns, grid):
    """The last continuous trade price at or before each realized-volatility grid time
    (``open, open + rv, ..., close``; volume.sample_last) among ``c[:n_cont]``: a later chunk overwrites
    what an earlier one found."""
    k_grid = (close_ns - open_ns + rv_ns - 1) // rv_ns
    if k_grid < 0:
        k_grid = 0
    for g in range(k_grid + 1):
        gt = open_ns + g * rv_ns if g < k_grid else close_ns
        j = _count_below(c.ts, n_cont, gt, True) - 1
        if j >= 0:
            grid[0, g] = c.px[j]


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _lookups(v, n_ent, open_ns, close_ns, la, rv_ns, complete_ns, k):
    """The day's look-ups in the quotes that do not belong to a trade: the mid in force at the open and at
    the close (less the lag) and the last midpoint at or before each realized-volatility grid time among
    the session's quotes (a pre-open quote, e.g. a wide pre-open NBBO, is no price of the session). Each
    is taken once the quotes before it are all in ``v`` (every quote before ``complete_ns``)."""
    ck = k.ck
    cf = k.cf
    if ck[K_ORES] == 0 and open_ns - la <= complete_ns:
        cf[F_OMID] = v.mid[_count_below(v.ts, n_ent, open_ns - la, False)]
        ck[K_ORES] = 1
    if ck[K_CRES] == 0 and close_ns - la <= complete_ns:
        cf[F_CMID] = v.mid[_count_below(v.ts, n_ent, close_ns - la, False)]
        ck[K_CRES] = 1
    k_grid = (close_ns - open_ns + rv_ns - 1) // rv_ns
    if k_grid < 0:
        k_grid = 0
    g = ck[K_GRES]
    while g <= k_grid:
        gt = open_ns + g * rv_ns if g < k_grid else close_ns
        if gt >= complete_ns:
            break
        j = _count_below(v.ts, n_ent, gt, True)
        k.grid[1, g] = v.mid[j] if j > 0 and v.ts[j - 1] >= open_ns else np.nan
        g += 1
    ck[K_GRES] = g


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _next_lookup(open_ns, close_ns, la, rv_ns, k):
    """The earliest time a look-up of :func:`_lookups` still waits for (``_TS_MAX`` when none)."""
    ck = k.ck
    x = _TS_MAX
    if ck[K_ORES] == 0:
        x = min(x, open_ns - la)
    if ck[K_CRES] == 0:
        x = min(x, close_ns - la)
    k_grid = (close_ns - open_ns + rv_ns - 1) // rv_ns
    if k_grid < 0:
        k_grid = 0
    g = ck[K_GRES]
    if g <= k_grid:
        x = min(x, open_ns + g * rv_ns if g < k_grid else close_ns)
    return x


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _rv_finish(open_ns, close_ns, rv_ns, k, day):
    """Realized volatility of trade prices and of midpoints on the grid (volume.realized_variance)."""
    k_grid = (close_ns - open_ns + rv_ns - 1) // rv_ns
    if k_grid < 0:
        k_grid = 0
    rvm_prev = np.nan
    rvm_s = 0.0
    rvm_n = np.int64(0)
    rvt_prev = np.nan
    rvt_s = 0.0
    rvt_n = np.int64(0)
    for g in range(k_grid + 1):
        rvm_prev, rvm_s, rvm_n = rv_step(k.grid[1, g], rvm_prev, rvm_s, rvm_n)
        rvt_prev, rvt_s, rvt_n = rv_step(k.grid[0, g], rvt_prev, rvt_s, rvt_n)
    day.realized_vol_frac = np.sqrt(rvt_s if rvt_n > 0 else np.nan)
    day.realized_vol_mid_frac = np.sqrt(rvm_s if rvm_n > 0 else np.nan)
    day.n_rv_returns_mid = rvm_n


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _clock_mid(t, h_ns, close_ns, lag_after, clip, v, j):
    """Mid in force at ``min(t + h, close) - lag`` (asof.asof_mid_at_horizon): ``(j, mid)``, with ``j`` the
    walk's new position (entries before that time; ``v.mid[j]`` is the j-th entry's mid, NaN for none or
    an expiry); NaN past the close without ``clip``."""
    th = t + h_ns
    beyond = th > close_ns
    th = th if th < close_ns else close_ns
    j = _advance(v.ts, j, th - lag_after)
    m_h = v.mid[U(j)]
    return j, (np.nan if beyond & (not clip) else m_h)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _hz_add(k2, p, mid, e, ok, m_h, w, sw, sr, sp, cnt):
    """One trade into a horizon's share-weighted realized-spread and impact sums: ``(sw, sr, sp, cnt)``.

    ``k2 = 2.0 * sign`` and ``ok`` (signed, with an effective spread) are the trade's own terms, hoisted
    out of the horizons; the realized spread is ``spreads.realized_bps`` (the same operations in the same
    order), kept when the horizon mid exists. Selects rather than a branch; adding 0.0 leaves a sum
    unchanged to the bit.
    """
    r = k2 * (p - m_h) / mid * 1e4
    ok_h = ok & (m_h == m_h)
    sw += w if ok_h else 0.0
    sr += w * r if ok_h else 0.0
    sp += w * (e - r) if ok_h else 0.0
    cnt += ok_h
    return sw, sr, sp, cnt


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _hz_store(hz, h, hzs):
    sw = hzs[h, 0]
    if sw > 0.0:
        hz[h, 0] = hzs[h, 1] / sw
        hz[h, 1] = hzs[h, 2] / sw
    else:
        hz[h, 0] = np.nan
        hz[h, 1] = np.nan
    hz[h, 2] = hzs[h, 3]


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _clock_horizons(h0, h1, h2, h3, hor_ns, c, c0, n_cont, v, close_ns, lag_after, clip, want_trades, mid_h, hzs):
    """Four clock horizons at once (rows ``h0..h3`` of ``hor_ns``): for each continuous trade of
    ``c[c0:n_cont]`` the mid in force at ``min(t + h, close) - lag`` (asof.asof_mid_at_horizon; NaN past
    the close without ``clip``), by four independent quote walks in one loop (the processor overlaps them),
    and the share-weighted realized-spread and impact sums, in trade order, in registers, then carried
    (``hzs[h] = [weight, realized, impact, n]``)."""
    ns0 = hor_ns[h0]
    ns1 = hor_ns[h1]
    ns2 = hor_ns[h2]
    ns3 = hor_ns[h3]
    j0 = 0
    j1 = 0
    j2 = 0
    j3 = 0
    sw0, sr0, sp0, n0 = hzs[h0, 0], hzs[h0, 1], hzs[h0, 2], hzs[h0, 3]
    sw1, sr1, sp1, n1 = hzs[h1, 0], hzs[h1, 1], hzs[h1, 2], hzs[h1, 3]
    sw2, sr2, sp2, n2 = hzs[h2, 0], hzs[h2, 1], hzs[h2, 2], hzs[h2, 3]
    sw3, sr3, sp3, n3 = hzs[h3, 0], hzs[h3, 1], hzs[h3, 2], hzs[h3, 3]
    for ci in range(c0, n_cont):
        t = c.ts[ci]
        j0, m0 = _clock_mid(t, ns0, close_ns, lag_after, clip, v, j0)
        j1, m1 = _clock_mid(t, ns1, close_ns, lag_after, clip, v, j1)
        j2, m2 = _clock_mid(t, ns2, close_ns, lag_after, clip, v, j2)
        j3, m3 = _clock_mid(t, ns3, close_ns, lag_after, clip, v, j3)
        if want_trades:
            i = c.i[ci]
            mid_h[h0, i] = m0
            mid_h[h1, i] = m1
            mid_h[h2, i] = m2
            mid_h[h3, i] = m3
        d = c.sign[ci]
        e = c.eff[ci]
        ok = (d != 0) & (e == e)  # signed, with an effective spread (so a mid > 0)
        k2 = 2.0 * d
        p = c.px[ci]
        mid = c.mid[ci]
        w = c.sz[ci]
        sw0, sr0, sp0, n0 = _hz_add(k2, p, mid, e, ok, m0, w, sw0, sr0, sp0, n0)
        sw1, sr1, sp1, n1 = _hz_add(k2, p, mid, e, ok, m1, w, sw1, sr1, sp1, n1)
        sw2, sr2, sp2, n2 = _hz_add(k2, p, mid, e, ok, m2, w, sw2, sr2, sp2, n2)
        sw3, sr3, sp3, n3 = _hz_add(k2, p, mid, e, ok, m3, w, sw3, sr3, sp3, n3)
    # (a repeated horizon, h3 == h2 say, stores the same sums twice)
    hzs[h0, 0], hzs[h0, 1], hzs[h0, 2], hzs[h0, 3] = sw0, sr0, sp0, n0
    hzs[h1, 0], hzs[h1, 1], hzs[h1, 2], hzs[h1, 3] = sw1, sr1, sp1, n1
    hzs[h2, 0], hzs[h2, 1], hzs[h2, 2], hzs[h2, 3] = sw2, sr2, sp2, n2
    hzs[h3, 0], hzs[h3, 1], hzs[h3, 2], hzs[h3, 3] = sw3, sr3, sp3, n3


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _mid_after(c_mid, ci, step, n_cont, m_end):
    """Prevailing mid of the continuous trade ``step`` after trade ``ci`` (``m_end`` past the last)."""
    return c_mid[U(ci + step)] if ci + step < n_cont else m_end


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _count_horizons(h0, h1, h2, hor_tr, n_h1, c, c1, n_cont, m_end, want_trades, mid_h, hzs):
    """Three trade-count horizons at once (rows ``h0..h2`` of ``hor_tr``, rows ``n_h1 + h`` of the
    outputs), for the trades ``c[:c1]``: the mid of the ``step``-th later continuous trade of ``c[:n_cont]``
    (the mid at the close, or NaN, ``m_end``, past the last), share-weighted sums in trade order, carried."""
    st0 = hor_tr[h0]
    st1 = hor_tr[h1]
    st2 = hor_tr[h2]
    r0 = n_h1 + h0
    r1 = n_h1 + h1
    r2 = n_h1 + h2
    sw0, sr0, sp0, n0 = hzs[r0, 0], hzs[r0, 1], hzs[r0, 2], hzs[r0, 3]
    sw1, sr1, sp1, n1 = hzs[r1, 0], hzs[r1, 1], hzs[r1, 2], hzs[r1, 3]
    sw2, sr2, sp2, n2 = hzs[r2, 0], hzs[r2, 1], hzs[r2, 2], hzs[r2, 3]
    for ci in range(c1):
        m0 = _mid_after(c.mid, ci, st0, n_cont, m_end)
        m1 = _mid_after(c.mid, ci, st1, n_cont, m_end)
        m2 = _mid_after(c.mid, ci, st2, n_cont, m_end)
        if want_trades:
            i = c.i[ci]
            mid_h[r0, i] = m0
            mid_h[r1, i] = m1
            mid_h[r2, i] = m2
        d = c.sign[ci]
        e = c.eff[ci]
        ok = (d != 0) & (e == e)
        k2 = 2.0 * d
        p = c.px[ci]
        mid = c.mid[ci]
        w = c.sz[ci]
        sw0, sr0, sp0, n0 = _hz_add(k2, p, mid, e, ok, m0, w, sw0, sr0, sp0, n0)
        sw1, sr1, sp1, n1 = _hz_add(k2, p, mid, e, ok, m1, w, sw1, sr1, sp1, n1)
        sw2, sr2, sp2, n2 = _hz_add(k2, p, mid, e, ok, m2, w, sw2, sr2, sp2, n2)
    hzs[r0, 0], hzs[r0, 1], hzs[r0, 2], hzs[r0, 3] = sw0, sr0, sp0, n0
    hzs[r1, 0], hzs[r1, 1], hzs[r1, 2], hzs[r1, 3] = sw1, sr1, sp1, n1
    hzs[r2, 0], hzs[r2, 1], hzs[r2, 2], hzs[r2, 3] = sw2, sr2, sp2, n2


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _kyle_pass(c1, c, kyle):
    """Kyle's lambda sums (regression.ols_add), added to ``kyle``: the mid change (bps) from each
    continuous trade of ``c[:c1]`` to the next on its signed size."""
    for ci in range(c1):
        d = c.sign[ci]
        m0 = c.mid[ci]
        m1 = c.mid[ci + 1]
        if d != 0 and m0 == m0 and m1 == m1:
            ols_add(kyle, d * c.sz[ci], (m1 - m0) / m0 * 1e4)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _steps(t, a, b, q, qa, qb, open_ns, close_ns, prm, v, c, w, k, n_bk, tout, day, hz, bins, kyle, first, last,
           complete_ns, inplace):
    """One partition, or one chunk of its trades (with the quotes that come after the earlier chunks'):
    the quotes once, then the trades in a few tight passes (module docstring), the running values carried
    in ``k`` (:class:`Carry`); the day's outputs written after the ``last`` chunk. Returns the status
    (``STATUS_*``: the passes check the time order as they go).

    Inlined (numba ``inline="always"``): a separately compiled level between the batch loop and the passes
    would make LLVM optimize the whole pass closure once more (about a third of the tick pass's compile
    time), for no speed.

    ``t``, ``q`` are the :class:`Trades` and :class:`Quotes`, the chunk's rows ``[a, b)`` and ``[qa, qb)``;
    ``tout`` the per-trade outputs (:class:`TradeOut`) (written only when ``prm.want_trades``); ``day`` the
    record of the day outputs, ``hz``, ``bins``, ``kyle`` its rows; ``v``, ``c``, ``w`` working arrays
    (:class:`_Valid`, :class:`_Cont`, :class:`_Bufs`). ``c[:k.ck[K_PEND]]`` are continuous trades of the
    earlier chunks whose trade-count horizons (and Kyle step) wait for later trades. ``complete_ns``:
    every quote before this time is in (``_TS_MAX`` for the last chunk).
    """
    n_h1 = prm.hor_ns.shape[0]
    n_h2 = prm.hor_tr.shape[0]
    after = 0 if prm.strict else 1  # "before t" is "< t" (strict) or "< t + 1" (at or before)
    la = prm.lag_ns - after
    ck = k.ck
    if first:
        _reset(k, open_ns, prm.bucket_ns, prm.bin_ns, n_bk, k.grid.shape[1])
        for x in range(prm.n_bins):
            bins[x] = 0.0
        for x in range(6):
            kyle[x] = 0.0

    q_ok, n_ent = _quote_pass(q, qa, qb, open_ns, close_ns, prm.max_age_ns, after, v, k)
    if not q_ok:
        return STATUS_UNSORTED_QUOTES if _is_sorted(t.ts[a:b]) else STATUS_UNSORTED_TRADES
    c0 = ck[K_PEND]
    t_ok, n_cont = _trade_pass(t, a, b, open_ns, close_ns, la, prm.want_trades, v, tout.use, tout.qidx, c, c0, k)
    if not t_ok:
        return STATUS_UNSORTED_TRADES
    # the mid at the open and at the close (clipped horizons), the mids of the volatility grid
    _lookups(v, n_ent, open_ns, close_ns, la, prm.rv_ns, complete_ns, k)
    _spread_pass(c0, n_cont, c, la, prm.method, prm.use_feed, v, prm.want_trades, tout, k)
    _activity_pass(c0, n_cont, c, prm.bucket_ns, close_ns, prm.bin_ns, prm.n_bins, prm.odd_lot, bins, k)
    _grid_trades(c, n_cont, open_ns, close_ns, prm.rv_ns, k.grid)

    # ---- horizons over the continuous trades: clock horizons take the mid in force at
    # min(t + h, close) - lag (asof.asof_mid_at_horizon), trade-count horizons the prevailing mid of the
    # n-th later continuous trade, and for the last n trades the mid at the close (clip) or nothing.
    # Before the last chunk, the last trades wait (their n-th later trade may be in the next chunk).
    s_max = 1
    for h in range(n_h2):
        s_max = max(s_max, prm.hor_tr[h])
    c1 = n_cont if last else max(n_cont - s_max, 0)
    m_end = k.cf[F_CMID] if prm.clip else np.nan
    for h in range(0, n_h1, 4):  # four clock horizons per loop: their walks overlap
        h1 = h + 1 if h + 1 < n_h1 else n_h1 - 1  # (a missing horizon repeats the last one: same values)
        h2 = h + 2 if h + 2 < n_h1 else n_h1 - 1
        h3 = h + 3 if h + 3 < n_h1 else n_h1 - 1
        _clock_horizons(h, h1, h2, h3, prm.hor_ns, c, c0, n_cont, v, close_ns, la, prm.clip, prm.want_trades,
                        tout.mid_h, k.hzs)
    for x in range(0, n_h2, 3):  # three trade-count horizons per loop
        x1 = x + 1 if x + 1 < n_h2 else n_h2 - 1
        x2 = x + 2 if x + 2 < n_h2 else n_h2 - 1
        _count_horizons(x, x1, x2, prm.hor_tr, n_h1, c, c1, n_cont, m_end, prm.want_trades, tout.mid_h, k.hzs)
    _kyle_pass(c1 if (not last) or n_cont == 0 else n_cont - 1, c, kyle)
    ck[K_PEND] = n_cont - c1
    ck[K_NLOC] = n_cont

    if last:
        _quote_finish(open_ns, close_ns, prm.max_age_ns, k, day)
        _trade_finish(k, day)
        day.open_mid_px = k.cf[F_OMID]
        day.close_mid_px = k.cf[F_CMID]
        _spread_finish(k, w.pbuf, inplace, day)
        _activity_finish(k, n_bk, w, inplace, day)
        _rv_finish(open_ns, close_ns, prm.rv_ns, k, day)
        for h in range(n_h1 + n_h2):
            _hz_store(hz, h, k.hzs)
    return STATUS_OK


@njit(cache=True, nogil=True, error_model="numpy")
def tick_pass(batch, prm, work, dout, tout):
    """All tick measures of a batch of symbol-day partitions, written into ``dout`` and ``tout``.

    Parameters
    ----------
    batch : Batch
        Trades and quotes of every partition end to end (sorted by time within each partition), their
        offsets and session bounds (:func:`make_batch`).
    prm : Params
        Horizons, quote lag and matching, signing method, bins, buckets, volatility interval, odd-lot size,
        maximum quote age, whether to fill the per-trade outputs (:func:`make_params`).
    work : Work
        Working memory (:func:`new_work`) that fits the batch's :func:`work_sizes`; its contents do not
        matter. When it does not fit every partition gets ``STATUS_WORK_TOO_SMALL`` and nothing is computed.
    dout : DayOut
        Per-day outputs, blank as :func:`allocate` makes them. ``status[p]`` is ``STATUS_OK``, or
        ``STATUS_UNSORTED_TRADES`` / ``STATUS_UNSORTED_QUOTES`` (that partition's outputs are then left
        blank: sort and call again); ``day[p]`` the day record (fields :data:`DAY_FIELDS`), ``hz[p, h]``
        ``[realized spread bps, price impact bps, n trades]`` per horizon (clock horizons first),
        ``bins[p]`` the continuous-session volume per interval (shares), ``kyle[p]`` the Kyle regression
        sums (:func:`liqcost.kernels.regression.ols_sums`).
    tout : TradeOut
        Per-trade outputs (length N with ``prm.want_trades``, else 0), blank as :func:`allocate` makes
        them: class, matched quote (index into the batch's quotes, ``QIDX_NONE``, or ``QIDX_STALE`` when the
        last valid quote was older than the maximum age), sign, rule, location, effective spread (bps and
        currency per share), midpoint at each horizon.
    """
    P = batch.t_off.shape[0] - 1
    H = prm.hor_ns.shape[0] + prm.hor_tr.shape[0]
    for p in range(P):  # the working memory must fit every partition
        nb = (batch.close_ns[p] - batch.open_ns[p] + prm.bucket_ns - 1) // prm.bucket_ns
        ng = (batch.close_ns[p] - batch.open_ns[p] + prm.rv_ns - 1) // prm.rv_ns + 1
        if (batch.t_off[p + 1] - batch.t_off[p] > work.n or batch.q_off[p + 1] - batch.q_off[p] > work.m
                or nb > work.nbk or ng > work.k.grid.shape[1] or H > work.k.hzs.shape[0]):
            for x in range(P):
                dout.status[x] = STATUS_WORK_TOO_SMALL
            return
    v = work.v
    c = work.c
    w = work.w
    v.mid[0] = np.nan  # v.mid[j] is the mid of the j-th entry (1-based): v.mid[0], none, is NaN
    want = prm.want_trades
    for p in range(P):
        a = batch.t_off[p]
        b = batch.t_off[p + 1]
        open_ns = batch.open_ns[p]
        close_ns = batch.close_ns[p]
        n_bk = (close_ns - open_ns + prm.bucket_ns - 1) // prm.bucket_ns
        n_bk = n_bk if n_bk > 0 else 0
        st = _steps(batch.trades, a, b, batch.quotes, batch.q_off[p], batch.q_off[p + 1], open_ns, close_ns, prm,
                    v, c, w, work.k, n_bk, tout, dout.day[p], dout.hz[p], dout.bins[p], dout.kyle[p], True, True,
                    _TS_MAX, False)
        dout.status[p] = st
        if st != STATUS_OK:  # unsorted: this partition's outputs as if never computed
            dout.day[p:p + 1].view(np.float64)[:] = np.nan  # (the quotes may have been written)
            dout.bins[p, :] = 0.0
            dout.kyle[p, :] = 0.0
            if want:  # (the later passes did not run)
                for i in range(a, b):
                    tout.use[i] = 0
                    tout.qidx[i] = QIDX_NONE


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _drop_before(v, k, d):
    """Forget the compacted quotes no later look-up needs: every entry before the last one before ``d``."""
    ck = k.ck
    ne = ck[K_NE]
    r = _count_below(v.ts, ne, d, False) - 1
    if r <= 0:
        return
    for j in range(ne - r):
        v.ts[j] = v.ts[j + r]
        v.bid[j] = v.bid[j + r]
        v.ask[j] = v.ask[j + r]
        v.mid[j + 1] = v.mid[j + 1 + r]
        v.idx[j] = v.idx[j + r]
    ck[K_NE] = ne - r


@njit(cache=True, nogil=True, error_model="numpy", **INNER)
def _keep_pending(c, k):
    """Move the waiting continuous trades of the previous chunk to the front of ``c``."""
    ck = k.ck
    p = ck[K_PEND]
    n = ck[K_NLOC]
    s = n - p
    if s <= 0:
        return
    for j in range(p):
        c.ts[j] = c.ts[j + s]
        c.px[j] = c.px[j + s]
        c.sz[j] = c.sz[j + s]
        c.aggr[j] = c.aggr[j + s]
        c.i[j] = c.i[j + s]
        c.mid[j] = c.mid[j + s]
        c.eff[j] = c.eff[j + s]
        c.sign[j] = c.sign[j + s]


@njit(cache=True, nogil=True, error_model="numpy")
def tick_chunk(batch, prm, work, carry, dout, tout, first, last, complete_ns):
    """One chunk of the trades of ONE partition (a symbol-day too large to hold whole), with the running
    values carried from the earlier chunks in ``carry`` (:class:`Carry`): called chunk after chunk, in time
    order, it gives ``dout`` (one row) what :func:`tick_pass` gives for the whole partition.

    ``batch`` holds the chunk's trades and the quotes that follow the earlier chunks' (every quote before
    ``complete_ns``, the time of the next chunk's first quote, ``_TS_MAX`` with ``last``; they must reach
    past the chunk's last trade plus the longest clock horizon, or the close, less the quote lag: see
    :func:`liqcost.measures.ticks.chunk_plan`), one partition (offsets ``[0, n]``, ``[0, m]``) with its
    session bounds. ``work`` keeps the compacted quotes the later chunks still look up and the continuous
    trades waiting for their trade-count horizons, so it must be the same object for every chunk, fitting
    the chunk's trades plus the longest trade-count horizon, and the quotes kept plus the chunk's.
    ``prm.want_trades`` must be False (no per-trade outputs; ``tout`` empty, as :func:`allocate` makes it).
    Returns the status.
    """
    t = batch.trades
    q = batch.quotes
    a = batch.t_off[0]
    b = batch.t_off[1]
    qa = batch.q_off[0]
    qb = batch.q_off[1]
    open_ns = batch.open_ns[0]
    close_ns = batch.close_ns[0]
    k = carry
    ck = k.ck
    v = work.v
    c = work.c
    n_bk = (close_ns - open_ns + prm.bucket_ns - 1) // prm.bucket_ns
    n_bk = n_bk if n_bk > 0 else 0
    after = 0 if prm.strict else 1
    la = prm.lag_ns - after
    s_max = 1
    for h in range(prm.hor_tr.shape[0]):
        s_max = max(s_max, prm.hor_tr[h])
    ng = (close_ns - open_ns + prm.rv_ns - 1) // prm.rv_ns + 1
    if (b - a + s_max > work.n or n_bk > work.nbk or n_bk > k.b_px.shape[0] or ng > k.grid.shape[1]
            or prm.hor_ns.shape[0] + prm.hor_tr.shape[0] > k.hzs.shape[0] or prm.want_trades):
        dout.status[0] = STATUS_WORK_TOO_SMALL
        return STATUS_WORK_TOO_SMALL
    if first:
        _reset(k, open_ns, prm.bucket_ns, prm.bin_ns, n_bk, ng)
        v.mid[0] = np.nan
    else:
        # the compacted quotes before the earliest look-up still to come are not needed any more
        d = _next_lookup(open_ns, close_ns, la, prm.rv_ns, k)
        if b > a:
            d = min(d, t.ts[a] - la)
        _drop_before(v, k, d)
        _keep_pending(c, k)
    if ck[K_NE] + 2 * (qb - qa) + 1 + PAD > v.ts.shape[0] or ck[K_NACT] + b - a > k.sizes.shape[0]:
        dout.status[0] = STATUS_WORK_TOO_SMALL
        return STATUS_WORK_TOO_SMALL
    st = _steps(t, a, b, q, qa, qb, open_ns, close_ns, prm, v, c, work.w, k, n_bk, tout, dout.day[0], dout.hz[0],
                dout.bins[0], dout.kyle[0], first, last, complete_ns, True)
    dout.status[0] = st
    return st

"""Replay of limit-order tranches on one symbol's recorded trades and quotes: the event loop.

One call replays many independent *runs* (a plan variant on one start day is a run); a run is a set of
tranches that share one own-impact state. The events are one symbol's trades and quotes merged into one
time-ordered stream of aligned arrays (hftbacktest's habit): ``ts`` (int64 ns), ``kind`` (``KIND_TRADE`` 0,
``KIND_QUOTE`` 1; on equal stamps the trade comes first, as the planner's fill kernel orders them) and
``val[:, 0:4]`` (a trade's price and size; a quote's bid, ask, bid size, ask size). The state machine is
small and jitted; its rules, for a buy (a sell mirrors them; prices in ticks of ``tick`` in the recorded
tape's frame, see *own impact*):

Timers
    A tranche's window ``[start, end]`` opens after every event stamped at or before ``start`` (the
    placement sees the last quote at or before ``start``; only trades stamped after it can fill it) and
    closes after every event stamped at or before ``end`` (a trade at ``end`` still fills). On equal
    times windows close before others open, lower tranche index first. A tranche without a usable quote at
    its start is placed at the first quote of its window.

Limit price (``code``)
    ``k >= 0``: the bid improved by ``k`` ticks, at most one tick below the ask (``0`` joins the bid);
    ``CODE_MID``: the midpoint rounded down to a tick (both as :func:`liqcost.kernels.fills.limit_ticks`);
    ``CODE_FIXED``: the fixed price ``price_px``; ``CODE_CROSS``: a marketable order (below). An optional
    hard cap ``cap_px`` (the order's limit) bounds every price, marketable or not. Pegged rules re-peg
    whenever their price changes (a quote moved, or a cap moved in the tape's frame after own impact):
    the order is cancelled and re-posted at the new price, at the back of its queue.

Queue ahead (``queue_model``)
    On (re)posting: ``queue_frac`` times the displayed bid size when the price is the bid, 0 when it
    improves the bid (a new level), unknown (infinite) when it is below the bid (a deeper level; it
    becomes the displayed size the first time a quote shows it as the bid). Then:

    * ``QM_TRADE_THROUGH``: only prints strictly below the price fill the order (the queue never clears);
    * ``QM_QUEUE``: a print at the price first consumes the queue ahead, the rest is executable; a quote
      whose bid is the price caps the queue at the displayed size, a quote whose bid is below the price
      empties it (the conventions of :mod:`liqcost.kernels.fills`, the planner's fill model);
    * ``QM_PROB``: as ``QM_QUEUE`` for prints; a decrease of the displayed size at the price that the
      prints since the last quote do not explain is a cancellation, split between the orders ahead of
      and behind ours with the probability ``f(back) / (f(back) + f(front))`` that it came from behind,
      ``f(x) = x ** queue_power`` (the probabilistic queue position of Rigtorp 2013, "Estimating order
      queue position", and hftbacktest's ``ProbQueueModel`` with a power function): with ``front`` the
      queue ahead, ``back`` the displayed size behind us and ``c`` the unexplained decrease, the new queue
      ahead is ``front - (1 - prob) c + min(back - prob c, 0)``, at most the new displayed size.

    A print strictly below the price trades through it: its whole size is executable and the queue ahead
    is cleared.

Fills
    Executable volume of a print fills the order up to what is left of it, up to what the print still
    has (two of our orders never share a share of the same print) and up to the participation cap:
    fills since the window opened never exceed ``max_part`` times the market volume printed since then
    (``NaN``: no cap). A passive fill pays the limit price (the fixed or cap price exactly when that is
    the binding price).

Marketable orders (``CODE_CROSS``, and a fixed price at or above the ask)
    take the ask's displayed size, then walk up one tick at a time under a *refill assumption*: every
    level beyond the touch holds the touch's displayed size (at least ``refill_min_shares``), and what
    we took is gone until the next quote. They take whatever the participation cap allows: at
    placement when there is no cap, and after every print (the allowance grows with market volume);
    never beyond the cap price. One fill row per sweep, at the sweep's average price.

End of a window (``policy``)
    ``POL_CARRY`` adds what is left to the tranche ``next_idx`` (what cannot be carried is left);
    ``POL_CROSS_AT_END`` sweeps it at the quote in force at the end, ignoring the participation cap but
    never beyond the cap price (the rest is left); ``POL_LEAVE`` leaves it (the caller prices it at the end
    mid: opportunity cost).

Own impact (per run)
    Our fills displace the price of the whole tape by a signed fraction ``D`` (prices in the replayed world
    are the tape's times ``1 + D``; fills pay the shifted price, fixed and cap prices are mapped into the
    tape's frame by dividing by ``1 + D``, rounded to the less aggressive tick). With ``X`` the run's net
    signed shares filled so far, the displacement's *peak path* is ``a sign(X) sqrt(|X|)`` (``a = 3/2 Y
    sigma / sqrt(V)``, the square-root law of the cost convention; see :mod:`liqcost.sim.replay`); each
    fill moves it by ``d``, of which ``perm d`` is permanent and ``(1 - perm) d`` transient. The transient
    part relaxes exponentially with half-life ``half_life_ns``: only while none of the run's orders is
    working (``DECAY_PAUSE``; an order works from the opening of its first window to the close of its last
    one while it has shares open, gaps between its windows and nights included: the displacement is a
    function of the quantity done while an order works, and relaxes after it stops, Zarinelli et al. 2015,
    Bacry et al. 2015) or at all times (``DECAY_CONTINUOUS``: Obizhaeva & Wang 2013's exponential
    resilience). A fill pays the displacement in force before it.

Times are int64 ns; prices currency per share; sizes shares; ``side`` +1 buy / -1 sell.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from numba import njit

from . import INNER

__all__ = [
    "CODE_CROSS", "CODE_FIXED", "CODE_MID", "DECAY_CONTINUOUS", "DECAY_PAUSE", "FILL_CLEANUP", "FILL_CROSS",
    "FILL_PASSIVE", "KIND_QUOTE", "KIND_TRADE", "POL_CARRY", "POL_CROSS_AT_END", "POL_LEAVE", "QM_PROB", "QM_QUEUE",
    "QM_TRADE_THROUGH", "STATUS_FULL", "STATUS_OK", "STATUS_PARAM", "STATUS_SHAPE", "STATUS_TRANCHE",
    "STATUS_UNSORTED", "FillOut", "Runs", "Tape", "Trace", "TrancheOut", "Tranches", "replay_runs", "sweep_price",
]

KIND_TRADE = 0
KIND_QUOTE = 1
CODE_MID = -1
CODE_CROSS = -2
CODE_FIXED = -3
QM_TRADE_THROUGH = 0
QM_QUEUE = 1
QM_PROB = 2
POL_CARRY = 0
POL_CROSS_AT_END = 1
POL_LEAVE = 2
FILL_PASSIVE = 0
FILL_CROSS = 1
FILL_CLEANUP = 2
DECAY_PAUSE = 0
DECAY_CONTINUOUS = 1
STATUS_OK = 0
STATUS_UNSORTED = 1
STATUS_SHAPE = 2
STATUS_PARAM = 3
STATUS_FULL = 4
STATUS_TRANCHE = 5

# tranche states
_PENDING = 0
_WAITING = 1  # window open, no usable quote yet
_PLACED = 2
_DONE = 3

_EPS = 1e-9  # shares: less than this is nothing
# columns of the core's per-tranche and per-fill output arrays
OI_PLACED, OI_NREPRICE, OI_FIRST, OI_LAST, OI_COMPLETE = 0, 1, 2, 3, 4
OF_START_MID, OF_START_DISP, OF_END_MID, OF_END_DISP, OF_FILLED = 0, 1, 2, 3, 4
OF_CARRY_IN, OF_CARRY_OUT, OF_CLEANUP, OF_LEFT, OF_MKT_VOL = 5, 6, 7, 8, 9
FI_TRANCHE, FI_TS, FI_KIND = 0, 1, 2
FF_PRICE, FF_QTY, FF_MID, FF_DISP, FF_LIMIT = 0, 1, 2, 3, 4
_NO_LIMIT = np.iinfo(np.int64).max
_LN2 = math.log(2.0)

#: one symbol's events: ts int64[n], kind int8[n], val float64[n, 4]
Tape = namedtuple("Tape", ["ts", "kind", "val"])
#: tranches of all runs, each run's tranches contiguous and sorted by start; ``order`` numbers the parent orders
Tranches = namedtuple(
    "Tranches",
    ["start_ns", "end_ns", "side", "qty", "code", "price_px", "cap_px", "max_part", "policy", "next_idx", "order"],
)
#: runs: tranche ranges [tr0, tr1) and own-impact parameters (scale per sqrt(share), permanent share, half-life)
Runs = namedtuple("Runs", ["tr0", "tr1", "imp_scale", "imp_perm", "imp_half_life_ns"])
#: per-tranche outputs
TrancheOut = namedtuple(
    "TrancheOut",
    ["placed_ns", "start_mid", "start_disp", "end_mid", "end_disp", "filled", "carry_in", "carry_out", "cleanup", "left",
     "mkt_vol", "n_reprice", "first_fill_ns", "last_fill_ns", "complete_ns"],
)
#: fill rows (capacity = len of the arrays)
FillOut = namedtuple("FillOut", ["tranche", "ts", "price", "qty", "kind", "mid", "disp", "limit"])
#: optional per-event state (length 0 to switch it off): displacement, and per tranche queue, remaining, limit
Trace = namedtuple("Trace", ["disp", "queue", "remaining", "limit"])


@njit(cache=True, nogil=True, inline="always")
def _passive_ticks(side, bt, at, code):
    """Pegged price in ticks (join / improve k / mid), as :func:`liqcost.kernels.fills.limit_ticks`."""
    spread = at - bt
    room = spread - 1 if spread > 1 else 0
    if code == CODE_MID:
        k = spread // 2 if spread > 1 else 0
    else:
        k = min(room, code)
    if side > 0:
        return bt + k
    return at - k


@njit(cache=True, nogil=True, inline="always")
def _frame_ticks(price, side, disp, tick):
    """A price of the replayed world in ticks of the tape's frame, rounded to the less aggressive tick."""
    f = 1.0 + disp
    if f < 1e-6:
        f = 1e-6
    x = price / f / tick
    if side > 0:
        return np.int64(math.floor(x + 1e-9))
    return np.int64(math.ceil(x - 1e-9))


@njit(cache=True, nogil=True, inline="always")
def _sweep(x, consumed, far_ticks, far_size, side, tick, refill_min, limit_ticks):
    """Shares a marketable order can take and their average price, under the refill assumption.

    Parameters
    ----------
    x : float
        Shares wanted.
    consumed : float
        Shares already taken from this side since the last quote.
    far_ticks : int
        The far quote (ask for a buy) in ticks.
    far_size : float
        Its displayed size, shares; every deeper level is assumed to hold as much (at least ``refill_min``).
    side : int
        +1 buy, -1 sell.
    tick : float
        Price increment.
    refill_min : float
        Smallest depth assumed per level, shares (> 0).
    limit_ticks : int
        Worst price allowed in ticks (``_NO_LIMIT`` for none).

    Returns
    -------
    (float, float)
        Shares taken and their average price in the tape's frame (NaN when nothing is taken).
    """
    s = far_size if far_size == far_size else 0.0
    if s < refill_min:
        s = refill_min
    if limit_ticks != _NO_LIMIT:
        n_lev = (limit_ticks - far_ticks + 1) if side > 0 else (far_ticks - limit_ticks + 1)
        if n_lev <= 0:
            return 0.0, np.nan
        room = n_lev * s - consumed
        if room < x:
            x = room
    if x <= _EPS:
        return 0.0, np.nan
    c0 = consumed
    c1 = consumed + x
    k0 = math.floor(c0 / s)
    k1 = math.floor(c1 / s)
    f0 = s * k0 * (k0 - 1.0) / 2.0 + k0 * (c0 - k0 * s)
    f1 = s * k1 * (k1 - 1.0) / 2.0 + k1 * (c1 - k1 * s)
    avg = (f1 - f0) / x  # mean number of ticks beyond the touch
    return x, (far_ticks + side * avg) * tick


@njit(cache=True, nogil=True)
def sweep_price(x, consumed, far_ticks, far_size, side, tick, refill_min, limit_ticks):
    """Shares a marketable order can take and their average price, under the refill assumption.

    See :func:`_sweep` (the kernel's inlined copy) for the parameters; ``limit_ticks`` is
    ``np.iinfo(np.int64).max`` for no limit.
    """
    return _sweep(x, consumed, far_ticks, far_size, side, tick, refill_min, limit_ticks)


@njit(cache=True, nogil=True, **INNER)
def _sorted_events(ts, kind):
    for i in range(1, ts.shape[0]):
        if ts[i] < ts[i - 1] or (ts[i] == ts[i - 1] and kind[i] < kind[i - 1]):
            return False
    return True


@njit(cache=True, nogil=True, **INNER)
def _upper_bound(ts, t):
    """Index of the first element of sorted ``ts`` that is > t."""
    return _upper_bound_from(ts, t, 0)


@njit(cache=True, nogil=True, **INNER)
def _upper_bound_from(ts, t, lo):
    """Index of the first element of sorted ``ts`` that is > t, searched from ``lo`` on."""
    hi = ts.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if ts[mid] <= t:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True, inline="always")
def _valid_quote(b, a):
    """Both finite, bid > 0, ask >= bid (NaN fails every comparison; an infinite bid needs an infinite ask)."""
    return b > 0.0 and a >= b and a < np.inf


@njit(cache=True, nogil=True, **INNER)
def _last_quote(kind, val, i):
    """Index of the last usable quote event before index ``i`` (-1 if none)."""
    j = i - 1
    while j >= 0:
        if kind[j] == KIND_QUOTE and _valid_quote(val[j, 0], val[j, 1]):
            return j
        j -= 1
    return -1


@njit(cache=True, nogil=True)
def replay_runs(tape, tr, runs, tick, queue_model, queue_frac, queue_power, refill_min_shares, decay_mode, jump,
                out, fills, n_fills, run_events, trace):
    """Replay every run's tranches through the tape (see the module docstring for the rules).

    Parameters
    ----------
    tape : Tape
        ``ts`` int64[n] sorted, ``kind`` int8[n] (trades before quotes on equal stamps), ``val`` float64[n, 4].
    tr : Tranches
        ``start_ns``, ``end_ns`` int64[T]; ``side`` int8[T]; ``qty`` float64[T] (shares, > 0); ``code``
        int64[T]; ``price_px`` (``CODE_FIXED``), ``cap_px`` (NaN: none), ``max_part`` (fraction, NaN: no
        cap) float64[T]; ``policy`` int8[T]; ``next_idx`` int64[T] (carry target, -1: none, else a later
        tranche of the same order); ``order`` int64[T] (parent order number, >= 0; small: scratch is sized by
        the largest).
    runs : Runs
        ``tr0``, ``tr1`` int64[R] (each run's tranches, sorted by start); ``imp_scale`` (fraction per
        sqrt(share), >= 0), ``imp_perm`` (in [0, 1]), ``imp_half_life_ns`` (> 0, inf: never relaxes)
        float64[R].
    tick : float
        Price increment, currency per share (> 0).
    queue_model : int
        ``QM_TRADE_THROUGH``, ``QM_QUEUE`` or ``QM_PROB``.
    queue_frac : float
        Share of the displayed size ahead of an order that joins it, in [0, 1].
    queue_power : float
        Exponent of ``QM_PROB``'s ``f(x) = x ** n`` (> 0).
    refill_min_shares : float
        Smallest depth per level of a walk, shares (> 0).
    decay_mode : int
        ``DECAY_PAUSE`` or ``DECAY_CONTINUOUS``.
    jump : bool
        Skip the events between timers while none of a run's orders is working (same results, fewer
        events); switched off to trace every event.
    out : TrancheOut
        Per tranche, float64[T] unless said: ``placed_ns`` int64 (-1: never placed), ``start_mid`` and
        ``start_disp`` (tape mid and displacement at placement), ``end_mid``, ``end_disp`` (at the window's
        end), ``filled`` (all fills, cleanup included), ``carry_in``, ``carry_out``, ``cleanup`` (swept at the
        end), ``left`` (never filled), ``mkt_vol`` (market volume printed while the tranche worked: from its
        start to its completion or end), ``n_reprice`` int64, ``first_fill_ns``, ``last_fill_ns``,
        ``complete_ns`` int64 (-1: none).
    fills : FillOut
        Capacity F: ``tranche`` int64, ``ts`` int64, ``price`` (replayed world), ``qty``, ``kind`` int8
        (``FILL_PASSIVE``, ``FILL_CROSS``, ``FILL_CLEANUP``), ``mid`` (tape mid in force), ``disp`` (the
        displacement in force before the fill), ``limit`` (the order's limit in the replayed world; NaN for an
        uncapped marketable order).
    n_fills : int64[1]
        Output: fills written (or needed, with ``STATUS_FULL``), in time order within each run.
    run_events : int64[R]
        Output: events each run's state machine processed.
    trace : Trace
        ``disp`` float64[n] and ``queue``, ``remaining``, ``limit`` (ticks) float64[n, T] after each event, or
        arrays of length 0 for none (meaningful for one run with ``jump`` off).

    Returns
    -------
    int
        ``STATUS_OK``; ``STATUS_FULL`` when the fill arrays are too short (``n_fills`` says how long they
        must be; other outputs are complete); ``STATUS_UNSORTED``, ``STATUS_SHAPE``, ``STATUS_PARAM``
        (``tick``, ``queue_frac``, ``queue_power``, ``refill_min_shares``, impact parameters, modes) or
        ``STATUS_TRANCHE`` (a window ending before it starts, a run's tranches out of order, a carry target
        outside its run or before its source, a non-positive size) with the outputs untouched.
    """
    ts = tape.ts
    kind = tape.kind
    val = tape.val
    n = ts.shape[0]
    T = tr.start_ns.shape[0]
    R = runs.tr0.shape[0]
    F = fills.ts.shape[0]
    # ---- checks
    if kind.shape[0] != n or val.shape[0] != n or val.shape[1] < 4:
        return STATUS_SHAPE
    for a in (tr.end_ns.shape[0], tr.side.shape[0], tr.qty.shape[0], tr.code.shape[0], tr.price_px.shape[0],
              tr.cap_px.shape[0], tr.max_part.shape[0], tr.policy.shape[0], tr.next_idx.shape[0], tr.order.shape[0]):
        if a != T:
            return STATUS_SHAPE
    for a in (runs.tr1.shape[0], runs.imp_scale.shape[0], runs.imp_perm.shape[0], runs.imp_half_life_ns.shape[0],
              run_events.shape[0]):
        if a != R:
            return STATUS_SHAPE
    for a in (out.placed_ns.shape[0], out.start_mid.shape[0], out.start_disp.shape[0], out.end_mid.shape[0],
              out.end_disp.shape[0], out.filled.shape[0], out.carry_in.shape[0], out.carry_out.shape[0],
              out.cleanup.shape[0], out.left.shape[0], out.mkt_vol.shape[0], out.n_reprice.shape[0],
              out.first_fill_ns.shape[0], out.last_fill_ns.shape[0], out.complete_ns.shape[0]):
        if a != T:
            return STATUS_SHAPE
    for a in (fills.tranche.shape[0], fills.price.shape[0], fills.qty.shape[0], fills.kind.shape[0],
              fills.mid.shape[0], fills.disp.shape[0], fills.limit.shape[0]):
        if a != F:
            return STATUS_SHAPE
    if n_fills.shape[0] < 1:
        return STATUS_SHAPE
    do_trace = trace.disp.shape[0] > 0
    if do_trace and (trace.disp.shape[0] != n or trace.queue.shape[0] != n or trace.queue.shape[1] != T
                     or trace.remaining.shape[0] != n or trace.remaining.shape[1] != T
                     or trace.limit.shape[0] != n or trace.limit.shape[1] != T):
        return STATUS_SHAPE
    if not (tick > 0.0) or not (0.0 <= queue_frac <= 1.0) or not (queue_power > 0.0) or not (refill_min_shares > 0.0):
        return STATUS_PARAM
    if queue_model < 0 or queue_model > 2 or decay_mode < 0 or decay_mode > 1:
        return STATUS_PARAM
    for r in range(R):
        if not (runs.imp_scale[r] >= 0.0) or not np.isfinite(runs.imp_scale[r]):
            return STATUS_PARAM
        if not (0.0 <= runs.imp_perm[r] <= 1.0) or not (runs.imp_half_life_ns[r] > 0.0):
            return STATUS_PARAM
        a0 = runs.tr0[r]
        a1 = runs.tr1[r]
        if a0 < 0 or a1 > T or a1 < a0:
            return STATUS_TRANCHE
        for k in range(a0, a1):
            if tr.end_ns[k] < tr.start_ns[k] or not (tr.qty[k] > 0.0) or not np.isfinite(tr.qty[k]):
                return STATUS_TRANCHE
            if tr.side[k] != 1 and tr.side[k] != -1:
                return STATUS_TRANCHE
            if k > a0 and tr.start_ns[k] < tr.start_ns[k - 1]:
                return STATUS_TRANCHE
            nx = tr.next_idx[k]
            if nx >= 0 and (nx <= k or nx >= a1):
                return STATUS_TRANCHE
            if tr.code[k] == CODE_FIXED and not (tr.price_px[k] > 0.0):
                return STATUS_TRANCHE
            if tr.policy[k] < 0 or tr.policy[k] > 2 or tr.code[k] < CODE_FIXED or tr.order[k] < 0:
                return STATUS_TRANCHE
            if nx >= 0 and tr.order[nx] != tr.order[k]:
                return STATUS_TRANCHE
    if not _sorted_events(ts, kind):
        return STATUS_UNSORTED

    # the core works on plain arrays (no tuple in the loops)
    oi = np.empty((T, 5), dtype=np.int64)
    of = np.empty((T, 10))
    fi = np.empty((F, 3), dtype=np.int64)
    ff = np.empty((F, 5))
    nf = _core(tape.ts, tape.kind, tape.val, tr.start_ns, tr.end_ns, tr.side, tr.qty, tr.code, tr.price_px, tr.cap_px,
               tr.max_part, tr.policy, tr.next_idx, tr.order, runs.tr0, runs.tr1, runs.imp_scale, runs.imp_perm,
               runs.imp_half_life_ns, tick, queue_model, queue_frac, queue_power, refill_min_shares, decay_mode, jump,
               oi, of, fi, ff, run_events, do_trace, trace.disp, trace.queue, trace.remaining, trace.limit)
    for k in range(T):
        out.placed_ns[k] = oi[k, OI_PLACED]
        out.n_reprice[k] = oi[k, OI_NREPRICE]
        out.first_fill_ns[k] = oi[k, OI_FIRST]
        out.last_fill_ns[k] = oi[k, OI_LAST]
        out.complete_ns[k] = oi[k, OI_COMPLETE]
        out.start_mid[k] = of[k, OF_START_MID]
        out.start_disp[k] = of[k, OF_START_DISP]
        out.end_mid[k] = of[k, OF_END_MID]
        out.end_disp[k] = of[k, OF_END_DISP]
        out.filled[k] = of[k, OF_FILLED]
        out.carry_in[k] = of[k, OF_CARRY_IN]
        out.carry_out[k] = of[k, OF_CARRY_OUT]
        out.cleanup[k] = of[k, OF_CLEANUP]
        out.left[k] = of[k, OF_LEFT]
        out.mkt_vol[k] = of[k, OF_MKT_VOL]
    for j in range(min(nf, F)):
        fills.tranche[j] = fi[j, FI_TRANCHE]
        fills.ts[j] = fi[j, FI_TS]
        fills.kind[j] = fi[j, FI_KIND]
        fills.price[j] = ff[j, FF_PRICE]
        fills.qty[j] = ff[j, FF_QTY]
        fills.mid[j] = ff[j, FF_MID]
        fills.disp[j] = ff[j, FF_DISP]
        fills.limit[j] = ff[j, FF_LIMIT]
    n_fills[0] = nf
    return STATUS_FULL if nf > F else STATUS_OK


@njit(cache=True, nogil=True, **INNER)
def _core(ts, kind, val, tr_start_ns, tr_end_ns, tr_side, tr_qty, tr_code, tr_price_px, tr_cap_px, tr_max_part,
          tr_policy, tr_next_idx, tr_order, r_tr0, r_tr1, r_scale, r_perm, r_half, tick, queue_model, queue_frac,
          queue_power, refill_min_shares, decay_mode, jump, oi, of, fi, ff, run_events, do_trace, trace_disp,
          trace_queue, trace_remaining, trace_limit):
    """Outputs initialised and scratch allocated for :func:`_loop`, the event loop of :func:`replay_runs` on plain
    arrays (inputs checked); returns the fills needed."""
    n = ts.shape[0]
    T = tr_start_ns.shape[0]
    # ---- outputs and scratch
    for k in range(T):
        oi[k, OI_PLACED] = -1
        of[k, OF_START_MID] = np.nan
        of[k, OF_START_DISP] = np.nan
        of[k, OF_END_MID] = np.nan
        of[k, OF_END_DISP] = np.nan
        of[k, OF_FILLED] = 0.0
        of[k, OF_CARRY_IN] = 0.0
        of[k, OF_CARRY_OUT] = 0.0
        of[k, OF_CLEANUP] = 0.0
        of[k, OF_LEFT] = 0.0
        of[k, OF_MKT_VOL] = 0.0
        oi[k, OI_NREPRICE] = 0
        oi[k, OI_FIRST] = -1
        oi[k, OI_LAST] = -1
        oi[k, OI_COMPLETE] = -1
    if do_trace:
        for i in range(n):
            trace_disp[i] = np.nan
            for k in range(T):
                trace_queue[i, k] = np.nan
                trace_remaining[i, k] = np.nan
                trace_limit[i, k] = np.nan
    state = np.zeros(T, dtype=np.int8)
    rem = np.zeros(T)
    capped_fill = np.zeros(T)  # fills that count against the participation cap
    queue = np.zeros(T)
    lt = np.zeros(T, dtype=np.int64)
    at_cap = np.zeros(T, dtype=np.bool_)
    lvl = np.full(T, np.nan)  # QM_PROB: displayed size at our price at the last quote (NaN: not shown)
    cumtr = np.zeros(T)  # QM_PROB: prints at our price since the last quote
    live = np.zeros(T, dtype=np.int64)
    n_ord = 0
    for k in range(T):
        if tr_order[k] + 1 > n_ord:
            n_ord = tr_order[k] + 1
    o_unopened = np.zeros(n_ord, dtype=np.int64)  # tranches of the order whose window has not opened
    o_started = np.zeros(n_ord, dtype=np.bool_)
    o_seen = np.zeros(n_ord, dtype=np.bool_)
    run_orders = np.zeros(T, dtype=np.int64)
    return _loop(ts, kind, val, tr_start_ns, tr_end_ns, tr_side, tr_qty, tr_code, tr_price_px, tr_cap_px, tr_max_part,
                 tr_policy, tr_next_idx, tr_order, r_tr0, r_tr1, r_scale, r_perm, r_half, tick, queue_model, queue_frac,
                 queue_power, refill_min_shares, decay_mode, jump, oi, of, fi, ff, run_events, do_trace, trace_disp,
                 trace_queue, trace_remaining, trace_limit, state, rem, capped_fill, queue, lt, at_cap, lvl, cumtr, live,
                 o_unopened, o_started, o_seen, run_orders)


# The event loop is compiled without numba's reference counting (``_nrt=False``): it allocates nothing (its
# scratch comes from :func:`_core`), and with the runtime on, every inlined helper that takes an array paid an
# atomic incref/decref pair per call, half the time per event (perf, 2026-12-04). Numba refuses to compile an
# allocation here, so the flag cannot silently leak memory.
@njit(cache=True, nogil=True, _nrt=False, **INNER)
def _loop(ts, kind, val, tr_start_ns, tr_end_ns, tr_side, tr_qty, tr_code, tr_price_px, tr_cap_px, tr_max_part,
          tr_policy, tr_next_idx, tr_order, r_tr0, r_tr1, r_scale, r_perm, r_half, tick, queue_model, queue_frac,
          queue_power, refill_min_shares, decay_mode, jump, oi, of, fi, ff, run_events, do_trace, trace_disp,
          trace_queue, trace_remaining, trace_limit, state, rem, capped_fill, queue, lt, at_cap, lvl, cumtr, live,
          o_unopened, o_started, o_seen, run_orders):
    """The event loop of :func:`replay_runs` (see :func:`_core`); returns the fills needed."""
    n = ts.shape[0]
    R = r_tr0.shape[0]
    F = fi.shape[0]
    nf = 0
    INF_T = np.iinfo(np.int64).max

    for r in range(R):
        a0 = r_tr0[r]
        a1 = r_tr1[r]
        run_events[r] = 0
        if a1 == a0:
            continue
        scale = r_scale[r]
        perm = r_perm[r]
        half = r_half[r]
        n_ro = 0
        for k in range(a0, a1):
            o = tr_order[k]
            o_unopened[o] = 0
            o_started[o] = False
            o_seen[o] = False
        for k in range(a0, a1):
            o = tr_order[k]
            if not o_seen[o]:
                o_seen[o] = True
                run_orders[n_ro] = o
                n_ro += 1
            o_unopened[o] += 1
        for k in range(a0, a1):
            state[k] = _PENDING
            rem[k] = tr_qty[k]
            capped_fill[k] = 0.0
            queue[k] = 0.0
            lt[k] = 0
            at_cap[k] = False
            lvl[k] = np.nan
            cumtr[k] = 0.0
        n_live = 0
        nxt = a0  # next tranche to open
        # impact state: net signed shares, peak path, permanent and transient parts, clock
        xnet = 0.0
        pk = 0.0
        pp = 0.0
        tt = 0.0
        t_clock = tr_start_ns[a0]
        n_work = 0  # orders working (transient impact holds)
        n_act = 0  # live tranches with shares open (events matter)
        n_tk = 0  # live tranches that may take liquidity (marketable or fixed-price)
        # quote state
        i = _upper_bound(ts, tr_start_ns[a0])
        qi = _last_quote(kind, val, i)
        has_q = qi >= 0
        bid = np.nan
        ask = np.nan
        bsz = np.nan
        asz = np.nan
        bt = np.int64(0)
        at = np.int64(0)
        if has_q:
            bid = val[qi, 0]
            ask = val[qi, 1]
            bsz = val[qi, 2]
            asz = val[qi, 3]
            bt = np.int64(round(bid / tick))
            at = np.int64(round(ask / tick))
        cons_bid = 0.0  # shares our marketable sells took from the bid since the last quote
        cons_ask = 0.0
        n_ev = 0
        t_timer = tr_start_ns[a0]  # earliest pending timer (recomputed whenever the live set changes)
        while True:
            t_ev = ts[i] if i < n else INF_T
            # ---- timers due before this event: window ends (earliest first), then openings
            while t_timer < t_ev:
                te = INF_T
                ke = -1
                for j in range(n_live):
                    k = live[j]
                    if tr_end_ns[k] < te:
                        te = tr_end_ns[k]
                        ke = k
                    elif tr_end_ns[k] == te and k < ke:
                        ke = k
                tsd = tr_start_ns[nxt] if nxt < a1 else INF_T
                tm = te if te < tsd else tsd
                if tm == INF_T or tm >= t_ev:
                    t_timer = tm
                    break
                # clock to tm (transient relaxation)
                if decay_mode == DECAY_CONTINUOUS or n_work == 0:
                    if tm > t_clock and tt != 0.0:
                        tt *= math.exp(-_LN2 * (tm - t_clock) / half)
                t_clock = tm
                if te <= tsd:
                    k = ke
                    disp = pp + tt
                    # cleanup / carry / leave
                    r_k = rem[k]
                    if r_k > _EPS:
                        pol = tr_policy[k]
                        if pol == POL_CROSS_AT_END and has_q:
                            side = tr_side[k]
                            lim = _NO_LIMIT
                            lim_px = np.nan
                            if tr_code[k] == CODE_FIXED:
                                lim_px = tr_price_px[k]
                            elif tr_cap_px[k] == tr_cap_px[k]:
                                lim_px = tr_cap_px[k]
                            if lim_px == lim_px:
                                lim = _frame_ticks(lim_px, side, disp, tick)
                            if side > 0:
                                x, px = _sweep(r_k, cons_ask, at, asz, 1, tick, refill_min_shares, lim)
                            else:
                                x, px = _sweep(r_k, cons_bid, bt, bsz, -1, tick, refill_min_shares, lim)
                            if x > 0.0:
                                if side > 0:
                                    cons_ask += x
                                else:
                                    cons_bid += x
                                if nf < F:
                                    fi[nf, FI_TRANCHE] = k
                                    fi[nf, FI_TS] = te
                                    ff[nf, FF_PRICE] = px * (1.0 + disp)
                                    ff[nf, FF_QTY] = x
                                    fi[nf, FI_KIND] = FILL_CLEANUP
                                    ff[nf, FF_MID] = 0.5 * (bid + ask)
                                    ff[nf, FF_DISP] = disp
                                    ff[nf, FF_LIMIT] = lim_px
                                nf += 1
                                rem[k] -= x
                                of[k, OF_FILLED] += x
                                of[k, OF_CLEANUP] += x
                                if oi[k, OI_FIRST] < 0:
                                    oi[k, OI_FIRST] = te
                                oi[k, OI_LAST] = te
                                if rem[k] <= _EPS:
                                    rem[k] = 0.0
                                    oi[k, OI_COMPLETE] = te
                                xnet += side * x
                                npk = scale * math.copysign(math.sqrt(abs(xnet)), xnet)
                                d = npk - pk
                                pk = npk
                                pp += perm * d
                                tt += (1.0 - perm) * d
                                disp = pp + tt
                        elif pol == POL_CARRY:
                            nx = tr_next_idx[k]
                            if nx >= 0 and state[nx] != _DONE:
                                idle = rem[nx] <= _EPS and state[nx] == _PLACED
                                rem[nx] += rem[k]
                                of[nx, OF_CARRY_IN] += rem[k]
                                of[k, OF_CARRY_OUT] += rem[k]
                                rem[k] = 0.0
                                if idle:  # a finished tranche works again: back of the queue at its price
                                    oi[nx, OI_COMPLETE] = -1
                                    if tr_code[nx] != CODE_CROSS:
                                        p_n, c_n = _target(tr_side[nx], tr_code[nx], tr_price_px[nx],
                                                           tr_cap_px[nx], bt, at, disp, tick)
                                        lt[nx] = p_n
                                        at_cap[nx] = c_n
                                        q0, l0 = _queue_init(tr_side[nx], p_n, bt, at, bsz, asz, queue_frac)
                                        queue[nx] = q0
                                        lvl[nx] = l0
                                        cumtr[nx] = 0.0
                                        oi[nx, OI_NREPRICE] += 1
                        if rem[k] > _EPS:
                            of[k, OF_LEFT] += rem[k]
                            rem[k] = 0.0
                    of[k, OF_END_MID] = 0.5 * (bid + ask) if has_q else np.nan
                    of[k, OF_END_DISP] = disp
                    state[k] = _DONE
                    # drop from the live list
                    for j in range(n_live):
                        if live[j] == k:
                            for jj in range(j, n_live - 1):
                                live[jj] = live[jj + 1]
                            n_live -= 1
                            break
                else:
                    k = nxt
                    nxt += 1
                    live[n_live] = k
                    n_live += 1
                    state[k] = _WAITING
                    o_started[tr_order[k]] = True
                    o_unopened[tr_order[k]] -= 1
                    if has_q:
                        disp = pp + tt
                        _place(k, tr_side[k], tr_code[k], tr_price_px[k], tr_cap_px[k], state, queue, lt,
                               at_cap, lvl, cumtr, oi, of, bt, at, bsz, asz, disp, tick, queue_frac, bid,
                               ask, tm)
                        # an uncapped marketable order takes everything at once
                        if _is_taker(tr_code[k], tr_side[k], lt[k], bt, at):
                            res = _take(k, tm, tr_side[k], tr_code[k], tr_price_px[k], tr_cap_px[k],
                                        tr_max_part[k], lt[k], rem, capped_fill, oi, of, fi, ff, nf, F, bt,
                                        at, bsz, asz, cons_bid, cons_ask, pp + tt, tick, refill_min_shares,
                                        bid, ask)
                            nf, cons_bid, cons_ask, x_t = res
                            if x_t > 0.0:
                                side = tr_side[k]
                                xnet += side * x_t
                                npk = scale * math.copysign(math.sqrt(abs(xnet)), xnet)
                                d = npk - pk
                                pk = npk
                                pp += perm * d
                                tt += (1.0 - perm) * d
                n_work = _working(run_orders, n_ro, o_started, o_unopened, live, n_live, rem, tr_order)
                n_act = 0
                n_tk = 0
                for j in range(n_live):
                    if rem[live[j]] > _EPS:
                        n_act += 1
                    if tr_code[live[j]] <= CODE_CROSS:
                        n_tk += 1
            if i >= n or (nxt >= a1 and n_live == 0):
                break
            # ---- jump over events while nothing works (results unchanged)
            if jump and n_act == 0:
                te = INF_T
                for j in range(n_live):
                    if tr_end_ns[live[j]] < te:
                        te = tr_end_ns[live[j]]
                tsd = tr_start_ns[nxt] if nxt < a1 else INF_T
                tm = te if te < tsd else tsd
                i2 = _upper_bound(ts, tm)
                if i2 > i + 1:
                    q2 = _last_quote(kind, val, i2)
                    if q2 >= i:  # a quote among the skipped events is the new state
                        qi = q2
                        has_q = True
                        bid = val[qi, 0]
                        ask = val[qi, 1]
                        bsz = val[qi, 2]
                        asz = val[qi, 3]
                        bt = np.int64(round(bid / tick))
                        at = np.int64(round(ask / tick))
                        cons_bid = 0.0
                        cons_ask = 0.0
                    i = i2
                    continue
            # ---- the events up to the next timer (the live set holds until then)
            i_end = n if t_timer == INF_T else _upper_bound_from(ts, t_timer, i)
            fast = _fast_case(n_live, live, state, tr_code, tr_cap_px, rem, do_trace)
            while True:
                if fast:
                    # One pegged tranche without a cap works alone (the common case): the events that cannot
                    # fill it, in a lean loop with the general path's arithmetic; it stops, before changing
                    # anything, at a print that may fill it and leaves that print to the general path.
                    k = live[0]
                    side = tr_side[k]
                    lp = lt[k] * tick
                    tol = tick * 1e-4
                    while i < i_end:
                        t = ts[i]
                        if kind[i] == KIND_QUOTE:
                            if _valid_quote(val[i, 0], val[i, 1]):
                                has_q = True
                                moved = False
                                if val[i, 0] != bid:
                                    bid = val[i, 0]
                                    b2 = np.int64(round(bid / tick))
                                    moved = b2 != bt
                                    bt = b2
                                if val[i, 1] != ask:
                                    ask = val[i, 1]
                                    a2 = np.int64(round(ask / tick))
                                    moved = moved or a2 != at
                                    at = a2
                                bsz = val[i, 2]
                                asz = val[i, 3]
                                cons_bid = 0.0
                                cons_ask = 0.0
                                if moved or queue_model == QM_PROB:
                                    _requote(k, side, tr_code[k], tr_price_px[k], tr_cap_px[k], queue, lt, at_cap,
                                             lvl, cumtr, oi, bt, at, bsz, asz, pp + tt, tick, queue_model,
                                             queue_frac, queue_power)
                                    lp = lt[k] * tick
                                elif queue_model == QM_QUEUE:
                                    near = bt if side > 0 else at
                                    if near == lt[k]:
                                        size = bsz if side > 0 else asz
                                        if size < queue[k]:
                                            queue[k] = size
                                        lvl[k] = size
                                        cumtr[k] = 0.0
                                    elif (side > 0 and near < lt[k]) or (side < 0 and near > lt[k]):
                                        queue[k] = 0.0
                                        lvl[k] = 0.0
                                        cumtr[k] = 0.0
                                    else:
                                        lvl[k] = np.nan
                                        cumtr[k] = 0.0
                        else:
                            px = val[i, 0]
                            sz = val[i, 1]
                            if np.isfinite(px) and np.isfinite(sz) and sz > 0.0:
                                if px < lp - tol if side > 0 else px > lp + tol:
                                    break  # through our price
                                if abs(px - lp) <= tol and queue_model != QM_TRADE_THROUGH:
                                    if queue[k] < sz:
                                        break  # past the queue ahead
                                    cumtr[k] += sz
                                    queue[k] -= sz
                                of[k, OF_MKT_VOL] += sz
                        if decay_mode == DECAY_CONTINUOUS or n_work == 0:
                            if t > t_clock and tt != 0.0:
                                tt *= math.exp(-_LN2 * (t - t_clock) / half)
                        t_clock = t
                        n_ev += 1
                        i += 1
                    if i >= i_end:
                        break
                t = ts[i]
                if decay_mode == DECAY_CONTINUOUS or n_work == 0:
                    if t > t_clock and tt != 0.0:
                        tt *= math.exp(-_LN2 * (t - t_clock) / half)
                t_clock = t
                n_ev += 1
                changed = False
                if kind[i] == KIND_QUOTE:
                    if _valid_quote(val[i, 0], val[i, 1]):
                        has_q = True
                        moved = False
                        if val[i, 0] != bid:
                            bid = val[i, 0]
                            b2 = np.int64(round(bid / tick))
                            moved = b2 != bt
                            bt = b2
                        if val[i, 1] != ask:
                            ask = val[i, 1]
                            a2 = np.int64(round(ask / tick))
                            moved = moved or a2 != at
                            at = a2
                        bsz = val[i, 2]
                        asz = val[i, 3]
                        cons_bid = 0.0
                        cons_ask = 0.0
                        disp = pp + tt
                        for j in range(n_live):
                            k = live[j]
                            if state[k] == _WAITING:
                                _place(k, tr_side[k], tr_code[k], tr_price_px[k], tr_cap_px[k], state, queue, lt,
                                       at_cap, lvl, cumtr, oi, of, bt, at, bsz, asz, disp, tick, queue_frac, bid,
                                       ask, t)
                            elif state[k] == _PLACED and tr_code[k] != CODE_CROSS and rem[k] > _EPS:
                                if (not moved and tr_code[k] >= CODE_MID and tr_cap_px[k] != tr_cap_px[k]
                                        and queue_model != QM_PROB):
                                    # the same prices: a pegged price without a cap is where it was; only the
                                    # displayed size at it caps the queue (what _requote does in this case)
                                    if queue_model == QM_QUEUE:
                                        near = bt if tr_side[k] > 0 else at
                                        if near == lt[k]:
                                            size = bsz if tr_side[k] > 0 else asz
                                            if size < queue[k]:
                                                queue[k] = size
                                            lvl[k] = size
                                            cumtr[k] = 0.0
                                        elif (tr_side[k] > 0 and near < lt[k]) or (tr_side[k] < 0 and near > lt[k]):
                                            queue[k] = 0.0
                                            lvl[k] = 0.0
                                            cumtr[k] = 0.0
                                        else:
                                            lvl[k] = np.nan
                                            cumtr[k] = 0.0
                                    continue
                                _requote(k, tr_side[k], tr_code[k], tr_price_px[k], tr_cap_px[k], queue, lt,
                                         at_cap, lvl, cumtr, oi, bt, at, bsz, asz, disp, tick, queue_model,
                                         queue_frac, queue_power)
                        # marketable orders may take more (a new quote, a price back within the cap)
                        for j in range(n_live if n_tk > 0 else 0):
                            k = live[j]
                            if state[k] == _PLACED and rem[k] > _EPS and _is_taker(tr_code[k], tr_side[k], lt[k], bt, at):
                                res = _take(k, t, tr_side[k], tr_code[k], tr_price_px[k], tr_cap_px[k],
                                            tr_max_part[k], lt[k], rem, capped_fill, oi, of, fi, ff, nf, F, bt,
                                            at, bsz, asz, cons_bid, cons_ask, pp + tt, tick, refill_min_shares,
                                            bid, ask)
                                nf, cons_bid, cons_ask, x_t = res
                                if x_t > 0.0:
                                    changed = True
                                    xnet += tr_side[k] * x_t
                                    npk = scale * math.copysign(math.sqrt(abs(xnet)), xnet)
                                    d = npk - pk
                                    pk = npk
                                    pp += perm * d
                                    tt += (1.0 - perm) * d
                else:
                    px = val[i, 0]
                    sz = val[i, 1]
                    if np.isfinite(px) and np.isfinite(sz) and sz > 0.0:
                        avail = sz
                        for j in range(n_live):
                            k = live[j]
                            if rem[k] <= _EPS:
                                continue
                            # (a fill changes only its own tranche's remainder: the volume of the print counts for
                            # every tranche that had shares open before it)
                            of[k, OF_MKT_VOL] += sz
                            if state[k] != _PLACED or tr_code[k] == CODE_CROSS:
                                continue
                            disp = pp + tt
                            # a cap or fixed price moves in the tape's frame with the displacement
                            if tr_code[k] == CODE_FIXED or tr_cap_px[k] == tr_cap_px[k]:
                                tgt, tcap = _target(tr_side[k], tr_code[k], tr_price_px[k], tr_cap_px[k], bt, at,
                                                    disp, tick)
                                if tgt != lt[k]:
                                    lt[k] = tgt
                                    at_cap[k] = tcap
                                    q0, l0 = _queue_init(tr_side[k], tgt, bt, at, bsz, asz, queue_frac)
                                    queue[k] = q0
                                    lvl[k] = l0
                                    cumtr[k] = 0.0
                                    oi[k, OI_NREPRICE] += 1
                            side = tr_side[k]
                            lp = lt[k] * tick
                            tol = tick * 1e-4
                            through = px < lp - tol if side > 0 else px > lp + tol
                            e = 0.0
                            if through:
                                e = sz
                                queue[k] = 0.0
                                lvl[k] = 0.0
                                cumtr[k] = 0.0
                            elif abs(px - lp) <= tol:
                                if queue_model == QM_TRADE_THROUGH:
                                    e = 0.0
                                else:
                                    cumtr[k] += sz
                                    if queue[k] >= sz:
                                        queue[k] -= sz
                                    else:
                                        e = sz - queue[k]
                                        queue[k] = 0.0
                            if e <= 0.0:
                                continue
                            x = min(e, avail, rem[k])
                            mp = tr_max_part[k]
                            if mp == mp:
                                allow = mp * of[k, OF_MKT_VOL] - capped_fill[k]
                                if allow < x:
                                    x = allow
                            if x <= _EPS:
                                continue
                            if at_cap[k]:
                                price = tr_price_px[k] if tr_code[k] == CODE_FIXED else tr_cap_px[k]
                            else:
                                price = lp * (1.0 + disp)
                            if nf < F:
                                fi[nf, FI_TRANCHE] = k
                                fi[nf, FI_TS] = t
                                ff[nf, FF_PRICE] = price
                                ff[nf, FF_QTY] = x
                                fi[nf, FI_KIND] = FILL_PASSIVE
                                ff[nf, FF_MID] = 0.5 * (bid + ask) if has_q else np.nan
                                ff[nf, FF_DISP] = disp
                                ff[nf, FF_LIMIT] = price
                            nf += 1
                            avail -= x
                            rem[k] -= x
                            capped_fill[k] += x
                            of[k, OF_FILLED] += x
                            if oi[k, OI_FIRST] < 0:
                                oi[k, OI_FIRST] = t
                            oi[k, OI_LAST] = t
                            if rem[k] <= _EPS:
                                rem[k] = 0.0
                                oi[k, OI_COMPLETE] = t
                            changed = True
                            xnet += side * x
                            npk = scale * math.copysign(math.sqrt(abs(xnet)), xnet)
                            d = npk - pk
                            pk = npk
                            pp += perm * d
                            tt += (1.0 - perm) * d
                        # marketable orders: the allowance grew with the print
                        if has_q and n_tk > 0:
                            for j in range(n_live):
                                k = live[j]
                                if state[k] == _PLACED and rem[k] > _EPS and _is_taker(tr_code[k], tr_side[k], lt[k], bt, at):
                                    res = _take(k, t, tr_side[k], tr_code[k], tr_price_px[k], tr_cap_px[k],
                                                tr_max_part[k], lt[k], rem, capped_fill, oi, of, fi, ff, nf, F,
                                                bt, at, bsz, asz, cons_bid, cons_ask, pp + tt, tick,
                                                refill_min_shares, bid, ask)
                                    nf, cons_bid, cons_ask, x_t = res
                                    if x_t > 0.0:
                                        changed = True
                                        xnet += tr_side[k] * x_t
                                        npk = scale * math.copysign(math.sqrt(abs(xnet)), xnet)
                                        d = npk - pk
                                        pk = npk
                                        pp += perm * d
                                        tt += (1.0 - perm) * d
                if changed:
                    n_work = _working(run_orders, n_ro, o_started, o_unopened, live, n_live, rem, tr_order)
                    n_act = 0
                    for j in range(n_live):
                        if rem[live[j]] > _EPS:
                            n_act += 1
                if do_trace:
                    trace_disp[i] = pp + tt
                    for k in range(a0, a1):
                        trace_remaining[i, k] = rem[k]
                        if state[k] == _PLACED and tr_code[k] != CODE_CROSS:
                            trace_queue[i, k] = queue[k]
                            trace_limit[i, k] = lt[k]
                i += 1
                fast = _fast_case(n_live, live, state, tr_code, tr_cap_px, rem, do_trace)
                if i >= i_end or (jump and n_act == 0):
                    break
        run_events[r] = n_ev
    return nf


@njit(cache=True, nogil=True, inline="always")
def _fast_case(n_live, live, state, code, cap, rem, do_trace):
    """One tranche works alone, placed, pegged to the quote without a cap, shares open (no trace)."""
    if n_live != 1 or do_trace:
        return False
    k = live[0]
    return state[k] == _PLACED and code[k] >= CODE_MID and cap[k] != cap[k] and rem[k] > _EPS


@njit(cache=True, nogil=True, inline="always")
def _working(run_orders, n_ro, o_started, o_unopened, live, n_live, rem, order):
    """Orders of the run that are working: a window of theirs has opened, and shares are still open (in a
    window yet to open, or in an open one)."""
    n = 0
    for j in range(n_ro):
        o = run_orders[j]
        if not o_started[o]:
            continue
        if o_unopened[o] > 0:
            n += 1
            continue
        for jj in range(n_live):
            k = live[jj]
            if order[k] == o and rem[k] > _EPS:
                n += 1
                break
    return n


@njit(cache=True, nogil=True, inline="always")
def _target(side, code, price, cap, bt, at, disp, tick):
    """The tranche's price in ticks of the tape's frame now, and whether the fixed or cap price binds."""
    if code == CODE_FIXED:
        return _frame_ticks(price, side, disp, tick), True
    p = _passive_ticks(side, bt, at, code)
    if cap == cap:
        c = _frame_ticks(cap, side, disp, tick)
        if (side > 0 and c < p) or (side < 0 and c > p):
            return c, True
    return p, False


@njit(cache=True, nogil=True, inline="always")
def _queue_init(side, price_t, bt, at, bsz, asz, queue_frac):
    """Queue ahead and displayed size at our price for an order (re)posted at ``price_t``."""
    if side > 0:
        if price_t == bt:
            return queue_frac * bsz, bsz
        if price_t > bt:
            return 0.0, 0.0
        return np.inf, np.nan
    if price_t == at:
        return queue_frac * asz, asz
    if price_t < at:
        return 0.0, 0.0
    return np.inf, np.nan


@njit(cache=True, nogil=True, **INNER)
def _place(k, side, code, price, cap, state, queue, lt, at_cap, lvl, cumtr, oi, of, bt, at, bsz, asz, disp, tick,
           queue_frac, bid, ask, t):
    state[k] = _PLACED
    oi[k, OI_PLACED] = t
    of[k, OF_START_MID] = 0.5 * (bid + ask)
    of[k, OF_START_DISP] = disp
    if code == CODE_CROSS:
        return
    p, c = _target(side, code, price, cap, bt, at, disp, tick)
    lt[k] = p
    at_cap[k] = c
    q0, l0 = _queue_init(side, p, bt, at, bsz, asz, queue_frac)
    queue[k] = q0
    lvl[k] = l0
    cumtr[k] = 0.0


@njit(cache=True, nogil=True, inline="always")
def _requote(k, side, code, price, cap, queue, lt, at_cap, lvl, cumtr, oi, bt, at, bsz, asz, disp, tick, queue_model,
             queue_frac, queue_power):
    """A new quote: re-peg when the price moved, else update the queue ahead."""
    p, c = _target(side, code, price, cap, bt, at, disp, tick)
    if p != lt[k]:
        lt[k] = p
        at_cap[k] = c
        q0, l0 = _queue_init(side, p, bt, at, bsz, asz, queue_frac)
        queue[k] = q0
        lvl[k] = l0
        cumtr[k] = 0.0
        oi[k, OI_NREPRICE] += 1
        return
    at_cap[k] = c
    if queue_model == QM_TRADE_THROUGH:
        return
    near = bt if side > 0 else at
    size = bsz if side > 0 else asz
    worse = near < p if side > 0 else near > p  # the near side is now behind our price: our level is empty
    if worse:
        queue[k] = 0.0
        lvl[k] = 0.0
        cumtr[k] = 0.0
        return
    if near != p:  # we are behind the near side: the level is not shown
        lvl[k] = np.nan
        cumtr[k] = 0.0
        return
    if queue_model == QM_QUEUE:
        if size < queue[k]:
            queue[k] = size
        lvl[k] = size
        cumtr[k] = 0.0
        return
    # QM_PROB
    prev = lvl[k]
    if prev != prev:
        if size < queue[k]:
            queue[k] = size
    else:
        chg = prev - size - cumtr[k]
        if chg <= 0.0:
            if size < queue[k]:
                queue[k] = size
        else:
            front = queue[k]
            back = prev - front
            if back < 0.0:
                back = 0.0
            fb = back**queue_power
            ff = front**queue_power
            prob = fb / (fb + ff)
            if not np.isfinite(prob):
                prob = 1.0
            est = front - (1.0 - prob) * chg + min(back - prob * chg, 0.0)
            if est > size:
                est = size
            if est < 0.0:
                est = 0.0
            queue[k] = est
    lvl[k] = size
    cumtr[k] = 0.0


@njit(cache=True, nogil=True, inline="always")
def _is_taker(code, side, ltk, bt, at):
    if code == CODE_CROSS:
        return True
    if code == CODE_FIXED:
        return ltk >= at if side > 0 else ltk <= bt
    return False


@njit(cache=True, nogil=True, **INNER)
def _take(k, t, side, code, price, cap, max_part, ltk, rem, capped_fill, oi, of, fi, ff, nf, F, bt, at, bsz, asz,
          cons_bid, cons_ask, disp, tick, refill_min, bid, ask):
    """A marketable order takes what the participation cap allows now. Returns (nf, cons_bid, cons_ask, shares)."""
    want = rem[k]
    if max_part == max_part:
        allow = max_part * of[k, OF_MKT_VOL] - capped_fill[k]
        if allow < want:
            want = allow
    if want <= _EPS:
        return nf, cons_bid, cons_ask, 0.0
    lim = _NO_LIMIT
    lim_px = np.nan
    if code == CODE_FIXED:
        lim_px = price
        lim = ltk
    elif cap == cap:
        lim_px = cap
        lim = _frame_ticks(lim_px, side, disp, tick)
    if side > 0:
        x, px = _sweep(want, cons_ask, at, asz, 1, tick, refill_min, lim)
    else:
        x, px = _sweep(want, cons_bid, bt, bsz, -1, tick, refill_min, lim)
    if x <= 0.0:
        return nf, cons_bid, cons_ask, 0.0
    if side > 0:
        cons_ask += x
    else:
        cons_bid += x
    if nf < F:
        fi[nf, FI_TRANCHE] = k
        fi[nf, FI_TS] = t
        fi[nf, FI_KIND] = FILL_CROSS
        ff[nf, FF_PRICE] = px * (1.0 + disp)
        ff[nf, FF_QTY] = x
        ff[nf, FF_MID] = 0.5 * (bid + ask)
        ff[nf, FF_DISP] = disp
        ff[nf, FF_LIMIT] = lim_px
    nf += 1
    rem[k] -= x
    capped_fill[k] += x
    of[k, OF_FILLED] += x
    if oi[k, OI_FIRST] < 0:
        oi[k, OI_FIRST] = t
    oi[k, OI_LAST] = t
    if rem[k] <= _EPS:
        rem[k] = 0.0
        oi[k, OI_COMPLETE] = t
    return nf, cons_bid, cons_ask, x

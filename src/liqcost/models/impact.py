"""Market-impact models: the expected cost of an order and its timing risk, vectorized over orders.

Every model is a small frozen object with documented parameters and two methods:

* ``cost_bps(order, profile, schedule) -> CostParts``: the order worked at a constant rate;
* ``path_cost_bps(order, profile, path) -> PathCosts``: the order worked along its tranches, each at its own
  participation rate (the planner's schedule), per order and per tranche,

where

* ``order`` (:class:`Order`) holds the order sizes ``qty_shares`` (absolute, >= 0) and sides;
* ``profile`` (:class:`Profile`) holds the name's liquidity: price, ADV, daily volatility, spread,
  shares outstanding and market cap;
* ``schedule`` (:class:`Schedule`) says how the order is worked: at a participation rate (fraction of
  the day's market volume) or over a duration in trading days; the other one follows from
  ``qty = participation * ADV * duration`` (a zero duration is an instantaneous trade);
* ``path`` (:class:`Path`) lists each order's tranches with their shares and participation rates.

All accept scalars or 1-d arrays and broadcast them, so one call prices 10,000 orders. Parameters
may be scalars or arrays of one value per order (per-symbol and per-size-band overrides, see
:mod:`liqcost.models.params`).

Every model prices the speed of execution: its impact is a part that depends on the size only (the
permanent impact) plus a temporary part that grows with the participation rate, so an order worked over
a longer horizon costs less and carries more timing risk. The square-root law, the crossover and the
logarithmic law carry Kissell's participation factor on their temporary share, normalised at a reference
rate (:class:`SquareRootModel`); Almgren et al. (2005) and I-Star have their own rate terms.

Units and conventions
---------------------
``sigma`` is the daily volatility of returns as a fraction (0.04 = 4 % a day); ``ADV`` (``V``) is the mean
daily volume in shares with zero-volume days included; ``X`` or ``Q`` the order size in shares; ``T`` the
duration in trading days; the participation rate ``p = X / (V T)`` (fraction of the market's volume);
Kissell's ``POV = p / (1 + p)`` (own volume over total volume, 1 for an instantaneous trade). Costs are in
basis points of the arrival mid, positive when they hurt the trader, and split into the half-spread paid,
the temporary impact cost and the permanent impact cost (:class:`~liqcost.models.results.CostParts`). A
zero order costs nothing. Timing risk is one standard deviation of the price drift over the execution for
a linear (constant-rate) schedule, ``sigma * sqrt(T / 3)`` (Almgren & Chriss 2000, variance of a linear
trajectory), reported beside the cost and not added to it. Fees are not part of the models: the caller
adds them (:mod:`liqcost.models.fees`).

The half-spread term is ``spread_bps / 2`` of the profile given; which spread (quoted, effective ...)
feeds it is the caller's choice (``impact.half_spread_from`` in the pre-trade check).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from liqcost.models.results import CostParts

__all__ = [
    "MODELS",
    "Almgren2005Model",
    "CrossoverModel",
    "IStarModel",
    "ImpactInputs",
    "ImpactModel",
    "LogModel",
    "Order",
    "Path",
    "PathCosts",
    "Profile",
    "Schedule",
    "SquareRootModel",
    "impact_inputs",
]

_BPS = 1e4


def _arr(x) -> np.ndarray:
    return np.atleast_1d(np.asarray(x, dtype=np.float64))


@dataclass(frozen=True)
class Order:
    """Orders to price (one element per order).

    Parameters
    ----------
    qty_shares : array_like
        Order size in shares, >= 0 (the absolute quantity; the direction is ``side``).
    side : array_like, default 1
        +1 buy, -1 sell. Costs are symmetric in the side (a cost is positive when it hurts).
    """

    qty_shares: np.ndarray
    side: np.ndarray = 1

    def __post_init__(self):
        object.__setattr__(self, "qty_shares", _arr(self.qty_shares))
        object.__setattr__(self, "side", np.atleast_1d(np.asarray(self.side, dtype=np.int8)))


@dataclass(frozen=True)
class Profile:
    """The liquidity of the traded names, aligned with the orders (one element per order, or scalars).

    Parameters
    ----------
    price_px : array_like
        Last price, currency per share (for currency amounts and market cap).
    adv_shares : array_like
        Mean daily volume over the lookback, shares per day, zero-volume days included.
    volatility_daily_frac : array_like
        Daily return volatility as a fraction.
    spread_bps : array_like
        Full bid-ask spread in bps of mid; the models charge half of it.
    shares_outstanding : array_like, optional
        Shares outstanding (NaN when unknown); used by Almgren et al. (2005).
    market_cap_usd : array_like, optional
        Market capitalisation in currency (NaN when unknown); used to pick I-Star parameter sets.
    """

    price_px: np.ndarray
    adv_shares: np.ndarray
    volatility_daily_frac: np.ndarray
    spread_bps: np.ndarray
    shares_outstanding: np.ndarray = np.nan
    market_cap_usd: np.ndarray = np.nan

    def __post_init__(self):
        for f in fields(self):
            object.__setattr__(self, f.name, _arr(getattr(self, f.name)))

    @classmethod
    def from_frame(cls, frame, *, spread: str = "spread", volume: str = "adv") -> Profile:
        """The profile columns of a polars frame (``schema.PROFILE`` names), one row per order.

        This is the one step from profile rows to impact-model inputs (pre-trade and the planner both
        call it, through :func:`impact_inputs`).

        Parameters
        ----------
        frame : polars.DataFrame
            Profile rows aligned with the orders (missing columns are NaN).
        spread : ``"spread"``, ``"quoted"``, ``"effective"``, ``"max"`` or ``"none"``
            Which spread feeds the half-spread term (``impact.half_spread_from``): the best available
            ``spread_bps``, the quoted or effective spread, the larger of the two, or none (0: the caller
            prices the spread itself, as the planner does tranche by tranche). A missing quoted or
            effective spread falls back to ``spread_bps``.
        volume : ``"adv"`` or ``"mdv"``
            Daily volume of the models: ADV, or the median daily volume where it is positive (else ADV)
            (``planner.volume_basis``).
        """
        return impact_inputs(frame, spread=spread, volume=volume).profile


def _column(frame, name: str) -> np.ndarray:
    import polars as pl

    if name not in frame.columns:
        return np.full(frame.height, np.nan)
    return frame.get_column(name).cast(pl.Float64, strict=False).fill_null(float("nan")).to_numpy()


@dataclass(frozen=True)
class ImpactInputs:
    """Impact-model inputs of a batch of orders, from their profile rows (see :func:`impact_inputs`).

    Attributes
    ----------
    profile : Profile
        Price, daily volume, volatility, spread, shares outstanding and market cap, one per order.
    symbols : ndarray of object
        The orders' symbols (for per-symbol parameter overrides).
    spread_fallback : ndarray of bool
        The configured spread (quoted, effective) was missing and ``spread_bps`` was used.
    """

    profile: Profile
    symbols: np.ndarray
    spread_fallback: np.ndarray

    def cap_band(self, bands_usd: dict) -> np.ndarray:
        """Market-cap band of every order (``bars.market_cap_bands_usd``; :func:`liqcost.models.params.cap_band`)."""
        from liqcost.models.params import cap_band

        return cap_band(self.profile.market_cap_usd, bands_usd)


def impact_inputs(frame, *, spread: str = "spread", volume: str = "adv") -> ImpactInputs:
    """The one step from profile rows to impact-model inputs, shared by pre-trade and the planner.

    Parameters
    ----------
    frame : polars.DataFrame
        One profile row per order (``schema.PROFILE`` names; absent columns are NaN).
    spread, volume : str
        See :meth:`Profile.from_frame`.

    Returns
    -------
    ImpactInputs

    Notes
    -----
    The market cap is ``market_cap_usd`` where known, else ``price_px x shares_outstanding`` (NaN when
    both are unknown); it selects the I-Star parameter set (Kissell 2013) and Almgren et al. (2005)'s
    turnover.
    """
    n = frame.height
    price = _column(frame, "price_px")
    adv = _column(frame, "adv_shares")
    if volume == "mdv":
        mdv = _column(frame, "mdv_shares")
        vol = np.where(np.isfinite(mdv) & (mdv > 0), mdv, adv)
    elif volume == "adv":
        vol = adv
    else:
        raise ValueError(f"volume must be 'adv' or 'mdv', got {volume!r}")
    best = _column(frame, "spread_bps")
    if spread == "none":
        chosen, fallback = np.zeros(n), np.zeros(n, dtype=bool)
    elif spread in ("spread", "quoted", "effective", "max"):
        if spread == "max":
            with np.errstate(invalid="ignore"):
                sp = np.fmax(_column(frame, "quoted_spread_bps"), _column(frame, "effective_spread_bps"))
        elif spread == "spread":
            sp = best
        else:
            sp = _column(frame, f"{spread}_spread_bps")
        fallback = ~np.isfinite(sp) & (spread != "spread")
        chosen = np.where(np.isfinite(sp), sp, best)
    else:
        raise ValueError(f"spread must be spread, quoted, effective, max or none, got {spread!r}")
    theta = _column(frame, "shares_outstanding")
    mcap = _column(frame, "market_cap_usd")
    mcap = np.where(np.isfinite(mcap), mcap, price * theta)
    symbols = frame.get_column("symbol").to_numpy() if "symbol" in frame.columns else np.full(n, "", dtype=object)
    prof = Profile(price, vol, _column(frame, "volatility_daily_frac"), chosen, theta, mcap)
    return ImpactInputs(prof, symbols.astype(object), fallback)


@dataclass(frozen=True)
class Schedule:
    """How the orders are worked: at a participation rate, or over a duration (one of the two).

    Parameters
    ----------
    participation_frac : array_like, optional
        Rate of trading as a fraction of the market's daily volume (0.1 = 10 % of volume), assumed
        constant; the duration follows as ``T = qty / (participation * ADV)`` trading days.
    duration_days : array_like, optional
        Duration of the execution in trading days (0.5 = half a session); the participation follows as
        ``qty / (ADV * T)``. Takes precedence where both are given.
    """

    participation_frac: np.ndarray | None = None
    duration_days: np.ndarray | None = None

    def __post_init__(self):
        if self.participation_frac is None and self.duration_days is None:
            raise ValueError("a Schedule needs participation_frac or duration_days")
        if self.participation_frac is not None:
            object.__setattr__(self, "participation_frac", _arr(self.participation_frac))
        if self.duration_days is not None:
            object.__setattr__(self, "duration_days", _arr(self.duration_days))

    def resolve(self, qty_shares: np.ndarray, adv_shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Participation rate (fraction of ADV per day) and duration (trading days), one per order."""
        q, v = np.broadcast_arrays(_arr(qty_shares), _arr(adv_shares))
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.duration_days is not None:
                t = np.broadcast_to(self.duration_days, q.shape).astype(np.float64)
                if self.participation_frac is not None:  # NaN durations fall back to the rate
                    p_given = np.broadcast_to(self.participation_frac, q.shape)
                    t = np.where(np.isfinite(t), t, np.where(q > 0, q / (p_given * v), 0.0))
                p = np.where(q > 0, q / (v * t), 0.0)
            else:
                p = np.broadcast_to(self.participation_frac, q.shape).astype(np.float64)
                t = np.where(q > 0, q / (p * v), 0.0)
        return p, t


@dataclass(frozen=True)
class Path:
    """The tranches of a batch of orders, for pricing an execution path (CSR layout).

    Parameters
    ----------
    offsets : array_like of int
        ``offsets[o]:offsets[o + 1]`` are order ``o``'s tranches, in execution order (length ``n + 1``).
    shares : array_like
        Shares of each tranche (>= 0; they need not sum to the order exactly: the weights are
        ``shares / sum``).
    participation_frac : array_like
        Each tranche's shares over the market volume expected in its window (its participation rate;
        0.1 = 10 % of the window's volume).
    duration_days : array_like
        Each order's duration, trading days (first window's start to last window's end): the timing risk
        of the order-level parts and Almgren et al.'s permanent level use it.
    """

    offsets: np.ndarray
    shares: np.ndarray
    participation_frac: np.ndarray
    duration_days: np.ndarray

    def __post_init__(self):
        object.__setattr__(self, "offsets", np.asarray(self.offsets, dtype=np.int64))
        object.__setattr__(self, "shares", _arr(self.shares))
        object.__setattr__(self, "participation_frac", _arr(self.participation_frac))
        object.__setattr__(self, "duration_days", _arr(self.duration_days))

    @property
    def n_orders(self) -> int:
        return int(self.offsets.size - 1)

    @property
    def order_of(self) -> np.ndarray:
        """Order index of every tranche."""
        return np.repeat(np.arange(self.n_orders), np.diff(self.offsets))

    def fractions(self) -> tuple[np.ndarray, np.ndarray]:
        """``(f0, f1)``: the share of its order done before and after each tranche."""
        idx = self.order_of
        tot = np.bincount(idx, weights=self.shares, minlength=self.n_orders)
        cum = np.concatenate([[0.0], np.cumsum(self.shares)])
        start_cum = cum[self.offsets[:-1]]
        with np.errstate(invalid="ignore", divide="ignore"):
            # both ends from the running total (not f1 - share: no cancellation for a thin tranche after a big one)
            f1 = np.where(tot[idx] > 0, (cum[1:] - start_cum[idx]) / tot[idx], 0.0)
            f0 = np.where(tot[idx] > 0, (cum[:-1] - start_cum[idx]) / tot[idx], 0.0)
        return np.clip(f0, 0.0, 1.0), np.clip(f1, 0.0, 1.0)


@dataclass(frozen=True)
class PathCosts:
    """The cost of execution paths under one model: per order and per tranche.

    Attributes
    ----------
    parts : CostParts
        Per order: half-spread, temporary (the share-weighted mean of the tranches' temporary impact),
        permanent and timing risk (``sigma sqrt(T / 3)``, the linear schedule's: the planner computes its
        own from the holdings), bps of the arrival mid.
    mid_move_bps : numpy.ndarray
        Per tranche: the expected mid when the tranche's window opens, against the arrival mid, from the
        permanent impact of the order's earlier tranches (bps of the arrival mid, positive = against us).
    own_permanent_bps : numpy.ndarray
        Per tranche: the permanent impact the tranche adds while it trades, paid on its own shares
        (bps, against its window's mid).
    temporary_bps : numpy.ndarray
        Per tranche: its temporary impact at its participation rate (bps, against its window's mid).
    """

    parts: CostParts
    mid_move_bps: np.ndarray
    own_permanent_bps: np.ndarray
    temporary_bps: np.ndarray

    @property
    def impact_vs_arrival_bps(self) -> np.ndarray:
        """Per tranche: its impact against the arrival mid (mid move + own permanent + temporary)."""
        return self.mid_move_bps + self.own_permanent_bps + self.temporary_bps


@dataclass(frozen=True)
class _Ctx:
    """Inputs of one batch, broadcast to a common 1-d shape (internal)."""

    q: np.ndarray  # order size, shares
    x: np.ndarray  # size as a fraction of ADV
    p: np.ndarray  # participation rate, fraction of ADV per day
    t: np.ndarray  # duration, trading days
    sigma: np.ndarray  # daily volatility, fraction
    adv: np.ndarray
    half_spread_bps: np.ndarray
    theta: np.ndarray  # shares outstanding (NaN unknown)
    mcap: np.ndarray
    zero: np.ndarray  # zero orders
    bad: np.ndarray  # unusable inputs -> NaN

    @property
    def n(self) -> int:
        return int(self.q.size)


def _pov(p) -> np.ndarray:
    """Kissell's participation of total volume, ``POV = p / (1 + p)`` (1 for an instantaneous trade)."""
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.isinf(p), 1.0, p / (1.0 + p))


class ImpactModel:
    """Base class: the shared ``cost_bps`` / ``path_cost_bps`` interface.

    Every model's impact is a rate-free part plus a part that grows with the trading rate::

        impact = permanent(size) + temporary_scale(size) * rate_term(participation)

    Subclasses implement ``_size_terms(ctx) -> (temporary_scale_bps, permanent_bps, notes, flags)``,
    ``_rate_term(p, idx, n)`` (``p`` the participation rate of each element, ``idx`` the order each element
    belongs to among ``n`` orders, for per-order parameters) and ``_buildup_exponent(ctx)`` (how the permanent part builds
    up along the order: after a fraction ``f`` is done the mid is displaced by ``(1 + a) P f^a``, which
    averages to ``P`` over the execution; ``a`` is the permanent term's elasticity in the size).

    Subclasses are frozen dataclasses whose fields are the model's parameters (scalars or arrays of one
    value per order). ``name`` is the registry key, ``citation`` the paper and equation.
    """

    name: ClassVar[str] = ""
    citation: ClassVar[str] = ""

    def with_params(self, **params) -> ImpactModel:
        """A copy with some parameters replaced (scalars or per-order arrays)."""
        from dataclasses import replace

        return replace(self, **params)

    def params(self) -> dict:
        """The parameters as a dict."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def _param(self, name: str, n: int) -> np.ndarray:
        """A parameter as one value per order (length ``n``)."""
        return np.broadcast_to(np.asarray(getattr(self, name), dtype=np.float64), (n,))

    # ------------------------------------------------------------------------------------------ interface
    def cost_bps(self, order: Order, profile: Profile, schedule: Schedule) -> CostParts:
        """Expected cost of each order worked at a constant rate, split into parts, in bps of the arrival mid.

        Parameters
        ----------
        order : Order
            Sizes (shares, >= 0) and sides.
        profile : Profile
            Liquidity of each order's name (aligned with the orders, or scalars).
        schedule : Schedule
            Participation rate or duration of each order (a zero duration is an instantaneous trade).

        Returns
        -------
        CostParts
            ``spread_bps``, ``temporary_bps``, ``permanent_bps`` and ``timing_risk_bps`` per order. Orders
            with unusable inputs (ADV <= 0, NaN volatility or spread) get NaN; zero orders get 0.
        """
        ctx = self._context(order, profile, schedule)
        scale, perm, notes, flags = self._size_terms(ctx)
        with np.errstate(invalid="ignore", over="ignore"):
            temp = scale * self._rate_term(ctx.p, np.arange(ctx.n), ctx.n)
        return self._parts(ctx, temp, perm, self._timing_risk(ctx), notes, flags)

    def path_cost_bps(self, order: Order, profile: Profile, path: Path) -> PathCosts:
        """Expected cost of each order worked along its tranches, per order and per tranche.

        The permanent part is the model's constant-rate value (it depends on the size, and for Almgren
        et al. on the duration); the temporary part is paid tranche by tranche at each tranche's own
        participation rate and averaged with the tranches' share weights. A tranche's window opens with
        the mid displaced by the permanent impact of the earlier tranches (``mid_move_bps``); while it trades
        it adds its own share of the build-up (``own_permanent_bps``). Share-weighted over the tranches,
        ``mid_move + own_permanent`` equals the order's permanent cost exactly and ``temporary_bps`` the
        order's temporary cost.

        Parameters
        ----------
        order : Order
            Sizes (shares) and sides, one per order of the path.
        profile : Profile
            Liquidity, aligned with the orders.
        path : Path
            The tranches (CSR) with their participation rates and each order's duration.

        Returns
        -------
        PathCosts
        """
        ctx = self._context(order, profile, Schedule(duration_days=path.duration_days))
        if path.n_orders != ctx.n:
            raise ValueError(f"the path has {path.n_orders} orders, the order batch {ctx.n}")
        scale, perm, notes, flags = self._size_terms(ctx)
        idx = path.order_of
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            temp_k = scale[idx] * self._rate_term(path.participation_frac, idx, ctx.n)
            temp_k = np.where(path.shares > 0, temp_k, 0.0)
            tot = np.bincount(idx, weights=path.shares, minlength=ctx.n)
            w = np.where(tot[idx] > 0, path.shares / tot[idx], 0.0)
            temp = np.bincount(idx, weights=w * np.nan_to_num(temp_k, nan=0.0, posinf=0.0), minlength=ctx.n)
            temp = np.where(np.bincount(idx, weights=np.isnan(temp_k) & (w > 0), minlength=ctx.n) > 0, np.nan, temp)
            a = self._buildup_exponent(ctx)[idx]
            f0, f1 = path.fractions()
            p_k = perm[idx]
            mid_move = (1.0 + a) * p_k * np.power(f0, a)
            # mean displacement over [f0, f1] less the displacement at f0, without cancellation for thin
            # tranches: P f0^a [((1 + r)^(1 + a) - 1) / r - (1 + a)] with r = (f1 - f0) / f0; P f1^a from f0 = 0
            # (the direct form P ((f1^(1+a) - f0^(1+a)) / (f1 - f0) - (1 + a) f0^a) where the tranche is long against
            # what was done before it, r > 1, where it has no cancellation and the r-form would overflow)
            span = f1 - f0
            r = np.where(f0 > 0, span / np.where(f0 > 0, f0, 1.0), 0.0)
            small = (f0 > 0) & (r <= 1.0)
            rs = np.where(small, r, 0.5)
            growth = np.where(rs > 0, np.expm1((1.0 + a) * np.log1p(rs)) / rs, 1.0 + a)
            near = p_k * np.power(f0, a) * (growth - (1.0 + a))
            direct = p_k * ((np.power(f1, 1.0 + a) - np.power(f0, 1.0 + a)) / np.where(span > 0, span, 1.0)
                            - (1.0 + a) * np.power(f0, a))
            own = np.where(small, near, np.where(span > 0, direct, 0.0))
            own = np.maximum(own, 0.0)
        parts = self._parts(ctx, temp, perm, self._timing_risk(ctx), notes, flags)
        bad = (ctx.bad | ~np.isfinite(parts.total_bps))[idx]
        zero = ctx.zero[idx]
        out = []
        for arr in (mid_move, own, temp_k):
            arr = np.where(zero, 0.0, arr)
            out.append(np.where(bad, np.nan, arr))
        return PathCosts(parts, out[0], out[1], out[2])

    # ------------------------------------------------------------------------------------------ internals
    def _parts(self, ctx: _Ctx, temp, perm, tr, notes, flags) -> CostParts:
        out = []
        for part in (ctx.half_spread_bps, temp, perm, tr):
            part = np.where(ctx.zero, 0.0, part)
            out.append(np.where(ctx.bad, np.nan, part))
        return CostParts(self.name, out[0], out[1], out[2], out[3], tuple(notes), flags)

    def _context(self, order: Order, profile: Profile, schedule: Schedule) -> _Ctx:
        sched = [a for a in (schedule.participation_frac, schedule.duration_days) if a is not None]
        shape = np.broadcast_shapes(
            *(a.shape for a in (order.qty_shares, profile.adv_shares, profile.volatility_daily_frac, profile.spread_bps,
                                profile.shares_outstanding, profile.market_cap_usd, *sched)),
            *(np.shape(v) for v in self.params().values()),  # per-order parameters count as orders too
        )
        q, adv, sigma, spread, theta, mcap = (
            np.broadcast_to(a, shape)
            for a in (order.qty_shares, profile.adv_shares, profile.volatility_daily_frac, profile.spread_bps,
                      profile.shares_outstanding, profile.market_cap_usd)
        )
        p, t = schedule.resolve(q, adv)
        p, t = np.broadcast_to(p, q.shape), np.broadcast_to(t, q.shape)
        zero = q == 0
        bad = ~zero & (
            ~np.isfinite(q) | (q < 0) | ~(adv > 0) | ~np.isfinite(adv) | ~(sigma >= 0) | ~np.isfinite(sigma)
            | ~(spread >= 0) | ~np.isfinite(spread) | ~(p >= 0) | np.isnan(p) | ~(t >= 0)
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(adv > 0, q / adv, np.nan)
        return _Ctx(q, x, p, t, sigma, adv, spread / 2.0, theta, mcap, zero, bad)

    def _timing_risk(self, ctx: _Ctx) -> np.ndarray:
        # Almgren & Chriss (2000): a linear trajectory over T days has cost variance sigma^2 T X^2 / 3
        with np.errstate(invalid="ignore"):
            return ctx.sigma * np.sqrt(np.maximum(ctx.t, 0.0) / 3.0) * _BPS

    def _size_terms(self, ctx: _Ctx):  # pragma: no cover - abstract
        raise NotImplementedError

    def _rate_term(self, p, idx, n):  # pragma: no cover - abstract
        raise NotImplementedError

    def _buildup_exponent(self, ctx: _Ctx) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class _RateFactorModel(ImpactModel):
    """A size law ``F(Q / V)`` with Kissell's participation factor on its temporary share (internal base).

    ``impact = F * (phi + (1 - phi) * (POV / POV_ref)^beta)`` with ``phi = permanent_frac``,
    ``beta = rate_exponent``, ``POV = p / (1 + p)`` and ``POV_ref`` the POV of
    ``reference_participation_frac``: at the reference rate the impact is the size law ``F`` itself.
    """

    def _footprint(self, ctx: _Ctx) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _size_terms(self, ctx):
        with np.errstate(invalid="ignore"):
            f = self._footprint(ctx) * _BPS
        phi = self._param("permanent_frac", ctx.n)
        return (1.0 - phi) * f, phi * f, [], {}

    def _rate_term(self, p, idx, n):
        beta = self._param("rate_exponent", n)[idx]
        ref = _pov(self._param("reference_participation_frac", n))[idx]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.power(_pov(p) / ref, beta)


_RATE_DOC = """    permanent_frac : float or array
        Share ``phi`` of the size law that does not depend on the trading rate and stays in the price (the
        permanent impact). Default 0.5: the impact of a metaorder relaxes to about 2/3 of its peak after
        the execution (Zarinelli et al. 2015; Bershova & Rakhlin 2013) and for a concave ``sqrt(k/K)``
        build-up the average paid displacement is 2/3 of the peak, so the level that stays equals about
        the cost paid; a linear build-up is paid at half its final level, i.e. half the cost.
    rate_exponent : float or array
        Exponent ``beta`` of the participation factor on the temporary share (default 0.5: Kissell's
        ``a4`` of the all-stock I-Star set; Almgren et al. (2005) fit 0.6 +- 0.04 for their temporary
        term). 0 gives the rate-free law (the sample generator's).
    reference_participation_frac : float or array
        Participation rate (fraction of the market's volume) at which the model equals the size law
        alone (default 0.1: the usual 10 % cap; the worked examples are at that rate). A calibration that
        fits ``y`` on orders traded at another typical rate should set it to that rate.
"""



def _with_rate_doc(cls):
    """Put the shared description of the participation-factor parameters into a model's docstring."""
    cls.__doc__ = cls.__doc__.replace("{rate_params}", _RATE_DOC.rstrip("\n"))
    return cls


@dataclass(frozen=True)
@_with_rate_doc
class SquareRootModel(_RateFactorModel):
    """The square-root law with a rate-dependent temporary share (the default central model).

    Parameters
    ----------
    y : float or array
        The dimensionless prefactor ``Y`` (of order 1; 0.5-1 in the literature; default 0.8).
{rate_params}

    Notes
    -----
    Cost in bps of the arrival mid, for an order of ``Q`` shares in a name with ADV ``V`` shares/day and
    daily volatility ``sigma`` (fraction), worked at a participation rate ``p`` (``POV = p / (1 + p)``)::

        F    = Y * sigma * sqrt(Q / V)                      (size law)
        cost = s / 2 + F * (phi + (1 - phi) * (POV / POV_ref)^beta) * 1e4

    with ``s`` the full spread in bps; ``permanent_bps = phi F``, ``temporary_bps`` the rest. The size law
    is Toth, Lemperiere, Deremble, de Lataillade, Kockelkoren & Bouchaud (2011), "Anomalous price impact and
    the critical nature of liquidity in financial markets", Phys. Rev. X 1, 021006, eq. 1 (Bouchaud,
    Bonart, Donier & Gould 2018, "Trades, Quotes and Prices", ch. 12, eq. 12.4). The participation factor
    is Kissell's I-Star form, ``b1 POV^a4 + (1 - b1)`` (Kissell, Glantz & Malamut 2004; Kissell 2013 ch. 5),
    normalised at ``POV_ref`` so that ``Y`` keeps its meaning: trading faster than the reference rate costs
    more, slower less, and the permanent share never goes away. An instantaneous trade (``POV = 1``) pays
    ``F (phi + (1 - phi) POV_ref^-beta)``, 2.16 F with the defaults. ``beta = 0`` or ``phi = 1`` is the
    rate-free law. The permanent part builds up like ``sqrt(f)`` with the fraction ``f`` done.
    """

    y: float | np.ndarray = 0.8
    permanent_frac: float | np.ndarray = 0.5
    rate_exponent: float | np.ndarray = 0.5
    reference_participation_frac: float | np.ndarray = 0.1

    name: ClassVar[str] = "sqrt"
    citation: ClassVar[str] = ("Toth et al. (2011) Phys. Rev. X 1, 021006, eq. 1; participation factor after Kissell, "
                               "Glantz & Malamut (2004)")

    def _footprint(self, ctx):
        return self._param("y", ctx.n) * ctx.sigma * np.sqrt(ctx.x)

    def _buildup_exponent(self, ctx):
        return np.full(ctx.n, 0.5)


@dataclass(frozen=True)
class Almgren2005Model(ImpactModel):
    """Almgren, Thum, Hauptmann & Li (2005): temporary and permanent impact fitted on Citigroup orders.

    Parameters
    ----------
    eta : float or array
        Temporary-impact coefficient (dimensionless; published 0.142 +- 0.0062).
    beta : float or array
        Temporary-impact exponent in the trade rate (published 0.600 +- 0.038).
    gamma : float or array
        Permanent-impact coefficient (dimensionless; published 0.314 +- 0.041).
    alpha : float or array
        Permanent-impact exponent in the trade rate. Default 1, the paper's final model (the free fit gave
        0.891 +- 0.10, not distinguishable from 1; a permanent impact linear in the traded volume is also
        what rules out price manipulation, Huberman & Stanzl 2004). With ``alpha < 1`` the permanent cost
        of a given order grows with its duration (``T^(1 - alpha)``), so slicing would look dearer.
    delta : float or array
        Exponent of the inverse turnover ``Theta / V``. Default 1/4, the paper's final model (free fit
        0.267 +- 0.22).
    turnover_fallback_frac : float or array
        Daily turnover ``V / Theta`` assumed when shares outstanding are unknown (default 0.005, i.e.
        ``Theta / V = 200``, a round figure for US small caps). The result notes which orders used it.

    Notes
    -----
    From "Direct Estimation of Equity Market Impact", Risk 18(7), 2005, section 3 (the trajectory cost
    model) and section 4.3 (the fitted coefficients). With ``X`` shares traded at a constant rate over
    ``T`` trading days, ``V`` the ADV (shares/day), ``Theta`` the shares outstanding and ``sigma`` the
    daily volatility (fraction):

    * permanent impact (price shift that stays)::

          I = gamma * sigma * T * |X / (V T)|^alpha * (Theta / V)^delta

      which is ``gamma * sigma * (X / V) * (Theta / V)^delta`` for alpha = 1;
    * realized (execution) impact, from the paper's cost decomposition ``J - I / 2``::

          J = I / 2 + eta * sigma * |X / (V T)|^beta

    The expected cost is ``half-spread + J``: ``temporary_bps = eta sigma |X/(VT)|^beta`` and
    ``permanent_bps = I / 2`` (the permanent impact builds up linearly while trading, so the order pays
    half of it on average). Along a path each tranche pays ``eta sigma pi_k^beta`` at its own participation
    ``pi_k``. The paper's data are large and mid caps with a mean spread of about 14 bps inside ``J``; for
    thin names the half-spread is charged explicitly.
    """

    eta: float | np.ndarray = 0.142
    beta: float | np.ndarray = 0.600
    gamma: float | np.ndarray = 0.314
    alpha: float | np.ndarray = 1.0
    delta: float | np.ndarray = 0.25
    turnover_fallback_frac: float | np.ndarray = 0.005

    name: ClassVar[str] = "almgren2005"
    citation: ClassVar[str] = "Almgren, Thum, Hauptmann & Li (2005) Risk 18(7), sections 3 and 4.3"

    def _size_terms(self, ctx):
        n = ctx.n
        known = np.isfinite(ctx.theta) & (ctx.theta > 0)
        fb_frac = self._param("turnover_fallback_frac", n)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            inv_turnover = np.where(known, ctx.theta / ctx.adv, 1.0 / fb_frac)
            alpha = self._param("alpha", n)
            # T |X/(VT)|^alpha = x^alpha T^(1 - alpha): x for alpha = 1 at any duration (an instantaneous trade too)
            rate_t = np.power(ctx.x, alpha) * np.power(ctx.t, 1.0 - alpha)
            perm_level = self._param("gamma", n) * ctx.sigma * rate_t * np.power(inv_turnover, self._param("delta", n))
            scale = self._param("eta", n) * ctx.sigma * _BPS
        fallback = ~known & ~ctx.zero & ~ctx.bad
        notes = []
        if fallback.any():
            fb = fb_frac[fallback]
            shown = f"{fb[0]:.4g}" if np.all(fb == fb[0]) else "per-order values"
            notes.append(
                f"almgren2005: shares outstanding unknown for {int(fallback.sum())} order(s); a typical daily "
                f"turnover of {shown} (Theta/V = 1/turnover) was used for the permanent impact."
            )
        return scale, perm_level / 2.0 * _BPS, notes, {"theta_fallback": fallback}

    def _rate_term(self, p, idx, n):
        with np.errstate(invalid="ignore", over="ignore"):
            return np.power(np.asarray(p, dtype=np.float64), self._param("beta", n)[idx])

    def _buildup_exponent(self, ctx):
        return np.ones(ctx.n)  # at a constant rate the permanent impact accrues linearly in time, hence in volume


@dataclass(frozen=True)
class IStarModel(ImpactModel):
    """Kissell's I-Star model: instantaneous impact, market impact for a participation rate, timing risk.

    Parameters
    ----------
    a1 : float or array
        Scale of the instantaneous impact, bps.
    a2 : float or array
        Exponent of the size ``Q / ADV``.
    a3 : float or array
        Exponent of the annualized volatility.
    a4 : float or array
        Exponent of the participation rate ``POV``.
    b1 : float or array
        Share of the instantaneous impact that is temporary (0..1).
    days_per_year : float
        Trading days used to annualize the daily volatility (Kissell uses 250).

    Notes
    -----
    Kissell, Glantz & Malamut (2004), "A practical framework for estimating transaction costs and
    developing optimal trading strategies to achieve best execution", Finance Research Letters 1, 35-46;
    Kissell (2013), "The Science of Algorithmic Trading and Portfolio Management", ch. 5 (I-Star) and
    ch. 7 (parameter estimates). With ``sigma_a = sigma * sqrt(days_per_year)`` the annualized volatility
    (fraction), ``Q / ADV`` the size as a fraction of ADV and ``POV = Q / (Q + V_T)`` Kissell's
    participation (own volume over total volume; our rate ``p`` of market volume gives
    ``POV = p / (1 + p)``)::

        I*  = a1 * (Q / ADV)^a2 * sigma_a^a3                      [bps]
        MI  = b1 * POV^a4 * I*  +  (1 - b1) * I*                  [bps]
        TR  = sigma_a * sqrt(Q / ADV * (1 - POV) / (3 * days_per_year * POV)) * 1e4   [bps]

    ``temporary_bps = b1 POV^a4 I*``, ``permanent_bps = (1 - b1) I*``; I-Star excludes the spread, which is
    charged as the half-spread. An instantaneous trade (``POV = 1``) pays ``I*``, the model's
    "instantaneous impact". ``TR`` equals ``sigma * sqrt(T / 3)`` with ``T = Q / (p ADV)``, the timing risk
    of the other models. Along a path each tranche pays ``b1 POV_k^a4 I*``. Parameter sets (all, large and
    small caps) and their provenance are in :mod:`liqcost.models.params`.
    """

    a1: float | np.ndarray = 708.0
    a2: float | np.ndarray = 0.55
    a3: float | np.ndarray = 0.71
    a4: float | np.ndarray = 0.50
    b1: float | np.ndarray = 0.98
    days_per_year: float = 250.0

    name: ClassVar[str] = "istar"
    citation: ClassVar[str] = "Kissell, Glantz & Malamut (2004) FRL 1, 35-46; Kissell (2013) ch. 5 and 7"

    def _istar(self, ctx):
        n = ctx.n
        sigma_a = ctx.sigma * np.sqrt(self.days_per_year)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self._param("a1", n) * np.power(ctx.x, self._param("a2", n)) * np.power(sigma_a, self._param("a3", n))

    def _size_terms(self, ctx):
        istar = self._istar(ctx)
        b1 = self._param("b1", ctx.n)
        return b1 * istar, (1.0 - b1) * istar, [], {}

    def _rate_term(self, p, idx, n):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.power(_pov(p), self._param("a4", n)[idx])

    def _buildup_exponent(self, ctx):
        return self._param("a2", ctx.n).copy()

    # Kissell's TR: sigma_a sqrt(Q/ADV (1 - POV) / (3 D POV)); with POV = p / (1 + p), (1 - POV) / POV = 1 / p
    # and Q / (ADV p) = T, so TR = sigma_a sqrt(T / (3 D)) = sigma sqrt(T / 3): the base class's formula,
    # computed from T directly (no cancellation for vanishing or fixed-window orders).


@dataclass(frozen=True)
@_with_rate_doc
class CrossoverModel(_RateFactorModel):
    """Linear impact for small orders crossing over to the square-root law for large ones.

    Parameters
    ----------
    y : float or array
        Square-root prefactor reached for large orders (as in :class:`SquareRootModel`).
    crossover_frac_adv : float or array
        Size ``q_c`` (fraction of ADV) where the linear and square-root regimes meet. Default 0.001:
        an illustrative value (the crossover scale of Bucci et al. is not transferable as a single
        number); calibrate it on your fills.
{rate_params}

    Notes
    -----
    Bucci, Benzaquen, Lillo & Bouchaud (2019), "Crossover from linear to square-root market impact",
    Phys. Rev. Lett. 122, 108302: the impact of a metaorder is linear in its volume for small orders and
    square-root for larger ones, as predicted by the latent-liquidity (LLOB) theory (Donier, Bonart,
    Mastromatteo & Bouchaud 2015). We use the simplest interpolant with those two asymptotes
    (not the paper's exact scaling function), with ``x = Q / V``::

        F    = Y * sigma * x / sqrt(x + q_c)
        cost = s / 2 + F * (phi + (1 - phi) * (POV / POV_ref)^beta) * 1e4

    which is ``Y sigma x / sqrt(q_c)`` for ``x << q_c`` (linear: tiny orders pay almost only the
    half-spread) and ``Y sigma sqrt(x)`` for ``x >> q_c`` (the square-root law), with the participation
    factor of :class:`SquareRootModel`. The permanent part builds up like ``f^a`` with ``a`` the size
    elasticity of ``F`` at the order's size, ``1 - x / (2 (x + q_c))``.
    """

    y: float | np.ndarray = 0.8
    crossover_frac_adv: float | np.ndarray = 0.001
    permanent_frac: float | np.ndarray = 0.5
    rate_exponent: float | np.ndarray = 0.5
    reference_participation_frac: float | np.ndarray = 0.1

    name: ClassVar[str] = "crossover"
    citation: ClassVar[str] = "Bucci, Benzaquen, Lillo & Bouchaud (2019) Phys. Rev. Lett. 122, 108302"

    def _footprint(self, ctx):
        return self._param("y", ctx.n) * ctx.sigma * ctx.x / np.sqrt(ctx.x + self._param("crossover_frac_adv", ctx.n))

    def _buildup_exponent(self, ctx):
        qc = self._param("crossover_frac_adv", ctx.n)
        with np.errstate(invalid="ignore", divide="ignore"):
            a = 1.0 - ctx.x / (2.0 * (ctx.x + qc))
        return np.where(np.isfinite(a), a, 0.5)


@dataclass(frozen=True)
@_with_rate_doc
class LogModel(_RateFactorModel):
    """Logarithmic impact: linear for tiny orders, growing only logarithmically for very large ones.

    Parameters
    ----------
    a : float or array
        Scale of the impact in units of the daily volatility (dimensionless).
    b : float or array
        Inverse size scale (1 / fraction of ADV) where the impact turns from linear to logarithmic.
{rate_params}

    Notes
    -----
    Zarinelli, Treccani, Farmer & Lillo (2015), "Beyond the square root: evidence for logarithmic
    dependence of market impact on size and participation rate", Market Microstructure and Liquidity 1(2),
    1550004, eq. 5: ``I / sigma = a * log10(1 + b * x)`` fits metaorder impact over almost five decades of
    ``x = Q / V`` better than a power law. We write it with the natural log (absorbing ``ln 10`` in ``a``)
    and the participation factor of :class:`SquareRootModel` (the paper finds the impact at a given size
    growing with the participation rate)::

        F    = a * sigma * ln(1 + b * x)
        cost = s / 2 + F * (phi + (1 - phi) * (POV / POV_ref)^beta) * 1e4

    The defaults ``b = 100`` (linear below about 1 % of ADV) and ``a = 0.1055`` are illustrative: ``a`` is
    set so that the model equals the square-root law with ``Y = 0.8`` at 10 % of ADV; the paper's
    fitted values apply to its own (large-cap) sample. Calibrate on your fills. The permanent part builds
    up like ``f^e`` with ``e = b x / ((1 + b x) ln(1 + b x))`` the size elasticity of ``F``.
    """

    a: float | np.ndarray = 0.1055
    b: float | np.ndarray = 100.0
    permanent_frac: float | np.ndarray = 0.5
    rate_exponent: float | np.ndarray = 0.5
    reference_participation_frac: float | np.ndarray = 0.1

    name: ClassVar[str] = "log"
    citation: ClassVar[str] = "Zarinelli, Treccani, Farmer & Lillo (2015) MML 1(2) 1550004, eq. 5"

    def _footprint(self, ctx):
        return self._param("a", ctx.n) * ctx.sigma * np.log1p(self._param("b", ctx.n) * ctx.x)

    def _buildup_exponent(self, ctx):
        bx = self._param("b", ctx.n) * ctx.x
        with np.errstate(invalid="ignore", divide="ignore"):
            e = bx / ((1.0 + bx) * np.log1p(bx))
        return np.where(np.isfinite(e) & (bx > 0), e, 1.0)


MODELS: dict[str, type[ImpactModel]] = {
    m.name: m for m in (SquareRootModel, Almgren2005Model, IStarModel, CrossoverModel, LogModel)
}

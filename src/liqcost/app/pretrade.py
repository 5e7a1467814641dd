"""``liqcost pretrade`` as a function: read the orders and the liquidity, price, and say what was left out.

:func:`pretrade` is what the command runs and what ``lc.pretrade(...)`` calls: one order (``symbol``,
``side``, ``qty`` or ``notional``), a book (an orders file or frame) or a cost curve (``curve=True``),
against profiles from a dataset, a profile file or frame, or trades/quotes/bars frames. It returns a
:class:`~liqcost.pretrade.core.PretradeResult` (or a :class:`CurveResult`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import ClassVar

from liqcost.result import Result

__all__ = ["CurveResult", "PretradeOptions", "pretrade"]


@dataclass(frozen=True)
class PretradeOptions:
    """Options of a pre-trade check; ``None`` leaves the config's value (a flag never overrides the file).

    Attributes
    ----------
    cap : float, optional
        Participation cap, fraction of each day's volume (``pretrade.participation_cap_frac``).
    models : tuple of str, optional
        Impact models to compute (``impact.models``); the central model defaults to ``sqrt`` when listed,
        else the first.
    central : str, optional
        Central model of the band, or ``median`` (``impact.central``).
    sqrt_y : float, optional
        Y of the square-root law (``impact.sqrt_y``).
    params_file : str, optional
        Impact parameter file (``impact.params_file``).
    urgency : float, optional
        Mean-variance risk aversion per currency of the orders without their own ``urgency``: the frontier's
        recommended horizon (``planner.risk_aversion``, shared with the planner).
    """

    cap: float | None = None
    models: tuple | None = None
    central: str | None = None
    sqrt_y: float | None = None
    params_file: str | None = None
    urgency: float | None = None

    def overrides(self) -> dict:
        models = list(self.models) if self.models else None
        central = self.central
        if models and central is None:
            central = "sqrt" if "sqrt" in models else models[0]
        return {
            "pretrade.participation_cap_frac": self.cap,
            "impact.models": models,
            "impact.central": central,
            "impact.sqrt_y": self.sqrt_y,
            "impact.params_file": self.params_file,
            "planner.risk_aversion": self.urgency,
        }


@dataclass(frozen=True)
class CurveResult(Result):
    """Cost and days to complete against order size for one name (``pretrade(..., curve=True)``)."""

    title: ClassVar[str] = "curve"

    curve: object = None
    symbol: str = ""
    central: str = "sqrt"
    cap_frac: float = 0.1
    notes: tuple = ()

    def tables(self) -> dict:
        return {"curve": self.curve}

    def heading(self) -> str:
        return f"{self.symbol}: cost vs size (central {self.central}, cap {self.cap_frac:.0%})"

    def to_text(self, width: int | None = None) -> str:
        from liqcost.render import render_text
        from liqcost.result import _natural_width

        return render_text(self.curve, title=self.heading(), width=width or _natural_width(self.curve))


def pretrade(orders=None, *, data=None, profile=None, trades=None, quotes=None, bars=None, config=None,
             symbol: str | None = None, side=None, qty: float | None = None, notional: float | None = None,
             limit_price: float | None = None, curve: bool = False, detail: bool = False, frontier: bool = False,
             asof: dt.date | None = None, mapping=None, options: PretradeOptions | None = None, **option_values):
    """Pre-trade check: what orders will cost, how many days they need, and whether they are too big.

    Parameters
    ----------
    orders : str, Path, polars.DataFrame, LazyFrame, dict or list of dict, optional
        A book: an orders file (CSV, Parquet, YAML) or the orders (``schema.ORDERS``). Orders refused by
        the common rules, or in names without data, are reported (``result.problems``) and the others are
        priced.
    data : str or Path, optional
        A dataset written by ``liqcost ingest`` (profiles are built from it).
    profile : str, Path or polars.DataFrame, optional
        A profile table (``liqcost profile --table profile``) instead of ``data``.
    trades, quotes, bars : polars.DataFrame or LazyFrame, optional
        Canonical frames to build the profiles from, instead of ``data``.
    config : liqcost.config.Config, str or Path, optional
        A config, a config file, or None for the defaults.
    symbol, side, qty, notional, limit_price : optional
        One order instead of a book (``qty`` in shares or ``notional`` in currency, converted at the last
        price and rounded down). A refused order is a :class:`~liqcost.errors.UsageError`.
    curve : bool
        Cost and days against size (0.1 % to 200 % of ADV) for ``symbol``: returns a :class:`CurveResult`.
    detail : bool
        Also keep each model's cost parts for a book (the ``models`` table).
    frontier : bool
        Also list the cost-risk frontier (expected cost and risk at each of ``pretrade.frontier_days``, the
        recommended point marked) among the tables.
    asof : datetime.date, optional
        End of the lookback and reference for staleness (default: the data's last day).
    mapping : str or Path, optional
        Column mapping of the orders file.
    options : PretradeOptions, optional
        Config overrides; or give them as keywords (``cap=0.05, models=("sqrt",), urgency=1e-4``).

    Returns
    -------
    PretradeResult or CurveResult

    Raises
    ------
    liqcost.errors.UsageError
        Conflicting inputs, or a refused single order.
    liqcost.errors.NoDataError
        The single order's name has no data, or the data end before ``asof``.
    liqcost.errors.OrderError
        No order of a book can be used.
    """
    import polars as pl

    from liqcost.app import load
    from liqcost.app.inputs import Liquidity, read_orders, single_order, usable_or_raise
    from liqcost.errors import NoDataError, UsageError
    from liqcost.pretrade import core

    options = options or PretradeOptions(**{k: (tuple(v) if k == "models" and v else v) for k, v in option_values.items()})
    single = symbol is not None and not curve
    if (data is None) == (profile is None) and not (trades is not None or quotes is not None or bars is not None):
        raise UsageError("say where the liquidity comes from with exactly one of --data DATASET or --profile FILE.")
    if orders is not None and (symbol is not None or qty is not None or notional is not None):
        raise UsageError("give either one order (--symbol --side --qty/--notional) or --orders FILE, not both.")
    if curve and symbol is None:
        raise UsageError("--curve needs --symbol.")
    if orders is None and symbol is None:
        raise UsageError("give one order (--symbol XYZ --side buy --qty 80000) or an orders file (--orders FILE).")
    if single:
        if side is None:
            raise UsageError("--side buy or --side sell is required for a single order.")
        if (qty is None) == (notional is None):
            raise UsageError("give the size with exactly one of --qty SHARES or --notional AMOUNT.")
        if notional is not None and not (notional > 0 and notional < float("inf")):
            raise UsageError(f"--notional {notional:g}: an order must be worth a positive, finite amount; give one.")
    cfg = load(config, options.overrides())

    # ---- orders
    if single:
        check = single_order(cfg, symbol=symbol, side=side, qty=qty if qty is not None else 1.0, limit_price=limit_price)
        symbols = [symbol.strip()]
    elif curve:
        check, symbols = None, [symbol]
    else:
        check = read_orders(orders, cfg, mapping=mapping)
        symbols = check.orders.get_column("symbol").unique(maintain_order=True).to_list()
        if check.orders.height == 0:
            usable_or_raise(check)

    # ---- profiles
    liquidity = Liquidity.from_inputs(cfg, data=data, profile=profile, trades=trades, quotes=quotes, bars=bars, asof=asof)
    profiles, missing, asof_used = liquidity.profiles(symbols)
    if single or curve:
        name = symbols[0]
        if name in missing:
            oid = check.orders.get_column("order_id")[0] if check is not None else name
            raise NoDataError(f"order {oid}: {missing[name]}." if single else f"{name}: {missing[name]}.")
    else:
        usable_or_raise(check, missing)

    if curve:
        row = profiles.filter(pl.col("symbol") == symbol)
        side_sign = -1 if isinstance(side, str) and side.strip().lower() in ("sell", "s", "-1", "short") else 1
        table = core.cost_curve(row, cfg, side=side_sign)
        return CurveResult(curve=table, symbol=symbol, central=cfg.impact.central, cap_frac=cfg.pretrade.participation_cap_frac)

    clean = check.orders
    if single and notional is not None:
        price = float(profiles.filter(pl.col("symbol") == symbols[0]).get_column("price_px")[0])
        if not price > 0:
            raise NoDataError(f"{symbol}: no price in the lookback to convert --notional into shares; give --qty.")
        shares = float(int(notional // price))
        if shares <= 0:
            raise UsageError(f"--notional {notional:,.2f} buys less than one share of {symbol} at {price:g}; give a larger amount.")
        clean = clean.with_columns(pl.lit(shares).alias("qty"))

    result = core.pretrade(replace(check, orders=clean), profiles, cfg, asof=asof_used, portfolio=not single,
                           no_profile=missing, frontier=frontier)
    if single:
        if result.n_priced == 0:
            reason = result.errors.get_column("reason")[0]
            raise NoDataError(f"{symbol}: cannot price the order: {reason}; {liquidity.where}.")
        return replace(result, single=True)
    return replace(result, detail=detail)


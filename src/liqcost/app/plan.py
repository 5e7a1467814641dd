"""``liqcost plan`` as a function: read the orders, the liquidity and the ticks, and plan the tranches.

:func:`plan` is what the command runs and what ``lc.plan(...)`` calls. It reads orders with the same
rules and the same profiles as :func:`liqcost.app.pretrade` (so an order is accepted or refused by both
alike), fits a fill-probability model per name on the dataset's (or the frames') ticks, takes the last
quote as the plan-time quote, and calls :func:`liqcost.planner.plan.plan`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

__all__ = ["PlanOptions", "plan"]


@dataclass(frozen=True)
class PlanOptions:
    """Planner options; ``None`` leaves the config's value (a flag never overrides the file).

    Attributes
    ----------
    schedule : str, optional
        ``ac``, ``twap``, ``vwap`` or ``pov`` (``planner.schedule``).
    urgency : float, optional
        Almgren-Chriss risk aversion per currency (``planner.risk_aversion``).
    max_participation : float, optional
        Cap on each window's and each day's expected volume (``planner.max_participation_frac`` and
        ``planner.max_daily_participation_frac``).
    pov_rate : float, optional
        Rate of the ``pov`` schedule (``planner.pov_rate_frac``).
    horizon_days : int, optional
        Most trading days (``planner.horizon_days``).
    days : int, optional
        Exactly this many trading days (``planner.days``; the horizon grows to hold them).
    unfilled : str, optional
        ``carry`` or ``cross_at_end`` (``planner.unfilled``).
    auctions : bool, optional
        Allow auction tranches (``planner.auctions``).
    rules : tuple of str, optional
        Limit rules to choose from (``planner.limit_rules``).
    """

    schedule: str | None = None
    urgency: float | None = None
    max_participation: float | None = None
    pov_rate: float | None = None
    horizon_days: int | None = None
    days: int | None = None
    unfilled: str | None = None
    auctions: bool | None = None
    rules: tuple | None = None

    def overrides(self, base) -> dict:
        """Dotted config keys; ``base`` is the config before them (for the horizon that ``days`` needs)."""
        out = {
            "planner.schedule": self.schedule,
            "planner.risk_aversion": self.urgency,
            "planner.max_participation_frac": self.max_participation,
            "planner.max_daily_participation_frac": self.max_participation,
            "planner.pov_rate_frac": self.pov_rate,
            "planner.horizon_days": self.horizon_days,
            "planner.days": self.days,
            "planner.unfilled": self.unfilled,
            "planner.auctions": self.auctions,
            "planner.limit_rules": list(self.rules) if self.rules else None,
        }
        if self.days is not None and self.horizon_days is None:
            out["planner.horizon_days"] = max(self.days, base.planner.horizon_days)
        return out


def plan(orders=None, *, data=None, profile=None, trades=None, quotes=None, bars=None, config=None,
         symbol: str | None = None, side=None, qty: float | None = None, start=None, end=None,
         limit_price: float | None = None, asof: dt.date | None = None, mapping=None, options: PlanOptions | None = None,
         frontier: bool = False, **option_values):
    """Slice orders into limit-order tranches.

    Parameters
    ----------
    orders : str, Path, polars.DataFrame, LazyFrame, dict or list of dict, optional
        An orders file (CSV, Parquet, YAML) or the orders (``schema.ORDERS``). An order refused by the
        common rules, or in a name without data, is reported (``result.problems``) and the others are
        planned; an order the caps cannot hold gets its summary ``status`` (with the horizon or cap that
        would work).
    data : str or Path, optional
        A dataset written by ``liqcost ingest``: the profiles (unless ``profile`` is given), the ticks of the
        fill models and the plan-time quote.
    profile : str, Path or polars.DataFrame, optional
        A profile table instead of building the profiles from ``data``.
    trades, quotes, bars : polars.DataFrame or LazyFrame, optional
        Canonical frames instead of a dataset (quotes give the fill models and the plan-time quote).
    config : liqcost.config.Config, str or Path, optional
    symbol, side, qty, limit_price : optional
        One order instead of a book (a refused or impossible one raises).
    start : datetime.date or datetime.datetime, optional
        Start of the plan: a date means its open, a datetime without a zone is exchange time (default:
        the session after the data).
    end : datetime.date or datetime.datetime, optional
        Latest end of the single order (a date means its close).
    asof : datetime.date, optional
        Use data up to this date for the profile, the fill model and the plan-time quote.
    mapping : str or Path, optional
        Column mapping of the orders file.
    options : PlanOptions, optional
        Config overrides; or give them as keywords (``schedule="ac", urgency=1e-4``).
    frontier : bool
        Also plan each order over every horizon of ``pretrade.frontier_days`` and report the plans' cost and
        risk with the one recommended for the order's urgency (``result.frontier``).

    Returns
    -------
    liqcost.planner.plan.PlanResult

    Raises
    ------
    liqcost.errors.UsageError
        Conflicting inputs, or a refused single order.
    liqcost.errors.NoDataError
        The single order's name has no data, or the data end before ``asof``.
    liqcost.errors.OrderError
        The single order does not fit its caps within the horizon (with what would), or no order of a book
        can be used.
    """
    from zoneinfo import ZoneInfo

    from liqcost.app import load
    from liqcost.app.inputs import Liquidity, read_orders, single_order, usable_or_raise
    from liqcost.errors import NoDataError, UsageError
    from liqcost.planner.plan import plan as make_plan

    options = options or PlanOptions(**{k: (tuple(v) if k == "rules" and v else v) for k, v in option_values.items()})
    single = any(v is not None for v in (symbol, side, qty))
    if single and orders is not None:
        raise UsageError("give either one order (--symbol, --side, --qty) or --orders FILE, not both.")
    if not single and orders is None:
        raise UsageError("say what to plan: --symbol S --side buy|sell --qty N, or --orders FILE.")
    if single and (symbol is None or side is None or qty is None):
        missing = [n for n, v in (("--symbol", symbol), ("--side", side), ("--qty", qty)) if v is None]
        raise UsageError(f"a single order needs --symbol, --side and --qty; missing {', '.join(missing)}.")
    if data is None and profile is None and not any(f is not None for f in (trades, quotes, bars)):
        raise UsageError("say where the data are: --data DATASET (ticks), and/or --profile FILE (a liquidity profile).")
    if orders is not None and (end is not None or limit_price is not None):
        raise UsageError("--end and --limit-price apply to a single order; put end and limit_price columns in the orders file.")
    base = load(config)
    cfg = load(config, options.overrides(base))
    tz = ZoneInfo(cfg.session.timezone)
    start, end = _aware(start, tz), _aware(end, tz)

    # ---- orders
    if single:
        end_value = end
        if isinstance(end, dt.date) and not isinstance(end, dt.datetime):
            from liqcost.planner.schedule import session_bounds

            end_value = int(session_bounds([end], cfg)[1][0])
        check = single_order(cfg, symbol=symbol, side=side, qty=qty, limit_price=limit_price, end=end_value,
                             start=start if isinstance(start, dt.datetime) else None)
    else:
        check = read_orders(orders, cfg, mapping=mapping)
        if check.orders.height == 0:
            usable_or_raise(check)
    symbols = check.orders.get_column("symbol").unique(maintain_order=True).to_list()

    # ---- profiles, fill models, plan-time quotes
    liquidity = Liquidity.from_inputs(cfg, data=data, profile=profile, trades=trades, quotes=quotes, bars=bars, asof=asof)
    profiles, missing, _ = liquidity.profiles(symbols)
    if single and symbols[0] in missing:
        raise NoDataError(f"order {check.orders.get_column('order_id')[0]}: {missing[symbols[0]]}.")
    if not single:
        usable_or_raise(check, missing)
    notes: list[str] = []
    models, ref_quotes = {}, {}
    if liquidity.has_ticks():
        have = set(profiles.get_column("symbol").to_list())
        if any(r != "cross" for r in cfg.planner.limit_rules):
            models = liquidity.fill_models([s for s in symbols if s in have], notes)
        ref_quotes = liquidity.reference_quotes(symbols)

    result = make_plan(check, profiles, models, cfg, start=start, quotes=ref_quotes,
                       errors="raise" if single else "report", no_profile=missing, frontier=frontier)
    return replace(result, notes=tuple(dict.fromkeys(notes + list(result.notes))))


def _aware(value, tz):
    """A datetime without a zone is exchange time; dates stay dates."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=tz)
    return value


"""Column contracts of liqcost's canonical frames: names, polars dtypes, units, sign conventions.

This module is the single source of truth for what a ``trades``, ``quotes``, ``bars``, ``fills`` or
``orders`` frame looks like once it has been ingested, and for the two summary tables the rest of the
package reads (``daily`` liquidity metrics and the per-symbol liquidity ``profile``). It does no I/O.

Conventions (see ``DESIGN.md``):

* time is UTC, ``Datetime("ns", "UTC")`` in frames and int64 nanoseconds inside kernels;
* ``side`` and ``aggressor`` are +1 buy, -1 sell (0 = unknown for ``aggressor``);
* prices are in the quote currency per share (``_px``), sizes in shares;
* spreads and costs are in basis points of the reference midpoint unless the name says otherwise,
  and a cost is positive when it hurts the trader.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # polars is imported lazily: this module is imported by the CLI's --help path
    import polars as pl

__all__ = [
    "Column",
    "Contract",
    "CONTRACTS",
    "TRADES",
    "QUOTES",
    "BARS",
    "FILLS",
    "ORDERS",
    "DAILY",
    "PROFILE",
    "KINDS",
    "SIDE_WORDS",
    "MAX_ORDER_SHARES",
    "ORDER_PROBLEMS",
    "PRETRADE_ORDERS",
    "FRONTIER",
    "TRANCHES",
    "PLAN_SUMMARY",
    "OUTPUTS",
    "check_frame",
    "polars_dtype",
    "SCHEMA_VERSION",
]

#: Version of the output tables' column contract, written with every JSON, Parquet and HTML output. Raise it
#: when an output column is renamed or removed or changes its unit (adding a column does not need it).
SCHEMA_VERSION = 2

# dtype names are strings here so that importing schema does not import polars
_TS = "datetime_ns_utc"
_LOCAL = "datetime_us_local"  # output times in the exchange's time zone (plans)


@dataclass(frozen=True)
class Column:
    """One column of a contract.

    Parameters
    ----------
    name : str
        Canonical column name (carries its unit suffix where it has one).
    dtype : str
        One of ``str``, ``f64``, ``i64``, ``i8``, ``bool``, ``date``, ``datetime_ns_utc``, ``list_f64``.
    unit : str
        Unit in words (``"USD per share"``, ``"shares"``, ``"bps of mid"``); ``""`` when unitless.
    required : bool
        Whether an ingested frame must have the column.
    doc : str
        One sentence of meaning, including the sign convention where there is one.
    """

    name: str
    dtype: str
    unit: str = ""
    required: bool = True
    doc: str = ""


@dataclass(frozen=True)
class Contract:
    """A named set of columns; ``sort_by`` is the order rows are kept in after ingest."""

    kind: str
    columns: tuple[Column, ...]
    sort_by: tuple[str, ...] = ()
    doc: str = ""
    # groups of columns of which at least one must be present (e.g. bars need ts or date)
    one_of: tuple[tuple[str, ...], ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def optional(self) -> list[str]:
        return [c.name for c in self.columns if not c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def polars_schema(self, names: list[str] | None = None, tz: str | None = None) -> dict[str, Any]:
        """Polars dtypes of the named columns (all columns by default); ``tz`` for exchange-time columns."""
        cols = self.columns if names is None else [self.column(n) for n in names]
        return {c.name: polars_dtype(c.dtype, tz) for c in cols}


def polars_dtype(name: str, tz: str | None = None):
    """The polars dtype for one of the dtype names used in contracts.

    ``datetime_us_local`` (times shown in the exchange's zone) needs ``tz``.
    """
    import polars as pl

    if name == _LOCAL:
        if tz is None:
            raise ValueError("a datetime_us_local column needs the exchange time zone")
        return pl.Datetime("us", tz)
    return {
        "str": pl.String,
        "f64": pl.Float64,
        "i64": pl.Int64,
        "i32": pl.Int32,
        "i8": pl.Int8,
        "bool": pl.Boolean,
        "date": pl.Date,
        _TS: pl.Datetime("ns", "UTC"),
        "list_f64": pl.List(pl.Float64),
    }[name]


_SYMBOL = Column("symbol", "str", "", True, "Instrument identifier as the user knows it (ticker).")
_TS_COL = Column("ts", _TS, "ns since epoch, UTC", True, "Event time (exchange time where the feed has it).")

TRADES = Contract(
    "trades",
    (
        _SYMBOL,
        _TS_COL,
        Column("price", "f64", "currency per share", True, "Trade price, > 0."),
        Column("size", "f64", "shares", True, "Trade size, > 0 (odd lots allowed)."),
        Column("venue", "str", "", False, "Exchange or venue code."),
        Column("trade_id", "str", "", False, "The feed's trade id or sequence number (tells identical prints apart)."),
        Column("cond", "str", "", False, "Sale-condition codes as given by the feed."),
        Column("aggressor", "i8", "", False, "+1 buyer-initiated, -1 seller-initiated, 0 unknown (feed flag)."),
        Column("auction", "i8", "", False, "0 continuous, 1 opening auction, 2 closing auction (when marked)."),
    ),
    sort_by=("symbol", "ts"),
    doc="Time and sales: one row per print.",
)

QUOTES = Contract(
    "quotes",
    (
        _SYMBOL,
        _TS_COL,
        Column("bid", "f64", "currency per share", True, "Best bid price, > 0."),
        Column("ask", "f64", "currency per share", True, "Best ask (offer) price, >= bid."),
        Column("bid_size", "f64", "shares", True, "Size at the best bid, >= 0."),
        Column("ask_size", "f64", "shares", True, "Size at the best ask, >= 0."),
        Column("venue", "str", "", False, "Quoting venue (absent for NBBO)."),
        Column("locked", "bool", "", False, "True when bid == ask (kept, flagged at ingest)."),
    ),
    sort_by=("symbol", "ts"),
    doc="Top of book or NBBO: one row per update.",
)

BARS = Contract(
    "bars",
    (
        _SYMBOL,
        Column("ts", _TS, "ns since epoch, UTC", False, "Bar start time (intraday bars)."),
        Column("date", "date", "exchange-local date", False, "Trading date (daily bars)."),
        Column("open", "f64", "currency per share", True, "First trade price of the bar, > 0."),
        Column("high", "f64", "currency per share", True, "Highest trade price, >= open, close, low."),
        Column("low", "f64", "currency per share", True, "Lowest trade price, > 0."),
        Column("close", "f64", "currency per share", True, "Last trade price of the bar, > 0."),
        Column("volume", "f64", "shares", True, "Shares traded, >= 0 (zero-volume bars are kept)."),
        Column("vwap", "f64", "currency per share", False, "Volume-weighted average price."),
        Column("n_trades", "i64", "trades", False, "Number of prints in the bar."),
        Column("shares_outstanding", "f64", "shares", False, "Shares outstanding (for turnover, market cap)."),
    ),
    sort_by=("symbol", "date", "ts"),
    one_of=(("ts", "date"),),
    doc="OHLCV bars, intraday (ts) or daily (date).",
)

FILLS = Contract(
    "fills",
    (
        Column("order_id", "str", "", True, "Parent order the fill belongs to."),
        _SYMBOL,
        Column("side", "i8", "", True, "+1 buy, -1 sell."),
        _TS_COL,
        Column("price", "f64", "currency per share", True, "Execution price, > 0."),
        Column("qty", "f64", "shares", True, "Executed quantity, > 0."),
        Column("decision_ts", _TS, "ns since epoch, UTC", False, "When the decision to trade was taken."),
        Column("decision_price", "f64", "currency per share", False, "Price at the decision (arrival)."),
        Column("limit_price", "f64", "currency per share", False, "Limit price of the child order."),
        Column("venue", "str", "", False, "Execution venue."),
        Column("broker", "str", "", False, "Broker (or algorithm) that executed the fill."),
        Column("fee", "f64", "currency", False, "Fees and commissions paid on the fill (positive = paid, negative = rebate)."),
    ),
    sort_by=("order_id", "ts"),
    doc="The user's own executions.",
)

ORDERS = Contract(
    "orders",
    (
        Column("order_id", "str", "", True, "Order identifier (unique within the input; SYMBOL-ROW when absent)."),
        _SYMBOL,
        Column("side", "i8", "", True, "+1 buy, -1 sell (as read: the words of SIDE_WORDS)."),
        Column("qty", "f64", "shares", True, "Order quantity, > 0, whole shares (orders.fractional_shares)."),
        Column("start", _TS, "ns since epoch, UTC", False, "Earliest start of trading."),
        Column("end", _TS, "ns since epoch, UTC", False, "Latest end of trading."),
        Column("max_participation", "f64", "fraction of volume", False, "Participation cap, in (0, 1]."),
        Column("urgency", "f64", "", False, "Risk aversion / urgency (planner's lambda)."),
        Column("limit_price", "f64", "currency per share", False, "Hard limit on the parent order."),
    ),
    sort_by=(),
    doc="Parent orders for pre-trade, planning and TCA (kept in file order).",
)

# --- output tables read by pre-trade and the planner ------------------------------------------------

DAILY = Contract(
    "daily",
    (
        _SYMBOL,
        Column("date", "date", "exchange-local date", True, "Trading date."),
        Column("volume_shares", "f64", "shares", True, "Shares traded in the session (0 on a no-trade day)."),
        Column("dollar_volume_usd", "f64", "currency", True, "Sum of price x size."),
        Column("n_trades", "i64", "trades", True, "Number of prints."),
        Column("vwap_px", "f64", "currency per share", True, "Volume-weighted average price (NaN on no-trade days)."),
        Column("close_px", "f64", "currency per share", True, "Last trade price (or close of the bar)."),
        Column("quoted_spread_bps", "f64", "bps of mid", False, "Time-weighted quoted spread over the session."),
        Column("effective_spread_bps", "f64", "bps of mid", False, "Share-weighted mean effective spread 2 d (p-m)/m."),
        Column("volatility_daily_frac", "f64", "fraction per day", False, "Daily return volatility estimate."),
        # tick measures (liqcost.measures.daily; docs/measures.md lists every column, including the
        # per-horizon realized_spread_<h>_bps / price_impact_<h>_bps / n_impact_<h>)
        Column("n_trades_continuous", "i64", "trades", False, "Continuous-session prints (signed, in spreads)."),
        Column("open_px", "f64", "currency per share", False, "First counted print."),
        Column("high_px", "f64", "currency per share", False, "Highest counted print."),
        Column("low_px", "f64", "currency per share", False, "Lowest counted print."),
        Column("zero_volume", "bool", "", False, "True on a grid day without a trade."),
        Column("quoted_spread_px", "f64", "currency per share", False, "Time-weighted quoted spread in price."),
        Column("quoted_depth_shares", "f64", "shares", False, "Time-weighted mean of bid and ask size at the touch."),
        Column("close_mid_px", "f64", "currency per share", False, "Midpoint in force at the close."),
        Column("effective_spread_ew_bps", "f64", "bps of mid", False, "Equal-weighted mean effective spread."),
        Column("effective_spread_dw_bps", "f64", "bps of mid", False, "Dollar-weighted mean effective spread."),
        Column("effective_spread_px", "f64", "currency per share", False, "Share-weighted effective spread in price."),
        Column("order_imbalance_frac", "f64", "fraction of signed volume", False, "(buy - sell) / (buy + sell) volume."),
        Column("trade_size_median_shares", "f64", "shares", False, "Median continuous print size."),
        Column("odd_lot_frac", "f64", "fraction of prints", False, "Prints below measures.odd_lot_shares."),
        Column("no_trade_bucket_frac", "f64", "fraction of the session", False, "Buckets of the session without a trade."),
        Column("realized_vol_frac", "f64", "fraction per session", False, "Realized volatility of trade prices."),
        Column("realized_vol_mid_frac", "f64", "fraction per session", False, "Realized volatility of midpoints."),
        Column("kyle_lambda_bps_per_share", "f64", "bps of mid per share", False, "Kyle's lambda of the day (OLS)."),
        Column("volume_bins_shares", "list_f64", "shares", False, "Continuous volume per profile interval."),
        # bar-based estimates (liqcost.measures.bars), each over the bars.window days ending that day
        Column("roll_spread_bps", "f64", "bps of mid", False, "Roll (1984) spread from close-to-close returns."),
        Column("cs_spread_bps", "f64", "bps of mid", False, "Corwin-Schultz (2012) high-low spread."),
        Column("ar_spread_bps", "f64", "bps of mid", False, "Abdi-Ranaldo (2017) close-high-low spread."),
        Column("edge_spread_bps", "f64", "bps of mid", False, "EDGE (Ardia-Guidotti-Kroencke 2024) OHLC spread."),
        Column("fht_spread_bps", "f64", "bps of mid", False, "FHT (2017) spread from the zero-return share."),
        Column("zero_return_frac", "f64", "fraction of days", False, "Share of zero close-to-close returns."),
        Column("amihud_bps_per_musd", "f64", "bps per million currency", False, "Amihud illiquidity: |r| / dollar volume."),
    ),
    sort_by=("symbol", "date"),
    doc="Per symbol-day liquidity metrics (the measures modules add many more columns).",
)

PROFILE = Contract(
    "profile",
    (
        _SYMBOL,
        Column("asof_date", "date", "exchange-local date", True, "Last trading date in the lookback window."),
        Column("lookback_days", "i64", "trading days", True, "Trading days in the window (zero-volume days included)."),
        Column("source", "str", "", True, "'ticks', 'bars' or 'ticks+bars': what the profile was built from."),
        Column("price_px", "f64", "currency per share", True, "Last close / last trade price."),
        Column("adv_shares", "f64", "shares per day", True, "Mean daily volume over the window, zero days included."),
        Column("mdv_shares", "f64", "shares per day", True, "Median daily volume over the window, zero days included."),
        Column("adv_usd", "f64", "currency per day", True, "Mean daily dollar volume."),
        Column("zero_volume_days", "i64", "days", True, "Days in the window with no trade."),
        Column("daily_volume_shares", "list_f64", "shares", True, "Each day's volume, oldest first (empirical distribution)."),
        Column("spread_bps", "f64", "bps of mid", True, "Best available full spread: effective (ticks) else bar estimate."),
        Column("quoted_spread_bps", "f64", "bps of mid", False, "Median daily time-weighted quoted spread."),
        Column("effective_spread_bps", "f64", "bps of mid", False, "Median daily effective spread."),
        Column("quoted_depth_shares", "f64", "shares", False, "Median daily time-weighted mean of bid and ask size at the touch."),
        Column("volatility_daily_frac", "f64", "fraction per day", True, "Daily volatility of returns."),
        Column("kyle_lambda_bps_per_pct_adv", "f64", "bps per 1% of ADV", False, "Kyle's lambda, rescaled."),
        Column("trade_size_median_shares", "f64", "shares", False, "Median print size."),
        Column("trades_per_day", "f64", "trades per day", False, "Mean number of prints per day."),
        Column("volume_profile_frac", "list_f64", "fraction of daily volume", False, "Intraday volume share per interval."),
        Column("profile_interval_minutes", "i64", "minutes", False, "Width of each volume-profile interval."),
        Column("shares_outstanding", "f64", "shares", False, "Shares outstanding when known."),
        Column("market_cap_usd", "f64", "currency", False, "Price x shares outstanding when known."),
        # from tick data (liqcost.measures.profile; docs/measures.md)
        # where each input comes from and how uncertain it is (liqcost.measures.fallback; docs/measures.md)
        Column("spread_source", "str", "", False,
               "What spread_bps is: effective, quoted, bars, trade_bars, cross_section, prior or none."),
        Column("volatility_source", "str", "", False,
               "What volatility_daily_frac is: close_to_close_mid, intraday_realized, bars, trade_bars, "
               "cross_section, prior or none."),
        Column("volume_source", "str", "", False, "Where adv_shares comes from: ticks, bars or none."),
        Column("spread_uncertainty_frac", "f64", "fraction (log scale, one sd)", False,
               "Relative error of spread_bps given its source."),
        Column("volatility_uncertainty_frac", "f64", "fraction (log scale, one sd)", False,
               "Relative error of volatility_daily_frac given its source."),
        Column("adv_uncertainty_frac", "f64", "fraction (one sd)", False,
               "Relative standard error of adv_shares (daily volume CV over the root of the days observed)."),
        Column("price_band", "str", "", False, "Price band of measures.price_bands_px (the peer group with the cap band)."),
        Column("peer_count_spread", "i64", "names", False, "Peers whose median spread stands in (0 unless cross_section)."),
        Column("peer_count_volatility", "i64", "names", False, "Peers whose median volatility stands in (0 unless cross_section)."),
        Column("last_data_date", "date", "exchange-local date", False,
               "Last day with a trade, quote or bar: pre-trade's staleness is counted from it."),
        Column("n_effective_trades", "i64", "trades", False, "Trades with an effective spread in the window."),
        Column("n_volatility_obs", "i64", "returns or days", False, "Observations behind a tick volatility."),
        Column("kyle_lambda_bps_per_share", "f64", "bps of mid per share", False, "Kyle's lambda pooled over the window."),
        Column("kyle_lambda_se_bps_per_pct_adv", "f64", "bps per 1% of ADV", False, "Standard error of the rescaled lambda."),
        Column("trade_size_p90_shares", "f64", "shares", False, "Median daily 90th percentile print size."),
        Column("open_auction_frac", "f64", "fraction of daily volume", False, "Mean opening-auction share of volume."),
        Column("close_auction_frac", "f64", "fraction of daily volume", False, "Mean closing-auction share of volume."),
        Column("adv_long_shares", "f64", "shares per day", False, "ADV over measures.lookback_days_long."),
        Column("mdv_long_shares", "f64", "shares per day", False, "Median daily volume over the long window."),
        Column("lookback_days_long", "i64", "trading days", False, "Trading days in the long window."),
        # bar-based estimates (liqcost.measures.bars.bar_profile); each *_bps / *_frac estimate comes with a
        # *_reason column (null when defined, else why it is NaN)
        Column("spread_estimator", "str", "", False, "Which bar estimate filled spread_bps (edge, ar, cs, roll ...)."),
        Column("volatility_estimator", "str", "", False, "Which bar estimate filled volatility_daily_frac (cc, yz ...)."),
        Column("roll_spread_bps", "f64", "bps of mid", False, "Roll (1984) spread from close-to-close returns."),
        Column("cs_spread_bps", "f64", "bps of mid", False, "Corwin-Schultz (2012) high-low spread, overnight-adjusted."),
        Column("ar_spread_bps", "f64", "bps of mid", False, "Abdi-Ranaldo (2017) close-high-low spread."),
        Column("edge_spread_bps", "f64", "bps of mid", False, "EDGE (Ardia-Guidotti-Kroencke 2024) OHLC spread."),
        Column("fht_spread_bps", "f64", "bps of mid", False, "FHT (2017) spread from the zero-return share and volatility."),
        Column("lot_spread_bps", "f64", "bps of mid", False, "LOT (1999) round-trip cost alpha2 - alpha1 (max. likelihood)."),
        Column("zero_return_frac", "f64", "fraction of days", False, "Share of zero close-to-close returns (LOT 1999)."),
        Column("zero_volume_frac", "f64", "fraction of days", False, "Share of non-missing days with zero volume."),
        Column("amihud_bps_per_musd", "f64", "bps per million currency", False, "Amihud (2002) |r| / dollar volume."),
        Column("turnover_frac", "f64", "fraction per day", False, "Daily volume / shares outstanding, averaged."),
        Column("volatility_cc_frac", "f64", "fraction per day", False, "Close-to-close volatility."),
        Column("volatility_parkinson_frac", "f64", "fraction per day", False, "Parkinson (1980) range volatility."),
        Column("volatility_gk_frac", "f64", "fraction per day", False, "Garman-Klass (1980) volatility."),
        Column("volatility_rs_frac", "f64", "fraction per day", False, "Rogers-Satchell (1991) volatility."),
        Column("volatility_yz_frac", "f64", "fraction per day", False, "Yang-Zhang (2000) volatility."),
        Column("market_cap_band", "str", "", False, "mega/large/mid/small/micro from bars.market_cap_bands_usd."),
        Column("penny", "bool", "", False, "Price below bars.penny_price_px."),
        Column("missing_days", "i64", "days", False, "Grid days of the window without a bar (unknown, not zero)."),
        Column("no_bar_days", "i64", "days", False,
               "Grid days of the window without a bar from the vendor (no-trade days under bars.missing_bar no_trade)."),
        Column("last_bar_date", "date", "exchange-local date", False, "Last day of the window with a bar."),
        Column("n_valid_bars", "i64", "bars", False, "Bars with valid prices behind the spread/volatility estimates."),
    ),
    sort_by=("symbol",),
    doc="Per-symbol liquidity profile over a lookback window: the one table pre-trade and the planner read.",
)

# --- how every command reads the side of an order -----------------------------------------------------

#: Words (case-insensitive, surrounding blanks ignored) and numbers accepted as the side of an order, by
#: every command and the Python API alike. A short sale is a sell (liqcost prices the trade, not the borrow).
SIDE_WORDS: dict[str, int] = {
    "buy": 1, "b": 1, "+1": 1, "1": 1, "1.0": 1, "+1.0": 1,
    "sell": -1, "s": -1, "-1": -1, "-1.0": -1, "short": -1, "sell_short": -1, "ss": -1,
}

#: Largest order size liqcost holds exactly (2**53 shares: whole shares are exact in float64 below it).
MAX_ORDER_SHARES = float(2**53)

# --- outputs of pre-trade and the planner (the column contracts of their tables) ------------------------

ORDER_PROBLEMS = Contract(
    "order_problems",
    (
        Column("row", "i64", "", False, "Row of the order in its input: the file's line (or record) number, else its position from 1."),
        Column("order_id", "str", "", False, "The order's id (SYMBOL-ROW when the input had none)."),
        Column("symbol", "str", "", False, "The order's symbol as given."),
        Column("column", "str", "", True, "The input column at fault (symbol, side, qty ...)."),
        Column("reason", "str", "", True, "What is wrong and what to do, one sentence."),
    ),
    doc="Orders refused before any work: one row per order, the first problem found (same rules for every command).",
)

PRETRADE_ORDERS = Contract(
    "pretrade_orders",
    (
        Column("order_id", "str"),
        _SYMBOL,
        Column("side", "str", "", True, "'buy' or 'sell'."),
        Column("qty_shares", "f64", "shares", True, "Order size."),
        Column("price_px", "f64", "currency per share", True, "Last price of the profile (the arrival price)."),
        Column("notional_usd", "f64", "currency", True, "qty_shares x price_px."),
        Column("order_adv_frac", "f64", "fraction of ADV", True, "Order size over ADV (was pct_adv_frac)."),
        Column("order_mdv_frac", "f64", "fraction of the median daily volume", True, "Order size over the median daily volume (was pct_mdv_frac)."),
        Column("cost_central_bps", "f64", "bps of arrival mid", True, "Expected cost under the central model (impact.central), fees included."),
        Column("cost_low_bps", "f64", "bps of arrival mid", True, "Low end of the model band (across models and their uncertainty)."),
        Column("cost_high_bps", "f64", "bps of arrival mid", True, "High end of the model band."),
        Column("cost_central_usd", "f64", "currency", True, "Central cost in currency."),
        Column("cost_low_usd", "f64", "currency", True, "Low end of the model band in currency."),
        Column("cost_high_usd", "f64", "currency", True, "High end of the model band in currency."),
        Column("cost_p05_bps", "f64", "bps of arrival mid", True, "Risk band: 5th percentile of the realized cost (central cost - 1.645 timing risk)."),
        Column("cost_p95_bps", "f64", "bps of arrival mid", True, "Risk band: 95th percentile of the realized cost (central cost + 1.645 timing risk)."),
        Column("timing_risk_bps", "f64", "bps of arrival mid", True, "One standard deviation of the price drift over the execution."),
        Column("timing_risk_usd", "f64", "currency", True, "Timing risk in currency."),
        Column("half_spread_bps", "f64", "bps of mid", True, "Half the spread the models charge (impact.half_spread_from)."),
        Column("impact_bps", "f64", "bps of arrival mid", True, "Market impact of the central model at the schedule priced (temporary + permanent)."),
        Column("fees_bps", "f64", "bps of arrival notional", True, "Commission and regulatory fees (in every cost above)."),
        Column("fees_usd", "f64", "currency", True, "Fees in currency."),
        Column("commission_usd", "f64", "currency", True, "Broker commission (fees.commission_*)."),
        Column("sec_fee_usd", "f64", "currency", True, "SEC section 31 fee (sells)."),
        Column("taf_usd", "f64", "currency", True, "FINRA Trading Activity Fee (sells)."),
        # cost_<model>_bps for each of impact.models follows here (each model's cost, fees included)
        Column("cross_now_cost_bps", "f64", "bps of arrival mid", True, "Cost of executing the whole order at once (book walk or the models' instantaneous limit; never below working it), fees included."),
        Column("cross_now_usd", "f64", "currency", True, "Crossing now in currency."),
        Column("cross_now_source", "str", "", True, "book (the visible book walked), model (instantaneous limit, no depth known) or worked (floored at the fastest worked schedule)."),
        Column("recommended_days", "f64", "trading days", True, "Frontier horizon recommended for the order's urgency (within the cap; NaN for a block_trade_candidate)."),
        Column("recommended_cost_bps", "f64", "bps of arrival mid", True, "Expected cost at the recommended horizon."),
        Column("urgency", "f64", "per currency", True, "Mean-variance risk aversion used for the recommendation (the order's, else planner.risk_aversion)."),
        Column("cap_frac", "f64", "fraction of volume", True, "Participation cap of the order."),
        Column("participation_frac", "f64", "fraction of ADV per day", True, "Participation of the schedule priced."),
        Column("duration_days", "f64", "trading days", True, "Duration of the schedule priced."),
        Column("days_at_cap", "f64", "trading days", True, "Trading days the order needs at its cap with the ADV (order / (cap x ADV))."),
        Column("expected_days", "f64", "trading days", True, "Expected days to complete at the cap (was days_expected)."),
        # p_complete_<k>d for each of pretrade.probability_days follows here
        Column("days_stressed", "f64", "trading days", True, "Days needed at the stressed daily volume (never fewer than expected_days)."),
        Column("liquidity_bucket", "str", "", True, "<=3d, <=7d, >7d or not_sellable_stressed (pretrade.bucket_days)."),
        Column("severity", "str", "", True, "Worst flag: ok, info, warn or critical."),
        Column("flags", "str", "", True, "The flags as code:severity, comma-separated."),
        Column("adv_shares", "f64", "shares per day", True, "Profile ADV used."),
        Column("mdv_shares", "f64", "shares per day", True, "Profile median daily volume used."),
        Column("spread_bps", "f64", "bps of mid", True, "Full spread used."),
        Column("volatility_daily_frac", "f64", "fraction per day", True, "Daily volatility used."),
        Column("zero_volume_frac", "f64", "fraction of days", True, "Share of zero-volume days in the lookback."),
        Column("market_cap_usd", "f64", "currency", True, "Market cap (NaN when unknown)."),
        Column("cap_band", "str", "", True, "Market-cap band of the name."),
        Column("istar_set", "str", "", True, "I-Star parameter set used."),
        Column("profile_source", "str", "", True, "ticks, bars or ticks+bars."),
        Column("asof_date", "date", "exchange-local date", True, "Last day of the profile's lookback."),
        Column("lookback_days", "i64", "trading days", True, "Days in the profile's lookback."),
        Column("stale_trading_days", "i64", "trading days", True, "Trading days between the profile's last data and the as-of date."),
        Column("status", "str", "", True, "'ok', or 'error' when the order could not be priced."),
        Column("error", "str", "", True, "Why the order could not be priced (null when priced)."),
    ),
    doc="One row per order of a pre-trade check (cost band, days to complete, flags).",
)

FRONTIER = Contract(
    "frontier",
    (
        Column("order_id", "str"),
        _SYMBOL,
        Column("side", "str", "", True, "'buy' or 'sell'."),
        Column("qty_shares", "f64", "shares", True, "Order size."),
        Column("horizon_days", "f64", "trading days", True, "Horizon of the point (pretrade.frontier_days; 'cap': the order's own schedule at its cap)."),
        Column("point", "str", "", True, "grid (a horizon of pretrade.frontier_days) or cap (the order's schedule at its participation cap)."),
        Column("participation_frac", "f64", "fraction of volume", True, "Participation the horizon needs (order / (ADV x horizon))."),
        Column("within_cap", "bool", "", True, "Whether that participation is within the order's cap (only those points are recommended)."),
        Column("expected_cost_bps", "f64", "bps of arrival mid", True, "Expected cost over the horizon, fees included (central model; a plan's own cost for plan --frontier)."),
        Column("cost_low_bps", "f64", "bps of arrival mid", True, "Model band, low."),
        Column("cost_high_bps", "f64", "bps of arrival mid", True, "Model band, high."),
        Column("impact_bps", "f64", "bps of arrival mid", True, "Market impact part."),
        Column("spread_cost_bps", "f64", "bps of arrival mid", True, "Spread part (the half-spread; for a plan, what its limit rules pay or earn)."),
        Column("fees_bps", "f64", "bps of arrival notional", True, "Fees part."),
        Column("timing_risk_bps", "f64", "bps of arrival mid", True, "Timing risk: one standard deviation of the price drift over the horizon."),
        Column("risk_bps", "f64", "bps of arrival mid", True, "Standard deviation of the cost (timing risk; a plan adds its fill risk)."),
        Column("cost_p05_bps", "f64", "bps of arrival mid", True, "Risk band: 5th percentile of the cost."),
        Column("cost_p95_bps", "f64", "bps of arrival mid", True, "Risk band: 95th percentile of the cost."),
        Column("expected_cost_usd", "f64", "currency", True, "Expected cost in currency."),
        Column("risk_usd", "f64", "currency", True, "Risk in currency."),
        Column("objective_usd", "f64", "currency", True, "cost + urgency x risk^2, currency (Almgren-Chriss mean-variance)."),
        Column("recommended", "bool", "", True, "The point with the least objective within the cap."),
        Column("n_tranches", "i64", "", False, "Tranches of the plan at that horizon (plan --frontier)."),
        Column("expected_days", "i64", "trading days", False, "Trading days the plan spans (plan --frontier)."),
        Column("status", "str", "", False, "'planned', or why no plan fits that horizon (plan --frontier)."),
    ),
    doc="The cost-risk frontier: one row per order and horizon, the recommended point marked.",
)

TRANCHES = Contract(
    "tranches",
    (
        Column("order_id", "str"),
        _SYMBOL,
        Column("side", "str", "", True, "'buy' or 'sell'."),
        Column("tranche", "i64", "", True, "Tranche number within the order, from 1."),
        Column("day", "i64", "trading days", True, "Trading day of the plan, from 1."),
        Column("date", "date", "exchange-local date", True, "Date of the tranche."),
        Column("window_start", _LOCAL, "exchange time", True, "Window start (an auction has start == end)."),
        Column("window_end", _LOCAL, "exchange time", True, "Window end."),
        Column("qty_shares", "i64", "shares", True, "Shares of the tranche (whole round lots; the last takes the odd lot)."),
        Column("cum_qty_shares", "i64", "shares", True, "Shares of the order planned up to this tranche."),
        Column("limit_rule", "str", "", True, "join, improve_k (k ticks inside the near side), mid, cross, auction_open or auction_close: the limit relative to the live quote when the window opens."),
        Column("indicative_price_px", "f64", "currency per share", True, "The rule's price against the plan-time quote: first tranche only (later windows' quotes are not known: re-peg the rule)."),
        Column("limit_cap_px", "f64", "currency per share", True, "The order's limit price: no tranche is priced beyond it (NaN: none)."),
        Column("cap_frac", "f64", "fraction of volume", True, "Participation cap of the window (the order's max_participation, else planner.max_participation_frac)."),
        Column("ref_bid_px", "f64", "currency per share", True, "Plan-time bid (the reference quote of the indicative price)."),
        Column("ref_ask_px", "f64", "currency per share", True, "Plan-time ask."),
        Column("expected_volume_shares", "f64", "shares", True, "Expected market volume in the window."),
        Column("participation_frac", "f64", "fraction of volume", True, "Planned shares over the window's expected volume."),
        Column("fill_prob_frac", "f64", "probability", True, "Probability the tranche fills completely in its window with its rule."),
        Column("expected_fill_frac", "f64", "fraction of the tranche", True, "Expected filled fraction with its rule."),
        Column("expected_participation_frac", "f64", "fraction of volume", True, "Expected executed shares (carried shares included) over the window's volume."),
        Column("carry_in_shares", "f64", "shares", True, "Expected unfilled shares carried in from earlier tranches."),
        Column("mid_move_bps", "f64", "bps of arrival mid", True, "Expected mid when the window opens, against the arrival mid (the earlier tranches' permanent impact)."),
        Column("spread_cost_bps", "f64", "bps of arrival mid", True, "Against the window's mid: the spread the rule pays (or earns), unfilled shares' cost included."),
        Column("impact_bps", "f64", "bps of arrival mid", True, "Against the window's mid: the tranche's own impact (permanent build-up + temporary at its participation)."),
        Column("fees_bps", "f64", "bps of arrival notional", True, "The tranche's fees."),
        Column("cost_vs_window_mid_bps", "f64", "bps of arrival mid", True, "The tranche's own expected cost per share against its window's mid: spread + impact + fees."),
        Column("cost_vs_arrival_bps", "f64", "bps of arrival mid", True, "The tranche's expected cost per share against the order's arrival mid: mid_move + cost_vs_window_mid."),
        Column("shortfall_contribution_bps", "f64", "bps of the order's arrival notional", True, "Its share-weighted part of the order's implementation shortfall (sums to expected_cost_bps)."),
    ),
    doc="One row per tranche of a trading plan.",
)

PLAN_SUMMARY = Contract(
    "plan_summary",
    (
        Column("order_id", "str"),
        _SYMBOL,
        Column("side", "str", "", True, "'buy' or 'sell' (null when the order could not be read)."),
        Column("qty_shares", "i64", "shares", True, "Order size."),
        Column("order_daily_volume_frac", "f64", "fraction of a day's volume", True, "Order over the planner's daily volume (was pct_of_daily_volume_frac)."),
        Column("schedule", "str", "", True, "ac, twap, vwap or pov."),
        Column("start", _LOCAL, "exchange time", True, "Start of the first tranche."),
        Column("end", _LOCAL, "exchange time", True, "End of the last tranche."),
        Column("n_tranches", "i64", "", True, "Tranches planned."),
        Column("expected_days", "i64", "trading days", True, "Trading days the plan spans."),
        Column("expected_cost_bps", "f64", "bps of arrival mid", True, "Expected implementation shortfall vs arrival: spread, impact along the path and fees (the tranches' contributions summed)."),
        Column("cost_low_bps", "f64", "bps of arrival mid", True, "Model band, low: the expected cost across impact models and their uncertainty."),
        Column("cost_high_bps", "f64", "bps of arrival mid", True, "Model band, high."),
        Column("cost_p05_bps", "f64", "bps of arrival mid", True, "Risk band: 5th percentile of the realized cost (expected - 1.645 risk)."),
        Column("cost_p95_bps", "f64", "bps of arrival mid", True, "Risk band: 95th percentile of the realized cost (expected + 1.645 risk)."),
        Column("risk_bps", "f64", "bps of arrival mid", True, "Standard deviation of the cost: timing and fill risk."),
        Column("timing_risk_bps", "f64", "bps of arrival mid", True, "Price risk of the holdings while the plan runs."),
        Column("fill_risk_bps", "f64", "bps of arrival mid", True, "Risk from the uncertain fills of passive tranches."),
        Column("impact_bps", "f64", "bps of arrival mid", True, "Market impact of the order along its path (impact.central)."),
        Column("spread_cost_bps", "f64", "bps of arrival mid", True, "Spread paid or earned by the limit rules."),
        Column("fees_bps", "f64", "bps of arrival notional", True, "Commission and regulatory fees."),
        Column("fees_usd", "f64", "currency", True, "Fees in currency."),
        Column("cross_now_cost_bps", "f64", "bps of arrival mid", True, "Cost of crossing everything at once (the book walked at the plan-time quote, or the models' instantaneous limit), fees included; never below the plan's cost."),
        Column("cross_now_source", "str", "", True, "book, model or worked (which bound set cross_now_cost_bps)."),
        Column("expected_cross_at_end_shares", "f64", "shares", True, "Expected shares crossed at window ends (unfilled: cross_at_end)."),
        Column("max_participation_frac", "f64", "fraction of volume", True, "Largest planned participation of a window."),
        Column("daily_volume_shares", "f64", "shares per day", True, "Daily volume the plan assumes (planner.volume_basis)."),
        Column("half_spread_bps", "f64", "bps of mid", True, "Half the plan-time quoted spread."),
        Column("ref_bid_px", "f64", "currency per share", True, "Plan-time bid."),
        Column("ref_ask_px", "f64", "currency per share", True, "Plan-time ask."),
        Column("limit_cap_px", "f64", "currency per share", True, "The order's limit price (NaN: none)."),
        Column("ac_half_life_days", "f64", "trading days", True, "Almgren-Chriss half-life 1/kappa (schedule ac)."),
        Column("unfilled", "str", "", True, "carry or cross_at_end."),
        Column("fill_model", "str", "", True, "What the fill-probability model was fitted on."),
        Column("impact_model", "str", "", True, "The impact model that priced the path (impact.central, or the median model)."),
        Column("status", "str", "", True, "'planned', or why the order could not be planned."),
    ),
    doc="One row per order of a trading plan.",
)

CONTRACTS: dict[str, Contract] = {c.kind: c for c in (TRADES, QUOTES, BARS, FILLS, ORDERS, DAILY, PROFILE)}
OUTPUTS: dict[str, Contract] = {c.kind: c for c in (ORDER_PROBLEMS, PRETRADE_ORDERS, FRONTIER, TRANCHES, PLAN_SUMMARY)}
KINDS = ("trades", "quotes", "bars", "fills", "orders")

_COMPATIBLE = {
    "f64": {"Float64", "Float32", "Int64", "Int32", "Int16", "Int8", "UInt64", "UInt32", "UInt16", "UInt8"},
    "i64": {"Int64", "Int32", "Int16", "Int8", "UInt32", "UInt16", "UInt8"},
    "i32": {"Int32", "Int16", "Int8", "UInt16", "UInt8"},
    "i8": {"Int8", "Int16", "Int32", "Int64"},
    "str": {"String", "Utf8", "Categorical", "Enum"},
    "bool": {"Boolean"},
    "date": {"Date"},
    "list_f64": {"List"},
}


def _dtype_ok(expected: str, actual) -> bool:
    import polars as pl

    if expected == _TS:
        return isinstance(actual, pl.Datetime) and actual.time_zone == "UTC"
    base = actual.base_type() if hasattr(actual, "base_type") else actual
    return str(base).split("(")[0] in _COMPATIBLE[expected] or repr(base).split("(")[0] in _COMPATIBLE[expected]


def suggest(name: str, candidates) -> str:
    """A ``" (did you mean 'x'?)"`` suffix, or ``""`` when nothing is close."""
    match = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def check_frame(frame: pl.DataFrame | pl.LazyFrame, contract: Contract | str, source: str = "frame") -> None:
    """Check that a frame satisfies a contract; raise :class:`~liqcost.errors.SchemaError` if not.

    Only the schema is inspected (a LazyFrame is not collected). Extra columns are allowed.

    Parameters
    ----------
    frame : polars.DataFrame or polars.LazyFrame
        The frame to check.
    contract : Contract or str
        The contract, or its kind name (``"trades"``, ``"quotes"`` ...).
    source : str
        Where the frame came from (a file name), used in the message.

    Raises
    ------
    liqcost.errors.SchemaError
        Naming every missing column (with a close match among the columns present) and every column
        whose dtype cannot hold the contract's type.
    """
    from liqcost.errors import SchemaError

    if isinstance(contract, str):
        contract = CONTRACTS[contract]
    schema = frame.collect_schema() if hasattr(frame, "collect_schema") else frame.schema
    present = list(schema.names())
    problems: list[str] = []
    for name in contract.required:
        if name not in schema:
            problems.append(f"missing column '{name}'{suggest(name, present)}")
    for group in contract.one_of:
        if not any(g in schema for g in group):
            problems.append("needs one of the columns " + " or ".join(f"'{g}'" for g in group))
    for col in contract.columns:
        if col.name in schema and not _dtype_ok(col.dtype, schema[col.name]):
            problems.append(f"column '{col.name}' has type {schema[col.name]}, expected {col.dtype}")
    if problems:
        raise SchemaError(
            f"{source}: {contract.kind} data {'; '.join(problems)}. Columns present: {', '.join(present) or 'none'}."
            " Map the columns with a mapping file (--mapping) or rename them."
        )


def horizon_label(value: float, trades: bool = False) -> str:
    """Name fragment of a markout/impact horizon in column names: ``5s``, ``1min``, ``30min``, ``1tr``."""
    if trades:
        return f"{int(value)}tr"
    if value >= 60 and value % 60 == 0:
        return f"{int(value // 60)}min"
    return f"{value:g}s".replace(".", "p")

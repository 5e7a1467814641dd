"""YAML configuration: typed, validated, every problem reported by its dotted key.

The config is a tree of frozen pydantic v2 models, one per section. Each option carries its own
documentation (the field description), which is also what ``liqcost config init`` writes as comments and
what ``configs/default.yaml`` holds, so the documentation and the defaults cannot drift apart.

Precedence, lowest first: model defaults, the YAML file (``--config``), command-line flags. Flags
default to ``None`` and a ``None`` override is ignored, so a flag never silently replaces a file value.

Errors are collected, not raised one at a time: a bad file gives one :class:`~liqcost.errors.ConfigError`
listing every problem as ``dotted.key: expected X, got Y``; an unknown key says which known key is
closest; malformed YAML gives the line and column.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from liqcost.errors import ConfigError
from liqcost.sim.options import SimOptions  # the replay's options, mounted as the simulate: section

__all__ = [
    "RENAMED_KEYS",
    "rename_deprecated_keys",
    "Config",
    "load_config",
    "load_yaml",
    "parse_model",
    "render_yaml",
    "format_validation_error",
    "set_dotted",
    "check_timezone",
]


def check_timezone(v: str) -> str:
    """Pydantic validator body: ``v`` must name an IANA time zone."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"an IANA time zone such as America/New_York or UTC, got {v!r}") from None
    return v


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class SessionConfig(_Section):
    """The trading session of the exchange whose data you analyse."""

    timezone: str = Field(
        "America/New_York", description="IANA time zone of the exchange; dates and sessions are local to it."
    )
    open: str = Field("09:30", description="Continuous session start, HH:MM local time.")
    close: str = Field("16:00", description="Continuous session end, HH:MM local time (24:00 = midnight ending the day).")
    trading_days: list[int] = Field(
        [0, 1, 2, 3, 4], description="Weekdays the exchange trades (0 = Monday); used for the regular day grid."
    )
    holiday_calendar: Literal["auto", "nyse", "none"] = Field(
        "auto",
        description=(
            "Exchange holidays left out of every day grid (so they are not zero-volume days): nyse, none, or auto "
            "(nyse when timezone is America/New_York)."
        ),
    )
    holidays: list[date] = Field(
        [], description="Extra closed dates, YYYY-MM-DD, left out of every day grid (half days are trading days)."
    )
    early_closes: list[date] = Field(
        [],
        description=(
            "Extra half days, YYYY-MM-DD, whose session ends at early_close (the NYSE half days, e.g. the day after "
            "Thanksgiving, are built in with holiday_calendar nyse/auto)."
        ),
    )
    early_close: str = Field("13:00", description="Close of the early_closes dates, HH:MM local time.")
    currency: str = Field(
        "USD",
        description=(
            "Currency of prices in the data (USD, EUR, USDT, ...); output money columns are named with it "
            "(cost_central_usd becomes cost_central_usdt)."
        ),
    )

    @field_validator("open", "close", "early_close", mode="before")
    @classmethod
    def _sexagesimal(cls, v):
        # YAML 1.1 reads an unquoted 9:30 as the base-60 integer 570: turn it back into "09:30"
        if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 24 * 60:
            return f"{v // 60:02d}:{v % 60:02d}"
        return v

    @field_validator("open", "early_close")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if not _HHMM.match(v):
            raise ValueError(f"a time as HH:MM, e.g. 09:30, got {v!r}")
        return v

    @field_validator("close")
    @classmethod
    def _hhmm_close(cls, v: str) -> str:
        if not (_HHMM.match(v) or v == "24:00"):
            raise ValueError(f"a time as HH:MM, e.g. 16:00 (or 24:00 for a session to midnight), got {v!r}")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return check_timezone(v)

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        if not isinstance(v, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9]{1,9}", v.strip()):
            raise ValueError(f"a currency code of 2-10 letters or digits such as USD, EUR or USDT, got {v!r}")
        return v.strip().upper()

    @model_validator(mode="after")
    def _order(self):
        if self.close <= self.open:
            raise ValueError(f"close ({self.close}) must be after open ({self.open})")
        return self

    @property
    def open_minutes(self) -> int:
        h, m = self.open.split(":")
        return int(h) * 60 + int(m)

    @property
    def close_minutes(self) -> int:
        h, m = self.close.split(":")
        return int(h) * 60 + int(m)


class TimeWindow(_Section):
    """Plausible time stamps of one input kind: rows outside are quarantined with the window in the reason."""

    earliest: date = Field(
        date(1970, 1, 2),
        description=(
            "Earliest plausible date (UTC); the default rejects epoch zero and times of day read as epoch "
            "numbers (they land on 1970-01-01)."
        ),
    )
    latest: date | None = Field(
        None, description="Latest plausible date (UTC, inclusive); null = the run's date plus days_after_run."
    )
    days_after_run: int = Field(
        1, ge=0, description="With latest null: how many days after the day of the run a stamp may fall."
    )

    @model_validator(mode="after")
    def _order(self):
        if self.latest is not None and self.latest < self.earliest:
            raise ValueError(f"latest ({self.latest}) must not be before earliest ({self.earliest})")
        return self


class TimeWindows(_Section):
    """Plausibility window of time stamps per input kind (every time column of the kind is checked)."""

    trades: TimeWindow = Field(default_factory=TimeWindow, description="Trade time stamps.")
    quotes: TimeWindow = Field(default_factory=TimeWindow, description="Quote time stamps.")
    bars: TimeWindow = Field(default_factory=TimeWindow, description="Bar start times and bar dates.")
    fills: TimeWindow = Field(default_factory=TimeWindow, description="Fill and decision time stamps.")
    orders: TimeWindow = Field(
        default_factory=lambda: TimeWindow(days_after_run=366),
        description="Order start and end times (orders may be planned up to a year ahead).",
    )


class IngestConfig(_Section):
    """Validation rules applied when files are ingested; failing rows go to the quarantine file."""

    duplicates: Literal["quarantine", "keep"] = Field(
        "quarantine", description="Exact duplicate rows (every column equal): quarantine or keep."
    )
    unsorted: Literal["sort", "error"] = Field(
        "sort", description="Rows out of time order: sort them (and count them in the report) or stop with an error."
    )
    locked_quotes: Literal["flag", "quarantine"] = Field(
        "flag", description="Quotes with bid == ask: keep with locked=true, or quarantine."
    )
    bad_print_max_deviation_frac: float | None = Field(
        0.25,
        gt=0,
        description=(
            "A trade whose price is further than this fraction from the centred rolling median of the symbol's "
            "neighbouring trades (in time order, across days) is a bad print; null disables the check."
        ),
    )
    bad_print_window: int = Field(
        21, ge=3, description="Trades in the centred rolling-median window used by the bad-print check (odd)."
    )
    max_quote_spread_frac: float | None = Field(
        0.5, gt=0, description="Quotes whose spread exceeds this fraction of the mid are quarantined; null disables."
    )
    max_price_px: float | None = Field(
        1.0e9,
        gt=0,
        description=(
            "Prices above this (trade, bid, ask, bar and fill prices, after price_scale) are implausible and "
            "quarantined with the bound in the reason; null disables."
        ),
    )
    max_size_shares: float | None = Field(
        1.0e15,
        gt=0,
        description=(
            "Sizes above this (trade size, quote sizes, bar volume, fill and order quantity, after size_scale) are "
            "implausible and quarantined; null disables."
        ),
    )
    time_window: TimeWindows = Field(
        default_factory=TimeWindows,
        description="Plausible time stamps per input kind; time stamps are range-checked before any unit conversion.",
    )
    merge_one_sided_quotes: bool = Field(
        False,
        description=(
            "Quotes written as one-sided rows (the other side's price 0 or NaN, as Lean writes them): fill the "
            "missing side from the symbol-day's last quote of that side; a mapping's quotes.merge_one_sided "
            "sets it per file."
        ),
    )


class MeasuresConfig(_Section):
    """Tick measures: quote matching, trade signing, horizons, profiles."""

    quote_lag_s: float = Field(
        0.0, ge=0, description="Match each trade with the quote in force this many seconds earlier (1 or 5 for old TAQ)."
    )
    signing: Literal["lee_ready", "emo", "clnv", "tick", "quote"] = Field(
        "lee_ready", description="Trade-signing rule when the feed has no aggressor flag."
    )
    use_feed_aggressor: bool = Field(True, description="Use the feed's aggressor flag when present.")
    horizons_s: list[float] = Field(
        [5.0, 60.0, 300.0, 1800.0], description="Clock horizons in seconds for realized spread, impact and markouts."
    )
    horizons_trades: list[int] = Field(
        [1, 5, 20], description="Trade-count horizons (the n-th later trade) for thin names with empty clock windows."
    )
    profile_interval_minutes: int = Field(
        30, ge=1, le=390, description="Width in minutes of the intraday volume-profile bins (was profile_interval_min)."
    )
    odd_lot_shares: float = Field(100.0, gt=0, description="Trades below this size count as odd lots.")
    lookback_days: int = Field(20, ge=1, description="Trading days in the short liquidity-profile window.")
    lookback_days_long: int = Field(60, ge=1, description="Trading days in the long liquidity-profile window.")
    kyle_min_trades: int = Field(
        10, ge=3, description="Fewest trades in a day for a per-day Kyle's lambda regression (NaN below)."
    )
    quote_match: Literal["strictly_before", "at_or_before"] = Field(
        "strictly_before",
        description=(
            "Prevailing quote of a trade: the last valid quote strictly before it (right for feeds whose "
            "post-trade book carries the trade's own time stamp, e.g. LOBSTER) or at or before it."
        ),
    )
    horizon_beyond_close: Literal["clip", "drop"] = Field(
        "clip",
        description=(
            "A horizon that ends after the close (or after the day's last trade): use the mid at the close "
            "(clip) or leave that trade out of realized spread and impact at that horizon (drop)."
        ),
    )
    rv_interval_s: float = Field(
        300.0, gt=0, description="Sampling interval in seconds of the intraday realized volatility (trades and mids)."
    )
    no_trade_bucket_s: float = Field(
        60.0, gt=0, description="Bucket width in seconds for the share of the session with no trade and for bulk volume classification."
    )
    min_volatility_returns: int = Field(
        5, ge=2, description="Fewest daily returns for a close-to-close volatility in the profile (else intraday realized volatility)."
    )
    max_quote_age_s: float | None = Field(
        3600.0,
        gt=0,
        le=86400,
        description=(
            "A quote older than this many seconds counts as missing: a trade after it has no quote (no effective "
            "spread; signed by the tick rule) and the time after it is not in quote_coverage_frac; null for no limit."
        ),
    )

    chunk_trades: int | None = Field(
        500_000,
        ge=10,
        description=(
            "A symbol-day with more trades than this is read and measured in chunks of this many trades (with the "
            "quotes each chunk looks up), the running sums carried from chunk to chunk: the same results, with "
            "memory bounded by the chunk instead of the day (not with --trades-out); null to read every day whole."
        ),
    )
    min_effective_trades: int = Field(
        10,
        ge=1,
        description=(
            "Fewest trades with an effective spread in the profile window for the effective spread to be the name's "
            "spread; below it the quoted spread stands in (then the bar estimates, peers, the prior)."
        ),
    )
    price_bands_px: list[float] = Field(
        [1.0, 5.0, 20.0],
        description=(
            "Price band boundaries (currency per share) of the peer groups that stand in for a sparse name's spread "
            "and volatility; bands are [0, b1), [b1, b2), ..., [bn, inf)."
        ),
    )
    min_peers: int = Field(
        5,
        ge=1,
        description=(
            "Fewest names with their own estimate in a sparse name's price and market-cap band (else its price band) "
            "for the band's median to stand in; with fewer, the prior is used."
        ),
    )
    prior_spread_bps: list[float] = Field(
        [280.0, 210.0, 95.0, 57.0],
        description=(
            "Last-resort full spread per price band (one more value than price_bands_px): the median EDGE spread of "
            "the thinnest 30% of a 700-name US daily sample (docs/measures.md, benchmarks/profile_prior.py)."
        ),
    )
    prior_volatility_daily_frac: list[float] = Field(
        [0.044, 0.037, 0.015, 0.0076],
        description=(
            "Last-resort daily volatility per price band (one more value than price_bands_px), from the same sample "
            "as prior_spread_bps (median close-to-close volatility)."
        ),
    )
    quoted_spread_uncertainty_frac: float = Field(
        0.35,
        ge=0,
        description=(
            "Relative error (one sd, log scale) of the quoted spread standing in for the effective spread of a name "
            "with too few trades (docs/measures.md: effective/quoted ratios)."
        ),
    )
    bar_estimate_uncertainty_frac: float = Field(
        0.45,
        ge=0,
        description=(
            "Relative error (one sd, log scale) of a bar-estimated spread (EDGE's root mean squared error below two "
            "trades a day in docs/bar_estimators.md)."
        ),
    )
    prior_uncertainty_frac: float = Field(
        0.8,
        ge=0,
        description=(
            "Relative error (one sd, log scale) of the prior spread and volatility (the median spread across names of "
            "the prior's sample)."
        ),
    )
    @field_validator("horizons_s", "horizons_trades")
    @classmethod
    def _positive(cls, v):
        if any(x <= 0 for x in v):
            raise ValueError("positive horizons")
        return sorted(v)

    @model_validator(mode="after")
    def _bands(self):
        b = self.price_bands_px
        if any(x <= 0 for x in b) or any(b[i] >= b[i + 1] for i in range(len(b) - 1)):
            raise ValueError(f"price_bands_px must be positive and increasing, got {b}")
        for name in ("prior_spread_bps", "prior_volatility_daily_frac"):
            v = getattr(self, name)
            if len(v) != len(b) + 1:
                raise ValueError(f"{name} needs {len(b) + 1} values (one per price band), got {len(v)}")
            if any(not (x > 0) for x in v):
                raise ValueError(f"{name} must be positive, got {v}")
        return self

    @property
    def profile_interval_min(self) -> int:
        """Deprecated name of :attr:`profile_interval_minutes` (kept for one release)."""
        return self.profile_interval_minutes


class BarsConfig(_Section):
    """Bar-based estimators and size bands."""

    window: int = Field(
        21, ge=2, description="Rolling window in bars for the bar-based estimators (spreads, volatility, volume)."
    )
    min_periods: int = Field(
        10, ge=2, description="Fewest valid bars in a window for an estimate (NaN below, with a reason)."
    )
    min_periods_volume: int = Field(
        1, ge=1, description="Fewest non-missing days in a window for ADV, median volume, turnover and Amihud."
    )
    penny_price_px: float = Field(5.0, gt=0, description="Prices below this are flagged as penny stocks.")
    market_cap_bands_usd: dict[str, float] = Field(
        {"mega": 200e9, "large": 10e9, "mid": 2e9, "small": 250e6},
        description="Lower market-cap bound of each band in currency; anything below the smallest is 'micro'.",
    )
    calendar: Literal["weekdays", "observed"] = Field(
        "weekdays",
        description=(
            "Day grid of each symbol: every session.trading_days weekday between its first and last bar "
            "(minus holidays), or only the dates on which some symbol of the input has a bar (drops market "
            "holidays when the input holds many symbols)."
        ),
    )
    missing_bar: Literal["auto", "missing", "no_trade"] = Field(
        "auto",
        description=(
            "A grid day without a bar: 'no_trade' (the feed omits days without trades: volume 0, prices missing), "
            "'missing' (unknown: excluded from every statistic), or 'auto': no_trade when the exchange calendar is "
            "known (session.holiday_calendar nyse, or auto with America/New_York), else missing."
        ),
    )
    missing_days_flag_frac: float = Field(
        0.10,
        ge=0,
        le=1,
        description=(
            "Pre-trade flags a bars profile when more than this fraction of its window's days have no bar from the "
            "vendor (counted as no-trade days or left out, per missing_bar)."
        ),
    )
    zero_volume_prices: Literal["keep", "missing"] = Field(
        "keep",
        description=(
            "Prices of zero-volume bars (often the previous close): keep them for the estimators, or treat as missing."
        ),
    )
    cs_method: Literal["two_day", "mean"] = Field(
        "two_day",
        description=(
            "Corwin-Schultz: set negative two-day estimates to zero before averaging (the paper), or average the "
            "signed two-day estimates."
        ),
    )
    cs_overnight: bool = Field(True, description="Corwin-Schultz overnight adjustment of the next day's high and low.")
    ar_method: Literal["mean", "two_day"] = Field(
        "mean",
        description=(
            "Abdi-Ranaldo: root of the window mean of the two-day products (the paper), or mean of two-day roots."
        ),
    )
    signed: bool = Field(
        False,
        description=(
            "Return negative spread estimates where the moment condition is negative (Roll, CS 'mean', AR 'mean', "
            "EDGE 'sign') instead of NaN (EDGE: the root of the absolute value, as the bidask package)."
        ),
    )
    lot_market: Literal["panel", "none"] = Field(
        "panel",
        description=(
            "Market return of the LOT model: equal-weighted mean return of the other symbols of the input, or none "
            "(beta fixed at 0)."
        ),
    )
    lot_min_market_symbols: int = Field(
        10,
        ge=1,
        description="Fewest other symbols with a return on a day for the panel market return (else no beta).",
    )
    lot_rolling: bool = Field(
        False,
        description="Also fit LOT on every rolling/expanding window (one maximum-likelihood fit per row: slow).",
    )
    spread_estimators: list[Literal["edge", "ar", "cs", "roll", "fht", "lot"]] = Field(
        ["edge", "ar", "roll", "cs"],
        description=(
            "Order of preference of the bar estimates for a profile's spread_bps (first defined one wins); EDGE is the "
            "least biased at every trading frequency (docs/bar_estimators.md)."
        ),
    )
    volatility_estimators: list[Literal["cc", "yz", "rs", "gk", "parkinson"]] = Field(
        ["cc", "yz"],
        description="Order of preference of the bar volatility estimates for a profile's volatility_daily_frac.",
    )
    estimator_lookback_days: int | None = Field(
        None,
        ge=3,
        description=(
            "Trading days for the spread and volatility estimators of a bars profile; null uses the longer of the "
            "profile lookback and measures.lookback_days_long (volume statistics always use the profile lookback)."
        ),
    )

    @model_validator(mode="after")
    def _periods(self):
        if self.min_periods > self.window:
            raise ValueError(f"min_periods ({self.min_periods}) must not exceed window ({self.window})")
        if not self.spread_estimators:
            raise ValueError("spread_estimators needs at least one estimator")
        if not self.volatility_estimators:
            raise ValueError("volatility_estimators needs at least one estimator")
        return self


class ImpactConfig(_Section):
    """Market-impact models and their parameters (a calibrated parameter file plugs in here)."""

    models: list[str] = Field(
        ["sqrt", "almgren2005", "istar", "crossover", "log"],
        description="Models computed for every estimate (sqrt, almgren2005, istar, crossover, log).",
    )
    central: str = Field(
        "sqrt", description="Model whose value is the central estimate of the band, or 'median' (median of the models)."
    )
    sqrt_y: float = Field(0.8, gt=0, description="Y of the square-root law: cost = half-spread + Y sigma sqrt(Q/V).")
    params_file: str | None = Field(
        None,
        description=(
            "YAML file of impact-model parameters overriding these (the format of configs/impact_params.yaml; "
            "liqcost.models.calibrate writes one from your fills)."
        ),
    )
    half_spread_from: Literal["spread", "quoted", "effective", "max"] = Field(
        "spread",
        description=(
            "Which profile spread the half-spread term uses: 'spread' (best available), 'quoted' (what an "
            "aggressive child order pays), 'effective' (includes price improvement), 'max' of quoted and effective."
        ),
    )
    band_z: float = Field(
        1.0, ge=0, description="Half-width of the cost band, in standard deviations of parameter and input uncertainty."
    )
    spread_error_ticks_frac: float = Field(
        0.15, ge=0, description="Relative (1-sd) error of a spread measured from ticks, before the few-days term."
    )
    spread_error_bars_frac: float = Field(
        0.5, ge=0, description="Relative (1-sd) error of a spread estimated from bars only (bar estimators are noisy)."
    )
    bars_only_band_mult: float = Field(
        1.5, ge=1, description="Multiplier on the impact uncertainty when the profile was built from bars only."
    )

    @field_validator("models")
    @classmethod
    def _known_models(cls, v):
        known = ("sqrt", "almgren2005", "istar", "crossover", "log")
        bad = [m for m in v if m not in known]
        if bad:
            hints = []
            for m in bad:
                match = difflib.get_close_matches(m, known, n=1)
                hints.append(f"{m!r}" + (f" (did you mean {match[0]!r}?)" if match else ""))
            raise ValueError(f"model names among {', '.join(known)}; unknown: {', '.join(hints)}")
        if not v:
            raise ValueError("at least one model")
        return list(dict.fromkeys(v))

    @model_validator(mode="after")
    def _central_known(self):
        if self.central not in self.models and self.central != "median":
            raise ValueError(
                f"central ({self.central!r}) must be one of the models ({', '.join(self.models)}) or 'median'"
            )
        return self


class PretradeConfig(_Section):
    """Pre-trade sizing check: participation, days to complete, flags."""

    participation_cap_frac: float = Field(
        0.10, gt=0, le=1, description="Largest share of each day's volume the order may take."
    )
    adv_flag_frac: float = Field(0.10, gt=0, description="Flag orders larger than this fraction of ADV.")
    adv_critical_frac: float = Field(0.50, gt=0, description="Orders larger than this fraction of ADV are critical.")
    mdv_flag_frac: float = Field(0.20, gt=0, description="Flag orders larger than this fraction of the median daily volume.")
    mdv_critical_frac: float = Field(
        1.0, gt=0, description="Orders larger than this fraction of the median daily volume are critical."
    )
    spread_flag_bps: float = Field(200.0, gt=0, description="Flag names whose spread exceeds this many bps.")
    spread_critical_bps: float = Field(500.0, gt=0, description="Names whose spread exceeds this many bps are critical.")
    zero_volume_flag_frac: float = Field(
        0.10, ge=0, le=1, description="Flag names with more than this fraction of zero-volume days in the lookback."
    )
    zero_volume_critical_frac: float = Field(
        0.30, ge=0, le=1, description="Names with more than this fraction of zero-volume days are critical."
    )
    stale_days: int = Field(5, ge=0, description="Flag profiles whose last data are older than this many trading days.")
    stale_critical_days: int = Field(
        20, ge=0, description="Profiles whose last data are older than this many trading days are critical."
    )
    min_lookback_days: int = Field(
        10, ge=1, description="Flag profiles built on fewer trading days than this (the band is widened anyway)."
    )
    bucket_days: list[int] = Field(
        [3, 7],
        description="Liquidity buckets by expected days to complete: <= first, <= second, longer (fund-rule style).",
    )
    stress_window_days: int = Field(
        5, ge=1, description="Length in trading days of the rolling window whose low volume defines a stressed market."
    )
    stress_volume_quantile_frac: float = Field(
        0.10, ge=0, le=1, description="Quantile of the rolling-window mean daily volume taken as the stressed volume."
    )
    stress_max_days: int = Field(
        20, ge=1, description="An order that needs more days than this at the stressed volume is 'not sellable in stress'."
    )
    probability_days: list[int] = Field(
        [1, 5, 10, 20], description="Report the probability of completing within each of these many trading days."
    )
    days_quantile_frac: float = Field(
        0.9, gt=0, lt=1, description="Also report the days needed to complete with this probability."
    )
    max_days: int = Field(
        250, ge=1, le=5000, description="Horizon of the exact days-to-complete sum; longer orders use a tail approximation."
    )
    liquidation_fracs: list[float] = Field(
        [0.25, 0.5, 1.0], description="Portfolio summary: fractions of the book whose cost to liquidate is reported."
    )
    liquidation_days: list[int] = Field(
        [1, 5, 10, 20], description="Portfolio summary: horizons in trading days for the liquidation cost and ladder."
    )
    least_liquid_n: int = Field(10, ge=1, description="Portfolio summary: how many of the least liquid names to list.")
    curve_min_frac_adv: float = Field(0.001, gt=0, description="Cost curve: smallest order size as a fraction of ADV.")
    curve_max_frac_adv: float = Field(2.0, gt=0, description="Cost curve: largest order size as a fraction of ADV.")
    curve_points: int = Field(25, ge=2, le=1000, description="Cost curve: number of sizes (log-spaced).")
    frontier_days: list[float] = Field(
        [1.0, 2.0, 3.0, 5.0, 10.0],
        description=(
            "Cost-risk frontier: horizons in trading days at which pretrade (and plan --frontier) report the expected "
            "cost and the risk of working the order at a constant rate; the point minimising cost + urgency x variance "
            "(in currency; the order's urgency, else planner.risk_aversion) among those within the cap is recommended."
        ),
    )
    immediate_minutes: float = Field(
        5.0, gt=0,
        description=(
            "Crossing now without a visible book (bars only) is priced as working the order within this many minutes "
            "(the models' instantaneous limit)."
        ),
    )
    book_level_gap_spreads: float = Field(
        1.0, gt=0,
        description=(
            "Crossing now walks the visible book: the touch holds the name's mean depth (quoted_depth_shares) and, as "
            "the refill assumption, so does one level every this many quoted spreads behind it (at least a tick)."
        ),
    )
    block_adv_multiple: float = Field(
        2.0, gt=0,
        description=(
            "Orders larger than this multiple of ADV are flagged block_trade_candidate (with the days they need at the "
            "cap): a block or negotiated trade may beat working them."
        ),
    )
    max_cost_frac: float = Field(
        1.0, gt=0,
        description=(
            "Flag cost_exceeds_notional (critical) when a model's high cost exceeds this fraction of the notional "
            "(1.0 = 100 %): the models are far outside what they describe."
        ),
    )

    @field_validator("frontier_days")
    @classmethod
    def _frontier(cls, v):
        if not v or any(not (d > 0) for d in v):
            raise ValueError(f"a non-empty list of positive horizons in trading days, got {v}")
        return sorted(dict.fromkeys(float(d) for d in v))

    @field_validator("bucket_days")
    @classmethod
    def _buckets(cls, v):
        if len(v) != 2 or not (0 < v[0] < v[1]):
            raise ValueError(f"two increasing positive day counts such as [3, 7], got {v}")
        return v

    @field_validator("probability_days", "liquidation_days")
    @classmethod
    def _positive_days(cls, v):
        if not v or any(d < 1 for d in v):
            raise ValueError(f"a non-empty list of positive day counts, got {v}")
        return sorted(dict.fromkeys(v))

    @field_validator("liquidation_fracs")
    @classmethod
    def _fracs(cls, v):
        if not v or any(not (0 < f <= 1) for f in v):
            raise ValueError(f"a non-empty list of fractions in (0, 1], got {v}")
        return sorted(dict.fromkeys(v))

    @model_validator(mode="after")
    def _curve(self):
        if self.curve_max_frac_adv <= self.curve_min_frac_adv:
            raise ValueError("curve_max_frac_adv must be above curve_min_frac_adv")
        if max(self.probability_days) > self.max_days:
            raise ValueError(f"probability_days must not exceed max_days ({self.max_days})")
        return self


class PlannerConfig(_Section):
    """Tranche planner defaults."""

    schedule: Literal["ac", "twap", "vwap", "pov"] = Field("vwap", description="Trajectory of the parent order.")
    risk_aversion: float = Field(1e-6, ge=0, description="Almgren-Chriss lambda (per currency of variance).")
    horizon_days: int = Field(5, ge=1, description="Most trading days the plan may span.")
    days: int | None = Field(
        None,
        ge=1,
        description=(
            "Trading days to spread the order over; null = the fewest days that keep every interval and day "
            "within the participation caps (at most horizon_days)."
        ),
    )
    round_lot_shares: int = Field(100, ge=1, description="Tranche sizes are multiples of this (the last absorbs the rest).")
    min_tranche_shares: float = Field(100.0, ge=0, description="Smallest tranche.")
    max_tranche_shares: float | None = Field(None, gt=0, description="Largest tranche in shares; null = no limit.")
    unfilled: Literal["carry", "cross_at_end"] = Field(
        "carry", description="What happens to the unfilled part of a tranche: carry to later tranches or cross at the end."
    )
    max_participation_frac: float = Field(
        0.10, gt=0, le=1,
        description="Largest share of an interval's expected volume a tranche may take (an order's max_participation overrides).",
    )
    max_daily_participation_frac: float = Field(
        0.10, gt=0, le=1, description="Largest share of a day's expected volume the order may take."
    )
    pov_rate_frac: float | None = Field(
        None, gt=0, le=1, description="Participation rate of the pov schedule; null = the interval cap."
    )
    volume_basis: Literal["adv", "mdv"] = Field(
        "adv", description="Expected daily volume: mean (adv, zero days included) or median (mdv) of the profile window."
    )
    min_interval_volume_frac: float = Field(
        0.25, ge=0,
        description="No tranche in an interval whose expected volume is below this fraction of the day's mean interval volume.",
    )
    min_window_trades: float = Field(
        2.0, ge=0,
        description="Merge adjacent intervals into one tranche window until it expects at least this many trades (thin names).",
    )
    auctions: bool = Field(False, description="Allow tranches in the opening and closing auctions (when the profile has their volume).")
    limit_rules: list[Literal["join", "improve_1", "improve_2", "improve_3", "mid", "cross"]] = Field(
        ["join", "improve_1", "improve_2", "mid", "cross"],
        description="Limit-price rules the planner chooses from, relative to the prevailing quote at the tranche's start.",
    )
    tick_px: float = Field(0.01, gt=0, description="Price increment at or above subdollar_below_px.")
    subdollar_tick_px: float = Field(0.0001, gt=0, description="Price increment below subdollar_below_px.")
    subdollar_below_px: float = Field(1.0, ge=0, description="Prices below this use subdollar_tick_px.")
    overnight_variance_frac: float = Field(
        0.2, ge=0, lt=1, description="Share of a day's return variance that falls overnight (timing risk of multi-day plans)."
    )
    fill_method: Literal["km", "hazard"] = Field(
        "km",
        description=(
            "Probability of a fill within a window: Kaplan-Meier by time of day (km), or the piecewise-constant "
            "proportional-hazards fit with spread and time-of-day covariates (hazard)."
        ),
    )
    fill_lookback_days: int = Field(20, ge=1, description="Trading days of ticks the fill-probability model is fitted on.")
    fill_placement_interval_s: float = Field(
        60.0, gt=0, description="Seconds between virtual limit orders placed through the history to fit the fill model."
    )
    fill_horizons_minutes: list[float] = Field(
        [5.0, 15.0, 30.0, 60.0, 120.0, 240.0],
        description=(
            "Window lengths in minutes at which executable volume and price drift are recorded (was fill_horizons_min)."
        ),
    )
    fill_queue_ahead_frac: float = Field(
        1.0, ge=0, le=1,
        description="Share of the displayed size at the limit price assumed ahead of a virtual order that joins it.",
    )
    fill_order_shares: float | None = Field(
        None, gt=0, description="Size of the virtual order whose fill is timed; null = one round lot."
    )
    fill_tod_edge_minutes: int = Field(
        60,
        ge=1,
        description=(
            "Time-of-day strata of the fill model: the first and last this many minutes, and the rest (was fill_tod_edge_min)."
        ),
    )
    fill_min_obs: int = Field(
        200, ge=1, description="Fewest virtual orders in a time-of-day stratum to use it (else the pooled curve)."
    )

    @field_validator("fill_horizons_minutes")
    @classmethod
    def _horizons(cls, v):
        if not v or any(x <= 0 for x in v):
            raise ValueError("positive window lengths in minutes")
        return sorted(set(float(x) for x in v))

    @property
    def fill_horizons_min(self) -> list[float]:
        """Deprecated name of :attr:`fill_horizons_minutes` (kept for one release)."""
        return self.fill_horizons_minutes

    @property
    def fill_tod_edge_min(self) -> int:
        """Deprecated name of :attr:`fill_tod_edge_minutes` (kept for one release)."""
        return self.fill_tod_edge_minutes

    @field_validator("limit_rules")
    @classmethod
    def _rules(cls, v):
        if not v:
            raise ValueError("at least one limit rule")
        return list(dict.fromkeys(v))


class FeesConfig(_Section):
    """Commission and US regulatory fees: included in every cost liqcost reports and shown apart (fees_bps, fees_usd).

    Current rates, as we could check them (set yours; each regulatory rate has the date it applies from):
    SEC section 31 fee: $0.00 per million of sale proceeds from 2025-05-14 (SEC Release 34-102779, "Order Making
    Fiscal Year 2025 Annual Adjustments to Transaction Fee Rates", April 8, 2025, and FINRA Information Notice
    of April 24, 2025: the SEC had collected its fiscal 2025 appropriation; the rate before was $27.80 per
    million). The fiscal 2026 order (SEC Release 34-104909, February 27, 2026) sets a new rate that we could not
    read with our tools: take it from the SEC's current fee rate advisory. FINRA Trading Activity Fee (By-Laws
    Schedule A, section 1): $0.000166 per share sold, at most $8.30 per trade, from 2024-01-01, as we recall
    FINRA's schedule; not verified with our tools, and FINRA's 2024 fee filing (SR-FINRA-2024-019) raises the TAF
    in steps from 2026 to 2029: check the current Schedule A.
    """

    commission_per_share_usd: float = Field(
        0.0, ge=0, description="Broker commission per share, both sides (set your broker's rate; 0 = none)."
    )
    commission_bps: float = Field(0.0, ge=0, description="Broker commission in bps of the notional, both sides.")
    commission_min_usd: float = Field(0.0, ge=0, description="Smallest commission of an order.")
    regulatory: Literal["auto", "on", "off"] = Field(
        "auto",
        description="SEC fee and FINRA TAF on sells: on, off, or auto (on when session.currency is USD: US equities).",
    )
    sec_fee_per_million_usd: float = Field(
        0.0, ge=0,
        description=(
            "SEC section 31 fee on sales, currency per million of proceeds ($0.00 from 2025-05-14, SEC Release 34-102779; "
            "the fiscal 2026 rate of Release 34-104909 could not be checked: set it)."
        ),
    )
    sec_fee_effective: date = Field(date(2025, 5, 14), description="Date from which sec_fee_per_million_usd applies.")
    taf_per_share_usd: float = Field(
        0.000166, ge=0,
        description="FINRA Trading Activity Fee per share sold ($0.000166 from 2024-01-01, not verified; see the section's note).",
    )
    taf_max_per_trade_usd: float = Field(8.30, ge=0, description="Cap of the FINRA TAF per trade (execution).")
    taf_effective: date = Field(date(2024, 1, 1), description="Date from which the TAF rate and cap apply.")


class OrdersConfig(_Section):
    """How every command reads an order (pretrade, plan and the rest apply the same rules)."""

    fractional_shares: Literal["refuse", "round_down"] = Field(
        "refuse",
        description=(
            "An order for a fractional number of shares (100.5): refuse it (the row is reported), or round it down "
            "to whole shares (with a note). Plans are made of whole shares, so both commands follow this."
        ),
    )


class TcaConfig(_Section):
    """Post-trade cost review of your fills (liqcost.tca)."""

    markout_horizons_s: list[float] = Field(
        [60.0, 300.0, 1800.0],
        description="Clock horizons in seconds of the markouts after each fill and after each order's last fill.",
    )
    markout_close: bool = Field(True, description="Also mark each fill and order to the midpoint at that day's close.")
    markout_horizons_trades: list[int] = Field(
        [1, 5, 20], description="Trade-count horizons of the markouts: the midpoint at the n-th later market trade."
    )
    opportunity_price: Literal["window_end", "close"] = Field(
        "window_end",
        description=(
            "Price of the unfilled remainder (opportunity cost): the midpoint at the order's end time when the "
            "orders give one, else at the close of its last day (window_end); or always at that close (close)."
        ),
    )
    price_range_tolerance_frac: float = Field(
        0.05,
        ge=0,
        description=(
            "A fill priced further than this fraction below the day's low or above its high is quarantined "
            "(a typo, a wrong symbol or a wrong day)."
        ),
    )
    own_fills_in_tape: bool = Field(
        True,
        description=(
            "Your fills are among the market trades (a consolidated tape): participation is own / market volume; "
            "false uses own / (own + market volume)."
        ),
    )
    band_z: float = Field(
        1.0, gt=0, description="Half-width of the model band around the expected cost, in standard deviations of its risk."
    )
    outlier_z: float = Field(3.0, gt=0, description="Orders whose realized cost is more than this many risk units from the model are listed as outliers.")
    size_bands_frac_adv: list[float] = Field(
        [0.01, 0.05, 0.10, 0.25],
        description="Edges of the size bands (order size as a fraction of ADV) the model review aggregates by.",
    )

    @field_validator("markout_horizons_s", "markout_horizons_trades", "size_bands_frac_adv")
    @classmethod
    def _positive_sorted(cls, v):
        if any(x <= 0 for x in v):
            raise ValueError(f"positive values, got {v}")
        return sorted(dict.fromkeys(v))


class CalibrationConfig(_Section):
    """Fitting the impact models to your own orders (liqcost.models.calibrate)."""

    models: list[Literal["sqrt", "power", "istar", "almgren2005", "crossover", "log"]] = Field(
        ["sqrt", "power", "istar", "almgren2005"],
        description=(
            "Models fitted: sqrt (Y), power (Y and the size exponent; a check of the square root), istar, "
            "almgren2005, crossover (Y at its crossover size), log (a at its b)."
        ),
    )
    target: Literal["impact", "cost"] = Field(
        "impact",
        description=(
            "What is fitted: the impact (realized cost less the half-spread each fill paid against its prevailing "
            "midpoint) or the whole cost (the model's half-spread from the profile included)."
        ),
    )
    loss: Literal["linear", "soft_l1", "huber", "cauchy", "arctan"] = Field(
        "soft_l1", description="Loss of scipy.optimize.least_squares on the risk-scaled residuals (robust unless linear)."
    )
    f_scale: float = Field(
        2.0,
        gt=0,
        description=(
            "Soft margin of the robust loss, in robust standard deviations (1.4826 x MAD) of the residuals of a "
            "first linear-loss fit: residuals beyond it are down-weighted."
        ),
    )
    min_orders: int = Field(10, ge=3, description="Fewest usable orders for a fit (a CalibrationError below).")
    warn_orders: int = Field(30, ge=3, description="Fits on fewer orders than this carry a FewObservationsWarning.")
    min_range_ratio: float = Field(
        2.0,
        gt=1,
        description=(
            "An exponent is fitted only when its input (size, volatility, participation) spans at least this ratio "
            "between its 10th and 90th percentiles; otherwise it is held at its current value."
        ),
    )
    size_buckets_frac_adv: list[float] = Field(
        [0.02, 0.05, 0.10, 0.20],
        description="Edges of the size buckets (fraction of ADV) in which Y of the square-root law is fitted separately.",
    )
    min_orders_per_bucket: int = Field(15, ge=3, description="Fewest orders in a size bucket for its own fit.")
    permanent_horizon_s: float = Field(
        1800.0,
        gt=0,
        description=(
            "Seconds after an order's last fill at which the midpoint gives its permanent impact (Almgren et al. "
            "2005 use 30 minutes); one of tca.markout_horizons_s."
        ),
    )
    min_lookback_days: int = Field(
        5, ge=1, description="Orders whose as-of profile rests on fewer trading days are left out of the fits."
    )
    train_frac: float = Field(
        0.7, gt=0, lt=1, description="Share of the trading dates (oldest first) fitted in the out-of-sample check; the rest are scored."
    )
    max_nfev: int = Field(2000, ge=1, description="Most function evaluations of one least-squares fit.")

    @field_validator("size_buckets_frac_adv")
    @classmethod
    def _edges(cls, v):
        if any(x <= 0 for x in v):
            raise ValueError(f"positive fractions of ADV, got {v}")
        return sorted(dict.fromkeys(v))

    @field_validator("models")
    @classmethod
    def _models(cls, v):
        if not v:
            raise ValueError("at least one model")
        return list(dict.fromkeys(v))

    @model_validator(mode="after")
    def _counts(self):
        if self.warn_orders < self.min_orders:
            raise ValueError(f"warn_orders ({self.warn_orders}) must not be below min_orders ({self.min_orders})")
        return self


class EngineConfig(_Section):
    """How batch work over symbol-days is run."""

    workers: int = Field(
        0,
        ge=0,
        description="Threads for local runs; 0 means one per core. With a remote Dask scheduler, the number of "
        "workers to plan batches for (0: 16).",
    )
    scheduler: str | None = Field(
        None,
        description="Run batch work on Dask (pip install 'liqcost[dask]'): tcp://HOST:PORT of a running scheduler, "
        "or local:N to start N local worker processes for the run; null runs in-process on threads. The "
        "dataset must be on storage every worker reads at the same path (docs/cluster.md).",
    )
    retries: int = Field(
        2,
        ge=0,
        description="Dask: times a batch that raised is run again before it is reported as failed (a batch whose "
        "worker died is moved to another worker by the scheduler).",
    )
    worker_threads: int = Field(
        1,
        ge=1,
        description="Dask: threads of polars and numba inside one task (one task per worker process).",
    )
    batch_rows: int = Field(
        2_000_000,
        ge=1000,
        description="Target rows (trades + quotes) per batch of symbol-days handed to one worker (memory vs overhead).",
    )


    @field_validator("scheduler")
    @classmethod
    def _scheduler(cls, v):
        if v is None:
            return v
        v = v.strip()
        if not re.match(r"^(local:[1-9]\d*|(tcp|tls)://[^\s/:]+:\d+/?)$", v):
            raise ValueError(f"tcp://HOST:PORT, tls://HOST:PORT or local:N (N >= 1), got {v!r}")
        return v


class DatasetConfig(_Section):
    """How ``liqcost ingest`` writes a dataset (see docs/dataset.md)."""

    compact_max_files: int = Field(
        8,
        ge=1,
        description="A bucket (symbol-month of ticks, symbol-year of bars, a symbol's orders) holding more live "
        "files than this is rewritten as one file in the same commit (copy-on-write compaction).",
    )
    vacuum_grace_s: float = Field(
        3600.0,
        ge=0,
        description="Seconds a file stays on disk after a commit removed it (a reader may still be reading it), "
        "and the age below which a file no commit references is left alone (a writer may be about to commit it).",
    )
    checkpoint_interval: int = Field(
        20,
        ge=1,
        description="Write a checkpoint of the full dataset state every this many commits (readers then replay "
        "at most this many log entries).",
    )
    commit_retries: int = Field(
        20,
        ge=0,
        description="Times a writer that lost the race for a version number re-plans against the new state and "
        "tries again before giving up with an error.",
    )
    fsync: bool = Field(
        True,
        description="Flush data files and log entries to disk before a commit is published (survives a power "
        "cut, not only a killed process).",
    )


class Config(_Section):
    """The whole liqcost configuration."""

    session: SessionConfig = Field(default_factory=SessionConfig, description="Exchange session and calendar.")
    ingest: IngestConfig = Field(default_factory=IngestConfig, description="Ingest validation and quarantine rules.")
    measures: MeasuresConfig = Field(default_factory=MeasuresConfig, description="Tick liquidity measures.")
    bars: BarsConfig = Field(default_factory=BarsConfig, description="Bar-based estimators and size bands.")
    impact: ImpactConfig = Field(default_factory=ImpactConfig, description="Market-impact models.")
    pretrade: PretradeConfig = Field(default_factory=PretradeConfig, description="Pre-trade sizing check.")
    planner: PlannerConfig = Field(default_factory=PlannerConfig, description="Tranche planner.")
    fees: FeesConfig = Field(
        default_factory=FeesConfig,
        description=(
            "Commission and regulatory fees, in every cost and shown apart (where the default rates come from: "
            "liqcost.config.FeesConfig and docs/costs.md)."
        ),
    )
    orders: OrdersConfig = Field(default_factory=OrdersConfig, description="Rules for reading orders.")
    tca: TcaConfig = Field(default_factory=TcaConfig, description="Post-trade cost review.")
    calibration: CalibrationConfig = Field(default_factory=CalibrationConfig, description="Impact-model calibration from fills.")
    simulate: SimOptions = Field(
        default_factory=SimOptions, description="Replay of plans on the recorded ticks (liqcost simulate)."
    )
    engine: EngineConfig = Field(default_factory=EngineConfig, description="Batch execution.")
    dataset: DatasetConfig = Field(default_factory=DatasetConfig, description="Dataset writing: compaction, vacuum, commits.")


# --------------------------------------------------------------------------------------------- loading


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file with ``yaml.safe_load``; malformed YAML becomes a ConfigError with line/column."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{p}: file not found; check the path (or create one with `liqcost config init -o {p}`).") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot be read as a text YAML file ({exc.__class__.__name__}).") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{p}: malformed YAML{where}: {problem}; fix the syntax and retry.") from None


def _known_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the (nested) model at ``loc`` (for did-you-mean on unknown keys)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        ann = fields[part].annotation
        current = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}).keys())


def format_validation_error(exc: ValidationError, model: type[BaseModel], prefix: str = "") -> list[str]:
    """Turn a pydantic ValidationError into ``dotted.key: expected X, got Y`` lines."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc) or "(top level)"
        if prefix:
            key = f"{prefix}.{key}" if loc else prefix
        etype = err["type"]
        got = err.get("input")
        if etype == "extra_forbidden":
            known = _known_keys(model, loc[:-1])
            match = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.5)
            hint = f" (did you mean '{match[0]}'?)" if match else (f"; known keys: {', '.join(known)}" if known else "")
            lines.append(f"{key}: unknown key{hint}")
        elif etype == "missing":
            lines.append(f"{key}: required key is missing")
        else:
            msg = err["msg"]
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, ") :]
            elif msg.startswith("Input should be "):
                msg = msg[len("Input should be ") :]
            elif msg.startswith("Assertion failed, "):
                msg = msg[len("Assertion failed, ") :]
            msg = msg[0].lower() + msg[1:] if msg else msg
            if " got " in msg:
                lines.append(f"{key}: expected {msg}")
            else:
                lines.append(f"{key}: expected {msg}, got {_short(got)}")
    return lines


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_model(model: type[BaseModel], data: Any, source: str, prefix: str = "") -> Any:
    """Validate ``data`` into ``model``; every problem is collected into one ConfigError naming ``source``."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}: expected a mapping of keys to values at the top level, got {type(data).__name__}."
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = format_validation_error(exc, model, prefix)
        raise ConfigError(
            f"{source}: {len(problems)} problem{'s' if len(problems) != 1 else ''} in the config:\n  "
            + "\n  ".join(problems),
            problems,
        ) from None


def set_dotted(data: dict, dotted: str, value: Any) -> None:
    """Set ``data['a']['b'] = value`` for ``dotted='a.b'``, creating the path."""
    parts = dotted.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"{dotted}: cannot set a key under a non-mapping value.")
    node[parts[-1]] = value


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Build the effective configuration.

    Parameters
    ----------
    path : str or Path, optional
        A YAML config file. ``None`` uses the defaults only.
    overrides : dict, optional
        Dotted keys to values from command-line flags (``{"measures.quote_lag_s": 1.0}``). ``None``
        values are ignored, so an unset flag never overrides the file.

    Returns
    -------
    Config
        The frozen, validated configuration.

    Raises
    ------
    liqcost.errors.ConfigError
        With every problem listed as ``dotted.key: expected X, got Y``.
    """
    data: Any = {}
    source = "defaults"
    if path is not None:
        data = load_yaml(path)
        source = str(path)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: expected a mapping of sections (session:, measures: ...), got {type(data).__name__}.")
    data = _deep_copy(data)
    rename_deprecated_keys(data, source)
    overrides = {RENAMED_KEYS.get(k, k): v for k, v in (overrides or {}).items()}
    for key, value in overrides.items():
        if value is not None:
            set_dotted(data, key, value)
    return parse_model(Config, data, source)


#: Config keys renamed in 0.2 (old dotted key -> new dotted key). The old names are accepted, with a
#: :class:`~liqcost.errors.DeprecatedKeyWarning`, until the next release.
RENAMED_KEYS: dict[str, str] = {
    "measures.profile_interval_min": "measures.profile_interval_minutes",
    "planner.fill_horizons_min": "planner.fill_horizons_minutes",
    "planner.fill_tod_edge_min": "planner.fill_tod_edge_minutes",
}


def rename_deprecated_keys(data: dict, source: str) -> None:
    """Move every renamed key of ``data`` (a parsed config file, changed in place) to its new name.

    Each old key found gives one :class:`~liqcost.errors.DeprecatedKeyWarning` naming the new key; a file
    that holds both names is a :class:`~liqcost.errors.ConfigError` (which one is meant is unclear).
    """
    import warnings

    from liqcost.errors import DeprecatedKeyWarning

    for old, new in RENAMED_KEYS.items():
        section, old_key = old.split(".")
        new_key = new.split(".")[1]
        node = data.get(section)
        if not isinstance(node, dict) or old_key not in node:
            continue
        if new_key in node:
            raise ConfigError(
                f"{source}: {old} and {new} are both set; {old} is the old name of {new}: keep only {new}.",
                [f"{old}: renamed {new}, which is also set"],
            )
        node[new_key] = node.pop(old_key)
        warnings.warn(
            f"{source}: config key {old} is renamed {new}; rename it in the file (the old name is accepted until the next release).",
            DeprecatedKeyWarning,
            stacklevel=3,
        )


def _deep_copy(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _deep_copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_deep_copy(v) for v in data]
    return data


# ------------------------------------------------------------------------------------------- rendering


def _yaml_scalar(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=1000, sort_keys=False).strip()
    if text.endswith("\n..."):
        text = text[: -len("\n...")]
    if text.endswith("..."):
        text = text[:-3].strip()
    return text


def render_yaml(config: BaseModel | None = None, comments: bool = True) -> str:
    """Render a config as YAML, each option preceded by its description as a comment.

    ``render_yaml()`` is the documented default config (``configs/default.yaml``).
    """
    config = config if config is not None else Config()
    lines: list[str] = []
    if comments:
        lines += [
            "# liqcost configuration. Every option is shown with its default and its meaning.",
            "# Keep only what you change; unknown keys are errors. Check a file with `liqcost config check FILE`.",
            "",
        ]
    _render(config, lines, 0, comments)
    return "\n".join(lines).rstrip() + "\n"


def _render(model: BaseModel, lines: list[str], indent: int, comments: bool) -> None:
    pad = "  " * indent
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            if comments and field.description:
                lines.append(f"{pad}# {field.description}")
            lines.append(f"{pad}{name}:")
            _render(value, lines, indent + 1, comments)
            if indent == 0:
                lines.append("")
        else:
            if comments and field.description:
                lines.append(f"{pad}# {field.description}")
            lines.append(f"{pad}{name}: {_yaml_scalar(value)}")

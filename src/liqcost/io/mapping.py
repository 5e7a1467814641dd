r"""Column mappings: how a user's file maps onto a canonical frame, as a YAML file.

A mapping file looks like this (every key optional)::

    kind: trades                 # trades | quotes | bars | fills | orders (the --kind flag wins)
    format: csv                  # csv | parquet | a vendor format (dbn, lobster, taq, binance, daily_csv)
    columns:                     # canonical name: source column (or a list of columns joined by a space)
      ts: [Date, Time]
      price: Px
      size: Qty
      symbol: Ticker
    symbol: XYZ                  # a constant symbol for files that hold one name
    symbol_from_filename: '^(?P<symbol>[A-Za-z.]+)_'   # or true for the file stem
    timestamp:
      format: '%Y-%m-%d %H:%M:%S%.f'   # or epoch_s|ms|us|ns, iso, s|ms|us|ns_since_midnight
      timezone: America/New_York       # for stamps without a zone
      date_from_filename: '(?P<date>\d{8})'   # the date of times of day (Lean: 20131007_trade.csv)
      ambiguous: raise                 # DST fold (01:30 twice): earliest | latest | raise (quarantine)
      nonexistent: quarantine          # DST gap (02:30 never): quarantine | shift_forward
    price_scale: 0.0001          # multiply every price column (prices in 1/10000 dollars)
    size_scale: 1                # multiply every size column (e.g. 100 for round lots)
    side_values: {B: 1, S: -1}   # how the file spells buy/sell for side/aggressor
    csv: {separator: ',', has_header: true, skip_rows: 0, comment_prefix: null}
    duplicates: keep             # override ingest.duplicates for this file
    quotes: {merge_one_sided: true}   # bid and offer written as separate one-sided rows (Lean, AlgoSeek)
    options: {}                  # options of a vendor format reader

Unknown keys are errors with a did-you-mean, like the main config.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from liqcost.config import load_yaml, parse_model

__all__ = ["Mapping", "TimestampSpec", "QuoteSpec", "CsvSpec", "load_mapping", "TIME_OF_DAY_FORMATS", "EPOCH_FORMATS"]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: time-of-day formats: unit -> nanoseconds per unit
TIME_OF_DAY_FORMATS = {"s_since_midnight": 1_000_000_000, "ms_since_midnight": 1_000_000, "us_since_midnight": 1_000,
                       "ns_since_midnight": 1}
#: epoch formats: unit -> nanoseconds per unit
EPOCH_FORMATS = {"epoch_s": 1_000_000_000, "epoch_ms": 1_000_000, "epoch_us": 1_000, "epoch_ns": 1}


class TimestampSpec(_M):
    """How time stamps are written in the file."""

    format: str = Field(
        "auto",
        description=(
            "auto | iso | epoch_s | epoch_ms | epoch_us | epoch_ns | s_since_midnight | ms_since_midnight | "
            "us_since_midnight | ns_since_midnight (with date_from_filename) | a strftime pattern such as "
            "%Y-%m-%d %H:%M:%S%.f"
        ),
    )
    timezone: str | None = Field(
        None, description="Time zone of stamps that carry none (default: the config's session time zone)."
    )
    date_from_filename: str | None = Field(
        None,
        description=(
            "Regular expression whose named group (?P<date>...) finds the date in the file name (YYYYMMDD or "
            "YYYY-MM-DD); times of day (the *_since_midnight formats, or a strftime pattern without a date) "
            "count from that local midnight."
        ),
    )
    ambiguous: Literal["earliest", "latest", "raise"] = Field(
        "raise",
        description=(
            "A naive local time that occurs twice (DST fold, e.g. 01:30 on the autumn change): the first (daylight) "
            "instant, the later (standard) one, or raise = quarantine the row with the reason "
            "'ambiguous local time (DST fold)'."
        ),
    )
    nonexistent: Literal["quarantine", "shift_forward"] = Field(
        "quarantine",
        description=(
            "A naive local time that never occurs (DST gap, e.g. 02:30 on the spring change): quarantine the row, "
            "or shift_forward = read it with the offset in force before the gap (02:30 becomes 03:30 daylight time)."
        ),
    )

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v):
        if v is None:
            return v
        from liqcost.config import check_timezone

        return check_timezone(v)

    @field_validator("date_from_filename")
    @classmethod
    def _date_regex(cls, v):
        if v is None:
            return v
        try:
            pattern = re.compile(v)
        except re.error as exc:
            raise ValueError(f"a valid regular expression ({exc})") from None
        if "date" not in pattern.groupindex:
            raise ValueError("a regular expression with a named group (?P<date>...) matching YYYYMMDD or YYYY-MM-DD")
        return v

    @model_validator(mode="after")
    def _time_of_day_needs_date(self):
        if self.format in TIME_OF_DAY_FORMATS and self.date_from_filename is None:
            raise ValueError(
                f"format {self.format} is a time of day: add date_from_filename, a regular expression with a "
                "(?P<date>...) group that finds the date in the file name"
            )
        return self

    @property
    def is_time_of_day(self) -> bool:
        """Whether the stamps are times of day counted from the date in the file name."""
        return self.format in TIME_OF_DAY_FORMATS or (
            self.date_from_filename is not None and self.format not in EPOCH_FORMATS and self.format not in ("auto", "iso")
        )


class QuoteSpec(_M):
    """How quotes are written in the file."""

    merge_one_sided: bool | None = Field(
        None,
        description=(
            "Rows that carry only the bid or only the offer (the other side's price 0 or NaN, as Lean writes them): "
            "take the other side from the symbol-day's last quote of that side (overrides ingest.merge_one_sided_quotes)."
        ),
    )


class CsvSpec(_M):
    """CSV dialect."""

    separator: str = Field(",", description="Field separator (one character).")
    has_header: bool = Field(True, description="Whether the first line names the columns.")
    skip_rows: int = Field(0, ge=0, description="Lines to skip before the header.")
    comment_prefix: str | None = Field(None, description="Lines starting with this are ignored.")
    column_names: list[str] | None = Field(None, description="Names for the columns of a file without header.")

    @field_validator("separator")
    @classmethod
    def _one_char(cls, v: str) -> str:
        if len(v) != 1:
            raise ValueError(f"a single character, got {v!r}")
        return v


class Mapping(_M):
    """A column mapping (see the module docstring for an example)."""

    kind: Literal["trades", "quotes", "bars", "fills", "orders"] | None = Field(None, description="What the file holds.")
    format: str | None = Field(None, description="csv | parquet | a vendor format name.")
    columns: dict[str, str | list[str]] = Field(default_factory=dict, description="Canonical name -> source column(s).")
    symbol: str | None = Field(None, description="Constant symbol for every row.")
    symbol_from_filename: bool | str | None = Field(
        None, description="true: the file stem is the symbol; a regex with a (?P<symbol>...) group: its match."
    )
    timestamp: TimestampSpec = Field(default_factory=TimestampSpec, description="Time-stamp parsing.")
    price_scale: float = Field(1.0, gt=0, description="Multiply every price column by this.")
    size_scale: float = Field(1.0, gt=0, description="Multiply every size column by this.")
    side_values: dict[str, int] = Field(
        default_factory=dict, description="Extra spellings of buy (+1) and sell (-1) for side/aggressor columns."
    )
    csv: CsvSpec = Field(default_factory=CsvSpec, description="CSV dialect.")
    duplicates: Literal["quarantine", "keep"] | None = Field(
        None,
        description=(
            "Override ingest.duplicates for this file: 'keep' for feeds whose time stamps are too coarse to tell "
            "identical prints apart (TAQ trades in the same millisecond)."
        ),
    )
    quotes: QuoteSpec = Field(default_factory=QuoteSpec, description="Quote layout (one-sided rows).")
    options: dict[str, Any] = Field(default_factory=dict, description="Options passed to a vendor format reader.")

    @field_validator("symbol_from_filename")
    @classmethod
    def _regex(cls, v):
        if isinstance(v, str):
            try:
                pattern = re.compile(v)
            except re.error as exc:
                raise ValueError(f"a valid regular expression ({exc})") from None
            if "symbol" not in pattern.groupindex:
                raise ValueError("a regular expression with a named group (?P<symbol>...)")
        return v

    @field_validator("side_values")
    @classmethod
    def _sides(cls, v):
        bad = {k: s for k, s in v.items() if s not in (-1, 0, 1)}
        if bad:
            raise ValueError(f"values +1 (buy), -1 (sell) or 0 (unknown), got {bad}")
        return v

    def source_columns(self, name: str) -> list[str]:
        """Source column(s) for canonical ``name`` (the name itself when unmapped)."""
        src = self.columns.get(name, name)
        return [src] if isinstance(src, str) else list(src)

    def symbol_for(self, path: str | Path) -> str | None:
        """The symbol implied by the file name, if the mapping asks for it."""
        if self.symbol is not None:
            return self.symbol
        if self.symbol_from_filename is None or self.symbol_from_filename is False:
            return None
        stem = Path(path).name.split(".")[0]
        if self.symbol_from_filename is True:
            return stem.upper()
        match = re.search(self.symbol_from_filename, Path(path).name)
        return match.group("symbol") if match else None

    def date_for(self, path: str | Path):
        """The date named by ``timestamp.date_from_filename`` in the file name, or None when not asked for.

        Raises
        ------
        liqcost.errors.DataError
            When the name does not match the regular expression or the match is not a date.
        """
        import datetime as dt

        from liqcost.errors import DataError

        regex = self.timestamp.date_from_filename
        if regex is None:
            return None
        name = Path(path).name
        match = re.search(regex, name)
        if match is None or match.group("date") is None:
            raise DataError(
                f"{path}: the file name does not match timestamp.date_from_filename {regex!r}; rename the file or fix "
                "the regular expression in the mapping."
            )
        text = match.group("date")
        for fmt in ("%Y%m%d", "%Y-%m-%d", "%Y_%m_%d", "%Y.%m.%d"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise DataError(
            f"{path}: timestamp.date_from_filename found {text!r} in the file name, which is not a date as YYYYMMDD or "
            "YYYY-MM-DD; fix the regular expression's (?P<date>...) group."
        )


def load_mapping(path: str | Path | None) -> Mapping:
    """Load and validate a mapping YAML file (``None`` gives the identity mapping)."""
    if path is None:
        return Mapping()
    data = load_yaml(path)
    return parse_model(Mapping, data, str(path))

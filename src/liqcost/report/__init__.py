"""Self-contained HTML reports with charts (inline SVG and CSS, no script, no network to view them).

>>> from liqcost.report import liquidity_report            # doctest: +SKIP
>>> html = liquidity_report(built, config=cfg).to_html()    # built = build_from_dataset(...)

See ``docs/report.md`` for the reports, the charts and their input frames.
"""

from __future__ import annotations

from liqcost.report.build import (
    Report,
    Section,
    config_digest,
    frontier_section,
    liquidity_report,
    plan_report,
    pretrade_report,
    replay_section,
    tca_section,
)
from liqcost.report.charts import Chart

__all__ = [
    "Report",
    "Section",
    "Chart",
    "config_digest",
    "liquidity_report",
    "pretrade_report",
    "plan_report",
    "frontier_section",
    "replay_section",
    "tca_section",
]

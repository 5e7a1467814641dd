"""Assembly of one self-contained HTML file: inline CSS, inline SVG charts, tables, no script, no network.

A Content-Security-Policy in the page forbids every fetch (``default-src 'none'``), so the file opens the
same offline as online and cannot leak that it was opened. The page is deterministic except the single
line ``<p class="generated">...</p>`` that carries the time it was generated.
"""

from __future__ import annotations

import datetime as dt

from liqcost.report.svg import _e  # one escaping rule for SVG and HTML

__all__ = ["html_table", "page", "GENERATED_CLASS"]

#: the class of the one line that differs between two renders of the same report
GENERATED_CLASS = "generated"

CSS = """
:root{--ink:#1f2328;--muted:#5b6470;--line:#d8dde3;--soft:#f5f7f9;--accent:#0072B2;--crit:#b42318;--warn:#9a6700}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"DejaVu Sans",sans-serif;
color:var(--ink);background:#fff}
header{padding:22px 32px 14px;border-bottom:1px solid var(--line);background:var(--soft)}
h1{font-size:22px;margin:0 0 6px}
h2{font-size:18px;margin:28px 0 6px;padding-top:6px;border-top:1px solid var(--line)}
h3{font-size:14px;margin:14px 0 4px}
.meta{margin:0;color:var(--muted);font-size:13px}
.meta b{color:var(--ink);font-weight:600}
.generated{margin:4px 0 0;color:var(--muted);font-size:12px}
nav{padding:8px 32px;font-size:13px;border-bottom:1px solid var(--line)}
nav a{color:var(--accent);text-decoration:none;margin-right:16px}
main{padding:0 32px 32px}
.intro{color:var(--muted);margin:2px 0 8px;max-width:860px}
figure.chart{margin:10px 0 18px;max-width:860px}
figure.chart svg{width:100%;height:auto;display:block}
figcaption{color:var(--muted);font-size:12.5px;margin-top:2px}
.table-wrap{overflow-x:auto;margin:8px 0 14px}
table{border-collapse:collapse;font-size:12.5px;font-variant-numeric:tabular-nums}
th,td{padding:3px 10px;border-bottom:1px solid var(--line);white-space:nowrap;text-align:left}
th{font-weight:600;background:var(--soft);position:sticky;top:0}
td.num,th.num{text-align:right}
td.wrap{white-space:normal;min-width:260px}
tr.critical td{background:#fdf0ef}
span.sev-critical{color:var(--crit);font-weight:600}
span.sev-warn{color:var(--warn);font-weight:600}
ul.notes{color:var(--muted);font-size:12.5px;margin:4px 0 12px;padding-left:18px}
.empty{color:var(--muted);font-style:italic}
footer{padding:12px 32px;color:var(--muted);font-size:12px;border-top:1px solid var(--line)}
@media print{nav{display:none}h2{break-before:auto}figure.chart{break-inside:avoid}}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"




def html_table(frame, *, currency: str = "USD", ticks=None, max_rows: int = 200, wrap: tuple[str, ...] = ("message",)) -> str:
    """``frame`` as an HTML table, cells formatted by the same unit rules as the terminal."""
    from liqcost.render import column_kind, format_column, severity_of

    if frame.width == 0:
        return '<p class="empty">no columns</p>'
    shown = frame.head(max_rows)
    kinds = {c: column_kind(c, t, currency) for c, t in frame.schema.items()}
    cells = {c: format_column(shown.get_column(c), currency=currency, ticks=ticks) for c in frame.columns}
    num = {c for c, k in kinds.items() if k not in ("text", "bool", "list", "date", "datetime")}
    sev_cols = [c for c in frame.columns if c.lower() in ("severity", "status")]
    head = "".join(f'<th class="num">{_e(c)}</th>' if c in num else f"<th>{_e(c)}</th>" for c in frame.columns)
    body = []
    for i in range(shown.height):
        row_sev = None
        tds = []
        for c in frame.columns:
            text = cells[c][i]
            sev = severity_of(text) if c in sev_cols else None
            if sev == "critical":
                row_sev = "critical"
            inner = f'<span class="sev-{sev}">{_e(text)}</span>' if sev else _e(text)
            cls = "num" if c in num else ("wrap" if c in wrap else "")
            tds.append(f'<td class="{cls}">{inner}</td>' if cls else f"<td>{inner}</td>")
        tr = f'<tr class="{row_sev}">' if row_sev else "<tr>"
        body.append(tr + "".join(tds) + "</tr>")
    more = ""
    if frame.height > max_rows:
        more = f'<p class="empty">{frame.height - max_rows:,} more rows not shown</p>'
    return (f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
            + more)


def page(title: str, meta: list[tuple[str, str]], sections_html: list[tuple[str, str, str]], *,
         generated_at: dt.datetime | None = None, footer: str = "") -> str:
    """The HTML document.

    Parameters
    ----------
    title : str
        The report's title.
    meta : list of (label, value)
        The header line (data range, symbols, config digest, versions).
    sections_html : list of (id, title, html)
        The sections, in order (linked from the navigation bar).
    generated_at : datetime, optional
        The generation time (UTC now by default); the only line that differs between two renders.
    footer : str
        A line at the bottom.
    """
    from liqcost import __version__

    when = generated_at or dt.datetime.now(dt.timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    stamp = when.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    meta_html = " · ".join(f"{_e(k)} <b>{_e(v)}</b>" for k, v in meta)
    nav = "".join(f'<a href="#{_e(sid)}">{_e(stitle)}</a>' for sid, stitle, _ in sections_html)
    body = "\n".join(f'<section id="{_e(sid)}">\n<h2>{_e(stitle)}</h2>\n{html}\n</section>' for sid, stitle, html in sections_html)
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="liqcost {_e(__version__)}">',
        f"<title>{_e(title)}</title>",
        f"<style>{CSS.strip()}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{meta_html}</p>',
        f'<p class="{GENERATED_CLASS}">Generated {stamp} by liqcost {_e(__version__)}</p>',
        "</header>",
        f"<nav>{nav}</nav>",
        "<main>",
        body,
        "</main>",
        f"<footer>{_e(footer)}</footer>" if footer else "<footer></footer>",
        "</body>",
        "</html>",
        "",
    ])

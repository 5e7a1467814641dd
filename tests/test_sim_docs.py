"""The Python block of docs/simulate.md runs as written, on the committed sample."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_simulate_doc_block_runs(monkeypatch, capsys):
    text = (ROOT / "docs" / "simulate.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(ROOT)
    env: dict = {}
    exec(compile(code, "docs/simulate.md", "exec"), env)  # noqa: S102 - the documented example itself
    res, cmp = env["res"], env["cmp"]
    o = res.orders.row(0, named=True)
    assert o["qty_shares"] == 3000 and 0 < o["fill_rate_frac"] <= 1
    assert res.fills["qty"].sum() == o["filled_shares"]
    assert "pov5%" in cmp.distribution["variant"].to_list() and cmp.runs.height > 0
    out = capsys.readouterr().out
    assert "simulate" in out and "plan variants over start days" in out

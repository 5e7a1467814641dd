"""The README's Python API block runs as written (from a copy of the repository's sample data)."""

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_api_block_runs(tmp_path, monkeypatch, capsys):
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Python API"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    shutil.copytree(ROOT / "sample_data", tmp_path / "sample_data")
    monkeypatch.chdir(tmp_path)
    env: dict = {}
    exec(compile(code, "README.md", "exec"), env)  # noqa: S102 - the documented example itself
    assert env["prof"].profile.height == 5 and env["prof"].daily.height == 100
    book = env["book"]
    assert book.summary().height == 10 and not book.partial
    assert "least_liquid" in capsys.readouterr().out  # print(book) shows the terminal's tables
    res = env["res"]
    row = res.summary().row(0, named=True)
    assert row["side"] == "buy" and row["cost_low_bps"] <= row["cost_central_bps"] <= row["cost_high_bps"]
    assert res.partial and [p.where for p in res.problems] == ["orders row 2 (order THND-2)"]
    assert "qty 0 is not above zero" in res.problems[0].message
    p = env["p"]
    assert p.tranches["qty_shares"].sum() == 20000
    assert p.summary()["status"].to_list() == ["planned"] and p.fill_table().height > 0

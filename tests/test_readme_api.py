"""The README's Python API block runs as written (from a copy of the repository's sample data)."""

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_api_block_runs(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Python API"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    shutil.copytree(ROOT / "sample_data", tmp_path / "sample_data")
    monkeypatch.chdir(tmp_path)
    env: dict = {}
    exec(compile(code, "README.md", "exec"), env)  # noqa: S102 - the documented example itself
    rep = env["report"]
    assert rep.rows_read == rep.rows_kept + rep.rows_quarantined == 9_040 and sum(rep.reasons.values()) == 18
    assert env["trades"].height > 0 and set(env["trades"]["symbol"]) == {"THNA"}
    assert env["built"].profile.height == 5
    row = env["result"].orders.row(0, named=True)
    assert row["cost_low_bps"] <= row["cost_central_bps"] <= row["cost_high_bps"]
    p = env["p"]
    assert p.tranches["qty_shares"].sum() == 20000
    assert p.summary()["status"].to_list() == ["planned"]

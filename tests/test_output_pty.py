"""``liqcost pretrade`` and ``liqcost plan`` on the sample in a real pseudo-terminal of 80 and 120 columns:
no line wider than the terminal, headers whole (units visible), severities coloured on a terminal, and no
escape code under ``NO_COLOR`` or when stdout is not a terminal.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = str(ROOT / "sample_data" / "dataset")
ESC = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PRETRADE = ["pretrade", "--data", DATA, "--symbol", "THNA", "--side", "buy", "--qty", "80000"]
PLAN = ["plan", "--data", DATA, "--symbol", "THNB", "--side", "buy", "--qty", "8000"]


def run_in_pty(args: list[str], columns: int, env_extra: dict | None = None) -> tuple[int, str, str]:
    """Run ``python -m liqcost ARGS`` with stdout on a pty of ``columns`` x 50; stderr on a pipe."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES")}
    env.update({"COLUMNS": str(columns), "TERM": "xterm-256color", **(env_extra or {})})
    p = subprocess.Popen([sys.executable, "-m", "liqcost", *args], stdout=slave, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                         env=env, cwd=ROOT)
    os.close(slave)
    chunks = []
    while True:
        r, _, _ = select.select([master], [], [], 120)
        if not r:
            p.kill()
            raise TimeoutError(" ".join(args))
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the pty
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    err = p.stderr.read().decode()
    p.wait(timeout=60)
    return p.returncode, b"".join(chunks).decode().replace("\r\n", "\n"), err


def widest(text: str) -> int:
    return max((len(ESC.sub("", line)) for line in text.splitlines()), default=0)


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("args", [PRETRADE, PLAN], ids=["pretrade", "plan"])
def test_tables_fit_the_terminal(args, columns):
    code, out, err = run_in_pty(args, columns)
    assert code == 0, err
    assert widest(out) <= columns, "\n".join(line for line in out.splitlines() if len(ESC.sub("", line)) > columns)
    plain = ESC.sub("", out)
    if args is PRETRADE:
        # the one-row order is shown as field/value pairs, every field name whole
        for field in ("cost_central_bps", "cost_central_usd", "expected_days", "p_complete_5d", "liquidity_bucket"):
            assert re.search(rf"^{field}\s", plain, re.M), field
        assert "\x1b[1;31mcritical\x1b[0m" in out  # severities coloured on a terminal
        assert re.search(r"^cost_central_bps\s+\d{1,3}(,\d{3})*\.\d$", plain, re.M)  # bps: one decimal
        assert re.search(r"^order_adv_frac\s+\d+\.\d%$", plain, re.M)  # fractions as percent
    else:
        # every column either shown with its whole header (wrapped at underscores) or named in the note
        note = " ".join(re.findall(r"… \d+ more columns? not shown \(([^)]*)\)", plain.replace("\n", " ")))
        heads = plain.split("\n\n")[0]
        for col in ("tranche", "qty_shares", "limit_price_px", "expected_cost_bps", "expected_participation_frac"):
            parts = re.findall(r"[^_]*_+|[^_]+$", col)
            assert col in note or all(part in heads for part in parts), col
        if columns >= 120:
            assert "not shown" not in plain.split("\nsummary")[0]  # the whole plan fits 120 columns


def test_no_color_means_no_escape_codes():
    code, out, err = run_in_pty(PRETRADE, 100, {"NO_COLOR": "1"})  # the output with severities and bold headers
    assert code == 0, err
    assert "\x1b" not in out and widest(out) <= 100


def test_not_a_terminal_means_no_escape_codes():
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    p = subprocess.run([sys.executable, "-m", "liqcost", *PRETRADE], capture_output=True, text=True, env=env, cwd=ROOT,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    assert "\x1b" not in p.stdout and "\x1b" not in p.stderr
    assert "critical" in p.stdout and "cost_central_bps" in p.stdout

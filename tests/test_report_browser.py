"""Each sample report opened in headless Chromium: no console error, no network request, every chart drawn
(present, non-empty, its marks with a non-zero box), and a screenshot.

Chromium is driven through the DevTools protocol over ``--remote-debugging-pipe`` (messages are JSON
terminated by a NUL byte on file descriptors 3 and 4), so no websocket or driver package is needed. The
test skips when Debian's ``chromium`` is missing, except under ``CI=true`` where ``.ci/run`` installs it.

``LIQCOST_UPDATE_SCREENSHOTS=1`` writes the screenshots to ``docs/img/report_<name>.png``.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from test_report_sample import EXPECTED_CHARTS, WHEN, sample_reports

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--mute-audio", "--remote-debugging-pipe"]
VIEW_W = 1200

CHART_STATS = """
(() => {
  const charts = [];
  for (const svg of document.querySelectorAll('svg.lc-chart')) {
    const r = svg.getBoundingClientRect();
    const marks = [...svg.querySelectorAll('.mark')];
    const drawn = marks.filter(m => { const b = m.getBBox(); return b.width > 0 || b.height > 0; }).length;
    charts.push({id: svg.dataset.chart, width: r.width, height: r.height, marks: marks.length, drawn: drawn,
                 declared: Number(svg.dataset.marks)});
  }
  return {charts: charts, title: document.title, tables: document.querySelectorAll('table').length,
          generated: document.querySelectorAll('.generated').length,
          height: document.documentElement.scrollHeight};
})()
"""


_TRAMPOLINE = """
import fcntl, os, sys
r, w = int(sys.argv[1]), int(sys.argv[2])
hi_r, hi_w = fcntl.fcntl(r, fcntl.F_DUPFD, 10), fcntl.fcntl(w, fcntl.F_DUPFD, 10)
os.dup2(hi_r, 3)
os.dup2(hi_w, 4)
for fd in {r, w, hi_r, hi_w} - {3, 4}:
    os.close(fd)
os.execv(sys.argv[3], sys.argv[3:])
"""


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """A headless Chromium and one page, spoken to over the DevTools pipe."""

    def __init__(self, exe: str, profile_dir: Path):
        cmd_r, self._cmd_w = os.pipe()  # we write commands; Chromium reads them on fd 3
        self._res_r, res_w = os.pipe()  # Chromium writes replies and events on fd 4
        # a tiny trampoline puts the pipe ends on fds 3 and 4, then becomes Chromium
        self.proc = subprocess.Popen([sys.executable, "-c", _TRAMPOLINE, str(cmd_r), str(res_w), exe, *FLAGS,
                                      f"--user-data-dir={profile_dir}", "about:blank"], pass_fds=(cmd_r, res_w),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(cmd_r)
        os.close(res_w)
        self._id = 0
        self._replies: dict[int, dict] = {}
        self.events: queue.Queue = queue.Queue()
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.call(f"{domain}.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=VIEW_W, height=900, deviceScaleFactor=1,
                  mobile=False)

    def _read(self):
        buf = b""
        with os.fdopen(self._res_r, "rb", buffering=0) as f:
            while True:
                chunk = f.read(65536)
                if not chunk:
                    return
                buf += chunk
                while b"\0" in buf:
                    raw, buf = buf.split(b"\0", 1)
                    msg = json.loads(raw)
                    if "id" in msg:
                        with self._cond:
                            self._replies[msg["id"]] = msg
                            self._cond.notify_all()
                    else:
                        self.events.put(msg)

    def call(self, method: str, session: bool = False, timeout: float = 60, **params) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._id not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise TimeoutError(f"Chromium did not answer {method}")
                self._cond.wait(min(left, 0.5))
            reply = self._replies.pop(self._id)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def drain(self) -> list[dict]:
        out = []
        while True:
            try:
                out.append(self.events.get_nowait())
            except queue.Empty:
                return out

    def open(self, url: str, timeout: float = 60) -> list[dict]:
        """Navigate and wait for the load event; returns the events seen meanwhile."""
        self.drain()
        self.call("Page.navigate", session=True, url=url)
        seen, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                ev = self.events.get(timeout=0.5)
            except queue.Empty:
                continue
            seen.append(ev)
            if ev.get("method") == "Page.loadEventFired":
                time.sleep(0.3)  # late console messages
                return seen + self.drain()
        raise TimeoutError(f"{url} did not load")

    def evaluate(self, expression: str):
        res = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        if "exceptionDetails" in res:
            raise RuntimeError(res["exceptionDetails"])
        return res["result"]["value"]

    def screenshot(self, height: float, scale: float = 1.0) -> bytes:
        res = self.call("Page.captureScreenshot", session=True, format="png", captureBeyondViewport=True,
                        clip={"x": 0, "y": 0, "width": VIEW_W, "height": height, "scale": scale})
        return base64.b64decode(res["data"])

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._cmd_w)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    exe = chromium_path()
    if exe is None:
        msg = "chromium is not installed (apt-get install chromium); the report browser test needs it"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg + "; CI=true requires it (.ci/run installs it)")
        pytest.skip(msg)
    b = Browser(exe, tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


def _problems(events: list[dict]) -> list[str]:
    out = []
    for ev in events:
        m, p = ev.get("method"), ev.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
            out.append(f"console {p['type']}: {p.get('args')}")
        elif m == "Runtime.exceptionThrown":
            out.append(f"exception: {p.get('exceptionDetails')}")
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
            out.append(f"log: {p['entry'].get('text')}")
        elif m == "Network.requestWillBeSent":
            url = p.get("request", {}).get("url", "")
            if not url.startswith(("file:", "data:", "about:")):
                out.append(f"network request: {url}")
    return out


@pytest.mark.parametrize("name", sorted(EXPECTED_CHARTS))
def test_report_in_chromium(browser, name, tmp_path):
    path = tmp_path / f"report_{name}.html"
    path.write_text(sample_reports()[name].to_html(WHEN), encoding="utf-8")
    events = browser.open(path.as_uri())
    assert not _problems(events), _problems(events)
    stats = browser.evaluate(CHART_STATS)
    assert stats["generated"] == 1 and stats["title"]
    charts = {c["id"]: c for c in stats["charts"]}
    assert EXPECTED_CHARTS[name] <= set(charts), sorted(charts)
    for c in charts.values():
        assert c["width"] > 300 and c["height"] > 100, c  # laid out, not collapsed
        assert c["marks"] == c["declared"] > 0, c
        assert c["drawn"] == c["marks"], c  # every mark has a non-empty box
    png = browser.screenshot(min(stats["height"], 2600), scale=0.6)  # the top of the report, small enough for docs
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # a blank page compresses to a few kB
    if os.environ.get("LIQCOST_UPDATE_SCREENSHOTS") == "1":
        out = ROOT / "docs" / "img" / f"report_{name}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(png)

"""Every ``liqcost`` command line in README.md, docs/*.md and the commands' ``--help`` runs (issue 15, item 5).

What is an example
------------------
* In README.md and docs/*.md: every line of a ```bash (or sh, shell, console) block. Unlabelled blocks are
  synopses (``liqcost profile --data DATASET [--symbol S ...]``) and Python blocks have their own tests
  (test_readme_api.py, test_tca_docs.py, test_report_docs.py).
* In ``--help``: the lines starting with ``liqcost`` in each command's help text and epilog, and in the top-level
  epilog.
* Inline ``liqcost ...`` spans (between backquotes) in README.md, docs/*.md and every command's and option's help
  are recipes with placeholders (``-o FILE``): each must parse (the command and its options exist), nothing more.

How they run
------------
Each source (README.md, one docs page, one command's help) runs in its own fresh folder holding a copy of the
committed sample (``sample_data/``) and the repository's ``configs/``, as one bash script with the lines in
order (so a dataset an earlier line writes is there for a later one, and shell variables carry over), with
``D`` set to the shared public data (``../shared/data``) and ``M=configs/mappings`` as docs/formats.md says.
``liqcost`` on that script's PATH is a small client that hands its arguments to this test process, which runs
them in-process through ``click.testing.CliRunner`` (the same parsing and code as the console script, without
a new interpreter and numba cache load per line); every other command (``python -c ...``) runs as written.
In a line that installs liqcost (``pip install``, ``python3 -m venv``), only its ``liqcost`` commands run.

Each line is a test: every ``liqcost`` call in it must exit 0 and the line's shell status be 0, unless the line
ends with ``# fails: MESSAGE``: then its ``liqcost`` call must fail and say MESSAGE. A line ending with
``# slow`` (the benchmark-size sample) is parsed, not run, and so is every ``liqcost bench`` line of the README,
docs/BENCHMARKS.md and ``bench --help``: tests/test_bench.py runs those on the tiny size. A line that uses the shared data (``$D`` or a
variable set from it) skips with the reason when the data are absent, and fails when ``CI=true``. The README's
``liqcost sample --days 40 --metaorders 20 -o tca_sample`` is the command tests/test_tca_sample.py runs once per
session: its folder is linked in rather than generated again.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BENCH_DOCS, SHARED, require_shared

from liqcost.cli import COMMANDS, _available, cli, hoist_global_options

ROOT = Path(__file__).resolve().parents[1]
SHELL_LANGS = ("bash", "sh", "shell", "console")
#: example lines known to fail because of work on another branch (text -> why); a stale entry fails
#: test_known_broken_lines_still_exist
BROKEN_ELSEWHERE: dict[str, str] = {}


# ------------------------------------------------------------------------------------------ extraction
@dataclass
class Line:
    """One logical line of an example (continuations joined)."""

    source: str
    lineno: int
    text: str  # as written, without the trailing comment
    fails: str | None = None
    slow: bool = False
    index: int = 0

    @property
    def id(self) -> str:
        return f"{self.source}:{self.lineno}"

    @property
    def run_by_test_bench(self) -> bool:
        """A ``liqcost bench`` line that tests/test_bench.py runs: it runs every bench example of the README,
        docs/BENCHMARKS.md and ``liqcost bench --help`` on the tiny size (small takes a minute and medium
        several; running the tiny ones twice cost minutes of the suite), so here it is parsed, not run."""
        if self.source not in (*BENCH_DOCS, "liqcost bench --help"):
            return False
        return re.search(r"(^|[\s;&(])liqcost\s+(?:-\S+\s+(?:[^-\s]\S*\s+)?)*bench\b", self.text) is not None

    @property
    def has_liqcost(self) -> bool:
        return re.search(r"(^|[\s;&(])liqcost\s", self.text) is not None


def _scan(text: str) -> tuple[str, str, bool]:
    """``(code, comment, open)``: the shell code, its trailing comment (a ``#`` after a blank, outside quotes) and
    whether the text ends inside a quoted string (the line goes on on the next one)."""
    quote = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote is None:
            if ch == "\\":
                i += 1
            elif ch in "'\"":
                quote = ch
            elif ch == "#" and (i == 0 or text[i - 1].isspace()):
                return text[:i].rstrip(), text[i + 1:].strip(), False
        elif ch == quote:
            quote = None
        elif ch == "\\" and quote == '"':
            i += 1
        i += 1
    return text, "", quote is not None


def _logical(lines: list[tuple[int, str]], source: str) -> list[Line]:
    out: list[Line] = []
    buf, start = "", None
    for lineno, raw in lines:
        s = raw.rstrip()
        if start is None:
            start = lineno
        if s.endswith("\\"):
            buf += s[:-1] + " "
            continue
        if _scan(buf + s)[2]:
            buf += s + "\n"
            continue
        buf += s
        text, comment, _ = _scan(buf.strip())
        buf, first = "", start
        start = None
        if not text:
            continue
        if text.startswith("$ "):
            text = text[2:]
        fails = comment[len("fails:"):].strip() if comment.startswith("fails:") else None
        slow = comment.startswith("slow")
        if "pip install" in text or "-m venv" in text:  # setting up: only the liqcost commands of the line run
            text = " && ".join(p.strip() for p in text.split("&&") if p.strip().startswith("liqcost "))
            if not text:
                continue
        out.append(Line(source, first, text, fails, slow))
    return out


def markdown_lines(path: Path) -> list[Line]:
    text = path.read_text(encoding="utf-8")
    rel = str(path.relative_to(ROOT))
    out: list[Line] = []
    for m in re.finditer(r"^```(\w*)[^\n]*\n(.*?)^```", text, re.S | re.M):
        if m.group(1) not in SHELL_LANGS:
            continue
        first = text[: m.start(2)].count("\n") + 1
        out += _logical([(first + k, ln) for k, ln in enumerate(m.group(2).splitlines())], rel)
    return out


def _commands():
    """(name, click command) of every built command, config's subcommands included."""
    ctx = cli.make_context("liqcost", ["config", "show"], resilient_parsing=True)
    for name in COMMANDS:
        if _available(name):
            cmd = cli.get_command(ctx, name)
            yield name, cmd
            for sub in getattr(cmd, "commands", {}).values():
                yield f"{name} {sub.name}", sub


def help_lines() -> dict[str, list[Line]]:
    """Example lines of each command's help (its own folder each), and of the top-level help."""
    out = {}
    sources = [("liqcost --help", (cli.epilog or "") + "\n" + (cli.help or ""))]
    sources += [(f"liqcost {name} --help", (cmd.help or "") + "\n" + (cmd.epilog or "")) for name, cmd in _commands()]
    for source, text in sources:
        lines = [(k + 1, ln.strip()) for k, ln in enumerate(text.splitlines()) if ln.strip().startswith("liqcost ")]
        found = _logical(lines, source)
        if found:
            out[source] = found
    return out


def all_sources() -> dict[str, list[Line]]:
    out = {}
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        found = markdown_lines(path)
        if found:
            out[str(path.relative_to(ROOT))] = found
    out.update(help_lines())
    for lines in out.values():
        for k, line in enumerate(lines):
            line.index = k
    return out


SOURCES = all_sources()
_SLOW_TEXTS = {line.text for lines in SOURCES.values() for line in lines if line.slow}
for _line in (line for lines in SOURCES.values() for line in lines):
    _line.slow = _line.slow or _line.text in _SLOW_TEXTS  # the same line in a --help is as slow as where it is marked
LINES = [line for lines in SOURCES.values() for line in lines]


# ------------------------------------------------------------------------------------------ running
@dataclass
class Call:
    line: int
    argv: list[str]
    code: int
    out: str


@dataclass
class Outcome:
    calls: dict[int, list[Call]] = field(default_factory=dict)
    status: dict[int, int] = field(default_factory=dict)
    shell_output: str = ""


class _Server:
    """Runs the liqcost calls of the scripts in this process (one at a time; the script waits for each)."""

    def __init__(self, path: str):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(4)
        self.calls: list[Call] = []
        self.tca_sample: Path | None = None
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                buf = b""
                while not buf.endswith(b"\0"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
                req = json.loads(buf.rstrip(b"\0"))
                conn.sendall(json.dumps(self._run(req)).encode())

    def _run(self, req) -> dict:
        argv, cwd, line = req["argv"], req["cwd"], int(req.get("line") or -1)
        from test_tca_sample import COMMAND

        if argv == shlex.split(COMMAND)[1:]:  # generated once per session by test_tca_sample (linked in)
            self.calls.append(Call(line, argv, 0, "(tca_sample: the session's bundle)"))
            return {"stdout": "", "stderr": "", "code": 0}
        old = os.getcwd()
        os.chdir(cwd)
        try:
            r = CliRunner().invoke(cli, argv, env={"COLUMNS": "120"})
        finally:
            os.chdir(old)
        code, err = r.exit_code, r.stderr
        if r.exception is not None and not isinstance(r.exception, SystemExit):
            code = 3
            err += "".join(traceback.format_exception(r.exception))
        self.calls.append(Call(line, argv, code, r.stdout + err))
        return {"stdout": r.stdout, "stderr": err, "code": code}

    def close(self):
        self.sock.close()


_CLIENT = f"""#!{sys.executable}
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(os.environ["LIQCOST_EXAMPLES_SOCKET"])
s.sendall(json.dumps({{"argv": sys.argv[1:], "cwd": os.getcwd(), "line": os.environ.get("LIQCOST_EXAMPLE_LINE")}}).encode() + b"\\0")
buf = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
r = json.loads(buf)
sys.stdout.write(r["stdout"])
sys.stderr.write(r["stderr"])
sys.exit(r["code"])
"""


@functools.lru_cache(maxsize=1)
def _harness():
    import atexit

    root = Path(tempfile.mkdtemp(prefix="liqcost-examples-"))
    atexit.register(shutil.rmtree, root, True)
    bin_dir = root / "bin"
    bin_dir.mkdir()
    client = bin_dir / "liqcost"
    client.write_text(_CLIENT)
    client.chmod(0o755)
    server = _Server(str(root / "liqcost.sock"))
    return root, server


def _workspace(source: str) -> Path:
    root, _ = _harness()
    ws = root / re.sub(r"[^A-Za-z0-9_.-]+", "_", source)
    ws.mkdir()
    shutil.copytree(ROOT / "sample_data", ws / "sample_data")
    (ws / "configs").symlink_to(ROOT / "configs")
    if any("tca_sample" in line.text for line in SOURCES[source]):
        from test_tca_sample import sample_bundle

        (ws / "tca_sample").symlink_to(Path(sample_bundle()["tmp"].name) / "tca_sample")
    return ws


@functools.lru_cache(maxsize=None)
def outcome(source: str) -> Outcome:
    """Run the source's lines as one bash script (see the module docstring); each line's calls and status."""
    root, server = _harness()
    ws = _workspace(source)
    lines = SOURCES[source]
    status = ws / ".status"
    script = ["__lc_status() { echo \"$1 $2\" >> " + shlex.quote(str(status)) + "; }"]
    for line in lines:
        script.append(f"export LIQCOST_EXAMPLE_LINE={line.index}")
        script.append(": slow" if line.slow or line.run_by_test_bench else line.text)
        script.append(f"__lc_status {line.index} $?")
    env = {**os.environ, "PATH": f"{root / 'bin'}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "LIQCOST_EXAMPLES_SOCKET": server.path, "D": str(SHARED), "M": "configs/mappings", "COLUMNS": "120",
           "PYTHONPATH": str(ROOT / "src")}
    before = len(server.calls)
    p = subprocess.run(["bash", "-c", "\n".join(script)], cwd=ws, env=env, capture_output=True, text=True, timeout=1800)
    res = Outcome(shell_output=p.stdout[-4000:] + p.stderr[-4000:])
    for call in server.calls[before:]:
        res.calls.setdefault(call.line, []).append(call)
    for row in status.read_text().splitlines() if status.exists() else []:
        k, code = row.split()
        res.status[int(k)] = int(code)
    return res


def _uses_shared_data(line: Line) -> bool:
    derived = {"D"}
    for other in SOURCES[line.source]:
        for name, value in re.findall(r"\b([A-Z]\w*)=(\S+)", other.text):
            if any(f"${d}" in value for d in derived):
                derived.add(name)
    return any(re.search(rf"\${d}\b|\${{{d}}}", line.text) for d in derived)


def _parses(argv: list[str]) -> None:
    """Parse a liqcost command line as click would (the group, the command, a config subcommand); raise if not."""
    ctx = cli.make_context("liqcost", list(argv))
    args = hoist_global_options(cli, ctx, list(argv))
    names = [a for a in args if a in COMMANDS]
    assert names, f"no liqcost command in {argv}"
    name = names[0]
    rest = args[args.index(name) + 1:]
    command = cli.get_command(ctx, name)
    assert command is not None, f"`liqcost {name}` is not a built command"
    sub = command.make_context(name, rest, parent=ctx)
    if hasattr(command, "commands") and rest:
        inner = command.get_command(sub, rest[0])
        assert inner is not None, f"`liqcost {name} {rest[0]}` does not exist"
        inner.make_context(rest[0], rest[1:], parent=sub)


# ------------------------------------------------------------------------------------------ tests
def test_the_examples_are_found():
    assert len(SOURCES) >= 10 and len(LINES) >= 60
    assert {"README.md", "docs/tca.md", "liqcost --help", "liqcost tca --help", "liqcost calibrate --help",
            "liqcost report --help"} <= set(SOURCES)
    assert any(line.fails for line in LINES) and any(line.slow for line in LINES)


def _param(line: Line):
    if line.text in BROKEN_ELSEWHERE:
        return pytest.param(line, marks=pytest.mark.xfail(strict=True, reason=BROKEN_ELSEWHERE[line.text]), id=line.id)
    return pytest.param(line, id=line.id)


@pytest.mark.parametrize("line", [_param(line) for line in LINES])
def test_example_runs(line):
    if _uses_shared_data(line):
        require_shared()
    if line.slow or line.run_by_test_bench:
        for part in re.split(r"\s*(?:&&|;)\s*", line.text):
            if part.startswith("liqcost "):
                _parses(shlex.split(part)[1:])
        return
    res = outcome(line.source)
    calls = res.calls.get(line.index, [])
    if line.has_liqcost:
        assert calls, f"{line.id}: no liqcost call ran ({line.text}); shell said: {res.shell_output}"
    if line.fails:
        assert calls and any(c.code not in (0, 3) for c in calls), f"{line.id}: expected to fail: {line.text}"
        said = " ".join(" ".join(c.out.split()) for c in calls)
        assert " ".join(line.fails.split()) in said, f"{line.id}: expected {line.fails!r} in: {said[-2000:]}"
        return
    for c in calls:
        assert c.code == 0, f"{line.id}: `liqcost {' '.join(c.argv)}` exited {c.code}:\n{c.out[-3000:]}"
    assert res.status.get(line.index) == 0, f"{line.id}: `{line.text}` exited {res.status.get(line.index)}: {res.shell_output}"


# ------------------------------------------------------------------------------------------ inline recipes
def _inline_spans() -> list[tuple[str, str]]:
    spans = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        rel = str(path.relative_to(ROOT))
        spans += [(rel, s) for s in re.findall(r"`(liqcost [^`]+)`", path.read_text(encoding="utf-8"))]
    texts = [("liqcost --help", cli.help or "")]
    for name, cmd in _commands():
        texts.append((f"liqcost {name} --help", (cmd.help or "") + " " + (cmd.epilog or "")))
        texts += [(f"liqcost {name} --help", p.help or "") for p in cmd.params if getattr(p, "help", None)]
    for where, text in texts:
        spans += [(where, s) for s in re.findall(r"`(liqcost [^`]+)`", text)]
    # recipes with options; synopses (alternatives, optional parts) are not command lines
    return [(w, s) for w, s in spans if " -" in s and not re.search(r"[|\[\]{}]", s)]


INLINE = _inline_spans()


@pytest.mark.parametrize("where,span", INLINE, ids=[f"{w}: {' '.join(s.split())}" for w, s in INLINE])
def test_inline_recipes_parse(where, span):
    """The command and every option named exist (a recipe may leave a value or an argument out: ``--orders``)."""
    import click

    words = [w for w in shlex.split(span) if w not in ("...", "…")]
    try:
        _parses(words[1:])
    except click.exceptions.Exit:
        pass  # --help
    except click.UsageError as exc:
        assert not exc.message.startswith("No such"), f"{where}: `{span}`: {exc.message}"


def test_known_broken_lines_still_exist():
    texts = {line.text for line in LINES}
    assert not [t for t in BROKEN_ELSEWHERE if t not in texts], "fixed: remove it from BROKEN_ELSEWHERE"


def test_the_tca_sample_command_is_the_one_the_bundle_runs():
    from test_tca_sample import COMMAND

    assert any(line.text == COMMAND for line in LINES)

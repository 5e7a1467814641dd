"""The direction of imports inside liqcost (parsed with ast, every import statement, inside functions too).

The layers, lowest first (``../shared/DESIGN.md``): ``kernels``; the floor modules (``schema``, ``errors``,
``config``, ``calendar``, ``inputs``, ``result``, ``render``, ``data``: the files shipped with liqcost); ``io`` and ``engine`` (the edges that touch
files and threads); ``measures`` and ``models``; ``pretrade`` and ``planner``; ``app``; ``cli``. A layer
never imports a higher one; the library packages never touch files or threads (no ``io``, ``engine``);
``cli`` imports only ``app``, ``config``, ``errors``, ``result``/``render``, ``data`` and its own helpers.

Each exception is listed in ``EXEMPT`` with its reason, and the test fails when one is no longer needed.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
FLOOR = {"schema", "errors", "config", "calendar", "inputs", "result", "render", "data"}
RANK = {"kernels": 0, **{m: 1 for m in FLOOR}, "io": 2, "engine": 2, "measures": 3, "models": 3, "pretrade": 4,
        "planner": 4, "app": 5, "cli": 6, "__main__": 7}
LIBRARY = ("measures", "models", "pretrade", "planner")
CLI_MAY_IMPORT = {"app", "config", "errors", "result", "render", "schema", "cli", "liqcost", "data"}

#: (importing module prefix, imported module prefix) -> why it is allowed for now
EXEMPT = {
    ("liqcost.measures.daily", "liqcost.io"): "measures reads the dataset and writes the audit table until the "
                                              "dataset helper's move of the read path into app/ (issue 11, item 1)",
    ("liqcost.measures.daily", "liqcost.engine"): "measures dispatches the symbol-day partitions to threads until the "
                                                  "same move",
    ("liqcost.pretrade", "liqcost.app"): "the package liqcost.pretrade is callable as the front door lc.pretrade (the "
                                         "name is both the package and the command): its __call__ forwards to liqcost.app",
    ("liqcost.cli.output", "liqcost.io.atomic"): "the renderer writes -o FILE atomically (io.atomic has no dependencies)",
    ("liqcost.cli.cmd_config", "liqcost.io.atomic"): "config init writes its file atomically",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@lru_cache(maxsize=1)
def imports() -> dict[str, set[str]]:
    """Every liqcost module and the liqcost modules it imports (relative imports resolved)."""
    out = {}
    for f in sorted((SRC / "liqcost").rglob("*.py")):
        mod = _module_name(f)
        pkg = mod if f.name == "__init__.py" else mod.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(f.read_text(), str(f))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.split(".")[0] == "liqcost"}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                    name = ".".join(base + ([node.module] if node.module else []))
                else:
                    name = node.module or ""
                if name.split(".")[0] == "liqcost":
                    found.add(name)
                    # ``from liqcost import app`` imports the submodule (``__version__`` is a name, not a module)
                    found |= {f"{name}.{a.name}" for a in node.names if name == "liqcost"
                              and ((SRC / "liqcost" / a.name).is_dir() or (SRC / "liqcost" / f"{a.name}.py").is_file())}
        out[mod] = found
    return out


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "liqcost"


def _exempt(mod: str, target: str) -> str | None:
    for (src, dst), why in EXEMPT.items():
        if (mod == src or mod.startswith(src + ".")) and (target == dst or target.startswith(dst + ".")):
            return why
    return None


def violations(rule) -> list[str]:
    out = []
    for mod, targets in imports().items():
        for target in sorted(targets):
            why = rule(mod, target)
            if why and not _exempt(mod, target):
                out.append(f"{mod} imports {target}: {why}")
    return out


def test_the_parser_sees_imports_inside_functions():
    # cmd_pretrade imports the app inside the command function; schema imports nothing at module level of liqcost
    assert "liqcost.app" in imports()["liqcost.cli.cmd_pretrade"]
    assert imports()["liqcost.kernels.asof"] <= {m for m in imports() if m.startswith("liqcost.kernels")}


def test_kernels_import_nothing_of_liqcost():
    assert not violations(lambda m, t: "kernels import only kernels" if layer(m) == "kernels" and layer(t) != "kernels"
                          else None)


def test_library_packages_touch_no_files_threads_or_terminal():
    def rule(m, t):
        if layer(m) in LIBRARY and layer(t) in ("io", "engine", "cli", "app"):
            return f"{layer(m)} sees frames only; reading files and dispatching work is app's job"
        return None

    assert not violations(rule)


def test_no_layer_imports_a_higher_one():
    def rule(m, t):
        a, b = layer(m), layer(t)
        if a in RANK and b in RANK and RANK[b] > RANK[a]:
            return f"{a} (layer {RANK[a]}) is below {b} (layer {RANK[b]})"
        if {a, b} in ({"pretrade", "planner"}, {"measures", "models"}):
            return "sibling packages share through the layers below them"
        return None

    assert not violations(rule)


def test_cli_imports_only_the_app_config_errors_and_rendering():
    def rule(m, t):
        if layer(m) == "cli" and layer(t) not in CLI_MAY_IMPORT:
            return "a command parses options, calls one app function and renders its result"
        return None

    assert not violations(rule)


def test_the_pretrade_and_plan_commands_call_exactly_one_app_function():
    for cmd, fn in (("cmd_profile", "profile"), ("cmd_pretrade", "pretrade"), ("cmd_plan", "plan")):
        tree = ast.parse((SRC / "liqcost" / "cli" / f"{cmd}.py").read_text())
        from_app = [a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module == "liqcost.app"
                    for a in n.names]
        assert from_app == [fn], (cmd, from_app)
        assert not [t for t in imports()[f"liqcost.cli.{cmd}"] if layer(t) not in CLI_MAY_IMPORT]


@pytest.mark.parametrize("key", sorted(EXEMPT))
def test_every_exemption_is_still_needed(key):
    src, dst = key
    used = [(m, t) for m, ts in imports().items() for t in ts
            if (m == src or m.startswith(src + ".")) and (t == dst or t.startswith(dst + "."))]
    assert used, f"{src} -> {dst} is exempt but no longer imported: remove it from EXEMPT"


def test_import_liqcost_is_light_and_the_front_door_is_lazy():
    code = (
        "import sys, liqcost as lc\n"
        "heavy = sorted(m for m in ('polars', 'numba', 'scipy', 'pydantic', 'numpy') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
        "assert callable(lc.profile) and callable(lc.plan) and callable(lc.pretrade)\n"
        "assert callable(lc.tca) and callable(lc.calibrate) and callable(lc.report)\n"
        "import liqcost.tca.review, liqcost.report.charts\n"  # library packages too, and still callable front doors
        "assert callable(lc.tca) and callable(lc.report) and callable(lc.tca.review)\n"
        "import liqcost.pretrade.core\n"  # the library package stays importable and lc.pretrade stays callable
        "assert callable(lc.pretrade) and lc.pretrade.core.pretrade is not None\n"
        "from liqcost.app import plan\n"
        "assert lc.plan is plan\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                       env={"PYTHONPATH": str(SRC), "PATH": ""})
    assert r.returncode == 0, r.stderr

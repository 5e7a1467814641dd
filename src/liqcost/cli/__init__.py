"""The ``liqcost`` command line: a Click group whose commands are imported only when run.

``liqcost --help`` imports click and this module only (no numba, polars, scipy or pydantic), so it is
instant. Each command lives in its own module ``liqcost.cli.cmd_<name>`` and is a thin layer: parse the
options, load the config, call one library function, write the output.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from liqcost import __version__

# name -> (module, attribute, one-line help). The help is here so `liqcost --help` needs no import.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "sample": ("liqcost.cli.cmd_sample", "sample", "Generate thin-name sample data with its ground truth."),
    "ingest": ("liqcost.cli.cmd_ingest", "ingest", "Validate and normalize files into a Parquet dataset (+ quarantine)."),
    "profile": ("liqcost.cli.cmd_profile", "profile", "Daily liquidity metrics and the liquidity profile per symbol."),
    "pretrade": ("liqcost.cli.cmd_pretrade", "pretrade", "Pre-trade check: cost band, days to complete, flags."),
    "plan": ("liqcost.cli.cmd_plan", "plan", "Slice an order into limit-order tranches."),
    "simulate": ("liqcost.cli.cmd_simulate", "simulate", "Replay a plan on historical ticks."),
    "tca": ("liqcost.cli.cmd_tca", "tca", "Post-trade cost review of fills."),
    "calibrate": ("liqcost.cli.cmd_calibrate", "calibrate", "Fit impact-model parameters from your own fills."),
    "report": ("liqcost.cli.cmd_report", "report", "Self-contained HTML report with charts."),
    "bench": ("liqcost.cli.cmd_bench", "bench", "Time the pipeline on generated or given data."),
    "config": ("liqcost.cli.cmd_config", "config", "Write, check or show the configuration."),
    "warmup": ("liqcost.cli.cmd_warmup", "warmup", "Compile the numba kernels once (cached for every later run)."),
    "check": ("liqcost.cli.cmd_check", "check", "Check a dataset: damaged files, sources, counts; vacuum or migrate it."),
}


def _available(name: str) -> bool:
    module = COMMANDS[name][0]
    return importlib.util.find_spec(module) is not None


#: the group's options a person may also type after the command name, and whether each takes a value
GLOBAL_OPTIONS: dict[str, bool] = {
    "--config": True, "--format": True, "-o": True, "--output": True,
    "-v": False, "--verbose": False, "-q": False, "--quiet": False,
}

GLOBAL_NOTE = ("Global options (--format, -o/--output, --config, -q, -v) may also be given after the command name; "
               "see `liqcost --help`.")
GLOBAL_NOTE_OWN_O = ("Global options (--format, --config, -q, -v) may also be given after the command name; here "
                     "-o/--output is this command's own option (above), so the global -o goes before the command: "
                     "`liqcost -o FILE {name} ...`.")


def _own_options(command) -> dict[str, bool]:
    """Option strings of a click command and whether each takes a value."""
    out: dict[str, bool] = {}
    for p in getattr(command, "params", ()):
        if not isinstance(p, click.Option):
            continue
        takes = not (p.is_flag or p.count)
        for opt in (*p.opts, *p.secondary_opts):
            out[opt] = takes
    return out


def _global_token(token: str) -> tuple[str, bool] | None:
    """``(option, value attached)`` when ``token`` is a global option (``--format=json``, ``-ofile``, ``-vv``)."""
    if token in GLOBAL_OPTIONS:
        return token, False
    if token.startswith("--") and "=" in token and token.split("=", 1)[0] in GLOBAL_OPTIONS:
        return token.split("=", 1)[0], True
    if len(token) > 2 and token[0] == "-" and token[1] != "-":
        if set(token[1:]) <= {"v"} or set(token[1:]) <= {"q"}:
            return token[:2], False
        if token[1] == "o":
            return "-o", True
    return None


def hoist_global_options(group, ctx, args: list[str]) -> list[str]:
    """Move the global options typed after the command name to before it (issue 15: options where people type them).

    ``liqcost profile --data ds --format json -o out.json`` becomes ``liqcost --format json -o out.json profile
    --data ds``. An option the command (or its subcommand, for ``config``) defines itself stays with it: ``-o``
    after ``ingest``, ``sample``, ``calibrate``, ``report`` and ``config init`` is theirs. Values of the command's
    own options are skipped, ``--`` ends the scan, and a global option given both before and after the command
    takes the value typed last (after), as click does for a repeated option.
    """
    own_group = _own_options(group)
    i = 0
    while i < len(args):  # find the command name after the group's own options
        tok = args[i]
        if tok == "--":
            return args
        if not tok.startswith("-"):
            break
        i += 2 if own_group.get(tok) else 1
    else:
        return args
    command = group.get_command(ctx, args[i])
    if command is None:
        return args
    own = _own_options(command)
    rest = args[i + 1:]
    if isinstance(command, click.Group):  # config init|check|show: the subcommand's options count too
        j = 0
        while j < len(rest):
            tok = rest[j]
            if tok == "--":
                break
            if not tok.startswith("-"):
                sub = command.get_command(ctx, tok)
                if sub is not None:
                    own |= _own_options(sub)
                break
            j += 2 if own.get(tok) else 1
    hoisted: list[str] = []
    kept: list[str] = []
    j = 0
    while j < len(rest):
        tok = rest[j]
        if tok == "--":
            kept.extend(rest[j:])
            break
        name = tok.split("=", 1)[0] if tok.startswith("--") else tok
        if name in own:
            kept.append(tok)
            if own[name] and "=" not in tok and j + 1 < len(rest):
                kept.append(rest[j + 1])
                j += 1
            j += 1
            continue
        found = _global_token(tok)
        if found is not None and found[0] not in own:
            opt, attached = found
            hoisted.append(tok)
            if GLOBAL_OPTIONS[opt] and not attached and j + 1 < len(rest):
                hoisted.append(rest[j + 1])
                j += 1
            j += 1
            continue
        kept.append(tok)
        j += 1
    if not hoisted:
        return args
    return args[:i] + hoisted + [args[i]] + kept


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command is invoked or asked for help, and accepts
    the global options after the command name too (:func:`hoist_global_options`)."""

    def list_commands(self, ctx):
        return [n for n in COMMANDS if _available(n)]

    def get_command(self, ctx, cmd_name):
        if cmd_name not in COMMANDS or not _available(cmd_name):
            return None
        module, attr, _ = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module), attr)
        _add_global_note(command, cmd_name)
        return command

    def parse_args(self, ctx, args):
        return super().parse_args(ctx, hoist_global_options(self, ctx, list(args)))

    def format_commands(self, ctx, formatter):
        rows = [(n, COMMANDS[n][2]) for n in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            import difflib

            match = difflib.get_close_matches(name, self.list_commands(ctx), n=1)
            hint = f" Did you mean '{match[0]}'?" if match else ""
            raise click.UsageError(f"No such command '{name}'.{hint} See `liqcost --help`.", ctx)
        return super().resolve_command(ctx, args)


def _add_global_note(command, name: str) -> None:
    """Say in the command's --help that the global options may follow it (once per command object)."""
    if getattr(command, "_liqcost_global_note", False):
        return
    own = _own_options(command)
    note = GLOBAL_NOTE_OWN_O.format(name=name) if ("-o" in own or "--output" in own) else GLOBAL_NOTE
    command.epilog = f"{command.epilog}\n\n{note}" if command.epilog else note
    command._liqcost_global_note = True


class State:
    """Global options shared by every command (``ctx.obj``)."""

    def __init__(self, config_path, fmt, output, verbosity):
        self.config_path = config_path
        self.format = fmt
        self.output = output
        self.verbosity = verbosity

    @property
    def quiet(self) -> bool:
        return self.verbosity < 0

    def config(self, overrides: dict | None = None):
        """The effective config: defaults, then ``--config``, then non-None flag overrides."""
        from liqcost.config import load_config

        return load_config(self.config_path, overrides)


EPILOG = """\b
Examples (from a folder holding the sample, sample_data/):
  liqcost ingest --kind trades sample_data/raw/trades.csv -d ds
  liqcost profile --data sample_data/dataset --symbol THNA --table profile --format json
  liqcost pretrade --data sample_data/dataset --symbol THNA --side buy --qty 20000
  liqcost plan --data sample_data/dataset --symbol THNB --side buy --qty 8000
  liqcost tca --data sample_data/dataset --fills sample_data/fills.csv --orders sample_data/orders.csv
  liqcost report --data sample_data/dataset --orders sample_data/orders.csv -o report.html

The global options (--format, -o/--output, --config, -q, -v) may come before or after the command name.
"""


@click.group(cls=LazyGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None, help="YAML config file (see `liqcost config init`).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "parquet"]), default="table", show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the result to FILE instead of stdout.")
@click.option("-v", "--verbose", count=True, help="More detail (repeat for debug logs and tracebacks).")
@click.option("-q", "--quiet", count=True, help="Less output: no progress bars or notes.")
@click.version_option(__version__, "--version", prog_name="liqcost")
@click.pass_context
def cli(ctx, config_path, fmt, output, verbose, quiet):
    """liqcost: what an order in a thinly traded stock will cost, how to slice it, and what it did cost."""
    ctx.obj = State(config_path, fmt, output, verbose - quiet)
    _PARTIAL.clear()
    _install_warning_format(verbose - quiet)
    note = first_run_note(ctx.invoked_subcommand, verbose - quiet, sys.stderr.isatty(), _kernels_cached)
    if note:
        click.echo(note, err=True)
    from liqcost.cli.logs import setup_logging

    setup_logging(verbose - quiet)


# messages of the PartialRunWarnings (damaged files skipped ...) shown during this invocation
_PARTIAL: list[str] = []
_FAILED = "\x00failed:"  # prefix of the messages of PartitionFailedWarnings in _PARTIAL


@cli.result_callback()
def _partial_run(result, **_kwargs):
    """A command that went on without part of its input (a damaged dataset file ...) exits with code 1
    after writing its output; the warnings above name what was skipped."""
    failed = [m for m in _PARTIAL if m.startswith(_FAILED)]
    if failed:
        from liqcost.errors import DataError

        n, k = len(_PARTIAL) - len(failed), len(failed)
        raise DataError(
            f"partial run: {k} batch{'es' if k != 1 else ''} of partitions failed on the Dask cluster"
            + (f" and {n} input file{'s' if n != 1 else ''} could not be read" if n else "")
            + "; the symbols they held are left out of the result (named in the warnings above)."
        )
    if _PARTIAL:
        from liqcost.errors import DataError

        n = len(_PARTIAL)
        raise DataError(
            f"partial run: {n} input file{'s' if n != 1 else ''} could not be read and {'were' if n != 1 else 'was'} "
            f"skipped (named in the warning{'s' if n != 1 else ''} above); `liqcost check --data DATASET` lists every "
            f"damaged file with its repair."
        )
    return result


# commands that run the numba kernels (the first run on a machine compiles them)
KERNEL_COMMANDS = frozenset({"profile", "pretrade", "plan", "simulate", "tca", "calibrate", "report", "bench"})


def first_run_note(command, verbosity: int, interactive: bool, cached) -> str | None:
    """The note for a person waiting on the first compile: kernel commands, not quiet, a terminal, and
    ``cached()`` false (checked last: it looks on disk)."""
    if command in KERNEL_COMMANDS and verbosity >= 0 and interactive and not cached():
        return ("Note: first run on this machine: compiling the numba kernels this command needs (cached for "
                "every later run; `liqcost warmup` compiles them all at once).")
    return None


def _kernels_cached() -> bool:
    """Whether numba's on-disk cache holds liqcost's tick kernel (a cheap look, numba not imported).

    Numba writes its cache next to the module (``kernels/__pycache__``), or under ``NUMBA_CACHE_DIR``, or
    in the user-wide cache (``~/.cache/numba``) when the package folder is read-only.
    """
    import os
    from pathlib import Path

    spec = importlib.util.find_spec("liqcost.kernels")
    if spec is None or not spec.origin:
        return True
    pattern = "tickpass.*.nbi"
    if any((Path(spec.origin).parent / "__pycache__").glob(pattern)):
        return True
    roots = [os.environ.get("NUMBA_CACHE_DIR"), os.path.join(os.path.expanduser("~"), ".cache", "numba")]
    return any(any(Path(r).glob("**/" + pattern)) for r in roots if r and os.path.isdir(r))


def _install_warning_format(verbosity: int) -> None:
    """liqcost warnings print as one line, ``Warning: <message>``; -q silences them."""
    import warnings

    from liqcost.errors import LiqcostWarning, PartialRunWarning, PartitionFailedWarning

    default_show = warnings.showwarning
    warnings.filterwarnings("always", category=PartialRunWarning)  # each one counts (exit code 1)

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, PartialRunWarning):
            _PARTIAL.append((_FAILED if issubclass(category, PartitionFailedWarning) else "") + str(message))
        if issubclass(category, LiqcostWarning):
            if verbosity >= 0:
                click.echo(f"Warning: {message}", err=True)
            return
        if verbosity >= 1:
            default_show(message, category, filename, lineno, file, line)

    warnings.showwarning = show


def main(argv=None):
    """Entry point of the ``liqcost`` console script (and of ``python -m liqcost``)."""
    import gc

    # A command creates a few hundred thousand long-lived objects as it imports numba, polars and pydantic
    # and loads its kernels. With the default first threshold (700) a warm `pretrade` on the sample ran the
    # collector 355 times (2 of them full collections, 0.09 s) for 0.19 s in all; with 10,000, 24 times
    # and no full collection, 0.10 s. Only this process's entry point does it: liqcost used as a library
    # leaves the interpreter's settings alone.
    gc.set_threshold(10_000, *gc.get_threshold()[1:])
    try:
        _main(argv)
    finally:
        _before_exit()


def _before_exit() -> None:
    """The command is over and the process is about to end: freeze the objects alive now (:func:`gc.freeze`).

    A command that ran a kernel holds some hundreds of thousands of objects (numba's typing and lowering
    registries, polars, pydantic). At interpreter shutdown the cyclic collector traverses all of them, pass
    after pass while the modules are torn down: 0.3-0.4 s of every command on the reference machine
    (``benchmarks/bench_startup.py``). Frozen objects are no longer traversed, so those in reference cycles
    are left to the operating system instead of being collected (Python does not promise to finalize objects
    still alive at exit anyway); ``atexit`` handlers (the logging shutdown among them) run as before. Every
    file a command writes is closed before it returns.
    """
    import gc

    gc.freeze()


def _main(argv=None):
    verbose = any(a in ("-vv", "-vvv") for a in (argv or sys.argv[1:])) or (argv or sys.argv[1:]).count("-v") >= 2
    try:
        cli.main(args=argv, prog_name="liqcost", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:  # pragma: no cover - interactive
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:  # an internal bug: say so in one line, traceback only on request
        if verbose:
            raise
        click.echo(
            f"Error: internal error {exc.__class__.__name__}: {exc}. Re-run with -vv for the traceback and report it.",
            err=True,
        )
        sys.exit(3)

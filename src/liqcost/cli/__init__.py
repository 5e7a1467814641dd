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


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command is invoked or asked for help."""

    def list_commands(self, ctx):
        return [n for n in COMMANDS if _available(n)]

    def get_command(self, ctx, cmd_name):
        if cmd_name not in COMMANDS or not _available(cmd_name):
            return None
        module, attr, _ = COMMANDS[cmd_name]
        return getattr(importlib.import_module(module), attr)

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
Examples:
  liqcost sample --symbols 5 --days 20 -o sample_data
  liqcost ingest --kind trades sample_data/trades.csv -o ds
  liqcost --format json profile --data ds --symbol THNA
  liqcost pretrade --data ds --symbol THNA --side buy --qty 80000
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
    """Entry point of the ``liqcost`` console script."""
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

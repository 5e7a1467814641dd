"""``liqcost config init | check FILE | show | mappings``."""

from __future__ import annotations

import click


@click.group("config")
def config():
    """Write, check or show the configuration.

    \b
    Examples:
      liqcost config init -o liqcost.yaml     # a starter config with every option documented
      liqcost config check liqcost.yaml       # list every problem as dotted.key: expected X, got Y
      liqcost --config liqcost.yaml config show
      liqcost config mappings                 # the column mappings shipped with liqcost (--mapping NAME)
    """


@config.command("init")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), default=None, help="File to write (default: stdout or the global -o).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.pass_obj
def init(state, out, force):
    """Write a starter config with every option, its default and its meaning."""
    from pathlib import Path

    from liqcost.config import render_yaml
    from liqcost.errors import UsageError
    from liqcost.io.atomic import write_text_atomic

    target = out or (state.output if state else None)
    text = render_yaml()
    if not target:
        click.echo(text, nl=False)
        return
    if Path(target).exists() and not force:
        raise UsageError(f"{target} already exists; pass --force to overwrite it.")
    write_text_atomic(target, text)
    click.echo(f"wrote {target}", err=True)


@config.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
def check(file):
    """Validate FILE; exit code 2 and one line per problem when it is wrong."""
    from liqcost.config import load_config

    load_config(file)
    click.echo(f"{file}: OK")


@config.command("show")
@click.option("--comments/--no-comments", default=False, help="Include each option's description.")
@click.pass_obj
def show(state, comments):
    """Print the effective config (defaults merged with --config)."""
    from liqcost.config import render_yaml

    click.echo(render_yaml(state.config(), comments=comments), nl=False)


@config.command("mappings")
@click.option("--show", "name", default=None, metavar="NAME", help="Print one mapping file (to copy and adapt).")
@click.pass_obj
def mappings(state, name):
    """List the column mappings shipped with liqcost: name, kind, format, what it reads.

    Any command's --mapping takes one of these names (`--mapping taq_trades_generic`) or a path to a file of
    your own; `--show NAME` prints a file to start from.
    """
    from liqcost.data import find_mapping, mapping_info, shipped_mappings
    from liqcost.errors import UsageError

    if name is not None:
        click.echo(find_mapping(name).read_text(encoding="utf-8"), nl=False)
        return
    shipped = shipped_mappings()
    if not shipped:
        raise UsageError("no shipped mapping files found in this installation; reinstall liqcost.")
    import polars as pl

    from liqcost.cli.output import emit, note

    rows = [mapping_info(p) for p in shipped.values()]
    frame = pl.DataFrame(rows, schema={"name": pl.String, "kind": pl.String, "format": pl.String,
                                      "description": pl.String, "path": pl.String})
    if state.format == "table" and not state.output:
        frame = frame.drop("path")
        note(state, f"in {next(iter(shipped.values())).parent}")
    emit(state, frame, title="mappings", name="mappings")

"""The ketapath command line: offline calculators now, the clinic server later.

Each area module exposes ``register(app)``; only this module assembles them. Usage errors are
reported as one line on stderr with exit code 2, so that programs calling the calculators can
rely on the contract in the README.
"""

from __future__ import annotations

import sys

import typer

from ketapath.cli import (
    assess,
    db,
    demo,
    dose,
    ledger,
    outcome,
    plan,
    rules,
    score,
    serve,
    users,
    worker,
)
from ketapath.cli.output import EXIT_BAD_INPUT

app = typer.Typer(
    name="ketapath",
    help="ketapath: ketamine and esketamine treatment of TRD, from screening to maintenance.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

for module in (
    score,
    assess,
    dose,
    plan,
    outcome,
    rules,
    demo,
    serve,
    db,
    users,
    worker,
    ledger,
):
    module.register(app)


@app.callback()
def _root() -> None:
    """ketapath: ketamine and esketamine treatment of TRD, from screening to maintenance."""


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; usage errors become one line on stderr and exit code 2."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="ketapath", standalone_mode=False)
    except typer.Exit as exit_:
        sys.exit(exit_.exit_code)
    except typer.Abort:
        sys.stderr.write("error: aborted\n")
        sys.exit(1)
    except typer.TyperException as error:
        format_message = getattr(error, "format_message", None)
        message = format_message() if callable(format_message) else str(error)
        sys.stderr.write(f"error: {' '.join(str(message).split())}\n")
        sys.exit(EXIT_BAD_INPUT)
    sys.exit(result if isinstance(result, int) else 0)

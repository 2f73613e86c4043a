"""`ketapath score`: offline calculator (to be implemented)."""

import typer


def register(app: typer.Typer) -> None:
    """Attach this module's commands to the root app."""

"""`ketapath demo`: the calculators on a worked example (placeholder until the server lands)."""

import typer


def register(app: typer.Typer) -> None:
    """Attach `demo` to the root app."""

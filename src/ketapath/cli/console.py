"""The one Rich console the CLI prints human output through."""

from rich.console import Console

console = Console()
err_console = Console(stderr=True)

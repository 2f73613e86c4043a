"""`ketapath ledger verify`: re-walk every clinic's controlled-substance chain.

Recomputes each entry's hash from its stored fields and the previous hash, checks positions,
links and running balances per lot, the chain head and each lot's stored balance. Exit 0 with
a summary when everything verifies; exit 1 naming the FIRST bad entry (id, position, what
differs) otherwise. Database failures are one line on stderr with exit code 2.
"""

from __future__ import annotations

import typer

from ketapath.cli.console import console
from ketapath.cli.db import DataDirOption, open_engine
from ketapath.db.engine import make_session_factory, session_scope
from ketapath.services import ledger_reports

__all__ = ["EXIT_CHAIN_BROKEN", "register"]

EXIT_CHAIN_BROKEN = 1

ledger_app = typer.Typer(
    name="ledger",
    help="The controlled-substance ledger: verify the hash chains.",
    no_args_is_help=True,
)


@ledger_app.callback()
def _ledger() -> None:
    """The controlled-substance ledger: verify the hash chains."""


@ledger_app.command("verify")
def verify(data_dir: DataDirOption = None) -> None:
    """Recompute every chain's hashes and balances; exit 1 naming the first bad entry."""
    with open_engine(data_dir) as engine:
        with session_scope(make_session_factory(engine)) as session:
            results = ledger_reports.verify_chains(session)
        total = sum(r.entries for r in results)
        broken = [r for r in results if not r.ok]
        for result in broken:
            where = (
                f"entry {result.bad_entry_id} at position {result.bad_position}"
                if result.bad_entry_id is not None
                else "chain state"
            )
            typer.echo(
                f"ledger verify FAILED: clinic {result.clinic_id}: {where}: {result.problem}",
                err=True,
            )
        if broken:
            raise typer.Exit(EXIT_CHAIN_BROKEN)
        console.print(
            f"ledger verified: {len(results)} chain(s), {total} entries, "
            "every hash and balance matches",
            highlight=False,
            soft_wrap=True,
        )
        for result in results:
            console.print(
                f"  clinic {result.clinic_id}: {result.entries} entries, "
                f"head {result.head_hash}",
                highlight=False,
                soft_wrap=True,
            )


def register(app: typer.Typer) -> None:
    """Attach `ledger` to the root app."""
    app.add_typer(ledger_app, name="ledger")

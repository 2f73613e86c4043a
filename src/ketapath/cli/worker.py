"""`ketapath worker`: background jobs in their own process (today: alert escalation).

Run one worker per deployment beside the web server(s). Each pass escalates open alerts older
than ``KETAPATH_ESCALATION_MINUTES`` by e-mail through ``KETAPATH_SMTP_HOST`` and commits; a
pass that fails (database or mail server down) is reported and retried on the next interval.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer

from ketapath.cli.console import console
from ketapath.cli.db import DataDirOption, open_engine, settings_for
from ketapath.cli.output import fail
from ketapath.db.engine import make_session_factory
from ketapath.services import escalation as escalation_service
from ketapath.services.mailer import MailerError, SmtpMailer

__all__ = ["register", "worker"]


def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Run one pass and exit (cron style).")
    ] = False,
    interval: Annotated[
        int,
        typer.Option("--interval", min=5, max=3600, help="Seconds between passes."),
    ] = 60,
    base_url: Annotated[
        str,
        typer.Option(
            "--base-url",
            envvar="KETAPATH_PUBLIC_URL",
            help="The clinic's address, for the link in escalation e-mails.",
        ),
    ] = "http://127.0.0.1:8000",
    data_dir: DataDirOption = None,
) -> None:
    """Escalate unacknowledged alerts to the on-call clinician, every --interval seconds."""
    settings = settings_for(data_dir)
    try:
        mailer = SmtpMailer.from_settings(settings)
    except MailerError as error:
        fail(f"worker: {error}")
    with open_engine(data_dir) as engine:
        factory = make_session_factory(engine)
        while True:
            try:
                escalated = escalation_service.run_once(
                    factory, settings=settings, mailer=mailer, base_url=base_url
                )
            except Exception as error:
                if once:
                    raise
                console.print(
                    f"escalation pass failed ({type(error).__name__}); retrying",
                    highlight=False,
                )
            else:
                if escalated or once:
                    console.print(
                        f"escalated {len(escalated)} alert(s)", highlight=False
                    )
            if once:
                return
            time.sleep(interval)


def register(app: typer.Typer) -> None:
    """Attach `worker` to the root app."""
    app.command("worker")(worker)

"""Outgoing e-mail: a small :class:`Mailer` protocol, SMTP delivery, and a recorder for tests.

Messages carry no patient names (see :mod:`ketapath.services.escalation`); nothing here logs a
message body.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

from ketapath.config import Settings

__all__ = [
    "MailMessage",
    "Mailer",
    "MailerError",
    "RecordingMailer",
    "SmtpMailer",
]


class MailerError(Exception):
    """The message could not be handed to the mail server."""


@dataclass(frozen=True, slots=True)
class MailMessage:
    """A plain-text e-mail to one or more recipients."""

    to: tuple[str, ...]
    subject: str
    body: str


class Mailer(Protocol):
    """Something that delivers :class:`MailMessage` s (raises :class:`MailerError` on failure)."""

    def send(self, message: MailMessage) -> None:
        """Deliver ``message`` or raise :class:`MailerError`."""


class SmtpMailer:
    """Deliver through an SMTP server (``smtp_host``/``smtp_port``/``smtp_sender`` settings)."""

    def __init__(
        self, *, host: str, port: int, sender: str, timeout_s: float = 10.0
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.timeout_s = timeout_s

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpMailer:
        """An SMTP mailer for the configured relay; ``smtp_host`` must be set."""
        if not settings.smtp_host:
            raise MailerError("no mail server: set KETAPATH_SMTP_HOST")
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
        )

    def send(self, message: MailMessage) -> None:
        """Send one message in its own SMTP connection."""
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = ", ".join(message.to)
        email["Subject"] = message.subject
        email.set_content(message.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as error:
            raise MailerError(
                f"could not send through {self.host}:{self.port}: {type(error).__name__}"
            ) from error


@dataclass
class RecordingMailer:
    """Keeps messages in memory instead of sending them (tests, dry runs)."""

    sent: list[MailMessage] = field(default_factory=list)

    def send(self, message: MailMessage) -> None:
        """Remember ``message``."""
        self.sent.append(message)

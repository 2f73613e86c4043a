"""Runtime settings, read once from the environment (prefix ``KETAPATH_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Deployment settings. Clinical thresholds are not here: they live in core rule sets."""

    model_config = SettingsConfigDict(env_prefix="KETAPATH_", extra="ignore")

    data_dir: Path = Field(
        default=Path("ketapath-data"), description="SQLite file, backups, uploads"
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is SQLite in data_dir"
    )
    database_threads: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="API database threads per process (default: 1 on SQLite, 2 otherwise)",
    )
    cookie_secure: bool = Field(default=False, description="Set on HTTPS deployments")
    session_hours: int = Field(default=12, ge=1, le=168)
    api_token_days: int = Field(default=90, ge=1, le=365)
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "ketapath@localhost"
    escalation_minutes: int = Field(default=30, ge=1, le=1440)
    escalation_in_process: bool = Field(
        default=True,
        description="Run alert escalation inside the server when SMTP is set",
    )
    public_url: str = Field(
        default="", description="Base URL in e-mails, e.g. https://clinic.example"
    )

    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to ``<data_dir>/ketapath.sqlite3``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'ketapath.sqlite3').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (cached; tests build their own ``Settings``)."""
    return Settings()

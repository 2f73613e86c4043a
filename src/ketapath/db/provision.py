"""Create and drop PostgreSQL databases (tests, benchmarks and first-time setup)."""

from __future__ import annotations

import uuid

import psycopg
from sqlalchemy.engine import make_url

__all__ = ["FreshPostgres"]


class FreshPostgres:
    """A uniquely named database on a PostgreSQL server, created and dropped on request."""

    def __init__(self, server_url: str, prefix: str = "ketapath_test") -> None:
        self.server = make_url(server_url).set(drivername="postgresql+psycopg")
        self.name = f"{prefix}_{uuid.uuid4().hex[:12]}"

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        url = self.server
        return psycopg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            dbname="postgres",
            autocommit=True,
        )

    def create(self) -> str:
        """Create the database and return its SQLAlchemy URL."""
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return self.server.set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        """Drop the database, closing any connections still open to it."""
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

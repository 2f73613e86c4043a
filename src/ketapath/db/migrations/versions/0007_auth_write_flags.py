"""PostgreSQL: a transaction notes that it wrote users or tokens, at once (not at COMMIT).

Writes are batched many to a transaction, and each looks up its caller's token; a lookup kept
under the ``auth`` change counter may stand in for it only if the transaction has not itself
written users or tokens before it. On SQLite the counter, set at once by its triggers, says
so; on PostgreSQL it is set only at COMMIT (migration 0006), so a statement-level trigger
sets a transaction-local flag instead (``change_counters.auth_counter_in_write``). SQLite:
nothing to do.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUTH_TABLES = ("users", "auth_tokens")

# The flag is transaction-local (set_config's third argument): it ends with the transaction,
# and a rolled-back savepoint restores it as it was.
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION ketapath_note_write() RETURNS trigger AS $$
BEGIN
    PERFORM set_config('ketapath.wrote_' || TG_ARGV[0], 'on', true);
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_PG_FUNCTION)
    for table in AUTH_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_notes_write_auth "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ketapath_note_write('auth')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in AUTH_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_notes_write_auth ON {table}")
    op.execute("DROP FUNCTION IF EXISTS ketapath_note_write()")

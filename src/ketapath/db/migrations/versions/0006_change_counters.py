"""Change counters: set anew by trigger on every write to the tables the board and logins read.

See ``ketapath.db.repositories.change_counters`` for why and how; the tables are listed here as
they were at this revision (a test checks the database against the code's list).

Revision ID: 0006
Revises: 0005
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTED_TABLES = {
    "board": (
        "clinics",
        "sites",
        "chairs",
        "patients",
        "treatment_courses",
        "treatment_sessions",
        "doses",
        "vital_signs",
        "alerts",
    ),
    "auth": ("users", "auth_tokens"),
}
SQLITE_EVENTS = ("INSERT", "UPDATE", "DELETE")

# Sets the counter named by the trigger's argument to a new random value, once per statement
# that fires it: the triggers are deferred, so in a transaction that commits, once, at COMMIT.
# The flag is a transaction-local setting holding that statement's start time. Every counter
# row is locked first, always in the same order, so that two transactions raising different
# counters never wait for each other in opposite orders (a deadlock). (With SET CONSTRAINTS
# ALL IMMEDIATE, as the test suite's shared transaction uses, each writing statement sets it.)
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION ketapath_count_change() RETURNS trigger AS $$
DECLARE
    flag text := 'ketapath.counted_' || TG_ARGV[0];
    statement text := statement_timestamp()::text;
BEGIN
    IF coalesce(current_setting(flag, true), '') <> statement THEN
        PERFORM set_config(flag, statement, true);
        PERFORM 1 FROM change_counters ORDER BY name FOR UPDATE;
        UPDATE change_counters SET value = (random() * 9.2e18)::bigint
        WHERE name = TG_ARGV[0];
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    counters = op.create_table(
        "change_counters",
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_change_counters")),
    )
    op.bulk_insert(
        counters,
        [
            {"name": "board", "value": secrets.randbits(62)},
            {"name": "auth", "value": secrets.randbits(62)},
        ],
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(_PG_FUNCTION)
    for counter, tables in COUNTED_TABLES.items():
        for table in tables:
            if postgres:
                op.execute(
                    f"CREATE CONSTRAINT TRIGGER {table}_counts_{counter} "
                    f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                    f"EXECUTE FUNCTION ketapath_count_change('{counter}')"
                )
                op.execute(
                    f"CREATE TRIGGER {table}_truncate_counts_{counter} "
                    f"AFTER TRUNCATE ON {table} FOR EACH STATEMENT "
                    f"EXECUTE FUNCTION ketapath_count_change('{counter}')"
                )
                continue
            for event in SQLITE_EVENTS:
                op.execute(
                    f"CREATE TRIGGER {table}_{event.lower()}_counts_{counter} "
                    f"AFTER {event} ON {table} BEGIN "
                    f"UPDATE change_counters SET value = random() WHERE name = '{counter}'; "
                    "END"
                )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for counter, tables in COUNTED_TABLES.items():
        for table in tables:
            if postgres:
                op.execute(
                    f"DROP TRIGGER IF EXISTS {table}_counts_{counter} ON {table}"
                )
                op.execute(
                    f"DROP TRIGGER IF EXISTS {table}_truncate_counts_{counter} ON {table}"
                )
                continue
            for event in SQLITE_EVENTS:
                op.execute(
                    f"DROP TRIGGER IF EXISTS {table}_{event.lower()}_counts_{counter}"
                )
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS ketapath_count_change()")
    op.drop_table("change_counters")

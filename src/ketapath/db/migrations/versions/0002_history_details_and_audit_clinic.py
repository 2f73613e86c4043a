"""Unknown pregnancy status, bilateral ECT, resolvable conditions, audit entries per clinic.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ketapath.db.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.alter_column("pregnant", existing_type=sa.Boolean(), nullable=True)
        batch.alter_column("breastfeeding", existing_type=sa.Boolean(), nullable=True)
        batch.add_column(sa.Column("bilateral_ect_failed", sa.Boolean(), nullable=True))
    with op.batch_alter_table("conditions") as batch:
        batch.add_column(
            sa.Column(
                "resolved_at",
                ketapath.db.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    # audit_log is append-only (triggers); a batch rebuild would drop them, so add the column in place.
    op.add_column("audit_log", sa.Column("clinic_id", sa.Uuid(), nullable=True))
    op.create_index(op.f("ix_audit_log_clinic_id"), "audit_log", ["clinic_id"])
    if op.get_bind().dialect.name != "sqlite":
        op.create_foreign_key(
            op.f("fk_audit_log_clinic_id_clinics"),
            "audit_log",
            "clinics",
            ["clinic_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    # Entries written before this revision belong to the clinic of the acting user. This one
    # controlled backfill lifts the append-only guard for its own statement only.
    _without_update_guard(
        "UPDATE audit_log SET clinic_id = (SELECT users.clinic_id FROM users WHERE users.id = audit_log.actor_id) "
        "WHERE actor_id IS NOT NULL"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(
            op.f("fk_audit_log_clinic_id_clinics"), "audit_log", type_="foreignkey"
        )
    op.drop_index(op.f("ix_audit_log_clinic_id"), table_name="audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("clinic_id")
    if op.get_bind().dialect.name == "sqlite":
        _create_sqlite_guards()  # the batch rebuild dropped them
    with op.batch_alter_table("conditions") as batch:
        batch.drop_column("resolved_at")
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("bilateral_ect_failed")
        batch.alter_column("breastfeeding", existing_type=sa.Boolean(), nullable=False)
        batch.alter_column("pregnant", existing_type=sa.Boolean(), nullable=False)


def _create_sqlite_guards() -> None:
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER IF NOT EXISTS audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )


def _without_update_guard(statement: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute(statement)
        _create_sqlite_guards()
    else:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        op.execute(statement)
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")

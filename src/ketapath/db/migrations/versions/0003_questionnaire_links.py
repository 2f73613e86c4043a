"""Questionnaire links: patients answer self-report instruments by link (token stored hashed).

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import ketapath.db.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "questionnaire_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("form_nonce", sa.String(length=64), nullable=False),
        sa.Column("instruments", _JSON, nullable=False),
        sa.Column("completed_instruments", _JSON, nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "completed_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_questionnaire_links_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_questionnaire_links_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_links")),
        sa.UniqueConstraint(
            "token_hash", name=op.f("uq_questionnaire_links_token_hash")
        ),
    )
    with op.batch_alter_table("questionnaire_links") as batch:
        batch.create_index(
            batch.f("ix_questionnaire_links_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("questionnaire_links") as batch:
        batch.drop_index(batch.f("ix_questionnaire_links_patient_id"))
    op.drop_table("questionnaire_links")

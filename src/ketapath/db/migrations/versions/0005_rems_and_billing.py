"""REMS records (enrolment and certification ids, monitoring forms) and billing (fees, ICD-10, payments).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import ketapath.db.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "created_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "fee_schedule_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column(
            "fee", ketapath.db.base.DecimalText(precision=12, scale=4), nullable=False
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "CAST(fee AS REAL) >= 0",
            name=op.f("ck_fee_schedule_entries_fee_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_fee_schedule_entries_clinic_id_clinics"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_fee_schedule_entries_updated_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_schedule_entries")),
        sa.UniqueConstraint(
            "clinic_id", "code", name=op.f("uq_fee_schedule_entries_clinic_id_code")
        ),
    )
    op.create_table(
        "patient_diagnosis_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "rank >= 1", name=op.f("ck_patient_diagnosis_codes_rank_positive")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_patient_diagnosis_codes_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_patient_diagnosis_codes_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_diagnosis_codes")),
        sa.UniqueConstraint(
            "patient_id",
            "code",
            name=op.f("uq_patient_diagnosis_codes_patient_id_code"),
        ),
    )
    with op.batch_alter_table("patient_diagnosis_codes") as batch:
        batch.create_index(
            batch.f("ix_patient_diagnosis_codes_patient_id"),
            ["patient_id"],
            unique=False,
        )
    op.create_table(
        "payments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column(
            "amount",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=False,
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "CAST(amount AS REAL) > 0", name=op.f("ck_payments_amount_positive")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_payments_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_payments_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_payments_session_id_treatment_sessions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    with op.batch_alter_table("payments") as batch:
        batch.create_index(
            batch.f("ix_payments_patient_id"), ["patient_id"], unique=False
        )
    op.create_table(
        "rems_patient_enrolments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("rems_patient_id", sa.String(length=64), nullable=True),
        sa.Column("enrolled_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_rems_patient_enrolments_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_rems_patient_enrolments_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rems_patient_enrolments")),
        sa.UniqueConstraint(
            "patient_id", name=op.f("uq_rems_patient_enrolments_patient_id")
        ),
    )
    op.create_table(
        "rems_setting_certifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("certification_id", sa.String(length=64), nullable=True),
        sa.Column("certified_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_rems_setting_certifications_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_rems_setting_certifications_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rems_setting_certifications")),
        sa.UniqueConstraint(
            "site_id", name=op.f("uq_rems_setting_certifications_site_id")
        ),
    )
    op.create_table(
        "rems_monitoring_forms",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("amends_id", sa.Uuid(), nullable=True),
        sa.Column("amendment_reason", sa.String(length=1000), nullable=True),
        sa.Column("treatment_date", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fields", _JSON, nullable=False),
        sa.Column(
            "signed_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("signed_by_id", sa.Uuid(), nullable=True),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("submitted_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "(status = 'signed') = (signed_at IS NOT NULL)",
            name=op.f("ck_rems_monitoring_forms_signed_has_time"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'signed')",
            name=op.f("ck_rems_monitoring_forms_status"),
        ),
        sa.CheckConstraint(
            "submitted_on IS NULL OR status = 'signed'",
            name=op.f("ck_rems_monitoring_forms_submitted_after_signing"),
        ),
        sa.ForeignKeyConstraint(
            ["amends_id"],
            ["rems_monitoring_forms.id"],
            name=op.f("fk_rems_monitoring_forms_amends_id_rems_monitoring_forms"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_rems_monitoring_forms_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_rems_monitoring_forms_patient_id_patients"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_rems_monitoring_forms_session_id_treatment_sessions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_id"],
            ["users.id"],
            name=op.f("fk_rems_monitoring_forms_signed_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_rems_monitoring_forms_submitted_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rems_monitoring_forms")),
        sa.UniqueConstraint(
            "amends_id", name=op.f("uq_rems_monitoring_forms_amends_id")
        ),
    )
    with op.batch_alter_table("rems_monitoring_forms") as batch:
        batch.create_index("ix_rems_monitoring_forms_due_on", ["due_on"], unique=False)
        batch.create_index(
            batch.f("ix_rems_monitoring_forms_patient_id"), ["patient_id"], unique=False
        )
        batch.create_index(
            batch.f("ix_rems_monitoring_forms_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("rems_monitoring_forms") as batch:
        batch.drop_index(batch.f("ix_rems_monitoring_forms_session_id"))
        batch.drop_index(batch.f("ix_rems_monitoring_forms_patient_id"))
        batch.drop_index("ix_rems_monitoring_forms_due_on")
    op.drop_table("rems_monitoring_forms")
    op.drop_table("rems_setting_certifications")
    op.drop_table("rems_patient_enrolments")
    with op.batch_alter_table("payments") as batch:
        batch.drop_index(batch.f("ix_payments_patient_id"))
    op.drop_table("payments")
    with op.batch_alter_table("patient_diagnosis_codes") as batch:
        batch.drop_index(batch.f("ix_patient_diagnosis_codes_patient_id"))
    op.drop_table("patient_diagnosis_codes")
    op.drop_table("fee_schedule_entries")

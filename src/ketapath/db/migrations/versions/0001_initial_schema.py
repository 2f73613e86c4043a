"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 05:06:07.599382
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
import ketapath.db.base

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "clinics",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column(
            "settings",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinics")),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("mrn", sa.String(length=40), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("emergency_contact_name", sa.String(length=200), nullable=True),
        sa.Column("emergency_contact_phone", sa.String(length=40), nullable=True),
        sa.Column(
            "weight_kg",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column(
            "height_cm",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column("pregnant", sa.Boolean(), nullable=False),
        sa.Column("breastfeeding", sa.Boolean(), nullable=False),
        sa.Column("episode_duration_months", sa.Integer(), nullable=True),
        sa.Column("episode_severity", sa.String(length=32), nullable=True),
        sa.Column("augmentation_used", sa.Boolean(), nullable=False),
        sa.Column("ect_used", sa.Boolean(), nullable=False),
        sa.Column("rems_enrolled", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint("sex IN ('female', 'male')", name=op.f("ck_patients_sex")),
        sa.CheckConstraint(
            "episode_duration_months IS NULL OR episode_duration_months >= 0",
            name=op.f("ck_patients_episode_duration_months_range"),
        ),
        sa.CheckConstraint(
            "height_cm IS NULL OR (CAST(height_cm AS REAL) >= 100 AND CAST(height_cm AS REAL) <= 250)",
            name=op.f("ck_patients_height_cm_range"),
        ),
        sa.CheckConstraint(
            "weight_kg IS NULL OR (CAST(weight_kg AS REAL) > 20 AND CAST(weight_kg AS REAL) <= 350)",
            name=op.f("ck_patients_weight_kg_range"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_patients_clinic_id_clinics"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("mrn", name=op.f("uq_patients_mrn")),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("rems_certified", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_sites_clinic_id_clinics"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("clinic_id", "name", name=op.f("uq_sites_clinic_id_name")),
    )
    op.create_table(
        "chairs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_chairs_site_id_sites"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chairs")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_chairs_site_id_name")),
    )
    op.create_table(
        "patient_identifiers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("system", sa.String(length=200), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_patient_identifiers_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_identifiers")),
        sa.UniqueConstraint(
            "system", "value", name=op.f("uq_patient_identifiers_system_value")
        ),
    )
    with op.batch_alter_table("patient_identifiers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patient_identifiers_patient_id"),
            ["patient_id"],
            unique=False,
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "prescriber",
                "nurse",
                "therapist",
                "front_desk",
                "patient",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("npi", sa.String(length=10), nullable=True),
        sa.Column("on_call", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_users_clinic_id_clinics"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_users_patient_id_patients"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("patient_id", name=op.f("uq_users_patient_id")),
    )
    op.create_table(
        "antidepressant_trials",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("drug", sa.String(length=100), nullable=False),
        sa.Column("drug_class", sa.String(length=64), nullable=False),
        sa.Column(
            "daily_dose_mg",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column(
            "weeks", ketapath.db.base.DecimalText(precision=12, scale=4), nullable=True
        ),
        sa.Column(
            "improvement_pct",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column("remission", sa.Boolean(), nullable=True),
        sa.Column("adequacy_override", sa.Boolean(), nullable=True),
        sa.Column("override_reason", sa.String(length=1000), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "adequacy_override IS NULL OR override_reason IS NOT NULL",
            name=op.f("ck_antidepressant_trials_override_needs_reason"),
        ),
        sa.CheckConstraint(
            "daily_dose_mg IS NULL OR CAST(daily_dose_mg AS REAL) > 0",
            name=op.f("ck_antidepressant_trials_daily_dose_mg_positive"),
        ),
        sa.CheckConstraint(
            "improvement_pct IS NULL OR (CAST(improvement_pct AS REAL) >= -100 AND CAST(improvement_pct AS REAL) <= 100)",
            name=op.f("ck_antidepressant_trials_improvement_pct_range"),
        ),
        sa.CheckConstraint(
            "weeks IS NULL OR (CAST(weeks AS REAL) >= 0 AND CAST(weeks AS REAL) <= 520)",
            name=op.f("ck_antidepressant_trials_weeks_range"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_antidepressant_trials_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_antidepressant_trials_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_antidepressant_trials")),
    )
    with op.batch_alter_table("antidepressant_trials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_antidepressant_trials_patient_id"),
            ["patient_id"],
            unique=False,
        )

    op.create_table(
        "assessments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column(
            "assessed_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("assessed_by_id", sa.Uuid(), nullable=True),
        sa.Column("trd_ruleset", sa.String(length=32), nullable=False),
        sa.Column("jurisdiction", sa.String(length=16), nullable=False),
        sa.Column("trd_met", sa.Boolean(), nullable=False),
        sa.Column("msm_score", sa.Integer(), nullable=True),
        sa.Column("msm_band", sa.String(length=16), nullable=True),
        sa.Column("iv_ketamine_status", sa.String(length=16), nullable=False),
        sa.Column("esketamine_status", sa.String(length=16), nullable=False),
        sa.Column("kap_status", sa.String(length=16), nullable=False),
        sa.Column(
            "profile",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column(
            "decision",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["assessed_by_id"],
            ["users.id"],
            name=op.f("fk_assessments_assessed_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_assessments_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assessments_patient_at", ["patient_id", "assessed_at"], unique=False
        )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "occurred_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_role", sa.String(length=16), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column(
            "detail",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_log_actor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_audit_log_patient_id_patients"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_occurred_at", ["occurred_at"], unique=False)
        batch_op.create_index(
            "ix_audit_log_patient_at", ["patient_id", "occurred_at"], unique=False
        )

    op.create_table(
        "auth_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "revoked_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_auth_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_tokens_token_hash")),
    )
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_auth_tokens_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "conditions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_conditions_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_conditions_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conditions")),
        sa.UniqueConstraint(
            "patient_id", "code", name=op.f("uq_conditions_patient_id_code")
        ),
    )
    with op.batch_alter_table("conditions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conditions_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "medications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("drug_class", sa.String(length=64), nullable=False),
        sa.Column(
            "daily_dose_mg",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_medications_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_medications_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medications")),
    )
    with op.batch_alter_table("medications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_medications_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "assessment_overrides",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("route", sa.String(length=16), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("overridden_by_id", sa.Uuid(), nullable=False),
        sa.Column(
            "overridden_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "length(reason) >= 10", name=op.f("ck_assessment_overrides_reason_length")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_assessment_overrides_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["overridden_by_id"],
            ["users.id"],
            name=op.f("fk_assessment_overrides_overridden_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_overrides")),
    )
    with op.batch_alter_table("assessment_overrides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_overrides_assessment_id"),
            ["assessment_id"],
            unique=False,
        )

    op.create_table(
        "treatment_courses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column(
            "route",
            sa.Enum(
                "iv_ketamine",
                "esketamine",
                "kap",
                name="route",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("protocol", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "active",
                "completed",
                "stopped",
                name="course_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column(
            "weekdays",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("weight_basis", sa.String(length=16), nullable=True),
        sa.Column(
            "dose_mg_per_kg",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column("infusion_minutes", sa.Integer(), nullable=True),
        sa.Column("assessment_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column(
            "ended_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "created_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_treatment_courses_assessment_id_assessments"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_treatment_courses_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_treatment_courses_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treatment_courses")),
    )
    with op.batch_alter_table("treatment_courses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_treatment_courses_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "treatment_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("scheduled_date", sa.Date(), nullable=False),
        sa.Column("scheduled_time", sa.String(length=5), nullable=True),
        sa.Column("chair_id", sa.Uuid(), nullable=True),
        sa.Column(
            "planned_dose_mg",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column(
            "planned_dose_mg_per_kg",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column("planned_chair_minutes", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "scheduled",
                "checked_in",
                "dosing",
                "monitoring",
                "ready",
                "discharged",
                "cancelled",
                name="session_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "predose_check",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column("predose_acknowledged_by_id", sa.Uuid(), nullable=True),
        sa.Column(
            "checked_in_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "first_dose_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "ready_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "discharged_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("discharged_by_id", sa.Uuid(), nullable=True),
        sa.Column(
            "discharge",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column("cancelled_reason", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "planned_chair_minutes IS NULL OR planned_chair_minutes > 0",
            name=op.f("ck_treatment_sessions_chair_minutes_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["chair_id"],
            ["chairs.id"],
            name=op.f("fk_treatment_sessions_chair_id_chairs"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["treatment_courses.id"],
            name=op.f("fk_treatment_sessions_course_id_treatment_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["discharged_by_id"],
            ["users.id"],
            name=op.f("fk_treatment_sessions_discharged_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_treatment_sessions_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["predose_acknowledged_by_id"],
            ["users.id"],
            name=op.f("fk_treatment_sessions_predose_acknowledged_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treatment_sessions")),
        sa.UniqueConstraint(
            "course_id", "number", name=op.f("uq_treatment_sessions_course_id_number")
        ),
    )
    with op.batch_alter_table("treatment_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_treatment_sessions_date", ["scheduled_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_treatment_sessions_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "adverse_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column(
            "onset_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "resolved_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("description", sa.String(length=2000), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "severity IN ('mild', 'moderate', 'severe', 'serious')",
            name=op.f("ck_adverse_events_severity"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_adverse_events_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_adverse_events_session_id_treatment_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adverse_events")),
    )
    with op.batch_alter_table("adverse_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_adverse_events_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "doses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("drug", sa.String(length=32), nullable=False),
        sa.Column(
            "dose_mg",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=False,
        ),
        sa.Column("devices", sa.Integer(), nullable=True),
        sa.Column("infusion_minutes", sa.Integer(), nullable=True),
        sa.Column(
            "dosing_weight_kg",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column("lot_number", sa.String(length=64), nullable=True),
        sa.Column("rule_id", sa.String(length=64), nullable=True),
        sa.Column(
            "given_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("given_by_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "CAST(dose_mg AS REAL) > 0 AND CAST(dose_mg AS REAL) <= 1000",
            name=op.f("ck_doses_dose_mg_range"),
        ),
        sa.CheckConstraint(
            "devices IS NULL OR (devices >= 1 AND devices <= 3)",
            name=op.f("ck_doses_devices_range"),
        ),
        sa.ForeignKeyConstraint(
            ["given_by_id"], ["users.id"], name=op.f("fk_doses_given_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_doses_session_id_treatment_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_doses")),
    )
    with op.batch_alter_table("doses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_doses_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "measurements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("instrument", sa.String(length=32), nullable=False),
        sa.Column(
            "taken_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "source",
            sa.Enum(
                "clinician",
                "patient",
                "import",
                name="source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("severity", sa.String(length=32), nullable=True),
        sa.Column("risk", sa.String(length=16), nullable=True),
        sa.Column(
            "flags",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("rule_version", sa.String(length=16), nullable=False),
        sa.Column("minutes_after_dose", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column(
            "recorded_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "total IS NULL OR total >= 0",
            name=op.f("ck_measurements_total_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_measurements_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_measurements_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_measurements_session_id_treatment_sessions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurements")),
    )
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_measurements_patient_taken", ["patient_id", "taken_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measurements_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "signed_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "created_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_notes_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_notes_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_notes_session_id_treatment_sessions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notes_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "vital_signs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column(
            "taken_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("minutes_after_dose", sa.Integer(), nullable=True),
        sa.Column("systolic_mmhg", sa.Integer(), nullable=True),
        sa.Column("diastolic_mmhg", sa.Integer(), nullable=True),
        sa.Column("heart_rate_bpm", sa.Integer(), nullable=True),
        sa.Column("spo2_pct", sa.Integer(), nullable=True),
        sa.Column("respiratory_rate_per_min", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column(
            "recorded_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "diastolic_mmhg IS NULL OR (diastolic_mmhg >= 20 AND diastolic_mmhg <= 200)",
            name=op.f("ck_vital_signs_diastolic_range"),
        ),
        sa.CheckConstraint(
            "heart_rate_bpm IS NULL OR (heart_rate_bpm >= 20 AND heart_rate_bpm <= 250)",
            name=op.f("ck_vital_signs_heart_rate_range"),
        ),
        sa.CheckConstraint(
            "respiratory_rate_per_min IS NULL OR (respiratory_rate_per_min >= 4 AND respiratory_rate_per_min <= 60)",
            name=op.f("ck_vital_signs_respiratory_rate_range"),
        ),
        sa.CheckConstraint(
            "spo2_pct IS NULL OR (spo2_pct >= 50 AND spo2_pct <= 100)",
            name=op.f("ck_vital_signs_spo2_range"),
        ),
        sa.CheckConstraint(
            "systolic_mmhg IS NULL OR (systolic_mmhg >= 50 AND systolic_mmhg <= 300)",
            name=op.f("ck_vital_signs_systolic_range"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_vital_signs_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_vital_signs_session_id_treatment_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vital_signs")),
    )
    with op.batch_alter_table("vital_signs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vital_signs_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("measurement_id", sa.Uuid(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "suicide_risk",
                "vitals",
                "sedation",
                "adverse_event",
                "outcome",
                name="alert_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "severity",
            sa.Enum(
                "critical",
                "high",
                "moderate",
                "low",
                name="alert_severity",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column(
            "raised_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("acknowledged_by_id", sa.Uuid(), nullable=True),
        sa.Column(
            "acknowledged_at",
            ketapath.db.base.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("acknowledgement_note", sa.String(length=2000), nullable=True),
        sa.Column(
            "escalated_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.CheckConstraint(
            "(acknowledged_at IS NULL AND acknowledged_by_id IS NULL) OR (acknowledged_at IS NOT NULL AND acknowledged_by_id IS NOT NULL)",
            name=op.f("ck_alerts_ack_who_and_when"),
        ),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["users.id"],
            name=op.f("fk_alerts_acknowledged_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["measurement_id"],
            ["measurements.id"],
            name=op.f("fk_alerts_measurement_id_measurements"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_alerts_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_alerts_session_id_treatment_sessions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alerts_open", ["acknowledged_at", "raised_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_alerts_patient_id"), ["patient_id"], unique=False
        )

    op.create_table(
        "measurement_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("measurement_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measurement_id"],
            ["measurements.id"],
            name=op.f("fk_measurement_items_measurement_id_measurements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurement_items")),
        sa.UniqueConstraint(
            "measurement_id",
            "item_id",
            name=op.f("uq_measurement_items_measurement_id_item_id"),
        ),
    )
    with op.batch_alter_table("measurement_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measurement_items_measurement_id"),
            ["measurement_id"],
            unique=False,
        )

    _create_append_only_triggers()


def downgrade() -> None:
    _drop_append_only_triggers()

    with op.batch_alter_table("measurement_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measurement_items_measurement_id"))

    op.drop_table("measurement_items")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_patient_id"))
        batch_op.drop_index("ix_alerts_open")

    op.drop_table("alerts")
    with op.batch_alter_table("vital_signs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vital_signs_session_id"))

    op.drop_table("vital_signs")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notes_patient_id"))

    op.drop_table("notes")
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measurements_session_id"))
        batch_op.drop_index("ix_measurements_patient_taken")

    op.drop_table("measurements")
    with op.batch_alter_table("doses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_doses_session_id"))

    op.drop_table("doses")
    with op.batch_alter_table("adverse_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adverse_events_session_id"))

    op.drop_table("adverse_events")
    with op.batch_alter_table("treatment_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_treatment_sessions_patient_id"))
        batch_op.drop_index("ix_treatment_sessions_date")

    op.drop_table("treatment_sessions")
    with op.batch_alter_table("treatment_courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_treatment_courses_patient_id"))

    op.drop_table("treatment_courses")
    with op.batch_alter_table("assessment_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_overrides_assessment_id"))

    op.drop_table("assessment_overrides")
    with op.batch_alter_table("medications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_medications_patient_id"))

    op.drop_table("medications")
    with op.batch_alter_table("conditions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conditions_patient_id"))

    op.drop_table("conditions")
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_tokens_user_id"))

    op.drop_table("auth_tokens")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_patient_at")
        batch_op.drop_index("ix_audit_log_occurred_at")

    op.drop_table("audit_log")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_patient_at")

    op.drop_table("assessments")
    with op.batch_alter_table("antidepressant_trials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_antidepressant_trials_patient_id"))

    op.drop_table("antidepressant_trials")
    op.drop_table("users")
    with op.batch_alter_table("patient_identifiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_identifiers_patient_id"))

    op.drop_table("patient_identifiers")
    op.drop_table("chairs")
    op.drop_table("sites")
    op.drop_table("patients")
    op.drop_table("clinics")


APPEND_ONLY_TABLES = ("audit_log",)


def _create_append_only_triggers() -> None:
    """Refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on append-only tables."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION ketapath_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$ LANGUAGE plpgsql"
        )
    for table in APPEND_ONLY_TABLES:
        if dialect == "postgresql":
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ketapath_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ketapath_append_only()"
            )
        else:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )


def _drop_append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY_TABLES:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        else:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ketapath_append_only()")

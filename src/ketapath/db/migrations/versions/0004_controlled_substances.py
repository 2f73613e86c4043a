"""Controlled substances: products, lots, the append-only ledger, discrepancies, theft/loss.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ketapath.db.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_TABLES = ("ledger_entries",)


def upgrade() -> None:
    op.create_table(
        "controlled_products",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "substance",
            sa.Enum(
                "ketamine",
                "esketamine",
                name="controlled_substance",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("ndc", sa.String(length=13), nullable=False),
        sa.Column("dea_schedule", sa.String(length=4), nullable=False),
        sa.Column("finished_form", sa.String(length=100), nullable=False),
        sa.Column(
            "unit",
            sa.Enum(
                "mg",
                "devices",
                name="ledger_unit",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "units_per_container",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=False,
        ),
        sa.Column(
            "mg_per_ml",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column(
            "mg_per_device",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "dea_schedule = 'III'", name=op.f("ck_controlled_products_dea_schedule")
        ),
        sa.CheckConstraint(
            "CAST(units_per_container AS REAL) > 0",
            name=op.f("ck_controlled_products_units_per_container_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_controlled_products_clinic_id_clinics"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_controlled_products")),
        sa.UniqueConstraint(
            "clinic_id", "ndc", name=op.f("uq_controlled_products_clinic_id_ndc")
        ),
    )
    with op.batch_alter_table("controlled_products", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_controlled_products_clinic_id"), ["clinic_id"], unique=False
        )
    op.create_table(
        "ledger_chains",
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("head_sequence", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "updated_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_ledger_chains_clinic_id_clinics"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_ledger_chains")),
    )
    op.create_table(
        "controlled_lots",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("ndc", sa.String(length=13), nullable=False),
        sa.Column("lot_number", sa.String(length=64), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=False),
        sa.Column("storage_location", sa.String(length=200), nullable=False),
        sa.Column(
            "balance_mg",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column(
            "balance_devices",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "((balance_mg IS NULL) <> (balance_devices IS NULL))",
            name=op.f("ck_controlled_lots_balance_one_unit"),
        ),
        sa.CheckConstraint(
            "balance_devices IS NULL OR CAST(balance_devices AS REAL) >= 0",
            name=op.f("ck_controlled_lots_balance_devices_non_negative"),
        ),
        sa.CheckConstraint(
            "balance_mg IS NULL OR CAST(balance_mg AS REAL) >= 0",
            name=op.f("ck_controlled_lots_balance_mg_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_controlled_lots_clinic_id_clinics"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["controlled_products.id"],
            name=op.f("fk_controlled_lots_product_id_controlled_products"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_controlled_lots")),
        sa.UniqueConstraint(
            "product_id",
            "lot_number",
            name=op.f("uq_controlled_lots_product_id_lot_number"),
        ),
    )
    with op.batch_alter_table("controlled_lots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_controlled_lots_clinic_id"), ["clinic_id"], unique=False
        )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "receipt",
                "administration",
                "disposal",
                "transfer",
                "count",
                "correction",
                name="ledger_entry_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "occurred_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "recorded_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=False),
        sa.Column(
            "change_mg",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column(
            "change_devices",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column(
            "balance_mg",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column(
            "balance_devices",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column(
            "given_mg",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column(
            "given_devices",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column(
            "wasted_mg",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column(
            "wasted_devices",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column(
            "counted_mg",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column(
            "counted_devices",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("witness_id", sa.Uuid(), nullable=True),
        sa.Column("containers", sa.Integer(), nullable=True),
        sa.Column("supplier_name", sa.String(length=200), nullable=True),
        sa.Column("supplier_address", sa.String(length=500), nullable=True),
        sa.Column("supplier_dea_number", sa.String(length=9), nullable=True),
        sa.Column("transfer_direction", sa.String(length=3), nullable=True),
        sa.Column("counterparty_name", sa.String(length=200), nullable=True),
        sa.Column("counterparty_address", sa.String(length=500), nullable=True),
        sa.Column("counterparty_dea_number", sa.String(length=9), nullable=True),
        sa.Column("disposal_manner", sa.String(length=200), nullable=True),
        sa.Column(
            "count_kind",
            sa.Enum(
                "initial",
                "biennial",
                "ad_hoc",
                name="ledger_count_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("estimated", sa.Boolean(), nullable=False),
        sa.Column("corrects_entry_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "transfer_direction IS NULL OR transfer_direction IN ('in', 'out')",
            name=op.f("ck_ledger_entries_transfer_direction"),
        ),
        sa.CheckConstraint(
            "((balance_mg IS NULL) <> (balance_devices IS NULL))",
            name=op.f("ck_ledger_entries_balance_one_unit"),
        ),
        sa.CheckConstraint(
            "((change_mg IS NULL) <> (change_devices IS NULL))",
            name=op.f("ck_ledger_entries_change_one_unit"),
        ),
        sa.CheckConstraint(
            "((counted_mg IS NULL) <> (counted_devices IS NULL)) OR (counted_mg IS NULL AND counted_devices IS NULL)",
            name=op.f("ck_ledger_entries_counted_one_unit"),
        ),
        sa.CheckConstraint(
            "((given_mg IS NULL) <> (given_devices IS NULL)) OR (given_mg IS NULL AND given_devices IS NULL)",
            name=op.f("ck_ledger_entries_given_one_unit"),
        ),
        sa.CheckConstraint(
            "((wasted_mg IS NULL) <> (wasted_devices IS NULL)) OR (wasted_mg IS NULL AND wasted_devices IS NULL)",
            name=op.f("ck_ledger_entries_wasted_one_unit"),
        ),
        sa.CheckConstraint(
            "balance_devices IS NULL OR CAST(balance_devices AS REAL) >= 0",
            name=op.f("ck_ledger_entries_balance_devices_non_negative"),
        ),
        sa.CheckConstraint(
            "balance_mg IS NULL OR CAST(balance_mg AS REAL) >= 0",
            name=op.f("ck_ledger_entries_balance_mg_non_negative"),
        ),
        sa.CheckConstraint(
            "containers IS NULL OR containers >= 0",
            name=op.f("ck_ledger_entries_containers"),
        ),
        sa.CheckConstraint(
            "counted_devices IS NULL OR CAST(counted_devices AS REAL) >= 0",
            name=op.f("ck_ledger_entries_counted_devices_non_negative"),
        ),
        sa.CheckConstraint(
            "counted_mg IS NULL OR CAST(counted_mg AS REAL) >= 0",
            name=op.f("ck_ledger_entries_counted_mg_non_negative"),
        ),
        sa.CheckConstraint(
            "given_devices IS NULL OR CAST(given_devices AS REAL) >= 0",
            name=op.f("ck_ledger_entries_given_devices_non_negative"),
        ),
        sa.CheckConstraint(
            "given_mg IS NULL OR CAST(given_mg AS REAL) >= 0",
            name=op.f("ck_ledger_entries_given_mg_non_negative"),
        ),
        sa.CheckConstraint(
            "sequence >= 1", name=op.f("ck_ledger_entries_sequence_positive")
        ),
        sa.CheckConstraint(
            "wasted_devices IS NULL OR CAST(wasted_devices AS REAL) >= 0",
            name=op.f("ck_ledger_entries_wasted_devices_non_negative"),
        ),
        sa.CheckConstraint(
            "wasted_mg IS NULL OR CAST(wasted_mg AS REAL) >= 0",
            name=op.f("ck_ledger_entries_wasted_mg_non_negative"),
        ),
        sa.CheckConstraint(
            "witness_id IS NULL OR witness_id <> recorded_by_id",
            name=op.f("ck_ledger_entries_witness_differs"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_ledger_entries_clinic_id_clinics"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["corrects_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_ledger_entries_corrects_entry_id_ledger_entries"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["controlled_lots.id"],
            name=op.f("fk_ledger_entries_lot_id_controlled_lots"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_ledger_entries_patient_id_patients"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_ledger_entries_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_ledger_entries_session_id_treatment_sessions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["witness_id"],
            ["users.id"],
            name=op.f("fk_ledger_entries_witness_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint(
            "clinic_id", "sequence", name=op.f("uq_ledger_entries_clinic_id_sequence")
        ),
        sa.UniqueConstraint("entry_hash", name=op.f("uq_ledger_entries_entry_hash")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_entries_clinic_occurred",
            ["clinic_id", "occurred_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_ledger_entries_lot_occurred", ["lot_id", "occurred_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_session_id"), ["session_id"], unique=False
        )
    op.create_table(
        "ledger_discrepancies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("count_entry_id", sa.Uuid(), nullable=False),
        sa.Column(
            "opened_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "resolved_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("resolved_by_id", sa.Uuid(), nullable=True),
        sa.Column("resolution_reason", sa.String(length=1000), nullable=True),
        sa.Column("correction_entry_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "(resolved_at IS NULL AND resolved_by_id IS NULL AND resolution_reason IS NULL) OR (resolved_at IS NOT NULL AND resolved_by_id IS NOT NULL AND resolution_reason IS NOT NULL)",
            name=op.f("ck_ledger_discrepancies_resolution_complete"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_ledger_discrepancies_clinic_id_clinics"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["correction_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_ledger_discrepancies_correction_entry_id_ledger_entries"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["count_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_ledger_discrepancies_count_entry_id_ledger_entries"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["controlled_lots.id"],
            name=op.f("fk_ledger_discrepancies_lot_id_controlled_lots"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_ledger_discrepancies_resolved_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_discrepancies")),
        sa.UniqueConstraint(
            "count_entry_id", name=op.f("uq_ledger_discrepancies_count_entry_id")
        ),
    )
    with op.batch_alter_table("ledger_discrepancies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_discrepancies_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_discrepancies_lot_id"), ["lot_id"], unique=False
        )
    op.create_table(
        "theft_loss_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=True),
        sa.Column("discrepancy_id", sa.Uuid(), nullable=True),
        sa.Column(
            "quantity_mg",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column(
            "quantity_devices",
            ketapath.db.base.DecimalText(precision=12, scale=4),
            nullable=True,
        ),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column(
            "discovered_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("notice_due_on", sa.Date(), nullable=False),
        sa.Column("form_106_due_on", sa.Date(), nullable=False),
        sa.Column("reported_by_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "notice_sent_at", ketapath.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("notice_sent_by_id", sa.Uuid(), nullable=True),
        sa.Column(
            "form_106_filed_at",
            ketapath.db.base.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("form_106_filed_by_id", sa.Uuid(), nullable=True),
        sa.Column("form_106_reference", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "kind IN ('theft', 'loss')", name=op.f("ck_theft_loss_reports_kind")
        ),
        sa.CheckConstraint(
            "((quantity_mg IS NULL) <> (quantity_devices IS NULL)) OR (quantity_mg IS NULL AND quantity_devices IS NULL)",
            name=op.f("ck_theft_loss_reports_quantity_one_unit"),
        ),
        sa.CheckConstraint(
            "quantity_devices IS NULL OR CAST(quantity_devices AS REAL) >= 0",
            name=op.f("ck_theft_loss_reports_quantity_devices_non_negative"),
        ),
        sa.CheckConstraint(
            "quantity_mg IS NULL OR CAST(quantity_mg AS REAL) >= 0",
            name=op.f("ck_theft_loss_reports_quantity_mg_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_theft_loss_reports_clinic_id_clinics"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["discrepancy_id"],
            ["ledger_discrepancies.id"],
            name=op.f("fk_theft_loss_reports_discrepancy_id_ledger_discrepancies"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["form_106_filed_by_id"],
            ["users.id"],
            name=op.f("fk_theft_loss_reports_form_106_filed_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["controlled_lots.id"],
            name=op.f("fk_theft_loss_reports_lot_id_controlled_lots"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["notice_sent_by_id"],
            ["users.id"],
            name=op.f("fk_theft_loss_reports_notice_sent_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"],
            ["users.id"],
            name=op.f("fk_theft_loss_reports_reported_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theft_loss_reports")),
    )
    with op.batch_alter_table("theft_loss_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_theft_loss_reports_clinic_id"), ["clinic_id"], unique=False
        )
    _create_append_only_triggers()


def downgrade() -> None:
    _drop_append_only_triggers()
    with op.batch_alter_table("theft_loss_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theft_loss_reports_clinic_id"))
    op.drop_table("theft_loss_reports")
    with op.batch_alter_table("ledger_discrepancies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_discrepancies_lot_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_discrepancies_clinic_id"))
    op.drop_table("ledger_discrepancies")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_session_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_patient_id"))
        batch_op.drop_index("ix_ledger_entries_lot_occurred")
        batch_op.drop_index("ix_ledger_entries_clinic_occurred")
    op.drop_table("ledger_entries")
    with op.batch_alter_table("controlled_lots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_controlled_lots_clinic_id"))
    op.drop_table("controlled_lots")
    op.drop_table("ledger_chains")
    with op.batch_alter_table("controlled_products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_controlled_products_clinic_id"))
    op.drop_table("controlled_products")


def _create_append_only_triggers() -> None:
    """Refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on the ledger.

    PostgreSQL reuses ``ketapath_append_only()`` from 0001 (it names the table in its message).
    """
    dialect = op.get_bind().dialect.name
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

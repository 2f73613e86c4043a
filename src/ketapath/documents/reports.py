"""Controlled-substance reports: the dispensing log (CSV and PDF) and the inventory (PDF).

Rows come from ``ketapath.services.ledger`` (``dispensing_log`` → ``DispensingLogRow``,
``inventory_report`` → ``InventoryRow``, both in ``ketapath.schemas.ledger``). The CSV carries
every field of the row (for import elsewhere); the PDFs print the columns an inspector reads
(21 CFR 1304.22(c): date, drug, quantity, patient name and address, who administered).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date
from enum import Enum

from ketapath.documents._pdf import Pdf, fmt
from ketapath.schemas.ledger import DispensingLogRow, InventoryRow

__all__ = [
    "DISPENSING_PDF_COLUMNS",
    "INVENTORY_PDF_COLUMNS",
    "dispensing_log_csv",
    "dispensing_log_pdf",
    "inventory_pdf",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: object) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    return fmt(value)


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else _text(value)
    # A spreadsheet runs a cell starting with these as a formula; numbers stay as they are.
    if text.startswith(_FORMULA_START):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


DISPENSING_PDF_COLUMNS: tuple[tuple[str, Callable[[DispensingLogRow], object]], ...] = (
    ("Date/time", lambda r: r.occurred_at),
    ("Product", lambda r: r.product),
    ("NDC", lambda r: r.ndc),
    ("Lot", lambda r: r.lot_number),
    ("Patient", lambda r: r.patient_name),
    ("Patient address", lambda r: r.patient_address),
    ("Unit", lambda r: r.quantity_unit),
    ("Drawn", lambda r: r.drawn_quantity),
    ("Given", lambda r: r.given_quantity),
    ("Wasted", lambda r: r.wasted_quantity),
    ("Administered by", lambda r: r.administered_by),
    ("Waste witness", lambda r: r.waste_witness),
)
INVENTORY_PDF_COLUMNS: tuple[tuple[str, Callable[[InventoryRow], object]], ...] = (
    ("Product", lambda r: r.product),
    ("NDC", lambda r: r.ndc),
    ("Form", lambda r: r.finished_form),
    ("Lot", lambda r: r.lot_number),
    ("Expiry", lambda r: r.expiry_date),
    ("Location", lambda r: r.storage_location),
    ("Unit", lambda r: r.quantity_unit),
    ("Balance", lambda r: r.balance),
    ("Units/container", lambda r: r.units_per_container),
    ("Last count", lambda r: r.last_count_at),
    ("Count kind", lambda r: r.last_count_kind),
    ("Estimated", lambda r: r.last_count_estimated),
    ("Open discrepancies", lambda r: r.open_discrepancies),
)


def dispensing_log_csv(rows: Sequence[DispensingLogRow]) -> bytes:
    """The dispensing log as CSV: a header of every field name, one line per administration."""
    columns = list(DispensingLogRow.model_fields)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(getattr(row, name)) for name in columns])
    return buffer.getvalue().encode("utf-8")


def dispensing_log_pdf(
    rows: Sequence[DispensingLogRow], *, clinic_name: str, start: date, end: date
) -> bytes:
    """The dispensing log as a PDF table."""
    pdf = Pdf(f"Controlled substance dispensing log: {clinic_name}", wide=True)
    pdf.text(f"Period {start.isoformat()} to {end.isoformat()}; {len(rows)} entries.")
    pdf.table(
        [label for label, _get in DISPENSING_PDF_COLUMNS],
        [[_text(get(r)) for _label, get in DISPENSING_PDF_COLUMNS] for r in rows],
        empty="No administrations in this period.",
    )
    return pdf.render()


def inventory_pdf(
    rows: Sequence[InventoryRow], *, clinic_name: str, as_of: date
) -> bytes:
    """The inventory report as a PDF table."""
    pdf = Pdf(f"Controlled substance inventory: {clinic_name}", wide=True)
    pdf.text(f"As of {as_of.isoformat()}; {len(rows)} lots.")
    pdf.table(
        [label for label, _get in INVENTORY_PDF_COLUMNS],
        [[_text(get(r)) for _label, get in INVENTORY_PDF_COLUMNS] for r in rows],
        empty="No stock on hand.",
    )
    return pdf.render()

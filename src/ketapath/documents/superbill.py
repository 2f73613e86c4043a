"""The superbill PDF: provider, patient, dates of service, codes, fees, ICD-10, paid."""

from __future__ import annotations

from decimal import Decimal

from ketapath.documents._pdf import Pdf, fmt
from ketapath.schemas.billing import SuperbillRead

__all__ = ["FEE_NOT_SET", "superbill_pdf"]

FEE_NOT_SET = "fee not set"


def _money(value: Decimal | None) -> str:
    return FEE_NOT_SET if value is None else f"${value:,.2f}"


def superbill_pdf(bill: SuperbillRead) -> bytes:
    """Render a superbill; a code without a fee prints "fee not set", never a made-up fee."""
    pdf = Pdf("Superbill")
    pdf.pairs(
        [
            ("Clinic", bill.clinic_name),
            ("Clinic address", bill.clinic_address),
            *[
                (f"Provider {i + 1}", f"{p.name}, NPI {fmt(p.npi)}")
                for i, p in enumerate(bill.providers)
            ],
            ("Patient", bill.patient_name),
            ("Patient birth date", bill.patient_birth_date),
            ("Patient address", bill.patient_address),
            ("Period", f"{bill.start} to {bill.end}"),
        ]
    )
    pdf.heading("Diagnoses (ICD-10-CM)")
    pdf.table(
        ["Code", "Description"],
        [[d.code, d.description] for d in bill.diagnoses],
        empty="No diagnosis code set.",
        widths=[1.0, 6.0],
    )
    pdf.heading("Services (CPT/HCPCS)")
    pdf.table(
        ["Date of service", "Code", "Description", "Units", "Fee", "Amount"],
        [
            [
                fmt(line.date_of_service),
                line.code,
                line.description,
                str(line.units),
                _money(line.unit_fee),
                _money(line.amount),
            ]
            for line in bill.lines
        ],
        empty="No billable services in this period.",
        widths=[1.0, 0.7, 3.0, 0.5, 0.9, 0.9],
    )
    pdf.heading("Totals")
    pdf.pairs(
        [
            ("Total charges", _money(bill.total_charges)),
            ("Paid", _money(bill.paid)),
            ("Balance", _money(bill.balance)),
        ]
    )
    if not bill.complete:
        pdf.text(
            "INCOMPLETE: "
            + "; ".join(bill.missing)
            + ". Totals include only services with a fee set."
        )
    for note in bill.notes:
        pdf.text(note)
    return pdf.render()

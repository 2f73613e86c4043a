"""The REMS Patient Monitoring Form as a PDF, field by field in the form's order."""

from __future__ import annotations

from ketapath.documents._pdf import Pdf, fmt
from ketapath.schemas.rems import REMS_FIELDS, RemsFormRead

__all__ = ["rems_form_pdf"]


def rems_form_pdf(form: RemsFormRead, *, signed_by: str | None = None) -> bytes:
    """Render the form; a draft says so and lists what is still missing."""
    values = form.values.model_dump()
    title = "SPRAVATO REMS Patient Monitoring Form"
    if form.amends_id is not None:
        title += " (amended)"
    pdf = Pdf(title)
    pdf.pairs(
        [
            ("Status", form.status),
            ("Treatment date", form.treatment_date),
            ("Due by", form.due_on),
            ("Signed at", form.signed_at),
            ("Signed by", signed_by),
            ("Submitted on", form.submitted_on),
            ("Amends form", form.amends_id),
            ("Amendment reason", form.amendment_reason),
        ]
    )
    pdf.heading("Form fields")
    pdf.pairs([(label, values.get(name)) for name, label, _required in REMS_FIELDS])
    if form.status != "signed":
        pdf.heading("Not signed")
        pdf.text("Missing: " + (", ".join(form.missing) if form.missing else "nothing"))
        for problem in form.problems:
            pdf.text(f"{problem.field}: {problem.message}")
    pdf.text(
        "Form fields per the Janssen 11/2021 Patient Monitoring Form; submit within 7 days "
        f"of the session. Dose values: {fmt(values.get('dose'))}."
    )
    return pdf.render()

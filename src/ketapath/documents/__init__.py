"""Render documents (PDF with reportlab, CSV) from plain data; no database, no clock.

Renderers take boundary models (``ketapath.schemas``) and return bytes. Only
``ketapath.services`` imports this package: services load, check permissions and audit, then
call a renderer. PDFs use the standard Helvetica fonts, so their text is extractable.
"""

from ketapath.documents._pdf import fmt
from ketapath.documents.rems_form import rems_form_pdf
from ketapath.documents.reports import (
    dispensing_log_csv,
    dispensing_log_pdf,
    inventory_pdf,
)
from ketapath.documents.session_record import session_record_pdf
from ketapath.documents.superbill import superbill_pdf

__all__ = [
    "dispensing_log_csv",
    "dispensing_log_pdf",
    "fmt",
    "inventory_pdf",
    "rems_form_pdf",
    "session_record_pdf",
    "superbill_pdf",
]

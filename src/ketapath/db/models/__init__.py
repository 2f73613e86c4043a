"""Every table, imported so that ``Base.metadata`` is complete for Alembic and tests."""

from ketapath.db.models._types import (
    AlertKind,
    AlertSeverity,
    CourseStatus,
    MeasurementSource,
    Role,
    Route,
    SessionStatus,
)
from ketapath.db.models.alert import Alert
from ketapath.db.models.assessment import Assessment, AssessmentOverride
from ketapath.db.models.audit import AuditEntry
from ketapath.db.models.billing import FeeScheduleEntry, PatientDiagnosisCode, Payment
from ketapath.db.models.change_counter import ChangeCounter
from ketapath.db.models.clinic import Chair, Clinic, Site
from ketapath.db.models.course import TreatmentCourse
from ketapath.db.models.ledger import (
    ControlledLot,
    ControlledProduct,
    CountKind,
    LedgerChain,
    LedgerDiscrepancy,
    LedgerEntry,
    LedgerEntryKind,
    LedgerUnit,
    Substance,
    TheftLossReport,
)
from ketapath.db.models.measurement import Measurement, MeasurementItem
from ketapath.db.models.note import Note
from ketapath.db.models.patient import (
    AntidepressantTrial,
    Condition,
    Medication,
    Patient,
    PatientIdentifier,
)
from ketapath.db.models.questionnaire_link import QuestionnaireLink as QuestionnaireLink
from ketapath.db.models.rems import (
    RemsMonitoringForm,
    RemsPatientEnrolment,
    RemsSettingCertification,
)
from ketapath.db.models.session import AdverseEvent, Dose, TreatmentSession, VitalSign
from ketapath.db.models.user import AuthToken, User

__all__ = [
    "AdverseEvent",
    "Alert",
    "AlertKind",
    "AlertSeverity",
    "AntidepressantTrial",
    "Assessment",
    "AssessmentOverride",
    "AuditEntry",
    "AuthToken",
    "Chair",
    "ChangeCounter",
    "Clinic",
    "Condition",
    "ControlledLot",
    "ControlledProduct",
    "CountKind",
    "CourseStatus",
    "Dose",
    "FeeScheduleEntry",
    "LedgerChain",
    "LedgerDiscrepancy",
    "LedgerEntry",
    "LedgerEntryKind",
    "LedgerUnit",
    "Measurement",
    "MeasurementItem",
    "MeasurementSource",
    "Medication",
    "Note",
    "Patient",
    "PatientDiagnosisCode",
    "PatientIdentifier",
    "Payment",
    "QuestionnaireLink",
    "RemsMonitoringForm",
    "RemsPatientEnrolment",
    "RemsSettingCertification",
    "Role",
    "Route",
    "SessionStatus",
    "Site",
    "Substance",
    "TheftLossReport",
    "TreatmentCourse",
    "TreatmentSession",
    "User",
    "VitalSign",
]

"""Patient queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Uuid, bindparam, func, or_, select

from ketapath.db.models import Patient, PatientIdentifier
from ketapath.db.repositories.base import Repository


class PatientRepository(Repository[Patient]):
    """Patients of a clinic."""

    model = Patient

    def clinic_of(self, patient_id: uuid.UUID) -> uuid.UUID | None:
        """The clinic a patient belongs to (None when there is no such patient): one column."""
        return self.session.execute(
            _CLINIC_OF, {"patient_id": patient_id}
        ).scalar_one_or_none()

    def by_mrn(self, mrn: str) -> Patient | None:
        """Lookup by medical record number."""
        return self.session.scalar(select(Patient).where(Patient.mrn == mrn))

    def search(
        self, *, clinic_id: uuid.UUID, query: str | None, limit: int, offset: int
    ) -> tuple[Sequence[Patient], int]:
        """Patients whose name or MRN contains ``query`` (case-insensitive), by family name."""
        statement = select(Patient).where(Patient.clinic_id == clinic_id)
        if query:
            like = f"%{query.lower()}%"
            statement = statement.where(
                or_(
                    func.lower(Patient.given_name).like(like),
                    func.lower(Patient.family_name).like(like),
                    func.lower(Patient.mrn).like(like),
                    func.lower(Patient.given_name + " " + Patient.family_name).like(
                        like
                    ),
                )
            )
        total = (
            self.session.scalar(select(func.count()).select_from(statement.subquery()))
            or 0
        )
        rows = self.session.scalars(
            statement.order_by(Patient.family_name, Patient.given_name, Patient.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return rows, total

    def identifiers(self, patient_id: uuid.UUID) -> Sequence[PatientIdentifier]:
        """External identifiers of a patient."""
        return self.session.scalars(
            select(PatientIdentifier)
            .where(PatientIdentifier.patient_id == patient_id)
            .order_by(PatientIdentifier.system)
        ).all()

    def identifier_taken(self, system: str, value: str) -> bool:
        """True when another patient already holds this identifier."""
        return (
            self.session.scalar(
                select(PatientIdentifier.id).where(
                    PatientIdentifier.system == system, PatientIdentifier.value == value
                )
            )
            is not None
        )


_CLINIC_OF = select(Patient.clinic_id).where(
    Patient.id == bindparam("patient_id", type_=Uuid())
)

"""Enrol, find, read and update patients; every access is audited."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from ketapath.db.models import Patient, PatientIdentifier
from ketapath.db.repositories.patients import PatientRepository
from ketapath.schemas.patient import PatientCreate, PatientUpdate
from ketapath.services import audit
from ketapath.services.errors import ConflictError, NotFoundError
from ketapath.services.permissions import (
    Actor,
    Capability,
    ensure_patient_scope,
    require,
)

__all__ = [
    "check_patient",
    "enrol_patient",
    "get_patient",
    "load_patient",
    "search_patients",
    "update_patient",
]


def load_patient(
    session: Session, *, actor: Actor, patient_id: uuid.UUID, capability: Capability
) -> Patient:
    """Check role and scope, then load the patient (404 when missing or out of scope).

    Every service that touches one patient's data starts here, so scope is never forgotten.
    """
    require(actor, capability)
    ensure_patient_scope(actor, patient_id)
    patient = PatientRepository(session).get(patient_id)
    if patient is None or patient.clinic_id != actor.clinic_id:
        raise NotFoundError("patient not found")
    return patient


def check_patient(
    session: Session, *, actor: Actor, patient_id: uuid.UUID, capability: Capability
) -> uuid.UUID:
    """:func:`load_patient`'s checks without loading the record: for writes that need only the id.

    The same role, scope and clinic checks and the same 404; one column read instead of the
    patient's whole row (a hot path: recording a measurement).
    """
    require(actor, capability)
    ensure_patient_scope(actor, patient_id)
    if PatientRepository(session).clinic_of(patient_id) != actor.clinic_id:
        raise NotFoundError("patient not found")
    return patient_id


def enrol_patient(session: Session, *, actor: Actor, data: PatientCreate) -> Patient:
    """Create a patient with their identifiers."""
    require(actor, Capability.PATIENT_WRITE)
    patients = PatientRepository(session)
    if patients.by_mrn(data.mrn) is not None:
        raise ConflictError(f"MRN {data.mrn} is already in use", field="mrn")
    for identifier in data.identifiers:
        if patients.identifier_taken(identifier.system, identifier.value):
            raise ConflictError(
                "identifier already belongs to another patient", field="identifiers"
            )
    patient = patients.add(
        Patient(
            clinic_id=actor.clinic_id,
            **data.model_dump(exclude={"identifiers", "email"}),
            email=data.email,
        )
    )
    for identifier in data.identifiers:
        session.add(
            PatientIdentifier(
                patient_id=patient.id, system=identifier.system, value=identifier.value
            )
        )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="patient",
        entity_id=patient.id,
        patient_id=patient.id,
    )
    return patient


def get_patient(session: Session, *, actor: Actor, patient_id: uuid.UUID) -> Patient:
    """Read one patient (audited)."""
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=Capability.PATIENT_READ
    )
    audit.record(
        session,
        actor=actor,
        action="read",
        entity="patient",
        entity_id=patient.id,
        patient_id=patient.id,
    )
    return patient


def search_patients(
    session: Session, *, actor: Actor, query: str | None, limit: int, offset: int
) -> tuple[Sequence[Patient], int]:
    """Search the clinic's patients; a patient user finds only themselves."""
    require(actor, Capability.PATIENT_READ)
    if actor.role.value == "patient":
        assert actor.patient_id is not None
        own = PatientRepository(session).get(actor.patient_id)
        rows: Sequence[Patient] = [own] if own is not None else []
        total = len(rows)
    else:
        rows, total = PatientRepository(session).search(
            clinic_id=actor.clinic_id, query=query, limit=limit, offset=offset
        )
    audit.record(
        session,
        actor=actor,
        action="search",
        entity="patient",
        detail={"results": len(rows), "patient_ids": [str(p.id) for p in rows]},
    )
    return rows, total


def update_patient(
    session: Session, *, actor: Actor, patient_id: uuid.UUID, data: PatientUpdate
) -> Patient:
    """Apply the given fields; the audit entry lists which fields changed, not their values."""
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=Capability.PATIENT_WRITE
    )
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        setattr(patient, name, value)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="patient",
        entity_id=patient.id,
        patient_id=patient.id,
        detail={"fields": sorted(changes)},
    )
    return patient

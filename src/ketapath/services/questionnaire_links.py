"""Questionnaire links: a clinician sends a link; the patient answers self-report instruments.

Decisions (documented here, tested in ``tests/services/test_questionnaire_links.py``):

- **Secret.** The link's token is 32 random bytes (URL-safe); only its SHA-256 is stored, like
  auth tokens. The token is shown once, when the link is made. A second per-link secret,
  ``form_nonce``, is put in the questionnaire form and must come back with every submission:
  together with the token in the URL it is the CSRF defence of a page that has no login.
- **Single use per instrument.** Each instrument on a link is answered once; answering it again
  is 409. When every instrument is answered the link is used up (``completed_at``) and opening
  it again is 410, as is opening it after ``expires_at``. An unknown token is 404. None of these
  answers says whether a patient exists.
- **Who records the answers.** Answers go through
  :func:`ketapath.services.measurements.record_measurement`, so scoring, the suicide-risk alert
  (PHQ-9 item 9 ≥ 1, C-SSRS) and the audit entries are exactly those of the API. The acting
  :class:`Actor` has role ``patient`` and is bound to the link's patient (the scope check
  passes for that patient only). Its ``user_id`` is the patient's own login when the patient
  has an active one; otherwise it is the clinician who issued the link, because audit entries
  and ``recorded_by_id`` must name a real user. In that case the measurement's ``source`` is
  still ``patient``, and the link's own audit entries (below) tie the answers to the link.
- **Audit.** Every access by token is audited with no actor, the patient set and the link id in
  ``detail`` — including refused ones (unknown, expired, used, wrong form nonce), which survive
  the error's rollback (``keep_writes``).
- **Not here:** rate limiting of token guesses (the 256-bit token makes guessing hopeless, but a
  proxy should still limit ``/q/`` requests), and sending the link (the clinician copies it or
  uses the prepared e-mail/SMS text).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ketapath.core.errors import ClinicalError, IncompleteResponsesError
from ketapath.core.instruments import Instrument, get_instrument, score
from ketapath.db.base import utcnow
from ketapath.db.models import AlertKind, Patient, Role
from ketapath.db.models.questionnaire_link import QuestionnaireLink
from ketapath.db.repositories.patients import PatientRepository
from ketapath.db.repositories.questionnaire_links import QuestionnaireLinkRepository
from ketapath.db.repositories.users import UserRepository
from ketapath.schemas.measurement import MeasurementCreate
from ketapath.schemas.questionnaire_link import QuestionnaireLinkCreate
from ketapath.services import audit
from ketapath.services import measurements as measurement_service
from ketapath.services.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    ServiceError,
    UnprocessableError,
)
from ketapath.services.measurements import RecordedMeasurement
from ketapath.services.patients import load_patient
from ketapath.services.permissions import Actor, Capability, require

__all__ = [
    "AnswersInvalidError",
    "IssuedLink",
    "LinkGoneError",
    "LinkNotFoundError",
    "OpenedLink",
    "SubmittedAnswers",
    "create_link",
    "list_links",
    "open_link",
    "submit_answers",
    "token_digest",
]

TOKEN_BYTES = 32
NONCE_BYTES = 24
ISSUER_ROLES = frozenset({Role.PRESCRIBER, Role.NURSE, Role.THERAPIST})
"""Clinicians who may send a patient a questionnaire link."""
ENTITY = "questionnaire_link"


class LinkNotFoundError(NotFoundError):
    """No link has this token (404); the refusal is audited."""

    def __init__(self) -> None:
        super().__init__("this link is not valid", keep_writes=True)


class LinkGoneError(ServiceError):
    """The link has expired or every instrument on it is answered (410)."""

    status_code = 410

    def __init__(self) -> None:
        super().__init__("this link has expired or has been used", keep_writes=True)


class AnswersInvalidError(UnprocessableError):
    """Some answers are missing or invalid; ``errors`` maps each item id to its message.

    ``link`` is the link being answered, so the form can be shown again (its access is
    already audited).
    """

    def __init__(self, errors: dict[str, str], *, link: QuestionnaireLink) -> None:
        super().__init__("please answer every question", field=next(iter(errors)))
        self.errors = errors
        self.link = link


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """A new link, its patient and its secret token (shown once; only its hash is stored)."""

    link: QuestionnaireLink
    patient: Patient
    token: str


@dataclass(frozen=True, slots=True)
class OpenedLink:
    """A usable link and the instruments still to answer, in the clinician's order."""

    link: QuestionnaireLink
    pending: tuple[Instrument, ...]


@dataclass(frozen=True, slots=True)
class SubmittedAnswers:
    """One instrument answered: what was stored, whether a suicide item was positive, what is left."""

    link: QuestionnaireLink
    recorded: RecordedMeasurement
    suicide_risk: bool
    pending: tuple[Instrument, ...]


def token_digest(token: str) -> str:
    """The SHA-256 (hex) stored for a link token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _pending(link: QuestionnaireLink) -> tuple[Instrument, ...]:
    done = set(link.completed_instruments)
    return tuple(get_instrument(key) for key in link.instruments if key not in done)


def create_link(
    session: Session,
    *,
    actor: Actor,
    patient_id: uuid.UUID,
    data: QuestionnaireLinkCreate,
    now: datetime | None = None,
) -> IssuedLink:
    """Make a link for ``patient_id`` and ``data.instruments`` (clinicians only; audited)."""
    require(actor, Capability.MEASUREMENT_WRITE)
    if actor.role not in ISSUER_ROLES:
        raise ForbiddenError(
            f"role '{actor.role.value}' may not send questionnaire links"
        )
    patient = load_patient(
        session,
        actor=actor,
        patient_id=patient_id,
        capability=Capability.MEASUREMENT_WRITE,
    )
    created_at = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = QuestionnaireLinkRepository(session).add(
        QuestionnaireLink(
            patient_id=patient.id,
            token_hash=token_digest(token),
            form_nonce=secrets.token_urlsafe(NONCE_BYTES),
            instruments=list(data.instruments),
            completed_instruments=[],
            created_by_id=actor.user_id,
            created_at=created_at,
            expires_at=created_at + timedelta(hours=data.expires_in_hours),
        )
    )
    audit.record(
        session,
        actor=actor,
        action="create",
        entity=ENTITY,
        entity_id=link.id,
        patient_id=patient.id,
        detail={
            "instruments": list(data.instruments),
            "expires_in_hours": data.expires_in_hours,
        },
    )
    return IssuedLink(link, patient, token)


def list_links(
    session: Session,
    *,
    actor: Actor,
    patient_id: uuid.UUID,
    limit: int,
    offset: int,
) -> tuple[Sequence[QuestionnaireLink], int]:
    """A patient's links, newest first (clinicians only; audited)."""
    require(actor, Capability.MEASUREMENT_WRITE)
    if actor.role not in ISSUER_ROLES:
        raise ForbiddenError(
            f"role '{actor.role.value}' may not read questionnaire links"
        )
    patient = load_patient(
        session,
        actor=actor,
        patient_id=patient_id,
        capability=Capability.MEASUREMENT_WRITE,
    )
    rows, total = QuestionnaireLinkRepository(session).for_patient(
        patient_id=patient.id, limit=limit, offset=offset
    )
    audit.record(
        session,
        actor=actor,
        action="read",
        entity=ENTITY,
        patient_id=patient.id,
        detail={"link_ids": [str(link.id) for link in rows]},
    )
    return rows, total


def _audit_access(
    session: Session,
    *,
    action: str,
    link: QuestionnaireLink | None,
    patient: Patient | None,
    **detail: object,
) -> None:
    """An access by token: no actor; the patient and the link id when the link exists."""
    audit.record(
        session,
        actor=None,
        action=action,
        entity=ENTITY,
        entity_id=link.id if link else None,
        patient_id=patient.id if patient else None,
        clinic_id=patient.clinic_id if patient else None,
        detail={"link_id": str(link.id) if link else None, **detail},
    )


def _usable(
    session: Session, *, token: str, now: datetime, for_update: bool, action: str
) -> tuple[QuestionnaireLink, Patient]:
    """The link and its patient, or an audited 404 (unknown) / 410 (expired or used)."""
    link = QuestionnaireLinkRepository(session).by_token_hash(
        token_digest(token), for_update=for_update
    )
    patient = PatientRepository(session).get(link.patient_id) if link else None
    if link is None or patient is None:
        _audit_access(
            session,
            action=f"{action}_refused",
            link=None,
            patient=None,
            reason="unknown",
        )
        raise LinkNotFoundError()
    if link.completed_at is not None or now >= link.expires_at:
        reason = "used" if link.completed_at is not None else "expired"
        _audit_access(
            session,
            action=f"{action}_refused",
            link=link,
            patient=patient,
            reason=reason,
        )
        raise LinkGoneError()
    return link, patient


def open_link(session: Session, *, token: str, now: datetime) -> OpenedLink:
    """Open a link to show its questionnaires (audited; 404 unknown, 410 expired or used)."""
    link, patient = _usable(
        session, token=token, now=now, for_update=False, action="read"
    )
    _audit_access(session, action="read", link=link, patient=patient)
    return OpenedLink(link, _pending(link))


def _parse_answers(
    instrument: Instrument, answers: Mapping[str, str | None]
) -> tuple[dict[str, int | None], dict[str, str]]:
    """Form text to integers; a blank answer is ``None`` (unanswered), never 0."""
    known = {item.item_id for item in instrument.items}
    values: dict[str, int | None] = {}
    errors: dict[str, str] = {}
    for key, raw in answers.items():
        if key not in known:
            continue
        text = (raw or "").strip()
        values[key] = None
        if text == "":
            continue
        try:
            values[key] = int(text)
        except ValueError:
            errors[key] = "Please choose one of the answers."
    return values, errors


def _answer_errors(
    instrument: Instrument, values: dict[str, int | None]
) -> dict[str, str]:
    """Every item the core refuses, not only the first.

    The core stops at its first error; to list them all, each refused item is noted and
    given a placeholder answer, and scoring is tried again. Which items must be answered
    (optional items, C-SSRS skip logic) stays the core's decision.
    """
    known = {item.item_id for item in instrument.items}
    errors: dict[str, str] = {}
    trial = dict(values)
    for _ in range(len(instrument.items) + 1):
        try:
            score(instrument.key, trial)
        except ClinicalError as error:
            field = error.field
            if field is None or field in errors or field not in known:
                errors.setdefault("__all__", error.message)
                break
            errors[field] = (
                "Please answer this question."
                if isinstance(error, IncompleteResponsesError)
                else f"Please choose one of the answers ({error.allowed})."
            )
            trial[field] = instrument.item(field).min_value
            continue
        break
    return errors


def _patient_actor(
    session: Session, *, link: QuestionnaireLink, patient: Patient
) -> Actor:
    """Role ``patient`` bound to the link's patient (see the module docstring for ``user_id``)."""
    user = UserRepository(session).by_patient(patient.id)
    if user is not None and user.active and user.role is Role.PATIENT:
        return Actor(
            user.id,
            Role.PATIENT,
            patient.clinic_id,
            patient.id,
            None,
            user.display_name,
        )
    return Actor(
        link.created_by_id,
        Role.PATIENT,
        patient.clinic_id,
        patient.id,
        None,
        "questionnaire link",
    )


def submit_answers(
    session: Session,
    *,
    token: str,
    form_nonce: str,
    instrument: str,
    answers: Mapping[str, str | None],
    now: datetime,
) -> SubmittedAnswers:
    """Record one instrument's answers from a link; nothing is stored when any answer is missing.

    Raises :class:`AnswersInvalidError` (422, a message per item), 403 for a wrong form nonce,
    409 when the instrument was already answered, and the 404/410 of :func:`open_link`.
    """
    link, patient = _usable(
        session, token=token, now=now, for_update=True, action="submit"
    )
    if not secrets.compare_digest(form_nonce.encode(), link.form_nonce.encode()):
        _audit_access(
            session,
            action="submit_refused",
            link=link,
            patient=patient,
            reason="form_nonce",
        )
        raise ForbiddenError(
            "the form has expired or was not sent by ketapath: reload the page",
            keep_writes=True,
        )
    if instrument not in link.instruments:
        raise UnprocessableError(
            "this questionnaire is not part of the link", field="instrument"
        )
    if instrument in link.completed_instruments:
        raise ConflictError(
            "this questionnaire has already been answered", field="instrument"
        )
    definition = get_instrument(instrument)
    values, errors = _parse_answers(definition, answers)
    for field, message in _answer_errors(definition, values).items():
        errors.setdefault(field, message)
    if errors:
        raise AnswersInvalidError(errors, link=link)
    recorded = measurement_service.record_measurement(
        session,
        actor=_patient_actor(session, link=link, patient=patient),
        patient_id=patient.id,
        data=MeasurementCreate(instrument=instrument, responses=values),
    )
    link.completed_instruments = [*link.completed_instruments, instrument]
    if set(link.completed_instruments) >= set(link.instruments):
        link.completed_at = now
    session.flush()
    _audit_access(
        session,
        action="submit",
        link=link,
        patient=patient,
        instrument=instrument,
        measurement_id=str(recorded.measurement.id),
    )
    return SubmittedAnswers(
        link,
        recorded,
        any(alert.kind is AlertKind.SUICIDE_RISK for alert in recorded.alerts),
        _pending(link),
    )

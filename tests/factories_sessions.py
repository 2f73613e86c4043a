"""Factory helpers for course and session tests (assessments, overrides, planned courses)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from ketapath.db.base import utcnow
from ketapath.db.models import (
    Assessment,
    AssessmentOverride,
    Chair,
    Patient,
    TreatmentCourse,
    TreatmentSession,
    User,
)
from ketapath.schemas.course import CourseCreate
from ketapath.services import courses as course_service
from tests.factories import actor_for

ROUTES = ("iv_ketamine", "esketamine", "kap")


def make_assessment(
    session: Session,
    patient: Patient,
    *,
    contraindicated: dict[str, list[str]] | None = None,
) -> Assessment:
    """A stored assessment in the shape `services.assessments` stores (`ketapath assess` JSON);
    ``contraindicated`` maps a route to the rule ids that forbid it."""
    contraindicated = contraindicated or {}
    routes: dict[str, Any] = {}
    for route in ROUTES:
        rule_ids = contraindicated.get(route, [])
        routes[route] = {
            "status": "contraindicated" if rule_ids else "eligible",
            "findings": [
                {
                    "rule": rule_id,
                    "version": "1",
                    "severity": "contraindicated",
                    "message": f"{rule_id} applies",
                    "sources": ["test source [V]"],
                }
                for rule_id in rule_ids
            ],
        }
    assessment = Assessment(
        patient_id=patient.id,
        assessed_at=utcnow(),
        trd_ruleset="seed",
        jurisdiction="us",
        trd_met=True,
        iv_ketamine_status=routes["iv_ketamine"]["status"],
        esketamine_status=routes["esketamine"]["status"],
        kap_status=routes["kap"]["status"],
        profile={},
        decision={"routes": routes},
    )
    session.add(assessment)
    session.flush()
    return assessment


def make_override(
    session: Session,
    assessment: Assessment,
    *,
    route: str,
    rule_id: str,
    by: User,
) -> AssessmentOverride:
    override = AssessmentOverride(
        assessment_id=assessment.id,
        route=route,
        rule_id=rule_id,
        severity="contraindicated",
        reason="Benefit outweighs the risk after cardiology review.",
        overridden_by_id=by.id,
    )
    session.add(override)
    session.flush()
    return override


def make_course(
    session: Session,
    patient: Patient,
    prescriber: User,
    *,
    protocol: str = "esketamine_trd",
    start: date = date(2025, 3, 3),
    chair: Chair | None = None,
    **options: Any,
) -> tuple[TreatmentCourse, list[TreatmentSession]]:
    """A course planned through the service (an assessment is created when none exists)."""
    if not session.query(Assessment).filter_by(patient_id=patient.id).count():
        make_assessment(session, patient)
    course, _findings = course_service.create_course(
        session,
        actor=actor_for(prescriber),
        patient_id=patient.id,
        data=CourseCreate.model_validate(
            {
                "protocol": protocol,
                "start_date": start.isoformat(),
                "chair_id": str(chair.id) if chair else None,
                **options,
            }
        ),
    )
    return course, list(course.sessions)

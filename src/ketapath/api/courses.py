"""/api/v1 courses: plan a course from a protocol (prescriber), list and read courses."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from ketapath.api.deps import CurrentActor, SessionDep
from ketapath.api.sessions import GateRoute
from ketapath.schemas.course import (
    CourseCreate,
    CourseCreated,
    CourseDetail,
    FindingOut,
)
from ketapath.services import courses as course_service

router = APIRouter(tags=["courses"], route_class=GateRoute)


@router.post(
    "/patients/{patient_id}/courses",
    response_model=CourseCreated,
    status_code=status.HTTP_201_CREATED,
)
def create_course(
    session: SessionDep, actor: CurrentActor, patient_id: uuid.UUID, data: CourseCreate
) -> CourseCreated:
    """Plan a course; 409 naming the rules when the route is contraindicated without override."""
    course, findings = course_service.create_course(
        session, actor=actor, patient_id=patient_id, data=data
    )
    return CourseCreated.model_validate(
        {
            **CourseDetail.model_validate(course).model_dump(),
            "findings": [
                FindingOut(
                    rule_id=f.rule_id,
                    rule_version=f.rule_version,
                    severity=f.severity.value,
                    message=f.message,
                )
                for f in findings
            ],
        }
    )


@router.get("/patients/{patient_id}/courses", response_model=list[CourseDetail])
def list_courses(
    session: SessionDep, actor: CurrentActor, patient_id: uuid.UUID
) -> list[CourseDetail]:
    """A patient's courses with their sessions."""
    return [
        CourseDetail.model_validate(c)
        for c in course_service.list_courses(
            session, actor=actor, patient_id=patient_id
        )
    ]


@router.get("/courses/{course_id}", response_model=CourseDetail)
def get_course(
    session: SessionDep, actor: CurrentActor, course_id: uuid.UUID
) -> CourseDetail:
    """One course with its sessions."""
    return CourseDetail.model_validate(
        course_service.get_course(session, actor=actor, course_id=course_id)
    )

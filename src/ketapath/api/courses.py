"""/api/v1 courses: plan a course from a protocol (prescriber), list and read courses."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from ketapath.api.sessions import GateRoute
from ketapath.api.work import WorkDep
from ketapath.schemas.course import (
    CourseCreate,
    CourseCreated,
    CourseDetail,
    FindingOut,
)
from ketapath.services import courses as course_service
from ketapath.services.permissions import Actor

router = APIRouter(tags=["courses"], route_class=GateRoute)


@router.post(
    "/patients/{patient_id}/courses",
    response_model=CourseCreated,
    status_code=status.HTTP_201_CREATED,
)
async def create_course(
    work: WorkDep, patient_id: uuid.UUID, data: CourseCreate
) -> CourseCreated:
    """Plan a course; 409 naming the rules when the route is contraindicated without override."""

    def run(session: Session, actor: Actor) -> CourseCreated:
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

    return await work(run)


@router.get("/patients/{patient_id}/courses", response_model=list[CourseDetail])
async def list_courses(work: WorkDep, patient_id: uuid.UUID) -> list[CourseDetail]:
    """A patient's courses with their sessions."""

    def run(session: Session, actor: Actor) -> list[CourseDetail]:
        return [
            CourseDetail.model_validate(c)
            for c in course_service.list_courses(
                session, actor=actor, patient_id=patient_id
            )
        ]

    return await work(run)


@router.get("/courses/{course_id}", response_model=CourseDetail)
async def get_course(work: WorkDep, course_id: uuid.UUID) -> CourseDetail:
    """One course with its sessions."""

    def run(session: Session, actor: Actor) -> CourseDetail:
        return CourseDetail.model_validate(
            course_service.get_course(session, actor=actor, course_id=course_id)
        )

    return await work(run)

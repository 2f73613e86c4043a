"""/api/v1 questionnaire links: a clinician makes a link for a patient; list a patient's links.

The link's URL (with its secret) is returned once, by the POST; only a hash is stored.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from ketapath.api.work import WorkDep
from ketapath.schemas.questionnaire_link import (
    QuestionnaireLinkCreate,
    QuestionnaireLinkIssued,
    QuestionnaireLinkPage,
    QuestionnaireLinkRead,
)
from ketapath.services import questionnaire_links as link_service
from ketapath.services.permissions import Actor

router = APIRouter(tags=["questionnaire links"])

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.post(
    "/patients/{patient_id}/questionnaire-links",
    response_model=QuestionnaireLinkIssued,
    status_code=201,
)
async def create_link(
    work: WorkDep,
    request: Request,
    patient_id: uuid.UUID,
    data: QuestionnaireLinkCreate,
) -> QuestionnaireLinkIssued:
    """Make a link (clinicians); ``url`` carries the secret and is shown only here."""

    def run(session: Session, actor: Actor) -> QuestionnaireLinkIssued:
        issued = link_service.create_link(
            session, actor=actor, patient_id=patient_id, data=data
        )
        return QuestionnaireLinkIssued(
            **QuestionnaireLinkRead.model_validate(issued.link).model_dump(),
            url=f"{str(request.base_url).rstrip('/')}/q/{issued.token}",
        )

    return await work(run)


@router.get(
    "/patients/{patient_id}/questionnaire-links",
    response_model=QuestionnaireLinkPage,
)
async def list_links(
    work: WorkDep, patient_id: uuid.UUID, limit: Limit = 50, offset: Offset = 0
) -> QuestionnaireLinkPage:
    """A patient's links, newest first (never their secrets)."""

    def run(session: Session, actor: Actor) -> QuestionnaireLinkPage:
        rows, total = link_service.list_links(
            session, actor=actor, patient_id=patient_id, limit=limit, offset=offset
        )
        return QuestionnaireLinkPage(
            items=[QuestionnaireLinkRead.model_validate(link) for link in rows],
            total=total,
            limit=limit,
            offset=offset,
        )

    return await work(run)

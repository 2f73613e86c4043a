"""Every API area router, mounted under /api/v1."""

from fastapi import APIRouter

from ketapath.api import (
    alerts,
    assessments,
    audit,
    auth,
    clinic,
    courses,
    documents,
    history,
    ledger,
    measurements,
    notes,
    patients,
    questionnaire_links,
    rems,
    sessions,
)
from ketapath.api.errors import COMMON_RESPONSES

AREAS = (
    auth,
    clinic,
    patients,
    history,
    assessments,
    courses,
    sessions,
    rems,
    documents,
    ledger,
    measurements,
    questionnaire_links,
    alerts,
    notes,
    audit,
)

api_router = APIRouter(prefix="/api/v1", responses=COMMON_RESPONSES)
for module in AREAS:
    api_router.include_router(module.router)

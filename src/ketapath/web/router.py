"""Every web view router (server-rendered HTML, not in the OpenAPI document)."""

from fastapi import APIRouter

from ketapath.web.views import (
    alerts,
    auth,
    board,
    courses,
    ledger,
    measurements,
    patients,
    portal,
    questionnaire,
    rems,
    reports,
    sessions,
)

web_router = APIRouter(include_in_schema=False)
for module in (
    auth,
    patients,
    courses,
    board,
    sessions,
    measurements,
    alerts,
    portal,
    questionnaire,
    ledger,
    rems,
    reports,
):
    web_router.include_router(module.router)

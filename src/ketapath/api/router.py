"""Every API area router, mounted under /api/v1."""

from fastapi import APIRouter

from ketapath.api import (
    alerts,
    assessments,
    audit,
    auth,
    clinic,
    courses,
    history,
    measurements,
    notes,
    patients,
    sessions,
)
from ketapath.api.errors import COMMON_RESPONSES

api_router = APIRouter(prefix="/api/v1", responses=COMMON_RESPONSES)
for module in (
    auth,
    clinic,
    patients,
    history,
    assessments,
    courses,
    sessions,
    measurements,
    alerts,
    notes,
    audit,
):
    api_router.include_router(module.router)

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

api_router = APIRouter(prefix="/api/v1")
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

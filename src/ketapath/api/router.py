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

# The hot paths' areas come first: this FastAPI tries routes one by one (an included router's
# routes are scanned again to dispatch), so the board, vitals and measurement routes are found
# after ~20 checks instead of ~80 (bench/profile_hot_paths.py; docs/benchmarks.md). Paths do
# not overlap across areas, so the order changes nothing else; OpenAPI lists tags in this order.
AREAS = (
    sessions,
    measurements,
    auth,
    clinic,
    patients,
    history,
    assessments,
    courses,
    rems,
    documents,
    ledger,
    questionnaire_links,
    alerts,
    notes,
    audit,
)

api_router = APIRouter(prefix="/api/v1", responses=COMMON_RESPONSES)
for module in AREAS:
    api_router.include_router(module.router)

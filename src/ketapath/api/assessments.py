"""/api/v1 assessments endpoints (to be implemented)."""

from fastapi import APIRouter

router = APIRouter(tags=["assessments"])

"""/api/v1 alerts endpoints (to be implemented)."""

from fastapi import APIRouter

router = APIRouter(tags=["alerts"])

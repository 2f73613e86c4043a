"""/api/v1 notes endpoints (to be implemented)."""

from fastapi import APIRouter

router = APIRouter(tags=["notes"])

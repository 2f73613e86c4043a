"""/api/v1 sessions endpoints (to be implemented)."""

from fastapi import APIRouter

router = APIRouter(tags=["sessions"])

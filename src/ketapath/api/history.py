"""/api/v1 history endpoints (to be implemented)."""

from fastapi import APIRouter

router = APIRouter(tags=["history"])

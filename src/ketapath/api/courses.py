"""/api/v1 courses endpoints (to be implemented)."""

from fastapi import APIRouter

router = APIRouter(tags=["courses"])

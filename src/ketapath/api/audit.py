"""/api/v1 audit endpoints (to be implemented)."""

from fastapi import APIRouter

router = APIRouter(tags=["audit"])

"""/api/v1 measurements endpoints (to be implemented)."""

from fastapi import APIRouter

router = APIRouter(tags=["measurements"])

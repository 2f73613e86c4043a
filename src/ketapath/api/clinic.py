"""/api/v1 clinic endpoints (to be implemented)."""

from fastapi import APIRouter

router = APIRouter(tags=["clinic"])

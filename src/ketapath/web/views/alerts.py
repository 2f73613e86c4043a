"""Web views: alerts (to be implemented)."""

from fastapi import APIRouter

router = APIRouter()

"""Web views: measurements (to be implemented)."""

from fastapi import APIRouter

router = APIRouter()

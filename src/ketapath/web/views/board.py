"""Web views: board (to be implemented)."""

from fastapi import APIRouter

router = APIRouter()

"""Web views: portal (to be implemented)."""

from fastapi import APIRouter

router = APIRouter()

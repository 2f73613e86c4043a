"""Web views: courses (to be implemented)."""

from fastapi import APIRouter

router = APIRouter()

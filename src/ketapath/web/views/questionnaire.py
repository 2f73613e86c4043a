"""Web views: questionnaire (to be implemented)."""

from fastapi import APIRouter

router = APIRouter()

"""Web views: patients (to be implemented)."""

from fastapi import APIRouter

router = APIRouter()

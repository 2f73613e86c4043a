"""Every API area router, mounted under /api/v1."""

from fastapi import APIRouter

from ketapath.api import auth, patients

api_router = APIRouter(prefix="/api/v1")
for module in (auth, patients):
    api_router.include_router(module.router)

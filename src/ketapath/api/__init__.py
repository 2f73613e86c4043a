"""The JSON API under /api/v1 (FastAPI, OpenAPI at /openapi.json)."""

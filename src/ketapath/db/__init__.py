"""Persistence: SQLAlchemy 2 models, repositories (all SQL) and Alembic migrations."""

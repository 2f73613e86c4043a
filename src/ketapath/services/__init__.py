"""Use cases: load via repositories → call the core → store; services flush, never commit."""

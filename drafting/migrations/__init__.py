"""Alembic migrations for drafting.db (run by drafting.db.upgrade)."""

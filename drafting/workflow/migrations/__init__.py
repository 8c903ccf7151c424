"""Alembic migrations for drafting.workflow.db (run by drafting.workflow.db.upgrade)."""

"""Alembic environment: runs migrations against the URL set by drafting.workflow.db.alembic_config."""

from __future__ import annotations

from alembic import context

from drafting.workflow.db import Base, make_engine

config = context.config


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    with engine.connect() as connection:
        # batch mode lets SQLite (which cannot ALTER most things) run the same migrations as PostgreSQL
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()

"""Persistence: incidents, tickets, drafts and their versions, approvals, audit events, batch jobs, webhook
deliveries and API keys — SQLAlchemy 2, SQLite by default, PostgreSQL for teams (TACTFUL_DATABASE_URL).

The schema is owned by Alembic migrations (drafting/workflow/migrations/); `upgrade(url)` brings any database to the
newest revision and runs on start, so an old database is upgraded in place, never recreated. Domain records
(Incident, Ticket, Draft from drafting.domain.models) are stored as JSON next to the columns the workflow queries.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class IncidentRow(Base):
    __tablename__ = "incidents"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class TicketRow(Base):
    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_ticket_source_external_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(60), default="api")  # which ticket system (api, chatwoot, chat-import)
    external_id: Mapped[str] = mapped_column(String(200))
    incident_id: Mapped[str | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    risks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class DraftRow(Base):
    __tablename__ = "drafts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # reply | statement
    stage: Mapped[str | None] = mapped_column(String(10))
    lang: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(20), default="drafted", index=True)  # drafted edited approved sent rejected
    version: Mapped[int] = mapped_column(Integer, default=1)
    generator: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    versions: Mapped[list[DraftVersionRow]] = relationship(back_populates="draft", order_by="DraftVersionRow.version")


class DraftVersionRow(Base):
    __tablename__ = "draft_versions"
    __table_args__ = (UniqueConstraint("draft_id", "version", name="uq_draft_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(120))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # the Draft record: tone, commitments, citations, warnings
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    draft: Mapped[DraftRow] = relationship(back_populates="versions")


class ApprovalRow(Base):
    __tablename__ = "approvals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(120))
    decision: Mapped[str] = mapped_column(String(20))  # approve | reject
    reason: Mapped[str] = mapped_column(Text, default="")
    override: Mapped[str] = mapped_column(Text, default="")  # why a blocked draft was approved anyway
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEventRow(Base):
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class BatchJobRow(Base):
    __tablename__ = "batch_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued running done failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class BatchItemRow(Base):
    __tablename__ = "batch_items"
    __table_args__ = (UniqueConstraint("job_id", "ticket_id", name="uq_batch_item"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("batch_jobs.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending claimed done failed
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"))
    error: Mapped[str] = mapped_column(Text, default="")


class WebhookDeliveryRow(Base):
    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending delivered failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiKeyRow(Base):
    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120))
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)  # sha256 of the key; the key itself is never stored
    scopes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets foreign keys on and a busy timeout, so concurrent writers wait
    instead of failing."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        _queue_sqlite_writers(engine)

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL is safe against a crashed or killed process (only a power cut can lose the
            # last commits) and halves the cost of a commit.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    # Up to 30 connections per process: FastAPI runs sync endpoints on 40 threads, and a thread waiting for a
    # pooled connection is a request waiting for nothing.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _queue_sqlite_writers(engine: Engine) -> None:
    """Let one of this process's connections write at a time; the others queue on a lock.

    SQLite allows one writer per file. Left to itself, a blocked writer polls with sleeps of up to 100 ms
    (the busy timeout), so under load some requests wait seconds while others overtake them. A lock taken
    at the first write of a transaction and dropped at its end turns that into a queue. Other processes on
    the same file (the app beside the API) still meet the busy timeout."""
    writer = threading.Lock()
    holding = "tactful_writer_lock"

    def release(info: dict[str, Any]) -> None:
        if info.pop(holding, False):
            writer.release()

    @event.listens_for(engine, "before_cursor_execute")
    def _before(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if connection.info.get(holding) or not statement.lstrip()[:7].upper().startswith(WRITE_STATEMENTS):
            return
        if not writer.acquire(timeout=30):
            raise TimeoutError("another write to the SQLite database has held it for 30 s")
        connection.info[holding] = True

    # Dropped when the connection goes back to the pool: after the session's commit or rollback, and
    # after the pool's own rollback-on-return when a session ended some other way.
    @event.listens_for(engine.pool, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            release(record.info)

    @event.listens_for(engine.pool, "invalidate")
    def _invalidate(_dbapi_connection: Any, record: Any, _exception: Any) -> None:
        release(record.info)


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (default: the newest). Safe to run on every start."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def session_factory(url: str, *, migrate: bool = True) -> sessionmaker:
    """Sessions on an up-to-date database."""
    if migrate:
        upgrade(url)
    return sessionmaker(make_engine(url), expire_on_commit=False)

"""Persistence on SQLite and PostgreSQL: migrations from scratch, and an old database upgraded in place."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from drafting.workflow import db


def test_migrations_create_every_table(database_url: str) -> None:
    db.upgrade(database_url)
    assert db.current_revision(database_url) == "0003"
    engine = db.make_engine(database_url)
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert {
        "incidents",
        "tickets",
        "drafts",
        "draft_versions",
        "approvals",
        "audit_events",
        "batch_jobs",
        "batch_items",
        "webhook_deliveries",
        "api_keys",
        "inbound_events",
        "alembic_version",
    } <= tables
    db.upgrade(database_url)  # running again on start is harmless
    assert db.current_revision(database_url) == "0003"


def test_an_old_database_upgrades_without_loss(database_url: str) -> None:
    db.upgrade(database_url, "0001")
    engine = db.make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO incidents (id, data, created_at, updated_at) VALUES ('inc-1', :d, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
            {"d": json.dumps({"id": "inc-1", "title": {"zh": "配送延误"}})},
        )
        connection.execute(
            sa.text(
                "INSERT INTO tickets (source, external_id, incident_id, data, status, created_at, updated_at) "
                "VALUES ('api', 'T-1', 'inc-1', :d, 'open', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"d": json.dumps({"id": "T-1", "messages": ["晚了"]})},
        )
    engine.dispose()
    db.upgrade(database_url)
    sessions = db.session_factory(database_url, migrate=False)
    with sessions() as session:
        ticket = session.scalars(sa.select(db.TicketRow)).one()
        assert ticket.external_id == "T-1" and ticket.data["messages"] == ["晚了"] and ticket.risks == []
        assert session.get(db.IncidentRow, "inc-1").data["title"] == {"zh": "配送延误"}


def test_rows_round_trip_and_constraints_hold(database_url: str) -> None:
    sessions = db.session_factory(database_url)
    with sessions() as session:
        session.add(db.IncidentRow(id="inc-1", data={"id": "inc-1"}))
        ticket = db.TicketRow(source="api", external_id="T-1", incident_id="inc-1", data={"id": "T-1"}, risks=[{"kind": "vip"}])
        session.add(ticket)
        session.flush()
        draft = db.DraftRow(incident_id="inc-1", ticket_id=ticket.id, kind="reply", lang="zh", generator="template")
        session.add(draft)
        session.flush()
        session.add(db.DraftVersionRow(draft_id=draft.id, version=1, text="对不起", author="composer", data={"tone": {"score": 90}}))
        session.commit()
        assert [v.text for v in session.get(db.DraftRow, draft.id).versions] == ["对不起"]
    with sessions() as session:
        session.add(db.TicketRow(source="api", external_id="T-1", data={}))  # same ticket-system id twice
        with pytest.raises(IntegrityError):
            session.commit()


def test_tactful_db_upgrade(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from drafting import services
    from drafting.cli.main import app

    monkeypatch.setenv("TACTFUL_DATABASE_URL", database_url)
    services.default_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert "empty -> 0003" in result.output
        assert "0003 -> 0003" in CliRunner().invoke(app, ["db", "upgrade"]).output
    finally:
        services.default_settings.cache_clear()


def test_unreachable_database_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from drafting import services
    from drafting.cli.main import app

    monkeypatch.setenv("TACTFUL_DATABASE_URL", "postgresql+psycopg://nobody:secret@127.0.0.1:9/none")
    services.default_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["db", "upgrade"])
        assert result.exit_code == 2 and "could not upgrade" in result.output and "secret" not in result.output
    finally:
        services.default_settings.cache_clear()


def test_sqlite_writers_queue_and_a_failed_write_frees_the_queue(tmp_path) -> None:  # noqa: ANN001
    import threading

    url = f"sqlite:///{tmp_path / 'queue.db'}"
    sessions = db.session_factory(url)
    with sessions.begin() as session:
        session.add(db.IncidentRow(id="inc", data={}))
    # A failed transaction (duplicate key) must give the writer lock back, or every later write would wait.
    with pytest.raises(IntegrityError), sessions.begin() as session:
        session.add(db.IncidentRow(id="inc", data={}))
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(15):
                with sessions.begin() as session:
                    session.add(db.IncidentRow(id=f"inc-{n}-{i}", data={"n": n}))
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and not any(t.is_alive() for t in threads)
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(db.IncidentRow)) == 1 + 12 * 15

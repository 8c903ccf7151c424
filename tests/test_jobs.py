"""Batch jobs: progress per ticket in the database, resume after a crash, two workers never draft the same
ticket (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from drafting.domain.models import Incident, Ticket
from drafting.drafters.composer import Composer
from drafting.guards.tone import ToneChecker
from drafting.workflow import db
from drafting.workflow.core import Workflow
from drafting.workflow.jobs import create_job, progress, run_job
from knowledge.policy import PolicyBook, TicketFacts

ROOT = Path(__file__).resolve().parent.parent
INCIDENT = Incident.model_validate(yaml.safe_load((ROOT / "drafting/samples/delivery-growth.incident.yaml").read_text(encoding="utf-8")))


class Crashing(Composer):
    """Dies (like a killed process) on the n-th ticket it is asked to draft (counted by ticket: the batch
    engine may ask for other wordings of a reply too close to one already given)."""

    def __init__(self, crash_on: int) -> None:
        super().__init__(PolicyBook.load(None))
        self.tickets: list[str] = []
        self.crash_on = crash_on

    def draft_reply(self, incident, ticket, lang=None, *, variant=0):  # noqa: ANN001, ANN201
        if ticket.id not in self.tickets:
            self.tickets.append(ticket.id)
        if len(self.tickets) == self.crash_on:
            raise KeyboardInterrupt("worker killed")
        return super().draft_reply(incident, ticket, lang, variant=variant)


@pytest.fixture
def setup(database_url: str) -> tuple[Workflow, list[int]]:
    flow = Workflow(db.session_factory(database_url), ToneChecker())
    flow.save_incident(INCIDENT, actor="lead")
    ids = []
    for n in range(12):
        ticket = Ticket(
            id=f"J-{n}",
            incident_id=INCIDENT.id,
            customer=f"C{n}",
            messages=["late"],
            facts=TicketFacts(issue_type="late_delivery", delay_minutes=20 + n, order_amount=Decimal(50)),
        )
        ids.append(flow.add_ticket(ticket, actor="api")[0])
    return flow, ids


def drafts_per_ticket(flow: Workflow) -> dict[int, int]:
    with flow.sessions() as session:
        return dict(session.execute(select(db.DraftRow.ticket_id, func.count()).group_by(db.DraftRow.ticket_id)).all())


def test_a_job_drafts_every_ticket_and_reports_progress(setup: tuple[Workflow, list[int]]) -> None:
    flow, ids = setup
    job = create_job(flow, INCIDENT.id, ids, actor="lead")
    assert progress(flow, job).pending == 12
    seen: list[int] = []
    final = run_job(flow, job, Composer(PolicyBook.load(None)), worker="w1", on_item=lambda p: seen.append(p.done))
    assert (final.status, final.done, final.failed) == ("done", 12, 0) and seen == list(range(1, 13))
    assert set(drafts_per_ticket(flow).values()) == {1}


def test_a_crashed_job_resumes_without_duplicates_or_losses(setup: tuple[Workflow, list[int]]) -> None:
    flow, ids = setup
    job = create_job(flow, INCIDENT.id, ids, actor="lead")
    with pytest.raises(KeyboardInterrupt):
        run_job(flow, job, Crashing(crash_on=5), worker="dead")
    state = progress(flow, job)
    assert (state.done, state.claimed, state.pending) == (4, 1, 7)  # the 5th was claimed when the worker died
    # A restart: the dead worker's claim is past its lease, so it is drafted again — once.
    final = run_job(flow, job, Composer(PolicyBook.load(None)), worker="restarted", lease=timedelta(0))
    assert (final.done, final.claimed, final.pending, final.status) == (12, 0, 0, "done")
    counts = drafts_per_ticket(flow)
    assert sorted(counts) == sorted(ids) and set(counts.values()) == {1}


def test_two_workers_share_a_job_and_never_draft_the_same_ticket(setup: tuple[Workflow, list[int]]) -> None:
    flow, ids = setup
    job = create_job(flow, INCIDENT.id, ids, actor="lead")
    claimed_by: dict[str, int] = {}

    def work(name: str) -> None:
        result = run_job(flow, job, Composer(PolicyBook.load(None)), worker=name)
        claimed_by[name] = result.done

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert progress(flow, job).done == 12
    counts = drafts_per_ticket(flow)
    assert sorted(counts) == sorted(ids) and set(counts.values()) == {1}  # each ticket drafted exactly once
    with flow.sessions() as session:
        workers = set(session.scalars(select(db.BatchItemRow.claimed_by).where(db.BatchItemRow.job_id == job)))
    assert workers <= {"worker-1", "worker-2"}


def test_two_jobs_over_the_same_tickets_never_draft_one_twice(setup: tuple[Workflow, list[int]]) -> None:
    flow, ids = setup
    first = create_job(flow, INCIDENT.id, ids, actor="app")  # e.g. started in the app, interrupted
    second = create_job(flow, INCIDENT.id, ids[:6], actor="api")
    run_job(flow, second, Composer(PolicyBook.load(None)), worker="w2")
    final = run_job(flow, first, Composer(PolicyBook.load(None)), worker="w1")
    assert (final.status, final.done) == ("done", 12)
    assert set(drafts_per_ticket(flow).values()) == {1}

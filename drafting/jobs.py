"""Batch drafting jobs that survive crashes and share work between workers.

A job is one row per ticket in `batch_items`. A worker claims one item at a time — on PostgreSQL with
`FOR UPDATE SKIP LOCKED`, so several API workers on one database never draft the same ticket, and on both
backends with a compare-and-set on the item's status — drafts it, and records the draft and marks the item
done in one transaction. A crash between claim and commit leaves the item `claimed`; once its lease runs out
any worker (or a restart) claims it again. So a job resumes without duplicating or losing a draft.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from sqlalchemy import func, or_, select, update

from drafting.composer import Drafter
from drafting.db import BatchItemRow, BatchJobRow, TicketRow, utcnow
from drafting.models import Ticket
from drafting.workflow import NotFound, Workflow

LEASE = timedelta(minutes=5)  # a claim older than this belongs to a worker that died


@dataclass(frozen=True)
class JobProgress:
    job_id: int
    status: str
    total: int
    done: int
    failed: int
    pending: int
    claimed: int


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def create_job(workflow: Workflow, incident_id: str, ticket_row_ids: list[int], actor: str) -> int:
    workflow.incident(incident_id)  # NotFound for an unknown incident
    with workflow.sessions.begin() as session:
        job = BatchJobRow(incident_id=incident_id, status="queued", total=len(ticket_row_ids))
        session.add(job)
        session.flush()
        for ticket_id in dict.fromkeys(ticket_row_ids):
            session.add(BatchItemRow(job_id=job.id, ticket_id=ticket_id, status="pending"))
        workflow._audit(session, actor, "job.create", "job", str(job.id), {"tickets": len(ticket_row_ids)})
        return job.id


def progress(workflow: Workflow, job_id: int) -> JobProgress:
    with workflow.sessions() as session:
        job = session.get(BatchJobRow, job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        counts = dict(session.execute(select(BatchItemRow.status, func.count()).where(BatchItemRow.job_id == job_id)
                                      .group_by(BatchItemRow.status)).all())
        return JobProgress(job_id, job.status, job.total, counts.get("done", 0), counts.get("failed", 0),
                           counts.get("pending", 0), counts.get("claimed", 0))


def _claim(workflow: Workflow, job_id: int, worker: str, lease: timedelta) -> int | None:
    """One claimable item of the job, now ours; None when nothing is left to claim."""
    stale = utcnow() - lease
    claimable = or_(BatchItemRow.status == "pending", (BatchItemRow.status == "claimed") & (BatchItemRow.claimed_at < stale))
    with workflow.sessions.begin() as session:
        query = select(BatchItemRow.id).where(BatchItemRow.job_id == job_id, claimable).order_by(BatchItemRow.id).limit(1)
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        item_id = session.scalar(query)
        if item_id is None:
            return None
        taken = session.execute(update(BatchItemRow).where(BatchItemRow.id == item_id, claimable)
                                .values(status="claimed", claimed_by=worker, claimed_at=utcnow()))
        return item_id if taken.rowcount == 1 else LOST


LOST = -1  # another worker took the item between our read and our update (SQLite): just ask again


class _LeaseLost(Exception):
    """Our claim expired and another worker holds the item now: drop our draft."""


def run_job(workflow: Workflow, job_id: int, drafter: Drafter, *, worker: str | None = None, lease: timedelta = LEASE,
            on_item: Callable[[JobProgress], None] | None = None) -> JobProgress:
    """Draft every claimable item of the job; returns the progress when nothing is left for this worker."""
    worker = worker or worker_name()
    with workflow.sessions.begin() as session:
        job = session.get(BatchJobRow, job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        incident_id = job.incident_id
        session.execute(update(BatchJobRow).where(BatchJobRow.id == job_id, BatchJobRow.status == "queued").values(status="running"))
    incident = workflow.incident(incident_id)
    while True:
        item_id = _claim(workflow, job_id, worker, lease)
        if item_id is None:
            break
        if item_id == LOST:
            continue
        with workflow.sessions() as session:
            item = session.get(BatchItemRow, item_id)
            ticket_row = session.get(TicketRow, item.ticket_id)
            ticket = Ticket.model_validate(ticket_row.data)
        try:
            draft = drafter.draft_reply(incident, ticket)
        except Exception as exc:  # recorded on the item; the job goes on
            with workflow.sessions.begin() as session:
                session.execute(update(BatchItemRow).where(BatchItemRow.id == item_id, BatchItemRow.claimed_by == worker)
                                .values(status="failed", error=f"{type(exc).__name__}: {exc}"[:2000]))
            continue
        try:
            with workflow.sessions.begin() as session:
                # Only the claim holder may finish the item: if our lease ran out and another worker took
                # it, this update touches nothing and the whole transaction, our draft included, is undone.
                done = session.execute(update(BatchItemRow).where(BatchItemRow.id == item_id, BatchItemRow.claimed_by == worker,
                                                                  BatchItemRow.status == "claimed").values(status="done"))
                if done.rowcount != 1:
                    raise _LeaseLost
                draft_id = workflow.record_in(session, draft, actor=f"job:{job_id}", ticket_row_id=item.ticket_id)
                session.execute(update(BatchItemRow).where(BatchItemRow.id == item_id).values(draft_id=draft_id))
        except _LeaseLost:
            continue
        if on_item is not None:
            on_item(progress(workflow, job_id))
    state = progress(workflow, job_id)
    if state.pending == 0 and state.claimed == 0:
        with workflow.sessions.begin() as session:
            session.execute(update(BatchJobRow).where(BatchJobRow.id == job_id).values(status="done"))
        state = progress(workflow, job_id)
    return state

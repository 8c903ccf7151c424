"""Batch drafting jobs that survive crashes and share work between workers.

A job is one row per ticket in `batch_items`. A worker claims one item at a time — on PostgreSQL with
`FOR UPDATE SKIP LOCKED`, so several API workers on one database never draft the same ticket, and on both
backends with a compare-and-set on the item's status — drafts it, and records the draft and marks the item
done in one transaction. A crash between claim and commit leaves the item `claimed`; once its lease runs out
any worker claims it again; a restarted server frees the claims its dead predecessor held on this host at
once. So a job resumes without duplicating or losing a draft.

`JobRunner` is what an API worker process runs: a few threads that take items of every open job, woken when
a job is created and otherwise polling, so a second process (or a restarted one) joins the work by itself.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from sqlalchemy import func, or_, select, update

from drafting.composer import Drafter
from drafting.db import BatchItemRow, BatchJobRow, DraftRow, TicketRow, utcnow
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


log = logging.getLogger(__name__)


def worker_name(thread: str = "main") -> str:
    """host:pid:thread — the host and pid let a restarted server tell which claims died with their process."""
    return f"{socket.gethostname()}:{os.getpid()}:{thread}"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def release_dead_claims(workflow: Workflow) -> int:
    """Put back the items claimed by processes on this host that no longer run; returns how many.

    Without this a killed server's claims would wait out their lease. Claims from other hosts are left to
    the lease: we cannot see their processes."""
    host = socket.gethostname()
    with workflow.sessions.begin() as session:
        claims = session.execute(select(BatchItemRow.id, BatchItemRow.claimed_by)
                                 .where(BatchItemRow.status == "claimed", BatchItemRow.claimed_by.like(f"{host}:%"))).all()
        dead = []
        for item_id, claimed_by in claims:
            pid = claimed_by.split(":")[1] if claimed_by.count(":") >= 2 else ""
            if pid.isdigit() and not _process_alive(int(pid)):
                dead.append(item_id)
        if dead:
            session.execute(update(BatchItemRow).where(BatchItemRow.id.in_(dead), BatchItemRow.status == "claimed")
                            .values(status="pending", claimed_by=None, claimed_at=None))
    return len(dead)


def open_jobs(workflow: Workflow) -> list[int]:
    """Jobs not finished yet, oldest first."""
    with workflow.sessions() as session:
        return list(session.scalars(select(BatchJobRow.id).where(BatchJobRow.status.in_(("queued", "running")))
                                    .order_by(BatchJobRow.id)))


def create_job(workflow: Workflow, incident_id: str, ticket_row_ids: list[int], actor: str) -> int:
    workflow.incident(incident_id)  # NotFound for an unknown incident
    with workflow.sessions.begin() as session:
        # A job with nothing to draft is finished when it is created.
        job = BatchJobRow(incident_id=incident_id, status="queued" if ticket_row_ids else "done", total=len(ticket_row_ids))
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
            on_item: Callable[[JobProgress], None] | None = None, stop: threading.Event | None = None) -> JobProgress:
    """Draft every claimable item of the job; returns the progress when nothing is left for this worker
    (or `stop` is set: the item in hand is finished first)."""
    worker = worker or worker_name()
    with workflow.sessions.begin() as session:
        job = session.get(BatchJobRow, job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        incident_id = job.incident_id
        session.execute(update(BatchJobRow).where(BatchJobRow.id == job_id, BatchJobRow.status == "queued").values(status="running"))
    incident = workflow.incident(incident_id)
    while stop is None or not stop.is_set():
        item_id = _claim(workflow, job_id, worker, lease)
        if item_id is None:
            break
        if item_id == LOST:
            continue
        with workflow.sessions() as session:
            item = session.get(BatchItemRow, item_id)
            ticket_row = session.get(TicketRow, item.ticket_id)
            ticket = Ticket.model_validate(ticket_row.data)
            # Another job (or a person) drafted this ticket since the job was made: two jobs over the same
            # tickets must not give a customer two replies.
            existing = session.scalar(select(DraftRow.id).where(DraftRow.ticket_id == item.ticket_id, DraftRow.kind == "reply",
                                                                DraftRow.status != "rejected").limit(1))
        if existing is not None:
            with workflow.sessions.begin() as session:
                session.execute(update(BatchItemRow).where(BatchItemRow.id == item_id, BatchItemRow.claimed_by == worker)
                                .values(status="done", draft_id=existing))
            if on_item is not None:
                on_item(progress(workflow, job_id))
            continue
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


class JobRunner:
    """Background drafting for one server process: `threads` workers take items of every open job.

    Started with the API (and resumes whatever a dead predecessor left); `wake()` after creating a job
    starts work at once, and every `poll` seconds the threads look for work anyway — jobs created by
    another process, or items whose lease ran out."""

    def __init__(self, workflow: Workflow, drafter: Drafter, *, threads: int = 4, poll: float = 5.0,
                 lease: timedelta = LEASE) -> None:
        self.workflow, self.drafter, self.threads, self.poll, self.lease = workflow, drafter, threads, poll, lease
        self._wake = threading.Condition()
        self._generation = 0
        self._stopping = threading.Event()
        self._workers: list[threading.Thread] = []
        self._start_lock = threading.Lock()

    def start(self) -> None:
        with self._start_lock:
            if self._workers:
                return
            self._stopping.clear()
            try:
                freed = release_dead_claims(self.workflow)
                if freed:
                    log.warning("resuming: %d ticket(s) claimed by a process that died are back in the queue", freed)
            except Exception:  # a database that is down now may be up at the next poll; the lease covers it
                log.exception("could not check for claims left by dead processes")
            for n in range(self.threads):
                thread = threading.Thread(target=self._work, args=(worker_name(f"t{n}"),), daemon=True, name=f"tactful-jobs-{n}")
                thread.start()
                self._workers.append(thread)

    def wake(self) -> None:
        self.start()
        with self._wake:
            self._generation += 1
            self._wake.notify_all()

    def stop(self, timeout: float = 10.0) -> None:
        """Let each thread finish the item in hand (an unfinished claim would wait out its lease)."""
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._workers:
            thread.join(timeout)
        self._workers = []

    def _work(self, name: str) -> None:
        while not self._stopping.is_set():
            seen = self._generation
            try:
                for job_id in open_jobs(self.workflow):
                    if self._stopping.is_set():
                        return
                    run_job(self.workflow, job_id, self.drafter, worker=name, lease=self.lease, stop=self._stopping)
            except Exception:  # logged; the next round tries again (a database blip must not end the thread)
                log.exception("batch drafting failed in %s", name)
            with self._wake:
                if self._generation == seen and not self._stopping.is_set():
                    self._wake.wait(self.poll)

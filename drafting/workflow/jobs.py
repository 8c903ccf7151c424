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
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from drafting.domain.models import Draft, Incident, Ticket
from drafting.drafters.base import Drafter
from drafting.drafters.batch import DUPLICATE, BatchResult, Sentences, draft_many, sentence_set
from drafting.guards.tone import default_checker
from drafting.settings import JOB_POLL, JOB_THREADS
from drafting.workflow.core import NotFound, Workflow, rows_changed
from drafting.workflow.db import Base, BatchItemRow, BatchJobRow, DraftRow, DraftVersionRow, TicketRow, make_engine, utcnow

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
        claims = session.execute(
            select(BatchItemRow.id, BatchItemRow.claimed_by).where(BatchItemRow.status == "claimed", BatchItemRow.claimed_by.like(f"{host}:%"))
        ).all()
        dead = []
        for item_id, claimed_by in claims:
            parts = (claimed_by or "").split(":")
            pid = parts[1] if len(parts) >= 3 else ""
            if pid.isdigit() and not _process_alive(int(pid)):
                dead.append(item_id)
        if dead:
            session.execute(
                update(BatchItemRow)
                .where(BatchItemRow.id.in_(dead), BatchItemRow.status == "claimed")
                .values(status="pending", claimed_by=None, claimed_at=None)
            )
    return len(dead)


def open_jobs(workflow: Workflow) -> list[int]:
    """Jobs not finished yet, oldest first."""
    with workflow.sessions() as session:
        return list(session.scalars(select(BatchJobRow.id).where(BatchJobRow.status.in_(("queued", "running"))).order_by(BatchJobRow.id)))


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
        counts = dict(
            session.execute(select(BatchItemRow.status, func.count()).where(BatchItemRow.job_id == job_id).group_by(BatchItemRow.status)).all()
        )
        return JobProgress(
            job_id, job.status, job.total, counts.get("done", 0), counts.get("failed", 0), counts.get("pending", 0), counts.get("claimed", 0)
        )


def _claim(workflow: Workflow, job_id: int, worker: str, lease: timedelta) -> int | None:
    """One claimable item of the job, now ours; None when nothing is left to claim."""
    stale = utcnow() - lease
    claimable = or_(BatchItemRow.status == "pending", (BatchItemRow.status == "claimed") & (BatchItemRow.claimed_at < stale))
    with workflow.sessions.begin() as session:
        query = select(BatchItemRow.id).where(BatchItemRow.job_id == job_id, claimable).order_by(BatchItemRow.id).limit(1)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        item_id = session.scalar(query)
        if item_id is None:
            return None
        taken = session.execute(
            update(BatchItemRow).where(BatchItemRow.id == item_id, claimable).values(status="claimed", claimed_by=worker, claimed_at=utcnow())
        )
        return item_id if rows_changed(taken) == 1 else LOST


LOST = -1  # another worker took the item between our read and our update (SQLite): just ask again


class _LeaseLost(Exception):
    """Our claim expired and another worker holds the item now: drop our draft."""


class _TextTaken(Exception):
    """Another worker gave our text to another customer of the job while we drafted: draft again."""


# How often a worker drafts again when other workers keep taking its text first; past that, the duplicate is
# recorded with draft_many's warning (a person sees it in the queue).
RACES = 3


class _JobTexts:
    """The texts a ticket must not get, for draft_many's `taken`: those the job already gave its customers,
    and those a person rejected for this very ticket (a redraft that repeats the rejected reply would be
    rejected again). Asked of the database one text at a time, so a job of thousands never loads them all,
    and other workers' drafts count as they land."""

    def __init__(self, workflow: Workflow, job_id: int, ticket_row_id: int, given: _GivenSoFar | None = None) -> None:
        self.workflow, self.job_id, self.ticket_row_id = workflow, job_id, ticket_row_id
        self.given = given or _GivenSoFar()

    def __contains__(self, text: object) -> bool:
        if not isinstance(text, str):
            return False
        with self.workflow.sessions() as session:
            return _text_taken(session, self.job_id, text) or _text_rejected(session, self.ticket_row_id, text)

    def given_sentences(self) -> list[Sentences]:
        """The sentences of every reply the job gave so far (draft_many varies the wording against them)."""
        return self.given.update(self.workflow, self.job_id)


class _GivenSoFar:
    """One worker's running copy of the job's replies, as sentence sets: each call reads only the replies
    recorded since the last one (by any worker), so a job of thousands reads each reply once per worker."""

    def __init__(self) -> None:
        self.last_id = 0
        self.sentences: list[Sentences] = []

    def update(self, workflow: Workflow, job_id: int) -> list[Sentences]:
        with workflow.sessions() as session:
            rows = session.execute(
                select(DraftVersionRow.id, DraftVersionRow.text)
                .join(BatchItemRow, BatchItemRow.draft_id == DraftVersionRow.draft_id)
                .where(BatchItemRow.job_id == job_id, DraftVersionRow.version == 1, DraftVersionRow.id > self.last_id)
                .order_by(DraftVersionRow.id)
            ).all()
        for row_id, text in rows:
            self.sentences.append(sentence_set(text))
            self.last_id = max(self.last_id, row_id)
        return self.sentences


def _text_rejected(session: Session, ticket_row_id: int, text: str) -> bool:
    """Whether a rejected draft of this ticket said exactly this, in any of its versions."""
    found = session.scalar(
        select(DraftVersionRow.id)
        .join(DraftRow, DraftRow.id == DraftVersionRow.draft_id)
        .where(DraftRow.ticket_id == ticket_row_id, DraftRow.status == "rejected", DraftVersionRow.text == text)
        .limit(1)
    )
    return found is not None


def _text_taken(session: Session, job_id: int, text: str) -> bool:
    """Whether a draft of the job already has this text as first drafted."""
    found = session.scalar(
        select(DraftVersionRow.id)
        .join(BatchItemRow, BatchItemRow.draft_id == DraftVersionRow.draft_id)
        .where(BatchItemRow.job_id == job_id, DraftVersionRow.version == 1, DraftVersionRow.text == text)
        .limit(1)
    )
    return found is not None


def _set_item(workflow: Workflow, item_id: int, worker: str, **values: Any) -> None:
    """Finish an item we hold (done or failed); nothing happens if our claim was lost meanwhile."""
    with workflow.sessions.begin() as session:
        session.execute(update(BatchItemRow).where(BatchItemRow.id == item_id, BatchItemRow.claimed_by == worker).values(**values))


def _draft_item(
    workflow: Workflow,
    job_id: int,
    item_id: int,
    ticket_row_id: int,
    incident: Incident,
    ticket: Ticket,
    drafter: Drafter,
    worker: str,
    given: _GivenSoFar | None = None,
) -> bool:
    """Draft the item's ticket with a text no other customer of the job got (draft_many's rule) and record
    it with the item done, in one transaction. False when our claim was lost (nothing is recorded)."""
    taken = _JobTexts(workflow, job_id, ticket_row_id, given)
    for race in range(RACES + 1):
        outcome = draft_many(drafter, incident, [ticket], taken=taken)
        if outcome.errors:  # recorded on the item; the job goes on
            _set_item(workflow, item_id, worker, status="failed", error=outcome.errors[0][1][:2000])
            return True
        draft = outcome.drafts[0]
        try:
            with workflow.sessions.begin() as session:
                # Only the claim holder may finish the item: if our lease ran out and another worker took
                # it, this update touches nothing and the whole transaction, our draft included, is undone.
                done = session.execute(
                    update(BatchItemRow)
                    .where(BatchItemRow.id == item_id, BatchItemRow.claimed_by == worker, BatchItemRow.status == "claimed")
                    .values(status="done")
                )
                if rows_changed(done) != 1:
                    raise _LeaseLost
                # One recording per job at a time (the job row's lock on PostgreSQL; the write above holds
                # SQLite's), so the check below sees every text another worker recorded before us.
                session.execute(select(BatchJobRow.id).where(BatchJobRow.id == job_id).with_for_update())
                if DUPLICATE not in draft.warnings and _text_taken(session, job_id, draft.text):
                    if race < RACES:
                        raise _TextTaken
                    draft.warnings.append(DUPLICATE)
                draft_id = workflow.record_in(session, draft, actor=f"job:{job_id}", ticket_row_id=ticket_row_id)
                session.execute(update(BatchItemRow).where(BatchItemRow.id == item_id).values(draft_id=draft_id))
            return True
        except _TextTaken:
            continue
        except _LeaseLost:
            return False
    raise AssertionError("unreachable: the last race records the duplicate")


def run_job(
    workflow: Workflow,
    job_id: int,
    drafter: Drafter,
    *,
    worker: str | None = None,
    lease: timedelta = LEASE,
    on_item: Callable[[JobProgress], None] | None = None,
    stop: threading.Event | None = None,
) -> JobProgress:
    """Draft every claimable item of the job; returns the progress when nothing is left for this worker
    (or `stop` is set: the item in hand is finished first). No two customers of the job get the same text.
    A ticket that no longer needs a draft (Workflow.tickets_needing_draft: another job or a person gave it
    a live reply meanwhile) is done without drafting: a customer never gets two replies."""
    worker = worker or worker_name()
    with workflow.sessions.begin() as session:
        job = session.get(BatchJobRow, job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        incident_id = job.incident_id
        session.execute(update(BatchJobRow).where(BatchJobRow.id == job_id, BatchJobRow.status == "queued").values(status="running"))
    incident = workflow.incident(incident_id)
    given = _GivenSoFar()
    while stop is None or not stop.is_set():
        item_id = _claim(workflow, job_id, worker, lease)
        if item_id is None:
            break
        if item_id == LOST:
            continue
        with workflow.sessions() as session:
            item = session.get(BatchItemRow, item_id)
            ticket_row = session.get(TicketRow, item.ticket_id) if item is not None else None
            if item is None or ticket_row is None:  # rows are never deleted; only a hand-edited database gets here
                raise NotFound(f"job {job_id}: item {item_id} or its ticket is gone")
            ticket_row_id, ticket = item.ticket_id, Ticket.model_validate(ticket_row.data)
        if not workflow.tickets_needing_draft(incident_id, among=[ticket_row_id]):
            _set_item(workflow, item_id, worker, status="done", draft_id=workflow.live_reply(ticket_row_id))
        elif not _draft_item(workflow, job_id, item_id, ticket_row_id, incident, ticket, drafter, worker, given):
            continue
        if on_item is not None:
            on_item(progress(workflow, job_id))
    state = progress(workflow, job_id)
    if state.pending == 0 and state.claimed == 0:
        with workflow.sessions.begin() as session:
            session.execute(update(BatchJobRow).where(BatchJobRow.id == job_id).values(status="done"))
        state = progress(workflow, job_id)
    return state


def drain(
    workflow: Workflow, job_id: int, drafter: Drafter, *, threads: int = 1, on_item: Callable[[JobProgress], None] | None = None
) -> JobProgress:
    """Run the job to its end in this process with `threads` workers, and return its progress (the app's
    and the CLI's way; a server's JobRunner shares its jobs with other processes instead). Threads, since an
    LLM call spends its time waiting on the network. Interrupted, each worker finishes the item in hand."""
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    if threads == 1:
        return run_job(workflow, job_id, drafter, worker=worker_name(f"job{job_id}"), on_item=on_item)
    stop = threading.Event()
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            run_job(workflow, job_id, drafter, worker=worker_name(f"job{job_id}-{n}"), on_item=on_item, stop=stop)
        except BaseException as exc:  # handed to the caller below; the other workers stop after their item
            failures.append(exc)
            stop.set()

    workers = [threading.Thread(target=work, args=(n,), daemon=True, name=f"tactful-job{job_id}-{n}") for n in range(threads)]
    for thread in workers:
        thread.start()
    try:
        for thread in workers:
            thread.join()
    except BaseException:
        stop.set()
        for thread in workers:
            thread.join()
        raise
    if failures:
        raise failures[0]
    return progress(workflow, job_id)


@dataclass(frozen=True)
class ItemOutcome:
    ticket_row_id: int
    status: str  # done, failed (or pending, claimed: the job is not finished)
    draft: Draft | None  # the reply as first drafted
    error: str = ""


def outcomes(workflow: Workflow, job_id: int) -> list[ItemOutcome]:
    """What became of each ticket of the job, in the job's order."""
    with workflow.sessions() as session:
        rows = session.execute(
            select(BatchItemRow.ticket_id, BatchItemRow.status, BatchItemRow.error, DraftVersionRow.data)
            .outerjoin(DraftVersionRow, (DraftVersionRow.draft_id == BatchItemRow.draft_id) & (DraftVersionRow.version == 1))
            .where(BatchItemRow.job_id == job_id)
            .order_by(BatchItemRow.id)
        ).all()
    return [
        ItemOutcome(ticket_id, status, Draft.model_validate(data) if data is not None else None, error or "")
        for ticket_id, status, error, data in rows
    ]


def draft_detached(
    drafter: Drafter,
    incident: Incident,
    tickets: Iterable[Ticket],
    *,
    lang: str | None = None,
    threads: int = 1,
    on_item: Callable[[JobProgress], None] | None = None,
) -> BatchResult:
    """Draft tickets that live in no database (a file the CLI reads) through the same job engine, with
    draft_many's result: the drafts in ticket order, and (ticket id, what went wrong) for each that failed.

    A scratch SQLite database in a temporary folder holds the job while it runs and is deleted after; the
    workflow database is not touched. `lang` overrides every ticket's language."""
    tickets = list(tickets)
    with tempfile.TemporaryDirectory(prefix="tactful-batch-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'batch.db'}")
        try:
            Base.metadata.create_all(engine)  # a throwaway database: no migrations to keep
            flow = Workflow(sessionmaker(engine, expire_on_commit=False), default_checker())
            flow.save_incident(incident, actor="batch")
            rows = []
            for line, ticket in enumerate(tickets, start=1):
                stored = ticket.model_copy(update={"incident_id": incident.id, **({"lang": lang} if lang else {})})
                # Each ticket its own row: a file may name one ticket id twice, and (source, id) would merge them.
                rows.append(flow.add_ticket(stored, actor="batch", source=f"line-{line}")[0])
            job_id = create_job(flow, incident.id, rows, actor="batch")
            drain(flow, job_id, drafter, threads=threads, on_item=on_item)
            result = BatchResult()
            for ticket, outcome in zip(tickets, outcomes(flow, job_id), strict=True):
                if outcome.draft is not None:
                    result.drafts.append(outcome.draft)
                else:
                    result.errors.append((ticket.id, outcome.error or f"not drafted ({outcome.status})"))
            return result
        finally:
            engine.dispose()  # close the file before its folder is deleted


class JobRunner:
    """Background drafting for one server process: `threads` workers take items of every open job.

    Started with the API (and resumes whatever a dead predecessor left); `wake()` after creating a job
    starts work at once, and every `poll` seconds the threads look for work anyway — jobs created by
    another process, or items whose lease ran out."""

    def __init__(self, workflow: Workflow, drafter: Drafter, *, threads: int = JOB_THREADS, poll: float = JOB_POLL, lease: timedelta = LEASE) -> None:
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

"""The HTTP API for ticket systems (`tactful serve`): /v1, API keys with scopes, one error shape.

Errors are always `{"error": {"code": "...", "message": "...", "details": [...]}}`: 400 bad JSON,
401 no or unknown key, 403 missing scope, 404 unknown id, 409 a stale version or a step the draft's
state refuses (the message says why), 413 body too large, 422 invalid fields (details name each field),
429 too many requests for one key.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Callable, Literal

from fastapi import BackgroundTasks, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.exceptions import HTTPException as StarletteHTTPException

from drafting import commitments as commitment_guard
from drafting.composer import Drafter
from drafting.db import ApiKeyRow, DraftRow, TicketRow, utcnow
from drafting.jobs import JobRunner, create_job, progress
from drafting.models import Incident, Ticket
from drafting.tone import ToneChecker
from drafting.workflow import DraftView, NotFound, Workflow, WorkflowError
from knowledge.policy import PolicyBook, TicketFacts

SCOPES = ("tickets:write", "drafts:read", "drafts:approve", "admin")
MAX_BODY_BYTES = 1_000_000
MAX_BULK = 500


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []


class ErrorDetail(BaseModel):
    code: str = Field(description="bad_json, unauthenticated, forbidden, not_found, conflict, too_large, invalid, refused")
    message: str
    details: list[Any] = Field(default_factory=list)


class ErrorBody(BaseModel):
    error: ErrorDetail


ERRORS = {status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 413, 422)}


# ── API keys ───────────────────────────────────────────────────────────────────────────────────────


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_api_key(workflow: Workflow, name: str, scopes: list[str]) -> str:
    """A new key (shown once; only its hash is stored)."""
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ValueError(f"scopes must be some of {', '.join(SCOPES)}; got {', '.join(sorted(unknown)) or 'none'}")
    key = "tk_" + secrets.token_urlsafe(32)
    with workflow.sessions.begin() as session:
        session.add(ApiKeyRow(name=name, key_hash=hash_key(key), scopes=sorted(set(scopes))))
    return key


def list_api_keys(workflow: Workflow) -> list[dict[str, Any]]:
    with workflow.sessions() as session:
        return [{"id": r.id, "name": r.name, "scopes": list(r.scopes), "created_at": r.created_at, "revoked_at": r.revoked_at}
                for r in session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))]


def revoke_api_key(workflow: Workflow, key_id: int, actor: str) -> None:
    """Revoke a key; running servers stop accepting it within KEY_CACHE_SECONDS."""
    with workflow.sessions.begin() as session:
        row = session.get(ApiKeyRow, key_id)
        if row is None:
            raise NotFound(f"no API key {key_id}")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            workflow._audit(session, actor, "apikey.revoke", "api_key", str(key_id), {"name": row.name})


KEY_CACHE_SECONDS = 5.0  # how long a looked-up key is trusted without asking the database again


class Caller(BaseModel):
    name: str
    scopes: list[str]


# ── request and response bodies ───────────────────────────────────────────────────────────────────


class TicketIn(Ticket):
    source: str = Field(default="api", max_length=60, description="Which ticket system the id belongs to.")


class TicketOut(BaseModel):
    id: int
    external_id: str
    source: str
    created: bool
    risks: list[dict[str, str]]


class BulkTickets(BaseModel):
    tickets: list[TicketIn] = Field(min_length=1, max_length=MAX_BULK)


class EditIn(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)
    version: int = Field(ge=1, description="The version you edited (409 if it is no longer the latest).")


class ApproveIn(BaseModel):
    version: int = Field(ge=1)
    override: str = Field(default="", max_length=2000, description="Required to approve a blocked draft; recorded.")


class RejectIn(BaseModel):
    version: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=2000)


class SentIn(BaseModel):
    version: int = Field(ge=1)
    note: str = Field(default="", max_length=2000)


class ToneIn(BaseModel):
    text: str = Field(max_length=20_000)
    kind: Literal["auto", "draft", "chat"] = "auto"
    lang: Literal["zh", "en"] | None = None


class CommitmentsIn(BaseModel):
    text: str = Field(max_length=20_000)
    facts: TicketFacts
    incident_id: str | None = None


class ChatwootConversation(BaseModel):
    id: int | str | None = None


class ChatwootSender(BaseModel):
    id: int | str | None = None
    name: str | None = Field(default=None, max_length=200)


class ChatwootEvent(BaseModel):
    """The fields of Chatwoot's webhook payload Tactful reads (others are accepted and ignored)."""

    event: str = Field(max_length=60)
    id: int | str | None = None
    content: str | None = Field(default=None, max_length=20_000)
    message_type: str | None = Field(default=None, max_length=20)
    conversation: ChatwootConversation | None = None
    sender: ChatwootSender | None = None


class ChatwootOut(BaseModel):
    ticket_id: int | None = None
    created: bool = False
    ignored: str | None = None


class JobOut(BaseModel):
    id: int
    status: str
    total: int
    done: int
    failed: int
    pending: int


class DraftSummary(BaseModel):
    id: int
    incident_id: str
    ticket_id: int | None
    kind: str
    lang: str
    status: str
    version: int
    generator: str


# ── the app ────────────────────────────────────────────────────────────────────────────────────────


class RateLimiter:
    """A token bucket per API key: `rate` requests per second on average, bursts up to `burst`. Per worker
    process (N workers allow N times the rate): enough to stop one runaway integration from starving the
    others, which is what it is for."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> float:
        """0 when the request may go ahead, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate


def create_app(workflow: Workflow, drafter: Drafter, tone: ToneChecker, book: PolicyBook,
               store_factory: Callable[[], Any] | None = None, mode: str = "composer",
               limiter: RateLimiter | None = None, runner: JobRunner | None = None,
               key_cache_seconds: float = KEY_CACHE_SECONDS) -> FastAPI:
    limiter = limiter or RateLimiter(rate=20.0, burst=100)
    runner = runner or JobRunner(workflow, drafter)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runner.start()  # resumes jobs a stopped or killed server left unfinished
        yield
        runner.stop()

    app = FastAPI(title="Tactful API", version="1", description=__doc__, responses={**ERRORS, 429: {"model": ErrorBody}},
                  lifespan=lifespan)

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable) -> Any:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return _error(413, "too_large", f"request bodies are limited to {MAX_BODY_BYTES} bytes")
        return await call_next(request)

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(WorkflowError)
    async def workflow_error(_request: Request, exc: WorkflowError) -> JSONResponse:
        # A refused step conflicts with the draft's current state (already sent, blocked by a guard): 409.
        status = {"not_found": 404, "conflict": 409, "refused": 409, "invalid": 422}[exc.code]
        return _error(status, exc.code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return _error(400, "bad_json", "the request body is not valid JSON")
        details = [{"field": ".".join(str(p) for p in e["loc"] if p != "body"), "problem": e["msg"]} for e in errors]
        return _error(422, "invalid", "some fields are invalid", details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        response = _error(exc.status_code, code, str(exc.detail))
        for name, value in (exc.headers or {}).items():  # e.g. Allow on 405
            response.headers[name] = value
        return response

    # Each request used to look its key up: a query per call. Keys change rarely; revocation takes effect
    # within KEY_CACHE_SECONDS.
    known_keys: dict[str, tuple[float, Caller]] = {}

    def caller(authorization: str | None = Header(default=None), x_api_key: str | None = Header(default=None),
               key: str | None = Query(default=None, max_length=200,
                                       description="Only for senders that cannot set headers (Chatwoot webhooks).")) -> Caller:
        key = x_api_key or (authorization[7:].strip() if authorization and authorization.lower().startswith("bearer ") else None) or key
        if not key:
            raise ApiError(401, "unauthenticated", "send an API key: 'Authorization: Bearer <key>' or 'X-API-Key: <key>'")
        digest = hash_key(key)
        now = time.monotonic()
        cached = known_keys.get(digest)
        if cached is None or cached[0] < now:
            with workflow.sessions() as session:
                row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == digest, ApiKeyRow.revoked_at.is_(None)))
            # Unknown keys are not cached: a wrong key costs its sender a query, never a stale 401 later.
            if row is None:
                known_keys.pop(digest, None)
                raise ApiError(401, "unauthenticated", "unknown or revoked API key")
            cached = known_keys[digest] = (now + key_cache_seconds, Caller(name=row.name, scopes=list(row.scopes)))
        wait = limiter.allow(digest)
        if wait:
            raise ApiError(429, "rate_limited", f"too many requests for this key; retry in {wait:.1f} s")
        return cached[1]

    def needs(scope: str) -> Callable[..., Caller]:
        def check(who: Caller = Depends(caller)) -> Caller:
            if scope not in who.scopes and "admin" not in who.scopes:
                raise ApiError(403, "forbidden", f"this key lacks the '{scope}' scope")
            return who

        return check

    @app.get("/v1/health")
    def health() -> dict[str, str]:
        """Liveness, the drafting mode and whether the database answers (no key needed)."""
        database = "ok"
        try:
            workflow.counts()
        except Exception as exc:  # report, don't crash: health must always answer
            database = f"error: {type(exc).__name__}"
        return {"status": "ok" if database == "ok" else "degraded", "mode": mode, "database": database}

    @app.post("/v1/incidents", status_code=201, response_model=Incident)
    def create_incident(incident: Incident, who: Caller = Depends(needs("tickets:write"))) -> Incident:
        workflow.save_incident(incident, actor=who.name)
        return incident

    @app.get("/v1/incidents/{incident_id}", response_model=Incident)
    def read_incident(incident_id: str, _who: Caller = Depends(needs("drafts:read"))) -> Incident:
        return workflow.incident(incident_id)

    @app.put("/v1/incidents/{incident_id}", response_model=Incident)
    def update_incident(incident_id: str, incident: Incident, who: Caller = Depends(needs("tickets:write"))) -> Incident:
        if incident.id != incident_id:
            raise ApiError(422, "invalid", "the body's id must match the URL", [{"field": "id", "problem": "does not match the URL"}])
        workflow.incident(incident_id)
        workflow.save_incident(incident, actor=who.name)
        return incident

    def store_ticket(body: TicketIn, who: Caller) -> TicketOut:
        ticket = Ticket.model_validate(body.model_dump(exclude={"source"}))
        row_id, created = workflow.add_ticket(ticket, actor=who.name, source=body.source)
        with workflow.sessions() as session:
            risks = session.get(TicketRow, row_id).risks
        return TicketOut(id=row_id, external_id=ticket.id, source=body.source, created=created, risks=risks)

    @app.post("/v1/tickets", response_model=TicketOut, status_code=201,
              responses={200: {"model": TicketOut, "description": "The ticket existed (same source and id) and was updated."}})
    def create_ticket(body: TicketIn, who: Caller = Depends(needs("tickets:write"))) -> Any:
        """Create a ticket, or update it when the same (source, id) was sent before (then 200)."""
        out = store_ticket(body, who)
        return out if out.created else JSONResponse(out.model_dump(), status_code=200)

    @app.post("/v1/tickets/bulk", response_model=list[TicketOut])
    def create_tickets(body: BulkTickets, who: Caller = Depends(needs("tickets:write"))) -> list[TicketOut]:
        return [store_ticket(t, who) for t in body.tickets]

    @app.post("/v1/tickets/{ticket_id}/draft", response_model=DraftView, status_code=201)
    def draft_ticket(ticket_id: int, who: Caller = Depends(needs("tickets:write"))) -> DraftView:
        """Draft a reply for the ticket now (synchronously) and store it for review."""
        ticket = workflow.ticket(ticket_id)
        if ticket.incident_id is None:
            raise ApiError(409, "refused", "the ticket belongs to no incident; set incident_id first")
        draft = drafter.draft_reply(workflow.incident(ticket.incident_id), ticket)
        return workflow.record_draft(draft, actor=who.name, ticket_row_id=ticket_id)

    @app.post("/v1/incidents/{incident_id}/jobs", response_model=JobOut, status_code=202)
    def start_job(incident_id: str, who: Caller = Depends(needs("tickets:write"))) -> JobOut:
        """Draft every open ticket of the incident that has no draft yet, in the background. Progress is
        kept per ticket in the database: a restarted server (or another worker) resumes the job."""
        workflow.incident(incident_id)
        with workflow.sessions() as session:
            drafted = select(DraftRow.ticket_id).where(DraftRow.ticket_id.is_not(None))
            ids = list(session.scalars(select(TicketRow.id).where(TicketRow.incident_id == incident_id, TicketRow.status == "open",
                                                                  TicketRow.id.not_in(drafted)).order_by(TicketRow.id)))
        job_id = create_job(workflow, incident_id, ids, actor=who.name)
        runner.wake()
        return job_out(job_id)

    @app.get("/v1/jobs/{job_id}", response_model=JobOut)
    def read_job(job_id: int, _who: Caller = Depends(needs("drafts:read"))) -> JobOut:
        return job_out(job_id)

    def job_out(job_id: int) -> JobOut:
        p = progress(workflow, job_id)
        return JobOut(id=p.job_id, status=p.status, total=p.total, done=p.done, failed=p.failed, pending=p.pending + p.claimed)

    @app.get("/v1/drafts", response_model=list[DraftSummary])
    def list_drafts(status: Literal["drafted", "edited", "approved", "sent", "rejected"] | None = None,
                    incident_id: str | None = Query(default=None, max_length=120),
                    limit: int = Query(default=100, ge=1, le=1000), _who: Caller = Depends(needs("drafts:read"))) -> list[DraftSummary]:
        with workflow.sessions() as session:
            query = select(DraftRow).order_by(DraftRow.id).limit(limit)
            if status:
                query = query.where(DraftRow.status == status)
            if incident_id:
                query = query.where(DraftRow.incident_id == incident_id)
            return [DraftSummary(id=r.id, incident_id=r.incident_id, ticket_id=r.ticket_id, kind=r.kind, lang=r.lang,
                                 status=r.status, version=r.version, generator=r.generator) for r in session.scalars(query)]

    @app.get("/v1/drafts/{draft_id}", response_model=DraftView)
    def read_draft(draft_id: int, _who: Caller = Depends(needs("drafts:read"))) -> DraftView:
        return workflow.get(draft_id)

    @app.patch("/v1/drafts/{draft_id}", response_model=DraftView)
    def edit_draft(draft_id: int, body: EditIn, who: Caller = Depends(needs("drafts:approve"))) -> DraftView:
        return workflow.edit(draft_id, body.text, body.version, actor=who.name)

    @app.post("/v1/drafts/{draft_id}/approve", response_model=DraftView)
    def approve_draft(draft_id: int, body: ApproveIn, background: BackgroundTasks,
                      who: Caller = Depends(needs("drafts:approve"))) -> DraftView:
        """Approve the version you saw. When the approval is final and a webhook is configured, the reply is
        queued and POSTed after the response (retried later if the receiver is down)."""
        view = workflow.approve(draft_id, body.version, actor=who.name, override=body.override)
        if view.status == "approved" and workflow.webhooks is not None:
            background.add_task(workflow.webhooks.deliver_due)
        return view

    @app.post("/v1/drafts/{draft_id}/reject", response_model=DraftView)
    def reject_draft(draft_id: int, body: RejectIn, who: Caller = Depends(needs("drafts:approve"))) -> DraftView:
        return workflow.reject(draft_id, body.version, actor=who.name, reason=body.reason)

    @app.post("/v1/drafts/{draft_id}/sent", response_model=DraftView)
    def mark_sent(draft_id: int, body: SentIn, who: Caller = Depends(needs("drafts:approve"))) -> DraftView:
        """Record that the approved text went out (e.g. pasted into a WeChat group by hand)."""
        return workflow.mark_sent(draft_id, body.version, actor=who.name, note=body.note)

    @app.post("/v1/tone/check")
    def tone_check(body: ToneIn, _who: Caller = Depends(needs("drafts:read"))) -> dict[str, Any]:
        return tone.check(body.text, kind=body.kind, lang=body.lang).to_dict()

    @app.post("/v1/commitments/check")
    def commitments_check(body: CommitmentsIn, _who: Caller = Depends(needs("drafts:read"))) -> dict[str, Any]:
        facts, decisions = body.facts, []
        if body.incident_id:
            incident = workflow.incident(body.incident_id)
            decisions = list(incident.decisions)
            if incident.declared:
                facts = facts.model_copy(update={"during_incident": True})
        report = commitment_guard.check(body.text, book.remedies_for(facts) + decisions, order_amount=facts.order_amount)
        return report.to_dict()

    @app.post("/v1/integrations/chatwoot", response_model=ChatwootOut)
    def chatwoot(payload: ChatwootEvent, incident_id: str | None = Query(default=None, max_length=120),
                 who: Caller = Depends(needs("tickets:write"))) -> ChatwootOut:
        """Chatwoot's `message_created` webhook: an incoming customer message creates the conversation's
        ticket or adds to it (source "chatwoot", id "conversation-<id>"). Other events and agents' own
        messages are acknowledged and ignored. Point Chatwoot at
        `/v1/integrations/chatwoot?incident_id=<incident>&key=<API key>`."""
        if payload.event != "message_created":
            return ChatwootOut(ignored=f"event {payload.event!r} is not handled")
        if payload.message_type != "incoming":
            return ChatwootOut(ignored=f"{payload.message_type} messages are ours, not the customer's")
        if not payload.content or not payload.content.strip():
            return ChatwootOut(ignored="the message has no text")
        conversation = payload.conversation.id if payload.conversation else None
        if conversation is None:
            raise ApiError(422, "invalid", "the payload has no conversation", [{"field": "conversation.id", "problem": "missing"}])
        external_id = f"conversation-{conversation}"
        with workflow.sessions() as session:
            existing = session.scalar(select(TicketRow).where(TicketRow.source == "chatwoot", TicketRow.external_id == external_id))
            data = dict(existing.data) if existing else None
        if data is not None:
            ticket = Ticket.model_validate(data)
            messages = ticket.messages if payload.content in ticket.messages[-1:] else [*ticket.messages, payload.content]
            ticket = ticket.model_copy(update={"messages": messages, "incident_id": incident_id or ticket.incident_id})
        else:
            sender = payload.sender.name if payload.sender and payload.sender.name else ""
            ticket = Ticket(id=external_id, incident_id=incident_id, customer=sender, channel="chatwoot",
                            messages=[payload.content], facts=TicketFacts(issue_type="other"))
        row_id, created = workflow.add_ticket(ticket, actor=who.name, source="chatwoot")
        return ChatwootOut(ticket_id=row_id, created=created)

    @app.get("/v1/knowledge/search")
    def knowledge_search(q: str = Query(min_length=1, max_length=500), k: int = Query(default=5, ge=1, le=20),
                         kind: Literal["policy", "incident"] | None = None, lang: Literal["zh", "en"] | None = None,
                         _who: Caller = Depends(needs("drafts:read"))) -> list[dict[str, Any]]:
        if store_factory is None:
            raise ApiError(503, "unavailable", "the knowledge store is not configured for this server")
        return [r.to_dict() for r in store_factory().search(q, k, kind=kind, lang=lang)]

    return app


def _error(status: int, code: str, message: str, details: list[Any] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "details": details or []}}, status_code=status)


__all__ = ["create_app", "create_api_key", "hash_key", "SCOPES"]

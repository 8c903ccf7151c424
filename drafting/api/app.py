"""The HTTP API for ticket systems (`tactful serve`): /v1, API keys with scopes, one error shape.

Errors are always `{"error": {"code": "...", "message": "...", "details": [...]}}`: 400 bad JSON,
401 no or unknown key (or a bad Chatwoot signature), 403 missing scope, 404 unknown id, 409 a stale version
or a step the draft's state refuses (the message says why), 413 body too large (also when sent chunked),
422 invalid fields (details name each field; ids out of range too), 429 too many requests for one key.
"""

from __future__ import annotations

import threading
import time
import types
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args, get_origin

from fastapi import BackgroundTasks, Depends, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator
from pydantic.fields import FieldInfo
from starlette.exceptions import HTTPException as StarletteHTTPException

from drafting.api.http_guards import BodyLimit, redact_access_log
from drafting.domain.entitlements import counted_facts, entitlements
from drafting.domain.models import Incident, Ticket
from drafting.drafters.base import Drafter
from drafting.guards import commitments as commitment_guard
from drafting.guards.tone import ToneChecker
from drafting.settings import API_BURST, API_RATE
from drafting.workflow import MAX_ROW_ID, api_keys
from drafting.workflow.api_keys import SCOPES
from drafting.workflow.chatwoot import SeenEvents, signature_problem
from drafting.workflow.core import CONFIRMABLE, DraftSummary, DraftView, Workflow, WorkflowError
from drafting.workflow.jobs import JobRunner, create_job, progress
from knowledge.policy import PolicyBook, TicketFacts

MAX_BODY_BYTES = 1_000_000
MAX_BULK = 500
# Ids and versions are INTEGER columns: 32-bit on PostgreSQL (64-bit on SQLite). A larger number can name no
# row, and used to reach the database driver and answer 500; it is refused at the door (422) like any other
# invalid field.
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A row id (1 to 2^31-1).")]
Version = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


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


ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 413, 422)}


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
    version: Version = Field(description="The version you edited (409 if it is no longer the latest).")


class ApproveIn(BaseModel):
    version: Version
    override: str = Field(default="", max_length=2000, description="Required to approve a blocked draft; recorded.")


class RejectIn(BaseModel):
    version: Version
    reason: str = Field(min_length=1, max_length=2000)


class SentIn(BaseModel):
    version: Version
    note: str = Field(default="", max_length=2000)


def _confirmable_fact(name: str) -> tuple[Any, FieldInfo]:
    """A fact's type and checks as TicketFacts has them, optional in the body but never null: confirming a
    fact means giving its value."""
    info = TicketFacts.model_fields[name]
    kinds = [info.annotation]
    if get_origin(info.annotation) in (Union, types.UnionType):
        kinds = [kind for kind in get_args(info.annotation) if kind is not type(None)]
    field = FieldInfo.merge_field_infos(info, default=None, json_schema_extra=lambda schema: schema.pop("default", None))
    return Union[tuple(kinds)] if len(kinds) > 1 else kinds[0], field  # noqa: UP007 (a union built at run time)


class _ConfirmFacts(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    @model_validator(mode="after")
    def _names_a_fact(self) -> _ConfirmFacts:
        if not self.model_fields_set:
            raise ValueError('name at least one fact to confirm, e.g. {"order_amount": 86}')
        return self


# Built from TicketFacts, so every fact the workflow can confirm is accepted with the same checks.
if TYPE_CHECKING:  # a model built at run time is no type to mypy; its base is what the code relies on
    ConfirmFactsIn = _ConfirmFacts
else:
    ConfirmFactsIn = create_model("ConfirmFactsIn", __base__=_ConfirmFacts, **{name: _confirmable_fact(name) for name in sorted(CONFIRMABLE)})
ConfirmFactsIn.__doc__ = (
    "The facts a person confirmed (from the order system, a photo, a call), by name: "
    "usually ones the customer only claimed. The value may differ from the claim."
)


class ConfirmedOut(BaseModel):
    id: int
    external_id: str
    facts: TicketFacts = Field(description="The ticket's facts now; `claimed` holds what is still unconfirmed.")
    risks: list[dict[str, str]]


class ToneIn(BaseModel):
    text: str = Field(max_length=20_000)
    kind: Literal["auto", "draft", "chat"] = "auto"
    lang: Literal["zh", "en"] | None = None
    # The customer's messages the text answers: courtesy alone in answer to a complaint is then flagged.
    answering: list[Annotated[str, Field(max_length=20_000)]] = Field(default_factory=list, max_length=50)


class CommitmentsIn(BaseModel):
    text: str = Field(max_length=20_000)
    facts: TicketFacts
    incident_id: str | None = None


# Chatwoot's ids, as numbers or strings; bounded so they fit the columns they end up in (external ids).
ChatwootId = Annotated[int, Field(ge=0, le=2**63 - 1)] | Annotated[str, Field(max_length=100)]


class ChatwootConversation(BaseModel):
    id: ChatwootId | None = None


class ChatwootSender(BaseModel):
    id: ChatwootId | None = None
    name: str | None = Field(default=None, max_length=200)


class ChatwootEvent(BaseModel):
    """The fields of Chatwoot's webhook payload Tactful reads (others are accepted and ignored)."""

    event: str = Field(max_length=60)
    id: ChatwootId | None = None
    content: str | None = Field(default=None, max_length=20_000)
    message_type: str | None = Field(default=None, max_length=20)
    conversation: ChatwootConversation | None = None
    sender: ChatwootSender | None = None
    created_at: Annotated[int, Field(ge=0, le=2**40)] | Annotated[str, Field(max_length=40)] | None = None

    def written_at(self) -> datetime | None:
        """When the customer wrote: Chatwoot sends seconds since 1970 or "2026-11-12 13:05:57 UTC"."""
        if isinstance(self.created_at, int):
            return datetime.fromtimestamp(self.created_at, UTC)
        if isinstance(self.created_at, str):
            try:
                moment = datetime.fromisoformat(self.created_at.strip().removesuffix("UTC").strip())
            except ValueError:
                return None  # an unreadable time is not a reason to lose the message
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return None


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


def create_app(
    workflow: Workflow,
    drafter: Drafter,
    tone: ToneChecker,
    book: PolicyBook,
    store_factory: Callable[[], Any] | None = None,
    mode: str = "composer",
    limiter: RateLimiter | None = None,
    runner: JobRunner | None = None,
    key_cache_seconds: float = KEY_CACHE_SECONDS,
    chatwoot_secret: str | None = None,
) -> FastAPI:
    """`chatwoot_secret`: the Chatwoot webhook's secret; when given, /v1/integrations/chatwoot requires its
    signature (drafting/workflow/chatwoot.py says how Chatwoot signs)."""
    limiter = limiter or RateLimiter(rate=API_RATE, burst=API_BURST)
    runner = runner or JobRunner(workflow, drafter)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runner.start()  # resumes jobs a stopped or killed server left unfinished
        yield
        runner.stop()

    app = FastAPI(title="Tactful API", version="1", description=__doc__, responses={**ERRORS, 429: {"model": ErrorBody}}, lifespan=lifespan)

    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    redact_access_log()  # `?key=` (Chatwoot's API key) must never reach uvicorn's access log in clear

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
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "error")
        response = _error(exc.status_code, code, str(exc.detail))
        for name, value in (exc.headers or {}).items():  # e.g. Allow on 405
            response.headers[name] = value
        return response

    # Each request used to look its key up: a query per call. Keys change rarely; revocation takes effect
    # within KEY_CACHE_SECONDS.
    known_keys: dict[str, tuple[float, Caller]] = {}

    def authenticate(key: str | None) -> Caller:
        if not key:
            raise ApiError(401, "unauthenticated", "send an API key: 'Authorization: Bearer <key>' or 'X-API-Key: <key>'")
        digest = api_keys.hash_key(key)
        now = time.monotonic()
        cached = known_keys.get(digest)
        if cached is None or cached[0] < now:
            row = api_keys.find(workflow, digest)
            # Unknown keys are not cached: a wrong key costs its sender a query, never a stale 401 later.
            if row is None:
                known_keys.pop(digest, None)
                raise ApiError(401, "unauthenticated", "unknown or revoked API key")
            cached = known_keys[digest] = (now + key_cache_seconds, Caller(name=row.name, scopes=list(row.scopes)))
        throttle(digest)
        return cached[1]

    def throttle(bucket: str) -> None:
        wait = limiter.allow(bucket)
        if wait:
            raise ApiError(429, "rate_limited", f"too many requests for this key; retry in {wait:.1f} s")

    def header_key(authorization: str | None, x_api_key: str | None) -> str | None:
        bearer = authorization[7:].strip() if authorization and authorization.lower().startswith("bearer ") else None
        return x_api_key or bearer

    # Keys come in headers only: a key in a URL ends up in proxies' and browsers' logs. The one exception is
    # the Chatwoot endpoint, whose sender cannot set headers (see chatwoot_sender).
    def caller(authorization: str | None = Header(default=None), x_api_key: str | None = Header(default=None)) -> Caller:
        return authenticate(header_key(authorization, x_api_key))

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
        return TicketOut(id=row_id, external_id=ticket.id, source=body.source, created=created, risks=workflow.ticket_risks(row_id))

    @app.post(
        "/v1/tickets",
        response_model=TicketOut,
        status_code=201,
        responses={200: {"model": TicketOut, "description": "The ticket existed (same source and id) and was updated."}},
    )
    def create_ticket(body: TicketIn, who: Caller = Depends(needs("tickets:write"))) -> Any:
        """Create a ticket, or update it when the same (source, id) was sent before (then 200)."""
        out = store_ticket(body, who)
        return out if out.created else JSONResponse(out.model_dump(), status_code=200)

    @app.post("/v1/tickets/bulk", response_model=list[TicketOut])
    def create_tickets(body: BulkTickets, who: Caller = Depends(needs("tickets:write"))) -> list[TicketOut]:
        return [store_ticket(t, who) for t in body.tickets]

    @app.post("/v1/tickets/{ticket_id}/draft", response_model=DraftView, status_code=201)
    def draft_ticket(ticket_id: RowId, who: Caller = Depends(needs("tickets:write"))) -> DraftView:
        """Draft a reply for the ticket now (synchronously) and store it for review."""
        ticket = workflow.ticket(ticket_id)
        if ticket.incident_id is None:
            raise ApiError(409, "refused", "the ticket belongs to no incident; set incident_id first")
        draft = drafter.draft_reply(workflow.incident(ticket.incident_id), ticket)
        return workflow.record_draft(draft, actor=who.name, ticket_row_id=ticket_id)

    @app.post("/v1/tickets/{ticket_id}/confirm-facts", response_model=ConfirmedOut)
    def confirm_facts(ticket_id: RowId, body: ConfirmFactsIn, who: Caller = Depends(needs("tickets:write"))) -> ConfirmedOut:
        """Confirm facts the customer only claimed (e.g. `{"order_amount": 86, "delay_minutes": 45}`): each
        becomes a fact the policy book counts and leaves `claimed`. 409 when someone confirmed that fact with
        another value meanwhile (confirming the same value again changes nothing). Drafts made before stay as
        they were: draft again to use the confirmed facts."""
        ticket = workflow.confirm_facts(ticket_id, who.name, **body.model_dump(exclude_unset=True))
        return ConfirmedOut(id=ticket_id, external_id=ticket.id, facts=ticket.facts, risks=workflow.ticket_risks(ticket_id))

    @app.post("/v1/incidents/{incident_id}/jobs", response_model=JobOut, status_code=202)
    def start_job(incident_id: str, who: Caller = Depends(needs("tickets:write"))) -> JobOut:
        """Draft every open ticket of the incident that has no live reply (none drafted, edited, approved or
        sent; a ticket whose replies were all rejected is drafted again), in the background. Progress is kept
        per ticket in the database: a restarted server (or another worker) resumes the job."""
        workflow.incident(incident_id)
        job_id = create_job(workflow, incident_id, workflow.tickets_needing_draft(incident_id), actor=who.name)
        runner.wake()
        return job_out(job_id)

    @app.get("/v1/jobs/{job_id}", response_model=JobOut)
    def read_job(job_id: RowId, _who: Caller = Depends(needs("drafts:read"))) -> JobOut:
        return job_out(job_id)

    def job_out(job_id: int) -> JobOut:
        p = progress(workflow, job_id)
        return JobOut(id=p.job_id, status=p.status, total=p.total, done=p.done, failed=p.failed, pending=p.pending + p.claimed)

    @app.get("/v1/drafts", response_model=list[DraftSummary])
    def list_drafts(
        status: Literal["drafted", "edited", "approved", "sent", "rejected"] | None = None,
        incident_id: str | None = Query(default=None, max_length=120),
        limit: int = Query(default=100, ge=1, le=1000),
        _who: Caller = Depends(needs("drafts:read")),
    ) -> list[DraftSummary]:
        return workflow.drafts(status=status, incident_id=incident_id, limit=limit)

    @app.get("/v1/drafts/{draft_id}", response_model=DraftView)
    def read_draft(draft_id: RowId, _who: Caller = Depends(needs("drafts:read"))) -> DraftView:
        return workflow.get(draft_id)

    @app.patch("/v1/drafts/{draft_id}", response_model=DraftView)
    def edit_draft(draft_id: RowId, body: EditIn, who: Caller = Depends(needs("drafts:approve"))) -> DraftView:
        return workflow.edit(draft_id, body.text, body.version, actor=who.name)

    @app.post("/v1/drafts/{draft_id}/approve", response_model=DraftView)
    def approve_draft(draft_id: RowId, body: ApproveIn, background: BackgroundTasks, who: Caller = Depends(needs("drafts:approve"))) -> DraftView:
        """Approve the version you saw. When the approval is final and a webhook is configured, the reply is
        queued and POSTed after the response (retried later if the receiver is down)."""
        view = workflow.approve(draft_id, body.version, actor=who.name, override=body.override)
        # Without a valid secret the delivery stays queued (nothing leaves unsigned); `tactful serve` refuses
        # to start that way, so this only matters for an app built by hand.
        if view.status == "approved" and workflow.webhooks is not None and workflow.webhooks.problem is None:
            background.add_task(workflow.webhooks.deliver_due)
        return view

    @app.post("/v1/drafts/{draft_id}/reject", response_model=DraftView)
    def reject_draft(draft_id: RowId, body: RejectIn, who: Caller = Depends(needs("drafts:approve"))) -> DraftView:
        return workflow.reject(draft_id, body.version, actor=who.name, reason=body.reason)

    @app.post("/v1/drafts/{draft_id}/sent", response_model=DraftView)
    def mark_sent(draft_id: RowId, body: SentIn, who: Caller = Depends(needs("drafts:approve"))) -> DraftView:
        """Record that the approved text went out (e.g. pasted into a WeChat group by hand)."""
        return workflow.mark_sent(draft_id, body.version, actor=who.name, note=body.note)

    @app.post("/v1/tone/check")
    def tone_check(body: ToneIn, _who: Caller = Depends(needs("drafts:read"))) -> dict[str, Any]:
        return tone.check(body.text, kind=body.kind, lang=body.lang, answering=body.answering).to_dict()

    @app.post("/v1/commitments/check")
    def commitments_check(body: CommitmentsIn, _who: Caller = Depends(needs("drafts:read"))) -> dict[str, Any]:
        incident = workflow.incident(body.incident_id) if body.incident_id else None
        entitled = entitlements(book, body.facts, incident)
        report = commitment_guard.check(
            body.text, entitled, order_amount=counted_facts(body.facts, incident).order_amount, recorded=incident.recorded_texts() if incident else ()
        )
        return report.to_dict()

    seen_messages = SeenEvents(workflow.sessions)

    async def chatwoot_sender(
        request: Request,
        x_chatwoot_signature: str | None = Header(default=None, max_length=200),
        x_chatwoot_timestamp: str | None = Header(default=None, max_length=40),
        authorization: str | None = Header(default=None),
        x_api_key: str | None = Header(default=None),
        key: str | None = Query(
            default=None,
            max_length=200,
            deprecated=True,
            description=(
                "The API key, for Chatwoot versions that cannot sign (they cannot set headers either). "
                "Never written to the access log. With a signing secret configured, leave it out."
            ),
        ),
    ) -> Caller:
        """A signed request is Chatwoot's own (no key needed); an unsigned one needs a tickets:write key."""
        presented = header_key(authorization, x_api_key) or key
        if chatwoot_secret:
            problem = signature_problem(chatwoot_secret, x_chatwoot_timestamp, await request.body(), x_chatwoot_signature)
            if problem:
                raise ApiError(401, "unauthenticated", f"Chatwoot signature refused: {problem}")
            if not presented:
                throttle("chatwoot-signed")
                return Caller(name="chatwoot", scopes=["tickets:write"])
        who = authenticate(presented)
        if "tickets:write" not in who.scopes and "admin" not in who.scopes:
            raise ApiError(403, "forbidden", "this key lacks the 'tickets:write' scope")
        return who

    @app.post("/v1/integrations/chatwoot", response_model=ChatwootOut)
    def chatwoot(
        payload: ChatwootEvent, incident_id: str | None = Query(default=None, max_length=120), who: Caller = Depends(chatwoot_sender)
    ) -> ChatwootOut:
        """Chatwoot's `message_created` webhook: an incoming customer message creates the conversation's
        ticket or adds to it (source "chatwoot", id "conversation-<id>"). Other events and agents' own
        messages are acknowledged and ignored, and so is a message whose id arrived before (a replay or
        Chatwoot's retry). Point Chatwoot at `/v1/integrations/chatwoot?incident_id=<incident>` and set
        TACTFUL_CHATWOOT_WEBHOOK_SECRET to the webhook's secret; Chatwoot versions that cannot sign need
        `&key=<API key>` instead."""
        if payload.event != "message_created":
            return ChatwootOut(ignored=f"event {payload.event!r} is not handled")
        if payload.message_type != "incoming":
            return ChatwootOut(ignored=f"{payload.message_type} messages are ours, not the customer's")
        if not payload.content or not payload.content.strip():
            return ChatwootOut(ignored="the message has no text")
        conversation = payload.conversation.id if payload.conversation else None
        if conversation is None:
            raise ApiError(422, "invalid", "the payload has no conversation", [{"field": "conversation.id", "problem": "missing"}])
        message_id = f"message-{payload.id}" if payload.id is not None else None
        if message_id is not None and not seen_messages.claim(message_id):
            return ChatwootOut(ticket_id=seen_messages.ticket_of(message_id), ignored=f"message {payload.id} was already received")
        try:
            row_id, created = add_chatwoot_message(payload, f"conversation-{conversation}", incident_id, who)
        except BaseException:
            if message_id is not None:
                seen_messages.release(message_id)  # let Chatwoot's retry in
            raise
        if message_id is not None:
            seen_messages.done(message_id, row_id)
        return ChatwootOut(ticket_id=row_id, created=created)

    def add_chatwoot_message(payload: ChatwootEvent, external_id: str, incident_id: str | None, who: Caller) -> tuple[int, bool]:
        content = payload.content or ""  # never empty here: chatwoot() ignores a message without text
        ticket = workflow.find_ticket("chatwoot", external_id)
        if ticket is not None:
            # Without a message id nothing tells a replay from a customer repeating themselves; the old
            # guess (the same text as the last message is a replay) is kept for that case only.
            repeated = payload.id is None and content in ticket.messages[-1:]
            messages = ticket.messages if repeated else [*ticket.messages, content]
            ticket = ticket.model_copy(update={"messages": messages, "incident_id": incident_id or ticket.incident_id})
        else:
            sender = payload.sender.name if payload.sender and payload.sender.name else ""
            ticket = Ticket(
                id=external_id,
                incident_id=incident_id,
                customer=sender,
                channel="chatwoot",
                messages=[content],
                facts=TicketFacts(issue_type="other"),
                written_at=payload.written_at(),
            )
        return workflow.add_ticket(ticket, actor=who.name, source="chatwoot")

    @app.get("/v1/knowledge/search")
    def knowledge_search(
        q: str = Query(min_length=1, max_length=500),
        k: int = Query(default=5, ge=1, le=20),
        kind: Literal["policy", "incident"] | None = None,
        lang: Literal["zh", "en"] | None = None,
        _who: Caller = Depends(needs("drafts:read")),
    ) -> list[dict[str, Any]]:
        if store_factory is None:
            raise ApiError(503, "unavailable", "the knowledge store is not configured for this server")
        return [r.to_dict() for r in store_factory().search(q, k, kind=kind, lang=lang)]

    return app


def _error(status: int, code: str, message: str, details: list[Any] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "details": details or []}}, status_code=status)


__all__ = ["create_app", "SCOPES"]

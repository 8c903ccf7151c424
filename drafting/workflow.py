"""The review workflow: nothing Tactful drafts reaches a customer without a person's approval.

A draft moves drafted → edited → approved → sent, or → rejected. Every edit is a new version and re-runs
both guards. Approval is refused while the tone verdict is `block` or a promise is unbacked, unless the
approver gives an override reason (recorded). Drafts for flagged tickets (injection, anger, VIP) or with
compensation above the configured limit need a second, different approver. Edits and approvals carry the
version they saw: a stale one is a conflict, never a silent overwrite. Every step is an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Iterable

from pydantic import BaseModel, field_validator
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from drafting import commitments as commitment_guard
from drafting.db import ApprovalRow, AuditEventRow, DraftRow, DraftVersionRow, IncidentRow, TicketRow, utcnow
from drafting.models import Commitment, Draft, Incident, Ticket
from drafting.risk import ticket_risks
from drafting.tone import ToneChecker
from knowledge.policy import MONEY_TYPES


class WorkflowError(Exception):
    """Base: `code` is one of not_found, conflict, refused, invalid (the API maps them to 404/409/422)."""

    code = "invalid"


class NotFound(WorkflowError):
    code = "not_found"


class Conflict(WorkflowError):
    code = "conflict"


class Refused(WorkflowError):
    code = "refused"


@dataclass(frozen=True)
class WorkflowConfig:
    second_approval_above: Decimal = Decimal(200)  # CNY promised in one draft
    approvers: frozenset[str] = field(default_factory=frozenset)  # empty: anyone signed in may approve


def _aware(value: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class VersionView(BaseModel):
    version: int
    text: str
    author: str
    created_at: datetime

    _utc = field_validator("created_at")(_aware)


class ApprovalView(BaseModel):
    version: int
    actor: str
    decision: str
    reason: str
    override: str
    created_at: datetime

    _utc = field_validator("created_at")(_aware)


class DraftView(BaseModel):
    id: int
    incident_id: str
    ticket_id: int | None
    ticket_external_id: str | None
    status: str
    version: int
    draft: Draft
    risks: list[dict[str, str]]
    approvals_needed: int
    versions: list[VersionView]
    approvals: list[ApprovalView]

    @property
    def blocked(self) -> bool:
        return self.draft.tone.get("verdict") == "block" or any(not c.backed for c in self.draft.commitments)


class Workflow:
    def __init__(self, sessions: sessionmaker, tone: ToneChecker, config: WorkflowConfig | None = None,
                 webhooks: Any | None = None) -> None:
        """`webhooks`: a drafting.webhooks.Webhooks; an approved reply is queued for it in the same
        transaction as the approval."""
        self.sessions = sessions
        self.tone = tone
        self.config = config or WorkflowConfig()
        self.webhooks = webhooks

    # ── incidents and tickets ─────────────────────────────────────────────────────────────────────

    def save_incident(self, incident: Incident, actor: str) -> None:
        with self.sessions.begin() as session:
            row = session.get(IncidentRow, incident.id)
            data = incident.model_dump(mode="json")
            if row is None:
                session.add(IncidentRow(id=incident.id, data=data))
                self._audit(session, actor, "incident.create", "incident", incident.id)
            else:
                row.data = data
                self._audit(session, actor, "incident.update", "incident", incident.id)

    def incident(self, incident_id: str) -> Incident:
        with self.sessions() as session:
            row = session.get(IncidentRow, incident_id)
            if row is None:
                raise NotFound(f"no incident {incident_id!r}")
            return Incident.model_validate(row.data)

    def add_ticket(self, ticket: Ticket, actor: str, source: str = "api") -> tuple[int, bool]:
        """Store a ticket; idempotent by the ticket system's id: the same (source, id) again updates the
        stored one. Returns (row id, created)."""
        if ticket.incident_id is not None:
            self.incident(ticket.incident_id)  # NotFound for an unknown incident
        risks = [{"kind": r.kind, "reason": r.reason} for r in ticket_risks(ticket)]
        for attempt in range(2):
            try:
                with self.sessions.begin() as session:
                    row = session.scalar(select(TicketRow).where(TicketRow.source == source, TicketRow.external_id == ticket.id))
                    if row is not None:
                        row.data, row.risks, row.incident_id = ticket.model_dump(mode="json"), risks, ticket.incident_id
                        self._audit(session, actor, "ticket.update", "ticket", str(row.id))
                        return row.id, False
                    row = TicketRow(source=source, external_id=ticket.id, incident_id=ticket.incident_id,
                                    data=ticket.model_dump(mode="json"), risks=risks)
                    session.add(row)
                    session.flush()
                    self._audit(session, actor, "ticket.create", "ticket", str(row.id), {"external_id": ticket.id, "risks": risks})
                    return row.id, True
            except IntegrityError:  # another worker inserted the same ticket at the same moment: read it back
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def ticket(self, ticket_row_id: int) -> Ticket:
        with self.sessions() as session:
            row = session.get(TicketRow, ticket_row_id)
            if row is None:
                raise NotFound(f"no ticket {ticket_row_id}")
            return Ticket.model_validate(row.data)

    # ── drafts ────────────────────────────────────────────────────────────────────────────────────

    def record_draft(self, draft: Draft, actor: str, ticket_row_id: int | None = None) -> DraftView:
        """Store a freshly drafted text as version 1."""
        with self.sessions.begin() as session:
            draft_id = self.record_in(session, draft, actor, ticket_row_id)
            session.flush()
            return self._view(session, draft_id)

    def record_in(self, session: Session, draft: Draft, actor: str, ticket_row_id: int | None = None) -> int:
        """record_draft inside the caller's transaction (a batch job marks its item done in the same one)."""
        if session.get(IncidentRow, draft.incident_id) is None:
            raise NotFound(f"no incident {draft.incident_id!r}")
        row = DraftRow(incident_id=draft.incident_id, ticket_id=ticket_row_id, kind=draft.kind, stage=draft.stage,
                       lang=draft.lang, status="drafted", version=1, generator=draft.generator)
        session.add(row)
        session.flush()
        session.add(DraftVersionRow(draft_id=row.id, version=1, text=draft.text, author=actor, data=draft.model_dump(mode="json")))
        self._audit(session, actor, "draft.create", "draft", str(row.id), {"generator": draft.generator})
        return row.id

    def get(self, draft_id: int) -> DraftView:
        with self.sessions() as session:
            return self._view(session, draft_id)

    def edit(self, draft_id: int, text: str, expected_version: int, actor: str) -> DraftView:
        """A new version with `text`; both guards run on it. Refused once approved or sent."""
        if not text.strip():
            raise WorkflowError("the text is empty")
        with self.sessions.begin() as session:
            view = self._view(session, draft_id)
            if view.status in ("approved", "sent", "rejected"):
                raise Refused(f"draft {draft_id} is {view.status}; it can no longer be edited")
            checked = self._guard(session, view, text)
            self._bump(session, view, expected_version, status="edited")
            session.add(DraftVersionRow(draft_id=draft_id, version=expected_version + 1, text=text, author=actor,
                                        data=checked.model_dump(mode="json")))
            self._audit(session, actor, "draft.edit", "draft", str(draft_id), {"version": expected_version + 1,
                                                                                 "verdict": checked.tone.get("verdict")})
        return self.get(draft_id)

    def preview(self, draft_id: int, text: str) -> Draft:
        """Both guards on a text the reviewer is still editing, as an edit would record them; nothing is saved."""
        with self.sessions() as session:
            return self._guard(session, self._view(session, draft_id), text)

    def approve(self, draft_id: int, expected_version: int, actor: str, override: str = "") -> DraftView:
        """Approve the version the approver saw. A blocked draft (tone `block`, or an unbacked promise)
        needs an override reason; a flagged or costly one needs a second, different approver."""
        if self.config.approvers and actor not in self.config.approvers:
            raise Refused(f"{actor} is not an approver")
        with self.sessions.begin() as session:
            view = self._view(session, draft_id)
            if view.version != expected_version:
                raise Conflict(f"draft {draft_id} is at version {view.version}; you approved version {expected_version}")
            if view.status in ("approved", "sent", "rejected"):
                raise Refused(f"draft {draft_id} is already {view.status}")
            if view.blocked and not override.strip():
                reasons = [f"tone: {f['category']} “{f['phrase']}”" for f in view.draft.tone.get("flags", []) if f["severity"] == "high"]
                reasons += [f"promise not backed: “{c.phrase}” ({c.reason})" for c in view.draft.commitments if not c.backed]
                raise Refused("approval refused: " + "; ".join(reasons or ["the tone verdict is block"]) +
                              ". Fix the draft, or approve with an override reason.")
            earlier = {a.actor for a in view.approvals if a.decision == "approve" and a.version == expected_version}
            if actor in earlier:
                raise Refused(f"{actor} already approved version {expected_version}; a second approval must come from someone else")
            session.add(ApprovalRow(draft_id=draft_id, version=expected_version, actor=actor, decision="approve", override=override.strip()))
            done = len(earlier) + 1 >= view.approvals_needed
            if done:
                self._bump(session, view, expected_version, status="approved", keep_version=True)
                if self.webhooks is not None:
                    self.webhooks.enqueue(session, draft_id, {
                        "event": "draft.approved", "draft_id": draft_id, "version": expected_version,
                        "incident_id": view.incident_id, "ticket_external_id": view.ticket_external_id,
                        "kind": view.draft.kind, "lang": view.draft.lang, "text": view.draft.text,
                        "approved_by": sorted(earlier | {actor}), "at": utcnow().isoformat(),
                    })
            self._audit(session, actor, "draft.approve", "draft", str(draft_id),
                        {"version": expected_version, "override": override.strip(), "final": done})
        return self.get(draft_id)

    def reject(self, draft_id: int, expected_version: int, actor: str, reason: str) -> DraftView:
        if not reason.strip():
            raise WorkflowError("a rejection needs a reason")
        with self.sessions.begin() as session:
            view = self._view(session, draft_id)
            if view.status in ("sent", "rejected"):
                raise Refused(f"draft {draft_id} is already {view.status}")
            self._bump(session, view, expected_version, status="rejected", keep_version=True)
            session.add(ApprovalRow(draft_id=draft_id, version=expected_version, actor=actor, decision="reject", reason=reason.strip()))
            self._audit(session, actor, "draft.reject", "draft", str(draft_id), {"version": expected_version, "reason": reason.strip()})
        return self.get(draft_id)

    def mark_sent(self, draft_id: int, expected_version: int, actor: str, note: str = "") -> DraftView:
        """Record that the approved text went out (pasted into a WeChat group by hand, or by webhook)."""
        with self.sessions.begin() as session:
            view = self._view(session, draft_id)
            if view.status != "approved":
                raise Refused(f"draft {draft_id} is {view.status}; only an approved draft can be sent")
            self._bump(session, view, expected_version, status="sent", keep_version=True)
            self._audit(session, actor, "draft.sent", "draft", str(draft_id), {"version": expected_version, "note": note})
        return self.get(draft_id)

    def audit_trail(self, entity: str, entity_id: str) -> list[dict[str, Any]]:
        with self.sessions() as session:
            rows = session.scalars(select(AuditEventRow).where(AuditEventRow.entity == entity, AuditEventRow.entity_id == entity_id)
                                   .order_by(AuditEventRow.id))
            return [{"at": r.at, "actor": r.actor, "action": r.action, "detail": r.detail} for r in rows]

    def counts(self, incident_id: str | None = None) -> dict[str, int]:
        with self.sessions() as session:
            query = select(DraftRow.status, func.count()).group_by(DraftRow.status)
            if incident_id:
                query = query.where(DraftRow.incident_id == incident_id)
            return {status: n for status, n in session.execute(query)}

    # ── internals ─────────────────────────────────────────────────────────────────────────────────

    def _view(self, session: Session, draft_id: int) -> DraftView:
        row = session.get(DraftRow, draft_id)
        if row is None:
            raise NotFound(f"no draft {draft_id}")
        versions = row.versions
        latest = versions[-1]
        ticket = session.get(TicketRow, row.ticket_id) if row.ticket_id else None
        draft = Draft.model_validate(latest.data)
        approvals = session.scalars(select(ApprovalRow).where(ApprovalRow.draft_id == draft_id).order_by(ApprovalRow.id)).all()
        risks = list(ticket.risks) if ticket else []
        needed = approvals_needed(risks, draft.commitments, self.config.second_approval_above)
        return DraftView(
            id=row.id, incident_id=row.incident_id, ticket_id=row.ticket_id, ticket_external_id=ticket.external_id if ticket else None,
            status=row.status, version=row.version, draft=draft, risks=risks, approvals_needed=needed,
            versions=[VersionView(version=v.version, text=v.text, author=v.author, created_at=v.created_at) for v in versions],
            approvals=[ApprovalView(version=a.version, actor=a.actor, decision=a.decision, reason=a.reason, override=a.override,
                                    created_at=a.created_at) for a in approvals],
        )

    def _guard(self, session: Session, view: DraftView, text: str) -> Draft:
        """Both guards on an edited text, against the same entitlements the draft was made with."""
        order_amount = None
        if view.ticket_id:
            ticket = Ticket.model_validate(session.get(TicketRow, view.ticket_id).data)
            order_amount = ticket.facts.order_amount
        tone = self.tone.check(text, kind="draft", lang=view.draft.lang)
        promises = commitment_guard.check(text, view.draft.remedies, order_amount=order_amount)
        return view.draft.model_copy(update={"text": text, "tone": tone.to_dict(), "commitments": promises.commitments,
                                             "warnings": [f"commitment: {r}" for r in promises.reasons()]})

    @staticmethod
    def _bump(session: Session, view: DraftView, expected_version: int, *, status: str, keep_version: bool = False) -> None:
        """Move the draft on only if nobody else did first (compare-and-set on the version)."""
        values: dict[str, Any] = {"status": status, "updated_at": utcnow()}
        if not keep_version:
            values["version"] = expected_version + 1
        result = session.execute(update(DraftRow).where(DraftRow.id == view.id, DraftRow.version == expected_version).values(**values))
        if result.rowcount != 1:
            raise Conflict(f"draft {view.id} changed since version {expected_version} (now version {view.version}); reload it and try again")

    @staticmethod
    def _audit(session: Session, actor: str, action: str, entity: str, entity_id: str, detail: dict[str, Any] | None = None) -> None:
        session.add(AuditEventRow(actor=actor, action=action, entity=entity, entity_id=entity_id, detail=_jsonable(detail or {})))


def approvals_needed(risks: list[Any], commitments: Iterable[Commitment], limit: Decimal) -> int:
    """Two approvers for a flagged ticket (injection, anger, VIP) or more than `limit` CNY promised, else one."""
    promised = sum((c.amount or Decimal(0)) for c in commitments if c.type in MONEY_TYPES | {"compensation"} and c.unit == "CNY")
    return 2 if risks or promised > limit else 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value

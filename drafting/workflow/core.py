"""The review workflow: nothing Tactful drafts reaches a customer without a person's approval.

A draft moves drafted → edited → approved → sent, or → rejected. Every edit is a new version and re-runs
both guards. Approval is refused while the tone verdict is `block` or a promise is unbacked, unless the
approver gives an override reason (recorded). Drafts for flagged tickets (injection, anger, VIP) or with
compensation above the configured limit need a second, different approver. Edits and approvals carry the
version they saw: a stale one is a conflict, never a silent overwrite. Every step is an audit event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from pydantic import BaseModel, ValidationError, field_validator
from sqlalchemy import CursorResult, Result, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from drafting.domain.files import validation_message
from drafting.domain.models import Commitment, Draft, Incident, Ticket
from drafting.drafters import grounding
from drafting.guards import ask_coverage
from drafting.guards import commitments as commitment_guard
from drafting.guards.risk import ticket_risks
from drafting.guards.tone import ToneChecker
from drafting.settings import SECOND_APPROVAL_ABOVE
from drafting.workflow.db import ApprovalRow, AuditEventRow, DraftRow, DraftVersionRow, IncidentRow, TicketRow, utcnow
from knowledge.policy import MONEY_TYPES, TicketFacts

OPEN = ("drafted", "edited")  # a draft in these states can still be edited, approved or rejected
# A reply in these states is still on its way to the customer (or reached them): its ticket needs no other.
# A rejected reply is not: a ticket whose replies were all rejected needs a new draft.
LIVE = (*OPEN, "approved", "sent")
_LIVE_REPLY = (DraftRow.kind == "reply") & DraftRow.status.in_(LIVE)
CONFIRMABLE = frozenset(TicketFacts.model_fields) - {"claimed"}


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
    second_approval_above: Decimal = Decimal(SECOND_APPROVAL_ABOVE)  # CNY promised in one draft
    approvers: frozenset[str] = field(default_factory=frozenset)  # empty: anyone signed in may approve


def _aware(value: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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


class DraftSummary(BaseModel):
    # One line of a draft list: its state, not its text. (No docstring: the API serves this model, and a
    # docstring would become its published description.)
    id: int
    incident_id: str
    ticket_id: int | None
    kind: str
    lang: str
    status: str
    version: int
    generator: str


class Workflow:
    def __init__(self, sessions: sessionmaker[Session], tone: ToneChecker, config: WorkflowConfig | None = None, webhooks: Any | None = None) -> None:
        """`webhooks`: a drafting.workflow.webhooks.Webhooks; an approved reply is queued for it in the same
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
        risks = stored_risks(ticket)
        for attempt in range(2):
            try:
                with self.sessions.begin() as session:
                    row = session.scalar(select(TicketRow).where(TicketRow.source == source, TicketRow.external_id == ticket.id))
                    if row is not None:
                        row.data, row.risks, row.incident_id = ticket.model_dump(mode="json"), risks, ticket.incident_id
                        self._audit(session, actor, "ticket.update", "ticket", str(row.id))
                        return row.id, False
                    row = TicketRow(
                        source=source, external_id=ticket.id, incident_id=ticket.incident_id, data=ticket.model_dump(mode="json"), risks=risks
                    )
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

    def ticket_risks(self, ticket_row_id: int) -> list[dict[str, str]]:
        """The risks recorded on a stored ticket (injection, anger, VIP), each with its reason."""
        with self.sessions() as session:
            row = session.get(TicketRow, ticket_row_id)
            if row is None:
                raise NotFound(f"no ticket {ticket_row_id}")
            return list(row.risks or [])

    def find_ticket(self, source: str, external_id: str) -> Ticket | None:
        """The stored ticket a ticket system knows by `external_id`, None when it was never sent."""
        with self.sessions() as session:
            data = session.scalar(select(TicketRow.data).where(TicketRow.source == source, TicketRow.external_id == external_id))
        return Ticket.model_validate(data) if data is not None else None

    # ── which tickets still need a reply ──────────────────────────────────────────────────────────

    def tickets_needing_draft(self, incident_id: str, among: Iterable[int] | None = None) -> list[int]:
        """Row ids of the incident's open tickets (of `among`, when given) that need a reply drafted: no
        reply of theirs is live (drafted, edited, approved or sent). A ticket whose replies were all rejected
        needs a new one. In arrival order. Every batch (the API's jobs, the app's buttons, a job's own
        re-check before each ticket) asks this."""
        live = select(DraftRow.id).where(DraftRow.ticket_id == TicketRow.id, _LIVE_REPLY)
        query = select(TicketRow.id).where(TicketRow.incident_id == incident_id, TicketRow.status == "open", ~live.exists())
        if among is not None:
            query = query.where(TicketRow.id.in_(list(among)))
        with self.sessions() as session:
            return list(session.scalars(query.order_by(TicketRow.id)))

    def live_reply(self, ticket_row_id: int) -> int | None:
        """The newest live reply draft of a ticket (see tickets_needing_draft), None when it has none."""
        with self.sessions() as session:
            newest: int | None = session.scalar(select(func.max(DraftRow.id)).where(DraftRow.ticket_id == ticket_row_id, _LIVE_REPLY))
        return newest

    # ── drafts ────────────────────────────────────────────────────────────────────────────────────

    def drafts(self, *, status: str | None = None, incident_id: str | None = None, limit: int = 100) -> list[DraftSummary]:
        """Drafts (statements and replies) without their texts, oldest first; `status` and `incident_id`
        narrow the list."""
        query = select(DraftRow).order_by(DraftRow.id).limit(limit)
        if status:
            query = query.where(DraftRow.status == status)
        if incident_id:
            query = query.where(DraftRow.incident_id == incident_id)
        with self.sessions() as session:
            return [
                DraftSummary(
                    id=r.id,
                    incident_id=r.incident_id,
                    ticket_id=r.ticket_id,
                    kind=r.kind,
                    lang=r.lang,
                    status=r.status,
                    version=r.version,
                    generator=r.generator,
                )
                for r in session.scalars(query)
            ]

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
        row = DraftRow(
            incident_id=draft.incident_id,
            ticket_id=ticket_row_id,
            kind=draft.kind,
            stage=draft.stage,
            lang=draft.lang,
            status="drafted",
            version=1,
            generator=draft.generator,
        )
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
            session.add(
                DraftVersionRow(draft_id=draft_id, version=expected_version + 1, text=text, author=actor, data=checked.model_dump(mode="json"))
            )
            self._audit(
                session, actor, "draft.edit", "draft", str(draft_id), {"version": expected_version + 1, "verdict": checked.tone.get("verdict")}
            )
        return self.get(draft_id)

    def preview(self, draft_id: int, text: str) -> Draft:
        """Both guards on a text the reviewer is still editing, as an edit would record them; nothing is saved."""
        with self.sessions() as session:
            return self._guard(session, self._view(session, draft_id), text)

    def approve(self, draft_id: int, expected_version: int, actor: str, override: str = "", *, final_only: bool = False) -> DraftView:
        """Approve the version the approver saw. A blocked draft (tone `block`, or an unbacked promise)
        needs an override reason; a flagged or costly one needs a second, different approver.

        A true compare-and-set whatever the race (two tabs, two API workers, the app beside the API): the
        draft's row is locked first, and everything that decides — its status, the version's guards, how
        many approvals it needs and who already gave one — is read after the lock, inside the same
        transaction. So exactly one approval is final and exactly one reply is queued to send.

        `final_only`: refuse, recording nothing, unless this approval completes the draft (bulk approval
        must never leave half-approved drafts behind)."""
        if self.config.approvers and actor not in self.config.approvers:
            raise Refused(f"{actor} is not an approver")
        with self.sessions.begin() as session:
            self._lock(session, draft_id, expected_version, OPEN, doing="approved")
            view = self._view(session, draft_id)
            if view.blocked and not override.strip():
                reasons = [f"tone: {f['category']} “{f['phrase']}”" for f in view.draft.tone.get("flags", []) if f["severity"] == "high"]
                reasons += [f"promise not backed: “{c.phrase}” ({c.reason})" for c in view.draft.commitments if not c.backed]
                raise Refused(
                    "approval refused: "
                    + "; ".join(reasons or ["the tone verdict is block"])
                    + ". Fix the draft, or approve with an override reason."
                )
            earlier = {a.actor for a in view.approvals if a.decision == "approve" and a.version == expected_version}
            if actor in earlier:
                raise Refused(f"{actor} already approved version {expected_version}; a second approval must come from someone else")
            done = len(earlier) + 1 >= view.approvals_needed
            if final_only and not done:
                raise Refused(f"draft {draft_id} needs {view.approvals_needed} approvers; approve it on its own page")
            session.add(ApprovalRow(draft_id=draft_id, version=expected_version, actor=actor, decision="approve", override=override.strip()))
            if done:
                self._bump(session, view, expected_version, status="approved", keep_version=True)
                if self.webhooks is not None:
                    self.webhooks.enqueue(
                        session,
                        draft_id,
                        {
                            "event": "draft.approved",
                            "draft_id": draft_id,
                            "version": expected_version,
                            "incident_id": view.incident_id,
                            "ticket_external_id": view.ticket_external_id,
                            "kind": view.draft.kind,
                            "lang": view.draft.lang,
                            "text": view.draft.text,
                            "approved_by": sorted(earlier | {actor}),
                            "at": utcnow().isoformat(),
                        },
                    )
            self._audit(
                session,
                actor,
                "draft.approve",
                "draft",
                str(draft_id),
                {
                    "version": expected_version,
                    "override": override.strip(),
                    "final": done,
                    "approvals": len(earlier) + 1,
                    "approvals_needed": view.approvals_needed,
                },
            )
        return self.get(draft_id)

    def reject(self, draft_id: int, expected_version: int, actor: str, reason: str) -> DraftView:
        """Stop a draft (an approved one too, until it is sent); once, at the version the reviewer saw."""
        if not reason.strip():
            raise WorkflowError("a rejection needs a reason")
        with self.sessions.begin() as session:
            self._lock(session, draft_id, expected_version, (*OPEN, "approved"), doing="rejected", status="rejected")
            session.add(ApprovalRow(draft_id=draft_id, version=expected_version, actor=actor, decision="reject", reason=reason.strip()))
            self._audit(session, actor, "draft.reject", "draft", str(draft_id), {"version": expected_version, "reason": reason.strip()})
        return self.get(draft_id)

    def mark_sent(self, draft_id: int, expected_version: int, actor: str, note: str = "") -> DraftView:
        """Record that the approved text went out (pasted into a WeChat group by hand, or by webhook).
        A draft is sent once: a second "sent" for it, from anywhere, is refused."""
        with self.sessions.begin() as session:
            self._lock(session, draft_id, expected_version, ("approved",), doing="sent", status="sent")
            self._audit(session, actor, "draft.sent", "draft", str(draft_id), {"version": expected_version, "note": note})
        return self.get(draft_id)

    def confirm_facts(self, ticket_row_id: int, actor: str, **facts: Any) -> Ticket:
        """A person confirms facts the customer only claimed (from the order system, a photo, a call):
        e.g. `confirm_facts(7, "mei", order_amount=Decimal("86"), delay_minutes=45)`. Each confirmed fact
        becomes a fact the policy book counts, and leaves the claims. The value may differ from the claim:
        the person's word is the one that counts.

        Compare-and-set: a fact someone else confirmed meanwhile with another value is a Conflict, never a
        silent overwrite; confirming it again with the same value changes nothing. Audited with the claim
        and the confirmed value. Drafts made before stay as they were: redraft to use the new facts."""
        if not facts:
            raise WorkflowError("name the facts to confirm, e.g. order_amount=86")
        unknown = sorted(set(facts) - CONFIRMABLE)
        if unknown:
            raise WorkflowError(f"cannot confirm {', '.join(unknown)}; facts that can be confirmed: {', '.join(sorted(CONFIRMABLE))}")
        with self.sessions.begin() as session:
            # Lock the ticket row before reading it: two people confirming at once are serialised, and the
            # second sees what the first confirmed.
            locked = session.execute(
                update(TicketRow).where(TicketRow.id == ticket_row_id).values(updated_at=utcnow()).execution_options(synchronize_session=False)
            )
            row = session.get(TicketRow, ticket_row_id) if rows_changed(locked) == 1 else None
            if row is None:
                raise NotFound(f"no ticket {ticket_row_id}")
            ticket = Ticket.model_validate(row.data)
            current = ticket.facts
            try:
                wanted = TicketFacts.model_validate({**current.model_dump(exclude={"claimed"}), **facts})
            except ValidationError as exc:
                raise WorkflowError(f"ticket {ticket_row_id}: {validation_message(exc)}") from None
            claims = dict(current.claimed)
            changes: dict[str, Any] = {}
            for name in facts:
                value = getattr(wanted, name)
                if name not in claims:
                    if getattr(current, name) == value:
                        continue  # already a fact with this value: confirming twice is harmless
                    raise Conflict(
                        f"ticket {ticket_row_id}: {name} is not a claim (any more); "
                        f"it is {getattr(current, name)!r}, not {value!r}. Reload the ticket"
                    )
                changes[name] = {"claimed": _jsonable(claims.pop(name)), "confirmed": _jsonable(value)}
            if not changes:
                return ticket
            confirmed = wanted.model_copy(update={"claimed": claims})
            ticket = ticket.model_copy(update={"facts": confirmed})
            row.data = ticket.model_dump(mode="json")
            row.risks = stored_risks(ticket)
            self._audit(session, actor, "ticket.confirm_facts", "ticket", str(ticket_row_id), {"facts": changes})
        return ticket

    def audit_trail(self, entity: str, entity_id: str) -> list[dict[str, Any]]:
        with self.sessions() as session:
            rows = session.scalars(
                select(AuditEventRow).where(AuditEventRow.entity == entity, AuditEventRow.entity_id == entity_id).order_by(AuditEventRow.id)
            )
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
        # The version the row points at (the newest): what is shown, guarded, approved and counted.
        latest = next((v for v in versions if v.version == row.version), versions[-1])
        ticket = session.get(TicketRow, row.ticket_id) if row.ticket_id else None
        draft = Draft.model_validate(latest.data)
        approvals = session.scalars(select(ApprovalRow).where(ApprovalRow.draft_id == draft_id).order_by(ApprovalRow.id)).all()
        risks = list(ticket.risks) if ticket else []
        needed = approvals_needed(
            risks, draft.commitments, self.config.second_approval_above, confirmed_order_amount(ticket.data if ticket else None)
        )
        return DraftView(
            id=row.id,
            incident_id=row.incident_id,
            ticket_id=row.ticket_id,
            ticket_external_id=ticket.external_id if ticket else None,
            status=row.status,
            version=row.version,
            draft=draft,
            risks=risks,
            approvals_needed=needed,
            versions=[VersionView(version=v.version, text=v.text, author=v.author, created_at=v.created_at) for v in versions],
            approvals=[
                ApprovalView(version=a.version, actor=a.actor, decision=a.decision, reason=a.reason, override=a.override, created_at=a.created_at)
                for a in approvals
            ],
        )

    def _guard(self, session: Session, view: DraftView, text: str) -> Draft:
        """The guards on an edited text, against the same entitlements the draft was made with.

        Grounding findings are reviewer flags here, never a refusal: a person may add a fact the record does
        not hold yet, but a reviewer must see it (and a flagged draft is not bulk-approved). The trusted
        sources are the incident record, the ticket's facts, the draft's remedies and citations, and the
        text as first drafted (version 1 — generated from those sources, or typed by a person), so only what
        an edit adds is flagged; the customer's messages stay untrusted."""
        order_amount = None
        ticket: Ticket | None = None
        if view.ticket_id:
            ticket_row = session.get(TicketRow, view.ticket_id)
            if ticket_row is None:
                raise NotFound(f"no ticket {view.ticket_id} (draft {view.id} names it)")
            ticket = Ticket.model_validate(ticket_row.data)
            order_amount = ticket.facts.order_amount
        incident_row = session.get(IncidentRow, view.incident_id)
        incident = Incident.model_validate(incident_row.data) if incident_row is not None else None
        recorded = incident.recorded_texts() if incident is not None else []
        tone = self.tone.check(
            text,
            kind="draft",
            lang=view.draft.lang,
            backed=commitment_guard.backed_quotes(text, view.draft.remedies, recorded),
            answering=ticket.messages if ticket is not None else (),
        )
        promises = commitment_guard.check(text, view.draft.remedies, order_amount=order_amount, recorded=recorded)
        warnings = [f"commitment: {r}" for r in promises.reasons()]
        if incident is not None:
            first = next((v.text for v in view.versions if v.version == 1), "")
            cited = [f"{c.title} {c.heading}" for c in view.draft.citations]
            sources = grounding.reply_sources(
                incident, ticket, view.draft.remedies, extra=[first, *cited], untrusted=ticket.messages if ticket else ()
            )
            warnings += [f"grounding: {f.message()}" for f in sources.check(text, view.draft.lang).findings]
        # An edit that drops the answer to an ask is flagged like a model's draft would be.
        coverage = ask_coverage.check(text, view.draft.asks, view.draft.lang, promises.commitments)
        warnings += coverage.warnings()
        return view.draft.model_copy(
            update={"text": text, "tone": tone.to_dict(), "commitments": promises.commitments, "warnings": warnings, "asks": coverage.asks()}
        )

    @staticmethod
    def _lock(session: Session, draft_id: int, expected_version: int, allowed: tuple[str, ...], *, doing: str, status: str | None = None) -> None:
        """The compare-and-set every decision starts with: one UPDATE that matches only the version the
        person saw in one of the `allowed` states, and moves it to `status` (or just touches it).

        It takes the row's lock on PostgreSQL (a racer's UPDATE waits, then re-checks the WHERE against
        the winner's commit and matches nothing) and the database's write lock on SQLite (where it is the
        transaction's first statement, so its snapshot is the newest). Whatever is read after it is what
        the winner committed."""
        values: dict[str, Any] = {"updated_at": utcnow()}
        if status is not None:
            values["status"] = status
        result = rows_changed(
            session.execute(
                update(DraftRow)
                .where(DraftRow.id == draft_id, DraftRow.version == expected_version, DraftRow.status.in_(allowed))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        )
        if result == 1:
            return
        row = session.execute(select(DraftRow.version, DraftRow.status).where(DraftRow.id == draft_id)).one_or_none()
        if row is None:
            raise NotFound(f"no draft {draft_id}")
        if row.version != expected_version:
            raise Conflict(f"draft {draft_id} is at version {row.version}; you {doing} version {expected_version}. Reload it and try again")
        if "approved" in allowed and len(allowed) == 1:
            raise Refused(f"draft {draft_id} is {row.status}; only an approved draft can be {doing}")
        raise Refused(f"draft {draft_id} is already {row.status}")

    @staticmethod
    def _bump(
        session: Session,
        view: DraftView,
        expected_version: int,
        *,
        status: str,
        keep_version: bool = False,
        allowed: tuple[str, ...] = ("drafted", "edited"),
    ) -> None:
        """Move the draft on only if nobody else did first: compare-and-set on the version AND the status,
        so an edit racing an approval cannot turn an approved draft back into an edited one."""
        values: dict[str, Any] = {"status": status, "updated_at": utcnow()}
        if not keep_version:
            values["version"] = expected_version + 1
        result = rows_changed(
            session.execute(
                update(DraftRow)
                .where(DraftRow.id == view.id, DraftRow.version == expected_version, DraftRow.status.in_(allowed))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        )
        if result != 1:
            raise Conflict(f"draft {view.id} changed since version {expected_version} (now version {view.version}); reload it and try again")

    @staticmethod
    def _audit(session: Session, actor: str, action: str, entity: str, entity_id: str, detail: dict[str, Any] | None = None) -> None:
        session.add(AuditEventRow(actor=actor, action=action, entity=entity, entity_id=entity_id, detail=_jsonable(detail or {})))


# Promise types that give money or money's worth; a promise of any other type counts only when its unit is
# a currency (a deadline in days costs nothing).
MONEY_PROMISES = MONEY_TYPES | {"compensation", "discount"}
_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def money_promised(commitment: Commitment, order_amount: Decimal | None = None) -> Decimal | None:
    """What one promise costs in CNY: 0 when it is not about money, None when nobody can tell (another
    currency, a multiple of the price, a discount, free orders to come, a refund of an order whose amount
    is unknown) — an unknown cost counts as more than any limit."""
    unit = commitment.unit
    is_currency = unit is not None and bool(_CURRENCY_CODE.fullmatch(unit))
    if commitment.type not in MONEY_PROMISES and not is_currency:
        return Decimal(0)
    if unit == "CNY":
        return None if commitment.amount is None else commitment.amount * (commitment.count or 1)
    if commitment.type in ("refund", "free_order") and unit in (None, "percent"):
        # A share of this order (a full or partial refund, this order free) costs at most the order.
        if order_amount is None:
            return None
        share = commitment.amount if unit == "percent" and commitment.amount is not None else Decimal(100)
        return order_amount * share / 100
    return None


def stored_risks(ticket: Ticket) -> list[dict[str, str]]:
    """A ticket's risks as the tickets table keeps them (kind and reason), worked out when it is stored."""
    return [{"kind": r.kind, "reason": r.reason} for r in ticket_risks(ticket)]


def approvals_needed(risks: list[Any], commitments: Iterable[Commitment], limit: Decimal, order_amount: Decimal | None = None) -> int:
    """Two approvers for a flagged ticket (injection, anger, VIP) or when the draft's money promises add up
    to more than `limit` CNY — every money-like promise counts, and one whose cost is unknown (another
    currency, a multiple, a refund of an order of unknown amount) counts as over the limit. Else one.
    `order_amount`: the ticket's confirmed order amount (a customer's claim is not one)."""
    if risks:
        return 2
    total = Decimal(0)
    for commitment in commitments:
        cost = money_promised(commitment, order_amount)
        if cost is None:
            return 2
        total += cost
    return 2 if total > limit else 1


def confirmed_order_amount(ticket_data: dict[str, Any] | None) -> Decimal | None:
    """The order amount a stored ticket record holds as a fact (never a customer's claim)."""
    amount = ((ticket_data or {}).get("facts") or {}).get("order_amount")
    try:
        return Decimal(str(amount)) if amount is not None else None
    except ArithmeticError:
        return None


def rows_changed(result: Result[Any]) -> int:
    """The rows an UPDATE matched (execute() is typed as returning any Result; an UPDATE's is a cursor's)."""
    return cast("CursorResult[Any]", result).rowcount


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value

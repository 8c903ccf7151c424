"""What reviewers look at: the review queue (tickets with their newest draft, riskiest first), bulk approval,
statements per stage, approved replies ready to send, and the figures behind the app's charts.

Reads only; every change goes through `Workflow`, so the API, the CLI and the app record the same steps.
The queue is built with two queries whatever its size (1,000 tickets render in well under a second).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from drafting.domain.models import Commitment, Incident
from drafting.workflow.core import Conflict, DraftView, NotFound, Refused, Workflow, WorkflowError, approvals_needed, confirmed_order_amount
from drafting.workflow.db import ApprovalRow, DraftRow, DraftVersionRow, IncidentRow, TicketRow

# The queue's risk order (PLAYBOOK: the worst replies first): a draft the guards block, a promise policy does
# not back, signs of injected instructions, a VIP customer, an angry one.
RISKS = ("blocked", "unbacked", "escalation", "injection", "vip", "anger")  # the queue sorts by these, in this order
OPEN = ("no_draft", "drafted", "edited")  # still needs someone; shown before approved, then sent and rejected
STATUS_ORDER = {status: n for n, status in enumerate((*OPEN, "approved", "sent", "rejected"))}  # for display
_GROUP = {**{status: 0 for status in OPEN}, "approved": 1, "sent": 2, "rejected": 3}  # for the queue's order


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _received(ticket: dict[str, Any], filed: datetime) -> datetime:
    """When the customer wrote, if the ticket says (Ticket.written_at), else when the ticket was filed."""
    written = ticket.get("written_at")
    if written:
        try:
            return _utc(datetime.fromisoformat(written))
        except (TypeError, ValueError):
            pass  # an unreadable time is not worth losing the queue over; the filing time stands in
    return _utc(filed)


@dataclass(frozen=True)
class QueueItem:
    ticket_id: int
    external_id: str
    customer: str
    channel: str
    incident_id: str | None
    messages: tuple[str, ...]
    received_at: datetime
    ticket_risks: tuple[str, ...]  # injection, anger, vip
    draft_id: int | None = None
    status: str = "no_draft"  # no_draft or the draft's status
    version: int | None = None
    lang: str | None = None
    text: str = ""
    verdict: str | None = None  # ok, revise, block
    score: int | None = None
    unbacked: int = 0  # promises the policy book does not back
    approvals: int = 0  # approvals of the current version
    approvals_needed: int = 1
    generator: str = ""
    updated_at: datetime | None = None
    # Everything the guards and the drafter noted on this version: unbacked or exceeding promises,
    # ungrounded sentences, signs of injected instructions, escalations, LLM fallbacks …
    warnings: tuple[str, ...] = ()

    @property
    def risks(self) -> tuple[str, ...]:
        """Every reason to look closer, in the queue's order."""
        found = set(self.ticket_risks)
        if self.verdict == "block":
            found.add("blocked")
        if self.unbacked:
            found.add("unbacked")
        return tuple(r for r in RISKS if r in found)

    @property
    def warning_count(self) -> int:
        return len(self.warnings)

    @property
    def needs_a_look(self) -> list[str]:
        """Why this draft cannot be approved in bulk (empty: it can). A draft goes through unread only when
        nothing at all was noted on it: a warning of any kind is exactly what a person has to read."""
        if self.draft_id is None:
            return ["no draft yet"]
        reasons = []
        if self.status not in ("drafted", "edited"):
            reasons.append(f"it is {self.status}")
        if self.verdict != "ok":
            reasons.append(f"tone verdict {self.verdict or 'missing'}")
        if self.unbacked:
            reasons.append(f"{self.unbacked} promise(s) not backed by policy")
        reasons += [f"ticket risk: {risk}" for risk in self.ticket_risks]
        if self.approvals_needed > 1:
            reasons.append(f"needs {self.approvals_needed} approvers")
        reasons += [f"warning: {warning}" for warning in self.warnings]
        return reasons

    @property
    def bulk_approvable(self) -> bool:
        """Safe to approve in bulk: tone verdict ok, every promise backed, no warning of any kind, no ticket
        risk, and one approver is enough."""
        return not self.needs_a_look

    def sort_key(self) -> tuple[Any, ...]:
        risk = tuple(r not in self.risks for r in RISKS)  # False sorts first: risky first
        return (_GROUP.get(self.status, 9), risk, self.received_at, self.ticket_id)


def queue(workflow: Workflow, incident_id: str | None = None) -> list[QueueItem]:
    """Every ticket (of one incident, or all) with its newest reply draft, riskiest and oldest first."""
    limit = workflow.config.second_approval_above
    # Columns, not ORM objects: a thousand-ticket queue is read on every rerun of the page.
    with workflow.sessions() as session:
        tickets = select(TicketRow.id, TicketRow.external_id, TicketRow.incident_id, TicketRow.data, TicketRow.risks, TicketRow.created_at)
        if incident_id is not None:
            tickets = tickets.where(TicketRow.incident_id == incident_id)
        ticket_rows = session.execute(tickets).all()
        replies = select(DraftRow.ticket_id, func.max(DraftRow.id).label("draft_id")).where(DraftRow.kind == "reply", DraftRow.ticket_id.is_not(None))
        if incident_id is not None:
            replies = replies.where(DraftRow.incident_id == incident_id)
        newest = replies.group_by(DraftRow.ticket_id).subquery()
        drafts = session.execute(
            select(
                DraftRow.ticket_id,
                DraftRow.id,
                DraftRow.status,
                DraftRow.version,
                DraftRow.lang,
                DraftRow.generator,
                DraftRow.updated_at,
                DraftVersionRow.text,
                DraftVersionRow.data,
            )
            .join(newest, newest.c.draft_id == DraftRow.id)
            .join(DraftVersionRow, (DraftVersionRow.draft_id == DraftRow.id) & (DraftVersionRow.version == DraftRow.version))
        ).all()
        approvals = Counter(
            (draft_id, version)
            for draft_id, version in session.execute(
                select(ApprovalRow.draft_id, ApprovalRow.version)
                .join(newest, newest.c.draft_id == ApprovalRow.draft_id)
                .where(ApprovalRow.decision == "approve")
            )
        )
    by_ticket = {row.ticket_id: row for row in drafts}
    items = []
    for t in ticket_rows:
        data = t.data or {}
        risks = tuple(r["kind"] for r in (t.risks or []))
        base: dict[str, Any] = dict(
            ticket_id=t.id,
            external_id=t.external_id,
            customer=data.get("customer", ""),
            channel=data.get("channel", ""),
            incident_id=t.incident_id,
            messages=tuple(data.get("messages", [])),
            received_at=_received(data, t.created_at),
            ticket_risks=risks,
        )
        row = by_ticket.get(t.id)
        if row is not None:
            draft = row.data
            commitments = [Commitment.model_validate(c) for c in draft.get("commitments", [])]
            base.update(
                draft_id=row.id,
                status=row.status,
                version=row.version,
                lang=row.lang,
                text=row.text,
                verdict=draft.get("tone", {}).get("verdict"),
                score=draft.get("tone", {}).get("score"),
                unbacked=sum(1 for c in commitments if not c.backed),
                approvals=approvals[(row.id, row.version)],
                approvals_needed=approvals_needed(list(risks), commitments, limit, confirmed_order_amount(data)),
                generator=row.generator,
                updated_at=_utc(row.updated_at),
                warnings=tuple(str(w) for w in draft.get("warnings", []) or []),
            )
        items.append(QueueItem(**base))
    return sorted(items, key=QueueItem.sort_key)


@dataclass(frozen=True)
class TicketBrief:
    """What a ticket picker shows: a fraction of a QueueItem, read without the drafts' guard records."""

    ticket_id: int
    external_id: str
    customer: str
    risks: tuple[str, ...]
    draft_id: int | None
    status: str


def briefs(workflow: Workflow, incident_id: str) -> list[TicketBrief]:
    """Every ticket of the incident with its newest reply draft's id and status, by arrival."""
    with workflow.sessions() as session:
        newest = (
            select(DraftRow.ticket_id, func.max(DraftRow.id).label("draft_id"))
            .where(DraftRow.kind == "reply", DraftRow.incident_id == incident_id, DraftRow.ticket_id.is_not(None))
            .group_by(DraftRow.ticket_id)
            .subquery()
        )
        rows = session.execute(
            select(TicketRow.id, TicketRow.external_id, TicketRow.data, TicketRow.risks, DraftRow.id, DraftRow.status)
            .outerjoin(newest, newest.c.ticket_id == TicketRow.id)
            .outerjoin(DraftRow, DraftRow.id == newest.c.draft_id)
            .where(TicketRow.incident_id == incident_id)
            .order_by(TicketRow.id)
        ).all()
    return [
        TicketBrief(ticket_id, external_id, (data or {}).get("customer", ""), tuple(r["kind"] for r in (risks or [])), draft_id, status or "no_draft")
        for ticket_id, external_id, data, risks, draft_id, status in rows
    ]


def filter_queue(items: Iterable[QueueItem], *, statuses: Iterable[str] = (), risks: Iterable[str] = (), text: str = "") -> list[QueueItem]:
    """Items with any of `statuses`, any of `risks`, and `text` in the customer, ticket id or messages."""
    statuses, risks, needle = set(statuses), set(risks), text.strip().lower()
    out = []
    for item in items:
        if statuses and item.status not in statuses:
            continue
        if risks and not risks & set(item.risks):
            continue
        if needle and needle not in " ".join((item.customer, item.external_id, *item.messages, item.text)).lower():
            continue
        out.append(item)
    return out


def status_counts(items: Iterable[QueueItem]) -> dict[str, int]:
    counts = Counter(item.status for item in items)
    return {status: counts[status] for status in STATUS_ORDER if counts[status]}


@dataclass
class BulkOutcome:
    approved: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (draft id, why)


def bulk_approve(workflow: Workflow, items: Iterable[QueueItem], actor: str) -> BulkOutcome:
    """Approve every bulk-approvable item at the version the reviewer saw; anything else, or anything that
    changed meanwhile, is skipped with the reason — never approved blind."""
    outcome = BulkOutcome()
    for item in items:
        if item.draft_id is None:
            continue
        if not item.bulk_approvable:
            outcome.skipped.append((item.draft_id, "needs a look: " + "; ".join(item.needs_a_look)))
            continue
        try:
            # final_only: a ticket flagged after the queue was read now needs two approvers; skip it whole.
            workflow.approve(item.draft_id, item.version or 0, actor, final_only=True)
            outcome.approved.append(item.draft_id)
        except (Conflict, Refused, WorkflowError) as exc:
            outcome.skipped.append((item.draft_id, str(exc)))
    return outcome


# ── incidents, statements and what is ready to send ─────────────────────────────────────────────────


def incidents(workflow: Workflow) -> list[Incident]:
    """Every incident, oldest first (a stable order: a new incident never shifts the others in a list)."""
    with workflow.sessions() as session:
        rows = session.scalars(select(IncidentRow).order_by(IncidentRow.created_at, IncidentRow.id)).all()
        return [Incident.model_validate(row.data) for row in rows]


def declared_at(workflow: Workflow, incident_id: str) -> datetime:
    """When the timeline's clock started: the record's start time (when the crisis began, which may be
    hours before anyone wrote the record), else when the incident was first recorded. A start time without
    a zone is the local time the person typed."""
    with workflow.sessions() as session:
        row = session.get(IncidentRow, incident_id)
        if row is None:
            raise NotFound(f"no incident {incident_id!r}")
        started = Incident.model_validate(row.data).started_at
        return started.astimezone(UTC) if started is not None else _utc(row.created_at)


def statements(workflow: Workflow, incident_id: str) -> dict[tuple[str, str], DraftView]:
    """The newest statement draft per (stage, language) of the incident."""
    with workflow.sessions() as session:
        ids = session.execute(
            select(DraftRow.stage, DraftRow.lang, func.max(DraftRow.id))
            .where(DraftRow.incident_id == incident_id, DraftRow.kind == "statement")
            .group_by(DraftRow.stage, DraftRow.lang)
        ).all()
    return {(stage, lang): workflow.get(draft_id) for stage, lang, draft_id in ids if stage is not None}


def approved_replies(workflow: Workflow, incident_id: str | None = None, *, include_sent: bool = False) -> list[dict[str, Any]]:
    """Replies approved (and, with include_sent, already sent), oldest approval first: what the send page
    lists and exports."""
    wanted = ("approved", "sent") if include_sent else ("approved",)
    with workflow.sessions() as session:
        query = (
            select(DraftRow, DraftVersionRow, TicketRow)
            .join(DraftVersionRow, (DraftVersionRow.draft_id == DraftRow.id) & (DraftVersionRow.version == DraftRow.version))
            .outerjoin(TicketRow, TicketRow.id == DraftRow.ticket_id)
            .where(DraftRow.status.in_(wanted))
            .order_by(DraftRow.updated_at, DraftRow.id)
        )
        if incident_id is not None:
            query = query.where(DraftRow.incident_id == incident_id)
        rows = session.execute(query).all()
        approvers: dict[int, list[str]] = {}
        for draft_id, actor in session.execute(
            select(ApprovalRow.draft_id, ApprovalRow.actor)
            .where(ApprovalRow.decision == "approve", ApprovalRow.draft_id.in_([d.id for d, _v, _t in rows]))
            .order_by(ApprovalRow.id)
        ):
            approvers.setdefault(draft_id, []).append(actor)
    out = []
    for draft, version, ticket in rows:
        data = ticket.data if ticket is not None else {}
        out.append(
            {
                "draft_id": draft.id,
                "version": draft.version,
                "status": draft.status,
                "kind": draft.kind,
                "ticket": ticket.external_id if ticket is not None else "",
                "customer": data.get("customer", ""),
                "channel": data.get("channel", ""),
                "lang": draft.lang,
                "text": version.text,
                "approved_by": ", ".join(dict.fromkeys(approvers.get(draft.id, []))),
                "approved_at": _utc(draft.updated_at),
            }
        )
    return out


# ── charts ──────────────────────────────────────────────────────────────────────────────────────────


def volume_over_time(items: Iterable[QueueItem], buckets: int = 24) -> list[dict[str, Any]]:
    """Tickets received per time bucket, split by their status now: rows of {time, status, tickets}."""
    items = list(items)
    if not items:
        return []
    first = min(i.received_at for i in items)
    last = max(i.received_at for i in items)
    width = max((last - first) / buckets, timedelta(minutes=1))
    counts: Counter[tuple[datetime, str]] = Counter()
    for item in items:
        slot = first + width * int((item.received_at - first) / width)
        counts[(slot, item.status)] += 1
    return [{"time": slot, "status": status, "tickets": n} for (slot, status), n in sorted(counts.items())]


def tone_scores(items: Iterable[QueueItem]) -> list[dict[str, Any]]:
    """The tone score and verdict of every drafted item (the distribution chart)."""
    return [{"score": i.score, "verdict": i.verdict} for i in items if i.score is not None]


# ── differences between versions ────────────────────────────────────────────────────────────────────

_TOKENS = re.compile(r"[A-Za-z0-9']+|\s+|.", re.DOTALL)


def version_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(op, text) runs — op is "same", "removed" or "added" — by word in English and by character in
    Chinese (which has no spaces to split on)."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("removed", "".join(a[i1:i2])))
        if j2 > j1:
            runs.append(("added", "".join(b[j1:j2])))
    return runs

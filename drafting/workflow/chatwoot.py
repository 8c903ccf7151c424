"""Chatwoot in: verifying Chatwoot's webhook signature, and remembering which messages already arrived.

How Chatwoot signs (chatwoot/chatwoot PR #13573 "add per-webhook secret", in v4.11.2; API-channel and agent-bot
webhooks since v4.13.0, PR #13892; the webhook schema's `secret` field, swagger PR #14199):
- `X-Chatwoot-Timestamp`: Unix seconds when the request was sent;
- `X-Chatwoot-Signature`: `sha256=` + hex HMAC-SHA256, keyed with the webhook's secret (shown in Chatwoot's
  webhook settings) over `"{timestamp}.{raw request body}"` — lib/webhooks/trigger.rb:
  `"sha256=#{OpenSSL::HMAC.hexdigest('SHA256', secret, "#{ts}.#{body}")}"`;
- `X-Chatwoot-Delivery`: a UUID per delivery, the same across Chatwoot's retries (not signed).
The timestamp is inside the signed string, so a captured request cannot be given a fresh one; we refuse
timestamps more than five minutes from our clock, as the PR advises. Within those five minutes a replay
is still well signed: de-duplication by Chatwoot's message id (below) makes it change nothing.
Older Chatwoot versions send no signature at all; without TACTFUL_CHATWOOT_WEBHOOK_SECRET the endpoint
authenticates by API key only.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from drafting.workflow.db import Base, utcnow

TOLERANCE_SECONDS = 300
SOURCE = "chatwoot"


def signature_problem(
    secret: str, timestamp: str | None, body: bytes, signature: str | None, *, tolerance: int = TOLERANCE_SECONDS, now: float | None = None
) -> str | None:
    """Why a request is not a fresh, genuine Chatwoot delivery; None when it is."""
    if not timestamp or not signature:
        return "missing X-Chatwoot-Signature or X-Chatwoot-Timestamp: set the same secret in Chatwoot's webhook settings"
    if not timestamp.strip().isdigit():
        return "X-Chatwoot-Timestamp is not Unix seconds"
    age = (time.time() if now is None else now) - int(timestamp)
    if abs(age) > tolerance:
        return f"X-Chatwoot-Timestamp is {abs(int(age))} s {'old' if age > 0 else 'in the future'}; at most {tolerance} s is accepted (a replay, or a clock far off)"
    expected = "sha256=" + hmac.new(secret.encode("utf-8"), timestamp.strip().encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode("ascii"), signature.strip().encode("utf-8", errors="replace")):
        return "X-Chatwoot-Signature does not match the body (wrong secret, or the body was altered)"
    return None


class InboundEventRow(Base):
    """An event a ticket system sent us, by its own id: a replay or retry of it is recognised and ignored,
    across processes and restarts (the unique constraint decides between two workers receiving it at once)."""

    __tablename__ = "inbound_events"
    __table_args__ = (UniqueConstraint("source", "event_id", name="uq_inbound_event_source_event_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(60))
    event_id: Mapped[str] = mapped_column(String(200))
    ticket_id: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SeenEvents:
    """Claim an event id before acting on it; only the first claim wins."""

    def __init__(self, sessions: sessionmaker, source: str = SOURCE) -> None:
        self.sessions, self.source = sessions, source

    def claim(self, event_id: str) -> bool:
        """True for the first claim of `event_id`; False when it was claimed before (a replay)."""
        try:
            with self.sessions.begin() as session:
                session.add(InboundEventRow(source=self.source, event_id=event_id[:200]))
            return True
        except IntegrityError:
            return False

    def done(self, event_id: str, ticket_id: int) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(InboundEventRow)
                .where(InboundEventRow.source == self.source, InboundEventRow.event_id == event_id[:200])
                .values(ticket_id=ticket_id)
            )

    def release(self, event_id: str) -> None:
        """Forget a claim whose work failed, so the sender's retry is processed."""
        with self.sessions.begin() as session:
            session.execute(delete(InboundEventRow).where(InboundEventRow.source == self.source, InboundEventRow.event_id == event_id[:200]))

    def ticket_of(self, event_id: str) -> int | None:
        with self.sessions() as session:
            return session.scalar(
                select(InboundEventRow.ticket_id).where(InboundEventRow.source == self.source, InboundEventRow.event_id == event_id[:200])
            )

"""Outbound webhooks: approved replies POSTed to the ticket system, signed, retried, never lost.

Each delivery is a row in `webhook_deliveries`, written in the same transaction as the approval that caused
it, so a crash cannot approve without queueing. `deliver_due()` POSTs what is due; a failure is retried
with exponential backoff, and after the last attempt the row stays `failed` in the log until someone
redelivers it (`tactful webhooks redeliver`). A receiver that is down loses nothing.

Signature: `X-Tactful-Signature: sha256=HEX` where HEX is HMAC-SHA256 with the shared secret over
`"{X-Tactful-Timestamp}." + raw body`; receivers should also reject timestamps older than five minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from drafting.db import WebhookDeliveryRow, utcnow

MAX_ATTEMPTS = 6
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does: the signature matches and the timestamp is fresh (replays are refused)."""
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class Webhooks:
    def __init__(self, sessions: sessionmaker, url: str | None, secret: str | None, *, timeout: float = 10.0,
                 client: httpx.Client | None = None) -> None:
        self.sessions, self.url, self.secret = sessions, url, secret
        self.client = client or httpx.Client(timeout=timeout)

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    def enqueue(self, session: Session, draft_id: int, payload: dict[str, Any]) -> None:
        """Queue a delivery inside the caller's transaction (nothing happens when no URL is configured)."""
        if self.url:
            session.add(WebhookDeliveryRow(draft_id=draft_id, url=self.url, payload=payload, status="pending",
                                           attempts=0, next_attempt_at=utcnow()))

    def deliver_due(self, now: datetime | None = None) -> dict[str, int]:
        """POST every pending delivery whose time has come; returns counts by outcome."""
        now = now or utcnow()
        outcome = {"delivered": 0, "retrying": 0, "failed": 0}
        with self.sessions() as session:
            due = [row.id for row in session.scalars(select(WebhookDeliveryRow).where(
                WebhookDeliveryRow.status == "pending", WebhookDeliveryRow.next_attempt_at <= now).order_by(WebhookDeliveryRow.id))]
        for delivery_id in due:
            outcome[self._attempt(delivery_id, now)] += 1
        return outcome

    def _attempt(self, delivery_id: int, now: datetime) -> str:
        with self.sessions.begin() as session:
            row = session.get(WebhookDeliveryRow, delivery_id)
            body = json.dumps(row.payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
            timestamp = str(int(time.time()))
            headers = {"Content-Type": "application/json", "X-Tactful-Timestamp": timestamp,
                       "X-Tactful-Delivery": str(row.id), "X-Tactful-Event": str(row.payload.get("event", ""))}
            if self.secret:
                headers["X-Tactful-Signature"] = sign(self.secret, timestamp, body)
            error = ""
            try:
                response = self.client.post(row.url, content=body, headers=headers)
                if 200 <= response.status_code < 300:
                    row.status, row.delivered_at = "delivered", utcnow()
                    row.attempts += 1
                    return "delivered"
                error = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
            row.attempts += 1
            row.last_error = error
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
                return "failed"
            row.next_attempt_at = now + min(BASE_DELAY * (2 ** (row.attempts - 1)), MAX_DELAY)
            return "retrying"

    def redeliver(self, delivery_id: int | None = None) -> int:
        """Put failed deliveries (or one delivery) back in the queue; returns how many."""
        with self.sessions.begin() as session:
            query = select(WebhookDeliveryRow).where(WebhookDeliveryRow.status == "failed")
            if delivery_id is not None:
                query = select(WebhookDeliveryRow).where(WebhookDeliveryRow.id == delivery_id)
            rows = list(session.scalars(query))
            for row in rows:
                row.status, row.attempts, row.next_attempt_at = "pending", 0, utcnow()
            return len(rows)

    def log(self, limit: int = 100) -> list[dict[str, Any]]:
        with self.sessions() as session:
            rows = session.scalars(select(WebhookDeliveryRow).order_by(WebhookDeliveryRow.id.desc()).limit(limit))
            return [{"id": r.id, "draft_id": r.draft_id, "status": r.status, "attempts": r.attempts, "last_error": r.last_error,
                     "next_attempt_at": r.next_attempt_at, "delivered_at": r.delivered_at} for r in rows]

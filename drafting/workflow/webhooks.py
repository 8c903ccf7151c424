"""Outbound webhooks: approved replies POSTed to the ticket system, always signed, retried, never lost.

Each delivery is a row in `webhook_deliveries`, written in the same transaction as the approval that caused
it, so a crash cannot approve without queueing. `deliver_due()` POSTs what is due; a failure is retried
with exponential backoff, and after the last attempt the row stays `failed` in the log until someone
redelivers it (`tactful webhooks redeliver`). A receiver that is down loses nothing.

Signing follows Standard Webhooks (https://www.standardwebhooks.com, the `standardwebhooks` package signs):
`webhook-id` (the delivery's id: the same on every retry and redelivery of one delivery, so receivers
de-duplicate on it), `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`:
`v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">` keyed with the base64-decoded part of
a `whsec_<base64>` secret. The id and the timestamp are inside the signed string, so neither can be swapped.
There is no unsigned mode: without a valid TACTFUL_WEBHOOK_SECRET deliveries refuse to start (approvals
still queue them, and they go out once a secret is set). The earlier X-Tactful-Signature scheme is replaced.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks import Webhook

from drafting.workflow.db import WebhookDeliveryRow, utcnow

if TYPE_CHECKING:
    from drafting.settings import Settings

MAX_ATTEMPTS = 6
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
TOLERANCE_SECONDS = 300  # receivers refuse timestamps further than this from their clock (replays)
SECRET_SETTING = "TACTFUL_WEBHOOK_SECRET"
_SECRET_PREFIX = "whsec_"
_MIN_KEY_BYTES, _MAX_KEY_BYTES = 24, 64  # the Standard Webhooks recommendation for symmetric keys


class WebhookConfigError(ValueError):
    """Deliveries cannot start: the message names the setting to fix."""


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks form (`tactful webhooks new-secret`)."""
    return _SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def secret_problem(secret: str | None) -> str | None:
    """Why `secret` cannot sign deliveries, in words that name the setting; None when it can."""
    how = f"generate one with `tactful webhooks new-secret` and set {SECRET_SETTING}"
    if not secret or not secret.strip():
        return f"{SECRET_SETTING} is not set: outbound webhooks are always signed, so none is delivered without it; {how}"
    if not secret.startswith(_SECRET_PREFIX):
        return f"{SECRET_SETTING} must look like whsec_<base64 key> (the Standard Webhooks form); {how}"
    try:
        key = base64.b64decode(secret[len(_SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return f"{SECRET_SETTING}: the part after whsec_ is not valid base64; {how}"
    if not _MIN_KEY_BYTES <= len(key) <= _MAX_KEY_BYTES:
        return f"{SECRET_SETTING}: the key is {len(key)} bytes; use {_MIN_KEY_BYTES} to {_MAX_KEY_BYTES} ({how})"
    return None


def delivery_problem(settings: Settings) -> str | None:
    """Why the configured webhook cannot deliver; None when it can, or when no webhook is configured."""
    if not settings.webhook_url:
        return None
    return secret_problem(settings.webhook_secret.get_secret_value() if settings.webhook_secret else None)


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for one delivery attempt."""
    return Webhook(secret).sign(message_id, datetime.fromtimestamp(timestamp, tz=UTC), body.decode("utf-8"))


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, tolerance: int = TOLERANCE_SECONDS, now: float | None = None) -> bool:
    """What a receiver does (Python receivers may equally use `standardwebhooks.Webhook(secret).verify`): the
    signature matches the id, timestamp and raw body, and the timestamp is fresh. De-duplicate on
    `webhook-id` after this returns True: a retry carries the same id."""
    lowered = {name.lower(): value for name, value in headers.items()}
    message_id, timestamp = lowered.get("webhook-id", ""), lowered.get("webhook-timestamp", "")
    if not message_id or not timestamp.isdigit() or abs((time.time() if now is None else now) - int(timestamp)) > tolerance:
        return False
    try:
        expected = sign(secret, message_id, int(timestamp), body).split(",", 1)[1]
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return False
    # The header may carry several space-separated signatures (during a secret rotation); one must match.
    offered = [part.split(",", 1)[1] for part in lowered.get("webhook-signature", "").split() if part.startswith("v1,")]
    return any(hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in offered)


def webhook_id(row_id: int, body: bytes) -> str:
    """The delivery's `webhook-id`: derived from the queued row and its payload, both fixed when it was
    queued, so every retry and redelivery carries the same id, and two databases never give one id to
    different payloads."""
    return f"msg_{row_id}_{hashlib.sha256(body).hexdigest()[:24]}"


class Webhooks:
    def __init__(
        self, sessions: sessionmaker, url: str | None, secret: str | None, *, timeout: float = 10.0, client: httpx.Client | None = None
    ) -> None:
        self.sessions, self.url, self.secret = sessions, url, secret
        self.client = client or httpx.Client(timeout=timeout)
        # Checked once: the settings do not change while the process runs, and the app asks on every render.
        self._problem = secret_problem(secret) if url else None

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    @property
    def problem(self) -> str | None:
        """Why deliveries cannot start (no or malformed secret); None when they can."""
        return self._problem

    def enqueue(self, session: Session, draft_id: int, payload: dict[str, Any]) -> None:
        """Queue a delivery inside the caller's transaction (nothing happens when no URL is configured).
        Queued even while the secret is missing: it goes out, signed, once one is set."""
        if self.url:
            session.add(WebhookDeliveryRow(draft_id=draft_id, url=self.url, payload=payload, status="pending", attempts=0, next_attempt_at=utcnow()))

    def deliver_due(self, now: datetime | None = None) -> dict[str, int]:
        """POST every pending delivery whose time has come; returns counts by outcome. Refuses (raises
        WebhookConfigError) without a valid secret: nothing leaves unsigned."""
        if self.problem:
            raise WebhookConfigError(self.problem)
        now = now or utcnow()
        outcome = {"delivered": 0, "retrying": 0, "failed": 0}
        with self.sessions() as session:
            due = [
                row.id
                for row in session.scalars(
                    select(WebhookDeliveryRow)
                    .where(WebhookDeliveryRow.status == "pending", WebhookDeliveryRow.next_attempt_at <= now)
                    .order_by(WebhookDeliveryRow.id)
                )
            ]
        for row_id in due:
            outcome[self._attempt(row_id, now)] += 1
        return outcome

    def _headers(self, row: WebhookDeliveryRow, body: bytes) -> dict[str, str]:
        message_id, timestamp = webhook_id(row.id, body), int(time.time())
        return {
            "Content-Type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(self.secret or "", message_id, timestamp, body),
            # Unsigned conveniences: the row in `tactful webhooks log`, and the event without parsing.
            "X-Tactful-Delivery": str(row.id),
            "X-Tactful-Event": str(row.payload.get("event", "")),
        }

    def _attempt(self, row_id: int, now: datetime) -> str:
        with self.sessions.begin() as session:
            row = session.get(WebhookDeliveryRow, row_id)
            body = json.dumps(row.payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
            error = ""
            try:
                response = self.client.post(row.url, content=body, headers=self._headers(row, body))
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
        """Put failed deliveries (or one delivery) back in the queue; returns how many. A redelivery keeps
        its webhook-id, so a receiver that did get it the first time can tell."""
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
            return [
                {
                    "id": r.id,
                    "draft_id": r.draft_id,
                    "status": r.status,
                    "attempts": r.attempts,
                    "last_error": r.last_error,
                    "next_attempt_at": r.next_attempt_at,
                    "delivered_at": r.delivered_at,
                }
                for r in rows
            ]

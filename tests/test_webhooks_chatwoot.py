"""Chatwoot in: its webhook signature is checked when a secret is configured, a replayed or retried message
changes nothing (across restarts), and the API key may come in a header instead of the URL."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from samples import chatwoot_event

from drafting.api.app import create_app
from drafting.domain.models import Incident
from drafting.drafters.composer import Composer
from drafting.guards.tone import ToneChecker
from drafting.workflow import db
from drafting.workflow.api_keys import create_api_key
from drafting.workflow.chatwoot import TOLERANCE_SECONDS, signature_problem
from drafting.workflow.core import Workflow
from knowledge.policy import PolicyBook

ROOT = Path(__file__).resolve().parent.parent
INCIDENT = Incident.model_validate(yaml.safe_load((ROOT / "drafting/samples/delivery-growth.incident.yaml").read_text(encoding="utf-8")))
CHATWOOT_SECRET = "cw-webhook-secret-from-chatwoot-settings"
EVENT = chatwoot_event()
URL = f"/v1/integrations/chatwoot?incident_id={INCIDENT.id}"


def chatwoot_headers(body: bytes, secret: str = CHATWOOT_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """What Chatwoot sends: sha256=hex(HMAC-SHA256(secret, "{timestamp}.{body}")) (see drafting/workflow/chatwoot.py)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Chatwoot-Timestamp": ts,
        "X-Chatwoot-Signature": f"sha256={digest}",
        "X-Chatwoot-Delivery": "0b0e7a3c-2a55-4a5c-9b43-2f0f4d1f9a11",
    }


def body_of(event: dict) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode("utf-8")


@pytest.fixture
def flow(database_url: str) -> Workflow:
    workflow = Workflow(db.session_factory(database_url), ToneChecker())
    workflow.save_incident(INCIDENT, actor="lead")
    return workflow


def client_for(flow: Workflow, secret: str | None) -> TestClient:
    book = PolicyBook.load(None)
    return TestClient(create_app(flow, Composer(book), ToneChecker(), book, chatwoot_secret=secret))


def test_a_signed_message_needs_no_api_key(flow: Workflow) -> None:
    client = client_for(flow, CHATWOOT_SECRET)
    body = body_of(EVENT)
    answer = client.post(URL, content=body, headers=chatwoot_headers(body))
    assert answer.status_code == 200 and answer.json()["created"] is True
    ticket = flow.ticket(answer.json()["ticket_id"])
    assert ticket.messages == [EVENT["content"]] and ticket.customer == "王女士"
    assert ticket.written_at is not None and ticket.written_at.isoformat() == "2026-11-12T13:05:57+00:00"  # Chatwoot's created_at


@pytest.mark.parametrize("forgery", ["unsigned", "wrong secret", "stale", "future", "tampered body", "not a number"])
def test_bad_missing_or_stale_signatures_are_refused(flow: Workflow, forgery: str) -> None:
    client = client_for(flow, CHATWOOT_SECRET)
    key = create_api_key(flow, "chatwoot", ["tickets:write"])  # a valid key does not excuse a bad signature
    body = body_of(EVENT)
    headers = {
        "unsigned": {"Content-Type": "application/json"},
        "wrong secret": chatwoot_headers(body, secret="guessed"),
        # Well outside the window: a request can take seconds on a loaded machine, and the exact edge is
        # tested with a fixed clock below.
        "stale": chatwoot_headers(body, timestamp=int(time.time()) - TOLERANCE_SECONDS - 60),
        "future": chatwoot_headers(body, timestamp=int(time.time()) + TOLERANCE_SECONDS + 60),
        "tampered body": chatwoot_headers(body_of({**EVENT, "content": "something else"})),
        "not a number": {**chatwoot_headers(body), "X-Chatwoot-Timestamp": "yesterday"},
    }[forgery]
    refused = client.post(URL, content=body, headers={**headers, "X-API-Key": key})
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"]["code"] == "unauthenticated" and "Chatwoot signature" in refused.json()["error"]["message"]
    with flow.sessions() as session:
        assert session.query(db.TicketRow).count() == 0


@pytest.mark.parametrize(("offset", "accepted"), [(-300, True), (-301, False), (300, True), (301, False)])
def test_the_window_is_five_minutes_either_way(offset: int, accepted: bool) -> None:
    body = body_of(EVENT)
    now = 1_800_000_000
    headers = chatwoot_headers(body, timestamp=now + offset)
    problem = signature_problem(CHATWOOT_SECRET, headers["X-Chatwoot-Timestamp"], body, headers["X-Chatwoot-Signature"], now=now)
    assert (problem is None) is accepted, problem
    if not accepted:
        assert ("old" if offset < 0 else "in the future") in problem


def test_a_replayed_message_changes_nothing_even_after_a_restart(flow: Workflow) -> None:
    client = client_for(flow, CHATWOOT_SECRET)
    body = body_of(EVENT)
    first = client.post(URL, content=body, headers=chatwoot_headers(body)).json()
    # The same message again, freshly and validly signed (Chatwoot's retry, or a replay within the window).
    replay = client.post(URL, content=body, headers=chatwoot_headers(body)).json()
    assert replay["created"] is False and replay["ticket_id"] == first["ticket_id"] and "already received" in replay["ignored"]
    restarted = client_for(flow, CHATWOOT_SECRET)  # a new process on the same database remembers
    again = restarted.post(URL, content=body, headers=chatwoot_headers(body)).json()
    assert again["ignored"] and flow.ticket(first["ticket_id"]).messages == [EVENT["content"]]
    # A customer who really says the same thing twice sends a new message id: it is kept.
    repeat = body_of({**EVENT, "id": 12})
    assert restarted.post(URL, content=repeat, headers=chatwoot_headers(repeat)).json()["ignored"] is None
    assert flow.ticket(first["ticket_id"]).messages == [EVENT["content"], EVENT["content"]]


def test_without_a_secret_an_api_key_is_needed_and_may_come_in_a_header(flow: Workflow) -> None:
    client = client_for(flow, None)
    key = create_api_key(flow, "chatwoot", ["tickets:write"])
    assert client.post(URL, json=EVENT).status_code == 401
    assert client.post(URL, json=EVENT, headers={"X-API-Key": key}).json()["created"] is True
    assert client.post(f"{URL}&key={key}", json={**EVENT, "id": 12}).json()["created"] is False  # Chatwoot < 4.11.2
    reader = create_api_key(flow, "dashboard", ["drafts:read"])
    assert client.post(URL, json={**EVENT, "id": 13}, headers={"X-API-Key": reader}).status_code == 403


def test_a_failed_message_is_not_remembered_so_the_retry_is_processed(flow: Workflow) -> None:
    client = client_for(flow, CHATWOOT_SECRET)
    body = body_of(EVENT)
    orphan = "/v1/integrations/chatwoot?incident_id=no-such-incident"
    assert client.post(orphan, content=body, headers=chatwoot_headers(body)).status_code == 404
    assert client.post(URL, content=body, headers=chatwoot_headers(body)).json()["created"] is True


def test_ids_too_long_for_the_ticket_table_are_invalid(flow: Workflow) -> None:
    client = client_for(flow, CHATWOOT_SECRET)
    for event in ({**EVENT, "conversation": {"id": 10**300}}, {**EVENT, "id": "x" * 5000}):
        body = body_of(event)
        answer = client.post(URL, content=body, headers=chatwoot_headers(body))
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid"

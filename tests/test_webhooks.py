"""Outbound webhooks (signed, retried, redelivered) and the inbound Chatwoot adapter."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from drafting import db
from drafting.api import create_api_key, create_app
from drafting.composer import Composer
from drafting.models import Incident, Ticket
from drafting.tone import ToneChecker
from drafting.webhooks import MAX_ATTEMPTS, Webhooks, sign, verify
from drafting.workflow import Workflow
from knowledge.policy import PolicyBook, TicketFacts

ROOT = Path(__file__).resolve().parent.parent
INCIDENT = Incident.model_validate(yaml.safe_load((ROOT / "drafting/samples/delivery-growth.incident.yaml").read_text(encoding="utf-8")))
SECRET = "whsec-test"


class Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = verify(SECRET, self.headers["X-Tactful-Timestamp"], body, self.headers.get("X-Tactful-Signature", ""))
        type(self).received.append({"body": json.loads(body), "signed": ok})
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> str:
    Receiver.received, Receiver.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def approved_reply(flow: Workflow) -> int:
    ticket = Ticket(id="W-1", incident_id=INCIDENT.id, customer="Alex", messages=["late"],
                    facts=TicketFacts(issue_type="late_delivery", delay_minutes=45, order_amount=Decimal(86)))
    row, _ = flow.add_ticket(ticket, actor="api")
    view = flow.record_draft(Composer(PolicyBook.load(None)).draft_reply(INCIDENT, ticket), actor="composer", ticket_row_id=row)
    flow.approve(view.id, expected_version=1, actor="lead")
    return view.id


def test_signature_round_trip_and_replay_window() -> None:
    body = b'{"a": 1}'
    signature = sign(SECRET, "1700000000", body)
    assert verify(SECRET, "1700000000", body, signature, now=1700000100)
    assert not verify(SECRET, "1700000000", body + b" ", signature, now=1700000100)  # tampered
    assert not verify(SECRET, "1700000000", body, signature, now=1700009999)  # too old: a replay
    assert not verify("other", "1700000000", body, signature, now=1700000100)


def test_an_approval_is_delivered_signed(database_url: str, receiver: str) -> None:
    sessions = db.session_factory(database_url)
    hooks = Webhooks(sessions, receiver, SECRET)
    flow = Workflow(sessions, ToneChecker(), webhooks=hooks)
    flow.save_incident(INCIDENT, actor="lead")
    draft_id = approved_reply(flow)
    assert hooks.deliver_due() == {"delivered": 1, "retrying": 0, "failed": 0}
    [got] = Receiver.received
    assert got["signed"] and got["body"]["event"] == "draft.approved" and got["body"]["draft_id"] == draft_id
    assert got["body"]["ticket_external_id"] == "W-1" and "86 yuan" in got["body"]["text"]
    assert hooks.deliver_due() == {"delivered": 0, "retrying": 0, "failed": 0}  # delivered once


def test_a_receiver_that_is_down_loses_nothing(database_url: str, receiver: str) -> None:
    sessions = db.session_factory(database_url)
    hooks = Webhooks(sessions, receiver, SECRET)
    flow = Workflow(sessions, ToneChecker(), webhooks=hooks)
    flow.save_incident(INCIDENT, actor="lead")
    approved_reply(flow)
    Receiver.status = 503
    assert hooks.deliver_due()["retrying"] == 1
    [row] = hooks.log()
    assert row["status"] == "pending" and row["attempts"] == 1 and row["last_error"] == "HTTP 503"
    later = row["next_attempt_at"]
    assert hooks.deliver_due() == {"delivered": 0, "retrying": 0, "failed": 0}  # not due yet: backoff
    for attempt in range(MAX_ATTEMPTS - 1):
        hooks.deliver_due(now=later + timedelta(days=attempt + 1))
    assert hooks.log()[0]["status"] == "failed"
    Receiver.status = 200
    assert hooks.redeliver() == 1 and hooks.deliver_due()["delivered"] == 1
    assert Receiver.received[-1]["signed"]


def test_chatwoot_message_created_creates_and_extends_a_ticket(database_url: str) -> None:
    flow = Workflow(db.session_factory(database_url), ToneChecker())
    flow.save_incident(INCIDENT, actor="lead")
    book = PolicyBook.load(None)
    client = TestClient(create_app(flow, Composer(book), ToneChecker(), book))
    key = create_api_key(flow, "chatwoot", ["tickets:write"])
    url = f"/v1/integrations/chatwoot?incident_id={INCIDENT.id}&key={key}"
    event = {"event": "message_created", "id": 11, "content": "我的订单晚了一个小时！", "message_type": "incoming",
             "created_at": "2026-11-12 13:05:57 UTC", "conversation": {"id": 567, "status": "open"},
             "sender": {"id": 89, "name": "王女士", "type": "contact"}, "account": {"id": 1, "name": "Lanting"}}
    first = client.post(url, json=event).json()
    assert first["created"] is True
    second = client.post(url, json={**event, "id": 12, "content": "还没有人回复吗？"}).json()
    assert second == {"ticket_id": first["ticket_id"], "created": False, "ignored": None}
    ticket = flow.ticket(first["ticket_id"])
    assert ticket.messages == ["我的订单晚了一个小时！", "还没有人回复吗？"] and ticket.customer == "王女士"
    assert ticket.incident_id == INCIDENT.id
    agent = client.post(url, json={**event, "message_type": "outgoing"}).json()
    assert agent["ignored"] and client.post(url, json={**event, "event": "conversation_created"}).json()["ignored"]
    assert client.post(f"/v1/integrations/chatwoot?key=wrong", json=event).status_code == 401

"""Outbound webhooks (always signed the Standard Webhooks way, retried, redelivered) and the inbound Chatwoot adapter."""

from __future__ import annotations

import base64
import json
import threading
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from samples import chatwoot_event
from standardwebhooks import Webhook
from typer.testing import CliRunner

from drafting import services
from drafting.api.app import create_app
from drafting.cli.main import app as cli
from drafting.domain.models import Incident, Ticket
from drafting.drafters.composer import Composer
from drafting.guards.tone import ToneChecker
from drafting.workflow import db
from drafting.workflow.api_keys import create_api_key
from drafting.workflow.core import Workflow
from drafting.workflow.webhooks import MAX_ATTEMPTS, WebhookConfigError, Webhooks, new_secret, secret_problem, sign, verify
from knowledge.policy import PolicyBook, TicketFacts

ROOT = Path(__file__).resolve().parent.parent
INCIDENT = Incident.model_validate(yaml.safe_load((ROOT / "drafting/samples/delivery-growth.incident.yaml").read_text(encoding="utf-8")))
SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()


class Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = dict(self.headers.items())
        try:  # the reference implementation must accept what we send, not only our own verify()
            Webhook(SECRET).verify(body, headers)
            reference = True
        except Exception:  # noqa: BLE001 - any refusal counts as "not signed"
            reference = False
        type(self).received.append({"body": json.loads(body), "signed": verify(SECRET, headers, body) and reference, "id": headers.get("webhook-id")})
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
    ticket = Ticket(
        id="W-1",
        incident_id=INCIDENT.id,
        customer="Alex",
        messages=["late"],
        facts=TicketFacts(issue_type="late_delivery", delay_minutes=45, order_amount=Decimal(86)),
    )
    row, _ = flow.add_ticket(ticket, actor="api")
    view = flow.record_draft(Composer(PolicyBook.load(None)).draft_reply(INCIDENT, ticket), actor="composer", ticket_row_id=row)
    return approve_fully(flow, view.id)


def approve_fully(flow: Workflow, draft_id: int) -> int:
    """Final approval whatever the guards say of the composer's text (they are not what is tested here)."""
    for actor in ("lead", "second-lead"):
        if flow.approve(draft_id, expected_version=1, actor=actor, override="accepted for the webhook test").status == "approved":
            break
    return draft_id


def signed_headers(message_id: str, timestamp: int, body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp), "webhook-signature": sign(secret, message_id, timestamp, body)}


def test_signature_round_trip_and_replay_window() -> None:
    body = '{"text": "对不起"}'.encode()
    headers = signed_headers("msg_1", 1700000000, body)
    assert headers["webhook-signature"].startswith("v1,")
    assert verify(SECRET, headers, body, now=1700000100)
    assert not verify(SECRET, headers, body + b" ", now=1700000100)  # tampered body
    assert not verify(SECRET, {**headers, "webhook-id": "msg_2"}, body, now=1700000100)  # the id is signed too
    assert not verify(SECRET, headers, body, now=1700009999)  # too old: a replay
    assert not verify(new_secret(), headers, body, now=1700000100)  # another secret
    assert not verify(SECRET, {**headers, "webhook-signature": "garbage"}, body, now=1700000100)
    rotated = {**headers, "webhook-signature": "v1,b2xk " + headers["webhook-signature"]}  # several signatures: one matches
    assert verify(SECRET, rotated, body, now=1700000100)


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        (None, "TACTFUL_WEBHOOK_SECRET is not set"),
        ("", "TACTFUL_WEBHOOK_SECRET is not set"),
        ("whsec-test", "must look like whsec_<base64 key>"),
        ("whsec_not*base64", "not valid base64"),
        ("whsec_" + base64.b64encode(b"short").decode(), "the key is 5 bytes"),
        (SECRET, None),
    ],
)
def test_secrets_must_be_standard_webhooks_secrets(secret: str | None, problem: str | None) -> None:
    found = secret_problem(secret)
    assert (found is None) if problem is None else (problem in found and "tactful webhooks new-secret" in found)
    assert secret_problem(new_secret()) is None


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
    assert got["id"].startswith("msg_")
    assert hooks.deliver_due() == {"delivered": 0, "retrying": 0, "failed": 0}  # delivered once


def test_without_a_secret_nothing_is_delivered_and_nothing_is_lost(database_url: str, receiver: str) -> None:
    sessions = db.session_factory(database_url)
    flow = Workflow(sessions, ToneChecker(), webhooks=Webhooks(sessions, receiver, None))
    flow.save_incident(INCIDENT, actor="lead")
    approved_reply(flow)
    with pytest.raises(WebhookConfigError, match="TACTFUL_WEBHOOK_SECRET"):
        flow.webhooks.deliver_due()
    assert Receiver.received == [] and flow.webhooks.log()[0]["status"] == "pending"  # queued, not sent unsigned
    signed = Webhooks(sessions, receiver, SECRET)  # the secret is set: the queued approval goes out, signed
    assert signed.deliver_due()["delivered"] == 1 and Receiver.received[0]["signed"]


def test_the_commands_refuse_to_deliver_without_a_secret(database_url: str, receiver: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TACTFUL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TACTFUL_WEBHOOK_URL", receiver)
    monkeypatch.delenv("TACTFUL_WEBHOOK_SECRET", raising=False)
    services.default_settings.cache_clear()
    try:
        serve = CliRunner().invoke(cli, ["serve", "--port", "1"])
        assert serve.exit_code == 2 and "TACTFUL_WEBHOOK_SECRET is not set" in serve.output
        deliver = CliRunner().invoke(cli, ["webhooks", "deliver"])
        assert deliver.exit_code == 2 and "TACTFUL_WEBHOOK_SECRET" in deliver.output
        secret = CliRunner().invoke(cli, ["webhooks", "new-secret"]).stdout.strip()
        assert secret_problem(secret) is None
        for command in (["webhooks", "redeliver"], ["apikey", "revoke"]):  # ids past the INTEGER columns: a usage error
            too_big = CliRunner().invoke(cli, [*command, str(2**64)])
            assert too_big.exit_code == 2 and "2147483647" in too_big.output and not isinstance(too_big.exception, OverflowError)
    finally:
        services.default_settings.cache_clear()
    assert Receiver.received == []


def test_a_receiver_that_is_down_loses_nothing_and_sees_one_id_per_delivery(database_url: str, receiver: str) -> None:
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
    assert all(r["signed"] for r in Receiver.received) and len(Receiver.received) == MAX_ATTEMPTS + 1
    # Every retry and the redelivery carry one webhook-id: the receiver can tell it is the same delivery.
    assert len({r["id"] for r in Receiver.received}) == 1
    approved_reply_id = approved_second(flow)
    hooks.deliver_due()
    assert Receiver.received[-1]["body"]["draft_id"] == approved_reply_id and Receiver.received[-1]["id"] != Receiver.received[0]["id"]


def approved_second(flow: Workflow) -> int:
    ticket = Ticket(
        id="W-2",
        incident_id=INCIDENT.id,
        customer="Sam",
        messages=["late too"],
        facts=TicketFacts(issue_type="late_delivery", delay_minutes=50, order_amount=Decimal(40)),
    )
    row, _ = flow.add_ticket(ticket, actor="api")
    view = flow.record_draft(Composer(PolicyBook.load(None)).draft_reply(INCIDENT, ticket), actor="composer", ticket_row_id=row)
    return approve_fully(flow, view.id)


def test_chatwoot_message_created_creates_and_extends_a_ticket(database_url: str) -> None:
    flow = Workflow(db.session_factory(database_url), ToneChecker())
    flow.save_incident(INCIDENT, actor="lead")
    book = PolicyBook.load(None)
    client = TestClient(create_app(flow, Composer(book), ToneChecker(), book))
    key = create_api_key(flow, "chatwoot", ["tickets:write"])
    url = f"/v1/integrations/chatwoot?incident_id={INCIDENT.id}&key={key}"
    event = chatwoot_event()
    first = client.post(url, json=event).json()
    assert first["created"] is True
    second = client.post(url, json={**event, "id": 12, "content": "还没有人回复吗？"}).json()
    assert second == {"ticket_id": first["ticket_id"], "created": False, "ignored": None}
    ticket = flow.ticket(first["ticket_id"])
    assert ticket.messages == ["我的订单晚了一个小时！", "还没有人回复吗？"] and ticket.customer == "王女士"
    assert ticket.incident_id == INCIDENT.id
    agent = client.post(url, json={**event, "message_type": "outgoing"}).json()
    assert agent["ignored"] and client.post(url, json={**event, "event": "conversation_created"}).json()["ignored"]
    assert client.post("/v1/integrations/chatwoot?key=wrong", json=event).status_code == 401


@pytest.mark.parametrize("secret", [None, SECRET])
def test_the_send_page_says_what_the_webhook_did_in_chinese(
    receiver: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, secret: str | None
) -> None:
    """Without a secret the page says which setting to set and how, in Chinese; with one, what a delivery
    did and each reply's state, in Chinese (not "1 delivered", "pending")."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TACTFUL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TACTFUL_WEBHOOK_URL", receiver)
    for name in ("TACTFUL_WEBHOOK_SECRET", "TACTFUL_DATABASE_URL", "TACTFUL_CHROMA_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    if secret:
        monkeypatch.setenv("TACTFUL_WEBHOOK_SECRET", secret)
    services.default_settings.cache_clear()
    try:
        flow = services.workflow(services.default_settings())
        flow.save_incident(INCIDENT, actor="lead")
        approved_reply(flow)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        at.sidebar.text_input(key="operator").input("李娜").run()
        at.switch_page(str(ROOT / "drafting/webapp/pages/send.py")).run()
        assert not at.exception, at.exception
        if secret is None:
            assert "没有设置 `TACTFUL_WEBHOOK_SECRET`" in at.error[0].value and "tactful webhooks new-secret" in at.error[0].value
            assert Receiver.received == []
        else:
            assert "排队中" in " ".join(c.value for c in at.caption)
            at.button(key="deliver").click().run()
            assert at.success[0].value == "1 条已送达" and len(Receiver.received) == 1
            assert "已送达" in " ".join(c.value for c in at.caption)
    finally:
        services.default_settings.cache_clear()

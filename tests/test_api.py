"""The HTTP API through FastAPI's test client, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from drafting.api.app import MAX_BODY_BYTES, create_app
from drafting.drafters.composer import Composer
from drafting.guards.tone import ToneChecker
from drafting.workflow import db
from drafting.workflow.api_keys import create_api_key
from drafting.workflow.core import Workflow
from knowledge.policy import PolicyBook

ROOT = Path(__file__).resolve().parent.parent
INCIDENT = yaml.safe_load((ROOT / "drafting/samples/delivery-growth.incident.yaml").read_text(encoding="utf-8"))
INCIDENT["next_update"] = str(INCIDENT["next_update"])
for action in INCIDENT["actions"]:
    if "due" in action:
        action["due"] = str(action["due"])
TICKET = {
    "id": "T-9",
    "incident_id": INCIDENT["id"],
    "customer": "Alex",
    "messages": ["My order was 45 minutes late."],
    "facts": {"issue_type": "late_delivery", "delay_minutes": 45, "order_amount": 86},
}


@pytest.fixture
def api(database_url: str) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    flow = Workflow(db.session_factory(database_url), ToneChecker())
    book = PolicyBook.load(None)
    app = create_app(flow, Composer(book), ToneChecker(), book)
    keys = {
        "system": create_api_key(flow, "ticket-system", ["tickets:write", "drafts:read"]),
        "lead": create_api_key(flow, "lead", ["drafts:read", "drafts:approve"]),
        "reader": create_api_key(flow, "dashboard", ["drafts:read"]),
    }
    with TestClient(app) as client:  # runs the lifespan: the job runner starts and stops with the test
        yield client, {name: {"Authorization": f"Bearer {key}"} for name, key in keys.items()}


def test_ticket_to_sent_reply(api) -> None:  # noqa: ANN001
    client, h = api
    assert client.post("/v1/incidents", json=INCIDENT, headers=h["system"]).status_code == 201
    created = client.post("/v1/tickets", json=TICKET, headers=h["system"])
    assert created.status_code == 201 and created.json()["created"] is True
    again = client.post("/v1/tickets", json=TICKET, headers=h["system"])
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]  # idempotent by external id
    draft = client.post(f"/v1/tickets/{created.json()['id']}/draft", headers=h["system"]).json()
    assert draft["status"] == "drafted" and draft["draft"]["tone"]["verdict"] == "ok" and "86 yuan" in draft["draft"]["text"]
    edited = client.patch(f"/v1/drafts/{draft['id']}", json={"text": draft["draft"]["text"] + " Thank you.", "version": 1}, headers=h["lead"])
    assert edited.status_code == 200 and edited.json()["version"] == 2
    stale = client.post(f"/v1/drafts/{draft['id']}/approve", json={"version": 1}, headers=h["lead"])
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    assert client.post(f"/v1/drafts/{draft['id']}/approve", json={"version": 2}, headers=h["lead"]).json()["status"] == "approved"
    assert client.post(f"/v1/drafts/{draft['id']}/sent", json={"version": 2, "note": "WeChat"}, headers=h["lead"]).json()["status"] == "sent"
    listed = client.get("/v1/drafts", params={"status": "sent"}, headers=h["reader"]).json()
    assert [d["id"] for d in listed] == [draft["id"]]


def test_auth_and_scopes(api) -> None:  # noqa: ANN001
    client, h = api
    missing = client.get("/v1/drafts")
    assert missing.status_code == 401 and "API key" in missing.json()["error"]["message"]
    assert client.get("/v1/drafts", headers={"Authorization": "Bearer nope"}).status_code == 401
    forbidden = client.post("/v1/tickets", json=TICKET, headers=h["reader"])
    assert forbidden.status_code == 403 and "tickets:write" in forbidden.json()["error"]["message"]
    assert client.get("/v1/drafts", headers={"X-API-Key": h["reader"]["Authorization"][7:]}).status_code == 200


def test_bad_input_gets_one_error_shape(api) -> None:  # noqa: ANN001
    client, h = api
    bad_json = client.post("/v1/tickets", content=b"{not json", headers={**h["system"], "Content-Type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.json()["error"]["code"] == "bad_json"
    invalid = client.post("/v1/tickets", json={**TICKET, "facts": {"issue_type": "meteor"}}, headers=h["system"])
    assert invalid.status_code == 422 and invalid.json()["error"]["details"][0]["field"] == "facts.issue_type"
    huge = client.post("/v1/tone/check", content=b"x" * (MAX_BODY_BYTES + 1), headers={**h["reader"], "Content-Type": "application/json"})
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "too_large"
    unknown = client.get("/v1/drafts/999", headers=h["reader"])
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    no_incident = client.post("/v1/tickets", json={**TICKET, "incident_id": "nope"}, headers=h["system"])
    assert no_incident.status_code == 404


def test_guards_are_served_too(api) -> None:  # noqa: ANN001
    client, h = api
    tone = client.post("/v1/tone/check", json={"text": "别闹了行吗？？？"}, headers=h["reader"]).json()
    assert tone["verdict"] == "block" and tone["flags"][0]["category"] == "dismissive"
    promises = client.post(
        "/v1/commitments/check",
        json={"text": "We will refund you 1000 yuan.", "facts": {"issue_type": "late_delivery", "delay_minutes": 45, "order_amount": 86}},
        headers=h["reader"],
    ).json()
    assert promises["ok"] is False and promises["commitments"][0]["status"] == "exceeds"
    health = client.get("/v1/health").json()
    assert health == {"status": "ok", "mode": "composer", "database": "ok"}
    assert client.get("/v1/knowledge/search", params={"q": "refund"}, headers=h["reader"]).status_code == 503


def test_blocked_drafts_need_an_override_over_http(api) -> None:  # noqa: ANN001
    client, h = api
    client.post("/v1/incidents", json=INCIDENT, headers=h["system"])
    ticket_id = client.post("/v1/tickets", json=TICKET, headers=h["system"]).json()["id"]
    draft = client.post(f"/v1/tickets/{ticket_id}/draft", headers=h["system"]).json()
    client.patch(f"/v1/drafts/{draft['id']}", json={"text": "Calm down. " + draft["draft"]["text"], "version": 1}, headers=h["lead"])
    refused = client.post(f"/v1/drafts/{draft['id']}/approve", json={"version": 2}, headers=h["lead"])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "refused" and "override" in refused.json()["error"]["message"]


CLAIMED = {**TICKET, "id": "CHAT-7", "facts": {"issue_type": "late_delivery", "claimed": {"delay_minutes": 45, "order_amount": 86}}}


def refunds(draft: dict) -> list[dict]:
    return [c for c in draft["draft"]["commitments"] if c["type"] == "refund"]


def test_confirmed_facts_back_the_refund_a_claim_could_not(api) -> None:  # noqa: ANN001
    client, h = api
    client.post("/v1/incidents", json=INCIDENT, headers=h["system"])
    ticket_id = client.post("/v1/tickets", json=CLAIMED, headers=h["system"]).json()["id"]
    before = client.post(f"/v1/tickets/{ticket_id}/draft", headers=h["system"]).json()
    assert "86" not in before["draft"]["text"] and not refunds(before)  # a claim grants nothing
    confirmed = client.post(f"/v1/tickets/{ticket_id}/confirm-facts", json={"order_amount": 86, "delay_minutes": 45}, headers=h["system"])
    assert confirmed.status_code == 200, confirmed.text
    facts = confirmed.json()["facts"]
    assert facts["order_amount"] == 86 and facts["delay_minutes"] == 45 and facts["claimed"] == {}
    after = client.post(f"/v1/tickets/{ticket_id}/draft", headers=h["system"]).json()
    assert "86 yuan" in after["draft"]["text"]
    assert refunds(after) and all(c["status"] == "backed" and c["backing"] for c in refunds(after))
    # The same value again changes nothing; another value for a fact already confirmed is a conflict.
    assert client.post(f"/v1/tickets/{ticket_id}/confirm-facts", json={"order_amount": 86}, headers=h["system"]).status_code == 200
    clash = client.post(f"/v1/tickets/{ticket_id}/confirm-facts", json={"order_amount": 5000}, headers=h["system"])
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "conflict" and "order_amount" in clash.json()["error"]["message"]


def test_confirming_facts_refuses_what_is_not_a_fact(api) -> None:  # noqa: ANN001
    client, h = api
    client.post("/v1/incidents", json=INCIDENT, headers=h["system"])
    ticket_id = client.post("/v1/tickets", json=CLAIMED, headers=h["system"]).json()["id"]
    url = f"/v1/tickets/{ticket_id}/confirm-facts"
    unknown = client.post("/v1/tickets/999/confirm-facts", json={"order_amount": 86}, headers=h["system"])
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    for body, field in (
        ({"colour": "red"}, "colour"),
        ({"order_amount": -5}, "order_amount"),
        ({"delay_minutes": None}, "delay_minutes"),
        ({"claimed": {}}, "claimed"),
        ({}, ""),
    ):
        answer = client.post(url, json=body, headers=h["system"])
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid", (body, answer.text)
        assert answer.json()["error"]["details"][0]["field"] == field, (body, answer.json())
    assert client.post(url, json={"order_amount": 86}, headers=h["reader"]).status_code == 403
    # Nothing was changed by the refused requests; a person's value may differ from the claim.
    partly = client.post(url, json={"order_amount": 80}, headers=h["system"]).json()["facts"]
    assert partly["order_amount"] == 80 and partly["claimed"] == {"delay_minutes": 45} and partly["delay_minutes"] is None


def test_checked_in_openapi_document_is_current() -> None:
    from drafting.api.openapi_doc import DEFAULT, render

    assert DEFAULT.read_text(encoding="utf-8") == render(), "run: python -m drafting.api.openapi_doc"


def test_batch_job_over_http(api) -> None:  # noqa: ANN001
    import time as _time

    client, h = api
    client.post("/v1/incidents", json=INCIDENT, headers=h["system"])
    bulk = [{**TICKET, "id": f"B-{n}", "facts": {**TICKET["facts"], "delay_minutes": 31 + n}} for n in range(5)]
    assert len(client.post("/v1/tickets/bulk", json={"tickets": bulk}, headers=h["system"]).json()) == 5
    job = client.post(f"/v1/incidents/{INCIDENT['id']}/jobs", headers=h["system"])
    assert job.status_code == 202 and job.json()["total"] == 5
    for _ in range(100):
        state = client.get(f"/v1/jobs/{job.json()['id']}", headers=h["reader"]).json()
        if state["status"] == "done":
            break
        _time.sleep(0.1)
    assert state["done"] == 5 and state["failed"] == 0
    again = client.post(f"/v1/incidents/{INCIDENT['id']}/jobs", headers=h["system"]).json()
    assert again["total"] == 0 and again["status"] == "done"  # tickets with a draft are not drafted twice


def test_rate_limit_per_key(database_url: str) -> None:
    from drafting.api.app import RateLimiter

    limiter = RateLimiter(rate=1.0, burst=2)
    assert limiter.allow("k", now=0.0) == 0 and limiter.allow("k", now=0.0) == 0
    assert limiter.allow("k", now=0.0) > 0 and limiter.allow("other", now=0.0) == 0
    assert limiter.allow("k", now=1.5) == 0
    flow = Workflow(db.session_factory(database_url), ToneChecker())
    book = PolicyBook.load(None)
    client = TestClient(create_app(flow, Composer(book), ToneChecker(), book, limiter=RateLimiter(rate=0.01, burst=2)))
    headers = {"Authorization": f"Bearer {create_api_key(flow, 'busy', ['drafts:read'])}"}
    codes = [client.get("/v1/drafts", headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = client.get("/v1/drafts", headers=headers).json()
    assert limited["error"]["code"] == "rate_limited" and "retry in" in limited["error"]["message"]


def test_a_revoked_key_is_refused_once_its_cached_lookup_expires(database_url: str) -> None:
    from drafting.workflow.api_keys import list_api_keys, revoke_api_key

    flow = Workflow(db.session_factory(database_url), ToneChecker())
    book = PolicyBook.load(None)
    key = create_api_key(flow, "old-integration", ["drafts:read"])
    headers = {"X-API-Key": key}
    cached = TestClient(create_app(flow, Composer(book), ToneChecker(), book, key_cache_seconds=3600))
    uncached = TestClient(create_app(flow, Composer(book), ToneChecker(), book, key_cache_seconds=0))
    assert cached.get("/v1/drafts", headers=headers).status_code == 200
    [listed] = list_api_keys(flow)
    revoke_api_key(flow, listed["id"], actor="lead")
    assert list_api_keys(flow)[0]["revoked_at"] is not None
    assert cached.get("/v1/drafts", headers=headers).status_code == 200  # trusted until the cache entry expires
    refused = uncached.get("/v1/drafts", headers=headers)
    assert refused.status_code == 401 and refused.json()["error"]["message"] == "unknown or revoked API key"
    with pytest.raises(Exception, match="no API key 999"):
        revoke_api_key(flow, 999, actor="lead")


BIG_IDS = [2**31, 2**63, 2**64 + 1, 10**40]  # past PostgreSQL's INTEGER, SQLite's, and any


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/drafts/{id}", None),
        ("PATCH", "/v1/drafts/{id}", {"text": "x", "version": 1}),
        ("POST", "/v1/drafts/{id}/approve", {"version": 1}),
        ("POST", "/v1/drafts/{id}/reject", {"version": 1, "reason": "no"}),
        ("POST", "/v1/drafts/{id}/sent", {"version": 1}),
        ("POST", "/v1/tickets/{id}/draft", None),
        ("POST", "/v1/tickets/{id}/confirm-facts", {"order_amount": 86}),
        ("GET", "/v1/jobs/{id}", None),
    ],
)
def test_ids_out_of_range_are_invalid_not_a_server_error(api, method: str, path: str, body: dict | None) -> None:  # noqa: ANN001
    client, h = api
    headers = h["lead"] if "drafts/" in path and method != "GET" else h["system"]  # the right scope: 403 would hide it
    for big in BIG_IDS:
        answer = client.request(method, path.format(id=big), json=body, headers=headers)
        assert answer.status_code == 422, (big, answer.text)
        assert answer.json()["error"]["code"] == "invalid" and answer.json()["error"]["details"][0]["field"].endswith("_id")
    # In range but unknown: still 404; a version beyond 64 bits in a body: 422 too.
    assert client.get(f"/v1/drafts/{2**31 - 1}", headers=h["reader"]).status_code == 404
    huge_version = client.post("/v1/drafts/1/approve", json={"version": 2**64}, headers=h["lead"])
    assert huge_version.status_code == 422 and huge_version.json()["error"]["details"][0]["field"] == "version"


def test_a_chunked_body_over_the_limit_is_refused_while_it_streams(database_url: str) -> None:
    flow = Workflow(db.session_factory(database_url), ToneChecker())
    book = PolicyBook.load(None)
    key = create_api_key(flow, "ticket-system", ["tickets:write"])
    sent = 0

    def chunks():  # no Content-Length: only counting the streamed bytes can stop it
        nonlocal sent
        for _ in range(50):  # 50 MB if nothing stopped it
            sent += 1
            yield b" " * (1024 * 1024)

    with TestClient(create_app(flow, Composer(book), ToneChecker(), book)) as client:
        answer = client.post("/v1/tickets/bulk", content=chunks(), headers={"X-API-Key": key, "Content-Type": "application/json"})
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "too_large"
    with flow.sessions() as session:
        assert session.query(db.TicketRow).count() == 0


def test_api_keys_are_taken_from_headers_not_urls(api) -> None:  # noqa: ANN001
    client, h = api
    key = h["reader"]["Authorization"][7:]
    in_url = client.get(f"/v1/drafts?key={key}")
    assert in_url.status_code == 401 and "Authorization: Bearer" in in_url.json()["error"]["message"]
    assert client.get("/v1/drafts", headers={"X-API-Key": key}).status_code == 200

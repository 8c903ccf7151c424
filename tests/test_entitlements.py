"""What a ticket is entitled to is one rule (drafting.domain.entitlements), and every door asks it: the
drafters, the API's and the CLI's commitment checks and `tactful policy remedies`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from drafting import services
from drafting.api.app import create_app
from drafting.cli.main import app as cli
from drafting.domain.entitlements import counted_facts, entitlements
from drafting.domain.models import Incident, Ticket
from drafting.drafters.composer import Composer
from drafting.guards.tone import ToneChecker
from drafting.workflow import db
from drafting.workflow.api_keys import create_api_key
from drafting.workflow.core import Workflow
from knowledge.policy import PolicyBook, Remedy, TicketFacts

ROOT = Path(__file__).resolve().parent.parent
INCIDENT_FILE = ROOT / "drafting/samples/delivery-growth.incident.yaml"
INCIDENT = Incident.model_validate(yaml.safe_load(INCIDENT_FILE.read_text(encoding="utf-8")))
BOOK = PolicyBook.load(None)
LATE = TicketFacts(issue_type="late_delivery", delay_minutes=45, order_amount=Decimal(86))


def rules(remedies: list[Remedy]) -> set[tuple[str | None, str]]:
    return {(r.rule_id, r.type) for r in remedies}


def test_a_declared_incident_brings_incident_time_rules_and_its_decisions() -> None:
    coupon = Remedy(type="coupon", amount=Decimal(20), currency="CNY", valid_days=30, rule_id="INC-1")
    declared = INCIDENT.model_copy(update={"declared": True, "decisions": [coupon]})
    quiet = INCIDENT.model_copy(update={"declared": False, "decisions": []})
    assert ("RT-2", "response_time") in rules(entitlements(BOOK, LATE, declared))
    assert ("INC-1", "coupon") in rules(entitlements(BOOK, LATE, declared))
    assert ("RT-2", "response_time") not in rules(entitlements(BOOK, LATE, quiet))
    assert entitlements(BOOK, LATE) == BOOK.remedies_for(LATE)  # no incident: the book alone


def test_a_decision_for_some_issue_types_goes_only_to_their_tickets() -> None:
    """ "The members removed from the group get a coupon": a decision for some of those the incident affected
    is owed to them, and a promise of it to anyone else is unbacked."""
    coupon = Remedy(type="coupon", amount=Decimal(45), currency="CNY", valid_days=30, rule_id="PG-1", for_issue_types=("staff_attitude",))
    incident = INCIDENT.model_copy(update={"decisions": [coupon]})
    removed = TicketFacts(issue_type="staff_attitude")
    assert ("PG-1", "coupon") in rules(entitlements(BOOK, removed, incident))
    assert ("PG-1", "coupon") not in rules(entitlements(BOOK, LATE, incident))
    ticket = Ticket(id="T-9", incident_id=incident.id, messages=["late again"], facts=LATE)
    draft = Composer(BOOK).draft_reply(incident, ticket, "en")
    assert "45-yuan" not in draft.text and all(c.backed for c in draft.commitments)


def test_a_claim_never_raises_what_a_ticket_is_entitled_to() -> None:
    claimed = TicketFacts(issue_type="late_delivery", claimed={"delay_minutes": 90})
    assert ("LD-2", "refund") not in rules(entitlements(BOOK, claimed, INCIDENT))
    # Facts built without validation (a claim left in its fact field too) count the same way.
    unchecked = TicketFacts.model_construct(issue_type="late_delivery", delay_minutes=90, claimed={"delay_minutes": 90}, during_incident=False)
    assert counted_facts(unchecked).delay_minutes is None
    assert entitlements(BOOK, unchecked, INCIDENT) == entitlements(BOOK, claimed, INCIDENT)


def test_the_composer_drafts_against_the_same_entitlements() -> None:
    ticket = Ticket(id="T-1", incident_id=INCIDENT.id, messages=["late"], facts=LATE)
    assert Composer(BOOK).entitlements(INCIDENT, ticket) == entitlements(BOOK, LATE, INCIDENT)
    assert Composer(BOOK).draft_reply(INCIDENT, ticket).remedies == entitlements(BOOK, LATE, INCIDENT)


# ── the API's and the CLI's commitment checks ─────────────────────────────────────────────────────────

# Backed only during the declared incident (RT-2); a full refund only for a delay that is a fact (LD-2).
FAST = "Our 24-hour line answers within 5 minutes."
REFUND = "We will refund your order in full within 3 days."


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    flow = Workflow(db.session_factory(f"sqlite:///{tmp_path / 'tactful.db'}"), ToneChecker())
    flow.save_incident(INCIDENT, actor="lead")
    key = create_api_key(flow, "checker", ["drafts:read"])
    with TestClient(create_app(flow, Composer(BOOK), ToneChecker(), BOOK)) as client:
        yield client, {"Authorization": f"Bearer {key}"}


def api_check(api: tuple[TestClient, dict[str, str]], text: str, facts: TicketFacts, incident: bool) -> list[str]:
    client, headers = api
    body = {"text": text, "facts": facts.model_dump(mode="json"), **({"incident_id": INCIDENT.id} if incident else {})}
    return [c["status"] for c in client.post("/v1/commitments/check", json=body, headers=headers).json()["commitments"]]


def cli_check(tmp_path: Path, text: str, facts: TicketFacts, incident: bool, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("TACTFUL_DATA_DIR", str(tmp_path / "data"))
    services.default_settings.cache_clear()
    ticket = tmp_path / "ticket.json"
    ticket.write_text(Ticket(id="T-1", messages=["late"], facts=facts).model_dump_json(), encoding="utf-8")
    args = ["commitments", "check", "--ticket", str(ticket), "--text", text, *(["--incident", str(INCIDENT_FILE)] if incident else [])]
    result = CliRunner().invoke(cli, args)
    services.default_settings.cache_clear()
    return [c["status"] for c in json.loads(result.stdout)["commitments"]]


@pytest.mark.parametrize(
    ("text", "facts", "incident", "status"),
    [
        (FAST, LATE, True, "backed"),
        (FAST, LATE, False, "exceeds"),
        (REFUND, LATE, True, "backed"),
        (REFUND, TicketFacts(issue_type="late_delivery", claimed={"delay_minutes": 45}), True, "unbacked"),
    ],
)
def test_the_api_and_the_cli_check_promises_against_the_same_entitlements(
    api: tuple[TestClient, dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    facts: TicketFacts,
    incident: bool,
    status: str,
) -> None:
    over_http = api_check(api, text, facts, incident)
    over_cli = cli_check(tmp_path, text, facts, incident, monkeypatch)
    assert over_http == over_cli and status in over_http


def test_policy_remedies_lists_the_entitlements() -> None:
    result = CliRunner().invoke(cli, ["policy", "remedies", LATE.model_dump_json(), "--json"])
    assert result.exit_code == 0, result.output
    listed = [Remedy.model_validate(r) for r in json.loads(result.stdout)]
    assert listed == entitlements(BOOK, LATE)


@pytest.mark.parametrize(
    "message",
    [
        "I'm not in that group and I didn't buy the jacket. Is the person who wrote that still answering customers?",
        "我没买过这个卡，群里吵了两天了，想问下普通用户的运费以后也要涨吗？",
    ],
)
def test_a_bystander_without_an_order_is_owed_an_answer_not_a_refund(message: str) -> None:
    from drafting.domain.entitlements import owed

    refund = Remedy(type="refund", scope="full", rule_id="INC-1")
    incident = INCIDENT.model_copy(update={"decisions": [refund]})
    bystander = Ticket(id="B-1", customer="Kevin", messages=[message], facts=TicketFacts(issue_type="other"))
    assert "refund" in {r.type for r in entitlements(BOOK, bystander.facts, incident)}  # the facts alone would grant it
    assert not {r.type for r in owed(BOOK, bystander, incident)} - {"response_time"}
    customer = bystander.model_copy(update={"order_id": "LT-1"})  # an order on the ticket: affected, whatever they say
    assert "refund" in {r.type for r in owed(BOOK, customer, incident)}
    draft = Composer(BOOK).draft_reply(incident, bystander)
    assert not [c for c in draft.commitments if c.type in ("refund", "coupon", "free_order")], draft.text

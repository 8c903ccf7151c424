"""What a customer says about their own order is a claim, not a fact: a radar ticket's stated amount and
delay raise nothing it is entitled to until a person confirms them (Workflow.confirm_facts)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from drafting.domain.models import Incident, Ticket
from drafting.drafters.composer import Composer
from drafting.guards.tone import ToneChecker
from drafting.radar.analysis import analyse, tickets
from drafting.radar.chat_import import parse_chat
from drafting.workflow import db
from drafting.workflow.core import Conflict, NotFound, Workflow, WorkflowError
from knowledge.policy import PolicyBook, TicketFacts

ROOT = Path(__file__).resolve().parent.parent
INCIDENT = Incident.model_validate(yaml.safe_load((ROOT / "drafting/samples/delivery-growth.incident.yaml").read_text(encoding="utf-8")))
COMPOSER = Composer(PolicyBook.load(None))
START = datetime(2026, 11, 12, 12, 0)
REFUND = "非常抱歉，我们会为您全额退款5000元。"  # what an agent (or a model) might write from her claim


@pytest.fixture(scope="module")
def claimed_ticket() -> Ticket:
    """A member who says, in the group chat, that her 5000-yuan order came two hours late."""
    rows = [(0, "王女士", "等了两个小时了！！订单LT20261112-0457"), (20, "王女士", "订单5000元，必须全额退款！")]
    text = "\n".join(f"{sender} {(START + timedelta(seconds=s)):%Y-%m-%d %H:%M:%S}\n{body}\n" for s, sender, body in rows)
    radar = analyse(parse_chat(text.encode(), name="chat.txt", staff=[]), ToneChecker())
    (ticket,) = tickets(radar, INCIDENT.id, source_name="wechat")
    return ticket


@pytest.fixture
def flow(database_url: str) -> Workflow:
    workflow = Workflow(db.session_factory(database_url), ToneChecker())
    workflow.save_incident(INCIDENT, actor="lead")
    return workflow


def refund_promise(flow: Workflow, draft_id: int) -> str:
    view = flow.get(draft_id)
    edited = flow.edit(draft_id, REFUND, view.version, actor="agent")
    (refund,) = [c for c in edited.draft.commitments if c.type == "refund"]
    return refund.status


def test_the_radar_keeps_what_a_member_states_as_claims(claimed_ticket: Ticket) -> None:
    facts = claimed_ticket.facts
    assert facts.issue_type == "late_delivery" and claimed_ticket.order_id == "LT20261112-0457"
    assert facts.claimed == {"delay_minutes": 120, "order_amount": Decimal(5000)}
    assert (facts.delay_minutes, facts.order_amount) == (None, None)


def test_a_claimed_delay_and_amount_raise_no_entitlement(claimed_ticket: Ticket) -> None:
    remedies = COMPOSER.entitlements(INCIDENT, claimed_ticket)
    assert not any(r.type == "refund" for r in remedies)  # LD-2's full refund needs a delay over 30 minutes
    draft = COMPOSER.draft_reply(INCIDENT, claimed_ticket)
    assert "5000" not in draft.text
    confirmed = claimed_ticket.model_copy(update={"facts": TicketFacts(issue_type="late_delivery", delay_minutes=120, order_amount=Decimal(5000))})
    assert any(r.type == "refund" and r.scope == "full" for r in COMPOSER.entitlements(INCIDENT, confirmed))


def test_a_claimed_5000_yuan_order_backs_no_5000_yuan_refund_until_confirmed(flow: Workflow, claimed_ticket: Ticket) -> None:
    row_id, _ = flow.add_ticket(claimed_ticket, actor="radar", source="chat-import")
    draft_id = flow.record_draft(COMPOSER.draft_reply(INCIDENT, claimed_ticket), actor="composer", ticket_row_id=row_id).id
    assert refund_promise(flow, draft_id) == "unbacked"

    # The delay alone, confirmed: a full refund is now due, but of an order whose amount nobody confirmed.
    flow.confirm_facts(row_id, "mei", delay_minutes=120)
    redraft = flow.record_draft(COMPOSER.draft_reply(INCIDENT, flow.ticket(row_id)), actor="composer", ticket_row_id=row_id).id
    assert refund_promise(flow, redraft) == "unbacked"
    assert flow.ticket(row_id).facts.claimed == {"order_amount": Decimal(5000)}

    ticket = flow.confirm_facts(row_id, "mei", order_amount=Decimal(5000))
    assert ticket.facts.claimed == {} and ticket.facts.order_amount == Decimal(5000)
    assert refund_promise(flow, redraft) == "backed"
    trail = [e for e in flow.audit_trail("ticket", str(row_id)) if e["action"] == "ticket.confirm_facts"]
    assert [(e["actor"], e["detail"]["facts"]) for e in trail] == [
        ("mei", {"delay_minutes": {"claimed": 120, "confirmed": 120}}),
        ("mei", {"order_amount": {"claimed": "5000", "confirmed": "5000"}}),
    ]


def test_the_confirmed_value_is_the_persons_not_the_claim(flow: Workflow, claimed_ticket: Ticket) -> None:
    row_id, _ = flow.add_ticket(claimed_ticket, actor="radar", source="chat-import")
    ticket = flow.confirm_facts(row_id, "mei", order_amount=Decimal("86.50"), delay_minutes=45)
    assert (ticket.facts.order_amount, ticket.facts.delay_minutes, ticket.facts.claimed) == (Decimal("86.50"), 45, {})
    draft = flow.record_draft(COMPOSER.draft_reply(INCIDENT, flow.ticket(row_id)), actor="composer", ticket_row_id=row_id)
    assert refund_promise(flow, draft.id) == "exceeds"  # 5000 is more than the 86.50 order


def test_confirming_is_a_compare_and_set(flow: Workflow, claimed_ticket: Ticket) -> None:
    row_id, _ = flow.add_ticket(claimed_ticket, actor="radar", source="chat-import")
    flow.confirm_facts(row_id, "mei", order_amount=Decimal(4800))
    assert flow.confirm_facts(row_id, "sam", order_amount=Decimal(4800)).facts.order_amount == Decimal(4800)  # same: harmless
    with pytest.raises(Conflict, match="not a claim"):
        flow.confirm_facts(row_id, "sam", order_amount=Decimal(5000))  # sam confirmed what he saw as a claim
    assert flow.ticket(row_id).facts.order_amount == Decimal(4800)
    with pytest.raises(WorkflowError, match="cannot confirm claimed"):
        flow.confirm_facts(row_id, "sam", claimed={})
    with pytest.raises(WorkflowError, match="delay_minutes"):
        flow.confirm_facts(row_id, "sam", delay_minutes=-5)
    with pytest.raises(WorkflowError, match="name the facts"):
        flow.confirm_facts(row_id, "sam")
    with pytest.raises(NotFound):
        flow.confirm_facts(9999, "sam", delay_minutes=5)
    assert flow.ticket(row_id).facts.claimed == {"delay_minutes": 120}  # nothing half-applied


def test_claims_are_checked_like_facts_and_never_both() -> None:
    assert TicketFacts(issue_type="other", order_amount=Decimal(30), claimed=["order_amount"]).claimed == {"order_amount": Decimal(30)}
    with pytest.raises(ValidationError, match="both as a fact and as a claim"):
        TicketFacts(issue_type="other", order_amount=Decimal(30), claimed={"order_amount": 40})
    with pytest.raises(ValidationError, match="claimed order_amount"):
        TicketFacts(issue_type="other", claimed={"order_amount": -1})
    with pytest.raises(ValidationError, match="cannot be claimed"):
        TicketFacts(issue_type="other", claimed={"issue_type": "late_delivery"})
    assert TicketFacts(issue_type="other").claimed == {}  # tickets from a ticket system: facts, as before

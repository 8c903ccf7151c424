"""Sample records several test files share: the sample incident and a Chatwoot webhook event."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from drafting.domain.models import Incident, Ticket
from knowledge.policy import TicketFacts

SAMPLES = Path(__file__).resolve().parent.parent / "drafting" / "samples"
INCIDENT = Incident.model_validate(yaml.safe_load((SAMPLES / "delivery-growth.incident.yaml").read_text(encoding="utf-8")))


def chatwoot_event(**changes: Any) -> dict[str, Any]:
    """A `message_created` event as Chatwoot sends it for a customer's message (fields changed by `changes`)."""
    return {
        "event": "message_created",
        "id": 11,
        "content": "我的订单晚了一个小时！",
        "message_type": "incoming",
        "created_at": "2026-11-12 13:05:57 UTC",
        "conversation": {"id": 567, "status": "open"},
        "sender": {"id": 89, "name": "王女士", "type": "contact"},
        "account": {"id": 1, "name": "Lanting"},
        **changes,
    }


def alex(message: str = "My dinner was 45 minutes late.") -> Ticket:
    """An English customer whose 86-yuan order was 45 minutes late (the sample incident's typical case)."""
    return Ticket(
        id="T-2",
        customer="Alex",
        order_id="LT1",
        messages=[message],
        facts=TicketFacts(issue_type="late_delivery", delay_minutes=45, order_amount=Decimal(86)),
    )


CHAT_START = datetime(2026, 11, 12, 12, 0)


def wechat_copy(rows: list[tuple[int, str, str]], start: datetime = CHAT_START) -> bytes:
    """(seconds from `start`, sender, text) -> a group chat as WeChat desktop copies it, with full dates."""
    lines = []
    for seconds, sender, text in rows:
        lines += [f"{sender} {(start + timedelta(seconds=seconds)):%Y-%m-%d %H:%M:%S}", text, ""]
    return "\n".join(lines).encode()

"""Radar tickets carry the time the customer wrote, read from each export format: WhatsApp's "Export chat"
text (day-first, US month-first with AM/PM, iPhone brackets) and Slack's channel JSON."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from drafting.guards.tone import ToneChecker
from drafting.radar.analysis import analyse, tickets
from drafting.radar.chat_import import parse_chat


@pytest.mark.parametrize(
    "export",
    [
        "12/11/2026, 13:05 - Alex: my lid is cracked and it leaks!!\n12/11/2026, 13:06 - Alex: <Media omitted>\n13/11/2026, 09:00 - Bea: hi all\n",
        "[12/11/2026, 13:05:00] Alex: my lid is cracked and it leaks!!\n[12/11/2026, 13:06:00] Alex: <Media omitted>\n",
        "11/12/26, 1:05 PM - Alex: my lid is cracked and it leaks!!\n11/12/26, 1:06 PM - Alex: <Media omitted>\n",
    ],
)
def test_whatsapp_exports_give_each_message_its_time(export: str) -> None:
    log = parse_chat(export.encode(), name="WhatsApp Chat with Lids.txt")
    alex = [m for m in log.messages if m.sender == "Alex"]
    assert log.format == "whatsapp" and not log.problems
    assert [m.time for m in alex] == [datetime(2026, 11, 12, 13, 5), datetime(2026, 11, 12, 13, 6)]
    assert [m.kind for m in alex] == ["text", "media"]
    (ticket,) = tickets(analyse(log, ToneChecker()), None, imported_at=datetime(2030, 1, 1))
    assert ticket.written_at == datetime(2026, 11, 12, 13, 5) and ticket.written_at_note is None
    assert ticket.facts.issue_type == "defective"


def test_whatsapp_multi_line_messages_and_notices() -> None:
    export = "12/11/2026, 13:00 - Alex joined using this group's invite link\n12/11/2026, 13:05 - Alex: first line\nsecond line\n"
    log = parse_chat(export.encode(), name="chat.txt")
    assert [(m.role, m.text) for m in log.messages] == [
        ("system", "Alex joined using this group's invite link"),
        ("member", "first line\nsecond line"),
    ]


def test_slack_channel_json_reads_names_times_and_joins() -> None:
    rows = [
        {"type": "message", "subtype": "channel_join", "user": "U1", "text": "<@U1> has joined the channel", "ts": "1763000000.000100"},
        {"type": "message", "user": "U1", "text": "my lid is cracked!!", "ts": "1763000060.000200", "user_profile": {"real_name": "Alex Kim"}},
    ]
    log = parse_chat(json.dumps(rows).encode(), name="2026-11-12.json")
    assert [m.role for m in log.messages] == ["system", "member"] and log.messages[1].sender == "Alex Kim"
    assert log.messages[1].time == datetime.fromtimestamp(1763000060.0002) and not log.problems

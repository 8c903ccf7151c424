"""The blind reader's packet and the summary of their scores (evals/reader.py)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from evals.reader import DIMENSIONS, main, packet, summary

ROOT = Path(__file__).resolve().parent.parent


def test_the_packet_shows_every_ticket_its_customer_words_reply_and_the_statements() -> None:
    text = packet([ROOT / "drafting" / "samples"])
    tickets = [json.loads(line) for line in (ROOT / "drafting/samples/delivery-growth.tickets.jsonl").read_text(encoding="utf-8").splitlines()]
    for ticket in tickets:
        assert f"### Ticket {ticket['id']}" in text and f"> {ticket['messages'][0]}" in text
    assert text.count("Reply drafted:") == len(tickets) and "(no draft)" not in text
    assert "### Statement 2026-11-delivery-delays/0-24h/zh" in text and "### Statement 2026-11-delivery-delays/0-24h/en" in text
    # the reader judges remedies against the record: the rules the incident invokes and who was affected are in it
    incident = yaml.safe_load((ROOT / "drafting/samples/delivery-growth.incident.yaml").read_text(encoding="utf-8"))
    assert incident["rules"] and all(f"- policy rule ({rule_id}" in text for rule_id in incident["rules"]), incident["rules"]
    assert "- who was affected:" in text


def test_the_summary_averages_each_dimension_per_language(tmp_path: Path) -> None:
    scores = tmp_path / "scores.jsonl"
    rows = [
        {"ticket": "A", "lang": "zh", **dict.fromkeys(DIMENSIONS, 2), "worst": "x"},
        {"ticket": "B", "lang": "zh", **dict.fromkeys(DIMENSIONS, 4), "worst": "y"},
        {"ticket": "C", "lang": "en", **dict.fromkeys(DIMENSIONS, 5), "worst": "z"},
        {"statement": "i/0-24h/zh", "overall": 3, "why": "ok"},
    ]
    scores.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    result = summary(scores)
    assert result["zh"]["answers"] == 3.0 and result["en"]["person"] == 5.0
    assert result["replies_mean"] == round((2 + 4 + 5) / 3, 2) and result["statements_mean"] == 3.0
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n", encoding="utf-8")
    assert main(["summary", str(broken)]) == 2  # said plainly, not a traceback

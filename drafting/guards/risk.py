"""Why a ticket deserves a closer look: instructions aimed at the model, an angry customer, a VIP, an
escalation (health or injury, legal action or a regulator, the media). The review queue sorts by these, and
the workflow asks for a second approver when any is present."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from drafting.domain.asks import read_asks
from drafting.domain.models import Ticket
from drafting.guards.injection import injection_signs, injection_warning
from drafting.text.data import load_yaml
from drafting.text.phrasebook import fold

ANGER_THRESHOLD = 2
_CAPS = re.compile(r"\b[A-Z]{4,}\b")


@dataclass(frozen=True)
class Risk:
    kind: str  # injection | anger | vip | escalation
    reason: str  # in plain English, for reviewers


@lru_cache(maxsize=1)
def _anger() -> list[re.Pattern[str]]:
    data = load_yaml("drafting.guards.lexicon", "anger.yaml")
    return [re.compile(p, re.IGNORECASE) for p in data["patterns"]]


def anger_signs(text: str) -> int:
    folded = fold(text)
    return sum(len(p.findall(folded)) for p in _anger()) + len(_CAPS.findall(text))


def ticket_risks(ticket: Ticket) -> list[Risk]:
    risks = []
    signs = injection_signs(ticket.messages)
    if signs:
        risks.append(Risk("injection", injection_warning(signs[0])))
    anger = sum(anger_signs(m) for m in ticket.messages)
    if anger >= ANGER_THRESHOLD:
        risks.append(Risk("anger", f"angry customer ({anger} signs: threats to complain or go public, insults, shouting)"))
    if ticket.facts.membership_tier in ("gold", "platinum"):
        risks.append(Risk("vip", f"{ticket.facts.membership_tier} member"))
    escalation = escalation_reason(ticket)
    if escalation:
        risks.append(Risk("escalation", escalation))
    return risks


_ESCALATIONS = {
    "escalation_health": "health or injury",
    "escalation_legal": "legal action or a regulator",
    "escalation_media": "the media or a public post",
}


def escalation_reason(ticket: Ticket) -> str:
    """Why a person must answer this ticket (the reply hands it to a named role), or "" when nothing
    escalates: the customer's own words, each with what it escalates to."""
    found = [ask for ask in read_asks(ticket.messages, ticket.lang).asks if ask.type in _ESCALATIONS]
    if not found:
        return ""
    phrases: dict[str, list[str]] = {}
    for ask in found:
        phrases.setdefault(ask.type, []).append(f"“{ask.phrase}”")
    heard = "; ".join(f"{_ESCALATIONS[kind]} ({', '.join(said)})" for kind, said in phrases.items())
    return f"escalation: {heard} — a named person calls the customer"

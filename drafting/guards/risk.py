"""Why a ticket deserves a closer look: instructions aimed at the model, an angry customer, a VIP. The
review queue sorts by these, and the workflow asks for a second approver when any is present."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from drafting.domain.models import Ticket
from drafting.guards.injection import injection_signs, injection_warning
from drafting.text.data import load_yaml
from drafting.text.phrasebook import fold

ANGER_THRESHOLD = 2
_CAPS = re.compile(r"\b[A-Z]{4,}\b")


@dataclass(frozen=True)
class Risk:
    kind: str  # injection | anger | vip
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
    return risks

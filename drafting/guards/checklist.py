"""The playbook checklist: does a draft contain what a good crisis reply contains (PLAYBOOK, "What a good
response contains")? Read from the text itself, so it works for composer, LLM and hand-edited drafts."""

from __future__ import annotations

import re

from drafting.domain.models import Draft, Incident, Ticket
from drafting.guards.tone import ToneChecker, default_checker
from drafting.text import units

REPLY_ELEMENTS = ("acknowledge", "apology", "cause", "action", "remedies", "channel", "next_update")
STATEMENT_ELEMENTS = ("acknowledge", "apology", "action", "channel", "next_update")
_CAUSE = re.compile(r"原因|因为|由于|导致|because|cause|why|the reason|happened", re.IGNORECASE)
_DIGITS = re.compile(r"\d[\d-]{5,}")
_REFUND_WORD = re.compile(r"退款|退还|refund", re.IGNORECASE)


def checklist(draft: Draft, incident: Incident, ticket: Ticket | None = None, tone: ToneChecker | None = None) -> dict[str, bool]:
    """Element → present. An element that does not apply (no cause recorded, no next update set, nothing
    owed) counts as present."""
    text = draft.text
    cues = (tone or default_checker()).cues(text)
    facts_named = True
    if ticket is not None and ticket.facts.delay_minutes:
        # "45 minutes late", "nine days late": their facts, not a generic "delay"
        minutes = ticket.facts.delay_minutes
        facts_named = str(minutes) in text or units.duration(minutes, draft.lang) in text
    what = incident.what_happened.pick(draft.lang)
    checks = {
        "acknowledge": facts_named and (ticket is not None or bool(what) and any(word in text for word in re.findall(r"\w{4,}", what)[:12])),
        "apology": bool(cues["apology"] or cues["ownership"]),
        "cause": not incident.cause or bool(_CAUSE.search(text)),
        "action": not incident.actions
        or bool(cues["action"])
        or any(a.what.pick(draft.lang)[:6].lower() in text.lower() for a in incident.actions),  # a listed action may start capitalised
        "remedies": _remedies_stated(draft),
        "channel": bool(cues["channel"]) or _names_channel(text, incident.channel.pick(draft.lang)),
        "next_update": incident.next_update is None or bool(cues["time"]),
    }
    wanted = REPLY_ELEMENTS if draft.kind == "reply" else STATEMENT_ELEMENTS
    return {name: checks[name] for name in wanted}


def _remedies_stated(draft: Draft) -> bool:
    """Every money remedy owed is promised somewhere in the text (statements: checked by the guard only)."""
    if draft.kind != "reply":
        return True
    money = ("refund", "coupon", "free_order", "membership_extension")
    # Alternatives the customer chooses between: offering them counts once; a pro-rated refund has no figure
    # to extract, so its alternative (or any refund wording) stands for the choice.
    owed = {r.type for r in draft.remedies if r.type in money and not r.choice}
    said = {c.type for c in draft.commitments if c.backed}
    choices = {r.choice for r in draft.remedies if r.choice}
    for choice in choices:
        options = {r.type for r in draft.remedies if r.choice == choice}
        offered = bool(options & said) or ("refund" in options and bool(_REFUND_WORD.search(draft.text)))
        if not offered:
            owed |= options
    if "free_order" in owed and "refund" in said:
        said.add("free_order")
    if "refund" in owed and "free_order" in said:
        said.add("refund")
    return owed <= said


def _names_channel(text: str, channel: str) -> bool:
    """The incident's channel is in the text: its phone number, or its name (the first words of it)."""
    if any(number in text for number in _DIGITS.findall(channel)):
        return True
    name = channel.strip().strip('"“”')[:8]
    return bool(name) and name in text

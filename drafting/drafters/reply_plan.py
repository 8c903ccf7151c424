"""Reply planning: how a reply answers each thing the customer asked (drafting.domain.asks), before a word is
written.

Every ask gets one of three answers, recorded on the ask:

- granted: the ticket's entitlements back it (a refund ask when a refund or a free order is owed; a request
  for compensation, with no sum named, when any money remedy is owed; a refund, cancellation or replacement
  an incident's custom decision names in its own words). The remedy sentence, or the decision, says it.
- declined: policy gives something else. A sum or a multiple of the price the policy book does not give
  ("退一赔十", "pay me 500"), or a refund when the owed remedies hold none: one honest sentence with the reason,
  followed by what the policy does give.
- handed_over: a person must act (a call, an apology from someone named, an explanation the record cannot
  give, a cancellation, a replacement, an escalation, or a refund or compensation nothing owed can answer
  yet). The reply names a role from the incident record and the incident's next update as the time — never a
  figure of its own, and never the channel's response time (how fast the line answers is not how fast a
  named person takes a case over).

An explanation ("why", "是不是故意的") is granted when the record holds a cause, and a question about progress
when an action of the record answers it: both are said from the record, now, instead of promised later.

A customer who was hurt makes a claim, not a request: a sum or multiple they name ("who pays the hospital bill",
退一赔十 for a child in hospital) is handed to a person, never declined by the book. One who only threatens legal
steps hears the sum declined plainly, what the policy gives, and that taking it further is their right.

Escalations (health, legal or regulator, media) are always handed over: a person calls, and the workflow asks
for a second approver (drafting.guards.risk).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from drafting.domain.models import Ask, Incident
from drafting.guards import commitments as commitment_guard
from drafting.guards.ask_coverage import decided_topics, pays
from knowledge.policy import Remedy

ESCALATIONS = ("escalation_health", "escalation_legal", "escalation_media")
# Remedies that answer "give me my money back": a refund, or the whole order free.
_REFUND_LIKE = frozenset({"refund", "free_order"})
# Remedies that answer "compensate me" when no sum is named.
_MONEY = frozenset({"refund", "free_order", "coupon", "membership_extension"})
# Escalations that make money asked for a claim a person assesses: an injury (medical costs are real and the
# person who calls assesses them). A lawyer or a regulator named beside "退一赔十" or "$200" does not: the sum is
# declined plainly, with what the policy gives, and the complaint handed over — two blind readers (seventh and
# ninth) read "neither promised nor refused" as hinting at money no rule pays.
_CLAIMS = frozenset({"escalation_health"})
# Asks the incident record can answer by itself: why it happened (the cause), where things stand (an action).
_FROM_RECORD = frozenset({"explanation", "status"})


@dataclass
class ReplyPlan:
    asks: list[Ask] = field(default_factory=list)  # every ask, with its answer
    granted: set[str] = field(default_factory=set)  # ask types granted (refund, compensation)
    declined: list[Ask] = field(default_factory=list)
    handed_over: list[Ask] = field(default_factory=list)

    @property
    def escalations(self) -> list[str]:
        return [ask.type for ask in self.handed_over if ask.type in ESCALATIONS]


def decided(remedies: list[Remedy]) -> frozenset[str]:
    """The asks the custom decisions among `remedies` grant in their own words (a refund, a cancellation, a
    replacement …), read in every language they are written in."""
    return frozenset().union(*(_granted_by(remedy) for remedy in remedies if remedy.type == "custom"))


@lru_cache(maxsize=512)
def _granted_by(decision: Remedy) -> frozenset[str]:
    """One custom decision's asks, read once: a reply asks about them for every ask it plans and every
    sentence it composes."""
    if decision.text is None:
        return frozenset()
    return frozenset().union(*(decided_topics(own, lang) for lang, own in (("zh", decision.text.zh), ("en", decision.text.en)) if own))


def _decision_pays(ask: Ask, remedies: list[Remedy]) -> bool:
    """Does a custom decision itself pay what the customer named? "假一赔三" when the brand decided three times
    the price; a sum in CNY no larger than one the decision's words state. Read by the promise guard's
    extractor, so a decision pays only what it plainly says."""
    for remedy in remedies:
        if remedy.type != "custom" or remedy.text is None:
            continue
        if any(pays(ask, said) for wording in remedy.text.texts() for said in commitment_guard.extract(wording)):
            return True
    return False


def answer(ask: Ask, remedies: list[Remedy], known: frozenset[str] = frozenset(), *, claim: bool = False) -> str:
    """granted, declined or handed_over for one ask, given what the ticket is entitled to. `known`: the ask
    types the incident record answers (explanation: a cause is recorded; status: an action answers it), and
    "refund_chase" when a progress question is about a refund (the refund's processing time answers it).
    `claim`: the customer was hurt or is taking legal steps, so money they ask for is a claim a person
    assesses — handed over, never refused by the policy book in a chat reply."""
    if ask.type in known and ask.type in _FROM_RECORD:
        return "granted"
    owed = {remedy.type for remedy in remedies}
    by_decision = decided(remedies)
    refunded = "refund" in owed or "refund" in by_decision
    if ask.type == "status" and "refund_chase" in known and refunded and "processing_deadline" in owed:
        return "granted"  # the refund said with its processing time is where it stands
    named_sum = ask.type == "compensation" and (ask.amount is not None or ask.multiple is not None)
    if ask.type in by_decision and (not named_sum or _decision_pays(ask, remedies)):
        return "granted"  # the incident decided it, in words the reply says as written
    if ask.type == "refund":
        if owed & _REFUND_LIKE:
            return "granted"
        return "declined" if owed & _MONEY else "handed_over"
    if ask.type == "compensation":
        if claim:
            return "handed_over"
        if ask.amount is not None or ask.multiple is not None:
            return "declined"  # the policy book pays remedies, never a sum or multiple the customer names
        return "granted" if owed & _MONEY else "handed_over"
    return "handed_over"


def plan(asks: list[Ask], remedies: list[Remedy], known: frozenset[str] = frozenset()) -> ReplyPlan:
    """Answer every ask (one answer per ask type: two phrasings of one demand get one answer). `known`: the
    ask types the incident record answers (see answer)."""
    out = ReplyPlan()
    seen: dict[str, str] = {}
    claim = any(ask.type in _CLAIMS for ask in asks)
    for ask in asks:
        decided = seen.setdefault(ask.type, answer(ask, remedies, known, claim=claim))
        answered = ask.model_copy(update={"answer": decided})
        out.asks.append(answered)
        if ask.type in {a.type for a in out.declined + out.handed_over} or ask.type in out.granted:
            continue
        if decided == "granted":
            out.granted.add(ask.type)
        elif decided == "declined":
            out.declined.append(answered)
        else:
            out.handed_over.append(answered)
    return out


def contact_role(incident: Incident, lang: str) -> str:
    """The incident owner as customers should read them: the owner's line from the action list when it names
    them ("客户关怀主管何欣", "Xin He (customer care lead)"), else the owner as recorded; "" when no owner."""
    owner = incident.owner.strip()
    if not owner:
        return ""
    for action in incident.actions:
        if any(owner in text for text in (action.owner.zh or "", action.owner.en or "")):
            text = action.owner.pick(lang).strip()
            if lang == "en" and ", " in text:
                name, role = text.split(", ", 1)
                return f"{name} ({role})"
            return text
    return owner


__all__ = ["ESCALATIONS", "ReplyPlan", "answer", "contact_role", "decided", "plan"]

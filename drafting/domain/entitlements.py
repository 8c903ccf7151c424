"""What a ticket is entitled to: the one rule every drafter, guard check and front door uses.

The policy book maps facts to remedies; this adds what the book cannot know on its own: a declared incident
makes incident-time rules apply, the incident's own decisions are granted to those they were made for, a
customer's unconfirmed claim is never a fact, and a bystander is owed no order's remedy."""

from __future__ import annotations

from drafting.domain.asks import CustomerReading, read_asks
from drafting.domain.models import Incident, Ticket
from knowledge.policy import PolicyBook, Remedy, TicketFacts

# The channel name of the hand-over time an incident sets (Incident.handover_hours): a response time of the
# person who takes an ask over, not of the support line, so the line's channel sentence leaves it out.
HANDOVER_CHANNEL = "handover"
HANDOVER_RULE = "INC-HANDOVER"

# What a bystander is still owed: an answer, on time.
_BYSTANDER_REMEDIES = frozenset({"response_time"})


def counted_facts(facts: TicketFacts, incident: Incident | None = None) -> TicketFacts:
    """The facts the policy book is asked about: claims dropped, and `during_incident` set when the
    incident is declared.

    Only facts count. What the customer merely claimed (an order amount, a delay they stated in a chat) is
    unknown until a person confirms it: a rule that needs it does not apply, and no refund amount is
    derived from it. TicketFacts keeps claims out of the fact fields already; the copy here holds even for
    facts built without validation."""
    if facts.claimed:
        facts = facts.model_copy(update={name: None for name in facts.claimed})
    if incident is not None and incident.declared and not facts.during_incident:
        facts = facts.model_copy(update={"during_incident": True})
    return facts


def entitlements(book: PolicyBook, facts: TicketFacts, incident: Incident | None = None) -> list[Remedy]:
    """The remedies a customer with these facts is entitled to: the policy book's remedies for the facts
    that count (see counted_facts), plus the incident's own decisions when there is an incident (a decision
    made for some issue types only goes to tickets of those types) and the hand-over time it sets."""
    remedies = list(book.remedies_for(counted_facts(facts, incident)))  # ours to extend
    if incident is None:
        return remedies
    remedies += [d for d in incident.decisions if not d.for_issue_types or facts.issue_type in d.for_issue_types]
    if incident.handover_hours:  # the record's own commitment of how soon a hand-over's person gets in touch
        remedies.append(Remedy(type="response_time", minutes=incident.handover_hours * 60, channel=HANDOVER_CHANNEL, rule_id=HANDOVER_RULE))
    return remedies


def owed(book: PolicyBook, ticket: Ticket, incident: Incident | None = None, reading: CustomerReading | None = None) -> list[Remedy]:
    """entitlements() for a ticket, read with its messages: a customer who says they were not affected
    ("I didn't buy the jacket", 我没买卡) and has no order on the ticket is a bystander, owed an answer but not
    the refunds and coupons the incident's decisions grant to those it affected — offering them would
    promise money to someone it was never meant for. `reading`: the ticket's messages already read (a
    drafter reads them once for the reply plan too)."""
    remedies = entitlements(book, ticket.facts, incident)
    if ticket.order_id or ticket.facts.order_amount is not None:
        return remedies
    if (reading or read_asks(ticket.messages, ticket.language())).role != "bystander":
        return remedies
    return [r for r in remedies if r.type in _BYSTANDER_REMEDIES]


__all__ = ["HANDOVER_CHANNEL", "HANDOVER_RULE", "counted_facts", "entitlements", "owed"]

"""Draft replies for many tickets at once: per-ticket errors are recorded without stopping the batch, and
no two customers in one batch receive the same text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from drafting.composer import Drafter
from drafting.models import Draft, Incident, Ticket

# How many wordings to try before accepting a duplicate (which is then reported as a warning).
MAX_VARIANTS = 12


@dataclass
class BatchResult:
    drafts: list[Draft] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (ticket id, what went wrong)


def draft_many(
    drafter: Drafter,
    incident: Incident,
    tickets: Iterable[Ticket],
    *,
    lang: str | None = None,
    progress: Callable[[int, Ticket], None] | None = None,
) -> BatchResult:
    """One reply per ticket, in order. A ticket that cannot be drafted is recorded in `errors` and the batch
    goes on. When a draft's text equals an earlier one in the batch (same facts, same wording picked), the
    next variant is drafted instead, so each customer gets their own text."""
    result = BatchResult()
    seen: set[str] = set()
    for done, ticket in enumerate(tickets, start=1):
        try:
            draft = drafter.draft_reply(incident, ticket, lang)
            variant = 0
            while draft.text in seen and variant < MAX_VARIANTS:
                variant += 1
                draft = drafter.draft_reply(incident, ticket, lang, variant=variant)
            if draft.text in seen:
                draft.warnings.append("identical to another reply in this batch")
            seen.add(draft.text)
            result.drafts.append(draft)
        except Exception as exc:  # one bad ticket must not stop hundreds of others
            result.errors.append((ticket.id, f"{type(exc).__name__}: {exc}"))
        if progress is not None:
            progress(done, ticket)
    return result

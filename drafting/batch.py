"""Draft replies for many tickets at once: per-ticket errors are recorded without stopping the batch, and
no two customers in one batch receive the same text."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
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
    concurrency: int = 1,
) -> BatchResult:
    """One reply per ticket, in ticket order. A ticket that cannot be drafted is recorded in `errors` and
    the batch goes on. `concurrency` drafts that many tickets at once (threads: an LLM call spends its time
    waiting on the network, and the drafters are thread-safe). When a draft's text equals an earlier one in
    the batch (same facts, same wording picked), the next variant is drafted instead, so each customer gets
    their own text."""
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    tickets = list(tickets)
    outcomes: list[Draft | Exception] = [RuntimeError("not drafted")] * len(tickets)
    done = 0
    lock = threading.Lock()

    def one(index: int) -> None:
        nonlocal done
        ticket = tickets[index]
        try:
            outcomes[index] = drafter.draft_reply(incident, ticket, lang)
        except Exception as exc:  # one bad ticket must not stop hundreds of others
            outcomes[index] = exc
        with lock:
            done += 1
            if progress is not None:
                progress(done, ticket)

    if concurrency == 1:
        for index in range(len(tickets)):
            one(index)
    else:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(one, range(len(tickets))))

    result = BatchResult()
    seen: set[str] = set()
    for ticket, outcome in zip(tickets, outcomes):
        if isinstance(outcome, Exception):
            result.errors.append((ticket.id, f"{type(outcome).__name__}: {outcome}"))
            continue
        draft, variant = outcome, 0
        tries = getattr(drafter, "variants", MAX_VARIANTS)
        try:
            while draft.text in seen and variant < tries:
                variant += 1
                draft = drafter.draft_reply(incident, ticket, lang, variant=variant)
        except Exception as exc:
            result.errors.append((ticket.id, f"{type(exc).__name__}: {exc}"))
            continue
        if draft.text in seen:
            draft.warnings.append("identical to another reply in this batch")
        seen.add(draft.text)
        result.drafts.append(draft)
    return result

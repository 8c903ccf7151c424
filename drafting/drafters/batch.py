"""Draft replies for many tickets at once: per-ticket errors are recorded without stopping the batch, and
no two customers in one batch receive the same text.

This is the drafting step of the batch engine (drafting/workflow/jobs.py), which calls it for each ticket
it claims with the texts its job already gave out as `taken`; the CLI, the API and the app all batch
through that engine. On its own it drafts in memory (the evaluations and benchmarks use it that way)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Container, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from drafting.domain.models import Draft, Incident, Ticket
from drafting.drafters.base import Drafter

# How many wordings to try before accepting a duplicate (which is then reported as a warning).
MAX_VARIANTS = 12
DUPLICATE = "identical to another reply in this batch"


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
    taken: Container[str] = (),
) -> BatchResult:
    """One reply per ticket, in ticket order. A ticket that cannot be drafted is recorded in `errors` and
    the batch goes on. `concurrency` drafts that many tickets at once (threads: an LLM call spends its time
    waiting on the network, and the drafters are thread-safe). When a draft's text equals an earlier one in
    the batch or one in `taken` (texts other customers already got), the next variant is drafted instead,
    so each customer gets their own text."""
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
    tries = getattr(drafter, "variants", MAX_VARIANTS)

    def repeated(text: str) -> bool:
        return text in seen or text in taken

    for ticket, outcome in zip(tickets, outcomes, strict=True):
        if isinstance(outcome, Exception):
            result.errors.append((ticket.id, f"{type(outcome).__name__}: {outcome}"))
            continue
        draft, variant = outcome, 0
        try:
            # Asked once per wording: `taken` may be a live view that grows while we draft (other workers of
            # a job), and a text is only called a duplicate after the other wordings were tried.
            while (duplicate := repeated(draft.text)) and variant < tries:
                variant += 1
                draft = drafter.draft_reply(incident, ticket, lang, variant=variant)
        except Exception as exc:
            result.errors.append((ticket.id, f"{type(exc).__name__}: {exc}"))
            continue
        if duplicate:
            draft.warnings.append(DUPLICATE)
        seen.add(draft.text)
        result.drafts.append(draft)
    return result

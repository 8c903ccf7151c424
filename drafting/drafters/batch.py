"""Draft replies for many tickets at once: per-ticket errors are recorded without stopping the batch, no
two customers in one batch receive the same text, and replies vary in their sentences, not only as wholes
(customers compare replies in the group: within an incident no two should share more than a fifth of their
sentences).

This is the drafting step of the batch engine (drafting/workflow/jobs.py), which calls it for each ticket
it claims with the texts its job already gave out as `taken`; the CLI, the API and the app all batch
through that engine. On its own it drafts in memory (the evaluations and benchmarks use it that way)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Container, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from drafting.domain.models import Draft, Incident, Ticket
from drafting.drafters.base import Drafter
from drafting.drafters.grounding import sentences

# How many wordings to try before accepting a duplicate (which is then reported as a warning).
MAX_VARIANTS = 12
DUPLICATE = "identical to another reply in this batch"
# The most of its sentences a reply may share with any earlier reply of the incident before other wordings
# are tried (P10: "no two replies share more than 20% of their sentences").
MAX_SHARED = 0.2
# Other wordings tried for a reply that shares too much; the least-shared one is kept.
SPREAD_TRIES = 8
# Past this many earlier replies every wording of a sentence has been used many times over; trying more
# wordings would only cost time.
SPREAD_WINDOW = 60

Sentences = frozenset[str]


@runtime_checkable
class GivenReplies(Protocol):
    """A `taken` that can also list the sentences of the replies already given (the job engine's, read from
    the database as other workers record them)."""

    def __contains__(self, text: object) -> bool: ...

    def given_sentences(self) -> list[Sentences]: ...


def sentence_set(text: str) -> Sentences:
    """The sentences of a reply, trimmed, as a set: what a customer comparing two replies would see."""
    return frozenset(text[s:e].strip() for s, e in sentences(text) if text[s:e].strip())


def shared(one: Sentences, other: Sentences) -> float:
    """The share of the shorter reply's sentences that the other also has, word for word."""
    return len(one & other) / min(len(one), len(other)) if one and other else 0.0


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
    earlier: list[Sentences] = []
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
        elif tries > 1:  # a drafter that allows few variants (each a model call) is not asked for more here
            given = [*earlier, *(taken.given_sentences() if isinstance(taken, GivenReplies) else ())]
            try:
                draft = _least_shared(drafter, incident, ticket, lang, draft, variant, min(tries, variant + SPREAD_TRIES), given, repeated)
            except Exception as exc:
                result.errors.append((ticket.id, f"{type(exc).__name__}: {exc}"))
                continue
        seen.add(draft.text)
        earlier.append(sentence_set(draft.text))
        result.drafts.append(draft)
    return result


def _least_shared(
    drafter: Drafter,
    incident: Incident,
    ticket: Ticket,
    lang: str | None,
    draft: Draft,
    variant: int,
    last: int,
    given: list[Sentences],
    repeated: Callable[[str], bool],
) -> Draft:
    """The draft, or another wording of it up to variant `last`, whichever shares too much with the fewest
    replies already given (then the least in all); the first that shares at most MAX_SHARED with each of
    them is taken at once."""
    if not given or len(given) > SPREAD_WINDOW:
        return draft

    def cost(text: str) -> tuple[int, float]:
        """(replies it shares too much with, sentences it shares in all, as shares): fewest offended first."""
        shares = [shared(sentence_set(text), other) for other in given]
        return sum(share > MAX_SHARED for share in shares), sum(shares)

    best, best_cost = draft, cost(draft.text)
    while best_cost[0] and variant < last:
        variant += 1
        candidate = drafter.draft_reply(incident, ticket, lang, variant=variant)
        if repeated(candidate.text):
            continue
        candidate_cost = cost(candidate.text)
        if candidate_cost < best_cost:
            best, best_cost = candidate, candidate_cost
    return best

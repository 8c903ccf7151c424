"""The drafting seam: what the app, the API, the CLI and batch jobs call, whichever drafter is configured."""

from __future__ import annotations

from typing import Protocol

from drafting.domain.models import Draft, Incident, Stage, Ticket


class Drafter(Protocol):
    """The one drafting interface; the composer and the LLM chain both implement it."""

    generator: str

    def draft_statement(self, incident: Incident, stage: Stage | None = None, lang: str = "zh", *, variant: int = 0) -> Draft: ...

    def draft_reply(self, incident: Incident, ticket: Ticket, lang: str | None = None, *, variant: int = 0) -> Draft: ...

    def rewrite(self, incident: Incident, ticket: Ticket, draft: Draft, instruction: str) -> Draft: ...

"""A knowledge store that goes down: the drafters take the store as an injected seam, and an outage has to
show on the draft, never pass in silence."""

from __future__ import annotations

from knowledge.policy import PolicyBook
from knowledge.store import SearchResult, StoreError

BOOK = PolicyBook.load(None)
UNSOURCED = "no sources: the knowledge store could not be reached (StoreError)"


class Outage:
    """The store interface the composer uses (`search`): the calls numbered in `fails` (default: every call)
    raise, the others find every policy document they are asked about."""

    def __init__(self, fails: set[int] | None = None) -> None:
        self.fails = fails
        self.calls = 0

    def search(self, query: str, k: int = 5, *, kind: str | None = None, lang: str | None = None) -> list[SearchResult]:
        self.calls += 1
        if self.fails is None or self.calls in self.fails:
            raise StoreError("Chroma at http://chroma:8000 refused the connection")
        return [
            SearchResult(
                chunk_id=f"{rule.document}#1",
                doc_id=rule.document,
                title=query,
                heading="",
                heading_path="",
                source="",
                kind="policy",
                lang=lang or "zh",
                text="",
                score=1.0,
                dense_rank=1,
                lexical_rank=1,
                version="",
                effective="",
            )
            for rule in BOOK.rules
            if rule.document
        ]

"""Searching the knowledge store while drafting. A store that cannot be searched costs the draft its sources,
never the draft itself — and never silently: the failure is logged, and the draft carries a warning that
tells the reviewer why it cites nothing."""

from __future__ import annotations

import logging
from typing import Any

from drafting.domain.models import Draft

log = logging.getLogger(__name__)


def unreachable_warning(exc: Exception, *, cited_some: bool = False) -> str:
    """The draft warning for a failed search (the error's text goes to the log: it may name hosts and paths).
    `cited_some`: the draft still cites sources found before the store went away."""
    what = "some sources missing" if cited_some else "no sources"
    return f"{what}: the knowledge store could not be reached ({type(exc).__name__})"


def search_policies(store: Any, query: str, *, k: int, lang: str) -> tuple[list[Any], Exception | None]:
    """Policy passages for `query` and None; or no passages and the error, already logged (warn the draft's
    reviewer with `unreachable_warning`)."""
    try:
        return list(store.search(query, k=k, kind="policy", lang=lang)), None
    except Exception as exc:  # Chroma, the embedding endpoint or the network: all mean "no sources this time"
        log.warning("knowledge store search failed, drafting without sources: %s: %s", type(exc).__name__, exc)
        return [], exc


def with_warning(draft: Draft, warning: str | None) -> Draft:
    """`draft` with `warning` added once (a fallback draft may carry it already)."""
    if warning is None or warning in draft.warnings:
        return draft
    return draft.model_copy(update={"warnings": [*draft.warnings, warning]})

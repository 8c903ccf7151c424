"""Literal anchors of a regular expression: strings one of which every match must contain.

Python's `re` tries each alternative of a big pattern at every position of the text, so a lexicon of a few
hundred regexes costs seconds per megabyte even when nothing matches. Most patterns cannot match without
some literal word ("ignore", "回复", "<|"); `str.__contains__` finds those at memory speed, so a pattern
whose anchors are all absent is skipped without running it.

The anchors are read from the parsed pattern (`re._parser`, the standard library's own parser). Anything
the reader does not understand yields no anchors, which only means the pattern always runs.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from typing import Any

# The regular-expression parser's own modules (named so since Python 3.11, which Tactful requires). Typeshed
# does not describe them; when a later Python moves them, anchors() finds none and matching is merely slower.
try:
    _c: Any = importlib.import_module("re._constants")
    _p: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover
    _c = _p = None

Anchors = frozenset[str]


def _alternatives(items: list[Anchors | None]) -> Anchors | None:
    if any(a is None for a in items):
        return None
    return frozenset[str]().union(*(a for a in items if a is not None))


def _best(candidates: list[Anchors]) -> Anchors | None:
    """The candidate whose shortest anchor is longest: the most selective test."""
    return max(candidates, key=lambda a: (min(map(len, a)), -len(a)), default=None)


def _sequence(items: Any) -> Anchors | None:
    candidates: list[Anchors] = []
    run: list[str] = []
    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        if run:
            candidates.append(frozenset(["".join(run)]))
            run = []
        found: Anchors | None = None
        if op is _c.SUBPATTERN:
            found = _sequence(av[-1])
        elif op is _c.BRANCH:
            found = _alternatives([_sequence(alt) for alt in av[1]])
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[0] >= 1:
            found = _sequence(av[2])
        if found:
            candidates.append(found)
    if run:
        candidates.append(frozenset(["".join(run)]))
    return _best(candidates)


def anchors(pattern: str) -> Anchors | None:
    """Strings one of which any match of `pattern` contains, or None when none can be named."""
    if _p is None:  # pragma: no cover
        return None
    try:
        found = _sequence(_p.parse(pattern).data)
    except Exception:  # an unfamiliar parse tree only costs speed
        return None
    return found if found and all(found) else None


def may_match(found: Anchors | None, present: str | set[str] | frozenset[str]) -> bool:
    """False only when none of the anchors is present (in a text, or in a set from AnchorIndex.present)."""
    if found is None:
        return True
    if isinstance(present, str):
        return any(anchor in present for anchor in found)
    return not found.isdisjoint(present)


def _trie(words: Iterable[str]) -> str:
    """One regex for many literals, as a prefix tree: at each position the text is compared once per branch
    of the tree rather than once per literal, and the longest literal starting there wins."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


class AnchorIndex:
    """Every anchor of a lexicon found in a text in one scan."""

    def __init__(self, every: Iterable[Anchors | None]) -> None:
        words = sorted({anchor for found in every if found for anchor in found})
        self._scan = re.compile(f"(?=({_trie(words)}))") if words else None
        # the scan reports the longest anchor starting at each position; the shorter ones inside it are there too
        self._inside = {word: frozenset(other for other in words if other in word) for word in words}

    def present(self, text: str) -> set[str]:
        if self._scan is None:
            return set()
        found: set[str] = set()
        for longest in {m.group(1) for m in self._scan.finditer(text)}:
            found |= self._inside[longest]
        return found

"""Where a reply's greeting ends, so that an edit never leaves a sentence in front of it."""

from __future__ import annotations

import re
from functools import cache

from drafting.text.data import load_yaml, patterns_by_language
from knowledge.cjk import CJK_RANGES

# the end of a reply's first sentence: its stop and the space after it
_FIRST_SENTENCE = re.compile(r"[^.!?。！？\n]*[.!?。！？]+[\"'”’）)]*\s*|[^\n]*\n+")
# the end of the clause a change ends: its punctuation and the space after it
_CLAUSE_END = re.compile(r"[\"'”’）)]*[,.!?;:，。！？；：]+[\"'”’）)]*\s*")
_HAN = re.compile(f"[{CJK_RANGES}]")


@cache
def _greetings() -> dict[str, list[re.Pattern[str]]]:
    return patterns_by_language(load_yaml("drafting.text", "greetings.yaml"), "greetings.yaml", flags=re.IGNORECASE)


def greeting_length(text: str) -> int:
    """How many characters of `text` (from its start) are a greeting, with the space after it; 0 for none."""
    for lang in ("zh", "en"):
        for pattern in _greetings()[lang]:
            if (found := pattern.match(text)) and found.end() > 0:
                return found.end()
    return 0


def greeting_first(text: str, start: int, end: int) -> str:
    """`text` with the opening that holds the change at [start, end) moved after the greeting that follows
    it ("I'm sorry this happened. Hi Alex, …" → "Hi Alex, I'm sorry this happened. …"). The opening is the
    clause the change ends ("别闹了行吗，王女士您好" once fixed), else the first sentence; a text that
    already opens with its greeting, or has none after the change, comes back unchanged."""
    lead = len(text) - len(text.lstrip())
    if not lead <= start or greeting_length(text[lead:]):
        return text
    for opening in (_CLAUSE_END.match(text, end), _FIRST_SENTENCE.match(text, lead)):
        if opening is None or not start < opening.end() < len(text):
            continue
        rest = text[opening.end() :]
        if greeting := greeting_length(rest):
            return text[:lead] + _swapped(text[lead : opening.end()].strip(), rest[:greeting], rest[greeting:])
    return text


def _swapped(sentence: str, greeting: str, after: str) -> str:
    """The greeting, then the sentence, then the rest, spaced as their script wants."""
    if not greeting[-1:].isspace() and not _HAN.search(sentence[:1] + greeting[-1:]):
        greeting += " "
    if sentence[-1:] in ".!?" and after[:1].islower():  # "Hi Alex, we are sorry" → "…wrong. We are sorry"
        after = after[0].upper() + after[1:]
    gap = "" if _HAN.search(sentence[-1:]) or sentence[-1:] in "。！？，；：" else " "
    return greeting + sentence + (gap if after and not after[:1].isspace() else "") + after

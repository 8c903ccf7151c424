"""Tone read against the message it answers: courtesy alone, or a rule alone, in answer to a complaint.

Reviewers stop replies that no phrase list can catch because nothing in them is rude: "Thanks for your
patience!" to a customer a week into waiting, 感谢您的反馈 to one charged twice, "Our policy does not cover
delays caused by weather." to someone stranded. The words are fine; what is wrong is that the reply answers a
complaint with nothing the customer can use. Given the customer's message, this check sees two forms:
- courtesy: the message is a complaint and the reply, once its courtesy formulas, greetings and particles are
  taken out, has no word of substance left and asks, quotes and links nothing;
- rules: the message is a complaint and the reply cites a policy, terms or a rule and offers no help beside it
  (no step, channel, time or amount — the tone guard's cues — and no question, figure or link).

Both are deliberately narrow and their flags are low-confidence hints: they go to the reviewer and never discard
a model's draft. Data: lexicon/answering.yaml.

    >>> brush_off("Thanks for your patience!", ["Three weeks and still no refund. Unacceptable."], "en") is not None
    True
    >>> brush_off("Thanks for your patience! We'll refund you today.", ["Still no refund."], "en") is None
    True
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from knowledge.cjk import count_cjk

LANGS = ("zh", "en")
# What gives the customer something even among courtesies: a question to them, a figure (an order number, a
# time, a sum), a link, a handle or an e-mail address to write to.
_SUBSTANCE = re.compile(r"[?？]|\d|https?://|www\.|\S@\S|(?<![\w@])@\w")
# Signatures that close support replies ("-KC", "^AB", "*TS") and emoticons such as [微笑].
_SIGNATURE = re.compile(r"(?:^|\s)[-–^~*]\s?[A-Za-z]{1,4}\s*$|\[[^\[\]\s]{1,8}\]")
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


class AnsweringLexiconError(ValueError):
    """lexicon/answering.yaml is malformed; the message says where."""


@dataclass(frozen=True)
class _Rules:
    complaint: dict[str, re.Pattern[str]]
    formula: dict[str, re.Pattern[str]]
    filler: dict[str, re.Pattern[str]]
    rules: dict[str, re.Pattern[str]]
    max_left: dict[str, int]
    explanation: dict[str, dict[str, str]]  # form -> lang -> text
    suggestion: dict[str, dict[str, str]]


FORMS = ("courtesy", "rules")


@dataclass(frozen=True)
class BrushOff:
    """A reply that answers a complaint with courtesy alone or a rule alone: the span to highlight, the complaint
    it met and which form it takes."""

    start: int
    end: int
    complaint: str  # the words of the customer's message that make it a complaint
    form: str = "courtesy"  # one of FORMS


def _compiled(data: Any, key: str, *, whole_words: bool = False) -> dict[str, re.Pattern[str]]:
    """One pattern per language. `whole_words`: an English match must end at a word boundary, so a word list
    such as "(?: (?:a|it))*" takes "a", never the start of "and"."""
    section = data.get(key) if isinstance(data, dict) else None
    if not isinstance(section, dict) or set(section) != set(LANGS):
        raise AnsweringLexiconError(f"answering.yaml: {key} needs a zh and an en list")
    out = {}
    for lang, patterns in section.items():
        if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
            raise AnsweringLexiconError(f"answering.yaml: {key}.{lang} must be a list of patterns")
        try:
            end = r"\b" if whole_words and lang == "en" else ""
            out[lang] = re.compile("|".join(f"(?:{p}){end}" for p in patterns), re.IGNORECASE)
        except re.error as exc:
            raise AnsweringLexiconError(f"answering.yaml: {key}.{lang}: {exc}") from None
    return out


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    data = yaml.safe_load(resources.files("drafting.guards.lexicon").joinpath("answering.yaml").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise AnsweringLexiconError("answering.yaml: expected a mapping")
    max_left = data.get("max_left")
    if not isinstance(max_left, dict) or not all(isinstance(max_left.get(lang), int) for lang in LANGS):
        raise AnsweringLexiconError("answering.yaml: max_left needs a whole number for zh and en")
    texts: dict[str, dict[str, dict[str, str]]] = {}
    for key in ("explanation", "suggestion"):
        section = data.get(key)
        if not isinstance(section, dict) or not all(
            isinstance(section.get(form), dict) and all(isinstance(section[form].get(lang), str) for lang in LANGS) for form in FORMS
        ):
            raise AnsweringLexiconError(f"answering.yaml: {key} needs a zh and an en text for each of {', '.join(FORMS)}")
        texts[key] = {form: {lang: section[form][lang] for lang in LANGS} for form in FORMS}
    return _Rules(
        _compiled(data, "complaint"),
        _compiled(data, "formula", whole_words=True),
        _compiled(data, "filler", whole_words=True),
        _compiled(data, "rules"),
        {lang: max_left[lang] for lang in LANGS},
        texts["explanation"],
        texts["suggestion"],
    )


def explanation(lang: str, form: str = "courtesy") -> str:
    return _rules().explanation[form][lang]


def suggestion(lang: str, form: str = "courtesy") -> str:
    return _rules().suggestion[form][lang]


def _fold(text: str) -> str:
    # full-width letters and curly apostrophes read as their plain forms, so "we’re" meets "we're"
    return unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")


def complaint_in(messages: Sequence[str]) -> str | None:
    """The words that make the customer's messages a complaint (None: no complaint found). Each message is read
    with both languages' patterns: customers mix them."""
    rules = _rules()
    for message in messages:
        folded = _fold(message)
        for lang in LANGS:
            found = rules.complaint[lang].search(folded)
            if found:
                return found.group(0)
    return None


def says_nothing(reply: str) -> bool:
    """True when the reply is courtesy alone: no question, figure or link, and nothing left once its formulas,
    greetings and particles are taken out (both languages' lists, whatever the reply's language)."""
    rules = _rules()
    text = _SIGNATURE.sub(" ", _fold(reply))
    if not text.strip() or _SUBSTANCE.search(text):
        return False
    for which in (rules.formula, rules.filler):
        for pattern in which.values():  # both languages: a zh reply may thank in English
            text = pattern.sub(" ", text)
    return len(_WORD.findall(text)) <= rules.max_left["en"] and count_cjk(text) <= rules.max_left["zh"]


def rule_alone(reply: str, helped: bool) -> bool:
    """True when the reply cites a policy, terms or a rule and gives nothing beside it. `helped`: the caller's
    reading of whether it offers a step, a channel, a time or an amount (the tone guard's cues)."""
    if helped or _SUBSTANCE.search(reply):
        return False
    folded = _fold(reply)
    return any(pattern.search(folded) for pattern in _rules().rules.values())


def brush_off(reply: str, answering: Sequence[str], lang: str, *, helped: bool = False) -> BrushOff | None:
    """A brush-off when `answering` (the customer's messages the reply answers) holds a complaint and the reply
    says nothing (see `says_nothing`) or cites a rule and nothing else (see `rule_alone`; `helped` says whether
    the caller's cues found a step, channel, time or amount); None otherwise, and always None with no message."""
    if lang not in LANGS:
        raise ValueError(f"lang must be zh or en, got {lang!r}")
    messages = [m for m in answering if isinstance(m, str) and m.strip()]
    if not messages:
        return None
    form = "courtesy" if says_nothing(reply) else "rules" if rule_alone(reply, helped) else None
    if form is None:
        return None
    complaint = complaint_in(messages)
    if complaint is None:
        return None
    start = len(reply) - len(reply.lstrip())
    return BrushOff(start=start, end=len(reply.rstrip()), complaint=complaint, form=form)

"""Does a finished reply answer what the customer asked? One check for every reply, whoever wrote it (the
composer, a model, a person editing it).

A reply answers an ask when it grants it, declines it explicitly, or hands it to a person:

- granted: for money (refund, compensation asked without a sum) the commitment guard extracts a remedy of a
  matching kind from the reply, in a sentence that does not refuse the thing; for the rest, a sentence says
  it is being done ("已为您取消", "we'll send a replacement").
- declined: one sentence with a refusal and the thing refused ("退一赔十我们做不到", "we can't cancel it").
- handed_over: a sentence about the thing (or it and the next one) in which a person or role will contact
  the customer; a time, when given, is kept as evidence (a reply may have none to give: the incident may set
  no next update, and the guard must not push a model into inventing one).

Escalations (health, legal, media) ask less and more: the reply must acknowledge the matter anywhere and hand
the customer to a person anywhere. The cues are data (drafting/guards/lexicon/ask_coverage.yaml), in zh and
en, written to catch paraphrase rather than the composer's template words.

Coverage is a hint for a reviewer (precision first) except for escalations: what happens on a miss is the
caller's policy (drafting/drafters/chain.py retries a model once; the workflow warns on an edit).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from drafting.domain.models import Ask, Commitment
from drafting.guards import commitments as commitment_guard
from drafting.text.data import PackagedDataError, compile_patterns, load_yaml, patterns_by_language

Answer = Literal["granted", "declined", "handed_over"]
ESCALATIONS = frozenset({"escalation_health", "escalation_legal", "escalation_media"})
_LEXICON = ("drafting.guards.lexicon", "ask_coverage.yaml")
_LANGS = ("zh", "en")
_PREFERENCE: tuple[Answer, ...] = ("declined", "handed_over", "granted")
# A sentence ends at a full stop, question or exclamation mark, semicolon (either width) or a line break;
# an English stop needs a space after it, so "3.5" and "e.g." inside a sentence do not cut it.
_SENTENCE_END = re.compile(r"[。！？；!?;\n]+|\.(?=\s)")


@dataclass(frozen=True)
class _Cues:
    names: dict[str, str]
    topics: dict[str, dict[str, list[re.Pattern[str]]]]
    acknowledged_in_handover: dict[str, dict[str, list[re.Pattern[str]]]]
    grant: dict[str, dict[str, list[re.Pattern[str]]]]
    money_grants: dict[str, frozenset[str]]
    decline: dict[str, list[re.Pattern[str]]]
    contact: dict[str, list[re.Pattern[str]]]
    handoff: dict[str, list[re.Pattern[str]]]
    person: dict[str, list[re.Pattern[str]]]
    time: dict[str, list[re.Pattern[str]]]


def _compile(patterns: Any, where: str) -> list[re.Pattern[str]]:
    return compile_patterns(patterns, f"{_LEXICON[1]}: {where}")


def _by_lang(data: Any, where: str) -> dict[str, list[re.Pattern[str]]]:
    return patterns_by_language(data, f"{_LEXICON[1]}: {where}")


def _per_ask(data: Any, where: str) -> dict[str, dict[str, list[re.Pattern[str]]]]:
    if not isinstance(data, dict):
        raise PackagedDataError(f"{_LEXICON[1]}: {where}: expected a mapping of ask type to zh and en lists")
    return {str(kind): _by_lang(entry, f"{where}.{kind}") for kind, entry in data.items()}


@cache
def _cues() -> _Cues:
    data = load_yaml(*_LEXICON)
    try:
        return _Cues(
            names={str(k): str(v) for k, v in data["names"].items()},
            topics=_per_ask(data["topics"], "topics"),
            acknowledged_in_handover=_per_ask(data["acknowledged_in_handover"], "acknowledged_in_handover"),
            grant=_per_ask(data["grant"], "grant"),
            money_grants={str(k): frozenset(map(str, v)) for k, v in data["money_grants"].items()},
            decline=_by_lang(data["decline"], "decline"),
            contact=_by_lang(data["contact"], "contact"),
            handoff=_by_lang(data["handoff"], "handoff"),
            person=_by_lang(data["person"], "person"),
            time=_by_lang(data["time"], "time"),
        )
    except KeyError as exc:
        raise PackagedDataError(f"{_LEXICON[1]}: missing section {exc}") from None


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def sentences(text: str) -> list[Sentence]:
    """The reply cut into sentences, each with its span in the reply."""
    out, start = [], 0
    for cut in [*_SENTENCE_END.finditer(text), None]:
        end = cut.end() if cut else len(text)
        piece = text[start:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            out.append(Sentence(start + lead, start + len(piece.rstrip()), piece.strip()))
        start = end
    return out


@dataclass(frozen=True)
class Coverage:
    """How the reply answers one ask: `answer` None = not at all. `evidence` is the sentence that answers it
    (its span in the reply), `time` the time a hand-over gives, when it gives one."""

    ask: Ask
    answer: Answer | None = None
    evidence: str = ""
    start: int = 0
    end: int = 0
    time: str = ""

    @property
    def addressed(self) -> bool:
        return self.answer is not None

    @property
    def escalation(self) -> bool:
        return self.ask.type in ESCALATIONS

    def name(self) -> str:
        return _cues().names.get(self.ask.type, self.ask.type.replace("_", " "))

    def warning(self) -> str:
        """For the reviewer, with the customer's own words."""
        return f"did not answer: {self.name()} (“{self.ask.phrase}”)"

    def reason(self) -> str:
        """For a model's retry: the ask named in our words only (the customer's words stay in the fence)."""
        return f"the reply does not answer the customer's {self.name()}: grant it, decline it in one honest sentence, or say who will contact them and when"


@dataclass(frozen=True)
class CoverageReport:
    items: list[Coverage] = field(default_factory=list)

    @property
    def missing(self) -> list[Coverage]:
        """One entry per unanswered ask type (two phrasings of one demand are one miss)."""
        seen: set[str] = set()
        out = []
        for item in self.items:
            if not item.addressed and item.ask.type not in seen:
                seen.add(item.ask.type)
                out.append(item)
        return out

    @property
    def ok(self) -> bool:
        return not self.missing

    @property
    def missed_escalations(self) -> list[Coverage]:
        return [item for item in self.missing if item.escalation]

    def warnings(self) -> list[str]:
        return [item.warning() for item in self.missing]

    def asks(self) -> list[Ask]:
        """The asks with the answer the reply actually gives (None where it gives none)."""
        return [item.ask.model_copy(update={"answer": item.answer}) for item in self.items]

    def share(self) -> float:
        """Asks answered, of asks heard (1.0 when none were heard)."""
        return sum(1 for item in self.items if item.addressed) / len(self.items) if self.items else 1.0


def _any(patterns: Iterable[re.Pattern[str]], text: str) -> bool:
    return any(pattern.search(text) for pattern in patterns)


def _subjects(ask: Ask) -> tuple[str, ...]:
    """The ask types whose words name what this ask wants: "double my money back" is read as a refund and as
    compensation of a multiple, and one refusal of the multiple answers both."""
    if ask.type == "refund" and (ask.multiple is not None or ask.amount is not None):
        return ("refund", "compensation")
    return (ask.type,)


def _about(ask: Ask, text: str, lang: str) -> bool:
    topics = _cues().topics
    return any(_any(topics[kind][lang], text) for kind in _subjects(ask) if kind in topics)


def _declines(ask: Ask, sentence: Sentence, lang: str) -> bool:
    return _about(ask, sentence.text, lang) and _any(_cues().decline[lang], sentence.text)


def _hands_over(text: str, lang: str) -> bool:
    cues = _cues()
    return (_any(cues.contact[lang], text) or _any(cues.handoff[lang], text)) and _any(cues.person[lang], text)


def _time(text: str, lang: str) -> str:
    for pattern in _cues().time[lang]:
        found = pattern.search(text)
        if found:
            return found.group(0).strip()
    return ""


def _sentence_of(parts: list[Sentence], start: int) -> Sentence | None:
    return next((s for s in parts if s.start <= start < max(s.end, s.start + 1)), None)


def _granted(ask: Ask, parts: list[Sentence], promised: list[Commitment], lang: str) -> Sentence | None:
    cues = _cues()
    kinds = cues.money_grants.get(ask.type)
    if kinds is not None:
        # Compensation of a sum or multiple the customer named is never granted by a remedy the policy gives
        # instead (as drafting.drafters.reply_plan decides): it must be declined or handed over, or the
        # customer reads the coupon as the answer to "退一赔十".
        if ask.type == "compensation" and (ask.amount is not None or ask.multiple is not None):
            paid = next((c for c in promised if c.backed and pays(ask, c)), None)
            return _sentence_of(parts, paid.start) if paid is not None else None
        for commitment in promised:
            sentence = _sentence_of(parts, commitment.start)
            if sentence is None or _declines(ask, sentence, lang):
                continue
            if commitment.type in kinds or _about(ask, sentence.text, lang):
                return sentence
        return None
    if ask.type == "status" and (refund_chase(ask) or ask.answer == "granted"):
        # "where is my refund?" is answered by the refund's own processing time: one said in the refund's words, or
        # the time of the rule that backs a refund in the reply (a list "退还全部76元；30元优惠券；3天内处理完成" puts
        # the time in a clause of its own)
        refunding = {c.backing for c in promised if c.backed and c.type == "refund"}
        timed = next((c for c in promised if c.backed and c.type == "processing_deadline"), None)
        sentence = _sentence_of(parts, timed.start) if timed is not None else None
        if timed is not None and sentence is not None and (timed.backing in refunding or _any(cues.topics["refund"][lang], sentence.text)):
            return sentence
    patterns = cues.grant.get(ask.type, {}).get(lang, [])
    return next((s for s in parts if _any(patterns, s.text) and not _any(cues.decline[lang], s.text)), None)


def refund_chase(ask: Ask, said: str = "") -> bool:
    """Is this progress question about a refund ("退款到底什么时候到", "where is my refund")? `said`: the
    customer's words around the ask's phrase, when known."""
    topics = _cues().topics["refund"]
    return ask.type == "status" and any(_any(topics[lang], ask.phrase) or _any(topics[lang], said) for lang in _LANGS)


# What a decision in the brand's words can grant by naming it: a thing given or done, never a person's
# answer (a call, an apology, an explanation are handed over or said, not decided for everyone).
DECIDABLE = ("refund", "compensation", "replacement", "cancel")


def decided_topics(text: str, lang: str) -> frozenset[str]:
    """The asks a decision's own words grant (DECIDABLE ones whose topic a sentence names without a no): "您可以
    选择…退回60元差价，或者在30天内取消续费" grants a refund and a cancellation."""
    topics = _cues().topics
    found: set[str] = set()
    for sentence in sentences(text):
        if _any(_cues().decline[lang], sentence.text):
            continue
        found.update(kind for kind in DECIDABLE if kind in topics and _any(topics[kind][lang], sentence.text))
    return frozenset(found)


def pays(ask: Ask, promise: Commitment) -> bool:
    """Does a promise pay the sum or multiple the customer named ("假一赔三" and a decided three times the price;
    "pay me 500" and a 500-yuan compensation)?"""
    if promise.type not in ("compensation", "refund") or promise.amount is None:
        return False
    if ask.multiple is not None:
        return promise.unit == "multiple" and promise.amount >= ask.multiple
    return ask.amount is not None and ask.currency == "CNY" and promise.currency == "CNY" and promise.amount >= ask.amount


def _handed_over(ask: Ask, parts: list[Sentence], lang: str) -> tuple[Sentence, str] | None:
    """A sentence about the thing in which a person takes it over; else a sentence about the thing and the
    next one, together ("Your cancellation is with our manager. She will call you by 6 pm."): the evidence
    then spans both."""
    about = [index for index, sentence in enumerate(parts) if _about(ask, sentence.text, lang)]
    for index in about:
        if _hands_over(parts[index].text, lang):
            return parts[index], _time(parts[index].text, lang)
    # Across two sentences the second must say someone will contact them: "我们会安排专人处理" after a
    # cause is what the incident does, not a hand-over of this customer's ask.
    contact = _cues().contact[lang]
    for index in about:
        if index + 1 < len(parts):
            first, second = parts[index], parts[index + 1]
            window = first.text + " " + second.text
            if _any(contact, second.text) and _hands_over(window, lang):
                return Sentence(first.start, second.end, window), _time(window, lang)
    return None


def _escalation(ask: Ask, parts: list[Sentence], lang: str) -> Coverage:
    """Acknowledged anywhere and handed to a person anywhere: "please see a doctor first" in one sentence,
    "our care lead will call you within the hour" in another."""
    cues = _cues()
    handovers = [s for s in parts if _hands_over(s.text, lang) and _any(cues.contact[lang], s.text)]
    if not handovers:
        return Coverage(ask)
    in_handover = cues.acknowledged_in_handover.get(ask.type, {}).get(lang, [])
    acknowledged = any(_about(ask, s.text, lang) for s in parts) or any(_any(in_handover, s.text) for s in handovers)
    if not acknowledged:
        return Coverage(ask)
    handover = handovers[0]
    return Coverage(ask, "handed_over", handover.text, handover.start, handover.end, _time(handover.text, lang))


def _cover(ask: Ask, parts: list[Sentence], promised: list[Commitment], lang: str) -> Coverage:
    if ask.type in ESCALATIONS:
        return _escalation(ask, parts, lang)
    found: dict[Answer, tuple[Sentence, str]] = {}
    declined = next((s for s in parts if _declines(ask, s, lang)), None)
    if declined is not None:
        found["declined"] = (declined, "")
    granted = _granted(ask, parts, promised, lang)
    if granted is not None:
        found["granted"] = (granted, "")
    handed = _handed_over(ask, parts, lang)
    if handed is not None:
        found["handed_over"] = handed
    if not found:
        return Coverage(ask)
    # The planned answer when the reply gives it; else, in the reply's own order, the first answer it gives
    # (in one sentence, a refusal or a person taking over says more than a remedy listed beside it).
    chosen: Answer = ask.answer if ask.answer in found else min(found, key=lambda a: (found[a][0].start, _PREFERENCE.index(a)))
    sentence, time = found[chosen]
    return Coverage(ask, chosen, sentence.text, sentence.start, sentence.end, time)


def check(text: str, asks: Iterable[Ask], lang: str, commitments: list[Commitment] | None = None) -> CoverageReport:
    """How `text` (a reply in `lang`) answers each of `asks`. An ask's planned `answer`, when set, is preferred
    where the reply gives several. `commitments`: the commitment guard's extraction from `text`, when the
    caller has it already (else it is extracted here)."""
    if lang not in _LANGS:
        raise ValueError(f"ask coverage reads zh or en replies, got lang={lang!r}")
    asks = list(asks)
    if not asks:
        return CoverageReport()
    parts = sentences(text)
    promised = commitments if commitments is not None else commitment_guard.extract(text)
    by_type: dict[str, Coverage] = {}
    items = []
    for ask in asks:
        # one answer per ask type: two phrasings of one demand are answered by the same sentence
        first = by_type.setdefault(ask.type, _cover(ask, parts, promised, lang))
        evidence = text[first.start : first.end] if first.addressed else ""  # exactly as written, across two sentences too
        items.append(Coverage(ask, first.answer, evidence, first.start, first.end, first.time))
    return CoverageReport(items)


__all__ = ["DECIDABLE", "ESCALATIONS", "Coverage", "CoverageReport", "check", "decided_topics", "pays", "refund_chase", "sentences"]

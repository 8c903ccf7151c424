"""A customer's plain questions, answered from the incident record or honestly not at all.

"Does the new minimum apply to my card too?", "批号印在哪？": a customer who only asks something wants the
answer, not the crisis template. The composer has no model, so an answer can only be a part of the record:
an action (what, who, by when), a custom decision, or a clause of the cause, of what happened or of the impact.

Customers rarely use the record's words, but a question's form often says where its answer lives whatever its
words: "why…?" the cause, "is mine one of them?" who was affected, "how many…?" the impact's count, "do I have to
apply?" the step that happens by itself (`intents` in templates/questions.yaml). A question of no such form gets
the action or decision sharing enough of its words (zh: character pairs); a clause of what happened is never
offered on shared words alone — measured on two independent question sets it was mostly the wrong answer
(bench/RESULTS.md). Otherwise there is no answer on record and the reply says so and names who will give it
(drafting/drafters/composer.py). A meaning fallback (the packaged multilingual sentence encoder, offline) is
built and ships switched off: the closest part by meaning was rarely the right one. The question grammar, the
forms, the stop words and the thresholds are data (templates/questions.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Any, Literal

import numpy as np

from drafting.domain.models import Action, Incident
from drafting.text.data import PackagedDataError, load_yaml
from knowledge.cjk import CJK_RANGES

_DATA = ("drafting.drafters.templates", "questions.yaml")
# Where a recorded text joins separate clauses: a sentence end, a semicolon, ", and" before a new clause (a
# count after it starts one: "…her family, and about 2,100 claims refused…").
_CLAUSE = re.compile(r"[；;。！？!?]|(?<=\.)\s|, and (?=(?:the|our|we|some|a|an|no|about|around|roughly|nearly|almost|more than|over)\b)")
_HAN = re.compile(f"[{CJK_RANGES}]+")
_EN_WORD = re.compile(r"[A-Za-z]{3,}|\d{2,}")
_DIGITS = re.compile(r"\d{2,}")


@dataclass(frozen=True)
class Found:
    """The part of the record that answers a question: an action, or a clause as recorded."""

    kind: Literal["action", "clause"]
    score: int
    action: Action | None = None
    clause: str = ""
    decided: bool = False  # a clause of a custom decision: what will be done for the customer, as an action says
    source: str = "action"  # action, decision, cause, impact or what_happened: where in the record it was found
    intent: str = ""  # the question's form that chose it (questions.yaml `intents`), "" when found by its words
    whole: str = ""  # a decision's clause: the decision's whole text, which is what the reply says
    says: str = ""  # the wording slot the form that chose it names (questions.yaml `intents` … `says`), if any


@dataclass(frozen=True)
class _Intent:
    """A form of question that says which part of the record answers it (questions.yaml `intents`)."""

    name: str
    patterns: dict[str, list[re.Pattern[str]]]
    sources: frozenset[str]
    requires: dict[str, re.Pattern[str]] | None
    fallback: Literal["first", "none"]
    says: str  # the wording slot for a clause it finds ("" for the plain wordings)
    upset: bool  # answered for an upset customer too (their other questions are mostly rhetorical)


@dataclass(frozen=True)
class _Grammar:
    question: dict[str, list[re.Pattern[str]]]
    why: dict[str, list[re.Pattern[str]]]
    future: dict[str, list[re.Pattern[str]]]
    sentence_end: dict[str, re.Pattern[str]]
    stop: dict[str, frozenset[str]]
    min_points: dict[str, dict[str, int] | None]  # kind -> lang -> points; None: never found by shared words
    meaning: dict[str, float] | None  # min_similarity, min_margin; None: no meaning fallback
    intents: tuple[_Intent, ...] = ()


@cache
def phrases() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(*_DATA)
    return data


@cache
def _grammar() -> _Grammar:
    data = phrases()
    try:
        return _Grammar(
            question={lang: [re.compile(p, re.IGNORECASE) for p in data["question"][lang]] for lang in ("zh", "en")},
            why={lang: [re.compile(p, re.IGNORECASE) for p in data["why"][lang]] for lang in ("zh", "en")},
            future={lang: [re.compile(p, re.IGNORECASE) for p in data["future"][lang]] for lang in ("zh", "en")},
            sentence_end={lang: re.compile(data["sentence_end"][lang]) for lang in ("zh", "en")},
            stop={lang: frozenset(str(w).lower() for w in data["stop"][lang]) for lang in ("zh", "en")},
            min_points={
                kind: None if data["min_points"][kind] is None else {lang: int(data["min_points"][kind][lang]) for lang in ("zh", "en")}
                for kind in ("action", "clause")
            },
            meaning={k: float(data["meaning"][k]) for k in ("min_similarity", "min_margin")} if data.get("meaning") else None,
            intents=tuple(_intent(name, entry, data) for name, entry in (data.get("intents") or {}).items()),
        )
    except (KeyError, TypeError, ValueError, re.error) as error:
        raise PackagedDataError(f"{_DATA[1]}: {error!r}: every section needs zh and en entries (see the file's comments)") from error


_SOURCES = frozenset({"action", "decision", "cause", "impact", "what_happened"})


def _intent(name: str, entry: dict[str, Any], data: dict[str, Any]) -> _Intent:
    says = str(entry.get("says") or "")
    if says and says not in data:
        raise ValueError(f"intent {name!r}: says {says!r}, a wording the file does not have")
    sources = frozenset(entry["parts"])
    if not sources or not sources <= _SOURCES:
        raise ValueError(f"intent {name!r}: parts must be among {sorted(_SOURCES)}, got {entry['parts']!r}")
    fallback = entry.get("fallback", "none")
    if fallback not in ("first", "none"):
        raise ValueError(f"intent {name!r}: fallback must be first or none, got {fallback!r}")
    requires = entry.get("requires")
    return _Intent(
        name=name,
        patterns={lang: [re.compile(p, re.IGNORECASE) for p in entry[lang]] for lang in ("zh", "en")},
        sources=sources,
        requires={lang: re.compile(requires[lang], re.IGNORECASE) for lang in ("zh", "en")} if requires else None,
        fallback=fallback,
        says=says,
        upset=bool(entry.get("upset", False)),
    )


def _stem(word: str) -> str:
    """cards → card, charged → charg, charging → charg, renewal → renew, reminder → remind: enough to match a
    question's word to the record's (both sides are cut alike, so "member" → "memb" still matches itself)."""
    for ending in ("ments", "ment", "als", "al", "ers", "er", "ing", "ed", "es", "s", "e"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def words(text: str, lang: str) -> set[str]:
    """What a text is about, for comparison: zh character pairs and numbers, en stemmed words of 3+ letters
    and numbers; stop words left out."""
    stop = _grammar().stop["zh" if lang == "zh" else "en"]
    if lang == "zh":
        pairs = {run[i : i + 2] for run in _HAN.findall(text) for i in range(len(run) - 1)}
        return {p for p in pairs if p not in stop} | set(_DIGITS.findall(text))
    return {_stem(w.lower()) for w in _EN_WORD.findall(text) if w.lower() not in stop}


def questions(messages: list[str], lang: str) -> list[str]:
    """The customer's questions, in the order asked (each once)."""
    grammar = _grammar()
    lang = "zh" if lang == "zh" else "en"
    found: list[str] = []
    for message in messages:
        for sentence in grammar.sentence_end[lang].split(message.replace("?", "?\n").replace("？", "？\n")):
            sentence = sentence.strip()
            if not sentence:
                continue
            if len(words(sentence, lang) | set(re.findall(r"\w{2,}", sentence))) < 2:
                continue  # a lone "？" or "why?" asks nothing the record could answer
            if (sentence.endswith(("?", "？")) or any(p.search(sentence) for p in grammar.question[lang])) and sentence not in found:
                found.append(sentence)
    return found


def asks_why(text: str, lang: str) -> bool:
    """Does this text ask why it happened (or whether on purpose), the question the cause answers?"""
    return any(p.search(text) for p in _grammar().why["zh" if lang == "zh" else "en"])


def _clauses(text: str) -> list[str]:
    return [c.strip().rstrip("。.") for c in _CLAUSE.split(text) if c and len(c.strip()) > 3]


def answer_from_record(question: str, incident: Incident, lang: str, context: str = "", *, semantic: bool = True) -> Found | None:
    """The part of the record that best answers the question. A question whose form says where its answer
    lives ("why?", "am I one of them?", "how many?", "do I have to claim it?": questions.yaml `intents`) gets
    that part; any other, the best action (or decision) when it shares enough words (`min_points`: a kind
    whose threshold is null — record clauses, as shipped — is never found on shared words); failing that,
    the part closest in meaning when that fallback is switched on (`semantic=False`: never). `context`: the
    rest of what the customer wrote (its words count half)."""
    intent = intent_of(question, lang)
    found = _by_intent(intent, question, incident, lang, context) if intent is not None else None
    if found is not None:
        return found
    # no intent, or the record holds no part of the kind it asks for (no cause recorded, no step said to
    # happen by itself): the parts sharing the question's words, as for any question
    found = _by_words(question, incident, lang, context)
    if found is None and semantic and words(question, lang):
        found = _by_meaning(question, incident, lang)
    return found


def intent_of(question: str, lang: str) -> _Intent | None:
    """The form of the question, when it says which part of the record answers it (the first that matches)."""
    key = "zh" if lang == "zh" else "en"
    return next((i for i in _grammar().intents if any(p.search(question) for p in i.patterns[key])), None)


def _by_intent(intent: _Intent, question: str, incident: Incident, lang: str, context: str) -> Found | None:
    """The part of the record the question's form asks for: of the parts where such an answer lives, the one
    sharing most words with the question (then with the rest of what the customer wrote); when none shares any,
    the first of them (a record states the main cause or scope first), or nothing if the intent says so."""
    key = "zh" if lang == "zh" else "en"
    candidates = [
        part
        for part in _parts(incident, lang)
        if part.source in intent.sources and (intent.requires is None or intent.requires[key].search(_text(part, lang)))
    ]
    if not candidates:
        return None
    asked = words(question, lang)
    around = words(context, lang) - asked

    def points(part: Found) -> int:
        said = words(_text(part, lang), lang)
        return 2 * len(said & asked) + len(said & around)

    scored = [(points(part), -n, part) for n, part in enumerate(candidates)]
    best, _, chosen = max(scored, key=lambda s: (s[0], s[1]))
    if best == 0 and intent.fallback == "none":
        return None
    return replace(chosen, score=best, intent=intent.name, says=intent.says)


def _by_words(question: str, incident: Incident, lang: str, context: str) -> Found | None:
    asked = words(question, lang)
    around = words(context, lang) - asked
    # "Is mine one of them?": the question points back at what they wrote before it. Only an action may
    # answer it then: a clause matched on their story alone repeats their story back to them.
    pointing_back = not asked
    if pointing_back:
        asked, around = around, set()
    key = "zh" if lang == "zh" else "en"
    # "Will you …?" asks what will be done: only an action answers it (see `future` in questions.yaml)
    actions_only = pointing_back or any(p.search(question) for p in _grammar().future[key])
    if not asked:
        return None

    def points(text: str) -> tuple[int, int]:
        """(points, words shared with the question itself)."""
        said = words(text, lang)
        return 2 * len(said & asked) + len(said & around), len(said & asked)

    thresholds = _grammar().min_points
    found: list[Found] = []
    for part in _parts(incident, lang):
        if part.kind == "clause" and actions_only and not part.decided:
            continue  # a decision's own words say what will be done as well as an action does ("…added automatically")
        score, own = points(_text(part, lang))
        # a clause answers only a question about the facts, so it must share at least two of its words
        # a decision's clause says what will be done for the customer, as an action does, and is found like one
        # (the question sets label decision-only answers "none", so they cannot measure it either way)
        kind = "action" if part.decided else part.kind
        needed = thresholds[kind]
        if needed is not None and own >= (1 if kind == "action" else 2) and score >= needed[key]:
            found.append(replace(part, score=score))
    # an action first: what is being done never misleads, while a clause of what happened may be out of date
    return max(found, key=lambda f: (f.kind == "action", f.score), default=None)


def _parts(incident: Incident, lang: str) -> list[Found]:
    """Every part of the record that may answer a question: its actions, then the clauses of its custom
    decisions, of what happened, the impact and the cause."""
    parts = [Found("action", 0, action=action, source="action") for action in incident.actions if action.what.pick(lang)]
    # what the brand decided in its own words answers "can I cancel?" as well as any fact does (a decision
    # meant for other customers is dropped by the composer: its promises are not this ticket's)
    decided = [d.text.pick(lang) for d in incident.decisions if d.type == "custom" and d.text is not None]
    for text in decided:
        parts += [Found("clause", 0, clause=clause, decided=True, source="decision", whole=text) for clause in _clauses(text)]
    for source, recorded in (("what_happened", incident.what_happened), ("impact", incident.impact), ("cause", incident.cause)):
        parts += [Found("clause", 0, clause=clause, source=source) for clause in _clauses(recorded.pick(lang))]
    return parts


def _text(part: Found, lang: str) -> str:
    return part.action.what.pick(lang) if part.action is not None else part.clause


def answer_text(found: Found, lang: str) -> str:
    """What the found part says as an answer, in the record's words: a decision whole, an action's step, a clause."""
    return found.whole or _text(found, lang)


@lru_cache(maxsize=256)
def _encoded(texts: tuple[str, ...]) -> np.ndarray:
    """Unit vectors of the texts (an incident's parts are encoded once, then reused for every question)."""
    from knowledge.embeddings import UseEmbeddings  # loads the encoder on first use, never at import

    vectors = np.asarray(UseEmbeddings()(list(texts)), dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


def _by_meaning(question: str, incident: Incident, lang: str) -> Found | None:
    """The part of the record closest in meaning to the question, when it is close enough and clearly the
    closest: two parts nearly as close mean the encoder cannot tell which one was asked about, and a wrong
    answer costs more than an honest "not yet"."""
    limits = _grammar().meaning
    if limits is None:  # switched off (as shipped): nothing to compute
        return None
    parts = _parts(incident, lang)
    if not parts:
        return None
    similarity = _encoded(tuple(_text(p, lang) for p in parts)) @ _encoded((question,))[0]
    order = np.argsort(-similarity)
    best = float(similarity[order[0]])
    runner_up = float(similarity[order[1]]) if len(order) > 1 else -1.0
    if best < limits["min_similarity"] or best - runner_up < limits["min_margin"]:
        return None
    return parts[int(order[0])]


__all__ = ["Found", "answer_from_record", "answer_text", "asks_why", "intent_of", "phrases", "questions", "words"]

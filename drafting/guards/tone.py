"""The tone guard: flags phrasing that starts fires, explains why, suggests a rewrite, and scores tone.

It checks every draft (composer, LLM or a person typing) and every staff message in an imported chat.
Everything it knows is data in drafting/guards/lexicon/: the phrases per language (zh.yaml, en.yaml), the
categories with their severity and explanation (categories.yaml), the cues that feed the score (cues.yaml),
the context rules (context.yaml) and the score's weights (scoring.yaml).

    >>> from drafting.guards.tone import check
    >>> report = check("别闹了行吗？？？", kind="chat")
    >>> report.verdict, report.flags[0].category
    ('block', 'dismissive')

A flag's `start`/`end` are offsets into the text as given, so the app can highlight the phrase and splice
in `suggestion` (see `apply_suggestion`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from drafting.guards import answering as answering_rules
from drafting.settings import TONE_BLOCK_BELOW, TONE_REVISE_BELOW
from drafting.text.phrasebook import Automaton, PatternError, Token, build_automaton, expand, fold, typo_variants
from knowledge.cjk import count_cjk
from knowledge.documents import detect_language, yaml_problem

Kind = Literal["draft", "chat", "auto"]
Verdict = Literal["ok", "revise", "block"]
SEVERITIES = ("low", "medium", "high")
CATEGORIES = (
    "dismissive",
    "rule_hiding",
    "blame_shifting",
    "defensive",
    "condescending",
    "non_apology",
    "stonewalling",
    "officialese",
    "threat",
    "insult",
    "over_promising",
)
SUBSCORES = ("empathy", "accountability", "apology", "specificity", "clarity", "politeness")
LANGS = ("zh", "en")
_CONCRETE = ("action", "time", "amount", "channel")


class LexiconError(ValueError):
    """A lexicon file is malformed; the message names the file, the entry and the problem."""


# ── results ────────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class Flag:
    category: str
    start: int
    end: int
    phrase: str
    severity: str
    explanation: str  # in the text's language
    explanation_en: str
    suggestion: str  # a replacement for text[start:end], in the phrase's language
    # How sure the guard is that a person would object: "high" for listed phrases, "low" for lexicon entries
    # known to depend on context (unless the second opinion seconds them) and for meaning-based judgements
    # under the confident cut-off.
    confidence: str = "high"
    # "lexicon" (a listed phrase), "meaning" (the semantic second opinion) or "context" (read against the
    # customer's message the text answers: drafting.guards.answering)
    judged_by: str = "lexicon"
    # The second opinion's probability: for its own flags, and for a lexicon hint it seconded (which makes
    # the hint confident); None where it was not asked.
    probability: float | None = None

    @property
    def confident(self) -> bool:
        return self.confidence == "high"

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "start": self.start,
            "end": self.end,
            "phrase": self.phrase,
            "severity": self.severity,
            "explanation": self.explanation,
            "explanation_en": self.explanation_en,
            "suggestion": self.suggestion,
            "confidence": self.confidence,
            "judged_by": self.judged_by,
            "probability": None if self.probability is None else round(self.probability, 3),
        }


@dataclass(frozen=True, slots=True)
class Excused:
    """A phrase that matched but that context excuses — shown so staff can see the guard noticed it."""

    category: str
    start: int
    end: int
    phrase: str
    reason: str  # "quoted-apology" | "negated" | "emoticon" | "customer-words" | "backed-promise" | "idiom"

    def to_dict(self) -> dict[str, Any]:
        return {"category": self.category, "start": self.start, "end": self.end, "phrase": self.phrase, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ToneReport:
    """What the guard found in one text.

    `verdict` comes from the tone flags only: ok (no flag, or only low-confidence hints), revise (a
    confident flag), block (a high-severity flag, or confident flags whose penalties add up past the block
    threshold). `score` and `subscores` describe the
    reply but never set the verdict alone. `incomplete` lists what a full reply (kind draft) leaves out —
    "apology", "action", "channel" — which is a completeness note, not a tone fault.

    `rejects_model_draft` is the rule the LLM chain should use to throw a model's draft away: only for a
    high-severity flag or a confident flag. Low-confidence hints (context-dependent entries, meaning-based
    judgements under the confident cut-off) go to the reviewer and never discard a draft on their own.
    """

    score: int
    verdict: str
    subscores: dict[str, int]
    flags: tuple[Flag, ...]
    lang: str
    kind: str
    excused: tuple[Excused, ...] = ()
    incomplete: tuple[str, ...] = ()
    # boilerplate ("深表歉意", "we take this very seriously" in a reply that says nothing concrete): a note on
    # style for the writer, shown beside the flags; not a tone fault, so it never flags, revises or discards
    style: tuple[Flag, ...] = ()

    @property
    def rejects_model_draft(self) -> bool:
        return any(f.severity == "high" or f.confident for f in self.flags)

    @property
    def hints(self) -> tuple[Flag, ...]:
        """Low-confidence flags: for a person to look at, never a reason to discard a draft."""
        return tuple(f for f in self.flags if not f.confident and f.severity != "high")

    @property
    def worst_severity(self) -> str | None:
        ranks = [SEVERITIES.index(f.severity) for f in self.flags]
        return SEVERITIES[max(ranks)] if ranks else None

    def reasons(self, lang: str = "en") -> list[str]:
        """One line per flag, for a corrective retry prompt or a warning."""
        return [f"{f.category} ({f.severity}): “{f.phrase}” — {f.explanation_en if lang == 'en' else f.explanation}" for f in self.flags]

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "verdict": self.verdict,
            "subscores": dict(self.subscores),
            "flags": [f.to_dict() for f in self.flags],
            "lang": self.lang,
            "kind": self.kind,
            "excused": [e.to_dict() for e in self.excused],
            "incomplete": list(self.incomplete),
            "style": [f.to_dict() for f in self.style],
            "rejects_model_draft": self.rejects_model_draft,
        }


@dataclass(frozen=True)
class Thresholds:
    """Verdict cut-offs (configurable: TACTFUL_TONE_REVISE_BELOW, TACTFUL_TONE_BLOCK_BELOW).
    The verdict comes from flags: no flag is ok whatever the score (a short or plain reply is not a tone
    fault). Any high-severity flag blocks; other confident flags ask for a revision, or block when their
    penalties (scoring.yaml flag_penalty) add up to 100 - `block_below` or more — a sum over flags, so
    padding a reply cannot dilute it. `revise_below` no longer moves a verdict (kept so existing settings
    stay valid; the score is shown, not judged)."""

    revise_below: int = TONE_REVISE_BELOW
    block_below: int = TONE_BLOCK_BELOW

    def __post_init__(self) -> None:
        if not 0 <= self.block_below <= self.revise_below <= 100:
            raise ValueError(f"tone thresholds must satisfy 0 <= block_below ({self.block_below}) <= revise_below ({self.revise_below}) <= 100")


# ── the lexicon ────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Entry:
    category: str
    severity: str
    lang: str
    explanation: dict[str, str]
    suggestion: str
    when_vague: bool
    label: str
    confidence: str = (
        "high"  # "low" for phrases that are fine in some contexts (a hint, not a verdict)  # "zh.yaml entry 3", for error messages and debugging
    )
    # a style note (boilerplate), reported beside the tone flags but never one of them: see categories.yaml
    style: bool = False


@dataclass(frozen=True)
class Lexicon:
    flags: Automaton
    cues: Automaton
    reported: Automaton
    disavowal: Automaton
    negator: Automaton
    emoticon: re.Pattern[str]
    scoring: dict[str, Any]
    categories: dict[str, dict[str, Any]]
    # Words that, right before a negator, make it emphasis ("还不是你自己选的"): the phrase stays flagged.
    rhetorical: tuple[str, ...] = ()
    # Before a quoted phrase, words that make it the customer's own ("you asked whether we'd say …").
    customer_words: Automaton | None = None
    # Ordinary longer phrases that hold a flagged one ("when we get it wrong" holds "we get it").
    idiom: Automaton | None = None


def _read_yaml(root: Any, name: str) -> Any:
    where = f"{_where(root)}/{name}"
    try:
        text = root.joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LexiconError(f"{where}: missing") from None
    except UnicodeDecodeError:
        raise LexiconError(f"{where}: not UTF-8") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LexiconError(yaml_problem(exc, where)) from None
    if not isinstance(data, dict):
        raise LexiconError(f"{where}: expected a mapping at the top level")
    return data


def _where(root: Any) -> str:
    return "drafting/guards/lexicon" if root == resources.files("drafting.guards.lexicon") else str(root)


def _phrases(patterns: Iterable[str], payload: Any, where: str, typos: bool = False) -> list[tuple[list[Token], Any]]:
    out: list[tuple[list[Token], Any]] = []
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern.strip():
            raise LexiconError(f"{where}: every pattern must be a non-empty string, got {pattern!r}")
        try:
            variants = expand(pattern)
        except PatternError as exc:
            raise LexiconError(f"{where}: {exc}") from None
        out.extend((tokens, payload) for tokens in variants)
        if typos and variants:
            # Slips are looked for in the pattern's first-written and shortest forms only ("as per our
            # policy", "calm down" — not every "please just calm down"): that covers what people actually
            # mistype at a tenth of the size.
            shortest: list[Token] = min(variants, key=len)
            for base in {tuple(variants[0]), tuple(shortest)}:
                out.extend((slip, payload) for slip in typo_variants(base))
    return out


def _flag_entries(root: Any, categories: dict[str, dict[str, Any]]) -> tuple[list[tuple[list, Any]], dict[str, str]]:
    phrases: list[tuple[list, Any]] = []
    confusables: dict[str, str] = {}
    for lang in LANGS:
        name = f"{lang}.yaml"
        data = _read_yaml(root, name)
        for key, alts in (data.get("confusables") or {}).items():
            confusables[fold(str(key))] = confusables.get(fold(str(key)), "") + fold(str(alts))
        for number, raw in enumerate(data.get("flags") or [], start=1):
            where = f"{_where(root)}/{name} flag entry {number}"
            if not isinstance(raw, dict):
                raise LexiconError(f"{where}: expected a mapping with category and patterns")
            category = raw.get("category")
            if category not in categories:
                raise LexiconError(f"{where}: unknown category {category!r}; known: {', '.join(CATEGORIES)}")
            defaults = categories[category]
            severity = raw.get("severity", defaults["severity"])
            if severity not in SEVERITIES:
                raise LexiconError(f"{where}: severity must be one of {', '.join(SEVERITIES)}, got {severity!r}")
            explanation = {**defaults["explanation"], **(raw.get("explanation") or {})}
            suggestion = raw.get("suggestion") or defaults["suggestion"][lang]
            confidence = raw.get("confidence", defaults.get("confidence", "high"))
            if confidence not in ("high", "low"):
                raise LexiconError(f"{where}: confidence must be high or low, got {confidence!r}")
            entry = Entry(
                style=bool(defaults.get("style", False)),
                confidence=confidence,
                category=category,
                severity=severity,
                lang=lang,
                explanation=explanation,
                suggestion=suggestion,
                when_vague=bool(raw.get("when_vague", False)),
                label=where,
            )
            phrases += _phrases(raw.get("patterns") or [], entry, where, typos=bool(raw.get("typos")))
    return phrases, confusables


def _cue_phrases(data: dict[str, Any], where: str) -> list[tuple[list, Any]]:
    phrases = []
    for cue, by_lang in data.items():
        for lang, patterns in (by_lang or {}).items():
            phrases += _phrases(patterns or [], cue, f"{where} {cue}.{lang}")
    return phrases


@lru_cache(maxsize=4)
def load_lexicon(directory: Path | None = None) -> Lexicon:
    """Compile the lexicon files (the shipped ones, or a folder with the same six files) into automata.
    Takes seconds (about 13 on 2 cores), so it is cached per process."""
    root: Any = directory if directory is not None else resources.files("drafting.guards.lexicon")
    categories = _read_yaml(root, "categories.yaml")
    unknown = set(categories) - set(CATEGORIES)
    if unknown:
        raise LexiconError(f"{_where(root)}/categories.yaml: unknown categories {sorted(unknown)}")
    flag_phrases, confusables = _flag_entries(root, categories)
    context = _read_yaml(root, "context.yaml")
    cues = _read_yaml(root, "cues.yaml")
    scoring = _read_yaml(root, "scoring.yaml")
    unknown_strategies = set(scoring["politeness"]["strategies"]) - set(cues)
    if unknown_strategies:
        raise LexiconError(f"{_where(root)}/scoring.yaml: politeness strategies with no cues in cues.yaml: {sorted(unknown_strategies)}")
    where = f"{_where(root)}/context.yaml"
    try:
        reported, disavowal, negator = (build_automaton(_cue_phrases({key: context[key]}, where)) for key in ("reported", "disavowal", "negator"))
    except KeyError as exc:
        raise LexiconError(f"{where}: missing section {exc}") from None
    try:
        emoticon = re.compile(str(context.get("emoticon") or r"(?!)"))
    except re.error as exc:
        raise LexiconError(f"{where}: emoticon is not a valid regular expression: {exc}") from None
    return Lexicon(
        rhetorical=_rhetorical(context, where),
        customer_words=build_automaton(_cue_phrases({"customer_words": context.get("customer_words") or {}}, where)),
        idiom=build_automaton(_cue_phrases({"idiom": context.get("idiom") or {}}, where)),
        emoticon=emoticon,
        flags=build_automaton(flag_phrases, confusables),
        cues=build_automaton(_cue_phrases(cues, f"{_where(root)}/cues.yaml")),
        reported=reported,
        disavowal=disavowal,
        negator=negator,
        scoring=scoring,
        categories=categories,
    )


def _rhetorical(context: dict[str, Any], where: str) -> tuple[str, ...]:
    words: list[str] = []
    for lang, items in (context.get("rhetorical") or {}).items():
        if not isinstance(items, list) or not all(isinstance(w, str) and w.strip() for w in items):
            raise LexiconError(f"{where}: rhetorical.{lang} must be a list of non-empty words")
        words += [fold(w.strip()) for w in items]
    return tuple(words)


# ── context ────────────────────────────────────────────────────────────────────────────────────────

_SENTENCE_END = re.compile(r"[.!?;。！？；\n]")
_QUOTE = re.compile(r"“[^”\n]{1,160}”|「[^」\n]{1,160}」|『[^』\n]{1,160}』|\"[^\"\n]{1,160}\"|(?<!\w)'(?:[^'\n]|'(?=\w)){1,160}'(?!\w)")
_QUOTE_OR_SPACE = re.compile(r"[\s\"'“”「」『』:：,，]*")


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    before = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    after = _SENTENCE_END.search(text, end)
    return before, after.end() if after else len(text)


def _next_sentence_end(text: str, position: int) -> int:
    after = _SENTENCE_END.search(text, position)
    while after and after.end() < len(text) and _SENTENCE_END.match(text, after.end()):
        after = _SENTENCE_END.search(text, after.end())
    return after.end() if after else len(text)


def _excuse(folded: str, start: int, end: int, lexicon: Lexicon, quotes: list[tuple[int, int]]) -> str | None:
    """Why this match should not count against the text, or None when it should."""
    if any(m.start() <= start and end <= m.end() for m in lexicon.emoticon.finditer(folded, max(0, start - 12), end + 12)):
        return "emoticon"
    sentence_start, sentence_end = _sentence_bounds(folded, start, end)
    if lexicon.idiom is not None:
        near = max(sentence_start, start - 24)
        if any(near + m.start() <= start and end <= near + m.end() for m, _ in lexicon.idiom.finditer(folded[near : min(sentence_end, end + 24)])):
            return "idiom"
    window_start = max(sentence_start, start - 24)
    for match, _ in lexicon.negator.finditer(folded[window_start:end]):
        negator_start, negator_end = window_start + match.start(), window_start + match.end()
        # right before the phrase, or sharing its first words: 不是 + "是平台的问题" reads 不是平台的问题, "not
        # the platform's fault" — owning it, not blaming
        before = negator_end <= start and _QUOTE_OR_SPACE.fullmatch(folded[negator_end:start])
        if (before or negator_start < start < negator_end < end) and not _rhetorical_before(folded, negator_start, lexicon):
            return "negated"
    in_quotes = any(q_start <= start and end <= q_end for q_start, q_end in quotes)
    if in_quotes and lexicon.customer_words is not None and any(True for _ in lexicon.customer_words.finditer(folded[sentence_start:start])):
        return "customer-words"
    reported = in_quotes or any(True for _ in lexicon.reported.finditer(folded[sentence_start:start]))
    if not reported:
        return None
    # Quotation marks say the words are mentioned, not used: a text that quotes a phrase and owns the
    # mistake anywhere (a statement titled “别闹了行吗” that apologises three sentences later) is
    # apologising for it. Reported speech without quotes must be owned in the same or the next sentence.
    if in_quotes:
        context = folded[:start] + " " + folded[end:]
    else:
        context = folded[sentence_start:start] + " " + folded[end : _next_sentence_end(folded, sentence_end)]
    if any(True for _ in lexicon.disavowal.finditer(context)):
        return "quoted-apology"
    return None


def _rhetorical_before(folded: str, position: int, lexicon: Lexicon) -> bool:
    """Whether the negator starting at `position` is a rhetorical "isn't it" (还不是…) rather than a denial."""
    return bool(lexicon.rhetorical) and folded[max(0, position - 4) : position].endswith(lexicon.rhetorical)


# ── scoring ────────────────────────────────────────────────────────────────────────────────────────


def _clamp(value: float) -> int:
    rounded = round(value)
    return 0 if rounded < 0 else 100 if rounded > 100 else int(rounded)


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


_LATIN_WORD = re.compile(r"[A-Za-z']+")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_ASCII_CAPITAL = re.compile(r"[A-Z]")


def _long_sentences_penalty(text: str, lang: str, rule: dict[str, Any]) -> float:
    if lang == "zh":
        # No sentence can be longer than the whole text: most messages are short enough to skip the split.
        if len(text) <= rule["zh_chars"] or count_cjk(text) <= rule["zh_chars"]:
            return 0.0
    elif len(text) <= 2 * rule["en_words"] or len(_LATIN_WORD.findall(text)) <= rule["en_words"]:
        return 0.0  # (a word and the break after it take two characters at least)
    penalty = 0.0
    for sentence in _sentences(text):
        if lang == "zh":
            over = count_cjk(sentence) - rule["zh_chars"]  # Han characters: punctuation makes no sentence longer
            penalty += max(0, over) * rule["zh_cost"]
        else:
            over = len(_LATIN_WORD.findall(sentence)) - rule["en_words"]
            penalty += max(0, over) * rule["en_cost"]
    return penalty


def _clarity(text: str, lang: str, cues: Counter, scoring: dict[str, Any]) -> float:
    penalty = _long_sentences_penalty(text, lang, scoring["long_sentence"])
    capitals = len(_ASCII_CAPITAL.findall(text))
    # SHOUTING: most of at least 12 letters in capitals, so 8 capitals at least (7/12 is under 0.6).
    if capitals >= 8:
        letters = len(_ASCII_LETTER.findall(text))
        if letters >= 12 and capitals / letters > 0.6:
            penalty += 20
    return 100 - penalty - 10 * min(cues.get("jargon", 0), 3) - 8 * min(cues.get("shouting", 0), 2)


def _politeness(cues: Counter, flags: list[Flag], scoring: dict[str, Any]) -> float:
    rule = scoring["politeness"]
    value = float(rule["base"])
    for strategy, weight in rule["strategies"].items():
        count = cues.get(strategy, 0)
        if count:  # adding nothing would leave the sum as it is
            value += weight["points"] * min(count, weight["cap"])
    for f in flags:
        value -= rule["flag_cost"][f.severity]
    return value


def _subscores(text: str, lang: str, kind: str, cues: Counter, flags: list[Flag], scoring: dict[str, Any]) -> dict[str, int]:
    by_category: dict[str, int] = {}
    for f in flags:
        by_category[f.category] = by_category.get(f.category, 0) + 1
    cue, flagged = cues.get, by_category.get  # (how often a cue occurs / a category is flagged; default 0)
    draft = kind == "draft"
    concrete = sum(1 for c in _CONCRETE if cue(c, 0))

    empathy = (50 if draft else 65) + 22 * min(cue("empathy", 0), 2) + (10 if cue("apology", 0) else 0)
    empathy -= 30 * (flagged("dismissive", 0) + flagged("condescending", 0) + flagged("insult", 0)) + 15 * flagged("threat", 0)

    accountability = (60 if draft else 70) + 25 * min(cue("ownership", 0), 2)
    accountability -= 30 * (flagged("blame_shifting", 0) + flagged("defensive", 0))
    accountability -= 15 * (flagged("non_apology", 0) + flagged("stonewalling", 0) + flagged("rule_hiding", 0))
    accountability -= 12 * min(cue("deflection", 0), 2)

    if draft:
        apology = (75 if cue("apology", 0) else 45) + (25 if cue("ownership", 0) else 0)
    else:
        apology = 75 + (20 if cue("apology", 0) or cue("ownership", 0) else 0)
    if flagged("non_apology", 0):
        apology = min(apology, 25)

    specificity = (20 + 20 * concrete) if draft else (70 + 8 * concrete)
    specificity -= 10 * min(cue("vague", 0), 3) + 15 * flagged("officialese", 0) + 10 * flagged("over_promising", 0)

    return {
        "empathy": _clamp(empathy),
        "accountability": _clamp(accountability),
        "apology": _clamp(apology),
        "specificity": _clamp(specificity),
        "clarity": _clamp(_clarity(text, lang, cues, scoring)),
        "politeness": _clamp(_politeness(cues, flags, scoring)),
    }


_PARTS = ("apology", "action", "channel")


def missing_parts(cues: Counter) -> tuple[str, ...]:
    """What a full reply leaves out of apology, action and channel (the playbook's three musts)."""
    return tuple(part for part in _PARTS if not cues[part])


# ── the checker ────────────────────────────────────────────────────────────────────────────────────


class ToneChecker:
    """Holds the compiled lexicon and the verdict thresholds; `check` is pure and thread-safe."""

    def __init__(self, thresholds: Thresholds | None = None, lexicon: Lexicon | None = None, semantic: Any | None = None) -> None:
        """`semantic`: a SemanticToneModel (drafting.guards.tone_semantic) for phrasing no lexicon entry lists;
        without it the check is lexicon-only — microseconds instead of milliseconds, for bulk work such as
        scanning an imported chat."""
        self.thresholds = thresholds or Thresholds()
        self._lexicon = lexicon
        self.semantic = semantic

    @property
    def lexicon(self) -> Lexicon:
        """The shipped lexicon is compiled on first use, not at construction: compiling takes seconds, and
        many processes that hold a checker (an approval, a webhook worker, a CLI command) never check a text."""
        if self._lexicon is None:
            self._lexicon = load_lexicon()
        return self._lexicon

    def _cues(self, folded: str) -> Counter:
        automaton = self.lexicon.cues
        payloads = automaton.payloads
        cues: Counter = Counter()
        for match in automaton.regex.finditer(folded):
            for cue in payloads[match.lastindex or 0]:
                cues[cue] = cues.get(cue, 0) + 1
        return cues

    def cues(self, text: str) -> Counter:
        """How often each scoring cue (apology, ownership, empathy, action, time, amount, channel, …; see
        lexicon/cues.yaml) occurs in the text — what the playbook checklist reads."""
        return self._cues(fold(text))

    def resolve_kind(self, text: str, kind: str, lang: str) -> str:
        if kind in ("draft", "chat"):
            return kind
        if kind != "auto":
            raise ValueError(f"kind must be draft, chat or auto, got {kind!r}")
        limit = self.lexicon.scoring["auto_chat_max"]
        # Counting is skipped when the length alone settles it: no more Han characters than characters, no
        # more words than half the characters (rounded up).
        if lang == "zh":
            return "chat" if len(text) <= limit["zh_chars"] or count_cjk(text) <= limit["zh_chars"] else "draft"
        return "chat" if (len(text) + 1) // 2 <= limit["en_words"] or len(_LATIN_WORD.findall(text)) <= limit["en_words"] else "draft"

    def check(
        self, text: str, *, kind: str = "auto", lang: str | None = None, backed: Iterable[tuple[int, int]] = (), answering: Sequence[str] = ()
    ) -> ToneReport:
        """Flag, score and judge one text. `kind`: draft (a reply or statement — expected to apologise,
        act and give a channel), chat (a short staff message — missing structure is no fault), or auto
        (chat when short). `lang`: zh or en; detected when not given (it only picks the explanation
        language and sentence-length rules — phrases of both languages are always looked for). `backed`:
        spans that say a promise policy or the incident record backs word for word (commitments.backed_quotes):
        over-promising there is what was decided, excused as "backed-promise". `answering`: the customer's
        messages this text replies to, when known: courtesy alone in answer to a complaint is flagged as a
        hint (drafting.guards.answering), which no phrase list can see."""
        backed = list(backed)
        if not isinstance(text, str):
            raise TypeError(f"text must be a string, got {type(text).__name__}")
        if lang is None:
            lang = detect_language(text)
        elif lang not in LANGS:
            raise ValueError(f"lang must be zh or en, got {lang!r}")
        kind = self.resolve_kind(text, kind, lang)
        lexicon = self.lexicon
        folded = fold(text)
        cues = self._cues(folded)
        vague: bool | None = None  # counted when a when_vague entry matches: most texts match none

        flags: list[Flag] = []
        style: list[Flag] = []
        excused: list[Excused] = []
        quotes: list[tuple[int, int]] | None = None
        for match, entries in lexicon.flags.finditer(folded):
            entry: Entry = max(entries, key=lambda e: SEVERITIES.index(e.severity))
            start, end = match.span()
            if entry.when_vague:
                if vague is None:
                    vague = sum(1 for c in _CONCRETE if cues.get(c, 0)) < 2
                if not vague:
                    continue
            if quotes is None:
                quotes = [m.span() for m in _QUOTE.finditer(folded)]
            reason = _excuse(folded, start, end, lexicon, quotes)
            if not reason and entry.category == "over_promising" and any(lo <= start and end <= hi for lo, hi in backed):
                reason = "backed-promise"
            if reason:
                excused.append(Excused(entry.category, start, end, text[start:end], reason))
                continue
            (style if entry.style else flags).append(
                Flag(
                    category=entry.category,
                    start=start,
                    end=end,
                    phrase=text[start:end],
                    severity=entry.severity,
                    explanation=entry.explanation.get(lang, entry.explanation["en"]),
                    explanation_en=entry.explanation["en"],
                    suggestion=entry.suggestion,
                    confidence=entry.confidence,
                )
            )

        if self.semantic is not None and not flags and not excused and text.strip():
            hit = self.semantic.worst_sentence(text, lang)
            if hit is not None:
                flags.append(self._semantic_flag(text, hit, lang))
        elif self.semantic is not None and flags and not any(f.confident or f.severity == "high" for f in flags):
            flags = self._seconded(self.semantic, text, flags, lang)

        if answering and not flags:
            helped = any(cues.get(c, 0) for c in _CONCRETE)  # a step, a time, an amount or a channel
            brushed = answering_rules.brush_off(text, answering, lang, helped=helped)
            if brushed is not None:
                flags.append(self._brush_off_flag(text, brushed, lang))

        scoring = lexicon.scoring
        # boilerplate still makes a reply less specific: the score describes it, the verdict does not see it
        subscores = _subscores(text, lang, kind, cues, flags + style, scoring)
        weights = scoring["weights"][kind]
        score = sum(subscores[name] * weights[name] for name in SUBSCORES) / sum(weights.values())
        penalty = sum(scoring["flag_penalty"][f.severity] for f in flags) if flags else 0
        score = _clamp(score - min(penalty, scoring["max_flag_penalty"]))
        return ToneReport(
            score=score,
            verdict=self.verdict(score, flags),
            subscores=subscores,
            flags=tuple(flags),
            lang=lang,
            kind=kind,
            excused=tuple(excused),
            incomplete=missing_parts(cues) if kind == "draft" else (),
            style=tuple(style),
        )

    def _seconded(self, model: Any, text: str, hints: list[Flag], lang: str) -> list[Flag]:
        """Hints whose sentence the second opinion also judges to need revision, made confident.

        Each signal alone is too weak to act on (a context-dependent phrase; a model that barely beats chance
        on real replies), but the two are independent, so where they agree on the same sentence the phrase is
        being used the way that hurts. Only texts whose flags are all hints pay for the extra judgement."""
        spans = [_sentence_bounds(text, f.start, f.end) for f in hints]
        sentences = {span: text[span[0] : span[1]] for span in spans}
        judged = dict(zip(sentences, model.probabilities(list(sentences.values())), strict=True))
        cut_off = model.threshold_for(lang)
        out = []
        for flag, span in zip(hints, spans, strict=True):
            probability = float(judged[span])
            if probability < cut_off:
                out.append(flag)
                continue
            sure = round(100 * probability)
            prefix = {"zh": f"（按语义判断也需要修改，把握约{sure}%）", "en": f"(the meaning agrees, {sure}% sure) "}
            out.append(
                replace(
                    flag,
                    confidence="high",
                    probability=probability,
                    explanation=prefix["zh" if lang == "zh" else "en"] + flag.explanation,
                    explanation_en=prefix["en"] + flag.explanation_en,
                )
            )
        return out

    def _brush_off_flag(self, text: str, brushed: answering_rules.BrushOff, lang: str) -> Flag:
        """Courtesy alone (stonewalling) or a rule alone (rule-hiding) in answer to a complaint: a hint (low
        confidence) over the whole reply, for the reviewer; it never discards a model's draft, since the complaint
        patterns read the customer loosely."""
        return Flag(
            category="stonewalling" if brushed.form == "courtesy" else "rule_hiding",
            start=brushed.start,
            end=brushed.end,
            phrase=text[brushed.start : brushed.end],
            severity="medium",
            explanation=answering_rules.explanation(lang, brushed.form),
            explanation_en=answering_rules.explanation("en", brushed.form),
            suggestion=answering_rules.suggestion(lang, brushed.form),
            confidence="low",
            judged_by="context",
        )

    def _semantic_flag(self, text: str, hit: Any, lang: str) -> Flag:
        category = self.lexicon.categories[hit.category]
        sure = round(100 * hit.probability)
        prefix = {"zh": f"（按语义判断，把握约{sure}%，并非词表中的固定说法）", "en": f"(judged by meaning, {sure}% sure, not a listed phrase) "}
        return Flag(
            category=hit.category,
            start=hit.start,
            end=hit.end,
            phrase=text[hit.start : hit.end],
            severity="medium",  # a second opinion asks for a look; it never blocks on its own
            explanation=prefix[lang] + category["explanation"][lang],
            explanation_en=prefix["en"] + category["explanation"]["en"],
            suggestion=category["suggestion"][lang],
            confidence="high" if hit.confident else "low",
            judged_by="meaning",
            probability=hit.probability,
        )

    def verdict(self, score: int, flags: Iterable[Flag]) -> str:
        """From the flags alone. Hints (low-confidence, not high-severity) leave the verdict ok: they are for
        the reviewer to read. The score is not used, so neither a plain reply nor padding moves a verdict:
        flags block when one is high-severity or their penalties alone reach 100 - block_below."""
        counted = [f for f in flags if f.confident or f.severity == "high"] if flags else []
        if not counted:
            return "ok"
        penalty = sum(self.lexicon.scoring["flag_penalty"][f.severity] for f in counted)
        if any(f.severity == "high" for f in counted) or penalty >= 100 - self.thresholds.block_below:
            return "block"
        return "revise"


@lru_cache(maxsize=8)
def default_checker(revise_below: int = TONE_REVISE_BELOW, block_below: int = TONE_BLOCK_BELOW, semantic: bool = False) -> ToneChecker:
    model = None
    if semantic:
        from drafting.guards.tone_semantic import default_model

        model = default_model()
    return ToneChecker(Thresholds(revise_below=revise_below, block_below=block_below), semantic=model)


def check(text: str, *, kind: str = "auto", lang: str | None = None, thresholds: Thresholds | None = None) -> ToneReport:
    """Check one text with the shipped lexicon (compiled once per process)."""
    t = thresholds or Thresholds()
    return default_checker(t.revise_below, t.block_below).check(text, kind=kind, lang=lang)


def apply_suggestion(text: str, flag: Flag) -> str:
    """The text with the flagged phrase replaced by its suggestion (what the app's one-click fix does)."""
    if text[flag.start : flag.end] != flag.phrase:
        raise ValueError("the text changed since it was checked; check it again before applying a suggestion")
    suggestion = flag.suggestion
    if flag.phrase[:1].isupper() and suggestion[:1].islower():  # keep "As per…" → "Under…" at a sentence start
        suggestion = suggestion[0].upper() + suggestion[1:]
    return text[: flag.start] + suggestion + text[flag.end :]


def segments(text: str, flags: Iterable[Flag]) -> list[tuple[str, Flag | None]]:
    """The text cut into runs for inline highlighting: (run, the flag covering it or None). Where flags
    overlap, the earlier one wins; the runs always join back into the text."""
    runs: list[tuple[str, Flag | None]] = []
    position = 0
    for flag in sorted(flags, key=lambda f: (f.start, -f.end)):
        if flag.start < position or flag.end > len(text):
            continue
        if flag.start > position:
            runs.append((text[position : flag.start], None))
        runs.append((text[flag.start : flag.end], flag))
        position = flag.end
    if position < len(text) or not runs:
        runs.append((text[position:], None))
    return runs


def category_name(category: str, lang: str) -> str:
    """The category's display name in zh or en."""
    return load_lexicon().categories[category]["name"][lang]

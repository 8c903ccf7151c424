"""Reading the customer: what a ticket's messages ask for, threaten or tell us, who is writing and how angry.

A reply that ignores "退一赔十", "Refund. Now.", "my son is in hospital" or "I'm calling 12315" fails the
customer however polite it is, so every reply draft carries what was heard (Draft.asks). The reading is
data-driven: the grammar of demands, threats and questions lives in drafting/domain/playbook/asks.yaml
(read here as data, not imported), in Chinese and English. Pure functions over strings.

What is not an ask: the customer quoting staff or a notice (inside quotation marks), repeating someone
else's claim ("有人说可以退一赔三", "客服说给我退款"), declining something ("我不要退款", "no need to refund"), or
saying what they would ask for if something happened again ("if it breaks again I'll want a refund").

A second opinion, by meaning (drafting/domain/ask_meaning.py), hears the phrasings the lexicon does not list.
It is asked only for types the lexicon did not hear in the ticket, and only about sentences the lexicon
counts as the customer's own: a sentence whose every clause is reported, quoted or negated, or where the
lexicon heard the type and declined it, gives the classifier nothing to add.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any, Literal, cast, get_args

from drafting.domain.ask_meaning import AskMeaning, sentence_spans
from drafting.domain.models import Ask, AskType
from drafting.text.data import PackagedDataError, compile_patterns, load_yaml, patterns_by_language
from drafting.text.numbers import normalise, parse_number, scan_numbers
from knowledge.documents import detect_language

Role = Literal["wronged", "bystander", "viral_poster", "vip", "repeat"]
ASK_TYPES: tuple[AskType, ...] = get_args(AskType)
ROLES: tuple[Role, ...] = get_args(Role)
_LEXICON = ("drafting.domain.playbook", "asks.yaml")
_FLAGS = re.IGNORECASE


@dataclass(frozen=True)
class CustomerReading:
    """What a ticket's customer asked for, who they are in the incident and how angry they are (0-3)."""

    asks: list[Ask] = field(default_factory=list)
    role: Role = "wronged"
    anger: int = 0
    # Remedy types the customer said they do not want ("我不要券", "keep your coupons"): still theirs by policy,
    # but a reply that offers them anyway reads as not having listened.
    refused: frozenset[str] = frozenset()

    def types(self) -> set[str]:
        return {ask.type for ask in self.asks}


@dataclass(frozen=True)
class _Patterns:
    find: list[re.Pattern[str]]
    unless: list[re.Pattern[str]]


@dataclass(frozen=True)
class _Lexicon:
    split: dict[str, re.Pattern[str]]
    negated_prefix: str
    ultimatum: dict[str, list[re.Pattern[str]]]
    negation: dict[str, list[re.Pattern[str]]]
    reported: dict[str, list[re.Pattern[str]]]
    hypothetical: dict[str, list[re.Pattern[str]]]
    asks: dict[str, dict[str, _Patterns]]  # type -> lang -> patterns
    multiples: dict[str, list[re.Pattern[str]]]
    apology_who: dict[str, list[re.Pattern[str]]]
    roles: dict[str, dict[str, list[re.Pattern[str]]]]
    anger: _Anger
    refused: dict[str, dict[str, list[re.Pattern[str]]]]  # remedy type -> lang -> "I don't want your coupon"


@dataclass(frozen=True)
class _Anger:
    base_with_ask: int
    ask_weights: dict[str, int]
    signs: list[tuple[int, dict[str, re.Pattern[str]]]]  # (weight, pattern per language): raise anger
    calm: list[tuple[int, dict[str, re.Pattern[str]]]]  # lower it


def _weighted(entries: Any, where: str) -> list[tuple[int, dict[str, re.Pattern[str]]]]:
    signs = []
    for number, entry in enumerate(entries or [], start=1):
        patterns = _by_lang({lang: [entry.get(lang, "(?!)")] for lang in ("zh", "en")}, f"{where} #{number}")
        signs.append((int(entry["weight"]), {lang: found[0] for lang, found in patterns.items()}))
    return signs


def _anger_rules(data: Any) -> _Anger:
    return _Anger(
        base_with_ask=int(data["base_with_ask"]),
        ask_weights={str(kind): int(weight) for kind, weight in data["ask_weights"].items()},
        signs=_weighted(data["signs"], "anger.signs"),
        calm=_weighted(data["calm"], "anger.calm"),
    )


def _compile(patterns: Any, where: str) -> list[re.Pattern[str]]:
    return compile_patterns(patterns, f"{_LEXICON[1]}: {where}", flags=_FLAGS)


def _by_lang(data: Any, where: str) -> dict[str, list[re.Pattern[str]]]:
    return patterns_by_language(data, f"{_LEXICON[1]}: {where}", flags=_FLAGS)


@cache
def _lexicon() -> _Lexicon:
    data = load_yaml(*_LEXICON)
    unknown = set(data["asks"]) - set(ASK_TYPES)
    if unknown:
        raise PackagedDataError(f"{_LEXICON[1]}: asks: unknown ask types {sorted(unknown)}; known: {ASK_TYPES}")
    asks: dict[str, dict[str, _Patterns]] = {}
    for kind, entry in data["asks"].items():
        find = _by_lang(entry, f"asks.{kind}")
        unless = _by_lang(entry.get("unless") or {}, f"asks.{kind}.unless")
        asks[kind] = {lang: _Patterns(find[lang], unless[lang]) for lang in ("zh", "en")}
    return _Lexicon(
        split={lang: re.compile(pattern) for lang, pattern in data["clause_split"].items()},
        negated_prefix=str(data["negated_prefix"]),
        ultimatum=_by_lang(data.get("ultimatum") or {}, "ultimatum"),
        negation=_by_lang(data["negation"], "negation"),
        reported=_by_lang(data["reported"], "reported"),
        hypothetical=_by_lang(data.get("hypothetical") or {}, "hypothetical"),
        asks=asks,
        multiples=_by_lang(data["multiples"], "multiples"),
        apology_who=_by_lang(data["apology_who"], "apology_who"),
        roles={role: _by_lang(data["roles"][role], f"roles.{role}") for role in ROLES if role in data["roles"]},
        anger=_anger_rules(data["anger"]),
        refused={kind: _by_lang(entry, f"refused.{kind}") for kind, entry in (data.get("refused") or {}).items()},
    )


# Quoted speech: “…”, 「…」, "…" and '…' (an apostrophe inside a word, as in it's, neither opens nor closes;
# a single-quoted span is bounded so a text full of apostrophes cannot make the scan quadratic).
_QUOTE = re.compile(r"“[^”]*”?|「[^」]*」?|『[^』]*』?|\"[^\"]*\"?|(?<![A-Za-z])'[^\n]{1,300}?'(?![A-Za-z])")


def _quoted(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _QUOTE.finditer(text)]


def _clauses(message: str, lang: str) -> list[tuple[int, str]]:
    """The message cut into clauses, each with its offset in the message."""
    pieces, start = [], 0
    for cut in _lexicon().split[lang].finditer(message):
        pieces.append((start, message[start : cut.end()]))
        start = cut.end()
    pieces.append((start, message[start:]))
    return [(at, text) for at, text in pieces if text.strip()]


def _language(text: str, lang: str | None) -> str:
    """The language whose grammar reads this text: Han characters mean Chinese whatever the ticket says."""
    own = detect_language(text)
    return own if own in ("zh", "en") else (lang or "zh")


# A negation reaches to the next comma: "I don't care about that, I just want to know …" asks; and, in a
# run-on sentence with no commas, no further than a few words ("i dont even want a refund honestly i want you
# to tell me why this keeps happening" still asks why).
_NEGATION_SCOPE = re.compile(r"[,，;；]")
_NEGATION_REACH = 40  # characters between the cue and the ask it declines


def _negated(clause: str, match: re.Match[str], lang: str, after: str = "") -> bool:
    """`after`: the rest of the message, where an ultimatum may follow the clause ("不赔我，这事没完")."""
    lexicon = _lexicon()
    start = match.start()
    if start > 0 and clause[start - 1] in lexicon.negated_prefix:
        return not any(pattern.search(clause[match.end() :] + after) for pattern in lexicon.ultimatum[lang])
    scope = max([cut.end() for cut in _NEGATION_SCOPE.finditer(clause, 0, start)] + [start - _NEGATION_REACH, 0])
    # the cue may run into the match ("don't send another"), but must begin before it
    window = clause[scope : match.end()]
    return any(cue.start() < start - scope for pattern in lexicon.negation[lang] for cue in pattern.finditer(window))


def _reported(clause: str, lang: str) -> bool:
    """Someone else's words, or the customer's own words about what they would ask if something happened
    ("if the new one breaks too I'll want my money back"): neither asks for anything now."""
    lexicon = _lexicon()
    return any(cue.search(clause) for cues in (lexicon.reported[lang], lexicon.hypothetical[lang]) for cue in cues)


def _heard(clause: str, lang: str, after: str = "") -> list[tuple[str, re.Match[str]]]:
    """Every (ask type, match) in one clause that is the customer's own, affirmative ask."""
    lexicon = _lexicon()
    if _reported(clause, lang):
        return []
    quoted = _quoted(clause)
    found: list[tuple[str, re.Match[str]]] = []
    for kind, by_lang in lexicon.asks.items():
        patterns = by_lang[lang]
        if any(veto.search(clause) for veto in patterns.unless):
            continue
        for pattern in patterns.find:
            match = next((m for m in pattern.finditer(clause) if _own_words(clause, m, quoted, lang, after)), None)
            if match:
                found.append((kind, match))
                break
    return found


def _own_words(clause: str, match: re.Match[str], quoted: list[tuple[int, int]], lang: str, after: str = "") -> bool:
    if any(start < match.start() < end or start == match.start() for start, end in quoted):
        return False
    return not _negated(clause, match, lang, after)


_CURRENCY_SIGNS = {"¥": "CNY", "￥": "CNY", "元": "CNY", "块": "CNY", "$": "USD", "€": "EUR", "£": "GBP"}
# A sum named with a word after it ("500 yuan", "200 dollars", "50 quid").
_CURRENCY_WORD = re.compile(r"^\s?(?P<word>yuan|rmb|cny|kuai|dollars?|bucks|usd|hkd|euros?|eur|pounds?|quid|gbp)\b", _FLAGS)
_CURRENCY_WORDS = {
    "yuan": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "kuai": "CNY",
    "dollar": "USD",
    "dollars": "USD",
    "bucks": "USD",
    "usd": "USD",
    "hkd": "HKD",
    "euro": "EUR",
    "euros": "EUR",
    "eur": "EUR",
    "pound": "GBP",
    "pounds": "GBP",
    "quid": "GBP",
    "gbp": "GBP",
}
_NOT_MONEY = re.compile(
    r"^\s*(?:%|天|小时|分钟|次|个|节|晚|年|月|周|号|点|倍|岁|斤|公斤|克|件|台|瓶|盒|张|位|人|楼|层|x\b|days?|hours?|min|minutes?|times|cycles|nights|years?|months?|weeks?|am|pm|stars?|kg|g\b|years? old|yo\b)",
    _FLAGS,
)


# A number glued to Latin letters, or followed by a hyphen and more digits, is a code, not a sum.
_CODE_EDGE = re.compile(r"[A-Za-z]$")
_CODE_TAIL = re.compile(r"^(?:[A-Za-z]|-\d)")
_CURRENCY_CODES = frozenset({"RMB", "CNY", "USD", "HKD", "EUR", "GBP"})


_ASCII_DIGIT = re.compile(r"[0-9０-９]")


def _money(text: str, lang: str) -> tuple[Decimal, str] | None:
    """The last sum of money written in `text`, with its currency (CNY for a bare sum in Chinese)."""
    normalised = normalise(text)
    best = None
    for number in scan_numbers(normalised.text):
        start, end = normalised.span(number.start, number.end)
        after, before = text[end : end + 8], text[max(0, start - 2) : start]
        if _NOT_MONEY.match(after) or "#" in before or number.value < 1:
            continue
        currency_code = text[max(0, start - 4) : start].strip().upper()[-3:] in _CURRENCY_CODES
        if (_CODE_EDGE.search(before) and not currency_code) or _CODE_TAIL.match(after):
            continue  # part of a batch number, order id or model (QD2410, LT20261111-0457, Q10): not a sum
        if currency_code:  # RMB500, "USD 200"
            code = text[max(0, start - 4) : start].strip().upper()[-3:]
            best = (number.value, "CNY" if code == "RMB" else code)
            continue
        sign = next((c for c in before + after[:2] if c in _CURRENCY_SIGNS), None)
        word = _CURRENCY_WORD.match(text[end : end + 10])
        if word:
            best = (number.value, _CURRENCY_WORDS[word.group("word").lower()])
            continue
        if sign is None and lang == "en":
            continue  # English sums come with a sign or a currency word; a bare number is a count or a size
        if sign is None and not _ASCII_DIGIT.search(text[start:end]):
            # a bare sum is written in digits ("赔我500"); a Chinese numeral with no 元/块 is a count or part of a
            # phrase ("一句准话", the 三 of 假一赔三), not money
            continue
        best = (number.value, _CURRENCY_SIGNS[sign] if sign else "CNY")
    return best


def _multiple(text: str, lang: str) -> int | None:
    words = {"double": 2, "triple": 3, "quadruple": 4}
    for pattern in _lexicon().multiples[lang]:
        match = pattern.search(text)
        if not match:
            continue
        groups = match.groupdict()
        if groups.get("word"):
            return words[groups["word"].lower()]
        value = parse_number(groups["n"]) if groups.get("n") else None
        if value is not None and value > 1:
            return int(value)
    return None


def _who(clause: str, lang: str) -> str | None:
    for pattern in _lexicon().apology_who[lang]:
        match = pattern.search(clause)
        if match and match.group("who").strip():
            return match.group("who").strip()
    return None


def _ask(kind: str, phrase: str, clause: str, message: str, lang: str) -> Ask:
    ask = Ask(type=cast(AskType, kind), phrase=phrase.strip() or phrase)
    if kind in ("refund", "compensation"):
        multiple = _multiple(clause, lang)
        money = None if multiple else (_money(clause, lang) or _money(message, lang))
        if money and kind == "compensation":
            ask = ask.model_copy(update={"amount": money[0], "currency": money[1]})
        if multiple:
            ask = ask.model_copy(update={"multiple": multiple})
    if kind == "apology_from":
        # the person may be named in the clause before ("还有那个管理员，必须给我道歉"): the message is searched next
        ask = ask.model_copy(update={"who": _who(clause, lang) or _who(message, lang)})
    return ask


@cache
def _any_pattern_of(kind: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p.pattern})" for lang in ("zh", "en") for p in _lexicon().asks[kind][lang].find), _FLAGS)


def may_ask(text: str, kind: str) -> bool:
    """A cheap first look: False when no pattern of this ask type occurs anywhere in the text, so read_asks
    (about a millisecond a message) need only read the texts that could carry it (a radar over a long chat)."""
    return bool(_any_pattern_of(kind).search(text))


def read_asks(messages: list[str], lang: str | None = None, meaning: AskMeaning | None = None) -> CustomerReading:
    """What the customer asked for in these messages (in order, one ask per type and phrase), their role and
    their anger. `lang` is the ticket's language; each message is read in the language it is written in.
    `meaning`: the classifier's second opinion for types the lexicon did not hear (None: the lexicon alone)."""
    asks: list[Ask] = []
    seen: set[tuple[str, str]] = set()
    for message in messages:
        message_lang = _language(message, lang)
        for at, clause in _clauses(message, message_lang):
            for kind, match in _heard(clause, message_lang, message[at + len(clause) :]):
                ask = _ask(kind, match.group(0), clause, message, message_lang)
                if (ask.type, ask.phrase) not in seen:
                    seen.add((ask.type, ask.phrase))
                    asks.append(ask)
    if meaning is not None:
        asks += _asks_by_meaning(messages, lang, meaning, {ask.type for ask in asks})
    text = "\n".join(messages)
    text_lang = _language(text, lang)
    return CustomerReading(asks=asks, role=_role(text, text_lang), anger=_anger(text, text_lang, asks), refused=_refused(text, text_lang))


def _refused(text: str, lang: str) -> frozenset[str]:
    """The remedy types the customer turns down in so many words."""
    return frozenset(kind for kind, by_lang in _lexicon().refused.items() if any(p.search(text) for p in by_lang[lang]))


@dataclass(frozen=True)
class MeaningUnit:
    """A sentence the classifier may read: where it is, and the ask types the lexicon rules out in it."""

    message: int
    start: int
    end: int
    text: str
    ruled_out: frozenset[str]  # every type, when nothing in the sentence is the customer's own ask


def meaning_units(messages: list[str], lang: str | None = None) -> list[MeaningUnit]:
    """The sentences of the customer's messages, each with the types the lexicon rules out there: a sentence
    whose clauses are all reported, quoted or negated asks for nothing; a type the lexicon found only in
    declined or reported words ("不用退款", "I'm not asking for a refund", "客服说给我退款") is not asked."""
    units = []
    for number, message in enumerate(messages):
        message_lang = _language(message, lang)
        for start, end in sentence_spans(message):
            sentence = message[start:end]
            # each clause once, with whether it is the customer's own: both readings below need them
            clauses = [(at, clause, _own_clause(clause, message_lang)) for at, clause in _clauses(sentence, message_lang)]
            ruled_out = frozenset(_ruled_out(clauses, message_lang))
            # meaning reads only the customer's own clauses: beside a declined or reported one ("不用安排人跟我通话，
            # 留言回复就行") the whole sentence still sounds like the declined ask
            for run_start, run_end in _own_runs(sentence, clauses) or [(0, len(sentence))]:
                units.append(MeaningUnit(number, start + run_start, start + run_end, sentence[run_start:run_end], ruled_out))
    return units


def _own_runs(sentence: str, clauses: list[tuple[int, str, bool]]) -> list[tuple[int, int]]:
    """The spans of consecutive clauses of the sentence that are the customer's own (_own_clause), trimmed."""
    runs: list[tuple[int, int]] = []
    open_run: tuple[int, int] | None = None
    for at, clause, own in clauses:
        if own:
            open_run = (open_run[0] if open_run else at, at + len(clause))
        elif open_run:
            runs.append(open_run)
            open_run = None
    if open_run:
        runs.append(open_run)
    trimmed = []
    for start, end in runs:
        text = sentence[start:end]
        start += len(text) - len(text.lstrip())
        end -= len(text) - len(text.rstrip(" ,，、"))
        if end > start:
            trimmed.append((start, end))
    return trimmed


def _ruled_out(clauses: list[tuple[int, str, bool]], lang: str) -> set[str]:
    """The ask types a sentence (its clauses, each marked whether the customer's own) rules out for meaning."""
    lexicon = _lexicon()
    if not any(own for _, _, own in clauses):
        return set(ASK_TYPES)
    heard = {kind for _, clause, _ in clauses for kind, _ in _heard(clause, lang)}
    mentioned = {
        kind for kind, by_lang in lexicon.asks.items() if any(pattern.search(clause) for pattern in by_lang[lang].find for _, clause, _ in clauses)
    }
    return mentioned - heard


def _own_clause(clause: str, lang: str) -> bool:
    """Not reported, not wholly inside quotation marks, and with no negation cue."""
    if _reported(clause, lang) or not _QUOTE.sub("", clause).strip(" ,，.。!！?？"):
        return False
    return not any(cue.search(clause) for cue in _lexicon().negation[lang])


def meaning_scores(units: list[MeaningUnit], probabilities: Any, types: tuple[str, ...]) -> dict[str, tuple[float, int]]:
    """Per ask type, the highest probability over the units that may ask for it, with that unit's index."""
    best: dict[str, tuple[float, int]] = {}
    for index, unit in enumerate(units):
        for column, kind in enumerate(types):
            p = float(probabilities[index][column])
            if kind not in unit.ruled_out and p > best.get(kind, (-1.0, -1))[0]:
                best[kind] = (p, index)
    return best


def _asks_by_meaning(messages: list[str], lang: str | None, meaning: AskMeaning, heard: set[str]) -> list[Ask]:
    if not meaning.listening() - heard:
        return []  # nothing left that meaning could add: no sentence is encoded
    units = meaning_units(messages, lang)
    if not units:
        return []
    probabilities = meaning.probabilities([unit.text for unit in units])
    asks = []
    for kind, (p, index) in meaning_scores(units, probabilities, meaning.types).items():
        if kind in heard or p < meaning.thresholds[meaning.types.index(kind)]:
            continue
        unit = units[index]
        message = messages[unit.message]
        asks.append(_ask(kind, unit.text, unit.text, message, _language(message, lang)))
    return asks


def _role(text: str, lang: str) -> Role:
    for role, patterns in _lexicon().roles.items():
        if any(pattern.search(text) for pattern in patterns[lang]):
            return cast(Role, role)
    return "wronged"


def _anger(text: str, lang: str, asks: list[Ask]) -> int:
    """0 calm … 3 furious: a base for having asked at all, weights for threats and harm, shouting and
    ultimatums, and calm signs (thanks, please) that pull it down."""
    rules = _lexicon().anger
    score = rules.base_with_ask if asks else 0
    score += sum(rules.ask_weights.get(kind, 0) for kind in {ask.type for ask in asks})
    score += sum(weight for weight, pattern in rules.signs if pattern[lang].search(text))
    score -= sum(weight for weight, pattern in rules.calm if pattern[lang].search(text))
    return max(0, min(3, score))

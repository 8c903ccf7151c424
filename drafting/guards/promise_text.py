"""The text the commitment guard reads: its words, its clauses and its quantities.

- the lexicon (drafting/guards/lexicon/commitments.yaml) compiled into fast alternations;
- `IndexedText`: the normalised text with its sentence and clause breaks and, per kind of word, where those
  words occur — scanned lazily, only near the amounts that need them, so the guard stays linear;
- `quantities`: every number with the unit written after it or the currency written before it (30元, $5,
  5-7 days, 8折, 三倍, 10张).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from drafting.text.data import load_yaml
from drafting.text.numbers import Normalised, Number, scan_numbers
from knowledge.cjk import CJK_RANGES

LABEL_REACH = 20  # characters: a field label before a colon (退款金额：, Compensation:, Estimated arrival:)
CLAUSE_REACH = 80  # characters: how far a clause may extend either side of an amount
SENTENCE_REACH = 160


# ── lexicon ────────────────────────────────────────────────────────────────────────────────────────


_LEADING_GROUP = re.compile(r"^\(([^()?]*)\)")
_LEADING_LOOKBEHIND = re.compile(r"^((?:\(\?<![^()]*\))+)(.)")


def literal_first(word: str) -> list[str]:
    """Rewrite a word so that it starts with a literal character: '(the|this) item' → 'the item', 'this item';
    '(?<!大)后天' → '后(?<!大后)天'. An alternation whose every branch starts with a literal lets the regex
    engine skip ahead by character set, which makes scanning a megabyte ~40× faster."""
    group = _LEADING_GROUP.match(word)
    if group:
        return [alternative + word[group.end() :] for alternative in group.group(1).split("|")]
    behind = _LEADING_LOOKBEHIND.match(word)
    if behind:
        first = behind.group(2)
        moved = re.sub(r"\(\?<!([^()]*)\)", lambda m: f"(?<!{m.group(1)}{re.escape(first)})", behind.group(1))
        return [first + moved + word[behind.end() :]]
    return [word]


def alternation(words: Iterable[str]) -> str:
    """One alternation, longest first, with word boundaries added around Latin words (so 'double' does not
    match 'doubled' and 'in' does not match 'within'). Words are grouped by their first character
    ('r(?:efund…|eimburs…)') and the boundary before a Latin word is checked after that character: the
    engine then skips ahead by character set and tries few branches where it stops, which is what keeps a
    megabyte of prose fast (see literal_first)."""
    grouped: dict[str, list[str]] = {}
    others: list[str] = []
    # longest first, but a word that only looks ahead ('退(?=…30)') after the words spelled out ('退款')
    for word in sorted((w for given in words for w in literal_first(given)), key=lambda w: ("(?=" in w, -len(w))):
        tail = "(?![a-z])" if re.search(r"[a-z]\??$|[a-z]\)\??$", word) else ""
        first = word[0]
        if len(word) > 1 and word[1] in "?*+{|" or first in "\\()[].^$|?*+{":
            others.append(f"(?:{word}){tail}")
            continue
        head = f"(?<![a-z]{re.escape(first)})" if re.match(r"[a-z]", first) else ""
        grouped.setdefault(first, []).append(f"{head}(?:{word[1:]}){tail}" if len(word) > 1 else f"{head}{tail}")
    parts = [f"{re.escape(first)}(?:{'|'.join(rests)})" for first, rests in grouped.items()]
    return "|".join(parts + others)


def compile_words(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile(alternation(words))


@dataclass(frozen=True)
class Lexicon:
    data: dict[str, Any]
    unit_after: re.Pattern[str]  # named groups: cur_XXX, pct, mult, zhe, dur_XXX, cnt_XXX
    currency_before: re.Pattern[str]
    patterns: dict[str, re.Pattern[str]]
    remedy: dict[str, re.Pattern[str]]
    residual_remedy: dict[str, re.Pattern[str]]  # remedy nouns and verbs that give, for the last net
    deadline_words: dict[str, re.Pattern[str]]
    multiple_words: dict[Decimal, re.Pattern[str]]
    multiple_before: re.Pattern[str]
    free_period: dict[str, re.Pattern[str]]
    reward_unit_after: re.Pattern[str]
    fraction_off: dict[Decimal, re.Pattern[str]]
    vague_duration: list[tuple[Decimal, str, re.Pattern[str]]]  # (how many, unit, words)


_PATTERN_LISTS = (
    "giving",
    "threshold_before",
    "threshold_after",
    "off_after",
    "fact",
    "discount",
    "full_refund",
    "partial_refund",
    "item_scope",
    "order_scope",
    "half_price",
    "free_order",
    "future_order",
    "free",
    "membership",
    "response",
    "processing",
    "validity",
    "time_fact",
    "within_after",
    "within_before",
    "future",
    "granting",
    "before_after",
    "before_before",
    "until",
    "immediate_arrival",
    "immediate_reply",
    "cash_gift",
    "gift_item",
    "attribution",
    "decline",
    "money_fact",
    "partial_marker",
    "half_of",
    "own_work",
    "work_owner",
    "personal_call",
    "reported",
    "relayed",
    "correction",
    "question_start",
    "negation",
    # the safety net's words (drafting/guards/commitments.py, _SafetyNet)
    "payment_channel",
    "past",
    "demand",
    "commit",
    "action_after",
    "lifetime",
    "benefit_free",
    "benefit_member",
    "replacement",
    "apposition",
    "offer_question",
    "instruction",
    "copula_before",
    "plan_header",
    "recurring",
    "open_validity",
    "reward_noun_before",
    "discount_period",
    "coupon_use",
    "excluded",
    "habitual",
    "completed",
    "waiver",
    "free_grant",
    "past_occasion",
    "excess_apology",
    "price_match",
    "traded",
    "expense_cover",
    "pledge",
    "no_wait",
    "apology_gift",
    "apology_gift_verb",
    "refers_back_after",
    "refers_back_before",
    "whole_order",
    "fee_scope",
    # the last net (drafting/guards/unrecognised.py)
    "offer",
    "past_time",
    "narrative_past",
    "repair_work",
    "goods_delivery",
    "receiving",
    "money_arrival",
    "immediate_word",
    "member_tier",
    "second_amount_before",
    "second_amount_after",
    "refund_beyond",
    "service_hours",
    "rate",
    "time_label",
    "expense",
    "price",
    "people",
    # the residual net's cues (drafting/guards/unrecognised.py)
    "residual_free_verb",
    "residual_free_word",
    "free_idiom",
    "residual_extra",
    "residual_value",
    "residual_scope",
    "paid_in_kind",
    "price_cut_after",
    "quota_after",
    "residual_member",
    "residual_grant",
    "residual_future",
    "residual_goods_after",
    "residual_topic",
)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    data = load_yaml("drafting.guards.lexicon", "commitments.yaml")
    groups: list[str] = []
    for code, words in data["currency_after"].items():
        groups.append(f"(?P<cur_{code}>{alternation(words)})")
    groups.append(f"(?P<pct>{alternation(data['percent_after'])})")
    groups.append(f"(?P<mult>{alternation(data['multiple_after'])})")
    groups.append(f"(?P<zhe>{alternation(data['zhe_after'])})")
    for unit, words in data["duration_after"].items():
        groups.append(f"(?P<dur_{unit}>{alternation(words)})")
    for unit, words in data["count_after"].items():
        groups.append(f"(?P<cnt_{unit}>{alternation(words)})")
    before = "|".join(f"(?P<{code}>{alternation(words)})" for code, words in data["currency_before"].items())
    return Lexicon(
        data=data,
        # "3 extra months of Plus", "a full 30 days": an adjective may sit between a number and its unit
        unit_after=re.compile(r"[\s-]{0,2}(?:(?:extra|more|additional|free|bonus|full|whole)\s)?(?:" + "|".join(groups) + ")"),
        currency_before=re.compile(rf"(?:{before})\s?$"),
        reward_unit_after=re.compile(rf"[\s-]?(?:(?:{alternation(data['reward_adjective'])})\s?)?(?:{alternation(data['reward_unit_after'])})"),
        free_period={unit: compile_words(words) for unit, words in data["free_period"].items()},
        multiple_before=re.compile(rf"(?:{alternation(data['multiple_before'])})\s?$"),
        patterns={name: compile_words(data[name]) for name in _PATTERN_LISTS},
        remedy={kind: compile_words(words) for kind, words in data["remedy"].items()},
        residual_remedy={kind: compile_words(words) for kind, words in data["residual_remedy"].items()},
        deadline_words={kind: compile_words(words) for kind, words in data["deadline_words"].items()},
        multiple_words={Decimal(value): compile_words(words) for value, words in data["multiple_words"].items()},
        fraction_off={Decimal(value): compile_words(words) for value, words in data["fraction_off"].items()},
        vague_duration=[
            (Decimal(value), unit, compile_words(words)) for value, units in data["vague_duration"].items() for unit, words in units.items()
        ],
    )


# ── the text, indexed ──────────────────────────────────────────────────────────────────────────────

# A full stop ends a sentence before a space, the end or a Han character ("好的.明天到"); before a digit or a
# Latin letter it is a decimal point or an abbreviation. Full-width punctuation is listed where it breaks.
_FULL_STOP = rf"\.(?=\s|$|[{CJK_RANGES}])"
_SENTENCE_BREAK = re.compile(rf"[。！？!?;；\n]|{_FULL_STOP}")
# In chat Chinese a space between Han characters is the comma the writer did not type (亲 退款已经申请了 预计今天到)
_CLAUSE_BREAK = re.compile(
    rf"[。！？!?;；\n，,：:、()（）]|{_FULL_STOP}|(?<=[{CJK_RANGES}])\s+(?=[{CJK_RANGES}])|"
    r"\s[-–—]\s|b(?<![a-z]b)ut(?![a-z])|a(?<![a-z]a)nd(?= (?:we|i|you|it|the|your)\b)|但|不过|并且|而且|同时"
)
QUOTED = re.compile(r"“[^”\n]{1,300}”|「[^」\n]{1,300}」|『[^』\n]{1,300}』|\"[^\"\n]{1,300}\"|‘[^’\n]{1,300}’")


class Hits:
    """Where one kind of word occurs in the text. Scanned lazily, a chunk at a time, only where something
    asks (a word of context is only ever looked up near an amount or a deadline), so a megabyte with no
    promise in it costs next to nothing and one full of them costs one scan per kind of word."""

    CHUNK = 4096
    MARGIN = 64  # longer than any word: a match crossing a chunk edge is found from either side

    def __init__(self, pattern: re.Pattern[str], text: str) -> None:
        self.pattern, self.text = pattern, text
        # per chunk: the starts of its hits (sorted, for bisection) and the hits themselves
        self.chunks: dict[int, tuple[list[int], list[tuple[int, int]]]] = {}

    def _chunk(self, index: int) -> tuple[list[int], list[tuple[int, int]]]:
        chunk = self.chunks.get(index)
        if chunk is None:
            lo, hi = index * self.CHUNK, min(len(self.text), (index + 1) * self.CHUNK)
            found = self.pattern.finditer(self.text, max(0, lo - self.MARGIN), min(len(self.text), hi + self.MARGIN))
            spans = [m.span() for m in found if lo <= m.start() < hi]
            chunk = self.chunks[index] = ([start for start, _ in spans], spans)
        return chunk

    @property
    def spans(self) -> list[tuple[int, int]]:
        return [span for index in range(len(self.text) // self.CHUNK + 1) for span in self._chunk(index)[1]]

    def within(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """The hits starting in [lo, hi). Bisected inside each chunk, so a question about a small window costs the
        same however many hits the chunk holds (a text dense with words stays linear)."""
        lo, hi = max(0, lo), min(len(self.text), hi)
        if lo >= hi:
            return []
        found: list[tuple[int, int]] = []
        for index in range(lo // self.CHUNK, (hi - 1) // self.CHUNK + 1):
            starts, spans = self._chunk(index)
            found.extend(spans[bisect_left(starts, lo) : bisect_left(starts, hi)])
        return found

    def any(self, lo: int, hi: int) -> bool:
        return any(end <= hi for _, end in self.within(lo, hi))

    def nearest(self, start: int, end: int, lo: int, hi: int) -> int | None:
        """Distance from [start, end) to the closest hit inside [lo, hi), or None."""
        best: int | None = None
        for s, e in self.within(lo, hi):
            if e > hi:
                continue
            distance = start - e if e <= start else s - end if s >= end else 0
            best = distance if best is None else min(best, distance)
        return best

    def ends_at(self, position: int, slack: int = 2) -> bool:
        """A hit ending at most `slack` characters before `position`, with no digit in between (满0减30: the 满 is
        the 0's, not the 30's)."""
        return any(
            position - slack <= e <= position and not _DIGIT.search(self.text, e, position) for _, e in self.within(max(0, position - 40), position)
        )

    def starts_at(self, position: int, slack: int = 2) -> bool:
        return any(
            position <= s <= position + slack and not _DIGIT.search(self.text, position, s) for s, _ in self.within(position, position + slack + 1)
        )


class IndexedText:
    def __init__(self, normalised: Normalised) -> None:
        self.norm = normalised
        self.s = normalised.text
        lex = lexicon()
        self.hits = {name: Hits(pattern, self.s) for name, pattern in lex.patterns.items()}
        self.remedy = {kind: Hits(pattern, self.s) for kind, pattern in lex.remedy.items()}
        self.sentence_breaks = [m.end() for m in _SENTENCE_BREAK.finditer(self.s)]
        self.clause_breaks = self.label_colons_joined([m.span() for m in _CLAUSE_BREAK.finditer(self.s)], lex)
        self.clause_starts = [s for s, _ in self.clause_breaks]

    def label_colons_joined(self, breaks: list[tuple[int, int]], lex: Lexicon) -> list[tuple[int, int]]:
        """A colon after a short remedy or time label ("退款金额：订单金额×3", "compensation: 10x the order total",
        "补偿券：20元", "预计到账：3个工作日", "Estimated arrival: 3 days") introduces the label's value: label and
        value are one clause, not two."""
        labels = [*lex.remedy.values(), lex.patterns["time_label"]]
        kept: list[tuple[int, int]] = []
        previous = 0
        for start, end in breaks:
            label = self.s[previous:start]
            if self.s[start] in ":：" and len(label.strip()) <= LABEL_REACH and any(p.search(label) for p in labels):
                continue
            kept.append((start, end))
            previous = end
        return kept

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        i = bisect_right(self.sentence_breaks, start)
        lo = self.sentence_breaks[i - 1] if i else 0
        j = bisect_left(self.sentence_breaks, end)
        hi = self.sentence_breaks[j] if j < len(self.sentence_breaks) else len(self.s)
        return max(lo, start - SENTENCE_REACH), min(hi, end + SENTENCE_REACH)

    def sentence_start(self, position: int) -> int:
        i = bisect_right(self.sentence_breaks, position)
        return self.sentence_breaks[i - 1] if i else 0

    def clause(self, start: int, end: int) -> tuple[int, int]:
        i = bisect_right(self.clause_starts, start - 1)
        lo = self.clause_breaks[i - 1][1] if i else 0
        j = bisect_left(self.clause_starts, end)
        hi = self.clause_breaks[j][0] if j < len(self.clause_breaks) else len(self.s)
        return max(lo, start - CLAUSE_REACH), min(hi, end + CLAUSE_REACH)


# ── quantities: a number with its unit ─────────────────────────────────────────────────────────────


@dataclass
class Quantity:
    value: Decimal
    start: int
    end: int
    kind: str  # money | percent | multiple | zhe | duration | count | bare
    unit: str | None = None  # currency code, duration unit, count unit
    low: Decimal | None = None  # a range's lower bound
    script: str = "digits"


_DIGIT = re.compile(r"\d")
_ZH_NUMERAL_TAIL = frozenset("零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟")
RANGE = re.compile(r"\s{0,2}(?:-|~|–|—|至|到|to|or|或)\s{0,2}")


def quantities(text: IndexedText, skip: list[tuple[int, int]]) -> list[Quantity]:
    lex = lexicon()
    s = text.s
    skipped = SpanSet(skip)
    numbers = [n for n in scan_numbers(s) if not skipped.contains(n.start, n.end)]
    found: list[Quantity] = []
    index = 0
    while index < len(numbers):
        number = numbers[index]
        quantity = with_unit(number, s, lex)
        # a range (5-7 days, 3到5个工作日, $5-$7): the upper bound is the promise
        if index + 1 < len(numbers):
            following = numbers[index + 1]
            gap = RANGE.fullmatch(s, number.end, following.start) if quantity.kind in ("bare", "money") else None
            if gap and s[following.start - 1 : following.start] != "." and following.value >= number.value:
                upper = with_unit(following, s, lex)
                if upper.kind != "bare" and (quantity.kind == "bare" or quantity.kind == upper.kind):
                    upper.low, upper.start = number.value, quantity.start
                    if quantity.kind == "money" and upper.unit is None:
                        upper.unit = quantity.unit
                    found.append(upper)
                    index += 2
                    continue
        found.append(quantity)
        index += 1
    return _with_vague_durations(s, found, lex)


def _with_vague_durations(s: str, found: list[Quantity], lex: Lexicon) -> list[Quantity]:
    """The quantities plus the durations said with no number ("a few minutes", 几天), where no number is."""
    taken = SpanSet((q.start, q.end) for q in found)
    vague = [
        Quantity(value, m.start(), m.end(), "duration", unit, script="zh" if not s[m.start()].isascii() else "en")
        for value, unit, pattern in lex.vague_duration
        for m in pattern.finditer(s)
        if not taken.overlaps(*m.span())
    ]
    return sorted(found + vague, key=lambda q: q.start) if vague else found


def with_unit(number: Number, s: str, lex: Lexicon) -> Quantity:
    """The number with the unit written after it (元, %, 倍, 天, 张 …) or the currency written before it
    (¥, $, HK$, 港币 …)."""
    before = s[max(0, number.start - 6) : number.start]
    for word in lex.data["percent_before"]:  # 百分之二十
        if before.endswith(word):
            return Quantity(number.value, number.start - len(word), number.end, "percent", "percent", script=number.script)
    prefix = lex.currency_before.search(before)
    start = number.start - (len(before) - prefix.start()) if prefix else number.start
    if prefix and start > 0 and (s[start - 1].isdigit() or s[start - 1] in _ZH_NUMERAL_TAIL):
        prefix, start = None, number.start  # "500港币一百…": the 港币 belongs to the 500 before it
    suffix = lex.unit_after.match(s, number.end)
    roughly = s[number.end : number.end + 1]
    # 一百来块, 二十多元, 十来天: a round number and a little more, the unit after the word for "odd" (来 after digits
    # is a verb: 3来了)
    if suffix is None and (roughly in ("多", "余") or roughly == "来" and number.script != "digits"):
        suffix = lex.unit_after.match(s, number.end + 1)
    if suffix:
        name = suffix.lastgroup or ""
        if name.startswith("cur_"):
            # 港币100元, 新台币300元: the named currency, not the generic 元 after it
            code = prefix.lastgroup if prefix and name == "cur_CNY" else name[4:]
            return Quantity(number.value, start, suffix.end(), "money", code, script=number.script)
        if prefix:  # $5 dollars, ¥30 coupon: the prefix decides the money; a trailing word is not a unit
            return Quantity(number.value, start, number.end, "money", prefix.lastgroup, script=number.script)
        kind, _, unit = name.partition("_")
        kinds = {"pct": "percent", "mult": "multiple", "zhe": "zhe", "dur": "duration", "cnt": "count"}
        # a fortnight is two weeks, a quarter (季度) three months; 一倍半 is one and a half times
        value = number.value * (2 if "fortnight" in suffix.group() else 3 if "季度" in suffix.group() or "quarter" in suffix.group() else 1)
        end = suffix.end()
        if kind == "mult" and s[end : end + 1] == "半":
            value, end = value + Decimal("0.5"), end + 1
        return Quantity(value, number.start, end, kinds[kind], unit or kinds[kind], script=number.script)
    if prefix:
        return Quantity(number.value, start, number.end, "money", prefix.lastgroup, script=number.script)
    times = lex.multiple_before.search(before)
    if times and not before[: times.start()].rstrip()[-1:].isdigit():
        # 订单金额×3, "the order total x 3": a multiple of the price (20元×1张 has its unit after: a count)
        return Quantity(number.value, number.start - (len(before) - times.start()), number.end, "multiple", "multiple", script=number.script)
    return Quantity(number.value, number.start, number.end, "bare", script=number.script)


def plain(value: Decimal) -> Decimal:
    """20, not 2E+1: amounts are shown to reviewers and compared in the eval."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


class SpanSet:
    """Spans of the text, bucketed by position so that asking about one place costs the same however many
    spans the text holds (a megabyte of promises stays linear)."""

    BUCKET = 256

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self.buckets: dict[int, list[tuple[int, int, int]]] = {}
        self.count = 0
        for start, end in spans:
            self.add(start, end)

    def add(self, start: int, end: int, item: int = -1) -> None:
        for bucket in range(start // self.BUCKET, max(start, end - 1) // self.BUCKET + 1):
            self.buckets.setdefault(bucket, []).append((start, end, item))
        self.count += 1

    def _near(self, start: int, end: int) -> Iterable[tuple[int, int, int]]:
        for bucket in range(start // self.BUCKET, max(start, end - 1) // self.BUCKET + 1):
            yield from self.buckets.get(bucket, ())

    def overlaps(self, start: int, end: int) -> bool:
        return any(start < e and s < end for s, e, _ in self._near(start, end))

    def contains(self, start: int, end: int) -> bool:
        return any(s <= start and end <= e for s, e, _ in self._near(start, end))

    def container(self, start: int, end: int) -> tuple[int, int] | None:
        return next(((s, e) for s, e, _ in self._near(start, end) if s <= start and end <= e), None)

    def starting_in(self, lo: int, hi: int) -> list[int]:
        """The items of the spans that start in [lo, hi), each once."""
        return [
            item
            for bucket in range(max(0, lo) // self.BUCKET, max(lo, hi - 1) // self.BUCKET + 1)
            for s, _, item in self.buckets.get(bucket, ())
            if lo <= s < hi and s // self.BUCKET == bucket
        ]

"""Numbers as people write them, for the commitment guard.

`normalise` turns a draft into the form the guard matches on — folded (drafting.text.phrasebook.fold: full-width →
half-width, traditional → simplified, lower case), NFKC, with invisible characters and thousands separators
removed — and keeps, for every character it keeps, the offset it came from, so a promise found in the
normalised text is reported with offsets into the text as given.

`scan_numbers` finds every number in the normalised text in digits (30, 29.9, 1k, 1.5k, 2w, 1万, 3千), in
Chinese numerals (三十, 一百五十, 两千, 壹仟, 廿, 卅) and in English words (thirty-five, a hundred and fifty,
half, a dozen). Every pattern here is bounded or unambiguous, so scanning is linear in the text length.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from drafting.text.data import load_yaml
from drafting.text.phrasebook import fold
from knowledge.cjk import CJK_RANGES

# Characters that render as nothing (or only steer direction) and can be slipped inside a number to hide it.
_INVISIBLE = frozenset(
    [0x00AD, 0x034F, 0x061C, 0x180E, 0xFEFF]
    + list(range(0x200B, 0x2010))
    + list(range(0x202A, 0x202F))
    + list(range(0x2060, 0x2065))
    + list(range(0x2066, 0x206A))
)
# the invisible characters above plus every other format character (Unicode category Cf), found once
_INVISIBLE_CHARS = frozenset(
    chr(code)
    for code in (*range(0x20000), *range(0xE0000, 0xE0080))  # planes where format characters live
    if code in _INVISIBLE or unicodedata.category(chr(code)) == "Cf"
)
# 1,000 · 1 000 · 1 000 (thin / no-break space) · 1'000. Each repetition must start with a separator, so
# the pattern cannot backtrack over a long run of digits.
_THOUSANDS = re.compile(r"(?<![\d.])\d{1,3}(?:[,' \u00a0\u2009\u202f]\d{3})+(?![\d])")
# 一张3 0元: in Chinese text a space between digits separates nothing, it hides a number. Between Han
# characters (or ¥, %) only: after kana, hangul or punctuation a space may well separate two numbers.
_CJK_DIGIT_SPACE = re.compile(f"(?<=[{CJK_RANGES}¥])" + r"\d{1,6}(?:[ \u00a0\u2009\u202f]\d{1,6}){1,3}" + f"(?=[{CJK_RANGES}%])")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@dataclass(frozen=True)
class Normalised:
    """The text the guard matches on, and where each of its characters came from in the original."""

    text: str
    origin: list[int]  # origin[i]: offset in the original of normalised character i
    original_length: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original offsets of the normalised span [start, end)."""
        if start >= end:
            at = self.origin[start] if start < len(self.origin) else self.original_length
            return at, at
        return self.origin[start], self.origin[end - 1] + 1


def normalise(text: str) -> Normalised:
    folded = fold(text)
    if folded.isascii():
        chars, origin = folded, list(range(len(folded)))
    else:
        parts: list[str] = []
        origin = []
        position = 0
        for match in _NON_ASCII.finditer(folded):
            parts.append(folded[position : match.start()])
            origin.extend(range(position, match.start()))
            run = match.group()
            if unicodedata.is_normalized("NFKC", run) and _INVISIBLE_CHARS.isdisjoint(run) and run == run.lower():
                parts.append(run)  # ordinary CJK text: nothing to change, keep it whole (fast)
                origin.extend(range(match.start(), match.end()))
                position = match.end()
                continue
            for offset, char in enumerate(run, start=match.start()):
                if char in _INVISIBLE_CHARS:  # every format (Cf) character is in it
                    continue
                mapped = unicodedata.normalize("NFKC", char).lower()
                parts.append(mapped)
                origin.extend([offset] * len(mapped))
            position = match.end()
        parts.append(folded[position:])
        origin.extend(range(position, len(folded)))
        chars = "".join(parts)
    normalised = _rewrite_each(Normalised(chars, origin, len(text)), _shorthand())
    normalised = _spell_out_grand(_decimal_commas(_drop_thousands_separators(normalised)))
    return _rewrite_each(_drop_whole_before_unit(_spell_out_couple(normalised)), _QUARTER_HOURS)


# "two grand", "5 grand": slang for thousands ("a grand" alone is a money word in the lexicon, since "a grand
# opening" is not a number). Rewritten to "thousand", each new character pointing at the word it replaces.
_GRAND = re.compile(
    r"(?:(?<![\d.])\d{1,6}(?:\.\d{1,3})?|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|hundred))[\s-]?(?P<word>grand)\b"
)


def _rewrite(normalised: Normalised, trigger: str, pattern: re.Pattern[str], group: int | str, replacement: str) -> Normalised:
    """`normalised` with each match's `group` spelled as `replacement`; every new character points at the
    words it replaces, so offsets still index the text as typed."""
    if trigger not in normalised.text:
        return normalised
    text, origin = normalised.text, normalised.origin
    parts: list[str] = []
    new_origin: list[int] = []
    previous = 0
    for match in pattern.finditer(text):
        start, end = match.span(group)
        parts.append(text[previous:start])
        new_origin.extend(origin[previous:start])
        parts.append(replacement)
        # the last new character points at the last replaced one, so a span over the new words covers all the old
        new_origin.extend(origin[end - 1 if i == len(replacement) - 1 else start + min(i, end - start - 1)] for i in range(len(replacement)))
        previous = end
    parts.append(text[previous:])
    new_origin.extend(origin[previous:])
    return Normalised("".join(parts), new_origin, normalised.original_length)


# "86,00 CNY", "€12,50": a comma before exactly two digits of a sum is the decimal mark of continental Europe
# (a thousands separator takes three). Only next to a currency, so a list like "1,23" is left alone.
_CURRENCY_WORD = r"(?:cny|rmb|yuan|eur|euros?|usd|dollars?|gbp|pounds?|chf|元|块|€|¥|\$|£)"
_DECIMAL_COMMA_AFTER = re.compile(r"(?<![\d.,])\d{1,6}(?P<comma>,)\d{2}(?![\d,])(?=\s?" + _CURRENCY_WORD + ")")
_DECIMAL_COMMA_BEFORE = re.compile(r"(?<=[€¥$£])\s?\d{1,6}(?P<comma>,)\d{2}(?![\d,])")


def _decimal_commas(normalised: Normalised) -> Normalised:
    return _rewrite(_rewrite(normalised, ",", _DECIMAL_COMMA_AFTER, "comma", "."), ",", _DECIMAL_COMMA_BEFORE, "comma", ".")


def _spell_out_grand(normalised: Normalised) -> Normalised:
    return _rewrite(normalised, "grand", _GRAND, "word", "thousand")


@lru_cache(maxsize=1)
def _shorthand() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    """Chat shorthand and what it stands for (drafting/text/shorthand.yaml), spelled out before reading."""
    return tuple((e["trigger"], re.compile(e["pattern"]), e["words"]) for e in load_yaml("drafting.text", "shorthand.yaml"))


def _rewrite_each(normalised: Normalised, table: tuple[tuple[str, re.Pattern[str], str], ...]) -> Normalised:
    """`normalised` with every (trigger, pattern, replacement) of `table` rewritten in turn (see _rewrite)."""
    for trigger, pattern, replacement in table:
        normalised = _rewrite(normalised, trigger, pattern, 0, replacement)
    return normalised


# "within a couple of hours": two of a unit of time (only before one: "a couple of things" counts nothing).
# Rewritten to "two", each new character pointing at the words it replaces.
_COUPLE = re.compile(r"(?<![a-z])a couple(?: of)?(?=\s+(?:business |working )?(?:minute|hour|day|week|month)s?(?![a-z]))")


def _spell_out_couple(normalised: Normalised) -> Normalised:
    return _rewrite(normalised, "couple", _COUPLE, 0, "two")


# 一整年, 两整天, 一整个月: 整 ("whole") between a numeral and its unit of time adds nothing to the amount, and a
# promise of 一整年 must read as the year it is (dropped; its neighbours keep their offsets)
_WHOLE_UNIT_ZH = re.compile(r"(?<=[一两二三四五六七八九十半\d])整(?=个?(?:年|月|天|周|星期|小时|钟头))")


def _drop_whole_before_unit(normalised: Normalised) -> Normalised:
    return _rewrite(normalised, "整", _WHOLE_UNIT_ZH, 0, "")


# 一刻钟, "a quarter of an hour": fifteen minutes said in quarters, spelled as minutes so a reply time reads as one
_QUARTER_HOURS = (
    ("刻钟", re.compile(r"(?<![一二两三四五六七八九十\d])一刻钟"), "15分钟"),
    ("刻钟", re.compile(r"(?<![一二两三四五六七八九十\d])三刻钟"), "45分钟"),
    ("quarter", re.compile(r"(?<![a-z])three quarters of an hour(?![a-z])"), "45 minutes"),
    ("quarter", re.compile(r"(?<![a-z])(?:a|one) quarter of an hour(?![a-z])"), "15 minutes"),
)


def _drop_thousands_separators(normalised: Normalised) -> Normalised:
    text, origin = normalised.text, normalised.origin
    drop: list[int] = []
    for pattern in (_THOUSANDS, _CJK_DIGIT_SPACE):
        for match in pattern.finditer(text):
            drop.extend(i for i in range(match.start(), match.end()) if not text[i].isdigit())
    drop = sorted(set(drop))
    if not drop:
        return normalised
    keep_text: list[str] = []
    keep_origin: list[int] = []
    previous = 0
    for index in drop:
        keep_text.append(text[previous:index])
        keep_origin.extend(origin[previous:index])
        previous = index + 1
    keep_text.append(text[previous:])
    keep_origin.extend(origin[previous:])
    return Normalised("".join(keep_text), keep_origin, normalised.original_length)


# ── numerals ───────────────────────────────────────────────────────────────────────────────────────

_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "两": 2,
    "贰": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
_ZH_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_ZH_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_ZH_TENS = {"廿": 20, "卅": 30}
_ZH_NUMERAL_CHARS = "".join([*_ZH_DIGITS, *_ZH_SMALL_UNITS, *_ZH_BIG_UNITS, *_ZH_TENS])

_EN_ONES = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_EN_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_EN_WORD = "|".join(sorted([*_EN_ONES, *_EN_SCALES, "dozen"], key=len, reverse=True))
_EN_UNIT_AFTER_ARTICLE = r"hundred|thousand|million|dozen|half|minute|hour|day|week|fortnight|month|year|business day|working day"
_SUFFIX_MULTIPLIER = {
    "k": 1000,
    "w": 10_000,
    "万": 10_000,
    "千": 1000,
    "百": 100,
    "亿": 100_000_000,
    "thousand": 1000,
    "million": 1_000_000,
    "hundred": 100,
}

NUMBER = re.compile(
    # digits, optionally with a multiplier: 30 · 29.9 · 1k · 1.5k · 2w · 1万 · 3千 · 5 thousand
    r"(?P<digits>(?<![\d.])\d{1,15}(?:\.\d{1,6})?(?!\d))(?:(?P<suffix>[kw])(?![a-z])|\s?(?P<zh_suffix>[万千百亿])(?![零〇一二两三四五六七八九十])|\s(?P<en_suffix>thousand|million|hundred)\b)?"
    # Chinese numerals, bounded so a wall of 一 costs nothing
    rf"|(?P<zh>[{_ZH_NUMERAL_CHARS}]{{1,24}})"
    # 半年, 半个月, 半小时: a half
    r"|(?P<zh_half>半)(?=年|个月|个小时|小时|天|个钟头)"
    # "within the hour": one hour
    r"|(?<=within )(?P<the_hour>the)(?= hour\b)"
    # English number words: twenty-five · a hundred and fifty · half an · a dozen
    rf"|(?<![a-z])(?P<en>(?:(?:an?|one)\s+(?=(?:(?:whole|full|extra|additional|free|entire)\s+)?(?:{_EN_UNIT_AFTER_ARTICLE})\b))?"
    rf"(?:half(?:\s+an?(?=\s))?|(?:{_EN_WORD})(?:(?:\s+and\s+|[\s-]+)(?:{_EN_WORD})(?![a-z])){{0,8}}|an?(?=\s+(?:(?:whole|full|extra|additional|free|entire)\s+)?(?:{_EN_UNIT_AFTER_ARTICLE})\b)))(?![a-z])"
    # …but not part of a longer run of number words ("seven seven seven …" is not a number)
    rf"(?!(?:\s+and\s+|[\s-]+)(?:{_EN_WORD})(?![a-z]))"
)
# Where numbers can be: runs of numeral characters (a run longer than any number is skipped: a wall of
# digits holds no amount) and English number words. NUMBER runs only in windows around these, so text
# without numbers costs one fast scan.
_NUMERAL_RUN = re.compile(rf"[\d{_ZH_NUMERAL_CHARS}半]+")
_LONGEST_NUMERAL = 40
_EN_ANCHOR_WORDS = [*_EN_ONES, *_EN_SCALES, "dozen", "half", "an", "a", "the"]
_EN_ANCHOR = re.compile(
    "|".join(
        f"{first}(?<![a-z]{first})(?:{'|'.join(sorted((w[1:] for w in _EN_ANCHOR_WORDS if w[0] == first), key=len, reverse=True))})(?![a-z])"
        for first in sorted({w[0] for w in _EN_ANCHOR_WORDS})
    )
)
_WINDOW_MARGIN = 12


@dataclass(frozen=True)
class Number:
    value: Decimal
    start: int  # offsets in the normalised text
    end: int
    script: str  # digits | zh | en


def _number_windows(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in _NUMERAL_RUN.finditer(text) if m.end() - m.start() <= _LONGEST_NUMERAL]
    spans += _english_number_runs(text)
    spans.sort()
    windows: list[tuple[int, int]] = []
    for start, end in spans:
        lo, hi = max(0, start - 1), min(len(text), end + _WINDOW_MARGIN)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], hi))
        else:
            windows.append((lo, hi))
    return windows


def _english_number_runs(text: str) -> list[tuple[int, int]]:
    """Runs of English number words; a run longer than any number ("seven seven seven …") is skipped."""
    runs: list[list[int]] = []  # [start, end, words]
    for match in _EN_ANCHOR.finditer(text):
        if match.group() in ("a", "an", "the") and not _ARTICLE_BEFORE_UNIT.match(text, match.end()):
            continue
        if runs and _EN_JOINER.fullmatch(text, runs[-1][1], match.start()):
            runs[-1][1] = match.end()
            runs[-1][2] += 1
        else:
            runs.append([match.start(), match.end(), 1])
    return [(start, end) for start, end, words in runs if words <= _LONGEST_EN_NUMBER]


_EN_JOINER = re.compile(r"\s+and\s+|[\s-]+")
_LONGEST_EN_NUMBER = 9
_ARTICLE_BEFORE_UNIT = re.compile(rf"\s+(?:(?:whole|full|extra|additional|free|entire)\s+)?(?:{_EN_UNIT_AFTER_ARTICLE})(?![a-z])")


def scan_numbers(text: str) -> Iterator[Number]:
    """Every number in normalised text, left to right."""
    last_end = 0
    for lo, hi in _number_windows(text):
        for match in NUMBER.finditer(text, lo, hi):
            if match.start() < last_end:
                continue
            last_end = match.end()
            yield from _number(match)


def _number(match: re.Match[str]) -> Iterator[Number]:
    if match.group("digits") is not None:
        value, script = _digits_value(match), "digits"
    elif match.group("zh_half") is not None:
        value, script = Decimal("0.5"), "zh"
    elif match.group("the_hour") is not None:
        value, script = Decimal(1), "en"
    elif match.group("zh") is not None:
        value, script = parse_chinese(match.group("zh")), "zh"
    else:
        value, script = parse_english(match.group("en")), "en"
    if value is not None:
        yield Number(value, match.start(), match.end(), script)


def _digits_value(match: re.Match[str]) -> Decimal | None:
    try:
        value = Decimal(match.group("digits"))
    except InvalidOperation:
        return None
    suffix = match.group("suffix") or match.group("zh_suffix") or match.group("en_suffix")
    return value * _SUFFIX_MULTIPLIER[suffix] if suffix else value


def parse_chinese(text: str) -> Decimal | None:
    """三十 · 一百五十 · 两千 · 一万二千 · 壹仟 · 廿五 · 十五; None for a run that is not a number on its own
    (万, 百, 千 without a digit are words: 万分, 千万)."""
    if not any(char in _ZH_DIGITS or char in _ZH_TENS or char in "十拾" for char in text):
        return None
    total, section, digit = 0, 0, 0
    for char in text:
        if char in _ZH_DIGITS:
            digit = digit * 10 + _ZH_DIGITS[char] if digit and char not in "两" else _ZH_DIGITS[char]
        elif char in _ZH_TENS:
            section += _ZH_TENS[char]
            digit = 0
        elif char in _ZH_SMALL_UNITS:
            section += (digit or 1) * _ZH_SMALL_UNITS[char]
            digit = 0
        elif char in _ZH_BIG_UNITS:
            total = (total + section + digit) * _ZH_BIG_UNITS[char]
            section, digit = 0, 0
        else:  # pragma: no cover - the pattern admits only numeral characters
            return None
    return Decimal(total + section + digit)


def parse_english(text: str) -> Decimal | None:
    """thirty-five · a hundred and fifty · five hundred and twenty · a dozen · half · an (hour) → Decimal."""
    words = [w for w in re.split(r"[\s-]+", text.strip().lower()) if w and w != "and"]
    if not words:
        return None
    if words[0] == "half":
        return Decimal("0.5")
    if words[0] in ("a", "an") and len(words) == 1:
        return Decimal(1)
    if words[0] in ("a", "an", "one") and len(words) > 1 and words[1] not in _EN_ONES:
        words = ["one", *words[1:]] if words[1] in (*_EN_SCALES, "dozen") else words[1:]
    total, current = Decimal(0), Decimal(0)
    for word in words:
        if word in _EN_ONES:
            current += _EN_ONES[word]
        elif word == "dozen":
            current = (current or Decimal(1)) * 12
        elif word == "hundred":
            current = (current or Decimal(1)) * 100
        elif word in _EN_SCALES:
            total += (current or Decimal(1)) * _EN_SCALES[word]
            current = Decimal(0)
        else:
            return None
    return total + current


def parse_number(text: str) -> Decimal | None:
    """'30', '1,000', '29.9', '1k', '三十', '壹仟', 'thirty-five', 'a hundred' → Decimal; None if `text` is
    not one number."""
    normalised = normalise(text.strip()).text
    if not normalised:
        return None
    numbers = list(scan_numbers(normalised))
    if len(numbers) != 1 or numbers[0].start != 0 or numbers[0].end != len(normalised):
        return None
    return numbers[0].value


__all__ = ["NUMBER", "Normalised", "Number", "normalise", "parse_chinese", "parse_english", "parse_number", "scan_numbers"]

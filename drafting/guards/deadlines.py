"""Deadlines written as dates, weekdays, times of day or relative words (12月5日前, by Friday, 下周一之前,
before 6 pm, today, 明天, 后天), resolved against a reference time so the guard can judge them.

Only windows around a date-like anchor (月, 周, 点, :, am/pm, month and weekday names) are searched, so prose
without dates costs one fast scan.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from drafting.guards.promise_text import IndexedText, SpanSet, alternation, lexicon
from drafting.text.numbers import parse_chinese

_MONTHS = {name: number for number in range(1, 13) for name in (calendar.month_name[number].lower(), calendar.month_abbr[number].lower())}
_MONTHS["sept"] = 9
_MONTH_NAME = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ZH_NUM = r"\d{1,2}|[一二两三四五六七八九十廿卅]{1,3}"
_WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAYS_EN = {name: number for number in range(7) for name in (calendar.day_name[number].lower(), calendar.day_abbr[number].lower())}
_WEEKDAYS_EN.update({"tues": 1, "thur": 3, "thurs": 3})
_DATE = re.compile(
    rf"(?:(?P<y>\d{{4}})\s?年\s?)?(?P<m>{_ZH_NUM})\s?月\s?(?P<d>{_ZH_NUM})\s?[日号]"
    rf"|(?<![a-z\d])(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s(?:of\s)?(?P<mon>{_MONTH_NAME})(?![a-z])(?:\s(?P<y2>\d{{4}}))?"
    rf"|(?<![a-z])(?P<mon2>{_MONTH_NAME})\.?\s(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:])"
    rf"|(?P<wk_next>下个?|本|这个?|next\s|this\s|coming\s)?(?:(?:周|星期|礼拜)(?P<wd>[一二三四五六日天])|(?<![a-z])(?P<wd_en>{'|'.join(sorted(_WEEKDAYS_EN, key=len, reverse=True))})(?![a-z]))"
    rf"|(?P<part>上午|下午|晚上|今晚|中午|早上|凌晨)?(?<![\d第])(?P<zh_h>{_ZH_NUM})\s?(?:点|时(?![间候刻期段]))(?P<zh_half>半)?(?!钟)"
    rf"|(?<![\d:])(?P<h>\d{{1,2}})(?::(?P<mi>\d{{2}}))?\s?(?P<ampm>am|pm|a\.m\.|p\.m\.)(?![a-z])"
    rf"|(?<![\d:])(?P<h24>\d{{1,2}}):(?P<mi24>\d{{2}})(?![\d:])"
)


# Where a date or a time can be: _DATE runs only in windows around these, so prose without dates costs
# one fast scan instead of trying every alternative of _DATE at every character.
_DATE_ANCHOR = re.compile(
    alternation(
        [
            "月",
            "周",
            "星期",
            "礼拜",
            "点",
            "时",
            ":",
            "am",
            "pm",
            "a\\.m\\.",
            "p\\.m\\.",
            *(
                f"{name}\\w*"
                for name in (
                    "jan",
                    "feb",
                    "mar",
                    "apr",
                    "may",
                    "jun",
                    "jul",
                    "aug",
                    "sep",
                    "oct",
                    "nov",
                    "dec",
                    "mon",
                    "tue",
                    "wed",
                    "thu",
                    "fri",
                    "sat",
                    "sun",
                )
            ),
        ]
    )
)


def _date_matches(s: str) -> Iterator[re.Match[str]]:
    windows: list[tuple[int, int]] = []
    for match in _DATE_ANCHOR.finditer(s):
        lo, hi = max(0, match.start() - 16), min(len(s), match.end() + 16)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], hi)
        else:
            windows.append((lo, hi))
    last_end = 0
    for lo, hi in windows:
        for match in _DATE.finditer(s, lo, hi):
            if match.start() >= last_end:
                last_end = match.end()
                yield match


@dataclass
class Deadline:
    start: int
    end: int
    due: datetime | None  # None: a deadline the guard cannot resolve
    relative: bool  # today / tomorrow / immediately: a promise without a "by"


def _small_number(text: str) -> int | None:
    value = parse_chinese(text) if not text.isdigit() else Decimal(text)
    return int(value) if value is not None else None


def _end_of(day: datetime) -> datetime:
    return day.replace(hour=23, minute=59, second=59, microsecond=0)


def _resolve(match: re.Match[str], now: datetime) -> datetime | None:
    group = match.groupdict()
    if group["m"] or group["mon"] or group["mon2"]:
        month = _small_number(group["m"]) if group["m"] else _MONTHS[(group["mon"] or group["mon2"]).rstrip(".")]
        day = _small_number(group["d"] or group["d2"] or group["d3"] or "")
        year = int(group["y"] or group["y2"] or now.year)
        try:
            due = _end_of(now.replace(year=year, month=month or 0, day=day or 0))
        except ValueError:
            return None
        if not (group["y"] or group["y2"]) and due < now - timedelta(days=183):
            due = due.replace(year=year + 1)  # "by 5 January" said in December: next year
        return due
    if group["wd"] or group["wd_en"]:
        weekday = _WEEKDAYS_ZH[group["wd"]] if group["wd"] else _WEEKDAYS_EN[group["wd_en"]]
        which = (group["wk_next"] or "").strip()
        if which in ("下", "下个"):  # 下周一: Monday of next week
            monday = now - timedelta(days=now.weekday()) + timedelta(days=7)
            return _end_of(monday + timedelta(days=weekday))
        ahead = (weekday - now.weekday()) % 7
        if ahead == 0 and which not in ("本", "这", "这个", "this"):
            ahead = 7  # "by Monday" said on a Monday: the next one
        return _end_of(now + timedelta(days=ahead))
    if group["zh_h"] or group["h"] or group["h24"]:
        hour = _small_number(group["zh_h"] or group["h"] or group["h24"] or "") or 0
        minute = 30 if group["zh_half"] else int(group["mi"] or group["mi24"] or 0)
        if (group["ampm"] or "").startswith("p") or group["part"] in ("下午", "晚上", "今晚") and hour < 12:
            hour += 12 if hour < 12 else 0
        if hour > 23 or minute > 59:
            return None
        due = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return due if due >= now else due + timedelta(days=1)
    return None  # pragma: no cover - every alternative is handled above


# "by 12/3", 12/3前: month first, as Chinese and US writers put it; only with a "by" or 前 next to it, since
# 5/5 alone is as often a rating or a fraction
_SLASH_DATE = re.compile(r"(?<![\d/.])(1[0-2]|0?[1-9])/(3[01]|[12]\d|0?[1-9])(?![\d/])")


def _slash_date(match: re.Match[str], now: datetime) -> datetime | None:
    try:
        due = _end_of(now.replace(month=int(match.group(1)), day=int(match.group(2))))
    except ValueError:
        return None
    return due.replace(year=now.year + 1) if due < now - timedelta(days=183) else due


# a month named without a day: 明年三月底, 3月份, 12月初, "until next March", "through the end of January 2027".
# In Chinese the month needs a year or a part of the month with it (三月 alone is too often a fact, and 三个月
# is a duration); in English a word before it that makes it a bound, or next/this/coming ("this may take" is
# not May, so May needs the bound word)
_MONTH_WORD = "|".join(sorted((calendar.month_name[n].lower() for n in range(1, 13)), key=len, reverse=True))
_MONTH_ALONE = re.compile(
    rf"(?:(?P<zyd>\d{{4}})\s?年\s?|(?P<zy>明年|今年|次年|后年))?(?<![\d一二三四五六七八九十两])(?P<zm>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])\s?月(?P<zpart>底|末|份|初|中旬|中|上旬|下旬)?(?![\d一二三四五六七八九十两廿卅]{{1,3}}\s?[日号])"
    rf"|(?<![a-z])(?:(?P<en_which>next|this|coming)\s)?(?P<mon>{_MONTH_WORD}|sept)(?:\s(?P<ey>\d{{4}}))?(?![a-z\d]|\s\d{{1,2}}(?!\d))"
)
# "in October" alone is as often a month past ("extended in October"), so "in" bounds only after expiring
_MONTH_BOUND_EN = re.compile(
    r"(?:until|till|through|thru|by|before|end of|(?:expires?|expiring|ends?|ending) (?:in|on|at)|valid|good)\s(?:the\s)?(?:end\sof\s)?$"
)
_EARLY_DAY = {"初": 10, "上旬": 10, "中": 20, "中旬": 20}
_ZH_YEAR = {"今年": 0, "明年": 1, "次年": 1, "后年": 2}


def _month_alone(match: re.Match[str], s: str, now: datetime) -> datetime | None:
    """The due of a month said without a day: its last day (or the 10th / 20th for 月初 / 月中), in the year
    said, else the next such month from now. None when nothing marks it as a time at all."""
    group = match.groupdict()
    if group["zm"]:
        if not (group["zy"] or group["zyd"] or group["zpart"]):
            return None
        month = _small_number(group["zm"]) or 0
        ahead = int(group["zyd"]) - now.year if group["zyd"] else _ZH_YEAR.get(group["zy"] or "")
    else:
        bound = _MONTH_BOUND_EN.search(s, max(0, match.start() - 24), match.start())
        if not bound and (not group["en_which"] or group["mon"] == "may"):
            return None
        month = _MONTHS[group["mon"]]
        ahead = int(group["ey"]) - now.year if group["ey"] else None
        if ahead is None and group["en_which"] == "next" and month <= now.month:
            ahead = 1
    if not 1 <= month <= 12:
        return None
    if ahead is None and month < now.month and group["zpart"] == "份":
        return None  # 10月份 said in November is as often the month past as the one next year
    if ahead is None:
        ahead = 0 if month >= now.month else 1
    last = _month_end(now.year + ahead, month)
    day = _EARLY_DAY.get(group["zpart"] or "")
    return _end_of(last.replace(day=day) if day else last)


# a period said bare (本周, "this weekend"): it resolves like the end of that period, but it is a deadline only
# when something marks it as one ("by this weekend", 本周前)
_PERIODS = frozenset(("this_week", "this_month"))


def _month_end(year: int, month: int) -> datetime:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, calendar.monthrange(year, month)[1])


def _relative(kind: str, now: datetime) -> datetime | None:
    days = {"today": 0, "tomorrow": 1, "day_after_tomorrow": 2, "three_days": 3}
    if kind in days:
        return _end_of(now + timedelta(days=days[kind]))
    if kind in ("end_of_week", "this_week"):
        return _end_of(now + timedelta(days=6 - now.weekday()))
    if kind == "end_of_next_week":
        return _end_of(now + timedelta(days=13 - now.weekday()))
    # months ahead of this one, for the end of the period named
    ahead = {"end_of_next_month": 1, "month_after_next": 2, "end_of_quarter": 2 - (now.month - 1) % 3, "end_of_next_quarter": 5 - (now.month - 1) % 3}
    if kind in ahead:
        return _end_of(_month_end(now.year, now.month + ahead[kind]))
    if kind == "end_of_year":
        return _end_of(datetime(now.year, 12, 31))
    if kind == "unresolved":  # a holiday, "in a few days": no date to check against a rule
        return None
    return _end_of(_month_end(now.year, now.month))


# An abbreviated weekday (sun, wed, sat …) is also a surname or a word: it is a day only after a word that
# sets a time (by Sun, on Wed, until Sat) or before a date or a stop ("Sat 5 Dec", "Sun.").
_DAY_BEFORE = re.compile(r"(?:\b(?:by|before|until|till|til|on|from|due|this|next|coming|every|each)|[,(/–-])\s*$")
_DAY_AFTER = re.compile(r"^(?:\.|,?\s*\d|\s*[-–/]\s*[a-z]{3})")


def _abbreviated_day_is_a_day(s: str, match: re.Match[str]) -> bool:
    day = match.group("wd_en")
    if len(day) > 4:  # sunday, wednesday: only ever a day
        return True
    return bool(_DAY_BEFORE.search(s, max(0, match.start() - 12), match.start()) or _DAY_AFTER.match(s[match.end() : match.end() + 8]))


def find_deadlines(text: IndexedText, now: datetime) -> list[Deadline]:
    s = text.s
    found: list[Deadline] = []
    for match in _date_matches(s):
        if (
            (match.group("zh_h") or match.group("h24"))
            and not match.group("part")
            and not text.hits["before_after"].starts_at(match.end(), 1)
            and not text.hits["before_before"].ends_at(match.start(), 1)
        ):
            continue  # "3点" / "10:30" alone is too often a fact; a time is a deadline with 前 / by
        if match.group("wd_en") and not match.group("wk_next") and not _abbreviated_day_is_a_day(s, match):
            continue  # "Lin Sun (support manager)": a surname, not Sunday
        found.append(Deadline(match.start(), match.end(), _resolve(match, now), relative=False))
    taken = SpanSet((d.start, d.end) for d in found)
    for match in _SLASH_DATE.finditer(s):
        marked = text.hits["before_before"].ends_at(match.start(), 1) or text.hits["before_after"].starts_at(match.end(), 1)
        if marked and not taken.overlaps(*match.span()):
            found.append(Deadline(match.start(), match.end(), _slash_date(match, now), relative=False))
            taken.add(*match.span())
    for match in _MONTH_ALONE.finditer(s):
        if taken.overlaps(*match.span()):
            continue
        due = _month_alone(match, s, now)
        if due is not None:
            found.append(Deadline(match.start(), match.end(), due, relative=False))
            taken.add(*match.span())
    for kind, pattern in lexicon().deadline_words.items():
        for match in pattern.finditer(s):
            if not taken.overlaps(*match.span()):
                found.append(Deadline(match.start(), match.end(), _relative(kind, now), relative=kind not in _PERIODS))
                taken.add(*match.span())
    return _merge_adjacent(sorted(found, key=lambda d: d.start), s)


_DEADLINE_JOIN = re.compile(r"\s{0,2}(?:at|on|,)?\s{0,2}")


def _merge_adjacent(deadlines: list[Deadline], s: str) -> list[Deadline]:
    """今天下午5点前, "by noon tomorrow", "before 8 pm tonight": one deadline, due at the later reading
    (the day decides; the hour only narrows it)."""
    merged: list[Deadline] = []
    for deadline in deadlines:
        if merged and _DEADLINE_JOIN.fullmatch(s, merged[-1].end, deadline.start):
            last = merged[-1]
            dues = [d for d in (last.due, deadline.due) if d is not None]
            merged[-1] = Deadline(last.start, deadline.end, max(dues) if dues else None, last.relative and deadline.relative)
        else:
            merged.append(deadline)
    return merged

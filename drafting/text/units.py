"""Amounts of time as a reply says them: the unit a person would choose (a delay of 12,960 minutes is
"nine days"), singular and plural right ("one month"), in the ticket's language. Wording in
units.yaml; the composer says times this way and the checklist looks for them the same way."""

from __future__ import annotations

from functools import cache
from typing import Any

from drafting.text.data import load_yaml

HOUR = 60
DAY = 24 * HOUR
# Past two days a delay is told in days, past two hours in hours and minutes: what a person would say.
DAYS_FROM = 2 * DAY
HOURS_FROM = 2 * HOUR


@cache
def _words(lang: str) -> dict[str, Any]:
    data: dict[str, Any] = load_yaml("drafting.text", "units.yaml")[lang]
    return data


def count(amount: int, unit: str, lang: str) -> str:
    """ "one month", "3 months", "nine days"; zh "1个月", "3天"."""
    words = _words(lang)
    if lang == "zh":
        return f"{amount}{words['units'][unit]}"
    singular, plural = words["units"][unit]
    spelled = words["words"][amount] if 0 <= amount < len(words["words"]) else str(amount)
    return f"{spelled} {singular if amount == 1 else plural}"


def duration(minutes: int, lang: str) -> str:
    """A span of time in the unit a person would use: minutes under two hours, hours and minutes under two
    days, whole days after that ("more than nine days" when there are hours left over: a customer who
    waited longer than we say notices, one who waited less does not mind)."""
    words = _words(lang)
    if minutes < HOURS_FROM:
        return count(minutes, "minute", lang)
    if minutes < DAYS_FROM:
        hours, rest = divmod(minutes, HOUR)
        said = count(hours, "hour", lang)
        return said if not rest else said + words["join"] + count(rest, "minute", lang)
    days, rest = divmod(minutes, DAY)
    said = count(days, "day", lang)
    return said if not rest else str(words["more_than"]).format(amount=said)

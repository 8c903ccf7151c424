"""The workflow's reasons in the reviewer's language: refusals, draft warnings and ticket risks are worded in
English by the workflow and the guards (the API and the CLI show them so); the app maps each to its UI text
here, at the display edge. A reason no pattern knows is shown as it was written, never dropped."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from drafting.guards.tone import category_name
from drafting.webapp.i18n import UiLang, text

_PATTERNS = Path(__file__).with_name("reasons.yaml")
_NAMED = {"status": "status_", "doing": "doing_"}  # groups shown through the UI's own names
_PARTS = "parts"  # a group holding several reasons joined by "; " (an approval refusal): each is said in turn


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    rows: list[dict[str, str]] = yaml.safe_load(_PATTERNS.read_text(encoding="utf-8"))
    return [(row["key"], re.compile(row["pattern"], re.DOTALL)) for row in rows]


def reason(message: str, lang: UiLang) -> str:
    """`message` (a refusal or a warning, as the workflow wrote it) in `lang`."""
    for key, pattern in _patterns():
        if found := pattern.match(message.strip()):
            values = {name: _said(name, value, lang) for name, value in found.groupdict().items()}
            return text(f"reason_{key}", lang, **values)
    return message


def _said(group: str, value: str, lang: UiLang) -> str:
    """A matched group's value in `lang`: the UI's name for a status or a step, a tone category's name, each
    of several reasons; anything else (a name, a quoted phrase, a number) as written."""
    if group in _NAMED:
        return text(_NAMED[group] + value, lang)
    if group == _PARTS:
        return text("reason_parts_separator", lang).join(reason(part, lang) for part in value.split("; "))
    if group == "category":
        try:
            return category_name(value, lang)
        except KeyError:  # a category the lexicon no longer names
            return value
    return value


def known(message: str) -> bool:
    return any(pattern.match(message.strip()) for _, pattern in _patterns())


def risk(kind: str, stored_reason: str, lang: UiLang) -> str:
    """Why a ticket is risky, from its kind (and the tier, for a VIP: "gold member"); the stored English
    reason only for a kind the UI has no words for."""
    if kind == "vip" and (tier := re.match(r"^(\w+) member$", stored_reason)):
        try:
            return text("risk_why_vip", lang, tier=text(f"tier_{tier.group(1)}", lang))
        except KeyError:  # a tier the UI does not name
            return stored_reason
    try:
        return text(f"risk_why_{kind}", lang)
    except KeyError:
        return stored_reason

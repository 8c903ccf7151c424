"""The workflow's reasons in the reviewer's language: refusals, draft warnings and ticket risks are worded in
English by the workflow and the guards (the API and the CLI show them so); the app maps each to its UI text
here, at the display edge. A reason no pattern knows is shown as it was written, never dropped."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from drafting.guards.tone import category_name
from drafting.webapp.i18n import UiLang, text

_PATTERNS = Path(__file__).with_name("reasons.yaml")
_NAMED = {"status": "status_", "doing": "doing_"}  # groups shown through the UI's own names
_PARTS = "parts"  # a group holding several reasons joined by "; " (an approval refusal): each is said in turn
_DETAIL = "detail"  # a group holding the guards' own English findings, said part by part (see reasons.yaml)
_WHY = "why"  # rows saying why a promise is unbacked, searched in the judge's English reason
_QUOTED = re.compile(r"“[^”]*”")  # what a finding quotes from the draft: shown as it is, in any language
_RULE = re.compile(r"\brules? (?P<ids>[A-Za-z][\w.-]*\d[\w.-]*(?:, [A-Za-z][\w.-]*\d[\w.-]*)*)")  # policy rule ids (RT-2, REF-1)
_RULES_THAT_APPLY = "rules that apply"  # a list of rules that apply, not a rule the promise goes past


@lru_cache(maxsize=1)
def _rows() -> list[tuple[str, str | None, re.Pattern[str]]]:
    rows: list[dict[str, str]] = yaml.safe_load(_PATTERNS.read_text(encoding="utf-8"))
    return [(row["key"], row.get("part"), re.compile(row["pattern"], re.DOTALL)) for row in rows]


def _patterns(part: str | None = None) -> list[tuple[str, re.Pattern[str]]]:
    return [(key, pattern) for key, of, pattern in _rows() if of == part]


def reason(message: str, lang: UiLang) -> str:
    """`message` (a refusal or a warning, as the workflow wrote it) in `lang`."""
    for key, pattern in _patterns():
        if found := pattern.match(message.strip()):
            values = {name: _said(name, value, lang) for name, value in found.groupdict().items()}
            return text(f"reason_{key}", lang, **values)
    return message


def _detail(value: str, lang: UiLang) -> str:
    """The guards' findings (one, or several joined by "; ") in `lang`. English is shown as written; another
    language gets each finding from its own row, keeping the phrases it quotes and the rules it names. A part
    no row knows continues the finding before it (a reason that itself holds "; "), or, first, is said by
    what it quotes."""
    if lang == "en":
        return value
    findings: list[str] = []
    for part in value.split("; "):
        if findings and not any(pattern.match(part.strip()) for _, pattern in _patterns(_DETAIL)):
            findings[-1] += "; " + part
        else:
            findings.append(part)
    return text("reason_parts_separator", lang).join(_finding(finding.strip(), lang) for finding in findings)


def _finding(finding: str, lang: UiLang) -> str:
    for key, pattern in _patterns(_DETAIL):
        if found := pattern.match(finding):
            return _detail_part(key, found.groupdict(), lang)
    return text("detail_other", lang, quoted=_quotes(finding, lang))


def _detail_part(key: str, values: dict[str, str], lang: UiLang) -> str:
    if key == "detail_tone_flag":
        return text(key, lang, category=_said("category", values["category"], lang), phrase=values["phrase"])
    if key == "detail_grounding":
        return text(key, lang, finding=text("finding_" + values["finding"].replace(" ", "_"), lang), quoted=_quotes(values["rest"], lang))
    if key == "detail_promise":
        return text(key, lang, phrase=values["phrase"], why=promise_why(values["rest"], lang))
    return text(key, lang, **values)


def _quotes(english: str, lang: UiLang) -> str:
    return text("list_separator", lang).join(_QUOTED.findall(english))


def promise_why(english: str, lang: UiLang, status: str | None = None) -> str:
    """Why a promise is not backed, in `lang`: past the rule it names ("exceeds"), or backed by none. The
    judge's English says which rule and by how much; in another language the rule ids carry that, and the
    reviewer opens the rule for the figures."""
    if lang == "en":
        return english
    named = _RULE.search(english) if _RULES_THAT_APPLY not in english else None
    if status == "exceeds" or (status is None and named):
        return text("promise_exceeds", lang, rules=named.group("ids")) if named else text("promise_exceeds_policy", lang)
    for key, pattern in _patterns(_WHY):
        if found := pattern.search(english):
            return text(key, lang, **found.groupdict())
    return text("promise_unbacked", lang)


def promise(commitment: Any, lang: UiLang) -> str:
    """A judged promise's reason for the reviewer: the judge's own words in English; in another language the
    rule it goes past, a reason row (a currency the book does not pay in, a deadline with no date), or what
    kind of remedy no rule grants."""
    c = commitment
    if lang == "en":
        return str(c.reason)
    if c.status == "exceeds" or any(pattern.search(c.reason) for _, pattern in _patterns(_WHY)):
        return promise_why(c.reason, lang, c.status)
    if c.type == "unrecognised":
        return text("promise_unrecognised", lang)
    return text("promise_no_rule", lang, what=text(f"promise_type_{c.type}", lang))


def _said(group: str, value: str, lang: UiLang) -> str:
    """A matched group's value in `lang`: the UI's name for a status or a step, a tone category's name, each
    of several reasons; anything else (a name, a quoted phrase, a number) as written."""
    if group in _NAMED:
        return text(_NAMED[group] + value, lang)
    if group == _DETAIL:
        return _detail(value, lang)
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

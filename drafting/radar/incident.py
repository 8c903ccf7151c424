"""A new incident record drafted from a chat's radar: a title from what members complain about most, when it
started (the message that lit the fuse, else the first complaint), and the languages they wrote in — for a
manager to correct and save, so a new crisis's tickets never have to go under an old incident.

The record's title and what-happened feed public statements, so they state what members raised and never
name the colleague whose message lit the fuse (PLAYBOOK: no blaming a junior colleague); who that was is
context the page shows beside the form (radar.trigger)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

from drafting.domain.models import LANGUAGES, Incident, Lang, Localized
from drafting.radar.analysis import Radar
from drafting.text.data import load_yaml
from knowledge.documents import detect_language

TITLE_THEMES = 3  # themes named in a title at most: more reads like a list, not a headline
MINOR_SHARE = 0.25  # a theme with under a quarter of the top theme's complaints is not what the crisis is about
LANGUAGE_SHARE = 0.1  # a language carrying under a tenth of the members' messages is a stray word, not an audience


@lru_cache(maxsize=1)
def _words() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml("drafting.radar", "incident_draft.yaml")
    return data


def started_at(radar: Radar) -> datetime | None:
    """When the crisis started: the time of the message that lit the fuse, else of the first complaint."""
    if radar.trigger is not None and radar.trigger.time is not None:
        return radar.trigger.time
    times = [radar.log.messages[i].time for i in sorted(radar.complaint_of)]
    return next((t for t in times if t is not None), None)


def main_themes(radar: Radar) -> list[str]:
    """What the crisis is about: the top themes by complaints ("other" only when nothing else is named),
    leaving out minor ones."""
    named = [t for t in radar.themes if t.theme != "other"] or list(radar.themes)
    if not named:
        return []
    floor = named[0].count * MINOR_SHARE
    return [t.theme for t in named if t.count >= floor][:TITLE_THEMES]


def languages_seen(radar: Radar) -> list[Lang]:
    """The languages members wrote in, each carrying a real share of the talk; Chinese when none is clear."""
    said = [m.text for m in radar.log.messages if m.role == "member" and m.kind == "text" and m.text.strip()]
    counts = Counter(detect_language(text) for text in said)
    seen = [lang for lang in LANGUAGES if counts[lang] and counts[lang] >= LANGUAGE_SHARE * len(said)]
    return seen or ["zh"]


def incident_draft(radar: Radar, *, taken: Iterable[str] = ()) -> Incident:
    """The incident the chat describes, for a person to check and save: id (not one of `taken`), title and
    what happened in both languages, the languages members wrote in. Severity, stage and the rest keep the
    record's defaults; the radar does not know the cause or what was decided."""
    themes = main_themes(radar) or ["other"]
    start = started_at(radar)
    members = len({radar.log.messages[i].sender for i in radar.complaint_of if radar.log.messages[i].sender})
    after_staff = radar.trigger is not None and radar.trigger.time is not None and start == radar.trigger.time
    title, what = {}, {}
    for lang in LANGUAGES:
        listed = _listed(themes, lang)
        if start is None:
            title[lang] = _fill("title", "undated", lang, themes=listed)
            what[lang] = _fill("what_happened", "undated", lang, themes=listed, members=members)
        else:
            title[lang] = _fill("title", "dated", lang, themes=listed, date=_date(start, lang, "date"))
            form = "after_staff" if after_staff else "since"
            what[lang] = _fill("what_happened", form, lang, themes=listed, members=members, when=_date(start, lang, "when"))
    return Incident(
        id=_free_id(start, themes[0], set(taken)),
        title=Localized(**title),
        what_happened=Localized(**what),
        languages=languages_seen(radar),
        started_at=start,
    )


def _listed(themes: list[str], lang: Lang) -> str:
    names = [_words()["themes"].get(theme, _words()["themes"]["other"])[lang] for theme in themes]
    join = _words()["join"][lang]
    return names[0] if len(names) == 1 else join["sep"].join(names[:-1]) + join["last"] + names[-1]


def _fill(section: str, form: str, lang: Lang, **values: object) -> str:
    template: str = _words()[section][form][lang]
    themes = str(values.get("themes", ""))
    return template.format(**values, Themes=themes[:1].upper() + themes[1:])


def _date(moment: datetime, lang: Lang, form: str) -> str:
    template: str = _words()[form][lang]
    month_name = _words()["month_names"][moment.month - 1]
    return template.format(month=moment.month, day=moment.day, hour=moment.hour, minute=moment.minute, month_name=month_name)


def _free_id(start: datetime | None, theme: str, taken: set[str]) -> str:
    """ "2026-11-12-chat-lateness", with -2, -3 … when that id is taken: an existing incident is never
    overwritten by a draft."""
    base = re.sub(r"[^a-z0-9-]+", "-", f"{start:%Y-%m-%d}-chat-{theme}" if start else f"chat-{theme}")
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate

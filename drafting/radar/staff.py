"""Who speaks for the brand in a group chat, when nobody said: staff inferred from display names.

Only staff messages can be a crisis trigger, so a chat pasted without staff names would show nothing. Brands
mark their accounts in the display name ("饭米粒客服-阿杰", "Dev | C&K Support", "Cass | Lanternfall"); those
markers (lexicon/staff.yaml) name staff, and the brand word a marked name puts before its marker ("PulseRun" in
"Jess | PulseRun Team") names the brand's other accounts ("Coach Marco (PulseRun)"). A staff member with a
plain name ("Sam") cannot be found this way; the radar says whom it inferred so the user can add the rest. A
name that carries the brand and says its owner is a fan or member ("鹿角粉丝小王") stays a member.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from drafting.text.data import load_yaml
from knowledge.cjk import CJK_CHAR

_SEPARATORS = re.compile(r"[-–—_|｜()（）\[\]【】<>《》:：·•/\\,，\s]+")
_PARTS = re.compile(r"[-–—_|｜()（）\[\]【】<>《》:：·•/\\,，]+")  # the same, but a space does not split "PulseRun Team"


def _lexicon() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml("drafting.guards.lexicon", "staff.yaml")
    return data


def _words(words: list[str]) -> re.Pattern[str]:
    """English words that must stand as words ("Ops4ever" is not ops)."""
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?![a-z0-9])", re.IGNORECASE)


@lru_cache(maxsize=1)
def _markers() -> tuple[tuple[str, ...], re.Pattern[str], re.Pattern[str]]:
    data = _lexicon()
    return tuple(sorted(data["zh"], key=len, reverse=True)), _words(data["en"]), re.compile(data["signature"])


@lru_cache(maxsize=1)
def _member_words() -> tuple[tuple[str, ...], re.Pattern[str]]:
    data = _lexicon()["members"]
    return tuple(data["zh"]), _words(data["en"])


def _says_member(sender: str) -> bool:
    zh, en = _member_words()
    return any(word in sender for word in zh) or bool(en.search(sender))


def name_parts(sender: str) -> list[str]:
    """A display name split where brands join name and brand: "沪鲜送运营-大伟" -> [沪鲜送运营, 大伟]."""
    return [part for part in _SEPARATORS.split(sender) if part]


def is_marked(sender: str) -> bool:
    zh, en, signature = _markers()
    return any(word in sender for word in zh) or bool(en.search(sender)) or bool(signature.search(sender))


def _brand(part: str) -> str | None:
    """The word before a marker in a name part: "沪鲜送运营" -> 沪鲜送, "PulseRun Team" -> PulseRun; None when the
    marker comes first ("店长Coco": Coco is a person) or what stands before it is too short to be a brand."""
    zh, en, _ = _markers()
    cuts = [part.find(word) for word in zh if word in part]
    if match := en.search(part):
        cuts.append(match.start())
    if not cuts:
        return None
    brand = part[: min(cuts)].strip(" &+")
    long_enough = len(brand) >= (2 if CJK_CHAR.search(brand) else 3)  # two Han characters name a brand; kana do not count
    return brand.lower() if long_enough else None


def infer_staff(senders: Iterable[str]) -> set[str]:
    """The senders whose names mark them as staff, and those whose names carry the brand a marked name puts
    before its marker ("Coach Marco (PulseRun)" beside "Jess | PulseRun Team") — unless the name says its owner
    is a member ("PulseRun fan Lee")."""
    names = {s for s in senders if s}
    marked = {s for s in names if is_marked(s)}
    brands = {b for s in marked for part in _PARTS.split(s) if (b := _brand(part.strip()))}
    return marked | {s for s in names - marked if any(b in s.lower() for b in brands) and not _says_member(s)}

"""UI strings in Chinese and English, read from ui_text.yaml."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml

UiLang = Literal["zh", "en"]
_TEXT_FILE = Path(__file__).with_name("ui_text.yaml")


@lru_cache(maxsize=1)
def _strings() -> dict[str, dict[str, str]]:
    strings: dict[str, dict[str, str]] = yaml.safe_load(_TEXT_FILE.read_text(encoding="utf-8"))
    return strings


def text(key: str, lang: UiLang, **values: object) -> str:
    """The string for `key` in `lang`; a missing translation falls back to English,
    a missing key raises, so a typo shows up in tests rather than as a blank label."""
    entry = _strings()[key]
    template = entry.get(lang) or entry["en"]
    return template.format(**values) if values else template

"""Which characters are Chinese ideographs: the one definition behind language detection, chunk sizes,
keyword runs, the guards' character counts and the number reader.

Han ideographs only — CJK Unified Ideographs (U+4E00–U+9FFF), Extension A (U+3400–U+4DBF) and the
Compatibility Ideographs (U+F900–U+FAFF, which old GBK/Big5 converters still emit). Left out on purpose,
and each use says whether it wants them as well:

- kana (U+3040–U+30FF) and hangul (U+AC00–U+D7AF): Japanese and Korean, which Tactful does not draft in
  and must not mistake for Chinese;
- CJK punctuation (U+3000–U+303F) and full-width forms (U+FF00–U+FFEF): they end sentences, they are not
  words;
- U+4DC0–U+4DFF between Extension A and the main block: Yijing hexagram symbols, not characters;
- Extensions B and later (U+20000 and up): rare characters outside the Basic Multilingual Plane.

Kept in knowledge/, the lowest layer, because retrieval needs it as much as drafting does."""

from __future__ import annotations

import re

# The body of a regular-expression character class: write `[{CJK_RANGES}]`, or add punctuation inside the brackets.
CJK_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_CHAR = re.compile(f"[{CJK_RANGES}]")
CJK_RUN = re.compile(f"[{CJK_RANGES}]+")


def is_cjk(char: str) -> bool:
    """True for one Han ideograph (see the module docstring for what is not one)."""
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or "\uf900" <= char <= "\ufaff"


def count_cjk(text: str) -> int:
    """How many Han ideographs `text` holds."""
    return len(CJK_CHAR.findall(text))

"""One definition of a Chinese character (knowledge/cjk.py), and every use agrees with it at the edges."""

from __future__ import annotations

import pytest

from drafting.guards.tone_semantic import judgeable
from drafting.text.numbers import normalise
from knowledge.chunking import units
from knowledge.cjk import CJK_CHAR, CJK_RUN, count_cjk, is_cjk
from knowledge.documents import detect_language

EDGES = [
    ("\u33ff", False, "last CJK compatibility square before Extension A"),
    ("\u3400", True, "first of Extension A"),
    ("\u4dbf", True, "last of Extension A"),
    ("\u4dc0", False, "Yijing hexagram symbol, between Extension A and the main block"),
    ("\u4dff", False, "last Yijing hexagram symbol"),
    ("\u4e00", True, "一, first of the unified ideographs"),
    ("\u9fa5", True, "龥, the old GB2312-era end of the block"),
    ("\u9fff", True, "last of the unified ideographs"),
    ("\ua000", False, "Yi syllable after the block"),
    ("\uf8ff", False, "private use, just before the compatibility ideographs"),
    ("\uf900", True, "豈, first compatibility ideograph"),
    ("\ufaff", True, "last of the compatibility block"),
    ("\ufb00", False, "ﬀ ligature after it"),
    ("\u3042", False, "hiragana あ"),
    ("\u30ab", False, "katakana カ"),
    ("\uac00", False, "hangul 가"),
    ("\u3002", False, "ideographic full stop 。"),
    ("\uff0c", False, "full-width comma ，"),
    ("a", False, "Latin"),
    ("\U00020000", False, "Extension B, outside the Basic Multilingual Plane"),
]


@pytest.mark.parametrize(("char", "han", "what"), EDGES, ids=[f"U+{ord(c):04X}" for c, _, _ in EDGES])
def test_the_edges_of_the_ranges(char: str, han: bool, what: str) -> None:
    assert is_cjk(char) is han, what
    assert bool(CJK_CHAR.fullmatch(char)) is han, what
    assert count_cjk(f"x{char}y") == int(han), what


def test_the_function_and_the_pattern_agree_on_every_character_of_the_plane() -> None:
    disagree = [hex(code) for code in range(0x10000) if is_cjk(chr(code)) != bool(CJK_CHAR.fullmatch(chr(code)))]
    assert disagree == []


def test_a_run_stops_at_kana_and_punctuation() -> None:
    assert CJK_RUN.findall("退款㐀豈ですか。好的") == ["退款㐀豈", "好的"]


def test_chunk_units_count_every_han_character_twice_and_nothing_else() -> None:
    assert units("中a") == 3
    assert units("\u3400\uf900") == 4  # Extension A and compatibility ideographs are Chinese too
    assert units("あ가。䷀") == 4  # kana, hangul, punctuation and hexagrams weigh like a Latin letter


def test_language_detection_counts_han_characters_only() -> None:
    assert detect_language("ひらがなとカタカナです") == "en"  # Japanese kana are not Chinese
    assert detect_language("\u3400\u3401 ok") == "zh"


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("一张3 0元", "一张30元"),  # the main block
        ("\u34003 0元", "\u340030元"),  # Extension A: once missed by a \u4e00-only range
        ("あ3 0あ", "あ3 0あ"),  # kana: the space may separate two numbers
        ("，3 0元", ",3 0元"),  # after punctuation, likewise
    ],
)
def test_a_space_hidden_inside_a_number_between_han_characters(text: str, joined: str) -> None:
    assert normalise(text).text == joined


def test_the_semantic_tone_check_judges_by_han_characters() -> None:
    assert judgeable("谢谢您了") and not judgeable("ありがとう")

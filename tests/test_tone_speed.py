"""The tone guard's fast path finds exactly what the plain phrase automaton finds.

The compiled lexicon skips positions where no phrase can start (look-aheads in drafting/text/phrasebook.py).
These tests fail if a skip ever hides a phrase: every listed phrase, written out inside ordinary zh and en
text, must still be found, and the fast automaton must agree match for match with the plain alternation.
"""

from __future__ import annotations

import bisect
import random
import re
from importlib import resources
from typing import Any

import pytest

from drafting.guards.tone import _cue_phrases, _flag_entries, _read_yaml, load_lexicon
from drafting.text.phrasebook import _NUMBER, _PUNCT_LEAD, Automaton, Token, _fold_table, build_automaton, expand, fold, typo_variants

LEXICON = resources.files("drafting.guards.lexicon")
# Sentence-ending filler, so a phrase that must start a sentence (^) or a word can start here.
FILLERS = (("好的，收到。", "，谢谢。"), ("ok, got it. ", ", thanks."))


def written_out(tokens: list[Token]) -> str:
    """One text that the phrase's tokens describe (a number as 3, a class as its first member)."""
    out = []
    for kind, value in tokens:
        if kind == "c":
            out.append(value)
        elif kind == "sp":
            out.append(" ")
        elif kind in ("gap", "bos"):
            continue  # a gap may be empty; the filler before the phrase ends a sentence
        elif value == _NUMBER:
            out.append("3")
        elif value.startswith(_PUNCT_LEAD):
            out.append(re.sub(r"\\(.)", r"\1", value[len(_PUNCT_LEAD) :]))
        elif value.startswith("["):
            out.append(re.sub(r"\\(.)", r"\1", value[1:-1])[0])
        elif value == "'?":
            out.append("'")
        else:
            raise AssertionError(f"no way to write out token {kind} {value!r}")
    return "".join(out)


def found(automaton: Automaton, text: str) -> list[tuple[tuple[int, int], tuple[Any, ...]]]:
    return [(match.span(), payload) for match, payload in automaton.finditer(fold(text))]


def listed_phrases() -> list[tuple[list[Token], str]]:
    """Every pattern of zh.yaml and en.yaml written out three ways (its first, shortest and longest
    expansions) and, for entries marked `typos`, every slip the lexicon compiles."""
    out: list[tuple[list[Token], str]] = []
    for lang in ("zh", "en"):
        for number, entry in enumerate(_read_yaml(LEXICON, f"{lang}.yaml")["flags"], start=1):
            for pattern in entry["patterns"]:
                variants = expand(pattern)
                chosen = {tuple(variants[0]), tuple(min(variants, key=len)), tuple(max(variants, key=len))}
                if entry.get("typos"):
                    chosen |= {tuple(slip) for base in (variants[0], min(variants, key=len)) for slip in typo_variants(base)}
                out.extend((list(tokens), f"{lang}.yaml flag entry {number} {pattern!r}") for tokens in chosen)
    return out


def unfound(automaton: Automaton, phrases: list[tuple[list[Token], str]], before: str, after: str) -> list[str]:
    """The phrases that no match reaches into, each written out between `before` and `after`; all of them in
    one long text, so the whole lexicon costs one scan."""
    parts, spans = [], []
    position = 0
    for tokens, _ in phrases:
        phrase = written_out(tokens)
        parts.append(before + phrase + after)
        spans.append((position + len(before), position + len(before) + len(phrase)))
        position += len(parts[-1])
    matches = sorted(span for span, _ in found(automaton, "".join(parts)))
    starts = [start for start, _ in matches]
    missed = []
    for (start, end), (tokens, label) in zip(spans, phrases, strict=True):
        index = bisect.bisect_left(starts, end) - 1  # the last match starting before the phrase ends
        if index < 0 or matches[index][1] <= start:
            missed.append(f"{label}: {written_out(tokens)!r}")
    return missed


@pytest.mark.parametrize(("before", "after"), FILLERS)
def test_every_listed_phrase_is_still_found_inside_ordinary_text(before: str, after: str) -> None:
    missed = unfound(load_lexicon().flags, listed_phrases(), before, after)
    assert not missed, f"{len(missed)} listed phrases not found after {before!r}, e.g. {missed[:5]}"


@pytest.mark.slow
@pytest.mark.parametrize(("before", "after"), FILLERS)
def test_every_compiled_variant_is_still_found_inside_ordinary_text(before: str, after: str) -> None:
    phrases = [(tokens, entry.label) for tokens, entry in _flag_entries(LEXICON, _read_yaml(LEXICON, "categories.yaml"))[0]]
    missed = unfound(load_lexicon().flags, phrases, before, after)
    assert not missed, f"{len(missed)} of {len(phrases)} compiled variants not found after {before!r}, e.g. {missed[:5]}"


def test_every_cue_is_found_as_the_plain_automaton_finds_it() -> None:
    phrases = _cue_phrases(_read_yaml(LEXICON, "cues.yaml"), "cues.yaml")
    fast, plain = build_automaton(phrases), build_automaton(phrases, skip_ahead=False)
    assert fast.regex.pattern != plain.regex.pattern  # the cues are many enough to be grouped
    for tokens, _ in phrases:
        for before, after in FILLERS:
            text = before + written_out(tokens) + after
            assert found(fast, text) == found(plain, text), text


# Phrases chosen so that top-level branches overlap: a sentence start before English and Chinese words, a
# confusable class beside its own members, numbers beside digits, punctuation marks, emoji, and English
# words sharing first letters; plus typo variants as the lexicon builds them.
TRICKY = [
    "^so",
    "^but",
    "^我们",
    "sorry",
    "so sorry",
    "sure",
    "3 days",
    "\\d天",
    "24小时",
    "\\?",
    "\\!",
    "(¥|\\$)\\d",
    "别闹了",
    "别门了",
    "们好",
    "闹够了没",
    "🙄",
    "calm down",
    "as per our policy",
    "that's (not )?our problem",
    "per my last",
    "[一二三]个工作日",
    "'cause",
    "rules are rules",
    "按…规定",
]


def test_fast_and_plain_automata_agree_on_overlapping_phrases() -> None:
    phrases: list[tuple[list[Token], Any]] = []
    for number, pattern in enumerate(TRICKY):
        for variant in expand(pattern):
            phrases.append((variant, number))
            phrases.extend((slip, number) for slip in typo_variants(variant))
    confusables = {"们": "门", "了": "啦"}
    # Many branches, so the fast automaton groups them (a few literal-only branches stay plain).
    filler_words = [
        (expand(word)[0], "filler") for word in ("apple", "banana", "cherry", "大家", "小心", "安静", "马上", "立刻", "今天", "明天", "后天", "顺便")
    ]
    fast = build_automaton(phrases + filler_words, confusables)
    plain = build_automaton(phrases + filler_words, confusables, skip_ahead=False)
    assert fast.regex.pattern != plain.regex.pattern
    pieces = [written_out(tokens) for tokens, _ in phrases] + ["。", ". ", " ", "，", "？", "!", "abc", "x3", "门", "啦", "so", "\n", "😀", "[", "]"]
    rng = random.Random(17)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        assert found(fast, text) == found(plain, text), text


def test_large_groups_split_into_buckets_find_what_the_plain_alternation_finds() -> None:
    # Enough phrases starting with different characters that the Chinese and English groups are split into
    # buckets; confusable classes and character classes make branches whose first characters overlap.
    rng = random.Random(29)
    han = "别闹了们门够没好大家小心安静马上立刻今天明天后天顺便一二三个工作日按规定请您稍等亲"
    words = {"".join(rng.choice(han) for _ in range(rng.randint(2, 4))) for _ in range(400)}
    english = {"".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 6))) for _ in range(300)}
    patterns = sorted(words) + sorted(english) + TRICKY + ["[一二三]天", "[门们]口"]
    phrases = [(variant, number) for number, pattern in enumerate(patterns) for variant in expand(pattern)]
    confusables = {"们": "门", "了": "啦"}
    fast = build_automaton(phrases, confusables)
    plain = build_automaton(phrases, confusables, skip_ahead=False)
    assert fast.regex.pattern.count("(?=[") > 8  # groups and, inside the big ones, buckets
    pieces = [written_out(tokens) for tokens, _ in phrases[::3]] + ["。", " ", "，", "门", "啦", "a", "\n", "😀"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        assert found(fast, text) == found(plain, text), text


# Phrase families whose variants end alike, some with the same payload (their tails may be shared) and
# some with another (they must not be), beside phrases that start like them.
SHARED_TAILS = [
    ("(图片|照片|截图)(上)?(写|标)得很清楚", "pictures"),
    ("(写|标)得很清楚", "plain"),
    ("(说|讲)得很清楚", "said"),
    ("说得很清楚了吧", "said-twice"),
    ("图片说得很清楚", "said"),
    ("people who (can't|cannot|don't) read (are|r) idiots", "insult"),
    ("people who (can't|don't) wait", "impatient"),
    ("(you|u) (should|must) (have|'ve) read", "lecture"),
]


def test_shared_tails_find_what_written_out_tails_find() -> None:
    phrases = [(variant, label) for pattern, label in SHARED_TAILS for variant in expand(pattern)]
    phrases += [(slip, label) for tokens, label in list(phrases) for slip in typo_variants(tokens)]
    shared = build_automaton(phrases, {"们": "门"})
    written = build_automaton(phrases, {"们": "门"}, share_tails=False)
    assert len(shared.regex.pattern) < len(written.regex.pattern)
    assert shared.regex.groups < written.regex.groups
    pieces = [written_out(tokens) for tokens, _ in phrases] + ["。", ". ", " ", "，", "得", "很清楚", "people who", "read", "abc", "\n"]
    rng = random.Random(23)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
        assert found(shared, text) == found(written, text), text
    # a tail is shared only with the same payload: 图片说得很清楚 (a neighbour of 图片标得很清楚 in the tree)
    # is never reported as the pictures' phrase
    assert [payload for _, payload in found(shared, "图片说得很清楚")] == [("said",)]


def test_fold_takes_the_ascii_shortcut_without_changing_anything() -> None:
    table = _fold_table()
    every_ascii = "".join(chr(code) for code in range(128))
    assert fold(every_ascii) == every_ascii.translate(table)
    assert fold("Calm DOWN, per MY last message!") == "calm down, per my last message!"
    assert fold("ＣＡＬＭ　Ｄｏｗｎ “別鬧了”") == "calm down \u201c别闹了\u201d"

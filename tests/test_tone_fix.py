"""The one-click tone fix: the suggestion replaces the flagged phrase, the reply still opens with its
greeting, and a rhetorical question's mark does not survive into a statement."""

from __future__ import annotations

import pytest

from drafting.guards.tone import ToneChecker
from drafting.guards.tone_fix import apply_fix
from drafting.text.greetings import greeting_first, greeting_length

CHECKER = ToneChecker()


def fixed(text: str, lang: str) -> str:
    flags = [f for f in CHECKER.check(text, kind="draft", lang=lang).flags if f.suggestion]
    assert flags, f"pick a text the lexicon flags with a suggestion: {text!r}"
    return apply_fix(text, flags[0])


@pytest.mark.parametrize(
    ("lang", "text", "opening"),
    [
        ("en", "Calm down. Hi Alex,\n\nWe are sorry your order was late.", "Hi Alex,\n\n"),
        ("en", "Calm down. Hello Sam, your order was late and that is on us.", "Hello Sam, "),
        ("zh", "别闹了行吗。王女士，您好：您的订单晚到了，非常抱歉。", "王女士，您好："),
        ("zh", "别闹了行吗？您好，您的订单晚到了。", "您好，"),
        ("zh", "别闹了行吗。尊敬的李先生：订单的事我们马上处理。", "尊敬的李先生："),
        ("zh", "别闹了行吗，王女士您好，您的订单晚到了85分钟，我们向您道歉。", "王女士您好，"),  # a clause, not a sentence
        ("en", "Calm down, Hi Alex, your order was late and we are sorry.", "Hi Alex, "),
    ],
)
def test_a_fixed_opener_moves_after_the_greeting(lang: str, text: str, opening: str) -> None:
    result = fixed(text, lang)
    assert result.startswith(opening), result
    assert result.count(opening.strip()) == 1
    rest = text[text.index(opening) + len(opening) :]
    assert result.endswith(rest[1:]), result  # the rest of the reply follows, unchanged but for a capital
    assert "？" not in result and "?" not in result  # the suggestion is a statement, not a question


def test_the_sentence_after_the_greeting_starts_with_a_capital_again() -> None:
    result = fixed("Calm down. Hi Alex, we are sorry your order was late.", "en")
    assert result.startswith("Hi Alex, ") and ". We are sorry your order was late." in result


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Hi Alex, calm down. We are sorry."),  # already after the greeting
        ("en", "Calm down. We are sorry your order was late."),  # no greeting at all
        ("zh", "王女士您好，别闹了行吗，我们会处理。"),
    ],
)
def test_a_fix_that_is_not_before_a_greeting_stays_where_it_was(lang: str, text: str) -> None:
    flag = next(f for f in CHECKER.check(text, kind="draft", lang=lang).flags if f.suggestion)
    result = apply_fix(text, flag)
    assert result[: flag.start] == text[: flag.start] and flag.suggestion in result


@pytest.mark.parametrize(
    ("text", "length"),
    [("Hi Alex, we are sorry.", 9), ("Dear customer,\nSorry.", 15), ("王女士，您好：抱歉。", 7), ("亲，抱歉。", 2), ("Alex,\nsorry", 6)],
)
def test_greetings_are_found_in_both_languages(text: str, length: int) -> None:
    assert greeting_length(text) == length


@pytest.mark.parametrize("text", ["Sorry, that was our mistake.", "Sure, we will refund it.", "我们很抱歉，订单晚了。", "Thanks, Alex."])
def test_an_ordinary_sentence_is_not_a_greeting(text: str) -> None:
    assert greeting_length(text) == 0


def test_a_change_outside_the_first_sentence_moves_nothing() -> None:
    text = "We are sorry. Hi Alex, this is odd. Another sentence."
    at = text.index("Another")
    assert greeting_first(text, at, at + 7) == text

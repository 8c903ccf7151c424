"""The question scorer (evals/questions.py): each verdict, incidents from another folder, and bad rows."""

from __future__ import annotations

import pytest

from evals import questions
from evals.datafiles import EvalDataError

GOLD = "01-gold-free-delivery-cut"  # a scenario: the free-delivery benefit cut to save on delivery costs


def row(message: str, answer: dict[str, object], **extra: object) -> dict[str, object]:
    return {"id": "t-1", "incident": GOLD, "lang": "en", "messages": [message], "answer": answer, **extra}


def test_each_verdict_is_told_apart() -> None:
    cause = questions._incident(GOLD).cause.pick("en")
    right = questions.judge(row("Why on earth did you do that to the card?", {"kind": "clause", "field": "cause", "text": cause}))
    assert right.verdict == "right"
    wrong = questions.judge(row("Why on earth did you do that to the card?", {"kind": "action", "index": 0}))
    assert wrong.verdict == "wrong"
    assert questions.judge(row("Why on earth did you do that to the card?", {"kind": "none"})).verdict == "false_answer"
    assert questions.judge(row("Is your CEO a cat person?", {"kind": "none"})).verdict == "silent_ok"
    assert questions.judge(row("Is your CEO a cat person?", {"kind": "action", "index": 0})).verdict == "missed"


def test_an_incident_of_another_folder_is_read_and_a_bad_folder_is_named() -> None:
    found = questions._incident("01-cat-food-vitamin-d", "reader_incidents_i")
    assert found.id == "2026-11-furball-kibble-batch"
    with pytest.raises(EvalDataError, match="incident_dir"):
        questions._incident(GOLD, "../secrets")
    with pytest.raises(EvalDataError, match="no incident"):
        questions._incident("no-such-incident", "reader_incidents_i")


def test_the_scores_count_only_what_they_say() -> None:
    cause = questions._incident(GOLD).cause.pick("en")
    outcomes = [
        questions.judge(row("Why on earth did you do that to the card?", {"kind": "clause", "field": "cause", "text": cause})),
        questions.judge(row("Is your CEO a cat person?", {"kind": "none"})),
        questions.judge(row("Is your CEO a cat person?", {"kind": "action", "index": 0})),
    ]
    figures = questions.score(outcomes)["all"]
    assert figures["answered_right"] == 0.5  # one of two answerable
    assert figures["wrong_answers"] == 0.0  # the one answered was right
    assert figures["false_answers_on_silent"] == 0.0

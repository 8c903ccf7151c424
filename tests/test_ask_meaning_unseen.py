"""The shipped ask classifier (drafting/domain/playbook/ask_meaning.npz, session 7: trained with the
training-only sets) hears indirect asks no lexicon entry lists, at its own cut-offs, and never what the customer
declined or someone else reported. Every sentence here was written for these tests (none comes from a
labelled or training set)."""

from __future__ import annotations

import pytest

from drafting.domain.ask_meaning import default_meaning
from drafting.domain.asks import meaning_units, read_asks

# (type, an indirect ask in words of our own, the same ask declined or reported)
INDIRECT = [
    ("callback", "麻烦安排个能做主的人跟我通个话", "不用安排能做主的人跟我通话，留言回复就行"),
    ("callback", "麻烦安排个能做主的人跟我通个话", "客服说会安排个能做主的人跟我通个话"),
    (
        "escalation_health",
        "My son's lips swelled up after the first bite",
        '"My son\'s lips swelled up after the first bite" is what the form asks us to report.',
    ),
    ("compensation", "耽误的工钱你们得补给我", "耽误的工钱不用补给我，下次注意就行"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "ask", "declined"), INDIRECT)
def test_the_shipped_classifier_hears_an_indirect_ask_the_lexicon_misses(kind: str, ask: str, declined: str) -> None:
    assert kind not in read_asks([ask]).types()
    assert kind in read_asks([ask], meaning=default_meaning()).types()


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "ask", "declined"), INDIRECT)
def test_the_shipped_classifier_does_not_hear_the_same_ask_declined_or_reported(kind: str, ask: str, declined: str) -> None:
    assert kind not in read_asks([declined], meaning=default_meaning()).types()


def test_meaning_reads_only_the_customers_own_clauses_beside_a_declined_one() -> None:
    (unit,) = meaning_units(["不用安排人跟我通话，留言回复就行"], "zh")
    assert unit.text == "留言回复就行"
    message = "I am not asking for a refund. Call me tonight."
    (unit,) = meaning_units([message], "en")
    assert unit.text == "Call me tonight." and message[unit.start : unit.end] == unit.text

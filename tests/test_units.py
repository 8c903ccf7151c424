"""How drafts say amounts of time: the unit a person would choose, singular and plural right."""

from __future__ import annotations

import pytest

from drafting.text import units


@pytest.mark.parametrize(
    ("minutes", "en", "zh"),
    [
        (45, "45 minutes", "45分钟"),
        (85, "85 minutes", "85分钟"),
        (120, "two hours", "2小时"),
        (150, "two hours and 30 minutes", "2小时30分钟"),
        (2880, "two days", "2天"),
        (12960, "nine days", "9天"),  # the "was 12960 minutes late" a reader found
        (13000, "more than nine days", "9天多"),  # never less than the customer waited
    ],
)
def test_a_delay_is_said_in_the_unit_a_person_would_use(minutes: int, en: str, zh: str) -> None:
    assert units.duration(minutes, "en") == en and units.duration(minutes, "zh") == zh


def test_one_is_singular_and_small_numbers_are_words_in_english() -> None:
    assert units.count(1, "month", "en") == "one month"  # not "1 extra months"
    assert units.count(3, "day", "en") == "three days" and units.count(14, "day", "en") == "14 days"
    assert units.count(1, "month", "zh") == "1个月"

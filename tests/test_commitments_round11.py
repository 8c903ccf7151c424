"""Round 11 of the commitment guard, after a third independent author's probes (evals/data/commitments/probes_e.yaml)
aimed at registers the grammar had not met: a message that announces itself ("Update: …", 跟您更新一下), a call to
the reader that brings an update, passives and nominalisations with no "we" (a fee "to be written off", costs borne by
the store), grants put on the reader's account or next bills and told as done, replacements counted or said in chat
(补一单, "two replacement units"), chat shorthand ("ur", "w/in", "thurs", 2moro), round numbers with 来/多 (一百来块),
a free period to a day; and false holds: an earlier occasion's remedy told as history, a reply time said as "a reply
will be sent".

Every sentence here is our own; none is taken from the probes, an evaluation set or a real reply."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from drafting.guards.commitments import check, extract
from drafting.text.numbers import normalise
from evals.commitments import ENTITLED as REFERENCE

MONDAY = datetime(2026, 11, 30, 9, 0)


def held_for_nothing(text: str) -> bool:
    """Is the text held for a ticket granted nothing at all?"""
    return not check(text, [], order_amount=Decimal(86), now=MONDAY).ok


def passes_for_reference(text: str) -> bool:
    """Does the text pass for the labels' reference ticket (full refund of 86 CNY, one 30 CNY coupon, 3 days,
    5 minutes, one month of membership)?"""
    return check(text, REFERENCE, order_amount=Decimal(86), now=MONDAY).ok


@pytest.mark.parametrize(
    "text",
    [
        # a message that names itself an update is not our work plan
        "Update: we'll send the spare charger by Wednesday.",
        "Quick update - your account gets two free months.",
        "跟您更新一下，维修的师傅明天上午十点前到。",
        # a call to the reader that brings news is still a time promised to them
        "I'll ring you before noon tomorrow with an update on the case.",
        "退款进度我后天下午五点前给您回个电话。",
        # passives and nominalisations with nobody named
        "The clinic will be covering your parking fee.",
        "Your remaining balance of 240 is to be written off.",
        "停车费用由商家承担。",
        "寄回的运费店里来出。",
        # grants put on the reader's account or next bills, told as done
        "A 10% reduction has been applied to your next three invoices.",
        "9折的折扣码已经添加到您的账户。",
        "Two free weeks of the premium plan have been added to your account.",
        "我们已经给您余额里充了60元，下次直接抵扣。",
        # replacements said in chat
        "We're shipping you three replacement cups.",
        "明早给你补发",
        "这个情况我们直接给您补一单。",
        "给你换一台全新的",
        # fees waived in the progressive
        "We're waiving the installation fee.",
        # chat shorthand and round numbers
        "ur refund of 120 yuan lands w/in 2 days",
        "we'll have a new 1 out to u by fri",
        "二百来块今天就回您账户",
        "给您补五十多块",
        # a free period to a day
        "Your free membership now runs until the end of June.",
        # you get …, with no article
        "You get free parking next time.",
    ],
)
def test_promises_in_these_registers_are_held_for_a_ticket_granted_nothing(text: str) -> None:
    assert held_for_nothing(text)


@pytest.mark.parametrize(
    "text",
    [
        "Earlier this year, a similar outage was compensated with a 10 CNY coupon that has since expired.",
        "Back in March, customers affected by a similar delay were given a 20 CNY coupon.",
        "A reply will be sent within 5 minutes.",
        "Hi, ur 86 yuan comes back in full w/in 3 days.",
        "A reply will be posted within 5 minutes.",
        "A late fee was applied to your account.",  # a charge put on the account is not a grant
    ],
)
def test_history_and_granted_terms_pass_for_the_reference_ticket(text: str) -> None:
    assert passes_for_reference(text)


def test_a_threshold_word_belongs_to_the_number_right_after_it() -> None:
    # 满0减30: the 满 is the zero's; the 30 that comes off is given (a threshold of nothing is no condition)
    assert held_for_nothing("已向您账户发放一张满0减25的红包。")
    # …while 满50 is still the threshold, not a sum given
    assert [c.amount for c in extract("给您发一张满50减20的券。") if c.type in ("coupon", "compensation")] == [Decimal(20)]


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("ur order ships w/in 2 days", "your order ships within 2 days"),
        ("see u 2moro", "see u tomorrow"),
        ("by thurs.", "by thursday."),
        ("our team", "our team"),
        ("monthly plan", "monthly plan"),
    ],
)
def test_chat_shorthand_is_spelled_out_and_offsets_still_point_at_what_was_typed(typed: str, read: str) -> None:
    normalised = normalise(typed)
    assert normalised.text == read
    assert normalised.span(0, len(normalised.text)) == (0, len(typed))


def test_round_numbers_with_lai_and_duo_are_read_as_the_sum_named() -> None:
    assert [(c.type, c.amount) for c in extract("给你退一百多块")] == [("refund", Decimal(100))]
    assert [(c.type, c.amount) for c in extract("三十来天内到账")][0] == ("processing_deadline", Decimal(30))
    assert extract("我们有20多个客服在线") == []  # 多 before a counter is a head count, not money


def test_a_progress_update_of_our_own_is_still_not_a_promise() -> None:
    # the work-plan reading is kept where the update is ours, not the reader's
    assert extract("11月14日18:00前会跟您同步进展。") == []
    assert extract("We'll publish the next update by 6 pm.") == []

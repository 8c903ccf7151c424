"""The commitment guard: every promise found, in zh and en, and judged against the policy book."""

from __future__ import annotations

from decimal import Decimal

import pytest

from drafting.commitments import check, extract, parse_number, statement_entitlements
from knowledge.policy import PolicyBook, Remedy, TicketFacts

BOOK = PolicyBook.load(None)
LATE_45 = BOOK.remedies_for(TicketFacts(issue_type="late_delivery", delay_minutes=45, order_amount=Decimal(86), during_incident=True))


@pytest.mark.parametrize(
    ("text", "value"),
    [("30", 30), ("1,000", 1000), ("29.9", Decimal("29.9")), ("三十", 30), ("一百五十", 150), ("两千", 2000),
     ("十五", 15), ("一万二千", 12000), ("thirty-five", 35), ("a hundred", 100), ("five hundred and twenty", 520)],
)
def test_numbers_in_digits_chinese_and_english_words(text: str, value: int) -> None:
    assert parse_number(text) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "kind", "amount"),
    [
        ("我们会补偿您三十元", "compensation", 30),
        ("送您一张30元优惠券", "coupon", 30),
        ("退款¥86已经提交", "refund", 86),
        ("We'll add a thirty yuan voucher", "coupon", 30),
        ("A refund of RMB 86 is on its way", "refund", 86),
        ("you get $5 store credit", "coupon", 5),
        ("compensation of up to 20-50 yuan", "compensation", 50),  # a range promises its top
        ("最高补偿50元", "compensation", 50),
    ],
)
def test_money_promises_are_found_and_classified(text: str, kind: str, amount: int) -> None:
    found = extract(text)
    assert [(c.type, c.amount) for c in found] == [(kind, Decimal(amount))], found


@pytest.mark.parametrize(
    ("text", "kind", "amount"),
    [
        ("退款3天内到账", "processing_deadline", 3),
        ("Refunds are processed within 3 business days", "processing_deadline", 3),
        ("24小时内处理完", "processing_deadline", 1),
        ("我们5分钟内回复", "response_time", 5),
        ("we reply within two hours", "response_time", 120),
        ("会员延长三个月", "membership_extension", 3),
        ("we'll extend your membership by 2 months", "membership_extension", 2),
    ],
)
def test_time_promises_are_found_with_their_units(text: str, kind: str, amount: int) -> None:
    assert [(c.type, c.amount) for c in extract(text)] == [(kind, Decimal(amount))]


@pytest.mark.parametrize(
    "text",
    ["您的订单金额86元，晚到了45分钟。", "Your 86-yuan order arrived 45 minutes late.", "满99元可用", "You paid 120 yuan for this order.",
     "Orders over 99 yuan ship free."],
)
def test_facts_and_conditions_are_not_promises(text: str) -> None:
    assert extract(text) == []


def test_full_refund_and_free_order_phrases() -> None:
    kinds = [(c.type, c.scope) for c in extract("我们为您全额退款，这一单免单。We will refund you in full.")]
    assert kinds == [("refund", "full"), ("free_order", None), ("refund", "full")]


def test_offsets_point_into_the_original_text() -> None:
    text = "好的，我们将补偿您３０元。"  # full-width digits
    [found] = extract(text)
    assert text[found.start : found.end] == found.phrase == "３０元" and found.amount == 30


def test_what_policy_allows_is_backed_with_its_rule() -> None:
    report = check("全额退款86元，另送一张30元无门槛优惠券，有效期30天，3天内到账，5分钟内回复。", LATE_45, order_amount=Decimal(86))
    assert report.ok, report.reasons()
    assert {c.backing for c in report.commitments} == {"LD-2", "RT-2"}


@pytest.mark.parametrize(
    ("text", "status", "rule"),
    [
        ("We'll send a 50-yuan coupon.", "exceeds", "LD-2"),  # policy: 30
        ("送您一张30元优惠券，有效期90天", "exceeds", "LD-2"),  # policy: valid 30 days
        ("退款24小时内到账", "exceeds", "LD-2"),  # policy: within 3 days
        ("We will refund you 1000 yuan.", "exceeds", "LD-2"),  # more than the 86-yuan order
        ("我们5分钟内回复", None, None),  # backed by RT-2
        ("另外赠送3个月会员", "unbacked", None),  # no rule grants an extension here
    ],
)
def test_promises_beyond_policy_are_flagged_naming_the_rule(text: str, status: str | None, rule: str | None) -> None:
    [found] = check(text, LATE_45, order_amount=Decimal(86)).commitments
    if status is None:
        assert found.backed
    else:
        assert found.status == status and not found.backed
        if rule:
            assert rule in found.reason


def test_an_amount_cannot_be_backed_without_an_order_amount() -> None:
    [found] = check("We refunded 86 yuan in full.", LATE_45, order_amount=None).commitments
    assert found.status == "unbacked" and "no order amount" in found.reason


def test_nothing_is_backed_when_nothing_is_entitled() -> None:
    report = check("We will give you a full refund and a 30-yuan coupon.", [])
    assert not report.ok and all(c.status == "unbacked" for c in report.commitments)


def test_incident_decisions_back_promises_like_rules() -> None:
    goodwill = Remedy(type="coupon", amount=Decimal(50), valid_days=30, rule_id="INC-1")
    report = check("另外送您一张50元优惠券", [goodwill])
    assert report.ok and report.commitments[0].backing == "INC-1"


def test_statements_are_checked_against_the_whole_book() -> None:
    remedies = statement_entitlements(BOOK)
    assert check("超过30分钟的订单：全额退款和一张30元优惠券，3天内处理完成。", remedies).ok
    assert not check("所有订单补偿200元优惠券", remedies).ok


def test_a_duration_is_a_promise_only_next_to_its_keyword() -> None:
    assert extract("两小时内截图被转到别的群，当晚的退款申请是平时的6倍") == []
    assert extract("the picking system blocks anything with less than a day left") == []
    assert [c.type for c in extract("退款两小时内到账")] == ["processing_deadline"]


def test_a_coupon_is_matched_to_the_remedy_whose_validity_covers_it() -> None:
    decided = Remedy(type="coupon", amount=Decimal(30), valid_days=60, rule_id="INC-1")
    report = check("另送一张30元优惠券，有效期60天", LATE_45 + [decided], order_amount=Decimal(86))
    assert report.ok and report.commitments[0].backing == "INC-1"


def test_quoted_words_are_reported_not_promised() -> None:
    assert extract('We launched promising "delivery in 30 minutes" and missed it.') == []
    assert extract("客服说过“3天内到账”，但没有做到。") == []
    assert [c.type for c in extract("退款3天内到账。")] == ["processing_deadline"]

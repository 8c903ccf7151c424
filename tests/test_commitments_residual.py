"""Round 6 of the commitment guard: default-deny where reading stops (drafting/guards/unrecognised.py).

What the grammar leaves over in a clause that commits — a free thing, an extra gift, a time bound, a scope of
several orders, a membership tier, a remedy with no measure — is held as `unrecognised`, even beside a promise
the grammar read. Every sentence here is our own; none is taken from an evaluation set or a real reply."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from drafting.guards.commitments import check
from knowledge.policy import PolicyBook, TicketFacts

BOOK = PolicyBook.load(None)
LATE_45 = BOOK.remedies_for(TicketFacts(issue_type="late_delivery", delay_minutes=45, order_amount=Decimal(86), during_incident=True))
MONDAY = datetime(2026, 11, 30, 9, 0)


def held(text: str) -> list[str]:
    """The phrases the last net held in `text` (each unbacked, so the reply stops)."""
    report = check(text, LATE_45, order_amount=Decimal(86), now=MONDAY)
    phrases = [c.phrase for c in report.commitments if c.type == "unrecognised"]
    assert all(not c.backed for c in report.commitments if c.type == "unrecognised")
    return phrases


def passes(text: str) -> bool:
    return check(text, LATE_45, order_amount=Decimal(86), now=MONDAY).ok


# ── free things the grammar cannot measure ──────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("下个月的月费不收了。", "不收了"),  # a waiver verb gives on its own, no "we will" needed
        ("修手机的钱我们来出。", "我们来出"),  # (运费我们来出 is read by the grammar since round 11)
        ("I'll make sure you aren't billed for the replacement either.", "aren't billed"),
        ("The repair is on us, parts included.", "on us"),
        ("We'll knock the service fee off your next two orders.", "knock the service fee off"),
        ("之后每单都给您包邮。", "包邮"),  # a free word in a clause that commits
    ],
)
def test_a_free_thing_in_words_the_grammar_has_not_seen_is_held(text: str, phrase: str) -> None:
    assert held(text) == [phrase]


@pytest.mark.parametrize(
    "text",
    [
        "亲，这款是包邮的哦。",  # a fact about the product, nothing committed
        "Feel free to message us again if anything changes.",
        "That's on us, and we're sorry.",  # blame, not a free meal
        "开通这个功能是不收费的。",
        "Delivery is free on orders over 50 yuan.",  # a threshold: a promotion's rule
    ],
)
def test_free_as_a_fact_an_idiom_or_blame_is_not_held(text: str) -> None:
    assert held(text) == []


# ── an extra gift beside a promise read ─────────────────────────────────────────────────────────────


def test_an_extra_gift_in_a_clause_of_its_own_is_held_beside_a_backed_refund() -> None:
    text = "这单我们全退，再额外赔您一单的钱。"
    assert held(text) == ["额外"] and not passes(text)


def test_an_extra_that_the_grammar_read_is_not_held_again() -> None:
    assert held("我们会给您退款86元，另外给您发一张30元券。") == []
    assert held("We'll refund you in full, and we've also passed your note to the kitchen.") == []


# ── time bounds no time promise consumed ────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("We'll process it on Wednesday.", "Wednesday"),  # a day with no "by", bounding our action
        ("下周一给您寄出新的。", "下周一"),
        ("专员十分钟后联系您。", "十分钟"),  # our action put off by a while is due then
        ("这个问题我们一个小时就给您处理好。", "一个小时"),  # 就 + action: a bound without 内
    ],
)
def test_a_time_bound_the_grammar_did_not_bind_is_held(text: str, phrase: str) -> None:
    assert held(text) == [phrase]


def test_money_sent_over_to_you_is_not_told_as_the_past() -> None:
    report = check("我们今晚就把钱给您转过去。", LATE_45, order_amount=Decimal(86), now=MONDAY)  # 转过去: over to you
    assert [(c.type, c.phrase) for c in report.unbacked] == [("processing_deadline", "今晚")]


def test_a_date_beside_a_refund_read_without_it_is_held() -> None:
    text = "Your refund will be completed on December 2nd."
    assert held(text) == ["December 2nd"] and not passes(text)


@pytest.mark.parametrize(
    "text",
    [
        "请您5分钟后再试一下。",  # the customer's wait, not our bound
        "We'll take 10% off whatever you order this weekend.",  # when the gift applies, not when we act
    ],
)
def test_a_wait_or_a_gifts_own_period_is_not_held_as_a_time_bound(text: str) -> None:
    assert held(text) == []


# ── scope, membership tiers, remedies with no measure ──────────────────────────────────────────────


def test_a_refund_of_several_orders_is_held_though_the_refund_is_read() -> None:
    assert held("这两单都给您退款。") == ["这两单都"]
    assert held("We'll refund every order you placed in October.") == ["every order you"]


def test_all_affected_orders_of_a_statement_are_each_the_tickets_own() -> None:
    assert held("所有受影响订单将全额退款。") == []


def test_a_membership_tier_granted_with_no_period_is_held() -> None:
    assert held("作为补偿，我们把您的会员升级为黑金会员。") == ["会员"]
    assert held("会员权益说明请见活动页面。") == []


def test_a_remedy_given_with_no_measure_is_held_unless_refused() -> None:
    assert held("我们给您一些补偿。") == ["补偿"]
    assert held("Vouchers won't be sent by text any more.") == []


def test_a_remedy_a_person_will_talk_about_is_not_one_given() -> None:
    """A hand-over names compensation as its subject: a person will answer about it, nothing is given yet."""
    assert held("客服主管会联系您，专门答复补偿的问题。") == []
    assert held("Our care lead will contact you about compensation.") == []
    assert held("关于补偿，经理会和您沟通。") == []
    assert held("我们给您一些补偿，经理会联系您。") == ["补偿"]


def test_a_refund_of_an_order_to_come_is_held_as_a_free_order_no_rule_backs() -> None:
    assert held("Your next order will be fully refunded.") == ["Your next order"]
    assert held("下次点餐全额退款给您。") == ["下次"]
    # the order to come is the discount's, not the refund's
    assert held("We'll refund the soup and give you 20% off next time.") == []


@pytest.mark.parametrize(
    "text", ["You won't be paying for your next order.", "Tonight's dinner comes at zero cost to you.", "Order again and we'll cover it."]
)
def test_more_ways_of_saying_free_are_held(text: str) -> None:
    assert len(held(text)) == 1


def test_goods_given_in_kind_to_the_reader_are_held() -> None:
    assert held("再给您送两杯奶茶。") == ["两"]
    assert held("买两份并收藏店铺，送两包纸巾。") == []  # a promotion's rule, given to no one in particular
    assert held("运费这次给您退一部分。") == []  # 一部分 is a share, not a piece of goods


# ── coupons: a validity or a plural the reading left out ──────────────────────────────────────────


def test_a_coupons_validity_the_reading_did_not_take_is_held() -> None:
    assert held("We'll give you a coupon good for 90 days.") == ["90 days"]
    assert held("We'll add a 30 yuan coupon to your account, valid for 30 days.") == []  # read with the coupon


def test_coupons_in_the_plural_with_no_count_are_not_the_rules_one_coupon() -> None:
    report = check("We'll send you a pair of 30-yuan coupons.", LATE_45, order_amount=Decimal(86), now=MONDAY)
    [coupon] = [c for c in report.commitments if c.type == "coupon"]
    assert coupon.status == "exceeds" and "plural" in coupon.reason
    assert passes("We'll send you a 30-yuan coupon.")


def test_a_coupon_for_each_of_several_orders_is_held() -> None:
    assert held("Here's a 30 yuan voucher for each of your next three orders.") == ["each of your next three orders"]


# ── precision: facts about a membership, blame ──────────────────────────────────────────────────────


def test_a_membership_that_renews_by_itself_grants_nothing() -> None:
    assert held("Your membership renews automatically on the 1st of each month.") == []


def test_on_us_to_fix_is_blame_not_a_free_order() -> None:
    assert passes("That was our mistake, and it's on us to fix our process.")


# ── still linear: the residual cues are looked up in bounded windows, once a sentence ───────────────


@pytest.mark.slow
@pytest.mark.parametrize("unit", ["下个月的月费不收了，这两单都给您退款，", "We'll process it on Wednesday, plus something extra on us. "])
def test_the_residual_net_stays_linear(unit: str) -> None:
    from test_commitments_unrecognised import assert_checking_stays_linear

    assert_checking_stays_linear(unit, LATE_45, MONDAY)

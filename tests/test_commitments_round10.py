"""Round 10 of the commitment guard, after an independent author's probes (evals/data/commitments/probes_c.yaml)
found promises it read nothing from: money moved into the reader's own account, an offer put as a question, costs
borne by us or a party on our side, the reader's money "coming back" in other words, free periods, 退一赔N, a
data allowance, a multiple of the price set for the reader; from a second author's whole chat replies
(probes_d.yaml): a time the person in charge will act for the reader by, offers asked in other forms, per-person
compensation in a statement, points and discounts granted as done; and false holds: a coupon page named "My Coupons", the
customer's own past use of a coupon, a demand of theirs declined, a promotion told as what happened.

Every sentence here is our own; none is taken from the probes, an evaluation set or a real reply."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from drafting.guards.commitments import check, extract
from evals.commitments import ENTITLED as REFERENCE

MONDAY = datetime(2026, 11, 30, 9, 0)


def held_for_nothing(text: str) -> bool:
    """Is the text held for a ticket granted nothing at all (every promise in it unbacked)?"""
    return not check(text, [], order_amount=Decimal(86), now=MONDAY).ok


def passes_for_reference(text: str) -> bool:
    """Does the text pass for the labels' reference ticket (full refund, one 30 CNY coupon, 3 days, 5 minutes,
    a 1-month membership extension)?"""
    return check(text, REFERENCE, order_amount=Decimal(86), now=MONDAY).ok


@pytest.mark.parametrize(
    "text",
    [
        # money moved into the reader's own account, told as done or to come
        "I just transferred 40 to your PayPal account.",
        "We've deposited ¥25 into your bank account.",
        "Our billing team put 15 yuan into your wallet this morning.",
        "我们会转二十块到您的账户。",
        # offers put as questions
        "Why don't we just give you a voucher?",
        "How about we knock 10 yuan off your bill?",
        "Why not let us cover the delivery charge?",
        "要不我们给您补一张券？",
        # costs borne by us or by a party on our side
        "运费我们出。",
        "这次的损失我们兜底。",
        "平台会承担这部分运费。",
        "The bakery has agreed to pay for the whole cake.",
        # the reader's money coming back, in other words
        "钱我马上给您转回去。",
        "菜您留着，钱也照退。",
        "Your cash is on its way back.",
        "Don't worry, you won't be out of pocket.",
        "We've zeroed out your balance for December.",
        # a free period, a treat
        "免配送费三个月。",
        "Free delivery for six months, starting today.",
        "这顿算我请的。",
        "Let's chalk it up to us — no charge.",
        "We'll make it right with a little something on your account.",
        # 退一赔N offered, the price difference made up, cashback with a bare number, a data allowance
        "这次我们退一赔二。",
        "差价我来补。",
        "稍后给您返现30。",
        "我们给您送5G流量作为补偿。",
        "We'll add 8 GB of data to your line.",
        # a multiple of the price set for the reader; a coupon's value said as money off above a threshold
        "Your refund has been raised to double the order price.",
        "补偿已经调整为实付价的两倍。",
        "Here's a voucher for 15 off orders over 60.",
        # a time the person in charge will act for the reader by (not our own work plan), told in a chat reply
        "负责售后的同事今晚8点前会给您回电话。",
        "The manager in charge will contact you before Wednesday.",
        # offers put as questions, in other forms
        "Would a 25-yuan voucher help?",
        "Shall we comp your next delivery?",
        # per-person compensation in a statement; points and discounts granted as done, on the reader's behalf
        "本次受影响的会员每人可获得50元补偿。",
        "I've set you up with 800 loyalty points.",
        "You're getting 300 bonus points for the wait.",
        "已经帮您申请了500积分。",
        "已经帮您申请了一张8折券。",
        # a month off a renewal; a visit by a date; a grant said in the present to the reader
        "续费的时候我们给您免两个月。",
        "An engineer will visit on December 4th.",
        "Good news: you get a free dessert with the replacement.",
    ],
)
def test_a_promise_said_another_way_is_held_when_nothing_backs_it(text: str) -> None:
    assert held_for_nothing(text), check(text, [], order_amount=Decimal(86), now=MONDAY).commitments


@pytest.mark.parametrize(
    "text",
    [
        # what the reference ticket grants, with the page the coupon is on named after it
        "Here's one 30-yuan coupon, no minimum spend, valid 30 days — it's under My Coupons.",
        "送您一张30元无门槛优惠券，30天内有效，可在“我的优惠券”里查看。",
        # the customer's own past use of a coupon or a red packet
        "上个月您领取过一张10元的券。",
        "您之前用过一张满40减8的券。",
        # a demand of the customer's, declined
        "您要的300元补偿，这个我没有权限答应。",
        "您说的退一赔五，我们满足不了。",
        "The quadruple refund you mentioned: our rules don't allow it.",
        "You wanted a free year of delivery; we can't agree to that.",
        # what the reference ticket grants, the membership month said as "longer", the sum said with "all … back"
        "Your membership now lasts a month longer.",
        "You'll get all 86 yuan back within 3 days.",
        # a promotion told as what happened; the customer's own past promotion; the network generation, not data
        "The 15% off sale only ran in Beijing last summer.",
        "The promo you used (5 off orders over 50) is why the total was 81 yuan.",
        "开启热点会消耗4G流量。",
        "You wanted three vouchers — we can't do that.",
        # our own work plan, with an owner and no action for the reader; a set menu's price per person
        "负责人：王芳，12月4日前完成骑手培训。",
        "自助午餐每人68元。",
        "上次给您打了9折。",
        # a question about what the customer got, a condition on it, and our own visit told as history
        "Do you get a confirmation email when you order?",
        "If you get a refund notice, please ignore it.",
        "We visited the store on Friday to check the fridges.",
        # a time the customer is asked about, not promised (the offer-question reading is for gifts only)
        "Would you like us to ring you back tonight?",
        "Did the voucher we mentioned reach you?",
        # a money transfer that is history: someone else's, or on an earlier occasion
        "Last month we sent 50 yuan to your card by mistake, and it was reversed.",
        "You sent 50 yuan to your wallet yesterday.",
    ],
)
def test_what_the_ticket_grants_or_what_promises_nothing_passes(text: str) -> None:
    assert passes_for_reference(text), check(text, REFERENCE, order_amount=Decimal(86), now=MONDAY).commitments


def test_ten_kuai_is_money() -> None:
    # 块 after 十 counts yuan, as after a digit or 百/千/万 (二十块 is 20 yuan, not twenty pieces)
    found = [(c.type, c.amount, c.unit) for c in extract("我们会转二十块到您的账户。", now=MONDAY)]
    assert found == [("compensation", Decimal(20), "CNY")]


def test_an_offer_question_keeps_its_sum() -> None:
    found = [(c.type, c.amount) for c in extract("要不给您返20元，您看行吗？", now=MONDAY)]
    assert ("compensation", Decimal(20)) in found


@pytest.mark.parametrize(
    "text", ["EU261 compensation for your route is €250, which we'll pay within 7 days.", "Flight CA1234 compensation: we'll pay €250."]
)
def test_a_number_glued_to_letters_is_a_name_not_a_sum(text: str) -> None:
    found = extract(text)
    assert [(c.amount, c.currency) for c in found if c.type == "compensation"] == [(Decimal(250), "EUR")]


def test_a_currency_code_glued_to_its_sum_is_still_money() -> None:
    assert [(c.type, c.amount, c.currency) for c in extract("We'll refund RMB86 today.") if c.type == "refund"] == [("refund", Decimal(86), "CNY")]


@pytest.mark.parametrize("text", ["You get free data.", "You get free delivery for a month.", "You get double points on this order."])
def test_you_get_with_something_free_or_extra_is_a_grant(text: str) -> None:
    assert any(c.status != "backed" for c in check(text, REFERENCE, order_amount=Decimal(86), now=datetime(2026, 11, 30, 9, 0)).commitments)


def test_you_get_after_a_condition_is_still_not_a_grant() -> None:
    assert (
        check("If you get free shipping, that's from the store.", REFERENCE, order_amount=Decimal(86), now=datetime(2026, 11, 30, 9, 0)).commitments
        == []
    )

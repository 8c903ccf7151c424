"""Round 8 of the commitment guard: read the kind and the amount right.

Every sentence here is our own; none is taken from an evaluation set or a real reply."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from drafting.domain.models import Commitment
from drafting.guards.commitments import check
from drafting.text.numbers import normalise
from evals.commitments import ENTITLED as REFERENCE

MONDAY = datetime(2026, 11, 30, 9, 0)


def found(text: str) -> list[Commitment]:
    """The promises read in `text`, judged against the eval's reference ticket (refund, coupon, times, membership)."""
    return check(text, REFERENCE, order_amount=Decimal(86), now=MONDAY).commitments


def held(text: str) -> list[Commitment]:
    """The promises the guard holds in `text`."""
    return [c for c in found(text) if not c.backed]


# ── A. a person on the line is a reply ──────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "text",
    [
        "An advisor will be connected with you in under two minutes.",
        "We'll put you through to a supervisor within 90 seconds.",
        "我们会在1分钟内为您转接专属客服。",
    ],
)
def test_a_line_opened_sooner_than_the_rule_is_a_reply_held_as_a_reply(text: str) -> None:
    assert [c.type for c in held(text)] == ["response_time"]


def test_a_line_opened_within_the_rule_is_a_backed_reply() -> None:
    assert [(c.type, c.backed) for c in found("You'll be connected to one of our agents within 5 minutes.")] == [("response_time", True)]


@pytest.mark.parametrize("text", ["Our duty manager will phone you straight away.", "店长会立刻给您回电话。"])
def test_a_call_at_once_is_a_reply_faster_than_the_rule(text: str) -> None:
    assert [c.type for c in held(text)] == ["response_time"]


def test_at_once_beside_a_named_time_is_that_time_read_once() -> None:
    times = [c for c in found("We'll ring you back immediately, within 3 minutes.") if c.type == "response_time"]
    assert [(c.amount, c.unit) for c in times] == [(Decimal(3), "minutes")]


# ── B. a membership term said with 整, "renew" or as the validity of a granted tier ─────────────────


def test_whole_between_a_numeral_and_its_unit_adds_nothing() -> None:
    assert normalise("续满两整年再加三整个月").text == "续满两年再加三个月"


@pytest.mark.parametrize(
    "text",
    [
        "您的会员我们再给您续两整年。",
        "We'll renew your membership for another two years.",
        "给您升级为钻石会员，有效期半年。",
        "We've upgraded you to Platinum membership, valid for 3 months.",
    ],
)
def test_a_membership_longer_than_the_rule_is_held_as_a_membership(text: str) -> None:
    assert "membership_extension" in [c.type for c in held(text)]


def test_a_coupon_validity_beside_a_membership_is_still_the_coupon_validity() -> None:
    kinds = {c.type: c for c in found("另送您一张30元券，有效期30天，会员也给您延长1个月。")}
    assert kinds["membership_extension"].amount == 1 and kinds["membership_extension"].backed
    assert kinds["coupon"].backed


# ── C. a refund told as done to the reader is still judged ──────────────────────────────────────────


@pytest.mark.parametrize("text", ["We've refunded 150 yuan to your Alipay.", "刚刚已经给您退了200元，请查收。"])
def test_a_refund_done_for_the_reader_for_more_than_the_order_is_held(text: str) -> None:
    assert [(c.type, c.status) for c in held(text)] == [("refund", "exceeds")]


@pytest.mark.parametrize("text", ["系统显示您的退款86元已于今天早上退回。", "Our log shows your 86 CNY refund went out at 8:10 this morning."])
def test_a_refund_status_read_out_is_not_a_promise(text: str) -> None:
    assert found(text) == []


# ── D. a waived charge that is not this order's is no refund of the order ────────────────────────────


@pytest.mark.parametrize("text", ["We've waived the ¥40 roaming charge on your last bill.", "这个月的会员年费80元我们给您免除。"])
def test_a_waived_bill_is_held_as_a_discount_not_passed_as_a_partial_refund(text: str) -> None:
    assert [c.type for c in held(text)] == ["discount"]


# ── E. a free benefit listed after a gift is a second gift ──────────────────────────────────────────


def test_a_free_benefit_listed_after_a_coupon_is_held_beside_it() -> None:
    kinds = {c.type: c.backed for c in found("We're sending a ¥30 coupon plus a free delivery pass for next week.")}
    assert kinds == {"coupon": True, "free_order": False}


def test_our_treat_said_of_a_refund_is_still_only_the_refund() -> None:
    assert [(c.type, c.backed) for c in found("We'll refund the 86 yuan and it's on us.")] == [("refund", True)]


# ── F. a refund of other orders is not this order's refund ──────────────────────────────────────────


@pytest.mark.parametrize(
    "text",
    [
        "We will also refund your previous four orders.",
        "这单全额退款。您上个月的两笔订单也全部给您退掉。",
        "这单全额退款！以前在店里下的五单都会给您退款。",
    ],
)
def test_a_refund_of_several_other_orders_is_held(text: str) -> None:
    assert any(c.type == "refund" for c in held(text))


def test_the_refund_said_again_with_its_time_is_still_one_refund() -> None:
    assert [c.type for c in held("这单全额退款。退款三天内到账。")] == []


# ── G. a time the money arrives by, said without 前 ──────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("退款周二就能到账。", 1),  # Monday → Tuesday: sooner than the rule's 3 days
        ("补偿款12月1日会到。", 1),
        ("款项T+1到账。", 1),
        ("款项T+2日退回原卡。", 2),
    ],
)
def test_a_day_said_right_before_the_money_arrives_is_its_deadline(text: str, days: int) -> None:
    times = [c for c in held(text) if c.type == "processing_deadline"]
    assert [c.deadline_days for c in times] == [Decimal(days)]


def test_a_day_past_the_rule_said_the_same_way_is_backed() -> None:
    assert all(c.backed for c in found("退款下周二到账。"))


def test_sending_the_reader_to_look_for_the_money_after_a_time_sets_that_time() -> None:
    times = [c for c in held("钱已经先给您垫上了，十分钟后看下您的钱包哈。") if c.type == "processing_deadline"]
    assert len(times) == 1 and times[0].amount is not None and round(times[0].amount * 1440) == 10


def test_a_wait_before_trying_again_is_no_deadline() -> None:
    assert found("系统繁忙，请您10分钟后再试一下。") == []


# ── H. the kind agrees with the words it is paid in ─────────────────────────────────────────────────


@pytest.mark.parametrize("text", ["本次维护补偿：月卡充值返还30%，以点券形式发放。", "We'll pay back 40% of the top-up as in-game gems."])
def test_money_handed_back_in_reward_units_is_compensation_not_a_refund(text: str) -> None:
    kinds = [c.type for c in held(text)]
    assert "compensation" in kinds and "refund" not in kinds
    # 点券 is itself a reward unit: read as a coupon too, it is held, never backed by the coupon rule
    assert all(not c.backed for c in found(text) if c.type == "coupon")


def test_a_share_of_the_order_refunded_is_still_a_backed_refund() -> None:
    assert [(c.type, c.backed) for c in found("We'll refund 40% of the order to your card.")] == [("refund", True)]


@pytest.mark.parametrize("text", ["We've put a ¥12 price drop on your account for the next checkout.", "下次下单给您8元直降。"])
def test_a_price_cut_is_a_discount_even_when_told_as_done(text: str) -> None:
    assert [c.type for c in held(text)] == ["discount"]


@pytest.mark.parametrize(("text", "amount"), [("再送您300分钟通话时长作为补偿。", 300), ("We'll add 60 minutes of free talk time to your line.", 60)])
def test_minutes_given_as_a_quota_are_a_free_service_not_a_deadline(text: str, amount: int) -> None:
    assert [(c.type, c.amount, c.unit) for c in held(text)] == [("free_order", Decimal(amount), "minutes")]


def test_minutes_bounding_a_call_back_are_still_a_reply_time() -> None:
    assert [c.type for c in found("我们会在30分钟内给您回电。")] == ["response_time"]


def test_a_small_waived_charge_is_not_passed_as_part_of_the_order_refund() -> None:
    # under the order's 86: read as a refund it was backed by the order's full refund
    assert [(c.type, c.backed) for c in found("We'll waive the 25 yuan rebooking charge.")] == [("discount", False)]


def test_the_order_own_fee_waived_is_still_a_refund() -> None:
    assert [c.type for c in found("We'll waive the 6 yuan delivery fee on this order.")] != ["discount"]


# ── I. a notice that the affected get something gives it ────────────────────────────────────────────


def test_what_the_affected_get_in_a_notice_is_given() -> None:
    assert [c.type for c in held("Notice: riders hit by the app outage on Friday get 2 free trips this week.")] == ["free_order"]


def test_what_the_affected_ask_for_is_not_given() -> None:
    assert found("Customers affected by the delay have asked us for an update.") == []


# ── J. small readings: a call given, quarters of an hour, free delivery for a period, a quoted plan ────


def test_giving_a_call_sooner_than_the_rule_is_a_reply() -> None:
    assert [c.type for c in held("A supervisor will give you a ring within 3 minutes.")] == ["response_time"]


@pytest.mark.parametrize(("text", "minutes"), [("专员会在一刻钟内回复您。", 15), ("We'll answer within three quarters of an hour.", 45)])
def test_quarters_of_an_hour_are_read_as_minutes(text: str, minutes: int) -> None:
    assert [(c.type, c.amount) for c in found(text)] == [("response_time", Decimal(minutes))]


def test_a_quarter_hour_keeps_the_words_as_typed() -> None:
    assert [c.phrase for c in found("We'll answer within a quarter of an hour.")] == ["a quarter of an hour"]


def test_free_delivery_for_a_period_is_a_free_service() -> None:
    assert [(c.type, c.amount, c.unit) for c in held("再送您10天免邮特权。")] == [("free_order", Decimal(10), "days")]


def test_a_plan_named_in_quotes_is_not_an_offer() -> None:
    assert [c for c in found("平台一直鼓励商家加入“15天免邮服务”，相关功能后续会再评估。") if c.type == "free_order"] == []

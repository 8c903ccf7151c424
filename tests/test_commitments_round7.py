"""Round 7 of the commitment guard: narrative is not a promise; an uncertain reading is not backed.

Every sentence here is our own; none is taken from an evaluation set or a real reply."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from drafting.guards.commitments import check
from evals.commitments import ENTITLED as REFERENCE
from knowledge.policy import PolicyBook, TicketFacts
from tests.test_commitments_unrecognised import assert_checking_stays_linear

BOOK = PolicyBook.load(None)
LATE_45 = BOOK.remedies_for(TicketFacts(issue_type="late_delivery", delay_minutes=45, order_amount=Decimal(86), during_incident=True))
MONDAY = datetime(2026, 11, 30, 9, 0)


def held(text: str) -> list[str]:
    """The phrases of the promises the guard holds in `text`."""
    report = check(text, LATE_45, order_amount=Decimal(86), now=MONDAY)
    return [c.phrase for c in report.commitments if not c.backed]


# ── A. what happened is told, not promised ──────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "text",
    [
        # a clock time in a clause told in the simple past: when something happened (delivery and run are
        # words of an action a time could bound, so the net looked at these)
        "Background: in March we removed the 6–8 p.m. delivery window at two stores without telling anyone.",
        "On 3 March they suspended the 8 a.m. delivery run and moved everyone to the noon one.",
        # 当天 after a date already past: the day of that event, not a same-day promise
        "事情经过：3月2日晚上，有顾客在群里发了照片。我们当天核实了仓库监控，确认是封箱时漏装。",
        "10月8日系统升级出错，我们当天查明了原因。",
    ],
)
def test_a_time_in_a_story_of_what_happened_is_not_held(text: str) -> None:
    assert held(text) == []


@pytest.mark.parametrize(
    "text, phrase",
    [
        # the same words, committing: still a time promise the guard must hold
        ("We'll have the pickup window back by 8 p.m. today and refund you by 8 p.m. too.", "8 p.m."),
        ("我们当天给您退款。", "当天"),
        # a past verb before a committing clause does not make the promise a story
        ("We checked the order, and the refund will land by 9 a.m. tomorrow.", "9 a.m. tomorrow"),
        # "have it fixed" is what we will have done, not what we did
        ("We'll have it sorted out within 2 hours.", "2 hours"),
    ],
)
def test_a_committed_time_beside_a_story_is_still_held(text: str, phrase: str) -> None:
    assert any(phrase in found for found in held(text))


# ── B. a reading the guard cannot be sure of is held (default-deny), not backed by a loose match ───────


def judged(text: str) -> list[tuple[str, str]]:
    """(type, status) of each promise, against the labels' reference ticket: a full refund, one 30 CNY coupon,
    processing within 3 days, replies within 5 minutes, a 1-month membership extension."""
    report = check(text, REFERENCE, order_amount=Decimal(86), now=MONDAY)
    return [(c.type, c.status) for c in report.commitments]


@pytest.mark.parametrize(
    "text",
    [
        # a deadline that times the repair of a fault: the rule of days for processing a refund does not cover it
        "We'll have the outage fixed by Thursday.",
        "Engineering will patch the checkout bug within 10 days.",
        "支付页面的故障会在下周内修复。",
    ],
)
def test_b_a_time_for_repairing_a_fault_is_not_backed_by_the_processing_rule(text: str) -> None:
    found = judged(text)
    assert ("processing_deadline", "unbacked") in found
    assert not any(status == "backed" for _, status in found)


@pytest.mark.parametrize(
    "text",
    [
        "We'll refund the order within 5 days.",  # slower than the rule: honest, backed
        "We'll fix your refund by Friday.",  # the fix times a refund
    ],
)
def test_b_a_time_for_a_remedy_is_still_judged_by_the_rule(text: str) -> None:
    assert not any(kind == "processing_deadline" and status == "unbacked" for kind, status in judged(text))


@pytest.mark.parametrize(
    "text", ["We'll put the 86 yuan back on your card immediately.", "Your full refund goes out right away, I promise.", "全额退款我这边立刻给您办。"]
)
def test_b_at_once_beside_a_remedy_is_a_time_promise_of_now(text: str) -> None:
    report = check(text, REFERENCE, order_amount=Decimal(86), now=MONDAY)
    times = [c for c in report.commitments if c.type == "processing_deadline"]
    assert times and times[0].deadline_days == 0 and not times[0].backed


@pytest.mark.parametrize(
    "text",
    [
        "We'll call you right away about the refund.",  # a reply, not the refund's time
        "We can't refund it right away, it takes up to 3 days.",  # refused
        "退款马上到账，一分钟都不让您等。",  # the time is read once, in its own words
    ],
)
def test_b_at_once_is_read_once_and_not_in_a_reply_or_a_refusal(text: str) -> None:
    report = check(text, LATE_45, order_amount=Decimal(86), now=MONDAY)
    assert sum(1 for c in report.commitments if c.type == "processing_deadline" and c.deadline_days == 0) <= 1
    assert not any(c.phrase in ("right away",) and c.type == "processing_deadline" for c in report.commitments)


@pytest.mark.parametrize(
    "text",
    ["You'll get a 20 yuan coupon for each late delivery.", "We'll add a month of membership for each delayed delivery.", "每单都给您送一张20元券。"],
)
def test_b_a_grant_repeated_with_every_order_is_more_than_a_rule_grants(text: str) -> None:
    assert judged(text) and not any(status == "backed" for _, status in judged(text))


@pytest.mark.parametrize(
    "text",
    [
        # a second bound beside the time read: which one is promised?
        "Your refund will be with you in 3 days, or 4 days at most.",
        # a second sum or grant said after the one read
        "We'll refund the 86 yuan — actually, call it 100 for the trouble.",
        "给您一张30元券，再送您一张。",
        "We'll refund 40% now, plus 20% later.",
        # a term of the coupon in words the reading did not take
        "Here's a 30 yuan voucher, good till the end of next year.",
        "送您30元券，有效期到明年底。",
        "Here's a 30 yuan coupon you can redeem any time.",
        # the customer's own costs, in a clause that goes on from the refund
        "We'll refund in full and pay your parking.",
        "我们全额退款，您打车的钱也我们出。",
    ],
)
def test_b_a_second_candidate_or_an_unread_term_is_held(text: str) -> None:
    assert any(status != "backed" for _, status in judged(text))


@pytest.mark.parametrize(
    "text",
    [
        # the same time said twice, in other units, is one promise
        "Your refund will arrive within 3 days (within 72 hours).",
        # a bound with an action of its own is its own promise, not a second reading of the first
        "退款3天内到账，客服5分钟内回复您。",
        # a condition on the customer's report is not a second time for the refund
        "Orders reported within 24 hours get a full refund, processed within 3 days.",
        # goods given beside a refund are read by the net, not as a second sum
        "We'll refund the 86 yuan and send another 2 drinks.",
    ],
)
def test_b_what_is_no_second_candidate_leaves_the_reading_alone(text: str) -> None:
    found = judged(text)
    assert ("processing_deadline", "backed") in found or ("refund", "backed") in found


def test_b_a_threshold_named_beside_a_coupon_is_judged_as_its_minimum_spend() -> None:
    """The coupon is judged with the threshold its sentence names: the rule's coupon has none, so it exceeds."""
    report = check("One 30-yuan coupon for you, for orders over 99 yuan.", REFERENCE, order_amount=Decimal(86), now=MONDAY)
    coupon = next(c for c in report.commitments if c.type == "coupon")
    assert coupon.min_spend == 99 and not coupon.backed


@pytest.mark.parametrize(
    "text",
    [
        # chat Chinese with spaces for commas: each space ends a clause, so a time in one is not lost to the
        # "applied for" (申请) of another
        "亲 退款已经申请了 预计今天到 最晚明天",
        "亲 您的退款已经处理了 明天到账哈",
        "亲 已经给您申请退款了 两小时内到账",
    ],
)
def test_b_a_time_in_chat_written_with_spaces_is_read(text: str) -> None:
    assert ("processing_deadline", "exceeds") in judged(text)


def test_b_the_end_of_service_hours_is_no_deadline() -> None:
    assert held("有问题请拨打客服热线（工作时间为周一至周五 上午9点至下午5点），将会有客服人员为您服务。") == []


@pytest.mark.parametrize(
    "text", ["亲，订单退款，会员费也退给您。", "We'll refund this order and refund your delivery pass.", "We'll refund the membership fee."]
)
def test_b_a_refund_beside_a_fee_or_another_order_is_not_backed_as_the_orders(text: str) -> None:
    assert ("refund", "backed") not in judged(text)


@pytest.mark.slow
@pytest.mark.parametrize(
    "unit",
    [
        "给您一张30元券，满100可用，再送您一张，",
        "We'll refund you right away, or within 3 days at most, and call it 100 yuan. ",
        "亲 退款已经申请了 预计今天到 会员费也退给您 ",
        "We'll have the outage fixed by Thursday; on 1 April we withdrew the 9 a.m. delivery slot. ",
    ],
)
def test_round_7_readings_keep_checking_linear(unit: str) -> None:
    assert_checking_stays_linear(unit, REFERENCE, MONDAY)


def test_a_surname_that_spells_a_weekday_is_not_a_deadline() -> None:
    # "Lin Sun (support manager) will contact you" was held as a time bound ("Sun"); "by Sun" still is one
    named = check("Lin Sun (support manager) will contact you about your claim.", REFERENCE, now=MONDAY)
    assert not named.commitments, named.commitments
    dated = check("We'll refund the order by Sun.", REFERENCE, now=MONDAY)
    assert any(c.type == "processing_deadline" and c.phrase == "Sun" for c in dated.commitments), dated.commitments

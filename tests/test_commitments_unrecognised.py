"""The commitment guard's last net (drafting/guards/unrecognised.py) and the general causes fixed with it.

Every sentence here is our own; none is taken from an evaluation set."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from types import FrameType
from typing import Any

import pytest

from drafting.guards.commitments import check, statement_entitlements
from drafting.guards.unrecognised import REASON
from evals import commitments as commitment_eval
from knowledge.policy import PolicyBook, Remedy, TicketFacts

BOOK = PolicyBook.load(None)
LATE_45 = BOOK.remedies_for(TicketFacts(issue_type="late_delivery", delay_minutes=45, order_amount=Decimal(86), during_incident=True))
MONDAY = datetime(2026, 11, 30, 9, 0)


def judged(text: str) -> list[tuple[str, Decimal | None, str | None, str]]:
    report = check(text, LATE_45, order_amount=Decimal(86), now=MONDAY)
    return [(c.type, c.amount, c.currency or c.unit, c.status) for c in report.commitments]


def unrecognised(text: str) -> list[str]:
    """The phrases the last net held in `text`."""
    report = check(text, LATE_45, order_amount=Decimal(86), now=MONDAY)
    return [c.phrase for c in report.commitments if c.type == "unrecognised"]


# ── the net: an offer the grammar cannot read is held ────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("我们承担您这次的全部损失，大概两千块。", "两千块"),  # a sum, no remedy word the grammar knows
        ("We're putting 150 yuan toward your next stay.", "150 yuan"),
        ("We'll make it 2x what you paid, promise.", "2x"),  # a multiple the grammar ties to no remedy
        ("下个月的话费我们帮您出一半。", "一半"),  # a share of a bill, paid by us
    ],
)
def test_an_offer_in_words_the_grammar_has_not_seen_is_held_as_unrecognised(text: str, phrase: str) -> None:
    report = check(text, LATE_45, order_amount=Decimal(86), now=MONDAY)
    held = [c for c in report.commitments if c.type == "unrecognised"]
    assert [c.phrase for c in held] == [phrase]
    [c] = held
    assert c.status == "unbacked" and REASON in c.reason and not report.ok
    assert text[c.start : c.end] == phrase


def test_an_unrecognised_sum_keeps_its_amount_and_currency_for_the_reviewer() -> None:
    assert judged("我们承担您这次的全部损失，大概两千块。") == [("unrecognised", Decimal(2000), "CNY", "unbacked")]


def test_nothing_can_back_an_unrecognised_promise_whatever_the_ticket_is_entitled_to() -> None:
    statement = check("我们承担您这次的全部损失，大概两千块。", statement_entitlements(BOOK), now=MONDAY)
    assert [c.status for c in statement.commitments] == ["unbacked"]


@pytest.mark.parametrize(
    "text",
    [
        "您的订单86元，迟到了45分钟，非常抱歉。",  # the price paid and the delay: facts of the incident
        "Your $86 order arrived 45 minutes late, we're so sorry.",
        "Your order (86 CNY) arrived 45 minutes late. We're sorry.",
        "我们已经核实，您的订单号是20261130123，联系电话400-820-8820。",  # order and phone numbers
        "我们为您安排了3位师傅上门。",  # a count of people
        "我们今天推出了一款新品，单人份39元。",  # a price, and a day that bounds nothing
        "When you complained last Friday, we replied within two hours.",  # an earlier day's story
        "We know the queue at the counter was long today, and we're sorry.",
        "亲，这款保温杯的盖子要35元，我们下周补货。",  # what something costs
        "我们的洗车服务：普通洗48元每次，精洗88元。",  # a price list
        "麻烦您把路由器断电10秒再插上，我们这边同步排查。",  # an instruction
        "亲，银行退款通常2到4个工作日原路返回。",  # what usually happens
        "Breakfast is served until 10; room service costs ¥30 per tray.",
        "接下来我们会加倍用心做好每一单。",  # a multiple word that is not about money
        "Happy to help, we're 100% on it!",
        "您账户里现在有1200积分。",  # a balance, not a gift
        "I understand you'd like 1,000 yuan for the trouble, but we're not able to do that.",  # a declined demand
        "您好，通知一下：本周末全场配送费减半。",  # a promotion is not held by the net (the grammar reads half-price)
        "11月11日到13日订单翻倍，这是我们的责任，我们向您道歉。",  # a volume doubled, not a multiple of a price
        "我们目前了解到的情况：那几天订单量涨了三倍，客服两天没有回复。",  # a statement's account of what happened
    ],
)
def test_facts_and_sentences_that_offer_nothing_are_not_held_by_the_net(text: str) -> None:
    assert unrecognised(text) == []


def test_a_clause_that_gives_on_its_own_is_held_even_beside_a_promise_the_grammar_read() -> None:
    found = judged("We'll refund the order, and our manager will chip in ¥300 from the store fund.")
    # held either way: the grammar now reads money added on to a list as cash compensation, else the net holds it
    assert any(kind in ("compensation", "unrecognised") and amount == 300 and status == "unbacked" for kind, amount, _, status in found)
    found = judged("退款86元已经提交，另外我们这边再私下转您两百。")  # the report before it does not make it a fact
    assert ("unrecognised", Decimal(200), None, "unbacked") in found


def test_a_sentence_the_grammar_read_is_left_to_the_grammar() -> None:
    # the grammar reads the refund and its time: the net adds nothing to a sentence with a promise in it
    assert [kind for kind, *_ in judged("退款86元，3天内到账，另外多给您200块。")].count("unrecognised") == 0


# ── general causes fixed on the dev halves (each with a sentence of our own) ───────────────────────────


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We'll have the money back on your card by 12/4.", ("processing_deadline", None, "deadline", "backed")),  # month/day with "by"
        ("Refund: 86 CNY. Estimated arrival: 4 days.", ("processing_deadline", Decimal(4), "days", "backed")),
        ("亲，退款五天到账。", ("processing_deadline", Decimal(5), "days", "backed")),  # no 内: the arrival bounds it
        ("会员顺延14天。", ("membership_extension", Decimal(14), "days", "unbacked")),  # no membership rule for this ticket
        ("We've loaded twelve no-threshold 5 yuan vouchers for you.", ("coupon", Decimal(5), "CNY", "exceeds")),  # twelve: more than one
        ("Our director signed off on a 2k payout for you.", ("compensation", Decimal(2000), "CNY", "unbacked")),
        ("亲，给您免单两次。", ("free_order", Decimal(2), "orders", "unbacked")),
        ("我们会在12月10日前把钱退给您，最晚12月12日到账。", ("processing_deadline", None, "deadline", "backed")),
    ],
)
def test_phrasings_found_missing_on_the_dev_halves_are_read(text: str, expected: tuple[Any, ...]) -> None:
    found = judged(text)
    assert expected in found, found


@pytest.mark.parametrize(
    "text", ["We'll reimburse the 45 yuan taxi fare.", "We'll pay back your 30 yuan cab fare.", "We'll reimburse your taxi fare."]
)
def test_paying_back_the_customers_own_costs_is_compensation_not_a_refund_of_the_order(text: str) -> None:
    found = judged(text)
    assert [(kind, status) for kind, _, _, status in found] == [("compensation", "unbacked")], found


def test_a_sum_shared_out_to_each_person_is_a_promise_not_a_unit_price() -> None:
    assert judged("We'll give every affected passenger 200 yuan each.") == [("compensation", Decimal(200), "CNY", "unbacked")]
    assert unrecognised("We can only offer customers 500 yuan each.") == ["500 yuan"]
    assert judged("We sell dumplings at 5 yuan each.") == []


def test_no_later_than_bounds_a_promise_it_does_not_report_a_delay() -> None:
    assert ("processing_deadline", Decimal(1), "days", "exceeds") in judged("We'll refund you no later than 24 hours from now.")


def test_a_coupon_count_said_before_an_adjective_counts_the_coupons() -> None:
    [coupon] = [c for c in check("We've loaded twelve no-threshold 5 yuan vouchers for you.", LATE_45, now=MONDAY).commitments]
    assert coupon.count == 12


def test_a_period_said_bare_is_not_a_deadline_but_by_the_period_is() -> None:
    assert judged("Orders over 100 yuan get free shipping this weekend.") == []
    assert ("processing_deadline", None, "deadline", "backed") in judged("We'll send the refund by this weekend.")


def test_a_refund_said_again_with_its_time_is_the_refund_promised_before() -> None:
    found = judged("我们会退还多收的12元。退款24小时内到账。")
    assert [kind for kind, *_ in found].count("refund") == 1, found


def test_a_free_word_that_qualifies_a_membership_is_not_a_second_promise() -> None:
    assert [kind for kind, *_ in judged("Here's 2 months of Premium on the house.")] == ["membership_extension"]
    # …but a free order in a clause of its own stays one
    assert "free_order" in [kind for kind, *_ in judged("您本单免单，另外赠送两个月会员。")]


def test_a_count_of_orders_needs_a_free_word_in_its_own_clause() -> None:
    found = judged("Your next two orders will be 30% off, and we'll add a free cookie to each.")
    assert ("free_order", Decimal(2), "orders", "unbacked") not in found


# ── the eval: how an unrecognised promise is scored ──────────────────────────────────────────────────


def _row(text: str, backed: bool) -> dict[str, Any]:
    return {"id": "x", "lang": "zh", "text": text, "promises": [{"type": "compensation", "amount": 2000, "unit": "CNY", "backed": backed}]}


def test_an_unrecognised_promise_on_a_label_that_is_not_backed_is_safe_but_not_exact() -> None:
    result = commitment_eval.score_row(_row("我们承担您这次的全部损失，大概两千块。", backed=False))
    assert not result.critical and not result.exact and len(result.unread) == 1


def test_an_unrecognised_promise_on_a_backed_label_is_not_exact() -> None:
    result = commitment_eval.score_row(_row("我们承担您这次的全部损失，大概两千块。", backed=True))
    assert not result.exact and not result.critical and not result.unread


def test_a_share_of_the_price_held_as_a_percentage_holds_a_label_written_as_a_multiple() -> None:
    row = {
        "id": "y",
        "lang": "en",
        "text": "We're refunding 150% of what you paid.",
        "promises": [{"type": "compensation", "amount": 1.5, "unit": "multiple", "backed": False}],
    }
    assert not commitment_eval.score_row(row).critical


# ── linear: ten times the text costs about ten times the work ────────────────────────────────────────


def _operations(call: Callable[[], object]) -> int:
    """Python line events while `call` runs in the guard's own modules: a count of work that does not depend on
    how busy the machine is (a quadratic loop shows as a quadratic count)."""
    count = 0

    def tracer(frame: FrameType, event: str, arg: object) -> Callable[..., Any] | None:
        nonlocal count
        if "drafting/guards" not in frame.f_code.co_filename and "drafting/text" not in frame.f_code.co_filename:
            return None
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        call()
    finally:
        sys.settrace(None)
    return count


@pytest.mark.slow
@pytest.mark.parametrize(
    "unit",
    [
        "我们承担您这次的全部损失，大概两千块。",
        "We're putting 150 yuan toward your next stay. ",
        "您的订单86元，迟到了45分钟。",
        "退款3天内到账，另外给您200块，",
        "免单三次，明天到，",
    ],
)
def test_extraction_is_linear_by_operation_count(unit: str) -> None:
    assert_checking_stays_linear(unit, LATE_45, MONDAY)


def assert_checking_stays_linear(unit: str, entitled: list[Remedy], now: datetime) -> None:
    """Checking ten times the text (the unit repeated) costs about ten times the work, never the square."""
    check("warm up", entitled, now=now)

    def operations(size: int) -> int:
        text = unit * (size // len(unit))
        return _operations(lambda: check(text, entitled, order_amount=Decimal(86), now=now))

    small, large = operations(1_000), operations(10_000)
    assert large < 13 * small, (small, large)

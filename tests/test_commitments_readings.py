"""Promises read with the right type and amount (issue 13), and what the guard does with what it could not read.

Each sentence is our own, written for the construction it tests; none comes from an evaluation set. The
entitlements are a ticket's usual ones: the order refunded in full, one 30-yuan coupon valid 30 days, refunds
processed within 3 days, replies within 5 minutes and one month of membership, on an 86-yuan order."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from promise_reading import ENTITLED, TUESDAY, read, summary

from drafting.guards.commitments import check
from knowledge.policy import Remedy

# ── what the grammar reads beside a promise, but not into it, reaches the last net ─────────────────────


@pytest.mark.parametrize(
    "text",
    [
        "给您退款，双倍哦。",  # a multiple in a clause that only qualifies the refund
        "送您会员一个月，再加送一周。",  # a second period granted beside the one read
    ],
)
def test_a_token_left_beside_a_promise_read_is_held_as_unrecognised(text: str) -> None:
    kinds = [(c.type, c.status) for c in read(text)]
    assert ("unrecognised", "unbacked") in kinds


@pytest.mark.parametrize(
    "text",
    [
        "奶茶打翻了一半，奶茶的15元我们单独退给您。",  # half of a drink spilled: not a share of any price
        "您好，会员再加一个月，加上原来的一共两个月。",  # the total of what was read, said again
        "We'll refund you in full; sorry for the 30% off deal ending early until Dec 9.",  # an offer's end date
    ],
)
def test_what_sits_beside_a_promise_as_a_fact_is_not_held(text: str) -> None:
    assert all(c.type != "unrecognised" for c in read(text))


# ── wrong type ─────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "cash"),
    [
        ("We'll add a 30 yuan coupon and 40 yuan cash to your account.", Decimal(40)),
        ("给您一张30元优惠券和25元现金。", Decimal(25)),
        ("送您30元券，外加15元。", Decimal(15)),  # money added on is cash, not the coupon before it
        ("Full refund, plus a bonus 12 yuan.", Decimal(12)),
    ],
)
def test_cash_beside_a_coupon_or_a_refund_is_compensation(text: str, cash: Decimal) -> None:
    assert ("compensation", cash, "CNY", "unbacked") in summary(text)


def test_a_cash_coupon_is_still_a_coupon() -> None:
    assert summary("送您一张20元现金券。") == [("coupon", Decimal(20), "CNY", "backed")]


def test_a_share_paid_on_top_of_a_full_refund_is_compensation() -> None:
    found = summary("我们全额退款，另外再加15%的补偿。")
    assert ("compensation", Decimal(15), "percent", "unbacked") in found


def test_a_share_alone_is_still_a_partial_refund() -> None:
    assert summary("We'll give you 20 percent back as goodwill.") == [("refund", Decimal(20), "percent", "backed")]


def test_the_price_paid_again_on_top_of_a_refund_exceeds() -> None:
    found = {c.type: c for c in read("订单全额退，并且再赔您一倍。")}
    assert found["compensation"].status == "exceeds"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("给您发个红包，表示歉意。", "compensation"),  # cash with no sum named
        ("We'll send you a cash payment for the wait.", "compensation"),
        ("送您一杯热可可。", "free_order"),  # a thing given at our cost
        ("Your next ride is on us.", "free_order"),
        ("再送您一张30元券，另外打包费也不收了。", "free_order"),
        ("退您86元，另外报销您的停车费。", "compensation"),  # the customer's own cost, beside the refund
    ],
)
def test_gifts_named_without_a_sum_are_read(text: str, kind: str) -> None:
    assert any(c.type == kind and not c.backed for c in read(text))


@pytest.mark.parametrize(
    "text", ["我们暂时没有现金补偿这一项。", "Our terms don't include cash refunds for late orders.", "请您提高警惕，不要相信陌生人发来的电子红包。"]
)
def test_cash_named_but_not_given_is_not_a_promise(text: str) -> None:
    assert read(text) == []


# ── wrong amount or count ───────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "text",
    [
        "给您两张优惠券，每张15元。",
        "We'll send you two vouchers, 15 yuan each.",
        "优惠券给您补两张，每张15。",
        "给您补两张券，一张15块。",
        "15元券给您发两张。",
    ],
)
def test_coupons_counted_then_valued_each_are_read_with_their_count(text: str) -> None:
    coupons = [c for c in read(text) if c.type == "coupon"]
    assert [(c.amount, c.count, c.status) for c in coupons] == [(Decimal(15), 2, "exceeds")]


@pytest.mark.parametrize("text", ["送您两张券，一张20元，一张10元。", "We'll add a 25 yuan coupon and a 5 yuan coupon."])
def test_several_coupons_in_one_offer_are_more_than_the_one_the_rule_grants(text: str) -> None:
    statuses = [c.status for c in read(text) if c.type == "coupon"]
    assert statuses == ["backed", "exceeds"]


@pytest.mark.parametrize("text", ["给您一张七折券，最高抵扣25元。", "Here's a 40% off voucher, up to 25 yuan."])
def test_the_cap_of_a_discount_coupon_is_not_the_rules_coupon(text: str) -> None:
    assert [c.status for c in read(text) if c.type == "coupon"] == ["exceeds"]


def test_a_gift_card_is_a_coupon() -> None:
    assert summary("送您一张25元礼品卡。") == [("coupon", Decimal(25), "CNY", "backed")]


@pytest.mark.parametrize("text", ["Enjoy 15% off your next four orders.", "下三单都给您打九折。", "You get ¥8 off your next four orders."])
def test_a_discount_on_orders_to_come_says_how_many(text: str) -> None:
    discounts = [c for c in read(text) if c.type == "discount"]
    assert len(discounts) == 1 and discounts[0].count in (3, 4)


def test_coupons_told_about_are_not_given() -> None:
    assert read("您上个月领的三张券，每张5元，已经过期了。") == []


def test_a_coupon_named_again_is_not_a_second_coupon() -> None:
    found = read("送您一张30元优惠券。这张30元券今晚到账。")
    assert [c.status for c in found if c.type == "coupon"] == ["backed", "backed"]


def test_refunds_in_one_sentence_add_up_against_the_order() -> None:
    found = read("We'll refund the 86 yuan plus the 8 yuan packaging fee.")
    assert [(c.amount, c.status) for c in found if c.type == "refund"] == [(Decimal(86), "backed"), (Decimal(8), "exceeds")]


def test_a_sum_named_again_is_the_same_refund() -> None:
    assert [c.type for c in read("退您86元，这86元三天内到账。")] == ["refund", "processing_deadline"]


def test_an_amount_written_by_mistake_is_not_promised() -> None:
    found = read("不好意思，上条消息把退款金额写成了6.8元，应该是68元。")
    assert [c.amount for c in found if c.type == "refund"] == [Decimal(68)]


def test_a_share_said_beside_its_sum_is_one_partial_refund() -> None:
    assert summary("Half the order, 43 yuan, goes back to your card.") == [("refund", Decimal(43), "CNY", "backed")]
    assert [c.scope for c in read("Refund of ¥43 (half) is on its way.")] == ["partial"]


@pytest.mark.parametrize(("text", "amount"), [("We'll refund 43,00 CNY.", Decimal(43)), ("We'll refund €7,50.", Decimal("7.5"))])
def test_a_decimal_comma_is_one_sum(text: str, amount: Decimal) -> None:
    assert [c.amount for c in read(text)] == [amount]


def test_a_list_with_commas_is_not_a_sum() -> None:
    assert read("Items 2,15 and 7 were missing from the bag.") == []


def test_a_share_named_as_compensation_and_its_sum_are_one_promise() -> None:
    assert [c.amount for c in read("返您订单金额的10%作为补偿，就是8.6元。")] == [Decimal("8.6")]


def test_a_sum_pledged_per_minute_late_is_compensation() -> None:
    assert [(c.type, c.status) for c in read("From today, delayed orders earn 3 yuan for every minute late.")] == [("compensation", "unbacked")]


def test_a_refund_of_a_fee_names_the_fee() -> None:
    assert summary("A refund of the 7 yuan delivery fee is on its way.") == [("refund", Decimal(7), "CNY", "backed")]


def test_a_cap_with_not_more_than_is_promised_not_a_threshold() -> None:
    assert ("compensation", Decimal(150), "CNY", "unbacked") in summary("补偿金额不超过150元。")


def test_a_refund_verb_to_the_reader_promises_without_a_future_word() -> None:
    assert [c.type for c in read("退您打包费。")] == ["refund"]


# ── group-chat phrasing ────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "kind", "amount"),
    [
        ("亲，这单给您退九十块哈~", "refund", Decimal(90)),  # 块 before a particle is still yuan
        ("宝，给您补个40的红包", "compensation", Decimal(40)),  # a bare sum named by the red packet after it
        ("亲，给您返40现金，打到支付宝", "compensation", Decimal(40)),
        ("宝子，送您两张25的券", "coupon", Decimal(25)),
        ("亲，这边直接给您打款60", "compensation", Decimal(60)),  # 打款: a transfer, with the bare sum after it
    ],
)
def test_chat_sums_are_read_with_their_kind(text: str, kind: str, amount: Decimal) -> None:
    assert (kind, amount) in [(c.type, c.amount) for c in read(text)]


@pytest.mark.parametrize(
    ("text", "kind"), [("Every affected guest gets 150 yuan.", "compensation"), ("We'll get you a cab home at our expense.", "free_order")]
)
def test_gifts_to_everyone_or_at_our_cost_are_read(text: str, kind: str) -> None:
    assert [(c.type, c.status) for c in read(text)] == [(kind, "unbacked")]


def test_a_free_order_given_as_one_more_order() -> None:
    assert "free_order" in [c.type for c in read("亲，这单的钱全退，另外再送您一单。")]


@pytest.mark.parametrize(("text", "months"), [("亲，送您一个季度会员。", Decimal(3)), ("会员给您延长两个季度。", Decimal(6))])
def test_a_quarter_is_three_months(text: str, months: Decimal) -> None:
    found = [c for c in read(text) if c.type == "membership_extension"]
    assert found and found[0].amount == months and found[0].status == "exceeds"


def test_one_and_a_half_times() -> None:
    assert ("compensation", Decimal("1.5"), "multiple", "exceeds") in summary("亲，赔您订单金额的一倍半。")


@pytest.mark.parametrize("text", ["亲，给您全额退款再补一半。", "退款之外再给您补偿订单金额的20%。", "亲，退您86元，再赔您20%。"])
def test_a_share_paid_again_after_a_refund_is_compensation(text: str) -> None:
    assert any(c.type == "compensation" and c.unit == "percent" and not c.backed for c in read(text))


def test_the_rest_of_a_refund_is_still_a_refund() -> None:
    assert [c.type for c in read("我们先退您一半，再退一半。")] == ["refund", "refund"]


# ── time ───────────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("您的退款最晚12月8日到账。", "processing_deadline"),  # 到账 after a date is an arrival, not a date range
        ("All members get 500 coins by Friday.", "processing_deadline"),  # a "by" date bounds the gift read in its clause
        ("Refund of ¥20 is processing; allow 2 business days.", "processing_deadline"),
        ("退款两天就能到。", "processing_deadline"),  # 就能 before the arrival
    ],
)
def test_a_time_bound_beside_a_gift_is_read(text: str, kind: str) -> None:
    assert kind in [c.type for c in read(text)]


def test_a_claim_window_is_a_condition_not_a_promise() -> None:
    assert [c.type for c in read("You're entitled to compensation of 100 CNY, claimable within 10 days.")] == ["compensation"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("给您退两倍，200块马上到。", "processing_deadline"),
        ("钱立刻到账哦。", "processing_deadline"),
        ("退款实时到账。", "processing_deadline"),
        ("The money will be back instantly.", "processing_deadline"),
        ("放心，我们售后都是秒回。", "response_time"),
    ],
)
def test_money_or_a_reply_promised_at_once_is_a_deadline_of_now(text: str, kind: str) -> None:
    times = [c for c in read(text) if c.type == kind]
    assert times and times[0].deadline_days == 0 and times[0].status == "exceeds"


@pytest.mark.parametrize("text", ["骑手马上到，请稍等。", "Banks usually post it instantly.", "马上给您处理。"])
def test_at_once_without_money_arriving_is_effort_not_a_deadline(text: str) -> None:
    assert all(c.type != "processing_deadline" for c in read(text))


@pytest.mark.parametrize(
    ("text", "kind", "status"),
    [
        ("客服几分钟内回复您。", "response_time", "exceeds"),
        ("Your refund should land in a few minutes.", "processing_deadline", "exceeds"),
        ("We'll call you back in a couple of hours.", "response_time", "backed"),
    ],
)
def test_a_duration_without_a_number_is_judged(text: str, kind: str, status: str) -> None:
    assert (kind, status) in [(c.type, c.status) for c in read(text)]


@pytest.mark.parametrize("text", ["退款傍晚就到。", "Your refund goes out same-day."])
def test_a_part_of_today_or_same_day_is_a_deadline_of_today(text: str) -> None:
    assert [c.deadline_days for c in read(text) if c.type == "processing_deadline"] == [0]


@pytest.mark.parametrize("text", ["明天下午就到。", "It was charged at noon and refunded the same day."])
def test_tomorrow_afternoon_and_the_same_day_told_are_not_today(text: str) -> None:
    assert all(c.deadline_days != 0 for c in read(text))


def test_these_few_days_is_no_duration() -> None:
    assert [c.type for c in read("我们全额退款，这几天辛苦您了。")] == ["refund"]


# ── open-ended terms ────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "text", ["From now on, every late order gets a 30 yuan coupon.", "以后每次超时都送您一张30元券。", "给您30元无门槛券，可以用90天。"]
)
def test_a_coupon_on_terms_no_rule_has_exceeds(text: str) -> None:
    assert [c.status for c in read(text) if c.type == "coupon"] == ["exceeds"]


# ── linear: the new readings cost work in proportion to the text ───────────────────────────────────────


@pytest.mark.slow
@pytest.mark.parametrize(
    "unit",
    [
        "给您三张优惠券，每张10元。",
        "全额退款，外加20元，再赔您一倍。",
        "We'll refund the 86 yuan plus the 6 yuan delivery fee. ",
        "给您一张8折券，最高抵扣20元，下两单都打八折。",
        "Here's a 20 yuan coupon and a 10 yuan coupon, 172块马上到，给您发个红包。",
        "退您86元，这86元几天内到账，会员一个月，再加送一周。",
    ],
)
def test_the_new_readings_stay_linear(unit: str) -> None:
    from tests.test_commitments_unrecognised import assert_checking_stays_linear

    assert_checking_stays_linear(unit, ENTITLED, TUESDAY)


# ── deadlines said without a number ──────────────────────────────────────────────────────────────────────
# Each is a time bound the policy book's days and minutes must back; one the guard cannot date (a holiday,
# "in a few days") is held for a person, never passed.

WEDNESDAY = datetime(2026, 11, 11, 9, 0)  # a Wednesday in November: the second month of the quarter


@pytest.mark.parametrize(
    ("sentence", "days"),
    [
        ("我们承诺下下个月之前全部处理完。", 50),  # before January: the end of December
        ("我们下个月底前会处理好。", 50),  # the end of December
        ("下个月之前一定给您退。", 19),  # before December: the end of November
        ("下下个月内给您补发。", 81),  # within January
        ("下周前给您答复。", 4),  # before next week: this Sunday
        ("下周内给您答复。", 11),  # within next week: next Sunday
        ("We will sort it out by the end of next quarter.", 140),  # the end of March
        ("We will have it fixed by the end of this quarter.", 50),
        ("我们年底之前一定给您解决。", 50),
        ("We will get back to you by next week.", 11),
    ],
)
def test_a_deadline_further_off_is_dated_and_judged(sentence: str, days: int) -> None:
    (read,) = [c for c in check(sentence, [], now=WEDNESDAY).commitments if c.unit == "deadline"]
    assert read.status == "unbacked" and read.deadline_days is not None and abs(read.deadline_days - days) <= 1, read


@pytest.mark.parametrize(
    "sentence",
    [
        "我们保证春节前给您处理好。",
        "国庆前我们会补发给您。",
        "We will refund you before Christmas.",
        "We will fix this within the next few weeks.",
        "我们过几天就给您退款。",
    ],
)
def test_a_deadline_with_no_date_is_held_for_a_person(sentence: str) -> None:
    report = check(sentence, [], now=WEDNESDAY)
    (held,) = [c for c in report.commitments if c.unit == "deadline"]
    assert held.status == "unbacked" and held.deadline_days is None and "cannot be resolved" in held.reason


@pytest.mark.parametrize("sentence", ["优惠券今年内有效。", "这个季度内我们会完成整改。", "下个月的活动我们会提前通知大家。"])
def test_a_period_that_is_not_a_time_owed_is_not_read(sentence: str) -> None:
    assert not [c for c in check(sentence, [], now=WEDNESDAY).commitments if c.unit == "deadline"]


# ── coupons counted without a value ──────────────────────────────────────────────────────────────────────


def one_coupon_rule() -> list[Remedy]:
    return [Remedy(type="coupon", amount=Decimal(30), valid_days=30, rule_id="CP-1")]


@pytest.mark.parametrize("sentence", ["送您两张优惠券。", "We will give you two vouchers.", "送您3张券，另外退款。"])
def test_more_coupons_than_the_rules_grant_exceed_them_though_no_value_is_named(sentence: str) -> None:
    (coupon,) = [c for c in check(sentence, one_coupon_rule()).commitments if c.type == "coupon"]
    assert coupon.status == "exceeds" and (coupon.count or 0) > 1 and "CP-1" in coupon.reason


@pytest.mark.parametrize("sentence", ["我们会送您一张优惠券。", "We will send you a voucher.", "我们下个月补偿您一张优惠券。"])
def test_one_coupon_with_no_value_is_the_rules_coupon(sentence: str) -> None:
    (coupon,) = [c for c in check(sentence, one_coupon_rule()).commitments if c.type == "coupon"]
    assert coupon.status == "backed" and coupon.backing == "CP-1"
    (alone,) = [c for c in check(sentence, []).commitments if c.type == "coupon"]
    assert alone.status == "unbacked"  # and with no coupon rule, nothing backs it

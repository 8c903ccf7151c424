"""Promises read on constructions the guard had not seen (issue 13, round 5): relayed speech, end dates, price
matches, grants traded for the customer's action, money promised with no sum, memberships named by their
period, and "not a minute more".

Every sentence is our own, written for the construction it tests; none comes from an evaluation set. The
entitlements are a ticket's usual ones: the 86-yuan order refunded in full, one 30-yuan coupon valid 30 days,
refunds within 3 days, replies within 5 minutes and one month of membership."""

from __future__ import annotations

from decimal import Decimal

import pytest
from promise_reading import ENTITLED, TUESDAY, held, read

# ── relayed speech: a colleague's promise passed on is ours, unless taken back ──────────────────────────


@pytest.mark.parametrize(
    "text",
    [
        "客服说会给您补一张50元的券。",
        "售后之前跟您说过会赔您两百块。",
        "The driver told you we'd pay you 200 yuan for the trouble.",
        "The previous agent promised you a 60 yuan voucher.",
        "You were told you would get a free month of deliveries, and you will.",
    ],
)
def test_a_colleagues_promise_passed_on_is_a_promise_to_the_reader(text: str) -> None:
    assert held(text), read(text)


@pytest.mark.parametrize(
    "text",
    [
        "店长说会给您补一张50元的券，这是他说错了，实际能给的是30元券。",
        "售后之前说过会赔您两百块，这个我们做不到，非常抱歉。",
        "The driver said we'd pay you 200 yuan; I'm afraid that was a mistake.",
        "My colleague said we would call you within a minute, and we didn't. I'm sorry.",
    ],
)
def test_a_relayed_promise_corrected_or_declined_is_not_made(text: str) -> None:
    assert not held(text), read(text)


def test_the_customers_own_account_of_a_promise_is_still_theirs() -> None:
    assert not held("您说上次客服答应给您退两百元，我们先核实一下。")


def test_a_relayed_promise_is_read_with_its_amount() -> None:
    (coupon,) = read("Our manager said we'd give you a 50 yuan coupon.")
    assert (coupon.type, coupon.amount, coupon.status) == ("coupon", Decimal(50), "exceeds")


# ── end dates: a coupon valid to a date, a refund by a month ────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("这张30元券有效期到明年二月底。", 89),  # 28 February 2027
        ("30元的券您可以用到明年一月中旬。", 50),  # 20 January
        ("给您的30元券2027年3月底前都能用。", 120),
        ("Your 30 yuan coupon stays valid until the end of February.", 89),
        ("The 30 yuan voucher is good through next January.", 61),
    ],
)
def test_a_coupon_valid_to_an_end_date_counts_the_days_to_it(text: str, days: int) -> None:
    (coupon,) = [c for c in read(text) if c.type == "coupon"]
    assert coupon.valid_days == days and coupon.status == "exceeds", coupon


def test_a_coupon_valid_to_a_date_within_the_rule_is_backed() -> None:
    (coupon,) = [c for c in read("送您一张30元券，有效期到12月20日。") if c.type == "coupon"]
    assert coupon.valid_days == 19 and coupon.status == "backed"


@pytest.mark.parametrize(
    ("text", "days"), [("退款会在明年一月底前退回。", 61), ("We will reimburse you by March.", 120), ("我们会在12月初之前退给您。", 9)]
)
def test_a_month_without_a_day_is_a_dated_deadline(text: str, days: int) -> None:
    (deadline,) = [c for c in read(text) if c.unit == "deadline"]
    assert deadline.deadline_days == days, deadline


@pytest.mark.parametrize(
    "text",
    [
        "This may take a little while, but we'll refund you.",
        "We already extended your membership by a month in October.",
        "10月份的订单我们都核对过了。",
    ],
)
def test_a_month_word_that_is_not_a_bound_is_no_deadline(text: str) -> None:
    assert not [c for c in read(text) if c.unit == "deadline"]


# ── price matches: a difference paid, with no sum ───────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "text", ["Found it cheaper somewhere else? We'll match it.", "We'll pay you the difference.", "差价部分我们会退给您。", "这个差价我们给您补上。"]
)
def test_a_price_match_is_money_of_an_unknown_sum_held_with_its_reason(text: str) -> None:
    (match,) = [c for c in read(text) if c.type == "compensation"]
    assert match.amount is None and match.status == "unbacked" and "price match" in match.reason


@pytest.mark.parametrize("text", ["We can't match that price, I'm sorry.", "差价已经退给您了。", "The photo does not match your order."])
def test_a_price_match_refused_done_or_only_a_word_is_not_held(text: str) -> None:
    assert not held(text), read(text)


def test_a_difference_with_its_sum_is_read_once_with_the_sum() -> None:
    found = read("We'll refund the fare difference, 120 yuan.")
    assert [(c.type, c.amount) for c in found if c.type in ("refund", "compensation")] == [("refund", Decimal(120))]


# ── a grant traded for something the customer does ──────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "text",
    [
        "If you can wait a bit longer, we'll add a 30 yuan coupon.",
        "您把这条差评删掉，我们就给您全额退款。",
        "Once you take the post down, we'll refund the whole order.",
        "如果您愿意再等一会儿，我们送您一张30元券。",
    ],
)
def test_a_grant_traded_for_the_customers_action_is_held(text: str) -> None:
    gifts = [c for c in read(text) if c.type in ("refund", "coupon")]
    assert gifts and all(c.status == "exceeds" and "traded" in c.reason for c in gifts), gifts


def test_a_grant_offered_if_the_customer_wants_it_is_not_a_trade() -> None:
    assert not held("如果您需要，我们可以给您全额退款。")


# ── money promised with no sum: the customer's costs, a pledge ──────────────────────────────────────────


@pytest.mark.parametrize(
    "text",
    [
        "您的干洗费我们来出。",
        "这次的损失全部由我们承担。",
        "We'll cover your taxi fare home.",
        "We'll pay for the repair.",
        "以后再超时就赔。",
        "Delivery within 30 minutes, or we pay you.",
    ],
)
def test_money_promised_for_what_it_pays_is_held_with_its_reason(text: str) -> None:
    (money,) = [c for c in read(text) if c.type == "compensation"]
    assert money.amount is None and money.status == "unbacked" and "does not name" in money.reason


@pytest.mark.parametrize("text", ["打车费已经给您报销了。", "退货运费我们出，您直接寄回就行。"])
def test_costs_already_paid_or_return_postage_are_not_held_as_compensation(text: str) -> None:
    assert not [c for c in read(text) if c.type == "compensation"]


def test_money_beyond_the_refund_is_cash_on_top() -> None:
    found = [(c.type, c.amount, c.status) for c in read("这单给您多退十五块，算是我们的歉意。")]
    assert found == [("compensation", Decimal(15), "unbacked")]


# ── free things and memberships in other words ──────────────────────────────────────────────────────────


@pytest.mark.parametrize("text", ["这一单我们包了。", "Lunch for the two of you is on us next time.", "再补您一碗汤。", "送您的配送费由我们来出。"])
def test_a_free_order_in_other_words_is_held(text: str) -> None:
    assert [c.status for c in read(text) if c.type == "free_order"] == ["unbacked"], read(text)


@pytest.mark.parametrize(
    ("text", "months", "status"),
    [
        ("我们给您开一张年卡作为补偿。", 12, "exceeds"),
        ("We're upgrading you to an annual membership.", 12, "exceeds"),
        ("送您一张季卡。", 3, "exceeds"),
        ("给您补一张月卡。", 1, "backed"),
    ],
)
def test_a_membership_named_by_its_period_is_that_many_months(text: str, months: int, status: str) -> None:
    (member,) = [c for c in read(text) if c.type == "membership_extension"]
    assert (member.amount, member.unit, member.status) == (Decimal(months), "months", status)


@pytest.mark.parametrize(
    ("text", "amount", "unit"), [("受影响的用户都将获得三个月的免费会员。", 3, "months"), ("全体会员延长十天有效期。", 10, "days")]
)
def test_a_free_or_extended_membership_term_is_a_membership(text: str, amount: int, unit: str) -> None:
    (member,) = [c for c in read(text) if c.type == "membership_extension"]
    assert (member.amount, member.unit) == (Decimal(amount), unit)


# ── time: "not a minute more", the present progressive ──────────────────────────────────────────────────


@pytest.mark.parametrize("text", ["钱马上给您退，一秒钟都不让您多等。", "We're refunding the order. You won't have to wait a minute longer."])
def test_not_a_minute_more_of_a_refund_is_a_deadline_of_now(text: str) -> None:
    (deadline,) = [c for c in read(text) if c.type == "processing_deadline"]
    assert deadline.deadline_days == 0 and deadline.status == "exceeds"


def test_not_a_minute_more_with_no_money_promises_no_time() -> None:
    assert not [c for c in read("一分钟都不让您多等，师傅马上上门。") if c.unit == "deadline"]


@pytest.mark.parametrize("text", ["We're refunding you now.", "I'm reimbursing you today."])
def test_a_grant_in_the_present_progressive_is_promised(text: str) -> None:
    assert [c.type for c in read(text) if c.type == "refund"] == ["refund"], read(text)


# ── gifts in kind, terms prolonged, gifts to everyone ───────────────────────────────────────────────────


@pytest.mark.parametrize(
    "text", ["为表歉意，我们给您寄一盒月饼。", "We'll send you a hamper to apologise.", "I'd like to bring you a cake as a small apology."]
)
def test_a_gift_in_kind_sent_as_an_apology_is_held_with_its_reason(text: str) -> None:
    (gift,) = [c for c in read(text) if c.type == "compensation"]
    assert gift.status == "unbacked" and "gift in kind" in gift.reason


@pytest.mark.parametrize("text", ["我们已经向您表示歉意。", "We'd like to apologise for the delay."])
def test_an_apology_with_no_gift_is_no_promise(text: str) -> None:
    assert not read(text)


@pytest.mark.parametrize(
    ("text", "kind", "days"),
    [
        ("您的会员有效期顺延至明年2月28日。", "membership_extension", 89),
        ("Your membership is extended to next April.", "membership_extension", 150),
        ("券的有效期给您延长45天。", "coupon", 45),
        ("We're extending your voucher until the end of January.", "coupon", 61),
    ],
)
def test_a_term_prolonged_to_a_date_or_by_a_span_is_a_grant_of_those_days(text: str, kind: str, days: int) -> None:
    (grant,) = [c for c in read(text) if c.type == kind]
    assert (grant.amount if kind == "membership_extension" else grant.valid_days) == days and grant.status == "exceeds", grant


def test_a_term_prolonged_long_ago_is_told_not_granted() -> None:
    assert not held("We already extended your membership to the end of October.")


@pytest.mark.parametrize(("text", "kind"), [("今天到店的都送一杯饮料。", "free_order"), ("群里每位都发一个20元红包。", "compensation")])
def test_a_gift_to_everyone_is_held(text: str, kind: str) -> None:
    assert [c.status for c in read(text) if c.type == kind] == ["unbacked"], read(text)


@pytest.mark.parametrize(("text", "kind"), [("今天这顿算我的。", "free_order"), ("赔您一顿饭钱。", "compensation")])
def test_a_meal_on_us_or_its_money_is_held(text: str, kind: str) -> None:
    assert [c.status for c in read(text) if c.type == kind] == ["unbacked"], read(text)


def test_before_the_end_of_the_working_day_is_today() -> None:
    (deadline,) = [c for c in read("我下班前给您回电话。") if c.unit == "deadline"]
    assert deadline.type == "response_time" and deadline.deadline_days is not None and deadline.deadline_days < 1


# ── constructions found while reading a set written by someone who never saw the code ─────────────────


def test_a_pledge_on_lateness_is_not_a_spending_threshold() -> None:
    assert [c.status for c in read("以后送餐迟到超过15分钟，一律免单。") if c.type == "free_order"] == ["unbacked"]
    assert not read("满30元免配送费。")


def test_counted_rides_or_nights_on_us_are_free_orders() -> None:
    (free,) = read("Your next two trips are on us.")
    assert (free.type, free.amount, free.status) == ("free_order", Decimal(2), "unbacked")


@pytest.mark.parametrize("text", ["All items are marked down 25% today as an apology.", "这个月的房租给您减半。"])
def test_a_price_cut_in_other_words_is_a_discount(text: str) -> None:
    assert [(c.type, c.status) for c in read(text)] == [("discount", "unbacked")]


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("三小时之内，退款就能到账。", Decimal("0.125")),
        ("The refund, as agreed, should reach you by tomorrow.", Decimal(1)),
        ("Your refund will arrive on 3 December.", Decimal(2)),
    ],
)
def test_a_bound_said_apart_from_its_refund_times_it(text: str, days: Decimal) -> None:
    (time,) = [c for c in read(text) if c.type == "processing_deadline"]
    assert (time.amount if time.unit == "days" else time.deadline_days) == days and time.status == "exceeds", time


def test_a_membership_listed_with_other_gifts_is_granted() -> None:
    found = {c.type: c for c in read("Three months of Premium and a 50 yuan voucher, both today.")}
    assert found["membership_extension"].amount == Decimal(3) and found["membership_extension"].status == "exceeds"


def test_a_plan_named_by_its_period_that_is_only_extended_is_not_granted_whole() -> None:
    assert not [c for c in read("Your annual plan has been extended by two weeks.") if c.amount == Decimal(12)]


def test_the_value_of_points_is_a_coupon_of_that_value() -> None:
    assert [(c.type, c.amount, c.status) for c in read("补偿您2000积分，价值80元。")] == [("coupon", Decimal(80), "exceeds")]


def test_a_cap_said_with_costs_covered_is_their_sum() -> None:
    (money,) = read("We'll pay for your taxi, up to 60 yuan.")
    assert (money.type, money.amount, money.status) == ("compensation", Decimal(60), "unbacked")


def test_a_sum_refused_after_it_is_named_is_not_promised() -> None:
    assert [(c.type, c.amount) for c in read("多收的20元退给您，另外那10元退不了。")] == [("refund", Decimal(20))]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("给您补偿一份同样的套餐。", "free_order"),
        ("We've upgraded you to Platinum for three months.", "membership_extension"),
        ("I've also added 15 yuan as a small sorry.", "compensation"),
    ],
)
def test_gifts_in_other_words_are_held(text: str, kind: str) -> None:
    assert [c.status for c in read(text) if c.type == kind] in (["unbacked"], ["exceeds"]), read(text)


@pytest.mark.parametrize("text", ["下个月的月租我们全免。", "Your next month of streaming is on the house."])
def test_a_period_made_free_is_a_free_period_not_one_order(text: str) -> None:
    (free,) = [c for c in read(text) if c.type == "free_order"]
    assert (free.amount, free.unit, free.status) == (Decimal(1), "months", "unbacked")


def test_a_colleagues_answer_called_wrong_is_taken_back() -> None:
    assert not held("之前客服说能送您半年会员，那是误答，非常抱歉。")


def test_a_coupon_to_be_used_up_within_a_span_has_that_validity() -> None:
    (coupon,) = read("送您一张30元券，60天内用掉就行。")
    assert coupon.valid_days == 60 and coupon.status == "exceeds"


@pytest.mark.parametrize(("text", "kind"), [("Your refund is on its way.", "refund"), ("We'll reverse the 86 yuan charge.", "refund")])
def test_a_refund_in_other_words_is_read(text: str, kind: str) -> None:
    assert [c.type for c in read(text)] == [kind]


def test_contact_arranged_within_minutes_is_a_response_time() -> None:
    (reply,) = read("我们会在3分钟内安排专人联系您。")
    assert (reply.type, reply.amount) == ("response_time", Decimal(3))


# ── linear: the new readings cost work in proportion to the text ───────────────────────────────────────


@pytest.mark.slow
@pytest.mark.parametrize(
    "unit",
    [
        "店长说会给您补一张50元的券，这是他说错了。差价我们给您补上。",
        "Your 30 yuan coupon stays valid until the end of February. We'll match it. ",
        "您把差评删掉，我们就给您年卡。您的干洗费我们来出，超时就赔，一秒钟都不让您多等。",
        "If you can wait, we'll cover your taxi fare; lunch for two is on us in March 2027. ",
    ],
)
def test_the_round5_readings_stay_linear(unit: str) -> None:
    from tests.test_commitments_unrecognised import assert_checking_stays_linear

    assert_checking_stays_linear(unit, ENTITLED, TUESDAY)

"""The commitment guard: every promise found, in zh and en, and judged against the policy book."""

from __future__ import annotations

import time
from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drafting.guards.commitments import check, extract, parse_number, statement_entitlements
from knowledge.policy import PolicyBook, Remedy, TicketFacts

BOOK = PolicyBook.load(None)
LATE_45 = BOOK.remedies_for(TicketFacts(issue_type="late_delivery", delay_minutes=45, order_amount=Decimal(86), during_incident=True))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("30", 30),
        ("1,000", 1000),
        ("29.9", Decimal("29.9")),
        ("三十", 30),
        ("一百五十", 150),
        ("两千", 2000),
        ("十五", 15),
        ("一万二千", 12000),
        ("thirty-five", 35),
        ("a hundred", 100),
        ("five hundred and twenty", 520),
    ],
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
    # "退款3天内到账" also promises the refund itself (an unpriced refund): only the time promise is asserted here
    assert [(c.type, c.amount) for c in extract(text) if c.type != "refund"] == [(kind, Decimal(amount))]


@pytest.mark.parametrize(
    "text",
    [
        "您的订单金额86元，晚到了45分钟。",
        "Your 86-yuan order arrived 45 minutes late.",
        "满99元可用",
        "You paid 120 yuan for this order.",
        "Orders over 99 yuan ship free.",
    ],
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
    [found] = [c for c in check(text, LATE_45, order_amount=Decimal(86)).commitments if c.type != "refund" or c.amount is not None]
    if status is None:
        assert found.backed
    else:
        assert found.status == status and not found.backed
        if rule:
            assert rule in found.reason


def test_an_amount_cannot_be_backed_without_an_order_amount() -> None:
    [found] = check("We will refund 86 yuan in full.", LATE_45, order_amount=None).commitments
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
    assert [c.type for c in extract("退款两小时内到账")] == ["refund", "processing_deadline"]


def test_a_coupon_is_matched_to_the_remedy_whose_validity_covers_it() -> None:
    decided = Remedy(type="coupon", amount=Decimal(30), valid_days=60, rule_id="INC-1")
    report = check("另送一张30元优惠券，有效期60天", LATE_45 + [decided], order_amount=Decimal(86))
    assert report.ok and report.commitments[0].backing == "INC-1"


def test_quoted_words_are_reported_not_promised() -> None:
    assert extract('We launched promising "delivery in 30 minutes" and missed it.') == []
    assert extract("客服说过“3天内到账”，但没有做到。") == []
    assert [c.type for c in extract("退款3天内到账。")] == ["refund", "processing_deadline"]


# ── the rebuilt guard (P7): grammar over normalised text ───────────────────────────────────────────

MONDAY = datetime(2026, 11, 30, 9, 0)  # a Monday morning


def promises(text: str) -> list[tuple[str, Decimal | None, str | None]]:
    """(type, amount, currency or unit) of every promise, leaving out unpriced refunds ("退款…到账")."""
    return [
        (c.type, c.amount, c.currency or c.unit)
        for c in extract(text, now=MONDAY)
        if not (c.type == "refund" and c.amount is None and c.scope is None)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ranges: the upper bound is the promise
        ("退款会在5-7天内到账", ("processing_deadline", 7, "days")),
        ("Your refund will arrive in 5-7 business days.", ("processing_deadline", 7, "business_days")),
        ("退款3到5个工作日到账", ("processing_deadline", 5, "business_days")),
        # durations in words
        ("we will reply within five minutes", ("response_time", 5, "minutes")),
        ("我十分钟内给您回复", ("response_time", 10, "minutes")),
        ("Our supervisor will phone you within the hour.", ("response_time", 60, "minutes")),
        ("补发的餐品会在半小时内送到", ("processing_deadline", Decimal("0.02083333333333333333333333333"), "days")),
    ],
)
def test_ranges_and_worded_durations(text: str, expected: tuple[str, Decimal, str]) -> None:
    [found] = promises(text)
    assert found[0] == expected[0] and found[2] == expected[2] and abs(found[1] - Decimal(expected[1])) < Decimal("0.001")


@pytest.mark.parametrize(
    ("text", "kind", "days"),
    [
        ("我们今天之内给您处理好", "processing_deadline", 0),
        ("退款明天到账", "processing_deadline", 1),
        ("我们会在后天之前把钱退给您", "processing_deadline", 2),
        ("最迟大后天把退款处理完", "processing_deadline", 3),
        ("下周一之前给您退款", "processing_deadline", 7),
        ("退款12月5日前到账", "processing_deadline", 5),
        ("Your refund will land in your account today.", "processing_deadline", 0),
        ("We'll have the refund sorted by Friday.", "processing_deadline", 4),
        ("Your refund will be processed by 5 December.", "processing_deadline", 5),
        ("I'll make sure the refund is processed by the end of the day.", "processing_deadline", 0),
    ],
)
def test_deadlines_without_numbers_resolve_to_days(text: str, kind: str, days: int) -> None:
    [found] = [c for c in extract(text, now=MONDAY) if c.unit == "deadline"]
    assert found.type == kind and found.deadline_days == days and found.deadline in text


def test_deadlines_are_judged_against_the_rule() -> None:
    assert not check("退款明天到账", LATE_45, now=MONDAY).ok  # 1 day: faster than LD-2's 3 days
    report = check("We'll refund you by Friday.", LATE_45, now=MONDAY)
    assert report.ok, report.reasons()
    tonight = check("We'll get back to you before 6 pm today.", LATE_45, now=MONDAY)
    assert tonight.ok and tonight.commitments[0].type == "response_time"


def test_a_deadline_that_cannot_be_resolved_is_unbacked_with_the_reason() -> None:
    [found] = [c for c in check("退款2月30日前到账", LATE_45, now=MONDAY).commitments if c.unit == "deadline"]
    assert found.status == "unbacked" and "cannot be resolved" in found.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我们给您打8折", ("discount", 20, "percent")),
        ("给您一个七五折的专属折扣", ("discount", 25, "percent")),
        ("20% off your next order", ("discount", 20, "percent")),
        ("下一单给您半价", ("discount", 50, "percent")),
        ("We'll give you a quarter off your next purchase.", ("discount", 25, "percent")),
        ("这一单的损失我们三倍赔偿给您", ("compensation", 3, "multiple")),
        ("双倍赔偿给您", ("compensation", 2, "multiple")),
        ("You'll get double your money back on this order.", ("compensation", 2, "multiple")),
        ("We'll give you 150% of your order value back as a refund.", ("refund", 150, "percent")),
        ("给您退还订单金额的一半", ("refund", 50, "percent")),
    ],
)
def test_multiples_percentages_and_discounts(text: str, expected: tuple[str, int, str]) -> None:
    assert promises(text) == [(expected[0], Decimal(expected[1]), expected[2])]


def test_multiples_and_discounts_are_never_backed_by_a_refund_rule() -> None:
    for text in ("我们三倍赔偿", "We'll refund you double.", "您下次下单可以享受8折优惠", "We'll give you a 150% refund."):
        report = check(text, LATE_45, order_amount=Decimal(86))
        assert not report.ok and all(c.reason for c in report.unbacked), text


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("送您10张30元优惠券", {"amount": 30, "count": 10}),
        ("We're sending you five 10-yuan coupons.", {"amount": 10, "count": 5}),
        ("我们给您准备了一张满200减50的大额券", {"amount": 50, "min_spend": 200}),
        ("We'll give you a coupon for 30 yuan off orders over 100, valid for 15 days.", {"amount": 30, "min_spend": 100, "valid_days": 15}),
        ("送您一张30元优惠券，有效期一个月", {"amount": 30, "valid_days": 30}),
        ("送您一张20元店铺代金券，半年内有效", {"amount": 20, "valid_days": 180}),
        ("a voucher worth 1000 yuan", {"amount": 1000}),
    ],
)
def test_coupons_with_count_threshold_and_validity(text: str, fields: dict[str, int]) -> None:
    [found] = [c for c in extract(text) if c.type == "coupon"]
    assert {name: getattr(found, name) for name in fields} == {
        name: Decimal(v) if name in ("amount", "min_spend") else v for name, v in fields.items()
    }


def test_ten_coupons_exceed_one() -> None:
    [found] = check("我们会给您发放10张30元优惠券。", LATE_45).commitments
    assert found.status == "exceeds" and "grants one" in found.reason


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("这一单我们给您免单。", None, None),
        ("Dinner's on us tonight.", None, None),
        ("We'll make this order free of charge.", None, None),
        ("您接下来的十单都免费。", 10, "orders"),
        ("Your next ten orders are free.", 10, "orders"),
        ("我们给您免费配送一个月。", 1, "months"),
        ("往后两个星期的配送费都由我们承担。", 2, "weeks"),
    ],
)
def test_free_orders_and_free_periods_are_unbacked_without_a_free_order_rule(text: str, amount: int | None, unit: str | None) -> None:
    [found] = check(text, LATE_45, now=MONDAY).commitments
    assert found.type == "free_order" and found.amount == (Decimal(amount) if amount else None) and found.unit == unit
    assert found.status == "unbacked" and "free" in found.reason


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("送您一年会员", 12),
        ("We'll add 3 extra months of Plus.", 3),
        ("We're upgrading you to six months of VIP.", 6),
        ("您的会员会免费延长一个月。", 1),
    ],
)
def test_membership_grants_in_months(text: str, months: int) -> None:
    assert promises(text) == [("membership_extension", Decimal(months), "months")]


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        # the evasions that used to get through
        ("补偿您壹仟元", 1000, "CNY"),
        ("补偿您一千块", 1000, "CNY"),
        ("补偿您500港币", 500, "HKD"),
        ("我们可以给您退港币100元到您的香港账户。", 100, "HKD"),
        ("补偿100美元", 100, "USD"),
        ("We'll compensate you £50.", 50, "GBP"),
        ("We'll compensate you €50.", 50, "EUR"),
        ("We'll send you fifty dollars.", 50, "USD"),
        ("We'll pay you $50 in compensation for the delay.", 50, "USD"),
        ("We'll transfer NT$500 to your account.", 500, "TWD"),
        ("Our manager has agreed to pay you 1k yuan for the trouble.", 1000, "CNY"),
        ("We'll compensate you 1 000 yuan.", 1000, "CNY"),
        ("补偿您1\u200b000元", 1000, "CNY"),
        ("补偿您１０００元", 1000, "CNY"),
        ("给您发一张3 0元的外卖券作为补偿。", 30, "CNY"),
        ("转账1000元到您的账户", 1000, "CNY"),
        ("我这边给您打500过去，您看可以吗？", 500, "CNY"),
        ("另外我们会赔您500元", 500, "CNY"),
        ("We'll pay you 2,000 yuan in damages.", 2000, "CNY"),
    ],
)
def test_money_in_any_form_and_currency_is_a_promise(text: str, amount: int, currency: str) -> None:
    [found] = [c for c in extract(text) if c.amount is not None]
    assert (found.amount, found.currency) == (Decimal(amount), currency)


def test_a_currency_the_book_does_not_use_is_unbacked() -> None:
    for text in ("我们会退给您新台币300元。", "We'll refund you $5.", "补偿您500港币", "We'll send you fifty dollars."):
        [found] = [c for c in check(text, LATE_45, order_amount=Decimal(86)).commitments if c.amount is not None]
        assert found.status == "unbacked" and "CNY only" in found.reason, text


def test_a_bare_dollar_is_never_yuan() -> None:
    [found] = extract("We'll refund you $5.")
    assert found.currency == "USD"


def test_cash_compensation_is_unbacked_naming_what_is_close() -> None:
    [found] = [c for c in check("您这单我们全额退款，同时再赔您86元。", LATE_45, order_amount=Decimal(86)).commitments if c.type == "compensation"]
    assert found.status == "unbacked" and "LD-2" in found.reason


@pytest.mark.parametrize(
    "text",
    [
        "您的订单86元",
        "实付86元",
        "Your $40 order arrived late.",
        "满100可用",
        "Orders over 50 yuan ship free.",
        "Coupons of this type can only be used on orders over 100 yuan.",
        "This restaurant has a minimum order of 20 yuan and a 5 yuan delivery fee.",
        "The 20 yuan coupon you had expired on 15 November.",
        "本次订单使用了一张10元的满减券，实付86元。",
        "8折优惠仅限新用户首单使用。",
        "Would you like us to call you back today?",
        "请问您是希望退款还是重新配送？",
        "您提到别的平台会赔三倍，我们这边的标准不太一样。",
        "You mentioned a previous agent promised you a $50 refund, but I can't find a record of it.",
        "I cannot double compensate for the same flight.",
        "When you complained last Friday, we replied within two hours.",
        "新增40名骑手",
        "We'll add 40 riders.",
    ],
)
def test_facts_conditions_questions_and_reported_words_are_not_promises(text: str) -> None:
    assert extract(text, now=MONDAY) == [], extract(text, now=MONDAY)


def test_a_statement_full_of_facts_yields_no_promise() -> None:
    statement = (
        "The facts first: from 11 to 13 November orders doubled; many deliveries were 40 to 90 minutes late, and about twelve thousand "
        "customers were affected. What we are doing: sealed lids for every soup — Min Wang owns it, done by 16 November.\n\n"
        "先说事实：11月11日到13日，订单量翻了一倍，大量订单晚到40到90分钟，约一万两千名顾客受影响。新增40名骑手，配送负责人陈立负责，12月16日前完成。"
    )
    assert extract(statement, now=MONDAY) == []


def test_a_statement_promise_is_still_checked() -> None:
    statement = "先说事实：订单量翻了一倍。\n\n受影响的用户每人补偿200元，3天内到账。"
    report = check(statement, statement_entitlements(BOOK), now=MONDAY)
    assert [c.type for c in report.unbacked] == ["compensation"]


@pytest.mark.parametrize(
    ("text", "promised"),
    [
        ("您提到的“赔偿1000元”，我们无法承诺。", False),
        ("You asked for “$500 compensation”; we can't offer that.", False),
        ('The "triple refund" you asked for isn\'t something we can offer.', False),
        ("我们的处理方案是：“退还86元，并赠送一张30元优惠券”。", True),
        ("我向您保证：“今天之内一定给您回电话。”", True),
        ("We'll give you “$500 compensation”.", True),
    ],
)
def test_quoted_promises_count_unless_attributed_and_declined(text: str, promised: bool) -> None:
    assert bool(extract(text, now=MONDAY)) is promised


def test_refund_scope_and_what_it_applies_to() -> None:
    [whole] = extract("整单的钱我们都退给您，一分不少。")
    assert (whole.type, whole.scope, whole.applies_to) == ("refund", "full", "order")
    [item] = extract("那份凉掉的宫保鸡丁，我们给您退32.5元。")
    assert (item.amount, item.applies_to) == (Decimal("32.5"), "item")
    [part] = extract("我们会先退您30块，剩下的部分等商家核实后再处理。")
    assert (part.amount, part.scope) == (Decimal(30), "partial")


def test_a_whole_order_refund_exceeds_an_item_rule() -> None:
    item_only = [Remedy(type="refund", scope="full", applies_to="item", rule_id="RF-1")]
    [found] = check("整单的钱我们都退给您", item_only).commitments
    assert found.status == "exceeds" and "RF-1" in found.reason


def test_offsets_survive_invisible_characters_and_separators() -> None:
    text = "好的，补偿您1\u200b000元，另有 1,000 yuan credit for you"
    for found in extract(text):
        assert text[found.start : found.end] == found.phrase
        assert found.amount == 1000


def test_the_app_draft_from_the_issue_shows_its_promise() -> None:
    report = check("另外我们会赔您500元", LATE_45, order_amount=Decimal(86))
    assert [(c.type, c.amount, c.status) for c in report.commitments] == [("compensation", Decimal(500), "unbacked")]


@pytest.mark.slow
@pytest.mark.parametrize("unit", ["7", "一", "壹", "seven ", "a hundred and fifty ", "¥", "Thank you for waiting. ", "refund "])
def test_a_megabyte_of_digits_or_words_is_checked_without_backtracking(unit: str) -> None:
    check("warm up the lexicon", LATE_45)
    text = unit * (1_000_000 // len(unit))
    started = time.process_time()  # CPU time: the machine may be shared
    check(text, LATE_45)
    # About a second on a quiet machine (bench/RESULTS.md); a backtracking pattern would take minutes. The
    # bound is loose on purpose: speed is measured in bench/, this only catches the quadratic.
    assert time.process_time() - started < 15.0


@pytest.mark.slow
@pytest.mark.parametrize("unit", ["退款3天内到账，", "1,000 ", "We'll refund 86 yuan within 3 days. "])
def test_a_text_dense_with_promises_costs_linear_time(unit: str) -> None:
    def seconds(size: int) -> float:
        text = unit * (size // len(unit))
        started = time.process_time()
        check(text, LATE_45)
        return time.process_time() - started

    seconds(1000)
    small, large = seconds(20_000), seconds(200_000)
    assert large < 20 * small  # ten times the text: about ten times the time, never the square


_INVISIBLE = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e"])


@settings(max_examples=200, deadline=None)
@given(
    amount=st.integers(min_value=1, max_value=999_999),
    template=st.sampled_from(["另外补偿您{}元。", "We'll pay you {} yuan in compensation.", "转账{}元到您的账户", "送您一张{}元优惠券"]),
    style=st.sampled_from(["plain", "fullwidth", "thousands", "thin", "invisible"]),
    invisible=_INVISIBLE,
)
def test_disguising_the_digits_never_changes_the_amount(amount: int, template: str, style: str, invisible: str) -> None:
    digits = str(amount)
    if style == "fullwidth":
        digits = digits.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    elif style == "thousands":
        digits = f"{amount:,}"
    elif style == "thin":
        digits = f"{amount:,}".replace(",", "\u2009")
    elif style == "invisible":
        digits = invisible.join(digits)
    found = [c for c in extract(template.format(digits)) if c.amount is not None]
    assert [c.amount for c in found] == [Decimal(amount)]


# ── the safety net: what the grammar leaves over is judged, never let through ──────────────────────


def unbacked(text: str) -> list[tuple[str, Decimal | None, str | None]]:
    """(type, amount, currency or unit) of every promise in `text` that policy does not back."""
    report = check(text, LATE_45, order_amount=Decimal(86), now=MONDAY)
    return [(c.type, c.amount, c.currency or c.unit) for c in report.commitments if not c.backed]


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("这次算我的，微信转你200块压压惊", 200, "CNY"),  # a verb of giving money, no remedy word
        ("我自己掏腰包转您80块，别给差评哈", 80, "CNY"),
        ("给您补偿1.2万，请您收下", 12000, "CNY"),  # 万 after a decimal
        ("我再给您三百大洋，当交个朋友", 300, "CNY"),  # a slang currency word
        ("Let me send over 40 to your PayPal for the hassle.", 40, None),  # a bare number given: no currency named
        ("I'll e-transfer 2k to your account tonight.", 2000, None),
        ("Grab a fiver from us for the coffee, mate.", 5, "GBP"),  # money written as a word
    ],
)
def test_money_the_grammar_cannot_tie_to_a_rule_is_held_as_unbacked(text: str, amount: int, currency: str | None) -> None:
    report = check(text, LATE_45, order_amount=Decimal(86), now=MONDAY)
    held = [c for c in report.commitments if c.amount == Decimal(amount)]
    assert held and all(c.status == "unbacked" for c in held), report.commitments
    assert any((c.currency or None) == currency for c in held)


def test_the_safety_net_says_why_the_amount_is_held() -> None:
    [held] = check("我私下微信转您66块，您看行吗", LATE_45, order_amount=Decimal(86), now=MONDAY).commitments
    assert held.status == "unbacked" and held.amount == 66
    assert "66 CNY" in held.reason or "compensation" in held.reason


@pytest.mark.parametrize(
    "text",
    [
        "您本月话费已扣除58元，明细可在App查看。",  # done, and a fee
        "这份套餐的售价是128元。",  # a price
        "单人份39元，双人份69元，欢迎品尝。",  # a price list speaks to no one
        "满88元即可免配送费。",  # a threshold
        "您要求的500元赔偿，我们无法承诺。",  # a demand declined
        "Your $42 order was refunded yesterday.",  # done
        "Calls abroad cost 1.99 yuan per minute.",  # a rate
        "As long as it fits in the box, it'll be $4.",  # what something costs
        "Did you pay 86 yuan for this order?",  # a question
        "我们会加强这一块的服务。",  # 块 as a measure word
    ],
)
def test_facts_with_amounts_stay_quiet(text: str) -> None:
    assert unbacked(text) == [], check(text, LATE_45, order_amount=Decimal(86), now=MONDAY).commitments


@pytest.mark.parametrize(
    ("text", "kind", "amount", "unit"),
    [
        ("客服专员会在20秒内为您接通", "response_time", Decimal("0.333"), "minutes"),  # seconds
        ("We'll have someone call you back in 45 seconds.", "response_time", Decimal("0.75"), "minutes"),
        ("钱给你打过去了，一天内到", "processing_deadline", Decimal(1), "days"),  # a time with no word of processing
        ("I'll get the new parts to you within 12h.", "processing_deadline", Decimal("0.5"), "days"),
    ],
)
def test_a_time_in_a_sentence_that_commits_is_a_time_promise(text: str, kind: str, amount: Decimal, unit: str) -> None:
    found = [c for c in check(text, LATE_45, order_amount=Decimal(86), now=MONDAY).commitments if c.type == kind]
    assert found and abs(Decimal(found[0].amount) - amount) < Decimal("0.01") and found[0].unit == unit, found
    assert not found[0].backed  # faster than the rule commits to


@pytest.mark.parametrize(
    "text",
    [
        "钱明天到",  # a deadline right before an action
        "券今晚发，请留意",
        "hey, your cash lands tmrw",
    ],
)
def test_a_deadline_before_an_action_is_a_time_promise(text: str) -> None:
    kinds = {c.type for c in check(text, LATE_45, order_amount=Decimal(86), now=MONDAY).commitments}
    assert kinds & {"processing_deadline", "response_time"}, text


@pytest.mark.parametrize(
    "text",
    [
        "请您将手机充电半小时后再试。",  # an instruction to the customer
        "检修时间是24小时。",  # a fact
        "上周我们两小时内就回复了。",  # the past
        "今天发不了哦，明白您着急",  # refused
        "The store is open as a 24 hour shop.",  # a duration as an adjective
        "Within an hour dozens of members had posted photos.",  # done
        "我们当时在10分钟内到达了现场",
    ],
)
def test_times_that_promise_nothing_stay_quiet(text: str) -> None:
    assert [k for k, _, _ in unbacked(text) if k in ("processing_deadline", "response_time")] == [], text


@pytest.mark.parametrize(
    ("text", "kind", "extra"),
    [
        ("今天这顿不收钱了，您放心吃", "free_order", {}),
        ("以后三单都给您免运费", "free_order", {"amount": Decimal(3)}),  # a count of free orders
        ("We'll cover delivery on your next 4 orders, free.", "free_order", {"amount": Decimal(4)}),
        ("给您补送一份新的，马上出餐", "free_order", {"applies_to": "item"}),  # a replacement is a free item
        ("We'll ship you a replacement at no cost.", "free_order", {}),
        ("我做主给您开个永久会员", "membership_extension", {"amount": None}),  # a membership with no end
        ("You'll have lifetime premium membership from us.", "membership_extension", {"amount": None}),
    ],
)
def test_a_benefit_without_an_amount_is_a_promise_to_judge(text: str, kind: str, extra: dict[str, object]) -> None:
    found = [c for c in check(text, LATE_45, order_amount=Decimal(86), now=MONDAY).commitments if c.type == kind]
    assert found and not found[0].backed, check(text, LATE_45, now=MONDAY).commitments
    for name, value in extra.items():
        assert getattr(found[0], name) == value


@pytest.mark.parametrize(
    "text",
    [
        "Feel free to DM us any time.",
        "您可以拨打免费热线咨询。",
        "请您避免高额资费，及时充值。",  # 免 inside 避免
        "Rail replacement buses run from the car park.",
        "请重新发送您的手机号码。",
        "Free delivery on orders over 50 yuan this week.",  # a rule with a threshold
        "会员活动仅限新用户。",
    ],
)
def test_benefit_words_that_give_nothing_stay_quiet(text: str) -> None:
    assert [k for k, _, _ in unbacked(text) if k in ("free_order", "membership_extension")] == [], text


def test_membership_periods_keep_the_unit_written_and_are_judged_in_months() -> None:
    entitled = [Remedy(type="membership_extension", months=1, rule_id="M-1")]
    [two_weeks] = check("给您的会员延长两周", entitled, now=MONDAY).commitments
    assert (two_weeks.amount, two_weeks.unit, two_weeks.status) == (Decimal(2), "weeks", "backed")
    [forty_days] = check("We'll add 40 days to your membership.", entitled, now=MONDAY).commitments
    assert (forty_days.amount, forty_days.unit, forty_days.status) == (Decimal(40), "days", "exceeds")


@pytest.mark.parametrize(
    ("text", "amount"), [("这单就给您退一半吧，也就是50元", 50), ("给您退0.5倍，即50元", 50), ("We'll refund half, that's 50 yuan.", 50)]
)
def test_a_share_and_the_amount_it_comes_to_are_one_refund(text: str, amount: int) -> None:
    refunds = [c for c in extract(text, now=MONDAY) if c.type in ("refund", "compensation")]
    assert [(c.type, c.amount, c.scope) for c in refunds] == [("refund", Decimal(amount), "partial")], refunds


def test_a_multiple_and_the_amount_it_comes_to_keep_the_multiple() -> None:
    found = extract("我们赔付您订单金额的三倍，即258元", now=MONDAY)
    assert [(c.type, c.amount, c.unit) for c in found] == [("compensation", Decimal(3), "multiple")]


def test_a_share_of_the_order_called_compensation_is_judged_as_a_refund_share() -> None:
    [over] = check("我们将按订单金额的120%给予赔偿", LATE_45, order_amount=Decimal(86), now=MONDAY).commitments
    assert (over.type, over.amount, over.unit, over.status) == ("refund", Decimal(120), "percent", "exceeds")


def test_a_work_plan_and_a_cause_in_a_draft_promise_nothing_to_the_reader() -> None:
    text = (
        "原因：按规则24小时内有照片可以直接退款。我们正在做的：全部订单按原价退款（负责人：财务主管，12月3日前完成）；"
        "给每位受影响顾客补发20元券（客服主管负责）。按照我们的政策，您这一单可以得到：一张50元优惠券。"
    )
    report = check(text, LATE_45, order_amount=Decimal(86), now=MONDAY)
    assert [(c.type, c.amount) for c in report.unbacked] == [("coupon", Decimal(50))], report.commitments


def test_a_clause_that_speaks_to_the_reader_inside_a_work_plan_is_still_checked() -> None:
    report = check("What we're changing: new lids on every soup; we'll also pay you 300 yuan.", LATE_45, order_amount=Decimal(86), now=MONDAY)
    assert ("compensation", Decimal(300)) in [(c.type, c.amount) for c in report.unbacked]


def test_an_offer_phrased_as_a_question_is_still_an_offer() -> None:
    assert ("membership_extension", None, None) in unbacked("给您开个终身会员，您看行不行？")
    assert unbacked("您需要我们为您开通会员吗？") == []


@pytest.mark.slow
@pytest.mark.parametrize("unit", ["转您100块，", "免费", "明天到", "What we are doing: ", "30秒内接入，"])
def test_the_safety_net_stays_linear(unit: str) -> None:
    def seconds(size: int) -> float:
        text = unit * (size // len(unit))
        started = time.process_time()
        check(text, LATE_45)
        return time.process_time() - started

    seconds(1000)
    small, large = seconds(20_000), seconds(200_000)
    assert large < 20 * small


# ── round 3: general causes found on fresh data, each with a sentence of our own ──────────────────────


def judged(text: str) -> list[tuple[str, Decimal | None, str | None, str]]:
    """(type, amount, currency or unit, status) of every promise in `text`."""
    report = check(text, LATE_45, order_amount=Decimal(86), now=MONDAY)
    return [(c.type, c.amount, c.currency or c.unit, c.status) for c in report.commitments]


@pytest.mark.parametrize("text", ["我们再送您一张满80减20的券。", "Here's a coupon worth 20 yuan on any order over 120 yuan."])
def test_a_coupon_with_a_minimum_spend_is_not_the_rules_coupon(text: str) -> None:
    # the rule grants a 30-yuan coupon with no minimum spend: a threshold changes what the customer gets
    report = check(text, LATE_45, order_amount=Decimal(86), now=MONDAY)
    [coupon] = report.commitments
    assert coupon.status == "exceeds" and "no minimum spend" in coupon.reason


def test_a_coupon_with_no_minimum_spend_said_aloud_is_still_the_rules_coupon() -> None:
    assert judged("送您一张20元无门槛券，30天内可用。") == [("coupon", Decimal(20), "CNY", "backed")]


@pytest.mark.parametrize("text", ["A 15-yuan-off-90 voucher is yours.", "We'll take ¥15 off ¥90, on us."])
def test_an_amount_after_off_is_the_spend_it_comes_off(text: str) -> None:
    found = [c for c in check(text, LATE_45, order_amount=Decimal(86), now=MONDAY).commitments if c.amount == 15]
    assert found and found[0].min_spend == Decimal(90) and not found[0].backed


@pytest.mark.parametrize(
    ("text", "value"),
    [("赔偿金额：实付金额×4", 4), ("Goodwill credit: 5x the order total.", 5), ("We'll give you 2.5 times the ticket price back.", Decimal("2.5"))],
)
def test_a_multiple_of_the_price_written_with_a_sign_or_after_a_label_is_caught(text: str, value: Decimal) -> None:
    assert ("compensation", Decimal(value), "multiple", "exceeds") in judged(text)


@pytest.mark.parametrize(
    "text",
    [
        "每个月给您发一张30元券。",
        "You'll get a 30 yuan voucher each month until spring.",
        "每周都送您一张券。",
        "送您一张30元券。这张券永远不会过期。",
        "The coupon we're adding has no expiry date.",
        "优惠券长期有效，随时用。",
    ],
)
def test_a_grant_that_repeats_or_never_expires_exceeds_the_rule(text: str) -> None:
    assert [status for *_, status in judged(text)] == ["exceeds"]


@pytest.mark.parametrize("text", ["这个链接永久有效。", "我们每周一更新一次公告。", "We can't offer coupons that never expire."])
def test_open_ended_words_without_a_grant_promise_nothing(text: str) -> None:
    assert judged(text) == []


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("给您账户补偿800积分。", 800),
        ("We'll add 3,000 bonus points to your account.", 3000),
        ("Refund in full, plus 250 gems.", 250),
        ("另外送您2000金币。", 2000),
    ],
)
def test_rewards_in_the_brands_own_units_are_compensation_no_rule_backs(text: str, amount: int) -> None:
    assert ("compensation", Decimal(amount), None, "unbacked") in judged(text)


def test_reward_units_told_as_a_fact_or_worth_money_are_not_reward_promises() -> None:
    assert judged("您账户里现在有1200积分。") == []
    assert ("compensation", Decimal(400), None, "unbacked") not in judged("We'll add 400 points, worth 4 yuan at checkout.")


@pytest.mark.parametrize(
    ("text", "count"),
    [("再送您两次免费洗车。", 2), ("We'll add three free ride passes.", 3), ("补偿您一次免费保养。", 1), ("会员课送您两节，免费。", 2)],
)
def test_free_things_counted_are_free_orders(text: str, count: int) -> None:
    [free] = [c for c in check(text, LATE_45, order_amount=Decimal(86), now=MONDAY).commitments if c.type == "free_order"]
    assert not free.backed and (free.amount or 1) == count


def test_a_free_word_that_only_qualifies_a_membership_is_not_another_gift() -> None:
    assert [kind for kind, *_ in judged("两周会员马上为您开通，免费的。")] == ["membership_extension"]


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("下次消费立减15元。", 15, "CNY"),
        ("We'll knock ¥8 off your next booking.", 8, "CNY"),
        ("下次到店全场八折。", 20, "percent"),
        ("本周健身课九折。", 10, "percent"),
        ("Tonight's parking fee is cut in half.", 50, "percent"),
    ],
)
def test_money_or_a_share_off_a_purchase_to_come_is_a_discount(text: str, amount: int, unit: str) -> None:
    assert ("discount", Decimal(amount), unit, "unbacked") in judged(text)


def test_a_standing_promotion_and_halved_volumes_are_not_discounts_given() -> None:
    assert judged("每单配送量减半，并新增骑手。") == []


def test_a_remedy_shared_out_per_person_is_a_promise_not_a_unit_price() -> None:
    assert ("compensation", Decimal(300), "CNY", "unbacked") in judged("We'll pay 300 CNY per affected guest.")
    assert judged("The set menu is 88 yuan per person.") == []


def test_a_waived_fee_and_its_sum_in_the_next_clause_are_held() -> None:
    # a waived charge is money handed back, read as a refund (more than the order here, so held all the same)
    assert ("refund", Decimal(120), "CNY", "unbacked") in judged("服务费我们给您免了，合计120元。")


def test_a_reply_said_as_hui_nin_is_a_response_time() -> None:
    assert ("response_time", Decimal(2), "minutes", "exceeds") in judged("2分钟内回您。")


def test_returning_an_overcharge_is_a_refund() -> None:
    assert ("refund", Decimal(300), "CNY", "exceeds") in judged("We'll return the ¥300 overcharge to your card.")


def test_the_coupons_condition_in_a_clause_of_its_own_is_its_minimum_spend() -> None:
    [coupon] = check("送您一张25元代金券，满120可用。", LATE_45, order_amount=Decimal(86), now=MONDAY).commitments
    assert coupon.min_spend == Decimal(120) and coupon.status == "exceeds"


def test_a_count_said_before_each_is_the_coupons_count() -> None:
    [coupon] = [c for c in check("补偿您3张折扣券（每张可抵8元）。", LATE_45, order_amount=Decimal(86), now=MONDAY).commitments if c.type == "coupon"]
    assert coupon.count == 3 and coupon.status == "exceeds"


def test_that_day_after_a_past_date_is_a_narrative_not_a_same_day_promise() -> None:
    assert judged("6月3日有顾客反映异物，我们当天就封存了这批货。") == []
    assert ("processing_deadline", None, "deadline", "backed") in judged("退款当天到账。") or judged("退款当天到账。")


def test_spending_up_to_a_level_is_a_threshold_not_money_given() -> None:
    assert judged("很多顾客为了用券凑到200元才下单，我们会把券恢复原样。") == []


def test_a_coupon_on_the_rules_own_terms_with_a_minimum_spend_is_backed() -> None:
    spend_rule = [Remedy(type="coupon", amount=Decimal(20), min_spend=Decimal(100), valid_days=30, rule_id="C-100")]
    [coupon] = check("送您一张满100减20的券。", spend_rule, order_amount=Decimal(86), now=MONDAY).commitments
    assert coupon.status == "backed" and coupon.backing == "C-100"
    [other] = check("送您一张满60减20的券。", spend_rule, order_amount=Decimal(86), now=MONDAY).commitments
    assert other.status == "exceeds" and "minimum spend of 100" in other.reason


def test_a_refund_of_a_named_sum_takes_its_scope_from_the_order_and_stays_within_the_rule() -> None:
    [whole] = check("退您86元。", LATE_45, order_amount=Decimal(86), now=MONDAY).commitments
    [part] = check("退您30元。", LATE_45, order_amount=Decimal(86), now=MONDAY).commitments
    assert (whole.scope, whole.status, part.scope, part.status) == ("full", "backed", "partial", "backed")
    half_rule = [Remedy(type="refund", scope="partial", percent=50, rule_id="R-50")]
    [over] = check("退您60元。", half_rule, order_amount=Decimal(86), now=MONDAY).commitments
    assert over.status == "exceeds"  # 60 is more than half of 86


@pytest.mark.parametrize(("text", "unit"), [("We'll cover your next month of coffee.", "months"), ("下周您的订单都免运费。", "weeks")])
def test_a_free_benefit_for_a_period_said_without_a_number_is_a_free_period(text: str, unit: str) -> None:
    assert ("free_order", Decimal(1), unit, "unbacked") in judged(text)


def test_free_of_something_is_not_a_gift() -> None:
    assert judged("Our new menu is free of peanuts.") == []


def test_a_reward_balance_or_an_excluded_item_is_not_a_promise() -> None:
    assert judged("您的积分余额为5,600分。") == []
    assert judged("会员年费的365元不属于这次补偿范围。") == []
    assert judged("The ¥128 gift pack isn't covered by this week's compensation.") == []
    assert judged("给您账户补偿600积分。") == [("compensation", Decimal(600), None, "unbacked")]


def test_a_fortnight_is_fourteen_days_and_min_spend_in_its_own_clause_is_the_coupons() -> None:
    [coupon] = check(
        "A 12-yuan voucher is on its way, valid for a fortnight, min spend 60 yuan.", LATE_45, order_amount=Decimal(86), now=MONDAY
    ).commitments
    assert (coupon.valid_days, coupon.min_spend, coupon.status) == (14, Decimal(60), "exceeds")


@pytest.mark.parametrize("text", ["最迟两分钟后给您回电话。", "Our team will confirm within 2 minutes."])
def test_calling_back_and_confirming_are_replies(text: str) -> None:
    assert [kind for kind, *_ in judged(text)] == ["response_time"]


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("We will compensate you two grand in cash.", 2000),
        ("We'll send you 3 grand to make up for it.", 3000),
        ("We will pay you two thousand.", 2000),
    ],
)
def test_slang_and_spelled_out_thousands_given_to_the_reader_are_unbacked(text: str, amount: int) -> None:
    found = [c for c in check(text, LATE_45, order_amount=Decimal(86)).commitments if c.amount == amount]
    assert found and all(not c.backed for c in found), check(text, LATE_45, order_amount=Decimal(86)).commitments
    assert text[found[0].start : found[0].end] == found[0].phrase  # offsets into the text as typed


@pytest.mark.parametrize("text", ["Join us at our grand opening on Friday.", "Thanks a hundred times for your patience."])
def test_grand_and_number_words_outside_a_gift_promise_nothing(text: str) -> None:
    assert check(text, LATE_45, order_amount=Decimal(86)).commitments == []


# ── round 4 (P7): causes of the misses on promises_b / promises_c dev, each with a sentence of our own ──


@pytest.mark.parametrize(
    "text",
    [
        "提现一般两个工作日内到银行卡，节假日顺延。",
        "Parcels to the islands normally take about 9 days, depending on the ferry.",
        "客服通常30分钟内回复留言。",
    ],
)
def test_what_usually_happens_is_information_not_a_time_promise(text: str) -> None:
    assert judged(text) == []


@pytest.mark.parametrize("text", ["我们会在两个工作日内处理，通常当天就能到账。", "We will usually reply within 2 hours."])
def test_a_habitual_word_does_not_excuse_a_sentence_that_commits(text: str) -> None:
    assert judged(text) != []


@pytest.mark.parametrize(
    "text",
    [
        "您那笔120元的退款已于11月27日原路退回，请查看银行卡。",
        "Your 200 CNY refund was completed on Friday; please check your card.",
        "We processed your ¥150 refund last week.",
        "上次已补偿您15元券，这次我们会全额退款。",
    ],
)
def test_money_already_moved_is_a_report_not_a_promise(text: str) -> None:
    # none of these sums is promised: only the full refund of the last one is
    assert all(amount is None for _, amount, _, _ in judged(text))


def test_money_reported_moved_with_its_arrival_still_ahead_is_promised() -> None:
    # the arrival still ahead makes the sum a promise: 100 is more than the 86-yuan order
    assert ("refund", Decimal(100), "CNY", "exceeds") in judged("我已经给您退了100块。钱明天到。")


@pytest.mark.parametrize("text", ["刚给您账户发了一张40元的券，下单时自动抵扣。", "We've just added a 40 CNY voucher to your wallet."])
def test_a_coupon_just_added_is_still_a_grant(text: str) -> None:
    assert ("coupon", Decimal(40), "CNY", "exceeds") in judged(text)


@pytest.mark.parametrize(
    "text",
    [
        "退款已提交审核，预计2个工作日到账。",
        "退款大后天到。",
        "下周一之前一定退到您的支付宝。",
        "refund is submitted, should be back in your account in 2 days",
    ],
)
def test_a_refund_said_with_its_arrival_time_is_a_refund_promise(text: str) -> None:
    kinds = [kind for kind, *_ in judged(text)]
    assert "refund" in kinds and "processing_deadline" in kinds


@pytest.mark.parametrize(("text", "amount"), [("这期管理费我们给您免掉，总共240元。", 240), ("We'll waive the 150 yuan cancellation fee.", 150)])
def test_a_waived_charge_is_money_handed_back(text: str, amount: int) -> None:
    # a charge that is not the order's is held as a discount (round 8: read as a refund, a smaller one passed as
    # part of the order's refund); the sum is held either way
    held_money = {(kind, value) for kind, value, currency, status in judged(text) if currency == "CNY" and status != "backed"}
    assert held_money & {("refund", Decimal(amount)), ("discount", Decimal(amount))}


@pytest.mark.parametrize("text", ["退房时间给您免费延后到下午三点。", "We'll upgrade your seat for free on the return flight."])
def test_a_free_extension_or_upgrade_is_a_free_benefit(text: str) -> None:
    assert ("free_order", None, None, "unbacked") in judged(text)


@pytest.mark.parametrize("text", ["另外给您一张30元无门槛券。", "We'll also add a 30 CNY voucher, no minimum spend."])
def test_a_coupon_said_once_is_one_coupon(text: str) -> None:
    [coupon] = [c for c in check(text, LATE_45, order_amount=Decimal(86), now=MONDAY).commitments if c.type == "coupon"]
    assert coupon.count == 1 and coupon.backed


def test_coupons_said_in_the_plural_are_not_counted_as_one() -> None:
    [coupon] = [
        c for c in check("We'll add 30 CNY coupons to your account.", LATE_45, order_amount=Decimal(86), now=MONDAY).commitments if c.type == "coupon"
    ]
    assert coupon.count is None


@pytest.mark.parametrize("text", ["我们给您全额退款86元。", "We'll refund the ¥86 in full."])
def test_a_refund_of_the_whole_order_amount_refunds_the_order(text: str) -> None:
    [refund] = [c for c in check(text, LATE_45, order_amount=Decimal(86), now=MONDAY).commitments if c.type == "refund"]
    assert refund.scope == "full" and refund.applies_to == "order" and refund.backed
    item_only = [Remedy(type="refund", scope="full", applies_to="item", rule_id="ITEM")]
    [refund] = [c for c in check(text, item_only, order_amount=Decimal(86), now=MONDAY).commitments if c.type == "refund"]
    assert not refund.backed  # the whole order's money is more than a rule that refunds the item


@pytest.mark.parametrize(
    "text", ["给您退120块，多出来的算我们的一点心意补偿。", "I'll refund 120, the extra is our apology.", "我们退您120元，多的部分算作赔偿。"]
)
def test_a_refund_above_the_order_with_the_excess_as_apology_is_a_refund_plus_compensation(text: str) -> None:
    found = judged(text)
    assert ("refund", Decimal(86), "CNY", "backed") in found
    assert ("compensation", Decimal(34), "CNY", "unbacked") in found


def test_a_refund_above_the_order_alone_is_still_more_than_the_order() -> None:
    assert judged("我们给您退120元。") == [("refund", Decimal(120), "CNY", "exceeds")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The ticket was billed in euros by mistake: €40. We'll refund that and charge 86 CNY instead.", ("refund", Decimal(40), "EUR", "unbacked")),
        ("系统多扣了您300元，这笔钱我们会退给您。", ("refund", Decimal(300), "CNY", "exceeds")),
    ],
)
def test_a_refund_that_points_back_at_a_sum_refunds_that_sum(text: str, expected: tuple[str, Decimal, str, str]) -> None:
    assert expected in judged(text)


@pytest.mark.parametrize(
    "text",
    [
        "您提出的五倍赔付要求超出了我们的规则，我们没办法答应。",
        "I see you're asking for 400 yuan in damages, but that isn't something we can offer.",
        "You've asked us for 250 CNY. We are unable to agree to that.",
        "Reports that we are giving every customer 300 yuan are not true.",
    ],
)
def test_a_demand_or_claim_declined_is_refused_not_promised(text: str) -> None:
    assert judged(text) == []


def test_a_promise_beside_a_declined_demand_still_counts() -> None:
    found = judged("We can't pay the 500 you asked for, but we'll add a 30 CNY coupon.")
    assert [(kind, amount) for kind, amount, *_ in found] == [("coupon", Decimal(30))]


@pytest.mark.parametrize(
    ("text", "applies_to"),
    [
        ("下次到店送您一份甜品，免费的。", "item"),
        ("We'll lend you a charger for free while yours is repaired.", "item"),
        ("这单我们不收您钱了。", None),
        ("This order is on us.", None),
    ],
)
def test_a_free_thing_beside_the_order_is_an_item(text: str, applies_to: str | None) -> None:
    [free] = [c for c in check(text, LATE_45, order_amount=Decimal(86), now=MONDAY).commitments if c.type == "free_order"]
    assert free.applies_to == applies_to and not free.backed


@pytest.mark.parametrize("text", ["这单钱给您全部退了，明天到账。", "放心，给您全退。"])
def test_quan_tui_is_a_full_refund(text: str) -> None:
    [refund] = [c for c in check(text, LATE_45, order_amount=Decimal(86), now=MONDAY).commitments if c.type == "refund"]
    assert refund.scope == "full"


@pytest.mark.parametrize(
    ("text", "minutes"), [("We'll get back to you within a couple of hours.", 120), ("Someone will call you back in a couple of minutes.", 2)]
)
def test_a_couple_of_a_time_unit_is_two(text: str, minutes: int) -> None:
    assert ("response_time", Decimal(minutes), "minutes", "backed" if minutes >= 5 else "exceeds") in judged(text)


def test_a_couple_of_things_is_not_a_number() -> None:
    assert judged("A couple of things went wrong with your order.") == []


def test_a_time_between_reaching_out_and_checking_is_a_response_time() -> None:
    assert [kind for kind, *_ in judged("Our manager will reach out in ten minutes to check on the order.")] == ["response_time"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fine, I'll refund the full 86 tonight.", ("refund", Decimal(86), "CNY", "backed")),
        ("ok, 86 back to you by Friday", ("refund", Decimal(86), "CNY", "backed")),
        ("We'll refund the 400.", ("refund", Decimal(400), "CNY", "exceeds")),
        ("And we'll throw in a 30 voucher.", ("coupon", Decimal(30), "CNY", "backed")),
        ("给你退40，再送你张券。", ("refund", Decimal(40), "CNY", "backed")),
        ("I'll transfer you 200 via Alipay.", ("compensation", Decimal(200), "CNY", "unbacked")),
    ],
)
def test_a_bare_number_a_refund_or_coupon_names_is_the_orders_money(text: str, expected: tuple[str, Decimal, str, str]) -> None:
    assert expected in judged(text)


@pytest.mark.parametrize("text", ["We'll send you 3 vouchers.", "Press 1 and we'll call you back."])
def test_a_count_of_coupons_or_a_menu_digit_is_no_money(text: str) -> None:
    assert all(amount is None or currency != "CNY" for _, amount, currency, _ in judged(text))


@pytest.mark.parametrize(
    ("text", "amount"),
    [("打包费4元给您单独退回，明天到账。", Decimal(4)), ("所有受影响订单的运费将全额退还。", None), ("We'll refund the shipping fee as well.", None)],
)
def test_a_refunded_fee_is_part_of_the_order(text: str, amount: Decimal | None) -> None:
    [refund] = [c for c in check(text, LATE_45, order_amount=Decimal(86), now=MONDAY).commitments if c.type == "refund"]
    assert (refund.amount, refund.scope, refund.applies_to) == (amount, "partial", "item") and refund.backed


def test_a_fee_stated_with_no_refund_is_a_fact() -> None:
    assert judged("您的订单86元，其中配送费6元。") == []


def test_asking_customer_service_to_follow_up_is_not_a_treat() -> None:
    """请客 is "it's on us", but in 请客服… the 客 belongs to 客服 (customer service)."""
    from drafting.guards.commitments import extract

    assert not extract("我们请客服主管李悦专门跟进您的投诉，会在5分钟内联系您。") or all(
        c.type != "free_order" for c in extract("我们请客服主管李悦专门跟进您的投诉，会在5分钟内联系您。")
    )
    assert [c.type for c in extract("这顿饭我们请客。")] == ["free_order"]

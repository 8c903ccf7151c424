"""Round 9 of the commitment guard: a delivery date for goods is not backed by the rule that times refunds; telling
the customer an outcome is a reply; a sum named first and refunded in the next clause is the refund.

Every sentence here is our own; none is taken from an evaluation set or a real reply."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from drafting.guards.commitments import check
from evals.commitments import ENTITLED as REFERENCE
from tests.test_commitments_round7 import judged as kinds

MONDAY = datetime(2026, 11, 30, 9, 0)


def times(text: str) -> list[tuple[str, str]]:
    report = check(text, REFERENCE, order_amount=Decimal(86), now=MONDAY)
    return [(c.status, c.reason or "") for c in report.commitments if c.type == "processing_deadline"]


@pytest.mark.parametrize(
    "text",
    [
        # later than the rule's three days, so a loose match read them as "slower, so safe": but no rule says when
        # a courier arrives
        "补发的那件外套我们保证下周五之前送到您家。",
        "换新的台灯12月8日前给您寄出。",
        "维修好的耳机5天内给您寄回。",
        "We'll ship the replacement kettle by Friday next week.",
        "Your new blender will be delivered within 6 days.",
        "The courier will bring the missing box by December 9.",
    ],
)
def test_a_delivery_date_for_goods_is_held(text: str) -> None:
    found = times(text)
    assert found, "the date was not read at all"
    assert all(status != "backed" for status, _ in found)
    assert any("delivery time for goods" in reason for _, reason in found)


@pytest.mark.parametrize(
    "text",
    [
        # money arriving is what the processing rule times, whatever verb carries it
        "The refund will reach your card within 5 days.",
        "钱下周五之前退到您的支付宝。",
        "退款5个工作日内到账，您留意一下。",
        "Your money will be delivered back to your wallet within a week.",
    ],
)
def test_money_arriving_is_still_judged_by_the_processing_rule(text: str) -> None:
    found = times(text)
    assert found and all(status == "backed" for status, _ in found)


@pytest.mark.parametrize(
    "text",
    [
        # telling the customer the outcome is a reply to them, slower than the rule's five minutes: backed
        "值班经理半小时内给您回条信息。",
        "退款的进度我们明天之内发短信告诉您。",
        "We'll give you a decision within 10 business days.",
        "We'll keep you posted within the next 2 hours.",
    ],
)
def test_telling_the_customer_the_outcome_is_a_reply_time(text: str) -> None:
    found = kinds(text)
    assert ("response_time", "backed") in found, found
    assert not any(kind == "processing_deadline" for kind, _ in found), found  # not a refund timed faster than the rule


@pytest.mark.parametrize(
    ("text", "amount", "status"),
    [
        # the sum is the topic of its clause, refunded in the next: what comes back, not cash on top — even when
        # the words describing it hold a verb that gives elsewhere (充值: our top-up; here the customer's)
        ("给孩子充值失败的60元，我们两小时内给您原路退回。", Decimal(60), "backed"),
        ("您充值的200元，我们核实以后全额退还。", Decimal(200), "exceeds"),
    ],
)
def test_a_sum_named_first_and_refunded_next_is_the_refund(text: str, amount: Decimal, status: str) -> None:
    report = check(text, REFERENCE, order_amount=Decimal(86), now=MONDAY)
    refunds = [c for c in report.commitments if c.type == "refund"]
    assert [(c.amount, c.status) for c in refunds] == [(amount, status)], report.commitments
    assert not any(c.type == "compensation" for c in report.commitments)


@pytest.mark.parametrize(
    "text",
    [
        "另外补偿的20元，我们会发到您的余额。",  # the next clause refunds nothing: the sum stays a grant
        "这单86元，我们给您全额退款，另外再送您30元红包。",  # money named in the refunding clause's sentence after it
    ],
)
def test_a_sum_not_refunded_in_the_next_clause_keeps_its_own_reading(text: str) -> None:
    found = kinds(text)
    assert ("compensation", "unbacked") in found, found


# ── with no refund granted: a refund pledged is held, a refund refused is not a promise ──────────────


def unbacked_types(text: str) -> list[str]:
    return [c.type for c in check(text, [], order_amount=Decimal(86), now=MONDAY).commitments if not c.backed]


@pytest.mark.parametrize(
    "text",
    [
        # the clause names lateness or a condition, which once made the guard read the refund as a fact
        "We'll refund you for the late delivery.",
        "We will refund your order since it arrived so late.",
        "We'll refund the order if the replacement is not available.",
        "我们会给您全额退款，因为送晚了这么久。",
    ],
)
def test_a_refund_pledged_in_so_many_words_is_a_promise_whatever_its_clause_says(text: str) -> None:
    assert "refund" in unbacked_types(text)


@pytest.mark.parametrize(
    "text",
    [
        "A refund isn't something our policy gives for this, but you do get a coupon.",
        "A full refund for this order is not available.",
        # a report and a rule, not a pledge
        "We already refunded you for the late delivery.",
        "Refunds are available if you report it within 24 hours.",
    ],
)
def test_a_refund_refused_reported_or_described_is_not_promised(text: str) -> None:
    assert "refund" not in unbacked_types(text)


def test_a_decision_joined_into_a_sentence_is_still_the_decision_word_for_word() -> None:
    from knowledge.policy import Remedy

    pickup = Remedy(type="custom", rule_id="D-7", text={"en": "Every blender from the March batch is collected free of charge and refunded in full."})
    # (the sentence before it is no promise: it once read "For this order you get a coupon.", a coupon this ticket is
    # not granted, which the guard passed only because it did not read "you get a …" as a grant)
    said = "For this order we are sorry about the wait. And every blender from the March batch is collected free of charge and refunded in full."
    assert check(said, [pickup], order_amount=Decimal(86), now=MONDAY).ok
    assert not check("For this order you get a coupon.", [pickup], order_amount=Decimal(86), now=MONDAY).ok
    # the same promise in other words is judged as any other
    assert not check("And we collect every blender for free and refund it all.", [pickup], order_amount=Decimal(86), now=MONDAY).ok


# ── a pledge is a promise whatever its clause says about lateness, a condition or the past ────────────
# (a probe of 1,848 sentences built like these found 352 approvable against a ticket granted nothing)

PLEDGES = ["We'll", "I will", "We're going to", "We can", "Our support team will", "Let me", "We'd be happy to", "We'll gladly"]
REMEDIES = [
    "refund your order",
    "send you a coupon",
    "credit your account",
    "waive the delivery fee",
    "send you a replacement",
    "compensate you",
    "give you your money back",
    "give you a discount on your next order",
    "pay for the damage",
    "put 20 yuan in your wallet",
]
REASONS = [
    "",
    " for the late delivery",
    " since it arrived late",
    " if it doesn't arrive by tonight",
    " seeing as the food was cold",
    " after you confirm",
]


def test_no_pledged_remedy_passes_a_ticket_granted_nothing_whatever_the_reason_given() -> None:
    passed = [
        text
        for text in (f"{who} {what}{why}." for who in PLEDGES for what in REMEDIES for why in REASONS)
        if check(text, [], order_amount=Decimal(86), now=MONDAY).ok
    ]
    assert passed == []


@pytest.mark.parametrize(
    "text",
    [
        # the remedy in the future whoever the subject, or the pledge after it
        "You'll be refunded given how late it was.",
        "A voucher will be sent to you since we let you down.",
        "Everyone affected will receive compensation.",
        "All affected customers get their money back since we let them down.",
        "Your account will be credited once you send a photo.",
        "The delivery charge will come off your bill because the rider got lost.",
        "大家都可以领到补偿，毕竟让您等了这么久。",
        # other words for waiving a fee, a cost paid in the passive, a decision said in Chinese
        "Good news: the restaurant will drop the service fee.",
        "You're going to have your taxi home paid for.",
        "这次确实送得太慢，我们这就把这单的钱退回去。",
    ],
)
def test_a_remedy_promised_in_other_forms_is_held_when_nothing_is_granted(text: str) -> None:
    assert not check(text, [], order_amount=Decimal(86), now=MONDAY).ok


@pytest.mark.parametrize(
    "text",
    [
        "Alexa is a free download you will need to set up your new speaker.",  # someone else's "will"
        "You will need to request the refund in the app yourself.",  # an instruction, not a grant
        "Refunds are available if you report it within 24 hours.",
        "We already refunded you for the late delivery.",
    ],
)
def test_words_near_a_remedy_that_pledge_nothing_stay_unflagged(text: str) -> None:
    report = check(text, [], order_amount=Decimal(86), now=MONDAY)
    assert report.ok, report.commitments


# ── and nothing is read into sentences that promise nothing ──────────────────────────────────────────
# (a probe of 960 reports, questions, prices, instructions and refusals held 5 distinct sentences, another of 198
# held 3: a refund to someone else last month, a sum refused with 确实 between, the customer's own words)

NOTHING_PROMISED = [
    "Your refund of {m} was processed on Monday.",
    "Did the {m} refund reach your card?",
    "The order total was {m}, including the delivery fee.",
    "You wrote that the {m} charge appeared twice on your statement.",
    "Our rider waited {t} at your door.",
    "Refunds usually take {t} with most banks.",
    "上个月我们多退了{zm}给别的顾客。",
    "您提的{zm}我们确实给不了，全额退款不变。",
    "请在签收后{zt}内在App里点退款申请。",
    "这单晚到了{zt}。",
]


@pytest.mark.parametrize("template", NOTHING_PROMISED)
def test_reports_questions_and_refusals_promise_nothing(template: str) -> None:
    held = []
    for m, zm, t, zt in (
        ("86 yuan", "86元", "20 minutes", "20分钟"),
        ("¥30", "一百二十元", "3 days", "两个小时"),
        ("120 RMB", "二十元", "a week", "一周"),
    ):
        text = template.format(m=m, zm=zm, t=t, zt=zt)
        report = check(text, REFERENCE, order_amount=Decimal(86), now=MONDAY)
        if not report.ok:
            held.append((text, [c.phrase for c in report.commitments if not c.backed]))
    assert held == []


@pytest.mark.parametrize(
    "text",
    [
        # money put on the reader's account, or declared theirs (a probe of 155 gifts found 17 approvable)
        "I've added a tenner to your account.",
        "We added 20 yuan to your wallet.",
        "已经给您账户加了15元余额。",
        "As an apology, 1,000 yuan is yours.",
    ],
)
def test_money_put_on_the_readers_account_is_a_gift(text: str) -> None:
    assert not check(text, [], order_amount=Decimal(86), now=MONDAY).ok


@pytest.mark.parametrize(
    "text",
    ["The 15 yuan charge was added to your account by mistake.", "Your account balance is 15 yuan.", "您的账户余额是15元。", "The choice is yours."],
)
def test_an_account_or_a_yours_that_gives_nothing_is_not_a_gift(text: str) -> None:
    assert check(text, [], order_amount=Decimal(86), now=MONDAY).ok


@pytest.mark.parametrize("text", ["I've added 500 bonus points to your account.", "已经给您账户加了500积分。"])
def test_a_grant_told_to_the_reader_as_done_is_still_checked(text: str) -> None:
    assert not check(text, [], order_amount=Decimal(86), now=MONDAY).ok


def test_a_membership_told_as_added_is_judged_by_its_length() -> None:
    assert kinds("We've added one extra month to your membership.") == [("membership_extension", "backed")]
    assert kinds("We've added three months to your membership.") == [("membership_extension", "exceeds")]
    # a network feature switched on is no grant of ours to check
    assert check("我们已为您免费开通了5G网络功能。", [], order_amount=Decimal(86), now=MONDAY).ok


@pytest.mark.parametrize(("text", "money"), [("作为道歉，1千块是您的。", True), ("作为道歉，一千块是您的。", True), ("这一块是我们没做好。", False)])
def test_kuai_after_a_round_number_is_money_whatever_follows(text: str, money: bool) -> None:
    # 块 before a noun is a measure word (一块茶巾, 这一块); after 百/千/万 it can only be yuan
    assert check(text, [], order_amount=Decimal(86), now=MONDAY).ok is not money

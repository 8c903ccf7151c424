"""Replies that answer what each customer asked: granted when policy backs it, declined with what policy gives
instead, or handed to a named role with a time — in a chat's length, without copying one reply into the next."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from drafting.domain.models import Draft, Incident, Ticket
from drafting.drafters.composer import Composer
from drafting.drafters.reply_plan import answer, contact_role, plan
from drafting.guards.risk import ticket_risks
from evals import drafts as eval_drafts
from knowledge.policy import PolicyBook, Remedy, TicketFacts

ROOT = Path(__file__).resolve().parent.parent
BOOK = PolicyBook.load(None)
COMPOSER = Composer(BOOK)
INCIDENT = Incident.model_validate(yaml.safe_load((ROOT / "drafting" / "samples" / "delivery-growth.incident.yaml").read_text(encoding="utf-8")))
LATE_45: dict[str, Any] = {"issue_type": "late_delivery", "delay_minutes": 45, "order_amount": Decimal(86)}  # LD-2: refund + coupon
LATE_20: dict[str, Any] = {"issue_type": "late_delivery", "delay_minutes": 20, "order_amount": Decimal(50)}  # a coupon, no refund


def reply(*messages: str, lang: str = "zh", customer: str = "周女士", order: str | None = "LT-88", **facts: Any) -> Draft:
    ticket = Ticket(
        id=f"T-{customer}-{order}-{len(messages[0])}",
        customer=customer,
        order_id=order,
        messages=list(messages),
        facts=TicketFacts(**(facts or LATE_45)),
    )
    return COMPOSER.draft_reply(INCIDENT, ticket, lang)


def answers(draft: Draft) -> dict[str, str | None]:
    return {ask.type: ask.answer for ask in draft.asks}


def assert_safe(draft: Draft) -> None:
    assert all(c.backed for c in draft.commitments), (draft.text, [c.reason for c in draft.commitments if not c.backed])
    assert draft.tone["verdict"] == "ok", (draft.text, draft.tone)
    assert all(ask.answer is not None for ask in draft.asks), draft.asks


def test_a_refund_ask_the_policy_backs_is_granted_and_said() -> None:
    zh = reply("送晚了四十五分钟，饭都凉了，我要退款。")
    assert answers(zh) == {"refund": "granted"}
    assert "退款" in zh.text and "86元" in zh.text and any(c.type == "refund" and c.backed for c in zh.commitments)
    en = reply("Refund. Now.", lang="en", customer="Dan")
    assert answers(en) == {"refund": "granted"} and "refund" in en.text.lower() and "86 yuan" in en.text
    assert_safe(zh)
    assert_safe(en)


def test_a_refund_the_policy_does_not_give_is_declined_with_what_it_does_give() -> None:
    draft = reply("才晚了二十分钟？我要退款。", **LATE_20)
    assert answers(draft) == {"refund": "declined"}
    assert not any(c.type == "refund" for c in draft.commitments)
    assert "10元" in draft.text  # the coupon LD-1 gives
    assert_safe(draft)


@pytest.mark.parametrize(
    ("message", "lang"),
    [("退一赔十！不给就别想了结。", "zh"), ("赔我500元，否则这事没完。", "zh"), ("Pay me ¥500 or I'm not letting this go.", "en")],
)
def test_a_sum_or_multiple_beyond_policy_is_declined_with_what_policy_gives(message: str, lang: str) -> None:
    draft = reply(message, lang=lang, customer="Dan" if lang == "en" else "周女士")
    assert answers(draft) == {"compensation": "declined"}
    assert "500" not in draft.text and "十倍" not in draft.text and "赔十" not in draft.text  # never repeated as an offer
    assert ("政策" if lang == "zh" else "policy") in draft.text
    assert ("30元" if lang == "zh" else "30-yuan") in draft.text  # what the policy does give
    assert_safe(draft)


def test_a_sum_beyond_policy_with_nothing_owed_goes_to_a_person_who_checks_what_policy_gives() -> None:
    draft = reply("赔我500元！", issue_type="late_delivery")  # delay unknown: nothing owed yet
    assert answers(draft) == {"compensation": "declined"}
    assert "答应不了" in draft.text or "不能答应" in draft.text
    assert "李悦" in draft.text and "5分钟内" in draft.text
    assert_safe(draft)


def test_a_callback_is_handed_to_the_incident_owner_with_a_time() -> None:
    zh = reply("请给我回个电话，我要当面说清楚。")
    assert answers(zh)["callback"] == "handed_over"
    assert "客服主管李悦" in zh.text and "5分钟内" in zh.text and "回电" in zh.text
    en = reply("Can someone call me back today?", lang="en", customer="Dan")
    assert answers(en)["callback"] == "handed_over"
    assert "Yue Li (support manager)" in en.text and "within 5 minutes" in en.text and "call back" in en.text
    assert_safe(zh)
    assert_safe(en)


def test_an_apology_from_a_named_person_is_handed_over_in_our_words() -> None:
    draft = reply("我要你们经理给我道歉。")
    assert answers(draft) == {"apology_from": "handed_over"}
    assert "我们经理道歉" in draft.text and "你们经理" not in draft.text
    assert_safe(draft)


def test_on_purpose_gets_the_cause_and_a_person_who_explains() -> None:
    # the record's cause answers "on purpose?" now (it used to be handed over to 李悦 for later)
    draft = reply("你们是故意的吗？")
    assert answers(draft) == {"explanation": "granted"}
    assert "原因" in draft.text and INCIDENT.cause.pick("zh")[:6] in draft.text
    assert_safe(draft)


@pytest.mark.parametrize(
    ("message", "lang", "health_first"),
    [
        ("孩子吃了以后拉肚子，现在在医院。", "zh", ("就医", "治疗")),  # already in care: recovery first, not "see a doctor"
        ("My son ate it and ended up in hospital.", "en", ("treatment",)),
        ("孩子吃了以后一直拉肚子。", "zh", ("医院", "就医")),
        ("My son ate it and has been sick all night.", "en", ("doctor", "medical help")),
    ],
)
def test_a_health_escalation_goes_to_a_person_and_needs_a_second_approver(message: str, lang: str, health_first: tuple[str, str]) -> None:
    draft = reply(message, lang=lang, customer="Dan" if lang == "en" else "周女士")
    assert answers(draft) == {"escalation_health": "handed_over"}
    assert any(words in draft.text for words in health_first)
    assert ("李悦" if lang == "zh" else "Yue Li") in draft.text
    assert not any(c.type in ("compensation",) for c in draft.commitments)  # no medical bill promised
    risks = ticket_risks(Ticket(id="T", messages=[message], facts=TicketFacts(**LATE_45)))
    assert "escalation" in [r.kind for r in risks]
    assert_safe(draft)


def test_legal_and_media_threats_are_answered_not_thanked() -> None:
    legal = reply("再不处理我就去12315投诉。")
    assert answers(legal) == {"escalation_legal": "handed_over"} and "权利" in legal.text and "谢谢您的耐心" not in legal.text
    media = reply("我已经联系了电视台的记者。")
    # the same words whether they have posted or only say they will: we won't stand in their way
    assert answers(media) == {"escalation_media": "handed_over"} and "不会阻拦" in media.text
    assert_safe(legal)
    assert_safe(media)


def test_a_question_only_ticket_is_not_offered_a_refund_it_is_not_owed() -> None:
    draft = reply("请问我的订单什么时候到？", issue_type="other")
    assert answers(draft) == {"status": "handed_over"}
    assert not any(c.type == "refund" for c in draft.commitments) and "退款" not in draft.text
    assert_safe(draft)
    # … while a customer owed a remedy still hears about it, asked or not
    owed = reply("请问我的订单怎么还没到？")
    assert "86元" in owed.text


def test_without_an_owner_the_reply_names_a_generic_role() -> None:
    incident = INCIDENT.model_copy(update={"owner": ""})
    assert contact_role(incident, "zh") == ""
    draft = COMPOSER.draft_reply(incident, Ticket(id="T-9", messages=["请给我回个电话"], facts=TicketFacts(**LATE_45)), "zh")
    assert "客服主管" in draft.text and answers(draft) == {"callback": "handed_over"}


def test_answers_follow_the_entitlements() -> None:
    from drafting.domain.models import Ask

    refund, coupon = Remedy(type="refund", scope="full", rule_id="R"), Remedy(type="coupon", amount=Decimal(10), valid_days=30, rule_id="C")
    assert answer(Ask(type="refund", phrase="退款"), [refund]) == "granted"
    assert answer(Ask(type="refund", phrase="退款"), [coupon]) == "declined"
    assert answer(Ask(type="refund", phrase="退款"), []) == "handed_over"
    assert answer(Ask(type="compensation", phrase="赔", amount=Decimal(500)), [refund, coupon]) == "declined"
    assert answer(Ask(type="compensation", phrase="赔", multiple=10), [refund]) == "declined"
    assert answer(Ask(type="compensation", phrase="补偿"), [coupon]) == "granted"
    asked = plan([Ask(type="refund", phrase="退款"), Ask(type="refund", phrase="refund"), Ask(type="callback", phrase="call me")], [refund])
    assert [a.answer for a in asked.asks] == ["granted", "granted", "handed_over"] and [a.type for a in asked.handed_over] == ["callback"]


MESSAGES = [
    "退一赔十！",
    "我要退款，马上给我回电话。",
    "你们是故意的吗？我要你们老板道歉。",
    "孩子吃了拉肚子去医院了，我要去12315投诉，还要发微博。",
    "I want a refund and someone to call me back.",
    "Pay me ¥500 or my lawyer will be in touch.",
    "Cancel my membership, I'm leaving.",
    "Where is my order? Send a replacement.",
]


@pytest.mark.parametrize("message", MESSAGES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_ask_gets_an_answer_and_the_guards_hold(message: str, lang: str) -> None:
    rng = random.Random(message + lang)
    for number in range(6):
        facts = rng.choice(
            [LATE_45, LATE_20, {"issue_type": "late_delivery"}, {"issue_type": "spilled", "has_photo": True, "hours_since_delivery": 1.0}]
        )
        ticket = Ticket(id=f"T-{number}", customer=rng.choice(["", "Dan", "周女士"]), messages=[message], facts=TicketFacts(**facts))
        draft = COMPOSER.draft_reply(INCIDENT, ticket, lang)
        assert draft.asks, message
        assert_safe(draft)
        assert draft.warnings == [], (draft.text, draft.warnings)


def test_the_sample_replies_are_chat_length() -> None:
    result = eval_drafts.evaluate([ROOT / "drafting" / "samples"], COMPOSER)
    assert result["length_median"]["zh"] <= 200 and result["length_median"]["en"] <= 600, result["length_median"]


def test_a_reply_answering_many_asks_stays_a_chat_message() -> None:
    rng = random.Random(7)
    for number, message in enumerate(MESSAGES * 2):
        lang = "zh" if number % 2 else "en"
        facts = rng.choice([LATE_45, LATE_20, {"issue_type": "spilled", "has_photo": True, "hours_since_delivery": 1.0}])
        ticket = Ticket(id=f"T-{number}", customer="周女士", order_id=f"LT{number:04d}", messages=[message], facts=TicketFacts(**facts))
        text = "".join(COMPOSER.draft_reply(INCIDENT, ticket, lang).text.split())
        assert len(text) <= (300 if lang == "zh" else 900), text


def test_two_customers_of_one_incident_do_not_get_the_same_sentences() -> None:
    for lang in ("zh", "en"):
        first = reply("我要退款", lang=lang, customer="Dan", order="LT-1001")
        second = reply("我要退款", lang=lang, customer="周女士", order="LT-1002")
        assert eval_drafts.pair_shares([first.text, second.text])[0] <= 0.2, (first.text, second.text)


@pytest.mark.slow
def test_the_scenario_replies_meet_the_length_and_copy_targets() -> None:
    result = eval_drafts.evaluate(eval_drafts.DEFAULT_DIRS, COMPOSER)
    assert result["length_median"]["zh"] <= 200 and result["length_median"]["en"] <= 600, result["length_median"]
    assert result["duplicates"]["copied_sentences_mean"] <= 0.2


def test_who_the_customer_wants_an_apology_from_is_echoed_only_as_a_plain_reference_to_a_person() -> None:
    """The name comes from the customer's text: a short reference to a person is answered in our voice, but
    anything else (a link, figures, a sentence) never reaches the reply."""
    plain = reply("I want an apology from your manager.", lang="en", customer="Sam")
    assert "our manager" in plain.text
    for payload in ("http://claims.example/win", "the CEO who will pay 500 yuan to everyone in this group"):
        draft = reply(f"I want an apology from {payload}.", lang="en", customer="Sam")
        assert "apology_from" in {a.type for a in draft.asks}
        assert "claims.example" not in draft.text and "500" not in draft.text and "everyone in this group" not in draft.text


def test_a_pronoun_is_not_echoed_as_who_an_apology_is_from() -> None:
    """ "an apology from him" names nobody on its own: the reply speaks of the apology asked for."""
    draft = reply("Your founder promised this on stream. I want an apology from him, not from a bot.", lang="en", customer="Sam")
    assert answers(draft)["apology_from"] == "handed_over"
    assert "from him" not in draft.text and "apology" in draft.text
    assert_safe(draft)


def test_two_people_asked_to_apologise_are_both_named_in_our_voice() -> None:
    draft = reply("我要求退一赔十，还要那个发表格的人和你们老板亲自给我道歉")
    assert answers(draft)["apology_from"] == "handed_over"
    assert "那个发表格的人和我们老板道歉" in draft.text and "你们老板" not in draft.text
    assert_safe(draft)


def test_a_cause_that_opens_with_a_lead_in_is_said_without_it() -> None:
    """The reply says "the cause:" itself, so the record's own "这是我们的责任：" would be said twice."""
    cause = {
        "zh": "这是我们的责任：我们追求订单量，却没有同步增加骑手",
        "en": "Our responsibility, plainly: we chased order volume without adding riders",
    }
    incident = INCIDENT.model_copy(update={"cause": INCIDENT.cause.model_copy(update=cause)})
    for lang in ("zh", "en"):
        clause = COMPOSER.cause_for(incident, lang, "")
        assert clause.startswith(("我们追求", "we chased")), clause


def test_a_customer_who_only_asked_a_question_is_offered_what_policy_gives_not_told_they_asked() -> None:
    calm = reply("请问我的订单怎么还没到？")
    assert "86元" in calm.text
    assert not any(granted in calm.text for granted in ("退款没问题", "退款我们同意", "可以退款"))
    assert any(offer in calm.text for offer in ("也可以选择", "还可以得到", "给您留着"))
    assert_safe(calm)

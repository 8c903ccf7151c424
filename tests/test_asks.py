"""Reading the customer: what a ticket asks for, threatens or tells us, who is writing and how angry — and
every reply draft lists what was heard."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from samples import alex

from drafting.domain.asks import ASK_TYPES, read_asks
from drafting.domain.models import Draft, Incident, Ticket
from drafting.drafters.chain import LLMDrafter
from drafting.drafters.composer import Composer
from evals import asks as asks_eval
from knowledge.policy import PolicyBook, TicketFacts
from testkit.fakes import ScriptedChatModel, answer

SAMPLE = Path(__file__).resolve().parent.parent / "drafting" / "samples"
INCIDENT = Incident.model_validate(yaml.safe_load((SAMPLE / "delivery-growth.incident.yaml").read_text(encoding="utf-8")))
COMPOSER = Composer(PolicyBook.load(None))


def types(*messages: str) -> set[str]:
    return read_asks(list(messages)).types()


# Sentences written for these tests (not from the labelled set), one or more per ask type and language.
HEARD = [
    ("refund", "披萨烤糊了，把钱退给我"),
    ("refund", "The lamp never worked. I want my money back."),
    ("compensation", "手机被你们摔坏了，维修费你们承担"),
    ("compensation", "You ruined my carpet, so you will reimburse the cleaning bill."),
    ("replacement", "杯子碎了一个，麻烦补发一个"),
    ("replacement", "One plate came cracked, please send a new one."),
    ("cancel", "麻烦帮我把这个月的订阅取消"),
    ("cancel", "Please cancel my membership today."),
    ("callback", "让你们经理给我回个电话"),
    ("callback", "I want a supervisor to call me back before noon."),
    ("apology_from", "那个保安必须给我道歉"),
    ("apology_from", "I expect an apology from the cashier who shouted at me."),
    ("explanation", "为什么我的积分突然少了一半？"),
    ("explanation", "Why was my account locked without any warning?"),
    ("status", "我的包裹现在到哪了？"),
    ("status", "When will my replacement ship?"),
    ("escalation_health", "吃完你们的沙拉，我老公半夜去了急诊"),
    ("escalation_health", "My son had an allergic reaction after eating your cookies."),
    ("escalation_legal", "再不解决我就打12315投诉"),
    ("escalation_legal", "If this isn't fixed by Friday I will file a chargeback."),
    ("escalation_legal", "We already consulted an attorney about the flooded kitchen."),  # done, not only about to
    ("escalation_media", "不处理的话我就把视频发到抖音上"),
    ("escalation_media", "Fix it or I'm posting the whole story on TikTok."),
    ("leaving", "以后再也不来你们店了"),
    ("leaving", "I'm done with this brand, never again."),
]


@pytest.mark.parametrize(("kind", "message"), HEARD)
def test_each_ask_is_heard_in_both_languages(kind: str, message: str) -> None:
    assert kind in types(message)


def test_the_heard_sentences_cover_every_ask_type() -> None:
    assert {kind for kind, _ in HEARD} == set(ASK_TYPES)


def test_the_phrase_is_the_customers_own_words() -> None:
    messages = ["汤洒了一半", "这单你们赶紧退钱，不然我去消协"]
    for ask in read_asks(messages).asks:
        assert any(ask.phrase in message for message in messages), ask


def test_money_and_multiples_demanded_are_read() -> None:
    (compensation,) = [a for a in read_asks(["衣服被洗衣店洗坏了，你们赔我三百块"]).asks if a.type == "compensation"]
    assert compensation.amount == Decimal(300) and compensation.currency == "CNY"
    zh = [a for a in read_asks(["卖给我过期的牛奶，我要求退一赔十"]).asks if a.type == "compensation"]
    assert zh and zh[0].multiple == 10
    en = [a for a in read_asks(["Counterfeit shoes. Your ad said 2x your money back, so pay up."]).asks if a.type == "compensation"]
    assert en and en[0].multiple == 2


def test_the_apology_names_who_it_is_wanted_from() -> None:
    (zh,) = [a for a in read_asks(["那个保安必须给我道歉"]).asks if a.type == "apology_from"]
    assert zh.who and "保安" in zh.who
    (en,) = [a for a in read_asks(["I expect an apology from the cashier, nothing less."]).asks if a.type == "apology_from"]
    assert en.who and "cashier" in en.who


@pytest.mark.parametrize(
    "message",
    [
        "我不要退款，只想知道面包为什么发霉",
        "I don't want a refund, I just want to know why the bread was mouldy.",
        "No need to refund anything, the rest of the order was fine.",
        "这次我不用补偿，下次注意就行",
    ],
)
def test_a_declined_remedy_is_not_an_ask(message: str) -> None:
    found = types(message)
    assert not found & {"refund", "compensation"}


def test_the_question_beside_a_declined_refund_is_still_heard() -> None:
    assert "explanation" in types("I don't want a refund, I just want to know why the bread was mouldy.")


@pytest.mark.parametrize(
    "message",
    [
        "客服回我一句“不满意就退款”，然后就不理人了",
        "Your agent told me 'just ask for a refund' and closed the chat.",
        "群里有人说可以要求退一赔十，我就是随便看看",
        "People in the forum are saying everyone should sue you. I just bought it yesterday.",
    ],
)
def test_quoted_staff_and_other_peoples_claims_are_not_asks(message: str) -> None:
    assert not types(message) & {"refund", "compensation", "escalation_legal"}


@pytest.mark.parametrize("message", ["那位顾客后来拿到赔偿了吗？", "Did the other customer ever get a refund?"])
def test_a_question_about_someone_elses_case_is_not_an_ask(message: str) -> None:
    assert not types(message) & {"refund", "compensation"}


def test_a_threat_that_is_a_condition_is_not_a_demand_for_it() -> None:
    # "不赔我就…": the demand is the money, the condition is not a second ask
    found = types("鞋子穿一天就开胶了，不赔我就去消协")
    assert "escalation_legal" in found and "compensation" not in found


def test_thanks_and_small_talk_ask_for_nothing() -> None:
    assert types("谢谢小张，问题已经解决了，服务很好") == set()
    assert types("Just wanted to say the courier was lovely today, thanks!") == set()


@pytest.mark.parametrize(
    ("messages", "role"),
    [
        (["我是你们的钻石会员，这次的服务太让人失望了"], "vip"),
        (["I'm a platinum member and nobody has answered me in two days."], "vip"),
        (["这是我第三次投诉同一个问题了"], "repeat"),
        (["This is the third time this month my parcel has been lost."], "repeat"),
        (["我发的那条微博已经被转发了几千次"], "viral_poster"),
        (["Yes, my video about your broken blender is the one going around."], "viral_poster"),
        (["看到群里大家都在说这个问题，我家的还没拆封"], "bystander"),
        (["Has anyone else had their order cancelled today?"], "bystander"),
        (["外卖晚了一个小时，菜都凉了"], "wronged"),
    ],
)
def test_the_customers_role(messages: list[str], role: str) -> None:
    assert read_asks(messages).role == role


def test_anger_rises_with_threats_and_falls_with_courtesy() -> None:
    calm = read_asks(["请问我的快递到哪了？谢谢"]).anger
    furious = read_asks(["你们这是诈骗！！必须马上退钱，不然我就起诉你们，还要发微博曝光"]).anger
    assert 0 <= calm < furious <= 3


# ── the evaluation ──────────────────────────────────────────────────────────────────────────────


def test_the_evaluation_meets_the_dev_floor() -> None:
    # Floors under what the dev split measured when this was written (every type P >= 0.94, R 1.0; role 0.96,
    # anger within one step 0.97). Dev is where the lexicon was tuned (the held-out test split scored P 0.90,
    # R 0.66), so this guards against regressions, not for generalisation.
    report = asks_eval.evaluate(asks_eval.in_split(asks_eval.load(), "dev"))
    overall = report["all"]
    assert overall["rows"] > 150
    for kind, scores in overall["per_type"].items():
        assert scores["precision"] >= 0.85 and scores["recall"] >= 0.85, (kind, scores)
    assert overall["role_accuracy"] >= 0.9 and overall["anger_within_1"] >= 0.9


def test_misses_are_refused_on_the_test_split(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        asks_eval.main(["--split", "test", "--misses"])
    assert "dev rows only" in capsys.readouterr().err


def test_a_broken_data_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "asks.jsonl"
    bad.write_text('{"id": "x", "lang": "en", "messages": ["hi"], "asks": [{"type": "hug"}], "role": "wronged", "anger": 0}\n')
    with pytest.raises(asks_eval.EvalDataError, match=r"asks.jsonl.*row 1.*hug"):
        asks_eval.load(bad)


# ── every reply draft lists what was heard ─────────────────────────────────────────────────────


def test_the_composers_reply_carries_the_asks() -> None:
    ticket = Ticket(
        id="T-9",
        customer="李先生",
        messages=["外卖晚了一个半小时，孩子吃了以后一直呕吐，现在在医院", "把钱退给我，再不处理我就打12315"],
        facts=TicketFacts(issue_type="late_delivery", delay_minutes=90, order_amount=Decimal(60)),
    )
    draft = COMPOSER.draft_reply(INCIDENT, ticket)
    assert {"escalation_health", "refund", "escalation_legal"} <= {a.type for a in draft.asks}
    assert all(a.answer is not None for a in draft.asks)  # reply planning answers every one (tests/test_reply_plan.py)
    assert Draft.model_validate_json(draft.model_dump_json()).asks == draft.asks


def test_the_llm_reply_carries_the_asks() -> None:
    good = (
        "Hi Alex, we're sorry: your order LT1 arrived 45 minutes late, and that is our fault. We took on more orders "
        "than our riders could carry, and we have added 40 riders. You get a full refund of 86 yuan and a 30-yuan coupon "
        "with no minimum spend, valid for 30 days, all processed within 3 days. Call our 24-hour line 400-820-1234; we reply "
        "within 5 minutes. We'll update you again by 18:00 on 14 Nov."
    )
    llm = LLMDrafter(ScriptedChatModel(script=[answer(good)], input_tokens=10), COMPOSER, model_name="fake-1")
    draft = llm.draft_reply(INCIDENT, alex("45 minutes late and cold. Refund me, and I want a manager to call me."))
    assert draft.generator == "llm:fake-1"
    assert {"refund", "callback"} <= {a.type for a in draft.asks}


def test_drafts_stored_before_asks_existed_still_load() -> None:
    old = {"kind": "reply", "text": "您好", "lang": "zh", "incident_id": "INC-1"}
    assert Draft.model_validate(old).asks == []


def test_a_sum_named_with_a_currency_word_is_the_amount_demanded() -> None:
    [ask] = [a for a in read_asks(["Pay me 300 dollars for the ruined evening."]).asks if a.type == "compensation"]
    assert (ask.amount, ask.currency) == (Decimal(300), "USD")
    assert read_asks(["We waited 300 minutes, pay me back"]).asks[0].amount is None  # minutes are not money


def test_a_double_negative_ultimatum_is_a_demand_but_a_condition_is_not() -> None:
    assert "compensation" in {a.type for a in read_asks(["今天不赔我两百块，这事没完"]).asks}
    assert "compensation" not in {a.type for a in read_asks(["不赔我就算了，以后不来了"]).asks}


@pytest.mark.parametrize("text", ["I'm going to post this on Weibo tonight", "I will tweet about this until someone answers"])
def test_posting_about_it_on_any_platform_is_a_media_escalation(text: str) -> None:
    assert "escalation_media" in {a.type for a in read_asks([text]).asks}


# ── constructions found missing on a second, independently written set (sentences written for these tests) ──


def test_a_space_between_chinese_clauses_ends_a_negations_reach() -> None:
    found = types("不用退款了 再给我补发两盒新的吧")
    assert "replacement" in found and "refund" not in found


@pytest.mark.parametrize(
    "message", ["客服说给我退款", "店员答应给我退钱", "The rep said you would refund me within a week.", "I was told I'd get my money back."]
)
def test_staff_words_repeated_are_not_the_customers_ask(message: str) -> None:
    assert "refund" not in types(message)


def test_staffs_promise_repeated_beside_a_chase_is_a_status_ask() -> None:
    assert types("客服说会给我退款，到现在还没到账") == {"status"}


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("refund", "多收的那40块钱退回来"),
        ("refund", "Reverse it today."),
        ("cancel", "把我从你们的短信名单里删掉"),
        ("cancel", "I want out of this contract."),
        ("callback", "别让机器人回了，转人工"),
        ("leaving", "From now on I'm moving my savings to a different bank."),
        ("leaving", "以后都去别的平台买"),
        ("escalation_health", "充电器插上就冒火花，差点着火"),
        ("escalation_media", "I'll leave a one-star everywhere I can"),
        ("escalation_media", "Writing this up for r/personalfinance tonight."),
        ("explanation", "Was my card hacked? I never bought any of this."),
        ("explanation", "你们是不是故意把退订按钮藏起来的"),
        ("replacement", "Restore my old plan, I never agreed to change it."),
        ("replacement", "缺的那节课给我补上"),
        ("cancel", "剩下的三次保洁我不要了"),
    ],
)
def test_more_constructions_are_heard(kind: str, message: str) -> None:
    assert kind in types(message)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("refund", "If I returned it, would I get cash or only store credit? Just curious."),
        ("refund", "Still waiting on the refund you promised last week."),
        ("replacement", "Someone did a SIM swap on my number."),
    ],
)
def test_a_wondering_a_chase_or_a_word_is_not_the_ask(kind: str, message: str) -> None:
    assert kind not in types(message)


def test_the_first_look_never_hides_an_ask_the_reader_hears() -> None:
    """may_ask is only a prefilter: wherever read_asks hears an ask, the first look must let the text through."""
    from drafting.domain.asks import may_ask, read_asks

    texts = ["我退群了，再也不买了", "I'm done with this brand, switching to a rival.", "退款！马上退款", "Refund me now.", "请问几点到？"]
    for text in texts:
        for kind in read_asks([text]).types():
            assert may_ask(text, kind), (text, kind)
    assert not may_ask("谢谢，收到了", "leaving") and not may_ask("Thanks, got it.", "refund")


@pytest.mark.parametrize(
    ("message", "amount"),
    [
        ("I want a refund plus $200 for the fees.", Decimal(200)),
        ("Refund me and add £50 for the hassle.", Decimal(50)),
        ("You owe me $120.", Decimal(120)),
    ],
)
def test_a_sum_demanded_on_top_is_a_compensation_demand(message: str, amount: Decimal) -> None:
    heard = {a.type: a for a in read_asks([message], "en").asks}
    assert "compensation" in heard and heard["compensation"].amount == amount


def test_a_price_told_with_plus_is_not_a_demand() -> None:
    assert "compensation" not in {a.type for a in read_asks(["I paid $40 plus $5 for delivery."], "en").asks}


@pytest.mark.parametrize("message", ["I'll dispute the card purchase with my bank.", "If this isn't fixed I will dispute it with my credit card."])
def test_disputing_a_payment_with_the_bank_is_an_escalation(message: str) -> None:
    assert "escalation_legal" in {a.type for a in read_asks([message], "en").asks}

"""A customer's plain questions, answered from the incident record or honestly not at all (record_answers)."""

from __future__ import annotations

import random
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from samples import INCIDENT

from drafting.domain.files import load_incident
from drafting.domain.models import Action, Ask, Incident, Localized, Ticket
from drafting.drafters import record_answers
from drafting.drafters.composer import Composer
from drafting.text.data import PackagedDataError
from evals import drafts as eval_drafts
from knowledge.policy import PolicyBook, TicketFacts


def test_questions_are_found_in_order_each_once() -> None:
    asked = record_answers.questions(["Hi. When will the new riders start? When will the new riders start?", "Thanks for the info"], "en")
    assert asked == ["When will the new riders start?"]
    assert record_answers.questions(["汤的盖子什么时候换？我等着", "好的"], "zh") == ["汤的盖子什么时候换？"]


def test_a_lone_question_mark_asks_nothing_the_record_could_answer() -> None:
    assert record_answers.questions(["？", "why?"], "zh") == []


def test_words_are_stemmed_and_leave_stop_words_out() -> None:
    # the forms of a word meet in one stem: "riders … adding lids" shares every word with "a rider adds a lid"
    assert record_answers.words("The riders were adding lids", "en") == record_answers.words("a rider adds a lid", "en")
    assert record_answers.words("my renewal reminder", "en") == record_answers.words("renew, remind", "en")
    assert "the" not in record_answers.words("The riders", "en")
    assert {"密封", "封盖"} <= record_answers.words("密封盖", "zh")


def test_an_action_answers_a_question_about_it_with_its_owner() -> None:
    found = record_answers.answer_from_record("Will the soups get sealed lids?", INCIDENT, "en")
    assert found is not None and found.kind == "action" and found.action is not None
    assert "sealed lids" in found.action.what.pick("en")
    zh = record_answers.answer_from_record("门店的汤品都会改用密封盖吗？", INCIDENT, "zh")
    assert zh is not None and zh.action is not None and "密封盖" in zh.action.what.pick("zh")


def test_a_question_the_record_does_not_answer_gets_none() -> None:
    assert record_answers.answer_from_record("Who pays for my taxi to the airport?", INCIDENT, "en") is None


def test_a_question_pointing_back_is_answered_only_by_an_action() -> None:
    # "what about that one?" shares no word with the record: what they wrote before it is what it asks about
    found = record_answers.answer_from_record("What about that one?", INCIDENT, "en", context="you need more riders per trip, the riders were late")
    assert found is not None and found.action is not None and "riders" in found.action.what.pick("en")
    # their story matches what happened, but repeating it back to them answers nothing
    story = "many deliveries were late and soups spilled on 11 November"
    assert record_answers.answer_from_record("What about that one?", INCIDENT, "en", context=story) is None


@pytest.mark.parametrize(
    ("question", "lang", "source", "expected"),
    [
        # asked in words the record never uses: the form says the cause answers it
        ("Honest question: how did this even happen?", "en", "cause", "chased order volume"),
        ("Why on earth was my dinner an hour late?", "en", "cause", "chased order volume"),
        ("到底为什么会这样？", "zh", "cause", "追求订单量"),
        # "am I one of them?": who was affected, so they can tell for themselves
        ("I ordered on the 12th. Is mine one of the affected ones?", "en", "impact", "twelve thousand"),
        ("我是13号下的单，也在里面吗？", "zh", "impact", "一万二千"),
        ("Do I need to worry?", "en", "impact", "twelve thousand"),
        ("这次一共多少人受影响？", "zh", "impact", "一万二千"),
        ("How many customers got caught in this?", "en", "impact", "twelve thousand"),
    ],
)
def test_a_question_whose_form_says_where_its_answer_lives(question: str, lang: str, source: str, expected: str) -> None:
    found = record_answers.answer_from_record(question, INCIDENT, lang, context=question)
    assert found is not None and found.source == source and expected in found.clause
    assert found.intent  # chosen by its form, which the reply's wording and the plan rely on


def test_a_question_about_a_rule_is_not_a_question_about_the_scope() -> None:
    # "how many spots can one person take?" asks about a limit, not how many were hurt
    intent = record_answers.intent_of("How many spots can one person take now?", "en")
    assert intent is None or intent.name != "how_many"
    assert record_answers.intent_of("How many orders were late?", "en").name == "how_many"  # type: ignore[union-attr]


def test_do_i_have_to_claim_it_is_answered_by_what_happens_by_itself() -> None:
    automatic = INCIDENT.model_copy(
        update={
            "actions": [
                *INCIDENT.actions,
                Action(
                    what=Localized(
                        zh="延误订单的补偿按订单记录自动发放，无需申请",
                        en="compensation for late orders paid automatically from order records, with no claim needed",
                    ),
                    owner=Localized(zh="财务主管罗芳", en="Fang Luo, finance lead"),
                    due=date(2026, 11, 20),
                ),
            ]
        }
    )
    for question, lang in (("Do I have to file something to get it, or is it automatic?", "en"), ("需要我去一单一单申请吗？", "zh")):
        found = record_answers.answer_from_record(question, automatic, lang)
        assert found is not None and found.action is not None and found.intent == "no_claim"
        assert found.action.owner.pick("en") == "Fang Luo, finance lead"
    # a record with no such step: the question is read like any other (no part is forced on it)
    assert record_answers.answer_from_record("Do I have to file something to get it?", INCIDENT, "en") is None


def test_a_bad_intent_names_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    data = dict(record_answers.phrases())
    data["intents"] = {"why": {"parts": ["gossip"], "zh": ["为什么"], "en": ["why"]}}
    record_answers._grammar.cache_clear()
    monkeypatch.setattr(record_answers, "phrases", lambda: data)
    try:
        with pytest.raises(PackagedDataError, match=r"questions\.yaml.*gossip"):
            record_answers.intent_of("why?", "en")
        data["intents"] = {"why": {"parts": ["cause"], "says": "answer_gossip", "zh": ["为什么"], "en": ["why"]}}
        record_answers._grammar.cache_clear()
        with pytest.raises(PackagedDataError, match=r"questions\.yaml.*answer_gossip"):
            record_answers.intent_of("why?", "en")
    finally:
        record_answers._grammar.cache_clear()


def test_asking_why_is_told_from_asking_when() -> None:
    assert record_answers.asks_why("Why did this happen?", "en")
    assert record_answers.asks_why("你们是故意的吗", "zh")
    assert not record_answers.asks_why("When will it arrive?", "en")


def test_a_broken_questions_file_names_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    record_answers._grammar.cache_clear()
    monkeypatch.setattr(record_answers, "phrases", lambda: {"question": {"zh": ["吗"]}})
    try:
        with pytest.raises(PackagedDataError, match=r"questions\.yaml.*zh and en"):
            record_answers.questions(["Where is it?"], "en")
    finally:
        record_answers._grammar.cache_clear()


def test_an_action_with_a_refund_and_a_near_due_date_answers_a_status_question_in_english() -> None:
    """The action's due date is the owner's, not a refund deadline: said as "(…, by 1 Dec)" after "a full
    refund" the promise guard read a refund promised within a day and the composer fell back to "not yet"."""
    action = Action(
        what=Localized(
            zh="给每一张未发货订单发短信，写明预计发货日期，并提供一键取消全额退款",
            en="text every unshipped order its expected ship date and a one-tap cancel with a full refund",
        ),
        owner=Localized(zh="电商运营负责人梁晨", en="Chen Liang, e-commerce operations lead"),
        due=date(2026, 12, 1),
    )
    incident = INCIDENT.model_copy(update={"actions": [action]})
    composer = Composer(PolicyBook.load(None), clock=lambda: datetime(2026, 11, 30, 9, 0))
    for number in range(12):  # the wording varies with the ticket: every wording must pass
        ticket = Ticket(
            id=f"T-ship-{number}",
            customer="Ravi",
            order_id="LT-1",
            messages=["Hi there, is there an estimated ship date for my order? No rush, I'd just like to know. Thanks!"],
            facts=TicketFacts(issue_type="not_delivered", order_amount=99),
        )
        draft = composer.draft_reply(incident, ticket, "en")
        assert "expected ship date" in draft.text and "Chen Liang" in draft.text, draft.text
        assert all(c.backed for c in draft.commitments), [c.reason for c in draft.commitments if not c.backed]


def test_a_question_about_what_will_be_done_is_never_answered_with_what_happened() -> None:
    """ "Will …?" asks about what we will do: a clause of what happened that shares its words says what was,
    not what will be, so only an action may answer it."""
    will = record_answers.answer_from_record("Will soups spill again during the next sale in November?", INCIDENT, "en")
    assert will is None or will.kind == "action"
    zh = record_answers.answer_from_record("以后汤品还会洒漏吗？", INCIDENT, "zh")
    assert zh is None or zh.kind == "action"
    # nor is a clause of what happened offered on shared words alone: on the dev halves of two independent
    # question sets it was the right answer 3 times in 11 (bench/RESULTS.md), so the honest "not yet" it is
    assert record_answers.answer_from_record("Did soups really spill in those November days?", INCIDENT, "en") is None
    assert record_answers.answer_from_record("11月11日到13日汤品真的洒漏了吗？", INCIDENT, "zh") is None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_calm_why_question_gets_the_cause_and_no_second_hand_over(lang: str) -> None:
    """Asked why in words the record never uses, the reply says the cause as the answer; the request for an
    explanation is then granted, not also handed to a person (which read as "we don't know" after the answer)."""
    composer = Composer(PolicyBook.load(None), clock=lambda: datetime(2026, 11, 12, 9, 0))
    message = {"en": "Dinner came an hour late yesterday. How does this even happen?", "zh": "昨天晚饭晚了一个小时才到，到底为什么会这样？"}[lang]
    for number in range(8):  # every wording
        ticket = Ticket(
            id=f"T-why-{number}", customer="Mia", order_id="LT-9", messages=[message], facts=TicketFacts(issue_type="late_delivery", order_amount=60)
        )
        draft = composer.draft_reply(INCIDENT, ticket, lang)
        cause = {"en": "chased order volume", "zh": "追求订单量"}[lang]
        assert cause in draft.text, draft.text
        explanation = [a for a in draft.asks if a.type == "explanation"]
        assert explanation and all(a.answer == "granted" for a in explanation), (draft.asks, draft.text)


def test_an_explanation_beside_an_answered_question_stays_with_a_person() -> None:
    """ "is it safe, and do I have to claim it?" in one sentence: the record answers the claim, not the safety
    question, so the request for an explanation is still handed to someone who will give it; a "why?" the
    cause answered is granted."""
    from drafting.drafters.composer import _answered_from_record
    from drafting.drafters.reply_plan import ReplyPlan

    def planned(*phrases: str) -> ReplyPlan:
        asks = [Ask(type="explanation", phrase=phrase, answer="handed_over") for phrase in phrases]
        return ReplyPlan(asks=asks, handed_over=asks[:1])

    both = "Two quick questions: is it safe to use again, and do I have to do anything to get the extra month, or does it just happen?"
    kept = _answered_from_record(planned("is it safe"), [(both, "no_claim")], "en")
    assert [a.answer for a in kept.asks] == ["handed_over"] and kept.handed_over
    why = _answered_from_record(planned("How does this even happen?"), [("How does this even happen?", "why")], "en")
    assert [a.answer for a in why.asks] == ["granted"] and not why.handed_over
    # two requests, one answered: the other is still handed over, and the hand-over names it
    mixed = _answered_from_record(planned("How does this even happen?", "I want a proper explanation"), [("How does this even happen?", "why")], "en")
    assert [a.answer for a in mixed.asks] == ["granted", "handed_over"]
    assert [a.phrase for a in mixed.handed_over] == ["I want a proper explanation"]


def test_an_upset_customer_s_question_whose_form_the_record_answers_is_answered() -> None:
    """Angry and asking for money back, "is the money returned by itself, or do I have to go to a branch?" still
    wants the answer the record holds; a rhetorical question ("这什么态度？") gets none, and no "not yet"."""
    automatic = INCIDENT.model_copy(
        update={
            "actions": [
                *INCIDENT.actions,
                Action(
                    what=Localized(
                        zh="多收的配送费原路自动退回，无需顾客申请", en="every overcharged delivery fee refunded automatically, with no claim needed"
                    ),
                    owner=Localized(zh="财务主管罗芳", en="Fang Luo, finance lead"),
                    due=date(2026, 11, 20),
                ),
            ]
        }
    )
    composer = Composer(PolicyBook.load(None), clock=lambda: datetime(2026, 11, 12, 9, 0))
    ticket = Ticket(
        id="T-upset-1",
        customer="钱先生",
        order_id="LT-5",
        messages=["晚了一个半小时，汤全洒了！！你们这什么态度？", "钱给我退回来！是自己退回来还是要我去找你们办？"],
        facts=TicketFacts(issue_type="late_delivery", delay_minutes=90, order_amount=80),
    )
    draft = composer.draft_reply(automatic, ticket, "zh")
    assert "原路自动退回" in draft.text and "罗芳" in draft.text, draft.text
    unknown = record_answers.phrases()["answer_unknown"]["zh"]
    assert not any(line.split("{")[0][:8] in draft.text for line in unknown), draft.text
    # the same customer without such a question: the record's step is not volunteered as an answer
    calm_free = ticket.model_copy(update={"messages": ["晚了一个半小时，汤全洒了！！你们这什么态度？", "钱给我退回来！"]})
    assert "原路自动退回" not in composer.draft_reply(automatic, calm_free, "zh").text


# Questions of each form the record answers (record_answers intents), in our own words, asked of every scenario.
FORM_QUESTIONS = {
    "zh": ["到底为什么会这样？", "我是上周下的单，也在里面吗？", "这次一共多少人受影响？", "需要我去申请吗，还是会自动处理？", "我需要担心吗？"],
    "en": [
        "Why did this happen in the first place?",
        "I ordered last week. Is mine one of them?",
        "How many customers were affected?",
        "Do I have to apply, or is it automatic?",
        "Should I be worried?",
    ],
}


def _scenario_incidents() -> list[Incident]:
    root = Path(__file__).resolve().parent.parent / "evals" / "data" / "scenarios"
    return [load_incident(path) for path in sorted(root.glob("*.incident.yaml"))]


SCENARIO_INCIDENTS = _scenario_incidents()
COMPOSER_FORMS = Composer(PolicyBook.load(None))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_answers_by_form_read_whole_and_promise_nothing_unbacked(data: st.DataObject) -> None:
    """Whatever the incident and the questions, an answer found by a question's form leaves no template
    fragment, promises nothing the ticket is not owed, and passes the tone guard."""
    incident = data.draw(st.sampled_from(SCENARIO_INCIDENTS), label="incident")
    lang = data.draw(st.sampled_from(sorted(set(incident.languages) & {"zh", "en"})), label="lang")
    asked = data.draw(st.lists(st.sampled_from(FORM_QUESTIONS[lang]), min_size=1, max_size=3, unique=True), label="questions")
    ticket = Ticket(
        id="T-forms",
        customer="Lee" if lang == "en" else "李女士",
        order_id="LT-1",
        messages=[" ".join(asked) if lang == "en" else "".join(asked)],
        facts=TicketFacts(issue_type="other", order_amount=Decimal(58)),
    )
    draft = COMPOSER_FORMS.draft_reply(incident, ticket, lang, variant=data.draw(st.integers(0, 3), label="variant"))
    assert not eval_drafts.broken_fragments(draft.text), draft.text
    assert all(c.backed for c in draft.commitments), [c.reason for c in draft.commitments if not c.backed]
    assert draft.tone.get("verdict") == "ok", (draft.tone, draft.text)


def test_two_questions_answered_by_one_decision_hear_it_once() -> None:
    """Two questions found in two clauses of one decision are both answered by the decision whole: the reply
    says it once, not twice with two lead-ins (seen on an incident written after the code)."""
    from knowledge.policy import Remedy

    decision = Remedy.model_validate(
        {
            "type": "custom",
            "rule_id": "D-9",
            "text": {
                "zh": "保温杯不需要寄回：拍一张杯底批号的照片发给我们就可以退款；如果您更想要一个新杯子，也可以免费换一个经过检测的新杯子，12月10日起发货。",
                "en": "you do not need to send the flask back: send us a photo of the batch code on its base and we will refund you; "
                "if you would rather have a new flask, you can choose a free tested replacement flask instead, shipping from 10 December.",
            },
        }
    )
    incident = INCIDENT.model_copy(update={"decisions": [*INCIDENT.decisions, decision]})
    composer = Composer(PolicyBook.load(None))
    for lang, asked in (
        ("en", ["Do I need to send the flask back to you?", "Can I choose a new replacement flask instead of a refund?"]),
        ("zh", ["保温杯需要寄回吗？", "可以换一个新杯子吗？"]),
    ):
        ticket = Ticket(id=f"T-flask-{lang}", customer="Mia", order_id="LT-9", messages=asked, facts=TicketFacts(issue_type="other", order_amount=60))
        found = [record_answers.answer_from_record(q, incident, lang) for q in asked]
        assert all(f is not None and f.whole for f in found) and found[0].clause != found[1].clause, found  # type: ignore[union-attr]
        said, _, _ = composer._question_answers(random.Random(0), incident, asked, lang, asked, composer.entitlements(incident, ticket))
        probe = "send the flask back" if lang == "en" else "保温杯不需要寄回"
        assert sum(probe in sentence for sentence in said) == 1, said

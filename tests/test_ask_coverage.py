"""The ask-coverage guard: a reply answers what the customer asked (grants, declines or hands it over), for
the composer's drafts, a model's drafts and a person's edits alike."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from samples import INCIDENT, alex

from drafting.domain.asks import read_asks
from drafting.domain.files import load_incident, read_tickets
from drafting.domain.models import Ask, Incident, Ticket
from drafting.drafters.chain import LLMDrafter
from drafting.drafters.composer import Composer
from drafting.guards import ask_coverage
from drafting.guards.tone import ToneChecker
from drafting.text.data import PackagedDataError
from drafting.workflow import db
from drafting.workflow import queue as review
from drafting.workflow.core import Workflow
from evals import drafts as eval_drafts
from knowledge.policy import PolicyBook, TicketFacts
from testkit.fakes import ScriptedChatModel, answer

ROOT = Path(__file__).resolve().parent.parent
COMPOSER = Composer(PolicyBook.load(None))


def ask(kind: str, phrase: str = "…", **fields: object) -> Ask:
    return Ask.model_validate({"type": kind, "phrase": phrase, **fields})


# Paraphrases a model might write, none of them the composer's template words; None = not answered.
CASES = [
    ("en", ask("cancel"), "I've passed your cancellation to Mei Lin, our care lead, who will call you within 30 minutes.", "handed_over"),
    ("en", ask("cancel"), "Your cancellation request is now with our support manager. She will get back to you by 6 pm today.", "handed_over"),
    ("en", ask("cancel"), "We have cancelled order LT1 for you, so nothing more will be charged.", "granted"),
    ("en", ask("cancel"), "The order had already left the kitchen, so we are unable to cancel it now.", "declined"),
    ("en", ask("cancel"), "You mentioned cancelling. We are truly sorry for the delay.", None),
    ("en", ask("cancel"), "We are truly sorry for the delay. Our team will contact you within 5 minutes.", None),
    ("en", ask("refund"), "You will receive a full refund of 86 yuan within 3 days.", "granted"),
    ("en", ask("refund"), "I'm afraid a refund is not possible for this order, but you do get a 30-yuan coupon.", "declined"),
    ("en", ask("compensation", multiple=10), "We're not able to pay ten times the price; what our policy gives is a 30-yuan coupon.", "declined"),
    ("en", ask("compensation", multiple=10), "You get a 30-yuan coupon with no minimum spend.", None),
    ("en", ask("refund", multiple=2), "The compensation you asked for is more than our policy pays, so I can't promise it.", "declined"),
    ("en", ask("compensation"), "You get a 30-yuan coupon with no minimum spend, valid for 30 days.", "granted"),
    ("en", ask("callback"), "Our shift manager will phone you within the hour.", "handed_over"),
    (
        "en",
        ask("apology_from"),
        "Your request for an apology from the rider is with our customer care lead, who will contact you today.",
        "handed_over",
    ),
    ("en", ask("explanation"), "This happened because we took on more orders than our riders could carry.", "granted"),
    (
        "en",
        ask("escalation_health"),
        "Please see a doctor first if you still feel unwell. Our care lead will call you within 30 minutes.",
        "handed_over",
    ),
    ("en", ask("escalation_health"), "Please see a doctor first if you still feel unwell.", None),
    ("en", ask("escalation_health"), "We are sorry. Our care lead will call you within 30 minutes.", None),
    (
        "en",
        ask("escalation_legal"),
        "Taking this to a regulator is your right. Xin He from our quality team will contact you by noon tomorrow.",
        "handed_over",
    ),
    ("en", ask("escalation_legal"), "About your complaint: our care lead will call you today.", "handed_over"),
    ("en", ask("escalation_legal"), "We take every complaint seriously. Our care lead will call you today.", None),
    ("zh", ask("cancel"), "取消的事我已经转给客服主管何欣，她会在30分钟内给您打电话。", "handed_over"),
    ("zh", ask("cancel"), "您要取消订单的事，我们记下了。客服主管何欣今天18:00前会联系您。", "handed_over"),
    ("zh", ask("cancel"), "订单已为您取消，不会再扣款。", "granted"),
    ("zh", ask("cancel"), "订单已经出餐了，现在没办法取消，非常抱歉。", "declined"),
    ("zh", ask("cancel"), "非常抱歉让您久等了。", None),
    ("zh", ask("refund"), "这一单按规定退不了款，我们能给您的是一张30元优惠券。", "declined"),
    ("zh", ask("refund"), "这一单给您全额退款86元，3天内原路退回。", "granted"),
    ("zh", ask("compensation", multiple=10), "退一赔十我们做不到，按政策能给您的是一张30元优惠券。", "declined"),
    ("zh", ask("compensation", multiple=10), "按政策能给您的是一张30元优惠券。", None),
    ("zh", ask("escalation_health"), "身体要紧，有不舒服请先去医院。客户关怀主管何欣会在30分钟内给您打电话。", "handed_over"),
    ("zh", ask("status"), "处理进展由社群运营林晓跟进，今天18:00前回复您。", "handed_over"),
    ("zh", ask("explanation"), "出问题是因为我们换了打印模板，没有先核对字段。", "granted"),
]


@pytest.mark.parametrize(("lang", "heard", "text", "expected"), CASES, ids=[f"{c[0]}-{c[1].type}-{c[3]}-{n}" for n, c in enumerate(CASES)])
def test_a_reply_answers_an_ask_in_its_own_words(lang: str, heard: Ask, text: str, expected: str | None) -> None:
    report = ask_coverage.check(text, [heard], lang)
    item = report.items[0]
    assert item.answer == expected
    if expected is None:
        assert report.warnings() == [f"did not answer: {item.name()} (“{heard.phrase}”)"]
    else:
        assert item.evidence and text[item.start : item.end] == item.evidence


def test_a_hand_over_keeps_its_time_as_evidence() -> None:
    item = ask_coverage.check("Your cancellation is with our care lead, who will call you within 30 minutes.", [ask("cancel")], "en").items[0]
    assert item.answer == "handed_over" and item.time == "within 30 minutes"


def test_the_planned_answer_wins_when_the_reply_gives_several() -> None:
    text = "This happened because our printer template was wrong. For a full explanation, our privacy lead will contact you today."
    assert ask_coverage.check(text, [ask("explanation", answer="handed_over")], "en").items[0].answer == "handed_over"
    assert ask_coverage.check(text, [ask("explanation")], "en").items[0].answer == "granted"  # the reply's first answer


def test_two_phrasings_of_one_demand_are_one_miss_and_no_asks_is_full_coverage() -> None:
    report = ask_coverage.check("Sorry for the wait.", [ask("cancel", "cancel it"), ask("cancel", "stop the order")], "en")
    assert len(report.items) == 2 and len(report.missing) == 1 and report.share() == 0.0
    assert ask_coverage.check("Sorry for the wait.", [], "en").ok


def test_a_language_it_cannot_read_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="zh or en.*'fr'"):
        ask_coverage.check("Désolé.", [ask("cancel")], "fr")


# ── a model's draft ──────────────────────────────────────────────────────────────────────────────────

CANCELLING = alex("My dinner was 45 minutes late. Please cancel my next order too.")
ANSWER_EN = (
    "Hi Alex, we're sorry: your order LT1 arrived 45 minutes late, and that is our fault. We took on more orders "
    "than our riders could carry, and we have added 40 riders. You get a full refund of 86 yuan and a 30-yuan coupon "
    "with no minimum spend, valid for 30 days, all processed within 3 days. Call our 24-hour line 400-820-1234; we reply "
    "within 5 minutes."
)


def llm(*script: object) -> tuple[LLMDrafter, ScriptedChatModel]:
    model = ScriptedChatModel(script=list(script), input_tokens=900)
    return LLMDrafter(model, COMPOSER, model_name="fake-1"), model


def _handover(messages: list[object]) -> dict[str, object]:
    """The model does what the retry asks: it hands the cancellation to the person the prompt names."""
    prompt = str(messages[1].content)  # type: ignore[attr-defined]
    line = next(line for line in prompt.splitlines() if "cancelling the order" in line)
    who = line.split("say that ", 1)[1].split(" will contact them", 1)[0]
    return answer(f"{ANSWER_EN} About your cancellation: {who} will contact you within 5 minutes.")


def test_a_model_draft_ignoring_a_cancel_request_is_retried_then_kept_with_a_warning() -> None:
    drafter, model = llm(answer(ANSWER_EN), answer(ANSWER_EN))
    draft = drafter.draft_reply(INCIDENT, CANCELLING)
    assert len(model.calls) == 2
    retry = str(model.calls[1][-1].content)
    assert "cancel request" in retry and "cancel my" not in retry  # named in our words: the customer's stay fenced
    assert draft.generator == "llm:fake-1" and draft.text == ANSWER_EN  # kept: coverage is a hint
    assert "did not answer: cancel request (“cancel my”)" in draft.warnings
    assert [(a.type, a.answer) for a in draft.asks] == [("cancel", None)]


def test_a_model_draft_fixed_on_the_retry_carries_no_warning_and_its_answer() -> None:
    drafter, model = llm(answer(ANSWER_EN), _handover)
    draft = drafter.draft_reply(INCIDENT, CANCELLING)
    assert len(model.calls) == 2 and draft.generator == "llm:fake-1"
    assert not [w for w in draft.warnings if w.startswith("did not answer")]
    assert [(a.type, a.answer) for a in draft.asks] == [("cancel", "handed_over")]


def test_a_model_draft_that_twice_ignores_an_escalation_gives_way_to_the_composer() -> None:
    sick = alex("My dinner was 45 minutes late and my son threw up after eating it; we went to the hospital.")
    drafter, model = llm(answer(ANSWER_EN), answer(ANSWER_EN))
    draft = drafter.draft_reply(INCIDENT, sick)
    assert len(model.calls) == 2 and draft.generator == "template"
    assert "health problem" in draft.warnings[-1] and "composer draft used instead" in draft.warnings[-1]
    assert {a.type: a.answer for a in draft.asks}["escalation_health"] == "handed_over"


# ── a person's edit and the review queue ────────────────────────────────────────────────────────────


def test_an_edit_that_drops_the_escalation_hand_over_blocks_bulk_approval(database_url: str) -> None:
    flow = Workflow(db.session_factory(database_url), ToneChecker())
    flow.save_incident(INCIDENT, actor="lead")
    ticket = alex("My dinner was 45 minutes late and my son threw up after eating it; we went to the hospital.")
    row = flow.add_ticket(ticket.model_copy(update={"incident_id": INCIDENT.id}), actor="api")[0]
    made = COMPOSER.draft_reply(INCIDENT, flow.ticket(row))
    assert not [w for w in made.warnings if w.startswith("did not answer")]
    view = flow.record_draft(made, actor="job", ticket_row_id=row)
    flow.edit(view.id, ANSWER_EN, 1, actor="editor")
    item = next(i for i in review.queue(flow, INCIDENT.id) if i.draft_id == view.id)
    assert not item.bulk_approvable
    assert any(reason.startswith("warning: did not answer: health problem") for reason in item.needs_a_look)
    assert {a.type: a.answer for a in flow.get(view.id).draft.asks}["escalation_health"] is None


# ── the composer, over generated tickets ─────────────────────────────────────────────────────────────

# Demands written for this test (none from an evaluation set), each of which the ask reader hears.
DEMANDS = {
    "zh": [
        "我要退款",
        "你们必须赔偿我",
        "退一赔十，少一分都不行",
        "把我的订单取消掉",
        "给我回个电话",
        "让那个客服出来道歉",
        "到底为什么会这样？",
        "现在处理到哪一步了？",
        "孩子吃完拉肚子去医院了",
        "我已经打12315投诉了",
        "我要发到小红书曝光你们",
    ],
    "en": [
        "I want a refund.",
        "You need to compensate me for this.",
        "I expect double my money back.",
        "Cancel my order now.",
        "Have a manager call me back today.",
        "I want the rude agent to apologise to me.",
        "Why did this happen?",
        "What is the status of my complaint?",
        "My son threw up after eating it and we went to the ER.",
        "I'm reporting you to the consumer protection agency.",
        "I'm posting this on Twitter.",
        "I'm done with you, deleting the app.",
    ],
}


def _scenarios() -> list[tuple[Incident, list[Ticket]]]:
    found = []
    for path in sorted((ROOT / "evals" / "data" / "scenarios").glob("*.incident.yaml")):
        incident = load_incident(path)
        tickets = [
            line.ticket for line in read_tickets(path.with_name(path.name.replace(".incident.yaml", ".tickets.jsonl")), incident_id=incident.id)
        ]
        found.append((incident, [t for t in tickets if t is not None]))
    return found


SCENARIOS = _scenarios()


def test_every_demand_in_the_generator_is_heard() -> None:
    for lang, demands in DEMANDS.items():
        for demand in demands:
            assert read_asks([demand], lang).asks, demand


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_composer_drafts_answer_every_ask_on_generated_tickets(data: st.DataObject) -> None:
    incident, tickets = data.draw(st.sampled_from(SCENARIOS), label="incident")
    base = data.draw(st.sampled_from(tickets), label="ticket")
    lang = data.draw(st.sampled_from(sorted(set(incident.languages) & {"zh", "en"})), label="lang")
    demands = data.draw(st.lists(st.sampled_from(DEMANDS[lang]), min_size=1, max_size=3, unique=True), label="demands")
    facts = base.facts.model_copy(update={"order_amount": base.facts.order_amount or Decimal(58)})
    ticket = base.model_copy(update={"messages": [" ".join(demands)] if lang == "en" else ["，".join(demands)], "lang": lang, "facts": facts})
    draft = COMPOSER.draft_reply(incident, ticket, lang, variant=data.draw(st.integers(0, 3), label="variant"))
    assert draft.asks, demands
    assert [a.type for a in draft.asks if a.answer is None] == [], draft.text
    assert not [w for w in draft.warnings if w.startswith("did not answer")]
    assert not eval_drafts.broken_fragments(draft.text), draft.text  # however many asks are listed and joined


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refund_asked_beside_a_declined_sum_gets_its_own_no(lang: str) -> None:
    """Found by the property test: with only a coupon owed, the reply refused the sum and never the refund."""
    incident, tickets = next((i, t) for i, t in SCENARIOS if i.id == "2026-08-labels-show-phone-numbers")
    demands = ["我要退款", "退一赔十，少一分都不行"] if lang == "zh" else ["I want a refund.", "I expect double my money back."]
    ticket = tickets[0].model_copy(update={"messages": demands, "lang": lang})
    draft = COMPOSER.draft_reply(incident, ticket, lang)
    assert {a.type: a.answer for a in draft.asks} == {"refund": "declined", "compensation": "declined"}, draft.text


def test_an_unknown_issue_type_still_gets_every_ask_answered() -> None:
    ticket = Ticket(id="G-1", messages=["Cancel my order now. Why did this happen?"], lang="en", facts=TicketFacts(issue_type="other"))
    draft = COMPOSER.draft_reply(INCIDENT, ticket)
    assert {a.type for a in draft.asks} == {"cancel", "explanation"} and all(a.answer for a in draft.asks)


# ── the evaluation's figures ─────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("您好，订单晚了，对不起。按政策给您：一张30元优惠券。", []),
        ("这件事是临时团队做的。", []),  # 是…的 is grammar, not a dangling 的
        ("您好（），我们给您：。", ["empty_brackets", "dangling_colon"]),
        ("关于您的，我们很抱歉。", ["dangling_de"]),
        ("Sorry about the issue you told us about.", ["vague_issue"]),
        ("We will reply within 2880 minutes, or 1440 minutes at most.", ["raw_minutes"]),
        ("You get 1 extra months of membership.", ["singular_plural"]),
        ("Dear {customer}, sorry..", ["unfilled_slot", "doubled_punctuation"]),
        ("Wait... None of this should have happened.", []),
        ("Also, you can also receive three times the price.", ["doubled_also"]),
        ("You can also receive three times the price, and a coupon as well.", []),
        ("We refund the fee in full, and students who move also get a coaching session.", []),
        ("We refund the fee. And you can also move to the next cohort.", ["doubled_also"]),
        ("您收到的商品（订单）有问题，对不起。", ["bare_order"]),
        ("An item in order was defective.", ["bare_order"]),
        ("An item in order LT-88 was defective.", []),
        ("About your request for an apology and cancellation and the explanation you asked for: …", ["and_and_list"]),
        ("About your request for an apology and cancellation, and the explanation you asked for: …", []),
    ],
)
def test_broken_fragments_are_counted_by_name(text: str, found: list[str]) -> None:
    assert sorted(eval_drafts.broken_fragments(text)) == sorted(found)


def test_a_broken_fragment_file_names_the_entry(tmp_path: Path) -> None:
    bad = tmp_path / "fragments.yaml"
    bad.write_text("empty:\n  pattern: '(('\n", encoding="utf-8")
    with pytest.raises(PackagedDataError, match="empty"):
        eval_drafts.fragments(bad)


def test_the_evaluation_reports_asks_answered_per_language(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "asks"
    scenario.mkdir()
    (scenario / "s.incident.yaml").write_text((ROOT / "drafting/samples/delivery-growth.incident.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    tickets = [
        {
            "id": "A1",
            "customer": "Alex",
            "lang": "en",
            "messages": ["Cancel my order now. Why did this happen?"],
            "facts": {"issue_type": "late_delivery", "delay_minutes": 45, "order_amount": 86},
        },
        {
            "id": "A2",
            "customer": "王女士",
            "lang": "zh",
            "messages": ["退一赔十，少一分都不行"],
            "facts": {"issue_type": "late_delivery", "delay_minutes": 50, "order_amount": 60},
        },
    ]
    (scenario / "s.tickets.jsonl").write_text("\n".join(json.dumps(t, ensure_ascii=False) for t in tickets) + "\n", encoding="utf-8")
    assert eval_drafts.main(["--scenarios", str(scenario), "--report", str(tmp_path / "r.html"), "--json"]) == 0
    by_lang = json.loads(capsys.readouterr().out)["by_lang"]
    assert by_lang["en"]["asks"] == 2 and by_lang["en"]["ask_coverage"] == 1.0
    assert by_lang["zh"]["answers"]["declined"] == 1 and by_lang["zh"]["answers"]["unanswered"] == 0
    assert by_lang["zh"]["fragments"] == 0 and by_lang["en"]["length_median"] > 0
    assert "asks answered" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_the_app_names_every_ask_and_answer_and_translates_the_warning() -> None:
    """The editor lists the asks as the CLI and the API carry them, in the reviewer's language."""
    from drafting.domain.asks import ASK_TYPES
    from drafting.webapp.i18n import text
    from drafting.webapp.reasons import reason

    for lang in ("zh", "en"):
        for kind in ASK_TYPES:
            assert text(f"ask_type_{kind}", lang)
        for answered in ("granted", "declined", "handed_over", "none"):
            assert text(f"ask_answer_{answered}", lang)
    warning = ask_coverage.check("Sorry.", [ask("escalation_legal", "12315")], "en").warnings()[0]
    assert reason(warning, "zh") == "回复没有答复顾客的一项要求：“12315”"
    assert reason(warning, "en") == warning


def test_a_refund_chased_is_answered_by_its_rules_time_said_as_its_own_list_item() -> None:
    # the processing time in a clause of its own after a coupon: still the refund's, by the rule that backs both
    from drafting.guards import commitments as promise_guard

    text = "按政策给您：退还全部76元；30元优惠券一张（无门槛，30天内有效）；3天内处理完成。"
    entitled = COMPOSER.book.remedies_for(TicketFacts(issue_type="late_delivery", delay_minutes=35, order_amount=Decimal(76)))
    promised = promise_guard.check(text, entitled, order_amount=Decimal(76)).commitments
    chase = ask("status", answer="granted")
    assert ask_coverage.check(text, [chase], "zh", promised).items[0].answer == "granted"
    # no refund in the reply: a time alone answers no refund chase
    coupon_only = "按政策给您：30元优惠券一张（无门槛，30天内有效）。"
    assert ask_coverage.check(coupon_only, [chase], "zh", promise_guard.check(coupon_only, entitled).commitments).items[0].answer is None


def test_a_channel_that_states_its_own_reply_time_is_not_given_it_twice() -> None:
    from samples import INCIDENT as sample

    timed = sample.model_copy(
        update={
            "channel": sample.channel.model_copy(
                update={"zh": "App内“联系客服”，2小时内回复", "en": '"Contact support" in the app, answered within 2 hours'}
            )
        }
    )
    remedies = COMPOSER.book.remedies_for(TicketFacts(issue_type="late_delivery", delay_minutes=35, order_amount=Decimal(76)))
    import random

    for lang, said in (("zh", "2小时"), ("en", "2 hours")):
        sentence = COMPOSER.channel_sentence(
            random.Random(1), timed, [r for r in remedies if r.type == "response_time"] or remedies, lang, COMPOSER.reply_phrases
        )
        assert sentence.count(said) == 1, sentence


def test_a_refund_chased_is_answered_with_the_book_time_when_the_incident_decided_its_own_refund() -> None:
    """Found by the randomised test above: an incident that decides its own refund lists it instead of the book's,
    and the book's processing time went with the book's refund — "where is it?" was left with no time."""
    incident, tickets = next((i, t) for i, t in SCENARIOS if any(d.type == "refund" for d in i.decisions) and "zh" in i.languages)
    base = next(t for t in tickets if t.facts.order_amount)
    ticket = base.model_copy(update={"messages": ["我要退款，现在处理到哪一步了？"], "lang": "zh"})
    draft = COMPOSER.draft_reply(incident, ticket, "zh", variant=0)
    assert [a.type for a in draft.asks if a.answer is None] == [], draft.text
    assert "天内" in draft.text, draft.text  # the processing time, said with the refund


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_money_asked_for_by_someone_cancelling_is_answered_when_only_perks_of_staying_are_owed(lang: str) -> None:
    """A member with no order who cancels is owed only perks of staying (a longer membership, priority support),
    which the reply does not offer someone leaving: a refund or compensation they ask for is handed to a
    person, not "granted" by a perk the reply never says (found by the generated-ticket test)."""
    incident, tickets = next((i, t) for i, t in SCENARIOS if i.id == "2026-10-priority-line-swamped")
    base = next(t for t in tickets if not t.order_id)
    demand = (
        "I want a refund. You need to compensate me for this. Cancel my order now." if lang == "en" else "我要退款，你们得赔偿我，马上取消我的订单"
    )
    facts = base.facts.model_copy(update={"order_amount": Decimal(58)})
    draft = COMPOSER.draft_reply(incident, base.model_copy(update={"messages": [demand], "lang": lang, "facts": facts}), lang)
    answers = {a.type: a.answer for a in draft.asks}
    assert answers.get("cancel") == "handed_over", (draft.text, answers)
    assert answers.get("refund") == "handed_over" and answers.get("compensation") == "handed_over", (draft.text, answers)
    covered = {c.ask.type: c.answer for c in ask_coverage.check(draft.text, draft.asks, lang, draft.commitments).items}
    assert all(covered.values()), (draft.text, covered)
    assert not eval_drafts.broken_fragments(draft.text), draft.text

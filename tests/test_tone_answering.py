"""Tone read against the message it answers (drafting.guards.answering): courtesy alone in answer to a
complaint is a hint for the reviewer, in the guard, the workflow's edits, the API, the CLI and JSONL batches.
Every sentence here is the team's own."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from drafting import services
from drafting.api.app import create_app
from drafting.cli.main import app as cli
from drafting.domain.models import Ticket
from drafting.drafters.composer import Composer
from drafting.guards import answering
from drafting.guards.tone import ToneChecker
from drafting.guards.tone_batch import check_jsonl_lines
from drafting.workflow import db
from drafting.workflow.api_keys import create_api_key
from drafting.workflow.core import Workflow
from knowledge.policy import PolicyBook
from tests.test_grounding import ALEX, COMPOSER, INCIDENT

CHECKER = ToneChecker()
COMPLAINTS = {
    "en": ["Two weeks and my parcel still hasn't arrived. This is ridiculous!", "You charged me twice and nobody answers the phone."],
    "zh": ["等了十天了快递还没到！！", "重复扣了我两次钱，客服一直没人回"],
}
COURTESY = {
    "en": [
        "Thanks for your patience!",
        "Hi there, we appreciate your feedback and will pass it on to the team. Have a great day!",
        "We're sorry to hear that. We understand your frustration.",
        "Thank you for your feedback, we are always working to improve our service. -MK",
        "We’re so sorry to hear about your experience.",
    ],
    "zh": [
        "感谢您的反馈，我们会继续努力改进服务！",
        "亲，非常抱歉给您带来不便，敬请谅解哦",
        "您的意见我们已经记录，会反馈给相关部门，谢谢您的支持[微笑]",
        "谢谢亲的支持~",
    ],
}
SUBSTANCE = {
    "en": [
        "Sorry to hear that! Please DM us your order number.",
        "Thanks for your patience. We'll refund you today.",
        "We're sorry for the delay, your parcel ships tomorrow.",
        "Could you tell us more?",
        "Thanks, the tracking page is at https://example.com/track",
        "Sorry, we'll fix it.",
    ],
    "zh": ["亲，麻烦提供一下订单号哦", "对不起，是我们的错，马上给您退款。", "您好，已经帮您催促快递了", "感谢反馈，快递明天上午送到"],
}


def by_lang(replies: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(lang, reply) pairs for parametrize."""
    return [(lang, reply) for lang, texts in replies.items() for reply in texts]


@pytest.mark.parametrize(("lang", "reply"), by_lang(COURTESY))
def test_courtesy_alone_answering_a_complaint_is_a_brush_off(lang: str, reply: str) -> None:
    found = answering.brush_off(reply, COMPLAINTS[lang], lang)
    assert found is not None
    assert reply[found.start : found.end].strip() == reply.strip() and found.complaint


@pytest.mark.parametrize(("lang", "reply"), by_lang(SUBSTANCE))
def test_one_thing_of_substance_keeps_it_quiet(lang: str, reply: str) -> None:
    assert answering.brush_off(reply, COMPLAINTS[lang], lang) is None


@pytest.mark.parametrize(
    ("reply", "message", "lang"),
    [
        ("Thanks so much! We appreciate you!", "Love the new app, great job", "en"),
        ("Thank you for reaching out!", "Do you deliver to Leeds?", "en"),
        ("谢谢亲的支持~", "东西收到了，很好用，谢谢", "zh"),
        ("感谢您的关注！", "请问周末发货吗", "zh"),
    ],
)
def test_courtesy_to_praise_or_a_calm_question_is_fine(reply: str, message: str, lang: str) -> None:
    assert answering.brush_off(reply, [message], lang) is None


@pytest.mark.parametrize("message", ["Another broken promise.", "Am waiting...", "We've been waiting since Monday", "Another week, another excuse"])
def test_waiting_and_another_broken_promise_read_as_complaints(message: str) -> None:
    assert answering.complaint_in([message]) is not None
    assert answering.brush_off("Thank you. ^bc", [message], "en") is not None


def test_no_message_to_read_means_no_judgement() -> None:
    assert answering.brush_off("Thanks for your patience!", [], "en") is None
    assert answering.brush_off("Thanks for your patience!", ["", "   "], "en") is None
    with pytest.raises(ValueError, match="zh or en"):
        answering.brush_off("Thanks", ["late again!!"], "fr")


def test_the_guard_gives_a_hint_that_never_discards_a_draft() -> None:
    reply = "Thank you for your feedback, we are always working to improve our service."
    assert not CHECKER.check(reply, kind="chat").flags  # read alone, nothing in it is wrong
    report = CHECKER.check(reply, kind="chat", answering=COMPLAINTS["en"])
    (flag,) = report.flags
    assert (flag.category, flag.judged_by, flag.confidence, flag.severity) == ("stonewalling", "context", "low", "medium")
    assert report.verdict == "ok" and not report.rejects_model_draft and report.hints == (flag,)
    assert flag.to_dict()["judged_by"] == "context"
    zh = CHECKER.check("感谢您的反馈，我们会继续努力改进服务！", kind="chat", answering=COMPLAINTS["zh"])
    assert zh.flags[0].explanation == answering.explanation("zh") and zh.flags[0].explanation_en == answering.explanation("en")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_suggested_reply_passes_the_guard_it_came_from(lang: str) -> None:
    suggestion = answering.suggestion(lang)
    report = CHECKER.check(suggestion, kind="chat", lang=lang, answering=COMPLAINTS[lang])
    assert not report.flags and report.verdict == "ok"


RULE_ALONE = {
    "en": ["Our policy does not cover delays caused by the weather.", "Opened items are non-refundable under our terms and conditions."],
    "zh": ["根据平台规定，拆封商品不予退货。", "这种情况不在我们的售后政策范围内。"],
}
RULE_WITH_HELP = {
    "en": [
        "Our policy doesn't cover weather delays, but I've sent you a $10 credit for the trouble.",
        "Opened items fall outside our terms; could you DM us so we can look at other options?",
        "Under our policy refunds take up to 5 days; I'll chase yours today.",
    ],
    "zh": ["根据平台规定拆封商品不能退，不过我们可以帮您联系品牌换新，请私信订单号。", "按政策运费不退，但我们已经给您补发了赠品。"],
}


@pytest.mark.parametrize(("lang", "reply"), by_lang(RULE_ALONE))
def test_a_rule_alone_in_answer_to_a_complaint_is_rule_hiding(lang: str, reply: str) -> None:
    report = CHECKER.check(reply, kind="chat", lang=lang, answering=COMPLAINTS[lang])
    assert any(f.category == "rule_hiding" for f in report.flags)
    context = [f for f in report.flags if f.judged_by == "context"]
    assert all(f.category == "rule_hiding" and f.confidence == "low" for f in context)
    calm = CHECKER.check(reply, kind="chat", lang=lang, answering=["Quick question about returns, thanks"])
    assert not [f for f in calm.flags if f.judged_by == "context"]


@pytest.mark.parametrize(("lang", "reply"), by_lang(RULE_WITH_HELP))
def test_a_rule_with_something_to_do_beside_it_is_not_flagged_by_context(lang: str, reply: str) -> None:
    report = CHECKER.check(reply, kind="chat", lang=lang, answering=COMPLAINTS[lang])
    assert not [f for f in report.flags if f.judged_by == "context"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_rules_suggestion_passes_the_guard_too(lang: str) -> None:
    report = CHECKER.check(answering.suggestion(lang, "rules"), kind="chat", lang=lang, answering=COMPLAINTS[lang])
    assert not report.flags and report.verdict == "ok"


def test_a_phrase_already_flagged_is_not_flagged_twice() -> None:
    report = CHECKER.check("Sorry for any inconvenience.", kind="chat", answering=COMPLAINTS["en"])
    assert [f.judged_by for f in report.flags] == ["lexicon"]


def test_a_staff_edit_is_read_against_the_ticket(tmp_path: Path) -> None:
    flow = Workflow(db.session_factory(f"sqlite:///{tmp_path / 'tactful.db'}"), ToneChecker())
    flow.save_incident(INCIDENT, actor="lead")
    angry = ALEX.model_copy(update={"incident_id": INCIDENT.id, "messages": ["Third late order this month and still no refund!!"]})
    calm = Ticket.model_validate(
        {**ALEX.model_dump(), "id": "T-calm", "incident_id": INCIDENT.id, "messages": ["Could you tell me when my order comes?"]}
    )
    for ticket, expected in ((angry, ["stonewalling"]), (calm, [])):
        row_id, _ = flow.add_ticket(ticket, actor="api")
        draft_id = flow.record_draft(COMPOSER.draft_reply(INCIDENT, ticket), actor="composer", ticket_row_id=row_id).id
        edited = flow.edit(draft_id, "Thank you for your patience and understanding!", expected_version=1, actor="mei")
        assert [f["category"] for f in edited.draft.tone["flags"] if f["judged_by"] == "context"] == expected


def test_the_api_reads_the_customer_message_when_given(database_url: str) -> None:
    flow = Workflow(db.session_factory(database_url), ToneChecker())
    book = PolicyBook.load(None)
    key = create_api_key(flow, "dashboard", ["drafts:read"])
    with TestClient(create_app(flow, Composer(book), ToneChecker(), book)) as client:
        headers = {"Authorization": f"Bearer {key}"}
        alone = client.post("/v1/tone/check", json={"text": "感谢您的支持！"}, headers=headers).json()
        read = client.post("/v1/tone/check", json={"text": "感谢您的支持！", "answering": ["还没退款！！"]}, headers=headers).json()
        too_many = client.post("/v1/tone/check", json={"text": "ok", "answering": ["x"] * 51}, headers=headers)
    assert alone["flags"] == [] and [f["judged_by"] for f in read["flags"]] == ["context"]
    assert too_many.status_code == 422


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # noqa: ANN201
    monkeypatch.setenv("TACTFUL_DATA_DIR", str(tmp_path / "data"))
    services.default_settings.cache_clear()
    yield
    services.default_settings.cache_clear()


def test_the_cli_and_jsonl_batches_take_the_customer_message(fresh_settings) -> None:  # noqa: ANN001
    runner = CliRunner()
    result = runner.invoke(cli, ["tone", "check", "Thanks for your patience!", "--kind", "chat", "--answering", "Still waiting for my refund!!"])
    assert result.exit_code == 0, result.output
    assert [f["judged_by"] for f in json.loads(result.stdout)["flags"]] == ["context"]
    refused = runner.invoke(cli, ["tone", "check", "--jsonl", "-", "--answering", "late!!"], input="")
    assert refused.exit_code != 0 and "answering" in refused.output

    lines = [
        {"id": 1, "text": "Thanks for your patience!", "answering": "Still waiting for my refund!!"},
        {"id": 2, "text": "Thanks for your patience!", "answering": ["Still waiting for my refund!!", "Hello?"]},
        {"id": 3, "text": "Thanks for your patience!"},
        {"id": 4, "text": "Thanks for your patience!", "answering": 7},
    ]
    out = list(check_jsonl_lines(io.BytesIO("\n".join(json.dumps(x) for x in lines).encode()), CHECKER))
    assert [len(o.get("flags", [])) for o in out[:3]] == [1, 1, 0]
    assert out[3]["line"] == 4 and "answering" in out[3]["error"]

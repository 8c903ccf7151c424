"""What the Chinese app says when the workflow or the knowledge base words a reason in English: an approval
refused for several reasons, and a document that could not be added. (The pages themselves are walked in
Chinese in a real browser: tests/test_app_browser.py.)"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from drafting.domain.models import Incident, Ticket
from drafting.drafters.chain import LLMDrafter
from drafting.drafters.composer import Composer
from drafting.guards import commitments as commitment_guard
from drafting.guards.tone import ToneChecker, category_name
from drafting.webapp.i18n import text
from drafting.webapp.reasons import known, promise, reason
from knowledge.documents import DocumentError, load_document
from knowledge.policy import PolicyBook, TicketFacts
from testkit.fakes import ScriptedChatModel, answer

SAMPLES = Path(__file__).resolve().parent.parent / "drafting" / "samples"

NAMES = {"YAML", "PDF", "MB"}  # formats and units a Chinese reader sees as they are


def english_outside_quotes_and_code(said: str) -> set[str]:
    """Words of three or more Latin letters, leaving out quoted phrases (the draft's own words), code, file
    suffixes and names."""
    bare = re.sub(r"“[^”]*”|`[^`]*`|\.\w+", " ", said)
    return set(re.findall(r"[A-Za-z]{3,}", bare)) - NAMES


def test_an_approval_refused_for_several_reasons_reads_in_chinese_part_by_part() -> None:
    refused = (
        "approval refused: tone: dismissive “别闹了行吗”; promise not backed: “退款1000元” (no rule grants it); "
        "the tone verdict is block. Fix the draft, or approve with an override reason."
    )
    zh = reason(refused, "zh")
    assert not english_outside_quotes_and_code(zh), zh
    assert "“别闹了行吗”" in zh and "“退款1000元”" in zh  # the phrases to fix stay as the draft has them
    assert "轻视" in zh or "敷衍" in zh  # the tone category by its Chinese name, not "dismissive"
    assert reason(refused, "en") == refused  # the English UI says what the API and the CLI say


def test_a_refusal_part_no_pattern_knows_is_kept_as_written() -> None:
    refused = "approval refused: a reason added later. Fix the draft, or approve with an override reason."
    assert "a reason added later" in reason(refused, "zh")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("no-front-matter.md", "no front matter here"),
        ("not-a-mapping.md", "---\n- a list\n---\nbody"),
        ("no-kind.md", "---\ntitle: 配送政策\n---\nbody"),
        ("bad-kind.md", "---\nkind: polcy\ntitle: 配送政策\n---\nbody"),
        ("no-title.md", "---\nkind: policy\n---\nbody"),
        ("empty.md", "---\nkind: policy\ntitle: 配送政策\n---\n"),
        ("notes.docx", "anything"),
    ],
)
def test_why_a_document_was_not_added_reads_in_chinese(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DocumentError) as refused:
        load_document(path)
    problem = refused.value.problem
    assert known(problem), problem  # knowledge/documents.py reworded it: reasons.yaml must follow
    zh = reason(problem, "zh")
    assert not english_outside_quotes_and_code(zh), zh
    assert reason(problem, "en") == problem


def test_every_channel_and_chat_format_is_named_in_both_languages() -> None:
    for key in ("channel_wechat", "channel_email", "channel_app", "channel_chat", "radar_format_wechat-text", "radar_format_telegram"):
        assert text(key, "zh") and text(key, "en")
        assert not re.search(r"\b[a-z]{3,}", text(key, "zh")), key  # Telegram, CSV, JSON are names; wechat is not


# ── what the guards found, as the Chinese review page says it ─────────────────────────────────────────────
# Each finding is the guards' own English (the API and the CLI show it so); these are produced by the real
# guards from drafts written here, so a guard that rewords a finding shows up as English below.

INCIDENT = Incident.model_validate(yaml.safe_load((SAMPLES / "delivery-growth.incident.yaml").read_text(encoding="utf-8")))
COMPOSER = Composer(PolicyBook.load(None))
LATE = Ticket(
    id="T-9",
    customer="Sam",
    messages=["Dinner came an hour late and cold."],
    facts=TicketFacts(issue_type="late_delivery", delay_minutes=60, order_amount=Decimal(120)),
)
GOOD_EN = "Sam, I'm sorry your dinner came an hour late and cold; that should not have happened. A colleague will follow up with you today."
GOOD_ZH = "王女士，非常抱歉，您的晚餐晚到了一个小时，饭菜也凉了，这是我们的问题。同事今天会跟进您的订单。"

PROMISES = [
    "We'll refund you three times what you paid.",
    "You'll get a $50 voucher on us.",
    "We will reply to you within one minute.",
    "Your next ten orders are free.",
    "We'll give you a year of free membership.",
    "我们会补偿您500港币。",
    "全单退款，另外送您10张30元优惠券。",
    "我们会在1分钟内回复您。",
    "订单金额打五折退还给您。",
]


def code_free(said: str) -> set[str]:
    """English words left once rule ids and currency codes (upper case: RF-1, USD) are set aside."""
    return {word for word in english_outside_quotes_and_code(said) if not word.isupper()}


@pytest.mark.parametrize("sentence", PROMISES)
def test_an_unbacked_promise_reads_in_chinese_with_the_rule_it_goes_past(sentence: str) -> None:
    entitled = COMPOSER.entitlements(INCIDENT, LATE)
    report = commitment_guard.check(sentence, entitled, order_amount=Decimal(120))
    assert report.unbacked, f"the guard backed {sentence!r}: pick a sentence policy does not back"
    for c in report.unbacked:
        zh = promise(c, "zh")
        assert zh and not code_free(zh), (c.reason, zh)
        assert promise(c, "en") == c.reason
        if c.status == "exceeds" and (rule := re.search(r"\brule ([A-Z]+-\d+)", c.reason)):
            assert rule.group(1) in zh  # the rule it goes past, which the reviewer opens for the figures
    for c, line in zip(report.unbacked, report.reasons(), strict=True):
        warning = f"commitment: {line}"  # as the composer and the workflow word it, without the fields
        zh = reason(warning, "zh")
        assert not code_free(zh), (warning, zh)
        assert f"“{c.phrase}”" in zh
        if c.status == "exceeds" and (rule := re.search(r"\brule ([A-Z]+-\d+)", c.reason)):
            assert rule.group(1) in zh, (warning, zh)  # also when the reason holds "; " ("…; rule RT-2 commits to …")


@pytest.mark.parametrize(
    ("lang", "payload"),
    [
        ("en", "Call our manager David Lee on 020 5555 0199 for a refund of 500 yuan."),
        ("en", "Honestly, calm down, it's just a dinner."),
        ("zh", "另外补偿您500元，请联系张经理。"),
        ("zh", "别闹了行吗，不就是晚了点。"),
        ("zh", "Please accept our apology, we will do better."),  # the wrong language
    ],
)
def test_why_a_model_draft_was_thrown_away_reads_in_chinese(lang: str, payload: str) -> None:
    ticket = LATE if lang == "en" else LATE.model_copy(update={"customer": "王女士", "messages": ["晚了一个小时，饭都凉了"]})
    good = GOOD_EN if lang == "en" else GOOD_ZH
    text_ = payload if payload.isascii() and lang == "zh" else good + ("" if lang == "zh" else " ") + payload
    obedient = ScriptedChatModel(script=[answer(text_), answer(text_)], input_tokens=900)
    draft = LLMDrafter(obedient, COMPOSER, model_name="fake-1").draft_reply(INCIDENT, ticket)
    (fallback,) = [w for w in draft.warnings if w.startswith("LLM draft rejected")]
    zh = reason(fallback, "zh")
    assert "大模型草稿未通过检查" in zh and not code_free(zh), (fallback, zh)
    for quoted in re.findall(r"“[^”]*”", fallback):
        if not quoted.isascii():
            assert quoted in zh  # the phrase to look at stays as the draft has it
    assert reason(fallback, "en") != fallback or "rejected" in reason(fallback, "en")


def test_a_tone_warning_names_the_category_in_chinese() -> None:
    checked = ToneChecker().check("Calm down, it's just a dinner. As I already said, read the policy.", kind="draft", lang="en")
    assert checked.flags, "pick a text the lexicon flags"
    warning = "tone: " + "; ".join(checked.reasons())  # as the composer words it
    zh = reason(warning, "zh")
    assert not code_free(zh), zh
    assert any(category_name(f.category, "zh") in zh for f in checked.flags)
    assert reason("tone: score 41 is below the threshold", "zh") == "语气需要修改：语气分 41 低于阈值"


def test_a_finding_no_row_knows_keeps_what_it_quotes() -> None:
    zh = reason("grounding: a new kind of finding “某某” the app has no words for", "zh")
    assert "“某某”" in zh and not code_free(zh), zh


def test_every_kind_of_grounding_finding_has_words_in_both_languages() -> None:
    from drafting.drafters.grounding import ACTIONS

    for kind in ACTIONS:
        for lang in ("en", "zh"):
            said = text(f"finding_{kind}", lang)
            assert said and f"finding_{kind}" not in said, (kind, lang)

"""What the Chinese app says when the workflow or the knowledge base words a reason in English: an approval
refused for several reasons, and a document that could not be added. (The pages themselves are walked in
Chinese in a real browser: tests/test_app_browser.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from drafting.webapp.i18n import text
from drafting.webapp.reasons import known, reason
from knowledge.documents import DocumentError, load_document

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

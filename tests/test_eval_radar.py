"""evals.radar: every export format it renders imports back message for message, and a clear trigger in a
small labelled log is scored as a hit."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from evals.radar import FORMATS, evaluate


def gold_log(path: Path) -> Path:
    start, rows = datetime(2026, 11, 12, 12, 0), []

    def add(minutes: float, sender: str, role: str, text: str, theme: str = "none", trigger: bool = False) -> None:
        rows.append(
            {
                "id": len(rows) + 1,
                "time": f"{start + timedelta(minutes=minutes):%Y-%m-%d %H:%M:%S}",
                "sender": sender,
                "role": role,
                "text": text,
                "theme": theme,
                "trigger": trigger,
            }
        )

    for n in range(15):
        add(n * 3, f"member{n % 4}", "member", "Anyone tried the new scones?")
    add(45, "Maya (Support)", "staff", "Hi all, orders are busy today, thanks for your patience.")
    add(50, "", "system", "Tom joined the group")
    add(60, "Kevin", "staff", "Calm down, it's just a late order.", trigger=True)
    for n in range(30):
        add(60.2 + n * 0.3, f"angry{n}", "member", "> Kevin: Calm down, it's just a late order.\nHow dare you talk to us like that?!", "attitude")
        add(60.3 + n * 0.3, f"late{n}", "member", "My order was 90 minutes late, I want a refund", "lateness")
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_rendered_format_imports_back_and_the_trigger_is_found(tmp_path: Path, fmt: str) -> None:
    result = evaluate(gold_log(tmp_path / "mini.jsonl"), fmt)
    assert "error" not in result, result
    assert result["imported"] == result["messages"] and result["problems"] == 0
    assert result["trigger_hit"] and result["trigger_rank"] == 1
    assert result["complaint_recall"] > 0.9 and 0 < result["theme_purity"] <= 1


def test_the_trigger_of_every_labelled_log_ranks_first_in_every_export_format() -> None:
    """The issue's target, held as a regression test: hit@1 on every log in evals/data/chats, read through
    each export format; and each format reads every log back message for message."""
    from evals.radar import DATA, import_failures

    paths = sorted(DATA.glob("*.jsonl"))
    assert len(paths) >= 6
    assert {path.name: import_failures(path) for path in paths} == {path.name: [] for path in paths}
    results = [evaluate(path, fmt) for path in paths for fmt in FORMATS]
    assert [r.get("error") for r in results] == [None] * len(results)
    assert [(r["log"], r["format"]) for r in results if not r["trigger_hit"]] == []


def test_without_a_staff_list_only_staff_named_as_such_are_found(tmp_path: Path) -> None:
    result = evaluate(gold_log(tmp_path / "mini.jsonl"), "csv", infer_staff=True)
    assert (result["staff"], result["staff_found"], result["staff_wrong"]) == (2, 1, 0)  # Maya (Support), not Kevin
    assert not result["trigger_hit"]  # Kevin's message is a member's now: the report must show the miss


def test_inferred_staff_are_never_members_on_the_labelled_logs() -> None:
    from evals.radar import DATA

    results = [evaluate(path, "jsonl", infer_staff=True) for path in sorted(DATA.glob("*.jsonl"))]
    assert [r["log"] for r in results if r["staff_wrong"]] == []
    assert sum(r["staff_found"] for r in results) > 0

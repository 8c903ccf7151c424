"""`python -m evals.drafts` and the playbook checklist it reads."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from drafting.domain.models import Incident, Ticket
from drafting.drafters.composer import Composer
from drafting.guards.checklist import checklist
from evals import drafts as eval_drafts
from knowledge.policy import PolicyBook, TicketFacts

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "drafting" / "samples"
INCIDENT = Incident.model_validate(yaml.safe_load((SAMPLE / "delivery-growth.incident.yaml").read_text(encoding="utf-8")))
TICKET = Ticket(id="T", customer="Alex", messages=["late"], facts=TicketFacts(issue_type="late_delivery", delay_minutes=45, order_amount=Decimal(86)))


def test_checklist_finds_what_a_bare_reply_lacks() -> None:
    composer = Composer(PolicyBook.load(None))
    full = composer.draft_reply(INCIDENT, TICKET, "en")
    assert all(checklist(full, INCIDENT, TICKET).values())
    bare = full.model_copy(update={"text": "We are looking into your order.", "commitments": []})
    missing = {k for k, v in checklist(bare, INCIDENT, TICKET).items() if not v}
    assert missing == {"acknowledge", "apology", "cause", "action", "remedies", "channel", "next_update"}


def test_eval_runs_on_the_sample_and_writes_a_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "drafts.html"
    assert eval_drafts.main(["--scenarios", str(SAMPLE), "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "replies: 6  complete 1.000  promises backed 1.000" in out
    page = report.read_text(encoding="utf-8")
    assert page.count("<svg") >= 3 and "Duplicates within a batch" in page


def test_eval_refuses_a_folder_without_scenarios(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert eval_drafts.main(["--scenarios", str(tmp_path), "--report", str(tmp_path / "r.html")]) == 2
    assert "no *.incident.yaml" in capsys.readouterr().err


@pytest.mark.slow
def test_every_scenario_drafts_complete_and_backed() -> None:
    scenarios = ROOT / "evals" / "data" / "scenarios"
    if not any(scenarios.glob("*.incident.yaml")):
        pytest.skip("no scenario set")
    result = eval_drafts.evaluate([scenarios, SAMPLE], Composer(PolicyBook.load(None)))
    assert result["errors"] == []
    assert result["reply"]["complete"] >= 0.95 and result["statement"]["complete"] >= 0.95
    assert result["reply"]["commitments_backed"] >= 0.85  # measured 0.89; see bench/RESULTS.md
    assert result["duplicates"]["identical"] == 0
    # The composer never invents a promise: whatever the guard could not back was written in the incident
    # record itself (an action such as "refund the 90-yuan difference" that is not in `decisions`).
    for row in result["_rows"]:
        record = Path(row["source"]).read_text(encoding="utf-8")
        for phrase in row["unbacked"]:
            assert phrase in record, (row["incident"], phrase)


def test_sentences_copied_between_replies_are_counted() -> None:
    a = "王女士您好，订单晚了，对不起。有问题请联系客服。谢谢。"
    b = "Alex您好，订单晚了。有问题请联系客服。谢谢。"
    c = "Hi Sam, your order was late. We're sorry. Call us on 400-820-1234."
    assert eval_drafts.sentences("Hi Sam,\nIt cost 4.5 yuan. Sorry! 好的。是的？") == ["Hi Sam,", "It cost 4.5 yuan.", "Sorry!", "好的。", "是的？"]
    assert eval_drafts.copied_share([a, b, c]) == [2 / 3, 2 / 3, 0.0]
    assert eval_drafts.pair_shares([a, b, c]) == [2 / 3, 0.0, 0.0]


def test_eval_reports_reply_length_and_copied_sentences(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert eval_drafts.main(["--scenarios", str(SAMPLE), "--report", str(tmp_path / "r.html"), "--json"]) == 0
    import json

    result = json.loads(capsys.readouterr().out)
    assert set(result["length_median"]) == {"zh", "en"} and all(v > 0 for v in result["length_median"].values())
    assert 0 <= result["duplicates"]["copied_sentences_mean"] <= 0.2
    assert "reply length median" in (tmp_path / "r.html").read_text(encoding="utf-8")

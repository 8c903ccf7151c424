"""`tactful draft statement|reply` and `tactful commitments check` end to end (composer mode)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drafting import services
from drafting.cli.main import app
from drafting.text.data import load_yaml

runner = CliRunner()
SAMPLE = Path(__file__).resolve().parent.parent / "drafting" / "samples"
INCIDENT = SAMPLE / "delivery-growth.incident.yaml"
TICKETS = SAMPLE / "delivery-growth.tickets.jsonl"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TACTFUL_DATA_DIR", str(tmp_path / "data"))
    services.default_settings.cache_clear()
    yield tmp_path / "data"
    services.default_settings.cache_clear()


def test_statement_in_both_languages() -> None:
    result = runner.invoke(app, ["draft", "statement", "--incident", str(INCIDENT), "--stage", "1-2w", "--no-citations"])
    assert result.exit_code == 0, result.output
    # the compensation section, in whichever of its wordings the statement's seed picks
    intros = load_yaml("drafting.drafters.templates", "statement.yaml")["compensation_intro"]
    for lang in ("zh", "en"):
        assert any(intro in result.stdout for intro in intros[lang]), lang
    assert "tone ok" in result.stdout


def test_statement_json_carries_guards() -> None:
    result = runner.invoke(app, ["draft", "statement", "--incident", str(INCIDENT), "--lang", "en", "--json", "--no-citations"])
    [draft] = json.loads(result.stdout)
    assert draft["stage"] == "0-24h" and draft["tone"]["verdict"] == "ok" and draft["generator"] == "template"


def test_replies_for_every_ticket_with_per_line_errors(tmp_path: Path) -> None:
    tickets = tmp_path / "tickets.jsonl"
    lines = TICKETS.read_text(encoding="utf-8").splitlines()
    tickets.write_text("\n".join(lines[:3] + ["{broken", json.dumps({"id": "X", "facts": {"issue_type": "meteor"}})]) + "\n", encoding="utf-8")
    out = tmp_path / "drafts.jsonl"
    result = runner.invoke(app, ["draft", "reply", "--incident", str(INCIDENT), "--tickets", str(tickets), "--out", str(out), "--no-citations"])
    assert result.exit_code == 1  # two lines could not be read
    assert "tickets.jsonl:4: not valid JSON" in result.output and "tickets.jsonl:5: facts.issue_type" in result.output
    drafts = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [d["ticket_id"] for d in drafts] == ["T-1001", "T-1002", "T-1003"]
    assert [d["lang"] for d in drafts] == ["zh", "en", "zh"]
    assert all(c["status"] == "backed" for d in drafts for c in d["commitments"])


def test_replies_from_csv(tmp_path: Path) -> None:
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(
        "id,customer,order_id,message,issue_type,delay_minutes,order_amount\n"
        "C-1,Sam,LT9,My order was 40 minutes late,late_delivery,40,50\n"
        "C-2,赵女士,LT10,汤洒了 || 照片已发,spilled,,30\n",
        encoding="utf-8",
    )
    out = tmp_path / "drafts.jsonl"
    result = runner.invoke(app, ["draft", "reply", "--incident", str(INCIDENT), "--tickets", str(tickets), "--out", str(out), "--no-citations"])
    assert result.exit_code == 0, result.output
    drafts = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert drafts[0]["lang"] == "en" and "50 yuan" in drafts[0]["text"]
    assert drafts[1]["lang"] == "zh"


def test_replies_cite_policy_sections_from_the_store(tmp_path: Path) -> None:
    assert runner.invoke(app, ["ingest", str(Path(__file__).resolve().parent.parent / "knowledge" / "samples" / "policies")]).exit_code == 0
    out = tmp_path / "drafts.jsonl"
    result = runner.invoke(app, ["draft", "reply", "--incident", str(INCIDENT), "--tickets", str(TICKETS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert "late-delivery" in {c["doc_id"] for c in first["citations"]}


@pytest.mark.parametrize(
    ("text", "code", "status"), [("We'll refund the full 86 yuan within 3 days.", 0, "backed"), ("We will refund you 1000 yuan.", 1, "exceeds")]
)
def test_commitments_check(tmp_path: Path, text: str, code: int, status: str) -> None:
    ticket = tmp_path / "ticket.json"
    ticket.write_text(TICKETS.read_text(encoding="utf-8").splitlines()[1], encoding="utf-8")
    result = runner.invoke(app, ["commitments", "check", "--ticket", str(ticket), "--text", text, "--incident", str(INCIDENT)])
    assert result.exit_code == code, result.output
    report = json.loads(result.stdout)
    assert report["ticket"] == "T-1002" and report["commitments"][0]["status"] == status


def test_bad_incident_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "incident.yaml"
    bad.write_text("id: x\ntitle: only a title\n", encoding="utf-8")
    result = runner.invoke(app, ["draft", "statement", "--incident", str(bad), "--no-citations"])
    assert result.exit_code == 2 and "incident.yaml" in result.output and "what_happened" in result.output
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("id: x\ntitle: 配送延误\nwhat_happened: 晚了\n".encode("gb18030"))
    result = runner.invoke(app, ["draft", "statement", "--incident", str(gbk), "--no-citations"])
    assert result.exit_code == 2 and "GB18030" in result.output


def mixed_encoding_tickets(tmp_path: Path) -> Path:
    """The sample tickets, CRLF, with a BOM, one line saved as GBK and one with a stray byte."""
    lines = TICKETS.read_text(encoding="utf-8").splitlines()
    raw = [line.encode("utf-8") for line in lines[:4]]
    raw[1] = lines[1].encode("utf-8").replace(b"Alex", b"Al\xffex")  # line 2: a stray byte
    raw[2] = lines[2].encode("gb18030")  # line 3: Chinese text saved by a Windows tool
    path = tmp_path / "tickets.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(raw) + b"\r\n")
    return path


def test_draft_reply_drafts_every_readable_line_of_a_file_with_bad_bytes(tmp_path: Path) -> None:
    tickets, out = mixed_encoding_tickets(tmp_path), tmp_path / "drafts.jsonl"
    result = runner.invoke(app, ["draft", "reply", "--incident", str(INCIDENT), "--tickets", str(tickets), "--out", str(out), "--no-citations"])
    assert result.exit_code == 1, result.output
    assert "tickets.jsonl:2: not valid UTF-8 (byte 0xff" in result.output
    assert "tickets.jsonl:3: not valid UTF-8" in result.output and "GBK/GB18030" in result.output
    drafts = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [d["ticket_id"] for d in drafts] == ["T-1001", "T-1004"]


def test_load_loads_every_readable_line_of_a_file_with_bad_bytes(tmp_path: Path) -> None:
    tickets = mixed_encoding_tickets(tmp_path)
    result = runner.invoke(app, ["load", "--incident", str(INCIDENT), "--tickets", str(tickets)])
    assert result.exit_code == 1 and "2 new, 0 updated, 2 failed" in result.stdout, result.output
    assert "tickets.jsonl:2:" in result.output and "tickets.jsonl:3:" in result.output


def test_a_gbk_file_is_read_whole_with_its_encoding_named(tmp_path: Path) -> None:
    tickets, out = tmp_path / "gbk.jsonl", tmp_path / "drafts.jsonl"
    tickets.write_bytes(TICKETS.read_text(encoding="utf-8").encode("gb18030"))
    result = runner.invoke(
        app, ["draft", "reply", "--incident", str(INCIDENT), "--tickets", str(tickets), "--out", str(out), "--no-citations", "--encoding", "gb18030"]
    )
    drafts = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(drafts) == len(TICKETS.read_text(encoding="utf-8").splitlines()), result.output
    assert drafts[0]["lang"] == "zh"

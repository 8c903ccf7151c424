"""`tactful tone check` — the JSON contract evaluation scripts rely on (../shared/DESIGN.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drafting import services
from drafting.cli.main import app

runner = CliRunner()
CONTRACT = {"id", "score", "verdict", "subscores", "flags"}
FLAG_KEYS = {"category", "start", "end", "phrase", "severity", "explanation", "suggestion"}


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("TACTFUL_DATA_DIR", str(tmp_path / "data"))
    services.default_settings.cache_clear()
    yield
    services.default_settings.cache_clear()


def test_check_text_prints_one_contract_object() -> None:
    result = runner.invoke(app, ["tone", "check", "别闹了行吗？？？"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert CONTRACT <= set(report) and report["id"] is None
    assert report["verdict"] == "block" and 0 <= report["score"] <= 100
    assert set(report["subscores"]) == {"empathy", "accountability", "apology", "specificity", "clarity", "politeness"}
    assert FLAG_KEYS <= set(report["flags"][0]) and report["flags"][0]["phrase"] == "别闹了行吗"


def test_check_pretty_explains_in_words() -> None:
    result = runner.invoke(app, ["tone", "check", "--pretty", "As per our policy, calm down."])
    assert result.exit_code == 0
    assert "block" in result.stdout and "why:" in result.stdout and "try:" in result.stdout


def test_thresholds_come_from_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "As per our policy, that is all."
    assert json.loads(runner.invoke(app, ["tone", "check", text, "--kind", "chat"]).stdout)["verdict"] == "revise"
    monkeypatch.setenv("TACTFUL_TONE_REVISE_BELOW", "99")
    monkeypatch.setenv("TACTFUL_TONE_BLOCK_BELOW", "99")
    services.default_settings.cache_clear()
    assert json.loads(runner.invoke(app, ["tone", "check", text, "--kind", "chat"]).stdout)["verdict"] == "block"
    plain = json.loads(runner.invoke(app, ["tone", "check", "收到，我马上帮您查。", "--kind", "chat"]).stdout)
    assert plain["verdict"] == "ok"  # no flag, no fault, whatever the thresholds
    services.default_settings.cache_clear()


def test_jsonl_keeps_ids_and_reports_bad_lines_without_stopping(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": "a-1", "text": "calm down"}).encode(),
        b"{not json",
        json.dumps({"id": 7, "text": 42}).encode(),
        b"",
        "\ufeff".encode() + json.dumps({"id": "bom", "text": "ok"}).encode(),
        b"\xff\xfe broken bytes",
        json.dumps({"id": "zh", "text": "已为您退款30元", "lang": "fr"}).encode(),
        json.dumps(["a", "list"]).encode(),
        json.dumps({"id": {"nested": True}, "text": "谢谢您的耐心，退款已到账。", "kind": "chat"}, ensure_ascii=False).encode(),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = runner.invoke(app, ["tone", "check", "--jsonl", str(path)])
    assert result.exit_code == 1  # some lines failed; the rest were checked
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a-1", None, 7, "bom", None, "zh", None, {"nested": True}]
    assert out[0]["verdict"] == "block" and CONTRACT <= set(out[0])
    errors = {o["line"]: o["error"] for o in out if "error" in o}
    assert errors[2].startswith("not valid JSON")
    assert '"text" must be a string' in errors[3]
    assert errors[6].startswith("not UTF-8")
    assert '"lang" must be zh or en' in errors[7]
    assert "expected a JSON object" in errors[8]
    assert out[3]["verdict"] in ("ok", "revise") and out[-1]["kind"] == "chat"


def test_jsonl_from_stdin_in_a_real_process() -> None:
    stdin = "\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(["你爱买不买", "Thanks, refunded today."]))
    proc = subprocess.run(
        [sys.executable, "-m", "drafting.cli.main", "tone", "check", "--jsonl", "-"], input=stdin.encode(), capture_output=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr.decode()
    out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [o["id"] for o in out] == [0, 1] and out[0]["flags"][0]["category"] == "dismissive"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tone", "check"], "either TEXT or --jsonl"),
        (["tone", "check", "hi", "--jsonl", "-"], "either TEXT or --jsonl"),
        (["tone", "check", "hi", "--kind", "essay"], "--kind must be"),
        (["tone", "check", "hi", "--lang", "fr"], "--lang must be"),
        (["tone", "check", "--jsonl", "/no/such/file.jsonl"], "no such file"),
    ],
)
def test_bad_invocations_say_what_is_wrong(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and message in result.output

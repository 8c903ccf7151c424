"""`tactful` end to end through Typer's runner, on a fresh data directory."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import write
from typer.testing import CliRunner

from drafting import services
from drafting.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TACTFUL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TACTFUL_CHROMA_URL", raising=False)
    services.default_settings.cache_clear()
    yield tmp_path / "data"
    services.default_settings.cache_clear()


def test_ingest_then_search_json(corpus: Path, data_dir: Path) -> None:
    first = runner.invoke(app, ["ingest", str(corpus)])
    assert first.exit_code == 0, first.output
    assert "4 added, 0 updated, 0 removed, 0 unchanged, 0 failed" in first.output
    assert (data_dir / "chroma").is_dir()  # everything lives under the data directory
    second = runner.invoke(app, ["ingest", str(corpus), "--json"])
    assert json.loads(second.stdout)["skipped"] and second.exit_code == 0

    found = runner.invoke(app, ["search", "refund for a late order", "--k", "2", "--kind", "policy", "--json"])
    results = json.loads(found.stdout)
    assert len(results) == 2 and {r["kind"] for r in results} == {"policy"}
    assert {"chunk_id", "title", "heading", "source", "score"} <= set(results[0])


def test_search_prints_readable_results(corpus: Path) -> None:
    runner.invoke(app, ["ingest", str(corpus)])
    result = runner.invoke(app, ["search", "别闹了行吗 截图", "--kind", "incident"])
    assert result.exit_code == 0
    assert '"别闹了行吗"事件复盘' in result.output and "rude-reply.zh.md" in result.output


def test_search_on_empty_store_says_what_to_do() -> None:
    result = runner.invoke(app, ["search", "refund"])
    assert result.exit_code == 0 and "tactful ingest" in result.output


def test_ingest_bad_file_fails_with_the_reason(tmp_path: Path) -> None:
    bad = write(tmp_path / "kb" / "bad.md", "---\nkind: memo\ntitle: x\n---\nbody\n")
    result = runner.invoke(app, ["ingest", str(tmp_path / "kb"), str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert f"{bad}: unknown kind 'memo'" in result.output
    assert "missing: no such file or folder" in result.output
    assert "0 added" in result.output and "2 failed" in result.output


@pytest.mark.parametrize(
    ("args", "message"), [(["--kind", "faq"], "--kind must be policy or incident"), (["--lang", "fr"], "--lang must be zh or en")]
)
def test_search_rejects_bad_filters(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["search", "refund", *args])
    assert result.exit_code == 2 and message in result.output


def test_bad_chroma_url_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TACTFUL_CHROMA_URL", "localhost:8000")
    services.default_settings.cache_clear()
    result = runner.invoke(app, ["search", "refund"])
    assert result.exit_code == 2
    assert "TACTFUL_CHROMA_URL: must start with http:// or https://" in result.output


def test_policy_remedies_and_check() -> None:
    result = runner.invoke(app, ["policy", "remedies", '{"issue_type": "late_delivery", "delay_minutes": 45}', "--json"])
    remedies = json.loads(result.stdout)
    assert {(r["rule_id"], r["type"]) for r in remedies} >= {("LD-2", "refund"), ("LD-2", "coupon")}
    check = runner.invoke(app, ["policy", "check"])
    assert check.exit_code == 0 and "LD-2" in check.output and ": OK" in check.output


def test_policy_remedies_rejects_bad_facts() -> None:
    result = runner.invoke(app, ["policy", "remedies", '{"issue_type": "late", "delay_minutes": -3}'])
    assert result.exit_code == 2
    assert "issue_type" in result.output and "delay_minutes" in result.output


def test_config_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value")
    monkeypatch.setenv("TACTFUL_DATABASE_URL", "postgresql://tactful:hunter2@db:5432/tactful")
    services.default_settings.cache_clear()
    result = runner.invoke(app, ["config"])
    assert "sk-secret-value" not in result.output and "hunter2" not in result.output
    assert "openai_api_key: set" in result.output and "tactful:***@db" in result.output


def test_apikey_create_list_and_revoke() -> None:
    created = runner.invoke(app, ["apikey", "create", "helpdesk", "--scope", "tickets:write", "--scope", "drafts:read"])
    assert created.exit_code == 0 and created.stdout.strip().startswith("tk_")
    listed = runner.invoke(app, ["apikey", "list"])
    assert listed.exit_code == 0 and "helpdesk" in listed.stdout and "drafts:read,tickets:write" in listed.stdout
    assert "active" in listed.stdout and created.stdout.strip() not in listed.stdout  # the key itself is never shown again
    key_id = listed.stdout.split()[0]
    assert runner.invoke(app, ["apikey", "revoke", key_id]).exit_code == 0
    assert "revoked 20" in runner.invoke(app, ["apikey", "list"]).stdout
    unknown = runner.invoke(app, ["apikey", "revoke", "999"])
    assert unknown.exit_code == 2 and "no API key 999" in unknown.output


def test_load_puts_incident_and_tickets_in_the_database_idempotently(tmp_path: Path) -> None:
    samples = Path(__file__).resolve().parent.parent / "drafting" / "samples"
    incident, tickets = str(samples / "delivery-growth.incident.yaml"), str(samples / "delivery-growth.tickets.jsonl")
    orphans = write(
        tmp_path / "orphans.jsonl", '{"id": "X-1", "incident_id": "no-such", "messages": ["hi"], "facts": {"issue_type": "other"}}\nnot json\n'
    )
    first = runner.invoke(app, ["load", "--tickets", tickets])
    assert first.exit_code == 1 and "create it first" in first.output  # tickets before their incident: refused, said why
    loaded = runner.invoke(app, ["load", "--incident", incident, "--tickets", tickets])
    assert loaded.exit_code == 0 and "6 new, 0 updated, 0 failed" in loaded.stdout
    again = runner.invoke(app, ["load", "--tickets", tickets])
    assert again.exit_code == 0 and "0 new, 6 updated" in again.stdout
    bad = runner.invoke(app, ["load", "--tickets", str(orphans)])
    assert bad.exit_code == 1 and "orphans.jsonl:1: no incident 'no-such'" in bad.output and "orphans.jsonl:2: not valid JSON" in bad.output
    assert runner.invoke(app, ["load"]).exit_code == 2


def test_policy_add_checks_the_whole_book(tmp_path: Path, data_dir: Path) -> None:
    good = write(
        tmp_path / "goodwill.yaml",
        """
        document: goodwill
        rules:
          - id: GW-1
            title: Goodwill coupon
            when: {issue_type: late_delivery}
            remedies: [{type: coupon, amount: 5, valid_days: 14}]
        """,
    )
    broken = write(tmp_path / "broken.yaml", "rules:\n  - id: B-1\n    remedies: [{type: coupon}]\n")
    refused = runner.invoke(app, ["policy", "add", str(broken)])
    assert refused.exit_code == 1 and "broken.yaml" in refused.output and not (data_dir / "policies").exists()
    added = runner.invoke(app, ["policy", "add", str(good)])
    assert added.exit_code == 0 and "goodwill.yaml added" in added.stdout
    assert "GW-1" in runner.invoke(app, ["policy", "check"]).stdout  # the configured book is now the extended copy
    assert "policies" in runner.invoke(app, ["config"]).stdout


def test_radar_prints_the_trigger_themes_and_alerts(tmp_path: Path) -> None:
    rows = [
        ("会员A", "12:00:00", "今天的新品有人试过吗？"),
        ("客服小李", "12:05:00", "您好，正在核实，请稍等。"),
        ("会员B", "12:20:00", "好的谢谢"),
        ("客服小李", "12:30:00", "别闹了行吗，不就晚了一点吗"),
    ]
    rows += [
        (f"新成员{i}", f"12:{31 + i // 6:02d}:{(i * 10) % 60:02d}", text)
        for i, text in enumerate(["「客服小李：别闹了行吗」这是什么态度？！", "等了一个半小时了！！", "退款！投诉！！"] * 8)
    ]
    rows.append(("会员C", "12:40:00", "我已经打12315了"))
    chat = write(tmp_path / "group.txt", "\n".join(f"{who} 2026-11-12 {at}\n{text}\n" for who, at, text in rows))
    watch = write(tmp_path / "watch.yaml", "media: [投诉, 曝光]\n")
    result = runner.invoke(app, ["radar", str(chat), "--staff", "客服小李", "--watch", str(watch)])
    assert result.exit_code == 0, result.output
    assert "trigger" in result.stdout and "别闹了行吗，不就晚了一点吗" in result.stdout and "tone: 别闹了行吗" in result.stdout
    assert "attitude" in result.stdout and "alerts: 8" in result.stdout
    assert re.search(r"complaint share \(5-minute window\): peak \d+% at \d\d:\d\d", result.stdout)
    inferred = runner.invoke(app, ["radar", str(chat)])
    assert "staff found by their names: 客服小李" in inferred.stdout and "别闹了行吗，不就晚了一点吗" in inferred.stdout
    assert "alerts: 1 (regulator_legal 1)" in inferred.stdout  # the shipped lists, without --watch
    data = json.loads(runner.invoke(app, ["radar", str(chat), "--staff", "客服小李", "--json"]).stdout)
    assert data["triggers"][0]["text"].startswith("别闹了行吗") and data["messages"] == len(rows)
    bad = runner.invoke(app, ["radar", str(write(tmp_path / "empty.txt", "   \n"))])
    assert bad.exit_code == 2 and "is empty" in bad.output
    for content, says in (("[曝光, 12315]\n", "must map list names to lists of terms"), ("media: [曝光\n", "cannot be read as YAML")):
        wrong = runner.invoke(app, ["radar", str(chat), "--watch", str(write(tmp_path / "lists.yaml", content))])
        assert wrong.exit_code == 2 and says in wrong.output and "lists.yaml" in wrong.output

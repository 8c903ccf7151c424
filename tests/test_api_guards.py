"""Against a real `tactful serve` process (what TestClient cannot show): a chunked body over the limit is
refused while it streams, fast, and nothing of it is stored; uvicorn's access log never prints a key sent in
the query string."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from testkit.servers import ApiServer, api_key

pytestmark = pytest.mark.slow

TICKET = {"id": "BIG-1", "customer": "Alex", "messages": ["late"], "facts": {"issue_type": "late_delivery"}}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ApiServer, str, Path]]:
    env = {
        "TACTFUL_DATA_DIR": str(tmp_path / "data"),
        "TACTFUL_TONE_SEMANTIC": "false",
        "TACTFUL_DATABASE_URL": None,
        "OPENAI_API_KEY": None,
        "OPENAI_BASE_URL": None,
        "TACTFUL_WEBHOOK_URL": None,
        "PYTHONUNBUFFERED": "1",
    }
    key = api_key(env, tmp_path, "chatwoot", "tickets:write")
    log = tmp_path / "server.log"
    with ApiServer(env, log=log, cwd=tmp_path) as server:
        yield server, key, log


def test_a_chunked_body_over_the_limit_gets_413_at_once_and_is_not_stored(served: tuple[ApiServer, str, Path]) -> None:
    server, key, _log = served
    streamed = 0

    def fifty_megabytes() -> Iterator[bytes]:
        """A valid ticket, padded with JSON whitespace to 50 MB, with no Content-Length (chunked)."""
        nonlocal streamed
        yield json.dumps(TICKET)[:-1].encode()
        for _ in range(50):
            streamed += 1
            yield b" " * (1024 * 1024)
        yield b"}"

    started = time.monotonic()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        answer = client.post("/v1/tickets", content=fifty_megabytes(), headers={"X-API-Key": key, "Content-Type": "application/json"})
        took = time.monotonic() - started
        assert answer.status_code == 413 and answer.json()["error"]["code"] == "too_large", answer.text
        assert took < 10, f"answered after {took:.1f} s"
        assert streamed < 50, "the server read the whole body before refusing it"
        # Nothing was stored: the same ticket, small, is new.
        small = client.post("/v1/tickets", json=TICKET, headers={"X-API-Key": key})
        assert small.status_code == 201 and small.json()["created"] is True


def test_the_access_log_never_prints_a_key_from_the_query_string(served: tuple[ApiServer, str, Path]) -> None:
    server, key, log = served
    event = {"event": "conversation_created", "id": 1}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.post(f"/v1/integrations/chatwoot?key={key}&incident_id=inc-1", json=event).status_code == 200
        assert (
            client.post(f"/v1/integrations/chatwoot?incident_id=inc-1&Key={key}", json=event).status_code == 401
        )  # names are case-sensitive; the log still hides it
        assert client.get(f"/v1/drafts?api_key={key}&limit=5").status_code == 401
    server.stop()  # flushes and closes the log
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "/v1/integrations/chatwoot?key=***&incident_id=inc-1" in text, text[-2000:]  # the access log is on: redacted
    assert "Key=***" in text and "api_key=***&limit=5" in text
    assert key not in text and key[3:12] not in text

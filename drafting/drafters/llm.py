"""The chat-model factory: any OpenAI-compatible endpoint through LangChain's ChatOpenAI.

OpenAI, Azure's OpenAI-compatible endpoint, DeepSeek, Qwen (compatible mode), Ollama, vLLM and a llama.cpp
server all speak the same /chat/completions protocol; `OPENAI_BASE_URL` picks one, `OPENAI_API_KEY` (any
non-empty string for local servers) authenticates, `TACTFUL_LLM_MODEL` names the model. Timeouts, 429 and
5xx are retried by the OpenAI client with exponential backoff, `TACTFUL_LLM_MAX_RETRIES` times.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from drafting.settings import Settings


def chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat model, or None in composer mode (no key and no endpoint)."""
    if not settings.llm_configured:
        return None
    from langchain_openai import ChatOpenAI  # imported here: composer mode never pays for it

    # A local endpoint (base URL without a key) still needs a key to be sent; any text does.
    key = settings.openai_api_key or SecretStr("not-needed")
    return ChatOpenAI(
        model=settings.llm_model,
        api_key=key,
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        temperature=0.3,
    )

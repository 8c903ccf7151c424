"""The composition root: builds the store, the embedding function and the policy
book from settings. Front doors (CLI, app, API) call these; nothing else reads
settings, so tests inject their own pieces."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from drafting.drafters.base import Drafter
from drafting.drafters.composer import Composer
from drafting.guards.tone import ToneChecker, default_checker
from drafting.settings import Settings, load_settings
from drafting.workflow.core import Workflow, WorkflowConfig
from drafting.workflow.db import session_factory
from drafting.workflow.webhooks import Webhooks
from knowledge.embeddings import make_embedding_functions
from knowledge.policy import DEFAULT_POLICY_DIR, PolicyBook
from knowledge.policy import add_policy_file as add_policy_file_to
from knowledge.store import KnowledgeStore, open_client


def open_store(settings: Settings) -> KnowledgeStore:
    embedding_functions = make_embedding_functions(settings.embedding, model=settings.embedding_model, base_url=settings.openai_base_url)
    client = open_client(path=settings.chroma_path, url=settings.chroma_url)
    return KnowledgeStore(client, embedding_functions)


def policy_folder(settings: Settings) -> Path | None:
    """Where the policy book lives: TACTFUL_POLICY_DIR, else DATA_DIR/policies once a file was added there,
    else None (the sample book shipped with Tactful)."""
    if settings.policy_dir is not None:
        return settings.policy_dir
    uploaded = settings.data_dir / "policies"
    return uploaded if uploaded.is_dir() else None


def load_policy_book(settings: Settings) -> PolicyBook:
    return PolicyBook.load(policy_folder(settings))


def add_policy_file(settings: Settings, name: str, content: bytes) -> PolicyBook:
    """Add a rule file to the book (validated with the whole book first). Without TACTFUL_POLICY_DIR the
    first addition copies the shipped book to DATA_DIR/policies and adds to that copy."""
    folder = settings.policy_dir or settings.data_dir / "policies"
    return add_policy_file_to(folder, name, content, seed=DEFAULT_POLICY_DIR)


def tone_checker(settings: Settings) -> ToneChecker:
    """The tone guard with the configured verdict thresholds (the compiled lexicon is shared)."""
    return default_checker(settings.tone_revise_below, settings.tone_block_below, settings.tone_semantic)


def bulk_tone_checker(settings: Settings) -> ToneChecker:
    """The tone guard on the lexicon alone, for bulk work (composer drafts, whole chats): the semantic
    second opinion costs milliseconds per text, which a 100,000-message chat cannot pay."""
    return default_checker(settings.tone_revise_below, settings.tone_block_below, False)


def composer(settings: Settings, *, with_store: bool = True) -> Composer:
    """The no-LLM drafter, citing from the knowledge store unless `with_store` is False. Its drafts are
    built from vetted phrases, so it reports tone with the lexicon alone (the semantic second opinion
    would cost ~15 ms per draft and has nothing to find there — checked in tests)."""
    store = open_store(settings) if with_store else None
    return Composer(load_policy_book(settings), store=store, tone=bulk_tone_checker(settings))


def drafter(settings: Settings, *, with_store: bool = True) -> Drafter:
    """The LLM drafter when an endpoint is configured (with the composer as its fallback), else the
    composer itself."""
    base = composer(settings, with_store=with_store)
    if not settings.llm_configured:
        return base
    # Imported here: composer mode (the default) never pays for loading LangChain.
    from drafting.drafters.chain import LLMDrafter
    from drafting.drafters.llm import chat_model

    model = chat_model(settings)
    if model is None:  # not configured after all: chat_model and llm_configured agree, this only says so to the type checker
        return base
    return LLMDrafter(model, base, model_name=settings.llm_model, tone=tone_checker(settings))


def workflow(settings: Settings) -> Workflow:
    """The review workflow on the configured database (migrated to the newest schema first)."""
    config = WorkflowConfig(
        second_approval_above=Decimal(str(settings.second_approval_above)),
        approvers=frozenset(name.strip() for name in settings.approvers.split(",") if name.strip()),
    )
    sessions = session_factory(settings.effective_database_url)
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    hooks = Webhooks(sessions, settings.webhook_url, secret) if settings.webhook_url else None
    return Workflow(sessions, tone_checker(settings), config, webhooks=hooks)


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    return load_settings()

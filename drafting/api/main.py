"""The HTTP API built from settings: `uvicorn --factory drafting.api.main:create` (what `tactful serve`
runs). Nothing is built at import time, so importing this module never opens a database."""

from __future__ import annotations

from functools import lru_cache

from fastapi import FastAPI

from drafting import services
from drafting.api.app import RateLimiter, create_app
from drafting.settings import Settings
from drafting.workflow.jobs import JobRunner
from drafting.workflow.webhooks import delivery_problem


def build(settings: Settings) -> FastAPI:
    """The HTTP API wired to the configured database, drafter and knowledge store."""
    flow = services.workflow(settings)
    base = services.drafter(settings, with_store=False)
    generator = getattr(base, "generator", "template")
    mode = "composer" if generator == "template" else generator  # the same words as the app's mode banner
    return create_app(
        flow,
        base,
        services.tone_checker(settings),
        services.load_policy_book(settings),
        store_factory=lru_cache(maxsize=1)(lambda: services.open_store(settings)),
        mode=mode,
        limiter=RateLimiter(settings.api_rate, settings.api_burst),
        runner=JobRunner(flow, base, threads=settings.job_threads, poll=settings.job_poll),
        chatwoot_secret=settings.chatwoot_webhook_secret.get_secret_value() if settings.chatwoot_webhook_secret else None,
    )


def create() -> FastAPI:
    """uvicorn's factory: the API for the environment's settings."""
    settings = services.default_settings()
    # Nothing leaves unsigned: a server that would queue approvals it can never deliver refuses to start,
    # naming the setting to fix (`tactful serve` checks the same before it starts uvicorn, for a cleaner message).
    problem = delivery_problem(settings)
    if problem:
        raise SystemExit(f"error: {problem}")
    return build(settings)

"""API keys for the HTTP API: created with scopes and shown once, stored only as a hash, revoked with an
audit event. The API looks keys up here; `tactful api-key` manages them."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import select

from drafting.workflow.core import NotFound, Workflow
from drafting.workflow.db import ApiKeyRow, utcnow

SCOPES = ("tickets:write", "drafts:read", "drafts:approve", "admin")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_api_key(workflow: Workflow, name: str, scopes: list[str]) -> str:
    """A new key (shown once; only its hash is stored)."""
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ValueError(f"scopes must be some of {', '.join(SCOPES)}; got {', '.join(sorted(unknown)) or 'none'}")
    key = "tk_" + secrets.token_urlsafe(32)
    with workflow.sessions.begin() as session:
        session.add(ApiKeyRow(name=name, key_hash=hash_key(key), scopes=sorted(set(scopes))))
    return key


def list_api_keys(workflow: Workflow) -> list[dict[str, Any]]:
    with workflow.sessions() as session:
        return [
            {"id": r.id, "name": r.name, "scopes": list(r.scopes), "created_at": r.created_at, "revoked_at": r.revoked_at}
            for r in session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))
        ]


def revoke_api_key(workflow: Workflow, key_id: int, actor: str) -> None:
    """Revoke a key; running servers stop accepting it within KEY_CACHE_SECONDS."""
    with workflow.sessions.begin() as session:
        row = session.get(ApiKeyRow, key_id)
        if row is None:
            raise NotFound(f"no API key {key_id}")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            workflow._audit(session, actor, "apikey.revoke", "api_key", str(key_id), {"name": row.name})


def find(workflow: Workflow, digest: str) -> ApiKeyRow | None:
    """The live (not revoked) key with this hash, or None."""
    with workflow.sessions() as session:
        row: ApiKeyRow | None = session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == digest, ApiKeyRow.revoked_at.is_(None)))
        return row

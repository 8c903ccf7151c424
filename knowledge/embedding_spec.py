"""Naming the embedding models, without loading them: settings validate TACTFUL_EMBEDDING with this, and
importing it costs nothing (knowledge/embeddings.py, which builds the models, pulls in Chroma)."""

from __future__ import annotations

# The model asked for when embedding=openai and no TACTFUL_EMBEDDING_MODEL is given (drafting/settings.py reads it).
OPENAI_EMBEDDING_MODEL = "text-embedding-3-small"

EMBEDDING_NAMES = ("use", "e5", "openai")


def parse_embedding_spec(spec: str) -> list[str]:
    """'use+e5' -> ['use', 'e5']: the models whose rankings are fused, in order."""
    names = [name.strip() for name in spec.replace(",", "+").split("+") if name.strip()]
    if not names:
        raise ValueError("no embedding model named")
    unknown = [name for name in names if name not in EMBEDDING_NAMES]
    if unknown:
        raise ValueError(f"unknown embedding {unknown[0]!r}; use one of {', '.join(EMBEDDING_NAMES)}, joined by '+'")
    if len(set(names)) != len(names):
        raise ValueError(f"embedding {spec!r} names a model twice")
    return names

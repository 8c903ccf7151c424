"""The one dev/test rule of every labelled set written for this project: the first hex digit of the SHA-256
of a row's key — 0-7 dev (look, tune), 8-f test (report only)."""

from __future__ import annotations

import hashlib


def split_of(key: str) -> str:
    return "dev" if hashlib.sha256(key.encode("utf-8")).hexdigest()[0] in "01234567" else "test"

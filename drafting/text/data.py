"""The YAML files that ship inside Tactful's packages (lexicons, templates, prompts, the playbook), read
the one way: as UTF-8 from the installed package, once per process."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml

from knowledge.documents import yaml_problem


class PackagedDataError(ValueError):
    """A file shipped with Tactful is missing or broken: an installation or editing mistake, named exactly."""


@cache
def load_yaml(package: str, name: str) -> Any:
    """`name` in the package `package` (e.g. "drafting.guards.lexicon", "staff.yaml"), parsed. Cached: the
    same object comes back on every call, so callers must not change it."""
    where = f"{package.replace('.', '/')}/{name}"
    try:
        text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PackagedDataError(f"{where}: missing from the installed package") from None
    except UnicodeDecodeError as exc:
        raise PackagedDataError(f"{where}: not UTF-8 (byte at offset {exc.start})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PackagedDataError(yaml_problem(exc, where)) from None


def compile_patterns(patterns: Any, where: str, *, flags: int = re.IGNORECASE) -> list[re.Pattern[str]]:
    """A packaged YAML list of regular expressions, compiled; `where` names the file and key for errors
    ("asks.yaml: roles.vip.en #3 ('(?:vip'): missing ), unterminated subpattern")."""
    if not isinstance(patterns, list):
        raise PackagedDataError(f"{where}: expected a list of patterns, got {type(patterns).__name__}")
    compiled = []
    for number, pattern in enumerate(patterns, start=1):
        try:
            compiled.append(re.compile(str(pattern), flags))
        except re.error as exc:
            raise PackagedDataError(f"{where} #{number} ({pattern!r}): {exc}") from None
    return compiled


def patterns_by_language(data: Any, where: str, *, flags: int = re.IGNORECASE) -> dict[str, list[re.Pattern[str]]]:
    """{"zh": [...], "en": [...]} of regular expressions, compiled (a missing language has none)."""
    if not isinstance(data, dict):
        raise PackagedDataError(f"{where}: expected zh and en lists")
    return {lang: compile_patterns(data.get(lang) or [], f"{where}.{lang}", flags=flags) for lang in ("zh", "en")}

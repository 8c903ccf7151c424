"""The YAML files that ship inside Tactful's packages (lexicons, templates, prompts, the playbook), read
the one way: as UTF-8 from the installed package, once per process."""

from __future__ import annotations

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

"""Spot instructions aimed at the drafting model inside customer text (prompt injection).

Ticket text is data. A match here is a risk reason shown to reviewers (and a reason for a second approver
in the workflow); it is not what keeps a draft safe — the fenced prompt and the guards are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable

import yaml

from drafting.phrasebook import fold


@dataclass(frozen=True)
class InjectionSign:
    message: int  # index of the message it was found in
    start: int
    end: int
    phrase: str


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    data = yaml.safe_load(resources.files("drafting.lexicon").joinpath("injection.yaml").read_text(encoding="utf-8"))
    return re.compile("|".join(f"(?:{p})" for p in data["patterns"]))


def injection_signs(messages: Iterable[str]) -> list[InjectionSign]:
    """Every place in the customer's messages that reads like an instruction to the model."""
    signs = []
    for index, message in enumerate(messages):
        for match in _pattern().finditer(fold(message)):
            signs.append(InjectionSign(index, match.start(), match.end(), message[match.start() : match.end()]))
    return signs


def injection_warning(sign: InjectionSign) -> str:
    """The reviewer-facing sentence for one sign (draft warnings and ticket risks say it the same way)."""
    return f"the customer's message contains instructions aimed at the drafting model: “{sign.phrase}”"


def injection_warnings(messages: Iterable[str]) -> list[str]:
    return [injection_warning(sign) for sign in injection_signs(messages)]

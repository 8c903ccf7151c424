"""The PLAYBOOK timeline as data: what goes out in each stage of an incident, and when it is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from drafting.domain.models import STAGES
from drafting.text.data import load_yaml


@dataclass(frozen=True)
class StagePlan:
    stage: str
    label: dict[str, str]
    due: dict[str, list[str]]
    ends_after: timedelta

    def due_by(self, declared_at: datetime) -> datetime:
        return declared_at + self.ends_after


@lru_cache(maxsize=1)
def plan() -> tuple[StagePlan, ...]:
    data = load_yaml("drafting.domain.playbook", "timeline.yaml")
    stages = tuple(StagePlan(s["stage"], s["label"], s["due"], timedelta(hours=s["ends_after_hours"])) for s in data["stages"])
    if tuple(s.stage for s in stages) != STAGES:  # the drafting templates are written per stage
        raise ValueError(f"timeline.yaml must list the stages {', '.join(STAGES)} in order")
    return stages


def stage_now(declared_at: datetime, now: datetime) -> str:
    """The stage the calendar says the incident is in (staff may set another)."""
    for step in plan():
        if now < step.due_by(declared_at):
            return step.stage
    return STAGES[-1]

"""The incident form's data, both ways: an Incident as flat fields and table rows (what the app's widgets
edit), and those fields back into a validated Incident. Kept out of the page so it is tested on its own."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, get_args

from drafting.domain.models import Incident
from knowledge.policy import Remedy, RemedyType

LOCALIZED = ("title", "what_happened", "cause", "impact", "channel", "lessons")
REMEDY_COLUMNS = (
    "type",
    "scope",
    "applies_to",
    "percent",
    "amount",
    "currency",
    "valid_days",
    "min_spend",
    "days",
    "months",
    "channel",
    "for_issue_types",
    "rule_id",
    "text_zh",  # a custom decision's words, as customers read them
    "text_en",
)
# Table cells that are not Remedy fields: a custom decision's text, one cell per language.
_TEXT_COLUMNS = {"text_zh": "zh", "text_en": "en"}
ACTION_COLUMNS = ("what_zh", "what_en", "owner_zh", "owner_en", "due")
REQUIRED = ("title", "what_happened")
REMEDY_TYPES: tuple[str, ...] = get_args(RemedyType)
REMEDY_SCOPES: tuple[str, ...] = get_args(get_args(Remedy.model_fields["scope"].annotation)[0])  # Literal[...] | None
REMEDY_APPLIES_TO: tuple[str, ...] = get_args(Remedy.model_fields["applies_to"].annotation)
# A decision's issue types are one text cell in the table ("privacy, staff_attitude"): commas, 、 or spaces.
_LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")


class FormError(ValueError):
    """Fields the form must have before a record can be built, named."""


def _blank(value: Any) -> bool:
    # Table editors hand back NaN, None or "" for an empty cell.
    return value is None or value == "" or (isinstance(value, float) and value != value)


def to_form(incident: Incident | None) -> dict[str, Any]:
    """Flat fields for the widgets: title_zh, title_en, …, and the two tables as lists of row dicts."""
    fields: dict[str, Any] = {}
    for name in LOCALIZED:
        value = getattr(incident, name) if incident else None
        fields[f"{name}_zh"] = (value.zh if value else None) or ""
        fields[f"{name}_en"] = (value.en if value else None) or ""
    fields.update(
        id=incident.id if incident else "",
        severity=incident.severity if incident else "high",
        stage=incident.stage if incident else "0-24h",
        owner=incident.owner if incident else "",
        handover_hours=incident.handover_hours if incident else None,
        next_update=incident.next_update if incident else None,
        started_at=incident.started_at if incident else None,
        rules=list(incident.rules) if incident else [],
        languages=list(incident.languages) if incident else ["zh", "en"],
        actions=[
            {"what_zh": a.what.zh or "", "what_en": a.what.en or "", "owner_zh": a.owner.zh or "", "owner_en": a.owner.en or "", "due": a.due}
            for a in incident.actions
        ]
        if incident
        else [],
        decisions=[_remedy_row(r) for r in incident.decisions] if incident else [],
    )
    return fields


def _remedy_row(remedy: Remedy) -> dict[str, Any]:
    """A decision as a table row: every field the form edits, so saving the form loses none of them."""
    row = {c: getattr(remedy, c) for c in REMEDY_COLUMNS if c not in _TEXT_COLUMNS}
    row["for_issue_types"] = ", ".join(remedy.for_issue_types)
    for column, lang in _TEXT_COLUMNS.items():
        row[column] = (getattr(remedy.text, lang) if remedy.text else None) or ""
    return row


def from_form(fields: dict[str, Any]) -> Incident:
    """The Incident the form describes. Raises FormError for missing required fields, or pydantic's
    ValidationError naming each invalid one."""
    data: dict[str, Any] = {"id": str(fields.get("id", "")).strip()}
    for name in LOCALIZED:
        pair = {lang: str(fields.get(f"{name}_{lang}") or "").strip() for lang in ("zh", "en")}
        pair = {lang: value for lang, value in pair.items() if value}
        if pair:
            data[name] = pair
    missing = [name for name in REQUIRED if name not in data]
    if not data["id"]:
        missing.insert(0, "id")
    if missing:
        raise FormError("; ".join(f"{name}: needed (in at least one language)" if name != "id" else "id: needed" for name in missing))
    for name in ("severity", "stage", "owner", "rules", "languages"):
        if fields.get(name) is not None:
            data[name] = fields[name]
    if not _blank(fields.get("handover_hours")):
        data["handover_hours"] = int(fields["handover_hours"])
    for moment_field in ("next_update", "started_at"):
        moment = fields.get(moment_field)
        if isinstance(moment, datetime):
            data[moment_field] = moment
    actions = []
    for row in fields.get("actions") or []:
        what = {lang: str(row.get(f"what_{lang}") or "").strip() for lang in ("zh", "en")}
        what = {lang: value for lang, value in what.items() if value}
        if not what:
            continue  # an empty row the editor left behind
        action: dict[str, Any] = {"what": what}
        owner = {lang: str(row.get(f"owner_{lang}") or "").strip() for lang in ("zh", "en")}
        owner = {lang: value for lang, value in owner.items() if value}
        if owner:
            action["owner"] = owner
        due = row.get("due")
        if isinstance(due, datetime):
            due = due.date()
        if isinstance(due, date):
            action["due"] = due
        elif not _blank(due):
            action["due"] = str(due)
        actions.append(action)
    data["actions"] = actions
    decisions = []
    for row in fields.get("decisions") or []:
        remedy = {c: row[c] for c in REMEDY_COLUMNS if c in row and not _blank(row[c])}
        if not remedy:
            continue
        text = {lang: str(remedy.pop(column)).strip() for column, lang in _TEXT_COLUMNS.items() if column in remedy}
        if any(text.values()):
            remedy["text"] = {lang: value for lang, value in text.items() if value}
        for number in ("percent", "valid_days", "days", "months"):
            if number in remedy:
                remedy[number] = int(remedy[number])
        if isinstance(remedy.get("for_issue_types"), str):
            remedy["for_issue_types"] = [t for t in _LIST_SEPARATORS.split(remedy["for_issue_types"]) if t]
        decisions.append(remedy)
    data["decisions"] = decisions
    return Incident.model_validate(data)

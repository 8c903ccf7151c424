"""The incident record's form, shared by the incident room (new or existing record) and the chat radar (a new
record prefilled from the chat): the same fields, the same checks, the same way of saving."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import streamlit as st
from pydantic import ValidationError

from drafting.domain.files import validation_message
from drafting.domain.models import STAGES, Incident
from drafting.webapp import forms, ui
from drafting.workflow import queue as review

CREATED_HERE = "incidents_created_here"


def record_form(form: dict[str, Any], suffix: str, *, locked_id: bool) -> Incident | None:
    """The record's widgets in one st.form, keyed `f-<field>-<suffix>`; the validated Incident when the
    person pressed save, else None (problems are shown). Enter in a text input never saves: st.form submits
    on Enter by default, and a half-typed record was saved that way."""
    with st.form(f"incident-form-{suffix}", enter_to_submit=False):
        fields: dict[str, Any] = {
            "id": st.text_input(ui.t("incident_id"), form["id"], disabled=locked_id, help=ui.t("incident_id_help"), key=f"f-id-{suffix}")
        }
        for name in forms.LOCALIZED:
            zh, en = st.columns(2)
            multiline = name in ("what_happened", "cause", "impact", "lessons")
            widget = st.text_area if multiline else st.text_input
            with zh:
                fields[f"{name}_zh"] = widget(f"{ui.t('field_' + name)} · 中文", form[f"{name}_zh"], key=f"f-{name}-zh-{suffix}")
            with en:
                fields[f"{name}_en"] = widget(f"{ui.t('field_' + name)} · English", form[f"{name}_en"], key=f"f-{name}-en-{suffix}")
        a, b, c = st.columns(3)
        severities = ["low", "medium", "high", "critical"]
        fields["severity"] = a.selectbox(
            ui.t("field_severity"),
            severities,
            index=severities.index(form["severity"]),
            format_func=ui.labeller("severity_"),
            key=f"f-severity-{suffix}",
            placeholder=ui.t("choose_option"),
        )
        fields["stage"] = b.selectbox(
            ui.t("field_stage"), STAGES, index=STAGES.index(form["stage"]), key=f"f-stage-{suffix}", placeholder=ui.t("choose_option")
        )
        fields["owner"] = c.text_input(ui.t("field_owner"), form["owner"], key=f"f-owner-{suffix}")
        fields["handover_hours"] = c.number_input(
            ui.t("field_handover_hours"),
            min_value=1,
            max_value=168,
            value=form["handover_hours"],
            step=1,
            key=f"f-handover-{suffix}",
            help=ui.t("field_handover_hours_help"),
        )
        d, e = st.columns(2)
        fields["languages"] = d.multiselect(
            ui.t("field_languages"),
            ["zh", "en"],
            default=form["languages"],
            format_func=ui.labeller("language_"),
            placeholder=ui.t("choose_options"),
            key=f"f-langs-{suffix}",
        )
        book_rules = [r.id for r in ui.policy_book().rules]
        fields["rules"] = e.multiselect(
            ui.t("field_rules"),
            sorted(set(book_rules) | set(form["rules"])),
            default=form["rules"],
            key=f"f-rules-{suffix}",
            placeholder=ui.t("choose_options"),
            help=ui.t("field_rules_help"),
        )
        f, g, h, i = st.columns(4)
        fields["started_at"] = _moment(form["started_at"], (f, g), "field_started_at", f"f-start-{suffix}")
        fields["next_update"] = _moment(form["next_update"], (h, i), "field_next_update", f"f-nu-{suffix}")
        st.markdown(f"**{ui.t('field_actions')}**")
        fields["actions"] = st.data_editor(
            form["actions"] or [{c: (None if c == "due" else "") for c in forms.ACTION_COLUMNS}],
            num_rows="dynamic",
            key=f"f-actions-{suffix}",
            width="stretch",
            column_config={
                **{c: st.column_config.TextColumn(ui.t(f"col_{c}")) for c in forms.ACTION_COLUMNS if c != "due"},
                "due": st.column_config.DateColumn(ui.t("col_due")),
            },
        )
        st.markdown(f"**{ui.t('field_decisions')}**")
        st.caption(ui.t("field_decisions_help"))
        fields["decisions"] = st.data_editor(
            form["decisions"] or [{c: "" for c in forms.REMEDY_COLUMNS}],
            num_rows="dynamic",
            key=f"f-decisions-{suffix}",
            width="stretch",
            column_config={
                **{c: st.column_config.Column(ui.t(f"col_remedy_{c}")) for c in forms.REMEDY_COLUMNS},
                "type": st.column_config.SelectboxColumn(ui.t("col_remedy_type"), options=forms.REMEDY_TYPES, format_func=ui.labeller("remedy_")),
                "scope": st.column_config.SelectboxColumn(ui.t("col_remedy_scope"), options=forms.REMEDY_SCOPES, format_func=ui.labeller("scope_")),
                "applies_to": st.column_config.SelectboxColumn(
                    ui.t("col_remedy_applies_to"), options=forms.REMEDY_APPLIES_TO, format_func=ui.labeller("applies_to_")
                ),
                "for_issue_types": st.column_config.TextColumn(ui.t("col_remedy_for_issue_types"), help=ui.t("col_remedy_for_issue_types_help")),
            },
        )
        saved = st.form_submit_button(ui.t("save_incident"), type="primary", key=f"f-save-{suffix}")
    if not saved:
        return None
    try:
        return forms.from_form(fields)
    except ValidationError as exc:
        st.error(ui.t("incident_invalid", problems=validation_message(exc)))
    except forms.FormError as exc:
        st.error(ui.t("incident_invalid", problems=str(exc)))
    return None


def _moment(value: datetime | None, columns: tuple[Any, Any], label: str, key: str) -> datetime | None:
    """A date and a time widget side by side, as one moment (None unless both are set); the saved
    moment's time zone is kept, since the widgets know none."""
    with columns[0]:
        day = ui.date_input(ui.t(label), value.date() if value else None, key=f"{key}-day")
    hour = ui.time_input(ui.t(f"{label}_time"), value.time() if value else None, key=f"{key}-time", where=columns[1])
    return datetime.combine(day, hour).replace(tzinfo=value.tzinfo if value else None) if day and hour else None


def save(record: Incident, *, new: bool) -> bool:
    """Save through the workflow and put the incident in focus. A new record may update only what this
    person created here a moment ago (saved early, then in full); anyone else's id is never overwritten
    from a blank form — said plainly, and False."""
    flow = ui.workflow()
    mine = st.session_state.setdefault(CREATED_HERE, [])
    if new and record.id in {i.id for i in review.incidents(flow)} and record.id not in mine:
        st.error(ui.t("incident_exists", id=record.id))
        return False
    flow.save_incident(record, actor=ui.operator() or "app")
    if new:
        mine.append(record.id)
    st.session_state[ui.INCIDENT_KEY] = record.id
    st.session_state["flash"] = ui.t("incident_saved", id=record.id)
    return True

"""Incident room: what happened and what we decided (the record every draft is built from), the PLAYBOOK
timeline with what is due when, and the public statement for each stage and language."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st
from pydantic import ValidationError

from drafting.domain.files import validation_message
from drafting.domain.models import STAGES, Incident
from drafting.domain.timeline import plan
from drafting.webapp import forms, ui
from drafting.workflow import queue as review

st.header(ui.t("page_incident"))
flow = ui.workflow()
current_id = st.session_state.get(ui.INCIDENT_KEY)
incident: Incident | None = flow.incident(current_id) if current_id else None
if st.session_state.pop("close_new_form", False):  # a new incident was just saved: show it, not a blank form
    st.session_state["creating"] = False
creating = st.toggle(ui.t("new_incident"), key="creating", value=incident is None)
shown = None if creating else incident
if not creating and incident is None:
    st.info(ui.t("no_incident_yet"))
    st.stop()

# ── the record ─────────────────────────────────────────────────────────────────────────────────────
form = forms.to_form(shown)
# Widget keys per incident and UI language: switching incident never mixes two records, and switching
# language redraws the labels (unsaved typing in the form is dropped then).
suffix = f"{'new' if shown is None else shown.id}-{ui.lang()}"
with st.expander(ui.t("incident_record"), expanded=shown is None):
    with st.form(f"incident-form-{suffix}"):
        fields = {
            "id": st.text_input(ui.t("incident_id"), form["id"], disabled=shown is not None, help=ui.t("incident_id_help"), key=f"f-id-{suffix}")
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
        )
        fields["stage"] = b.selectbox(ui.t("field_stage"), STAGES, index=STAGES.index(form["stage"]), key=f"f-stage-{suffix}")
        fields["owner"] = c.text_input(ui.t("field_owner"), form["owner"], key=f"f-owner-{suffix}")
        d, e = st.columns(2)
        fields["languages"] = d.multiselect(ui.t("field_languages"), ["zh", "en"], default=form["languages"], key=f"f-langs-{suffix}")
        book_rules = [r.id for r in ui.policy_book().rules]
        fields["rules"] = e.multiselect(
            ui.t("field_rules"),
            sorted(set(book_rules) | set(form["rules"])),
            default=form["rules"],
            key=f"f-rules-{suffix}",
            help=ui.t("field_rules_help"),
        )
        next_update = form["next_update"]
        f, g = st.columns(2)
        day = f.date_input(ui.t("field_next_update"), next_update.date() if next_update else None, key=f"f-nu-day-{suffix}")
        hour = g.time_input(ui.t("field_next_update_time"), next_update.time() if next_update else None, key=f"f-nu-time-{suffix}")
        fields["next_update"] = datetime.combine(day, hour).replace(tzinfo=(next_update.tzinfo if next_update else None)) if day and hour else None
        st.markdown(f"**{ui.t('field_actions')}**")
        fields["actions"] = st.data_editor(
            form["actions"] or [{c: None for c in forms.ACTION_COLUMNS}],
            num_rows="dynamic",
            key=f"f-actions-{suffix}",
            width="stretch",
            column_config={"due": st.column_config.DateColumn(ui.t("col_due"))},
        )
        st.markdown(f"**{ui.t('field_decisions')}**")
        st.caption(ui.t("field_decisions_help"))
        fields["decisions"] = st.data_editor(
            form["decisions"] or [{c: None for c in forms.REMEDY_COLUMNS}], num_rows="dynamic", key=f"f-decisions-{suffix}", width="stretch"
        )
        saved = st.form_submit_button(ui.t("save_incident"), type="primary")
    if saved:
        try:
            record = forms.from_form(fields)
        except ValidationError as exc:
            st.error(ui.t("incident_invalid", problems=validation_message(exc)))
        except forms.FormError as exc:
            st.error(ui.t("incident_invalid", problems=str(exc)))
        else:
            if shown is None and record.id in {i.id for i in review.incidents(flow)}:
                st.error(ui.t("incident_exists", id=record.id))
            else:
                flow.save_incident(record, actor=ui.operator() or "app")
                st.session_state[ui.INCIDENT_KEY] = record.id
                st.session_state["close_new_form"] = True
                st.session_state["flash"] = ui.t("incident_saved", id=record.id)
                st.rerun()

ui.show_flash()
if shown is None:
    st.stop()
incident = shown

# ── the timeline ───────────────────────────────────────────────────────────────────────────────────
st.subheader(ui.t("timeline"))
declared = review.declared_at(flow, incident.id)
statements = review.statements(flow, incident.id)
now = datetime.now(UTC)
columns = st.columns(len(plan()))
for column, step in zip(columns, plan(), strict=False):
    with column.container(border=True):
        marker = "▶ " if step.stage == incident.stage else ""
        st.markdown(f"**{marker}{step.label[ui.lang()]}**")
        due = step.due_by(declared)
        st.caption(
            ui.t("due_by", when=due.astimezone().strftime("%m-%d %H:%M"))
            + (f" · {ui.t('overdue')}" if due < now and step.stage == incident.stage else "")
        )
        for item in step.due[ui.lang()]:
            st.markdown(f"- {item}")
        for lang_ in incident.languages:
            view = statements.get((step.stage, lang_))
            st.caption(f"{ui.t('statement')} {lang_}: {ui.status_name(view.status) if view else ui.t('status_no_draft')}")

# ── statements ─────────────────────────────────────────────────────────────────────────────────────
st.subheader(ui.t("statements"))
stage = st.selectbox(ui.t("field_stage"), STAGES, index=STAGES.index(incident.stage), key="statement_stage")
for lang_, column in zip(incident.languages, st.columns(len(incident.languages) or 1), strict=False):
    with column:
        st.markdown(f"**{'中文' if lang_ == 'zh' else 'English'}**")
        view = statements.get((stage, lang_))
        if view is None or view.status == "rejected":
            if st.button(ui.t("draft_statement"), key=f"draft-stmt-{stage}-{lang_}", type="primary"):
                draft = ui.drafter().draft_statement(incident, stage, lang_)
                flow.record_draft(draft, actor=ui.operator() or "app")
                st.rerun()
            continue
        ui.draft_review_panel(view, key=f"stmt-{view.id}")

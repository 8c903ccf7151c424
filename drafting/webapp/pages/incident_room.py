"""Incident room: what happened and what we decided (the record every draft is built from), the PLAYBOOK
timeline with what is due when, and the public statement for each stage and language."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from drafting.domain.models import STAGES, Incident
from drafting.domain.timeline import plan, stage_now
from drafting.webapp import forms, incident_form, ui
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
    record = incident_form.record_form(form, suffix, locked_id=shown is not None)
    if record is not None and incident_form.save(record, new=shown is None):
        st.session_state["close_new_form"] = True
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
if (calendar := stage_now(declared, now)) != incident.stage:
    label = {step.stage: step.label[ui.lang()] for step in plan()}
    st.info(ui.t("stage_by_calendar", stage=label[calendar], recorded=label[incident.stage]))
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
stage = st.selectbox(ui.t("field_stage"), STAGES, index=STAGES.index(incident.stage), key="statement_stage", placeholder=ui.t("choose_option"))
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

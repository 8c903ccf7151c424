"""Draft editor: the customer's messages beside the editable reply, its guards re-run on every edit, the
promises with the rule behind each, sources, approve / reject, rewrites, and the version history. What the
customer claimed but nobody confirmed is shown as a claim, with a form to confirm it and redraft."""

from __future__ import annotations

import streamlit as st

from drafting.drafters.composer import STYLES
from drafting.webapp import ui
from drafting.workflow import queue as review
from drafting.workflow.core import NotFound

st.header(ui.t("page_editor"))
flow = ui.workflow()
incident_id = ui.incident_in_focus()

items = review.briefs(flow, incident_id)
if not items:
    st.info(ui.t("no_tickets"))
    st.stop()
# A stable order (by arrival), not the queue's risk order: the picker must not shift under the reviewer
# when an edit changes a draft's risk.
ids = [i.ticket_id for i in items]
risk_label, status_label = ui.labeller("risk_"), ui.labeller("status_")
labels = {i.ticket_id: f"{' '.join(risk_label(r) for r in i.risks)} {i.customer or i.external_id} · {status_label(i.status)}".strip() for i in items}
ticket_id = ui.pick(ui.t("ticket"), ids, ui.TICKET_KEY, labels)
item = next(i for i in items if i.ticket_id == ticket_id)
try:
    ticket = flow.ticket(ticket_id)
    incident = flow.incident(incident_id)
except NotFound as exc:
    ui.error(exc)
    st.stop()

left, right = st.columns([2, 3])
with left:
    st.subheader(ui.t("customer_says"))
    st.caption(f"{ticket.customer or ticket.id} · {ui.channel_name(ticket.channel)} · {ticket.order_id or ''}")
    for message in ticket.messages:
        with st.chat_message("user"):
            st.text(message)  # plain text: a customer's message is never rendered as markdown or HTML
    ui.claims_panel(flow, ticket_id, ticket.facts.claimed)
    # Claims are shown above, as claims: never among the facts.
    facts = {k: v for k, v in ticket.facts.model_dump(mode="json", exclude={"claimed"}).items() if v not in (None, False, "")}
    with st.expander(ui.t("ticket_facts")):
        st.json(facts)
    for risk in item.risks:
        st.warning(ui.risk_name(risk))

with right:
    st.subheader(ui.t("reply"))
    # Drafts keep the facts they were made with: after a confirmation, offer a draft that uses the new ones.
    confirmed = st.session_state.get(f"confirmed-{ticket_id}")
    if confirmed:
        st.success(ui.t("facts_confirmed", facts=ui.joined(confirmed)))
        if item.status in ("drafted", "edited") and item.draft_id is not None:
            st.caption(ui.t("redraft_hint"))
            if st.button(ui.t("redraft"), key="redraft", type="primary", disabled=not ui.operator()):
                # The version this reviewer has on screen: a newer one someone saved meanwhile is a conflict, not
                # silently set aside; then nothing is drafted.
                seen = st.session_state.get(f"reply-{item.draft_id}-seen") or flow.get(item.draft_id).version
                draft = ui.drafter().draft_reply(incident, ticket)
                try:
                    flow.reject(item.draft_id, seen, actor=ui.operator(), reason=ui.t("redraft_reason", facts=ui.joined(confirmed)))
                except Exception as exc:
                    ui.error(exc)
                else:
                    flow.record_draft(draft, actor=ui.operator(), ticket_row_id=ticket_id)
                    del st.session_state[f"confirmed-{ticket_id}"]
                    st.rerun()
        elif item.status in ("approved", "sent"):
            st.caption(ui.t("confirmed_after_approval", status=ui.status_name(item.status)))
    if item.draft_id is None or item.status == "rejected":
        if item.status == "rejected":
            st.caption(ui.t("rejected_redraft"))
        if st.button(ui.t("draft_now"), key="draft_now", type="primary"):
            draft = ui.drafter().draft_reply(incident, ticket)
            flow.record_draft(draft, actor=ui.operator() or "app", ticket_row_id=ticket_id)
            st.session_state.pop(f"confirmed-{ticket_id}", None)
            st.rerun()
        if item.draft_id is None:
            st.stop()
    view = flow.get(item.draft_id)
    ui.draft_review_panel(view, key=f"reply-{view.id}")
    if view.status in ("drafted", "edited"):
        st.markdown(f"**{ui.t('rewrite')}**")
        presets = st.columns(len(STYLES))
        chosen = None
        for column, style in zip(presets, STYLES, strict=False):
            if column.button(ui.t("style_" + style), key=f"rewrite-{style}", disabled=not ui.operator()):
                chosen = style
        instruction = st.text_input(
            ui.t("rewrite_instruction"),
            key="rewrite_text",
            placeholder=ui.t("rewrite_placeholder"),
            disabled=not ui.settings().llm_configured,
            help=None if ui.settings().llm_configured else ui.t("rewrite_needs_llm"),
        )
        if st.button(ui.t("rewrite_apply"), key="rewrite-go", disabled=not instruction.strip() or not ui.operator()):
            chosen = instruction.strip()
        if chosen:
            rewritten = ui.drafter().rewrite(incident, ticket, view.draft, chosen)
            if rewritten.text == view.draft.text:
                st.warning(rewritten.warnings[-1] if rewritten.warnings else ui.t("rewrite_same"))
            else:
                try:
                    flow.edit(view.id, rewritten.text, view.version, actor=ui.operator())
                except Exception as exc:  # a stale version: someone else moved first
                    ui.error(exc)
                else:
                    st.rerun()

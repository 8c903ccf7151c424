"""Review queue: every ticket with its draft, riskiest first (blocked, unbacked promise, injection, VIP,
anger), then oldest; filters, counts by status, batch drafting with a progress bar, bulk approval of the
drafts that are safe to approve unread, and charts of volume and tone."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from drafting.webapp import ui
from drafting.workflow import queue as review

st.header(ui.t("page_queue"))
flow = ui.workflow()
incident_id = ui.incident_in_focus()

items = review.queue(flow, incident_id)
counts = review.status_counts(items)
metrics = st.columns(max(len(counts), 1) + 1)
metrics[0].metric(ui.t("tickets"), len(items))
for column, (status, n) in zip(metrics[1:], counts.items(), strict=False):
    column.metric(ui.status_name(status), n)

# ── batch drafting ─────────────────────────────────────────────────────────────────────────────────
undrafted = flow.tickets_needing_draft(incident_id)  # no draft yet, or only rejected ones
if undrafted and st.button(ui.t("draft_all", n=len(undrafted)), key="draft_all", type="primary"):
    ui.draft_batch(flow, incident_id, undrafted)
    st.rerun()
ui.show_flash()

# ── filters ────────────────────────────────────────────────────────────────────────────────────────
f1, f2, f3 = st.columns([2, 2, 3])
statuses = f1.multiselect(
    ui.t("filter_status"),
    list(review.STATUS_ORDER),
    format_func=ui.labeller("status_"),
    key=f"q_status_{ui.lang()}",
    placeholder=ui.t("choose_options"),
)
risks = f2.multiselect(
    ui.t("filter_risk"), list(review.RISKS), format_func=ui.labeller("risk_"), key=f"q_risk_{ui.lang()}", placeholder=ui.t("choose_options")
)
needle = f3.text_input(ui.t("filter_text"), key="q_text", placeholder=ui.t("filter_text_placeholder"))
shown = review.filter_queue(items, statuses=statuses, risks=risks, text=needle)

# ── bulk approval ──────────────────────────────────────────────────────────────────────────────────


def left_for_a_person(
    listed: list[review.QueueItem], chosen: dict[int, int], confirmed: list[review.QueueItem], outcome: review.BulkOutcome
) -> list[dict[str, str]]:
    """Every open draft of the listed tickets that bulk approval did not approve, with why: the reasons it
    was never offered (warnings, an unbacked promise, injection, a second approver …), or what stopped it
    between the confirmation and the approval."""
    refused = dict(outcome.skipped)
    went_ahead = {i.draft_id for i in confirmed}
    rows = []
    for item in listed:
        if item.draft_id is None or item.status not in ("drafted", "edited") or item.draft_id in outcome.approved:
            continue
        if item.draft_id in chosen and item.draft_id not in went_ahead:
            why = [ui.t("bulk_changed")]
        elif item.draft_id in refused and item.bulk_approvable:
            why = [ui.reason(refused[item.draft_id])]  # the workflow's refusal, in the reviewer's language
        else:
            why = ui.needs_a_look(item)
        rows.append({ui.t("col_customer"): item.customer or item.external_id, ui.t("col_why"): "; ".join(why)})
    return rows


safe = [i for i in shown if i.bulk_approvable]
who = ui.operator()
if safe:
    if st.button(ui.t("bulk_approve", n=len(safe)), key="bulk", disabled=not who or not ui.is_approver(who), help=ui.t("bulk_approve_help")):
        st.session_state["bulk_confirm"] = [(i.draft_id, i.version) for i in safe]
    pending = st.session_state.get("bulk_confirm")
    if pending:
        st.warning(ui.t("bulk_confirm", n=len(pending)))
        yes, no = st.columns(2)
        if yes.button(ui.t("bulk_yes", n=len(pending)), key="bulk_yes", type="primary"):
            chosen = {draft_id: version for draft_id, version in pending}
            # Approve exactly what was confirmed, at the versions shown; anything that moved since is skipped.
            confirmed = [i for i in review.queue(flow, incident_id) if i.draft_id in chosen and i.version == chosen[i.draft_id]]
            outcome = review.bulk_approve(flow, confirmed, who)
            del st.session_state["bulk_confirm"]
            st.session_state["flash"] = ui.t("bulk_done", n=len(outcome.approved), skipped=len(pending) - len(outcome.approved))
            st.session_state["bulk_left"] = left_for_a_person(shown, chosen, confirmed, outcome)
            st.rerun()
        if no.button(ui.t("cancel"), key="bulk_no"):
            del st.session_state["bulk_confirm"]
            st.rerun()
elif not who:
    st.caption(ui.t("who_are_you"))
if left := st.session_state.pop("bulk_left", None):
    st.warning(ui.t("bulk_left", n=len(left)))
    st.dataframe(pd.DataFrame(left), hide_index=True, width="stretch")

# ── the table ──────────────────────────────────────────────────────────────────────────────────────
# A page at a time, riskiest first: reviewers work from the top, and the picker below lists the page's
# tickets rather than every one.
PAGE = 100
pages = max(1, -(-len(shown) // PAGE))
number = st.number_input(ui.t("queue_page", pages=pages), min_value=1, max_value=pages, value=1, step=1, key="q_page") if pages > 1 else 1
window = shown[(number - 1) * PAGE : number * PAGE]
columns = {name: ui.t(f"col_{name}") for name in ("risk", "customer", "status", "tone", "unbacked", "approvals", "why", "received", "message")}
risk_label, status_label = ui.labeller("risk_"), ui.labeller("status_")
rows = [
    {
        "ticket": i.ticket_id,
        columns["risk"]: " ".join(risk_label(r) for r in i.risks),
        columns["customer"]: i.customer or i.external_id,
        columns["status"]: status_label(i.status),
        columns["tone"]: i.score,
        columns["unbacked"]: i.unbacked,
        columns["approvals"]: f"{i.approvals}/{i.approvals_needed}" if i.draft_id else "",
        # Only for a draft still open: that an approved or sent one "needs a look" says nothing new.
        columns["why"]: "; ".join(ui.needs_a_look(i)) if i.status in ("drafted", "edited") and not i.bulk_approvable else "",
        columns["received"]: i.received_at.astimezone().strftime("%m-%d %H:%M"),
        columns["message"]: (i.messages[-1] if i.messages else "")[:120],
    }
    for i in window
]
st.caption(ui.t("queue_hint", shown=len(shown), total=len(items)))
picked = st.dataframe(
    pd.DataFrame(rows),
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="queue_table",
    column_config={"ticket": None},
)
selected = list(picked.selection.rows) if picked is not None else []
labels = {i.ticket_id: f"{i.customer or i.external_id} · {status_label(i.status)}" for i in window}
open_col, button_col = st.columns([4, 1])
choice = open_col.selectbox(
    ui.t("open_ticket"), list(labels), index=None, format_func=labels.__getitem__, key="open_ticket", placeholder=ui.t("open_ticket_placeholder")
)
clicked = window[selected[0]].ticket_id if selected and selected[0] < len(window) else None
# A row clicked in the table opens it once; coming back to the queue with the row still selected does not.
if clicked is not None and clicked != st.session_state.get("opened_from_table"):
    st.session_state["opened_from_table"] = clicked
    choice = clicked
elif not button_col.button(ui.t("open"), key="open", disabled=choice is None):
    choice = None
if choice is not None:
    st.session_state[ui.TICKET_KEY] = choice
    st.switch_page(ui.page("draft_editor"))

# ── charts ─────────────────────────────────────────────────────────────────────────────────────────
# Vega-Lite specs as plain dicts: building them with Altair validates against its schema on every run,
# which took longer than the rest of the page.
# Folded until asked for, and drawn only then: the charting code is the heaviest thing a fresh browser
# session loads, and the reviewer's first need is the table. The choice holds for the session.
charts = st.expander(ui.t("queue_charts"), key="q_charts", on_change="rerun")
volume = review.volume_over_time(items) if charts.open else []
scores = review.tone_scores(items) if charts.open else []
if volume or scores:
    c1, c2 = charts.columns(2)
    if volume:
        c1.markdown(f"**{ui.t('chart_volume')}**")
        c1.vega_lite_chart(
            {
                "data": {"values": [{**row, "time": row["time"].isoformat(), "status": status_label(row["status"])} for row in volume]},
                "mark": "bar",
                "encoding": {
                    # 24-hour times and whole tickets: no "07 PM", no ".597" on the axes.
                    "x": {"field": "time", "type": "temporal", "title": ui.t("chart_time"), "axis": {"format": "%m-%d %H:%M"}},
                    "y": {"field": "tickets", "type": "quantitative", "title": ui.t("tickets"), "axis": {"format": "d", "tickMinStep": 1}},
                    "color": {"field": "status", "type": "nominal", "title": ui.t("col_status")},
                },
            },
            width="stretch",
        )
    if scores:
        verdict_label = ui.labeller("verdict_")
        c2.markdown(f"**{ui.t('chart_tone')}**")
        c2.vega_lite_chart(
            {
                "data": {"values": [{"score": row["score"], "verdict": verdict_label(row["verdict"])} for row in scores]},
                "mark": "bar",
                "encoding": {
                    "x": {"field": "score", "type": "quantitative", "bin": {"step": 5}, "title": ui.t("col_tone")},
                    "y": {"aggregate": "count", "type": "quantitative", "title": ui.t("drafts"), "axis": {"format": "d", "tickMinStep": 1}},
                    "color": {"field": "verdict", "type": "nominal", "title": ui.t("verdict")},
                },
            },
            width="stretch",
        )

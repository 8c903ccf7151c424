"""Send: approved replies ready to go out. Most crisis channels have no API (a WeChat group), so each reply
has a copy button and a "mark as sent" step; all of them export as CSV or XLSX; where a webhook is
configured, approval already queued the reply for it and this page shows and retries the deliveries."""

from __future__ import annotations

import streamlit as st

from drafting.webapp import export, ui
from drafting.workflow import queue as review

st.header(ui.t("page_send"))
flow = ui.workflow()
incident_id = ui.incident_in_focus()

everything = review.approved_replies(flow, incident_id, include_sent=True)
waiting = [r for r in everything if r["status"] == "approved"]
a, b, c = st.columns(3)
a.metric(ui.t("status_approved"), len(waiting))
b.metric(ui.t("status_sent"), len(everything) - len(waiting))
stamp = incident_id.replace("/", "_")
with c:
    st.download_button(ui.t("export_csv"), export.to_csv(everything), f"{stamp}-approved.csv", "text/csv", key="csv", disabled=not everything)
    st.download_button(
        ui.t("export_xlsx"),
        export.to_xlsx(everything),
        f"{stamp}-approved.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="xlsx",
        disabled=not everything,
    )

hooks = flow.webhooks
if hooks is not None:
    st.info(ui.t("webhook_on"))
    if hooks.problem:  # no signing secret: deliveries refuse to start (they stay queued)
        st.error(ui.reason(hooks.problem))
    if st.button(ui.t("webhook_deliver"), key="deliver", disabled=bool(hooks.problem)):
        outcome = hooks.deliver_due()
        st.success(ui.joined(ui.t(f"webhook_outcome_{state}", n=n) for state, n in outcome.items() if n) or ui.t("webhook_nothing"))
    log = {row["draft_id"]: row for row in reversed(hooks.log(500))}  # the newest delivery per draft
else:
    log = {}

if not waiting:
    st.info(ui.t("nothing_to_send"))
who = ui.operator()
for row in waiting:
    with st.container(border=True):
        kind = ui.t("statement") if row["kind"] == "statement" else (row["customer"] or row["ticket"])
        st.markdown(f"**{kind}** · {ui.channel_name(row['channel'] or '')} · {ui.t('approved_by', names=row['approved_by'])}")
        st.code(row["text"], language=None, wrap_lines=True)  # the copy button sits in the block's corner
        if row["draft_id"] in log:
            delivery = log[row["draft_id"]]
            st.caption(
                ui.t(
                    "webhook_status",
                    status=ui.t(f"webhook_state_{delivery['status']}"),
                    attempts=delivery["attempts"],
                    error=delivery["last_error"] or "—",
                )
            )
        if hooks is not None and st.button(ui.t("webhook_send"), key=f"hook-{row['draft_id']}", disabled=not who or bool(hooks.problem)):
            hooks.deliver_due()
            delivery = next((d for d in hooks.log(500) if d["draft_id"] == row["draft_id"]), None)
            if delivery is not None and delivery["status"] == "delivered":
                flow.mark_sent(row["draft_id"], row["version"], actor=who, note="webhook")
                st.rerun()
            st.error(ui.t("webhook_not_delivered", error=(delivery or {}).get("last_error") or ui.t("webhook_no_delivery")))
        note, button = st.columns([3, 1])
        where = note.text_input(ui.t("sent_note"), key=f"note-{row['draft_id']}", placeholder=ui.t("sent_note_placeholder"))
        if button.button(ui.t("mark_sent"), key=f"sent-{row['draft_id']}", disabled=not who):
            try:
                flow.mark_sent(row["draft_id"], row["version"], actor=who, note=where)
            except Exception as exc:
                ui.error(exc)
            else:
                st.rerun()
if waiting and not who:
    st.caption(ui.t("who_are_you"))

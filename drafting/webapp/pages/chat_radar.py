"""Chat radar: paste or upload a group chat; see the message that lit the fuse, how the anger spread, what
people complain about and who drives it; turn every complaining member into a ticket for the incident."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import streamlit as st

from drafting import services
from drafting.domain.models import Incident
from drafting.radar import analysis as crisis_radar
from drafting.radar import incident as chat_incident
from drafting.radar.chat_import import ChatImportError, parse_chat
from drafting.webapp import forms, incident_form, ui
from drafting.workflow import queue as review

# The radar's own choice of incident, and the sidebar focus it last followed: tickets go where the manager
# chose on this page, which starts from the incident in focus and follows it when the focus changes (a new
# incident saved here is put in focus, so it becomes the choice).
CHOSEN, FOLLOWED, NEW_FORM = "radar_incident", "_radar_followed_focus", "radar_new_form"


def choose_incident(incidents: list[Incident], names: dict[str, str]) -> str:
    focus = st.session_state.get(ui.INCIDENT_KEY)
    if st.session_state.get(FOLLOWED) != focus:
        st.session_state[FOLLOWED] = focus
        if focus in names:
            st.session_state[CHOSEN] = focus
    ids = [i.id for i in reversed(incidents)]  # newest first, as in the sidebar
    return str(ui.pick(ui.t("radar_incident_pick"), ids, CHOSEN, names))


def show_draft_context(radar: crisis_radar.Radar) -> None:
    """What the record was prefilled from, and who lit the fuse: context the record itself leaves out."""
    start = chat_incident.started_at(radar)
    values = {
        "when": f"{start:%m-%d %H:%M}" if start else "—",
        "themes": ui.t("list_separator").join(ui.t(f"theme_{t}") for t in chat_incident.main_themes(radar)),
        "languages": ui.t("list_separator").join(ui.t(f"language_{lang}") for lang in chat_incident.languages_seen(radar)),
    }
    st.markdown(f"**{ui.t('radar_new_title')}**")
    st.caption(ui.t("radar_new_context", **values))
    if radar.trigger is not None:
        st.caption(ui.t("radar_new_fuse", sender=radar.trigger.sender))
    st.caption(ui.t("radar_new_public"))


st.header(ui.t("page_radar"))
st.caption(ui.t("radar_intro"))

upload = ui.file_uploader(ui.t("radar_upload"), ["txt", "csv", "json", "jsonl"], key="radar_file")
pasted = st.text_area(ui.t("radar_paste"), key="radar_text", height=120, placeholder=ui.t("radar_paste_placeholder"))
staff = st.text_input(ui.t("radar_staff"), key="radar_staff", placeholder=ui.t("radar_staff_placeholder"), help=ui.t("radar_staff_help"))
left, right = st.columns(2)
shipped = crisis_radar.default_watch()
lists = left.multiselect(
    ui.t("radar_watch_lists"),
    list(shipped),
    default=list(shipped),
    key=f"radar_lists_{ui.lang()}",
    format_func=ui.labeller("watch_"),
    placeholder=ui.t("choose_options"),
    help=ui.t("radar_watch_lists_help"),
)
extra = right.text_input(ui.t("radar_watch"), key="radar_watch", placeholder=ui.t("radar_watch_placeholder"))

data, name = (upload.getvalue(), upload.name) if upload is not None else (pasted.encode("utf-8"), "pasted.txt")
if not data.strip():
    st.stop()


@st.cache_data(show_spinner=False, max_entries=8)
def run(digest: str, _data: bytes, name: str, staff: str, lists: tuple[str, ...], extra: str) -> crisis_radar.Radar:  # noqa: ARG001 - digest keys the cache
    log = parse_chat(_data, name=name, staff=staff.split(","))
    watch = {name_: crisis_radar.default_watch()[name_] for name_ in lists}
    if terms := [t.strip() for t in re.split(r"[,，、]", extra) if t.strip()]:
        watch["custom"] = terms
    return crisis_radar.analyse(log, services.bulk_tone_checker(ui.settings()), watch=watch)


digest = hashlib.sha256(data).hexdigest()
try:
    with st.spinner(ui.t("radar_working")):
        result = run(digest, data, name, staff, tuple(lists), extra)
except ChatImportError as exc:
    st.error(ui.t("radar_unreadable", error=str(exc)))
    st.stop()
log = result.log
st.success(
    ui.t("radar_summary", messages=len(log.messages), format=ui.named("radar_format_", log.format), staff=len(log.staff), problems=len(log.problems))
)
if log.inferred_staff:
    st.info(ui.t("radar_staff_inferred", names=ui.joined(log.inferred_staff)))
if log.problems:
    with st.expander(ui.t("radar_problems", n=len(log.problems))):
        for problem in log.problems[:200]:
            st.text(ui.t("radar_problem_line", line=problem.line, reason=problem.reason))

# ── the trigger ──────────────────────────────────────────────────────────────────────────────────────
st.subheader(ui.t("radar_trigger"))
if not result.triggers:
    st.warning(ui.t("radar_no_staff"))
for rank, c in enumerate(result.triggers[:3], start=1):
    with st.container(border=True):
        when = f"{c.time:%m-%d %H:%M}" if c.time else f"#{c.index + 1}"
        label = f":red[:material/local_fire_department: {ui.t('radar_most_likely')}]" if rank == 1 else f"{rank}."
        st.markdown(f"{label} **{c.sender}** · {when}")
        st.text(c.text)
        st.caption(
            ui.t(
                "radar_why",
                ratio=c.rate_ratio,
                before=f"{c.complaint_share_before:.0%}",
                after=f"{c.complaint_share_after:.0%}",
                voices=c.new_voices,
                echoes=c.echoes,
            )
            + (f" · {ui.t('tone')}: {', '.join(c.tone_flags)}" if c.tone_flags else "")
        )

# ── the timeline ─────────────────────────────────────────────────────────────────────────────────────
if result.timeline:
    st.subheader(ui.t("radar_timeline"))
    per_minute = [
        {"time": b.start.isoformat(), "series": ui.t(f"radar_series_{name}"), "value": value}
        for b in result.timeline
        for name, value in (("messages", b.messages), ("complaints", b.complaints), ("angry", b.angry))
    ]
    shares = [
        {"time": m.minute.isoformat(), "series": ui.t(f"radar_series_{name}_share"), "value": value}
        for m in crisis_radar.mood_over_time(result.timeline)
        for name, value in (("complaints", m.complaint_share), ("angry", m.angry_share))
        if value is not None
    ]
    marker = (
        [
            {
                "data": {"values": [{"time": result.trigger.time.isoformat()}]},
                "mark": {"type": "rule", "color": "red", "strokeWidth": 2},
                "encoding": {"x": {"field": "time", "type": "temporal"}},
            }
        ]
        if result.trigger and result.trigger.time
        else []
    )

    def panel(values: list[dict[str, Any]], series: list[str], title: str, axis: dict[str, Any]) -> dict[str, Any]:
        # Fixed colours, none of them red (red is the trigger's line); the share panel reuses the last two, so
        # complaints and anger keep their colours from one chart to the other.
        colour = {"domain": [ui.t(f"radar_series_{name}") for name in series], "range": ["#4c78a8", "#f58518", "#7b4173"][-len(series) :]}
        line = {
            "data": {"values": values},
            "mark": {"type": "line", "interpolate": "linear"},
            "encoding": {
                "x": {"field": "time", "type": "temporal", "title": None, "axis": {"format": "%H:%M"}},  # 24-hour, no "07 PM"
                "y": {"field": "value", "type": "quantitative", "title": title, "axis": axis},
                "color": {"field": "series", "type": "nominal", "title": None, "legend": {"orient": "top"}, "scale": colour},
                "tooltip": [
                    {"field": "time", "type": "temporal", "format": "%H:%M"},
                    {"field": "series"},
                    {"field": "value", "format": axis.get("format", "d")},
                ],
            },
        }
        return {"layer": [line, *marker], "height": 180}

    st.vega_lite_chart(
        panel(per_minute, ["messages", "complaints", "angry"], ui.t("radar_per_minute"), {"format": "d", "tickMinStep": 1}), width="stretch"
    )
    st.vega_lite_chart(panel(shares, ["complaints_share", "angry_share"], ui.t("radar_share_window"), {"format": "%"}), width="stretch")
    st.caption(ui.t("radar_chart_note"))

# ── themes, influencers, alerts ──────────────────────────────────────────────────────────────────────
themes_col, people_col = st.columns([3, 2])
with themes_col:
    st.subheader(ui.t("radar_themes"))
    for theme in result.themes:
        with st.expander(f"{ui.t('theme_' + theme.theme)} · {theme.count} · {ui.t('radar_members', n=theme.members)}"):
            for example in theme.examples:
                st.text(example)
with people_col:
    st.subheader(ui.t("radar_influencers"))
    for name_, count in result.influencers:
        st.markdown(f"- {name_} ({count})")
if result.alerts:
    st.subheader(ui.t("radar_alerts", n=len(result.alerts)))
    st.dataframe(
        [
            {
                ui.t("radar_list"): ui.t(f"watch_{a.watch}"),
                ui.t("radar_term"): a.term,
                ui.t("col_customer"): a.sender,
                ui.t("radar_col_said"): a.text,
                ui.t("radar_context"): " ↩ ".join(a.context),
            }
            for a in result.alerts[:500]
        ],
        hide_index=True,
        width="stretch",
    )

# ── the incident these tickets go to ────────────────────────────────────────────────────────────────
flow = ui.workflow()
st.subheader(ui.t("radar_incident"))
incidents = review.incidents(flow)
names = {i.id: f"{i.title.pick(ui.lang())} ({i.id})" for i in incidents}
if st.button(ui.t("radar_new_incident"), key="radar_new_incident", icon=":material/add_alert:"):
    st.session_state[NEW_FORM] = digest
if st.session_state.get(NEW_FORM) == digest:  # open for this chat only: another chat drafts another record
    with st.container(border=True):
        show_draft_context(result)
        draft = chat_incident.incident_draft(result, taken=names)
        record = incident_form.record_form(forms.to_form(draft), f"chat-{digest[:8]}-{ui.lang()}", locked_id=False)
        if record is not None and incident_form.save(record, new=True):
            st.session_state[NEW_FORM] = None
            st.rerun()
if not incidents:
    st.info(ui.t("radar_no_incident"))
    st.stop()
incident_id = choose_incident(incidents, names)

# ── tickets ──────────────────────────────────────────────────────────────────────────────────────────
made = crisis_radar.tickets(result, incident_id, source_name="chat")
st.subheader(ui.t("radar_tickets", n=len(made)))
if made:
    st.dataframe(
        [
            {
                ui.t("col_customer"): m.customer,
                ui.t("radar_col_issue"): ui.t(f"issue_{m.facts.issue_type}"),
                ui.t("radar_col_order"): m.order_id or "",
                ui.t("radar_col_delay"): str(m.facts.claimed.get("delay_minutes") or ""),  # never a literal "None"
                ui.t("radar_col_amount"): str(m.facts.claimed.get("order_amount") or ""),
                ui.t("radar_col_messages"): " / ".join(m.messages)[:200],
            }
            for m in made
        ],
        hide_index=True,
        width="stretch",
    )
if made and st.button(ui.t("radar_create", n=len(made), incident=names[incident_id]), key="radar_create", type="primary"):
    stored = [flow.add_ticket(ticket, actor=ui.operator() or "app", source="chat") for ticket in made]
    created = sum(new for _, new in stored)
    st.session_state["radar_made"] = {"incident": incident_id, "tickets": [row_id for row_id, _ in stored]}
    st.session_state["flash"] = ui.t("radar_created", created=created, updated=len(made) - created)
    st.rerun()
ui.show_flash()
# The tickets this page created for the incident in focus and still without a draft: offer to draft them here.
last = st.session_state.get("radar_made") or {}
if last.get("incident") == incident_id:
    ours = set(last["tickets"])
    undrafted = flow.tickets_needing_draft(incident_id, among=ours)
    if undrafted and st.button(ui.t("radar_draft", n=len(undrafted)), key="radar_draft", type="primary"):
        ui.draft_batch(flow, incident_id, undrafted, done_key="radar_drafted")
        st.rerun()
    if not undrafted:
        st.page_link(ui.page("review_queue"), label=ui.t("radar_to_queue"), icon=":material/checklist:")

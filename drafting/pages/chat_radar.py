"""Chat radar: paste or upload a group chat; see the message that lit the fuse, how the anger spread, what
people complain about and who drives it; turn every complaining member into a ticket for the incident."""

from __future__ import annotations

import hashlib

import streamlit as st

from drafting import radar as crisis_radar
from drafting import services, ui
from drafting.chat_import import ChatImportError, parse_chat

st.header(ui.t("page_radar"))
st.caption(ui.t("radar_intro"))

upload = st.file_uploader(ui.t("radar_upload"), type=["txt", "csv", "json", "jsonl"], key="radar_file")
pasted = st.text_area(ui.t("radar_paste"), key="radar_text", height=120, placeholder=ui.t("radar_paste_placeholder"))
left, right = st.columns(2)
staff = left.text_input(ui.t("radar_staff"), key="radar_staff", placeholder=ui.t("radar_staff_placeholder"), help=ui.t("radar_staff_help"))
watch = right.text_input(ui.t("radar_watch"), key="radar_watch", placeholder="曝光, 12315, 律师, lawyer")

data, name = (upload.getvalue(), upload.name) if upload is not None else (pasted.encode("utf-8"), "pasted.txt")
if not data.strip():
    st.stop()


@st.cache_data(show_spinner=False, max_entries=8)
def run(digest: str, _data: bytes, name: str, staff: str, watch: str) -> crisis_radar.Radar:  # noqa: ARG001 - digest keys the cache
    log = parse_chat(_data, name=name, staff=staff.split(","))
    terms = [t.strip() for t in watch.split(",") if t.strip()]
    return crisis_radar.analyse(log, services.bulk_tone_checker(ui.settings()), watch={"watch": terms} if terms else None)


try:
    with st.spinner(ui.t("radar_working")):
        result = run(hashlib.sha256(data).hexdigest(), data, name, staff, watch)
except ChatImportError as exc:
    st.error(ui.t("radar_unreadable", error=str(exc)))
    st.stop()
log = result.log
st.success(ui.t("radar_summary", messages=len(log.messages), format=log.format, staff=len(log.staff), problems=len(log.problems)))
if log.problems:
    with st.expander(ui.t("radar_problems", n=len(log.problems))):
        for problem in log.problems[:200]:
            st.text(f"line {problem.line}: {problem.reason}")

# ── the trigger ──────────────────────────────────────────────────────────────────────────────────────
st.subheader(ui.t("radar_trigger"))
if not result.triggers:
    st.warning(ui.t("radar_no_staff"))
for rank, c in enumerate(result.triggers[:3], start=1):
    with st.container(border=True):
        when = f"{c.time:%m-%d %H:%M}" if c.time else f"#{c.index + 1}"
        st.markdown(f"**{'🔥 ' if rank == 1 else f'{rank}. '}{c.sender}** · {when}")
        st.text(c.text)
        st.caption(ui.t("radar_why", ratio=c.rate_ratio, before=f"{c.complaint_share_before:.0%}", after=f"{c.complaint_share_after:.0%}",
                        voices=c.new_voices, echoes=c.echoes) + (f" · {ui.t('tone')}: {', '.join(c.tone_flags)}" if c.tone_flags else ""))

# ── the timeline ─────────────────────────────────────────────────────────────────────────────────────
if result.timeline:
    st.subheader(ui.t("radar_timeline"))
    values = [{"time": b.start.isoformat(), "series": ui.t("radar_series_messages"), "count": b.messages} for b in result.timeline]
    values += [{"time": b.start.isoformat(), "series": ui.t("radar_series_complaints"), "count": b.complaints} for b in result.timeline]
    layers: list[dict] = [{"mark": {"type": "line", "interpolate": "monotone"}, "encoding": {
        "x": {"field": "time", "type": "temporal", "title": None},
        "y": {"field": "count", "type": "quantitative", "title": ui.t("radar_per_minute")},
        "color": {"field": "series", "type": "nominal", "title": None}}}]
    if result.trigger is not None and result.trigger.time is not None:
        layers.append({"data": {"values": [{"time": result.trigger.time.isoformat()}]}, "mark": {"type": "rule", "color": "red", "strokeWidth": 2},
                       "encoding": {"x": {"field": "time", "type": "temporal"}}})
    st.vega_lite_chart({"data": {"values": values}, "layer": layers}, width="stretch")

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
    st.dataframe([{ui.t("radar_term"): a.term, ui.t("col_customer"): a.sender, ui.t("col_message"): a.text} for a in result.alerts[:500]],
                 hide_index=True, width="stretch")

# ── tickets ──────────────────────────────────────────────────────────────────────────────────────────
incident_id = st.session_state.get(ui.INCIDENT_KEY)
made = crisis_radar.tickets(result, incident_id, source_name="chat")
st.subheader(ui.t("radar_tickets", n=len(made)))
if not incident_id:
    st.info(ui.t("no_incident_yet"))
elif made and st.button(ui.t("radar_create", n=len(made), incident=incident_id), key="radar_create", type="primary"):
    flow = ui.workflow()
    created = sum(flow.add_ticket(ticket, actor=ui.operator() or "app", source="chat")[1] for ticket in made)
    st.success(ui.t("radar_created", created=created, updated=len(made) - created))

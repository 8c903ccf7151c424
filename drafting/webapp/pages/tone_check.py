"""Tone check: paste any text, see its flags and score — the quickest check before staff send a message themselves."""

from __future__ import annotations

import streamlit as st

from drafting.guards.tone import Flag, category_name
from drafting.guards.tone_fix import apply_fix
from drafting.webapp import ui

st.header(ui.t("page_tone"))
st.caption(ui.t("tone_intro"))


def _apply(flag: Flag) -> None:
    try:
        st.session_state["tone_text"] = apply_fix(st.session_state["tone_text"], flag)
    except ValueError as exc:
        st.session_state["tone_apply_error"] = str(exc)


text = st.text_area(ui.t("tone_text_label"), key="tone_text", height=160, placeholder=ui.t("tone_placeholder"))
answering = st.text_area(ui.t("tone_answering_label"), key="tone_answering", height=80, help=ui.t("tone_answering_help"))
left, right = st.columns(2)
langs = {ui.t("auto"): None, "中文": "zh", "English": "en"}
kinds = {ui.t("kind_auto"): "auto", ui.t("kind_draft"): "draft", ui.t("kind_chat"): "chat"}
chosen_lang = langs[left.selectbox(ui.t("text_language"), list(langs), key="tone_lang", placeholder=ui.t("choose_option"))]
kind = kinds[right.selectbox(ui.t("text_kind"), list(kinds), key="tone_kind", placeholder=ui.t("choose_option"))]
if st.session_state.pop("tone_apply_error", None):
    st.warning(ui.t("text_changed"))

if text.strip():
    report = ui.tone().check(text, kind=kind, lang=chosen_lang, answering=[answering] if answering.strip() else [])
    st.markdown(f"### {ui.verdict_badge(report.verdict, report.score)}")
    cols = st.columns(len(report.subscores))
    for col, (name, value) in zip(cols, report.subscores.items(), strict=False):
        col.metric(ui.t(f"sub_{name}"), value)
    st.markdown(ui.highlighted(text, report.flags), unsafe_allow_html=True)
    if not report.flags:
        st.success(ui.t("no_flags"))
    for n, flag in enumerate(report.flags):
        with st.container(border=True):
            st.markdown(f"**“{flag.phrase}”** · {category_name(flag.category, ui.lang())} · {ui.t('severity_' + flag.severity)}")
            st.write(flag.explanation if ui.lang() == "zh" else flag.explanation_en)
            if flag.suggestion:
                st.button(ui.t("apply_suggestion", suggestion=flag.suggestion), key=f"tone_fix_{n}", on_click=_apply, args=(flag,))
    ui.show_style_notes(report)
    for excused in report.excused:
        st.caption(ui.t("excused", phrase=excused.phrase, reason=ui.t("excuse_" + excused.reason)))

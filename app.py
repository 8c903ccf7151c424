"""Tactful's Streamlit app. Thin on purpose: the sidebar and the page list live here; pages (drafting/webapp/pages/)
call the same workflow, drafters and guards as the CLI and the API; wording lives in drafting/webapp/ui_text.yaml."""

from __future__ import annotations

import streamlit as st

from drafting.webapp import knowledge_loading, ui
from drafting.workflow import queue as review

st.set_page_config(page_title="Tactful", page_icon=":material/handshake:", layout="wide")
# A reply's copy button always in view: Streamlit shows it only while the pointer is over the block, and a
# manager on a laptop in a hurry did not find it.
st.html(
    "<style>"
    '[data-testid="stCode"] div:has([data-testid="stElementToolbarButton"]),'
    '[data-testid="stCode"] [data-testid="stElementToolbarButton"] * { opacity: 1 !important; visibility: visible !important; }'
    "</style>"
)

ui.keep(ui.LANG_KEY)
st.sidebar.radio("语言 / Language", ["中文", "English"], key=ui.LANG_KEY, horizontal=True)
ui.kept(ui.LANG_KEY)
settings = ui.settings()

# Who is acting: recorded on every edit and approval.
if ui.login_configured():
    if getattr(st.user, "is_logged_in", False):
        st.sidebar.caption(ui.t("signed_in_as", name=ui.operator()))
        st.sidebar.button(ui.t("sign_out"), on_click=st.logout)
    else:
        st.sidebar.button(ui.t("sign_in"), on_click=st.login, type="primary")
else:
    ui.keep(ui.OPERATOR_KEY)
    st.sidebar.text_input(ui.t("operator_label"), key=ui.OPERATOR_KEY, placeholder=ui.t("operator_placeholder"), help=ui.t("operator_help"))
    ui.kept(ui.OPERATOR_KEY)

try:
    incidents = review.incidents(ui.workflow())
except Exception as exc:  # a database that is down or a bad URL: say so instead of a stack trace
    st.error(ui.t("database_error", error=f"{type(exc).__name__}: {exc}"))
    st.stop()
if incidents:
    ids = [i.id for i in reversed(incidents)]  # newest first
    names = {i.id: f"{i.title.pick(ui.lang())} ({i.id})" for i in incidents}
    ui.pick(ui.t("incident_in_focus"), ids, ui.INCIDENT_KEY, names, container=st.sidebar)

if settings.llm_configured:
    st.sidebar.info(ui.t("mode_llm", model=settings.llm_model))
else:
    st.sidebar.info(ui.t("mode_composer"))
knowledge_loading.sidebar(ui.t)  # the knowledge base loading beside the first page (make run)


def _home() -> None:
    """The app's root opens the incident room at its own address: Streamlit serves a default page only at the
    root, so making the incident room the default left /incident a "Page not found"."""
    st.switch_page(ui.page("incident_room"))


pages = [
    st.Page(_home, title=ui.t("page_incident"), url_path="home", default=True, visibility="hidden"),
    st.Page(ui.page("incident_room"), title=ui.t("page_incident"), icon=":material/emergency:", url_path="incident"),
    st.Page(ui.page("review_queue"), title=ui.t("page_queue"), icon=":material/checklist:", url_path="queue"),
    st.Page(ui.page("draft_editor"), title=ui.t("page_editor"), icon=":material/edit_note:", url_path="editor"),
    st.Page(ui.page("send"), title=ui.t("page_send"), icon=":material/send:", url_path="send"),
    st.Page(ui.page("chat_radar"), title=ui.t("page_radar"), icon=":material/radar:", url_path="radar"),
    st.Page(ui.page("knowledge"), title=ui.t("page_knowledge"), icon=":material/menu_book:", url_path="knowledge"),
    st.Page(ui.page("tone_check"), title=ui.t("page_tone"), icon=":material/spellcheck:", url_path="tone"),
]
st.navigation(pages).run()

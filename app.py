"""Tactful's Streamlit app. Thin on purpose: pages call the same services as the CLI
and the API; wording lives in drafting/ui_text.yaml."""

from __future__ import annotations

import streamlit as st

from drafting import services
from drafting.i18n import UiLang, text

st.set_page_config(page_title="Tactful", page_icon="🤝", layout="wide")
settings = services.default_settings()


@st.cache_resource(show_spinner=False)
def knowledge_store(location: str, embedding: str):  # type: ignore[no-untyped-def]
    # Keyed by where the store lives, so a changed configuration never reuses a stale handle.
    return services.open_store(settings)


ui: UiLang = "zh" if st.sidebar.radio("语言 / Language", ["中文", "English"], key="ui_lang") == "中文" else "en"
st.title(text("app_title", ui))
st.caption(text("tagline", ui))
if settings.llm_configured:
    st.info(text("mode_llm", ui, model=settings.llm_model))
else:
    st.info(text("mode_composer", ui))

try:
    store = knowledge_store(settings.chroma_url or str(settings.chroma_path.resolve()), settings.embedding)
except Exception as exc:  # shown to the operator instead of a stack trace
    st.error(text("store_error", ui, error=exc))
    st.stop()

search_tab, documents_tab = st.tabs([text("tab_search", ui), text("tab_documents", ui)])

with search_tab:
    query = st.text_input(text("search_label", ui), placeholder=text("search_placeholder", ui), key="query")
    col_kind, col_lang, col_k = st.columns(3)
    kinds = {text("any", ui): None, text("kind_policy", ui): "policy", text("kind_incident", ui): "incident"}
    langs = {text("any", ui): None, "中文": "zh", "English": "en"}
    kind = kinds[col_kind.selectbox(text("filter_kind", ui), list(kinds), key="kind")]
    lang = langs[col_lang.selectbox(text("filter_lang", ui), list(langs), key="doc_lang")]
    k = col_k.slider(text("filter_results", ui), 1, 20, 5, key="k")
    if store.count() == 0:
        st.warning(text("empty_store", ui))
    elif query.strip():
        results = store.search(query, k, kind=kind, lang=lang)
        if not results:
            st.write(text("no_results", ui))
        for result in results:
            with st.container(border=True):
                st.markdown(f"**{result.title}** › {result.heading}")
                st.write(result.text)
                st.caption(
                    f"{text('source', ui)}: {result.source} · {result.chunk_id} · "
                    f"{text('score', ui)} {result.score:.4f}"
                )

with documents_tab:
    docs = sorted(store.documents().values(), key=lambda d: (d.kind, d.doc_id, d.lang))
    st.dataframe(
        [
            {
                text("col_id", ui): d.doc_id,
                text("col_lang", ui): d.lang,
                text("col_kind", ui): d.kind,
                text("col_title", ui): d.title,
                text("col_version", ui): d.version or d.effective,
                text("col_status", ui): text("status_current" if d.active else "status_superseded", ui),
                text("col_chunks", ui): len(d.chunk_ids),
            }
            for d in docs
        ],
        hide_index=True,
        width="stretch",
    )

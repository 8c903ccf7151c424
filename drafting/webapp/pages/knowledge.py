"""Knowledge: search policies and past incidents with their sources, see what is stored, and add documents
or policy-book rule files (the same ingest and the same checks as `tactful ingest` and `tactful policy add`)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from drafting import services
from drafting.webapp import ui
from knowledge.documents import SUPPORTED_SUFFIXES
from knowledge.ingest import ingest
from knowledge.policy import PolicyError

st.header(ui.t("page_knowledge"))
try:
    store = ui.store()
except Exception as exc:  # shown to the operator instead of a stack trace
    st.error(ui.t("store_error", error=exc))
    st.stop()

search_tab, documents_tab, upload_tab = st.tabs([ui.t("tab_search"), ui.t("tab_documents"), ui.t("tab_upload")])

with search_tab:
    query = st.text_input(ui.t("search_label"), placeholder=ui.t("search_placeholder"), key="query")
    col_kind, col_lang, col_k = st.columns(3)
    kinds = {ui.t("any"): None, ui.t("kind_policy"): "policy", ui.t("kind_incident"): "incident"}
    langs = {ui.t("any"): None, "中文": "zh", "English": "en"}
    kind = kinds[col_kind.selectbox(ui.t("filter_kind"), list(kinds), key="kind", placeholder=ui.t("choose_option"))]
    doc_lang = langs[col_lang.selectbox(ui.t("filter_lang"), list(langs), key="doc_lang", placeholder=ui.t("choose_option"))]
    k = col_k.slider(ui.t("filter_results"), 1, 20, 5, key="k")
    if store.count() == 0:
        st.warning(ui.t("empty_store"))
    elif query.strip():
        results = store.search(query, k, kind=kind, lang=doc_lang)
        if not results:
            st.write(ui.t("no_results"))
        for result in results:
            with st.container(border=True):
                st.markdown(f"**{result.title}** › {result.heading}")
                st.write(result.text)
                st.caption(f"{ui.t('source')}: {result.source} · {result.chunk_id} · {ui.t('score')} {result.score:.4f}")

with documents_tab:
    docs = sorted(store.documents().values(), key=lambda d: (d.kind, d.doc_id, d.lang))
    st.dataframe(
        [
            {
                ui.t("col_id"): d.doc_id,
                ui.t("col_lang"): d.lang,
                ui.t("col_kind"): d.kind,
                ui.t("col_title"): d.title,
                ui.t("col_version"): d.version or d.effective,
                ui.t("col_status"): ui.t("status_current" if d.active else "status_superseded"),
                ui.t("col_chunks"): len(d.chunk_ids),
            }
            for d in docs
        ],
        hide_index=True,
        width="stretch",
    )
    book = services.load_policy_book(ui.settings())
    st.caption(ui.t("policy_book_summary", rules=len(book.rules), folder=services.policy_folder(ui.settings()) or ui.t("shipped_book")))

with upload_tab:
    st.markdown(ui.t("upload_documents_help", suffixes=", ".join(sorted(SUPPORTED_SUFFIXES))))
    uploads = ui.file_uploader(
        ui.t("upload_documents"), [s.lstrip(".") for s in sorted(SUPPORTED_SUFFIXES)], key="doc_upload", accept_multiple_files=True
    )
    if uploads and st.button(ui.t("ingest_button", n=len(uploads)), key="ingest", type="primary"):
        folder = ui.settings().data_dir / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for upload in uploads:
            path = folder / upload.name.replace("/", "_").replace("\\", "_")
            path.write_bytes(upload.getvalue())
            paths.append(path)
        bar = st.progress(0.0, text=ui.t("ingesting"))

        def show(name: str, done: int, total: int) -> None:
            bar.progress(done / max(total, 1), text=name)

        report = ingest(store, paths, progress=show)
        bar.progress(1.0, text=ui.t("ingest_done"))
        (st.success if report.ok else st.warning)(
            ui.t("ingest_summary", added=len(report.added), updated=len(report.updated), unchanged=len(report.skipped), failed=len(report.errors))
        )
        for problem in report.errors:
            st.error(f"`{Path(problem.path).name}`: {ui.reason(problem.problem)}")  # the name as uploaded, not the server's path

    st.divider()
    st.markdown(ui.t("upload_policy_help"))
    policy = ui.file_uploader(ui.t("upload_policy"), ["yaml", "yml"], key="policy_upload")
    if policy is not None and st.button(ui.t("policy_add_button"), key="policy_add"):
        try:
            book = services.add_policy_file(ui.settings(), policy.name, policy.getvalue())
        except PolicyError as exc:
            st.error(ui.t("policy_refused", error=str(exc)))
        else:
            st.cache_resource.clear()  # drafters hold the old book
            st.success(ui.t("policy_added", name=policy.name, rules=len(book.rules)))

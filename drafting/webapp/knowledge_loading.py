"""The knowledge base loading beside the app (`tactful app --ingest PATH`, which is how `make run` starts it).

The first page does not wait for it: the sidebar shows how far it got. Whatever needs the knowledge base
(drafting, the knowledge page) waits for it with a progress bar instead, since a draft built on half of
it would cite less than it should without saying so. Renderers take the page's translator (`ui.t`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from knowledge.ingest_status import STATUS_FILE_ENV, IngestStatus, StatusFileError, read_status

Translate = Callable[..., str]
POLL_SECONDS = 1.0


def status() -> IngestStatus | None:
    """The ingest this app was started beside; None when it was started without one."""
    path = os.environ.get(STATUS_FILE_ENV)
    if not path:
        return None
    try:
        return read_status(Path(path))
    except StatusFileError as exc:  # said in the sidebar; nothing waits for an ingest nobody can follow
        return IngestStatus(state="failed", pid=0, error=str(exc))


def sidebar(t: Translate) -> None:
    """While the knowledge base loads, its progress in the sidebar, redrawn every second; once it is loaded
    one redraw of the page removes it. A load that failed, or failed for some files, stays said."""
    current = status()
    if current is None:
        return
    if not current.finished:
        with st.sidebar:
            _progress(t)
    elif current.state == "failed":
        st.sidebar.error(t("knowledge_load_failed", error=current.error))
    elif current.state == "interrupted":
        st.sidebar.warning(t("knowledge_load_interrupted", done=current.done, total=current.total or "?"))
    elif current.failures:
        names = t("list_separator").join(Path(failure["path"]).name for failure in current.failures)
        st.sidebar.warning(t("knowledge_load_partly", n=len(current.failures), names=names))


@st.fragment(run_every=POLL_SECONDS)
def _progress(t: Translate) -> None:
    current = status()
    if current is None or current.finished:
        st.rerun()  # the whole page, so the bar goes and an outcome worth saying shows
    st.progress(current.fraction, text=_label(t, current))


def wait_until_loaded(t: Translate) -> None:
    """Return once the knowledge base finished loading (at once when it has, or when nothing loads it),
    with a progress bar where the page is meanwhile."""
    current = status()
    if current is None or current.finished:
        return
    bar = st.progress(current.fraction, text=t("knowledge_loading_wait", progress=_label(t, current)))
    while current is not None and not current.finished:
        time.sleep(POLL_SECONDS / 2)
        current = status()
        if current is not None:
            bar.progress(current.fraction, text=t("knowledge_loading_wait", progress=_label(t, current)))
    bar.empty()


def _label(t: Translate, current: IngestStatus) -> str:
    seconds = round(current.seconds)  # the embedding models report no progress within a batch: show it is alive
    if current.total is None:
        return t("knowledge_loading_start", seconds=seconds)
    return t("knowledge_loading", done=current.done, total=current.total, percent=round(100 * current.fraction), seconds=seconds)

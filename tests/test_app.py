"""The Streamlit app, headless with AppTest: the knowledge search page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from drafting import services
from knowledge.ingest import ingest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TACTFUL_DATA_DIR", str(tmp_path / "data"))
    for name in ("TACTFUL_CHROMA_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    services.default_settings.cache_clear()
    yield tmp_path / "data"
    services.default_settings.cache_clear()


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_search_shows_results_with_sources(data_dir: Path, corpus: Path) -> None:
    ingest(services.open_store(services.default_settings()), [corpus])
    at = start()
    at.sidebar.radio(key="ui_lang").set_value("English").run()
    assert "composer" in at.info[0].value  # the mode banner says plainly there is no LLM
    at.text_input(key="query").input("refund for an order that was very late").run()
    shown = " ".join(m.value for m in at.markdown)
    assert "**Late delivery compensation** › Compensation" in shown
    assert any("late.en.md" in c.value for c in at.caption)


def test_chinese_ui_and_filters(data_dir: Path, corpus: Path) -> None:
    ingest(services.open_store(services.default_settings()), [corpus])
    at = start()
    assert at.title[0].value == "Tactful 得体回复"
    at.selectbox(key="kind").set_value("历史事件")
    at.text_input(key="query").input("客服态度 退货").run()
    shown = " ".join(m.value for m in at.markdown)
    assert "别闹了行吗" in shown and "配送超时赔付" not in shown


def test_empty_store_explains_how_to_load_documents(data_dir: Path) -> None:
    at = start()
    at.sidebar.radio(key="ui_lang").set_value("English").run()
    at.text_input(key="query").input("refund").run()
    assert "tactful ingest" in at.warning[0].value


def test_llm_mode_banner(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("TACTFUL_LLM_MODEL", "qwen-plus")
    services.default_settings.cache_clear()
    at = start()
    assert "qwen-plus" in at.info[0].value

"""`make run` shows the first page while the sample knowledge base loads beside it: the ingest's status file
(progress, "done" written last, a dead ingest read as interrupted), batched embedding that never leaves a
document half-stored, `tactful app --ingest`, and the app's progress and waiting."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from drafting import services
from drafting.cli.main import app as cli
from knowledge.embeddings import E5Embeddings, UseEmbeddings
from knowledge.ingest import ingest, ingest_with_status
from knowledge.ingest_status import STATUS_FILE_ENV, IngestStatus, StatusFileError, read_status, write_status
from knowledge.store import KnowledgeStore, StoreError, open_client

ROOT = Path(__file__).resolve().parent.parent


def finished_process_id() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_running_status_whose_process_is_gone_reads_as_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    assert read_status(path) is None
    write_status(path, IngestStatus(state="running", pid=os.getpid(), done=3, total=32))
    alive = read_status(path)
    assert alive is not None and alive.state == "running" and alive.fraction == pytest.approx(3 / 32)
    write_status(path, IngestStatus(state="running", pid=finished_process_id(), done=3, total=32))
    gone = read_status(path)
    assert gone is not None and gone.state == "interrupted" and gone.finished and gone.done == 3


def test_a_status_file_that_is_not_one_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    path.write_text('{"state": "running"', encoding="utf-8")
    with pytest.raises(StatusFileError, match="status.json: not an ingest status"):
        read_status(path)


def test_ingest_with_status_says_done_last_and_skips_unchanged_documents(tmp_path: Path, corpus: Path) -> None:
    path = tmp_path / "status.json"
    store = KnowledgeStore(open_client(path=tmp_path / "db"), UseEmbeddings())
    seen: list[IngestStatus] = []
    original = store.commit

    def commit() -> None:  # the status as the store commits: not yet done
        seen.append(read_status(path))  # type: ignore[arg-type]
        original()

    store.commit = commit  # type: ignore[method-assign]
    first = ingest_with_status(lambda: store, [corpus], path)
    assert len(first.added) == 4 and seen[0].state == "running" and seen[0].done == 4
    done = read_status(path)
    assert done is not None and done.state == "done" and done.chunks == first.chunks > 0 and done.fraction == 1.0
    again = ingest_with_status(lambda: store, [corpus], path)
    assert len(again.skipped) == 4 and again.chunks == 0
    assert read_status(path).summary.startswith("0 added, 0 updated, 0 removed, 4 unchanged")  # type: ignore[union-attr]


def test_a_store_that_cannot_be_opened_is_a_failed_status(tmp_path: Path, corpus: Path) -> None:
    path = tmp_path / "status.json"

    def unreachable() -> KnowledgeStore:
        raise StoreError("cannot reach the Chroma server at http://chroma:8000")

    with pytest.raises(StoreError):
        ingest_with_status(unreachable, [corpus], path)
    failed = read_status(path)
    assert failed is not None and failed.state == "failed" and "http://chroma:8000" in failed.error


class Flat(E5Embeddings):
    """E5's collection without E5's model: the test is about what is written, not the vectors."""

    width = 384

    def __call__(self, input):  # type: ignore[no-untyped-def]
        return [np.full(self.width, 0.05, dtype=np.float32) for _ in input]


class Narrow(Flat):
    width = 3  # vectors Chroma refuses in a collection of 384-wide ones: the write fails


def test_a_write_failing_for_one_model_leaves_the_document_to_be_redone(tmp_path: Path, corpus: Path) -> None:
    db = tmp_path / "db"
    ingest(KnowledgeStore(open_client(path=db), [UseEmbeddings(), Flat()]), [corpus])
    policy = corpus / "late.en.md"
    policy.write_text(policy.read_text(encoding="utf-8") + "\n## Refunds by card\nCard refunds take 3 days.\n", encoding="utf-8")
    failing = ingest(KnowledgeStore(open_client(path=db), [UseEmbeddings(), Narrow()]), [policy])
    assert failing.errors and failing.updated == []
    healthy = KnowledgeStore(open_client(path=db), [UseEmbeddings(), Flat()])
    redone = ingest(healthy, [policy])
    assert redone.updated == [str(policy)], "the record must not claim a version another model's collection lacks"
    assert set(healthy.collections[1].get()["ids"]) == set(healthy.collections[0].get()["ids"])


def test_one_bad_document_in_a_batch_fails_alone(tmp_path: Path, corpus: Path) -> None:
    class RefusesOne(UseEmbeddings):
        def __call__(self, input):  # type: ignore[no-untyped-def]
            if any("别闹了行吗" in text for text in input):
                raise RuntimeError("embedding backend refused a text")
            return super().__call__(input)

    report = ingest(KnowledgeStore(open_client(path=tmp_path / "db"), RefusesOne()), [corpus])
    assert [Path(e.path).name for e in report.errors] == ["rude-reply.zh.md"]
    assert len(report.added) == 3


def test_app_refuses_an_ingest_path_that_does_not_exist(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["app", "--ingest", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "nowhere: no such file or folder" in result.output


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An app started beside an ingest whose status file the test writes; returns that file."""
    monkeypatch.setenv("TACTFUL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TACTFUL_EMBEDDING", "use")
    for name in ("TACTFUL_CHROMA_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "TACTFUL_DATABASE_URL", "TACTFUL_APPROVERS"):
        monkeypatch.delenv(name, raising=False)
    status = tmp_path / "data" / "ingest-status.json"
    monkeypatch.setenv(STATUS_FILE_ENV, str(status))
    services.default_settings.cache_clear()
    yield status
    services.default_settings.cache_clear()


def progress_text(at: AppTest) -> str:
    return " ".join(bar.proto.text for bar in at.get("progress"))


def test_the_first_page_shows_while_the_knowledge_base_loads(app_env: Path) -> None:
    write_status(app_env, IngestStatus(state="running", pid=os.getpid(), done=12, total=32, started=time.time()))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    at.sidebar.radio(key="ui_lang").set_value("English").run()
    assert "Loading the knowledge base: 12 of 32 documents (38%" in progress_text(at)
    write_status(app_env, IngestStatus(state="failed", pid=os.getpid(), error="StoreError: disk full"))
    at.run()
    assert progress_text(at) == ""
    assert any("could not be loaded (StoreError: disk full)" in error.value for error in at.sidebar.error)


def test_the_knowledge_page_waits_until_the_knowledge_base_is_loaded(app_env: Path) -> None:
    write_status(app_env, IngestStatus(state="running", pid=os.getpid(), done=1, total=4, started=time.time()))
    finished = threading.Timer(2.0, lambda: write_status(app_env, IngestStatus(state="done", pid=os.getpid(), done=4, total=4)))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    finished.start()
    began = time.monotonic()
    at.switch_page(str(ROOT / "drafting" / "webapp" / "pages" / "knowledge.py")).run()
    assert not at.exception
    assert time.monotonic() - began >= 1.5, "the page went on before the knowledge base was loaded"


def test_tactful_app_ingests_beside_the_running_app(tmp_path: Path, corpus: Path) -> None:
    """The real processes: the app answers while a second process ingests, and the status file the app reads
    ends "done" with every document stored."""
    from testkit.servers import AppServer

    data = tmp_path / "data"
    env = {"TACTFUL_DATA_DIR": str(data), "TACTFUL_EMBEDDING": "use", "TACTFUL_DATABASE_URL": None, "TACTFUL_CHROMA_URL": None}
    server = AppServer(env, log=tmp_path / "app.log", cwd=tmp_path)
    server.command += ["--ingest", str(corpus)]
    with server:
        deadline = time.monotonic() + 180
        while (status := read_status(data / "ingest-status.json")) is None or not status.finished:
            assert time.monotonic() < deadline, (tmp_path / "app.log").read_text()
            time.sleep(0.2)
    assert status.state == "done" and status.summary.startswith("4 added"), status
    store = KnowledgeStore(open_client(path=data / "chroma"), UseEmbeddings())
    assert len(store.documents()) == 4

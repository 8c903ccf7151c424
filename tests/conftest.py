"""Shared fixtures: a real embedded Chroma store, a real `chroma run` server, and a
small bilingual corpus written per test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Models must come from installed packages; anything that tries a hub fails loudly.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from hypothesis import settings  # noqa: E402

from knowledge.embeddings import UseEmbeddings  # noqa: E402
from knowledge.store import KnowledgeStore, open_client  # noqa: E402
from testkit.servers import free_port, postgres_binaries, throwaway_postgres  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "knowledge" / "samples"

# Generated tests explore new examples on every local run (that is how they find defects); in CI they replay a
# fixed sequence, so a merge is never refused by an example nobody's change produced. A defect found locally is
# kept as a test of its own (tests/test_ask_coverage.py has one).
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server on loopback, started once per test session.

    TACTFUL_TEST_CHROMA_URL points the tests at a server someone else started."""
    external = os.environ.get("TACTFUL_TEST_CHROMA_URL")
    if external:
        yield external
        return
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if chroma is None:
        pytest.fail("the `chroma` command (from the chromadb package) is not installed")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = open(path / "server.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [chroma, "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"chroma run exited with {process.returncode}: {(path / 'server.log').read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("chroma run did not start listening within 60 s")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(params=["embedded", "server"])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], KnowledgeStore]:
    """Opens a store on the same backing data each call (to test reopening).
    Every store test runs twice: on the embedded PersistentClient and on a server."""
    if request.param == "embedded":
        path = tmp_path / "chroma"
        return lambda: KnowledgeStore(open_client(path=path), UseEmbeddings())
    url = request.getfixturevalue("chroma_server")
    namespace = f"t{uuid.uuid4().hex[:12]}"  # tests share the server, not a collection
    return lambda: KnowledgeStore(open_client(url=url), UseEmbeddings(), namespace=namespace)


@pytest.fixture
def store(store_factory: Callable[[], KnowledgeStore]) -> KnowledgeStore:
    return store_factory()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(textwrap.dedent(text).lstrip().encode(encoding))
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A tiny bilingual knowledge base: a current policy (en, zh), the old version it
    supersedes, and an incident write-up."""
    root = tmp_path / "kb"
    write(
        root / "late.en.md",
        """
        ---
        id: late-delivery
        kind: policy
        lang: en
        title: Late delivery compensation
        version: 2
        effective: 2026-11-01
        supersedes: [late-delivery-2024]
        tags: [delivery, compensation]
        ---
        How we make up for late orders.

        ## Compensation
        An order more than 30 minutes late gets a full refund and a 30 CNY coupon (rule LD-2).

        ## How to claim
        Open a Help ticket in the app within 7 days and give the order number.
        """,
    )
    write(
        root / "late.zh.md",
        """
        ---
        id: late-delivery
        kind: policy
        lang: zh
        title: 配送超时赔付
        version: 2
        effective: 2026-11-01
        supersedes: [late-delivery-2024]
        tags: [delivery, compensation]
        ---
        ## 赔付标准
        超时30分钟以上的订单全额退款，并赠送30元无门槛优惠券（规则 LD-2）。

        ## 如何申请
        请在7天内通过App"帮助"提交工单，并提供订单号。
        """,
    )
    write(
        root / "old" / "late-2024.en.md",
        """
        ---
        id: late-delivery-2024
        kind: policy
        lang: en
        title: Late delivery (2024 rules)
        version: 1
        effective: 2024-01-01
        tags: [delivery]
        ---
        ## Compensation
        An order more than 60 minutes late gets a 5 CNY voucher, credited within 14 days.
        """,
    )
    write(
        root / "incidents" / "rude-reply.zh.md",
        """
        ---
        id: rude-reply
        kind: incident
        lang: zh
        title: '"别闹了行吗"事件复盘'
        effective: 2025-06-14
        tags: [tone]
        ---
        ## 经过
        客服在群里回复"别闹了行吗"，截图被转发，当天退货申请超过一千单。

        ## 教训
        不要和顾客争辩，不要拿规定压人，先道歉再解决问题。
        """,
    )
    return root


# ── databases: SQLite and a real PostgreSQL ─────────────────────────────────────────────────────────


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a free loopback port (or TACTFUL_TEST_POSTGRES_URL). Skipped when
    PostgreSQL is not installed — unless TACTFUL_REQUIRE_POSTGRES is set, as `.ci/run` does."""
    given = os.environ.get("TACTFUL_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    if postgres_binaries() is None:
        if os.environ.get("TACTFUL_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (TACTFUL_REQUIRE_POSTGRES) but initdb was not found")
        pytest.skip("PostgreSQL is not installed (apt install postgresql)")
    with throwaway_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tactful.db'}"
        return
    import sqlalchemy as sa

    server = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Keep each phase's report on the test item, so a fixture can tell whether its test failed (the
    browser test saves a screenshot then)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, "report_" + report.when, report)


@pytest.fixture(autouse=True)
def _the_sample_incidents_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drafts read dates against the clock (a next update already past is never promised). The sample
    incident and the scenarios happened in mid-November 2026, so tests draft on the day after, as a
    community manager would have; tests of the date rules pass their own clock."""
    from datetime import datetime

    from drafting.drafters import composer

    monkeypatch.setattr(composer, "_now", lambda: datetime(2026, 11, 13, 9, 0))

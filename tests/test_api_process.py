"""`tactful serve` as real processes: a server killed mid-batch resumes its job after a restart with every
ticket drafted exactly once, and two API workers sharing PostgreSQL split a job without drafting any ticket
twice. The LLM is a slow local fake of the OpenAI API, so a batch takes long enough to be interrupted."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import func, select

from drafting.guards.tone import ToneChecker
from drafting.workflow import db
from drafting.workflow.api_keys import create_api_key
from drafting.workflow.core import Workflow
from testkit.servers import ApiServer, SlowChatAPI

ROOT = Path(__file__).resolve().parent.parent
INCIDENT = json.loads(
    json.dumps(yaml.safe_load((ROOT / "drafting/samples/delivery-growth.incident.yaml").read_text(encoding="utf-8")), default=str)
)  # dates as ISO text

pytestmark = pytest.mark.slow


def tickets(n: int) -> list[dict]:
    return [
        {
            "id": f"K-{i}",
            "incident_id": INCIDENT["id"],
            "customer": f"Customer {i}",
            "messages": ["My order was late."],
            "facts": {"issue_type": "late_delivery", "delay_minutes": 35 + i % 20, "order_amount": 60},
        }
        for i in range(n)
    ]


def prepare(database_url: str, client: httpx.Client, n: int) -> int:
    """The incident and n tickets through the API; returns the job id of a batch over them."""
    assert client.post("/v1/incidents", json=INCIDENT).status_code == 201
    assert len(client.post("/v1/tickets/bulk", json={"tickets": tickets(n)}).json()) == n
    job = client.post(f"/v1/incidents/{INCIDENT['id']}/jobs")
    assert job.status_code == 202 and job.json()["total"] == n
    return int(job.json()["id"])


def wait_until(condition, timeout: float = 120.0, what: str = "condition") -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def wait_for(client: httpx.Client, job_id: int, until) -> dict:  # noqa: ANN001
    """The job's state once `until(state)` holds."""
    state: dict = {}

    def reached() -> bool:
        state.update(client.get(f"/v1/jobs/{job_id}").json())
        return until(state)

    try:
        wait_until(reached, what=f"job {job_id}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last seen: {state}") from None
    return state


def drafts_per_ticket(flow: Workflow) -> list[int]:
    with flow.sessions() as session:
        counts = dict(session.execute(select(db.DraftRow.ticket_id, func.count()).group_by(db.DraftRow.ticket_id)).all())
        ticket_ids = list(session.scalars(select(db.TicketRow.id)))
    return [counts.get(t, 0) for t in ticket_ids]


def server_env(database_url: str, tmp_path: Path, llm: SlowChatAPI, **extra: str) -> dict[str, str | None]:
    return {
        "TACTFUL_DATA_DIR": str(tmp_path / "data"),
        "TACTFUL_DATABASE_URL": database_url,
        "TACTFUL_TONE_SEMANTIC": "false",
        "TACTFUL_API_RATE": "10000",
        "TACTFUL_API_BURST": "10000",
        "TACTFUL_JOB_THREADS": "2",
        **llm.env(),
        **extra,
    }


def test_a_killed_server_resumes_its_job_and_drafts_every_ticket_once(database_url: str, tmp_path: Path) -> None:
    flow = Workflow(db.session_factory(database_url), ToneChecker())
    key = create_api_key(flow, "ticket-system", ["admin"])
    # The model answers 10 requests, then holds the rest: once both job threads wait on it, the kill below
    # is certain to catch two claims in flight (a timer alone caught none on a slow CI run).
    with SlowChatAPI(latency=0.05, hold_after=10) as llm:
        env = server_env(database_url, tmp_path, llm)
        server = ApiServer(env, log=tmp_path / "first.log", cwd=tmp_path).start()
        try:
            with httpx.Client(base_url=server.url, headers={"X-API-Key": key}, timeout=30) as client:
                job_id = prepare(database_url, client, 40)
                wait_until(lambda: llm.held == 2, what="both job threads to wait on the model")
                at_kill = client.get(f"/v1/jobs/{job_id}").json()
        finally:
            server.kill()  # SIGKILL mid-batch: claims in flight die with the process (and never outlive the test)
        with flow.sessions() as session:
            in_flight = session.scalar(select(func.count()).where(db.BatchItemRow.job_id == job_id, db.BatchItemRow.status == "claimed"))
        assert at_kill["status"] == "running" and 1 <= at_kill["done"] <= 10
        assert in_flight == 2  # the two tickets whose model calls were held
        assert sum(drafts_per_ticket(flow)) == at_kill["done"]  # really interrupted, nothing recorded after

        llm.release()
        with (
            ApiServer(env, log=tmp_path / "second.log", cwd=tmp_path) as restarted,
            httpx.Client(base_url=restarted.url, headers={"X-API-Key": key}, timeout=30) as client,
        ):
            final = wait_for(client, job_id, lambda s: s["status"] == "done")
    assert (final["done"], final["failed"], final["pending"]) == (40, 0, 0)
    assert drafts_per_ticket(flow) == [1] * 40
    # Freed at start-up (same host, dead pid), not after the five-minute lease.
    assert "2 ticket(s) claimed by a process that died are back in the queue" in (tmp_path / "second.log").read_text()


def test_two_api_workers_on_postgres_share_a_job_without_drafting_a_ticket_twice(postgres_server: str, tmp_path: Path) -> None:
    import sqlalchemy as sa

    url = postgres_server.rsplit("/", 1)[0] + "/two_workers"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text("DROP DATABASE IF EXISTS two_workers WITH (FORCE)"))
        connection.execute(sa.text("CREATE DATABASE two_workers"))
    try:
        flow = Workflow(db.session_factory(url), ToneChecker())
        key = create_api_key(flow, "ticket-system", ["admin"])

        def processes(job_id: int) -> set[str]:
            """The processes that claimed items of the job (a claim is host:pid:thread)."""
            with flow.sessions() as session:
                claimers = set(session.scalars(select(db.BatchItemRow.claimed_by).where(db.BatchItemRow.job_id == job_id)))
            return {name.split(":")[1] for name in claimers if name}

        # The model answers two requests, then holds every other until both processes have claimed work: on
        # a loaded machine one worker can start seconds after the other, and must still get its share.
        with SlowChatAPI(latency=0.1, hold_after=2) as llm:
            env = server_env(url, tmp_path, llm, TACTFUL_JOB_POLL="0.3")
            with (
                ApiServer(env, workers=2, log=tmp_path / "server.log", cwd=tmp_path) as server,
                httpx.Client(base_url=server.url, headers={"X-API-Key": key}, timeout=30) as client,
            ):
                job_id = prepare(url, client, 60)
                wait_until(lambda: len(processes(job_id)) == 2, what="both worker processes to claim a ticket")
                llm.release()
                final = wait_for(client, job_id, lambda s: s["status"] == "done")
        assert (final["done"], final["failed"]) == (60, 0)
        assert drafts_per_ticket(flow) == [1] * 60
        assert len(processes(job_id)) == 2
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text("DROP DATABASE IF EXISTS two_workers WITH (FORCE)"))
        admin.dispose()

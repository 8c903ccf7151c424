"""One batch engine and one rule for which tickets need a draft, whichever door the batch comes through: the
API's jobs, a job run in process (the app's way), and the CLI's `draft reply`. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from drafting import services
from drafting.api.app import create_app
from drafting.cli.main import app as cli
from drafting.domain.models import Incident, Ticket
from drafting.drafters.batch import DUPLICATE
from drafting.drafters.composer import Composer
from drafting.guards.tone import ToneChecker
from drafting.workflow import db
from drafting.workflow.api_keys import create_api_key
from drafting.workflow.core import Workflow
from drafting.workflow.jobs import create_job, drain, run_job
from knowledge.policy import PolicyBook, TicketFacts

ROOT = Path(__file__).resolve().parent.parent
INCIDENT_FILE = ROOT / "drafting/samples/delivery-growth.incident.yaml"
INCIDENT = Incident.model_validate(yaml.safe_load(INCIDENT_FILE.read_text(encoding="utf-8")))
BOOK = PolicyBook.load(None)


def twin() -> Ticket:
    """One complaint as two ticket systems (two shops' help desks) each hand it over: the same id, customer
    and facts, so the composer words every copy the same way."""
    return Ticket(
        id="T-1",
        incident_id=INCIDENT.id,
        customer="Alex",
        messages=["My order was 45 minutes late."],
        facts=TicketFacts(issue_type="late_delivery", delay_minutes=45, order_amount=Decimal(86)),
    )


SOURCES = ["shop-a", "shop-b", "shop-c", "shop-d"]


def test_the_twins_would_get_one_text_without_the_batch_rule() -> None:
    texts = {Composer(BOOK).draft_reply(INCIDENT, twin()).text for _source in SOURCES}
    assert len(texts) == 1  # the premise of the tests below


@pytest.fixture
def flow(database_url: str) -> Workflow:
    workflow = Workflow(db.session_factory(database_url), ToneChecker())
    workflow.save_incident(INCIDENT, actor="lead")
    return workflow


def add_twins(flow: Workflow, n: int = len(SOURCES)) -> list[int]:
    return [flow.add_ticket(twin(), actor="api", source=source)[0] for source in SOURCES[:n]]


def reply_texts(flow: Workflow) -> list[str]:
    return [flow.get(d.id).draft.text for d in flow.drafts(incident_id=INCIDENT.id, limit=1000) if d.kind == "reply"]


@pytest.mark.parametrize("threads", [1, 4])
def test_a_job_never_gives_two_customers_the_same_text(flow: Workflow, threads: int) -> None:
    """The app's path (a job drained in process), with one worker and with several racing."""
    ids = add_twins(flow)
    final = drain(flow, create_job(flow, INCIDENT.id, ids, actor="app"), Composer(BOOK), threads=threads)
    assert (final.status, final.done, final.failed) == ("done", 4, 0)
    texts = reply_texts(flow)
    assert len(texts) == 4 and len(set(texts)) == 4


def test_a_drafter_out_of_wordings_records_the_duplicate_with_a_warning(flow: Workflow) -> None:
    class OneWording(Composer):
        variants = 0  # no other wording to try

    ids = add_twins(flow, 2)
    run_job(flow, create_job(flow, INCIDENT.id, ids, actor="app"), OneWording(BOOK), worker="w")
    first, second = (flow.get(d.id).draft for d in flow.drafts(incident_id=INCIDENT.id))
    assert first.text == second.text and DUPLICATE not in first.warnings and DUPLICATE in second.warnings


@pytest.fixture
def api(flow: Workflow) -> Iterator[tuple[TestClient, dict[str, str]]]:
    app = create_app(flow, Composer(BOOK), ToneChecker(), BOOK)
    key = create_api_key(flow, "ticket-system", ["tickets:write", "drafts:read", "drafts:approve"])
    with TestClient(app) as client:
        yield client, {"Authorization": f"Bearer {key}"}


def run_api_job(client: TestClient, headers: dict[str, str]) -> dict:
    job = client.post(f"/v1/incidents/{INCIDENT.id}/jobs", headers=headers).json()
    for _ in range(200):
        state = client.get(f"/v1/jobs/{job['id']}", headers=headers).json()
        if state["status"] == "done":
            return state
        time.sleep(0.05)
    raise AssertionError(f"job {job['id']} did not finish: {state}")


def test_an_api_job_never_gives_two_customers_the_same_text(flow: Workflow, api: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = api
    for source in SOURCES:
        assert client.post("/v1/tickets", json={**twin().model_dump(mode="json"), "source": source}, headers=headers).status_code == 201
    assert run_api_job(client, headers)["done"] == 4
    texts = [client.get(f"/v1/drafts/{d['id']}", headers=headers).json()["draft"]["text"] for d in client.get("/v1/drafts", headers=headers).json()]
    assert len(texts) == 4 and len(set(texts)) == 4


def ticket_states(flow: Workflow) -> tuple[int, int, int]:
    """Three tickets: one whose only reply was rejected, one with a live reply, one never drafted."""
    rejected, live, fresh = add_twins(flow, 3)
    for row_id in (rejected, live):
        view = flow.record_draft(Composer(BOOK).draft_reply(INCIDENT, flow.ticket(row_id)), actor="lead", ticket_row_id=row_id)
        if row_id == rejected:
            flow.reject(view.id, view.version, actor="lead", reason="wrong order")
    return rejected, live, fresh


def replies_per_ticket(flow: Workflow) -> dict[int, list[str]]:
    with flow.sessions() as session:
        rows = session.execute(select(db.DraftRow.ticket_id, db.DraftRow.status).where(db.DraftRow.kind == "reply").order_by(db.DraftRow.id)).all()
    out: dict[int, list[str]] = {}
    for ticket_id, status in rows:
        out.setdefault(ticket_id, []).append(status)
    return out


def test_which_tickets_need_a_draft(flow: Workflow) -> None:
    rejected, live, fresh = ticket_states(flow)
    assert flow.tickets_needing_draft(INCIDENT.id) == [rejected, fresh]
    assert flow.tickets_needing_draft(INCIDENT.id, among=[live, fresh]) == [fresh]
    assert flow.tickets_needing_draft("another-incident") == []


def test_a_rejected_only_ticket_is_redrafted_through_the_api_job(flow: Workflow, api: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = api
    rejected, live, fresh = ticket_states(flow)
    state = run_api_job(client, headers)
    assert (state["total"], state["done"]) == (2, 2)
    assert replies_per_ticket(flow) == {rejected: ["rejected", "drafted"], live: ["drafted"], fresh: ["drafted"]}


def test_a_rejected_only_ticket_is_redrafted_by_run_job_as_by_the_api(flow: Workflow) -> None:
    rejected, live, fresh = ticket_states(flow)
    # A job over all three (as one made before the live reply existed): the live one is left alone.
    final = run_job(flow, create_job(flow, INCIDENT.id, [rejected, live, fresh], actor="app"), Composer(BOOK), worker="w")
    assert (final.done, final.failed) == (3, 0)
    assert replies_per_ticket(flow) == {rejected: ["rejected", "drafted"], live: ["drafted"], fresh: ["drafted"]}
    assert flow.tickets_needing_draft(INCIDENT.id) == []


def test_cli_batches_go_through_the_job_engine_and_leave_the_workflow_database_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TACTFUL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TACTFUL_DATABASE_URL", raising=False)
    services.default_settings.cache_clear()
    try:
        tickets = tmp_path / "tickets.jsonl"
        # The same complaint twice in one file (two help desks exported it): each line is its own customer.
        line = json.dumps(twin().model_dump(mode="json"))
        tickets.write_text(f"{line}\n{line}\n", encoding="utf-8")
        out = tmp_path / "drafts.jsonl"
        args = ["draft", "reply", "--incident", str(INCIDENT_FILE), "--tickets", str(tickets), "--out", str(out), "--no-citations"]
        result = CliRunner().invoke(cli, [*args, "--concurrency", "2"])
        assert result.exit_code == 0, result.output
        drafts = [json.loads(row) for row in out.read_text(encoding="utf-8").splitlines()]
        assert [d["ticket_id"] for d in drafts] == ["T-1", "T-1"] and drafts[0]["text"] != drafts[1]["text"]
        assert not any(DUPLICATE in d["warnings"] for d in drafts)
        assert not (tmp_path / "data" / "tactful.db").exists()
    finally:
        services.default_settings.cache_clear()


def test_a_redraft_never_repeats_the_text_a_person_rejected(flow: Workflow) -> None:
    """The composer words a ticket the same way every time; a redraft must try another wording, or the
    reviewer would be handed the reply they just rejected."""
    rejected, _live, _fresh = ticket_states(flow)
    with flow.sessions() as session:
        [before] = session.scalars(select(db.DraftVersionRow.text).join(db.DraftRow).where(db.DraftRow.ticket_id == rejected)).all()
    run_job(flow, create_job(flow, INCIDENT.id, [rejected], actor="app"), Composer(BOOK), worker="w")
    with flow.sessions() as session:
        texts = session.scalars(
            select(db.DraftVersionRow.text).join(db.DraftRow).where(db.DraftRow.ticket_id == rejected, db.DraftRow.status == "drafted")
        ).all()
    assert texts and before not in texts


# ── replies vary in their sentences, not only as wholes ──────────────────────────────────────────────


def same_complaint(n: int, lang: str) -> list[Ticket]:
    """Twelve customers with the same complaint: the composer's choices are all that tells their replies
    apart."""
    message = "My order was 45 minutes late." if lang == "en" else "晚了45分钟，汤都凉了"
    facts = TicketFacts(issue_type="late_delivery", delay_minutes=45, order_amount=Decimal(86))
    return [Ticket(id=f"S-{k}", incident_id=INCIDENT.id, customer=f"C{k}", messages=[message], facts=facts) for k in range(n)]


def too_similar(texts: list[str]) -> int:
    from itertools import combinations

    from drafting.drafters.batch import MAX_SHARED, sentence_set, shared

    sets = [sentence_set(text) for text in texts]
    return sum(shared(a, b) > MAX_SHARED for a, b in combinations(sets, 2))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_batch_spreads_its_wordings_so_customers_comparing_replies_see_different_sentences(lang: str) -> None:
    from drafting.drafters.batch import draft_many

    composer, tickets = Composer(BOOK), same_complaint(12, lang)
    one_by_one = too_similar([composer.draft_reply(INCIDENT, t).text for t in tickets])
    batched = too_similar([d.text for d in draft_many(composer, INCIDENT, tickets).drafts])
    assert one_by_one >= 20  # the premise: drafted alone, many pairs share more than a fifth of their sentences
    assert batched <= one_by_one * 0.7, (one_by_one, batched)


def test_a_job_spreads_its_wordings_across_workers_and_tickets(flow: Workflow) -> None:
    """The engine the app, API and CLI use: each reply is worded against those the job already recorded (one
    worker here, so the figure is the same on every run; racing workers each see what the other recorded)."""
    composer, tickets = Composer(BOOK), same_complaint(12, "en")
    ids = [flow.add_ticket(t, actor="api")[0] for t in tickets]
    final = drain(flow, create_job(flow, INCIDENT.id, ids, actor="app"), composer, threads=1)
    assert (final.status, final.done) == ("done", 12)
    one_by_one = too_similar([composer.draft_reply(INCIDENT, t).text for t in tickets])
    assert too_similar(reply_texts(flow)) <= one_by_one * 0.7, (one_by_one, too_similar(reply_texts(flow)))

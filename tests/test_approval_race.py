"""Approval is a true compare-and-set: two processes approving the same draft at the same moment end with
exactly one final approval and exactly one outbound webhook delivery — on SQLite and on PostgreSQL.

Each racer is a separate OS process with its own engine and connection pool (like two API workers, or the
app beside the API). They meet on a barrier before every draft, so both call `approve` at the same moment.
"""

from __future__ import annotations

import multiprocessing
import queue
import sys
import time
import traceback
import types
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from drafting.domain.models import Incident, Ticket
from drafting.drafters.composer import Composer
from drafting.guards.tone import ToneChecker
from drafting.workflow import db
from drafting.workflow.core import Conflict, Refused, Workflow
from drafting.workflow.db import ApprovalRow, AuditEventRow, WebhookDeliveryRow
from drafting.workflow.webhooks import Webhooks
from knowledge.policy import PolicyBook, TicketFacts

ROOT = Path(__file__).resolve().parent.parent
INCIDENT = Incident.model_validate(yaml.safe_load((ROOT / "drafting/samples/delivery-growth.incident.yaml").read_text(encoding="utf-8")))
HOOK = "http://127.0.0.1:9/never-called"  # deliveries are only queued here, never sent
DRAFTS = 10
STARTUP_SECONDS = 600
RACE_SECONDS = 120

pytestmark = pytest.mark.slow


def _workflow(url: str, *, migrate: bool) -> Workflow:
    sessions = db.session_factory(url, migrate=migrate)
    return Workflow(sessions, ToneChecker(), webhooks=Webhooks(sessions, HOOK, None))


def _racer(url: str, actor: str, plan: list[tuple[int, int]], barrier: Any, results: Any, action: str) -> None:
    """Approve (or mark sent) each (draft id, version) in `plan` the moment every racer is ready for it.

    Always reports, even when it fails before the first race: a racer that dies silently would leave the
    other waiting at the barrier and the test reporting only an empty queue."""
    outcomes: list[tuple[int, str]] = []
    try:
        flow = _workflow(url, migrate=False)
        flow.get(plan[0][0])  # connect before the first race, not during it
        # Starting a process imports the whole package; on a loaded two-core machine that can take a
        # while, so the first meeting waits longer than the others.
        barrier.wait(timeout=STARTUP_SECONDS)
        for draft_id, version in plan:
            barrier.wait(timeout=RACE_SECONDS)
            try:
                if action == "sent":
                    flow.mark_sent(draft_id, version, actor)
                else:
                    flow.approve(draft_id, version, actor)
                outcome = action
            except Conflict:
                outcome = "conflict"
            except Refused:
                outcome = "refused"
            except Exception as exc:  # reported, so the test says what went wrong in the child
                outcome = f"error: {type(exc).__name__}: {exc}"
            outcomes.append((draft_id, outcome))
    except BaseException:
        barrier.abort()  # free the other racer at once instead of after its timeout
        results.put((actor, outcomes, traceback.format_exc()))
        raise
    results.put((actor, outcomes, ""))


@contextmanager
def _plain_main() -> Iterator[None]:
    """A spawned process first re-runs the parent's __main__ file. After an AppTest in this pytest process
    that file is app.py (Streamlit's script runner leaves sys.modules["__main__"] pointing at the script
    it ran), and a racer would start the whole app, fail in bare mode and never reach the barrier. While
    the racers start, __main__ is a module with no file to re-run."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def race(url: str, actors: list[str], plan: list[tuple[int, int]], action: str = "approved") -> dict[int, list[str]]:
    """Run one process per entry of `actors` (a name may repeat: one person in two tabs) over the same
    drafts; returns every process's outcome per draft."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(len(actors)), context.Queue()
    processes = [context.Process(target=_racer, args=(url, actor, plan, barrier, results, action)) for actor in actors]
    with _plain_main():
        for process in processes:
            process.start()
    reports = []
    try:
        deadline = time.monotonic() + STARTUP_SECONDS + RACE_SECONDS * len(plan)
        while len(reports) < len(processes):
            try:
                reports.append(results.get(timeout=1))
            except queue.Empty:
                if not any(process.is_alive() for process in processes) and results.empty():
                    codes = [process.exitcode for process in processes]
                    pytest.fail(f"racer processes ended without reporting (exit codes {codes}); reports: {reports}")
                if time.monotonic() > deadline:
                    pytest.fail(f"racers still running after {deadline:.0f} s; reports so far: {reports}")
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()
    failures = [f"{actor}: {trace}" for actor, _outcomes, trace in reports if trace]
    assert not failures, "\n".join(failures)
    out: dict[int, list[str]] = {}
    for _actor, outcomes, _trace in reports:
        for draft_id, outcome in outcomes:
            out.setdefault(draft_id, []).append(outcome)
    return {draft_id: sorted(found) for draft_id, found in out.items()}


def seed(flow: Workflow, tier: str | None, prefix: str) -> list[tuple[int, int]]:
    """DRAFTS reply drafts (tier gold: each needs two approvers); returns (draft id, version) pairs."""
    composer = Composer(PolicyBook.load(None))
    plan = []
    for n in range(DRAFTS):
        ticket = Ticket(
            id=f"{prefix}-{n}",
            incident_id=INCIDENT.id,
            customer=f"Member {n}",
            messages=["My order was 45 minutes late."],
            facts=TicketFacts(issue_type="late_delivery", delay_minutes=45, order_amount=Decimal(86), membership_tier=tier),
        )
        row_id, _ = flow.add_ticket(ticket, actor="api")
        view = flow.record_draft(composer.draft_reply(INCIDENT, ticket), actor="composer", ticket_row_id=row_id)
        assert view.approvals_needed == (2 if tier else 1)
        plan.append((view.id, view.version))
    return plan


def tally(flow: Workflow, draft_id: int) -> dict[str, Any]:
    with flow.sessions() as session:
        finals = sum(
            1
            for detail in session.scalars(
                select(AuditEventRow.detail).where(
                    AuditEventRow.entity == "draft", AuditEventRow.entity_id == str(draft_id), AuditEventRow.action == "draft.approve"
                )
            )
            if detail.get("final")
        )
        approvals = session.scalars(
            select(ApprovalRow.actor).where(ApprovalRow.draft_id == draft_id, ApprovalRow.decision == "approve").order_by(ApprovalRow.id)
        ).all()
        deliveries = session.scalar(select(func.count()).select_from(WebhookDeliveryRow).where(WebhookDeliveryRow.draft_id == draft_id))
    return {"status": flow.get(draft_id).status, "finals": finals, "approvals": list(approvals), "deliveries": deliveries}


@pytest.fixture
def flow(database_url: str) -> Workflow:
    workflow = _workflow(database_url, migrate=True)
    workflow.save_incident(INCIDENT, actor="lead")
    return workflow


def test_two_processes_approving_a_one_approver_draft_approve_it_once(flow: Workflow, database_url: str) -> None:
    plan = seed(flow, None, "solo")
    outcomes = race(database_url, ["ana", "ben"], plan)
    counts = [tally(flow, draft_id) for draft_id, _ in plan]
    assert [c["finals"] for c in counts] == [1] * DRAFTS, counts
    assert [c["deliveries"] for c in counts] == [1] * DRAFTS, counts
    assert [len(c["approvals"]) for c in counts] == [1] * DRAFTS, counts
    assert {c["status"] for c in counts} == {"approved"}
    # One winner; the loser is told so, and never approves too.
    assert all(found in (["approved", "conflict"], ["approved", "refused"]) for found in outcomes.values()), outcomes


def test_two_second_approvers_racing_give_one_final_approval(flow: Workflow, database_url: str) -> None:
    plan = seed(flow, "gold", "pair")
    for draft_id, version in plan:
        assert flow.approve(draft_id, version, "lead").status == "drafted"  # the first of two approvals
    outcomes = race(database_url, ["ana", "ben"], plan)
    counts = [tally(flow, draft_id) for draft_id, _ in plan]
    assert [c["finals"] for c in counts] == [1] * DRAFTS, counts
    assert [c["deliveries"] for c in counts] == [1] * DRAFTS, counts
    assert [len(c["approvals"]) for c in counts] == [2] * DRAFTS, counts
    assert {c["status"] for c in counts} == {"approved"}
    assert all(found in (["approved", "conflict"], ["approved", "refused"]) for found in outcomes.values()), outcomes


def test_one_approver_in_two_tabs_counts_once(flow: Workflow, database_url: str) -> None:
    """The same person approving a two-approver draft from two tabs at once is one approval, not two."""
    plan = seed(flow, "gold", "tabs")
    outcomes = race(database_url, ["ana", "ana"], plan)
    counts = [tally(flow, draft_id) for draft_id, _ in plan]
    assert [c["approvals"] for c in counts] == [["ana"]] * DRAFTS, counts
    assert {c["status"] for c in counts} == {"drafted"} and [c["deliveries"] for c in counts] == [0] * DRAFTS
    assert all(found == ["approved", "refused"] for found in outcomes.values()), outcomes


def test_two_processes_marking_a_draft_sent_record_it_once(flow: Workflow, database_url: str) -> None:
    plan = seed(flow, None, "sent")
    for draft_id, version in plan:
        flow.approve(draft_id, version, "lead")
    outcomes = race(database_url, ["ana", "ben"], plan, action="sent")
    for draft_id, _ in plan:
        actions = [e["action"] for e in flow.audit_trail("draft", str(draft_id))]
        assert actions.count("draft.sent") == 1 and flow.get(draft_id).status == "sent"
    assert all(found == ["refused", "sent"] for found in outcomes.values()), outcomes


def test_racers_start_even_when_main_is_a_script_that_fails(
    flow: Workflow, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an AppTest, this process's __main__ is app.py; a spawned racer must not re-run it (it failed in
    bare mode on CI and the race never started)."""
    script = tmp_path / "fails.py"
    script.write_text("raise SystemExit('a racer re-ran the parent main script')\n", encoding="utf-8")
    stand_in = types.ModuleType("__main__")
    stand_in.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", stand_in)
    plan = seed(flow, None, "main")
    outcomes = race(database_url, ["ana", "ben"], plan[:1])
    assert sorted(outcomes[plan[0][0]]) in (["approved", "conflict"], ["approved", "refused"]), outcomes

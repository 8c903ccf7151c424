"""The app under a crisis-sized queue: page load and an approve click, measured in a real browser.

    python -m bench.app [--tickets 1000] [--runs 7] [--no-write]

1,000 tickets with composer drafts go into a fresh SQLite database; `tactful app` serves them and Debian's
headless chromium (Playwright) drives it. *First render* is from navigation to the review queue until its
table and counts are on screen: in a fresh browser profile each run (nothing cached), and in a new tab of a
browser that has loaded the app before (a returning reviewer; still a new Streamlit session). *Approve click* is from the click on
Approve in the draft editor until the page shows the approval, one ticket after another in one session.
Medians and the worst run are reported; results replace the "App latency" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import yaml

from bench.results import machine, publish
from drafting.domain.models import Incident, Ticket
from drafting.drafters.composer import Composer
from drafting.guards.tone import ToneChecker
from drafting.workflow import db
from drafting.workflow.core import Workflow
from knowledge.policy import PolicyBook, TicketFacts
from testkit.servers import CHROMIUM, AppServer

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- app:begin -->", "<!-- app:end -->"
MESSAGES = {
    "zh": ["晚了一个小时，汤都洒了", "东西全压坏了", "送到的时候已经是冷的了"],
    "en": ["My order was an hour late and cold.", "Everything arrived crushed.", "The soup spilled in the bag."],
}


def fill(data_dir: Path, count: int) -> str:
    """The sample incident and `count` tickets with composer drafts; returns the incident id."""
    incident = Incident.model_validate(yaml.safe_load((ROOT / "drafting/samples/delivery-growth.incident.yaml").read_text(encoding="utf-8")))
    flow = Workflow(db.session_factory(f"sqlite:///{data_dir / 'tactful.db'}"), ToneChecker())
    flow.save_incident(incident, actor="bench")
    composer = Composer(PolicyBook.load(None))
    rng = random.Random(7)
    for n in range(count):
        lang = rng.choice(["zh", "en"])
        ticket = Ticket(
            id=f"B-{n:04d}",
            incident_id=incident.id,
            customer=f"Customer {n:04d}",
            channel="wechat",
            lang=lang,
            messages=[rng.choice(MESSAGES[lang])],
            facts=TicketFacts(
                issue_type=rng.choice(["late_delivery", "spilled", "damaged"]),
                delay_minutes=rng.randint(0, 90),
                order_amount=Decimal(rng.randint(20, 150)),
            ),
        )
        row, _ = flow.add_ticket(ticket, actor="bench")
        flow.record_draft(composer.draft_reply(incident, ticket), actor="bench", ticket_row_id=row)
    return incident.id


def settle(page) -> None:  # noqa: ANN001
    page.wait_for_timeout(50)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=120_000)
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=120_000)


def queue_render(page, url: str, tickets: int) -> float:  # noqa: ANN001
    """Seconds from opening the review queue until its table and its ticket count are on screen."""
    start = time.perf_counter()
    page.goto(f"{url}/queue")
    page.get_by_test_id("stDataFrame").wait_for(timeout=120_000)
    page.get_by_test_id("stMetricValue").filter(has_text=str(tickets)).first.wait_for(timeout=120_000)
    return time.perf_counter() - start


def measure(url: str, runs: int, tickets: int) -> tuple[list[float], list[float], list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    renders, floors, approvals, warm = [], [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM)
        # A returning reviewer: a new tab (a new Streamlit session) in a browser that has loaded the app before.
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        for _ in range(runs + 1):
            page = context.new_page()
            warm.append(queue_render(page, url, tickets))
            page.close()
        context.close()
        warm = warm[1:]
        for _ in range(runs + 1):  # the first run warms the server's caches and is not counted
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            renders.append(queue_render(page, url, tickets))
            context.close()
            # For comparison: the nearly empty tone-check page, i.e. what loading Streamlit itself costs.
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            start = time.perf_counter()
            page.goto(f"{url}/tone")
            page.get_by_test_id("stTextArea").wait_for(timeout=120_000)
            floors.append(time.perf_counter() - start)
            context.close()
        renders, floors = renders[1:], floors[1:]

        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/editor")
        page.get_by_test_id("stSidebar").get_by_text("English").click()
        settle(page)
        name = page.get_by_role("textbox", name=re.compile("^Your name"))
        name.fill("Bench")
        name.press("Enter")
        settle(page)
        for n in range(runs + 1):
            if n:  # the next ticket: open the picker and type its customer's name
                page.get_by_test_id("stSelectbox").filter(has_text="Ticket").click()
                page.keyboard.type(f"Customer {n:04d}")
                page.keyboard.press("Enter")
                settle(page)
            page.get_by_text(re.compile(r"Approvals: 0 of 1")).wait_for()
            start = time.perf_counter()
            page.get_by_role("button", name="Approve", exact=True).click()
            page.get_by_text(re.compile(r"Approvals: 1 of 1 \(Bench\)")).wait_for()
            approvals.append(time.perf_counter() - start)
        browser.close()
    return renders, floors, approvals[1:], warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tactful-app-bench-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        began = time.perf_counter()
        fill(data, args.tickets)
        print(f"{args.tickets} tickets drafted in {time.perf_counter() - began:.1f} s", flush=True)
        env = {
            "TACTFUL_DATA_DIR": str(data),
            "TACTFUL_DATABASE_URL": None,
            "OPENAI_API_KEY": None,
            "OPENAI_BASE_URL": None,
            "TACTFUL_APPROVERS": None,
        }
        with AppServer(env, log=Path(tmp) / "app.log", cwd=Path(tmp)) as app:
            renders, floors, approvals, warm = measure(app.url, args.runs, args.tickets)
    lines = [
        BEGIN,
        "## App latency — review queue with 1,000 tickets",
        "",
        f"`python -m bench.app --tickets {args.tickets} --runs {args.runs}` — {machine()}; Debian chromium, headless.",
        "",
        "| measure | median | worst | target |",
        "|---|---|---|---|",
        f"| first render of the review queue ({args.tickets} tickets, fresh session) | {statistics.median(renders) * 1000:.0f} ms | "
        f"{max(renders) * 1000:.0f} ms | ≤ 2,000 ms |",
        f"| first render of the review queue in a new tab of a browser that loaded the app before | "
        f"{statistics.median(warm) * 1000:.0f} ms | {max(warm) * 1000:.0f} ms | ≤ 2,000 ms |",
        f"| for comparison: first render of the nearly empty tone-check page | {statistics.median(floors) * 1000:.0f} ms | "
        f"{max(floors) * 1000:.0f} ms | — |",
        f"| approve click in the draft editor, until the approval shows | {statistics.median(approvals) * 1000:.0f} ms | "
        f"{max(approvals) * 1000:.0f} ms | ≤ 500 ms |",
        "",
        f"{args.runs} runs each, after one warm-up run that is not counted. A fresh session loads Streamlit's "
        "scripts and opens its websocket before the first script run; the comparison row is that cost alone.",
        END,
    ]
    publish(lines, BEGIN, END, write=not args.no_write)


if __name__ == "__main__":
    main()

"""The app in a real browser: `tactful app` on a free port with a fresh data directory, driven by Playwright
in Debian's headless chromium. A new user's path: create an incident, let tickets arrive, draft replies,
fix a flagged phrase with the suggestion, approve, turn a pasted chat into a new incident with its own
tickets, then visit every page. Screenshots of each page go to
test-artifacts/browser/."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from testkit.servers import CHROMIUM, AppServer, process_env

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-artifacts" / "browser"
SAMPLES = ROOT / "drafting" / "samples"

pytestmark = pytest.mark.slow


@pytest.fixture
def browser_page(request: pytest.FixtureRequest):  # noqa: ANN201
    if not Path(CHROMIUM).exists():
        if os.environ.get("TACTFUL_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is required (apt install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (apt install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        yield page
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            shot(page, "failure")  # what the page showed when the test gave up
        browser.close()


def shot(page, name: str) -> None:  # noqa: ANN001
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)  # let the last rerun paint
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def settle(page) -> None:  # noqa: ANN001
    """Wait until Streamlit has finished the rerun the last action started and replaced every element of
    the previous run (until then a button can be on the page twice, the old copy marked stale)."""
    page.wait_for_timeout(200)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=120_000)
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=120_000)


def textbox(page, label: str):  # noqa: ANN001, ANN201
    return page.get_by_role("textbox", name=re.compile("^" + re.escape(label)))


CHAT_COMPLAINERS = 12


def group_chat() -> str:
    """A WeChat-style copy of an English customer group: quiet chatter, polite staff answers, then one
    dismissive reply that every complaining member quotes or reacts to."""
    lines = []
    for n in range(15):
        lines += [f"Member {n % 5} 2026-11-12 12:{n * 3:02d}:00", "Anyone tried the new noodle box?", ""]
    lines += ["Maya (Support) 2026-11-12 12:46:00", "Thanks for asking, the noodle box is back tomorrow.", ""]
    lines += ["Maya (Support) 2026-11-12 12:50:00", "Calm down, it's 20 minutes, not the end of the world.", ""]
    complaints = [
        "> Maya (Support): Calm down, it's 20 minutes\nWhat kind of attitude is that?!",
        "My order has been 90 minutes late, still nothing!!",
        "I want a refund, this is ridiculous!!",
    ]
    for n in range(CHAT_COMPLAINERS * 2):
        lines += [f"Customer {n % CHAT_COMPLAINERS} 2026-11-12 12:{51 + n // 4:02d}:{(n * 10) % 60:02d}", complaints[n % 3], ""]
    return "\n".join(lines)


# Names and content a Chinese reader sees as they are: the product, file formats, the language switch, the
# operator's name, and the customers' own words in the queue (Alex and Mei wrote in English).
NAMES = {"Tactful", "VIP", "LLM", "CSV", "XLSX", "JSON", "YAML", "Telegram", "English", "Language", "Li", "Na"}


def english_on_screen(page) -> set[str]:  # noqa: ANN001
    """English words in the main area's and the sidebar's text and in every input's placeholder, leaving out
    ids (2026-11-…, LD-2), commands in code, and the texts customers and drafts wrote."""
    shown = " ".join(page.get_by_test_id(area).inner_text() for area in ("stMain", "stSidebar"))
    shown += " " + " ".join(page.locator("input[placeholder], textarea[placeholder]").evaluate_all("els => els.map(e => e.placeholder)"))
    icons = page.locator(
        '[data-testid="stIconMaterial"], [data-testid="stSidebarCollapseButton"], [data-testid="stSidebarNavLink"] span[class*="Icon"]'
    )
    for content in [*page.locator('[data-testid="stCode"], [data-testid="stText"], .tactful-draft').all_inner_texts(), *icons.all_inner_texts()]:
        shown = shown.replace(content, " ")
    shown = re.sub(r"`[^`]*`|\b[\w.]+(?:[-/][\w.]+)+\b|(?<![\w.])\.\w+", " ", shown)
    return {w for w in re.findall(r"[A-Za-z][A-Za-z_']{2,}", shown) if w not in NAMES}


def go(page, title: str) -> None:  # noqa: ANN001
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    settle(page)


def test_a_new_user_goes_from_an_incident_to_approved_replies(browser_page, tmp_path: Path) -> None:  # noqa: ANN001
    page = browser_page
    env = {
        "TACTFUL_DATA_DIR": str(tmp_path / "data"),
        "OPENAI_API_KEY": None,
        "OPENAI_BASE_URL": None,
        "TACTFUL_DATABASE_URL": None,
        "TACTFUL_CHROMA_URL": None,
        "TACTFUL_APPROVERS": None,
    }
    with AppServer(env, log=tmp_path / "app.log", cwd=tmp_path) as app:
        page.goto(app.url + "/incident")  # a page's own address opens it, not "Page not found"
        page.get_by_text("新建事件").first.wait_for()  # Chinese by default
        assert not page.get_by_text("Page not found").count()
        page.get_by_test_id("stSidebar").get_by_text("English").click()
        settle(page)
        name = textbox(page, "Your name")
        name.fill("Li Na")
        name.press("Enter")
        settle(page)

        # 1. Create the incident.
        textbox(page, "Incident id").fill("2026-11-delivery-delays")
        textbox(page, "Title · English").fill("Late deliveries after the order surge")
        textbox(page, "What happened · English").fill("Orders doubled in a week; deliveries ran late and soup spilled.")
        page.get_by_role("button", name="Save incident").click()
        settle(page)
        page.get_by_text("Incident 2026-11-delivery-delays saved.").wait_for()
        page.get_by_text("Timeline: what is due when").wait_for()
        shot(page, "1-incident-room")

        # 2. Tickets arrive (here from a file; a ticket system would use the API).
        loaded = subprocess.run(
            [sys.executable, "-m", "drafting.cli.main", "load", "--tickets", str(SAMPLES / "delivery-growth.tickets.jsonl")],
            env=process_env(env),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert loaded.returncode == 0 and "6 new" in loaded.stdout, loaded.stdout + loaded.stderr

        # 3. Draft replies for every ticket.
        go(page, "Review queue")
        page.get_by_role("button", name="Draft all 6 tickets without a draft").click()
        settle(page)
        page.get_by_text("6 replies drafted").wait_for()
        shot(page, "2-review-queue")

        # 4. Open Alex's reply, make it dismissive, and fix it with the suggestion.
        page.get_by_test_id("stSelectbox").filter(has_text="Open a ticket").click()
        page.get_by_role("option", name=re.compile("^Alex")).click()
        settle(page)
        page.get_by_test_id("stBaseButton-secondary").filter(has_text=re.compile("^Open$")).last.click()
        settle(page)
        page.get_by_text("What the customer wrote").wait_for()
        assert page.get_by_text("My order was 45 minutes late and nobody answered the phone.").is_visible()
        draft = page.get_by_role("textbox", name=re.compile("^Draft \\(edit freely"))
        original = draft.input_value()
        draft.fill("Calm down. " + original)
        draft.press("Control+Enter")
        settle(page)
        page.locator("mark.tone-flag").first.wait_for()  # flagged inline before saving
        page.get_by_role("button", name="Save edit").click()
        page.get_by_text(re.compile(r"· version 2 ·")).wait_for()
        settle(page)
        page.get_by_role("button", name="Approve").click()
        page.get_by_text(re.compile("approval refused")).first.wait_for()  # the guard blocks it
        shot(page, "3-draft-editor-blocked")
        page.get_by_role("button", name=re.compile("^Use “")).first.click()
        settle(page)
        assert "set via the Session State API" not in (tmp_path / "app.log").read_text(encoding="utf-8")  # a clean one-click fix
        assert "Calm down" not in page.get_by_role("textbox", name=re.compile("^Draft \\(edit freely")).input_value()
        page.get_by_role("button", name="Save edit").click()
        page.get_by_text(re.compile(r"· version 3 ·")).wait_for()
        settle(page)
        page.get_by_role("button", name="Approve").click()
        page.get_by_text(re.compile(r"Approvals: 1 of \d \(Li Na\)")).wait_for()
        shot(page, "4-draft-editor-approved")

        # 5. Bulk-approve the safe ones after the confirmation, then send.
        go(page, "Review queue")
        bulk = page.get_by_role("button", name=re.compile(r"^Approve \d+ safe drafts"))
        if bulk.count():
            bulk.click()
            settle(page)
            page.get_by_role("button", name=re.compile(r"^Yes, approve \d+")).click()
            settle(page)
            page.get_by_text(re.compile(r"\d+ approved;")).wait_for()
        go(page, "Send")
        page.get_by_test_id("stCode").first.wait_for()  # approved replies, each with its copy button
        page.mouse.move(0, 0)
        copy = page.get_by_test_id("stCode").first.get_by_test_id("stBaseButton-elementToolbar").first
        assert copy.is_visible(), "the copy button shows only while the pointer is over the reply"
        assert page.get_by_role("button", name="Export XLSX").is_visible()
        shot(page, "5-send")

        # 6. A group chat pasted into the radar: the trigger, the chart, themes, then tickets with drafts.
        go(page, "Chat radar")
        textbox(page, "Staff names").fill("Maya (Support)")
        textbox(page, "Staff names").press("Enter")
        settle(page)
        box = textbox(page, "…or paste the chat")
        box.fill(group_chat())
        box.press("Control+Enter")
        settle(page)
        page.get_by_text("What lit the fuse").wait_for()
        trigger = page.get_by_test_id("stVerticalBlock").filter(has=page.get_by_text("Most likely")).last  # the innermost: its card
        assert "Calm down, it's 20 minutes" in trigger.inner_text()
        charts = page.get_by_test_id("stVegaLiteChart")
        for n in range(2):  # counts per minute, then shares
            charts.nth(n).locator("canvas, svg").first.wait_for()
            page.wait_for_timeout(300)
            charts.nth(n).screenshot(path=str(SHOTS / f"6-chat-radar-chart-{n + 1}.png"))  # below the fold of the page shot
        page.get_by_text("What people complain about").wait_for()
        page.get_by_test_id("stExpander").filter(has_text=re.compile(r"(attitude|lateness|refund) · \d+ · \d+ members")).first.wait_for()
        shot(page, "6-chat-radar")
        # The button names where the tickets would go; this chat is a new crisis, so it gets its own incident,
        # prefilled from the analysis, editable, saved by the button only (Enter saves nothing).
        assert page.get_by_role("button", name=re.compile(r"^Create \d+ tickets for the incident “Late deliveries after the order surge")).count()
        page.get_by_role("button", name="New incident from this chat").click()
        settle(page)
        title = textbox(page, "Title · English")
        assert title.input_value().endswith("on 12 Nov"), title.input_value()
        assert "Maya (Support)" in page.get_by_text(re.compile("^The message that lit the fuse came from")).inner_text()
        title.fill("Dismissive reply in the customer group")
        title.press("Enter")
        settle(page)
        assert not page.get_by_text(re.compile(r"^Incident 2026-11-12-chat-\S+ saved")).count()
        shot(page, "6b-new-incident-from-chat")
        page.get_by_role("button", name="Save incident").click()
        settle(page)
        page.get_by_text(re.compile(r"^Incident 2026-11-12-chat-\S+ saved")).wait_for()
        page.get_by_role("button", name=re.compile(r"^Create \d+ tickets for the incident “Dismissive reply in the customer group")).click()
        settle(page)
        page.get_by_text(re.compile(r"\d+ tickets created")).wait_for()
        page.get_by_role("button", name=re.compile(r"^Draft replies for these \d+ tickets")).click()
        settle(page)
        page.get_by_text(re.compile(r"\d+ replies drafted; review and approve them")).wait_for()
        page.get_by_role("link", name="Open the review queue").click()
        settle(page)
        page.get_by_text("Draft all").wait_for(state="detached")  # every ticket, the chat's included, has a draft
        # The chat's tickets, under the new incident now in focus; the sample incident keeps its six.
        assert page.get_by_test_id("stMetric").filter(has_text="Tickets").inner_text().split()[-1] == str(CHAT_COMPLAINERS)

        # 7. The other pages, including a bad upload.
        go(page, "Knowledge")
        page.get_by_role("tab", name="Add documents").click()
        page.locator('input[type="file"]').first.set_input_files(
            files=[{"name": "broken.md", "mimeType": "text/markdown", "buffer": b"no front matter here"}]
        )
        page.get_by_role("button", name=re.compile("^Add 1 file")).click()
        settle(page)
        page.get_by_text(re.compile("broken.md.*front matter")).first.wait_for()
        shot(page, "7-knowledge-bad-upload")
        go(page, "Tone check")
        box = textbox(page, "Text")
        box.fill("别闹了行吗，不就是晚了一点吗")
        box.press("Control+Enter")
        settle(page)
        page.locator("mark.tone-flag").first.wait_for()
        shot(page, "8-tone-check")
        go(page, "Incident room")
        page.get_by_test_id("stSidebar").get_by_text("中文").click()
        settle(page)
        page.get_by_text("时间线：各阶段要做什么").wait_for()  # the whole UI switches language
        shot(page, "9-incident-room-zh")

        # 8. The Chinese interface as the browser draws it, Streamlit's own placeholders included: no English
        # outside names (the queue in Chinese, and a blank new-incident form with its tables and pickers).
        for title in ("审核队列", "事件指挥室"):
            page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
            settle(page)
            if title == "事件指挥室":
                page.get_by_text("新建事件").click()
                settle(page)
            assert not (words := english_on_screen(page)), f"{title}: " + " ".join(sorted(words))
        shot(page, "10-new-incident-zh")


def load(env: dict[str, str | None], cwd: Path, *args: str) -> None:
    """Load incidents or tickets the way an operator would (`tactful load`)."""
    done = subprocess.run(
        [sys.executable, "-m", "drafting.cli.main", "load", *args], env=process_env(env), cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def pick(page, where, label: str, option: str) -> None:  # noqa: ANN001
    """Choose in a selectbox as a person does: open it, click the option."""
    where.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    page.get_by_role("option", name=re.compile(re.escape(option))).first.click()
    settle(page)


def test_every_pick_in_a_picker_takes_and_enter_never_saves_a_form(browser_page, tmp_path: Path) -> None:  # noqa: ANN001
    """A second pick in the sidebar's incident picker or the editor's ticket picker shows the second choice
    (each used to be ignored every other time), and Enter in the new-incident form saves nothing."""
    page = browser_page
    env = {
        "TACTFUL_DATA_DIR": str(tmp_path / "data"),
        "OPENAI_API_KEY": None,
        "OPENAI_BASE_URL": None,
        "TACTFUL_DATABASE_URL": None,
        "TACTFUL_CHROMA_URL": None,
        "TACTFUL_APPROVERS": None,
    }
    second = tmp_path / "second.incident.yaml"
    sample = (SAMPLES / "delivery-growth.incident.yaml").read_text(encoding="utf-8")
    second.write_text(
        sample.replace("id: 2026-11-delivery-delays", "id: 2026-12-cold-soup").replace(
            "Widespread delivery delays during the Singles' Day sale", "Cold soup in December"
        ),
        encoding="utf-8",
    )
    load(env, tmp_path, "--incident", str(SAMPLES / "delivery-growth.incident.yaml"), "--tickets", str(SAMPLES / "delivery-growth.tickets.jsonl"))
    load(env, tmp_path, "--incident", str(second))
    with AppServer(env, log=tmp_path / "app.log", cwd=tmp_path) as app:
        page.goto(app.url)
        page.get_by_test_id("stSidebar").get_by_text("English").click()
        settle(page)
        sidebar = page.get_by_test_id("stSidebar")
        record = page.get_by_role("textbox", name=re.compile("^Title · English"), include_hidden=True)  # in the folded record
        for title in ("Widespread delivery delays", "Cold soup in December", "Widespread delivery delays"):
            pick(page, sidebar, "Incident", title)
            assert record.input_value().startswith(title), f"picked {title!r}, the page shows {record.input_value()!r}"
        shot(page, "pickers-incident")

        go(page, "Draft editor")
        for customer, says in (("Alex", "My order was 45 minutes late"), ("王女士", "晚了一个半小时"), ("Alex", "My order was 45 minutes late")):
            pick(page, page.get_by_test_id("stMain"), "Ticket", customer)
            page.get_by_text(says).first.wait_for(timeout=10_000)
        shot(page, "pickers-ticket")

        # Enter in a text input of the new-incident form: nothing is saved, nothing is lost.
        go(page, "Incident room")
        page.get_by_text("New incident").click()
        settle(page)
        textbox(page, "Incident id").fill("2026-12-half-typed")
        textbox(page, "What happened · English").fill("Enough to be valid, not yet the whole record.")
        title = textbox(page, "Title · English")
        title.fill("Half typed")
        title.press("Enter")
        settle(page)
        assert not page.get_by_text("Incident 2026-12-half-typed saved.").count()
        assert textbox(page, "Title · English").input_value() == "Half typed"
        textbox(page, "Owner").fill("Li Na")
        page.get_by_role("button", name="Save incident").click()
        settle(page)
        page.get_by_text("Incident 2026-12-half-typed saved.").wait_for()
        shot(page, "enter-never-saves")

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

from drafting.text.greetings import greeting_length
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
        # The browser's own language (the date pickers' "yyyy/mm/dd" follows it): en-US unless the test asks
        # for another through parametrize(..., indirect=True).
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale=getattr(request, "param", "en-US"))
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
    # The status widget shows only after a run has gone on a while, so its absence alone can be a run just
    # started; the app's own run state says it has ended. Elements whose code loads on first use (the file
    # uploader) are a skeleton until it has arrived.
    page.wait_for_function(
        """() => ['notRunning', 'compilationError'].includes(document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState)
              && !document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')""",
        timeout=120_000,
    )


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


# Names a Chinese reader sees as they are: the product, file formats, the language switch, the English test's
# operator (Li Na) and the sample tickets' English-speaking customers (Alex, Mei).
NAMES = {"Tactful", "VIP", "LLM", "CSV", "XLSX", "JSON", "YAML", "Telegram", "English", "Language", "Li", "Na", "Alex", "Mei"}


def english_on_screen(page) -> set[str]:  # noqa: ANN001
    """English words in the main area's and the sidebar's text and in every input's placeholder, leaving out
    ids (2026-11-…, LD-2), code, icons, screen-reader captions, and what customers, drafts and uploaded files
    said."""
    shown = " ".join(page.get_by_test_id(area).inner_text() for area in ("stMain", "stSidebar"))
    shown += " " + " ".join(page.locator("input[placeholder], textarea[placeholder]").evaluate_all("els => els.map(e => e.placeholder)"))
    icons = page.locator(  # an icon's name is its glyph, never read (translate="no" marks the ones in markdown)
        '[data-testid="stIconMaterial"], [data-testid="stSidebarCollapseButton"], [data-testid="stSidebarNavLink"] span[class*="Icon"], [translate="no"]'
    )
    code = page.locator('[data-testid="stCode"], [data-testid="stMarkdownContainer"] code')  # commands and ids, typed as they are
    written = page.locator('[data-testid="stText"], .tactful-draft, [data-testid="stFileChipName"]')  # what customers, drafts and files said
    # Text drawn nowhere: Streamlit's captions for screen readers ("add icon") in a 1-pixel box.
    unseen = page.evaluate(
        """() => [...document.querySelectorAll('span, div')].filter(e => !e.children.length && e.textContent.trim() && e.getClientRects().length
              && e.getBoundingClientRect().width <= 1 && e.getBoundingClientRect().height <= 1).map(e => e.textContent)"""
    )
    # Longest first: an icon's name ("add") must not break up the caption that contains it ("add icon").
    for content in sorted([*code.all_inner_texts(), *written.all_inner_texts(), *icons.all_inner_texts(), *unseen], key=len, reverse=True):
        if content.strip():  # replacing "" would put a space between every letter and hide every word
            shown = shown.replace(content, " ")
    shown = re.sub(r"`[^`]*`|\b[\w.]+(?:[-/][\w.]+)+\b|(?<![\w.])\.\w+", " ", shown)
    # An empty date or time field's parts ("yyyy", "HH", "mm"): short, so counted whenever one is drawn.
    parts = page.evaluate(
        """() => [...document.querySelectorAll('[role="spinbutton"][data-placeholder="true"]')]
              .filter(e => getComputedStyle(e).visibility === 'visible').map(e => e.textContent)"""
    )
    return {w for w in re.findall(r"[A-Za-z][A-Za-z_']{2,}", shown) if w not in NAMES} | {p for p in parts if re.search("[A-Za-z]", p)}


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
        # the fix takes effect in the rerun the click starts; on a loaded machine that rerun may not have begun
        # when settle() first looks, so wait for the text itself (up to 30 s) rather than read it once
        from playwright.sync_api import expect

        expect(page.get_by_role("textbox", name=re.compile("^Draft \\(edit freely"))).not_to_have_value(re.compile("Calm down"), timeout=30_000)
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


# ── the crisis day in Chinese ───────────────────────────────────────────────────────────────────────────

STAFF_ZH = "蓝汀客服-小美"
MEMBERS_ZH = ["小雨妈妈", "阿杰", "老王", "Coco", "豆豆爸"]  # everyday nicknames, one in Latin letters as in real groups
COMPLAINERS_ZH = [f"{surname}{'女士' if n % 2 else '先生'}" for n, surname in enumerate("赵钱孙李周吴郑王冯陈褚卫")]


def group_chat_zh() -> str:
    """A WeChat copy of a Chinese customer group: members chatting about the menu, a staff member's polite
    answer, then a dismissive one ("别闹了行吗") that members quote and push back on; some complain about
    the late orders and refunds, and some leave the group."""
    lines = []
    chatter = ["新出的酸辣粉有人试过吗？", "周末的满减活动还有吗", "今天的汤面挺好吃的"]
    for n in range(15):
        lines += [f"{MEMBERS_ZH[n % len(MEMBERS_ZH)]} 2026-11-12 12:{n * 3:02d}:00", chatter[n % len(chatter)], ""]
    lines += [f"{STAFF_ZH} 2026-11-12 12:46:00", "感谢关注，酸辣粉明天恢复供应。", ""]
    lines += [f"{STAFF_ZH} 2026-11-12 12:50:00", "别闹了行吗，不就是晚了二十分钟，至于吗", ""]
    complaints = [
        f"「{STAFF_ZH}：别闹了行吗」\n- - - - - - - - - - - - - - -\n这是什么服务态度？！",
        "我的外卖晚了一个半小时，到现在还没送到！！",
        "必须给我退款，太离谱了！",
        "说谁闹呢？我退群了",
    ]
    for n in range(len(COMPLAINERS_ZH) * 2):
        sender = COMPLAINERS_ZH[n % len(COMPLAINERS_ZH)]
        lines += [f"{sender} 2026-11-12 12:{51 + n // 4:02d}:{(n * 10) % 60:02d}", complaints[n % len(complaints)], ""]
    return "\n".join(lines)


def chinese_step(page, name: str, english: dict[str, set[str]]) -> None:  # noqa: ANN001
    """A step of the Chinese day: its screenshot, and the English words on screen outside names and content,
    kept in `english` by step, so one run reports every page that still speaks English."""
    shot(page, f"zh-{name}")
    if words := english_on_screen(page):
        english[f"zh-{name}"] = words


def sign_in_zh(page, name: str) -> None:  # noqa: ANN001
    box = textbox(page, "你的名字")
    box.fill(name)
    box.press("Enter")
    settle(page)


@pytest.mark.parametrize("browser_page", ["zh-CN"], indirect=True)  # a Chinese user's browser
def test_a_new_user_walks_the_crisis_day_in_chinese(browser_page, tmp_path: Path) -> None:  # noqa: ANN001
    """The English day again with the UI in Chinese (the default), a Chinese operator, a Chinese record and a
    Chinese group chat; every step is scanned for English words a Chinese reader would have to puzzle over."""
    page = browser_page
    english: dict[str, set[str]] = {}
    env = {
        "TACTFUL_DATA_DIR": str(tmp_path / "data"),
        "OPENAI_API_KEY": None,
        "OPENAI_BASE_URL": None,
        "TACTFUL_DATABASE_URL": None,
        "TACTFUL_CHROMA_URL": None,
        "TACTFUL_APPROVERS": None,
    }
    with AppServer(env, log=tmp_path / "app.log", cwd=tmp_path) as app:
        page.goto(app.url)
        page.get_by_text("新建事件").first.wait_for()
        sign_in_zh(page, "李娜")

        # 1. The incident, in Chinese only.
        chinese_step(page, "1-new-incident-form", english)
        textbox(page, "事件编号").fill("2026-11-delivery-delays")
        textbox(page, "标题 · 中文").fill("订单激增后配送延误")
        textbox(page, "发生了什么 · 中文").fill("一周内订单翻倍，外卖普遍晚到，部分汤品洒漏。")
        page.get_by_role("button", name="保存事件").click()
        settle(page)
        page.get_by_text("事件 2026-11-delivery-delays 已保存。").wait_for()
        page.get_by_text("时间线：各阶段要做什么").wait_for()
        chinese_step(page, "1-incident-room", english)

        # 2. Tickets arrive.
        load(env, tmp_path, "--tickets", str(SAMPLES / "delivery-growth.tickets.jsonl"))

        # 3. Draft them all.
        go(page, "审核队列")
        page.get_by_role("button", name=re.compile(r"^为 6 张未起草")).click()
        settle(page)
        page.get_by_text("已起草 6 条回复").wait_for()
        chinese_step(page, "2-review-queue", english)

        # 4. 王女士's reply made dismissive, flagged, fixed with one click, saved and approved.
        page.get_by_test_id("stSelectbox").filter(has_text="打开工单").click()
        page.get_by_role("option", name=re.compile("^王女士")).click()
        settle(page)
        page.get_by_test_id("stBaseButton-secondary").filter(has_text=re.compile("^打开$")).last.click()
        settle(page)
        page.get_by_text("客户的原话").wait_for()
        assert page.get_by_text("晚了一个半小时，汤全洒了，打客服电话两天没人接！").is_visible()
        draft = page.get_by_role("textbox", name=re.compile("^草稿（可直接修改"))
        original = draft.input_value()
        draft.fill("别闹了行吗，" + original)
        draft.press("Control+Enter")
        settle(page)
        page.locator("mark.tone-flag").first.wait_for()
        page.get_by_role("button", name="保存修改").click()
        page.get_by_text(re.compile(r"· 第 2 版 ·")).wait_for()
        settle(page)
        page.get_by_role("button", name="批准", exact=True).click()
        page.get_by_text(re.compile("审批被拒")).first.wait_for()
        chinese_step(page, "3-draft-editor-blocked", english)
        page.get_by_role("button", name=re.compile("^改为“")).first.click()
        settle(page)
        assert "别闹了" not in draft.input_value()
        opening = original[: greeting_length(original)]
        assert opening and draft.input_value().startswith(opening)  # the fix goes after the greeting, not before it
        page.get_by_role("button", name="保存修改").click()
        page.get_by_text(re.compile(r"· 第 3 版 ·")).wait_for()
        settle(page)
        page.get_by_role("button", name="批准", exact=True).click()
        page.get_by_text("审批：1/2（李娜）").wait_for()  # a gold member's refund: a second person must approve
        chinese_step(page, "4-draft-editor-first-approval", english)
        sign_in_zh(page, "王强")
        page.get_by_role("button", name="批准", exact=True).click()
        page.get_by_text("审批：2/2（李娜、王强）").wait_for()
        chinese_step(page, "4-draft-editor-approved", english)
        sign_in_zh(page, "李娜")
        go(page, "审核队列")
        bulk = page.get_by_role("button", name=re.compile(r"^批量批准 \d+ 条安全草稿"))
        if bulk.count():
            bulk.click()
            settle(page)
            page.get_by_role("button", name=re.compile(r"^确认批准 \d+ 条")).click()
            settle(page)
            page.get_by_text(re.compile(r"已批准 \d+ 条；")).wait_for()
        chinese_step(page, "4b-review-queue-bulk", english)

        # 5. A Chinese group chat in the radar: the trigger, the themes, a new incident, its tickets and drafts.
        go(page, "群聊雷达")
        chinese_step(page, "5-chat-radar-empty", english)
        textbox(page, "员工名字").fill(STAFF_ZH)
        textbox(page, "员工名字").press("Enter")
        settle(page)
        box = textbox(page, "……或直接粘贴聊天内容")
        box.fill(group_chat_zh())
        box.press("Control+Enter")
        settle(page)
        page.get_by_text("引爆点", exact=True).wait_for()
        trigger = page.get_by_test_id("stVerticalBlock").filter(has=page.get_by_text("最可能")).last
        assert "别闹了行吗" in trigger.inner_text() and STAFF_ZH in trigger.inner_text()
        page.get_by_text("投诉主题").wait_for()
        page.get_by_test_id("stExpander").filter(has_text=re.compile(r"(服务态度|延误|退款) · \d+ · \d+ 人")).first.wait_for()
        page.get_by_text(re.compile(r"^关键词预警（\d+）")).wait_for()  # "我退群了": members walking away
        chinese_step(page, "5-chat-radar", english)
        page.get_by_role("button", name="根据本群新建事件").click()
        settle(page)
        title = textbox(page, "标题 · 中文")
        assert title.input_value().startswith("11月12日") and title.input_value().endswith("问题"), title.input_value()
        assert STAFF_ZH in page.get_by_text(re.compile("^引爆情绪的消息来自")).inner_text()
        chinese_step(page, "5b-new-incident-from-chat", english)
        title.fill("客服群内回复不当引发投诉")
        page.get_by_role("button", name="保存事件").click()
        settle(page)
        page.get_by_text(re.compile(r"^事件 2026-11-12-chat-\S+ 已保存")).wait_for()
        page.get_by_role("button", name=re.compile(r"^为事件“客服群内回复不当引发投诉.*”创建 \d+ 张工单")).click()
        settle(page)
        page.get_by_text(re.compile(r"已创建 \d+ 张工单")).wait_for()
        page.get_by_role("button", name=re.compile(r"^为这 \d+ 张工单起草回复")).click()
        settle(page)
        page.get_by_text(re.compile(r"已起草 \d+ 条回复，请到审核队列审核并批准")).wait_for()
        chinese_step(page, "5c-chat-tickets-drafted", english)
        page.get_by_role("link", name="打开审核队列").click()
        settle(page)
        page.get_by_role("button", name=re.compile("^为 .* 张未起草")).wait_for(state="detached")
        assert page.get_by_test_id("stMetric").filter(has_text="工单").first.inner_text().split()[-1] == str(len(COMPLAINERS_ZH))
        chinese_step(page, "5d-review-queue-chat", english)

        # 6. Back to the delivery incident: its approved replies, each with a copy button, and the XLSX export.
        pick(page, page.get_by_test_id("stSidebar"), "当前事件", "订单激增后配送延误")
        go(page, "发送")
        page.get_by_test_id("stCode").first.wait_for()
        page.mouse.move(0, 0)
        assert page.get_by_test_id("stCode").first.get_by_test_id("stBaseButton-elementToolbar").first.is_visible()
        with page.expect_download() as download:
            page.get_by_role("button", name="导出 XLSX").click()
        exported = tmp_path / "approved.xlsx"
        download.value.save_as(exported)
        from openpyxl import load_workbook

        rows = list(load_workbook(exported).active.iter_rows(values_only=True))
        assert any(row[0] == "王女士" and "别闹了" not in str(row[2]) for row in rows[1:]), rows
        chinese_step(page, "6-send", english)

        # 7. Knowledge (each tab, and a bad upload) and tone check.
        go(page, "知识库")
        chinese_step(page, "7-knowledge-search", english)
        page.get_by_role("tab", name="文档", exact=True).click()
        settle(page)
        chinese_step(page, "7-knowledge-documents", english)
        page.get_by_role("tab", name="添加文档").click()
        page.locator('input[type="file"]').first.set_input_files(
            files=[{"name": "broken.md", "mimeType": "text/markdown", "buffer": b"no front matter here"}]
        )
        page.get_by_role("button", name=re.compile("^将 1 个文件加入知识库")).click()
        settle(page)
        page.get_by_text(re.compile("失败 1")).first.wait_for()
        chinese_step(page, "7-knowledge-bad-upload", english)
        go(page, "语气检查")
        box = textbox(page, "文本")
        box.fill("别闹了行吗，不就是晚了一点吗")
        box.press("Control+Enter")
        settle(page)
        page.locator("mark.tone-flag").first.wait_for()
        chinese_step(page, "8-tone-check", english)
    assert not english, "English in the Chinese UI (screenshots in test-artifacts/browser/): " + "; ".join(
        f"{step}: {' '.join(sorted(words))}" for step, words in english.items()
    )

"""From `make run` on a fresh clone to the first page of the app, measured in a real browser.

    python -m bench.startup [--runs 3] [--label "after"] [--no-write] [--keep]

Each run copies the checkout as a clone would have it (tracked and new files, no data/, no .venv) into one
folder under the system's temp directory, gives it a .venv (a copy of this checkout's, re-pointed at the
copy by `make install`: installing is not counted), then times `make run` until Debian's headless chromium
(Playwright) shows the app's first page with the sample incident on it. The app is killed after each run.

Broken down from what `make run` prints: the install check (make's stamp), each `tactful` command it runs,
the app's start (until /_stcore/health answers 200) and the first render (until the sample incident's timeline is on
screen). "Knowledge base ready" is when the sample knowledge base finished ingesting (the ingest summary
line, printed before the app starts or, with a background ingest, while it runs).

Medians over the runs go into the "Start-up" section of bench/RESULTS.md, one row per `--label`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.results import RESULTS, machine, replace_section
from drafting.webapp.i18n import text
from testkit.servers import CHROMIUM, free_port, process_env

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- startup:begin -->", "<!-- startup:end -->"
TARGET = 60.0
# On screen once the first page rendered the sample incident: the heading of its timeline, in the default language.
FIRST_PAGE_TEXT = text("timeline", "zh")
COMMAND = re.compile(r"^\S*/tactful (\w+)")  # make echoing a recipe line
INGEST_DONE = re.compile(r"\d+ added, \d+ updated, \d+ removed, \d+ unchanged, \d+ failed")
TIMEOUT = 600.0


@dataclass
class Run:
    lines: list[tuple[float, str]] = field(default_factory=list)
    health: float | None = None
    first_page: float | None = None
    load: float = 0.0  # the machine's 1-minute load average when the run began (other work slows every phase)

    def commands(self) -> list[tuple[float, str]]:
        return [(t, m.group(1)) for t, line in self.lines if (m := COMMAND.match(line))]

    def ingest_done(self) -> float | None:
        return next((t for t, line in self.lines if INGEST_DONE.search(line)), None)

    def phases(self) -> dict[str, float]:
        """Seconds per phase: the install check, each `tactful` command before the app, the app's start
        and its first render; plus the totals."""
        commands = self.commands()
        assert self.health is not None and self.first_page is not None and commands
        phases = {"install check": commands[0][0]}
        for (start, name), (end, _) in zip(commands, commands[1:], strict=False):
            phases[f"tactful {name}"] = end - start
        phases["app start"] = self.health - commands[-1][0]
        phases["first render"] = self.first_page - self.health
        phases["first page"] = self.first_page
        ready = self.ingest_done()
        if ready is not None:
            phases["knowledge base ready"] = ready
        return phases


def fresh_copy(target: Path) -> None:
    """The checkout's files as a clone of it would have them (new files included, ignored ones not),
    replacing everything in `target` but its .venv. Copied without their times, as a clone writes them."""
    for child in target.iterdir() if target.exists() else ():
        if child.name != ".venv":
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if not source.is_file():  # deleted in the working tree but not yet in git
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target / name)


def give_venv(target: Path) -> float:
    """A .venv for the copy (copied once, then kept), installed for it by `make install`; returns its seconds."""
    if not (target / ".venv").exists():
        subprocess.run(["cp", "-a", str(ROOT / ".venv"), str(target / ".venv")], check=True)
    start = time.perf_counter()
    subprocess.run(["make", "install"], cwd=target, env=process_env({}), check=True, capture_output=True)
    return time.perf_counter() - start


def read_lines(stream, run: Run, began: float) -> None:  # noqa: ANN001
    for raw in iter(stream.readline, b""):
        run.lines.append((time.perf_counter() - began, raw.decode(errors="replace").rstrip()))


def one_run(target: Path, browser) -> Run:  # noqa: ANN001
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    run = Run(load=os.getloadavg()[0])
    env = process_env({"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none", "TACTFUL_DATA_DIR": None, "TACTFUL_DATABASE_URL": None})
    began = time.perf_counter()
    process = subprocess.Popen(
        ["make", "run", f"PORT={port}"], cwd=target, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    reader = threading.Thread(target=read_lines, args=(process.stdout, run, began), daemon=True)
    reader.start()
    try:
        while run.health is None:
            if process.poll() is not None:
                raise RuntimeError("make run exited early:\n" + "\n".join(line for _, line in run.lines[-30:]))
            if time.perf_counter() - began > TIMEOUT:
                raise RuntimeError("the app did not answer in time")
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200:
                    run.health = time.perf_counter() - began
            except httpx.HTTPError:
                time.sleep(0.05)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.get_by_text(FIRST_PAGE_TEXT).first.wait_for(timeout=TIMEOUT * 1000)
        run.first_page = time.perf_counter() - began
        # Wait for the knowledge base too (a background ingest), so its time is on record.
        while run.ingest_done() is None and time.perf_counter() - began < TIMEOUT and process.poll() is None:
            time.sleep(0.2)
        page.close()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        reader.join(timeout=5)
    return run


def table(label: str, runs: list[Run]) -> tuple[str, list[str]]:
    phases = [run.phases() for run in runs]
    names = list(phases[0])
    medians = {name: statistics.median(p[name] for p in phases if name in p) for name in names}
    cells = ", ".join(f"{name} {medians[name]:.1f}" for name in names if name not in ("first page", "knowledge base ready"))
    each = ", ".join(f"{p['first page']:.1f}" for p in phases)
    loads = ", ".join(f"{run.load:.1f}" for run in runs)
    row = f"| {label} | {medians['first page']:.1f} s ({each}) | {medians.get('knowledge base ready', float('nan')):.1f} s | {cells} | {loads} |"
    return row, [f"{name}: median {medians[name]:.2f} s" for name in names]


def publish_row(label: str, row: str, runs: int) -> None:
    """Replace the row with this label in the Start-up section (other labels' rows stay), or start the section."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    rows: list[str] = []
    notes: list[str] = []  # what a person wrote under the table stays
    if BEGIN in text:
        section = text[text.index(BEGIN) : text.index(END)].splitlines()
        table_lines = [n for n, line in enumerate(section) if line.startswith("|")]
        rows = [line for line in section if line.startswith("| ") and not line.startswith("| version")]
        notes = section[table_lines[-1] + 1 :] if table_lines else []
    rows = [r for r in rows if not r.startswith(f"| {label} |")] + [row]
    lines = [
        BEGIN,
        "## Start-up — `make run` on a fresh clone to the first page",
        "",
        f"`python -m bench.startup --runs {runs} --label LABEL` — {machine()}; Debian chromium, headless. A fresh copy "
        "of the checkout each run (no data/), its .venv installed beforehand (not counted). *First page*: from "
        "`make run` until the app shows the sample incident; median, then each run. *Knowledge base ready*: "
        "until the sample knowledge base is ingested. Phases are medians in seconds. The machine is shared: its "
        "load average (2 cores) is given for each run, since other work slows every phase.",
        "",
        f"| version | first page (target ≤ {TARGET:.0f} s) | knowledge base ready | phases | load average at each start |",
        "|---|---|---|---|---|",
        *rows,
        *notes,
        END,
    ]
    replace_section("\n".join(lines), BEGIN, END)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--label", default="now", help="the row's name in RESULTS.md (a run with the same label replaces it)")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the copy (and its .venv) for the next invocation")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    target = Path(tempfile.gettempdir()) / "tactful-startup-bench"
    target.mkdir(exist_ok=True)
    runs: list[Run] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM)
            for n in range(args.runs):
                fresh_copy(target)
                installed = give_venv(target)
                run = one_run(target, browser)
                runs.append(run)
                phases = ", ".join(f"{name} {seconds:.1f}" for name, seconds in run.phases().items())
                print(f"run {n + 1}: {phases} (load average {run.load:.1f}; make install beforehand: {installed:.1f} s, not counted)", flush=True)
            browser.close()
    finally:
        if not args.keep:
            shutil.rmtree(target, ignore_errors=True)
    row, summary = table(args.label, runs)
    print("\n".join(summary))
    print(row)
    if not args.no_write:
        publish_row(args.label, row, args.runs)


if __name__ == "__main__":
    main()

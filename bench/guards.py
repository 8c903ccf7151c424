"""What the guards add to every LLM draft: grounding (sources indexed once per draft, then the check), the tone
guard as configured (the semantic second opinion included when it is on), the commitment guard and the
injection signs on the ticket — the work `LLMDrafter` does on each answer before it accepts it.

    python -m bench.guards [--no-write]

Texts: for every ticket of every scenario (evals/data/scenarios and drafting/samples), in zh and in en, the
composer's reply stands in for a model's answer (the same length and kind of text), and so does each
obedient-model answer of the independent attack set (evals/data/attacks), which carries a payload. No model,
no network. Medians and 95th percentiles per guard and in all; the "Guards" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from bench.results import machine, publish
from drafting import services
from drafting.domain.files import load_incident, read_tickets
from drafting.domain.models import Incident, Ticket
from drafting.drafters import grounding
from drafting.drafters.composer import Composer
from drafting.guards import commitments
from drafting.guards.injection import injection_signs
from evals import attacks
from evals.drafts import DEFAULT_DIRS, scenario_files
from knowledge.policy import PolicyBook, TicketFacts

BEGIN, END = "<!-- guards:begin -->", "<!-- guards:end -->"
TARGET_MS = 30.0


def cases(composer: Composer) -> list[tuple[Incident, Ticket, str, str]]:
    """(incident, ticket, language, the text a model answered) for every scenario ticket and attack."""
    found = []
    for incident_path, tickets_path in scenario_files(DEFAULT_DIRS):
        incident = load_incident(incident_path)
        for line in read_tickets(tickets_path, incident_id=incident.id) if tickets_path else []:
            if line.ticket is not None:
                for lang in ("zh", "en"):
                    found.append((incident, line.ticket, lang, composer.draft_reply(incident, line.ticket, lang).text))
    sample = load_incident(attacks.INCIDENT)
    if attacks.INDEPENDENT.exists():
        for attack in attacks.independent():
            ticket = Ticket(
                id=attack.id,
                incident_id=sample.id,
                messages=attack.messages,
                lang=attack.lang,  # type: ignore[arg-type]
                facts=TicketFacts(issue_type="late_delivery", delay_minutes=50, order_amount=68),
            )
            found.append((sample, ticket, attack.lang, attack.reply or ""))
    return found


def timed(step: Callable[[], Any]) -> float:
    started = time.perf_counter()
    step()
    return (time.perf_counter() - started) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.guards", description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = parser.parse_args(argv)
    settings = services.default_settings()
    composer = Composer(PolicyBook.load(None), tone=services.bulk_tone_checker(settings))
    tone = services.tone_checker(settings)
    tone.check("warm-up", kind="draft", lang="en")  # loads the semantic model once, outside the timings
    times: dict[str, list[float]] = {"grounding": [], "tone": [], "commitments": [], "injection": [], "all": []}
    for incident, ticket, lang, text in cases(composer):
        entitled = composer.entitlements(incident, ticket)
        # Each guard bound to this case's values (the callables run inside this iteration only).
        parts = {
            "grounding": partial(
                lambda i, t, e, x, lg: grounding.reply_sources(i, t, e, untrusted=t.messages).check(x, lg), incident, ticket, entitled, text, lang
            ),
            "tone": partial(tone.check, text, kind="draft", lang=lang),
            "commitments": partial(commitments.check, text, entitled, order_amount=ticket.facts.order_amount),
            "injection": partial(injection_signs, ticket.messages),
        }
        total = 0.0
        for name, step in parts.items():
            spent = timed(step)
            times[name].append(spent)
            total += spent
        times["all"].append(total)

    def p95(values: list[float]) -> float:
        return sorted(values)[int(len(values) * 0.95)]

    count = len(times["all"])
    lines = [
        BEGIN,
        "## Guards per LLM draft",
        "",
        f"`python -m bench.guards` — {count} answers (composer replies standing in for a model's, every scenario "
        f"ticket in zh and en, plus the independent attack set's obedient answers); tone as configured "
        f"(semantic second opinion: {'on' if settings.tone_semantic else 'off'}). Machine: {machine()}.",
        "",
        "| guard | median | p95 |",
        "| --- | --- | --- |",
    ]
    for name, values in times.items():
        lines.append(f"| {name} | {statistics.median(values):.2f} ms | {p95(values):.2f} ms |")
    verdict = "meets" if statistics.median(times["all"]) <= TARGET_MS else "misses"
    lines += ["", f"Target: all guards ≤ {TARGET_MS:.0f} ms median per draft — {verdict} it.", END]
    publish(lines, BEGIN, END, write=not args.no_write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

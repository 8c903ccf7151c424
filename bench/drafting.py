"""Drafting throughput: composer mode end to end, and the LLM chain's own overhead with fake models.

    python -m bench.drafting [--tickets 1000] [--no-write]

1. Composer mode: 1,000 generated tickets (zh and en, every issue type) through `draft_many` with the real
   knowledge store (sample knowledge base ingested into a temporary embedded Chroma) for citations, the tone
   guard and the commitment guard.
2. LLM mode, zero-latency scripted model: what the chain adds per draft (prompt building, retrieval of
   policy clauses, parsing, guards) — median over 200 drafts; prompt size per draft.
3. LLM mode, a scripted model answering in 500 ms, concurrency 16: 1,000 drafts.
Results replace the "Drafting" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import get_args

import yaml

from bench.results import machine, publish
from drafting.domain.models import Incident, Ticket
from drafting.drafters.batch import draft_many
from drafting.drafters.chain import LLMDrafter
from drafting.drafters.composer import Composer
from drafting.guards.tone import ToneChecker
from drafting.guards.tone_semantic import default_model
from knowledge.cjk import CJK_RANGES, count_cjk
from knowledge.embeddings import make_embedding_functions
from knowledge.ingest import ingest
from knowledge.policy import IssueType, PolicyBook, TicketFacts
from knowledge.store import KnowledgeStore, open_client
from testkit.fakes import ScriptedChatModel, answer

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- drafting:begin -->", "<!-- drafting:end -->"
# Every issue type a complaint can have (a change of mind is not a complaint Tactful answers).
ISSUES = [issue for issue in get_args(IssueType) if issue != "change_of_mind"]
MESSAGES = {
    "zh": ["晚了一个小时，汤都洒了", "客服一直不回复，到底怎么回事", "买的草莓全压坏了", "会员权益怎么说取消就取消"],
    "en": ["My order was an hour late and cold.", "Nobody answers the phone.", "The strawberries were crushed.", "Why was my benefit removed?"],
}
REPLY = (
    "Hi, we're sorry: your order arrived late, and that is our fault. We have added 40 riders. "
    "Call our 24-hour line 400-820-1234; we reply within 5 minutes."
)


def personal_reply(messages: list) -> dict:
    """What a model would do: address the customer from the prompt, so replies differ per ticket (on a
    corrective retry too: the prompt is earlier in the conversation, the last message is the correction)."""
    found = next((m for message in messages if (m := re.search(r'"order_id": "([^"]+)"', str(message.content)))), None)
    return answer(REPLY.replace("your order", f"your order {found.group(1) if found else ''}"))


def tickets(count: int, seed: int = 1000) -> list[Ticket]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        lang = rng.choice(["zh", "en"])
        issue = rng.choice(ISSUES)
        facts = TicketFacts(
            issue_type=issue,
            delay_minutes=rng.choice([None, 15, 35, 60, 95]) if issue == "late_delivery" else None,
            order_amount=Decimal(rng.randint(20, 400)),
            membership_tier=rng.choice([None, "gold", "platinum"]),
            has_photo=rng.choice([True, False]),
            hours_since_delivery=rng.choice([1.0, 30.0]),
            order_date=date(2026, 11, rng.randint(1, 20)),
        )
        out.append(
            Ticket(
                id=f"B-{n}",
                customer=rng.choice(["王女士", "Alex", "刘先生", "Mei", ""]),
                order_id=f"LT{n:07d}",
                messages=[rng.choice(MESSAGES[lang])],
                facts=facts,
            )
        )
    return out


def estimated_tokens(text: str) -> float:
    """A tokenizer-free estimate: one token per Chinese character, 1.3 per English word, 0.5 per other mark."""
    cjk = count_cjk(text)
    words = len(re.findall(r"[A-Za-z]+", text))
    other = len(re.findall(f"[^\\sA-Za-z{CJK_RANGES}]", text))
    return cjk + 1.3 * words + 0.5 * other


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.drafting", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--embedding", default="use+e5")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)

    incident = Incident.model_validate(yaml.safe_load((ROOT / "drafting/samples/delivery-growth.incident.yaml").read_text(encoding="utf-8")))
    book = PolicyBook.load(None)
    batch = tickets(args.tickets)
    with tempfile.TemporaryDirectory() as tmp:
        store = KnowledgeStore(open_client(path=Path(tmp)), make_embedding_functions(args.embedding))
        ingest(store, [ROOT / "knowledge" / "samples"])
        composer = Composer(book, store=store)
        composer.draft_reply(incident, batch[0])  # warm-up: compiled lexicons, first searches

        started = time.perf_counter()
        result = draft_many(composer, incident, batch)
        composer_s = time.perf_counter() - started
        unique = len({d.text for d in result.drafts})
        ok_share = sum(d.tone["verdict"] == "ok" and all(c.backed for c in d.commitments) for d in result.drafts) / len(result.drafts)

        sample = [t.model_copy(update={"lang": "en"}) for t in batch[:200]]
        overhead: dict[str, list[float]] = {}
        prompt_tokens: list[float] = []
        semantic = ToneChecker(semantic=default_model())
        for label, checker in (("lexicon-only tone check", composer.tone), ("with the semantic second opinion (default)", semantic)):
            fast = LLMDrafter(ScriptedChatModel(script=[answer(REPLY)]), composer, model_name="fake", tone=checker)
            fast.draft_reply(incident, sample[0])  # warm-up
            per_draft = overhead.setdefault(label, [])
            for ticket in sample:
                before = len(fast.model.calls)
                t0 = time.perf_counter()
                fast.draft_reply(incident, ticket)
                per_draft.append((time.perf_counter() - t0) * 1000)
                for message_list in fast.model.calls[before:]:
                    prompt_tokens.append(sum(estimated_tokens(str(m.content)) for m in message_list))
        zh_prompt = []
        for ticket in [t.model_copy(update={"lang": "zh"}) for t in batch[:50]]:
            before = len(fast.model.calls)
            fast.draft_reply(incident, ticket)
            zh_prompt += [sum(estimated_tokens(str(m.content)) for m in calls) for calls in fast.model.calls[before:]]

        slow = LLMDrafter(ScriptedChatModel(script=[personal_reply], latency=0.5), composer, model_name="fake-500ms", tone=semantic)
        started = time.perf_counter()
        slow_result = draft_many(slow, incident, [t.model_copy(update={"lang": "en"}) for t in batch], concurrency=16)
        slow_s = time.perf_counter() - started

    lines = [
        BEGIN,
        "## Drafting throughput",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}; `python -m bench.drafting` (embedding {args.embedding} for citations "
        "and clause retrieval; generated zh/en tickets of every issue type).",
        "",
        "| measure | result | target |",
        "| --- | ---: | ---: |",
        f"| composer mode, {len(batch)} tickets end to end (citations, drafting, both guards) | {composer_s:.1f} s "
        f"({composer_s / len(batch) * 1000:.1f} ms/ticket; {unique} distinct texts; {ok_share:.0%} pass both guards) | ≤ 10 s |",
        *[
            f"| LLM chain overhead per draft, zero-latency fake model, {label} (median of {len(values)}; includes one clause search) | "
            f"{statistics.median(values):.1f} ms (p95 {sorted(values)[int(len(values) * 0.95)]:.1f} ms) | ≤ 20 ms |"
            for label, values in overhead.items()
        ],
        f"| prompt size per draft, estimated tokens (en / zh, median) | {statistics.median(prompt_tokens):.0f} / {statistics.median(zh_prompt):.0f} | ≤ 2,000 |",
        f"| LLM mode, fake model answering in 500 ms, concurrency 16, {len(batch)} drafts | {slow_s:.1f} s "
        f"({len(slow_result.drafts)} drafted, {len(slow_result.errors)} errors) | ≤ 40 s |",
        "",
        "Prompt tokens are estimated without a tokenizer (1 per Chinese character, 1.3 per English word, 0.5 per other "
        "mark); a real endpoint reports its own count in each draft's `prompt_tokens`.",
        END,
    ]
    publish(lines, BEGIN, END, write=not args.no_write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

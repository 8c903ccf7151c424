"""Tone-guard throughput: `check` on short chat messages and on full replies, one process, one thread.

    python -m bench.tone [--seconds 3] [--runs 5] [--no-write]

Texts are generated from fragments (zh and en, with and without fire-starting phrases) so no two are the
same; each run checks texts for about --seconds and reports texts per second. The median of --runs runs is
recorded in the "Tone guard" section of bench/RESULTS.md with the machine. Compiling the lexicon is timed
separately (it happens once per process).

When ../shared/data/real_replies/ is beside the checkout, two more rows are measured on real text (read at
run time, never copied): the lexicon path on the real replies that count as short messages (kind auto
resolves to chat), and the full check with the semantic second opinion, as a median per reply over a fixed
sample of real replies.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime

from bench.results import machine, publish
from drafting.guards.tone import ToneChecker, load_lexicon
from knowledge.documents import detect_language

BEGIN, END = "<!-- tone:begin -->", "<!-- tone:end -->"

SHORT_ZH = [
    "收到，马上帮您查",
    "别闹了行吗",
    "您的订单已经在配送中",
    "这是规定",
    "好的，稍等一下哦",
    "我也没办法",
    "退款已经提交了",
    "亲，这边建议您仔细阅读规则哦",
    "谢谢您的耐心",
    "有本事你去投诉",
    "今天18点前回复您",
]
SHORT_EN = [
    "On it, checking now",
    "calm down",
    "Your refund is on the way",
    "as per our policy",
    "Thanks for waiting",
    "that's not our problem",
    "Sent you a DM",
    "per my last message",
    "Back in 10 minutes",
    "lol ok",
]
REPLY_ZH = [
    "很抱歉，您的订单晚到了{n}分钟，这是我们的责任。",
    "我们已为您办理全额退款{n}元，3天内原路退回。",
    "另外发放一张30元无门槛优惠券，有效期30天。",
    "配送站已经调整了高峰期的派单规则，明天起生效。",
    "如有问题请拨打24小时专线400-820-1234，5分钟内回复。",
    "下一次进展我们会在周五18:00前告诉您。",
    "给您带来不便敬请谅解。",
    "我们高度重视。",
]
REPLY_EN = [
    "We're sorry your order was {n} minutes late; that's on us.",
    "We have refunded {n} yuan to your card today.",
    "We also added a 30-yuan coupon with no minimum spend, valid for 30 days.",
    "Our delivery team changed how peak-hour orders are assigned, starting tomorrow.",
    "Call our 24-hour line 400-820-1234 and we'll answer within 5 minutes.",
    "We'll post the next update by 6 pm on Friday.",
    "We apologise for any inconvenience.",
    "We take this very seriously.",
]


def short_messages(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    pool = SHORT_ZH + SHORT_EN
    return [f"{rng.choice(pool)}{rng.choice(['', '！', '?', ' 😀', '～'])} #{i}" for i in range(count)]


def full_replies(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        parts = REPLY_ZH if i % 2 else REPLY_EN
        chosen = rng.sample(parts, k=rng.randint(4, 6))
        out.append(" ".join(p.format(n=rng.randint(20, 180)) for p in chosen))
    return out


def real_texts(checker: ToneChecker, sample: int = 500, seed: int = 5) -> tuple[list[str], list[str]]:
    """Real replies that count as short messages, and a fixed sample of all real replies ([] when the
    shared data is not beside the checkout)."""
    from evals.tone_real import REPLIES, read_replies

    if not REPLIES.is_dir():
        return [], []
    texts = [r.text for rows in read_replies().values() for r in rows if r.text.strip()]
    short = [t for t in texts if checker.resolve_kind(t, "auto", detect_language(t)) == "chat"]
    return short, random.Random(seed).sample(texts, min(sample, len(texts)))


def full_check_median_ms(texts: list[str]) -> float:
    from drafting.guards.tone_semantic import default_model

    checker = ToneChecker(semantic=default_model())
    checker.check(texts[0])  # load the encoder outside the timing
    timings = []
    for text in texts:
        began = time.perf_counter()
        checker.check(text)
        timings.append(1000 * (time.perf_counter() - began))
    return statistics.median(timings)


def throughput(checker: ToneChecker, texts: list[str], kind: str, seconds: float) -> float:
    done, started = 0, time.perf_counter()
    while True:
        for text in texts:
            checker.check(text, kind=kind)
        done += len(texts)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return done / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tone", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    load_lexicon()
    compile_s = time.perf_counter() - started
    checker = ToneChecker()
    short, replies = short_messages(2000), full_replies(400)
    rows = {}
    for label, texts, kind in (("short chat messages", short, "chat"), ("full replies", replies, "draft")):
        runs = [throughput(checker, texts, kind, args.seconds) for _ in range(args.runs)]
        rows[label] = (statistics.median(runs), min(runs), max(runs), statistics.median(len(t) for t in texts))
        print(f"{label}: median {rows[label][0]:,.0f}/s (runs {', '.join(f'{r:,.0f}' for r in runs)})", file=sys.stderr)
    lines = [
        BEGIN,
        "## Tone guard throughput",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}; `python -m bench.tone` "
        f"(single process, {args.runs} runs of ~{args.seconds:g} s; generated zh/en texts, some with flagged phrases).",
        "",
        "| texts | median length (chars) | median texts/s | slowest run | fastest run | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    real_short, real_all = real_texts(checker)
    if real_short:
        runs = [throughput(checker, real_short, "auto", args.seconds) for _ in range(args.runs)]
        rows["real short messages"] = (statistics.median(runs), min(runs), max(runs), statistics.median(len(t) for t in real_short))
        print(f"real short messages: median {rows['real short messages'][0]:,.0f}/s", file=sys.stderr)
    targets = {"short chat messages": "≥ 20,000", "full replies": "≥ 2,000", "real short messages": "≥ 20,000"}
    for label, (median, low, high, length) in rows.items():
        lines.append(f"| {label} | {length:.0f} | {median:,.0f} | {low:,.0f} | {high:,.0f} | {targets[label]} |")
    lines += ["", f"Compiling the lexicon (once per process): {compile_s:.2f} s."]
    if real_all:
        median_ms = full_check_median_ms(real_all)
        print(f"full check with the second opinion: median {median_ms:.2f} ms", file=sys.stderr)
        lines += [
            "",
            f"Full check with the semantic second opinion on {len(real_all)} real replies (one at a time): "
            f"median {median_ms:.2f} ms per reply (target ≤ 10 ms).",
        ]
    lines.append(END)
    publish(lines, BEGIN, END, write=not args.no_write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

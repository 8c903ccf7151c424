"""Chat import and radar analysis on a 100,000-message group chat.

    python -m bench.radar [--messages 100000] [--runs 3] [--no-write]

The chat is generated: a few thousand members, a few staff, ordinary chatter, complaints in zh and en
across every theme, quotes, media placeholders and system notices, a message every few seconds for hours,
written out as a WeChat desktop copy (the format with the most parsing work). Timed: reading the export
(`parse_chat`) and the whole analysis (`analyse`: complaints and themes, trigger ranking over every staff
message, timeline, influencers, alerts on the shipped watch lists). Results replace the "Chat radar" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import datetime, timedelta

from bench.results import machine, publish
from drafting.guards.tone import default_checker
from drafting.radar.analysis import analyse, default_watch
from drafting.radar.chat_import import parse_chat

BEGIN, END = "<!-- radar:begin -->", "<!-- radar:end -->"
CHATTER = ["今天的新品有人试过吗？", "早上好", "哈哈哈", "Anyone tried the new menu?", "good morning all", "[图片]", "[表情]", "收到"]
COMPLAINTS = [
    "等了一个半小时了，汤全洒了！！",
    "退款什么时候到账？？",
    "客服这是什么态度？",
    "凭什么取消免配送费？",
    "又涨价了，太贵了",
    "My order was 90 minutes late",
    "Where is my refund???",
    "Why did you remove the free delivery?",
    "my address is visible to everyone",
    "the bread was stale",
    "shut up, you're a shill",
    "订单LT20261112-0457还没到，退我38块",
    "再不处理我就打12315投诉，发小红书曝光",
    "posting this on reddit, and my lawyer will hear about it",
]
STAFF = ["您好，我们正在核实，请稍等。", "Thanks for your patience, we're on it.", "别闹了行吗", "新版本上线啦，欢迎体验！"]


def generate(count: int, seed: int = 11) -> bytes:
    rng = random.Random(seed)
    moment = datetime(2026, 11, 12, 8, 0)
    lines = []
    for _ in range(count):
        moment += timedelta(seconds=rng.choice((1, 2, 3, 5, 8)))
        roll = rng.random()
        if roll < 0.01:
            lines.append(f"用户{rng.randint(1, 5000)}加入了群聊")
            continue
        if roll < 0.04:
            sender, text = f"客服{rng.randint(1, 4)}", rng.choice(STAFF)
        elif roll < 0.5:
            sender, text = f"用户{rng.randint(1, 5000)}", rng.choice(COMPLAINTS)
            if rng.random() < 0.1:
                text = "「客服1：别闹了行吗」\n" + text
        else:
            sender, text = f"用户{rng.randint(1, 5000)}", rng.choice(CHATTER)
        lines += [f"{sender} {moment:%Y-%m-%d %H:%M:%S}", text, ""]
    return "\n".join(lines).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    data = generate(args.messages)
    tone = default_checker()
    staff = [f"客服{n}" for n in range(1, 5)]
    parse_times, analyse_times = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        log = parse_chat(data, name="big.txt", staff=staff)
        parse_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        radar = analyse(log, tone, watch={**default_watch(), "custom": ["投诉"]})  # the shipped lists and one word of the user's
        analyse_times.append(time.perf_counter() - start)
    staff_messages = sum(1 for m in log.messages if m.role == "staff")
    total = [p + a for p, a in zip(parse_times, analyse_times, strict=True)]
    lines = [
        BEGIN,
        "## Chat radar — 100,000 messages",
        "",
        f"`python -m bench.radar --messages {args.messages} --runs {args.runs}` — {machine()}.",
        "",
        f"A generated WeChat desktop copy: {len(log.messages):,} messages ({len(data) / 1e6:.1f} MB), {staff_messages:,} staff "
        f"messages ranked as trigger candidates, {len(radar.complaint_of):,} complaints found, "
        f"{len(radar.alerts):,} watch-list alerts ({sum(map(len, default_watch().values()))} shipped terms and one more).",
        "",
        "| step | median | target |",
        "|---|---|---|",
        f"| import (`parse_chat`) | {statistics.median(parse_times):.2f} s | |",
        f"| analysis (`analyse`) | {statistics.median(analyse_times):.2f} s | |",
        f"| import + analysis | {statistics.median(total):.2f} s | ≤ 10 s |",
        END,
    ]
    publish(lines, BEGIN, END, write=not args.no_write)


if __name__ == "__main__":
    main()

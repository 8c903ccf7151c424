"""Shared by the benchmarks: describe the machine, and replace one marked section of bench/RESULTS.md."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def replace_section(block: str, begin: str, end: str, path: Path = RESULTS) -> None:
    """Put `block` (which starts with `begin` and ends with `end`) in place of the old section, or append it."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    if begin in text:
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.DOTALL)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def publish(lines: list[str], begin: str, end: str, *, write: bool) -> None:
    """Print a results section and, unless told not to, put it into bench/RESULTS.md."""
    block = "\n".join(lines)
    print(block)
    if write:
        replace_section(block, begin, end)

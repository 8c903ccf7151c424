"""One assertion the tone tests share: a phrasing is flagged in its category, with a fix that passes."""

from __future__ import annotations

from drafting.guards.tone import apply_suggestion, check


def assert_flagged_with_a_fix_that_passes(text: str, category: str) -> None:
    report = check(text)
    # a style note (officialese) carries a suggestion the same way a flag does
    flags = [f for f in (*report.flags, *report.style) if f.category == category]
    assert flags, report.to_dict()
    for flag in flags:
        clean = check(flag.suggestion)
        assert clean.flags == () and clean.style == (), flag.suggestion  # the suggested wording is itself clean
        fixed = check(apply_suggestion(text, flag))
        assert sum(f.category == category for f in (*fixed.flags, *fixed.style)) < len(flags), fixed.to_dict()

"""The one-click fix a reviewer applies to a tone flag: the suggestion in the flagged phrase's place, and the
reply still opening with its greeting (a flagged opener such as "Calm down." sits before "Hi Alex,")."""

from __future__ import annotations

from drafting.guards.tone import Flag, apply_suggestion
from drafting.text.greetings import greeting_first

# A suggestion is a statement: the question mark of a flagged rhetorical question ("别闹了行吗？", "Are you
# serious?") becomes a full stop in the same script.
_STOP_FOR = {"？": "。", "?": "."}


def apply_fix(text: str, flag: Flag) -> str:
    """`text` with `flag`'s suggestion applied (ValueError when the text changed since it was checked)."""
    fixed = apply_suggestion(text, flag)
    after = flag.start + len(flag.suggestion)
    if fixed[after : after + 1] in _STOP_FOR and not flag.suggestion.rstrip().endswith(("?", "？", "吗", "呢")):
        fixed = fixed[:after] + _STOP_FOR[fixed[after]] + fixed[after + 1 :]
    return greeting_first(fixed, flag.start, after)

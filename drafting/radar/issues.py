"""What went wrong for one member of a group chat, as the policy book's issue type, read from everything
they wrote (drafting/radar/issues.yaml says which words count and why).

Precision first: a wrong type offers a wrong remedy, while "other" sends the ticket to a person. A type is
named by one strong cue or by two different kinds of weak cue; one weak cue only hints, and a hint counts
when the whole chat is about that problem (the incident's issue).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, get_args

from drafting.radar.staff import name_parts
from drafting.text.data import PackagedDataError, compile_patterns, load_yaml
from drafting.text.phrasebook import fold
from knowledge.policy import IssueType

_WHERE = "drafting/radar/issues.yaml"


@dataclass(frozen=True)
class _Cues:
    issue: IssueType
    strong: tuple[re.Pattern[str], ...]  # one names the issue
    weak: tuple[re.Pattern[str], ...]  # each a different kind of evidence: two name it, one hints
    any: re.Pattern[str]  # all of them at once: most sentences match none and are read no further


@dataclass(frozen=True)
class _IssueWords:
    negation_zh: re.Pattern[str]
    negation_en: re.Pattern[str]
    cues: tuple[_Cues, ...]  # in the file's order, which is the order of precedence
    hearsay: re.Pattern[str]  # a sentence passing on what others said or got
    same_as_others: re.Pattern[str]  # "me too": the member had the chat's problem as well
    first_person: re.Pattern[str]  # a sentence about the writer ("我", "my")
    grievances: frozenset[str]  # issues about how people were treated, not about the order
    from_themes: dict[str, IssueType]  # chat theme -> the issue of a member whose words name none
    incident_min_members: int
    incident_min_share: float


@dataclass(frozen=True)
class Evidence:
    """What one member's own words say went wrong: the issue they name (None when none is named, or two
    are named only weakly), the issues they only hint at, and whether they say it happened to them too."""

    named: IssueType | None
    hinted: frozenset[IssueType]
    same_as_others: bool


def _known(issue: Any, where: str) -> IssueType:
    known = set(get_args(IssueType))
    if issue not in known:
        raise PackagedDataError(f"{where}: {issue!r} is not an issue type; the policy book knows {', '.join(sorted(known))}")
    return issue


def _one_pattern(patterns: Any, where: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p.pattern})" for p in compile_patterns(patterns, where)), re.IGNORECASE)


def _cues(issue: str, spec: Any) -> _Cues:
    where = f"{_WHERE}: order.{issue}"
    if not isinstance(spec, dict) or not set(spec) <= {"strong", "weak"} or not spec.get("strong"):
        raise PackagedDataError(f"{where}: expected `strong:` (a list of patterns, at least one) and optionally `weak:`")
    strong = tuple(compile_patterns(spec["strong"], f"{where}.strong"))
    weak = tuple(compile_patterns(spec.get("weak") or [], f"{where}.weak"))
    return _Cues(_known(issue, f"{_WHERE}: order"), strong, weak, re.compile("|".join(f"(?:{p.pattern})" for p in (*strong, *weak)), re.IGNORECASE))


@lru_cache(maxsize=1)
def issue_words() -> _IssueWords:
    data: dict[str, Any] = load_yaml("drafting.radar", "issues.yaml")
    for issue in [*data["grievances"], *data["from_themes"].values()]:
        _known(issue, _WHERE)
    return _IssueWords(
        re.compile(data["negation"]["zh"]),
        re.compile(data["negation"]["en"], re.IGNORECASE),
        tuple(_cues(issue, spec) for issue, spec in data["order"].items()),
        _one_pattern(data["hearsay"], f"{_WHERE}: hearsay"),
        _one_pattern(data["same_as_others"], f"{_WHERE}: same_as_others"),
        _one_pattern(data["first_person"], f"{_WHERE}: first_person"),
        frozenset(data["grievances"]),
        dict(data["from_themes"]),
        int(data["incident_min_members"]),
        float(data["incident_min_share"]),
    )


# A quotation of another message at the start (「陈姐：汤全洒了」, > …, 引用 …, replying to X: "…") runs to its
# closing mark or the end of the line; a short one inside a sentence ("…") is someone's words held up.
_LEADING_QUOTE = re.compile(
    r"^\s*(?:>[^\n]*|「[^」\n]*」?|『[^』\n]*』?|“[^”\n]*”?|\"[^\"\n]*\"?|引用[^\n]*|replying to [^\n:：]{1,40}[:：]\s*(?:\"[^\"\n]*\"?|“[^”\n]*”?|[^\n]*))",
    re.IGNORECASE,
)
_INLINE_QUOTE = re.compile(r"[“\"「『]([^”\"」』\n]{3,80})[”\"」』]")
_SENTENCE = re.compile(r"(?<=[。！？!?\n])|(?<=\.)\s")


def own_words(text: str) -> str:
    """A message without the words it quotes: what others said is their problem, not this member's."""
    return _INLINE_QUOTE.sub(" ", _LEADING_QUOTE.sub(" ", text, count=1))


@dataclass(frozen=True)
class Members:
    """The names the members of a chat go by, so that a sentence about another member ("陈姐的汤全洒了",
    "Priya got decaf instead of espresso") is read as theirs: a display name, and the parts people call
    each other by ("静安吃货群-阿文" -> 阿文, "Liam from Hull" -> Liam). Latin names match with their capital
    letter, so the member "Will" is not "will"."""

    pattern: re.Pattern[str] | None
    sender_of: dict[str, str]  # name as written -> the member

    @classmethod
    def of(cls, senders: Iterable[str]) -> Members:
        sender_of: dict[str, str] = {}
        for sender in senders:
            for name in _names(sender):
                sender_of.setdefault(name, sender)
        if not sender_of:
            return cls(None, {})
        alternatives = (
            rf"(?<![A-Za-z]){re.escape(n)}(?![A-Za-z])" if n.isascii() else re.escape(n) for n in sorted(sender_of, key=len, reverse=True)
        )
        return cls(re.compile("|".join(alternatives)), sender_of)

    def other_than(self, sender: str, sentence: str) -> bool:
        """Whether the sentence names a member other than `sender`."""
        if self.pattern is None:
            return False
        return any(self.sender_of[match.group(0)] != sender for match in self.pattern.finditer(sentence))


def _names(sender: str) -> list[str]:
    parts = [p for p in name_parts(sender) if re.search(r"\w", p) and not p.isdigit()]
    latin = [p for p in parts if p.isascii()]
    names = [sender.strip()] if len(sender.strip()) >= 2 else []
    names += [p for p in parts if not p.isascii() and len(p) >= 2]
    if latin and len(latin[0]) >= 3 and latin[0][0].isupper():
        names.append(latin[0])  # the first name: "Liam from Hull" is Liam
    return names


def _sentences(texts: Iterable[str], words: _IssueWords, members: Members | None, sender: str) -> list[str]:
    """The member's own sentences, folded, without quotations, hearsay, and sentences about another member
    that say nothing about the writer."""
    out = []
    for text in texts:
        own = own_words(text)
        folded = fold(own)  # the same length: a sentence's span is the same in both
        cuts = [0, *(m.start() for m in _SENTENCE.finditer(folded)), len(folded)]
        for start, end in zip(cuts, cuts[1:], strict=False):
            sentence = folded[start:end]
            if not sentence.strip() or words.hearsay.search(sentence):
                continue
            if members is not None and members.other_than(sender, own[start:end]) and not words.first_person.search(sentence):
                continue
            out.append(sentence)
    return out


def _said(pattern: re.Pattern[str], sentences: list[str], words: _IssueWords) -> bool:
    """Whether a sentence says it, not right after a negation ("没坏", "not damaged")."""
    for sentence in sentences:
        for match in pattern.finditer(sentence):
            before = sentence[max(0, match.start() - 30) : match.start()]
            negation = words.negation_en if match.group(0)[:1].isascii() else words.negation_zh
            if not negation.search(before):
                return True
    return False


def evidence_of(texts: Iterable[str], members: Members | None = None, sender: str = "") -> Evidence:
    """What a member's messages say went wrong (issues.yaml): the first issue in the file's order named by
    a strong cue or by two kinds of weak cue; None when two issues are named by weak cues only and none by
    a strong one (the words do not say which). With the chat's `members`, a sentence about another member
    that says nothing about the writer (`sender`) is theirs, not the writer's."""
    words = issue_words()
    sentences = _sentences(texts, words, members, sender)
    same_as_others = any(words.same_as_others.search(s) for s in sentences)
    strongly: list[IssueType] = []
    weakly: list[IssueType] = []
    hinted: set[IssueType] = set()
    for cues in words.cues:
        candidates = [s for s in sentences if cues.any.search(s)]
        if not candidates:
            continue
        if any(_said(p, candidates, words) for p in cues.strong):
            strongly.append(cues.issue)
            continue
        kinds = sum(_said(p, candidates, words) for p in cues.weak)
        if kinds >= 2:
            weakly.append(cues.issue)
        elif kinds == 1:
            hinted.add(cues.issue)
    named = _first_named(strongly, weakly, words)
    return Evidence(named, frozenset(hinted), same_as_others)


def _first_named(strongly: list[IssueType], weakly: list[IssueType], words: _IssueWords) -> IssueType | None:
    """The issue named first in the file's order; without a strong cue for any issue with the order, two
    weakly named ones are a tie the words cannot break."""
    order = [c.issue for c in words.cues]
    named = sorted([*strongly, *weakly], key=order.index)
    about_the_order = [i for i in named if i not in words.grievances]
    if not any(i in strongly for i in about_the_order) and len(about_the_order) >= 2:
        return next((i for i in named if i in words.grievances and i in strongly), None)
    return named[0] if named else None


def issue_of(texts: Iterable[str]) -> IssueType | None:
    """The issue type a member's own words name; None when they name none (see evidence_of)."""
    return evidence_of(texts).named


def issue_for(own: Evidence, own_themes: set[str], shared: IssueType | None) -> IssueType:
    """One member's issue: what their own words name about the order; else the chat's problem when they
    hint at it or say it happened to them too; else the grievance they name, or the one their themes
    name; else "other"."""
    words = issue_words()
    if own.named is not None and own.named not in words.grievances:
        return own.named
    if shared is not None and (shared in own.hinted or own.same_as_others):
        return shared
    return own.named or next((words.from_themes[t] for t in sorted(own_themes) if t in words.from_themes), None) or "other"


def incident_issue(named: list[IssueType | None]) -> IssueType | None:
    """The chat's problem: the issue with the order that most members named themselves, when enough did
    (issues.yaml: incident_min_members, incident_min_share)."""
    words = issue_words()
    counts = Counter(issue for issue in named if issue is not None and issue not in words.grievances)
    if not counts:
        return None
    issue, members = counts.most_common(1)[0]
    return issue if members >= words.incident_min_members and members >= words.incident_min_share * len(named) else None

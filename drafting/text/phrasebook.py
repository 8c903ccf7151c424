"""Compile the tone lexicons (drafting/guards/lexicon/*.yaml) into one regular expression each.

A lexicon holds hundreds of phrases in a tiny pattern language — literal text, `(a|b)` alternatives,
`(a)?` optional parts, `…` a short gap inside a clause, `^` a sentence start, `\\d` a number, `[ab]` a
character class, `\\?` a required punctuation mark. Every pattern is expanded into its literal variants and
all variants of all entries go into one prefix tree, emitted as a single regex: matching costs one scan of
the text, not one scan per phrase. Each leaf of the tree is an empty capturing group, so `match.lastindex`
names the entry that matched. The tree's first branches sit behind one-character look-aheads, so the scan
skips, on one test per group, the positions where no phrase can start (see "skipping" below).

Real chat text is noisy, so the compiled automaton tolerates it by construction:
- the text is folded first (`fold`): full-width → half-width, traditional → simplified, lower case; the
  fold never changes the length, so offsets into the folded text are offsets into the original;
- between two Chinese characters, up to three spaces, punctuation marks or emoji may appear;
- English words may be separated by any short run of spaces or punctuation; apostrophes are optional;
  a letter may repeat ("downnn");
- confusable characters (们/门, 吗/嘛) match each other, and entries marked `typos` also match their
  English words with one letter dropped or two neighbouring letters swapped.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from knowledge.cjk import is_cjk

# ── folding ────────────────────────────────────────────────────────────────────────────────────────


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    try:  # traditional → simplified, one character to one character (keeps offsets stable)
        from zhconv import zhconv as _zhconv

        _zhconv.loaddict()
        for source, target in _zhconv.zhcdicts["zh2Hans"].items():
            if len(source) == 1 and len(target) == 1:
                table[ord(source)] = target
    except (ImportError, KeyError):  # pragma: no cover - zhconv is a declared dependency
        pass
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII block
        table[code] = chr(code - 0xFEE0).lower()
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code).lower()
    table[0x3000] = " "  # ideographic space
    for quote in "\u2018\u2019\u02bc\u2032\uff07":  # curly and modifier apostrophes → '
        table[ord(quote)] = "'"
    for dash in "\u2010\u2011\u2012\u2013\u2014\uff0d":
        table[ord(dash)] = "-"
    return table


@lru_cache(maxsize=1)
def _ascii_folds_to_lower_case() -> bool:
    table = _fold_table()
    return all(table.get(code, chr(code)) == chr(code).lower() for code in range(128))


def fold(text: str) -> str:
    """Normalise for matching without changing the length: offsets carry over to the original."""
    if text.isascii() and _ascii_folds_to_lower_case():  # str.lower is many times faster than the table
        return text.lower()
    folded = text.translate(_fold_table())
    if len(folded) != len(text):  # pragma: no cover - every mapping above is one character to one
        raise AssertionError("fold changed the text length")
    return folded


# ── the pattern language ───────────────────────────────────────────────────────────────────────────

# A token is (kind, value): "c" one literal character, "sp" a word break, "gap" a short gap inside a
# clause, "bos" a sentence start, "re" a ready regex fragment (character class, number, punctuation).
Token = tuple[str, str]
_NOISE = r"[\W_]{0,3}"  # between two Chinese characters: spaces, punctuation, emoji
_WORD_BREAK = r"[\W_]{0,4}"  # between English words; zero so "calmdown" still matches
_GAP = r"[^.!?;。！？；\n]{0,12}?"
_BOS = r"(?:^|(?<=[.!?;。！？；\n])|(?<=[.!?;。！？；\n]\s))"
_NUMBER = r"\d+(?:[.,]\d+)?"  # `\d` in a pattern
_PUNCT_LEAD = r"[\W_]{0,2}"  # before a required punctuation mark (`\?`): "？？" and " ?" count too


class PatternError(ValueError):
    """A lexicon pattern is malformed; the message says which pattern and where."""


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def expand(pattern: str) -> list[list[Token]]:
    """Every literal variant of a pattern, as token lists."""
    parser = _Parser(pattern)
    variants = parser.sequence()
    if parser.pos != len(pattern):
        raise PatternError(f"unbalanced ')' at position {parser.pos} in pattern {pattern!r}")
    tidied = (_tidy(v) for v in variants)
    return [v for v in tidied if v]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = fold(text)
        self.raw = text
        self.pos = 0

    def _error(self, problem: str) -> PatternError:
        return PatternError(f"{problem} at position {self.pos} in pattern {self.raw!r}")

    def sequence(self) -> list[list[Token]]:
        parts: list[list[list[Token]]] = []
        while self.pos < len(self.text) and self.text[self.pos] not in "|)":
            parts.append(self.item())
        return [list(itertools.chain.from_iterable(combo)) for combo in itertools.product(*parts)] or [[]]

    def item(self) -> list[list[Token]]:
        char = self.text[self.pos]
        if char == "(":
            self.pos += 1
            options = self.sequence()
            while self.pos < len(self.text) and self.text[self.pos] == "|":
                self.pos += 1
                options += self.sequence()
            if self.pos >= len(self.text) or self.text[self.pos] != ")":
                raise self._error("missing ')'")
            self.pos += 1
            if self.pos < len(self.text) and self.text[self.pos] == "?":
                self.pos += 1
                options = options + [[]]
            return options
        if char == "\\":
            if self.pos + 1 >= len(self.text):
                raise self._error("dangling backslash")
            escaped = self.text[self.pos + 1]
            self.pos += 2
            if escaped == "d":
                return [[("re", _NUMBER)]]
            return [[("re", _PUNCT_LEAD + re.escape(escaped))]]
        if char == "[":
            end = self.text.find("]", self.pos)
            if end < 0:
                raise self._error("missing ']'")
            members = self.text[self.pos + 1 : end]
            self.pos = end + 1
            return [[("re", "[" + re.escape(members) + "]")]]
        self.pos += 1
        if char == "…":
            return [[("gap", "")]]
        if char == "^":
            return [[("bos", "")]]
        if char == "'":
            return [[("re", "'?")]]
        if unicodedata.category(char) == "So":  # an emoji or symbol (🙄, 🤷) is matched as itself
            return [[("c", char)]]
        if char.isspace() or not _is_word(char):
            return [[("sp", "")]]  # punctuation in a pattern is a word break, not a requirement
        return [[("c", char)]]


def _tidy(tokens: Sequence[Token]) -> list[Token]:
    """Drop leading, trailing and doubled word breaks; put noise between Chinese characters."""
    out: list[Token] = []
    for token in tokens:
        if token[0] == "sp" and (not out or out[-1][0] in ("sp", "bos", "gap")):
            continue
        if token[0] == "gap" and out and out[-1][0] == "sp":
            out.pop()
        out.append(token)
    while out and out[-1][0] == "sp":
        out.pop()
    return out


def typo_variants(tokens: Sequence[Token]) -> Iterator[list[Token]]:
    """One slip per variant in English words: a swapped pair (from 4 letters) or a dropped letter (from 6).

    The first letter is kept: people rarely mistype it, and keeping it keeps false matches rare.
    """
    index = 0
    while index < len(tokens):
        if tokens[index][0] == "c" and tokens[index][1].isascii() and tokens[index][1].isalpha():
            end = index
            while end < len(tokens) and tokens[end][0] == "c" and tokens[end][1].isascii() and tokens[end][1].isalpha():
                end += 1
            word = list(tokens[index:end])
            if len(word) >= 4:
                for i in range(1, len(word) - 1):
                    if word[i] != word[i + 1]:
                        swapped = word[:i] + [word[i + 1], word[i]] + word[i + 2 :]
                        yield list(tokens[:index]) + swapped + list(tokens[end:])
            if len(word) >= 6:
                for i in range(1, len(word)):
                    yield list(tokens[:index]) + word[:i] + word[i + 1 :] + list(tokens[end:])
            index = end
        else:
            index += 1


# ── the automaton ──────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Automaton:
    """One compiled regex over many phrases; `payloads[group]` says what the phrase at that leaf was."""

    regex: re.Pattern[str]
    payloads: tuple[tuple[Any, ...], ...]  # indexed by capturing-group number; 0 unused

    def finditer(self, folded: str) -> Iterator[tuple[re.Match[str], tuple[Any, ...]]]:
        payloads = self.payloads
        for match in self.regex.finditer(folded):
            yield match, payloads[match.lastindex or 0]


_END = ("end", "")


def build_automaton(
    phrases: Sequence[tuple[Sequence[Token], Any]], confusables: dict[str, str] | None = None, *, skip_ahead: bool = True, share_tails: bool = True
) -> Automaton:
    """Compile (tokens, payload) pairs into one prefix-tree regex. Payloads of identical phrases are kept
    together at their shared leaf. `skip_ahead=False` leaves out the look-aheads that skip positions where
    no phrase can start (see below), and `share_tails=False` writes out every sibling's subtree even where
    its neighbour's is the same: both give the plain alternation, which finds the same matches, compiled
    and run more slowly."""
    trie: dict[Token, Any] = {}
    for tokens, payload in phrases:
        node = trie
        for token in tokens:
            node = node.setdefault(token, {})
        node.setdefault(_END, []).append(payload)
    classes = {key: "[" + re.escape(key + alts) + "]" for key, alts in (confusables or {}).items()}
    payloads: list[tuple[Any, ...]] = [()]

    def token_regex(token: Token, first: bool) -> str:
        kind, value = token
        if kind == "c":
            if value.isascii() and _is_word(value):
                # A literal first lets the regex engine skip a branch on one character compare; the
                # look-behind after it is \b in disguise, and the star absorbs "downnn", "pleaseee".
                piece = re.escape(value) + (r"(?<!\w.)" if first else "")
                return piece + re.escape(value) + "*" if value.isalpha() else piece
            return classes.get(value, re.escape(value))
        if kind == "sp":
            return _WORD_BREAK
        if kind == "gap":
            return _GAP
        if kind == "bos":
            return _BOS
        return value

    def emit(node: dict[Token, Any], previous: Token | None) -> str:
        # Neighbouring siblings whose subtrees compile to the same text with the same payloads share that
        # text: "(图片|截图)…(写|标)得很清楚" emits "(?:写|标)得很清楚" once per path, not once per variant.
        # Only neighbours merge, so the order in which branches are tried, and so every match, is unchanged.
        merged: list[tuple[list[str], str, list[tuple[Any, ...]]]] = []
        for token, child in node.items():
            if token == _END:
                continue
            start = len(payloads)
            tail = emit(child, token)
            tail_payloads = payloads[start:]
            head = token_regex(token, previous is None)
            if share_tails and merged and merged[-1][1] == tail and merged[-1][2] == tail_payloads:
                del payloads[start:]
                merged[-1][0].append(head)
            else:
                merged.append(([head], tail, tail_payloads))
        branches = [(heads[0] if len(heads) == 1 else "(?:" + "|".join(heads) + ")") + tail for heads, tail, _ in merged]
        # Han only: kana, hangul and punctuation are not the inside of a Chinese word that noise could split.
        after_cjk = previous is not None and previous[0] == "c" and is_cjk(previous[1])
        if after_cjk and branches:
            # Noise between two Chinese characters, emitted once so each branch still starts with a literal.
            branches = [_NOISE + "(?:" + "|".join(branches) + ")"]
        if _END in node:
            payloads.append(tuple(node[_END]))
            boundary = r"\b" if previous and previous[0] == "c" and previous[1].isascii() and _is_word(previous[1]) else ""
            branches.append(boundary + "()")  # last: the longest phrase wins
        if not branches:
            return ""
        if len(branches) == 1:
            return branches[0] if previous is not None else "(?:" + branches[0] + ")"
        return "(?:" + "|".join(branches) + ")"

    def emit_branch(token: Token, child: dict[Token, Any]) -> _Branch:
        start = len(payloads)
        source = token_regex(token, True) + emit(child, token)
        branch = _Branch(source, tuple(payloads[start:]), _firsts(token, child, members), _branch_kind(token))
        del payloads[start:]  # renumbered below, once the branches have their final order
        return branch

    members = {key: key + alts for key, alts in (confusables or {}).items()}
    branches = [emit_branch(token, child) for token, child in trie.items() if token != _END]
    if _END in trie:  # an empty phrase matches everywhere, after every other branch
        branches.append(_Branch("()", (tuple(trie[_END]),), _Firsts(anything=True), None))
    groups = _guarded_groups(branches)
    if not skip_ahead or (len(branches) <= _FEW_BRANCHES and all(branch.kind in ("word", "char") for branch in branches)):
        # A few branches that all start with a literal: the engine's own skip to a possible first character
        # is cheaper than the look-aheads.
        groups = [_Group(None, branches)]
    layouts = [(group, group.buckets()) for group in groups]  # bucketed once: the source and the payloads follow it
    source = "(?:" + "|".join(group.source(buckets) for group, buckets in layouts) + ")" if groups else "(?!)"
    if len(groups) > 1:
        every = _firsts_of([branch for group in groups for branch in group.branches])
        if not every.anything:
            # one test for every group at once: where no phrase of any group can start, the groups are not tried
            source = every.lookahead() + source
    ordered = [payload for _, buckets in layouts for bucket in buckets for branch in bucket for payload in branch.payloads]
    return Automaton(regex=re.compile(source), payloads=((), *ordered))


# ── skipping where no phrase can start ─────────────────────────────────────────────────────────────
#
# The regex engine tries every top-level branch at every position of the text, one after another: with
# ~150 branches that linear scan, not the matching, was most of the cost of a check. So the top-level
# branches are gathered into a few groups (phrases starting with an English word, with another character,
# with a number, with punctuation, at a sentence start), each behind a one-character look-ahead listing
# every character a match in the group can start with; at most positions each group is skipped on that one
# test. Branches only move past one another when no match of one can start where a match of the other
# can, so at every position the same branch wins as in the plain alternation: same matches, same spans.


_FEW_BRANCHES = 20
_BUCKET_MIN = 24  # a group with more branches than this is split into buckets (see _buckets)


def _kind_guard(kind: str | None, firsts: _Firsts) -> str:
    """A cheap test every branch of a kind would make anyway, asked before the group's look-ahead."""
    if kind == "word":  # an English word's first letter comes with (?<!\w.): a word starts here
        return r"(?<!\w)"
    if kind == "sentence":  # _BOS: at the start, after a full stop, or after one and a space
        return r"(?<![^.!?;。！？；\n\s])"
    if kind == "punctuation" and firsts.chars:  # the required mark is at most three characters on
        return "(?=" + _PUNCT_LEAD + "[" + re.escape("".join(sorted(firsts.chars))) + "])"
    return ""


@dataclass(frozen=True)
class _Firsts:
    """The characters a match can start with: the listed ones, any digit (`\\d`), any character that is
    not a letter or digit (`[\\W_]`), or anything at all (unknown, or the match may be empty)."""

    chars: frozenset[str] = frozenset()
    digit: bool = False
    nonword: bool = False
    anything: bool = False

    def __or__(self, other: _Firsts) -> _Firsts:
        return _Firsts(self.chars | other.chars, self.digit or other.digit, self.nonword or other.nonword, self.anything or other.anything)

    def overlaps(self, other: _Firsts) -> bool:
        """Could a match of each start at the same character? (When unsure: yes.)"""
        if self.anything or other.anything or self.chars & other.chars:
            return True
        if (self.digit and other.digit) or (self.nonword and other.nonword):
            return True
        return self._covers(other.chars) or other._covers(self.chars)

    def _covers(self, chars: frozenset[str]) -> bool:
        # \d is Unicode category Nd (str.isdecimal); [\W_] is every character that is not alphanumeric.
        return any((self.digit and c.isdecimal()) or (self.nonword and not c.isalnum()) for c in chars)

    def lookahead(self) -> str:
        members = re.escape("".join(sorted(self.chars))) + (r"\d" if self.digit else "") + (r"\W_" if self.nonword else "")
        return f"(?=[{members}])" if members else "(?!)"


def _unescape(escaped: str) -> frozenset[str]:
    return frozenset(re.sub(r"\\(.)", r"\1", escaped, flags=re.DOTALL))


def _firsts(token: Token, child: dict[Token, Any], members: dict[str, str]) -> _Firsts:
    """What a match of `token` followed by the subtree `child` can start with."""
    kind, value = token
    if kind == "c":
        return _Firsts(chars=frozenset(members.get(value, value)))
    if kind == "re" and value == _NUMBER:
        return _Firsts(digit=True)
    if kind == "re" and value.startswith(_PUNCT_LEAD):
        return _Firsts(chars=_unescape(value[len(_PUNCT_LEAD) :]), nonword=True)
    if kind == "re" and value.startswith("[") and value.endswith("]"):
        return _Firsts(chars=_unescape(value[1:-1]))
    if kind == "bos" or (kind == "re" and value == "'?"):  # zero-width or optional: what follows may come first
        found = _Firsts(chars=frozenset("'")) if kind == "re" else _Firsts()
        for next_token, grandchild in child.items():
            found |= _Firsts(anything=True) if next_token == _END else _firsts(next_token, grandchild, members)
        return found
    return _Firsts(anything=True)


def _branch_kind(token: Token) -> str | None:
    kind, value = token
    if kind == "c":
        return "word" if value.isascii() and _is_word(value) else "char"
    if kind == "re" and value == _NUMBER:
        return "number"
    if kind == "re" and value.startswith(_PUNCT_LEAD):
        return "punctuation"
    if kind == "re" and value.startswith("[") and value.endswith("]"):
        return "char"  # a class ([一二三]): its members are the first characters
    return "sentence" if kind == "bos" else None


@dataclass(frozen=True)
class _Branch:
    source: str
    payloads: tuple[tuple[Any, ...], ...]  # one per leaf, in the order of the leaves' groups in `source`
    firsts: _Firsts
    kind: str | None  # branches of one kind share a look-ahead; None: never skipped


@dataclass
class _Group:
    kind: str | None
    branches: list[_Branch]

    def buckets(self) -> list[list[_Branch]]:
        """The branches in the order the source tries them: one bucket, or several behind look-aheads."""
        if self.kind is None or len(self.branches) <= _BUCKET_MIN or _firsts_of(self.branches).anything:
            return [list(self.branches)]
        return _buckets(self.branches)

    def source(self, buckets: list[list[_Branch]]) -> str:
        """The group's regex, its branches tried in the order of `buckets` (from `buckets()`)."""
        firsts = _firsts_of(self.branches)
        if self.kind is None or firsts.anything:
            return "|".join(branch.source for branch in self.branches)
        body = "|".join(branch.source for branch in buckets[0]) if len(buckets) == 1 else "|".join(_bucket_source(b) for b in buckets)
        return _kind_guard(self.kind, firsts) + firsts.lookahead() + "(?:" + body + ")"


def _firsts_of(branches: Sequence[_Branch]) -> _Firsts:
    firsts = _Firsts()
    for branch in branches:
        firsts |= branch.firsts
    return firsts


def _buckets(branches: Sequence[_Branch]) -> list[list[_Branch]]:
    """Split a group's branches into about √n/2 buckets, each behind its own look-ahead.

    Once a group's look-ahead passes, the engine still tries its branches one by one (a failed first
    character costs one compare each, but 250 Chinese first characters make 250 compares at almost every
    position of a Chinese text); with buckets it tests a few look-aheads and enters one bucket. Branches that
    could match at the same position always share a bucket, in their order, so the same branch wins."""
    # √n/2 measured best on the real short messages (flags 12.9 → 8.4 µs a text; √n 8.8, 4 buckets 8.4, n/4 12.7)
    count = max(2, math.isqrt(len(branches)) // 2)
    buckets: list[list[_Branch]] = []
    for branch in branches:
        touching = [b for b in buckets if any(branch.firsts.overlaps(other.firsts) for other in b)]
        if touching:
            # members of different buckets never start at the same character: any order among them finds the same
            merged = [member for b in touching for member in b]
            buckets = [b for b in buckets if not any(b is t for t in touching)] + [merged + [branch]]
        elif len(buckets) < count:
            buckets.append([branch])
        else:
            min(buckets, key=len).append(branch)
    return buckets


def _bucket_source(bucket: Sequence[_Branch]) -> str:
    return _firsts_of(bucket).lookahead() + "(?:" + "|".join(branch.source for branch in bucket) + ")"


def _guarded_groups(branches: Sequence[_Branch]) -> list[_Group]:
    """Gather branches of a kind into as few groups as order allows: a branch joins the earliest group of
    its kind that it can reach without overtaking a branch that could match where it can."""
    groups: list[_Group] = []
    for branch in branches:
        target = None
        for index in range(len(groups) - 1, -1, -1) if branch.kind else ():
            if groups[index].kind == branch.kind:
                target = index
            if any(branch.firsts.overlaps(other.firsts) for other in groups[index].branches):
                break
        if target is None:
            groups.append(_Group(branch.kind, [branch]))
        else:
            groups[target].branches.append(branch)
    return groups

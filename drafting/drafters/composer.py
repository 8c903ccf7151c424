"""The composer: drafts statements and replies with no LLM, from the playbook's structure, the incident
record, the ticket's facts and the remedies the policy book computes. It is the default drafter and the
fallback for the LLM chain.

Wording comes from the phrase bank (drafting/drafters/templates/*.yaml): every slot has several wordings per
language and the composer picks one per slot with a seed made of the incident id, the ticket id and the
variant number — the same ticket always gets the same draft, different tickets get different ones. Amounts,
deadlines and channels come only from the policy book and the incident record, never from what the customer
wrote, so every draft passes the commitment guard by construction (a part of the record quoted as an answer is
checked against the ticket's entitlements before it is used); the phrase bank holds no phrase the tone
guard flags, so every draft passes the tone guard (both are property-tested).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from drafting.domain.asks import CustomerReading, read_asks
from drafting.domain.entitlements import HANDOVER_CHANNEL, owed
from drafting.domain.models import Action, Ask, Citation, Draft, Incident, Lang, Stage, Ticket
from drafting.drafters import record_answers
from drafting.drafters.reply_plan import ESCALATIONS, ReplyPlan, contact_role, decided, plan
from drafting.drafters.retrieval import search_policies, unreachable_warning
from drafting.guards import ask_coverage
from drafting.guards import commitments as commitment_guard
from drafting.guards.injection import injection_warnings
from drafting.guards.tone import ToneChecker, default_checker
from drafting.text import units
from drafting.text.data import load_yaml
from knowledge.cjk import CJK_RANGES
from knowledge.policy import PolicyBook, Remedy, TicketFacts

_STAGE_SLOTS: dict[str, tuple[str, ...]] = {
    # The playbook's good statement explains the cause "in plain language" from the first one: a holding statement
    # says it once the record has it (the slot is skipped while it is empty), and says the remedies already
    # decided for this incident instead of "details in the next update" (the blind reader missed both).
    "0-24h": ("title", "what_happened", "cause", "apology", "actions_now", "compensation_pending", "channel", "next_update"),
    "24-72h": ("title", "what_happened", "impact", "cause", "apology", "actions_fixes", "compensation_decided", "channel", "next_update"),
    # a progress update still says why, in a line: fans asking "are you holding our money?" read a statement
    # without the cause as hiding it (eighth reading)
    "1-2w": ("title", "what_happened", "cause", "apology", "actions_done", "compensation", "claim", "channel", "next_update"),
    "2-8w": ("title", "what_happened", "cause", "apology", "actions_done", "lessons", "feedback", "channel", "retrospective_close"),
}


# Where a decision's text may be cut at chat length: after a sentence end (the promise guard matches each
# sentence of a decision word for word). Not at a semicolon: the clause after it is often what was asked
# ("keep your order at 999; it arrives by 20 January").
_DECISION_PARTS = re.compile(r"(?<=[。！？!?])|(?<=\.)\s+")
# Remedies worth something only to a customer who stays.
_STAYING_PERKS = frozenset({"priority_channel", "membership_extension"})
# Issues where the goods themselves went wrong: a customer who "didn't buy it" but holds them (a gift, a
# colleague's box) was still harmed, and is apologised to with the cause, not thanked as a bystander.
_GOODS_HARM = frozenset({"late_delivery", "not_delivered", "spilled", "damaged", "wrong_item", "missing_item", "defective", "expired"})
STYLES = ("shorter", "warmer", "formal", "plainer")


def load_phrases(name: str) -> dict[str, Any]:
    phrases: dict[str, Any] = load_yaml("drafting.drafters.templates", f"{name}.yaml")
    return phrases


def money(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def when(moment: date | datetime | None, lang: str) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        return f"{moment.month}月{moment.day}日{moment:%H:%M}" if lang == "zh" else f"{moment:%H:%M} on {moment.day} {moment:%b}"
    return f"{moment.month}月{moment.day}日" if lang == "zh" else f"{moment.day} {moment:%b}"


def minutes_text(minutes: int, lang: str) -> tuple[str, str]:
    """(number, unit) for a response time: 120 → 2 hours, read better than 120 minutes."""
    if minutes >= 60 and minutes % 60 == 0:
        hours = minutes // 60
        return (str(hours), "小时") if lang == "zh" else (str(hours), "hour" if hours == 1 else "hours")
    return (str(minutes), "分钟") if lang == "zh" else (str(minutes), "minutes")


def _same_remedy(remedy: Remedy) -> tuple[object, ...]:
    """What makes two remedies the same to the customer, whichever rule grants them."""
    return (remedy.type, remedy.scope, remedy.applies_to, remedy.percent, remedy.amount, remedy.months, remedy.channel, remedy.choice)


def _sentence_with(messages: list[str], phrase: str) -> str:
    """The customer's sentence that holds `phrase` ("" when none does)."""
    found = (sentence.text for message in messages for sentence in ask_coverage.sentences(message) if phrase and phrase in sentence.text)
    return next(found, "")


def _health_for(kind: str, pet: bool, care: str = "") -> str:
    """The phrase key for an escalation: a health escalation about a pet has its own (a vet, not a doctor), and
    one already in a doctor's or vet's care (`care` "treated") or that ended in a death ("bereaved") its own
    again ("see a doctor first" to a mother whose son has had surgery reads as not having been read)."""
    if kind != "escalation_health":
        return kind
    return "escalation_health" + ("_pet" if pet else "") + (f"_{care}" if care else "")


def _time_the_refund_said(groups: dict[str, tuple[list[str], dict[str, list[str]], list[Remedy]]], refunding: set[str]) -> None:
    """A processing time whose own rule lists nothing here (its refund was said once, under the incident's own
    refund decision) times the refund that is listed, when that refund has no time of its own: "where is my refund?"
    is answered by when, and the book's time still backs it."""
    timeless = [rule for rule, (items, choices, deadlines) in groups.items() if rule in refunding and (items or choices) and not deadlines]
    orphans = [rule for rule, (items, choices, deadlines) in groups.items() if deadlines and not items and not choices]
    if len(timeless) == 1 and orphans:
        for rule in orphans:
            groups[timeless[0]][2].extend(groups[rule][2])
            groups[rule][2].clear()


def _listed(
    remedies: list[Remedy], answers: ReplyPlan, incident: Incident, refused: frozenset[str] = frozenset(), *, said: list[Remedy] | None = None
) -> list[Remedy]:
    """The remedies a reply lists. A refund a custom decision words itself (a recall's "collected free and
    refunded in full") is not listed again from the policy book, or the customer reads two refunds (the
    incident's own structured refund stays: the decision's words may build on it, "besides the full
    refund…"). `said`: the remedies the reply may say to this customer (a chat reply leaves a decision whose
    condition they do not meet to the statement): only a decision said to them stands in for the book's
    refund — "if your appointment was missed, the installation fee is refunded" kept from the owner of a
    flooded floor the refund the policy gives her. A perk that only matters to someone who stays (priority
    support, a longer membership) is not offered to a customer who is leaving or cancelling, nor a remedy the
    customer turned down ("我不要券"): both read as not having been heard. They stay the customer's by policy,
    in the draft's remedies."""
    listed = remedies
    own = {d.rule_id for d in incident.decisions}
    if "refund" in decided(remedies if said is None else said):
        listed = [r for r in listed if r.type not in ("refund", "free_order") or r.rule_id in own]
    elif any(r.type == "refund" and r.rule_id in own for r in listed):
        # the incident decided its own refund: the book's refund beside it reads as a second refund ("a full
        # refund for the item…; a full refund of 5499 yuan…", seventh reading); the book's still backs the draft
        listed = [r for r in listed if r.type != "refund" or r.rule_id in own]
    if {ask.type for ask in answers.asks} & {"leaving", "cancel"}:
        listed = [r for r in listed if r.type not in _STAYING_PERKS]
    return [r for r in listed if r.type not in refused]


# In a zh condition's character pairs, one with a pronoun ("您在", "我们") says nothing about who is meant.
_PRONOUN_PAIR = re.compile(r"[您你我他她它咱]")


def decision_condition(text: str, patterns: Iterable[re.Pattern[str]]) -> str | None:
    """The condition a decision opens with ("If you had a reaction after eating it, …" → "you had a reaction
    after eating it"), or None when it is for everyone it was decided for."""
    for pattern in patterns:
        found = pattern.match(text.strip())
        if found:
            return found.group("condition")
    return None


def meets_condition(
    condition: str, lang: str, wrote: set[str], reading: CustomerReading, escalations: dict[str, list[re.Pattern[str]]] | None = None
) -> bool:
    """Whether a customer meets a decision's condition, as far as their words tell: they wrote a word of it (a
    500-yuan difference they were asked to pay, a family member who reacted), or the condition is an
    escalation they raised (hurt: "had a reaction after eating it" for someone with hives). `escalations`: per
    escalation, the words that name it in a condition (reply.yaml `condition_escalations`)."""
    named = {w for w in record_answers.words(condition, lang) if not (lang == "zh" and _PRONOUN_PAIR.search(w))}
    if named & wrote:
        return True
    raised: set[str] = {str(ask.type) for ask in reading.asks} & set(ESCALATIONS)
    if not raised:
        return False
    named_escalations: set[str] = {str(ask.type) for ask in read_asks([condition], lang).asks}
    named_escalations |= {kind for kind, patterns in (escalations or {}).items() if any(p.search(condition) for p in patterns)}
    return bool(raised & named_escalations)


def _meant_for(
    remedies: list[Remedy],
    asked: set[str],
    wrote: set[str],
    lang: str,
    reading: CustomerReading,
    conditions: Iterable[re.Pattern[str]],
    escalations: dict[str, list[re.Pattern[str]]],
    preference: re.Pattern[str] | None = None,
) -> list[Remedy]:
    """The remedies a chat reply may say to this customer: a decision for those who meet a condition ("if you
    had a reaction…", "如果您在群里被要求补过差价…") only to a customer who meets it — or, when the condition is a
    choice or having bought the goods (`preference`: reply.yaml `condition_met_by_asking`), who asked for what it grants ("退给我" and "if you
    would rather not keep a balance, you can have it refunded"). A condition that is a fact about them ("if you
    paid in instalments", "if you were stranded abroad") is not met by asking for money: a blind reader marked
    such paragraphs, pasted to customers they did not concern, as the replies' most common fault. The public
    statement the reply points to says it to everyone. `wrote`: the words of what the customer wrote
    (record_answers.words); `asked`: the types of what they asked for."""

    def chosen_by_asking(remedy: Remedy) -> bool:
        if not decided([remedy]) & asked:
            return False
        condition = decision_condition(remedy.text.pick(lang), conditions) if remedy.text is not None else None
        return preference is None or condition is None or bool(preference.search(condition))

    return [r for r in remedies if _condition_met(r, lang, wrote, reading, conditions, escalations) is not False or chosen_by_asking(r)]


def _condition_met(
    remedy: Remedy,
    lang: str,
    wrote: set[str],
    reading: CustomerReading,
    conditions: Iterable[re.Pattern[str]],
    escalations: dict[str, list[re.Pattern[str]]],
) -> bool | None:
    """Whether this customer meets the condition a custom decision opens with; None when the remedy has none
    (a policy remedy, or a decision for everyone it was decided for)."""
    if remedy.type != "custom" or remedy.text is None:
        return None
    condition = decision_condition(remedy.text.pick(lang), conditions)
    return None if condition is None else meets_condition(condition, lang, wrote, reading, escalations)


def _decisions_for(remedies: list[Remedy], answers: ReplyPlan, wrote: set[str], lang: str) -> list[Remedy]:
    """At chat length, the custom decisions that answer what this customer asked — one that grants an ask (the
    refund decision for a refund ask) or shares at least two words with what they wrote ("if I keep my
    order, when does it arrive?" and "keep your order at 999; it arrives by 20 January"), at most two — else
    the first one. The public statement the reply points to lists them all."""
    asked = {ask.type for ask in answers.asks}
    custom = [r for r in remedies if r.type == "custom" and r.text is not None]

    # (asks it grants, words it shares with what the customer wrote), per decision
    fit = {n: (len(decided([r]) & asked), len(record_answers.words(r.text.pick(lang), lang) & wrote)) for n, r in enumerate(custom)}  # type: ignore[union-attr]
    answering = [n for n in fit if fit[n][0] or fit[n][1] >= 2]
    # the two that fit best, in the record's order: a third decision said in full is what takes a reply past a
    # chat message's length
    best = sorted(answering, key=fit.__getitem__, reverse=True)[:2]
    return [r for n, r in enumerate(custom) if n in best] or custom[:1]


# A decision that opens with its own "also" within its first words ("You can also receive…", "您还可以…"):
# a chat reply's "Also, " before it would say it twice.
_ALSO_ALREADY = {
    "en": re.compile(r"^\W*(?:\w+\W+){0,4}?(?:also|too)\b|^\W*(?:in addition|on top of|besides|additionally)\b", re.IGNORECASE),
    "zh": re.compile(r"^.{0,6}?(?:还可以|也可以|还能|也能|另外|此外|还有|同时)"),
}


# A zh hand-over after the things it takes up: 这件事 for one, 这两件事 for two, 这几件事 for more.
_MATTERS = {1: "这件事", 2: "这两件事"}


def _spoken(parts: list[str], lang: str) -> str:
    """A reply's parts as one text, as it is sent (before clean-up): zh runs on, en has a space between."""
    return ("" if lang == "zh" else " ").join(parts)


def _joined(items: list[str], lang: str, last: str) -> str:
    """a、b和c / a, b and c: `last` joins the final item."""
    if len(items) < 2:
        return "".join(items)
    return ("、" if lang == "zh" else ", ").join(items[:-1]) + last + items[-1]


def _clean(text: str, lang: str) -> str:
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"\s+([,.;:!?)])", r"\1", text)
    text = re.sub(r"\(\s*\)|（\s*）", "", text)
    if lang == "zh":
        # A space after a Han character or full-width punctuation and before a Han character is a template seam.
        text = re.sub(f"(?<=[{CJK_RANGES}，。：；）（]) (?=[{CJK_RANGES}])", "", text)
    return text.strip()


def strip_end(text: str) -> str:
    return text.strip().rstrip("。.!！;；")


# A fact wording that names the order as a noun ("in order {order}", "（订单{order}）") reads broken without one.
_NEEDS_ORDER = re.compile(
    r"\b(?:in|with|from|of) order \{order\}|（订单\{order\}）|(?<!your )\border \{order\} (?:contained|was|were)|^订单\{order\}"
)


# Where an incident's cause joins separate causes: a sentence end, a semicolon, ", and" before a new clause,
# 而且/同时/另外.
_CAUSE_CLAUSE = re.compile(r"[；;。！？!?]|(?<=\.)\s|, and (?=(?:the|our|we|some|a|an|no)\b)|，(?:而且|同时|另外)")


# A cause may open with a lead-in before a colon ("这是我们的责任：我们导出…", "Our mistake, plainly: we …"):
# the reply's own header already says it is the cause, so the lead-in would be said twice.
_CAUSE_LEAD_IN = re.compile(r"^[^：:，,]{1,16}：\s*|^[^:;.]{1,40}:\s+")


# A clause cut from a longer cause may open with the word that joined it ("and when we cancelled …").
_LEADING_JOIN = re.compile(r"^\s*(?:(?:and|but|so|also)\s+|(?:而且|并且|同时|另外|而)(?=\S))", re.IGNORECASE)


# Who the customer wants an apology from is the customer's own text, copied into our reply: only a short
# plain reference to a person ("your manager", "the rider", 你们店长) is; anything longer, or with digits,
# links or other marks, may be an attacker's payload and is left out (the reply then speaks of "an apology").
_PLAIN_WHO = {"zh": re.compile(f"[{CJK_RANGES}]{{1,14}}"), "en": re.compile(r"(?:(?:the|your|that|this|his|her)\s)?[A-Za-z]+(?:\s[A-Za-z]+){0,2}")}


# "an apology from him": a pronoun points back at someone named elsewhere; echoed alone it reads as if we
# did not know who, so the reply speaks of "an apology" instead.
_PRONOUN_WHO = {
    "zh": frozenset({"他", "她", "他们", "她们", "你", "你们", "ta"}),
    "en": frozenset({"him", "her", "them", "you", "it", "someone", "somebody"}),
}


def _plain_person(who: str | None, lang: str) -> str | None:
    who = (who or "").strip()
    key = "zh" if lang == "zh" else "en"
    if not who or who.lower() in _PRONOUN_WHO[key]:
        return None
    return who if _PLAIN_WHO[key].fullmatch(who) else None


PAST_UPDATE = "the incident's next update ({when}) has passed, so no drafted text promises it: set a new time in the incident"


def _now() -> datetime:
    """Local time now (looked up on every call, so a test can set the day its sample incident happened)."""
    return datetime.now()


def _as_aware(moment: datetime) -> datetime:
    """A time comparable with any other: a naive time is taken as local time."""
    return moment if moment.tzinfo else moment.astimezone()


def _our_side(who: str, lang: str) -> str:
    """The customer's "your manager" / 你们经理 in our voice: our manager / 我们经理."""
    if lang == "zh":
        # anywhere, not only first: "那个发表格的人和你们老板" is two people, the second ours too
        return re.sub(r"(?:你们公司的?|贵公司的?|你们|你家)", "我们", who)
    return re.sub(r"\byour\b", "our", who, flags=re.IGNORECASE)


def _without_lead_in(clause: str) -> str:
    rest = _CAUSE_LEAD_IN.sub("", clause, count=1)
    return rest if len(rest) >= 6 else clause


# Words in quotation marks (Chinese, corner or straight quotes): someone's own words, as the record quotes them.
_QUOTED = re.compile(r"“([^”]{2,300})”|「([^」]{2,300})」|\"([^\"]{2,300})\"")


def _owner_name(owner: str, lang: str) -> str:
    """An action's owner inside a list item: "Jing Sun, legal lead" reads as two items there, so the role
    goes in brackets ("Jing Sun (legal lead)"); a Chinese owner ("法务负责人孙婧") reads as it is."""
    if lang == "en" and owner.count(", ") == 1:
        name, role = owner.split(", ")
        return f"{name} ({role})"
    return owner


def _lower_first(sentence: str) -> str:
    """A sentence joined after a semicolon: its first letter lower-cased, unless it is "I"."""
    return sentence if sentence[:2] in ("I ", "I'") else sentence[:1].lower() + sentence[1:]


def _answered_from_record(answers: ReplyPlan, questions: list[tuple[str, str]], lang: str) -> ReplyPlan:
    """The plan once the record has answered the customer's questions by their form: a request for an
    explanation that is itself such a question ("How does this even happen?", answered with the cause) is
    granted, not handed to a person as well. One made elsewhere ("I want an explanation."), or beside the
    answered one in the same sentence ("is it safe, and do I have to claim the extra months?"), stays with the
    person."""

    def answered(ask: Ask) -> bool:
        form = record_answers.intent_of(ask.phrase, lang)
        return form is not None and any(ask.phrase in question and name == form.name for question, name in questions)

    done = {id(a) for a in answers.asks if a.type == "explanation" and a.answer == "handed_over" and answered(a)}
    if not done:
        return answers
    asks = [a.model_copy(update={"answer": "granted"}) if id(a) in done else a for a in answers.asks]
    left = [a for a in asks if a.type == "explanation" and a.answer == "handed_over"]
    handed_over = [(left[0] if left else None) if a.type == "explanation" else a for a in answers.handed_over]
    return replace(answers, asks=asks, handed_over=[a for a in handed_over if a is not None])


def _answered_when_upset(question: str, lang: str) -> bool:
    """Is this an upset customer's question the record answers by its form (questions.yaml `upset`)?"""
    form = record_answers.intent_of(question, lang)
    return form is not None and form.upset


def _unrepeated(phrases: dict[str, Any], after: tuple[str, ...]) -> dict[str, Any]:
    """The answer wordings (questions.yaml `answer_*`) whose lead-in none of the answers already said starts
    with; all of a slot's wordings when every one does."""
    if not after:
        return phrases

    def fresh(options: list[str]) -> list[str]:
        return [o for o in options if not any(said.startswith(o.split("{")[0]) for said in after)] or options

    return {
        name: {code: fresh(options) for code, options in by_lang.items()} if name.startswith("answer_") and isinstance(by_lang, dict) else by_lang
        for name, by_lang in phrases.items()
    }


class Composer:
    """The template drafter. `book` computes remedies; `store` (optional) supplies citations; `tone` is the
    tone guard used to report on each draft."""

    generator = "template"

    def __init__(
        self, book: PolicyBook, *, store: Any | None = None, tone: ToneChecker | None = None, clock: Callable[[], datetime] | None = None
    ) -> None:
        """`clock`: what time it is (local time by default); statements and replies read dates against it."""
        self.book = book
        self._clock = clock
        self.store = store
        self.tone = tone or default_checker()
        self.reply_phrases = load_phrases("reply")
        self.statement_phrases = load_phrases("statement")
        # A reply still over a chat message's length at the brief step says the same slots in fewer words
        # (reply.yaml `tight_forms`): one dictionary, so every slot is picked the same way at either length.
        self._tight_phrases = {**self.reply_phrases, **self.reply_phrases.get("tight_forms", {})}
        # a statement's remedy wording: the reply's, with statement.yaml's own where a chat phrase speaks to one reader
        self._public_remedy_words = {**self.reply_phrases["remedy"], **self.statement_phrases.get("remedy", {})}
        self._conditions = {lang: [re.compile(p) for p in self.reply_phrases.get("decision_condition", {}).get(lang, [])] for lang in ("zh", "en")}
        self._preference = {lang: re.compile(p) for lang, p in self.reply_phrases["condition_met_by_asking"].items()}
        self._condition_escalations = {
            lang: {
                kind: [re.compile(p) for p in by_lang.get(lang, [])] for kind, by_lang in self.reply_phrases.get("condition_escalations", {}).items()
            }
            for lang in ("zh", "en")
        }
        # The section cited for a policy document depends only on the document and the language, so a
        # batch of 1,000 replies searches the store a handful of times, not 2,000.
        self._citation_cache: dict[tuple[str, str], Citation | None] = {}

    def _meant(self, remedies: list[Remedy], reading: CustomerReading, wrote: set[str], lang: str) -> list[Remedy]:
        """The remedies a chat reply may say to this customer (`_meant_for`)."""
        asked = {str(ask.type) for ask in reading.asks}
        return _meant_for(
            remedies, asked, wrote, lang, reading, self.decision_conditions(lang), self.condition_escalations(lang), self._preference[lang]
        )

    def decision_conditions(self, lang: str) -> list[re.Pattern[str]]:
        """How a decision names those it is for (reply.yaml `decision_condition`)."""
        return self._conditions["zh" if lang == "zh" else "en"]

    def condition_escalations(self, lang: str) -> dict[str, list[re.Pattern[str]]]:
        """Per escalation, the words that name it in a decision's condition (reply.yaml `condition_escalations`)."""
        return self._condition_escalations["zh" if lang == "zh" else "en"]

    # ── entitlements ──────────────────────────────────────────────────────────────────────────────

    def entitlements(self, incident: Incident, ticket: Ticket, reading: CustomerReading | None = None) -> list[Remedy]:
        """What this customer is entitled to (drafting.domain.entitlements: facts only, incident-time rules
        during a declared incident, plus the incident's decisions; nothing an order gets for a bystander).
        `reading`: the ticket's messages, when the caller has read them already."""
        return owed(self.book, ticket, incident, reading)

    def response_time(self, incident: Incident) -> Remedy | None:
        generic = TicketFacts(issue_type="other", during_incident=incident.declared)
        times = [r for r in self.book.remedies_for(generic) if r.type == "response_time"]
        return min(times, key=lambda r: r.minutes or 0) if times else None

    # ── slots ─────────────────────────────────────────────────────────────────────────────────────

    def _pick(self, rng: random.Random, phrases: dict[str, Any], slot: str, lang: str, **values: Any) -> str:
        options = phrases[slot][lang]
        return rng.choice(options).format(**values)

    def _styled(self, slot: str, lang: str, style: int) -> str:
        """A reply phrase by its index, the same one for every item of a list."""
        options = self.reply_phrases[slot][lang]
        return str(options[style % len(options)])

    def _channel_name(self, incident: Incident, remedy: Remedy | None, lang: str) -> str:
        if incident.channel.has(lang) or incident.channel:
            return incident.channel.pick(lang)
        if remedy and remedy.channel:
            names = self.reply_phrases.get("channel_names", {})
            return names.get(remedy.channel, {}).get(lang, remedy.channel)
        return ""

    def describe_remedy(
        self, rng: random.Random, remedy: Remedy, lang: str, order_amount: Decimal | None, *, alone: bool = False, public: bool = False
    ) -> str:
        """One remedy in words. `alone`: a processing time said after the one thing it applies to; `public`: for a
        statement's list, which speaks of customers, not to one (statement.yaml `remedy` overrides)."""
        words = self._public_remedy_words if public else self.reply_phrases["remedy"]

        def pick(key: str, **values: Any) -> str:
            return rng.choice(words[key][lang]).format(**values)

        if remedy.type == "refund":
            if remedy.scope == "full":
                if remedy.applies_to == "item":
                    return pick("refund_full_item")
                if order_amount is not None:
                    return pick("refund_full_amount", amount=money(order_amount))
                return pick("refund_full")
            if remedy.scope == "pro_rated":
                return pick("refund_pro_rated")
            return pick("refund_partial_item" if remedy.applies_to == "item" else "refund_partial", percent=remedy.percent)
        if remedy.type == "free_order":
            return pick("free_order")
        if remedy.type == "coupon":
            spend = pick("no_min_spend") if not remedy.min_spend else pick("min_spend", min_spend=money(remedy.min_spend))
            return pick("coupon", amount=money(remedy.amount), spend=spend, valid_days=remedy.valid_days or 30)
        if remedy.type == "processing_deadline":
            return pick("processing_deadline_one" if alone else "processing_deadline", days=units.count(remedy.days or 0, "day", lang))
        if remedy.type == "membership_extension":
            return pick("membership_extension", months=units.count(remedy.months or 0, "month", lang))
        if remedy.type == "priority_channel":
            names = self.reply_phrases.get("channel_names", {})
            channel = names.get(remedy.channel or "", {}).get(lang, remedy.channel or "")
            return pick("priority_channel", channel=channel)
        return pick("review")

    def remedy_lines(
        self, rng: random.Random, remedies: Iterable[Remedy], lang: str, order_amount: Decimal | None, *, public: bool = False
    ) -> list[str]:
        """The remedies rule by rule (alternatives the customer chooses between share a line), each rule's
        processing time right after what it applies to: two rules with two deadlines must not read as one
        list with two contradicting times, nor a time before anything it could apply to. A deadline of a
        rule that grants nothing else here says nothing to the customer and is left out. Response times
        are said in the channel sentence instead."""
        groups: dict[str, tuple[list[str], dict[str, list[str]], list[Remedy]]] = {}
        remedies = list(remedies)
        # The same remedy from the policy book and from an incident decision is one remedy to the customer,
        # said once, under the last rule that grants it: the incident's decisions come after the book's rules
        # and speak for this incident, so every customer hears the same processing time (one voice).
        last = {_same_remedy(r): n for n, r in enumerate(remedies) if r.type not in ("response_time", "processing_deadline", "custom")}
        for n, remedy in enumerate(remedies):
            if remedy.type in ("response_time", "custom"):  # custom decisions are said as written (decided_sentences)
                continue
            if remedy.type != "processing_deadline" and last[_same_remedy(remedy)] != n:
                continue
            items, choices, deadlines = groups.setdefault(remedy.rule_id, ([], {}, []))
            if remedy.type == "processing_deadline":
                deadlines.append(remedy)
                continue
            text = self.describe_remedy(rng, remedy, lang, order_amount, public=public)
            if remedy.choice:
                choices.setdefault(remedy.choice, []).append(text)
            else:
                items.append(text)
        lines: list[str] = []
        granting = sum(1 for items, choices, _ in groups.values() if items or choices)
        # the money back first: a 20-yuan coupon read first by someone whose cat is in intensive care read as the
        # answer to it (ninth reading); rules keep their order otherwise
        refunding = {r.rule_id for r in remedies if r.type in ("refund", "free_order")}
        _time_the_refund_said(groups, refunding)
        for _, (items, choices, deadlines) in sorted(groups.items(), key=lambda group: group[0] not in refunding):
            # "(your choice)" only when there is a choice left: a lone option (its alternative not listed here) is
            # just the remedy
            said = items + [
                o[0] if len(o) == 1 else ("，或".join(o) + "（您二选一）") if lang == "zh" else (" or ".join(o) + " (your choice)")
                for o in choices.values()
            ]
            if not said:
                continue
            if deadlines:
                slowest = max(deadlines, key=lambda r: r.days or 0)  # one time per rule: the one it can keep
                when = self.describe_remedy(rng, slowest, lang, order_amount, alone=len(said) == 1)
                if len(said) == 1:
                    said[-1] += ("，" if lang == "zh" else ", ") + when
                elif granting > 1:
                    # another rule's items follow: this rule's items and time as one list item, so the time
                    # reads as theirs and not the next rule's ("退还全部99元、一张30元优惠券，3天内处理完成；20元优惠券一张")
                    said = [("、" if lang == "zh" else " and ").join(said) + ("，" if lang == "zh" else ", ") + when]
                else:
                    said.append(when)
            lines += said
        return lines

    def decided_sentences(
        self, remedies: Iterable[Remedy], lang: str, *, among: Iterable[Remedy] | None = None, first_part: bool = False
    ) -> list[str]:
        """The custom decisions among `remedies`, each word for word as the incident records it (the promise
        guard backs only its verbatim words), once each, ending as a sentence; with its processing time when
        a deadline of the same rule is among `among` (default: `remedies`) — "where is my refund?" is answered
        by when, and a decision's deadline said nowhere else would be lost. `first_part`: only the decision's
        first sentence, for a reply at chat length — still word for word, so still
        backed; the public statement the reply points to has the rest."""
        remedies = list(remedies)
        pool = list(among) if among is not None else remedies
        out: list[str] = []
        for remedy in remedies:
            if remedy.type != "custom" or remedy.text is None:
                continue
            text = remedy.text.pick(lang)
            if first_part:
                text = strip_end(next((part for part in _DECISION_PARTS.split(text) if part.strip()), text))
            text = text[:1].upper() + text[1:]  # a sentence of its own (the guard matches either case)
            days = max((r.days or 0 for r in pool if r.type == "processing_deadline" and r.rule_id == remedy.rule_id), default=0)
            if days:
                when = self.reply_phrases["remedy"]["processing_deadline"][lang][0].format(days=units.count(days, "day", lang))
                text = strip_end(text) + ("，" if lang == "zh" else ", ") + when
            if text and not text.endswith(("。", "！", "？", ".", "!", "?")):
                text += "。" if lang == "zh" else "."
            if text and text not in out:
                out.append(text)
        return out

    def _conditions_met(self, decisions: list[Remedy], lang: str, wrote: set[str], reading: CustomerReading) -> list[str]:
        """The texts of the custom decisions whose condition this customer's words show they meet."""
        conditions, escalations = self.decision_conditions(lang), self.condition_escalations(lang)
        return [r.text.pick(lang) for r in decisions if r.text is not None and _condition_met(r, lang, wrote, reading, conditions, escalations)]

    def _decided(self, rng: random.Random, phrases: dict[str, Any], sentences: list[str], lang: str, *, alone: bool, chat: bool = False) -> list[str]:
        """Custom decisions as said: an intro, then the decisions as written. `alone`: no remedy list comes
        before them (so not "we have also decided"). `chat`: a chat reply says them as its own sentences, at most
        after a plain "also" (reply.yaml `decided_chat`): "We have also decided this: If you…" read as pasted
        (sixth reading), and a decision written to the customer ("you can…") needs no announcing."""
        if not sentences:
            return []
        if chat:
            lead = self._pick(rng, phrases, "decided_chat" if not alone else "decided_chat_alone", lang)
            if _ALSO_ALREADY[lang].search(sentences[0]):
                lead = ""  # "Also, you can also receive…": the decision says its own "also"
            first = sentences[0] if not lead or lang == "zh" else _lower_first(sentences[0])
            return [lead + first, *sentences[1:]]
        intro = self._pick(rng, phrases, "decided_intro" if alone else "decided_also", lang)
        if any(self._labelled(sentence, lang) for sentence in sentences):
            # "we have also decided: Orders we cancelled: …" stacks two colons and reads pasted: the intro on
            # its own, then each decision after who it is for, as a list
            return [intro + self._bullets(sentences, lang)]
        return [intro + ("" if lang == "zh" else " ") + sentences[0], *sentences[1:]]

    def _labelled(self, sentence: str, lang: str) -> bool:
        """Whether a decision is said after who it is for ("晚到的订单：…")."""
        labels = self.statement_phrases["decision_groups"].values()
        return any(sentence.startswith(label[lang]) or sentence.startswith(label[lang].lower()) for label in labels)

    def _list(self, items: list[str], lang: str) -> str:
        """Items after an intro ending in a colon."""
        if lang == "zh":
            return "；".join(items) + "。"
        return " " + "; ".join(items) + "."

    @staticmethod
    def _bullets(items: list[str], lang: str) -> str:
        """A statement's list after its intro: one item a line. Run together with semicolons, five actions with
        owners and dates read as one wall of text (blind reader, rounds 3 and 4)."""
        return "".join("\n- " + (item if lang == "zh" else item[:1].upper() + item[1:]) for item in items)

    def upcoming_update(self, incident: Incident) -> datetime | None:
        """The incident's next update, if it is still ahead: a time already past is never promised again."""
        moment = incident.next_update
        if moment is None:
            return None
        return moment if _as_aware(moment) > _as_aware(self.now()) else None

    def now(self) -> datetime:
        return self._clock() if self._clock is not None else _now()

    def today(self) -> date:
        return self.now().date()

    def _actions(
        self, rng: random.Random, incident: Incident, lang: str, phrases: dict[str, Any], only: list[Action] | None = None, limit: int | None = 4
    ) -> list[str]:
        """The actions as list items (what, owner, due). A reply's letter form names the first four; a public
        statement names every one (`limit=None`): it is where every reply points for "everything we're changing"."""
        out = []
        # One wording for the whole list: items that alternate "(owner: …)", "— … owns it" and "; … is
        # responsible" read as a run-on (the blind reader's note on a statement).
        style = rng.randrange(len(self.reply_phrases["action"][lang]))
        for action in (incident.actions if only is None else only)[:limit]:
            what = strip_end(action.what.pick(lang))
            owner = _owner_name(action.owner.pick(lang), lang)
            if action.due and owner:
                out.append(self._styled("action", lang, style).format(what=what, owner=owner, due=when(action.due, lang)))
            elif owner:
                out.append(self._styled("action_no_date", lang, style).format(what=what, owner=owner))
            else:
                out.append(
                    what
                    + (f"（{when(action.due, lang)}前）" if action.due and lang == "zh" else f" (by {when(action.due, lang)})" if action.due else "")
                )
        return out

    def channel_sentence(
        self,
        rng: random.Random,
        incident: Incident,
        remedies: list[Remedy],
        lang: str,
        phrases: dict[str, Any],
        *,
        brief: bool = False,
        tight: bool = False,
    ) -> str:
        times = [r for r in remedies if r.type == "response_time" and r.minutes and r.channel != HANDOVER_CHANNEL]
        fastest = min(times, key=lambda r: r.minutes or 0) if times else None
        channel = self._channel_name(incident, fastest, lang)
        if not channel:
            return ""
        if tight and "channel_tight" in phrases:
            return self._pick(rng, phrases, "channel_tight", lang, channel=channel)
        if fastest is None:
            return self._pick(rng, phrases, "channel_no_time", lang, channel=channel)
        number, unit = minutes_text(fastest.minutes or 0, lang)
        if (f"{number}{unit}" if lang == "zh" else f"{number} {unit}") in channel:
            # the record's channel already says how fast it answers ("App内“联系客服”，2小时内回复"): said once
            return self._pick(rng, phrases, "channel_no_time", lang, channel=channel)
        slot = "channel_brief" if brief else "channel"  # brief: a chat reply, whose phrases have it
        sentence = self._pick(rng, phrases, slot, lang, channel=channel, minutes=number)
        return sentence.replace(f"{number}分钟", f"{number}{unit}") if lang == "zh" else sentence.replace(f"{number} minutes", f"{number} {unit}")

    # ── drafts ────────────────────────────────────────────────────────────────────────────────────

    def draft_reply(self, incident: Incident, ticket: Ticket, lang: str | None = None, *, variant: int = 0, style: str | None = None) -> Draft:
        """A chat-length reply that answers what this customer asked (drafting.drafters.reply_plan): every
        ask granted, declined or handed to a named role, and `Draft.asks` says which.

        `style`: None (the chat reply), or a rewrite preset — shorter (no cause, no pointer to the public
        statement), and the longer letter forms: warmer (an empathy line), formal (letter greeting and
        closing), plainer (short sentences, no lists); the letter forms also carry the cause and action list."""
        if style is not None and style not in STYLES:
            raise ValueError(f"style must be one of {', '.join(STYLES)}, got {style!r}")
        lang = lang or ticket.language()
        seed = f"reply/{incident.id}/{ticket.id}/{variant}/{style or ''}"
        rng = random.Random(seed)
        reading = read_asks(ticket.messages, lang)
        remedies = self.entitlements(incident, ticket, reading)
        # what the answers may rest on: what the reply can list (never a remedy they turned down, nor a perk of
        # staying to someone leaving, which _listed leaves out: "compensation" granted by an unsaid extension
        # went unanswered)
        leaving = bool({ask.type for ask in reading.asks} & {"leaving", "cancel"})
        offered = [r for r in remedies if r.type not in reading.refused and not (leaving and r.type in _STAYING_PERKS)]
        if style in (None, "shorter"):
            # a chat reply says a decision for those in a situation only to someone in it: no answer rests on one
            # it will not say
            offered = self._meant(offered, reading, record_answers.words(" ".join(ticket.messages), lang), lang)
            status = self._status_answer(incident, ticket, reading, lang, remedies)
            known = frozenset({"explanation"} if self._cause_answers(incident, ticket, reading, lang) else set()) | frozenset(
                {"status"} if status else set()
            )
            progress = [a for a in reading.asks if a.type == "status"]  # only a progress question can chase a refund
            if any(ask_coverage.refund_chase(a, _sentence_with(ticket.messages, a.phrase)) for a in progress):
                known |= {"refund_chase"}  # "退款什么时候到": the refund line with its processing time answers it
            answers = plan(reading.asks, offered, known)
            planned = answers
            parts, answers = self._chat_reply(
                rng, incident, ticket, lang, remedies, planned, short=style == "shorter", reading=reading, status=status
            )
            budget = self.reply_phrases["chat_budget"][lang]
            # Over a chat message's length: the cause clause nobody asked for goes (the public statement, which
            # the reply points to, has it), decisions shrink to their first sentence; still over, the closing
            # and the escalation lines take their tight wording. Every ask keeps its answer at every step.
            for tight in (False, True):
                if style is not None or len(_spoken(parts, lang)) <= budget:
                    break
                parts, answers = self._chat_reply(
                    random.Random(seed),
                    incident,
                    ticket,
                    lang,
                    remedies,
                    planned,
                    short=False,
                    reading=reading,
                    status=status,
                    brief=True,
                    tight=tight,
                )
        else:
            answers = plan(reading.asks, offered)
            parts = self._letter_reply(rng, incident, ticket, lang, remedies, answers, style, reading.refused)
        text = "\n".join(_clean(line, lang) for line in _spoken(parts, lang).split("\n"))
        warnings = injection_warnings(ticket.messages)
        return self._finish(
            Draft(
                kind="reply",
                text=text,
                lang=cast(Lang, lang),
                incident_id=incident.id,
                ticket_id=ticket.id,
                remedies=remedies,
                warnings=warnings,
                asks=answers.asks,
            ),
            remedies,
            ticket.facts.order_amount,
            incident,
        )

    def _fact(self, rng: random.Random, ticket: Ticket, lang: str, incident: Incident | None = None, *, with_order: bool = True) -> str:
        """What went wrong for this customer, in plain words (their order and delay when known). When their
        issue type is a request of theirs or says nothing ("您希望取消订单", "something went wrong"), what
        went wrong is the incident itself (facts_incident in reply.yaml): an apology never takes their request
        as its object."""
        facts = ticket.facts
        if incident is not None and (
            facts.issue_type in self.reply_phrases.get("facts_not_a_wrong", []) or not self._fits(incident, facts.issue_type, lang)
        ):
            return str(rng.choice(self.reply_phrases["facts_incident"][lang]))
        key: str = facts.issue_type  # the phrase bank also has 'late_delivery_unknown'
        if key == "late_delivery" and facts.delay_minutes is None:
            key = "late_delivery_unknown"
        options = self.reply_phrases["facts"].get(key, self.reply_phrases["facts"]["other"])[lang]
        order = ticket.order_id if with_order else None
        if not order:
            # "in order {order}" with no order id leaves "in order" dangling: use a wording that stands alone.
            options = [o for o in options if not _NEEDS_ORDER.search(o)] or self.reply_phrases["facts_without_order"][key][lang]
        delay = units.duration(facts.delay_minutes, lang) if facts.delay_minutes is not None else ""
        return _clean(rng.choice(options).format(order=order or "", delay=delay), lang)

    def _fits(self, incident: Incident, issue_type: str, lang: str) -> bool:
        """Whether the record bears out the issue type's own words (reply.yaml `facts_fit`; an issue type with
        no entry always does)."""
        pattern = self.reply_phrases.get("facts_fit", {}).get(issue_type, {}).get("zh" if lang == "zh" else "en")
        if not pattern:
            return True
        record = " ".join(part.pick(lang) for part in (incident.title, incident.what_happened, incident.cause))
        return re.search(pattern, record) is not None

    def _cause_answers(self, incident: Incident, ticket: Ticket, reading: CustomerReading, lang: str) -> bool:
        """Does the recorded cause answer the customer's request for an explanation? Only when one is
        recorded and they asked why (or whether on purpose), in the ask or the sentence around it."""
        if not self.cause_for(incident, lang, ""):  # none recorded, or none that can be said to a customer
            return False
        sentences = record_answers.questions(ticket.messages, lang)
        for ask in reading.asks:
            if ask.type != "explanation":
                continue
            around = [q for q in sentences if ask.phrase in q] or [m for m in ticket.messages if ask.phrase in m]
            if any(record_answers.asks_why(text, lang) for text in [ask.phrase, *around]):
                return True
        return False

    def _status_answer(
        self, incident: Incident, ticket: Ticket, reading: CustomerReading, lang: str, remedies: list[Remedy]
    ) -> record_answers.Found | None:
        """The action of the record that answers the customer's question about progress, if one does."""
        if "status" not in reading.types():
            return None
        asked = [q for q in record_answers.questions(ticket.messages, lang) if any(a.phrase in q for a in reading.asks if a.type == "status")]
        context = " ".join(ticket.messages)
        for question in asked or [a.phrase for a in reading.asks if a.type == "status"]:
            found = record_answers.answer_from_record(question, incident, lang, context)
            if (
                found is not None
                and found.kind == "action"
                and self._promises_only(self._record_sentence(random.Random(0), found, lang, "answer_status"), remedies)
            ):
                return found
        return None

    def _promises_only(self, sentence: str, remedies: list[Remedy]) -> bool:
        """Does a sentence from the record promise nothing this ticket is not entitled to? An action such as
        "refund every delivery fee" is a promise to a customer the refund is for, not to a bystander."""
        return all(c.backed for c in commitment_guard.check(sentence, remedies).commitments)

    def _plain_questions(self, ticket: Ticket, reading: CustomerReading, lang: str) -> list[str] | None:
        """The questions of a calm customer who asks nothing but questions (no refund, call, threat …): None
        when the ticket is not one. An angry customer's questions are mostly rhetorical ("你们这什么态度？"):
        their asks are answered instead."""
        if reading.anger > 1 or not reading.types() <= {"explanation", "status"}:
            return None
        return record_answers.questions(ticket.messages, lang) or None

    def _record_sentence(self, rng: random.Random, found: record_answers.Found, lang: str, slot: str, after: tuple[str, ...] = ()) -> str:
        """An answer from the record: an action (what, who, by when) or a clause as recorded. `after`: answers
        already said, whose lead-ins this one does not repeat ("About what you asked…" twice reads as a form)."""
        words = _unrepeated(record_answers.phrases(), after)
        if found.decided and found.whole:
            # a decision answers in its own words, whole: a clause of it alone ("…and you do not need to apply")
            # says only half, and the decision said in full later would repeat it
            return self._pick(rng, words, "answer_clause", lang, clause=strip_end(found.whole))
        if found.action is None:
            # a clause found by the question's form says what it is ("The cause: …", "What was affected: …")
            if found.says and slot == "answer_clause":
                return self._pick(rng, words, found.says, lang, clause=self._mid_sentence(found.clause, lang))
            return self._pick(rng, words, "answer_clause", lang, clause=found.clause)
        what = strip_end(found.action.what.pick(lang))
        owner = found.action.owner.pick(lang)
        if not owner:  # an action nobody owns is said as recorded: no name is invented for it
            return self._pick(rng, words, "answer_clause", lang, clause=what)
        if lang == "en" and ", " in owner:  # "Ning Xu, head of membership" reads as "Ning Xu (head of membership)" mid-sentence
            name, role = owner.split(", ", 1)
            owner = f"{name} ({role})"
        values = {"what": what, "what_cap": what[:1].upper() + what[1:], "owner": owner}
        if found.action.due:
            return self._pick(rng, words, slot, lang, due=when(found.action.due, lang), **values)
        return self._pick(rng, words, slot + "_no_date", lang, **values)

    def _question_answers(
        self,
        rng: random.Random,
        incident: Incident,
        asked: list[str],
        lang: str,
        context_messages: list[str],
        remedies: list[Remedy],
        *,
        most: int = 2,
        not_yet: bool = True,
    ) -> tuple[list[str], bool, list[tuple[str, str]]]:
        """One sentence per question the record answers (`most` at most, each part of the record once), and one
        honest "not yet", naming who will explain and by when, for all the questions it does not (unless
        `not_yet` is False); whether any went unanswered; and the questions the record answered by their form,
        each with that form's name (record_answers intents)."""
        said: list[str] = []
        answered: list[tuple[str, str]] = []
        used: set[int] = set()
        unanswered = False
        context = " ".join(context_messages)
        for question in asked:
            if len(said) == most:
                break
            found = record_answers.answer_from_record(question, incident, lang, context)
            if found is None:
                unanswered = True
                continue
            # two clauses of one decision are answered by the same words (the decision whole): said once
            key = id(found.action) if found.action is not None else hash(record_answers.answer_text(found, lang))
            if key in used:
                continue
            used.add(key)
            sentence = self._record_sentence(rng, found, lang, "answer_action" if found.kind == "action" else "answer_clause", tuple(said))
            if self._quotes_hurtful_words(sentence, lang):
                # The record may quote what a member of staff said ("穷就别网购"); a reply never says it again
                # to a customer, so the question gets the honest "not yet" and a person instead.
                unanswered = True
            elif self._promises_only(sentence, remedies):
                said.append(sentence)
                if found.intent:
                    # found by the question's form ("why?" → the cause): an answer, not a guess on shared
                    # words, which the person the explanation is handed to still follows up
                    answered.append((question, found.intent))
            else:
                unanswered = True
        if unanswered and not_yet:
            said.append(self._pick(rng, record_answers.phrases(), "answer_unknown", lang, role=self.contact(rng, incident, lang)))
        return said, unanswered, answered

    def _quotes_hurtful_words(self, sentence: str, lang: str) -> bool:
        """Does the sentence quote words the tone guard would flag (an insult, a dismissal), whoever said them?"""
        quotes = ("".join(group or "" for group in match.groups()) for match in _QUOTED.finditer(sentence))
        harmless = set(self.reply_phrases.get("quoted_harmless", []))
        return any(f.category not in harmless for quoted in quotes for f in self.tone.check(quoted, kind="chat", lang=lang).flags)

    def cause_for(self, incident: Incident, lang: str, about: str) -> str:
        """The one clause of the incident's cause that concerns this customer: of the clauses the record
        separates with semicolons, the one sharing most words (zh: character pairs) with what they wrote
        and what went wrong for them; the first when none does."""
        clauses = [strip_end(_LEADING_JOIN.sub("", c)) for c in _CAUSE_CLAUSE.split(incident.cause.pick(lang)) if c.strip()]
        # a clause quoting what a member of staff said ("穷就别网购") is never said again to a customer: the
        # public statement, which the reply points to, carries it
        clauses = [c for c in (_without_lead_in(c) for c in clauses) if c and not self._quotes_hurtful_words(c, lang)]
        if len(clauses) <= 1:
            return clauses[0] if clauses else ""
        # the same notion of "what a text is about" as the record's answers to questions (stemmed, no stop words)
        wanted = record_answers.words(about, lang)
        return max(clauses, key=lambda clause: len(record_answers.words(clause, lang) & wanted))

    def _mid_sentence(self, clause: str, lang: str) -> str:
        """A record's clause said inside a sentence: its first word lower-cased when it is a common word
        ("During the outage…" → "during the outage…"), never a name ("Songjiang warehouse…", "Tia told…")."""
        if lang != "en" or not clause:
            return clause
        first = re.match(r"[A-Z][a-z']*\b", clause)
        common = self.reply_phrases.get("common_first_words", [])
        return clause[:1].lower() + clause[1:] if first and first.group(0).lower() in common else clause

    def _about_a_pet(self, answers: ReplyPlan, messages: list[str], lang: str) -> bool:
        """Whether the health escalation is about a pet: the customer's message that raised it names a pet and
        no person ("我家布偶在宠物医院ICU" — not "my daughter ate the dog's kibble")."""
        subject = self.reply_phrases.get("health_subject", {})
        pet, person = (subject.get(key, {}).get("zh" if lang == "zh" else "en") for key in ("pet", "person"))
        if not pet or not person:
            return False
        # the whole message that raised it: "both my cats… Mochi is on IV fluids" names the pet a sentence earlier
        raised = [message for ask in answers.asks if ask.type == "escalation_health" for message in messages if ask.phrase and ask.phrase in message]
        return bool(raised) and all(re.search(pet, said) and not re.search(person, said) for said in raised)

    def _whose_health(self, answers: ReplyPlan, messages: list[str], lang: str) -> dict[str, Any]:
        """How a health escalation is spoken to: about a pet or a person, and where they stand (answer_sentences)."""
        return {"pet": self._about_a_pet(answers, messages, lang), "care": self._care(answers, messages, lang)}

    def _care(self, answers: ReplyPlan, messages: list[str], lang: str) -> str:
        """Where whoever the health escalation is about stands, as the messages say: "bereaved" (someone died),
        "treated" (住院, surgery, on a drip, at the vet's) or "" (reply.yaml `health_care`; the first that matches)."""
        if not any(ask.type == "escalation_health" for ask in answers.asks):
            return ""
        for state, by_lang in self.reply_phrases["health_care"].items():
            if any(re.search(by_lang["zh" if lang == "zh" else "en"], message) for message in messages):
                return str(state)
        return ""

    def _names_contact(self, decisions: list[str], incident: Incident, lang: str) -> bool:
        """Whether a decision said in the reply names the person who takes hand-overs and that they will contact
        the customer ("食品安全负责人林晓会在12小时内亲自联系您")."""
        role = contact_role(incident, lang)
        names = {name for name in (incident.owner.strip(), role.split(" (")[0].strip()) if name}
        contact = self.reply_phrases.get("contact_cue", {}).get("zh" if lang == "zh" else "en", "")
        return bool(names and contact) and any(
            any(name in sentence for name in names) and re.search(contact, sentence) is not None for sentence in decisions
        )

    def contact(self, rng: random.Random, incident: Incident, lang: str) -> str:
        """Who takes a hand-over: the incident owner, else the template's generic role. No time comes with
        it: the channel's response time (RT-2's "5 minutes") is how fast the line answers, not how soon a
        department head takes a case over, and the incident's next update is when the public hears more,
        not when this person calls; either would be a promise nobody made (the commitment guard rightly
        holds "will contact you by 21 Nov" as unbacked). The reply's pointer gives the next update's time."""
        return contact_role(incident, lang) or rng.choice(self.reply_phrases["role_generic"][lang])

    def _topics(self, asks: list[Ask], lang: str, *, pet: bool = False) -> tuple[str, int]:
        """What a hand-over takes over, as one phrase (the things asked for as one request, then the rest), and
        how many things that is. `pet`: the health escalation is about a pet."""
        p = self.reply_phrases
        requests: list[str] = []
        names: list[str] = []
        for ask in asks:
            who = _plain_person(ask.who, lang) if ask.type == "apology_from" else None
            if who:
                item, into = p["requests"]["apology_from_who"][lang].format(who=_our_side(who, lang)), requests
            elif ask.type in p["requests"]:
                item, into = p["requests"][ask.type][lang], requests
            else:
                own = [name for word, name in p.get("topics_in_their_words", {}).get(ask.type, {}).get(lang, []) if word in ask.phrase]
                item, into = (own[0] if own else p["topics"][_health_for(ask.type, pet)][lang]), names
            if item not in into:
                into.append(item)
        if requests:
            names.insert(0, p["request_frame"][lang].format(items=_joined(requests, lang, "和" if lang == "zh" else " and ")))
        # "your request for an apology and cancellation and the explanation": a second "and" needs its comma
        last = "，以及" if lang == "zh" else ", and " if any(" and " in name for name in names[:-1]) else " and "
        return _joined(names, lang, last), len(requests) + len(names) - (1 if requests else 0)

    def answer_sentences(
        self,
        rng: random.Random,
        incident: Incident,
        remedies: list[Remedy],
        answers: ReplyPlan,
        lang: str,
        has_remedy_lines: bool,
        *,
        chat: bool = True,
        contact_said: bool = False,
        pet: bool = False,
        care: str = "",
        tight: bool = False,
    ) -> tuple[str, list[str], list[str]]:
        """(the remedy sentence's intro slot, sentences said before the remedies, sentences said after).

        Before: what matters first in an escalation (see a doctor; complaining is your right). After: a
        declined sum when no remedy is owed, and one hand-over naming the role and the time. `contact_said`: a
        decision said in the reply already names who contacts the customer and when, so the hand-over only adds
        what that person will also take up (the same call promised twice read as pasted: eighth reading)."""
        p = self._tight_phrases if tight else self.reply_phrases
        # The most pressing escalation is spoken to first (health before legal before media); the hand-over
        # names the rest, so a frightened customer reads one line that matters, not three.
        spoken_first = sorted(answers.escalations, key=ESCALATIONS.index)[:1]
        # A public post is acknowledged as their right, never handed to a person: "X will contact you about
        # the concerns you want to raise publicly" read as trying to stop the post (sixth reading).
        if "escalation_media" in answers.escalations and "escalation_media" not in spoken_first:
            spoken_first.append("escalation_media")
        if spoken_first == ["escalation_legal", "escalation_media"]:
            spoken_first = ["escalation_legal_media"]  # both routes in one line, not two "it's your right"s
        escalation_lines = p["escalation_tight" if tight else "escalation"]  # tight: still over budget when brief
        before = [self._pick(rng, escalation_lines, _health_for(kind, pet, care), lang) for kind in spoken_first]
        after: list[str] = []
        declined = {ask.type for ask in answers.declined}
        handed = list(answers.handed_over)
        # An ask a custom decision granted is answered by the decision's own words, not by the list's intro
        by_decision = decided(remedies)
        if "compensation" in declined and has_remedy_lines:
            intro = "remedies_declined_compensation"
        elif "refund" in answers.granted and "refund" not in by_decision:
            intro = "remedies_intro_refund"
        elif "refund" in declined:
            intro = "remedies_declined_refund"
        elif "compensation" in answers.granted and "compensation" not in by_decision:
            intro = "remedies_intro_compensation"
        else:
            intro = "remedies_intro_chat" if chat else "remedies_intro"
        if "compensation" in declined and "refund" in declined and has_remedy_lines:
            # the intro refuses the sum; the refund they also asked for needs its own no
            after.append(self._pick(rng, p, "declined_refund_too", lang))
        if "compensation" in declined and not has_remedy_lines:
            # What is possible instead: a person checks what the policy gives.
            after.append(self._pick(rng, p, "declined_compensation_alone", lang))
            handed += [ask for ask in answers.declined if ask.type == "compensation"]
        # A named sum handed over is not promised — said once: a sum already declined above ("the compensation you
        # asked for is more than our policy pays") and then handed over for what the policy gives needs no second
        # "I can't commit to the sum" (a read of the reader incidents).
        if any(ask.type == "compensation" and (ask.amount is not None or ask.multiple is not None) for ask in answers.handed_over):
            after.append(self._pick(rng, p, "claim_not_promised", lang))
        if handed:
            role = self.contact(rng, incident, lang)
            hours = incident.handover_hours
            # Leaving is heard in a sentence of its own, right before the hand-over that answers it (the person
            # who calls is the one who can keep them): never a topic in the list of things handed over.
            topics = [ask for ask in handed if ask.type != "leaving"]
            if len(topics) < len(handed):
                after.append(self._pick(rng, p, "leaving_ack_tight" if tight else "leaving_ack", lang))
            # A legal or media escalation already spoken to ("complaining is your right") is not listed again as a
            # topic: four categories handed over in one breath read as a form, not an answer. Health stays:
            # the person who calls is calling about them.
            # When every topic left is such an escalation, the person calls to put the matter right, naming none
            # of them ("X will contact you about the concerns you want to raise publicly" reads as heading off
            # the post).
            topics = [ask for ask in topics if ask.type not in spoken_first or ask.type == "escalation_health"]
            slot = "handover" if topics else "handover_leaving"
            if contact_said and topics:
                slot = "handover_also"
                hours = None  # the decision has said when
            named, matters = self._topics(topics, lang, pet=pet)
            after.append(
                self._pick(
                    rng,
                    p,
                    slot + "_timed" if hours else slot,
                    lang,
                    topics=named,
                    # "回电和道歉的要求，以及您要的解释这件事由…" reads as one matter: a list says how many
                    matter=_MATTERS.get(matters, "这几件事"),
                    role=role,
                    role_cap=role[:1].upper() + role[1:],
                    within=units.duration(hours * 60, lang) if hours else "",
                )
            )
        return intro, before, after

    def _chat_reply(
        self,
        rng: random.Random,
        incident: Incident,
        ticket: Ticket,
        lang: str,
        remedies: list[Remedy],
        answers: ReplyPlan,
        *,
        short: bool,
        reading: CustomerReading,
        status: record_answers.Found | None = None,
        brief: bool = False,
        tight: bool = False,
    ) -> tuple[list[str], ReplyPlan]:
        """Greeting, their facts and the apology in one sentence (with the cause clause that concerns them,
        unless they only asked questions); the answers; their remedies; the channel; a pointer to the public statement.

        A calm customer who only asks questions gets the questions answered from the record (or an honest
        "not yet" naming who will answer by when) instead of the pointer: a few lines, not the crisis
        template."""
        p = self._tight_phrases if tight else self.reply_phrases
        customer = ticket.customer.strip()
        greeting = self._pick(rng, p, "greeting_chat", lang, customer=customer) if customer else self._pick(rng, p, "greeting_chat_anonymous", lang)
        bystander = reading.role == "bystander" and not ticket.order_id and ticket.facts.issue_type not in _GOODS_HARM
        # tight: "your order" without its number (the customer knows which; the number is for the letter forms)
        fact = self._fact(rng, ticket, lang, incident, with_order=not tight)
        plain = self._plain_questions(ticket, reading, lang)
        # The playbook's reply explains the cause: the one clause of it that concerns this customer (the whole
        # list is the public statement's, which the reply points to). A customer who only asked questions gets
        # the answers and the pointer; one who asked why, the clause as that answer.
        explained = "explanation" in answers.granted or (not short and not brief and plain is None and not bystander)
        cause = self.cause_for(incident, lang, " ".join(ticket.messages) + " " + fact) if explained else ""
        cause = self._mid_sentence(cause, lang)  # said after "the cause: " ("the cause: During the outage…")
        if bystander and not cause:
            opening = self._pick(rng, p, "opening_bystander", lang)
        else:
            opening = self._pick(rng, p, "opening_cause" if cause else "opening", lang, fact=fact, fact_cap=fact[:1].upper() + fact[1:], cause=cause)
        if lang == "en" and greeting:
            opening = greeting + " " + opening[:1].lower() + opening[1:] if not opening.startswith(("I ", "I'")) else greeting + " " + opening
        else:
            opening = greeting + opening
        parts = [opening]
        if reading.role == "repeat":
            parts.append(self._pick(rng, p, "repeat_ack_tight" if tight else "repeat_ack", lang))
        wrote = record_answers.words(" ".join(ticket.messages), lang)
        meant = self._meant(remedies, reading, wrote, lang)
        lines = self.remedy_lines(rng, _listed(remedies, answers, incident, reading.refused, said=meant), lang, ticket.facts.order_amount)
        said: list[str] = []
        if plain is not None:
            # a question an ask already answers (the cause for "why", the progress or its hand-over for "when") is
            # not answered twice
            covered = [a.phrase for a in answers.asks if a.type in answers.granted or a.type == "status"]
            plain = [q for q in plain if not any(phrase in q for phrase in covered)]
            said, unknown, answered = self._question_answers(rng, incident, plain, lang, ticket.messages, remedies)
            if unknown:  # the "not yet" names who explains and by when: no second hand-over of the explanation
                answers = replace(answers, handed_over=[a for a in answers.handed_over if a.type != "explanation"])
            else:
                answers = _answered_from_record(answers, answered, lang)
        else:
            # An upset customer's questions are mostly rhetorical, but one whose form says where the record
            # answers it ("is mine one of them?", "钱是自己退回来还是要我去营业厅办？") gets that answer: one
            # sentence, and no "not yet" (the hand-over covers what it does not answer).
            formed = [q for q in record_answers.questions(ticket.messages, lang) if _answered_when_upset(q, lang)]
            if formed:
                said, _, answered = self._question_answers(rng, incident, formed, lang, ticket.messages, remedies, most=1, not_yet=False)
                answers = _answered_from_record(answers, answered, lang)
        chosen = _decisions_for(meant, answers, wrote, lang) if brief else meant
        # a decision already said as the answer to their question is not said again
        fresh = [
            d
            for d in self.decided_sentences(chosen, lang, among=remedies, first_part=brief)
            if not any(strip_end(d).lower() in answer.lower() for answer in said)
        ]
        # A decision for those in this customer's situation ("if your pet fell ill, send the vet's receipts…",
        # "if you were asked to pay the 500…"), which their words show they are in, answers their harm: it comes
        # before the policy's list, not after a coupon (the ninth reader: a 20-yuan coupon listed first to the
        # owner of a cat in intensive care).
        theirs = [d for d in fresh if any(strip_end(d) in text for text in self._conditions_met(chosen, lang, wrote, reading))]
        contact_said = self._names_contact(fresh, incident, lang)
        intro, before, after = self.answer_sentences(
            rng,
            incident,
            remedies,
            answers,
            lang,
            bool(lines),
            contact_said=contact_said,
            tight=tight,
            **self._whose_health(answers, ticket.messages, lang),
        )
        if plain is not None and intro == "remedies_intro_chat":
            intro = "remedies_intro_unasked"  # they asked a question, not for a remedy
        parts += before
        # Someone hurt hears who will call them about it right after "see a doctor", before any coupon: a
        # remedy list first read to a mother whose child needed stitches as the answer to her child's injury.
        # (unless a decision names who calls and when: then what that person also takes up follows the decision)
        hurt = "escalation_health" in answers.escalations and not contact_said
        if hurt:
            parts += after
        if "status" in answers.granted and status is not None:
            parts.append(self._record_sentence(rng, status, lang, "answer_status"))
        parts += said
        parts += self._decided(rng, p, theirs, lang, alone=True, chat=True)
        decided = self._decided(rng, p, [d for d in fresh if d not in theirs], lang, alone=not lines and not theirs, chat=True)
        if lines:
            parts.append(self._pick(rng, p, intro, lang) + self._list(lines, lang))
        elif not after and plain is None and not decided and not theirs:
            parts.append(self._pick(rng, p, "no_remedy", lang))
        parts += decided
        if not hurt:
            parts += after
        # The pointer to the public statement, with the next update's time, is for a customer the incident
        # touched (a bystander who asked a question has had the answer); short at chat length.
        pointed = not short and (plain is None or not bystander)
        upcoming = self.upcoming_update(incident) if pointed else None
        # tight: the channel's response time goes only when the reply names another time the customer hears
        # from us (the next update's, or when the person taking their case calls)
        within = units.duration(incident.handover_hours * 60, lang) if incident.handover_hours else None
        timed = within is not None and any(within in sentence for sentence in after)
        closing = [self.channel_sentence(rng, incident, remedies, lang, p, brief=brief, tight=tight and (upcoming is not None or timed))]
        if pointed:
            if upcoming:
                slot = "next_update_tight" if tight else "next_update_brief" if brief else "next_update_chat"
                closing.append(self._pick(rng, p, slot, lang, when=when(upcoming, lang)))
            elif incident.cause or incident.actions:
                slot = "statement_pointer_tight" if tight else "statement_pointer_brief" if brief else "statement_pointer"
                closing.append(self._pick(rng, p, slot, lang))
        # The channel and the pointer to the statement as one sentence: two stock sentences would read the
        # same in every reply of the incident.
        # The pointer stays even in a long reply: it is where this reply says what is being done and when the
        # next word comes (the playbook's action and follow-up), in one short clause.
        said = [sentence for sentence in closing if sentence]
        if said:
            joined = said[0] if len(said) == 1 else strip_end(said[0]) + ("；" if lang == "zh" else "; ") + _lower_first(said[1])
            parts.append(joined)
        return parts, answers

    def _letter_reply(
        self,
        rng: random.Random,
        incident: Incident,
        ticket: Ticket,
        lang: str,
        remedies: list[Remedy],
        answers: ReplyPlan,
        style: str | None,
        refused: frozenset[str] = frozenset(),
    ) -> list[str]:
        """The longer form (a rewrite on request): the playbook's full order, with the cause and action list."""
        p = self.reply_phrases
        facts = ticket.facts
        formal, plain = style == "formal", style == "plainer"
        parts: list[str] = []
        customer = ticket.customer.strip()
        greeting_slot = "greeting_formal" if formal else "greeting"
        greeting = (
            self._pick(rng, p, greeting_slot, lang, customer=customer)
            if customer
            else self._pick(rng, p, greeting_slot + "_anonymous" if formal else "greeting_anonymous", lang)
        )
        parts.append(greeting + "\n")
        fact = self._fact(rng, ticket, lang)
        parts.append(self._pick(rng, p, "acknowledge", lang, fact=fact, fact_cap=fact[:1].upper() + fact[1:]))
        if style == "warmer":
            parts.append(self._pick(rng, p, "empathy", lang))
        parts.append(self._pick(rng, p, "apology", lang))
        cause = strip_end(incident.cause.pick(lang))
        if cause:
            parts.append(self._pick(rng, p, "cause", lang, cause=cause))
        actions = self._actions(rng, incident, lang, p)
        if actions:
            if plain:
                parts += [a[:1].upper() + a[1:] + ("。" if lang == "zh" else ".") for a in actions]
            else:
                parts.append(self._pick(rng, p, "actions_intro", lang) + self._list(actions, lang))
        lines = self.remedy_lines(rng, _listed(remedies, answers, incident, refused), lang, facts.order_amount)
        health = self._whose_health(answers, ticket.messages, lang)
        intro, before, after = self.answer_sentences(rng, incident, remedies, answers, lang, bool(lines), chat=False, **health)
        parts += before
        if lines:
            if plain:
                parts.append(self._pick(rng, p, intro, lang))
                parts += [line[:1].upper() + line[1:] + ("。" if lang == "zh" else ".") for line in lines]
            else:
                parts.append(self._pick(rng, p, intro, lang) + self._list(lines, lang))
        decided = self._decided(rng, p, self.decided_sentences(remedies, lang), lang, alone=not lines)
        if not lines and not after and not decided:
            parts.append(self._pick(rng, p, "no_remedy", lang))
        parts += decided
        parts += after
        channel = self.channel_sentence(rng, incident, remedies, lang, p)
        if channel:
            parts.append(channel)
        upcoming = self.upcoming_update(incident)
        if upcoming:
            parts.append(self._pick(rng, p, "next_update", lang, when=when(upcoming, lang)))
        if formal:
            parts.append("\n" + self._pick(rng, p, "signoff_formal", lang))
        else:
            parts.append(self._pick(rng, p, "signoff", lang))
        return parts

    def draft_statement(self, incident: Incident, stage: Stage | None = None, lang: str = "zh", *, variant: int = 0) -> Draft:
        stage = stage or incident.stage
        if stage not in _STAGE_SLOTS:
            raise ValueError(f"stage must be one of {', '.join(_STAGE_SLOTS)}, got {stage!r}")
        rng = random.Random(f"statement/{incident.id}/{stage}/{lang}/{variant}")
        p = self.statement_phrases
        rt = self.response_time(incident)
        remedies = commitment_guard.statement_entitlements(self.book, incident.decisions)
        parts: list[str] = []
        quoted: list[str] = []  # the record's action items as said (see _finish)
        for slot in _STAGE_SLOTS[stage]:
            if slot == "title":
                parts.append(self._pick(rng, p, "title", lang, title=strip_end(incident.title.pick(lang))) + "\n")
            elif slot == "what_happened":
                parts.append(self._pick(rng, p, "what_happened", lang, what=strip_end(incident.what_happened.pick(lang))))
            elif slot in ("impact", "cause", "lessons"):
                value = strip_end(getattr(incident, slot).pick(lang))
                if slot == "cause":
                    value = _without_lead_in(value)  # "原因：这是我们的责任：…" stutters
                if value:
                    parts.append(self._pick(rng, p, slot, lang, **{slot if slot != "impact" else "impact": value}))
            elif slot == "actions_done":
                # Done only once its date has passed: an action due next month is still a fix in progress.
                today = self.today()
                done = [a for a in incident.actions if a.due is not None and a.due <= today]
                pending = [a for a in incident.actions if a.due is None or a.due > today]
                for which, listed in (("actions_done", done), ("actions_fixes", pending)):
                    actions = self._actions(rng, incident, lang, p, only=listed, limit=None)
                    quoted += actions
                    if actions:
                        parts.append(self._pick(rng, p, which, lang) + self._bullets(actions, lang))
            elif slot in ("actions_now", "actions_fixes"):
                actions = self._actions(rng, incident, lang, p, limit=None)
                quoted += actions
                if actions:
                    parts.append(self._pick(rng, p, slot, lang) + self._bullets(actions, lang))
            elif slot == "compensation":
                lines = []
                for rule_id in incident.rules:
                    rule = self.book.rule(rule_id)
                    if rule is None:
                        continue
                    rule_remedies = [r.model_copy(update={"rule_id": rule.id}) for r in rule.remedies]
                    described = self.remedy_lines(rng, rule_remedies, lang, None, public=True)
                    if not described:
                        continue
                    condition = p["conditions"].get(rule.id, {}).get(lang, rule.id)
                    lines.append(self._compensation_line(rng, condition, described, lang))
                lines += self.decision_lines(rng, incident, lang)
                custom = self.custom_decisions(incident, lang)
                if lines:
                    parts.append(self._pick(rng, p, "compensation_intro", lang) + self._bullets(lines, lang))
                elif not custom:
                    parts.append(self._pick(rng, p, "compensation_pending", lang))
                parts += self._decided(rng, p, custom, lang, alone=not lines)
            elif slot in ("compensation_pending", "compensation_decided"):
                decided = self.decision_lines(rng, incident, lang)
                custom = self.custom_decisions(incident, lang)
                if decided:
                    parts.append(self._pick(rng, p, "compensation_intro", lang) + self._bullets(decided, lang))
                elif slot == "compensation_pending" and not custom:
                    parts.append(self._pick(rng, p, slot, lang))
                parts += self._decided(rng, p, custom, lang, alone=not decided)
            elif slot == "channel":
                channel = self.channel_sentence(rng, incident, [rt] if rt else [], lang, p)
                if channel:
                    parts.append(channel)
            elif slot == "next_update":
                upcoming = self.upcoming_update(incident)
                if upcoming:
                    parts.append(self._pick(rng, p, "next_update", lang, when=when(upcoming, lang)))
            elif slot == "apology" and self._owned(incident, stage, lang):
                parts.append(self._pick(rng, p, "apology_owned", lang))
            else:
                parts.append(self._pick(rng, p, slot, lang))
        # One paragraph per part of the statement: read as one block, the blind reader lost the remedy and
        # the safety steps in the middle of it.
        text = "\n\n".join(_clean(part.strip(), lang) for part in parts if part.strip())
        return self._finish(
            Draft(
                kind="statement",
                text=text,
                lang=cast(Lang, lang),
                incident_id=incident.id,
                stage=stage,
                remedies=remedies,
                warnings=[PAST_UPDATE.format(when=when(incident.next_update, "en"))]
                if incident.next_update is not None and self.upcoming_update(incident) is None
                else [],
            ),
            remedies,
            None,
            incident,
            quoted,
        )

    def _owned(self, incident: Incident, stage: Stage, lang: str) -> bool:
        """Whether the statement's cause, said just before its apology, already owns the failure in the
        record's words ("这是我们的责任", "the responsibility is ours")."""
        if "cause" not in _STAGE_SLOTS[stage] or _STAGE_SLOTS[stage].index("cause") > _STAGE_SLOTS[stage].index("apology"):
            return False
        return bool(self.tone.cues(incident.cause.pick(lang))["ownership"])

    def decision_lines(self, rng: random.Random, incident: Incident, lang: str) -> list[str]:
        """The incident's decided remedies as a statement's list items: those for everyone as they are, those
        for some issue types only after who gets them ("有质量问题的商品：…"). A processing time decided for
        everyone under the rule of a refund for some goes with that refund: said apart, the refund read as
        having no time at all."""
        audience = {d.rule_id: tuple(d.for_issue_types) for d in incident.decisions if d.for_issue_types and d.type != "processing_deadline"}
        groups: dict[tuple[str, ...], list[Remedy]] = {}
        for decision in incident.decisions:
            who = tuple(decision.for_issue_types)
            if not who and decision.type == "processing_deadline":
                who = audience.get(decision.rule_id, who)
            groups.setdefault(who, []).append(decision)
        lines: list[str] = []
        for issue_types, decisions in groups.items():
            described = self.remedy_lines(rng, decisions, lang, None, public=True)
            if not described:
                continue
            if not issue_types:
                lines += described
                continue
            lines.append(self._compensation_line(rng, self._who_for(issue_types, lang), described, lang))
        return lines

    def _who_for(self, issue_types: Iterable[str], lang: str) -> str:
        """Who a decision is for, by issue type: "有质量问题的商品、送错的商品", "Damaged items and wrong items"."""
        names = [self.statement_phrases["decision_groups"].get(kind, {}).get(lang, kind) for kind in issue_types]
        if lang == "zh":
            return "、".join(names)
        return _joined(names[:1] + [name[:1].lower() + name[1:] for name in names[1:]], lang, " and ")

    def custom_decisions(self, incident: Incident, lang: str) -> list[str]:
        """The incident's custom decisions as a statement says them: word for word, after who they are for
        when they are for some issue types only ("有质量问题的商品：…")."""
        out: list[str] = []
        said_for: tuple[str, ...] | None = None
        for decision in incident.decisions:
            said = self.decided_sentences([decision], lang, among=incident.decisions)
            if not said:
                continue
            if decision.for_issue_types and decision.for_issue_types != said_for:  # who once for a run of decisions
                said[0] = self._who_for(decision.for_issue_types, lang) + ("：" if lang == "zh" else ": ") + said[0]
            said_for = decision.for_issue_types
            out += said
        return out

    def _compensation_line(self, rng: random.Random, who: str, remedies: list[str], lang: str) -> str:
        """A statement's compensation item: who gets it (a rule's condition, a decision's issue types), then what."""
        # an item carrying its own time ("全额退款，1天内办好") is set off by semicolons, or the time reads as the next item's
        timed = any(("，" if lang == "zh" else ", ") in item for item in remedies)
        joiner = ("；" if timed else "、") if lang == "zh" else ("; " if timed else ", ")
        return self._pick(rng, self.statement_phrases, "compensation_rule", lang, condition=who, remedies=joiner.join(remedies))

    def rewrite(self, incident: Incident, ticket: Ticket, draft: Draft, instruction: str) -> Draft:
        """A variant of a reply: a preset (shorter, warmer, formal, plainer) is redrafted in that style with
        the same remedies; a free-text instruction needs a model, so the composer returns the draft
        unchanged with a warning saying so."""
        preset = instruction.strip().lower()
        if preset in STYLES:
            return self.draft_reply(incident, ticket, draft.lang, style=preset)
        return draft.model_copy(
            update={
                "warnings": [
                    *draft.warnings,
                    "free-text rewrites need an LLM (composer mode): use a preset — shorter, warmer, formal, plainer — or edit the text",
                ]
            }
        )

    # ── guards and citations ──────────────────────────────────────────────────────────────────────

    def _finish(self, draft: Draft, entitled: list[Remedy], order_amount: Decimal | None, incident: Incident, quoted: Iterable[str] = ()) -> Draft:
        """Guard a composed draft. `quoted`: the record's own items as the draft words them (a statement's action
        "…, owned by Hang Zhou, by 1 Dec": the due date is the record's, not a new promise)."""
        recorded = incident.recorded_texts() + list(quoted)
        tone = self.tone.check(draft.text, kind="draft", lang=draft.lang, backed=commitment_guard.backed_quotes(draft.text, entitled, recorded))
        promises = commitment_guard.check(draft.text, entitled, order_amount=order_amount, recorded=recorded)
        warnings = list(draft.warnings)
        if tone.verdict != "ok":
            warnings.append("tone: " + "; ".join(tone.reasons()) if tone.flags else f"tone: score {tone.score} is below the threshold")
        warnings += [f"commitment: {reason}" for reason in promises.reasons()]
        # The same check as a model's draft: what the reply says is the answer each ask gets, not the plan.
        coverage = ask_coverage.check(draft.text, draft.asks, draft.lang, promises.commitments)
        warnings += coverage.warnings()
        citations, unsourced = self.citations(draft, entitled)
        return draft.model_copy(
            update={
                "asks": coverage.asks(),
                "tone": tone.to_dict(),
                "commitments": promises.commitments,
                "warnings": warnings + ([unsourced] if unsourced else []),
                "citations": citations,
            }
        )

    def citations(self, draft: Draft, remedies: Iterable[Remedy]) -> tuple[list[Citation], str | None]:
        """The policy sections behind the remedies a draft states (from the store, when there is one), and a
        warning for the draft when the store could not be searched."""
        if self.store is None:
            return [], None
        wanted: dict[str, str] = {}
        for remedy in remedies:
            rule = self.book.rule(remedy.rule_id)
            if rule is not None and rule.document and rule.document not in wanted:
                wanted[rule.document] = rule.title
        out: list[Citation] = []
        failure: Exception | None = None
        for doc_id, title in wanted.items():
            key = (doc_id, draft.lang)
            if key not in self._citation_cache:
                if failure is not None:  # the store just failed: one timeout per draft, not one per document
                    continue
                results, failure = search_policies(self.store, title, k=8, lang=draft.lang)
                if failure is not None:  # not cached: the next draft asks the store again
                    continue
                hit = next((r for r in results if r.doc_id == doc_id), None)
                self._citation_cache[key] = Citation(chunk_id=hit.chunk_id, doc_id=hit.doc_id, title=hit.title, heading=hit.heading) if hit else None
            if (cited := self._citation_cache[key]) is not None:
                out.append(cited)
        return out, unreachable_warning(failure, cited_some=bool(out)) if failure else None

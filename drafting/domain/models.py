"""Domain types shared by the drafters, the guards, the workflow and the front doors.

Text an incident record shows customers (what happened, the cause, the channel …) is `Localized`: a
mapping of language to text, so one record serves a Chinese and an English public at once. A plain string
is accepted and taken to be in the language it is written in.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from knowledge.documents import detect_language
from knowledge.policy import Remedy, TicketFacts

Lang = Literal["zh", "en"]
LANGUAGES: tuple[Lang, ...] = ("zh", "en")
Stage = Literal["0-24h", "24-72h", "1-2w", "2-8w"]
STAGES: tuple[Stage, ...] = ("0-24h", "24-72h", "1-2w", "2-8w")


class Localized(BaseModel):
    """The same text in zh and/or en; `pick` falls back to the other language rather than to nothing."""

    model_config = ConfigDict(extra="forbid")
    zh: str | None = None
    en: str | None = None

    def pick(self, lang: str) -> str:
        own = self.zh if lang == "zh" else self.en
        return own or self.en or self.zh or ""

    def has(self, lang: str) -> bool:
        return bool(self.zh if lang == "zh" else self.en)

    def __bool__(self) -> bool:
        return bool(self.zh or self.en)


def _localize(value: Any) -> Any:
    if value is None or isinstance(value, (Localized, dict)):
        return value
    if isinstance(value, str):
        return {detect_language(value): value}
    return value


class Action(BaseModel):
    """Something being done about the incident, with who owns it and by when (PLAYBOOK: owners and dates)."""

    model_config = ConfigDict(extra="forbid")
    what: Localized
    owner: Localized = Field(default_factory=Localized)
    due: date | None = None

    _loc = field_validator("what", "owner", mode="before")(_localize)


class Incident(BaseModel):
    """What went wrong, for whom, what we are doing and what we decided to give — the record every draft
    about it is built from."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=120)
    title: Localized
    what_happened: Localized
    cause: Localized = Field(default_factory=Localized)
    impact: Localized = Field(default_factory=Localized)
    severity: Literal["low", "medium", "high", "critical"] = "high"
    stage: Stage = "0-24h"
    actions: list[Action] = Field(default_factory=list)
    # Remedies decided for this incident beyond the policy book (e.g. a goodwill coupon for everyone
    # affected); each carries a rule_id such as "INC-1" so commitments can cite it.
    decisions: list[Remedy] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)  # policy-book rules this incident invokes (LD-2, DG-1 …)
    lessons: Localized = Field(default_factory=Localized)  # for the 2-8 week retrospective
    owner: str = ""
    # How soon the person a reply hands an ask to (a call back, an apology, a complaint) contacts the customer,
    # once the incident's owner has set it: the record commits to it, so replies may say it. Unset, hand-overs
    # name the person and no time (the line's response time is how fast the line answers, not this).
    handover_hours: int | None = Field(default=None, gt=0, le=168)
    channel: Localized = Field(default_factory=Localized)
    next_update: datetime | None = None
    # When the crisis began (the message that lit the fuse, else the first complaint): the timeline's
    # stages are counted from it, so the record can say which stage the calendar has reached.
    started_at: datetime | None = None
    declared: bool = True  # a declared service incident unlocks incident-time rules (RT-2)
    languages: list[Lang] = Field(default_factory=lambda: list(LANGUAGES))
    related_documents: list[str] = Field(default_factory=list)

    _loc = field_validator("title", "what_happened", "cause", "impact", "channel", "lessons", mode="before")(_localize)

    def recorded_texts(self) -> list[str]:
        """What the record states as decided or as fact, in both languages — what happened, the cause, the
        impact, the lessons and the actions: a draft that quotes them word for word quotes the brand's own
        record, so the promise guard does not hold the quote (a statement retelling "the 88折 became 95折")."""
        texts = [t for field in (self.what_happened, self.cause, self.impact, self.lessons) for t in (field.zh, field.en) if t]
        texts += [t for action in self.actions for t in (action.what.zh, action.what.en) if t]
        return texts

    @field_validator("decisions")
    @classmethod
    def _decisions_cite_something(cls, value: list[Remedy]) -> list[Remedy]:
        for number, remedy in enumerate(value, start=1):
            if not remedy.rule_id:
                value[number - 1] = remedy.model_copy(update={"rule_id": f"INC-{number}"})
        return value


class Ticket(BaseModel):
    """One customer's complaint, as the ticket system or an imported chat hands it over."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=200)  # the ticket system's external id
    incident_id: str | None = None
    customer: str = ""
    channel: str = ""
    messages: list[str] = Field(default_factory=list)
    facts: TicketFacts
    order_id: str | None = None
    lang: Lang | None = None
    # When the customer wrote (their first message), if the source says: the chat export's time for radar
    # tickets, the ticket system's for API tickets. The queue shows it instead of when the ticket was filed.
    written_at: datetime | None = None
    # When each message was written, in the order of `messages` (a chat ticket joins messages written hours
    # apart); empty when the source gives one time for the whole ticket. None for a message without a time.
    message_times: list[datetime | None] = Field(default_factory=list)
    # How sure written_at is, when it is not simply as the source stated it: "clock_only", the chat showed
    # clock times without a date (the date is the day it was imported); "import_time", the chat had no times
    # at all, so written_at is when it was imported, not when the customer wrote.
    written_at_note: Literal["clock_only", "import_time"] | None = None

    @model_validator(mode="after")
    def _a_time_per_message(self) -> Ticket:
        if self.message_times and len(self.message_times) != len(self.messages):
            raise ValueError(f"message_times has {len(self.message_times)} times for {len(self.messages)} messages; give one per message or none")
        return self

    def language(self) -> str:
        """The ticket's language: as given, else detected from what the customer wrote."""
        if self.lang:
            return self.lang
        return detect_language(" ".join(self.messages)) if self.messages else "zh"


class Citation(BaseModel):
    chunk_id: str
    doc_id: str
    title: str
    heading: str = ""


# "unrecognised": a sum, share or time bound offered in words the guard could not read (always held as unbacked)
CommitmentType = Literal[
    "refund", "coupon", "free_order", "compensation", "discount", "processing_deadline", "response_time", "membership_extension", "unrecognised"
]


class Commitment(BaseModel):
    """A promise found in a draft, and whether policy backs it."""

    type: CommitmentType
    phrase: str
    start: int
    end: int
    amount: Decimal | None = None  # money, or the number of days/minutes/months for time promises
    unit: str | None = None  # a currency code (CNY, USD …), days, business_days, minutes, months, percent,
    # multiple (× the price), orders (free orders), deadline (a date or a relative deadline: see deadline)
    scope: Literal["full", "partial"] | None = None  # refunds
    valid_days: int | None = None  # coupons, when the text states it
    # Optional details (None when the text does not say; drafts stored before they existed still load)
    currency: str | None = None  # money: the currency as written; the policy book pays in CNY
    count: int | None = None  # coupons (10张30元优惠券) and free orders (next ten orders free)
    min_spend: Decimal | None = None  # coupons with a threshold (满100减20)
    applies_to: Literal["item", "order"] | None = None  # refunds: the affected item or the whole order
    deadline: str | None = None  # a deadline as written (by Friday, 下周一之前, 今天之内)
    deadline_days: Decimal | None = None  # the deadline resolved to days from the reference time
    backing: str | None = None  # the rule id (or incident decision id) that backs it
    status: Literal["backed", "unbacked", "exceeds"] = "unbacked"
    reason: str = ""  # why it is unbacked, naming the rule it contradicts

    @property
    def backed(self) -> bool:
        return self.status == "backed"


AskType = Literal[
    "refund",
    "compensation",
    "replacement",
    "cancel",
    "callback",
    "apology_from",
    "explanation",
    "status",
    "escalation_health",
    "escalation_legal",
    "escalation_media",
    "leaving",
]


class Ask(BaseModel):
    """Something a customer asked for, threatened or told us that a reply must answer (drafting.domain.asks)."""

    type: AskType
    phrase: str  # the customer's own words, as written in one of their messages
    amount: Decimal | None = None  # money demanded, when the customer names a sum
    currency: str | None = None  # the currency of `amount` (CNY, USD …)
    multiple: int | None = None  # a multiple of the price demanded: 退一赔十 → 10, "double" → 2
    who: str | None = None  # apology_from: the person or role the customer wants the apology from
    # How the reply answers it. None = not yet answered: reply planning (the next step of P10) fills it.
    answer: Literal["granted", "declined", "handed_over"] | None = None


class Draft(BaseModel):
    """A statement or a reply, with everything a reviewer needs to trust it."""

    kind: Literal["statement", "reply"]
    text: str
    lang: Lang
    incident_id: str
    ticket_id: str | None = None
    stage: Stage | None = None
    citations: list[Citation] = Field(default_factory=list)
    remedies: list[Remedy] = Field(default_factory=list)
    commitments: list[Commitment] = Field(default_factory=list)
    tone: dict[str, Any] = Field(default_factory=dict)
    generator: str = "template"
    warnings: list[str] = Field(default_factory=list)
    prompt_version: str | None = None  # LLM drafts: which prompt produced it
    prompt_tokens: int | None = None  # LLM drafts: tokens sent, when the endpoint reports them
    asks: list[Ask] = Field(default_factory=list)  # replies: what the customer asked for (read_asks)

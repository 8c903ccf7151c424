"""The policy book: compensation and service rules as YAML a community manager can
read, and the one pure function that turns a ticket's facts into the remedies it is
entitled to. Drafts state remedies from here; the LLM never decides amounts.

Rule files (``knowledge/policies/*.yaml``)::

    document: late-delivery          # id of the policy document these rules implement
    group: late-delivery             # at most one rule of a group applies: the highest priority match
    rules:
      - id: LD-2
        priority: 30
        title: More than 30 minutes late
        when: {issue_type: [late_delivery], delay_minutes: {gt: 30}}
        remedies:
          - {type: refund, scope: full}
          - {type: coupon, amount: 30, currency: CNY, valid_days: 30}
          - {type: processing_deadline, days: 3}
    caps:
      - {id: CP-1, remedy: coupon, max_total: 100, currency: CNY}

Precedence, in order: within a group only the highest-priority matching rule
applies; rules marked ``stacks_on_compensation`` apply only when another rule
already granted money; refunds do not add up (the largest one stands); coupons add
up to the caps; the tightest deadline and response time win.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, ValidationError, WithJsonSchema, field_validator, model_validator

from knowledge.documents import yaml_problem

DEFAULT_POLICY_DIR = Path(__file__).parent / "policies"

IssueType = Literal[
    "late_delivery",
    "not_delivered",
    "spilled",
    "damaged",
    "wrong_item",
    "missing_item",
    "defective",
    "expired",
    "change_of_mind",
    "benefit_removed",
    "staff_attitude",
    "privacy",
    "order_cancelled",
    "other",
]
Tier = Literal["basic", "gold", "platinum"]
# "custom": a remedy an incident decided that no other type can say (a fixed price-difference refund, benefits
# restored, a claims call for those hurt …), in the brand's own words — usually an incident's decision.
RemedyType = Literal[
    "refund", "coupon", "free_order", "membership_extension", "priority_channel", "processing_deadline", "response_time", "review", "custom"
]
MONEY_TYPES = frozenset({"refund", "coupon", "free_order"})
# Amounts are decimals in Python and plain JSON numbers on the wire (OpenAPI says "number", not "string").
Money = Annotated[
    Decimal, PlainSerializer(lambda value: float(value), return_type=float, when_used="json"), WithJsonSchema({"type": "number", "minimum": 0})
]


class PolicyError(ValueError):
    """An invalid rule file, naming the file, the rule and the field."""

    def __init__(self, path: Path | str, problem: str, rule_id: str | None = None, field: str | None = None) -> None:
        self.path, self.problem, self.rule_id, self.field = str(path), problem, rule_id, field
        where = "".join([f" rule {rule_id}" if rule_id else "", f" field '{field}'" if field else ""])
        super().__init__(f"{self.path}:{where}: {problem}" if where else f"{self.path}: {problem}")


class TicketFacts(BaseModel):
    """What the policy book needs to know about one complaint. Unknown facts stay
    None, and a rule that depends on an unknown fact does not apply: remedies are
    never granted on a guess."""

    model_config = ConfigDict(extra="forbid")

    issue_type: IssueType
    delay_minutes: int | None = Field(default=None, ge=0)
    order_amount: Money | None = Field(default=None, ge=0)
    membership_tier: Tier | None = None
    order_date: date | None = None
    has_photo: bool | None = None
    hours_since_delivery: float | None = Field(default=None, ge=0)
    during_incident: bool = False
    # Provenance: facts the customer stated (in a group chat, say) that no person has confirmed, by name,
    # with the value as stated — {"order_amount": 5000, "delay_minutes": 90}. A claim is shown to people
    # and can be confirmed (Workflow.confirm_facts), but it is not a fact: its field above stays unknown,
    # so it cannot raise what the ticket is entitled to. Given as a list of names instead, the named
    # fields' values are taken as the claims. Empty for tickets from a ticket system: their facts stand.
    claimed: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _claims_by_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("claimed"), (list, tuple)):
            data = dict(data)
            names = data.pop("claimed")
            data["claimed"] = {name: data.pop(name, None) for name in names}  # a name with no value claims nothing
        return data

    @field_validator("claimed")
    @classmethod
    def _claims_are_facts(cls, value: dict[str, Any]) -> dict[str, Any]:
        claimable = set(cls.model_fields) - {"issue_type", "during_incident", "claimed"}
        out: dict[str, Any] = {}
        for name, stated in value.items():
            if name not in claimable:
                raise ValueError(f"{name!r} cannot be claimed; claims can name: {', '.join(sorted(claimable))}")
            if stated is None:
                continue
            try:  # the same checks as the fact itself (a claimed amount is still a number ≥ 0)
                out[name] = getattr(cls.model_validate({"issue_type": "other", name: stated}), name)
            except ValidationError as exc:
                raise ValueError(f"claimed {name}: {_first_error(exc)}") from None
        return out

    @model_validator(mode="after")
    def _claim_or_fact(self) -> TicketFacts:
        both = sorted(name for name in self.claimed if getattr(self, name) is not None)
        if both:
            raise ValueError(f"{', '.join(both)} given both as a fact and as a claim; a claim becomes a fact only when a person confirms it")
        return self


class Wording(BaseModel):
    """A custom decision's text as customers read it, in zh and/or en."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    zh: str | None = Field(default=None, max_length=1000)
    en: str | None = Field(default=None, max_length=1000)

    def pick(self, lang: str) -> str:
        own = self.zh if lang == "zh" else self.en
        return (own or self.en or self.zh or "").strip()

    def texts(self) -> list[str]:
        return [text.strip() for text in (self.zh, self.en) if text and text.strip()]


class Remedy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: RemedyType
    rule_id: str = ""  # filled from the rule that grants it
    document: str = ""  # id of the policy document the rule implements
    scope: Literal["full", "partial", "pro_rated"] | None = None  # refunds
    applies_to: Literal["order", "item"] = "order"  # refunds: the whole order or the affected item
    percent: int | None = Field(default=None, gt=0, le=100)  # partial refunds
    amount: Money | None = Field(default=None, gt=0)  # coupons
    currency: str = "CNY"
    valid_days: int | None = Field(default=None, gt=0)
    min_spend: Money = Decimal(0)
    days: int | None = Field(default=None, gt=0)  # processing deadline
    minutes: int | None = Field(default=None, gt=0)  # response time
    months: int | None = Field(default=None, gt=0)  # membership extension
    channel: str | None = None  # priority channel / response-time channel
    choice: str | None = None  # remedies sharing a choice label are alternatives the customer picks from
    capped_by: str | None = None  # a cap rule that reduced this remedy
    # An incident's decision for some of those it affected ("the members removed from the group get a coupon"):
    # granted only to tickets of these issue types; empty = everyone the incident affected. Policy rules say
    # who they apply to in their own `when`, so this is for decisions.
    for_issue_types: tuple[IssueType, ...] = ()
    # A custom decision's words, said to customers as written: the promise guard backs a promise only inside
    # them verbatim, so an edited amount is a new promise that nothing backs.
    text: Wording | None = None

    @model_validator(mode="after")
    def _complete(self) -> Remedy:
        needs = {
            "coupon": ("amount", "valid_days"),
            "processing_deadline": ("days",),
            "response_time": ("minutes",),
            "membership_extension": ("months",),
            "refund": ("scope",),
        }.get(self.type, ())
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.type} remedy needs {', '.join(missing)}")
        if self.type == "refund" and self.scope == "partial" and self.percent is None:
            raise ValueError("a partial refund needs percent")
        if self.type == "custom" and (self.text is None or not self.text.texts()):
            raise ValueError("a custom remedy needs text (zh and/or en): the words customers are told")
        if self.type != "custom" and self.text is not None:
            raise ValueError(f"text is for custom remedies only; a {self.type} remedy is worded from its fields")
        return self


class Comparison(BaseModel):
    model_config = ConfigDict(extra="forbid")
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None


class DateWindow(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: date | None = Field(default=None, alias="from")  # inclusive
    until: date | None = None  # inclusive


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str = ""
    priority: int = 0
    when: list[dict[str, Any]] = Field(default_factory=list)  # any one block matching is enough
    remedies: list[Remedy]
    stacks_on_compensation: bool = False
    document: str = ""
    group: str = ""

    @field_validator("when", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value


class Cap(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    remedy: Literal["coupon"]
    max_total: Decimal = Field(gt=0)
    currency: str = "CNY"
    document: str = ""


class ApprovalLimit(BaseModel):
    """Remedies above `above` need a named approver; the workflow enforces it."""

    model_config = ConfigDict(extra="forbid")
    id: str
    remedy: Literal["refund", "coupon"]
    above: Decimal = Field(gt=0)
    currency: str = "CNY"
    approver: str
    document: str = ""


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document: str
    group: str = ""
    rules: list[Rule] = Field(default_factory=list)
    caps: list[Cap] = Field(default_factory=list)
    approvals: list[ApprovalLimit] = Field(default_factory=list)


_NUMERIC_FACTS = {"delay_minutes", "order_amount", "hours_since_delivery"}
_CHOICE_FACTS = {"issue_type": IssueType.__args__, "membership_tier": Tier.__args__}  # type: ignore[attr-defined]
_BOOL_FACTS = {"has_photo", "during_incident"}
_DATE_FACTS = {"order_date"}


def _check_condition(path: Path, rule: Rule, field: str, expected: Any) -> Any:
    """Validate one condition against the TicketFacts field it tests; returns it parsed."""
    try:
        if field in _NUMERIC_FACTS:
            if not isinstance(expected, dict):
                raise ValueError("use a comparison such as {gt: 30}")
            return Comparison.model_validate(expected)
        if field in _CHOICE_FACTS:
            values = expected if isinstance(expected, list) else [expected]
            bad = [v for v in values if v not in _CHOICE_FACTS[field]]
            if bad:
                raise ValueError(f"unknown value(s) {bad}; allowed: {', '.join(_CHOICE_FACTS[field])}")
            return set(values)
        if field in _BOOL_FACTS:
            if not isinstance(expected, bool):
                raise ValueError("use true or false")
            return expected
        if field in _DATE_FACTS:
            return DateWindow.model_validate(expected)
    except (ValueError, ValidationError) as exc:
        raise PolicyError(path, _first_error(exc), rule.id, f"when.{field}") from None
    raise PolicyError(path, f"unknown fact; conditions can test: {', '.join(TicketFacts.model_fields)}", rule.id, f"when.{field}")


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        return f"{where}: {error['msg']}" if where else error["msg"]
    return str(exc)


class PolicyBook:
    def __init__(
        self, rules: list[Rule], caps: list[Cap], sources: dict[str, str] | None = None, approvals: list[ApprovalLimit] | None = None
    ) -> None:
        self.rules = sorted(rules, key=lambda rule: (-rule.priority, rule.id))
        self.caps = caps
        self.approvals = approvals or []
        self.sources = sources or {}  # rule id -> file it came from
        self._conditions: dict[str, list[dict[str, Any]]] = {}
        for rule in self.rules:
            path = Path(self.sources.get(rule.id, "<policy book>"))
            self._conditions[rule.id] = [
                {field: _check_condition(path, rule, field, expected) for field, expected in block.items()} for block in rule.when
            ]

    @classmethod
    def load(cls, directory: Path | None = None) -> PolicyBook:
        directory = Path(directory or DEFAULT_POLICY_DIR)
        if not directory.is_dir():
            raise PolicyError(directory, "policy folder not found")
        rules: list[Rule] = []
        caps: list[Cap] = []
        approvals: list[ApprovalLimit] = []
        sources: dict[str, str] = {}
        files = sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))
        if not files:
            raise PolicyError(directory, "no policy-book files (*.yaml) in this folder")
        for path in files:
            book = _read_rule_file(path)
            for rule in book.rules:
                if rule.id in sources:
                    raise PolicyError(path, f"duplicate rule id (also in {sources[rule.id]})", rule.id)
                sources[rule.id] = str(path)
                rules.append(
                    rule.model_copy(
                        update={
                            "document": rule.document or book.document,
                            "group": rule.group or book.group or rule.id,
                            "remedies": [
                                r.model_copy(update={"rule_id": rule.id, "document": rule.document or book.document}) for r in rule.remedies
                            ],
                        }
                    )
                )
            limits: list[Cap | ApprovalLimit] = [*book.caps, *book.approvals]
            for limit in limits:
                if limit.id in sources:
                    raise PolicyError(path, f"duplicate rule id (also in {sources[limit.id]})", limit.id)
                sources[limit.id] = str(path)
                limit = limit.model_copy(update={"document": limit.document or book.document})
                if isinstance(limit, Cap):
                    caps.append(limit)
                else:
                    approvals.append(limit)
        return cls(rules, caps, sources, approvals)

    def rule(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    def matching_rules(self, facts: TicketFacts) -> list[Rule]:
        """Rules whose conditions hold, one per group, before stacking and caps."""
        chosen: dict[str, Rule] = {}
        for rule in self.rules:  # already sorted by priority, highest first
            if rule.group not in chosen and self._matches(rule, facts):
                chosen[rule.group] = rule
        return list(chosen.values())

    def remedies_for(self, facts: TicketFacts) -> list[Remedy]:
        """Every remedy this ticket is entitled to, each carrying its rule id."""
        matched = self.matching_rules(facts)
        base = [rule for rule in matched if not rule.stacks_on_compensation]
        granted = [remedy for rule in base for remedy in rule.remedies]
        if any(remedy.type in MONEY_TYPES for remedy in granted):
            granted += [remedy for rule in matched if rule.stacks_on_compensation for remedy in rule.remedies]
        return self._apply_caps(_combine(granted))

    def _matches(self, rule: Rule, facts: TicketFacts) -> bool:
        blocks = self._conditions[rule.id]
        return not blocks or any(all(_holds(getattr(facts, f), c) for f, c in block.items()) for block in blocks)

    def _apply_caps(self, remedies: list[Remedy]) -> list[Remedy]:
        for cap in self.caps:
            budget = cap.max_total
            capped: list[Remedy] = []
            for remedy in remedies:
                if remedy.type != cap.remedy or remedy.currency != cap.currency or remedy.amount is None:
                    capped.append(remedy)
                    continue
                allowed = min(remedy.amount, budget)
                budget -= allowed
                if allowed == remedy.amount:
                    capped.append(remedy)
                elif allowed > 0:
                    capped.append(remedy.model_copy(update={"amount": allowed, "capped_by": cap.id}))
            remedies = capped
        return remedies


def _holds(value: Any, condition: Any) -> bool:
    if value is None:
        return False
    if isinstance(condition, Comparison):
        number = float(value)
        return (
            (condition.gt is None or number > condition.gt)
            and (condition.gte is None or number >= condition.gte)
            and (condition.lt is None or number < condition.lt)
            and (condition.lte is None or number <= condition.lte)
        )
    if isinstance(condition, set):
        return value in condition
    if isinstance(condition, DateWindow):
        return (condition.from_ is None or value >= condition.from_) and (condition.until is None or value <= condition.until)
    return bool(value == condition)


_REFUND_STRENGTH = {"full": 3, "pro_rated": 1, "partial": 2}


def _refund_strength(remedy: Remedy) -> tuple[int, int, int]:
    """Order-wide beats item-only; then full > partial (by percent) > pro-rated."""
    if remedy.type == "free_order":
        return (1, 4, 100)
    whole_order = 1 if remedy.applies_to == "order" else 0
    return (whole_order, _REFUND_STRENGTH.get(remedy.scope or "", 0), remedy.percent or 0)


def _combine(remedies: list[Remedy]) -> list[Remedy]:
    """Merge remedies from several rules: one refund (the largest), every coupon,
    the tightest deadline and response time, each other remedy once. Alternatives
    the customer chooses between (`choice`) are kept as they are."""
    alternatives = [r for r in remedies if r.choice]
    plain = [r for r in remedies if not r.choice]
    result: list[Remedy] = []
    refunds = [r for r in plain if r.type in ("refund", "free_order")]
    if refunds:
        result.append(max(refunds, key=_refund_strength))
    result += [r for r in plain if r.type == "coupon"]
    for kind, measure in (("processing_deadline", "days"), ("response_time", "minutes")):
        candidates = [r for r in plain if r.type == kind]
        if candidates:
            result.append(min(candidates, key=lambda r: getattr(r, measure)))
    seen: set[tuple[str, str | None]] = set()
    for remedy in plain:
        if remedy.type in ("refund", "free_order", "coupon", "processing_deadline", "response_time"):
            continue
        key = (remedy.type, remedy.channel)
        if key not in seen:
            seen.add(key)
            result.append(remedy)
    return result + alternatives


def _read_rule_file(path: Path) -> RuleFile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise PolicyError(path, "is not valid UTF-8") from None
    except yaml.YAMLError as exc:
        raise PolicyError(path, yaml_problem(exc)) from None
    if not isinstance(data, dict):
        raise PolicyError(path, "a policy-book file must be a mapping with 'document' and 'rules'")
    try:
        return RuleFile.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = list(error["loc"])
        rule_id = None
        if len(loc) >= 2 and loc[0] in ("rules", "caps", "approvals") and isinstance(loc[1], int):
            items = data.get(loc[0]) or []
            if loc[1] < len(items) and isinstance(items[loc[1]], dict):
                rule_id = str(items[loc[1]].get("id", f"#{loc[1] + 1}"))
            loc = loc[2:]
        field = ".".join(str(part) for part in loc) or None
        raise PolicyError(path, error["msg"], rule_id, field) from None


def describe_remedy(remedy: Remedy) -> str:
    """One line in plain English, for the CLI and logs (drafts word remedies themselves)."""
    if remedy.type == "refund":
        what = {"full": "full refund", "pro_rated": "pro-rated refund"}.get(remedy.scope or "", f"{remedy.percent}% refund")
        if remedy.scope == "pro_rated":
            what += " of the remaining paid term"
        else:
            what += " of the affected item" if remedy.applies_to == "item" else " of the order"
    elif remedy.type == "free_order":
        what = "the order is free (full refund)"
    elif remedy.type == "coupon":
        spend = f", minimum spend {remedy.min_spend}" if remedy.min_spend else ", no minimum spend"
        what = f"{remedy.amount} {remedy.currency} coupon valid {remedy.valid_days} days{spend}"
    elif remedy.type == "processing_deadline":
        what = f"processed within {remedy.days} days"
    elif remedy.type == "response_time":
        what = f"reply within {remedy.minutes} minutes" + (f" via {remedy.channel}" if remedy.channel else "")
    elif remedy.type == "membership_extension":
        what = f"{remedy.months}-month membership extension"
    elif remedy.type == "priority_channel":
        what = f"priority channel ({remedy.channel})" if remedy.channel else "priority channel"
    elif remedy.type == "custom" and remedy.text is not None:
        what = f"as decided: “{remedy.text.pick('en')}”"
    else:
        what = "reviewed by an agent"
    extras = "".join(
        [f" (customer's choice: {remedy.choice})" if remedy.choice else "", f" [capped by {remedy.capped_by}]" if remedy.capped_by else ""]
    )
    return f"{what}{extras} — rule {remedy.rule_id}"


def rule_ids(remedies: Iterable[Remedy]) -> list[str]:
    return sorted({remedy.rule_id for remedy in remedies})


def add_policy_file(folder: Path, name: str, content: bytes, *, seed: Path | None = None) -> PolicyBook:
    """Add (or replace) one rule file in `folder`, but only if the whole book still loads with it; returns
    the new book. A new `folder` starts as a copy of `seed` (the shipped book), so an upload adds to the
    rules rather than replacing all of them. Raises PolicyError naming the file, rule and field at fault."""
    import shutil
    import tempfile

    base = Path(name).name
    if Path(base).suffix.lower() not in (".yaml", ".yml"):
        raise PolicyError(base, "a policy-book file must be .yaml or .yml")
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError(base, "is not valid UTF-8") from None
    with tempfile.TemporaryDirectory(prefix="tactful-policy-") as scratch:
        trial = Path(scratch) / "book"
        source = folder if folder.is_dir() else seed
        if source is not None and source.is_dir():
            shutil.copytree(source, trial)
        else:
            trial.mkdir()
        (trial / base).write_bytes(content)
        try:
            PolicyBook.load(trial)
        except PolicyError as exc:  # say which file the user gave, not the scratch copy
            raise PolicyError(base if exc.path.endswith(base) else exc.path, exc.problem, exc.rule_id, exc.field) from None
        if not folder.is_dir():
            if source is not None and source.is_dir():
                shutil.copytree(source, folder)
            else:
                folder.mkdir(parents=True)
    (folder / base).write_bytes(content)
    return PolicyBook.load(folder)

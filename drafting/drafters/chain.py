"""The LLM drafter: retrieval → prompt → structured output → guards → one corrective retry → composer.

The model writes; it never decides. Remedies come from the policy book (worded by the composer), the
customer's messages are fenced and labelled untrusted, and every draft goes through the same tone guard,
commitment guard and language check as a person's edit, plus the grounding guard (drafting/drafters/grounding.py):
every sentence must be supported by what the prompt gave as trusted — the incident record, the ticket's
facts, the remedies, the policy clauses — or the courtesy phrase bank; the system prompt carries a secret
per-request canary that must never come back. A draft that fails twice — or a model that times out,
rate-limits past its retries, or answers with something that is not the JSON asked for — is replaced by the
composer's draft, with a warning that says why.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable
from typing import Any, Literal, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from drafting.domain.asks import read_asks
from drafting.domain.models import Ask, Citation, Draft, Incident, Lang, Stage, Ticket
from drafting.drafters import grounding, record_answers
from drafting.drafters.composer import Composer, strip_end, when
from drafting.drafters.reply_plan import ReplyPlan, plan
from drafting.drafters.retrieval import search_policies, unreachable_warning, with_warning
from drafting.guards import ask_coverage
from drafting.guards import commitments as commitment_guard
from drafting.guards.injection import injection_warnings
from drafting.guards.tone import ToneChecker
from drafting.text.data import load_yaml
from knowledge.documents import detect_language
from knowledge.policy import Remedy

MAX_MESSAGE_CHARS = 2000  # per ticket: a complaint, not a document
CLAUSES = 4
GROUNDING_REASONS = 6  # findings fed back per attempt: enough to fix, not a wall the model drowns in
_FENCE = re.compile(r"<{2,}|>{2,}|CUSTOMER_MESSAGES", re.IGNORECASE)


class DraftRejected(Exception):
    """The model's answer could not be used; the message says why (fed back on the retry)."""


def load_prompts() -> dict[str, Any]:
    prompts: dict[str, Any] = load_yaml("drafting.drafters.prompts", "drafting.yaml")
    return prompts


def parse_answer(content: Any) -> tuple[str, list[str]]:
    """The JSON object the prompt asks for → (text, cited ids). Code fences and chatter around the object
    are tolerated; anything else is a DraftRejected with the reason."""
    if isinstance(content, list):  # some providers return content parts
        content = "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    raw = str(content).strip()
    start, end = raw.find("{"), raw.rfind("}")
    if start < 0 or end <= start:
        raise DraftRejected('the answer was not a JSON object with a "text" field')
    try:
        data = json.loads(raw[start : end + 1])
    except json.JSONDecodeError as exc:
        raise DraftRejected(f"the answer was not valid JSON ({exc.msg})") from None
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise DraftRejected('the JSON had no non-empty "text" field')
    cited = data.get("cited_ids") or []
    if not isinstance(cited, list):
        cited = []
    return text.strip(), [str(c) for c in cited]


class LLMDrafter:
    """Drafts with a chat model; falls back to `composer` (also the source of remedies and wording of
    amounts) whenever the model's draft cannot be used."""

    def __init__(
        self, model: BaseChatModel, composer: Composer, *, model_name: str, store: Any | None = None, tone: ToneChecker | None = None
    ) -> None:
        self.model = model
        self.composer = composer
        # Free text from a model is what the semantic second opinion is for; default: the composer's checker.
        self.tone = tone or composer.tone
        self.store = store if store is not None else composer.store
        self.generator = f"llm:{model_name}"
        self.prompts = load_prompts()
        # A batch asks for another wording when two customers would get the same text; with a model that
        # costs a call, so try once (identical LLM replies are rare: each prompt carries the customer's facts).
        self.variants = 1

    # ── prompt pieces ─────────────────────────────────────────────────────────────────────────────

    def _language_name(self, lang: str) -> str:
        return self.prompts["language_names"][lang][lang]

    def _system(self, lang: str, canary: str) -> str:
        p = self.prompts
        return p["system"][lang].format(brand=p["brand"][lang], language_name=self._language_name(lang), canary=canary)

    def _plan_block(self, answers: ReplyPlan, incident: Incident, lang: str, seed: str) -> str:
        """The reply plan as the prompt states it: one line per ask type, named in our words (the customer's
        own words stay inside the fence). Who takes over is the composer's own hand-over (the incident owner,
        with no time), so both drafters promise the same."""
        lines = self.prompts["plan_lines"]
        words, names = lines[lang], lines["ask_names"][lang]
        who = self.composer.contact(random.Random(seed), incident, lang)
        done: set[str] = set()
        out = []
        for ask in answers.asks:
            if ask.type in done:
                continue
            done.add(ask.type)
            out.append(words[ask.answer or "handed_over"].format(ask=names.get(ask.type, ask.type), who=who))
        return "\n".join(out) or words["none"]

    def _record_lines(self, incident: Incident, ticket: Ticket, lang: str) -> list[str]:
        """The record's answers to the customer's questions whose form says where the answer lives ("why…?",
        "is mine one of them?"): the same parts the composer would say, for the model to state."""
        lines = self.prompts["plan_lines"]
        out: list[str] = []
        for question in record_answers.questions(ticket.messages, lang):
            found = record_answers.answer_from_record(question, incident, lang, " ".join(ticket.messages))
            if found is None or not found.intent:
                continue
            line = lines["from_record"][lang].format(
                form=lines["forms"][lang].get(found.intent, found.intent), answer=record_answers.answer_text(found, lang)
            )
            if line not in out:
                out.append(line)
        return out

    def _guarded(
        self,
        lang: str,
        template: str,
        incident: Incident,
        ticket: Ticket | None,
        entitled: Iterable[Remedy],
        extra: Iterable[str],
        untrusted: Iterable[str] = (),
    ) -> tuple[str, grounding.Sources]:
        """The system prompt with a fresh canary, and the sources the grounding guard checks the answer
        against: the prompt's own words and the canary count as leaks, the customer's words as untrusted."""
        canary = grounding.new_canary()
        system = self._system(lang, canary)
        sources = grounding.reply_sources(
            incident, ticket, entitled, extra=extra, untrusted=untrusted, prompt=self._instructions(system, template, lang), canary=canary
        )
        return system, sources

    def _instructions(self, system: str, template: str, lang: str) -> str:
        """What the model was told, without the data filled into it: no draft may repeat it."""
        scaffold = re.sub(r"\{[a-z_]+\}", "\n", template)
        return "\n".join([system, scaffold, self.prompts["retry"][lang].replace("{reasons}", "\n")])

    @staticmethod
    def _clause_texts(clauses: list[Any]) -> list[str]:
        return [f"{c.title}\n{c.heading}\n{c.text[:400]}" for c in clauses]

    def _incident_block(self, incident: Incident, lang: str) -> str:
        lines = [f"- {incident.title.pick(lang)}", f"- {incident.what_happened.pick(lang)}"]
        if incident.cause:
            lines.append(f"- cause: {incident.cause.pick(lang)}")
        for action in incident.actions[:4]:
            due = f", by {when(action.due, lang)}" if action.due else ""
            owner = f" (owner: {action.owner.pick(lang)}{due})" if action.owner else ""
            lines.append(f"- action: {strip_end(action.what.pick(lang))}{owner}")
        return "\n".join(lines)

    def _remedy_block(self, entitled: list[Remedy], lang: str, order_amount: Any, seed: str) -> str:
        rng = random.Random(seed)
        lines = self.composer.remedy_lines(rng, entitled, lang, order_amount)
        # a custom decision is quoted as the record words it: the promise guard backs it only word for word
        lines += [f"(decided; say word for word) {sentence}" for sentence in self.composer.decided_sentences(entitled, lang)]
        return "\n".join(f"- {line}" for line in lines) or "- (none: offer a personal follow-up, promise nothing)"

    def _channel_block(self, incident: Incident, entitled: list[Remedy], lang: str) -> str:
        sentence = self.composer.channel_sentence(random.Random(0), incident, entitled, lang, self.composer.reply_phrases)
        return sentence or "(none listed)"

    def _clauses(self, query: str, lang: str) -> tuple[list[Any], str | None]:
        """Policy passages for the prompt, and the draft's warning when the store could not be searched
        (retrieval trouble makes a less grounded prompt, not a failed draft)."""
        if self.store is None or not query.strip():
            return [], None
        clauses, failure = search_policies(self.store, query[:500], k=CLAUSES, lang=lang)
        return clauses, unreachable_warning(failure) if failure else None

    @staticmethod
    def _clause_block(clauses: list[Any]) -> str:
        return "\n".join(f"[{c.chunk_id}] {c.title} — {c.heading}: {c.text[:400]}" for c in clauses) or "(none)"

    @staticmethod
    def _fence(messages: list[str]) -> str:
        text = "\n---\n".join(messages)[:MAX_MESSAGE_CHARS]
        return _FENCE.sub(" ", text)  # the customer cannot close the fence

    # ── the loop ──────────────────────────────────────────────────────────────────────────────────

    def _run(
        self,
        conversation: list[BaseMessage],
        lang: str,
        entitled: list[Remedy],
        order_amount: Any,
        clauses: list[Any],
        kind: Literal["statement", "reply"],
        sources: grounding.Sources,
        asks: list[Ask] | None = None,
    ) -> tuple[Draft | None, list[str], int | None]:
        """Up to two attempts. Returns (draft or None, reasons for rejection, prompt tokens). `sources` is
        indexed once and checks both attempts. An ask the draft leaves unanswered is worth a retry but not
        the draft: the second answer is kept with the reviewer's warning, unless the ask is an escalation."""
        reasons: list[str] = []
        tokens: int | None = None
        for attempt in range(2):
            try:
                answer = self.model.invoke(conversation)
            except Exception as exc:  # timeouts, 429/5xx after the client's own retries, bad endpoints
                return None, [f"the model could not be reached ({type(exc).__name__}: {str(exc)[:160]})"], tokens
            usage = getattr(answer, "usage_metadata", None) or {}
            tokens = (tokens or 0) + int(usage.get("input_tokens") or 0) or tokens
            try:
                text, cited = parse_answer(answer.content)
                draft, problems, hints = self._guard(text, cited, lang, entitled, order_amount, clauses, kind, sources, asks or [])
            except DraftRejected as exc:
                draft, problems, hints = None, [str(exc)], []
            if draft is not None and not problems and (not hints or attempt == 1):
                return draft, reasons, tokens
            reasons = problems + hints
            if attempt == 0:
                retry = self.prompts["retry"][lang].format(reasons="\n".join(f"- {r}" for r in reasons))
                conversation = [*conversation, AIMessage(content=str(answer.content)), HumanMessage(content=retry)]
        return None, reasons, tokens

    def _guard(
        self,
        text: str,
        cited: list[str],
        lang: str,
        entitled: list[Remedy],
        order_amount: Any,
        clauses: list[Any],
        kind: Literal["statement", "reply"],
        sources: grounding.Sources,
        asks: list[Ask],
    ) -> tuple[Draft, list[str], list[str]]:
        """The draft as guarded, the problems that reject it, and the hints worth one retry (asks left
        unanswered that are not escalations)."""
        problems: list[str] = []
        if detect_language(text) != lang:
            problems.append(f"the reply must be written in {self._language_name(lang)}")
        # Grounding first: an obeyed injection shows up here (a link, a name, a figure, the prompt, a code),
        # and its reasons tell the retry exactly which phrase to drop.
        report = sources.check(text, lang)
        rejected = report.rejections
        problems += [f"grounding: {f.message()}" for f in rejected[:GROUNDING_REASONS]]
        if len(rejected) > GROUNDING_REASONS:
            problems.append(f"grounding: {len(rejected) - GROUNDING_REASONS} more findings of the same kinds")
        tone = self.tone.check(
            text, kind="draft", lang=lang, backed=commitment_guard.backed_quotes(text, entitled, sources.recorded), answering=sources.untrusted
        )
        # Only a high-severity or confident flag throws a model's draft away; low-confidence hints stay in the
        # draft's tone report for the reviewer (false alarms used to discard good drafts for the composer's).
        if tone.rejects_model_draft:
            problems += [reason for flag, reason in zip(tone.flags, tone.reasons("en"), strict=True) if flag.severity == "high" or flag.confident]
        promises = commitment_guard.check(text, entitled, order_amount=order_amount, recorded=sources.recorded)
        problems += [f"unbacked promise {reason}" for reason in promises.reasons()]
        coverage = ask_coverage.check(text, asks, lang, promises.commitments)
        problems += [item.reason() for item in coverage.missed_escalations]
        hints = [item.reason() for item in coverage.missing if not item.escalation]
        known = {c.chunk_id: c for c in clauses}
        citations = [
            Citation(chunk_id=k.chunk_id, doc_id=k.doc_id, title=k.title, heading=k.heading) for k in (known[c] for c in cited if c in known)
        ]
        # The Drafter interface passes `lang` as a str; Draft validates it.
        draft = Draft(
            kind=kind,
            text=text,
            lang=cast(Lang, lang),
            incident_id="",
            citations=citations,
            commitments=promises.commitments,
            tone=tone.to_dict(),
            generator=self.generator,
            remedies=entitled,
            warnings=[*(f"grounding: {f.message()}" for f in report.warnings), *coverage.warnings()],
            asks=coverage.asks(),
        )
        return draft, problems, hints

    def _fallback(self, fallback: Draft, reasons: list[str]) -> Draft:
        why = "; ".join(reasons) or "no usable answer"
        return fallback.model_copy(update={"warnings": [*fallback.warnings, f"LLM draft rejected, composer draft used instead: {why}"]})

    # ── the Drafter interface ─────────────────────────────────────────────────────────────────────

    def draft_reply(self, incident: Incident, ticket: Ticket, lang: str | None = None, *, variant: int = 0) -> Draft:
        lang = lang or ticket.language()
        reading = read_asks(ticket.messages, lang)
        entitled = self.composer.entitlements(incident, ticket, reading)
        facts = ticket.facts
        clauses, unsourced = self._clauses(" ".join(ticket.messages) or facts.issue_type.replace("_", " "), lang)
        p = self.prompts
        ticket_facts = json.dumps(
            {"customer": ticket.customer or None, "order_id": ticket.order_id, **facts.model_dump(mode="json", exclude_none=True)}, ensure_ascii=False
        )
        remedies = self._remedy_block(entitled, lang, facts.order_amount, f"{ticket.id}/{variant}")
        channel = self._channel_block(incident, entitled, lang)
        next_update = when(self.composer.upcoming_update(incident), lang) or "(not set)"
        answers = plan(reading.asks, entitled)
        plan_block = "\n".join(
            [self._plan_block(answers, incident, lang, f"plan/{ticket.id}/{variant}"), *self._record_lines(incident, ticket, lang)]
        )
        user = p["reply_user"][lang].format(
            plan=plan_block,
            incident=self._incident_block(incident, lang),
            ticket_facts=ticket_facts,
            remedies=remedies,
            channel=channel,
            next_update=next_update,
            clauses=self._clause_block(clauses),
            messages=self._fence(ticket.messages),
            language_name=self._language_name(lang),
        )
        system, sources = self._guarded(
            lang, p["reply_user"][lang], incident, ticket, entitled, [remedies, channel, next_update, *self._clause_texts(clauses)], ticket.messages
        )
        draft, reasons, tokens = self._run(
            [SystemMessage(content=system), HumanMessage(content=user)], lang, entitled, facts.order_amount, clauses, "reply", sources, answers.asks
        )
        warnings = injection_warnings(ticket.messages)
        if draft is None:
            fallback = self.composer.draft_reply(incident, ticket, lang, variant=variant)
            return with_warning(
                self._fallback(fallback, reasons).model_copy(update={"prompt_version": p["version"], "prompt_tokens": tokens}), unsourced
            )
        return with_warning(
            draft.model_copy(
                update={
                    "incident_id": incident.id,
                    "ticket_id": ticket.id,
                    "warnings": [*draft.warnings, *warnings],
                    "prompt_version": p["version"],
                    "prompt_tokens": tokens,
                }
            ),
            unsourced,
        )

    def rewrite(self, incident: Incident, ticket: Ticket, draft: Draft, instruction: str) -> Draft:
        """A variant of a reply, by a preset (shorter, warmer, formal, plainer) or a staff member's own
        instruction. The same guards apply against the same entitlements — a rewrite never changes the
        remedies — and the same fallback: the composer's preset, or the draft unchanged, with the reason."""
        lang = draft.lang
        entitled = self.composer.entitlements(incident, ticket)
        p = self.prompts
        preset = instruction.strip().lower()
        wanted = p["presets"][preset][lang] if preset in p["presets"] else instruction.strip()[:500]
        user = p["rewrite"][lang].format(instruction=wanted, language_name=self._language_name(lang), draft=draft.text)
        # A rewrite may say what the draft said (a reviewer approved its sources, or typed it) and what the
        # staff member's own instruction adds; the customer's messages stay untrusted.
        system, sources = self._guarded(
            lang, p["rewrite"][lang], incident, ticket, entitled, [draft.text, instruction, *(c.title for c in draft.citations)], ticket.messages
        )
        rewritten, reasons, tokens = self._run(
            [SystemMessage(content=system), HumanMessage(content=user)], lang, entitled, ticket.facts.order_amount, [], "reply", sources, draft.asks
        )
        if rewritten is None:
            fallback = self.composer.rewrite(incident, ticket, draft, instruction)
            return self._fallback(fallback, reasons).model_copy(update={"prompt_version": p["version"], "prompt_tokens": tokens})
        return rewritten.model_copy(
            update={
                "incident_id": incident.id,
                "ticket_id": ticket.id,
                "citations": draft.citations,
                "prompt_version": p["version"],
                "prompt_tokens": tokens,
            }
        )

    def draft_statement(self, incident: Incident, stage: Stage | None = None, lang: str = "zh", *, variant: int = 0) -> Draft:
        stage = stage or incident.stage
        fallback = self.composer.draft_statement(incident, stage, lang, variant=variant)  # also validates the stage
        p = self.prompts
        entitled = fallback.remedies
        rules = [self.composer.book.rule(r) for r in incident.rules]
        announced = [rem.model_copy(update={"rule_id": rule.id}) for rule in rules if rule for rem in rule.remedies] + list(incident.decisions)
        clauses, unsourced = self._clauses(incident.what_happened.pick(lang), lang)
        rt = self.composer.response_time(incident)
        announce = stage in ("1-2w",)
        remedies = self._remedy_block(announced, lang, None, f"{incident.id}/{stage}/{variant}") if announce else "- (announce none yet)"
        channel = self._channel_block(incident, [rt] if rt else [], lang)
        next_update = when(self.composer.upcoming_update(incident), lang) or "(not set)"
        user = p["statement_user"][lang].format(
            stage=stage,
            stage_guidance=p["stage_guidance"][stage][lang],
            language_name=self._language_name(lang),
            incident=self._incident_block(incident, lang),
            remedies=remedies,
            channel=channel,
            next_update=next_update,
            clauses=self._clause_block(clauses),
        )
        system, sources = self._guarded(
            lang,
            p["statement_user"][lang],
            incident,
            None,
            [*(announced if announce else []), *([rt] if rt else [])],
            [remedies, channel, next_update, *self._clause_texts(clauses)],
        )
        draft, reasons, tokens = self._run(
            [SystemMessage(content=system), HumanMessage(content=user)], lang, entitled, None, clauses, "statement", sources
        )
        if draft is None:
            return with_warning(
                self._fallback(fallback, reasons).model_copy(update={"prompt_version": p["version"], "prompt_tokens": tokens}), unsourced
            )
        return with_warning(
            draft.model_copy(update={"incident_id": incident.id, "stage": stage, "prompt_version": p["version"], "prompt_tokens": tokens}), unsourced
        )

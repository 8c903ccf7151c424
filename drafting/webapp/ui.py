"""What every page of the Streamlit app shares: the services (built once per process, keyed by where they
point), the UI language, who is acting, the incident in focus, and small renderers (inline tone flags,
version diffs). Pages hold layout only; decisions live in the workflow, the review module and the guards.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

import streamlit as st

from drafting import services
from drafting.guards.tone import Flag, ToneChecker, ToneReport, category_name, segments
from drafting.guards.tone_fix import apply_fix
from drafting.settings import Settings
from drafting.webapp import knowledge_loading, reasons
from drafting.webapp.i18n import UiLang, text
from drafting.workflow.core import Workflow
from drafting.workflow.queue import QueueItem, version_diff
from knowledge.policy import Tier

LANG_KEY, OPERATOR_KEY, INCIDENT_KEY, TICKET_KEY = "ui_lang", "operator", "incident_id", "ticket_id"
PAGES = Path(__file__).resolve().parent / "pages"


def page(name: str) -> Path:
    """A page's script, for st.Page and st.switch_page."""
    return PAGES / f"{name}.py"


def keep(key: str) -> None:
    """Call before creating a sidebar widget keyed `key`: Streamlit may drop a widget's state when the
    page changes (st.switch_page), and the UI language or the operator's name must survive that."""
    shadow = f"_kept_{key}"
    if key not in st.session_state and shadow in st.session_state:
        st.session_state[key] = st.session_state[shadow]


def kept(key: str) -> None:
    """Call after creating the widget: remember its value for keep()."""
    st.session_state[f"_kept_{key}"] = st.session_state.get(key)


def settings() -> Settings:
    return services.default_settings()


def _where(s: Settings) -> str:
    return s.effective_database_url


@st.cache_resource(show_spinner=False)
def _workflow(_s: Settings, database_url: str) -> Workflow:  # keyed by the URL: a new data dir, a new workflow
    return services.workflow(_s)


def workflow() -> Workflow:
    s = settings()
    return _workflow(s, _where(s))


@st.cache_resource(show_spinner=False)
def _drafter(_s: Settings, database_url: str, llm: str, store: str) -> Any:
    return services.drafter(_s, with_store=True)


def drafter() -> Any:
    """The LLM drafter when an endpoint is configured (the composer as its fallback), else the composer."""
    knowledge_loading.wait_until_loaded(t)  # its drafts cite the knowledge base: all of it, not what loaded so far
    s = settings()
    return _drafter(s, _where(s), f"{s.openai_base_url}|{s.llm_model}" if s.llm_configured else "", _store_key(s))


@st.cache_resource(show_spinner=False)
def _tone(_s: Settings, revise: int, block: int, semantic: bool) -> ToneChecker:
    return services.tone_checker(_s)


def tone() -> ToneChecker:
    s = settings()
    return _tone(s, s.tone_revise_below, s.tone_block_below, s.tone_semantic)


def _store_key(s: Settings) -> str:
    return f"{s.chroma_url or s.chroma_path.resolve()}|{s.embedding}"


@st.cache_resource(show_spinner=False)
def _store(_s: Settings, key: str) -> Any:
    return services.open_store(_s)


def store() -> Any:
    knowledge_loading.wait_until_loaded(t)  # and opened only then: Chroma opened mid-ingest misses what comes later
    s = settings()
    return _store(s, _store_key(s))


def draft_batch(flow: Workflow, incident_id: str, ticket_ids: list[int], done_key: str = "drafting_done") -> None:
    """Draft the tickets through the crash-safe job machinery, with a progress bar; leaves the outcome for
    the next run (show_flash), since the caller reruns the page to show the new drafts."""
    from drafting.workflow.jobs import JobProgress, create_job, drain  # here, not at import: only pages that draft need it

    job = create_job(flow, incident_id, ticket_ids, actor=operator() or "app")
    bar = st.progress(0.0, text=t("drafting_progress", done=0, total=len(ticket_ids)))

    def show(p: JobProgress) -> None:
        bar.progress((p.done + p.failed) / max(p.total, 1), text=t("drafting_progress", done=p.done + p.failed, total=p.total))

    final = drain(flow, job, drafter(), on_item=show)
    st.session_state["flash"] = t(done_key, n=final.done)
    if final.failed:
        st.session_state["flash_warning"] = t("drafting_failed", n=final.failed)


def file_uploader(label: str, types: list[str], key: str, **options: Any) -> Any:
    """st.file_uploader with its own words in the UI's language. Streamlit draws the button ("Upload") and
    the limit ("200MB per file • TXT, CSV") in English whatever the page's language, with no option to
    change them; CSS scoped to this uploader's key hides those texts and shows ours in their place."""
    if lang() != "en":
        limit = t("uploader_limit", mb=st.get_option("server.maxUploadSize"))
        listed = t("list_separator").join(kind.upper() for kind in types)
        scope = f'.{_key_class(key)} [data-testid="stFileUploaderDropzone"]'
        st.html(
            "<style>"
            f'{scope} button [data-testid="stMarkdownContainer"] p, {scope} [data-testid="stFileUploaderDropzoneInstructions"] span'
            " { display: none; }"
            f'{scope} button [data-testid="stMarkdownContainer"]::after {{ content: {_css_string(t("uploader_button"))}; }}'
            f'{scope} [data-testid="stFileUploaderDropzoneInstructions"] > div::after'
            f" {{ content: {_css_string(f'{limit} • {listed}')}; font-size: 0.875rem; opacity: 0.6; }}"
            "</style>"
        )
    return st.file_uploader(label, type=types, key=key, **options)


def date_input(label: str, value: date | None, key: str) -> date | None:
    """st.date_input whose empty field reads in the UI's language (Streamlit shows "yyyy/mm/dd" whatever the
    browser's language)."""
    _segment_placeholders(key, ("year", "month", "day"))
    chosen: date | None = st.date_input(label, value, key=key)
    return chosen


def time_input(label: str, value: time | None, key: str, where: Any = st) -> time | None:
    """st.time_input (drawn in `where`, a column) whose empty field reads in the UI's language (Streamlit
    shows "HH:mm" whatever the browser's language)."""
    _segment_placeholders(key, ("hour", "minute"))
    chosen: time | None = where.time_input(label, value, key=key)
    return chosen


def _segment_placeholders(key: str, parts: tuple[str, ...]) -> None:
    """Streamlit fixes a date or time field's locale to en-US, so an empty field's parts say "yyyy", "HH" …;
    CSS scoped to this input's key hides those placeholders and shows ours over them (typing shows the
    digits as usual). Each part is found by its data-type (year, hour …): its screen-reader label follows the
    browser's language (小时 for hour in a Chinese browser)."""
    if lang() == "en":
        return
    spin = f'.{_key_class(key)} [role="spinbutton"][data-placeholder="true"]'
    rules = [
        f'{spin}[data-type="{part}"] {{ visibility: hidden; position: relative; }}'
        f'{spin}[data-type="{part}"]::after {{ content: {_css_string(t("date_placeholder_" + part))}; visibility: visible;'
        " position: absolute; inset: 0; text-align: center; }"
        for part in parts
    ]
    st.html("<style>" + "".join(rules) + "</style>")


def _key_class(key: str) -> str:
    """The CSS class Streamlit gives the element keyed `key` (its frontend's rule: st-key-, then the key with
    anything but letters, digits, _ and - made a -)."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def _css_string(value: str) -> str:
    """`value` as a quoted CSS string: quotes, backslashes and line breaks escaped."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return f'"{escaped}"'


def show_flash() -> None:
    """The messages an action left for the run after its st.rerun()."""
    if flash := st.session_state.pop("flash", None):
        st.success(flash)
    if warning := st.session_state.pop("flash_warning", None):
        st.warning(warning)


def pick(label: str, options: list[Any], key: str, labels: dict[Any, str], container: Any = None) -> Any:
    """A selectbox over ids whose choice lives in st.session_state[key]; other pages choose for it by setting
    that key.

    The widget has a key of its own (`_pick_<key>`), fixed whatever the options: an unkeyed one changed
    identity with every choice, and a pick made before the browser had the new one was dropped — every
    second pick was ignored. A person's pick reaches `key` through on_change, before the page runs; the
    widget is set from `key` only when they differ (first run on a page, or another page chose), and
    without a default then, so Streamlit never sees both. Labels are made unique: the browser sends a
    label back, and two tickets from one customer must not read alike."""
    widget = f"_pick_{key}"
    if st.session_state.get(key) not in options:
        st.session_state[key] = options[0]
    index = options.index(st.session_state[key])
    if st.session_state.get(widget) != st.session_state[key]:
        st.session_state[widget] = st.session_state[key]
        index = 0
    shown = _unique(options, labels)
    (container or st).selectbox(
        label,
        options,
        index=index,  # where a stale label from the browser falls back to: the current choice
        key=widget,
        format_func=lambda option: shown.get(option, str(option)),
        on_change=_picked,
        args=(key, widget, tuple(options)),
        placeholder=t("choose_option"),
    )
    return st.session_state[key]


def _picked(key: str, widget: str, options: tuple[Any, ...]) -> None:
    chosen = st.session_state.get(widget)
    if chosen in options:  # not a label left over from options that have changed since
        st.session_state[key] = chosen


def _unique(options: list[Any], labels: dict[Any, str]) -> dict[Any, str]:
    seen: dict[str, int] = {}
    for option in options:
        seen[labels[option]] = seen.get(labels[option], 0) + 1
    return {option: labels[option] if seen[labels[option]] == 1 else f"{labels[option]} (#{option})" for option in options}


def incident_in_focus() -> str:
    """The incident the sidebar has chosen; stops the page with a hint when there is none yet."""
    incident_id = st.session_state.get(INCIDENT_KEY)
    if not incident_id:
        st.info(t("no_incident_yet"))
        st.stop()
    return str(incident_id)


def lang() -> UiLang:
    return "en" if st.session_state.get(LANG_KEY) == "English" else "zh"


def t(key: str, **values: object) -> str:
    return text(key, lang(), **values)


def joined(items: Iterable[str]) -> str:
    """A list as the reviewer's language writes it (王敏、李强 / Wang Min, Li Qiang)."""
    return t("list_separator").join(items)


def operator() -> str:
    """Who is acting: the signed-in user (OIDC via st.login, when configured), else the name typed in the
    sidebar; empty when nobody has said."""
    try:
        if getattr(st.user, "is_logged_in", False):
            return str(st.user.get("email") or st.user.get("name") or "")
    except Exception:  # no auth configured: st.user may not be usable
        pass
    return str(st.session_state.get(OPERATOR_KEY, "")).strip()


def login_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def is_approver(name: str) -> bool:
    allowed = workflow().config.approvers
    return bool(name) and (not allowed or name in allowed)


def error(exc: BaseException) -> None:
    """A refused step, said plainly in the reviewer's language (the workflow's messages say what to do)."""
    st.error(t("refused", reason=reason(str(exc))))


def reason(message: str) -> str:
    """A refusal or a warning the workflow wrote in English, in the UI's language."""
    return reasons.reason(message, lang())


def author_name(author: str) -> str:
    """Who wrote a version: a person's name as typed; the machinery (a drafting job, the app) in words."""
    if author.startswith("job:") and author[4:].isdigit():
        return t("author_job", n=author[4:])
    return t("author_app") if author == "app" else author


def generator_name(generator: str) -> str:
    """`template` or `llm:<model>`, as the reviewer reads it."""
    if generator.startswith("llm:"):
        return t("generator_llm", model=generator.removeprefix("llm:"))
    return t("generator_template") if generator == "template" else generator


def labeller(prefix: str) -> Callable[[Any], str]:
    """A widget's format_func for values named `prefix + value` in ui_text.yaml. The language is fixed now:
    Streamlit may call a format_func after the script run, when the session's language is out of reach."""
    language = lang()
    return lambda value: text(f"{prefix}{value}", language)


def status_name(status: str) -> str:
    return t(f"status_{status}")


def risk_name(risk: str) -> str:
    return t(f"risk_{risk}")


def named(prefix: str, value: str) -> str:
    """`value` (a code another layer wrote, e.g. a chat format) in the UI's words, `prefix + value` in
    ui_text.yaml; a code the UI has no words for is shown as written rather than dropped."""
    try:
        return t(prefix + value)
    except KeyError:
        return value


def channel_name(channel: str) -> str:
    """Where a ticket came from (`wechat`), as the reviewer reads it (微信); none at all as a dash."""
    return named("channel_", channel.lower()) if channel else "—"


def verdict_badge(verdict: str | None, score: int | None) -> str:
    if verdict is None:
        return "—"
    colour = {"ok": "green", "revise": "orange", "block": "red"}.get(verdict, "gray")
    return f":{colour}-badge[{t('verdict_' + verdict)} · {score}]"


# ── renderers ───────────────────────────────────────────────────────────────────────────────────────


def highlighted(text_: str, flags: Iterable[Flag]) -> str:
    """The text as HTML with each flagged phrase marked; hovering shows the explanation."""
    out = []
    for run, flag in segments(text_, flags):
        escaped = html.escape(run).replace("\n", "<br>")
        if flag is None:
            out.append(escaped)
            continue
        colour = "#ffd6d6" if flag.severity == "high" else "#fff1c2"
        tip = html.escape(flag.explanation if lang() == "zh" else flag.explanation_en, quote=True)
        out.append(f'<mark class="tone-flag" style="background:{colour}" title="{tip}">{escaped}</mark>')
    return '<div class="tactful-draft" style="line-height:1.7">' + "".join(out) + "</div>"


def diff_html(runs: list[tuple[str, str]]) -> str:
    parts = []
    for op, run in runs:
        escaped = html.escape(run).replace("\n", "<br>")
        if op == "removed":
            parts.append(f'<del style="background:#ffd6d6">{escaped}</del>')
        elif op == "added":
            parts.append(f'<ins style="background:#d6f5d6;text-decoration:none">{escaped}</ins>')
        else:
            parts.append(escaped)
    return '<div style="line-height:1.7">' + "".join(parts) + "</div>"


@st.cache_resource(show_spinner=False)
def _book(_s: Settings, folder: str, stamp: float) -> Any:
    return services.load_policy_book(_s)


def policy_book() -> Any:
    s = settings()
    folder = services.policy_folder(s)
    stamp = max((f.stat().st_mtime for f in folder.glob("*.y*ml")), default=0.0) if folder else 0.0
    return _book(s, str(folder), stamp)


# ── the review panel: one draft, its guards and the steps a reviewer can take ───────────────────────


def _apply_fix(text_key: str, flag: Flag) -> None:
    try:
        st.session_state[text_key] = apply_fix(st.session_state[text_key], flag)
    except ValueError:
        st.session_state[text_key + "-stale"] = True


def show_style_notes(report: ToneReport) -> None:
    """Boilerplate the writer may want to make concrete: shown quietly, apart from the tone flags."""
    for note in report.style:
        st.caption(f"✎ {t('style_note')} · “{note.phrase}” — {note.explanation if lang() == 'zh' else note.explanation_en}")


def show_commitments(commitments: Iterable[Any]) -> None:
    commitments = list(commitments)
    if not commitments:
        st.caption(t("no_commitments"))
    for c in commitments:
        if c.backed:
            st.markdown(f":green[✔] “{c.phrase}” — {t('backed_by', rule=c.backing)}")
        else:
            st.markdown(f":red[✘ **{t('not_backed')}**] “{c.phrase}” — {reasons.promise(c, lang())}")


def show_asks(asks: Iterable[Any]) -> None:
    """What the customer asked and how this text answers each (drafting.guards.ask_coverage), as the CLI's
    JSONL and the API's `asks` say it. The customer's words are shown as plain text, never as markdown."""
    asks = list(asks)
    if not asks:
        return
    st.markdown(f"**{t('asks_heard')}**")
    for heard in asks:
        mark = ":green[✔]" if heard.answer else ":red[✘]"
        st.markdown(f"{mark} {t('ask_type_' + heard.type)} · {t('ask_answer_' + (heard.answer or 'none'))}")
        st.text(f"“{heard.phrase}”")


def show_citations(citations: Iterable[Any]) -> None:
    citations = list(citations)
    if not citations:
        return
    with st.expander(t("sources", n=len(citations))):
        for citation in citations:
            st.markdown(f"**{citation.title}** › {citation.heading} (`{citation.chunk_id}`)")
            try:
                body = store().chunk_text(citation.chunk_id)
            except Exception:  # the store is down: the citation itself is still worth showing
                body = None
            if body:
                st.caption(body)


def draft_review_panel(view: Any, key: str) -> None:
    """Editable text with its guards re-run on every change, inline flags with one-click fixes, promises
    with the rule behind each, sources, approve / reject, and the version history.

    The reviewer works on the version they opened. If someone else saves a newer one meanwhile, their
    text stays on screen, and saving or approving is refused as a conflict until they choose to load the
    newer version — nothing is overwritten and nothing typed is lost."""
    flow = workflow()
    who = operator()
    seen_key = f"{key}-seen"
    seen = st.session_state.setdefault(seen_key, view.version)
    if seen > view.version:  # cannot happen unless the database was reset; start over
        seen = st.session_state[seen_key] = view.version
    base_text = view.versions[seen - 1].text if seen <= len(view.versions) else view.draft.text
    text_key = f"{key}-text-v{seen}"
    st.markdown(
        f"{verdict_badge(view.draft.tone.get('verdict'), view.draft.tone.get('score'))} · "
        f"{status_name(view.status)} · {t('version_n', n=view.version)} · {generator_name(view.draft.generator)}"
    )
    if seen != view.version:
        newest = view.versions[-1]
        st.warning(t("newer_version", n=view.version, author=author_name(newest.author), mine=seen))
        if st.button(t("load_newest"), key=f"{key}-load-newest"):
            st.session_state[seen_key] = view.version
            st.rerun()
    for risk in view.risks:
        st.warning(f"{risk_name(risk['kind'])}: {reasons.risk(risk['kind'], risk['reason'], lang())}")
    editable = view.status in ("drafted", "edited")
    # The text lives in session state from the start (a one-click fix writes it there); a widget default as
    # well would draw Streamlit's "set via the Session State API" warning.
    st.session_state.setdefault(text_key, base_text)
    current = st.text_area(t("draft_text"), key=text_key, height=260, disabled=not editable)
    if st.session_state.pop(text_key + "-stale", False):
        st.warning(t("text_changed"))
    checked = flow.preview(view.id, current) if current != view.draft.text else view.draft
    # read against the customer's messages, as the workflow's own check is: courtesy alone to a complaint is a hint
    answering = flow.ticket(view.ticket_id).messages if view.ticket_id else []
    report = tone().check(current, kind="draft", lang=view.draft.lang, answering=answering)
    st.markdown(highlighted(current, report.flags), unsafe_allow_html=True)
    st.markdown(f"**{t('tone')}** {verdict_badge(report.verdict, report.score)}")
    for n, flag in enumerate(report.flags):
        with st.container(border=True):
            st.markdown(f"**“{flag.phrase}”** · {category_name(flag.category, lang())} · {t('severity_' + flag.severity)}")
            st.caption(flag.explanation if lang() == "zh" else flag.explanation_en)
            if flag.suggestion and editable:
                st.button(t("apply_suggestion", suggestion=flag.suggestion), key=f"{key}-fix-{n}-v{seen}", on_click=_apply_fix, args=(text_key, flag))
    show_style_notes(report)
    st.markdown(f"**{t('commitments')}**")
    show_commitments(checked.commitments)
    show_asks(checked.asks)
    for warning in checked.warnings:
        if not warning.startswith("commitment:"):
            st.caption(f"⚠ {reason(warning)}")
    show_citations(view.draft.citations)

    approvals = [a for a in view.approvals if a.decision == "approve" and a.version == view.version]
    st.caption(t("approvals_status", done=len(approvals), needed=view.approvals_needed, names=joined(a.actor for a in approvals) or "—"))
    if not who:
        st.warning(t("who_are_you"))
    changed = current != base_text
    if failure := st.session_state.pop(f"{key}-error", None):
        st.error(t("refused", reason=reason(failure)))
    if editable:
        # Steps run as callbacks, before the page is drawn again: one script run per click, and the page
        # that follows already shows the result.
        def act(step: Callable[[], Any]) -> None:
            try:
                step()
            except Exception as exc:  # a stale version, a guard, an empty text: said plainly, nothing lost
                st.session_state[f"{key}-error"] = str(exc)

        def save_edit() -> None:
            saved = flow.edit(view.id, st.session_state[text_key], seen, actor=who)
            st.session_state[seen_key] = saved.version

        save, approve = st.columns(2)
        save.button(t("save_edit"), key=f"{key}-save", disabled=not changed or not who, on_click=act, args=(save_edit,))
        if view.blocked or (changed and (checked.tone.get("verdict") == "block" or any(not c.backed for c in checked.commitments))):
            st.text_input(t("override_reason"), key=f"{key}-override", help=t("override_help"))
        if changed:
            approve.caption(t("save_before_approve"))
        approve.button(
            t("approve"),
            key=f"{key}-approve",
            type="primary",
            disabled=changed or not who or not is_approver(who),
            on_click=act,
            args=(lambda: flow.approve(view.id, seen, actor=who, override=st.session_state.get(f"{key}-override", "")),),
        )
        if who and not is_approver(who):
            st.caption(t("not_an_approver", name=who))
        with st.popover(t("reject")):
            st.text_input(t("reject_reason"), key=f"{key}-reject-reason")
            st.button(
                t("reject_confirm"),
                key=f"{key}-reject",
                disabled=not who,
                on_click=act,
                args=(lambda: flow.reject(view.id, seen, actor=who, reason=st.session_state.get(f"{key}-reject-reason", "")),),
            )
    version_history(view)


def version_history(view: Any) -> None:
    if len(view.versions) < 2 and not view.approvals:
        return
    with st.expander(t("history", n=len(view.versions))):
        previous = None
        for version in view.versions:
            st.markdown(f"**{t('version_n', n=version.version)}** · {author_name(version.author)} · {version.created_at.astimezone():%Y-%m-%d %H:%M}")
            if previous is not None:
                st.markdown(diff_html(version_diff(previous, version.text)), unsafe_allow_html=True)
            previous = version.text
        for approval in view.approvals:
            why = approval.reason or approval.override or ""
            st.caption(f"{approval.actor}: {t('decision_' + approval.decision)} · {t('version_n', n=approval.version)} {why}".strip())


# ── what a customer claimed, and confirming it ──────────────────────────────────────────────────────


def _number(value: Any) -> str:
    """86, 86.5 — never 86.00 or 5E+3."""
    if isinstance(value, (Decimal, float)):
        return format(Decimal(str(value)).normalize(), "f")
    return str(value)


def fact_name(name: str) -> str:
    return t(f"fact_{name}")


def fact_value(name: str, value: Any) -> str:
    """A fact's value in words: 5000 CNY, 45 minutes, gold, yes."""
    if isinstance(value, bool):
        return t("yes" if value else "no")
    if name == "membership_tier":
        return t(f"tier_{value}")
    if isinstance(value, date):
        return value.isoformat()
    if name in ("order_amount", "delay_minutes", "hours_since_delivery"):
        return t(f"value_{name}", value=_number(value))
    return str(value)


def claim_text(name: str, value: Any) -> str:
    return t("claim_line", fact=fact_name(name), value=fact_value(name, value))


def _fact_input(name: str, claimed: Any, key: str) -> Any:
    """An input for the confirmed value, prefilled with the claim; returns the value as TicketFacts takes it."""
    label = t("confirmed_value", fact=fact_name(name))
    if name == "order_amount":
        entered = st.number_input(label, min_value=0.0, value=float(claimed), step=1.0, format="%.2f", key=key)
        return Decimal(f"{entered:.2f}").normalize()
    if name == "delay_minutes":
        return int(st.number_input(label, min_value=0, value=int(claimed), step=1, key=key))
    if name == "hours_since_delivery":
        return float(st.number_input(label, min_value=0.0, value=float(claimed), step=0.5, key=key))
    if name == "membership_tier":
        tiers = list(get_args(Tier))
        index = tiers.index(claimed) if claimed in tiers else 0
        return st.selectbox(label, tiers, index=index, format_func=labeller("tier_"), key=key, placeholder=t("choose_option"))
    if name == "order_date":
        return st.date_input(label, value=claimed, key=key)
    if name == "has_photo":
        return st.checkbox(label, value=bool(claimed), key=key)
    return claimed  # a fact without an input of its own is confirmed as claimed


def claims_panel(flow: Workflow, ticket_row_id: int, claimed: dict[str, Any]) -> None:
    """What the customer said about their order that nobody has confirmed yet, each with a small form to
    confirm it (prefilled with the claim; a person may correct it). A claim grants nothing until confirmed,
    so the reviewer has to see it as a claim — not among the facts, and never as an empty list."""
    if not claimed:
        return
    who = operator()
    with st.container(border=True):
        st.markdown(f"**{t('claims_title')}**")
        st.caption(t("claims_help"))
        for name, value in claimed.items():
            with st.form(f"claim-{ticket_row_id}-{name}", border=False):
                st.markdown(claim_text(name, value))
                entered = _fact_input(name, value, key=f"claim-{ticket_row_id}-{name}-value")
                if st.form_submit_button(t("confirm_fact", fact=fact_name(name)), key=f"confirm-{ticket_row_id}-{name}", disabled=not who):
                    _confirm(flow, ticket_row_id, who, name, entered)
        if not who:
            st.caption(t("who_are_you"))


def _confirm(flow: Workflow, ticket_row_id: int, who: str, name: str, value: Any) -> None:
    try:
        flow.confirm_facts(ticket_row_id, who, **{name: value})
    except Exception as exc:  # a conflict (someone confirmed another value first) or an invalid value, said plainly
        error(exc)
        return
    st.session_state[f"confirmed-{ticket_row_id}"] = [
        *st.session_state.get(f"confirmed-{ticket_row_id}", []),
        t("fact_is", fact=fact_name(name), value=fact_value(name, value)),
    ]
    st.rerun()


# ── why a draft is left for a person ────────────────────────────────────────────────────────────────


def needs_a_look(item: QueueItem) -> list[str]:
    """QueueItem.needs_a_look in the reviewer's language, reason for reason (a test holds them in step);
    the warnings' own texts stay as the guards wrote them."""
    if item.draft_id is None:
        return [t("look_no_draft")]
    reasons = []
    if item.status not in ("drafted", "edited"):
        reasons.append(t("look_status", status=status_name(item.status)))
    if item.verdict != "ok":
        reasons.append(t("look_tone", verdict=t("verdict_" + item.verdict) if item.verdict else t("look_tone_missing")))
    if item.unbacked:
        reasons.append(t("look_unbacked", n=item.unbacked))
    reasons += [t("look_risk", risk=risk_name(risk)) for risk in item.ticket_risks]
    if item.approvals_needed > 1:
        reasons.append(t("look_approvers", n=item.approvals_needed))
    reasons += [t("look_warning", warning=reason(warning)) for warning in item.warnings]
    return reasons

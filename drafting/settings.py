"""The one settings object. Every knob is an environment variable with the
``TACTFUL_`` prefix (or a line in ``.env``), plus the standard OpenAI variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge.embedding_spec import OPENAI_EMBEDDING_MODEL, parse_embedding_spec

# Defaults that code below the composition root also needs (a ToneChecker, WorkflowConfig, RateLimiter or
# JobRunner built without settings, as tests and benches do): each is written here once and read from here.
TONE_REVISE_BELOW = 55
TONE_BLOCK_BELOW = 30
SECOND_APPROVAL_ABOVE = 200  # CNY promised in one draft
API_RATE = 20.0  # requests per second per key
API_BURST = 100
JOB_THREADS = 4
JOB_POLL = 5.0  # seconds


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TACTFUL_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Everything Tactful stores lives here unless a URL below says otherwise.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default: a SQLite file in the data directory.")
    chroma_url: str | None = Field(
        default=None, description="http(s)://host:port of a `chroma run` server; default: embedded store in the data directory."
    )
    embedding: str = Field(
        default="use+e5",
        description="Embedding models whose rankings are fused, joined by '+': use (multilingual USE) and e5 "
        "(multilingual-e5-small) ship inside their packages; openai calls an OpenAI-compatible /embeddings endpoint.",
    )
    embedding_model: str = Field(default=OPENAI_EMBEDDING_MODEL, description="Model name for embedding=openai.")
    policy_dir: Path | None = Field(
        default=None,
        description="Folder of policy-book YAML files; default: DATA_DIR/policies once a file was added "
        "there (tactful policy add, or the app), else the sample book shipped with Tactful.",
    )
    llm_model: str = Field(default="gpt-4o-mini", description="Chat model name at the configured endpoint.")
    llm_timeout: float = Field(default=30.0, gt=0, le=600, description="Seconds to wait for one LLM call.")
    llm_max_retries: int = Field(
        default=2, ge=0, le=10, description="Retries (with backoff) on timeouts, 429 and 5xx before falling back to the composer."
    )
    tone_revise_below: int = Field(default=TONE_REVISE_BELOW, ge=0, le=100, description="Tone score below which a draft needs revision (0-100).")
    tone_block_below: int = Field(
        default=TONE_BLOCK_BELOW, ge=0, le=100, description="Tone score below which a draft is blocked; any high-severity flag blocks."
    )
    tone_semantic: bool = Field(
        default=True,
        description="Also judge tone by meaning (a classifier over multilingual sentence embeddings), for phrasing "
        "no lexicon entry lists; a few milliseconds per check.",
    )
    second_approval_above: float = Field(
        default=SECOND_APPROVAL_ABOVE, ge=0, description="CNY promised in one draft above which a second, different approver is needed."
    )
    approvers: str = Field(default="", description="Comma-separated names allowed to approve drafts; empty: anyone signed in.")
    api_rate: float = Field(default=API_RATE, gt=0, description="API requests per second allowed per key (average, per worker).")
    api_burst: int = Field(default=API_BURST, ge=1, description="API requests a key may send in a burst before the rate applies.")
    job_threads: int = Field(
        default=JOB_THREADS, ge=1, le=64, description="Threads per API worker drafting batch jobs (more help an LLM endpoint, not the composer)."
    )
    job_poll: float = Field(
        default=JOB_POLL, gt=0, le=3600, description="Seconds between an idle API worker's looks for batch work created elsewhere."
    )
    webhook_url: str | None = Field(default=None, description="Where approved replies are POSTed (signed); unset: no webhook.")
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Signing secret for outbound webhooks, whsec_<base64> (Standard Webhooks; "
        "`tactful webhooks new-secret` makes one). Required with TACTFUL_WEBHOOK_URL: nothing is delivered unsigned.",
    )
    chatwoot_webhook_secret: SecretStr | None = Field(
        default=None,
        description="The secret of the Chatwoot webhook (Chatwoot 4.11.2+, its webhook settings); when set, "
        "/v1/integrations/chatwoot refuses requests without a valid, fresh X-Chatwoot-Signature.",
    )
    openai_api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "TACTFUL_OPENAI_API_KEY"))
    openai_base_url: str | None = Field(default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "TACTFUL_OPENAI_BASE_URL"))

    @field_validator("chroma_url", "openai_base_url", "database_url", "webhook_url")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        # `TACTFUL_CHROMA_URL=` in a .env file means "not set", not "connect to ''".
        return value.strip() or None if value is not None else None

    @field_validator("embedding")
    @classmethod
    def _known_models(cls, value: str) -> str:
        return "+".join(parse_embedding_spec(value))

    @field_validator("chroma_url", "openai_base_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https://, got {value!r}")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _tone_thresholds_ordered(self) -> Settings:
        if self.tone_block_below > self.tone_revise_below:
            raise ValueError(
                f"TACTFUL_TONE_BLOCK_BELOW ({self.tone_block_below}) must not exceed TACTFUL_TONE_REVISE_BELOW ({self.tone_revise_below})"
            )
        return self

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'tactful.db').resolve()}"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def llm_configured(self) -> bool:
        """No key and no endpoint means composer mode (no LLM)."""
        return self.openai_api_key is not None or self.openai_base_url is not None

    def describe(self) -> dict[str, str]:
        """What is in force, for `tactful config` and the app's mode banner; secrets masked."""
        return {
            "data_dir": str(self.data_dir.resolve()),
            "database_url": _mask_url(self.effective_database_url),
            "chroma": self.chroma_url or f"embedded ({self.chroma_path.resolve()})",
            "embedding": self.embedding.replace("openai", f"openai:{self.embedding_model}"),
            "policy_dir": str(self.policy_dir)
            if self.policy_dir
            else (str(self.data_dir / "policies") if (self.data_dir / "policies").is_dir() else "built-in sample policy book"),
            "llm": f"{self.llm_model} at {self.openai_base_url or 'api.openai.com'}" if self.llm_configured else "none (composer mode)",
            "tone_thresholds": f"revise below {self.tone_revise_below}, block below {self.tone_block_below}",
            "webhook": f"{self.webhook_url} (signed)"
            if self.webhook_url and self.webhook_secret
            else f"{self.webhook_url} (not delivered: TACTFUL_WEBHOOK_SECRET is not set)"
            if self.webhook_url
            else "none",
            "chatwoot": "signatures required" if self.chatwoot_webhook_secret else "API key only (no TACTFUL_CHATWOOT_WEBHOOK_SECRET)",
            "openai_api_key": "set" if self.openai_api_key else "not set",
        }


class SettingsError(ValueError):
    """A configuration value is wrong; the message names the environment variable."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            if not error["loc"]:  # a rule across fields; its message names the variables itself
                problems.append(message)
                continue
            field = str(error["loc"][0])
            env = field if field.isupper() else f"TACTFUL_{field.upper()}"
            problems.append(f"{env}: {message}")
        raise SettingsError("invalid configuration — " + "; ".join(problems)) from None


def _mask_url(url: str) -> str:
    """Hide a password in a database URL before it is shown or logged."""
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url

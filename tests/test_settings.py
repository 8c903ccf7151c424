"""The one settings object: defaults, environment, and clear errors."""

from __future__ import annotations

import inspect
from decimal import Decimal
from pathlib import Path

import pytest

from drafting.settings import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env file
    for name in ("TACTFUL_DATA_DIR", "TACTFUL_DATABASE_URL", "TACTFUL_CHROMA_URL", "TACTFUL_EMBEDDING", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_keep_everything_under_data_dir(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.data_dir == Path("data")
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'data' / 'tactful.db'}"
    assert settings.chroma_path == Path("data") / "chroma"
    assert settings.chroma_url is None and not settings.llm_configured


def test_environment_and_standard_openai_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TACTFUL_DATA_DIR", "/srv/tactful")
    monkeypatch.setenv("TACTFUL_CHROMA_URL", "http://127.0.0.1:8000/")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    settings = load_settings()
    assert settings.data_dir == Path("/srv/tactful") and settings.chroma_url == "http://127.0.0.1:8000"
    assert settings.llm_configured and settings.openai_api_key.get_secret_value() == "sk-test"
    assert "sk-test" not in repr(settings) and "sk-test" not in str(settings.describe())


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TACTFUL_EMBEDDING=e5\nTACTFUL_CHROMA_URL=\n", encoding="utf-8")
    settings = load_settings()
    assert settings.embedding == "e5" and settings.chroma_url is None  # blank means unset


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TACTFUL_EMBEDDING", "bert", "TACTFUL_EMBEDDING"),
        ("TACTFUL_CHROMA_URL", "chroma:8000", "TACTFUL_CHROMA_URL: must start with http://"),
        ("OPENAI_BASE_URL", "localhost/v1", "OPENAI_BASE_URL: must start with http://"),
        ("TACTFUL_TONE_REVISE_BELOW", "abc", "TACTFUL_TONE_REVISE_BELOW: Input should be a valid integer"),
        ("TACTFUL_TONE_BLOCK_BELOW", "101", "TACTFUL_TONE_BLOCK_BELOW: Input should be less than or equal to 100"),
        ("TACTFUL_TONE_BLOCK_BELOW", "80", r"TACTFUL_TONE_BLOCK_BELOW \(80\) must not exceed TACTFUL_TONE_REVISE_BELOW \(55\)"),
    ],
)
def test_invalid_values_name_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        load_settings()


@pytest.mark.parametrize(("value", "expected"), [("use+e5", "use+e5"), ("e5, use", "e5+use"), ("use", "use")])
def test_embedding_models_are_listed_with_plus(monkeypatch: pytest.MonkeyPatch, value: str, expected: str) -> None:
    monkeypatch.setenv("TACTFUL_EMBEDDING", value)
    assert load_settings().embedding == expected


def test_embedding_named_twice_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TACTFUL_EMBEDDING", "use+use")
    with pytest.raises(SettingsError, match="names a model twice"):
        load_settings()


def test_every_default_is_written_once_and_the_layers_below_read_it() -> None:
    """A ToneChecker, WorkflowConfig, JobRunner or embedding function built without settings (tests, benches,
    the evals) behaves as the configured product does by default."""
    from drafting.guards.tone import Thresholds, default_checker
    from drafting.workflow.core import WorkflowConfig
    from drafting.workflow.jobs import JobRunner
    from knowledge.embeddings import OpenAICompatibleEmbeddings, make_embedding_function

    default = {name: field.default for name, field in Settings.model_fields.items()}
    assert (Thresholds().revise_below, Thresholds().block_below) == (default["tone_revise_below"], default["tone_block_below"])
    assert default_checker().thresholds == Thresholds()
    assert WorkflowConfig().second_approval_above == Decimal(str(default["second_approval_above"]))
    runner = inspect.signature(JobRunner.__init__).parameters
    assert (runner["threads"].default, runner["poll"].default) == (default["job_threads"], default["job_poll"])
    assert OpenAICompatibleEmbeddings().model == default["embedding_model"]
    assert inspect.signature(make_embedding_function).parameters["model"].default == default["embedding_model"]
    # The values themselves did not move when they were gathered here.
    assert {k: default[k] for k in ("tone_revise_below", "tone_block_below", "second_approval_above", "api_rate", "api_burst")} == {
        "tone_revise_below": 55,
        "tone_block_below": 30,
        "second_approval_above": 200,
        "api_rate": 20.0,
        "api_burst": 100,
    }
    assert (default["job_threads"], default["job_poll"], default["embedding_model"]) == (4, 5.0, "text-embedding-3-small")

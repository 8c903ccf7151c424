"""Reading YAML: one loader for the files Tactful ships, one way of saying what is wrong with a file and where."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from drafting.text.data import PackagedDataError, load_yaml
from knowledge.documents import DocumentError, load_document, yaml_problem
from knowledge.policy import PolicyBook, PolicyError


def problem(text: str | bytes, **kwargs: object) -> str:
    try:
        yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return yaml_problem(exc, **kwargs)  # type: ignore[arg-type]
    raise AssertionError(f"{text!r} parsed")


@pytest.mark.parametrize(
    ("text", "kwargs", "says"),
    [
        ("a: b: c\n", {}, "invalid YAML at line 1, column 5: mapping values are not allowed here"),
        ("rules:\n  - id: x\n   bad: [1\n", {}, "invalid YAML at line 3, column"),
        ("flags: [unclosed", {"source": "en.yaml"}, "en.yaml: invalid YAML at line 1, column 17: expected ',' or ']'"),
        ("k: 'open", {}, "found unexpected end of stream (while scanning a quoted scalar)"),
        ("title: [x\n", {"first_line": 2, "what": "invalid YAML front matter"}, "invalid YAML front matter at line 3, column 1"),
        ("x: \x01", {"source": "a.yaml"}, "a.yaml: invalid YAML: U+0001 at character 4 is not allowed in YAML"),
        (b"x: \xff", {}, "invalid YAML: byte 0xff at character 4"),
    ],
)
def test_a_yaml_problem_says_file_line_column_and_what(text: str | bytes, kwargs: dict[str, object], says: str) -> None:
    message = problem(text, **kwargs)
    assert says in message and "\n" not in message


def test_a_policy_file_and_a_front_matter_block_are_reported_the_same_way(tmp_path: Path) -> None:
    (tmp_path / "late.yaml").write_text("document: late\nrules:\n  - id: LD-1\n    title: [late\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"late\.yaml: invalid YAML at line 5, column \d+: "):
        PolicyBook.load(tmp_path)
    doc = tmp_path / "care.md"
    doc.write_text("---\nkind: policy\ntitle: [care\n---\nbody\n", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"care\.md: invalid YAML front matter at line 3, column 13: "):
        load_document(doc)


def test_packaged_yaml_is_read_once_and_shared() -> None:
    first = load_yaml("drafting.guards.lexicon", "staff.yaml")
    assert isinstance(first, dict) and first is load_yaml("drafting.guards.lexicon", "staff.yaml")


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A throwaway package on sys.path, standing in for an installation someone edited by hand."""
    root = tmp_path / "shipped_data_p8"
    root.mkdir()
    (root / "__init__.py").write_text("", encoding="utf-8")
    (root / "broken.yaml").write_text("patterns:\n  - 'calm down\n  - x: [\n", encoding="utf-8")
    (root / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "shipped_data_p8"
    sys.modules.pop("shipped_data_p8", None)
    load_yaml.cache_clear()


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("broken.yaml", r"^shipped_data_p8/broken\.yaml: invalid YAML at line \d+, column \d+: "),
        ("missing.yaml", r"^shipped_data_p8/missing\.yaml: missing from the installed package$"),
        ("latin1.yaml", r"^shipped_data_p8/latin1\.yaml: not UTF-8 \(byte at offset 9\)$"),
    ],
)
def test_a_broken_packaged_file_is_named_with_the_problem(package: str, name: str, says: str) -> None:
    with pytest.raises(PackagedDataError, match=says):
        load_yaml(package, name)

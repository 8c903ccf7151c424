"""The folders are the architecture: every import in drafting/ and knowledge/ points down the layers that
drafting/__init__.py draws, and none of the shipped code reaches for the test kit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lower number = lower layer. A module may import its own package and anything ranked strictly below it.
# Siblings of one rank (drafters and radar; the three front doors) never import each other.
RANKS = {
    "knowledge": 0,
    "drafting.text": 1,
    "drafting.domain": 2,
    "drafting.guards": 3,
    "drafting.drafters": 4,
    "drafting.radar": 4,
    "drafting.workflow": 5,
    "drafting.settings": 1,  # plain configuration: read by any layer, reads only knowledge
    "drafting.services": 7,
    "drafting.api": 8,
    "drafting.cli": 8,
    "drafting.webapp": 8,
}
SHIPPED = ("drafting", "knowledge")


def layer(module: str) -> str | None:
    """The layer a dotted module name belongs to (the longest matching prefix), None outside Tactful."""
    found = [name for name in RANKS if module == name or module.startswith(name + ".")]
    return max(found, key=len) if found else None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module `path` imports, anywhere in the file (imports inside functions count too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from drafting.guards import tone` imports drafting.guards.tone
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def shipped_modules() -> list[Path]:
    """Shipped Python modules, except the package's own docstring, the sample data's package marker and the
    Alembic scripts (run by Alembic, never imported)."""
    skip = {ROOT / "drafting" / "__init__.py", ROOT / "drafting" / "samples" / "__init__.py"}
    return sorted(
        p
        for package in SHIPPED
        for p in (ROOT / package).rglob("*.py")
        if "migrations" not in p.parts and "__pycache__" not in p.parts and p not in skip
    )


def violations(path: Path) -> list[str]:
    own = layer(module_name(path))
    assert own is not None, f"{path.relative_to(ROOT)} is in no layer; add its package to RANKS"
    wrong = []
    for line, target in imports(path):
        if target.split(".")[0] in ("testkit", "tests", "evals", "bench"):
            wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target} (not shipped)")
            continue
        theirs = layer(target)
        if theirs is None or theirs == own:
            continue
        if RANKS[theirs] >= RANKS[own]:
            wrong.append(f"{path.relative_to(ROOT)}:{line} ({own}) imports {target} ({theirs})")
    return wrong


def test_every_shipped_import_points_down_the_layers() -> None:
    modules = shipped_modules()
    assert len(modules) > 40
    found = [v for path in modules for v in violations(path)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        ("drafting.guards.tone", "drafting.text.phrasebook", True),
        ("drafting.guards.tone", "drafting.guards.risk", True),
        ("drafting.text.numbers", "drafting.guards.commitments", False),
        ("drafting.drafters.composer", "drafting.radar.analysis", False),
        ("drafting.api.app", "drafting.cli.main", False),
        ("knowledge.store", "drafting.settings", False),
        ("drafting.workflow.core", "knowledge.policy", True),
    ],
)
def test_the_rule_itself(tmp_path: Path, source: str, target: str, allowed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checker would catch an upward import (it is not vacuously green)."""
    path = ROOT.joinpath(*source.split(".")).with_suffix(".py")
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: f"import {target}\n")
    assert (violations(path) == []) is allowed


def test_every_subpackage_says_what_lives_there_and_what_it_may_import() -> None:
    for package in sorted((ROOT / "drafting").iterdir()):
        init = package / "__init__.py"
        if not package.is_dir() or package.name in ("samples", "__pycache__"):
            continue
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "may import" in doc.lower(), f"{init.relative_to(ROOT)} should say what it may import"


def test_every_data_file_under_the_packages_ships_in_the_wheel() -> None:
    """Moving a folder must not leave its data behind: every non-Python file in drafting/ and knowledge/ is
    matched by a package-data pattern in pyproject.toml (what setuptools puts in the wheel)."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert config["packages"]["find"]["include"] == ["drafting*", "knowledge*"]  # not testkit, evals, tests
    missing = []
    for package, patterns in config["package-data"].items():
        base = ROOT / package
        shipped = {p for pattern in patterns for p in base.glob(pattern)}
        for path in base.rglob("*"):
            if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts and path not in shipped:
                missing.append(str(path.relative_to(ROOT)))
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"

"""Write the API's OpenAPI document (docs/openapi.json): `python -m drafting.api.openapi_doc [PATH]`.

The document does not depend on data, so it is built against a throwaway SQLite database.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from drafting.api.app import create_app
from drafting.drafters.composer import Composer
from drafting.guards.tone import ToneChecker
from drafting.workflow import db
from drafting.workflow.core import Workflow
from knowledge.policy import PolicyBook

DEFAULT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def openapi() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        flow = Workflow(db.session_factory(f"sqlite:///{Path(tmp) / 'doc.db'}"), ToneChecker())
        book = PolicyBook.load(None)
        return create_app(flow, Composer(book), ToneChecker(), book).openapi()


def render() -> str:
    return json.dumps(openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drafting.api.openapi_doc", description="Write the API's OpenAPI document.")
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT, help=f"where to write it (default {DEFAULT})")
    target = parser.parse_args(argv).path
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

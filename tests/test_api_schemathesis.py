"""Schemathesis against the live API (`tactful serve` in its own process): no 5xx, responses that match the
OpenAPI document, documented status codes and content types."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from testkit.servers import ApiServer, api_key


@pytest.mark.slow
def test_schemathesis_finds_no_server_errors_or_schema_violations(tmp_path: Path) -> None:
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert schemathesis, "schemathesis is a test dependency (pip install -e '.[test]')"
    env = {
        "TACTFUL_DATA_DIR": str(tmp_path / "data"),
        "TACTFUL_TONE_SEMANTIC": "false",
        "TACTFUL_API_RATE": "10000",
        "TACTFUL_API_BURST": "10000",
        "TACTFUL_DATABASE_URL": None,
        "OPENAI_API_KEY": None,
        "OPENAI_BASE_URL": None,
    }
    key = api_key(env, tmp_path, "schemathesis", "admin")
    with ApiServer(env, log=tmp_path / "server.log", cwd=tmp_path) as server:
        base = server.url
        run = subprocess.run(
            [
                schemathesis,
                "run",
                f"{base}/openapi.json",
                "--checks",
                "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
                "-H",
                f"Authorization: Bearer {key}",
                "--max-examples",
                "15",
                "--workers",
                "1",
                "--seed",
                "7",
                "--request-timeout",
                "30",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            cwd=tmp_path,
        )
        assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]

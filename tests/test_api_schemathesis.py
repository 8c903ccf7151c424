"""Schemathesis against the live API (`tactful serve` in its own process): no 5xx, responses that match the
OpenAPI document, documented status codes and content types."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import _free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_schemathesis_finds_no_server_errors_or_schema_violations(tmp_path: Path) -> None:
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert schemathesis, "schemathesis is a test dependency (pip install -e '.[test]')"
    env = {**os.environ, "TACTFUL_DATA_DIR": str(tmp_path / "data"), "TACTFUL_TONE_SEMANTIC": "false",
           "TACTFUL_API_RATE": "10000", "TACTFUL_API_BURST": "10000"}
    env.pop("TACTFUL_DATABASE_URL", None)
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    tactful = [sys.executable, "-m", "drafting.cli"]
    key = subprocess.run([*tactful, "apikey", "create", "schemathesis", "--scope", "admin"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=True).stdout.strip()
    port = _free_port()
    server = subprocess.Popen([*tactful, "serve", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("the API did not start")
        run = subprocess.run(
            [schemathesis, "run", f"{base}/openapi.json", "--checks",
             "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
             "-H", f"Authorization: Bearer {key}", "--max-examples", "15", "--workers", "1", "--seed", "7",
             "--request-timeout", "30"],
            capture_output=True, text=True, timeout=900, cwd=tmp_path,
        )
        assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    finally:
        server.terminate()
        server.wait(timeout=30)

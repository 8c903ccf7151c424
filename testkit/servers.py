"""Real components started for tests and benchmarks: a throwaway PostgreSQL cluster, `tactful serve` and
`tactful app` processes, and a slow fake of an OpenAI-compatible endpoint (the one piece that cannot be
real here).

Shared by `tests/` and `bench/`, so the load benchmark and the fault tests start servers the same way.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO

import httpx

from testkit.fakes import answer

CHROMIUM = "/usr/bin/chromium"  # Debian's package (apt install chromium); never a downloaded browser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_binaries() -> tuple[str, str] | None:
    """(initdb, pg_ctl) from PATH or Debian's versioned folder; None when PostgreSQL is not installed."""
    initdb = shutil.which("initdb")
    if initdb is None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        initdb = str(found[-1]) if found else None
    if initdb is None:
        return None
    return initdb, str(Path(initdb).with_name("pg_ctl"))


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A fresh PostgreSQL cluster on a free loopback port, removed afterwards; yields its SQLAlchemy URL."""
    binaries = postgres_binaries()
    if binaries is None:
        raise RuntimeError("PostgreSQL is not installed (apt install postgresql)")
    initdb, pg_ctl = binaries
    # Directly under /tmp: the postgres user must reach the data directory.
    base = Path(tempfile.mkdtemp(prefix="tactful-pg-"))
    data = base / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres")
    try:
        subprocess.run(
            [*as_user, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        port = free_port()
        # fsync off: a throwaway cluster trades durability for speed (no benchmark here measures disk sync).
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "-t", "60", "start"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True, timeout=60)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def process_env(overrides: Mapping[str, str | None]) -> dict[str, str]:
    """This process's environment with `overrides` applied (None unsets), offline and telemetry-free."""
    merged = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", **overrides}
    return {name: value for name, value in merged.items() if value is not None}


def api_key(env: Mapping[str, str | None], cwd: Path, name: str, scope: str) -> str:
    """A new API key made the way an operator makes one (`tactful apikey create`), for the database `env` names."""
    return subprocess.run(
        [sys.executable, "-m", "drafting.cli.main", "apikey", "create", name, "--scope", scope],
        env=process_env(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()


class _TactfulProcess:
    """A `tactful` command in its own process group on a free port, ready once `health_path` answers 200.

    `env` overrides this process's environment (None unsets a variable); `cwd` is where it looks for a
    `.env` file — give a fresh folder so a developer's own `.env` cannot leak into a test."""

    health_path = "/"

    def __init__(self, arguments: list[str], env: Mapping[str, str | None], *, log: Path | None, cwd: Path | None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        tactful = Path(sys.executable).with_name("tactful")
        command = [str(tactful)] if tactful.exists() else [sys.executable, "-m", "drafting.cli.main"]
        self.command = [*command, *arguments, "--port", str(self.port)]
        self.env, self.cwd, self._log_path = process_env(env), cwd, log
        self._log: IO[bytes] | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90.0) -> _TactfulProcess:
        self._log = open(self._log_path, "ab") if self._log_path else None  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            self.command, env=self.env, stdout=self._log or subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.cwd
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{' '.join(self.command[1:3])} exited with {self.process.returncode}; log: {self._log_path}")
            try:
                if httpx.get(f"{self.url}{self.health_path}", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"{' '.join(self.command[1:3])} did not answer within {timeout:.0f} s; log: {self._log_path}")

    def kill(self) -> None:
        """SIGKILL the whole process group (uvicorn's workers too), like an OOM kill or a pulled plug."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self._close_log()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> _TactfulProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class ApiServer(_TactfulProcess):
    """`tactful serve` (the HTTP API)."""

    health_path = "/v1/health"

    def __init__(self, env: Mapping[str, str | None], *, workers: int = 1, log: Path | None = None, cwd: Path | None = None) -> None:
        super().__init__(["serve", "--workers", str(workers)], env, log=log, cwd=cwd)


class AppServer(_TactfulProcess):
    """`tactful app` (Streamlit), for a real browser to drive."""

    health_path = "/_stcore/health"

    def __init__(self, env: Mapping[str, str | None], *, log: Path | None = None, cwd: Path | None = None) -> None:
        # No file watcher: an edit to the checkout while a test runs would otherwise leave Streamlit's "source
        # file changed" banner up, and a test waiting for the app to settle would wait for nothing.
        super().__init__(["app", "--address", "127.0.0.1"], {"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none", **env}, log=log, cwd=cwd)


class SlowChatAPI:
    """A local OpenAI-compatible /chat/completions that takes `latency` seconds per answer and always
    answers with the same short, guard-clean reply: an LLM whose only property that matters is its speed.

    With `hold_after=N` every request after the first N waits until `release()`: a test that kills its
    caller then knows the caller was mid-request (`held` says how many wait), instead of hoping a timer
    caught it there."""

    REPLY = (
        "We are sorry your order went wrong, and that is on us. Our team is looking at it now, and we will write to you here as soon as we know more."
    )

    def __init__(self, latency: float, hold_after: int | None = None) -> None:
        self.latency = latency
        self.calls = 0
        self.held = 0
        self._gate = threading.Event()
        if hold_after is None:
            self._gate.set()
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    outer.calls += 1
                    hold = hold_after is not None and outer.calls > hold_after and not outer._gate.is_set()
                    outer.held += hold
                if hold:
                    outer._gate.wait()
                    with lock:
                        outer.held -= 1
                time.sleep(outer.latency)
                payload = json.dumps(
                    {
                        "id": "chatcmpl-slow",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model", "fake"),
                        "choices": [
                            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": json.dumps(answer(outer.REPLY))}}
                        ],
                        "usage": {"prompt_tokens": 1000, "completion_tokens": 60, "total_tokens": 1060},
                    }
                ).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the caller was killed mid-request
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def release(self) -> None:
        """Let held requests (and every later one) through."""
        self._gate.set()

    def env(self) -> dict[str, str]:
        """What points Tactful at this endpoint."""
        return {"OPENAI_API_KEY": "sk-local-fake", "OPENAI_BASE_URL": self.url, "TACTFUL_LLM_MODEL": "slow-fake", "TACTFUL_LLM_MAX_RETRIES": "0"}

    def __enter__(self) -> SlowChatAPI:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()  # held handler threads must not outlive the server
        self._server.shutdown()
        self._server.server_close()

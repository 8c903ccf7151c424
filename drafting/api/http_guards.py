"""HTTP plumbing that protects the API before any route runs: a request-body limit enforced while the body
streams in, and an access log that never prints secrets sent in a query string."""

from __future__ import annotations

import json
import logging
from urllib.parse import unquote_plus

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Query parameters whose values are credentials: `?key=` is how Chatwoot (which cannot set headers) sends
# an API key; the others are what integrations commonly name theirs. Compared case-insensitively.
SECRET_QUERY_PARAMETERS = frozenset({"key", "api_key", "apikey", "api-key", "access_token", "token", "secret", "password", "signature", "sig"})
REDACTED = "***"


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request bodies are limited to {limit} bytes")


class BodyLimit:
    """Refuse bodies over `limit` bytes with 413: at once when Content-Length says so, else (chunked
    transfer, or a Content-Length that lies) as soon as the bytes read so far pass the limit — so at most
    one chunk past the limit is ever held in memory and nothing over the limit reaches a route."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(send)
            return
        received = 0
        started = exceeded = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    exceeded = True
                    # Raised inside the route's body read: FastAPI re-raises HTTPExceptions, and the app's
                    # handler answers it with the usual error body.
                    raise BodyTooLarge(self.limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if exceeded:
                    # Close the connection after the 413: the server then stops reading (and the client
                    # stops sending) the rest of the body instead of draining it.
                    message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(send)  # read outside a route (no handler saw it)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"error": {"code": "too_large", "message": f"request bodies are limited to {self.limit} bytes", "details": []}}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": body})


def redact_query(target: str) -> str:
    """`path?key=tk_abc&incident_id=x` -> `path?key=***&incident_id=x`; other parameters are kept for debugging."""
    path, mark, query = target.partition("?")
    if not mark:
        return target
    parts = []
    for pair in query.split("&"):
        name, equals, _value = pair.partition("=")
        secret = unquote_plus(name).strip().lower() in SECRET_QUERY_PARAMETERS
        parts.append(f"{name}={REDACTED}" if secret and equals else pair)
    return f"{path}?{'&'.join(parts)}"


class RedactQuerySecrets(logging.Filter):
    """On uvicorn's access logger: its records carry the request target (path and query) as an argument."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_query(arg) if isinstance(arg, str) and "?" in arg else arg for arg in record.args)
        elif isinstance(record.msg, str) and "?" in record.msg and not record.args:
            record.msg = " ".join(redact_query(word) if "?" in word else word for word in record.msg.split(" "))
        return True


def redact_access_log(logger_name: str = "uvicorn.access") -> None:
    """Install the redaction once per process (idempotent: every app built in the process calls it)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, RedactQuerySecrets) for f in logger.filters):
        logger.addFilter(RedactQuerySecrets())


__all__ = ["BodyLimit", "BodyTooLarge", "redact_access_log", "redact_query"]
